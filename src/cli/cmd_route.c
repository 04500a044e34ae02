/*
 * `regio route`: solves one day's routing problem, given as VROOM problem
 * JSON or as a CSV of stops, and writes the VROOM-style solution JSON (or,
 * for CSV stops, the tour CSV) plus optional GeoJSON. Exit 0 when solved,
 * also when some jobs are left unassigned (they are listed with a reason).
 */
#include "cli/cli.h"
#include "regio/route_io.h"
#include "regio/output.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: regio route PROBLEM.json [options]\n"
            "       regio route --stops STOPS.csv [--depot ID] [--vehicles N] [options]\n"
            "options: [--metric haversine|euclidean] [--round nearest] [--time-limit S]\n"
            "         [--seed N] [--max-iterations N] [--out FILE] [--geojson FILE]\n"
            "         [--plan | -c]   follow the vehicles' steps, report violations (VROOM -c)\n"
            "PROBLEM.json is VROOM's problem format; STOPS.csv has id,x,y or id,lat,lon\n"
            "and optionally service_s,tw_start,tw_end. See docs/ROUTING.md.\n");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int parse_long(const char *s, long lo, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo)
        return -1;
    *out = v;
    return 0;
}

/* Writes text to path (NULL or "-": stdout) through the library's one
 * output helper; prints the error. */
static int write_text(const char *path, const char *text)
{
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = regio_output_write(path, text, strlen(text), &err);
    if (rc)
        cli_print_error("route", rc, &err);
    return rc ? -1 : 0;
}

int cli_cmd_route(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"stops", required_argument, 0, 's'},
        {"depot", required_argument, 0, 'D'},
        {"metric", required_argument, 0, 'm'},
        {"round", required_argument, 0, 'r'},
        {"vehicles", required_argument, 0, 'V'},
        {"time-limit", required_argument, 0, 't'},
        {"seed", required_argument, 0, 'S'},
        {"max-iterations", required_argument, 0, 'i'},
        {"out", required_argument, 0, 'o'},
        {"geojson", required_argument, 0, 'g'},
        {"plan", no_argument, 0, 'c'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int plan = 0;
    const char *stops = NULL, *out = NULL, *geojson = NULL;
    regio_route_opts ro;
    regio_route_params rp;
    memset(&ro, 0, sizeof ro);
    memset(&rp, 0, sizeof rp);
    rp.seed = 1;
    long v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hc", longopts, NULL)) != -1) {
        switch (c) {
        case 's': stops = optarg; break;
        case 'D': ro.depot_id = optarg; break;
        case 'm':
            if (!strcmp(optarg, "haversine"))
                ro.metric = REGIO_ROUTE_METRIC_HAVERSINE;
            else if (!strcmp(optarg, "euclidean"))
                ro.metric = REGIO_ROUTE_METRIC_EUCLIDEAN;
            else {
                fprintf(stderr, "regio route: unknown metric '%s' (haversine or euclidean)\n",
                        optarg);
                return CLI_USAGE;
            }
            break;
        case 'r':
            if (strcmp(optarg, "nearest")) {
                fprintf(stderr, "regio route: --round takes 'nearest'\n");
                return CLI_USAGE;
            }
            ro.round_nearest = 1;
            break;
        case 'V':
            if (parse_long(optarg, 1, &v) || v > 100000) {
                fprintf(stderr, "regio route: --vehicles needs a whole number from 1\n");
                return CLI_USAGE;
            }
            ro.n_vehicles = (int)v;
            break;
        case 't': {
            char *end;
            errno = 0;
            double t = strtod(optarg, &end);
            if (errno || end == optarg || *end || !(t >= 0) || t > 1e6) {
                fprintf(stderr, "regio route: --time-limit needs seconds >= 0\n");
                return CLI_USAGE;
            }
            rp.time_limit_s = t;
            break;
        }
        case 'S':
            if (parse_long(optarg, 0, &v)) {
                fprintf(stderr, "regio route: --seed needs a whole number >= 0\n");
                return CLI_USAGE;
            }
            rp.seed = (uint64_t)v;
            break;
        case 'i':
            if (parse_long(optarg, 1, &v)) {
                fprintf(stderr, "regio route: --max-iterations needs a whole number from 1\n");
                return CLI_USAGE;
            }
            rp.max_iterations = v;
            break;
        case 'o': out = optarg; break;
        case 'g': geojson = optarg; break;
        case 'c': plan = 1; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    int npos = argc - optind;
    if ((stops && npos != 0) || (!stops && npos != 1)) {
        fprintf(stderr, "regio route: give one PROBLEM.json or --stops STOPS.csv\n");
        usage(stderr);
        return CLI_USAGE;
    }
    if (stops && plan) {
        fprintf(stderr, "regio route: --plan needs VROOM JSON with vehicle steps\n");
        return CLI_USAGE;
    }
    if (!stops && (ro.depot_id || ro.n_vehicles)) {
        fprintf(stderr, "regio route: --depot and --vehicles apply to --stops only\n");
        return CLI_USAGE;
    }
    regio_error err;
    regio_error_clear(&err);
    regio_route_problem *p = NULL;
    double t0 = now_s();
    regio_err rc = stops ? regio_route_read_stops_csv(stops, &ro, &p, &err)
                         : regio_route_read_vroom(argv[optind], &ro, &p, &err);
    if (rc) {
        cli_print_error("route", rc, &err);
        return CLI_FAIL;
    }
    double t1 = now_s();
    regio_vrp_solution *s = NULL;
    regio_route_plan *pl = NULL;
    regio_route_stats st;
    memset(&st, 0, sizeof st);
    if (plan) {
        rc = regio_route_plan_steps(p, &pl, &err);
        if (!rc)
            s = pl->solution;
        st.solve_s = now_s() - t1;
    } else {
        rc = regio_route_solve(p, &rp, &s, &st, &err);
    }
    if (rc) {
        cli_print_error("route", rc, &err);
        regio_route_problem_destroy(p);
        return CLI_FAIL;
    }
    int status = CLI_OK;
    char *text = NULL;
    regio_route_timing tm = {(t1 - t0) * 1000.0, st.solve_s * 1000.0};
    if (stops)
        rc = regio_route_write_tour_csv(p, s, &text, &err);
    else if (pl)
        rc = regio_route_write_plan_json(p, pl, &tm, &text, &err);
    else
        rc = regio_route_write_json(p, s, &tm, &text, &err);
    if (rc) {
        cli_print_error("route", rc, &err);
        status = CLI_FAIL;
    } else if (write_text(out, text)) {
        status = CLI_FAIL;
    }
    regio_free(text);
    text = NULL;
    if (status == CLI_OK && geojson) {
        rc = regio_route_write_geojson(p, s, &text, &err);
        if (rc) {
            cli_print_error("route", rc, &err);
            status = CLI_FAIL;
        } else if (write_text(geojson, text)) {
            status = CLI_FAIL;
        }
        regio_free(text);
    }
    if (status == CLI_OK) {
        int used = 0;
        for (int r = 0; r < s->n_routes; r++)
            used += s->routes[r].n_steps > 0;
        char cost[64];
        fprintf(stderr, "regio route: cost %s, routes %d, unassigned %d, %s, %.2f s\n",
                regio_format_sig(s->total_cost, 6, cost, sizeof cost), used, s->n_unassigned,
                pl ? "plan" : st.used_tsp ? "tsp" : "vrp", st.solve_s);
        if (pl && pl->n_violations)
            fprintf(stderr, "regio route: %d violation%s of the prescribed routes (listed "
                            "in the JSON)\n", pl->n_violations,
                    pl->n_violations == 1 ? "" : "s");
        for (int u = 0; stops && u < s->n_unassigned; u++)
            fprintf(stderr, "regio route: unassigned %s: %s\n",
                    regio_route_job_id(p, s->unassigned[u].job), s->unassigned[u].text);
        if (s->n_unassigned > 0) {
            fprintf(stderr, "regio route: %d stop%s could not be served; the routes are a best "
                            "effort (exit 3)\n",
                    s->n_unassigned, s->n_unassigned == 1 ? "" : "s");
            status = CLI_PARTIAL;
        }
    }
    if (pl)
        regio_route_plan_destroy(pl);
    else
        regio_vrp_solution_destroy(s);
    regio_route_problem_destroy(p);
    return status;
}
