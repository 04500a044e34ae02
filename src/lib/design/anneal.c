/*
 * Simulated annealing on the balance violation of several columns, the
 * feasibility-first phase for what the tabu searches leave over a
 * tolerance (accounts, revenue and potential each within 5% on the
 * sample market: issue 14).
 *
 * Why: where a whole region is rich in one measure and poor in another
 * (the Florida peninsula: accounts high, potential low) every territory
 * on the way out of it sits at an edge of some band, so a repair has to
 * pass a different mix of load through several of them at once; greedy
 * and tabu moves, chains and window rebuilds judge each step by the
 * violation it leaves and stop there. An annealing walk accepts a worse
 * step with probability exp(-delta / T), and, above all, moves the
 * unweighted units (two thirds of the US counties hold no account) for
 * free, so borders drift until weighted units that fit reach them.
 *
 * Each iteration picks a random free node and a random territory of one
 * of its neighbours; the move is scored by the change of the violation
 * (state.c: sum over territories and columns of the excess over each
 * tolerance) plus MU times the change of the squared deviations, which
 * keeps some room in every band; it is made when the Metropolis rule
 * accepts it and its donor stays connected (can_remove). The temperature
 * falls geometrically from t0 to t1 (in units of the tightest tolerance)
 * over each of `rounds` rounds, each begun from the best labelling seen.
 * It stops at the first labelling with no violation.
 *
 * Invariants: contiguity kept (donors stay connected, receivers are
 * adjacent), locked nodes never move, the labelling left in z is the best
 * seen by violation, never worse than the one given. Design only (no
 * disruption budget). Deterministic for a given z->rng state.
 * Cost per iteration: O(degree + nb), plus a BFS of the donor
 * (O(territory size), usually far less) for each accepted move.
 */
#include "design/design_internal.h"

#include <math.h>
#include <string.h>

/* Weight of the squared deviations against the excess: small, so that
 * the excess decides, but enough to keep load away from the edges. */
#define MU 0.02

long regio__dz_anneal(regio__dz *z, long max_iter, int rounds, double t0, double t1)
{
    int n = z->n;
    double best = regio__dz_viol(z);
    if (best <= 1e-12 || max_iter <= 0 || rounds <= 0 || z->k < 2)
        return 0;
    int *keep = regio_malloc((size_t)n * sizeof *keep);
    if (!keep)
        return 0;
    memcpy(keep, z->label, (size_t)n * sizeof *keep);
    double cur = best;
    long per = max_iter / rounds, moves = 0;
    if (per < 1)
        per = 1;
    double T0 = t0 * z->tol, T1 = t1 * z->tol;
    double cool = exp(log(T1 / T0) / (double)per);
    for (int r = 0; r < rounds && best > 1e-12; r++) {
        if (r > 0) { /* each round from the best labelling */
            memcpy(z->label, keep, (size_t)n * sizeof *keep);
            regio__dz_recount(z);
            cur = best;
        }
        double T = T0;
        for (long it = 0; it < per; it++, T *= cool) {
            if ((it & 4095) == 0 && regio__dz_stop(z))
                goto out;
            int i = (int)regio_rng_below(&z->rng, (uint64_t)n);
            if (z->lock && z->lock[i] >= 0)
                continue;
            int s = z->label[i], other = 0;
            for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++)
                other += z->label[z->adj[e]] != s;
            if (other == 0 || z->cnt[s] <= 1)
                continue;
            int pick = (int)regio_rng_below(&z->rng, (uint64_t)other), t = -1;
            for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++)
                if (z->label[z->adj[e]] != s && pick-- == 0) {
                    t = z->label[z->adj[e]];
                    break;
                }
            double dv = regio__dz_dviol(z, i, t);
            double d = dv + MU * regio__dz_dsq(z, i, t);
            if (d > 0 && regio_rng_double(&z->rng) >= exp(-d / T))
                continue;
            if (!regio__dz_can_remove(z, i))
                continue;
            regio__dz_move(z, i, t);
            moves++;
            cur += dv;
            if (cur < best - 1e-12) {
                /* The running sum drifts; recompute before keeping. */
                cur = regio__dz_viol(z);
                if (cur < best - 1e-12) {
                    best = cur;
                    memcpy(keep, z->label, (size_t)n * sizeof *keep);
                    if (best <= 1e-12)
                        goto out;
                }
            }
        }
    }
out:
    memcpy(z->label, keep, (size_t)n * sizeof *keep);
    regio__dz_recount(z);
    regio_free(keep);
    return moves;
}
