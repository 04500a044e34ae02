/*
 * SQLite side of the check-in page's reads (store/perf_impl.h): the reps
 * linked to a user, the saved call plans that hold a rep's visits, one
 * rep's visits on one cycle day of a plan, and one activity by its client
 * id. Each is a single indexed query (plan_visits_rep, the unique ext_id).
 */
#include "store/perf_impl.h"
#include "store/sqlite_impl.h"

#include <math.h>
#include <string.h>

static regio_err end_scan(regio__sqlite_store *s, sqlite3_stmt *st, int r, int stopped,
                          regio_error *err)
{
    return regio__sq_finish(s, st, stopped ? SQLITE_DONE : r,
                            stopped ? regio__sq_cancelled(err) : REGIO_OK, err);
}

regio_err regio__sq_user_reps(regio_store *base, const char *login, regio__checkin_rep_cb cb,
                              void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err,
                                  "SELECT r.ext_id FROM reps r JOIN users u ON u.id = r.user_id"
                                  " WHERE u.login = ?1 ORDER BY r.ext_id",
                                  "t", login);
    if (rc)
        return rc;
    int r, stop = 0;
    while (!stop && (r = sqlite3_step(st)) == SQLITE_ROW)
        stop = cb(ud, (const char *)sqlite3_column_text(st, 0));
    return end_scan(s, st, r, stop, err);
}

regio_err regio__sq_rep_plans(regio_store *base, const char *rep, regio__checkin_plan_cb cb,
                              void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(
        s, &st, err,
        "SELECT p.id, p.cycle_start, p.cycle_days FROM visit_plans p"
        " WHERE p.cycle_start IS NOT NULL AND p.id IN (SELECT v.plan_id FROM plan_visits v"
        "  WHERE v.rep_id = (SELECT id FROM reps WHERE ext_id = ?1))"
        " ORDER BY p.id DESC",
        "t", rep);
    if (rc)
        return rc;
    int r, stop = 0;
    while (!stop && (r = sqlite3_step(st)) == SQLITE_ROW)
        stop = cb(ud, (long)sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                  sqlite3_column_int(st, 2));
    return end_scan(s, st, r, stop, err);
}

static long opt_long(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : (long)sqlite3_column_int64(st, i);
}

regio_err regio__sq_plan_day(regio_store *base, long plan_id, const char *rep, int day,
                             regio_plan_visit_cb cb, void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(
        s, &st, err,
        "SELECT a.ext_id, v.day, v.seq, v.arrival_s, v.departure_s, v.travel_s"
        " FROM plan_visits v JOIN accounts a ON a.id = v.account_id"
        " WHERE v.plan_id = ?1 AND v.rep_id = (SELECT id FROM reps WHERE ext_id = ?2)"
        " AND v.day = ?3 ORDER BY v.seq",
        "iti", (sqlite3_int64)plan_id, rep, (sqlite3_int64)day);
    if (rc)
        return rc;
    int r, stop = 0;
    while (!stop && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio_plan_visit_row v;
        v.rep = rep;
        v.account = (const char *)sqlite3_column_text(st, 0);
        v.day = sqlite3_column_int(st, 1);
        v.seq = sqlite3_column_int(st, 2);
        v.arrival_s = opt_long(st, 3);
        v.departure_s = opt_long(st, 4);
        v.travel_s = opt_long(st, 5);
        stop = cb(ud, &v);
    }
    return end_scan(s, st, r, stop, err);
}

regio_err regio__sq_activity_find(regio_store *base, const char *id, regio__perf_activity_cb cb,
                                  void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(
        s, &st, err,
        "SELECT x.ext_id, x.kind, x.occurred_at, x.day, a.ext_id, coalesce(u.login, r.ext_id)"
        " FROM activities x JOIN accounts a ON a.id = x.account_id"
        " LEFT JOIN users u ON u.id = x.user_id LEFT JOIN reps r ON r.id = x.rep_id"
        " WHERE x.ext_id = ?1",
        "t", id);
    if (rc)
        return rc;
    int r, stop = 0;
    if ((r = sqlite3_step(st)) == SQLITE_ROW) {
        /* What a retry needs to know: whose it is and where; the rest stays unread. */
        regio__perf_activity a;
        memset(&a, 0, sizeof a);
        a.id = (const char *)sqlite3_column_text(st, 0);
        a.kind = (const char *)sqlite3_column_text(st, 1);
        a.occurred_at = (const char *)sqlite3_column_text(st, 2);
        a.day = (regio_day)sqlite3_column_int(st, 3);
        a.duration_min = a.lat = a.lon = NAN;
        a.account_id = (const char *)sqlite3_column_text(st, 4);
        a.user_name = (const char *)sqlite3_column_text(st, 5);
        stop = cb(ud, &a);
        r = SQLITE_DONE;
    }
    return end_scan(s, st, r, stop, err);
}
