/*
 * Error codes, their names and messages, and the error-detail struct that
 * parsers fill with file, line, column and field.
 */
#include "regio/core.h"

#include <stdarg.h>

#include <stdio.h>
#include <string.h>

static const char *const err_names[REGIO_ERR_COUNT_] = {
    "REGIO_OK",      "REGIO_ENOMEM",    "REGIO_EINVAL",     "REGIO_EIO",
    "REGIO_EPARSE",  "REGIO_EDATA",     "REGIO_ESTORE",     "REGIO_ENOTFOUND",
    "REGIO_ECONFLICT", "REGIO_EUNSUPPORTED", "REGIO_ECANCELLED", "REGIO_EGEOM",
    "REGIO_EINFEASIBLE",
};

static const char *const err_msgs[REGIO_ERR_COUNT_] = {
    "success",
    "out of memory",
    "invalid argument",
    "input/output error",
    "malformed input",
    "invalid data",
    "store error",
    "not found",
    "conflicting write",
    "unsupported format or feature",
    "cancelled",
    "geometry error",
    "constraints cannot all be met",
};

const char *regio_strerror(regio_err err)
{
    if ((int)err < 0 || err >= REGIO_ERR_COUNT_)
        return "unknown error";
    return err_msgs[err];
}

const char *regio_err_name(regio_err err)
{
    if ((int)err < 0 || err >= REGIO_ERR_COUNT_)
        return "REGIO_EUNKNOWN";
    return err_names[err];
}

void regio_error_clear(regio_error *e)
{
    if (e)
        memset(e, 0, sizeof *e);
}

const char *regio_error_format(const regio_error *e, char *buf, size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return buf;
    buf[0] = '\0';
    if (!e)
        return buf;
#define APPEND(...)                                                            \
    do {                                                                       \
        if (n < cap) {                                                         \
            int w_ = snprintf(buf + n, cap - n, __VA_ARGS__);                  \
            if (w_ > 0)                                                        \
                n += (size_t)w_;                                               \
        }                                                                      \
    } while (0)
    if (e->file[0]) {
        APPEND("%s", e->file);
        if (e->line > 0)
            APPEND(":%ld", e->line);
        APPEND(": ");
    } else if (e->line > 0) {
        APPEND("line %ld: ", e->line);
    }
    if (e->field[0])
        APPEND("field '%s'", e->field);
    else if (e->column > 0)
        APPEND("column %ld", e->column);
    if (e->field[0] || e->column > 0)
        APPEND(": ");
    APPEND("%s", e->msg[0] ? e->msg : regio_strerror(e->code));
#undef APPEND
    return buf;
}

const char *regio_version(void)
{
    return "0.1.0";
}

regio_err regio_error_setf(regio_error *err, regio_err code, const char *file, long line,
                        const char *field, const char *fmt, ...)
{
    if (!err)
        return code;
    regio_error_clear(err);
    err->code = code;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}
