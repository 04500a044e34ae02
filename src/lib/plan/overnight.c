/*
 * Overnight trips of the call-cycle planner: a rep whose accounts lie
 * beyond a comfortable day trip from home chains consecutive working days
 * of one week into a trip, sleeping at a hotel near the next day's first
 * visit. Each day of a trip is a path between two anchors (home or a
 * hotel, regio__plan_tour.from/to), so the pattern search, the routing
 * and the repair of the other files work on trips unchanged.
 *
 * Method ("route first, cluster second" in the manner of Beasley 1983, with
 * a sweep and a greedy team-orienteering step for the clusters):
 *  1. Far accounts: a round trip from home with the call does not fit the
 *     day, or takes more than FAR_SHARE of it. None: no trip at all (the
 *     plan is exactly the plan without overnight).
 *  2. A giant tour from home through the far accounts (nearest neighbour,
 *     then the 2-opt + Or-opt descent of tours.c) prices the far work
 *     (calls x frequency + the tour) and each account's share of it.
 *  3. Trips: runs of consecutive working days inside one week (no weekend,
 *     no day off inside a trip), each of up to max_nights + 1 days (with
 *     trip_days: runs cut only at days off and every trip_days days, the
 *     rep staying at the hotel over weekends; trips of trip_days, or one
 *     day fewer with c->trip_short, a variant plan.c compares); as
 *     many trips as the far work needs (times TRIP_SLACK) and as the
 *     highest frequency of a far account, spread evenly over the runs.
 *  4. A loop per trip: when the far work fits the trips, sectors of equal
 *     work swept by polar angle around home from the widest gap (Gillett
 *     and Miller); when it does not, the loop holding the most visits
 *     within FILL of the trip's hours, grown from every seed by cheapest
 *     insertion (the costliest, farthest visits are the ones left out),
 *     or cut down from the tour through all free far accounts by dropping
 *     the stop saving most per visit (drop_loop, at several fills): the
 *     variant whose walks serve most far visits is kept.
 *  5. Each loop (home -> loop -> home, improved) is walked day by day: a
 *     day serves loop stops while it can still reach a hotel and, from
 *     there, home in the days left; tonight's hotel is the next stop (the
 *     next day's first visit) when today reaches it, else the account's
 *     place nearest it that today reaches when that gets at least half as
 *     far as the road would, else a point on the road towards it as far as
 *     today's hours go (a new node of the travel times). These are the
 *     days' anchors; the stops a day serves seed their accounts' day
 *     patterns (hints), and the pattern search, routing and repair of the
 *     other files choose the visits between the anchors.
 *     Each loop is walked both ways; the way serving more visits is kept.
 *  6. More trips are tried while far visits stay off every walk and free
 *     runs are left; the variant whose walks serve most far visits (then
 *     fewer nights) is kept.
 *  6b. Crossing walks (c->cross, a pass plan.c compares, kept when its
 *     routed plan places more): a single trip over the cycle passes each
 *     region once, so accounts of two visits a cycle get one. cross_loop
 *     re-walks the loop by simulated annealing in a model of the walk
 *     (walk_days: the days set_trip would give) to place the most visits,
 *     an account of two visits now visited twice where the walk passes it
 *     again on a day one of its patterns pairs with the first (on the
 *     sample's T01, the central Pennsylvania accounts the trip passes on
 *     its way south-east and back); the second day is a second hint, and
 *     the account's pattern is seeded with both days.
 *  7. After routing (settle): each hotel moves to the next day's actual
 *     first visit when both days still fit; then a night is dropped (home
 *     that evening, home the next morning) when both days still fit and
 *     the km it adds cost less than the hotel.
 * Invariants: a night only joins two consecutive working days of one week,
 * at most max_nights a week; a day's anchors match: days[d].to ==
 * days[d+1].from whenever days[d].to is a hotel; routed days stay feasible
 * through settle. Complexity: O(F^2) for the giant tour of F far
 * accounts; a loop by orienteering O(S * F * L^2) for S <= MAX_STARTS
 * seeds and loops of L stops, per trip and variant; a walk O(L * m);
 * cross_loop about CROSS_WORK / F iterations of O(F) each, per variant;
 * settle O(N * L).
 */
#include "plan/plan_internal.h"

#include "regio/geo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FAR_SHARE 0.5   /* round trip from home above this share of the day: far */
#define TRIP_SLACK 1.15 /* weekly loops drive more than one giant tour */
#define FILL 0.95       /* a loop chosen by orienteering takes at most this share of its trip */
#define MAX_STARTS 64   /* seeds tried for a loop chosen by orienteering */
/* shares of a trip's hours tried for a loop cut down from the tour through
 * all (drop_loop): the walk, not the estimate, says how much a trip holds */
static const double fills[] = {0.95, 1.0, 1.05, 1.1};
#define N_FILLS ((int)(sizeof fills / sizeof fills[0]))

typedef regio__plan_tour tour;
typedef regio__plan_rctx rctx;
typedef regio__plan_solve_ctx solve_ctx;

/* 1 when local account a is served better from a hotel than from home. */
static int is_far(const rctx *c, int a)
{
    int one[1] = {a};
    double end;
    if (!regio__plan_seq_feasible(c, 0, 0, one, 1, &end))
        return regio__plan_seq_feasible(c, a, a, one, 1, NULL);
    return regio__plan_dur(c, 0, a) + regio__plan_dur(c, a, 0) > FAR_SHARE * c->shift;
}

/* Nearest-neighbour tour from home through far[0..n), improved; taken
 * holds n bytes, scratch n + 2 ints. */
static regio_err giant_tour(const rctx *c, const int *far, int n, tour *g, unsigned char *taken,
                            int *scratch)
{
    regio_err rc = regio__plan_tour_reserve(g, n);
    if (rc)
        return rc;
    memset(taken, 0, (size_t)n);
    int cur = 0;
    g->n = 0;
    for (int k = 0; k < n; k++) {
        int best = -1;
        double bd = INFINITY;
        for (int i = 0; i < n; i++) {
            if (taken[i])
                continue;
            double d = regio__plan_dur(c, cur, far[i]);
            if (d < bd) {
                bd = d;
                best = i;
            }
        }
        taken[best] = 1;
        cur = g->s[g->n++] = far[best];
    }
    regio__plan_tour_improve(c, g, scratch);
    return REGIO_OK;
}

/* A run of consecutive working days inside one week. */
typedef struct run {
    int start, len;
} run;

static int cmp_ang(const void *x, const void *y)
{
    const regio__plan_angle *a = x, *b = y;
    return a->ang < b->ang ? -1 : a->ang > b->ang ? 1 : a->a - b->a;
}

/* A place the walk is at: a node (home, an account) or a point on the
 * way (node -1). */
typedef struct place {
    int node;
    double lat, lon;
} place;

static place node_at(const rctx *c, int node)
{
    place q;
    q.node = node;
    regio__plan_node_place(c, node, &q.lat, &q.lon);
    return q;
}

/* Driving time between two places, as regio_dist prices it. */
static double pdur(const rctx *c, const regio_plan_params *p, place a, place b)
{
    if (a.node >= 0 && b.node >= 0 && a.node <= c->m && b.node <= c->m)
        return regio__plan_dur(c, a.node, b.node);
    double rf = p->road_factor > 0 ? p->road_factor : 1.3;
    double v = p->speed_kmh > 0 ? p->speed_kmh : 50.0;
    return regio_haversine_km(a.lat, a.lon, b.lat, b.lon) * rf / v * 3600.0;
}

/* A hotel on the way: a new node at q; returns its id. */
static int add_way(rctx *c, place q)
{
    c->way_lat[c->n_way] = q.lat;
    c->way_lon[c->n_way] = q.lon;
    return c->m + 1 + c->n_way++;
}

/* Walks the loop g (home -> g -> home) over at most k days from day0 on
 * and sets their anchors: each day serves loop stops while it can still
 * reach its hotel and, from there, home in the days left. Tonight's hotel
 * is the next stop when today reaches it (the next day's first visit),
 * else a point on the way to it as far as today's hours reach (a hotel
 * on the road), or where the day's last call was. The trip ends early
 * when the loop is done and home is reached. The stops a day serves get
 * it as their hint. Returns the nights set; 0 (no anchor changed) when a
 * day cannot move on. buf holds 2 * k + 1 ints. */
static int set_trip(rctx *c, const regio_plan_params *p, const tour *g, int day0, int k,
                    int *buf)
{
    int nights = 0, i = 0, way0 = c->n_way;
    int *hotel = buf;         /* k - 1 */
    int *i_day = buf + k;     /* k + 1: loop stops served by day d: [i_day[d], i_day[d + 1]) */
    i_day[0] = 0;
    double cap = c->walk_cap > 0 ? c->walk_cap : c->cap;
    place cur = node_at(c, 0), home = cur;
    for (int j = 0; j < k - 1; j++) {
        int left = k - 1 - j; /* days after tonight */
        double t = 0;
        while (i < g->n) {
            place x = node_at(c, g->s[i]);
            double arrive = t + pdur(c, p, cur, x) + regio__plan_acc(c, x.node)->call_s;
            /* home must stay within the days left; a walk of cross_loop
             * (planned so) may also use the rest of today on the road */
            double reach = left * cap;
            if (c->cross && cap - arrive > 0.1 * c->shift)
                reach += 0.98 * (cap - arrive);
            if (arrive > cap || pdur(c, p, x, home) > reach)
                break;
            t = arrive;
            cur = x;
            i++;
        }
        i_day[j + 1] = i;
        place target = home;
        if (i < g->n) {
            place x = node_at(c, g->s[i]);
            if (pdur(c, p, x, home) <= left * cap)
                target = x;
        }
        double to_target = pdur(c, p, cur, target);
        if (target.node == 0 && t + to_target <= cap)
            break; /* home tonight: the trip ends here */
        place h = cur;
        if (t + to_target <= cap) {
            h = target; /* the next day's first visit */
        } else {
            /* else the account's place nearest it that today reaches (a
             * town with calls), when that gets closer ... */
            double best = to_target;
            for (int y = 1; y <= c->m; y++) {
                place q = node_at(c, y);
                if (t + pdur(c, p, cur, q) > cap || pdur(c, p, q, home) > left * cap)
                    continue;
                double d = pdur(c, p, q, target);
                if (d < best - 1e-6) {
                    best = d;
                    h = q;
                }
            }
            /* ... by at least half of what the road gets; else a point
             * on the road towards it, as far as today reaches (always
             * for a walk passing accounts twice, which cross_loop planned
             * on the road's hours) */
            if ((c->cross || to_target - best < 0.5 * 0.98 * (cap - t)) &&
                cap - t > 0.1 * c->shift) {
                place town = h;
                double f = 0.98 * (cap - t) / to_target;
                h.node = -1;
                h.lat = cur.lat + f * (target.lat - cur.lat);
                h.lon = cur.lon + f * (target.lon - cur.lon);
                if (t + pdur(c, p, cur, h) > cap || pdur(c, p, h, home) > left * cap)
                    h = town;
            }
        }
        int same = h.node == cur.node && h.lat == cur.lat && h.lon == cur.lon;
        if (h.node == 0 || (same && t == 0))
            goto fail; /* no progress */
        hotel[nights++] = h.node >= 0 ? h.node : add_way(c, h);
        cur = h;
    }
    if (nights == 0 || pdur(c, p, cur, home) > cap)
        goto fail;
    /* the last day serves what it can before the drive home */
    {
        double t = 0;
        place at = cur;
        while (i < g->n) {
            place x = node_at(c, g->s[i]);
            double arrive = t + pdur(c, p, at, x) + regio__plan_acc(c, x.node)->call_s;
            if (arrive + pdur(c, p, x, home) > cap)
                break;
            t = arrive;
            at = x;
            i++;
        }
        i_day[nights + 1] = i;
    }
    for (int d = 0; d <= nights; d++) {
        c->days[day0 + d].from = d ? hotel[d - 1] : 0;
        c->days[day0 + d].to = d < nights ? hotel[d] : 0;
        for (int q = i_day[d]; q < i_day[d + 1]; q++) {
            int a = g->s[q];
            if (c->hint[a] < 0)
                c->hint[a] = day0 + d;
            else if (c->hint[a] != day0 + d && c->hint[c->m + 1 + a] < 0)
                c->hint[c->m + 1 + a] = day0 + d; /* a loop passing a twice (cross_loop) */
        }
    }
    return nights;
fail:
    c->n_way = way0; /* the points of a trip not taken */
    return 0;
}

/* The loop of one trip when the far work is more than the trips hold (a
 * team-orienteering step): from every seed (at most MAX_STARTS, evenly
 * spread) a loop home -> seed -> home grows by the cheapest insertion of
 * a free far account while it stays within limit seconds (travel and
 * calls); the loop holding the most visits wins (ties: less time, then the
 * lower seed). Its accounts are marked in used. */
static regio_err best_loop(const rctx *c, const int *far, int n_far, unsigned char *used,
                           double limit, tour *loop, tour *best, unsigned char *in)
{
    int step = n_far <= MAX_STARTS ? 1 : n_far / MAX_STARTS;
    long best_v = 0;
    double best_t = INFINITY;
    best->n = 0;
    for (int s0 = 0; s0 < n_far; s0 += step) {
        if (used[s0])
            continue;
        loop->n = 0;
        loop->travel = loop->call = 0;
        memset(in, 0, (size_t)n_far);
        long v = 0;
        int next = s0;
        while (next >= 0) {
            regio_err rc = regio__plan_tour_insert(c, loop, far[next]);
            if (rc)
                return rc;
            in[next] = 1;
            v += regio__plan_acc(c, far[next])->frequency;
            next = -1;
            double bd = INFINITY;
            for (int i = 0; i < n_far; i++) {
                if (used[i] || in[i])
                    continue;
                int pos;
                const regio_plan_account *ac = regio__plan_acc(c, far[i]);
                double d = regio__plan_ins_delta(c, loop, far[i], &pos) + ac->call_s;
                if (loop->travel + loop->call + d <= limit && d < bd) {
                    bd = d;
                    next = i;
                }
            }
        }
        double t = loop->travel + loop->call;
        if (loop->travel + loop->call > limit && loop->n == 1)
            continue; /* the seed alone does not fit a trip */
        if (v > best_v || (v == best_v && t < best_t - 1e-6)) {
            best_v = v;
            best_t = t;
            regio_err rc = regio__plan_tour_reserve(best, loop->n);
            if (rc)
                return rc;
            memcpy(best->s, loop->s, (size_t)loop->n * sizeof *loop->s);
            best->n = loop->n;
        }
    }
    for (int j = 0; j < best->n; j++)
        for (int i = 0; i < n_far; i++)
            if (far[i] == best->s[j])
                used[i] = 1;
    return REGIO_OK;
}

/* The loop of one trip when the far work is more than the trips hold,
 * route first: the tour through every free far account (giant_tour), from
 * which the stop saving the most time per visit (its detour and call) is
 * dropped while the loop is over limit seconds; then dropped accounts
 * whose cheapest insertion still fits go back, cheapest first. Better
 * than growing a loop (best_loop) when the trip can hold most of the
 * accounts: the dropped ones are the costliest detours of a good tour.
 * Its accounts are marked in used; members holds n_far ints. */
static regio_err drop_loop(const rctx *c, const int *far, int n_far, unsigned char *used,
                           double limit, tour *best, int *members, unsigned char *in,
                           int *scratch)
{
    int n = 0;
    for (int i = 0; i < n_far; i++)
        if (!used[i])
            members[n++] = far[i];
    best->n = 0;
    if (n == 0)
        return REGIO_OK;
    regio_err rc = giant_tour(c, members, n, best, in, scratch);
    if (rc)
        return rc;
    best->from = best->to = 0;
    best->call = 0;
    for (int i = 0; i < best->n; i++)
        best->call += regio__plan_acc(c, best->s[i])->call_s;
    best->travel = regio__plan_tour_travel(c, best);
    int n_out = 0; /* dropped accounts, kept at the end of members */
    while (best->n > 1 && best->travel + best->call > limit) {
        int bi = 0;
        double bs = -INFINITY;
        for (int i = 0; i < best->n; i++) {
            const regio_plan_account *ac = regio__plan_acc(c, best->s[i]);
            double sv = (regio__plan_rem_gain(c, best, i) + ac->call_s) / ac->frequency;
            if (sv > bs) {
                bs = sv;
                bi = i;
            }
        }
        int a = best->s[bi];
        regio__plan_tour_remove(c, best, a);
        members[n - 1 - n_out++] = a;
        if (best->travel + best->call <= limit) {
            regio__plan_tour_improve(c, best, scratch);
            best->travel = regio__plan_tour_travel(c, best);
        }
    }
    if (best->travel + best->call > limit) {
        best->n = 0;
        return REGIO_OK;
    }
    /* put back what still fits, cheapest first */
    for (;;) {
        int bk = -1;
        double bd = INFINITY;
        for (int k = n - n_out; k < n; k++) {
            int pos;
            double d = regio__plan_ins_delta(c, best, members[k], &pos) +
                       regio__plan_acc(c, members[k])->call_s;
            if (best->travel + best->call + d <= limit && d < bd) {
                bd = d;
                bk = k;
            }
        }
        if (bk < 0)
            break;
        if ((rc = regio__plan_tour_insert(c, best, members[bk])))
            return rc;
        members[bk] = members[n - n_out];
        n_out--;
    }
    for (int j = 0; j < best->n; j++)
        for (int i = 0; i < n_far; i++)
            if (far[i] == best->s[j])
                used[i] = 1;
    return REGIO_OK;
}

/* ---- a trip over the whole cycle passing accounts twice (c->cross) ------ */

#define CROSS_WORK 1.0e7 /* cross_loop's annealing: iterations x stops */

/* Days (0-based from the trip's first) of the stops s[0..n) of a walk from
 * home and back within k days of cap seconds: drive and calls fill each
 * day, a drive may stop for the night on the road (as set_trip: 98% as far
 * as the day reaches, and only when a tenth of the day is left), a call
 * may not be split. 0 when the walk does not end home within the k days. */
static int walk_days(const rctx *c, const int *s, int n, int k, double cap, int *day)
{
    double t = 0;
    int d = 0, pos = 0;
    for (int i = 0; i <= n; i++) {
        int a = i < n ? s[i] : 0;
        double dr = regio__plan_dur(c, pos, a);
        while (dr > cap - t + 1e-9) {
            /* as set_trip: a hotel on the road 98% as far as the day
             * reaches, none when less than a tenth of the day is left */
            if (cap - t > 0.1 * c->shift)
                dr -= 0.98 * (cap - t);
            t = 0;
            if (++d >= k)
                return 0;
        }
        t += dr;
        if (i == n)
            break;
        double call = regio__plan_acc(c, a)->call_s;
        if (t + call > cap + 1e-9) {
            t = 0;
            if (++d >= k)
                return 0;
        }
        t += call;
        day[i] = d;
        pos = a;
    }
    return 1;
}

/* The scratch and state of cross_loop. */
typedef struct cross_ws {
    int *cur, *cand, *best, *day, *cday, *first, *cnt;
    double *key;
    int *idx;
    int n_cur, n_cand, n_best;
} cross_ws;

/* Value of the walk s[0..n): visits x 1000 - hours of driving and calls,
 * or -INFINITY when it does not fit or an account visited twice is not on
 * two days of one of its patterns (allowed: N x N). day: n ints out. */
static double walk_value(const rctx *c, const int *s, int n, int k, double cap, int day0,
                         const unsigned char *allowed, int *day, int *first)
{
    if (!walk_days(c, s, n, k, cap, day))
        return -INFINITY;
    int ok = 1, pos = 0;
    double t = 0;
    for (int i = 0; i < n; i++) {
        int a = s[i];
        t += regio__plan_dur(c, pos, a) + regio__plan_acc(c, a)->call_s;
        pos = a;
        if (first[a] < 0)
            first[a] = i;
        else if (!allowed[(size_t)(day0 + day[first[a]]) * (size_t)c->N + (size_t)(day0 + day[i])])
            ok = 0;
    }
    t += regio__plan_dur(c, pos, 0);
    for (int i = 0; i < n; i++)
        first[s[i]] = -1;
    return ok ? n * 1000.0 - t / 3600.0 : -INFINITY;
}

/* Travel added by a between s[i-1] (home when i = 0) and s[i] (home when
 * i = n). */
static double add_at(const rctx *c, const int *s, int n, int i, int a)
{
    int u = i ? s[i - 1] : 0, v = i < n ? s[i] : 0;
    return regio__plan_dur(c, u, a) + regio__plan_dur(c, a, v) - regio__plan_dur(c, u, v);
}

static void ins_at(int *s, int *n, int i, int a)
{
    memmove(s + i + 1, s + i, (size_t)(*n - i) * sizeof *s);
    s[i] = a;
    (*n)++;
}

static void del_at(int *s, int *n, int i)
{
    memmove(s + i, s + i + 1, (size_t)(*n - i - 1) * sizeof *s);
    (*n)--;
}

/* The loop g of a trip over k days from day0, re-walked so that it places
 * the most visits in walk_days' model, an account of two visits a cycle
 * now visited twice where the walk passes it again on a day one of its
 * patterns pairs with the first (a relaxation: bench/plan_walk.py is the
 * same search in Python). Simulated annealing from g on visits x 1000 -
 * hours, moves: a second visit at its cheapest place on such a day (then
 * the stops saving the most time dropped until the walk fits), a far
 * account of the pool not in the walk at one of its cheapest places, a
 * stop dropped, moved, or a stretch reversed. Seeded, deterministic; g
 * keeps the best walk (both visits of an account as two stops). The pool:
 * the far accounts far[0..n_far), each at most once, twice when visited
 * twice a cycle. */
static regio_err cross_loop(const rctx *c, const regio_plan_params *p, const int *far, int n_far,
                            int day0, int k, const unsigned char *allowed, tour *g)
{
    int m = c->m, cap_n = 2 * n_far + 2;
    double cap = c->walk_cap > 0 ? c->walk_cap : c->cap;
    cross_ws w;
    memset(&w, 0, sizeof w);
    regio_err rc = REGIO_OK;
    w.cur = regio_malloc((size_t)cap_n * sizeof *w.cur);
    w.cand = regio_malloc((size_t)cap_n * sizeof *w.cand);
    w.best = regio_malloc((size_t)cap_n * sizeof *w.best);
    w.day = regio_malloc((size_t)cap_n * sizeof *w.day);
    w.cday = regio_malloc((size_t)cap_n * sizeof *w.cday);
    w.idx = regio_malloc((size_t)(cap_n + 1) * sizeof *w.idx);
    w.key = regio_malloc((size_t)(cap_n + 1) * sizeof *w.key);
    w.first = regio_malloc(((size_t)m + 1) * sizeof *w.first);
    w.cnt = regio_calloc((size_t)m + 1, sizeof *w.cnt);
    int *pool = regio_calloc((size_t)m + 1, sizeof *pool); /* visits allowed in the walk */
    if (!w.cur || !w.cand || !w.best || !w.day || !w.cday || !w.idx || !w.key || !w.first ||
        !w.cnt || !pool || regio__plan_tour_reserve(g, cap_n)) {
        rc = REGIO_ENOMEM;
        goto out;
    }
    for (int a = 0; a <= m; a++)
        w.first[a] = -1;
    for (int i = 0; i < n_far; i++) {
        int f = regio__plan_acc(c, far[i])->frequency;
        pool[far[i]] = f == 2 ? 2 : 1;
    }
    w.n_cur = 0;
    for (int i = 0; i < g->n && w.n_cur < cap_n; i++)
        if (pool[g->s[i]] && w.cnt[g->s[i]] < pool[g->s[i]]) {
            w.cnt[g->s[i]]++;
            w.cur[w.n_cur++] = g->s[i];
        }
    /* fit the walk: drop the stop of the largest detour until it fits */
    double cur;
    while ((cur = walk_value(c, w.cur, w.n_cur, k, cap, day0, allowed, w.cday, w.first)) ==
               -INFINITY &&
           w.n_cur > 0) {
        int bi = 0;
        double bs = -INFINITY;
        for (int i = 0; i < w.n_cur; i++) {
            int u = i ? w.cur[i - 1] : 0, v = i + 1 < w.n_cur ? w.cur[i + 1] : 0;
            double sv = regio__plan_dur(c, u, w.cur[i]) + regio__plan_dur(c, w.cur[i], v) -
                        regio__plan_dur(c, u, v);
            if (sv > bs) {
                bs = sv;
                bi = i;
            }
        }
        w.cnt[w.cur[bi]]--;
        del_at(w.cur, &w.n_cur, bi);
    }
    if (cur == -INFINITY)
        goto out;
    double bestv = cur;
    memcpy(w.best, w.cur, (size_t)w.n_cur * sizeof *w.best);
    w.n_best = w.n_cur;
    regio_rng rng;
    regio_rng_seed(&rng, regio__plan_mix(p->seed ^ 0x63726f7373ull));
    long iters = (long)(CROSS_WORK / (n_far + 1));
    for (long it = 0; it < iters; it++) {
        double temp = 3.0 * (1.0 - (double)it / (double)iters) + 0.01;
        memcpy(w.cand, w.cur, (size_t)w.n_cur * sizeof *w.cand);
        w.n_cand = w.n_cur;
        double r = regio_rng_double(&rng);
        if (r < 0.2) {
            /* a second visit where the walk passes again on a paired day */
            int n2 = 0;
            for (int i = 0; i < w.n_cur; i++)
                if (pool[w.cur[i]] == 2 && w.cnt[w.cur[i]] == 1)
                    w.idx[n2++] = i;
            if (n2 == 0)
                continue;
            int i0 = w.idx[regio_rng_below(&rng, (uint64_t)n2)], a = w.cur[i0];
            int d1 = day0 + w.cday[i0], bi = -1;
            double bd = INFINITY;
            for (int i = 0; i <= w.n_cur; i++) {
                int d2 = day0 + w.cday[i < w.n_cur ? i : w.n_cur - 1];
                if (!allowed[(size_t)d1 * (size_t)c->N + (size_t)d2])
                    continue;
                double x = add_at(c, w.cur, w.n_cur, i, a);
                if (x < bd) {
                    bd = x;
                    bi = i;
                }
            }
            if (bi < 0)
                continue;
            ins_at(w.cand, &w.n_cand, bi, a);
            while (!walk_days(c, w.cand, w.n_cand, k, cap, w.day) && w.n_cand > 2) {
                int bj = -1;
                double bs = -INFINITY;
                for (int i = 0; i < w.n_cand; i++) {
                    if (w.cand[i] == a)
                        continue;
                    int u = i ? w.cand[i - 1] : 0, v = i + 1 < w.n_cand ? w.cand[i + 1] : 0;
                    double sv = regio__plan_dur(c, u, w.cand[i]) +
                                regio__plan_dur(c, w.cand[i], v) - regio__plan_dur(c, u, v);
                    if (sv > bs) {
                        bs = sv;
                        bj = i;
                    }
                }
                if (bj < 0)
                    break;
                del_at(w.cand, &w.n_cand, bj);
            }
        } else if (r < 0.35) {
            /* a pool visit not in the walk, at one of its cheapest places */
            int nm = 0;
            for (int i = 0; i < n_far; i++)
                if (w.cnt[far[i]] == 0)
                    w.idx[nm++] = far[i];
            if (nm == 0)
                continue;
            int a = w.idx[regio_rng_below(&rng, (uint64_t)nm)];
            for (int i = 0; i <= w.n_cur; i++)
                w.key[i] = add_at(c, w.cur, w.n_cur, i, a);
            /* the rank-th cheapest place, rank geometric (mean ~3) */
            int rank = (int)(-log(1.0 - regio_rng_double(&rng)) / 0.3), at = 0;
            if (rank > 20)
                rank = 20;
            if (rank > w.n_cur)
                rank = w.n_cur;
            for (int q = 0; q <= rank; q++) {
                at = -1;
                for (int i = 0; i <= w.n_cur; i++)
                    if (w.key[i] < INFINITY && (at < 0 || w.key[i] < w.key[at]))
                        at = i;
                if (q < rank)
                    w.key[at] = INFINITY;
            }
            ins_at(w.cand, &w.n_cand, at, a);
        } else if (r < 0.5) {
            if (w.n_cand < 2)
                continue;
            del_at(w.cand, &w.n_cand, (int)regio_rng_below(&rng, (uint64_t)w.n_cand));
        } else if (r < 0.8) {
            if (w.n_cand < 3)
                continue;
            int i = (int)regio_rng_below(&rng, (uint64_t)w.n_cand), a = w.cand[i];
            del_at(w.cand, &w.n_cand, i);
            int j = (int)regio_rng_below(&rng, (uint64_t)w.n_cand + 1);
            if (regio_rng_double(&rng) < 0.7) {
                j = i - 15 + (int)regio_rng_below(&rng, 31);
                j = j < 0 ? 0 : j > w.n_cand ? w.n_cand : j;
            }
            ins_at(w.cand, &w.n_cand, j, a);
        } else {
            if (w.n_cand < 3)
                continue;
            int i = (int)regio_rng_below(&rng, (uint64_t)w.n_cand);
            int j = i + 2 + (int)regio_rng_below(&rng, 29);
            if (j > w.n_cand)
                j = w.n_cand;
            for (int x = i, y = j - 1; x < y; x++, y--) {
                int tmp = w.cand[x];
                w.cand[x] = w.cand[y];
                w.cand[y] = tmp;
            }
        }
        double v = walk_value(c, w.cand, w.n_cand, k, cap, day0, allowed, w.day, w.first);
        if (v == -INFINITY)
            continue;
        if (v >= cur || regio_rng_double(&rng) < exp((v - cur) * 0.05 / temp)) {
            for (int i = 0; i < w.n_cur; i++)
                w.cnt[w.cur[i]]--;
            memcpy(w.cur, w.cand, (size_t)w.n_cand * sizeof *w.cur);
            memcpy(w.cday, w.day, (size_t)w.n_cand * sizeof *w.cday);
            w.n_cur = w.n_cand;
            for (int i = 0; i < w.n_cur; i++)
                w.cnt[w.cur[i]]++;
            cur = v;
            if (v > bestv) {
                bestv = v;
                memcpy(w.best, w.cur, (size_t)w.n_cur * sizeof *w.best);
                w.n_best = w.n_cur;
            }
        }
    }
    memcpy(g->s, w.best, (size_t)w.n_best * sizeof *g->s);
    g->n = w.n_best;
    g->travel = regio__plan_tour_travel(c, g);
out:
    regio_free(w.cur);
    regio_free(w.cand);
    regio_free(w.best);
    regio_free(w.day);
    regio_free(w.cday);
    regio_free(w.idx);
    regio_free(w.key);
    regio_free(w.first);
    regio_free(w.cnt);
    regio_free(pool);
    return rc;
}

/* The anchors, hints and hotels on the way of one variant of the trips. */
typedef struct trips_snap {
    int *from, *to, *hint;
    double *way_lat, *way_lon;
    int n_way;
} trips_snap;

static regio_err trips_save(const rctx *c, trips_snap *b)
{
    if (!b->from) {
        b->from = regio_malloc((size_t)c->N * sizeof *b->from);
        b->to = regio_malloc((size_t)c->N * sizeof *b->to);
        b->hint = regio_malloc(2 * ((size_t)c->m + 1) * sizeof *b->hint);
        b->way_lat = regio_malloc(((size_t)c->N + 1) * sizeof *b->way_lat);
        b->way_lon = regio_malloc(((size_t)c->N + 1) * sizeof *b->way_lon);
        if (!b->from || !b->to || !b->hint || !b->way_lat || !b->way_lon)
            return REGIO_ENOMEM;
    }
    for (int d = 0; d < c->N; d++) {
        b->from[d] = c->days[d].from;
        b->to[d] = c->days[d].to;
    }
    memcpy(b->hint, c->hint, 2 * ((size_t)c->m + 1) * sizeof *b->hint);
    memcpy(b->way_lat, c->way_lat, (size_t)c->n_way * sizeof *b->way_lat);
    memcpy(b->way_lon, c->way_lon, (size_t)c->n_way * sizeof *b->way_lon);
    b->n_way = c->n_way;
    return REGIO_OK;
}

static void trips_restore(rctx *c, const trips_snap *b)
{
    for (int d = 0; d < c->N; d++) {
        c->days[d].from = b->from[d];
        c->days[d].to = b->to[d];
    }
    memcpy(c->hint, b->hint, 2 * ((size_t)c->m + 1) * sizeof *b->hint);
    memcpy(c->way_lat, b->way_lat, (size_t)b->n_way * sizeof *b->way_lat);
    memcpy(c->way_lon, b->way_lon, (size_t)b->n_way * sizeof *b->way_lon);
    c->n_way = b->n_way;
}

static void trips_snap_free(trips_snap *b)
{
    regio_free(b->from);
    regio_free(b->to);
    regio_free(b->hint);
    regio_free(b->way_lat);
    regio_free(b->way_lon);
}

/* Visits of the loop g's accounts that a walk serves (hinted). */
/* Visits a walk gives local account a: its frequency when the walk
 * serves it (the patterns place the others), or, when the walks pass
 * accounts twice (c->cross), one for each time it serves an account of
 * two visits a cycle. */
static long walk_visits(const rctx *c, int a)
{
    int f = regio__plan_acc(c, a)->frequency;
    if (c->hint[a] < 0)
        return 0;
    return c->cross && f == 2 ? 1 + (c->hint[c->m + 1 + a] >= 0) : f;
}

static long served(const rctx *c, const tour *g)
{
    long v = 0;
    for (int i = 0; i < g->n; i++) {
        int a = g->s[i], again = 0;
        for (int j = 0; c->cross && j < i && !again; j++)
            again = g->s[j] == a; /* counted at its first stop */
        if (!again)
            v += walk_visits(c, a);
    }
    return v;
}

/* One variant of the trips: n_trips of up to kmax days on runs spread
 * evenly. When the far work fits the trips (need <= n_trips * kmax trip
 * days), sectors of equal work in sweep order (order[0..n_far)); when it
 * does not, each trip's loop is the one holding the most visits within the
 * trip (best_loop). Each loop is improved and walked (set_trip). */
static regio_err build_trips(rctx *c, const regio_plan_params *p, const int *order, int n_far,
                             const run *runs, int n_runs, int n_trips, int kmax, double need,
                             const double *share, int drop, double fill,
                             const unsigned char *allowed, int *n_nights, int *scratch)
{
    regio_err rc = REGIO_OK;
    for (int d = 0; d < c->N; d++)
        c->days[d].from = c->days[d].to = 0;
    for (int a = 0; a <= 2 * c->m + 1; a++)
        c->hint[a] = -1;
    c->n_way = 0;
    *n_nights = 0;
    tour loop, bl;
    memset(&loop, 0, sizeof loop);
    memset(&bl, 0, sizeof bl);
    trips_snap before, fwd;
    memset(&before, 0, sizeof before);
    memset(&fwd, 0, sizeof fwd);
    int *members = regio_malloc(((size_t)n_far + 1) * sizeof *members);
    unsigned char *in = regio_calloc((size_t)n_far + 1, 1);
    unsigned char *used = regio_calloc((size_t)n_far + 1, 1);
    int *buf = regio_malloc((2 * (size_t)kmax + 1) * sizeof *buf);
    if (!members || !in || !used || !buf || regio__plan_tour_reserve(&loop, n_far)) {
        rc = REGIO_ENOMEM;
        goto out;
    }
    int capacity_bound = need > (double)n_trips * kmax;
    double tot = 0, acc = 0;
    for (int i = 0; i < n_far; i++)
        tot += share[order[i]];
    int i = 0;
    for (int t = 0; t < n_trips; t++) {
        const run *r = &runs[(size_t)t * (size_t)n_runs / (size_t)n_trips];
        int k = kmax < r->len ? kmax : r->len;
        if (capacity_bound) {
            double limit = fill * k * c->cap;
            if ((rc = drop ? drop_loop(c, order, n_far, used, limit, &bl, members, in, scratch)
                           : best_loop(c, order, n_far, used, limit, &loop, &bl, in)))
                goto out;
        } else {
            int n_in = 0;
            double limit = tot * (t + 1) / n_trips;
            while (i < n_far && (t == n_trips - 1 || n_in == 0 || acc + share[order[i]] / 2 <= limit)) {
                members[n_in++] = order[i];
                acc += share[order[i]];
                i++;
            }
            if ((rc = giant_tour(c, members, n_in, &bl, in, scratch)))
                goto out;
        }
        if (bl.n == 0)
            continue;
        bl.travel = regio__plan_tour_travel(c, &bl);
        regio__plan_tour_improve(c, &bl, scratch);
        /* one trip over the cycle: re-walked to pass accounts twice */
        if (allowed && n_trips == 1) {
            if ((rc = cross_loop(c, p, order, n_far, r->start, k, allowed, &bl)))
                goto out;
            if (bl.n == 0)
                continue;
        }
        /* the loop walked both ways: the way that serves more visits
         * (then fewer nights) */
        if ((rc = trips_save(c, &before)))
            goto out;
        int n1 = set_trip(c, p, &bl, r->start, k, buf);
        long v1 = served(c, &bl);
        if ((rc = trips_save(c, &fwd)))
            goto out;
        trips_restore(c, &before);
        for (int x = 0, y = bl.n - 1; x < y; x++, y--) {
            int tmp = bl.s[x];
            bl.s[x] = bl.s[y];
            bl.s[y] = tmp;
        }
        int n2 = set_trip(c, p, &bl, r->start, k, buf);
        long v2 = served(c, &bl);
        if (v1 > v2 || (v1 == v2 && n1 <= n2)) {
            trips_restore(c, &fwd);
            *n_nights += n1;
        } else {
            *n_nights += n2;
        }
    }
out:
    trips_snap_free(&before);
    trips_snap_free(&fwd);
    regio_free(loop.s);
    regio_free(bl.s);
    regio_free(members);
    regio_free(in);
    regio_free(used);
    regio_free(buf);
    return rc;
}

regio_err regio__plan_overnight_trips(rctx *c, solve_ctx *s, int *n_nights)
{
    const regio_plan_params *p = s->p;
    *n_nights = 0;
    /* (a plan of several passes comes here again) */
    regio_free(c->hint);
    regio_free(c->way_lat);
    regio_free(c->way_lon);
    c->hint = NULL;
    c->way_lat = c->way_lon = NULL;
    c->n_way = 0;
    if (!p->overnight || c->m == 0)
        return REGIO_OK;
    int week = p->week_len > 0 ? p->week_len : 5;
    int maxn = p->max_nights > 0 ? p->max_nights : 4;
    if (maxn > 7)
        maxn = 7;
    int m = c->m, N = c->N;
    regio_err rc = REGIO_OK;
    int *far = regio_malloc(((size_t)m + 1) * sizeof *far);
    int *scratch = regio_malloc(((size_t)m + 3) * sizeof *scratch);
    double *share = regio_malloc(((size_t)m + 1) * sizeof *share);
    run *runs = regio_malloc(((size_t)N + 1) * sizeof *runs);
    unsigned char *taken = regio_malloc((size_t)m + 1);
    regio__plan_angle *ang = regio_malloc(((size_t)m + 1) * sizeof *ang);
    int *order = regio_malloc(((size_t)m + 1) * sizeof *order);
    trips_snap best;
    memset(&best, 0, sizeof best);
    tour g;
    memset(&g, 0, sizeof g);
    unsigned char *allowed = NULL; /* N x N: day pairs of one pattern of 2 visits */
    if (!far || !scratch || !share || !runs || !taken || !ang || !order) {
        rc = REGIO_ENOMEM;
        goto done;
    }
    int n_far = 0, maxf = 0;
    long far_visits = 0;
    double far_call = 0;
    for (int a = 1; a <= m; a++) {
        const regio_plan_account *ac = regio__plan_acc(c, a);
        if (ac->frequency < 1 || ac->frequency > N || !is_far(c, a))
            continue;
        far[n_far++] = a;
        far_visits += ac->frequency;
        far_call += ac->frequency * ac->call_s;
        if (ac->frequency > maxf)
            maxf = ac->frequency;
    }
    if (n_far == 0)
        goto done;
    if (!(c->hint = regio_malloc(2 * ((size_t)m + 1) * sizeof *c->hint))) {
        rc = REGIO_ENOMEM;
        goto done;
    }
    for (int a = 0; a <= 2 * m + 1; a++)
        c->hint[a] = -1;
    /* at most a hotel on the way a night, a night a day */
    c->way_lat = regio_malloc(((size_t)N + 1) * sizeof *c->way_lat);
    c->way_lon = regio_malloc(((size_t)N + 1) * sizeof *c->way_lon);
    if (!c->way_lat || !c->way_lon) {
        rc = REGIO_ENOMEM;
        goto done;
    }
    /* runs of working days, cut at days off and week ends, or with
     * trip_days (trips over weekends) every trip_days days */
    int n_runs = 0;
    for (int d = 0; d < N;) {
        if (regio_plan_dayset_has(&c->rep->days_off, d + 1)) {
            d++;
            continue;
        }
        int e = d + 1;
        while (e < N && (p->trip_days > 0 ? e - d < p->trip_days : e % week != 0) &&
               !regio_plan_dayset_has(&c->rep->days_off, e + 1))
            e++;
        if (e - d >= 2)
            runs[n_runs++] = (run){d, e - d};
        d = e;
    }
    if (n_runs == 0)
        goto done;
    /* the giant tour: the far work, and each account's share of travel */
    if ((rc = giant_tour(c, far, n_far, &g, taken, scratch)))
        goto done;
    double work = far_call + g.travel;
    for (int i = 0; i < g.n; i++) {
        int a = g.s[i], pr = i ? g.s[i - 1] : 0, nx = i + 1 < g.n ? g.s[i + 1] : 0;
        const regio_plan_account *ac = regio__plan_acc(c, a);
        share[a] = ac->frequency * ac->call_s +
                   (regio__plan_dur(c, pr, a) + regio__plan_dur(c, a, nx)) / 2;
    }
    int kmax = p->trip_days > 0 ? p->trip_days - (c->trip_short && p->trip_days > 2) : maxn + 1;
    double need = TRIP_SLACK * work / c->cap; /* trip days */
    int n_trips = (int)ceil(need / kmax);
    if (n_trips < maxf)
        n_trips = maxf;
    if (n_trips > n_runs)
        n_trips = n_runs;
    if (n_trips < 1)
        n_trips = 1;
    /* far accounts by polar angle around home, from the widest gap */
    double clat = cos(c->rep->lat * M_PI / 180.0);
    for (int i = 0; i < n_far; i++) {
        const regio_plan_account *ac = regio__plan_acc(c, far[i]);
        ang[i].a = far[i];
        ang[i].ang = atan2(ac->lat - c->rep->lat, (ac->lon - c->rep->lon) * clat);
    }
    qsort(ang, (size_t)n_far, sizeof *ang, cmp_ang);
    int start = 0;
    double bg = -1;
    for (int i = 0; i < n_far; i++) {
        double gap = i == 0 ? ang[0].ang + 2 * M_PI - ang[n_far - 1].ang : ang[i].ang - ang[i - 1].ang;
        if (gap > bg) {
            bg = gap;
            start = i;
        }
    }
    for (int i = 0; i < n_far; i++)
        order[i] = ang[(start + i) % n_far].a;
    /* the day pairs of the patterns of two visits a cycle (c->cross) */
    if (c->cross && p->trip_days > 0 && N >= 2) {
        const regio__plan_patset *ps2;
        if ((rc = regio__plan_patterns(s->pc, 2, N, p->spacing_tolerance, &ps2)))
            goto done;
        if (!(allowed = regio_calloc((size_t)N * (size_t)N, 1))) {
            rc = REGIO_ENOMEM;
            goto done;
        }
        for (int q = 0; q < ps2->n; q++) {
            int d0 = ps2->days[2 * q], d1 = ps2->days[2 * q + 1];
            allowed[(size_t)d0 * (size_t)N + (size_t)d1] = 1;
            allowed[(size_t)d1 * (size_t)N + (size_t)d0] = 1;
        }
    }
    /* as many trips as needed: more while far visits stay off every walk
     * and free runs are left; the variant placing the most far visits
     * (then fewer nights) wins */
    long best_v = -1;
    int best_nights = 0;
    for (;; n_trips++) {
        long v = 0;
        /* loops grown by insertion, and (when the trips cannot hold the
         * far work) cut down from the tour through all */
        int kinds = need > (double)n_trips * kmax ? 1 + N_FILLS : 1;
        for (int kind = 0; kind < kinds; kind++) {
            int nights;
            if ((rc = build_trips(c, p, order, n_far, runs, n_runs, n_trips, kmax, need, share,
                                  kind > 0, kind ? fills[kind - 1] : FILL, allowed, &nights,
                                  scratch)))
                goto done;
            v = 0;
            for (int i = 0; i < n_far; i++)
                v += walk_visits(c, far[i]);
            if (v > best_v || (v == best_v && nights < best_nights)) {
                best_v = v;
                best_nights = nights;
                if ((rc = trips_save(c, &best)))
                    goto done;
            }
        }
        if (best_v == far_visits || n_trips >= n_runs)
            break;
    }
    trips_restore(c, &best);
    *n_nights = best_nights;
done:
    regio_free(allowed);
    trips_snap_free(&best);
    regio_free(order);
    regio_free(g.s);
    regio_free(far);
    regio_free(scratch);
    regio_free(share);
    regio_free(runs);
    regio_free(taken);
    regio_free(ang);
    return rc;
}

/* ---- after routing ---------------------------------------------------------- */

static int day_fits(const rctx *c, const tour *t, int from, int to)
{
    return regio__plan_seq_feasible(c, from, to, t->s, t->n, NULL);
}

/* Sets the anchors of t and its travel. */
static void anchor(const rctx *c, tour *t, int from, int to)
{
    t->from = from;
    t->to = to;
    t->travel = regio__plan_tour_travel(c, t);
}

void regio__plan_overnight_settle(rctx *c, solve_ctx *s)
{
    const regio_plan_params *p = s->p;
    if (!p->overnight)
        return;
    double speed = p->speed_kmh > 0 ? p->speed_kmh : 50.0;
    double hotel = p->hotel_cost > 0 ? p->hotel_cost : REGIO_PLAN_HOTEL_COST;
    double per_km = p->km_cost > 0 ? p->km_cost : REGIO_PLAN_KM_COST;
    for (int d = 0; d + 1 < c->N; d++) {
        tour *td = &c->days[d], *tn = &c->days[d + 1];
        if (td->to == 0 || tn->from != td->to)
            continue;
        /* the hotel at the next day's first visit, when both days fit */
        if (tn->n > 0 && tn->s[0] != td->to && day_fits(c, td, td->from, tn->s[0]) &&
            day_fits(c, tn, tn->s[0], tn->to)) {
            anchor(c, td, td->from, tn->s[0]);
            anchor(c, tn, tn->s[0], tn->to);
        }
        /* home that evening instead, when both days fit and it is cheaper */
        if (day_fits(c, td, td->from, 0) && day_fits(c, tn, 0, tn->to)) {
            double before = td->travel + tn->travel;
            double after = regio__plan_path_travel(c, td->from, 0, td->s, td->n) +
                           regio__plan_path_travel(c, 0, tn->to, tn->s, tn->n);
            double extra_km = (after - before) / 3600.0 * speed;
            if (extra_km * per_km < hotel * regio__plan_nights_after(p, d)) {
                anchor(c, td, td->from, 0);
                anchor(c, tn, 0, tn->to);
            }
        }
    }
}
