/*
 * Core API: health, config, models, territories with their METRICS.md
 * figures (JSON and GeoJSON with dissolved outlines), the alignment and
 * its edits (moves, locks) guarded by the model's revision.
 */
#include "server/handlers.h"
#include "server/render.h"

#include "regio/buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Most moves or locks in one request. */
#define MAX_BATCH 100000

SRV_HANDLER(api_health)
{
    (void)app;
    (void)rq;
    srv_reply_json(rs, 200, json_pack("{s:s}", "status", "ok"));
}

SRV_HANDLER(api_config)
{
    pthread_mutex_lock(&app->mu);
    json_t *measures = json_array();
    const regio_design_problem *p = srv_units(app, rs);
    if (p)
        for (size_t c = 0; c < p->in.m; c++)
            json_array_append_new(measures, json_string(p->in.measure_names[c]));
    char *dflt = srv_default_model_for(app, rq);
    json_t *v = json_pack("{s:s,s:o,s:o,s:o,s:s?}", "version", regio_version(), "default_model",
                          srv_json_str(dflt), "measures", measures, "tile_url",
                          srv_json_str(app->opts.tile_url),
                          "default_measure",
                          p ? p->in.measure_names[app->default_measure] : NULL);
    regio_free(dflt);
    pthread_mutex_unlock(&app->mu);
    srv_reply_json(rs, 200, v);
}

/* ---- models ------------------------------------------------------------------ */

char *srv_default_model_for(srv_app *app, srv_request *rq)
{
    /* Rule 1: only managers see planning and archived models. */
    return srv_caller_manages(rq) ? srv_default_model(app) : regio_strdup(srv_caller_model(rq));
}

typedef struct model_list {
    srv_request *rq;
    json_t *arr;
} model_list;

static int add_model(void *ud, const regio_model_info *m)
{
    model_list *l = ud;
    if (srv_caller_sees_model(l->rq, m->name))
        json_array_append_new(l->arr, srv_model_json(m));
    return 0;
}

/* Rule 11 for a restricted caller: keeps the elements of arr (objects with
 * an "id" territory) the caller may see. */
static void visible_only(srv_request *rq, const char *model, json_t *arr)
{
    for (size_t i = json_array_size(arr); i-- > 0;) {
        const char *id = json_string_value(json_object_get(json_array_get(arr, i), "id"));
        if (!id || !srv_caller_sees_territory(rq, model, id))
            json_array_remove(arr, i);
    }
}

void srv_model_add_counts(srv_app *app, json_t *mj)
{
    srv_response tmp = {0};
    regio_buf_init(&tmp.body, 0);
    srv_workspace *w = srv_workspace_get(app, json_string_value(json_object_get(mj, "name")), &tmp);
    srv_response_clear(&tmp);
    long aligned = 0;
    if (w)
        for (size_t i = 0; i < app->units->in.n; i++)
            aligned += w->v->labels[i] >= 0;
    json_object_set_new(mj, "territories", w ? json_integer(w->v->k) : json_null());
    json_object_set_new(mj, "units_aligned", w ? json_integer(aligned) : json_null());
}

SRV_HANDLER(api_models_list)
{
    pthread_mutex_lock(&app->mu);
    json_t *arr = json_array();
    model_list l = {rq, arr};
    regio_error err;
    /* ?at=DAY: each model's state as of that day (default today). */
    regio_err rc = regio_store_model_list_at(app->store, srv_query(rq, "at"), add_model, &l, &err);
    for (size_t i = 0; !rc && i < json_array_size(arr); i++)
        srv_model_add_counts(app, json_array_get(arr, i));
    char *dflt = rc ? NULL : srv_default_model_for(app, rq);
    pthread_mutex_unlock(&app->mu);
    if (rc) {
        json_decref(arr);
        srv_reply_regio_error(rs, rc, &err);
        return;
    }
    srv_reply_json(rs, 200,
                   json_pack("{s:o,s:o}", "default", srv_json_str(dflt),
                             "models", arr));
    regio_free(dflt);
}

SRV_HANDLER(api_model_get)
{
    pthread_mutex_lock(&app->mu);
    regio_model_info m;
    memset(&m, 0, sizeof m);
    regio_error err;
    regio_err rc =
        regio_store_model_find_at(app->store, rq->params[0], srv_query(rq, "at"), &m, &err);
    json_t *v = rc ? NULL : srv_model_json(&m);
    if (v)
        srv_model_add_counts(app, v);
    pthread_mutex_unlock(&app->mu);
    regio_model_info_clear(&m);
    if (rc)
        srv_reply_regio_error(rs, rc, &err);
    else
        srv_reply_json(rs, 200, v);
}

/* ---- territories ------------------------------------------------------------- */

SRV_HANDLER(api_territories)
{
    pthread_mutex_lock(&app->mu);
    srv_workspace *w = srv_workspace_get(app, rq->params[0], rs);
    json_t *v = w ? srv_territories_json(app, w, srv_query(rq, "balance"), rs) : NULL;
    pthread_mutex_unlock(&app->mu);
    if (v && !srv_caller_sees_all(rq)) {
        /* Only the caller's part of the market; the model-wide summary
         * (every territory's totals) is not theirs to read. */
        visible_only(rq, rq->params[0], json_object_get(v, "territories"));
        visible_only(rq, rq->params[0], json_object_get(v, "hierarchy"));
        json_object_set_new(v, "summary", json_null());
    }
    if (v)
        srv_reply_json(rs, 200, v);
}

srv_blob *srv_territories_blob(srv_app *app, srv_workspace *w, srv_response *rs)
{
    if (w->geojson)
        return w->geojson;
    const regio_design_problem *p = app->units;
    regio_error err;
    regio_error_clear(&err);
    if (w->n_outline != w->v->k) {
        srv_reply_error(rs, 500, "internal", "out of memory resizing the outlines");
        return NULL;
    }
    for (int t = 0; t < w->v->k; t++) {
        if (w->outline[t])
            continue;
        regio_err rc = regio_geo_outline(p->loaded.units, w->v->labels, t,
                                         REGIO_TERRITORY_SIMPLIFY_DEG,
                                         REGIO_OUTLINE_GEOJSON, &w->outline[t], &err);
        if (rc) {
            srv_reply_regio_error(rs, rc, &err);
            return NULL;
        }
    }
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc = regio_buf_printf(&b, "{\"type\":\"FeatureCollection\",\"model\":");
    regio_buf_json_str(&b, w->v->model);
    regio_buf_printf(&b, ",\"revision\":%ld,\"features\":[", w->v->revision);
    for (int t = 0; t < w->v->k && !rc; t++) {
        json_t *props = srv_territory_json(app, w, t);
        char *ps = json_dumps(props, JSON_COMPACT | JSON_REAL_PRECISION(10));
        json_decref(props);
        if (!ps) {
            rc = REGIO_ENOMEM;
            break;
        }
        regio_buf_printf(&b, "%s{\"type\":\"Feature\",\"id\":", t ? "," : "");
        regio_buf_json_str(&b, w->v->territory[t]);
        regio_buf_printf(&b, ",\"properties\":%s,\"geometry\":%s}", ps,
                          w->outline[t] ? w->outline[t] : "null");
        free(ps);
    }
    if (!rc)
        rc = regio_buf_puts(&b, "]}");
    if (rc || !(w->geojson = srv_blob_from_buf(&b))) {
        regio_buf_free(&b);
        srv_reply_error(rs, 500, "internal", "out of memory building the GeoJSON");
        return NULL;
    }
    return w->geojson;
}

static void reply_geojson(srv_app *app, srv_request *rq, const char *model, srv_response *rs)
{
    int all = srv_caller_sees_all(rq);
    pthread_mutex_lock(&app->mu);
    srv_workspace *w = srv_workspace_get(app, model, rs);
    srv_blob *b = w ? srv_territories_blob(app, w, rs) : NULL;
    if (b && all)
        srv_reply_blob(rs, 200, "application/geo+json", b);
    else if (b)
        srv_blob_ref(b);
    pthread_mutex_unlock(&app->mu);
    if (!b || all)
        return;
    /* A restricted caller gets the features of their territories only. */
    json_t *fc = json_loadb(srv_blob_data(b), srv_blob_len(b), 0, NULL);
    srv_blob_unref(b);
    if (!fc) {
        srv_reply_error(rs, 500, "internal", "out of memory");
        return;
    }
    visible_only(rq, json_string_value(json_object_get(fc, "model")),
                 json_object_get(fc, "features"));
    char *text = json_dumps(fc, JSON_COMPACT | JSON_REAL_PRECISION(10));
    json_decref(fc);
    if (!text) {
        srv_reply_error(rs, 500, "internal", "out of memory");
        return;
    }
    srv_reply_bytes(rs, 200, "application/geo+json", text, strlen(text));
    free(text);
}

SRV_HANDLER(api_territories_geojson) { reply_geojson(app, rq, rq->params[0], rs); }

SRV_HANDLER(api_default_territories_geojson)
{
    char *m = srv_default_model_for(app, rq);
    if (!m) {
        srv_reply_error(rs, 404, "not_found", "no territory model to show");
        return;
    }
    reply_geojson(app, rq, m, rs);
    regio_free(m);
}

/* ---- alignment ------------------------------------------------------------------ */

static int add_override(void *ud, const regio_alignment_row *row)
{
    if (row->account_id && row->territory)
        json_object_set_new(ud, row->account_id, json_string(row->territory));
    return 0;
}

SRV_HANDLER(api_alignment)
{
    pthread_mutex_lock(&app->mu);
    srv_workspace *w = srv_workspace_get(app, rq->params[0], rs);
    if (!w) {
        pthread_mutex_unlock(&app->mu);
        return;
    }
    const regio_design_problem *p = app->units;
    json_t *units = json_object(), *locked = json_array();
    int all = srv_caller_sees_all(rq);
    for (size_t i = 0; i < p->in.n; i++) {
        /* A restricted caller gets the units of the territories they see. */
        if (w->v->labels[i] < 0 ||
            (!all && !srv_caller_sees_territory(rq, w->v->model, w->v->territory[w->v->labels[i]])))
            continue;
        json_object_set_new(units, p->in.unit_ids[i], json_string(w->v->territory[w->v->labels[i]]));
        if (w->v->locked[i])
            json_array_append_new(locked, json_string(p->in.unit_ids[i]));
    }
    json_t *accounts = json_object();
    regio_error err;
    regio_err rc = regio_store_alignment_foreach(app->store, w->v->model, add_override, accounts, &err);
    if (!rc && !srv_caller_reads_all(rq)) {
        const char *key;
        json_t *val;
        void *tmp;
        json_object_foreach_safe(accounts, tmp, key, val) {
            if (srv_caller_level(rq, key) == REGIO_LEVEL_NONE)
                json_object_del(accounts, key);
        }
    }
    json_t *v = rc ? NULL
                   : json_pack("{s:s,s:I,s:o,s:o,s:o}", "model", w->v->model, "revision",
                               (json_int_t)w->v->revision, "units", units, "locked", locked,
                               "accounts", accounts);
    pthread_mutex_unlock(&app->mu);
    if (rc) {
        json_decref(units);
        json_decref(locked);
        json_decref(accounts);
        srv_reply_regio_error(rs, rc, &err);
        return;
    }
    srv_reply_json(rs, 200, v);
}

/* Reads "revision" from the body: 1 and *rev on success, else fills rs. */
static int body_revision(json_t *body, long *rev, srv_response *rs)
{
    json_t *r = json_object_get(body, "revision");
    if (!json_is_integer(r)) {
        srv_reply_error(rs, 400, "bad_request",
                        "\"revision\" (an integer, the revision the change is based on) is required");
        return 0;
    }
    *rev = (long)json_integer_value(r);
    return 1;
}

static void reply_stale(srv_response *rs, long current, long given)
{
    srv_reply_json(rs, 409,
                   json_pack("{s:{s:s,s:s},s:I}", "error", "code", "stale_revision", "message",
                             given < current
                                 ? "the alignment changed since this revision; reload and retry"
                                 : "no such revision; reload and retry",
                             "revision", (json_int_t)current));
}

/* Maps an apply/lock failure from the store to a response. */
static void reply_apply_error(srv_response *rs, regio_err rc, regio_apply_status st, long current,
                              long given, const regio_error *err)
{
    switch (st) {
    case REGIO_APPLY_STALE: reply_stale(rs, current, given); return;
    case REGIO_APPLY_NOT_EDITABLE:
        srv_reply_error(rs, 409, "not_editable", "%s", err->msg);
        return;
    case REGIO_APPLY_LOCKED: srv_reply_error(rs, 409, "unit_locked", "%s", err->msg); return;
    case REGIO_APPLY_NOT_FOUND: srv_reply_error(rs, 404, "not_found", "%s", err->msg); return;
    default: break;
    }
    if (rc == REGIO_EDATA || rc == REGIO_ENOTFOUND)
        srv_reply_error(rs, 422, "unprocessable", "%s", err->msg);
    else
        srv_reply_regio_error(rs, rc, err);
}

/* The edit's guards before its workspace: 1 when it may go on, else the
 * refusal is in rs (an edit on an old revision costs one read, not a
 * load of the model). Under app->mu. */
static int edit_guard(srv_app *app, const srv_request *rq, long rev, int lock, srv_response *rs)
{
    long cur = -1;
    regio_apply_status st = REGIO_APPLY_OK;
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = regio_model_edit_guard(app->store, rq->params[0], rev, lock, rq->actor, &cur,
                                          &st, &err);
    if (rc)
        reply_apply_error(rs, rc, st, cur, rev, &err);
    return rc == REGIO_OK;
}

SRV_HANDLER(api_moves)
{
    json_t *body = srv_body_json(rq, rs);
    if (!body)
        return;
    long rev = 0;
    json_t *moves = json_object_get(body, "moves");
    if (!body_revision(body, &rev, rs))
        goto done;
    if (!json_is_array(moves) || json_array_size(moves) == 0 ||
        json_array_size(moves) > MAX_BATCH) {
        srv_reply_error(rs, 400, "bad_request",
                        "\"moves\" must be a non-empty array of {\"unit\"|\"account\", \"to\"}");
        goto done;
    }
    size_t n = json_array_size(moves);
    regio_alignment_row *rows = regio_calloc(n, sizeof *rows);
    if (!rows) {
        srv_reply_error(rs, 500, "internal", "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *mv = json_array_get(moves, i);
        const char *unit = json_string_value(json_object_get(mv, "unit"));
        const char *account = json_string_value(json_object_get(mv, "account"));
        const char *to = json_string_value(json_object_get(mv, "to"));
        /* An account may go back to its unit's territory: "to": null
         * removes its override. */
        int clear = account && json_is_null(json_object_get(mv, "to"));
        if (!json_is_object(mv) || (!clear && (!to || !*to)) || (!unit == !account)) {
            srv_reply_error(rs, 400, "bad_request",
                            "moves[%zu] needs \"to\" and exactly one of \"unit\" or \"account\"", i);
            regio_free(rows);
            goto done;
        }
        rows[i].unit_id = (char *)unit;
        rows[i].account_id = (char *)account;
        rows[i].territory = (char *)to;
    }

    pthread_mutex_lock(&app->mu);
    char **from = NULL;
    unsigned char *changed = NULL;
    srv_workspace *w = NULL;
    if (!edit_guard(app, rq, rev, 0, rs) || !(w = srv_workspace_get(app, rq->params[0], rs)))
        goto unlock;
    /* Where each unit was, for the answer (names: the view may be loaded
     * again by the edit). */
    if (!(from = regio_calloc(n, sizeof *from))) {
        srv_reply_error(rs, 500, "internal", "out of memory");
        goto unlock;
    }
    for (size_t i = 0; i < n; i++) {
        long u = rows[i].unit_id ? regio_unitset_find(app->units->loaded.units, rows[i].unit_id)
                                 : -1;
        if (u >= 0 && w->v->labels[u] >= 0 &&
            !(from[i] = regio_strdup(w->v->territory[w->v->labels[u]]))) {
            srv_reply_error(rs, 500, "internal", "out of memory");
            goto free_from;
        }
    }
    regio_apply_status st = REGIO_APPLY_OK;
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = regio_model_view_apply(app->store, w->v, rev, rows, n, rq->actor, &changed,
                                          &st, &err);
    if (rc) {
        long cur = w->v->revision;
        regio_store_alignment_revision(app->store, w->v->model, &cur, NULL);
        reply_apply_error(rs, rc, st, cur, rev, &err);
        if (st == REGIO_APPLY_ERROR || st == REGIO_APPLY_OK)
            srv_workspace_forget(app, rq->params[0]); /* may no longer match the store */
        goto free_from;
    }
    /* Saved: from here on the answer is a success, the full one if it can
     * be made, else this short one. */
    long saved_rev = w->v->revision >= 0 ? w->v->revision : rev + 1;
    char qm[640];
    srv_reply_saved(rs, 200, "{\"model\":%s,\"revision\":%ld,\"partial\":true}",
                    srv_json_quote(rq->params[0], qm, sizeof qm), saved_rev);
    if (w->v->revision < 0) {
        /* Applied, but the view could not follow (out of memory): load the
         * model again for the answer. */
        srv_workspace_forget(app, rq->params[0]);
        if (!(w = srv_workspace_get(app, rq->params[0], rs)))
            goto free_from;
        regio_free(changed);
        if (!(changed = regio_malloc((size_t)(w->v->k ? w->v->k : 1)))) {
            srv_reply_error(rs, 500, "internal", "out of memory");
            goto free_from;
        }
        memset(changed, 1, (size_t)(w->v->k ? w->v->k : 1));
    }
    json_t *moved = json_array();
    for (size_t i = 0; i < n; i++) {
        if (!rows[i].unit_id) {
            json_array_append_new(moved, json_pack("{s:s,s:o}", "account", rows[i].account_id,
                                                   "to", srv_json_str(rows[i].territory)));
            continue;
        }
        json_array_append_new(moved, json_pack("{s:s,s:o,s:s}", "unit", rows[i].unit_id, "from",
                                               srv_json_str(from[i]),
                                               "to", rows[i].territory));
    }
    srv_workspace_changed(w, changed);
    json_t *terrs = json_array();
    for (int t = 0; t < w->v->k; t++)
        if (changed[t])
            json_array_append_new(terrs, srv_territory_json(app, w, t));
    srv_reply_json(rs, 200,
                   json_pack("{s:s,s:I,s:o,s:o,s:o}", "model", w->v->model, "revision",
                             (json_int_t)w->v->revision, "moved", moved, "territories", terrs,
                             "summary", srv_summary_json(app, w)));
free_from:
    for (size_t i = 0; from && i < n; i++)
        regio_free(from[i]);
    regio_free(from);
    regio_free(changed);
unlock:
    pthread_mutex_unlock(&app->mu);
    regio_free(rows);
done:
    json_decref(body);
}

SRV_HANDLER(api_locks)
{
    json_t *body = srv_body_json(rq, rs);
    if (!body)
        return;
    long rev = 0;
    json_t *units = json_object_get(body, "units");
    json_t *locked = json_object_get(body, "locked");
    if (!body_revision(body, &rev, rs))
        goto done;
    if (!json_is_array(units) || json_array_size(units) == 0 ||
        json_array_size(units) > MAX_BATCH || !json_is_boolean(locked)) {
        srv_reply_error(rs, 400, "bad_request",
                        "\"units\" (a non-empty array of unit ids) and \"locked\" (true or false) "
                        "are required");
        goto done;
    }
    size_t n = json_array_size(units);
    const char **ids = regio_calloc(n, sizeof *ids);
    if (!ids) {
        srv_reply_error(rs, 500, "internal", "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        ids[i] = json_string_value(json_array_get(units, i));
        if (!ids[i]) {
            srv_reply_error(rs, 400, "bad_request", "units[%zu] is not a string", i);
            regio_free(ids);
            goto done;
        }
    }
    pthread_mutex_lock(&app->mu);
    srv_workspace *w = edit_guard(app, rq, rev, 1, rs) ? srv_workspace_get(app, rq->params[0], rs)
                                                       : NULL;
    if (w) {
        regio_apply_status st = REGIO_APPLY_OK;
        regio_error err;
        regio_error_clear(&err);
        regio_err rc = regio_model_view_lock(app->store, w->v, rev, ids, n, json_is_true(locked),
                                             rq->actor, &st, &err);
        if (rc) {
            long cur = w->v->revision;
            regio_store_alignment_revision(app->store, w->v->model, &cur, NULL);
            reply_apply_error(rs, rc, st, cur, rev, &err);
        } else {
            char qm[640];
            srv_reply_saved(rs, 200,
                            "{\"model\":%s,\"revision\":%ld,\"units\":%d,\"partial\":true}",
                            srv_json_quote(w->v->model, qm, sizeof qm), w->v->revision, (int)n);
            if (w->n_outline != w->v->k) {
                srv_workspace_changed(w, NULL); /* loaded again under the edit */
            } else {
                srv_blob_unref(w->geojson); /* the locked counts change, the outlines not */
                w->geojson = NULL;
            }
            srv_reply_json(rs, 200,
                           json_pack("{s:s,s:I,s:i}", "model", w->v->model, "revision",
                                     (json_int_t)w->v->revision, "units", (int)n));
        }
    }
    pthread_mutex_unlock(&app->mu);
    regio_free(ids);
done:
    json_decref(body);
}
