/*
 * Call-cycle planner: which day of the cycle each visit happens and the
 * order of each day's stops, per rep.
 *
 * Method: a periodic-VRP heuristic in the spirit of Cordeau, Gendreau and
 * Laporte (1997), "A tabu search heuristic for periodic and multi-depot
 * vehicle routing problems", with their pattern-change move but a plain
 * descent:
 *  1. Day patterns. For frequency f over N days the candidate patterns are
 *     the day sets whose cyclic gaps all lie within (1 +- tol) * N / f
 *     (tol = spacing_tolerance), listed with the evenly spaced ones first
 *     (patterns.c). A pattern day that is a rep's day off or an account's
 *     closed day is "blocked": the visit is dropped, at a large penalty.
 *  2. Construction. Accounts are taken in sweep order (polar angle around
 *     the rep's home); each gets the pattern with the cheapest sum of
 *     cheapest-insertion costs into the days' tours, plus penalties on load
 *     above a balance target and above the working day, so consecutive
 *     accounts of one sector share days (compact days).
 *  3. Pattern local search. Every account in turn (seeded random order)
 *     moves to the pattern that most lowers estimated travel time + overtime
 *     penalty, using insertion / removal deltas on the day tours; after
 *     each round the tours are re-optimised with 2-opt and Or-opt, until a
 *     round gains nothing. Then an iterated local search (Lourenco, Martin
 *     and Stuetzle): take the ~10 accounts nearest a random one out of
 *     every day (ruin), give each its cheapest pattern again (recreate),
 *     descend, keep the plan if its estimated cost fell, else restore the
 *     best (search_iterations kicks, default 400).
 *  4. Routing. Each working day is solved exactly as a VRPTW with
 *     regio_vrp_solve (one vehicle = the rep's day, shift = the working
 *     day, the call windows), keeping the search's own tour when it is
 *     feasible and shorter.
 *  5. Repair. A visit the routing left out moves its account's whole
 *     pattern to one whose new days take it by exact feasible insertion;
 *     failing that, to another single day that keeps the spacing within
 *     METRICS.md's 0.6-1.4 band; failing that it is listed as unplaced
 *     with a reason. Routes are never allowed past day_end.
 * Invariants: a day's tour never holds an account twice; an account with
 * a pattern is in the tour of each of its non-blocked days; routed days are
 * always feasible (windows, day end). Complexity: construction and each
 * search round O(m * P * f * L) for m accounts, P patterns, day length L;
 * each kick O(m * P * f * L) per descent round; routing as
 * regio_vrp_solve per day. Memory O(m^2) per rep for the
 * duration matrix when m <= 2000, O(m) otherwise.
 */
#include "plan/plan_internal.h"

#include "regio/dist.h"
#include "regio/vrp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define W_OVER 20.0     /* penalty per second of estimated overtime */
#define W_BAL 1.0       /* construction: penalty per second above target */
#define MISS_PEN 1.0e6  /* penalty per visit dropped on a blocked day */
#define CAP_MARGIN 0.97 /* search keeps estimated days within 97% of shift */
#define MATRIX_MAX 2000 /* cache durations when m + 1 <= this */

typedef regio__plan_tour tour;
typedef regio__plan_rctx rctx;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline double pen(const rctx *c, double load)
{
    return load > c->cap ? W_OVER * (load - c->cap) : 0.0;
}

/* Estimated cost change of giving local account a pattern q (its current
 * one is c->pat[a], or none). Extra balance penalty when target > 0. */
static double pattern_delta(rctx *c, int a, int q, double target)
{
    const regio__plan_patset *ps = c->ps[a];
    const int *qd = ps->days + (size_t)q * (size_t)ps->f;
    int cur = c->pat[a];
    double call = regio__plan_acc(c, a)->call_s;
    double delta = 0;
    memset(c->inday, 0, (size_t)c->N);
    if (cur >= 0) {
        const int *cd = ps->days + (size_t)cur * (size_t)ps->f;
        for (int k = 0; k < ps->f; k++)
            if (!regio__plan_blocked(c, a, cd[k]))
                c->inday[cd[k]] = 1;
    }
    for (int k = 0; k < ps->f; k++) {
        int d = qd[k];
        if (regio__plan_blocked(c, a, d)) {
            delta += MISS_PEN;
            continue;
        }
        if (c->inday[d]) {
            c->inday[d] = 2; /* kept */
            continue;
        }
        const tour *t = &c->days[d];
        int pos;
        double ins = regio__plan_ins_delta(c, t, a, &pos);
        double l0 = t->travel + t->call, l1 = l0 + ins + call;
        delta += ins + pen(c, l1) - pen(c, l0);
        if (target > 0)
            delta += W_BAL * (fmax(0, l1 - target) - fmax(0, l0 - target));
    }
    if (cur >= 0) {
        const int *cd = ps->days + (size_t)cur * (size_t)ps->f;
        for (int k = 0; k < ps->f; k++) {
            int d = cd[k];
            if (c->inday[d] != 1)
                continue;
            const tour *t = &c->days[d];
            int i = regio__plan_tour_find(t, a);
            double g = i >= 0 ? regio__plan_rem_gain(c, t, i) : 0;
            double l0 = t->travel + t->call, l1 = l0 - g - call;
            delta += -g + pen(c, l1) - pen(c, l0);
        }
    }
    return delta;
}

static regio_err pattern_apply(rctx *c, int a, int q)
{
    const regio__plan_patset *ps = c->ps[a];
    int cur = c->pat[a];
    memset(c->inday, 0, (size_t)c->N);
    const int *qd = ps->days + (size_t)q * (size_t)ps->f;
    for (int k = 0; k < ps->f; k++)
        if (!regio__plan_blocked(c, a, qd[k]))
            c->inday[qd[k]] = 1;
    if (cur >= 0) {
        const int *cd = ps->days + (size_t)cur * (size_t)ps->f;
        for (int k = 0; k < ps->f; k++) {
            if (regio__plan_blocked(c, a, cd[k]))
                continue;
            if (c->inday[cd[k]] == 1)
                c->inday[cd[k]] = 2; /* already there */
            else
                regio__plan_tour_remove(c, &c->days[cd[k]], a);
        }
    }
    for (int d = 0; d < c->N; d++)
        if (c->inday[d] == 1) {
            regio_err rc = regio__plan_tour_insert(c, &c->days[d], a);
            if (rc)
                return rc;
        }
    c->pat[a] = q;
    return REGIO_OK;
}

static int best_pattern(rctx *c, int a, double target, double *best_delta)
{
    const regio__plan_patset *ps = c->ps[a];
    int best = -1;
    double bd = INFINITY;
    for (int q = 0; q < ps->n; q++) {
        if (q == c->pat[a])
            continue;
        double d = pattern_delta(c, a, q, target);
        if (d < bd - 1e-9) {
            bd = d;
            best = q;
        }
    }
    *best_delta = bd;
    return best;
}

/* ---- routing one day with the VRPTW solver ----------------------------- */

static uint64_t mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* Routes day t; on return t holds a feasible sequence and *left / *n_left
 * the local accounts left out (caller's array, t->n entries). */
static regio_err route_day(rctx *c, tour *t, uint64_t seed, long iters, int *left,
                           int *n_left, int *scratch, regio_error *err)
{
    *n_left = 0;
    int n = t->n;
    if (n == 0)
        return REGIO_OK;
    int L = n + 1;
    double *mat = regio_malloc((size_t)L * (size_t)L * sizeof *mat);
    regio_vrp_job *jobs = regio_calloc((size_t)n, sizeof *jobs);
    regio_vrp_tw *tws = regio_calloc((size_t)n, sizeof *tws);
    regio_vrp_solution *sol = NULL;
    regio_err rc = REGIO_OK;
    if (!mat || !jobs || !tws) {
        rc = REGIO_ENOMEM;
        goto done;
    }
    for (int i = 0; i < L; i++)
        for (int j = 0; j < L; j++)
            mat[(size_t)i * (size_t)L + (size_t)j] =
                i == j ? 0 : regio__plan_dur(c, i == 0 ? 0 : t->s[i - 1], j == 0 ? 0 : t->s[j - 1]);
    for (int i = 0; i < n; i++) {
        const regio_plan_account *ac = regio__plan_acc(c, t->s[i]);
        jobs[i].location = i + 1;
        jobs[i].service = ac->call_s;
        if (ac->has_window) {
            tws[i].start = ac->tw_start_s;
            tws[i].end = ac->tw_end_s;
            jobs[i].tws = &tws[i];
            jobs[i].n_tws = 1;
        }
        jobs[i].priority = ac->frequency > REGIO_VRP_MAX_PRIORITY ? REGIO_VRP_MAX_PRIORITY
                                                                   : ac->frequency;
    }
    regio_vrp_vehicle veh;
    memset(&veh, 0, sizeof veh);
    veh.start = 0;
    veh.end = 0;
    veh.shift.start = c->rep->day_start_s;
    veh.shift.end = c->rep->day_end_s;
    regio_vrp_problem pb;
    memset(&pb, 0, sizeof pb);
    pb.n_locations = L;
    pb.cost = mat;
    pb.duration = mat;
    pb.jobs = jobs;
    pb.n_jobs = n;
    pb.vehicles = &veh;
    pb.n_vehicles = 1;
    regio_vrp_params vp;
    memset(&vp, 0, sizeof vp);
    vp.seed = seed;
    vp.max_iterations = iters;
    rc = regio_vrp_solve(&pb, &vp, &sol, err);
    if (rc)
        goto done;
    /* The search's own tour wins when it is feasible and no longer. */
    double own_end;
    int own_ok = regio__plan_seq_feasible(c, t->s, n, &own_end);
    double own_travel = regio__plan_tour_travel(c, t->s, n);
    const regio_vrp_route *r = &sol->routes[0];
    if (own_ok && (sol->n_unassigned > 0 || own_travel <= r->cost + 1e-9))
        goto done;
    for (int i = 0; i < r->n_steps; i++)
        scratch[i] = t->s[r->steps[i].job];
    for (int i = 0; i < sol->n_unassigned; i++)
        left[(*n_left)++] = t->s[sol->unassigned[i].job];
    double call = 0;
    for (int i = 0; i < r->n_steps; i++)
        call += regio__plan_acc(c, scratch[i])->call_s;
    memcpy(t->s, scratch, (size_t)r->n_steps * sizeof *scratch);
    t->n = r->n_steps;
    t->call = call;
    t->travel = regio__plan_tour_travel(c, t->s, t->n);
done:
    regio_vrp_solution_destroy(sol);
    regio_free(mat);
    regio_free(jobs);
    regio_free(tws);
    return rc;
}

/* ---- repair ----------------------------------------------------------- */

typedef struct unplaced_list {
    regio_plan_unplaced *v;
    size_t n, cap;
} unplaced_list;

static regio_err add_unplaced(unplaced_list *u, int account, int day, regio_plan_reason why,
                              const char *text)
{
    if (u->n == u->cap) {
        size_t nc = u->cap ? u->cap * 2 : 16;
        regio_plan_unplaced *nv = regio_realloc(u->v, nc * sizeof *nv);
        if (!nv)
            return REGIO_ENOMEM;
        u->v = nv;
        u->cap = nc;
    }
    regio_plan_unplaced *x = &u->v[u->n++];
    x->account = account;
    x->day = day;
    x->reason = why;
    snprintf(x->text, sizeof x->text, "%s", text);
    return REGIO_OK;
}

/* Ratio band of a day set (0-based sorted days) over N. */
static void spacing_band(const int *d, int k, int N, int f, double *lo, double *hi)
{
    double g = (double)N / f;
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int i = 0; i < k; i++) {
        int gap = i + 1 < k ? d[i + 1] - d[i] : d[0] + N - d[i];
        double r = gap / g;
        if (r < *lo)
            *lo = r;
        if (r > *hi)
            *hi = r;
    }
}

/* Tries to place a left-out visit of local account a: first by moving
 * its whole pattern, then on one more day. Returns 1 when placed. */
static int repair_visit(rctx *c, int a, int *scratch, int *pos_tmp, regio_err *rc)
{
    const regio__plan_patset *ps = c->ps[a];
    int f = ps->f;
    *rc = REGIO_OK;
    /* (1) whole pattern: every non-blocked day of q that does not hold a
     * takes a by feasible insertion. Cheapest total first. */
    int bestq = -1;
    double bestc = INFINITY;
    for (int q = 0; q < ps->n; q++) {
        const int *qd = ps->days + (size_t)q * (size_t)f;
        double tot = 0;
        int ok = 1, nb = 0;
        for (int k = 0; k < f && ok; k++) {
            int d = qd[k];
            if (regio__plan_blocked(c, a, d)) {
                nb++;
                continue;
            }
            if (regio__plan_tour_find(&c->days[d], a) >= 0)
                continue;
            double dl;
            if (regio__plan_feasible_insert_pos(c, &c->days[d], a, scratch, &dl) < 0)
                ok = 0;
            else
                tot += dl;
        }
        if (!ok || nb > 0)
            continue;
        if (tot < bestc) {
            bestc = tot;
            bestq = q;
        }
    }
    if (bestq >= 0) {
        const int *qd = ps->days + (size_t)bestq * (size_t)f;
        memset(c->inday, 0, (size_t)c->N);
        for (int k = 0; k < f; k++)
            c->inday[qd[k]] = 1;
        for (int d = 0; d < c->N; d++)
            if (!c->inday[d] && regio__plan_tour_find(&c->days[d], a) >= 0) {
                regio__plan_tour_remove(c, &c->days[d], a);
                c->days[d].travel = regio__plan_tour_travel(c, c->days[d].s, c->days[d].n);
            }
        for (int k = 0; k < f; k++) {
            tour *t = &c->days[qd[k]];
            if (regio__plan_tour_find(t, a) >= 0)
                continue;
            double dl;
            int p = regio__plan_feasible_insert_pos(c, t, a, scratch, &dl);
            if (p < 0)
                return 0; /* cannot happen: checked above, days differ */
            if ((*rc = regio__plan_tour_insert_at(c, t, a, p)))
                return 0;
        }
        c->pat[a] = bestq;
        return 1;
    }
    /* (2) one other day keeping the account's spacing in 0.6-1.4. */
    int k = 0;
    for (int d = 0; d < c->N; d++)
        if (regio__plan_tour_find(&c->days[d], a) >= 0)
            pos_tmp[k++] = d;
    int bd = -1;
    double bdl = INFINITY;
    for (int d = 0; d < c->N; d++) {
        if (regio__plan_blocked(c, a, d) || regio__plan_tour_find(&c->days[d], a) >= 0)
            continue;
        int j = 0, m = 0;
        for (int i = 0; i < k; i++) {
            if (j == 0 && pos_tmp[i] > d) {
                scratch[m++] = d;
                j = 1;
            }
            scratch[m++] = pos_tmp[i];
        }
        if (!j)
            scratch[m++] = d;
        if (m == f) {
            double lo, hi;
            spacing_band(scratch, m, c->N, f, &lo, &hi);
            if (lo < 0.6 - 1e-9 || hi > 1.4 + 1e-9)
                continue;
        }
        double dl;
        int *sc = scratch + f + 1;
        if (regio__plan_feasible_insert_pos(c, &c->days[d], a, sc, &dl) >= 0 && dl < bdl) {
            bdl = dl;
            bd = d;
        }
    }
    if (bd >= 0) {
        int *sc = scratch + f + 1;
        double dl;
        int p = regio__plan_feasible_insert_pos(c, &c->days[bd], a, sc, &dl);
        if ((*rc = regio__plan_tour_insert_at(c, &c->days[bd], a, p)))
            return 0;
        return 1;
    }
    return 0;
}

/* ---- per-rep driver ---------------------------------------------------- */

typedef struct angle_item {
    double ang;
    int a;
} angle_item;

static int cmp_angle(const void *x, const void *y)
{
    const angle_item *a = x, *b = y;
    if (a->ang < b->ang)
        return -1;
    if (a->ang > b->ang)
        return 1;
    return a->a - b->a;
}

static void rctx_free(rctx *c)
{
    if (c->days)
        for (int d = 0; d < c->N; d++)
            regio_free(c->days[d].s);
    regio_free(c->days);
    regio_free(c->gi);
    regio_free(c->ps);
    regio_free(c->pat);
    regio_free(c->mat);
    regio_free(c->inday);
    regio_dist_destroy(c->dist);
}

typedef struct solve_ctx {
    const regio_plan_params *p;
    double deadline;            /* 0 = none */
    double search_deadline;     /* this rep's share for the search; 0 = none */
    unplaced_list un;
    regio__plan_patcache *pc;
    int cancelled;
    long moves;
    double est_km;
    double progress_base, progress_span;
} solve_ctx;

static int tick(solve_ctx *s, double frac, const char *phase)
{
    if (s->cancelled)
        return 1;
    if (s->p->progress &&
        s->p->progress(s->p->progress_ud, s->progress_base + s->progress_span * frac, phase))
        s->cancelled = 1;
    return s->cancelled;
}

static int past_deadline(const solve_ctx *s)
{
    return s->deadline > 0 && now_s() > s->deadline;
}

static int past_search_deadline(const solve_ctx *s)
{
    return s->search_deadline > 0 && now_s() > s->search_deadline;
}

/* ---- search: descent, plan cost, snapshots, ruin ---------------------- */

#define DEFAULT_KICKS 400
#define RUIN_SIZE(n) ((n) < 40 ? ((n) + 3) / 4 : 10)

/* Pattern-change descent over all accounts in seeded random order, tours
 * re-optimised after each round; at most max_rounds rounds. */
static regio_err descend(rctx *c, regio_rng *rng, int *perm, int n, int *scratch, solve_ctx *s,
                         int max_rounds)
{
    for (int it = 0; it < max_rounds && !s->cancelled && !past_search_deadline(s); it++) {
        for (int i = n - 1; i > 0; i--) {
            int j = (int)regio_rng_below(rng, (uint64_t)i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        long moved = 0;
        for (int i = 0; i < n; i++) {
            int a = perm[i];
            double bd;
            int q = best_pattern(c, a, 0, &bd);
            if (q >= 0 && bd < -1e-6) {
                regio_err rc = pattern_apply(c, a, q);
                if (rc)
                    return rc;
                moved++;
            }
        }
        for (int d = 0; d < c->N; d++)
            regio__plan_tour_improve(c, &c->days[d], scratch);
        s->moves += moved;
        if (moved == 0)
            break;
    }
    return REGIO_OK;
}

/* Estimated cost of the whole rep's plan: travel + overtime penalty +
 * blocked visits. */
static double plan_cost(const rctx *c)
{
    double t = 0;
    for (int d = 0; d < c->N; d++)
        t += c->days[d].travel + pen(c, c->days[d].travel + c->days[d].call);
    for (int a = 1; a <= c->m; a++) {
        if (c->pat[a] < 0 || !c->ps[a])
            continue;
        const int *qd = c->ps[a]->days + (size_t)c->pat[a] * (size_t)c->ps[a]->f;
        for (int k = 0; k < c->ps[a]->f; k++)
            if (regio__plan_blocked(c, a, qd[k]))
                t += MISS_PEN;
    }
    return t;
}

typedef struct snap {
    int *pat;
    tour *days;
} snap;

static void snap_free(const rctx *c, snap *sn)
{
    if (sn->days)
        for (int d = 0; d < c->N; d++)
            regio_free(sn->days[d].s);
    regio_free(sn->days);
    regio_free(sn->pat);
    memset(sn, 0, sizeof *sn);
}

static regio_err tour_copy(tour *dst, const tour *src)
{
    regio_err rc = regio__plan_tour_reserve(dst, src->n > 0 ? src->n : 1);
    if (rc)
        return rc;
    if (src->n > 0)
        memcpy(dst->s, src->s, (size_t)src->n * sizeof *src->s);
    dst->n = src->n;
    dst->travel = src->travel;
    dst->call = src->call;
    return REGIO_OK;
}

static regio_err snap_take(const rctx *c, snap *sn)
{
    if (!sn->pat) {
        sn->pat = regio_malloc(((size_t)c->m + 1) * sizeof *sn->pat);
        sn->days = regio_calloc((size_t)c->N, sizeof *sn->days);
        if (!sn->pat || !sn->days)
            return REGIO_ENOMEM;
    }
    memcpy(sn->pat, c->pat, ((size_t)c->m + 1) * sizeof *sn->pat);
    for (int d = 0; d < c->N; d++) {
        regio_err rc = tour_copy(&sn->days[d], &c->days[d]);
        if (rc)
            return rc;
    }
    return REGIO_OK;
}

static regio_err snap_restore(rctx *c, const snap *sn)
{
    memcpy(c->pat, sn->pat, ((size_t)c->m + 1) * sizeof *sn->pat);
    for (int d = 0; d < c->N; d++) {
        regio_err rc = tour_copy(&c->days[d], &sn->days[d]);
        if (rc)
            return rc;
    }
    return REGIO_OK;
}

/* Takes the k accounts nearest to a0 (a0 included) out of every day;
 * returns how many, listed in out. */
static int ruin_near(rctx *c, int a0, const angle_item *order, int n_order, int k, int *out,
                     double *dd)
{
    int n = 0;
    for (int i = 0; i < n_order; i++) {
        int a = order[i].a;
        double d = regio__plan_dur(c, a0, a);
        /* insertion into the sorted prefix of length <= k */
        int pos = n < k ? n : k;
        if (n >= k && d >= dd[k - 1])
            continue;
        while (pos > 0 && (dd[pos - 1] > d || (dd[pos - 1] == d && out[pos - 1] > a))) {
            if (pos < k) {
                dd[pos] = dd[pos - 1];
                out[pos] = out[pos - 1];
            }
            pos--;
        }
        dd[pos] = d;
        out[pos] = a;
        if (n < k)
            n++;
    }
    for (int i = 0; i < n; i++) {
        int a = out[i];
        const regio__plan_patset *ps = c->ps[a];
        if (c->pat[a] < 0)
            continue;
        const int *qd = ps->days + (size_t)c->pat[a] * (size_t)ps->f;
        for (int j = 0; j < ps->f; j++)
            if (!regio__plan_blocked(c, a, qd[j]))
                regio__plan_tour_remove(c, &c->days[qd[j]], a);
        c->pat[a] = -1;
    }
    return n;
}

static regio_err plan_rep(solve_ctx *s, const regio_plan_rep *reps, int r,
                          const regio_plan_account *acc, size_t n_acc, regio_plan_result *res,
                          regio_error *err)
{
    const regio_plan_params *p = s->p;
    rctx c;
    memset(&c, 0, sizeof c);
    c.rep = &reps[r];
    c.acc = acc;
    c.N = p->n_days;
    c.shift = reps[r].day_end_s - reps[r].day_start_s;
    c.cap = CAP_MARGIN * c.shift;
    regio_err rc = REGIO_OK;
    int m = 0;
    for (size_t i = 0; i < n_acc; i++)
        if (acc[i].rep == r && acc[i].frequency > 0)
            m++;
    c.m = m;
    double *xs = NULL, *ys = NULL;
    int *scratch = NULL, *left = NULL, *pos_tmp = NULL;
    angle_item *order = NULL;
    c.gi = regio_calloc((size_t)m + 1, sizeof *c.gi);
    c.ps = regio_calloc((size_t)m + 1, sizeof *c.ps);
    c.pat = regio_calloc((size_t)m + 1, sizeof *c.pat);
    c.days = regio_calloc((size_t)c.N, sizeof *c.days);
    c.inday = regio_calloc((size_t)c.N, 1);
    xs = regio_calloc((size_t)m + 1, sizeof *xs);
    ys = regio_calloc((size_t)m + 1, sizeof *ys);
    scratch = regio_calloc((size_t)m + 2 * (size_t)c.N + 8, sizeof *scratch);
    left = regio_calloc((size_t)m + 1, sizeof *left);
    pos_tmp = regio_calloc((size_t)c.N + 1, sizeof *pos_tmp);
    order = regio_calloc((size_t)m + 1, sizeof *order);
    if (!c.gi || !c.ps || !c.pat || !c.days || !c.inday || !xs || !ys || !scratch || !left ||
        !pos_tmp || !order) {
        rc = REGIO_ENOMEM;
        goto done;
    }
    if (m == 0)
        goto done;
    xs[0] = reps[r].lon;
    ys[0] = reps[r].lat;
    {
        int k = 1;
        for (size_t i = 0; i < n_acc; i++)
            if (acc[i].rep == r && acc[i].frequency > 0) {
                c.gi[k] = (int)i;
                xs[k] = acc[i].lon;
                ys[k] = acc[i].lat;
                c.pat[k] = -1;
                k++;
            }
    }
    regio_dist_opts dopt;
    memset(&dopt, 0, sizeof dopt);
    dopt.metric = REGIO_METRIC_HAVERSINE;
    dopt.road_factor = p->road_factor;
    dopt.speed_kmh = p->speed_kmh;
    if ((rc = regio_dist_create_coords((size_t)m + 1, xs, ys, &dopt, &c.dist, err)))
        goto done;
    if (m + 1 <= MATRIX_MAX) {
        size_t L = (size_t)m + 1;
        c.mat = regio_malloc(L * L * sizeof *c.mat);
        if (!c.mat) {
            rc = REGIO_ENOMEM;
            goto done;
        }
        for (size_t i = 0; i < L; i++)
            for (size_t j = 0; j < L; j++)
                c.mat[i * L + j] = regio_dist_duration(c.dist, i, j);
    }
    /* patterns and inputs that cannot be planned at all */
    int working = 0;
    for (int d = 1; d <= c.N; d++)
        if (!regio_plan_dayset_has(&reps[r].days_off, d))
            working++;
    double total_call = 0;
    int n_order = 0;
    for (int a = 1; a <= m; a++) {
        const regio_plan_account *ac = regio__plan_acc(&c, a);
        char text[160];
        if (ac->frequency > c.N) {
            snprintf(text, sizeof text, "frequency %d is above the %d days of the cycle",
                     ac->frequency, c.N);
            for (int k = 0; k < ac->frequency; k++)
                if ((rc = add_unplaced(&s->un, c.gi[a], 0, REGIO_PLAN_REASON_INPUT, text)))
                    goto done;
            continue;
        }
        /* the call alone must fit the day (home -> account -> home) */
        int one[1] = {a};
        if (!regio__plan_seq_feasible(&c, one, 1, NULL)) {
            snprintf(text, sizeof text,
                     "a round trip from home with this call%s does not fit the rep's day",
                     ac->has_window ? " and its time window" : "");
            for (int k = 0; k < ac->frequency; k++)
                if ((rc = add_unplaced(&s->un, c.gi[a], 0, REGIO_PLAN_REASON_WINDOW, text)))
                    goto done;
            continue;
        }
        if ((rc = regio__plan_patterns(s->pc, ac->frequency, c.N, p->spacing_tolerance, &c.ps[a])))
            goto done;
        total_call += ac->frequency * ac->call_s;
        double dx = (ac->lon - reps[r].lon) * cos(reps[r].lat * M_PI / 180.0);
        double dy = ac->lat - reps[r].lat;
        order[n_order].ang = atan2(dy, dx);
        order[n_order].a = a;
        n_order++;
    }
    qsort(order, (size_t)n_order, sizeof *order, cmp_angle);
    /* Start the sweep at the widest angular gap so no sector is split. */
    int start = 0;
    if (n_order > 1) {
        double bg = -1;
        for (int i = 0; i < n_order; i++) {
            double g = i == 0 ? order[0].ang + 2 * M_PI - order[n_order - 1].ang
                              : order[i].ang - order[i - 1].ang;
            if (g > bg) {
                bg = g;
                start = i;
            }
        }
    }
    /* 2. construction */
    double target = working > 0 ? total_call / working : 0;
    target = target + 0.5 * (c.cap - target);
    if (target <= 0)
        target = c.cap;
    for (int i = 0; i < n_order; i++) {
        int a = order[(start + i) % n_order].a;
        double bd;
        int q = best_pattern(&c, a, target, &bd);
        if (q >= 0 && (rc = pattern_apply(&c, a, q)))
            goto done;
        /* a cancel skips the search, not the construction: every visit
         * gets a day or a reason */
        tick(s, 0.2 * i / (n_order ? n_order : 1), "construct");
    }
    for (int d = 0; d < c.N; d++)
        regio__plan_tour_improve(&c, &c.days[d], scratch);
    /* 3. pattern local search, then iterated: ruin a neighbourhood of
     * accounts, recreate it greedily, descend, keep the result if better */
    {
        regio_rng rng;
        regio_rng_seed(&rng, mix(p->seed ^ mix((uint64_t)r + 1)));
        int *perm = left; /* reuse as permutation */
        for (int i = 0; i < n_order; i++)
            perm[i] = order[i].a;
        if ((rc = descend(&c, &rng, perm, n_order, scratch, s, 50)))
            goto done;
        long kicks = p->search_iterations > 0   ? p->search_iterations
                     : p->search_iterations == 0 ? DEFAULT_KICKS
                                                 : 0;
        if (n_order >= 2 && kicks > 0 && !s->cancelled) {
            snap best;
            memset(&best, 0, sizeof best);
            if ((rc = snap_take(&c, &best))) {
                snap_free(&c, &best);
                goto done;
            }
            double best_cost = plan_cost(&c);
            int *ruined = regio_malloc(((size_t)m + 1) * sizeof *ruined);
            double *dd = regio_malloc(((size_t)m + 1) * sizeof *dd);
            if (!ruined || !dd)
                rc = REGIO_ENOMEM;
            for (long k = 0; !rc && k < kicks && !s->cancelled && !past_search_deadline(s);
                 k++) {
                int a0 = order[regio_rng_below(&rng, (uint64_t)n_order)].a;
                int nr = ruin_near(&c, a0, order, n_order, RUIN_SIZE(n_order), ruined, dd);
                for (int i = nr - 1; i > 0; i--) {
                    int j = (int)regio_rng_below(&rng, (uint64_t)i + 1);
                    int t = ruined[i];
                    ruined[i] = ruined[j];
                    ruined[j] = t;
                }
                for (int i = 0; i < nr && !rc; i++) {
                    double bd;
                    int q = best_pattern(&c, ruined[i], 0, &bd);
                    if (q >= 0)
                        rc = pattern_apply(&c, ruined[i], q);
                }
                if (!rc)
                    rc = descend(&c, &rng, perm, n_order, scratch, s, 10);
                if (rc)
                    break;
                double cost = plan_cost(&c);
                if (cost < best_cost - 1e-6) {
                    best_cost = cost;
                    rc = snap_take(&c, &best);
                } else {
                    rc = snap_restore(&c, &best);
                }
                if (!(k & 15) && tick(s, 0.2 + 0.4 * (double)(k + 1) / (double)kicks, "search"))
                    break;
            }
            regio_free(ruined);
            regio_free(dd);
            snap_free(&c, &best);
            if (rc)
                goto done;
        }
    }
    for (int d = 0; d < c.N; d++)
        s->est_km += c.days[d].travel / 3600.0 * (p->speed_kmh > 0 ? p->speed_kmh : 50.0);
    /* blocked pattern days become unplaced visits */
    for (int a = 1; a <= m; a++) {
        if (c.pat[a] < 0) {
            if (!c.ps[a])
                continue; /* already listed (input or window) */
            for (int k = 0; k < c.ps[a]->f; k++)
                if ((rc = add_unplaced(&s->un, c.gi[a], 0, REGIO_PLAN_REASON_CANCELLED,
                                       "the solve stopped before this account got its days")))
                    goto done;
            continue;
        }
        const regio__plan_patset *ps = c.ps[a];
        const int *qd = ps->days + (size_t)c.pat[a] * (size_t)ps->f;
        for (int k = 0; k < ps->f; k++)
            if (regio__plan_blocked(&c, a, qd[k])) {
                char text[160];
                snprintf(text, sizeof text,
                         "no day pattern spaced within %.0f%% avoids the account's closed days "
                         "and the rep's days off",
                         100 * (p->spacing_tolerance > 0 ? p->spacing_tolerance : 0.25));
                if ((rc = add_unplaced(&s->un, c.gi[a], qd[k] + 1, REGIO_PLAN_REASON_DAYS, text)))
                    goto done;
            }
    }
    /* 4. routing, 5. repair */
    {
        long iters = p->route_iterations > 0 ? p->route_iterations : 2000;
        int *left_all = regio_calloc((size_t)m * (size_t)c.N + 1, sizeof *left_all);
        int *left_day = regio_calloc((size_t)m * (size_t)c.N + 1, sizeof *left_day);
        int n_left_all = 0;
        if (!left_all || !left_day) {
            regio_free(left_all);
            regio_free(left_day);
            rc = REGIO_ENOMEM;
            goto done;
        }
        for (int d = 0; d < c.N; d++) {
            int nl = 0;
            long it = past_deadline(s) || s->cancelled ? 100 : iters;
            rc = route_day(&c, &c.days[d], mix(p->seed ^ mix(((uint64_t)r << 20) + (uint64_t)d)),
                           it, left, &nl, scratch, err);
            if (rc)
                break;
            for (int i = 0; i < nl; i++) {
                left_all[n_left_all] = left[i];
                left_day[n_left_all++] = d;
            }
            tick(s, 0.6 + 0.35 * (d + 1) / c.N, "route");
        }
        for (int i = 0; i < n_left_all && !rc; i++) {
            int a = left_all[i], d = left_day[i];
            if (repair_visit(&c, a, scratch, pos_tmp, &rc))
                continue;
            if (rc)
                break;
            rc = add_unplaced(&s->un, c.gi[a], d + 1, REGIO_PLAN_REASON_CAPACITY,
                              "no working day has room for this call within the spacing band "
                              "without running past the rep's day end");
        }
        regio_free(left_all);
        regio_free(left_day);
        if (rc)
            goto done;
    }
    /* copy routes to the result */
    for (int d = 0; d < c.N; d++) {
        regio_plan_day *pd = &res->days[(size_t)r * (size_t)c.N + (size_t)d];
        tour *t = &c.days[d];
        if (t->n == 0)
            continue;
        pd->visits = regio_calloc((size_t)t->n, sizeof *pd->visits);
        if (!pd->visits) {
            rc = REGIO_ENOMEM;
            goto done;
        }
        pd->n_visits = t->n;
        for (int i = 0; i < t->n; i++)
            pd->visits[i].account = c.gi[t->s[i]];
    }
done:
    rctx_free(&c);
    regio_free(xs);
    regio_free(ys);
    regio_free(scratch);
    regio_free(left);
    regio_free(pos_tmp);
    regio_free(order);
    return rc;
}

static regio_err fail(regio_error *err, regio_err code, long line, const char *field,
                      const char *msg)
{
    if (err) {
        regio_error_clear(err);
        err->code = code;
        err->line = line;
        snprintf(err->field, sizeof err->field, "%s", field ? field : "");
        snprintf(err->msg, sizeof err->msg, "%s", msg);
    }
    return code;
}

regio_err regio_plan_solve(const regio_plan_rep *reps, size_t n_reps,
                           const regio_plan_account *accounts, size_t n_accounts,
                           const regio_plan_params *params, regio_plan_result **out,
                           regio_error *err)
{
    if (!out || !params || (n_reps && !reps) || (n_accounts && !accounts))
        return fail(err, REGIO_EINVAL, 0, NULL, "plan: NULL argument");
    *out = NULL;
    if (params->n_days < 1 || params->n_days > REGIO_PLAN_MAX_DAYS)
        return fail(err, REGIO_EINVAL, 0, "days", "plan: the cycle must have 1-256 working days");
    if (params->road_factor < 0 || params->speed_kmh < 0 || params->spacing_tolerance < 0 ||
        params->spacing_tolerance > 0.4 + 1e-12 || params->time_limit_s < 0)
        return fail(err, REGIO_EINVAL, 0, NULL,
                    "plan: road factor, speed and time limit must be >= 0, spacing tolerance "
                    "within 0-0.4");
    char msg[512];
    for (size_t i = 0; i < n_reps; i++) {
        const regio_plan_rep *rp = &reps[i];
        if (!isfinite(rp->lat) || !isfinite(rp->lon) || fabs(rp->lat) > 90 ||
            fabs(rp->lon) > 180 || !(rp->day_end_s > rp->day_start_s)) {
            snprintf(msg, sizeof msg, "rep '%s' needs a valid home and day_end after day_start",
                     rp->id ? rp->id : "");
            return fail(err, REGIO_EDATA, (long)i + 1, "id", msg);
        }
    }
    for (size_t i = 0; i < n_accounts; i++) {
        const regio_plan_account *a = &accounts[i];
        const char *bad = NULL;
        if (a->rep < 0 || (size_t)a->rep >= n_reps)
            bad = "has no valid rep";
        else if (!isfinite(a->lat) || !isfinite(a->lon) || fabs(a->lat) > 90 || fabs(a->lon) > 180)
            bad = "has invalid coordinates";
        else if (a->frequency < 0)
            bad = "has a negative frequency";
        else if (!(a->call_s >= 0) || !isfinite(a->call_s))
            bad = "has a negative call time";
        else if (a->has_window && !(a->tw_end_s >= a->tw_start_s))
            bad = "has a time window that ends before it starts";
        if (bad) {
            snprintf(msg, sizeof msg, "account '%s' %s", a->id ? a->id : "", bad);
            return fail(err, REGIO_EDATA, (long)i + 1, "id", msg);
        }
    }
    double t0 = now_s();
    regio_plan_result *res = regio_calloc(1, sizeof *res);
    solve_ctx s;
    memset(&s, 0, sizeof s);
    s.p = params;
    s.deadline = params->time_limit_s > 0 ? t0 + params->time_limit_s : 0;
    regio_err rc = REGIO_OK;
    if (!res || regio__plan_patcache_create(&s.pc)) {
        rc = REGIO_ENOMEM;
        goto fail_;
    }
    res->n_days = params->n_days;
    res->n_reps = n_reps;
    res->n_accounts = n_accounts;
    res->days = regio_calloc(n_reps * (size_t)params->n_days + 1, sizeof *res->days);
    res->accounts = regio_calloc(n_accounts + 1, sizeof *res->accounts);
    res->reps = regio_calloc(n_reps + 1, sizeof *res->reps);
    if (!res->days || !res->accounts || !res->reps) {
        rc = REGIO_ENOMEM;
        goto fail_;
    }
    for (size_t r = 0; r < n_reps; r++)
        for (int d = 0; d < params->n_days; d++) {
            regio_plan_day *pd = &res->days[r * (size_t)params->n_days + (size_t)d];
            pd->rep = (int)r;
            pd->day = d + 1;
            pd->off = regio_plan_dayset_has(&reps[r].days_off, d + 1);
        }
    for (size_t r = 0; r < n_reps; r++) {
        /* each rep's search gets an equal share of the time left, with a
         * fifth kept for routing */
        if (s.deadline > 0) {
            double now = now_s(), left = s.deadline - now;
            s.search_deadline = now + (left > 0 ? 0.8 * left / (double)(n_reps - r) : 0);
        }
        s.progress_base = (double)r / (double)n_reps;
        s.progress_span = 1.0 / (double)n_reps;
        if ((rc = plan_rep(&s, reps, (int)r, accounts, n_accounts, res, err)))
            goto fail_;
    }
    res->unplaced = s.un.v;
    res->n_unplaced = s.un.n;
    s.un.v = NULL;
    res->estimate_travel_km = s.est_km;
    res->search_moves = s.moves;
    res->cancelled = s.cancelled;
    if ((rc = regio_plan_measure(reps, n_reps, accounts, n_accounts, params, res)))
        goto fail_;
    res->seconds = now_s() - t0;
    regio__plan_patcache_destroy(s.pc);
    if (s.p->progress)
        s.p->progress(s.p->progress_ud, 1.0, "done");
    *out = res;
    return REGIO_OK;
fail_:
    regio_free(s.un.v);
    regio__plan_patcache_destroy(s.pc);
    regio_plan_result_destroy(res);
    if (rc == REGIO_ENOMEM)
        fail(err, rc, 0, NULL, "plan: out of memory");
    return rc;
}

void regio_plan_result_destroy(regio_plan_result *r)
{
    if (!r)
        return;
    if (r->days)
        for (size_t i = 0; i < r->n_reps * (size_t)r->n_days; i++)
            regio_free(r->days[i].visits);
    regio_free(r->days);
    regio_free(r->unplaced);
    regio_free(r->accounts);
    regio_free(r->reps);
    regio_free(r);
}
