/*
 * Assignment rules through the API: a territory's rules (its own and those
 * it inherits), creating, changing and deleting a rule, the live count of a
 * rule being edited, and a rule run (or its dry run) over the model or one
 * subtree. Who may do what is docs/ACCESS.md rule 10, asked through
 * srv_caller_can_manage; every check of a rule and the run itself are the
 * library's (regio/rule_store.h).
 */
#include "server/handlers.h"
#include "server/render.h"

#include <stdlib.h>
#include <string.h>

/* ---- rules as JSON -------------------------------------------------------------- */

static json_t *rule_json(const regio_rule_info *r)
{
    json_t *crit = json_array();
    for (int i = 0; i < r->n_criteria; i++)
        json_array_append_new(crit, json_pack("{s:s,s:s,s:o}", "field", r->criteria[i].field,
                                              "operator", r->criteria[i].op, "value",
                                              srv_json_str(r->criteria[i].value)));
    return json_pack("{s:I,s:s,s:s,s:o,s:b,s:b,s:o}", "id", (json_int_t)r->id, "territory",
                     r->territory, "name", r->name, "logic", srv_json_str(r->logic), "inherit",
                     r->inherit, "active", r->active, "criteria", crit);
}

/*
 * A rule from a request body {name, logic, inherit, active, criteria:
 * [{field, operator, value}]} into r (strings borrowed from body). 0 with a
 * 400 answer when the body is malformed; the meaning is checked by the
 * library.
 */
static int rule_from_body(json_t *body, regio_rule_info *r, srv_response *rs)
{
    memset(r, 0, sizeof *r);
    json_t *name = json_object_get(body, "name"), *logic = json_object_get(body, "logic");
    json_t *crit = json_object_get(body, "criteria");
    if (!json_is_string(name)) {
        srv_reply_error(rs, 400, "bad_request", "\"name\" is required (a string)");
        return 0;
    }
    if (logic && !json_is_null(logic) && !json_is_string(logic)) {
        srv_reply_error(rs, 400, "bad_request", "\"logic\" must be a string or null");
        return 0;
    }
    if (!json_is_array(crit) || json_array_size(crit) < 1 ||
        json_array_size(crit) > REGIO_RULE_MAX_CRITERIA) {
        srv_reply_error(rs, 400, "bad_request", "\"criteria\" is an array of 1 to %d criteria",
                        REGIO_RULE_MAX_CRITERIA);
        return 0;
    }
    r->name = json_string_value(name);
    r->logic = json_is_string(logic) ? json_string_value(logic) : NULL;
    json_t *inh = json_object_get(body, "inherit"), *act = json_object_get(body, "active");
    r->inherit = json_is_true(inh);
    r->active = act ? json_is_true(act) : 1;
    r->n_criteria = (int)json_array_size(crit);
    for (int i = 0; i < r->n_criteria; i++) {
        json_t *c = json_array_get(crit, (size_t)i);
        json_t *f = json_object_get(c, "field"), *op = json_object_get(c, "operator");
        json_t *v = json_object_get(c, "value");
        if (!json_is_string(f) || !json_is_string(op) || (v && !json_is_null(v) && !json_is_string(v))) {
            srv_reply_error(rs, 400, "bad_request",
                            "criterion %d needs \"field\" and \"operator\" (strings) and a "
                            "\"value\" string or null",
                            i + 1);
            return 0;
        }
        r->criteria[i] = (regio_rule_criterion){json_string_value(f), json_string_value(op),
                                                json_is_string(v) ? json_string_value(v) : NULL};
    }
    return 1;
}

/* ---- the rules of a territory ------------------------------------------------------ */

typedef struct terr_row {
    char id[256], parent[256];
    int has_parent;
} terr_row;

typedef struct listing {
    terr_row *t;
    size_t n, cap;
    json_t *rules; /* every rule of the model, by territory */
} listing;

static int on_terr(void *ud, const regio_territory_info *ti)
{
    listing *l = ud;
    if (l->n == l->cap) {
        terr_row *g = realloc(l->t, (l->cap = l->cap ? l->cap * 2 : 64) * sizeof *g);
        if (!g)
            return 1;
        l->t = g;
    }
    terr_row *x = &l->t[l->n++];
    snprintf(x->id, sizeof x->id, "%s", ti->id);
    x->has_parent = ti->parent != NULL;
    snprintf(x->parent, sizeof x->parent, "%s", ti->parent ? ti->parent : "");
    return 0;
}

static int on_rule(void *ud, const regio_rule_info *r)
{
    json_array_append_new(((listing *)ud)->rules, rule_json(r));
    return 0;
}

static const terr_row *find_terr(const listing *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->t[i].id, id))
            return &l->t[i];
    return NULL;
}

SRV_HANDLER(api_rules_list)
{
    const char *model = rq->params[0], *t = rq->params[1];
    if (!srv_caller_sees_territory(rq, model, t)) {
        srv_deny(app, rq, rs, 404, "not found");
        return;
    }
    listing l = {NULL, 0, 0, json_array()};
    regio_error err;
    regio_error_clear(&err);
    pthread_mutex_lock(&app->mu);
    regio_err rc = regio_store_territories_foreach(app->store, model, on_terr, &l, &err);
    if (!rc)
        rc = regio_store_rules_foreach(app->store, model, NULL, on_rule, &l, &err);
    pthread_mutex_unlock(&app->mu);
    const terr_row *self = rc ? NULL : find_terr(&l, t);
    if (!rc && !self) {
        rc = REGIO_ENOTFOUND;
        regio_error_setf(&err, rc, NULL, 0, NULL, "no territory '%s' in territory model '%s'", t,
                         model);
    }
    if (rc) {
        free(l.t);
        json_decref(l.rules);
        srv_reply_regio_error(rs, rc, &err);
        return;
    }
    /* Own rules, then the inherit rules of each proper ancestor, nearest
     * first (the walk is bounded by the number of territories). */
    json_t *own = json_array(), *inherited = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(l.rules, i, r)
    {
        if (!strcmp(json_string_value(json_object_get(r, "territory")), t))
            json_array_append(own, r);
    }
    const terr_row *a = self->has_parent ? find_terr(&l, self->parent) : NULL;
    for (size_t steps = 0; a && steps < l.n; steps++) {
        json_array_foreach(l.rules, i, r)
        {
            if (!strcmp(json_string_value(json_object_get(r, "territory")), a->id) &&
                json_is_true(json_object_get(r, "inherit")))
                json_array_append(inherited, r);
        }
        a = a->has_parent ? find_terr(&l, a->parent) : NULL;
    }
    free(l.t);
    json_decref(l.rules);
    srv_reply_json(rs, 200,
                   json_pack("{s:s,s:o,s:o,s:b}", "territory", t, "rules", own, "inherited",
                             inherited, "can_manage", srv_caller_can_manage(rq, model, t)));
}

/* Rule 10 for territory t: 404 when the caller cannot see it, 403 when
 * they can but may not change it. */
static int may_manage(srv_app *app, srv_request *rq, srv_response *rs, const char *model,
                      const char *t, const char *what)
{
    if (srv_caller_can_manage(rq, model, t))
        return 1;
    srv_deny(app, rq, rs, srv_caller_sees_territory(rq, model, t) ? 403 : 404, what);
    return 0;
}

#define RULES_DENIED                                                                         \
    "changing assignment rules needs manage_territories or a manager/admin membership in "   \
    "the territory or above it (docs/ACCESS.md rule 10)"

SRV_HANDLER(api_rule_create)
{
    const char *model = rq->params[0], *t = rq->params[1];
    if (!may_manage(app, rq, rs, model, t, RULES_DENIED))
        return;
    json_t *body = srv_body_json(rq, rs);
    if (!body)
        return;
    regio_rule_info r;
    if (!rule_from_body(body, &r, rs)) {
        json_decref(body);
        return;
    }
    r.territory = t;
    regio_error err;
    regio_error_clear(&err);
    long id = 0;
    pthread_mutex_lock(&app->mu);
    regio_err rc = regio_rule_save(app->store, model, &r, rq->actor, &id, &err);
    pthread_mutex_unlock(&app->mu);
    if (rc == REGIO_EDATA && !strcmp(err.field, "territory"))
        rc = REGIO_ENOTFOUND; /* the territory of the path */
    if (rc) {
        srv_reply_regio_error(rs, rc, &err);
    } else {
        r.id = id;
        srv_reply_saved(rs, 201, "{\"rule\":{\"id\":%ld},\"partial\":true}", id);
        srv_reply_json(rs, 201, json_pack("{s:o}", "rule", rule_json(&r)));
    }
    json_decref(body);
}

/* The territory of stored rule id of model into out (cap bytes). */
typedef struct find {
    long id;
    char territory[256];
    int found;
} find;

static int on_find(void *ud, const regio_rule_info *r)
{
    find *f = ud;
    if (r->id != f->id)
        return 0;
    snprintf(f->territory, sizeof f->territory, "%s", r->territory);
    f->found = 1;
    return 1;
}

/* Finds rule params[1] of model params[0]; 0 with an answer (400/404). */
static int rule_of(srv_app *app, srv_request *rq, srv_response *rs, find *f)
{
    char *end = NULL;
    f->id = strtol(rq->params[1], &end, 10);
    f->found = 0;
    if (!end || *end || f->id <= 0) {
        srv_reply_error(rs, 400, "bad_request", "'%s' is not a rule id", rq->params[1]);
        return 0;
    }
    regio_error err;
    regio_error_clear(&err);
    pthread_mutex_lock(&app->mu);
    regio_err rc = regio_store_rules_foreach(app->store, rq->params[0], NULL, on_find, f, &err);
    pthread_mutex_unlock(&app->mu);
    if (rc && rc != REGIO_ECANCELLED) {
        srv_reply_regio_error(rs, rc, &err);
        return 0;
    }
    /* A rule of a territory the caller cannot see does not exist for them. */
    if (!f->found || !srv_caller_sees_territory(rq, rq->params[0], f->territory)) {
        srv_reply_error(rs, 404, "not_found", "no rule %ld in territory model '%s'", f->id,
                        rq->params[0]);
        return 0;
    }
    return 1;
}

SRV_HANDLER(api_rule_update)
{
    const char *model = rq->params[0];
    find f;
    if (!rule_of(app, rq, rs, &f) || !may_manage(app, rq, rs, model, f.territory, RULES_DENIED))
        return;
    json_t *body = srv_body_json(rq, rs);
    if (!body)
        return;
    regio_rule_info r;
    if (!rule_from_body(body, &r, rs)) {
        json_decref(body);
        return;
    }
    r.id = f.id;
    r.territory = f.territory;
    regio_error err;
    regio_error_clear(&err);
    pthread_mutex_lock(&app->mu);
    regio_err rc = regio_rule_save(app->store, model, &r, rq->actor, NULL, &err);
    pthread_mutex_unlock(&app->mu);
    if (rc) {
        srv_reply_regio_error(rs, rc, &err);
    } else {
        srv_reply_saved(rs, 200, "{\"rule\":{\"id\":%ld},\"partial\":true}", r.id);
        srv_reply_json(rs, 200, json_pack("{s:o}", "rule", rule_json(&r)));
    }
    json_decref(body);
}

SRV_HANDLER(api_rule_delete)
{
    const char *model = rq->params[0];
    find f;
    if (!rule_of(app, rq, rs, &f) || !may_manage(app, rq, rs, model, f.territory, RULES_DENIED))
        return;
    regio_error err;
    regio_error_clear(&err);
    pthread_mutex_lock(&app->mu);
    regio_err rc = regio_store_rule_delete(app->store, model, f.id, rq->actor, &err);
    pthread_mutex_unlock(&app->mu);
    if (rc) {
        srv_reply_regio_error(rs, rc, &err);
    } else {
        srv_reply_saved(rs, 200, "{\"id\":%ld,\"result\":\"deleted\"}", f.id);
        srv_reply_json(rs, 200, json_pack("{s:I,s:s}", "id", (json_int_t)f.id, "result", "deleted"));
    }
}

/* ---- the live count and the run ----------------------------------------------------- */

SRV_HANDLER(api_rule_count)
{
    const char *model = rq->params[0], *t = rq->params[1];
    if (!may_manage(app, rq, rs, model, t, RULES_DENIED))
        return;
    json_t *body = srv_body_json(rq, rs);
    if (!body)
        return;
    regio_rule_info r;
    if (!rule_from_body(body, &r, rs)) {
        json_decref(body);
        return;
    }
    json_t *id = json_object_get(body, "id");
    r.id = json_is_integer(id) ? (long)json_integer_value(id) : 0;
    r.territory = t;
    long satisfying = 0, matching = 0, accounts = 0;
    regio_error err;
    regio_error_clear(&err);
    pthread_mutex_lock(&app->mu);
    regio_err rc = regio_rule_count(app->store, model, &r, &satisfying, &matching, &accounts, &err);
    pthread_mutex_unlock(&app->mu);
    if (rc == REGIO_EDATA && !strcmp(err.field, "territory"))
        rc = REGIO_ENOTFOUND; /* the territory of the path */
    if (rc == REGIO_EDATA || rc == REGIO_EPARSE) {
        /* A rule being typed is often not valid yet: say what and where
         * (field: name, field, operator, value or logic; column: in the
         * logic). */
        json_t *m = json_string(err.msg);
        srv_reply_json(rs, 422,
                       json_pack("{s:{s:s,s:o,s:s,s:I}}", "error", "code", "invalid_rule",
                                 "message", m ? m : json_string("invalid rule"), "field",
                                 err.field, "column", (json_int_t)err.column));
    } else if (rc) {
        srv_reply_regio_error(rs, rc, &err);
    } else {
        srv_reply_json(rs, 200, json_pack("{s:I,s:I,s:I}", "satisfying", (json_int_t)satisfying,
                                          "matching", (json_int_t)matching, "accounts",
                                          (json_int_t)accounts));
    }
    json_decref(body);
}

SRV_HANDLER(api_rules_run)
{
    const char *model = rq->params[0], *territory = NULL;
    json_t *body = rq->body_len ? srv_body_json(rq, rs) : json_object();
    if (!body)
        return;
    json_t *tv = json_object_get(body, "territory");
    if (tv && !json_is_null(tv) && !json_is_string(tv)) {
        json_decref(body);
        srv_reply_error(rs, 400, "bad_request", "\"territory\" is a territory id or null");
        return;
    }
    territory = json_is_string(tv) ? json_string_value(tv) : NULL;
    int dry_run = json_is_true(json_object_get(body, "dry_run"));
    /* The whole model is everybody's: manage_territories; a subtree is its
     * administrators' (rule 10). */
    if (territory ? !may_manage(app, rq, rs, model, territory, RULES_DENIED)
                  : !srv_caller_manages(rq)) {
        if (!territory)
            srv_deny(app, rq, rs, 403,
                     "running the rules of a whole model needs manage_territories; give a "
                     "territory you administer to run its subtree (docs/ACCESS.md rule 10)");
        json_decref(body);
        return;
    }
    regio_rules_run_opts o = {model, territory, dry_run, rq->actor};
    regio_rules_report rep;
    regio_error err;
    regio_error_clear(&err);
    pthread_mutex_lock(&app->mu);
    regio_err rc = regio_rules_run(app->store, &o, &rep, &err);
    pthread_mutex_unlock(&app->mu);
    if (rc) {
        json_decref(body);
        srv_reply_regio_error(rs, rc, &err);
        return;
    }
    json_t *changes = json_array();
    for (size_t i = 0; i < rep.n_changes; i++)
        json_array_append_new(changes, json_pack("{s:s,s:I,s:I,s:I}", "territory",
                                                 rep.changes[i].territory, "added",
                                                 (json_int_t)rep.changes[i].added, "removed",
                                                 (json_int_t)rep.changes[i].removed, "matched",
                                                 (json_int_t)rep.changes[i].matched));
    srv_reply_json(rs, 200,
                   json_pack("{s:s,s:o,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:o}", "model",
                             model, "territory", srv_json_str(territory), "dry_run", dry_run,
                             "accounts", (json_int_t)rep.accounts, "excluded",
                             (json_int_t)rep.excluded, "rules", (json_int_t)rep.rules,
                             "territories", (json_int_t)rep.territories, "with_rules",
                             (json_int_t)rep.with_rules, "added", (json_int_t)rep.added,
                             "removed", (json_int_t)rep.removed, "kept", (json_int_t)rep.kept,
                             "matched", (json_int_t)rep.matched, "seconds", rep.seconds,
                             "changes", changes));
    regio_rules_report_clear(&rep);
    json_decref(body);
}
