/*
 * Window packing: a territory over a tolerance and the territories around
 * it (a window of r whole territories) are dissolved and partitioned
 * again by a complete search for r connected pieces each within every
 * tolerance — bin packing with contiguity. Dense metros need it at a
 * few units a territory (ZIP points, k = 5,000: units of 10-15 h for a
 * target of 31.3 h, band 28.2-34.4 h): two 13 h ZIPs are 16% short,
 * three are 25% over, so a territory must be two heavy units and a light
 * one, or one heavy unit and a few light ones, and which heavy unit goes
 * with which light one is a choice across the whole window that moves,
 * swaps and chains of single moves do not make.
 *
 * Search (depth-first, deterministic): the window's nodes are ordered by
 * their projection on the window's principal axis; the lowest node not
 * yet taken is the root of the next territory, whose candidates are all
 * connected sets of free nodes holding the root with loads within the
 * tolerances (enumerated once each: a frontier in order, each frontier
 * node either joins or is excluded for the siblings after it), tried by
 * increasing deviation. After a candidate is taken the free nodes must
 * still be packable in the count sense: every connected piece of them
 * holds a total that some whole number of territories can carry within
 * the tolerances, and those numbers can add up to the territories left.
 * Each territory is built from its root, so every labelling is reached
 * once, up to the order of equal territories. A budget of steps bounds
 * the search; the first complete packing is applied.
 *
 * When no window around s packs, the search runs again with its last
 * territory (the far end of the sweep, either way) allowed off by a part
 * of s's excess: applied only when the window's violation drops, it
 * passes the excess on to where a later window may pack it.
 *
 * Invariants: nodes outside the window never change; afterwards every
 * window territory is one connected piece, each within every tolerance
 * but a sink, and the window's violation is lower, or nothing changed; windows with locked nodes, rep homes or a baseline
 * (realign) are skipped. Cost: O(r n) to build the window, then at most
 * `budget` enumeration steps, each O(degree), and one O(|U| + edges)
 * count check per candidate tried.
 */
#include "design/design_internal.h"

#include <stdlib.h>
#include <string.h>

#define PACK_NODES 400  /* largest window, in nodes */
#define PACK_CAND 200   /* candidates kept for one territory */
#define PACK_SIZE 40    /* most nodes in one candidate */

typedef struct pk {
    regio__dz *z;
    int r, nu, nb;
    int *terr;          /* r territory ids */
    int *node;          /* nu window nodes, in sweep order */
    int *xadj, *adj;    /* window graph, local indices */
    double *b;          /* nu*nb loads */
    int *own;           /* nu: depth of the territory holding it, -1 free */
    int *label0;        /* nu: labels before */
    double lo, hi;      /* band of a territory's share, smallest / largest */
    double *shlo, *shhi; /* r*nb: each territory's band (load units) */
    long steps, budget;
    /* enumeration */
    int *inset, *excl, *infr; /* nu flags */
    int *set, nset;
    double *sload;      /* nb */
    int *cand;          /* r * PACK_CAND * PACK_SIZE */
    int *clen;          /* r * PACK_CAND */
    double *cscore;     /* r * PACK_CAND */
    int *ncand;         /* r */
    int *queue;         /* nu */
    double *cload;      /* nb */
    int probe;          /* enumerate: only find whether some set fits */
    int found;
    long probe_left;    /* steps left to the current probe */
    double *anylo, *anyhi; /* nb: the band of any window territory */
} pk;

static int in_band(const pk *P, int d, const double *load)
{
    for (int c = 0; c < P->nb; c++)
        if (load[c] < P->shlo[d * P->nb + c] - 1e-12 || load[c] > P->shhi[d * P->nb + c] + 1e-12)
            return 0;
    return 1;
}

/* Records the current set as a candidate of depth d, keeping the
 * PACK_CAND with the least largest deviation (ties: fewer nodes, then
 * arrival order). */
static void record(pk *P, int d)
{
    regio__dz *z = P->z;
    int t = P->terr[d];
    double sc = 0;
    for (int c = 0; c < P->nb; c++) {
        double dv = fabs(P->sload[c] / z->share[t] - 1.0) / z->tolc[c];
        if (dv > sc)
            sc = dv;
    }
    sc += 1e-6 * P->nset;
    int *nc = &P->ncand[d];
    double *cs = P->cscore + (size_t)d * PACK_CAND;
    int *cl = P->clen + (size_t)d * PACK_CAND;
    int *cn = P->cand + (size_t)d * PACK_CAND * PACK_SIZE;
    if (*nc == PACK_CAND && sc >= cs[PACK_CAND - 1])
        return;
    int pos = *nc < PACK_CAND ? (*nc)++ : PACK_CAND - 1;
    while (pos > 0 && cs[pos - 1] > sc) {
        cs[pos] = cs[pos - 1];
        cl[pos] = cl[pos - 1];
        memcpy(cn + (size_t)pos * PACK_SIZE, cn + (size_t)(pos - 1) * PACK_SIZE,
               PACK_SIZE * sizeof *cn);
        pos--;
    }
    cs[pos] = sc;
    cl[pos] = P->nset;
    memcpy(cn + (size_t)pos * PACK_SIZE, P->set, (size_t)P->nset * sizeof *cn);
}

/* Connected sets of free nodes holding P->set (the root first) grown by
 * the frontier fr[0..nf): each is visited once. */
static void enumerate(pk *P, int d, const int *fr, int nf)
{
    int nb = P->nb;
    if (++P->steps > P->budget)
        return;
    if (P->probe) {
        if (P->found || --P->probe_left < 0)
            return;
        int fits = 1;
        for (int c = 0; c < nb; c++)
            if (P->sload[c] < P->anylo[c] - 1e-12 || P->sload[c] > P->anyhi[c] + 1e-12)
                fits = 0;
        if (fits) {
            P->found = 1;
            return;
        }
    } else if (in_band(P, d, P->sload)) {
        record(P, d);
    }
    if (P->nset >= PACK_SIZE)
        return;
    int *nfr = regio_malloc((size_t)(nf + P->nu) * sizeof *nfr);
    int *ex = regio_malloc((size_t)(nf + 1) * sizeof *ex);
    if (!nfr || !ex) {
        regio_free(nfr);
        regio_free(ex);
        P->steps = P->budget + 1;
        return;
    }
    int nex = 0;
    const double *hi = P->probe ? P->anyhi : P->shhi + (size_t)d * nb;
    for (int q = 0; q < nf && P->steps <= P->budget && !P->found; q++) {
        int v = fr[q];
        int over = 0;
        for (int c = 0; c < nb; c++)
            if (P->sload[c] + P->b[(size_t)v * nb + c] > hi[c] + 1e-12)
                over = 1;
        /* Either way v is excluded for the siblings after it. */
        P->excl[v] = 1;
        ex[nex++] = v;
        if (over)
            continue; /* loads are not negative: no superset fits either */
        /* Include v: the frontier is the rest of this one and v's free,
         * new neighbours. */
        int m = 0;
        for (int p = q + 1; p < nf; p++)
            nfr[m++] = fr[p];
        int added0 = m;
        for (int e = P->xadj[v]; e < P->xadj[v + 1]; e++) {
            int u = P->adj[e];
            if (P->own[u] >= 0 || P->inset[u] || P->excl[u] || P->infr[u])
                continue;
            P->infr[u] = 1;
            nfr[m++] = u;
        }
        P->inset[v] = 1;
        P->set[P->nset++] = v;
        for (int c = 0; c < nb; c++)
            P->sload[c] += P->b[(size_t)v * nb + c];
        enumerate(P, d, nfr, m);
        for (int c = 0; c < nb; c++)
            P->sload[c] -= P->b[(size_t)v * nb + c];
        P->nset--;
        P->inset[v] = 0;
        for (int p = added0; p < m; p++)
            P->infr[nfr[p]] = 0;
    }
    for (int q = 0; q < nex; q++)
        P->excl[ex[q]] = 0;
    regio_free(nfr);
    regio_free(ex);
}

/* 1 when the free nodes can still be cut into `left` territories as far
 * as their totals tell: each connected piece holds a total some whole
 * number of territories can carry, and the numbers can add up to left. */
static int packable(pk *P, int left)
{
    int nb = P->nb, nu = P->nu;
    int *seen = P->excl; /* free between enumerations */
    int smin = 0, smax = 0, ok = 1;
    for (int s = 0; s < nu && ok; s++) {
        if (P->own[s] >= 0 || seen[s])
            continue;
        int head = 0, tail = 0;
        P->queue[tail++] = s;
        seen[s] = 1;
        for (int c = 0; c < nb; c++)
            P->cload[c] = 0;
        while (head < tail) {
            int v = P->queue[head++];
            for (int c = 0; c < nb; c++)
                P->cload[c] += P->b[(size_t)v * nb + c];
            for (int e = P->xadj[v]; e < P->xadj[v + 1]; e++) {
                int u = P->adj[e];
                if (P->own[u] < 0 && !seen[u]) {
                    seen[u] = 1;
                    P->queue[tail++] = u;
                }
            }
        }
        P->steps += tail;
        int cmin = 1, cmax = left;
        for (int c = 0; c < nb; c++) {
            double L = P->cload[c];
            int a = (int)ceil(L / P->anyhi[c] - 1e-9);
            int b = P->anylo[c] > 0 ? (int)floor(L / P->anylo[c] + 1e-9) : left;
            if (a > cmin)
                cmin = a;
            if (b < cmax)
                cmax = b;
        }
        if (cmin > cmax)
            ok = 0;
        smin += cmin;
        smax += cmax;
    }
    for (int s = 0; s < nu; s++)
        seen[s] = 0;
    return ok && smin <= left && left <= smax;
}

/* Enumerates the connected sets of free nodes holding root (at depth d,
 * or any fitting one when P->probe). */
static int enumerate_from(pk *P, int d, int root)
{
    int nb = P->nb;
    P->nset = 0;
    P->set[P->nset++] = root;
    P->inset[root] = 1;
    for (int c = 0; c < nb; c++)
        P->sload[c] = P->b[(size_t)root * nb + c];
    int *fr = regio_malloc((size_t)P->nu * sizeof *fr), nf = 0;
    if (!fr) {
        P->inset[root] = 0;
        return -1;
    }
    for (int e = P->xadj[root]; e < P->xadj[root + 1]; e++) {
        int u = P->adj[e];
        if (P->own[u] < 0 && !P->infr[u]) {
            P->infr[u] = 1;
            fr[nf++] = u;
        }
    }
    enumerate(P, d, fr, nf);
    for (int q = 0; q < nf; q++)
        P->infr[fr[q]] = 0;
    regio_free(fr);
    P->inset[root] = 0;
    return 0;
}

/* 1 unless a free node next to the set just taken (set[0..len)) is left
 * in no connected set of free nodes that fits some territory (a node
 * whose probe runs out of steps counts as fitting). */
static int neighbours_fit(pk *P, const int *set, int len)
{
    int ok = 1;
    P->probe = 1;
    for (int q = 0; q < len && ok; q++) {
        int v = set[q];
        for (int e = P->xadj[v]; e < P->xadj[v + 1] && ok; e++) {
            int u = P->adj[e];
            if (P->own[u] >= 0)
                continue;
            P->found = 0;
            P->probe_left = 2000;
            if (enumerate_from(P, 0, u))
                break;
            ok = P->found || P->probe_left < 0 || P->steps > P->budget;
        }
    }
    P->probe = 0;
    P->found = 0;
    return ok;
}

static int first_free(const pk *P)
{
    for (int s = 0; s < P->nu; s++)
        if (P->own[s] < 0)
            return s;
    return -1;
}

/* Builds territories d..r-1 from the free nodes. Returns 1 on success
 * (own[] then holds the packing). */
static int solve(pk *P, int d)
{
    if (d == P->r)
        return first_free(P) < 0;
    if (P->steps > P->budget)
        return 0;
    int root = first_free(P);
    if (root < 0)
        return 0;
    P->ncand[d] = 0;
    if (enumerate_from(P, d, root))
        return 0;
    int *cn = P->cand + (size_t)d * PACK_CAND * PACK_SIZE;
    for (int a = 0; a < P->ncand[d] && P->steps <= P->budget; a++) {
        const int *set = cn + (size_t)a * PACK_SIZE;
        int len = P->clen[(size_t)d * PACK_CAND + a];
        for (int q = 0; q < len; q++)
            P->own[set[q]] = d;
        if (packable(P, P->r - d - 1) && neighbours_fit(P, set, len) && solve(P, d + 1))
            return 1;
        for (int q = 0; q < len; q++)
            P->own[set[q]] = -1;
    }
    return 0;
}

typedef struct keyed {
    double key;
    int node;
} keyed;

static int keyed_cmp(const void *pa, const void *pb)
{
    const keyed *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return (a->node > b->node) - (a->node < b->node);
}

/* Orders the window's nodes by their projection on the principal axis of
 * their points (power iteration on the 3x3 covariance). */
static int sweep_order(regio__dz *z, int *nodes, int nu)
{
    double m[3] = {0, 0, 0}, C[9] = {0};
    for (int q = 0; q < nu; q++)
        for (int a = 0; a < 3; a++)
            m[a] += z->p[3 * (size_t)nodes[q] + a] / nu;
    for (int q = 0; q < nu; q++) {
        const double *x = z->p + 3 * (size_t)nodes[q];
        for (int a = 0; a < 3; a++)
            for (int c = 0; c < 3; c++)
                C[a * 3 + c] += (x[a] - m[a]) * (x[c] - m[c]);
    }
    double v[3] = {1, 0.7, 0.3};
    for (int it = 0; it < 50; it++) {
        double w[3], s = 0;
        for (int a = 0; a < 3; a++) {
            w[a] = C[a * 3] * v[0] + C[a * 3 + 1] * v[1] + C[a * 3 + 2] * v[2];
            s += w[a] * w[a];
        }
        if (s <= 0)
            break;
        s = sqrt(s);
        for (int a = 0; a < 3; a++)
            v[a] = w[a] / s;
    }
    keyed *kd = regio_malloc((size_t)nu * sizeof *kd);
    if (!kd)
        return -1;
    for (int q = 0; q < nu; q++) {
        const double *x = z->p + 3 * (size_t)nodes[q];
        kd[q].key = (x[0] - m[0]) * v[0] + (x[1] - m[1]) * v[1] + (x[2] - m[2]) * v[2];
        kd[q].node = nodes[q];
    }
    qsort(kd, (size_t)nu, sizeof *kd, keyed_cmp);
    for (int q = 0; q < nu; q++)
        nodes[q] = kd[q].node;
    regio_free(kd);
    return 0;
}

/* One window: centre, s, then breadth-first from the centre. */
static int pack_window(regio__dz *z, int s, int centre, int width, long budget, double slack,
                       int reverse)
{
    int k = z->k, n = z->n, nb = z->nb, ok = 0;
    pk P;
    memset(&P, 0, sizeof P);
    P.z = z;
    P.nb = nb;
    P.budget = budget;
    int *inwin = regio_calloc((size_t)k, sizeof *inwin);
    int *loc = z->tmp; /* n ints: local index + 1 of window nodes */
    P.terr = regio_malloc((size_t)(width > 0 ? width : 1) * sizeof *P.terr);
    if (!inwin || !P.terr)
        goto done;
    /* Window: the centre, s, then breadth-first neighbours of the
     * centre up to `width` territories. */
    P.terr[P.r++] = centre;
    inwin[centre] = 1;
    if (!inwin[s] && P.r < width) {
        P.terr[P.r++] = s;
        inwin[s] = 1;
    }
    P.r = regio__dz_grow_window(z, P.terr, P.r, inwin, width);
    int nu = 0;
    for (int a = 0; a < P.r; a++)
        nu += z->cnt[P.terr[a]];
    if (nu > PACK_NODES || nu <= P.r)
        goto done;
    P.node = regio_malloc((size_t)nu * sizeof *P.node);
    if (!P.node)
        goto done;
    for (int i = 0; i < n; i++) {
        if (!inwin[z->label[i]])
            continue;
        if (z->lock && z->lock[i] >= 0)
            goto done;
        P.node[P.nu++] = i;
    }
    if (P.nu != nu || sweep_order(z, P.node, nu))
        goto done;
    for (int q = 0; reverse && q < nu / 2; q++) {
        int x = P.node[q];
        P.node[q] = P.node[nu - 1 - q];
        P.node[nu - 1 - q] = x;
    }
    P.xadj = regio_malloc((size_t)(nu + 1) * sizeof *P.xadj);
    P.b = regio_malloc((size_t)nu * nb * sizeof *P.b);
    P.own = regio_malloc((size_t)nu * sizeof *P.own);
    P.label0 = regio_malloc((size_t)nu * sizeof *P.label0);
    P.inset = regio_calloc((size_t)nu, sizeof *P.inset);
    P.excl = regio_calloc((size_t)nu, sizeof *P.excl);
    P.infr = regio_calloc((size_t)nu, sizeof *P.infr);
    P.set = regio_malloc((size_t)(PACK_SIZE + 1) * sizeof *P.set);
    P.sload = regio_malloc((size_t)nb * sizeof *P.sload);
    P.cload = regio_malloc((size_t)nb * sizeof *P.cload);
    P.queue = regio_malloc((size_t)nu * sizeof *P.queue);
    P.cand = regio_malloc((size_t)P.r * PACK_CAND * PACK_SIZE * sizeof *P.cand);
    P.clen = regio_malloc((size_t)P.r * PACK_CAND * sizeof *P.clen);
    P.cscore = regio_malloc((size_t)P.r * PACK_CAND * sizeof *P.cscore);
    P.ncand = regio_calloc((size_t)P.r, sizeof *P.ncand);
    P.shlo = regio_malloc((size_t)P.r * nb * sizeof *P.shlo);
    P.shhi = regio_malloc((size_t)P.r * nb * sizeof *P.shhi);
    P.anylo = regio_malloc((size_t)nb * sizeof *P.anylo);
    P.anyhi = regio_malloc((size_t)nb * sizeof *P.anyhi);
    if (!P.anylo || !P.anyhi ||!P.xadj || !P.b || !P.own || !P.inset || !P.excl || !P.infr || !P.set || !P.sload ||
        !P.cload || !P.queue || !P.cand || !P.clen || !P.cscore || !P.ncand || !P.shlo || !P.shhi)
        goto done;
    for (int q = 0; q < nu; q++)
        loc[P.node[q]] = q + 1;
    size_t m = 0;
    for (int q = 0; q < nu; q++) {
        int i = P.node[q];
        for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++)
            m += inwin[z->label[z->adj[e]]] != 0;
    }
    P.adj = regio_malloc((m > 0 ? m : 1) * sizeof *P.adj);
    if (!P.adj)
        goto unloc;
    m = 0;
    for (int q = 0; q < nu; q++) {
        int i = P.node[q];
        P.xadj[q] = (int)m;
        for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++)
            if (inwin[z->label[z->adj[e]]])
                P.adj[m++] = loc[z->adj[e]] - 1;
        for (int c = 0; c < nb; c++)
            P.b[(size_t)q * nb + c] = z->b[(size_t)i * nb + c];
        P.own[q] = -1;
        P.label0[q] = z->label[i];
    }
    P.xadj[nu] = (int)m;
    P.lo = INFINITY;
    P.hi = 0;
    for (int a = 0; a < P.r; a++) {
        double sh = z->share[P.terr[a]];
        if (sh < P.lo)
            P.lo = sh;
        if (sh > P.hi)
            P.hi = sh;
        /* The last territory built (the sink, at the far end of the
         * sweep) may be off by up to slack more. */
        double sl = a == P.r - 1 ? slack : 0;
        for (int c = 0; c < nb; c++) {
            P.shlo[a * nb + c] = sh * (1 - z->tolc[c] - sl);
            P.shhi[a * nb + c] = sh * (1 + z->tolc[c] + sl);
        }
    }
    for (int c = 0; c < nb; c++) {
        P.anylo[c] = INFINITY;
        P.anyhi[c] = 0;
        for (int a = 0; a < P.r; a++) {
            if (P.shlo[a * nb + c] < P.anylo[c])
                P.anylo[c] = P.shlo[a * nb + c];
            if (P.shhi[a * nb + c] > P.anyhi[c])
                P.anyhi[c] = P.shhi[a * nb + c];
        }
        if (P.anylo[c] < 0)
            P.anylo[c] = 0;
    }
    double before = 0;
    for (int a = 0; a < P.r; a++)
        before += regio__dz_viol_t(z, P.terr[a]);
    if (P.hi > 0 && solve(&P, 0)) {
        for (int q = 0; q < nu; q++)
            regio__dz_move(z, P.node[q], P.terr[P.own[q]]);
        ok = 1;
        double after = 0;
        for (int a = 0; a < P.r; a++)
            after += regio__dz_viol_t(z, P.terr[a]);
        if (after >= before - 1e-12) { /* (a sink no better than s was) */
            for (int q = 0; q < nu; q++)
                regio__dz_move(z, P.node[q], P.label0[q]);
            ok = 0;
        }
    }
unloc:
    for (int q = 0; q < nu; q++)
        loc[P.node[q]] = 0;
done:
    regio_free(inwin);
    regio_free(P.terr);
    regio_free(P.node);
    regio_free(P.xadj);
    regio_free(P.adj);
    regio_free(P.b);
    regio_free(P.own);
    regio_free(P.label0);
    regio_free(P.inset);
    regio_free(P.excl);
    regio_free(P.infr);
    regio_free(P.set);
    regio_free(P.sload);
    regio_free(P.cload);
    regio_free(P.queue);
    regio_free(P.cand);
    regio_free(P.clen);
    regio_free(P.cscore);
    regio_free(P.ncand);
    regio_free(P.shlo);
    regio_free(P.shhi);
    regio_free(P.anylo);
    regio_free(P.anyhi);
    return ok;
}

int regio__dz_pack(regio__dz *z, int s, int width, long budget)
{
    if (z->home || z->base || regio__dz_stop(z) || regio__dz_viol_t(z, s) <= 0)
        return 0;
    if (pack_window(z, s, s, width, budget, 0, 0))
        return 1;
    /* Windows centred on each territory around s: other borders fixed. */
    int k = z->k, n = z->n, m = 0;
    int *around = regio_malloc((size_t)k * sizeof *around);
    char *seen = regio_calloc((size_t)k, 1);
    int ok = 0;
    if (!around || !seen)
        goto out;
    seen[s] = 1;
    for (int i = 0; i < n; i++) {
        if (z->label[i] != s)
            continue;
        for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++) {
            int t = z->label[z->adj[e]];
            if (!seen[t]) {
                seen[t] = 1;
                around[m++] = t;
            }
        }
    }
    for (int q = 0; q < m && !ok && !regio__dz_stop(z); q++)
        ok = pack_window(z, s, around[q], width, budget, 0, 0);
    /* None packs: pass s's excess on to a sink at the window's far end,
     * off by less than s is (so the total violation drops); a window
     * around the sink may then pack, or pass it further. */
    double vs = 0;
    for (int c = 0; c < z->nb; c++) {
        double d = fabs(z->load[(size_t)s * z->nb + c] / z->share[s] - 1.0) - z->tolc[c];
        if (d > vs)
            vs = d;
    }
    for (int f = 1; f <= 3 && !ok; f++)
        for (int q = -1; q < m && !ok && !regio__dz_stop(z); q++)
            for (int rev = 0; rev < 2 && !ok; rev++)
                ok = pack_window(z, s, q < 0 ? s : around[q], width, budget / 4, 0.25 * f * vs, rev);
out:
    regio_free(around);
    regio_free(seen);
    return ok;
}
