/*
 * Symmetric TSP solver: greedy-edge construction, Lin-Kernighan local search
 * with Or-opt, and an iterated local search with segment double-bridge kicks.
 * This file is the driver; the parts share the tour state of tsp_internal.h:
 * tsp_tour.c (array tour, journalled reversals), tsp_construct.c
 * (candidates, greedy edge), tsp_lk.c (Lin-Kernighan), tsp_oropt.c
 * (Or-opt) and tsp_ils.c (local search driver, kick).
 *
 * Method. Coincident points are merged first (zero cost between copies, so
 * an optimal tour visits them consecutively); up to 8 points are solved
 * exhaustively (Heap's algorithm over the tours fixing point 0). Otherwise:
 * candidate lists (10 nearest with quadrant spread by default), a greedy
 * edge tour, a first local search from every city in a seeded random order,
 * then the iterated local search (Martin, Otto & Felten 1991; Johnson
 * 1990): a segment double-bridge kick, repair by local search, and the kick
 * undone by replaying the journal backwards when the tour got longer. The
 * result is rotated to start at point 0 and, for asymmetric costs (searched
 * on the symmetrised cost), run in the cheaper direction.
 *
 * Invariants: gains count only above eps = 1e-12 x tour length (set here),
 * so floating-point noise can never make the search cycle. Complexity:
 * exhaustive O(n!) for n <= 8; construction O(n k log(n k)); per kick
 * O(k * segment) plus the repair; memory O(n k). Determinism: all choices
 * are a function of the input, the seed and the number of kicks done (see
 * regio/tsp.h).
 */
#include "route/tsp_internal.h"

#include <math.h>
#include <string.h>
#include <time.h>

/* LK depth: levels searched with backtracking while the tour is not yet
 * better, and the deepest level once it is. Tuned on pr1002 / pr2392 at
 * equal CPU time (6/30, 4/15 and 3/10 tried; 4/15 best by a small margin). */
#define LK_BACKTRACK_DEPTH 4
#define LK_MAX_DEPTH 15
/* Longest reversal an exploratory LK step may make (lk_rec, tsp_lk.c). */
#define LK_MAX_EXPLORE_FLIP 1000
_Static_assert(LK_MAX_DEPTH < REGIO__TSP_MAX_DEPTH, "chain arrays too small");

/* ---- small instances: exhaustive --------------------------------------- */

static void brute_force(const regio_dist *d, uint32_t n, uint32_t *tour)
{
    /* Heap's algorithm over positions 1..n-1, n <= 8. */
    uint32_t cur[8], best[8], c[8] = {0};
    for (uint32_t i = 0; i < n; i++)
        cur[i] = best[i] = i;
    double bc = regio_tsp_tour_cost(d, cur, n);
    uint32_t m = n - 1, i = 0;
    while (i < m) {
        if (c[i] < i) {
            uint32_t a = (i % 2 == 0) ? 0 : c[i];
            uint32_t t = cur[1 + a];
            cur[1 + a] = cur[1 + i];
            cur[1 + i] = t;
            double v = regio_tsp_tour_cost(d, cur, n);
            if (v < bc - 1e-12 * bc) {
                bc = v;
                memcpy(best, cur, n * sizeof *cur);
            }
            c[i]++;
            i = 0;
        } else {
            c[i] = 0;
            i++;
        }
    }
    memcpy(tour, best, n * sizeof *tour);
}

/* ---- driver ------------------------------------------------------------ */

double regio_tsp_tour_cost(const regio_dist *d, const uint32_t *tour, size_t n)
{
    double c = 0;
    for (size_t i = 0; i < n; i++)
        c += regio_dist_cost(d, tour[i], tour[i + 1 == n ? 0 : i + 1]);
    return c;
}

static double search_cost(const regio__tsp *s)
{
    double c = 0;
    for (uint32_t i = 0; i < s->n; i++)
        c += regio__tsp_c(s, s->tour[i], s->tour[i + 1 == s->n ? 0 : i + 1]);
    return c;
}

static void free_tsp(regio__tsp *s)
{
    regio_free(s->tour);
    regio_free(s->pos);
    regio_free(s->nb);
    regio_free(s->nbc);
    regio_free(s->q);
    regio_free(s->inq);
    regio_free(s->inchain);
    regio_free(s->j);
}


#define set_err(err, code, msg) regio_error_setf((err), (code), NULL, 0, NULL, "%s", (msg))

static regio_err solve(const regio_dist *d, const regio_tsp_params *p,
                       uint32_t *tour, double *cost, regio_tsp_stats *stats,
                       regio_error *err, int dedup_done);

/* Coincident points cost nothing between them, so an optimal tour visits
 * each group consecutively: solve over one representative per group and
 * list the copies right after it. Besides shrinking the problem this keeps
 * the candidate graph connected when thousands of points coincide. Sets
 * *done when it produced the answer. */
static regio_err solve_unique(const regio_dist *d, const regio_tsp_params *p,
                              uint32_t *tour, double *cost,
                              regio_tsp_stats *stats, regio_error *err,
                              int *done)
{
    uint32_t *rep = NULL, *uidx = NULL, *utour = NULL, *next = NULL;
    regio_dist *sub = NULL;
    size_t n = regio_dist_size(d), m = 0;
    regio_err rc = regio_dist_coincident(d, &rep, &m, err);
    *done = 0;
    if (rc || m == n) {
        regio_free(rep);
        return rc;
    }
    rc = REGIO_ENOMEM;
    uidx = regio_malloc(m * sizeof *uidx);
    utour = regio_malloc(m * sizeof *utour);
    next = regio_malloc(n * sizeof *next);
    if (!uidx || !utour || !next)
        goto out;
    /* Representatives in index order (so point 0 stays first); copies
     * chained from their representative in index order. */
    size_t u = 0;
    for (size_t i = n; i-- > 0;)
        next[i] = UINT32_MAX;
    for (size_t i = 0; i < n; i++)
        if (rep[i] == i)
            uidx[u++] = (uint32_t)i;
    for (size_t i = n; i-- > 0;)
        if (rep[i] != i) {
            next[i] = next[rep[i]];
            next[rep[i]] = (uint32_t)i;
        }
    if ((rc = regio_dist_create_subset(d, uidx, m, &sub, err)) != REGIO_OK)
        goto out;
    double ucost;
    if ((rc = solve(sub, p, utour, &ucost, stats, err, 1)) != REGIO_OK)
        goto out;
    size_t w = 0;
    for (size_t r = 0; r < m; r++)
        for (uint32_t x = uidx[utour[r]]; x != UINT32_MAX; x = next[x])
            tour[w++] = x;
    *cost = regio_tsp_tour_cost(d, tour, n);
    *done = 1;
out:
    if (rc == REGIO_ENOMEM && err && err->code != REGIO_ENOMEM)
        set_err(err, rc, "out of memory in the TSP solver");
    regio_dist_destroy(sub);
    regio_free(rep);
    regio_free(uidx);
    regio_free(utour);
    regio_free(next);
    return rc;
}

regio_err regio_tsp_solve_ex(const regio_dist *d, const regio_tsp_params *p,
                             uint32_t *tour, double *cost,
                             regio_tsp_stats *stats, regio_error *err)
{
    return solve(d, p, tour, cost, stats, err, 0);
}

static regio_err solve(const regio_dist *d, const regio_tsp_params *p,
                       uint32_t *tour, double *cost, regio_tsp_stats *stats,
                       regio_error *err, int dedup_done)
{
    regio_tsp_stats st;
    memset(&st, 0, sizeof st);
    if (!d || !p || !tour || !cost || p->time_limit_s < 0 ||
        !isfinite(p->time_limit_s) || p->neighbours < 0 ||
        p->neighbours > REGIO__TSP_MAX_K) {
        set_err(err, REGIO_EINVAL,
                "TSP needs a provider, params, tour and cost; limits >= 0 "
                "and neighbours <= 16");
        return REGIO_EINVAL;
    }
    regio__tsp_clock ck;
    clock_gettime(CLOCK_MONOTONIC, &ck.t0);
    ck.limit = p->time_limit_s;
    size_t nn = regio_dist_size(d);
    uint32_t n = (uint32_t)nn;
    regio_err rc = REGIO_OK;
    if (n <= 8) {
        if (n <= 3) {
            for (uint32_t i = 0; i < n; i++)
                tour[i] = i;
            if (n == 3 && regio_dist_cost(d, 0, 2) + regio_dist_cost(d, 2, 1) +
                                  regio_dist_cost(d, 1, 0) <
                              regio_tsp_tour_cost(d, tour, 3)) {
                tour[1] = 2;
                tour[2] = 1;
            }
        } else {
            brute_force(d, n, tour);
        }
        *cost = regio_tsp_tour_cost(d, tour, n);
        st.initial_cost = st.local_opt_cost = *cost;
        st.seconds = regio__tsp_elapsed(&ck);
        if (stats)
            *stats = st;
        return REGIO_OK;
    }
    if (!dedup_done) {
        int done = 0;
        rc = solve_unique(d, p, tour, cost, stats, err, &done);
        if (rc || done)
            return rc;
    }

    regio__tsp s;
    memset(&s, 0, sizeof s);
    s.d = d;
    s.n = n;
    s.asym = !regio_dist_is_symmetric(d);
    s.k = p->neighbours ? (uint32_t)p->neighbours : 10;
    if (s.k > n - 1)
        s.k = n - 1;
    s.max_depth = LK_BACKTRACK_DEPTH;
    s.ext_depth = LK_MAX_DEPTH;
    s.maxrev = LK_MAX_EXPLORE_FLIP;
    regio_rng_seed(&s.rng, p->seed);
    s.tour = regio_malloc((size_t)n * sizeof *s.tour);
    s.pos = regio_malloc((size_t)n * sizeof *s.pos);
    s.q = regio_malloc((size_t)n * sizeof *s.q);
    s.inq = regio_calloc(n, 1);
    s.inchain = regio_calloc(n, 1);
    if (!s.tour || !s.pos || !s.q || !s.inq || !s.inchain) {
        rc = REGIO_ENOMEM;
        goto fail;
    }
    if (p->progress && p->progress(p->progress_ud, 0.0, "construct"))
        st.cancelled = 1;
    if ((rc = regio__tsp_build_candidates(&s)) != REGIO_OK)
        goto fail;
    if ((rc = regio__tsp_greedy(&s)) != REGIO_OK)
        goto fail;
    st.initial_cost = regio_tsp_tour_cost(d, s.tour, n);
    s.eps = 1e-12 * search_cost(&s);
    if (!(s.eps > 1e-300))
        s.eps = 1e-300; /* all-zero costs: any positive gain is real */

    /* First local search from every city, in a seeded random order. */
    {
        uint32_t *order = s.q;
        for (uint32_t i = 0; i < n; i++)
            order[i] = i;
        for (uint32_t i = n - 1; i > 0; i--) {
            uint32_t j = (uint32_t)regio_rng_below(&s.rng, (uint64_t)i + 1);
            uint32_t t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (uint32_t i = 0; i < n; i++)
            s.inq[i] = 1;
        s.qhead = 0;
        s.qlen = n;
    }
    if (!st.cancelled && p->progress &&
        p->progress(p->progress_ud, 0.0, "local search"))
        st.cancelled = 1;
    if (!st.cancelled)
        regio__tsp_local_search(&s, 0, &ck, &st.first_ls_cut);
    if (s.oom) {
        rc = REGIO_ENOMEM;
        goto fail;
    }
    double cur = search_cost(&s);
    st.local_opt_cost = regio_tsp_tour_cost(d, s.tour, n);

    /* Iterated local search. */
    uint64_t max_it = p->max_iterations;
    if (max_it == 0 && p->time_limit_s == 0)
        max_it = 50ull * n;
    uint32_t maxlen = n / 3 - 1 < 50 ? n / 3 - 1 : 50;
    if (maxlen < 1)
        maxlen = 1;
    double last_report = 0;
    uint64_t it = 0;
    while (!st.cancelled && !st.first_ls_cut) {
        if (max_it && it >= max_it)
            break;
        if ((it & 15) == 0 && (p->time_limit_s > 0 || p->progress)) {
            double t = regio__tsp_elapsed(&ck);
            if (p->time_limit_s > 0 && t >= p->time_limit_s)
                break;
            if (p->progress && t - last_report >= 0.1) {
                last_report = t;
                double f = 0;
                if (max_it)
                    f = (double)it / (double)max_it;
                if (p->time_limit_s > 0 && t / p->time_limit_s > f)
                    f = t / p->time_limit_s;
                if (p->progress(p->progress_ud, f > 1 ? 1 : f, "ils"))
                    st.cancelled = 1;
            }
            if (st.cancelled)
                break;
        }
        s.jlen = 0;
        double delta = regio__tsp_kick(&s, maxlen);
        delta -= regio__tsp_local_search(&s, 1, NULL, NULL);
        if (s.oom) {
            rc = REGIO_ENOMEM;
            goto fail;
        }
        if (delta < -s.eps) {
            cur += delta;
            st.improvements++;
        } else if (delta > s.eps) {
            regio__tsp_undo_to(&s, 0);
        }
        it++;
    }
    (void)cur;
    st.iterations = it;

    /* Rotate to start at 0; for asymmetric costs take the cheaper
     * direction. */
    {
        uint32_t z = s.pos[0];
        for (uint32_t i = 0; i < n; i++)
            tour[i] = s.tour[(z + i) % n];
        if (s.asym) {
            double fw = regio_tsp_tour_cost(d, tour, n);
            for (uint32_t i = 1, j = n - 1; i < j; i++, j--) {
                uint32_t t = tour[i];
                tour[i] = tour[j];
                tour[j] = t;
            }
            if (regio_tsp_tour_cost(d, tour, n) > fw) {
                for (uint32_t i = 1, j = n - 1; i < j; i++, j--) {
                    uint32_t t = tour[i];
                    tour[i] = tour[j];
                    tour[j] = t;
                }
            }
        }
    }
    *cost = regio_tsp_tour_cost(d, tour, n);
    st.seconds = regio__tsp_elapsed(&ck);
    if (p->progress)
        p->progress(p->progress_ud, 1.0, "done");
    free_tsp(&s);
    if (stats)
        *stats = st;
    return REGIO_OK;
fail:
    free_tsp(&s);
    set_err(err, rc, rc == REGIO_ENOMEM ? "out of memory in the TSP solver"
                                        : "TSP solver failed");
    return rc;
}

regio_err regio_tsp_solve(const regio_dist *d, const regio_tsp_params *p,
                          uint32_t *tour, double *cost, regio_error *err)
{
    return regio_tsp_solve_ex(d, p, tour, cost, NULL, err);
}
