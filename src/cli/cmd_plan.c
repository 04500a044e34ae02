/*
 * `regio plan`: plans each rep's call cycle (visit days with even spacing,
 * daily routes from and to home) from plain files, or the cycle of one
 * territory of a stored model from the store (saved there as a plan), and
 * writes the plan, routes, report and per-account workload. All work is
 * libregio calls.
 */
#include "cli/cli.h"
#include "cli/plan_all.h"
#include "regio/design_io.h"
#include "regio/model_view.h"
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
            "                  [--time-limit S] [--seed N] [--rep R] [--start YYYY-MM-DD]\n"
            "                  [--overnight [--hotel-cost 100] [--km-cost 0.5]\n"
            "                               [--max-nights 4 | --trip-days N]]\n"
            "                  --out PLAN.csv\n"
            "                  [--routes ROUTES.geojson] [--report REPORT.json]\n"
            "                  [--workload WORKLOAD.csv] [--bound COVERAGE]\n"
            "\n"
            "ACCOUNTS.csv: id,lat,lon,rep (or owner; blank: --rep R, or the only rep of\n"
            "  REPS.csv) and a frequency column (visits per cycle; default\n"
            "  'frequency') or a segment column mapped by --frequency-map; optional\n"
            "  call_minutes (default 30, or --call-minutes N), tw_start,tw_end (HH:MM: the\n"
            "  call starts inside), closed_days. REPS.csv: id,lat,lon, optional\n"
            "  day_start,day_end (HH:MM, default 08:00-17:00) and days_off.\n"
            "Day lists (closed_days, days_off): cycle days 1..N, ranges a-b, or weekday\n"
            "  names (mon..sun): day 1 is a Monday and weeks have --week-days working days\n"
            "  (default 5, so days 1-5 are Mon-Fri, 6-10 the next Mon-Fri).\n"
            "PLAN.csv: rep,day,seq,account_id,arrival,departure (HH:MM:SS), and date\n"
            "  (YYYY-MM-DD, Monday to Friday from --start) with --start. Home is not a\n"
            "  row: every day leaves home at day_start and ends there (see the report).\n"
            "WORKLOAD.csv: id,lat,lon,workload (hours per cycle: calls + share of routed\n"
            "  travel), a point units file: regio design --units WORKLOAD.csv --balance workload\n"
            "--overnight: accounts beyond a comfortable day trip from home are visited on\n"
            "  trips of consecutive working days of one week (Monday to Friday, no weekend or\n"
            "  day off inside), sleeping at a hotel near the next day's first visit; driving\n"
            "  counts within the working day. A night costs --hotel-cost, a road km --km-cost;\n"
            "  a night is kept only when it places visits or costs less than driving home.\n"
            "  At most --max-nights nights a week (1-6). --trip-days N (2-256): a trip may\n"
            "  last up to N working days across weekends instead, the rep staying at the\n"
            "  hotel over a weekend (its nights counted and priced): for a home further from\n"
            "  the accounts than a week's trip there and back. PLAN.csv of a plan with nights has\n"
            "  the columns night,hotel_lat,hotel_lon (1 and the hotel on a day ending there).\n"
            "--bound COVERAGE (0-1, both modes): also prints, per rep, a lower bound on the\n"
            "  hours (calls + driving) any plan serving that share of its visits needs, day\n"
            "  trips or overnight, against the hours of its working days.\n"
            "\n"
            "usage: regio plan --model MODEL --territory T [--rep R] [--days 20] [--seed 1]\n"
            "                  [--call-minutes 20] [--start YYYY-MM-DD] [--time-limit 5]\n"
            "                  [--overnight [--hotel-cost 100] [--km-cost 0.5]\n"
            "                               [--max-nights 4 | --trip-days N]]\n"
            "                  [--name NAME] [--out PLAN.csv] [--routes ROUTES.geojson]\n"
            "                  [--report REPORT.json] [--workload WORKLOAD.csv] [--db PATH]\n"
            "                  [--bound COVERAGE]\n"
            "\n"
            "Store mode: plans territory T of model MODEL (the accounts the model puts in it)\n"
            "  for rep R, by default the territory's own rep, and saves the plan in the store\n"
            "  (named MODEL/T/R/START unless --name). Visits per cycle from an account's\n"
            "  frequency attribute, else visits_per_year scaled to the cycle, else 1;\n"
            "  call_minutes, tw_start and tw_end attributes when present. Same defaults and\n"
            "  same plan as the server's GET /api/v1/models/MODEL/territories/T/plan.\n"
            "  --time-limit 0 = no deadline. --db PATH, default $REGIO_DB or regio.db.\n");
}

/* Writes the plan and the optional routes, report and workload files. */
static regio_err write_outputs(const regio_plan_result *r, const regio_plan_data *d,
                               const char *out, const char *routes, const char *report,
                               const char *work, regio_error *err)
{
    regio_err rc = out ? regio_plan_write_csv(r, d, out, err) : REGIO_OK;
    if (!rc && routes)
        rc = regio_plan_write_geojson(r, d, routes, err);
    if (!rc && report)
        rc = regio_plan_write_report(r, d, report, err);
    if (!rc && work)
        rc = regio_plan_write_workload(r, d, work, err);
    return rc;
}

/* A plan that leaves visits out is a best effort: written, exit 3. */
static int partial_status(const regio_plan_result *r)
{
    if (!r || r->n_unplaced == 0)
        return CLI_OK;
    char n[32];
    fprintf(stderr, "regio plan: %s visits could not be placed; the plan is a best effort "
                    "(exit 3)\n",
            CLI_COUNT(n, r->n_unplaced));
    return CLI_PARTIAL;
}

static void print_summary(const regio_plan_result *r, const regio_plan_data *d)
{
    /* Spacing exists only once an account has two visits. */
    char spacing[48] = "-";
    if (isfinite(r->spacing_min) && isfinite(r->spacing_max))
        snprintf(spacing, sizeof spacing, "%.0f%%-%.0f%%", 100 * r->spacing_min,
                 100 * r->spacing_max);
    char n[5][32], km[48], th[48], wh[48];
    fprintf(stderr,
            "regio plan: %s reps, %s accounts, %d days: coverage %s/%s (%.1f%%), "
            "spacing %s, overtime days %d, travel %s (%s), "
            "workload %s, %s unplaced, %.2f s\n",
            CLI_COUNT(n[0], d->n_reps), CLI_COUNT(n[1], d->n_accounts), r->n_days,
            CLI_COUNT(n[2], r->visits_scheduled), CLI_COUNT(n[3], r->visits_required),
            100 * r->coverage, spacing, r->overtime_days,
            regio_format_unit(r->travel_km, 1, "km", km, sizeof km),
            regio_format_unit(r->travel_h, 1, "h", th, sizeof th),
            regio_format_unit(r->workload_h, 1, "h", wh, sizeof wh), CLI_COUNT(n[4], r->n_unplaced),
            r->seconds);
    if (r->nights > 0) {
        char hc[32], tc[32];
        fprintf(stderr, "regio plan: %d nights at hotels (cost %s), travel cost %s\n", r->nights,
                regio_format_money(r->hotel_cost, NULL, hc, sizeof hc),
                regio_format_money(r->travel_cost, NULL, tc, sizeof tc));
    }
    for (size_t i = 0; i < r->n_unplaced && i < 10; i++) {
        /* Day 0 is no day: the visit fits none. */
        char when[40] = "no day";
        int day = r->unplaced[i].day;
        if (day > 0 && d->start[0]) {
            char date[11];
            regio_plan_day_date(d->start, day, date);
            snprintf(when, sizeof when, "day %d (%s)", day, date);
        } else if (day > 0) {
            snprintf(when, sizeof when, "day %d", day);
        }
        fprintf(stderr, "  unplaced: %s, %s (%s): %s\n", d->accounts[r->unplaced[i].account].id,
                when, regio_plan_reason_name(r->unplaced[i].reason), r->unplaced[i].text);
    }
    if (r->n_unplaced > 10)
        fprintf(stderr, "  ... %zu more in the report\n", r->n_unplaced - 10);
}

/* --bound: per rep, the hours any plan serving that share of its visits
 * needs at least (regio_plan_hours_bound) against its hours. */
static int print_bounds(const regio_plan_data *d, const regio_plan_params *pp, double coverage)
{
    for (size_t r = 0; r < d->n_reps; r++) {
        regio_plan_bound b;
        regio_error err;
        regio_error_clear(&err);
        regio_err rc = regio_plan_hours_bound(d->reps, d->n_reps, (int)r, d->accounts,
                                              d->n_accounts, pp, coverage, &b, &err);
        if (rc) {
            cli_print_error("plan", rc, &err);
            return CLI_FAIL;
        }
        fprintf(stderr,
                "regio plan: bound for rep %s: %ld of %ld visits need at least %.1f h (tour %.1f "
                "h + calls %.1f h - at most %.1f h saved by the visits left out), %.1f h "
                "available: %s\n",
                d->reps[r].id, b.visits, b.visits_required, b.need_h, b.tour_h, b.call_h,
                b.saving_h, b.available_h,
                b.need_h > b.available_h ? "impossible" : "not excluded by the bound");
    }
    return CLI_OK;
}

/* What store mode was asked for. */
typedef struct store_req {
    const char *db, *model, *name;
    regio_territory_plan_opts o;
    double bound;                /* --bound coverage, < 0 none */
} store_req;

/* Store mode: the units, the model, then prepare, solve, save and write. */
static int plan_store(const store_req *q, const char *out, const char *routes,
                      const char *report, const char *work)
{
    regio_store *s = cli_open_store(q->db);
    if (!s)
        return CLI_FAIL;
    regio_error err;
    regio_error_clear(&err);
    regio_design_problem *units = NULL;
    regio_model_view *v = NULL;
    regio_territory_plan *p = NULL;
    regio_err rc = regio_design_problem_load_units(s, 0, &units, &err);
    if (!rc)
        rc = regio_model_view_load(s, units, q->model, -1, &v, &err);
    if (!rc)
        rc = regio_territory_plan_prepare(s, v, &q->o, &p, &err);
    if (!rc && p->warning[0])
        fprintf(stderr, "regio plan: warning: %s\n", p->warning);
    if (!rc)
        rc = regio_territory_plan_solve(p, &err);
    if (!rc)
        rc = regio_territory_plan_save(s, p, q->name, "cli", &err);
    if (!rc)
        rc = write_outputs(p->result, p->data, out, routes, report, work, &err);
    if (rc) {
        cli_print_error("plan", rc, &err);
    } else {
        fprintf(stderr, "regio plan: territory %s of %s, rep %s (%s), %s to day %d\n",
                p->territory, p->model, p->data->reps[0].id,
                regio_plan_rep_source_name(p->rep_source), p->start, p->params.n_days);
        print_summary(p->result, p->data);
        fprintf(stderr, "regio plan: saved as plan %ld '%s'\n", p->plan_id, p->name);
    }
    int status = rc ? CLI_FAIL : partial_status(p ? p->result : NULL);
    if (!rc && q->bound >= 0 && print_bounds(p->data, &p->params, q->bound))
        status = CLI_FAIL;
    regio_territory_plan_destroy(p);
    regio_model_view_destroy(v);
    regio_design_problem_destroy(units);
    regio_store_close(s);
    return status;
}

enum { O_ACC = 256, O_REPS, O_DAYS, O_FREQ, O_SEG, O_FMAP, O_CALL, O_SPEED, O_ROAD, O_TL,
       O_SEED, O_OUT, O_ROUTES, O_REPORT, O_WORK, O_TOL, O_WEEK, O_DB, O_MODEL, O_TERR, O_REP,
       O_START, O_NAME, O_OVERNIGHT, O_HOTEL, O_KMCOST, O_NIGHTS, O_BOUND,
       O_TRIPDAYS };

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
        {"db", required_argument, 0, O_DB},         {"model", required_argument, 0, O_MODEL},
        {"territory", required_argument, 0, O_TERR}, {"rep", required_argument, 0, O_REP},
        {"start", required_argument, 0, O_START},   {"name", required_argument, 0, O_NAME},
        {"overnight", no_argument, 0, O_OVERNIGHT}, {"hotel-cost", required_argument, 0, O_HOTEL},
        {"km-cost", required_argument, 0, O_KMCOST}, {"max-nights", required_argument, 0, O_NIGHTS},
        {"trip-days", required_argument, 0, O_TRIPDAYS},
        {"bound", required_argument, 0, O_BOUND},
        {"help", no_argument, 0, 'h'},              {0, 0, 0, 0}};
    if (cli_plan_all_wanted(argc, argv)) /* every territory of a model: cmd_plan_all.c */
        return cli_plan_all(argc, argv);
    const char *acc = NULL, *reps = NULL, *out = NULL, *routes = NULL, *report = NULL,
               *work = NULL;
    const char *file_only = NULL; /* an option store mode does not take */
    int time_limit_given = 0;
    const char *cost_given = NULL; /* an overnight option, which needs --overnight */
    store_req q;
    memset(&q, 0, sizeof q);
    q.bound = -1;
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
            if (cli_parse_num("plan", "--days", optarg, 1, REGIO_PLAN_MAX_DAYS, &v) ||
                v != floor(v))
                return CLI_USAGE;
            lo.n_days = pp.n_days = (int)v;
            break;
        case O_FREQ: lo.frequency_col = optarg; file_only = "--frequency"; break;
        case O_SEG: lo.segment_col = optarg; file_only = "--segment"; break;
        case O_FMAP: lo.frequency_map = optarg; file_only = "--frequency-map"; break;
        case O_CALL:
            if (regio_parse_number(optarg, &v) == REGIO_OK) {
                if (v <= 0 || v > 24 * 60) {
                    fprintf(stderr, "regio plan: --call-minutes N wants 0 < N <= 1440\n");
                    return CLI_USAGE;
                }
                lo.call_minutes = v;
            } else {
                lo.call_minutes_col = optarg;
                file_only = "--call-minutes COL";
            }
            break;
        case O_SPEED:
            if (cli_parse_num("plan", "--speed-kmh", optarg, 1, 300, &pp.speed_kmh))
                return CLI_USAGE;
            file_only = "--speed-kmh";
            break;
        case O_ROAD:
            if (cli_parse_num("plan", "--road-factor", optarg, 1, 5, &pp.road_factor))
                return CLI_USAGE;
            file_only = "--road-factor";
            break;
        case O_TL:
            if (cli_parse_num("plan", "--time-limit", optarg, 0, 1e6, &pp.time_limit_s))
                return CLI_USAGE;
            time_limit_given = 1;
            break;
        case O_SEED:
            if (cli_parse_num("plan", "--seed", optarg, 0, 9007199254740992.0, &v) || v != floor(v))
                return CLI_USAGE;
            pp.seed = (uint64_t)v;
            break;
        case O_TOL:
            if (cli_parse_num("plan", "--spacing-tolerance", optarg, 0.01, 0.4,
                              &pp.spacing_tolerance))
                return CLI_USAGE;
            file_only = "--spacing-tolerance";
            break;
        case O_WEEK:
            if (cli_parse_num("plan", "--week-days", optarg, 1, 7, &v) || v != floor(v))
                return CLI_USAGE;
            lo.week_len = (int)v;
            file_only = "--week-days";
            break;
        case O_OVERNIGHT: pp.overnight = 1; break;
        case O_HOTEL:
            if (cli_parse_num("plan", "--hotel-cost", optarg, 0.01, 1e9, &pp.hotel_cost))
                return CLI_USAGE;
            cost_given = "--hotel-cost";
            break;
        case O_KMCOST:
            if (cli_parse_num("plan", "--km-cost", optarg, 0.0001, 1e6, &pp.km_cost))
                return CLI_USAGE;
            cost_given = "--km-cost";
            break;
        case O_NIGHTS:
            if (cli_parse_num("plan", "--max-nights", optarg, 1, 6, &v) || v != floor(v))
                return CLI_USAGE;
            pp.max_nights = (int)v;
            cost_given = "--max-nights";
            break;
        case O_TRIPDAYS:
            if (cli_parse_num("plan", "--trip-days", optarg, 2, REGIO_PLAN_MAX_DAYS, &v) ||
                v != floor(v))
                return CLI_USAGE;
            pp.trip_days = (int)v;
            break;
        case O_BOUND:
            if (cli_parse_num("plan", "--bound", optarg, 0, 1, &q.bound))
                return CLI_USAGE;
            break;
        case O_DB: q.db = optarg; break;
        case O_MODEL: q.model = optarg; break;
        case O_TERR: q.o.territory = optarg; break;
        case O_REP: q.o.rep = optarg; break;
        case O_START: q.o.start = optarg; break;
        case O_NAME: q.name = optarg; break;
        case O_OUT: out = optarg; break;
        case O_ROUTES: routes = optarg; break;
        case O_REPORT: report = optarg; break;
        case O_WORK: work = optarg; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (pp.trip_days && !cost_given)
        cost_given = "--trip-days";
    if (cost_given && !pp.overnight) {
        fprintf(stderr, "regio plan: %s is for overnight trips: add --overnight\n", cost_given);
        return CLI_USAGE;
    }
    if (q.model || q.o.territory) {
        const char *other = acc ? "--accounts" : reps ? "--reps" : file_only;
        const char *need = !q.model ? "--model" : !q.o.territory ? "--territory" : NULL;
        if (other || need || optind != argc) {
            if (other)
                fprintf(stderr, "regio plan: %s is for plans from files, not with --model\n",
                        other);
            else if (need)
                fprintf(stderr, "regio plan: %s is required with --%s\n", need,
                        q.model ? "model" : "territory");
            usage(stderr);
            return CLI_USAGE;
        }
        q.o.n_days = pp.n_days;
        q.o.seed = pp.seed;
        q.o.call_minutes = lo.call_minutes;
        q.o.time_limit_s = !time_limit_given ? 0 : pp.time_limit_s > 0 ? pp.time_limit_s : -1;
        q.o.overnight = pp.overnight;
        q.o.hotel_cost = pp.hotel_cost;
        q.o.km_cost = pp.km_cost;
        q.o.max_nights = pp.max_nights;
        q.o.trip_days = pp.trip_days;
        return plan_store(&q, out, routes, report, work);
    }
    const char *missing = !acc ? "--accounts" : !reps ? "--reps" : !lo.n_days ? "--days"
                          : !out ? "--out" : NULL;
    const char *store_only = q.db ? "--db" : q.name ? "--name" : NULL;
    if (!missing && store_only) {
        fprintf(stderr, "regio plan: %s is for plans from the store (with --model)\n",
                store_only);
        usage(stderr);
        return CLI_USAGE;
    }
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
    char day1[11];
    if (q.o.start && !regio_plan_day_date(q.o.start, 1, day1)) {
        fprintf(stderr, "regio plan: --start '%s' is not a date written YYYY-MM-DD\n", q.o.start);
        return CLI_USAGE;
    }
    lo.default_rep = q.o.rep;
    pp.week_len = lo.week_len;
    regio_err rc = regio_plan_load(acc, reps, &lo, &d, &err);
    if (rc) {
        cli_print_error("plan", rc, &err);
        return CLI_FAIL;
    }
    if (q.o.start) /* outputs show calendar dates from day 1 on */
        memcpy(d->start, day1, sizeof d->start);
    rc = regio_plan_solve(d->reps, d->n_reps, d->accounts, d->n_accounts, &pp, &r, &err);
    if (rc) {
        cli_print_error("plan", rc, &err);
        regio_plan_data_destroy(d);
        return CLI_FAIL;
    }
    rc = write_outputs(r, d, out, routes, report, work, &err);
    if (rc)
        cli_print_error("plan", rc, &err);
    else
        print_summary(r, d);
    int status = rc ? CLI_FAIL : partial_status(r);
    if (!rc && q.bound >= 0 && print_bounds(d, &pp, q.bound))
        status = CLI_FAIL;
    regio_plan_result_destroy(r);
    regio_plan_data_destroy(d);
    return status;
}
