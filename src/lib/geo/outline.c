/*
 * Territory outlines: the union of a territory's unit polygons (GEOS
 * cascaded union of one collection), with the convex hull of its point
 * units added, optionally simplified with topology preserved, written as a
 * GeoJSON geometry or a KML geometry fragment with coordinates rounded to
 * five decimals (about 1 m). Each call owns its GEOS context, so calls may
 * run on several threads at once. Cost: one union per territory, about
 * O(v log v) in the territory's vertex count v.
 */
#include "regio/buf.h"
#include "geo/geo_internal.h"
#include "core/grow.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Coordinates are written as integers of 1e-5 degree. */
#define SCALE 1e5

/* ---- building the geometry ---------------------------------------------------- */

typedef struct ctx {
    regio__geos g;
    GEOSWKBReader *rd;
    regio_error *err;
} ctx;

static regio_err geos_fail(ctx *c, const char *what, const char *id)
{
    return regio__geo_fail(c->err, REGIO_EGEOM, NULL, 0, NULL, "%s%s%s%s: %s", what,
                           id ? " of unit '" : "", id ? id : "", id ? "'" : "",
                           c->g.last[0] ? c->g.last : "GEOS failed");
}

static regio_err oom(ctx *c)
{
    return regio__geo_fail(c->err, REGIO_ENOMEM, NULL, 0, NULL,
                           "out of memory computing a territory outline");
}

/* Coverage union of a collection, trusted only when its result is valid. */
static GEOSGeometry *coverage_union(GEOSContextHandle_t h, const GEOSGeometry *coll)
{
    GEOSGeometry *u = GEOSCoverageUnion_r(h, coll);
    if (u && GEOSisValid_r(h, u) != 1) {
        GEOSGeom_destroy_r(h, u);
        u = NULL;
    }
    return u;
}

/* Takes ownership of parts[0..n) (GEOS does, even on failure of the
 * union: the collection is destroyed here). */
static GEOSGeometry *union_parts(ctx *c, GEOSGeometry **parts, size_t n)
{
    GEOSContextHandle_t h = c->g.h;
    if (n == 1)
        return parts[0];
    GEOSGeometry *coll =
        GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)n);
    if (!coll) {
        for (size_t i = 0; i < n; i++)
            GEOSGeom_destroy_r(h, parts[i]);
        return NULL;
    }
    /* Units cut from one topology (TopoJSON, a county shapefile) share
     * their borders vertex for vertex: a coverage union, which only drops
     * the shared edges, is then several times faster than an overlay
     * union. It is trusted only when its result is valid; otherwise (gaps,
     * overlaps, edges that do not match) the overlay union decides. Most
     * territories of the US counties pass; splitting the others into
     * halves that pass was measured and gained nothing. */
    GEOSGeometry *u = coverage_union(h, coll);
    if (!u)
        u = GEOSUnaryUnion_r(h, coll);
    if (!u) /* a robustness failure: retry snapped to a fine grid */
        u = GEOSUnaryUnionPrec_r(h, coll, 1e-7);
    if (u)
        c->g.last[0] = '\0'; /* forget the complaints of the attempts that failed */
    GEOSGeom_destroy_r(h, coll);
    return u;
}

/*
 * The outline of units idx[0..m): union of the polygons, plus the convex
 * hull of the point units (and of any non-polygonal WKB). *res is NULL
 * when there is nothing to draw.
 */
static regio_err build(ctx *c, const regio_unitset *us, const size_t *idx, size_t m,
                       double simplify_deg, GEOSGeometry **res)
{
    GEOSContextHandle_t h = c->g.h;
    *res = NULL;
    if (m == 0)
        return REGIO_OK;
    GEOSGeometry **polys = regio_malloc(m * sizeof *polys);
    GEOSGeometry **pts = regio_malloc(m * sizeof *pts);
    size_t np = 0, nq = 0;
    regio_err rc = polys && pts ? REGIO_OK : oom(c);
    for (size_t j = 0; j < m && !rc; j++) {
        const regio_unit *u = &us->units[idx[j]];
        GEOSGeometry *geom = NULL;
        if (u->wkb && u->wkb_len) {
            geom = GEOSWKBReader_read_r(h, c->rd, u->wkb, u->wkb_len);
            if (!geom) {
                rc = geos_fail(c, "unreadable WKB", u->id);
                break;
            }
            int ty = GEOSGeomTypeId_r(h, geom);
            if (GEOSisEmpty_r(h, geom)) {
                GEOSGeom_destroy_r(h, geom);
            } else if (ty == GEOS_POLYGON || ty == GEOS_MULTIPOLYGON) {
                polys[np++] = geom;
            } else {
                pts[nq++] = geom;
            }
            continue;
        }
        if (isnan(u->lat) || isnan(u->lon))
            continue; /* nothing to draw */
        geom = GEOSGeom_createPointFromXY_r(h, u->lon, u->lat);
        if (!geom) {
            rc = geos_fail(c, "creating the point", u->id);
            break;
        }
        pts[nq++] = geom;
    }
    GEOSGeometry *poly = NULL, *hull = NULL;
    if (!rc && np) {
        poly = union_parts(c, polys, np);
        np = 0;
        if (!poly)
            rc = geos_fail(c, "union of the territory's polygons", NULL);
    }
    if (!rc && nq) {
        GEOSGeometry *coll =
            GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, pts, (unsigned)nq);
        if (!coll) {
            rc = geos_fail(c, "collecting the point units", NULL);
        } else {
            nq = 0;
            hull = GEOSConvexHull_r(h, coll);
            GEOSGeom_destroy_r(h, coll);
            if (!hull)
                rc = geos_fail(c, "convex hull of the point units", NULL);
        }
    }
    for (size_t j = 0; j < np; j++)
        GEOSGeom_destroy_r(h, polys[j]);
    for (size_t j = 0; j < nq; j++)
        GEOSGeom_destroy_r(h, pts[j]);
    regio_free(polys);
    regio_free(pts);
    GEOSGeometry *out = NULL;
    if (!rc && poly && hull) {
        out = GEOSUnion_r(h, poly, hull);
        if (!out)
            rc = geos_fail(c, "union of polygons and point hull", NULL);
    } else if (!rc) {
        out = poly ? poly : hull; /* ownership moves to out */
        poly = hull = NULL;
    }
    if (poly)
        GEOSGeom_destroy_r(h, poly);
    if (hull)
        GEOSGeom_destroy_r(h, hull);
    if (rc)
        return rc;
    if (out && simplify_deg > 0) {
        GEOSGeometry *s = GEOSTopologyPreserveSimplify_r(h, out, simplify_deg);
        GEOSGeom_destroy_r(h, out);
        out = s;
        if (!out)
            return geos_fail(c, "simplifying the outline", NULL);
    }
    *res = out;
    return REGIO_OK;
}

/* ---- writing ---------------------------------------------------------------------- */

typedef struct writer {
    ctx *c;
    regio_buf b;
    regio_outline_format fmt;
    long long *q;   /* rounded coordinates of the current sequence */
    size_t q_cap;
} writer;

static regio_err put_q(regio_buf *b, long long v)
{
    char tmp[32];
    unsigned long long a = v < 0 ? (unsigned long long)-v : (unsigned long long)v;
    unsigned long long ip = a / 100000, fp = a % 100000;
    int n;
    if (fp == 0) {
        n = snprintf(tmp, sizeof tmp, "%s%llu", v < 0 ? "-" : "", ip);
    } else {
        char frac[8];
        snprintf(frac, sizeof frac, "%05llu", fp);
        for (int i = 4; i > 0 && frac[i] == '0'; i--)
            frac[i] = '\0';
        n = snprintf(tmp, sizeof tmp, "%s%llu.%s", v < 0 ? "-" : "", ip, frac);
    }
    return regio_buf_append(b, tmp, (size_t)n);
}

/*
 * Reads a coordinate sequence rounded to 1e-5, dropping consecutive
 * duplicates the rounding makes; *n receives the point count kept.
 */
static regio_err read_seq(writer *w, const GEOSGeometry *geom, size_t *n)
{
    GEOSContextHandle_t h = w->c->g.h;
    const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, geom);
    unsigned int m = 0;
    *n = 0;
    if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &m))
        return geos_fail(w->c, "reading coordinates", NULL);
    if (regio__grow(&w->q, &w->q_cap, 2 * (size_t)m, sizeof *w->q))
        return oom(w->c);
    size_t k = 0;
    for (unsigned int i = 0; i < m; i++) {
        double x = 0, y = 0;
        if (!GEOSCoordSeq_getXY_r(h, seq, i, &x, &y))
            return geos_fail(w->c, "reading coordinates", NULL);
        long long qx = llround(x * SCALE), qy = llround(y * SCALE);
        if (k && w->q[2 * k - 2] == qx && w->q[2 * k - 1] == qy)
            continue;
        w->q[2 * k] = qx;
        w->q[2 * k + 1] = qy;
        k++;
    }
    *n = k;
    return REGIO_OK;
}

/* Writes the n points in w->q: GeoJSON [[x,y],...] (bare [x,y] when
 * single) or KML "x,y x,y". */
static regio_err put_coords(writer *w, size_t n, int single)
{
    regio_buf *b = &w->b;
    int js = w->fmt == REGIO_OUTLINE_GEOJSON;
    regio_err rc = js && !single ? regio_buf_putc(b, '[') : REGIO_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        if (i)
            rc = regio_buf_putc(b, js ? ',' : ' ');
        if (!rc && js)
            rc = regio_buf_putc(b, '[');
        if (!rc)
            rc = put_q(b, w->q[2 * i]);
        if (!rc)
            rc = regio_buf_putc(b, ',');
        if (!rc)
            rc = put_q(b, w->q[2 * i + 1]);
        if (!rc && js)
            rc = regio_buf_putc(b, ']');
    }
    if (!rc && js && !single)
        rc = regio_buf_putc(b, ']');
    return rc ? oom(w->c) : REGIO_OK;
}

static regio_err puts_(writer *w, const char *s)
{
    return regio_buf_puts(&w->b, s) ? oom(w->c) : REGIO_OK;
}

/* Writes one polygon; rings the rounding collapsed (fewer than four
 * points) are left out, and a polygon whose shell collapsed is skipped
 * (*wrote = 0). first says whether a separator is needed (GeoJSON). */
static regio_err put_polygon(writer *w, const GEOSGeometry *p, int *wrote)
{
    GEOSContextHandle_t h = w->c->g.h;
    int js = w->fmt == REGIO_OUTLINE_GEOJSON;
    int nh = GEOSGetNumInteriorRings_r(h, p);
    size_t n = 0;
    *wrote = 0;
    const GEOSGeometry *shell = GEOSGetExteriorRing_r(h, p);
    regio_err rc = shell ? read_seq(w, shell, &n) : REGIO_OK;
    if (rc || n < 4)
        return rc;
    *wrote = 1;
    rc = puts_(w, js ? "[" : "<Polygon><outerBoundaryIs><LinearRing><coordinates>");
    if (!rc)
        rc = put_coords(w, n, 0);
    if (!rc && !js)
        rc = puts_(w, "</coordinates></LinearRing></outerBoundaryIs>");
    for (int k = 0; k < nh && !rc; k++) {
        if ((rc = read_seq(w, GEOSGetInteriorRingN_r(h, p, k), &n)) || n < 4)
            continue;
        rc = puts_(w, js ? "," : "<innerBoundaryIs><LinearRing><coordinates>");
        if (!rc)
            rc = put_coords(w, n, 0);
        if (!rc && !js)
            rc = puts_(w, "</coordinates></LinearRing></innerBoundaryIs>");
    }
    if (!rc)
        rc = puts_(w, js ? "]" : "</Polygon>");
    return rc;
}

/* GeoJSON: one geometry object. KML: the parts, without the MultiGeometry
 * wrapper (the caller adds it once). */
static regio_err put_geom(writer *w, const GEOSGeometry *geom)
{
    GEOSContextHandle_t h = w->c->g.h;
    int js = w->fmt == REGIO_OUTLINE_GEOJSON;
    int ty = GEOSGeomTypeId_r(h, geom);
    size_t n = 0;
    regio_err rc = REGIO_OK;
    int wrote = 0;
    switch (ty) {
    case GEOS_POINT:
        if (GEOSisEmpty_r(h, geom))
            return REGIO_OK;
        if ((rc = read_seq(w, geom, &n)))
            return rc;
        rc = puts_(w, js ? "{\"type\":\"Point\",\"coordinates\":" : "<Point><coordinates>");
        if (!rc)
            rc = put_coords(w, n, 1);
        return rc ? rc : puts_(w, js ? "}" : "</coordinates></Point>");
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
        if ((rc = read_seq(w, geom, &n)))
            return rc;
        rc = puts_(w, js ? "{\"type\":\"LineString\",\"coordinates\":"
                         : "<LineString><coordinates>");
        if (!rc)
            rc = put_coords(w, n, 0);
        return rc ? rc : puts_(w, js ? "}" : "</coordinates></LineString>");
    case GEOS_POLYGON:
        if (!js)
            return put_polygon(w, geom, &wrote);
        rc = puts_(w, "{\"type\":\"Polygon\",\"coordinates\":");
        if (!rc)
            rc = put_polygon(w, geom, &wrote);
        if (!rc && !wrote)
            rc = puts_(w, "[]");
        return rc ? rc : puts_(w, "}");
    case GEOS_MULTIPOLYGON: {
        int ng = GEOSGetNumGeometries_r(h, geom), any = 0;
        if (js)
            rc = puts_(w, "{\"type\":\"MultiPolygon\",\"coordinates\":[");
        for (int i = 0; i < ng && !rc; i++) {
            size_t mark = w->b.len;
            if (js && any)
                rc = puts_(w, ",");
            if (!rc)
                rc = put_polygon(w, GEOSGetGeometryN_r(h, geom, i), &wrote);
            if (!rc && !wrote)
                w->b.len = mark; /* drop the separator of a collapsed part */
            any |= wrote;
        }
        if (!rc && js)
            rc = puts_(w, "]}");
        return rc;
    }
    default: { /* multi points, multi lines, collections */
        int ng = GEOSGetNumGeometries_r(h, geom);
        if (js) {
            const char *name = ty == GEOS_MULTIPOINT        ? "MultiPoint"
                               : ty == GEOS_MULTILINESTRING ? "MultiLineString"
                                                            : "GeometryCollection";
            if (ty == GEOS_MULTIPOINT || ty == GEOS_MULTILINESTRING) {
                rc = regio_buf_printf(&w->b, "{\"type\":\"%s\",\"coordinates\":[", name)
                         ? oom(w->c)
                         : REGIO_OK;
                for (int i = 0; i < ng && !rc; i++) {
                    if (i)
                        rc = puts_(w, ",");
                    if (!rc)
                        rc = read_seq(w, GEOSGetGeometryN_r(h, geom, i), &n);
                    if (!rc)
                        rc = put_coords(w, n, ty == GEOS_MULTIPOINT);
                }
                return rc ? rc : puts_(w, "]}");
            }
            rc = puts_(w, "{\"type\":\"GeometryCollection\",\"geometries\":[");
            for (int i = 0; i < ng && !rc; i++) {
                if (i)
                    rc = puts_(w, ",");
                if (!rc)
                    rc = put_geom(w, GEOSGetGeometryN_r(h, geom, i));
            }
            return rc ? rc : puts_(w, "]}");
        }
        for (int i = 0; i < ng && !rc; i++)
            rc = put_geom(w, GEOSGetGeometryN_r(h, geom, i));
        return rc;
    }
    }
}

/* Writes geom (NULL or empty = no geometry) into a new string *out. */
static regio_err write_out(writer *w, const GEOSGeometry *geom, char **out)
{
    regio_err rc = REGIO_OK;
    int empty = !geom || GEOSisEmpty_r(w->c->g.h, geom);
    regio_buf_reset(&w->b);
    if (w->fmt == REGIO_OUTLINE_GEOJSON) {
        rc = empty ? puts_(w, "null") : put_geom(w, geom);
    } else {
        /* KML: an empty string stands for "no geometry" (a Placemark
         * without one is valid KML). */
        rc = puts_(w, "");
        if (!rc && !empty) {
            rc = puts_(w, "<MultiGeometry>");
            if (!rc)
                rc = put_geom(w, geom);
            if (!rc)
                rc = puts_(w, "</MultiGeometry>");
        }
    }
    if (rc)
        return rc;
    *out = regio_buf_steal(&w->b);
    return *out ? REGIO_OK : oom(w->c);
}

/* ---- public calls ------------------------------------------------------------------- */

static regio_err start(ctx *c, writer *w, regio_outline_format fmt, regio_error *err)
{
    memset(c, 0, sizeof *c);
    memset(w, 0, sizeof *w);
    c->err = err;
    w->c = c;
    w->fmt = fmt;
    regio_buf_init(&w->b, 0);
    if (regio__geos_init(&c->g))
        return oom(c);
    c->rd = GEOSWKBReader_create_r(c->g.h);
    if (!c->rd)
        return geos_fail(c, "creating a WKB reader", NULL);
    return REGIO_OK;
}

static void finish(ctx *c, writer *w)
{
    if (c->rd)
        GEOSWKBReader_destroy_r(c->g.h, c->rd);
    regio__geos_finish(&c->g);
    regio_buf_free(&w->b);
    regio_free(w->q);
}

static regio_err check_args(const regio_unitset *us, const int *labels,
                            regio_outline_format fmt, const void *out, regio_error *err)
{
    if (!us || (us->n && !labels) || !out)
        return regio__geo_fail(err, REGIO_EINVAL, NULL, 0, NULL,
                               "outline needs a unit set, labels and an output");
    if (fmt != REGIO_OUTLINE_GEOJSON && fmt != REGIO_OUTLINE_KML)
        return regio__geo_fail(err, REGIO_EINVAL, NULL, 0, NULL, "unknown outline format %d",
                               (int)fmt);
    return REGIO_OK;
}

regio_err regio_geo_outline(const regio_unitset *us, const int *labels, int t,
                            double simplify_deg, regio_outline_format fmt, char **out,
                            regio_error *err)
{
    regio_err rc = check_args(us, labels, fmt, out, err);
    if (rc)
        return rc;
    *out = NULL;
    size_t m = 0;
    for (size_t i = 0; i < us->n; i++)
        m += labels[i] == t;
    size_t *idx = regio_malloc((m ? m : 1) * sizeof *idx);
    if (!idx)
        return regio__geo_fail(err, REGIO_ENOMEM, NULL, 0, NULL,
                               "out of memory computing a territory outline");
    m = 0;
    for (size_t i = 0; i < us->n; i++)
        if (labels[i] == t)
            idx[m++] = i;
    ctx c;
    writer w;
    GEOSGeometry *geom = NULL;
    rc = start(&c, &w, fmt, err);
    if (!rc)
        rc = build(&c, us, idx, m, simplify_deg, &geom);
    if (!rc)
        rc = write_out(&w, geom, out);
    if (geom)
        GEOSGeom_destroy_r(c.g.h, geom);
    finish(&c, &w);
    regio_free(idx);
    return rc;
}

void regio_geo_outlines_free(char **outs, int k)
{
    if (!outs)
        return;
    for (int t = 0; t < k; t++)
        regio_free(outs[t]);
    regio_free(outs);
}

regio_err regio_geo_outline_many(const regio_unitset *us, const int *labels, int k,
                                 double simplify_deg, regio_outline_format fmt, char ***outs,
                                 regio_error *err)
{
    regio_err rc = check_args(us, labels, fmt, outs, err);
    if (rc)
        return rc;
    *outs = NULL;
    if (k < 0)
        return regio__geo_fail(err, REGIO_EINVAL, NULL, 0, NULL, "k must not be negative");
    /* Bucket the units by label (counting sort), then one union each. */
    size_t *start_at = regio_calloc((size_t)k + 1, sizeof *start_at);
    size_t *idx = regio_malloc((us->n ? us->n : 1) * sizeof *idx);
    char **res = regio_calloc(k ? (size_t)k : 1, sizeof *res);
    if (!start_at || !idx || !res) {
        regio_free(start_at);
        regio_free(idx);
        regio_free(res);
        return regio__geo_fail(err, REGIO_ENOMEM, NULL, 0, NULL,
                               "out of memory computing territory outlines");
    }
    for (size_t i = 0; i < us->n; i++)
        if (labels[i] >= 0 && labels[i] < k)
            start_at[labels[i] + 1]++;
    for (int t = 0; t < k; t++)
        start_at[t + 1] += start_at[t];
    size_t *fill = regio_malloc(((size_t)k + 1) * sizeof *fill);
    if (!fill) {
        regio_free(start_at);
        regio_free(idx);
        regio_free(res);
        return regio__geo_fail(err, REGIO_ENOMEM, NULL, 0, NULL,
                               "out of memory computing territory outlines");
    }
    memcpy(fill, start_at, ((size_t)k + 1) * sizeof *fill);
    for (size_t i = 0; i < us->n; i++)
        if (labels[i] >= 0 && labels[i] < k)
            idx[fill[labels[i]]++] = i;
    regio_free(fill);
    ctx c;
    writer w;
    rc = start(&c, &w, fmt, err);
    for (int t = 0; t < k && !rc; t++) {
        GEOSGeometry *geom = NULL;
        rc = build(&c, us, idx + start_at[t], start_at[t + 1] - start_at[t], simplify_deg, &geom);
        if (!rc)
            rc = write_out(&w, geom, &res[t]);
        if (geom)
            GEOSGeom_destroy_r(c.g.h, geom);
    }
    finish(&c, &w);
    regio_free(start_at);
    regio_free(idx);
    if (rc) {
        regio_geo_outlines_free(res, k);
        return rc;
    }
    *outs = res;
    return REGIO_OK;
}
