/*
 * Tabu search for balance (in the spirit of Ríos-Mercado & Fernández's
 * districting tabu search): each iteration makes the best non-tabu single
 * boundary move among the nodes of violating territories and of the two
 * rings of territories around them, scored by the change of violation
 * plus a small squared-deviation term (which diffuses load through
 * territories that are already within tolerance) and travel or
 * disruption as tie-breaks. A node may not return to the territory it
 * left for 5-14 iterations (seeded); the best labelling seen is restored.
 *
 * Invariants: contiguity kept (donor connectivity checked), locks and the
 * realign budget respected. Cost per iteration: O(candidates * degree *
 * nb), candidates refreshed every 16 iterations in O(n + edges).
 */
#include "design/design_internal.h"

#include <string.h>

#define TABU_TOP 8

void regio__dz_tabu_balance(regio__dz *z, int realign, long max_iter)
{
    int n = z->n;
    int *tabu_t = regio_malloc((size_t)n * sizeof *tabu_t);
    long *tabu_until = regio_malloc((size_t)n * sizeof *tabu_until);
    int *bestlab = regio_malloc((size_t)n * sizeof *bestlab);
    int *cand = regio_malloc((size_t)n * sizeof *cand);
    unsigned char *hot = regio_malloc((size_t)z->k);
    if (!tabu_t || !tabu_until || !bestlab || !cand || !hot)
        goto done;
    for (int i = 0; i < n; i++) {
        tabu_t[i] = -1;
        tabu_until[i] = 0;
    }
    double v = regio__dz_viol(z), bestv = v;
    memcpy(bestlab, z->label, (size_t)n * sizeof *bestlab);
    double wmean = z->wsum / n + 1e-300;
    long since = 0;
    int ncand = 0;
    for (long it = 0; it < max_iter && v > 1e-12; it++) {
        int mi[TABU_TOP], mt[TABU_TOP];
        double mf[TABU_TOP];
        int nm = 0;
        if ((it & 15) == 0) {
            /* Candidates: nodes of violating territories and of the
             * territories around them (refreshed every 16 moves). */
            memset(hot, 0, (size_t)z->k);
            for (int t = 0; t < z->k; t++)
                if (regio__dz_viol_t(z, t) > 1e-12)
                    hot[t] = 2;
            for (int ring = 2; ring > 0; ring--)
                for (int i = 0; i < n; i++)
                    if (hot[z->label[i]] == ring)
                        for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++)
                            if (!hot[z->label[z->adj[e]]])
                                hot[z->label[z->adj[e]]] = (unsigned char)(ring - 1 ? 1 : 3);
            ncand = 0;
            for (int i = 0; i < n; i++)
                if (hot[z->label[i]])
                    cand[ncand++] = i;
        }
        for (int qc = 0; qc < ncand; qc++) {
            int i = cand[qc];
            if (z->lock && z->lock[i] >= 0)
                continue;
            int s = z->label[i];
            for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++) {
                int t = z->label[z->adj[e]];
                if (t == s)
                    continue;
                double dv = regio__dz_dviol(z, i, t);
                if (tabu_t[i] == t && tabu_until[i] > it && v + dv >= bestv - 1e-12)
                    continue;
                double f = dv + 0.5 * z->tol * regio__dz_dsq(z, i, t) / (z->tol * z->tol);
                if (realign && z->base) {
                    if (z->base[i] == s)
                        f += 0.1 * z->tol;
                    else if (z->base[i] == t)
                        f -= 0.1 * z->tol;
                } else if (z->w[i] != 0) {
                    f += 1e-7 * z->w[i] *
                         (regio__dz_dist(z, i, t) - regio__dz_dist(z, i, s)) / wmean;
                }
                if (nm == TABU_TOP && f >= mf[nm - 1])
                    continue;
                /* same (i, t) may repeat across edges: skip duplicates */
                int dup = 0;
                for (int q = 0; q < nm && !dup; q++)
                    dup = mi[q] == i && mt[q] == t;
                if (!dup)
                    regio__topk_insert(mf, mi, mt, &nm, TABU_TOP, f, i, t);
            }
        }
        int done_move = 0;
        for (int q = 0; q < nm && !done_move; q++) {
            int i = mi[q], t = mt[q], s = z->label[i];
            if (!regio__dz_budget_ok(z, i, t) || !regio__dz_can_remove(z, i))
                continue;
            regio__dz_move(z, i, t);
            tabu_t[i] = s;
            tabu_until[i] = it + 5 + (long)regio_rng_below(&z->rng, 10);
            done_move = 1;
        }
        if (!done_move)
            break;
        v = regio__dz_viol(z);
        if (v < bestv - 1e-12) {
            bestv = v;
            memcpy(bestlab, z->label, (size_t)n * sizeof *bestlab);
            since = 0;
        } else if (++since > 20L * z->k + 200) {
            break;
        }
        if ((it & 63) == 0 && regio__dz_stop(z))
            break;
    }
    memcpy(z->label, bestlab, (size_t)n * sizeof *bestlab);
    regio__dz_recount(z);
done:
    regio_free(tabu_t);
    regio_free(tabu_until);
    regio_free(bestlab);
    regio_free(cand);
    regio_free(hot);
}
