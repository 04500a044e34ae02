/*
 * Day tours of the call-cycle planner: cheapest insertion, removal, a
 * 2-opt + Or-opt descent (home fixed at both ends) used as the search's
 * travel estimate, and exact earliest-start schedules with time windows
 * and the day end for the repair step. O(L) per insertion or removal and
 * O(L^2) per improvement pass for a day of L stops.
 */
#include "plan/plan_internal.h"
#include "core/grow.h"

#include <limits.h>
#include <math.h>
#include <string.h>

typedef regio__plan_tour tour;
typedef regio__plan_rctx rctx;

int regio__plan_blocked(const rctx *c, int a, int day0)
{
    return regio_plan_dayset_has(&c->rep->days_off, day0 + 1) ||
           regio_plan_dayset_has(&regio__plan_acc(c, a)->closed_days, day0 + 1);
}

regio_err regio__plan_tour_reserve(tour *t, int n)
{
    if (n <= t->cap)
        return REGIO_OK;
    size_t cap = (size_t)t->cap;
    if (regio__grow(&t->s, &cap, (size_t)n, sizeof *t->s) || cap > INT_MAX)
        return REGIO_ENOMEM;
    t->cap = (int)cap;
    return REGIO_OK;
}

double regio__plan_path_travel(const rctx *c, int from, int to, const int *s, int n)
{
    if (n == 0)
        return from == to ? 0 : regio__plan_dur(c, from, to);
    double t = regio__plan_dur(c, from, s[0]) + regio__plan_dur(c, s[n - 1], to);
    for (int i = 0; i + 1 < n; i++)
        t += regio__plan_dur(c, s[i], s[i + 1]);
    return t;
}

double regio__plan_tour_travel(const rctx *c, const tour *t)
{
    return regio__plan_path_travel(c, t->from, t->to, t->s, t->n);
}

/* Cheapest insertion of a into t: delta travel and position. */
double regio__plan_ins_delta(const rctx *c, const tour *t, int a, int *pos)
{
    if (t->n == 0) {
        *pos = 0;
        return regio__plan_dur(c, t->from, a) + regio__plan_dur(c, a, t->to) -
               (t->from == t->to ? 0 : regio__plan_dur(c, t->from, t->to));
    }
    double best = INFINITY;
    int bp = 0;
    for (int p = 0; p <= t->n; p++) {
        int pr = p == 0 ? t->from : t->s[p - 1];
        int nx = p == t->n ? t->to : t->s[p];
        double d = regio__plan_dur(c, pr, a) + regio__plan_dur(c, a, nx) - regio__plan_dur(c, pr, nx);
        if (d < best) {
            best = d;
            bp = p;
        }
    }
    *pos = bp;
    return best;
}

int regio__plan_tour_find(const tour *t, int a)
{
    for (int i = 0; i < t->n; i++)
        if (t->s[i] == a)
            return i;
    return -1;
}

/* Travel saved by removing the stop at index i. */
double regio__plan_rem_gain(const rctx *c, const tour *t, int i)
{
    int pr = i == 0 ? t->from : t->s[i - 1];
    int nx = i == t->n - 1 ? t->to : t->s[i + 1];
    return regio__plan_dur(c, pr, t->s[i]) + regio__plan_dur(c, t->s[i], nx) -
           (pr == nx ? 0 : regio__plan_dur(c, pr, nx));
}

regio_err regio__plan_tour_insert(const rctx *c, tour *t, int a)
{
    int pos;
    double d = regio__plan_ins_delta(c, t, a, &pos);
    regio_err rc = regio__plan_tour_reserve(t, t->n + 1);
    if (rc)
        return rc;
    memmove(t->s + pos + 1, t->s + pos, (size_t)(t->n - pos) * sizeof *t->s);
    t->s[pos] = a;
    t->n++;
    t->travel += d;
    t->call += regio__plan_acc(c, a)->call_s;
    return REGIO_OK;
}

void regio__plan_tour_remove(const rctx *c, tour *t, int a)
{
    int i = regio__plan_tour_find(t, a);
    if (i < 0)
        return;
    t->travel -= regio__plan_rem_gain(c, t, i);
    t->call -= regio__plan_acc(c, a)->call_s;
    memmove(t->s + i, t->s + i + 1, (size_t)(t->n - i - 1) * sizeof *t->s);
    t->n--;
    if (t->n == 0) {
        t->travel = regio__plan_path_travel(c, t->from, t->to, t->s, 0);
        t->call = 0;
    }
}

/* 2-opt and Or-opt (segments of 1-3) descent on one tour, with the home
 * as a fixed node at both ends. Durations are symmetric (haversine). */
void regio__plan_tour_improve(const rctx *c, tour *t, int *scratch)
{
    int n = t->n;
    if (n < 3) {
        t->travel = regio__plan_tour_travel(c, t);
        return;
    }
    /* work on a sequence with the day's anchors at 0 and n+1 */
    int *q = scratch;
    q[0] = t->from;
    memcpy(q + 1, t->s, (size_t)n * sizeof *q);
    q[n + 1] = t->to;
    int improved = 1, guard = 0;
    while (improved && guard++ < 100) {
        improved = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 2; j <= n; j++) {
                double d = regio__plan_dur(c, q[i], q[j]) + regio__plan_dur(c, q[i + 1], q[j + 1]) -
                           regio__plan_dur(c, q[i], q[i + 1]) - regio__plan_dur(c, q[j], q[j + 1]);
                if (d < -1e-7) {
                    for (int a = i + 1, b = j; a < b; a++, b--) {
                        int tmp = q[a];
                        q[a] = q[b];
                        q[b] = tmp;
                    }
                    improved = 1;
                }
            }
        }
        for (int len = 1; len <= 3; len++) {
            for (int i = 1; i + len - 1 <= n; i++) {
                int e = i + len - 1; /* segment q[i..e] */
                double rm = regio__plan_dur(c, q[i - 1], q[i]) + regio__plan_dur(c, q[e], q[e + 1]) -
                            regio__plan_dur(c, q[i - 1], q[e + 1]);
                for (int j = 0; j <= n; j++) {
                    if (j >= i - 1 && j <= e)
                        continue;
                    /* insert between q[j] and q[j+1], either orientation */
                    double base = regio__plan_dur(c, q[j], q[j + 1]);
                    double fwd = regio__plan_dur(c, q[j], q[i]) + regio__plan_dur(c, q[e], q[j + 1]) - base;
                    double rev = regio__plan_dur(c, q[j], q[e]) + regio__plan_dur(c, q[i], q[j + 1]) - base;
                    double add = fwd < rev ? fwd : rev;
                    if (add - rm < -1e-7) {
                        int seg[3];
                        for (int k = 0; k < len; k++)
                            seg[k] = rev < fwd ? q[e - k] : q[i + k];
                        if (j < i) {
                            memmove(q + j + 1 + len, q + j + 1, (size_t)(i - j - 1) * sizeof *q);
                            memcpy(q + j + 1, seg, (size_t)len * sizeof *q);
                        } else {
                            memmove(q + i, q + e + 1, (size_t)(j - e) * sizeof *q);
                            memcpy(q + j - len + 1, seg, (size_t)len * sizeof *q);
                        }
                        improved = 1;
                        break;
                    }
                }
            }
        }
    }
    memcpy(t->s, q + 1, (size_t)n * sizeof *q);
    t->travel = regio__plan_tour_travel(c, t);
}

/* ---- exact schedules (windows, day end) -------------------------------- */

/* Earliest-start schedule of seq (local indices), leaving from at
 * day_start and ending at to. Returns 1 when every window and the day end
 * hold. */
int regio__plan_seq_feasible(const rctx *c, int from, int to, const int *s, int n,
                             double *end_out)
{
    double t = c->rep->day_start_s;
    int prev = from;
    for (int i = 0; i < n; i++) {
        const regio_plan_account *ac = regio__plan_acc(c, s[i]);
        t += regio__plan_dur(c, prev, s[i]);
        if (ac->has_window) {
            if (t < ac->tw_start_s)
                t = ac->tw_start_s;
            if (t > ac->tw_end_s + 1e-6)
                return 0;
        }
        t += ac->call_s;
        prev = s[i];
    }
    if (prev != to)
        t += regio__plan_dur(c, prev, to);
    if (end_out)
        *end_out = t;
    return t <= c->rep->day_end_s + 1e-6;
}

/* Cheapest feasible insertion of a into the routed day t; -1 if none. */
int regio__plan_feasible_insert_pos(const rctx *c, const tour *t, int a, int *scratch,
                               double *delta)
{
    int best = -1;
    double bd = INFINITY;
    for (int p = 0; p <= t->n; p++) {
        int pr = p == 0 ? t->from : t->s[p - 1];
        int nx = p == t->n ? t->to : t->s[p];
        double d = regio__plan_dur(c, pr, a) + regio__plan_dur(c, a, nx) -
                   (pr == nx ? 0 : regio__plan_dur(c, pr, nx));
        if (d >= bd)
            continue;
        memcpy(scratch, t->s, (size_t)p * sizeof *scratch);
        scratch[p] = a;
        memcpy(scratch + p + 1, t->s + p, (size_t)(t->n - p) * sizeof *scratch);
        if (regio__plan_seq_feasible(c, t->from, t->to, scratch, t->n + 1, NULL)) {
            bd = d;
            best = p;
        }
    }
    *delta = bd;
    return best;
}

regio_err regio__plan_tour_insert_at(const rctx *c, tour *t, int a, int p)
{
    regio_err rc = regio__plan_tour_reserve(t, t->n + 1);
    if (rc)
        return rc;
    memmove(t->s + p + 1, t->s + p, (size_t)(t->n - p) * sizeof *t->s);
    t->s[p] = a;
    t->n++;
    t->travel = regio__plan_tour_travel(c, t);
    t->call += regio__plan_acc(c, a)->call_s;
    return REGIO_OK;
}
