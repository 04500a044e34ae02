/*
 * Distance provider: one interface over travel costs and durations, built
 * either from coordinates with a metric (planar Euclidean, optionally rounded
 * as in TSPLIB EUC_2D; great-circle haversine on WGS84 degrees) or from full
 * matrices. Coordinate providers compute legs on demand and never hold an
 * n x n matrix, so they scale to tens of thousands of points. The provider
 * also builds k-nearest neighbour lists (k-d tree for coordinates, partial
 * sort for matrices) that routing heuristics use as candidate sets.
 */
#ifndef REGIO_DIST_H
#define REGIO_DIST_H

#include "regio/core.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How legs are measured. Values are stable. */
typedef enum regio_metric {
    /* Planar: cost = sqrt(dx^2 + dy^2) in coordinate units (rounded to the
     * nearest integer per leg when round_nearest is set, which reproduces
     * TSPLIB EUC_2D: nint(sqrt(dx^2 + dy^2))). Duration = cost, the Solomon
     * convention that one coordinate unit takes one time unit. */
    REGIO_METRIC_EUCLIDEAN = 0,
    /* Great circle on a sphere of radius REGIO_EARTH_RADIUS_KM (regio/core.h,
     * METRICS.md): cost = great-circle distance in km; duration in seconds =
     * cost * road_factor / speed_kmh * 3600. */
    REGIO_METRIC_HAVERSINE = 1,
    /* Given matrices (regio_dist_create_matrix). */
    REGIO_METRIC_MATRIX = 2
} regio_metric;


/* Options for coordinate providers. Zero-initialise and set what you need;
 * zero road_factor / speed_kmh mean the defaults 1.3 and 50 km/h. Plain
 * value type. */
typedef struct regio_dist_opts {
    regio_metric metric;  /* EUCLIDEAN or HAVERSINE */
    int round_nearest;    /* EUCLIDEAN only: round each leg (TSPLIB EUC_2D) */
    double road_factor;   /* HAVERSINE only: road km per great-circle km */
    double speed_kmh;     /* HAVERSINE only: average speed for durations */
} regio_dist_opts;

/* Opaque provider; create with one of the constructors, free with
 * regio_dist_destroy. Immutable after creation, so one provider may be
 * shared by threads that only read it. */
typedef struct regio_dist regio_dist;

/*
 * Creates a provider over n points. For EUCLIDEAN, x and y are planar
 * coordinates; for HAVERSINE, x is longitude and y is latitude in degrees
 * (GeoJSON order). The coordinates are copied. Fails with REGIO_EINVAL for
 * n == 0, n >= 2^32 - 1, NULL arrays or an unknown metric, and REGIO_EDATA
 * (err->line = 1-based point index) for non-finite values or latitudes
 * outside [-90, 90]. On success *out is owned by the caller.
 */
REGIO_API regio_err regio_dist_create_coords(size_t n, const double *x, const double *y,
                                   const regio_dist_opts *opts,
                                   regio_dist **out, regio_error *err);

/*
 * Creates a provider from full row-major n x n matrices, entry [i * n + j]
 * for the leg i -> j (asymmetric allowed; the diagonal is ignored). Either
 * matrix may be NULL, in which case the other one serves for both cost and
 * duration; both NULL is REGIO_EINVAL. The matrices are copied. Negative or
 * non-finite off-diagonal entries give REGIO_EDATA (err->line = 1-based row,
 * err->column = 1-based column). On success *out is owned by the caller.
 */
REGIO_API regio_err regio_dist_create_matrix(size_t n, const double *cost,
                                   const double *duration, regio_dist **out,
                                   regio_error *err);

/* Frees a provider; accepts NULL. */
REGIO_API void regio_dist_destroy(regio_dist *d);

/* Number of points. */
REGIO_API size_t regio_dist_size(const regio_dist *d);

/* The provider's metric. */
REGIO_API regio_metric regio_dist_metric(const regio_dist *d);

/* Non-zero when cost(i, j) == cost(j, i) for all pairs (always true for
 * coordinate metrics; checked once at creation for matrices). */
REGIO_API int regio_dist_is_symmetric(const regio_dist *d);

/* Cost of the leg i -> j (0 when i == j); i, j < size. */
REGIO_API double regio_dist_cost(const regio_dist *d, size_t i, size_t j);

/* Duration of the leg i -> j in the provider's time unit (seconds for
 * HAVERSINE); i, j < size. */
REGIO_API double regio_dist_duration(const regio_dist *d, size_t i, size_t j);

/*
 * Groups exactly coincident points: for coordinate metrics, points with
 * identical x and y; for matrices no points are grouped. On success *rep
 * (size entries, allocated with regio_malloc, owned by the caller) maps each
 * point to the smallest index with the same coordinates, and *n_unique
 * counts the distinct points. O(n log n).
 */
REGIO_API regio_err regio_dist_coincident(const regio_dist *d, uint32_t **rep,
                                size_t *n_unique, regio_error *err);

/*
 * Creates a provider over the points idx[0..m) of d, in that order: point r
 * of the new provider is point idx[r] of d, with the same metric and
 * options (coordinates or the m x m matrix entries are copied). Indices must
 * be < size (duplicates allowed); m >= 1. On success *out is owned by the
 * caller.
 */
REGIO_API regio_err regio_dist_create_subset(const regio_dist *d, const uint32_t *idx,
                                   size_t m, regio_dist **out,
                                   regio_error *err);

/* Flags for regio_dist_neighbours. */
enum {
    /* Prefer spatial spread: from the 2k nearest, up to k/4 per quadrant
     * around the point, topped up with the nearest others.
     * Coordinate metrics only; ignored for matrices. Improves candidate sets
     * on clustered instances. */
    REGIO_NEIGH_QUADRANT = 1u
};

/*
 * Builds neighbour lists: row i of *out (k entries, out[i * k + r]) holds k
 * points j != i. Without flags they are the k nearest to i, ascending by
 * distance (then index); when several points tie at the k-th distance, which
 * of them are listed is deterministic but not necessarily the lowest
 * indices (matrices: lowest indices). For coordinate metrics "distance" is
 * the exact geometric one (unrounded Euclidean, or great-circle), found
 * with a k-d tree in O(n log n) expected time and O(n) extra memory; for
 * matrices it is cost(i, j), found by a partial sort of each row. Requires
 * 1 <= k < size and k <= 512 (REGIO_EINVAL otherwise). On success *out is
 * allocated with regio_malloc and owned by the caller (free with
 * regio_free).
 */
REGIO_API regio_err regio_dist_neighbours(const regio_dist *d, size_t k, unsigned flags,
                                uint32_t **out, regio_error *err);

#ifdef __cplusplus
}
#endif
#endif
