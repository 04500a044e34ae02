/*
 * PostgreSQL backend, call plans: saving a plan (a visit_plans row and its
 * plan_visits) in one audited transaction, and reading plans and their
 * visits back by external ids, as sqlite_plans.c does. The visits' reps and
 * accounts are looked up in one query each and the visits written in one
 * statement; the rows are checked in order first, so that the first bad
 * visit is the one reported, as when SQLite writes them one by one.
 */
#include "regio/strmap.h"
#include "store/pg_impl.h"
#include "store/plan_codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static regio_err oom(regio_error *err)
{
    return regio__store_fail(err, REGIO_ENOMEM, "out of memory saving a plan");
}

/* map: ext id -> row id of every row sql ($1: a text array) finds. */
static regio_err ids_of(regio__pg_store *s, const char *sql, const char *const *ext, size_t n,
                        regio_strmap *map, regio_error *err)
{
    regio_buf arr;
    regio_buf_init(&arr, 0);
    if (regio__pg_text_array(&arr, ext, n)) {
        regio_buf_free(&arr);
        return oom(err);
    }
    PGresult *res = NULL;
    const char *p[1] = {arr.data};
    regio_err rc = regio__pg_query(s, sql, 1, p, PGRES_TUPLES_OK, "reading the store", &res, err);
    regio_buf_free(&arr);
    int found = 0;
    long old = 0;
    for (int i = 0; !rc && i < PQntuples(res); i++)
        if (regio_strmap_put(map, PQgetvalue(res, i, 0), (long)regio__pg_col_int(res, i, 1),
                             &found, &old))
            rc = oom(err);
    PQclear(res);
    return rc;
}

/* Appends ",v" (or "v" first) to an array literal. */
static int put_num(regio_buf *b, long long v)
{
    return regio_buf_printf(b, "%s%lld", b->len > 1 ? "," : "", v) != REGIO_OK;
}

static regio_err insert_visits(regio__pg_store *s, long long plan_id,
                               const regio_plan_visit_row *visits, size_t n, int cycle_days,
                               regio_error *err)
{
    if (!n)
        return REGIO_OK;
    const char **reps = regio_malloc(n * sizeof *reps);
    const char **accs = regio_malloc(n * sizeof *accs);
    regio_strmap *rep_ids = regio_strmap_create(64), *acc_ids = regio_strmap_create(n);
    regio_strmap *slots = regio_strmap_create(n);
    regio_buf col[7];
    int bad = !reps || !accs || !rep_ids || !acc_ids || !slots;
    for (int c = 0; c < 7; c++) {
        regio_buf_init(&col[c], 0);
        bad |= regio_buf_putc(&col[c], '{') != REGIO_OK;
    }
    regio_err rc = bad ? oom(err) : REGIO_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        reps[i] = visits[i].rep ? visits[i].rep : "";
        accs[i] = visits[i].account ? visits[i].account : "";
    }
    if (!rc)
        rc = ids_of(s, "SELECT ext_id, id FROM reps WHERE ext_id = ANY($1::text[])", reps, n,
                    rep_ids, err);
    if (!rc)
        rc = ids_of(s, "SELECT ext_id, id FROM accounts WHERE ext_id = ANY($1::text[])", accs, n,
                    acc_ids, err);
    for (size_t i = 0; !rc && i < n; i++) {
        const regio_plan_visit_row *v = &visits[i];
        rc = plan_visit_problem(v, i, cycle_days, err);
        if (rc)
            break;
        long rep_id = regio_strmap_get(rep_ids, v->rep);
        long acc_id = regio_strmap_get(acc_ids, v->account);
        if (rep_id < 0) {
            rc = regio__store_fail(err, REGIO_ENOTFOUND, "rep '%s' not found", v->rep);
            break;
        }
        if (acc_id < 0) {
            rc = regio__store_fail(err, REGIO_ENOTFOUND, "account '%s' not found", v->account);
            break;
        }
        /* the table's UNIQUE (plan_id, rep_id, day, seq), checked here to
         * name the visit */
        char slot[96];
        int found = 0;
        long old = 0;
        snprintf(slot, sizeof slot, "%ld/%d/%d", rep_id, v->day, v->seq);
        if (regio_strmap_put(slots, slot, 1, &found, &old)) {
            rc = oom(err);
            break;
        }
        if (found) {
            rc = plan_visit_twice(v, err);
            break;
        }
        if (put_num(&col[0], rep_id) || put_num(&col[1], acc_id) || put_num(&col[2], v->day) ||
            put_num(&col[3], v->seq) || put_num(&col[4], v->arrival_s) ||
            put_num(&col[5], v->departure_s) || put_num(&col[6], v->travel_s))
            rc = oom(err);
    }
    for (int c = 0; !rc && c < 7; c++)
        if (regio_buf_putc(&col[c], '}'))
            rc = oom(err);
    if (!rc) {
        char pid[32];
        const char *p[8] = {regio__pg_int(pid, plan_id), col[0].data, col[1].data, col[2].data,
                            col[3].data, col[4].data, col[5].data, col[6].data};
        rc = regio__pg_write(s,
                             "INSERT INTO plan_visits(plan_id, rep_id, account_id, day, seq,"
                             " arrival_s, departure_s, travel_s)"
                             " SELECT $1::bigint, * FROM unnest($2::bigint[], $3::bigint[],"
                             " $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[],"
                             " $8::bigint[])",
                             8, p, "saving a plan visit", NULL, err);
    }
    for (int c = 0; c < 7; c++)
        regio_buf_free(&col[c]);
    regio_strmap_destroy(slots);
    regio_strmap_destroy(acc_ids);
    regio_strmap_destroy(rep_ids);
    regio_free(accs);
    regio_free(reps);
    return rc;
}

regio_err regio__pg_plan_save(regio_store *base, const regio_plan_info *plan,
                              const regio_plan_visit_row *visits, size_t n, const char *actor,
                              long *id_out, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio_err rc = plan_problem(plan, err);
    if (rc)
        return rc;
    const char *params = plan->params ? plan->params : "{}";
    regio__pg_txn t;
    rc = regio__pg_txn_begin(s, &t, err);
    if (rc)
        return rc;
    PGresult *res = NULL;
    const char *pp[1] = {params};
    rc = regio__pg_query(s,
                         "SELECT CASE WHEN regio_json_valid($1)"
                         " THEN json_typeof($1::json) = 'object' ELSE false END",
                         1, pp, PGRES_TUPLES_OK, "reading the store", &res, err);
    if (!rc && strcmp(PQgetvalue(res, 0, 0), "t"))
        rc = regio__store_fail(err, REGIO_EINVAL, "a plan's params must be a JSON object");
    PQclear(res);
    if (!rc)
        rc = plan_start_problem(plan, err);
    long long model_id = 0, plan_id = 0;
    if (!rc && plan->model)
        rc = regio__pg_model_id(s, plan->model, &model_id, err);
    if (!rc) {
        char mid[32], days[32];
        const char *p[5] = {plan->model ? regio__pg_int(mid, model_id) : NULL, plan->name,
                            plan->cycle_start, regio__pg_int(days, plan->cycle_days), params};
        rc = regio__pg_query(s,
                             "INSERT INTO visit_plans(model_id, name, cycle_start, cycle_days,"
                             " params) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                             5, p, PGRES_TUPLES_OK, "saving a plan", &res, err);
        if (!rc)
            plan_id = regio__pg_col_int(res, 0, 0);
        PQclear(res);
    }
    if (!rc)
        rc = insert_visits(s, plan_id, visits, n, plan->cycle_days, err);
    if (!rc)
        rc = plan_audit(base, plan, n, (long long)plan_id, actor, err);
    rc = regio__pg_txn_end(s, &t, rc, err);
    if (!rc && id_out)
        *id_out = (long)plan_id;
    return rc;
}

typedef struct plans_ctx {
    regio_plan_info_cb cb;
    regio_plan_visit_cb visit;
    void *ud;
} plans_ctx;

static regio_err plan_row(void *ctx, const PGresult *res, int i, regio_error *err)
{
    plans_ctx *c = ctx;
    regio_plan_info p;
    memset(&p, 0, sizeof p);
    p.id = (long)regio__pg_col_int(res, i, 0);
    p.model = regio__pg_col_text(res, i, 1);
    p.name = regio__pg_col_text(res, i, 2);
    p.cycle_start = regio__pg_col_text(res, i, 3);
    p.cycle_days = (int)regio__pg_col_int(res, i, 4);
    p.params = regio__pg_col_text(res, i, 5);
    p.created_at = regio__pg_col_text(res, i, 6);
    p.visits = (long)regio__pg_col_int(res, i, 7);
    return c->cb(c->ud, &p) ? regio__pg_cancelled(err) : REGIO_OK;
}

regio_err regio__pg_plans_foreach(regio_store *base, const char *model, regio_plan_info_cb cb,
                                  void *ud, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    long long model_id = 0;
    regio_err rc = model ? regio__pg_model_id(s, model, &model_id, err) : REGIO_OK;
    if (rc)
        return rc;
    char mid[32];
    const char *p[1] = {model ? regio__pg_int(mid, model_id) : NULL};
    plans_ctx c = {.cb = cb, .ud = ud};
    return regio__pg_each_row(
        s,
        "SELECT p.id, m.name, p.name, p.cycle_start, p.cycle_days, p.params, p.created_at,"
        " (SELECT count(*) FROM plan_visits v WHERE v.plan_id = p.id)"
        " FROM visit_plans p LEFT JOIN territory_models m ON m.id = p.model_id"
        " WHERE $1::bigint IS NULL OR p.model_id = $1::bigint ORDER BY p.id DESC",
        1, p, plan_row, &c, err);
}

/* A stored time, or -1 when there is none. */
static long opt_long(const PGresult *res, int i, int col)
{
    return PQgetisnull(res, i, col) ? -1 : (long)regio__pg_col_int(res, i, col);
}

static regio_err visit_row(void *ctx, const PGresult *res, int i, regio_error *err)
{
    plans_ctx *c = ctx;
    regio_plan_visit_row v;
    v.rep = regio__pg_col_text(res, i, 0);
    v.account = regio__pg_col_text(res, i, 1);
    v.day = (int)regio__pg_col_int(res, i, 2);
    v.seq = (int)regio__pg_col_int(res, i, 3);
    v.arrival_s = opt_long(res, i, 4);
    v.departure_s = opt_long(res, i, 5);
    v.travel_s = opt_long(res, i, 6);
    return c->visit(c->ud, &v) ? regio__pg_cancelled(err) : REGIO_OK;
}

regio_err regio__pg_plan_visits(regio__pg_store *s, const char *sql, int n,
                                const char *const *params, regio_plan_visit_cb cb, void *ud,
                                regio_error *err)
{
    plans_ctx c = {.visit = cb, .ud = ud};
    return regio__pg_each_row(s, sql, n, params, visit_row, &c, err);
}

regio_err regio__pg_plan_visits_foreach(regio_store *base, long plan_id, regio_plan_visit_cb cb,
                                        void *ud, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    char pid[32];
    const char *p[1] = {regio__pg_int(pid, plan_id)};
    PGresult *res = NULL;
    regio_err rc = regio__pg_query(s, "SELECT id FROM visit_plans WHERE id = $1", 1, p,
                                   PGRES_TUPLES_OK, "reading the store", &res, err);
    if (!rc && PQntuples(res) == 0)
        rc = regio__store_fail(err, REGIO_ENOTFOUND, "no call plan %ld in the store", plan_id);
    PQclear(res);
    if (rc)
        return rc;
    /* ext ids in byte order, as SQLite compares them */
    return regio__pg_plan_visits(s,
                                 "SELECT r.ext_id, a.ext_id, v.day, v.seq, v.arrival_s,"
                                 " v.departure_s, v.travel_s FROM plan_visits v"
                                 " JOIN reps r ON r.id = v.rep_id"
                                 " JOIN accounts a ON a.id = v.account_id WHERE v.plan_id = $1"
                                 " ORDER BY r.ext_id COLLATE \"C\", v.day, v.seq",
                                 1, p, cb, ud, err);
}
