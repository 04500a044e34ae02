/*
 * Over-subscribed week benchmark: one rep, five days (five vehicles, one
 * shift each), 120 candidate visits with time windows on one to three
 * days and VROOM priorities 0..100 — more visits than hours. The instance
 * is generated from a seed as VROOM 1.14 problem JSON (planar locations,
 * integer duration matrix, as VROOM requires) and solved through
 * regio_route_parse_vroom / regio_route_solve; the answer is checked with
 * regio_vrp_check.
 *
 * Beside VROOM's answer on the same JSON (bench/vrptw.sh runs VROOM when
 * VROOM is set), the run is compared with what can be computed here:
 * (1) upper bounds — a knapsack relaxation on the week's shift
 * time, each visit costing its service plus its cheapest way in, for the
 * number of visits and for the priority sum; (2) the same solver with three
 * other seeds at the same budget; (3) for the visits served, the same
 * visits alone as a must-serve problem with three times the budget (is the
 * travel for those visits as low as a longer search gets it?).
 * --write FILE saves the JSON to run VROOM on it (bench/vrptw.sh does when
 * VROOM is set). --keep FILE runs only the visits whose ids FILE lists
 * (those another solver served) and prints what Regio serves of them and
 * its travel: the same visits, routed by Regio.
 *
 * Usage: bench_week [--seed N] [--solver-seed N] [--time-limit S] [--iterations N]
 *        [--visits N] [--only-main] [--write FILE] [--keep FILE]
 * --seed generates the week and seeds the solver; --solver-seed seeds the
 * main (and --keep) run with another number on the same week, to see the
 * spread of the search from run to run.
 * With --iterations the runs are bounded by iterations instead of the clock
 * (the same answer on a loaded machine; the must-serve run gets 3x).
 * Prints one line per run: "label served priority travel_s feasible s".
 */
#include "regio/buf.h"
#include "regio/route_io.h"
#include "bench_vroom.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAYS 5
#define DAY_S 86400.0
#define SHIFT_START (8 * 3600.0)
#define SHIFT_END (17 * 3600.0)

typedef struct week {
    int n;              /* visits; location 0 is home, visit i at i + 1 */
    double *x, *y;      /* km */
    int *dur;           /* (n+1)^2 seconds */
    double *durf;       /* the same as doubles, for bench_vroom_matrix */
    int *service, *prio;
    int *n_tw;
    int (*tw)[3][2];
} week;

static void gen(week *w, int n, uint64_t seed)
{
    regio_rng r;
    regio_rng_seed(&r, seed);
    w->n = n;
    w->x = calloc((size_t)n + 1, sizeof *w->x);
    w->y = calloc((size_t)n + 1, sizeof *w->y);
    w->dur = calloc((size_t)(n + 1) * (size_t)(n + 1), sizeof *w->dur);
    w->durf = calloc((size_t)(n + 1) * (size_t)(n + 1), sizeof *w->durf);
    w->service = calloc((size_t)n, sizeof *w->service);
    w->prio = calloc((size_t)n, sizeof *w->prio);
    w->n_tw = calloc((size_t)n, sizeof *w->n_tw);
    w->tw = calloc((size_t)n, sizeof *w->tw);
    /* a territory of 160 x 120 km around the rep's home, accounts in a few
     * towns (clusters) and scattered between them */
    double cx[6], cy[6];
    for (int c = 0; c < 6; c++) {
        cx[c] = -80 + 160 * regio_rng_double(&r);
        cy[c] = -60 + 120 * regio_rng_double(&r);
    }
    for (int i = 1; i <= n; i++) {
        if (regio_rng_double(&r) < 0.6) {
            int c = (int)regio_rng_below(&r, 6);
            w->x[i] = cx[c] + 12 * (regio_rng_double(&r) - 0.5);
            w->y[i] = cy[c] + 12 * (regio_rng_double(&r) - 0.5);
        } else {
            w->x[i] = -80 + 160 * regio_rng_double(&r);
            w->y[i] = -60 + 120 * regio_rng_double(&r);
        }
    }
    /* 1.3 x straight line at 60 km/h, whole seconds */
    for (int a = 0; a <= n; a++)
        for (int b = 0; b <= n; b++)
            w->durf[a * (n + 1) + b] = w->dur[a * (n + 1) + b] =
                (int)lround(hypot(w->x[a] - w->x[b], w->y[a] - w->y[b]) * 1.3 * 60.0);
    for (int i = 0; i < n; i++) {
        w->service[i] = 1800 + 300 * (int)regio_rng_below(&r, 7); /* 30-60 min */
        w->prio[i] = (int)regio_rng_below(&r, 101);
        int k = 1 + (int)regio_rng_below(&r, 3), used = 0;
        int days[DAYS] = {0, 1, 2, 3, 4};
        for (int d = DAYS - 1; d > 0; d--) {
            int e = (int)regio_rng_below(&r, (uint64_t)d + 1), t = days[d];
            days[d] = days[e];
            days[e] = t;
        }
        /* windows in day order */
        for (int a = 0; a < k; a++)
            for (int b = a + 1; b < k; b++)
                if (days[b] < days[a]) {
                    int t = days[a];
                    days[a] = days[b];
                    days[b] = t;
                }
        for (int a = 0; a < k; a++) {
            int len = 2 * 3600 + 1800 * (int)regio_rng_below(&r, 7); /* 2-5 h */
            int open = (int)SHIFT_START +
                       1800 * (int)regio_rng_below(&r, (uint64_t)((SHIFT_END - SHIFT_START - len) / 1800) + 1);
            w->tw[i][used][0] = days[a] * (int)DAY_S + open;
            w->tw[i][used][1] = days[a] * (int)DAY_S + open + len;
            used++;
        }
        w->n_tw[i] = used;
    }
}

/* The week as VROOM problem JSON; only the visits with keep[i] (all when
 * keep is NULL). */
static char *to_json(const week *w, const unsigned char *keep)
{
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc = regio_buf_puts(&b, "{\"vehicles\": [");
    for (int d = 0; d < DAYS; d++)
        rc |= regio_buf_printf(&b, "%s\n {\"id\": %d, \"description\": \"day %d\", "
                               "\"start\": [0, 0], \"start_index\": 0, \"end\": [0, 0], "
                               "\"end_index\": 0, \"time_window\": [%.0f, %.0f]}",
                               d ? "," : "", d + 1, d + 1, d * DAY_S + SHIFT_START,
                               d * DAY_S + SHIFT_END);
    rc |= regio_buf_puts(&b, "],\n\"jobs\": [");
    int first = 1;
    for (int i = 0; i < w->n; i++) {
        if (keep && !keep[i])
            continue;
        rc |= regio_buf_printf(&b, "%s\n {\"id\": %d, \"location\": [%.3f, %.3f], "
                               "\"location_index\": %d, \"service\": %d, \"priority\": %d, "
                               "\"time_windows\": [",
                               first ? "" : ",", i + 1, w->x[i + 1], w->y[i + 1], i + 1,
                               w->service[i], w->prio[i]);
        first = 0;
        for (int k = 0; k < w->n_tw[i]; k++)
            rc |= regio_buf_printf(&b, "%s[%d, %d]", k ? ", " : "", w->tw[i][k][0],
                                   w->tw[i][k][1]);
        rc |= regio_buf_puts(&b, "]}");
    }
    rc |= bench_vroom_matrix(&b, w->durf, w->n + 1);
    if (rc) {
        regio_buf_free(&b);
        return NULL;
    }
    return regio_buf_steal(&b);
}

typedef struct result {
    int served, feasible;
    long prio;
    double travel, secs;
    unsigned char *served_set; /* per visit (by id - 1) */
} result;

static double cpu_s(void)
{
    return (double)clock() / CLOCKS_PER_SEC;
}

static long g_iters; /* --iterations: a fixed, load-independent budget */
static double g_tl;  /* the run's time limit (budgets scale from it) */
static int g_only_main; /* --only-main: skip the comparison runs */

static int run(const week *w, const unsigned char *keep, uint64_t seed, double tl,
               result *out)
{
    memset(out, 0, sizeof *out);
    char *json = to_json(w, keep);
    regio_error err;
    regio_error_clear(&err);
    regio_route_problem *p = NULL;
    if (!json || regio_route_parse_vroom(json, strlen(json), "week", NULL, &p, &err)) {
        fprintf(stderr, "bench_week: %s\n", err.msg);
        regio_free(json);
        return -1;
    }
    regio_free(json);
    regio_route_params par = {0};
    par.seed = seed;
    par.time_limit_s = g_iters ? 0 : tl;
    par.max_iterations = g_iters ? (long)(g_iters * (tl / g_tl)) : 0;
    regio_vrp_solution *s = NULL;
    double c0 = cpu_s();
    if (regio_route_solve(p, &par, &s, NULL, &err)) {
        fprintf(stderr, "bench_week: %s\n", err.msg);
        regio_route_problem_destroy(p);
        return -1;
    }
    out->secs = cpu_s() - c0;
    const regio_vrp_problem *vp = NULL;
    regio_route_problem_vrp(p, &vp, &err);
    regio_vrp_check_report rep;
    out->feasible = vp && regio_vrp_check(vp, s, &rep) == REGIO_OK && rep.feasible;
    out->served_set = calloc((size_t)w->n, 1);
    for (int r = 0; r < s->n_routes; r++)
        for (int k = 0; k < s->routes[r].n_steps; k++) {
            int j = s->routes[r].steps[k].job;
            int id = atoi(regio_route_job_id(p, j)); /* ids are ours: 1..n */
            out->served_set[id - 1] = 1;
            out->served++;
            out->prio += vp->jobs[j].priority;
        }
    out->travel = s->total_cost; /* cost = travel seconds (VROOM's default) */
    regio_vrp_solution_destroy(s);
    regio_route_problem_destroy(p);
    return 0;
}

typedef struct fp {
    double foot, prio;
} fp;

static int cmp_foot(const void *a, const void *b)
{
    double x = ((const fp *)a)->foot, y = ((const fp *)b)->foot;
    return x < y ? -1 : x > y;
}

static int cmp_ratio(const void *a, const void *b)
{
    const fp *x = a, *y = b;
    double rx = x->prio / x->foot, ry = y->prio / y->foot;
    return rx > ry ? -1 : rx < ry;
}

/* Knapsack relaxation: a served visit takes its service and at least its
 * cheapest way in (from home or another visit) out of the week's shift
 * time; the most visits (smallest footprints first) and the largest
 * priority sum (fractional, best priority per second first) that fit. */
static void upper_bounds(const week *w, int *ub_count, double *ub_prio)
{
    int m = w->n + 1;
    fp *f = calloc((size_t)w->n, sizeof *f);
    for (int i = 0; i < w->n; i++) {
        int in = w->dur[0 * m + i + 1];
        for (int a = 1; a <= w->n; a++)
            if (a != i + 1 && w->dur[a * m + i + 1] < in)
                in = w->dur[a * m + i + 1];
        f[i].foot = w->service[i] + in;
        f[i].prio = w->prio[i];
    }
    double cap = DAYS * (SHIFT_END - SHIFT_START), used = 0;
    qsort(f, (size_t)w->n, sizeof *f, cmp_foot);
    int k = 0;
    while (k < w->n && used + f[k].foot <= cap)
        used += f[k++].foot;
    *ub_count = k;
    qsort(f, (size_t)w->n, sizeof *f, cmp_ratio);
    double pr = 0;
    used = 0;
    for (int i = 0; i < w->n; i++) {
        if (used + f[i].foot <= cap) {
            used += f[i].foot;
            pr += f[i].prio;
        } else {
            pr += f[i].prio * (cap - used) / f[i].foot;
            break;
        }
    }
    *ub_prio = pr;
    free(f);
}

/* Regio on the visits whose ids (1..n, separated by blanks) FILE lists. */
static int run_kept(const week *w, const char *path, uint64_t seed, double tl)
{
    FILE *f = fopen(path, "r");
    unsigned char *keep = calloc((size_t)w->n, 1);
    if (!f || !keep) {
        fprintf(stderr, "bench_week: cannot read %s\n", path);
        if (f)
            fclose(f);
        free(keep);
        return 1;
    }
    int n = 0, id;
    while (fscanf(f, "%d", &id) == 1)
        if (id >= 1 && id <= w->n && !keep[id - 1]) {
            keep[id - 1] = 1;
            n++;
        }
    fclose(f);
    result r;
    int rc = run(w, keep, seed, tl, &r);
    free(keep);
    if (rc)
        return 1;
    printf("regio on the %d visits of %s, %.0f s: served %d priority %ld travel_s %.0f "
           "feasible %s cpu_s %.1f\n",
           n, path, tl, r.served, r.prio, r.travel, r.feasible ? "yes" : "no", r.secs);
    free(r.served_set);
    return r.feasible ? 0 : 3;
}

int main(int argc, char **argv)
{
    long seed = 1, n = 120, solver_seed = -1;
    double tl = 10;
    const char *write = NULL, *keep_path = NULL;
    for (int i = 1; i < argc; i++) {
        char *e = NULL;
        errno = 0;
        if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtol(argv[++i], &e, 10);
        else if (!strcmp(argv[i], "--solver-seed") && i + 1 < argc)
            solver_seed = strtol(argv[++i], &e, 10);
        else if (!strcmp(argv[i], "--visits") && i + 1 < argc)
            n = strtol(argv[++i], &e, 10);
        else if (!strcmp(argv[i], "--time-limit") && i + 1 < argc)
            tl = strtod(argv[++i], &e);
        else if (!strcmp(argv[i], "--iterations") && i + 1 < argc)
            g_iters = strtol(argv[++i], &e, 10);
        else if (!strcmp(argv[i], "--only-main"))
            g_only_main = 1;
        else if (!strcmp(argv[i], "--write") && i + 1 < argc)
            write = argv[++i];
        else if (!strcmp(argv[i], "--keep") && i + 1 < argc)
            keep_path = argv[++i];
        else {
            fprintf(stderr, "usage: bench_week [--seed N] [--solver-seed N] [--time-limit S] "
                            "[--iterations N] [--visits N] [--only-main] [--write FILE] "
                            "[--keep FILE]\n");
            return 2;
        }
        if (e && (*e || errno)) {
            fprintf(stderr, "bench_week: bad number '%s'\n", argv[i]);
            return 2;
        }
    }
    if (n < 1 || n > 2000 || tl <= 0) {
        fprintf(stderr, "bench_week: --visits 1..2000, --time-limit > 0\n");
        return 2;
    }
    g_tl = tl;
    uint64_t main_seed = (uint64_t)(solver_seed >= 0 ? solver_seed : seed);
    week w;
    gen(&w, (int)n, (uint64_t)seed);
    if (write) {
        char *json = to_json(&w, NULL);
        FILE *f = fopen(write, "wb");
        if (!f || !json) {
            fprintf(stderr, "bench_week: cannot write %s\n", write);
            return 1;
        }
        fputs(json, f);
        fclose(f);
        regio_free(json);
    }
    if (keep_path)
        return run_kept(&w, keep_path, main_seed, tl);
    int ubc;
    double ubp;
    upper_bounds(&w, &ubc, &ubp);
    result main_r, other[3], same;
    if (run(&w, NULL, main_seed, tl, &main_r))
        return 1;
    printf("regio seed %ld %.0f s: served %d priority %ld travel_s %.0f feasible %s cpu_s %.1f\n",
           (long)main_seed, tl, main_r.served, main_r.prio, main_r.travel,
           main_r.feasible ? "yes" : "no", main_r.secs);
    printf("upper bound (knapsack on shift time): served <= %d, priority <= %.0f\n", ubc, ubp);
    if (g_only_main)
        return main_r.feasible ? 0 : 3;
    int best_other = 0;
    long best_prio = 0;
    for (int k = 0; k < 3; k++) {
        if (run(&w, NULL, (uint64_t)seed + 101 + (uint64_t)k, tl, &other[k]))
            return 1;
        printf("regio seed %ld %.0f s: served %d priority %ld travel_s %.0f feasible %s cpu_s %.1f\n",
               seed + 101 + k, tl, other[k].served, other[k].prio, other[k].travel,
               other[k].feasible ? "yes" : "no", other[k].secs);
        if (other[k].prio > best_prio ||
            (other[k].prio == best_prio && other[k].served > best_other)) {
            best_prio = other[k].prio;
            best_other = other[k].served;
        }
        free(other[k].served_set);
    }
    if (run(&w, main_r.served_set, (uint64_t)seed + 7, 3 * tl, &same))
        return 1;
    printf("same %d visits, must serve, %.0f s: served %d travel_s %.0f feasible %s cpu_s %.1f\n",
           main_r.served, 3 * tl, same.served, same.travel, same.feasible ? "yes" : "no",
           same.secs);
    printf("summary: served %d of <= %d (%.1f%% of the bound), priority %ld of <= %.0f; "
           "best other seed priority %ld served %d; travel %.0f s vs %.0f s for the same "
           "visits with 3x the time (%+.2f%%)\n",
           main_r.served, ubc, 100.0 * main_r.served / ubc, main_r.prio, ubp, best_prio,
           best_other, main_r.travel, same.travel,
           same.served == main_r.served ? 100.0 * (main_r.travel - same.travel) / same.travel
                                        : NAN);
    free(main_r.served_set);
    free(same.served_set);
    return main_r.feasible ? 0 : 3;
}
