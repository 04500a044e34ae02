/*
 * Day patterns of the call-cycle planner (steps 2 and 3 of the method in
 * plan.c): which pattern of days each account is visited on.
 *
 * Method: construction by sweep (accounts by polar angle around the rep's
 * home, from the widest gap), each account taking the pattern with the
 * cheapest sum of insertion costs plus overtime and balance penalties;
 * then the pattern-change descent of Cordeau, Gendreau and Laporte (1997)
 * as a plain descent, and an iterated local search (Lourenco, Martin and
 * Stuetzle): ruin the ~10 accounts nearest a random one, or every account
 * of a random day (a whole cluster, whose accounts then may settle on
 * other days together), recreate by cheapest pattern, descend, keep the
 * plan when its estimated cost fell.
 * Invariants: an account with a pattern is in the tour of each of its
 * non-blocked days and in no other; a day tour never holds an account
 * twice. Complexity: construction and each descent round
 * O(m * (N * L + P * f)) for m accounts, N days, P patterns, f visits, day
 * length L (the per-day deltas of an account are computed once for all of
 * its patterns).
 */
#include "plan/plan_internal.h"

#include <math.h>
#include <string.h>

#define W_OVER 20.0     /* penalty per second of estimated overtime */
#define W_BAL 1.0       /* construction: penalty per second above target */
#define MISS_PEN 1.0e6  /* penalty per visit dropped on a blocked day */

typedef regio__plan_tour tour;
typedef regio__plan_rctx rctx;
typedef regio__plan_solve_ctx solve_ctx;
typedef regio__plan_angle angle_item;

/* 1 when local account a keeps the day an overnight trip's walk gave it
 * (trips over weekends: the walk is the plan's skeleton, its days chained
 * through hotels placed for exactly those stops). */
static inline int pinned(const rctx *c, int a)
{
    return c->pin && c->hint[a] >= 0;
}

static inline double pen(const rctx *c, double load)
{
    return load > c->cap ? W_OVER * (load - c->cap) : 0.0;
}

/* Per-day parts of the estimated cost change of moving local account a:
 * add[d] of a new visit on day d (a not there), rem[d] of taking a's
 * visit off day d (a there by its current pattern c->pat[a]); c->inday
 * marks the current pattern's non-blocked days with 1. Extra balance
 * penalty when target > 0. O(N * L), once for all of a's patterns. */
static void day_deltas(rctx *c, int a, double target, double *add, double *rem)
{
    const regio__plan_patset *ps = c->ps[a];
    int cur = c->pat[a];
    double call = regio__plan_acc(c, a)->call_s;
    memset(c->inday, 0, (size_t)c->N);
    if (cur >= 0) {
        const int *cd = ps->days + (size_t)cur * (size_t)ps->f;
        for (int k = 0; k < ps->f; k++)
            if (!regio__plan_blocked(c, a, cd[k]))
                c->inday[cd[k]] = 1;
    }
    for (int d = 0; d < c->N; d++) {
        const tour *t = &c->days[d];
        double l0 = t->travel + t->call;
        if (c->inday[d]) {
            int i = regio__plan_tour_find(t, a);
            double g = i >= 0 ? regio__plan_rem_gain(c, t, i) : 0;
            double l1 = l0 - g - call;
            rem[d] = -g + pen(c, l1) - pen(c, l0);
            add[d] = 0;
        } else if (regio__plan_blocked(c, a, d)) {
            add[d] = MISS_PEN;
            rem[d] = 0;
        } else {
            int pos;
            double ins = regio__plan_ins_delta(c, t, a, &pos);
            double l1 = l0 + ins + call;
            add[d] = ins + pen(c, l1) - pen(c, l0);
            if (target > 0)
                add[d] += W_BAL * (fmax(0, l1 - target) - fmax(0, l0 - target));
            rem[d] = 0;
        }
    }
}

/* Estimated cost change of giving local account a pattern q (its current
 * one is c->pat[a], or none), from day_deltas' parts. */
static double pattern_sum(rctx *c, int a, int q, const double *add, const double *rem)
{
    const regio__plan_patset *ps = c->ps[a];
    const int *qd = ps->days + (size_t)q * (size_t)ps->f;
    int cur = c->pat[a];
    double delta = 0;
    for (int k = 0; k < ps->f; k++) {
        int d = qd[k];
        if (c->inday[d] == 1 || c->inday[d] == 3)
            c->inday[d] = 3; /* kept */
        else
            delta += add[d];
    }
    if (cur >= 0) {
        const int *cd = ps->days + (size_t)cur * (size_t)ps->f;
        for (int k = 0; k < ps->f; k++) {
            int d = cd[k];
            if (c->inday[d] == 1)
                delta += rem[d];
        }
    }
    for (int k = 0; k < ps->f; k++)
        if (c->inday[qd[k]] == 3)
            c->inday[qd[k]] = 1;
    return delta;
}

static regio_err pattern_apply(rctx *c, int a, int q)
{
    const regio__plan_patset *ps = c->ps[a];
    int cur = c->pat[a];
    memset(c->inday, 0, (size_t)c->N);
    const int *qd = ps->days + (size_t)q * (size_t)ps->f;
    for (int k = 0; k < ps->f; k++)
        if (!regio__plan_blocked(c, a, qd[k]))
            c->inday[qd[k]] = 1;
    if (cur >= 0) {
        const int *cd = ps->days + (size_t)cur * (size_t)ps->f;
        for (int k = 0; k < ps->f; k++) {
            if (regio__plan_blocked(c, a, cd[k]))
                continue;
            if (c->inday[cd[k]] == 1)
                c->inday[cd[k]] = 2; /* already there */
            else
                regio__plan_tour_remove(c, &c->days[cd[k]], a);
        }
    }
    for (int d = 0; d < c->N; d++)
        if (c->inday[d] == 1) {
            regio_err rc = regio__plan_tour_insert(c, &c->days[d], a);
            if (rc)
                return rc;
        }
    c->pat[a] = q;
    return REGIO_OK;
}

static int best_pattern(rctx *c, int a, double target, double *best_delta)
{
    const regio__plan_patset *ps = c->ps[a];
    double add[REGIO_PLAN_MAX_DAYS], rem[REGIO_PLAN_MAX_DAYS];
    day_deltas(c, a, target, add, rem);
    int best = -1;
    double bd = INFINITY;
    for (int q = 0; q < ps->n; q++) {
        if (q == c->pat[a])
            continue;
        double d = pattern_sum(c, a, q, add, rem);
        if (d < bd - 1e-9) {
            bd = d;
            best = q;
        }
    }
    *best_delta = bd;
    return best;
}

#define DEFAULT_KICKS 6000
#define DAY_RUIN 0.5 /* share of kicks that ruin a whole day's accounts */
#define RUIN_SIZE(n) ((n) < 40 ? ((n) + 3) / 4 : 10)

/* Pattern-change descent over all accounts in seeded random order, tours
 * re-optimised after each round; at most max_rounds rounds. */
static regio_err descend(rctx *c, regio_rng *rng, int *perm, int n, int *scratch, solve_ctx *s,
                         int max_rounds)
{
    for (int it = 0; it < max_rounds && !s->cancelled && !regio__plan_past_search_deadline(s);
         it++) {
        for (int i = n - 1; i > 0; i--) {
            int j = (int)regio_rng_below(rng, (uint64_t)i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        long moved = 0;
        for (int i = 0; i < n; i++) {
            int a = perm[i];
            if (pinned(c, a))
                continue;
            double bd;
            int q = best_pattern(c, a, 0, &bd);
            if (q >= 0 && bd < -1e-6) {
                regio_err rc = pattern_apply(c, a, q);
                if (rc)
                    return rc;
                moved++;
            }
        }
        for (int d = 0; d < c->N; d++)
            regio__plan_tour_improve(c, &c->days[d], scratch);
        s->moves += moved;
        if (moved == 0)
            break;
    }
    return REGIO_OK;
}

/* Estimated cost of the whole rep's plan: travel + overtime penalty +
 * blocked visits. */
static double plan_cost(const rctx *c)
{
    double t = 0;
    for (int d = 0; d < c->N; d++)
        t += c->days[d].travel + pen(c, c->days[d].travel + c->days[d].call);
    for (int a = 1; a <= c->m; a++) {
        if (c->pat[a] < 0 || !c->ps[a])
            continue;
        const int *qd = c->ps[a]->days + (size_t)c->pat[a] * (size_t)c->ps[a]->f;
        for (int k = 0; k < c->ps[a]->f; k++)
            if (regio__plan_blocked(c, a, qd[k]))
                t += MISS_PEN;
    }
    return t;
}

typedef struct snap {
    int *pat;
    tour *days;
} snap;

static void snap_free(const rctx *c, snap *sn)
{
    if (sn->days)
        for (int d = 0; d < c->N; d++)
            regio_free(sn->days[d].s);
    regio_free(sn->days);
    regio_free(sn->pat);
    memset(sn, 0, sizeof *sn);
}

static regio_err tour_copy(tour *dst, const tour *src)
{
    regio_err rc = regio__plan_tour_reserve(dst, src->n > 0 ? src->n : 1);
    if (rc)
        return rc;
    if (src->n > 0)
        memcpy(dst->s, src->s, (size_t)src->n * sizeof *src->s);
    dst->n = src->n;
    dst->travel = src->travel;
    dst->call = src->call;
    return REGIO_OK;
}

static regio_err snap_take(const rctx *c, snap *sn)
{
    if (!sn->pat) {
        sn->pat = regio_malloc(((size_t)c->m + 1) * sizeof *sn->pat);
        sn->days = regio_calloc((size_t)c->N, sizeof *sn->days);
        if (!sn->pat || !sn->days)
            return REGIO_ENOMEM;
    }
    memcpy(sn->pat, c->pat, ((size_t)c->m + 1) * sizeof *sn->pat);
    for (int d = 0; d < c->N; d++) {
        regio_err rc = tour_copy(&sn->days[d], &c->days[d]);
        if (rc)
            return rc;
    }
    return REGIO_OK;
}

static regio_err snap_restore(rctx *c, const snap *sn)
{
    memcpy(c->pat, sn->pat, ((size_t)c->m + 1) * sizeof *sn->pat);
    for (int d = 0; d < c->N; d++) {
        regio_err rc = tour_copy(&c->days[d], &sn->days[d]);
        if (rc)
            return rc;
    }
    return REGIO_OK;
}

/* Takes local account a out of the tours of its pattern's days. */
static void unassign(rctx *c, int a)
{
    const regio__plan_patset *ps = c->ps[a];
    if (c->pat[a] < 0)
        return;
    const int *qd = ps->days + (size_t)c->pat[a] * (size_t)ps->f;
    for (int j = 0; j < ps->f; j++)
        if (!regio__plan_blocked(c, a, qd[j]))
            regio__plan_tour_remove(c, &c->days[qd[j]], a);
    c->pat[a] = -1;
}

/* Takes the k accounts nearest to a0 (a0 included) out of every day;
 * returns how many, listed in out. */
static int ruin_near(rctx *c, int a0, const angle_item *order, int n_order, int k, int *out,
                     double *dd)
{
    int n = 0;
    for (int i = 0; i < n_order; i++) {
        int a = order[i].a;
        double d = regio__plan_dur(c, a0, a);
        /* insertion into the sorted prefix of length <= k */
        int pos = n < k ? n : k;
        if (n >= k && d >= dd[k - 1])
            continue;
        while (pos > 0 && (dd[pos - 1] > d || (dd[pos - 1] == d && out[pos - 1] > a))) {
            if (pos < k) {
                dd[pos] = dd[pos - 1];
                out[pos] = out[pos - 1];
            }
            pos--;
        }
        dd[pos] = d;
        out[pos] = a;
        if (n < k)
            n++;
    }
    for (int i = 0; i < n; i++)
        if (!pinned(c, out[i]))
            unassign(c, out[i]);
    return n;
}

/* Takes every account of day d out of every day (its whole pattern);
 * returns how many, listed in out. */
static int ruin_day(rctx *c, int d, int *out)
{
    int n = c->days[d].n;
    if (n) /* an empty day may have no list at all */
        memcpy(out, c->days[d].s, (size_t)n * sizeof *out);
    for (int i = 0; i < n; i++)
        if (!pinned(c, out[i]))
            unassign(c, out[i]);
    return n;
}

regio_err regio__plan_construct(rctx *c, solve_ctx *s, const angle_item *order, int n_order,
                                double total_call, int working, int *scratch)
{
    regio_err rc;
    /* Start the sweep at the widest angular gap so no sector is split. */
    int start = 0;
    if (n_order > 1) {
        double bg = -1;
        for (int i = 0; i < n_order; i++) {
            double g = i == 0 ? order[0].ang + 2 * M_PI - order[n_order - 1].ang
                              : order[i].ang - order[i - 1].ang;
            if (g > bg) {
                bg = g;
                start = i;
            }
        }
    }
    double target = working > 0 ? total_call / working : 0;
    target = target + 0.5 * (c->cap - target);
    if (target <= 0)
        target = c->cap;
    for (int i = 0; i < n_order; i++) {
        int a = order[(start + i) % n_order].a;
        if (c->pat[a] >= 0)
            continue; /* seeded from an overnight trip (regio__plan_seed_hints) */
        double bd;
        int q = best_pattern(c, a, target, &bd);
        if (q >= 0 && (rc = pattern_apply(c, a, q)))
            return rc;
        /* a cancel skips the search, not the construction: every visit
         * gets a day or a reason */
        regio__plan_tick(s, 0.2 * i / (n_order ? n_order : 1), "construct");
    }
    for (int d = 0; d < c->N; d++)
        regio__plan_tour_improve(c, &c->days[d], scratch);
    return REGIO_OK;
}

regio_err regio__plan_seed_hints(rctx *c)
{
    if (!c->hint)
        return REGIO_OK;
    for (int a = 1; a <= c->m; a++) {
        const regio__plan_patset *ps = c->ps[a];
        if (c->hint[a] < 0 || !ps || c->pat[a] >= 0)
            continue;
        int best = -1;
        double bd = INFINITY;
        double add[REGIO_PLAN_MAX_DAYS], rem[REGIO_PLAN_MAX_DAYS];
        day_deltas(c, a, 0, add, rem);
        /* a walk passing the account twice gave it a second day: the
         * patterns holding both come first */
        int h2 = c->hint[c->m + 1 + a], best_has = 0;
        for (int q = 0; q < ps->n; q++) {
            const int *qd = ps->days + (size_t)q * (size_t)ps->f;
            int has = 0, has2 = 0;
            for (int k = 0; k < ps->f; k++) {
                has |= qd[k] == c->hint[a];
                has2 |= h2 >= 0 && qd[k] == h2;
            }
            if (!has)
                continue;
            has += has2;
            double d = pattern_sum(c, a, q, add, rem);
            if (has > best_has || (has == best_has && d < bd)) {
                bd = d;
                best = q;
                best_has = has;
            }
        }
        if (best >= 0) {
            regio_err rc = pattern_apply(c, a, best);
            if (rc)
                return rc;
        }
    }
    return REGIO_OK;
}

regio_err regio__plan_search(rctx *c, solve_ctx *s, int r, const angle_item *order, int n_order,
                             int *perm, int *scratch)
{
    const regio_plan_params *p = s->p;
    int m = c->m;
    regio_err rc;
    regio_rng rng;
    regio_rng_seed(&rng, regio__plan_mix(p->seed ^ regio__plan_mix((uint64_t)r + 1)));
    for (int i = 0; i < n_order; i++)
        perm[i] = order[i].a;
    if ((rc = descend(c, &rng, perm, n_order, scratch, s, 50)))
        return rc;
    long kicks = p->search_iterations > 0   ? p->search_iterations
                 : p->search_iterations == 0 ? DEFAULT_KICKS
                                             : 0;
    if (n_order >= 2 && kicks > 0 && !s->cancelled) {
        snap best;
        memset(&best, 0, sizeof best);
        if ((rc = snap_take(c, &best))) {
            snap_free(c, &best);
            return rc;
        }
        double best_cost = plan_cost(c);
        int *ruined = regio_malloc(((size_t)m + 1) * sizeof *ruined);
        double *dd = regio_malloc(((size_t)m + 1) * sizeof *dd);
        if (!ruined || !dd)
            rc = REGIO_ENOMEM;
        for (long k = 0; !rc && k < kicks && !s->cancelled && !regio__plan_past_search_deadline(s);
             k++) {
            int nr;
            if (regio_rng_double(&rng) < DAY_RUIN) {
                nr = ruin_day(c, (int)regio_rng_below(&rng, (uint64_t)c->N), ruined);
            } else {
                int a0 = order[regio_rng_below(&rng, (uint64_t)n_order)].a;
                nr = ruin_near(c, a0, order, n_order, RUIN_SIZE(n_order), ruined, dd);
            }
            for (int i = nr - 1; i > 0; i--) {
                int j = (int)regio_rng_below(&rng, (uint64_t)i + 1);
                int t = ruined[i];
                ruined[i] = ruined[j];
                ruined[j] = t;
            }
            for (int i = 0; i < nr && !rc; i++) {
                double bd;
                if (pinned(c, ruined[i]))
                    continue;
                int q = best_pattern(c, ruined[i], 0, &bd);
                if (q >= 0)
                    rc = pattern_apply(c, ruined[i], q);
            }
            if (!rc)
                rc = descend(c, &rng, perm, n_order, scratch, s, 10);
            if (rc)
                break;
            double cost = plan_cost(c);
            if (cost < best_cost - 1e-6) {
                best_cost = cost;
                rc = snap_take(c, &best);
            } else {
                rc = snap_restore(c, &best);
            }
            if (!(k & 15) &&
                regio__plan_tick(s, 0.2 + 0.4 * (double)(k + 1) / (double)kicks, "search"))
                break;
        }
        regio_free(ruined);
        regio_free(dd);
        snap_free(c, &best);
        if (rc)
            return rc;
    }
    return REGIO_OK;
}
