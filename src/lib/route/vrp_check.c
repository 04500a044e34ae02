/*
 * Independent feasibility checker for VRP solutions. It shares no code with
 * the solver's incremental bookkeeping: it walks each reported route from
 * its start time, recomputes every arrival as previous departure + matrix
 * travel time, and verifies windows, shifts, capacities, skills, max_tasks,
 * that each job is served exactly once or listed unassigned, and the
 * reported costs; loads step by step as regio_vrp_job defines them,
 * shipments (both halves on one route, pickup first) and breaks (on their
 * own vehicle, none missing from a used route).
 * O(n_jobs + total steps * max windows).
 */
#include "regio/vrp.h"

#include "regio/format.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static double leg(const regio_vrp_problem *p, const double *m, int a, int b)
{
    if (a < 0 || b < 0)
        return 0.0;
    return m[(size_t)a * (size_t)p->n_locations + (size_t)b];
}

static int close_to(double a, double b)
{
    double tol = 1e-6 * (fabs(b) > 1.0 ? fabs(b) : 1.0);
    return fabs(a - b) <= tol;
}

static void violation(regio_vrp_check_report *rep, int *counter,
                      const char *fmt, ...)
{
    if (counter)
        (*counter)++;
    rep->n_violations++;
    if (rep->n_violations == 1) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(rep->first, sizeof rep->first, fmt, ap);
        va_end(ap);
    }
}

regio_err regio_vrp_check(const regio_vrp_problem *p,
                          const regio_vrp_solution *s,
                          regio_vrp_check_report *rep)
{
    if (!p || !s || !rep || p->n_jobs < 0 || p->n_vehicles < 0 ||
        p->n_dims < 0 || p->n_dims > REGIO_VRP_MAX_DIMS)
        return REGIO_EINVAL;
    memset(rep, 0, sizeof *rep);
    for (int r = 0; r < s->n_routes; r++) {
        const regio_vrp_route *rt = &s->routes[r];
        if (rt->vehicle < 0 || rt->vehicle >= p->n_vehicles ||
            (rt->n_steps > 0 && !rt->steps))
            return REGIO_EINVAL;
        for (int k = 0; k < rt->n_steps; k++)
            if (rt->steps[k].job < 0 || rt->steps[k].job >= p->n_jobs)
                return REGIO_EINVAL;
    }
    for (int u = 0; u < s->n_unassigned; u++)
        if (s->unassigned[u].job < 0 || s->unassigned[u].job >= p->n_jobs)
            return REGIO_EINVAL;

    int *seen = regio_calloc(p->n_jobs > 0 ? (size_t)p->n_jobs : 1, sizeof *seen);
    int *veh_used = regio_calloc(p->n_vehicles > 0 ? (size_t)p->n_vehicles : 1,
                                 sizeof *veh_used);
    if (!seen || !veh_used) {
        regio_free(seen);
        regio_free(veh_used);
        return REGIO_ENOMEM;
    }

    double total_cost = 0.0, total_dur = 0.0;
    for (int r = 0; r < s->n_routes; r++) {
        const regio_vrp_route *rt = &s->routes[r];
        const regio_vrp_vehicle *v = &p->vehicles[rt->vehicle];
        if (veh_used[rt->vehicle]++ && rt->n_steps > 0)
            violation(rep, &rep->duplicate_jobs,
                      "vehicle %d has more than one route", rt->vehicle);
        if (rt->n_steps == 0)
            continue;
        rep->vehicles_used++;
        double load[REGIO_VRP_MAX_DIMS] = {0}, peak[REGIO_VRP_MAX_DIMS];
        for (int k = 0; k < rt->n_steps; k++) {
            const regio_vrp_job *j = &p->jobs[rt->steps[k].job];
            if (j->kind == REGIO_VRP_KIND_JOB)
                for (int d = 0; d < p->n_dims; d++)
                    load[d] += j->amount[d];
        }
        memcpy(peak, load, sizeof peak);
        int tasks = 0;
        double t = rt->start_time, cost = 0.0;
        char n1[32], n2[32];
        if (t < v->shift.start - 1e-9 * (1 + fabs(v->shift.start)))
            violation(rep, &rep->shift_violations,
                      "route of vehicle %d leaves at %s before its shift "
                      "starts at %s", rt->vehicle, regio_format_g15(t, n1),
                      regio_format_g15(v->shift.start, n2));
        int prev = v->start;
        for (int k = 0; k < rt->n_steps; k++) {
            const regio_vrp_step *st = &rt->steps[k];
            const regio_vrp_job *j = &p->jobs[st->job];
            if (seen[st->job]++)
                violation(rep, &rep->duplicate_jobs, "job %d is served twice",
                          st->job);
            double arrival = t + leg(p, p->duration, prev, j->location);
            if (!close_to(st->arrival, arrival))
                violation(rep, &rep->time_mismatches,
                          "job %d: reported arrival %.6f, matrix gives %.6f",
                          st->job, st->arrival, arrival);
            /* Judge the service start the route claims, but never earlier
             * than the vehicle can actually be there. */
            double start = st->service_start;
            if (start < arrival - 1e-6 * (1 + fabs(arrival))) {
                violation(rep, &rep->time_mismatches,
                          "job %d: service starts at %.6f before arrival %.6f",
                          st->job, start, arrival);
                start = arrival;
            }
            if (!close_to(st->waiting, st->service_start - st->arrival) ||
                !close_to(st->departure, st->service_start + j->service))
                violation(rep, &rep->time_mismatches,
                          "job %d: waiting or departure inconsistent", st->job);
            int in_window = j->n_tws <= 0 || !j->tws;
            for (int w = 0; !in_window && w < j->n_tws; w++)
                if (start >= j->tws[w].start - 1e-6 &&
                    start <= j->tws[w].end + 1e-6)
                    in_window = 1;
            if (!in_window)
                violation(rep, &rep->late_steps,
                          "job %d: service at %.6f is outside its windows",
                          st->job, start);
            if (j->skills & ~v->skills)
                violation(rep, &rep->skill_violations,
                          "job %d needs skills vehicle %d lacks", st->job,
                          rt->vehicle);
            if (j->only_vehicle && j->only_vehicle != rt->vehicle + 1)
                violation(rep, &rep->skill_violations,
                          "job %d is for vehicle %d, not %d", st->job,
                          j->only_vehicle - 1, rt->vehicle);
            if (j->kind == REGIO_VRP_KIND_PICKUP || j->kind == REGIO_VRP_KIND_DELIVERY) {
                /* the other half must be on this route, on the right side */
                int o = j->pair - 1, at = -1;
                for (int q = 0; q < rt->n_steps; q++)
                    if (rt->steps[q].job == o)
                        at = q;
                if (at < 0 || (j->kind == REGIO_VRP_KIND_PICKUP) != (at > k))
                    violation(rep, &rep->precedence_violations,
                              "shipment half %d: its %s %d is %s", st->job,
                              j->kind == REGIO_VRP_KIND_PICKUP ? "delivery" : "pickup", o,
                              at < 0 ? "not on the route" : "on the wrong side");
            }
            for (int d = 0; d < p->n_dims; d++) {
                if (j->kind != REGIO_VRP_KIND_PICKUP)
                    load[d] -= j->amount[d];
                if (j->kind != REGIO_VRP_KIND_DELIVERY)
                    load[d] += j->pickup[d];
                if (load[d] > peak[d])
                    peak[d] = load[d];
            }
            tasks += j->kind != REGIO_VRP_KIND_BREAK;
            cost += leg(p, p->cost, prev, j->location);
            t = start + j->service;
            if (j->location >= 0)
                prev = j->location;
        }
        for (int j = 0; j < p->n_jobs; j++)
            if (p->jobs[j].kind == REGIO_VRP_KIND_BREAK &&
                p->jobs[j].only_vehicle == rt->vehicle + 1 && tasks > 0 && !seen[j])
                violation(rep, &rep->missing_jobs,
                          "vehicle %d serves tasks without its break %d", rt->vehicle, j);
        double end = t + leg(p, p->duration, prev, v->end);
        cost += leg(p, p->cost, prev, v->end);
        if (!close_to(rt->end_time, end))
            violation(rep, &rep->time_mismatches,
                      "vehicle %d: reported end %.6f, matrix gives %.6f",
                      rt->vehicle, rt->end_time, end);
        if (end > v->shift.end + 1e-6 * (1 + fabs(v->shift.end)))
            violation(rep, &rep->shift_violations,
                      "vehicle %d ends at %.6f after its shift end %.6f",
                      rt->vehicle, end, v->shift.end);
        for (int d = 0; d < p->n_dims; d++)
            if (peak[d] > v->capacity[d] + 1e-9 * (1 + fabs(v->capacity[d])))
                violation(rep, &rep->capacity_violations,
                          "vehicle %d carries %s > capacity %s (dim %d)", rt->vehicle,
                          regio_format_g15(peak[d], n1),
                          regio_format_g15(v->capacity[d], n2), d);
        if (v->max_tasks > 0 && tasks > v->max_tasks)
            violation(rep, &rep->max_tasks_violations,
                      "vehicle %d has %d tasks > max %d", rt->vehicle,
                      tasks, v->max_tasks);
        if (!close_to(rt->cost, cost))
            violation(rep, &rep->cost_mismatch,
                      "vehicle %d: reported cost %.6f, matrix gives %.6f",
                      rt->vehicle, rt->cost, cost);
        total_cost += cost;
        total_dur += end - rt->start_time;
        rep->served += tasks;
    }
    for (int u = 0; u < s->n_unassigned; u++) {
        int j = s->unassigned[u].job;
        if (seen[j]++)
            violation(rep, &rep->duplicate_jobs,
                      "job %d is listed unassigned but is served or listed "
                      "twice", j);
    }
    for (int j = 0; j < p->n_jobs; j++)
        if (!seen[j] && p->jobs[j].kind != REGIO_VRP_KIND_BREAK)
            violation(rep, &rep->missing_jobs,
                      "job %d is neither served nor listed unassigned", j);
    if (!close_to(s->total_cost, total_cost))
        violation(rep, &rep->cost_mismatch,
                  "reported total cost %.6f, matrix gives %.6f", s->total_cost,
                  total_cost);
    rep->cost = total_cost;
    rep->duration = total_dur;
    rep->feasible = rep->n_violations == 0;
    regio_free(seen);
    regio_free(veh_used);
    return REGIO_OK;
}
