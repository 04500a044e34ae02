/*
 * Application state of `regio serve`: the store, the units loaded once as
 * a design problem (coordinates, measures, adjacency, polygons), and one
 * workspace per territory model (labels and locks at a revision, cached
 * outlines and GeoJSON). Everything here runs with app->mu held.
 */
#include "server/app.h"
#include "server/jobs.h"


#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors ------------------------------------------------------------------ */

void srv_reply_regio_error(srv_response *rs, regio_err rc, const regio_error *err)
{
    char msg[1024];
    regio_error_format(err, msg, sizeof msg);
    if (!msg[0])
        snprintf(msg, sizeof msg, "%s", regio_strerror(rc));
    switch (rc) {
    case REGIO_ENOTFOUND: srv_reply_error(rs, 404, "not_found", "%s", msg); break;
    case REGIO_ECONFLICT: srv_reply_error(rs, 409, "conflict", "%s", msg); break;
    case REGIO_EINVAL:
    case REGIO_EPARSE: srv_reply_error(rs, 400, "bad_request", "%s", msg); break;
    case REGIO_EDATA:
    case REGIO_EINFEASIBLE: srv_reply_error(rs, 422, "unprocessable", "%s", msg); break;
    case REGIO_ECANCELLED: srv_reply_error(rs, 409, "cancelled", "%s", msg); break;
    default:
        /* The detail (a store message) goes to the server's log, not to
         * the caller. */
        fprintf(stderr, "regio serve: internal error: %s\n", msg);
        srv_reply_error(rs, 500, "internal", "internal error (the server log has the details)");
        break;
    }
}

/* ---- open / close ------------------------------------------------------------- */

regio_err srv_app_open(srv_app *app, const srv_opts *o, regio_error *err)
{
    memset(app, 0, sizeof *app);
    app->opts = *o;
    pthread_mutex_init(&app->mu, NULL);
    regio_err rc = regio_store_open(o->db_path, &app->store, err);
    if (rc)
        return rc;
    if (!(app->throttle = regio_throttle_create()) ||
        !(app->lists = srv_page_cache_new(o->list_cache)))
        return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    if ((rc = regio_auth_init(err)))
        return rc;
    long users = 0;
    if ((rc = regio_store_login_users(app->store, &users, err)))
        return rc;
    const char *b = o->bind ? o->bind : "127.0.0.1";
    unsigned char ip[16];
    if (inet_pton(AF_INET, b, ip) != 1 && inet_pton(AF_INET6, b, ip) != 1)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "--bind '%s' is not an IP address",
                                b);
    int loopback = (inet_pton(AF_INET, b, ip) == 1 && ip[0] == 127) || !strcmp(b, "::1");
    if (!users && !loopback)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "no user can sign in, so Regio serves only on loopback "
                                "(127.0.0.1); add one first: regio user add NAME "
                                "--password-stdin (then --bind %s)",
                                b);
    /* The server's own worker (jobs.h), unless other processes do the jobs. */
    if (!o->no_worker && srv_jobs_start(app))
        return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "cannot start the job worker");
    if (o->quiet)
        return REGIO_OK;
    if (users)
        printf("Sign-in required: %ld user%s can sign in\n", users, users == 1 ? "" : "s");
    else
        printf("Single-user mode: no user can sign in, so every request on loopback acts as the "
               "local user with every right (add users with `regio user add`)\n");
    return REGIO_OK;
}

static void workspace_free(srv_workspace *w)
{
    if (!w)
        return;
    for (int t = 0; w->outline && t < w->n_outline; t++)
        regio_free(w->outline[t]);
    regio_free(w->outline);
    srv_blob_unref(w->geojson);
    regio_model_view_destroy(w->v);
    regio_free(w);
}

void srv_app_close(srv_app *app)
{
    srv_jobs_shutdown(app);
    while (app->ws) {
        srv_workspace *n = app->ws->next;
        workspace_free(app->ws);
        app->ws = n;
    }
    srv_blob_unref(app->units_geojson);
    if (app->unit_geo)
        regio_geo_outlines_free(app->unit_geo, (int)app->units->in.n);
    regio_free(app->default_name);
    regio_perf_cache_destroy(app->perf);
    srv_page_cache_free(app->lists);
    srv_access_release_locked(app->acc);
    regio_throttle_destroy(app->throttle);
    regio_design_problem_destroy(app->units);
    for (size_t i = 0; i < app->n_retired; i++)
        regio_design_problem_destroy(app->retired[i]);
    regio_free(app->retired);
    regio_store_close(app->store);
    pthread_mutex_destroy(&app->mu);
    memset(app, 0, sizeof *app);
}

/* ---- units ------------------------------------------------------------------------ */

regio_design_problem *srv_units(srv_app *app, srv_response *rs)
{
    if (app->units)
        return app->units;
    regio_error err;
    uint64_t fp = 0;
    long others = 0;
    regio_err rc = regio_store_others_version(app->store, &others, &err);
    if (!rc)
        rc = regio_store_units_fingerprint(app->store, &fp, &err);
    if (!rc)
        rc = regio_design_problem_load_units(app->store, 1, &app->units, &err);
    if (rc) {
        srv_reply_regio_error(rs, rc, &err);
        return NULL;
    }
    app->units_fp = fp;
    app->units_others = others;
    /* Balance and travel default to "accounts" when the units have it. */
    app->default_measure = regio_design_job_default_measure(app->units);
    return app->units;
}

void srv_units_refresh(srv_app *app)
{
    long others = 0;
    uint64_t fp = 0;
    if (!app->units || regio_store_others_version(app->store, &others, NULL) != REGIO_OK ||
        others == app->units_others)
        return;
    app->units_others = others;
    if (regio_store_units_fingerprint(app->store, &fp, NULL) != REGIO_OK || fp == app->units_fp)
        return;
    /* The units changed under us: models read against the old ones go,
     * and so do the unit caches; a job still running keeps its copy. */
    regio_design_problem **r =
        regio_realloc(app->retired, (app->n_retired + 1) * sizeof *app->retired);
    if (!r)
        return; /* keep serving the old units rather than free them under a job */
    app->retired = r;
    app->retired[app->n_retired++] = app->units;
    while (app->ws) {
        srv_workspace *n = app->ws->next;
        workspace_free(app->ws);
        app->ws = n;
    }
    srv_blob_unref(app->units_geojson);
    app->units_geojson = NULL;
    if (app->unit_geo)
        regio_geo_outlines_free(app->unit_geo, (int)app->units->in.n);
    app->unit_geo = NULL;
    app->units = NULL;
    app->default_valid = 0;
}

/* ---- default model ------------------------------------------------------------- */

typedef struct pick {
    char *active;
    char *newest;
    char *newest_at;
} pick;

static int pick_model(void *ud, const regio_model_info *m)
{
    pick *p = ud;
    if (m->state == REGIO_MODEL_ACTIVE && !p->active)
        p->active = regio_strdup(m->name);
    if (m->state == REGIO_MODEL_PLANNING && m->created_at &&
        (!p->newest_at || strcmp(m->created_at, p->newest_at) >= 0)) {
        regio_free(p->newest);
        regio_free(p->newest_at);
        p->newest = regio_strdup(m->name);
        p->newest_at = regio_strdup(m->created_at);
    }
    return 0;
}

char *srv_default_model(srv_app *app)
{
    pick p = {0};
    regio_error err;
    if (regio_store_model_list(app->store, pick_model, &p, &err) != REGIO_OK) {
        regio_free(p.active);
        p.active = NULL;
    }
    char *r = p.active ? p.active : p.newest;
    if (r == p.active)
        regio_free(p.newest);
    regio_free(p.newest_at);
    return r;
}

/* ---- workspaces ------------------------------------------------------------------ */

static srv_workspace *workspace_load(srv_app *app, const char *model, srv_response *rs)
{
    srv_workspace *w = regio_calloc(1, sizeof *w);
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = REGIO_ENOMEM;
    if (w)
        rc = regio_model_view_load(app->store, app->units, model, app->default_measure, &w->v,
                                   &err);
    if (!rc && !(w->outline = regio_calloc((size_t)(w->v->k ? w->v->k : 1), sizeof *w->outline)))
        rc = REGIO_ENOMEM;
    if (!rc)
        w->n_outline = w->v->k;
    if (rc) {
        if (w)
            workspace_free(w);
        srv_reply_regio_error(rs, rc, &err);
        return NULL;
    }
    return w;
}

void srv_workspace_changed(srv_workspace *w, const unsigned char *changed)
{
    if (w->n_outline != w->v->k) {
        /* The view was loaded again under the edit: other territories. */
        char **o = regio_calloc((size_t)(w->v->k ? w->v->k : 1), sizeof *o);
        if (o) {
            for (int t = 0; t < w->n_outline; t++)
                regio_free(w->outline[t]);
            regio_free(w->outline);
            w->outline = o;
            w->n_outline = w->v->k;
        }
        changed = NULL;
    }
    for (int t = 0; t < w->n_outline && t < w->v->k; t++)
        if (!changed || changed[t]) {
            regio_free(w->outline[t]);
            w->outline[t] = NULL;
        }
    srv_blob_unref(w->geojson);
    w->geojson = NULL;
}

srv_workspace *srv_workspace_get(srv_app *app, const char *model, srv_response *rs)
{
    if (!srv_units(app, rs))
        return NULL;
    /* Fast path: nothing was written since the last full check, so the
     * cached workspace (and the default model's name) still hold. */
    uint64_t gen = 0;
    int have_gen = regio_store_generation(app->store, &gen, NULL) == REGIO_OK;
    if (have_gen) {
        const char *name = model;
        if (!name && app->default_valid && app->default_gen == gen)
            name = app->default_name;
        for (srv_workspace *w = app->ws; name && w; w = w->next)
            if (!strcmp(w->v->model, name) && w->gen_valid && w->gen == gen)
                return w;
    }
    char *dflt = NULL;
    if (!model) {
        dflt = srv_default_model(app);
        if (!dflt) {
            srv_reply_error(rs, 404, "not_found",
                            "the store holds no territory model yet (regio design --model NAME)");
            return NULL;
        }
        model = dflt;
    }
    long rev = 0;
    regio_error err;
    regio_err rc = regio_store_alignment_revision(app->store, model, &rev, &err);
    if (rc) {
        srv_reply_regio_error(rs, rc, &err);
        regio_free(dflt);
        return NULL;
    }
    srv_workspace **pp = &app->ws;
    while (*pp && strcmp((*pp)->v->model, model) != 0)
        pp = &(*pp)->next;
    /* A commit by another process may have changed anything of the model
     * (territory names, hierarchy, locks) without moving its revision. */
    long others = 0;
    int have_others = regio_store_others_version(app->store, &others, NULL) == REGIO_OK;
    srv_workspace *w = *pp;
    if (w && (w->v->revision != rev || !have_others || w->others != others)) {
        /* Read again; only the territories whose units moved are measured
         * again and lose their outlines. */
        unsigned char *changed = NULL;
        rc = regio_model_view_reload(app->store, w->v, &changed, &err);
        if (rc) {
            *pp = w->next;
            workspace_free(w);
            srv_reply_regio_error(rs, rc, &err);
            regio_free(dflt);
            return NULL;
        }
        srv_workspace_changed(w, changed);
        regio_free(changed);
    } else if (!w) {
        if (!(w = workspace_load(app, model, rs))) {
            regio_free(dflt);
            return NULL;
        }
        *pp = w;
    }
    /* Remember what was checked at this generation (read before the
     * checks, so a write in between only costs one more full check). */
    w->others = others;
    w->gen = gen;
    w->gen_valid = have_gen;
    if (dflt) {
        regio_free(app->default_name);
        app->default_name = dflt;
        app->default_gen = gen;
        app->default_valid = have_gen;
    }
    return w;
}

void srv_workspace_forget(srv_app *app, const char *model)
{
    app->default_valid = 0;
    srv_workspace **pp = &app->ws;
    while (*pp && strcmp((*pp)->v->model, model) != 0)
        pp = &(*pp)->next;
    if (*pp) {
        srv_workspace *w = *pp;
        *pp = w->next;
        workspace_free(w);
    }
}

void srv_opts_init(srv_opts *o)
{
    memset(o, 0, sizeof *o);
    o->bind = "127.0.0.1";
    o->port = 8080;
    o->max_body = 8u << 20;
    o->max_header = 32u << 10;
    o->timeout_s = 15;
    o->deadline_s = 30;
    o->per_client = 128;
    o->max_conns = 4096;
    o->threads = 4;
    o->list_cache = (size_t)64 << 20;
}
