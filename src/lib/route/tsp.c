/*
 * Symmetric TSP solver: greedy-edge construction, Lin-Kernighan local search
 * with Or-opt, and an iterated local search with segment double-bridge kicks.
 *
 * Method. Coincident points are merged first (zero cost between copies, so
 * an optimal tour visits them consecutively); up to 8 points are solved
 * exhaustively. Candidates are the 10 nearest with quadrant spread (k-d
 * tree, regio/dist.h). Construction is the greedy edge heuristic on
 * candidate edges (Bentley 1992), fragments joined nearest-endpoint first.
 * Local search is Lin & Kernighan (1973) in the "flip" formulation of
 * Johnson & McGeoch (1997) and Applegate et al.: from t1 with tour edge
 * (t1,t2), pick t3 among t2's candidates with positive partial gain, let t4
 * be the tour neighbour of t3 that keeps a Hamiltonian cycle, and flip so
 * that (t2,t3) and (t1,t4) replace (t1,t2) and (t3,t4); t4 becomes the new
 * t2. Breadth 5/3/1 at levels 1/2/3+, backtracking to depth 4, greedy
 * extension to depth 15 once the tour is better, LK's tabu rules (no added
 * edge removed, no removed edge added), best prefix kept. Or-opt (Or 1976)
 * moves segments of 1-3 cities, either way round, when LK finds nothing.
 * Active cities sit in a FIFO queue (don't-look bits, Bentley 1992). The
 * iterated local search (Martin, Otto & Felten 1991; Johnson 1990) applies a
 * double-bridge kick A B C D -> A C B D whose segments B and C are short
 * (<= 50 cities) and adjacent in tour order, so kick plus repair cost
 * O(k * segment) rather than O(n); every reversal is journalled, and a kick
 * that makes the tour longer is undone by replaying the journal backwards.
 *
 * Invariants: tour[] is a permutation and pos[tour[i]] == i; a reversal of
 * the path a..b reverses the shorter of it and its complement (the same
 * cycle, opposite orientation), so no code assumes an orientation: it is
 * re-derived from SUCC/PRED whenever needed. Candidate lists are sorted by
 * ascending cost. Gains count only above eps = 1e-12 x tour length, so
 * floating-point noise can never make the search cycle. Complexity:
 * construction O(n k log(n k)); one LK step O(k) candidate checks plus flips
 * of at most n/2 elements (exploratory flips at most 1000); memory O(n k).
 * Determinism: all choices are a function of the input, the seed and the
 * number of kicks done (see regio/tsp.h). The file is one unit because
 * its parts share the tour state; splitting it needs a private header.
 */
#include "regio/tsp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_K 16
#define MAX_DEPTH 64
/* LK depth: levels searched with backtracking while the tour is not yet
 * better, and the deepest level once it is. Tuned on pr1002 / pr2392 at
 * equal CPU time (6/30, 4/15 and 3/10 tried; 4/15 best by a small margin). */
#define LK_BACKTRACK_DEPTH 4
#define LK_MAX_DEPTH 15
/* Longest reversal an exploratory LK step may make (see lk_rec). */
#define LK_MAX_EXPLORE_FLIP 1000
_Static_assert(LK_MAX_DEPTH < MAX_DEPTH, "chain arrays too small");

typedef struct jentry {
    uint32_t i, len; /* reversed position range [i, i+len) mod n */
    uint32_t ends[4];
} jentry;

typedef struct tsp {
    const regio_dist *d;
    int asym;
    uint32_t n, k;
    uint32_t *tour, *pos;
    uint32_t *nb;  /* n * k candidates, ascending cost */
    double *nbc;   /* their costs */
    /* FIFO of active cities ("don't-look bits" off) */
    uint32_t *q;
    uint8_t *inq;
    uint32_t qhead, qlen;
    /* journal of reversals since the last mark */
    jentry *j;
    size_t jlen, jcap;
    int oom;
    /* LK chain of this move, for the tabu rules */
    uint32_t added[2 * MAX_DEPTH], removed[2 * MAX_DEPTH];
    int nadded, nremoved;
    uint8_t *inchain; /* per city: how many chain edges touch it */
    int max_depth, ext_depth;
    uint32_t maxrev;
    /* Smallest gain that counts: relative to the tour length so rounding
     * noise in sums of large costs (1e9 coordinates) is never taken for an
     * improvement, which would let the search cycle. */
    double eps;
    regio_rng rng;
} tsp;

static inline double C(const tsp *s, uint32_t a, uint32_t b)
{
    if (!s->asym)
        return regio_dist_cost(s->d, a, b);
    return 0.5 * (regio_dist_cost(s->d, a, b) + regio_dist_cost(s->d, b, a));
}

static inline uint32_t SUCC(const tsp *s, uint32_t c)
{
    uint32_t p = s->pos[c] + 1;
    return s->tour[p == s->n ? 0 : p];
}

static inline uint32_t PRED(const tsp *s, uint32_t c)
{
    uint32_t p = s->pos[c];
    return s->tour[p == 0 ? s->n - 1 : p - 1];
}

static void q_push(tsp *s, uint32_t c)
{
    if (s->inq[c])
        return;
    s->inq[c] = 1;
    uint32_t t = s->qhead + s->qlen;
    if (t >= s->n)
        t -= s->n;
    s->q[t] = c;
    s->qlen++;
}

static uint32_t q_pop(tsp *s)
{
    uint32_t c = s->q[s->qhead];
    if (++s->qhead == s->n)
        s->qhead = 0;
    s->qlen--;
    s->inq[c] = 0;
    return c;
}

/* Reverses tour positions [i, i + len) (mod n). */
static void rev_range(tsp *s, uint32_t i, uint32_t len)
{
    uint32_t n = s->n, *t = s->tour, *p = s->pos;
    uint32_t j = i + len - 1;
    if (j >= n)
        j -= n;
    if (i + len <= n) {
        while (i < j) {
            uint32_t a = t[i], b = t[j];
            t[i] = b;
            p[b] = i;
            t[j] = a;
            p[a] = j;
            i++;
            j--;
        }
        return;
    }
    for (uint32_t k = len / 2; k > 0; k--) {
        uint32_t a = t[i], b = t[j];
        t[i] = b;
        p[b] = i;
        t[j] = a;
        p[a] = j;
        if (++i == n)
            i = 0;
        j = j == 0 ? n - 1 : j - 1;
    }
}

static void journal(tsp *s, uint32_t i, uint32_t len)
{
    if (s->jlen == s->jcap) {
        size_t cap = s->jcap ? 2 * s->jcap : 1024;
        jentry *nj = regio_realloc(s->j, cap * sizeof *nj);
        if (!nj) {
            s->oom = 1;
            return;
        }
        s->j = nj;
        s->jcap = cap;
    }
    uint32_t n = s->n, e = i + len - 1;
    if (e >= n)
        e -= n;
    jentry *je = &s->j[s->jlen++];
    je->i = i;
    je->len = len;
    je->ends[0] = s->tour[i == 0 ? n - 1 : i - 1];
    je->ends[1] = s->tour[i];
    je->ends[2] = s->tour[e];
    je->ends[3] = s->tour[e + 1 == n ? 0 : e + 1];
}

/* Reverses the path from city a forward to city b (or, equivalently for
 * the cycle, its complement when that is shorter), journalled. */
static void rev_path(tsp *s, uint32_t a, uint32_t b)
{
    uint32_t n = s->n, i = s->pos[a], j = s->pos[b];
    uint32_t len = (j >= i ? j - i : j + n - i) + 1;
    if (2 * len > n) {
        i = j + 1 == n ? 0 : j + 1;
        len = n - len;
    }
    if (len < 2)
        return;
    journal(s, i, len);
    rev_range(s, i, len);
}

/* 2-opt move: removes (a,b) and (c,d), where b follows a and d follows c
 * in one common orientation, and adds (a,c) and (b,d). */
static void flip(tsp *s, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    if (SUCC(s, a) == b)
        rev_path(s, b, c);
    else
        rev_path(s, a, d);
}

/* Number of elements flip(a, b, c, d) would reverse. */
static uint32_t flip_len(const tsp *s, uint32_t a, uint32_t b, uint32_t c,
                         uint32_t d)
{
    uint32_t n = s->n, i, j;
    if (SUCC(s, a) == b) {
        i = s->pos[b];
        j = s->pos[c];
    } else {
        i = s->pos[a];
        j = s->pos[d];
    }
    uint32_t len = (j >= i ? j - i : j + n - i) + 1;
    return 2 * len > n ? n - len : len;
}

/* Undoes journalled reversals back to mark. */
static void undo_to(tsp *s, size_t mark)
{
    while (s->jlen > mark) {
        jentry *e = &s->j[--s->jlen];
        rev_range(s, e->i, e->len);
    }
}

/* ---- Lin-Kernighan ----------------------------------------------------- */

static int has_edge(const uint32_t *list, int cnt, uint32_t a, uint32_t b)
{
    for (int i = 0; i < cnt; i += 2)
        if ((list[i] == a && list[i + 1] == b) ||
            (list[i] == b && list[i + 1] == a))
            return 1;
    return 0;
}

typedef struct cand {
    uint32_t t3, t4;
    double c23, c34, val;
} cand;

/* Collects the LK step candidates from the current end t2 (tour edge
 * (t1,t2) is the closing edge), best first. Returns the count. */
static int collect(tsp *s, uint32_t t1, uint32_t t2, double gopen, cand *out)
{
    int m = 0, fwd = SUCC(s, t1) == t2;
    const uint32_t *nb = s->nb + (size_t)t2 * s->k;
    const double *nbc = s->nbc + (size_t)t2 * s->k;
    for (uint32_t r = 0; r < s->k; r++) {
        uint32_t t3 = nb[r];
        double c23 = nbc[r];
        if (gopen - c23 <= s->eps)
            break;
        if (t3 == t1)
            continue;
        uint32_t t4 = fwd ? PRED(s, t3) : SUCC(s, t3);
        if (t4 == t2)
            continue;
        /* Tabu scans only when both ends touch the chain (rare). */
        if (s->inchain[t3] &&
            ((s->inchain[t2] && has_edge(s->removed, s->nremoved, t2, t3)) ||
             (s->inchain[t4] && has_edge(s->added, s->nadded, t3, t4))))
            continue;
        double c34 = C(s, t3, t4);
        cand c = {t3, t4, c23, c34, c34 - c23};
        int w = m++;
        while (w > 0 && out[w - 1].val < c.val) {
            out[w] = out[w - 1];
            w--;
        }
        out[w] = c;
    }
    return m;
}

static void chain_push(tsp *s, uint32_t t2, uint32_t t3, uint32_t t4)
{
    s->inchain[t2]++;
    s->inchain[t3] += 2;
    s->inchain[t4]++;
    s->added[s->nadded++] = t2;
    s->added[s->nadded++] = t3;
    s->removed[s->nremoved++] = t3;
    s->removed[s->nremoved++] = t4;
}

static void chain_pop(tsp *s)
{
    s->inchain[s->added[s->nadded - 2]]--;
    s->inchain[s->added[s->nadded - 1]]--;
    s->inchain[s->removed[s->nremoved - 2]]--;
    s->inchain[s->removed[s->nremoved - 1]]--;
    s->nadded -= 2;
    s->nremoved -= 2;
}

/* After an improving step, keeps extending greedily and finally rolls back
 * to the best tour seen. Returns the best (negative) delta. */
static double extend(tsp *s, uint32_t t1, uint32_t t2, double gopen,
                     double cur, int depth)
{
    double best = cur;
    size_t bestmark = s->jlen;
    int pushed = 0;
    cand cs[MAX_K];
    while (depth < s->ext_depth) {
        int m = collect(s, t1, t2, gopen, cs);
        if (m == 0)
            break;
        cand c = cs[0];
        double c12 = C(s, t1, t2), c14 = C(s, t1, c.t4);
        flip(s, t1, t2, c.t4, c.t3);
        chain_push(s, t2, c.t3, c.t4);
        pushed++;
        cur += c14 + c.c23 - c12 - c.c34;
        gopen = gopen - c.c23 + c.c34;
        t2 = c.t4;
        depth++;
        if (cur < best - s->eps) {
            best = cur;
            bestmark = s->jlen;
        }
    }
    while (pushed-- > 0)
        chain_pop(s);
    undo_to(s, bestmark);
    return best;
}

/* One LK search level. Returns the gain (> 0) and leaves the improved tour
 * in place, or returns 0 with the tour as it was on entry. */
static double lk_rec(tsp *s, uint32_t t1, uint32_t t2, double gopen,
                     double cur, int depth)
{
    cand cs[MAX_K];
    int m = collect(s, t1, t2, gopen, cs);
    int breadth = depth == 1 ? 5 : depth == 2 ? 3 : 1;
    if (m > breadth)
        m = breadth;
    double c12 = C(s, t1, t2);
    for (int i = 0; i < m; i++) {
        cand c = cs[i];
        size_t mark = s->jlen;
        double c14 = C(s, t1, c.t4);
        double cur2 = cur + c14 + c.c23 - c12 - c.c34;
        double gopen2 = gopen - c.c23 + c.c34;
        if (cur2 >= -s->eps && depth >= s->max_depth)
            continue; /* neither improving nor allowed deeper: no flip */
        /* Exploratory (not yet improving) flips that would reverse a long
         * stretch are skipped: on 14k cities they cost more than they find
         * (measured on brd14051: 18% faster per kick, same tour quality). */
        if (cur2 >= -s->eps && flip_len(s, t1, t2, c.t4, c.t3) > s->maxrev)
            continue;
        flip(s, t1, t2, c.t4, c.t3);
        chain_push(s, t2, c.t3, c.t4);
        double r = 0;
        if (cur2 < -s->eps)
            r = -extend(s, t1, c.t4, gopen2, cur2, depth + 1);
        else if (depth < s->max_depth)
            r = lk_rec(s, t1, c.t4, gopen2, cur2, depth + 1);
        chain_pop(s);
        if (r > s->eps)
            return r;
        undo_to(s, mark);
    }
    return 0;
}

/* Tries both tour neighbours of t1 as t2. Returns the gain. */
static double lk_from(tsp *s, uint32_t t1)
{
    for (int dir = 0; dir < 2; dir++) {
        uint32_t t2 = dir ? PRED(s, t1) : SUCC(s, t1);
        s->nadded = 0;
        s->nremoved = 2;
        s->removed[0] = t1;
        s->removed[1] = t2;
        s->inchain[t1]++;
        s->inchain[t2]++;
        double g = lk_rec(s, t1, t2, C(s, t1, t2), 0.0, 1);
        s->inchain[t1]--;
        s->inchain[t2]--;
        if (g > 0)
            return g;
    }
    return 0;
}

/* ---- Or-opt ------------------------------------------------------------ */

/* Or-opt (Or 1976): moves a segment of 1..3 cities starting at s1 (in one
 * orientation) between a candidate neighbour c and one of c's tour
 * neighbours, possibly reversed. Done as two or three flips. Returns the
 * gain of the first improving move applied, or 0. */
static double oropt_from(tsp *s, uint32_t s1)
{
    for (int dir = 0; dir < 2; dir++) {
        uint32_t (*nx)(const tsp *, uint32_t) = dir ? PRED : SUCC;
        uint32_t (*pv)(const tsp *, uint32_t) = dir ? SUCC : PRED;
        uint32_t p = pv(s, s1), s2 = s1;
        for (int len = 1; len <= 3; len++) {
            if (len > 1)
                s2 = nx(s, s2);
            uint32_t nn = nx(s, s2);
            if (nn == p || s2 == p)
                break;
            double g0 = C(s, p, s1) + C(s, s2, nn) - C(s, p, nn);
            if (g0 <= s->eps)
                continue;
            /* Insert between c and d, c a candidate of s1 or s2. */
            for (int end = 0; end < 2; end++) {
                uint32_t e = end ? s2 : s1;
                const uint32_t *nb = s->nb + (size_t)e * s->k;
                const double *nbc = s->nbc + (size_t)e * s->k;
                for (uint32_t r = 0; r < s->k; r++) {
                    uint32_t c = nb[r];
                    if (nbc[r] >= g0 - s->eps)
                        break;
                    /* c must lie outside the segment and p..nn. */
                    int inseg = 0;
                    for (uint32_t x = s1;; x = nx(s, x)) {
                        if (x == c)
                            inseg = 1;
                        if (x == s2)
                            break;
                    }
                    if (inseg)
                        continue;
                    for (int side = 0; side < 2; side++) {
                        uint32_t dd = side ? pv(s, c) : nx(s, c);
                        uint32_t a = side ? dd : c, b = side ? c : dd;
                        /* Edge (a,b) with b = nx(a); must not touch seg. */
                        if (a == s2 || b == s1)
                            continue;
                        if (a == p && b == s1)
                            continue;
                        /* Either orientation of the segment in the gap. */
                        double add0 = C(s, a, s1) + C(s, s2, b);
                        double add1 = C(s, a, s2) + C(s, s1, b);
                        int reversed = add1 < add0;
                        double add = reversed ? add1 : add0;
                        double gain = g0 + C(s, a, b) - add;
                        if (gain <= s->eps)
                            continue;
                        /* Apply as flips. Orientation "nx": ... p s1..s2 nn
                         * ... a b ... (a anywhere in nn..p's path). */
                        flip(s, p, s1, a, b);   /* p-a, s1-b; path reversed */
                        flip(s, p, a, nn, s2);  /* p-nn, a-s2 */
                        /* now a - s2 ... s1 - b */
                        if (!reversed)
                            flip(s, a, s2, s1, b); /* a-s1, s2-b */
                        q_push(s, p);
                        q_push(s, nn);
                        q_push(s, a);
                        q_push(s, b);
                        q_push(s, s1);
                        q_push(s, s2);
                        return gain;
                    }
                }
            }
        }
    }
    return 0;
}

/* ---- local search driver ----------------------------------------------- */

typedef struct clock_ctx {
    struct timespec t0;
    double limit;
} clock_ctx;

static double elapsed(const clock_ctx *ck)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - ck->t0.tv_sec) +
           (double)(t.tv_nsec - ck->t0.tv_nsec) * 1e-9;
}

/* Runs LK + Or-opt until the queue is empty. With keep set, the journal is
 * kept (for an ILS undo); otherwise it is truncated after each move. With
 * ck set, stops early (returning with *stopped set) once the time limit has
 * passed. Returns the total gain. */
static double local_search(tsp *s, int keep, const clock_ctx *ck,
                           int *stopped)
{
    double total = 0;
    uint32_t pops = 0;
    while (s->qlen > 0 && !s->oom) {
        if (ck && ck->limit > 0 && (++pops & 255) == 0 &&
            elapsed(ck) >= ck->limit) {
            *stopped = 1;
            break;
        }
        uint32_t t1 = q_pop(s);
        size_t mark = s->jlen;
        double g = lk_from(s, t1);
        if (g <= 0)
            g = oropt_from(s, t1);
        if (g > 0) {
            total += g;
            q_push(s, t1);
            for (size_t i = mark; i < s->jlen; i++)
                for (int e = 0; e < 4; e++)
                    q_push(s, s->j[i].ends[e]);
            if (!keep)
                s->jlen = mark;
        }
    }
    return total;
}

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
static regio_err greedy(tsp *s)
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
    uint32_t *bfs = regio_malloc(JOIN_BFS_NODES * MAX_K * sizeof *bfs);
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
                    if (qt < JOIN_BFS_NODES * MAX_K)
                        bfs[qt++] = j;
                    if (f != UINT32_MAX && slot[f] != UINT32_MAX) {
                        double c = C(s, cur, j);
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
                double ca = C(s, cur, fa[f]), cb = C(s, cur, fb[f]);
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

static regio_err build_candidates(tsp *s)
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
                    cv[j] = C(s, i, j);
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
            double c = C(s, i, x);
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

double regio_tsp_tour_cost(const regio_dist *d, const uint32_t *tour,
                           size_t n)
{
    double c = 0;
    for (size_t i = 0; i < n; i++)
        c += regio_dist_cost(d, tour[i], tour[i + 1 == n ? 0 : i + 1]);
    return c;
}

static double search_cost(const tsp *s)
{
    double c = 0;
    for (uint32_t i = 0; i < s->n; i++)
        c += C(s, s->tour[i], s->tour[i + 1 == s->n ? 0 : i + 1]);
    return c;
}

static void free_tsp(tsp *s)
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

/* Segment double bridge: A B C D -> A C B D with |B|, |C| <= maxlen, B
 * starting at a random position. Journalled; queues the six end cities.
 * Returns the cost change. */
static double kick(tsp *s, uint32_t maxlen)
{
    uint32_t n = s->n;
    uint32_t p = (uint32_t)regio_rng_below(&s->rng, n);
    uint32_t l1 = 1 + (uint32_t)regio_rng_below(&s->rng, maxlen);
    uint32_t l2 = 1 + (uint32_t)regio_rng_below(&s->rng, maxlen);
#define AT(o) s->tour[(p + (o)) % n]
    uint32_t a = AT(0), b1 = AT(1), b2 = AT(l1), c1 = AT(l1 + 1),
             c2 = AT(l1 + l2), d1 = AT(l1 + l2 + 1);
#undef AT
    double delta = C(s, a, c1) + C(s, c2, b1) + C(s, b2, d1) - C(s, a, b1) -
                   C(s, b2, c1) - C(s, c2, d1);
    uint32_t st = p + 1 == n ? 0 : p + 1;
    journal(s, st, l1 + l2);
    rev_range(s, st, l1 + l2);
    if (l2 > 1) {
        journal(s, st, l2);
        rev_range(s, st, l2);
    }
    if (l1 > 1) {
        uint32_t st2 = (st + l2) % n;
        journal(s, st2, l1);
        rev_range(s, st2, l1);
    }
    q_push(s, a);
    q_push(s, b1);
    q_push(s, b2);
    q_push(s, c1);
    q_push(s, c2);
    q_push(s, d1);
    return delta;
}

static void set_err(regio_error *err, regio_err code, const char *msg)
{
    if (!err)
        return;
    regio_error_clear(err);
    err->code = code;
    snprintf(err->msg, sizeof err->msg, "%s", msg);
}

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
        p->neighbours > MAX_K) {
        set_err(err, REGIO_EINVAL,
                "TSP needs a provider, params, tour and cost; limits >= 0 "
                "and neighbours <= 16");
        return REGIO_EINVAL;
    }
    clock_ctx ck;
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
        st.seconds = elapsed(&ck);
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

    tsp s;
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
    if ((rc = build_candidates(&s)) != REGIO_OK)
        goto fail;
    if ((rc = greedy(&s)) != REGIO_OK)
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
        local_search(&s, 0, &ck, &st.first_ls_cut);
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
            double t = elapsed(&ck);
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
        double delta = kick(&s, maxlen);
        delta -= local_search(&s, 1, NULL, NULL);
        if (s.oom) {
            rc = REGIO_ENOMEM;
            goto fail;
        }
        if (delta < -s.eps) {
            cur += delta;
            st.improvements++;
        } else if (delta > s.eps) {
            undo_to(&s, 0);
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
    st.seconds = elapsed(&ck);
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
