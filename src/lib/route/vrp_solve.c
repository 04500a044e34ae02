/*
 * VRP with time windows: ruin-and-recreate search.
 *
 * Method: Slack Induction by String Removals (SISR, Christiaens & Vanden
 * Berghe, Transportation Science 2020): remove a few strings of
 * consecutive jobs from routes close to a random seed job, then reinsert
 * every removed job greedily (random / demand / far / close / tight-window
 * order, higher priority first) at its cheapest feasible position, skipping
 * positions at a small "blink" rate. Insertion is granular: only routes
 * holding one of the job's 20 nearest jobs are scanned unless none fits.
 * Phase 1 (only while jobs are left out, or when vehicles are minimised):
 * SISR's absence-driven search, which accepts a candidate when it leaves
 * fewer jobs out or jobs that were absent less often, and removes a route
 * whenever all jobs fit (vehicle minimisation). Phase 2: simulated
 * annealing on cost, never accepting more left-out jobs (or more vehicles
 * when minimising); the temperature falls exponentially from 1x to 0.01x
 * the best cost per served job. A final relocate + 2-opt* descent polishes
 * the best solution.
 *
 * Reproducibility: one RNG stream (regio_rng, seeded by params->seed) drives
 * every choice, and the schedule depends only on the budget fraction used
 * (see regio_vrp_params): iteration-bounded runs are bit-for-bit repeatable;
 * time-bounded runs follow the same trajectory until the clock cuts it.
 *
 * Invariants: every route held by the search is feasible (hard windows,
 * shift, capacity, skills, max_tasks); for each route the arrays est[]
 * (earliest service start per position) and lat[] (latest arrival per
 * position that keeps the suffix feasible) are exact after route_update().
 * Feasible arrival times at a position form a set (-inf, lat], also with
 * several windows per job, because the earliest service start is monotone
 * in the arrival time; so inserting a job between positions i and i+1 is
 * checked in O(windows) by est[i] -> job -> lat[i+1] (Savelsbergh's
 * forward/backward slack, the hard-window case of Vidal's concatenation).
 * est[] and lat[] are nondecreasing along a route, which bounds the
 * positions worth scanning by binary search.
 *
 * Complexity: per iteration O(removed * scanned positions) for recreate plus
 * O(route length) per touched route, O(n) to copy the candidate; setup
 * O(n_jobs^2 log n_jobs) for the neighbour lists, memory O(n_jobs^2) when
 * n_jobs <= 2000 and O(200 n_jobs) above.
 */
#include "regio/vrp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STRING_MAX 10      /* SISR L^max */
#define AVG_REMOVED 10.0   /* SISR c-bar */
#define BLINK 0.01
#define SPLIT_BETA 0.01
#define NEIGH_CAP 200      /* neighbour list length above 2000 jobs */
#define GRANULAR_K 20      /* nearest jobs whose routes are scanned first */
#define T0_FACTOR 1.0      /* start temperature / best cost per job */
/* In the cost phase, empty vehicles compete on cost with used routes
 * (measured better on R2/RC2, where more routes mean less distance). */
#define PHASE2_NEW_ROUTE_LAST 0

/* Slack granted to window and shift ends against rounding. */
#define TIME_EPS(t) (1e-9 * (1.0 + fabs(t)))

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- instance data ---------------------------------------------------- */

typedef struct vjob {
    int loc;
    double serv;
    int n_tw;
    const regio_vrp_tw *tw; /* NULL when always open */
    double tw_last;         /* end of last window (INFINITY if none) */
    double amt[REGIO_VRP_MAX_DIMS];
    int64_t weight;         /* penalty when unassigned */
    double far;             /* cost from the first vehicle's start */
} vjob;

typedef struct route {
    int veh;
    int m;          /* jobs on the route */
    int cap;        /* allocated job slots */
    int *jobs;      /* m job indices */
    double *est;    /* m + 2: earliest service start (0 = start, m+1 = end) */
    double *lat;    /* m + 2: latest arrival keeping the suffix feasible */
    double load[REGIO_VRP_MAX_DIMS];
    double cost;
} route;

typedef struct sol {
    route *r;       /* one per vehicle */
    int *where;     /* job -> vehicle or -1 */
    int *pos;       /* job -> position 1..m */
    int n_unassigned;
    int *unassigned; /* list of servable jobs not in routes */
    int64_t uweight;
    int used;
    double cost;
} sol;

typedef struct solver {
    const regio_vrp_problem *p;
    int n, nj, nv, nd;
    const double *C, *D;
    vjob *job;
    regio_vrp_tw *tws;     /* padded copies of the jobs' windows */
    unsigned char *compat; /* nj * nv: vehicle can serve job alone */
    int *servable;         /* list of jobs some vehicle can serve */
    int n_servable;
    int *reps;             /* lowest empty vehicle of each class */
    int n_reps;
    int cur_used;          /* used vehicles while recreating */
    int *vcls;             /* vehicle -> first identical vehicle */
    unsigned char *class_seen;
    int *neigh;            /* nj * k: other jobs by increasing cost */
    int k_neigh;
    regio_rng rng;
    long blink_left;       /* positions until the next skipped one */
    int has_priority;      /* some job has priority > 0 */
    int *route_mark;       /* stamp per vehicle, for granular insertion */
    int stamp;
    int max_used;          /* routes allowed in the current phase */
    int new_route_last;    /* open new routes only when nothing else fits */
    /* scratch */
    int *removed;
    int n_removed;
    double *key;
    int *absent;           /* SISR absence counters */
    unsigned char *route_hit;
} solver;

static inline double cst(const solver *s, int a, int b)
{
    return (a < 0 || b < 0) ? 0.0 : s->C[(size_t)a * (size_t)s->n + (size_t)b];
}
static inline double dur(const solver *s, int a, int b)
{
    return (a < 0 || b < 0) ? 0.0 : s->D[(size_t)a * (size_t)s->n + (size_t)b];
}

/* Earliest service start for arrival a, or INFINITY when too late. */
static inline double tw_start(const vjob *j, double a)
{
    if (!j->tw)
        return a;
    for (int k = 0; k < j->n_tw; k++)
        if (a <= j->tw[k].end)
            return a > j->tw[k].start ? a : j->tw[k].start;
    return INFINITY;
}

/* Latest service start not after b, or -INFINITY. */
static inline double tw_latest(const vjob *j, double b)
{
    if (!j->tw)
        return b;
    for (int k = j->n_tw - 1; k >= 0; k--)
        if (b >= j->tw[k].start)
            return b < j->tw[k].end ? b : j->tw[k].end;
    return -INFINITY;
}

static inline int loc_at(const solver *s, const route *r, int i)
{
    const regio_vrp_vehicle *v = &s->p->vehicles[r->veh];
    if (i == 0)
        return v->start;
    if (i == r->m + 1)
        return v->end;
    return s->job[r->jobs[i - 1]].loc;
}

static inline double serv_at(const solver *s, const route *r, int i)
{
    return (i == 0 || i == r->m + 1) ? 0.0 : s->job[r->jobs[i - 1]].serv;
}

/* ---- route bookkeeping ------------------------------------------------ */

static int route_reserve(route *r, int m)
{
    if (m <= r->cap)
        return 0;
    int nc = r->cap ? r->cap : 8;
    while (nc < m)
        nc *= 2;
    int *nj = regio_realloc(r->jobs, (size_t)nc * sizeof *nj);
    if (!nj)
        return -1;
    r->jobs = nj;
    double *ne = regio_realloc(r->est, (size_t)(nc + 2) * sizeof *ne);
    if (!ne)
        return -1;
    r->est = ne;
    double *nl = regio_realloc(r->lat, (size_t)(nc + 2) * sizeof *nl);
    if (!nl)
        return -1;
    r->lat = nl;
    r->cap = nc;
    return 0;
}

/* Recomputes est, lat, load, cost and the job positions of route r. */
static void route_update(solver *s, sol *x, route *r)
{
    const regio_vrp_vehicle *v = &s->p->vehicles[r->veh];
    int m = r->m;
    for (int d = 0; d < s->nd; d++)
        r->load[d] = 0.0;
    r->est[0] = v->shift.start;
    double cost = 0.0;
    int prev = v->start;
    double t = v->shift.start;
    for (int i = 1; i <= m; i++) {
        int jb = r->jobs[i - 1];
        const vjob *j = &s->job[jb];
        x->where[jb] = r->veh;
        x->pos[jb] = i;
        for (int d = 0; d < s->nd; d++)
            r->load[d] += j->amt[d];
        double st = tw_start(j, t + dur(s, prev, j->loc));
        r->est[i] = st;
        cost += cst(s, prev, j->loc);
        t = st + j->serv;
        prev = j->loc;
    }
    r->est[m + 1] = t + dur(s, prev, v->end);
    cost += cst(s, prev, v->end);
    if (m == 0)
        cost = 0.0;
    r->lat[m + 1] = v->shift.end + TIME_EPS(v->shift.end);
    int next = v->end;
    for (int i = m; i >= 1; i--) {
        const vjob *j = &s->job[r->jobs[i - 1]];
        r->lat[i] = tw_latest(j, r->lat[i + 1] - j->serv - dur(s, j->loc, next));
        next = j->loc;
    }
    r->lat[0] = r->lat[1] - dur(s, v->start, next);
    r->cost = cost;
}

static void sol_totals(solver *s, sol *x)
{
    x->cost = 0.0;
    x->used = 0;
    for (int v = 0; v < s->nv; v++) {
        x->cost += x->r[v].cost;
        x->used += x->r[v].m > 0;
    }
    x->uweight = 0;
    for (int k = 0; k < x->n_unassigned; k++)
        x->uweight += s->job[x->unassigned[k]].weight;
}

static int sol_init(solver *s, sol *x)
{
    memset(x, 0, sizeof *x);
    x->r = regio_calloc((size_t)s->nv, sizeof *x->r);
    x->where = regio_malloc((size_t)(s->nj ? s->nj : 1) * sizeof(int));
    x->pos = regio_malloc((size_t)(s->nj ? s->nj : 1) * sizeof(int));
    x->unassigned = regio_malloc((size_t)(s->nj ? s->nj : 1) * sizeof(int));
    if (!x->r || !x->where || !x->pos || !x->unassigned)
        return -1;
    for (int j = 0; j < s->nj; j++)
        x->where[j] = -1;
    for (int v = 0; v < s->nv; v++) {
        x->r[v].veh = v;
        if (route_reserve(&x->r[v], 8))
            return -1;
        route_update(s, x, &x->r[v]);
    }
    return 0;
}

static void sol_free(solver *s, sol *x)
{
    if (x->r)
        for (int v = 0; v < s->nv; v++) {
            regio_free(x->r[v].jobs);
            regio_free(x->r[v].est);
            regio_free(x->r[v].lat);
        }
    regio_free(x->r);
    regio_free(x->where);
    regio_free(x->pos);
    regio_free(x->unassigned);
    memset(x, 0, sizeof *x);
}

/* Copies src into dst (same solver); returns -1 on allocation failure. */
static int sol_copy(solver *s, sol *dst, const sol *src)
{
    for (int v = 0; v < s->nv; v++) {
        const route *a = &src->r[v];
        route *b = &dst->r[v];
        if (route_reserve(b, a->m))
            return -1;
        b->veh = a->veh;
        b->m = a->m;
        memcpy(b->jobs, a->jobs, (size_t)a->m * sizeof(int));
        memcpy(b->est, a->est, (size_t)(a->m + 2) * sizeof(double));
        memcpy(b->lat, a->lat, (size_t)(a->m + 2) * sizeof(double));
        memcpy(b->load, a->load, sizeof b->load);
        b->cost = a->cost;
    }
    memcpy(dst->where, src->where, (size_t)s->nj * sizeof(int));
    memcpy(dst->pos, src->pos, (size_t)s->nj * sizeof(int));
    memcpy(dst->unassigned, src->unassigned,
           (size_t)src->n_unassigned * sizeof(int));
    dst->n_unassigned = src->n_unassigned;
    dst->uweight = src->uweight;
    dst->used = src->used;
    dst->cost = src->cost;
    return 0;
}

/* Removes the jobs at positions [from, to) (1-based) from route r into the
 * solver's removed list; does not update the route. */
static void route_cut(solver *s, sol *x, route *r, int from, int to)
{
    for (int i = from; i < to; i++) {
        int jb = r->jobs[i - 1];
        s->removed[s->n_removed++] = jb;
        x->where[jb] = -1;
    }
    int k = to - from;
    memmove(&r->jobs[from - 1], &r->jobs[to - 1],
            (size_t)(r->m - (to - 1)) * sizeof(int));
    r->m -= k;
}

/* ---- insertion -------------------------------------------------------- */

static inline int fits_load(const solver *s, const route *r, const vjob *j)
{
    const regio_vrp_vehicle *v = &s->p->vehicles[r->veh];
    for (int d = 0; d < s->nd; d++)
        if (r->load[d] + j->amt[d] > v->capacity[d] + 1e-9)
            return 0;
    if (v->max_tasks > 0 && r->m + 1 > v->max_tasks)
        return 0;
    return 1;
}

/* Best feasible insertion of job jb into route r: returns the position
 * (insert after position i, i in 0..m) or -1, and the cost delta. */
static int best_in_route(solver *s, const route *r, int jb, int blink,
                         double *delta)
{
    const vjob *j = &s->job[jb];
    int best = -1;
    double bd = INFINITY;
    /* lat[] and est[] are nondecreasing along a route (durations >= 0), so
     * positions whose successor must be reached before the job's first
     * window opens plus its service are skipped by binary search, and the
     * scan stops once the route is past the job's last window. */
    double need = (j->tw ? j->tw[0].start : -INFINITY) + j->serv;
    int lo = 0, hi = r->m + 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (r->lat[mid + 1] < need)
            lo = mid + 1;
        else
            hi = mid;
    }
    int li = loc_at(s, r, lo);
    double dep = r->est[lo] + serv_at(s, r, lo);
    for (int i = lo; i <= r->m; i++) {
        if (i > lo) {
            li = s->job[r->jobs[i - 1]].loc;
            dep = r->est[i] + s->job[r->jobs[i - 1]].serv;
        }
        if (r->est[i] > j->tw_last)
            break;
        if (blink && --s->blink_left <= 0) {
            /* geometric gaps between blinks: one draw per blink, not per
             * position */
            s->blink_left = 1 + (long)(log(1.0 - regio_rng_double(&s->rng)) /
                                       log(1.0 - BLINK));
            continue;
        }
        int ln = loc_at(s, r, i + 1);
        double dd = cst(s, li, j->loc) + cst(s, j->loc, ln) - cst(s, li, ln);
        if (r->m == 0)
            dd = cst(s, li, j->loc) + cst(s, j->loc, ln);
        if (dd >= bd)
            continue;
        double st = tw_start(j, dep + dur(s, li, j->loc));
        if (st == INFINITY)
            continue;
        if (st + j->serv + dur(s, j->loc, ln) > r->lat[i + 1])
            continue;
        bd = dd;
        best = i;
    }
    *delta = bd;
    return best;
}

static int route_insert(solver *s, sol *x, route *r, int after, int jb)
{
    if (route_reserve(r, r->m + 1))
        return -1;
    memmove(&r->jobs[after + 1], &r->jobs[after],
            (size_t)(r->m - after) * sizeof(int));
    r->jobs[after] = jb;
    r->m++;
    route_update(s, x, r);
    return 0;
}

/* Inserts job jb at its cheapest feasible place; 1 inserted, 0 not, -1 OOM */
static void try_route(solver *s, sol *x, int v, int jb, int blink,
                      double *bd, int *bv, int *bp)
{
    route *r = &x->r[v];
    if (!s->compat[(size_t)jb * s->nv + v] || !fits_load(s, r, &s->job[jb]))
        return;
    double d;
    int i = best_in_route(s, r, jb, blink, &d);
    if (i >= 0 && d < *bd) {
        *bd = d;
        *bv = v;
        *bp = i;
    }
}

/* Inserts job jb at its cheapest feasible place; 1 inserted, 0 not, -1 OOM.
 * Granular first: only the routes that hold one of the job's GRANULAR_K
 * nearest jobs are scanned; all routes only when none of those fits. Empty
 * vehicles (one per class) compete on cost, or come last when
 * new_route_last is set. */
static int insert_best(solver *s, sol *x, int jb, int blink)
{
    int bv = -1, bp = -1;
    double bd = INFINITY;
    int can_open = s->cur_used < s->max_used;
    /* stage 0: granular */
    s->stamp++;
    int kk = s->k_neigh < GRANULAR_K ? s->k_neigh : GRANULAR_K;
    for (int k = 0; k < kk; k++) {
        int nb = s->neigh[(size_t)jb * s->k_neigh + k];
        if (nb < 0)
            break;
        int v = x->where[nb];
        if (v < 0 || s->route_mark[v] == s->stamp)
            continue;
        s->route_mark[v] = s->stamp;
        try_route(s, x, v, jb, blink, &bd, &bv, &bp);
    }
    /* stage 1: every other used route */
    if (bv < 0)
        for (int v = 0; v < s->nv; v++)
            if (x->r[v].m > 0 && s->route_mark[v] != s->stamp)
                try_route(s, x, v, jb, blink, &bd, &bv, &bp);
    /* empty vehicles */
    if (can_open && (bv < 0 || !s->new_route_last))
        for (int k = 0; k < s->n_reps; k++)
            try_route(s, x, s->reps[k], jb, blink, &bd, &bv, &bp);
    if (bv < 0)
        return 0;
    if (x->r[bv].m == 0)
        s->cur_used++;
    if (route_insert(s, x, &x->r[bv], bp, jb))
        return -1;
    return 1;
}

/* Lists, for each class of identical vehicles, its lowest-index empty
 * vehicle in reps[], and counts the used vehicles. One empty vehicle per
 * class is all recreate needs to try. O(nv). */
static void refresh_classes(solver *s, sol *x)
{
    memset(s->class_seen, 0, (size_t)s->nv);
    s->n_reps = 0;
    s->cur_used = 0;
    for (int v = 0; v < s->nv; v++) {
        if (x->r[v].m > 0) {
            s->cur_used++;
            continue;
        }
        if (s->class_seen[s->vcls[v]])
            continue;
        s->class_seen[s->vcls[v]] = 1;
        s->reps[s->n_reps++] = v;
    }
}

/* ---- ruin ------------------------------------------------------------- */

static double avg_route_len(const sol *x, int nv)
{
    int used = 0, jobs = 0;
    for (int v = 0; v < nv; v++)
        if (x->r[v].m > 0) {
            used++;
            jobs += x->r[v].m;
        }
    return used ? (double)jobs / used : 1.0;
}

/* Removes strings around seed_job (a random assigned job when < 0). */
static void ruin(solver *s, sol *x, int seed_job)
{
    s->n_removed = 0;
    int assigned = s->n_servable - x->n_unassigned;
    if (assigned <= 0)
        return;
    double lsmax = avg_route_len(x, s->nv);
    if (lsmax > STRING_MAX)
        lsmax = STRING_MAX;
    double ksmax = 4.0 * AVG_REMOVED / (1.0 + lsmax) - 1.0;
    if (ksmax < 1.0)
        ksmax = 1.0;
    int ks = (int)floor(1.0 + regio_rng_double(&s->rng) * ksmax);
    /* seed: the given job, or a random assigned one */
    int seed = seed_job;
    for (int tries = 0; tries < 64 && seed < 0; tries++) {
        int c = s->servable[regio_rng_below(&s->rng, (uint64_t)s->n_servable)];
        if (x->where[c] >= 0)
            seed = c;
    }
    if (seed < 0)
        for (int k = 0; k < s->n_servable && seed < 0; k++)
            if (x->where[s->servable[k]] >= 0)
                seed = s->servable[k];
    memset(s->route_hit, 0, (size_t)s->nv);
    int ruined = 0;
    for (int k = -1; k < s->k_neigh && ruined < ks; k++) {
        int c = k < 0 ? seed : s->neigh[(size_t)seed * s->k_neigh + k];
        if (c < 0)
            break;
        int v = x->where[c];
        if (v < 0 || s->route_hit[v])
            continue;
        route *r = &x->r[v];
        s->route_hit[v] = 1;
        ruined++;
        int m = r->m;
        double lmaxd = m < lsmax ? m : lsmax;
        int l = (int)floor(1.0 + regio_rng_double(&s->rng) * lmaxd);
        if (l > m)
            l = m;
        int pc = x->pos[c];
        if (l == m || regio_rng_double(&s->rng) < 0.5) {
            /* string of l containing position pc */
            int lo = pc - l + 1 < 1 ? 1 : pc - l + 1;
            int hi = pc < m - l + 1 ? pc : m - l + 1;
            int st = lo + (int)regio_rng_below(&s->rng, (uint64_t)(hi - lo + 1));
            route_cut(s, x, r, st, st + l);
        } else {
            /* split string: window of l + keep, keep consecutive preserved */
            int keep = 1;
            while (l + keep < m && regio_rng_double(&s->rng) > SPLIT_BETA &&
                   keep < m - l)
                keep++;
            int len = l + keep;
            if (len > m) {
                len = m;
                keep = m - l;
            }
            int lo = pc - len + 1 < 1 ? 1 : pc - len + 1;
            int hi = pc < m - len + 1 ? pc : m - len + 1;
            int st = lo + (int)regio_rng_below(&s->rng, (uint64_t)(hi - lo + 1));
            int kst = st + (int)regio_rng_below(&s->rng, (uint64_t)(l + 1));
            /* remove [kst+keep, st+len) first (higher positions), then
             * [st, kst) */
            route_cut(s, x, r, kst + keep, st + len);
            route_cut(s, x, r, st, kst);
        }
        route_update(s, x, r);
    }
}

/* ---- recreate --------------------------------------------------------- */

static void sort_removed(solver *s)
{
    int n = s->n_removed;
    /* shuffle, then optionally stable-sort by a key (SISR weights 4/4/2/1) */
    for (int i = n - 1; i > 0; i--) {
        int k = (int)regio_rng_below(&s->rng, (uint64_t)(i + 1));
        int t = s->removed[i];
        s->removed[i] = s->removed[k];
        s->removed[k] = t;
    }
    uint64_t w = regio_rng_below(&s->rng, 12);
    if (w < 4 && !s->has_priority)
        return; /* random */
    for (int i = 0; i < n; i++) {
        const vjob *j = &s->job[s->removed[i]];
        double key;
        if (w < 4) {
            key = 0; /* random order, only priorities sort */
        } else if (w < 8) {
            key = 0;
            for (int d = 0; d < s->nd; d++)
                key += j->amt[d];
            key = -key; /* largest demand first */
        } else if (w < 10) {
            key = -j->far;
        } else if (w < 11) {
            key = j->far;
        } else {
            key = j->tw ? j->tw_last - j->tw[0].start : INFINITY; /* tight */
        }
        s->key[i] = key;
    }
    /* stable insertion sort, higher priority first, then by key (removed
     * sets are small; the construction sorts once) */
    for (int i = 1; i < n; i++) {
        int jb = s->removed[i];
        double kv = s->key[i];
        int64_t pv = s->job[jb].weight;
        int k = i - 1;
        while (k >= 0 && (s->job[s->removed[k]].weight < pv ||
                          (s->job[s->removed[k]].weight == pv &&
                           s->key[k] > kv))) {
            s->removed[k + 1] = s->removed[k];
            s->key[k + 1] = s->key[k];
            k--;
        }
        s->removed[k + 1] = jb;
        s->key[k + 1] = kv;
    }
}

/* Reinserts the removed jobs plus previously unassigned ones. */
static int recreate(solver *s, sol *x, int blink)
{
    for (int k = 0; k < x->n_unassigned; k++)
        s->removed[s->n_removed++] = x->unassigned[k];
    x->n_unassigned = 0;
    sort_removed(s);
    refresh_classes(s, x);
    for (int k = 0; k < s->n_removed; k++) {
        int jb = s->removed[k];
        int rc = insert_best(s, x, jb, blink);
        if (rc < 0)
            return -1;
        if (rc == 0)
            x->unassigned[x->n_unassigned++] = jb;
        else if (x->r[x->where[jb]].m == 1)
            refresh_classes(s, x);
    }
    s->n_removed = 0;
    sol_totals(s, x);
    return 0;
}

/* ---- local search polish (relocate + 2-opt*) -------------------------- */

/* Tries to move each job to a cheaper feasible position; first improvement. */
static int polish_relocate(solver *s, sol *x, int *improved, double deadline)
{
    *improved = 0;
    for (int jb = 0; jb < s->nj; jb++) {
        if ((jb & 63) == 0 && now_s() > deadline)
            break;
        int v = x->where[jb];
        if (v < 0)
            continue;
        route *r = &x->r[v];
        int i = x->pos[jb];
        int lp = loc_at(s, r, i - 1), ln = loc_at(s, r, i + 1);
        double gain = cst(s, lp, s->job[jb].loc) + cst(s, s->job[jb].loc, ln) -
                      cst(s, lp, ln);
        if (r->m == 1)
            gain = r->cost;
        /* remove, look for a better place, put back if none */
        s->n_removed = 0;
        route_cut(s, x, r, i, i + 1);
        route_update(s, x, r);
        s->n_removed = 0;
        int bv = -1, bp = -1;
        double bd = gain - 1e-9;
        for (int u = 0; u < s->nv; u++) {
            route *q = &x->r[u];
            if (q->m == 0 || !s->compat[(size_t)jb * s->nv + u] ||
                !fits_load(s, q, &s->job[jb]))
                continue;
            double d;
            int p = best_in_route(s, q, jb, 0, &d);
            if (p >= 0 && d < bd) {
                bd = d;
                bv = u;
                bp = p;
            }
        }
        if (bv < 0) {
            if (route_insert(s, x, r, i - 1, jb))
                return -1;
        } else {
            if (route_insert(s, x, &x->r[bv], bp, jb))
                return -1;
            *improved = 1;
        }
    }
    sol_totals(s, x);
    return 0;
}

/* 2-opt* between two routes: tails after positions a (route A) and b
 * (route B) are swapped. Checked by simulating the new tail from est. */
static int tail_ok(solver *s, const route *A, int a, const route *B, int b,
                   const regio_vrp_vehicle *va, double *load_out)
{
    /* new route: A[0..a] + B[b+1..mB] ending at A's end */
    int prev = loc_at(s, A, a);
    double t = A->est[a] + serv_at(s, A, a);
    int nt = a;
    for (int d = 0; d < s->nd; d++)
        load_out[d] = 0.0;
    for (int i = 1; i <= a; i++)
        for (int d = 0; d < s->nd; d++)
            load_out[d] += s->job[A->jobs[i - 1]].amt[d];
    for (int i = b + 1; i <= B->m; i++) {
        const vjob *j = &s->job[B->jobs[i - 1]];
        double st = tw_start(j, t + dur(s, prev, j->loc));
        if (st == INFINITY)
            return 0;
        if (st <= B->est[i] && va->end == s->p->vehicles[B->veh].end &&
            va->shift.end == s->p->vehicles[B->veh].shift.end) {
            /* rest of B is unchanged and already feasible from here */
            for (int k = i; k <= B->m; k++)
                for (int d = 0; d < s->nd; d++)
                    load_out[d] += s->job[B->jobs[k - 1]].amt[d];
            nt += B->m - i + 1;
            goto check;
        }
        for (int d = 0; d < s->nd; d++)
            load_out[d] += j->amt[d];
        t = st + j->serv;
        prev = j->loc;
        nt++;
    }
    if (t + dur(s, prev, va->end) > va->shift.end + TIME_EPS(va->shift.end))
        return 0;
check:
    for (int d = 0; d < s->nd; d++)
        if (load_out[d] > va->capacity[d] + 1e-9)
            return 0;
    if (va->max_tasks > 0 && nt > va->max_tasks)
        return 0;
    for (int i = b + 1; i <= B->m; i++)
        if (!s->compat[(size_t)B->jobs[i - 1] * s->nv + A->veh])
            return 0;
    return 1;
}

static int polish_2optstar(solver *s, sol *x, int *improved, double deadline)
{
    *improved = 0;
    double la[REGIO_VRP_MAX_DIMS], lb[REGIO_VRP_MAX_DIMS];
    int *tmp = regio_malloc((size_t)(s->nj + 1) * sizeof(int));
    if (!tmp)
        return -1;
    for (int va = 0; va < s->nv && now_s() <= deadline; va++) {
        for (int vb = 0; vb < s->nv; vb++) {
            route *A = &x->r[va], *B = &x->r[vb];
            if (va == vb || A->m == 0 || B->m == 0)
                continue;
            for (int a = 0; a <= A->m; a++) {
                for (int b = 0; b <= B->m; b++) {
                    int a0 = loc_at(s, A, a), a1 = loc_at(s, A, a + 1);
                    int b0 = loc_at(s, B, b), b1 = loc_at(s, B, b + 1);
                    double before = cst(s, a0, a1) + cst(s, b0, b1);
                    double after = cst(s, a0, b1) + cst(s, b0, a1);
                    /* empty-route edge cases: a route emptied loses both
                     * depot legs, handled by recomputing below */
                    if (after >= before - 1e-9)
                        continue;
                    if (!tail_ok(s, A, a, B, b, &s->p->vehicles[A->veh], la) ||
                        !tail_ok(s, B, b, A, a, &s->p->vehicles[B->veh], lb))
                        continue;
                    double old = A->cost + B->cost;
                    /* build the new routes */
                    int na = a + (B->m - b), nb = b + (A->m - a);
                    if (route_reserve(A, na > A->m ? na : A->m) ||
                        route_reserve(B, nb > B->m ? nb : B->m)) {
                        regio_free(tmp);
                        return -1;
                    }
                    int ta = A->m - a;
                    memcpy(tmp, &A->jobs[a], (size_t)ta * sizeof(int));
                    memcpy(&A->jobs[a], &B->jobs[b],
                           (size_t)(B->m - b) * sizeof(int));
                    memcpy(&B->jobs[b], tmp, (size_t)ta * sizeof(int));
                    A->m = na;
                    B->m = nb;
                    route_update(s, x, A);
                    route_update(s, x, B);
                    if (A->cost + B->cost > old - 1e-9) {
                        /* undo (depot legs of emptied routes) */
                        memcpy(tmp, &A->jobs[a], (size_t)(na - a) * sizeof(int));
                        memcpy(&A->jobs[a], &B->jobs[b],
                               (size_t)ta * sizeof(int));
                        memcpy(&B->jobs[b], tmp, (size_t)(na - a) * sizeof(int));
                        A->m = a + ta;
                        B->m = b + (na - a);
                        route_update(s, x, A);
                        route_update(s, x, B);
                        continue;
                    }
                    *improved = 1;
                    if (A->m == 0 || B->m == 0)
                        goto next_pair;
                }
            }
        next_pair:;
        }
    }
    regio_free(tmp);
    sol_totals(s, x);
    return 0;
}

/* Relocate and 2-opt* to a local optimum (at most 50 rounds), stopping at
 * the deadline (INFINITY for iteration-bounded, reproducible runs). */
static int polish(solver *s, sol *x, double deadline)
{
    for (int round = 0; round < 50 && now_s() <= deadline; round++) {
        int i1 = 0, i2 = 0;
        if (polish_relocate(s, x, &i1, deadline) ||
            polish_2optstar(s, x, &i2, deadline))
            return -1;
        if (!i1 && !i2)
            break;
    }
    return 0;
}

/* ---- setup ------------------------------------------------------------ */

static regio_err validate(const regio_vrp_problem *p, regio_error *err)
{
    const char *why = NULL;
    if (p->n_locations <= 0 || !p->cost || !p->duration)
        why = "the problem needs locations and both matrices";
    else if (p->n_jobs < 0 || (p->n_jobs > 0 && !p->jobs))
        why = "jobs array missing";
    else if (p->n_vehicles < 0 || (p->n_vehicles > 0 && !p->vehicles))
        why = "vehicles array missing";
    else if (p->n_dims < 0 || p->n_dims > REGIO_VRP_MAX_DIMS)
        why = "n_dims must be 0..4";
    for (int j = 0; !why && j < p->n_jobs; j++) {
        const regio_vrp_job *jb = &p->jobs[j];
        if (jb->location < 0 || jb->location >= p->n_locations)
            why = "a job's location is out of range";
        else if (!(jb->service >= 0) || !isfinite(jb->service))
            why = "a job's service time is negative or not finite";
        else if (jb->n_tws < 0 || (jb->n_tws > 0 && !jb->tws))
            why = "a job's windows are missing";
        else if (jb->priority < 0 || jb->priority > REGIO_VRP_MAX_PRIORITY)
            why = "a job's priority is outside 0..1000";
        for (int d = 0; !why && d < p->n_dims; d++)
            if (!(jb->amount[d] >= 0))
                why = "a job's amount is negative";
        for (int k = 0; !why && k < jb->n_tws; k++)
            if (!(jb->tws[k].end >= jb->tws[k].start) ||
                (k > 0 && !(jb->tws[k].start > jb->tws[k - 1].end)))
                why = "a job's windows are not sorted, disjoint intervals";
    }
    for (int v = 0; !why && v < p->n_vehicles; v++) {
        const regio_vrp_vehicle *vh = &p->vehicles[v];
        if (vh->start < -1 || vh->start >= p->n_locations || vh->end < -1 ||
            vh->end >= p->n_locations)
            why = "a vehicle's start or end location is out of range";
        else if (!(vh->shift.end >= vh->shift.start))
            why = "a vehicle's shift ends before it starts";
        else if (vh->max_tasks < 0)
            why = "a vehicle's max_tasks is negative";
    }
    if (!why)
        return REGIO_OK;
    if (err) {
        regio_error_clear(err);
        err->code = REGIO_EINVAL;
        snprintf(err->msg, sizeof err->msg, "%s", why);
    }
    return REGIO_EINVAL;
}

static int same_vehicle(const regio_vrp_vehicle *a,
                        const regio_vrp_vehicle *b, int nd)
{
    if (a->start != b->start || a->end != b->end ||
        a->shift.start != b->shift.start || a->shift.end != b->shift.end ||
        a->skills != b->skills || a->max_tasks != b->max_tasks)
        return 0;
    for (int d = 0; d < nd; d++)
        if (a->capacity[d] != b->capacity[d])
            return 0;
    return 1;
}

typedef struct keyed {
    double key;
    int idx;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->key < y->key)
        return -1;
    if (x->key > y->key)
        return 1;
    return x->idx - y->idx;
}

static void solver_free(solver *s)
{
    regio_free(s->job);
    regio_free(s->tws);
    regio_free(s->compat);
    regio_free(s->servable);
    regio_free(s->reps);
    regio_free(s->vcls);
    regio_free(s->class_seen);
    regio_free(s->neigh);
    regio_free(s->removed);
    regio_free(s->key);
    regio_free(s->absent);
    regio_free(s->route_hit);
    regio_free(s->route_mark);
}

static int solver_init(solver *s, const regio_vrp_problem *p, uint64_t seed,
                       regio_vrp_reason *reason)
{
    memset(s, 0, sizeof *s);
    s->p = p;
    s->n = p->n_locations;
    s->nj = p->n_jobs;
    s->nv = p->n_vehicles;
    s->nd = p->n_dims;
    s->C = p->cost;
    s->D = p->duration;
    regio_rng_seed(&s->rng, seed);
    size_t nj1 = (size_t)(s->nj ? s->nj : 1);
    size_t nv1 = (size_t)(s->nv ? s->nv : 1);
    s->job = regio_calloc(nj1, sizeof *s->job);
    s->compat = regio_calloc(nv1 * nj1, 1);
    s->servable = regio_malloc(nj1 * sizeof(int));
    s->reps = regio_malloc(nv1 * sizeof(int));
    s->removed = regio_malloc(nj1 * sizeof(int));
    s->key = regio_malloc(nj1 * sizeof(double));
    s->absent = regio_calloc(nj1, sizeof(int));
    s->route_hit = regio_malloc(nv1);
    s->vcls = regio_malloc(nv1 * sizeof(int));
    s->class_seen = regio_malloc(nv1);
    s->route_mark = regio_calloc(nv1, sizeof(int));
    if (!s->vcls || !s->class_seen || !s->route_mark)
        return -1;
    for (int v = 0; v < s->nv; v++) {
        s->vcls[v] = v;
        for (int u = 0; u < v; u++)
            if (s->vcls[u] == u &&
                same_vehicle(&p->vehicles[u], &p->vehicles[v], s->nd)) {
                s->vcls[v] = u;
                break;
            }
    }
    if (!s->job || !s->compat || !s->servable || !s->reps || !s->removed ||
        !s->key || !s->absent || !s->route_hit)
        return -1;
    int64_t base = (int64_t)(REGIO_VRP_MAX_PRIORITY + 1) * (s->nj + 1);
    size_t ntw = 0;
    for (int j = 0; j < s->nj; j++)
        ntw += p->jobs[j].tws && p->jobs[j].n_tws > 0 ? (size_t)p->jobs[j].n_tws : 0;
    s->tws = regio_malloc((ntw ? ntw : 1) * sizeof *s->tws);
    if (!s->tws)
        return -1;
    ntw = 0;
    for (int j = 0; j < s->nj; j++) {
        const regio_vrp_job *q = &p->jobs[j];
        vjob *v = &s->job[j];
        v->loc = q->location;
        v->serv = q->service;
        v->n_tw = q->tws ? q->n_tws : 0;
        v->tw = NULL;
        if (v->n_tw > 0) {
            /* Own copy with ends padded by a relative 1e-9: insertion
             * checks and the forward pass sum the same legs in different
             * orders, and a one-ulp overshoot must not read as "late". */
            v->tw = s->tws + ntw;
            for (int k = 0; k < v->n_tw; k++) {
                s->tws[ntw + k].start = q->tws[k].start;
                s->tws[ntw + k].end = q->tws[k].end + TIME_EPS(q->tws[k].end);
            }
            ntw += v->n_tw;
        }
        v->tw_last = v->tw ? v->tw[v->n_tw - 1].end : INFINITY;
        for (int d = 0; d < s->nd; d++)
            v->amt[d] = q->amount[d];
        v->weight = base + q->priority;
        if (q->priority > 0)
            s->has_priority = 1;
        v->far = s->nv > 0 ? cst(s, p->vehicles[0].start, q->location) : 0.0;
    }
    /* static feasibility: can vehicle v serve job j alone? */
    for (int j = 0; j < s->nj; j++) {
        const regio_vrp_job *q = &p->jobs[j];
        int skill = 0, capok = 0, alone = 0;
        for (int v = 0; v < s->nv; v++) {
            const regio_vrp_vehicle *vh = &p->vehicles[v];
            if (q->skills & ~vh->skills)
                continue;
            skill = 1;
            int fits = 1;
            for (int d = 0; d < s->nd; d++)
                if (q->amount[d] > vh->capacity[d] + 1e-9)
                    fits = 0;
            if (vh->max_tasks < 0)
                fits = 0;
            if (!fits)
                continue;
            capok = 1;
            double st = tw_start(&s->job[j], vh->shift.start +
                                                  dur(s, vh->start, q->location));
            if (st == INFINITY)
                continue;
            if (st + q->service + dur(s, q->location, vh->end) >
                vh->shift.end + TIME_EPS(vh->shift.end))
                continue;
            alone = 1;
            s->compat[(size_t)j * s->nv + v] = 1;
        }
        reason[j] = s->nv == 0 ? REGIO_VRP_REASON_FLEET
                    : !skill ? REGIO_VRP_REASON_SKILLS
                    : !capok ? REGIO_VRP_REASON_CAPACITY
                    : !alone ? REGIO_VRP_REASON_TIME_WINDOW
                             : REGIO_VRP_REASON_NONE;
        if (alone)
            s->servable[s->n_servable++] = j;
    }
    /* neighbour lists over all jobs (cost both ways) */
    s->k_neigh = s->nj - 1 < NEIGH_CAP || s->nj <= 2000 ? s->nj - 1 : NEIGH_CAP;
    if (s->k_neigh < 1)
        s->k_neigh = 1;
    s->neigh = regio_malloc(nj1 * (size_t)s->k_neigh * sizeof(int));
    keyed *all = regio_malloc(nj1 * sizeof(keyed));
    if (!s->neigh || !all) {
        regio_free(all);
        return -1;
    }
    for (int j = 0; j < s->nj; j++) {
        int c = 0, l = s->job[j].loc;
        for (int k = 0; k < s->nj; k++)
            if (k != j) {
                int lk = s->job[k].loc;
                all[c].key = cst(s, l, lk) + cst(s, lk, l);
                all[c++].idx = k;
            }
        qsort(all, (size_t)c, sizeof *all, cmp_keyed);
        for (int k = 0; k < s->k_neigh; k++)
            s->neigh[(size_t)j * s->k_neigh + k] = k < c ? all[k].idx : -1;
    }
    regio_free(all);
    s->max_used = s->nv;
    return 0;
}

/* ---- main loop -------------------------------------------------------- */

/* Lexicographic comparison: -1 if a better than b. */
static int better(const sol *a, const sol *b, int minveh)
{
    if (a->uweight != b->uweight)
        return a->uweight < b->uweight ? -1 : 1;
    if (minveh && a->used != b->used)
        return a->used < b->used ? -1 : 1;
    if (a->cost < b->cost - 1e-9)
        return -1;
    if (a->cost > b->cost + 1e-9)
        return 1;
    return 0;
}

static int64_t absence_sum(const solver *s, const sol *x)
{
    int64_t t = 0;
    for (int k = 0; k < x->n_unassigned; k++)
        t += s->absent[x->unassigned[k]];
    return t;
}

static regio_err build_output(solver *s, const sol *best,
                              const regio_vrp_reason *reason,
                              regio_vrp_solution **out)
{
    const regio_vrp_problem *p = s->p;
    regio_vrp_solution *o = regio_calloc(1, sizeof *o);
    if (!o)
        return REGIO_ENOMEM;
    o->n_routes = s->nv;
    o->routes = regio_calloc((size_t)(s->nv ? s->nv : 1), sizeof *o->routes);
    o->unassigned = regio_calloc((size_t)(s->nj ? s->nj : 1),
                                 sizeof *o->unassigned);
    if (!o->routes || !o->unassigned) {
        regio_vrp_solution_destroy(o);
        return REGIO_ENOMEM;
    }
    for (int v = 0; v < s->nv; v++) {
        const route *r = &best->r[v];
        regio_vrp_route *q = &o->routes[v];
        q->vehicle = v;
        q->n_steps = r->m;
        if (r->m) {
            q->steps = regio_calloc((size_t)r->m, sizeof *q->steps);
            if (!q->steps) {
                regio_vrp_solution_destroy(o);
                return REGIO_ENOMEM;
            }
            for (int i = 0; i < r->m; i++)
                q->steps[i].job = r->jobs[i];
        }
        regio_vrp_route_schedule(p, q);
        o->total_cost += q->cost;
        o->total_duration += q->duration;
        o->vehicles_used += r->m > 0;
    }
    for (int j = 0; j < s->nj; j++) {
        if (best->where[j] >= 0)
            continue;
        regio_vrp_unassigned *u = &o->unassigned[o->n_unassigned++];
        u->job = j;
        u->reason = reason[j] ? reason[j] : REGIO_VRP_REASON_FLEET;
        const char *t =
            u->reason == REGIO_VRP_REASON_SKILLS
                ? "no vehicle has the skills this job needs"
            : u->reason == REGIO_VRP_REASON_CAPACITY
                ? "the amount exceeds the capacity of every vehicle with the "
                  "skills"
            : u->reason == REGIO_VRP_REASON_TIME_WINDOW
                ? "no vehicle's shift can reach any of the job's windows"
            : s->nv == 0 ? "the problem has no vehicles"
                : "each job fits some vehicle alone, but not all fit in the "
                  "fleet";
        snprintf(u->text, sizeof u->text, "%s", t);
    }
    *out = o;
    return REGIO_OK;
}

regio_err regio_vrp_solve(const regio_vrp_problem *p,
                          const regio_vrp_params *params,
                          regio_vrp_solution **out, regio_error *err)
{
    if (!p || !out) {
        if (err) {
            regio_error_clear(err);
            err->code = REGIO_EINVAL;
            snprintf(err->msg, sizeof err->msg, "problem and out are required");
        }
        return REGIO_EINVAL;
    }
    *out = NULL;
    regio_vrp_params def;
    regio_vrp_params_default(&def);
    const regio_vrp_params *pr = params ? params : &def;
    regio_err rc = validate(p, err);
    if (rc)
        return rc;
    double t0 = now_s();
    long max_it = pr->max_iterations;
    double tl = pr->time_limit_s > 0 ? pr->time_limit_s : 0.0;
    if (max_it <= 0 && tl <= 0)
        max_it = 20000; /* neither budget given: a fixed, reproducible one */

    solver S;
    sol cur, cand, best;
    memset(&cur, 0, sizeof cur);
    memset(&cand, 0, sizeof cand);
    memset(&best, 0, sizeof best);
    regio_vrp_reason *reason =
        regio_calloc((size_t)(p->n_jobs ? p->n_jobs : 1), sizeof *reason);
    if (!reason)
        return REGIO_ENOMEM;
    if (solver_init(&S, p, pr->seed, reason) || sol_init(&S, &cur) ||
        sol_init(&S, &cand) || sol_init(&S, &best))
        goto oom;
    S.new_route_last = 1;

    /* construction: everything servable goes through recreate */
    for (int k = 0; k < S.n_servable; k++)
        S.removed[S.n_removed++] = S.servable[k];
    if (recreate(&S, &cur, 0))
        goto oom;
    if (sol_copy(&S, &best, &cur))
        goto oom;

    int minveh = pr->minimize_vehicles != 0;
    long it = 0;
    double frac = 0.0;
    /* Nothing to search when no job can be served (or none exists). */
    int cancelled = S.n_servable == 0;
    /* Phase 1: absence-driven search while jobs are left out, and route
     * elimination when vehicles are minimised. */
    double phase1_end = minveh ? 0.5 : 0.4;
    if (!cancelled && (cur.n_unassigned > 0 || minveh)) {
        int64_t cur_abs = absence_sum(&S, &cur);
        for (;;) {
            if (cur.n_unassigned == 0) {
                if (!minveh)
                    break;
                /* remove the route with fewest jobs */
                int rv = -1;
                for (int v = 0; v < S.nv; v++)
                    if (cur.r[v].m > 0 && (rv < 0 || cur.r[v].m < cur.r[rv].m))
                        rv = v;
                if (rv < 0 || cur.used <= 1)
                    break;
                S.max_used = cur.used - 1;
                S.n_removed = 0;
                route_cut(&S, &cur, &cur.r[rv], 1, cur.r[rv].m + 1);
                route_update(&S, &cur, &cur.r[rv]);
                for (int k = 0; k < S.n_removed; k++)
                    cur.unassigned[cur.n_unassigned++] = S.removed[k];
                S.n_removed = 0;
                sol_totals(&S, &cur);
                cur_abs = absence_sum(&S, &cur);
            }
            frac = 0.0;
            if (max_it > 0)
                frac = (double)it / (double)max_it;
            if (tl > 0) {
                double ft = (now_s() - t0) / tl;
                if (ft > frac)
                    frac = ft;
            }
            if (frac >= phase1_end)
                break;
            if (pr->progress && (it & 255) == 0 &&
                pr->progress(pr->progress_ud, frac, "vehicles")) {
                cancelled = 1;
                break;
            }
            if (sol_copy(&S, &cand, &cur))
                goto oom;
            ruin(&S, &cand, -1);
            if (recreate(&S, &cand, 1))
                goto oom;
            it++;
            int64_t cand_abs = absence_sum(&S, &cand);
            if (cand.n_unassigned < cur.n_unassigned || cand_abs < cur_abs) {
                sol tmp = cur;
                cur = cand;
                cand = tmp;
                cur_abs = cand_abs;
            }
            for (int k = 0; k < cur.n_unassigned; k++)
                S.absent[cur.unassigned[k]]++;
            cur_abs = absence_sum(&S, &cur);
            if (better(&cur, &best, minveh) < 0)
                if (sol_copy(&S, &best, &cur))
                    goto oom;
        }
        if (sol_copy(&S, &cur, &best))
            goto oom;
    }
    S.max_used = minveh ? (best.used > 0 ? best.used : 1) : S.nv;
    S.new_route_last = minveh ? 1 : PHASE2_NEW_ROUTE_LAST;

    /* Phase 2: simulated annealing on cost. */
    /* The temperature is a fraction of the best solution's cost per served
     * job, so it follows the cost scale of the instance (and of the
     * solution, which after a hard route-elimination phase starts poor):
     * from T0_FACTOR down to T0_FACTOR / 100, exponentially in the budget. */
    int served = S.n_servable - best.n_unassigned;
    double fstart = frac;
    while (!cancelled) {
        frac = 0.0;
        if (max_it > 0)
            frac = (double)it / (double)max_it;
        if (tl > 0) {
            double ft = (now_s() - t0) / tl;
            if (ft > frac)
                frac = ft;
        }
        if (frac >= 0.98)
            break;
        if (pr->progress && (it & 255) == 0 &&
            pr->progress(pr->progress_ud, frac, "cost")) {
            cancelled = 1;
            break;
        }
        double g = fstart < 1.0 ? (frac - fstart) / (1.0 - fstart) : 1.0;
        if (g < 0)
            g = 0;
        double per_job = served > 0 ? best.cost / served : 1.0;
        double T = T0_FACTOR * per_job * pow(0.01, g);
        if (sol_copy(&S, &cand, &cur))
            goto oom;
        ruin(&S, &cand, -1);
        if (recreate(&S, &cand, 1))
            goto oom;
        it++;
        int accept;
        if (cand.uweight != cur.uweight)
            accept = cand.uweight < cur.uweight;
        else if (minveh && cand.used != cur.used)
            accept = cand.used < cur.used;
        else
            accept = cand.cost < cur.cost - T * log(regio_rng_double(&S.rng) + 1e-300);
        if (accept) {
            sol tmp = cur;
            cur = cand;
            cand = tmp;
            if (better(&cur, &best, minveh) < 0)
                if (sol_copy(&S, &best, &cur))
                    goto oom;
        }
    }
    if (polish(&S, &best, tl > 0 ? t0 + tl : INFINITY))
        goto oom;

    rc = build_output(&S, &best, reason, out);
    if (!rc) {
        (*out)->iterations = it;
        (*out)->seconds = now_s() - t0;
    }
    goto done;
oom:
    rc = REGIO_ENOMEM;
    if (err) {
        regio_error_clear(err);
        err->code = rc;
        snprintf(err->msg, sizeof err->msg, "out of memory in the VRP solver");
    }
done:
    sol_free(&S, &cur);
    sol_free(&S, &cand);
    sol_free(&S, &best);
    solver_free(&S);
    regio_free(reason);
    return rc;
}
