/*
 * Lower bounds on travel (docs/METRICS.md) for k territories of a units
 * file: what no design, however long it searches, can go below. Travel is
 * sum_t sum_{i in t} w_i d(i, c_t) / W with c_t a unit of t (its weighted
 * medoid), so every labelling with k non-empty territories is a solution
 * of the k-median problem with the units as clients (weights w_i) and as
 * candidate centres; dropping contiguity (and balance) can only lower the
 * optimum. Two bounds, each by Lagrangian relaxation of the constraints
 * "every unit in exactly one territory" (multipliers lambda_i), maximised
 * by subgradient steps:
 *
 *   k-median   L(lambda) = sum_i lambda_i + the k smallest of
 *              rho_j = sum_i min(0, w_i d_ij / W - lambda_i);
 *   balanced   each centre j picks a fractional set of units whose balance
 *              load lies in [(1 - tol) mu, (1 + tol) mu] (mu = total / k,
 *              rounded inwards when every load is an integer) at least
 *              cost: a continuous knapsack solved greedily by
 *              d_ij / W - lambda_i / a_i; rho_j is its value and the k
 *              smallest are summed. Needs the balanced measure to be the
 *              travel weight (the default).
 *
 * Any lambda gives a valid bound (weak duality); the figure printed is the
 * best over the iterations. The k-median part also prints an upper bound
 * (the k centres of the relaxation, every unit to its nearest one, then
 * alternate medoid / nearest-centre rounds), so its gap says how tight the
 * k-median figure is. O(n^2) memory (doubles), O(n^2) per k-median step,
 * O(n^2 log) per balanced step.
 *
 *   bench_travel_bound UNITS.csv --k 50 --balance accounts [--tol 0.01]
 *                      [--iters 600] [--balanced-iters 300]
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

static size_t n;
static int k;
static double *D;      /* n*n km */
static double *w, *a;  /* travel weight, balance load */
static double W;

/* Travel (km) of the clients to their nearest open centre. */
static double assign_cost(const int *open, int *near)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double best = INFINITY;
        for (int t = 0; t < k; t++) {
            double d = D[i * n + (size_t)open[t]];
            if (d < best) {
                best = d;
                near[i] = t;
            }
        }
        s += w[i] * best;
    }
    return s / W;
}

/* Alternate medoids and nearest-centre assignment (an upper bound). */
static double improve_ub(int *open, int *near)
{
    double cost = assign_cost(open, near);
    for (int round = 0; round < 50; round++) {
        for (int t = 0; t < k; t++) {
            double best = INFINITY;
            int bj = open[t];
            for (size_t j = 0; j < n; j++) {
                if (near[j] != t)
                    continue;
                double s = 0;
                for (size_t i = 0; i < n && s < best; i++)
                    if (near[i] == t)
                        s += w[i] * D[i * n + j];
                if (s < best) {
                    best = s;
                    bj = (int)j;
                }
            }
            open[t] = bj;
        }
        double c = assign_cost(open, near);
        if (c >= cost - 1e-12) {
            cost = c < cost ? c : cost;
            break;
        }
        cost = c;
    }
    return cost;
}

typedef struct item {
    double key;
    int i;
} item;

static int item_cmp(const void *x, const void *y)
{
    const item *p = x, *q = y;
    return p->key < q->key ? -1 : p->key > q->key ? 1 : p->i - q->i;
}

/* The k smallest of rho[0..n) summed (ties by index); their indices to
 * open[0..k). */
static double k_smallest(const double *rho, int *open, item *tmp)
{
    for (size_t j = 0; j < n; j++)
        tmp[j] = (item){rho[j], (int)j};
    qsort(tmp, n, sizeof *tmp, item_cmp);
    double s = 0;
    for (int t = 0; t < k; t++) {
        open[t] = tmp[t].i;
        s += tmp[t].key;
    }
    return s;
}


/* Max-heap on key, bounded: keeps the items whose loads, taken in
 * ascending key, reach up to cap (and the first that crosses it). */
static void heap_push(item *h, int *hn, item x)
{
    int q = (*hn)++;
    while (q > 0 && h[(q - 1) / 2].key < x.key) {
        h[q] = h[(q - 1) / 2];
        q = (q - 1) / 2;
    }
    h[q] = x;
}

static void heap_pop(item *h, int *hn)
{
    item x = h[--*hn];
    int q = 0;
    for (;;) {
        int c = 2 * q + 1;
        if (c >= *hn)
            break;
        if (c + 1 < *hn && h[c + 1].key > h[c].key)
            c++;
        if (h[c].key <= x.key)
            break;
        h[q] = h[c];
        q = c;
    }
    if (*hn > 0)
        h[q] = x;
}

/* Continuous knapsack of centre j: least sum (w_i d_ij / W - lambda_i) x_i
 * with lo <= sum a_i x_i <= hi, x in [0,1]; zero-load clients are free.
 * The x_i > 0 go to take[] (index, x), *nt of them. */
static double knapsack(size_t j, const double *lam, double lo, double hi, item *h, item *take,
                       int *nt)
{
    int hn = 0;
    double hw = 0; /* load in the heap */
    double val = 0;
    *nt = 0;
    for (size_t i = 0; i < n; i++) {
        if (a[i] <= 0) {
            double r = w[i] * D[j * n + i] / W - lam[i];
            if (r < 0) {
                val += r;
                take[(*nt)++] = (item){1.0, (int)i};
            }
            continue;
        }
        double key = D[j * n + i] / W * (w[i] / a[i]) - lam[i] / a[i];
        if (hn > 0 && hw - a[h[0].i] >= hi && key >= h[0].key)
            continue;
        heap_push(h, &hn, (item){key, (int)i});
        hw += a[i];
        while (hn > 0 && hw - a[h[0].i] >= hi) {
            hw -= a[h[0].i];
            heap_pop(h, &hn);
        }
    }
    qsort(h, (size_t)hn, sizeof *h, item_cmp);
    double cum = 0;
    for (int q = 0; q < hn; q++) {
        double key = h[q].key, ai = a[h[q].i];
        if (key >= 0 && cum >= lo)
            break;
        double room = (key >= 0 ? lo : hi) - cum;
        double t = ai < room ? ai : room;
        if (t <= 0)
            break;
        val += key * t;
        cum += t;
        take[(*nt)++] = (item){t / ai, h[q].i};
    }
    if (cum < lo - 1e-9)
        return INFINITY; /* cannot fill: no such territory */
    return val;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_travel_bound UNITS.csv --k K --balance M [--tol T]\n");
        return 2;
    }
    const char *bal = "accounts", *trav = NULL;
    double tol = 0.01;
    int iters = 600, biters = 300;
    double target_arg = 0;
    k = 50;
    for (int q = 2; q < argc; q++) {
        const char *o = argv[q], *v = q + 1 < argc ? argv[q + 1] : "";
        if (!strcmp(o, "--k"))
            k = atoi(v), q++;
        else if (!strcmp(o, "--balance"))
            bal = v, q++;
        else if (!strcmp(o, "--travel"))
            trav = v, q++;
        else if (!strcmp(o, "--tol"))
            tol = strtod(v, NULL), q++;
        else if (!strcmp(o, "--iters"))
            iters = atoi(v), q++;
        else if (!strcmp(o, "--target"))
            target_arg = strtod(v, NULL), q++;
        else if (!strcmp(o, "--balanced-iters"))
            biters = atoi(v), q++;
        else {
            fprintf(stderr, "unknown option %s\n", o);
            return 2;
        }
    }
    regio_design_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.units_path = argv[1];
    spec.balance = bal;
    spec.travel = trav;
    spec.k = k;
    regio_design_problem *P;
    regio_error err;
    if (regio_design_problem_load(&spec, &P, &err)) {
        fprintf(stderr, "%s: %s\n", err.file, err.msg);
        return 1;
    }
    const regio_design_input *in = &P->in;
    n = in->n;
    int bc = P->params.balance_cols[0];
    int tc = P->params.travel_col;
    if (tc == -1)
        tc = bc;
    w = malloc(n * sizeof *w);
    a = malloc(n * sizeof *a);
    D = malloc(n * n * sizeof *D);
    if (!w || !a || !D)
        return 1;
    double T = 0;
    int integral = 1;
    W = 0;
    for (size_t i = 0; i < n; i++) {
        a[i] = in->measures[i * in->m + (size_t)bc];
        w[i] = tc >= 0 ? in->measures[i * in->m + (size_t)tc] : 1.0;
        T += a[i];
        W += w[i];
        integral &= a[i] == floor(a[i]);
    }
    for (size_t i = 0; i < n; i++) {
        D[i * n + i] = 0;
        for (size_t j = i + 1; j < n; j++)
            D[i * n + j] = D[j * n + i] =
                regio_design_distance(in->coords, in->x[i], in->y[i], in->x[j], in->y[j]);
    }
    double mu = T / k, lo = (1 - tol) * mu - 1e-12 * mu, hi = (1 + tol) * mu + 1e-12 * mu;
    if (integral) {
        lo = ceil(lo - 1e-9);
        hi = floor(hi + 1e-9);
    }
    printf("instance: n=%zu k=%d W=%.0f balance total=%.0f mu=%.3f load in [%.3f, %.3f]%s\n", n,
           k, W, T, mu, lo, hi, integral ? " (integer loads)" : "");

    double *lam = malloc(n * sizeof *lam), *rho = malloc(n * sizeof *rho);
    double *g = malloc(n * sizeof *g), *blam = malloc(n * sizeof *blam);
    int *open = malloc((size_t)k * sizeof *open);
    item *srt = malloc(n * sizeof *srt);
    int *near = malloc(n * sizeof *near);
    item *h = malloc((n + 1) * sizeof *h), *take = malloc(n * sizeof *take);
    double t0 = now_s();
    /* ---- k-median ---- */
    for (size_t i = 0; i < n; i++) {
        double m2 = INFINITY;
        for (size_t j = 0; j < n; j++)
            if (j != i && D[i * n + j] < m2)
                m2 = D[i * n + j];
        lam[i] = w[i] * m2 / W;
    }
    double best = -INFINITY, ub = INFINITY, theta = 2.0;
    int stall = 0;
    for (int it = 0; it < iters; it++) {
        double L = 0;
        for (size_t i = 0; i < n; i++)
            L += lam[i];
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t i = 0; i < n; i++) {
                double r = w[i] * D[j * n + i] / W - lam[i];
                if (r < 0)
                    s += r;
            }
            rho[j] = s;
        }
        L += k_smallest(rho, open, srt);
        if (L > best + 1e-9) {
            best = L;
            stall = 0;
            memcpy(blam, lam, n * sizeof *lam);
        } else if (++stall >= 20) {
            theta /= 2;
            stall = 0;
        }
        if (it % 50 == 0 || it == iters - 1) {
            double u = improve_ub(open, near);
            if (u < ub)
                ub = u;
        }
        double gg = 0;
        for (size_t i = 0; i < n; i++) {
            int c = 0;
            for (int t = 0; t < k; t++)
                c += w[i] * D[(size_t)open[t] * n + i] / W - lam[i] < 0;
            g[i] = 1 - c;
            gg += g[i] * g[i];
        }
        if (gg == 0 || theta < 1e-6)
            break;
        double step = theta * (ub - L) / gg;
        for (size_t i = 0; i < n; i++)
            lam[i] += step * g[i];
    }
    printf("k-median: lower bound %.3f km, upper bound %.3f km (gap %.2f%%), %.1f s\n", best, ub,
           100 * (ub - best) / ub, now_s() - t0);
    fflush(stdout);

    /* ---- balanced: start from the k-median multipliers ---- */
    if (tc != bc && tc != -1) {
        printf("balanced: not computed (travel weight is not the balanced measure)\n");
        return 0;
    }
    memcpy(lam, blam, n * sizeof *lam);
    double kbest = best, bbest = -INFINITY;
    /* Polyak steps toward a target: a known design's travel (--target)
     * or, without one, 5% above the k-median's upper bound; raised when
     * the bound passes it. */
    double target = target_arg > 0 ? target_arg : ub * 1.05;
    theta = 1.0;
    stall = 0;
    t0 = now_s();
    for (int it = 0; it < biters; it++) {
        double L = 0;
        for (size_t i = 0; i < n; i++)
            L += lam[i];
        /* rho of every centre; keep the x of the chosen ones only */
        for (size_t j = 0; j < n; j++) {
            int nt;
            rho[j] = knapsack(j, lam, lo, hi, h, take, &nt);
        }
        L += k_smallest(rho, open, srt);
        if (L > bbest + 1e-9) {
            bbest = L;
            stall = 0;
        } else if (++stall >= 15) {
            theta /= 2;
            stall = 0;
        }
        for (size_t i = 0; i < n; i++)
            g[i] = 1;
        for (int t = 0; t < k; t++) {
            int nt;
            knapsack((size_t)open[t], lam, lo, hi, h, take, &nt);
            for (int q = 0; q < nt; q++)
                g[take[q].i] -= take[q].key;
        }
        double gg = 0;
        for (size_t i = 0; i < n; i++)
            gg += g[i] * g[i];
        if (it % 25 == 0 || it == biters - 1) {
            printf("  balanced it %d: L %.3f best %.3f theta %.4f |g|^2 %.1f\n", it, L, bbest, theta,
                   gg);
            fflush(stdout);
        }
        if (gg < 1e-12 || theta < 1e-5)
            break;
        if (L > target - 1e-3)
            target = L + 0.05 * (L - kbest > 1 ? L - kbest : 1);
        double step = theta * (target - L) / gg;
        for (size_t i = 0; i < n; i++)
            lam[i] += step * g[i];
    }
    printf("balanced (tol %.4f): lower bound %.3f km, %.1f s\n", tol, bbest, now_s() - t0);
    regio_design_problem_destroy(P);
    return 0;
}
