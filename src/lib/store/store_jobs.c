/*
 * The public functions of the store's job queue (regio/jobs.h): argument
 * checks, then the backend's jobs vtable (store/jobs_impl.h).
 */
#include "store/jobs_impl.h"

#include <stdio.h>
#include <string.h>

#define JOBS_DISPATCH(s, err, call)                                                     \
    REGIO__SUB_DISPATCH(s, err, jobs, "this store has no job queue yet", call)

static const char *const STATE_NAMES[] = {"queued", "running", "done", "failed", "cancelled"};

const char *regio_job_state_name(regio_job_state st)
{
    return (unsigned)st < sizeof STATE_NAMES / sizeof STATE_NAMES[0] ? STATE_NAMES[st] : NULL;
}

regio_job_state regio__job_state_of(const char *name)
{
    for (int st = REGIO_JOB_QUEUED; st <= REGIO_JOB_CANCELLED; st++)
        if (name && !strcmp(name, STATE_NAMES[st]))
            return (regio_job_state)st;
    return REGIO_JOB_FAILED;
}

regio_err regio__job_not_held(regio_error *err, long id, const char *worker)
{
    return regio__store_fail(err, REGIO_ECONFLICT,
                             "job %ld is not held by %s (its lease ran out and another worker "
                             "took it, or it has finished)",
                             id, worker);
}

static regio_err bad(regio_error *err, const char *what)
{
    return regio__store_fail(err, REGIO_EINVAL, "job queue: %s", what);
}

/* A kind or a worker's name: 1 to max letters, digits, '-', '_', '.', ':'
 * (a worker's name is often host:pid); '.' and ':' only where allowed. */
static int name_ok(const char *v, size_t max, int punct)
{
    size_t n = v ? strlen(v) : 0;
    if (!n || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || (punct && (c == '.' || c == ':'));
        if (!ok)
            return 0;
    }
    return 1;
}

regio_err regio_store_job_enqueue(regio_store *s, const char *kind, const char *params,
                                  const char *actor, long long now, long *id, regio_error *err)
{
    if (id)
        *id = 0;
    if (!id)
        return bad(err, "id is NULL");
    if (!name_ok(kind, 32, 0))
        return bad(err, "a job's kind is 1 to 32 letters, digits, '-' or '_'");
    if (!params || !*params)
        return bad(err, "a job's parameters are JSON text (\"{}\" for none)");
    JOBS_DISPATCH(s, err, enqueue(s, kind, params, actor ? actor : "", now, id, e_));
}

regio_err regio_store_job_claim(regio_store *s, const char *worker, const char *const *kinds,
                                size_t n_kinds, long long now, long lease_s, int max_attempts,
                                regio_job_cb cb, void *ud, int *found, regio_error *err)
{
    if (found)
        *found = 0;
    if (!name_ok(worker, 128, 1))
        return bad(err, "a worker's name is 1 to 128 letters, digits, '-', '_', '.' or ':'");
    if (lease_s < 1 || max_attempts < 1)
        return bad(err, "a lease is at least 1 s and a job is tried at least once");
    if (!cb || (n_kinds && !kinds))
        return bad(err, "a claim needs a callback");
    for (size_t i = 0; i < n_kinds; i++)
        if (!name_ok(kinds[i], 32, 0))
            return bad(err, "a job's kind is 1 to 32 letters, digits, '-' or '_'");
    JOBS_DISPATCH(s, err, claim(s, worker, kinds, n_kinds, now, lease_s, max_attempts, cb, ud,
                                found, e_));
}

regio_err regio_store_job_heartbeat(regio_store *s, long id, const char *worker, long long now,
                                    long lease_s, double progress, const char *message,
                                    int *cancel_requested, regio_error *err)
{
    if (cancel_requested)
        *cancel_requested = 0;
    if (!name_ok(worker, 128, 1) || id < 1 || lease_s < 1)
        return bad(err, "a heartbeat names the job, its worker and a lease of at least 1 s");
    if (!(progress >= 0 && progress <= 1))
        return bad(err, "progress is a share from 0 to 1");
    JOBS_DISPATCH(s, err, heartbeat(s, id, worker, now, lease_s, progress, message,
                                    cancel_requested, e_));
}

regio_err regio_store_job_finish(regio_store *s, long id, const char *worker,
                                 regio_job_state state, const char *message, const char *result,
                                 long long now, regio_error *err)
{
    if (!name_ok(worker, 128, 1) || id < 1)
        return bad(err, "finishing a job names the job and its worker");
    if (state != REGIO_JOB_DONE && state != REGIO_JOB_FAILED && state != REGIO_JOB_CANCELLED)
        return bad(err, "a job finishes done, failed or cancelled");
    JOBS_DISPATCH(s, err, finish(s, id, worker, state, message, result, now, e_));
}

regio_err regio_store_job_cancel(regio_store *s, long id, const char *actor, long long now,
                                 regio_job_state *state, regio_error *err)
{
    if (id < 1)
        return bad(err, "cancelling a job names it");
    JOBS_DISPATCH(s, err, cancel(s, id, actor ? actor : "", now, state, e_));
}

regio_err regio_store_jobs_prune(regio_store *s, long long before, long *removed,
                                 regio_error *err)
{
    long n = 0;
    if (removed)
        *removed = 0;
    JOBS_DISPATCH(s, err, prune(s, before, removed ? removed : &n, e_));
}

regio_err regio_store_jobs_foreach(regio_store *s, long id, regio_job_cb cb, void *ud,
                                   regio_error *err)
{
    if (!cb || id < 0)
        return bad(err, "listing jobs needs a callback");
    JOBS_DISPATCH(s, err, foreach(s, id, cb, ud, e_));
}
