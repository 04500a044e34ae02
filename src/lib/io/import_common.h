/*
 * Helpers shared by the importers: trimming, cell number parsing and error
 * reports that name the file, line (or feature), field and problem.
 */
#ifndef REGIO_IO_IMPORT_COMMON_H
#define REGIO_IO_IMPORT_COMMON_H

#include "io/table.h"
#include "regio/core.h"
#include "regio/model.h"

#include <stddef.h>

/* Skips leading white space; returns a pointer into s. */
const char *regio__trim_view(const char *s);
/* Length of s without trailing white space. */
size_t regio__trim_len(const char *s);
/* Copies the trimmed s into buf (cap bytes) and returns buf. */
char *regio__copy_trim(char *buf, size_t cap, const char *s);

/* Parses a cell as a finite number: *empty = 1 for a blank cell (returns
 * REGIO_OK with *out NAN); REGIO_EDATA for anything that is not a number. */
regio_err regio__parse_cell_number(const char *s, double *out, int *empty);
/* Whether a custom value should be kept as a number (so "02134" and
 * "+1 555" stay text). */
int regio__looks_numeric(const char *s);

/* Appends a custom attribute (trimmed; a blank value adds nothing), typed
 * as a number when regio__looks_numeric says so. *added (may be NULL)
 * points at the new attribute, or NULL when none was added. */
regio_err regio__attr_append(regio_attr **attrs, size_t *n, const char *key, const char *value,
                             regio_attr **added);

/* true/false, 1/0, yes/no in any case: 1 or 0; -1 for anything else
 * (NULL included). */
int regio__parse_bool(const char *v);

/* Fills err for the current row of t, column col, and returns REGIO_EDATA. */
regio_err regio__row_error(regio_error *err, const char *path, const regio__table *t,
                           size_t col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Fills err with a file-level problem and returns code. */
regio_err regio__file_error(regio_error *err, regio_err code, const char *path,
                            const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Sets err->file when empty (and the line when line > 0 and none set). */
void regio__error_set_file(regio_error *err, const char *path, long line);

#endif
