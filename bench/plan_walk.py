#!/usr/bin/env python3
"""Idealised search for one trip over a whole call cycle (issue 14, T01).

A relaxation of `regio plan --overnight --trip-days N` used to ask how many
visits one walk from home can place at all, not a planner: the rep drives
from home through a sequence of calls and back; a day holds 9 h of driving
and calls; a drive may stop for the night anywhere on the road (a hotel on
the way), a call may not be split; N = 20 working days; 20-minute calls;
travel = great circle x 1.3 / 50 km/h as in Regio. A twice-a-cycle account
may appear twice in the sequence, its calls GMIN..GMAX working days apart
(6..14 = the 0.6-1.4 band of the planner's repair, 8..12 = its patterns).
Search: a 2-opt + Or-opt tour of every account once, stops with the largest
detour dropped until it fits the cycle, then simulated annealing on
(visits x 1000 - driving hours) with moves: add a second visit at its
cheapest place on a day GMIN..GMAX from the first (dropping the stops that
save most until it fits), add a left-out visit, drop a stop, move a stop,
reverse a stretch. Deterministic for a seed (Python's random).

  bench/plan_walk.py ACCOUNTS.csv HOME_LAT HOME_LON GMIN GMAX SEED ITERATIONS

ACCOUNTS.csv: id,lat,lon,frequency[,call_minutes] (the calls are 20 min).
Prints the best walk's visits, driving hours and days, and the walk.
"""
import math, csv, sys, random
def hav(a,b):
    la1,lo1=map(math.radians,a);la2,lo2=map(math.radians,b)
    h=math.sin((la2-la1)/2)**2+math.cos(la1)*math.cos(la2)*math.sin((lo2-lo1)/2)**2
    return 2*6371.0088*math.asin(min(1,math.sqrt(h)))
home=(float(sys.argv[2]),float(sys.argv[3]))
GMIN,GMAX=int(sys.argv[4]),int(sys.argv[5])
seed=int(sys.argv[6]); iters=int(sys.argv[7])
random.seed(seed)
acc=[(r['id'],float(r['lat']),float(r['lon']),int(r['frequency'])) for r in csv.DictReader(open(sys.argv[1]))]
pts=[home]+[(a[1],a[2]) for a in acc]
n=len(pts)
C=[[hav(pts[i],pts[j])*1.3/50 for j in range(n)] for i in range(n)]
freq=[0]+[a[3] for a in acc]
CALL=20/60; DAY=9.0; ND=20
def sim(seq):
    # returns (ok, days list, end time); drive may split over days, call may not
    t=0.0; day=0; pos=0; days=[]
    for a in seq:
        d=C[pos][a]
        # drive
        rem=DAY-t
        while d>rem+1e-12:
            d-=rem; day+=1; t=0.0; rem=DAY
            if day>=ND: return None
        t+=d
        if t+CALL>DAY+1e-12:
            day+=1; t=0.0
            if day>=ND: return None
        t+=CALL; days.append(day); pos=a
    d=C[pos][0]; rem=DAY-t
    while d>rem+1e-12:
        d-=rem; day+=1; t=0.0; rem=DAY
        if day>=ND: return None
    return days
def spacing_ok(seq,days):
    first={}
    for a,d in zip(seq,days):
        if a in first:
            g=d-first[a]
            if g<GMIN or g>GMAX: return False
        else: first[a]=d
    return True
def total(seq):
    s=0; pos=0
    for a in seq: s+=C[pos][a]; pos=a
    return s+C[pos][0]
def score(seq):
    days=sim(seq)
    if days is None or not spacing_ok(seq,days): return None
    return len(seq)*1000 - total(seq)
# start: nearest neighbour tour of all accounts once, then drop until feasible
rest=list(range(1,n)); seq=[]; pos=0
while rest:
    b=min(rest,key=lambda j:C[pos][j]); rest.remove(b); seq.append(b); pos=b
def two_opt(seq):
    imp=True
    while imp:
        imp=False
        s=[0]+seq+[0]
        for i in range(1,len(s)-2):
            for j in range(i+1,len(s)-1):
                if C[s[i-1]][s[j]]+C[s[i]][s[j+1]] < C[s[i-1]][s[i]]+C[s[j]][s[j+1]]-1e-9:
                    s[i:j+1]=s[i:j+1][::-1]; imp=True
        seq[:]=s[1:-1]
    return seq
two_opt(seq)
def or_opt(seq):
    imp=True
    while imp:
        imp=False
        for L in (1,2,3):
            for i in range(len(seq)-L+1):
                s=[0]+seq+[0]; a=i+1; b=i+L
                seg=s[a:b+1]
                rem=C[s[a-1]][s[a]]+C[s[b]][s[b+1]]-C[s[a-1]][s[b+1]]
                rest=s[:a]+s[b+1:]
                bj=None;bd=rem-1e-9
                for j in range(len(rest)-1):
                    for sg in (seg,seg[::-1]):
                        d=C[rest[j]][sg[0]]+C[sg[-1]][rest[j+1]]-C[rest[j]][rest[j+1]]
                        if d<bd: bd=d;bj=(j,sg)
                if bj:
                    j,sg=bj; rest=rest[:j+1]+sg+rest[j+1:]; seq[:]=rest[1:-1]; imp=True; break
            if imp: break
    return seq
for _ in range(3):
    or_opt(seq); two_opt(seq)
print("tour all once h",total(seq),"calls",len(seq)*CALL)
while sim(seq) is None:
    # drop the stop saving most
    s=[0]+seq+[0]
    bi=max(range(1,len(s)-1),key=lambda i:C[s[i-1]][s[i]]+C[s[i]][s[i+1]]-C[s[i-1]][s[i+1]])
    del seq[bi-1]
cur=score(seq); best=list(seq); bestv=cur
print("start",len(seq),cur)
T0=3.0
for it in range(iters):
    T=T0*(1-it/iters)+0.01
    s2=list(seq); r=random.random()
    cnt={}
    for a in s2: cnt[a]=cnt.get(a,0)+1
    if r<0.2:
        days=sim(s2)
        tw=[a for a in range(1,n) if freq[a]==2 and cnt.get(a,0)==1]
        if not tw: continue
        a=random.choice(tw); i0=s2.index(a); d1=days[i0]
        ss=[0]+s2+[0]; cand=[]
        for i in range(len(ss)-1):
            dd=days[min(i,len(days)-1)]
            if GMIN<=abs(dd-d1)<=GMAX:
                cand.append((C[ss[i]][a]+C[a][ss[i+1]]-C[ss[i]][ss[i+1]],i))
        if not cand: continue
        cand.sort(); s2.insert(cand[0][1],a)
        # make room: drop the stop saving most time per visit until feasible
        while sim(s2) is None and len(s2)>1:
            sq=[0]+s2+[0]
            bi=max(range(1,len(sq)-1),key=lambda i:(C[sq[i-1]][sq[i]]+C[sq[i]][sq[i+1]]-C[sq[i-1]][sq[i+1]]) if sq[i]!=a else -1)
            del s2[bi-1]
    elif r<0.35:
        # insert a missing visit at random-cheap position
        miss=[a for a in range(1,n) if cnt.get(a,0)<freq[a]]
        if not miss: continue
        a=random.choice(miss)
        cand=[]
        ss=[0]+s2+[0]
        for i in range(len(ss)-1):
            cand.append((C[ss[i]][a]+C[a][ss[i+1]]-C[ss[i]][ss[i+1]],i))
        cand.sort(); k=min(len(cand)-1,int(random.expovariate(0.3)))
        s2.insert(cand[k][1],a)
    elif r<0.5:
        i=random.randrange(len(s2)); del s2[i]
    elif r<0.8:
        i=random.randrange(len(s2)); a=s2.pop(i); j=random.randrange(len(s2)+1); 
        if random.random()<0.7:
            j=max(0,min(len(s2),i+random.randint(-15,15)))
        s2.insert(j,a)
    else:
        i=random.randrange(len(s2)); j=min(len(s2),i+random.randint(2,30)); s2[i:j]=s2[i:j][::-1]
    v=score(s2)
    if v is None: continue
    if v>=cur or random.random()<math.exp((v-cur)/T/1000*50):
        seq=s2; cur=v
        if v>bestv: bestv=v; best=list(s2)
    if it%20000==0: print(it,len(seq),round(cur),len(best),round(bestv),flush=True)
print("best visits",len(best),"drive",total(best),"days",sim(best)[-1]+1)
print(best)
