/*
 * TSP construction: candidate lists and the greedy edge tour.
 *
 * Method. Candidates are the s->k nearest with quadrant spread (k-d tree,
 * regio/dist.h), or for matrices the k cheapest by symmetrised cost; each
 * row is then sorted by search cost. Construction is the greedy edge
 * heuristic on candidate edges (Bentley 1992): edges in ascending cost,
 * taken when both ends have degree < 2 and no cycle closes (union-find);
 * the fragments are then joined nearest-free-endpoint first (candidates,
 * then a bounded breadth-first search of the candidate graph, then a
 * budgeted scan).
 *
 * Invariants: candidate rows hold no duplicates and ascend in cost (ties
 * keep index order for matrices); the greedy tour starts at city 0 and
 * fills tour[] and pos[] consistently. Complexity: candidates O(n k log n)
 * for coordinates, O(n^2 k) for matrices; greedy O(n k log(n k)) plus the
 * joins, with at most 256 n cost evaluations in scans.
 */
#include "route/tsp_internal.h"

#include <math.h>
#include <stdlib.h>

/* ---- construction: greedy edge ----------------------------------------- */

/* Cities a fragment join explores breadth-first before scanning. */
#define JOIN_BFS_NODES 128

typedef struct gedge {
    double c;
    uint32_t a, b;
} gedge;

static int gedge_cmp(const void *x, const void *y)
{
    const gedge *p = x, *q = y;
    if (p->c != q->c)
        return p->c < q->c ? -1 : 1;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    return (p->b > q->b) - (p->b < q->b);
}

static uint32_t uf_find(uint32_t *par, uint32_t x)
{
    while (par[x] != x) {
        par[x] = par[par[x]];
        x = par[x];
    }
    return x;
}

/* Builds s->tour by greedy edge matching on candidate edges, then joins the
 * fragments nearest-free-endpoint first. */
regio_err regio__tsp_greedy(regio__tsp *s)
{
    uint32_t n = s->n, k = s->k;
    regio_err rc = REGIO_ENOMEM;
    gedge *es = regio_malloc((size_t)n * k * sizeof *es);
    uint32_t *adj = regio_malloc((size_t)n * 2 * sizeof *adj);
    uint32_t *par = regio_malloc((size_t)n * sizeof *par);
    uint8_t *deg = regio_calloc(n, 1);
    uint32_t *fa = regio_malloc((size_t)n * sizeof *fa);
    uint32_t *fb = regio_malloc((size_t)n * sizeof *fb);
    uint8_t *vis = regio_calloc(n, 1);
    uint32_t *al = regio_malloc((size_t)n * sizeof *al);
    uint32_t *slot = regio_malloc((size_t)n * sizeof *slot);
    uint32_t *stamp = regio_calloc(n, sizeof *stamp);
    uint32_t *bfs =
        regio_malloc(JOIN_BFS_NODES * REGIO__TSP_MAX_K * sizeof *bfs);
    if (!es || !adj || !par || !deg || !fa || !fb || !vis || !al || !slot ||
        !stamp || !bfs)
        goto done;
    size_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        par[i] = i;
        for (uint32_t r = 0; r < k; r++) {
            uint32_t j = s->nb[(size_t)i * k + r];
            int dup = 0;
            if (j < i)
                for (uint32_t q = 0; q < k; q++)
                    if (s->nb[(size_t)j * k + q] == i) {
                        dup = 1;
                        break;
                    }
            if (!dup) {
                es[m].c = s->nbc[(size_t)i * k + r];
                es[m].a = i < j ? i : j;
                es[m].b = i < j ? j : i;
                m++;
            }
        }
    }
    qsort(es, m, sizeof *es, gedge_cmp);
    for (size_t e = 0; e < m; e++) {
        uint32_t a = es[e].a, b = es[e].b;
        if (deg[a] >= 2 || deg[b] >= 2)
            continue;
        uint32_t ra = uf_find(par, a), rb = uf_find(par, b);
        if (ra == rb)
            continue;
        par[ra] = rb;
        adj[2 * a + deg[a]++] = b;
        adj[2 * b + deg[b]++] = a;
    }
    /* Fragments as (end a, end b); single cities have a == b. */
    uint32_t nf = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (vis[i] || deg[i] == 2)
            continue;
        uint32_t prev = UINT32_MAX, x = i;
        vis[x] = 1;
        while (deg[x] > 0) {
            uint32_t nx = adj[2 * x] != prev ? adj[2 * x] : adj[2 * x + 1];
            if (deg[x] == 1 && prev != UINT32_MAX)
                break;
            if (nx == prev)
                break;
            prev = x;
            x = nx;
            vis[x] = 1;
        }
        fa[nf] = i;
        fb[nf] = x;
        nf++;
    }
    /* Join: from fragment 0's end b, link to the nearest free end of
     * another fragment: first among cur's candidates (O(k)), else among
     * the JOIN_BFS_NODES cities nearest to cur in the candidate graph,
     * else by a scan of all live fragments while a budget of 256 n cost evaluations
     * lasts (then the next live fragment), so degenerate inputs such as
     * thousands of coincident points stay near-linear. par[] is reused as
     * endpoint -> fragment; al[0..left) lists live fragments, slot[] their
     * place in al. */
    uint32_t *fr = par;
    for (uint32_t i = 0; i < n; i++)
        fr[i] = UINT32_MAX;
    for (uint32_t f = 0; f < nf; f++) {
        fr[fa[f]] = fr[fb[f]] = f;
        al[f] = slot[f] = f;
    }
    uint32_t left = nf;
#define FRAG_REMOVE(f)                                                         \
    do {                                                                       \
        uint32_t p_ = slot[f], last_ = al[--left];                             \
        al[p_] = last_;                                                        \
        slot[last_] = p_;                                                      \
        slot[f] = UINT32_MAX;                                                  \
    } while (0)
    uint32_t cur = fb[0], first = fa[0];
    FRAG_REMOVE(0);
    size_t budget = (size_t)256 * n;
    uint32_t stamp_no = 0;
    while (left > 0) {
        uint32_t bf = UINT32_MAX;
        int bend = 0;
        double bc = INFINITY;
        for (uint32_t r = 0; r < k; r++) {
            uint32_t j = s->nb[(size_t)cur * k + r], f = fr[j];
            if (f != UINT32_MAX && slot[f] != UINT32_MAX &&
                s->nbc[(size_t)cur * k + r] < bc) {
                bc = s->nbc[(size_t)cur * k + r];
                bf = f;
                bend = j != fa[f];
            }
        }
        if (bf == UINT32_MAX) {
            /* Breadth-first over the candidate graph from cur: nearby
             * cities first, a bounded number of them. */
            uint32_t qh = 0, qt = 0;
            stamp_no++;
            bfs[qt++] = cur;
            stamp[cur] = stamp_no;
            while (qh < qt && qh < JOIN_BFS_NODES) {
                uint32_t x = bfs[qh++];
                for (uint32_t r = 0; r < k; r++) {
                    uint32_t j = s->nb[(size_t)x * k + r], f = fr[j];
                    if (stamp[j] == stamp_no)
                        continue;
                    stamp[j] = stamp_no;
                    if (qt < JOIN_BFS_NODES * REGIO__TSP_MAX_K)
                        bfs[qt++] = j;
                    if (f != UINT32_MAX && slot[f] != UINT32_MAX) {
                        double c = regio__tsp_c(s, cur, j);
                        if (c < bc) {
                            bc = c;
                            bf = f;
                            bend = j != fa[f];
                        }
                    }
                }
            }
        }
        if (bf == UINT32_MAX && budget >= 2 * (size_t)left) {
            budget -= 2 * (size_t)left;
            for (uint32_t q = 0; q < left; q++) {
                uint32_t f = al[q];
                double ca = regio__tsp_c(s, cur, fa[f]),
                       cb = regio__tsp_c(s, cur, fb[f]);
                if (ca < bc) {
                    bc = ca;
                    bf = f;
                    bend = 0;
                }
                if (cb < bc) {
                    bc = cb;
                    bf = f;
                    bend = 1;
                }
            }
        }
        if (bf == UINT32_MAX)
            bf = al[0];
        uint32_t in = bend ? fb[bf] : fa[bf];
        uint32_t out = bend ? fa[bf] : fb[bf];
        adj[2 * cur + deg[cur]++] = in;
        adj[2 * in + deg[in]++] = cur;
        cur = out;
        FRAG_REMOVE(bf);
    }
#undef FRAG_REMOVE
    if (n > 1) {
        adj[2 * cur + deg[cur]++] = first;
        adj[2 * first + deg[first]++] = cur;
    }
    /* Walk the cycle from city 0. */
    uint32_t prev = adj[1], x = 0;
    for (uint32_t i = 0; i < n; i++) {
        s->tour[i] = x;
        s->pos[x] = i;
        uint32_t nx = adj[2 * x] != prev ? adj[2 * x] : adj[2 * x + 1];
        prev = x;
        x = nx;
    }
    rc = REGIO_OK;
done:
    regio_free(es);
    regio_free(adj);
    regio_free(par);
    regio_free(deg);
    regio_free(fa);
    regio_free(fb);
    regio_free(vis);
    regio_free(al);
    regio_free(slot);
    regio_free(stamp);
    regio_free(bfs);
    return rc;
}

/* ---- candidates -------------------------------------------------------- */

regio_err regio__tsp_build_candidates(regio__tsp *s)
{
    uint32_t n = s->n, k = s->k;
    s->nbc = regio_malloc((size_t)n * k * sizeof *s->nbc);
    if (!s->nbc)
        return REGIO_ENOMEM;
    if (regio_dist_metric(s->d) != REGIO_METRIC_MATRIX) {
        /* Coincident points were merged before (solve_unique), so the k
         * nearest are real places; the quadrant rule adds spread. */
        regio_err rc = regio_dist_neighbours(s->d, k, REGIO_NEIGH_QUADRANT,
                                             &s->nb, NULL);
        if (rc)
            return rc;
    } else {
        /* Matrices: nearest by the (symmetrised) search cost. */
        s->nb = regio_malloc((size_t)n * k * sizeof *s->nb);
        uint32_t *tmp = regio_malloc((size_t)n * sizeof *tmp);
        double *cv = regio_malloc((size_t)n * sizeof *cv);
        if (!s->nb || !tmp || !cv) {
            regio_free(tmp);
            regio_free(cv);
            return REGIO_ENOMEM;
        }
        for (uint32_t i = 0; i < n; i++) {
            uint32_t m = 0;
            for (uint32_t j = 0; j < n; j++)
                if (j != i) {
                    tmp[m++] = j;
                    cv[j] = regio__tsp_c(s, i, j);
                }
            for (uint32_t r = 0; r < k; r++) {
                uint32_t b = r;
                for (uint32_t q = r + 1; q < m; q++)
                    if (cv[tmp[q]] < cv[tmp[b]] ||
                        (cv[tmp[q]] == cv[tmp[b]] && tmp[q] < tmp[b]))
                        b = q;
                uint32_t t = tmp[r];
                tmp[r] = tmp[b];
                tmp[b] = t;
                s->nb[(size_t)i * k + r] = tmp[r];
            }
        }
        regio_free(tmp);
        regio_free(cv);
    }
    for (uint32_t i = 0; i < n; i++) {
        /* Sort each row by search cost (rounding or quadrant order may
         * differ from it); insertion sort, rows are short. */
        uint32_t *row = s->nb + (size_t)i * k;
        double *rc = s->nbc + (size_t)i * k;
        for (uint32_t r = 0; r < k; r++) {
            uint32_t x = row[r];
            double c = regio__tsp_c(s, i, x);
            uint32_t w = r;
            while (w > 0 && rc[w - 1] > c) {
                row[w] = row[w - 1];
                rc[w] = rc[w - 1];
                w--;
            }
            row[w] = x;
            rc[w] = c;
        }
    }
    return REGIO_OK;
}
