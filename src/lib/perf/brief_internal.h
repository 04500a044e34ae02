/*
 * The territory brief's private parts (perf/brief.c, perf/brief_map.c):
 * the map is drawn from plain shapes and dots so that the file that draws
 * it needs no store.
 */
#ifndef REGIO_BRIEF_INTERNAL_H
#define REGIO_BRIEF_INTERNAL_H

#include "regio/buf.h"
#include "regio/core.h"

#include <stddef.h>

/* How a unit is drawn: held by the territory, joined since the previous
 * model, or left it. */
enum { REGIO__BRIEF_HELD = 0, REGIO__BRIEF_JOINED = 1, REGIO__BRIEF_LEFT = 2 };

/* A unit: its WKB polygon (borrowed; NULL for a point unit) and centroid. */
typedef struct regio__brief_shape {
    const unsigned char *wkb;
    size_t wkb_len;
    double lat, lon;
    int kind;
} regio__brief_shape;

/* An account: its position and the palette colour of its segment. */
typedef struct regio__brief_dot {
    double lat, lon;
    int colour;
} regio__brief_dot;

/* Colours of the map's segments (the palette cycles). */
#define REGIO__BRIEF_COLOURS 8
extern const char *const regio__brief_palette[REGIO__BRIEF_COLOURS];

/*
 * Appends an inline <svg> of the shapes (simplified to about a pixel) and
 * the dots, fitted into width x height pixels with an equirectangular
 * projection around their middle latitude. Nothing to draw gives a note
 * instead of a map. REGIO_ENOMEM, or REGIO_EGEOM for a WKB GEOS cannot read.
 */
regio_err regio__brief_map_svg(const regio__brief_shape *shapes, size_t n_shapes,
                               const regio__brief_dot *dots, size_t n_dots, int width,
                               int height, regio_buf *out, regio_error *err);

/* Appends s HTML-escaped (& < > " '); NULL appends nothing. */
regio_err regio__html_escape(regio_buf *b, const char *s);

#endif
