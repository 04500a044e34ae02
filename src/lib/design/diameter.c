/*
 * Diameter descent for REGIO_DESIGN_MIN_DIAMETER (the objective of the
 * commercial districting benchmark of Ríos-Mercado & Fernández and
 * Gliesch, Ritt & Moreira): repeatedly take the territory T with the
 * largest diameter and an end u of its diametral pair, and move u to an
 * adjacent territory t whose diameter stays below T's — alone when the
 * balance violation does not grow, or exchanged with a node y of t that
 * joins T without re-creating the diameter. Stops when the largest
 * diameter cannot be shortened this way.
 *
 * Invariants: never raises the total violation; contiguity kept (donor
 * connectivity checked, receivers adjacent); locked nodes stay. Cost per
 * step: O(n) to list members plus O(s^2) for T's diametral pair and
 * O(s * degree) for candidate checks, s the territory size.
 */
#include "design/design_internal.h"

#include <string.h>

/* Members of territory t into out (returns count). */
static int members(const regio__dz *z, int t, int *out)
{
    int c = 0;
    for (int i = 0; i < z->n; i++)
        if (z->label[i] == t)
            out[c++] = i;
    return c;
}

/* Largest distance from node u to a member of idx[0..c) other than skip. */
static double reach(const regio__dz *z, int u, const int *idx, int c, int skip)
{
    double m = 0;
    for (int q = 0; q < c; q++) {
        if (idx[q] == skip)
            continue;
        double d = regio__pdist(z->planar, z->p + 3 * (size_t)u, z->p + 3 * (size_t)idx[q]);
        if (d > m)
            m = d;
    }
    return m;
}

static double diam_of(regio__dz *z, const int *idx, int c, int *si)
{
    return regio__diameter(z->planar, z->p, idx, (size_t)c, z->tmpd, si);
}

long regio__dz_diameter_descent(regio__dz *z, long max_steps)
{
    int n = z->n, k = z->k;
    int *mt = regio_malloc((size_t)n * sizeof *mt);
    int *mb = regio_malloc((size_t)n * sizeof *mb);
    int *si = regio_malloc((size_t)n * sizeof *si);
    double *diam = regio_malloc((size_t)k * sizeof *diam);
    long steps = 0;
    if (!mt || !mb || !si || !diam)
        goto done;
    for (int t = 0; t < k; t++) {
        int c = members(z, t, mt);
        diam[t] = diam_of(z, mt, c, si);
    }
    while (steps < max_steps && !regio__dz_stop(z)) {
        int T = 0;
        for (int t = 1; t < k; t++)
            if (diam[t] > diam[T])
                T = t;
        double D = diam[T];
        int cT = members(z, T, mt);
        /* Diametral pair of T. */
        int pu = -1, pv = -1;
        for (int a = 0; a < cT && pu < 0; a++)
            for (int b = a + 1; b < cT; b++) {
                double d = regio__pdist(z->planar, z->p + 3 * (size_t)mt[a],
                                        z->p + 3 * (size_t)mt[b]);
                if (d >= D - 1e-12) {
                    pu = mt[a];
                    pv = mt[b];
                    break;
                }
            }
        if (pu < 0)
            break;
        int done_step = 0;
        int ends[2] = {pu, pv};
        for (int q = 0; q < 2 && !done_step; q++) {
            int u = ends[q];
            if ((z->lock && z->lock[u] >= 0) || !regio__dz_can_remove(z, u))
                continue;
            int best_t = -1, best_y = -1;
            double best_d = D - 1e-9;
            for (int e = z->xadj[u]; e < z->xadj[u + 1]; e++) {
                int t = z->label[z->adj[e]];
                if (t == T)
                    continue;
                int ct = members(z, t, mb);
                double dt = reach(z, u, mb, ct, -1);
                if (dt < diam[t])
                    dt = diam[t];
                if (dt >= best_d)
                    continue;
                double v0 = regio__dz_viol(z);
                if (regio__dz_dviol(z, u, t) <= 1e-12) {
                    best_d = dt;
                    best_t = t;
                    best_y = -1;
                    continue;
                }
                /* Exchange: a node y of t, adjacent to T, that keeps T
                 * short and restores the balance. */
                regio__dz_move(z, u, t);
                for (int r = 0; r < ct; r++) {
                    int y = mb[r];
                    if (z->lock && z->lock[y] >= 0)
                        continue;
                    int touch = 0;
                    for (int g = z->xadj[y]; g < z->xadj[y + 1] && !touch; g++)
                        touch = z->label[z->adj[g]] == T;
                    if (!touch)
                        continue;
                    if (regio__dz_viol(z) + regio__dz_dviol(z, y, T) > v0 + 1e-12)
                        continue;
                    if (reach(z, y, mt, cT, u) >= D - 1e-9)
                        continue;
                    if (!regio__dz_can_remove(z, y))
                        continue;
                    best_d = dt;
                    best_t = t;
                    best_y = y;
                    break;
                }
                regio__dz_move(z, u, T);
            }
            if (best_t < 0)
                continue;
            regio__dz_move(z, u, best_t);
            if (best_y >= 0)
                regio__dz_move(z, best_y, T);
            int c1 = members(z, T, mt);
            diam[T] = diam_of(z, mt, c1, si);
            int c2 = members(z, best_t, mb);
            diam[best_t] = diam_of(z, mb, c2, si);
            done_step = 1;
            steps++;
        }
        if (!done_step)
            break;
    }
done:
    regio_free(mt);
    regio_free(mb);
    regio_free(si);
    regio_free(diam);
    return steps;
}
