/*
 * Goals and results through the API: GET /api/v1/perf answers the figures
 * of docs/PERFORMANCE.md exactly as `regio perf --format json` renders them,
 * and GET /api/v1/perf/trend their monthly bookings and quota for the
 * charts. Each caller sees the rows of the territories whose accounts they
 * may see (regio_perf_viewer_sees); the rules are the library's, this file
 * parses the query and renders what regio_perf_compute returns (through
 * the app's cache of credited periods, which the library keeps valid).
 */
#include "server/handlers.h"

#include "regio/brief.h"
#include "regio/perf_trend.h"

#include <stdlib.h>
#include <string.h>

/* Fills q from the query (model, by, credit, segment_visits) and installs
 * the caller's view; 0 with a 400/404 answer on a bad parameter. */
static int parse_query(srv_request *rq, srv_response *rs, regio_perf_query *q,
                       regio_perf_viewer *viewer)
{
    memset(q, 0, sizeof *q);
    const char *by = srv_query(rq, "by"), *credit = srv_query(rq, "credit");
    q->model = srv_query(rq, "model");
    q->segment_visits = srv_query(rq, "segment_visits");
    if (q->model && !*q->model)
        q->model = NULL;
    if (by && *by && regio_perf_by_parse(by, &q->by, &q->level)) {
        srv_reply_error(rs, 400, "bad_request",
                        "by '%s': give territory, rep, level:N (N from 1 to 64) or model", by);
        return 0;
    }
    if (credit && *credit && strcmp(credit, "as-of") && strcmp(credit, "asof")) {
        if (strcmp(credit, "current")) {
            srv_reply_error(rs, 400, "bad_request", "credit '%s': give as-of or current", credit);
            return 0;
        }
        q->current = 1;
    }
    /* Rule 1: a model other than the one in force only for managers. */
    if (q->model && !srv_caller_sees_model(rq, q->model)) {
        srv_reply_error(rs, 404, "not_found", "no model '%s'", q->model);
        return 0;
    }
    const srv_caller *c = rq->caller;
    if (c->kind == SRV_USER) {
        viewer->access = c->acc->a;
        viewer->user = c->user;
        viewer->scope = srv_caller_scope(rq);
        q->visible = regio_perf_viewer_sees;
        q->visible_ud = viewer;
    }
    return 1;
}

/* The period of the query: period=P (with fiscal_start=M) or from=&to=. */
static int parse_period(const srv_request *rq, srv_response *rs, regio_period *p)
{
    const char *period = srv_query(rq, "period"), *from = srv_query(rq, "from"),
               *to = srv_query(rq, "to"), *fs = srv_query(rq, "fiscal_start");
    int fiscal = 1;
    if (fs) {
        char *end = NULL;
        long v = strtol(fs, &end, 10);
        if (!*fs || *end || v < 1 || v > 12) {
            srv_reply_error(rs, 400, "bad_request", "fiscal_start '%s' is a month, 1 to 12", fs);
            return 0;
        }
        fiscal = (int)v;
    }
    if (!period == !(from || to) || (!period && (!from || !to))) {
        srv_reply_error(rs, 400, "bad_request",
                        "give period=P (2027-03, 2027Q1, 2027 or FY2027), or from=DAY and "
                        "to=DAY (YYYY-MM-DD), not both");
        return 0;
    }
    regio_error err;
    regio_error_clear(&err);
    if (period ? regio_period_parse(period, fiscal, p, &err)
               : regio_period_range(from, to, p, &err)) {
        srv_reply_error(rs, 400, "bad_request", "%s", err.msg);
        return 0;
    }
    return 1;
}

/* Computes and answers the figures (trend: the monthly series of `months`
 * months ending with `to`) for q under app->mu; the library renders. */
static void answer(srv_app *app, srv_response *rs, const regio_perf_query *q, int trend,
                   int months, const char *to)
{
    regio_error err;
    regio_error_clear(&err);
    regio_perf_result r;
    regio_perf_trend t;
    pthread_mutex_lock(&app->mu);
    /* the crediting of a period is kept while the store does not change:
     * dashboards ask the same months again and again */
    if (!app->perf)
        app->perf = regio_perf_cache_create(32);
    regio_err rc = trend ? regio_perf_trend_compute_cached(app->perf, app->store, q, months, to,
                                                           &t, &err)
                         : regio_perf_compute_cached(app->perf, app->store, q, &r, &err);
    pthread_mutex_unlock(&app->mu);
    if (rc) {
        srv_reply_regio_error(rs, rc, &err);
        return;
    }
    regio_buf b;
    regio_buf_init(&b, 0);
    rc = trend ? regio_perf_trend_render_json(&t, &b) : regio_perf_render(&r, REGIO_PERF_JSON, &b);
    if (rc) {
        regio_error_setf(&err, rc, NULL, 0, NULL, "%s", regio_strerror(rc));
        srv_reply_regio_error(rs, rc, &err);
    } else
        srv_reply_bytes(rs, 200, "application/json", b.data ? b.data : "", b.len);
    regio_buf_free(&b);
    if (trend)
        regio_perf_trend_free(&t);
    else
        regio_perf_result_free(&r);
}

SRV_HANDLER(api_perf)
{
    regio_perf_query q;
    regio_perf_viewer viewer;
    if (parse_query(rq, rs, &q, &viewer) && parse_period(rq, rs, &q.period))
        answer(app, rs, &q, 0, 0, NULL);
}

SRV_HANDLER(api_perf_trend)
{
    regio_perf_query q;
    regio_perf_viewer viewer;
    if (!parse_query(rq, rs, &q, &viewer))
        return;
    const char *m = srv_query(rq, "months"), *to = srv_query(rq, "to");
    long months = 12;
    if (m) {
        char *end = NULL;
        months = strtol(m, &end, 10);
        if (!*m || *end || months < 1 || months > REGIO_PERF_TREND_MAX_MONTHS) {
            srv_reply_error(rs, 400, "bad_request", "months '%s' is a whole number, 1 to %d", m,
                            REGIO_PERF_TREND_MAX_MONTHS);
            return;
        }
    }
    answer(app, rs, &q, 1, (int)months, to && *to ? to : NULL);
}

/* ---- quota setting ------------------------------------------------------------- */

/*
 * POST /api/v1/quotas/allocate {"total", "period" (or "from"/"to"),
 * "model", "weights": "potential=0.6,history=0.4", "seasonality",
 * "dry_run"}: regio_quota_allocate, answered as `regio quota allocate
 * --format json` prints it. For callers with manage_territories (the
 * route's SRV_MANAGE); a dry run saves nothing.
 */
SRV_HANDLER(api_quota_allocate)
{
    json_t *body = srv_body_json(rq, rs);
    if (!body)
        return;
    json_t *total = json_object_get(body, "total"), *period = json_object_get(body, "period");
    json_t *model = json_object_get(body, "model"), *weights = json_object_get(body, "weights");
    json_t *fiscal = json_object_get(body, "fiscal_start");
    regio_quota_query q;
    memset(&q, 0, sizeof q);
    if (!json_is_number(total) || !json_is_string(period) ||
        (model && !json_is_null(model) && !json_is_string(model)) ||
        (weights && !json_is_null(weights) && !json_is_string(weights)) ||
        (fiscal && !json_is_integer(fiscal))) {
        srv_reply_error(rs, 400, "bad_request",
                        "give \"total\" (a number) and \"period\" (2027Q1, 2027-03, 2027, FY2027); "
                        "\"model\" and \"weights\" (\"potential=0.6,history=0.4\") are strings");
        json_decref(body);
        return;
    }
    regio_error err;
    regio_error_clear(&err);
    q.total = json_number_value(total);
    q.model = json_is_string(model) ? json_string_value(model) : NULL;
    q.seasonality = json_is_true(json_object_get(body, "seasonality"));
    q.dry_run = json_is_true(json_object_get(body, "dry_run"));
    q.actor = rq->actor;
    regio_err rc = regio_period_parse(json_string_value(period),
                                      fiscal ? (int)json_integer_value(fiscal) : 1, &q.period,
                                      &err);
    if (!rc)
        rc = regio_quota_weights_parse(json_is_string(weights) ? json_string_value(weights)
                                                               : "potential=0.6,history=0.4",
                                       &q.w_potential, &q.w_history, &err);
    if (rc) {
        srv_reply_error(rs, 400, "bad_request", "%s", err.msg);
        json_decref(body);
        return;
    }
    regio_quota_result r;
    pthread_mutex_lock(&app->mu);
    rc = regio_quota_allocate(app->store, &q, &r, &err);
    pthread_mutex_unlock(&app->mu);
    if (rc) {
        srv_reply_regio_error(rs, rc, &err);
        json_decref(body);
        return;
    }
    regio_buf b;
    regio_buf_init(&b, 0);
    if (regio_quota_render_json(&q, &r, &b) == REGIO_OK)
        srv_reply_bytes(rs, 200, "application/json", b.data ? b.data : "", b.len);
    else
        srv_reply_error(rs, 500, "internal", "out of memory");
    regio_buf_free(&b);
    regio_quota_result_free(&r);
    json_decref(body);
}

/* ---- the territory brief ------------------------------------------------------- */

/*
 * GET /api/v1/models/{model}/territories/{territory}/brief?day=&currency=
 * &segment_visits=: regio_brief_html's page (what `regio brief` writes),
 * shown inline. For callers who see the territory (its accounts, or
 * everything); others get 404 like any territory they cannot see.
 */
SRV_HANDLER(api_territory_brief)
{
    const char *model = rq->params[0], *territory = rq->params[1];
    if (!srv_caller_sees_territory(rq, model, territory)) {
        srv_reply_error(rs, 404, "not_found", "no territory '%s' in model '%s'", territory, model);
        return;
    }
    regio_brief_opts o;
    memset(&o, 0, sizeof o);
    o.day = srv_query(rq, "day");
    o.currency = srv_query(rq, "currency");
    o.segment_visits = srv_query(rq, "segment_visits");
    regio_error err;
    regio_error_clear(&err);
    regio_buf b;
    regio_buf_init(&b, 0);
    pthread_mutex_lock(&app->mu);
    regio_err rc = regio_brief_html(app->store, model, territory, &o, &b, &err);
    pthread_mutex_unlock(&app->mu);
    if (rc)
        srv_reply_regio_error(rs, rc, &err);
    else
        srv_reply_bytes(rs, 200, "text/html; charset=utf-8", b.data ? b.data : "", b.len);
    regio_buf_free(&b);
}
