/*
 * SQLite backend, call plans: saving a plan (a visit_plans row and its
 * plan_visits) in one audited transaction, and reading plans and their
 * visits back by external ids.
 */
#include "store/plan_codec.h"
#include "store/sqlite_impl.h"

#include <stdio.h>
#include <string.h>

/* Runs a one-row, one-column text check ("SELECT <expr of ?1>") and sets
 * *ok to whether it gave 1. */
static regio_err check_text(regio__sqlite_store *s, const char *sql, const char *v, int *ok,
                            regio_error *err)
{
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prepare(s, sql, &st, err);
    if (rc)
        return rc;
    bind_text(st, 1, v);
    int r = sqlite3_step(st);
    *ok = r == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
    if (r == SQLITE_ROW)
        r = SQLITE_DONE;
    return regio__sq_finish(s, st, r, rc, err);
}

/* The id (column 0) that lookup statement st (cached or not; reset here)
 * finds for external id ext; REGIO_ENOTFOUND "<what> '<ext>' not found". */
static regio_err id_of(regio__sqlite_store *s, sqlite3_stmt *st, const char *what,
                       const char *ext, sqlite3_int64 *id, regio_error *err)
{
    bind_text(st, 1, ext);
    int r = sqlite3_step(st);
    int found = r == SQLITE_ROW;
    if (found)
        *id = sqlite3_column_int64(st, 0);
    done(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return regio__sq_err(s, err, "reading the store");
    if (!found)
        return regio__store_fail(err, REGIO_ENOTFOUND, "%s '%s' not found", what, ext);
    return REGIO_OK;
}

/* Id of model `name` into *id; REGIO_ENOTFOUND naming it when absent. */
static regio_err model_by_name(regio__sqlite_store *s, const char *name, sqlite3_int64 *id,
                               regio_error *err)
{
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_stmt(s, REGIO_ST_MODEL_ID, &st, err);
    return rc ? rc : id_of(s, st, "territory model", name, id, err);
}

static regio_err insert_visits(regio__sqlite_store *s, sqlite3_int64 plan_id,
                               const regio_plan_visit_row *visits, size_t n, int cycle_days,
                               regio_error *err)
{
    sqlite3_stmt *rep_st = NULL, *acc_st = NULL, *ins = NULL;
    regio_err rc = regio__sq_stmt(s, REGIO_ST_REP_GET, &rep_st, err);
    if (!rc)
        rc = regio__sq_prepare(s, "SELECT id FROM accounts WHERE ext_id = ?1", &acc_st, err);
    if (!rc)
        rc = regio__sq_prepare(s,
                               "INSERT INTO plan_visits(plan_id, rep_id, account_id, day, seq,"
                               " arrival_s, departure_s, travel_s)"
                               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                               &ins, err);
    const char *last_rep = NULL;
    sqlite3_int64 rep_id = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        const regio_plan_visit_row *v = &visits[i];
        sqlite3_int64 acc_id = 0;
        rc = plan_visit_problem(v, i, cycle_days, err);
        if (!rc && (!last_rep || strcmp(last_rep, v->rep) != 0)) {
            rc = id_of(s, rep_st, "rep", v->rep, &rep_id, err);
            last_rep = v->rep;
        }
        if (!rc)
            rc = id_of(s, acc_st, "account", v->account, &acc_id, err);
        if (rc)
            break;
        sqlite3_bind_int64(ins, 1, plan_id);
        sqlite3_bind_int64(ins, 2, rep_id);
        sqlite3_bind_int64(ins, 3, acc_id);
        sqlite3_bind_int(ins, 4, v->day);
        sqlite3_bind_int(ins, 5, v->seq);
        sqlite3_bind_int64(ins, 6, v->arrival_s);
        sqlite3_bind_int64(ins, 7, v->departure_s);
        sqlite3_bind_int64(ins, 8, v->travel_s);
        int r = sqlite3_step(ins);
        if ((r & 0xff) == SQLITE_CONSTRAINT) /* the rest was checked above */
            rc = plan_visit_twice(v, err);
        else if (r != SQLITE_DONE)
            rc = regio__sq_err(s, err, "saving a plan visit");
        done(ins);
    }
    regio__sq_release(s, acc_st);
    regio__sq_release(s, ins);
    return rc;
}

regio_err regio__sq_plan_save(regio_store *base, const regio_plan_info *plan,
                              const regio_plan_visit_row *visits, size_t n, const char *actor,
                              long *id_out, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio_err rc = plan_problem(plan, err);
    if (rc)
        return rc;
    const char *params = plan->params ? plan->params : "{}";
    regio__sq_txn t;
    rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    int ok = 1;
    rc = check_text(s, "SELECT json_valid(?1) AND json_type(?1) = 'object'", params, &ok, err);
    if (!rc && !ok)
        rc = regio__store_fail(err, REGIO_EINVAL, "a plan's params must be a JSON object");
    if (!rc)
        rc = plan_start_problem(plan, err);
    sqlite3_int64 model_id = 0, plan_id = 0;
    if (!rc && plan->model)
        rc = model_by_name(s, plan->model, &model_id, err);
    if (!rc) {
        sqlite3_stmt *st = NULL;
        rc = regio__sq_prepare(s,
                               "INSERT INTO visit_plans(model_id, name, cycle_start, cycle_days,"
                               " params) VALUES (?1, ?2, ?3, ?4, ?5)",
                               &st, err);
        if (!rc) {
            if (plan->model)
                sqlite3_bind_int64(st, 1, model_id);
            bind_text(st, 2, plan->name);
            bind_text(st, 3, plan->cycle_start);
            sqlite3_bind_int(st, 4, plan->cycle_days);
            bind_text(st, 5, params);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = regio__sq_err(s, err, "saving a plan");
            else
                plan_id = sqlite3_last_insert_rowid(s->db);
            regio__sq_release(s, st);
        }
    }
    if (!rc)
        rc = insert_visits(s, plan_id, visits, n, plan->cycle_days, err);
    if (!rc)
        rc = plan_audit(base, plan, n, (long long)plan_id, actor, err);
    rc = regio__sq_txn_end(s, &t, rc, err);
    if (!rc && id_out)
        *id_out = (long)plan_id;
    return rc;
}

regio_err regio__sq_plans_foreach(regio_store *base, const char *model, regio_plan_info_cb cb,
                                  void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_int64 model_id = 0;
    regio_err rc = model ? model_by_name(s, model, &model_id, err) : REGIO_OK;
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    rc = regio__sq_prepare(s,
                           "SELECT p.id, m.name, p.name, p.cycle_start, p.cycle_days, p.params,"
                           " p.created_at,"
                           " (SELECT count(*) FROM plan_visits v WHERE v.plan_id = p.id)"
                           " FROM visit_plans p LEFT JOIN territory_models m ON m.id = p.model_id"
                           " WHERE ?1 IS NULL OR p.model_id = ?1 ORDER BY p.id DESC",
                           &st, err);
    if (rc)
        return rc;
    if (model)
        sqlite3_bind_int64(st, 1, model_id);
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio_plan_info p;
        memset(&p, 0, sizeof p);
        p.id = (long)sqlite3_column_int64(st, 0);
        p.model = col_text(st, 1);
        p.name = col_text(st, 2);
        p.cycle_start = col_text(st, 3);
        p.cycle_days = sqlite3_column_int(st, 4);
        p.params = col_text(st, 5);
        p.created_at = col_text(st, 6);
        p.visits = (long)sqlite3_column_int64(st, 7);
        if (cb(ud, &p))
            rc = regio__sq_cancelled(err);
    }
    return regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
}

static long col_long(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : (long)sqlite3_column_int64(st, i);
}

regio_err regio__sq_plan_visits_foreach(regio_store *base, long plan_id, regio_plan_visit_cb cb,
                                        void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prepare(s, "SELECT id FROM visit_plans WHERE id = ?1", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, plan_id);
    int r = sqlite3_step(st);
    int found = r == SQLITE_ROW;
    rc = regio__sq_finish(s, st, found ? SQLITE_DONE : r, rc, err);
    if (!rc && !found)
        rc = regio__store_fail(err, REGIO_ENOTFOUND, "no call plan %ld in the store", plan_id);
    if (rc)
        return rc;
    rc = regio__sq_prepare(s,
                           "SELECT r.ext_id, a.ext_id, v.day, v.seq, v.arrival_s, v.departure_s,"
                           " v.travel_s FROM plan_visits v JOIN reps r ON r.id = v.rep_id"
                           " JOIN accounts a ON a.id = v.account_id WHERE v.plan_id = ?1"
                           " ORDER BY r.ext_id, v.day, v.seq",
                           &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, plan_id);
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio_plan_visit_row v;
        v.rep = col_text(st, 0);
        v.account = col_text(st, 1);
        v.day = sqlite3_column_int(st, 2);
        v.seq = sqlite3_column_int(st, 3);
        v.arrival_s = col_long(st, 4);
        v.departure_s = col_long(st, 5);
        v.travel_s = col_long(st, 6);
        if (cb(ud, &v))
            rc = regio__sq_cancelled(err);
    }
    return regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
}
