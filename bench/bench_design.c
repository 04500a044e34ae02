/*
 * Benchmark of the territory design engine on shared/data/territory: the
 * US counties instance (design and the Texas drift realignment), the DL
 * commercial-districting instances (max diameter D against the published
 * best) and a synthetic grid-like point set for scale. The counties are
 * read through libregio's readers; the DL files have their own format
 * (read below). Prints one "key=value" result line per run.
 *
 *   bench_design counties [--k 50] [--balance accounts] [--tol 0.02]
 *                [--travel accounts] [--seed 1] [--time 60] [--starts N]
 *                [--realign-texas] [--max-moved 0.05] [--proposals N]
 *   bench_design dl FILE.in [--seed 1] [--time 60] [--starts N]
 *   bench_design synth [--n 33000] [--k 200] [--tol 0.02] [--seed 1]
 */
#include "regio/core.h"
#include "regio/design.h"
#include "regio/design_io.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)sz + 1);
    if (!buf || fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    buf[sz] = 0;
    if (len)
        *len = (size_t)sz;
    return buf;
}

typedef struct problem {
    size_t n, m;
    double *x, *y, *meas;
    char **names; /* measure names */
    const char **ids;
    int *xadj, *adj;
    regio_coords coords;
    int dl_p;
    double dl_tau[3];
} problem;

/* Loads the counties through the library's readers (CSV units + pair
 * list, island links added) exactly as `regio design` does. The loaded
 * problem stays alive for the whole run: P borrows its arrays. */
static regio_design_problem *counties_loaded;

static int load_counties(const char *dir, problem *P)
{
    char units[2048], adj[2048];
    snprintf(units, sizeof units, "%s/us_counties.csv", dir);
    snprintf(adj, sizeof adj, "%s/us_counties_adjacency.csv", dir);
    regio_design_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.units_path = units;
    spec.units_opts.adjacency_path = adj;
    spec.balance = "accounts";
    spec.k = 1;
    regio_error err;
    if (regio_design_problem_load(&spec, &counties_loaded, &err)) {
        fprintf(stderr, "counties: %s: %s\n", err.file, err.msg);
        return -1;
    }
    const regio_design_input *in = &counties_loaded->in;
    memset(P, 0, sizeof *P);
    P->n = in->n;
    P->m = in->m;
    P->coords = in->coords;
    P->x = (double *)in->x;
    P->y = (double *)in->y;
    P->meas = (double *)in->measures;
    P->names = (char **)in->measure_names;
    P->ids = (const char **)in->unit_ids;
    P->xadj = (int *)in->xadj;
    P->adj = (int *)in->adjncy;
    fprintf(stderr, "counties: %zu units, %zu island links\n", in->n,
            counties_loaded->loaded.islands.n_links);
    return 0;
}

static int load_dl(const char *path, problem *P)
{
    char *buf = slurp(path, NULL);
    if (!buf)
        return -1;
    memset(P, 0, sizeof *P);
    char *p = buf, *e;
    size_t n = strtoul(p, &e, 10);
    p = e;
    P->n = n;
    P->m = 3;
    P->coords = REGIO_COORDS_PLANAR;
    P->x = malloc(n * sizeof *P->x);
    P->y = malloc(n * sizeof *P->y);
    P->meas = malloc(n * 3 * sizeof *P->meas);
    static char *mn[3] = {"w1", "w2", "w3"};
    P->names = mn;
    for (size_t i = 0; i < n; i++) {
        long id = strtol(p, &e, 10);
        p = e;
        (void)id;
        P->x[i] = strtod(p, &e);
        p = e;
        P->y[i] = strtod(p, &e);
        p = e;
        for (int c = 0; c < 3; c++) {
            P->meas[i * 3 + c] = strtod(p, &e);
            p = e;
        }
    }
    size_t m = strtoul(p, &e, 10);
    p = e;
    int *ea = malloc(m * sizeof *ea), *eb = malloc(m * sizeof *eb);
    for (size_t j = 0; j < m; j++) {
        ea[j] = (int)strtol(p, &e, 10);
        p = e;
        eb[j] = (int)strtol(p, &e, 10);
        p = e;
    }
    P->dl_p = (int)strtol(p, &e, 10);
    p = e;
    strtod(p, &e); /* the "50" field */
    p = e;
    for (int c = 0; c < 3; c++) {
        P->dl_tau[c] = strtod(p, &e);
        p = e;
    }
    int *gx, *ga;
    if (regio_design_csr_from_edges(n, ea, eb, m, &gx, &ga) ||
        regio_design_island_links(n, P->coords, P->x, P->y, gx, ga, &P->xadj, &P->adj, NULL))
        return -1;
    regio_free(gx);
    regio_free(ga);
    free(ea);
    free(eb);
    free(buf);
    return 0;
}

/* Grid-like synthetic set over the contiguous-US box: a jittered grid with
 * ~8% of cells dropped (islands get links), 8-neighbour adjacency, and
 * skewed "accounts" drawn around a few dense metro centres. */
static void make_synth(size_t want, uint64_t seed, problem *P)
{
    memset(P, 0, sizeof *P);
    regio_rng r;
    regio_rng_seed(&r, seed);
    int cols = (int)ceil(sqrt((double)want * 2.4 / 1.0)), rows = (int)ceil((double)want / cols / 0.92) + 1;
    size_t cap = (size_t)rows * cols;
    int *cell = malloc(cap * sizeof *cell);
    P->x = malloc(cap * sizeof *P->x);
    P->y = malloc(cap * sizeof *P->y);
    P->meas = malloc(cap * 2 * sizeof *P->meas);
    static char *mn[2] = {"accounts", "pop"};
    P->names = mn;
    P->m = 2;
    P->coords = REGIO_COORDS_LATLON;
    double metro[40][2];
    for (int q = 0; q < 40; q++) {
        metro[q][0] = -124 + 57 * regio_rng_double(&r);
        metro[q][1] = 25 + 24 * regio_rng_double(&r);
    }
    size_t n = 0;
    for (int a = 0; a < rows; a++)
        for (int b = 0; b < cols; b++) {
            size_t c = (size_t)a * cols + b;
            cell[c] = -1;
            if (n >= want || regio_rng_double(&r) < 0.08)
                continue;
            double lon = -124 + 57.0 * (b + 0.2 + 0.6 * regio_rng_double(&r)) / cols;
            double lat = 25 + 24.0 * (a + 0.2 + 0.6 * regio_rng_double(&r)) / rows;
            double dens = 0.3;
            for (int q = 0; q < 40; q++) {
                double dx = lon - metro[q][0], dy = lat - metro[q][1];
                dens += 8.0 * exp(-(dx * dx + dy * dy) / 0.5);
            }
            double acc = floor(dens * 3 * regio_rng_double(&r) + (regio_rng_double(&r) < 0.7));
            P->x[n] = lon;
            P->y[n] = lat;
            P->meas[n * 2] = acc;
            P->meas[n * 2 + 1] = acc * (500 + 1000 * regio_rng_double(&r));
            cell[c] = (int)n++;
        }
    P->n = n;
    size_t ne = 0;
    int *ea = malloc(cap * 4 * sizeof *ea), *eb = malloc(cap * 4 * sizeof *eb);
    for (int a = 0; a < rows; a++)
        for (int b = 0; b < cols; b++) {
            int u = cell[(size_t)a * cols + b];
            if (u < 0)
                continue;
            int d[4][2] = {{0, 1}, {1, 0}, {1, 1}, {1, -1}};
            for (int q = 0; q < 4; q++) {
                int aa = a + d[q][0], bb = b + d[q][1];
                if (aa >= rows || bb < 0 || bb >= cols)
                    continue;
                int v = cell[(size_t)aa * cols + bb];
                if (v >= 0) {
                    ea[ne] = u;
                    eb[ne++] = v;
                }
            }
        }
    int *gx, *ga;
    size_t links = 0;
    regio_design_csr_from_edges(n, ea, eb, ne, &gx, &ga);
    regio_design_island_links(n, P->coords, P->x, P->y, gx, ga, &P->xadj, &P->adj, &links);
    double tot = 0, mx = 0;
    for (size_t i = 0; i < n; i++) {
        tot += P->meas[i * 2];
        if (P->meas[i * 2] > mx)
            mx = P->meas[i * 2];
    }
    fprintf(stderr, "synthetic: %zu units, %zu edges, %zu island links, accounts %.0f (max unit %.0f)\n",
            n, ne, links, tot, mx);
    regio_free(gx);
    regio_free(ga);
    free(ea);
    free(eb);
    free(cell);
}

static int find_measure(const problem *P, const char *name)
{
    for (size_t c = 0; c < P->m; c++)
        if (strcmp(P->names[c], name) == 0)
            return (int)c;
    return -1;
}

static void print_result(const char *what, const problem *P, const regio_design_params *p,
                         const regio_design_result *R, regio_err rc, double secs)
{
    printf("%s: rc=%s k=%d", what, regio_err_name(rc), p->k);
    for (size_t c = 0; c < (p->balance_cols ? p->n_balance : 1); c++) {
        int col = p->balance_cols ? p->balance_cols[c] : 0;
        printf(" balance_%s=%.4f", P->names[col], R->report.balance[col]);
    }
    printf(" noncontig=%d travel_km=%.2f maxD=%.4f seconds=%.2f starts=%d",
           R->report.n_noncontiguous, R->report.travel_km, R->report.max_diameter,
           secs, R->starts_done);
    if (R->report.has_baseline)
        printf(" moved_units=%zu moved_share=%.4f moved_weight_share=%.4f",
               R->report.moved_units, R->report.moved_units_share,
               R->report.moved_weight_share);
    /* Reasons (issue 14): how many units carry one, by kind. */
    size_t kinds[6] = {0};
    for (size_t q = 0; q < R->n_reasons; q++)
        kinds[R->reasons[q].kind]++;
    printf(" reasons=%zu lock=%zu group=%zu contiguity=%zu balance=%zu travel=%zu none=%zu",
           R->n_reasons, kinds[REGIO_REASON_LOCK], kinds[REGIO_REASON_GROUP],
           kinds[REGIO_REASON_CONTIGUITY], kinds[REGIO_REASON_BALANCE],
           kinds[REGIO_REASON_TRAVEL], kinds[REGIO_REASON_NONE]);
    printf("\n");
    for (size_t d = 0; d < R->n_diagnostics && d < 8; d++)
        printf("  diag: %s\n", R->diagnostics[d]);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_design counties|dl FILE|synth [options]\n");
        return 2;
    }
    const char *mode = argv[1];
    const char *file = NULL;
    int argi = 2;
    if (strcmp(mode, "dl") == 0) {
        if (argc < 3)
            return 2;
        file = argv[2];
        argi = 3;
    }
    int k = 50, starts = 0, realign_tx = 0, proposals = 0;
    double tol = 0.02, tlim = 60, max_moved = 0.05;
    uint64_t seed = 1;
    size_t synth_n = 33000;
    const char *bal = "accounts", *trav = NULL;
    for (int a = argi; a < argc; a++) {
        const char *o = argv[a], *v = a + 1 < argc ? argv[a + 1] : "";
        if (!strcmp(o, "--k"))
            k = (int)strtol(v, NULL, 10), a++;
        else if (!strcmp(o, "--balance"))
            bal = v, a++;
        else if (!strcmp(o, "--travel"))
            trav = v, a++;
        else if (!strcmp(o, "--tol"))
            tol = strtod(v, NULL), a++;
        else if (!strcmp(o, "--seed"))
            seed = strtoull(v, NULL, 10), a++;
        else if (!strcmp(o, "--time"))
            tlim = strtod(v, NULL), a++;
        else if (!strcmp(o, "--starts"))
            starts = (int)strtol(v, NULL, 10), a++;
        else if (!strcmp(o, "--n"))
            synth_n = strtoul(v, NULL, 10), a++;
        else if (!strcmp(o, "--max-moved"))
            max_moved = strtod(v, NULL), a++;
        else if (!strcmp(o, "--proposals"))
            proposals = (int)strtol(v, NULL, 10), a++;
        else if (!strcmp(o, "--realign-texas"))
            realign_tx = 1;
        else {
            fprintf(stderr, "unknown option %s\n", o);
            return 2;
        }
    }
    const char *shared = getenv("REGIO_SHARED_DATA");
    if (!shared)
        shared = "/work/shared/data";
    problem P;
    double tl0 = now_s();
    if (!strcmp(mode, "counties")) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/territory/us_counties", shared);
        if (load_counties(dir, &P)) {
            fprintf(stderr, "cannot read %s\n", dir);
            return 1;
        }
    } else if (!strcmp(mode, "dl")) {
        if (load_dl(file, &P)) {
            fprintf(stderr, "cannot read %s\n", file);
            return 1;
        }
        k = P.dl_p;
        tol = P.dl_tau[0];
    } else if (!strcmp(mode, "synth")) {
        if (k == 50)
            k = 200;
        make_synth(synth_n, seed, &P);
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    fprintf(stderr, "loaded in %.2f s\n", now_s() - tl0);

    regio_design_input in = {0};
    in.n = P.n;
    in.coords = P.coords;
    in.x = P.x;
    in.y = P.y;
    in.m = P.m;
    in.measures = P.meas;
    in.measure_names = (const char *const *)P.names;
    in.unit_ids = P.ids;
    in.xadj = P.xadj;
    in.adjncy = P.adj;

    regio_design_params p;
    regio_design_params_init(&p);
    p.k = k;
    p.tolerance = tol;
    p.seed = seed;
    p.time_limit_s = tlim;
    p.n_starts = starts;
    int bcols[3] = {0, 1, 2};
    if (!strcmp(mode, "dl")) {
        p.balance_cols = bcols;
        p.n_balance = 3;
        p.travel_col = REGIO_DESIGN_TRAVEL_UNIFORM;
        p.objective = REGIO_DESIGN_MIN_DIAMETER;
    } else {
        int bc = find_measure(&P, bal);
        if (bc < 0) {
            fprintf(stderr, "no measure %s\n", bal);
            return 2;
        }
        bcols[0] = bc;
        p.balance_cols = bcols;
        p.n_balance = 1;
        if (trav)
            p.travel_col = !strcmp(trav, "uniform") ? REGIO_DESIGN_TRAVEL_UNIFORM
                                                    : find_measure(&P, trav);
    }

    regio_design_result R;
    regio_error err;
    double t0 = now_s();
    regio_err rc = regio_design_run(&in, &p, &R, &err);
    double secs = now_s() - t0;
    if (rc != REGIO_OK && rc != REGIO_EINFEASIBLE) {
        fprintf(stderr, "design failed: %s: %s\n", regio_err_name(rc), err.msg);
        return 1;
    }
    print_result(mode, &P, &p, &R, rc, secs);
    if (!strcmp(mode, "dl")) {
        /* Published best D from the summary table next to the instance. */
        char tsv[1200], name[256];
        const char *base = strrchr(file, '/');
        base = base ? base + 1 : file;
        snprintf(name, sizeof name, "%s", base);
        char *dot = strstr(name, ".in");
        if (dot)
            *dot = 0;
        snprintf(tsv, sizeof tsv, "%.*s/commdis_published_results_summary.tsv",
                 (int)(base - file > 0 ? base - file - 1 : 1), base - file > 0 ? file : ".");
        char *txt = slurp(tsv, NULL);
        double pub = NAN;
        if (txt) {
            size_t ln = strlen(name);
            for (char *line = txt; line && *line;) {
                if (!strncmp(line, name, ln) && line[ln] == '\t') {
                    char *f = line;
                    for (int c = 0; c < 4 && f; c++) {
                        f = strchr(f, '\t');
                        if (f)
                            f++;
                    }
                    if (f)
                        pub = strtod(f, NULL);
                }
                line = strchr(line, '\n');
                if (line)
                    line++;
            }
            free(txt);
        }
        printf("dl: instance=%s D=%.4f published_best=%.4f gap=%.2f%% feasible=%d\n",
               name, R.report.max_diameter, pub,
               100 * (R.report.max_diameter - pub) / pub,
               rc == REGIO_OK);
    }
    if (realign_tx && !strcmp(mode, "counties")) {
        int acc = find_measure(&P, "accounts");
        for (size_t i = 0; i < P.n; i++)
            if (!strncmp(P.ids[i], "48", 2))
                P.meas[i * P.m + (size_t)acc] *= 1.3;
        regio_design_report before;
        p.baseline = R.labels;
        regio_design_evaluate(&in, &p, R.labels, &before, NULL);
        printf("drift: balance_before_realign=%.4f\n", before.balance[acc]);
        regio_design_report_free(&before);
        p.realign = 1;
        p.max_moved_units = max_moved;
        regio_design_result R2;
        t0 = now_s();
        rc = regio_design_run(&in, &p, &R2, &err);
        secs = now_s() - t0;
        if (rc != REGIO_OK && rc != REGIO_EINFEASIBLE) {
            fprintf(stderr, "realign failed: %s: %s\n", regio_err_name(rc), err.msg);
            return 1;
        }
        print_result("realign", &P, &p, &R2, rc, secs);
        if (proposals > 0) {
            /* The front of disruption vs balance (issue 14): its extreme
             * points against the single-answer run above (balances equal
             * within 1e-12, the library's own tie). */
            regio_design_proposals F;
            t0 = now_s();
            double c0 = (double)clock() / CLOCKS_PER_SEC;
            rc = regio_design_propose(&in, &p, proposals, &F, &err);
            secs = now_s() - t0;
            double cpu = (double)clock() / CLOCKS_PER_SEC - c0;
            if (rc) {
                fprintf(stderr, "proposals failed: %s: %s\n", regio_err_name(rc), err.msg);
                return 1;
            }
            for (size_t j = 0; j < F.n; j++) {
                char what[32];
                snprintf(what, sizeof what, "proposal%zu", j + 1);
                print_result(what, &P, &p, &F.items[j].result, F.items[j].status, 0);
            }
            const regio_design_report *b = &F.items[0].result.report;
            const regio_design_report *c = &F.items[F.n - 1].result.report;
            double sb = R2.report.balance[acc], sm = R2.report.moved_units_share;
            printf("front: proposals=%zu runs=%d seconds=%.2f cpu=%.2f best_balance=%.6f "
                   "at_moved=%.4f least_moved=%.4f at_balance=%.6f single_balance=%.6f "
                   "single_moved=%.4f balance_end_dominates=%d moved_end_dominates=%d\n",
                   F.n, F.runs, secs, cpu, b->balance[acc], b->moved_units_share,
                   c->moved_units_share, c->balance[acc], sb, sm,
                   b->balance[acc] <= sb + 1e-12 && b->moved_units_share <= sm + 1e-12,
                   c->balance[acc] <= sb + 1e-12 && c->moved_units_share <= sm + 1e-12);
            regio_design_proposals_free(&F);
        }
        regio_design_result_free(&R2);
    }
    regio_design_result_free(&R);
    return 0;
}
