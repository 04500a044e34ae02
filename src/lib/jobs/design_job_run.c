/*
 * Running a design or realign job (regio/design_job.h) in three steps: its
 * input read from the store (prepare), the optimisation without the store
 * (optimise), and its models saved with their reps and reasons (save),
 * with the message and the result that the API shows for a finished job.
 */
#include "regio/design_job.h"
#include "regio/model_view.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Longest message built from the run's diagnostics. */
#define MESSAGE_MAX 2000
/* Longest model name a job saves (a target and its proposal suffix). */
#define NAME_MAX_LEN 200

struct regio_design_job_run {
    const regio_design_job *j;
    const regio_design_problem *p;
    int k;
    char **names;           /* k territory ids */
    int *baseline;          /* realign: n labels 0..k-1 */
    int *locked;            /* realign: n, -1 free; NULL when none is locked */
    int *job_locked;        /* the job's "locked" over the base's, or NULL */
    double *targets;        /* k target shares, or NULL */
    regio_model_view *base; /* realign: the base model as loaded */
    regio_err status;       /* of the optimisation */
    regio_design_result res;
    regio_design_proposals props;
};

static json_t *json_num(double v) { return isfinite(v) ? json_real(v) : json_null(); }
static json_t *json_str(const char *s) { return s ? json_string(s) : json_null(); }

static regio_err no_memory(regio_error *err)
{
    return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
}

void regio_design_job_run_destroy(regio_design_job_run *r)
{
    if (!r)
        return;
    regio_model_view_names_free(r->names, r->k);
    regio_free(r->baseline);
    regio_free(r->locked);
    regio_free(r->job_locked);
    regio_free(r->targets);
    regio_model_view_destroy(r->base);
    regio_design_result_free(&r->res);
    regio_design_proposals_free(&r->props);
    regio_free(r);
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
            regio_model_view_names_free(names, t);
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

/* The territory of r named name, or -1. */
static int territory_named(const regio_design_job_run *r, const char *name)
{
    for (int t = 0; t < r->k; t++)
        if (!strcmp(r->names[t], name))
            return t;
    return -1;
}

static regio_err no_territory(const char *key, const char *name, const regio_design_job_run *r,
                              regio_error *err)
{
    return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                            "\"%s\": no territory '%.200s' (territories: %s..%s)", key, name,
                            r->names[0], r->names[r->k - 1]);
}

/* The job's locks (over the base model's: the job's win, as a --locked
 * file's over a model's) and target shares over r's territories. */
static regio_err resolve_pairs(regio_design_job_run *r, regio_error *err)
{
    const regio_design_job *j = r->j;
    size_t n = r->p->in.n;
    if (j->n_locked) {
        if (!(r->job_locked = regio_malloc(n * sizeof *r->job_locked)))
            return no_memory(err);
        for (size_t i = 0; i < n; i++)
            r->job_locked[i] = r->locked ? r->locked[i] : -1;
        for (size_t l = 0; l < j->n_locked; l++) {
            int t = territory_named(r, j->locked_terr[l]);
            if (t < 0)
                return no_territory("locked", j->locked_terr[l], r, err);
            r->job_locked[j->locked_units[l]] = t;
        }
    }
    if (j->n_targets) {
        if (!(r->targets = regio_calloc((size_t)r->k, sizeof *r->targets)))
            return no_memory(err);
        for (size_t q = 0; q < j->n_targets; q++) {
            int t = territory_named(r, j->target_terr[q]);
            if (t < 0)
                return no_territory("targets", j->target_terr[q], r, err);
            r->targets[t] = j->target_share[q];
        }
        for (int t = 0; t < r->k; t++)
            if (!(r->targets[t] > 0))
                return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                        "\"targets\": territory '%s' has no share", r->names[t]);
    }
    return REGIO_OK;
}

regio_err regio_design_job_prepare(regio_store *s, const regio_design_problem *p,
                                   int default_measure, const regio_design_job *j,
                                   regio_design_job_run **out, regio_error *err)
{
    *out = NULL;
    regio_design_job_run *r = regio_calloc(1, sizeof *r);
    if (!r)
        return no_memory(err);
    r->j = j;
    r->p = p;
    regio_err rc = REGIO_OK;
    if (!j->realign) {
        r->k = j->k;
        r->names = j->n_homes ? copy_names(j->home_ids, j->n_homes) : design_names(j->k);
        if (!r->names)
            rc = no_memory(err);
    } else {
        /* Its own view of the base: a cached one may change while the job runs. */
        rc = regio_model_view_load(s, p, j->base, default_measure, &r->base, err);
        if (!rc)
            rc = regio_model_view_realign_input(r->base, &r->k, &r->names, &r->baseline,
                                                &r->locked, err);
    }
    if (!rc)
        rc = resolve_pairs(r, err);
    if (rc) {
        regio_design_job_run_destroy(r);
        return rc;
    }
    *out = r;
    return REGIO_OK;
}

regio_err regio_design_job_optimise(regio_design_job_run *r,
                                    int (*progress)(void *ud, double fraction, const char *phase),
                                    void *ud, regio_error *err)
{
    const regio_design_job *j = r->j;
    regio_design_params prm;
    regio_design_params_init(&prm);
    prm.k = r->k;
    prm.balance_cols = j->balance;
    prm.n_balance = j->n_balance;
    prm.tolerance = j->tolerance;
    prm.seed = j->seed;
    prm.time_limit_s = j->time_limit_s;
    prm.territory_names = (const char *const *)r->names; /* for messages */
    prm.tolerances = j->tolerances;
    prm.index_weights = j->index_weights;
    prm.travel_col = j->travel_col;
    prm.objective = (regio_design_objective)j->objective;
    prm.n_starts = j->starts;
    prm.groups = j->groups;
    prm.target_shares = r->targets;
    prm.locked = r->job_locked;
    if (j->n_homes) {
        prm.home_x = j->home_lon;
        prm.home_y = j->home_lat;
    }
    if (j->realign) {
        prm.realign = 1;
        prm.baseline = r->baseline;
        prm.locked = r->job_locked ? r->job_locked : r->locked;
        prm.max_moved_units = j->max_moved;
        prm.max_moved_weight = j->max_moved_weight;
    }
    prm.progress = progress;
    prm.progress_ud = ud;
    regio_err rc = j->proposals
                       ? regio_design_propose(&r->p->in, &prm, j->proposals, &r->props, err)
                       : regio_design_run(&r->p->in, &prm, &r->res, err);
    if (j->proposals && rc == REGIO_OK)
        for (size_t i = 0; i < r->props.n; i++)
            if (r->props.items[i].status == REGIO_EINFEASIBLE)
                rc = REGIO_EINFEASIBLE;
    r->status = rc;
    return rc;
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
static json_t *reps_json(const regio_design_job_run *r, const regio_model_reps *mr, json_t *lines)
{
    const regio_rep_assignment *a = &mr->assignment;
    json_t *terr = json_object(), *vacant = json_array(), *homeless = json_array(),
           *idle = json_array();
    for (int t = 0; t < r->k; t++) {
        json_object_set_new(terr, r->names[t],
                            json_pack("{s:o,s:o,s:b}", "rep", json_str(mr->territory_rep[t]),
                                      "home_km", json_num(a->territory_dist[t]), "kept",
                                      a->kept[t]));
        if (!mr->territory_rep[t])
            json_array_append_new(vacant, json_string(r->names[t]));
    }
    for (size_t q = 0; q < mr->n_reps; q++)
        if (a->rep_territory[q] < 0)
            json_array_append_new(a->has_home[q] ? idle : homeless, json_string(mr->rep_ids[q]));
    return json_pack("{s:i,s:i,s:o,s:o,s:o,s:o,s:o,s:O}", "assigned", a->n_assigned, "kept",
                     a->n_kept, "home_km", json_num(a->total_dist), "territories", terr,
                     "vacant", vacant, "without_home", homeless, "without_territory", idle,
                     "text", lines);
}

/* The result object of a finished run. */
static json_t *result_json(const regio_design_job_run *r, const char *model,
                           const regio_design_result *res, json_t *reps)
{
    const regio_design_job *j = r->j;
    const regio_design_report *rp = &res->report;
    json_t *bal = json_object();
    for (size_t b = 0; b < j->n_balance; b++) {
        int c = j->balance[b];
        json_object_set_new(bal, r->p->in.measure_names[c],
                            (size_t)c < rp->m ? json_num(rp->balance[c]) : json_null());
    }
    json_t *summary = json_pack("{s:o,s:o,s:i,s:i,s:i,s:o,s:i,s:b}", "balance", bal, "travel_km",
                                json_num(rp->travel_km), "non_contiguous", rp->n_noncontiguous,
                                "empty", rp->n_empty, "territories", r->k, "seconds",
                                json_num(res->seconds), "starts", res->starts_done,
                                "stopped_by_time", res->stopped_by_time);
    if (rp->has_baseline) {
        json_object_set_new(summary, "moved_units", json_integer((json_int_t)rp->moved_units));
        json_object_set_new(summary, "moved_share", json_num(rp->moved_units_share));
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

regio_err regio_design_job_save(regio_design_job_run *r, regio_store *s, const char *actor,
                                unsigned flags, char **message, char **result, regio_error *err)
{
    const regio_design_job *j = r->j;
    *message = *result = NULL;
    if (!j->target)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "a job saves its result as \"target\": none was given");
    size_t n_out = j->proposals ? r->props.n : 1;
    regio_model_reps *reps = NULL;
    regio_buf rep_text;
    regio_buf_init(&rep_text, 0);
    json_t *saved = json_array();
    char name[NAME_MAX_LEN + 80];
    regio_err rc = REGIO_OK;
    unsigned save_flags = flags & REGIO_DESIGN_JOB_IN_TXN ? REGIO_SAVE_IN_TXN : 0;
    for (size_t i = 0; !rc && i < n_out; i++) {
        const regio_design_result *one = j->proposals ? &r->props.items[i].result : &r->res;
        if (j->proposals)
            snprintf(name, sizeof name, "%s-%zu", j->target, i + 1);
        else
            snprintf(name, sizeof name, "%s", j->target);
        /* New planning models, never an existing one. */
        regio_model_info mi;
        memset(&mi, 0, sizeof mi);
        rc = regio_store_model_find(s, name, &mi, err);
        regio_model_info_clear(&mi);
        if (rc == REGIO_OK) {
            rc = regio_error_setf(err, REGIO_ECONFLICT, NULL, 0, NULL,
                                  "model '%s' was created while the job ran; nothing more was "
                                  "saved",
                                  name);
            break;
        } else if (rc != REGIO_ENOTFOUND) {
            break;
        }
        regio_error_clear(err);
        /* Reps for the territories (a realign keeps each territory's rep
         * unless reassign_reps), then the model with them and its reasons. */
        regio_model_reps_destroy(reps);
        reps = NULL;
        regio_buf_free(&rep_text);
        regio_buf_init(&rep_text, 0);
        rc = regio_model_reps_assign(s, r->p, r->base, r->k, r->names, one->labels,
                                     j->balance[0],
                                     (j->reassign_reps ? REGIO_REPS_REASSIGN : 0) |
                                         (j->n_homes ? REGIO_REPS_BY_NAME : 0),
                                     &reps, err);
        if (!rc)
            rc = regio_model_reps_describe(reps, r->p, r->names, &rep_text);
        if (!rc)
            rc = regio_model_view_save_explained(s, r->p, r->base, r->k, r->names, one->labels,
                                                 reps->territory_rep, one->reasons,
                                                 one->n_reasons, name, save_flags,
                                                 actor ? actor : "local", err);
        if (!rc && j->proposals) {
            json_t *lines = text_lines(rep_text.data);
            json_t *pj = result_json(r, name, one, reps_json(r, reps, lines));
            json_decref(lines);
            json_object_set_new(pj, "proposal", json_integer((json_int_t)i + 1));
            json_object_set_new(pj, "status", json_string(r->props.items[i].status == REGIO_OK
                                                              ? "ok"
                                                              : "best effort"));
            json_object_set_new(pj, "balance", json_num(r->props.items[i].balance));
            json_array_append_new(saved, pj);
        }
    }
    json_t *res = NULL;
    char *done = NULL;
    if (!rc && j->proposals) {
        char m[2 * NAME_MAX_LEN + 200];
        snprintf(m, sizeof m, "saved %zu proposals as planning models '%s-1' to '%s-%zu'%s",
                 r->props.n, j->target, j->target, r->props.n,
                 r->status == REGIO_EINFEASIBLE ? " (some miss their run's tolerances: best "
                                                  "efforts)"
                                                : "");
        done = regio_strdup(m);
        res = json_deep_copy(json_array_get(saved, 0));
        json_object_set_new(res, "front", json_string(r->props.realign ? "disruption vs balance"
                                                                       : "travel vs balance"));
        json_object_set_new(res, "runs", json_integer(r->props.runs));
        json_object_set(res, "proposals", saved);
    } else if (!rc) {
        if (r->status == REGIO_EINFEASIBLE)
            done = infeasible_message(&r->res);
        if (!done) {
            char m[NAME_MAX_LEN + 64];
            snprintf(m, sizeof m, "saved as planning model '%s'", j->target);
            done = regio_strdup(m);
        }
        json_t *lines = text_lines(rep_text.data);
        if (done)
            done = with_rep_notes(done, lines);
        res = result_json(r, j->target, &r->res, reps_json(r, reps, lines));
        json_decref(lines);
    }
    if (!rc) {
        char *dump = res ? json_dumps(res, JSON_COMPACT) : NULL;
        *result = dump ? regio_strdup(dump) : NULL;
        free(dump); /* Jansson's own allocation */
        *message = done;
        done = NULL;
        if (!*result || !*message) {
            regio_free(*message);
            regio_free(*result);
            *message = *result = NULL;
            rc = no_memory(err);
        }
    }
    json_decref(res);
    json_decref(saved);
    regio_free(done);
    regio_model_reps_destroy(reps);
    regio_buf_free(&rep_text);
    return rc;
}
