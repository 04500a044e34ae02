/*
 * VRP setup: problem validation and the solver's static data.
 *
 * Method. Validation checks shapes, ranges and window order and says what
 * is wrong. Setup copies each job's windows with ends padded by a relative
 * 1e-9, tests for every job and vehicle whether the vehicle can serve the
 * job alone (skills, capacity, max_tasks, a reachable window within the
 * shift) and records why unservable jobs are, groups identical vehicles
 * into classes, and sorts for every job the other jobs by cost both ways
 * (all of them up to 2000 jobs, the nearest 200 above).
 *
 * Invariants: compat[j * nv + v] is set only when vehicle v can serve job j
 * alone; vcls[v] is the lowest index of a vehicle identical to v; neighbour
 * rows ascend by cost, ties by index, padded with -1. Complexity:
 * O(n_jobs x n_vehicles + n_vehicles^2) for compatibility and classes;
 * O(n_jobs^2 log n_jobs) time and O(n_jobs x k) memory for neighbours.
 */
#include "route/vrp_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NEIGH_CAP 200      /* neighbour list length above 2000 jobs */

regio_err regio__vrp_validate(const regio_vrp_problem *p, regio_error *err)
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
        if ((jb->location < 0 && jb->kind != REGIO_VRP_KIND_BREAK) ||
            jb->location < -1 || jb->location >= p->n_locations)
            why = "a job's location is out of range";
        else if (!(jb->service >= 0) || !isfinite(jb->service))
            why = "a job's service time is negative or not finite";
        else if (jb->n_tws < 0 || (jb->n_tws > 0 && !jb->tws))
            why = "a job's windows are missing";
        else if (jb->priority < 0 || jb->priority > REGIO_VRP_MAX_PRIORITY)
            why = "a job's priority is outside 0..1000";
        else if (jb->kind < REGIO_VRP_KIND_JOB || jb->kind > REGIO_VRP_KIND_BREAK)
            why = "a job's kind is unknown";
        else if ((jb->kind == REGIO_VRP_KIND_PICKUP || jb->kind == REGIO_VRP_KIND_DELIVERY) &&
                 (jb->pair < 1 || jb->pair > p->n_jobs || jb->pair - 1 == j ||
                  p->jobs[jb->pair - 1].pair != j + 1 ||
                  p->jobs[jb->pair - 1].kind + jb->kind != 3))
            why = "a shipment's pickup and delivery do not name each other";
        else if ((jb->kind == REGIO_VRP_KIND_JOB || jb->kind == REGIO_VRP_KIND_BREAK) &&
                 jb->pair != 0)
            why = "a job that is no shipment half has a pair";
        else if (jb->only_vehicle < 0 || jb->only_vehicle > p->n_vehicles ||
                 (jb->kind == REGIO_VRP_KIND_BREAK && jb->only_vehicle == 0))
            why = "a job's only_vehicle is out of range (a break needs one)";
        for (int d = 0; !why && d < p->n_dims; d++)
            if (!(jb->amount[d] >= 0) || !(jb->pickup[d] >= 0))
                why = "a job's amount or pickup is negative";
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
        else if (vh->n_steps < 0 || (vh->n_steps > 0 && !vh->steps))
            why = "a vehicle's steps are missing";
    }
    /* each job in at most one vehicle's steps, at most once */
    int *in_steps = NULL;
    for (int v = 0; !why && v < p->n_vehicles; v++) {
        const regio_vrp_vehicle *vh = &p->vehicles[v];
        if (vh->n_steps <= 0)
            continue;
        if (!in_steps && !(in_steps = regio_calloc((size_t)p->n_jobs + 1, sizeof *in_steps)))
            return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
        for (int k = 0; !why && k < vh->n_steps; k++) {
            int j = vh->steps[k];
            if (j < 0 || j >= p->n_jobs)
                why = "a vehicle's step names no job";
            else if (in_steps[j]++)
                why = "a job is in the steps twice";
        }
    }
    regio_free(in_steps);
    if (!why)
        return REGIO_OK;
    return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "%s", why);
}

static int same_vehicle(const regio_vrp_vehicle *a, const regio_vrp_vehicle *b,
                        int nd)
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

void regio__vrp_solver_free(regio__vsolver *s)
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
    regio_free(s->tmp);
    regio_free(s->mark);
}

int regio__vrp_solver_init(regio__vsolver *s, const regio_vrp_problem *p,
                           uint64_t seed, regio_vrp_reason *reason)
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
    /* Unassigned weight: VROOM's order, the priority sum first, then the
     * number of jobs (priority * (nj + 1) + 1 per job); a break outweighs
     * every job together, so a used route keeps its vehicle's breaks. */
    int64_t per_prio = (int64_t)s->nj + 1;
    int64_t break_w = (int64_t)(REGIO_VRP_MAX_PRIORITY + 1) * per_prio * per_prio;
    s->tmp = regio_malloc((nj1 + 2) * sizeof(int));
    s->mark = regio_calloc(nj1, sizeof(int));
    if (!s->tmp || !s->mark)
        return -1;
    size_t ntw = 0;
    for (int j = 0; j < s->nj; j++)
        ntw += p->jobs[j].tws && p->jobs[j].n_tws > 0 ? (size_t)p->jobs[j].n_tws
                                                      : 0;
    s->tws = regio_malloc((ntw ? ntw : 1) * sizeof *s->tws);
    if (!s->tws)
        return -1;
    ntw = 0;
    for (int j = 0; j < s->nj; j++) {
        const regio_vrp_job *q = &p->jobs[j];
        regio__vjob *v = &s->job[j];
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
                s->tws[ntw + k].end =
                    q->tws[k].end + REGIO__VRP_TIME_EPS(q->tws[k].end);
            }
            ntw += v->n_tw;
        }
        v->tw_last = v->tw ? v->tw[v->n_tw - 1].end : INFINITY;
        for (int d = 0; d < s->nd; d++) {
            v->amt[d] = q->amount[d];
            v->pick[d] = q->pickup[d];
            if (q->pickup[d] > 0)
                s->general = 1;
        }
        v->kind = q->kind;
        v->pair = q->pair - 1;
        v->only_veh = q->only_vehicle - 1;
        if (q->kind != REGIO_VRP_KIND_JOB || q->only_vehicle)
            s->general = 1;
        v->weight = q->kind == REGIO_VRP_KIND_BREAK ? break_w
                                                    : per_prio * q->priority + 1;
        if (q->priority > 0)
            s->has_priority = 1;
        v->far = s->nv > 0
                     ? regio__vrp_cst(s, p->vehicles[0].start, q->location)
                     : 0.0;
    }
    /* static feasibility: can vehicle v serve job j alone? */
    for (int j = 0; j < s->nj; j++) {
        const regio_vrp_job *q = &p->jobs[j];
        int skill = 0, capok = 0, alone = 0;
        for (int v = 0; v < s->nv; v++) {
            const regio_vrp_vehicle *vh = &p->vehicles[v];
            if ((q->skills & ~vh->skills) || (q->only_vehicle && q->only_vehicle != v + 1))
                continue;
            skill = 1;
            int fits = 1;
            for (int d = 0; d < s->nd; d++)
                if (q->amount[d] > vh->capacity[d] + 1e-9 ||
                    q->pickup[d] > vh->capacity[d] + 1e-9)
                    fits = 0;
            if (vh->max_tasks < 0)
                fits = 0;
            if (!fits)
                continue;
            capok = 1;
            double st = regio__vrp_tw_start(
                &s->job[j],
                vh->shift.start + regio__vrp_dur(s, vh->start, q->location));
            if (st == INFINITY)
                continue;
            if (st + q->service + regio__vrp_dur(s, q->location, vh->end) >
                vh->shift.end + REGIO__VRP_TIME_EPS(vh->shift.end))
                continue;
            alone = 1;
            s->compat[(size_t)j * s->nv + v] = 1;
        }
        reason[j] = s->nv == 0 ? REGIO_VRP_REASON_FLEET
                    : !skill ? REGIO_VRP_REASON_SKILLS
                    : !capok ? REGIO_VRP_REASON_CAPACITY
                    : !alone ? REGIO_VRP_REASON_TIME_WINDOW
                             : REGIO_VRP_REASON_NONE;
    }
    /* A shipment's halves share a vehicle: each may use only the vehicles
     * both can; a half the other cannot follow takes the other's reason. */
    for (int j = 0; j < s->nj; j++) {
        int o = s->job[j].pair;
        if (o < 0)
            continue;
        int any = 0;
        for (int v = 0; v < s->nv; v++) {
            unsigned char *a = &s->compat[(size_t)j * s->nv + v];
            *a = *a && s->compat[(size_t)o * s->nv + v];
            any |= *a;
        }
        if (!any && !reason[j])
            reason[j] = reason[o] ? reason[o] : REGIO_VRP_REASON_TIME_WINDOW;
    }
    for (int j = 0; j < s->nj; j++)
        if (!reason[j])
            s->servable[s->n_servable++] = j;
    if (s->general)
        for (int v = 0; v < s->nv; v++)
            s->vcls[v] = v; /* breaks make vehicles differ: no classes */
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
                all[c].key =
                    regio__vrp_cst(s, l, lk) + regio__vrp_cst(s, lk, l);
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
