/*
 * Randomised test of the evaluation kept between calls (design/eval_memo.h):
 * after every random change of a labelling — a few units moved between
 * territories, into none and back, the hand-moved account measures
 * (measure_adjust) changed, sometimes a large share of the units moved at
 * once — the report brought up to date in place (only the territories
 * whose units changed measured again) must equal, bit for bit in every
 * field, a whole evaluation of the same labelling made from nothing by
 * regio_design_evaluate. Inputs: planar and latitude/longitude grids with
 * 4-neighbour adjacency, 1–4 measures (some zero), k from 1 to 40, with
 * and without target shares, homes and a baseline. Then the same under
 * failing allocations: a failure leaves no report, and the next update
 * (which must then evaluate everything) is right again.
 */
#include "design/eval_memo.h"
#include "regio/core.h"
#include "regio_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXG 14
#define MAXN (MAXG * MAXG)
#define MAXK 40
#define MAXM 4

typedef struct world {
    int g, n, m, k;
    double x[MAXN], y[MAXN], meas[MAXN * MAXM];
    int xadj[MAXN + 1], adjncy[4 * MAXN];
    double shares[MAXK], hx[MAXK], hy[MAXK], adjust[MAXK * MAXM];
    int baseline[MAXN];
    regio_design_input in;
    regio_design_params params;
} world;

static int below(regio_rng *r, int n) { return (int)regio_rng_below(r, (uint64_t)n); }

static void world_init(world *w, regio_rng *r)
{
    memset(w, 0, sizeof *w);
    w->g = 2 + below(r, MAXG - 1);
    w->n = w->g * w->g;
    w->m = 1 + below(r, MAXM);
    w->k = 1 + below(r, w->n < MAXK ? w->n : MAXK);
    int lonlat = below(r, 2);
    int e = 0;
    for (int i = 0; i < w->n; i++) {
        int a = i / w->g, b = i % w->g;
        w->x[i] = lonlat ? -100.0 + 0.3 * b + 0.01 * below(r, 10) : b + 0.1 * below(r, 5);
        w->y[i] = lonlat ? 35.0 + 0.3 * a + 0.01 * below(r, 10) : a + 0.1 * below(r, 5);
        for (int c = 0; c < w->m; c++)
            w->meas[i * w->m + c] = c == 1 && below(r, 3) == 0 ? 0.0 : 1.0 + below(r, 1000) / 7.0;
        w->xadj[i] = e;
        if (a > 0)
            w->adjncy[e++] = i - w->g;
        if (a + 1 < w->g)
            w->adjncy[e++] = i + w->g;
        if (b > 0)
            w->adjncy[e++] = i - 1;
        if (b + 1 < w->g)
            w->adjncy[e++] = i + 1;
    }
    w->xadj[w->n] = e;
    w->in.n = (size_t)w->n;
    w->in.coords = lonlat ? REGIO_COORDS_LATLON : REGIO_COORDS_PLANAR;
    w->in.x = w->x;
    w->in.y = w->y;
    w->in.m = (size_t)w->m;
    w->in.measures = w->meas;
    w->in.xadj = w->xadj;
    w->in.adjncy = w->adjncy;
    regio_design_params_init(&w->params);
    w->params.k = w->k;
    w->params.allow_unaligned = 1;
    w->params.travel_col = below(r, 3) == 0 ? REGIO_DESIGN_TRAVEL_UNIFORM : below(r, w->m);
    for (int t = 0; t < w->k; t++) {
        w->shares[t] = 0.5 + below(r, 10) / 4.0;
        w->hx[t] = w->x[below(r, w->n)];
        w->hy[t] = w->y[below(r, w->n)];
    }
    if (below(r, 2))
        w->params.target_shares = w->shares;
    if (below(r, 4) == 0) {
        w->params.home_x = w->hx;
        w->params.home_y = w->hy;
    }
    for (int i = 0; i < w->n; i++)
        w->baseline[i] = below(r, w->k);
    if (below(r, 2))
        w->params.baseline = w->baseline;
}

static int same_d(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* Every field of a against b, bit for bit; the number of differences. */
static int diff_reports(const regio_design_report *a, const regio_design_report *b)
{
    int d = 0;
    if (a->k != b->k || a->m != b->m || !a->territories || !b->territories)
        return 1;
    for (size_t c = 0; c < a->m; c++)
        d += !same_d(a->balance[c], b->balance[c]) + !same_d(a->cv[c], b->cv[c]) +
             !same_d(a->gini[c], b->gini[c]) + !same_d(a->within5[c], b->within5[c]) +
             !same_d(a->within15[c], b->within15[c]);
    d += !same_d(a->travel_km, b->travel_km) + !same_d(a->max_diameter, b->max_diameter) +
         (a->n_noncontiguous != b->n_noncontiguous) + (a->n_empty != b->n_empty) +
         (a->n_unaligned != b->n_unaligned) + (a->has_baseline != b->has_baseline) +
         (a->moved_units != b->moved_units) +
         !same_d(a->moved_units_share, b->moved_units_share) +
         !same_d(a->moved_weight_share, b->moved_weight_share);
    for (int t = 0; t < a->k; t++) {
        const regio_design_territory *x = &a->territories[t], *y = &b->territories[t];
        d += (x->n_units != y->n_units) + !same_d(x->travel_km, y->travel_km) +
             !same_d(x->diameter, y->diameter) + (x->contiguous != y->contiguous) +
             (x->n_components != y->n_components) + (x->centre != y->centre);
        for (size_t c = 0; c < a->m; c++)
            d += !same_d(x->totals[c], y->totals[c]) + !same_d(x->target[c], y->target[c]) +
                 !same_d(x->dev[c], y->dev[c]);
    }
    return d;
}

/* One random change of the labelling; flags the territories it touches. */
static void change(world *w, regio_rng *r, int *lab, unsigned char *changed)
{
    memset(changed, 0, (size_t)w->k);
    int op = below(r, 10);
    if (op == 0) { /* the hand-moved accounts: totals change, units do not */
        for (int t = 0; t < w->k * w->m; t++)
            w->adjust[t] = below(r, 3) == 0 ? (below(r, 200) - 100) / 3.0 : 0.0;
        w->params.measure_adjust = below(r, 2) ? w->adjust : NULL;
        return;
    }
    int moves = op == 1 ? 1 + below(r, w->n) : 1 + below(r, 3);
    for (int j = 0; j < moves; j++) {
        int i = below(r, w->n);
        int to = below(r, 8) == 0 ? -1 : below(r, w->k);
        if (lab[i] == to)
            continue;
        if (lab[i] >= 0)
            changed[lab[i]] = 1;
        if (to >= 0)
            changed[to] = 1;
        lab[i] = to;
    }
}

static int aligned(const world *w, const int *lab)
{
    for (int i = 0; i < w->n; i++)
        if (lab[i] >= 0)
            return 1;
    return 0;
}

static void test_random(void)
{
    long steps = 0, partial = 0;
    int bad = 0;
    for (unsigned seed = 1; seed <= 150 && !bad; seed++) {
        regio_rng r;
        regio_rng_seed(&r, seed);
        world w;
        world_init(&w, &r);
        int lab[MAXN];
        for (int i = 0; i < w.n; i++)
            lab[i] = below(&r, w.k);
        regio__eval_memo memo;
        memset(&memo, 0, sizeof memo);
        regio_design_report kept, fresh;
        memset(&kept, 0, sizeof kept);
        regio_error err;
        ASSERT_TRUE(regio__design_evaluate_memo(&w.in, &w.params, lab, NULL, &kept, &memo,
                                                &err) == REGIO_OK);
        unsigned char changed[MAXK];
        for (int step = 0; step < 60 && !bad; step++) {
            change(&w, &r, lab, changed);
            if (!aligned(&w, lab))
                lab[0] = 0, changed[0] = 1;
            regio_err rc =
                regio__design_evaluate_memo(&w.in, &w.params, lab, changed, &kept, &memo, &err);
            memset(&fresh, 0, sizeof fresh);
            regio_err rf = regio_design_evaluate(&w.in, &w.params, lab, &fresh, &err);
            ASSERT_TRUE(rc == REGIO_OK && rf == REGIO_OK);
            int d = diff_reports(&kept, &fresh);
            if (d) {
                fprintf(stderr, "  seed %u step %d (k %d n %d m %d): %d fields differ\n", seed,
                        step, w.k, w.n, w.m, d);
                bad = 1;
            }
            ASSERT_TRUE(d == 0);
            regio_design_report_free(&fresh);
            steps++;
            for (int t = 0; t < w.k; t++)
                partial += !changed[t];
        }
        regio_design_report_free(&kept);
        regio__eval_memo_free(&memo);
    }
    /* The updates measured fewer territories than all of them. */
    ASSERT_TRUE(partial > steps);
    printf("  %ld random changes: the kept report equals a whole evaluation\n", steps);
}

/* Allocation failures at every point of an update: no report then, and the
 * next evaluation is whole and right. */
static void test_alloc_failures(void)
{
    regio_rng r;
    regio_rng_seed(&r, 77);
    world w;
    world_init(&w, &r);
    int lab[MAXN];
    for (int i = 0; i < w.n; i++)
        lab[i] = below(&r, w.k);
    int failures = 0;
    for (long fail_at = 1; fail_at < 200; fail_at++) {
        regio__eval_memo memo;
        memset(&memo, 0, sizeof memo);
        regio_design_report kept, fresh;
        memset(&kept, 0, sizeof kept);
        regio_error err;
        ASSERT_TRUE(regio__design_evaluate_memo(&w.in, &w.params, lab, NULL, &kept, &memo,
                                                &err) == REGIO_OK);
        unsigned char changed[MAXK];
        change(&w, &r, lab, changed);
        alloc_calls = 0;
        alloc_fail_at = (int)fail_at;
        regio_set_allocator(&regio_test_failing);
        regio_err rc =
            regio__design_evaluate_memo(&w.in, &w.params, lab, changed, &kept, &memo, &err);
        regio_set_allocator(NULL);
        if (rc != REGIO_OK) {
            failures++;
            ASSERT_TRUE(rc == REGIO_ENOMEM && kept.territories == NULL && !memo.valid);
            ASSERT_TRUE(regio__design_evaluate_memo(&w.in, &w.params, lab, changed, &kept,
                                                    &memo, &err) == REGIO_OK);
        }
        memset(&fresh, 0, sizeof fresh);
        ASSERT_TRUE(regio_design_evaluate(&w.in, &w.params, lab, &fresh, &err) == REGIO_OK);
        ASSERT_TRUE(diff_reports(&kept, &fresh) == 0);
        regio_design_report_free(&fresh);
        regio_design_report_free(&kept);
        regio__eval_memo_free(&memo);
    }
    ASSERT_TRUE(failures > 0);
    printf("  %d updates failed by allocation, each followed by a right one\n", failures);
}

int main(void)
{
    RUN(test_random);
    RUN(test_alloc_failures);
    TEST_END();
}
