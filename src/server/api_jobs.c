/*
 * Design and realign jobs over HTTP: POST /api/v1/jobs validates a run (the
 * library's parsing, regio/design_job.h) and queues it on the runner
 * (jobs.c); GET lists and reads jobs; cancel asks a running job to stop.
 * Lock order: app->mu before the table's mutex.
 */
#include "server/handlers.h"
#include "server/jobs.h"
#include "server/render.h"
#include "regio/design_opts.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- handlers ------------------------------------------------------------------ */

/* The reply to a job the library refused: 400 for bad parameters (the
 * library's message, naming the field), 422 for a base model that cannot
 * be realigned, 500 otherwise. */
static void reply_refused(srv_response *rs, regio_err rc, const regio_error *err)
{
    if (rc == REGIO_EINVAL || rc == REGIO_EPARSE)
        srv_reply_error(rs, 400, "bad_request", "%s", err->msg);
    else if (rc == REGIO_EDATA)
        srv_reply_error(rs, 422, "unprocessable", "%s", err->msg);
    else if (rc == REGIO_ENOMEM)
        srv_reply_error(rs, 500, "internal", "out of memory");
    else
        srv_reply_regio_error(rs, rc, err);
}

/* With app->mu held: 1 when a model of that name exists (or the check fails). */
static int model_exists(srv_app *app, const char *name)
{
    regio_model_info mi;
    memset(&mi, 0, sizeof mi);
    regio_error err;
    regio_err rc = regio_store_model_find(app->store, name, &mi, &err);
    regio_model_info_clear(&mi);
    return rc != REGIO_ENOTFOUND;
}

/* With J->mu held: 1 when a queued or running job writes that model. */
static int target_pending(const srv_jobs *J, const char *name)
{
    for (const job *o = J->head; o; o = o->next)
        if (!srv_job_finished(o) && !strcmp(o->dj->target, name))
            return 1;
    return 0;
}

/* With app->mu and J->mu held: 1 when the model name, or with proposals
 * one of NAME-1..NAME-N that the job saves, exists or is being written. */
static int target_taken(srv_app *app, const srv_jobs *J, const job *j, const char *name)
{
    if (model_exists(app, name) || target_pending(J, name))
        return 1;
    for (int i = 1; i <= j->dj->proposals; i++) {
        char each[NAME_MAX_LEN + 80];
        snprintf(each, sizeof each, "%s-%d", name, i);
        if (model_exists(app, each) || target_pending(J, each))
            return 1;
    }
    return 0;
}

/* With app->mu and J->mu held: assigns j's id and, unless the body named
 * it, its target (default names skip ids whose model exists). 0 and rs
 * filled on a conflict. */
static int assign_target(srv_app *app, srv_jobs *J, job *j, srv_response *rs)
{
    const char *base = j->dj->base, *target = j->dj->target;
    if (target) {
        if (target_taken(app, J, j, target)) {
            srv_reply_error(rs, 409, "conflict",
                            "model '%s' already exists (or a job is writing it): choose another "
                            "\"target\"",
                            target);
            return 0;
        }
        j->id = J->next_id++;
        return 1;
    }
    for (int tries = 0; tries < 1000; tries++) {
        /* The base's first 80 characters: the name stays within the
         * library's 100 (regio_model_name_check). */
        const char *b = base ? base : "design";
        int len = 0, chars = 0;
        while (b[len] && !(((unsigned char)b[len] & 0xc0) != 0x80 && ++chars > 80))
            len++;
        char name[NAME_MAX_LEN + 64];
        snprintf(name, sizeof name, "%.*s-%s-%ld", len, b, j->dj->realign ? "realign" : "design",
                 J->next_id);
        for (char *c = name; *c; c++)
            if (*c == '/')
                *c = '-'; /* a default name stays addressable in a URL */
        if (target_taken(app, J, j, name)) {
            J->next_id++;
            continue;
        }
        j->id = J->next_id++;
        j->dj->target = regio_strdup(name);
        return j->dj->target != NULL;
    }
    srv_reply_error(rs, 409, "conflict", "no free default model name: give \"target\"");
    return 0;
}

SRV_HANDLER(api_job_create)
{
    json_t *body = srv_body_json(rq, rs);
    if (!body)
        return;
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    job *j = regio_calloc(1, sizeof *j);
    if (!j || !text) {
        srv_reply_error(rs, 500, "internal", "out of memory");
        regio_free(j);
        free(text);
        return;
    }
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = regio_design_job_parse(text, strlen(text), &j->dj, &err);
    free(text); /* Jansson's */
    if (rc) {
        reply_refused(rs, rc, &err);
        goto fail;
    }
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(j->created_at, sizeof j->created_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!(j->actor = regio_strdup(rq->actor ? rq->actor : "local"))) {
        srv_reply_error(rs, 500, "internal", "out of memory");
        goto fail;
    }

    pthread_mutex_lock(&app->mu);
    const regio_design_problem *p = srv_units(app, rs);
    if (!p)
        goto unlock;
    if ((rc = regio_design_job_bind(j->dj, p, app->default_measure, &err))) {
        reply_refused(rs, rc, &err);
        goto unlock;
    }
    const regio_model_view *base = NULL;
    if (j->dj->base) {
        srv_workspace *w = srv_workspace_get(app, j->dj->base, rs);
        if (!w)
            goto unlock;
        base = w->v;
    }
    if ((rc = regio_design_job_settle(j->dj, p, base, &err))) {
        reply_refused(rs, rc, &err);
        goto unlock;
    }
    srv_jobs *J = srv_jobs_table(app, 1);
    if (!J) {
        srv_reply_error(rs, 500, "internal", "out of memory");
        goto unlock;
    }
    pthread_mutex_lock(&J->mu);
    if (!assign_target(app, J, j, rs)) {
        if (!rs->status)
            srv_reply_error(rs, 500, "internal", "out of memory");
        pthread_mutex_unlock(&J->mu);
        goto unlock;
    }
    if (srv_jobs_start(J)) {
        pthread_mutex_unlock(&J->mu);
        srv_reply_error(rs, 500, "internal", "cannot start the job thread");
        goto unlock;
    }
    j->state = JOB_QUEUED;
    job **pp = &J->head;
    while (*pp)
        pp = &(*pp)->next;
    *pp = j;
    srv_jobs_prune(J);
    json_t *v = srv_job_json(app, j);
    char url[64];
    snprintf(url, sizeof url, "/api/v1/jobs/%ld", j->id);
    pthread_cond_signal(&J->cv);
    pthread_mutex_unlock(&J->mu);
    pthread_mutex_unlock(&app->mu);
    srv_reply_header(rs, "Location", url);
    srv_reply_json(rs, 202, v);
    return;
unlock:
    pthread_mutex_unlock(&app->mu);
fail:
    srv_job_free(j);
}

SRV_HANDLER(api_jobs_list)
{
    (void)rq;
    json_t *arr = json_array();
    srv_jobs *J = srv_jobs_table(app, 0);
    if (J) {
        pthread_mutex_lock(&J->mu);
        for (job *j = J->head; j; j = j->next)
            json_array_append_new(arr, srv_job_json(app, j));
        pthread_mutex_unlock(&J->mu);
    }
    srv_reply_json(rs, 200, json_pack("{s:o}", "jobs", arr));
}

SRV_HANDLER(api_job_get)
{
    srv_jobs *J = srv_jobs_table(app, 0);
    json_t *v = NULL;
    if (J) {
        pthread_mutex_lock(&J->mu);
        job *j = srv_job_find(J, rq->params[0]);
        if (j)
            v = srv_job_json(app, j);
        pthread_mutex_unlock(&J->mu);
    }
    if (v)
        srv_reply_json(rs, 200, v);
    else
        srv_reply_error(rs, 404, "not_found", "no job '%s'", rq->params[0]);
}

SRV_HANDLER(api_job_cancel)
{
    srv_jobs *J = srv_jobs_table(app, 0);
    json_t *v = NULL;
    job_state st = JOB_QUEUED;
    int found = 0;
    if (J) {
        pthread_mutex_lock(&J->mu);
        job *j = srv_job_find(J, rq->params[0]);
        if (j) {
            found = 1;
            st = j->state;
            if (st == JOB_QUEUED) {
                srv_job_finish(j, JOB_CANCELLED, "cancelled before it started", NULL);
            } else if (st == JOB_RUNNING && !strcmp(j->phase, "saving")) {
                st = JOB_DONE; /* too late: the result is being written */
            } else if (st == JOB_RUNNING) {
                j->cancel = 1;
                regio_free(j->message);
                j->message = regio_strdup("cancel requested; stopping at the next checkpoint");
            }
            if ((!srv_job_finished(j) && st != JOB_DONE) || st == JOB_QUEUED)
                v = srv_job_json(app, j);
        }
        pthread_mutex_unlock(&J->mu);
    }
    if (!found)
        srv_reply_error(rs, 404, "not_found", "no job '%s'", rq->params[0]);
    else if (!v)
        srv_reply_error(rs, 409, "conflict", "job %s is already %s", rq->params[0],
                        st == JOB_DONE && !v ? "done or saving its result" : srv_job_state_name(st));
    else
        srv_reply_json(rs, 200, v);
}
