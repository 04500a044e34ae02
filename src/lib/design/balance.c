/*
 * Balance repair. Ejection chains carry load from a violating territory s
 * along a path of the territory adjacency graph to the nearest territories
 * with room (or pull it from ones with surplus when s is short): each hop
 * moves one or two boundary nodes, chosen depth-first (forward: each
 * middle territory passes on what it received; backward: each receiver is
 * judged in its final state) and, when no fixed path works, by a free
 * depth-first search that may turn at any territory where single nodes or
 * pairs fit. A chain is kept only when the total violation drops and is
 * otherwise undone exactly — the transshipment view of districting
 * balance realised with unit moves. Also here: a tabu search on single
 * moves (violation plus a small squared-deviation term that diffuses
 * load), border exchanges, and the realign helper that sends nodes home.
 *
 * Invariants: every move keeps its donor connected (can_remove) and its
 * receiver adjacent, so contiguity is preserved; locked nodes never move;
 * the realign budget is never exceeded. Cost per chain: O(n + edges) to
 * rebuild the territory graph and member lists, plus the searches, bounded
 * by a fixed number of expansions (each O(territory size * degree)).
 */
#include "design/design_internal.h"

#include <string.h>

#define MAX_PATH 64
#define MAX_UNDO (2 * MAX_PATH + 4)

typedef struct chain_ctx {
    regio__dz *z;
    unsigned char *tadj; /* k*k territory adjacency */
    int *mstart;         /* k+1 */
    int *members;        /* n */
    int *dist;           /* k BFS depth */
    int *parent;         /* k BFS parent */
    int *order;          /* k BFS order */
    int *undo_node, *undo_from;
    int n_undo;
    double *v_orig;      /* k: violation of each territory when the chain began */
    double *l_orig;      /* k*nb: loads when the chain began */
    unsigned char *onpath; /* k: territories on the free search's chain */
    int onpath_n;
} chain_ctx;

static void rebuild(chain_ctx *C)
{
    regio__dz *z = C->z;
    int k = z->k, n = z->n;
    memset(C->tadj, 0, (size_t)k * (size_t)k);
    for (int i = 0; i < n; i++) {
        int a = z->label[i];
        for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++) {
            int b = z->label[z->adj[e]];
            if (a != b)
                C->tadj[(size_t)a * k + b] = 1;
        }
    }
    memset(C->mstart, 0, ((size_t)k + 1) * sizeof *C->mstart);
    for (int i = 0; i < n; i++)
        C->mstart[z->label[i] + 1]++;
    for (int t = 0; t < k; t++)
        C->mstart[t + 1] += C->mstart[t];
    for (int i = 0; i < n; i++)
        C->members[C->mstart[z->label[i]]++] = i;
    for (int t = k; t > 0; t--)
        C->mstart[t] = C->mstart[t - 1];
    C->mstart[0] = 0;
}

static double dev_of(const regio__dz *z, int t, int c)
{
    return z->share[t] > 0 ? z->load[t * z->nb + c] / z->share[t] - 1.0 : 0.0;
}

/* Score of giving the node set xs[0..nx) from a to b: violations above
 * what a (and b on the last hop) had when the chain began weigh most;
 * then how far a ends from its target (and b on the last hop); then, in
 * realign mode, fresh moves cost and returns home are rewarded, otherwise
 * travel breaks near-ties. */
static double score_set(chain_ctx *C, int a, int b, const int *xs, int nx,
                        int realign, int first, int last, double *pen_out)
{
    regio__dz *z = C->z;
    int nb = z->nb;
    double va = 0, vb = 0, da = 0, db = 0;
    for (int cc = 0; cc < nb; cc++) {
        double g = 0;
        for (int q = 0; q < nx; q++)
            g += z->b[(size_t)xs[q] * nb + cc];
        double la = (z->load[a * nb + cc] - g) / z->share[a] - 1.0;
        double lb = (z->load[b * nb + cc] + g) / z->share[b] - 1.0;
        va += regio__dz_viol_c(z, cc, z->load[a * nb + cc] - g, z->share[a]);
        vb += regio__dz_viol_c(z, cc, z->load[b * nb + cc] + g, z->share[b]);
        /* The source moves toward its target; a territory in the middle
         * passes on what it received (its load stays where it was). */
        if (first)
            da += fabs(la);
        else
            da += fabs(z->load[a * nb + cc] - g - C->l_orig[a * nb + cc]) / z->share[a];
        db += fabs(lb);
    }
    double pen = va > C->v_orig[a] + 1e-12 ? va - C->v_orig[a] : 0;
    if (last && vb > C->v_orig[b] + 1e-12)
        pen += vb - C->v_orig[b];
    if (pen_out)
        *pen_out = pen;
    double score = 1e3 * pen;
    if (realign) {
        /* Few moves: carry as much as the band allows per move. */
        double g = 0;
        for (int q = 0; q < nx; q++)
            for (int cc = 0; cc < nb; cc++)
                g += z->b[(size_t)xs[q] * nb + cc];
        score += -z->heavy * g / (nb * z->share[a]) / nx + 0.1 * (da + (last ? db : 0));
    } else {
        score += da + (last ? db : 0);
    }
    for (int q = 0; q < nx; q++) {
        int x = xs[q];
        if (realign && z->base) {
            if (z->base[x] == b)
                score -= 0.25 * z->tol;
            else if (z->base[x] == a)
                score += 0.25 * z->tol;
        } else if (z->w[x] != 0) {
            double dtr = z->w[x] * (regio__dz_dist(z, x, b) - regio__dz_dist(z, x, a));
            score += 1e-6 * dtr / (z->wsum / z->n + 1e-300);
        }
    }
    return score;
}

#define HOP_CAND 24

/* 1 when node x (members lists are stale: checked) is still in a, free,
 * on the border with b and within the realign budget. */
static int movable(const regio__dz *z, int x, int a, int b)
{
    if (z->label[x] != a || (z->lock && z->lock[x] >= 0))
        return 0;
    int touch = 0;
    for (int e = z->xadj[x]; e < z->xadj[x + 1] && !touch; e++)
        touch = z->label[z->adj[e]] == b;
    return touch && regio__dz_budget_ok(z, x, b);
}

/* Moves the best node, or pair of nodes, from a to b. Members lists are
 * stale after earlier hops, so labels are checked. Returns 1 when a move
 * was made. */
static int hop(chain_ctx *C, int a, int b, int realign, int first, int last,
               const int *skip, int nskip, int strict)
{
    regio__dz *z = C->z;
    int cand[HOP_CAND];
    double csc[HOP_CAND];
    int nc = 0;
    for (int q = C->mstart[a]; q < C->mstart[a + 1]; q++) {
        int x = C->members[q];
        if (!movable(z, x, a, b))
            continue;
        int skipped = 0;
        for (int q2 = 0; q2 < nskip && !skipped; q2++)
            skipped = skip[q2] == x;
        if (skipped)
            continue;
        double sc = score_set(C, a, b, &x, 1, realign, first, last, NULL);
        /* Keep the HOP_CAND best by score. */
        regio__topk_insert(csc, cand, NULL, &nc, HOP_CAND, sc, x, 0);
    }
    int best1 = -1;
    double bs1 = INFINITY;
    for (int q = 0; q < nc; q++) {
        if (regio__dz_can_remove(z, cand[q])) {
            best1 = cand[q];
            bs1 = csc[q];
            break;
        }
    }
    /* Pairs help when one node is too light or too heavy. */
    int px = -1, py = -1;
    double bs2 = bs1;
    if (bs1 >= 1e3 * 1e-9 || best1 < 0) {
        for (int q = 0; q < nc; q++) {
            for (int r = q + 1; r < nc; r++) {
                int xs[2] = {cand[q], cand[r]};
                double sc = score_set(C, a, b, xs, 2, realign, first, last, NULL);
                if (sc >= bs2 - 1e-12)
                    continue;
                if (z->base && !realign) {
                    /* no budget outside realign */
                }
                if (!regio__dz_can_remove(z, xs[0]))
                    continue;
                regio__dz_move(z, xs[0], b);
                int ok = z->cnt[a] > 0 && regio__dz_budget_ok(z, xs[1], b) &&
                         regio__dz_can_remove(z, xs[1]);
                regio__dz_move(z, xs[0], a);
                if (!ok)
                    continue;
                bs2 = sc;
                px = xs[0];
                py = xs[1];
            }
        }
    }
    if (strict) {
        /* Depth-first chains only take moves that leave every territory
         * no worse than when the chain began. */
        double pen = 0;
        if (px >= 0) {
            int xs[2] = {px, py};
            score_set(C, a, b, xs, 2, realign, first, last, &pen);
        } else if (best1 >= 0) {
            score_set(C, a, b, &best1, 1, realign, first, last, &pen);
        }
        if (pen > 1e-12)
            return 0;
    }
    if (px >= 0) {
        C->undo_node[C->n_undo] = px;
        C->undo_from[C->n_undo++] = a;
        regio__dz_move(z, px, b);
        C->undo_node[C->n_undo] = py;
        C->undo_from[C->n_undo++] = a;
        regio__dz_move(z, py, b);
        return 1;
    }
    if (best1 < 0)
        return 0;
    C->undo_node[C->n_undo] = best1;
    C->undo_from[C->n_undo++] = a;
    regio__dz_move(z, best1, b);
    return 1;
}

static void undo_to(chain_ctx *C, int mark)
{
    while (C->n_undo > mark) {
        C->n_undo--;
        regio__dz_move(C->z, C->undo_node[C->n_undo], C->undo_from[C->n_undo]);
    }
}

/* Depth-first search over the hops of a path: at each hop up to three
 * alternatives (best first) are tried before backtracking, within a
 * budget of expansions. Returns 1 with the moves applied when the total
 * violation drops below v0. */
static int chain_dfs(chain_ctx *C, const int *seq, int len, int q, int realign,
                     double v0, int *expansions)
{
    if (q == len - 1)
        return regio__dz_viol(C->z) < v0 - 1e-12;
    int skip[3], nskip = 0;
    for (int br = 0; br < 3; br++) {
        if (--*expansions < 0)
            return 0;
        int mark = C->n_undo;
        if (!hop(C, seq[q], seq[q + 1], realign, q == 0, q + 2 == len, skip, nskip, 1))
            return 0;
        int moved = C->undo_node[mark];
        if (chain_dfs(C, seq, len, q + 1, realign, v0, expansions))
            return 1;
        undo_to(C, mark);
        skip[nskip++] = moved;
    }
    return 0;
}

/* Violation of territory t if its load changed by +sign * b_x. */
static double viol_after(const regio__dz *z, int t, int x, double sign)
{
    double v = 0;
    for (int c = 0; c < z->nb; c++) {
        v += regio__dz_viol_c(z, c, z->load[t * z->nb + c] + sign * z->b[(size_t)x * z->nb + c],
                              z->share[t]);
    }
    return v;
}

#define BCAND 3

/* Backward planning of a chain: hops are chosen from the end of the path
 * to its start, so each receiver is judged in its final state (it has
 * already passed its own node on) and an intermediate territory may lend
 * what the previous hop will bring. This finds chains whose amount must
 * be large from the start, e.g. one heavy unit at the end. */
static int chain_bdfs(chain_ctx *C, const int *seq, int len, int q, int realign,
                      double v0, int *expansions)
{
    regio__dz *z = C->z;
    if (q < 0) {
        if (regio__dz_viol_t(z, seq[0]) > C->v_orig[seq[0]] + 1e-12)
            return 0;
        return regio__dz_viol(z) < v0 - 1e-12;
    }
    int a = seq[q], b = seq[q + 1], nb = z->nb;
    int cand[BCAND];
    double csc[BCAND];
    int nc = 0;
    for (int r = C->mstart[a]; r < C->mstart[a + 1]; r++) {
        int x = C->members[r];
        if (!movable(z, x, a, b))
            continue;
        if (viol_after(z, b, x, 1.0) > C->v_orig[b] + 1e-12)
            continue;
        /* Receiver as close as possible to where it started (or to its
         * target at the end of the path); realign prefers heavy nodes. */
        double sc = 0;
        for (int c = 0; c < nb; c++) {
            double l = z->load[b * nb + c] + z->b[(size_t)x * nb + c];
            sc += fabs(l - (q + 2 == len ? z->share[b] : C->l_orig[b * nb + c])) / z->share[b];
        }
        if (realign && z->base && z->base[x] == a)
            sc += 0.1 * z->tol;
        regio__topk_insert(csc, cand, NULL, &nc, BCAND, sc, x, 0);
    }
    for (int r = 0; r < nc; r++) {
        if (--*expansions < 0)
            return 0;
        int x = cand[r];
        if (!regio__dz_can_remove(z, x))
            continue;
        C->undo_node[C->n_undo] = x;
        C->undo_from[C->n_undo++] = a;
        regio__dz_move(z, x, b);
        if (chain_bdfs(C, seq, len, q - 1, realign, v0, expansions))
            return 1;
        undo_to(C, C->n_undo - 1);
    }
    return 0;
}

#define FCAND 4
#define FSMALL 12

/* Free chain search: territory a is outside its band (short when over is
 * 0, long when over is 1). It takes a node from (or gives a node to) any
 * adjacent territory p not yet on the chain so that a ends no worse than
 * when the chain began, then p is treated the same way, depth first with
 * the FCAND best nodes per step. Unlike a fixed shortest path, the chain
 * may turn wherever a fitting node exists. */
static int free_search(chain_ctx *C, int a, int over, int depth, int realign,
                       double v0, int *expansions)
{
    regio__dz *z = C->z;
    /* The chain's own territory must improve; the others must end no
     * worse than they began. */
    int root = C->onpath_n == 0;
    double limit = root ? C->v_orig[a] - 1e-9 : C->v_orig[a] + 1e-12;
    if (!root && regio__dz_viol_t(z, a) <= limit)
        return regio__dz_viol(z) < v0 - 1e-12;
    if (depth == 0)
        return 0;
    int nb = z->nb;
    int cx[FCAND], cp[FCAND];
    double csc[FCAND];
    int nc = 0;
    int sx[FSMALL], sp[FSMALL], ns = 0;
    C->onpath[a] = 1;
    C->onpath_n++;
    for (int r = C->mstart[a]; r < C->mstart[a + 1]; r++) {
        int i = C->members[r];
        if (z->label[i] != a)
            continue;
        for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++) {
            int j = z->adj[e], p = z->label[j];
            if (p == a || C->onpath[p])
                continue;
            /* over: a gives i to p; short: a takes j from p. */
            int x = over ? i : j, from = over ? a : p, to = over ? p : a;
            if (z->lock && z->lock[x] >= 0)
                continue;
            if (!regio__dz_budget_ok(z, x, to))
                continue;
            double va = viol_after(z, a, x, over ? -1.0 : 1.0);
            if (va > limit) {
                /* Too light alone (a still on the same side): keep it for
                 * pairs. */
                double d0 = z->load[a * nb] / z->share[a] - 1.0;
                double d1 = d0 + (over ? -1 : 1) * z->b[(size_t)x * nb] / z->share[a];
                if (ns < FSMALL && (over ? d1 > 0 : d1 < 0)) {
                    int dup = 0;
                    for (int q = 0; q < ns && !dup; q++)
                        dup = sx[q] == x;
                    if (!dup) {
                        sx[ns] = x;
                        sp[ns++] = p;
                    }
                }
                continue;
            }
            double sc = 0;
            for (int c = 0; c < nb; c++) {
                double l = z->load[a * nb + c] + (over ? -1 : 1) * z->b[(size_t)x * nb + c];
                sc += fabs(l - z->share[a]) / z->share[a];
            }
            if (realign && z->base && z->base[x] == from)
                sc += 0.1 * z->tol;
            int dup = 0;
            for (int q = 0; q < nc && !dup; q++)
                dup = cx[q] == x;
            if (!dup)
                regio__topk_insert(csc, cx, cp, &nc, FCAND, sc, x, p);
            (void)to;
        }
    }
    for (int q = 0; q < nc; q++) {
        if (--*expansions < 0)
            break;
        int x = cx[q], p = cp[q];
        if (C->n_undo >= MAX_UNDO || !regio__dz_can_remove(z, x))
            continue;
        int mark = C->n_undo;
        C->undo_node[C->n_undo] = x;
        C->undo_from[C->n_undo++] = z->label[x];
        regio__dz_move(z, x, over ? p : a);
        if (free_search(C, p, over, depth - 1, realign, v0, expansions))
            return 1;
        undo_to(C, mark);
    }
    /* Pairs of light nodes across the same border. */
    for (int q = 0; q < ns && *expansions > 0; q++) {
        for (int r = q + 1; r < ns && *expansions > 0; r++) {
            if (sp[q] != sp[r])
                continue;
            int x1 = sx[q], x2 = sx[r], p = sp[q];
            int to = over ? p : a;
            double va = 0;
            for (int c = 0; c < nb; c++) {
                double g = z->b[(size_t)x1 * nb + c] + z->b[(size_t)x2 * nb + c];
                va += regio__dz_viol_c(z, c, z->load[a * nb + c] + (over ? -g : g), z->share[a]);
            }
            if (va > limit || C->n_undo + 2 > MAX_UNDO)
                continue;
            --*expansions;
            if (!regio__dz_budget_ok(z, x1, to) || !regio__dz_can_remove(z, x1))
                continue;
            int mark = C->n_undo;
            C->undo_node[C->n_undo] = x1;
            C->undo_from[C->n_undo++] = z->label[x1];
            regio__dz_move(z, x1, to);
            if (regio__dz_budget_ok(z, x2, to) && regio__dz_can_remove(z, x2)) {
                C->undo_node[C->n_undo] = x2;
                C->undo_from[C->n_undo++] = z->label[x2];
                regio__dz_move(z, x2, to);
                if (free_search(C, p, over, depth - 1, realign, v0, expansions))
                    return 1;
            }
            undo_to(C, mark);
        }
    }
    C->onpath[a] = 0;
    C->onpath_n--;
    return 0;
}

static void undo(chain_ctx *C)
{
    while (C->n_undo > 0) {
        C->n_undo--;
        regio__dz_move(C->z, C->undo_node[C->n_undo], C->undo_from[C->n_undo]);
    }
}

/* Tries one chain for territory s; returns 1 when the violation dropped. */
static int try_chain(chain_ctx *C, int s, int realign)
{
    regio__dz *z = C->z;
    int k = z->k, nb = z->nb;
    /* Worst column of s decides direction. */
    int c = 0;
    double wd = 0;
    for (int cc = 0; cc < nb; cc++) {
        double d = dev_of(z, s, cc);
        if (fabs(d) > fabs(wd)) {
            wd = d;
            c = cc;
        }
    }
    int over = wd > 0;
    double v0 = regio__dz_viol(z);
    for (int t = 0; t < k; t++)
        C->v_orig[t] = regio__dz_viol_t(z, t);
    memcpy(C->l_orig, z->load, (size_t)k * nb * sizeof *C->l_orig);
    /* BFS over territories from s. */
    for (int t = 0; t < k; t++)
        C->dist[t] = -1;
    int head = 0, tail = 0;
    C->order[tail++] = s;
    C->dist[s] = 0;
    C->parent[s] = -1;
    int tried = 0, best_n = 0, best_node[MAX_UNDO], best_to[MAX_UNDO];
    double best_ratio = 0;
    while (head < tail && tried < 40) {
        int a = C->order[head++];
        for (int b = 0; b < k; b++) {
            if (!C->tadj[(size_t)a * k + b] || C->dist[b] >= 0)
                continue;
            C->dist[b] = C->dist[a] + 1;
            C->parent[b] = a;
            C->order[tail++] = b;
        }
        if (a == s)
            continue;
        double du = dev_of(z, a, c);
        /* Any territory with some room (surplus) can end the chain; the
         * hops' scores keep it inside the band. */
        double margin = realign ? z->margin : 0.5;
        int ok = over ? du < margin * z->tolc[c] : du > -margin * z->tolc[c];
        if (!ok || C->dist[a] >= MAX_PATH)
            continue;
        tried++;
        /* Path from s to a. */
        int path[MAX_PATH + 1], len = 0;
        for (int t = a; t >= 0; t = C->parent[t])
            path[len++] = t; /* a ... s */
        /* Orient so that load flows src -> dst. */
        int seq[MAX_PATH + 1];
        for (int q = 0; q < len; q++)
            seq[q] = over ? path[len - 1 - q] : path[q];
        C->n_undo = 0;
        int fail = 0;
        double m0 = z->moved_units;
        int expansions = realign ? 400 : 60;
        fail = !chain_dfs(C, seq, len, 0, realign, v0, &expansions);
        if (fail) {
            expansions = realign ? 400 : 60;
            C->n_undo = 0;
            fail = !chain_bdfs(C, seq, len, len - 2, realign, v0, &expansions);
        }
        double v = regio__dz_viol(z);
        if (!fail && v < v0 - 1e-12) {
            if (!realign)
                return 1;
            /* Realign: keep the chain with the best violation drop per
             * freshly moved unit; its exact moves are replayed below. */
            double fresh = z->moved_units - m0;
            double ratio = (v0 - v) / (fresh < 1 ? 1 : fresh);
            if (ratio > best_ratio) {
                best_ratio = ratio;
                best_n = C->n_undo;
                for (int q = 0; q < best_n; q++) {
                    best_node[q] = C->undo_node[q];
                    best_to[q] = z->label[C->undo_node[q]];
                }
            }
        }
        undo(C);
    }
    if (best_n > 0) {
        /* Same state as when the chain was found, so the moves are valid. */
        C->n_undo = 0;
        for (int q = 0; q < best_n; q++) {
            C->undo_node[C->n_undo] = best_node[q];
            C->undo_from[C->n_undo++] = z->label[best_node[q]];
            regio__dz_move(z, best_node[q], best_to[q]);
        }
        return 1;
    }
    /* No path worked: search freely over the territory graph. */
    memset(C->onpath, 0, (size_t)k);
    C->onpath_n = 0;
    C->n_undo = 0;
    int expansions = realign ? 1500 : 300;
    if (free_search(C, s, over, 14, realign, v0, &expansions))
        return 1;
    undo(C);
    return 0;
}

void regio__dz_balance(regio__dz *z, int realign, int max_chains)
{
    int k = z->k, n = z->n;
    chain_ctx C;
    memset(&C, 0, sizeof C);
    C.z = z;
    C.tadj = regio_malloc((size_t)k * (size_t)k);
    C.mstart = regio_malloc(((size_t)k + 1) * sizeof(int));
    C.members = regio_malloc((size_t)n * sizeof(int));
    C.dist = regio_malloc((size_t)k * sizeof(int));
    C.parent = regio_malloc((size_t)k * sizeof(int));
    C.order = regio_malloc((size_t)k * sizeof(int));
    C.undo_node = regio_malloc(MAX_UNDO * sizeof(int));
    C.undo_from = regio_malloc(MAX_UNDO * sizeof(int));
    C.v_orig = regio_malloc((size_t)k * sizeof(double));
    C.l_orig = regio_malloc((size_t)k * (size_t)z->nb * sizeof(double));
    C.onpath = regio_malloc((size_t)k);
    unsigned char *failed = regio_calloc((size_t)k, 1);
    if (!C.tadj || !C.mstart || !C.members || !C.dist || !C.parent ||
        !C.order || !C.undo_node || !C.undo_from || !C.v_orig || !C.l_orig || !C.onpath || !failed)
        goto done;
    int since_rebuild = 0;
    for (int it = 0; it < max_chains; it++) {
        if (regio__dz_viol(z) <= 1e-12 || regio__dz_stop(z))
            break;
        int s = -1;
        double worst = 0;
        for (int t = 0; t < k; t++) {
            double v = regio__dz_viol_t(z, t);
            /* Realign may serve short territories first: far deficits then
             * draw on the big surplus while the budget is still there. */
            if (realign && z->under_first && v > 0 && dev_of(z, t, 0) < 0)
                v += 10.0;
            if (!failed[t] && v > worst) {
                worst = v;
                s = t;
            }
        }
        if (s < 0)
            break;
        /* The territory graph and member lists go stale slowly (hops
         * re-check labels), so they are rebuilt every few chains. */
        if (n <= 20000 || since_rebuild++ % 8 == 0)
            rebuild(&C);
        if (try_chain(&C, s, realign)) {
            memset(failed, 0, (size_t)k);
        } else {
            failed[s] = 1;
            since_rebuild = 0; /* retry others on a fresh graph */
        }
    }
done:
    regio_free(C.tadj);
    regio_free(C.mstart);
    regio_free(C.members);
    regio_free(C.dist);
    regio_free(C.parent);
    regio_free(C.order);
    regio_free(C.undo_node);
    regio_free(C.undo_from);
    regio_free(C.v_orig);
    regio_free(C.l_orig);
    regio_free(C.onpath);
    regio_free(failed);
}
