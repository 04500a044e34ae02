/*
 * The server's application state and the contract between the router and
 * the handlers. One store handle, guarded by one mutex (a store handle is
 * used by one thread at a time); per territory model a workspace holding
 * the labels, the metrics and the cached GeoJSON at a revision, so reads
 * under load are a cache hit and an edit recomputes only what it changed.
 */
#ifndef REGIO_SERVER_APP_H
#define REGIO_SERVER_APP_H

#include "server/auth.h"
#include "server/http.h"
#include "server/pagecache.h"
#include "server/server.h"

#include "regio/regio.h"

#include <pthread.h>

typedef struct srv_app srv_app;
typedef struct srv_jobs srv_jobs;

/* What an operation does, for the authorisation hook. */
typedef enum srv_action {
    SRV_READ = 0,    /* reads data: any signed-in caller who sees the model */
    SRV_WRITE = 1,   /* changes a planning scenario (alignment edits, runs):
                        manage_territories */
    SRV_MANAGE = 2,  /* creates, promotes or archives models: manage_territories */
    SRV_PUBLIC = 3,  /* no credentials needed (health, sign-in) */
    SRV_SELF = 4,    /* signed in; the handler decides (per territory or account) */
    SRV_ADMIN_READ = 5, /* reads only manage_territories may make (else 404) */
    SRV_WINDOW = 6      /* signed in; the handler decides, also on a model rule 1 hides
                           from the caller (what a planning model changes for them) */
} srv_action;

typedef void (*srv_handler)(srv_app *app, srv_request *rq, srv_response *rs);

typedef struct srv_route {
    const char *method;
    const char *pattern;  /* "/api/v1/models/{}/clone": {} matches one segment */
    srv_handler fn;
    srv_action action;
} srv_route;

/* A territory model as the library loads it (regio_model_view: leaves,
 * hierarchy, labels, locks, overrides, METRICS.md report at a revision),
 * plus what the server caches on top of it. */
typedef struct srv_workspace {
    regio_model_view *v;
    uint64_t gen;            /* store generation at which revision was checked */
    long others;             /* regio_store_others_version when loaded */
    int gen_valid;
    srv_blob *geojson;       /* cached territories FeatureCollection, or NULL */
    char **outline;          /* n_outline cached GeoJSON geometries (NULL = stale) */
    int n_outline;           /* v->k when outline was sized */
    struct srv_workspace *next;
} srv_workspace;

struct srv_app {
    srv_opts opts;
    regio_store *store;
    pthread_mutex_t mu;          /* guards store, problem, workspaces */
    regio_design_problem *units; /* units, measures, adjacency (loaded on first use,
                                    again when the store's units change) */
    uint64_t units_fp;           /* regio_store_units_fingerprint of units */
    long units_others;           /* others_version when units_fp was checked */
    regio_design_problem **retired; /* earlier units a running job may still read: */
    size_t n_retired;            /* freed when the app closes */
    int default_measure;         /* balance/travel measure: "accounts" or the first */
    srv_blob *units_geojson;     /* cached unit boundaries, or NULL */
    char **unit_geo;             /* n simplified unit boundaries (GeoJSON), or NULL */
    srv_workspace *ws;
    srv_jobs *jobs;
    regio_throttle *throttle;    /* failed sign-ins per user and per address */
    srv_access *acc;             /* the access snapshot (see server/auth.h) */
    char *default_name;          /* the default model ... */
    uint64_t default_gen;        /* ... at this store generation */
    int default_valid;
    struct regio_perf_cache *perf; /* credited figures of recent periods (made on first use) */
    srv_page_cache *lists;       /* account lists kept between writes (api_data.c) */
};

/* ---- routing (routes.c) ---- */

/* Finds the route for the request, runs the authorisation hook and the
 * handler, and fills rs (404/405 JSON when nothing matches). */
void srv_dispatch(srv_app *app, srv_request *rq, srv_response *rs);

/*
 * The one authorisation hook every handler passes through. Returns 1 to
 * proceed; else fills rs (403, or 404 to hide existence) and returns 0.
 * The caller (rq->caller) is known by then: 401 without credentials when
 * users exist, 404 for a model the caller may not see, 403 for a write
 * they may not make, CSRF checked for cookie-authenticated writes.
 */
int srv_authorize(srv_app *app, srv_request *rq, const srv_route *route, srv_response *rs);

/* ---- application state (app.c) ---- */

regio_err srv_app_open(srv_app *app, const srv_opts *o, regio_error *err);
void srv_app_close(srv_app *app);

/* With app->mu held: the workspace of model (NULL = default model) brought
 * up to the store's revision; NULL and rs filled (404/500) on failure. */
srv_workspace *srv_workspace_get(srv_app *app, const char *model, srv_response *rs);

/* With app->mu held: the units (loaded on first use); NULL and rs filled
 * when the store has none. */
regio_design_problem *srv_units(srv_app *app, srv_response *rs);

/* With app->mu held, before a request's handler: when another process has
 * changed the store's units (an import), drops the units and every cached
 * workspace so that they load again. */
void srv_units_refresh(srv_app *app);

/* After an edit of w->v: drops the cached GeoJSON and the outlines of the
 * territories flagged in changed (v->k flags; NULL = all). When the edit
 * had to load the model again and its territories changed, every outline
 * goes. */
void srv_workspace_changed(srv_workspace *w, const unsigned char *changed);

/* Drops the cached workspace of model (after a change made elsewhere). */
void srv_workspace_forget(srv_app *app, const char *model);

/* Name of the model the app shows first: the active model, else the most
 * recently created planning model, else NULL. Caller frees (regio_free). */
char *srv_default_model(srv_app *app);

/* The model the caller sees first: srv_default_model for managers, the
 * model in force for everyone else (NULL when none). Caller frees. */
char *srv_default_model_for(srv_app *app, srv_request *rq);

/* Maps a store/library error to an HTTP error response. */
void srv_reply_regio_error(srv_response *rs, regio_err rc, const regio_error *err);

#endif
