/*
 * Compressed sparse row adjacency over unit positions, built from an edge
 * array (ids resolved through the unit set's index), and connected
 * components by iterative depth-first search. O(n + m log m).
 */
#include "geo/geo_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct arc {
    size_t u, v, e;
} arc;

static int arc_cmp(const void *a, const void *b)
{
    const arc *x = a, *y = b;
    if (x->u != y->u)
        return x->u < y->u ? -1 : 1;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return x->e < y->e ? -1 : x->e > y->e;
}

void regio_graph_destroy(regio_graph *g)
{
    if (!g)
        return;
    regio_free(g->xadj);
    regio_free(g->adjncy);
    regio_free(g->edge);
    regio_free(g->weight);
    regio_free(g);
}

regio_err regio_graph_build(const regio_unitset *us,
                            const regio_adj_edge *edges, size_t n,
                            regio_graph **out, regio_error *err)
{
    if (!us || !out || (n && !edges))
        return regio__geo_fail(err, REGIO_EINVAL, "", 0, "",
                               "unit set, edges and out are required");
    *out = NULL;
    arc *A = regio_malloc((2 * n + 1) * sizeof *A);
    regio_graph *g = regio_calloc(1, sizeof *g);
    if (!A || !g) {
        regio_free(A);
        regio_free(g);
        return regio__geo_fail(err, REGIO_ENOMEM, "", 0, "", "out of memory");
    }
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        long a = regio_unitset_find(us, edges[k].a);
        long b = regio_unitset_find(us, edges[k].b);
        if (a < 0 || b < 0) {
            regio_free(A);
            regio_free(g);
            return regio__geo_fail(err, REGIO_EDATA, "", (long)k + 1,
                                   a < 0 ? "a" : "b",
                                   "edge %zu names unknown unit '%s'", k + 1,
                                   a < 0 ? (edges[k].a ? edges[k].a : "")
                                         : (edges[k].b ? edges[k].b : ""));
        }
        if (a == b)
            continue;
        A[m++] = (arc){(size_t)a, (size_t)b, k};
        A[m++] = (arc){(size_t)b, (size_t)a, k};
    }
    if (m)
        qsort(A, m, sizeof *A, arc_cmp);
    size_t w = 0;
    for (size_t k = 0; k < m; k++)
        if (!w || A[w - 1].u != A[k].u || A[w - 1].v != A[k].v)
            A[w++] = A[k];
    m = w;
    g->n = us->n;
    g->n_arcs = m;
    g->xadj = regio_calloc(us->n + 1, sizeof *g->xadj);
    g->adjncy = regio_malloc((m ? m : 1) * sizeof *g->adjncy);
    g->edge = regio_malloc((m ? m : 1) * sizeof *g->edge);
    g->weight = regio_malloc((m ? m : 1) * sizeof *g->weight);
    if (!g->xadj || !g->adjncy || !g->edge || !g->weight) {
        regio_free(A);
        regio_graph_destroy(g);
        return regio__geo_fail(err, REGIO_ENOMEM, "", 0, "", "out of memory");
    }
    for (size_t k = 0; k < m; k++) {
        g->xadj[A[k].u + 1]++;
        g->adjncy[k] = A[k].v;
        g->edge[k] = A[k].e;
        g->weight[k] = edges[A[k].e].shared_km;
    }
    for (size_t i = 0; i < us->n; i++)
        g->xadj[i + 1] += g->xadj[i];
    regio_free(A);
    *out = g;
    return REGIO_OK;
}

regio_err regio_graph_components(const regio_graph *g, size_t *comp,
                                 size_t *n_comp)
{
    if (!g || !comp || !n_comp)
        return REGIO_EINVAL;
    const size_t none = (size_t)-1;
    size_t *stack = regio_malloc((g->n ? g->n : 1) * sizeof *stack);
    if (!stack)
        return REGIO_ENOMEM;
    for (size_t i = 0; i < g->n; i++)
        comp[i] = none;
    size_t k = 0;
    for (size_t s = 0; s < g->n; s++) {
        if (comp[s] != none)
            continue;
        size_t top = 0;
        stack[top++] = s;
        comp[s] = k;
        while (top) {
            size_t u = stack[--top];
            for (size_t a = g->xadj[u]; a < g->xadj[u + 1]; a++) {
                size_t v = g->adjncy[a];
                if (comp[v] == none) {
                    comp[v] = k;
                    stack[top++] = v;
                }
            }
        }
        k++;
    }
    regio_free(stack);
    *n_comp = k;
    return REGIO_OK;
}
