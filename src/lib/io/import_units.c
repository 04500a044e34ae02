/*
 * Imports geography units: CSV points (id,lat,lon or id,x,y plus measure
 * columns) or any OGR vector file, adjacency given as a CSV of pairs or
 * derived (shared borders for polygons, Delaunay for points), island links
 * added per METRICS.md, all written in one transaction; accounts are then
 * placed into the new units.
 */
#include "regio/import.h"

#include "io/import_common.h"
#include "core/grow.h"
#include "io/table.h"
#include "regio/assign.h"
#include "regio/fields.h"
#include "regio/format.h"
#include "regio/geo.h"
#include "regio/model.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Appends a line of advice for the user to the summary notes. */
static void note(regio_import_summary *sum, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note(regio_import_summary *sum, const char *fmt, ...)
{
    size_t len = strlen(sum->notes);
    if (len >= sizeof sum->notes - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sum->notes + len, sizeof sum->notes - len, fmt, ap);
    va_end(ap);
}

/* Reads one CSV unit row; coordinates and measures are validated. */
static regio_err csv_unit_row(const char *path, regio__table *t, const regio_header_map *map,
                              int planar, regio_unit *u, regio_error *err)
{
    size_t nc = regio__table_ncols(t);
    regio_err rc = REGIO_OK;
    double y = NAN, x = NAN;
    for (size_t col = 0; col < nc && !rc; col++) {
        const char *v = regio__table_field(t, col);
        const char *s = regio__trim_view(v);
        size_t len = regio__trim_len(s);
        regio_field f = regio_header_map_field(map, col);
        double num;
        int empty;
        switch (f) {
        case REGIO_F_ID:
            if (len && !(u->id = regio_strndup(s, len)))
                rc = REGIO_ENOMEM;
            break;
        case REGIO_F_NAME:
            if (len && !(u->name = regio_strndup(s, len)))
                rc = REGIO_ENOMEM;
            break;
        case REGIO_F_LAT:
        case REGIO_F_LON:
        case REGIO_F_X:
        case REGIO_F_Y:
            if (regio__parse_cell_number(v, &num, &empty) || empty)
                return regio__row_error(err, path, t, col, empty ? "the coordinate is empty"
                                                                 : "'%s' is not a number", v);
            if (f == REGIO_F_LAT || f == REGIO_F_Y)
                y = num;
            else
                x = num;
            char g[32];
            if (f == REGIO_F_LAT && (num < -90 || num > 90))
                return regio__row_error(err, path, t, col, "latitude %s is outside [-90, 90]",
                                        regio_format_g15(num, g));
            if (f == REGIO_F_LON && (num < -180 || num > 180))
                return regio__row_error(err, path, t, col, "longitude %s is outside [-180, 180]",
                                        regio_format_g15(num, g));
            break;
        case REGIO_F_NONE: {
            const char *key = regio_header_map_attr_name(map, col);
            if (!key || !len)
                break;
            if (!strcmp(key, "area_km2")) {
                if (regio__parse_cell_number(v, &num, &empty) || num < 0)
                    return regio__row_error(err, path, t, col,
                                            "'%s' is not an area (a number >= 0)", v);
                u->area_km2 = num;
                break;
            }
            regio_attr *a = NULL;
            if ((rc = regio__attr_append(&u->attrs, &u->n_attrs, key, v, &a)))
                return rc;
            if (a && a->is_num && a->num < 0)
                return regio__row_error(err, path, t, col,
                                        "measure %s is negative; measures must be 0 or more",
                                        a->text);
            break;
        }
        default: break;
        }
    }
    if (rc)
        return rc;
    if (!u->id)
        return regio__row_error(err, path, t, (size_t)regio_header_map_column_of(map, REGIO_F_ID),
                                "the id is empty");
    u->lat = y;
    u->lon = x;
    (void)planar;
    return REGIO_OK;
}

static regio_err read_units_csv(const char *path, const regio_units_import_opts *o,
                                regio_unitset **out, regio_import_summary *sum, regio_error *err)
{
    regio__table *t = NULL;
    regio_header_map *map = NULL;
    regio_unit *units = NULL;
    size_t n = 0, cap = 0;
    regio_err rc = regio__table_open(path, o->base.sep, &t, err);
    if (rc)
        return rc;
    rc = regio_header_map_build(REGIO_ENTITY_UNIT, regio__table_header(t), regio__table_ncols(t),
                                o->base.maps, o->base.n_maps, &map, err);
    if (rc) {
        regio__error_set_file(err, path, 1);
        goto fail;
    }
    int has_ll = regio_header_map_column_of(map, REGIO_F_LAT) >= 0 &&
                 regio_header_map_column_of(map, REGIO_F_LON) >= 0;
    int has_xy = regio_header_map_column_of(map, REGIO_F_X) >= 0 &&
                 regio_header_map_column_of(map, REGIO_F_Y) >= 0;
    if (!has_ll && !has_xy) {
        rc = regio__file_error(err, REGIO_EDATA, path,
                               "units need coordinates: columns lat,lon (WGS84) or x,y (planar)");
        err->line = 1;
        goto fail;
    }
    int planar = !has_ll;
    for (;;) {
        int has = 0;
        if ((rc = regio__table_next(t, &has, err))) {
            regio__error_set_file(err, path, 0);
            goto fail;
        }
        if (!has)
            break;
        if (n == cap && regio__grow(&units, &cap, n + 1, sizeof *units)) {
            rc = REGIO_ENOMEM;
            goto fail;
        }
        regio_unit_init(&units[n]);
        sum->rows++;
        rc = csv_unit_row(path, t, map, planar, &units[n], err);
        n++;
        if (rc)
            goto fail;
    }
    regio_header_map_destroy(map);
    regio__table_close(t);
    /* regio_unitset_create owns units from here on, success or not. */
    rc = regio_unitset_create(units, n, planar, out, err);
    if (rc)
        regio__error_set_file(err, path, 0);
    return rc;
fail:
    for (size_t i = 0; i < n; i++)
        regio_unit_clear(&units[i]);
    regio_free(units);
    regio_header_map_destroy(map);
    regio__table_close(t);
    return rc;
}

static regio_adj_kind kind_from_name(const char *s)
{
    if (!strcasecmp(s, "border"))
        return REGIO_ADJ_BORDER;
    if (!strcasecmp(s, "delaunay"))
        return REGIO_ADJ_DELAUNAY;
    if (!strcasecmp(s, "island"))
        return REGIO_ADJ_ISLAND;
    return REGIO_ADJ_GIVEN;
}

static int header_is(const char *h, const char *const *names)
{
    for (; *names; names++)
        if (!strcasecmp(regio__trim_view(h), *names))
            return 1;
    return 0;
}

/* Reads "a,b[,kind,shared_km]" pairs naming units of us. */
static regio_err read_adjacency_csv(const char *path, const regio_unitset *us,
                                    regio_adj_edge **out, size_t *n_out, regio_error *err)
{
    static const char *const a_names[] = {"a", "from", "unit_a", "source", "id1", "u", NULL};
    static const char *const b_names[] = {"b", "to", "unit_b", "target", "id2", "v", NULL};
    regio__table *t = NULL;
    regio_err rc = regio__table_open(path, 0, &t, err);
    if (rc)
        return rc;
    long ca = -1, cb = -1, ck = -1, cs = -1;
    const char *const *h = regio__table_header(t);
    for (size_t i = 0; i < regio__table_ncols(t); i++) {
        if (ca < 0 && header_is(h[i], a_names))
            ca = (long)i;
        else if (cb < 0 && header_is(h[i], b_names))
            cb = (long)i;
        else if (!strcasecmp(h[i], "kind"))
            ck = (long)i;
        else if (!strcasecmp(h[i], "shared_km"))
            cs = (long)i;
    }
    if (ca < 0 || cb < 0) {
        regio__table_close(t);
        rc = regio__file_error(err, REGIO_EDATA, path,
                               "an adjacency file needs two columns named a,b (or from,to)");
        err->line = 1;
        return rc;
    }
    regio_adj_edge *edges = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        int has = 0;
        if ((rc = regio__table_next(t, &has, err))) {
            regio__error_set_file(err, path, 0);
            break;
        }
        if (!has)
            break;
        char a[256], b[256];
        regio__copy_trim(a, sizeof a, regio__table_field(t, (size_t)ca));
        regio__copy_trim(b, sizeof b, regio__table_field(t, (size_t)cb));
        if (regio_unitset_find(us, a) < 0) {
            rc = regio__row_error(err, path, t, (size_t)ca, "unit '%s' is not among the units", a);
            break;
        }
        if (regio_unitset_find(us, b) < 0) {
            rc = regio__row_error(err, path, t, (size_t)cb, "unit '%s' is not among the units", b);
            break;
        }
        if (!strcmp(a, b)) {
            rc = regio__row_error(err, path, t, (size_t)cb, "unit '%s' cannot neighbour itself", a);
            break;
        }
        if (n == cap && regio__grow(&edges, &cap, n + 1, sizeof *edges)) {
            rc = REGIO_ENOMEM;
            break;
        }
        regio_adj_edge *e = &edges[n];
        int swap = strcmp(a, b) > 0;
        e->a = regio_strdup(swap ? b : a);
        e->b = regio_strdup(swap ? a : b);
        e->kind = ck >= 0 ? kind_from_name(regio__table_field(t, (size_t)ck)) : REGIO_ADJ_GIVEN;
        e->shared_km = NAN;
        n++;
        if (!e->a || !e->b) {
            rc = REGIO_ENOMEM;
            break;
        }
        if (cs >= 0) {
            double km;
            int empty;
            if (!regio__parse_cell_number(regio__table_field(t, (size_t)cs), &km, &empty) && !empty)
                e->shared_km = km;
        }
    }
    regio__table_close(t);
    if (rc) {
        regio_adj_edges_free(edges, n);
        return rc;
    }
    regio_adj_edges_normalize(edges, &n);
    *out = edges;
    *n_out = n;
    return REGIO_OK;
}

static regio_err write_units(regio_store *s, const regio_unitset *us, const regio_adj_edge *edges,
                             size_t n_edges, regio_import_summary *sum, regio_error *err)
{
    regio_err rc = REGIO_OK;
    for (size_t i = 0; i < us->n && !rc; i++) {
        regio_upsert_result r;
        rc = regio_store_unit_upsert(s, &us->units[i], &r, err);
        if (!rc) {
            if (r == REGIO_UPSERT_ADDED)
                sum->added++;
            else if (r == REGIO_UPSERT_UPDATED)
                sum->updated++;
            else
                sum->unchanged++;
        }
    }
    if (!rc)
        rc = regio_store_adjacency_replace(s, edges, n_edges, err);
    return rc;
}

regio_err regio_units_load(const char *path, const regio_units_import_opts *o,
                           regio_units_loaded *out, regio_import_summary *sum, regio_error *err)
{
    static const regio_units_import_opts defaults;
    regio_import_summary local;
    if (!sum)
        sum = &local;
    memset(sum, 0, sizeof *sum);
    memset(out, 0, sizeof *out);
    if (!o)
        o = &defaults;
    regio_error_clear(err);
    regio_unitset *us = NULL;
    regio_adj_edge *edges = NULL;
    size_t n_edges = 0;
    regio_island_report islands;
    memset(&islands, 0, sizeof islands);
    regio_err rc;
    const char *dot = strrchr(path, '.');
    int is_csv = !dot || !strcasecmp(dot, ".csv") || !strcasecmp(dot, ".tsv") ||
                 !strcasecmp(dot, ".txt");
    if (is_csv) {
        rc = read_units_csv(path, o, &us, sum, err);
    } else {
        regio_units_read_opts ro;
        memset(&ro, 0, sizeof ro);
        ro.layer = o->layer;
        ro.id_field = o->id_field;
        ro.name_field = o->name_field;
        ro.where = o->where;
        ro.skip_empty = o->skip_empty;
        regio_units_report rep;
        memset(&rep, 0, sizeof rep);
        rc = regio_units_read_ogr(path, &ro, &us, &rep, err);
        if (!rc) {
            sum->rows = us->n;
            sum->repaired = rep.repaired;
            for (size_t i = 0; i < REGIO_IMPORT_SAMPLE_IDS && i < rep.repaired; i++)
                snprintf(sum->repaired_ids[i], sizeof sum->repaired_ids[i], "%s",
                         rep.repaired_ids[i]);
            snprintf(sum->layer, sizeof sum->layer, "%s (%s, id from %s%s%s)", rep.layer,
                     rep.driver, rep.id_field, rep.name_field[0] ? ", name from " : "",
                     rep.name_field);
            if (rep.notes[0])
                note(sum, "  note: %s\n", rep.notes);
        }
    }
    if (rc)
        goto fail;
    sum->planar = us->planar;
    if (us->n == 0) {
        rc = regio__file_error(err, REGIO_EDATA, path, "the file holds no units");
        goto fail;
    }
    if (o->adjacency_path) {
        rc = read_adjacency_csv(o->adjacency_path, us, &edges, &n_edges, err);
    } else if (us->has_polygons) {
        rc = regio_adjacency_from_polygons(us, &edges, &n_edges, err);
    } else {
        rc = regio_adjacency_delaunay(us, o->delaunay_max_km, &edges, &n_edges, err);
    }
    if (rc)
        goto fail;
    /* Island links of a previous export are recomputed, not kept. */
    size_t kept = 0;
    for (size_t i = 0; i < n_edges; i++) {
        if (edges[i].kind == REGIO_ADJ_ISLAND) {
            regio_adj_edge_clear(&edges[i]);
            continue;
        }
        if (edges[i].kind == REGIO_ADJ_BORDER)
            sum->edges_border++;
        else if (edges[i].kind == REGIO_ADJ_DELAUNAY)
            sum->edges_delaunay++;
        else
            sum->edges_given++;
        edges[kept++] = edges[i];
    }
    n_edges = kept;
    rc = regio_adjacency_link_islands(us, &edges, &n_edges, &islands, err);
    if (rc)
        goto fail;
    sum->island_links = islands.n_links;
    sum->edges = n_edges;
    for (size_t i = 0; i < islands.n_links && i < 8; i++)
        note(sum, "  island: %s (%zu unit%s) linked to %s, %.1f %s\n", islands.links[i].a,
             islands.links[i].component_size, islands.links[i].component_size == 1 ? "" : "s",
             islands.links[i].b, islands.links[i].dist_km, us->planar ? "units" : "km");
    if (islands.n_links > 8)
        note(sum, "  ... and %zu more island links\n", islands.n_links - 8);
    out->units = us;
    out->edges = edges;
    out->n_edges = n_edges;
    out->islands = islands;
    return REGIO_OK;
fail:
    if (rc == REGIO_ENOMEM)
        regio__file_error(err, REGIO_ENOMEM, path, "out of memory");
    regio_island_report_clear(&islands);
    regio_adj_edges_free(edges, n_edges);
    regio_unitset_destroy(us);
    return rc;
}

void regio_units_loaded_free(regio_units_loaded *l)
{
    if (!l)
        return;
    regio_island_report_clear(&l->islands);
    regio_adj_edges_free(l->edges, l->n_edges);
    regio_unitset_destroy(l->units);
    memset(l, 0, sizeof *l);
}

regio_err regio_import_units(regio_store *s, const char *path, const regio_units_import_opts *o,
                             regio_import_summary *sum, regio_error *err)
{
    static const regio_units_import_opts defaults;
    regio_import_summary local;
    if (!sum)
        sum = &local;
    if (!o)
        o = &defaults;
    regio_units_loaded l;
    regio_err rc = regio_units_load(path, o, &l, sum, err);
    if (rc)
        return rc;
    regio_unitset *us = l.units;
    regio_adj_edge *edges = l.edges;
    size_t n_edges = l.n_edges;
    if ((rc = regio_store_begin(s, err)))
        goto done;
    rc = write_units(s, us, edges, n_edges, sum, err);
    if (!rc) {
        regio_locate_summary ls;
        rc = regio_assign_locate_accounts(s, NULL, &ls, err);
        sum->located = ls.inside + ls.nearest;
    }
    if (!rc && !o->base.dry_run) {
        char detail[256];
        snprintf(detail, sizeof detail,
                 "{\"rows\":%zu,\"added\":%zu,\"updated\":%zu,\"unchanged\":%zu,\"edges\":%zu}",
                 sum->rows, sum->added, sum->updated, sum->unchanged, sum->edges);
        rc = regio_store_audit_append(s, o->base.actor ? o->base.actor : "cli", "import.units",
                                      "file", path, NULL, detail, err);
    }
    if (!rc && !o->base.dry_run)
        rc = regio_store_commit(s, err);
    else
        regio_store_rollback(s, NULL);
done:
    if (rc == REGIO_ENOMEM)
        regio__file_error(err, REGIO_ENOMEM, path, "out of memory");
    regio_units_loaded_free(&l);
    return rc;
}
