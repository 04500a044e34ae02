/*
 * Private to src/lib/rules: finding the columns of the small CSV files the
 * rules part reads (rules, territory types) by name or alias, with the
 * user's --map overrides, the way regio/fields.h does for records.
 */
#ifndef REGIO_RULES_IO_H
#define REGIO_RULES_IO_H

#include "io/table.h"
#include "regio/core.h"

#include <stddef.h>

/* One column a file may have: its canonical name and other spellings
 * (NULL-terminated; compared ignoring case, spaces, '_', '-' and '.'). */
typedef struct regio__col_spec {
    const char *name;
    const char *aliases[6];
    int required;
} regio__col_spec;

/*
 * Fills col[i] with the column of spec[i] in t's header (-1 when absent).
 * maps are "SOURCE=NAME" overrides (SOURCE a header as written, NAME a
 * canonical name). A missing required column, two columns for one name or
 * a bad override fails naming the file, line 1 and the accepted names.
 * `what` names the file's kind in messages ("rule file").
 */
regio_err regio__columns_find(const char *path, const regio__table *t, const char *what,
                              const regio__col_spec *spec, size_t n, const char *const *maps,
                              size_t n_maps, long *col, regio_error *err);

/* true/false, 1/0, yes/no in any case, or empty (*v = dflt); -1 otherwise. */
int regio__parse_flag(const char *s, int dflt, int *v);

#endif
