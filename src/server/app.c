/*
 * Application state of `regio serve`: the store, the units loaded once as
 * a design problem (coordinates, measures, adjacency, polygons), and one
 * workspace per territory model (labels and locks at a revision, cached
 * outlines and GeoJSON). Everything here runs with app->mu held.
 */
#include "server/app.h"
#include "server/jobs.h"

#include "regio/strmap.h"

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
    default: srv_reply_error(rs, 500, "internal", "%s", msg); break;
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
    return REGIO_OK;
}

static void workspace_free(srv_workspace *w)
{
    if (!w)
        return;
    for (int t = 0; t < w->k; t++) {
        regio_free(w->territory[t]);
        if (w->territory_name)
            regio_free(w->territory_name[t]);
        if (w->territory_parent)
            regio_free(w->territory_parent[t]);
        if (w->outline)
            regio_free(w->outline[t]);
    }
    for (size_t h = 0; h < w->n_hier; h++) {
        regio_free(w->hier_id[h]);
        regio_free(w->hier_name[h]);
        regio_free(w->hier_parent[h]);
    }
    regio_free(w->hier_id);
    regio_free(w->hier_name);
    regio_free(w->hier_parent);
    regio_free(w->territory);
    regio_free(w->territory_name);
    regio_free(w->territory_parent);
    regio_free(w->outline);
    regio_free(w->labels);
    regio_free(w->locked);
    srv_blob_unref(w->geojson);
    regio_design_report_free(&w->report);
    regio_free(w->model);
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
    regio_design_problem_destroy(app->units);
    regio_store_close(app->store);
    pthread_mutex_destroy(&app->mu);
    memset(app, 0, sizeof *app);
}

/* ---- units ------------------------------------------------------------------------ */

regio_design_problem *srv_units(srv_app *app, srv_response *rs)
{
    if (app->units)
        return app->units;
    regio_design_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.store = app->store;
    spec.with_geometry = 1;
    spec.k = 1; /* each model brings its own territories */
    regio_error err;
    regio_err rc = regio_design_problem_load(&spec, &app->units, &err);
    if (rc) {
        srv_reply_regio_error(rs, rc, &err);
        return NULL;
    }
    /* Balance and travel default to "accounts" when the units have it. */
    const regio_design_problem *p = app->units;
    for (size_t c = 0; c < p->in.m; c++)
        if (!strcmp(p->in.measure_names[c], "accounts"))
            app->default_measure = (int)c;
    return app->units;
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

typedef struct load_ctx {
    srv_app *app;
    srv_workspace *w;
    regio_strmap *tindex; /* territory id -> index + 1 */
    size_t cap;
    size_t hier_cap;
    regio_err rc;
} load_ctx;

/* Grows three parallel string arrays of capacity *cap (doubling). */
static int grow3(char ***a, char ***b, char ***c, size_t *cap)
{
    size_t n = *cap ? *cap * 2 : 32;
    char **x = regio_realloc(*a, n * sizeof *x);
    if (!x)
        return -1;
    *a = x;
    if (!(x = regio_realloc(*b, n * sizeof *x)))
        return -1;
    *b = x;
    if (!(x = regio_realloc(*c, n * sizeof *x)))
        return -1;
    *c = x;
    *cap = n;
    return 0;
}

static int add_territory(load_ctx *c, const char *id)
{
    srv_workspace *w = c->w;
    long v = regio_strmap_get(c->tindex, id);
    if (v >= 0)
        return (int)v;
    if ((size_t)w->k == c->cap &&
        grow3(&w->territory, &w->territory_name, &w->territory_parent, &c->cap))
        return -1;
    w->territory_name[w->k] = NULL;
    w->territory_parent[w->k] = NULL;
    w->territory[w->k] = regio_strdup(id);
    if (!w->territory[w->k])
        return -1;
    int found = 0;
    long old = 0;
    if (regio_strmap_put(c->tindex, w->territory[w->k], w->k, &found, &old)) {
        regio_free(w->territory[w->k]);
        return -1;
    }
    return w->k++;
}

static int load_row(void *ud, const regio_alignment_row *row)
{
    load_ctx *c = ud;
    if (!row->unit_id || !row->territory)
        return 0; /* account overrides do not change unit labels */
    const regio_unitset *us = c->app->units->loaded.units;
    long i = regio_unitset_find(us, row->unit_id);
    if (i < 0)
        return 0;
    int t = add_territory(c, row->territory);
    if (t < 0) {
        c->rc = REGIO_ENOMEM;
        return 1;
    }
    c->w->labels[i] = t;
    c->w->locked[i] = row->locked ? 1 : 0;
    return 0;
}

/* Every territory of the model, kept as the hierarchy (w->hier_*). */
static int add_listed_territory(void *ud, const regio_territory_info *ti)
{
    load_ctx *c = ud;
    srv_workspace *w = c->w;
    if (w->n_hier == c->hier_cap &&
        grow3(&w->hier_id, &w->hier_name, &w->hier_parent, &c->hier_cap))
        goto nomem;
    size_t h = w->n_hier;
    w->hier_id[h] = regio_strdup(ti->id);
    w->hier_name[h] = ti->name ? regio_strdup(ti->name) : NULL;
    w->hier_parent[h] = ti->parent ? regio_strdup(ti->parent) : NULL;
    w->n_hier++;
    if (!w->hier_id[h] || (ti->name && !w->hier_name[h]) || (ti->parent && !w->hier_parent[h]))
        goto nomem;
    return 0;
nomem:
    c->rc = REGIO_ENOMEM;
    return 1;
}

/* The leaves of the hierarchy (territories nobody names as parent) are the
 * territories units are aligned to; parents only group them. A parent that
 * holds units anyway is added when its units are read. */
static regio_err add_leaves(load_ctx *c)
{
    srv_workspace *w = c->w;
    regio_strmap *parents = regio_strmap_create(w->n_hier + 1);
    if (!parents)
        return REGIO_ENOMEM;
    int found = 0;
    long old = 0;
    for (size_t g = 0; g < w->n_hier; g++)
        if (w->hier_parent[g] &&
            regio_strmap_put(parents, w->hier_parent[g], 1, &found, &old)) {
            regio_strmap_destroy(parents);
            return REGIO_ENOMEM;
        }
    for (size_t h = 0; h < w->n_hier; h++) {
        if (regio_strmap_get(parents, w->hier_id[h]) >= 0)
            continue;
        int t = add_territory(c, w->hier_id[h]);
        if (t < 0) {
            regio_strmap_destroy(parents);
            return REGIO_ENOMEM;
        }
        if ((w->hier_name[h] && !(w->territory_name[t] = regio_strdup(w->hier_name[h]))) ||
            (w->hier_parent[h] &&
             !(w->territory_parent[t] = regio_strdup(w->hier_parent[h])))) {
            regio_strmap_destroy(parents);
            return REGIO_ENOMEM;
        }
    }
    regio_strmap_destroy(parents);
    return REGIO_OK;
}

typedef struct order {
    const char *id;
    int t;
} order;

static int cmp_order(const void *a, const void *b)
{
    return strcmp(((const order *)a)->id, ((const order *)b)->id);
}

/* Territories in id order (names and parents alongside), labels remapped. */
static regio_err sort_territories(srv_workspace *w, size_t n)
{
    int k = w->k;
    size_t sz = (size_t)(k ? k : 1);
    order *o = regio_malloc(sz * sizeof *o);
    int *map = regio_malloc(sz * sizeof *map);
    char **tmp = regio_malloc(3 * sz * sizeof *tmp);
    if (!o || !map || !tmp) {
        regio_free(o);
        regio_free(map);
        regio_free(tmp);
        return REGIO_ENOMEM;
    }
    for (int t = 0; t < k; t++)
        o[t] = (order){w->territory[t], t};
    qsort(o, (size_t)k, sizeof *o, cmp_order);
    for (int u = 0; u < k; u++) {
        map[o[u].t] = u;
        tmp[u] = w->territory[o[u].t];
        tmp[sz + (size_t)u] = w->territory_name[o[u].t];
        tmp[2 * sz + (size_t)u] = w->territory_parent[o[u].t];
    }
    for (int u = 0; u < k; u++) {
        w->territory[u] = tmp[u];
        w->territory_name[u] = tmp[sz + (size_t)u];
        w->territory_parent[u] = tmp[2 * sz + (size_t)u];
    }
    for (size_t i = 0; i < n; i++)
        if (w->labels[i] >= 0)
            w->labels[i] = map[w->labels[i]];
    regio_free(o);
    regio_free(map);
    regio_free(tmp);
    return REGIO_OK;
}

regio_err srv_workspace_metrics(srv_app *app, srv_workspace *w, regio_error *err)
{
    regio_design_report_free(&w->report);
    w->has_report = 0;
    const regio_design_problem *p = app->units;
    size_t n = p->in.n;
    if (w->k == 0)
        return REGIO_OK;
    for (size_t i = 0; i < n; i++)
        if (w->labels[i] < 0)
            return REGIO_OK; /* partly aligned: no METRICS.md figures */
    regio_design_params params;
    regio_design_params_init(&params);
    params.k = w->k;
    params.tolerance = p->params.tolerance;
    params.balance_cols = &app->default_measure;
    params.n_balance = 1;
    params.travel_col = app->default_measure;
    regio_err rc = regio_design_evaluate(&p->in, &params, w->labels, &w->report, err);
    if (rc == REGIO_OK)
        w->has_report = 1;
    return rc;
}

static srv_workspace *workspace_load(srv_app *app, const char *model, long rev, srv_response *rs)
{
    regio_design_problem *p = app->units;
    size_t n = p->in.n;
    srv_workspace *w = regio_calloc(1, sizeof *w);
    load_ctx c = {app, w, NULL, 0, 0, REGIO_OK};
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = REGIO_ENOMEM;
    if (!w || !(w->model = regio_strdup(model)) ||
        !(w->labels = regio_malloc((n ? n : 1) * sizeof *w->labels)) ||
        !(w->locked = regio_calloc(n ? n : 1, 1)) || !(c.tindex = regio_strmap_create(64)))
        goto fail;
    for (size_t i = 0; i < n; i++)
        w->labels[i] = -1;
    w->revision = rev;
    rc = regio_store_territories_foreach(app->store, model, add_listed_territory, &c, &err);
    if (rc == REGIO_ECANCELLED && c.rc)
        rc = c.rc;
    if (!rc)
        rc = add_leaves(&c);
    if (!rc)
        rc = regio_store_alignment_foreach(app->store, model, load_row, &c, &err);
    if (rc == REGIO_ECANCELLED && c.rc)
        rc = c.rc;
    if (!rc)
        rc = sort_territories(w, n);
    if (rc)
        goto fail;
    w->outline = regio_calloc((size_t)(w->k ? w->k : 1), sizeof *w->outline);
    if (!w->outline) {
        rc = REGIO_ENOMEM;
        goto fail;
    }
    if ((rc = srv_workspace_metrics(app, w, &err)))
        goto fail;
    regio_strmap_destroy(c.tindex);
    return w;
fail:
    regio_strmap_destroy(c.tindex);
    workspace_free(w);
    srv_reply_regio_error(rs, rc, &err);
    return NULL;
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
            if (!strcmp(w->model, name) && w->gen_valid && w->gen == gen)
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
    while (*pp && strcmp((*pp)->model, model) != 0)
        pp = &(*pp)->next;
    /* A commit by another process may have changed anything of the model
     * (territory names, hierarchy, locks) without moving its revision. */
    long others = 0;
    int have_others = regio_store_others_version(app->store, &others, NULL) == REGIO_OK;
    srv_workspace *w = *pp;
    if (!w || w->revision != rev || !have_others || w->others != others) {
        w = workspace_load(app, model, rev, rs);
        if (!w) {
            regio_free(dflt);
            return NULL;
        }
        if (*pp) {
            w->next = (*pp)->next;
            workspace_free(*pp);
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
    while (*pp && strcmp((*pp)->model, model) != 0)
        pp = &(*pp)->next;
    if (*pp) {
        srv_workspace *w = *pp;
        *pp = w->next;
        workspace_free(w);
    }
}

int srv_workspace_territory(const srv_workspace *w, const char *id)
{
    for (int t = 0; t < w->k; t++)
        if (!strcmp(w->territory[t], id))
            return t;
    return -1;
}

void srv_opts_init(srv_opts *o)
{
    memset(o, 0, sizeof *o);
    o->bind = "127.0.0.1";
    o->port = 8080;
    o->max_body = 8u << 20;
    o->max_header = 32u << 10;
    o->timeout_s = 15;
    o->per_client = 128;
    o->max_conns = 4096;
    o->threads = 4;
}
