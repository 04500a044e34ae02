/*
 * The server's side of sign-in and access: identifying the caller of each
 * request (session cookie or bearer token), the shared access snapshot,
 * the questions handlers ask (all answered by regio/access.h), and the
 * login, logout and session endpoints.
 */
#include "server/auth.h"

#include "server/app.h"
#include "server/render.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- the shared snapshot ------------------------------------------------------ */

static void today(char day[11])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(day, 11, "%Y-%m-%d", &tm);
}

srv_access *srv_access_get(srv_app *app, regio_error *err)
{
    /* Rule 12: a snapshot holds until the store's access epoch moves (a
     * write to what it is made of, through any server or program) or the
     * day changes; other writes keep it. */
    long long epoch = 0;
    regio_err rc = regio_store_access_epoch(app->store, &epoch, err);
    if (rc)
        return NULL;
    char day[11];
    today(day);
    srv_access *cur = app->acc;
    if (cur && cur->epoch == epoch && !strcmp(cur->day, day)) {
        cur->refs++;
        return cur;
    }
    srv_access *n = regio_calloc(1, sizeof *n);
    if (!n) {
        regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
        return NULL;
    }
    rc = regio_access_load(app->store, day, &n->a, err);
    if (!rc)
        rc = regio_store_login_users(app->store, &n->login_users, err);
    if (rc) {
        regio_access_free(n->a);
        regio_free(n);
        return NULL;
    }
    n->epoch = epoch;
    snprintf(n->day, sizeof n->day, "%s", day);
    n->refs = 2; /* the app's and the caller's */
    srv_access_release_locked(cur);
    app->acc = n;
    return n;
}

static void access_free(srv_access *acc)
{
    for (int i = 0; i < acc->n_lists; i++)
        regio_free(acc->lists[i].idx);
    regio_access_free(acc->a);
    regio_free(acc);
}

void srv_access_release_locked(srv_access *acc)
{
    if (acc && --acc->refs == 0)
        access_free(acc);
}

void srv_access_release(srv_app *app, srv_access *acc)
{
    if (!acc)
        return;
    pthread_mutex_lock(&app->mu);
    srv_access_release_locked(acc);
    pthread_mutex_unlock(&app->mu);
}

/* ---- identifying the caller --------------------------------------------------- */

/* Whether the server listens on the loopback interface only. */
static int loopback_only(const srv_app *app)
{
    const char *b = app->opts.bind ? app->opts.bind : "127.0.0.1";
    struct in_addr v4;
    if (inet_pton(AF_INET, b, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    return !strcmp(b, "::1");
}

/* The value of cookie `name` in the Cookie header, copied into out. */
static int cookie(const srv_request *rq, const char *name, char *out, size_t cap)
{
    const char *h = srv_header(rq, "Cookie");
    size_t n = strlen(name);
    while (h && *h) {
        while (*h == ' ' || *h == ';')
            h++;
        if (!strncmp(h, name, n) && h[n] == '=') {
            const char *v = h + n + 1;
            size_t len = strcspn(v, ";");
            if (len >= cap)
                return 0;
            memcpy(out, v, len);
            out[len] = '\0';
            return 1;
        }
        h = strchr(h, ';');
    }
    return 0;
}

int srv_caller_identify(srv_app *app, srv_request *rq, srv_caller *c, srv_response *rs)
{
    memset(c, 0, sizeof *c);
    c->user = -1;
    regio_error err;
    regio_error_clear(&err);
    pthread_mutex_lock(&app->mu);
    c->acc = srv_access_get(app, &err);
    regio_err rc = c->acc ? REGIO_OK : (err.code ? err.code : REGIO_ENOMEM);
    char *login = NULL, *csrf = NULL;
    const char *auth = srv_header(rq, "Authorization");
    char sid[REGIO_SECRET_HEX + 8];
    if (!rc && auth && !strncasecmp(auth, "Bearer ", 7)) {
        rc = regio_auth_token_user(app->store, auth + 7, &login, &err);
    } else if (!rc && cookie(rq, SRV_SESSION_COOKIE, sid, sizeof sid)) {
        rc = regio_auth_session_user(app->store, sid, &login, &csrf, &err);
        c->via_cookie = login != NULL;
    }
    /* The access epoch's read (and the token's) just made a round trip. */
    c->have_gen = !rc && regio_store_generation_seen(app->store, &c->gen, NULL) == REGIO_OK;
    pthread_mutex_unlock(&app->mu);
    if (rc) {
        regio_free(login);
        regio_free(csrf);
        srv_reply_regio_error(rs, rc, &err);
        return 0;
    }
    if (login) {
        c->kind = SRV_USER;
        snprintf(c->login, sizeof c->login, "%s", login);
        snprintf(c->csrf, sizeof c->csrf, "%s", csrf ? csrf : "");
        c->user = regio_access_user(c->acc->a, login);
    } else if (c->acc->login_users == 0 && loopback_only(app)) {
        c->kind = SRV_LOCAL;
        snprintf(c->login, sizeof c->login, "local");
    }
    regio_free(login);
    regio_free(csrf);
    return 1;
}

void srv_caller_done(srv_app *app, srv_caller *c)
{
    regio_access_scope_free(c->scope);
    c->scope = NULL;
    srv_access_release(app, c->acc);
    c->acc = NULL;
}

/* ---- questions ------------------------------------------------------------------- */

static srv_caller *caller(const srv_request *rq)
{
    return rq->caller;
}

static unsigned perms(const srv_request *rq)
{
    srv_caller *c = caller(rq);
    return c && c->kind == SRV_USER ? regio_access_perms(c->acc->a, c->user) : 0;
}

int srv_caller_manages(const srv_request *rq)
{
    srv_caller *c = caller(rq);
    return c && (c->kind == SRV_LOCAL || (perms(rq) & REGIO_PERM_MANAGE_TERRITORIES));
}

int srv_caller_reads_all(const srv_request *rq)
{
    srv_caller *c = caller(rq);
    return c && (c->kind == SRV_LOCAL ||
                 (perms(rq) & (REGIO_PERM_VIEW_ALL | REGIO_PERM_MODIFY_ALL)));
}

int srv_caller_sees_all(const srv_request *rq)
{
    return srv_caller_reads_all(rq) || srv_caller_manages(rq);
}

const char *srv_caller_model(const srv_request *rq)
{
    srv_caller *c = caller(rq);
    return c && c->acc ? regio_access_model(c->acc->a) : NULL;
}

int srv_caller_sees_model(const srv_request *rq, const char *name)
{
    if (srv_caller_manages(rq))
        return 1;
    const char *m = srv_caller_model(rq);
    return m && name && !strcmp(m, name) && caller(rq)->kind == SRV_USER;
}

const regio_access_scope *srv_caller_scope(srv_request *rq)
{
    srv_caller *c = caller(rq);
    if (!c || c->kind == SRV_LOCAL)
        return NULL;
    if (!c->scope && regio_access_scope_new(c->acc->a, c->user, &c->scope, NULL))
        c->scope = NULL;
    return c->scope;
}

regio_access_level srv_caller_level(srv_request *rq, const char *account)
{
    srv_caller *c = caller(rq);
    if (!c || c->kind == SRV_ANONYMOUS)
        return REGIO_LEVEL_NONE;
    if (c->kind == SRV_LOCAL)
        return REGIO_LEVEL_OWNER;
    /* manage_territories alone gives no level on accounts (rule 15). */
    return regio_access_level_of(c->acc->a, c->user, regio_access_account(c->acc->a, account));
}

int srv_caller_sees_territory(srv_request *rq, const char *model, const char *territory)
{
    if (srv_caller_sees_all(rq))
        return srv_caller_sees_model(rq, model);
    if (!srv_caller_sees_model(rq, model))
        return 0;
    const regio_access_scope *sc = srv_caller_scope(rq);
    return sc && regio_access_scope_territory(sc, territory) >= REGIO_LEVEL_READ;
}

regio_access_level srv_caller_territory_level(srv_request *rq, const char *model,
                                              const char *territory)
{
    srv_caller *c = caller(rq);
    if (!c || c->kind == SRV_ANONYMOUS || !srv_caller_sees_model(rq, model))
        return REGIO_LEVEL_NONE;
    if (c->kind == SRV_LOCAL)
        return REGIO_LEVEL_OWNER;
    const regio_access_scope *sc = srv_caller_scope(rq);
    return sc ? regio_access_scope_territory(sc, territory) : REGIO_LEVEL_NONE;
}

int srv_caller_readable(srv_app *app, srv_request *rq, long **idx, long *n, int *owned)
{
    srv_caller *c = caller(rq);
    srv_access *acc = c->acc;
    *idx = NULL;
    *n = 0;
    *owned = 0;
    pthread_mutex_lock(&app->mu);
    for (int i = 0; i < acc->n_lists; i++)
        if (acc->lists[i].user == c->user) {
            *idx = acc->lists[i].idx;
            *n = acc->lists[i].n;
            pthread_mutex_unlock(&app->mu);
            return 1;
        }
    pthread_mutex_unlock(&app->mu);
    /* Made outside the lock: the snapshot does not change. */
    const regio_access_scope *sc = srv_caller_scope(rq);
    long total = 0, *list = NULL;
    regio_error err;
    regio_error_clear(&err);
    if (!sc || regio_access_scope_list(sc, &list, &total, &err))
        return 0;
    if (!list && !(list = regio_malloc(sizeof *list)))
        return 0;
    pthread_mutex_lock(&app->mu);
    int cached = 0;
    for (int i = 0; i < acc->n_lists; i++)
        if (acc->lists[i].user == c->user) { /* another request made it meanwhile */
            regio_free(list);
            list = acc->lists[i].idx;
            cached = 1;
        }
    if (!cached && acc->n_lists < SRV_READABLE_CACHE && total <= SRV_READABLE_MAX_IDX - acc->n_idx) {
        acc->lists[acc->n_lists++] = (srv_readable){c->user, list, total};
        acc->n_idx += total;
        cached = 1;
    }
    pthread_mutex_unlock(&app->mu);
    *idx = list;
    *n = total;
    *owned = !cached;
    return 1;
}

int srv_caller_may_set_user(const srv_request *rq, unsigned old_perms, unsigned new_perms)
{
    srv_caller *c = caller(rq);
    return c && (c->kind == SRV_LOCAL ||
                 (c->kind == SRV_USER &&
                  regio_access_may_set_user(c->acc->a, c->user, old_perms, new_perms)));
}

int srv_caller_can_manage(const srv_request *rq, const char *model, const char *territory)
{
    if (srv_caller_manages(rq))
        return 1;
    srv_caller *c = caller(rq);
    const char *m = srv_caller_model(rq);
    return c && c->kind == SRV_USER && m && model && !strcmp(m, model) &&
           regio_access_can_manage(c->acc->a, c->user, territory);
}

void srv_deny(srv_app *app, srv_request *rq, srv_response *rs, int status, const char *why)
{
    if (status == 404)
        srv_reply_error(rs, 404, "not_found", "no such resource: %s", rq->path);
    else
        srv_reply_error(rs, 403, "forbidden", "%s", why);
    if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0) {
        /* Rule 13: a refused write is audited (who, what, why). */
        json_t *after = json_pack("{s:s,s:s,s:i,s:s}", "method", rq->method, "path", rq->path,
                                  "status", status, "reason", why);
        char *text = json_dumps(after, JSON_COMPACT);
        json_decref(after);
        pthread_mutex_lock(&app->mu);
        regio_store_audit_append(app->store, rq->actor ? rq->actor : "anonymous",
                                 "access.denied", "request", rq->path, NULL, text, NULL);
        pthread_mutex_unlock(&app->mu);
        free(text);
    }
}

/* ---- endpoints ------------------------------------------------------------------ */

static void audit_login(srv_app *app, const char *who, const char *action, const char *client)
{
    json_t *after = json_pack("{s:s}", "address", client ? client : "");
    char *text = json_dumps(after, JSON_COMPACT);
    json_decref(after);
    char name[65];
    snprintf(name, sizeof name, "%s", who ? who : "");
    pthread_mutex_lock(&app->mu);
    regio_store_audit_append(app->store, name, action, "user", name, NULL, text, NULL);
    pthread_mutex_unlock(&app->mu);
    free(text);
}

static void set_cookie(const srv_app *app, const srv_request *rq, srv_response *rs,
                       const char *sid, long max_age)
{
    const char *proto = srv_header(rq, "X-Forwarded-Proto");
    int secure = app->opts.secure_cookies || (proto && !strcasecmp(proto, "https"));
    char v[256];
    snprintf(v, sizeof v, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s",
             SRV_SESSION_COOKIE, sid, max_age, secure ? "; Secure" : "");
    srv_reply_header(rs, "Set-Cookie", v);
}

void api_login(srv_app *app, srv_request *rq, srv_response *rs)
{
    json_t *body = srv_body_json(rq, rs);
    if (!body)
        return;
    const char *user = json_string_value(json_object_get(body, "username"));
    const char *pw = json_string_value(json_object_get(body, "password"));
    if (!user || !pw || !*user || strlen(user) > 200 || strlen(pw) > 1024) {
        json_decref(body);
        srv_reply_error(rs, 400, "bad_request",
                        "send {\"username\": ..., \"password\": ...} as JSON");
        return;
    }
    long long now = (long long)time(NULL);
    char kuser[256], kaddr[128];
    snprintf(kuser, sizeof kuser, "user:%s", user);
    snprintf(kaddr, sizeof kaddr, "addr:%s", rq->client ? rq->client : "");
    long wait = regio_throttle_wait(app->throttle, kuser, now);
    long wait2 = regio_throttle_wait(app->throttle, kaddr, now);
    if (wait2 > wait)
        wait = wait2;
    if (wait > 0) {
        json_decref(body);
        char ra[32];
        snprintf(ra, sizeof ra, "%ld", wait);
        srv_reply_header(rs, "Retry-After", ra);
        srv_reply_error(rs, 429, "too_many_attempts",
                        "too many failed sign-ins; try again in %ld s", wait);
        return;
    }
    /* Read the hash under the lock, verify (argon2id, slow) outside it. */
    char *hash = NULL;
    int active = 0;
    regio_error err;
    regio_error_clear(&err);
    pthread_mutex_lock(&app->mu);
    regio_err rc = regio_store_user_password_hash(app->store, user, &hash, &active, &err);
    pthread_mutex_unlock(&app->mu);
    if (rc && rc != REGIO_ENOTFOUND) {
        json_decref(body);
        srv_reply_regio_error(rs, rc, &err);
        return;
    }
    int ok = regio_auth_check_hash(rc ? NULL : hash, active, pw);
    regio_free(hash);
    if (!ok) {
        regio_throttle_fail(app->throttle, kuser, now);
        regio_throttle_fail(app->throttle, kaddr, now);
        audit_login(app, user, "login.failed", rq->client);
        json_decref(body);
        srv_reply_error(rs, 401, "bad_credentials", "wrong username or password");
        return;
    }
    regio_throttle_clear(app->throttle, kuser);
    char sid[REGIO_SECRET_HEX + 1], csrf[REGIO_SECRET_HEX + 1];
    pthread_mutex_lock(&app->mu);
    rc = regio_auth_session_create(app->store, user, SRV_SESSION_TTL, sid, csrf, &err);
    pthread_mutex_unlock(&app->mu);
    if (rc) {
        json_decref(body);
        srv_reply_regio_error(rs, rc, &err);
        return;
    }
    audit_login(app, user, "login", rq->client);
    set_cookie(app, rq, rs, sid, SRV_SESSION_TTL);
    srv_reply_json(rs, 200, json_pack("{s:s,s:s,s:i}", "username", user, "csrf", csrf,
                                      "expires_in", SRV_SESSION_TTL));
    memset(sid, 0, sizeof sid);
    json_decref(body);
}

void api_logout(srv_app *app, srv_request *rq, srv_response *rs)
{
    char sid[REGIO_SECRET_HEX + 8];
    if (cookie(rq, SRV_SESSION_COOKIE, sid, sizeof sid)) {
        pthread_mutex_lock(&app->mu);
        regio_auth_session_end(app->store, sid, NULL);
        pthread_mutex_unlock(&app->mu);
    }
    set_cookie(app, rq, rs, "", 0);
    srv_reply_json(rs, 200, json_pack("{s:b}", "signed_out", 1));
}

typedef struct one_user {
    json_t *v;
} one_user;

static int on_user(void *ud, const regio_user_info *u)
{
    char p[64];
    regio_perm_format(u->perms, p, sizeof p);
    ((one_user *)ud)->v =
        json_pack("{s:s,s:o,s:o,s:o,s:s}", "username", u->login, "name", srv_json_str(u->name),
                  "email", srv_json_str(u->email), "role", srv_json_str(u->role),
                  "permissions", p);
    return 0;
}

typedef struct administered {
    srv_request *rq;
    const char *model;
    json_t *ids;
} administered;

static int add_administered(void *ud, const regio_territory_info *t)
{
    administered *a = ud;
    if (srv_caller_can_manage(a->rq, a->model, t->id))
        json_array_append_new(a->ids, json_string(t->id));
    return 0;
}

void api_session(srv_app *app, srv_request *rq, srv_response *rs)
{
    srv_caller *c = caller(rq);
    const char *model = srv_caller_model(rq);
    /* The territories of the model in force the caller may administer
     * (rule 10), so that the app offers edits only there. */
    administered adm = {rq, model, json_array()};
    if (model && c->kind == SRV_USER) {
        pthread_mutex_lock(&app->mu);
        regio_store_territories_foreach(app->store, model, add_administered, &adm, NULL);
        pthread_mutex_unlock(&app->mu);
    }
    if (c->kind == SRV_LOCAL) {
        srv_reply_json(rs, 200,
                       json_pack("{s:s,s:n,s:o,s:b,s:b,s:b,s:o}", "mode", "single-user", "user",
                                 "model_in_force", srv_json_str(model), "manages", 1,
                                 "reads_all", 1, "sees_all", 1, "administers", adm.ids));
        return;
    }
    one_user u = {NULL};
    pthread_mutex_lock(&app->mu);
    regio_store_users_foreach(app->store, c->login, on_user, &u, NULL);
    pthread_mutex_unlock(&app->mu);
    srv_reply_json(rs, 200,
                   json_pack("{s:s,s:o,s:s,s:o,s:b,s:b,s:b,s:o}", "mode", "users", "user",
                             u.v ? u.v : json_null(), "csrf", c->csrf, "model_in_force",
                             srv_json_str(model), "manages", srv_caller_manages(rq),
                             "reads_all", srv_caller_reads_all(rq), "sees_all",
                             srv_caller_sees_all(rq), "administers", adm.ids));
}
