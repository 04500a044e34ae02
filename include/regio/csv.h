/*
 * Streaming CSV reader (RFC 4180 plus the dialects spreadsheets and CRMs
 * write): UTF-8 BOM, CRLF/LF/CR line ends, ',' ';' or tab separators
 * detected from the first record, quoted fields with separators, doubled
 * quotes and newlines. Every importer reads its rows through this.
 */
#ifndef REGIO_CSV_H
#define REGIO_CSV_H

#include "regio/core.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An open CSV input. Opaque; close with regio_csv_close. */
typedef struct regio_csv regio_csv;

/* Reader options. A zeroed struct (or a NULL pointer) gives the defaults. */
typedef struct regio_csv_opts {
    char sep;                /* separator; 0 = detect among ',', ';', '\t' */
    size_t max_field_bytes;  /* 0 = 1 MiB; a longer field is REGIO_EPARSE */
    size_t max_fields;       /* 0 = 4096; a wider record is REGIO_EPARSE */
    size_t max_record_bytes; /* 0 = 64 MiB; a larger record is REGIO_EPARSE */
} regio_csv_opts;

#define REGIO_CSV_DEFAULT_MAX_FIELD_BYTES ((size_t)1 << 20)
#define REGIO_CSV_DEFAULT_MAX_FIELDS ((size_t)4096)
#define REGIO_CSV_DEFAULT_MAX_RECORD_BYTES ((size_t)64 << 20)

/*
 * Opens the file at path for streaming (memory stays constant whatever the
 * file size). Fails with REGIO_EIO naming the path when it cannot be
 * opened or read, REGIO_EINVAL for a bad opts.sep. On success the caller
 * owns *out and closes it with regio_csv_close.
 */
REGIO_API regio_err regio_csv_open(const char *path, const regio_csv_opts *opts,
                         regio_csv **out, regio_error *err);

/*
 * Opens len bytes of CSV held in memory; name_for_errors (may be NULL) is
 * used as the file name in errors. The data is not copied: it must stay
 * valid until regio_csv_close. The caller owns *out.
 */
REGIO_API regio_err regio_csv_open_mem(const char *data, size_t len,
                             const char *name_for_errors,
                             const regio_csv_opts *opts, regio_csv **out,
                             regio_error *err);

/* Closes the reader and frees everything it owns. Accepts NULL. */
REGIO_API void regio_csv_close(regio_csv *c);

/*
 * Reads the next record. Sets *has_row to 1 and returns REGIO_OK when a
 * record was read, sets it to 0 at the end of input. Blank lines are
 * skipped. Malformed quoting and the size caps give REGIO_EPARSE with
 * file, line and (when known) column in err; errors are sticky, so later
 * calls return the same error. Unquoted fields lose surrounding spaces and
 * tabs; quoted fields are kept verbatim. Bytes are passed through as they
 * are (invalid UTF-8 included).
 */
REGIO_API regio_err regio_csv_next(regio_csv *c, int *has_row, regio_error *err);

/* Number of fields in the current record (0 before the first record). */
REGIO_API size_t regio_csv_nfields(const regio_csv *c);

/*
 * Field i of the current record, NUL-terminated, or NULL when i is out of
 * range. Owned by the reader; valid until the next regio_csv_next or
 * regio_csv_close.
 */
REGIO_API const char *regio_csv_field(const regio_csv *c, size_t i);

/* Length in bytes of field i (a field may hold NUL bytes); 0 if out of range. */
REGIO_API size_t regio_csv_field_len(const regio_csv *c, size_t i);

/*
 * All fields of the current record as an array of regio_csv_nfields
 * strings (handy for regio_header_map_build). Owned by the reader; valid
 * until the next regio_csv_next or regio_csv_close.
 */
REGIO_API const char *const *regio_csv_fields(const regio_csv *c);

/* 1-based physical line on which the current record starts (a record with
 * a quoted multi-line field spans several lines); 0 before the first. */
REGIO_API long regio_csv_line(const regio_csv *c);

/* The separator in use (detected or given). */
REGIO_API char regio_csv_sep(const regio_csv *c);

/* The file name used in errors (path or name_for_errors); owned by the
 * reader. */
REGIO_API const char *regio_csv_name(const regio_csv *c);

#ifdef __cplusplus
}
#endif
#endif
