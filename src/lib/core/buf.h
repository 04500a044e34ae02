/*
 * Growable byte buffer with a size cap, for building strings and files
 * without sprintf/strcat. Internal to libregio.
 */
#ifndef REGIO_CORE_BUF_H
#define REGIO_CORE_BUF_H

#include "regio/core.h"

#include <stdarg.h>
#include <stddef.h>

typedef struct regio__buf {
    char *data;   /* always NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t cap;
    size_t limit; /* 0 = no limit; appends past it fail with REGIO_ENOMEM */
} regio__buf;

void regio__buf_init(regio__buf *b, size_t limit);
void regio__buf_free(regio__buf *b);
void regio__buf_reset(regio__buf *b);
regio_err regio__buf_reserve(regio__buf *b, size_t extra);
regio_err regio__buf_append(regio__buf *b, const char *s, size_t n);
regio_err regio__buf_puts(regio__buf *b, const char *s);
regio_err regio__buf_putc(regio__buf *b, char c);
regio_err regio__buf_printf(regio__buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
regio_err regio__buf_vprintf(regio__buf *b, const char *fmt, va_list ap);
/* Appends s as a JSON string literal, quotes included. */
regio_err regio__buf_json_str(regio__buf *b, const char *s);
/* Appends a double in shortest round-trip form ("%.17g" trimmed), or
 * "null" when not finite. */
regio_err regio__buf_num(regio__buf *b, double v);
/* Appends s as one CSV field, quoted when it holds sep, quote or newline. */
regio_err regio__buf_csv_field(regio__buf *b, const char *s, char sep);
/* Takes ownership of the data; the buffer is reset. Caller frees. */
char *regio__buf_steal(regio__buf *b);

#endif
