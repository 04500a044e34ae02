/*
 * Call plans: GET /api/v1/models/{model}/territories/{territory}/plan plans
 * the visits of the accounts in a territory from one rep's home over an
 * N-working-day cycle with the library's planner (regio_plan_solve, as
 * `regio plan` does). Inputs are copied under app->mu; the solve runs
 * without it, capped in accounts and time.
 */
#include "server/handlers.h"
#include "server/render.h"

#include "regio/strmap.h"
#include "regio/plan.h"

#include <errno.h>
#include <stdatomic.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Most accounts one request plans (beyond: 422). */
#define MAX_ACCOUNTS 2000
/* Deadline of one solve, seconds. */
#define PLAN_TIME_LIMIT_S 5.0
#define DAYS_DEFAULT 20
#define VISIT_MIN_DEFAULT 20.0
/* Working days a year, to turn visits_per_year into visits per cycle. */
#define WORKING_DAYS_PER_YEAR 240.0
/* Unplaced visits listed in the answer. */
#define MAX_UNPLACED_SHOWN 200

/* An account copied from the store. */
typedef struct plan_acc {
    char *id, *name, *owner;
    double lat, lon;
    int frequency;
} plan_acc;

/* A rep copied from the store. */
typedef struct plan_rep {
    char *id, *name;
    double lat, lon;
    double day_start_s, day_end_s;
} plan_rep;

typedef struct plan_input {
    /* what selects the accounts */
    const regio_unitset *units;
    const int *labels;        /* workspace labels */
    int t;                    /* territory index */
    const char *territory;    /* territory id */
    regio_strmap *override;  /* account id -> 1 in this territory, 0 elsewhere */
    int n_days;
    /* copied records */
    plan_acc *acc;
    size_t n_acc, cap_acc;
    size_t skipped;           /* accounts without coordinates */
    int too_many;
    plan_rep *reps;
    size_t n_reps, cap_reps;
    regio_err rc;             /* ENOMEM from a callback */
} plan_input;

static void plan_input_free(plan_input *in)
{
    for (size_t i = 0; i < in->n_acc; i++) {
        regio_free(in->acc[i].id);
        regio_free(in->acc[i].name);
        regio_free(in->acc[i].owner);
    }
    regio_free(in->acc);
    for (size_t i = 0; i < in->n_reps; i++) {
        regio_free(in->reps[i].id);
        regio_free(in->reps[i].name);
    }
    regio_free(in->reps);
    regio_strmap_destroy(in->override);
}

/* ---- query parameters -------------------------------------------------------- */

static int query_number(const srv_request *rq, const char *key, double lo, double hi,
                        int whole, double *out, srv_response *rs)
{
    const char *v = srv_query(rq, key);
    if (!v)
        return 1;
    char *end = NULL;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || end == v || *end || !isfinite(x) || x < lo || x > hi ||
        (whole && x != floor(x))) {
        srv_reply_error(rs, 400, "bad_request", "%s '%s' must be a %s from %g to %g", key, v,
                        whole ? "whole number" : "number", lo, hi);
        return 0;
    }
    *out = x;
    return 1;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long yy = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

/* Parses YYYY-MM-DD into days since the epoch; 0 when invalid. */
static int parse_date(const char *s, long *out)
{
    int y, m, d, n = 0;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
        y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
        return 0;
    long z = days_from_civil(y, m, d);
    int y2, m2, d2;
    civil_from_days(z, &y2, &m2, &d2);
    if (y2 != y || m2 != m || d2 != d)
        return 0; /* 2025-02-30 */
    *out = z;
    return 1;
}

/* Weekday of days-since-epoch z: 0 = Monday ... 6 = Sunday. */
static int weekday(long z) { return (int)(((z % 7) + 7 + 3) % 7); }

/* "HH:MM" as seconds since midnight, or dflt. */
static double parse_hhmm(const char *s, double dflt)
{
    int h, m, n = 0;
    if (!s || sscanf(s, "%d:%d%n", &h, &m, &n) != 2 || s[n] || h < 0 || h > 24 || m < 0 ||
        m > 59 || h * 60 + m > 24 * 60)
        return dflt;
    return h * 3600.0 + m * 60.0;
}

static void fmt_hhmm(double s, char *buf, size_t cap)
{
    long v = isfinite(s) ? lround(s / 60.0) : 0;
    if (v < 0 || v > 99 * 60 + 59)
        v = v < 0 ? 0 : 99 * 60 + 59; /* two digits of hours: keeps the text short */
    snprintf(buf, cap, "%02d:%02d", (int)(v / 60), (int)(v % 60));
}

/* ---- copying from the store ---------------------------------------------------- */

static int collect_override(void *ud, const regio_alignment_row *row)
{
    plan_input *in = ud;
    if (row->unit_id || !row->account_id || !row->territory)
        return 0;
    int found = 0;
    long old = 0;
    if (regio_strmap_put(in->override, row->account_id, !strcmp(row->territory, in->territory),
                          &found, &old)) {
        in->rc = REGIO_ENOMEM;
        return 1;
    }
    return 0;
}

/* Visits per cycle: a "frequency" attribute, else visits_per_year scaled
 * to the cycle (at least 1 when positive), else 1. */
static int account_frequency(const regio_account *a, int n_days)
{
    double f = regio_attrs_num(a->attrs, a->n_attrs, "frequency");
    if (isnan(f)) {
        double vpy = regio_attrs_num(a->attrs, a->n_attrs, "visits_per_year");
        if (!isnan(vpy) && vpy >= 0)
            f = vpy > 0 ? fmax(1.0, round(vpy * n_days / WORKING_DAYS_PER_YEAR)) : 0;
        else
            f = 1;
    }
    if (!(f >= 0))
        f = 0;
    return (int)fmin(round(f), (double)n_days);
}

static int collect_account(void *ud, const regio_account *a)
{
    plan_input *in = ud;
    long ov = regio_strmap_get(in->override, a->id);
    int mine;
    if (ov >= 0) {
        mine = ov == 1;
    } else {
        long u = a->unit_id ? regio_unitset_find(in->units, a->unit_id) : -1;
        mine = u >= 0 && in->labels[u] == in->t;
    }
    if (!mine)
        return 0;
    if (!isfinite(a->lat) || !isfinite(a->lon)) {
        in->skipped++;
        return 0;
    }
    if (in->n_acc >= MAX_ACCOUNTS) {
        in->too_many = 1;
        return 1;
    }
    if (in->n_acc == in->cap_acc) {
        size_t cap = in->cap_acc ? 2 * in->cap_acc : 64;
        plan_acc *na = regio_realloc(in->acc, cap * sizeof *na);
        if (!na) {
            in->rc = REGIO_ENOMEM;
            return 1;
        }
        in->acc = na;
        in->cap_acc = cap;
    }
    plan_acc *c = &in->acc[in->n_acc++];
    c->id = regio_strdup(a->id);
    c->name = regio_strdup(a->name);
    c->owner = regio_strdup(a->owner);
    c->lat = a->lat;
    c->lon = a->lon;
    c->frequency = account_frequency(a, in->n_days);
    if (!c->id || (a->name && !c->name) || (a->owner && !c->owner)) {
        in->rc = REGIO_ENOMEM;
        return 1;
    }
    return 0;
}

static int collect_rep(void *ud, const regio_rep *r)
{
    plan_input *in = ud;
    if (in->n_reps == in->cap_reps) {
        size_t cap = in->cap_reps ? 2 * in->cap_reps : 32;
        plan_rep *nr = regio_realloc(in->reps, cap * sizeof *nr);
        if (!nr) {
            in->rc = REGIO_ENOMEM;
            return 1;
        }
        in->reps = nr;
        in->cap_reps = cap;
    }
    plan_rep *c = &in->reps[in->n_reps++];
    c->id = regio_strdup(r->id);
    c->name = regio_strdup(r->name);
    c->lat = r->lat;
    c->lon = r->lon;
    c->day_start_s = parse_hhmm(r->day_start, 8 * 3600.0);
    c->day_end_s = parse_hhmm(r->day_end, 17 * 3600.0);
    if (c->day_end_s <= c->day_start_s) {
        c->day_start_s = 8 * 3600.0;
        c->day_end_s = 17 * 3600.0;
    }
    if (!c->id || (r->name && !c->name)) {
        in->rc = REGIO_ENOMEM;
        return 1;
    }
    return 0;
}

/* With app->mu held: copies the territory's accounts and the reps; 0 and
 * rs filled on failure. */
static int copy_input(srv_app *app, const char *model, const char *territory, plan_input *in,
                      srv_response *rs)
{
    srv_workspace *w = srv_workspace_get(app, model, rs);
    if (!w)
        return 0;
    int t = regio_model_view_leaf(w->v, territory);
    if (t < 0) {
        srv_reply_error(rs, 404, "not_found", "model '%s' has no territory '%s'", model,
                        territory);
        return 0;
    }
    in->units = app->units->loaded.units;
    in->labels = w->v->labels;
    in->t = t;
    in->territory = w->v->territory[t];
    if (!(in->override = regio_strmap_create(64))) {
        srv_reply_error(rs, 500, "internal", "out of memory");
        return 0;
    }
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = regio_store_alignment_foreach(app->store, model, collect_override, in, &err);
    if (!rc)
        rc = regio_store_accounts_foreach(app->store, collect_account, in, &err);
    if (rc == REGIO_ECANCELLED && in->too_many) {
        srv_reply_error(rs, 422, "unprocessable",
                        "territory '%s' holds more than %d accounts with coordinates: too many "
                        "to plan in one request (split the territory or plan with `regio plan`)",
                        territory, MAX_ACCOUNTS);
        return 0;
    }
    if (!rc)
        rc = regio_store_reps_foreach(app->store, collect_rep, in, &err);
    if (rc == REGIO_ECANCELLED && in->rc)
        rc = in->rc;
    if (rc) {
        srv_reply_regio_error(rs, rc, &err);
        return 0;
    }
    in->labels = NULL; /* valid only under the lock */
    in->territory = NULL;
    return 1;
}

/* The rep to plan for: the one asked for; else the only rep of the store,
 * else the only rep owning the territory's accounts. NULL and rs filled. */
static const plan_rep *pick_rep(const plan_input *in, const char *want, srv_response *rs)
{
    if (want) {
        for (size_t i = 0; i < in->n_reps; i++)
            if (!strcmp(in->reps[i].id, want))
                return &in->reps[i];
        srv_reply_error(rs, 404, "not_found", "no rep '%s'", want);
        return NULL;
    }
    if (in->n_reps == 1)
        return &in->reps[0];
    const plan_rep *owner = NULL;
    int ambiguous = 0;
    for (size_t a = 0; a < in->n_acc && !ambiguous; a++) {
        if (!in->acc[a].owner)
            continue;
        for (size_t i = 0; i < in->n_reps; i++)
            if (!strcmp(in->reps[i].id, in->acc[a].owner)) {
                if (owner && owner != &in->reps[i])
                    ambiguous = 1;
                owner = &in->reps[i];
                break;
            }
    }
    if (owner && !ambiguous)
        return owner;
    if (in->n_reps == 0)
        srv_reply_error(rs, 422, "unprocessable", "the store holds no rep: import reps first");
    else
        srv_reply_error(rs, 400, "bad_request",
                        "\"rep\" is required: the store holds %zu reps (e.g. rep=%s)", in->n_reps,
                        in->reps[0].id);
    return NULL;
}

/* ---- rendering ------------------------------------------------------------------ */

static json_t *point(double lat, double lon) { return json_pack("[f,f]", lat, lon); }

static json_t *plan_json(const plan_input *in, const plan_rep *rep, const char *model,
                         const char *territory, long start, double visit_min,
                         const regio_plan_result *r)
{
    json_t *days = json_array();
    long date = start;
    for (int d = 1; d <= r->n_days; d++) {
        while (weekday(date) >= 5)
            date++;
        int y, m, dd;
        civil_from_days(date, &y, &m, &dd);
        char ds[16];
        snprintf(ds, sizeof ds, "%04d-%02d-%02d", y, m, dd);
        date++;
        const regio_plan_day *day = &r->days[d - 1];
        json_t *visits = json_array(), *route = json_array();
        if (day->n_visits > 0)
            json_array_append_new(route, point(rep->lat, rep->lon));
        for (int v = 0; v < day->n_visits; v++) {
            const regio_plan_visit *vi = &day->visits[v];
            const plan_acc *a = &in->acc[vi->account];
            char arr[8], st[8], dep[8];
            fmt_hhmm(vi->arrival_s, arr, sizeof arr);
            fmt_hhmm(vi->start_s, st, sizeof st);
            fmt_hhmm(vi->departure_s, dep, sizeof dep);
            json_array_append_new(
                visits, json_pack("{s:s,s:s,s:f,s:f,s:s,s:s,s:s,s:o}", "account", a->id, "name",
                                  a->name ? a->name : a->id, "lat", a->lat, "lon", a->lon,
                                  "arrive", arr, "start", st, "depart", dep, "leg_km",
                                  srv_json_num(vi->leg_km)));
            json_array_append_new(route, point(a->lat, a->lon));
        }
        if (day->n_visits > 0)
            json_array_append_new(route, point(rep->lat, rep->lon));
        char leave[8], back[8];
        fmt_hhmm(day->start_s, leave, sizeof leave);
        fmt_hhmm(day->end_s, back, sizeof back);
        double work_min = day->n_visits > 0 ? (day->end_s - day->start_s) / 60.0 : 0;
        json_array_append_new(
            days, json_pack("{s:i,s:s,s:b,s:o,s:o,s:o,s:o,s:s,s:s,s:o,s:o}", "day", d, "date", ds,
                            "off", day->off, "visits", visits, "km", srv_json_num(day->travel_km),
                            "work_min", srv_json_num(work_min), "overtime_min",
                            srv_json_num(day->overtime_s / 60.0), "leave", leave, "back", back,
                            "travel_min", srv_json_num(day->travel_s / 60.0), "route", route));
    }
    json_t *unplaced = json_array();
    for (size_t u = 0; u < r->n_unplaced && u < MAX_UNPLACED_SHOWN; u++)
        json_array_append_new(unplaced,
                              json_pack("{s:s,s:i,s:s,s:s}", "account",
                                        in->acc[r->unplaced[u].account].id, "day",
                                        r->unplaced[u].day, "reason",
                                        regio_plan_reason_name(r->unplaced[u].reason), "text",
                                        r->unplaced[u].text));
    int sy, sm, sd;
    civil_from_days(start, &sy, &sm, &sd);
    char ss[16];
    snprintf(ss, sizeof ss, "%04d-%02d-%02d", sy, sm, sd);
    json_t *v = json_pack(
        "{s:s,s:o,s:o,s:s,s:s,s:s,s:i,s:f,s:o,s:o,s:i,s:I,s:I,s:o,s:o,s:I,s:I,s:o,s:o,s:b}", "rep",
        rep->id, "rep_name", srv_json_str(rep->name), "home",
        point(rep->lat, rep->lon), "model", model, "territory", territory, "start", ss, "n_days",
        r->n_days, "visit_min", visit_min, "days", days, "coverage", srv_json_num(r->coverage),
        "overtime_days", r->overtime_days, "visits_required", (json_int_t)r->visits_required,
        "visits_scheduled", (json_int_t)r->visits_scheduled, "travel_km",
        srv_json_num(r->travel_km), "workload_h", srv_json_num(r->workload_h), "accounts",
        (json_int_t)in->n_acc, "skipped_accounts", (json_int_t)in->skipped, "unplaced", unplaced,
        "seconds", srv_json_num(r->seconds), "cancelled", r->cancelled);
    if (r->n_unplaced > MAX_UNPLACED_SHOWN)
        json_object_set_new(v, "unplaced_total", json_integer((json_int_t)r->n_unplaced));
    return v;
}

/* ---- the handler ------------------------------------------------------------------ */

SRV_HANDLER(api_plan)
{
    const char *model = rq->params[0], *territory = rq->params[1];
    double days = DAYS_DEFAULT, visit_min = VISIT_MIN_DEFAULT, seed = 1;
    if (!query_number(rq, "days", 1, REGIO_PLAN_MAX_DAYS, 1, &days, rs) ||
        !query_number(rq, "visit_min", 1, 480, 0, &visit_min, rs) ||
        !query_number(rq, "seed", 0, 9007199254740992.0, 1, &seed, rs))
        return;
    long start;
    const char *start_s = srv_query(rq, "start");
    if (start_s) {
        if (!parse_date(start_s, &start)) {
            srv_reply_error(rs, 400, "bad_request", "start '%s' must be a date YYYY-MM-DD",
                            start_s);
            return;
        }
    } else {
        start = (long)(time(NULL) / 86400);
    }
    while (weekday(start) >= 5)
        start++; /* the cycle starts on a working day */
    const char *rep_id = srv_query(rq, "rep");
    if (rep_id && !*rep_id)
        rep_id = NULL;

    plan_input in;
    memset(&in, 0, sizeof in);
    in.n_days = (int)days;
    pthread_mutex_lock(&app->mu);
    int ok = copy_input(app, model, territory, &in, rs);
    pthread_mutex_unlock(&app->mu);
    if (!ok) {
        plan_input_free(&in);
        return;
    }
    const plan_rep *rep = pick_rep(&in, rep_id, rs);
    if (!rep) {
        plan_input_free(&in);
        return;
    }
    if (!isfinite(rep->lat) || !isfinite(rep->lon)) {
        srv_reply_error(rs, 422, "unprocessable", "rep '%s' has no home coordinates", rep->id);
        plan_input_free(&in);
        return;
    }

    /* The solve, without app->mu. */
    regio_plan_rep pr;
    memset(&pr, 0, sizeof pr);
    pr.id = rep->id;
    pr.lat = rep->lat;
    pr.lon = rep->lon;
    pr.day_start_s = rep->day_start_s;
    pr.day_end_s = rep->day_end_s;
    regio_plan_account *pa = regio_calloc(in.n_acc ? in.n_acc : 1, sizeof *pa);
    if (!pa) {
        srv_reply_error(rs, 500, "internal", "out of memory");
        plan_input_free(&in);
        return;
    }
    for (size_t i = 0; i < in.n_acc; i++) {
        pa[i].id = in.acc[i].id;
        pa[i].lat = in.acc[i].lat;
        pa[i].lon = in.acc[i].lon;
        pa[i].rep = 0;
        pa[i].frequency = in.acc[i].frequency;
        pa[i].call_s = visit_min * 60.0;
    }
    regio_plan_params pp;
    memset(&pp, 0, sizeof pp);
    pp.n_days = (int)days;
    pp.seed = (uint64_t)seed;
    pp.time_limit_s = PLAN_TIME_LIMIT_S;
    regio_plan_result *r = NULL;
    regio_error err;
    regio_error_clear(&err);
    /* A solve runs on the HTTP worker thread: at most half of them solve at
     * once, so plans can never hold up every other client. */
    static atomic_int solving;
    unsigned cap = app->opts.threads > 1 ? app->opts.threads / 2 : 1;
    regio_err rc;
    if ((unsigned)atomic_fetch_add(&solving, 1) >= cap) {
        atomic_fetch_sub(&solving, 1);
        srv_reply_header(rs, "Retry-After", "1");
        srv_reply_error(rs, 503, "busy", "%u plans are being solved; retry in a moment", cap);
        regio_free(pa);
        plan_input_free(&in);
        return;
    }
    rc = regio_plan_solve(&pr, 1, pa, in.n_acc, &pp, &r, &err);
    atomic_fetch_sub(&solving, 1);
    if (rc) {
        if (rc == REGIO_EDATA || rc == REGIO_EINVAL) {
            char msg[512];
            regio_error_format(&err, msg, sizeof msg);
            srv_reply_error(rs, 422, "unprocessable", "%s",
                            msg[0] ? msg : "the plan's input is invalid");
        } else {
            srv_reply_regio_error(rs, rc, &err);
        }
    } else {
        srv_reply_json(rs, 200, plan_json(&in, rep, model, territory, start, visit_min, r));
    }
    regio_plan_result_destroy(r);
    regio_free(pa);
    plan_input_free(&in);
}
