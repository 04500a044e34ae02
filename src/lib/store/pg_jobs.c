/*
 * PostgreSQL backend, the job queue (regio/jobs.h): the statements of the
 * SQLite backend (store/jobs_sql.h), with one difference in a claim: the
 * job is picked with SELECT ... FOR UPDATE SKIP LOCKED, so that workers
 * claiming at once each lock a different row instead of queueing behind
 * one another (SQLite has one writer, and needs no such thing).
 */
#include "store/jobs_impl.h"
#include "store/jobs_sql.h"
#include "store/pg_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* b = sql with its ?N parameters written $N (the queue's SQL has no '?'
 * anywhere else). */
static regio_err dollars(regio_buf *b, const char *sql)
{
    regio_err rc = REGIO_OK;
    for (const char *p = sql; !rc && *p; p++)
        rc = regio_buf_putc(b, *p == '?' && p[1] >= '0' && p[1] <= '9' ? '$' : *p);
    return rc;
}

/* Runs the queue's statement sql (?N parameters) with n text parameters. */
static regio_err query(regio__pg_store *s, const char *sql, int n, const char *const *params,
                       ExecStatusType want, const char *what, PGresult **out, regio_error *err)
{
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc = dollars(&b, sql);
    if (rc) {
        regio_buf_free(&b);
        if (out)
            *out = NULL;
        return regio__store_fail(err, rc, "%s: out of memory", what);
    }
    rc = regio__pg_query(s, b.data, n, params, want, what, out, err);
    regio_buf_free(&b);
    return rc;
}

static regio_err write_rows(regio__pg_store *s, const char *sql, int n,
                            const char *const *params, const char *what, long *changed,
                            regio_error *err)
{
    PGresult *res = NULL;
    regio_err rc = query(s, sql, n, params, PGRES_COMMAND_OK, what, &res, err);
    if (!rc && changed)
        *changed = atol(PQcmdTuples(res));
    PQclear(res);
    return rc;
}

/* Calls cb with each row of res (REGIO_JOB_COLUMNS); stops when cb returns
 * non-zero (REGIO_ECANCELLED). Clears res. */
static regio_err scan(PGresult *res, regio_job_cb cb, void *ud, regio_error *err)
{
    int n = PQntuples(res), stop = 0;
    for (int i = 0; i < n && !stop; i++) {
        regio_job_info j;
        j.id = (long)regio__pg_col_int(res, i, 0);
        j.kind = regio__pg_col_text(res, i, 1);
        j.params = regio__pg_col_text(res, i, 2);
        j.created_by = regio__pg_col_text(res, i, 3);
        j.created_at = regio__pg_col_int(res, i, 4);
        j.state = regio__job_state_of(regio__pg_col_text(res, i, 5));
        j.worker = regio__pg_col_text(res, i, 6);
        j.lease_until = regio__pg_col_int(res, i, 7);
        j.attempts = (int)regio__pg_col_int(res, i, 8);
        j.cancel_requested = (int)regio__pg_col_int(res, i, 9);
        j.progress = regio__pg_col_num(res, i, 10);
        j.message = regio__pg_col_text(res, i, 11);
        j.result = regio__pg_col_text(res, i, 12);
        j.finished_at = regio__pg_col_int(res, i, 13);
        stop = cb(ud, &j);
    }
    PQclear(res);
    return stop ? regio__pg_cancelled(err) : REGIO_OK;
}

static regio_err pg_enqueue(regio_store *base, const char *kind, const char *params,
                            const char *actor, long long now, long *id, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    char t[32];
    const char *p[4] = {kind, params, actor, regio__pg_int(t, now)};
    PGresult *res = NULL;
    regio_err rc = query(s, REGIO_JOB_SQL_ENQUEUE, 4, p, PGRES_TUPLES_OK, "queueing a job", &res,
                         err);
    if (!rc)
        *id = PQntuples(res) ? (long)regio__pg_col_int(res, 0, 0) : 0;
    PQclear(res);
    return rc;
}

static regio_err pg_claim(regio_store *base, const char *worker, const char *const *kinds,
                          size_t n_kinds, long long now, long lease_s, int max_attempts,
                          regio_job_cb cb, void *ud, int *found, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    char tnow[32], tmax[32], tlease[32], tid[32];
    const char *p2[2] = {regio__pg_int(tnow, now), regio__pg_int(tmax, max_attempts)};
    regio__pg_txn t;
    regio_err rc = regio__pg_txn_begin(s, &t, err);
    if (rc)
        return rc;
    /* Jobs whose worker stopped: cancelled when that was asked, failed
     * after their last attempt. */
    rc = write_rows(s, REGIO_JOB_SQL_STOPPED_CANCELLED, 1, p2,
                    "cancelling jobs whose worker stopped", NULL, err);
    if (!rc)
        rc = write_rows(s, REGIO_JOB_SQL_STOPPED_FAILED, 2, p2, "failing jobs tried too often",
                        NULL, err);
    /* The oldest queued job, else the oldest one whose lease ran out; a
     * row another claim has locked is skipped, not waited for. */
    regio_buf sql;
    regio_buf_init(&sql, 0);
    const char **params = regio_calloc(n_kinds + 1, sizeof *params);
    regio_err mem = params ? regio_buf_puts(&sql, REGIO_JOB_SQL_PICK) : REGIO_ENOMEM;
    for (size_t i = 0; !mem && i < n_kinds; i++) {
        params[i + 1] = kinds[i];
        mem = regio_buf_printf(&sql, "%s?%zu", i ? ", " : " AND kind IN (", i + 2);
    }
    if (!mem && n_kinds)
        mem = regio_buf_putc(&sql, ')');
    if (!mem)
        mem = regio_buf_puts(&sql, REGIO_JOB_SQL_PICK_ORDER " FOR UPDATE SKIP LOCKED");
    if (!rc && mem)
        rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory claiming a job");
    if (params)
        params[0] = tnow;
    PGresult *res = NULL;
    long long pick = 0;
    if (!rc)
        rc = query(s, sql.data, (int)n_kinds + 1, params, PGRES_TUPLES_OK, "claiming a job",
                   &res, err);
    regio_buf_free(&sql);
    regio_free(params);
    if (!rc && PQntuples(res))
        pick = regio__pg_col_int(res, 0, 0);
    PQclear(res);
    if (!rc && pick) {
        const char *p3[3] = {regio__pg_int(tid, pick), worker, regio__pg_int(tlease, now + lease_s)};
        rc = write_rows(s, REGIO_JOB_SQL_TAKE, 3, p3, "taking a job", NULL, err);
    }
    rc = regio__pg_txn_end(s, &t, rc, err);
    if (!rc && pick) {
        if (found)
            *found = 1;
        const char *p1[1] = {tid};
        rc = query(s, REGIO_JOB_SQL_LIST, 1, p1, PGRES_TUPLES_OK, "reading a job", &res, err);
        if (!rc)
            rc = scan(res, cb, ud, err);
        if (rc == REGIO_ECANCELLED)
            rc = REGIO_OK;
    }
    return rc;
}

static regio_err pg_heartbeat(regio_store *base, long id, const char *worker, long long now,
                              long lease_s, double progress, const char *message,
                              int *cancel_requested, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    char tid[32], tlease[32], tprog[32];
    const char *p[5] = {regio__pg_int(tid, id), worker, regio__pg_int(tlease, now + lease_s),
                        regio__pg_num(tprog, progress), message};
    PGresult *res = NULL;
    /* A heartbeat is bookkeeping: it does not tell other sessions that the
     * store's content changed. */
    s->quiet = 1;
    regio_err rc = query(s, REGIO_JOB_SQL_HEARTBEAT, 5, p, PGRES_TUPLES_OK,
                         "renewing a job's lease", &res, err);
    s->quiet = 0;
    if (rc)
        return rc;
    int held = PQntuples(res) > 0;
    if (held && cancel_requested)
        *cancel_requested = (int)regio__pg_col_int(res, 0, 0);
    PQclear(res);
    return held ? REGIO_OK : regio__job_not_held(err, id, worker);
}

static regio_err pg_finish(regio_store *base, long id, const char *worker, regio_job_state state,
                           const char *message, const char *result, long long now,
                           regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    char tid[32], tnow[32];
    const char *p[6] = {regio__pg_int(tid, id), worker, regio_job_state_name(state), message,
                        result, regio__pg_int(tnow, now)};
    long changed = 0;
    regio_err rc = write_rows(s, REGIO_JOB_SQL_FINISH, 6, p, "finishing a job", &changed, err);
    return !rc && !changed ? regio__job_not_held(err, id, worker) : rc;
}

static int get_state(void *ud, const regio_job_info *j)
{
    *(regio_job_state *)ud = j->state;
    return 0;
}

static regio_err pg_cancel(regio_store *base, long id, const char *actor, long long now,
                           regio_job_state *state, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    (void)actor;
    char tid[32], tnow[32];
    const char *p[2] = {regio__pg_int(tid, id), regio__pg_int(tnow, now)};
    regio__pg_txn t;
    regio_err rc = regio__pg_txn_begin(s, &t, err);
    if (rc)
        return rc;
    rc = write_rows(s, REGIO_JOB_SQL_CANCEL_QUEUED, 2, p, "cancelling a job", NULL, err);
    if (!rc)
        rc = write_rows(s, REGIO_JOB_SQL_CANCEL_RUNNING, 1, p, "cancelling a job", NULL, err);
    regio_job_state now_state = REGIO_JOB_QUEUED;
    PGresult *res = NULL;
    int rows = 0;
    if (!rc)
        rc = query(s, REGIO_JOB_SQL_LIST, 1, p, PGRES_TUPLES_OK, "reading a job", &res, err);
    if (!rc) {
        rows = PQntuples(res);
        rc = scan(res, get_state, &now_state, err);
    }
    if (!rc && !rows)
        rc = regio__store_fail(err, REGIO_ENOTFOUND, "job %ld not found", id);
    rc = regio__pg_txn_end(s, &t, rc, err);
    if (!rc && state)
        *state = now_state;
    return rc;
}

static regio_err pg_foreach(regio_store *base, long id, regio_job_cb cb, void *ud,
                            regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    char tid[32];
    const char *p[1] = {regio__pg_int(tid, id)};
    PGresult *res = NULL;
    regio_err rc = query(s, REGIO_JOB_SQL_LIST, 1, p, PGRES_TUPLES_OK, "listing jobs", &res, err);
    return rc ? rc : scan(res, cb, ud, err);
}

static regio_err pg_prune(regio_store *base, long long before, long *removed, regio_error *err)
{
    char tb[32];
    const char *p[1] = {regio__pg_int(tb, before)};
    return write_rows(REGIO_PG(base), REGIO_JOB_SQL_PRUNE, 1, p, "removing finished jobs",
                      removed, err);
}

const regio__jobs_ops regio__pg_jobs_ops = {
    .enqueue = pg_enqueue,
    .claim = pg_claim,
    .heartbeat = pg_heartbeat,
    .finish = pg_finish,
    .cancel = pg_cancel,
    .foreach = pg_foreach,
    .prune = pg_prune,
};
