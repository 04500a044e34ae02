/*
 * SQLite side of goals and results (store/perf_impl.h): sales lines, quotas
 * and activities, and the reads the figures make. Scans stream rows to a
 * callback; a sales-line scan of a period reads the packed monthly blocks
 * of sqlite_sales_blocks.c (schema migration 6).
 */
#include "regio/strmap.h"
#include "store/perf_impl.h"
#include "store/sqlite_impl.h"

#include <string.h>

static regio_err scan_end(regio__sqlite_store *s, sqlite3_stmt *st, int r, int stopped,
                          regio_error *err)
{
    return regio__sq_finish(s, st, stopped ? SQLITE_DONE : r,
                            stopped ? regio__sq_cancelled(err) : REGIO_OK, err);
}

/* Every unit's row key by external id (accounts name their unit by it). */
static regio_err unit_keys(regio__sqlite_store *s, regio_strmap **out, regio_error *err)
{
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err, "SELECT id, ext_id FROM units", "");
    if (rc)
        return rc;
    if (!(*out = regio_strmap_create(1024)))
        rc = REGIO_ENOMEM;
    int r = SQLITE_DONE, found = 0;
    long old = 0;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW)
        if (regio_strmap_put(*out, (const char *)sqlite3_column_text(st, 1),
                             (long)sqlite3_column_int64(st, 0), &found, &old))
            rc = REGIO_ENOMEM;
    if (rc == REGIO_ENOMEM) {
        regio__sq_release(s, st);
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory");
    }
    return regio__sq_finish(s, st, r, rc, err);
}

static regio_err sq_account_keys(regio_store *base, regio__perf_account_cb cb, void *ud,
                                 regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    /* the frequency column is looked for before JSON is parsed */
    regio_err rc = regio__sq_prep(s, &st, err,
                                  "SELECT id, ext_id, segment, potential,"
                                  " CASE WHEN instr(attrs, '\"visits_per_year\"')"
                                  " THEN json_extract(attrs, '$.visits_per_year') END"
                                  " FROM accounts ORDER BY id",
                                  "");
    if (rc)
        return rc;
    int r, stop = 0;
    while (!stop && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio__perf_account a = {sqlite3_column_int64(st, 0),
                                 (const char *)sqlite3_column_text(st, 1),
                                 (const char *)sqlite3_column_text(st, 2),
                                 col_num(st, 3),
                                 NAN};
        int t = sqlite3_column_type(st, 4);
        if (t == SQLITE_INTEGER || t == SQLITE_FLOAT)
            a.visits_per_year = sqlite3_column_double(st, 4);
        stop = cb(ud, &a);
    }
    return scan_end(s, st, r, stop, err);
}

/* Each account's unit key, read through the index on the accounts' unit so
 * that the units' map is asked once per unit, not once per account. */
static regio_err sq_account_units(regio_store *base, regio__perf_placed_unit_cb cb, void *ud,
                                  regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio_strmap *units = NULL;
    sqlite3_stmt *st = NULL;
    regio_err rc = unit_keys(s, &units, err);
    if (!rc)
        rc = regio__sq_prep(s, &st, err,
                            "SELECT unit_ext, id FROM accounts WHERE unit_ext IS NOT NULL"
                            " ORDER BY unit_ext",
                            "");
    if (rc) {
        regio_strmap_destroy(units);
        return rc;
    }
    char last[256] = "";
    int last_ok = 0;
    long long key = 0;
    int r, stop = 0;
    while (!stop && (r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *unit = (const char *)sqlite3_column_text(st, 0);
        if (!last_ok || strcmp(unit, last)) {
            long k = regio_strmap_get(units, unit);
            key = k > 0 ? k : 0;
            size_t len = strlen(unit);
            last_ok = len < sizeof last;
            if (last_ok)
                memcpy(last, unit, len + 1);
        }
        if (key)
            stop = cb(ud, sqlite3_column_int64(st, 1), key);
    }
    regio_strmap_destroy(units);
    return scan_end(s, st, r, stop, err);
}

/* Streams the (key, territory code) pairs sql selects for model (?1). */
static regio_err model_pairs(regio_store *base, const char *model, const char *sql,
                             regio__perf_placed_cb cb, void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_int64 mid = 0;
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_model_id(s, model, &mid, err);
    if (!rc)
        rc = regio__sq_prep(s, &st, err, sql, "i", mid);
    if (rc)
        return rc;
    int r, stop = 0;
    while (!stop && (r = sqlite3_step(st)) == SQLITE_ROW)
        stop = cb(ud, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1));
    return scan_end(s, st, r, stop, err);
}

/* Each (unit, territory) pair of a model's current alignment. */
static regio_err sq_model_units(regio_store *base, const char *model, regio__perf_placed_cb cb,
                                void *ud, regio_error *err)
{
    return model_pairs(base, model,
                       "SELECT al.unit_id, t.ext_id FROM alignments al"
                       " JOIN territories t ON t.id = al.territory_id"
                       " WHERE al.model_id = ?1 AND al.effective_to IS NULL",
                       cb, ud, err);
}

/* The accounts a model moves by hand (cause 'geo'), one territory each. */
static regio_err sq_model_hand_moves(regio_store *base, const char *model,
                                     regio__perf_placed_cb cb, void *ud, regio_error *err)
{
    return model_pairs(base, model,
                       "SELECT x.account_id, min(t.ext_id) FROM territories t"
                       " JOIN account_territories x ON x.territory_id = t.id"
                       " WHERE t.model_id = ?1 AND x.cause = 'geo'"
                       " GROUP BY x.account_id",
                       cb, ud, err);
}

static regio_err sq_territory_codes(regio_store *base, regio__perf_code_cb cb, void *ud,
                                    regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err,
                                  "SELECT DISTINCT ext_id FROM territories ORDER BY ext_id", "");
    if (rc)
        return rc;
    int r, stop = 0;
    while (!stop && (r = sqlite3_step(st)) == SQLITE_ROW)
        stop = cb(ud, (const char *)sqlite3_column_text(st, 0));
    return scan_end(s, st, r, stop, err);
}

static regio_err sq_sales_count(regio_store *base, long long *n, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err, "SELECT count(*) FROM sales_transactions", "");
    if (rc)
        return rc;
    int r = sqlite3_step(st);
    *n = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    return regio__sq_finish(s, st, r == SQLITE_ROW ? SQLITE_DONE : r, REGIO_OK, err);
}

static regio_err sq_sale_put(regio_store *base, const regio__perf_sale *row, const char *id,
                             const char *product, const char *rep, int *changed,
                             regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    *changed = 0;
    regio_err rc = regio__sq_sales_track(s, err);
    /* A large import's lines after the first REGIO_BULK_AFTER wait in a
     * temporary table and go in with one statement (regio__sq_sales_settle):
     * a statement per line costs more than the line. They are counted then. */
    int staged = s->sales_puts >= REGIO_BULK_AFTER;
    if (!rc)
        rc = regio__sq_stmt(s, staged ? REGIO_ST_SALE_STAGE : REGIO_ST_SALE_UPSERT, &st, err);
    if (rc)
        return rc;
    bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, row->account);
    sqlite3_bind_int(st, 3, row->day);
    sqlite3_bind_int(st, 4, row->status);
    sqlite3_bind_double(st, 5, row->amount);
    bind_num(st, 6, row->probability);
    bind_text(st, 7, product);
    bind_text(st, 8, rep);
    rc = regio__sq_step_done(s, st, "writing a sales line", id, err);
    if (!rc) {
        s->sales_puts++;
        s->sales_staged += staged;
        *changed = !staged && sqlite3_changes(s->db) > 0;
    }
    return rc;
}

static regio_err sq_sales_settle(regio_store *base, long long *changed, regio_error *err)
{
    return regio__sq_sales_settle(REGIO_SQ(base), changed, err);
}

static regio_err sq_sales_scan(regio_store *base, regio_day from, regio_day to,
                               regio__perf_sales_cb cb, void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    int used = 0;
    regio_err rc = regio__sq_sales_blocks_scan(s, from, to, cb, ud, &used, err);
    if (rc || used)
        return rc;
    /* lines written before the blocks existed (schema migration 6) */
    sqlite3_stmt *st = NULL;
    rc = regio__sq_prep(s, &st, err,
                        "SELECT account_id, day, status, amount, probability"
                        " FROM sales_transactions WHERE day >= ?1 AND day < ?2",
                        "ii", (sqlite3_int64)from, (sqlite3_int64)to);
    if (rc)
        return rc;
    regio__perf_sale v[256];
    size_t n = 0;
    int r, stop = 0;
    while (!stop && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio__perf_sale x = {sqlite3_column_int64(st, 0), (regio_day)sqlite3_column_int(st, 1),
                              sqlite3_column_int(st, 2), sqlite3_column_double(st, 3),
                              col_num(st, 4)};
        v[n++] = x;
        if (n == sizeof v / sizeof v[0]) {
            stop = cb(ud, v, n);
            n = 0;
        }
    }
    if (!stop && r == SQLITE_DONE && n)
        stop = cb(ud, v, n);
    return scan_end(s, st, r, stop, err);
}

static regio_err sq_quota_put(regio_store *base, const regio__perf_quota *q, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err,
                                  "INSERT INTO quotas(territory, period, start_day, end_day, amount)"
                                  " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(territory, period)"
                                  " DO UPDATE SET amount = excluded.amount,"
                                  " start_day = excluded.start_day, end_day = excluded.end_day",
                                  "ttiid", q->territory, q->period, (sqlite3_int64)q->start,
                                  (sqlite3_int64)q->end, q->amount);
    if (rc)
        return rc;
    int r = sqlite3_step(st);
    return regio__sq_finish(s, st, r, REGIO_OK, err);
}

static regio_err sq_quota_delete(regio_store *base, const char *territory, const char *period,
                                 regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err,
                                  "DELETE FROM quotas WHERE territory = ?1 AND period = ?2", "tt",
                                  territory, period);
    if (rc)
        return rc;
    int r = sqlite3_step(st);
    return regio__sq_finish(s, st, r, REGIO_OK, err);
}

static regio_err sq_quotas_foreach(regio_store *base, regio__perf_quota_cb cb, void *ud,
                                   regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err,
                                  "SELECT territory, period, start_day, end_day, amount FROM quotas"
                                  " ORDER BY territory, start_day",
                                  "");
    if (rc)
        return rc;
    int r, stop = 0;
    while (!stop && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio__perf_quota q = {(const char *)sqlite3_column_text(st, 0),
                               (const char *)sqlite3_column_text(st, 1),
                               (regio_day)sqlite3_column_int(st, 2),
                               (regio_day)sqlite3_column_int(st, 3), sqlite3_column_double(st, 4)};
        stop = cb(ud, &q);
    }
    return scan_end(s, st, r, stop, err);
}

static regio_err sq_activity_put(regio_store *base, const regio__perf_activity *a, int replace,
                                 int *added, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    *added = 0;
    long long before = sqlite3_total_changes64(s->db);
    sqlite3_set_last_insert_rowid(s->db, 0);
    regio_err rc = regio__sq_stmt(
        s, replace ? REGIO_ST_ACTIVITY_UPSERT : REGIO_ST_ACTIVITY_INSERT, &st, err);
    if (rc)
        return rc;
    bind_text(st, 1, a->id);
    sqlite3_bind_int64(st, 2, a->account);
    sqlite3_bind_int64(st, 3, a->user);
    sqlite3_bind_int64(st, 4, a->rep);
    bind_text(st, 5, a->kind);
    bind_text(st, 6, a->occurred_at);
    sqlite3_bind_int64(st, 7, a->day);
    bind_num(st, 8, isnan(a->duration_min) ? NAN : a->duration_min * 60.0);
    bind_text(st, 9, a->outcome);
    bind_text(st, 10, a->notes);
    bind_num(st, 11, a->lat);
    bind_num(st, 12, a->lon);
    rc = regio__sq_step_done(s, st, "writing an activity", a->id, err);
    if (!rc && sqlite3_total_changes64(s->db) > before)
        *added = sqlite3_last_insert_rowid(s->db) != 0 ? 1 : 2;
    return rc;
}

static regio_err sq_visits_scan(regio_store *base, regio_day from, regio_day to,
                                regio__perf_visit_cb cb, void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err,
                                  "SELECT account_id, day FROM activities"
                                  " WHERE kind = 'visit' AND day >= ?1 AND day < ?2",
                                  "ii", (sqlite3_int64)from, (sqlite3_int64)to);
    if (rc)
        return rc;
    int r, stop = 0;
    while (!stop && (r = sqlite3_step(st)) == SQLITE_ROW)
        stop = cb(ud, sqlite3_column_int64(st, 0), (regio_day)sqlite3_column_int(st, 1));
    return scan_end(s, st, r, stop, err);
}

static regio_err sq_activities_foreach(regio_store *base, regio_day from, regio_day to,
                                       const char *user, regio__perf_activity_cb cb, void *ud,
                                       regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(
        s, &st, err,
        "SELECT x.ext_id, x.kind, x.occurred_at, x.day, x.duration_s / 60.0, x.outcome, x.notes,"
        " x.lat, x.lon, a.ext_id, coalesce(u.login, r.ext_id)"
        " FROM activities x JOIN accounts a ON a.id = x.account_id"
        " LEFT JOIN users u ON u.id = x.user_id LEFT JOIN reps r ON r.id = x.rep_id"
        /* The four kinds the store takes (perf_import.c) lead, so that the
         * days are a range of index activities_day, not a scan of it. */
        " WHERE x.kind IN ('visit', 'call', 'email', 'meeting') AND x.day >= ?1 AND x.day < ?2"
        " AND (?3 IS NULL OR u.login = ?3 OR r.ext_id = ?3)"
        " ORDER BY x.day, x.occurred_at, x.ext_id",
        "iit", (sqlite3_int64)from, (sqlite3_int64)to, user);
    if (rc)
        return rc;
    int r, stop = 0;
    while (!stop && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio__perf_activity a;
        memset(&a, 0, sizeof a);
        a.id = (const char *)sqlite3_column_text(st, 0);
        a.kind = (const char *)sqlite3_column_text(st, 1);
        a.occurred_at = (const char *)sqlite3_column_text(st, 2);
        a.day = (regio_day)sqlite3_column_int(st, 3);
        a.duration_min = col_num(st, 4);
        a.outcome = (const char *)sqlite3_column_text(st, 5);
        a.notes = (const char *)sqlite3_column_text(st, 6);
        a.lat = col_num(st, 7);
        a.lon = col_num(st, 8);
        a.account_id = (const char *)sqlite3_column_text(st, 9);
        a.user_name = (const char *)sqlite3_column_text(st, 10);
        stop = cb(ud, &a);
    }
    return scan_end(s, st, r, stop, err);
}

static regio_err sq_people(regio_store *base, regio__perf_person_cb cb, void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err,
                                  "SELECT 0, id, login FROM users UNION ALL"
                                  " SELECT 1, id, ext_id FROM reps",
                                  "");
    if (rc)
        return rc;
    int r, stop = 0;
    while (!stop && (r = sqlite3_step(st)) == SQLITE_ROW)
        stop = cb(ud, sqlite3_column_int(st, 0), sqlite3_column_int64(st, 1),
                  (const char *)sqlite3_column_text(st, 2));
    return scan_end(s, st, r, stop, err);
}

static regio_err sq_keys_of(regio_store *base, const char *account, const char *person,
                            long long *account_key, long long *user_key, long long *rep_key,
                            regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    *account_key = *user_key = *rep_key = 0;
    regio_err rc = regio__sq_prep(s, &st, err,
                                  "SELECT (SELECT id FROM accounts WHERE ext_id = ?1),"
                                  " (SELECT id FROM users WHERE login = ?2),"
                                  " (SELECT id FROM reps WHERE ext_id = ?2)",
                                  "tt", account, person);
    if (rc)
        return rc;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        *account_key = sqlite3_column_int64(st, 0);
        *user_key = sqlite3_column_int64(st, 1);
        *rep_key = *user_key ? 0 : sqlite3_column_int64(st, 2);
        r = SQLITE_DONE;
    }
    return regio__sq_finish(s, st, r, REGIO_OK, err);
}

const regio__perf_ops regio__sq_perf_ops = {
    .keys_of = sq_keys_of,
    .people = sq_people,
    .account_keys = sq_account_keys,
    .account_units = sq_account_units,
    .account_columns_load = regio__sq_account_columns_load,
    .account_columns_save = regio__sq_account_columns_save,
    .model_units = sq_model_units,
    .model_hand_moves = sq_model_hand_moves,
    .territory_codes = sq_territory_codes,
    .sales_count = sq_sales_count,
    .sales_settle = sq_sales_settle,
    .sale_put = sq_sale_put,
    .sales_scan = sq_sales_scan,
    .quota_put = sq_quota_put,
    .quota_delete = sq_quota_delete,
    .quotas_foreach = sq_quotas_foreach,
    .activity_put = sq_activity_put,
    .visits_scan = sq_visits_scan,
    .activities_foreach = sq_activities_foreach,
    .user_reps = regio__sq_user_reps,
    .rep_plans = regio__sq_rep_plans,
    .plan_day = regio__sq_plan_day,
    .activity_find = regio__sq_activity_find,
};
