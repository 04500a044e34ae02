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
    {"GET", "/api/v1/health", api_health, SRV_PUBLIC},
    {"POST", "/api/v1/login", api_login, SRV_PUBLIC},
    {"POST", "/api/v1/logout", api_logout, SRV_SELF},
    {"GET", "/api/v1/session", api_session, SRV_SELF},
    {"GET", "/api/v1/users", api_users_list, SRV_ADMIN_READ},
    {"POST", "/api/v1/users", api_user_upsert, SRV_MANAGE},
    {"GET", "/api/v1/roles", api_roles_list, SRV_READ},
    {"POST", "/api/v1/roles", api_role_upsert, SRV_MANAGE},
    {"GET", "/api/v1/audit", api_audit_list, SRV_ADMIN_READ},
    {"GET", "/api/v1/audit/verify", api_audit_verify, SRV_ADMIN_READ},
    {"GET", "/api/v1/config", api_config, SRV_READ},
    {"GET", "/api/v1/territories.geojson", api_default_territories_geojson, SRV_READ},
    {"GET", "/api/v1/models", api_models_list, SRV_READ},
    {"POST", "/api/v1/models", api_model_create, SRV_MANAGE},
    /* Before "/api/v1/models/{}": a model named "history" is read through its
     * other routes. */
    {"GET", "/api/v1/models/history", api_models_history, SRV_ADMIN_READ},
    {"POST", "/api/v1/models/rollback", api_models_rollback, SRV_MANAGE},
    {"GET", "/api/v1/models/{}", api_model_get, SRV_READ},
    {"POST", "/api/v1/models/{}/clone", api_model_clone, SRV_MANAGE},
    {"POST", "/api/v1/models/{}/promote", api_model_promote, SRV_MANAGE},
    {"POST", "/api/v1/models/{}/archive", api_model_archive, SRV_MANAGE},
    {"GET", "/api/v1/models/{}/territories", api_territories, SRV_READ},
    {"GET", "/api/v1/models/{}/territories.geojson", api_territories_geojson, SRV_READ},
    {"POST", "/api/v1/models/{}/territories/{}", api_territory_edit, SRV_SELF},
    {"GET", "/api/v1/models/{}/memberships", api_memberships, SRV_READ},
    {"POST", "/api/v1/models/{}/memberships", api_membership_edit, SRV_SELF},
    {"GET", "/api/v1/models/{}/associations", api_associations, SRV_READ},
    {"POST", "/api/v1/models/{}/associations", api_association_edit, SRV_SELF},
    {"GET", "/api/v1/models/{}/territories/{}/rules", api_rules_list, SRV_SELF},
    {"POST", "/api/v1/models/{}/territories/{}/rules", api_rule_create, SRV_SELF},
    {"POST", "/api/v1/models/{}/territories/{}/rules/count", api_rule_count, SRV_SELF},
    {"POST", "/api/v1/models/{}/rules/run", api_rules_run, SRV_SELF},
    {"POST", "/api/v1/models/{}/rules/{}", api_rule_update, SRV_SELF},
    {"DELETE", "/api/v1/models/{}/rules/{}", api_rule_delete, SRV_SELF},
    {"GET", "/api/v1/models/{}/territories/{}/plan", api_plan, SRV_SELF},
    {"POST", "/api/v1/models/{}/territories/{}/plan", api_plan, SRV_SELF},
    {"POST", "/api/v1/models/{}/workload", api_workload, SRV_MANAGE},
    {"GET", "/api/v1/models/{}/alignment", api_alignment, SRV_READ},
    {"GET", "/api/v1/models/{}/reasons", api_reasons, SRV_READ},
    {"POST", "/api/v1/models/{}/moves", api_moves, SRV_WRITE},
    {"POST", "/api/v1/models/{}/locks", api_locks, SRV_WRITE},
    {"GET", "/api/v1/models/{}/export", api_export, SRV_SELF},
    {"GET", "/api/v1/compare", api_compare, SRV_ADMIN_READ},
    {"GET", "/api/v1/units", api_units, SRV_READ},
    {"GET", "/api/v1/units.geojson", api_units_geojson, SRV_READ},
    {"GET", "/api/v1/units/{}", api_unit_get, SRV_READ},
    {"GET", "/api/v1/accounts", api_accounts, SRV_SELF},
    {"GET", "/api/v1/accounts/{}", api_account_get, SRV_SELF},
    {"GET", "/api/v1/reps", api_reps, SRV_READ},
    {"GET", "/api/v1/activities", api_activities_list, SRV_SELF},
    {"POST", "/api/v1/activities", api_activities_log, SRV_SELF},
    {"GET", "/api/v1/checkin/today", api_checkin_today, SRV_SELF},
    {"GET", "/api/v1/changes", api_changes_summary, SRV_SELF},
    {"GET", "/api/v1/models/{}/changes", api_model_changes, SRV_WINDOW},
    {"GET", "/api/v1/models/{}/auto-approval", api_auto_approval, SRV_ADMIN_READ},
    {"POST", "/api/v1/models/{}/auto-approval", api_auto_approval, SRV_MANAGE},
    {"GET", "/api/v1/challenges", api_challenges_list, SRV_SELF},
    {"POST", "/api/v1/challenges", api_challenge_raise, SRV_SELF},
    {"GET", "/api/v1/challenges/{}", api_challenge_get, SRV_SELF},
    {"POST", "/api/v1/challenges/{}/approve", api_challenge_approve, SRV_SELF},
    {"POST", "/api/v1/challenges/{}/reject", api_challenge_reject, SRV_SELF},
    {"POST", "/api/v1/challenges/{}/withdraw", api_challenge_withdraw, SRV_SELF},
    {"POST", "/api/v1/jobs", api_job_create, SRV_MANAGE},
    {"GET", "/api/v1/jobs", api_jobs_list, SRV_ADMIN_READ},
    {"GET", "/api/v1/perf", api_perf, SRV_SELF},
    {"GET", "/api/v1/perf/trend", api_perf_trend, SRV_SELF},
    {"POST", "/api/v1/quotas/allocate", api_quota_allocate, SRV_MANAGE},
    {"GET", "/api/v1/models/{}/territories/{}/brief", api_territory_brief, SRV_SELF},
    {"GET", "/api/v1/jobs/{}", api_job_get, SRV_ADMIN_READ},
    {"POST", "/api/v1/jobs/{}/cancel", api_job_cancel, SRV_MANAGE},
};

static const srv_route STATIC_ROUTE = {"GET", "/*", srv_static, SRV_PUBLIC};

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

/* Whether a browser's Origin header names this server itself (or the one
 * origin --cors allows). Requests without Origin (scripts, curl) pass. */
static int origin_ok(const srv_app *app, const srv_request *rq)
{
    const char *origin = srv_header(rq, "Origin"), *host = srv_header(rq, "Host");
    if (!origin)
        return 1;
    if (app->opts.cors_origin && !strcmp(origin, app->opts.cors_origin))
        return 1;
    const char *rest = !strncmp(origin, "http://", 7)    ? origin + 7
                       : !strncmp(origin, "https://", 8) ? origin + 8
                                                         : NULL;
    return rest && host && !strcmp(rest, host);
}

int srv_authorize(srv_app *app, srv_request *rq, const srv_route *route, srv_response *rs)
{
    srv_caller *c = rq->caller;
    rq->actor = c->kind == SRV_ANONYMOUS ? "anonymous" : c->login;
    int write = strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0;
    /* Another site's page may not write here, signed in or not (single-user
     * mode on loopback included): browsers name the page's origin. */
    if (write && !origin_ok(app, rq)) {
        srv_deny(app, rq, rs, 403, "a write from another site's page is refused (Origin)");
        return 0;
    }
    if (route->action == SRV_PUBLIC)
        return 1;
    if (c->kind == SRV_ANONYMOUS) {
        srv_reply_header(rs, "WWW-Authenticate", "Bearer realm=\"regio\"");
        srv_reply_error(rs, 401, "unauthorized",
                        "sign in first (POST /api/v1/login) or send an API token "
                        "(Authorization: Bearer TOKEN)");
        return 0;
    }
    /* A write made with the session cookie must carry the session's CSRF
     * token (a bearer token cannot be sent by another site). */
    if (write && c->via_cookie) {
        const char *t = srv_header(rq, "X-CSRF-Token");
        if (!t || !regio_auth_equal(t, c->csrf)) {
            srv_deny(app, rq, rs, 403, "missing or wrong X-CSRF-Token header");
            return 0;
        }
    }
    /* Rule 1: models other than the one in force exist only for managers
     * (the changes window decides itself: a member sees what a planning
     * model changes for their territories, docs/ACCESS.md). */
    if (!strncmp(route->pattern, "/api/v1/models/{}", 17) && rq->n_params > 0 &&
        route->action != SRV_WINDOW &&
        !srv_caller_sees_model(rq, rq->params[0])) {
        srv_deny(app, rq, rs, 404, "not found");
        return 0;
    }
    switch (route->action) {
    case SRV_ADMIN_READ:
        if (!srv_caller_manages(rq)) {
            srv_deny(app, rq, rs, 404, "not found");
            return 0;
        }
        return 1;
    case SRV_WRITE:
    case SRV_MANAGE:
        if (!srv_caller_manages(rq)) {
            srv_deny(app, rq, rs, 403,
                     "this needs the manage_territories permission (docs/ACCESS.md rule 10)");
            return 0;
        }
        return 1;
    default: return 1;
    }
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
    if (route == &STATIC_ROUTE) {
        route->fn(app, rq, rs);
        return;
    }
    srv_caller caller;
    if (!srv_caller_identify(app, rq, &caller, rs))
        return;
    rq->caller = &caller;
    if (srv_authorize(app, rq, route, rs)) {
        pthread_mutex_lock(&app->mu);
        srv_units_refresh(app);
        pthread_mutex_unlock(&app->mu);
        route->fn(app, rq, rs);
        if (!rs->status)
            srv_reply_error(rs, 500, "internal", "the handler gave no answer");
    }
    rq->caller = NULL;
    srv_caller_done(app, &caller);
}
