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
 *     and Stuetzle): take the ~10 accounts nearest a random one, or (half
 *     of the kicks) every account of a random day, out of every day
 *     (ruin), give each its cheapest pattern again (recreate), descend,
 *     keep the plan if its estimated cost fell, else restore the best
 *     (search_iterations kicks, default 6000). A pattern's cost is summed
 *     from per-day insertion and removal deltas computed once per account
 *     and move, so a move costs O(N * L + P * f).
 *  4. Routing. Each working day is solved exactly as a VRPTW with
 *     regio_vrp_solve (one vehicle = the rep's day, shift = the working
 *     day, the call windows), keeping the search's own tour when it is
 *     feasible and shorter.
 *  5. Repair. A visit the routing left out moves its account's whole
 *     pattern to one whose new days take it by exact feasible insertion;
 *     failing that, to another single day that keeps the spacing within
 *     METRICS.md's 0.6-1.4 band; failing that it is listed as unplaced
 *     with a reason. Routes are never allowed past day_end.
 *  Overnight trips (params.overnight, overnight.c): before step 2 the days
 *  of trips get anchors (home or a hotel at an account's place) so each
 *  day's tour runs between them; after step 5 the hotels settle at the
 *  next day's first visit and nights that do not pay are dropped.
 * Invariants: a day's tour never holds an account twice; an account with
 * a pattern is in the tour of each of its non-blocked days; routed days are
 * always feasible (windows, day end). Complexity: construction and each
 * search round O(m * (N * L + P * f)) for m accounts, N days, P patterns,
 * day length L; each kick as much per descent round; routing as
 * regio_vrp_solve per day. Memory O(m^2) per rep for the
 * duration matrix when m <= 2000, O(m) otherwise.
 *
 * This file holds the driver: input checks, the per-rep set-up (local
 * accounts, travel times, inputs that cannot be planned, sweep order),
 * progress and deadlines, unplaced visits and the result. Steps 2-3 are in
 * plan_search.c, 4-5 in plan_route.c, the day tours in tours.c and the
 * patterns in patterns.c.
 */
#include "plan/plan_internal.h"
#include "core/grow.h"

#include "regio/dist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CAP_MARGIN 0.97 /* search keeps estimated days within 97% of shift */
#define MATRIX_MAX 2000 /* cache durations when m + 1 <= this */

typedef regio__plan_tour tour;
typedef regio__plan_rctx rctx;
typedef regio__plan_solve_ctx solve_ctx;
typedef regio__plan_unplaced_list unplaced_list;
typedef regio__plan_angle angle_item;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- unplaced visits, progress, deadlines ------------------------------- */

regio_err regio__plan_add_unplaced(unplaced_list *u, int account, int day, regio_plan_reason why,
                                   const char *text)
{
    if (u->n == u->cap && regio__grow(&u->v, &u->cap, u->n + 1, sizeof *u->v))
        return REGIO_ENOMEM;
    regio_plan_unplaced *x = &u->v[u->n++];
    x->account = account;
    x->day = day;
    x->reason = why;
    snprintf(x->text, sizeof x->text, "%s", text);
    return REGIO_OK;
}

int regio__plan_tick(solve_ctx *s, double frac, const char *phase)
{
    if (s->cancelled)
        return 1;
    if (s->p->progress &&
        s->p->progress(s->p->progress_ud, s->progress_base + s->progress_span * frac, phase))
        s->cancelled = 1;
    return s->cancelled;
}

int regio__plan_past_deadline(const solve_ctx *s)
{
    return s->deadline > 0 && now_s() > s->deadline;
}

int regio__plan_past_search_deadline(const solve_ctx *s)
{
    return s->search_deadline > 0 && now_s() > s->search_deadline;
}

/* ---- per-rep driver ---------------------------------------------------- */

static int cmp_angle(const void *x, const void *y)
{
    const angle_item *a = x, *b = y;
    if (a->ang < b->ang)
        return -1;
    if (a->ang > b->ang)
        return 1;
    return a->a - b->a;
}

void regio__plan_node_place(const rctx *c, int i, double *lat, double *lon)
{
    if (i == 0) {
        *lat = c->rep->lat;
        *lon = c->rep->lon;
    } else if (i <= c->m) {
        *lat = regio__plan_acc(c, i)->lat;
        *lon = regio__plan_acc(c, i)->lon;
    } else {
        *lat = c->way_lat[i - c->m - 1];
        *lon = c->way_lon[i - c->m - 1];
    }
}

regio_err regio__plan_build_times(rctx *c, const regio_plan_params *p, regio_error *err)
{
    size_t L = (size_t)c->L;
    regio_dist_destroy(c->dist);
    c->dist = NULL;
    regio_free(c->mat);
    c->mat = NULL;
    double *xs = regio_malloc(L * sizeof *xs), *ys = regio_malloc(L * sizeof *ys);
    regio_err rc = xs && ys ? REGIO_OK : REGIO_ENOMEM;
    for (size_t i = 0; !rc && i < L; i++)
        regio__plan_node_place(c, (int)i, &ys[i], &xs[i]);
    regio_dist_opts dopt;
    memset(&dopt, 0, sizeof dopt);
    dopt.metric = REGIO_METRIC_HAVERSINE;
    dopt.road_factor = p->road_factor;
    dopt.speed_kmh = p->speed_kmh;
    if (!rc)
        rc = regio_dist_create_coords(L, xs, ys, &dopt, &c->dist, err);
    if (!rc && L <= MATRIX_MAX) {
        c->mat = regio_malloc(L * L * sizeof *c->mat);
        if (!c->mat)
            rc = REGIO_ENOMEM;
        for (size_t i = 0; !rc && i < L; i++)
            for (size_t j = 0; j < L; j++)
                c->mat[i * L + j] = regio_dist_duration(c->dist, i, j);
    }
    regio_free(xs);
    regio_free(ys);
    return rc;
}

/* 1 when local account a alone fits some day: a round trip from home, or
 * between the anchors of a day of a trip. */
static int fits_a_day(const rctx *c, int a)
{
    int one[1] = {a};
    if (regio__plan_seq_feasible(c, 0, 0, one, 1, NULL))
        return 1;
    for (int d = 0; d < c->N; d++) {
        const tour *t = &c->days[d];
        if ((t->from || t->to) && regio__plan_seq_feasible(c, t->from, t->to, one, 1, NULL))
            return 1;
    }
    return 0;
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
    regio_free(c->hint);
    regio_free(c->way_lat);
    regio_free(c->way_lon);
    regio_dist_destroy(c->dist);
}

/* The best plan of a rep's passes as it was planned: each day's stops
 * (local accounts, m a day at most), its night's place, the unplaced
 * visits the pass added and the solve's estimate after it. Kept rather
 * than planned again, which under a deadline would give another plan. */
typedef struct plan_snap {
    int *n, *s;
    unsigned char *night;
    double *lat, *lon;
    regio_plan_unplaced *un;
    size_t n_un, cap_un;
    double est_km;
} plan_snap;

static regio_err snap_save(plan_snap *b, const rctx *c, const solve_ctx *s, size_t un0)
{
    size_t N = (size_t)c->N, m = (size_t)c->m;
    if (!b->n) {
        b->n = regio_malloc(N * sizeof *b->n);
        b->s = regio_malloc((N * m + 1) * sizeof *b->s);
        b->night = regio_malloc(N);
        b->lat = regio_malloc(N * sizeof *b->lat);
        b->lon = regio_malloc(N * sizeof *b->lon);
        if (!b->n || !b->s || !b->night || !b->lat || !b->lon)
            return REGIO_ENOMEM;
    }
    for (size_t d = 0; d < N; d++) {
        const tour *t = &c->days[d];
        b->n[d] = t->n;
        if (t->n) /* an empty day may have no stops array */
            memcpy(b->s + d * m, t->s, (size_t)t->n * sizeof *t->s);
        b->night[d] = t->to != 0;
        b->lat[d] = b->lon[d] = 0;
        if (t->to != 0)
            regio__plan_node_place(c, t->to, &b->lat[d], &b->lon[d]);
    }
    size_t k = s->un.n - un0;
    if (k > b->cap_un && regio__grow(&b->un, &b->cap_un, k, sizeof *b->un))
        return REGIO_ENOMEM;
    if (k)
        memcpy(b->un, s->un.v + un0, k * sizeof *b->un);
    b->n_un = k;
    b->est_km = s->est_km;
    return REGIO_OK;
}

static void snap_free(plan_snap *b)
{
    regio_free(b->n);
    regio_free(b->s);
    regio_free(b->night);
    regio_free(b->lat);
    regio_free(b->lon);
    regio_free(b->un);
}

static regio_err plan_rep(solve_ctx *s, const regio_plan_rep *reps, int r,
                          const regio_plan_account *acc, size_t n_acc, regio_plan_result *res,
                          regio_error *err)
{
    const regio_plan_params *p = s->p;
    rctx c;
    memset(&c, 0, sizeof c);
    plan_snap snap;
    memset(&snap, 0, sizeof snap);
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
    int *scratch = NULL, *left = NULL, *pos_tmp = NULL;
    angle_item *order = NULL;
    c.gi = regio_calloc((size_t)m + 1, sizeof *c.gi);
    c.ps = regio_calloc((size_t)m + 1, sizeof *c.ps);
    c.pat = regio_calloc((size_t)m + 1, sizeof *c.pat);
    c.days = regio_calloc((size_t)c.N, sizeof *c.days);
    c.inday = regio_calloc((size_t)c.N, 1);
    scratch = regio_calloc((size_t)m + 2 * (size_t)c.N + 8, sizeof *scratch);
    left = regio_calloc((size_t)m + 1, sizeof *left);
    pos_tmp = regio_calloc((size_t)c.N + 1, sizeof *pos_tmp);
    order = regio_calloc((size_t)m + 1, sizeof *order);
    if (!c.gi || !c.ps || !c.pat || !c.days || !c.inday || !scratch || !left || !pos_tmp ||
        !order) {
        rc = REGIO_ENOMEM;
        goto done;
    }
    if (m == 0)
        goto done;
    {
        int k = 1;
        for (size_t i = 0; i < n_acc; i++)
            if (acc[i].rep == r && acc[i].frequency > 0) {
                c.gi[k] = (int)i;
                c.pat[k] = -1;
                k++;
            }
    }
    c.L = m + 1;
    if ((rc = regio__plan_build_times(&c, p, err)))
        goto done;
    /* Trips over weekends are planned four times, their walks filling the
     * search's share of each day or the whole day (which leaves more room
     * for what the walk left out, or less), on trips of trip_days or one
     * day fewer (the walk of a shorter trip leaves other accounts off, and
     * the routed plan of one or the other places more: on the sample's
     * T09 147 visits against 140, T01 152 against 156), and the plan
     * placing more visits is kept as it was planned (plan_snap): the walk
     * is the plan's skeleton, and only the routed plan says which serves
     * more (the walk's own count of the visits it serves does not). */
    size_t un0 = s->un.n;
    double est0 = s->est_km;
    int passes = p->overnight && p->trip_days > 0 ? (p->trip_days > 2 ? 4 : 2) : 1;
    /* then the best of those once more with its trip re-walked to pass
     * twice-a-cycle accounts twice (c.cross, overnight.c's cross_loop),
     * kept only when it places more */
    int n_pass = passes > 1 ? passes + 1 : 1;
    int best_run = 0;
    long best_placed = -1, best_run_placed = -1;
    for (int pass = 0; pass < n_pass; pass++) {
    if (pass == passes && regio__plan_past_search_deadline(s))
        break; /* no time left for the crossing walk */
    int run = pass < passes ? pass : best_run;
    c.cross = pass >= passes;
    s->un.n = un0;
    s->est_km = est0;
    for (int d = 0; d < c.N; d++) {
        c.days[d].n = 0;
        c.days[d].call = 0;
        c.days[d].from = c.days[d].to = 0;
    }
    for (int a = 1; a <= m; a++) {
        c.pat[a] = -1;
        c.ps[a] = NULL; /* set again below for the accounts this pass can plan */
    }
    if (c.L != m + 1) {
        c.L = m + 1;
        c.n_way = 0;
        if ((rc = regio__plan_build_times(&c, p, err)))
            goto done;
    }
    c.walk_cap = run & 1 ? c.shift : 0;
    c.trip_short = run >> 1;
    /* overnight trips: anchors of the days of a trip (overnight.c) */
    int n_nights = 0;
    if ((rc = regio__plan_overnight_trips(&c, s, &n_nights)))
        goto done;
    if (c.n_way > 0) { /* hotels on the way are nodes too */
        c.L = m + 1 + c.n_way;
        if ((rc = regio__plan_build_times(&c, p, err)))
            goto done;
    }
    for (int d = 0; d < c.N; d++)
        c.days[d].travel = regio__plan_tour_travel(&c, &c.days[d]);
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
                if ((rc = regio__plan_add_unplaced(&s->un, c.gi[a], 0, REGIO_PLAN_REASON_INPUT,
                                                   text)))
                    goto done;
            continue;
        }
        /* the call alone must fit a day (home -> account -> home, or
         * between the anchors of a day of a trip) */
        if (!fits_a_day(&c, a)) {
            snprintf(text, sizeof text,
                     "a round trip from home with this call%s does not fit the rep's day%s",
                     ac->has_window ? " and its time window" : "",
                     n_nights ? ", nor a day of a trip" : "");
            for (int k = 0; k < ac->frequency; k++)
                if ((rc = regio__plan_add_unplaced(&s->un, c.gi[a], 0, REGIO_PLAN_REASON_WINDOW,
                                                   text)))
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
    /* 2. construction (after the accounts an overnight trip's walk visits
     * got that day) */
    if ((rc = regio__plan_seed_hints(&c)))
        goto done;
    if ((rc = regio__plan_construct(&c, s, order, n_order, total_call, working, scratch)))
        goto done;
    /* 3. pattern local search, then iterated: ruin a neighbourhood of
     * accounts, recreate it greedily, descend, keep the result if better
     * (left is reused as the permutation) */
    c.pin = p->trip_days > 0 && c.hint;
    if ((rc = regio__plan_search(&c, s, r, order, n_order, left, scratch)))
        goto done;
    for (int d = 0; d < c.N; d++)
        s->est_km += c.days[d].travel / 3600.0 * (p->speed_kmh > 0 ? p->speed_kmh : 50.0);
    /* blocked pattern days become unplaced visits */
    for (int a = 1; a <= m; a++) {
        if (c.pat[a] < 0) {
            if (!c.ps[a])
                continue; /* already listed (input or window) */
            for (int k = 0; k < c.ps[a]->f; k++)
                if ((rc = regio__plan_add_unplaced(
                         &s->un, c.gi[a], 0, REGIO_PLAN_REASON_CANCELLED,
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
                if ((rc = regio__plan_add_unplaced(&s->un, c.gi[a], qd[k] + 1,
                                                   REGIO_PLAN_REASON_DAYS, text)))
                    goto done;
            }
    }
    /* 4. routing, 5. repair */
    if ((rc = regio__plan_route_days(&c, s, r, left, scratch, pos_tmp, err)))
        goto done;
    if (n_nights)
        regio__plan_overnight_settle(&c, s);
    long placed = 0;
    for (int d = 0; d < c.N; d++)
        placed += c.days[d].n;
    if (placed > best_placed) {
        best_placed = placed;
        if ((rc = snap_save(&snap, &c, s, un0)))
            goto done;
    }
    if (pass < passes && placed > best_run_placed) {
        best_run_placed = placed;
        best_run = pass;
    }
    }
    /* the best plan's routes (and nights) to the result, its unplaced
     * visits and estimate back in the solve */
    s->un.n = un0;
    for (size_t i = 0; i < snap.n_un; i++) {
        const regio_plan_unplaced *u = &snap.un[i];
        if ((rc = regio__plan_add_unplaced(&s->un, u->account, u->day, u->reason, u->text)))
            goto done;
    }
    s->est_km = snap.est_km;
    for (int d = 0; d < c.N; d++) {
        regio_plan_day *pd = &res->days[(size_t)r * (size_t)c.N + (size_t)d];
        const int *st = snap.s + (size_t)d * (size_t)m;
        if (snap.night[d]) {
            pd->night = 1;
            pd->night_lat = snap.lat[d];
            pd->night_lon = snap.lon[d];
        }
        if (snap.n[d] == 0)
            continue;
        pd->visits = regio_calloc((size_t)snap.n[d], sizeof *pd->visits);
        if (!pd->visits) {
            rc = REGIO_ENOMEM;
            goto done;
        }
        pd->n_visits = snap.n[d];
        for (int i = 0; i < snap.n[d]; i++)
            pd->visits[i].account = c.gi[st[i]];
    }
done:
    snap_free(&snap);
    rctx_free(&c);
    regio_free(scratch);
    regio_free(left);
    regio_free(pos_tmp);
    regio_free(order);
    return rc;
}

#define fail(err, code, line, field, msg)                                      \
    regio_error_setf((err), (code), NULL, (line), (field), "%s", (msg))

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
    if (!(params->hotel_cost >= 0) || !(params->km_cost >= 0) || !isfinite(params->hotel_cost) ||
        !isfinite(params->km_cost) || params->max_nights < 0 || params->max_nights > 6 ||
        params->week_len < 0 || params->week_len > 7 || params->trip_days < 0 ||
        params->trip_days == 1 || params->trip_days > REGIO_PLAN_MAX_DAYS)
        return fail(err, REGIO_EINVAL, 0, NULL,
                    "plan: hotel and km costs must be >= 0, nights per week within 0-6, "
                    "working days per week within 0-7 and days of a trip 0 or 2-256");
    if (params->trip_days && params->max_nights)
        return fail(err, REGIO_EINVAL, 0, NULL,
                    "plan: the nights per week limit a trip inside a week; trips over weekends "
                    "(days of a trip) sleep away every night of the trip: give one of them");
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
