/*
 * Filling a regio_error with a formatted message: the one helper every
 * module uses to say which file, line and field an error is about.
 */
#ifndef REGIO_CORE_ERRORF_H
#define REGIO_CORE_ERRORF_H

#include "regio/core.h"

/* Clears err (may be NULL), fills code, file, line, field (each may be
 * NULL/0) and the formatted message, and returns code. */
regio_err regio__errorf(regio_error *err, regio_err code, const char *file, long line,
                        const char *field, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

#endif
