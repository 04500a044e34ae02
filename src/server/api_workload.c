/*
 * The workload of a model: POST /api/v1/models/{model}/workload plans every
 * territory of the model, saves the plans and stores their work per unit
 * as the unit measure "workload" (regio_plan_all and
 * regio_plan_all_store_workload, as `regio plan --model M --all` calls
 * them), and answers the run's table as JSON. The run holds the store (and
 * app->mu) throughout: on the sample market that is 3 s; the workload loop
 * itself (`regio loop`) is not an HTTP call.
 */
#include "server/handlers.h"
#include "server/render.h"

#include "regio/workload.h"

#include <math.h>
#include <string.h>

/* An optional number of the body within lo..hi (whole when whole): 1
 * absent, 0 read, -1 bad (rs filled). */
static int body_number(json_t *body, const char *key, double lo, double hi, int whole,
                       double *out, srv_response *rs)
{
    json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v))
        return 1;
    double x = json_is_number(v) ? json_number_value(v) : NAN;
    if (!isfinite(x) || x < lo || x > hi || (whole && x != floor(x))) {
        char a[64], b[64];
        srv_reply_error(rs, 400, "bad_request", "\"%s\" must be a %s from %s to %s", key,
                        whole ? "whole number" : "number", regio_format_sig(lo, 16, a, sizeof a),
                        regio_format_sig(hi, 16, b, sizeof b));
        return -1;
    }
    *out = x;
    return 0;
}

/* The body's options into o (defaults of `regio plan --all`); 0 or -1. */
static int parse_opts(json_t *body, regio_plan_all_opts *o, srv_response *rs)
{
    double days = 0, call = 0, seed = 1, tl = 0, hotel = 0, km = 0, nights = 0, trip = 0;
    if (body_number(body, "days", 1, REGIO_PLAN_MAX_DAYS, 1, &days, rs) < 0 ||
        body_number(body, "call_minutes", 1, 480, 0, &call, rs) < 0 ||
        body_number(body, "seed", 0, 9007199254740992.0, 1, &seed, rs) < 0 ||
        body_number(body, "time_limit", 0.1, 30, 0, &tl, rs) < 0 ||
        body_number(body, "hotel_cost", 0.01, 1e9, 0, &hotel, rs) < 0 ||
        body_number(body, "km_cost", 0.0001, 1e6, 0, &km, rs) < 0 ||
        body_number(body, "max_nights", 1, 6, 1, &nights, rs) < 0 ||
        body_number(body, "trip_days", 2, REGIO_PLAN_MAX_DAYS, 1, &trip, rs) < 0)
        return -1;
    json_t *start = json_object_get(body, "start"), *ov = json_object_get(body, "overnight");
    if ((start && !json_is_null(start) && !json_is_string(start)) ||
        (ov && !json_is_null(ov) && !json_is_boolean(ov))) {
        srv_reply_error(rs, 400, "bad_request",
                        "\"start\" must be a date YYYY-MM-DD and \"overnight\" true or false");
        return -1;
    }
    o->n_days = (int)days;
    o->call_minutes = call;
    o->seed = (uint64_t)seed;
    o->time_limit_s = tl;
    o->start = start && json_is_string(start) ? json_string_value(start) : NULL;
    o->overnight = ov && json_is_true(ov);
    o->hotel_cost = hotel;
    o->km_cost = km;
    o->max_nights = (int)nights;
    o->trip_days = (int)trip;
    return 0;
}

static json_t *result_json(const regio_plan_all_result *r)
{
    json_t *ts = json_array();
    for (size_t t = 0; ts && t < r->n_territories; t++) {
        const regio_plan_all_territory *p = &r->territories[t];
        json_array_append_new(
            ts, json_pack("{s:s,s:s?,s:s,s:s,s:I,s:s?,s:I,s:I,s:I,s:f,s:f,s:f,s:i,s:f,s:f}",
                          "territory", p->territory, "rep", p->rep, "status",
                          regio_plan_all_status_name(p->status), "message", p->message,
                          "plan_id", (json_int_t)p->plan_id, "plan_name", p->plan_name,
                          "accounts", (json_int_t)p->n_accounts, "visits_required",
                          (json_int_t)p->visits_required, "visits_scheduled",
                          (json_int_t)p->visits_scheduled, "call_h", p->call_h, "travel_h",
                          p->travel_h, "travel_km", p->travel_km, "nights", p->nights,
                          "estimated_h", p->estimated_h, "workload_h", p->workload_h));
    }
    return json_pack("{s:s,s:s,s:o,s:I,s:I,s:f,s:f,s:f,s:i,s:f,s:f,s:f,s:I,s:f}", "model",
                     r->model, "measure", REGIO_WORKLOAD_MEASURE, "territories", ts,
                     "visits_required", (json_int_t)r->visits_required, "visits_scheduled",
                     (json_int_t)r->visits_scheduled, "call_h", r->call_h, "travel_h",
                     r->travel_h, "travel_km", r->travel_km, "nights", r->nights, "estimated_h",
                     r->estimated_h, "workload_h", r->workload_h, "unattributed_h",
                     r->unattributed_h, "units", (json_int_t)r->n_units, "seconds", r->seconds);
}

SRV_HANDLER(api_workload)
{
    json_t *body = srv_body_json(rq, rs);
    if (!body)
        return;
    regio_plan_all_opts o;
    memset(&o, 0, sizeof o);
    if (parse_opts(body, &o, rs) < 0) {
        json_decref(body);
        return;
    }
    o.actor = rq->actor;
    regio_plan_all_result *r = NULL;
    regio_error err;
    regio_error_clear(&err);
    pthread_mutex_lock(&app->mu);
    srv_workspace *w = srv_workspace_get(app, rq->params[0], rs);
    regio_err rc = w ? regio_plan_all(app->store, w->v, &o, &r, &err) : REGIO_OK;
    if (w && !rc)
        rc = regio_plan_all_store_workload(app->store, r, NULL, &err);
    /* This write changed the units' measures: the next request loads them
     * again (srv_units_refresh only looks when the store's count of others'
     * writes moved). */
    if (w && !rc)
        app->units_others = -1;
    pthread_mutex_unlock(&app->mu);
    json_decref(body);
    if (w && rc)
        srv_reply_regio_error(rs, rc, &err);
    else if (w)
        srv_reply_json(rs, 200, result_json(r));
    regio_plan_all_destroy(r);
}
