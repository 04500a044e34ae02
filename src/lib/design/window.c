/*
 * Exact window search: a territory over a tolerance and the territories
 * around it (a window of up to WIN_MAX) exchange small connected pieces
 * across their shared borders so that the window's violation drops,
 * every territory of it within every tolerance at best.
 *
 * On lumpy measures (a county holding 80% of a territory's accounts, or
 * 17 of the 160 a territory should have) no single move, swap or chain of
 * single moves may fit: each territory between the one short and the one
 * with room has to pass on a different amount, made of pieces whose sums
 * must land in a band a few accounts wide. Here each pair of adjacent
 * window territories (a, b) gets a menu of transfers: nothing, or a
 * connected piece of a of up to PIECE_MAX nodes that holds a node
 * touching b and leaves a connected (zero-weight units ride along as
 * links), either way; transfers with the same load vector are kept once
 * (the one moving fewest units), at most OPT_MAX a border. A depth-first
 * search picks one transfer per border (in the order the window grew);
 * it is a branch and bound on the window's violation:
 * territories with every border decided count exactly, the others by
 * the least violation the open borders can leave them (per column
 * interval bounds), and a branch that cannot beat the best complete
 * choice is cut. A complete choice counts only when its pieces are
 * disjoint, every window territory stays connected and the realign
 * budget holds; the best one is applied (ties to the first found: the
 * menus are ordered by moved units, nothing first), and the search ends
 * early at a window within every tolerance.
 *
 * Invariants: locked nodes never move; nodes outside the window never
 * move; the result is kept only if it lowers the window's violation
 * (so the total one) and leaves every window territory connected.
 * Tested against an enumeration of all pieces on small random graphs
 * (tests/unit/test_design_search.c). Deterministic (no randomness). Cost: menu
 * building O(borders * border nodes * degree * territory size), the
 * search at most WIN_NODES choices. Windows grow from the territory
 * over a tolerance by the territory sharing most border edges with them.
 */
#include "design/design_internal.h"

#include <stdlib.h>
#include <string.h>

#define WIN_MAX 8
#define WIN_NODES 400000L
#define OPT_MAX 96  /* distinct options of a border (both ways) */
#define PIECE_MAX 4
#define PIECE_TRIES 300 /* pieces looked at from each border node */

typedef struct wopt {
    int from, to;  /* window indices */
    int n[PIECE_MAX], nn; /* its nodes */
    double units;
    double *d;     /* nb: the load vector moved */
} wopt;

typedef struct wedge {
    int a, b;      /* window indices, a < b */
    int first, cnt; /* its options in opts[first .. first + cnt) (without "nothing") */
} wedge;

typedef struct wctx {
    regio__dz *z;
    int W, E, nb;
    int win[WIN_MAX];
    wedge e[WIN_MAX * (WIN_MAX - 1) / 2];
    wopt *opts;
    int n_opts, cap_opts;
    double *dbuf;
    int *pick;          /* E: chosen option or -1 */
    double *L;          /* (E+1) x W*nb: the window's loads before each border */
    double *lo, *hi;    /* W*nb*(E+1): bounds of what borders >= p can still add */
    int *last;          /* W: the last border of each territory (-1 none) */
    unsigned char *used; /* n: nodes in a chosen piece */
    int *seen;          /* n: BFS marks */
    int seen_stamp;
    int *queue;
    int *bestpick;      /* E: the best complete choice */
    double bestv;       /* its window violation (at first: the window's now) */
    long visited;
} wctx;

/* Violation of window territory x with loads L (as regio__dz_viol_t). */
static double wviol(const wctx *X, int x, const double *L)
{
    const regio__dz *z = X->z;
    double v = 0;
    for (int c = 0; c < X->nb; c++)
        v += regio__dz_viol_c(z, c, L[c], z->share[X->win[x]]);
    return v;
}

/* The least violation of window territory x with loads L plus anything
 * within [lo, hi] (per column). */
static double wbound(const wctx *X, int x, const double *L, const double *lo, const double *hi)
{
    const regio__dz *z = X->z;
    double v = 0, sh = z->share[X->win[x]];
    for (int c = 0; c < X->nb; c++) {
        double a = L[c] + lo[c], b = L[c] + hi[c];
        if (sh > 0 && b < sh)
            v += regio__dz_viol_c(z, c, b, sh);
        else if (sh > 0 && a > sh)
            v += regio__dz_viol_c(z, c, a, sh);
        else if (sh <= 0)
            v += regio__dz_viol_c(z, c, a > 0 ? a : 0, sh);
    }
    return v;
}

/* 1 when territory t minus the nodes ex[0..nex) is connected and not
 * empty (other labels as they are now). */
static int connected_without(wctx *X, int t, const int *ex, int nex)
{
    regio__dz *z = X->z;
    int stamp = ++X->seen_stamp, start = -1, total = 0;
    for (int q = 0; q < nex; q++)
        X->seen[ex[q]] = stamp;
    for (int q = 0; q < nex; q++)
        for (int e = z->xadj[ex[q]]; e < z->xadj[ex[q] + 1] && start < 0; e++)
            if (z->label[z->adj[e]] == t && X->seen[z->adj[e]] != stamp)
                start = z->adj[e];
    int removed = 0;
    for (int q = 0; q < nex; q++)
        removed += z->label[ex[q]] == t;
    total = z->cnt[t] - removed;
    if (total <= 0)
        return 0;
    for (int i = 0; i < z->n && start < 0; i++)
        if (z->label[i] == t && X->seen[i] != stamp)
            start = i;
    int head = 0, tail = 0, got = 1;
    X->seen[start] = stamp;
    X->queue[tail++] = start;
    while (head < tail) {
        int i = X->queue[head++];
        for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++) {
            int j = z->adj[e];
            if (z->label[j] != t || X->seen[j] == stamp)
                continue;
            X->seen[j] = stamp;
            X->queue[tail++] = j;
            got++;
        }
    }
    return got == total;
}

static int movable(const regio__dz *z, int i)
{
    return !(z->lock && z->lock[i] >= 0);
}

/* Adds the transfer of nodes nd[0..nn) from window territory fa to tb,
 * unless one with the same load vector and no more units is there. */
static int add_opt(wctx *X, int first, int fa, int tb, const int *nd, int nn)
{
    regio__dz *z = X->z;
    int nb = X->nb;
    double d[64], u = 0;
    int weighted = 0;
    for (int c = 0; c < nb; c++) {
        d[c] = 0;
        for (int q = 0; q < nn; q++)
            d[c] += z->b[(size_t)nd[q] * nb + c];
        weighted |= d[c] != 0.0;
    }
    if (!weighted)
        return 0;
    for (int q = 0; q < nn; q++)
        u += z->nunits[nd[q]];
    int mine = 0;
    for (int o = first; o < X->n_opts; o++) {
        wopt *p = &X->opts[o];
        if (p->from != fa)
            continue;
        mine++;
        int same = 1;
        for (int c = 0; c < nb && same; c++)
            same = fabs(p->d[c] - d[c]) <= 1e-12;
        if (same) {
            if (u < p->units) {
                p->nn = nn;
                for (int q = 0; q < nn; q++)
                    p->n[q] = nd[q];
                p->units = u;
            }
            return 0;
        }
    }
    if (X->n_opts == X->cap_opts || mine >= OPT_MAX / 2)
        return 0;
    wopt *p = &X->opts[X->n_opts];
    p->from = fa;
    p->to = tb;
    p->nn = nn;
    for (int q = 0; q < nn; q++)
        p->n[q] = nd[q];
    p->units = u;
    p->d = X->dbuf + (size_t)X->n_opts * nb;
    memcpy(p->d, d, (size_t)nb * sizeof *d);
    X->n_opts++;
    return 1;
}

/* Connected pieces of s that hold border node nd[0] (touching t), grown
 * one neighbour at a time up to PIECE_MAX nodes; each removable piece
 * joins the menu. Stops after *tries pieces looked at. */
static void grow_pieces(wctx *X, int fa, int tb, int first, int *nd, int nn, int *tries)
{
    regio__dz *z = X->z;
    int s = X->win[fa];
    if (--*tries < 0)
        return;
    if (connected_without(X, s, nd, nn))
        add_opt(X, first, fa, tb, nd, nn);
    if (nn == PIECE_MAX)
        return;
    /* extend by any neighbour of the piece (a piece may come more than
     * once in another order: the tries bound the work) */
    for (int q = 0; q < nn; q++)
        for (int e = z->xadj[nd[q]]; e < z->xadj[nd[q] + 1]; e++) {
            int j = z->adj[e];
            if (z->label[j] != s || !movable(z, j))
                continue;
            int dup = 0;
            for (int r = 0; r < nn && !dup; r++)
                dup = nd[r] == j;
            if (dup)
                continue;
            nd[nn] = j;
            grow_pieces(X, fa, tb, first, nd, nn + 1, tries);
        }
}

/* The menu of one direction (window territory fa to tb) of a border. */
static void build_menu(wctx *X, int first, int fa, int tb)
{
    regio__dz *z = X->z;
    int s = X->win[fa], t = X->win[tb];
    for (int i = 0; i < z->n; i++) {
        if (z->label[i] != s || !movable(z, i) || !regio__dz_touches(z, i, t))
            continue;
        int nd[PIECE_MAX] = {i}, tries = PIECE_TRIES;
        grow_pieces(X, fa, tb, first, nd, 1, &tries);
    }
}

static int cmp_units(const void *a, const void *b)
{
    const wopt *x = a, *y = b;
    if (x->units != y->units)
        return x->units < y->units ? -1 : 1;
    if (x->from != y->from)
        return x->from - y->from;
    return x->n[0] - y->n[0];
}

/* Applies the chosen pieces (pick); 1 when every window territory is
 * connected and the budget holds. keep = 0: undone either way; keep = 1:
 * kept when it holds. */
static int try_apply(wctx *X, const int *pick, int keep)
{
    regio__dz *z = X->z;
    int moved[WIN_MAX * WIN_MAX * PIECE_MAX], from[WIN_MAX * WIN_MAX * PIECE_MAX], nm = 0;
    for (int p = 0; p < X->E; p++) {
        if (pick[p] < 0)
            continue;
        wopt *o = &X->opts[pick[p]];
        for (int q = 0; q < o->nn; q++) {
            from[nm] = z->label[o->n[q]];
            moved[nm++] = o->n[q];
            regio__dz_move(z, o->n[q], X->win[o->to]);
        }
    }
    int ok = (z->budget_units < 0 || z->moved_units <= z->budget_units + 1e-9) &&
             (z->budget_weight < 0 || z->moved_weight <= z->budget_weight + 1e-9);
    for (int x = 0; x < X->W && ok; x++)
        ok = connected_without(X, X->win[x], NULL, 0);
    if (!ok || !keep)
        while (nm > 0) {
            nm--;
            regio__dz_move(z, moved[nm], from[nm]);
        }
    return ok;
}

/* Branch and bound over the borders p.. : the window's violation (exact
 * for territories with every border decided, bounded below for the
 * others) must stay under the best found. */
static void search(wctx *X, int p)
{
    if (X->bestv <= 1e-12 || ++X->visited > WIN_NODES)
        return;
    int nb = X->nb;
    wedge *ed = &X->e[p];
    for (int q = -1; q < ed->cnt && X->bestv > 1e-12; q++) {
        wopt *o = q < 0 ? NULL : &X->opts[ed->first + q];
        if (o) {
            int clash = 0;
            for (int r = 0; r < o->nn; r++)
                clash |= X->used[o->n[r]];
            if (clash)
                continue;
        }
        /* loads after this border: a copy per depth (no drift) */
        double *L = X->L + (size_t)(p + 1) * X->W * nb;
        memcpy(L, X->L + (size_t)p * X->W * nb, (size_t)X->W * nb * sizeof *L);
        if (o)
            for (int c = 0; c < nb; c++) {
                L[o->from * nb + c] -= o->d[c];
                L[o->to * nb + c] += o->d[c];
            }
        double v = 0;
        for (int x = 0; x < X->W && v < X->bestv - 1e-12; x++) {
            if (X->last[x] <= p) {
                v += wviol(X, x, L + x * nb);
                continue;
            }
            const double *lo = X->lo + ((size_t)x * (X->E + 1) + p + 1) * nb;
            const double *hi = X->hi + ((size_t)x * (X->E + 1) + p + 1) * nb;
            v += wbound(X, x, L + x * nb, lo, hi);
        }
        if (v < X->bestv - 1e-12) {
            X->pick[p] = o ? ed->first + q : -1;
            if (o)
                for (int r = 0; r < o->nn; r++)
                    X->used[o->n[r]] = 1;
            if (p + 1 < X->E)
                search(X, p + 1);
            else if (try_apply(X, X->pick, 0)) {
                X->bestv = v;
                memcpy(X->bestpick, X->pick, (size_t)X->E * sizeof *X->pick);
            }
            if (o)
                for (int r = 0; r < o->nn; r++)
                    X->used[o->n[r]] = 0;
        }
    }
}

int regio__dz_window_fix(regio__dz *z, int s, int width, int *reached)
{
    int k = z->k, nb = z->nb;
    if (reached)
        *reached = 0;
    if (nb > 64 || regio__dz_viol_t(z, s) <= 0)
        return 0;
    if (width > WIN_MAX)
        width = WIN_MAX;
    wctx X;
    memset(&X, 0, sizeof X);
    X.z = z;
    X.nb = nb;
    /* The window: s, then each time the territory that shares the most
     * edges with the window (ties to the lowest index). */
    int *shared = regio_calloc((size_t)k, sizeof *shared);
    if (!shared)
        return 0;
    for (int bt = s; bt >= 0 && X.W < width;) {
        X.win[X.W++] = bt;
        shared[bt] = -1;
        for (int i = 0; i < z->n; i++)
            if (z->label[i] == bt)
                for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++)
                    if (shared[z->label[z->adj[e]]] >= 0)
                        shared[z->label[z->adj[e]]]++;
        bt = -1;
        for (int t = 0; t < k; t++)
            if (shared[t] > 0 && (bt < 0 || shared[t] > shared[bt]))
                bt = t;
    }
    regio_free(shared);
    int W = X.W, rc = 0;
    if (reached)
        *reached = W;
    if (W < 2)
        return 0;
    X.cap_opts = W * (W - 1) / 2 * OPT_MAX;
    X.opts = regio_malloc((size_t)X.cap_opts * sizeof *X.opts);
    X.dbuf = regio_malloc((size_t)X.cap_opts * nb * sizeof *X.dbuf);
    X.pick = regio_malloc((size_t)(W * W) * sizeof *X.pick);
    X.bestpick = regio_malloc((size_t)(W * W) * sizeof *X.bestpick);
    X.L = regio_malloc((size_t)(W * W + 1) * W * nb * sizeof *X.L);
    X.lo = regio_malloc((size_t)W * (W * W + 1) * nb * sizeof *X.lo);
    X.hi = regio_malloc((size_t)W * (W * W + 1) * nb * sizeof *X.hi);
    X.last = regio_malloc((size_t)W * sizeof *X.last);
    X.used = regio_calloc((size_t)z->n, 1);
    X.seen = regio_calloc((size_t)z->n, sizeof *X.seen);
    X.queue = regio_malloc((size_t)z->n * sizeof *X.queue);
    if (!X.opts || !X.dbuf || !X.pick || !X.bestpick || !X.L || !X.lo || !X.hi || !X.last || !X.used || !X.seen ||
        !X.queue)
        goto done;
    /* Borders between window territories, in window order, each with its
     * menu (both directions) sorted by moved units. */
    for (int b = 1; b < W; b++)
        for (int a = 0; a < b; a++) {
            int adj = 0;
            for (int i = 0; i < z->n && !adj; i++)
                adj = z->label[i] == X.win[a] && regio__dz_touches(z, i, X.win[b]);
            if (!adj)
                continue;
            wedge *ed = &X.e[X.E++];
            ed->a = a;
            ed->b = b;
            ed->first = X.n_opts;
            build_menu(&X, ed->first, a, b);
            build_menu(&X, ed->first, b, a);
            ed->cnt = X.n_opts - ed->first;
            qsort(X.opts + ed->first, (size_t)ed->cnt, sizeof *X.opts, cmp_units);
        }
    /* lo/hi[x][p]: the least and most that borders p.. can add to x */
    for (int x = 0; x < W; x++) {
        X.last[x] = -1;
        double *lo = X.lo + (size_t)x * (X.E + 1) * nb, *hi = X.hi + (size_t)x * (X.E + 1) * nb;
        for (int c = 0; c < nb; c++)
            lo[(size_t)X.E * nb + c] = hi[(size_t)X.E * nb + c] = 0;
        for (int p = X.E - 1; p >= 0; p--) {
            wedge *ed = &X.e[p];
            for (int c = 0; c < nb; c++) {
                double mn = 0, mx = 0;
                if (ed->a == x || ed->b == x)
                    for (int q = 0; q < ed->cnt; q++) {
                        wopt *o = &X.opts[ed->first + q];
                        double v = o->to == x ? o->d[c] : -o->d[c];
                        mn = v < mn ? v : mn;
                        mx = v > mx ? v : mx;
                    }
                lo[(size_t)p * nb + c] = lo[(size_t)(p + 1) * nb + c] + mn;
                hi[(size_t)p * nb + c] = hi[(size_t)(p + 1) * nb + c] + mx;
            }
            if ((ed->a == x || ed->b == x) && X.last[x] < p)
                X.last[x] = p;
        }
    }
    for (int x = 0; x < W; x++)
        memcpy(X.L + x * nb, z->load + (size_t)X.win[x] * nb, (size_t)nb * sizeof *X.L);
    double v0 = 0;
    for (int x = 0; x < W; x++)
        v0 += wviol(&X, x, X.L + x * nb);
    X.bestv = v0;
    if (X.E > 0)
        search(&X, 0);
    if (X.bestv < v0 - 1e-12)
        rc = try_apply(&X, X.bestpick, 1);
done:
    regio_free(X.opts);
    regio_free(X.dbuf);
    regio_free(X.pick);
    regio_free(X.bestpick);
    regio_free(X.L);
    regio_free(X.lo);
    regio_free(X.hi);
    regio_free(X.last);
    regio_free(X.used);
    regio_free(X.seen);
    regio_free(X.queue);
    return rc;
}
