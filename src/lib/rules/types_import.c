/*
 * `regio import types`: territory types from CSV (name,priority,
 * description; Salesforce's Territory2Type DeveloperName,Priority,
 * Description map as they come). All or nothing: a row without a name, a
 * priority that is not a whole number, a name given twice or a priority
 * two types would share fails naming the line; then the types are saved
 * in one transaction (priorities may be swapped within one file).
 */
#include "rules/rules_io.h"
#include "rules/rules_salesforce.h"

#include "regio/rule_store.h"
#include "regio/strmap.h"
#include "core/grow.h"
#include "io/import_common.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { C_NAME, C_PRIO, C_DESC, NC };

static const regio__col_spec COLS[NC] = {
    {"name", {"type", "DeveloperName", "territory_type", NULL}, 1},
    {"priority", {"Priority", NULL}, 1},
    {"description", {"Description", NULL}, 0},
};

typedef struct trow {
    char *name, *desc;
    long priority, line;
} trow;

typedef struct stored {
    regio_strmap *by_name;  /* name -> index */
    char **name, **desc;
    long *priority;
    size_t n, cap;
    regio_err rc;
} stored;

static int on_type(void *ud, const regio_territory_type *t)
{
    stored *s = ud;
    size_t cap = s->cap;
    if (regio__grow(&s->name, &cap, s->n + 1, sizeof *s->name) ||
        (cap = s->cap, regio__grow(&s->desc, &cap, s->n + 1, sizeof *s->desc)) ||
        (cap = s->cap, regio__grow(&s->priority, &cap, s->n + 1, sizeof *s->priority))) {
        s->rc = REGIO_ENOMEM;
        return 1;
    }
    s->cap = cap;
    s->name[s->n] = regio_strdup(t->name);
    s->desc[s->n] = t->description ? regio_strdup(t->description) : NULL;
    s->priority[s->n] = t->priority;
    int found = 0;
    long old = 0;
    if (!s->name[s->n] || (t->description && !s->desc[s->n]) ||
        regio_strmap_put(s->by_name, t->name, (long)s->n, &found, &old))
        s->rc = REGIO_ENOMEM;
    s->n++;
    return s->rc != REGIO_OK;
}

static char *cell(const regio__table *t, long col)
{
    if (col < 0)
        return NULL;
    const char *v = regio__trim_view(regio__table_field(t, (size_t)col));
    size_t len = v ? regio__trim_len(v) : 0;
    return len ? regio_strndup(v, len) : NULL;
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Whether the header has a MasterLabel column and the maps do not name the
 * name column: then MasterLabel is the name (Salesforce's label). */
static int master_label_is_name(const regio__table *t, const regio_import_opts *opts)
{
    int has = 0;
    for (size_t i = 0; i < regio__table_ncols(t); i++)
        has |= !strcasecmp(regio__table_header(t)[i], "MasterLabel");
    for (size_t m = 0; m < opts->n_maps; m++) {
        const char *eq = strchr(opts->maps[m], '=');
        if (eq && !strcasecmp(eq + 1, "name"))
            return 0;
    }
    return has;
}

regio_err regio_import_types(regio_store *s, const char *path, const regio_import_opts *opts,
                             regio_import_summary *sum, regio_error *err)
{
    return regio__import_types_skip(s, path, opts, NULL, sum, err);
}

regio_err regio__import_types_skip(regio_store *s, const char *path,
                                   const regio_import_opts *opts, const char *skip,
                                   regio_import_summary *sum, regio_error *err)
{
    static const regio_import_opts defaults;
    regio_import_summary local;
    if (!sum)
        sum = &local;
    memset(sum, 0, sizeof *sum);
    if (!opts)
        opts = &defaults;
    regio_error_clear(err);
    if (!s || !path)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "no store or no file to import");
    if (opts->skip_invalid)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "an import of territory types is all or nothing");
    regio_error e;
    regio_error_clear(&e);
    regio__table *t = NULL;
    long col[NC];
    trow *rows = NULL;
    size_t n = 0, cap = 0;
    stored st = {regio_strmap_create(32), NULL, NULL, NULL, 0, 0, REGIO_OK};
    regio_strmap *names = regio_strmap_create(32), *prios = regio_strmap_create(32);
    int in_txn = 0;
    regio_err rc = st.by_name && names && prios ? REGIO_OK : REGIO_ENOMEM;
    if (!rc)
        rc = regio__table_open(path, opts->sep, &t, &e);
    const char **maps = NULL;
    size_t n_maps = opts->n_maps;
    if (!rc && master_label_is_name(t, opts)) {
        if (!(maps = regio_calloc(n_maps + 1, sizeof *maps)))
            rc = REGIO_ENOMEM;
        for (size_t m = 0; !rc && m < n_maps; m++)
            maps[m] = opts->maps[m];
        if (!rc)
            maps[n_maps++] = "MasterLabel=name";
    }
    if (!rc)
        rc = regio__columns_find(path, t, "territory type file", COLS, NC,
                                 maps ? maps : opts->maps, n_maps, col, &e);
    regio_free(maps);
    if (!rc && !opts->in_transaction && !(rc = regio_store_begin(s, &e)))
        in_txn = 1;
    if (!rc) {
        rc = regio_store_types_foreach(s, on_type, &st, &e);
        if (rc == REGIO_ECANCELLED && st.rc)
            rc = st.rc;
    }
    const char *const *hdr = t ? regio__table_header(t) : NULL;
    while (!rc) {
        int has = 0;
        if ((rc = regio__table_next(t, &has, &e))) {
            regio__error_set_file(&e, path, 0);
            break;
        }
        if (!has)
            break;
        sum->rows++;
        if (skip && col[C_NAME] >= 0) {
            char *name = cell(t, col[C_NAME]);
            int skipped = name && !strcmp(name, skip) && regio_strmap_get(st.by_name, name) < 0;
            regio_free(name);
            if (skipped)
                continue;
        }
        if (regio__grow(&rows, &cap, n + 1, sizeof *rows)) {
            rc = REGIO_ENOMEM;
            break;
        }
        trow *r = &rows[n++];
        memset(r, 0, sizeof *r);
        r->line = regio__table_line(t);
        r->name = cell(t, col[C_NAME]);
        r->desc = cell(t, col[C_DESC]);
        char *p = cell(t, col[C_PRIO]);
        int found = 0;
        long first = 0;
        if (!r->name) {
            rc = regio__row_error(&e, path, t, (size_t)col[C_NAME], "the type's name is empty");
        } else if (!p) {
            rc = regio__row_error(&e, path, t, (size_t)col[C_PRIO],
                                  "territory type '%s' has no priority (a whole number; the "
                                  "lowest number is the highest priority)",
                                  r->name);
        } else {
            char *end = NULL;
            errno = 0;
            long v = strtol(p, &end, 10);
            if (errno || !end || *end || end == p)
                rc = regio__row_error(&e, path, t, (size_t)col[C_PRIO],
                                      "priority '%s' is not a whole number", p);
            r->priority = v;
        }
        regio_free(p);
        if (!rc && (rc = regio_strmap_put(names, r->name, (long)n - 1, &found, &first)) == REGIO_OK &&
            found)
            rc = regio__row_error(&e, path, t, (size_t)col[C_NAME],
                                  "territory type '%s' appears twice in the file (first on line "
                                  "%ld)",
                                  r->name, rows[first].line);
        char key[32];
        snprintf(key, sizeof key, "%ld", r->priority);
        if (!rc && (rc = regio_strmap_put(prios, key, (long)n - 1, &found, &first)) == REGIO_OK &&
            found)
            rc = regio__row_error(&e, path, t, (size_t)col[C_PRIO],
                                  "territory types '%s' (line %ld) and '%s' both have priority "
                                  "%ld (no two types share a priority)",
                                  rows[first].name, rows[first].line, r->name, r->priority);
    }
    /* A stored type the file leaves out keeps its priority. */
    for (size_t i = 0; !rc && i < st.n; i++) {
        if (regio_strmap_get(names, st.name[i]) >= 0)
            continue;
        char key[32];
        snprintf(key, sizeof key, "%ld", st.priority[i]);
        long j = regio_strmap_get(prios, key);
        if (j >= 0) {
            regio_error_setf(&e, REGIO_EDATA, path, rows[j].line, hdr[col[C_PRIO]],
                             "priority %ld of territory type '%s' is already territory type "
                             "'%s''s, which the file does not change (no two types share a "
                             "priority)",
                             st.priority[i], rows[j].name, st.name[i]);
            e.column = col[C_PRIO] + 1;
            rc = REGIO_EDATA;
        }
    }
    regio_territory_type *in = NULL;
    if (!rc && !(in = regio_calloc(n ? n : 1, sizeof *in)))
        rc = REGIO_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        long si = regio_strmap_get(st.by_name, rows[i].name);
        if (si >= 0 && st.priority[si] == rows[i].priority &&
            (col[C_DESC] < 0 || same(st.desc[si], rows[i].desc))) {
            sum->unchanged++;
            continue;
        }
        if (si >= 0)
            sum->updated++;
        else
            sum->added++;
        in[k++] = (regio_territory_type){rows[i].name, rows[i].priority,
                                         col[C_DESC] >= 0 ? rows[i].desc
                                         : si >= 0        ? st.desc[si]
                                                          : NULL,
                                         0};
    }
    if (!rc && k)
        rc = regio_store_types_save(s, in, k, opts->actor, NULL, &e);
    if (!rc && k && !opts->dry_run) {
        char after[200];
        snprintf(after, sizeof after, "{\"rows\":%zu,\"added\":%zu,\"updated\":%zu,\"unchanged\":%zu}",
                 sum->rows, sum->added, sum->updated, sum->unchanged);
        rc = regio_store_audit_append(s, opts->actor ? opts->actor : "cli", "import.types", "file",
                                      path, NULL, after, &e);
    }
    if (!rc && !opts->dry_run && in_txn)
        rc = regio_store_commit(s, &e);
    else if (in_txn)
        regio_store_rollback(s, NULL);
    if (rc == REGIO_ENOMEM)
        regio__file_error(&e, REGIO_ENOMEM, path, "out of memory");
    if (rc && err)
        *err = e;
    regio_free(in);
    for (size_t i = 0; i < n; i++) {
        regio_free(rows[i].name);
        regio_free(rows[i].desc);
    }
    regio_free(rows);
    for (size_t i = 0; i < st.n; i++) {
        regio_free(st.name[i]);
        regio_free(st.desc[i]);
    }
    regio_free(st.name);
    regio_free(st.desc);
    regio_free(st.priority);
    regio_strmap_destroy(st.by_name);
    regio_strmap_destroy(names);
    regio_strmap_destroy(prios);
    regio__table_close(t);
    return rc;
}
