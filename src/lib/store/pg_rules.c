/*
 * PostgreSQL backend, assignment rules (assignment_rules, rule_criteria),
 * territory types, the `rule` associations a rule run swaps and account
 * owners: what sqlite_rules.c does, with the same answers, order and
 * messages (store/rules_codec.h holds what both do alike). A write that
 * reads before it writes first locks what it read (the types table, a
 * rule's territory and row, the model of a run), so that of two servers on
 * one database the second waits and then sees the first's commit instead
 * of writing over it; a run's associations go in a few statements over
 * arrays rather than one per row.
 */
#include "store/pg_impl.h"
#include "store/rules_codec.h"
#include "store/rules_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define C_ORDER " COLLATE \"C\""

/* Rows a rule run writes per statement (array parameters of this many
 * elements, a few hundred kilobytes of text). */
#define ASSOC_CHUNK ((size_t)50000)

/* ---- helpers ------------------------------------------------------------------- */

/* Runs sql with n text parameters; *res (may be NULL) gets its rows. */
static regio_err q(regio__pg_store *s, const char *sql, int n, const char *const *p,
                   const char *what, PGresult **res, regio_error *err)
{
    return regio__pg_query(s, sql, n, p, res ? PGRES_TUPLES_OK : PGRES_COMMAND_OK, what, res, err);
}

/* The first integer of sql; *found says whether there was a row. */
static regio_err one_int(regio__pg_store *s, const char *sql, int n, const char *const *p,
                         long long *v, int *found, regio_error *err)
{
    PGresult *res = NULL;
    regio_err rc = q(s, sql, n, p, "reading the store", &res, err);
    *found = !rc && PQntuples(res) > 0;
    *v = *found ? regio__pg_col_int(res, 0, 0) : 0;
    PQclear(res);
    return rc;
}

/* Territory ext of model mid, locked against other writers until the end
 * of the transaction when lock is set. */
static regio_err territory_id(regio__pg_store *s, long long mid, const char *model,
                              const char *ext, int lock, long long *id, regio_error *err)
{
    char b[32];
    const char *p[2] = {regio__pg_int(b, mid), ext};
    int found = 0;
    regio_err rc = one_int(s,
                           lock ? "SELECT id FROM territories WHERE model_id = $1 AND ext_id = $2"
                                  " FOR NO KEY UPDATE"
                                : "SELECT id FROM territories WHERE model_id = $1 AND ext_id = $2",
                           2, p, id, &found, err);
    if (!rc && !found)
        rc = rules_unknown_territory(err, model, ext);
    return rc;
}

static regio_err audit(regio__pg_store *s, const char *actor, const char *action,
                       const char *type, const char *key, const char *before, const char *after,
                       regio_error *err)
{
    return regio__pg_audit_append(&s->base, actor ? actor : "cli", action, type, key, before,
                                  after, err);
}

/* ---- territory types ------------------------------------------------------------ */

static regio_err pg_types_foreach(regio_store *base, regio_territory_type_cb cb, void *ud,
                                  regio_error *err)
{
    PGresult *res = NULL;
    regio_err rc = q(REGIO_PG(base), RULES_TYPES_SQL, 0, NULL, "reading territory types", &res,
                     err);
    for (int i = 0; !rc && i < PQntuples(res); i++) {
        regio_territory_type t = {regio__pg_col_text(res, i, 0), (long)regio__pg_col_int(res, i, 1),
                                  regio__pg_col_text(res, i, 2),
                                  (long)regio__pg_col_int(res, i, 3)};
        if (cb(ud, &t))
            rc = regio__pg_cancelled(err);
    }
    PQclear(res);
    return rc;
}

typedef struct pg_types_ctx {
    regio__pg_store *s;
    const char *actor;
} pg_types_ctx;

static regio_err pg_type_park(void *ctx, const type_row *x, long priority, regio_error *err)
{
    char b[2][32];
    const char *p[2] = {regio__pg_int(b[0], x->id), regio__pg_int(b[1], priority)};
    return regio__pg_write(((pg_types_ctx *)ctx)->s,
                           "UPDATE territory_types SET priority = $2 WHERE id = $1", 2, p,
                           "writing a territory type", NULL, err);
}

static regio_err pg_type_write(void *ctx, const type_row *x, const regio_territory_type *in,
                               regio_error *err)
{
    char b[2][32];
    const char *p[3] = {x->id ? regio__pg_int(b[0], x->id) : x->name,
                        regio__pg_int(b[1], x->final), in->description};
    return regio__pg_write(((pg_types_ctx *)ctx)->s,
                           x->id ? "UPDATE territory_types SET priority = $2, description = $3"
                                   " WHERE id = $1"
                                 : "INSERT INTO territory_types(name, priority, description)"
                                   " VALUES ($1, $2, $3)",
                           3, p, "writing a territory type", NULL, err);
}

static regio_err pg_type_audit(void *ctx, const char *name, const char *before, const char *after,
                               regio_error *err)
{
    pg_types_ctx *c = ctx;
    return audit(c->s, c->actor, "type.upsert", "territory_type", name, before, after, err);
}

static regio_err pg_types_save(regio_store *base, const regio_territory_type *types, size_t n,
                               const char *actor, size_t *changed, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio_err rc = types_check_input(types, n, err);
    if (rc)
        return rc;
    regio__pg_txn t;
    if ((rc = regio__pg_txn_begin(s, &t, err)))
        return rc;
    /* One save at a time: a second server's save waits here and then
     * reads what this one committed (readers are not held up). */
    rc = regio__pg_exec(s, "LOCK TABLE territory_types IN SHARE ROW EXCLUSIVE MODE", err);
    /* Everything stored, then the input on top. */
    type_rows rows = {0};
    PGresult *res = NULL;
    if (!rc)
        rc = q(s, RULES_TYPES_STORED_SQL, 0, NULL, "reading territory types", &res, err);
    for (int i = 0; !rc && i < PQntuples(res); i++)
        rc = type_rows_stored(&rows, regio__pg_col_int(res, i, 0), regio__pg_col_text(res, i, 1),
                              (long)regio__pg_col_int(res, i, 2), regio__pg_col_text(res, i, 3),
                              err);
    PQclear(res);
    if (!rc)
        rc = types_merge(&rows, types, n, err);
    static const types_writer W = {pg_type_park, pg_type_write, pg_type_audit};
    pg_types_ctx c = {s, actor};
    size_t n_changed = 0;
    if (!rc)
        rc = types_apply(&rows, types, &W, &c, &n_changed, err);
    type_rows_free(&rows);
    rc = regio__pg_txn_end(s, &t, rc, err);
    if (!rc && changed)
        *changed = n_changed;
    return rc;
}

static regio_err pg_territory_set_type(regio_store *base, const char *model, const char *ext_id,
                                       const char *type, const char *actor, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio__pg_txn t;
    regio_err rc = regio__pg_txn_begin(s, &t, err);
    if (rc)
        return rc;
    long long mid = 0, tid = 0, yid = 0;
    int found = 0;
    rc = regio__pg_model_id(s, model, &mid, err);
    if (!rc)
        rc = territory_id(s, mid, model, ext_id, 0, &tid, err);
    if (!rc && type) {
        const char *p[1] = {type};
        rc = one_int(s, "SELECT id FROM territory_types WHERE name = $1", 1, p, &yid, &found,
                     err);
        if (!rc && !found)
            rc = rules_unknown_type(err, type);
    }
    char b[2][32];
    const char *p[2] = {regio__pg_int(b[0], tid), type ? regio__pg_int(b[1], yid) : NULL};
    if (!rc)
        rc = regio__pg_write(s, "UPDATE territories SET type_id = $2 WHERE id = $1", 2, p,
                             "writing a territory's type", NULL, err);
    if (!rc) {
        char *after = json_obj("model", model, "type", type, JSON_END);
        rc = after ? audit(s, actor, "territory.type", "territory", ext_id, NULL, after, err)
                   : rules_oom(err);
        regio_free(after);
    }
    return regio__pg_txn_end(s, &t, rc, err);
}

/* ---- rules ---------------------------------------------------------------------------- */

static regio_err pg_rules_foreach(regio_store *base, const char *model, const char *territory,
                                  regio_rule_cb cb, void *ud, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    long long mid = 0, tid = 0;
    regio_err rc = regio__pg_model_id(s, model, &mid, err);
    if (!rc && territory &&
        (rc = territory_id(s, mid, model, territory, 0, &tid, err)) == REGIO_EDATA)
        rc = REGIO_ENOTFOUND;
    if (rc) {
        if (err)
            err->code = rc;
        return rc;
    }
    char b[2][32];
    const char *p[2] = {regio__pg_int(b[0], mid), regio__pg_int(b[1], tid)};
    PGresult *res = NULL;
    /* Byte order of the texts, as SQLite sorts them. */
    rc = q(s,
           RULES_JOIN_SQL " WHERE t.model_id = $1 AND ($2::bigint = 0 OR t.id = $2::bigint)"
                          " ORDER BY t.ext_id" C_ORDER ", r.name" C_ORDER ", r.id, c.seq",
           2, p, "reading rules", &res, err);
    rule_buf rb;
    memset(&rb, 0, sizeof rb);
    for (int i = 0; !rc && i < PQntuples(res); i++) {
        long id = (long)regio__pg_col_int(res, i, 0);
        if (rb.have && id != rb.info.id) {
            if (cb(ud, &rb.info))
                rc = regio__pg_cancelled(err);
            rule_buf_clear(&rb);
        }
        if (rc)
            break;
        if (rule_buf_row(&rb, id, regio__pg_col_text(res, i, 1), regio__pg_col_text(res, i, 2),
                         regio__pg_col_text(res, i, 3), (int)regio__pg_col_int(res, i, 4),
                         (int)regio__pg_col_int(res, i, 5), !PQgetisnull(res, i, 6),
                         regio__pg_col_text(res, i, 7), regio__pg_col_text(res, i, 8),
                         regio__pg_col_text(res, i, 9)))
            rc = rules_oom(err);
    }
    if (!rc && rb.have && cb(ud, &rb.info))
        rc = regio__pg_cancelled(err);
    rule_buf_clear(&rb);
    PQclear(res);
    return rc;
}

/* Locks rule id's row (if there is one) until the end of the transaction:
 * a second server saving or deleting it waits, then reads it as the first
 * left it. */
static regio_err lock_rule(regio__pg_store *s, long id, regio_error *err)
{
    char b[32];
    const char *p[1] = {regio__pg_int(b, id)};
    long long v = 0;
    int found = 0;
    return one_int(s, "SELECT id FROM assignment_rules WHERE id = $1 FOR UPDATE", 1, p, &v,
                   &found, err);
}

static regio_err pg_rule_save(regio_store *base, const char *model, const regio_rule_info *r,
                              const char *actor, long *id_out, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio_err rc = rule_check_shape(r, err);
    if (rc)
        return rc;
    regio__pg_txn t;
    if ((rc = regio__pg_txn_begin(s, &t, err)))
        return rc;
    long long mid = 0, tid = 0, other = 0, id = r->id;
    int found = 0;
    one_rule before;
    memset(&before, 0, sizeof before);
    PGresult *res = NULL;
    char b[6][32];
    rc = regio__pg_model_id(s, model, &mid, err);
    /* The territory stays locked to the end: no other save gives it a rule
     * of the same name meanwhile. */
    if (!rc)
        rc = territory_id(s, mid, model, r->territory, 1, &tid, err);
    if (!rc && r->id && !(rc = lock_rule(s, r->id, err))) {
        rc = rule_stored(base, pg_rules_foreach, model, r->id, &before, err);
        if (!rc && !before.found)
            rc = rules_no_rule(err, model, r->id);
    }
    const char *pn[3] = {regio__pg_int(b[0], tid), r->name, regio__pg_int(b[1], r->id)};
    if (!rc)
        rc = one_int(s,
                     "SELECT id FROM assignment_rules WHERE territory_id = $1 AND name = $2 AND"
                     " id <> $3",
                     3, pn, &other, &found, err);
    if (!rc && found)
        rc = rules_name_taken(err, r, other);
    const char *logic = rules_blank(r->logic) ? NULL : r->logic;
    const char *pw[6] = {regio__pg_int(b[2], r->id), regio__pg_int(b[3], tid), r->name, logic,
                         regio__pg_int(b[4], r->inherit != 0), regio__pg_int(b[5], r->active != 0)};
    if (!rc && r->id)
        rc = regio__pg_write(s,
                             "UPDATE assignment_rules SET territory_id = $2, name = $3,"
                             " expression = $4, inherited = $5, active = $6,"
                             " updated_at = " REGIO_PG_NOW_SQL " WHERE id = $1",
                             6, pw, "writing a rule", NULL, err);
    else if (!rc)
        rc = q(s,
               "INSERT INTO assignment_rules(territory_id, name, expression, inherited, active)"
               " VALUES ($1, $2, $3, $4, $5) RETURNING id",
               5, pw + 1, "writing a rule", &res, err);
    if (!rc && !r->id)
        id = regio__pg_col_int(res, 0, 0);
    PQclear(res);
    /* The criteria, replaced in two statements. */
    regio_buf arr[3];
    for (int k = 0; k < 3; k++)
        regio_buf_init(&arr[k], 0);
    const char *cv[3][REGIO_RULE_MAX_CRITERIA];
    for (int i = 0; i < r->n_criteria; i++) {
        cv[0][i] = r->criteria[i].field;
        cv[1][i] = r->criteria[i].op;
        cv[2][i] = r->criteria[i].value;
    }
    for (int k = 0; !rc && k < 3; k++)
        if (regio__pg_text_array(&arr[k], cv[k], (size_t)r->n_criteria))
            rc = rules_oom(err);
    const char *pc[4] = {regio__pg_int(b[0], id), arr[0].data, arr[1].data, arr[2].data};
    if (!rc)
        rc = regio__pg_write(s, "DELETE FROM rule_criteria WHERE rule_id = $1", 1, pc,
                             "writing a rule", NULL, err);
    if (!rc)
        rc = regio__pg_write(s,
                             "INSERT INTO rule_criteria(rule_id, seq, field, operator, value)"
                             " SELECT $1, c.seq, c.field, c.op, c.value FROM unnest($2::text[],"
                             " $3::text[], $4::text[]) WITH ORDINALITY AS c(field, op, value, seq)",
                             4, pc, "writing a rule's criterion", NULL, err);
    for (int k = 0; k < 3; k++)
        regio_buf_free(&arr[k]);
    if (!rc) {
        char *after = rule_json_saved(model, r, id, logic);
        char key[32];
        rule_key(key, id);
        rc = after ? audit(s, actor, r->id ? "rule.update" : "rule.create", "rule", key,
                           before.json, after, err)
                   : rules_oom(err);
        regio_free(after);
    }
    regio_free(before.json);
    rc = regio__pg_txn_end(s, &t, rc, err);
    if (!rc && id_out)
        *id_out = (long)id;
    return rc;
}

static regio_err pg_rule_delete(regio_store *base, const char *model, long id, const char *actor,
                                regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio__pg_txn t;
    regio_err rc = regio__pg_txn_begin(s, &t, err);
    if (rc)
        return rc;
    one_rule before;
    memset(&before, 0, sizeof before);
    if (!(rc = lock_rule(s, id, err)))
        rc = rule_stored(base, pg_rules_foreach, model, id, &before, err);
    if (!rc && !before.found)
        rc = rules_no_rule(err, model, id);
    char b[32];
    const char *p[1] = {regio__pg_int(b, id)};
    /* Its associations stay until the next run (docs/ACCESS.md rule 9): they
     * only stop naming it, instead of going with it (ON DELETE CASCADE). */
    if (!rc)
        rc = regio__pg_write(s, "UPDATE account_territories SET rule_id = NULL WHERE rule_id = $1",
                             1, p, "deleting a rule", NULL, err);
    if (!rc)
        rc = regio__pg_write(s, "DELETE FROM assignment_rules WHERE id = $1", 1, p,
                             "deleting a rule", NULL, err);
    if (!rc) {
        char key[32];
        rule_key(key, id);
        rc = audit(s, actor, "rule.delete", "rule", key, before.json, NULL, err);
    }
    regio_free(before.json);
    return regio__pg_txn_end(s, &t, rc, err);
}

static regio_err pg_attr_exists(regio_store *base, const char *key, int *exists,
                                regio_error *err)
{
    const char *p[1] = {key};
    long long v = 0;
    return one_int(REGIO_PG(base), "SELECT 1 FROM accounts WHERE attrs::jsonb ? $1::text LIMIT 1", 1,
                   p, &v, exists, err);
}

/* ---- what a rule run reads ------------------------------------------------------------ */

/* How the value of a field comes back. */
enum { COL_TEXT, COL_NUMBER, COL_JSON_PATH, COL_JSON_DECODED };

typedef struct accounts_ctx {
    size_t n;
    const int *how;  /* COL_* of each field */
    const int *col;  /* its (first) column */
    regio_rule_value *vals;
    regio_rule_account_cb cb;
    void *ud;
} accounts_ctx;

/* A custom column's value from its JSON type and text, as SQLite's
 * json_extract gives it (path) or as the decoded attributes do. */
static void json_value(regio_rule_value *v, const char *type, const char *text, int path)
{
    if (!type || !text)
        return;
    if (!strcmp(type, "number")) {
        v->kind = 2;
        v->num = strtod(text, NULL);
    } else if (!strcmp(type, "string")) {
        v->kind = 1;
        v->text = text;
    } else if (path && !strcmp(type, "boolean")) {
        v->kind = 2;
        v->num = !strcmp(text, "true");
    } else if (path && (!strcmp(type, "object") || !strcmp(type, "array"))) {
        v->kind = 1;
        v->text = text;
    }
}

static regio_err account_row(void *ud, const PGresult *res, int row, regio_error *err)
{
    accounts_ctx *c = ud;
    for (size_t i = 0; i < c->n; i++) {
        regio_rule_value *v = &c->vals[i];
        int k = c->col[i];
        v->kind = 0;
        v->text = NULL;
        v->num = 0;
        if (c->how[i] == COL_JSON_PATH || c->how[i] == COL_JSON_DECODED) {
            json_value(v, regio__pg_col_text(res, row, k), regio__pg_col_text(res, row, k + 1),
                       c->how[i] == COL_JSON_PATH);
        } else if (!PQgetisnull(res, row, k)) {
            v->kind = c->how[i] == COL_NUMBER ? 2 : 1;
            if (v->kind == 2)
                v->num = regio__pg_col_num(res, row, k);
            else
                v->text = PQgetvalue(res, row, k);
        }
    }
    regio_rule_account a = {regio__pg_col_int(res, row, 0), regio__pg_col_text(res, row, 1),
                            (int)regio__pg_col_int(res, row, 2), c->vals};
    return c->cb(c->ud, &a) ? regio__pg_cancelled(err) : REGIO_OK;
}

static regio_err pg_rule_accounts_foreach(regio_store *base, const char *const *fields, size_t n,
                                          regio_rule_account_cb cb, void *ud, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio_buf sql;
    regio_buf_init(&sql, 0);
    regio_err rc = regio_buf_puts(&sql, "SELECT a.id, a.ext_id, a.excluded_from_realign");
    int *how = regio_calloc(n ? n : 1, sizeof *how);
    int *col = regio_calloc(n ? n : 1, sizeof *col);
    const char **params = regio_calloc(n ? n : 1, sizeof *params);
    regio_rule_value *vals = regio_calloc(n ? n : 1, sizeof *vals);
    int np = 0, nc = 3, custom = 0;
    if (!how || !col || !params || !vals)
        rc = REGIO_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        int numeric = 0;
        const char *column = rule_standard_column(fields[i], &numeric);
        col[i] = nc;
        if (column) {
            how[i] = numeric ? COL_NUMBER : COL_TEXT;
            rc = regio_buf_printf(&sql, ", a.%s", column);
            nc++;
            continue;
        }
        /* The key is a parameter: any text names its column. */
        how[i] = rule_path_ok(fields[i]) ? COL_JSON_PATH : COL_JSON_DECODED;
        params[np++] = fields[i];
        rc = regio_buf_printf(&sql, ", json_typeof(x.j -> $%d::text), x.j ->> $%d::text", np, np);
        nc += 2;
        custom = 1;
    }
    /* The attributes are parsed once per account (OFFSET 0 keeps the
     * planner from inlining the parse into every field). */
    if (!rc)
        rc = regio_buf_puts(&sql, custom ? " FROM accounts a CROSS JOIN LATERAL (SELECT"
                                           " a.attrs::json AS j OFFSET 0) x ORDER BY a.id"
                                         : " FROM accounts a ORDER BY a.id");
    if (!rc) {
        accounts_ctx c = {n, how, col, vals, cb, ud};
        rc = regio__pg_each_row(s, sql.data, np, params, account_row, &c, err);
    } else {
        rc = rules_oom(err);
    }
    regio_free(how);
    regio_free(col);
    regio_free(params);
    regio_free(vals);
    regio_buf_free(&sql);
    return rc;
}

/* ---- the associations a run swaps -------------------------------------------------------- */

/* territories[0..n) of model mid by internal id, each name at its first
 * index, as SQLite's backend numbers them. */
#define TERRITORY_INDEX                                                                    \
    "SELECT t.id, min(x.i) - 1 AS i FROM unnest($2::text[]) WITH ORDINALITY AS x(ext, i)"  \
    " JOIN territories t ON t.model_id = $1::bigint AND t.ext_id = x.ext GROUP BY t.id"

static regio_err territory_ids(regio__pg_store *s, long long mid, const char *const *territories,
                               size_t n, long long **ids, regio_error *err)
{
    *ids = regio_calloc(n ? n : 1, sizeof **ids);
    regio_buf arr;
    regio_buf_init(&arr, 0);
    regio_err rc = *ids && !regio__pg_text_array(&arr, territories, n) ? REGIO_OK : rules_oom(err);
    char b[32];
    const char *p[2] = {regio__pg_int(b, mid), arr.data};
    PGresult *res = NULL;
    if (!rc)
        rc = q(s, TERRITORY_INDEX, 2, p, "reading territories", &res, err);
    for (int i = 0; !rc && i < PQntuples(res); i++)
        (*ids)[regio__pg_col_int(res, i, 1)] = regio__pg_col_int(res, i, 0);
    PQclear(res);
    regio_buf_free(&arr);
    if (rc) {
        regio_free(*ids);
        *ids = NULL;
    }
    return rc;
}

typedef struct assocs_ctx {
    int (*cb)(void *ud, const regio_rule_assoc *a);
    void *ud;
} assocs_ctx;

static regio_err assoc_row(void *ud, const PGresult *res, int row, regio_error *err)
{
    assocs_ctx *c = ud;
    regio_rule_assoc a = {regio__pg_col_int(res, row, 0), (long)regio__pg_col_int(res, row, 1),
                          (long)regio__pg_col_int(res, row, 2)};
    return c->cb(c->ud, &a) ? regio__pg_cancelled(err) : REGIO_OK;
}

static regio_err pg_rule_assocs_foreach(regio_store *base, const char *model,
                                        const char *const *territories, size_t n,
                                        int (*cb)(void *ud, const regio_rule_assoc *a), void *ud,
                                        regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    long long mid = 0;
    regio_err rc = regio__pg_model_id(s, model, &mid, err);
    if (rc)
        return rc;
    char b[32];
    regio_buf arr;
    regio_buf_init(&arr, 0);
    const char *p[2] = {regio__pg_int(b, mid), NULL};
    /* Read inside a transaction, the associations are about to be
     * swapped (regio_rules_run): the model's row stays locked to its end,
     * so that a second server's run waits and then reads this one's
     * result instead of swapping from the same old state. */
    long long v = 0;
    int found = 0;
    if (PQtransactionStatus(s->conn) != PQTRANS_IDLE)
        rc = one_int(s, "SELECT id FROM territory_models WHERE id = $1 FOR NO KEY UPDATE", 1, p,
                     &v, &found, err);
    if (!rc && regio__pg_text_array(&arr, territories, n))
        rc = rules_oom(err);
    p[1] = arr.data;
    assocs_ctx c = {cb, ud};
    if (!rc)
        rc = regio__pg_each_row(s,
                                "WITH m AS (" TERRITORY_INDEX ") SELECT at.account_id, m.i,"
                                " at.rule_id FROM account_territories at JOIN m ON m.id ="
                                " at.territory_id WHERE at.cause = 'rule'",
                                2, p, assoc_row, &c, err);
    regio_buf_free(&arr);
    return rc;
}

/* Array literals of one chunk of associations: accounts, territory ids and
 * rules (NULL for none). */
static regio_err assoc_arrays(regio_buf a[3], const regio_rule_assoc *v, size_t n,
                              const long long *ids)
{
    regio_err rc = REGIO_OK;
    for (int k = 0; k < 3 && !rc; k++) {
        regio_buf_reset(&a[k]);
        rc = regio_buf_putc(&a[k], '{');
    }
    for (size_t i = 0; i < n && !rc; i++) {
        const char *sep = i ? "," : "";
        rc = regio_buf_printf(&a[0], "%s%lld", sep, v[i].account);
        if (!rc)
            rc = regio_buf_printf(&a[1], "%s%lld", sep, ids[v[i].territory]);
        if (!rc)
            rc = v[i].rule > 0 ? regio_buf_printf(&a[2], "%s%ld", sep, v[i].rule)
                               : regio_buf_printf(&a[2], "%sNULL", sep);
    }
    for (int k = 0; k < 3 && !rc; k++)
        rc = regio_buf_putc(&a[k], '}');
    return rc;
}

static regio_err pg_rule_assocs_apply(regio_store *base, const char *model,
                                      const char *const *territories, size_t n,
                                      const regio_rule_assoc *del, size_t n_del,
                                      const regio_rule_assoc *add, size_t n_add,
                                      const regio_rule_assoc *upd, size_t n_upd,
                                      const char *actor, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio__pg_txn t;
    regio_err rc = regio__pg_txn_begin(s, &t, err);
    if (rc)
        return rc;
    long long mid = 0, *ids = NULL, uid = 0;
    int found = 0;
    rc = regio__pg_model_id(s, model, &mid, err);
    if (!rc)
        rc = territory_ids(s, mid, territories, n, &ids, err);
    const char *pu[1] = {actor};
    if (!rc && actor)
        rc = one_int(s, "SELECT id FROM users WHERE login = $1", 1, pu, &uid, &found, err);
    const regio_rule_assoc *lists[3] = {del, add, upd};
    size_t counts[3] = {n_del, n_add, n_upd};
    if (!rc)
        rc = rule_assocs_check(lists, counts, ids, n, err);
    char now[40], b[32];
    rule_assocs_now(now);
    static const char *const SQL[3] = {
        "DELETE FROM account_territories a USING unnest($1::bigint[], $2::bigint[]) AS"
        " d(account_id, territory_id) WHERE a.account_id = d.account_id AND a.territory_id ="
        " d.territory_id AND a.cause = 'rule'",
        "INSERT INTO account_territories(account_id, territory_id, cause, rule_id, created_by,"
        " created_at) SELECT d.account_id, d.territory_id, 'rule', d.rule_id, $4::bigint, $5"
        " FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS d(account_id, territory_id,"
        " rule_id)",
        "UPDATE account_territories a SET rule_id = d.rule_id FROM unnest($1::bigint[],"
        " $2::bigint[], $3::bigint[]) AS d(account_id, territory_id, rule_id) WHERE"
        " a.account_id = d.account_id AND a.territory_id = d.territory_id AND a.cause = 'rule'"};
    static const int N_PARAMS[3] = {2, 5, 3};
    regio_buf a[3];
    for (int k = 0; k < 3; k++)
        regio_buf_init(&a[k], 0);
    for (int k = 0; !rc && k < 3; k++)
        for (size_t from = 0; !rc && from < counts[k]; from += ASSOC_CHUNK) {
            size_t m = counts[k] - from < ASSOC_CHUNK ? counts[k] - from : ASSOC_CHUNK;
            if (assoc_arrays(a, lists[k] + from, m, ids)) {
                rc = rules_oom(err);
                break;
            }
            const char *p[5] = {a[0].data, a[1].data, a[2].data,
                                uid ? regio__pg_int(b, uid) : NULL, now};
            rc = regio__pg_write(s, SQL[k], N_PARAMS[k], p, "writing a rule association", NULL,
                                 err);
        }
    for (int k = 0; k < 3; k++)
        regio_buf_free(&a[k]);
    regio_free(ids);
    return regio__pg_txn_end(s, &t, rc, err);
}

static regio_err pg_account_owners_set(regio_store *base, const long long *keys,
                                       const char *const *owners, size_t n, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio__pg_txn t;
    regio_err rc = regio__pg_txn_begin(s, &t, err);
    if (rc)
        return rc;
    regio_buf k, o;
    regio_buf_init(&k, 0);
    regio_buf_init(&o, 0);
    char now[32];
    regio__pg_now(now);
    for (size_t from = 0; !rc && from < n; from += ASSOC_CHUNK) {
        size_t m = n - from < ASSOC_CHUNK ? n - from : ASSOC_CHUNK;
        regio_buf_reset(&k);
        regio_err e = regio_buf_putc(&k, '{');
        for (size_t i = 0; i < m && !e; i++)
            e = regio_buf_printf(&k, "%s%lld", i ? "," : "", keys[from + i]);
        if (!e)
            e = regio_buf_putc(&k, '}');
        if (!e)
            e = regio__pg_text_array(&o, owners + from, m);
        if (e) {
            rc = rules_oom(err);
            break;
        }
        /* A key given twice ends with its last owner, as one update after
         * the other would leave it. */
        const char *p[3] = {k.data, o.data, now};
        rc = regio__pg_write(s,
                             "UPDATE accounts a SET owner_ext = d.owner, updated_at = $3 FROM"
                             " (SELECT DISTINCT ON (x.k) x.k, x.owner FROM unnest($1::bigint[],"
                             " $2::text[]) WITH ORDINALITY AS x(k, owner, i) ORDER BY x.k, x.i"
                             " DESC) d WHERE a.id = d.k",
                             3, p, "writing an account's owner", NULL, err);
    }
    regio_buf_free(&k);
    regio_buf_free(&o);
    return regio__pg_txn_end(s, &t, rc, err);
}

const regio__rules_ops regio__pg_rules_ops = {
    .types_foreach = pg_types_foreach,
    .types_save = pg_types_save,
    .territory_set_type = pg_territory_set_type,
    .rules_foreach = pg_rules_foreach,
    .rule_save = pg_rule_save,
    .rule_delete = pg_rule_delete,
    .attr_exists = pg_attr_exists,
    .rule_accounts_foreach = pg_rule_accounts_foreach,
    .rule_assocs_foreach = pg_rule_assocs_foreach,
    .rule_assocs_apply = pg_rule_assocs_apply,
    .account_owners_set = pg_account_owners_set,
};
