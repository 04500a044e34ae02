/*
 * Regio's data model as plain value types: accounts, reps, geography units,
 * adjacency edges and alignment rows. The store, the importers, the
 * exporters and the engines all speak these. Strings are owned by the
 * struct that holds them unless a function says otherwise; free a record's
 * contents with the matching *_clear function.
 */
#ifndef REGIO_MODEL_H
#define REGIO_MODEL_H

#include "regio/core.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a record got its coordinates. Values are stored; keep them stable. */
typedef enum regio_geo_source {
    REGIO_GEO_NONE = 0,   /* no coordinates */
    REGIO_GEO_INPUT = 1,  /* given in the input */
    REGIO_GEO_POSTAL = 2, /* placed by the gazetteer from the postal code */
    REGIO_GEO_CITY = 3    /* placed by the gazetteer from city + region + country */
} regio_geo_source;

/* A custom attribute: a column the importer did not map to a canonical
 * field. Numeric when the whole column parsed as numbers. */
typedef struct regio_attr {
    char *key;   /* owned; column name as given (trimmed) */
    char *text;  /* owned; raw text, NULL when empty */
    double num;  /* NAN unless is_num */
    int is_num;
} regio_attr;

/* One customer account. Unknown numbers are NAN; unknown strings NULL. */
typedef struct regio_account {
    char *id;          /* external id, unique, required */
    char *name;
    char *street;
    char *city;
    char *region;      /* state / province as given or normalised code */
    char *postal_code; /* as given (trimmed) */
    char *country;     /* ISO 3166-1 alpha-2 when recognised, else as given */
    double lat, lon;   /* WGS84 degrees, NAN when unknown */
    regio_geo_source geo_source;
    char *owner;       /* external id of the owning rep/user */
    char *industry;
    char *type;
    char *segment;     /* e.g. A/B/C */
    double annual_revenue;
    double employees;
    double potential;
    char *unit_id;     /* geography unit external id */
    regio_attr *attrs; /* owned array */
    size_t n_attrs;
} regio_account;

/* A sales rep (also a user of the system). */
typedef struct regio_rep {
    char *id;          /* external id, unique, required */
    char *name;
    char *email;
    char *city;
    char *region;
    char *postal_code;
    char *country;
    double lat, lon;   /* home base, NAN when unknown */
    regio_geo_source geo_source;
    double capacity;   /* workload capacity (e.g. hours per cycle), NAN if unset */
    char *skills;      /* comma-separated skill tags */
    char *day_start;   /* "HH:MM" or NULL */
    char *day_end;     /* "HH:MM" or NULL */
    char *manager;     /* external id of the manager rep/user, or NULL */
    regio_attr *attrs;
    size_t n_attrs;
} regio_rep;

/* A geography unit (county, ZIP, any polygon or point). Measures are the
 * numeric attributes; text attributes are kept too. */
typedef struct regio_unit {
    char *id;              /* external id, unique, required (e.g. "06075", "US-94103") */
    char *name;
    double lat, lon;       /* centroid, WGS84; or planar y, x when planar */
    double area_km2;       /* NAN for points */
    unsigned char *wkb;    /* owned ISO WKB geometry in WGS84, NULL for points */
    size_t wkb_len;
    regio_attr *attrs;     /* measures (is_num) and text properties */
    size_t n_attrs;
} regio_unit;

/* Where an adjacency edge comes from. Values are stored; keep them stable. */
typedef enum regio_adj_kind {
    REGIO_ADJ_BORDER = 0,   /* shared border of two polygons */
    REGIO_ADJ_GIVEN = 1,    /* from a user adjacency list */
    REGIO_ADJ_DELAUNAY = 2, /* Delaunay edge of point data */
    REGIO_ADJ_ISLAND = 3    /* island link (METRICS.md) */
} regio_adj_kind;

typedef struct regio_adj_edge {
    char *a, *b;        /* unit external ids, a < b by strcmp */
    regio_adj_kind kind;
    double shared_km;   /* length of the shared border, or link length; NAN if unknown */
} regio_adj_edge;

/* One row of an alignment: unit (or account override) to territory. */
typedef struct regio_alignment_row {
    char *unit_id;       /* unit external id, or NULL for an account override */
    char *account_id;    /* account external id for an override, else NULL */
    char *territory;     /* territory external id / label */
    char *effective_from;/* ISO date "YYYY-MM-DD" or NULL */
    int locked;          /* 1 when the unit's alignment is locked against
                            moves (unit rows read from a store); else 0 */
} regio_alignment_row;

/* Frees the strings and arrays inside a record and zeroes it. Accept NULL. */
REGIO_API void regio_account_clear(regio_account *a);
REGIO_API void regio_rep_clear(regio_rep *r);
REGIO_API void regio_unit_clear(regio_unit *u);
REGIO_API void regio_adj_edge_clear(regio_adj_edge *e);
REGIO_API void regio_alignment_row_clear(regio_alignment_row *r);
REGIO_API void regio_attrs_free(regio_attr *attrs, size_t n);

/* Initialises a record: all strings NULL, all numbers NAN, no attrs. */
REGIO_API void regio_account_init(regio_account *a);
REGIO_API void regio_rep_init(regio_rep *r);
REGIO_API void regio_unit_init(regio_unit *u);

/* Looks up a numeric attribute by key (exact match); NAN when absent. */
REGIO_API double regio_attrs_num(const regio_attr *attrs, size_t n, const char *key);

#ifdef __cplusplus
}
#endif
#endif
