/*
 * Pair re-split: two adjacent territories are merged and split again
 * around two new centres, which no boundary move can do at a tight
 * tolerance (moving a centre shifts a whole border at once, and every
 * single move on the way breaks the balance).
 *
 * For centres (c1, c2), the least-travel split of the pair's nodes with
 * both loads in band, relaxed to fractions, takes nodes for c1 in
 * ascending w_i (d(i, c1) - d(i, c2)) / b_i (a continuous knapsack;
 * b the balanced load, w the travel weight); the integral splits tried
 * are the prefixes of that order whose two loads are both within the
 * tolerance. Centres are tried among the Q nodes of the pair nearest
 * each current medoid; the cheapest splits by that estimate are checked
 * for connectivity (each side within the pair) and measured exactly at
 * their medoids, and the first that shortens travel is kept.
 *
 * Used with one balanced column, no locks, no homes and no baseline
 * (design, not realign); deterministic (no randomness). Invariants: only
 * the two territories of a pair change; both stay connected and within
 * the tolerance; travel (to medoids) strictly falls at each change.
 * Cost per round: O(pairs * Q^2 * m log m), m the nodes of a pair.
 */
#include "design/design_internal.h"

#include <stdlib.h>
#include <string.h>

#define Q 10    /* centre candidates around each medoid */
#define TRY 6   /* cheapest estimated splits checked exactly */

typedef struct keyed {
    double key;
    int u; /* position in the pair's node list */
} keyed;

static int keyed_cmp(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->u - y->u;
}

typedef struct cand {
    double est;
    int q1, q2, p; /* centre candidates, prefix length */
} cand;

typedef struct pairws {
    int *nodes, *pos, *side, *old, *queue, *mark, *sidx;
    double *d1, *d2, *mscr;
    keyed *ord;
    int stamp;
} pairws;

/* 1 when the nodes of U with side == sd form one connected piece. */
static int side_connected(const regio__dz *z, pairws *P, int nu, int sd)
{
    int first = -1, want = 0;
    for (int u = 0; u < nu; u++)
        if (P->side[u] == sd) {
            want++;
            if (first < 0)
                first = u;
        }
    if (want == 0)
        return 0;
    int st = ++P->stamp, head = 0, tail = 0, seen = 1;
    P->mark[P->nodes[first]] = st;
    P->queue[tail++] = P->nodes[first];
    while (head < tail) {
        int i = P->queue[head++];
        for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++) {
            int j = z->adj[e];
            int u = P->pos[j];
            if (u < 0 || P->side[u] != sd || P->mark[j] == st)
                continue;
            P->mark[j] = st;
            P->queue[tail++] = j;
            seen++;
        }
    }
    return seen == want;
}

/* Exact medoid cost of the nodes of one side (list in P->sidx). */
static double side_cost(const regio__dz *z, pairws *P, int nu, int sd, int *medoid)
{
    int cnt = 0;
    for (int u = 0; u < nu; u++)
        if (P->side[u] == sd)
            P->sidx[cnt++] = P->nodes[u];
    double cost;
    size_t a = regio__medoid(z->planar, z->p, z->w, P->sidx, (size_t)cnt, &cost, P->mscr,
                             P->queue);
    *medoid = P->sidx[a];
    return cost;
}

/* Tries to re-split territories s and t; returns 1 when it did. */
static int resplit(regio__dz *z, pairws *P, int s, int t)
{
    int nu = 0;
    for (int i = 0; i < z->n; i++)
        if (z->label[i] == s || z->label[i] == t) {
            P->pos[i] = nu;
            P->nodes[nu++] = i;
        }
    int ok = 0;
    /* current cost at the exact medoids */
    for (int u = 0; u < nu; u++) {
        P->old[u] = z->label[P->nodes[u]];
        P->side[u] = P->old[u] == s ? 0 : 1;
    }
    int ms, mt;
    double old = side_cost(z, P, nu, 0, &ms) + side_cost(z, P, nu, 1, &mt);
    /* centre candidates: the Q nodes nearest each medoid */
    int cq[2][Q], nq[2] = {0, 0};
    const int med[2] = {ms, mt};
    for (int h = 0; h < 2; h++) {
        double cd[Q];
        for (int u = 0; u < nu; u++) {
            double d = regio__chord(z->p + 3 * (size_t)P->nodes[u], z->p + 3 * (size_t)med[h]);
            regio__topk_insert(cd, cq[h], NULL, &nq[h], Q, d, u, 0);
        }
        for (int a = 0; a < nq[h]; a++)
            for (int u = 0; u < nu; u++)
                (h ? P->d2 : P->d1)[(size_t)a * nu + u] =
                    regio__pdist(z->planar, z->p + 3 * (size_t)P->nodes[u],
                                 z->p + 3 * (size_t)P->nodes[cq[h][a]]);
    }
    double tot = 0;
    for (int u = 0; u < nu; u++)
        tot += z->b[P->nodes[u]];
    double lo_s = (1 - z->tolc[0]) * z->share[s], hi_s = (1 + z->tolc[0]) * z->share[s];
    double lo_t = (1 - z->tolc[0]) * z->share[t], hi_t = (1 + z->tolc[0]) * z->share[t];
    cand best[TRY];
    double bsc[TRY];
    int nbest = 0;
    for (int a1 = 0; a1 < nq[0]; a1++)
        for (int a2 = 0; a2 < nq[1]; a2++) {
            if (cq[0][a1] == cq[1][a2])
                continue;
            const double *d1 = P->d1 + (size_t)a1 * nu, *d2 = P->d2 + (size_t)a2 * nu;
            double base = 0;
            for (int u = 0; u < nu; u++) {
                int i = P->nodes[u];
                double dd = d1[u] - d2[u], bi = z->b[i], wi = z->w[i];
                base += wi * d2[u];
                double key;
                if (bi > 0)
                    key = (wi > 0 ? wi * dd : 1e-9 * dd) / bi;
                else
                    key = dd < 0 ? -1e300 + dd : 1e300 + dd; /* free: the nearer side */
                P->ord[u] = (keyed){key, u};
            }
            qsort(P->ord, (size_t)nu, sizeof *P->ord, keyed_cmp);
            double la = 0, est = base;
            for (int p = 0; p < nu; p++) {
                int u = P->ord[p].u, i = P->nodes[u];
                la += z->b[i];
                est += z->w[i] * (d1[u] - d2[u]);
                if (la < lo_s || la > hi_s || tot - la < lo_t || tot - la > hi_t)
                    continue;
                if (est >= old - 1e-9 * (old > 1 ? old : 1))
                    continue;
                if (nbest < TRY || est < bsc[nbest - 1]) {
                    if (nbest < TRY)
                        nbest++;
                    int slot = nbest - 1;
                    while (slot > 0 && bsc[slot - 1] > est) {
                        bsc[slot] = bsc[slot - 1];
                        best[slot] = best[slot - 1];
                        slot--;
                    }
                    bsc[slot] = est;
                    best[slot] = (cand){est, a1, a2, p + 1};
                }
            }
        }
    for (int c = 0; c < nbest && !ok; c++) {
        const double *d1 = P->d1 + (size_t)best[c].q1 * nu, *d2 = P->d2 + (size_t)best[c].q2 * nu;
        for (int u = 0; u < nu; u++) {
            int i = P->nodes[u];
            double dd = d1[u] - d2[u], bi = z->b[i], wi = z->w[i];
            double key = bi > 0 ? (wi > 0 ? wi * dd : 1e-9 * dd) / bi
                                : (dd < 0 ? -1e300 + dd : 1e300 + dd);
            P->ord[u] = (keyed){key, u};
        }
        qsort(P->ord, (size_t)nu, sizeof *P->ord, keyed_cmp);
        for (int p = 0; p < nu; p++)
            P->side[P->ord[p].u] = p < best[c].p ? 0 : 1;
        if (!side_connected(z, P, nu, 0) || !side_connected(z, P, nu, 1))
            continue;
        int m0, m1;
        double nc = side_cost(z, P, nu, 0, &m0) + side_cost(z, P, nu, 1, &m1);
        if (nc >= old - 1e-9 * (old > 1 ? old : 1))
            continue;
        for (int u = 0; u < nu; u++)
            regio__dz_move(z, P->nodes[u], P->side[u] ? t : s);
        if (regio__dz_viol_t(z, s) > 0 || regio__dz_viol_t(z, t) > 0) {
            /* rounding put a side over the band: back to the old split */
            for (int u = 0; u < nu; u++)
                regio__dz_move(z, P->nodes[u], P->old[u]);
            continue;
        }
        z->cnode[s] = m0;
        z->cnode[t] = m1;
        memcpy(z->cp + 3 * (size_t)s, z->p + 3 * (size_t)m0, 3 * sizeof(double));
        memcpy(z->cp + 3 * (size_t)t, z->p + 3 * (size_t)m1, 3 * sizeof(double));
        ok = 1;
    }
    for (int u = 0; u < nu; u++)
        P->pos[P->nodes[u]] = -1;
    return ok;
}

long regio__dz_pair_resplit(regio__dz *z, int max_rounds)
{
    if (z->nb != 1 || z->home || z->base || z->wsum <= 0 || regio__dz_viol(z) > 1e-12)
        return 0;
    if (z->lock)
        for (int i = 0; i < z->n; i++)
            if (z->lock[i] >= 0)
                return 0;
    pairws P;
    memset(&P, 0, sizeof P);
    size_t n = (size_t)z->n;
    P.nodes = regio_malloc(n * sizeof *P.nodes);
    P.pos = regio_malloc(n * sizeof *P.pos);
    P.side = regio_malloc(n * sizeof *P.side);
    P.old = regio_malloc(n * sizeof *P.old);
    P.queue = regio_malloc(n * sizeof *P.queue);
    P.mark = regio_calloc(n, sizeof *P.mark);
    P.sidx = regio_malloc(n * sizeof *P.sidx);
    P.d1 = regio_malloc(n * Q * sizeof *P.d1);
    P.d2 = regio_malloc(n * Q * sizeof *P.d2);
    P.mscr = regio_malloc(2 * n * sizeof *P.mscr);
    P.ord = regio_malloc(n * sizeof *P.ord);
    unsigned char *adjt = regio_calloc((size_t)z->k * (size_t)z->k, 1);
    long made = 0;
    if (!P.nodes || !P.pos || !P.side || !P.old || !P.queue || !P.mark || !P.sidx || !P.d1 || !P.d2 ||
        !P.mscr || !P.ord || !adjt)
        goto out;
    for (size_t i = 0; i < n; i++)
        P.pos[i] = -1;
    for (int round = 0; round < max_rounds && !regio__dz_stop(z); round++) {
        long before = made;
        memset(adjt, 0, (size_t)z->k * (size_t)z->k);
        for (int i = 0; i < z->n; i++)
            for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++) {
                int s = z->label[i], t = z->label[z->adj[e]];
                if (s < t)
                    adjt[(size_t)s * z->k + t] = 1;
            }
        for (int s = 0; s < z->k && !regio__dz_stop(z); s++)
            for (int t = s + 1; t < z->k; t++)
                if (adjt[(size_t)s * z->k + t] && z->cnt[s] > 0 && z->cnt[t] > 0)
                    made += resplit(z, &P, s, t);
        if (made == before)
            break;
    }
out:
    regio_free(P.nodes);
    regio_free(P.pos);
    regio_free(P.side);
    regio_free(P.old);
    regio_free(P.queue);
    regio_free(P.mark);
    regio_free(P.sidx);
    regio_free(P.d1);
    regio_free(P.d2);
    regio_free(P.mscr);
    regio_free(P.ord);
    regio_free(adjt);
    return made;
}
