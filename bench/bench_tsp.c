/*
 * TSP benchmark: reads one TSPLIB instance, solves it with regio_tsp_solve
 * under a time limit and prints instance, n, cost, best known, gap and
 * seconds (METRICS.md: gap = (cost - ref) / ref, EUC_2D legs rounded).
 *
 *   bench_tsp FILE.tsp [--time-limit S] [--seed N] [--max-iterations N]
 *             [--neighbours K] [--bks VALUE | --bks-json BKS.json] [--row]
 *
 * Without --bks/--bks-json it looks for BKS.json beside the instance. With
 * --row it prints one markdown table row instead of key=value pairs.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "regio/dist.h"
#include "regio/tsp.h"

static int usage(void)
{
    fprintf(stderr,
            "usage: bench_tsp FILE.tsp [--time-limit S] [--seed N] "
            "[--max-iterations N] [--neighbours K] [--bks VALUE | "
            "--bks-json PATH] [--row]\n");
    return 2;
}

static int parse_double(const char *s, double *v)
{
    char *e;
    errno = 0;
    *v = strtod(s, &e);
    return e != s && *e == '\0' && errno == 0;
}

static int parse_u64(const char *s, unsigned long long *v)
{
    char *e;
    errno = 0;
    *v = strtoull(s, &e, 10);
    return e != s && *e == '\0' && errno == 0 && s[0] != '-';
}

/* Best known cost of `name` from a BKS.json ({"name": {"best_known_cost":
 * N, ...}}); 0 when absent. */
static double bks_from_json(const char *path, const char *name)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root)
        return 0;
    double v = 0;
    json_t *inst = json_object_get(root, name);
    json_t *b = inst ? json_object_get(inst, "best_known_cost") : NULL;
    if (b && json_is_number(b))
        v = json_number_value(b);
    json_decref(root);
    return v;
}

int main(int argc, char **argv)
{
    const char *file = NULL, *bks_json = NULL;
    double limit = 10, bks = 0;
    unsigned long long seed = 1, maxit = 0, nbk = 0;
    int row = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--time-limit") && i + 1 < argc) {
            if (!parse_double(argv[++i], &limit) || limit < 0)
                return usage();
        } else if (!strcmp(a, "--seed") && i + 1 < argc) {
            if (!parse_u64(argv[++i], &seed))
                return usage();
        } else if (!strcmp(a, "--max-iterations") && i + 1 < argc) {
            if (!parse_u64(argv[++i], &maxit))
                return usage();
        } else if (!strcmp(a, "--neighbours") && i + 1 < argc) {
            if (!parse_u64(argv[++i], &nbk) || nbk > 16)
                return usage();
        } else if (!strcmp(a, "--bks") && i + 1 < argc) {
            if (!parse_double(argv[++i], &bks))
                return usage();
        } else if (!strcmp(a, "--bks-json") && i + 1 < argc) {
            bks_json = argv[++i];
        } else if (!strcmp(a, "--row")) {
            row = 1;
        } else if (a[0] != '-' && !file) {
            file = a;
        } else {
            return usage();
        }
    }
    if (!file)
        return usage();

    regio_error err;
    regio_tsplib inst;
    if (regio_tsplib_read(file, &inst, &err)) {
        char buf[1024];
        fprintf(stderr, "bench_tsp: %s\n",
                regio_error_format(&err, buf, sizeof buf));
        return 1;
    }
    if (bks == 0) {
        char path[1024];
        if (!bks_json) {
            const char *slash = strrchr(file, '/');
            int dl = slash ? (int)(slash - file) : 1;
            snprintf(path, sizeof path, "%.*s/BKS.json", dl,
                     slash ? file : ".");
            bks_json = path;
        }
        bks = bks_from_json(bks_json, inst.name);
    }

    regio_dist_opts o = {.metric = REGIO_METRIC_EUCLIDEAN,
                         .round_nearest = inst.round_nearest};
    regio_dist *d = NULL;
    if (regio_dist_create_coords(inst.n, inst.x, inst.y, &o, &d, &err)) {
        fprintf(stderr, "bench_tsp: %s\n", err.msg);
        regio_tsplib_clear(&inst);
        return 1;
    }
    uint32_t *tour = malloc(inst.n * sizeof *tour);
    if (!tour)
        return 1;
    regio_tsp_params p = {.seed = seed,
                          .time_limit_s = limit,
                          .max_iterations = maxit,
                          .neighbours = (int)nbk};
    regio_tsp_stats st;
    double cost = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    regio_err rc = regio_tsp_solve_ex(d, &p, tour, &cost, &st, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) +
                  (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    if (rc) {
        fprintf(stderr, "bench_tsp: %s\n", err.msg);
        return 1;
    }
    /* Independent check: a permutation starting at 0, cost recomputed. */
    unsigned char *seen = calloc(inst.n, 1);
    int valid = seen && tour[0] == 0;
    for (size_t i = 0; valid && i < inst.n; i++) {
        if (tour[i] >= inst.n || seen[tour[i]])
            valid = 0;
        else
            seen[tour[i]] = 1;
    }
    free(seen);
    double check = 0;
    for (size_t i = 0; i < inst.n; i++)
        check += regio_dist_cost(d, tour[i], tour[(i + 1) % inst.n]);
    if (!valid || check != cost) {
        fprintf(stderr, "bench_tsp: invalid tour or cost mismatch\n");
        return 1;
    }
    double gap = bks > 0 ? 100.0 * (cost - bks) / bks : 0;
    if (row) {
        printf("| %s | %zu | %.0f | %.0f | %.2f%% | %.1f | %llu |\n",
               inst.name, inst.n, cost, bks, gap, secs,
               (unsigned long long)st.iterations);
    } else {
        printf("instance=%s n=%zu cost=%.0f bks=%.0f gap=%.3f%% seconds=%.2f "
               "initial=%.0f local_opt=%.0f iterations=%llu improvements=%llu\n",
               inst.name, inst.n, cost, bks, gap, secs, st.initial_cost,
               st.local_opt_cost, (unsigned long long)st.iterations,
               (unsigned long long)st.improvements);
    }
    free(tour);
    regio_dist_destroy(d);
    regio_tsplib_clear(&inst);
    return 0;
}
