/*
 * VRPTW benchmark: reads one Solomon / Gehring-Homberger instance, solves it
 * with regio_vrp_solve under a fleet limit and a time limit, verifies the
 * result with the independent checker and prints one line:
 * instance, routes, distance, reference, gap, feasible, seconds.
 * Usage: bench_vrptw FILE [--time-limit S] [--vehicles N] [--seed K]
 *        [--iterations N] [--ref COST] [--min-vehicles] [--header]
 *        [--vroom-json [--scale K] [--write-json OUT]] [--routes FILE]
 * With --vroom-json the instance goes through VROOM's problem JSON as a
 * user would hand it in: planar `location`s (Solomon's x, y), a
 * `location_index` and a full-precision `matrices.car.durations`, the fleet
 * as vehicles with start and end at the depot, capacity and the depot's
 * window; it is read by regio_route_parse_vroom and solved by
 * regio_route_solve, and the answer is checked against the instance as
 * read from the Solomon file. --write-json saves that JSON (to run VROOM on
 * the very same input). VROOM 1.14 takes whole numbers only: --scale K
 * writes every time (matrix, service, windows, shifts) multiplied by K, the
 * matrix rounded up, so whatever is feasible in that JSON is feasible in
 * the instance; the answer is then re-timed on the instance's exact matrix
 * and its distance is the exact Euclidean one.
 * --routes FILE evaluates a solution found elsewhere (VROOM's) instead of
 * solving: one route per line, the job ids of the JSON (customer numbers)
 * in visiting order; it is timed and checked on the instance as above.
 * Without --ref the reference is read from BKS.json beside FILE (the
 * "NAME_distance" entry when there is one, else "NAME").
 */
#include "regio/vrp.h"
#include "regio/buf.h"
#include "regio/route_io.h"
#include "bench_vroom.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_d(const char *s, double *out)
{
    char *e;
    errno = 0;
    double v = strtod(s, &e);
    if (e == s || *e || errno)
        return -1;
    *out = v;
    return 0;
}

static int parse_l(const char *s, long *out)
{
    char *e;
    errno = 0;
    long v = strtol(s, &e, 10);
    if (e == s || *e || errno)
        return -1;
    *out = v;
    return 0;
}

/* best_known_cost of key in the BKS.json text, or 0. */
static double bks_lookup(const char *text, const char *key)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(text, pat);
    if (!p)
        return 0.0;
    const char *end = strchr(p, '}');
    const char *c = strstr(p, "\"best_known_cost\":");
    if (!c || (end && c > end))
        return 0.0;
    return strtod(c + strlen("\"best_known_cost\":"), NULL);
}

static double bks_for(const char *path, const char *name)
{
    char file[1024];
    const char *slash = strrchr(path, '/');
    int dl = slash ? (int)(slash - path) : 1;
    snprintf(file, sizeof file, "%.*s/BKS.json", dl, slash ? path : ".");
    FILE *f = fopen(file, "rb");
    if (!f)
        return 0.0;
    char *text = regio_malloc(1 << 22);
    size_t n = text ? fread(text, 1, (1 << 22) - 1, f) : 0;
    fclose(f);
    if (!text)
        return 0.0;
    text[n] = '\0';
    char key[96];
    snprintf(key, sizeof key, "%s_distance", name);
    double v = bks_lookup(text, key);
    if (v <= 0)
        v = bks_lookup(text, name);
    regio_free(text);
    return v;
}

/* The instance as VROOM problem JSON (see the header): times multiplied by
 * scale and the matrix rounded up when scale > 0, full precision when 0.
 * NULL on failure. */
static char *to_vroom_json(const regio_vrp_solomon *in, double scale)
{
    const regio_vrp_problem *p = &in->problem;
    double k = scale > 0 ? scale : 1.0;
    size_t nn = (size_t)p->n_locations * (size_t)p->n_locations;
    double *m = regio_malloc(nn * sizeof *m);
    if (!m)
        return NULL;
    for (size_t i = 0; i < nn; i++) /* the 1e-6 absorbs k * d's rounding */
        m[i] = scale > 0 ? ceil(k * p->duration[i] - 1e-6) : p->duration[i];
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc = regio_buf_puts(&b, "{\"vehicles\": [");
    for (int v = 0; v < p->n_vehicles; v++) {
        const regio_vrp_vehicle *vh = &p->vehicles[v];
        rc |= regio_buf_printf(&b, "%s\n {\"id\": %d, \"start\": [%.17g, %.17g], "
                               "\"end\": [%.17g, %.17g], \"start_index\": 0, "
                               "\"end_index\": 0, \"capacity\": [%.17g], "
                               "\"time_window\": [%.17g, %.17g]}",
                               v ? "," : "", v + 1, in->x[0], in->y[0], in->x[0], in->y[0],
                               in->capacity, k * vh->shift.start, k * vh->shift.end);
    }
    rc |= regio_buf_puts(&b, "],\n\"jobs\": [");
    for (int j = 0; j < p->n_jobs; j++) {
        const regio_vrp_job *jb = &p->jobs[j];
        int l = jb->location;
        rc |= regio_buf_printf(&b, "%s\n {\"id\": %d, \"location\": [%.17g, %.17g], "
                               "\"location_index\": %d, \"service\": %.17g, "
                               "\"delivery\": [%.17g]",
                               j ? "," : "", j + 1, in->x[l], in->y[l], l, k * jb->service,
                               jb->amount[0]);
        if (jb->n_tws > 0)
            rc |= regio_buf_printf(&b, ", \"time_windows\": [[%.17g, %.17g]]",
                                   k * jb->tws[0].start, k * jb->tws[0].end);
        rc |= regio_buf_puts(&b, "}");
    }
    rc |= bench_vroom_matrix(&b, m, p->n_locations);
    regio_free(m);
    if (rc) {
        regio_buf_free(&b);
        return NULL;
    }
    return regio_buf_steal(&b);
}

/* Re-times every route of s on p's matrix (earliest starts) and sums the
 * cost, duration and vehicles used again. */
static void retime(const regio_vrp_problem *p, regio_vrp_solution *s)
{
    s->total_cost = s->total_duration = 0.0;
    s->vehicles_used = 0;
    for (int r = 0; r < s->n_routes; r++) {
        regio_vrp_route_schedule(p, &s->routes[r]);
        s->total_cost += s->routes[r].cost;
        s->total_duration += s->routes[r].duration;
        s->vehicles_used += s->routes[r].n_steps > 0;
    }
}

/* Solves the instance through VROOM JSON; the solution's job and vehicle
 * indices are the instance's (same order). */
static regio_err solve_json(const regio_vrp_solomon *in, const regio_vrp_params *prm,
                            double scale, const char *write_to,
                            regio_vrp_solution **out, regio_error *err)
{
    char *json = to_vroom_json(in, scale);
    if (!json)
        return REGIO_ENOMEM;
    if (write_to) {
        FILE *f = fopen(write_to, "wb");
        if (f) {
            fputs(json, f);
            fclose(f);
        }
    }
    regio_route_problem *rp = NULL;
    regio_err rc = regio_route_parse_vroom(json, strlen(json), in->name, NULL, &rp, err);
    regio_free(json);
    if (rc)
        return rc;
    regio_route_params par;
    memset(&par, 0, sizeof par);
    par.seed = prm->seed;
    par.time_limit_s = prm->time_limit_s;
    par.max_iterations = prm->max_iterations;
    par.force_vrp = 1;
    rc = regio_route_solve(rp, &par, out, NULL, err);
    regio_route_problem_destroy(rp);
    if (rc == REGIO_OK && scale > 0)
        retime(&in->problem, *out);
    return rc;
}

/* The routes of FILE (one a line, job ids 1..n in order) as a solution of
 * the instance, timed on its matrix; jobs on no line are unassigned. */
static regio_err read_routes(const regio_vrp_solomon *in, const char *path,
                             regio_vrp_solution **out, regio_error *err)
{
    const regio_vrp_problem *p = &in->problem;
    FILE *f = fopen(path, "r");
    if (!f)
        return regio_error_setf(err, REGIO_EIO, path, 0, NULL, "cannot open the file");
    regio_vrp_solution *s = regio_calloc(1, sizeof *s);
    unsigned char *seen = regio_calloc((size_t)p->n_jobs + 1, 1);
    if (s)
        s->routes = regio_calloc((size_t)p->n_vehicles, sizeof *s->routes);
    if (s)
        s->unassigned = regio_calloc((size_t)p->n_jobs + 1, sizeof *s->unassigned);
    if (!s || !seen || !s->routes || !s->unassigned) {
        fclose(f);
        regio_free(seen);
        regio_vrp_solution_destroy(s);
        return regio_error_setf(err, REGIO_ENOMEM, path, 0, NULL, "out of memory");
    }
    s->n_routes = p->n_vehicles;
    for (int v = 0; v < p->n_vehicles; v++)
        s->routes[v].vehicle = v;
    char line[65536];
    int r = 0, ln = 0;
    regio_err rc = REGIO_OK;
    while (rc == REGIO_OK && fgets(line, sizeof line, f)) {
        ln++;
        char *q = line, *e;
        regio_vrp_route *rt = r < s->n_routes ? &s->routes[r] : NULL;
        for (long id = strtol(q, &e, 10); e != q; id = strtol(q = e, &e, 10)) {
            if (!rt || id < 1 || id > p->n_jobs || seen[id]) {
                rc = regio_error_setf(err, REGIO_EPARSE, path, ln, NULL,
                                      "job %ld unknown, repeated or beyond the fleet", id);
                break;
            }
            seen[id] = 1;
            regio_vrp_step *st = regio_realloc(rt->steps, (size_t)(rt->n_steps + 1) * sizeof *st);
            if (!st) {
                rc = regio_error_setf(err, REGIO_ENOMEM, path, ln, NULL, "out of memory");
                break;
            }
            rt->steps = st;
            memset(&st[rt->n_steps], 0, sizeof *st);
            st[rt->n_steps++].job = (int)id - 1;
        }
        if (rt && rt->n_steps > 0)
            r++;
    }
    fclose(f);
    for (int j = 0; rc == REGIO_OK && j < p->n_jobs; j++)
        if (!seen[j + 1])
            s->unassigned[s->n_unassigned++].job = j;
    regio_free(seen);
    if (rc) {
        regio_vrp_solution_destroy(s);
        return rc;
    }
    retime(p, s);
    *out = s;
    return REGIO_OK;
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    double tl = 10.0, ref = 0.0;
    long nveh = 0, seed = 1, iters = 0;
    int minveh = 0, header = 0, via_json = 0;
    const char *write_json = NULL, *routes = NULL;
    double scale = 0.0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int bad = 0;
        if (!strcmp(a, "--time-limit") && i + 1 < argc)
            bad = parse_d(argv[++i], &tl);
        else if (!strcmp(a, "--vehicles") && i + 1 < argc)
            bad = parse_l(argv[++i], &nveh);
        else if (!strcmp(a, "--seed") && i + 1 < argc)
            bad = parse_l(argv[++i], &seed);
        else if (!strcmp(a, "--iterations") && i + 1 < argc)
            bad = parse_l(argv[++i], &iters);
        else if (!strcmp(a, "--ref") && i + 1 < argc)
            bad = parse_d(argv[++i], &ref);
        else if (!strcmp(a, "--min-vehicles"))
            minveh = 1;
        else if (!strcmp(a, "--header"))
            header = 1;
        else if (!strcmp(a, "--vroom-json"))
            via_json = 1;
        else if (!strcmp(a, "--write-json") && i + 1 < argc)
            write_json = argv[++i];
        else if (!strcmp(a, "--scale") && i + 1 < argc)
            bad = parse_d(argv[++i], &scale) || scale <= 0;
        else if (!strcmp(a, "--routes") && i + 1 < argc)
            routes = argv[++i];
        else if (a[0] != '-' && !path)
            path = a;
        else
            bad = 1;
        if (bad) {
            fprintf(stderr,
                    "usage: bench_vrptw FILE [--time-limit S] [--vehicles N] "
                    "[--seed K] [--iterations N] [--ref COST] "
                    "[--min-vehicles] [--header] [--vroom-json [--scale K] "
                    "[--write-json OUT]] [--routes FILE]\n");
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "bench_vrptw: an instance file is required\n");
        return 2;
    }
    regio_error err;
    regio_vrp_solomon *inst = NULL;
    regio_err rc = regio_vrp_solomon_read(path, (int)nveh, &inst, &err);
    if (rc) {
        char buf[1024];
        fprintf(stderr, "bench_vrptw: %s\n",
                regio_error_format(&err, buf, sizeof buf));
        return 1;
    }
    if (ref <= 0)
        ref = bks_for(path, inst->name);
    regio_vrp_params prm;
    regio_vrp_params_default(&prm);
    prm.seed = (uint64_t)seed;
    prm.time_limit_s = tl;
    prm.max_iterations = iters;
    prm.minimize_vehicles = minveh;
    regio_vrp_solution *sol = NULL;
    if (routes)
        rc = read_routes(inst, routes, &sol, &err);
    else if (via_json)
        rc = solve_json(inst, &prm, scale, write_json, &sol, &err);
    else
        rc = regio_vrp_solve(&inst->problem, &prm, &sol, &err);
    if (rc) {
        char buf[1024];
        fprintf(stderr, "bench_vrptw: solve: %s\n",
                regio_error_format(&err, buf, sizeof buf));
        regio_vrp_solomon_destroy(inst);
        return 1;
    }
    regio_vrp_check_report rep;
    rc = regio_vrp_check(&inst->problem, sol, &rep);
    int ok = rc == REGIO_OK && rep.feasible && sol->n_unassigned == 0;
    if (header)
        printf("instance routes distance reference gap_pct feasible "
               "unassigned iterations seconds\n");
    char gap[32] = "-";
    if (ref > 0)
        snprintf(gap, sizeof gap, "%.2f", 100.0 * (rep.cost - ref) / ref);
    printf("%s %d %.2f %.2f %s %s %d %ld %.1f\n", inst->name, rep.vehicles_used,
           rep.cost, ref, gap, ok ? "yes" : "no", sol->n_unassigned,
           sol->iterations, sol->seconds);
    if (!rep.feasible)
        fprintf(stderr, "bench_vrptw: checker: %s\n", rep.first);
    regio_vrp_solution_destroy(sol);
    regio_vrp_solomon_destroy(inst);
    return ok ? 0 : 3;
}
