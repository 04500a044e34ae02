/*
 * A lower bound on the hours a rep's call cycle needs (regio_plan_hours_bound):
 * what no plan, with day trips or overnight trips, can do with less.
 *
 * Method. Every plan's driving is a set of closed walks from home (a day
 * trip, or a week's trip through hotels); all pass through home, so their
 * union is a connected walk through home and every served account, and
 * (the road times are a metric: great-circle km x road factor / speed) it
 * shortcuts to one tour through home and the served accounts that is no
 * longer. So driving >= TSP(home + served accounts), and the hours >= that
 * plus the calls of the served visits.
 *  1. TSP(home + all accounts) >= the Held-Karp 1-tree bound (Held and Karp
 *     1970): a spanning tree of the accounts plus home's two cheapest
 *     edges, with node penalties pi (every tour has degree 2 everywhere, so
 *     any pi gives a bound); pi by subgradient steps of Polyak's size
 *     against a nearest-neighbour tour, HK_ITERS steps, the best bound kept.
 *  2. Leaving visits out (coverage below 1) saves at most, per
 *     account left out entirely, 2 x its edge to its parent in the minimum
 *     spanning tree rooted at home (put back in that order, each account is
 *     inserted beside its parent, at most twice the edge away) plus its
 *     calls, and per visit left out of an account still served its call; a
 *     knapsack over the visits that may be left out takes the most these
 *     can save. Bound = 1-tree bound + all calls - that saving.
 *  3. The same saving re-priced with node penalties pi (pi = 0 at home),
 *     which is stronger when isolated accounts may be left out. For a
 *     served set S and c' = c + pi_u + pi_v, any tour of home + S has
 *     length sum_tour c' - 2 sum_S pi (every node of S has degree 2);
 *     without one of home's two edges (each >= home's cheapest c' edge h')
 *     it is a spanning tree of home + S, so tour >= MST'(home + S) + h' -
 *     2 sum_S pi. Adding each account left out back to MST'(home + S) at
 *     its parent in MST'(home + all accounts) rooted at home, in Prim's
 *     order (the parent is there already), spans everything, so
 *     MST'(home + S) >= MST'(home + all) - sum_{left out} c'(v, par v).
 *     Hence tour >= [MST'(home + all) + h' - 2 sum_all pi] - sum_{left out}
 *     [c(v, par v) + pi_par - pi_v]: the same knapsack with these savings.
 *     Any pi gives a bound (c' may be negative: Prim and the argument do
 *     not mind); pi from the Held-Karp penalties scaled by 1/2, 3/4, 1,
 *     then DROP_ITERS subgradient steps on this bound; the stronger of 2
 *     and 3 is reported (tour_h, saving_h are its terms). On the sample's
 *     T01 at 95% 124.3 h -> 142.5 h, T20 147.9 h -> 168.3 h (Python
 *     prototype; the C figures are in docs/BENCHMARKS.md).
 * Invariants: deterministic (no random numbers, fixed iteration count);
 * never above the hours of any plan serving that many visits (tested
 * against brute force on small cases). Complexity: O(HK_ITERS * n^2) time,
 * O(n^2) memory for n accounts; the knapsack O(n * f * drop); step 3
 * O(DROP_ITERS * (n^2 + n * f * drop)) time, O(n * drop) memory, and only
 * when n * (drop + 1) <= DROP_CELLS.
 */
#include "plan/plan_internal.h"

#include <math.h>
#include <string.h>

#define HK_ITERS 400
#define DROP_ITERS 150        /* subgradient steps of step 3 */
#define DROP_CELLS (1u << 22) /* step 3 runs when accounts x (visits left out + 1) fit */

/* Minimum spanning tree (Prim) over nodes from..n-1 of the n x n matrix
 * c with penalties pi: weight, tree degrees into deg (n), parents into
 * par (n, -1 at the root from). */
static double mst(const double *c, const double *pi, int n, int from, int *deg, int *par,
                  double *key, unsigned char *in)
{
    for (int v = 0; v < n; v++) {
        key[v] = INFINITY;
        in[v] = v < from;
        par[v] = -1;
        deg[v] = 0;
    }
    key[from] = 0;
    double w = 0;
    for (int it = from; it < n; it++) {
        int u = -1;
        for (int v = from; v < n; v++)
            if (!in[v] && (u < 0 || key[v] < key[u]))
                u = v;
        in[u] = 1;
        w += key[u];
        if (par[u] >= 0) {
            deg[u]++;
            deg[par[u]]++;
        }
        for (int v = from; v < n; v++) {
            double x = c[(size_t)u * (size_t)n + (size_t)v] + pi[u] + pi[v];
            if (!in[v] && x < key[v]) {
                key[v] = x;
                par[v] = u;
            }
        }
    }
    return w;
}

/* Held-Karp 1-tree bound of the tour through nodes 0..n-1 (n >= 3); the
 * penalties of the best bound into best_pi (n), the nearest-neighbour
 * tour into *ub_out. */
static double held_karp(const double *c, int n, double *pi, double *best_pi, double *ub_out,
                        int *deg, int *par, double *key, unsigned char *in)
{
    /* a nearest-neighbour tour: the upper bound the steps aim at */
    double ub = 0;
    memset(in, 0, (size_t)n);
    in[0] = 1;
    for (int k = 1, u = 0; k <= n; k++) {
        int b = -1;
        for (int v = 0; v < n; v++)
            if (!in[v] && (b < 0 || c[(size_t)u * n + v] < c[(size_t)u * n + b]))
                b = v;
        if (b < 0)
            b = 0; /* back home */
        ub += c[(size_t)u * n + b];
        in[b] = 1;
        u = b;
    }
    *ub_out = ub;
    for (int v = 0; v < n; v++)
        pi[v] = best_pi[v] = 0;
    double best = -INFINITY, lambda = 2.0;
    int since = 0;
    for (int it = 0; it < HK_ITERS; it++) {
        double w = mst(c, pi, n, 1, deg, par, key, in);
        /* home's two cheapest edges */
        int e1 = -1, e2 = -1;
        for (int v = 1; v < n; v++) {
            double x = c[v] + pi[v];
            if (e1 < 0 || x < c[e1] + pi[e1]) {
                e2 = e1;
                e1 = v;
            } else if (e2 < 0 || x < c[e2] + pi[e2]) {
                e2 = v;
            }
        }
        w += c[e1] + pi[e1] + c[e2] + pi[e2];
        deg[e1]++;
        deg[e2]++;
        double sp = 0, g2 = 0;
        for (int v = 1; v < n; v++) {
            sp += pi[v];
            g2 += (double)(deg[v] - 2) * (deg[v] - 2);
        }
        double lb = w - 2 * sp;
        if (lb > best + 1e-9) {
            best = lb;
            memcpy(best_pi, pi, (size_t)n * sizeof *pi);
            since = 0;
        } else if (++since >= 20) {
            lambda /= 2;
            since = 0;
        }
        if (g2 == 0 || ub - lb <= 1e-9)
            break; /* the 1-tree is a tour: optimal */
        double t = lambda * (ub - lb) / g2;
        for (int v = 1; v < n; v++)
            pi[v] += t * (deg[v] - 2);
    }
    return best;
}

/* Step 3 (see the file header) at penalties pi (pi[0] = 0, home): the
 * hours bound when up to `drop` visits may be left out, calls of every
 * visit included; its two terms into *base_out (the penalised tree
 * through home and every account + home's cheapest penalised edge -
 * 2 sum pi) and *saving_out (the knapsack), and a subgradient into g (n).
 * f and callh per node (1..n-1); ch holds n * (drop + 1) ints. */
static double drop_bound(const double *c, int n, const double *pi, const int *f,
                         const double *callh, double call_all, long drop, double *base_out,
                         double *saving_out, double *g, int *deg, int *par, double *key,
                         unsigned char *in, double *best, double *next, int *ch)
{
    double w = mst(c, pi, n, 0, deg, par, key, in);
    int hv = 1;
    for (int v = 2; v < n; v++)
        if (c[v] + pi[v] < c[hv] + pi[hv])
            hv = v;
    double base = w + c[hv] + pi[hv];
    for (int v = 1; v < n; v++)
        base -= 2 * pi[v];
    size_t W = (size_t)drop + 1;
    for (long u = 0; u <= drop; u++)
        best[u] = u ? -INFINITY : 0;
    for (int v = 1; v < n; v++) {
        /* left out entirely, v saves its edge to its parent in the
         * penalised tree, re-priced: c + pi[par] + pi[v] - 2 pi[v] */
        double edge = c[(size_t)par[v] * (size_t)n + (size_t)v] + pi[par[v]] - pi[v];
        int *cv = ch + (size_t)v * W;
        memcpy(next, best, W * sizeof *next);
        memset(cv, 0, W * sizeof *cv);
        for (long u = 0; u <= drop; u++) {
            if (best[u] == -INFINITY)
                continue;
            for (int k = 1; k <= f[v] && u + k <= drop; k++) {
                double s = best[u] + k * callh[v] + (k == f[v] ? edge : 0);
                if (s > next[u + k]) {
                    next[u + k] = s;
                    cv[u + k] = k;
                }
            }
        }
        memcpy(best, next, W * sizeof *best);
    }
    long ub = 0;
    for (long u = 1; u <= drop; u++)
        if (best[u] > best[ub])
            ub = u;
    double saving = best[ub];
    /* subgradient: tree degree (+ home's edge) - 2, and for an account
     * left out +1 on it, -1 on its parent */
    for (int v = 0; v < n; v++)
        g[v] = v ? deg[v] - 2 : 0;
    g[hv] += 1;
    for (int v = n - 1; v >= 1; v--) {
        int k = ch[(size_t)v * W + (size_t)ub];
        if (k == f[v]) {
            g[v] += 1;
            if (par[v] > 0)
                g[par[v]] -= 1;
        }
        ub -= k;
    }
    *base_out = base;
    *saving_out = saving;
    return base + call_all - saving;
}

/* Step 3: the best drop_bound found from the penalties hk (scaled) and
 * DROP_ITERS subgradient steps (Polyak's size against the tour ub plus
 * every call); replaces out's tour, saving and need when stronger. pi,
 * deg, par, key, in, best and next are scratch as in the caller. */
static regio_err drop_search(const double *c, int n, const regio_plan_account *accounts,
                             const int *gi, int N, const double *hk, double ub, long drop,
                             regio_plan_bound *out, double *pi, int *deg, int *par, double *key,
                             unsigned char *in, double *best, double *next)
{
    size_t nn = (size_t)n;
    int *f = regio_malloc(nn * sizeof *f);
    double *callh = regio_malloc(nn * sizeof *callh), *g = regio_malloc(nn * sizeof *g);
    double *start = regio_malloc(nn * sizeof *start);
    int *ch = regio_malloc(nn * ((size_t)drop + 1) * sizeof *ch);
    if (!f || !callh || !g || !start || !ch) {
        regio_free(f);
        regio_free(callh);
        regio_free(g);
        regio_free(start);
        regio_free(ch);
        return REGIO_ENOMEM;
    }
    f[0] = 0;
    callh[0] = 0;
    for (int v = 1; v < n; v++) {
        const regio_plan_account *a = &accounts[gi[v]];
        f[v] = a->frequency < N ? a->frequency : N;
        callh[v] = a->call_s / 3600.0;
    }
    double bv = -INFINITY, bbase = 0, bsave = 0, base, save;
    static const double scale[] = {0.5, 0.75, 1.0};
    for (int k = 0; k < 3; k++) {
        for (int v = 0; v < n; v++)
            pi[v] = scale[k] * hk[v];
        pi[0] = 0;
        double x = drop_bound(c, n, pi, f, callh, out->call_h, drop, &base, &save, g, deg, par,
                              key, in, best, next, ch);
        if (x > bv + 1e-12) {
            bv = x;
            memcpy(start, pi, nn * sizeof *pi);
        }
    }
    memcpy(pi, start, nn * sizeof *pi);
    double lambda = 1.0, target = ub + out->call_h;
    bv = -INFINITY;
    int since = 0;
    for (int it = 0; it < DROP_ITERS; it++) {
        double x = drop_bound(c, n, pi, f, callh, out->call_h, drop, &base, &save, g, deg, par,
                              key, in, best, next, ch);
        if (x > bv + 1e-9) {
            bv = x;
            bbase = base;
            bsave = save;
            since = 0;
        } else if (++since >= 10) {
            lambda /= 2;
            since = 0;
        }
        double g2 = 0;
        for (int v = 1; v < n; v++)
            g2 += g[v] * g[v];
        if (g2 == 0 || target <= x)
            break;
        double t = lambda * (target - x) / g2;
        for (int v = 1; v < n; v++)
            pi[v] += t * g[v];
    }
    if (bv > out->need_h + 1e-9) {
        out->tour_h = bbase;
        out->saving_h = bsave;
        out->need_h = bv;
    }
    regio_free(f);
    regio_free(callh);
    regio_free(g);
    regio_free(start);
    regio_free(ch);
    return REGIO_OK;
}

regio_err regio_plan_hours_bound(const regio_plan_rep *reps, size_t n_reps, int rep,
                                 const regio_plan_account *accounts, size_t n_accounts,
                                 const regio_plan_params *params, double coverage,
                                 regio_plan_bound *out, regio_error *err)
{
    if (!reps || !params || !out || rep < 0 || (size_t)rep >= n_reps ||
        (n_accounts && !accounts) || params->n_days < 1 || params->n_days > REGIO_PLAN_MAX_DAYS ||
        !(coverage >= 0 && coverage <= 1))
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "plan bound: NULL argument, no such rep, bad cycle length or a "
                                "coverage outside 0-1");
    memset(out, 0, sizeof *out);
    const regio_plan_rep *rp = &reps[rep];
    int N = params->n_days, working = 0;
    for (int d = 1; d <= N; d++)
        working += !regio_plan_dayset_has(&rp->days_off, d);
    out->available_h = working * (rp->day_end_s - rp->day_start_s) / 3600.0;
    int n = 1; /* home and the accounts to visit */
    for (size_t i = 0; i < n_accounts; i++)
        if (accounts[i].rep == rep && accounts[i].frequency > 0) {
            n++;
            int f = accounts[i].frequency < N ? accounts[i].frequency : N;
            out->visits_required += f;
            out->call_h += f * accounts[i].call_s / 3600.0;
        }
    out->visits = (long)ceil(coverage * (double)out->visits_required - 1e-9);
    if (out->visits > out->visits_required)
        out->visits = out->visits_required;
    if (out->visits == 0) {
        out->call_h = 0;
        return REGIO_OK;
    }
    size_t nn = (size_t)n;
    double *xs = regio_malloc(nn * sizeof *xs), *ys = regio_malloc(nn * sizeof *ys);
    double *c = regio_malloc(nn * nn * sizeof *c), *pi = regio_malloc(nn * sizeof *pi);
    double *key = regio_malloc(nn * sizeof *key);
    int *deg = regio_malloc(nn * sizeof *deg), *par = regio_malloc(nn * sizeof *par);
    int *gi = regio_malloc(nn * sizeof *gi);
    unsigned char *in = regio_malloc(nn);
    long drop = out->visits_required - out->visits;
    double *hk = regio_malloc(nn * sizeof *hk);
    double *best = regio_malloc(((size_t)drop + 1) * sizeof *best);
    double *next = regio_malloc(((size_t)drop + 1) * sizeof *next);
    regio_dist *dist = NULL;
    regio_err rc = REGIO_OK;
    if (!xs || !ys || !c || !pi || !key || !deg || !par || !gi || !in || !hk || !best || !next) {
        rc = regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "plan bound: out of memory");
        goto done;
    }
    xs[0] = rp->lon;
    ys[0] = rp->lat;
    for (size_t i = 0, k = 1; i < n_accounts; i++)
        if (accounts[i].rep == rep && accounts[i].frequency > 0) {
            xs[k] = accounts[i].lon;
            ys[k] = accounts[i].lat;
            gi[k++] = (int)i;
        }
    regio_dist_opts dopt;
    memset(&dopt, 0, sizeof dopt);
    dopt.metric = REGIO_METRIC_HAVERSINE;
    dopt.road_factor = params->road_factor;
    dopt.speed_kmh = params->speed_kmh;
    if ((rc = regio_dist_create_coords(nn, xs, ys, &dopt, &dist, err)))
        goto done;
    for (size_t i = 0; i < nn; i++)
        for (size_t j = 0; j < nn; j++)
            c[i * nn + j] = i == j ? 0 : regio_dist_duration(dist, i, j) / 3600.0;
    /* 1. the tour through home and every account */
    double ub = 2 * c[1];
    if (n == 2) {
        out->tour_h = ub;
        for (int v = 0; v < n; v++)
            hk[v] = 0;
    } else {
        out->tour_h = held_karp(c, n, pi, hk, &ub, deg, par, key, in);
    }
    if (out->tour_h < 0)
        out->tour_h = 0;
    /* 2. what leaving out `drop` visits can save: parent edges of the
     * minimum spanning tree rooted at home, a knapsack over the accounts */
    for (int v = 0; v < n; v++)
        pi[v] = 0;
    mst(c, pi, n, 0, deg, par, key, in);
    for (long u = 0; u <= drop; u++)
        best[u] = u ? -INFINITY : 0;
    for (int v = 1; v < n; v++) {
        const regio_plan_account *a = &accounts[gi[v]];
        int f = a->frequency < N ? a->frequency : N;
        double call = a->call_s / 3600.0, edge = 2 * c[(size_t)par[v] * nn + (size_t)v];
        memcpy(next, best, ((size_t)drop + 1) * sizeof *next);
        for (long u = 0; u <= drop; u++) {
            if (best[u] == -INFINITY)
                continue;
            for (int k = 1; k <= f && u + k <= drop; k++) {
                double s = best[u] + k * call + (k == f ? edge : 0);
                if (s > next[u + k])
                    next[u + k] = s;
            }
        }
        memcpy(best, next, ((size_t)drop + 1) * sizeof *best);
    }
    for (long u = 0; u <= drop; u++)
        if (best[u] > out->saving_h)
            out->saving_h = best[u];
    out->need_h = out->tour_h + out->call_h - out->saving_h;
    /* 3. the same with node penalties, when visits may be left out:
     * from the Held-Karp penalties scaled by 1/2, 3/4 and 1, then
     * subgradient steps on the bound itself; the stronger of 2 and 3 */
    if (drop > 0 && (size_t)n * ((size_t)drop + 1) <= DROP_CELLS &&
        drop_search(c, n, accounts, gi, N, hk, ub, drop, out, pi, deg, par, key, in, best, next)) {
        rc = regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "plan bound: out of memory");
        goto done;
    }
    if (out->need_h < 0)
        out->need_h = 0;
done:
    regio_dist_destroy(dist);
    regio_free(xs);
    regio_free(ys);
    regio_free(c);
    regio_free(pi);
    regio_free(key);
    regio_free(deg);
    regio_free(par);
    regio_free(gi);
    regio_free(in);
    regio_free(hk);
    regio_free(best);
    regio_free(next);
    return rc;
}
