/*
 * `regio loop`: the workload loop on the store — a model's territories
 * planned, their work stored as the unit measure "workload", the model
 * realigned on it, planned again, until the workload balance stops
 * improving; one row per round as it ends, the best round saved as a
 * planning model. All work is one libregio call (regio_workload_loop_run).
 */
#include "cli/cli.h"
#include "cli/plan_all.h"
#include "cli/progress.h"
#include "regio/format.h"
#include "regio/model_view.h"
#include "regio/workload.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: regio loop --model MODEL [--save NAME] [--replace] [--rounds 10]\n"
            "       regio loop --design K --save NAME [--replace] [--rounds 10] ...\n"
            "                  [--tolerance 0.02] [--max-moved 0.1] [--min-gain 0.001]\n"
            CLI_PLAN_ALL_USAGE
            "                  [--db PATH]\n"
            "\n"
            "Round 0 copies MODEL's alignment to planning model NAME (default MODEL-loop;\n"
            "with --design K instead a fresh design of K territories on accounts within 5%%,\n"
            "the store's reps given to them as regio design --model gives them;\n"
            "--replace to replace a planning model of that name), plans every territory\n"
            "(regio plan --model NAME --all: plans NAME/r0/T) and stores the workload.\n"
            "Each further round realigns NAME on the workload (moving at most --max-moved\n"
            "of the units, towards --tolerance), plans it again and measures the workload\n"
            "balance; the loop stops when a round improves it by less than --min-gain, when\n"
            "the realign moves nothing, or after --rounds realigns. NAME and the stored\n"
            "workload end as the best round left them. One row per round on stdout:\n"
            "round, workload balance (largest deviation from the mean), routed travel,\n"
            "workload, units moved and seconds. --time-limit is per territory plan; --seed\n"
            "seeds the plans and the realigns; --overnight as for regio plan --all.\n"
            "exit: 0 done, 1 failed, 2 usage\n");
}

/* One row per round as it ends (ud: the progress line to clear first). */
static void on_round(void *ud, const regio_workload_round *r)
{
    cli_progress_clear(ud);
    if (r->round == 0)
        printf("round  balance  travel km  travel h  nights  workload h  estimated h  visits     "
               "moved  non-contiguous  seconds\n");
    char km[32], visits[72], n[6][32];
    snprintf(visits, sizeof visits, "%s/%s", CLI_COUNT(n[0], r->visits_scheduled),
             CLI_COUNT(n[1], r->visits_required));
    printf("%5d  %6.2f%%  %9s  %8s  %6s  %10s  %11s  %-9s  %5s  %14d  %7.1f%s\n", r->round,
           100 * r->balance, regio_format_number(r->travel_km, 0, km, sizeof km),
           regio_format_number(r->travel_h, 1, n[2], sizeof n[2]), CLI_COUNT(n[3], r->nights),
           regio_format_number(r->workload_h, 1, n[4], sizeof n[4]),
           regio_format_number(r->estimated_h, 1, n[5], sizeof n[5]), visits,
           CLI_COUNT(n[0], r->moved_units), r->n_noncontiguous, r->seconds,
           r->round > 0 && !r->improved ? "  (no improvement)" : "");
    fflush(stdout);
}

int cli_cmd_loop(int argc, char **argv)
{
    enum { O_MODEL = 256, O_SAVE, O_REPLACE, O_ROUNDS, O_TOL, O_MAXM, O_GAIN, O_DB, O_DESIGN };
    static const struct option longopts[] = {
        {"model", required_argument, 0, O_MODEL},    {"save", required_argument, 0, O_SAVE},
        {"replace", no_argument, 0, O_REPLACE},      {"rounds", required_argument, 0, O_ROUNDS},
        {"tolerance", required_argument, 0, O_TOL},  {"max-moved", required_argument, 0, O_MAXM},
        {"min-gain", required_argument, 0, O_GAIN},  {"db", required_argument, 0, O_DB},
        {"design", required_argument, 0, O_DESIGN},
        {"help", no_argument, 0, 'h'},               CLI_PLAN_ALL_LONGOPTS,
        {0, 0, 0, 0}};
    regio_workload_loop_opts o;
    memset(&o, 0, sizeof o);
    o.plan.seed = 1;
    const char *db = NULL;
    double v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int taken = cli_plan_all_option(c, optarg, "loop", &o.plan);
        if (taken < 0)
            return CLI_USAGE;
        if (taken == 0)
            continue;
        switch (c) {
        case O_MODEL: o.model = optarg; break;
        case O_SAVE: o.target = optarg; break;
        case O_REPLACE: o.save_flags |= REGIO_SAVE_REPLACE; break;
        case O_ROUNDS:
            if (cli_parse_num("loop", "--rounds", optarg, 1, 100, &v) || v != floor(v))
                return CLI_USAGE;
            o.rounds = (int)v;
            break;
        case O_TOL:
            if (cli_parse_num("loop", "--tolerance", optarg, 0.001, 0.5, &o.tolerance))
                return CLI_USAGE;
            break;
        case O_MAXM:
            if (cli_parse_num("loop", "--max-moved", optarg, 0.001, 1, &o.max_moved))
                return CLI_USAGE;
            break;
        case O_GAIN:
            if (cli_parse_num("loop", "--min-gain", optarg, 0, 1, &o.min_gain))
                return CLI_USAGE;
            break;
        case O_DESIGN:
            if (cli_parse_num("loop", "--design", optarg, 1, 100000, &v) || v != floor(v))
                return CLI_USAGE;
            o.design_k = (int)v;
            break;
        case O_DB: db = optarg; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    o.seed = o.plan.seed;
    if (cli_plan_all_options_check(&o.plan, "loop"))
        return CLI_USAGE;
    const char *missing = o.design_k ? (o.model ? NULL : !o.target ? "--save" : NULL)
                          : !o.model ? "--model (or --design K)" : NULL;
    if (o.design_k && o.model) {
        fprintf(stderr, "regio loop: give --model (start from its alignment) or --design K "
                        "(start from a fresh design), not both\n");
        return CLI_USAGE;
    }
    if (missing || optind != argc) {
        if (missing)
            fprintf(stderr, "regio loop: %s is required\n", missing);
        usage(stderr);
        return CLI_USAGE;
    }
    char target[160];
    if (!o.target) {
        snprintf(target, sizeof target, "%.100s-loop", o.model);
        o.target = target;
    }
    regio_store *s = cli_open_store(db);
    if (!s)
        return CLI_FAIL;
    cli_progress ps;
    if (cli_progress_start(&ps)) {
        o.progress = cli_progress_print;
        o.progress_ud = &ps;
    }
    o.on_round = on_round;
    o.on_round_ud = &ps;
    o.plan.actor = "cli";
    regio_error err;
    regio_error_clear(&err);
    regio_workload_loop_result *r = NULL;
    regio_err rc = regio_workload_loop_run(s, &o, &r, &err);
    cli_progress_clear(&ps);
    int status = CLI_OK;
    if (rc) {
        cli_print_error("loop", rc, &err);
        status = CLI_FAIL;
    } else {
        const regio_workload_round *b = &r->rounds[r->best];
        const regio_workload_round *first = &r->rounds[0];
        fprintf(stderr,
                "regio loop: stopped after round %d (%s); best round %d: workload balance "
                "%.2f%% (round 0: %.2f%%) over %d territories, %.1f s in all\n",
                r->rounds[r->n_rounds - 1].round, r->stop, b->round, 100 * b->balance,
                100 * first->balance, r->k, r->seconds);
        fprintf(stderr,
                "regio loop: saved as planning model '%s' (its plans: %s/r%d/...); unit measure "
                "'%s' holds round %d's workload\n",
                o.target, o.target, b->round, REGIO_WORKLOAD_MEASURE, b->round);
    }
    regio_workload_loop_destroy(r);
    regio_store_close(s);
    return status;
}
