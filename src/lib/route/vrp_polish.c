/*
 * VRP polish: a final descent with relocate and 2-opt* on the best
 * solution.
 *
 * Method. Relocate takes each job out and puts it at the cheapest feasible
 * position over all used routes when that beats its old place (first
 * improvement per job). 2-opt* (Potvin & Rousseau 1995) swaps the tails of
 * two routes after positions a and b when the two new edges cost less than
 * the two removed ones; feasibility of each new tail is checked by
 * simulating it from est[], stopping early once it meets the old schedule.
 * Rounds alternate both until neither improves, at most 50, or the
 * deadline passes.
 *
 * Invariants: routes stay feasible; a 2-opt* swap that turns out not to
 * lower the cost (depot legs of an emptied route) is undone; totals are
 * recomputed after each operator. Complexity: relocate O(n_jobs x all
 * positions) per round; 2-opt* O(sum over route pairs of m_A x m_B) checks,
 * each O(tail) in the worst case.
 */
#include "route/vrp_internal.h"

#include <math.h>
#include <string.h>

/* Tries to move each job to a cheaper feasible position; first improvement. */
static int polish_relocate(regio__vsolver *s, regio__vsol *x, int *improved,
                           double deadline)
{
    *improved = 0;
    for (int jb = 0; jb < s->nj; jb++) {
        if ((jb & 63) == 0 && regio__vrp_now_s() > deadline)
            break;
        int v = x->where[jb];
        if (v < 0)
            continue;
        regio__vroute *r = &x->r[v];
        int i = x->pos[jb];
        int lp = regio__vrp_loc_at(s, r, i - 1),
            ln = regio__vrp_loc_at(s, r, i + 1);
        double gain = regio__vrp_cst(s, lp, s->job[jb].loc) +
                      regio__vrp_cst(s, s->job[jb].loc, ln) -
                      regio__vrp_cst(s, lp, ln);
        if (r->m == 1)
            gain = r->cost;
        /* remove, look for a better place, put back if none */
        s->n_removed = 0;
        regio__vrp_route_cut(s, x, r, i, i + 1);
        regio__vrp_route_update(s, x, r);
        s->n_removed = 0;
        int bv = -1, bp = -1;
        double bd = gain - 1e-9;
        for (int u = 0; u < s->nv; u++) {
            regio__vroute *q = &x->r[u];
            if (q->m == 0 || !s->compat[(size_t)jb * s->nv + u] ||
                !regio__vrp_fits_load(s, q, &s->job[jb]))
                continue;
            double d;
            int p = regio__vrp_best_in_route(s, q, jb, 0, &d);
            if (p >= 0 && d < bd) {
                bd = d;
                bv = u;
                bp = p;
            }
        }
        if (bv < 0) {
            if (regio__vrp_route_insert(s, x, r, i - 1, jb))
                return -1;
        } else {
            if (regio__vrp_route_insert(s, x, &x->r[bv], bp, jb))
                return -1;
            *improved = 1;
        }
    }
    regio__vrp_sol_totals(s, x);
    return 0;
}

/* 2-opt* between two routes: tails after positions a (route A) and b
 * (route B) are swapped. Checked by simulating the new tail from est. */
static int tail_ok(regio__vsolver *s, const regio__vroute *A, int a,
                   const regio__vroute *B, int b, const regio_vrp_vehicle *va,
                   double *load_out)
{
    /* new route: A[0..a] + B[b+1..mB] ending at A's end */
    int prev = regio__vrp_loc_at(s, A, a);
    double t = A->est[a] + regio__vrp_serv_at(s, A, a);
    int nt = a;
    for (int d = 0; d < s->nd; d++)
        load_out[d] = 0.0;
    for (int i = 1; i <= a; i++)
        for (int d = 0; d < s->nd; d++)
            load_out[d] += s->job[A->jobs[i - 1]].amt[d];
    for (int i = b + 1; i <= B->m; i++) {
        const regio__vjob *j = &s->job[B->jobs[i - 1]];
        double st = regio__vrp_tw_start(j, t + regio__vrp_dur(s, prev, j->loc));
        if (st == INFINITY)
            return 0;
        if (st <= B->est[i] && va->end == s->p->vehicles[B->veh].end &&
            va->shift.end == s->p->vehicles[B->veh].shift.end) {
            /* rest of B is unchanged and already feasible from here */
            for (int k = i; k <= B->m; k++)
                for (int d = 0; d < s->nd; d++)
                    load_out[d] += s->job[B->jobs[k - 1]].amt[d];
            nt += B->m - i + 1;
            goto check;
        }
        for (int d = 0; d < s->nd; d++)
            load_out[d] += j->amt[d];
        t = st + j->serv;
        prev = j->loc;
        nt++;
    }
    if (t + regio__vrp_dur(s, prev, va->end) >
        va->shift.end + REGIO__VRP_TIME_EPS(va->shift.end))
        return 0;
check:
    for (int d = 0; d < s->nd; d++)
        if (load_out[d] > va->capacity[d] + 1e-9)
            return 0;
    if (va->max_tasks > 0 && nt > va->max_tasks)
        return 0;
    for (int i = b + 1; i <= B->m; i++)
        if (!s->compat[(size_t)B->jobs[i - 1] * s->nv + A->veh])
            return 0;
    return 1;
}

static int polish_2optstar(regio__vsolver *s, regio__vsol *x, int *improved,
                           double deadline)
{
    *improved = 0;
    double la[REGIO_VRP_MAX_DIMS], lb[REGIO_VRP_MAX_DIMS];
    int *tmp = regio_malloc((size_t)(s->nj + 1) * sizeof(int));
    if (!tmp)
        return -1;
    for (int va = 0; va < s->nv && regio__vrp_now_s() <= deadline; va++) {
        for (int vb = 0; vb < s->nv; vb++) {
            regio__vroute *A = &x->r[va], *B = &x->r[vb];
            if (va == vb || A->m == 0 || B->m == 0)
                continue;
            for (int a = 0; a <= A->m; a++) {
                for (int b = 0; b <= B->m; b++) {
                    int a0 = regio__vrp_loc_at(s, A, a),
                        a1 = regio__vrp_loc_at(s, A, a + 1);
                    int b0 = regio__vrp_loc_at(s, B, b),
                        b1 = regio__vrp_loc_at(s, B, b + 1);
                    double before =
                        regio__vrp_cst(s, a0, a1) + regio__vrp_cst(s, b0, b1);
                    double after =
                        regio__vrp_cst(s, a0, b1) + regio__vrp_cst(s, b0, a1);
                    /* empty-route edge cases: a route emptied loses both
                     * depot legs, handled by recomputing below */
                    if (after >= before - 1e-9)
                        continue;
                    if (!tail_ok(s, A, a, B, b, &s->p->vehicles[A->veh], la) ||
                        !tail_ok(s, B, b, A, a, &s->p->vehicles[B->veh], lb))
                        continue;
                    double old = A->cost + B->cost;
                    /* build the new routes */
                    int na = a + (B->m - b), nb = b + (A->m - a);
                    if (regio__vrp_route_reserve(A, na > A->m ? na : A->m) ||
                        regio__vrp_route_reserve(B, nb > B->m ? nb : B->m)) {
                        regio_free(tmp);
                        return -1;
                    }
                    int ta = A->m - a;
                    memcpy(tmp, &A->jobs[a], (size_t)ta * sizeof(int));
                    memcpy(&A->jobs[a], &B->jobs[b],
                           (size_t)(B->m - b) * sizeof(int));
                    memcpy(&B->jobs[b], tmp, (size_t)ta * sizeof(int));
                    A->m = na;
                    B->m = nb;
                    regio__vrp_route_update(s, x, A);
                    regio__vrp_route_update(s, x, B);
                    if (A->cost + B->cost > old - 1e-9) {
                        /* undo (depot legs of emptied routes) */
                        memcpy(tmp, &A->jobs[a],
                               (size_t)(na - a) * sizeof(int));
                        memcpy(&A->jobs[a], &B->jobs[b],
                               (size_t)ta * sizeof(int));
                        memcpy(&B->jobs[b], tmp,
                               (size_t)(na - a) * sizeof(int));
                        A->m = a + ta;
                        B->m = b + (na - a);
                        regio__vrp_route_update(s, x, A);
                        regio__vrp_route_update(s, x, B);
                        continue;
                    }
                    *improved = 1;
                    if (A->m == 0 || B->m == 0)
                        goto next_pair;
                }
            }
        next_pair:;
        }
    }
    regio_free(tmp);
    regio__vrp_sol_totals(s, x);
    return 0;
}

/* Relocate and 2-opt* to a local optimum (at most 50 rounds), stopping at
 * the deadline (INFINITY for iteration-bounded, reproducible runs). */
int regio__vrp_polish(regio__vsolver *s, regio__vsol *x, double deadline)
{
    for (int round = 0; round < 50 && regio__vrp_now_s() <= deadline; round++) {
        int i1 = 0, i2 = 0;
        if (polish_relocate(s, x, &i1, deadline) ||
            polish_2optstar(s, x, &i2, deadline))
            return -1;
        if (!i1 && !i2)
            break;
    }
    return 0;
}
