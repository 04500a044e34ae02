/*
 * Local search over boundary moves (Kernighan–Lin / Fiduccia–Mattheyses
 * style single-node moves and two-node exchanges across a border), as in
 * the districting local searches of Ríos-Mercado & Fernández (2009); plus
 * two helpers built from the same moves: border exchanges that lower the
 * balance violation, and (realign) sending moved nodes back home.
 *
 * Objective: lexicographic (balance violation, travel), travel measured to
 * centres that stay fixed during a sweep; medoids are recomputed between
 * sweeps (a Lloyd step), so the travel seen by a move is exact for the
 * current centres. Every move keeps the donor territory connected
 * (can_remove) and the receiver is adjacent by construction, so
 * contiguity is an invariant once it holds. Locked nodes never move; in
 * realign mode the disruption budget is never exceeded. A move that does
 * not lower the violation (e.g. between two over-full territories) may
 * not take its receiver or donor more than 3 tolerances off target, so
 * travel moves cannot pile load into one territory.
 * Cost per sweep: O(sum of degrees * nb) plus the connectivity BFS of
 * accepted candidates (O(territory size) each).
 */
#include "design/design_internal.h"

#include <string.h>

#define EPS_V 1e-12
#define EPS_T 1e-9

/* Shuffles 0..n-1 with the engine's seeded RNG. */
static void permutation(regio__dz *z, int *perm)
{
    for (int i = 0; i < z->n; i++)
        perm[i] = i;
    for (int i = z->n - 1; i > 0; i--) {
        int j = (int)regio_rng_below(&z->rng, (uint64_t)i + 1);
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

/* Distinct territories adjacent to i other than its own, into out[]. */
static int neighbour_territories(const regio__dz *z, int i, int *out, int cap)
{
    int s = z->label[i], m = 0;
    for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++) {
        int t = z->label[z->adj[e]];
        if (t == s)
            continue;
        int q;
        for (q = 0; q < m; q++)
            if (out[q] == t)
                break;
        if (q == m && m < cap)
            out[m++] = t;
    }
    return m;
}

/* 1 when moving node i to t leaves t more than LEAVE_TOL tolerances
 * above its target or its donor as far below, on some column. */
#define LEAVE_TOL 3.0
static int leaves_band(const regio__dz *z, int i, int t)
{
    int s = z->label[i], nb = z->nb;
    for (int c = 0; c < nb; c++) {
        double v = z->b[(size_t)i * nb + c];
        if (v == 0.0)
            continue;
        if ((z->load[t * nb + c] + v) / z->share[t] - 1.0 > LEAVE_TOL * z->tolc[c] ||
            (z->load[s * nb + c] - v) / z->share[s] - 1.0 < -LEAVE_TOL * z->tolc[c])
            return 1;
    }
    return 0;
}

long regio__dz_descent(regio__dz *z, int max_sweeps, int travel_moves)
{
    int *perm = regio_malloc((size_t)z->n * sizeof *perm);
    if (!perm)
        return 0;
    long total = 0;
    int nt[64];
    for (int sweep = 0; sweep < max_sweeps; sweep++) {
        permutation(z, perm);
        long moves = 0;
        for (int q = 0; q < z->n; q++) {
            int i = perm[q];
            if (z->lock && z->lock[i] >= 0)
                continue;
            int m = neighbour_territories(z, i, nt, 64);
            if (m == 0)
                continue;
            int s = z->label[i];
            double ds = travel_moves && z->w[i] != 0 ? regio__dz_dist(z, i, s) : 0;
            int bt = -1;
            double bv = 0, btr = 0;
            for (int a = 0; a < m; a++) {
                int t = nt[a];
                double dv = regio__dz_dviol(z, i, t);
                double dtr = travel_moves && z->w[i] != 0
                                 ? z->w[i] * (regio__dz_dist(z, i, t) - ds)
                                 : 0.0;
                int improving = dv < -EPS_V || (dv <= EPS_V && dtr < -EPS_T);
                if (!improving)
                    continue;
                /* A move between two territories that are both over (or
                 * both short) leaves the total violation unchanged: one
                 * loses what the other gains. Taken for travel, such
                 * moves let load pile up in one territory sweep after
                 * sweep (one reached twice its target), so a move that
                 * does not lower the violation must not take either of
                 * them far outside its band. */
                if (dv > -EPS_V && leaves_band(z, i, t))
                    continue;
                if (bt < 0 || dv < bv - EPS_V || (dv <= bv + EPS_V && dtr < btr)) {
                    bt = t;
                    bv = dv;
                    btr = dtr;
                }
            }
            if (bt < 0 || !regio__dz_budget_ok(z, i, bt) || !regio__dz_can_remove(z, i))
                continue;
            regio__dz_move(z, i, bt);
            moves++;
        }
        total += moves;
        int changed = travel_moves ? regio__dz_update_centres(z) : 0;
        if ((moves == 0 && changed == 0) || regio__dz_stop(z))
            break;
    }
    regio_free(perm);
    return total;
}

long regio__dz_swaps(regio__dz *z)
{
    int *perm = regio_malloc((size_t)z->n * sizeof *perm);
    if (!perm)
        return 0;
    long made = 0;
    int nt[64];
    permutation(z, perm);
    for (int q = 0; q < z->n; q++) {
        int i = perm[q];
        if ((z->lock && z->lock[i] >= 0) || z->w[i] == 0)
            continue;
        int m = neighbour_territories(z, i, nt, 64);
        int s = z->label[i];
        double ds = regio__dz_dist(z, i, s);
        for (int a = 0; a < m; a++) {
            int t = nt[a];
            double dtr_i = z->w[i] * (regio__dz_dist(z, i, t) - ds);
            if (dtr_i >= -EPS_T)
                continue;
            double v0 = regio__dz_viol_t(z, s) + regio__dz_viol_t(z, t);
            if (!regio__dz_budget_ok(z, i, t) || !regio__dz_can_remove(z, i))
                continue;
            regio__dz_move(z, i, t);
            /* Best partner j in t, two hops from i, adjacent to s. */
            int bj = -1;
            double bgain = -dtr_i - EPS_T;
            for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++) {
                int u = z->adj[e];
                for (int f = z->xadj[u]; f < z->xadj[u + 1]; f++) {
                    int j = z->adj[f];
                    if (j == i || z->label[j] != t || (z->lock && z->lock[j] >= 0))
                        continue;
                    double dtr_j = z->w[j] * (regio__dz_dist(z, j, s) -
                                              regio__dz_dist(z, j, t));
                    if (dtr_j >= bgain)
                        continue;
                    double dv = regio__dz_dviol(z, j, s);
                    double v1 = regio__dz_viol_t(z, s) + regio__dz_viol_t(z, t) + dv;
                    if (v1 > v0 + EPS_V)
                        continue;
                    /* j must touch s. */
                    int touch = 0;
                    for (int g = z->xadj[j]; g < z->xadj[j + 1] && !touch; g++)
                        touch = z->label[z->adj[g]] == s;
                    if (!touch)
                        continue;
                    bj = j;
                    bgain = dtr_j;
                }
            }
            if (bj >= 0 && regio__dz_budget_ok(z, bj, s) && regio__dz_can_remove(z, bj)) {
                regio__dz_move(z, bj, s);
                made++;
                break;
            }
            regio__dz_move(z, i, s); /* undo */
            s = z->label[i];
        }
        if ((q & 255) == 0 && regio__dz_stop(z))
            break;
    }
    regio_free(perm);
    return made;
}

/* ---- realign and balance helpers ------------------------------------- */

int regio__dz_return_home(regio__dz *z)
{
    if (!z->base)
        return 0;
    int back = 0;
    for (int i = 0; i < z->n; i++) {
        int h = z->base[i];
        if (z->label[i] == h || (z->lock && z->lock[i] >= 0))
            continue;
        int touch = 0;
        for (int e = z->xadj[i]; e < z->xadj[i + 1] && !touch; e++)
            touch = z->label[z->adj[e]] == h;
        if (!touch || regio__dz_dviol(z, i, h) > 1e-12 || !regio__dz_can_remove(z, i))
            continue;
        regio__dz_move(z, i, h);
        back++;
    }
    return back;
}

int regio__dz_exchange(regio__dz *z)
{
    int n = z->n, made = 0;
    for (int s = 0; s < z->k; s++) {
        if (regio__dz_viol_t(z, s) <= 1e-12)
            continue;
        double v0 = regio__dz_viol(z);
        int done = 0;
        for (int y = 0; y < n && !done; y++) {
            if (z->label[y] != s || (z->lock && z->lock[y] >= 0))
                continue;
            for (int e = z->xadj[y]; e < z->xadj[y + 1] && !done; e++) {
                int t = z->label[z->adj[e]];
                if (t == s || !regio__dz_budget_ok(z, y, t) || !regio__dz_can_remove(z, y))
                    continue;
                regio__dz_move(z, y, t);
                /* Partner x in t touching s, two hops around y. */
                for (int f = z->xadj[y]; f < z->xadj[y + 1] && !done; f++) {
                    int u = z->adj[f];
                    for (int g = z->xadj[u]; g <= z->xadj[u + 1] && !done; g++) {
                        int x = g == z->xadj[u + 1] ? u : z->adj[g];
                        if (x == y || z->label[x] != t || (z->lock && z->lock[x] >= 0))
                            continue;
                        int touch = 0;
                        for (int h = z->xadj[x]; h < z->xadj[x + 1] && !touch; h++)
                            touch = z->label[z->adj[h]] == s;
                        if (!touch)
                            continue;
                        double dv = regio__dz_dviol(z, x, s);
                        if (regio__dz_viol(z) + dv >= v0 - 1e-12)
                            continue;
                        if (!regio__dz_budget_ok(z, x, s) || !regio__dz_can_remove(z, x))
                            continue;
                        regio__dz_move(z, x, s);
                        done = 1;
                    }
                }
                if (!done)
                    regio__dz_move(z, y, s);
            }
        }
        made += done;
    }
    return made;
}
