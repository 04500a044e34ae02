/*
 * The figures of a call plan (METRICS.md "Routes and plans"), recomputed
 * from the day routes alone: each day leaves home at the rep's day start,
 * every call starts at the earliest moment its window allows, legs are
 * great-circle km x road factor driven at the given speed. Coverage,
 * spacing band, overtime, travel and workload per account, rep and plan.
 */
#include "plan/plan_internal.h"

#include "regio/geo.h"

#include <math.h>
#include <string.h>

regio_err regio_plan_measure(const regio_plan_rep *reps, size_t n_reps,
                             const regio_plan_account *accounts, size_t n_accounts,
                             const regio_plan_params *params, regio_plan_result *r)
{
    if (!r || !params || (n_reps && !reps) || (n_accounts && !accounts) ||
        r->n_reps != n_reps || r->n_accounts != n_accounts || r->n_days != params->n_days)
        return REGIO_EINVAL;
    double rf = params->road_factor > 0 ? params->road_factor : 1.3;
    double v = params->speed_kmh > 0 ? params->speed_kmh : 50.0;
    int N = r->n_days;
    /* per-account scratch kept in the stats: first/last day via spacing */
    int *first = regio_calloc(n_accounts + 1, sizeof *first);
    int *last = regio_calloc(n_accounts + 1, sizeof *last);
    if (!first || !last) {
        regio_free(first);
        regio_free(last);
        return REGIO_ENOMEM;
    }
    for (size_t i = 0; i < n_accounts; i++) {
        regio_plan_account_stats *as = &r->accounts[i];
        memset(as, 0, sizeof *as);
        as->required = accounts[i].frequency > 0 ? accounts[i].frequency : 0;
        as->spacing_min = INFINITY;
        as->spacing_max = -INFINITY;
    }
    r->visits_required = r->visits_scheduled = 0;
    r->overtime_days = 0;
    r->overtime_min = r->travel_km = r->travel_h = r->call_h = r->workload_h = 0;
    r->infeasible_schedules = 0;
    r->nights = 0;
    for (size_t ri = 0; ri < n_reps; ri++) {
        regio_plan_rep_stats *rs = &r->reps[ri];
        memset(rs, 0, sizeof *rs);
        const regio_plan_rep *rp = &reps[ri];
        for (int d = 1; d <= N; d++)
            if (!regio_plan_dayset_has(&rp->days_off, d))
                rs->working_days++;
        for (int d = 0; d < N; d++) {
            regio_plan_day *pd = &r->days[ri * (size_t)N + (size_t)d];
            const regio_plan_day *prev = d > 0 ? pd - 1 : NULL;
            pd->travel_km = pd->travel_s = pd->call_s = pd->wait_s = pd->overtime_s = 0;
            pd->start_s = pd->end_s = rp->day_start_s;
            /* a day starts at home or at last night's hotel, and ends at
             * home or at tonight's hotel */
            int away = prev && prev->night;
            double slat = away ? prev->night_lat : rp->lat, slon = away ? prev->night_lon : rp->lon;
            double elat = pd->night ? pd->night_lat : rp->lat;
            double elon = pd->night ? pd->night_lon : rp->lon;
            if (pd->night) {
                int n = regio__plan_nights_after(params, d);
                rs->nights += n;
                r->nights += n;
            }
            if (pd->n_visits == 0 && !away && !pd->night)
                continue;
            double t = rp->day_start_s, plat = slat, plon = slon;
            int late = 0;
            for (int i = 0; i < pd->n_visits; i++) {
                regio_plan_visit *vi = &pd->visits[i];
                if (vi->account < 0 || (size_t)vi->account >= n_accounts) {
                    regio_free(first);
                    regio_free(last);
                    return REGIO_EINVAL;
                }
                const regio_plan_account *a = &accounts[vi->account];
                vi->leg_km = regio_haversine_km(plat, plon, a->lat, a->lon) * rf;
                vi->leg_s = vi->leg_km / v * 3600.0;
                t += vi->leg_s;
                vi->arrival_s = t;
                if (a->has_window && t < a->tw_start_s)
                    t = a->tw_start_s;
                if (a->has_window && t > a->tw_end_s + 1e-6)
                    late = 1;
                pd->wait_s += t - vi->arrival_s;
                vi->start_s = t;
                t += a->call_s;
                vi->departure_s = t;
                pd->call_s += a->call_s;
                pd->travel_km += vi->leg_km;
                pd->travel_s += vi->leg_s;
                plat = a->lat;
                plon = a->lon;
            }
            double back_km = regio_haversine_km(plat, plon, elat, elon) * rf;
            double back_s = back_km / v * 3600.0;
            pd->travel_km += back_km;
            pd->travel_s += back_s;
            t += back_s;
            pd->end_s = t;
            if (t > rp->day_end_s + 1e-6) {
                pd->overtime_s = t - rp->day_end_s;
                rs->overtime_days++;
                rs->overtime_min += pd->overtime_s / 60.0;
            }
            r->infeasible_schedules += late;
            /* travel shares: half of each leg to each end, home's halves
             * to the adjacent stop */
            for (int i = 0; i < pd->n_visits; i++) {
                regio_plan_visit *vi = &pd->visits[i];
                double out_s = i + 1 < pd->n_visits ? pd->visits[i + 1].leg_s : back_s;
                double share = (vi->leg_s + out_s) / 2;
                if (i == 0)
                    share += vi->leg_s / 2;
                if (i + 1 == pd->n_visits)
                    share += out_s / 2;
                regio_plan_account_stats *as = &r->accounts[vi->account];
                const regio_plan_account *a = &accounts[vi->account];
                as->travel_h += share / 3600.0;
                as->call_h += a->call_s / 3600.0;
                as->scheduled++;
                int day = d + 1;
                if (as->scheduled == 1) {
                    first[vi->account] = day;
                } else if (a->frequency > 0) {
                    double ratio = (day - last[vi->account]) / ((double)N / a->frequency);
                    as->spacing_min = fmin(as->spacing_min, ratio);
                    as->spacing_max = fmax(as->spacing_max, ratio);
                }
                last[vi->account] = day;
            }
            rs->scheduled += pd->n_visits;
            rs->travel_km += pd->travel_km;
            rs->travel_h += pd->travel_s / 3600.0;
            rs->call_h += pd->call_s / 3600.0;
        }
        rs->workload_h = rs->travel_h + rs->call_h;
    }
    r->spacing_min = INFINITY;
    r->spacing_max = -INFINITY;
    for (size_t i = 0; i < n_accounts; i++) {
        regio_plan_account_stats *as = &r->accounts[i];
        const regio_plan_account *a = &accounts[i];
        as->workload_h = as->call_h + as->travel_h;
        r->visits_required += as->required;
        r->visits_scheduled += as->scheduled;
        if (a->rep >= 0 && (size_t)a->rep < n_reps)
            r->reps[a->rep].required += as->required;
        if (as->required > 0 && as->scheduled == as->required) {
            double ratio = (first[i] + N - last[i]) / ((double)N / a->frequency);
            as->spacing_min = fmin(as->spacing_min, ratio);
            as->spacing_max = fmax(as->spacing_max, ratio);
            r->spacing_min = fmin(r->spacing_min, as->spacing_min);
            r->spacing_max = fmax(r->spacing_max, as->spacing_max);
        } else {
            as->spacing_min = as->spacing_max = NAN;
        }
    }
    if (!isfinite(r->spacing_min))
        r->spacing_min = r->spacing_max = NAN;
    for (size_t ri = 0; ri < n_reps; ri++) {
        regio_plan_rep_stats *rs = &r->reps[ri];
        r->overtime_days += rs->overtime_days;
        r->overtime_min += rs->overtime_min;
        r->travel_km += rs->travel_km;
        r->travel_h += rs->travel_h;
        r->call_h += rs->call_h;
    }
    r->workload_h = r->travel_h + r->call_h;
    r->hotel_cost = r->nights * (params->hotel_cost > 0 ? params->hotel_cost : REGIO_PLAN_HOTEL_COST);
    r->travel_cost = r->travel_km * (params->km_cost > 0 ? params->km_cost : REGIO_PLAN_KM_COST);
    r->coverage = r->visits_required > 0
                      ? (double)r->visits_scheduled / (double)r->visits_required
                      : 1.0;
    regio_free(first);
    regio_free(last);
    return REGIO_OK;
}

const char *regio_plan_reason_name(regio_plan_reason r)
{
    switch (r) {
    case REGIO_PLAN_REASON_NONE: return "none";
    case REGIO_PLAN_REASON_DAYS: return "days";
    case REGIO_PLAN_REASON_WINDOW: return "window";
    case REGIO_PLAN_REASON_CAPACITY: return "capacity";
    case REGIO_PLAN_REASON_INPUT: return "input";
    case REGIO_PLAN_REASON_CANCELLED: return "cancelled";
    }
    return "unknown";
}
