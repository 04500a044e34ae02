/*
 * Private to the store backends (sqlite_plans.c, pg_plans.c): what a saved
 * call plan must be before it is written (its name, cycle and visits) and
 * its audit record, so that every backend refuses and records plans alike.
 */
#ifndef REGIO_STORE_PLAN_CODEC_H
#define REGIO_STORE_PLAN_CODEC_H

#include "regio/buf.h"
#include "regio/perf_result.h"
#include "store/store_impl.h"

#include <stdio.h>
#include <string.h>

/* The checks of a plan's name and cycle length, before anything else. */
static inline regio_err plan_problem(const regio_plan_info *plan, regio_error *err)
{
    if (!plan->name || !*plan->name)
        return regio__store_fail(err, REGIO_EDATA, "a plan needs a name");
    if (plan->cycle_days < 1)
        return regio__store_fail(err, REGIO_EDATA, "a plan's cycle has %d days (at least 1)",
                                 plan->cycle_days);
    return REGIO_OK;
}

/* The check of its cycle start, after its params (the backend parses their
 * JSON): a real date written YYYY-MM-DD, which parsed and written back is
 * itself. */
static inline regio_err plan_start_problem(const regio_plan_info *plan, regio_error *err)
{
    if (plan->cycle_start) {
        regio_day d = 0;
        char back[11];
        int ok = regio_day_parse(plan->cycle_start, &d) == REGIO_OK;
        if (ok) {
            regio_day_format(d, back);
            ok = !strcmp(back, plan->cycle_start);
        }
        if (!ok)
            return regio__store_fail(err, REGIO_EDATA,
                                     "a plan's cycle start '%s' is not a date YYYY-MM-DD",
                                     plan->cycle_start);
    }
    return REGIO_OK;
}

/* Checks one visit row (visits[i]) before it is written. */
static inline regio_err plan_visit_problem(const regio_plan_visit_row *v, size_t i,
                                           int cycle_days, regio_error *err)
{
    if (!v->rep || !*v->rep || !v->account || !*v->account)
        return regio__store_fail(err, REGIO_EDATA, "visit %zu has no rep or no account", i + 1);
    if (v->day < 1 || v->day > cycle_days)
        return regio__store_fail(err, REGIO_EDATA,
                                 "visit %zu (account '%s') is on day %d, outside 1..%d", i + 1,
                                 v->account, v->day, cycle_days);
    if (v->seq < 1)
        return regio__store_fail(err, REGIO_EDATA, "visit %zu (account '%s') has seq %d < 1",
                                 i + 1, v->account, v->seq);
    if (v->arrival_s < 0 || v->departure_s < v->arrival_s || v->travel_s < 0)
        return regio__store_fail(err, REGIO_EDATA,
                                 "visit %zu (account '%s') leaves before it arrives or has a "
                                 "negative time",
                                 i + 1, v->account);
    return REGIO_OK;
}

/* The refusal of two visits of one rep at one (day, seq). */
static inline regio_err plan_visit_twice(const regio_plan_visit_row *v, regio_error *err)
{
    return regio__store_fail(err, REGIO_EDATA, "rep '%s' has two visits on day %d at seq %d",
                             v->rep, v->day, v->seq);
}

/* The audit record of saved plan plan_id of n visits, appended through the
 * backend's own table (inside the save's transaction). */
static inline regio_err plan_audit(regio_store *base, const regio_plan_info *p, size_t n,
                                   long long plan_id, const char *actor, regio_error *err)
{
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc = regio_buf_puts(&b, "{\"name\":");
    if (!rc)
        rc = regio_buf_json_str(&b, p->name);
    if (!rc)
        rc = regio_buf_puts(&b, ",\"model\":");
    if (!rc)
        rc = p->model ? regio_buf_json_str(&b, p->model) : regio_buf_puts(&b, "null");
    if (!rc)
        rc = regio_buf_puts(&b, ",\"cycle_start\":");
    if (!rc)
        rc = p->cycle_start ? regio_buf_json_str(&b, p->cycle_start) : regio_buf_puts(&b, "null");
    if (!rc)
        rc = regio_buf_printf(&b, ",\"cycle_days\":%d,\"visits\":%zu}", p->cycle_days, n);
    if (rc) {
        regio_buf_free(&b);
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory building an audit record");
    }
    char oid[32];
    snprintf(oid, sizeof oid, "%lld", plan_id);
    rc = base->ops->audit_append(base, actor, "plan.save", "visit_plan", oid, NULL, b.data, err);
    regio_buf_free(&b);
    return rc;
}

#endif
