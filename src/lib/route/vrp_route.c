/*
 * VRP route state: job arrays of routes with their forward / backward time
 * slack, and whole solutions (routes plus job -> route index).
 *
 * Method. route_update makes one forward pass computing est[] (earliest
 * service start per position, Savelsbergh's forward time slack) with load
 * and cost, and one backward pass computing lat[] (latest arrival per
 * position that keeps the suffix feasible). Feasible arrival times at a
 * position form a set (-inf, lat], also with several windows per job,
 * because the earliest service start is monotone in the arrival time; so
 * inserting a job between positions i and i+1 is checked in O(windows) by
 * est[i] -> job -> lat[i+1] (the hard-window case of Vidal's
 * concatenation).
 *
 * Invariants: after route_update, est[], lat[], load, cost and the where /
 * pos index of the route's jobs are exact; est[] and lat[] are
 * nondecreasing (durations >= 0). route_cut leaves the route stale until
 * the caller updates it. Complexity: route_update O(route length x
 * windows); sol_copy O(n_jobs + n_vehicles); arrays grow by doubling.
 */
#include "route/vrp_internal.h"
#include "core/grow.h"

#include <limits.h>
#include <string.h>

int regio__vrp_route_reserve(regio__vroute *r, int m)
{
    if (m <= r->cap)
        return 0;
    /* est and lat hold two more slots than jobs: the start and the end */
    size_t cj = (size_t)r->cap, ce = r->cap ? (size_t)r->cap + 2 : 0, cl = ce;
    if (regio__grow(&r->jobs, &cj, (size_t)m, sizeof *r->jobs) || cj > INT_MAX - 2 ||
        regio__grow(&r->est, &ce, cj + 2, sizeof *r->est) ||
        regio__grow(&r->lat, &cl, cj + 2, sizeof *r->lat))
        return -1;
    r->cap = (int)cj;
    return 0;
}

/* Recomputes est, lat, load, cost and the job positions of route r. */
void regio__vrp_route_update(regio__vsolver *s, regio__vsol *x,
                             regio__vroute *r)
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
        const regio__vjob *j = &s->job[jb];
        x->where[jb] = r->veh;
        x->pos[jb] = i;
        for (int d = 0; d < s->nd; d++)
            r->load[d] += j->amt[d];
        double st = regio__vrp_tw_start(j, t + regio__vrp_dur(s, prev, j->loc));
        r->est[i] = st;
        cost += regio__vrp_cst(s, prev, j->loc);
        t = st + j->serv;
        prev = j->loc;
    }
    r->est[m + 1] = t + regio__vrp_dur(s, prev, v->end);
    cost += regio__vrp_cst(s, prev, v->end);
    if (m == 0)
        cost = 0.0;
    r->lat[m + 1] = v->shift.end + REGIO__VRP_TIME_EPS(v->shift.end);
    int next = v->end;
    for (int i = m; i >= 1; i--) {
        const regio__vjob *j = &s->job[r->jobs[i - 1]];
        r->lat[i] = regio__vrp_tw_latest(
            j, r->lat[i + 1] - j->serv - regio__vrp_dur(s, j->loc, next));
        next = j->loc;
    }
    r->lat[0] = r->lat[1] - regio__vrp_dur(s, v->start, next);
    r->cost = cost;
    r->ntask = m;
    if (s->general) {
        /* Breaks do not count as tasks and happen where the vehicle is; the
         * whole-route evaluation gives the cost (the route is feasible). */
        r->ntask = 0;
        for (int i = 0; i < m; i++)
            r->ntask += s->job[r->jobs[i]].kind != REGIO_VRP_KIND_BREAK;
        double c = 0.0;
        if (regio__vrp_eval(s, r->veh, r->jobs, m, &c) == REGIO__VRP_OK)
            r->cost = c;
    }
}

void regio__vrp_sol_totals(regio__vsolver *s, regio__vsol *x)
{
    x->cost = 0.0;
    x->used = 0;
    for (int v = 0; v < s->nv; v++) {
        x->cost += x->r[v].cost;
        x->used += x->r[v].ntask > 0;
    }
    x->uweight = 0;
    for (int k = 0; k < x->n_unassigned; k++)
        x->uweight += s->job[x->unassigned[k]].weight;
}

int regio__vrp_sol_init(regio__vsolver *s, regio__vsol *x)
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
        if (regio__vrp_route_reserve(&x->r[v], 8))
            return -1;
        regio__vrp_route_update(s, x, &x->r[v]);
    }
    return 0;
}

void regio__vrp_sol_free(regio__vsolver *s, regio__vsol *x)
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
int regio__vrp_sol_copy(regio__vsolver *s, regio__vsol *dst,
                        const regio__vsol *src)
{
    for (int v = 0; v < s->nv; v++) {
        const regio__vroute *a = &src->r[v];
        regio__vroute *b = &dst->r[v];
        if (regio__vrp_route_reserve(b, a->m))
            return -1;
        b->veh = a->veh;
        b->m = a->m;
        b->ntask = a->ntask;
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
void regio__vrp_route_cut(regio__vsolver *s, regio__vsol *x, regio__vroute *r,
                          int from, int to)
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

int regio__vrp_route_insert(regio__vsolver *s, regio__vsol *x, regio__vroute *r,
                            int after, int jb)
{
    if (regio__vrp_route_reserve(r, r->m + 1))
        return -1;
    memmove(&r->jobs[after + 1], &r->jobs[after],
            (size_t)(r->m - after) * sizeof(int));
    r->jobs[after] = jb;
    r->m++;
    regio__vrp_route_update(s, x, r);
    return 0;
}
