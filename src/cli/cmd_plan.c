/*
 * `regio plan`: plans each rep's call cycle from plain files (visit days
 * with even spacing, daily routes from and to home) and writes the plan,
 * routes, report and per-account workload. All work is libregio calls.
 */
#include "cli/cli.h"
#include "regio/plan.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: regio plan --accounts ACCOUNTS.csv --reps REPS.csv --days N\n"
            "                  [--frequency COL | --segment COL --frequency-map A=4,B=2,C=1]\n"
            "                  [--call-minutes COL|N] [--speed-kmh 50] [--road-factor 1.3]\n"
            "                  [--spacing-tolerance 0.25] [--week-days 5]\n"
            "                  [--time-limit S] [--seed N] --out PLAN.csv\n"
            "                  [--routes ROUTES.geojson] [--report REPORT.json]\n"
            "                  [--workload WORKLOAD.csv]\n"
            "\n"
            "ACCOUNTS.csv: id,lat,lon,rep and a frequency column (visits per cycle; default\n"
            "  'frequency') or a segment column mapped by --frequency-map; optional\n"
            "  call_minutes (default 30, or --call-minutes N), tw_start,tw_end (HH:MM: the\n"
            "  call starts inside), closed_days. REPS.csv: id,lat,lon, optional\n"
            "  day_start,day_end (HH:MM, default 08:00-17:00) and days_off.\n"
            "Day lists (closed_days, days_off): cycle days 1..N, ranges a-b, or weekday\n"
            "  names (mon..sun): day 1 is a Monday and weeks have --week-days working days\n"
            "  (default 5, so days 1-5 are Mon-Fri, 6-10 the next Mon-Fri).\n"
            "PLAN.csv: rep,day,seq,account_id,arrival,departure (HH:MM:SS). Home is not a\n"
            "  row: every day leaves home at day_start and ends there (see the report).\n"
            "WORKLOAD.csv: id,lat,lon,workload (hours per cycle: calls + share of routed\n"
            "  travel), a point units file: regio design --units WORKLOAD.csv --balance workload\n");
}

static int parse_num(const char *opt, const char *s, double lo, double hi, double *out)
{
    if (regio_parse_number(s, out) != REGIO_OK || *out < lo || *out > hi) {
        fprintf(stderr, "regio plan: %s wants a number within %g..%g, not '%s'\n", opt, lo, hi, s);
        return -1;
    }
    return 0;
}

enum { O_ACC = 256, O_REPS, O_DAYS, O_FREQ, O_SEG, O_FMAP, O_CALL, O_SPEED, O_ROAD, O_TL,
       O_SEED, O_OUT, O_ROUTES, O_REPORT, O_WORK, O_TOL, O_WEEK };

int cli_cmd_plan(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"accounts", required_argument, 0, O_ACC},  {"reps", required_argument, 0, O_REPS},
        {"days", required_argument, 0, O_DAYS},     {"frequency", required_argument, 0, O_FREQ},
        {"segment", required_argument, 0, O_SEG},   {"frequency-map", required_argument, 0, O_FMAP},
        {"call-minutes", required_argument, 0, O_CALL},
        {"speed-kmh", required_argument, 0, O_SPEED},
        {"road-factor", required_argument, 0, O_ROAD},
        {"time-limit", required_argument, 0, O_TL}, {"seed", required_argument, 0, O_SEED},
        {"out", required_argument, 0, O_OUT},       {"routes", required_argument, 0, O_ROUTES},
        {"report", required_argument, 0, O_REPORT}, {"workload", required_argument, 0, O_WORK},
        {"spacing-tolerance", required_argument, 0, O_TOL},
        {"week-days", required_argument, 0, O_WEEK},
        {"help", no_argument, 0, 'h'},              {0, 0, 0, 0}};
    const char *acc = NULL, *reps = NULL, *out = NULL, *routes = NULL, *report = NULL,
               *work = NULL;
    regio_plan_load_opts lo;
    memset(&lo, 0, sizeof lo);
    regio_plan_params pp;
    memset(&pp, 0, sizeof pp);
    pp.seed = 1;
    double v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case O_ACC: acc = optarg; break;
        case O_REPS: reps = optarg; break;
        case O_DAYS:
            if (parse_num("--days", optarg, 1, REGIO_PLAN_MAX_DAYS, &v) || v != floor(v))
                return CLI_USAGE;
            lo.n_days = pp.n_days = (int)v;
            break;
        case O_FREQ: lo.frequency_col = optarg; break;
        case O_SEG: lo.segment_col = optarg; break;
        case O_FMAP: lo.frequency_map = optarg; break;
        case O_CALL:
            if (regio_parse_number(optarg, &v) == REGIO_OK) {
                if (v <= 0 || v > 24 * 60) {
                    fprintf(stderr, "regio plan: --call-minutes N wants 0 < N <= 1440\n");
                    return CLI_USAGE;
                }
                lo.call_minutes = v;
            } else {
                lo.call_minutes_col = optarg;
            }
            break;
        case O_SPEED:
            if (parse_num("--speed-kmh", optarg, 1, 300, &pp.speed_kmh))
                return CLI_USAGE;
            break;
        case O_ROAD:
            if (parse_num("--road-factor", optarg, 1, 5, &pp.road_factor))
                return CLI_USAGE;
            break;
        case O_TL:
            if (parse_num("--time-limit", optarg, 0, 1e6, &pp.time_limit_s))
                return CLI_USAGE;
            break;
        case O_SEED:
            if (parse_num("--seed", optarg, 0, 9007199254740992.0, &v) || v != floor(v))
                return CLI_USAGE;
            pp.seed = (uint64_t)v;
            break;
        case O_TOL:
            if (parse_num("--spacing-tolerance", optarg, 0.01, 0.4, &pp.spacing_tolerance))
                return CLI_USAGE;
            break;
        case O_WEEK:
            if (parse_num("--week-days", optarg, 1, 7, &v) || v != floor(v))
                return CLI_USAGE;
            lo.week_len = (int)v;
            break;
        case O_OUT: out = optarg; break;
        case O_ROUTES: routes = optarg; break;
        case O_REPORT: report = optarg; break;
        case O_WORK: work = optarg; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    const char *missing = !acc ? "--accounts" : !reps ? "--reps" : !lo.n_days ? "--days"
                          : !out ? "--out" : NULL;
    if (missing || optind != argc) {
        if (missing)
            fprintf(stderr, "regio plan: %s is required\n", missing);
        usage(stderr);
        return CLI_USAGE;
    }
    if (lo.segment_col && !lo.frequency_map) {
        fprintf(stderr, "regio plan: --segment needs --frequency-map (e.g. A=4,B=2,C=1)\n");
        return CLI_USAGE;
    }
    if (lo.frequency_map && lo.frequency_col) {
        fprintf(stderr, "regio plan: give --frequency or --segment/--frequency-map, not both\n");
        return CLI_USAGE;
    }
    regio_error err;
    regio_error_clear(&err);
    regio_plan_data *d = NULL;
    regio_plan_result *r = NULL;
    regio_err rc = regio_plan_load(acc, reps, &lo, &d, &err);
    if (rc) {
        cli_print_error("plan", rc, &err);
        return CLI_FAIL;
    }
    rc = regio_plan_solve(d->reps, d->n_reps, d->accounts, d->n_accounts, &pp, &r, &err);
    if (rc) {
        cli_print_error("plan", rc, &err);
        regio_plan_data_destroy(d);
        return CLI_FAIL;
    }
    rc = regio_plan_write_csv(r, d, out, &err);
    if (!rc && routes)
        rc = regio_plan_write_geojson(r, d, routes, &err);
    if (!rc && report)
        rc = regio_plan_write_report(r, d, report, &err);
    if (!rc && work)
        rc = regio_plan_write_workload(r, d, work, &err);
    if (rc) {
        cli_print_error("plan", rc, &err);
    } else {
        fprintf(stderr,
                "regio plan: %zu reps, %zu accounts, %d days: coverage %ld/%ld (%.1f%%), "
                "spacing %.0f%%-%.0f%%, overtime days %d, travel %.1f km (%.1f h), "
                "workload %.1f h, %zu unplaced, %.2f s\n",
                d->n_reps, d->n_accounts, r->n_days, r->visits_scheduled, r->visits_required,
                100 * r->coverage, 100 * r->spacing_min, 100 * r->spacing_max, r->overtime_days,
                r->travel_km, r->travel_h, r->workload_h, r->n_unplaced, r->seconds);
        for (size_t i = 0; i < r->n_unplaced && i < 10; i++)
            fprintf(stderr, "  unplaced: %s day %d (%s): %s\n",
                    d->accounts[r->unplaced[i].account].id, r->unplaced[i].day,
                    regio_plan_reason_name(r->unplaced[i].reason), r->unplaced[i].text);
        if (r->n_unplaced > 10)
            fprintf(stderr, "  ... %zu more in the report\n", r->n_unplaced - 10);
    }
    regio_plan_result_destroy(r);
    regio_plan_data_destroy(d);
    return rc ? CLI_FAIL : CLI_OK;
}
