/*
 * Contiguity: the donor-connectivity test behind every boundary move, the
 * repair that makes each territory one connected piece of G', and the
 * int-array faces of the one CSR builder and the one island linker
 * (geo/graph.c, geo/islands.c) for the design engine's inputs.
 *
 * can_remove(i) runs a BFS restricted to i's territory from one of its
 * same-territory neighbours and stops as soon as all of them are reached:
 * O(size of the territory) worst case, usually far less. Repair keeps each
 * territory's main component (the one holding a locked node, else the
 * centre, else the largest) and hands every other component to the
 * adjacent territory it shares most edges with; repeated until stable,
 * O(passes * (n + edges)).
 */
#include "design/design_internal.h"
#include "geo/graph_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static int next_stamp(regio__dz *z)
{
    if (z->stamp > INT_MAX - 4) {
        memset(z->mark, 0, (size_t)z->n * sizeof *z->mark);
        z->stamp = 0;
    }
    z->stamp += 2;
    return z->stamp;
}

int regio__dz_can_remove(regio__dz *z, int i)
{
    int s = z->label[i];
    if (z->cnt[s] <= 1)
        return 0;
    int T = next_stamp(z), V = T + 1;
    int need = 0, first = -1;
    z->mark[i] = V;
    for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++) {
        int j = z->adj[e];
        if (z->label[j] != s || z->mark[j] == T || z->mark[j] == V)
            continue;
        z->mark[j] = T;
        need++;
        if (first < 0)
            first = j;
    }
    if (need <= 1)
        return 1;
    int head = 0, tail = 0;
    z->queue[tail++] = first;
    z->mark[first] = V;
    need--;
    while (head < tail) {
        int u = z->queue[head++];
        for (int e = z->xadj[u]; e < z->xadj[u + 1]; e++) {
            int v = z->adj[e];
            if (z->label[v] != s || z->mark[v] == V)
                continue;
            if (z->mark[v] == T && --need == 0)
                return 1;
            z->mark[v] = V;
            z->queue[tail++] = v;
        }
    }
    return 0;
}

/* Labels components of every territory: comp[i] = component id, returns
 * their number; compsize/compterr filled for ids < returned count. */
static int components(regio__dz *z, int *comp, int *csize, int *cterr)
{
    int nc = 0;
    for (int i = 0; i < z->n; i++)
        comp[i] = -1;
    for (int i = 0; i < z->n; i++) {
        if (comp[i] >= 0)
            continue;
        int t = z->label[i], head = 0, tail = 0;
        z->queue[tail++] = i;
        comp[i] = nc;
        while (head < tail) {
            int u = z->queue[head++];
            for (int e = z->xadj[u]; e < z->xadj[u + 1]; e++) {
                int v = z->adj[e];
                if (z->label[v] == t && comp[v] < 0) {
                    comp[v] = nc;
                    z->queue[tail++] = v;
                }
            }
        }
        csize[nc] = tail;
        cterr[nc] = t;
        nc++;
    }
    return nc;
}

int regio__dz_count_broken(regio__dz *z)
{
    int *comp = regio_malloc((size_t)z->n * sizeof *comp);
    int *csize = regio_malloc((size_t)z->n * sizeof *csize);
    int *cterr = regio_malloc((size_t)z->n * sizeof *cterr);
    int *per = regio_calloc((size_t)z->k, sizeof *per);
    int broken = -1;
    if (comp && csize && cterr && per) {
        int nc = components(z, comp, csize, cterr);
        for (int c = 0; c < nc; c++)
            per[cterr[c]]++;
        broken = 0;
        for (int t = 0; t < z->k; t++)
            if (per[t] != 1)
                broken++;
    }
    regio_free(comp);
    regio_free(csize);
    regio_free(cterr);
    regio_free(per);
    return broken;
}

void regio__dz_fill_empty(regio__dz *z)
{
    for (int t = 0; t < z->k; t++) {
        if (z->cnt[t] > 0)
            continue;
        /* The removable node nearest t's centre point seeds it. */
        int best = -1;
        double bd = INFINITY;
        for (int i = 0; i < z->n; i++) {
            if ((z->lock && z->lock[i] >= 0) || z->cnt[z->label[i]] <= 1)
                continue;
            double d = regio__chord(z->p + 3 * (size_t)i, z->cp + 3 * (size_t)t);
            if (d < bd && regio__dz_can_remove(z, i)) {
                bd = d;
                best = i;
            }
        }
        if (best < 0)
            continue;
        regio__dz_move(z, best, t);
        z->cnode[t] = best;
        if (!z->home)
            memcpy(z->cp + 3 * (size_t)t, z->p + 3 * (size_t)best, 3 * sizeof(double));
    }
}

void regio__dz_repair_contiguity(regio__dz *z)
{
    int n = z->n, k = z->k;
    int *comp = regio_malloc((size_t)n * sizeof *comp);
    int *csize = regio_malloc((size_t)n * sizeof *csize);
    int *cterr = regio_malloc((size_t)n * sizeof *cterr);
    int *main_c = regio_malloc((size_t)k * sizeof *main_c);
    int *cpri = regio_malloc((size_t)n * sizeof *cpri);
    int *votes = regio_calloc((size_t)k, sizeof *votes);
    int *target = regio_malloc((size_t)n * sizeof *target);
    if (!comp || !csize || !cterr || !main_c || !cpri || !votes || !target)
        goto done;
    for (int pass = 0; pass < 200; pass++) {
        int nc = components(z, comp, csize, cterr);
        /* Priority of a component as its territory's main piece. */
        for (int c = 0; c < nc; c++)
            cpri[c] = 0;
        for (int i = 0; i < n; i++) {
            int c = comp[i];
            if (z->lock && z->lock[i] >= 0)
                cpri[c] |= 4;
            if (z->cnode[z->label[i]] == i)
                cpri[c] |= 2;
        }
        for (int t = 0; t < k; t++)
            main_c[t] = -1;
        for (int c = 0; c < nc; c++) {
            int t = cterr[c], m = main_c[t];
            if (m < 0 || cpri[c] > cpri[m] ||
                (cpri[c] == cpri[m] && csize[c] > csize[m]))
                main_c[t] = c;
        }
        /* Choose a receiving territory for every other component. */
        for (int c = 0; c < nc; c++)
            target[c] = -1;
        int pending = 0;
        for (int i = 0; i < n; i++) {
            int c = comp[i];
            if (c == main_c[cterr[c]] || (cpri[c] & 4) || target[c] != -1)
                continue;
            /* Gather this component's nodes from the queue via BFS again. */
            int head = 0, tail = 0, best = -1;
            z->queue[tail++] = i;
            int st = next_stamp(z);
            z->mark[i] = st;
            while (head < tail) {
                int u = z->queue[head++];
                for (int e = z->xadj[u]; e < z->xadj[u + 1]; e++) {
                    int v = z->adj[e];
                    if (comp[v] == c) {
                        if (z->mark[v] != st) {
                            z->mark[v] = st;
                            z->queue[tail++] = v;
                        }
                    } else if (z->label[v] != cterr[c]) {
                        votes[z->label[v]]++;
                    }
                }
            }
            for (int q = 0; q < tail; q++) {
                int u = z->queue[q];
                for (int e = z->xadj[u]; e < z->xadj[u + 1]; e++) {
                    int t = z->label[z->adj[e]];
                    if (votes[t] > 0) {
                        if (best < 0 || votes[t] > votes[best] ||
                            (votes[t] == votes[best] && t < best))
                            best = t;
                    }
                }
            }
            for (int q = 0; q < tail; q++) {
                int u = z->queue[q];
                for (int e = z->xadj[u]; e < z->xadj[u + 1]; e++)
                    votes[z->label[z->adj[e]]] = 0;
            }
            target[c] = best >= 0 ? best : -2;
            if (best >= 0)
                pending++;
        }
        if (!pending)
            break;
        for (int i = 0; i < n; i++) {
            int c = comp[i];
            if (target[c] >= 0 && z->label[i] == cterr[c])
                regio__dz_move(z, i, target[c]);
        }
    }
done:
    regio_free(comp);
    regio_free(csize);
    regio_free(cterr);
    regio_free(main_c);
    regio_free(cpri);
    regio_free(votes);
    regio_free(target);
}

/* ---- public helpers --------------------------------------------------- */

/* The CSR of the one builder (geo/graph.c) as int arrays. */
static regio_err int_csr(const regio_graph *g, int **out_xadj, int **out_adjncy)
{
    int *xadj = regio_malloc((g->n + 1) * sizeof *xadj);
    int *adj = regio_malloc((g->n_arcs + 1) * sizeof *adj);
    if (!xadj || !adj) {
        regio_free(xadj);
        regio_free(adj);
        return REGIO_ENOMEM;
    }
    for (size_t i = 0; i <= g->n; i++)
        xadj[i] = (int)g->xadj[i];
    for (size_t k = 0; k < g->n_arcs; k++)
        adj[k] = (int)g->adjncy[k];
    *out_xadj = xadj;
    *out_adjncy = adj;
    return REGIO_OK;
}

regio_err regio_design_csr_from_edges(size_t n, const int *a, const int *b,
                                      size_t n_edges, int **out_xadj,
                                      int **out_adjncy)
{
    if (!out_xadj || !out_adjncy || (n_edges && (!a || !b)) || n > INT_MAX / 2)
        return REGIO_EINVAL;
    *out_xadj = NULL;
    *out_adjncy = NULL;
    for (size_t e = 0; e < n_edges; e++)
        if (a[e] < 0 || b[e] < 0 || (size_t)a[e] >= n || (size_t)b[e] >= n)
            return REGIO_EINVAL;
    size_t *pa = regio_malloc((n_edges + 1) * sizeof *pa);
    size_t *pb = regio_malloc((n_edges + 1) * sizeof *pb);
    regio_graph *g = NULL;
    regio_err rc = REGIO_ENOMEM;
    if (pa && pb) {
        for (size_t e = 0; e < n_edges; e++) {
            pa[e] = (size_t)a[e];
            pb[e] = (size_t)b[e];
        }
        rc = regio__graph_from_pairs(n, pa, pb, n_edges, &g);
    }
    regio_free(pa);
    regio_free(pb);
    if (!rc)
        rc = int_csr(g, out_xadj, out_adjncy);
    regio_graph_destroy(g);
    return rc;
}

regio_err regio_design_island_links(size_t n, regio_coords coords,
                                    const double *x, const double *y,
                                    const int *xadj, const int *adjncy,
                                    int **out_xadj, int **out_adjncy,
                                    size_t *n_links)
{
    if (!x || !y || !xadj || !adjncy || !out_xadj || !out_adjncy || n == 0 ||
        n > INT_MAX / 2)
        return REGIO_EINVAL;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        for (int e = xadj[i]; e < xadj[i + 1]; e++) {
            if (adjncy[e] < 0 || (size_t)adjncy[e] >= n) {
                if (n_links)
                    *n_links = 0;
                return REGIO_EINVAL;
            }
            m++;
        }
    /* G as vertex pairs (room for one link per vertex), its islands by the
     * one linker (geo/islands.c), then G' by the one CSR builder. */
    regio_err rc = REGIO_ENOMEM;
    size_t *ea = regio_malloc((m + n) * sizeof *ea);
    size_t *eb = regio_malloc((m + n) * sizeof *eb);
    double (*pts)[3] = regio_malloc(n * sizeof *pts);
    regio_graph *g = NULL;
    regio__island *isl = NULL;
    size_t ncomp = 0, main_size = 0, links = 0;
    if (!ea || !eb || !pts)
        goto done;
    size_t ne = 0;
    for (size_t i = 0; i < n; i++) {
        regio__design_point(coords, x[i], y[i], pts[i]);
        for (int e = xadj[i]; e < xadj[i + 1]; e++) {
            ea[ne] = i;
            eb[ne++] = (size_t)adjncy[e];
        }
    }
    if ((rc = regio__graph_from_pairs(n, ea, eb, ne, &g)))
        goto done;
    rc = regio__islands_find(g, (const double (*)[3])pts, &ncomp, &main_size, &isl);
    if (rc == REGIO_EDATA)
        rc = REGIO_EINVAL;
    if (rc)
        goto done;
    for (; links + 1 < ncomp; links++) {
        if (isl[links].a == (size_t)-1) {
            rc = REGIO_EINVAL;
            goto done;
        }
        ea[ne] = isl[links].a;
        eb[ne++] = isl[links].b;
    }
    regio_graph_destroy(g);
    g = NULL;
    if (!(rc = regio__graph_from_pairs(n, ea, eb, ne, &g)))
        rc = int_csr(g, out_xadj, out_adjncy);
done:
    if (n_links)
        *n_links = rc == REGIO_OK ? links : 0;
    regio_graph_destroy(g);
    regio_free(isl);
    regio_free(pts);
    regio_free(ea);
    regio_free(eb);
    return rc;
}
