/* Unit tests for the distance provider, the TSPLIB reader and the TSP
 * solver: neighbour lists against brute force, metrics against textbook
 * formulas, tours against exhaustive search and known optima. */
#include "regio/dist.h"
#include "regio/tsp.h"
#include "regio_test.h"

#include <stdint.h>

static regio_dist *random_euclid(size_t n, uint64_t seed, double scale,
                                 int round)
{
    regio_rng r;
    regio_rng_seed(&r, seed);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        x[i] = regio_rng_double(&r) * scale;
        y[i] = regio_rng_double(&r) * scale;
    }
    regio_dist_opts o = {.metric = REGIO_METRIC_EUCLIDEAN,
                         .round_nearest = round};
    regio_dist *d = NULL;
    regio_err rc = regio_dist_create_coords(n, x, y, &o, &d, NULL);
    free(x);
    free(y);
    return rc ? NULL : d;
}

static int is_perm_from_zero(const uint32_t *t, size_t n)
{
    if (n == 0 || t[0] != 0)
        return 0;
    unsigned char *seen = calloc(n, 1);
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++) {
        if (t[i] >= n || seen[t[i]])
            ok = 0;
        else
            seen[t[i]] = 1;
    }
    free(seen);
    return ok;
}

static double recompute(const regio_dist *d, const uint32_t *t, size_t n)
{
    double c = 0;
    for (size_t i = 0; i < n; i++)
        c += regio_dist_cost(d, t[i], t[(i + 1) % n]);
    return c;
}

/* ---- distance provider ------------------------------------------------- */

static void test_euc2d_rounding(void)
{
    double x[] = {0, 1, 3, 1, 0.5}, y[] = {0, 1, 4, 2, 0};
    regio_dist_opts o = {.metric = REGIO_METRIC_EUCLIDEAN, .round_nearest = 1};
    regio_dist *d = NULL;
    ASSERT_OK(regio_dist_create_coords(5, x, y, &o, &d, NULL));
    ASSERT_NEAR(regio_dist_cost(d, 0, 1), 1, 0);  /* 1.414 -> 1 */
    ASSERT_NEAR(regio_dist_cost(d, 0, 2), 5, 0);  /* exact */
    ASSERT_NEAR(regio_dist_cost(d, 0, 3), 2, 0);  /* 2.236 -> 2 */
    ASSERT_NEAR(regio_dist_cost(d, 0, 4), 1, 0);  /* 0.5 -> 1 (nint) */
    ASSERT_NEAR(regio_dist_cost(d, 1, 2), 4, 0);  /* 3.606 -> 4 */
    ASSERT_NEAR(regio_dist_duration(d, 1, 2), 4, 0);
    regio_dist_destroy(d);
    o.round_nearest = 0;
    ASSERT_OK(regio_dist_create_coords(5, x, y, &o, &d, NULL));
    ASSERT_NEAR(regio_dist_cost(d, 0, 1), sqrt(2.0), 1e-12);
    ASSERT_EQ_INT(regio_dist_size(d), 5);
    ASSERT_TRUE(regio_dist_is_symmetric(d));
    regio_dist_destroy(d);
}

static double ref_haversine_km(double lat1, double lon1, double lat2,
                               double lon2)
{
    double r = M_PI / 180;
    double dl = (lat2 - lat1) * r, dn = (lon2 - lon1) * r;
    double a = sin(dl / 2) * sin(dl / 2) +
               cos(lat1 * r) * cos(lat2 * r) * sin(dn / 2) * sin(dn / 2);
    return 2 * 6371.0088 * atan2(sqrt(a), sqrt(1 - a));
}

static void test_haversine(void)
{
    /* Paris, London, Sydney; x = lon, y = lat. */
    double lon[] = {2.3522, -0.1278, 151.2093}, lat[] = {48.8566, 51.5074,
                                                         -33.8688};
    regio_dist_opts o = {.metric = REGIO_METRIC_HAVERSINE};
    regio_dist *d = NULL;
    ASSERT_OK(regio_dist_create_coords(3, lon, lat, &o, &d, NULL));
    double pl = ref_haversine_km(lat[0], lon[0], lat[1], lon[1]);
    ASSERT_NEAR(pl, 343.9, 1.0); /* sanity of the reference itself */
    ASSERT_NEAR(regio_dist_cost(d, 0, 1), pl, 1e-6);
    ASSERT_NEAR(regio_dist_cost(d, 1, 2),
                ref_haversine_km(lat[1], lon[1], lat[2], lon[2]), 1e-6);
    ASSERT_NEAR(regio_dist_duration(d, 0, 1), pl * 1.3 / 50 * 3600, 1e-3);
    ASSERT_NEAR(regio_dist_cost(d, 2, 2), 0, 0);
    regio_dist_destroy(d);
    o.road_factor = 1.0;
    o.speed_kmh = 100;
    ASSERT_OK(regio_dist_create_coords(3, lon, lat, &o, &d, NULL));
    ASSERT_NEAR(regio_dist_duration(d, 0, 1), pl * 36, 1e-3);
    regio_dist_destroy(d);
    double badlat[] = {48, 91, 0};
    regio_error e;
    ASSERT_EQ_INT(regio_dist_create_coords(3, lon, badlat, &o, &d, &e),
                  REGIO_EDATA);
    ASSERT_EQ_INT(e.line, 2);
    ASSERT_TRUE(d == NULL);
}

static void test_matrix_provider(void)
{
    double c[] = {0, 1, 9, 2, 0, 3, 4, 5, 0};
    double t[] = {0, 10, 90, 20, 0, 30, 40, 50, 0};
    regio_dist *d = NULL;
    ASSERT_OK(regio_dist_create_matrix(3, c, t, &d, NULL));
    ASSERT_NEAR(regio_dist_cost(d, 0, 2), 9, 0);
    ASSERT_NEAR(regio_dist_duration(d, 2, 1), 50, 0);
    ASSERT_TRUE(!regio_dist_is_symmetric(d));
    ASSERT_EQ_INT(regio_dist_metric(d), REGIO_METRIC_MATRIX);
    uint32_t *nb = NULL;
    ASSERT_OK(regio_dist_neighbours(d, 2, 0, &nb, NULL));
    ASSERT_EQ_INT(nb[0], 1);
    ASSERT_EQ_INT(nb[1], 2);
    ASSERT_EQ_INT(nb[2], 0); /* row 1: cost 2 to 0, 3 to 2 */
    ASSERT_EQ_INT(nb[4], 0); /* row 2: 4 to 0, 5 to 1 */
    regio_free(nb);
    ASSERT_EQ_INT(regio_dist_neighbours(d, 3, 0, &nb, NULL), REGIO_EINVAL);
    regio_dist_destroy(d);
    /* Only durations: they serve as costs too. */
    ASSERT_OK(regio_dist_create_matrix(3, NULL, t, &d, NULL));
    ASSERT_NEAR(regio_dist_cost(d, 0, 1), 10, 0);
    regio_dist_destroy(d);
    double bad[] = {0, 1, 2, 3, 0, -1, 1, 1, 0};
    regio_error e;
    ASSERT_EQ_INT(regio_dist_create_matrix(3, bad, NULL, &d, &e),
                  REGIO_EDATA);
    ASSERT_EQ_INT(e.line, 2);
    ASSERT_EQ_INT(e.column, 3);
    ASSERT_EQ_INT(regio_dist_create_matrix(3, NULL, NULL, &d, NULL),
                  REGIO_EINVAL);
}

static void check_neighbours_brute(const regio_dist *d, size_t n, size_t k,
                                   const double *px, const double *py,
                                   const double *pz)
{
    uint32_t *nb = NULL;
    ASSERT_OK(regio_dist_neighbours(d, k, 0, &nb, NULL));
    if (!nb)
        return;
    double *d2 = malloc(n * sizeof *d2);
    uint32_t *idx = malloc(n * sizeof *idx);
    int bad = 0;
    for (size_t i = 0; i < n && !bad; i++) {
        size_t m = 0;
        for (size_t j = 0; j < n; j++) {
            if (j == i)
                continue;
            double dx = px[i] - px[j], dy = py[i] - py[j],
                   dz = pz ? pz[i] - pz[j] : 0;
            d2[j] = dx * dx + dy * dy + dz * dz;
            idx[m++] = (uint32_t)j;
        }
        /* selection of the k smallest by (d2, index) */
        for (size_t r = 0; r < k; r++) {
            size_t b = r;
            for (size_t q = r + 1; q < m; q++)
                if (d2[idx[q]] < d2[idx[b]] ||
                    (d2[idx[q]] == d2[idx[b]] && idx[q] < idx[b]))
                    b = q;
            uint32_t t = idx[r];
            idx[r] = idx[b];
            idx[b] = t;
            /* Same distance at every rank (ties may pick other points at
             * exactly the k-th distance), and each listed point distinct
             * from i. */
            uint32_t got = nb[i * k + r];
            if (got == i || got >= n || d2[got] != d2[idx[r]]) {
                FAIL_AT_("point %zu rank %zu: got %u (d2 %g), brute force "
                         "%u (d2 %g)",
                         i, r, got, got < n ? d2[got] : -1.0, idx[r],
                         d2[idx[r]]);
                bad = 1;
                break;
            }
            for (size_t q = 0; q < r; q++)
                if (nb[i * k + q] == got) {
                    FAIL_AT_("point %zu lists %u twice", i, got);
                    bad = 1;
                }
        }
    }
    free(d2);
    free(idx);
    regio_free(nb);
}

static void test_neighbours_euclid_bruteforce(void)
{
    size_t n = 700, k = 9;
    regio_rng r;
    regio_rng_seed(&r, 7);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        /* integer grid coordinates force plenty of exact ties */
        x[i] = (double)regio_rng_below(&r, 60);
        y[i] = (double)regio_rng_below(&r, 60);
    }
    regio_dist_opts o = {.metric = REGIO_METRIC_EUCLIDEAN};
    regio_dist *d = NULL;
    ASSERT_OK(regio_dist_create_coords(n, x, y, &o, &d, NULL));
    check_neighbours_brute(d, n, k, x, y, NULL);
    /* quadrant lists: k distinct points, none equal to i */
    uint32_t *nb = NULL;
    ASSERT_OK(regio_dist_neighbours(d, 8, REGIO_NEIGH_QUADRANT, &nb, NULL));
    for (size_t i = 0; nb && i < n; i++)
        for (size_t a = 0; a < 8; a++) {
            ASSERT_TRUE(nb[i * 8 + a] != i && nb[i * 8 + a] < n);
            for (size_t b = a + 1; b < 8; b++)
                ASSERT_TRUE(nb[i * 8 + a] != nb[i * 8 + b]);
        }
    regio_free(nb);
    regio_dist_destroy(d);
    free(x);
    free(y);
}

static void test_neighbours_haversine_bruteforce(void)
{
    size_t n = 400, k = 6;
    regio_rng r;
    regio_rng_seed(&r, 11);
    double *lon = malloc(n * sizeof *lon), *lat = malloc(n * sizeof *lat);
    double *ux = malloc(n * sizeof *ux), *uy = malloc(n * sizeof *uy),
           *uz = malloc(n * sizeof *uz);
    for (size_t i = 0; i < n; i++) {
        lon[i] = -10 + 30 * regio_rng_double(&r);
        lat[i] = 35 + 25 * regio_rng_double(&r);
        double rad = M_PI / 180.0; /* same rounding as the provider */
        double a = lat[i] * rad, b = lon[i] * rad;
        ux[i] = cos(a) * cos(b);
        uy[i] = cos(a) * sin(b);
        uz[i] = sin(a);
    }
    regio_dist_opts o = {.metric = REGIO_METRIC_HAVERSINE};
    regio_dist *d = NULL;
    ASSERT_OK(regio_dist_create_coords(n, lon, lat, &o, &d, NULL));
    check_neighbours_brute(d, n, k, ux, uy, uz);
    regio_dist_destroy(d);
    free(lon);
    free(lat);
    free(ux);
    free(uy);
    free(uz);
}

/* ---- solver ------------------------------------------------------------ */

static void test_tour_valid_and_cost(void)
{
    size_t n = 300;
    regio_dist *d = random_euclid(n, 3, 1000, 1);
    ASSERT_TRUE(d != NULL);
    uint32_t *t = malloc(n * sizeof *t);
    regio_tsp_params p = {.seed = 5, .max_iterations = 2000};
    double cost = -1;
    regio_tsp_stats st;
    ASSERT_OK(regio_tsp_solve_ex(d, &p, t, &cost, &st, NULL));
    ASSERT_TRUE(is_perm_from_zero(t, n));
    ASSERT_NEAR(cost, recompute(d, t, n), 1e-9);
    ASSERT_NEAR(regio_tsp_tour_cost(d, t, n), cost, 1e-9);
    ASSERT_EQ_INT(st.iterations, 2000);
    ASSERT_TRUE(cost <= st.local_opt_cost && st.local_opt_cost <=
                                                 st.initial_cost);
    free(t);
    regio_dist_destroy(d);
}

static void test_haversine_tour(void)
{
    /* Points on a small circle of latitude-longitude offsets around Paris,
     * in scrambled order: the tour follows the ring, whose length is close
     * to the circumference (2 pi * 10 km). */
    size_t n = 48;
    double lon[48], lat[48];
    for (size_t i = 0; i < n; i++) {
        double a = 2 * M_PI * (double)((i * 11) % n) / (double)n;
        double dlat = 10.0 / 111.195 * sin(a);
        lat[i] = 48.8566 + dlat;
        lon[i] = 2.3522 + 10.0 / (111.195 * cos(48.8566 * M_PI / 180)) *
                              cos(a);
    }
    regio_dist_opts o = {.metric = REGIO_METRIC_HAVERSINE};
    regio_dist *d = NULL;
    ASSERT_OK(regio_dist_create_coords(n, lon, lat, &o, &d, NULL));
    uint32_t t[48];
    double cost;
    regio_tsp_params p = {.seed = 2, .max_iterations = 300};
    ASSERT_OK(regio_tsp_solve(d, &p, t, &cost, NULL));
    ASSERT_TRUE(is_perm_from_zero(t, n));
    ASSERT_NEAR(cost, recompute(d, t, n), 1e-9);
    ASSERT_NEAR(cost, 2 * M_PI * 10.0, 0.2);
    /* consecutive stops are ring neighbours: the ring order is preserved */
    for (size_t i = 0; i < n; i++) {
        size_t a = (t[i] * 11) % n, b = (t[(i + 1) % n] * 11) % n;
        size_t gap = a > b ? a - b : b - a;
        ASSERT_TRUE(gap == 1 || gap == n - 1);
    }
    regio_dist_destroy(d);
}

static void test_circle_optimal(void)
{
    /* 64 points on a circle, listed in a scrambled order: the optimum is
     * the polygon. */
    size_t n = 64;
    double x[64], y[64];
    for (size_t i = 0; i < n; i++) {
        size_t a = (i * 37) % n;
        x[i] = 1000 * cos(2 * M_PI * (double)a / (double)n);
        y[i] = 1000 * sin(2 * M_PI * (double)a / (double)n);
    }
    regio_dist_opts o = {.metric = REGIO_METRIC_EUCLIDEAN};
    regio_dist *d = NULL;
    ASSERT_OK(regio_dist_create_coords(n, x, y, &o, &d, NULL));
    uint32_t t[64];
    double cost;
    regio_tsp_params p = {.seed = 1, .max_iterations = 200};
    ASSERT_OK(regio_tsp_solve(d, &p, t, &cost, NULL));
    ASSERT_NEAR(cost, (double)n * 2000 * sin(M_PI / (double)n), 1e-6);
    ASSERT_TRUE(is_perm_from_zero(t, n));
    regio_dist_destroy(d);
}

/* Exhaustive optimum over tours starting at 0 (n <= 10). */
static double brute(const regio_dist *d, size_t n)
{
    uint32_t perm[10];
    for (size_t i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    double best = INFINITY;
    /* lexicographic next_permutation over perm[1..n-1] */
    for (;;) {
        double c = recompute(d, perm, n);
        if (c < best)
            best = c;
        size_t i = n - 1;
        while (i > 1 && perm[i - 1] > perm[i])
            i--;
        if (i <= 1)
            break;
        size_t j = n - 1;
        while (perm[j] < perm[i - 1])
            j--;
        uint32_t tmp = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = tmp;
        for (size_t a = i, b = n - 1; a < b; a++, b--) {
            tmp = perm[a];
            perm[a] = perm[b];
            perm[b] = tmp;
        }
    }
    return best;
}

static void test_bruteforce_small(void)
{
    for (uint64_t seed = 1; seed <= 6; seed++) {
        size_t n = seed % 2 ? 10 : 7; /* 10 uses LK + ILS, 7 exhaustive */
        regio_dist *d = random_euclid(n, seed * 101, 100, 0);
        uint32_t t[10];
        double cost;
        regio_tsp_params p = {.seed = seed, .max_iterations = 300};
        ASSERT_OK(regio_tsp_solve(d, &p, t, &cost, NULL));
        ASSERT_TRUE(is_perm_from_zero(t, n));
        ASSERT_NEAR(cost, brute(d, n), 1e-9);
        regio_dist_destroy(d);
    }
}

static void test_tiny_sizes(void)
{
    for (size_t n = 1; n <= 4; n++) {
        regio_dist *d = random_euclid(n, 9, 10, 0);
        uint32_t t[4] = {9, 9, 9, 9};
        double cost = -1;
        regio_tsp_params p = {.seed = 1};
        ASSERT_OK(regio_tsp_solve(d, &p, t, &cost, NULL));
        ASSERT_TRUE(is_perm_from_zero(t, n));
        ASSERT_NEAR(cost, recompute(d, t, n), 1e-12);
        regio_dist_destroy(d);
    }
}

static void test_same_seed_same_tour(void)
{
    size_t n = 500;
    regio_dist *d = random_euclid(n, 21, 10000, 1);
    uint32_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    double ca, cb;
    regio_tsp_params p = {.seed = 42, .max_iterations = 3000};
    ASSERT_OK(regio_tsp_solve(d, &p, a, &ca, NULL));
    ASSERT_OK(regio_tsp_solve(d, &p, b, &cb, NULL));
    ASSERT_TRUE(memcmp(a, b, n * sizeof *a) == 0);
    ASSERT_NEAR(ca, cb, 0);
    /* A timed run is replayed exactly by its iteration count. */
    regio_tsp_params pt = {.seed = 42, .time_limit_s = 0.3};
    regio_tsp_stats st;
    ASSERT_OK(regio_tsp_solve_ex(d, &pt, a, &ca, &st, NULL));
    regio_tsp_params pr = {.seed = 42, .max_iterations = st.iterations};
    if (st.iterations > 0) {
        ASSERT_OK(regio_tsp_solve(d, &pr, b, &cb, NULL));
        ASSERT_TRUE(memcmp(a, b, n * sizeof *a) == 0);
    }
    free(a);
    free(b);
    regio_dist_destroy(d);
}

static void test_asymmetric_matrix(void)
{
    size_t n = 30;
    regio_rng r;
    regio_rng_seed(&r, 5);
    double *m = malloc(n * n * sizeof *m);
    for (size_t i = 0; i < n * n; i++)
        m[i] = 1 + (double)regio_rng_below(&r, 100);
    regio_dist *d = NULL;
    ASSERT_OK(regio_dist_create_matrix(n, m, NULL, &d, NULL));
    uint32_t t[30];
    double cost;
    regio_tsp_params p = {.seed = 3, .max_iterations = 500};
    ASSERT_OK(regio_tsp_solve(d, &p, t, &cost, NULL));
    ASSERT_TRUE(is_perm_from_zero(t, n));
    ASSERT_NEAR(cost, recompute(d, t, n), 1e-9);
    /* the reverse orientation is never cheaper */
    uint32_t rv[30];
    rv[0] = 0;
    for (size_t i = 1; i < n; i++)
        rv[i] = t[n - i];
    ASSERT_TRUE(recompute(d, rv, n) >= cost);
    regio_dist_destroy(d);
    free(m);
}

static int cancel_after(void *ud, double f, const char *phase)
{
    int *calls = ud;
    (void)f;
    (void)phase;
    return ++*calls >= 2;
}

static void test_cancel_gives_valid_tour(void)
{
    size_t n = 400;
    regio_dist *d = random_euclid(n, 8, 1000, 1);
    uint32_t *t = malloc(n * sizeof *t);
    double cost;
    int calls = 0;
    regio_tsp_params p = {.seed = 1, .time_limit_s = 5,
                          .progress = cancel_after, .progress_ud = &calls};
    regio_tsp_stats st;
    ASSERT_OK(regio_tsp_solve_ex(d, &p, t, &cost, &st, NULL));
    ASSERT_TRUE(st.cancelled);
    ASSERT_TRUE(is_perm_from_zero(t, n));
    ASSERT_NEAR(cost, recompute(d, t, n), 1e-9);
    free(t);
    regio_dist_destroy(d);
}

static void test_invalid_args(void)
{
    regio_dist *d = random_euclid(10, 1, 10, 0);
    uint32_t t[10];
    double c;
    regio_tsp_params p = {.time_limit_s = -1};
    regio_error e;
    ASSERT_EQ_INT(regio_tsp_solve(d, &p, t, &c, &e), REGIO_EINVAL);
    ASSERT_EQ_INT(e.code, REGIO_EINVAL);
    ASSERT_EQ_INT(regio_tsp_solve(NULL, &p, t, &c, NULL), REGIO_EINVAL);
    regio_dist_destroy(d);
}

static void test_coincident_points(void)
{
    /* 60 places, each listed 5 times in a scattered order: the solver
     * merges copies, so its tour costs what the 60-place tour costs. */
    size_t u = 60, n = 300;
    regio_rng r;
    regio_rng_seed(&r, 17);
    double ux[60], uy[60], x[300], y[300];
    for (size_t i = 0; i < u; i++) {
        ux[i] = (double)regio_rng_below(&r, 1000);
        uy[i] = (double)regio_rng_below(&r, 1000) + 0.5 * (double)i;
    }
    for (size_t i = 0; i < n; i++) {
        x[i] = ux[(i * 7) % u];
        y[i] = uy[(i * 7) % u];
    }
    regio_dist_opts o = {.metric = REGIO_METRIC_EUCLIDEAN, .round_nearest = 1};
    regio_dist *d = NULL, *du = NULL;
    ASSERT_OK(regio_dist_create_coords(n, x, y, &o, &d, NULL));
    uint32_t *rep = NULL;
    size_t nu = 0;
    ASSERT_OK(regio_dist_coincident(d, &rep, &nu, NULL));
    ASSERT_EQ_INT(nu, u);
    ASSERT_EQ_INT(rep[0], 0);
    ASSERT_EQ_INT(rep[60], 0); /* (60 * 7) % 60 == 0 */
    regio_free(rep);
    uint32_t t[300], tu[60];
    double c, cu;
    regio_tsp_params p = {.seed = 4, .max_iterations = 1000};
    ASSERT_OK(regio_tsp_solve(d, &p, t, &c, NULL));
    ASSERT_TRUE(is_perm_from_zero(t, n));
    ASSERT_NEAR(c, recompute(d, t, n), 1e-9);
    /* the first 60 inputs are exactly the 60 places in the same order as
     * the representatives the solver uses */
    ASSERT_OK(regio_dist_create_coords(u, x, y, &o, &du, NULL));
    ASSERT_OK(regio_tsp_solve(du, &p, tu, &cu, NULL));
    ASSERT_NEAR(c, cu, 1e-9);
    regio_dist_destroy(d);
    regio_dist_destroy(du);
}

static void test_subset_provider(void)
{
    double m[16] = {0, 1, 2, 3, 4, 0, 5, 6, 7, 8, 0, 9, 10, 11, 12, 0};
    regio_dist *d = NULL, *s = NULL;
    ASSERT_OK(regio_dist_create_matrix(4, m, NULL, &d, NULL));
    uint32_t idx[] = {3, 1};
    ASSERT_OK(regio_dist_create_subset(d, idx, 2, &s, NULL));
    ASSERT_EQ_INT(regio_dist_size(s), 2);
    ASSERT_NEAR(regio_dist_cost(s, 0, 1), 11, 0);
    ASSERT_NEAR(regio_dist_cost(s, 1, 0), 6, 0);
    regio_dist_destroy(s);
    uint32_t badidx[] = {4};
    ASSERT_EQ_INT(regio_dist_create_subset(d, badidx, 1, &s, NULL),
                  REGIO_EINVAL);
    regio_dist_destroy(d);
}

static void test_large_coordinates_terminate(void)
{
    /* Costs near 1e9 make rounding noise of ~1e-7 in gain sums; the search
     * must not mistake it for improvement (it used to cycle forever). */
    size_t n = 3000;
    regio_rng r;
    regio_rng_seed(&r, 2);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        x[i] = regio_rng_double(&r) * 1e-9;
        y[i] = regio_rng_double(&r) * 1e9;
    }
    regio_dist_opts o = {.metric = REGIO_METRIC_EUCLIDEAN};
    regio_dist *d = NULL;
    ASSERT_OK(regio_dist_create_coords(n, x, y, &o, &d, NULL));
    uint32_t *t = malloc(n * sizeof *t);
    double c;
    regio_tsp_params p = {.seed = 1, .max_iterations = 3000,
                          .time_limit_s = 20};
    regio_tsp_stats st;
    ASSERT_OK(regio_tsp_solve_ex(d, &p, t, &c, &st, NULL));
    ASSERT_EQ_INT(st.iterations, 3000);
    ASSERT_TRUE(is_perm_from_zero(t, n));
    /* nearly collinear: the optimum is about twice the y extent */
    ASSERT_TRUE(c < 2.0e9 * 1.001);
    free(t);
    free(x);
    free(y);
    regio_dist_destroy(d);
}

/* ---- allocation failure ------------------------------------------------ */


static void test_alloc_failure(void)
{
    size_t n = 60;
    double x[60], y[60];
    for (size_t i = 0; i < n; i++) {
        x[i] = (double)((i * 7919) % 101);
        y[i] = (double)((i * 104729) % 97);
    }
    regio_allocator a = regio_test_failing;
    int saw_enomem = 0, saw_ok = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 60; alloc_fail_at++) {
        alloc_calls = 0;
        regio_set_allocator(&a);
        regio_dist_opts o = {.metric = REGIO_METRIC_EUCLIDEAN};
        regio_dist *d = NULL;
        regio_err rc = regio_dist_create_coords(n, x, y, &o, &d, NULL);
        if (rc == REGIO_OK) {
            uint32_t t[60];
            double c;
            regio_tsp_params p = {.seed = 1, .max_iterations = 50};
            rc = regio_tsp_solve(d, &p, t, &c, NULL);
            if (rc == REGIO_OK)
                ASSERT_TRUE(is_perm_from_zero(t, n));
        }
        regio_dist_destroy(d);
        regio_set_allocator(NULL);
        ASSERT_TRUE(rc == REGIO_OK || rc == REGIO_ENOMEM);
        if (rc == REGIO_ENOMEM)
            saw_enomem = 1;
        else
            saw_ok = 1;
    }
    ASSERT_TRUE(saw_enomem && saw_ok);
}

/* ---- TSPLIB ------------------------------------------------------------ */

static void test_tsplib_parse(void)
{
    const char *ok = "NAME : tiny\nTYPE : TSP\nCOMMENT : x\nDIMENSION : 3\n"
                     "EDGE_WEIGHT_TYPE : EUC_2D\nNODE_COORD_SECTION\n"
                     "1 0 0\n3 3e0 4\n2 1.5 2\nEOF\n";
    regio_tsplib t;
    ASSERT_OK(regio_tsplib_parse(ok, "tiny.tsp", &t, NULL));
    ASSERT_EQ_INT(t.n, 3);
    ASSERT_EQ_STR(t.name, "tiny");
    ASSERT_NEAR(t.x[2], 3, 0);
    ASSERT_NEAR(t.y[1], 2, 0);
    ASSERT_TRUE(t.round_nearest);
    regio_tsplib_clear(&t);

    regio_error e;
    const char *badnum = "NAME: b\nTYPE: TSP\nDIMENSION: 2\n"
                         "EDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n"
                         "1 0 0\n2 zz 1\n";
    ASSERT_EQ_INT(regio_tsplib_parse(badnum, "b.tsp", &t, &e), REGIO_EPARSE);
    ASSERT_EQ_INT(e.line, 7);
    ASSERT_EQ_STR(e.file, "b.tsp");
    ASSERT_TRUE(t.x == NULL && t.n == 0);

    const char *missing = "TYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\n"
                          "NODE_COORD_SECTION\n1 0 0\n3 1 1\nEOF\n";
    ASSERT_EQ_INT(regio_tsplib_parse(missing, "m", &t, &e), REGIO_EPARSE);
    ASSERT_TRUE(strstr(e.msg, "node 2 missing") != NULL);

    const char *dup = "TYPE: TSP\nDIMENSION: 2\nEDGE_WEIGHT_TYPE: EUC_2D\n"
                      "NODE_COORD_SECTION\n1 0 0\n1 1 1\n";
    ASSERT_EQ_INT(regio_tsplib_parse(dup, "d", &t, &e), REGIO_EPARSE);
    ASSERT_EQ_INT(e.line, 6);

    const char *range = "TYPE: TSP\nDIMENSION: 2\nEDGE_WEIGHT_TYPE: EUC_2D\n"
                        "NODE_COORD_SECTION\n1 0 0\n3 1 1\n";
    ASSERT_EQ_INT(regio_tsplib_parse(range, "r", &t, &e), REGIO_EPARSE);
    ASSERT_EQ_INT(e.line, 6);

    const char *att = "TYPE: TSP\nDIMENSION: 2\nEDGE_WEIGHT_TYPE: ATT\n";
    ASSERT_EQ_INT(regio_tsplib_parse(att, "a", &t, &e), REGIO_EUNSUPPORTED);
    ASSERT_EQ_INT(e.line, 3);

    const char *early = "TYPE: TSP\nNODE_COORD_SECTION\n1 0 0\n";
    ASSERT_EQ_INT(regio_tsplib_parse(early, "e", &t, &e), REGIO_EPARSE);
    ASSERT_EQ_INT(e.line, 2);

    const char *junk = "TYPE: TSP\nthis is not a header\n";
    ASSERT_EQ_INT(regio_tsplib_parse(junk, "j", &t, &e), REGIO_EPARSE);
    ASSERT_EQ_INT(e.line, 2);

    const char *dim = "TYPE: TSP\nDIMENSION: -4\n";
    ASSERT_EQ_INT(regio_tsplib_parse(dim, "x", &t, &e), REGIO_EPARSE);
    ASSERT_EQ_INT(e.line, 2);

    ASSERT_EQ_INT(regio_tsplib_read("/nonexistent/x.tsp", &t, &e), REGIO_EIO);
}

static void test_berlin52_gap(void)
{
    const char *dir = getenv("REGIO_SHARED_DATA");
    if (!dir)
        SKIP("REGIO_SHARED_DATA not set");
    char path[1024];
    snprintf(path, sizeof path, "%s/routing/tsp/berlin52.tsp", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        SKIP("berlin52.tsp not found under REGIO_SHARED_DATA");
    fclose(f);
    regio_tsplib t;
    regio_error e;
    ASSERT_OK(regio_tsplib_read(path, &t, &e));
    ASSERT_EQ_INT(t.n, 52);
    regio_dist_opts o = {.metric = REGIO_METRIC_EUCLIDEAN,
                         .round_nearest = t.round_nearest};
    regio_dist *d = NULL;
    ASSERT_OK(regio_dist_create_coords(t.n, t.x, t.y, &o, &d, NULL));
    uint32_t tour[52];
    double cost = 0;
    regio_tsp_params p = {.seed = 1, .time_limit_s = 2};
    ASSERT_OK(regio_tsp_solve(d, &p, tour, &cost, NULL));
    ASSERT_TRUE(is_perm_from_zero(tour, 52));
    double gap = (cost - 7542) / 7542;
    if (gap > 0.02)
        FAIL_AT_("berlin52 gap %.4f > 0.02 (cost %.0f)", gap, cost);
    regio_dist_destroy(d);
    regio_tsplib_clear(&t);
}

int main(void)
{
    RUN(test_euc2d_rounding);
    RUN(test_haversine);
    RUN(test_matrix_provider);
    RUN(test_neighbours_euclid_bruteforce);
    RUN(test_neighbours_haversine_bruteforce);
    RUN(test_tour_valid_and_cost);
    RUN(test_circle_optimal);
    RUN(test_haversine_tour);
    RUN(test_bruteforce_small);
    RUN(test_tiny_sizes);
    RUN(test_same_seed_same_tour);
    RUN(test_asymmetric_matrix);
    RUN(test_cancel_gives_valid_tour);
    RUN(test_invalid_args);
    RUN(test_coincident_points);
    RUN(test_subset_provider);
    RUN(test_large_coordinates_terminate);
    RUN(test_alloc_failure);
    RUN(test_tsplib_parse);
    RUN(test_berlin52_gap);
    TEST_END();
}
