/*
 * Tabu search on the largest territory diameter (REGIO_DESIGN_MIN_DIAMETER,
 * the objective of the commercial districting benchmark), run after the
 * starts on the best balanced, contiguous labelling. It solves the
 * decision version again and again: with the threshold Dt set to the best
 * largest diameter found, two nodes of one territory at distance >= Dt
 * are a conflict, and the search drives the number of conflicts to zero
 * while every territory stays connected; a labelling with no conflict and
 * no balance violation has a largest diameter below Dt, becomes the best
 * and lowers Dt to its own diameter (as tabucol does for colourings).
 *
 * Moves are single boundary moves of a node in conflict, or of any node
 * into or out of a territory outside its tolerances, scored by the change
 * of conflicts plus an adaptive price on the change of violation
 * (strategic oscillation: the price rises while the balance is broken and
 * falls while it holds). A node may not return to the territory it left
 * for a tenure that grows with the number of nodes in conflict. After
 * `patience` moves without a new best it goes back to the best labelling
 * and shakes it with a few random feasible moves, until `max_iter` moves.
 *
 * State: H[u*k + t] = nodes of t at distance >= Dt from u, so a move of u
 * from s to t changes the conflicts by H[u][t] - H[u][s]; it is updated in
 * O(n) per move and rebuilt in O(n^2) when Dt falls. Invariants: locks
 * kept, contiguity kept (donor connectivity checked), the labelling left
 * in z is the best one seen, never worse than the one given. Deterministic
 * for a given rng state and limits.
 */
#include "design/design_internal.h"

#include <string.h>

#define DT_TOP 8

typedef struct dtabu {
    regio__dz *z;
    int *H;         /* n*k: H[u*k + t] = nodes of t at distance >= dt from u */
    double dt;      /* threshold: pairs at distance >= dt conflict */
    long conf;      /* conflicting pairs (each counted once) */
} dtabu;

static double dist(const regio__dz *z, int u, int v)
{
    return regio__pdist(z->planar, z->p + 3 * (size_t)u, z->p + 3 * (size_t)v);
}

static void rebuild(dtabu *S)
{
    regio__dz *z = S->z;
    int n = z->n, k = z->k;
    memset(S->H, 0, (size_t)n * k * sizeof *S->H);
    long c2 = 0;
    for (int u = 0; u < n; u++)
        for (int v = u + 1; v < n; v++) {
            if (dist(z, u, v) < S->dt)
                continue;
            S->H[(size_t)u * k + z->label[v]]++;
            S->H[(size_t)v * k + z->label[u]]++;
            c2 += z->label[u] == z->label[v];
        }
    S->conf = c2;
}

static void move(dtabu *S, int u, int t)
{
    regio__dz *z = S->z;
    int n = z->n, k = z->k, s = z->label[u];
    S->conf += S->H[(size_t)u * k + t] - S->H[(size_t)u * k + s];
    for (int v = 0; v < n; v++)
        if (v != u && dist(z, u, v) >= S->dt) {
            S->H[(size_t)v * k + s]--;
            S->H[(size_t)v * k + t]++;
        }
    regio__dz_move(z, u, t);
}

static int free_node(const regio__dz *z, int u)
{
    return !z->lock || z->lock[u] < 0;
}

long regio__dz_diameter_tabu(regio__dz *z, long max_iter, long patience)
{
    int n = z->n, k = z->k;
    dtabu S = {.z = z};
    S.H = regio_malloc((size_t)n * k * sizeof *S.H);
    int *tabu_t = regio_malloc((size_t)n * sizeof *tabu_t);
    long *tabu_until = regio_malloc((size_t)n * sizeof *tabu_until);
    int *bestlab = regio_malloc((size_t)n * sizeof *bestlab);
    unsigned char *bad = regio_malloc((size_t)k);
    unsigned char *hot = regio_malloc((size_t)k);
    long it = 0;
    if (!S.H || !tabu_t || !tabu_until || !bestlab || !bad || !hot || regio__dz_viol(z) > 1e-12 ||
        regio__dz_count_broken(z) > 0)
        goto done;
    memcpy(bestlab, z->label, (size_t)n * sizeof *bestlab);
    double bestD = regio__dz_max_diameter(z);
    S.dt = bestD;
    rebuild(&S);
    for (int i = 0; i < n; i++) {
        tabu_t[i] = -1;
        tabu_until[i] = 0;
    }
    /* A node of 1% of a target moved past the tolerance costs about one
     * conflict at first; the price stays within [1, 10^4] times that. */
    double price = 100.0, price_hi = 1e6, viol = 0;
    long since = 0;
    for (it = 0; it < max_iter && !regio__dz_stop(z); it++) {
        if (since >= patience) {
            /* Back to the best and a shake: a few random feasible
             * boundary moves. */
            memcpy(z->label, bestlab, (size_t)n * sizeof *bestlab);
            regio__dz_recount(z);
            rebuild(&S);
            for (int shake = 0; shake < 2 * k; shake++) {
                int u = (int)regio_rng_below(&z->rng, (uint64_t)n);
                int deg = z->xadj[u + 1] - z->xadj[u];
                if (deg == 0 || !free_node(z, u))
                    continue;
                int t = z->label[z->adj[z->xadj[u] + (int)regio_rng_below(&z->rng, (uint64_t)deg)]];
                if (t == z->label[u] || regio__dz_dviol(z, u, t) > 1e-12 || !regio__dz_can_remove(z, u))
                    continue;
                move(&S, u, t);
            }
            viol = regio__dz_viol(z);
            since = 0;
        }
        for (int t = 0; t < k; t++)
            bad[t] = regio__dz_viol_t(z, t) > 1e-12;
        int tenure = 7 + (int)regio_rng_below(&z->rng, 10);
        /* Candidates: the best DT_TOP by score, checked for contiguity in
         * that order. */
        double sc[DT_TOP];
        int cu[DT_TOP], ct[DT_TOP], nc = 0, nconf = 0;
        /* Plain pass: nodes in conflict, nodes of or next to territories
         * out of balance. When none can move (the conflicts lie inside
         * their territories), any boundary node of a territory with a
         * conflict, so that its boundary comes to them. */
        memset(hot, 0, (size_t)k);
        for (int u = 0; u < n; u++)
            if (S.H[(size_t)u * k + z->label[u]] > 0)
                hot[z->label[u]] = 1;
        for (int pass = 0; pass < 2 && nc == 0; pass++)
        for (int u = 0; u < n; u++) {
            int s = z->label[u];
            int cs = S.H[(size_t)u * k + s];
            if (pass == 0)
                nconf += cs > 0;
            int open = pass == 1 && hot[s];
            if (!free_node(z, u) || (cs == 0 && !bad[s] && viol <= 0 && !open))
                continue;
            for (int e = z->xadj[u]; e < z->xadj[u + 1]; e++) {
                int t = z->label[z->adj[e]];
                if (t == s || (cs == 0 && !bad[s] && !bad[t] && !open))
                    continue;
                int dup = 0;
                for (int f = z->xadj[u]; f < e && !dup; f++)
                    dup = z->label[z->adj[f]] == t;
                if (dup)
                    continue;
                double dv = regio__dz_dviol(z, u, t);
                int dc = S.H[(size_t)u * k + t] - cs;
                int aspire = S.conf + dc == 0 && viol + dv <= 1e-12;
                if (tabu_t[u] == t && tabu_until[u] > it && !aspire)
                    continue;
                double f = (double)dc + price * dv + 1e-6 * regio_rng_double(&z->rng);
                if (aspire)
                    f = -1e300;
                regio__topk_insert(sc, cu, ct, &nc, DT_TOP, f, u, t);
            }
        }
        int made = 0;
        for (int q = 0; q < nc && !made; q++) {
            int u = cu[q], t = ct[q], s = z->label[u];
            if (!regio__dz_can_remove(z, u))
                continue;
            viol += regio__dz_dviol(z, u, t);
            move(&S, u, t);
            tabu_t[u] = s;
            tabu_until[u] = it + tenure + nconf / 2;
            made = 1;
        }
        if (!made) {
            since = patience;
            continue;
        }
        if ((it & 63) == 63)
            viol = regio__dz_viol(z); /* no drift from the increments */
        if (viol > 1e-12 && price < price_hi)
            price *= 1.02;
        else if (viol <= 1e-12 && price > 1.0)
            price /= 1.02;
        since++;
        if (S.conf == 0 && viol <= 1e-12) {
            viol = regio__dz_viol(z);
            if (viol > 1e-12)
                continue;
            double D = regio__dz_max_diameter(z);
            if (D < bestD) {
                bestD = D;
                memcpy(bestlab, z->label, (size_t)n * sizeof *bestlab);
                S.dt = D;
                rebuild(&S);
                since = 0;
            }
        }
    }
    memcpy(z->label, bestlab, (size_t)n * sizeof *bestlab);
    regio__dz_recount(z);
done:
    regio_free(S.H);
    regio_free(tabu_t);
    regio_free(tabu_until);
    regio_free(bestlab);
    regio_free(bad);
    regio_free(hot);
    return it;
}
