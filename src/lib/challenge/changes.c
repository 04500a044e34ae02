/*
 * What a planning model changes for a member of the model in force
 * (regio_challenge_changes): the two loaded models compared unit by unit
 * and, for accounts moved by hand in either, account by account, by
 * territory external id; kept are the changes whose old or new territory
 * is the member's, with what each carries and the member's latest
 * challenge of it, and the member's leaves with their totals before and
 * after. O(units + overrides + challenges of the model).
 */
#include "challenge/challenge_internal.h"

#include <stdio.h>
#include <string.h>

/* The territory of unit i in view v, or NULL. */
static const char *unit_territory(const regio_model_view *v, long i)
{
    return i >= 0 && v->labels[i] >= 0 ? v->territory[v->labels[i]] : NULL;
}

static int same(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

typedef struct builder {
    regio_changes *c;
    size_t cap;
    const regio__member *m;
    regio_err rc;
} builder;

/* Appends a change from `from` to `to` when it touches the member;
 * measures (m values) are copied. */
static void add(builder *b, int is_account, const char *id, const char *name, const char *from,
                const char *to, const double *measures)
{
    int from_mine = regio__member_mine(b->m, from), to_mine = regio__member_mine(b->m, to);
    if (b->rc || (!from_mine && !to_mine))
        return;
    regio_changes *c = b->c;
    if (c->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 16;
        regio_change *p = regio_realloc(c->items, cap * sizeof *p);
        if (!p) {
            b->rc = REGIO_ENOMEM;
            return;
        }
        c->items = p;
        b->cap = cap;
    }
    regio_change *it = &c->items[c->n];
    memset(it, 0, sizeof *it);
    it->is_account = is_account;
    it->from_mine = from_mine;
    it->to_mine = to_mine;
    it->id = regio_strdup(id);
    it->name = name ? regio_strdup(name) : NULL;
    it->from = from ? regio_strdup(from) : NULL;
    it->to = to ? regio_strdup(to) : NULL;
    it->measures = regio_calloc(c->m ? c->m : 1, sizeof *it->measures);
    c->n++; /* counted now, so that regio_changes_free frees what was made */
    if (!it->id || (name && !it->name) || (from && !it->from) || (to && !it->to) ||
        !it->measures) {
        b->rc = REGIO_ENOMEM;
        return;
    }
    if (measures)
        memcpy(it->measures, measures, c->m * sizeof *measures);
    it->territory = from_mine ? it->from : it->to;
}

/* Accounts moved by hand in either view, merged by account id (both
 * override lists are sorted by it). */
static void add_accounts(builder *b, const regio_model_view *vf, const regio_model_view *vp)
{
    size_t i = 0, j = 0;
    while (!b->rc && (i < vf->n_overrides || j < vp->n_overrides)) {
        const regio_model_override *of = i < vf->n_overrides ? &vf->overrides[i] : NULL;
        const regio_model_override *op = j < vp->n_overrides ? &vp->overrides[j] : NULL;
        int cmp = !of ? 1 : !op ? -1 : strcmp(of->account, op->account);
        if (cmp < 0)
            op = NULL;
        else if (cmp > 0)
            of = NULL;
        i += of != NULL;
        j += op != NULL;
        const regio_model_override *any = op ? op : of;
        const char *from = of ? of->territory : unit_territory(vf, any->unit);
        const char *to = op ? op->territory : unit_territory(vp, any->unit);
        if (!same(from, to))
            add(b, 1, any->account, NULL, from, to, any->delta);
    }
}

/* The names of the accounts among the changes, read from the store. */
typedef struct naming {
    regio_changes *c;
    regio_err rc;
} naming;

static int on_account(void *ud, const regio_account *a)
{
    naming *nm = ud;
    for (size_t i = 0; i < nm->c->n; i++) {
        regio_change *it = &nm->c->items[i];
        if (it->is_account && !it->name && a->name && !strcmp(it->id, a->id) &&
            !(it->name = regio_strdup(a->name)))
            nm->rc = REGIO_ENOMEM;
    }
    return nm->rc != REGIO_OK;
}

static regio_err name_accounts(regio_store *s, regio_changes *c, regio_error *err)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += c->items[i].is_account;
    if (!n)
        return REGIO_OK;
    const char **ids = regio_malloc(n * sizeof *ids);
    if (!ids)
        return regio__challenge_oom(err);
    n = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->items[i].is_account)
            ids[n++] = c->items[i].id;
    naming nm = {c, REGIO_OK};
    regio_err rc = regio_store_accounts_get(s, ids, n, on_account, &nm, err);
    regio_free(ids);
    return nm.rc ? regio__challenge_oom(err) : rc;
}

/* The user's latest challenge of each change (same item, same from and to). */
typedef struct linking {
    regio_changes *c;
} linking;

static int on_challenge(void *ud, const regio_challenge *ch)
{
    regio_changes *c = ((linking *)ud)->c;
    if (strcmp(ch->raised_by, c->user) != 0)
        return 0;
    for (size_t i = 0; i < c->n; i++) {
        regio_change *it = &c->items[i];
        const char *item = it->is_account ? ch->account : ch->unit;
        /* Newest first: the first one found is the latest. */
        if (!it->challenge && item && !strcmp(item, it->id) && same(ch->from, it->from) &&
            same(ch->to, it->to)) {
            it->challenge = ch->id;
            it->challenge_state = ch->state;
        }
    }
    return 0;
}

/* The member's leaves of the model in force with their totals in both. */
static regio_err summarise(regio_changes *c, const regio__member *m, const regio_model_view *vf,
                           const regio_model_view *vp, regio_error *err)
{
    size_t n = 0;
    for (int t = 0; t < vf->k; t++)
        n += regio__member_mine(m, vf->territory[t]);
    if (!n)
        return REGIO_OK;
    if (!(c->territories = regio_calloc(n, sizeof *c->territories)))
        return regio__challenge_oom(err);
    size_t mm = c->m ? c->m : 1;
    for (int t = 0; t < vf->k; t++) {
        if (!regio__member_mine(m, vf->territory[t]))
            continue;
        regio_change_territory *ct = &c->territories[c->n_territories++];
        const char *id = vf->territory[t];
        int lp = regio_model_view_leaf(vp, id);
        ct->id = regio_strdup(id);
        ct->name = vf->territory_name[t] ? regio_strdup(vf->territory_name[t]) : NULL;
        ct->before = regio_calloc(mm, sizeof *ct->before);
        ct->after = regio_calloc(mm, sizeof *ct->after);
        if (!ct->id || (vf->territory_name[t] && !ct->name) || !ct->before || !ct->after)
            return regio__challenge_oom(err);
        ct->in_plan = lp >= 0;
        for (size_t k = 0; k < c->m; k++) {
            if (vf->has_report && k < vf->report.m)
                ct->before[k] = vf->report.territories[t].totals[k];
            if (lp >= 0 && vp->has_report && k < vp->report.m)
                ct->after[k] = vp->report.territories[lp].totals[k];
        }
        for (size_t i = 0; i < c->n; i++) {
            const regio_change *it = &c->items[i];
            int in = same(it->to, id) && !same(it->from, id);
            int out = same(it->from, id) && !same(it->to, id);
            if (it->is_account) {
                ct->accounts_in += in;
                ct->accounts_out += out;
            } else {
                ct->units_in += in;
                ct->units_out += out;
            }
        }
    }
    return REGIO_OK;
}

regio_err regio_challenge_territories(regio_store *s, const char *user, const char *day,
                                      size_t *n, regio_error *err)
{
    regio__member m;
    regio_err rc = user ? regio__member_load(s, user, day, &m, err)
                        : regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "no user given");
    if (!rc && n)
        *n = m.n_mine;
    if (user)
        regio__member_free(&m);
    return rc;
}

regio_err regio_challenge_changes(regio_store *s, const regio_model_view *vf,
                                  const regio_model_view *vp, const char *user, const char *day,
                                  regio_changes **out, regio_error *err)
{
    *out = NULL;
    if (!s || !vf || !vp || !user || vf->units != vp->units)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "the changes of a planning model need the store, a user and two "
                                "models loaded over the same units");
    regio__member m;
    regio_err rc = regio__member_load(s, user, day, &m, err);
    if (!rc && (!m.model || strcmp(m.model, vf->model) != 0))
        rc = regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                              "'%s' is not the territory model in force on %s (%s is)",
                              vf->model, m.day, m.model ? m.model : "none");
    regio_changes *c = rc ? NULL : regio_calloc(1, sizeof *c);
    if (!rc && !c)
        rc = regio__challenge_oom(err);
    const regio_design_input *in = &vp->units->in;
    if (!rc) {
        c->revision = vp->revision;
        c->m = in->m;
        c->plan = regio_strdup(vp->model);
        c->in_force = regio_strdup(vf->model);
        c->user = regio_strdup(user);
        c->measure_names = regio_calloc(in->m ? in->m : 1, sizeof *c->measure_names);
        if (!c->plan || !c->in_force || !c->user || !c->measure_names)
            rc = regio__challenge_oom(err);
    }
    for (size_t k = 0; !rc && k < in->m; k++) {
        char fallback[32];
        snprintf(fallback, sizeof fallback, "measure %zu", k);
        const char *name = in->measure_names && in->measure_names[k] ? in->measure_names[k]
                                                                     : fallback;
        if (!(c->measure_names[k] = regio_strdup(name)))
            rc = regio__challenge_oom(err);
    }
    builder b = {c, 0, &m, REGIO_OK};
    const regio_unitset *us = vp->units->loaded.units;
    for (size_t i = 0; !rc && !b.rc && i < in->n; i++) {
        const char *from = unit_territory(vf, (long)i), *to = unit_territory(vp, (long)i);
        if (!same(from, to))
            add(&b, 0, us->units[i].id, us->units[i].name, from, to, in->measures + i * in->m);
    }
    if (!rc)
        add_accounts(&b, vf, vp);
    if (!rc && b.rc)
        rc = regio__challenge_oom(err);
    if (!rc)
        rc = name_accounts(s, c, err);
    linking lk = {c};
    if (!rc && c->n)
        rc = regio_store_challenges_foreach(s, vp->model, 0, on_challenge, &lk, err);
    if (!rc)
        rc = summarise(c, &m, vf, vp, err);
    if (!rc)
        rc = regio_store_model_auto_approval(s, vp->model, &c->auto_approve, &c->tolerance, err);
    regio__member_free(&m);
    if (rc) {
        regio_changes_free(c);
        return rc;
    }
    *out = c;
    return REGIO_OK;
}

void regio_changes_free(regio_changes *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        regio_change *it = &c->items[i];
        regio_free(it->id);
        regio_free(it->name);
        regio_free(it->from);
        regio_free(it->to);
        regio_free(it->measures);
    }
    for (size_t i = 0; i < c->n_territories; i++) {
        regio_change_territory *t = &c->territories[i];
        regio_free(t->id);
        regio_free(t->name);
        regio_free(t->before);
        regio_free(t->after);
    }
    for (size_t k = 0; c->measure_names && k < c->m; k++)
        regio_free(c->measure_names[k]);
    regio_free(c->measure_names);
    regio_free(c->items);
    regio_free(c->territories);
    regio_free(c->plan);
    regio_free(c->in_force);
    regio_free(c->user);
    regio_free(c);
}
