/*
 * VRP value helpers shared by the solver, the checker's callers and tests:
 * parameter defaults, solution destruction and the earliest-start route
 * scheduler. Method: one forward pass (earliest service start inside the
 * first reachable window) and one Savelsbergh forward-slack pass that delays
 * the departure to remove waiting without moving any later service past its
 * window. O(route length).
 */
#include "regio/vrp.h"

#include <math.h>

void regio_vrp_params_default(regio_vrp_params *p)
{
    if (!p)
        return;
    p->seed = 1;
    p->time_limit_s = 10.0;
    p->max_iterations = 0;
    p->minimize_vehicles = 0;
    p->searches = 2;
    p->progress = NULL;
    p->progress_ud = NULL;
}

void regio_vrp_solution_destroy(regio_vrp_solution *s)
{
    if (!s)
        return;
    for (int r = 0; s->routes && r < s->n_routes; r++)
        regio_free(s->routes[r].steps);
    regio_free(s->routes);
    regio_free(s->unassigned);
    regio_free(s);
}

static double mat(const regio_vrp_problem *p, const double *m, int a, int b)
{
    if (a < 0 || b < 0)
        return 0.0;
    return m[(size_t)a * (size_t)p->n_locations + (size_t)b];
}

/* Earliest service start at or after arrival a; sets *ok = 0 (and returns a)
 * when every window has closed. *win_end receives the chosen window's end. */
static double earliest_start(const regio_vrp_job *j, double a, int *ok,
                             double *win_end)
{
    if (j->n_tws <= 0 || !j->tws) {
        *win_end = INFINITY;
        return a;
    }
    for (int k = 0; k < j->n_tws; k++) {
        /* a relative 1e-9 of slack absorbs rounding in summed legs */
        if (a <= j->tws[k].end + 1e-9 * (1.0 + fabs(j->tws[k].end))) {
            *win_end = j->tws[k].end;
            return a > j->tws[k].start ? a : j->tws[k].start;
        }
    }
    *ok = 0;
    *win_end = a;
    return a;
}

static int simulate(const regio_vrp_problem *p, regio_vrp_route *r,
                    double t0, double *slack)
{
    const regio_vrp_vehicle *v = &p->vehicles[r->vehicle];
    int ok = 1;
    int prev = v->start;
    double t = t0, cost = 0.0, cum_wait = 0.0;
    double fslack = INFINITY;
    r->start_time = t0;
    for (int k = 0; k < r->n_steps; k++) {
        const regio_vrp_job *j = &p->jobs[r->steps[k].job];
        double a = t + mat(p, p->duration, prev, j->location);
        double wend;
        double s = earliest_start(j, a, &ok, &wend);
        r->steps[k].arrival = a;
        r->steps[k].service_start = s;
        r->steps[k].waiting = s - a;
        r->steps[k].departure = s + j->service;
        cum_wait += s - a;
        if (wend - s + cum_wait < fslack)
            fslack = wend - s + cum_wait;
        cost += mat(p, p->cost, prev, j->location);
        t = s + j->service;
        if (j->location >= 0) /* a break happens where the vehicle is */
            prev = j->location;
    }
    double end = t + mat(p, p->duration, prev, v->end);
    cost += mat(p, p->cost, prev, v->end);
    if (end > v->shift.end + 1e-9 * (1.0 + fabs(v->shift.end)))
        ok = 0;
    r->end_time = end;
    r->cost = cost;
    r->duration = end - t0;
    if (slack)
        *slack = fslack < cum_wait ? fslack : cum_wait;
    return ok;
}

regio_err regio_vrp_route_schedule(const regio_vrp_problem *p,
                                   regio_vrp_route *r)
{
    if (!p || !r || r->vehicle < 0 || r->vehicle >= p->n_vehicles ||
        (r->n_steps > 0 && !r->steps))
        return REGIO_EINVAL;
    for (int k = 0; k < r->n_steps; k++)
        if (r->steps[k].job < 0 || r->steps[k].job >= p->n_jobs)
            return REGIO_EINVAL;
    const regio_vrp_vehicle *v = &p->vehicles[r->vehicle];
    if (r->n_steps == 0) {
        r->start_time = r->end_time = v->shift.start;
        r->cost = r->duration = 0.0;
        return REGIO_OK;
    }
    double slack = 0.0;
    int ok = simulate(p, r, v->shift.start, &slack);
    if (ok && slack > 0.0 && isfinite(slack)) {
        /* Leave later by the forward slack: no service moves out of its
         * window and the end time does not grow (slack <= total waiting). */
        if (!simulate(p, r, v->shift.start + slack, NULL))
            ok = simulate(p, r, v->shift.start, NULL);
    }
    return ok ? REGIO_OK : REGIO_EINFEASIBLE;
}
