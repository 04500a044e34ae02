/*
 * Call plans: GET /api/v1/models/{model}/territories/{territory}/plan plans
 * the visits of a territory's accounts from one rep's home over an
 * N-working-day cycle and saves the plan in the store. Every rule (which
 * accounts, which rep, visits per cycle, defaults) is the library's
 * regio_territory_plan_* (as `regio plan --model` calls it): the input is
 * copied under app->mu, the solve runs without it, capped in accounts, in
 * time and in plans at once, and the save takes the lock again.
 */
#include "server/handlers.h"
#include "server/render.h"

#include "regio/plan.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Most accounts one request plans (beyond: 422). */
#define MAX_ACCOUNTS 2000
/* Seed when the request names none (as `regio plan`). */
#define SEED_DEFAULT 1
/* Unplaced visits listed in the answer. */
#define MAX_UNPLACED_SHOWN 200

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
        char a[64], b[64];
        srv_reply_error(rs, 400, "bad_request", "%s '%s' must be a %s from %s to %s", key, v,
                        whole ? "whole number" : "number", regio_format_sig(lo, 16, a, sizeof a),
                        regio_format_sig(hi, 16, b, sizeof b));
        return 0;
    }
    *out = x;
    return 1;
}

static void fmt_hhmm(double s, char *buf, size_t cap)
{
    long v = isfinite(s) ? lround(s / 60.0) : 0;
    if (v < 0 || v > 99 * 60 + 59)
        v = v < 0 ? 0 : 99 * 60 + 59; /* two digits of hours: keeps the text short */
    snprintf(buf, cap, "%02d:%02d", (int)(v / 60), (int)(v % 60));
}

/* ---- rendering ------------------------------------------------------------------ */

static json_t *point(double lat, double lon) { return json_pack("[f,f]", lat, lon); }

static json_t *day_json(const regio_territory_plan *p, int d)
{
    const regio_plan_result *r = p->result;
    const regio_plan_rep *rep = &p->data->reps[0];
    const regio_plan_day *day = &r->days[d - 1];
    char ds[16];
    regio_territory_plan_date(p, d, ds);
    json_t *visits = json_array(), *route = json_array();
    /* a day starts at home or at last night's hotel (overnight trips) */
    const regio_plan_day *prev = d > 1 ? day - 1 : NULL;
    int away = prev && prev->night;
    if (day->n_visits > 0 || away || day->night)
        json_array_append_new(route, away ? point(prev->night_lat, prev->night_lon)
                                          : point(rep->lat, rep->lon));
    for (int v = 0; v < day->n_visits; v++) {
        const regio_plan_visit *vi = &day->visits[v];
        const regio_plan_account *a = &p->data->accounts[vi->account];
        const char *name = p->account_names[vi->account];
        char arr[8], st[8], dep[8];
        fmt_hhmm(vi->arrival_s, arr, sizeof arr);
        fmt_hhmm(vi->start_s, st, sizeof st);
        fmt_hhmm(vi->departure_s, dep, sizeof dep);
        json_array_append_new(
            visits, json_pack("{s:i,s:s,s:s,s:f,s:f,s:s,s:s,s:s,s:o}", "seq", v + 1, "account",
                              a->id, "name", name ? name : a->id, "lat", a->lat, "lon", a->lon,
                              "arrive", arr, "start", st, "depart", dep, "leg_km",
                              srv_json_num(vi->leg_km)));
        json_array_append_new(route, point(a->lat, a->lon));
    }
    if (day->n_visits > 0 || away || day->night)
        json_array_append_new(route, day->night ? point(day->night_lat, day->night_lon)
                                                : point(rep->lat, rep->lon));
    char leave[8], back[8];
    fmt_hhmm(day->start_s, leave, sizeof leave);
    fmt_hhmm(day->end_s, back, sizeof back);
    double work_min = day->end_s > day->start_s ? (day->end_s - day->start_s) / 60.0 : 0;
    json_t *v = json_pack("{s:i,s:s,s:b,s:o,s:o,s:o,s:o,s:s,s:s,s:o,s:o}", "day", d, "date", ds,
                     "off", day->off, "visits", visits, "km", srv_json_num(day->travel_km),
                     "work_min", srv_json_num(work_min), "overtime_min",
                     srv_json_num(day->overtime_s / 60.0), "leave", leave, "back", back,
                     "travel_min", srv_json_num(day->travel_s / 60.0), "route", route);
    if (r->nights) {
        json_object_set_new(v, "starts_at", json_string(away ? "hotel" : "home"));
        json_object_set_new(v, "night", day->night ? point(day->night_lat, day->night_lon)
                                                   : json_null());
    }
    return v;
}

static json_t *plan_json(const regio_territory_plan *p)
{
    const regio_plan_result *r = p->result;
    const regio_plan_rep *rep = &p->data->reps[0];
    json_t *days = json_array();
    for (int d = 1; d <= r->n_days; d++)
        json_array_append_new(days, day_json(p, d));
    json_t *unplaced = json_array();
    for (size_t u = 0; u < r->n_unplaced && u < MAX_UNPLACED_SHOWN; u++)
        json_array_append_new(unplaced,
                              json_pack("{s:s,s:i,s:s,s:s}", "account",
                                        p->data->accounts[r->unplaced[u].account].id, "day",
                                        r->unplaced[u].day, "reason",
                                        regio_plan_reason_name(r->unplaced[u].reason), "text",
                                        r->unplaced[u].text));
    json_t *warnings = json_array();
    if (p->warning[0])
        json_array_append_new(warnings, json_string(p->warning));
    json_t *v = json_pack(
        "{s:s,s:o,s:s,s:o,s:s,s:s,s:o,s:s,s:i,s:f,s:I,s:o,s:o,s:i,s:I,s:I,s:o,s:o,s:I,s:I,s:o,"
        "s:o,s:b}",
        "rep", rep->id, "rep_name", srv_json_str(p->rep_name), "rep_source",
        regio_plan_rep_source_name(p->rep_source), "home", point(rep->lat, rep->lon), "model",
        p->model, "territory", p->territory, "territory_name", srv_json_str(p->territory_name),
        "start", p->start, "n_days", r->n_days, "visit_min", p->call_minutes, "seed",
        (json_int_t)p->params.seed, "days", days, "coverage", srv_json_num(r->coverage),
        "overtime_days", r->overtime_days, "visits_required", (json_int_t)r->visits_required,
        "visits_scheduled", (json_int_t)r->visits_scheduled, "travel_km",
        srv_json_num(r->travel_km), "workload_h", srv_json_num(r->workload_h), "accounts",
        (json_int_t)p->data->n_accounts, "skipped_accounts", (json_int_t)p->skipped, "unplaced",
        unplaced, "seconds", srv_json_num(r->seconds), "cancelled", r->cancelled);
    if (r->n_unplaced > MAX_UNPLACED_SHOWN)
        json_object_set_new(v, "unplaced_total", json_integer((json_int_t)r->n_unplaced));
    if (p->params.overnight) {
        json_object_set_new(v, "overnight", json_true());
        json_object_set_new(v, "nights", json_integer(r->nights));
        json_object_set_new(v, "hotel_cost", srv_json_num(r->hotel_cost));
        json_object_set_new(v, "travel_cost", srv_json_num(r->travel_cost));
    }
    json_object_set_new(v, "home_km", srv_json_num(p->home_km));
    json_object_set_new(v, "diameter_km", srv_json_num(p->diameter_km));
    json_object_set_new(v, "far", json_boolean(p->far));
    json_object_set_new(v, "warnings", warnings);
    json_object_set_new(v, "plan_id", p->plan_id ? json_integer(p->plan_id) : json_null());
    json_object_set_new(v, "plan_name", srv_json_str(p->name));
    return v;
}

/* ---- the handler ------------------------------------------------------------------ */

SRV_HANDLER(api_plan)
{
    const char *model = rq->params[0];
    double days = REGIO_TERRITORY_PLAN_DAYS, visit_min = REGIO_TERRITORY_PLAN_CALL_MINUTES,
           seed = SEED_DEFAULT, hotel_cost = 0, km_cost = 0, max_nights = 0, trip_days = 0;
    /* GET previews a plan and changes nothing; POST plans and saves it. */
    int save = !strcmp(rq->method, "POST");
    /* Planning a territory needs reading it; saving a plan needs edit on
     * its accounts, or administering it (docs/ACCESS.md rules 10, 11). */
    if (!srv_caller_sees_territory(rq, model, rq->params[1]) &&
        !srv_caller_can_manage(rq, model, rq->params[1])) {
        srv_deny(app, rq, rs, 404, "not found");
        return;
    }
    if (save && srv_caller_territory_level(rq, model, rq->params[1]) < REGIO_LEVEL_EDIT &&
        !srv_caller_can_manage(rq, model, rq->params[1])) {
        srv_deny(app, rq, rs, 403, "saving a plan needs edit access to the territory's accounts");
        return;
    }
    if (!query_number(rq, "days", 1, REGIO_PLAN_MAX_DAYS, 1, &days, rs) ||
        !query_number(rq, "visit_min", 1, 480, 0, &visit_min, rs) ||
        !query_number(rq, "seed", 0, 9007199254740992.0, 1, &seed, rs) ||
        !query_number(rq, "hotel_cost", 0.01, 1e9, 0, &hotel_cost, rs) ||
        !query_number(rq, "km_cost", 0.0001, 1e6, 0, &km_cost, rs) ||
        !query_number(rq, "max_nights", 1, 6, 1, &max_nights, rs) ||
        !query_number(rq, "trip_days", 2, REGIO_PLAN_MAX_DAYS, 1, &trip_days, rs))
        return;
    /* overnight trips: overnight=1 (or true) */
    const char *ov = srv_query(rq, "overnight");
    int overnight = ov && (!strcmp(ov, "1") || !strcmp(ov, "true"));
    regio_territory_plan_opts o;
    memset(&o, 0, sizeof o);
    o.territory = rq->params[1];
    o.rep = srv_query(rq, "rep");
    if (o.rep && !*o.rep)
        o.rep = NULL;
    o.n_days = (int)days;
    o.call_minutes = visit_min;
    o.seed = (uint64_t)seed;
    o.start = srv_query(rq, "start");
    o.max_accounts = MAX_ACCOUNTS;
    o.overnight = overnight;
    o.hotel_cost = hotel_cost;
    o.km_cost = km_cost;
    o.max_nights = (int)max_nights;
    o.trip_days = (int)trip_days;
    const char *name = srv_query(rq, "name");

    regio_territory_plan *p = NULL;
    regio_error err;
    regio_error_clear(&err);
    pthread_mutex_lock(&app->mu);
    srv_workspace *w = srv_workspace_get(app, model, rs);
    regio_err rc = w ? regio_territory_plan_prepare(app->store, w->v, &o, &p, &err) : REGIO_OK;
    pthread_mutex_unlock(&app->mu);
    if (!w)
        return;
    if (rc) {
        srv_reply_regio_error(rs, rc, &err);
        return;
    }

    /* A solve runs on the HTTP worker thread: at most half of them solve at
     * once, so plans can never hold up every other client. */
    static atomic_int solving;
    unsigned cap = app->opts.threads > 1 ? app->opts.threads / 2 : 1;
    if ((unsigned)atomic_fetch_add(&solving, 1) >= cap) {
        atomic_fetch_sub(&solving, 1);
        srv_reply_header(rs, "Retry-After", "1");
        srv_reply_error(rs, 503, "busy", "%u plans are being solved; retry in a moment", cap);
        regio_territory_plan_destroy(p);
        return;
    }
    rc = regio_territory_plan_solve(p, &err);
    atomic_fetch_sub(&solving, 1);
    if (!rc && save) {
        pthread_mutex_lock(&app->mu);
        rc = regio_territory_plan_save(app->store, p, name, rq->actor, &err);
        pthread_mutex_unlock(&app->mu);
    }
    if (rc == REGIO_EINVAL) /* the solver refuses its input: not the request's fault */
        rc = REGIO_EDATA;
    if (rc) {
        srv_reply_regio_error(rs, rc, &err);
    } else {
        if (save) {
            char qm[400], qt[400];
            srv_reply_saved(rs, 200, "{\"model\":%s,\"territory\":%s,\"partial\":true}",
                            srv_json_quote(rq->params[0], qm, sizeof qm),
                            srv_json_quote(rq->params[1], qt, sizeof qt));
        }
        srv_reply_json(rs, 200, plan_json(p));
    }
    regio_territory_plan_destroy(p);
}
