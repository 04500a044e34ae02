/*
 * Private helpers shared by the geography files: a GEOS context that
 * captures its last message, error filling, spherical ring integrals, an
 * edge-list builder, and the gazetteer's tables and keys shared by
 * gazetteer.c (loading, index), gazetteer_norm.c (keys) and
 * gazetteer_lookup.c (lookups).
 */
#ifndef REGIO_GEO_INTERNAL_H
#define REGIO_GEO_INTERNAL_H

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

/* Fills err (may be NULL) and returns code: regio_error_setf (regio/core.h). */
#define regio__geo_fail regio_error_setf

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

/* ---- gazetteer ------------------------------------------------------------ */

#include "regio/geocode.h"

#include <stdint.h>

/* Row kinds, one hash table each: P, C, K and S rows of the file. */
enum {
    REGIO__GAZ_POSTAL,
    REGIO__GAZ_CITY,
    REGIO__GAZ_COUNTRY,
    REGIO__GAZ_REGION,
    REGIO__GAZ_KIND_COUNT
};

/* Longest key the lookups build; longer input cannot match any row. */
#define REGIO__GAZ_KEY_CAP 256

typedef struct regio__gaz_row {
    const char *cc;     /* ISO alpha-2, points into the file buffer */
    const char *key;    /* normalised key (postal code for P rows) */
    const char *region; /* region code (P, C, S), or "" */
    const char *name;   /* P rows: the place name the code is written with
                         * ("Allston"), or ""; "" for other rows */
    double lat, lon;
    uint32_t pop;
    uint32_t next;      /* 1-based index of the next row with the same key */
    int kind;           /* REGIO__GAZ_* */
} regio__gaz_row;

typedef struct regio__gaz_slot {
    uint32_t row;       /* 1-based head row index, 0 = empty */
    uint32_t hash;      /* hash of its key, to skip most string compares */
} regio__gaz_slot;

typedef struct regio__gaz_table {
    regio__gaz_slot *slots;
    uint32_t mask;
    int key_only;       /* country aliases: keyed by alias alone */
} regio__gaz_table;

struct regio_gazetteer {
    char *buf;          /* the whole file, fields NUL-terminated in place */
    char *path;
    regio__gaz_row *rows;
    size_t n_rows;
    regio__gaz_table t[REGIO__GAZ_KIND_COUNT];
    size_t counts[REGIO__GAZ_KIND_COUNT];
    char (*region_ccs)[3]; /* countries with region names (S rows) */
    size_t n_region_ccs;
};

/* gazetteer.c: the index. */

/* ASCII case-insensitive equality. */
int regio__gaz_eq_ci(const char *a, const char *b);
/* Head of the chain of rows of a kind with (cc, key), or NULL; never
 * writes to the table. */
const regio__gaz_row *regio__gaz_lookup(const regio_gazetteer *g, int kind, const char *cc,
                                        const char *key);
/* 1 when the gazetteer holds region names (S rows) for country cc. */
int regio__gaz_has_region_names(const regio_gazetteer *g, const char *cc);

/* gazetteer_norm.c: keys. */

/* Normalised key of a place name into out (cap bytes); its length, or -1
 * when the input is too long for any key. Mirrors normKey() in
 * tools/build_gazetteer.mjs. */
long regio__place_norm(const char *s, char *out, size_t cap);
/* Narrows [*s, *s + *n) to drop leading and trailing blanks. */
void regio__gaz_trim(const char **s, size_t *n);
/* 1 for NULL or a string of blanks only. */
int regio__gaz_is_blank(const char *s);
/* 1 for the US territories with their own ISO codes (PR, GU, VI, AS, MP). */
int regio__gaz_is_us_territory(const char *cc);
/* The country for a postal code: cc, or "US" when cc is NULL and the code
 * looks like a ZIP; else NULL. */
const char *regio__gaz_postal_country(const char *cc, const char *postal);
/* Writes the normalised postal code of country cc (without the country)
 * into out; 0 when the code cannot be one of cc's. */
int regio__gaz_postal_code_norm(const char *cc, const char *postal, char out[16]);

#endif
