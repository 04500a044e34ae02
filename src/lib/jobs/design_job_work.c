/*
 * A design or realign job of the store's queue done by a worker
 * (regio_design_job_work): the run of regio/design_job.h between a claim
 * and a finish, its progress reported as heartbeats that renew the lease,
 * and its models saved in the transaction that finishes the job, so that
 * the job takes effect once even when its worker lost it.
 */
#include "regio/design_job.h"
#include "regio/model_view.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct beat {
    regio_store *s;
    long id;
    const char *worker;
    long lease_s;
    const volatile int *stop;
    time_t last;
    int lost, cancelled, stopped;
    regio_error err;
} beat;

/* Renews the lease with the run's progress every lease/3 seconds, but at
 * least every 2 seconds (and at most every second): the progress a server
 * shows and the time a cancel takes to arrive are those of a heartbeat.
 * Asks the run to stop when the job was cancelled, another worker took it,
 * or the caller stops. */
static int on_progress(void *ud, double fraction, const char *phase)
{
    beat *b = ud;
    if (b->stop && *b->stop) {
        b->stopped = 1;
        return 1;
    }
    time_t now = time(NULL);
    long every = b->lease_s / 3 > 2 ? 2 : b->lease_s / 3 > 1 ? b->lease_s / 3 : 1;
    if (now - b->last < every)
        return 0;
    b->last = now;
    double f = fraction >= 0 && fraction <= 1 ? 0.98 * fraction : 0;
    int cancel = 0;
    regio_err rc = regio_store_job_heartbeat(b->s, b->id, b->worker, (long long)now, b->lease_s,
                                             f, phase, &cancel, &b->err);
    if (rc == REGIO_ECONFLICT) {
        b->lost = 1;
        return 1;
    }
    /* Another failure (the store is briefly away) is not the job's end:
     * the run goes on, and if its lease runs out meanwhile, finishing it is
     * refused and nothing is written. */
    if (!rc && cancel) {
        b->cancelled = 1;
        return 1;
    }
    return 0;
}

char *regio_design_job_default_target(const char *base, int realign, long id)
{
    const char *b = base ? base : "design";
    int len = 0, chars = 0;
    while (b[len] && !(((unsigned char)b[len] & 0xc0) != 0x80 && ++chars > 80))
        len++;
    char name[400];
    snprintf(name, sizeof name, "%.*s-%s-%ld", len, b, realign ? "realign" : "design", id);
    for (char *c = name; *c; c++)
        if (*c == '/')
            *c = '-';
    return regio_strdup(name);
}

static char *error_text(regio_err rc, const regio_error *err)
{
    char buf[1024];
    regio_error_format(err, buf, sizeof buf);
    return regio_strdup(buf[0] ? buf : regio_strerror(rc));
}

/* Ends the job as st with message; ECONFLICT when the worker lost it. */
static regio_err end(regio_store *s, const regio_job_info *job, const char *worker,
                     regio_job_state st, const char *message, regio_job_state *state,
                     regio_error *err)
{
    regio_err rc = regio_store_job_finish(s, job->id, worker, st, message, NULL,
                                          (long long)time(NULL), err);
    if (!rc && state)
        *state = st;
    return rc;
}

regio_err regio_design_job_work(regio_store *s, const regio_job_info *job, const char *worker,
                                long lease_s, volatile int *stop, regio_job_state *state,
                                regio_error *err)
{
    if (state)
        *state = REGIO_JOB_RUNNING;
    if (!job || !job->kind || (strcmp(job->kind, "design") && strcmp(job->kind, "realign")))
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "a design worker does design and realign jobs only");
    regio_design_job *j = NULL;
    regio_design_problem *p = NULL;
    regio_model_view *base = NULL;
    regio_design_job_run *run = NULL;
    char *message = NULL, *result = NULL;
    regio_error e;
    regio_error_clear(&e);
    regio_err rc = regio_design_job_parse(job->params, strlen(job->params), &j, &e);
    if (!rc && strcmp(job->kind, j->realign ? "realign" : "design"))
        rc = regio_error_setf(&e, REGIO_EINVAL, NULL, 0, NULL,
                              "a %s job's parameters say \"kind\": \"%s\"", job->kind,
                              j->realign ? "realign" : "design");
    if (!rc && !j->target && !(j->target = regio_design_job_default_target(j->base, j->realign,
                                                                           job->id)))
        rc = regio_error_setf(&e, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (!rc)
        rc = regio_design_problem_load_units(s, 1, &p, &e);
    int measure = p ? regio_design_job_default_measure(p) : 0;
    if (!rc)
        rc = regio_design_job_bind(j, p, measure, &e);
    if (!rc && j->base && !j->realign)
        rc = regio_model_view_load(s, p, j->base, measure, &base, &e);
    if (!rc)
        rc = regio_design_job_settle(j, p, base, &e);
    if (!rc)
        rc = regio_design_job_prepare(s, p, measure, j, &run, &e);
    if (rc) {
        /* Bad parameters or a store that cannot give the input: the job
         * fails, saying why. */
        message = error_text(rc, &e);
        rc = end(s, job, worker, REGIO_JOB_FAILED, message, state, err);
        goto out;
    }

    beat b;
    memset(&b, 0, sizeof b);
    b.s = s;
    b.id = job->id;
    b.worker = worker;
    b.lease_s = lease_s;
    b.stop = stop;
    b.last = time(NULL);
    regio_err orc = regio_design_job_optimise(run, on_progress, &b, &e);
    if (b.lost) {
        rc = regio_error_setf(err, REGIO_ECONFLICT, NULL, 0, NULL, "%s", b.err.msg);
        goto out;
    }
    if (b.stopped) {
        /* The worker stops: the job is left running, to be taken again
         * once its lease has run out. */
        rc = regio_error_setf(err, REGIO_ECANCELLED, NULL, 0, NULL,
                              "the worker stopped during job %ld; another takes it after its "
                              "lease",
                              job->id);
        goto out;
    }
    if (b.cancelled || orc == REGIO_ECANCELLED) {
        rc = end(s, job, worker, REGIO_JOB_CANCELLED, "cancelled: nothing was saved", state, err);
        goto out;
    }
    if (orc && orc != REGIO_EINFEASIBLE) {
        message = error_text(orc, &e);
        rc = end(s, job, worker, REGIO_JOB_FAILED, message, state, err);
        goto out;
    }

    /* The models and the job's end in one transaction: when the job is no
     * longer this worker's, finishing is refused and the models go too. */
    /* A last lease for the saving; a cancel asked now comes too late, as
     * the server's runner has it. */
    rc = regio_store_job_heartbeat(s, job->id, worker, (long long)time(NULL), lease_s, 0.99,
                                   "saving", NULL, err);
    if (rc)
        goto out;
    rc = regio_store_begin(s, err);
    if (rc)
        goto out;
    regio_err src = regio_design_job_save(run, s, job->created_by && *job->created_by
                                                      ? job->created_by
                                                      : worker,
                                          REGIO_DESIGN_JOB_IN_TXN, &message, &result, &e);
    if (!src) {
        rc = regio_store_job_finish(s, job->id, worker, REGIO_JOB_DONE, message, result,
                                    (long long)time(NULL), err);
        if (!rc)
            rc = regio_store_commit(s, err);
        else
            regio_store_rollback(s, NULL);
        if (!rc && state)
            *state = REGIO_JOB_DONE;
        goto out;
    }
    /* Saving failed (a model of that name appeared meanwhile, ...): nothing
     * of it stays, and the job fails saying why. */
    regio_store_rollback(s, NULL);
    regio_free(message);
    message = error_text(src, &e);
    rc = end(s, job, worker, REGIO_JOB_FAILED, message, state, err);
out:
    regio_free(message);
    regio_free(result);
    regio_design_job_run_destroy(run);
    regio_model_view_destroy(base);
    regio_design_problem_destroy(p);
    regio_design_job_destroy(j);
    return rc;
}
