/*
 * The rule run (docs/ACCESS.md rule 9): loads a model's territories and
 * active rules, compiles them into a matcher (matcher.c), streams every
 * account through it and swaps the `rule` associations of the scope for
 * the matches in one transaction, writing only the difference (a merge of
 * the sorted old and new pairs: O(P log P) for P associations). Also the
 * live count of a rule being edited. The bridge between the rule engine
 * and the store.
 */
#include "rules/rules_run.h"

#include "regio/buf.h"
#include "regio/strmap.h"
#include "core/grow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static regio_err oom(regio_error *err)
{
    return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
}

/* ---- loading a model ------------------------------------------------------------ */

void regio__rule_model_free(regio__rule_model *m)
{
    for (size_t t = 0; t < m->n_terr; t++) {
        regio_free(m->terr[t]);
        regio_free(m->terr_name[t]);
        regio_free(m->terr_type[t]);
    }
    regio_free(m->terr);
    regio_free(m->terr_name);
    regio_free(m->terr_type);
    regio_free(m->parent);
    for (size_t r = 0; r < m->n_rules; r++) {
        regio__rule_free(&m->rules[r]);
        regio_free(m->rule_name[r]);
    }
    regio_free(m->rules);
    regio_free(m->rule_name);
    regio_free(m->rule_terr);
    regio_free(m->inherit);
    regio_free(m->rule_id);
    regio__fields_free(&m->fields);
    regio_strmap_destroy(m->terr_map);
    regio_free(m->model);
    memset(m, 0, sizeof *m);
}

typedef struct loader {
    regio__rule_model *m;
    char **parent_ext;
    size_t cap_t, cap_r;
    long skip_id;               /* a stored rule left out (the one being edited) */
    const regio_rule_info *extra; /* compiled in addition (a rule being edited) */
    regio_err rc;
    regio_error *err;
} loader;

static int on_territory(void *ud, const regio_territory_info *t)
{
    loader *l = ud;
    regio__rule_model *m = l->m;
    size_t cap = l->cap_t;
    if (regio__grow(&m->terr, &cap, m->n_terr + 1, sizeof *m->terr) ||
        (cap = l->cap_t, regio__grow(&m->terr_name, &cap, m->n_terr + 1, sizeof *m->terr_name)) ||
        (cap = l->cap_t, regio__grow(&m->terr_type, &cap, m->n_terr + 1, sizeof *m->terr_type)) ||
        (cap = l->cap_t, regio__grow(&l->parent_ext, &cap, m->n_terr + 1, sizeof *l->parent_ext))) {
        l->rc = REGIO_ENOMEM;
        return 1;
    }
    l->cap_t = cap;
    size_t i = m->n_terr++;
    m->terr[i] = regio_strdup(t->id);
    m->terr_name[i] = t->name ? regio_strdup(t->name) : NULL;
    m->terr_type[i] = t->type ? regio_strdup(t->type) : NULL;
    l->parent_ext[i] = t->parent ? regio_strdup(t->parent) : NULL;
    if (!m->terr[i] || (t->name && !m->terr_name[i]) || (t->type && !m->terr_type[i]) ||
        (t->parent && !l->parent_ext[i])) {
        l->rc = REGIO_ENOMEM;
        return 1;
    }
    return 0;
}

/* Adds rule r (compiled) to the model; the territory must be known. */
static regio_err add_rule(loader *l, const regio_rule_info *r)
{
    regio__rule_model *m = l->m;
    long t = regio_strmap_get(m->terr_map, r->territory);
    if (t < 0)
        return regio_error_setf(l->err, REGIO_EDATA, NULL, 0, "territory",
                                "unknown territory '%s' in territory model '%s'", r->territory,
                                m->model);
    size_t cap = l->cap_r, n = m->n_rules + 1;
    if (regio__grow(&m->rules, &cap, n, sizeof *m->rules) ||
        (cap = l->cap_r, regio__grow(&m->rule_name, &cap, n, sizeof *m->rule_name)) ||
        (cap = l->cap_r, regio__grow(&m->rule_terr, &cap, n, sizeof *m->rule_terr)) ||
        (cap = l->cap_r, regio__grow(&m->inherit, &cap, n, 1)) ||
        (cap = l->cap_r, regio__grow(&m->rule_id, &cap, n, sizeof *m->rule_id)))
        return oom(l->err);
    l->cap_r = cap;
    size_t i = m->n_rules;
    regio_error e;
    regio_error_clear(&e);
    regio_err rc = regio__rule_compile(r, &m->fields, &m->rules[i], NULL, NULL, &e);
    if (rc == REGIO_ENOMEM)
        return oom(l->err);
    if (rc)
        return regio_error_setf(l->err, REGIO_EDATA, NULL, 0, e.field[0] ? e.field : NULL,
                                "rule '%s' of territory '%s': %s", r->name ? r->name : "",
                                r->territory, e.msg);
    if (!(m->rule_name[i] = regio_strdup(r->name ? r->name : ""))) {
        regio__rule_free(&m->rules[i]);
        return oom(l->err);
    }
    m->rule_terr[i] = t;
    m->inherit[i] = (unsigned char)(r->inherit != 0);
    m->rule_id[i] = r->id;
    m->n_rules++;
    return REGIO_OK;
}

static int on_rule(void *ud, const regio_rule_info *r)
{
    loader *l = ud;
    if (!r->active || (l->skip_id && r->id == l->skip_id))
        return 0;
    l->rc = add_rule(l, r);
    return l->rc != REGIO_OK;
}

regio_err regio__rule_model_load(regio_store *s, const char *model, long skip_id,
                                 const regio_rule_info *extra, regio__rule_model *m,
                                 regio_error *err)
{
    memset(m, 0, sizeof *m);
    regio_model_info mi;
    memset(&mi, 0, sizeof mi);
    regio_err rc = regio_store_model_find(s, model, &mi, err);
    if (rc)
        return rc;
    m->state = mi.state;
    m->model = mi.name;
    mi.name = NULL;
    regio_model_info_clear(&mi);
    loader l = {m, NULL, 0, 0, skip_id, extra, REGIO_OK, err};
    rc = regio_store_territories_foreach(s, m->model, on_territory, &l, err);
    if (rc == REGIO_ECANCELLED && l.rc)
        rc = oom(err);
    if (!rc && !(m->terr_map = regio_strmap_create(m->n_terr)))
        rc = oom(err);
    for (size_t t = 0; !rc && t < m->n_terr; t++) {
        int found = 0;
        long old = 0;
        if (regio_strmap_put(m->terr_map, m->terr[t], (long)t, &found, &old))
            rc = oom(err);
    }
    if (!rc && !(m->parent = regio_malloc((m->n_terr ? m->n_terr : 1) * sizeof *m->parent)))
        rc = oom(err);
    for (size_t t = 0; !rc && t < m->n_terr; t++)
        m->parent[t] = l.parent_ext[t] ? regio_strmap_get(m->terr_map, l.parent_ext[t]) : -1;
    if (!rc) {
        rc = regio_store_rules_foreach(s, m->model, NULL, on_rule, &l, err);
        if (rc == REGIO_ECANCELLED && l.rc)
            rc = l.rc;
    }
    if (!rc && extra)
        rc = add_rule(&l, extra);
    for (size_t t = 0; t < m->n_terr; t++)
        regio_free(l.parent_ext[t]);
    regio_free(l.parent_ext);
    if (rc)
        regio__rule_model_free(m);
    return rc;
}

/* ---- the run --------------------------------------------------------------------- */

/* (account, territory, rule) triples: the store's rule associations. */
typedef regio_rule_assoc triple;

typedef struct triples {
    triple *v;
    size_t n, cap;
} triples;

static regio_err triples_add(triples *t, long long acc, long terr, long rule)
{
    if (regio__grow(&t->v, &t->cap, t->n + 1, sizeof *t->v))
        return REGIO_ENOMEM;
    t->v[t->n++] = (triple){acc, terr, rule};
    return REGIO_OK;
}

static int cmp_triple(const void *a, const void *b)
{
    const triple *x = a, *y = b;
    if (x->account != y->account)
        return (x->account > y->account) - (x->account < y->account);
    return (x->territory > y->territory) - (x->territory < y->territory);
}

typedef struct run_ctx {
    regio__rule_model *m;
    regio__matcher *mx;
    const unsigned char *in_scope;
    regio__vals vals;
    long *terr_buf, *rule_buf;
    triples old, fresh;
    long accounts, excluded;
    regio_err rc;
} run_ctx;

static int on_old(void *ud, const regio_rule_assoc *a)
{
    run_ctx *c = ud;
    if (!c->in_scope[a->territory])
        return 0;
    c->rc = triples_add(&c->old, a->account, a->territory, a->rule);
    return c->rc != REGIO_OK;
}

static int on_account(void *ud, const regio_rule_account *a)
{
    run_ctx *c = ud;
    c->accounts++;
    if (a->excluded) {
        c->excluded++;
        return 0;
    }
    if ((c->rc = regio__vals_set(&c->vals, &c->m->fields, a->values)))
        return 1;
    size_t k = regio__matcher_match(c->mx, &c->vals, c->terr_buf, c->rule_buf);
    for (size_t i = 0; i < k; i++)
        if ((c->rc = triples_add(&c->fresh, a->key, c->terr_buf[i], c->rule_buf[i])))
            return 1;
    return 0;
}

/* in_scope[t] for the subtree of root (or everything when root < 0). */
static void scope_of(const regio__rule_model *m, long root, unsigned char *in_scope)
{
    for (size_t t = 0; t < m->n_terr; t++) {
        in_scope[t] = root < 0;
        size_t steps = 0;
        for (long a = (long)t; root >= 0 && a >= 0 && steps <= m->n_terr; a = m->parent[a], steps++)
            if (a == root) {
                in_scope[t] = 1;
                break;
            }
    }
}

static regio_err audit_run(regio_store *s, const regio__rule_model *m, const char *scope,
                           const regio_rules_report *rep, const char *actor, regio_error *err)
{
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc = regio_buf_puts(&b, "{\"model\":");
    if (!rc)
        rc = regio_buf_json_str(&b, m->model);
    if (!rc)
        rc = regio_buf_puts(&b, ",\"territory\":");
    if (!rc)
        rc = scope ? regio_buf_json_str(&b, scope) : regio_buf_puts(&b, "null");
    if (!rc)
        rc = regio_buf_printf(&b,
                              ",\"accounts\":%ld,\"rules\":%ld,\"added\":%ld,\"removed\":%ld,"
                              "\"kept\":%ld,\"matched\":%ld,\"territories\":{",
                              rep->accounts, rep->rules, rep->added, rep->removed, rep->kept,
                              rep->matched);
    for (size_t i = 0; !rc && i < rep->n_changes; i++) {
        const regio_rules_territory_change *ch = &rep->changes[i];
        if (i)
            rc = regio_buf_putc(&b, ',');
        if (!rc)
            rc = regio_buf_json_str(&b, ch->territory);
        if (!rc)
            rc = regio_buf_printf(&b, ":{\"added\":%ld,\"removed\":%ld}", ch->added, ch->removed);
    }
    if (!rc)
        rc = regio_buf_puts(&b, "}}");
    if (!rc)
        rc = regio_store_audit_append(s, actor ? actor : "cli", "rules.run", "model", m->model,
                                      NULL, b.data, err);
    else
        rc = oom(err);
    regio_buf_free(&b);
    return rc;
}

void regio_rules_report_clear(regio_rules_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_changes; i++)
        regio_free(r->changes[i].territory);
    regio_free(r->changes);
    memset(r, 0, sizeof *r);
}

/* The merge of old and fresh (both sorted), counted per territory into
 * the report. In place: old keeps the pairs to delete, fresh those to add
 * (each a prefix, in order); upd gets the pairs kept with another rule. */
static regio_err diff(run_ctx *c, regio_rules_report *rep, triples *upd, long *t_add,
                      long *t_del, long *t_after)
{
    size_t i = 0, j = 0, n_del = 0, n_add = 0;
    triples *o = &c->old, *f = &c->fresh;
    rep->matched = (long)f->n;
    while (i < o->n || j < f->n) {
        int k = i >= o->n ? 1 : j >= f->n ? -1 : cmp_triple(&o->v[i], &f->v[j]);
        if (k < 0) {
            t_del[o->v[i].territory]++;
            o->v[n_del++] = o->v[i++];
        } else if (k > 0) {
            t_add[f->v[j].territory]++;
            t_after[f->v[j].territory]++;
            f->v[n_add++] = f->v[j++];
        } else {
            if (o->v[i].rule != f->v[j].rule &&
                triples_add(upd, f->v[j].account, f->v[j].territory, f->v[j].rule))
                return REGIO_ENOMEM;
            rep->kept++;
            t_after[f->v[j].territory]++;
            i++;
            j++;
        }
    }
    o->n = n_del;
    f->n = n_add;
    rep->added = (long)n_add;
    rep->removed = (long)n_del;
    return REGIO_OK;
}

regio_err regio_rules_run(regio_store *s, const regio_rules_run_opts *o, regio_rules_report *rep,
                          regio_error *err)
{
    regio_rules_report local;
    if (!rep)
        rep = &local;
    memset(rep, 0, sizeof *rep);
    regio_error_clear(err);
    if (!s || !o)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "no store or no options");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    regio__rule_model m;
    run_ctx c;
    memset(&c, 0, sizeof c);
    triples upd = {0};
    long *t_add = NULL, *t_del = NULL, *t_after = NULL;
    unsigned char *in_scope = NULL;
    int in_txn = 0;
    regio_err rc = regio__rule_model_load(s, o->model, 0, NULL, &m, err);
    if (rc)
        return rc;
    if (m.state == REGIO_MODEL_ARCHIVED) {
        rc = regio_error_setf(err, REGIO_ECONFLICT, NULL, 0, NULL,
                              "territory model '%s' is archived: its associations stay as they "
                              "were (clone it to run rules on it)",
                              m.model);
        goto done;
    }
    long root = -1;
    if (o->territory && (root = regio_strmap_get(m.terr_map, o->territory)) < 0) {
        rc = regio_error_setf(err, REGIO_ENOTFOUND, NULL, 0, "territory",
                              "no territory '%s' in territory model '%s'", o->territory, m.model);
        goto done;
    }
    size_t nt = m.n_terr ? m.n_terr : 1;
    in_scope = regio_calloc(nt, 1);
    t_add = regio_calloc(nt, sizeof *t_add);
    t_del = regio_calloc(nt, sizeof *t_del);
    t_after = regio_calloc(nt, sizeof *t_after);
    c.terr_buf = regio_malloc(nt * sizeof *c.terr_buf);
    c.rule_buf = regio_malloc(nt * sizeof *c.rule_buf);
    if (!in_scope || !t_add || !t_del || !t_after || !c.terr_buf || !c.rule_buf) {
        rc = oom(err);
        goto done;
    }
    scope_of(&m, root, in_scope);
    c.m = &m;
    c.in_scope = in_scope;
    if ((rc = regio__matcher_new(m.n_terr, m.parent, in_scope, m.n_rules, m.rules, m.rule_terr,
                                 m.inherit, m.rule_id, &m.fields, &c.mx, err)))
        goto done;
    for (size_t t = 0; t < m.n_terr; t++)
        rep->territories += in_scope[t];
    rep->with_rules = (long)regio__matcher_participants(c.mx);
    rep->rules = (long)m.n_rules;
    /* One transaction from the read of the old associations to the
     * write of the new ones: nothing changes in between. */
    if (!o->dry_run) {
        if ((rc = regio_store_begin(s, err)))
            goto done;
        in_txn = 1;
    }
    rc = regio_store_rule_assocs_foreach(s, m.model, (const char *const *)m.terr, m.n_terr, on_old,
                                         &c, err);
    if (rc == REGIO_ECANCELLED && c.rc)
        rc = oom(err);
    if (!rc) {
        rc = regio_store_rule_accounts_foreach(s, (const char *const *)m.fields.name, m.fields.n,
                                               on_account, &c, err);
        if (rc == REGIO_ECANCELLED && c.rc)
            rc = oom(err);
    }
    if (rc)
        goto done;
    rep->accounts = c.accounts;
    rep->excluded = c.excluded;
    if (c.old.n > 1)
        qsort(c.old.v, c.old.n, sizeof *c.old.v, cmp_triple);
    /* fresh is in account-key order and, per account, territory order. */
    if ((rc = diff(&c, rep, &upd, t_add, t_del, t_after))) {
        oom(err);
        goto done;
    }
    size_t n_changes = 0;
    for (size_t t = 0; t < m.n_terr; t++)
        n_changes += t_add[t] || t_del[t];
    if (n_changes && !(rep->changes = regio_calloc(n_changes, sizeof *rep->changes))) {
        rc = oom(err);
        goto done;
    }
    for (size_t t = 0; t < m.n_terr; t++) {
        if (!t_add[t] && !t_del[t])
            continue;
        regio_rules_territory_change *ch = &rep->changes[rep->n_changes];
        if (!(ch->territory = regio_strdup(m.terr[t]))) {
            rc = oom(err);
            goto done;
        }
        ch->added = t_add[t];
        ch->removed = t_del[t];
        ch->matched = t_after[t];
        rep->n_changes++;
    }
    if (!o->dry_run && (c.old.n || c.fresh.n || upd.n)) {
        rc = regio_store_rule_assocs_apply(s, m.model, (const char *const *)m.terr, m.n_terr,
                                           c.old.v, c.old.n, c.fresh.v, c.fresh.n, upd.v, upd.n,
                                           o->actor, err);
        if (!rc && (c.old.n || c.fresh.n))
            rc = audit_run(s, &m, o->territory, rep, o->actor, err);
    }
    if (!rc && in_txn) {
        rc = regio_store_commit(s, err);
        in_txn = 0;
    }
done:
    if (in_txn)
        regio_store_rollback(s, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    rep->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (rc) {
        regio_rules_report_clear(rep);
    }
    regio__matcher_free(c.mx);
    regio__vals_free(&c.vals);
    regio_free(c.terr_buf);
    regio_free(c.rule_buf);
    regio_free(c.old.v);
    regio_free(c.fresh.v);
    regio_free(upd.v);
    regio_free(t_add);
    regio_free(t_del);
    regio_free(t_after);
    regio_free(in_scope);
    regio__rule_model_free(&m);
    return rc;
}

/* ---- the live count ------------------------------------------------------------------ */

typedef struct count_ctx {
    regio__rule_model *m;
    regio__matcher *mx;
    regio__vals vals;
    long *terr_buf, *rule_buf;
    size_t edited; /* index of the edited rule */
    long satisfying, matching, accounts;
    regio_err rc;
} count_ctx;

static int on_count(void *ud, const regio_rule_account *a)
{
    count_ctx *c = ud;
    c->accounts++;
    if ((c->rc = regio__vals_set(&c->vals, &c->m->fields, a->values)))
        return 1;
    if (regio__matcher_rule_sat(c->mx, &c->vals, c->edited))
        c->satisfying++;
    if (!a->excluded && regio__matcher_match(c->mx, &c->vals, c->terr_buf, c->rule_buf) > 0)
        c->matching++;
    return 0;
}

regio_err regio_rule_count(regio_store *s, const char *model, const regio_rule_info *r,
                           long *satisfying, long *matching, long *accounts, regio_error *err)
{
    regio_error_clear(err);
    if (!s || !r || !r->territory)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "a rule with its territory is needed");
    regio_err rc = regio__rule_check(s, r, NULL, err);
    if (rc)
        return rc;
    regio__rule_model m;
    /* The edited rule counts as active, so that its count shows. */
    regio_rule_info edited = *r;
    edited.active = 1;
    if ((rc = regio__rule_model_load(s, model, r->id, &edited, &m, err)))
        return rc;
    count_ctx c;
    memset(&c, 0, sizeof c);
    c.m = &m;
    c.edited = m.n_rules - 1;
    size_t nt = m.n_terr ? m.n_terr : 1;
    unsigned char *in_scope = regio_calloc(nt, 1);
    c.terr_buf = regio_malloc(nt * sizeof *c.terr_buf);
    c.rule_buf = regio_malloc(nt * sizeof *c.rule_buf);
    if (!in_scope || !c.terr_buf || !c.rule_buf)
        rc = oom(err);
    if (!rc) {
        in_scope[m.rule_terr[c.edited]] = 1;
        rc = regio__matcher_new(m.n_terr, m.parent, in_scope, m.n_rules, m.rules, m.rule_terr,
                                m.inherit, m.rule_id, &m.fields, &c.mx, err);
    }
    if (!rc) {
        c.m = &m;
        rc = regio_store_rule_accounts_foreach(s, (const char *const *)m.fields.name, m.fields.n,
                                               on_count, &c, err);
        if (rc == REGIO_ECANCELLED && c.rc)
            rc = oom(err);
    }
    if (!rc) {
        if (satisfying)
            *satisfying = c.satisfying;
        if (matching)
            *matching = c.matching;
        if (accounts)
            *accounts = c.accounts;
    }
    regio__matcher_free(c.mx);
    regio__vals_free(&c.vals);
    regio_free(c.terr_buf);
    regio_free(c.rule_buf);
    regio_free(in_scope);
    regio__rule_model_free(&m);
    return rc;
}
