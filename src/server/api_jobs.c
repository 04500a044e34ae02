/*
 * Design and realign jobs over HTTP: POST /api/v1/jobs validates a run and
 * queues it on the runner (jobs.c); GET lists and reads jobs; cancel asks
 * a running job to stop. Lock order: app->mu before the table's mutex.
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

#define TIME_LIMIT_DEFAULT_S 30.0
#define TIME_LIMIT_MAX_S 600.0

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
 * filled). A new model's name (target) follows the rules of POST /models. */
static int opt_name(json_t *body, const char *key, int new_name, const char **out,
                    srv_response *rs)
{
    const char *s = NULL;
    if (!srv_body_string(body, key, 0, new_name, &s, rs))
        return -1;
    if (!s)
        return 1;
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
    regio_buf known;
    regio_buf_init(&known, 4096);
    for (size_t c = 0; c < p->in.m; c++)
        regio_buf_printf(&known, "%s%s", c ? ", " : "", p->in.measure_names[c]);
    srv_reply_error(rs, 400, "bad_request", "\"balance\": unknown measure '%.*s' (measures: %s)",
                    (int)(len > 200 ? 200 : len), name, known.data ? known.data : "");
    regio_buf_free(&known);
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

/* 0 with a 400 saying the library's message. */
static int bad_option(srv_response *rs, const regio_error *err)
{
    srv_reply_error(rs, 400, "bad_request", "%s", err->msg);
    return 0;
}

static int no_memory(srv_response *rs)
{
    srv_reply_error(rs, 500, "internal", "out of memory");
    return 0;
}

/* The index of measure name, or a 400 naming the measures. */
static int measure_of(const regio_design_problem *p, const char *key, const char *name,
                      srv_response *rs)
{
    for (size_t c = 0; c < p->in.m; c++)
        if (!strcmp(p->in.measure_names[c], name))
            return (int)c;
    regio_buf known;
    regio_buf_init(&known, 4096);
    for (size_t c = 0; c < p->in.m; c++)
        regio_buf_printf(&known, "%s%s", c ? ", " : "", p->in.measure_names[c]);
    srv_reply_error(rs, 400, "bad_request", "\"%s\": unknown measure '%.200s' (measures: %s)",
                    key, name, known.data ? known.data : "");
    regio_buf_free(&known);
    return -1;
}

/* "index_weights": an array of numbers or "W,W,..." (the CLI's text). */
static int parse_weights(json_t *v, job *j, srv_response *rs)
{
    regio_buf b;
    regio_buf_init(&b, 256);
    if (json_is_string(v)) {
        regio_buf_puts(&b, json_string_value(v));
    } else if (json_is_array(v)) {
        size_t i;
        json_t *it;
        json_array_foreach(v, i, it)
        {
            if (!json_is_number(it)) {
                regio_buf_free(&b);
                srv_reply_error(rs, 400, "bad_request", "\"index_weights\"[%zu] is not a number",
                                i);
                return 0;
            }
            regio_buf_printf(&b, "%s%.17g", i ? "," : "", json_number_value(it));
        }
    } else {
        srv_reply_error(rs, 400, "bad_request",
                        "\"index_weights\" must be an array of numbers, one per measure of "
                        "\"balance\"");
        return 0;
    }
    regio_error err;
    regio_error_clear(&err);
    if (!(j->index_weights = regio_calloc(j->n_balance, sizeof *j->index_weights))) {
        regio_buf_free(&b);
        return no_memory(rs);
    }
    regio_err rc = regio_design_index_weights_parse(b.data ? b.data : "", REGIO_OPTS_JSON,
                                                    j->n_balance, j->index_weights, &err);
    regio_buf_free(&b);
    return rc ? bad_option(rs, &err) : 1;
}

/* "locked": {"unit id": "territory"}; "targets": {"territory": share}. */
static int parse_pairs(json_t *body, job *j, const regio_design_problem *p, srv_response *rs)
{
    json_t *lk = json_object_get(body, "locked");
    if (lk && !json_is_null(lk)) {
        if (!json_is_object(lk)) {
            srv_reply_error(rs, 400, "bad_request",
                            "\"locked\" must be an object of unit id: territory");
            return 0;
        }
        size_t n = json_object_size(lk);
        j->locked_units = regio_calloc(n ? n : 1, sizeof *j->locked_units);
        j->locked_terr = regio_calloc(n ? n : 1, sizeof *j->locked_terr);
        if (!j->locked_units || !j->locked_terr)
            return no_memory(rs);
        const char *key;
        json_t *t;
        json_object_foreach(lk, key, t)
        {
            long u = regio_unitset_find(p->loaded.units, key);
            if (u < 0) {
                srv_reply_error(rs, 400, "bad_request", "\"locked\": no unit '%.200s'", key);
                return 0;
            }
            if (!json_is_string(t)) {
                srv_reply_error(rs, 400, "bad_request",
                                "\"locked\": unit '%.200s' needs a territory name", key);
                return 0;
            }
            j->locked_units[j->n_locked] = (size_t)u;
            if (!(j->locked_terr[j->n_locked++] = regio_strdup(json_string_value(t))))
                return no_memory(rs);
        }
    }
    json_t *tg = json_object_get(body, "targets");
    if (tg && !json_is_null(tg)) {
        if (!json_is_object(tg) || !json_object_size(tg)) {
            srv_reply_error(rs, 400, "bad_request",
                            "\"targets\" must be an object of territory: share");
            return 0;
        }
        size_t n = json_object_size(tg);
        j->target_terr = regio_calloc(n, sizeof *j->target_terr);
        j->target_share = regio_calloc(n, sizeof *j->target_share);
        if (!j->target_terr || !j->target_share)
            return no_memory(rs);
        const char *key;
        json_t *v;
        json_object_foreach(tg, key, v)
        {
            if (!json_is_number(v) || !(json_number_value(v) > 0) ||
                !isfinite(json_number_value(v))) {
                srv_reply_error(rs, 400, "bad_request",
                                "\"targets\": territory '%.200s' needs a share above 0", key);
                return 0;
            }
            j->target_share[j->n_targets] = json_number_value(v);
            if (!(j->target_terr[j->n_targets++] = regio_strdup(key)))
                return no_memory(rs);
        }
    }
    return 1;
}

/* "homes": [{"id", "lat", "lon"}, ...], a design's reps (the CLI's --homes
 * file): one territory per rep, named after it and centred on its home. */
static int parse_homes(json_t *body, job *j, srv_response *rs)
{
    json_t *h = json_object_get(body, "homes");
    if (!h || json_is_null(h))
        return 1;
    if (j->realign || !json_is_array(h) || !json_array_size(h)) {
        srv_reply_error(rs, 400, "bad_request",
                        "\"homes\" (a design's reps) must be a non-empty array of "
                        "{\"id\", \"lat\", \"lon\"}");
        return 0;
    }
    size_t n = json_array_size(h);
    j->home_ids = regio_calloc(n, sizeof *j->home_ids);
    j->home_lat = regio_calloc(n, sizeof *j->home_lat);
    j->home_lon = regio_calloc(n, sizeof *j->home_lon);
    if (!j->home_ids || !j->home_lat || !j->home_lon)
        return no_memory(rs);
    size_t i;
    json_t *it;
    json_array_foreach(h, i, it)
    {
        const char *id = json_string_value(json_object_get(it, "id"));
        json_t *la = json_object_get(it, "lat"), *lo = json_object_get(it, "lon");
        if (!id || !*id || !json_is_number(la) || !json_is_number(lo) ||
            fabs(json_number_value(la)) > 90 || fabs(json_number_value(lo)) > 180) {
            srv_reply_error(rs, 400, "bad_request",
                            "\"homes\"[%zu] needs an \"id\" and a home: \"lat\" (-90..90) and "
                            "\"lon\" (-180..180)",
                            i);
            return 0;
        }
        for (size_t q = 0; q < i; q++)
            if (!strcmp(j->home_ids[q], id)) {
                srv_reply_error(rs, 400, "bad_request", "\"homes\" names rep '%.200s' twice", id);
                return 0;
            }
        j->home_lat[i] = json_number_value(la);
        j->home_lon[i] = json_number_value(lo);
        if (!(j->home_ids[i] = regio_strdup(id)))
            return no_memory(rs);
        j->n_homes = i + 1;
    }
    if (j->k && (size_t)j->k != n) {
        srv_reply_error(rs, 400, "bad_request",
                        "\"k\" %d conflicts with the %zu reps of \"homes\" (one territory per rep)",
                        j->k, n);
        return 0;
    }
    j->k = (int)n;
    return 1;
}

/* The CLI's other options, once the measures are known: each parsed and
 * checked by the library as `regio design|realign` has it parsed. */
static int parse_options(json_t *body, job *j, const regio_design_problem *p, srv_response *rs)
{
    regio_error err;
    regio_error_clear(&err);
    j->travel_col = REGIO_DESIGN_TRAVEL_DEFAULT;
    j->objective = REGIO_DESIGN_MIN_TRAVEL;
    if (j->tolerance_spec) {
        int named = 0;
        if (!(j->tolerances = regio_calloc(j->n_balance, sizeof *j->tolerances)))
            return no_memory(rs);
        if (regio_design_tolerances_parse(j->tolerance_spec, REGIO_OPTS_JSON,
                                          p->in.measure_names, j->balance, j->n_balance,
                                          &j->tolerance, j->tolerances, &named, &err))
            return bad_option(rs, &err);
        if (!named) {
            regio_free(j->tolerances);
            j->tolerances = NULL;
        }
    }
    json_t *v = json_object_get(body, "index_weights");
    if (v && !json_is_null(v) && !parse_weights(v, j, rs))
        return 0;
    v = json_object_get(body, "travel");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v)) {
            srv_reply_error(rs, 400, "bad_request", "\"travel\" must be a measure name");
            return 0;
        }
        if ((j->travel_col = measure_of(p, "travel", json_string_value(v), rs)) < 0)
            return 0;
    }
    v = json_object_get(body, "objective");
    if (v && !json_is_null(v)) {
        regio_design_objective o;
        if (regio_design_objective_parse(json_string_value(v), REGIO_OPTS_JSON, &o, &err))
            return bad_option(rs, &err);
        j->objective = (int)o;
    }
    v = json_object_get(body, "starts");
    if (v && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1000) {
            srv_reply_error(rs, 400, "bad_request", "\"starts\" takes a number from 1 to 1000");
            return 0;
        }
        j->starts = (int)json_integer_value(v);
    }
    v = json_object_get(body, "proposals");
    if (v && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 20) {
            srv_reply_error(rs, 400, "bad_request", "\"proposals\" takes a number from 1 to 20");
            return 0;
        }
        j->proposals = (int)json_integer_value(v);
    }
    if (opt_number(body, "max_moved_weight", &j->max_moved_weight, rs) < 0)
        return 0;
    regio_design_params chk;
    regio_design_params_init(&chk);
    chk.time_limit_s = j->time_limit_s;
    chk.max_moved_units = j->max_moved;
    chk.max_moved_weight = j->max_moved_weight;
    chk.n_starts = j->starts;
    if (regio_design_numbers_check(&chk, REGIO_OPTS_JSON, &err))
        return bad_option(rs, &err);
    v = json_object_get(body, "keep_whole");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v)) {
            srv_reply_error(rs, 400, "bad_request", "\"keep_whole\" must be an attribute name");
            return 0;
        }
        if (!(j->keep_whole = regio_strdup(json_string_value(v))) ||
            !(j->groups = regio_malloc((p->in.n ? p->in.n : 1) * sizeof *j->groups)))
            return no_memory(rs);
        if (regio_design_groups_by_attribute(p->loaded.units, j->keep_whole, REGIO_OPTS_JSON,
                                             j->groups, &err))
            return bad_option(rs, &err);
    }
    return parse_pairs(body, j, p, rs) && parse_homes(body, j, rs);
}

/* Number of territories of w that hold units. */
static int used_territories(const srv_app *app, const srv_workspace *w)
{
    int used = 0;
    unsigned char *seen = regio_calloc((size_t)(w->v->k ? w->v->k : 1), 1);
    if (!seen)
        return w->v->k;
    for (size_t i = 0; i < app->units->in.n; i++)
        if (w->v->labels[i] >= 0 && !seen[w->v->labels[i]]) {
            seen[w->v->labels[i]] = 1;
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
        if (!srv_job_finished(o) && !strcmp(o->target, name))
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
    /* "capacity" (> 0): k from the first balanced measure, as --capacity */
    int cr = opt_number(body, "capacity", &j->capacity, rs);
    if (cr < 0)
        return 0;
    if (!cr && !(j->capacity > 0)) {
        srv_reply_error(rs, 400, "bad_request", "\"capacity\" must be above 0");
        return 0;
    }
    if (json_is_string(k) && !strcmp(json_string_value(k), "auto") && !j->realign) {
        if (!(j->capacity > 0)) {
            srv_reply_error(rs, 400, "bad_request",
                            "\"k\": \"auto\" needs \"capacity\" (> 0), the amount of the first "
                            "balanced measure a territory holds");
            return 0;
        }
    } else if (k && !json_is_null(k) && !j->realign) {
        if (!json_is_integer(k) || json_integer_value(k) < 1 || json_integer_value(k) > INT_MAX) {
            srv_reply_error(rs, 400, "bad_request",
                            "\"k\" must be a whole number >= 1 (or \"auto\" with \"capacity\")");
            return 0;
        }
        j->k = (int)json_integer_value(k);
    }
    j->tolerance = REGIO_DESIGN_DEFAULT_TOLERANCE;
    j->time_limit_s = TIME_LIMIT_DEFAULT_S;
    j->seed = 1;
    int r;
    json_t *tol = json_object_get(body, "tolerance");
    if (json_is_string(tol)) {
        /* "accounts=0.02,revenue=0.05": parsed once the measures are known */
        if (!(j->tolerance_spec = regio_strdup(json_string_value(tol)))) {
            srv_reply_error(rs, 500, "internal", "out of memory");
            return 0;
        }
        r = 1;
    } else if ((r = opt_number(body, "tolerance", &j->tolerance, rs)) < 0)
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
    json_t *reassign = json_object_get(body, "reassign_reps");
    if (reassign && !json_is_null(reassign)) {
        if (!json_is_boolean(reassign)) {
            srv_reply_error(rs, 400, "bad_request", "\"reassign_reps\" must be true or false");
            return 0;
        }
        j->reassign_reps = json_is_true(reassign);
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

/* With app->mu and J->mu held: 1 when the model name, or with proposals
 * one of NAME-1..NAME-N that the job saves, exists or is being written. */
static int target_taken(srv_app *app, const srv_jobs *J, const job *j, const char *name)
{
    if (model_exists(app, name) || target_pending(J, name))
        return 1;
    for (int i = 1; i <= j->proposals; i++) {
        char each[NAME_MAX_LEN + 80];
        snprintf(each, sizeof each, "%s-%d", name, i);
        if (model_exists(app, each) || target_pending(J, each))
            return 1;
    }
    return 0;
}

/* With app->mu and J->mu held: assigns j's id and target (default names
 * skip ids whose model exists). 0 and rs filled on a conflict. */
static int assign_target(srv_app *app, srv_jobs *J, job *j, const char *base, const char *target,
                         srv_response *rs)
{
    if (target) {
        if (target_taken(app, J, j, target)) {
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
        /* The base's first 80 characters: the name stays within the
         * library's 100 (regio_model_name_check). */
        const char *b = base ? base : "design";
        int len = 0, chars = 0;
        while (b[len] && !(((unsigned char)b[len] & 0xc0) != 0x80 && ++chars > 80))
            len++;
        char name[NAME_MAX_LEN + 64];
        snprintf(name, sizeof name, "%.*s-%s-%ld", len, b, j->realign ? "realign" : "design",
                 J->next_id);
        for (char *c = name; *c; c++)
            if (*c == '/')
                *c = '-'; /* a default name stays addressable in a URL */
        if (target_taken(app, J, j, name)) {
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
    if (!j->actor || (base && !j->base)) {
        srv_reply_error(rs, 500, "internal", "out of memory");
        goto fail;
    }

    pthread_mutex_lock(&app->mu);
    const regio_design_problem *p = srv_units(app, rs);
    if (!p || !parse_balance(j, p, json_object_get(body, "balance"), app->default_measure, rs) ||
        !parse_options(body, j, p, rs))
        goto unlock;
    if (base) {
        srv_workspace *w = srv_workspace_get(app, base, rs);
        if (!w)
            goto unlock;
        int used = used_territories(app, w);
        if (j->realign) {
            /* Units added since the model was made are assigned by the
             * realign (regio_model_view_realign_input); none aligned at
             * all is nothing to start from. */
            if (w->v->n_aligned == 0 || used == 0) {
                srv_reply_error(rs, 422, "unprocessable",
                                "model '%s' aligns no unit: a realign starts from an alignment "
                                "(design one first)",
                                base);
                goto unlock;
            }
        } else if (!j->k) {
            j->k = used;
        }
    }
    if (!j->realign && j->capacity > 0 && !j->n_homes)
        j->k = regio_design_k_for_capacity(&p->in, j->balance[0], j->capacity);
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
    srv_jobs *J = srv_jobs_table(app, 1);
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
    json_decref(body);
    return;
unlock:
    pthread_mutex_unlock(&app->mu);
fail:
    srv_job_free(j);
    json_decref(body);
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
