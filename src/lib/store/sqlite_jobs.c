/*
 * SQLite backend, the job queue (regio/jobs.h): one row per job in `jobs`
 * (migration 9). A claim is one IMMEDIATE transaction (SQLite's writer
 * lock plays the part of PostgreSQL's FOR UPDATE SKIP LOCKED: two claims
 * never see the same job free); heartbeats and finishing only touch a job
 * that the caller still holds. The statements are those of PostgreSQL
 * (store/jobs_sql.h).
 */
#include "store/jobs_impl.h"
#include "store/jobs_sql.h"
#include "store/sqlite_impl.h"

#include <stdio.h>
#include <string.h>

/* Calls cb with each row of st (selecting REGIO_JOB_COLUMNS); stops when cb
 * returns non-zero (REGIO_ECANCELLED). Finalizes st. */
static regio_err scan(regio__sqlite_store *s, sqlite3_stmt *st, regio_job_cb cb, void *ud,
                      int *rows, regio_error *err)
{
    int r, stop = 0, n = 0;
    while (!stop && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio_job_info j;
        j.id = (long)sqlite3_column_int64(st, 0);
        j.kind = col_text(st, 1);
        j.params = col_text(st, 2);
        j.created_by = col_text(st, 3);
        j.created_at = sqlite3_column_int64(st, 4);
        j.state = regio__job_state_of(col_text(st, 5));
        j.worker = col_text(st, 6);
        j.lease_until = sqlite3_column_int64(st, 7);
        j.attempts = sqlite3_column_int(st, 8);
        j.cancel_requested = sqlite3_column_int(st, 9);
        j.progress = sqlite3_column_double(st, 10);
        j.message = col_text(st, 11);
        j.result = col_text(st, 12);
        j.finished_at = sqlite3_column_int64(st, 13);
        n++;
        stop = cb(ud, &j);
    }
    if (rows)
        *rows = n;
    return regio__sq_finish(s, st, stop ? SQLITE_DONE : r,
                            stop ? regio__sq_cancelled(err) : REGIO_OK, err);
}

static regio_err sq_enqueue(regio_store *base, const char *kind, const char *params,
                            const char *actor, long long now, long *id, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err, REGIO_JOB_SQL_ENQUEUE, "ttti", kind, params,
                                  actor, (sqlite3_int64)now);
    if (rc)
        return rc;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        *id = (long)sqlite3_column_int64(st, 0);
        r = sqlite3_step(st);
    }
    if (r != SQLITE_DONE)
        rc = regio__sq_err(s, err, "queueing a job");
    regio__sq_release(s, st);
    return rc;
}

typedef struct {
    sqlite3_int64 id;
} first_id;

static int take_id(void *ud, const regio_job_info *j)
{
    ((first_id *)ud)->id = j->id;
    return 1;
}

static regio_err sq_claim(regio_store *base, const char *worker, const char *const *kinds,
                          size_t n_kinds, long long now, long lease_s, int max_attempts,
                          regio_job_cb cb, void *ud, int *found, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio__sq_txn t;
    regio_err rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    /* Jobs whose worker stopped: cancelled when that was asked, failed
     * after their last attempt. */
    rc = regio__sq_prep(s, &st, err, REGIO_JOB_SQL_STOPPED_CANCELLED, "i", (sqlite3_int64)now);
    rc = rc ? rc : regio__sq_run(s, st, "cancelling jobs whose worker stopped", NULL, err);
    if (!rc)
        rc = regio__sq_prep(s, &st, err, REGIO_JOB_SQL_STOPPED_FAILED, "ii", (sqlite3_int64)now,
                            (sqlite3_int64)max_attempts);
    rc = rc ? rc : regio__sq_run(s, st, "failing jobs tried too often", NULL, err);
    /* The oldest queued job, else the oldest one whose lease ran out. */
    regio_buf sql;
    regio_buf_init(&sql, 0);
    if (!rc)
        rc = regio_buf_puts(&sql, REGIO_JOB_SQL_PICK);
    for (size_t i = 0; !rc && i < n_kinds; i++)
        rc = regio_buf_printf(&sql, "%s?%zu", i ? ", " : " AND kind IN (", i + 2);
    if (!rc && n_kinds)
        rc = regio_buf_putc(&sql, ')');
    if (!rc)
        rc = regio_buf_puts(&sql, REGIO_JOB_SQL_PICK_ORDER);
    first_id pick = {0};
    if (!rc)
        rc = regio__sq_prepare(s, sql.data, &st, err);
    if (!rc) {
        sqlite3_bind_int64(st, 1, now);
        for (size_t i = 0; i < n_kinds; i++)
            bind_text(st, (int)i + 2, kinds[i]);
        rc = scan(s, st, take_id, &pick, NULL, err);
        if (rc == REGIO_ECANCELLED)
            rc = REGIO_OK;
    }
    regio_buf_free(&sql);
    if (!rc && pick.id) {
        rc = regio__sq_prep(s, &st, err, REGIO_JOB_SQL_TAKE, "iti", pick.id, worker,
                            (sqlite3_int64)(now + lease_s));
        rc = rc ? rc : regio__sq_run(s, st, "taking a job", NULL, err);
    }
    rc = regio__sq_txn_end(s, &t, rc, err);
    if (!rc && pick.id) {
        if (found)
            *found = 1;
        rc = regio__sq_prep(s, &st, err, REGIO_JOB_SQL_LIST, "i", pick.id);
        if (!rc)
            rc = scan(s, st, cb, ud, NULL, err);
        if (rc == REGIO_ECANCELLED)
            rc = REGIO_OK;
    }
    return rc;
}

static regio_err sq_heartbeat(regio_store *base, long id, const char *worker, long long now,
                              long lease_s, double progress, const char *message,
                              int *cancel_requested, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    long changed = 0;
    regio_err rc = regio__sq_prep(s, &st, err, REGIO_JOB_SQL_HEARTBEAT, "itidt", (sqlite3_int64)id, worker,
                                  (sqlite3_int64)(now + lease_s), progress, message);
    if (rc)
        return rc;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        changed = 1;
        if (cancel_requested)
            *cancel_requested = sqlite3_column_int(st, 0);
        r = sqlite3_step(st);
    }
    if (r != SQLITE_DONE)
        rc = regio__sq_err(s, err, "renewing a job's lease");
    regio__sq_release(s, st);
    return !rc && !changed ? regio__job_not_held(err, id, worker) : rc;
}

static regio_err sq_finish(regio_store *base, long id, const char *worker, regio_job_state state,
                           const char *message, const char *result, long long now,
                           regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    long changed = 0;
    regio_err rc = regio__sq_prep(s, &st, err, REGIO_JOB_SQL_FINISH, "itttti", (sqlite3_int64)id, worker,
                                  regio_job_state_name(state), message, result,
                                  (sqlite3_int64)now);
    rc = rc ? rc : regio__sq_run(s, st, "finishing a job", &changed, err);
    return !rc && !changed ? regio__job_not_held(err, id, worker) : rc;
}

static int get_state(void *ud, const regio_job_info *j)
{
    *(regio_job_state *)ud = j->state;
    return 0;
}

static regio_err sq_cancel(regio_store *base, long id, const char *actor, long long now,
                           regio_job_state *state, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    (void)actor;
    regio__sq_txn t;
    regio_err rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    rc = regio__sq_prep(s, &st, err, REGIO_JOB_SQL_CANCEL_QUEUED, "ii", (sqlite3_int64)id, (sqlite3_int64)now);
    rc = rc ? rc : regio__sq_run(s, st, "cancelling a job", NULL, err);
    if (!rc)
        rc = regio__sq_prep(s, &st, err, REGIO_JOB_SQL_CANCEL_RUNNING, "i", (sqlite3_int64)id);
    rc = rc ? rc : regio__sq_run(s, st, "cancelling a job", NULL, err);
    regio_job_state now_state = REGIO_JOB_QUEUED;
    int rows = 0;
    if (!rc)
        rc = regio__sq_prep(s, &st, err, REGIO_JOB_SQL_LIST, "i", (sqlite3_int64)id);
    if (!rc)
        rc = scan(s, st, get_state, &now_state, &rows, err);
    if (!rc && !rows)
        rc = regio__store_fail(err, REGIO_ENOTFOUND, "job %ld not found", id);
    rc = regio__sq_txn_end(s, &t, rc, err);
    if (!rc && state)
        *state = now_state;
    return rc;
}

static regio_err sq_foreach(regio_store *base, long id, regio_job_cb cb, void *ud,
                            regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err, REGIO_JOB_SQL_LIST, "i", (sqlite3_int64)id);
    return rc ? rc : scan(s, st, cb, ud, NULL, err);
}

static regio_err sq_prune(regio_store *base, long long before, long *removed, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err, REGIO_JOB_SQL_PRUNE, "i", (sqlite3_int64)before);
    return rc ? rc : regio__sq_run(s, st, "removing finished jobs", removed, err);
}

const regio__jobs_ops regio__sq_jobs_ops = {
    .enqueue = sq_enqueue,
    .claim = sq_claim,
    .heartbeat = sq_heartbeat,
    .finish = sq_finish,
    .cancel = sq_cancel,
    .foreach = sq_foreach,
    .prune = sq_prune,
};
