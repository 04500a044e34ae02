/*
 * The job runner behind /api/v1/jobs: a table of design and realign jobs
 * and one worker thread (started with the first job) that runs the queue in
 * order. A run reads what it needs under app->mu, optimises without it
 * (progress and cancel pass through the job under the table's mutex), then
 * saves the result as a new planning model under app->mu again; each step
 * is the library's (regio_design_job_prepare, _optimise, _save).
 * Lock order: app->mu before the table's mutex, never the other way.
 */
#include "server/jobs.h"
#include "server/render.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const STATE_NAME[] = {"queued", "running", "done", "failed", "cancelled"};

/* Guards app->jobs itself (created on first use by any handler thread). */
static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;

/* ---- the table --------------------------------------------------------------- */

void srv_job_free(job *j)
{
    if (!j)
        return;
    regio_design_job_destroy(j->dj);
    regio_free(j->actor);
    regio_free(j->message);
    json_decref(j->result);
    regio_free(j);
}

/* The app's job table, created when create is set; NULL when absent. */
srv_jobs *srv_jobs_table(srv_app *app, int create)
{
    pthread_mutex_lock(&table_mu);
    srv_jobs *J = app->jobs;
    if (!J && create) {
        J = regio_calloc(1, sizeof *J);
        if (J) {
            pthread_mutex_init(&J->mu, NULL);
            pthread_cond_init(&J->cv, NULL);
            J->next_id = 1;
            J->app = app;
            app->jobs = J;
        }
    }
    pthread_mutex_unlock(&table_mu);
    return J;
}

int srv_job_finished(const job *j)
{
    return j->state == JOB_DONE || j->state == JOB_FAILED || j->state == JOB_CANCELLED;
}

/* With J->mu held: drops the oldest finished jobs beyond KEEP_FINISHED. */
void srv_jobs_prune(srv_jobs *J)
{
    size_t n_done = 0;
    for (job *j = J->head; j; j = j->next)
        n_done += srv_job_finished(j);
    job **pp = &J->head;
    while (*pp && n_done > KEEP_FINISHED) {
        job *j = *pp;
        if (srv_job_finished(j)) {
            *pp = j->next;
            srv_job_free(j);
            n_done--;
        } else {
            pp = &j->next;
        }
    }
}

/* With J->mu held: the job of a path id, or NULL. */
job *srv_job_find(srv_jobs *J, const char *id)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(id, &end, 10);
    if (errno || end == id || *end || v <= 0)
        return NULL;
    for (job *j = J->head; j; j = j->next)
        if (j->id == v)
            return j;
    return NULL;
}

/* With J->mu held: sets a final state and message (copied, may be NULL). */
void srv_job_finish(job *j, job_state st, const char *msg, json_t *result)
{
    j->state = st;
    regio_free(j->message);
    j->message = msg ? regio_strdup(msg) : NULL;
    json_decref(j->result);
    j->result = result;
    if (st == JOB_DONE)
        j->progress = 1;
    snprintf(j->phase, sizeof j->phase, "%s", STATE_NAME[st]);
}

/* With J->mu held: the job as the API shows it; caller owns the result. */
json_t *srv_job_json(const srv_app *app, const job *j)
{
    const regio_design_job *dj = j->dj;
    char id[32], url[64];
    snprintf(id, sizeof id, "%ld", j->id);
    snprintf(url, sizeof url, "/api/v1/jobs/%ld", j->id);
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
    json_t *v = json_object();
    json_object_set_new(v, "id", json_string(id));
    json_object_set_new(v, "kind", json_string(dj->realign ? "realign" : "design"));
    json_object_set_new(v, "state", json_string(STATE_NAME[j->state]));
    json_object_set_new(v, "progress", srv_json_num(j->progress));
    json_object_set_new(v, "phase", j->phase[0] ? json_string(j->phase) : json_null());
    json_object_set_new(v, "message", srv_json_str(j->message));
    json_object_set_new(v, "model", srv_json_str(dj->base));
    json_object_set_new(v, "target", json_string(dj->target));
    json_object_set_new(v, "created_at", json_string(j->created_at));
    json_object_set_new(v, "url", json_string(url));
    json_object_set_new(v, "params", params);
    json_object_set_new(v, "result", j->result ? json_deep_copy(j->result) : json_null());
    return v;
}

/* ---- running a job ----------------------------------------------------------- */

/* The message of an error response a helper filled (caller frees). */
static char *response_message(srv_response *rs)
{
    char *msg = NULL;
    json_t *v = rs->body.len ? json_loadb(rs->body.data, rs->body.len, 0, NULL) : NULL;
    const char *m = json_string_value(json_object_get(json_object_get(v, "error"), "message"));
    msg = regio_strdup(m ? m : "the store could not be read");
    json_decref(v);
    srv_response_clear(rs);
    return msg;
}

static char *error_message(regio_err rc, const regio_error *err)
{
    char buf[1024];
    regio_error_format(err, buf, sizeof buf);
    return regio_strdup(buf[0] ? buf : regio_strerror(rc));
}

typedef struct progress_ctx {
    srv_jobs *J;
    job *j;
} progress_ctx;

static int on_progress(void *ud, double fraction, const char *phase)
{
    progress_ctx *c = ud;
    pthread_mutex_lock(&c->J->mu);
    if (isfinite(fraction))
        c->j->progress = 0.98 * (fraction < 0 ? 0 : fraction > 1 ? 1 : fraction);
    if (phase)
        snprintf(c->j->phase, sizeof c->j->phase, "%s", phase);
    int stop = c->j->cancel;
    pthread_mutex_unlock(&c->J->mu);
    return stop;
}

/* With app->mu held: forgets the cached workspaces of the models a job
 * saved (its target, or target-1 .. target-N). */
static void forget_saved(srv_app *app, const regio_design_job *dj)
{
    if (!dj->proposals) {
        srv_workspace_forget(app, dj->target);
        return;
    }
    for (int i = 1; i <= dj->proposals; i++) {
        char name[NAME_MAX_LEN + 80];
        snprintf(name, sizeof name, "%s-%d", dj->target, i);
        srv_workspace_forget(app, name);
    }
}

static void run_job(srv_jobs *J, job *j)
{
    srv_app *app = J->app;
    regio_design_job_run *run = NULL;
    regio_error err;
    regio_error_clear(&err);
    srv_response rs;
    memset(&rs, 0, sizeof rs);
    char *msg = NULL;
    pthread_mutex_lock(&app->mu);
    const regio_design_problem *p = srv_units(app, &rs);
    regio_err rc = p ? regio_design_job_prepare(app->store, p, app->default_measure, j->dj, &run,
                                                &err)
                     : REGIO_ESTORE;
    if (!p)
        msg = response_message(&rs);
    else if (rc)
        msg = error_message(rc, &err);
    pthread_mutex_unlock(&app->mu);
    if (msg) {
        pthread_mutex_lock(&J->mu);
        srv_job_finish(j, JOB_FAILED, msg, NULL);
        pthread_mutex_unlock(&J->mu);
        regio_free(msg);
        return;
    }

    /* The optimisation, without app->mu. */
    progress_ctx pc = {J, j};
    rc = regio_design_job_optimise(run, on_progress, &pc, &err);
    pthread_mutex_lock(&J->mu);
    int cancelled = j->cancel || rc == REGIO_ECANCELLED;
    if (cancelled || (rc && rc != REGIO_EINFEASIBLE)) {
        char *m = cancelled ? NULL : error_message(rc, &err);
        srv_job_finish(j, cancelled ? JOB_CANCELLED : JOB_FAILED,
                       cancelled ? "cancelled: nothing was saved" : m, NULL);
        pthread_mutex_unlock(&J->mu);
        regio_free(m);
        regio_design_job_run_destroy(run);
        return;
    }
    j->progress = 0.99;
    snprintf(j->phase, sizeof j->phase, "saving");
    pthread_mutex_unlock(&J->mu);

    /* Saving, under app->mu: new planning models, never an existing one. */
    char *done = NULL, *result = NULL;
    regio_error_clear(&err);
    pthread_mutex_lock(&app->mu);
    rc = regio_design_job_save(run, app->store, j->actor ? j->actor : "local", 0, &done, &result,
                               &err);
    forget_saved(app, j->dj);
    pthread_mutex_unlock(&app->mu);

    pthread_mutex_lock(&J->mu);
    if (rc) {
        msg = error_message(rc, &err);
        srv_job_finish(j, JOB_FAILED, msg, NULL);
    } else {
        srv_job_finish(j, JOB_DONE, done, json_loads(result, 0, NULL));
    }
    pthread_mutex_unlock(&J->mu);
    regio_free(msg);
    regio_free(done);
    regio_free(result);
    regio_design_job_run_destroy(run);
}

static void *worker(void *arg)
{
    srv_jobs *J = arg;
    pthread_mutex_lock(&J->mu);
    for (;;) {
        job *next = NULL;
        while (!J->stop) {
            for (next = J->head; next && next->state != JOB_QUEUED; next = next->next)
                ;
            if (next)
                break;
            pthread_cond_wait(&J->cv, &J->mu);
        }
        if (J->stop)
            break;
        next->state = JOB_RUNNING;
        next->progress = 0;
        snprintf(next->phase, sizeof next->phase, "starting");
        pthread_mutex_unlock(&J->mu);
        run_job(J, next);
        pthread_mutex_lock(&J->mu);
        srv_jobs_prune(J);
    }
    pthread_mutex_unlock(&J->mu);
    return NULL;
}

int srv_jobs_start(srv_jobs *J)
{
    if (J->has_thread)
        return 0;
    if (pthread_create(&J->thread, NULL, worker, J) != 0)
        return -1;
    J->has_thread = 1;
    return 0;
}

const char *srv_job_state_name(job_state st) { return STATE_NAME[st]; }

/* With J->mu held: cancels every job not finished and tells the worker to
 * stop once the running one has. */
static void stop_locked(srv_jobs *J)
{
    J->stop = 1;
    for (job *j = J->head; j; j = j->next) {
        if (j->state == JOB_QUEUED)
            srv_job_finish(j, JOB_CANCELLED, "the server stopped", NULL);
        j->cancel = 1;
    }
    pthread_cond_broadcast(&J->cv);
}

void srv_jobs_stop(srv_app *app)
{
    pthread_mutex_lock(&table_mu);
    srv_jobs *J = app->jobs;
    if (J) {
        pthread_mutex_lock(&J->mu);
        stop_locked(J);
        pthread_mutex_unlock(&J->mu);
    }
    pthread_mutex_unlock(&table_mu);
}

void srv_jobs_shutdown(srv_app *app)
{
    pthread_mutex_lock(&table_mu);
    srv_jobs *J = app->jobs;
    app->jobs = NULL;
    pthread_mutex_unlock(&table_mu);
    if (!J)
        return;
    pthread_mutex_lock(&J->mu);
    stop_locked(J);
    pthread_mutex_unlock(&J->mu);
    if (J->has_thread)
        pthread_join(J->thread, NULL);
    while (J->head) {
        job *n = J->head->next;
        srv_job_free(J->head);
        J->head = n;
    }
    pthread_cond_destroy(&J->cv);
    pthread_mutex_destroy(&J->mu);
    regio_free(J);
}

