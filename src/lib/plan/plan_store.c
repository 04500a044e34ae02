/*
 * The call plan of one territory of a stored model, its input: which
 * accounts the territory holds (through the loaded model,
 * regio_model_view), their visits per cycle, call length and opening hours
 * from their attributes, which rep plans them and from which home, and how
 * far that home is. The solve, the saving and the calendar are in
 * plan_store_save.c. Every rule lives here so that `regio plan --model` and
 * the HTTP plan endpoint give the same plan for the same request.
 */
#include "plan/plan_internal.h"

#include "core/grow.h"
#include "regio/fields.h"
#include "regio/format.h"
#include "regio/geo.h"
#include "regio/model_view.h"
#include "regio/store.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Accounts up to which the diameter is computed exactly (n^2 / 2 pairs). */
#define EXACT_DIAMETER_MAX 2000

/* ---- copying from the store ------------------------------------------------------ */

/* An account of the territory as copied. */
typedef struct acc_in {
    char *id, *name, *owner;
    regio_plan_account a;        /* id and rep filled when the data is built */
} acc_in;

/* A rep of the store as copied. */
typedef struct rep_in {
    char *id, *name, *day_start, *day_end;
    double lat, lon;
} rep_in;

typedef struct collect {
    const regio_model_view *v;
    int t;
    const regio_territory_plan_opts *o;
    int n_days;
    double call_s;
    acc_in *acc;
    size_t n_acc, cap_acc, skipped;
    rep_in *reps;
    size_t n_reps, cap_reps;
    regio_err rc;                /* why a callback stopped */
    regio_error *err;
} collect;

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    size_t old = *cap;
    if (regio__grow(arr, cap, n + 1, elem))
        return 1;
    memset((char *)*arr + old * elem, 0, (*cap - old) * elem);
    return 0;
}

static int stop(collect *c, regio_err rc)
{
    c->rc = rc;
    if (rc == REGIO_ENOMEM)
        regio_error_setf(c->err, rc, NULL, 0, NULL, "out of memory reading the plan's input");
    return 1;
}

/* The raw text of attribute key, or NULL. */
static const char *attr_text(const regio_account *a, const char *key)
{
    for (size_t i = 0; i < a->n_attrs; i++)
        if (a->attrs[i].key && !strcmp(a->attrs[i].key, key))
            return a->attrs[i].text;
    return NULL;
}

/* Visits per cycle: a "frequency" attribute, else visits_per_year scaled
 * to the cycle (at least 1 when positive), else 1; at most n_days. */
static int account_frequency(const regio_account *a, int n_days)
{
    double f = regio_attrs_num(a->attrs, a->n_attrs, "frequency");
    if (isnan(f)) {
        double vpy = regio_attrs_num(a->attrs, a->n_attrs, "visits_per_year");
        if (!isnan(vpy) && vpy >= 0)
            f = regio__plan_visits_per_cycle(vpy, n_days);
        else
            f = 1;
    }
    if (!(f >= 0))
        f = 0;
    return (int)fmin(round(f), (double)n_days);
}

/* An opening-hours attribute into *s (seconds since midnight); *present
 * says whether the account has it. */
static regio_err opening(collect *c, const regio_account *a, const char *key, double *s,
                         int *present)
{
    const char *v = attr_text(a, key);
    int minutes;
    regio_err rc = regio_parse_hhmm(v, &minutes);
    *present = rc == REGIO_OK;
    if (rc == REGIO_ENOTFOUND)
        return REGIO_OK;
    if (rc)
        return regio_error_setf(c->err, REGIO_EDATA, NULL, 0, key,
                                "account '%s': %s '%s' is not a clock time HH:MM", a->id, key,
                                v);
    *s = minutes * 60.0;
    return REGIO_OK;
}

/* Call length and opening hours of a from its attributes. */
static regio_err account_times(collect *c, const regio_account *a, regio_plan_account *pa)
{
    double cm = regio_attrs_num(a->attrs, a->n_attrs, "call_minutes");
    char g[32];
    if (cm < 0 || cm > 24 * 60)
        return regio_error_setf(c->err, REGIO_EDATA, NULL, 0, NULL,
                                "account '%s': call_minutes %s is not within 0..1440", a->id,
                                regio_format_g15(cm, g));
    pa->call_s = isnan(cm) ? c->call_s : cm * 60.0;
    int p1, p2;
    regio_err rc = opening(c, a, "tw_start", &pa->tw_start_s, &p1);
    if (!rc)
        rc = opening(c, a, "tw_end", &pa->tw_end_s, &p2);
    if (rc || !(p1 || p2))
        return rc;
    pa->has_window = 1;
    if (!p1)
        pa->tw_start_s = 0;
    if (!p2)
        pa->tw_end_s = 24 * 3600.0;
    if (pa->tw_end_s < pa->tw_start_s)
        return regio_error_setf(c->err, REGIO_EDATA, NULL, 0, NULL,
                                "account '%s': its opening hours end (tw_end) before they start "
                                "(tw_start)",
                                a->id);
    return REGIO_OK;
}

static int collect_account(void *ud, const regio_account *a)
{
    collect *c = ud;
    if (regio_model_view_account_leaf(c->v, a->id, a->unit_id) != c->t)
        return 0;
    if (!isfinite(a->lat) || !isfinite(a->lon)) {
        c->skipped++;
        return 0;
    }
    if (c->o->max_accounts && c->n_acc >= c->o->max_accounts) {
        regio_error_setf(c->err, REGIO_EDATA, NULL, 0, NULL,
                         "territory '%s' holds more than %zu accounts with coordinates, more "
                         "than one plan request takes: split the territory or plan it with "
                         "`regio plan`",
                         c->o->territory, c->o->max_accounts);
        return stop(c, REGIO_EDATA);
    }
    if (grow((void **)&c->acc, &c->cap_acc, c->n_acc, sizeof *c->acc))
        return stop(c, REGIO_ENOMEM);
    acc_in *x = &c->acc[c->n_acc++];
    x->id = regio_strdup(a->id);
    x->name = a->name ? regio_strdup(a->name) : NULL;
    x->owner = a->owner ? regio_strdup(a->owner) : NULL;
    if (!x->id || (a->name && !x->name) || (a->owner && !x->owner))
        return stop(c, REGIO_ENOMEM);
    x->a.lat = a->lat;
    x->a.lon = a->lon;
    x->a.frequency = account_frequency(a, c->n_days);
    regio_err rc = account_times(c, a, &x->a);
    return rc ? stop(c, rc) : 0;
}

static int collect_rep(void *ud, const regio_rep *r)
{
    collect *c = ud;
    if (grow((void **)&c->reps, &c->cap_reps, c->n_reps, sizeof *c->reps))
        return stop(c, REGIO_ENOMEM);
    rep_in *x = &c->reps[c->n_reps++];
    x->id = regio_strdup(r->id);
    x->name = r->name ? regio_strdup(r->name) : NULL;
    x->day_start = r->day_start ? regio_strdup(r->day_start) : NULL;
    x->day_end = r->day_end ? regio_strdup(r->day_end) : NULL;
    x->lat = r->lat;
    x->lon = r->lon;
    if (!x->id || (r->name && !x->name) || (r->day_start && !x->day_start) ||
        (r->day_end && !x->day_end))
        return stop(c, REGIO_ENOMEM);
    return 0;
}

static void collect_free(collect *c)
{
    for (size_t i = 0; i < c->n_acc; i++) {
        regio_free(c->acc[i].id);
        regio_free(c->acc[i].name);
        regio_free(c->acc[i].owner);
    }
    regio_free(c->acc);
    for (size_t i = 0; i < c->n_reps; i++) {
        regio_free(c->reps[i].id);
        regio_free(c->reps[i].name);
        regio_free(c->reps[i].day_start);
        regio_free(c->reps[i].day_end);
    }
    regio_free(c->reps);
}

/* ---- choosing the rep ------------------------------------------------------------- */

static const rep_in *rep_by_id(const collect *c, const char *id)
{
    for (size_t i = 0; id && i < c->n_reps; i++)
        if (!strcmp(c->reps[i].id, id))
            return &c->reps[i];
    return NULL;
}

/* The one rep owning the territory's accounts, or NULL (none, or several). */
static const rep_in *owner_rep(const collect *c)
{
    const rep_in *owner = NULL;
    for (size_t a = 0; a < c->n_acc; a++) {
        const rep_in *r = rep_by_id(c, c->acc[a].owner);
        if (r && owner && r != owner)
            return NULL;
        if (r)
            owner = r;
    }
    return owner;
}

static regio_err pick_rep(const collect *c, const char *model, const rep_in **out,
                          regio_plan_rep_source *src, regio_error *err)
{
    const char *terr = c->o->territory, *own = c->v->territory_rep[c->t];
    if (c->o->rep) {
        *src = REGIO_PLAN_REP_GIVEN;
        if (!(*out = rep_by_id(c, c->o->rep)))
            return regio_error_setf(err, REGIO_ENOTFOUND, NULL, 0, NULL, "rep '%s' not found",
                                    c->o->rep);
    } else if (own) {
        *src = REGIO_PLAN_REP_TERRITORY;
        if (!(*out = rep_by_id(c, own)))
            return regio_error_setf(err, REGIO_ENOTFOUND, NULL, 0, NULL,
                                    "territory '%s' has rep '%s', which is not in the store",
                                    terr, own);
    } else if (c->n_reps == 1) {
        *src = REGIO_PLAN_REP_ONLY;
        *out = &c->reps[0];
    } else if ((*out = owner_rep(c))) {
        *src = REGIO_PLAN_REP_OWNER;
    } else if (c->n_reps == 0) {
        return regio_error_setf(err, REGIO_EDATA, NULL, 0, NULL,
                                "the store holds no rep: import reps first");
    } else {
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "territory '%s' of model '%s' has no rep of its own: choose the "
                                "rep to plan for (the store holds %zu reps, e.g. '%s')",
                                terr, model, c->n_reps, c->reps[0].id);
    }
    const rep_in *r = *out;
    if (!isfinite(r->lat) || !isfinite(r->lon))
        return regio_error_setf(err, REGIO_EDATA, NULL, 0, NULL,
                                "rep '%s' has no home coordinates", r->id);
    return REGIO_OK;
}

/* The rep's working day: day_start..day_end, default 08:00-17:00. */
static regio_err rep_day(const rep_in *r, regio_plan_rep *pr, regio_error *err)
{
    int a = 8 * 60, b = 17 * 60;
    if ((r->day_start && regio_parse_hhmm(r->day_start, &a)) ||
        (r->day_end && regio_parse_hhmm(r->day_end, &b)) || b <= a)
        return regio_error_setf(err, REGIO_EDATA, NULL, 0, NULL,
                                "rep '%s': the working day %s-%s is not a day (HH:MM, ending "
                                "after it starts)",
                                r->id, r->day_start ? r->day_start : "08:00",
                                r->day_end ? r->day_end : "17:00");
    pr->day_start_s = a * 60.0;
    pr->day_end_s = b * 60.0;
    return REGIO_OK;
}

/* ---- how far the home is ---------------------------------------------------------- */

static double farthest(const regio_plan_account *a, size_t n, size_t from, size_t *at)
{
    double best = 0;
    *at = from;
    for (size_t j = 0; j < n; j++) {
        double d = regio_haversine_km(a[from].lat, a[from].lon, a[j].lat, a[j].lon);
        if (d > best) {
            best = d;
            *at = j;
        }
    }
    return best;
}

static void measure_home(regio_territory_plan *p)
{
    const regio_plan_account *a = p->data->accounts;
    size_t n = p->data->n_accounts, i, j;
    const regio_plan_rep *r = &p->data->reps[0];
    p->home_km = INFINITY;
    for (i = 0; i < n; i++)
        p->home_km = fmin(p->home_km, regio_haversine_km(r->lat, r->lon, a[i].lat, a[i].lon));
    p->diameter_km = 0;
    if (n <= EXACT_DIAMETER_MAX) {
        for (i = 0; i < n; i++)
            for (j = i + 1; j < n; j++)
                p->diameter_km = fmax(p->diameter_km, regio_haversine_km(a[i].lat, a[i].lon,
                                                                         a[j].lat, a[j].lon));
    } else {
        farthest(a, n, 0, &i);
        p->diameter_km = farthest(a, n, i, &j);
    }
    p->far = p->home_km > fmax(REGIO_PLAN_FAR_KM, p->diameter_km);
    if (p->far) {
        char home[48], across[48];
        snprintf(p->warning, sizeof p->warning,
                 "rep '%s' lives %s from the nearest account of territory '%s', farther "
                 "than the territory is across (%s) and than %.0f km: every day starts and "
                 "ends with that drive",
                 r->id, regio_format_unit(p->home_km, 0, "km", home, sizeof home), p->territory,
                 regio_format_unit(p->diameter_km, 0, "km", across, sizeof across),
                 REGIO_PLAN_FAR_KM);
    }
}

/* ---- prepare ----------------------------------------------------------------------- */

const char *regio_plan_rep_source_name(regio_plan_rep_source s)
{
    switch (s) {
    case REGIO_PLAN_REP_GIVEN: return "given";
    case REGIO_PLAN_REP_TERRITORY: return "territory";
    case REGIO_PLAN_REP_ONLY: return "only";
    case REGIO_PLAN_REP_OWNER: return "owner";
    }
    return "unknown";
}

/* Checks the options and fills p's params, call minutes and start. */
static regio_err apply_opts(const regio_territory_plan_opts *o, regio_territory_plan *p,
                            regio_error *err)
{
    if (!o->territory || !*o->territory)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "a plan needs a territory");
    int n_days = o->n_days ? o->n_days : REGIO_TERRITORY_PLAN_DAYS;
    if (n_days < 1 || n_days > REGIO_PLAN_MAX_DAYS)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "a cycle has 1 to %d working days, not %d", REGIO_PLAN_MAX_DAYS,
                                n_days);
    p->call_minutes = o->call_minutes ? o->call_minutes : REGIO_TERRITORY_PLAN_CALL_MINUTES;
    char g[32];
    if (!(p->call_minutes > 0 && p->call_minutes <= 24 * 60))
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "a call lasts more than 0 and at most 1440 minutes, not %s",
                                regio_format_g15(p->call_minutes, g));
    if (!regio__plan_cycle_start(o->start, p->start))
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "start '%s' must be a date YYYY-MM-DD", o->start);
    p->params.n_days = n_days;
    p->params.seed = o->seed;
    p->params.time_limit_s = o->time_limit_s < 0    ? 0
                             : o->time_limit_s > 0 ? o->time_limit_s
                                                   : REGIO_TERRITORY_PLAN_TIME_LIMIT_S;
    p->params.overnight = o->overnight;
    p->params.hotel_cost = o->hotel_cost;
    p->params.km_cost = o->km_cost;
    p->params.max_nights = o->max_nights;
    p->params.trip_days = o->trip_days;
    p->params.progress = o->progress;
    p->params.progress_ud = o->progress_ud;
    return REGIO_OK;
}

/* The leaf index of the territory, or the error naming what it is. */
static regio_err find_leaf(const regio_model_view *v, const char *id, int *t, regio_error *err)
{
    *t = regio_model_view_leaf(v, id);
    if (*t >= 0)
        return REGIO_OK;
    if (regio_model_view_node(v, id))
        return regio_error_setf(err, REGIO_EDATA, NULL, 0, NULL,
                                "territory '%s' of model '%s' groups other territories: plan "
                                "one of them",
                                id, v->model);
    return regio_error_setf(err, REGIO_ENOTFOUND, NULL, 0, NULL,
                            "model '%s' has no territory '%s'", v->model, id);
}

/* Moves the copied accounts and the rep into p->data. */
static regio_err build_data(regio_territory_plan *p, collect *c, const rep_in *rep)
{
    regio_plan_data *d = regio_calloc(1, sizeof *d);
    if (!(p->data = d) || !(d->reps = regio_calloc(1, sizeof *d->reps)) ||
        !(d->accounts = regio_calloc(c->n_acc ? c->n_acc : 1, sizeof *d->accounts)) ||
        !(d->ids_ = regio_calloc(c->n_acc + 1, sizeof *d->ids_)) ||
        !(p->account_names = regio_calloc(c->n_acc ? c->n_acc : 1, sizeof *p->account_names)) ||
        !(d->ids_[d->n_ids_++] = regio_strdup(rep->id)) ||
        (rep->name && !(p->rep_name = regio_strdup(rep->name))))
        return REGIO_ENOMEM;
    d->n_reps = 1;
    memcpy(d->start, p->start, sizeof d->start); /* outputs show the cycle's dates */
    d->reps[0].id = d->ids_[0];
    d->reps[0].lat = rep->lat;
    d->reps[0].lon = rep->lon;
    for (size_t i = 0; i < c->n_acc; i++) {
        acc_in *x = &c->acc[i];
        d->accounts[i] = x->a;
        d->accounts[i].id = d->ids_[d->n_ids_++] = x->id;
        d->accounts[i].rep = 0;
        p->account_names[i] = x->name;
        x->id = x->name = NULL;
    }
    d->n_accounts = c->n_acc;
    return REGIO_OK;
}

/* Refuses a plan that would visit nothing. */
static regio_err covers_something(const regio_territory_plan *p, regio_error *err)
{
    const regio_plan_data *d = p->data;
    if (d->n_accounts == 0 && p->skipped)
        return regio_error_setf(err, REGIO_EDATA, NULL, 0, NULL,
                                "territory '%s' of model '%s' has no account with coordinates "
                                "to visit (%zu of its accounts have none): the plan would "
                                "cover nothing",
                                p->territory, p->model, p->skipped);
    if (d->n_accounts == 0)
        return regio_error_setf(err, REGIO_EDATA, NULL, 0, NULL,
                                "territory '%s' of model '%s' has no account to visit: the plan "
                                "would cover nothing",
                                p->territory, p->model);
    for (size_t i = 0; i < d->n_accounts; i++)
        if (d->accounts[i].frequency > 0)
            return REGIO_OK;
    return regio_error_setf(err, REGIO_EDATA, NULL, 0, NULL,
                            "no account of territory '%s' of model '%s' needs a visit in a "
                            "%d-day cycle (every frequency is 0): the plan would cover nothing",
                            p->territory, p->model, p->params.n_days);
}

regio_err regio_territory_plan_prepare(regio_store *s, const regio_model_view *v,
                                       const regio_territory_plan_opts *o,
                                       regio_territory_plan **out, regio_error *err)
{
    regio_error_clear(err);
    if (out)
        *out = NULL;
    if (!s || !v || !o || !out)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "a plan needs the store, a loaded model and options");
    regio_territory_plan *p = regio_calloc(1, sizeof *p);
    if (!p)
        return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    collect c;
    memset(&c, 0, sizeof c);
    c.v = v;
    c.o = o;
    c.err = err;
    regio_err rc = apply_opts(o, p, err);
    if (!rc)
        rc = find_leaf(v, o->territory, &c.t, err);
    if (!rc) {
        c.n_days = p->params.n_days;
        c.call_s = p->call_minutes * 60.0;
        rc = regio_store_accounts_foreach(s, collect_account, &c, err);
        if (rc == REGIO_ECANCELLED && c.rc)
            rc = c.rc;
    }
    if (!rc)
        rc = regio_store_reps_foreach(s, collect_rep, &c, err);
    if (rc == REGIO_ECANCELLED && c.rc)
        rc = c.rc;
    const rep_in *rep = NULL;
    if (!rc)
        rc = pick_rep(&c, v->model, &rep, &p->rep_source, err);
    p->skipped = c.skipped;
    if (!rc && (!(p->model = regio_strdup(v->model)) ||
                !(p->territory = regio_strdup(v->territory[c.t])) ||
                (v->territory_name[c.t] &&
                 !(p->territory_name = regio_strdup(v->territory_name[c.t]))) ||
                build_data(p, &c, rep)))
        rc = regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (!rc)
        rc = rep_day(rep, &p->data->reps[0], err);
    if (!rc)
        rc = covers_something(p, err);
    collect_free(&c);
    if (rc) {
        regio_territory_plan_destroy(p);
        return rc;
    }
    measure_home(p);
    *out = p;
    return REGIO_OK;
}

void regio_territory_plan_destroy(regio_territory_plan *p)
{
    if (!p)
        return;
    regio_free(p->model);
    regio_free(p->territory);
    regio_free(p->territory_name);
    regio_free(p->rep_name);
    if (p->account_names && p->data)
        for (size_t i = 0; i < p->data->n_accounts; i++)
            regio_free(p->account_names[i]);
    regio_free(p->account_names);
    regio_plan_data_destroy(p->data);
    regio_plan_result_destroy(p->result);
    regio_free(p->name);
    regio_free(p);
}
