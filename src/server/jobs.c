/*
 * The job runner behind /api/v1/jobs: a table of design and realign jobs
 * and one worker thread (started with the first job) that runs the queue in
 * order. A run copies what it needs under app->mu, optimises without it
 * (progress and cancel pass through the job under the table's mutex), then
 * saves the result as a new planning model under app->mu again.
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

/* Longest message built from the run's diagnostics. */
#define MESSAGE_MAX 2000

static const char *const STATE_NAME[] = {"queued", "running", "done", "failed", "cancelled"};

/* Guards app->jobs itself (created on first use by any handler thread). */
static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;

/* ---- the table --------------------------------------------------------------- */

void srv_job_free(job *j)
{
    if (!j)
        return;
    regio_free(j->base);
    regio_free(j->target);
    regio_free(j->balance);
    regio_free(j->tolerances);
    regio_free(j->tolerance_spec);
    regio_free(j->index_weights);
    regio_free(j->keep_whole);
    regio_free(j->groups);
    for (size_t i = 0; i < j->n_locked; i++)
        regio_free(j->locked_terr[i]);
    regio_free(j->locked_units);
    regio_free(j->locked_terr);
    for (size_t i = 0; i < j->n_targets; i++)
        regio_free(j->target_terr[i]);
    regio_free(j->target_terr);
    regio_free(j->target_share);
    for (size_t i = 0; i < j->n_homes; i++)
        regio_free(j->home_ids[i]);
    regio_free(j->home_ids);
    regio_free(j->home_lon);
    regio_free(j->home_lat);
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
    if (j->tolerance_spec)
        json_object_set_new(params, "tolerance", json_string(j->tolerance_spec));
    json_object_set_new(params, "objective",
                        json_string(j->objective == REGIO_DESIGN_MIN_DIAMETER ? "diameter"
                                                                             : "travel"));
    json_object_set_new(params, "travel",
                        p && j->travel_col >= 0 && (size_t)j->travel_col < p->in.m
                            ? json_string(p->in.measure_names[j->travel_col])
                            : json_null());
    json_object_set_new(params, "starts", j->starts ? json_integer(j->starts) : json_null());
    if (j->index_weights) {
        json_t *w = json_array();
        for (size_t b = 0; b < j->n_balance; b++)
            json_array_append_new(w, json_real(j->index_weights[b]));
        json_object_set_new(params, "index_weights", w);
    }
    if (j->keep_whole)
        json_object_set_new(params, "keep_whole", json_string(j->keep_whole));
    if (j->n_locked) {
        json_t *o = json_object();
        for (size_t l = 0; p && l < j->n_locked; l++)
            json_object_set_new(o, p->in.unit_ids[j->locked_units[l]],
                                json_string(j->locked_terr[l]));
        json_object_set_new(params, "locked", o);
    }
    if (j->capacity > 0)
        json_object_set_new(params, "capacity", json_real(j->capacity));
    if (j->n_homes) {
        json_t *a = json_array();
        for (size_t h = 0; h < j->n_homes; h++)
            json_array_append_new(a, json_pack("{s:s,s:f,s:f}", "id", j->home_ids[h], "lat",
                                               j->home_lat[h], "lon", j->home_lon[h]));
        json_object_set_new(params, "homes", a);
    }
    if (j->n_targets) {
        json_t *o = json_object();
        for (size_t q = 0; q < j->n_targets; q++)
            json_object_set_new(o, j->target_terr[q], json_real(j->target_share[q]));
        json_object_set_new(params, "targets", o);
    }
    if (j->proposals)
        json_object_set_new(params, "proposals", json_integer(j->proposals));
    if (j->realign) {
        json_object_set_new(params, "max_moved_weight", json_real(j->max_moved_weight));
        json_object_set_new(params, "max_moved", json_real(j->max_moved));
        json_object_set_new(params, "reassign_reps", json_boolean(j->reassign_reps));
    }
    json_t *v = json_object();
    json_object_set_new(v, "id", json_string(id));
    json_object_set_new(v, "kind", json_string(j->realign ? "realign" : "design"));
    json_object_set_new(v, "state", json_string(STATE_NAME[j->state]));
    json_object_set_new(v, "progress", srv_json_num(j->progress));
    json_object_set_new(v, "phase", j->phase[0] ? json_string(j->phase) : json_null());
    json_object_set_new(v, "message", srv_json_str(j->message));
    json_object_set_new(v, "model", srv_json_str(j->base));
    json_object_set_new(v, "target", json_string(j->target));
    json_object_set_new(v, "created_at", json_string(j->created_at));
    json_object_set_new(v, "url", json_string(url));
    json_object_set_new(v, "params", params);
    json_object_set_new(v, "result", j->result ? json_deep_copy(j->result) : json_null());
    return v;
}

/* ---- running a job ----------------------------------------------------------- */

/* What a run copies under app->mu. */
typedef struct run_input {
    const regio_design_problem *p; /* app->units: valid until the app closes */
    int k;
    char **names;                  /* k territory ids */
    int *baseline;                 /* realign: n labels 0..k-1 */
    int *locked;                   /* realign: n, -1 free; NULL when none is locked */
    regio_model_view *base;        /* realign: the base model as loaded (own copy) */
} run_input;

static void run_input_free(run_input *in)
{
    regio_model_view_names_free(in->names, in->k);
    regio_free(in->baseline);
    regio_free(in->locked);
    regio_model_view_destroy(in->base);
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

/* A copy of n names (a design on homes: the reps' ids). */
static char **copy_names(char *const *ids, size_t n)
{
    char **names = regio_calloc(n, sizeof *names);
    for (size_t t = 0; names && t < n; t++)
        if (!(names[t] = regio_strdup(ids[t]))) {
            regio_model_view_names_free(names, (int)t);
            return NULL;
        }
    return names;
}

/*
 * With app->mu held: copies the problem pointer and, for a realign, loads
 * the base model (its own view: the cached workspace may change while the
 * job runs) and takes the realign's start from it. Returns an error
 * message (caller frees) or NULL.
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
        in->names = j->n_homes ? copy_names(j->home_ids, j->n_homes) : design_names(j->k);
        return in->names ? NULL : regio_strdup("out of memory");
    }
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = regio_model_view_load(app->store, in->p, j->base, app->default_measure,
                                         &in->base, &err);
    if (!rc)
        rc = regio_model_view_realign_input(in->base, &in->k, &in->names, &in->baseline,
                                            &in->locked, &err);
    return rc ? error_message(rc, &err) : NULL;
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

/* The lines of a text (each ending in a newline) as a JSON array. */
static json_t *text_lines(const char *text)
{
    json_t *lines = json_array();
    for (const char *s = text; s && *s;) {
        const char *e = strchr(s, '\n');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        json_array_append_new(lines, json_stringn(s, len));
        s += len + (e ? 1 : 0);
    }
    return lines;
}

/* The reps of a finished run: per territory its rep (null when vacant)
 * and home-to-territory km, the totals, and the lines that say it. */
static json_t *reps_json(const run_input *in, const regio_model_reps *mr, json_t *lines)
{
    const regio_rep_assignment *a = &mr->assignment;
    json_t *terr = json_object(), *vacant = json_array(), *homeless = json_array(),
           *idle = json_array();
    for (int t = 0; t < in->k; t++) {
        json_object_set_new(terr, in->names[t],
                            json_pack("{s:o,s:o,s:b}", "rep", srv_json_str(mr->territory_rep[t]),
                                      "home_km", srv_json_num(a->territory_dist[t]), "kept",
                                      a->kept[t]));
        if (!mr->territory_rep[t])
            json_array_append_new(vacant, json_string(in->names[t]));
    }
    for (size_t r = 0; r < mr->n_reps; r++)
        if (a->rep_territory[r] < 0)
            json_array_append_new(a->has_home[r] ? idle : homeless,
                                  json_string(mr->rep_ids[r]));
    return json_pack("{s:i,s:i,s:o,s:o,s:o,s:o,s:o,s:O}", "assigned", a->n_assigned, "kept",
                     a->n_kept, "home_km", srv_json_num(a->total_dist), "territories", terr,
                     "vacant", vacant, "without_home", homeless, "without_territory", idle,
                     "text", lines);
}

/* The result object of a finished run; caller owns it. */
static json_t *result_json(const job *j, const char *model, const run_input *in,
                           const regio_design_result *res, json_t *reps)
{
    const regio_design_report *r = &res->report;
    json_t *bal = json_object();
    for (size_t b = 0; b < j->n_balance; b++) {
        int c = j->balance[b];
        json_object_set_new(bal, in->p->in.measure_names[c],
                            (size_t)c < r->m ? srv_json_num(r->balance[c]) : json_null());
    }
    json_t *summary = json_pack("{s:o,s:o,s:i,s:i,s:i,s:o,s:i,s:b}", "balance", bal, "travel_km",
                                srv_json_num(r->travel_km), "non_contiguous", r->n_noncontiguous,
                                "empty", r->n_empty, "territories", in->k, "seconds",
                                srv_json_num(res->seconds), "starts", res->starts_done,
                                "stopped_by_time", res->stopped_by_time);
    if (r->has_baseline) {
        json_object_set_new(summary, "moved_units", json_integer((json_int_t)r->moved_units));
        json_object_set_new(summary, "moved_share", srv_json_num(r->moved_units_share));
    }
    json_t *diag = json_array();
    for (size_t i = 0; i < res->n_diagnostics; i++)
        json_array_append_new(diag, json_string(res->diagnostics[i]));
    /* Why units moved, by kind (the reasons are stored with the model). */
    json_t *why = json_object();
    size_t kinds[REGIO_REASON_TRAVEL + 1] = {0};
    for (size_t q = 0; q < res->n_reasons; q++)
        kinds[res->reasons[q].kind]++;
    for (int kd = REGIO_REASON_NONE; kd <= REGIO_REASON_TRAVEL; kd++)
        json_object_set_new(why, regio_design_reason_kind_name((regio_reason_kind)kd),
                            json_integer((json_int_t)kinds[kd]));
    json_object_set_new(summary, "reasons", why);
    return json_pack("{s:s,s:o,s:o,s:o}", "model", model, "summary", summary, "reps",
                     reps ? reps : json_null(), "diagnostics", diag);
}

/* The message of a best effort that misses a constraint. */
static char *infeasible_message(const regio_design_result *res)
{
    regio_buf b;
    regio_buf_init(&b, MESSAGE_MAX);
    regio_buf_puts(&b, "not every constraint could be met; best effort saved");
    for (size_t i = 0; i < res->n_diagnostics; i++)
        if (regio_buf_printf(&b, "%s %s", i ? ";" : ":", res->diagnostics[i]))
            break;
    char *msg = regio_strdup(b.data ? b.data : "not every constraint could be met");
    regio_buf_free(&b);
    return msg;
}

/* msg (taken) followed by what the reps left undone: the assignment's
 * lines about vacant territories and reps without a home. */
static char *with_rep_notes(char *msg, json_t *lines)
{
    regio_buf b;
    regio_buf_init(&b, MESSAGE_MAX);
    regio_buf_puts(&b, msg);
    size_t i;
    json_t *it;
    json_array_foreach(lines, i, it)
    {
        const char *l = json_string_value(it);
        if ((!strncmp(l, "vacant:", 7) || !strncmp(l, "not placed:", 11)) &&
            regio_buf_printf(&b, "; %s", l))
            break;
    }
    char *out = b.data ? regio_strdup(b.data) : NULL;
    regio_buf_free(&b);
    if (!out)
        return msg;
    regio_free(msg);
    return out;
}

/* The territory of in named name, or -1. */
static int territory_named(const run_input *in, const char *name)
{
    for (int t = 0; t < in->k; t++)
        if (!strcmp(in->names[t], name))
            return t;
    return -1;
}

/* The message of a territory name in field key that in does not have. */
static char *no_territory(const char *key, const char *name, const run_input *in)
{
    char m[512];
    snprintf(m, sizeof m, "\"%s\": no territory '%.200s' (territories: %s..%s)", key, name,
             in->names[0], in->names[in->k - 1]);
    return regio_strdup(m);
}

/*
 * The job's locks and target shares over in's territories: *locked (n,
 * -1 free) the job's "locked" over the base model's locks (the job's win,
 * as a --locked file's over a model's); *targets (k). Both NULL when not
 * asked for. Returns an error message (caller frees) or NULL.
 */
static char *resolve_pairs(const job *j, const run_input *in, int **locked, double **targets)
{
    char m[512];
    size_t n = in->p->in.n;
    *locked = NULL;
    *targets = NULL;
    if (j->n_locked) {
        if (!(*locked = regio_malloc(n * sizeof **locked)))
            return regio_strdup("out of memory");
        for (size_t i = 0; i < n; i++)
            (*locked)[i] = in->locked ? in->locked[i] : -1;
        for (size_t l = 0; l < j->n_locked; l++) {
            int t = territory_named(in, j->locked_terr[l]);
            if (t < 0)
                return no_territory("locked", j->locked_terr[l], in);
            (*locked)[j->locked_units[l]] = t;
        }
    }
    if (j->n_targets) {
        if (!(*targets = regio_calloc((size_t)in->k, sizeof **targets)))
            return regio_strdup("out of memory");
        for (size_t q = 0; q < j->n_targets; q++) {
            int t = territory_named(in, j->target_terr[q]);
            if (t < 0)
                return no_territory("targets", j->target_terr[q], in);
            (*targets)[t] = j->target_share[q];
        }
        for (int t = 0; t < in->k; t++)
            if (!((*targets)[t] > 0)) {
                snprintf(m, sizeof m, "\"targets\": territory '%s' has no share", in->names[t]);
                return regio_strdup(m);
            }
    }
    return NULL;
}

static void run_job(srv_jobs *J, job *j)
{
    srv_app *app = J->app;
    run_input in;
    pthread_mutex_lock(&app->mu);
    char *msg = copy_input(app, j, &in);
    pthread_mutex_unlock(&app->mu);
    int *locked = NULL;
    double *targets = NULL;
    if (!msg)
        msg = resolve_pairs(j, &in, &locked, &targets);
    if (msg) {
        pthread_mutex_lock(&J->mu);
        srv_job_finish(j, JOB_FAILED, msg, NULL);
        pthread_mutex_unlock(&J->mu);
        regio_free(msg);
        regio_free(locked);
        regio_free(targets);
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
    prm.territory_names = (const char *const *)in.names; /* for messages */
    prm.tolerances = j->tolerances;
    prm.index_weights = j->index_weights;
    prm.travel_col = j->travel_col;
    prm.objective = (regio_design_objective)j->objective;
    prm.n_starts = j->starts;
    prm.groups = j->groups;
    prm.target_shares = targets;
    prm.locked = locked;
    if (j->n_homes) {
        prm.home_x = j->home_lon;
        prm.home_y = j->home_lat;
    }
    if (j->realign) {
        prm.realign = 1;
        prm.baseline = in.baseline;
        prm.locked = locked ? locked : in.locked;
        prm.max_moved_units = j->max_moved;
        prm.max_moved_weight = j->max_moved_weight;
    }
    progress_ctx pc = {J, j};
    prm.progress = on_progress;
    prm.progress_ud = &pc;
    regio_design_result res;
    memset(&res, 0, sizeof res);
    regio_design_proposals props;
    memset(&props, 0, sizeof props);
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = j->proposals ? regio_design_propose(&in.p->in, &prm, j->proposals, &props, &err)
                                : regio_design_run(&in.p->in, &prm, &res, &err);
    /* The results saved: the one answer, or each proposal as TARGET-I. */
    size_t n_out = j->proposals ? props.n : 1;
    if (j->proposals && rc == REGIO_OK)
        for (size_t i = 0; i < props.n; i++)
            if (props.items[i].status == REGIO_EINFEASIBLE)
                rc = REGIO_EINFEASIBLE;

    pthread_mutex_lock(&J->mu);
    int cancelled = j->cancel || rc == REGIO_ECANCELLED;
    if (cancelled || (rc && rc != REGIO_EINFEASIBLE)) {
        char *m = cancelled ? NULL : error_message(rc, &err);
        srv_job_finish(j, cancelled ? JOB_CANCELLED : JOB_FAILED,
                   cancelled ? "cancelled: nothing was saved" : m, NULL);
        pthread_mutex_unlock(&J->mu);
        regio_free(m);
        regio_design_result_free(&res);
        regio_design_proposals_free(&props);
        regio_free(locked);
        regio_free(targets);
        run_input_free(&in);
        return;
    }
    regio_free(locked);
    regio_free(targets);
    locked = NULL;
    targets = NULL;
    j->progress = 0.99;
    snprintf(j->phase, sizeof j->phase, "saving");
    pthread_mutex_unlock(&J->mu);

    /* Saving, under app->mu: new planning models, never an existing one. */
    regio_model_reps *reps = NULL;
    regio_buf rep_text;
    regio_buf_init(&rep_text, 0);
    json_t *saved = json_array();
    char name[NAME_MAX_LEN + 80];
    pthread_mutex_lock(&app->mu);
    for (size_t i = 0; !msg && i < n_out; i++) {
        const regio_design_result *one = j->proposals ? &props.items[i].result : &res;
        if (j->proposals)
            snprintf(name, sizeof name, "%s-%zu", j->target, i + 1);
        else
            snprintf(name, sizeof name, "%s", j->target);
        regio_model_info mi;
        memset(&mi, 0, sizeof mi);
        regio_error_clear(&err);
        regio_err src = regio_store_model_find(app->store, name, &mi, &err);
        regio_model_info_clear(&mi);
        if (src == REGIO_OK) {
            char m[NAME_MAX_LEN + 200];
            snprintf(m, sizeof m, "model '%s' was created while the job ran; nothing more was saved",
                     name);
            msg = regio_strdup(m);
            break;
        } else if (src != REGIO_ENOTFOUND) {
            msg = error_message(src, &err);
            break;
        }
        /* Reps for the territories (a realign keeps each territory's rep
         * unless reassign_reps), then the model with them and its reasons. */
        regio_error_clear(&err);
        regio_model_reps_destroy(reps);
        reps = NULL;
        regio_buf_free(&rep_text);
        regio_buf_init(&rep_text, 0);
        src = regio_model_reps_assign(app->store, in.p, in.base, in.k, in.names, one->labels,
                                      j->balance[0],
                                      (j->reassign_reps ? REGIO_REPS_REASSIGN : 0) |
                                          (j->n_homes ? REGIO_REPS_BY_NAME : 0),
                                      &reps, &err);
        if (!src)
            src = regio_model_reps_describe(reps, in.p, in.names, &rep_text);
        if (!src)
            src = regio_model_view_save_explained(app->store, in.p, in.base, in.k, in.names,
                                                  one->labels, reps->territory_rep, one->reasons,
                                                  one->n_reasons, name, 0,
                                                  j->actor ? j->actor : "local", &err);
        if (src) {
            msg = error_message(src, &err);
            break;
        }
        srv_workspace_forget(app, name);
        if (j->proposals) {
            json_t *lines = text_lines(rep_text.data);
            json_t *pj = result_json(j, name, &in, one, reps_json(&in, reps, lines));
            json_decref(lines);
            json_object_set_new(pj, "proposal", json_integer((json_int_t)i + 1));
            json_object_set_new(pj, "status", json_string(props.items[i].status == REGIO_OK
                                                              ? "ok"
                                                              : "best effort"));
            json_object_set_new(pj, "balance", srv_json_num(props.items[i].balance));
            json_array_append_new(saved, pj);
        }
    }
    pthread_mutex_unlock(&app->mu);

    pthread_mutex_lock(&J->mu);
    if (msg) {
        srv_job_finish(j, JOB_FAILED, msg, NULL);
    } else if (j->proposals) {
        char m[2 * NAME_MAX_LEN + 200];
        snprintf(m, sizeof m, "saved %zu proposals as planning models '%s-1' to '%s-%zu'%s",
                 props.n, j->target, j->target, props.n,
                 rc == REGIO_EINFEASIBLE ? " (some miss their run's tolerances: best efforts)" : "");
        json_t *first = json_deep_copy(json_array_get(saved, 0));
        json_object_set_new(first, "front",
                            json_string(props.realign ? "disruption vs balance" : "travel vs balance"));
        json_object_set_new(first, "runs", json_integer(props.runs));
        json_object_set(first, "proposals", saved);
        srv_job_finish(j, JOB_DONE, m, first);
    } else {
        char *done = NULL;
        if (rc == REGIO_EINFEASIBLE)
            done = infeasible_message(&res);
        if (!done) {
            char m[NAME_MAX_LEN + 64];
            snprintf(m, sizeof m, "saved as planning model '%s'", j->target);
            done = regio_strdup(m);
        }
        json_t *lines = text_lines(rep_text.data);
        if (done)
            done = with_rep_notes(done, lines);
        srv_job_finish(j, JOB_DONE, done,
                       result_json(j, j->target, &in, &res, reps_json(&in, reps, lines)));
        json_decref(lines);
        regio_free(done);
    }
    pthread_mutex_unlock(&J->mu);
    json_decref(saved);
    regio_model_reps_destroy(reps);
    regio_buf_free(&rep_text);
    regio_free(msg);
    regio_design_result_free(&res);
    regio_design_proposals_free(&props);
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

