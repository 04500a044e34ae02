/*
 * Reps to territories (regio_assignment_solve, regio_rep_distances,
 * regio_rep_assign): the Hungarian solver against brute force over every
 * injective assignment of random small rectangular instances, the
 * home-to-territory distance against a haversine written here, and the
 * cases around it: vacant territories, pinned reps, reps without a home,
 * more reps than territories, empty territories, ties, allocation failures.
 */
#include "regio/design.h"
#include "regio_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- the oracle: brute force ----------------------------------------------------- */

/* Least total of assigning every one of the `small` rows (columns when
 * transposed) to a distinct one of the `large` other side, by trying all. */
static double brute(const double *c, size_t nr, size_t nc, size_t i, unsigned used)
{
    int tall = nr > nc; /* rows beyond columns: every column takes a row */
    size_t small = tall ? nc : nr, large = tall ? nr : nc;
    if (i == small)
        return 0;
    double best = INFINITY;
    for (size_t j = 0; j < large; j++) {
        if (used & (1u << j))
            continue;
        double cij = tall ? c[j * nc + i] : c[i * nc + j];
        double v = cij + brute(c, nr, nc, i + 1, used | (1u << j));
        if (v < best)
            best = v;
    }
    return best;
}

/* The solver's answer is an assignment: distinct columns, as many pairs as
 * the smaller side, and its total is the sum of its costs. */
static void check_assignment(const double *c, size_t nr, size_t nc, const int *row_col,
                             double total)
{
    unsigned used = 0;
    size_t pairs = 0;
    double sum = 0;
    for (size_t i = 0; i < nr; i++) {
        if (row_col[i] < 0)
            continue;
        ASSERT_TRUE(row_col[i] < (int)nc);
        ASSERT_TRUE(!(used & (1u << row_col[i])));
        used |= 1u << row_col[i];
        pairs++;
        sum += c[i * nc + (size_t)row_col[i]];
    }
    ASSERT_EQ_INT(pairs, nr < nc ? nr : nc);
    ASSERT_NEAR(sum, total, 1e-9);
}

static void test_solve_against_brute_force(void)
{
    regio_rng rng;
    regio_rng_seed(&rng, 20270411);
    double c[64];
    int row_col[8];
    for (int trial = 0; trial < 3000; trial++) {
        size_t nr = 1 + regio_rng_below(&rng, 7), nc = 1 + regio_rng_below(&rng, 7);
        int ints = trial % 3 == 0; /* small integers: many ties */
        for (size_t e = 0; e < nr * nc; e++)
            c[e] = ints ? (double)regio_rng_below(&rng, 4)
                        : 1000.0 * regio_rng_double(&rng) - (trial % 5 == 0 ? 500.0 : 0.0);
        double total = -1;
        ASSERT_OK(regio_assignment_solve(nr, nc, c, row_col, &total, NULL));
        check_assignment(c, nr, nc, row_col, total);
        double want = brute(c, nr, nc, 0, 0);
        if (fabs(total - want) > 1e-9) {
            FAIL_AT_("trial %d (%zu x %zu): solver %.12g, brute force %.12g", trial, nr, nc,
                     total, want);
            return;
        }
    }
}

static void test_solve_edges(void)
{
    int row_col[4] = {7, 7, 7, 7};
    double total = 5;
    /* Nothing to match. */
    ASSERT_OK(regio_assignment_solve(3, 0, NULL, row_col, &total, NULL));
    ASSERT_EQ_INT(row_col[0], -1);
    ASSERT_EQ_INT(row_col[2], -1);
    ASSERT_NEAR(total, 0, 0);
    /* Ties go the same way every time: equal costs give the identity. */
    double flat[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    ASSERT_OK(regio_assignment_solve(3, 3, flat, row_col, &total, NULL));
    ASSERT_EQ_INT(row_col[0], 0);
    ASSERT_EQ_INT(row_col[1], 1);
    ASSERT_EQ_INT(row_col[2], 2);
    ASSERT_NEAR(total, 3, 0);
    /* Greedy fails here (row 0 takes column 0 at 1, row 1 pays 100). */
    double trap[4] = {1, 2, 3, 100};
    ASSERT_OK(regio_assignment_solve(2, 2, trap, row_col, &total, NULL));
    ASSERT_EQ_INT(row_col[0], 1);
    ASSERT_EQ_INT(row_col[1], 0);
    ASSERT_NEAR(total, 5, 0);
    /* More rows than columns: the rows left over get -1. */
    double tall[3] = {5, 1, 3};
    ASSERT_OK(regio_assignment_solve(3, 1, tall, row_col, &total, NULL));
    ASSERT_EQ_INT(row_col[0], -1);
    ASSERT_EQ_INT(row_col[1], 0);
    ASSERT_EQ_INT(row_col[2], -1);
    ASSERT_NEAR(total, 1, 0);
    /* A cost that is no number is refused. */
    double bad[2] = {1, NAN};
    regio_error e;
    ASSERT_EQ_INT(regio_assignment_solve(1, 2, bad, row_col, &total, &e), REGIO_EINVAL);
    ASSERT_TRUE(strstr(e.msg, "[0][1]") != NULL);
}

/* ---- a small map ------------------------------------------------------------------- */

#define MAXU 64

typedef struct map {
    size_t n;
    double x[MAXU], y[MAXU], meas[MAXU * 2];
    int labels[MAXU];
    int xadj[MAXU + 1];
    regio_design_input in;
} map;

static void map_init(map *mp, size_t n)
{
    memset(mp, 0, sizeof *mp);
    mp->n = n;
    mp->in.n = n;
    mp->in.coords = REGIO_COORDS_LATLON;
    mp->in.x = mp->x;
    mp->in.y = mp->y;
    mp->in.m = 2;
    mp->in.measures = mp->meas;
    mp->in.xadj = mp->xadj; /* no edges: distances need none */
    mp->in.adjncy = NULL;
}

/* Haversine written out here, independent of the library's kernel. */
static double hav_km(double lat1, double lon1, double lat2, double lon2)
{
    const double rad = M_PI / 180.0;
    double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    double h = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * REGIO_EARTH_RADIUS_KM * asin(sqrt(h));
}

/* The oracle's home-to-territory distance: weighted mean by measure col
 * (uniform when the territory's weight is 0); NAN when it has no unit. */
static double oracle_dist(const map *mp, int t, int col, double hx, double hy)
{
    double s = 0, w = 0, s1 = 0, w1 = 0;
    for (size_t i = 0; i < mp->n; i++) {
        if (mp->labels[i] != t)
            continue;
        double d = hav_km(hy, hx, mp->y[i], mp->x[i]);
        double wi = col >= 0 ? mp->meas[i * 2 + (size_t)col] : 1;
        s += wi * d;
        w += wi;
        s1 += d;
        w1 += 1;
    }
    if (w1 == 0)
        return NAN;
    return w > 0 ? s / w : s1 / w1;
}

static void test_distances_against_oracle(void)
{
    regio_rng rng;
    regio_rng_seed(&rng, 7);
    map mp;
    map_init(&mp, 40);
    int k = 5;
    for (size_t i = 0; i < mp.n; i++) {
        mp.x[i] = -120 + 40 * regio_rng_double(&rng);
        mp.y[i] = 30 + 15 * regio_rng_double(&rng);
        mp.meas[i * 2] = (double)regio_rng_below(&rng, 10);
        mp.meas[i * 2 + 1] = 0; /* a measure that is 0 everywhere */
        mp.labels[i] = (int)regio_rng_below(&rng, (uint64_t)k - 1); /* territory 4 stays empty */
    }
    mp.labels[0] = -1; /* a unit in no territory counts nowhere */
    double hx[3] = {-100, -75, NAN}, hy[3] = {40, 42, 40};
    double out[15];
    int cols[3] = {0, 1, REGIO_DESIGN_TRAVEL_UNIFORM};
    for (int ci = 0; ci < 3; ci++) {
        ASSERT_OK(regio_rep_distances(&mp.in, k, mp.labels, cols[ci], 3, hx, hy, out, NULL));
        for (int h = 0; h < 2; h++)
            for (int t = 0; t < k - 1; t++)
                ASSERT_NEAR(out[h * k + t],
                            oracle_dist(&mp, t, cols[ci] >= 0 ? cols[ci] : -1, hx[h], hy[h]),
                            1e-6);
        for (int h = 0; h < 3; h++)
            ASSERT_TRUE(isnan(out[h * k + 4])); /* empty territory */
        for (int t = 0; t < k; t++)
            ASSERT_TRUE(isnan(out[2 * k + t])); /* no home */
    }
    /* Bad labels and columns are refused. */
    mp.labels[1] = k;
    ASSERT_EQ_INT(regio_rep_distances(&mp.in, k, mp.labels, 0, 3, hx, hy, out, NULL),
                  REGIO_EINVAL);
    mp.labels[1] = 0;
    ASSERT_EQ_INT(regio_rep_distances(&mp.in, k, mp.labels, 2, 3, hx, hy, out, NULL),
                  REGIO_EINVAL);
}

/* Least total distance over every way of giving the free reps (with a
 * home, not pinned) to the free territories (no pin, not empty), one each,
 * as many pairs as the smaller side: the oracle of regio_rep_assign. */
static double brute_reps(const map *mp, int k, size_t nr, const double *hx, const double *hy,
                         const int *pinned, int col)
{
    int rows[8], cols[8];
    size_t n_rows = 0, n_cols = 0;
    for (size_t r = 0; r < nr; r++) {
        int taken = 0;
        for (int t = 0; pinned && t < k; t++)
            taken |= pinned[t] == (int)r;
        if (!taken && isfinite(hx[r]))
            rows[n_rows++] = (int)r;
    }
    for (int t = 0; t < k; t++)
        if ((!pinned || pinned[t] < 0) && !isnan(oracle_dist(mp, t, col, 0, 0)))
            cols[n_cols++] = t;
    double c[64];
    for (size_t i = 0; i < n_rows; i++)
        for (size_t j = 0; j < n_cols; j++)
            c[i * n_cols + j] = oracle_dist(mp, cols[j], col, hx[rows[i]], hy[rows[i]]);
    double free_total = n_rows && n_cols ? brute(c, n_rows, n_cols, 0, 0) : 0;
    for (int t = 0; pinned && t < k; t++)
        if (pinned[t] >= 0 && isfinite(hx[pinned[t]])) {
            double d = oracle_dist(mp, t, col, hx[pinned[t]], hy[pinned[t]]);
            if (isfinite(d))
                free_total += d;
        }
    return free_total;
}

static void test_assign_against_brute_force(void)
{
    regio_rng rng;
    regio_rng_seed(&rng, 11);
    for (int trial = 0; trial < 400; trial++) {
        map mp;
        map_init(&mp, 30);
        int k = 1 + (int)regio_rng_below(&rng, 6);
        size_t nr = regio_rng_below(&rng, 7);
        for (size_t i = 0; i < mp.n; i++) {
            mp.x[i] = -110 + 30 * regio_rng_double(&rng);
            mp.y[i] = 30 + 15 * regio_rng_double(&rng);
            mp.meas[i * 2] = (double)regio_rng_below(&rng, 5);
            mp.labels[i] = (int)regio_rng_below(&rng, (uint64_t)k);
        }
        double hx[8], hy[8];
        for (size_t r = 0; r < nr; r++) {
            hx[r] = -110 + 30 * regio_rng_double(&rng);
            hy[r] = 30 + 15 * regio_rng_double(&rng);
            if (regio_rng_below(&rng, 8) == 0)
                hx[r] = NAN; /* a rep without a home */
        }
        int pinned[8];
        int use_pins = nr > 0 && trial % 3 == 0;
        for (int t = 0; t < k; t++)
            pinned[t] = use_pins && regio_rng_below(&rng, 4) == 0
                            ? (int)regio_rng_below(&rng, nr)
                            : -1;
        regio_rep_assignment a;
        ASSERT_OK(regio_rep_assign(&mp.in, k, mp.labels, 0, nr, hx, hy,
                                   use_pins ? pinned : NULL, &a, NULL));
        double want = brute_reps(&mp, k, nr, hx, hy, use_pins ? pinned : NULL, 0);
        if (fabs(a.total_dist - want) > 1e-6 * (1 + want)) {
            FAIL_AT_("trial %d (k %d, %zu reps): assigned %.9g km, brute force %.9g km", trial,
                     k, nr, a.total_dist, want);
            regio_rep_assignment_free(&a);
            return;
        }
        /* Pins hold; no rep takes two territories unless pinned to them;
         * the counts add up. */
        size_t free_homes = 0, free_terr = 0;
        for (size_t r = 0; r < nr; r++) {
            int held = 0, pins = 0;
            for (int t = 0; t < k; t++) {
                held += a.territory_rep[t] == (int)r;
                pins += use_pins && pinned[t] == (int)r;
            }
            ASSERT_TRUE(held <= (pins ? pins : 1));
            free_homes += !pins && isfinite(hx[r]);
        }
        for (int t = 0; t < k; t++) {
            if (use_pins && pinned[t] >= 0) {
                ASSERT_EQ_INT(a.territory_rep[t], pinned[t]);
                ASSERT_TRUE(a.kept[t]);
            } else {
                free_terr += !a.empty[t];
            }
        }
        int want_assigned = a.n_kept + (int)(free_homes < free_terr ? free_homes : free_terr);
        ASSERT_EQ_INT(a.n_assigned, want_assigned);
        ASSERT_EQ_INT(a.n_assigned + a.n_vacant, k);
        regio_rep_assignment_free(&a);
    }
}

/* Five territories in a row along latitude 40, one per 5 degrees of
 * longitude, four units each. */
static void row_map(map *mp)
{
    map_init(mp, 20);
    for (size_t i = 0; i < 20; i++) {
        mp->labels[i] = (int)(i / 4);
        mp->x[i] = -120 + 5.0 * (double)(i / 4) + 0.5 * (double)(i % 4);
        mp->y[i] = 40 + 0.2 * (double)(i % 2);
        mp->meas[i * 2] = 1;
    }
}

static void test_vacant_and_idle(void)
{
    map mp;
    row_map(&mp);
    /* Three reps for five territories: near territories 0, 2 and 4. */
    double hx[3] = {-99.2, -119.2, -109.2}, hy[3] = {40, 40, 40};
    regio_rep_assignment a;
    ASSERT_OK(regio_rep_assign(&mp.in, 5, mp.labels, 0, 3, hx, hy, NULL, &a, NULL));
    ASSERT_EQ_INT(a.territory_rep[0], 1);
    ASSERT_EQ_INT(a.territory_rep[1], -1);
    ASSERT_EQ_INT(a.territory_rep[2], 2);
    ASSERT_EQ_INT(a.territory_rep[3], -1);
    ASSERT_EQ_INT(a.territory_rep[4], 0);
    ASSERT_EQ_INT(a.n_vacant, 2);
    ASSERT_EQ_INT(a.n_assigned, 3);
    ASSERT_EQ_INT(a.n_idle, 0);
    ASSERT_EQ_INT(a.rep_territory[0], 4);
    ASSERT_TRUE(isnan(a.territory_dist[1]));
    const char *terr[5] = {"T1", "T2", "T3", "T4", "T5"};
    const char *reps[3] = {"R-east", "R-west", "R-mid"};
    regio_buf b;
    regio_buf_init(&b, 0);
    ASSERT_OK(regio_rep_assignment_describe(&a, REGIO_COORDS_LATLON, terr, reps, &b));
    ASSERT_TRUE(strstr(b.data, "reps: 3 of 5 territories have a rep; home-to-territory "
                               "distance ") == b.data);
    ASSERT_TRUE(strstr(b.data, "\nvacant: 2 territories without a rep (fewer reps with a home "
                               "than territories): T2, T4\n") != NULL);
    regio_buf_free(&b);
    regio_rep_assignment_free(&a);

    /* Seven reps for five territories: two stay without one. */
    double hx7[7] = {-120, -115, -110, -105, -100, -121, -97}, hy7[7] = {40, 40, 40, 40, 40, 40,
                                                                         40};
    ASSERT_OK(regio_rep_assign(&mp.in, 5, mp.labels, 0, 7, hx7, hy7, NULL, &a, NULL));
    for (int t = 0; t < 5; t++)
        ASSERT_EQ_INT(a.territory_rep[t], t);
    ASSERT_EQ_INT(a.n_idle, 2);
    ASSERT_EQ_INT(a.rep_territory[5], -1);
    ASSERT_EQ_INT(a.rep_territory[6], -1);
    const char *reps7[7] = {"A", "B", "C", "D", "E", "F", "G"};
    regio_buf_init(&b, 0);
    ASSERT_OK(regio_rep_assignment_describe(&a, REGIO_COORDS_LATLON, terr, reps7, &b));
    ASSERT_TRUE(strstr(b.data, "\nwithout a territory: 2 reps (more reps than territories): F, "
                               "G\n") != NULL);
    regio_buf_free(&b);
    regio_rep_assignment_free(&a);
}

static void test_pinned_and_homeless(void)
{
    map mp;
    row_map(&mp);
    /* Rep 0 lives in the east but keeps territory 0 in the west; rep 1
     * has no home and cannot be placed; rep 2 lives by territory 0 and so
     * takes the nearest free one, territory 1. */
    double hx[4] = {-99, NAN, -119, -110}, hy[4] = {40, NAN, 40, 40};
    int pinned[5] = {0, -1, -1, -1, -1};
    regio_rep_assignment a;
    ASSERT_OK(regio_rep_assign(&mp.in, 5, mp.labels, 0, 4, hx, hy, pinned, &a, NULL));
    ASSERT_EQ_INT(a.territory_rep[0], 0);
    ASSERT_TRUE(a.kept[0]);
    ASSERT_EQ_INT(a.territory_rep[1], 2);
    ASSERT_EQ_INT(a.territory_rep[2], 3);
    ASSERT_EQ_INT(a.n_kept, 1);
    ASSERT_EQ_INT(a.n_homeless, 1);
    ASSERT_EQ_INT(a.n_vacant, 2);
    ASSERT_NEAR(a.territory_dist[0], oracle_dist(&mp, 0, 0, -99, 40), 1e-6);
    const char *terr[5] = {"T1", "T2", "T3", "T4", "T5"};
    const char *reps[4] = {"R0", "R1", "R2", "R3"};
    regio_buf b;
    regio_buf_init(&b, 0);
    ASSERT_OK(regio_rep_assignment_describe(&a, REGIO_COORDS_LATLON, terr, reps, &b));
    ASSERT_TRUE(strstr(b.data, "reps: 3 of 5 territories have a rep (1 kept);") == b.data);
    ASSERT_TRUE(strstr(b.data, "\nnot placed: 1 rep without a home (no coordinates): R1\n") !=
                NULL);
    regio_buf_free(&b);
    regio_rep_assignment_free(&a);

    /* A pinned rep needs no home: it keeps the territory, distance unknown. */
    pinned[0] = 1;
    ASSERT_OK(regio_rep_assign(&mp.in, 5, mp.labels, 0, 4, hx, hy, pinned, &a, NULL));
    ASSERT_EQ_INT(a.territory_rep[0], 1);
    ASSERT_TRUE(isnan(a.territory_dist[0]));
    ASSERT_EQ_INT(a.n_homeless, 0);
    ASSERT_EQ_INT(a.n_assigned, 4);
    regio_rep_assignment_free(&a);

    /* No reps at all: every territory is vacant, in one line. */
    ASSERT_OK(regio_rep_assign(&mp.in, 5, mp.labels, 0, 0, NULL, NULL, NULL, &a, NULL));
    ASSERT_EQ_INT(a.n_vacant, 5);
    regio_buf_init(&b, 0);
    ASSERT_OK(regio_rep_assignment_describe(&a, REGIO_COORDS_LATLON, terr, NULL, &b));
    ASSERT_EQ_STR(b.data, "reps: none to give the 5 territories, so all are vacant\n");
    regio_buf_free(&b);
    regio_rep_assignment_free(&a);

    /* A pin to a rep that does not exist is refused. */
    pinned[0] = 4;
    ASSERT_EQ_INT(regio_rep_assign(&mp.in, 5, mp.labels, 0, 4, hx, hy, pinned, &a, NULL),
                  REGIO_EINVAL);
}

static void test_empty_territory(void)
{
    map mp;
    row_map(&mp);
    for (size_t i = 4; i < 8; i++)
        mp.labels[i] = 0; /* territory 1 loses its units */
    double hx[2] = {-115, -120}, hy[2] = {40, 40};
    regio_rep_assignment a;
    ASSERT_OK(regio_rep_assign(&mp.in, 5, mp.labels, 0, 2, hx, hy, NULL, &a, NULL));
    ASSERT_TRUE(a.empty[1]);
    ASSERT_EQ_INT(a.territory_rep[1], -1);
    ASSERT_EQ_INT(a.territory_rep[0], 1);
    ASSERT_EQ_INT(a.territory_rep[2], 0);
    const char *terr[5] = {"T1", "T2", "T3", "T4", "T5"};
    const char *reps[2] = {"R0", "R1"};
    regio_buf b;
    regio_buf_init(&b, 0);
    ASSERT_OK(regio_rep_assignment_describe(&a, REGIO_COORDS_LATLON, terr, reps, &b));
    ASSERT_TRUE(strstr(b.data, "\nvacant: 1 territory without units and without a rep: T2\n") !=
                NULL);
    ASSERT_TRUE(strstr(b.data, "\nvacant: 2 territories without a rep (fewer reps with a home "
                               "than territories): T4, T5\n") != NULL);
    regio_buf_free(&b);
    regio_rep_assignment_free(&a);
}

static void test_allocation_failures(void)
{
    map mp;
    row_map(&mp);
    double hx[6] = {-99, NAN, -119, -110, -104, -121}, hy[6] = {40, 40, 40, 40, 40, 40};
    int pinned[5] = {-1, 3, -1, -1, -1};
    regio_rep_assignment want, a;
    ASSERT_OK(regio_rep_assign(&mp.in, 5, mp.labels, 0, 6, hx, hy, pinned, &want, NULL));
    int ok = 0;
    regio_set_allocator(&regio_test_failing);
    for (alloc_fail_at = 1; alloc_fail_at < 200 && !ok; alloc_fail_at++) {
        alloc_calls = 0;
        regio_err rc = regio_rep_assign(&mp.in, 5, mp.labels, 0, 6, hx, hy, pinned, &a, NULL);
        if (rc == REGIO_OK) {
            ok = 1;
            for (int t = 0; t < 5; t++)
                ASSERT_EQ_INT(a.territory_rep[t], want.territory_rep[t]);
            regio_rep_assignment_free(&a);
        } else {
            ASSERT_EQ_INT(rc, REGIO_ENOMEM);
            ASSERT_TRUE(a.territory_rep == NULL);
        }
    }
    regio_set_allocator(NULL);
    ASSERT_TRUE(ok);
    regio_rep_assignment_free(&want);
}

/* More reps x territories than the distances are all computed for (the
 * candidate path of rep_assign.c): 4,300 one-unit territories, reps living
 * near them (a few without a home, a few pinned). Every pair's distance is
 * the oracle's, every free territory gets a rep while there are free reps
 * with homes, nobody takes two, and the total stays within 3% of the
 * optimum (0.8% above it here; 5.5% before the exchanges), which the
 * exact solver finds on the whole matrix the candidate path avoids. */
static void test_many_reps(void)
{
    enum { K = 4300 };
    regio_rng rng;
    regio_rng_seed(&rng, 23);
    double *x = malloc(K * sizeof *x), *y = malloc(K * sizeof *y);
    double *meas = calloc(K * 2, sizeof *meas), *hx = malloc(K * sizeof *hx);
    double *hy = malloc(K * sizeof *hy);
    int *labels = malloc(K * sizeof *labels), *xadj = calloc(K + 1, sizeof *xadj);
    int *pinned = malloc(K * sizeof *pinned);
    ASSERT_TRUE(x && y && meas && hx && hy && labels && xadj && pinned);
    for (int i = 0; i < K; i++) {
        x[i] = -120 + 45 * regio_rng_double(&rng);
        y[i] = 28 + 20 * regio_rng_double(&rng);
        meas[i * 2] = 1 + (double)regio_rng_below(&rng, 9);
        labels[i] = i;
        pinned[i] = -1;
    }
    /* rep i lives near territory (i * 7) % K, one in 20 farther, one in 33
     * nowhere */
    for (int i = 0; i < K; i++) {
        int t = (int)((i * 7L) % K);
        double far = regio_rng_below(&rng, 20) == 0 ? 5 : 0.2;
        hx[i] = x[t] + far * (regio_rng_double(&rng) - 0.5);
        hy[i] = y[t] + far * (regio_rng_double(&rng) - 0.5);
        if (regio_rng_below(&rng, 33) == 0)
            hx[i] = NAN;
    }
    for (int n = 0; n < 40; n++) /* pins: territory t keeps rep t */
        pinned[(int)regio_rng_below(&rng, K)] = -2;
    for (int t = 0; t < K; t++)
        pinned[t] = pinned[t] == -2 ? t : -1;
    regio_design_input in;
    memset(&in, 0, sizeof in);
    in.n = K;
    in.coords = REGIO_COORDS_LATLON;
    in.x = x;
    in.y = y;
    in.m = 2;
    in.measures = meas;
    in.xadj = xadj;
    regio_rep_assignment a;
    ASSERT_OK(regio_rep_assign(&in, K, labels, 0, K, hx, hy, pinned, &a, NULL));
    unsigned char *pin_of = calloc(K, 1);
    int *held = calloc(K, sizeof *held);
    ASSERT_TRUE(pin_of && held);
    size_t free_homes = 0, free_terr = 0;
    for (int t = 0; t < K; t++)
        if (pinned[t] >= 0)
            pin_of[pinned[t]] = 1;
    for (int r = 0; r < K; r++)
        free_homes += !pin_of[r] && isfinite(hx[r]);
    double total = 0;
    for (int t = 0; t < K; t++) {
        int r = a.territory_rep[t];
        if (pinned[t] >= 0) {
            ASSERT_EQ_INT(r, pinned[t]);
        } else {
            free_terr++;
        }
        if (r < 0)
            continue;
        held[r]++;
        double want = isfinite(hx[r]) ? hav_km(hy[r], hx[r], y[t], x[t]) : NAN;
        if (isfinite(want)) {
            ASSERT_NEAR(a.territory_dist[t], want, 1e-6 * (1 + want));
            if (pinned[t] < 0)
                total += want;
        }
    }
    for (int r = 0; r < K; r++)
        ASSERT_TRUE(held[r] <= 1);
    ASSERT_EQ_INT(a.n_assigned,
                  a.n_kept + (int)(free_homes < free_terr ? free_homes : free_terr));
    /* The optimum of the same free reps and territories, by the exact
     * solver on every distance (what the candidate path avoids). */
    int *R = malloc(K * sizeof *R), *T = malloc(K * sizeof *T);
    ASSERT_TRUE(R && T);
    size_t nr = 0, nt = 0;
    for (int r = 0; r < K; r++)
        if (!pin_of[r] && isfinite(hx[r]))
            R[nr++] = r;
    for (int t = 0; t < K; t++)
        if (pinned[t] < 0)
            T[nt++] = t;
    double *c = malloc(nr * nt * sizeof *c);
    int *rowcol = malloc(nr * sizeof *rowcol);
    ASSERT_TRUE(c && rowcol);
    for (size_t i = 0; i < nr; i++)
        for (size_t j = 0; j < nt; j++)
            c[i * nt + j] = hav_km(hy[R[i]], hx[R[i]], y[T[j]], x[T[j]]);
    double opt = 0;
    ASSERT_OK(regio_assignment_solve(nr, nt, c, rowcol, &opt, NULL));
    printf("  many reps: %zu free territories, %zu free reps with a home; %.1f km, the "
           "optimum %.1f km (+%.1f%%)\n",
           free_terr, free_homes, total, opt, 100 * (total / opt - 1));
    ASSERT_TRUE(total >= opt - 1e-6 * opt);
    ASSERT_TRUE(total <= 1.03 * opt);
    free(R);
    free(T);
    free(c);
    free(rowcol);
    regio_rep_assignment_free(&a);
    free(x);
    free(y);
    free(meas);
    free(hx);
    free(hy);
    free(labels);
    free(xadj);
    free(pinned);
    free(pin_of);
    free(held);
}

int main(void)
{
    RUN(test_solve_against_brute_force);
    RUN(test_solve_edges);
    RUN(test_distances_against_oracle);
    RUN(test_assign_against_brute_force);
    RUN(test_vacant_and_idle);
    RUN(test_pinned_and_homeless);
    RUN(test_empty_territory);
    RUN(test_allocation_failures);
    RUN(test_many_reps);
    TEST_END();
}
