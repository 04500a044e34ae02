/*
 * The great circle of every engine (METRICS.md), private to libregio: the
 * unit vector of a WGS84 point and the distance in km from the chord
 * between two unit vectors, on the sphere of radius REGIO_EARTH_RADIUS_KM
 * (regio/core.h). The chord c of two unit vectors gives the central angle
 * 2 asin(c / 2), the haversine identity c / 2 = sqrt(hav): hot loops keep
 * unit vectors and skip the inputs' trigonometry. The haversine formula on
 * degrees is regio_haversine_km (regio/geo.h, geo/sphere.c), the one
 * kernel for points given as latitude and longitude.
 */
#ifndef REGIO_CORE_GREAT_CIRCLE_H
#define REGIO_CORE_GREAT_CIRCLE_H

#include "regio/core.h"

#include <math.h>

#define REGIO__DEG2RAD (M_PI / 180.0)

/* Unit vector in R^3 of a point given in degrees. */
static inline void regio__unit_vector(double lat, double lon, double v[3])
{
    double la = lat * REGIO__DEG2RAD, lo = lon * REGIO__DEG2RAD;
    double c = cos(la);
    v[0] = c * cos(lo);
    v[1] = c * sin(lo);
    v[2] = sin(la);
}

/* Euclidean distance between two 3-vectors (the chord of unit vectors). */
static inline double regio__chord(const double *a, const double *b)
{
    double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
    return sqrt(dx * dx + dy * dy + dz * dz);
}

/* Great-circle km of a chord between unit vectors. */
static inline double regio__chord_km(double chord)
{
    double h = 0.5 * chord;
    if (h > 1.0)
        h = 1.0;
    return 2.0 * REGIO_EARTH_RADIUS_KM * asin(h);
}

#endif
