/*
 * Private to the store backends (sqlite_scenarios.c, pg_models.c): the
 * audit record of an alignment edit (moves, locks), its before and after
 * JSON built side by side, so that every backend writes the same record:
 * {"revision":R,"moves":[{"unit":"08031","territory":"T01"},...]}.
 */
#ifndef REGIO_STORE_EDIT_CODEC_H
#define REGIO_STORE_EDIT_CODEC_H

#include "regio/buf.h"
#include "store/store_impl.h"

/* Before/after JSON of an edit, built side by side. */
typedef struct edit_json {
    regio_buf before, after;
    size_t rows;
} edit_json;

/* Appends "key":value with value a JSON string or null (comma first when asked). */
static inline int edit_kv(regio_buf *b, const char *key, const char *v, int comma)
{
    return (comma && regio_buf_putc(b, ',')) || regio_buf_json_str(b, key) ||
           regio_buf_putc(b, ':') || (v ? regio_buf_json_str(b, v) : regio_buf_puts(b, "null"));
}

static inline regio_err ej_open(edit_json *j, long rev, const char *list)
{
    regio_buf_init(&j->before, 0);
    regio_buf_init(&j->after, 0);
    j->rows = 0;
    if (regio_buf_printf(&j->before, "{\"revision\":%ld,\"%s\":[", rev, list) ||
        regio_buf_printf(&j->after, "{\"revision\":%ld,\"%s\":[", rev + 1, list))
        return REGIO_ENOMEM;
    return REGIO_OK;
}

/* Adds {"kind":id,"field":before} and {"kind":id,"field":after}; the
 * values are JSON strings (NULL = null), or literal JSON when raw. */
static inline regio_err ej_row(edit_json *j, const char *kind, const char *id, const char *field,
                               const char *bv, const char *av, int raw)
{
    regio_buf *bufs[2] = {&j->before, &j->after};
    const char *vals[2] = {bv, av};
    for (int i = 0; i < 2; i++) {
        regio_buf *b = bufs[i];
        if ((j->rows && regio_buf_putc(b, ',')) || regio_buf_putc(b, '{') ||
            edit_kv(b, kind, id, 0))
            return REGIO_ENOMEM;
        if (raw ? regio_buf_putc(b, ',') || regio_buf_json_str(b, field) ||
                      regio_buf_putc(b, ':') || regio_buf_puts(b, vals[i])
                : edit_kv(b, field, vals[i], 1))
            return REGIO_ENOMEM;
        if (regio_buf_putc(b, '}'))
            return REGIO_ENOMEM;
    }
    j->rows++;
    return REGIO_OK;
}

static inline regio_err ej_close(edit_json *j)
{
    if (regio_buf_puts(&j->before, "]}") || regio_buf_puts(&j->after, "]}"))
        return REGIO_ENOMEM;
    return REGIO_OK;
}

static inline void ej_free(edit_json *j)
{
    regio_buf_free(&j->before);
    regio_buf_free(&j->after);
}

#endif
