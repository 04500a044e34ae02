/*
 * Private helpers shared by the geography files: a GEOS context that
 * captures its last message, error filling, spherical ring integrals and
 * an edge-list builder.
 */
#ifndef REGIO_GEO_INTERNAL_H
#define REGIO_GEO_INTERNAL_H

#include "core/errorf.h"
#include "regio/geo.h"

#include <geos_c.h>
#include <stdarg.h>

/* A GEOS context whose error and notice handlers copy the last message. */
typedef struct regio__geos {
    GEOSContextHandle_t h;
    char last[256];
} regio__geos;

regio_err regio__geos_init(regio__geos *g);
void regio__geos_finish(regio__geos *g);

/* Fills err (may be NULL) and returns code (see core/errorf.h). */
#define regio__geo_fail regio__errorf

/* Unit vector of a lon/lat point in degrees. */
void regio__sphere_vec(double lon, double lat, double v[3]);

/*
 * Spherical integrals of one ring given as n interleaved lon,lat pairs
 * (closed or not): signed area in steradians (positive when counter-
 * clockwise seen from outside the sphere) and the first moment vector
 * (integral of the position over the enclosed region, same sign
 * convention), both added to *area and mom.
 */
void regio__sphere_ring(const double *xy, size_t n, double *area,
                        double mom[3]);

/* Spherical area (km^2) and centroid of a GEOS polygonal geometry in
 * lon/lat degrees; REGIO_EGEOM when not polygonal or degenerate. */
regio_err regio__sphere_geos_stats(regio__geos *g, const GEOSGeometry *geom,
                                   double *area_km2, double *lat, double *lon);

/* Length of the linear parts of a geometry: km on the sphere (haversine
 * per segment) or planar length. */
double regio__geos_line_length(regio__geos *g, const GEOSGeometry *geom,
                               int planar);

/* Growable edge list; ids are duplicated on push. */
typedef struct regio__edges {
    regio_adj_edge *v;
    size_t n, cap;
} regio__edges;

regio_err regio__edges_push(regio__edges *e, const char *a, const char *b,
                            regio_adj_kind kind, double km);
/* Normalizes and hands the array to *out / *n (an empty list gives NULL, 0). */
void regio__edges_finish(regio__edges *e, regio_adj_edge **out, size_t *n);
void regio__edges_free(regio__edges *e);

#endif
