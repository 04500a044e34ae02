/*
 * Private companion of regio_error_setf (regio/core.h), the one formatter
 * of a regio_error: setf leaves the column 0, and the readers that know one
 * add it with regio__error_column, e.g. in a file-local macro
 *   regio__error_column(err, col, regio_error_setf(err, code, ...)).
 */
#ifndef REGIO_CORE_ERROR_H
#define REGIO_CORE_ERROR_H

#include "regio/core.h"

/* Sets err->column (err may be NULL) and returns code. */
static inline regio_err regio__error_column(regio_error *err, long column, regio_err code)
{
    if (err)
        err->column = column;
    return code;
}

#endif
