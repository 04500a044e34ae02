/*
 * Travel search at balance: a tabu search with strategic oscillation
 * that shortens travel while the balance holds. From a balanced,
 * contiguous labelling each iteration makes the best non-tabu boundary
 * move by
 *     f = w_i (d(i, c_t) - d(i, c_s)) / W  +  lambda * dviol,
 * the change of travel (km, to centres fixed for an epoch of EPOCH moves,
 * then re-placed at their medoids) plus the change of violation priced by
 * lambda. lambda adapts: it grows while the labelling is out of balance
 * and shrinks while it is in, so the search crosses the boundary of the
 * balanced region and back instead of stopping at the first local
 * optimum of the descent (where, at a 1% tolerance, nearly every move
 * that saves travel breaks the balance and only a second move elsewhere
 * restores it). A node may not return to the territory it left for a
 * seeded tenure of 10-19 moves unless the move reaches a balanced state
 * better than the best (aspiration). The best balanced labelling by
 * travel (to its medoids) is restored at the end.
 *
 * Invariants: contiguity kept (donor connectivity checked before each
 * move, receivers adjacent), locks never move, the result is never worse
 * than the start (by (violation, travel)). Deterministic for a seed.
 * Cost per iteration: O(boundary nodes * degree * nb) plus one BFS of the
 * donor; per epoch one medoid update.
 */
#include "design/design_internal.h"

#include <string.h>

#define EPOCH 100
#define TOPC 16

/* Travel with the current centres, in km per unit of weight. */
static double travel_km(const regio__dz *z)
{
    return z->wsum > 0 ? regio__dz_travel(z) / z->wsum : 0.0;
}

long regio__dz_travel_tabu(regio__dz *z, long max_iter, long patience)
{
    int n = z->n;
    if (z->wsum <= 0 || regio__dz_viol(z) > 1e-12)
        return 0;
    int *tabu_t = regio_malloc((size_t)n * sizeof *tabu_t);
    long *tabu_until = regio_malloc((size_t)n * sizeof *tabu_until);
    int *bestlab = regio_malloc((size_t)n * sizeof *bestlab);
    double *dself = regio_malloc((size_t)n * sizeof *dself);
    long made = 0;
    if (!tabu_t || !tabu_until || !bestlab || !dself)
        goto done;
    for (int i = 0; i < n; i++) {
        tabu_t[i] = -1;
        tabu_until[i] = 0;
    }
    regio__dz_update_centres(z);
    for (int i = 0; i < n; i++)
        dself[i] = z->w[i] != 0 ? regio__dz_dist(z, i, z->label[i]) : 0;
    double T = travel_km(z), V = 0;
    double bestT = T;
    memcpy(bestlab, z->label, (size_t)n * sizeof *bestlab);
    double lambda = T; /* 1% over costs 1% of the travel at first */
    double lam_lo = 1e-4 * T, lam_hi = 1e4 * T;
    long since = 0;
    for (long it = 0; it < max_iter; it++) {
        double mf[TOPC];
        int mi[TOPC], mt[TOPC], nm = 0;
        for (int i = 0; i < n; i++) {
            if (z->lock && z->lock[i] >= 0)
                continue;
            int s = z->label[i];
            for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++) {
                int t = z->label[z->adj[e]];
                if (t == s)
                    continue;
                /* each (i, t) once */
                int seen = 0;
                for (int f = z->xadj[i]; f < e && !seen; f++)
                    seen = z->label[z->adj[f]] == t;
                if (seen)
                    continue;
                double dv = regio__dz_dviol(z, i, t);
                double dt = z->w[i] != 0 ? z->w[i] * (regio__dz_dist(z, i, t) - dself[i]) / z->wsum
                                         : 0.0;
                double f = dt + lambda * (dv + 0.5 * regio__dz_dsq(z, i, t) / z->tol);
                if (tabu_t[i] == t && tabu_until[i] > it &&
                    !(V + dv <= 1e-12 && T + dt < bestT - 1e-9))
                    continue;
                regio__topk_insert(mf, mi, mt, &nm, TOPC, f, i, t);
            }
        }
        int done_move = 0;
        for (int q = 0; q < nm && !done_move; q++) {
            int i = mi[q], t = mt[q], s = z->label[i];
            if (!regio__dz_can_remove(z, i))
                continue;
            double dv = regio__dz_dviol(z, i, t);
            double dn = z->w[i] != 0 ? regio__dz_dist(z, i, t) : 0;
            T += z->w[i] * (dn - dself[i]) / z->wsum;
            V += dv;
            dself[i] = dn;
            regio__dz_move(z, i, t);
            tabu_t[i] = s;
            tabu_until[i] = it + 10 + (long)regio_rng_below(&z->rng, 10);
            done_move = 1;
            made++;
        }
        if (!done_move)
            break;
        if (V < 0)
            V = 0;
        if ((it + 1) % EPOCH == 0) {
            /* new epoch: centres to the medoids, exact sums again */
            regio__dz_update_centres(z);
            for (int i = 0; i < n; i++)
                dself[i] = z->w[i] != 0 ? regio__dz_dist(z, i, z->label[i]) : 0;
            T = travel_km(z);
            V = regio__dz_viol(z);
        }
        if (V <= 1e-12) {
            if (T < bestT - 1e-9) {
                bestT = T;
                memcpy(bestlab, z->label, (size_t)n * sizeof *bestlab);
                since = 0;
            } else {
                since++;
            }
            lambda = lambda / 1.1 > lam_lo ? lambda / 1.1 : lam_lo;
        } else {
            since++;
            lambda = lambda * 1.1 < lam_hi ? lambda * 1.1 : lam_hi;
        }
        if (since > patience)
            break;
        if ((it & 15) == 0 && regio__dz_stop(z))
            break;
    }
    memcpy(z->label, bestlab, (size_t)n * sizeof *bestlab);
    regio__dz_recount(z);
    regio__dz_update_centres(z);
done:
    regio_free(tabu_t);
    regio_free(tabu_until);
    regio_free(bestlab);
    regio_free(dself);
    return made;
}

void regio__dz_travel_polish(regio__dz *z)
{
    if (regio__dz_viol(z) > 1e-12)
        return;
    regio__dz_update_centres(z);
    /* Pairs re-split around relocated centres first (pair.c; counties,
     * k = 50, 1%: 121.74 -> 121.57 km on seed 1's best start). */
    regio__dz_pair_resplit(z, 20);
    regio__dz_update_centres(z);
    /* Windows of three territories rebuilt 30 times each (the best
     * rebuild by (violation, travel) stays), up to six rounds while one
     * helps: the centres can move to other places, which no boundary
     * move does (counties, k = 50, 1%: 121.7 -> 121.3 km). */
    for (int round = 0; round < 6 && !regio__dz_stop(z); round++) {
        int better = 0;
        for (int t = 0; t < z->k && !regio__dz_stop(z); t++)
            better += regio__dz_lns(z, t, 3, 30, 0);
        regio__dz_swaps(z);
        regio__dz_descent(z, 30, 1);
        if (!better)
            break;
    }
    regio__dz_travel_tabu(z, 3000, 1000);
}
