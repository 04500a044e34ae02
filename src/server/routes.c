/*
 * The route table and the dispatcher: method + path pattern → handler, with
 * the one authorisation hook in front of every handler. Patterns are
 * literal segments and "{}" (one segment, passed to the handler as
 * rq->params[i] in order). Anything that is not under /api/ is a static
 * file of the app.
 */
#include "server/app.h"
#include "server/handlers.h"

#include <string.h>

static const srv_route ROUTES[] = {
    {"GET", "/api/v1/health", api_health, SRV_READ},
    {"GET", "/api/v1/config", api_config, SRV_READ},
    {"GET", "/api/v1/territories.geojson", api_default_territories_geojson, SRV_READ},
    {"GET", "/api/v1/models", api_models_list, SRV_READ},
    {"POST", "/api/v1/models", api_model_create, SRV_MANAGE},
    {"GET", "/api/v1/models/{}", api_model_get, SRV_READ},
    {"POST", "/api/v1/models/{}/clone", api_model_clone, SRV_MANAGE},
    {"POST", "/api/v1/models/{}/promote", api_model_promote, SRV_MANAGE},
    {"POST", "/api/v1/models/{}/archive", api_model_archive, SRV_MANAGE},
    {"GET", "/api/v1/models/{}/territories", api_territories, SRV_READ},
    {"GET", "/api/v1/models/{}/territories.geojson", api_territories_geojson, SRV_READ},
    {"GET", "/api/v1/models/{}/territories/{}/plan", api_plan, SRV_READ},
    {"POST", "/api/v1/models/{}/territories/{}/plan", api_plan, SRV_WRITE},
    {"GET", "/api/v1/models/{}/alignment", api_alignment, SRV_READ},
    {"POST", "/api/v1/models/{}/moves", api_moves, SRV_WRITE},
    {"POST", "/api/v1/models/{}/locks", api_locks, SRV_WRITE},
    {"GET", "/api/v1/models/{}/export", api_export, SRV_READ},
    {"GET", "/api/v1/compare", api_compare, SRV_READ},
    {"GET", "/api/v1/units", api_units, SRV_READ},
    {"GET", "/api/v1/units.geojson", api_units_geojson, SRV_READ},
    {"GET", "/api/v1/units/{}", api_unit_get, SRV_READ},
    {"GET", "/api/v1/accounts", api_accounts, SRV_READ},
    {"GET", "/api/v1/reps", api_reps, SRV_READ},
    {"POST", "/api/v1/jobs", api_job_create, SRV_WRITE},
    {"GET", "/api/v1/jobs", api_jobs_list, SRV_READ},
    {"GET", "/api/v1/jobs/{}", api_job_get, SRV_READ},
    {"POST", "/api/v1/jobs/{}/cancel", api_job_cancel, SRV_WRITE},
};

static const srv_route STATIC_ROUTE = {"GET", "/*", srv_static, SRV_READ};

/* Matches path against pattern; on success fills rq->params (pointing into
 * buf, a writable copy of the path). */
static int match(const char *pattern, const char *path, char *buf, size_t cap, srv_request *rq)
{
    size_t n = strlen(path);
    if (n >= cap)
        return 0;
    memcpy(buf, path, n + 1);
    int np = 0;
    const char *p = pattern;
    char *s = buf;
    while (*p && *s) {
        if (p[0] == '{' && p[1] == '}') {
            char *end = strchr(s, '/');
            /* the segment ends at '/' or at a literal suffix of the pattern
             * (".geojson" after "{}" is not used: patterns keep {} whole) */
            size_t len = end ? (size_t)(end - s) : strlen(s);
            if (len == 0 || np >= SRV_MAX_PARAMS)
                return 0;
            rq->params[np++] = s;
            s += len;
            p += 2;
            if (*s == '/') {
                if (*p != '/')
                    return 0;
                *s++ = '\0';
                p++;
            }
            continue;
        }
        if (*p != *s)
            return 0;
        p++;
        s++;
    }
    if (*p || *s)
        return 0;
    rq->n_params = np;
    return 1;
}

int srv_authorize(srv_app *app, srv_request *rq, const srv_route *route, srv_response *rs)
{
    (void)app;
    (void)route;
    (void)rs;
    /* One local user with every right until users and territory-based
     * access (docs/ACCESS.md) arrive: then this looks the caller up,
     * answers 404 for what they cannot read and 403 for writes they may
     * not make. */
    rq->actor = "local";
    return 1;
}

void srv_dispatch(srv_app *app, srv_request *rq, srv_response *rs)
{
    char buf[2048];
    int path_matched = 0;
    const srv_route *route = NULL;
    if (strncmp(rq->path, "/api/", 5) == 0) {
        for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0]; i++) {
            srv_request probe = *rq;
            if (!match(ROUTES[i].pattern, rq->path, buf, sizeof buf, &probe))
                continue;
            path_matched = 1;
            if (strcmp(ROUTES[i].method, rq->method) != 0 &&
                !(strcmp(rq->method, "HEAD") == 0 && strcmp(ROUTES[i].method, "GET") == 0))
                continue;
            *rq = probe;
            route = &ROUTES[i];
            break;
        }
        if (!route) {
            if (path_matched)
                srv_reply_error(rs, 405, "method_not_allowed", "%s is not allowed on %s",
                                rq->method, rq->path);
            else
                srv_reply_error(rs, 404, "not_found", "no API endpoint %s", rq->path);
            return;
        }
        srv_reply_header(rs, "Cache-Control", "no-store");
    } else {
        if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0) {
            srv_reply_error(rs, 405, "method_not_allowed", "%s is not allowed on %s", rq->method,
                            rq->path);
            return;
        }
        route = &STATIC_ROUTE;
    }
    if (!srv_authorize(app, rq, route, rs))
        return;
    if (route != &STATIC_ROUTE) {
        pthread_mutex_lock(&app->mu);
        srv_units_refresh(app);
        pthread_mutex_unlock(&app->mu);
    }
    route->fn(app, rq, rs);
    if (!rs->status)
        srv_reply_error(rs, 500, "internal", "the handler gave no answer");
}
