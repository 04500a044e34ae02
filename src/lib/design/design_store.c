/*
 * A design problem's units from the store (the bridge between the design
 * engine's input and the store): every unit with its attributes and
 * geometry, the adjacency, and the island links recomputed so a report
 * can list them.
 */
#include "design/design_io_internal.h"

#include "core/grow.h"

#include <stdlib.h>
#include <string.h>

typedef struct store_units {
    regio_unit *units;
    size_t n, cap;
    regio_adj_edge *edges;
    size_t n_edges, cap_edges;
    regio_err rc;
} store_units;

static char *dup_or_null(const char *s)
{
    return s ? regio_strdup(s) : NULL;
}

static int copy_unit(void *ud, const regio_unit *u)
{
    store_units *c = ud;
    if (regio__grow(&c->units, &c->cap, c->n + 1, sizeof *c->units))
        goto nomem;
    regio_unit *d = &c->units[c->n];
    regio_unit_init(d);
    c->n++;
    d->id = dup_or_null(u->id);
    d->name = dup_or_null(u->name);
    d->lat = u->lat;
    d->lon = u->lon;
    d->area_km2 = u->area_km2;
    if (!d->id || (u->name && !d->name))
        goto nomem;
    if (u->wkb && u->wkb_len) {
        d->wkb = regio_malloc(u->wkb_len);
        if (!d->wkb)
            goto nomem;
        memcpy(d->wkb, u->wkb, u->wkb_len);
        d->wkb_len = u->wkb_len;
    }
    if (u->n_attrs) {
        d->attrs = regio_calloc(u->n_attrs, sizeof *d->attrs);
        if (!d->attrs)
            goto nomem;
        for (size_t i = 0; i < u->n_attrs; i++) {
            d->attrs[i] = u->attrs[i];
            d->attrs[i].key = dup_or_null(u->attrs[i].key);
            d->attrs[i].text = dup_or_null(u->attrs[i].text);
            d->n_attrs++;
            if (!d->attrs[i].key || (u->attrs[i].text && !d->attrs[i].text))
                goto nomem;
        }
    }
    return 0;
nomem:
    c->rc = REGIO_ENOMEM;
    return 1;
}

static int copy_edge(void *ud, const regio_adj_edge *e)
{
    store_units *c = ud;
    if (e->kind == REGIO_ADJ_ISLAND)
        return 0; /* recomputed below, with their report */
    if (regio__grow(&c->edges, &c->cap_edges, c->n_edges + 1, sizeof *c->edges)) {
        c->rc = REGIO_ENOMEM;
        return 1;
    }
    regio_adj_edge *d = &c->edges[c->n_edges++];
    *d = *e;
    d->a = regio_strdup(e->a);
    d->b = regio_strdup(e->b);
    if (!d->a || !d->b) {
        c->rc = REGIO_ENOMEM;
        return 1;
    }
    return 0;
}

/* The store's units and adjacency as a regio_units_loaded, island links
 * recomputed so the report can list them. */
regio_err regio__design_units_from_store(regio_store *s, int with_geometry,
                                         regio_units_loaded *out, regio_error *err)
{
    memset(out, 0, sizeof *out);
    store_units c;
    memset(&c, 0, sizeof c);
    regio_err rc = regio_store_units_foreach(s, with_geometry, copy_unit, &c, err);
    if (!rc)
        rc = regio_store_adjacency_foreach(s, copy_edge, &c, err);
    if (rc == REGIO_ECANCELLED && c.rc)
        rc = c.rc;
    if (!rc && c.n == 0)
        rc = regio_error_setf(err, REGIO_ENOTFOUND, NULL, 0, NULL,
                  "the store holds no geography units (regio import units FILE)");
    if (rc) {
        for (size_t i = 0; i < c.n; i++)
            regio_unit_clear(&c.units[i]);
        regio_free(c.units);
        regio_adj_edges_free(c.edges, c.n_edges);
        return rc;
    }
    /* regio_unitset_create owns the units from here on, success or not. */
    rc = regio_unitset_create(c.units, c.n, 0, &out->units, err);
    if (!rc)
        rc = regio_adjacency_link_islands(out->units, &c.edges, &c.n_edges, &out->islands, err);
    out->edges = c.edges;
    out->n_edges = c.n_edges;
    if (rc)
        regio_units_loaded_free(out);
    return rc;
}

