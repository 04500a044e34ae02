/*
 * Exporting what the store holds — accounts, reps, units, adjacency and
 * alignments — as CSV or GeoJSON, and the territories of a model with
 * their dissolved outlines and figures as GeoJSON, KML or ESRI Shapefile,
 * or their hierarchy as CSV. Exports read back through the importers give
 * the same data (the CSV headers are the canonical field names).
 */
#ifndef REGIO_EXPORT_H
#define REGIO_EXPORT_H

#include "regio/buf.h"
#include "regio/core.h"
#include "regio/store.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum regio_export_what {
    REGIO_EXPORT_ACCOUNTS,
    REGIO_EXPORT_REPS,
    REGIO_EXPORT_UNITS,
    REGIO_EXPORT_ADJACENCY,
    REGIO_EXPORT_ALIGNMENT,
    REGIO_EXPORT_TERRITORIES /* a model's territories: the leaves with outlines and figures
                                (GeoJSON, KML, Shapefile), or the whole hierarchy as CSV
                                name,parent,account_access,rep (and type when a territory
                                has one), each parent before its children (what
                                regio_import_territories reads) */
} regio_export_what;

typedef enum regio_export_format {
    REGIO_FORMAT_CSV,
    REGIO_FORMAT_GEOJSON,
    REGIO_FORMAT_KML, /* territories only */
    REGIO_FORMAT_SHP  /* territories only: ESRI Shapefile through OGR */
} regio_export_format;

typedef struct regio_export_opts {
    /* alignment, territories: the model's name, NULL = the active model;
     * accounts: when set, each account's territory in that model (its
     * override, else its unit's territory) is added as `territory`. */
    const char *model;
} regio_export_opts;

/* Outline simplification of the exported (and displayed) territories, in
 * degrees (about 300 m): the shapes the app draws and every export gives. */
#define REGIO_TERRITORY_SIMPLIFY_DEG 0.003

/* Parses "accounts", "reps", ... into *out; REGIO_EINVAL when unknown. */
REGIO_API regio_err regio_export_what_parse(const char *s, regio_export_what *out);
/* Parses "csv", "geojson" (or "json"), "kml", "shp" (or "shapefile");
 * REGIO_EINVAL when unknown. */
REGIO_API regio_err regio_export_format_parse(const char *s, regio_export_format *out);

/* Writes the export to an open stream; *rows gets the record count. KML
 * and Shapefile export territories only (REGIO_EUNSUPPORTED otherwise); a
 * Shapefile on a stream is its files zipped (.shp.zip). */
REGIO_API regio_err regio_export_stream(regio_store *s, regio_export_what what, regio_export_format fmt,
                              const regio_export_opts *opts, FILE *out, size_t *rows,
                              regio_error *err);

/* Writes the export to path through regio_output_open (regio/output.h):
 * a regular file atomically (a failed export leaves the old file as it
 * was), a device, FIFO or socket in place, "-" to standard output. A
 * Shapefile to a path ending in ".shp" is written as its files side by
 * side (NAME.shp, .shx, .dbf, .prj, .cpg, each through the helper); to any
 * other path as one zip of them (NAME.shp.zip, which GDAL reads). */
REGIO_API regio_err regio_export_file(regio_store *s, regio_export_what what, regio_export_format fmt,
                            const regio_export_opts *opts, const char *path, size_t *rows,
                            regio_error *err);

/*
 * The leaf territories of a loaded model (v->units loaded with their
 * geometry: regio_design_spec.with_geometry) appended to out, one feature
 * per territory in id order with its outline (regio_geo_outline_many of
 * its units, simplified by REGIO_TERRITORY_SIMPLIFY_DEG) and FLAT
 * properties, numbers as numbers:
 *   id, name (the display name, else the id), parent, rep (strings or
 *   null), units, locked_units, then per measure M of the units: M (the
 *   total, account overrides counted where they were moved), M_target,
 *   M_dev (deviation from the target as a fraction), then travel_km,
 *   contiguous (boolean), components; figures the model's report does not
 *   have (units unaligned) are null.
 * A measure named like one of the fixed properties is written as m_NAME.
 * GeoJSON: a FeatureCollection (name and model = the model, revision),
 * feature id = territory id. KML: a Document with one Placemark each, the
 * properties as ExtendedData. SHP: the zipped Shapefile (.shp.zip) bytes;
 * see docs/FORMATS.md for its 10-character field names. CSV is refused
 * (REGIO_EUNSUPPORTED): a model's territories as CSV are its hierarchy,
 * read from the store by regio_export_stream and regio_export_file.
 * *rows (may be NULL) gets the number of territories.
 */
struct regio_model_view; /* regio/model_view.h */
REGIO_API regio_err regio_export_territories(const struct regio_model_view *v,
                                             regio_export_format fmt, regio_buf *out,
                                             size_t *rows, regio_error *err);

#ifdef __cplusplus
}
#endif
#endif
