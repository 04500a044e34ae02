/*
 * Importing accounts, reps and geography units into a store. Every import
 * is one transaction: it lands whole or not at all, and a failure names the
 * file, the line (or feature), the field and the problem.
 */
#ifndef REGIO_IMPORT_H
#define REGIO_IMPORT_H

#include "regio/core.h"
#include "regio/geo.h"
#include "regio/geocode.h"
#include "regio/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct regio_import_opts {
    const char *const *maps;  /* "SOURCE=FIELD" header overrides, may be NULL */
    size_t n_maps;
    char sep;                 /* CSV separator, 0 = detect */
    const regio_gazetteer *gazetteer; /* NULL: records without coordinates stay unplaced */
    int skip_invalid;         /* reject bad rows (listed) instead of failing */
    const char *rejects_path; /* with skip_invalid: CSV of rejected rows + reason */
    int dry_run;              /* validate and count, then roll back */
    const char *actor;        /* who imports, for the audit log; NULL = "cli" */
    const char *default_country; /* country (code or name) of records that give
                               * none and whose region is no US state; NULL =
                               * none. Read with the gazetteer; an unknown
                               * one fails the import (REGIO_EINVAL) */
    /* with skip_invalid: called for each rejected row (its line and the
     * formatted reason, valid during the call), so no row goes unnamed;
     * may be NULL */
    void (*on_reject)(void *ud, long line, const char *reason);
    void *reject_ud;
} regio_import_opts;

/* Options for units: OGR layer and field choices (NULL = detect). */
typedef struct regio_units_import_opts {
    regio_import_opts base;
    const char *layer;
    const char *id_field;
    const char *name_field;
    const char *where;          /* OGR attribute filter (SQL WHERE), NULL = all */
    int skip_empty;             /* skip features with empty geometry (listed) */
    const char *adjacency_path; /* CSV "a,b"; NULL = derive (borders or Delaunay) */
    double delaunay_max_km;     /* drop longer Delaunay edges; <= 0 keeps all */
} regio_units_import_opts;

#define REGIO_IMPORT_SAMPLE_IDS 5

/* What an import did. Plain value type. */
typedef struct regio_import_summary {
    size_t rows;          /* data rows read */
    size_t added, updated, unchanged, rejected;
    size_t coords_given;  /* rows that carried coordinates */
    size_t geocoded_postal, geocoded_city, not_placed;
    char not_placed_ids[REGIO_IMPORT_SAMPLE_IDS][64]; /* first few unplaced ids */
    size_t postal_restored; /* US ZIP codes whose lost leading zeros were
                             * restored (regio_postal_restore) */
    size_t places_filled; /* placed records whose empty city or region was
                           * filled from the gazetteer */
    size_t located;       /* accounts placed into a geography unit */
    /* units only */
    size_t edges, edges_border, edges_given, edges_delaunay, island_links;
    size_t repaired;      /* invalid geometries repaired */
    char repaired_ids[REGIO_IMPORT_SAMPLE_IDS][64];
    char layer[800];      /* OGR layer used, driver and id field; "" for CSV */
    int planar;           /* units have planar x,y coordinates */
    char notes[1024];     /* extra sentences for the user (islands, layer choice) */
} regio_import_summary;

/* Imports accounts from CSV or any OGR vector file (features as rows). */
REGIO_API regio_err regio_import_accounts(regio_store *s, const char *path,
                                const regio_import_opts *opts,
                                regio_import_summary *sum, regio_error *err);

/* Imports reps (users with a home base) the same way. */
REGIO_API regio_err regio_import_reps(regio_store *s, const char *path,
                            const regio_import_opts *opts,
                            regio_import_summary *sum, regio_error *err);

/* Geography units read from a file with their adjacency graph G' (given,
 * shared borders or Delaunay, plus island links). Owned by the caller:
 * free with regio_units_loaded_free. */
typedef struct regio_units_loaded {
    regio_unitset *units;
    regio_adj_edge *edges;   /* sorted (a, b), island links included */
    size_t n_edges;
    regio_island_report islands;
} regio_units_loaded;

/* Reads units and derives their adjacency like regio_import_units, without
 * a store (file mode of design, realign and report). */
REGIO_API regio_err regio_units_load(const char *path, const regio_units_import_opts *opts,
                           regio_units_loaded *out, regio_import_summary *sum,
                           regio_error *err);

/* Frees what regio_units_load returned and zeroes it. Accepts NULL. */
REGIO_API void regio_units_loaded_free(regio_units_loaded *l);

/* Imports geography units (CSV id,lat,lon|x,y,<measures> or GeoJSON,
 * TopoJSON, Shapefile, GeoPackage), with adjacency given or derived and
 * island links added per METRICS.md; then places accounts into them. */
REGIO_API regio_err regio_import_units(regio_store *s, const char *path,
                             const regio_units_import_opts *opts,
                             regio_import_summary *sum, regio_error *err);

#ifdef __cplusplus
}
#endif
#endif
