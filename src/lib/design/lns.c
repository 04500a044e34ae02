/*
 * Large-neighbourhood repair: a violating territory and its neighbours
 * (a "window" of r whole territories) are dissolved and re-grown many
 * times by randomised balanced region growing — the least loaded
 * territory (relative to its share) takes the frontier node nearest its
 * seed, with seeded noise — followed by a boundary-move descent confined
 * to the window. The best rebuild by (violation, travel) replaces the
 * window when it beats the current one. Granular instances (few heavy
 * units, as in dense metro areas) need this: single moves and chains
 * cannot exchange a 17 for a 13 across two borders.
 *
 * Invariants: nodes outside the window never change; each territory of
 * the window is grown from one seed through adjacent nodes, so it is
 * connected; windows holding locked nodes are skipped. Cost per trial:
 * O(|U| * (r + degree)) for growth plus O(sweeps * |U| * degree) for the
 * descent, |U| the window's node count.
 */
#include "design/design_internal.h"
#include "core/grow.h"

#include <limits.h>
#include <string.h>

typedef struct win {
    regio__dz *z;
    int r;          /* territories in the window */
    int *terr;      /* r territory ids */
    int *nodes;     /* |U| nodes */
    int nu;
    int *inwin;     /* k: 1 when in window */
    int *scratch;   /* n ints for the medoid */
    int realign;    /* compare by (violation, moved units), keep the budget */
} win;

static double win_viol(const win *W)
{
    double v = 0;
    for (int q = 0; q < W->r; q++)
        v += regio__dz_viol_t(W->z, W->terr[q]);
    return v;
}

static double win_travel(const win *W)
{
    regio__dz *z = W->z;
    double s = 0;
    for (int q = 0; q < W->nu; q++) {
        int i = W->nodes[q];
        if (z->w[i] != 0)
            s += z->w[i] * regio__dz_dist(z, i, z->label[i]);
    }
    return s;
}

/* Relative fill of territory t (mean over columns). */
static double fill(const regio__dz *z, int t)
{
    double f = 0;
    for (int c = 0; c < z->nb; c++)
        f += z->load[t * z->nb + c];
    return f / (z->nb * z->share[t]);
}

/* Frontier of one growing territory: a binary min-heap of (key, node)
 * with lazy deletion of nodes taken by another territory meanwhile. */
typedef struct frontier {
    double *key;
    int *node;
    int len, cap;
} frontier;

static int fr_push(frontier *f, double key, int node)
{
    if (f->len == f->cap) {
        size_t ck = (size_t)f->cap, cn = (size_t)f->cap;
        if (regio__grow(&f->key, &ck, ck + 1, sizeof *f->key) ||
            regio__grow(&f->node, &cn, cn + 1, sizeof *f->node) || ck > INT_MAX)
            return -1;
        f->cap = (int)ck;
    }
    int q = f->len++;
    while (q > 0) {
        int par = (q - 1) / 2;
        if (f->key[par] <= key)
            break;
        f->key[q] = f->key[par];
        f->node[q] = f->node[par];
        q = par;
    }
    f->key[q] = key;
    f->node[q] = node;
    return 0;
}

static int fr_pop(frontier *f)
{
    int top = f->node[0];
    double key = f->key[--f->len];
    int node = f->node[f->len];
    int q = 0;
    for (;;) {
        int c = 2 * q + 1;
        if (c >= f->len)
            break;
        if (c + 1 < f->len && f->key[c + 1] < f->key[c])
            c++;
        if (f->key[c] >= key)
            break;
        f->key[q] = f->key[c];
        f->node[q] = f->node[c];
        q = c;
    }
    if (f->len > 0) {
        f->key[q] = key;
        f->node[q] = node;
    }
    return top;
}

static int push_free_neighbours(win *W, frontier *f, int i, int seed, double noise)
{
    regio__dz *z = W->z;
    int t = z->label[i];
    for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++) {
        int j = z->adj[e];
        if (z->label[j] != -1)
            continue;
        double d = regio__pdist(z->planar, z->p + 3 * (size_t)j, z->p + 3 * (size_t)seed);
        d *= 1.0 + noise * regio_rng_double(&z->rng);
        if (W->realign && z->base && z->base[j] == t)
            d *= 0.05; /* realign: regrow the baseline first */
        if (fr_push(f, d, j))
            return -1;
    }
    return 0;
}

#define PICK 4

/* Grows the window's territories from one seed each: the least filled
 * territory takes its nearest free frontier node. Returns 0 when some
 * node stayed free (or memory ran out). */
static int grow(win *W, const int *seed, double noise)
{
    regio__dz *z = W->z;
    int r = W->r, nb = z->nb, ok = 0;
    for (int q = 0; q < W->nu; q++)
        z->label[W->nodes[q]] = -1;
    for (int a = 0; a < r; a++) {
        int t = W->terr[a];
        for (int c = 0; c < nb; c++)
            z->load[t * nb + c] = 0;
        z->cnt[t] = 0;
    }
    frontier *fr = regio_calloc((size_t)r, sizeof *fr);
    unsigned char *blocked = regio_calloc((size_t)r, 1);
    if (!fr || !blocked)
        goto out;
    for (int a = 0; a < r; a++) {
        int t = W->terr[a], i = seed[a];
        z->label[i] = t;
        z->cnt[t]++;
        for (int c = 0; c < nb; c++)
            z->load[t * nb + c] += z->b[(size_t)i * nb + c];
    }
    for (int a = 0; a < r; a++)
        if (push_free_neighbours(W, &fr[a], seed[a], seed[a], noise))
            goto out;
    int left = W->nu - r;
    while (left > 0) {
        int ba = -1;
        double bf = INFINITY;
        for (int a = 0; a < r; a++) {
            if (blocked[a])
                continue;
            double f = fill(z, W->terr[a]);
            if (f < bf) {
                bf = f;
                ba = a;
            }
        }
        if (ba < 0)
            break;
        int t = W->terr[ba];
        if (fill(z, t) >= 1.0 - 0.25 * z->tol) {
            /* The least filled territory is already near its target:
             * stop growing and let the leftover pass place the rest. */
            break;
        }
        int best = -1;
        /* With several measures the territory looks at its PICK nearest
         * fitting nodes and takes the one that keeps its measures most
         * alike (deviations in units of each tolerance), so that it does
         * not fill up on one measure while short of another. */
        int pk[PICK], npk = 0;
        double pkey[PICK];
        while (fr[ba].len > 0 && npk < (nb > 1 ? PICK : 1)) {
            double key = fr[ba].key[0];
            int j = fr_pop(&fr[ba]);
            if (z->label[j] != -1)
                continue;
            /* Skip nodes that would overshoot the band; a neighbour
             * territory or the leftover pass takes them. */
            double over = 0;
            for (int c = 0; c < nb; c++) {
                double l = (z->load[t * nb + c] + z->b[(size_t)j * nb + c]) / z->share[t] - 1.0;
                if (l > z->tolc[c])
                    over = 1;
            }
            if (over)
                continue;
            int dup = 0;
            for (int q = 0; q < npk && !dup; q++)
                dup = pk[q] == j;
            if (dup)
                continue;
            pk[npk] = j;
            pkey[npk++] = key;
        }
        if (npk > 0) {
            int bq = 0;
            if (npk > 1) {
                double bs = INFINITY;
                for (int q = 0; q < npk; q++) {
                    double dv[16], mean = 0, sc = 0;
                    int nc = nb < 16 ? nb : 16;
                    for (int c = 0; c < nc; c++) {
                        dv[c] = ((z->load[t * nb + c] + z->b[(size_t)pk[q] * nb + c]) / z->share[t] - 1.0) /
                                z->tolc[c];
                        mean += dv[c] / nc;
                    }
                    for (int c = 0; c < nc; c++)
                        sc += fabs(dv[c] - mean);
                    sc += 0.3 * q;
                    if (sc < bs) {
                        bs = sc;
                        bq = q;
                    }
                }
            }
            best = pk[bq];
            for (int q = 0; q < npk; q++)
                if (q != bq && fr_push(&fr[ba], pkey[q], pk[q]))
                    goto out;
        }
        if (best < 0) {
            blocked[ba] = 1;
            continue;
        }
        z->label[best] = t;
        z->cnt[t]++;
        for (int c = 0; c < nb; c++)
            z->load[t * nb + c] += z->b[(size_t)best * nb + c];
        left--;
        if (push_free_neighbours(W, &fr[ba], best, seed[ba], noise))
            goto out;
    }
    /* Leftover pass: free nodes join the least filled adjacent window
     * territory, repeated until none is left (contiguity holds because
     * each joins a neighbour). */
    while (left > 0) {
        int placed = 0;
        for (int q = 0; q < W->nu; q++) {
            int i = W->nodes[q];
            if (z->label[i] != -1)
                continue;
            int bt = -1;
            double bf = INFINITY;
            for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++) {
                int t = z->label[z->adj[e]];
                if (t < 0 || !W->inwin[t])
                    continue;
                double f = fill(z, t);
                if (f < bf) {
                    bf = f;
                    bt = t;
                }
            }
            if (bt < 0)
                continue;
            z->label[i] = bt;
            z->cnt[bt]++;
            for (int c = 0; c < nb; c++)
                z->load[bt * nb + c] += z->b[(size_t)i * nb + c];
            left--;
            placed++;
        }
        if (!placed)
            break;
    }
    ok = left == 0;
out:
    if (fr) {
        for (int a = 0; a < r; a++) {
            regio_free(fr[a].key);
            regio_free(fr[a].node);
        }
    }
    regio_free(fr);
    regio_free(blocked);
    return ok;
}

/* Descent confined to the window: single moves between window
 * territories, lexicographic (violation, travel). */
static void win_descent(win *W, int sweeps)
{
    regio__dz *z = W->z;
    for (int sw = 0; sw < sweeps; sw++) {
        int moves = 0;
        for (int q = 0; q < W->nu; q++) {
            int i = W->nodes[q], s = z->label[i];
            int bt = -1;
            double bv = 0, btr = 0;
            double ds = z->w[i] != 0 ? regio__dz_dist(z, i, s) : 0;
            for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++) {
                int t = z->label[z->adj[e]];
                if (t == s || !W->inwin[t])
                    continue;
                double dv = regio__dz_dviol(z, i, t);
                double dtr = z->w[i] != 0 ? z->w[i] * (regio__dz_dist(z, i, t) - ds) : 0;
                if (!(dv < -1e-12 || (dv <= 1e-12 && dtr < -1e-9)))
                    continue;
                if (bt < 0 || dv < bv - 1e-12 || (dv <= bv + 1e-12 && dtr < btr)) {
                    bt = t;
                    bv = dv;
                    btr = dtr;
                }
            }
            if (bt >= 0 && regio__dz_can_remove(z, i)) {
                regio__dz_move(z, i, bt);
                moves++;
            }
        }
        if (!moves)
            break;
    }
}

/* Sets the centres of the window's territories to their medoids. */
static void win_centres(win *W)
{
    regio__dz *z = W->z;
    if (z->home)
        return;
    int *idx = z->queue;
    int *si = W->scratch;
    for (int a = 0; a < W->r; a++) {
        int t = W->terr[a], cnt = 0;
        for (int q = 0; q < W->nu; q++)
            if (z->label[W->nodes[q]] == t)
                idx[cnt++] = W->nodes[q];
        if (cnt == 0)
            continue;
        double cost;
        size_t m = regio__medoid(z->planar, z->p, z->w, idx, (size_t)cnt, &cost,
                                 z->tmpd, si);
        z->cnode[t] = idx[m];
        memcpy(z->cp + 3 * (size_t)t, z->p + 3 * (size_t)idx[m], 3 * sizeof(double));
    }
}

int regio__dz_grow_window(const regio__dz *z, int *terr, int r, int *inwin, int width)
{
    for (int h = 0; h < r && r < width; h++) {
        int a = terr[h];
        for (int i = 0; i < z->n && r < width; i++) {
            if (z->label[i] != a)
                continue;
            for (int e = z->xadj[i]; e < z->xadj[i + 1] && r < width; e++) {
                int t = z->label[z->adj[e]];
                if (!inwin[t]) {
                    inwin[t] = 1;
                    terr[r++] = t;
                }
            }
        }
    }
    return r;
}

int regio__dz_lns(regio__dz *z, int s, int radius, int trials, int realign)
{
    int k = z->k, n = z->n;
    win W;
    memset(&W, 0, sizeof W);
    W.z = z;
    W.realign = realign && z->base;
    W.terr = regio_malloc((size_t)k * sizeof *W.terr);
    W.inwin = regio_calloc((size_t)k, sizeof *W.inwin);
    W.nodes = regio_malloc((size_t)n * sizeof *W.nodes);
    W.scratch = regio_malloc((size_t)n * sizeof *W.scratch);
    int *save = regio_malloc((size_t)n * sizeof *save);
    int *bestl = regio_malloc((size_t)n * sizeof *bestl);
    double *savecp = regio_malloc(3 * (size_t)k * sizeof *savecp);
    int *savecn = regio_malloc((size_t)k * sizeof *savecn);
    int *seed = regio_malloc((size_t)k * sizeof *seed);
    int improved = 0;
    if (regio__dz_stop(z))
        goto done;
    if (!W.terr || !W.inwin || !W.nodes || !W.scratch || !save || !bestl || !savecp || !savecn || !seed)
        goto done;
    /* Window: s, then breadth-first neighbours up to `radius` territories. */
    W.terr[W.r++] = s;
    W.inwin[s] = 1;
    W.r = regio__dz_grow_window(z, W.terr, W.r, W.inwin, radius);
    for (int i = 0; i < n; i++) {
        if (!W.inwin[z->label[i]])
            continue;
        if (z->lock && z->lock[i] >= 0)
            goto done;
        W.nodes[W.nu++] = i;
    }
    if (W.nu > 4000 || W.nu <= W.r)
        goto done;
    for (int q = 0; q < W.nu; q++)
        save[W.nodes[q]] = z->label[W.nodes[q]];
    memcpy(savecp, z->cp, 3 * (size_t)k * sizeof *savecp);
    memcpy(savecn, z->cnode, (size_t)k * sizeof *savecn);
    double bv = win_viol(&W), bt = W.realign ? z->moved_units : win_travel(&W);
    for (int q = 0; q < W.nu; q++)
        bestl[W.nodes[q]] = save[W.nodes[q]];
    for (int tr = 0; tr < trials; tr++) {
        /* Seeds: a random current member of each territory. */
        for (int a = 0; a < W.r; a++) {
            int t = W.terr[a], cnt = 0, pick = -1;
            for (int q = 0; q < W.nu; q++) {
                int i = W.nodes[q];
                if (save[i] == t && regio_rng_below(&z->rng, (uint64_t)++cnt) == 0)
                    pick = i;
            }
            /* (the centre node may be stale: outside the window, where
             * save[] is not set; its label is what says it is t's) */
            seed[a] = tr == 0 && savecn[t] >= 0 && z->label[savecn[t]] == t ? savecn[t] : pick;
        }
        int seedless = 0; /* a territory with no node in the window */
        for (int a = 0; a < W.r; a++)
            seedless |= seed[a] < 0;
        if (seedless || !grow(&W, seed, 0.5))
            continue;
        win_centres(&W);
        win_descent(&W, 10);
        if (!W.realign && win_viol(&W) <= 1e-12) {
            /* Feasible rebuild: one Lloyd step for a fair travel score. */
            win_centres(&W);
            win_descent(&W, 10);
        }
        double v = win_viol(&W), t;
        if (W.realign) {
            regio__dz_recount(z);
            t = z->moved_units;
            if ((z->budget_units >= 0 && z->moved_units > z->budget_units + 1e-9) ||
                (z->budget_weight >= 0 && z->moved_weight > z->budget_weight + 1e-9))
                continue;
        } else {
            t = win_travel(&W);
        }
        if (v < bv - 1e-12 || (v <= bv + 1e-12 && t < bt - 1e-9)) {
            bv = v;
            bt = t;
            improved = 1;
            for (int q = 0; q < W.nu; q++)
                bestl[W.nodes[q]] = z->label[W.nodes[q]];
        }
        if (bv <= 1e-12 && tr >= trials / 4)
            break;
        if (regio__dz_stop(z))
            break;
    }
    /* Install the best (or restore the original). */
    for (int q = 0; q < W.nu; q++)
        z->label[W.nodes[q]] = bestl[W.nodes[q]];
    memcpy(z->cp, savecp, 3 * (size_t)k * sizeof *savecp);
    memcpy(z->cnode, savecn, (size_t)k * sizeof *savecn);
    regio__dz_recount(z);
    if (improved)
        win_centres(&W);
done:
    regio_free(W.terr);
    regio_free(W.inwin);
    regio_free(W.nodes);
    regio_free(W.scratch);
    regio_free(save);
    regio_free(bestl);
    regio_free(savecp);
    regio_free(savecn);
    regio_free(seed);
    return improved;
}
