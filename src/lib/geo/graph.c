/*
 * Compressed sparse row adjacency: the one builder from an edge list of
 * vertex pairs (sorted arcs, duplicates dropped), regio_graph_build over
 * it with ids resolved through the unit set's index, and connected
 * components by iterative depth-first search. O(n + m log m).
 */
#include "geo/geo_internal.h"
#include "geo/graph_internal.h"

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

regio_err regio__graph_from_pairs(size_t n, const size_t *a, const size_t *b,
                                  size_t m, regio_graph **out)
{
    *out = NULL;
    arc *A = regio_malloc((2 * m + 1) * sizeof *A);
    regio_graph *g = regio_calloc(1, sizeof *g);
    if (!A || !g) {
        regio_free(A);
        regio_free(g);
        return REGIO_ENOMEM;
    }
    size_t na = 0;
    for (size_t k = 0; k < m; k++) {
        if (a[k] == b[k])
            continue;
        A[na++] = (arc){a[k], b[k], k};
        A[na++] = (arc){b[k], a[k], k};
    }
    if (na)
        qsort(A, na, sizeof *A, arc_cmp);
    size_t w = 0;
    for (size_t k = 0; k < na; k++)
        if (!w || A[w - 1].u != A[k].u || A[w - 1].v != A[k].v)
            A[w++] = A[k];
    na = w;
    g->n = n;
    g->n_arcs = na;
    g->xadj = regio_calloc(n + 1, sizeof *g->xadj);
    g->adjncy = regio_malloc((na ? na : 1) * sizeof *g->adjncy);
    g->edge = regio_malloc((na ? na : 1) * sizeof *g->edge);
    g->weight = regio_malloc((na ? na : 1) * sizeof *g->weight);
    if (!g->xadj || !g->adjncy || !g->edge || !g->weight) {
        regio_free(A);
        regio_graph_destroy(g);
        return REGIO_ENOMEM;
    }
    for (size_t k = 0; k < na; k++) {
        g->xadj[A[k].u + 1]++;
        g->adjncy[k] = A[k].v;
        g->edge[k] = A[k].e;
    }
    for (size_t i = 0; i < n; i++)
        g->xadj[i + 1] += g->xadj[i];
    regio_free(A);
    *out = g;
    return REGIO_OK;
}

regio_err regio_graph_build(const regio_unitset *us,
                            const regio_adj_edge *edges, size_t n,
                            regio_graph **out, regio_error *err)
{
    if (!us || !out || (n && !edges))
        return regio__geo_fail(err, REGIO_EINVAL, "", 0, "",
                               "unit set, edges and out are required");
    *out = NULL;
    size_t *a = regio_malloc((n ? n : 1) * sizeof *a);
    size_t *b = regio_malloc((n ? n : 1) * sizeof *b);
    if (!a || !b) {
        regio_free(a);
        regio_free(b);
        return regio__geo_fail(err, REGIO_ENOMEM, "", 0, "", "out of memory");
    }
    for (size_t k = 0; k < n; k++) {
        long ia = regio_unitset_find(us, edges[k].a);
        long ib = regio_unitset_find(us, edges[k].b);
        if (ia < 0 || ib < 0) {
            regio_free(a);
            regio_free(b);
            return regio__geo_fail(err, REGIO_EDATA, "", (long)k + 1,
                                   ia < 0 ? "a" : "b",
                                   "edge %zu names unknown unit '%s'", k + 1,
                                   ia < 0 ? (edges[k].a ? edges[k].a : "")
                                          : (edges[k].b ? edges[k].b : ""));
        }
        a[k] = (size_t)ia;
        b[k] = (size_t)ib;
    }
    regio_graph *g = NULL;
    regio_err rc = regio__graph_from_pairs(us->n, a, b, n, &g);
    regio_free(a);
    regio_free(b);
    if (rc)
        return regio__geo_fail(err, rc, "", 0, "", "out of memory");
    for (size_t k = 0; k < g->n_arcs; k++)
        g->weight[k] = edges[g->edge[k]].shared_km;
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
