/*
 * Unit tests for invariants of the design engine's search (src/lib/design)
 * over random cases, each against an oracle written here:
 * - the donor test behind every boundary move (regio__dz_can_remove)
 *   equals a full BFS of the territory without the node, on random
 *   contiguous labellings and along random walks of moves it allows;
 * - the travel polish (travel.c) keeps every territory connected and
 *   within its tolerance, leaves locked nodes where they are, and never
 *   lengthens travel measured with brute-force medoids;
 * - the multistart gives the same labels run after run (its starts run
 *   on several threads);
 * - the exact window search (window.c) on two territories reaches the
 *   least violation of every move of one connected piece of up to 4
 *   nodes found by enumerating all subsets, and on more territories
 *   never raises the violation, keeps contiguity and locks, and changes
 *   nothing when it reports no gain;
 * - window packing (pack.c) over the whole of a small graph finds a
 *   labelling with every territory connected and within the tolerance
 *   whenever one exists among all k^n labellings (enumerated), and
 *   otherwise lowers the violation with contiguity kept or changes
 *   nothing; a window with a locked node is left alone;
 * - the diameter tabu search (diameter_tabu.c) keeps every territory
 *   connected and within its tolerance, leaves locked nodes where they
 *   are, never lengthens the largest diameter measured over all pairs,
 *   and gives the same labels for the same seed;
 * - the annealing on the violation (anneal.c) keeps every territory
 *   connected and locked nodes where they are, never leaves more
 *   violation than it was given (recounted here), gives the same labels
 *   for the same seed and reaches no violation on some random cases.
 */
#include "design/design_internal.h"
#include "regio/core.h"
#include "regio/design.h"
#include "regio_test.h"

#include <stdint.h>

/* A random planar graph: a rows x cols grid with 4-neighbour edges and,
 * with probability 1/4 per cell, one diagonal; accounts 0..6 (zeros
 * included: they link weighted units without counting). */
typedef struct rgraph {
    int n;
    double *x, *y, *acc;
    int *xadj, *adj;
} rgraph;

static void rgraph_make(rgraph *g, int rows, int cols, regio_rng *r)
{
    int n = rows * cols;
    g->n = n;
    g->x = malloc(n * sizeof *g->x);
    g->y = malloc(n * sizeof *g->y);
    g->acc = malloc(n * sizeof *g->acc);
    int *ea = malloc(3 * n * sizeof *ea), *eb = malloc(3 * n * sizeof *eb), ne = 0;
    for (int a = 0; a < rows; a++)
        for (int b = 0; b < cols; b++) {
            int i = a * cols + b;
            g->x[i] = b;
            g->y[i] = a;
            g->acc[i] = (double)regio_rng_below(r, 7);
            if (b + 1 < cols) {
                ea[ne] = i;
                eb[ne++] = i + 1;
            }
            if (a + 1 < rows) {
                ea[ne] = i;
                eb[ne++] = i + cols;
            }
            if (a + 1 < rows && b + 1 < cols && regio_rng_below(r, 4) == 0) {
                ea[ne] = i;
                eb[ne++] = i + cols + 1;
            }
        }
    regio_design_csr_from_edges((size_t)n, ea, eb, (size_t)ne, &g->xadj, &g->adj);
    free(ea);
    free(eb);
}

static void rgraph_free(rgraph *g)
{
    free(g->x);
    free(g->y);
    free(g->acc);
    regio_free(g->xadj);
    regio_free(g->adj);
}

/* The engine state on g with one balanced column (accounts, also the
 * travel weight), k territories of equal share, tolerance tol. */
typedef struct dzbox {
    regio__dz z;
    double *p, *b, share_[64], tolc_[1], vscale_[1], *nunits;
    int *lock;
} dzbox;

static void dz_make(dzbox *D, const rgraph *g, int k, double tol)
{
    regio__dz *z = &D->z;
    memset(D, 0, sizeof *D);
    int n = g->n;
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += g->acc[i];
    D->p = calloc(3 * (size_t)n, sizeof *D->p);
    D->b = malloc(n * sizeof *D->b);
    D->nunits = malloc(n * sizeof *D->nunits);
    D->lock = malloc(n * sizeof *D->lock);
    for (int i = 0; i < n; i++) {
        D->p[3 * i] = g->x[i];
        D->p[3 * i + 1] = g->y[i];
        D->b[i] = g->acc[i] / sum;
        D->nunits[i] = 1;
        D->lock[i] = -1;
    }
    for (int t = 0; t < k; t++)
        D->share_[t] = 1.0 / k;
    D->tolc_[0] = tol;
    D->vscale_[0] = 1;
    z->n = n;
    z->k = k;
    z->nb = 1;
    z->planar = 1;
    z->xadj = g->xadj;
    z->adj = g->adj;
    z->p = D->p;
    z->b = D->b;
    z->w = g->acc;
    z->wsum = sum;
    z->share = D->share_;
    z->tol = tol;
    z->tolc = D->tolc_;
    z->vscale = D->vscale_;
    z->lock = D->lock;
    z->nunits = D->nunits;
    z->budget_units = z->budget_weight = -1;
    z->t_start = regio__now();
    regio_rng_seed(&z->rng, 5);
    ASSERT_EQ_INT(regio__dz_alloc(z), REGIO_OK);
}

static void dz_free(dzbox *D)
{
    regio__dz_free(&D->z);
    free(D->p);
    free(D->b);
    free(D->nunits);
    free(D->lock);
}

/* ---- oracles -------------------------------------------------------------- */

/* Nodes of territory t reachable from `from` without passing `skip`. */
static int reach(const regio__dz *z, const int *label, int t, int from, int skip, int *seen,
                 int *queue)
{
    memset(seen, 0, z->n * sizeof *seen);
    int head = 0, tail = 0;
    queue[tail++] = from;
    seen[from] = 1;
    while (head < tail) {
        int u = queue[head++];
        for (int e = z->xadj[u]; e < z->xadj[u + 1]; e++) {
            int v = z->adj[e];
            if (v != skip && label[v] == t && !seen[v]) {
                seen[v] = 1;
                queue[tail++] = v;
            }
        }
    }
    return tail;
}

static int terr_size(const regio__dz *z, const int *label, int t)
{
    int c = 0;
    for (int i = 0; i < z->n; i++)
        c += label[i] == t;
    return c;
}

/* 1 when removing i leaves its territory non-empty and connected. */
static int oracle_removable(const regio__dz *z, int i, int *seen, int *queue)
{
    int s = z->label[i], size = terr_size(z, z->label, s);
    if (size <= 1)
        return 0;
    int other = -1;
    for (int j = 0; j < z->n && other < 0; j++)
        if (j != i && z->label[j] == s)
            other = j;
    return reach(z, z->label, s, other, i, seen, queue) == size - 1;
}

/* Every territory non-empty and connected. */
static int oracle_contiguous(const regio__dz *z, const int *label, int *seen, int *queue)
{
    for (int t = 0; t < z->k; t++) {
        int first = -1;
        for (int i = 0; i < z->n && first < 0; i++)
            if (label[i] == t)
                first = i;
        if (first < 0 || reach(z, label, t, first, -1, seen, queue) != terr_size(z, label, t))
            return 0;
    }
    return 1;
}

/* |load / target - 1| of each territory into dev[0..k), from the raw
 * accounts. */
static void oracle_devs(const rgraph *g, const int *label, int k, double *dev)
{
    double sum = 0;
    for (int i = 0; i < g->n; i++)
        sum += g->acc[i];
    for (int t = 0; t < k; t++) {
        double l = 0;
        for (int i = 0; i < g->n; i++)
            if (label[i] == t)
                l += g->acc[i];
        dev[t] = fabs(l / (sum / k) - 1);
    }
}

/* Largest |load / target - 1| over territories. */
static double oracle_balance(const rgraph *g, const int *label, int k)
{
    double dev[64], worst = 0;
    oracle_devs(g, label, k, dev);
    for (int t = 0; t < k; t++)
        if (dev[t] > worst)
            worst = dev[t];
    return worst;
}

/* Sum over territories of the smallest sum_i acc_i * |x_i - x_m| over
 * members m (brute-force weighted medoid, plane distance). */
static double oracle_travel(const rgraph *g, const int *label, int k)
{
    double total = 0;
    for (int t = 0; t < k; t++) {
        double best = INFINITY;
        for (int m = 0; m < g->n; m++) {
            if (label[m] != t)
                continue;
            double s = 0;
            for (int i = 0; i < g->n; i++)
                if (label[i] == t)
                    s += g->acc[i] * hypot(g->x[i] - g->x[m], g->y[i] - g->y[m]);
            if (s < best)
                best = s;
        }
        total += best;
    }
    return total;
}

/* Largest distance between two nodes of one territory, over all pairs. */
static double oracle_max_diameter(const rgraph *g, const int *label)
{
    double worst = 0;
    for (int i = 0; i < g->n; i++)
        for (int j = i + 1; j < g->n; j++)
            if (label[i] == label[j]) {
                double d = hypot(g->x[i] - g->x[j], g->y[i] - g->y[j]);
                if (d > worst)
                    worst = d;
            }
    return worst;
}

/* Random contiguous labelling: k seeds grow one frontier node at a time,
 * the territory that grows picked at random. */
static void random_regions(regio__dz *z, regio_rng *r)
{
    int n = z->n, k = z->k, left = n;
    for (int i = 0; i < n; i++)
        z->label[i] = -1;
    for (int t = 0; t < k; t++) {
        int i;
        do
            i = (int)regio_rng_below(r, (uint64_t)n);
        while (z->label[i] >= 0);
        z->label[i] = t;
        left--;
    }
    while (left > 0) {
        int i = (int)regio_rng_below(r, (uint64_t)n);
        if (z->label[i] >= 0)
            continue;
        int deg = z->xadj[i + 1] - z->xadj[i];
        int j = z->adj[z->xadj[i] + (int)regio_rng_below(r, (uint64_t)deg)];
        if (z->label[j] >= 0) {
            z->label[i] = z->label[j];
            left--;
        }
    }
    regio__dz_recount(z);
}

/* A balanced, contiguous start from the public design: one start of the
 * travel objective on g with k territories, tolerance tol. */
static regio_err design_one_start(const rgraph *g, int k, double tol, uint64_t seed,
                                  regio_design_result *res)
{
    regio_design_input in = {0};
    in.n = (size_t)g->n;
    in.coords = REGIO_COORDS_PLANAR;
    in.x = g->x;
    in.y = g->y;
    in.m = 1;
    in.measures = g->acc;
    in.xadj = g->xadj;
    in.adjncy = g->adj;
    regio_design_params p;
    regio_design_params_init(&p);
    p.k = k;
    p.tolerance = tol;
    p.seed = seed;
    p.n_starts = 1;
    return regio_design_run(&in, &p, res, NULL);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_can_remove_is_a_full_bfs(void)
{
    regio_rng r;
    regio_rng_seed(&r, 2026);
    int mismatches = 0, checks = 0, removable = 0, broken = 0;
    for (int cs = 0; cs < 40; cs++) {
        rgraph g;
        rgraph_make(&g, 4 + (int)regio_rng_below(&r, 12), 4 + (int)regio_rng_below(&r, 12), &r);
        int k = 2 + (int)regio_rng_below(&r, 6);
        dzbox D;
        dz_make(&D, &g, k, 0.05);
        regio__dz *z = &D.z;
        int *seen = malloc(g.n * sizeof *seen), *queue = malloc(g.n * sizeof *queue);
        random_regions(z, &r);
        /* a random walk of moves the test allows; every state checked */
        for (int step = 0; step < 60; step++) {
            for (int i = 0; i < g.n; i++) {
                int a = regio__dz_can_remove(z, i), b = oracle_removable(z, i, seen, queue);
                mismatches += a != b;
                removable += b;
                checks++;
            }
            int i = (int)regio_rng_below(&r, (uint64_t)g.n);
            int e = z->xadj[i] + (int)regio_rng_below(&r, (uint64_t)(z->xadj[i + 1] - z->xadj[i]));
            int t = z->label[z->adj[e]];
            if (t != z->label[i] && regio__dz_can_remove(z, i))
                regio__dz_move(z, i, t);
            broken += !oracle_contiguous(z, z->label, seen, queue);
        }
        free(seen);
        free(queue);
        dz_free(&D);
        rgraph_free(&g);
    }
    ASSERT_EQ_INT(mismatches, 0);
    ASSERT_EQ_INT(broken, 0);
    /* both answers occur, so the comparison could fail either way */
    ASSERT_TRUE(removable > 0 && removable < checks);
}

static void test_travel_polish_invariants(void)
{
    regio_rng r;
    regio_rng_seed(&r, 77);
    int cases = 0, shorter = 0;
    for (int cs = 0; cs < 12; cs++) {
        rgraph g;
        rgraph_make(&g, 8 + (int)regio_rng_below(&r, 8), 8 + (int)regio_rng_below(&r, 8), &r);
        int k = 3 + (int)regio_rng_below(&r, 5);
        double tol = 0.05;
        regio_design_result res;
        regio_err rc = design_one_start(&g, k, tol, 1 + (uint64_t)cs, &res);
        dzbox D;
        dz_make(&D, &g, k, tol);
        regio__dz *z = &D.z;
        int *seen = malloc(g.n * sizeof *seen), *queue = malloc(g.n * sizeof *queue);
        if (rc == REGIO_OK) {
            for (int i = 0; i < g.n; i++)
                z->label[i] = res.labels[i];
            regio__dz_recount(z);
            /* knock it off its optimum: random moves that keep it
             * balanced and contiguous */
            for (int step = 0; step < 4 * g.n; step++) {
                int i = (int)regio_rng_below(&r, (uint64_t)g.n);
                int e = z->xadj[i] + (int)regio_rng_below(&r, (uint64_t)(z->xadj[i + 1] - z->xadj[i]));
                int t = z->label[z->adj[e]];
                if (t != z->label[i] && regio__dz_dviol(z, i, t) <= 0 && regio__dz_can_remove(z, i))
                    regio__dz_move(z, i, t);
            }
            /* lock a few nodes where they are */
            for (int q = 0; q < 3; q++) {
                int i = (int)regio_rng_below(&r, (uint64_t)g.n);
                D.lock[i] = z->label[i];
            }
            int *before = malloc(g.n * sizeof *before);
            memcpy(before, z->label, g.n * sizeof *before);
            double tb = oracle_travel(&g, before, k);
            ASSERT_TRUE(oracle_balance(&g, before, k) <= tol + 1e-12);
            regio__dz_travel_polish(z);
            double ta = oracle_travel(&g, z->label, k);
            ASSERT_TRUE(oracle_contiguous(z, z->label, seen, queue));
            ASSERT_TRUE(oracle_balance(&g, z->label, k) <= tol + 1e-12);
            for (int i = 0; i < g.n; i++)
                if (D.lock[i] >= 0)
                    ASSERT_EQ_INT(z->label[i], D.lock[i]);
            ASSERT_TRUE(ta <= tb * (1 + 1e-12));
            shorter += ta < tb - 1e-9;
            cases++;
            free(before);
        }
        regio_design_result_free(&res);
        free(seen);
        free(queue);
        dz_free(&D);
        rgraph_free(&g);
    }
    ASSERT_TRUE(cases >= 6);
    ASSERT_TRUE(shorter > 0); /* the polish did something to check */
}

static void test_threads_same_labels(void)
{
    regio_rng r;
    regio_rng_seed(&r, 9);
    rgraph g;
    rgraph_make(&g, 14, 14, &r);
    regio_design_input in = {0};
    in.n = (size_t)g.n;
    in.coords = REGIO_COORDS_PLANAR;
    in.x = g.x;
    in.y = g.y;
    in.m = 1;
    in.measures = g.acc;
    in.xadj = g.xadj;
    in.adjncy = g.adj;
    regio_design_params p;
    regio_design_params_init(&p);
    p.k = 6;
    p.tolerance = 0.03;
    p.seed = 3;
    p.n_starts = 5;
    regio_design_result a;
    regio_err ra = regio_design_run(&in, &p, &a, NULL);
    for (int rep = 0; rep < 5; rep++) {
        regio_design_result b;
        regio_err rb = regio_design_run(&in, &p, &b, NULL);
        ASSERT_EQ_INT(ra, rb);
        ASSERT_EQ_INT(a.starts_done, b.starts_done);
        int same = 1;
        for (int i = 0; i < g.n; i++)
            same &= a.labels[i] == b.labels[i];
        ASSERT_TRUE(same);
        regio_design_result_free(&b);
    }
    regio_design_result_free(&a);
    rgraph_free(&g);
}

/* Sum over territories of max(0, |load / target - 1| - tol), from the
 * raw accounts (the engine's violation with one column). */
static double oracle_violation(const rgraph *g, const int *label, int k, double tol)
{
    double dev[64], v = 0;
    oracle_devs(g, label, k, dev);
    for (int t = 0; t < k; t++)
        v += dev[t] > tol ? dev[t] - tol : 0;
    return v;
}

/* The least violation over the current labelling and every move of a
 * subset S (1 to 4 nodes, connected, holding a node next to the other
 * territory) from one of two territories to the other that leaves both
 * connected: all subsets enumerated as bit masks. */
static double oracle_best_piece(const rgraph *g, const regio__dz *z, double tol, int *seen,
                                int *queue)
{
    int n = g->n, *lab = malloc(n * sizeof *lab);
    double best = oracle_violation(g, z->label, 2, tol);
    for (int mask = 1; mask < 1 << n; mask++) {
        int cnt = 0, from = -1, ok = 1, touch = 0;
        for (int i = 0; i < n && ok; i++)
            if (mask >> i & 1) {
                cnt++;
                if (from < 0)
                    from = z->label[i];
                ok = z->label[i] == from && !(z->lock && z->lock[i] >= 0);
            }
        if (!ok || cnt > 4)
            continue;
        for (int i = 0; i < n; i++)
            lab[i] = (mask >> i & 1) ? -1 : z->label[i];
        /* S connected: every member reached from the first through S */
        int first = __builtin_ctz((unsigned)mask);
        if (reach(z, lab, -1, first, -1, seen, queue) != cnt)
            continue;
        for (int i = 0; i < n; i++)
            if (mask >> i & 1)
                for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++)
                    touch |= z->label[z->adj[e]] == 1 - from;
        if (!touch)
            continue;
        for (int i = 0; i < n; i++)
            if (mask >> i & 1)
                lab[i] = 1 - from;
        if (!oracle_contiguous(z, lab, seen, queue))
            continue;
        double v = oracle_violation(g, lab, 2, tol);
        if (v < best)
            best = v;
    }
    free(lab);
    return best;
}

/* After a window search: every territory connected, locked nodes in
 * place, and nothing changed when it reported no gain. */
static void check_window_result(dzbox *D, const int *before, int got, int *seen, int *queue)
{
    regio__dz *z = &D->z;
    ASSERT_TRUE(oracle_contiguous(z, z->label, seen, queue));
    for (int i = 0; i < z->n; i++) {
        if (D->lock[i] >= 0)
            ASSERT_EQ_INT(z->label[i], D->lock[i]);
        if (!got)
            ASSERT_EQ_INT(z->label[i], before[i]);
    }
}

static void test_window_fix_against_brute_force(void)
{
    regio_rng r;
    regio_rng_seed(&r, 1414);
    int cases = 0, fixed = 0, none = 0;
    for (int cs = 0; cs < 400; cs++) {
        rgraph g;
        rgraph_make(&g, 2 + (int)regio_rng_below(&r, 2), 3 + (int)regio_rng_below(&r, 2), &r);
        double tol = 0.02 + 0.04 * (double)regio_rng_below(&r, 6);
        dzbox D;
        dz_make(&D, &g, 2, tol);
        regio__dz *z = &D.z;
        int *seen = malloc(g.n * sizeof *seen), *queue = malloc(g.n * sizeof *queue);
        random_regions(z, &r);
        if (regio_rng_below(&r, 3) == 0)
            D.lock[regio_rng_below(&r, (uint64_t)g.n)] = -2; /* marked, set below */
        for (int i = 0; i < g.n; i++)
            if (D.lock[i] == -2)
                D.lock[i] = z->label[i];
        int s = regio__dz_viol_t(z, 0) > 0 ? 0 : 1;
        if (regio__dz_viol_t(z, s) > 0 && z->wsum > 0) {
            double v0 = oracle_violation(&g, z->label, 2, tol);
            double want = oracle_best_piece(&g, z, tol, seen, queue);
            int *before = malloc(g.n * sizeof *before);
            memcpy(before, z->label, g.n * sizeof *before);
            int got = regio__dz_window_fix(z, s, 2, NULL);
            double v = oracle_violation(&g, z->label, 2, tol);
            ASSERT_EQ_INT(got, want < v0 - 1e-12);
            ASSERT_TRUE(fabs(v - want) <= 1e-9);
            check_window_result(&D, before, got, seen, queue);
            fixed += got;
            none += !got;
            cases++;
            free(before);
        }
        free(seen);
        free(queue);
        dz_free(&D);
        rgraph_free(&g);
    }
    ASSERT_TRUE(cases >= 100);
    /* both answers occur, so the comparison could fail either way */
    ASSERT_TRUE(fixed > 10 && none > 10);
}

static void test_window_fix_invariants(void)
{
    regio_rng r;
    regio_rng_seed(&r, 1415);
    int gains = 0;
    for (int cs = 0; cs < 30; cs++) {
        rgraph g;
        rgraph_make(&g, 6 + (int)regio_rng_below(&r, 6), 6 + (int)regio_rng_below(&r, 6), &r);
        int k = 4 + (int)regio_rng_below(&r, 5);
        double tol = 0.03;
        dzbox D;
        dz_make(&D, &g, k, tol);
        regio__dz *z = &D.z;
        int *seen = malloc(g.n * sizeof *seen), *queue = malloc(g.n * sizeof *queue);
        int *before = malloc(g.n * sizeof *before);
        random_regions(z, &r);
        for (int q = 0; q < 4; q++) {
            int i = (int)regio_rng_below(&r, (uint64_t)g.n);
            D.lock[i] = z->label[i];
        }
        for (int t = 0; t < k; t++) {
            if (regio__dz_viol_t(z, t) <= 0)
                continue;
            double v0 = oracle_violation(&g, z->label, k, tol);
            memcpy(before, z->label, g.n * sizeof *before);
            int got = regio__dz_window_fix(z, t, 4 + (int)regio_rng_below(&r, 5), NULL);
            double v = oracle_violation(&g, z->label, k, tol);
            check_window_result(&D, before, got, seen, queue);
            if (got)
                ASSERT_TRUE(v < v0 - 1e-12);
            else
                ASSERT_TRUE(fabs(v - v0) <= 1e-12);
            gains += got;
        }
        free(seen);
        free(queue);
        free(before);
        dz_free(&D);
        rgraph_free(&g);
    }
    ASSERT_TRUE(gains > 0);
}

/* 1 when some labelling of g's nodes into k territories has every
 * territory non-empty, connected and within tol: all k^n enumerated. */
static int oracle_packable(const rgraph *g, const regio__dz *z, int k, double tol, int *seen,
                           int *queue)
{
    int n = g->n, *lab = malloc(n * sizeof *lab), found = 0;
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += g->acc[i];
    long total = 1;
    for (int i = 0; i < n; i++)
        total *= k;
    for (long code = 0; code < total && !found; code++) {
        long c = code;
        double load[8] = {0};
        for (int i = 0; i < n; i++) {
            lab[i] = (int)(c % k);
            c /= k;
            load[lab[i]] += g->acc[i];
        }
        int ok = 1;
        for (int t = 0; t < k && ok; t++)
            ok = fabs(load[t] / (sum / k) - 1) <= tol;
        found = ok && oracle_contiguous(z, lab, seen, queue);
    }
    free(lab);
    return found;
}

static void test_pack_against_brute_force(void)
{
    regio_rng r;
    regio_rng_seed(&r, 1416);
    int cases = 0, packed = 0, impossible = 0;
    for (int cs = 0; cs < 300; cs++) {
        rgraph g;
        int rows = 2 + (int)regio_rng_below(&r, 2);
        rgraph_make(&g, rows, rows == 2 ? 4 + (int)regio_rng_below(&r, 2) : 3, &r);
        /* (tolerances off any ratio of small integers: no ties at the band) */
        double tol = 0.0537 + 0.05 * (double)regio_rng_below(&r, 5);
        int k = 3;
        dzbox D;
        dz_make(&D, &g, k, tol);
        regio__dz *z = &D.z;
        int *seen = malloc(g.n * sizeof *seen), *queue = malloc(g.n * sizeof *queue);
        int *before = malloc(g.n * sizeof *before);
        random_regions(z, &r);
        int s = -1;
        for (int t = k - 1; t >= 0; t--)
            if (regio__dz_viol_t(z, t) > 0)
                s = t;
        if (s >= 0 && z->wsum > 0) {
            int lock = regio_rng_below(&r, 8) == 0;
            if (lock)
                D.lock[0] = z->label[0];
            double v0 = oracle_violation(&g, z->label, k, tol);
            int want = oracle_packable(&g, z, k, tol, seen, queue);
            memcpy(before, z->label, g.n * sizeof *before);
            int got = regio__dz_pack(z, s, k, 1000000);
            double v = oracle_violation(&g, z->label, k, tol);
            ASSERT_TRUE(oracle_contiguous(z, z->label, seen, queue));
            if (lock) {
                ASSERT_EQ_INT(got, 0);
            } else if (want) {
                ASSERT_EQ_INT(got, 1);
                ASSERT_TRUE(v <= 1e-9);
                packed++;
            } else if (got) {
                ASSERT_TRUE(v < v0 - 1e-12);
            }
            if (!got)
                for (int i = 0; i < g.n; i++)
                    ASSERT_EQ_INT(z->label[i], before[i]);
            impossible += !want;
            cases++;
        }
        free(seen);
        free(queue);
        free(before);
        dz_free(&D);
        rgraph_free(&g);
    }
    ASSERT_TRUE(cases >= 100);
    /* both answers of the oracle occur, so the comparison could fail */
    ASSERT_TRUE(packed > 10 && impossible > 10);
}

static void test_diameter_tabu_invariants(void)
{
    regio_rng r;
    regio_rng_seed(&r, 31);
    int cases = 0, shorter = 0;
    for (int cs = 0; cs < 10; cs++) {
        rgraph g;
        rgraph_make(&g, 8 + (int)regio_rng_below(&r, 10), 8 + (int)regio_rng_below(&r, 10), &r);
        int k = 2 + (int)regio_rng_below(&r, 5);
        double tol = 0.05;
        regio_design_result res;
        regio_err rc = design_one_start(&g, k, tol, 1 + (uint64_t)cs, &res);
        dzbox D;
        dz_make(&D, &g, k, tol);
        regio__dz *z = &D.z;
        int *seen = malloc(g.n * sizeof *seen), *queue = malloc(g.n * sizeof *queue);
        int *before = malloc(g.n * sizeof *before), *first = malloc(g.n * sizeof *first);
        if (rc == REGIO_OK) {
            for (int i = 0; i < g.n; i++)
                z->label[i] = res.labels[i];
            regio__dz_recount(z);
            for (int q = 0; q < 3; q++) {
                int i = (int)regio_rng_below(&r, (uint64_t)g.n);
                D.lock[i] = z->label[i];
            }
            memcpy(before, z->label, g.n * sizeof *before);
            double db = oracle_max_diameter(&g, before);
            for (int run = 0; run < 2; run++) {
                memcpy(z->label, before, g.n * sizeof *before);
                regio__dz_recount(z);
                regio_rng_seed(&z->rng, 40 + (uint64_t)cs);
                regio__dz_diameter_tabu(z, 200L * g.n, 20L * g.n);
                if (run == 0) {
                    memcpy(first, z->label, g.n * sizeof *first);
                    continue;
                }
                int same = 1;
                for (int i = 0; i < g.n; i++)
                    same &= first[i] == z->label[i];
                ASSERT_TRUE(same);
            }
            double da = oracle_max_diameter(&g, z->label);
            ASSERT_TRUE(oracle_contiguous(z, z->label, seen, queue));
            ASSERT_TRUE(oracle_balance(&g, z->label, k) <= tol + 1e-12);
            for (int i = 0; i < g.n; i++)
                if (D.lock[i] >= 0)
                    ASSERT_EQ_INT(z->label[i], D.lock[i]);
            ASSERT_TRUE(da <= db + 1e-12);
            ASSERT_NEAR(regio__dz_max_diameter(z), da, 1e-9);
            shorter += da < db - 1e-9;
            cases++;
        }
        regio_design_result_free(&res);
        free(seen);
        free(queue);
        free(before);
        free(first);
        dz_free(&D);
        rgraph_free(&g);
    }
    ASSERT_TRUE(cases >= 5);
    ASSERT_TRUE(shorter > 0); /* the search did something to check */
}

static void test_anneal_invariants(void)
{
    regio_rng r;
    regio_rng_seed(&r, 2718);
    int cases = 0, solved = 0;
    for (int cs = 0; cs < 20; cs++) {
        rgraph g;
        rgraph_make(&g, 6 + (int)regio_rng_below(&r, 8), 6 + (int)regio_rng_below(&r, 8), &r);
        int k = 2 + (int)regio_rng_below(&r, 6);
        double tol = 0.05;
        dzbox D;
        dz_make(&D, &g, k, tol);
        regio__dz *z = &D.z;
        int *seen = malloc(g.n * sizeof *seen), *queue = malloc(g.n * sizeof *queue);
        int *before = malloc(g.n * sizeof *before), *first = malloc(g.n * sizeof *first);
        random_regions(z, &r);
        for (int q = 0; q < 3; q++) {
            int i = (int)regio_rng_below(&r, (uint64_t)g.n);
            D.lock[i] = z->label[i];
        }
        memcpy(before, z->label, g.n * sizeof *before);
        double v0 = oracle_violation(&g, before, k, tol);
        for (int run = 0; run < 2; run++) {
            memcpy(z->label, before, g.n * sizeof *before);
            regio__dz_recount(z);
            regio_rng_seed(&z->rng, 70 + (uint64_t)cs);
            regio__dz_anneal(z, 20000, 2, 0.06, 0.002);
            if (run == 0)
                memcpy(first, z->label, g.n * sizeof *first);
        }
        int same = 1;
        for (int i = 0; i < g.n; i++)
            same &= first[i] == z->label[i];
        ASSERT_TRUE(same);
        double v = oracle_violation(&g, z->label, k, tol);
        ASSERT_TRUE(v <= v0 + 1e-12);
        ASSERT_NEAR(regio__dz_viol(z), v, 1e-9);
        ASSERT_TRUE(oracle_contiguous(z, z->label, seen, queue));
        for (int i = 0; i < g.n; i++)
            if (D.lock[i] >= 0)
                ASSERT_EQ_INT(z->label[i], D.lock[i]);
        cases += v0 > 0;
        solved += v0 > 0 && v <= 1e-12;
        free(seen);
        free(queue);
        free(before);
        free(first);
        dz_free(&D);
        rgraph_free(&g);
    }
    ASSERT_TRUE(cases >= 10);
    ASSERT_TRUE(solved > 0); /* the search did something to check */
}

int main(void)
{
    RUN(test_can_remove_is_a_full_bfs);
    RUN(test_travel_polish_invariants);
    RUN(test_threads_same_labels);
    RUN(test_window_fix_against_brute_force);
    RUN(test_window_fix_invariants);
    RUN(test_pack_against_brute_force);
    RUN(test_diameter_tabu_invariants);
    RUN(test_anneal_invariants);
    TEST_END();
}
