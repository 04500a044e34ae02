/*
 * Reps challenge, managers decide, through the API (docs/ACCESS.md): what a
 * planning model changes for the caller — the one deliberate window on a
 * model that rule 1 otherwise hides, limited to the changes touching their
 * territories — the caller's challenges and those they decide, raising,
 * approving (the counter-move through the model's revision guard),
 * rejecting and withdrawing. Every rule is the library's (regio/challenge.h);
 * a challenge the caller does not see is 404, one they may not act on 403.
 */
#include "server/handlers.h"
#include "server/render.h"

#include <stdlib.h>
#include <string.h>

/* The login the library acts as: NULL for the local user of single-user
 * mode (the store's owner, who sees everything and raises nothing). */
static const char *login_of(const srv_request *rq)
{
    return rq->caller && rq->caller->kind == SRV_USER ? rq->caller->login : NULL;
}

/* The day the caller's snapshot is for (today, UTC). */
static const char *day_of(const srv_request *rq)
{
    return rq->caller && rq->caller->acc ? regio_access_day(rq->caller->acc->a) : NULL;
}

/* ---- what a planning model changes for the caller --------------------------------- */

/* With app->mu held: the changes of plan for user, and the two workspaces
 * (NULL and rs filled on failure). */
static regio_changes *changes_of(srv_app *app, srv_request *rq, const char *plan,
                                 const char *user, srv_workspace **wf, srv_workspace **wp,
                                 srv_response *rs)
{
    const char *in_force = srv_caller_model(rq);
    if (!in_force) {
        srv_reply_error(rs, 409, "conflict",
                        "no territory model is in force today: there is nothing to compare with");
        return NULL;
    }
    if (!(*wf = srv_workspace_get(app, in_force, rs)) || !(*wp = srv_workspace_get(app, plan, rs)))
        return NULL;
    regio_changes *c = NULL;
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = regio_challenge_changes(app->store, (*wf)->v, (*wp)->v, user, day_of(rq), &c,
                                           &err);
    if (rc) {
        srv_reply_regio_error(rs, rc, &err);
        return NULL;
    }
    return c;
}

SRV_HANDLER(api_model_changes)
{
    const char *plan = rq->params[0], *who = srv_query(rq, "user");
    const char *me = login_of(rq);
    int sees_model = srv_caller_sees_model(rq, plan);
    if (who && *who && (!me || strcmp(who, me) != 0) && !srv_caller_manages(rq)) {
        srv_reply_error(rs, 403, "forbidden",
                        "another user's changes are for users with manage_territories");
        return;
    }
    const char *user = who && *who ? who : me;
    if (!user) {
        srv_reply_error(rs, 400, "bad_request",
                        "whose changes? add ?user=LOGIN (single-user mode has no user)");
        return;
    }
    regio_error err;
    regio_error_clear(&err);
    pthread_mutex_lock(&app->mu);
    /* Rule 1 hides a planning model from non-managers; this window opens
     * on a planning model for a member of the model in force, and shows
     * only what touches their territories. Anything else stays 404. */
    regio_model_info mi;
    memset(&mi, 0, sizeof mi);
    size_t mine = 0;
    regio_err rc = regio_store_model_find(app->store, plan, &mi, &err);
    int window = !rc && mi.state == REGIO_MODEL_PLANNING &&
                 regio_challenge_territories(app->store, user, day_of(rq), &mine, NULL) ==
                     REGIO_OK &&
                 mine > 0;
    regio_model_info_clear(&mi);
    if ((rc == REGIO_ENOTFOUND && !sees_model) || (!rc && !sees_model && !window)) {
        pthread_mutex_unlock(&app->mu);
        srv_reply_error(rs, 404, "not_found", "no such resource: %s", rq->path);
        return;
    }
    if (rc) {
        pthread_mutex_unlock(&app->mu);
        srv_reply_regio_error(rs, rc, &err);
        return;
    }
    srv_workspace *wf = NULL, *wp = NULL;
    regio_changes *c = changes_of(app, rq, plan, user, &wf, &wp, rs);
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err jrc = c ? regio_changes_json(c, wf->v, wp->v, &b) : REGIO_OK;
    pthread_mutex_unlock(&app->mu);
    regio_changes_free(c);
    if (c && jrc)
        srv_reply_error(rs, 500, "internal", "out of memory");
    else if (c)
        srv_reply_bytes(rs, 200, "application/json", b.data, b.len);
    regio_buf_free(&b);
}

typedef struct plans {
    char **names;
    size_t n, cap;
} plans;

static int on_model(void *ud, const regio_model_info *m)
{
    plans *p = ud;
    if (m->state != REGIO_MODEL_PLANNING)
        return 0;
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 8;
        char **v = realloc(p->names, cap * sizeof *v);
        if (!v)
            return 1;
        p->names = v;
        p->cap = cap;
    }
    return !(p->names[p->n++] = strdup(m->name));
}

SRV_HANDLER(api_changes_summary)
{
    const char *me = login_of(rq), *in_force = srv_caller_model(rq);
    json_t *models = json_array();
    plans p = {NULL, 0, 0};
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = REGIO_OK;
    pthread_mutex_lock(&app->mu);
    size_t mine = 0;
    if (me && in_force &&
        regio_challenge_territories(app->store, me, day_of(rq), &mine, &err) == REGIO_OK && mine)
        rc = regio_store_model_list(app->store, on_model, &p, &err);
    srv_workspace *wf = rc || !p.n ? NULL : srv_workspace_get(app, in_force, rs);
    for (size_t i = 0; wf && i < p.n; i++) {
        srv_workspace *wp = srv_workspace_get(app, p.names[i], rs);
        if (!wp || !(wf = srv_workspace_get(app, in_force, rs)))
            break;
        regio_changes *c = NULL;
        if (regio_challenge_changes(app->store, wf->v, wp->v, me, day_of(rq), &c, &err))
            break;
        long open = 0;
        for (size_t j = 0; j < c->n; j++)
            open += c->items[j].challenge && c->items[j].challenge_state == REGIO_CHALLENGE_OPEN;
        if (c->n)
            json_array_append_new(models, json_pack("{s:s,s:I,s:I,s:I}", "model", c->plan,
                                                    "revision", (json_int_t)c->revision,
                                                    "changes", (json_int_t)c->n, "challenged",
                                                    (json_int_t)open));
        regio_changes_free(c);
    }
    pthread_mutex_unlock(&app->mu);
    for (size_t i = 0; i < p.n; i++)
        free(p.names[i]);
    free(p.names);
    if (rs->status) { /* a workspace could not be loaded: rs has the answer */
        json_decref(models);
        return;
    }
    if (rc || err.msg[0]) {
        json_decref(models);
        srv_reply_regio_error(rs, rc ? rc : err.code, &err);
        return;
    }
    srv_reply_json(rs, 200, json_pack("{s:o,s:o}", "in_force", srv_json_str(in_force), "models",
                                      models));
}

/* ---- the challenges ---------------------------------------------------------------- */

typedef struct listing {
    srv_app *app;
    json_t *arr;
    json_t *revisions; /* model -> its revision, read once */
    int acts;          /* a signed-in user (the local user of single-user mode sees
                          every challenge and decides none: no user to name) */
} listing;

static json_t *challenge_json(srv_app *app, json_t *revisions, const regio_challenge *c,
                              const regio_challenge_rights *r)
{
    json_t *rev = json_object_get(revisions, c->model);
    if (!rev) {
        long v = -1;
        regio_store_alignment_revision(app->store, c->model, &v, NULL);
        json_object_set_new(revisions, c->model, rev = json_integer(v));
    }
    regio_buf b;
    regio_buf_init(&b, 0);
    json_t *o = regio_challenge_json(c, r, &b) ? NULL : json_loads(b.data, 0, NULL);
    regio_buf_free(&b);
    if (o) /* what the planning model's revision is now: an approval's base */
        json_object_set(o, "model_revision", rev);
    return o ? o : json_null();
}

static int on_listed(void *ud, const regio_challenge *c, const regio_challenge_rights *r)
{
    listing *l = ud;
    regio_challenge_rights none = {r->sees, 0, 0};
    json_array_append_new(l->arr, challenge_json(l->app, l->revisions, c, l->acts ? r : &none));
    return 0;
}

/* With app->mu held: the challenges the caller sees (model, state: -1 all;
 * only: one id, 0 all) into a new array; NULL with rs filled on failure. */
static json_t *visible(srv_app *app, srv_request *rq, const char *model, int state, long only,
                       srv_response *rs)
{
    listing l = {app, json_array(), json_object(), login_of(rq) != NULL};
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = regio_challenges_list(app->store, login_of(rq), day_of(rq), model, state,
                                         on_listed, &l, &err);
    json_decref(l.revisions);
    if (rc) {
        json_decref(l.arr);
        if (rc == REGIO_ENOTFOUND && model) /* an unknown (or hidden) model: no challenges */
            srv_reply_error(rs, 404, "not_found", "no such resource: %s", rq->path);
        else
            srv_reply_regio_error(rs, rc, &err);
        return NULL;
    }
    if (only > 0) {
        json_t *one = NULL;
        size_t i;
        json_t *v;
        json_array_foreach(l.arr, i, v) if (json_integer_value(json_object_get(v, "id")) == only)
            one = json_incref(v);
        json_decref(l.arr);
        return one ? one : json_null();
    }
    return l.arr;
}

SRV_HANDLER(api_challenges_list)
{
    const char *model = srv_query(rq, "model"), *status = srv_query(rq, "status");
    int state = -1;
    if (status && *status && strcmp(status, "all") != 0 &&
        (state = regio_challenge_state_parse(status)) < 0) {
        srv_reply_error(rs, 400, "bad_request",
                        "status is open, approved, rejected, withdrawn or all");
        return;
    }
    pthread_mutex_lock(&app->mu);
    json_t *arr = visible(app, rq, model && *model ? model : NULL, state, 0, rs);
    pthread_mutex_unlock(&app->mu);
    if (arr)
        srv_reply_json(rs, 200, json_pack("{s:o}", "challenges", arr));
}

/* The challenge id of the path, or 0 with rs filled (404). */
static long path_id(const srv_request *rq, srv_response *rs)
{
    char *end = NULL;
    long id = strtol(rq->params[0], &end, 10);
    if (!*rq->params[0] || *end || id <= 0) {
        srv_reply_error(rs, 404, "not_found", "no such resource: %s", rq->path);
        return 0;
    }
    return id;
}

SRV_HANDLER(api_challenge_get)
{
    long id = path_id(rq, rs);
    if (!id)
        return;
    pthread_mutex_lock(&app->mu);
    json_t *one = visible(app, rq, NULL, -1, id, rs);
    pthread_mutex_unlock(&app->mu);
    if (one && json_is_null(one)) {
        json_decref(one);
        srv_reply_error(rs, 404, "not_found", "no such resource: %s", rq->path);
    } else if (one) {
        srv_reply_json(rs, 200, one);
    }
}

/* The answer for a refused challenge call: 404 and 403 through srv_deny
 * (a refused write is audited), the rest by what the library said. */
static void refused(srv_app *app, srv_request *rq, srv_response *rs, regio_err rc,
                    regio_challenge_outcome out, long revision, const regio_error *err)
{
    switch (out) {
    case REGIO_CHALLENGE_HIDDEN: srv_deny(app, rq, rs, 404, err->msg); return;
    case REGIO_CHALLENGE_FORBIDDEN: srv_deny(app, rq, rs, 403, err->msg); return;
    case REGIO_CHALLENGE_CLOSED: srv_reply_error(rs, 409, "closed", "%s", err->msg); return;
    case REGIO_CHALLENGE_STALE:
        srv_reply_json(rs, 409,
                       json_pack("{s:{s:s,s:s},s:I}", "error", "code", "stale_revision",
                                 "message", "the model changed since this revision; reload and retry",
                                 "revision", (json_int_t)revision));
        return;
    case REGIO_CHALLENGE_REFUSED:
        srv_reply_error(rs, rc == REGIO_EDATA ? 422 : 409, "refused", "%s", err->msg);
        return;
    case REGIO_CHALLENGE_INVALID: srv_reply_error(rs, 400, "bad_request", "%s", err->msg); return;
    default: srv_reply_regio_error(rs, rc, err); return;
    }
}

SRV_HANDLER(api_challenge_raise)
{
    json_t *body = srv_body_json(rq, rs);
    if (!body)
        return;
    const char *model = NULL, *unit = NULL, *account = NULL, *reason = NULL;
    if (!srv_body_string(body, "model", 1, 0, &model, rs) ||
        !srv_body_string(body, "unit", 0, 0, &unit, rs) ||
        !srv_body_string(body, "account", 0, 0, &account, rs) ||
        !srv_body_string(body, "reason", 0, 0, &reason, rs)) {
        json_decref(body);
        return;
    }
    const char *me = login_of(rq);
    if (!me) {
        json_decref(body);
        srv_deny(app, rq, rs, 403, "a challenge is raised by a signed-in member of a territory");
        return;
    }
    regio_error err;
    regio_error_clear(&err);
    regio_challenge_outcome out = REGIO_CHALLENGE_ERROR;
    regio_err rc = REGIO_OK;
    long id = 0, revision = -1;
    int automatic = 0;
    json_t *answer = NULL;
    pthread_mutex_lock(&app->mu);
    regio_model_info mi;
    memset(&mi, 0, sizeof mi);
    /* A model the caller may not see and that is not planning does not exist for them. */
    if (regio_store_model_find(app->store, model, &mi, NULL) != REGIO_OK ||
        (mi.state != REGIO_MODEL_PLANNING && !srv_caller_sees_model(rq, model))) {
        rc = regio_error_setf(&err, REGIO_ENOTFOUND, NULL, 0, NULL, "no territory model '%s'",
                              model);
        out = REGIO_CHALLENGE_HIDDEN;
    }
    regio_model_info_clear(&mi);
    srv_workspace *wf = NULL, *wp = NULL;
    if (!rc && (!srv_caller_model(rq) || !(wf = srv_workspace_get(app, srv_caller_model(rq), rs)) ||
                !(wp = srv_workspace_get(app, model, rs)))) {
        pthread_mutex_unlock(&app->mu);
        json_decref(body);
        if (!rs->status)
            srv_deny(app, rq, rs, 404, "no model in force");
        return;
    }
    long before = wp ? wp->v->revision : -1;
    if (!rc)
        rc = regio_challenge_raise(app->store, wf->v, wp->v, me, day_of(rq), unit, account,
                                   reason, &id, &automatic, &out, &err);
    if (wp && wp->v->revision != before) /* moved back, or loaded again after a refusal */
        srv_workspace_changed(wp, NULL);
    if (!rc) {
        revision = wp->v->revision;
        answer = visible(app, rq, NULL, -1, id, rs);
    } else if (wp) {
        revision = wp->v->revision;
    }
    pthread_mutex_unlock(&app->mu);
    json_decref(body);
    if (rc)
        refused(app, rq, rs, rc, out, revision, &err);
    else if (answer)
        srv_reply_json(rs, 201, json_pack("{s:o,s:b,s:I}", "challenge", answer, "auto_approved",
                                          automatic, "revision", (json_int_t)revision));
}

/* The model of challenge id (a copy), or NULL. */
static int on_model_of(void *ud, const regio_challenge *c)
{
    *(char **)ud = strdup(c->model);
    return 1;
}

static void close_challenge(srv_app *app, srv_request *rq, srv_response *rs,
                            regio_challenge_state to)
{
    long id = path_id(rq, rs);
    if (!id)
        return;
    json_t *body = srv_body_json(rq, rs);
    if (!body)
        return;
    const char *note = NULL;
    json_t *jrev = json_object_get(body, "revision");
    if (!srv_body_string(body, "note", 0, 0, &note, rs)) {
        json_decref(body);
        return;
    }
    if (jrev && !json_is_null(jrev) && !json_is_integer(jrev)) {
        json_decref(body);
        srv_reply_error(rs, 400, "bad_request",
                        "\"revision\" is the model's revision the decision is based on");
        return;
    }
    long expected = jrev && json_is_integer(jrev) ? (long)json_integer_value(jrev) : -1;
    const char *me = login_of(rq);
    regio_error err;
    regio_error_clear(&err);
    regio_challenge_outcome out = REGIO_CHALLENGE_ERROR;
    regio_err rc = REGIO_OK;
    long revision = -1;
    json_t *answer = NULL;
    char *model = NULL;
    pthread_mutex_lock(&app->mu);
    if (regio_store_challenges_foreach(app->store, NULL, id, on_model_of, &model, NULL) ==
            REGIO_ECANCELLED &&
        !model) {
        rc = regio_error_setf(&err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    srv_workspace *wp = NULL;
    if (!rc && me && model && to == REGIO_CHALLENGE_APPROVED &&
        !(wp = srv_workspace_get(app, model, rs))) {
        pthread_mutex_unlock(&app->mu);
        free(model);
        json_decref(body);
        return;
    }
    if (!rc && !me) {
        rc = regio_error_setf(&err, REGIO_ECONFLICT, NULL, 0, NULL,
                              "challenges are decided by signed-in users");
        out = REGIO_CHALLENGE_FORBIDDEN;
    } else if (!rc) {
        long before = wp ? wp->v->revision : -1;
        rc = regio_challenge_close(app->store, wp ? wp->v : NULL, id, me, day_of(rq), to, note,
                                   expected, &revision, &out, &err);
        if (wp && wp->v->revision != before) /* moved back, or loaded again */
            srv_workspace_changed(wp, NULL);
    }
    if (!rc)
        answer = visible(app, rq, NULL, -1, id, rs);
    pthread_mutex_unlock(&app->mu);
    free(model);
    json_decref(body);
    if (rc)
        refused(app, rq, rs, rc, out, revision, &err);
    else if (answer)
        srv_reply_json(rs, 200, json_pack("{s:o,s:I}", "challenge", answer, "revision",
                                          (json_int_t)revision));
}

SRV_HANDLER(api_challenge_approve) { close_challenge(app, rq, rs, REGIO_CHALLENGE_APPROVED); }
SRV_HANDLER(api_challenge_reject) { close_challenge(app, rq, rs, REGIO_CHALLENGE_REJECTED); }
SRV_HANDLER(api_challenge_withdraw) { close_challenge(app, rq, rs, REGIO_CHALLENGE_WITHDRAWN); }

/* ---- automatic approval ------------------------------------------------------------- */

SRV_HANDLER(api_auto_approval)
{
    const char *model = rq->params[0];
    int write = strcmp(rq->method, "POST") == 0;
    json_t *body = write ? srv_body_json(rq, rs) : NULL;
    if (write && !body)
        return;
    json_t *en = body ? json_object_get(body, "enabled") : NULL;
    json_t *tol = body ? json_object_get(body, "tolerance") : NULL;
    if (write && (!json_is_boolean(en) || (tol && !json_is_null(tol) && !json_is_number(tol)))) {
        json_decref(body);
        srv_reply_error(rs, 400, "bad_request",
                        "{\"enabled\": true|false, \"tolerance\": a share above 0 and below 1}");
        return;
    }
    regio_error err;
    regio_error_clear(&err);
    int on = 0;
    double t = tol && json_is_number(tol) ? json_number_value(tol) : 0;
    if (write && tol && json_is_number(tol) && !(t > 0 && t < 1)) {
        json_decref(body);
        srv_reply_error(rs, 400, "bad_request", "\"tolerance\" is a share above 0 and below 1");
        return;
    }
    pthread_mutex_lock(&app->mu);
    regio_err rc = write ? regio_store_model_set_auto_approval(app->store, model, json_is_true(en),
                                                                t, rq->actor, &err)
                         : REGIO_OK;
    double now = 0;
    if (!rc)
        rc = regio_store_model_auto_approval(app->store, model, &on, &now, &err);
    pthread_mutex_unlock(&app->mu);
    json_decref(body);
    if (rc)
        srv_reply_regio_error(rs, rc, &err);
    else
        srv_reply_json(rs, 200, json_pack("{s:s,s:b,s:f}", "model", model, "enabled", on,
                                          "tolerance", now));
}
