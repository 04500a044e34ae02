/*
 * Design and realign jobs over HTTP: POST /api/v1/jobs validates a run (the
 * library's parsing, regio/design_job.h) and queues it in the store
 * (regio/jobs.h), where any server's worker thread or a `regio worker`
 * takes it; GET lists and reads the store's jobs, so every server on the
 * store shows the same; cancel goes through the store too.
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


/* ---- a stored job as the API shows it ----------------------------------------- */

/* With app->mu held: the parameters of a bound and settled job as the API
 * shows them (names, not indices); kept with the queued job. */
static json_t *params_view(const srv_app *app, const regio_design_job *dj)
{
    json_t *bal = json_array();
    const regio_design_problem *p = app->units;
    for (size_t b = 0; p && b < dj->n_balance; b++)
        json_array_append_new(bal, json_string(p->in.measure_names[dj->balance[b]]));
    json_t *params = json_pack("{s:o,s:o,s:f,s:I,s:f}", "k",
                               dj->realign ? json_null() : json_integer(dj->k), "balance", bal,
                               "tolerance", dj->tolerance, "seed", (json_int_t)dj->seed,
                               "time_limit", dj->time_limit_s);
    if (dj->tolerance_spec)
        json_object_set_new(params, "tolerance", json_string(dj->tolerance_spec));
    json_object_set_new(params, "objective",
                        json_string(dj->objective == REGIO_DESIGN_MIN_DIAMETER ? "diameter"
                                                                             : "travel"));
    json_object_set_new(params, "travel",
                        p && dj->travel_col >= 0 && (size_t)dj->travel_col < p->in.m
                            ? json_string(p->in.measure_names[dj->travel_col])
                            : json_null());
    json_object_set_new(params, "starts", dj->starts ? json_integer(dj->starts) : json_null());
    if (dj->index_weights) {
        json_t *w = json_array();
        for (size_t b = 0; b < dj->n_balance; b++)
            json_array_append_new(w, json_real(dj->index_weights[b]));
        json_object_set_new(params, "index_weights", w);
    }
    if (dj->keep_whole)
        json_object_set_new(params, "keep_whole", json_string(dj->keep_whole));
    if (dj->n_locked) {
        json_t *o = json_object();
        for (size_t l = 0; p && l < dj->n_locked; l++)
            json_object_set_new(o, p->in.unit_ids[dj->locked_units[l]],
                                json_string(dj->locked_terr[l]));
        json_object_set_new(params, "locked", o);
    }
    if (dj->capacity > 0)
        json_object_set_new(params, "capacity", json_real(dj->capacity));
    if (dj->n_homes) {
        json_t *a = json_array();
        for (size_t h = 0; h < dj->n_homes; h++)
            json_array_append_new(a, json_pack("{s:s,s:f,s:f}", "id", dj->home_ids[h], "lat",
                                               dj->home_lat[h], "lon", dj->home_lon[h]));
        json_object_set_new(params, "homes", a);
    }
    if (dj->n_targets) {
        json_t *o = json_object();
        for (size_t q = 0; q < dj->n_targets; q++)
            json_object_set_new(o, dj->target_terr[q], json_real(dj->target_share[q]));
        json_object_set_new(params, "targets", o);
    }
    if (dj->proposals)
        json_object_set_new(params, "proposals", json_integer(dj->proposals));
    if (dj->realign) {
        json_object_set_new(params, "max_moved_weight", json_real(dj->max_moved_weight));
        json_object_set_new(params, "max_moved", json_real(dj->max_moved));
        json_object_set_new(params, "reassign_reps", json_boolean(dj->reassign_reps));
    }
    return params;
}

/* The model a job saves: its "target", or the default the worker gives it
 * (regio_design_job_default_target). Caller frees. */
static char *job_target(const json_t *params, const char *kind, long id)
{
    const char *t = json_string_value(json_object_get(params, "target"));
    if (t)
        return regio_strdup(t);
    return regio_design_job_default_target(json_string_value(json_object_get(params, "model")),
                                           kind && !strcmp(kind, "realign"), id);
}

static int job_finished(regio_job_state st)
{
    return st == REGIO_JOB_DONE || st == REGIO_JOB_FAILED || st == REGIO_JOB_CANCELLED;
}

/* A stored job in the API's shape: the phase is the heartbeat's message
 * while it runs, its state once it ended; the message is the final one (or
 * that a cancel was asked for). */
static json_t *job_json(const regio_job_info *ji)
{
    char id[32], url[64], created[32];
    snprintf(id, sizeof id, "%ld", ji->id);
    snprintf(url, sizeof url, "/api/v1/jobs/%ld", ji->id);
    time_t c = (time_t)ji->created_at;
    struct tm tm;
    gmtime_r(&c, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *params = json_loads(ji->params ? ji->params : "{}", 0, NULL);
    char *target = job_target(params, ji->kind, ji->id);
    json_t *view = json_object_get(params, "_view");
    int done = job_finished(ji->state);
    const char *phase = done ? regio_job_state_name(ji->state)
                        : ji->state == REGIO_JOB_RUNNING ? (ji->message ? ji->message : "starting")
                                                         : NULL;
    const char *message = done ? ji->message
                          : ji->cancel_requested
                              ? "cancel requested; stopping at the next checkpoint"
                              : NULL;
    json_t *v = json_object();
    json_object_set_new(v, "id", json_string(id));
    json_object_set_new(v, "kind", srv_json_str(ji->kind));
    json_object_set_new(v, "state", json_string(regio_job_state_name(ji->state)));
    json_object_set_new(v, "progress", srv_json_num(ji->progress));
    json_object_set_new(v, "phase", srv_json_str(phase));
    json_object_set_new(v, "message", srv_json_str(message));
    json_object_set_new(v, "model", srv_json_str(json_string_value(json_object_get(params,
                                                                                   "model"))));
    json_object_set_new(v, "target", srv_json_str(target));
    json_object_set_new(v, "created_at", json_string(created));
    json_object_set_new(v, "url", json_string(url));
    json_object_set_new(v, "params", view ? json_deep_copy(view) : json_object());
    json_t *result = ji->result ? json_loads(ji->result, 0, NULL) : NULL;
    json_object_set_new(v, "result", result ? result : json_null());
    regio_free(target);
    json_decref(params);
    return v;
}

/* The jobs of the store (design and realign), in the API's shape. */
typedef struct listing {
    json_t *arr;       /* oldest first */
    size_t n_finished;
    json_t *one;       /* a single job asked for */
    regio_job_state state;
    int saving;
} listing;

static int is_design_kind(const char *kind)
{
    return kind && (!strcmp(kind, "design") || !strcmp(kind, "realign"));
}

static int list_cb(void *ud, const regio_job_info *ji)
{
    listing *l = ud;
    if (!is_design_kind(ji->kind))
        return 0;
    /* Newest first from the store: the newest KEEP_FINISHED finished jobs
     * and every unfinished one, shown oldest first as before. */
    if (job_finished(ji->state) && ++l->n_finished > KEEP_FINISHED)
        return 0;
    json_array_insert_new(l->arr, 0, job_json(ji));
    return 0;
}

static int one_cb(void *ud, const regio_job_info *ji)
{
    listing *l = ud;
    if (!is_design_kind(ji->kind))
        return 0;
    json_decref(l->one);
    l->one = job_json(ji);
    l->state = ji->state;
    l->saving = ji->state == REGIO_JOB_RUNNING && ji->message && !strcmp(ji->message, "saving");
    return 0;
}

/* The job id of a path, or 0. */
static long path_id(const char *id)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(id, &end, 10);
    return errno || end == id || *end || v <= 0 ? 0 : v;
}

/* With app->mu held: job id into l->one (NULL when there is none); 0, or
 * -1 with rs filled. */
static int read_job(srv_app *app, long id, listing *l, srv_response *rs)
{
    memset(l, 0, sizeof *l);
    if (!id)
        return 0;
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = regio_store_jobs_foreach(app->store, id, one_cb, l, &err);
    if (rc == REGIO_ENOTFOUND)
        return 0;
    if (rc) {
        json_decref(l->one);
        l->one = NULL;
        srv_reply_regio_error(rs, rc, &err);
        return -1;
    }
    return 0;
}

/* ---- models a queued job will write -------------------------------------------- */

typedef struct pending {
    const char *name;
    long self; /* the job being queued, not counted */
    int hit;
} pending;

static int pending_cb(void *ud, const regio_job_info *ji)
{
    pending *p = ud;
    if (!is_design_kind(ji->kind) || job_finished(ji->state) || p->hit || ji->id == p->self)
        return 0;
    json_t *params = json_loads(ji->params ? ji->params : "{}", 0, NULL);
    char *t = job_target(params, ji->kind, ji->id);
    json_int_t props = json_integer_value(json_object_get(params, "proposals"));
    if (t && !strcmp(t, p->name))
        p->hit = 1;
    for (json_int_t i = 1; t && !p->hit && i <= props && i <= 1000; i++) {
        char each[NAME_MAX_LEN + 80];
        snprintf(each, sizeof each, "%s-%d", t, (int)i);
        p->hit = !strcmp(each, p->name);
    }
    regio_free(t);
    json_decref(params);
    return 0;
}

/* With app->mu held: 1 when a queued or running job of the store writes
 * that model (or the store cannot say). */
static int target_pending(srv_app *app, const char *name, long self)
{
    pending p = {name, self, 0};
    regio_error err;
    regio_error_clear(&err);
    return regio_store_jobs_foreach(app->store, 0, pending_cb, &p, &err) ? 1 : p.hit;
}

/* With app->mu held: 1 when the model name, or with proposals one of
 * NAME-1..NAME-N that the job saves, exists or is being written by a job
 * other than self. */
static int target_taken(srv_app *app, const regio_design_job *dj, const char *name, long self)
{
    if (model_exists(app, name) || target_pending(app, name, self))
        return 1;
    for (int i = 1; i <= dj->proposals; i++) {
        char each[NAME_MAX_LEN + 80];
        snprintf(each, sizeof each, "%s-%d", name, i);
        if (model_exists(app, each) || target_pending(app, each, self))
            return 1;
    }
    return 0;
}

static regio_err enqueue_text(srv_app *app, const regio_design_job *dj, json_t *body,
                              const char *actor, long *id, regio_error *err)
{
    char *text = json_dumps(body, JSON_COMPACT);
    if (!text)
        return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    regio_err rc = regio_store_job_enqueue(app->store, dj->realign ? "realign" : "design", text,
                                           actor, (long long)time(NULL), id, err);
    free(text); /* Jansson's */
    return rc;
}

/*
 * With app->mu held: queues the job. Without a "target", the worker names
 * its model after the job's id (regio_design_job_default_target): the job
 * is queued in a transaction that is kept only when that name is free.
 * When it is not (a model of an earlier server's numbering has it), the
 * job is queued with the first free default name of a later number as its
 * "target", as the server's own numbering did. REGIO_ECONFLICT when no
 * name is free.
 */
static regio_err enqueue_job(srv_app *app, const regio_design_job *dj, json_t *body,
                             const char *actor, long *id, regio_error *err)
{
    if (dj->target)
        return enqueue_text(app, dj, body, actor, id, err);
    regio_err rc = regio_store_begin(app->store, err);
    if (!rc)
        rc = enqueue_text(app, dj, body, actor, id, err);
    if (rc) {
        regio_store_rollback(app->store, NULL);
        return rc;
    }
    char *name = regio_design_job_default_target(dj->base, dj->realign, *id);
    if (name && !target_taken(app, dj, name, *id)) {
        regio_free(name);
        return regio_store_commit(app->store, err);
    }
    regio_free(name);
    regio_store_rollback(app->store, NULL);
    for (long k = *id + 1; k <= *id + 1000; k++) {
        if (!(name = regio_design_job_default_target(dj->base, dj->realign, k)))
            return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
        int taken = target_taken(app, dj, name, 0);
        if (!taken)
            json_object_set_new(body, "target", json_string(name));
        regio_free(name);
        if (!taken)
            return enqueue_text(app, dj, body, actor, id, err);
    }
    return regio_error_setf(err, REGIO_ECONFLICT, NULL, 0, NULL,
                            "no free default model name: give \"target\"");
}

/* ---- handlers ------------------------------------------------------------------ */

SRV_HANDLER(api_job_create)
{
    json_t *body = srv_body_json(rq, rs);
    if (!body)
        return;
    char *text = json_dumps(body, JSON_COMPACT);
    regio_design_job *dj = NULL;
    if (!text) {
        srv_reply_error(rs, 500, "internal", "out of memory");
        json_decref(body);
        return;
    }
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = regio_design_job_parse(text, strlen(text), &dj, &err);
    free(text); /* Jansson's */
    if (rc) {
        reply_refused(rs, rc, &err);
        json_decref(body);
        return;
    }

    pthread_mutex_lock(&app->mu);
    const regio_design_problem *p = srv_units(app, rs);
    if (!p)
        goto unlock;
    if ((rc = regio_design_job_bind(dj, p, app->default_measure, &err))) {
        reply_refused(rs, rc, &err);
        goto unlock;
    }
    const regio_model_view *base = NULL;
    if (dj->base) {
        srv_workspace *w = srv_workspace_get(app, dj->base, rs);
        if (!w)
            goto unlock;
        base = w->v;
    }
    if ((rc = regio_design_job_settle(dj, p, base, &err))) {
        reply_refused(rs, rc, &err);
        goto unlock;
    }
    if (dj->target && target_taken(app, dj, dj->target, 0)) {
        srv_reply_error(rs, 409, "conflict",
                        "model '%s' already exists (or a job is writing it): choose another "
                        "\"target\"",
                        dj->target);
        goto unlock;
    }
    /* The body as posted, with the parameters as the API shows them (its
     * settled k, its measures by name) kept beside it for GET; without a
     * "target", the worker names the model after the job's id. */
    json_object_set_new(body, "_view", params_view(app, dj));
    long id = 0;
    regio_error_clear(&err);
    rc = enqueue_job(app, dj, body, rq->actor ? rq->actor : "local", &id, &err);
    if (rc == REGIO_ECONFLICT) {
        srv_reply_error(rs, 409, "conflict", "%s", err.msg);
        goto unlock;
    }
    if (rc) {
        srv_reply_regio_error(rs, rc, &err);
        goto unlock;
    }
    listing l;
    if (read_job(app, id, &l, rs))
        goto unlock;
    pthread_mutex_unlock(&app->mu);
    if (!l.one) {
        srv_reply_error(rs, 500, "internal", "job %ld was queued but cannot be read back", id);
    } else {
        char url[64];
        snprintf(url, sizeof url, "/api/v1/jobs/%ld", id);
        srv_reply_header(rs, "Location", url);
        srv_reply_json(rs, 202, l.one);
    }
    goto out;
unlock:
    pthread_mutex_unlock(&app->mu);
out:
    json_decref(body);
    regio_design_job_destroy(dj);
}

SRV_HANDLER(api_jobs_list)
{
    (void)rq;
    listing l;
    memset(&l, 0, sizeof l);
    l.arr = json_array();
    regio_error err;
    regio_error_clear(&err);
    pthread_mutex_lock(&app->mu);
    regio_err rc = regio_store_jobs_foreach(app->store, 0, list_cb, &l, &err);
    pthread_mutex_unlock(&app->mu);
    if (rc) {
        json_decref(l.arr);
        srv_reply_regio_error(rs, rc, &err);
        return;
    }
    srv_reply_json(rs, 200, json_pack("{s:o}", "jobs", l.arr));
}

SRV_HANDLER(api_job_get)
{
    listing l;
    pthread_mutex_lock(&app->mu);
    int bad = read_job(app, path_id(rq->params[0]), &l, rs);
    pthread_mutex_unlock(&app->mu);
    if (bad)
        return;
    if (l.one)
        srv_reply_json(rs, 200, l.one);
    else
        srv_reply_error(rs, 404, "not_found", "no job '%s'", rq->params[0]);
}

SRV_HANDLER(api_job_cancel)
{
    long id = path_id(rq->params[0]);
    listing l;
    pthread_mutex_lock(&app->mu);
    if (read_job(app, id, &l, rs)) {
        pthread_mutex_unlock(&app->mu);
        return;
    }
    if (!l.one) {
        pthread_mutex_unlock(&app->mu);
        srv_reply_error(rs, 404, "not_found", "no job '%s'", rq->params[0]);
        return;
    }
    if (job_finished(l.state) || l.saving) {
        pthread_mutex_unlock(&app->mu);
        json_decref(l.one);
        srv_reply_error(rs, 409, "conflict", "job %s is already %s", rq->params[0],
                        l.saving || l.state == REGIO_JOB_DONE ? "done or saving its result"
                                                              : regio_job_state_name(l.state));
        return;
    }
    json_decref(l.one);
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = regio_store_job_cancel(app->store, id, rq->actor ? rq->actor : "local",
                                          (long long)time(NULL), NULL, &err);
    if (!rc && read_job(app, id, &l, rs))
        rc = REGIO_ESTORE; /* rs filled */
    else if (rc)
        srv_reply_regio_error(rs, rc, &err);
    pthread_mutex_unlock(&app->mu);
    if (!rc && l.one)
        srv_reply_json(rs, 200, l.one);
    else if (!rc)
        srv_reply_error(rs, 404, "not_found", "no job '%s'", rq->params[0]);
}
