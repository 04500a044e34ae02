/*
 * Every territory of a stored model planned, and the plans' work summed
 * onto geography units: the "workload" unit measure (hours per cycle) that
 * design and realign balance. Each territory is planned exactly as `regio
 * plan --model M --territory T` plans it (plan_store.c), so the figures
 * agree with the single plans. Visits a plan cannot place still need
 * doing: they count their call and an estimated travel share (the mean of
 * the scheduled visits of their territory when it placed at least half of
 * them, else of the whole model), so an overloaded territory looks
 * overloaded instead of light.
 */
#include "plan/workload_internal.h"

#include "regio/buf.h"
#include "regio/output.h"
#include "regio/strmap.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

const char *regio_plan_all_status_name(regio_plan_all_status st)
{
    switch (st) {
    case REGIO_PLAN_ALL_PLANNED: return "planned";
    case REGIO_PLAN_ALL_EMPTY: return "empty";
    case REGIO_PLAN_ALL_UNREACHED: return "unreached";
    case REGIO_PLAN_ALL_FAILED: return "failed";
    }
    return "unknown";
}

/* ---- which unit each account lies in ------------------------------------------ */

typedef struct acc_units {
    const regio_model_view *v;
    regio_strmap *unit_index;    /* unit id -> index in the view's units */
    regio_strmap *account_unit;  /* account id -> unit index, -1 = none of them */
    size_t *leaf_accounts;       /* k: accounts with coordinates in each leaf */
    regio_err rc;
} acc_units;

static int note_account(void *ud, const regio_account *a)
{
    acc_units *c = ud;
    long u = a->unit_id ? regio_strmap_get(c->unit_index, a->unit_id) : -1;
    if (regio_strmap_put(c->account_unit, a->id, u, NULL, NULL)) {
        c->rc = REGIO_ENOMEM;
        return 1;
    }
    int t = regio_model_view_account_leaf(c->v, a->id, a->unit_id);
    if (t >= 0 && isfinite(a->lat) && isfinite(a->lon))
        c->leaf_accounts[t]++;
    return 0;
}

static regio_err map_accounts(regio_store *s, acc_units *c, regio_error *err)
{
    const regio_unitset *us = c->v->units->loaded.units;
    if (!(c->unit_index = regio_strmap_create(us->n + 1)) ||
        !(c->account_unit = regio_strmap_create(1024)) ||
        !(c->leaf_accounts = regio_calloc((size_t)c->v->k + 1, sizeof *c->leaf_accounts)))
        return REGIO_ENOMEM;
    for (size_t i = 0; i < us->n; i++)
        if (regio_strmap_put(c->unit_index, us->units[i].id, (long)i, NULL, NULL))
            return REGIO_ENOMEM;
    regio_err rc = regio_store_accounts_foreach(s, note_account, c, err);
    return rc == REGIO_ECANCELLED && c->rc ? c->rc : rc;
}

static void acc_units_free(acc_units *c)
{
    regio_strmap_destroy(c->unit_index);
    regio_strmap_destroy(c->account_unit);
    regio_free(c->leaf_accounts);
}

/* Copies text (cut to fit) as the territory's message. */
static void set_message(regio_plan_all_territory *pt, const char *text)
{
    size_t n = strlen(text);
    if (n >= sizeof pt->message)
        n = sizeof pt->message - 1;
    memcpy(pt->message, text, n);
    pt->message[n] = '\0';
}

/* ---- the run ---------------------------------------------------------------------- */

typedef struct run {
    regio_store *s;
    const regio_model_view *v;
    const regio_plan_all_opts *o;
    acc_units au;
    regio_plan_all_result *r;
    /* per unit: visits left out whose travel share waits for the model's mean */
    double *pending_visits;
    /* per territory: the same count */
    double *terr_pending;
    regio_territory_plan **plans; /* per territory: solved, to be saved */
    regio_error *err;
} run;

double regio__workload_seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) * 1e-9;
}

/* Sums the plan of territory t onto the units: scheduled work as the plan
 * measured it, visits left out as their calls plus the territory's mean
 * travel per scheduled visit (or, when it placed fewer than half of its
 * visits, pending the model's). */
static void attribute(run *R, int t, const regio_territory_plan *p)
{
    regio_plan_all_result *r = R->r;
    regio_plan_all_territory *pt = &r->territories[t];
    const regio_plan_result *res = p->result;
    const regio_plan_data *d = p->data;
    pt->n_accounts = d->n_accounts;
    pt->visits_required = res->visits_required;
    pt->visits_scheduled = res->visits_scheduled;
    pt->call_h = res->call_h;
    pt->travel_h = res->travel_h;
    pt->travel_km = res->travel_km;
    pt->nights = res->nights;
    /* A plan that places only a few visits says little about the rest (one
     * visit after a long drive from home would price every other visit at
     * that drive): below half of them the model's mean is used. */
    double mean = res->visits_scheduled > 0 && 2 * res->visits_scheduled >= res->visits_required
                      ? res->travel_h / (double)res->visits_scheduled
                      : NAN;
    for (size_t i = 0; i < d->n_accounts; i++) {
        const regio_plan_account_stats *as = &res->accounts[i];
        int left = as->required - as->scheduled;
        if (left < 0)
            left = 0;
        double est = left * d->accounts[i].call_s / 3600.0;
        if (!isnan(mean))
            est += left * mean;
        pt->estimated_h += est;
        long u = regio_strmap_get(R->au.account_unit, d->accounts[i].id);
        double w = as->call_h + as->travel_h + est;
        if (u >= 0) {
            r->unit_workload_h[u] += w;
            if (isnan(mean))
                R->pending_visits[u] += left;
        } else {
            r->unattributed_h += w;
        }
        if (isnan(mean))
            R->terr_pending[t] += left;
    }
}

/* Plans leaf t (kept in R->plans[t] for save_all) or attributes what it
 * could not place. Only errors that stop the whole run (memory, the store)
 * are returned; a territory that cannot be planned is recorded as such. */
static regio_err plan_one(run *R, int t)
{
    const regio_plan_all_opts *o = R->o;
    regio_plan_all_territory *pt = &R->r->territories[t];
    if (R->au.leaf_accounts[t] == 0) {
        pt->status = REGIO_PLAN_ALL_EMPTY;
        set_message(pt, "no account with coordinates to visit");
        return REGIO_OK;
    }
    regio_territory_plan_opts po;
    memset(&po, 0, sizeof po);
    po.territory = R->v->territory[t];
    po.n_days = o->n_days;
    po.call_minutes = o->call_minutes;
    po.seed = o->seed;
    po.time_limit_s = o->time_limit_s;
    po.start = o->start;
    po.overnight = o->overnight;
    po.hotel_cost = o->hotel_cost;
    po.km_cost = o->km_cost;
    po.max_nights = o->max_nights;
    po.trip_days = o->trip_days;
    regio_territory_plan *p = NULL;
    regio_error e;
    regio_error_clear(&e);
    regio_err rc = regio_territory_plan_prepare(R->s, R->v, &po, &p, &e);
    if (rc == REGIO_ENOMEM || rc == REGIO_ESTORE || rc == REGIO_EIO) {
        if (R->err)
            *R->err = e;
        return rc;
    }
    if (rc) {
        /* Every account has frequency 0: nothing to do, as for an empty one. */
        pt->status = strstr(e.msg, "cover nothing") ? REGIO_PLAN_ALL_EMPTY : REGIO_PLAN_ALL_FAILED;
        set_message(pt, e.msg);
        return REGIO_OK;
    }
    if (!(pt->rep = regio_strdup(p->data->reps[0].id))) {
        regio_territory_plan_destroy(p);
        return regio_error_setf(R->err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    if (p->warning[0])
        set_message(pt, p->warning);
    rc = regio_territory_plan_solve(p, &e);
    if (rc == REGIO_EDATA && p->result) {
        /* No visit fits a working day: nothing to save, all of it estimated. */
        pt->status = REGIO_PLAN_ALL_UNREACHED;
        set_message(pt, e.msg);
        attribute(R, t, p);
        regio_territory_plan_destroy(p);
        return REGIO_OK;
    }
    if (rc == REGIO_EDATA || rc == REGIO_EINVAL) {
        pt->status = REGIO_PLAN_ALL_FAILED;
        set_message(pt, e.msg);
        regio_territory_plan_destroy(p);
        return REGIO_OK;
    }
    if (rc) {
        if (R->err)
            *R->err = e;
        regio_territory_plan_destroy(p);
        return rc;
    }
    /* Saved with the others once every territory is planned. */
    pt->status = REGIO_PLAN_ALL_PLANNED;
    R->plans[t] = p;
    return REGIO_OK;
}

/* Saves every plan in one transaction (all or none) and attributes them. */
static regio_err save_all(run *R)
{
    const regio_plan_all_opts *o = R->o;
    regio_err rc = regio_store_begin(R->s, R->err);
    for (size_t t = 0; !rc && t < R->r->n_territories; t++) {
        regio_territory_plan *p = R->plans[t];
        if (!p)
            continue;
        regio_plan_all_territory *pt = &R->r->territories[t];
        char name[512] = "";
        if (o->name_prefix && *o->name_prefix)
            snprintf(name, sizeof name, "%s/%s", o->name_prefix, pt->territory);
        rc = regio_territory_plan_save(R->s, p, name, o->actor ? o->actor : "cli", R->err);
        if (!rc) {
            pt->plan_id = p->plan_id;
            pt->plan_name = p->name;
            p->name = NULL;
        }
    }
    if (!rc)
        rc = regio_store_commit(R->s, R->err);
    else
        regio_store_rollback(R->s, NULL);
    for (size_t t = 0; !rc && t < R->r->n_territories; t++)
        if (R->plans[t])
            attribute(R, (int)t, R->plans[t]);
    return rc;
}

/* Totals, and the visits of unreached territories priced at the model's
 * mean travel per scheduled visit. */
static void finish(run *R)
{
    regio_plan_all_result *r = R->r;
    for (size_t t = 0; t < r->n_territories; t++) {
        const regio_plan_all_territory *pt = &r->territories[t];
        r->visits_required += pt->visits_required;
        r->visits_scheduled += pt->visits_scheduled;
        r->call_h += pt->call_h;
        r->travel_h += pt->travel_h;
        r->travel_km += pt->travel_km;
        r->nights += pt->nights;
    }
    double mean = r->visits_scheduled > 0 ? r->travel_h / (double)r->visits_scheduled : 0;
    r->travel_per_visit_h = mean;
    for (size_t u = 0; u < r->n_units; u++)
        r->unit_workload_h[u] += R->pending_visits[u] * mean;
    /* The pending visits of accounts without a unit are unattributed. */
    double pending_units = 0;
    for (size_t u = 0; u < r->n_units; u++)
        pending_units += R->pending_visits[u];
    double pending_all = 0;
    for (size_t t = 0; t < r->n_territories; t++) {
        regio_plan_all_territory *pt = &r->territories[t];
        pt->estimated_h += R->terr_pending[t] * mean;
        pending_all += R->terr_pending[t];
        pt->workload_h = pt->call_h + pt->travel_h + pt->estimated_h;
        r->estimated_h += pt->estimated_h;
        r->n_planned += pt->status == REGIO_PLAN_ALL_PLANNED;
        r->n_empty += pt->status == REGIO_PLAN_ALL_EMPTY;
        r->n_unreached += pt->status == REGIO_PLAN_ALL_UNREACHED;
        r->n_failed += pt->status == REGIO_PLAN_ALL_FAILED;
    }
    r->unattributed_h += (pending_all - pending_units) * mean;
    r->workload_h = r->call_h + r->travel_h + r->estimated_h;
}

static regio_err result_create(const regio_model_view *v, regio_plan_all_result **out)
{
    const regio_unitset *us = v->units->loaded.units;
    regio_plan_all_result *r = regio_calloc(1, sizeof *r);
    *out = r;
    if (!r || !(r->model = regio_strdup(v->model)) ||
        !(r->territories = regio_calloc((size_t)v->k + 1, sizeof *r->territories)) ||
        !(r->unit_ids = regio_calloc(us->n + 1, sizeof *r->unit_ids)) ||
        !(r->unit_workload_h = regio_calloc(us->n + 1, sizeof *r->unit_workload_h)))
        return REGIO_ENOMEM;
    r->n_territories = (size_t)v->k;
    for (int t = 0; t < v->k; t++)
        if (!(r->territories[t].territory = regio_strdup(v->territory[t])))
            return REGIO_ENOMEM;
    r->n_units = us->n;
    for (size_t i = 0; i < us->n; i++)
        if (!(r->unit_ids[i] = regio_strdup(us->units[i].id)))
            return REGIO_ENOMEM;
    return REGIO_OK;
}

regio_err regio_plan_all(regio_store *s, const regio_model_view *v,
                         const regio_plan_all_opts *opts, regio_plan_all_result **out,
                         regio_error *err)
{
    regio_error_clear(err);
    if (out)
        *out = NULL;
    if (!s || !v || !v->units || !opts || !out)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "planning a model needs the store, the loaded model and options");
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    run R;
    memset(&R, 0, sizeof R);
    R.s = s;
    R.v = v;
    R.o = opts;
    R.err = err;
    R.au.v = v;
    regio_err rc = result_create(v, &R.r);
    if (!rc && (!(R.pending_visits = regio_calloc(R.r->n_units + 1, sizeof *R.pending_visits)) ||
                !(R.terr_pending = regio_calloc((size_t)v->k + 1, sizeof *R.terr_pending)) ||
                !(R.plans = regio_calloc((size_t)v->k + 1, sizeof *R.plans))))
        rc = REGIO_ENOMEM;
    if (!rc)
        rc = map_accounts(s, &R.au, err);
    for (int t = 0; !rc && t < v->k; t++) {
        char phase[160];
        snprintf(phase, sizeof phase, "plan %s", v->territory[t]);
        if (opts->progress && opts->progress(opts->progress_ud, (double)t / v->k, phase)) {
            rc = regio_error_setf(err, REGIO_ECANCELLED, NULL, 0, NULL,
                                  "planning model '%s' was cancelled (nothing saved)", v->model);
            break;
        }
        rc = plan_one(&R, t);
    }
    if (!rc)
        rc = save_all(&R);
    if (!rc) {
        finish(&R);
        if (opts->progress)
            opts->progress(opts->progress_ud, 1.0, "planned");
    }
    acc_units_free(&R.au);
    regio_free(R.pending_visits);
    regio_free(R.terr_pending);
    for (int t = 0; R.plans && t < v->k; t++)
        regio_territory_plan_destroy(R.plans[t]);
    regio_free(R.plans);
    if (rc) {
        if (rc == REGIO_ENOMEM)
            regio_error_setf(err, rc, NULL, 0, NULL, "out of memory planning model '%s'",
                             v->model);
        regio_plan_all_destroy(R.r);
        return rc;
    }
    R.r->seconds = regio__workload_seconds_since(&t0);
    *out = R.r;
    return REGIO_OK;
}

void regio_plan_all_destroy(regio_plan_all_result *r)
{
    if (!r)
        return;
    for (size_t t = 0; r->territories && t < r->n_territories; t++) {
        regio_free(r->territories[t].territory);
        regio_free(r->territories[t].rep);
        regio_free(r->territories[t].plan_name);
    }
    regio_free(r->territories);
    for (size_t i = 0; r->unit_ids && i < r->n_units; i++)
        regio_free(r->unit_ids[i]);
    regio_free(r->unit_ids);
    regio_free(r->unit_workload_h);
    regio_free(r->model);
    regio_free(r);
}

regio_err regio_plan_all_store_workload(regio_store *s, const regio_plan_all_result *r,
                                        const char *name, regio_error *err)
{
    regio_error_clear(err);
    if (!s || !r)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "storing a workload needs the store and a plan-all result");
    return regio_store_unit_measure_set(s, name ? name : REGIO_WORKLOAD_MEASURE,
                                        (const char *const *)r->unit_ids, r->unit_workload_h,
                                        r->n_units, err);
}

regio_err regio_plan_all_write_units(const regio_plan_all_result *r, const char *path,
                                     regio_error *err)
{
    regio_error_clear(err);
    if (!r || !path)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "writing unit workloads needs a result and a path");
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc = regio_buf_puts(&b, "unit_id,workload\n");
    for (size_t i = 0; !rc && i < r->n_units; i++) {
        rc = regio_buf_csv_field(&b, r->unit_ids[i], ',');
        if (!rc)
            rc = regio_buf_printf(&b, ",%.4f\n", r->unit_workload_h[i]);
    }
    if (rc)
        rc = regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    else
        rc = regio_output_write(path, b.data, b.len, err);
    regio_buf_free(&b);
    return rc;
}
