/*
 * VRP recreate: greedy reinsertion with blinks, as in Slack Induction by
 * String Removals (SISR, Christiaens & Vanden Berghe, Transportation
 * Science 2020).
 *
 * Method. The removed jobs (plus those left out before) are shuffled and
 * then ordered by one of random / largest demand / far / close / tight
 * window (drawn with weights 4/4/2/1/1), higher priority first; each is
 * inserted at its cheapest feasible position, skipping positions at the
 * "blink" rate (geometric gaps, one draw per blink). Insertion is
 * granular: only routes holding one of the job's 40 nearest jobs are
 * scanned unless none fits; empty vehicles are tried one per class of
 * identical vehicles, competing on cost or only when nothing else fits.
 * Positions are checked in O(windows) against est[] / lat[] (vrp_route.c),
 * and binary search skips positions that end before the job's first
 * window.
 *
 * Invariants: every insertion keeps the route feasible; a job that fits
 * nowhere is left in x->unassigned; s->removed is empty on return.
 * Complexity: O(removed x scanned positions) plus O(route length) per
 * insertion, O(removed^2) for the stable sort.
 */
#include "route/vrp_internal.h"

#include <math.h>
#include <string.h>

#define BLINK 0.01
/* Nearest jobs whose routes are scanned first. 40 rather than 20: on
 * rc1_2_1 (20 vehicles, 2 searches x 500,000 iterations, seeds 1-3) mean
 * 3550.8 -> 3545.4 for 1.2x the CPU, better per second than longer runs
 * at 20 (3547.9 / 3554.0 at 1,500,000 and 3x the CPU). In the bench's
 * 60 s at load 5-7: rc1_2_1 3544.20, r1_10_1 54334.27 (-2.82% to VROOM). */
#define GRANULAR_K 40

/* Best feasible insertion of job jb into route r: returns the position
 * (insert after position i, i in 0..m) or -1, and the cost delta. */
int regio__vrp_best_in_route(regio__vsolver *s, const regio__vroute *r, int jb,
                             int blink, double *delta)
{
    const regio__vjob *j = &s->job[jb];
    int best = -1;
    double bd = INFINITY;
    /* lat[] and est[] are nondecreasing along a route (durations >= 0), so
     * positions whose successor must be reached before the job's first
     * window opens plus its service are skipped by binary search, and the
     * scan stops once the route is past the job's last window. */
    double need = (j->tw ? j->tw[0].start : -INFINITY) + j->serv;
    int lo = 0, hi = r->m + 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (r->lat[mid + 1] < need)
            lo = mid + 1;
        else
            hi = mid;
    }
    int li = regio__vrp_loc_at(s, r, lo);
    double dep = r->est[lo] + regio__vrp_serv_at(s, r, lo);
    for (int i = lo; i <= r->m; i++) {
        if (i > lo) {
            li = s->job[r->jobs[i - 1]].loc;
            dep = r->est[i] + s->job[r->jobs[i - 1]].serv;
        }
        if (r->est[i] > j->tw_last)
            break;
        if (blink && --s->blink_left <= 0) {
            /* geometric gaps between blinks: one draw per blink, not per
             * position */
            s->blink_left = 1 + (long)(log(1.0 - regio_rng_double(&s->rng)) /
                                       log(1.0 - BLINK));
            continue;
        }
        int ln = regio__vrp_loc_at(s, r, i + 1);
        double dd = regio__vrp_cst(s, li, j->loc) +
                    regio__vrp_cst(s, j->loc, ln) - regio__vrp_cst(s, li, ln);
        if (r->m == 0)
            dd = regio__vrp_cst(s, li, j->loc) + regio__vrp_cst(s, j->loc, ln);
        if (dd >= bd)
            continue;
        double st = regio__vrp_tw_start(j, dep + regio__vrp_dur(s, li, j->loc));
        if (st == INFINITY)
            continue;
        if (st + j->serv + regio__vrp_dur(s, j->loc, ln) > r->lat[i + 1])
            continue;
        bd = dd;
        best = i;
    }
    *delta = bd;
    return best;
}

/* Offers route v to job jb: records it in *bd, *bv, *bp (and *bp2, the
 * delivery's place for a shipment) when the job may go there and its best
 * insertion is cheaper than *bd. */
static void try_route(regio__vsolver *s, regio__vsol *x, int v, int jb,
                      int blink, double *bd, int *bv, int *bp, int *bp2)
{
    regio__vroute *r = &x->r[v];
    if (!s->compat[(size_t)jb * s->nv + v])
        return;
    double d;
    if (s->general) {
        int a, a2;
        if (regio__vrp_general_best(s, r, jb, &d, &a, &a2) && d < *bd) {
            *bd = d;
            *bv = v;
            *bp = a;
            *bp2 = a2;
        }
        return;
    }
    if (!regio__vrp_fits_load(s, r, &s->job[jb]))
        return;
    int i = regio__vrp_best_in_route(s, r, jb, blink, &d);
    if (i >= 0 && d < *bd) {
        *bd = d;
        *bv = v;
        *bp = i;
    }
}

/* Inserts job jb at its cheapest feasible place; 1 inserted, 0 not, -1 OOM.
 * Granular first: only the routes that hold one of the job's GRANULAR_K
 * nearest jobs are scanned; all routes only when none of those fits. Empty
 * vehicles (one per class) compete on cost, or come last when
 * new_route_last is set. */
static int insert_best(regio__vsolver *s, regio__vsol *x, int jb, int blink)
{
    int bv = -1, bp = -1, bp2 = -1;
    double bd = INFINITY;
    int can_open = s->cur_used < s->max_used;
    /* stage 0: granular */
    s->stamp++;
    int kk = s->k_neigh < GRANULAR_K ? s->k_neigh : GRANULAR_K;
    for (int k = 0; k < kk; k++) {
        int nb = s->neigh[(size_t)jb * s->k_neigh + k];
        if (nb < 0)
            break;
        int v = x->where[nb];
        if (v < 0 || s->route_mark[v] == s->stamp)
            continue;
        s->route_mark[v] = s->stamp;
        try_route(s, x, v, jb, blink, &bd, &bv, &bp, &bp2);
    }
    /* stage 1: every other used route */
    if (bv < 0)
        for (int v = 0; v < s->nv; v++)
            if (x->r[v].m > 0 && s->route_mark[v] != s->stamp)
                try_route(s, x, v, jb, blink, &bd, &bv, &bp, &bp2);
    /* empty vehicles */
    if (can_open && (bv < 0 || !s->new_route_last))
        for (int k = 0; k < s->n_reps; k++)
            try_route(s, x, s->reps[k], jb, blink, &bd, &bv, &bp, &bp2);
    if (bv < 0)
        return 0;
    if (x->r[bv].ntask == 0 && s->job[jb].kind != REGIO_VRP_KIND_BREAK)
        s->cur_used++;
    if (regio__vrp_route_insert(s, x, &x->r[bv], bp, jb))
        return -1;
    if (bp2 >= 0 && regio__vrp_route_insert(s, x, &x->r[bv], bp2, s->job[jb].pair))
        return -1;
    return 1;
}

/* Lists, for each class of identical vehicles, its lowest-index empty
 * vehicle in reps[], and counts the used vehicles. One empty vehicle per
 * class is all recreate needs to try. O(nv). */
static void refresh_classes(regio__vsolver *s, regio__vsol *x)
{
    memset(s->class_seen, 0, (size_t)s->nv);
    s->n_reps = 0;
    s->cur_used = 0;
    for (int v = 0; v < s->nv; v++) {
        if (x->r[v].ntask > 0) {
            s->cur_used++;
            continue;
        }
        if (s->class_seen[s->vcls[v]])
            continue;
        s->class_seen[s->vcls[v]] = 1;
        s->reps[s->n_reps++] = v;
    }
}

/* ---- recreate --------------------------------------------------------- */

static void sort_removed(regio__vsolver *s)
{
    int n = s->n_removed;
    /* shuffle, then optionally stable-sort by a key (SISR weights 4/4/2/1) */
    for (int i = n - 1; i > 0; i--) {
        int k = (int)regio_rng_below(&s->rng, (uint64_t)(i + 1));
        int t = s->removed[i];
        s->removed[i] = s->removed[k];
        s->removed[k] = t;
    }
    uint64_t w = regio_rng_below(&s->rng, 12);
    if (w < 4 && !s->has_priority)
        return; /* random */
    for (int i = 0; i < n; i++) {
        const regio__vjob *j = &s->job[s->removed[i]];
        double key;
        if (w < 4) {
            key = 0; /* random order, only priorities sort */
        } else if (w < 8) {
            key = 0;
            for (int d = 0; d < s->nd; d++)
                key += j->amt[d];
            key = -key; /* largest demand first */
        } else if (w < 10) {
            key = -j->far;
        } else if (w < 11) {
            key = j->far;
        } else {
            key = j->tw ? j->tw_last - j->tw[0].start : INFINITY; /* tight */
        }
        s->key[i] = key;
    }
    /* stable insertion sort, higher priority first, then by key (removed
     * sets are small; the construction sorts once) */
    for (int i = 1; i < n; i++) {
        int jb = s->removed[i];
        double kv = s->key[i];
        int64_t pv = s->job[jb].weight;
        int k = i - 1;
        while (k >= 0 && (s->job[s->removed[k]].weight < pv ||
                          (s->job[s->removed[k]].weight == pv &&
                           s->key[k] > kv))) {
            s->removed[k + 1] = s->removed[k];
            s->key[k + 1] = s->key[k];
            k--;
        }
        s->removed[k + 1] = jb;
        s->key[k + 1] = kv;
    }
}

/* Reinserts the removed jobs plus previously unassigned ones. */
int regio__vrp_recreate(regio__vsolver *s, regio__vsol *x, int blink)
{
    for (int k = 0; k < x->n_unassigned; k++)
        s->removed[s->n_removed++] = x->unassigned[k];
    x->n_unassigned = 0;
    sort_removed(s);
    refresh_classes(s, x);
    for (int k = 0; k < s->n_removed; k++) {
        int jb = s->removed[k];
        /* A shipment goes in (or stays out) with its pickup. */
        if (s->job[jb].kind == REGIO_VRP_KIND_DELIVERY)
            continue;
        int rc = insert_best(s, x, jb, blink);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            x->unassigned[x->n_unassigned++] = jb;
            if (s->job[jb].kind == REGIO_VRP_KIND_PICKUP)
                x->unassigned[x->n_unassigned++] = s->job[jb].pair;
        } else if (x->r[x->where[jb]].ntask == 1 + (s->job[jb].pair >= 0)) {
            refresh_classes(s, x);
        }
    }
    s->n_removed = 0;
    regio__vrp_sol_totals(s, x);
    return 0;
}
