/*
 * Divide and conquer for many territories (issue 14: k in the thousands,
 * where the whole-graph search of design.c stalls far from balance). The
 * node graph is cut into two connected halves whose balance loads are in
 * the ratio of their territories' target shares (territories split in
 * two ranges of numbers, k/2 each), recursively, until a part holds at
 * most `leaf_k` territories; each part is then designed on its own, on
 * its induced subgraph, by the multistart of design.c (a callback), with
 * its tolerance narrowed by the part's own deviation from its share, so
 * that a territory within it in the part is within the design's tolerance
 * in the whole. Last, one polish over every border of the whole: when a
 * part missed, the multi-measure tabu search with its swaps (mm.c), the
 * single-move balance tabu search (tabu.c), window packing (pack.c) and
 * window rebuilds (lns.c) around each territory still off; then medoids, boundary-move descent
 * and swaps for travel (local_search.c).
 *
 * A cut (regio__dz_bisect): the part's points are projected on their
 * principal axis (weighted by load); side A grows from the lowest
 * projection, always taking the frontier node of least projection (a
 * priority queue), until it holds its share; pockets of B cut off from
 * B's heaviest piece join A; then boundary nodes pass from the side over
 * its share to the other while that brings the loads closer and keeps the
 * donor connected (regio__dz_can_remove on a two-label state). Both sides
 * are connected in the node graph by construction, so every part is, and
 * a territory connected in its part is connected in the whole.
 *
 * When the search is stopped (time limit, cancel) the parts not yet
 * designed are cut down to one territory each, which is a complete,
 * contiguous labelling balanced to about one node's load.
 *
 * Used only on a connected node graph (REGIO_EDATA otherwise).
 *
 * Cost: O(n log n) per level of cuts, log2(k / leaf_k) levels, plus the
 * parts' designs, each on about n leaf_k / k nodes: no loop over pairs of
 * territories, so the number of territories is bounded only by n.
 */
#include "design/design_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- the cut --------------------------------------------------------- */

typedef struct keyed {
    double key;
    int node;
} keyed;

/* Ascending key, ties by node number (deterministic). */
static int keyed_less(keyed a, keyed b)
{
    return a.key < b.key || (a.key == b.key && a.node < b.node);
}

static int keyed_cmp(const void *pa, const void *pb)
{
    keyed a = *(const keyed *)pa, b = *(const keyed *)pb;
    return keyed_less(a, b) ? -1 : keyed_less(b, a) ? 1 : 0;
}

static void heap_push(keyed *h, int *n, keyed x)
{
    int i = (*n)++;
    while (i > 0 && keyed_less(x, h[(i - 1) / 2])) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = x;
}

static keyed heap_pop(keyed *h, int *n)
{
    keyed top = h[0], x = h[--*n];
    int i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && keyed_less(h[c + 1], h[c]))
            c++;
        if (!keyed_less(h[c], x))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
    return top;
}

/* Projection of every node of the part on the principal axis of its
 * points (covariance weighted by load plus a floor, power iteration from
 * the axis of largest variance). */
static void project(const regio__dz *h, const int *nodes, int cnt, keyed *out)
{
    double m[3] = {0, 0, 0}, ws = 0, bs = 0;
    for (int q = 0; q < cnt; q++)
        bs += h->b[(size_t)nodes[q] * h->nb];
    double floor = bs > 0 ? 1e-3 * bs / cnt : 1.0;
    for (int q = 0; q < cnt; q++) {
        const double *p = h->p + 3 * (size_t)nodes[q];
        double w = h->b[(size_t)nodes[q] * h->nb] + floor;
        for (int a = 0; a < 3; a++)
            m[a] += w * p[a];
        ws += w;
    }
    for (int a = 0; a < 3; a++)
        m[a] /= ws;
    double C[3][3] = {{0}};
    for (int q = 0; q < cnt; q++) {
        const double *p = h->p + 3 * (size_t)nodes[q];
        double w = h->b[(size_t)nodes[q] * h->nb] + floor;
        for (int a = 0; a < 3; a++)
            for (int c = 0; c < 3; c++)
                C[a][c] += w * (p[a] - m[a]) * (p[c] - m[c]);
    }
    double v[3] = {0, 0, 0};
    int big = C[1][1] > C[0][0] ? 1 : 0;
    if (C[2][2] > C[big][big])
        big = 2;
    v[big] = 1;
    for (int it = 0; it < 50; it++) {
        double u[3], len = 0;
        for (int a = 0; a < 3; a++) {
            u[a] = C[a][0] * v[0] + C[a][1] * v[1] + C[a][2] * v[2];
            len += u[a] * u[a];
        }
        len = sqrt(len);
        if (!(len > 0))
            break;
        for (int a = 0; a < 3; a++)
            v[a] = u[a] / len;
    }
    for (int q = 0; q < cnt; q++) {
        const double *p = h->p + 3 * (size_t)nodes[q];
        out[q].key = (p[0] - m[0]) * v[0] + (p[1] - m[1]) * v[1] + (p[2] - m[2]) * v[2];
        out[q].node = nodes[q];
    }
}

/* Passes boundary nodes from the side over its target to the other while
 * each brings the loads closer, keeps the donor connected and touches the
 * receiver; A gives its highest projections first, B its lowest. */
static void level(regio__dz *h, const keyed *kd, int cnt, double target, keyed *cand)
{
    for (int pass = 0; pass < 1000; pass++) {
        double delta = h->load[0] - target;
        int from = delta > 0 ? 0 : 1, to = 1 - from, nc = 0, moved = 0;
        for (int q = 0; q < cnt; q++) {
            int v = kd[q].node;
            if (h->label[v] != from)
                continue;
            for (int e = h->xadj[v]; e < h->xadj[v + 1]; e++)
                if (h->label[h->adj[e]] == to) {
                    cand[nc++] = kd[q];
                    break;
                }
        }
        for (int a = 0; a < nc; a++) {
            int v = cand[from == 0 ? nc - 1 - a : a].node; /* kd is sorted */
            double bv = h->b[(size_t)v * h->nb];
            delta = h->load[0] - target;
            if (!(bv > 0) || bv >= 2 * fabs(delta) || (delta > 0) != (from == 0))
                continue;
            int touch = 0;
            for (int e = h->xadj[v]; e < h->xadj[v + 1] && !touch; e++)
                touch = h->label[h->adj[e]] == to;
            if (!touch || !regio__dz_can_remove(h, v))
                continue;
            regio__dz_move(h, v, to);
            moved++;
        }
        if (!moved)
            break;
    }
}

regio_err regio__dz_bisect(regio__dz *h, const int *nodes, int cnt, double frac)
{
    keyed *kd = regio_malloc((size_t)cnt * sizeof *kd);
    keyed *heap = regio_malloc((size_t)cnt * sizeof *heap);
    int *comp = regio_malloc((size_t)cnt * sizeof *comp);
    double *cw = regio_malloc((size_t)cnt * sizeof *cw);
    if (!kd || !heap || !comp || !cw) {
        regio_free(kd);
        regio_free(heap);
        regio_free(comp);
        regio_free(cw);
        return REGIO_ENOMEM;
    }
    double total = 0;
    for (int q = 0; q < cnt; q++)
        total += h->b[(size_t)nodes[q] * h->nb];
    double target = frac * total;
    project(h, nodes, cnt, kd);
    qsort(kd, (size_t)cnt, sizeof *kd, keyed_cmp);
    /* h->tmp: a node's position in kd while it is in the part, so that
     * the queue carries projections and pockets are found in kd order. */
    for (int q = 0; q < cnt; q++)
        h->tmp[kd[q].node] = q;
    /* Grow A from the lowest projection. comp[] marks queued positions. */
    for (int q = 0; q < cnt; q++)
        comp[q] = 0;
    int hn = 0;
    heap_push(heap, &hn, kd[0]);
    comp[0] = 1;
    while (hn > 0) {
        keyed x = heap_pop(heap, &hn);
        double bv = h->b[(size_t)x.node * h->nb];
        if (h->load[0] > 0 && h->load[0] + bv - target > target - h->load[0])
            break;
        regio__dz_move(h, x.node, 0);
        for (int e = h->xadj[x.node]; e < h->xadj[x.node + 1]; e++) {
            int u = h->adj[e];
            if (h->label[u] == 1 && !comp[h->tmp[u]]) {
                comp[h->tmp[u]] = 1;
                heap_push(heap, &hn, kd[h->tmp[u]]);
            }
        }
    }
    /* Pieces of B: the heaviest stays B (ties: the larger, then the
     * first in kd order), the others join A. */
    int nc = 0, main_c = -1, main_n = 0;
    for (int q = 0; q < cnt; q++)
        comp[q] = -1;
    for (int q = 0; q < cnt; q++) {
        if (comp[q] >= 0 || h->label[kd[q].node] != 1)
            continue;
        int head = 0, tail = 0;
        double w = 0;
        h->queue[tail++] = kd[q].node;
        comp[q] = nc;
        while (head < tail) {
            int u = h->queue[head++];
            w += h->b[(size_t)u * h->nb];
            for (int e = h->xadj[u]; e < h->xadj[u + 1]; e++) {
                int v = h->adj[e];
                if (h->label[v] == 1 && comp[h->tmp[v]] < 0) {
                    comp[h->tmp[v]] = nc;
                    h->queue[tail++] = v;
                }
            }
        }
        cw[nc] = w;
        if (main_c < 0 || w > cw[main_c] || (w == cw[main_c] && tail > main_n)) {
            main_c = nc;
            main_n = tail;
        }
        nc++;
    }
    for (int q = 0; q < cnt; q++)
        if (comp[q] >= 0 && comp[q] != main_c)
            regio__dz_move(h, kd[q].node, 0);
    level(h, kd, cnt, target, heap);
    regio_free(kd);
    regio_free(heap);
    regio_free(comp);
    regio_free(cw);
    return REGIO_OK;
}

/* ---- the parts --------------------------------------------------------- */

typedef struct divide_ctx {
    regio__dz *z;        /* the whole problem */
    regio__dz h;         /* two sides of the current cut (2: elsewhere) */
    regio__dz_part_fn solve;
    void *ud;
    int *out;            /* n: the labels of the whole */
    int *buf;            /* n: reordering of a part's nodes */
    int *loc;            /* n: a node's number in its part */
    int leaf_k, parts, part_no;
} divide_ctx;

/* Cuts nodes[0..cnt) (territories lo..hi-1) in two; A's nodes first. */
static regio_err cut(divide_ctx *D, int *nodes, int cnt, int lo, int hi, int *na)
{
    regio__dz *z = D->z;
    int k1 = (hi - lo) / 2;
    double s1 = 0, s = 0;
    for (int t = lo; t < hi; t++) {
        s += z->share[t];
        if (t < lo + k1)
            s1 += z->share[t];
    }
    for (int q = 0; q < cnt; q++)
        regio__dz_move(&D->h, nodes[q], 1);
    D->h.load[0] = 0; /* exact zero: no drift from earlier cuts */
    D->h.load[1] = 0;
    for (int q = 0; q < cnt; q++)
        D->h.load[1] += D->h.b[(size_t)nodes[q] * D->h.nb];
    regio_err rc = regio__dz_bisect(&D->h, nodes, cnt, s > 0 ? s1 / s : 0.5);
    if (rc)
        return rc;
    int a = 0, b = cnt;
    for (int q = 0; q < cnt; q++)
        if (D->h.label[nodes[q]] == 0)
            D->buf[a++] = nodes[q];
        else
            D->buf[--b] = nodes[q];
    /* B was filled from the end: restore its order. */
    for (int q = a; q < cnt; q++)
        nodes[q] = D->buf[cnt - 1 - (q - a)];
    memcpy(nodes, D->buf, (size_t)a * sizeof *nodes);
    for (int q = 0; q < cnt; q++)
        regio__dz_move(&D->h, nodes[q], 2);
    *na = a;
    return REGIO_OK;
}

/* Cuts a part down to one territory each (the labelling kept when the
 * search stops before the part is designed). */
static regio_err cut_down(divide_ctx *D, int *nodes, int cnt, int lo, int hi)
{
    if (hi - lo == 1 || cnt <= 1) {
        for (int q = 0; q < cnt; q++)
            D->out[nodes[q]] = lo;
        return REGIO_OK;
    }
    int na;
    regio_err rc = cut(D, nodes, cnt, lo, hi, &na);
    if (rc)
        return rc;
    int mid = lo + (hi - lo) / 2;
    if (na == 0 || na == cnt) {
        for (int q = 0; q < cnt; q++)
            D->out[nodes[q]] = na == 0 ? mid : lo;
        return REGIO_OK;
    }
    if ((rc = cut_down(D, nodes, na, lo, mid)))
        return rc;
    return cut_down(D, nodes + na, cnt - na, mid, hi);
}

/* Designs one part on its induced subgraph with narrowed tolerances. */
static regio_err design_part(divide_ctx *D, int *nodes, int cnt, int lo, int hi)
{
    regio__dz *z = D->z, sub;
    int kk = hi - lo, nb = z->nb;
    memset(&sub, 0, sizeof sub);
    for (int q = 0; q < cnt; q++)
        D->loc[nodes[q]] = q;
    int ne = 0;
    for (int q = 0; q < cnt; q++)
        for (int e = z->xadj[nodes[q]]; e < z->xadj[nodes[q] + 1]; e++)
            ne += D->loc[z->adj[e]] >= 0;
    int *xadj = regio_malloc(((size_t)cnt + 1) * sizeof *xadj);
    int *adj = regio_malloc(((size_t)ne + 1) * sizeof *adj);
    double *p = regio_malloc(3 * (size_t)cnt * sizeof *p);
    double *b = regio_malloc((size_t)cnt * nb * sizeof *b);
    double *w = regio_malloc((size_t)cnt * sizeof *w);
    double *nu = regio_malloc((size_t)cnt * sizeof *nu);
    double *share = regio_malloc((size_t)kk * sizeof *share);
    double *tolc = regio_malloc((size_t)nb * sizeof *tolc);
    double *vscale = regio_malloc((size_t)nb * sizeof *vscale);
    double *csum = regio_calloc((size_t)nb, sizeof *csum);
    int *lab = regio_malloc((size_t)cnt * sizeof *lab);
    int done_starts = 0;
    regio_err rc = REGIO_ENOMEM;
    if (!xadj || !adj || !p || !b || !w || !nu || !share || !tolc || !vscale || !csum || !lab)
        goto done;
    xadj[0] = 0;
    ne = 0;
    double wsum = 0, ssum = 0;
    for (int q = 0; q < cnt; q++) {
        int v = nodes[q];
        for (int e = z->xadj[v]; e < z->xadj[v + 1]; e++)
            if (D->loc[z->adj[e]] >= 0)
                adj[ne++] = D->loc[z->adj[e]];
        xadj[q + 1] = ne;
        memcpy(p + 3 * (size_t)q, z->p + 3 * (size_t)v, 3 * sizeof *p);
        for (int c = 0; c < nb; c++)
            csum[c] += z->b[(size_t)v * nb + c];
        w[q] = z->w[v];
        wsum += w[q];
        nu[q] = z->nunits ? z->nunits[v] : 1;
    }
    for (int t = 0; t < kk; t++)
        ssum += z->share[lo + t];
    for (int t = 0; t < kk; t++)
        share[t] = z->share[lo + t] / ssum;
    /* The part holds (1 + eps) of its territories' targets: a territory
     * off by d in the part is off by (1 + eps)(1 + d) - 1 in the whole. */
    double tmin = INFINITY;
    for (int c = 0; c < nb; c++) {
        double eps = ssum > 0 ? csum[c] / ssum - 1.0 : 0.0;
        double up = (1 + z->tolc[c]) / (1 + eps) - 1, down = 1 - (1 - z->tolc[c]) / (1 + eps);
        tolc[c] = up < down ? up : down;
        if (tolc[c] < 0.25 * z->tolc[c])
            tolc[c] = 0.25 * z->tolc[c];
        if (tolc[c] < tmin)
            tmin = tolc[c];
    }
    for (int c = 0; c < nb; c++)
        vscale[c] = tmin / tolc[c] * (z->vscale[c] * z->tolc[c] / z->tol);
    for (int q = 0; q < cnt; q++)
        for (int c = 0; c < nb; c++)
            b[(size_t)q * nb + c] = csum[c] > 0 ? z->b[(size_t)nodes[q] * nb + c] / csum[c] : 0;
    sub.n = cnt;
    sub.k = kk;
    sub.nb = nb;
    sub.planar = z->planar;
    sub.xadj = xadj;
    sub.adj = adj;
    sub.p = p;
    sub.b = b;
    sub.w = w;
    sub.wsum = wsum;
    sub.share = share;
    sub.tol = tmin;
    sub.tolc = tolc;
    sub.vscale = vscale;
    sub.nunits = nu;
    sub.budget_units = sub.budget_weight = -1;
    sub.t_start = z->t_start;
    sub.t_limit = z->t_limit;
    sub.objective = z->objective;
    if ((rc = regio__dz_alloc(&sub)))
        goto done;
    rc = D->solve(&sub, D->ud, D->part_no++, D->parts, lab, &done_starts);
    if (sub.timed_out)
        z->timed_out = 1;
    if (sub.cancelled)
        z->cancelled = 1;
    regio__dz_free(&sub);
    if (rc)
        goto done;
    if (done_starts > 0)
        for (int q = 0; q < cnt; q++)
            D->out[nodes[q]] = lo + lab[q];
done:
    for (int q = 0; q < cnt; q++)
        D->loc[nodes[q]] = -1;
    regio_free(xadj);
    regio_free(adj);
    regio_free(p);
    regio_free(b);
    regio_free(w);
    regio_free(nu);
    regio_free(share);
    regio_free(tolc);
    regio_free(vscale);
    regio_free(csum);
    regio_free(lab);
    if (!rc && done_starts <= 0)
        rc = cut_down(D, nodes, cnt, lo, hi);
    return rc;
}

static regio_err divide(divide_ctx *D, int *nodes, int cnt, int lo, int hi)
{
    if (D->z->cancelled || regio__dz_stop(D->z))
        return cut_down(D, nodes, cnt, lo, hi);
    if (hi - lo <= D->leaf_k)
        return design_part(D, nodes, cnt, lo, hi);
    int na;
    regio_err rc = cut(D, nodes, cnt, lo, hi, &na);
    if (rc)
        return rc;
    int mid = lo + (hi - lo) / 2;
    if (na < mid - lo || cnt - na < hi - mid) /* too few nodes for a side */
        return design_part(D, nodes, cnt, lo, hi);
    if ((rc = divide(D, nodes, na, lo, mid)))
        return rc;
    return divide(D, nodes + na, cnt - na, mid, hi);
}

static int count_parts(int k, int leaf_k)
{
    return k <= leaf_k ? 1 : count_parts(k / 2, leaf_k) + count_parts(k - k / 2, leaf_k);
}

regio_err regio__dz_divide(regio__dz *z, int leaf_k, regio__dz_part_fn solve, void *ud)
{
    int n = z->n;
    /* Cuts need a connected graph (islands linked): else not divided. */
    int head = 0, tail = 0;
    for (int i = 0; i < n; i++)
        z->tmp[i] = 0;
    z->queue[tail++] = 0;
    z->tmp[0] = 1;
    while (head < tail) {
        int u = z->queue[head++];
        for (int e = z->xadj[u]; e < z->xadj[u + 1]; e++)
            if (!z->tmp[z->adj[e]]) {
                z->tmp[z->adj[e]] = 1;
                z->queue[tail++] = z->adj[e];
            }
    }
    if (tail < n)
        return REGIO_EDATA;
    divide_ctx D;
    memset(&D, 0, sizeof D);
    D.z = z;
    D.solve = solve;
    D.ud = ud;
    D.leaf_k = leaf_k < 1 ? 1 : leaf_k;
    D.parts = count_parts(z->k, D.leaf_k);
    D.h = (regio__dz){.n = n, .k = 3, .nb = z->nb, .xadj = z->xadj, .adj = z->adj,
                      .p = z->p, .b = z->b, .planar = z->planar};
    int *nodes = regio_malloc((size_t)n * sizeof *nodes);
    D.buf = regio_malloc((size_t)n * sizeof *D.buf);
    D.loc = regio_malloc((size_t)n * sizeof *D.loc);
    D.out = z->label;
    regio_err rc = REGIO_ENOMEM;
    if (!nodes || !D.buf || !D.loc || regio__dz_alloc(&D.h))
        goto done;
    for (int i = 0; i < n; i++) {
        nodes[i] = i;
        D.loc[i] = -1;
        D.h.label[i] = 2;
        z->label[i] = 0;
    }
    D.h.cnt[2] = n;
    rc = divide(&D, nodes, n, 0, z->k);
    if (rc)
        goto done;
    /* One polish over every border of the whole. */
    regio__dz_recount(z);
    regio__dz_update_centres(z);
    /* Swaps and moves through a third territory (mm.c) exchange a heavy
     * unit for a light one where dense metros leave territories of two or
     * three heavy units; then the single-move tabu search, window
     * packing (pack.c: a complete search for a window of whole
     * territories each within the tolerance, or one passing the excess
     * on to a territory at the window's far end; rounds while it helps)
     * and window rebuilds around what still misses. */
    if (regio__dz_viol(z) > 0 && !regio__dz_stop(z))
        regio__dz_mm_balance(z, 10L * z->k + 5000, 2L * z->k + 1000, NULL, 0, NULL);
    if (regio__dz_viol(z) > 0 && !regio__dz_stop(z))
        regio__dz_tabu_balance(z, 0, 50L * z->k + 2000);
    for (int round = 0, better = 1; round < 12 && better; round++) {
        better = 0;
        for (int width = 8; width <= 24 && regio__dz_viol(z) > 0 && !regio__dz_stop(z); width += 4)
            for (int t = 0; t < z->k; t++)
                if (regio__dz_viol_t(z, t) > 0)
                    better |= regio__dz_pack(z, t, width, 1000000);
    }
    for (int radius = 3; radius <= 9 && regio__dz_viol(z) > 0 && !regio__dz_stop(z); radius += 3)
        for (int t = 0; t < z->k; t++)
            if (regio__dz_viol_t(z, t) > 0)
                regio__dz_lns(z, t, radius, 100, 0);
    if (!regio__dz_stop(z)) {
        regio__dz_descent(z, 10, 1);
        regio__dz_swaps(z);
        regio__dz_descent(z, 10, 1);
    }
    regio__dz_update_centres(z);
done:
    regio__dz_free(&D.h);
    regio_free(nodes);
    regio_free(D.buf);
    regio_free(D.loc);
    return rc;
}
