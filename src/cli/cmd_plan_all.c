/*
 * `regio plan --model M --all`: plans every territory of a stored model
 * (each as `regio plan --model M --territory T` plans one), saves the
 * plans and stores their work per geography unit as the unit measure
 * "workload" that design and realign balance. All work is libregio calls
 * (regio_plan_all, regio_plan_all_store_workload); cmd_plan.c hands the
 * command over when it sees --all.
 */
#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/plan_all.h"
#include "regio/design_io.h"
#include "regio/format.h"
#include "regio/model_view.h"
#include "regio/workload.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: regio plan --model MODEL --all [--name PREFIX] [--workload UNITS.csv]\n"
            CLI_PLAN_ALL_USAGE
            "                  [--db PATH]\n"
            "\n"
            "Plans every territory of MODEL for its rep, as --territory T plans one, saves\n"
            "each plan (named PREFIX/T, default MODEL/T/REP/START) and stores the work of\n"
            "the plans per geography unit as the unit measure 'workload' (hours per cycle:\n"
            "each account's calls plus its share of the routed travel, on the unit it lies\n"
            "in; a visit no day can take counts its call plus the mean travel per planned\n"
            "visit), which regio design / realign --balance workload balance.\n"
            "Prints one row per territory; --workload writes unit_id,workload too.\n"
            "--time-limit is per territory (0 = no deadline); --overnight lets reps whose\n"
            "accounts lie beyond a day trip stay at hotels (as regio plan --territory).\n");
}

static void print_table(const regio_plan_all_result *r)
{
    printf("territory  rep       status     visits     call h  travel h  estimated h  "
           "workload h  plan\n");
    for (size_t t = 0; t < r->n_territories; t++) {
        const regio_plan_all_territory *p = &r->territories[t];
        char visits[72], n[6][32];
        snprintf(visits, sizeof visits, "%s/%s", CLI_COUNT(n[0], p->visits_scheduled),
                 CLI_COUNT(n[1], p->visits_required));
        printf("%-10s %-9s %-10s %-9s %7s %9s %12s %11s  %s\n", p->territory,
               p->rep ? p->rep : "-", regio_plan_all_status_name(p->status), visits,
               regio_format_number(p->call_h, 1, n[2], sizeof n[2]),
               regio_format_number(p->travel_h, 1, n[3], sizeof n[3]),
               regio_format_number(p->estimated_h, 1, n[4], sizeof n[4]),
               regio_format_number(p->workload_h, 1, n[5], sizeof n[5]),
               p->plan_name ? p->plan_name : "-");
    }
    fflush(stdout); /* the table before the notes below */
    for (size_t t = 0; t < r->n_territories; t++) {
        const regio_plan_all_territory *p = &r->territories[t];
        if (p->status != REGIO_PLAN_ALL_PLANNED || p->message[0])
            fprintf(stderr, "regio plan: %s: %s\n", p->territory,
                    p->message[0] ? p->message : regio_plan_all_status_name(p->status));
    }
}

int cli_plan_all(int argc, char **argv)
{
    enum { O_MODEL = 256, O_ALL, O_NAME, O_WORK, O_DB };
    static const struct option longopts[] = {
        {"model", required_argument, 0, O_MODEL}, {"all", no_argument, 0, O_ALL},
        {"name", required_argument, 0, O_NAME},   {"workload", required_argument, 0, O_WORK},
        {"db", required_argument, 0, O_DB},       {"help", no_argument, 0, 'h'},
        CLI_PLAN_ALL_LONGOPTS,                    {0, 0, 0, 0}};
    const char *model = NULL, *db = NULL, *work = NULL;
    regio_plan_all_opts o;
    memset(&o, 0, sizeof o);
    o.seed = 1;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int taken = cli_plan_all_option(c, optarg, "plan", &o);
        if (taken < 0)
            return CLI_USAGE;
        if (taken == 0)
            continue;
        switch (c) {
        case O_MODEL: model = optarg; break;
        case O_ALL: break;
        case O_NAME: o.name_prefix = optarg; break;
        case O_WORK: work = optarg; break;
        case O_DB: db = optarg; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (cli_plan_all_options_check(&o, "plan"))
        return CLI_USAGE;
    if (!model || optind != argc) {
        if (!model)
            fprintf(stderr, "regio plan: --all needs --model\n");
        usage(stderr);
        return CLI_USAGE;
    }
    regio_store *s = cli_open_store(db);
    if (!s)
        return CLI_FAIL;
    cli_progress ps;
    if (cli_progress_start(&ps)) {
        o.progress = cli_progress_print;
        o.progress_ud = &ps;
    }
    o.actor = "cli";
    regio_error err;
    regio_error_clear(&err);
    regio_design_problem *units = NULL;
    regio_model_view *view = NULL;
    regio_plan_all_result *r = NULL;
    regio_err rc = regio_design_problem_load_units(s, 0, &units, &err);
    if (!rc)
        rc = regio_model_view_load(s, units, model, -1, &view, &err);
    if (!rc)
        rc = regio_plan_all(s, view, &o, &r, &err);
    cli_progress_clear(&ps);
    if (!rc)
        rc = regio_plan_all_store_workload(s, r, NULL, &err);
    if (!rc && work)
        rc = regio_plan_all_write_units(r, work, &err);
    int status = CLI_OK;
    if (rc) {
        cli_print_error("plan", rc, &err);
        status = CLI_FAIL;
    } else {
        print_table(r);
        char n[7][32], u[5][48];
        fprintf(stderr,
                "regio plan: %s territories of %s: %s planned, %s unreached, %s empty, %s "
                "failed; visits %s/%s, travel %s (%s), calls %s, estimated %s, workload %s\n",
                CLI_COUNT(n[0], r->n_territories), r->model, CLI_COUNT(n[1], r->n_planned),
                CLI_COUNT(n[2], r->n_unreached), CLI_COUNT(n[3], r->n_empty),
                CLI_COUNT(n[4], r->n_failed), CLI_COUNT(n[5], r->visits_scheduled),
                CLI_COUNT(n[6], r->visits_required),
                regio_format_unit(r->travel_km, 1, "km", u[0], sizeof u[0]),
                regio_format_unit(r->travel_h, 1, "h", u[1], sizeof u[1]),
                regio_format_unit(r->call_h, 1, "h", u[2], sizeof u[2]),
                regio_format_unit(r->estimated_h, 1, "h", u[3], sizeof u[3]),
                regio_format_unit(r->workload_h, 1, "h", u[4], sizeof u[4]));
        if (r->nights)
            fprintf(stderr, "regio plan: %s nights at hotels\n", CLI_COUNT(n[0], r->nights));
        fprintf(stderr, "regio plan: unit measure '%s' stored on %s units",
                REGIO_WORKLOAD_MEASURE, CLI_COUNT(n[0], r->n_units));
        if (r->unattributed_h > 0)
            fprintf(stderr, " (%s of accounts without a unit not on any)",
                    regio_format_unit(r->unattributed_h, 1, "h", u[0], sizeof u[0]));
        fputc('\n', stderr);
        if (r->n_failed || r->n_unreached || r->visits_scheduled < r->visits_required)
            status = CLI_PARTIAL;
    }
    regio_plan_all_destroy(r);
    regio_model_view_destroy(view);
    regio_design_problem_destroy(units);
    regio_store_close(s);
    return status;
}

int cli_plan_all_wanted(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (!strcmp(argv[i], "--all"))
            return 1;
    return 0;
}

int cli_plan_all_option(int c, const char *arg, const char *cmd, regio_plan_all_opts *o)
{
    double v;
    const char *want = NULL;
    switch (c) {
    case CLI_PA_DAYS:
        if (regio_parse_number(arg, &v) || v < 1 || v > REGIO_PLAN_MAX_DAYS || v != floor(v))
            want = "--days wants a whole number of working days within 1..256";
        else
            o->n_days = (int)v;
        break;
    case CLI_PA_SEED:
        if (regio_parse_number(arg, &v) || v < 0 || v != floor(v) || v > 9007199254740992.0)
            want = "--seed wants a whole number >= 0";
        else
            o->seed = (uint64_t)v;
        break;
    case CLI_PA_CALL:
        if (regio_parse_number(arg, &v) || v <= 0 || v > 24 * 60)
            want = "--call-minutes N wants 0 < N <= 1440";
        else
            o->call_minutes = v;
        break;
    case CLI_PA_START: o->start = arg; break;
    case CLI_PA_TL:
        if (regio_parse_number(arg, &v) || v < 0 || v > 1e6)
            want = "--time-limit wants seconds within 0..1,000,000 (0: no deadline)";
        else
            o->time_limit_s = v > 0 ? v : -1;
        break;
    case CLI_PA_OVERNIGHT: o->overnight = 1; break;
    case CLI_PA_HOTEL:
        if (regio_parse_number(arg, &v) || v < 0.01 || v > 1e9)
            want = "--hotel-cost wants a cost within 0.01..1,000,000,000";
        else
            o->hotel_cost = v;
        break;
    case CLI_PA_KM:
        if (regio_parse_number(arg, &v) || v < 0.0001 || v > 1e6)
            want = "--km-cost wants a cost within 0.0001..1,000,000";
        else
            o->km_cost = v;
        break;
    case CLI_PA_NIGHTS:
        if (regio_parse_number(arg, &v) || v < 1 || v > 6 || v != floor(v))
            want = "--max-nights wants a whole number within 1..6";
        else
            o->max_nights = (int)v;
        break;
    case CLI_PA_TRIPDAYS:
        if (regio_parse_number(arg, &v) || v < 2 || v > REGIO_PLAN_MAX_DAYS || v != floor(v))
            want = "--trip-days wants a whole number within 2..256";
        else
            o->trip_days = (int)v;
        break;
    default: return 1;
    }
    if (!want)
        return 0;
    fprintf(stderr, "regio %s: %s, not '%s'\n", cmd, want, arg);
    return -1;
}

int cli_plan_all_options_check(const regio_plan_all_opts *o, const char *cmd)
{
    const char *given = o->hotel_cost ? "--hotel-cost" : o->km_cost ? "--km-cost"
                        : o->max_nights ? "--max-nights" : o->trip_days ? "--trip-days" : NULL;
    if (!given || o->overnight)
        return 0;
    fprintf(stderr, "regio %s: %s is for overnight trips: add --overnight\n", cmd, given);
    return -1;
}
