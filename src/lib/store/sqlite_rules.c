/*
 * SQLite backend, assignment rules (assignment_rules, rule_criteria),
 * territory types, the `rule` associations a rule run swaps
 * (account_territories with cause 'rule') and account owners. Each
 * administrative write is one transaction (or a savepoint inside the
 * caller's) with one audit record; the reads a rule run makes stream the
 * accounts by row key with only the fields its rules name.
 */
#include "store/rules_codec.h"
#include "store/rules_impl.h"
#include "store/sqlite_impl.h"

#include "regio/strmap.h"

#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------------- */

/* Steps a prepared write to its end and finalizes it. */
static regio_err run(regio__sqlite_store *s, sqlite3_stmt *st, const char *what,
                     regio_error *err)
{
    int r = sqlite3_step(st);
    regio_err rc = REGIO_OK;
    if (r != SQLITE_DONE && r != SQLITE_ROW)
        rc = regio__sq_err(s, err, what);
    regio__sq_release(s, st);
    return rc;
}

/* One integer from a one-row query; *found says whether there was a row. */
static regio_err one_int(regio__sqlite_store *s, sqlite3_stmt *st, sqlite3_int64 *v, int *found,
                         regio_error *err)
{
    int r = sqlite3_step(st);
    *found = r == SQLITE_ROW;
    *v = *found ? sqlite3_column_int64(st, 0) : 0;
    return regio__sq_finish(s, st, *found ? SQLITE_DONE : r, REGIO_OK, err);
}

static regio_err territory_id(regio__sqlite_store *s, sqlite3_int64 mid, const char *model,
                              const char *ext, sqlite3_int64 *id, regio_error *err)
{
    sqlite3_stmt *st = NULL;
    int found = 0;
    regio_err rc = regio__sq_prep(s, &st, err, "SELECT id FROM territories WHERE model_id = ?1 AND ext_id = ?2",
                        "it", mid, ext);
    if (!rc)
        rc = one_int(s, st, id, &found, err);
    if (!rc && !found)
        rc = rules_unknown_territory(err, model, ext);
    return rc;
}

/* ---- territory types ------------------------------------------------------------ */

static regio_err sq_types_foreach(regio_store *base, regio_territory_type_cb cb, void *ud,
                                  regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err, RULES_TYPES_SQL, "");
    if (rc)
        return rc;
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio_territory_type t = {col_text(st, 0), (long)sqlite3_column_int64(st, 1),
                                  col_text(st, 2), (long)sqlite3_column_int64(st, 3)};
        if (cb(ud, &t))
            rc = regio__sq_cancelled(err);
    }
    return regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
}

typedef struct sq_types_ctx {
    regio__sqlite_store *s;
    const char *actor;
} sq_types_ctx;

static regio_err sq_type_park(void *ctx, const type_row *x, long priority, regio_error *err)
{
    regio__sqlite_store *s = ((sq_types_ctx *)ctx)->s;
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err, "UPDATE territory_types SET priority = ?2 WHERE id = ?1",
                                  "ii", (sqlite3_int64)x->id, (sqlite3_int64)priority);
    return rc ? rc : run(s, st, "writing a territory type", err);
}

static regio_err sq_type_write(void *ctx, const type_row *x, const regio_territory_type *in,
                               regio_error *err)
{
    regio__sqlite_store *s = ((sq_types_ctx *)ctx)->s;
    sqlite3_stmt *st = NULL;
    regio_err rc =
        x->id ? regio__sq_prep(s, &st, err,
                               "UPDATE territory_types SET priority = ?2, description = ?3 WHERE id = ?1",
                               "iit", (sqlite3_int64)x->id, (sqlite3_int64)x->final,
                               in->description)
              : regio__sq_prep(s, &st, err,
                               "INSERT INTO territory_types(name, priority, description) VALUES (?1, ?2, ?3)",
                               "tit", x->name, (sqlite3_int64)x->final, in->description);
    return rc ? rc : run(s, st, "writing a territory type", err);
}

static regio_err sq_type_audit(void *ctx, const char *name, const char *before, const char *after,
                               regio_error *err)
{
    sq_types_ctx *c = ctx;
    return regio__sq_audit_append(&c->s->base, c->actor ? c->actor : "cli", "type.upsert",
                                  "territory_type", name, before, after, err);
}

static regio_err sq_types_save(regio_store *base, const regio_territory_type *types, size_t n,
                               const char *actor, size_t *changed, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio_err rc = types_check_input(types, n, err);
    if (rc)
        return rc;
    regio__sq_txn t;
    if ((rc = regio__sq_txn_begin(s, &t, err)))
        return rc;
    /* Everything stored, then the input on top. */
    type_rows rows = {0};
    sqlite3_stmt *st = NULL;
    rc = regio__sq_prep(s, &st, err, RULES_TYPES_STORED_SQL, "");
    int r = SQLITE_DONE;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW)
        rc = type_rows_stored(&rows, sqlite3_column_int64(st, 0), col_text(st, 1),
                              (long)sqlite3_column_int64(st, 2), col_text(st, 3), err);
    if (st)
        rc = regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
    if (!rc)
        rc = types_merge(&rows, types, n, err);
    static const types_writer W = {sq_type_park, sq_type_write, sq_type_audit};
    sq_types_ctx c = {s, actor};
    size_t n_changed = 0;
    if (!rc)
        rc = types_apply(&rows, types, &W, &c, &n_changed, err);
    type_rows_free(&rows);
    rc = regio__sq_txn_end(s, &t, rc, err);
    if (!rc && changed)
        *changed = n_changed;
    return rc;
}

static regio_err sq_territory_set_type(regio_store *base, const char *model, const char *ext_id,
                                       const char *type, const char *actor, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio__sq_txn t;
    regio_err rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    sqlite3_int64 mid = 0, tid = 0, yid = 0;
    int found = 0;
    sqlite3_stmt *st = NULL;
    rc = regio__sq_model_id(s, model, &mid, err);
    if (!rc)
        rc = territory_id(s, mid, model, ext_id, &tid, err);
    if (!rc && type) {
        rc = regio__sq_prep(s, &st, err, "SELECT id FROM territory_types WHERE name = ?1", "t", type);
        if (!rc)
            rc = one_int(s, st, &yid, &found, err);
        if (!rc && !found)
            rc = rules_unknown_type(err, type);
    }
    if (!rc)
        rc = regio__sq_prep(s, &st, err, "UPDATE territories SET type_id = ?2 WHERE id = ?1", "ii", tid,
                  yid);
    if (!rc) {
        if (!type)
            sqlite3_bind_null(st, 2);
        rc = run(s, st, "writing a territory's type", err);
    }
    if (!rc) {
        char *after = json_obj("model", model, "type", type, JSON_END);
        rc = after ? regio__sq_audit_append(base, actor ? actor : "cli", "territory.type",
                                            "territory", ext_id, NULL, after, err)
                   : rules_oom(err);
        regio_free(after);
    }
    return regio__sq_txn_end(s, &t, rc, err);
}

/* ---- rules ---------------------------------------------------------------------------- */

static regio_err sq_rules_foreach(regio_store *base, const char *model, const char *territory,
                                  regio_rule_cb cb, void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_int64 mid = 0, tid = 0;
    regio_err rc = regio__sq_model_id(s, model, &mid, err);
    if (!rc && territory && (rc = territory_id(s, mid, model, territory, &tid, err)) == REGIO_EDATA)
        rc = REGIO_ENOTFOUND;
    if (rc) {
        if (err)
            err->code = rc;
        return rc;
    }
    sqlite3_stmt *st = NULL;
    rc = regio__sq_prep(s, &st, err,
              RULES_JOIN_SQL " WHERE t.model_id = ?1 AND (?2 = 0 OR t.id = ?2)"
              " ORDER BY t.ext_id, r.name, r.id, c.seq",
              "ii", mid, tid);
    if (rc)
        return rc;
    rule_buf b;
    memset(&b, 0, sizeof b);
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        long id = (long)sqlite3_column_int64(st, 0);
        if (b.have && id != b.info.id) {
            if (cb(ud, &b.info))
                rc = regio__sq_cancelled(err);
            rule_buf_clear(&b);
        }
        if (rc)
            break;
        if (rule_buf_row(&b, id, col_text(st, 1), col_text(st, 2), col_text(st, 3),
                         sqlite3_column_int(st, 4), sqlite3_column_int(st, 5),
                         sqlite3_column_type(st, 6) != SQLITE_NULL, col_text(st, 7),
                         col_text(st, 8), col_text(st, 9)))
            rc = rules_oom(err);
    }
    if (!rc && b.have && cb(ud, &b.info))
        rc = regio__sq_cancelled(err);
    rule_buf_clear(&b);
    return regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
}

static regio_err sq_rule_save(regio_store *base, const char *model, const regio_rule_info *r,
                              const char *actor, long *id_out, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio_err rc = rule_check_shape(r, err);
    if (rc)
        return rc;
    regio__sq_txn t;
    if ((rc = regio__sq_txn_begin(s, &t, err)))
        return rc;
    sqlite3_int64 mid = 0, tid = 0, other = 0, id = r->id;
    int found = 0;
    one_rule before;
    memset(&before, 0, sizeof before);
    sqlite3_stmt *st = NULL;
    rc = regio__sq_model_id(s, model, &mid, err);
    if (!rc)
        rc = territory_id(s, mid, model, r->territory, &tid, err);
    if (!rc && r->id) {
        rc = rule_stored(base, sq_rules_foreach, model, r->id, &before, err);
        if (!rc && !before.found)
            rc = rules_no_rule(err, model, r->id);
    }
    if (!rc)
        rc = regio__sq_prep(s, &st, err,
                  "SELECT id FROM assignment_rules WHERE territory_id = ?1 AND name = ?2 AND"
                  " id <> ?3",
                  "iti", tid, r->name, (sqlite3_int64)r->id);
    if (!rc)
        rc = one_int(s, st, &other, &found, err);
    if (!rc && found)
        rc = rules_name_taken(err, r, other);
    const char *logic = rules_blank(r->logic) ? NULL : r->logic;
    if (!rc && r->id)
        rc = regio__sq_prep(s, &st, err,
                  "UPDATE assignment_rules SET territory_id = ?2, name = ?3, expression = ?4,"
                  " inherited = ?5, active = ?6, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ',"
                  " 'now') WHERE id = ?1",
                  "iittii", (sqlite3_int64)r->id, tid, r->name, logic,
                  (sqlite3_int64)(r->inherit != 0), (sqlite3_int64)(r->active != 0));
    else if (!rc)
        rc = regio__sq_prep(s, &st, err,
                  "INSERT INTO assignment_rules(territory_id, name, expression, inherited, active)"
                  " VALUES (?1, ?2, ?3, ?4, ?5)",
                  "ittii", tid, r->name, logic, (sqlite3_int64)(r->inherit != 0),
                  (sqlite3_int64)(r->active != 0));
    if (!rc)
        rc = run(s, st, "writing a rule", err);
    if (!rc && !r->id)
        id = sqlite3_last_insert_rowid(s->db);
    if (!rc && (rc = regio__sq_prep(s, &st, err, "DELETE FROM rule_criteria WHERE rule_id = ?1", "i", id)) ==
                   REGIO_OK)
        rc = run(s, st, "writing a rule", err);
    for (int i = 0; !rc && i < r->n_criteria; i++) {
        const regio_rule_criterion *c = &r->criteria[i];
        rc = regio__sq_prep(s, &st, err,
                  "INSERT INTO rule_criteria(rule_id, seq, field, operator, value)"
                  " VALUES (?1, ?2, ?3, ?4, ?5)",
                  "iittt", id, (sqlite3_int64)(i + 1), c->field, c->op, c->value);
        if (!rc)
            rc = run(s, st, "writing a rule's criterion", err);
    }
    if (!rc) {
        char *after = rule_json_saved(model, r, id, logic);
        char key[32];
        rule_key(key, id);
        if (!after)
            rc = rules_oom(err);
        else
            rc = regio__sq_audit_append(base, actor ? actor : "cli",
                                        r->id ? "rule.update" : "rule.create", "rule", key,
                                        before.json, after, err);
        regio_free(after);
    }
    regio_free(before.json);
    rc = regio__sq_txn_end(s, &t, rc, err);
    if (!rc && id_out)
        *id_out = (long)id;
    return rc;
}

static regio_err sq_rule_delete(regio_store *base, const char *model, long id, const char *actor,
                                regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio__sq_txn t;
    regio_err rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    one_rule before;
    sqlite3_stmt *st = NULL;
    rc = rule_stored(base, sq_rules_foreach, model, id, &before, err);
    if (!rc && !before.found)
        rc = rules_no_rule(err, model, id);
    /* Its associations stay until the next run (docs/ACCESS.md rule 9): they
     * only stop naming it, instead of going with it (ON DELETE CASCADE). */
    if (!rc && (rc = regio__sq_prep(s, &st, err,
                          "UPDATE account_territories SET rule_id = NULL WHERE rule_id = ?1", "i",
                          (sqlite3_int64)id)) == REGIO_OK)
        rc = run(s, st, "deleting a rule", err);
    if (!rc && (rc = regio__sq_prep(s, &st, err, "DELETE FROM assignment_rules WHERE id = ?1", "i",
                          (sqlite3_int64)id)) == REGIO_OK)
        rc = run(s, st, "deleting a rule", err);
    if (!rc) {
        char key[32];
        rule_key(key, id);
        rc = regio__sq_audit_append(base, actor ? actor : "cli", "rule.delete", "rule", key,
                                    before.json, NULL, err);
    }
    regio_free(before.json);
    return regio__sq_txn_end(s, &t, rc, err);
}

static regio_err sq_attr_exists(regio_store *base, const char *key, int *exists,
                                regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    sqlite3_int64 v = 0;
    regio_err rc = regio__sq_prep(s, &st, err,
                        "SELECT 1 FROM accounts a, json_each(a.attrs) j WHERE j.key = ?1 LIMIT 1",
                        "t", key);
    if (!rc)
        rc = one_int(s, st, &v, exists, err);
    return rc;
}

/* ---- what a rule run reads ------------------------------------------------------------ */

static regio_err sq_rule_accounts_foreach(regio_store *base, const char *const *fields, size_t n,
                                          regio_rule_account_cb cb, void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio_buf sql;
    regio_buf_init(&sql, 0);
    regio_err rc = regio_buf_puts(&sql, "SELECT id, ext_id, excluded_from_realign, attrs");
    int need_json = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        const char *col = rule_standard_column(fields[i], NULL);
        if (col)
            rc = regio_buf_printf(&sql, ", %s", col);
        else if (rule_path_ok(fields[i]))
            rc = regio_buf_printf(&sql, ", json_extract(attrs, ?%zu)", i + 1);
        else {
            rc = regio_buf_puts(&sql, ", NULL");
            need_json = 1;
        }
    }
    if (!rc)
        rc = regio_buf_puts(&sql, " FROM accounts ORDER BY id");
    regio_rule_value *vals = regio_calloc(n ? n : 1, sizeof *vals);
    char **paths = regio_calloc(n ? n : 1, sizeof *paths);
    if (rc || !vals || !paths) {
        regio_buf_free(&sql);
        regio_free(vals);
        regio_free(paths);
        return rules_oom(err);
    }
    sqlite3_stmt *st = NULL;
    rc = regio__sq_prepare(s, sql.data, &st, err);
    for (size_t i = 0; !rc && i < n; i++) {
        if (rule_standard_column(fields[i], NULL) || !rule_path_ok(fields[i]))
            continue;
        size_t len = strlen(fields[i]) + 8;
        if (!(paths[i] = regio_malloc(len))) {
            rc = rules_oom(err);
            break;
        }
        snprintf(paths[i], len, "$.\"%s\"", fields[i]);
        sqlite3_bind_text(st, (int)i + 1, paths[i], -1, SQLITE_STATIC);
    }
    int r = SQLITE_DONE;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *root = NULL;
        if (need_json) {
            const char *a = col_text(st, 3);
            root = a ? json_loads(a, JSON_DECODE_INT_AS_REAL, NULL) : NULL;
        }
        for (size_t i = 0; i < n; i++) {
            int c = 4 + (int)i;
            regio_rule_value *v = &vals[i];
            v->kind = 0;
            v->text = NULL;
            v->num = 0;
            if (need_json && !rule_standard_column(fields[i], NULL) && !rule_path_ok(fields[i])) {
                json_t *j = root ? json_object_get(root, fields[i]) : NULL;
                if (json_is_number(j)) {
                    v->kind = 2;
                    v->num = json_number_value(j);
                } else if (json_is_string(j)) {
                    v->kind = 1;
                    v->text = json_string_value(j);
                }
                continue;
            }
            switch (sqlite3_column_type(st, c)) {
            case SQLITE_INTEGER:
            case SQLITE_FLOAT:
                v->kind = 2;
                v->num = sqlite3_column_double(st, c);
                break;
            case SQLITE_TEXT:
                v->kind = 1;
                v->text = col_text(st, c);
                break;
            default: break;
            }
        }
        regio_rule_account a = {sqlite3_column_int64(st, 0), col_text(st, 1),
                                sqlite3_column_int(st, 2), vals};
        int stop = cb(ud, &a);
        json_decref(root);
        if (stop)
            rc = regio__sq_cancelled(err);
    }
    if (st)
        rc = regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
    for (size_t i = 0; i < n; i++)
        regio_free(paths[i]);
    regio_free(paths);
    regio_free(vals);
    regio_buf_free(&sql);
    return rc;
}

/* territories[0..n) by internal id: ids[i] of territories[i] (0 when the
 * model has no such territory). */
static regio_err territory_ids(regio__sqlite_store *s, sqlite3_int64 mid,
                               const char *const *territories, size_t n, sqlite3_int64 **ids,
                               regio_error *err)
{
    *ids = regio_calloc(n ? n : 1, sizeof **ids);
    regio_strmap *map = regio_strmap_create(n);
    regio_err rc = *ids && map ? REGIO_OK : rules_oom(err);
    for (size_t i = 0; !rc && i < n; i++) {
        int found = 0;
        long old = 0;
        if (regio_strmap_put(map, territories[i], (long)i, &found, &old))
            rc = rules_oom(err);
    }
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = regio__sq_prep(s, &st, err, "SELECT id, ext_id FROM territories WHERE model_id = ?1", "i", mid);
    int r = SQLITE_DONE;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        long i = regio_strmap_get(map, col_text(st, 1));
        if (i >= 0)
            (*ids)[i] = sqlite3_column_int64(st, 0);
    }
    if (st)
        rc = regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
    regio_strmap_destroy(map);
    if (rc) {
        regio_free(*ids);
        *ids = NULL;
    }
    return rc;
}

/* Position of id in a sorted (id, index) table, or -1. */
typedef struct id_index {
    sqlite3_int64 id;
    long index;
} id_index;

static int cmp_id_index(const void *a, const void *b)
{
    sqlite3_int64 x = ((const id_index *)a)->id, y = ((const id_index *)b)->id;
    return (x > y) - (x < y);
}

static regio_err sq_rule_assocs_foreach(regio_store *base, const char *model,
                                        const char *const *territories, size_t n,
                                        int (*cb)(void *ud, const regio_rule_assoc *a), void *ud,
                                        regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_int64 mid = 0, *ids = NULL;
    regio_err rc = regio__sq_model_id(s, model, &mid, err);
    if (!rc)
        rc = territory_ids(s, mid, territories, n, &ids, err);
    if (rc)
        return rc;
    id_index *tab = regio_malloc((n ? n : 1) * sizeof *tab);
    if (!tab) {
        regio_free(ids);
        return rules_oom(err);
    }
    size_t nt = 0;
    for (size_t i = 0; i < n; i++)
        if (ids[i])
            tab[nt++] = (id_index){ids[i], (long)i};
    qsort(tab, nt, sizeof *tab, cmp_id_index);
    sqlite3_stmt *st = NULL;
    rc = regio__sq_prep(s, &st, err,
              "SELECT at.account_id, at.territory_id, at.rule_id FROM account_territories at"
              " JOIN territories t ON t.id = at.territory_id WHERE t.model_id = ?1 AND"
              " at.cause = 'rule'",
              "i", mid);
    int r = SQLITE_DONE;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        id_index key = {sqlite3_column_int64(st, 1), 0};
        const id_index *hit = bsearch(&key, tab, nt, sizeof *tab, cmp_id_index);
        if (!hit)
            continue;
        regio_rule_assoc a = {sqlite3_column_int64(st, 0), hit->index,
                              (long)sqlite3_column_int64(st, 2)};
        if (cb(ud, &a))
            rc = regio__sq_cancelled(err);
    }
    if (st)
        rc = regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
    regio_free(tab);
    regio_free(ids);
    return rc;
}

/* Secondary indexes of account_territories, dropped for a large insert and
 * rebuilt after it by sorting (far cheaper than millions of random index
 * inserts); a failure rolls the drop back with everything else. */
static const char *const ASSOC_INDEXES[][2] = {
    {"account_territories_territory",
     "CREATE INDEX account_territories_territory ON account_territories(territory_id, cause)"},
    {"account_territories_rule",
     "CREATE INDEX account_territories_rule ON account_territories(rule_id)"},
};
#define BULK_ASSOCS 100000

/*
 * Rows for a bulk insert: a table-valued function over a C array,
 * regio_rule_rows(?1) with ?1 a pointer bound to a rule_rows, giving
 * (account_id, territory_id, rule_id). One INSERT ... SELECT from it costs
 * a third of a prepared INSERT stepped per row (measured: 5,000,000 rows
 * in 7.5 s against 20 s).
 */
typedef struct rule_rows {
    const regio_rule_assoc *v;
    size_t n;
    const sqlite3_int64 *ids; /* territory index -> id */
} rule_rows;

typedef struct rows_cursor {
    sqlite3_vtab_cursor base;
    const rule_rows *rows;
    size_t i;
} rows_cursor;

static int rows_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                        sqlite3_vtab **out, char **errmsg)
{
    (void)aux;
    (void)argc;
    (void)argv;
    (void)errmsg;
    int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(account_id, territory_id, rule_id,"
                                      " rows HIDDEN)");
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_vtab *v = sqlite3_malloc(sizeof *v);
    if (!v)
        return SQLITE_NOMEM;
    memset(v, 0, sizeof *v);
    *out = v;
    return SQLITE_OK;
}

static int rows_disconnect(sqlite3_vtab *v)
{
    sqlite3_free(v);
    return SQLITE_OK;
}

static int rows_best_index(sqlite3_vtab *v, sqlite3_index_info *info)
{
    (void)v;
    for (int i = 0; i < info->nConstraint; i++)
        if (info->aConstraint[i].iColumn == 3 && info->aConstraint[i].usable &&
            info->aConstraint[i].op == SQLITE_INDEX_CONSTRAINT_EQ) {
            info->aConstraintUsage[i].argvIndex = 1;
            info->aConstraintUsage[i].omit = 1;
            info->idxNum = 1;
            info->estimatedCost = 1;
            return SQLITE_OK;
        }
    info->estimatedCost = 1e99; /* without its argument it has no rows */
    return SQLITE_OK;
}

static int rows_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
    (void)v;
    rows_cursor *c = sqlite3_malloc(sizeof *c);
    if (!c)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    *out = &c->base;
    return SQLITE_OK;
}

static int rows_close(sqlite3_vtab_cursor *c)
{
    sqlite3_free(c);
    return SQLITE_OK;
}

static int rows_filter(sqlite3_vtab_cursor *cur, int idx, const char *idx_str, int argc,
                       sqlite3_value **argv)
{
    (void)idx_str;
    rows_cursor *c = (rows_cursor *)cur;
    c->rows = idx == 1 && argc == 1 ? sqlite3_value_pointer(argv[0], "regio_rule_rows") : NULL;
    c->i = 0;
    return SQLITE_OK;
}

static int rows_next(sqlite3_vtab_cursor *cur)
{
    ((rows_cursor *)cur)->i++;
    return SQLITE_OK;
}

static int rows_eof(sqlite3_vtab_cursor *cur)
{
    rows_cursor *c = (rows_cursor *)cur;
    return !c->rows || c->i >= c->rows->n;
}

static int rows_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
    rows_cursor *c = (rows_cursor *)cur;
    const regio_rule_assoc *a = &c->rows->v[c->i];
    switch (col) {
    case 0: sqlite3_result_int64(ctx, a->account); break;
    case 1: sqlite3_result_int64(ctx, c->rows->ids[a->territory]); break;
    case 2:
        if (a->rule > 0)
            sqlite3_result_int64(ctx, a->rule);
        else
            sqlite3_result_null(ctx);
        break;
    default: sqlite3_result_null(ctx); break;
    }
    return SQLITE_OK;
}

static int rows_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
    *rowid = (sqlite3_int64)((rows_cursor *)cur)->i;
    return SQLITE_OK;
}

static const sqlite3_module ROWS_MODULE = {
    .xConnect = rows_connect,
    .xBestIndex = rows_best_index,
    .xDisconnect = rows_disconnect,
    .xOpen = rows_open,
    .xClose = rows_close,
    .xFilter = rows_filter,
    .xNext = rows_next,
    .xEof = rows_eof,
    .xColumn = rows_column,
    .xRowid = rows_rowid,
};

/* Inserts add[0..n) through regio_rule_rows. */
static regio_err bulk_insert(regio__sqlite_store *s, const regio_rule_assoc *add, size_t n,
                             const sqlite3_int64 *ids, sqlite3_int64 uid, const char *now,
                             regio_error *err)
{
    if (sqlite3_create_module(s->db, "regio_rule_rows", &ROWS_MODULE, NULL) != SQLITE_OK)
        return regio__sq_err(s, err, "registering the bulk row source");
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prepare(
        s,
        "INSERT INTO account_territories(account_id, territory_id, cause, rule_id, created_by,"
        " created_at) SELECT account_id, territory_id, 'rule', rule_id, ?2, ?3 FROM"
        " regio_rule_rows(?1)",
        &st, err);
    if (rc)
        return rc;
    rule_rows rows = {add, n, ids};
    sqlite3_bind_pointer(st, 1, &rows, "regio_rule_rows", NULL);
    if (uid)
        sqlite3_bind_int64(st, 2, uid);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = regio__sq_err(s, err, "writing rule associations");
    regio__sq_release(s, st);
    return rc;
}

static regio_err sq_rule_assocs_apply(regio_store *base, const char *model,
                                      const char *const *territories, size_t n,
                                      const regio_rule_assoc *del, size_t n_del,
                                      const regio_rule_assoc *add, size_t n_add,
                                      const regio_rule_assoc *upd, size_t n_upd,
                                      const char *actor, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio__sq_txn t;
    regio_err rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    sqlite3_int64 mid = 0, *ids = NULL, uid = 0;
    int found = 0, bulk = 0;
    sqlite3_stmt *st = NULL;
    rc = regio__sq_model_id(s, model, &mid, err);
    if (!rc)
        rc = territory_ids(s, mid, territories, n, &ids, err);
    if (!rc && actor && (rc = regio__sq_prep(s, &st, err, "SELECT id FROM users WHERE login = ?1", "t",
                                   actor)) == REGIO_OK)
        rc = one_int(s, st, &uid, &found, err);
    const regio_rule_assoc *lists[3] = {del, add, upd};
    size_t counts[3] = {n_del, n_add, n_upd};
    if (!rc)
        rc = rule_assocs_check(lists, counts, ids, n, err);
    char now[40];
    rule_assocs_now(now);
    char *trigger = NULL;
    if (!rc && n_add >= BULK_ASSOCS) {
        bulk = 1;
        /* A large write reads back the pages it wrote: keep them in memory
         * (512 MB) rather than looking them up in the write-ahead log. */
        regio__sq_exec(s, "PRAGMA cache_size = -524288", NULL);
        /* The trigger that refuses rule associations of excluded accounts
         * costs a look-up per row; the caller left those accounts out in
         * the same transaction (regio_rules_run reads the flag in it), so
         * it is set aside and put back as it was, in the transaction. */
        if ((rc = regio__sq_prep(s, &st, err,
                       "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name ="
                       " 'account_territories_excluded'",
                       "")) == REGIO_OK) {
            int r = sqlite3_step(st);
            if (r == SQLITE_ROW && col_text(st, 0) && !(trigger = regio_strdup(col_text(st, 0))))
                rc = rules_oom(err);
            rc = regio__sq_finish(s, st, r == SQLITE_ROW ? SQLITE_DONE : r, rc, err);
        }
        if (!rc && trigger)
            rc = regio__sq_exec(s, "DROP TRIGGER account_territories_excluded", err);
        for (size_t i = 0; !rc && i < 2; i++) {
            char drop[128];
            snprintf(drop, sizeof drop, "DROP INDEX IF EXISTS %s", ASSOC_INDEXES[i][0]);
            rc = regio__sq_exec(s, drop, err);
        }
    }
    static const char *const SQL[3] = {
        "DELETE FROM account_territories WHERE account_id = ?1 AND territory_id = ?2 AND"
        " cause = 'rule'",
        "INSERT INTO account_territories(account_id, territory_id, cause, rule_id, created_by,"
        " created_at) VALUES (?1, ?2, 'rule', ?3, ?4, ?5)",
        "UPDATE account_territories SET rule_id = ?3 WHERE account_id = ?1 AND territory_id = ?2"
        " AND cause = 'rule'"};
    if (!rc && bulk) {
        rc = bulk_insert(s, add, n_add, ids, uid, now, err);
        counts[1] = 0;
    }
    for (int k = 0; !rc && k < 3; k++) {
        if (!counts[k])
            continue;
        if ((rc = regio__sq_prepare(s, SQL[k], &st, err)))
            break;
        for (size_t i = 0; !rc && i < counts[k]; i++) {
            const regio_rule_assoc *a = &lists[k][i];
            sqlite3_bind_int64(st, 1, a->account);
            sqlite3_bind_int64(st, 2, ids[a->territory]);
            if (k > 0) {
                if (a->rule > 0)
                    sqlite3_bind_int64(st, 3, a->rule);
                else
                    sqlite3_bind_null(st, 3);
            }
            if (k == 1) {
                if (uid)
                    sqlite3_bind_int64(st, 4, uid);
                else
                    sqlite3_bind_null(st, 4);
                sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
            }
            int r = sqlite3_step(st);
            if (r != SQLITE_DONE)
                rc = regio__sq_err(s, err, "writing a rule association");
            sqlite3_reset(st);
        }
        regio__sq_release(s, st);
        st = NULL;
    }
    for (size_t i = 0; !rc && bulk && i < 2; i++)
        rc = regio__sq_exec(s, ASSOC_INDEXES[i][1], err);
    if (!rc && trigger)
        rc = regio__sq_exec(s, trigger, err);
    regio_free(trigger);
    if (bulk)
        regio__sq_exec(s, "PRAGMA cache_size = -65536", NULL);
    regio_free(ids);
    return regio__sq_txn_end(s, &t, rc, err);
}

static regio_err sq_account_owners_set(regio_store *base, const long long *keys,
                                       const char *const *owners, size_t n, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio__sq_txn t;
    regio_err rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    rc = regio__sq_prepare(s, "UPDATE accounts SET owner_ext = ?2, updated_at = ?3 WHERE id = ?1",
                           &st, err);
    const char *now = regio__sq_now(s);
    for (size_t i = 0; !rc && i < n; i++) {
        sqlite3_bind_int64(st, 1, keys[i]);
        bind_text(st, 2, owners[i]);
        sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = regio__sq_err(s, err, "writing an account's owner");
        sqlite3_reset(st);
    }
    regio__sq_release(s, st);
    return regio__sq_txn_end(s, &t, rc, err);
}

const regio__rules_ops regio__sq_rules_ops = {
    .types_foreach = sq_types_foreach,
    .types_save = sq_types_save,
    .territory_set_type = sq_territory_set_type,
    .rules_foreach = sq_rules_foreach,
    .rule_save = sq_rule_save,
    .rule_delete = sq_rule_delete,
    .attr_exists = sq_attr_exists,
    .rule_accounts_foreach = sq_rule_accounts_foreach,
    .rule_assocs_foreach = sq_rule_assocs_foreach,
    .rule_assocs_apply = sq_rule_assocs_apply,
    .account_owners_set = sq_account_owners_set,
};
