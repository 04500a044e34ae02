/*
 * The check-in page's library side (regio/checkin.h): whose plans a user
 * follows, which cycle day a date is, that day's stops in route order with
 * their accounts and the visits already logged, and the activities read
 * back. The work is a handful of indexed reads per request: one rep, a few
 * plans, one day's visits.
 */
#include "regio/checkin.h"
#include "regio/org.h"

#include "perf/perf_store.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- small growable lists ------------------------------------------------------------ */

typedef struct names {
    char **v;
    size_t n, cap;
    int oom;
} names;

static int names_has(const names *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], s))
            return 1;
    return 0;
}

/* Adds a copy of s unless it is there; 0 when out of memory. */
static int names_add(names *l, const char *s)
{
    if (!s || names_has(l, s))
        return 1;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 4;
        char **v = regio_realloc(l->v, cap * sizeof *v);
        if (!v)
            return !(l->oom = 1);
        l->v = v;
        l->cap = cap;
    }
    if (!(l->v[l->n] = regio_strdup(s)))
        return !(l->oom = 1);
    l->n++;
    return 1;
}

static void names_free(names *l)
{
    for (size_t i = 0; i < l->n; i++)
        regio_free(l->v[i]);
    regio_free(l->v);
    memset(l, 0, sizeof *l);
}

static char *dup_or_null(const char *s)
{
    return s && *s ? regio_strdup(s) : NULL;
}

/* ---- whose plans ------------------------------------------------------------------------ */

static int on_linked_rep(void *ud, const char *rep)
{
    return !names_add(ud, rep);
}

typedef struct member_scan {
    const char *login;
    regio_day day;
    names territories;
} member_scan;

/* A membership counts when it is the user's, active, current on the day
 * and of a role that visits accounts. */
static int on_membership(void *ud, const regio_membership_info *m)
{
    member_scan *ms = ud;
    if (!m->active || strcmp(m->user, ms->login) != 0)
        return 0;
    if (strcmp(m->role, "owner") && strcmp(m->role, "rep") && strcmp(m->role, "overlay"))
        return 0;
    regio_day d;
    if (m->start && !regio_day_parse(m->start, &d) && d > ms->day)
        return 0;
    if (m->end && !regio_day_parse(m->end, &d) && d <= ms->day)
        return 0;
    return !names_add(&ms->territories, m->territory);
}

typedef struct territory_reps {
    const names *territories;
    names *reps;
} territory_reps;

static int on_territory(void *ud, const regio_territory_info *t)
{
    territory_reps *tr = ud;
    if (t->rep && names_has(tr->territories, t->id))
        return !names_add(tr->reps, t->rep);
    return 0;
}

typedef struct rep_find {
    const char *id;
    int found;
} rep_find;

static int on_rep(void *ud, const regio_rep *r)
{
    rep_find *f = ud;
    if (!strcmp(r->id, f->id)) {
        f->found = 1;
        return 1;
    }
    return 0;
}

/* The reps whose plans user `login` follows on day (regio_checkin_day_load). */
static regio_err reps_of(regio_store *s, const char *login, regio_day day, const char *date,
                         names *reps, regio_error *err)
{
    regio_err rc = regio__checkin_user_reps(s, login, on_linked_rep, reps, err);
    if (rc || reps->n)
        return reps->oom ? REGIO_ENOMEM : rc;
    regio_model_info mi;
    memset(&mi, 0, sizeof mi);
    rc = regio_store_model_in_force(s, date, &mi, err);
    if (rc == REGIO_ENOTFOUND) {
        regio_error_clear(err);
        rc = REGIO_OK;
    } else if (!rc) {
        member_scan ms = {login, day, {NULL, 0, 0, 0}};
        rc = regio_store_memberships_foreach(s, mi.name, on_membership, &ms, err);
        if (!rc && ms.territories.n) {
            territory_reps tr = {&ms.territories, reps};
            rc = regio_store_territories_foreach(s, mi.name, on_territory, &tr, err);
        }
        if (ms.territories.oom)
            rc = REGIO_ENOMEM;
        names_free(&ms.territories);
    }
    regio_model_info_clear(&mi);
    if (!rc && !reps->n) {
        rep_find f = {login, 0};
        rc = regio_store_reps_foreach(s, on_rep, &f, err);
        if (rc == REGIO_ECANCELLED && f.found) {
            regio_error_clear(err);
            rc = REGIO_OK;
        }
        if (!rc && f.found)
            names_add(reps, login);
    }
    return !rc && reps->oom ? REGIO_ENOMEM : rc;
}

/* ---- which cycle day -------------------------------------------------------------------- */

/* 0 = Monday .. 6 = Sunday (1970-01-01 was a Thursday). */
static int weekday(regio_day d)
{
    return (int)(((d % 7) + 7 + 3) % 7);
}

/* The cycle day (1..cycle_days) of day d in a plan whose cycle starts on
 * start (a weekend start moves on to the Monday), cycles repeating; 0 when
 * d is before the start or on a weekend. */
static int cycle_day_of(regio_day start, int cycle_days, regio_day d)
{
    while (weekday(start) >= 5)
        start++;
    if (d < start || weekday(d) >= 5 || cycle_days < 1)
        return 0;
    long span = (long)d - start, k = span / 7 * 5;
    for (long i = 0; i < span % 7; i++)
        k += weekday((regio_day)(start + span / 7 * 7 + i)) < 5;
    return (int)(k % cycle_days) + 1;
}

typedef struct plan_pick {
    regio_day day;
    long plan_id;
    int cycle_day;
    int decided;
} plan_pick;

/* The newest plan whose cycle has started by the day decides (its cycle
 * day may be 0: a weekend, no stops). */
static int on_plan(void *ud, long plan_id, const char *cycle_start, int cycle_days)
{
    plan_pick *p = ud;
    regio_day start;
    if (!cycle_start || regio_day_parse(cycle_start, &start) || start > p->day)
        return 0;
    p->plan_id = plan_id;
    p->cycle_day = cycle_day_of(start, cycle_days, p->day);
    p->decided = 1;
    return 1;
}

/* ---- the day's stops -------------------------------------------------------------------- */

typedef struct stops {
    regio_checkin_day *d;
    size_t cap;
    const char *rep;
    long plan_id;
    int cycle_day;
    int oom;
} stops;

static int on_visit(void *ud, const regio_plan_visit_row *v)
{
    stops *st = ud;
    regio_checkin_day *d = st->d;
    if (d->n == st->cap) {
        size_t cap = st->cap ? 2 * st->cap : 16;
        regio_checkin_stop *x = regio_realloc(d->stops, cap * sizeof *x);
        if (!x)
            return st->oom = 1;
        d->stops = x;
        st->cap = cap;
    }
    regio_checkin_stop *o = &d->stops[d->n];
    memset(o, 0, sizeof *o);
    o->lat = o->lon = NAN;
    o->seq = v->seq;
    o->arrival_s = v->arrival_s;
    o->departure_s = v->departure_s;
    o->plan_id = st->plan_id;
    o->cycle_day = st->cycle_day;
    o->rep = regio_strdup(st->rep);
    o->account = regio_strdup(v->account);
    d->n++;
    if (!o->rep || !o->account)
        return st->oom = 1;
    return 0;
}

typedef struct detail {
    regio_checkin_day *d;
    unsigned char *filled; /* d->n flags: the stop has its account */
    int oom;
} detail;

static int on_account(void *ud, const regio_account *a)
{
    detail *dt = ud;
    for (size_t i = 0; i < dt->d->n; i++) {
        regio_checkin_stop *o = &dt->d->stops[i];
        if (dt->filled[i] || strcmp(o->account, a->id) != 0)
            continue;
        dt->filled[i] = 1;
        o->lat = a->lat;
        o->lon = a->lon;
        o->name = dup_or_null(a->name);
        o->street = dup_or_null(a->street);
        o->city = dup_or_null(a->city);
        o->region = dup_or_null(a->region);
        o->postal_code = dup_or_null(a->postal_code);
        if ((a->name && *a->name && !o->name) || (a->street && *a->street && !o->street) ||
            (a->city && *a->city && !o->city) || (a->region && *a->region && !o->region) ||
            (a->postal_code && *a->postal_code && !o->postal_code))
            return dt->oom = 1;
    }
    return 0;
}

static int on_logged(void *ud, const regio__perf_activity *a)
{
    detail *dt = ud;
    if (!a->kind || strcmp(a->kind, "visit") != 0)
        return 0;
    for (size_t i = 0; i < dt->d->n; i++) {
        regio_checkin_stop *o = &dt->d->stops[i];
        if (o->visit_id || strcmp(o->account, a->account_id) != 0)
            continue;
        o->visit_id = dup_or_null(a->id);
        o->visited_at = dup_or_null(a->occurred_at);
        o->visited_by = dup_or_null(a->user_name);
        if (!o->visit_id || !o->visited_at)
            return dt->oom = 1;
    }
    return 0;
}

/* Fills in the accounts of d's stops and the visits logged for them on day. */
static regio_err complete(regio_store *s, regio_checkin_day *d, regio_day day, regio_error *err)
{
    if (!d->n)
        return REGIO_OK;
    const char **ids = regio_calloc(d->n, sizeof *ids);
    detail dt = {d, regio_calloc(d->n, 1), 0};
    if (!ids || !dt.filled) {
        regio_free(ids);
        regio_free(dt.filled);
        return REGIO_ENOMEM;
    }
    for (size_t i = 0; i < d->n; i++)
        ids[i] = d->stops[i].account;
    regio_err rc = regio_store_accounts_get(s, ids, d->n, on_account, &dt, err);
    regio_free(ids);
    regio_free(dt.filled);
    if (!rc && !dt.oom)
        rc = regio__perf_activities_foreach(s, day, day + 1, NULL, on_logged, &dt, err);
    return dt.oom ? REGIO_ENOMEM : rc;
}

regio_err regio_checkin_day_load(regio_store *s, const char *login, const char *date,
                                 regio_checkin_day **out, regio_error *err)
{
    regio_error_clear(err);
    *out = NULL;
    if (!s || !login || !*login)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "no store or no user");
    regio_day day = regio_day_today();
    if (date && regio_day_parse(date, &day))
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, "date",
                                "'%.40s' is not a date YYYY-MM-DD", date);
    regio_checkin_day *d = regio_calloc(1, sizeof *d);
    if (!d)
        return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    regio_day_format(day, d->date);
    names reps = {NULL, 0, 0, 0};
    regio_err rc = reps_of(s, login, day, d->date, &reps, err);
    stops st = {d, 0, NULL, 0, 0, 0};
    for (size_t i = 0; !rc && i < reps.n; i++) {
        plan_pick pick = {day, 0, 0, 0};
        rc = regio__checkin_rep_plans(s, reps.v[i], on_plan, &pick, err);
        if (rc == REGIO_ECANCELLED && pick.decided) {
            regio_error_clear(err);
            rc = REGIO_OK;
        }
        if (rc || !pick.decided || !pick.cycle_day)
            continue;
        st.rep = reps.v[i];
        st.plan_id = pick.plan_id;
        st.cycle_day = pick.cycle_day;
        rc = regio__checkin_plan_day(s, pick.plan_id, reps.v[i], pick.cycle_day, on_visit, &st,
                                     err);
        if (st.oom)
            rc = REGIO_ENOMEM;
    }
    if (!rc)
        rc = complete(s, d, day, err);
    /* The reps move over to the day (their strings with them). */
    d->reps = reps.v;
    d->n_reps = reps.n;
    if (rc) {
        if (rc == REGIO_ENOMEM)
            regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
        regio_checkin_day_free(d);
        return rc;
    }
    *out = d;
    return REGIO_OK;
}

void regio_checkin_day_free(regio_checkin_day *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        regio_checkin_stop *o = &d->stops[i];
        char *owned[] = {o->rep,         o->account,  o->name,       o->street,
                         o->city,        o->region,   o->postal_code, o->visit_id,
                         o->visited_at,  o->visited_by};
        for (size_t j = 0; j < sizeof owned / sizeof owned[0]; j++)
            regio_free(owned[j]);
    }
    regio_free(d->stops);
    for (size_t i = 0; i < d->n_reps; i++)
        regio_free(d->reps[i]);
    regio_free(d->reps);
    regio_free(d);
}

/* ---- activities read back ------------------------------------------------------------- */

typedef struct relay {
    regio_activity_cb cb;
    void *ud;
} relay;

static int on_activity(void *ud, const regio__perf_activity *a)
{
    relay *r = ud;
    regio_activity x = {a->id,          a->account_id, a->user_name, a->occurred_at,
                        a->kind,        a->duration_min, a->outcome, a->notes,
                        a->lat,         a->lon};
    return r->cb(r->ud, &x);
}

regio_err regio_activities_foreach(regio_store *s, regio_period p, const char *user,
                                   regio_activity_cb cb, void *ud, regio_error *err)
{
    regio_error_clear(err);
    if (!s || !cb)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "no store or no callback");
    relay r = {cb, ud};
    return regio__perf_activities_foreach(s, p.start, p.end, user, on_activity, &r, err);
}

typedef struct lookup {
    int found;
    char *account, *user;
    size_t cap;
} lookup;

static int on_found(void *ud, const regio__perf_activity *a)
{
    lookup *l = ud;
    l->found = 1;
    if (l->account)
        snprintf(l->account, l->cap, "%s", a->account_id ? a->account_id : "");
    if (l->user)
        snprintf(l->user, l->cap, "%s", a->user_name ? a->user_name : "");
    return 0;
}

regio_err regio_activity_lookup(regio_store *s, const char *id, int *found, char *account,
                                char *user, size_t cap, regio_error *err)
{
    regio_error_clear(err);
    *found = 0;
    if (!s || !id)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "no store or no id");
    if (cap == 0)
        account = user = NULL;
    lookup l = {0, account, user, cap};
    regio_err rc = regio__checkin_activity_find(s, id, on_found, &l, err);
    *found = !rc && l.found;
    return rc;
}
