/*
 * Growable byte buffer with a size cap (see buf.h). Used for JSON, CSV and
 * message building across the library.
 */
#include "regio/buf.h"
#include "core/grow.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void regio_buf_init(regio_buf *b, size_t limit)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->limit = limit;
}

void regio_buf_free(regio_buf *b)
{
    regio_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void regio_buf_reset(regio_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

regio_err regio_buf_reserve(regio_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len - 1)
        return REGIO_ENOMEM;
    size_t need = b->len + extra + 1;
    if (b->limit && need > b->limit + 1)
        return REGIO_ENOMEM;
    return regio__grow(&b->data, &b->cap, need, 1);
}

regio_err regio_buf_append(regio_buf *b, const char *s, size_t n)
{
    regio_err rc = regio_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return REGIO_OK;
}

regio_err regio_buf_puts(regio_buf *b, const char *s)
{
    return regio_buf_append(b, s, strlen(s));
}

regio_err regio_buf_putc(regio_buf *b, char c)
{
    return regio_buf_append(b, &c, 1);
}

regio_err regio_buf_vprintf(regio_buf *b, const char *fmt, va_list ap)
{
    /* Formatted once into the room there is; again only when it did not fit. */
    va_list ap2;
    va_copy(ap2, ap);
    size_t room = b->data && b->cap > b->len ? b->cap - b->len : 0;
    if (b->limit && room > b->limit + 1 - b->len)
        room = b->limit + 1 > b->len ? b->limit + 1 - b->len : 0;
    int n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return REGIO_EINVAL;
    if ((size_t)n < room) {
        b->len += (size_t)n;
        return REGIO_OK;
    }
    regio_err rc = regio_buf_reserve(b, (size_t)n);
    if (rc) {
        if (b->data)
            b->data[b->len] = '\0'; /* what the first try wrote is not kept */
        return rc;
    }
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return REGIO_OK;
}

regio_err regio_buf_printf(regio_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    regio_err rc = regio_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

regio_err regio_buf_json_str(regio_buf *b, const char *s)
{
    regio_err rc = regio_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); !rc && *p; p++) {
        switch (*p) {
        case '"': rc = regio_buf_append(b, "\\\"", 2); break;
        case '\\': rc = regio_buf_append(b, "\\\\", 2); break;
        case '\n': rc = regio_buf_append(b, "\\n", 2); break;
        case '\r': rc = regio_buf_append(b, "\\r", 2); break;
        case '\t': rc = regio_buf_append(b, "\\t", 2); break;
        default:
            if (*p < 0x20)
                rc = regio_buf_printf(b, "\\u%04x", *p);
            else
                rc = regio_buf_putc(b, (char)*p);
        }
    }
    return rc ? rc : regio_buf_putc(b, '"');
}

regio_err regio_buf_num(regio_buf *b, double v)
{
    if (!isfinite(v))
        return regio_buf_puts(b, "null");
    char tmp[64];
    double a = fabs(v);
    if (a == 0) {
        return regio_buf_puts(b, "0");
    } else if (a >= 1e-4 && a < 1e15) {
        /* Plain decimals, as few as read back to the same double. */
        int dec;
        for (dec = 0; dec <= 24; dec++) {
            snprintf(tmp, sizeof tmp, "%.*f", dec, v);
            if (strtod(tmp, NULL) == v)
                break;
        }
        if (dec > 24)
            snprintf(tmp, sizeof tmp, "%.17g", v);
    } else {
        /* Shortest exponent form that reads back to the same double. */
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(tmp, sizeof tmp, "%.*g", prec, v);
            if (strtod(tmp, NULL) == v)
                break;
        }
    }
    return regio_buf_puts(b, tmp);
}

regio_err regio_buf_csv_field(regio_buf *b, const char *s, char sep)
{
    if (!s)
        return REGIO_OK;
    int quote = 0;
    for (const char *p = s; *p; p++)
        if (*p == sep || *p == '"' || *p == '\n' || *p == '\r') {
            quote = 1;
            break;
        }
    if (!quote)
        return regio_buf_puts(b, s);
    regio_err rc = regio_buf_putc(b, '"');
    for (const char *p = s; !rc && *p; p++)
        rc = *p == '"' ? regio_buf_append(b, "\"\"", 2) : regio_buf_putc(b, *p);
    return rc ? rc : regio_buf_putc(b, '"');
}

char *regio_buf_steal(regio_buf *b)
{
    char *p = b->data;
    if (!p)
        p = regio_strdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
