/*
 * Loading a territory model from the store into a regio_model_view (see
 * regio/model_view.h): the hierarchy, one label per unit in leaf order,
 * locks, account overrides with the measures they carry, and the
 * METRICS.md report with those overrides counted where they were moved.
 * Edits and saving: view_edit.c.
 */
#include "model/view_internal.h"

#include "design/eval_memo.h"

#include "core/grow.h"

#include "regio/buf.h"
#include "regio/strmap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ------------------------------------------------------------- */

static char *dup_opt(const char *s, int *oom)
{
    if (!s)
        return NULL;
    char *d = regio_strdup(s);
    if (!d)
        *oom = 1;
    return d;
}

void regio__view_mark_stale(regio_model_view *v)
{
    regio__view_drop_overrides(v);
    regio_strmap_destroy(v->override_index_);
    v->override_index_ = NULL;
    regio_design_report_free(&v->report);
    regio__eval_memo_free(v->eval_memo_);
    v->has_report = 0;
    v->revision = -1;
}

void regio__view_drop_overrides(regio_model_view *v)
{
    for (size_t i = 0; i < v->n_overrides; i++) {
        regio_free(v->overrides[i].account);
        regio_free(v->overrides[i].territory);
        regio_free(v->overrides[i].delta);
    }
    regio_free(v->overrides);
    v->overrides = NULL;
    v->n_overrides = 0;
}

void regio_model_view_destroy(regio_model_view *v)
{
    if (!v)
        return;
    for (int t = 0; t < v->k; t++) {
        regio_free(v->territory[t]);
        regio_free(v->territory_name[t]);
        regio_free(v->territory_parent[t]);
        regio_free(v->territory_rep[t]);
    }
    regio_free(v->territory);
    regio_free(v->territory_name);
    regio_free(v->territory_parent);
    regio_free(v->territory_rep);
    for (size_t i = 0; i < v->n_nodes; i++) {
        regio_free(v->nodes[i].id);
        regio_free(v->nodes[i].name);
        regio_free(v->nodes[i].parent);
        regio_free(v->nodes[i].rep);
    }
    regio_free(v->nodes);
    regio_free(v->labels);
    regio_free(v->locked);
    regio__view_drop_overrides(v);
    regio_free(v->eval_cols_);
    regio_design_report_free(&v->report);
    regio__eval_memo_free(v->eval_memo_);
    regio_free(v->eval_memo_);
    regio_strmap_destroy(v->leaf_index_);
    regio_strmap_destroy(v->override_index_);
    regio_free(v->model);
    regio_free(v);
}

/* ---- lookups ------------------------------------------------------------------- */

int regio_model_view_leaf(const regio_model_view *v, const char *id)
{
    if (!v || !id || !v->leaf_index_)
        return -1;
    return (int)regio_strmap_get(v->leaf_index_, id);
}

static int cmp_node(const void *a, const void *b)
{
    return strcmp(((const regio_model_node *)a)->id, ((const regio_model_node *)b)->id);
}

const regio_model_node *regio_model_view_node(const regio_model_view *v, const char *id)
{
    if (!v || !id || !v->n_nodes)
        return NULL;
    regio_model_node key = {(char *)id, NULL, NULL, NULL};
    return bsearch(&key, v->nodes, v->n_nodes, sizeof *v->nodes, cmp_node);
}

int regio_model_view_account_leaf(const regio_model_view *v, const char *account_id,
                                  const char *unit_id)
{
    if (!v)
        return -1;
    long o = account_id && v->override_index_ ? regio_strmap_get(v->override_index_, account_id)
                                              : -1;
    if (o >= 0)
        return v->overrides[o].to;
    long u = unit_id ? regio_unitset_find(v->units->loaded.units, unit_id) : -1;
    return u >= 0 ? v->labels[u] : -1;
}

/* ---- loading ------------------------------------------------------------------- */

typedef struct load_ctx {
    regio_model_view *v;
    size_t cap_nodes, cap_leaves, cap_ov;
    regio_strmap *leaves; /* leaf id -> index (before sorting) */
    int accounts_only;    /* reading the overrides again: unit rows are skipped */
    regio_err rc;
} load_ctx;

static int add_node(void *ud, const regio_territory_info *ti)
{
    load_ctx *c = ud;
    regio_model_view *v = c->v;
    if (regio__grow(&v->nodes, &c->cap_nodes, v->n_nodes + 1, sizeof *v->nodes)) {
        c->rc = REGIO_ENOMEM;
        return 1;
    }
    int oom = 0;
    regio_model_node *nd = &v->nodes[v->n_nodes++];
    nd->id = dup_opt(ti->id, &oom);
    nd->name = dup_opt(ti->name, &oom);
    nd->parent = dup_opt(ti->parent, &oom);
    nd->rep = dup_opt(ti->rep, &oom);
    if (oom)
        c->rc = REGIO_ENOMEM;
    return oom;
}

/* Adds leaf id (with the node's name, parent and rep when it has a node);
 * returns its index or -1 when out of memory. */
static int add_leaf(load_ctx *c, const char *id)
{
    regio_model_view *v = c->v;
    long have = regio_strmap_get(c->leaves, id);
    if (have >= 0)
        return (int)have;
    size_t k = (size_t)v->k;
    /* Four parallel columns of one capacity: each grows to the same size. */
    char ***cols[4] = {&v->territory, &v->territory_name, &v->territory_parent,
                       &v->territory_rep};
    size_t cap = c->cap_leaves;
    for (int f = 0; f < 4; f++) {
        size_t cf = c->cap_leaves;
        if (regio__grow(cols[f], &cf, k + 1, sizeof(char *)))
            return -1;
        cap = cf;
    }
    c->cap_leaves = cap;
    const regio_model_node *nd = regio_model_view_node(v, id);
    int oom = 0;
    v->territory[k] = dup_opt(id, &oom);
    v->territory_name[k] = dup_opt(nd ? nd->name : NULL, &oom);
    v->territory_parent[k] = dup_opt(nd ? nd->parent : NULL, &oom);
    v->territory_rep[k] = dup_opt(nd ? nd->rep : NULL, &oom);
    v->k++;
    int found = 0;
    long old = 0;
    if (oom || regio_strmap_put(c->leaves, id, (long)k, &found, &old))
        return -1;
    return (int)k;
}

static int read_row(void *ud, const regio_alignment_row *row)
{
    load_ctx *c = ud;
    regio_model_view *v = c->v;
    if (!row->territory)
        return 0;
    if (row->unit_id) {
        if (c->accounts_only)
            return 0;
        long i = regio_unitset_find(v->units->loaded.units, row->unit_id);
        if (i < 0)
            return 0; /* a unit the loaded units do not hold */
        int t = add_leaf(c, row->territory);
        if (t < 0) {
            c->rc = REGIO_ENOMEM;
            return 1;
        }
        v->labels[i] = t;
        v->locked[i] = row->locked ? 1 : 0;
        return 0;
    }
    if (!row->account_id)
        return 0;
    if (regio__grow(&v->overrides, &c->cap_ov, v->n_overrides + 1, sizeof *v->overrides)) {
        c->rc = REGIO_ENOMEM;
        return 1;
    }
    regio_model_override *o = &v->overrides[v->n_overrides++];
    memset(o, 0, sizeof *o);
    o->to = -1;
    o->unit = -1;
    int oom = 0;
    o->account = dup_opt(row->account_id, &oom);
    o->territory = dup_opt(row->territory, &oom);
    if (oom)
        c->rc = REGIO_ENOMEM;
    return oom;
}

/* The leaves of the hierarchy: every territory nobody names as parent. */
static regio_err add_hierarchy_leaves(load_ctx *c)
{
    regio_model_view *v = c->v;
    regio_strmap *parents = regio_strmap_create(v->n_nodes + 1);
    if (!parents)
        return REGIO_ENOMEM;
    int found = 0;
    long old = 0;
    regio_err rc = REGIO_OK;
    for (size_t i = 0; i < v->n_nodes && !rc; i++)
        if (v->nodes[i].parent)
            rc = regio_strmap_put(parents, v->nodes[i].parent, 1, &found, &old);
    for (size_t i = 0; i < v->n_nodes && !rc; i++)
        if (regio_strmap_get(parents, v->nodes[i].id) < 0 && add_leaf(c, v->nodes[i].id) < 0)
            rc = REGIO_ENOMEM;
    regio_strmap_destroy(parents);
    return rc;
}

typedef struct order {
    const char *id;
    int t;
} order;

static int cmp_order(const void *a, const void *b)
{
    return strcmp(((const order *)a)->id, ((const order *)b)->id);
}

/* Leaves in id order (names, parents and reps alongside), labels remapped,
 * and the final id -> leaf index map. */
static regio_err sort_leaves(regio_model_view *v)
{
    int k = v->k;
    size_t n = v->units->in.n, sz = (size_t)(k ? k : 1);
    order *o = regio_malloc(sz * sizeof *o);
    int *map = regio_malloc(sz * sizeof *map);
    char **tmp = regio_malloc(4 * sz * sizeof *tmp);
    regio_err rc = REGIO_ENOMEM;
    if (!o || !map || !tmp)
        goto done;
    for (int t = 0; t < k; t++)
        o[t] = (order){v->territory[t], t};
    qsort(o, (size_t)k, sizeof *o, cmp_order);
    char **cols[4] = {v->territory, v->territory_name, v->territory_parent, v->territory_rep};
    for (int u = 0; u < k; u++) {
        map[o[u].t] = u;
        for (int f = 0; f < 4; f++)
            tmp[(size_t)f * sz + (size_t)u] = cols[f][o[u].t];
    }
    for (int u = 0; u < k; u++)
        for (int f = 0; f < 4; f++)
            cols[f][u] = tmp[(size_t)f * sz + (size_t)u];
    for (size_t i = 0; i < n; i++)
        if (v->labels[i] >= 0)
            v->labels[i] = map[v->labels[i]];
    if (!(v->leaf_index_ = regio_strmap_create(sz)))
        goto done;
    rc = REGIO_OK;
    int found = 0;
    long old = 0;
    for (int t = 0; t < k && !rc; t++)
        rc = regio_strmap_put(v->leaf_index_, v->territory[t], t, &found, &old);
done:
    regio_free(o);
    regio_free(map);
    regio_free(tmp);
    return rc;
}

/* What one account adds to a territory: 1 account, its revenue and its
 * potential, as regio_store_unit_measures_from_accounts counts them. */
typedef struct account_ctx {
    char *unit;
    double revenue, potential;
    int found, oom;
} account_ctx;

static int read_account(void *ud, const regio_account *a)
{
    account_ctx *c = ud;
    c->found = 1;
    c->unit = a->unit_id ? regio_strdup(a->unit_id) : NULL;
    c->revenue = isfinite(a->annual_revenue) ? a->annual_revenue : 0;
    c->potential = isfinite(a->potential) ? a->potential : 0;
    c->oom = a->unit_id && !c->unit;
    return c->oom;
}

regio_err regio__view_resolve_override(regio_store *s, regio_model_view *v, regio_model_override *o,
                                       regio_error *err)
{
    const regio_design_problem *p = v->units;
    size_t m = p->in.m;
    o->to = regio_model_view_leaf(v, o->territory);
    o->unit = -1;
    if (!o->delta && !(o->delta = regio_calloc(m ? m : 1, sizeof *o->delta)))
        return REGIO_ENOMEM;
    regio_account_query q;
    memset(&q, 0, sizeof q);
    q.id = o->account;
    long total = 0;
    account_ctx ac;
    memset(&ac, 0, sizeof ac);
    regio_err rc = regio_store_accounts_query(s, &q, read_account, &ac, &total, err);
    if (rc == REGIO_ECANCELLED && ac.oom)
        rc = REGIO_ENOMEM;
    if (!rc && ac.found) {
        if (ac.unit)
            o->unit = regio_unitset_find(p->loaded.units, ac.unit);
        for (size_t c = 0; c < m; c++) {
            const char *name = p->in.measure_names[c];
            o->delta[c] = !strcmp(name, "accounts")    ? 1.0
                          : !strcmp(name, "revenue")   ? ac.revenue
                          : !strcmp(name, "potential") ? ac.potential
                                                       : 0.0;
        }
    }
    regio_free(ac.unit);
    return rc; /* an account that is gone carries nothing */
}

static int cmp_override(const void *a, const void *b)
{
    return strcmp(((const regio_model_override *)a)->account,
                  ((const regio_model_override *)b)->account);
}

regio_err regio__view_index_overrides(regio_model_view *v)
{
    if (v->n_overrides > 1)
        qsort(v->overrides, v->n_overrides, sizeof *v->overrides, cmp_override);
    regio_strmap_destroy(v->override_index_);
    if (!(v->override_index_ = regio_strmap_create(v->n_overrides + 1)))
        return REGIO_ENOMEM;
    int found = 0;
    long old = 0;
    for (size_t i = 0; i < v->n_overrides; i++)
        if (regio_strmap_put(v->override_index_, v->overrides[i].account, (long)i, &found, &old))
            return REGIO_ENOMEM;
    return REGIO_OK;
}

/* Reads the manual account overrides of the model again (after an edit
 * that changed some). */
regio_err regio__view_reload_overrides(regio_store *s, regio_model_view *v, regio_error *err)
{
    regio__view_drop_overrides(v);
    load_ctx c;
    memset(&c, 0, sizeof c);
    c.v = v;
    c.accounts_only = 1;
    regio_err rc = regio_store_alignment_foreach(s, v->model, read_row, &c, err);
    if (rc == REGIO_ECANCELLED && c.rc)
        rc = c.rc;
    for (size_t i = 0; !rc && i < v->n_overrides; i++)
        rc = regio__view_resolve_override(s, v, &v->overrides[i], err);
    if (!rc)
        rc = regio__view_index_overrides(v);
    return rc;
}

/* The model as the store holds it; its report too when `report`. */
static regio_err load_view(regio_store *s, const regio_design_problem *units, const char *model,
                           int balance_col, int report, regio_model_view **out, regio_error *err)
{
    *out = NULL;
    if (!s || !units)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "loading a model needs the store and its units");
    regio_model_info info;
    memset(&info, 0, sizeof info);
    regio_err rc = regio_store_model_find(s, model, &info, err);
    if (rc)
        return rc;
    size_t n = units->in.n;
    regio_model_view *v = regio_calloc(1, sizeof *v);
    load_ctx c;
    memset(&c, 0, sizeof c);
    c.v = v;
    rc = REGIO_ENOMEM;
    if (!v || !(v->model = regio_strdup(info.name)) ||
        !(v->labels = regio_malloc((n ? n : 1) * sizeof *v->labels)) ||
        !(v->locked = regio_calloc(n ? n : 1, 1)) || !(c.leaves = regio_strmap_create(64)))
        goto fail;
    v->units = units;
    v->state = info.state;
    v->revision = info.alignment_rev;
    for (size_t i = 0; i < n; i++)
        v->labels[i] = -1;
    v->balance_col = balance_col;
    if (v->balance_col < 0 || (size_t)v->balance_col >= units->in.m) {
        v->balance_col = 0;
        for (size_t m = 0; m < units->in.m; m++)
            if (!strcmp(units->in.measure_names[m], "accounts"))
                v->balance_col = (int)m;
    }
    rc = regio_store_territories_foreach(s, v->model, add_node, &c, err);
    if (rc == REGIO_ECANCELLED && c.rc)
        rc = c.rc;
    if (!rc)
        rc = add_hierarchy_leaves(&c);
    if (!rc)
        rc = regio_store_alignment_foreach(s, v->model, read_row, &c, err);
    if (rc == REGIO_ECANCELLED && c.rc)
        rc = c.rc;
    if (!rc)
        rc = sort_leaves(v);
    for (size_t i = 0; !rc && i < v->n_overrides; i++)
        rc = regio__view_resolve_override(s, v, &v->overrides[i], err);
    if (!rc)
        rc = regio__view_index_overrides(v);
    for (size_t i = 0; i < n; i++)
        v->n_aligned += v->labels[i] >= 0;
    if (!rc && report)
        rc = regio_model_view_evaluate(v, NULL, 0, 0, err);
    if (rc)
        goto fail;
    regio_strmap_destroy(c.leaves);
    regio_model_info_clear(&info);
    *out = v;
    return REGIO_OK;
fail:
    if (rc == REGIO_ENOMEM)
        regio_error_setf(err, rc, NULL, 0, NULL, "out of memory loading model '%s'", info.name);
    regio_strmap_destroy(c.leaves);
    regio_model_info_clear(&info);
    regio_model_view_destroy(v);
    return rc;
}

regio_err regio_model_view_load(regio_store *s, const regio_design_problem *units,
                                const char *model, int balance_col, regio_model_view **out,
                                regio_error *err)
{
    return load_view(s, units, model, balance_col, 1, out, err);
}

regio_err regio_model_view_reload(regio_store *s, regio_model_view *v, unsigned char **changed_out,
                                  regio_error *err)
{
    if (changed_out)
        *changed_out = NULL;
    regio_model_view *nv = NULL;
    regio_err rc = load_view(s, v->units, v->model, v->balance_col, 0, &nv, err);
    if (rc)
        return rc;
    /* The same leaves in the same order: the report follows the units
     * that moved; anything else is measured anew. */
    int same = v->has_report && v->eval_memo_ && nv->k == v->k;
    for (int t = 0; same && t < v->k; t++)
        same = !strcmp(v->territory[t], nv->territory[t]);
    unsigned char *changed = same ? regio_calloc((size_t)(v->k ? v->k : 1), 1) : NULL;
    same = same && changed;
    for (size_t i = 0; same && i < v->units->in.n; i++) {
        int a = v->labels[i], b = nv->labels[i];
        if (a != b) {
            if (a >= 0)
                changed[a] = 1;
            if (b >= 0)
                changed[b] = 1;
        }
    }
    nv->eval_cols_ = v->eval_cols_;
    nv->n_eval_cols_ = v->n_eval_cols_;
    nv->eval_tol_ = v->eval_tol_;
    v->eval_cols_ = NULL;
    if (same) {
        nv->report = v->report;
        memset(&v->report, 0, sizeof v->report);
        nv->eval_memo_ = v->eval_memo_;
        v->eval_memo_ = NULL;
        nv->has_report = 1;
        v->has_report = 0;
    }
    rc = regio__view_reevaluate(nv, same ? changed : NULL, err);
    regio_model_view old = *v;
    *v = *nv;
    *nv = old;
    regio_model_view_destroy(nv);
    if (rc) {
        /* Loaded, not measured (out of memory): say it is stale. */
        regio_free(changed);
        regio__view_mark_stale(v);
        return rc;
    }
    if (changed_out && same)
        *changed_out = changed;
    else
        regio_free(changed);
    return REGIO_OK;
}

/* ---- the report ------------------------------------------------------------------ */

regio_err regio_model_view_evaluate(regio_model_view *v, const int *balance_cols,
                                    size_t n_balance, double tolerance, regio_error *err)
{
    const regio_design_problem *p = v->units;
    size_t m = p->in.m;
    if (balance_cols && n_balance) {
        for (size_t b = 0; b < n_balance; b++)
            if (balance_cols[b] < 0 || (size_t)balance_cols[b] >= m)
                return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                        "measure %d is not among the %zu measures",
                                        balance_cols[b], m);
        int *cols = regio_malloc(n_balance * sizeof *cols);
        if (!cols)
            return REGIO_ENOMEM;
        memcpy(cols, balance_cols, n_balance * sizeof *cols);
        regio_free(v->eval_cols_);
        v->eval_cols_ = cols;
        v->n_eval_cols_ = n_balance;
        v->eval_tol_ = tolerance;
    }
    regio__eval_memo_free(v->eval_memo_); /* other measures: everything anew */
    return regio__view_reevaluate(v, NULL, err);
}

regio_err regio__view_reevaluate(regio_model_view *v, const unsigned char *changed,
                                 regio_error *err)
{
    const regio_design_problem *p = v->units;
    size_t n = p->in.n;
    int had = v->has_report;
    v->has_report = 0;
    v->n_aligned = 0;
    for (size_t i = 0; i < n; i++)
        v->n_aligned += v->labels[i] >= 0;
    if (v->k == 0 || v->n_aligned == 0) {
        regio_design_report_free(&v->report);
        regio__eval_memo_free(v->eval_memo_);
        return REGIO_OK; /* nothing aligned: no METRICS.md figures */
    }
    if (!had) {
        regio_design_report_free(&v->report);
        regio__eval_memo_free(v->eval_memo_);
    }
    if (!v->eval_memo_ && !(v->eval_memo_ = regio_calloc(1, sizeof *v->eval_memo_)))
        return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    double *adjust = NULL;
    if (v->n_overrides) {
        regio_err arc = regio_model_view_measure_adjust(v, v->k, v->territory, &adjust, err);
        if (arc)
            return arc;
    }
    regio_design_params params;
    regio_design_params_init(&params);
    params.k = v->k;
    params.tolerance = v->eval_cols_ ? v->eval_tol_ : p->params.tolerance;
    params.balance_cols = v->eval_cols_ ? v->eval_cols_ : &v->balance_col;
    params.n_balance = v->eval_cols_ ? v->n_eval_cols_ : 1;
    params.travel_col = params.balance_cols[0];
    params.measure_adjust = adjust;
    params.allow_unaligned = 1; /* units added since: listed, in no total */
    regio_err rc = regio__design_evaluate_memo(&p->in, &params, v->labels, changed, &v->report,
                                               v->eval_memo_, err);
    regio_free(adjust);
    if (rc == REGIO_OK)
        v->has_report = 1;
    return rc;
}

regio_err regio_model_view_measure_adjust(const regio_model_view *v, int k,
                                          char *const *names, double **out, regio_error *err)
{
    *out = NULL;
    size_t m = v->units->in.m;
    double *adjust = regio_calloc((size_t)(k ? k : 1) * m, sizeof *adjust);
    int *map = regio_malloc((size_t)(v->k ? v->k : 1) * sizeof *map);
    if (!adjust || !map) {
        regio_free(adjust);
        regio_free(map);
        return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    /* leaf of the view -> territory of the caller's naming (k is small) */
    for (int t = 0; t < v->k; t++) {
        map[t] = -1;
        for (int u = 0; u < k && map[t] < 0; u++)
            if (!strcmp(v->territory[t], names[u]))
                map[t] = u;
    }
    for (size_t o = 0; o < v->n_overrides; o++) {
        const regio_model_override *ov = &v->overrides[o];
        int from = ov->unit >= 0 && v->labels[ov->unit] >= 0 ? map[v->labels[ov->unit]] : -1;
        int to = ov->to >= 0 ? map[ov->to] : -1;
        if (from == to)
            continue;
        for (size_t c = 0; c < m; c++) {
            if (to >= 0)
                adjust[(size_t)to * m + c] += ov->delta[c];
            if (from >= 0)
                adjust[(size_t)from * m + c] -= ov->delta[c];
        }
    }
    regio_free(map);
    *out = adjust;
    return REGIO_OK;
}

/* ---- a realign's start --------------------------------------------------------- */

/*
 * Units added after the model was made start the realign in the territory
 * of the nearest aligned unit: nearest in hops over the adjacency (a
 * breadth-first search from every aligned unit at once, so a new unit
 * joins the territory it borders), else — cut off from every aligned unit
 * — nearest by distance. Ties go to the lower unit index. O(n + edges),
 * plus O(n * aligned) for cut-off units only.
 */
static int fill_unaligned(const regio_model_view *v, int *labels)
{
    const regio_design_input *in = &v->units->in;
    size_t n = in->n;
    int *queue = regio_malloc(n * sizeof *queue);
    if (!queue)
        return -1;
    size_t head = 0, tail = 0;
    for (size_t i = 0; i < n; i++)
        if (labels[i] >= 0)
            queue[tail++] = (int)i;
    while (head < tail) {
        int u = queue[head++];
        for (int e = in->xadj[u]; e < in->xadj[u + 1]; e++) {
            int w = in->adjncy[e];
            if (labels[w] < 0) {
                labels[w] = labels[u];
                queue[tail++] = w;
            }
        }
    }
    regio_free(queue);
    for (size_t i = 0; i < n; i++) {
        if (labels[i] >= 0 || v->labels[i] >= 0)
            continue;
        double best = INFINITY;
        for (size_t j = 0; j < n; j++) {
            if (v->labels[j] < 0)
                continue;
            double d = regio_design_distance(in->coords, in->x[i], in->y[i], in->x[j], in->y[j]);
            if (d < best) {
                best = d;
                labels[i] = labels[j];
            }
        }
    }
    return 0;
}

void regio_model_view_names_free(char **names, int k)
{
    for (int t = 0; names && t < k; t++)
        regio_free(names[t]);
    regio_free(names);
}

regio_err regio_model_view_realign_input(const regio_model_view *v, int *k_out, char ***names_out,
                                         int **baseline_out, int **locked_out, regio_error *err)
{
    *k_out = 0;
    *names_out = NULL;
    *baseline_out = NULL;
    *locked_out = NULL;
    size_t n = v->units->in.n;
    if (v->n_aligned == 0)
        return regio_error_setf(err, REGIO_EDATA, NULL, 0, NULL,
                                "model '%s' aligns no unit: a realign starts from an alignment "
                                "(design one first)",
                                v->model);
    size_t sz = (size_t)(v->k ? v->k : 1);
    int *map = regio_malloc(sz * sizeof *map);
    int *baseline = regio_malloc((n ? n : 1) * sizeof *baseline);
    char **names = regio_calloc(sz, sizeof *names);
    int k = 0, n_locked = 0;
    if (!map || !baseline || !names)
        goto nomem;
    for (int t = 0; t < v->k; t++)
        map[t] = -1;
    for (size_t i = 0; i < n; i++) {
        if (v->labels[i] >= 0)
            map[v->labels[i]] = 0;
        n_locked += v->locked[i] != 0;
    }
    /* Leaves without units (empty or parents) are not labels. */
    for (int t = 0; t < v->k; t++)
        if (map[t] == 0) {
            map[t] = k;
            if (!(names[k++] = regio_strdup(v->territory[t])))
                goto nomem;
        }
    for (size_t i = 0; i < n; i++)
        baseline[i] = v->labels[i] >= 0 ? map[v->labels[i]] : -1;
    if (v->n_aligned < n && fill_unaligned(v, baseline))
        goto nomem;
    if (n_locked) {
        int *locked = regio_malloc(n * sizeof *locked);
        if (!locked)
            goto nomem;
        for (size_t i = 0; i < n; i++)
            locked[i] = v->locked[i] ? baseline[i] : -1;
        *locked_out = locked;
    }
    regio_free(map);
    *k_out = k;
    *names_out = names;
    *baseline_out = baseline;
    return REGIO_OK;
nomem:
    regio_free(map);
    regio_free(baseline);
    regio_model_view_names_free(names, k);
    return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
}
