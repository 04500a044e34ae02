/*
 * Growable byte buffer with a size cap, for building strings and files
 * without sprintf/strcat. Used throughout libregio and offered to the
 * shells (the CLI and the server build their answers with it).
 */
#ifndef REGIO_BUF_H
#define REGIO_BUF_H

#include "regio/core.h"

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A growable buffer. Plain value type; the buffer owns data (free with
 * regio_buf_free). */
typedef struct regio_buf {
    char *data;   /* always NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t cap;
    size_t limit; /* 0 = no limit; appends past it fail with REGIO_ENOMEM */
} regio_buf;

/* Makes b empty with a size cap (0 = none); allocates nothing. */
REGIO_API void regio_buf_init(regio_buf *b, size_t limit);
/* Frees the data and makes b empty (limit kept). */
REGIO_API void regio_buf_free(regio_buf *b);
/* Empties b, keeping its memory. */
REGIO_API void regio_buf_reset(regio_buf *b);
/* Makes room for extra more bytes (plus the NUL). */
REGIO_API regio_err regio_buf_reserve(regio_buf *b, size_t extra);
/* Appends n bytes of s; the caller keeps s. */
REGIO_API regio_err regio_buf_append(regio_buf *b, const char *s, size_t n);
/* Appends the string s; the caller keeps s. */
REGIO_API regio_err regio_buf_puts(regio_buf *b, const char *s);
/* Appends one byte. */
REGIO_API regio_err regio_buf_putc(regio_buf *b, char c);
/* Appends formatted text. */
REGIO_API regio_err regio_buf_printf(regio_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends formatted text from a va_list. */
REGIO_API regio_err regio_buf_vprintf(regio_buf *b, const char *fmt, va_list ap);
/* Appends s as a JSON string literal, quotes included. */
REGIO_API regio_err regio_buf_json_str(regio_buf *b, const char *s);
/* Appends a double in shortest round-trip form ("%.17g" trimmed), or
 * "null" when not finite. */
REGIO_API regio_err regio_buf_num(regio_buf *b, double v);
/* Appends s as one CSV field, quoted when it holds sep, quote or newline. */
REGIO_API regio_err regio_buf_csv_field(regio_buf *b, const char *s, char sep);
/* Takes ownership of the data; the buffer is reset. Caller frees with
 * regio_free. */
REGIO_API char *regio_buf_steal(regio_buf *b);

#ifdef __cplusplus
}
#endif
#endif
