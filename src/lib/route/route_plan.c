/*
 * Plan mode, as VROOM's `-c`: the vehicles' prescribed steps are the
 * routes; times are chosen and broken constraints reported, not refused.
 *
 * Method: one forward pass per route. Service starts at the earliest time
 * that is not before arrival, inside a window and inside the step's
 * service_at / _after / _before bounds; when no window is left, on arrival
 * (or at the step's lower bound), and the lateness past the last window end
 * or the step's upper bound is a "delay". Loads follow VROOM (plain jobs'
 * deliveries aboard at the start, pickups to the end, a shipment's amount
 * from pickup to delivery); each step over capacity is a "load" violation.
 * Skills, another vehicle's break, a shipment half without the other on
 * the same route in order, more tasks than max_tasks and a vehicle's break
 * left out are the other violations. O(total steps x windows) plus
 * O(steps^2) for precedence on each route.
 */
#include "regio/route_io.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/grow.h"
#include "route/route_io_internal.h"

typedef struct vlist {
    regio_route_violation *v;
    size_t n, cap;
} vlist;

static int add(vlist *l, int route, int step, const char *cause, double dur)
{
    if (regio__grow(&l->v, &l->cap, l->n + 1, sizeof *l->v))
        return -1;
    regio_route_violation *x = &l->v[l->n++];
    x->route = route;
    x->step = step;
    snprintf(x->cause, sizeof x->cause, "%s", cause);
    x->duration = dur;
    return 0;
}

void regio_route_plan_destroy(regio_route_plan *pl)
{
    if (!pl)
        return;
    regio_vrp_solution_destroy(pl->solution);
    regio_free(pl->violations);
    regio_free(pl);
}

/* Earliest service start >= t in j's windows (no window: t); INFINITY when
 * every window has closed. *last_end is the last window's end. */
static double window_start(const regio_vrp_job *j, double t, double *last_end)
{
    *last_end = INFINITY;
    if (j->n_tws <= 0)
        return t;
    *last_end = j->tws[j->n_tws - 1].end;
    for (int k = 0; k < j->n_tws; k++)
        if (t <= j->tws[k].end)
            return t > j->tws[k].start ? t : j->tws[k].start;
    return INFINITY;
}

static double leg(const regio_route_problem *p, int a, int b, int cost)
{
    if (a < 0 || b < 0)
        return 0.0;
    return cost ? regio_dist_cost(p->dist, (size_t)a, (size_t)b)
                : regio_dist_duration(p->dist, (size_t)a, (size_t)b);
}

static int plan_route(const regio_route_problem *p, int v, regio_vrp_route *r,
                      const regio_vrp_tw *bounds, vlist *l)
{
    const regio_vrp_vehicle *vh = &p->veh[v];
    const regio_vrp_tw *sb = &p->veh_bounds[2 * v], *eb = &p->veh_bounds[2 * v + 1];
    int ri = v, m = r->n_steps, prev = vh->start, tasks = 0;
    double t = vh->shift.start;
    if (isfinite(sb->start) && sb->start > t)
        t = sb->start;
    if (t > sb->end && add(l, ri, -1, "delay", t - sb->end))
        return -1;
    r->start_time = t;
    double cost = 0.0, load[REGIO_VRP_MAX_DIMS] = {0};
    for (int k = 0; k < m; k++) {
        const regio_vrp_job *j = &p->jobs[r->steps[k].job];
        if (j->kind == REGIO_VRP_KIND_JOB)
            for (int d = 0; d < p->n_dims; d++)
                load[d] += j->amount[d];
    }
    for (int d = 0; d < p->n_dims; d++)
        if (load[d] > vh->capacity[d] + 1e-9) {
            if (add(l, ri, -1, "load", 0))
                return -1;
            break;
        }
    for (int k = 0; k < m; k++) {
        regio_vrp_step *st = &r->steps[k];
        const regio_vrp_job *j = &p->jobs[st->job];
        double a = t + leg(p, prev, j->location, 0);
        cost += leg(p, prev, j->location, 1);
        if (j->location >= 0)
            prev = j->location;
        double lo = bounds[k].start, hi = bounds[k].end, last_end;
        double from = a > lo ? a : lo;
        double s = window_start(j, from, &last_end);
        double late = 0.0;
        if (s == INFINITY) {
            s = from;
            late = s - last_end;
        }
        if (s > hi && s - hi > late)
            late = s - hi;
        st->arrival = a;
        st->service_start = s;
        st->waiting = s - a;
        st->departure = s + j->service;
        t = st->departure;
        if (late > 0 && add(l, ri, k, "delay", late))
            return -1;
        if (((j->skills & ~vh->skills) || (j->only_vehicle && j->only_vehicle != v + 1)) &&
            add(l, ri, k, "skills", 0))
            return -1;
        if (j->kind == REGIO_VRP_KIND_PICKUP || j->kind == REGIO_VRP_KIND_DELIVERY) {
            int o = j->pair - 1, at = -1;
            for (int q = 0; q < m; q++)
                if (r->steps[q].job == o)
                    at = q;
            if ((at < 0 || (j->kind == REGIO_VRP_KIND_PICKUP) != (at > k)) &&
                add(l, ri, k, "precedence", 0))
                return -1;
        }
        int over = 0;
        for (int d = 0; d < p->n_dims; d++) {
            if (j->kind != REGIO_VRP_KIND_PICKUP)
                load[d] -= j->amount[d];
            if (j->kind != REGIO_VRP_KIND_DELIVERY)
                load[d] += j->pickup[d];
            over |= load[d] > vh->capacity[d] + 1e-9;
        }
        if (over && add(l, ri, k, "load", 0))
            return -1;
        tasks += j->kind != REGIO_VRP_KIND_BREAK;
    }
    double end = t + leg(p, prev, vh->end, 0);
    cost += leg(p, prev, vh->end, 1);
    double end_late = end - vh->shift.end;
    if (isfinite(eb->end) && end - eb->end > end_late)
        end_late = end - eb->end;
    if (end_late > 1e-9 * (1.0 + fabs(end)) && add(l, ri, m, "delay", end_late))
        return -1;
    if (vh->max_tasks > 0 && tasks > vh->max_tasks && add(l, ri, m, "max_tasks", 0))
        return -1;
    for (int j = 0; j < p->n_jobs; j++) {
        if (p->jobs[j].kind != REGIO_VRP_KIND_BREAK || p->jobs[j].only_vehicle != v + 1)
            continue;
        int in = 0;
        for (int k = 0; k < m && !in; k++)
            in = r->steps[k].job == j;
        if (!in && add(l, ri, m, "missing_break", 0))
            return -1;
    }
    r->end_time = end;
    r->cost = cost;
    r->duration = end - r->start_time;
    return 0;
}

regio_err regio_route_plan_steps(regio_route_problem *p, regio_route_plan **out,
                                 regio_error *err)
{
    if (!p || !out)
        return regio__route_fail(err, REGIO_EINVAL, NULL, 0, NULL,
                                 "problem and out are required");
    *out = NULL;
    if (!p->has_steps || !p->veh_bounds)
        return regio__route_fail(err, REGIO_EDATA, NULL, 0, "vehicles",
                                 "plan mode needs vehicles with steps (VROOM's -c)");
    regio_route_plan *pl = regio_calloc(1, sizeof *pl);
    regio_vrp_solution *s = regio_calloc(1, sizeof *s);
    int *served = regio_calloc((size_t)(p->n_jobs ? p->n_jobs : 1), sizeof *served);
    vlist l = {0};
    if (!pl || !s || !served)
        goto oom;
    pl->solution = s;
    s->n_routes = p->n_veh;
    s->routes = regio_calloc((size_t)p->n_veh, sizeof *s->routes);
    s->unassigned = regio_calloc((size_t)(p->n_jobs ? p->n_jobs : 1), sizeof *s->unassigned);
    if (!s->routes || !s->unassigned)
        goto oom;
    /* the steps' bounds sit in p->step_tw in the order steps_buf holds them */
    for (int v = 0; v < p->n_veh; v++) {
        const regio_vrp_vehicle *vh = &p->veh[v];
        regio_vrp_route *r = &s->routes[v];
        r->vehicle = v;
        if (vh->n_steps <= 0)
            continue;
        r->n_steps = vh->n_steps;
        r->steps = regio_calloc((size_t)vh->n_steps, sizeof *r->steps);
        if (!r->steps)
            goto oom;
        for (int k = 0; k < vh->n_steps; k++) {
            r->steps[k].job = vh->steps[k];
            served[vh->steps[k]] = 1;
        }
        if (plan_route(p, v, r, p->step_tw + (vh->steps - p->steps_buf), &l))
            goto oom;
        s->total_cost += r->cost;
        s->total_duration += r->duration;
        s->vehicles_used++;
    }
    for (int j = 0; j < p->n_jobs; j++) {
        if (served[j])
            continue;
        const regio_vrp_job *jb = &p->jobs[j];
        if (jb->kind == REGIO_VRP_KIND_BREAK &&
            p->veh[jb->only_vehicle - 1].n_steps == 0)
            continue; /* an unused vehicle's break */
        regio_vrp_unassigned *u = &s->unassigned[s->n_unassigned++];
        u->job = j;
        u->reason = REGIO_VRP_REASON_FLEET;
        snprintf(u->text, sizeof u->text, "in no vehicle's steps");
    }
    pl->n_violations = (int)l.n;
    pl->violations = l.v;
    regio_free(served);
    *out = pl;
    return REGIO_OK;
oom:
    regio_free(l.v);
    regio_free(served);
    if (pl && !pl->solution)
        regio_vrp_solution_destroy(s);
    regio_route_plan_destroy(pl);
    return regio__route_oom(err);
}
