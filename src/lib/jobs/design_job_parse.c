/*
 * The parameters of a design or realign job as JSON (regio/design_job.h):
 * the body of POST /api/v1/jobs and the params of a queued job, checked as
 * `regio design|realign` checks its options (regio/design_opts.h), with
 * messages that name the JSON field.
 */
#include "regio/design_job.h"
#include "regio/design_opts.h"
#include "regio/model_view.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

static regio_err bad(regio_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static regio_err bad(regio_error *err, const char *fmt, ...)
{
    char m[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "%s", m);
}

static regio_err no_memory(regio_error *err)
{
    return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
}

void regio_design_job_destroy(regio_design_job *j)
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
    json_decref((json_t *)j->doc_);
    regio_free(j);
}

/* Reads an optional number field: 1 = absent (or null), 0 = read, -1 =
 * not a number (err filled). */
static int opt_number(json_t *body, const char *key, double *out, regio_error *err)
{
    json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v))
        return 1;
    if (!json_is_number(v) || !isfinite(json_number_value(v))) {
        bad(err, "\"%s\" must be a number", key);
        return -1;
    }
    *out = json_number_value(v);
    return 0;
}

/* Reads an optional model name field into *out (a copy): a new model's
 * name (target) follows the rules of regio_model_name_check. */
static regio_err opt_name(json_t *body, const char *key, int new_name, char **out,
                          regio_error *err)
{
    json_t *v = json_object_get(body, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return REGIO_OK;
    if (!json_is_string(v))
        return bad(err, "\"%s\" must be a string", key);
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v))
        return bad(err, "\"%s\" must not contain NUL characters", key);
    regio_error e;
    if (new_name && regio_model_name_check(s, &e))
        return bad(err, "%s", e.msg);
    return (*out = regio_strdup(s)) ? REGIO_OK : no_memory(err);
}

/* The measures of p as "a, b, c" (for messages); caller frees the buffer. */
static void known_measures(const regio_design_problem *p, regio_buf *known)
{
    regio_buf_init(known, 4096);
    for (size_t c = 0; c < p->in.m; c++)
        regio_buf_printf(known, "%s%s", c ? ", " : "", p->in.measure_names[c]);
}

/* Adds measure name (len bytes) to j->balance. */
static regio_err add_measure(regio_design_job *j, const regio_design_problem *p, const char *name,
                             size_t len, regio_error *err)
{
    for (size_t c = 0; c < p->in.m; c++) {
        const char *mn = p->in.measure_names[c];
        if (strlen(mn) != len || strncmp(mn, name, len) != 0)
            continue;
        for (size_t b = 0; b < j->n_balance; b++)
            if (j->balance[b] == (int)c)
                return bad(err, "\"balance\" names '%s' twice", mn);
        int *nb = regio_realloc(j->balance, (j->n_balance + 1) * sizeof *nb);
        if (!nb)
            return no_memory(err);
        j->balance = nb;
        j->balance[j->n_balance++] = (int)c;
        return REGIO_OK;
    }
    regio_buf known;
    known_measures(p, &known);
    regio_err rc = bad(err, "\"balance\": unknown measure '%.*s' (measures: %s)",
                       (int)(len > 200 ? 200 : len), name, known.data ? known.data : "");
    regio_buf_free(&known);
    return rc;
}

/* "balance": an array of measure names or one comma-separated string. */
static regio_err parse_balance(regio_design_job *j, const regio_design_problem *p, json_t *v,
                               int dflt, regio_error *err)
{
    regio_err rc = REGIO_OK;
    if (!v || json_is_null(v))
        return add_measure(j, p, p->in.measure_names[dflt], strlen(p->in.measure_names[dflt]),
                           err);
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        while (*s && !rc) {
            const char *e = strchr(s, ',');
            size_t len = e ? (size_t)(e - s) : strlen(s);
            rc = add_measure(j, p, s, len, err);
            s += len + (e ? 1 : 0);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *it;
        json_array_foreach(v, i, it)
        {
            const char *s = json_string_value(it);
            if (!s)
                return bad(err, "\"balance\"[%zu] is not a measure name", i);
            if ((rc = add_measure(j, p, s, strlen(s), err)))
                return rc;
        }
    }
    if (!rc && !j->n_balance)
        return bad(err, "\"balance\" must be a non-empty array of measure names");
    return rc;
}

/* The index of measure name into *col, or REGIO_EINVAL naming the measures. */
static regio_err measure_of(const regio_design_problem *p, const char *key, const char *name,
                            int *col, regio_error *err)
{
    for (size_t c = 0; c < p->in.m; c++)
        if (!strcmp(p->in.measure_names[c], name)) {
            *col = (int)c;
            return REGIO_OK;
        }
    regio_buf known;
    known_measures(p, &known);
    regio_err rc = bad(err, "\"%s\": unknown measure '%.200s' (measures: %s)", key, name,
                       known.data ? known.data : "");
    regio_buf_free(&known);
    return rc;
}

/* "index_weights": an array of numbers or "W,W,..." (the CLI's text). */
static regio_err parse_weights(json_t *v, regio_design_job *j, regio_error *err)
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
                return bad(err, "\"index_weights\"[%zu] is not a number", i);
            }
            regio_buf_printf(&b, "%s%.17g", i ? "," : "", json_number_value(it));
        }
    } else {
        return bad(err, "\"index_weights\" must be an array of numbers, one per measure of "
                        "\"balance\"");
    }
    if (!(j->index_weights = regio_calloc(j->n_balance, sizeof *j->index_weights))) {
        regio_buf_free(&b);
        return no_memory(err);
    }
    regio_err rc = regio_design_index_weights_parse(b.data ? b.data : "", REGIO_OPTS_JSON,
                                                    j->n_balance, j->index_weights, err);
    regio_buf_free(&b);
    return rc;
}

/* "locked": {"unit id": "territory"}; "targets": {"territory": share}. */
static regio_err parse_pairs(json_t *body, regio_design_job *j, const regio_design_problem *p,
                             regio_error *err)
{
    json_t *lk = json_object_get(body, "locked");
    if (lk && !json_is_null(lk)) {
        if (!json_is_object(lk))
            return bad(err, "\"locked\" must be an object of unit id: territory");
        size_t n = json_object_size(lk);
        j->locked_units = regio_calloc(n ? n : 1, sizeof *j->locked_units);
        j->locked_terr = regio_calloc(n ? n : 1, sizeof *j->locked_terr);
        if (!j->locked_units || !j->locked_terr)
            return no_memory(err);
        const char *key;
        json_t *t;
        json_object_foreach(lk, key, t)
        {
            long u = regio_unitset_find(p->loaded.units, key);
            if (u < 0)
                return bad(err, "\"locked\": no unit '%.200s'", key);
            if (!json_is_string(t))
                return bad(err, "\"locked\": unit '%.200s' needs a territory name", key);
            j->locked_units[j->n_locked] = (size_t)u;
            if (!(j->locked_terr[j->n_locked++] = regio_strdup(json_string_value(t))))
                return no_memory(err);
        }
    }
    json_t *tg = json_object_get(body, "targets");
    if (tg && !json_is_null(tg)) {
        if (!json_is_object(tg) || !json_object_size(tg))
            return bad(err, "\"targets\" must be an object of territory: share");
        size_t n = json_object_size(tg);
        j->target_terr = regio_calloc(n, sizeof *j->target_terr);
        j->target_share = regio_calloc(n, sizeof *j->target_share);
        if (!j->target_terr || !j->target_share)
            return no_memory(err);
        const char *key;
        json_t *v;
        json_object_foreach(tg, key, v)
        {
            if (!json_is_number(v) || !(json_number_value(v) > 0) ||
                !isfinite(json_number_value(v)))
                return bad(err, "\"targets\": territory '%.200s' needs a share above 0", key);
            j->target_share[j->n_targets] = json_number_value(v);
            if (!(j->target_terr[j->n_targets++] = regio_strdup(key)))
                return no_memory(err);
        }
    }
    return REGIO_OK;
}

/* "homes": [{"id", "lat", "lon"}, ...], a design's reps (the CLI's --homes
 * file): one territory per rep, named after it and centred on its home. */
static regio_err parse_homes(json_t *body, regio_design_job *j, regio_error *err)
{
    json_t *h = json_object_get(body, "homes");
    if (!h || json_is_null(h))
        return REGIO_OK;
    if (j->realign || !json_is_array(h) || !json_array_size(h))
        return bad(err, "\"homes\" (a design's reps) must be a non-empty array of "
                        "{\"id\", \"lat\", \"lon\"}");
    size_t n = json_array_size(h);
    j->home_ids = regio_calloc(n, sizeof *j->home_ids);
    j->home_lat = regio_calloc(n, sizeof *j->home_lat);
    j->home_lon = regio_calloc(n, sizeof *j->home_lon);
    if (!j->home_ids || !j->home_lat || !j->home_lon)
        return no_memory(err);
    size_t i;
    json_t *it;
    json_array_foreach(h, i, it)
    {
        const char *id = json_string_value(json_object_get(it, "id"));
        json_t *la = json_object_get(it, "lat"), *lo = json_object_get(it, "lon");
        if (!id || !*id || !json_is_number(la) || !json_is_number(lo) ||
            fabs(json_number_value(la)) > 90 || fabs(json_number_value(lo)) > 180)
            return bad(err, "\"homes\"[%zu] needs an \"id\" and a home: \"lat\" (-90..90) and "
                            "\"lon\" (-180..180)",
                       i);
        for (size_t q = 0; q < i; q++)
            if (!strcmp(j->home_ids[q], id))
                return bad(err, "\"homes\" names rep '%.200s' twice", id);
        j->home_lat[i] = json_number_value(la);
        j->home_lon[i] = json_number_value(lo);
        if (!(j->home_ids[i] = regio_strdup(id)))
            return no_memory(err);
        j->n_homes = i + 1;
    }
    if (j->k && (size_t)j->k != n)
        return bad(err, "\"k\" %d conflicts with the %zu reps of \"homes\" (one territory per rep)",
                   j->k, n);
    j->k = (int)n;
    return REGIO_OK;
}

/* The CLI's other options, once the measures are known: each parsed and
 * checked by the library as `regio design|realign` has it parsed. */
static regio_err parse_options(json_t *body, regio_design_job *j, const regio_design_problem *p,
                               regio_error *err)
{
    regio_err rc;
    j->travel_col = REGIO_DESIGN_TRAVEL_DEFAULT;
    j->objective = REGIO_DESIGN_MIN_TRAVEL;
    if (j->tolerance_spec) {
        int named = 0;
        if (!(j->tolerances = regio_calloc(j->n_balance, sizeof *j->tolerances)))
            return no_memory(err);
        if ((rc = regio_design_tolerances_parse(j->tolerance_spec, REGIO_OPTS_JSON,
                                                p->in.measure_names, j->balance, j->n_balance,
                                                &j->tolerance, j->tolerances, &named, err)))
            return rc;
        if (!named) {
            regio_free(j->tolerances);
            j->tolerances = NULL;
        }
    }
    json_t *v = json_object_get(body, "index_weights");
    if (v && !json_is_null(v) && (rc = parse_weights(v, j, err)))
        return rc;
    v = json_object_get(body, "travel");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v))
            return bad(err, "\"travel\" must be a measure name");
        if ((rc = measure_of(p, "travel", json_string_value(v), &j->travel_col, err)))
            return rc;
    }
    v = json_object_get(body, "objective");
    if (v && !json_is_null(v)) {
        regio_design_objective o;
        if ((rc = regio_design_objective_parse(json_string_value(v), REGIO_OPTS_JSON, &o, err)))
            return rc;
        j->objective = (int)o;
    }
    v = json_object_get(body, "starts");
    if (v && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1000)
            return bad(err, "\"starts\" takes a number from 1 to 1000");
        j->starts = (int)json_integer_value(v);
    }
    v = json_object_get(body, "proposals");
    if (v && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 20)
            return bad(err, "\"proposals\" takes a number from 1 to 20");
        j->proposals = (int)json_integer_value(v);
    }
    if (opt_number(body, "max_moved_weight", &j->max_moved_weight, err) < 0)
        return REGIO_EINVAL;
    regio_design_params chk;
    regio_design_params_init(&chk);
    chk.time_limit_s = j->time_limit_s;
    chk.max_moved_units = j->max_moved;
    chk.max_moved_weight = j->max_moved_weight;
    chk.n_starts = j->starts;
    if ((rc = regio_design_numbers_check(&chk, REGIO_OPTS_JSON, err)))
        return rc;
    v = json_object_get(body, "keep_whole");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v))
            return bad(err, "\"keep_whole\" must be an attribute name");
        if (!(j->keep_whole = regio_strdup(json_string_value(v))) ||
            !(j->groups = regio_malloc((p->in.n ? p->in.n : 1) * sizeof *j->groups)))
            return no_memory(err);
        if ((rc = regio_design_groups_by_attribute(p->loaded.units, j->keep_whole,
                                                   REGIO_OPTS_JSON, j->groups, err)))
            return rc;
    }
    if ((rc = parse_pairs(body, j, p, err)))
        return rc;
    return parse_homes(body, j, err);
}

/* Everything that needs no units. */
static regio_err parse_job(json_t *body, regio_design_job *j, regio_error *err)
{
    const char *kind = json_string_value(json_object_get(body, "kind"));
    if (!kind || (strcmp(kind, "design") != 0 && strcmp(kind, "realign") != 0))
        return bad(err, "\"kind\" must be \"design\" or \"realign\"");
    j->realign = !strcmp(kind, "realign");
    regio_err rc = opt_name(body, "model", 0, &j->base, err);
    if (!rc)
        rc = opt_name(body, "target", 1, &j->target, err);
    if (rc)
        return rc;
    if (j->realign && !j->base)
        return bad(err, "\"model\" (the model to realign) is required for a realign");
    json_t *k = json_object_get(body, "k");
    /* "capacity" (> 0): k from the first balanced measure, as --capacity */
    int cr = opt_number(body, "capacity", &j->capacity, err);
    if (cr < 0)
        return REGIO_EINVAL;
    if (!cr && !(j->capacity > 0))
        return bad(err, "\"capacity\" must be above 0");
    if (json_is_string(k) && !strcmp(json_string_value(k), "auto") && !j->realign) {
        if (!(j->capacity > 0))
            return bad(err, "\"k\": \"auto\" needs \"capacity\" (> 0), the amount of the first "
                            "balanced measure a territory holds");
    } else if (k && !json_is_null(k) && !j->realign) {
        if (!json_is_integer(k) || json_integer_value(k) < 1 || json_integer_value(k) > INT_MAX)
            return bad(err, "\"k\" must be a whole number >= 1 (or \"auto\" with \"capacity\")");
        j->k = (int)json_integer_value(k);
    }
    j->tolerance = REGIO_DESIGN_DEFAULT_TOLERANCE;
    j->time_limit_s = REGIO_DESIGN_JOB_TIME_LIMIT_DEFAULT_S;
    j->seed = 1;
    int r;
    json_t *tol = json_object_get(body, "tolerance");
    if (json_is_string(tol)) {
        /* "accounts=0.02,revenue=0.05": parsed once the measures are known */
        if (!(j->tolerance_spec = regio_strdup(json_string_value(tol))))
            return no_memory(err);
        r = 1;
    } else if ((r = opt_number(body, "tolerance", &j->tolerance, err)) < 0)
        return REGIO_EINVAL;
    if (!r && (j->tolerance <= 0 || j->tolerance >= 1))
        return bad(err, "\"tolerance\" must be above 0 and below 1");
    if ((r = opt_number(body, "time_limit", &j->time_limit_s, err)) < 0)
        return REGIO_EINVAL;
    if (!r && (j->time_limit_s <= 0 || j->time_limit_s > REGIO_DESIGN_JOB_TIME_LIMIT_MAX_S))
        return bad(err, "\"time_limit\" must be above 0 and at most %.0f seconds",
                   REGIO_DESIGN_JOB_TIME_LIMIT_MAX_S);
    if ((r = opt_number(body, "max_moved", &j->max_moved, err)) < 0)
        return REGIO_EINVAL;
    if (!r && (j->max_moved < 0 || j->max_moved > 1))
        return bad(err, "\"max_moved\" must be a share of units from 0 to 1 (0 = no cap)");
    json_t *reassign = json_object_get(body, "reassign_reps");
    if (reassign && !json_is_null(reassign)) {
        if (!json_is_boolean(reassign))
            return bad(err, "\"reassign_reps\" must be true or false");
        j->reassign_reps = json_is_true(reassign);
    }
    json_t *seed = json_object_get(body, "seed");
    if (seed && !json_is_null(seed)) {
        if (!json_is_integer(seed) || json_integer_value(seed) < 0)
            return bad(err, "\"seed\" must be a whole number >= 0");
        j->seed = (uint64_t)json_integer_value(seed);
    }
    return REGIO_OK;
}

regio_err regio_design_job_parse(const char *json, size_t len, regio_design_job **out,
                                 regio_error *err)
{
    *out = NULL;
    json_error_t je;
    json_t *body = json ? json_loadb(json, len, 0, &je) : NULL;
    if (!json_is_object(body)) {
        json_decref(body);
        return regio_error_setf(err, REGIO_EPARSE, NULL, 0, NULL,
                                "a job's parameters must be a JSON object");
    }
    regio_design_job *j = regio_calloc(1, sizeof *j);
    if (!j) {
        json_decref(body);
        return no_memory(err);
    }
    j->doc_ = body;
    regio_err rc = parse_job(body, j, err);
    if (rc) {
        regio_design_job_destroy(j);
        return rc;
    }
    *out = j;
    return REGIO_OK;
}

regio_err regio_design_job_bind(regio_design_job *j, const regio_design_problem *p,
                                int default_measure, regio_error *err)
{
    json_t *body = j->doc_;
    regio_err rc = parse_balance(j, p, json_object_get(body, "balance"), default_measure, err);
    if (!rc)
        rc = parse_options(body, j, p, err);
    return rc;
}

/* Number of territories of v that hold units. */
static int used_territories(const regio_design_problem *p, const regio_model_view *v)
{
    int used = 0;
    unsigned char *seen = regio_calloc((size_t)(v->k ? v->k : 1), 1);
    if (!seen)
        return v->k;
    for (size_t i = 0; i < p->in.n; i++)
        if (v->labels[i] >= 0 && !seen[v->labels[i]]) {
            seen[v->labels[i]] = 1;
            used++;
        }
    regio_free(seen);
    return used;
}

regio_err regio_design_job_settle(regio_design_job *j, const regio_design_problem *p,
                                  const regio_model_view *base, regio_error *err)
{
    if (base) {
        int used = used_territories(p, base);
        if (j->realign) {
            /* Units added since the model was made are assigned by the
             * realign (regio_model_view_realign_input); none aligned at
             * all is nothing to start from. */
            if (base->n_aligned == 0 || used == 0)
                return regio_error_setf(err, REGIO_EDATA, NULL, 0, NULL,
                                        "model '%s' aligns no unit: a realign starts from an "
                                        "alignment (design one first)",
                                        j->base);
        } else if (!j->k) {
            j->k = used;
        }
    }
    if (j->realign)
        return REGIO_OK;
    if (j->capacity > 0 && !j->n_homes)
        j->k = regio_design_k_for_capacity(&p->in, j->balance[0], j->capacity);
    if (!j->k)
        return bad(err, "\"k\" (the number of territories) is required without a \"model\"");
    if ((size_t)j->k > p->in.n)
        return bad(err, "\"k\" %d exceeds the %zu units", j->k, p->in.n);
    return REGIO_OK;
}

int regio_design_job_default_measure(const regio_design_problem *p)
{
    for (size_t c = 0; c < p->in.m; c++)
        if (!strcmp(p->in.measure_names[c], "accounts"))
            return (int)c;
    return 0;
}
