/*
 * Exporting what the store holds — accounts, reps, units, adjacency and
 * alignments — as CSV or GeoJSON. Exports read back through the importers
 * give the same data (the CSV headers are the canonical field names).
 */
#ifndef REGIO_EXPORT_H
#define REGIO_EXPORT_H

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
    REGIO_EXPORT_ALIGNMENT
} regio_export_what;

typedef enum regio_export_format { REGIO_FORMAT_CSV, REGIO_FORMAT_GEOJSON } regio_export_format;

typedef struct regio_export_opts {
    const char *model; /* alignment: model name; NULL = the active model */
} regio_export_opts;

/* Parses "accounts", "reps", ... into *out; REGIO_EINVAL when unknown. */
REGIO_API regio_err regio_export_what_parse(const char *s, regio_export_what *out);
/* Parses "csv" / "geojson"; REGIO_EINVAL when unknown. */
REGIO_API regio_err regio_export_format_parse(const char *s, regio_export_format *out);

/* Writes the export to an open stream; *rows gets the record count. */
REGIO_API regio_err regio_export_stream(regio_store *s, regio_export_what what, regio_export_format fmt,
                              const regio_export_opts *opts, FILE *out, size_t *rows,
                              regio_error *err);

/* Writes the export to path through regio_output_open (regio/output.h):
 * a regular file atomically (a failed export leaves the old file as it
 * was), a device, FIFO or socket in place, "-" to standard output. */
REGIO_API regio_err regio_export_file(regio_store *s, regio_export_what what, regio_export_format fmt,
                            const regio_export_opts *opts, const char *path, size_t *rows,
                            regio_error *err);

#ifdef __cplusplus
}
#endif
#endif
