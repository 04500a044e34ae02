/*
 * Private to src/lib/rules: finding the columns of the small CSV files the
 * rules part reads (rules, territory types) by name or alias, with the
 * user's --map overrides, the way regio/fields.h does for records.
 */
#ifndef REGIO_RULES_IO_H
#define REGIO_RULES_IO_H

#include "io/table.h"
#include "regio/core.h"
#include "regio/rules.h"

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

/* A rule as a file gives it (regio import rules, regio import
 * salesforce); strings owned. */
typedef struct regio__file_rule {
    char *territory, *name;
    long line;                  /* its first row */
    char *logic;
    int inherit, active;
    int n;                      /* highest criterion number seen */
    char *field[REGIO_RULE_MAX_CRITERIA], *op[REGIO_RULE_MAX_CRITERIA],
        *value[REGIO_RULE_MAX_CRITERIA];
    long cline[REGIO_RULE_MAX_CRITERIA]; /* line of each criterion, 0: none */
    long id;                    /* the stored rule of that name, 0: new */
    int broken;                 /* a row of it has a problem: not checked as a whole */
} regio__file_rule;

/* r as a rule (its strings borrowed from r). */
void regio__file_rule_info(const regio__file_rule *r, regio_rule_info *ri);

/* Frees r's strings (not r). */
void regio__file_rule_free(regio__file_rule *r);

#endif
