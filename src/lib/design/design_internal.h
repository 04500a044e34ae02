/*
 * Private state of the territory design engine, shared by the files of
 * src/lib/design. The engine works on "nodes": units, or whole groups of
 * units when groups must stay together (design.c builds the node graph).
 */
#ifndef REGIO_DESIGN_INTERNAL_H
#define REGIO_DESIGN_INTERNAL_H

#include "core/great_circle.h"
#include "regio/design.h"

#include <math.h>
#include <stdatomic.h>
#include <stddef.h>

/* Points are stored as 3-vectors: unit vectors on the sphere (LATLON) or
 * (x, y, 0) in the plane, so one routine measures both: great-circle km
 * from the chord of unit vectors, or the plain Euclidean distance. */
static inline double regio__pdist(int planar, const double *a, const double *b)
{
    double c = regio__chord(a, b);
    return planar ? c : regio__chord_km(c);
}

/* Resolves params.travel_col: a measure index >= 0, or -2 (uniform). */
int regio__design_travel_col(const regio_design_params *p);

/* Converts one coordinate pair to the 3-vector form. */
void regio__design_point(regio_coords coords, double x, double y, double out[3]);

/* Weighted medoid of the members idx[0..cnt) of pts (3-vectors) with
 * weights w (NULL = 1): exact, with candidates tried from the weighted
 * mean outwards and partial sums abandoned once they exceed the best.
 * scratch holds 2*cnt doubles + cnt ints worth of space (see metrics.c).
 * Returns the position in idx of the medoid and its cost in *cost. */
size_t regio__medoid(int planar, const double *pts, const double *w,
                     const int *idx, size_t cnt, double *cost,
                     double *scratch_d, int *scratch_i);

/* Largest pairwise distance among idx[0..cnt), exact, pruned by the
 * triangle inequality around a reference member. scratch_d: cnt doubles,
 * scratch_i: cnt ints. */
double regio__diameter(int planar, const double *pts, const int *idx,
                       size_t cnt, double *scratch_d, int *scratch_i);

/* The engine state. Balance loads are normalised so that each balanced
 * column sums to 1 over all nodes; the target of territory t is then its
 * share, for every column. */
typedef struct regio__dz {
    int n, k, nb;
    int planar;
    const int *xadj, *adj;  /* node graph (CSR) */
    const double *p;        /* 3*n node points */
    const double *b;        /* n*nb normalised balance loads */
    const double *w;        /* n travel weights */
    double wsum;
    const double *share;    /* k target shares, summing to 1 */
    double tol;             /* the tightest column tolerance (heuristic scales) */
    const double *tolc;     /* nb: each column's own tolerance */
    const double *vscale;   /* nb: tol / tolc[c]: a column's violation is
                               counted in units of tol, so that equal
                               tolerances give the plain sum */
    const int *lock;        /* n, -1 free (may be NULL) */
    const double *home;     /* 3*k home points or NULL */
    const int *base;        /* n baseline labels (realign) or NULL */
    const double *nunits;   /* n: units per node (disruption budget) */
    double budget_units;    /* realign: max moved units (count), <0 none */
    double budget_weight;   /* realign: max moved weight, <0 none */

    int *label;             /* n */
    double *load;           /* k*nb */
    int *cnt;               /* k nodes per territory */
    double *cp;             /* 3*k centre points */
    int *cnode;             /* k centre node or -1 */
    double moved_units, moved_weight; /* vs base */

    /* scratch */
    int *mark;
    int stamp;
    int *queue;
    int *tmp;               /* n ints */
    double *tmpd;           /* 2n doubles */
    regio_rng rng;
    double t_start, t_limit;
    int timed_out;
    regio_progress_fn progress;
    void *progress_ud;
    int cancelled;
    atomic_int *quit;       /* set by another thread of the multistart to
                               stop this one too (time limit, cancel) */
    int objective;          /* regio_design_objective: picks the best start */
    double heavy;           /* realign chains: preference for heavy moves */
    double margin;          /* realign chains: room a chain end must have (x tol) */
    int under_first;        /* realign chains: serve short territories first */
} regio__dz;

/* Wall clock seconds (monotonic). */
double regio__now(void);
/* 1 when the time limit passed or the callback cancelled (latched), or
 * when another thread of the multistart stopped (*quit). */
int regio__dz_stop(regio__dz *z);

regio_err regio__dz_alloc(regio__dz *z);
void regio__dz_free(regio__dz *z);
/* Recomputes load, cnt and moved counters from label. */
void regio__dz_recount(regio__dz *z);
/* Distance from node i to the centre of territory t. */
static inline double regio__dz_dist(const regio__dz *z, int i, int t)
{
    return regio__pdist(z->planar, z->p + 3 * (size_t)i, z->cp + 3 * (size_t)t);
}
/* 1 when node i has a neighbour in territory t. */
static inline int regio__dz_touches(const regio__dz *z, int i, int t)
{
    for (int e = z->xadj[i]; e < z->xadj[i + 1]; e++)
        if (z->label[z->adj[e]] == t)
            return 1;
    return 0;
}
/* Moves node i to territory t, updating loads and counters. */
void regio__dz_move(regio__dz *z, int i, int t);
/* Violation of one column of territory t: max(0, |dev| - tolc[c]) scaled
 * by vscale[c] (a share of 0 counts any load as violation). */
static inline double regio__dz_viol_c(const regio__dz *z, int c, double load, double share)
{
    if (share <= 0)
        return load > 0 ? load : 0.0;
    double d = fabs(load / share - 1.0) - z->tolc[c];
    return d > 0 ? d * z->vscale[c] : 0.0;
}
/* Violation of territory t: sum over columns of regio__dz_viol_c. */
double regio__dz_viol_t(const regio__dz *z, int t);
double regio__dz_viol(const regio__dz *z);
/* Change of total violation if node i moved from its territory to t. */
double regio__dz_dviol(const regio__dz *z, int i, int t);
/* Change of sum_c (dev_c * vscale_c)^2 over i's territory and t if node i
 * moved to t: deviations in units of each column's own tolerance (times
 * the tightest one; with one tolerance for all, plain dev^2). */
double regio__dz_dsq(const regio__dz *z, int i, int t);
/* Travel objective sum_i w_i d(i, c_label(i)) with current centres. */
double regio__dz_travel(const regio__dz *z);
/* Largest node-to-node distance inside one territory (exact). */
double regio__dz_max_diameter(regio__dz *z);
/* Sets every centre to its home or the weighted medoid of its nodes.
 * Returns the number of centres that changed. */
int regio__dz_update_centres(regio__dz *z);
/* 1 when moving node i to t keeps the realign budget (a node already moved
 * moves again for free; one going back to its baseline always may). */
int regio__dz_budget_ok(const regio__dz *z, int i, int t);

/* Keeps the best `cap` candidates by ascending score in sc[0..*n) with
 * their ids in x[] (and y[] when not NULL); ties keep arrival order.
 * Returns 0 when s does not make the list. */
static inline int regio__topk_insert(double *sc, int *x, int *y, int *n, int cap, double s,
                                     int xv, int yv)
{
    if (*n == cap && s >= sc[*n - 1])
        return 0;
    int pos = *n < cap ? (*n)++ : cap - 1;
    while (pos > 0 && sc[pos - 1] > s) {
        sc[pos] = sc[pos - 1];
        x[pos] = x[pos - 1];
        if (y)
            y[pos] = y[pos - 1];
        pos--;
    }
    sc[pos] = s;
    x[pos] = xv;
    if (y)
        y[pos] = yv;
    return 1;
}

/* ---- contiguity.c ---- */
/* 1 when removing node i keeps its territory connected (and non-empty). */
int regio__dz_can_remove(regio__dz *z, int i);
/* Number of territories whose nodes are not connected (empty included). */
int regio__dz_count_broken(regio__dz *z);
/* Gives every empty territory the removable node nearest its centre. */
void regio__dz_fill_empty(regio__dz *z);
/* Reassigns every component other than a territory's main one to an
 * adjacent territory until all are connected (or no progress). */
void regio__dz_repair_contiguity(regio__dz *z);

/* ---- assign.c ---- */
/* Balanced k-means: k-means++ seeding weighted by the balance index, then
 * alternating price-adjusted (Lagrangian) assignment and medoid updates.
 * Writes label and centres. Respects locks and homes. */
regio_err regio__dz_assign(regio__dz *z, int rounds, int lloyd_rounds);

/* ---- balance.c ---- */
/* Ejection chains that carry load from violating territories to the
 * nearest ones with room, keeping every territory connected. realign = 1
 * prefers few, heavy moves and respects the disruption budget. */
void regio__dz_balance(regio__dz *z, int realign, int max_chains);
/* ---- tabu.c ---- */
/* Tabu search on single boundary moves minimising violation (plus a small
 * squared-deviation term that diffuses load, and travel or disruption as
 * tie-breaks); passes through worse states to escape plateaus, keeps the
 * best labelling seen. */
void regio__dz_tabu_balance(regio__dz *z, int realign, long max_iter);
/* ---- local_search.c (helpers) ---- */
/* Realign: moves nodes back to their baseline territory wherever that
 * does not raise the violation (frees disruption budget). Returns count. */
int regio__dz_return_home(regio__dz *z);
/* Exchanges across a border (y from a violating s to t, x from t to s)
 * that lower the total violation. Returns the number made. */
int regio__dz_exchange(regio__dz *z);

/* ---- mm.c ---- */
/* Tabu search over boundary moves and border swaps holding every column
 * within its own tolerance (costs in units of each tolerance, adaptive
 * weight on the column that blocks); keeps the best labelling by plain
 * excess. nodes (n_nodes) and inwin (k flags) confine it to a window of
 * territories (NULL: everywhere); it stops after max_iter moves or
 * patience moves without a better state. Returns the number of moves. */
long regio__dz_mm_balance(regio__dz *z, long max_iter, long patience, const int *nodes,
                          int n_nodes, const int *inwin);

/* ---- anneal.c ---- */
/* Simulated annealing on the violation of every column (plus a small
 * pull toward the targets): random boundary moves accepted by the
 * Metropolis rule at a temperature falling from t0 to t1 (x the tightest
 * tolerance) in each of `rounds` rounds of max_iter/rounds iterations,
 * each from the best labelling; stops at no violation. Leaves the best
 * labelling by violation in z. Design only. Returns the moves made. */
long regio__dz_anneal(regio__dz *z, long max_iter, int rounds, double t0, double t1);

/* ---- travel.c ---- */
/* Tabu search with strategic oscillation for travel at balance: from a
 * balanced, contiguous labelling, boundary moves scored by travel plus an
 * adaptive price on the violation; restores the best balanced labelling
 * (with its medoids). Stops after max_iter moves or patience moves
 * without a better one. Returns the number of moves. */
long regio__dz_travel_tabu(regio__dz *z, long max_iter, long patience);
/* Polishes a balanced, contiguous labelling for travel: window rebuilds
 * (lns.c) around every territory while they help, then swaps, descent
 * and the travel tabu search. Never worse by (violation, travel). */
void regio__dz_travel_polish(regio__dz *z);

/* ---- pair.c ---- */
/* Re-splits adjacent pairs of territories of a balanced labelling around
 * relocated centres (one balanced column, no locks, homes or baseline;
 * otherwise does nothing), rounds over all pairs until one changes
 * nothing or max_rounds. Travel strictly falls; balance and contiguity
 * hold. Returns the number of pairs re-split. */
long regio__dz_pair_resplit(regio__dz *z, int max_rounds);

/* ---- lns.c ---- */
/* Dissolves territory s and its neighbours (up to `radius` territories)
 * and re-grows them `trials` times; keeps the best rebuild by
 * (violation, travel) if it beats the current one. Returns 1 then. */
int regio__dz_lns(regio__dz *z, int s, int radius, int trials, int realign);
/* Grows a window of territories terr[0..r) (flagged in inwin) by the
 * breadth-first neighbours of its members, in order, up to width
 * territories. Returns the new count. */
int regio__dz_grow_window(const regio__dz *z, int *terr, int r, int *inwin, int width);

/* ---- pack.c ---- */
/* Window packing: territory s (over a tolerance) and up to width-1
 * territories around it are partitioned again by a complete search,
 * bounded by `budget` steps, for connected pieces each within every
 * tolerance; the first found is applied. Returns 1 then, 0 when none was
 * found (nothing changed). Skipped with locks, homes or a baseline. */
int regio__dz_pack(regio__dz *z, int s, int width, long budget);

/* ---- window.c ---- */
/* Exact window search: territory s (over a tolerance) and up to width-1
 * territories around it exchange small connected pieces (up to 4 nodes,
 * one a border) across their borders; the choice with the least window
 * violation that keeps all connected (and the realign budget) is
 * applied. Returns 1 when it lowered the violation, 0 when it could not
 * (nothing changed). *reached (may be NULL) receives the number of
 * territories the window grew to (fewer than width when no more touch
 * it; 0 when s is within its tolerances). */
int regio__dz_window_fix(regio__dz *z, int s, int width, int *reached);

/* ---- diameter.c ---- */
/* Shortens the largest territory diameter by moving (or exchanging) an
 * end of its diametral pair, never raising the violation. Returns the
 * number of steps made. */
long regio__dz_diameter_descent(regio__dz *z, long max_steps);

/* ---- diameter_tabu.c ---- */
/* Tabu search on the largest diameter of a balanced, contiguous
 * labelling: conflicts (node pairs of one territory at least the best
 * diameter apart) driven to zero under an adaptive balance price, the
 * threshold lowered at each success; restarts from the best with a shake
 * after `patience` moves without one. Leaves the best labelling in z.
 * Returns the number of moves. */
long regio__dz_diameter_tabu(regio__dz *z, long max_iter, long patience);

/* ---- local_search.c ---- */
/* Boundary-move descent: lexicographic (violation, travel) with fixed
 * centres per sweep, then medoid update; stops at a local optimum or
 * after max_sweeps. Returns the number of moves made. */
long regio__dz_descent(regio__dz *z, int max_sweeps, int travel_moves);
/* Swap neighbourhood: exchanges of two boundary nodes across a border
 * that keep balance within tolerance and shorten travel. */
long regio__dz_swaps(regio__dz *z);

/* ---- divide.c ---- */
/* Designs one part of a divided problem (sub: a state of its own, its
 * labels 0..sub->k-1 written to labels); part counts 0..parts-1. Sets
 * *starts_done to 0 when stopped before any labelling was made. */
typedef regio_err (*regio__dz_part_fn)(regio__dz *sub, void *ud, int part, int parts,
                                       int *labels, int *starts_done);
/* Cuts nodes[0..cnt), labelled 1 in the two-side state h (every other
 * node labelled 2, h->load[0] = 0 and h->load[1] their load on column 0),
 * into two sides, each connected in h's graph: A (label 0) with about
 * frac of their load, the rest B (label 1). */
regio_err regio__dz_bisect(regio__dz *h, const int *nodes, int cnt, double frac);
/* Divide and conquer: cuts the node graph recursively into connected
 * parts of at most leaf_k territories with loads in proportion to their
 * shares, designs each part by solve with narrowed tolerances, then
 * polishes the whole. Writes z->label. */
regio_err regio__dz_divide(regio__dz *z, int leaf_k, regio__dz_part_fn solve, void *ud);

#endif
