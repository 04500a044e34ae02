/*
 * Routing and repair of the call-cycle planner (steps 4 and 5 of the
 * method in plan.c). Each working day is solved exactly as a VRPTW with
 * regio_vrp_solve (one vehicle = the rep's day, shift = the working day,
 * the call windows), keeping the search's own tour when it is feasible and
 * shorter. A visit the routing left out moves its account's whole pattern
 * to one whose new days take it by exact feasible insertion; failing that,
 * to one more day that keeps the spacing within METRICS.md's 0.6-1.4 band;
 * failing that it is listed as unplaced. Routed days are always feasible
 * (windows, day end). Complexity: regio_vrp_solve per day; a repair tries
 * O(P * f + N) insertions of O(L) each.
 */
#include "plan/plan_internal.h"

#include "regio/vrp.h"

#include <math.h>
#include <string.h>

typedef regio__plan_tour tour;
typedef regio__plan_rctx rctx;
typedef regio__plan_solve_ctx solve_ctx;

/* Routes day t; on return t holds a feasible sequence and *left / *n_left
 * the local accounts left out (caller's array, t->n entries). */
static regio_err route_day(rctx *c, tour *t, uint64_t seed, long iters, int *left,
                           int *n_left, int *scratch, regio_error *err)
{
    *n_left = 0;
    int n = t->n;
    if (n == 0)
        return REGIO_OK;
    /* locations: 0 = where the day starts (home or a hotel), 1..n the
     * stops, n + 1 = where it ends when that is not where it started */
    int L = t->from == t->to ? n + 1 : n + 2;
    double *mat = regio_malloc((size_t)L * (size_t)L * sizeof *mat);
    regio_vrp_job *jobs = regio_calloc((size_t)n, sizeof *jobs);
    regio_vrp_tw *tws = regio_calloc((size_t)n, sizeof *tws);
    regio_vrp_solution *sol = NULL;
    regio_err rc = REGIO_OK;
    if (!mat || !jobs || !tws) {
        rc = REGIO_ENOMEM;
        goto done;
    }
    for (int i = 0; i < L; i++) {
        int ni = i == 0 ? t->from : i == n + 1 ? t->to : t->s[i - 1];
        for (int j = 0; j < L; j++) {
            int nj = j == 0 ? t->from : j == n + 1 ? t->to : t->s[j - 1];
            mat[(size_t)i * (size_t)L + (size_t)j] = i == j ? 0 : regio__plan_dur(c, ni, nj);
        }
    }
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
    veh.end = t->from == t->to ? 0 : n + 1;
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
    int own_ok = regio__plan_seq_feasible(c, t->from, t->to, t->s, n, &own_end);
    double own_travel = regio__plan_tour_travel(c, t);
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
    t->travel = regio__plan_tour_travel(c, t);
done:
    regio_vrp_solution_destroy(sol);
    regio_free(mat);
    regio_free(jobs);
    regio_free(tws);
    return rc;
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
                c->days[d].travel = regio__plan_tour_travel(c, &c->days[d]);
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

regio_err regio__plan_route_days(rctx *c, solve_ctx *s, int r, int *left, int *scratch,
                                 int *pos_tmp, regio_error *err)
{
    const regio_plan_params *p = s->p;
    int m = c->m;
    regio_err rc = REGIO_OK;
    long iters = p->route_iterations > 0 ? p->route_iterations : 2000;
    int *left_all = regio_calloc((size_t)m * (size_t)c->N + 1, sizeof *left_all);
    int *left_day = regio_calloc((size_t)m * (size_t)c->N + 1, sizeof *left_day);
    int n_left_all = 0;
    if (!left_all || !left_day) {
        regio_free(left_all);
        regio_free(left_day);
        return REGIO_ENOMEM;
    }
    for (int d = 0; d < c->N; d++) {
        int nl = 0;
        long it = regio__plan_past_deadline(s) || s->cancelled ? 100 : iters;
        rc = route_day(c, &c->days[d],
                       regio__plan_mix(p->seed ^
                                       regio__plan_mix(((uint64_t)r << 20) + (uint64_t)d)),
                       it, left, &nl, scratch, err);
        if (rc)
            break;
        for (int i = 0; i < nl; i++) {
            left_all[n_left_all] = left[i];
            left_day[n_left_all++] = d;
        }
        regio__plan_tick(s, 0.6 + 0.35 * (d + 1) / c->N, "route");
    }
    for (int i = 0; i < n_left_all && !rc; i++) {
        int a = left_all[i], d = left_day[i];
        if (repair_visit(c, a, scratch, pos_tmp, &rc))
            continue;
        if (rc)
            break;
        rc = regio__plan_add_unplaced(&s->un, c->gi[a], d + 1, REGIO_PLAN_REASON_CAPACITY,
                                      "no working day has room for this call within the "
                                      "spacing band without running past the rep's day end");
    }
    regio_free(left_all);
    regio_free(left_day);
    return rc;
}
