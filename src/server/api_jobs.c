/*
 * Design and realign jobs. POST /api/v1/jobs validates a run and queues
 * it; one worker thread (started with the first job) runs the queue in
 * order. A run copies what it needs under app->mu, optimises without it
 * (progress and cancel pass through the job under the table's mutex),
 * then saves the result as a new planning model under app->mu again.
 * Lock order: app->mu before the table's mutex, never the other way.
 */
#include "server/handlers.h"
#include "server/jobs.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TIME_LIMIT_DEFAULT_S 30.0
#define TIME_LIMIT_MAX_S 600.0
/* Finished jobs kept for GET; older ones are dropped. */
#define KEEP_FINISHED 100
/* Longest model name a job accepts. */
#define NAME_MAX_LEN 200
/* Longest message built from the run's diagnostics. */
#define MESSAGE_MAX 2000

typedef enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED, JOB_CANCELLED } job_state;

static const char *const STATE_NAME[] = {"queued", "running", "done", "failed", "cancelled"};

typedef struct job {
    /* set at creation, read only afterwards */
    long id;
    int realign;
    char *base;          /* base model, or NULL (design from scratch) */
    char *target;        /* planning model the result is saved as */
    int k;               /* design: territories */
    int *balance;        /* measure indices */
    size_t n_balance;
    double tolerance, time_limit_s, max_moved;
    uint64_t seed;
    char *actor;
    char created_at[32];
    /* guarded by srv_jobs.mu */
    job_state state;
    int cancel;          /* 1 once a cancel was asked for */
    double progress;     /* 0..1 */
    char phase[32];
    char *message;
    json_t *result;      /* {"model","summary","diagnostics"} once done */
    struct job *next;
} job;

struct srv_jobs {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    job *head;           /* creation order */
    long next_id;
    int has_thread;
    int stop;
    pthread_t thread;
    srv_app *app;
};

/* Guards app->jobs itself (created on first use by any handler thread). */
static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;

/* ---- the table --------------------------------------------------------------- */

static void job_free(job *j)
{
    if (!j)
        return;
    regio_free(j->base);
    regio_free(j->target);
    regio_free(j->balance);
    regio_free(j->actor);
    regio_free(j->message);
    json_decref(j->result);
    regio_free(j);
}

/* The app's job table, created when create is set; NULL when absent. */
static srv_jobs *jobs_table(srv_app *app, int create)
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

static int finished(const job *j)
{
    return j->state == JOB_DONE || j->state == JOB_FAILED || j->state == JOB_CANCELLED;
}

/* With J->mu held: drops the oldest finished jobs beyond KEEP_FINISHED. */
static void prune(srv_jobs *J)
{
    size_t n_done = 0;
    for (job *j = J->head; j; j = j->next)
        n_done += finished(j);
    job **pp = &J->head;
    while (*pp && n_done > KEEP_FINISHED) {
        job *j = *pp;
        if (finished(j)) {
            *pp = j->next;
            job_free(j);
            n_done--;
        } else {
            pp = &j->next;
        }
    }
}

/* With J->mu held: the job of a path id, or NULL. */
static job *find_job(srv_jobs *J, const char *id)
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
static void job_finish(job *j, job_state st, const char *msg, json_t *result)
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

static json_t *num_or_null(double v) { return isfinite(v) ? json_real(v) : json_null(); }

/* With J->mu held: the job as the API shows it; caller owns the result. */
static json_t *job_json(const srv_app *app, const job *j)
{
    char id[32], url[64];
    snprintf(id, sizeof id, "%ld", j->id);
    snprintf(url, sizeof url, "/api/v1/jobs/%ld", j->id);
    json_t *bal = json_array();
    const regio_design_problem *p = app->units;
    for (size_t b = 0; p && b < j->n_balance; b++)
        json_array_append_new(bal, json_string(p->in.measure_names[j->balance[b]]));
    json_t *params = json_pack("{s:o,s:o,s:f,s:I,s:f}", "k",
                               j->realign ? json_null() : json_integer(j->k), "balance", bal,
                               "tolerance", j->tolerance, "seed", (json_int_t)j->seed,
                               "time_limit", j->time_limit_s);
    if (j->realign)
        json_object_set_new(params, "max_moved", json_real(j->max_moved));
    json_t *v = json_object();
    json_object_set_new(v, "id", json_string(id));
    json_object_set_new(v, "kind", json_string(j->realign ? "realign" : "design"));
    json_object_set_new(v, "state", json_string(STATE_NAME[j->state]));
    json_object_set_new(v, "progress", num_or_null(j->progress));
    json_object_set_new(v, "phase", j->phase[0] ? json_string(j->phase) : json_null());
    json_object_set_new(v, "message", j->message ? json_string(j->message) : json_null());
    json_object_set_new(v, "model", j->base ? json_string(j->base) : json_null());
    json_object_set_new(v, "target", json_string(j->target));
    json_object_set_new(v, "created_at", json_string(j->created_at));
    json_object_set_new(v, "url", json_string(url));
    json_object_set_new(v, "params", params);
    json_object_set_new(v, "result", j->result ? json_deep_copy(j->result) : json_null());
    return v;
}

/* ---- running a job ----------------------------------------------------------- */

/* One territory of the base model (realign keeps names and hierarchy). */
typedef struct terr_info {
    char *id, *name, *parent;
} terr_info;

/* What a run copies under app->mu. */
typedef struct run_input {
    const regio_design_problem *p; /* app->units: valid until the app closes */
    int k;
    char **names;                  /* k territory ids */
    int *baseline;                 /* realign: n labels 0..k-1 */
    int *locked;                   /* realign: n, -1 free; NULL when none is locked */
    terr_info *terr;               /* realign: every territory of the base model */
    size_t n_terr, cap_terr;
} run_input;

static void run_input_free(run_input *in)
{
    for (int t = 0; in->names && t < in->k; t++)
        regio_free(in->names[t]);
    regio_free(in->names);
    regio_free(in->baseline);
    regio_free(in->locked);
    for (size_t i = 0; i < in->n_terr; i++) {
        regio_free(in->terr[i].id);
        regio_free(in->terr[i].name);
        regio_free(in->terr[i].parent);
    }
    regio_free(in->terr);
    memset(in, 0, sizeof *in);
}

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

static int collect_territory(void *ud, const regio_territory_info *ti)
{
    run_input *in = ud;
    if (in->n_terr == in->cap_terr) {
        size_t cap = in->cap_terr ? 2 * in->cap_terr : 32;
        terr_info *nt = regio_realloc(in->terr, cap * sizeof *nt);
        if (!nt)
            return 1;
        in->terr = nt;
        in->cap_terr = cap;
    }
    terr_info *t = &in->terr[in->n_terr++];
    t->id = regio_strdup(ti->id);
    t->name = regio_strdup(ti->name);
    t->parent = regio_strdup(ti->parent);
    return !t->id || (ti->name && !t->name) || (ti->parent && !t->parent);
}

/* Default territory names of a design: T01, T02, ... (as the library's). */
static char **design_names(int k)
{
    char **names = regio_calloc((size_t)k, sizeof *names);
    int width = k >= 100 ? 3 : 2;
    for (int t = 0; names && t < k; t++) {
        char name[32];
        snprintf(name, sizeof name, "T%0*d", width, t + 1);
        if (!(names[t] = regio_strdup(name))) {
            for (int u = 0; u < t; u++)
                regio_free(names[u]);
            regio_free(names);
            return NULL;
        }
    }
    return names;
}

/*
 * With app->mu held: copies the problem pointer and, for a realign, the
 * base model's labels (territories with units only, in id order), locks
 * and territory records. Returns an error message (caller frees) or NULL.
 */
static char *copy_input(srv_app *app, const job *j, run_input *in)
{
    srv_response rs;
    memset(&rs, 0, sizeof rs);
    memset(in, 0, sizeof *in);
    if (!(in->p = srv_units(app, &rs)))
        return response_message(&rs);
    if (!j->realign) {
        in->k = j->k;
        in->names = design_names(j->k);
        return in->names ? NULL : regio_strdup("out of memory");
    }
    srv_workspace *w = srv_workspace_get(app, j->base, &rs);
    if (!w)
        return response_message(&rs);
    size_t n = in->p->in.n;
    int *map = regio_malloc((size_t)(w->k ? w->k : 1) * sizeof *map);
    in->baseline = regio_malloc((n ? n : 1) * sizeof *in->baseline);
    in->names = regio_calloc((size_t)(w->k ? w->k : 1), sizeof *in->names);
    if (!map || !in->baseline || !in->names) {
        regio_free(map);
        return regio_strdup("out of memory");
    }
    for (int t = 0; t < w->k; t++)
        map[t] = -1;
    size_t unaligned = 0, n_locked = 0;
    for (size_t i = 0; i < n; i++) {
        if (w->labels[i] < 0)
            unaligned++;
        else
            map[w->labels[i]] = 0;
        n_locked += w->locked[i] != 0;
    }
    if (unaligned) {
        regio_free(map);
        char msg[256];
        snprintf(msg, sizeof msg,
                 "model '%s' leaves %zu units without a territory: a realign starts from a "
                 "complete alignment",
                 j->base, unaligned);
        return regio_strdup(msg);
    }
    /* Territories without units (parents in a hierarchy) are not labels. */
    for (int t = 0; t < w->k; t++)
        if (map[t] == 0) {
            map[t] = in->k;
            if (!(in->names[in->k++] = regio_strdup(w->territory[t]))) {
                regio_free(map);
                return regio_strdup("out of memory");
            }
        }
    for (size_t i = 0; i < n; i++)
        in->baseline[i] = map[w->labels[i]];
    regio_free(map);
    if (n_locked) {
        if (!(in->locked = regio_malloc(n * sizeof *in->locked)))
            return regio_strdup("out of memory");
        for (size_t i = 0; i < n; i++)
            in->locked[i] = w->locked[i] ? in->baseline[i] : -1;
    }
    regio_error err;
    regio_error_clear(&err);
    regio_err rc =
        regio_store_territories_foreach(app->store, j->base, collect_territory, in, &err);
    if (rc == REGIO_ECANCELLED)
        return regio_strdup("out of memory reading the territories");
    return rc ? error_message(rc, &err) : NULL;
}

static const terr_info *terr_find(const run_input *in, const char *id)
{
    for (size_t i = 0; id && i < in->n_terr; i++)
        if (!strcmp(in->terr[i].id, id))
            return &in->terr[i];
    return NULL;
}

/*
 * With app->mu held, after the save: gives the realigned model the base
 * model's territory names and hierarchy (parents first, so every parent
 * exists when its children point to it).
 */
static regio_err copy_hierarchy(srv_app *app, const job *j, const run_input *in,
                                regio_error *err)
{
    size_t nt = in->n_terr;
    if (!nt)
        return REGIO_OK;
    /* needed: territories with units and all their ancestors */
    unsigned char *need = regio_calloc(nt, 1), *done = regio_calloc(nt, 1);
    if (!need || !done) {
        regio_free(need);
        regio_free(done);
        return REGIO_ENOMEM;
    }
    for (int t = 0; t < in->k; t++) {
        const terr_info *ti = terr_find(in, in->names[t]);
        for (int depth = 0; ti && depth < 32; depth++) {
            need[ti - in->terr] = 1;
            ti = terr_find(in, ti->parent);
        }
    }
    regio_err rc = REGIO_OK;
    for (int progress = 1; progress && !rc;) {
        progress = 0;
        for (size_t i = 0; i < nt && !rc; i++) {
            if (!need[i] || done[i])
                continue;
            const terr_info *par = terr_find(in, in->terr[i].parent);
            if (par && !done[par - in->terr])
                continue;
            rc = regio_store_territory_upsert(app->store, j->target, in->terr[i].id,
                                              in->terr[i].name ? in->terr[i].name
                                                               : in->terr[i].id,
                                              par ? par->id : NULL, err);
            done[i] = 1;
            progress = 1;
        }
    }
    regio_free(need);
    regio_free(done);
    return rc;
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

/* The result object of a finished run; caller owns it. */
static json_t *result_json(const job *j, const run_input *in, const regio_design_result *res)
{
    const regio_design_report *r = &res->report;
    json_t *bal = json_object();
    for (size_t b = 0; b < j->n_balance; b++) {
        int c = j->balance[b];
        json_object_set_new(bal, in->p->in.measure_names[c],
                            (size_t)c < r->m ? num_or_null(r->balance[c]) : json_null());
    }
    json_t *summary = json_pack("{s:o,s:o,s:i,s:i,s:i,s:o,s:i,s:b}", "balance", bal, "travel_km",
                                num_or_null(r->travel_km), "non_contiguous", r->n_noncontiguous,
                                "empty", r->n_empty, "territories", in->k, "seconds",
                                num_or_null(res->seconds), "starts", res->starts_done,
                                "stopped_by_time", res->stopped_by_time);
    if (r->has_baseline) {
        json_object_set_new(summary, "moved_units", json_integer((json_int_t)r->moved_units));
        json_object_set_new(summary, "moved_share", num_or_null(r->moved_units_share));
    }
    json_t *diag = json_array();
    for (size_t i = 0; i < res->n_diagnostics; i++)
        json_array_append_new(diag, json_string(res->diagnostics[i]));
    return json_pack("{s:s,s:o,s:o}", "model", j->target, "summary", summary, "diagnostics",
                     diag);
}

/* The message of a best effort that misses a constraint. */
static char *infeasible_message(const regio_design_result *res)
{
    regio__buf b;
    regio__buf_init(&b, MESSAGE_MAX);
    regio__buf_puts(&b, "not every constraint could be met; best effort saved");
    for (size_t i = 0; i < res->n_diagnostics; i++)
        if (regio__buf_printf(&b, "%s %s", i ? ";" : ":", res->diagnostics[i]))
            break;
    char *msg = regio_strdup(b.data ? b.data : "not every constraint could be met");
    regio__buf_free(&b);
    return msg;
}

static void run_job(srv_jobs *J, job *j)
{
    srv_app *app = J->app;
    run_input in;
    pthread_mutex_lock(&app->mu);
    char *msg = copy_input(app, j, &in);
    pthread_mutex_unlock(&app->mu);
    if (msg) {
        pthread_mutex_lock(&J->mu);
        job_finish(j, JOB_FAILED, msg, NULL);
        pthread_mutex_unlock(&J->mu);
        regio_free(msg);
        run_input_free(&in);
        return;
    }

    /* The optimisation, without app->mu. */
    regio_design_params prm;
    regio_design_params_init(&prm);
    prm.k = in.k;
    prm.balance_cols = j->balance;
    prm.n_balance = j->n_balance;
    prm.tolerance = j->tolerance;
    prm.seed = j->seed;
    prm.time_limit_s = j->time_limit_s;
    if (j->realign) {
        prm.realign = 1;
        prm.baseline = in.baseline;
        prm.locked = in.locked;
        prm.max_moved_units = j->max_moved;
    }
    progress_ctx pc = {J, j};
    prm.progress = on_progress;
    prm.progress_ud = &pc;
    regio_design_result res;
    memset(&res, 0, sizeof res);
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = regio_design_run(&in.p->in, &prm, &res, &err);

    pthread_mutex_lock(&J->mu);
    int cancelled = j->cancel || rc == REGIO_ECANCELLED;
    if (cancelled || (rc && rc != REGIO_EINFEASIBLE)) {
        char *m = cancelled ? NULL : error_message(rc, &err);
        job_finish(j, cancelled ? JOB_CANCELLED : JOB_FAILED,
                   cancelled ? "cancelled: nothing was saved" : m, NULL);
        pthread_mutex_unlock(&J->mu);
        regio_free(m);
        regio_design_result_free(&res);
        run_input_free(&in);
        return;
    }
    j->progress = 0.99;
    snprintf(j->phase, sizeof j->phase, "saving");
    pthread_mutex_unlock(&J->mu);

    /* Saving, under app->mu: a new planning model, never an existing one. */
    pthread_mutex_lock(&app->mu);
    regio_model_info mi;
    memset(&mi, 0, sizeof mi);
    regio_error_clear(&err);
    regio_err src = regio_store_model_find(app->store, j->target, &mi, &err);
    regio_model_info_clear(&mi);
    if (src == REGIO_OK) {
        char m[NAME_MAX_LEN + 128];
        snprintf(m, sizeof m, "model '%s' was created while the job ran; nothing was saved",
                 j->target);
        msg = regio_strdup(m);
    } else if (src != REGIO_ENOTFOUND) {
        msg = error_message(src, &err);
    } else {
        /* The shared problem with this run's territories: save_model reads
         * only k, the territory names and the units. */
        regio_design_problem view = *in.p;
        view.k = in.k;
        view.territory = in.names;
        regio_error_clear(&err);
        src = regio_design_save_model(app->store, &view, res.labels, j->target,
                                      j->actor ? j->actor : "local", &err);
        if (src)
            msg = error_message(src, &err);
    }
    char *note = NULL;
    if (!msg && j->realign) {
        regio_error_clear(&err);
        regio_err hrc = copy_hierarchy(app, j, &in, &err);
        if (hrc) {
            char *e = error_message(hrc, &err);
            char m[1200];
            snprintf(m, sizeof m, "saved, but the territory names were not copied: %s",
                     e ? e : "out of memory");
            regio_free(e);
            note = regio_strdup(m);
        }
    }
    if (!msg)
        srv_workspace_forget(app, j->target);
    pthread_mutex_unlock(&app->mu);

    pthread_mutex_lock(&J->mu);
    if (msg) {
        job_finish(j, JOB_FAILED, msg, NULL);
    } else {
        char *done = NULL;
        if (rc == REGIO_EINFEASIBLE)
            done = infeasible_message(&res);
        if (!done && !note) {
            char m[NAME_MAX_LEN + 64];
            snprintf(m, sizeof m, "saved as planning model '%s'", j->target);
            done = regio_strdup(m);
        }
        job_finish(j, JOB_DONE, note ? note : done, result_json(j, &in, &res));
        regio_free(done);
    }
    pthread_mutex_unlock(&J->mu);
    regio_free(note);
    regio_free(msg);
    regio_design_result_free(&res);
    run_input_free(&in);
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
        prune(J);
    }
    pthread_mutex_unlock(&J->mu);
    return NULL;
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
    J->stop = 1;
    for (job *j = J->head; j; j = j->next) {
        if (j->state == JOB_QUEUED)
            job_finish(j, JOB_CANCELLED, "the server stopped", NULL);
        j->cancel = 1;
    }
    pthread_cond_broadcast(&J->cv);
    pthread_mutex_unlock(&J->mu);
    if (J->has_thread)
        pthread_join(J->thread, NULL);
    while (J->head) {
        job *n = J->head->next;
        job_free(J->head);
        J->head = n;
    }
    pthread_cond_destroy(&J->cv);
    pthread_mutex_destroy(&J->mu);
    regio_free(J);
}

/* ---- handlers ------------------------------------------------------------------ */

/* Reads an optional number field: 1 = absent (or null), 0 = read, -1 =
 * not a number (rs filled). */
static int opt_number(json_t *body, const char *key, double *out, srv_response *rs)
{
    json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v))
        return 1;
    if (!json_is_number(v) || !isfinite(json_number_value(v))) {
        srv_reply_error(rs, 400, "bad_request", "\"%s\" must be a number", key);
        return -1;
    }
    *out = json_number_value(v);
    return 0;
}

/* Reads an optional model name field: 1 = absent, 0 = read, -1 = bad (rs
 * filled). A new model's name (target) may not hold '/', which no URL path
 * segment can carry. */
static int opt_name(json_t *body, const char *key, int new_name, const char **out,
                    srv_response *rs)
{
    json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v))
        return 1;
    const char *s = json_string_value(v);
    size_t len = s ? strlen(s) : 0;
    int bad = !s || len == 0 || len > NAME_MAX_LEN;
    for (size_t i = 0; !bad && i < len; i++)
        bad = (unsigned char)s[i] < 0x20 || (new_name && s[i] == '/');
    if (bad) {
        srv_reply_error(rs, 400, "bad_request",
                        "\"%s\" must be a model name (1 to %d characters, no control "
                        "characters%s)",
                        key, NAME_MAX_LEN, new_name ? " or '/'" : "");
        return -1;
    }
    *out = s;
    return 0;
}

/* Adds measure name (len bytes) to j->balance; 0 and rs filled on error. */
static int add_measure(job *j, const regio_design_problem *p, const char *name, size_t len,
                       srv_response *rs)
{
    for (size_t c = 0; c < p->in.m; c++) {
        const char *mn = p->in.measure_names[c];
        if (strlen(mn) != len || strncmp(mn, name, len) != 0)
            continue;
        for (size_t b = 0; b < j->n_balance; b++)
            if (j->balance[b] == (int)c) {
                srv_reply_error(rs, 400, "bad_request", "\"balance\" names '%s' twice", mn);
                return 0;
            }
        int *nb = regio_realloc(j->balance, (j->n_balance + 1) * sizeof *nb);
        if (!nb) {
            srv_reply_error(rs, 500, "internal", "out of memory");
            return 0;
        }
        j->balance = nb;
        j->balance[j->n_balance++] = (int)c;
        return 1;
    }
    regio__buf known;
    regio__buf_init(&known, 4096);
    for (size_t c = 0; c < p->in.m; c++)
        regio__buf_printf(&known, "%s%s", c ? ", " : "", p->in.measure_names[c]);
    srv_reply_error(rs, 400, "bad_request", "\"balance\": unknown measure '%.*s' (measures: %s)",
                    (int)(len > 200 ? 200 : len), name, known.data ? known.data : "");
    regio__buf_free(&known);
    return 0;
}

/* "balance": an array of measure names or one comma-separated string. */
static int parse_balance(job *j, const regio_design_problem *p, json_t *v, int dflt,
                         srv_response *rs)
{
    if (!v || json_is_null(v)) {
        return add_measure(j, p, p->in.measure_names[dflt], strlen(p->in.measure_names[dflt]),
                           rs);
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        while (*s) {
            const char *e = strchr(s, ',');
            size_t len = e ? (size_t)(e - s) : strlen(s);
            if (!add_measure(j, p, s, len, rs))
                return 0;
            s += len + (e ? 1 : 0);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *it;
        json_array_foreach(v, i, it)
        {
            const char *s = json_string_value(it);
            if (!s) {
                srv_reply_error(rs, 400, "bad_request", "\"balance\"[%zu] is not a measure name",
                                i);
                return 0;
            }
            if (!add_measure(j, p, s, strlen(s), rs))
                return 0;
        }
    }
    if (!j->n_balance) {
        srv_reply_error(rs, 400, "bad_request",
                        "\"balance\" must be a non-empty array of measure names");
        return 0;
    }
    return 1;
}

/* Number of territories of w that hold units. */
static int used_territories(const srv_app *app, const srv_workspace *w)
{
    int used = 0;
    unsigned char *seen = regio_calloc((size_t)(w->k ? w->k : 1), 1);
    if (!seen)
        return w->k;
    for (size_t i = 0; i < app->units->in.n; i++)
        if (w->labels[i] >= 0 && !seen[w->labels[i]]) {
            seen[w->labels[i]] = 1;
            used++;
        }
    regio_free(seen);
    return used;
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
        if (!finished(o) && !strcmp(o->target, name))
            return 1;
    return 0;
}

/* Parses the body into j (everything but the measures and k checks). */
static int parse_job(json_t *body, job *j, const char **base, const char **target,
                     srv_response *rs)
{
    const char *kind = json_string_value(json_object_get(body, "kind"));
    if (!kind || (strcmp(kind, "design") != 0 && strcmp(kind, "realign") != 0)) {
        srv_reply_error(rs, 400, "bad_request", "\"kind\" must be \"design\" or \"realign\"");
        return 0;
    }
    j->realign = !strcmp(kind, "realign");
    *base = *target = NULL;
    if (opt_name(body, "model", 0, base, rs) < 0 || opt_name(body, "target", 1, target, rs) < 0)
        return 0;
    if (j->realign && !*base) {
        srv_reply_error(rs, 400, "bad_request",
                        "\"model\" (the model to realign) is required for a realign");
        return 0;
    }
    json_t *k = json_object_get(body, "k");
    if (k && !json_is_null(k) && !j->realign) {
        if (!json_is_integer(k) || json_integer_value(k) < 1 || json_integer_value(k) > 100000) {
            srv_reply_error(rs, 400, "bad_request", "\"k\" must be a whole number >= 1");
            return 0;
        }
        j->k = (int)json_integer_value(k);
    }
    j->tolerance = REGIO_DESIGN_DEFAULT_TOLERANCE;
    j->time_limit_s = TIME_LIMIT_DEFAULT_S;
    j->seed = 1;
    int r;
    if ((r = opt_number(body, "tolerance", &j->tolerance, rs)) < 0)
        return 0;
    if (!r && (j->tolerance <= 0 || j->tolerance >= 1)) {
        srv_reply_error(rs, 400, "bad_request", "\"tolerance\" must be above 0 and below 1");
        return 0;
    }
    if ((r = opt_number(body, "time_limit", &j->time_limit_s, rs)) < 0)
        return 0;
    if (!r && (j->time_limit_s <= 0 || j->time_limit_s > TIME_LIMIT_MAX_S)) {
        srv_reply_error(rs, 400, "bad_request",
                        "\"time_limit\" must be above 0 and at most %.0f seconds",
                        TIME_LIMIT_MAX_S);
        return 0;
    }
    if ((r = opt_number(body, "max_moved", &j->max_moved, rs)) < 0)
        return 0;
    if (!r && (j->max_moved < 0 || j->max_moved > 1)) {
        srv_reply_error(rs, 400, "bad_request",
                        "\"max_moved\" must be a share of units from 0 to 1 (0 = no cap)");
        return 0;
    }
    json_t *seed = json_object_get(body, "seed");
    if (seed && !json_is_null(seed)) {
        if (!json_is_integer(seed) || json_integer_value(seed) < 0) {
            srv_reply_error(rs, 400, "bad_request", "\"seed\" must be a whole number >= 0");
            return 0;
        }
        j->seed = (uint64_t)json_integer_value(seed);
    }
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(j->created_at, sizeof j->created_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return 1;
}

/* With app->mu and J->mu held: assigns j's id and target (default names
 * skip ids whose model exists). 0 and rs filled on a conflict. */
static int assign_target(srv_app *app, srv_jobs *J, job *j, const char *base, const char *target,
                         srv_response *rs)
{
    if (target) {
        if (model_exists(app, target) || target_pending(J, target)) {
            srv_reply_error(rs, 409, "conflict",
                            "model '%s' already exists (or a job is writing it): choose another "
                            "\"target\"",
                            target);
            return 0;
        }
        j->id = J->next_id++;
        j->target = regio_strdup(target);
        return j->target != NULL;
    }
    for (int tries = 0; tries < 1000; tries++) {
        char name[NAME_MAX_LEN + 64];
        snprintf(name, sizeof name, "%s-%s-%ld", base ? base : "design",
                 j->realign ? "realign" : "design", J->next_id);
        for (char *c = name; *c; c++)
            if (*c == '/')
                *c = '-'; /* a default name stays addressable in a URL */
        if (model_exists(app, name) || target_pending(J, name)) {
            J->next_id++;
            continue;
        }
        j->id = J->next_id++;
        j->target = regio_strdup(name);
        return j->target != NULL;
    }
    srv_reply_error(rs, 409, "conflict", "no free default model name: give \"target\"");
    return 0;
}

SRV_HANDLER(api_job_create)
{
    json_t *body = srv_body_json(rq, rs);
    if (!body)
        return;
    job *j = regio_calloc(1, sizeof *j);
    if (!j) {
        srv_reply_error(rs, 500, "internal", "out of memory");
        json_decref(body);
        return;
    }
    const char *base = NULL, *target = NULL;
    if (!parse_job(body, j, &base, &target, rs))
        goto fail;
    j->actor = regio_strdup(rq->actor ? rq->actor : "local");
    j->base = regio_strdup(base);

    pthread_mutex_lock(&app->mu);
    const regio_design_problem *p = srv_units(app, rs);
    if (!p || !parse_balance(j, p, json_object_get(body, "balance"), app->default_measure, rs))
        goto unlock;
    if (base) {
        srv_workspace *w = srv_workspace_get(app, base, rs);
        if (!w)
            goto unlock;
        int used = used_territories(app, w);
        if (j->realign) {
            size_t unaligned = 0;
            for (size_t i = 0; i < p->in.n; i++)
                unaligned += w->labels[i] < 0;
            if (unaligned || used == 0) {
                srv_reply_error(rs, 422, "unprocessable",
                                "model '%s' leaves %zu units without a territory: a realign "
                                "starts from a complete alignment",
                                base, unaligned ? unaligned : p->in.n);
                goto unlock;
            }
        } else if (!j->k) {
            j->k = used;
        }
    }
    if (!j->realign) {
        if (!j->k) {
            srv_reply_error(rs, 400, "bad_request",
                            "\"k\" (the number of territories) is required without a \"model\"");
            goto unlock;
        }
        if ((size_t)j->k > p->in.n) {
            srv_reply_error(rs, 400, "bad_request", "\"k\" %d exceeds the %zu units", j->k,
                            p->in.n);
            goto unlock;
        }
    }
    srv_jobs *J = jobs_table(app, 1);
    if (!J) {
        srv_reply_error(rs, 500, "internal", "out of memory");
        goto unlock;
    }
    pthread_mutex_lock(&J->mu);
    if (!assign_target(app, J, j, base, target, rs)) {
        if (!rs->status)
            srv_reply_error(rs, 500, "internal", "out of memory");
        pthread_mutex_unlock(&J->mu);
        goto unlock;
    }
    if (!J->has_thread) {
        if (pthread_create(&J->thread, NULL, worker, J) != 0) {
            pthread_mutex_unlock(&J->mu);
            srv_reply_error(rs, 500, "internal", "cannot start the job thread");
            goto unlock;
        }
        J->has_thread = 1;
    }
    j->state = JOB_QUEUED;
    job **pp = &J->head;
    while (*pp)
        pp = &(*pp)->next;
    *pp = j;
    prune(J);
    json_t *v = job_json(app, j);
    char url[64];
    snprintf(url, sizeof url, "/api/v1/jobs/%ld", j->id);
    pthread_cond_signal(&J->cv);
    pthread_mutex_unlock(&J->mu);
    pthread_mutex_unlock(&app->mu);
    srv_reply_header(rs, "Location", url);
    srv_reply_json(rs, 202, v);
    json_decref(body);
    return;
unlock:
    pthread_mutex_unlock(&app->mu);
fail:
    job_free(j);
    json_decref(body);
}

SRV_HANDLER(api_jobs_list)
{
    (void)rq;
    json_t *arr = json_array();
    srv_jobs *J = jobs_table(app, 0);
    if (J) {
        pthread_mutex_lock(&J->mu);
        for (job *j = J->head; j; j = j->next)
            json_array_append_new(arr, job_json(app, j));
        pthread_mutex_unlock(&J->mu);
    }
    srv_reply_json(rs, 200, json_pack("{s:o}", "jobs", arr));
}

SRV_HANDLER(api_job_get)
{
    srv_jobs *J = jobs_table(app, 0);
    json_t *v = NULL;
    if (J) {
        pthread_mutex_lock(&J->mu);
        job *j = find_job(J, rq->params[0]);
        if (j)
            v = job_json(app, j);
        pthread_mutex_unlock(&J->mu);
    }
    if (v)
        srv_reply_json(rs, 200, v);
    else
        srv_reply_error(rs, 404, "not_found", "no job '%s'", rq->params[0]);
}

SRV_HANDLER(api_job_cancel)
{
    srv_jobs *J = jobs_table(app, 0);
    json_t *v = NULL;
    job_state st = JOB_QUEUED;
    int found = 0;
    if (J) {
        pthread_mutex_lock(&J->mu);
        job *j = find_job(J, rq->params[0]);
        if (j) {
            found = 1;
            st = j->state;
            if (st == JOB_QUEUED) {
                job_finish(j, JOB_CANCELLED, "cancelled before it started", NULL);
            } else if (st == JOB_RUNNING) {
                j->cancel = 1;
                regio_free(j->message);
                j->message = regio_strdup("cancel requested; stopping at the next checkpoint");
            }
            if (!finished(j) || st == JOB_QUEUED)
                v = job_json(app, j);
        }
        pthread_mutex_unlock(&J->mu);
    }
    if (!found)
        srv_reply_error(rs, 404, "not_found", "no job '%s'", rq->params[0]);
    else if (!v)
        srv_reply_error(rs, 409, "conflict", "job %s is already %s", rq->params[0],
                        STATE_NAME[st]);
    else
        srv_reply_json(rs, 200, v);
}
