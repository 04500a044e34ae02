/*
 * Places accounts into geography units (see regio/assign.h). Polygons go
 * into a GEOS STRtree of prepared geometries: each account point is tested
 * against the polygons whose envelopes hold it, O(log n + hits) per point.
 * Points in no polygon (coast lines, gaps) and point-only unit sets use the
 * nearest unit centroid on a lat/lon grid, within max_km.
 */
#include "regio/assign.h"

#include "assign/locator.h"
#include "geo/geo_internal.h"
#include "core/grow.h"
#include "regio/geo.h"

#include <geos_c.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct poly_unit {
    char *id;
    double lat, lon;
    GEOSGeometry *geom;
    const GEOSPreparedGeometry *prep;
} poly_unit;

typedef struct grid_entry {
    uint64_t key;
    size_t unit;
} grid_entry;

/* The store's units, indexed for point queries (assign/locator.h). */
struct regio__locator {
    regio__geos g;
    poly_unit *units;
    size_t n, cap;
    GEOSSTRtree *tree;
    double max_km;
    double reach_km;   /* how far outside every polygon a point may lie */
    int points_only;   /* the centroid grid holds point units only */
    regio_err rc;
    /* query scratch */
    double qlat, qlon;
    long hit;
    /* nearest-centroid grid over n_grid entries */
    grid_entry *grid;
    size_t n_grid;
    double cell_deg;
    long ncols;
};

typedef struct regio__locator locator;

typedef struct locate_ctx {
    locator *l;
    regio_unplaced_fn on_unplaced;
    void *unplaced_ud;
    /* results to write */
    char **acc_ids, **unit_ids;
    size_t n_out, cap_out;
    regio_locate_summary *sum;
    regio_err rc;
} locate_ctx;

static int load_unit(void *ud, const regio_unit *u)
{
    locator *c = ud;
    if (isnan(u->lat) || isnan(u->lon))
        return 0;
    if (c->n == c->cap && regio__grow(&c->units, &c->cap, c->n + 1, sizeof *c->units)) {
        c->rc = REGIO_ENOMEM;
        return 1;
    }
    poly_unit *p = &c->units[c->n];
    memset(p, 0, sizeof *p);
    p->id = regio_strdup(u->id);
    if (!p->id) {
        c->rc = REGIO_ENOMEM;
        return 1;
    }
    p->lat = u->lat;
    p->lon = u->lon;
    if (u->wkb) {
        GEOSWKBReader *r = GEOSWKBReader_create_r(c->g.h);
        p->geom = r ? GEOSWKBReader_read_r(c->g.h, r, u->wkb, u->wkb_len) : NULL;
        if (r)
            GEOSWKBReader_destroy_r(c->g.h, r);
    }
    c->n++;
    return 0;
}

static void tree_hit(void *item, void *ud)
{
    locator *c = ud;
    size_t i = (size_t)((uintptr_t)item - 1);
    if (c->hit >= 0 && (size_t)c->hit < i)
        return; /* keep the smallest position for determinism */
    poly_unit *p = &c->units[i];
    if (!p->prep)
        return;
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(c->g.h, c->qlon, c->qlat);
    if (pt && GEOSPreparedIntersects_r(c->g.h, p->prep, pt) == 1)
        c->hit = (long)i;
    if (pt)
        GEOSGeom_destroy_r(c->g.h, pt);
}

/* Grid over unit centroids for the nearest-unit fallback: cells of h
 * degrees (h = the search radius in latitude degrees), keys sorted so a
 * cell's units are found by binary search. A query scans the 3 rows around
 * the point and as many columns as the radius spans at that latitude, so it
 * costs O(log n + units nearby) instead of O(n). */
static uint64_t cell_key(long row, long col, long ncols)
{
    return (uint64_t)row * (uint64_t)ncols + (uint64_t)col;
}

static int cmp_entry(const void *a, const void *b)
{
    const grid_entry *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->unit < y->unit ? -1 : x->unit > y->unit;
}

static regio_err grid_build(locator *c)
{
    c->cell_deg = c->max_km / 111.0;
    if (c->cell_deg < 0.01)
        c->cell_deg = 0.01;
    c->ncols = (long)ceil(360.0 / c->cell_deg);
    c->grid = regio_malloc((c->n ? c->n : 1) * sizeof *c->grid);
    if (!c->grid)
        return REGIO_ENOMEM;
    c->n_grid = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (c->points_only && c->units[i].geom)
            continue;
        long row = (long)floor((c->units[i].lat + 90.0) / c->cell_deg);
        long col = (long)floor((c->units[i].lon + 180.0) / c->cell_deg) % c->ncols;
        c->grid[c->n_grid].key = cell_key(row, col < 0 ? col + c->ncols : col, c->ncols);
        c->grid[c->n_grid].unit = i;
        c->n_grid++;
    }
    qsort(c->grid, c->n_grid, sizeof *c->grid, cmp_entry);
    return REGIO_OK;
}

/* Never more than the great-circle distance between two points whose
 * latitudes differ by dlat degrees (a meridian arc is the shortest way
 * across a band of latitude), with room for rounding: a unit this bound
 * puts beyond the best distance so far cannot be the nearest. */
static double lat_bound_km(double dlat)
{
    return fabs(dlat) * (M_PI / 180.0) * REGIO_EARTH_RADIUS_KM * (1.0 - 1e-9) - 1e-6;
}

/* Nearest unit centroid within max_km by great-circle distance (ties: the
 * smallest unit position), or -1. The point's own row of cells goes first
 * and units (and rows) the latitude alone puts farther than the best so
 * far are skipped without a haversine: with dense units (50,000 point
 * units) that was most of an account import's time. Neither changes the
 * answer: the tie rule does not depend on the order. */
static long nearest_unit(const locator *c, double lat, double lon, double *dist)
{
    long best = -1;
    double bd = INFINITY;
    long row0 = (long)floor((lat + 90.0) / c->cell_deg);
    long col0 = (long)floor((lon + 180.0) / c->cell_deg);
    double coslat = cos((fabs(lat) + c->cell_deg) * M_PI / 180.0);
    long span = coslat > 0.01 ? (long)ceil(1.0 / coslat) + 1 : c->ncols;
    if (2 * span + 1 > c->ncols)
        span = c->ncols / 2;
    static const long row_order[3] = {0, -1, 1};
    for (int ro = 0; ro < 3; ro++) {
        long r = row0 + row_order[ro];
        if (r < 0)
            continue;
        /* The nearest latitude of row r's band. */
        double edge = row_order[ro] < 0 ? (double)(r + 1) * c->cell_deg - 90.0
                      : row_order[ro] > 0 ? (double)r * c->cell_deg - 90.0
                                          : lat;
        if (lat_bound_km(lat - edge) > bd)
            continue;
        for (long dc = -span; dc <= span; dc++) {
            long col = ((col0 + dc) % c->ncols + c->ncols) % c->ncols;
            uint64_t key = cell_key(r, col, c->ncols);
            size_t lo = 0, hi = c->n_grid;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (c->grid[mid].key < key)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (size_t g = lo; g < c->n_grid && c->grid[g].key == key; g++) {
                size_t i = c->grid[g].unit;
                if (lat_bound_km(lat - c->units[i].lat) > bd)
                    continue;
                double d = regio_haversine_km(lat, lon, c->units[i].lat, c->units[i].lon);
                if (d < bd || (d == bd && (long)i < best)) {
                    bd = d;
                    best = (long)i;
                }
            }
        }
    }
    *dist = bd;
    return bd <= c->max_km ? best : -1;
}

/* How far outside every polygon an account may lie and still go to the
 * nearest one: coastlines drawn at 1:10m leave harbour-front accounts a
 * few km offshore, while accounts of a neighbouring region that is not in
 * the store lie farther (a store of one state must not pull in the next
 * state's border towns). */
#define POLYGON_REACH_KM 10.0

/* Distance callback of the STRtree's nearest search: planar, in degrees,
 * between a unit polygon (items are positions + 1) and the query point
 * (the item that is not a small number: the point geometry itself). */
static int polygon_distance(const void *a, const void *b, double *d, void *ud)
{
    locator *c = ud;
    const GEOSGeometry *pt = (const GEOSGeometry *)((uintptr_t)a > c->n ? a : b);
    uintptr_t item = (uintptr_t)a > c->n ? (uintptr_t)b : (uintptr_t)a;
    if (item == 0 || item > c->n || !c->units[item - 1].geom) {
        *d = INFINITY;
        return 1;
    }
    return GEOSDistance_r(c->g.h, c->units[item - 1].geom, pt, d);
}

/* The unit polygon nearest to a point outside all of them, within
 * reach_km (POLYGON_REACH_KM unless the caller chose) and max_km, measured
 * on the sphere from the point to the polygon's nearest point (a coastal
 * account a little offshore of a large county whose centroid is far away),
 * or -1. */
static long nearest_polygon(locator *c, double lat, double lon)
{
    if (!c->tree || c->reach_km <= 0)
        return -1;
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(c->g.h, lon, lat);
    if (!pt)
        return -1;
    long best = -1;
    const void *item = GEOSSTRtree_nearest_generic_r(c->g.h, c->tree, pt, pt, polygon_distance, c);
    uintptr_t i = (uintptr_t)item;
    if (i >= 1 && i <= c->n && c->units[i - 1].geom) {
        GEOSCoordSequence *cs = GEOSNearestPoints_r(c->g.h, c->units[i - 1].geom, pt);
        double x, y;
        if (cs && GEOSCoordSeq_getXY_r(c->g.h, cs, 0, &x, &y) &&
            regio_haversine_km(lat, lon, y, x) <= fmin(c->max_km, c->reach_km))
            best = (long)(i - 1);
        if (cs)
            GEOSCoordSeq_destroy_r(c->g.h, cs);
    }
    GEOSGeom_destroy_r(c->g.h, pt);
    return best;
}

static regio_err push_result(locate_ctx *c, const char *acc, const char *unit)
{
    if (c->n_out == c->cap_out) {
        size_t ca = c->cap_out, cu = c->cap_out;
        if (regio__grow(&c->acc_ids, &ca, c->n_out + 1, sizeof *c->acc_ids) ||
            regio__grow(&c->unit_ids, &cu, c->n_out + 1, sizeof *c->unit_ids))
            return REGIO_ENOMEM;
        c->cap_out = ca;
    }
    c->acc_ids[c->n_out] = regio_strdup(acc);
    c->unit_ids[c->n_out] = unit ? regio_strdup(unit) : NULL;
    if (!c->acc_ids[c->n_out] || (unit && !c->unit_ids[c->n_out])) {
        regio_free(c->acc_ids[c->n_out]);
        regio_free(c->unit_ids[c->n_out]);
        return REGIO_ENOMEM;
    }
    c->n_out++;
    return REGIO_OK;
}

/* ---- the locator (assign/locator.h) ---------------------------------------- */

long regio__locator_find(regio__locator *c, double lat, double lon, int *inside)
{
    if (inside)
        *inside = 0;
    if (isnan(lat) || isnan(lon) || c->n == 0)
        return -1;
    long idx = -1;
    if (c->tree) {
        c->qlat = lat;
        c->qlon = lon;
        c->hit = -1;
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(c->g.h, lon, lat);
        if (pt) {
            GEOSSTRtree_query_r(c->g.h, c->tree, pt, tree_hit, c);
            GEOSGeom_destroy_r(c->g.h, pt);
        }
        idx = c->hit;
        if (idx >= 0 && inside)
            *inside = 1;
    }
    if (idx < 0) {
        double d;
        idx = nearest_unit(c, lat, lon, &d);
        if (idx < 0)
            idx = nearest_polygon(c, lat, lon);
    }
    return idx;
}

size_t regio__locator_count(const regio__locator *l)
{
    return l ? l->n : 0;
}

const char *regio__locator_unit_id(const regio__locator *l, size_t i)
{
    return l && i < l->n ? l->units[i].id : NULL;
}

int regio__locator_has_polygons(const regio__locator *l)
{
    return l && l->tree != NULL;
}

void regio__locator_close(regio__locator *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        if (c->units[i].prep)
            GEOSPreparedGeom_destroy_r(c->g.h, c->units[i].prep);
        if (c->units[i].geom)
            GEOSGeom_destroy_r(c->g.h, c->units[i].geom);
        regio_free(c->units[i].id);
    }
    regio_free(c->units);
    regio_free(c->grid);
    if (c->tree)
        GEOSSTRtree_destroy_r(c->g.h, c->tree);
    regio__geos_finish(&c->g);
    regio_free(c);
}

regio_err regio__locator_open(regio_store *s, const regio__locator_opts *opts,
                              regio__locator **out, regio_error *err)
{
    *out = NULL;
    locator *c = regio_calloc(1, sizeof *c);
    if (!c)
        return REGIO_ENOMEM;
    c->max_km = opts && opts->max_km > 0 ? opts->max_km : 50.0;
    c->reach_km = opts && opts->reach_km != 0 ? opts->reach_km : POLYGON_REACH_KM;
    c->points_only = opts ? opts->points_only : 0;
    regio_err rc = regio__geos_init(&c->g);
    if (rc) {
        regio_free(c);
        return rc;
    }
    rc = regio_store_units_foreach(s, 1, load_unit, c, err);
    if (rc == REGIO_ECANCELLED && c->rc)
        rc = c->rc;
    int any_poly = 0;
    for (size_t i = 0; !rc && i < c->n; i++)
        any_poly |= c->units[i].geom != NULL;
    if (!rc && any_poly) {
        c->tree = GEOSSTRtree_create_r(c->g.h, 10);
        if (!c->tree)
            rc = REGIO_EGEOM;
        for (size_t i = 0; !rc && i < c->n; i++) {
            if (!c->units[i].geom)
                continue;
            c->units[i].prep = GEOSPrepare_r(c->g.h, c->units[i].geom);
            GEOSSTRtree_insert_r(c->g.h, c->tree, c->units[i].geom, (void *)(uintptr_t)(i + 1));
        }
    }
    if (!rc)
        rc = grid_build(c);
    if (rc) {
        regio__locator_close(c);
        return rc;
    }
    *out = c;
    return REGIO_OK;
}

/* ---- accounts -------------------------------------------------------------- */

static int place_account(void *ud, const regio_account *a)
{
    locate_ctx *c = ud;
    if (isnan(a->lat) || isnan(a->lon))
        return 0;
    c->sum->accounts++;
    int inside = 0;
    long idx = regio__locator_find(c->l, a->lat, a->lon, &inside);
    if (idx >= 0 && inside)
        c->sum->inside++;
    else if (idx >= 0)
        c->sum->nearest++;
    else {
        c->sum->unplaced++;
        if (c->on_unplaced)
            c->on_unplaced(c->unplaced_ud, a);
    }
    const char *unit = idx >= 0 ? c->l->units[idx].id : NULL;
    int same = (unit && a->unit_id && !strcmp(unit, a->unit_id)) || (!unit && !a->unit_id);
    if (same)
        return 0;
    c->sum->changed++;
    c->rc = push_result(c, a->id, unit);
    return c->rc != REGIO_OK;
}

static void ctx_free(locate_ctx *c)
{
    regio__locator_close(c->l);
    for (size_t i = 0; i < c->n_out; i++) {
        regio_free(c->acc_ids[i]);
        regio_free(c->unit_ids[i]);
    }
    regio_free(c->acc_ids);
    regio_free(c->unit_ids);
}

regio_err regio_assign_locate_accounts(regio_store *s, const regio_locate_opts *opts,
                                       regio_locate_summary *sum, regio_error *err)
{
    regio_locate_summary local;
    if (!sum)
        sum = &local;
    memset(sum, 0, sizeof *sum);
    locate_ctx c;
    memset(&c, 0, sizeof c);
    c.sum = sum;
    c.on_unplaced = opts ? opts->on_unplaced : NULL;
    c.unplaced_ud = opts ? opts->unplaced_ud : NULL;
    regio__locator_opts lo = {opts ? opts->max_km : 0, 0, 0};
    regio_err rc = regio__locator_open(s, &lo, &c.l, err);
    if (!rc && c.l->n == 0)
        goto done; /* no units: nothing to place into */
    if (!rc) {
        rc = regio_store_accounts_foreach(s, place_account, &c, err);
        if (rc == REGIO_ECANCELLED && c.rc)
            rc = c.rc;
    }
    if (!rc && c.n_out)
        rc = regio_store_account_set_unit(s, (const char *const *)c.acc_ids,
                                          (const char *const *)c.unit_ids, c.n_out, err);
    if (!rc && opts && opts->measures)
        rc = regio_store_unit_measures_from_accounts(s, err);
done:
    ctx_free(&c);
    if (rc && err && !err->msg[0])
        regio_error_setf(err, rc, NULL, 0, NULL, "placing accounts into units failed: %s",
                         regio_strerror(rc));
    return rc;
}
