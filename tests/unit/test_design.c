/*
 * Unit tests for the territory design engine: the METRICS.md evaluator on
 * a hand-computed example, the optimiser on small grids (balance,
 * contiguity, locks, groups, determinism, diagnostics, realign), failing
 * allocations, and the US counties benchmark when REGIO_SHARED_DATA is set.
 */
#include "regio/core.h"
#include "regio/design.h"
#include "regio_test.h"

#include <stdint.h>

/* ---- helpers ------------------------------------------------------------ */

typedef struct grid {
    int n;
    double *x, *y, *meas; /* meas: n*2 (accounts, ones) */
    int *xadj, *adj;
    char **ids;
} grid;

/* rows x cols planar grid, 4-neighbour adjacency, measure 0 from a seeded
 * RNG in 1..5 (or all 1 when flat), measure 1 all ones. */
static void grid_make(grid *g, int rows, int cols, int flat, uint64_t seed)
{
    int n = rows * cols;
    g->n = n;
    g->x = malloc(n * sizeof *g->x);
    g->y = malloc(n * sizeof *g->y);
    g->meas = malloc(2 * n * sizeof *g->meas);
    g->ids = malloc(n * sizeof *g->ids);
    regio_rng r;
    regio_rng_seed(&r, seed);
    int *ea = malloc(2 * n * sizeof *ea), *eb = malloc(2 * n * sizeof *eb), ne = 0;
    for (int a = 0; a < rows; a++)
        for (int b = 0; b < cols; b++) {
            int i = a * cols + b;
            g->x[i] = b;
            g->y[i] = a;
            g->meas[2 * i] = flat ? 1.0 : (double)(1 + regio_rng_below(&r, 5));
            g->meas[2 * i + 1] = 1.0;
            g->ids[i] = malloc(16);
            snprintf(g->ids[i], 16, "U%d", i);
            if (b + 1 < cols) {
                ea[ne] = i;
                eb[ne++] = i + 1;
            }
            if (a + 1 < rows) {
                ea[ne] = i;
                eb[ne++] = i + cols;
            }
        }
    regio_design_csr_from_edges((size_t)n, ea, eb, (size_t)ne, &g->xadj, &g->adj);
    free(ea);
    free(eb);
}

static void grid_free(grid *g)
{
    for (int i = 0; i < g->n; i++)
        free(g->ids[i]);
    free(g->ids);
    free(g->x);
    free(g->y);
    free(g->meas);
    regio_free(g->xadj);
    regio_free(g->adj);
}

static regio_design_input grid_input(const grid *g)
{
    static const char *names[2] = {"accounts", "ones"};
    regio_design_input in = {0};
    in.n = (size_t)g->n;
    in.coords = REGIO_COORDS_PLANAR;
    in.x = g->x;
    in.y = g->y;
    in.m = 2;
    in.measures = g->meas;
    in.measure_names = names;
    in.unit_ids = (const char *const *)g->ids;
    in.xadj = g->xadj;
    in.adjncy = g->adj;
    return in;
}

/* ---- evaluate ----------------------------------------------------------- */

/* Six units on a line, two components joined by an island link:
 * 0-1-2   3-4-5 (link 2-3). Territory 0 = {0,1,5}, 1 = {2,3,4}. */
static void test_evaluate_hand_computed(void)
{
    double x[6] = {0, 1, 2, 3, 4, 5}, y[6] = {0};
    double meas[12] = {1, 1, 2, 1, 1, 1, 3, 1, 1, 1, 1, 1};
    int ea[4] = {0, 1, 3, 4}, eb[4] = {1, 2, 4, 5};
    int *gx, *ga, *xadj, *adj;
    size_t links = 0;
    ASSERT_OK(regio_design_csr_from_edges(6, ea, eb, 4, &gx, &ga));
    ASSERT_OK(regio_design_island_links(6, REGIO_COORDS_PLANAR, x, y, gx, ga,
                                        &xadj, &adj, &links));
    ASSERT_EQ_INT(links, 1);
    int has23 = 0;
    for (int e = xadj[2]; e < xadj[3]; e++)
        has23 |= adj[e] == 3;
    ASSERT_TRUE(has23);

    regio_design_input in = {0};
    in.n = 6;
    in.coords = REGIO_COORDS_PLANAR;
    in.x = x;
    in.y = y;
    in.m = 2;
    in.measures = meas;
    in.xadj = xadj;
    in.adjncy = adj;
    regio_design_params p;
    regio_design_params_init(&p);
    p.k = 2;
    int base[6] = {0, 0, 0, 1, 1, 1};
    p.baseline = base;
    int labels[6] = {0, 0, 1, 1, 1, 0};
    regio_design_report r;
    ASSERT_OK(regio_design_evaluate(&in, &p, labels, &r, NULL));
    ASSERT_NEAR(r.territories[0].totals[0], 4, 1e-12);
    ASSERT_NEAR(r.territories[1].totals[0], 5, 1e-12);
    ASSERT_NEAR(r.territories[0].dev[0], -1.0 / 9, 1e-12);
    ASSERT_NEAR(r.balance[0], 1.0 / 9, 1e-12);
    ASSERT_NEAR(r.balance[1], 0.0, 1e-12);
    /* Weighted medoids: unit 1 (cost 1*1 + 1*4 = 5) and unit 3 (cost 2). */
    ASSERT_EQ_INT(r.territories[0].centre, 1);
    ASSERT_EQ_INT(r.territories[1].centre, 3);
    ASSERT_NEAR(r.travel_km, 7.0 / 9, 1e-12);
    ASSERT_NEAR(r.territories[0].travel_km, 5.0 / 9, 1e-12);
    /* Territory 1 is connected only through the island link. */
    ASSERT_EQ_INT(r.territories[1].contiguous, 1);
    ASSERT_EQ_INT(r.territories[0].contiguous, 0);
    ASSERT_EQ_INT(r.territories[0].n_components, 2);
    ASSERT_EQ_INT(r.n_noncontiguous, 1);
    /* Fairness on totals 4 and 5. */
    ASSERT_NEAR(r.cv[0], 0.5 / 4.5, 1e-12);
    ASSERT_NEAR(r.gini[0], 2.0 / (2 * 4 * 4.5), 1e-12);
    ASSERT_NEAR(r.within5[0], 0.0, 1e-12);
    ASSERT_NEAR(r.within15[0], 1.0, 1e-12);
    /* Diameters 5 and 2. */
    ASSERT_NEAR(r.max_diameter, 5.0, 1e-12);
    ASSERT_NEAR(r.territories[1].diameter, 2.0, 1e-12);
    /* Disruption: units 2 and 5 changed; weight (1 + 1) / 9. */
    ASSERT_EQ_INT(r.has_baseline, 1);
    ASSERT_EQ_INT(r.moved_units, 2);
    ASSERT_NEAR(r.moved_units_share, 2.0 / 6, 1e-12);
    ASSERT_NEAR(r.moved_weight_share, 2.0 / 9, 1e-12);
    regio_design_report_free(&r);

    /* Homes replace medoids; a label out of range is rejected. */
    double hx[2] = {0, 3}, hy[2] = {0, 0};
    p.home_x = hx;
    p.home_y = hy;
    ASSERT_OK(regio_design_evaluate(&in, &p, labels, &r, NULL));
    ASSERT_NEAR(r.travel_km, (2.0 * 1 + 1 * 5 + 1 * 1 + 1 * 1) / 9, 1e-12);
    ASSERT_EQ_INT(r.territories[0].centre, -1);
    regio_design_report_free(&r);
    labels[0] = 2;
    regio_error err;
    ASSERT_EQ_INT(regio_design_evaluate(&in, &p, labels, &r, &err), REGIO_EINVAL);
    regio_free(gx);
    regio_free(ga);
    regio_free(xadj);
    regio_free(adj);
}

static void test_haversine(void)
{
    /* One degree of latitude on the METRICS.md sphere. */
    double d = regio_design_distance(REGIO_COORDS_LATLON, 0, 0, 0, 1);
    ASSERT_NEAR(d, REGIO_EARTH_RADIUS_KM * 3.14159265358979323846 / 180, 1e-9);
    ASSERT_NEAR(regio_design_distance(REGIO_COORDS_PLANAR, 0, 0, 3, 4), 5, 1e-12);
}

/* ---- optimiser ---------------------------------------------------------- */

static void test_grid_balanced_contiguous(void)
{
    grid g;
    grid_make(&g, 14, 14, 0, 7);
    regio_design_input in = grid_input(&g);
    regio_design_params p;
    regio_design_params_init(&p);
    p.k = 6;
    p.tolerance = 0.05;
    p.seed = 3;
    regio_design_result r;
    ASSERT_OK(regio_design_run(&in, &p, &r, NULL));
    ASSERT_TRUE(r.report.balance[0] <= 0.05 + 1e-12);
    ASSERT_EQ_INT(r.report.n_noncontiguous, 0);
    ASSERT_EQ_INT(r.report.n_empty, 0);
    regio_design_result_free(&r);

    /* Two measures balanced separately. */
    int cols[2] = {0, 1};
    p.balance_cols = cols;
    p.n_balance = 2;
    p.k = 4;
    ASSERT_OK(regio_design_run(&in, &p, &r, NULL));
    ASSERT_TRUE(r.report.balance[0] <= 0.05 + 1e-12);
    ASSERT_TRUE(r.report.balance[1] <= 0.05 + 1e-12);
    ASSERT_EQ_INT(r.report.n_noncontiguous, 0);
    regio_design_result_free(&r);
    grid_free(&g);
}

/* Three measures on a grid, each held within a tolerance of its own; then
 * a unit far too heavy on one of them, which must be named as the one
 * that blocks (in the error and the diagnostics) while the others hold. */
static void test_multi_measure_tolerances(void)
{
    grid g;
    grid_make(&g, 16, 16, 0, 11);
    static const char *names[3] = {"accounts", "revenue", "ones"};
    double *m3 = malloc(3 * (size_t)g.n * sizeof *m3);
    regio_rng r3;
    regio_rng_seed(&r3, 99);
    for (int i = 0; i < g.n; i++) {
        m3[3 * i] = g.meas[2 * i];                              /* 1..5 */
        m3[3 * i + 1] = (double)(1 + regio_rng_below(&r3, 9)); /* independent 1..9 */
        m3[3 * i + 2] = 1.0;
    }
    regio_design_input in = grid_input(&g);
    in.m = 3;
    in.measures = m3;
    in.measure_names = names;
    regio_design_params p;
    regio_design_params_init(&p);
    int cols[3] = {0, 1, 2};
    double tols[3] = {0.02, 0.05, 0.03};
    p.k = 4;
    p.balance_cols = cols;
    p.n_balance = 3;
    p.tolerance = 0.10;
    p.tolerances = tols;
    p.seed = 5;
    ASSERT_NEAR(regio_design_tolerance_of(&p, 0), 0.02, 1e-15);
    ASSERT_NEAR(regio_design_tolerance_of(&p, 1), 0.05, 1e-15);
    regio_design_result r;
    regio_error err;
    ASSERT_OK(regio_design_run(&in, &p, &r, &err));
    for (int c = 0; c < 3; c++) {
        if (r.report.balance[c] > tols[c] + 1e-12)
            fprintf(stderr, "  %s: %.4f above %.4f\n", names[c], r.report.balance[c], tols[c]);
        ASSERT_TRUE(r.report.balance[c] <= tols[c] + 1e-12);
    }
    ASSERT_EQ_INT(r.report.n_noncontiguous, 0);
    regio_design_result_free(&r);

    /* A tolerance left at 0 falls back to p.tolerance. */
    tols[2] = 0;
    ASSERT_NEAR(regio_design_tolerance_of(&p, 2), 0.10, 1e-15);
    tols[2] = 0.03;

    /* Unit 0 holds 3x a territory's revenue: revenue cannot hold, and the
     * design says so, and still holds the other two within their own
     * tolerances (not trading them for a little less revenue excess). */
    double rtot = 0;
    for (int i = 0; i < g.n; i++)
        rtot += m3[3 * i + 1];
    m3[1] = 3.0 * rtot / 4.0;
    regio_error_clear(&err);
    ASSERT_EQ_INT(regio_design_run(&in, &p, &r, &err), REGIO_EINFEASIBLE);
    ASSERT_TRUE(strstr(err.msg, "revenue blocks") != NULL);
    int named = 0;
    for (size_t d = 0; d < r.n_diagnostics; d++)
        named += strstr(r.diagnostics[d], "revenue blocks") != NULL;
    ASSERT_EQ_INT(named, 1);
    ASSERT_TRUE(r.report.balance[1] > 0.05);
    ASSERT_TRUE(r.report.balance[0] <= 0.02 + 1e-12);
    ASSERT_TRUE(r.report.balance[2] <= 0.03 + 1e-12);
    ASSERT_EQ_INT(r.report.n_noncontiguous, 0);
    regio_design_result_free(&r);
    free(m3);
    grid_free(&g);

    /* Fewer units than balanced measures: two units, three measures, the
     * second unit revenue-heavy; every measure misses and is explained. */
    grid_make(&g, 1, 2, 1, 1);
    double tiny[6] = {1, 1, 1, 1, 5, 1};
    in = grid_input(&g);
    in.m = 3;
    in.measures = tiny;
    in.measure_names = names;
    tols[0] = 0.02;
    tols[1] = 0.05;
    tols[2] = 0.03;
    p.k = 2;
    regio_error_clear(&err);
    ASSERT_EQ_INT(regio_design_run(&in, &p, &r, &err), REGIO_EINFEASIBLE);
    ASSERT_TRUE(strstr(err.msg, "revenue blocks") != NULL);
    ASSERT_EQ_INT(r.report.n_noncontiguous, 0);
    regio_design_result_free(&r);
    grid_free(&g);
}

static void test_locked_units_stay(void)
{
    grid g;
    grid_make(&g, 12, 12, 1, 1);
    regio_design_input in = grid_input(&g);
    int *lock = malloc(g.n * sizeof *lock);
    for (int i = 0; i < g.n; i++)
        lock[i] = -1;
    lock[0] = 3;          /* corner (0,0) */
    lock[1] = 3;
    lock[143] = 0;        /* opposite corner */
    lock[11] = 2;
    regio_design_params p;
    regio_design_params_init(&p);
    p.k = 4;
    p.locked = lock;
    regio_design_result r;
    ASSERT_OK(regio_design_run(&in, &p, &r, NULL));
    ASSERT_EQ_INT(r.labels[0], 3);
    ASSERT_EQ_INT(r.labels[1], 3);
    ASSERT_EQ_INT(r.labels[143], 0);
    ASSERT_EQ_INT(r.labels[11], 2);
    ASSERT_EQ_INT(r.report.n_noncontiguous, 0);
    ASSERT_TRUE(r.report.balance[0] <= 0.05 + 1e-12);
    regio_design_result_free(&r);
    free(lock);
    grid_free(&g);
}

static void test_groups_stay_whole(void)
{
    grid g;
    grid_make(&g, 12, 12, 0, 5);
    regio_design_input in = grid_input(&g);
    /* Every 2x2 block in the left half is one group. */
    int *grp = malloc(g.n * sizeof *grp);
    for (int a = 0; a < 12; a++)
        for (int b = 0; b < 12; b++)
            grp[a * 12 + b] = b < 6 ? (a / 2) * 10 + b / 2 : -1;
    regio_design_params p;
    regio_design_params_init(&p);
    p.k = 5;
    p.tolerance = 0.08;
    p.groups = grp;
    regio_design_result r;
    regio_err rc = regio_design_run(&in, &p, &r, NULL);
    ASSERT_TRUE(rc == REGIO_OK || rc == REGIO_EINFEASIBLE);
    for (int i = 0; i < g.n; i++)
        for (int j = i + 1; j < g.n; j++)
            if (grp[i] >= 0 && grp[i] == grp[j] && r.labels[i] != r.labels[j])
                FAIL_AT_("group %d split: units %d and %d", grp[i], i, j);
    ASSERT_EQ_INT(r.report.n_noncontiguous, 0);
    regio_design_result_free(&r);
    free(grp);
    grid_free(&g);
}

static void test_same_seed_same_labels(void)
{
    grid g;
    grid_make(&g, 15, 15, 0, 11);
    regio_design_input in = grid_input(&g);
    regio_design_params p;
    regio_design_params_init(&p);
    p.k = 7;
    p.seed = 42;
    p.tolerance = 0.03;
    regio_design_result a, b;
    regio_err ra = regio_design_run(&in, &p, &a, NULL);
    regio_err rb = regio_design_run(&in, &p, &b, NULL);
    ASSERT_EQ_INT(ra, rb);
    int same = 1;
    for (int i = 0; i < g.n; i++)
        same &= a.labels[i] == b.labels[i];
    ASSERT_TRUE(same);
    ASSERT_NEAR(a.report.travel_km, b.report.travel_km, 0);
    regio_design_result_free(&a);
    regio_design_result_free(&b);
    grid_free(&g);
}

static void test_heavy_unit_diagnosed(void)
{
    grid g;
    grid_make(&g, 9, 9, 1, 1);
    g.meas[2 * 40] = 100; /* 80 + 100 = 180 total; k = 4 target 45 */
    regio_design_input in = grid_input(&g);
    regio_design_params p;
    regio_design_params_init(&p);
    p.k = 4;
    regio_design_result r;
    regio_error err;
    ASSERT_EQ_INT(regio_design_run(&in, &p, &r, &err), REGIO_EINFEASIBLE);
    ASSERT_TRUE(r.labels != NULL); /* best effort still returned */
    int found = 0;
    for (size_t d = 0; d < r.n_diagnostics; d++)
        if (strstr(r.diagnostics[d], "unit U40 alone is 2.2") &&
            strstr(r.diagnostics[d], "accounts"))
            found = 1;
    if (!found)
        for (size_t d = 0; d < r.n_diagnostics; d++)
            fprintf(stderr, "  diag: %s\n", r.diagnostics[d]);
    ASSERT_TRUE(found);
    ASSERT_EQ_INT(r.report.n_noncontiguous, 0);
    regio_design_result_free(&r);
    grid_free(&g);
}

static void test_realign_budget(void)
{
    grid g;
    grid_make(&g, 16, 16, 0, 9);
    regio_design_input in = grid_input(&g);
    regio_design_params p;
    regio_design_params_init(&p);
    p.k = 6;
    p.tolerance = 0.05;
    regio_design_result d;
    ASSERT_OK(regio_design_run(&in, &p, &d, NULL));
    /* Drift: the bottom-left quarter grows by 40 %. */
    for (int a = 0; a < 8; a++)
        for (int b = 0; b < 8; b++)
            g.meas[2 * (a * 16 + b)] *= 1.4;
    p.baseline = d.labels;
    p.realign = 1;
    p.max_moved_units = 0.15;
    regio_design_result r;
    regio_err rc = regio_design_run(&in, &p, &r, NULL);
    ASSERT_EQ_INT(rc, REGIO_OK);
    ASSERT_TRUE(r.report.balance[0] <= 0.05 + 1e-12);
    ASSERT_EQ_INT(r.report.n_noncontiguous, 0);
    ASSERT_TRUE(r.report.moved_units_share <= 0.15 + 1e-12);
    ASSERT_EQ_INT(r.n_moved, r.report.moved_units);
    for (size_t q = 0; q < r.n_moved; q++)
        ASSERT_TRUE(r.labels[r.moved[q]] != d.labels[r.moved[q]]);
    regio_design_result_free(&r);
    regio_design_result_free(&d);
    grid_free(&g);
}

static void test_invalid_input(void)
{
    grid g;
    grid_make(&g, 3, 3, 1, 1);
    regio_design_input in = grid_input(&g);
    regio_design_params p;
    regio_design_params_init(&p);
    p.k = 10; /* more territories than units */
    regio_design_result r;
    regio_error err;
    ASSERT_EQ_INT(regio_design_run(&in, &p, &r, &err), REGIO_EINVAL);
    ASSERT_TRUE(strstr(err.msg, "k = 10") != NULL);
    p.k = 1;
    ASSERT_OK(regio_design_run(&in, &p, &r, &err));
    for (int i = 0; i < g.n; i++)
        ASSERT_EQ_INT(r.labels[i], 0);
    regio_design_result_free(&r);
    p.k = 2;
    g.meas[0] = -1;
    ASSERT_EQ_INT(regio_design_run(&in, &p, &r, &err), REGIO_EDATA);
    grid_free(&g);
}

static int cancel_now(void *ud, double fraction, const char *phase)
{
    (void)fraction;
    (void)phase;
    ++*(int *)ud;
    return 1;
}

static void test_cancel_returns_best_effort(void)
{
    grid g;
    grid_make(&g, 8, 8, 1, 1);
    regio_design_input in = grid_input(&g);
    regio_design_params p;
    regio_design_params_init(&p);
    p.k = 3;
    int calls = 0;
    p.progress = cancel_now;
    p.progress_ud = &calls;
    regio_design_result r;
    ASSERT_EQ_INT(regio_design_run(&in, &p, &r, NULL), REGIO_ECANCELLED);
    ASSERT_TRUE(calls >= 1);
    ASSERT_TRUE(r.labels != NULL);
    for (int i = 0; i < g.n; i++)
        ASSERT_TRUE(r.labels[i] >= 0 && r.labels[i] < 3);
    regio_design_result_free(&r);
    grid_free(&g);
}

/* ---- allocation failures ------------------------------------------------ */

static void test_allocation_failures(void)
{
    grid g;
    grid_make(&g, 6, 6, 0, 2);
    regio_design_input in = grid_input(&g);
    regio_design_params p;
    regio_design_params_init(&p);
    p.k = 3;
    p.n_starts = 1;
    int saw_enomem = 0, saw_ok = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 400; alloc_fail_at++) {
        alloc_calls = 0;
        regio_set_allocator(&regio_test_failing);
        regio_design_result r;
        regio_err rc = regio_design_run(&in, &p, &r, NULL);
        regio_set_allocator(NULL);
        if (rc == REGIO_ENOMEM) {
            saw_enomem = 1;
            ASSERT_TRUE(r.labels == NULL);
        } else {
            saw_ok = 1;
        }
        regio_design_result_free(&r);
    }
    ASSERT_TRUE(saw_enomem);
    ASSERT_TRUE(saw_ok);
    grid_free(&g);
}

/* ---- US counties (benchmark data) --------------------------------------- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)sz + 1);
    if (b && fread(b, 1, (size_t)sz, f) != (size_t)sz) {
        free(b);
        b = NULL;
    }
    if (b)
        b[sz] = 0;
    fclose(f);
    return b;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_us_counties(void)
{
    const char *root = getenv("REGIO_SHARED_DATA");
    if (!root)
        SKIP("REGIO_SHARED_DATA is not set");
    char path[2048];
    snprintf(path, sizeof path, "%s/territory/us_counties/us_counties.csv", root);
    char *csv = slurp(path);
    snprintf(path, sizeof path, "%s/territory/us_counties/us_counties_adjacency.csv", root);
    char *adjcsv = slurp(path);
    if (!csv || !adjcsv) {
        free(csv);
        free(adjcsv);
        SKIP("us_counties data not found under REGIO_SHARED_DATA");
    }
    /* id,name,lat,lon,pop,accounts,area_km2 (no quoted fields). Ids are
     * zero-padded 5-digit FIPS; keys sorted for lookup. */
    size_t cap = 4000, n = 0;
    double *x = malloc(cap * sizeof *x), *y = malloc(cap * sizeof *y);
    double *meas = malloc(cap * 2 * sizeof *meas);
    char **ids = malloc(cap * sizeof *ids);
    char *line = strchr(csv, '\n') + 1;
    while (line && *line && n < cap) {
        char *f[7];
        int c = 0;
        f[c++] = line;
        for (char *q = line; *q && *q != '\n' && c < 7; q++)
            if (*q == ',') {
                *q = 0;
                f[c++] = q + 1;
            }
        char *eol = strchr(f[6], '\n');
        if (eol)
            *eol = 0;
        ids[n] = f[0];
        y[n] = strtod(f[2], NULL);
        x[n] = strtod(f[3], NULL);
        meas[2 * n] = strtod(f[5], NULL);
        meas[2 * n + 1] = strtod(f[4], NULL);
        n++;
        line = eol ? eol + 1 : NULL;
    }
    char **sorted = malloc(n * sizeof *sorted);
    memcpy(sorted, ids, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_str);
    int *pos = malloc(n * sizeof *pos);
    for (size_t i = 0; i < n; i++) {
        char **hit = bsearch(&ids[i], sorted, n, sizeof *sorted, cmp_str);
        pos[hit - sorted] = (int)i;
    }
    int *ea = malloc(10000 * sizeof *ea), *eb = malloc(10000 * sizeof *eb);
    size_t ne = 0;
    line = strchr(adjcsv, '\n') + 1;
    while (line && *line && ne < 10000) {
        char *comma = strchr(line, ',');
        char *eol = strchr(line, '\n');
        if (!comma)
            break;
        *comma = 0;
        if (eol)
            *eol = 0;
        char *ka = line, *kb = comma + 1;
        char **ha = bsearch(&ka, sorted, n, sizeof *sorted, cmp_str);
        char **hb = bsearch(&kb, sorted, n, sizeof *sorted, cmp_str);
        if (ha && hb) {
            ea[ne] = pos[ha - sorted];
            eb[ne++] = pos[hb - sorted];
        }
        line = eol ? eol + 1 : NULL;
    }
    int *gx, *ga, *xadj, *adj;
    size_t links = 0;
    ASSERT_OK(regio_design_csr_from_edges(n, ea, eb, ne, &gx, &ga));
    ASSERT_OK(regio_design_island_links(n, REGIO_COORDS_LATLON, x, y, gx, ga, &xadj,
                                        &adj, &links));
    ASSERT_EQ_INT(n, 3108);
    ASSERT_EQ_INT(links, 2);
    regio_design_input in = {0};
    static const char *names[2] = {"accounts", "pop"};
    in.n = n;
    in.coords = REGIO_COORDS_LATLON;
    in.x = x;
    in.y = y;
    in.m = 2;
    in.measures = meas;
    in.measure_names = names;
    in.unit_ids = (const char *const *)ids;
    in.xadj = xadj;
    in.adjncy = adj;
    regio_design_params p;
    regio_design_params_init(&p);
    p.k = 50;
    p.tolerance = 0.02;
    p.n_starts = 1; /* a shortish run; bench/design.sh runs the full one */
    p.time_limit_s = 60;
    regio_design_result r;
    ASSERT_OK(regio_design_run(&in, &p, &r, NULL));
    ASSERT_TRUE(r.report.balance[0] <= 0.02 + 1e-12);
    ASSERT_EQ_INT(r.report.n_noncontiguous, 0);
    ASSERT_TRUE(r.report.travel_km < 135);
    fprintf(stderr, "  counties k=50: balance %.4f, travel %.2f km, %.2f s\n",
            r.report.balance[0], r.report.travel_km, r.seconds);
    /* Balancing pop cannot work: Los Angeles alone exceeds its target. */
    int pc[1] = {1};
    p.balance_cols = pc;
    p.n_balance = 1;
    p.time_limit_s = 5;
    regio_design_result r2;
    ASSERT_EQ_INT(regio_design_run(&in, &p, &r2, NULL), REGIO_EINFEASIBLE);
    int found = 0;
    for (size_t d = 0; d < r2.n_diagnostics; d++)
        found |= strstr(r2.diagnostics[d], "unit 06037 alone is") != NULL;
    ASSERT_TRUE(found);
    regio_design_result_free(&r2);
    regio_design_result_free(&r);
    regio_free(gx);
    regio_free(ga);
    regio_free(xadj);
    regio_free(adj);
    free(ea);
    free(eb);
    free(pos);
    free(sorted);
    free(x);
    free(y);
    free(meas);
    free(ids);
    free(csv);
    free(adjcsv);
}

int main(void)
{
    RUN(test_evaluate_hand_computed);
    RUN(test_haversine);
    RUN(test_grid_balanced_contiguous);
    RUN(test_multi_measure_tolerances);
    RUN(test_locked_units_stay);
    RUN(test_groups_stay_whole);
    RUN(test_same_seed_same_labels);
    RUN(test_heavy_unit_diagnosed);
    RUN(test_realign_budget);
    RUN(test_invalid_input);
    RUN(test_cancel_returns_best_effort);
    RUN(test_allocation_failures);
    RUN(test_us_counties);
    TEST_END();
}
