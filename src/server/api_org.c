/*
 * The organisation through the API: users, roles, memberships, manual
 * associations, territory hierarchy and levels, one account with the
 * caller's access level, and the audit log. Every rule is the library's:
 * rule 10 (who may administer a territory) through srv_caller_can_manage,
 * levels through srv_caller_level, the writes through regio/org.h.
 */
#include "server/handlers.h"
#include "server/render.h"

#include <stdlib.h>
#include <string.h>

/* A string member of a JSON body, NULL when absent or null; 0 with a 400
 * answer when present but not a string. */
static int opt_str(json_t *body, const char *key, const char **out, srv_response *rs)
{
    json_t *v = json_object_get(body, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 1;
    if (!json_is_string(v)) {
        srv_reply_error(rs, 400, "bad_request", "\"%s\" must be a string", key);
        return 0;
    }
    *out = json_string_value(v);
    return 1;
}

static int need_str(json_t *body, const char *key, const char **out, srv_response *rs)
{
    if (!opt_str(body, key, out, rs))
        return 0;
    if (!*out || !**out) {
        srv_reply_error(rs, 400, "bad_request", "\"%s\" is required", key);
        return 0;
    }
    return 1;
}

/* ---- users and roles ---------------------------------------------------------- */

static int user_json(void *ud, const regio_user_info *u)
{
    char p[64];
    regio_perm_format(u->perms, p, sizeof p);
    json_array_append_new(
        ud, json_pack("{s:s,s:o,s:o,s:o,s:s,s:b,s:b,s:I}", "username", u->login, "name",
                      srv_json_str(u->name), "email", srv_json_str(u->email), "role",
                      srv_json_str(u->role), "permissions", p, "active", u->active,
                      "password", u->has_password, "tokens", (json_int_t)u->tokens));
    return 0;
}

SRV_HANDLER(api_users_list)
{
    (void)rq;
    json_t *arr = json_array();
    regio_error err;
    pthread_mutex_lock(&app->mu);
    regio_err rc = regio_store_users_foreach(app->store, NULL, user_json, arr, &err);
    pthread_mutex_unlock(&app->mu);
    if (rc) {
        json_decref(arr);
        srv_reply_regio_error(rs, rc, &err);
        return;
    }
    srv_reply_json(rs, 200, json_pack("{s:o}", "users", arr));
}

typedef struct one_user {
    json_t *v;
} one_user;

static int copy_user(void *ud, const regio_user_info *u)
{
    ((one_user *)ud)->v = json_pack("{s:o,s:o,s:o,s:I,s:b}", "name", srv_json_str(u->name),
                                    "email", srv_json_str(u->email), "role",
                                    srv_json_str(u->role), "perms", (json_int_t)u->perms,
                                    "active", u->active);
    return 0;
}

SRV_HANDLER(api_user_upsert)
{
    json_t *body = srv_body_json(rq, rs);
    if (!body)
        return;
    const char *login, *name, *email, *role, *perms, *password;
    if (!need_str(body, "username", &login, rs) || !opt_str(body, "name", &name, rs) ||
        !opt_str(body, "email", &email, rs) || !opt_str(body, "role", &role, rs) ||
        !opt_str(body, "permissions", &perms, rs) || !opt_str(body, "password", &password, rs)) {
        json_decref(body);
        return;
    }
    json_t *act = json_object_get(body, "active");
    regio_error err;
    regio_error_clear(&err);
    unsigned bits = 0;
    regio_err rc = regio_perm_parse(perms, &bits, &err);
    regio_upsert_result res = REGIO_UPSERT_UNCHANGED;
    pthread_mutex_lock(&app->mu);
    /* Members left out of the body keep their stored values. */
    one_user old = {NULL};
    if (!rc)
        regio_store_users_foreach(app->store, login, copy_user, &old, NULL);
    regio_user_info u = {login, name, email, role, bits, act ? json_is_true(act) : 1, 0, 0};
    if (old.v) {
        if (!json_object_get(body, "name"))
            u.name = json_string_value(json_object_get(old.v, "name"));
        if (!json_object_get(body, "email"))
            u.email = json_string_value(json_object_get(old.v, "email"));
        if (!json_object_get(body, "role"))
            u.role = json_string_value(json_object_get(old.v, "role"));
        if (!json_object_get(body, "permissions"))
            u.perms = (unsigned)json_integer_value(json_object_get(old.v, "perms"));
        if (!act)
            u.active = json_is_true(json_object_get(old.v, "active"));
    }
    /* Nobody grants what they do not hold, or takes over a user who holds
     * more (docs/ACCESS.md). */
    unsigned old_perms = old.v ? (unsigned)json_integer_value(json_object_get(old.v, "perms")) : 0;
    if (!rc && !srv_caller_may_set_user(rq, old_perms, u.perms)) {
        pthread_mutex_unlock(&app->mu);
        srv_deny(app, rq, rs, 403,
                 "a user may grant only permissions they hold, and change only users whose "
                 "permissions they hold too");
        json_decref(old.v);
        json_decref(body);
        return;
    }
    if (!rc)
        rc = regio_store_begin(app->store, &err);
    if (!rc) {
        rc = regio_store_user_upsert(app->store, &u, rq->actor, &res, &err);
        if (!rc && password)
            rc = regio_user_set_password(app->store, login, password, rq->actor, &err);
        if (!rc)
            rc = regio_store_commit(app->store, &err);
        else
            regio_store_rollback(app->store, NULL);
    }
    pthread_mutex_unlock(&app->mu);
    if (rc)
        srv_reply_regio_error(rs, rc, &err);
    else
        srv_reply_json(rs, res == REGIO_UPSERT_ADDED ? 201 : 200,
                       json_pack("{s:s,s:s}", "username", login, "result",
                                 res == REGIO_UPSERT_ADDED     ? "added"
                                 : res == REGIO_UPSERT_UPDATED ? "updated"
                                                               : "unchanged"));
    json_decref(old.v);
    json_decref(body); /* login points into it */
}

static int role_json(void *ud, const regio_role_info *r)
{
    json_array_append_new(ud, json_pack("{s:s,s:o}", "name", r->name, "parent",
                                        srv_json_str(r->parent)));
    return 0;
}

SRV_HANDLER(api_roles_list)
{
    (void)rq;
    json_t *arr = json_array();
    regio_error err;
    pthread_mutex_lock(&app->mu);
    regio_err rc = regio_store_roles_foreach(app->store, role_json, arr, &err);
    pthread_mutex_unlock(&app->mu);
    if (rc) {
        json_decref(arr);
        srv_reply_regio_error(rs, rc, &err);
        return;
    }
    srv_reply_json(rs, 200, json_pack("{s:o}", "roles", arr));
}

SRV_HANDLER(api_role_upsert)
{
    json_t *body = srv_body_json(rq, rs);
    if (!body)
        return;
    const char *name, *parent;
    if (!need_str(body, "name", &name, rs) || !opt_str(body, "parent", &parent, rs)) {
        json_decref(body);
        return;
    }
    regio_error err;
    pthread_mutex_lock(&app->mu);
    regio_err rc = regio_store_role_upsert(app->store, name, parent, rq->actor, &err);
    pthread_mutex_unlock(&app->mu);
    if (rc)
        srv_reply_regio_error(rs, rc, &err);
    else
        srv_reply_json(rs, 200, json_pack("{s:s,s:o}", "name", name, "parent",
                                          srv_json_str(parent)));
    json_decref(body);
}

/* ---- memberships, associations, territories ---------------------------------- */

typedef struct filter {
    srv_request *rq;
    const char *model;
    const char *territory; /* only this one, or NULL */
    json_t *arr;
} filter;

static int membership_json(void *ud, const regio_membership_info *m)
{
    filter *f = ud;
    if ((f->territory && strcmp(f->territory, m->territory) != 0) ||
        !srv_caller_sees_territory(f->rq, f->model, m->territory))
        return 0;
    json_array_append_new(f->arr,
                          json_pack("{s:s,s:o,s:s,s:s,s:b,s:o,s:o}", "user", m->user, "name",
                                    srv_json_str(m->user_name), "territory", m->territory, "role",
                                    m->role, "active", m->active, "start",
                                    srv_json_str(m->start), "end", srv_json_str(m->end)));
    return 0;
}

SRV_HANDLER(api_memberships)
{
    filter f = {rq, rq->params[0], srv_query(rq, "territory"), json_array()};
    regio_error err;
    pthread_mutex_lock(&app->mu);
    regio_err rc = regio_store_memberships_foreach(app->store, f.model, membership_json, &f, &err);
    pthread_mutex_unlock(&app->mu);
    if (rc) {
        json_decref(f.arr);
        srv_reply_regio_error(rs, rc, &err);
        return;
    }
    srv_reply_json(rs, 200, json_pack("{s:o}", "memberships", f.arr));
}

SRV_HANDLER(api_membership_edit)
{
    json_t *body = srv_body_json(rq, rs);
    if (!body)
        return;
    const char *model = rq->params[0];
    regio_membership_info m = {0};
    if (!need_str(body, "user", &m.user, rs) || !need_str(body, "territory", &m.territory, rs) ||
        !need_str(body, "role", &m.role, rs) || !opt_str(body, "start", &m.start, rs) ||
        !opt_str(body, "end", &m.end, rs)) {
        json_decref(body);
        return;
    }
    json_t *act = json_object_get(body, "active");
    m.active = act ? json_is_true(act) : 1;
    int remove = json_is_true(json_object_get(body, "remove"));
    if (!srv_caller_can_manage(rq, model, m.territory)) {
        srv_deny(app, rq, rs,
                 srv_caller_sees_territory(rq, model, m.territory) ? 403 : 404,
                 "changing memberships needs manage_territories or a manager/admin membership "
                 "above the territory (docs/ACCESS.md rule 10)");
        json_decref(body); /* m points into it */
        return;
    }
    regio_error err;
    pthread_mutex_lock(&app->mu);
    regio_err rc = remove ? regio_store_membership_remove(app->store, model, m.user, m.territory,
                                                          m.role, rq->actor, &err)
                          : regio_store_membership_upsert(app->store, model, &m, rq->actor, &err);
    pthread_mutex_unlock(&app->mu);
    if (rc)
        srv_reply_regio_error(rs, rc, &err);
    else
        srv_reply_json(rs, 200,
                       json_pack("{s:s,s:s,s:s,s:s}", "user", m.user, "territory", m.territory,
                                 "role", m.role, "result", remove ? "removed" : "saved"));
    json_decref(body);
}

typedef struct assoc_filter {
    srv_request *rq;
    const char *territory;
    json_t *arr;
} assoc_filter;

static int association_json(void *ud, const regio_association_info *a)
{
    assoc_filter *f = ud;
    if (f->territory && strcmp(f->territory, a->territory) != 0)
        return 0;
    if (srv_caller_level(f->rq, a->account) == REGIO_LEVEL_NONE)
        return 0;
    json_array_append_new(f->arr, json_pack("{s:s,s:s,s:s}", "account", a->account, "territory",
                                            a->territory, "cause", a->cause));
    return 0;
}

SRV_HANDLER(api_associations)
{
    assoc_filter f = {rq, srv_query(rq, "territory"), json_array()};
    regio_error err;
    pthread_mutex_lock(&app->mu);
    regio_err rc =
        regio_store_associations_foreach(app->store, rq->params[0], association_json, &f, &err);
    pthread_mutex_unlock(&app->mu);
    if (rc) {
        json_decref(f.arr);
        srv_reply_regio_error(rs, rc, &err);
        return;
    }
    srv_reply_json(rs, 200, json_pack("{s:o}", "associations", f.arr));
}

SRV_HANDLER(api_association_edit)
{
    json_t *body = srv_body_json(rq, rs);
    if (!body)
        return;
    const char *model = rq->params[0], *account, *territory;
    if (!need_str(body, "account", &account, rs) || !need_str(body, "territory", &territory, rs)) {
        json_decref(body);
        return;
    }
    int remove = json_is_true(json_object_get(body, "remove"));
    if (!srv_caller_can_manage(rq, model, territory)) {
        srv_deny(app, rq, rs, srv_caller_sees_territory(rq, model, territory) ? 403 : 404,
                 "associating accounts needs manage_territories or a manager/admin membership "
                 "above the territory (docs/ACCESS.md rule 10)");
        json_decref(body); /* territory points into it */
        return;
    }
    regio_error err;
    pthread_mutex_lock(&app->mu);
    regio_err rc =
        regio_store_association_set(app->store, model, account, territory, !remove, rq->actor, &err);
    pthread_mutex_unlock(&app->mu);
    if (rc)
        srv_reply_regio_error(rs, rc, &err);
    else
        srv_reply_json(rs, 200, json_pack("{s:s,s:s,s:s}", "account", account, "territory",
                                          territory, "result", remove ? "removed" : "saved"));
    json_decref(body);
}

SRV_HANDLER(api_territory_edit)
{
    json_t *body = srv_body_json(rq, rs);
    if (!body)
        return;
    const char *model = rq->params[0], *t = rq->params[1], *level, *name;
    if (!opt_str(body, "account_access", &level, rs) || !opt_str(body, "name", &name, rs)) {
        json_decref(body);
        return;
    }
    json_t *pv = json_object_get(body, "parent");
    int set_parent = pv != NULL;
    const char *parent = json_is_string(pv) ? json_string_value(pv) : NULL;
    if (pv && !json_is_string(pv) && !json_is_null(pv)) {
        json_decref(body);
        srv_reply_error(rs, 400, "bad_request", "\"parent\" is a territory id or null");
        return;
    }
    /* Rule 10 on the territory, and on its new parent when it moves. */
    if (!srv_caller_can_manage(rq, model, t) ||
        (set_parent && !(parent ? srv_caller_can_manage(rq, model, parent)
                                : srv_caller_manages(rq)))) {
        json_decref(body); /* parent points into it; not used below */
        srv_deny(app, rq, rs, srv_caller_sees_territory(rq, model, t) ? 403 : 404,
                 "changing a territory needs manage_territories or a manager/admin membership "
                 "above it (and above its new parent) (docs/ACCESS.md rule 10)");
        return;
    }
    regio_error err;
    regio_error_clear(&err);
    pthread_mutex_lock(&app->mu);
    regio_err rc = regio_store_territory_edit(app->store, model, t, name, set_parent, parent,
                                              level, rq->actor, &err);
    if (!rc)
        srv_workspace_forget(app, model);
    pthread_mutex_unlock(&app->mu);
    if (rc)
        srv_reply_regio_error(rs, rc, &err);
    else
        srv_reply_json(rs, 200, json_pack("{s:s,s:s}", "territory", t, "result", "saved"));
    json_decref(body);
}

/* ---- one account ----------------------------------------------------------------- */

/* The one account asked for, written as the list writes it. */
typedef struct one_account {
    regio_buf b;
    regio_access_level lv;
    regio_err rc;
    int found;
} one_account;

static int put_one_account(void *ud, const regio_account *a)
{
    one_account *o = ud;
    o->found = 1;
    o->rc = srv_put_account(&o->b, a, o->lv);
    return o->rc != REGIO_OK;
}

SRV_HANDLER(api_account_get)
{
    const char *id = rq->params[0];
    regio_access_level lv = srv_caller_level(rq, id);
    if (lv == REGIO_LEVEL_NONE) {
        srv_deny(app, rq, rs, 404, "not found");
        return;
    }
    one_account o = {.lv = lv};
    regio_buf_init(&o.b, 0);
    regio_account_query q = {0};
    q.id = id;
    q.limit = 1;
    long total = 0;
    regio_error err;
    regio_error_clear(&err);
    pthread_mutex_lock(&app->mu);
    regio_err rc = regio_store_accounts_query(app->store, &q, put_one_account, &o, &total, &err);
    pthread_mutex_unlock(&app->mu);
    if (o.rc)
        rc = regio_error_setf(&err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (rc)
        srv_reply_regio_error(rs, rc, &err);
    else if (!o.found)
        srv_deny(app, rq, rs, 404, "not found");
    else
        srv_reply_bytes(rs, 200, "application/json", o.b.data, o.b.len);
    regio_buf_free(&o.b);
}

/* ---- audit ---------------------------------------------------------------------------- */

static int audit_json(void *ud, const regio_audit_record *r)
{
    json_t *before = r->before ? json_loads(r->before, 0, NULL) : NULL;
    json_t *after = r->after ? json_loads(r->after, 0, NULL) : NULL;
    json_array_append_new(
        ud, json_pack("{s:I,s:s,s:o,s:s,s:o,s:o,s:o,s:o}", "id", (json_int_t)r->id, "ts", r->ts,
                      "actor", srv_json_str(r->actor), "action", r->action, "object_type",
                      srv_json_str(r->object_type), "object_id", srv_json_str(r->object_id),
                      "before", before ? before : json_null(), "after",
                      after ? after : json_null()));
    return 0;
}

SRV_HANDLER(api_audit_list)
{
    json_t *arr = json_array();
    regio_error err;
    pthread_mutex_lock(&app->mu);
    regio_err rc = regio_store_audit_foreach(app->store, srv_query(rq, "since"),
                                             srv_query(rq, "user"), audit_json, arr, &err);
    pthread_mutex_unlock(&app->mu);
    if (rc) {
        json_decref(arr);
        srv_reply_regio_error(rs, rc, &err);
        return;
    }
    srv_reply_json(rs, 200, json_pack("{s:o}", "records", arr));
}

SRV_HANDLER(api_audit_verify)
{
    (void)rq;
    long bad = 0;
    regio_error err;
    regio_error_clear(&err);
    pthread_mutex_lock(&app->mu);
    regio_err rc = regio_store_audit_verify(app->store, &bad, &err);
    pthread_mutex_unlock(&app->mu);
    if (rc && !(rc == REGIO_EDATA && bad)) {
        srv_reply_regio_error(rs, rc, &err);
        return;
    }
    srv_reply_json(rs, 200,
                   bad ? json_pack("{s:b,s:I,s:s}", "intact", 0, "first_bad", (json_int_t)bad,
                                   "message", err.msg)
                       : json_pack("{s:b}", "intact", 1));
}
