/*
 * The call plan of one territory of a stored model, its output: the solve
 * (regio_plan_solve on the input plan_store.c copied), the saving of the
 * plan in the store (regio_store_plan_save, with how it was planned as
 * params) and its calendar (cycle days on Monday to Friday).
 */
#include "plan/plan_internal.h"
#include "regio/buf.h"
#include "regio/format.h"
#include "regio/store.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- solve, save -------------------------------------------------------------------- */

regio_err regio_territory_plan_solve(regio_territory_plan *p, regio_error *err)
{
    regio_error_clear(err);
    if (!p || !p->data)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "no plan to solve");
    regio_plan_result_destroy(p->result);
    p->result = NULL;
    regio_err rc = regio_plan_solve(p->data->reps, p->data->n_reps, p->data->accounts,
                                    p->data->n_accounts, &p->params, &p->result, err);
    if (rc)
        return rc;
    /* A plan that places no visit at all covers nothing: an error, not an
     * empty success (a cancelled solve keeps what it has). */
    const regio_plan_result *r = p->result;
    if (r->cancelled || r->visits_required == 0 || r->visits_scheduled > 0)
        return REGIO_OK;
    const char *rep = p->data->reps[0].id;
    char home[48], visits[32];
    regio_format_number((double)r->visits_required, 0, visits, sizeof visits);
    if (p->far)
        return regio_error_setf(err, REGIO_EDATA, NULL, 0, NULL,
                                "rep '%s' lives %s from the nearest account of territory "
                                "'%s' and reaches none of its accounts within a working day: "
                                "the plan would cover nothing (0 of %s visits placed); plan it "
                                "with a rep nearer the territory",
                                rep, regio_format_unit(p->home_km, 0, "km", home, sizeof home),
                                p->territory, visits);
    return regio_error_setf(err, REGIO_EDATA, NULL, 0, NULL,
                            "no visit to territory '%s' fits a working day of rep '%s' (0 of "
                            "%s visits placed; %s): the plan would cover nothing",
                            p->territory, rep, visits,
                            r->n_unplaced ? r->unplaced[0].text : "no day has room");
}

/* Appends "key":value to the JSON object open in b (a comma first unless
 * it is the first member); value a string (NULL: null) or a number. */
static regio_err key(regio_buf *b, const char *k)
{
    regio_err rc = b->data[b->len - 1] == '{' ? REGIO_OK : regio_buf_putc(b, ',');
    if (!rc)
        rc = regio_buf_json_str(b, k);
    return rc ? rc : regio_buf_putc(b, ':');
}

static regio_err kv_str(regio_buf *b, const char *k, const char *v)
{
    regio_err rc = key(b, k);
    return rc ? rc : v ? regio_buf_json_str(b, v) : regio_buf_puts(b, "null");
}

static regio_err kv_num(regio_buf *b, const char *k, double v)
{
    regio_err rc = key(b, k);
    return rc ? rc : regio_buf_num(b, v);
}

static regio_err kv_bool(regio_buf *b, const char *k, int v)
{
    regio_err rc = key(b, k);
    return rc ? rc : regio_buf_puts(b, v ? "true" : "false");
}

/* The params JSON saved with a plan: how it was planned and its totals. */
static regio_err params_json(const regio_territory_plan *p, regio_buf *b)
{
    const regio_plan_result *r = p->result;
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)p->params.seed);
    regio_err rc = regio_buf_putc(b, '{');
    if (!rc)
        rc = kv_str(b, "territory", p->territory);
    if (!rc)
        rc = kv_str(b, "rep", p->data->reps[0].id);
    if (!rc)
        rc = kv_str(b, "rep_source", regio_plan_rep_source_name(p->rep_source));
    if (!rc)
        rc = key(b, "seed");
    if (!rc)
        rc = regio_buf_puts(b, seed); /* exact, beyond 2^53 too */
    const char *names[] = {"call_minutes", "time_limit_s", "accounts", "skipped_accounts",
                           "visits_required", "visits_scheduled", "unplaced", "overtime_days",
                           "coverage", "travel_km", "workload_h", "home_km", "diameter_km"};
    double vals[] = {p->call_minutes, p->params.time_limit_s, (double)p->data->n_accounts,
                     (double)p->skipped, (double)r->visits_required,
                     (double)r->visits_scheduled, (double)r->n_unplaced, r->overtime_days,
                     r->coverage, r->travel_km, r->workload_h, p->home_km, p->diameter_km};
    for (size_t i = 0; !rc && i < sizeof vals / sizeof vals[0]; i++)
        rc = kv_num(b, names[i], vals[i]);
    if (!rc)
        rc = kv_bool(b, "far", p->far);
    if (!rc)
        rc = kv_bool(b, "cancelled", r->cancelled);
    /* overnight trips: the costs and each night's hotel, after its day */
    if (!rc && p->params.overnight) {
        rc = kv_bool(b, "overnight", 1);
        if (!rc)
            rc = kv_num(b, "nights", r->nights);
        if (!rc)
            rc = kv_num(b, "hotel_cost", r->hotel_cost);
        if (!rc)
            rc = key(b, "hotels");
        if (!rc)
            rc = regio_buf_putc(b, '[');
        int first = 1;
        for (size_t i = 0; !rc && i < r->n_reps * (size_t)r->n_days; i++)
            if (r->days[i].night) {
                rc = regio_buf_printf(b, "%s{\"day\":%d,\"lat\":%.7f,\"lon\":%.7f}",
                                      first ? "" : ",", r->days[i].day, r->days[i].night_lat,
                                      r->days[i].night_lon);
                first = 0;
            }
        if (!rc)
            rc = regio_buf_putc(b, ']');
    }
    return rc ? rc : regio_buf_putc(b, '}');
}

/* The visit rows of the solved plan, by external ids. */
static regio_err visit_rows(const regio_territory_plan *p, regio_plan_visit_row **rows,
                            size_t *n)
{
    const regio_plan_result *r = p->result;
    size_t total = 0;
    for (size_t i = 0; i < r->n_reps * (size_t)r->n_days; i++)
        total += (size_t)r->days[i].n_visits;
    *n = 0;
    if (!(*rows = regio_calloc(total ? total : 1, sizeof **rows)))
        return REGIO_ENOMEM;
    for (size_t i = 0; i < r->n_reps * (size_t)r->n_days; i++) {
        const regio_plan_day *d = &r->days[i];
        for (int k = 0; k < d->n_visits; k++) {
            const regio_plan_visit *vi = &d->visits[k];
            regio_plan_visit_row *row = &(*rows)[(*n)++];
            row->rep = p->data->reps[d->rep].id;
            row->account = p->data->accounts[vi->account].id;
            row->day = d->day;
            row->seq = k + 1;
            row->arrival_s = lround(vi->arrival_s);
            row->departure_s = lround(vi->departure_s);
            row->travel_s = lround(vi->leg_s);
        }
    }
    return REGIO_OK;
}

regio_err regio_territory_plan_save(regio_store *s, regio_territory_plan *p, const char *name,
                                    const char *actor, regio_error *err)
{
    regio_error_clear(err);
    if (!s || !p || !p->result)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "only a solved plan can be saved");
    regio_buf nm, params;
    regio_buf_init(&nm, 0);
    regio_buf_init(&params, 0);
    regio_plan_visit_row *rows = NULL;
    size_t n = 0;
    regio_err rc = name && *name ? regio_buf_puts(&nm, name)
                                 : regio_buf_printf(&nm, "%s/%s/%s/%s", p->model, p->territory,
                                                    p->data->reps[0].id, p->start);
    if (!rc)
        rc = params_json(p, &params);
    if (!rc)
        rc = visit_rows(p, &rows, &n);
    if (rc) {
        rc = regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory saving a plan");
    } else {
        regio_plan_info info;
        memset(&info, 0, sizeof info);
        info.model = p->model;
        info.name = nm.data;
        info.cycle_start = p->start;
        info.cycle_days = p->params.n_days;
        info.params = params.data;
        long id = 0;
        rc = regio_store_plan_save(s, &info, rows, n, actor, &id, err);
        if (!rc) {
            regio_free(p->name);
            p->name = regio_buf_steal(&nm);
            p->plan_id = id;
        }
    }
    regio_free(rows);
    regio_buf_free(&nm);
    regio_buf_free(&params);
    return rc;
}

void regio_territory_plan_date(const regio_territory_plan *p, int day, char *out)
{
    out[0] = '\0';
    if (p && day <= p->params.n_days)
        regio_plan_day_date(p->start, day, out);
}
