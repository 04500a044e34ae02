/*
 * Multi-measure balance search: a tabu search over boundary moves and
 * border swaps that holds every balanced column within its own tolerance
 * at once (accounts, revenue and potential, say, each at 5%, or each at
 * a tolerance of its own).
 *
 * Each territory t costs
 *     sum_c wc_c * (x_tc + x_tc^2)  +  MU * sum_c a_tc^2,
 *     a_tc = |load_tc / share_t - 1| / tol_c,   x_tc = max(0, a_tc - 1),
 * the deviation of every column in units of its own tolerance: the first
 * term is the excess over the tolerances (0 exactly when t is feasible;
 * squared too, so that load passed from a territory far over to one a
 * little over still pays), the second a small pull of every column toward its target that keeps
 * room for the next move. A move's change of cost is evaluated in O(nb)
 * from the cached loads. Each iteration makes the best non-tabu move
 * among (a) single boundary moves into or out of territories that are
 * over a tolerance and their neighbours, (b) swaps of two weighted
 * boundary nodes across a border of such a territory (one each way: a
 * node heavy in revenue for one heavy in accounts, which no single move
 * can do), and (c) a move that would cut its donor apart is made with the
 * pieces it cuts off (up to a third of the donor, often unweighted units
 * that only link others), scored with their loads. Contiguity holds
 * throughout (donors stay connected, every receiver is adjacent). A node
 * may not return to the territory it left for a seeded tenure of 7-16
 * moves unless the move improves (aspiration).
 *
 * The repair targets the blocking measure: when the excess stalls, the
 * weight wc_c of the column with the largest remaining excess grows, so
 * moves that fix it win over moves that only polish the others (adaptive
 * penalties). The best state by the plain (unweighted) excess is kept,
 * and from it vector ejection chains (below) pass the right mix of load
 * over up to five territories.
 *
 * Invariants: locked nodes never move, contiguity is kept, the best
 * labelling seen is restored. Deterministic for a seed (z->rng).
 * Cost per iteration: O(candidates * degree * nb) plus the swap pairs of
 * the hot borders and one BFS of a donor per accepted move.
 */
#include "design/design_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define MU 0.02
#define TOPM 64
#define CHAIN_BASE 16
#define FREQ_W 0.05

typedef struct mm_ctx {
    regio__dz *z;
    double *wc;          /* nb: column weights of the excess */
    double *cost;        /* k: territory cost with the current weights */
    unsigned char *hot;  /* k: 2 over a tolerance, 1 next to one */
    int *tabu_t;         /* n */
    int *freq;           /* n: moves made of each node (long-term memory) */
    long *tabu_until;    /* n */
    double *lt;          /* 2*nb scratch loads */
    int *ent_i, *ent_s, *ent_t, n_ent, cap_ent; /* weighted border entries */
    int *piece;          /* n: nodes carried along with a move */
    int n_piece;
    /* Removability of each node, cached until its territory changes:
     * state 1 removable, 2 removable with the cut-off pieces (whose loads
     * are in pl), 3 not; valid while rver[i] == tver[label[i]]. */
    unsigned char *rstate;
    int *rver, *tver;    /* tver: a clock value unique to each change */
    int vclock;
    double *pl;          /* n*nb */
} mm_ctx;

static double col_a(const regio__dz *z, int c, double load, double share)
{
    return fabs(load / share - 1.0) / z->tolc[c];
}

/* Cost of territory t with loads L (nb). */
static double tcost(const mm_ctx *M, int t, const double *L)
{
    const regio__dz *z = M->z;
    double e = 0, q = 0;
    for (int c = 0; c < z->nb; c++) {
        double a = col_a(z, c, L[c], z->share[t]);
        if (a > 1)
            e += M->wc[c] * ((a - 1) + (a - 1) * (a - 1));
        q += a * a;
    }
    return e + MU * q;
}

/* Plain excess of territory t in tolerance units (weight 1 per column,
 * small for a column out of reach: vscale, design.c). */
static double texcess(const regio__dz *z, int t)
{
    double e = 0;
    for (int c = 0; c < z->nb; c++) {
        double a = col_a(z, c, z->load[t * z->nb + c], z->share[t]);
        if (a > 1)
            e += (a - 1) * z->vscale[c] * z->tolc[c] / z->tol;
    }
    return e;
}

static double total_excess(const regio__dz *z)
{
    double e = 0;
    for (int t = 0; t < z->k; t++)
        e += texcess(z, t);
    return e;
}

/* Change of cost if the load vector g (nb) went from s to t. */
static double dcost(mm_ctx *M, int s, int t, const double *g)
{
    regio__dz *z = M->z;
    int nb = z->nb;
    double *ls = M->lt, *lt = M->lt + nb;
    for (int c = 0; c < nb; c++) {
        ls[c] = z->load[s * nb + c] - g[c];
        lt[c] = z->load[t * nb + c] + g[c];
    }
    return tcost(M, s, ls) + tcost(M, t, lt) - M->cost[s] - M->cost[t];
}

/* Change of cost if node i went from s to t and node j from t to u. */
static double dcost3(mm_ctx *M, int i, int s, int t, int j, int u)
{
    regio__dz *z = M->z;
    int nb = z->nb;
    double ls[16], lt[16], lu[16];
    for (int c = 0; c < nb; c++) {
        double bi = z->b[(size_t)i * nb + c], bj = z->b[(size_t)j * nb + c];
        ls[c] = z->load[s * nb + c] - bi;
        lt[c] = z->load[t * nb + c] + bi - bj;
        lu[c] = z->load[u * nb + c] + bj;
    }
    return tcost(M, s, ls) + tcost(M, t, lt) + tcost(M, u, lu) - M->cost[s] - M->cost[t] -
           M->cost[u];
}

static void refresh_cost(mm_ctx *M, int t)
{
    M->cost[t] = tcost(M, t, M->z->load + (size_t)t * M->z->nb);
}

static int weighted(const regio__dz *z, int i)
{
    for (int c = 0; c < z->nb; c++)
        if (z->b[(size_t)i * z->nb + c] != 0.0)
            return 1;
    return 0;
}

/* 1 when edge e of node i is the first of i's edges into that territory
 * (so each (node, territory) pair is looked at once). */
static int first_edge_to(const regio__dz *z, int i, int e)
{
    int t = z->label[z->adj[e]];
    for (int f = z->xadj[i]; f < e; f++)
        if (z->label[z->adj[f]] == t)
            return 0;
    return 1;
}

/* Removing i from its territory s: 1 when s stays connected (as
 * regio__dz_can_remove). Else, when every piece cut off from the main
 * one (the heaviest) is free of locks and small (a third of s at most),
 * those pieces are listed in M->piece to go along with i, and 2 is
 * returned; 0 otherwise. */
static int new_stamp(regio__dz *z)
{
    if (z->stamp > INT_MAX - 4) {
        memset(z->mark, 0, (size_t)z->n * sizeof *z->mark);
        z->stamp = 0;
    }
    z->stamp += 2; /* as contiguity.c: it marks with stamp and stamp + 1 */
    return z->stamp;
}

static int removal(mm_ctx *M, int i)
{
    regio__dz *z = M->z;
    M->n_piece = 0;
    if (regio__dz_can_remove(z, i))
        return 1;
    int s = z->label[i];
    if (z->cnt[s] <= 1)
        return 0;
    /* Components of s without i, by BFS from each neighbour of i in s. */
    int stamp = new_stamp(z);
    z->mark[i] = stamp;
    int best_start = -1, n_comp = 0;
    double best_w = -1;
    int best_n = 0;
    int *comp_start = z->tmp; /* neighbours that start a component */
    for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++) {
        int u = z->adj[e];
        if (z->label[u] != s || z->mark[u] == stamp)
            continue;
        int head = 0, tail = 0;
        z->queue[tail++] = u;
        z->mark[u] = stamp;
        double w = 0;
        while (head < tail) {
            int v = z->queue[head++];
            for (int c = 0; c < z->nb; c++)
                w += z->b[(size_t)v * z->nb + c];
            for (int f = z->xadj[v]; f < z->xadj[v + 1]; f++) {
                int x = z->adj[f];
                if (z->label[x] == s && z->mark[x] != stamp) {
                    z->mark[x] = stamp;
                    z->queue[tail++] = x;
                }
            }
        }
        comp_start[n_comp++] = u;
        if (w > best_w || (w == best_w && tail > best_n)) {
            best_w = w;
            best_n = tail;
            best_start = u;
        }
    }
    /* Collect the other pieces; refuse locked or big ones. */
    stamp = new_stamp(z);
    z->mark[i] = stamp;
    int limit = z->cnt[s] / 3 + 1;
    for (int q = 0; q < n_comp; q++) {
        int u = comp_start[q];
        if (u == best_start || z->mark[u] == stamp)
            continue;
        int head = M->n_piece;
        M->piece[M->n_piece++] = u;
        z->mark[u] = stamp;
        while (head < M->n_piece) {
            int v = M->piece[head++];
            if ((z->lock && z->lock[v] >= 0) || M->n_piece > limit) {
                M->n_piece = 0;
                return 0;
            }
            for (int f = z->xadj[v]; f < z->xadj[v + 1]; f++) {
                int x = z->adj[f];
                if (z->label[x] == s && z->mark[x] != stamp) {
                    z->mark[x] = stamp;
                    M->piece[M->n_piece++] = x;
                }
            }
        }
    }
    return M->n_piece > 0 ? 2 : 0;
}

/* Cached removal() of node i: 1, 2 (piece loads in M->pl) or 0. */
static int rem_get(mm_ctx *M, int i)
{
    regio__dz *z = M->z;
    int s = z->label[i], nb = z->nb;
    if (M->rver[i] == M->tver[s] && M->rstate[i])
        return M->rstate[i] == 3 ? 0 : M->rstate[i];
    int how = removal(M, i);
    M->rstate[i] = (unsigned char)(how ? how : 3);
    M->rver[i] = M->tver[s];
    if (how == 2) {
        double *pl = M->pl + (size_t)i * nb;
        for (int c = 0; c < nb; c++)
            pl[c] = 0;
        for (int p = 0; p < M->n_piece; p++)
            for (int c = 0; c < nb; c++)
                pl[c] += z->b[(size_t)M->piece[p] * nb + c];
    }
    return how;
}

typedef struct ent_sort {
    long key;
    int idx;
} ent_sort;

static int ent_sort_cmp(const void *a, const void *b)
{
    const ent_sort *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->idx - y->idx;
}

/* The first of the n sorted entries whose key is >= key. */
static int first_entry(const ent_sort *es, int n, long key)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (es[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int add_entry(mm_ctx *M, int i, int s, int t)
{
    if (M->n_ent == M->cap_ent) {
        int cap = M->cap_ent ? 2 * M->cap_ent : 1024;
        int *a = regio_realloc(M->ent_i, (size_t)cap * sizeof *a);
        if (!a)
            return -1;
        M->ent_i = a;
        int *b = regio_realloc(M->ent_s, (size_t)cap * sizeof *b);
        if (!b)
            return -1;
        M->ent_s = b;
        int *c = regio_realloc(M->ent_t, (size_t)cap * sizeof *c);
        if (!c)
            return -1;
        M->ent_t = c;
        M->cap_ent = cap;
    }
    M->ent_i[M->n_ent] = i;
    M->ent_s[M->n_ent] = s;
    M->ent_t[M->n_ent++] = t;
    return 0;
}

/* A candidate: a move (j < 0) of i to t, or a swap of i (to t) with j
 * (to i's territory). */
typedef struct cand {
    double f;
    int i, t, j;
    int u; /* >= 0: a chain, j goes on from t to u */
} cand;

static void cand_insert_cap(cand *L, int *n, int cap, cand c)
{
    if (*n == cap && c.f >= L[*n - 1].f)
        return;
    int pos = *n < cap ? (*n)++ : cap - 1;
    while (pos > 0 && L[pos - 1].f > c.f) {
        L[pos] = L[pos - 1];
        pos--;
    }
    L[pos] = c;
}

static void cand_insert(cand *L, int *n, cand c)
{
    cand_insert_cap(L, n, TOPM, c);
}

/* Non-improving moves of nodes that moved often cost more: the search
 * leaves a cycle instead of running it again. */
static double freq_pen(const mm_ctx *M, double d, int i, int j)
{
    if (d < -1e-12)
        return d;
    return d + FREQ_W * (M->freq[i] + (j >= 0 ? M->freq[j] : 0));
}

static int is_tabu(const mm_ctx *M, int i, int t, long it)
{
    return M->tabu_t[i] == t && M->tabu_until[i] > it;
}

static void set_tabu(mm_ctx *M, int i, int from, long it)
{
    M->freq[i]++;
    M->tabu_t[i] = from;
    M->tabu_until[i] = it + 7 + (long)regio_rng_below(&M->z->rng, 10);
}


/* ---- vector ejection chains ---------------------------------------------
 * A territory over its tolerances hands a unit (or exchanges two) with a
 * neighbour so that it ends as well as it can, that neighbour does the
 * same with one of its own neighbours not yet on the chain, and so on up
 * to VC_DEPTH hops; the chain is kept as soon as the total cost drops,
 * else undone. Each hop chooses among the VC_BR best single moves and
 * exchanges by the cost of the territory that hands on, so load of the
 * right mix (revenue for accounts, say) travels across several
 * territories, which no single move or swap does. */
#define VC_DEPTH 5
#define VC_BR 3
#define VC_UNDO 64

typedef struct vc_ctx {
    mm_ctx *M;
    unsigned char *onpath; /* k */
    int un[VC_UNDO], uf[VC_UNDO], nu;
    int budget;
    double F0;
} vc_ctx;

static double total_cost(const mm_ctx *M)
{
    double f = 0;
    for (int t = 0; t < M->z->k; t++)
        f += M->cost[t];
    return f;
}

static void vc_move(vc_ctx *V, int i, int to)
{
    regio__dz *z = V->M->z;
    int from = z->label[i];
    V->un[V->nu] = i;
    V->uf[V->nu++] = from;
    regio__dz_move(z, i, to);
    refresh_cost(V->M, from);
    refresh_cost(V->M, to);
    V->M->tver[from] = ++V->M->vclock;
    V->M->tver[to] = ++V->M->vclock;
}

static void vc_undo(vc_ctx *V, int mark)
{
    regio__dz *z = V->M->z;
    while (V->nu > mark) {
        V->nu--;
        int i = V->un[V->nu], back = V->uf[V->nu], now = z->label[i];
        regio__dz_move(z, i, back);
        refresh_cost(V->M, back);
        refresh_cost(V->M, now);
        V->M->tver[back] = ++V->M->vclock;
        V->M->tver[now] = ++V->M->vclock;
    }
}

static int vc_hop(vc_ctx *V, int a, int depth)
{
    mm_ctx *M = V->M;
    regio__dz *z = M->z;
    int n = z->n, nb = z->nb;
    /* Options: moves (j < 0) and exchanges of a's weighted boundary
     * units, scored by a's cost after. */
    cand best[VC_BR];
    int nbst = 0;
    double la[16];
    for (int i = 0; i < n; i++) {
        if (z->label[i] != a || !weighted(z, i) || (z->lock && z->lock[i] >= 0))
            continue;
        for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++) {
            int t = z->label[z->adj[e]];
            if (t == a || V->onpath[t])
                continue;
            if (!first_edge_to(z, i, e))
                continue;
            for (int c = 0; c < nb; c++)
                la[c] = z->load[a * nb + c] - z->b[(size_t)i * nb + c];
            double sc = tcost(M, a, la);
            cand mv = {sc, i, t, -1, -1};
            cand_insert_cap(best, &nbst, VC_BR, mv);
            /* exchanges with the weighted units of t that touch a */
            for (int f = z->xadj[i]; f < z->xadj[i + 1]; f++) {
                int u = z->adj[f];
                if (z->label[u] != t)
                    continue;
                for (int g2 = z->xadj[u]; g2 <= z->xadj[u + 1]; g2++) {
                    int j = g2 == z->xadj[u + 1] ? u : z->adj[g2];
                    if (z->label[j] != t || !weighted(z, j) || (z->lock && z->lock[j] >= 0) ||
                        !regio__dz_touches(z, j, a))
                        continue;
                    for (int c = 0; c < nb; c++)
                        la[c] = z->load[a * nb + c] - z->b[(size_t)i * nb + c] +
                                z->b[(size_t)j * nb + c];
                    double s2 = tcost(M, a, la);
                    if (nbst == VC_BR && s2 >= best[nbst - 1].f)
                        continue;
                    int seen = 0;
                    for (int q = 0; q < nbst && !seen; q++)
                        seen = best[q].i == i && best[q].j == j;
                    if (seen)
                        continue;
                    cand cd = {s2, i, t, j, -1};
                    cand_insert_cap(best, &nbst, VC_BR, cd);
                }
            }
        }
    }
    for (int q = 0; q < nbst; q++) {
        if (--V->budget < 0)
            return 0;
        int i = best[q].i, t = best[q].t, j = best[q].j;
        if (z->label[i] != a || V->nu + 2 > VC_UNDO || !regio__dz_can_remove(z, i))
            continue;
        int mark = V->nu;
        vc_move(V, i, t);
        if (j >= 0) {
            if (z->label[j] != t || !regio__dz_touches(z, j, a) || !regio__dz_can_remove(z, j)) {
                vc_undo(V, mark);
                continue;
            }
            vc_move(V, j, a);
        }
        if (total_cost(M) < V->F0 - 1e-9)
            return 1;
        if (depth > 1) {
            V->onpath[t] = 1;
            if (vc_hop(V, t, depth - 1))
                return 1;
            V->onpath[t] = 0;
        }
        vc_undo(V, mark);
    }
    return 0;
}

/* Chains from every territory over a tolerance until none helps. */
static long vchains(mm_ctx *M)
{
    regio__dz *z = M->z;
    int k = z->k;
    vc_ctx V;
    memset(&V, 0, sizeof V);
    V.M = M;
    V.onpath = regio_malloc((size_t)k);
    if (!V.onpath)
        return 0;
    long made = 0;
    for (int round = 0; round < 4 * k; round++) {
        int improved = 0;
        for (int s = 0; s < k && !improved; s++) {
            if (texcess(z, s) <= 1e-12)
                continue;
            memset(V.onpath, 0, (size_t)k);
            V.onpath[s] = 1;
            V.nu = 0;
            V.budget = 400;
            V.F0 = total_cost(M);
            if (vc_hop(&V, s, VC_DEPTH)) {
                improved = 1;
                made++;
            } else {
                vc_undo(&V, 0);
            }
        }
        if (!improved || regio__dz_stop(z))
            break;
    }
    regio_free(V.onpath);
    return made;
}

long regio__dz_mm_balance(regio__dz *z, long max_iter, long patience, const int *nodes, int n_nodes,
                          const int *inwin)
{
    int n = z->n, k = z->k, nb = z->nb;
    mm_ctx M;
    memset(&M, 0, sizeof M);
    M.z = z;
    M.wc = regio_malloc((size_t)nb * sizeof *M.wc);
    M.cost = regio_malloc((size_t)k * sizeof *M.cost);
    M.hot = regio_malloc((size_t)k);
    M.tabu_t = regio_malloc((size_t)n * sizeof *M.tabu_t);
    M.tabu_until = regio_malloc((size_t)n * sizeof *M.tabu_until);
    M.freq = regio_calloc((size_t)n, sizeof *M.freq);
    M.lt = regio_malloc(2 * (size_t)nb * sizeof *M.lt);
    M.piece = regio_malloc((size_t)n * sizeof *M.piece);
    M.rstate = regio_calloc((size_t)n, 1);
    M.rver = regio_calloc((size_t)n, sizeof *M.rver);
    M.tver = regio_calloc((size_t)k, sizeof *M.tver);
    M.pl = regio_malloc((size_t)n * (size_t)nb * sizeof *M.pl);
    int *bestlab = regio_malloc((size_t)n * sizeof *bestlab);
    double *g = regio_malloc((size_t)nb * sizeof *g);
    ent_sort *es = NULL;
    size_t es_cap = 0;
    long made = 0;
    if (!M.wc || !M.cost || !M.hot || !M.tabu_t || !M.tabu_until || !M.freq || !M.lt || !M.piece ||
        !M.rstate || !M.rver || !M.tver || !M.pl || !bestlab || !g)
        goto done;
    /* 1 for every column, small for one out of reach (design.c). */
    for (int c = 0; c < nb; c++)
        M.wc[c] = z->vscale[c] * z->tolc[c] / z->tol;
    for (int i = 0; i < n; i++) {
        M.tabu_t[i] = -1;
        M.tabu_until[i] = 0;
    }
    for (int t = 0; t < k; t++)
        refresh_cost(&M, t);
    double E = total_excess(z), bestE = E;
    memcpy(bestlab, z->label, (size_t)n * sizeof *bestlab);
    long since = 0, stall = 0;
    if (!nodes)
        n_nodes = n;
    for (long it = 0; it < max_iter && bestE > 1e-12; it++) {
        /* Hot territories: over a tolerance (2) and their neighbours (1). */
        memset(M.hot, 0, (size_t)k);
        int any = 0;
        for (int t = 0; t < k; t++)
            if ((!inwin || inwin[t]) && texcess(z, t) > 1e-12)
                M.hot[t] = 2, any = 1;
        if (!any)
            break;
        for (int q = 0; q < n_nodes; q++) {
            int i = nodes ? nodes[q] : q;
            if (M.hot[z->label[i]] == 2)
                for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++) {
                    int t = z->label[z->adj[e]];
                    if (!M.hot[t] && (!inwin || inwin[t]))
                        M.hot[t] = 1;
                }
        }
        cand L[TOPM];
        int nl = 0;
        M.n_ent = 0;
        for (int qn = 0; qn < n_nodes; qn++) {
            int i = nodes ? nodes[qn] : qn;
            int s = z->label[i];
            if (!M.hot[s] || (z->lock && z->lock[i] >= 0))
                continue;
            int w = weighted(z, i);
            if (w)
                for (int c = 0; c < nb; c++)
                    g[c] = z->b[(size_t)i * nb + c];
            for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++) {
                int t = z->label[z->adj[e]];
                if (t == s || !M.hot[t])
                    continue;
                /* each (i, t) once: the first edge into t */
                if (!first_edge_to(z, i, e))
                    continue;
                if (!w)
                    continue; /* unweighted: no change of balance; such
                                 nodes move as pieces of a weighted move */
                if (add_entry(&M, i, s, t))
                    goto done;
                if (M.hot[s] < 2 && M.hot[t] < 2)
                    continue;
                double d = dcost(&M, s, t, g);
                if (is_tabu(&M, i, t, it) && d > -1e-12)
                    continue;
                if (nl == TOPM && d >= L[nl - 1].f)
                    continue;
                int how = rem_get(&M, i);
                if (!how)
                    continue;
                if (how == 2) {
                    /* with the pieces it cuts off */
                    double gg[16];
                    if (nb > 16)
                        continue;
                    for (int c = 0; c < nb; c++)
                        gg[c] = g[c] + M.pl[(size_t)i * nb + c];
                    d = dcost(&M, s, t, gg);
                    if (is_tabu(&M, i, t, it) && d > -1e-12)
                        continue;
                }
                cand cd = {freq_pen(&M, d, i, -1), i, t, -1, -1};
                cand_insert(L, &nl, cd);
            }
        }
        /* Swaps across the borders of territories over a tolerance. */
        if ((size_t)M.n_ent > es_cap) {
            ent_sort *ne = regio_realloc(es, (size_t)M.n_ent * sizeof *ne);
            if (!ne)
                goto done;
            es = ne;
            es_cap = (size_t)M.n_ent;
        }
        for (int q = 0; q < M.n_ent; q++) {
            es[q].key = (long)M.ent_s[q] * k + M.ent_t[q];
            es[q].idx = q;
        }
        qsort(es, (size_t)M.n_ent, sizeof *es, ent_sort_cmp);
        for (int q = 0; q < M.n_ent;) {
            int r = q;
            while (r < M.n_ent && es[r].key == es[q].key)
                r++;
            int s = M.ent_s[es[q].idx], t = M.ent_t[es[q].idx];
            if (s < t && (M.hot[s] == 2 || M.hot[t] == 2)) {
                /* the entries t -> s */
                long key = (long)t * k + s;
                int lo = first_entry(es, M.n_ent, key);
                for (int a = q; a < r; a++) {
                    int i = M.ent_i[es[a].idx];
                    for (int b2 = lo; b2 < M.n_ent && es[b2].key == key; b2++) {
                        int j = M.ent_i[es[b2].idx];
                        for (int c = 0; c < nb; c++)
                            g[c] = z->b[(size_t)i * nb + c] - z->b[(size_t)j * nb + c];
                        double d = dcost(&M, s, t, g);
                        if ((is_tabu(&M, i, t, it) || is_tabu(&M, j, s, it)) && d > -1e-12)
                            continue;
                        if (nl == TOPM && d >= L[nl - 1].f)
                            continue;
                        if (rem_get(&M, i) != 1 || rem_get(&M, j) != 1)
                            continue;
                        cand cd = {freq_pen(&M, d, i, j), i, t, j, -1};
                        cand_insert(L, &nl, cd);
                    }
                }
            }
            q = r;
        }
        /* Chains of two moves: the best single moves i: s -> t go on
         * with a node j of t passed to a third territory u, so that t
         * (at the edge of its band) can pass on what it receives. */
        if (nb <= 16) {
            cand base[CHAIN_BASE];
            int nbase = 0;
            for (int q = 0; q < nl && nbase < CHAIN_BASE; q++)
                if (L[q].j == -1 && L[q].u < 0 && M.rstate[L[q].i] == 1)
                    base[nbase++] = L[q];
            for (int q = 0; q < nbase; q++) {
                int i = base[q].i, t = base[q].t, s = z->label[i];
                long key = (long)t * k;
                int lo = first_entry(es, M.n_ent, key);
                for (int b2 = lo; b2 < M.n_ent && es[b2].key < key + k; b2++) {
                    int j = M.ent_i[es[b2].idx], u = M.ent_t[es[b2].idx];
                    if (u == s || j == i)
                        continue;
                    double d = dcost3(&M, i, s, t, j, u);
                    if (d >= base[q].f - 1e-12)
                        continue; /* no better than the single move */
                    if ((is_tabu(&M, i, t, it) || is_tabu(&M, j, u, it)) && d > -1e-12)
                        continue;
                    if (nl == TOPM && d >= L[nl - 1].f)
                        continue;
                    cand cd = {freq_pen(&M, d, i, j), i, t, j, u};
                    cand_insert(L, &nl, cd);
                }
            }
        }
        /* Make the best candidate that keeps contiguity. A move that
         * would cut its donor apart takes the cut-off pieces along; its
         * change of cost is then re-evaluated and it goes back in line. */
        int done_move = 0;
        for (int q = 0; q < nl && !done_move; q++) {
            int i = L[q].i, t = L[q].t, j = L[q].j, s = z->label[i];
            if (j < 0) {
                if (!removal(&M, i))
                    continue;
                regio__dz_move(z, i, t);
                for (int p = 0; p < M.n_piece; p++)
                    regio__dz_move(z, M.piece[p], t);
                set_tabu(&M, i, s, it);
            } else {
                /* a swap (j to s) or a chain (j on to u) */
                int to = L[q].u >= 0 ? L[q].u : s;
                if (!regio__dz_can_remove(z, i))
                    continue;
                regio__dz_move(z, i, t);
                if (z->label[j] != t || !regio__dz_touches(z, j, to) || !regio__dz_can_remove(z, j)) {
                    regio__dz_move(z, i, s);
                    continue;
                }
                regio__dz_move(z, j, to);
                set_tabu(&M, i, s, it);
                set_tabu(&M, j, t, it);
                if (to != s) {
                    refresh_cost(&M, to);
                    M.tver[to] = ++M.vclock;
                }
            }
            refresh_cost(&M, s);
            refresh_cost(&M, t);
            M.tver[s] = ++M.vclock;
            M.tver[t] = ++M.vclock;
            done_move = 1;
            made++;
        }
        if (!done_move)
            break;
        E = total_excess(z);
        if (E < bestE - 1e-12) {
            bestE = E;
            memcpy(bestlab, z->label, (size_t)n * sizeof *bestlab);
            since = 0;
            stall = 0;
        } else {
            since++;
            /* Stalled: weigh up the column that blocks most. */
            if (++stall >= 30 + k) {
                stall = 0;
                int wc = 0;
                double we = -1;
                for (int c = 0; c < nb; c++) {
                    double ec = 0;
                    for (int t = 0; t < k; t++) {
                        double a = col_a(z, c, z->load[t * nb + c], z->share[t]);
                        if (a > 1)
                            ec += a - 1;
                    }
                    if (ec > we && M.wc[c] >= 0.5) {
                        we = ec;
                        wc = c;
                    }
                }
                if (M.wc[wc] < 8)
                    M.wc[wc] *= 1.5;
                for (int t = 0; t < k; t++)
                    refresh_cost(&M, t);
            }
            if (since > patience)
                break;
        }
        if ((it & 63) == 0 && regio__dz_stop(z))
            break;
    }
    memcpy(z->label, bestlab, (size_t)n * sizeof *bestlab);
    regio__dz_recount(z);
    if (bestE > 1e-12 && !nodes) {
        /* From the best state, vector ejection chains with the plain
         * weights: the repair aimed at what the moves could not fix. */
        for (int c = 0; c < nb; c++)
            M.wc[c] = z->vscale[c] * z->tolc[c] / z->tol;
        for (int t = 0; t < k; t++)
            refresh_cost(&M, t);
        made += vchains(&M);
    }
done:
    regio_free(M.wc);
    regio_free(M.cost);
    regio_free(M.hot);
    regio_free(M.tabu_t);
    regio_free(M.tabu_until);
    regio_free(M.freq);
    regio_free(M.lt);
    regio_free(M.piece);
    regio_free(M.rstate);
    regio_free(M.rver);
    regio_free(M.tver);
    regio_free(M.pl);
    regio_free(M.ent_i);
    regio_free(M.ent_s);
    regio_free(M.ent_t);
    regio_free(bestlab);
    regio_free(g);
    regio_free(es);
    return made;
}
