/*
 * VRP routes with pickup-and-delivery shipments, job pickups and breaks:
 * the cases the incremental slack bookkeeping of vrp_route.c does not cover
 * (the load varies along the route, two jobs must share a route in order,
 * a break happens wherever the vehicle is).
 *
 * Method. Every trial route is evaluated whole, from its start: times with
 * the earliest service start in the first reachable window, loads as VROOM
 * defines them (plain jobs' deliveries on board from the start, pickups
 * carried to the end, a shipment's amount on board from its pickup to its
 * delivery), precedence by a per-job stamp. A job's best insertion tries
 * every position; a shipment's tries every pair of positions, pickup first
 * (the exact but cubic form of the pickup-and-delivery insertion of Ropke
 * & Pisinger, Transportation Science 2006).
 *
 * Invariants: a route is accepted only if regio__vrp_eval says it is
 * feasible; both halves of a shipment are in the same route or both out.
 * Complexity: eval O(m); a job's insertion O(m^2), a shipment's O(m^3) for a
 * route of m jobs — meant for the tens of tasks a vehicle serves in a day.
 */
#include "route/vrp_internal.h"

#include <string.h>

int regio__vrp_eval(regio__vsolver *s, int veh, const int *jobs, int m,
                    double *cost)
{
    const regio_vrp_vehicle *v = &s->p->vehicles[veh];
    double load[REGIO_VRP_MAX_DIMS] = {0};
    for (int i = 0; i < m; i++) {
        const regio__vjob *j = &s->job[jobs[i]];
        if (j->kind == REGIO_VRP_KIND_JOB)
            for (int d = 0; d < s->nd; d++)
                load[d] += j->amt[d];
    }
    for (int d = 0; d < s->nd; d++)
        if (load[d] > v->capacity[d] + 1e-9)
            return REGIO__VRP_BAD_LOAD;
    if (++s->mark_stamp == 0x7fffffff) {
        memset(s->mark, 0, (size_t)s->nj * sizeof *s->mark);
        s->mark_stamp = 1;
    }
    int stamp = s->mark_stamp, open = 0, ntask = 0, prev = v->start;
    double t = v->shift.start, c = 0.0;
    for (int i = 0; i < m; i++) {
        int jb = jobs[i];
        const regio__vjob *j = &s->job[jb];
        const regio_vrp_job *q = &s->p->jobs[jb];
        if ((j->only_veh >= 0 && j->only_veh != veh) || (q->skills & ~v->skills))
            return REGIO__VRP_BAD_VEHICLE;
        double a = t;
        if (j->loc >= 0) {
            a += regio__vrp_dur(s, prev, j->loc);
            c += regio__vrp_cst(s, prev, j->loc);
            prev = j->loc;
        }
        if (j->kind != REGIO_VRP_KIND_BREAK)
            ntask++;
        double st = regio__vrp_tw_start(j, a);
        if (st == INFINITY)
            return REGIO__VRP_BAD_TIME;
        t = st + j->serv;
        switch (j->kind) {
        case REGIO_VRP_KIND_JOB:
            for (int d = 0; d < s->nd; d++)
                load[d] += j->pick[d] - j->amt[d];
            break;
        case REGIO_VRP_KIND_PICKUP:
            if (j->pair < 0)
                return REGIO__VRP_BAD_PAIR;
            s->mark[jb] = stamp;
            open++;
            for (int d = 0; d < s->nd; d++)
                load[d] += j->pick[d];
            break;
        case REGIO_VRP_KIND_DELIVERY:
            if (j->pair < 0 || s->mark[j->pair] != stamp)
                return REGIO__VRP_BAD_PAIR;
            open--;
            for (int d = 0; d < s->nd; d++)
                load[d] -= j->amt[d];
            break;
        default:
            break;
        }
        for (int d = 0; d < s->nd; d++)
            if (load[d] > v->capacity[d] + 1e-9)
                return REGIO__VRP_BAD_LOAD;
    }
    if (open != 0)
        return REGIO__VRP_BAD_PAIR;
    if (v->max_tasks > 0 && ntask > v->max_tasks)
        return REGIO__VRP_BAD_TASKS;
    t += regio__vrp_dur(s, prev, v->end);
    c += regio__vrp_cst(s, prev, v->end);
    if (t > v->shift.end + REGIO__VRP_TIME_EPS(v->shift.end))
        return REGIO__VRP_BAD_TIME;
    if (cost)
        *cost = ntask ? c : 0.0;
    return REGIO__VRP_OK;
}

int regio__vrp_general_best(regio__vsolver *s, const regio__vroute *r, int jb,
                            double *delta, int *after, int *after2)
{
    const regio__vjob *j = &s->job[jb];
    int m = r->m, *tmp = s->tmp, found = 0;
    double bd = INFINITY;
    if (j->kind == REGIO_VRP_KIND_PICKUP) {
        int dl = j->pair;
        for (int i = 0; i <= m; i++) {
            for (int k = i; k <= m; k++) {
                /* jobs[0..i) P jobs[i..k) D jobs[k..m) */
                int n = 0;
                memcpy(tmp, r->jobs, (size_t)i * sizeof *tmp);
                n = i;
                tmp[n++] = jb;
                memcpy(tmp + n, r->jobs + i, (size_t)(k - i) * sizeof *tmp);
                n += k - i;
                tmp[n++] = dl;
                memcpy(tmp + n, r->jobs + k, (size_t)(m - k) * sizeof *tmp);
                n += m - k;
                double c;
                if (regio__vrp_eval(s, r->veh, tmp, n, &c) == REGIO__VRP_OK &&
                    c - r->cost < bd) {
                    bd = c - r->cost;
                    *after = i;
                    *after2 = k + 1;
                    found = 1;
                }
            }
        }
    } else {
        for (int i = 0; i <= m; i++) {
            memcpy(tmp, r->jobs, (size_t)i * sizeof *tmp);
            tmp[i] = jb;
            memcpy(tmp + i + 1, r->jobs + i, (size_t)(m - i) * sizeof *tmp);
            double c;
            if (regio__vrp_eval(s, r->veh, tmp, m + 1, &c) == REGIO__VRP_OK &&
                c - r->cost < bd) {
                bd = c - r->cost;
                *after = i;
                *after2 = -1;
                found = 1;
            }
        }
    }
    *delta = bd;
    return found;
}

/* Cuts route r's breaks (breaks_only) or all its jobs into s->removed. */
static void cut_if(regio__vsolver *s, regio__vsol *x, regio__vroute *r, int breaks_only)
{
    for (int i = r->m; i >= 1; i--)
        if (!breaks_only || s->job[r->jobs[i - 1]].kind == REGIO_VRP_KIND_BREAK)
            regio__vrp_route_cut(s, x, r, i, i + 1);
    regio__vrp_route_update(s, x, r);
}

void regio__vrp_general_unpair(regio__vsolver *s, regio__vsol *x)
{
    /* s->removed grows while it is walked: partners join the list. */
    for (int k = 0; k < s->n_removed; k++) {
        int p = s->job[s->removed[k]].pair;
        if (p < 0 || x->where[p] < 0)
            continue;
        regio__vroute *r = &x->r[x->where[p]];
        int i = x->pos[p];
        regio__vrp_route_cut(s, x, r, i, i + 1);
        regio__vrp_route_update(s, x, r);
    }
    /* Removing a job can make a route late when a break follows it: the
     * break happens where the vehicle is, so the leg after the break now
     * starts elsewhere. Such routes give up their breaks (recreate puts
     * them back first), and, should the matrix break the triangle
     * inequality, everything. */
    for (int v = 0; v < s->nv; v++) {
        regio__vroute *r = &x->r[v];
        if (r->m == 0 || regio__vrp_eval(s, v, r->jobs, r->m, NULL) == REGIO__VRP_OK)
            continue;
        cut_if(s, x, r, 1);
        if (regio__vrp_eval(s, v, r->jobs, r->m, NULL) != REGIO__VRP_OK)
            cut_if(s, x, r, 0);
    }
}
