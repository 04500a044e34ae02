/*
 * Distances, areas and centroids on the sphere (R = REGIO_EARTH_RADIUS_KM,
 * METRICS.md).
 * Method: a ring's signed area is the sum of the spherical triangles of a
 * fan from its first vertex (Van Oosterom-Strackee: tan(E/2) = det(a,b,c) /
 * (1 + a.b + b.c + c.a)); its first moment (the integral of the position
 * vector over the area, i.e. the area-weighted mean of the infinitesimal
 * triangles) is exact by Stokes: M = 1/2 sum_edges theta_e * n_e, with
 * n_e the unit normal of the edge's great circle and theta_e its angle.
 * Rings are oriented by the sign of their area: exteriors add, holes
 * subtract, parts of a multipolygon add. Centroid = M / |M| as lat/lon.
 * O(vertices). Edges are great-circle arcs, not parallels.
 */
#include "geo/geo_internal.h"
#include "core/great_circle.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

double regio_haversine_km(double lat1, double lon1, double lat2, double lon2)
{
    double p1 = lat1 * REGIO__DEG2RAD, p2 = lat2 * REGIO__DEG2RAD;
    double dp = p2 - p1, dl = (lon2 - lon1) * REGIO__DEG2RAD;
    double s1 = sin(dp / 2), s2 = sin(dl / 2);
    double h = s1 * s1 + cos(p1) * cos(p2) * s2 * s2;
    if (h > 1.0)
        h = 1.0;
    return 2.0 * REGIO_EARTH_RADIUS_KM * asin(sqrt(h));
}

double regio_euclid(double x1, double y1, double x2, double y2)
{
    return hypot(x2 - x1, y2 - y1);
}

static void cross(const double a[3], const double b[3], double o[3])
{
    o[0] = a[1] * b[2] - a[2] * b[1];
    o[1] = a[2] * b[0] - a[0] * b[2];
    o[2] = a[0] * b[1] - a[1] * b[0];
}

static double dot(const double a[3], const double b[3])
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

void regio__sphere_ring(const double *xy, size_t n, double *area,
                        double mom[3])
{
    if (n >= 2 && xy[0] == xy[2 * (n - 1)] && xy[1] == xy[2 * (n - 1) + 1])
        n--; /* drop the closing vertex */
    if (n < 3)
        return;
    double v0[3], a[3], b[3], c[3];
    double e = 0, m[3] = {0, 0, 0};
    regio__unit_vector(xy[1], xy[0], v0);
    regio__unit_vector(xy[3], xy[2], a);
    /* fan triangles (v0, v_i, v_i+1) */
    for (size_t i = 1; i + 1 < n; i++) {
        regio__unit_vector(xy[2 * (i + 1) + 1], xy[2 * (i + 1)], b);
        cross(a, b, c);
        double det = dot(v0, c);
        double den = 1.0 + dot(v0, a) + dot(a, b) + dot(b, v0);
        e += 2.0 * atan2(det, den);
        memcpy(a, b, sizeof a);
    }
    /* first moment over all edges, closing edge included */
    regio__unit_vector(xy[1], xy[0], a);
    for (size_t i = 0; i < n; i++) {
        size_t j = (i + 1) % n;
        regio__unit_vector(xy[2 * j + 1], xy[2 * j], b);
        cross(a, b, c);
        double s = sqrt(dot(c, c));
        if (s > 0) {
            double theta = atan2(s, dot(a, b));
            for (int k = 0; k < 3; k++)
                m[k] += 0.5 * theta * c[k] / s;
        }
        memcpy(a, b, sizeof a);
    }
    *area += e;
    for (int k = 0; k < 3; k++)
        mom[k] += m[k];
}

/* Adds one ring of a GEOS polygon with the given role (+1 shell, -1 hole). */
static regio_err add_ring(regio__geos *g, const GEOSGeometry *ring, int role,
                          double *area, double mom[3])
{
    const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(g->h, ring);
    unsigned int n = 0;
    if (!seq || !GEOSCoordSeq_getSize_r(g->h, seq, &n))
        return REGIO_EGEOM;
    if (n == 0)
        return REGIO_OK;
    double *xy = regio_malloc(sizeof(double) * 2 * n);
    if (!xy)
        return REGIO_ENOMEM;
    if (!GEOSCoordSeq_copyToBuffer_r(g->h, seq, xy, 0, 0)) {
        regio_free(xy);
        return REGIO_EGEOM;
    }
    double a = 0, m[3] = {0, 0, 0};
    regio__sphere_ring(xy, n, &a, m);
    regio_free(xy);
    double s = (a < 0 ? -1.0 : 1.0) * role;
    *area += s * a;
    for (int k = 0; k < 3; k++)
        mom[k] += s * m[k];
    return REGIO_OK;
}

static regio_err add_geom(regio__geos *g, const GEOSGeometry *geom,
                          double *area, double mom[3], int *n_poly)
{
    int t = GEOSGeomTypeId_r(g->h, geom);
    regio_err rc = REGIO_OK;
    if (t == GEOS_POLYGON) {
        if (GEOSisEmpty_r(g->h, geom))
            return REGIO_OK;
        (*n_poly)++;
        rc = add_ring(g, GEOSGetExteriorRing_r(g->h, geom), 1, area, mom);
        int nh = GEOSGetNumInteriorRings_r(g->h, geom);
        for (int i = 0; !rc && i < nh; i++)
            rc = add_ring(g, GEOSGetInteriorRingN_r(g->h, geom, i), -1, area,
                          mom);
        return rc;
    }
    if (t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION) {
        int ng = GEOSGetNumGeometries_r(g->h, geom);
        for (int i = 0; !rc && i < ng; i++)
            rc = add_geom(g, GEOSGetGeometryN_r(g->h, geom, i), area, mom,
                          n_poly);
        return rc;
    }
    return REGIO_OK; /* points and lines have no area */
}

regio_err regio__sphere_geos_stats(regio__geos *g, const GEOSGeometry *geom,
                                   double *area_km2, double *lat, double *lon)
{
    double area = 0, mom[3] = {0, 0, 0};
    int n_poly = 0;
    regio_err rc = add_geom(g, geom, &area, mom, &n_poly);
    if (rc)
        return rc;
    double norm = sqrt(dot(mom, mom));
    if (n_poly == 0 || !(norm > 0) || !isfinite(area))
        return REGIO_EGEOM;
    *area_km2 = area * REGIO_EARTH_RADIUS_KM * REGIO_EARTH_RADIUS_KM;
    *lat = asin(fmax(-1.0, fmin(1.0, mom[2] / norm))) / REGIO__DEG2RAD;
    *lon = atan2(mom[1], mom[0]) / REGIO__DEG2RAD;
    return REGIO_OK;
}

static double seq_length(regio__geos *g, const GEOSGeometry *line, int planar)
{
    const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(g->h, line);
    unsigned int n = 0;
    if (!seq || !GEOSCoordSeq_getSize_r(g->h, seq, &n) || n < 2)
        return 0;
    double len = 0, x0, y0, x1, y1;
    GEOSCoordSeq_getXY_r(g->h, seq, 0, &x0, &y0);
    for (unsigned int i = 1; i < n; i++) {
        GEOSCoordSeq_getXY_r(g->h, seq, i, &x1, &y1);
        len += planar ? regio_euclid(x0, y0, x1, y1)
                      : regio_haversine_km(y0, x0, y1, x1);
        x0 = x1;
        y0 = y1;
    }
    return len;
}

double regio__geos_line_length(regio__geos *g, const GEOSGeometry *geom,
                               int planar)
{
    int t = GEOSGeomTypeId_r(g->h, geom);
    if (t == GEOS_LINESTRING || t == GEOS_LINEARRING)
        return seq_length(g, geom, planar);
    if (t == GEOS_MULTILINESTRING || t == GEOS_GEOMETRYCOLLECTION) {
        double len = 0;
        int ng = GEOSGetNumGeometries_r(g->h, geom);
        for (int i = 0; i < ng; i++)
            len += regio__geos_line_length(g, GEOSGetGeometryN_r(g->h, geom, i),
                                           planar);
        return len;
    }
    return 0;
}

regio_err regio_wkb_sphere_stats(const unsigned char *wkb, size_t wkb_len,
                                 double *area_km2, double *lat, double *lon,
                                 regio_error *err)
{
    if (!wkb || !area_km2 || !lat || !lon)
        return regio__geo_fail(err, REGIO_EINVAL, "", 0, "", "null argument");
    regio__geos g;
    regio_err rc = regio__geos_init(&g);
    if (rc)
        return regio__geo_fail(err, rc, "", 0, "", "cannot start GEOS");
    GEOSWKBReader *r = GEOSWKBReader_create_r(g.h);
    GEOSGeometry *geom = r ? GEOSWKBReader_read_r(g.h, r, wkb, wkb_len) : NULL;
    if (!geom) {
        rc = regio__geo_fail(err, REGIO_EGEOM, "", 0, "",
                             "unreadable WKB: %s", g.last);
    } else {
        rc = regio__sphere_geos_stats(&g, geom, area_km2, lat, lon);
        if (rc)
            regio__geo_fail(err, rc, "", 0, "",
                            "geometry is not a non-empty polygon");
        GEOSGeom_destroy_r(g.h, geom);
    }
    if (r)
        GEOSWKBReader_destroy_r(g.h, r);
    regio__geos_finish(&g);
    return rc;
}
