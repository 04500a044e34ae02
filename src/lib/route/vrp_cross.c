/*
 * VRP crossover: a route-based recombination of two solutions, after the
 * selective route exchange (SREX) of Nagata & Kobayashi (2010), for the
 * cost phase's restarts from elite solutions (vrp_solve.c).
 *
 * Method. The child starts as a copy of parent A. A few routes of parent B
 * close to a random seed job (the seed's route and those holding its
 * nearest jobs in B) are carried over whole: their jobs are taken out of
 * the child's routes, each carried route replaces the child's route of an
 * identical vehicle that has fewest jobs left, the jobs left on the
 * replaced routes are reinserted by recreate. The child thus keeps most of
 * A's routes and a region of B's, a structure neither parent has and which
 * a string-removal walk from A rarely reaches (whole routes move at once).
 *
 * Invariants: the child is a feasible solution: a route of B is feasible
 * on an identical vehicle (checked all the same, and reinserted job by job
 * if not), and taking jobs out of a route keeps it feasible as in the ruin
 * (vrp_ruin.c), travel times obeying the triangle inequality; jobs that fit
 * nowhere are left unassigned. Only for problems without shipments,
 * pickups or breaks (the caller checks). Complexity: O(n_jobs +
 * n_vehicles) plus the recreate of the freed jobs.
 */
#include "route/vrp_internal.h"

#include <string.h>

/* Carries over at most this many routes of B (and at least one). */
#define CROSS_MAX_ROUTES 6

/* Whether job c's route is the same in x and y (same jobs, same order). */
static int same_route(const regio__vsol *x, const regio__vsol *y, int c)
{
    if (x->where[c] < 0)
        return 0;
    const regio__vroute *a = &x->r[x->where[c]], *b = &y->r[y->where[c]];
    return a->m == b->m && !memcmp(a->jobs, b->jobs, (size_t)a->m * sizeof *a->jobs);
}

/* Replaces child (a copy of A) by a recombination of it with b; -1 on
 * allocation failure. */
int regio__vrp_cross(regio__vsolver *s, regio__vsol *child, const regio__vsol *b)
{
    s->n_removed = 0;
    int assigned = s->n_servable - b->n_unassigned;
    if (assigned <= 0 || child->used <= 1 || b->used <= 1)
        return 0;
    /* the seed: a random job B serves on a route the child does not have
     * (elites share many routes; carrying over a shared one changes
     * nothing), else any job B serves */
    int seed = -1, any = -1;
    for (int tries = 0; tries < 64 && seed < 0; tries++) {
        int c = s->servable[regio_rng_below(&s->rng, (uint64_t)s->n_servable)];
        if (b->where[c] < 0)
            continue;
        any = c;
        if (!same_route(child, b, c))
            seed = c;
    }
    if (seed < 0)
        seed = any;
    if (seed < 0)
        return 0;
    int kmax = b->used / 4 < 1 ? 1 : b->used / 4;
    if (kmax > CROSS_MAX_ROUTES)
        kmax = CROSS_MAX_ROUTES;
    int k = 1 + (int)regio_rng_below(&s->rng, (uint64_t)kmax);
    /* B's routes to carry over, nearest the seed first */
    memset(s->route_hit, 0, (size_t)s->nv);
    int *pick = s->tmp, n_pick = 0;
    for (int i = -1; i < s->k_neigh && n_pick < k; i++) {
        int c = i < 0 ? seed : s->neigh[(size_t)seed * s->k_neigh + i];
        if (c < 0)
            break;
        int v = b->where[c];
        if (v < 0 || s->route_hit[v])
            continue;
        s->route_hit[v] = 1;
        pick[n_pick++] = v;
    }
    /* their jobs leave the child's routes (and its unassigned list) */
    if (++s->mark_stamp == 0x7fffffff) {
        memset(s->mark, 0, (size_t)s->nj * sizeof *s->mark);
        s->mark_stamp = 1;
    }
    int stamp = s->mark_stamp;
    for (int q = 0; q < n_pick; q++) {
        const regio__vroute *rb = &b->r[pick[q]];
        for (int i = 0; i < rb->m; i++)
            s->mark[rb->jobs[i]] = stamp;
    }
    for (int v = 0; v < s->nv; v++) {
        regio__vroute *r = &child->r[v];
        int m = 0;
        for (int i = 0; i < r->m; i++)
            if (s->mark[r->jobs[i]] != stamp)
                r->jobs[m++] = r->jobs[i];
        if (m != r->m) {
            r->m = m;
            regio__vrp_route_update(s, child, r);
        }
    }
    int nu = 0;
    for (int i = 0; i < child->n_unassigned; i++)
        if (s->mark[child->unassigned[i]] != stamp)
            child->unassigned[nu++] = child->unassigned[i];
    child->n_unassigned = nu;
    /* each carried route replaces the child's route of an identical
     * vehicle with fewest jobs left, whose jobs go to recreate */
    memset(s->route_hit, 0, (size_t)s->nv);
    for (int q = 0; q < n_pick; q++) {
        const regio__vroute *rb = &b->r[pick[q]];
        int host = -1;
        for (int v = 0; v < s->nv; v++)
            if (!s->route_hit[v] && s->vcls[v] == s->vcls[rb->veh] &&
                (host < 0 || child->r[v].m < child->r[host].m))
                host = v;
        if (host < 0) {
            /* no identical vehicle left: the route's jobs are reinserted */
            for (int i = 0; i < rb->m; i++) {
                child->where[rb->jobs[i]] = -1;
                s->removed[s->n_removed++] = rb->jobs[i];
            }
            continue;
        }
        s->route_hit[host] = 1;
        regio__vroute *r = &child->r[host];
        for (int i = 0; i < r->m; i++) {
            child->where[r->jobs[i]] = -1;
            s->removed[s->n_removed++] = r->jobs[i];
        }
        if (regio__vrp_route_reserve(r, rb->m))
            return -1;
        memcpy(r->jobs, rb->jobs, (size_t)rb->m * sizeof *r->jobs);
        r->m = rb->m;
        regio__vrp_route_update(s, child, r);
        if (r->m > 0 && !(r->lat[0] >= r->est[0])) {
            /* not feasible on this vehicle after all: out whole */
            for (int i = 0; i < r->m; i++) {
                child->where[r->jobs[i]] = -1;
                s->removed[s->n_removed++] = r->jobs[i];
            }
            r->m = 0;
            regio__vrp_route_update(s, child, r);
        }
    }
    return regio__vrp_recreate(s, child, 0);
}
