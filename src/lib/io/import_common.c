/*
 * Helpers shared by the importers (see import_common.h): trimming, strict
 * number parsing of cells and row-level error reports.
 */
#include "io/import_common.h"

#include "regio/fields.h"
#include "core/error.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *regio__trim_view(const char *s)
{
    if (!s)
        return "";
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    return s;
}

size_t regio__trim_len(const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    return n;
}

char *regio__copy_trim(char *buf, size_t cap, const char *s)
{
    s = regio__trim_view(s);
    size_t n = regio__trim_len(s);
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return buf;
}

regio_err regio__parse_cell_number(const char *s, double *out, int *empty)
{
    *out = NAN;
    const char *v = regio__trim_view(s);
    *empty = regio__trim_len(v) == 0;
    if (*empty)
        return REGIO_OK;
    double x;
    if (regio_parse_number(v, &x) != REGIO_OK || !isfinite(x))
        return REGIO_EDATA;
    *out = x;
    return REGIO_OK;
}

int regio__looks_numeric(const char *s)
{
    const char *p = regio__trim_view(s);
    if (*p == '+')
        return 0;
    if (*p == '-')
        p++;
    /* A leading zero followed by a digit is an identifier, not a number. */
    if (p[0] == '0' && isdigit((unsigned char)p[1]))
        return 0;
    return isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]));
}

regio_err regio__attr_append(regio_attr **attrs, size_t *n, const char *key, const char *value,
                             regio_attr **added)
{
    if (added)
        *added = NULL;
    const char *s = regio__trim_view(value);
    size_t len = regio__trim_len(s);
    if (len == 0)
        return REGIO_OK;
    regio_attr *na = regio_realloc(*attrs, (*n + 1) * sizeof **attrs);
    if (!na)
        return REGIO_ENOMEM;
    *attrs = na;
    regio_attr *a = &na[*n];
    memset(a, 0, sizeof *a);
    a->num = NAN;
    a->key = regio_strdup(key);
    a->text = regio_strndup(s, len);
    if (!a->key || !a->text) {
        regio_free(a->key);
        regio_free(a->text);
        return REGIO_ENOMEM;
    }
    (*n)++;
    double x;
    int empty;
    if (regio__looks_numeric(a->text) && !regio__parse_cell_number(a->text, &x, &empty)) {
        a->is_num = 1;
        a->num = x;
    }
    if (added)
        *added = a;
    return REGIO_OK;
}

regio_err regio__row_error(regio_error *err, const char *path, const regio__table *t,
                           size_t col, const char *fmt, ...)
{
    if (!err)
        return REGIO_EDATA;
    long line = regio__table_line(t);
    int has_col = col < regio__table_ncols(t);
    const char *field = has_col ? regio__table_header(t)[col] : NULL;
    va_list ap;
    va_start(ap, fmt);
    char msg[sizeof err->msg - 32];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (regio__table_is_features(t))
        regio_error_setf(err, REGIO_EDATA, path, line, field, "feature %ld: %s", line, msg);
    else
        regio_error_setf(err, REGIO_EDATA, path, line, field, "%s", msg);
    return regio__error_column(err, has_col ? (long)col + 1 : 0, REGIO_EDATA);
}

regio_err regio__file_error(regio_error *err, regio_err code, const char *path,
                            const char *fmt, ...)
{
    if (!err)
        return code;
    if (err->code == code && err->msg[0])
        return code;
    char msg[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return regio_error_setf(err, code, path, 0, NULL, "%s", msg);
}

void regio__error_set_file(regio_error *err, const char *path, long line)
{
    if (!err)
        return;
    if (!err->file[0])
        snprintf(err->file, sizeof err->file, "%s", path);
    if (line > 0 && err->line == 0)
        err->line = line;
}

int regio__parse_bool(const char *v)
{
    static const char *const yes[] = {"true", "1", "yes"}, *const no[] = {"false", "0", "no"};
    for (int i = 0; v && i < 3; i++) {
        if (!strcasecmp(v, yes[i]))
            return 1;
        if (!strcasecmp(v, no[i]))
            return 0;
    }
    return -1;
}
