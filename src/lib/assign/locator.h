/*
 * The point locator behind regio_assign_locate_accounts, for other points
 * than accounts (the places of a potential import): the store's geography
 * units indexed once, then any WGS84 point answered with the unit that
 * contains it or the nearest one within a distance.
 */
#ifndef REGIO_ASSIGN_LOCATOR_H
#define REGIO_ASSIGN_LOCATOR_H

#include "regio/store.h"

#include <stddef.h>

typedef struct regio__locator regio__locator;

typedef struct regio__locator_opts {
    double max_km;   /* farthest a point may lie from a unit centroid; <= 0: 50 km */
    double reach_km; /* farthest a point outside every polygon may lie from the
                      * nearest one; 0: 10 km (coasts), < 0: not at all */
    int points_only; /* 1: the nearest-centroid fallback looks at point units
                      * only, so a point outside every polygon is never pulled
                      * into a polygon by its centroid */
} regio__locator_opts;

/* Reads the store's units (with their geometry) and indexes them. opts may
 * be NULL. The caller owns *out (regio__locator_close). */
regio_err regio__locator_open(regio_store *s, const regio__locator_opts *opts,
                              regio__locator **out, regio_error *err);

/* The position of the unit that takes the point (lat, lon): the first
 * polygon holding it (by unit position), else the nearest unit centroid
 * within max_km, else the nearest polygon within reach_km; -1 for none.
 * *inside (may be NULL) says whether a polygon holds it. Not thread-safe. */
long regio__locator_find(regio__locator *l, double lat, double lon, int *inside);

/* Number of units indexed (units without coordinates are left out). */
size_t regio__locator_count(const regio__locator *l);

/* External id of unit position i, owned by the locator; NULL past the end. */
const char *regio__locator_unit_id(const regio__locator *l, size_t i);

/* Whether any indexed unit is a polygon. */
int regio__locator_has_polygons(const regio__locator *l);

/* Frees the locator. Accepts NULL. */
void regio__locator_close(regio__locator *l);

#endif
