/*
 * Plumbing shared by the geography files: GEOS contexts that keep their
 * last message for regio_error, error filling, and edge arrays (growth,
 * normalisation by strcmp order, freeing).
 */
#include "geo/geo_internal.h"
#include "core/grow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void geos_msg(const char *msg, void *ud)
{
    regio__geos *g = ud;
    snprintf(g->last, sizeof g->last, "%s", msg ? msg : "");
}

regio_err regio__geos_init(regio__geos *g)
{
    g->last[0] = '\0';
    g->h = GEOS_init_r();
    if (!g->h)
        return REGIO_ENOMEM;
    GEOSContext_setErrorMessageHandler_r(g->h, geos_msg, g);
    GEOSContext_setNoticeMessageHandler_r(g->h, geos_msg, g);
    return REGIO_OK;
}

void regio__geos_finish(regio__geos *g)
{
    if (g->h)
        GEOS_finish_r(g->h);
    g->h = NULL;
}

regio_err regio__edges_push(regio__edges *e, const char *a, const char *b,
                            regio_adj_kind kind, double km)
{
    if (e->n == e->cap && regio__grow(&e->v, &e->cap, e->n + 1, sizeof *e->v))
        return REGIO_ENOMEM;
    regio_adj_edge *x = &e->v[e->n];
    int swap = strcmp(a, b) > 0;
    x->a = regio_strdup(swap ? b : a);
    x->b = regio_strdup(swap ? a : b);
    x->kind = kind;
    x->shared_km = km;
    if (!x->a || !x->b) {
        regio_free(x->a);
        regio_free(x->b);
        return REGIO_ENOMEM;
    }
    e->n++;
    return REGIO_OK;
}

void regio__edges_free(regio__edges *e)
{
    regio_adj_edges_free(e->v, e->n);
    memset(e, 0, sizeof *e);
}

void regio__edges_finish(regio__edges *e, regio_adj_edge **out, size_t *n)
{
    regio_adj_edges_normalize(e->v, &e->n);
    if (e->n == 0) {
        regio_free(e->v);
        e->v = NULL;
    }
    *out = e->v;
    *n = e->n;
    memset(e, 0, sizeof *e);
}

void regio_adj_edges_free(regio_adj_edge *edges, size_t n)
{
    if (!edges)
        return;
    for (size_t i = 0; i < n; i++) {
        regio_free(edges[i].a);
        regio_free(edges[i].b);
    }
    regio_free(edges);
}

static int edge_cmp(const void *x, const void *y)
{
    const regio_adj_edge *p = x, *q = y;
    int c = strcmp(p->a, q->a);
    if (c)
        return c;
    c = strcmp(p->b, q->b);
    if (c)
        return c;
    /* equal pairs: the smallest kind sorts first and is the one kept */
    if (p->kind != q->kind)
        return (int)p->kind - (int)q->kind;
    return 0;
}

void regio_adj_edges_normalize(regio_adj_edge *edges, size_t *n)
{
    if (!edges || !n || *n == 0)
        return;
    size_t m = *n;
    for (size_t i = 0; i < m; i++) {
        if (strcmp(edges[i].a, edges[i].b) > 0) {
            char *t = edges[i].a;
            edges[i].a = edges[i].b;
            edges[i].b = t;
        }
    }
    qsort(edges, m, sizeof *edges, edge_cmp);
    size_t w = 0;
    for (size_t i = 0; i < m; i++) {
        int self = strcmp(edges[i].a, edges[i].b) == 0;
        int dup = w > 0 && !strcmp(edges[w - 1].a, edges[i].a) &&
                  !strcmp(edges[w - 1].b, edges[i].b);
        if (self || dup) {
            regio_free(edges[i].a);
            regio_free(edges[i].b);
            continue;
        }
        edges[w++] = edges[i];
    }
    *n = w;
}
