/*
 * Design metrics exactly as defined in docs/METRICS.md: totals and
 * deviations, balance, travel to the weighted medoid (or rep home),
 * contiguity in G', fairness (CV, Gini, within 5 % / 15 %), disruption and
 * district diameters. Independent of the optimiser: it backs
 * `regio report` for any labelling.
 *
 * Method: one pass for totals; per territory an exact weighted medoid
 * (candidates from the weighted mean outwards, partial sums abandoned once
 * above the best: worst case O(s^2), typically near O(s log s) for a
 * territory of s units), a BFS for connectivity (O(n + edges)) and an exact
 * diameter pruned by the triangle inequality around a reference unit.
 * Great-circle distances use the chord of unit vectors, which is the
 * haversine formula in another form (chord/2 = sqrt(hav)).
 */
#include "design/design_internal.h"
#include "design/eval_memo.h"

#include "regio/geo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void regio__design_point(regio_coords coords, double x, double y, double out[3])
{
    if (coords == REGIO_COORDS_PLANAR) {
        out[0] = x;
        out[1] = y;
        out[2] = 0.0;
        return;
    }
    regio__unit_vector(y, x, out);
}

double regio_design_distance(regio_coords coords, double x1, double y1,
                             double x2, double y2)
{
    if (coords == REGIO_COORDS_PLANAR)
        return hypot(x2 - x1, y2 - y1);
    return regio_haversine_km(y1, x1, y2, x2);
}

void regio_design_params_init(regio_design_params *p)
{
    memset(p, 0, sizeof *p);
    p->k = 1;
    p->tolerance = REGIO_DESIGN_DEFAULT_TOLERANCE;
    p->travel_col = REGIO_DESIGN_TRAVEL_DEFAULT;
    p->objective = REGIO_DESIGN_MIN_TRAVEL;
    p->seed = 1;
}

double regio_design_tolerance_of(const regio_design_params *p, size_t i)
{
    if (p->tolerances && i < (p->balance_cols ? p->n_balance : 1) && p->tolerances[i] > 0)
        return p->tolerances[i];
    if (p->index_weights)
        return 0;
    return p->tolerance > 0 ? p->tolerance : REGIO_DESIGN_DEFAULT_TOLERANCE;
}

/* Orders positions by (key, position): 1 when pos a comes after pos b. */
static inline int after(const double *key, int a, int b)
{
    return key[a] > key[b] || (key[a] == key[b] && a > b);
}

/* Sorts pos[0..cnt) (positions into key[]) ascending by key, ties by
 * position: insertion sort for short inputs, heapsort otherwise — in
 * place, without globals, so concurrent designs are safe. */
static void sort_positions(int *pos, size_t cnt, const double *key)
{
    if (cnt < 24) {
        for (size_t a = 1; a < cnt; a++) {
            int v = pos[a];
            size_t b = a;
            while (b > 0 && after(key, pos[b - 1], v)) {
                pos[b] = pos[b - 1];
                b--;
            }
            pos[b] = v;
        }
        return;
    }
    for (size_t start = cnt / 2; start-- > 0;) {
        size_t r = start;
        for (;;) {
            size_t c = 2 * r + 1;
            if (c >= cnt)
                break;
            if (c + 1 < cnt && after(key, pos[c + 1], pos[c]))
                c++;
            if (!after(key, pos[c], pos[r]))
                break;
            int t = pos[r];
            pos[r] = pos[c];
            pos[c] = t;
            r = c;
        }
    }
    for (size_t end = cnt - 1; end > 0; end--) {
        int t = pos[0];
        pos[0] = pos[end];
        pos[end] = t;
        size_t r = 0;
        for (;;) {
            size_t c = 2 * r + 1;
            if (c >= end)
                break;
            if (c + 1 < end && after(key, pos[c + 1], pos[c]))
                c++;
            if (!after(key, pos[c], pos[r]))
                break;
            int u = pos[r];
            pos[r] = pos[c];
            pos[c] = u;
            r = c;
        }
    }
}

size_t regio__medoid(int planar, const double *pts, const double *w,
                     const int *idx, size_t cnt, double *cost,
                     double *scratch_d, int *scratch_i)
{
    if (cnt <= 1) {
        *cost = 0.0;
        return 0;
    }
    /* Weighted mean point; its nearest members are likely medoids. */
    double mx = 0, my = 0, mz = 0, ws = 0;
    for (size_t a = 0; a < cnt; a++) {
        const double *q = pts + 3 * (size_t)idx[a];
        double wi = w ? w[idx[a]] : 1.0;
        mx += wi * q[0];
        my += wi * q[1];
        mz += wi * q[2];
        ws += wi;
    }
    if (ws <= 0) {
        /* All weights zero: every member costs 0; the first one wins. */
        *cost = 0.0;
        return 0;
    }
    double mean[3] = {mx / ws, my / ws, mz / ws};
    for (size_t a = 0; a < cnt; a++) {
        scratch_d[a] = regio__chord(pts + 3 * (size_t)idx[a], mean);
        scratch_i[a] = (int)a;
    }
    sort_positions(scratch_i, cnt, scratch_d);
    double best = INFINITY;
    size_t best_a = 0;
    /* Lower bound: sum_b w_b d(b, c) >= sum_b w_b |b - c| >= ws |mean - c|
     * (chords are Euclidean in R^3 and a great-circle distance is at
     * least R times its chord), so once ws |mean - c| reaches the best
     * cost no farther candidate can win. */
    double lbf = planar ? ws : ws * REGIO_EARTH_RADIUS_KM;
    for (size_t r = 0; r < cnt; r++) {
        size_t a = (size_t)scratch_i[r];
        if (lbf * scratch_d[a] > best * (1.0 + 1e-9))
            break;
        const double *c = pts + 3 * (size_t)idx[a];
        double s = 0.0;
        size_t b;
        for (b = 0; b < cnt; b++) {
            double wi = w ? w[idx[b]] : 1.0;
            if (wi == 0.0)
                continue;
            s += wi * regio__pdist(planar, pts + 3 * (size_t)idx[b], c);
            if (s >= best)
                break;
        }
        if (b == cnt && s < best) {
            best = s;
            best_a = a;
        }
    }
    *cost = best;
    return best_a;
}

double regio__diameter(int planar, const double *pts, const int *idx,
                       size_t cnt, double *scratch_d, int *scratch_i)
{
    if (cnt < 2)
        return 0.0;
    /* Distances to a reference member r bound every pair: d(i,j) <=
     * d(i,r) + d(r,j). Visit members farthest first and stop a row as soon
     * as the bound cannot beat the best pair found. */
    const double *ref = pts + 3 * (size_t)idx[0];
    for (size_t a = 0; a < cnt; a++) {
        scratch_d[a] = -regio__pdist(planar, pts + 3 * (size_t)idx[a], ref);
        scratch_i[a] = (int)a;
    }
    sort_positions(scratch_i, cnt, scratch_d);
    double best = 0.0;
    for (size_t r = 0; r < cnt; r++) {
        size_t a = (size_t)scratch_i[r];
        double ra = -scratch_d[a];
        if (ra + (-scratch_d[scratch_i[0]]) <= best)
            break;
        for (size_t q = r + 1; q < cnt; q++) {
            size_t b = (size_t)scratch_i[q];
            if (ra + (-scratch_d[b]) <= best)
                break;
            double d = regio__pdist(planar, pts + 3 * (size_t)idx[a],
                                    pts + 3 * (size_t)idx[b]);
            if (d > best)
                best = d;
        }
    }
    return best;
}

void regio_design_report_free(regio_design_report *r)
{
    if (!r)
        return;
    if (r->territories) {
        for (int t = 0; t < r->k; t++) {
            regio_free(r->territories[t].totals);
            regio_free(r->territories[t].target);
            regio_free(r->territories[t].dev);
        }
    }
    regio_free(r->territories);
    regio_free(r->balance);
    regio_free(r->cv);
    regio_free(r->gini);
    regio_free(r->within5);
    regio_free(r->within15);
    memset(r, 0, sizeof *r);
}

#define fail(err, code, msg) regio_error_setf((err), (code), NULL, 0, NULL, "%s", (msg))

/* Resolves the travel weight column: >= 0 a measure, -2 uniform. */
int regio__design_travel_col(const regio_design_params *p)
{
    if (!p)
        return 0;
    if (p->travel_col >= 0 || p->travel_col == REGIO_DESIGN_TRAVEL_UNIFORM)
        return p->travel_col;
    if (p->balance_cols && p->n_balance > 0)
        return p->balance_cols[0];
    return 0;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

void regio__eval_memo_free(regio__eval_memo *memo)
{
    if (!memo)
        return;
    regio_free(memo->pts);
    regio_free(memo->cost);
    regio_free(memo->sorted);
    regio_free(memo->labels);
    regio_free(memo->w);
    regio_free(memo->tot);
    regio_free(memo->adj);
    regio_free(memo->absdev);
    regio_free(memo->share);
    regio_free(memo->colsum);
    regio_free(memo->seen);
    memset(memo, 0, sizeof *memo);
}

regio_err regio_design_evaluate(const regio_design_input *in,
                                const regio_design_params *params,
                                const int *labels, regio_design_report *out,
                                regio_error *err)
{
    return regio__design_evaluate_memo(in, params, labels, NULL, out, NULL, err);
}

/* Position of the first of sorted[0..k) not below x. */
static size_t lower_bound(const double *sorted, size_t k, double x)
{
    size_t lo = 0, hi = k;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Brings one measure's ascending territory totals from the old totals to
 * the new: each changed total leaves its place and enters its new one,
 * O(k) a change; 0 when an old total is not where it should be (the memo
 * does not belong to these totals), and the caller sorts again. */
static int resort_changed(double *sorted, int k, size_t m, size_t c, const double *old,
                          const double *tot, const int *which, int n_which)
{
    for (int j = 0; j < n_which; j++) {
        int t = which[j];
        double a = old[(size_t)j * m + c], b = tot[(size_t)t * m + c];
        if (memcmp(&a, &b, sizeof a) == 0)
            continue;
        size_t i = lower_bound(sorted, (size_t)k, a);
        if (i >= (size_t)k || sorted[i] != a)
            return 0;
        memmove(sorted + i, sorted + i + 1, ((size_t)k - 1 - i) * sizeof *sorted);
        size_t at = lower_bound(sorted, (size_t)k - 1, b);
        memmove(sorted + at + 1, sorted + at, ((size_t)k - 1 - at) * sizeof *sorted);
        sorted[at] = b;
    }
    return 1;
}

/* Fills what the memo keeps beyond the points, costs and sorted totals
 * from a whole evaluation just made; 0, or -1 out of memory. */
static int memo_keep(regio__eval_memo *memo, const regio_design_input *in,
                     const regio_design_params *params, const int *labels,
                     const regio_design_report *out, const double *share, const double *colsum,
                     const double *w_aligned, double wsum, int tcol)
{
    size_t n = in->n, m = in->m, k = (size_t)out->k;
    if ((!memo->labels && !(memo->labels = regio_malloc(n * sizeof *memo->labels))) ||
        (!memo->w && !(memo->w = regio_malloc(n * sizeof *memo->w))) ||
        (!memo->tot && !(memo->tot = regio_malloc(k * m * sizeof *memo->tot))) ||
        (!memo->adj && !(memo->adj = regio_malloc(k * m * sizeof *memo->adj))) ||
        (!memo->absdev && !(memo->absdev = regio_malloc(k * m * sizeof *memo->absdev))) ||
        (!memo->share && !(memo->share = regio_malloc(k * sizeof *memo->share))) ||
        (!memo->colsum && !(memo->colsum = regio_malloc(m * sizeof *memo->colsum))) ||
        (!memo->seen && !(memo->seen = regio_calloc(n, sizeof *memo->seen))))
        return -1;
    (void)w_aligned;
    memcpy(memo->labels, labels, n * sizeof *labels);
    for (size_t i = 0; i < n; i++)
        memo->w[i] = tcol >= 0 ? in->measures[i * m + (size_t)tcol] : 1.0;
    for (size_t t = 0; t < k; t++)
        for (size_t c = 0; c < m; c++) {
            memo->tot[t * m + c] = out->territories[t].totals[c];
            memo->absdev[t * m + c] = fabs(out->territories[t].dev[c]);
            memo->adj[t * m + c] =
                params && params->measure_adjust ? params->measure_adjust[t * m + c] : 0.0;
        }
    memcpy(memo->share, share, k * sizeof *share);
    memcpy(memo->colsum, colsum, m * sizeof *colsum);
    memo->wsum = wsum;
    return 0;
}

/* The moves against params->baseline (w: the units' travel weights). */
static void baseline_figures(regio_design_report *out, const regio_design_params *params,
                             const int *labels, size_t n, const double *w, double wsum)
{
    if (!params || !params->baseline)
        return;
    out->has_baseline = 1;
    double wm = 0;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] >= 0 && params->baseline[i] != labels[i]) {
            out->moved_units++;
            wm += w[i];
        }
    }
    out->moved_units_share = (double)out->moved_units / (double)n;
    out->moved_weight_share = wsum > 0 ? wm / wsum : 0.0;
}

/* The fairness figures of measure c from the territories' totals (tot,
 * k x m), their |deviations| and the totals in ascending order: the same
 * sums, in the same order, as a whole evaluation. */
static void fairness(regio_design_report *out, int k, size_t m, size_t c, const double *tot,
                     const double *absdev, const double *srt)
{
    double mean = 0, var = 0, mad = 0;
    int in5 = 0, in15 = 0;
    for (int t = 0; t < k; t++)
        mean += tot[(size_t)t * m + c];
    mean /= k;
    /* The sum of |a_t - a_u| over all ordered pairs, from the totals in
     * ascending order: the i-th smallest exceeds i others and is exceeded
     * by k - 1 - i, so it adds 2 (2i - k + 1) times itself — O(k log k),
     * where the pairs themselves took seconds at 50,000 territories. */
    for (int i = 0; i < k; i++)
        mad += 2.0 * (2.0 * i - k + 1) * srt[i];
    for (int t = 0; t < k; t++) {
        double a = tot[(size_t)t * m + c];
        var += (a - mean) * (a - mean);
        double dv = absdev[(size_t)t * m + c];
        if (dv <= 0.05 + 1e-12)
            in5++;
        if (dv <= 0.15 + 1e-12)
            in15++;
    }
    var /= k;
    out->cv[c] = mean > 0 ? sqrt(var) / mean : 0.0;
    out->gini[c] = mean > 0 ? mad / (2.0 * (double)k * (double)k * mean) : 0.0;
    out->within5[c] = (double)in5 / k;
    out->within15[c] = (double)in15 / k;
}

/*
 * The update of regio__design_evaluate_memo: the units whose label
 * differs from the memo's say which territories changed (bit 1: their
 * units, so their centre, travel, diameter and components; bit 2: their
 * totals, also set by a changed measure_adjust). Everything is computed
 * as a whole evaluation computes it, in the same order, from the memo's
 * contiguous arrays for the territories that did not change.
 */
static regio_err fast_update(const regio_design_input *in, const regio_design_params *params,
                             const int *labels, regio_design_report *out, regio__eval_memo *memo,
                             regio_error *err)
{
    size_t n = in->n, m = in->m;
    int k = out->k;
    int planar = in->coords == REGIO_COORDS_PLANAR;
    int homes = params && params->home_x && params->home_y;
    const double *adj = params ? params->measure_adjust : NULL;
    regio_err rc = REGIO_ENOMEM;
    unsigned char *f = regio_calloc((size_t)k, 1);
    int *which = regio_malloc((size_t)k * sizeof *which);
    size_t *start = NULL;
    int *members = NULL, *slot = NULL, *queue = NULL, *si = NULL;
    double *old = NULL, *sd = NULL;
    if (!f || !which)
        goto done;
    int aligned_changed = 0, adj_changed = 0;
    for (size_t i = 0; i < n; i++) {
        int a = memo->labels[i], b = labels[i];
        if (a == b)
            continue;
        if (a >= 0)
            f[a] |= 3;
        if (b >= 0)
            f[b] |= 3;
        if ((a < 0) != (b < 0))
            aligned_changed = 1;
    }
    for (int t = 0; t < k; t++)
        for (size_t c = 0; c < m; c++) {
            double d = adj ? adj[(size_t)t * m + c] : 0.0;
            if (memcmp(&d, &memo->adj[(size_t)t * m + c], sizeof d) != 0) {
                f[t] |= 2;
                adj_changed = 1;
            }
        }
    int n_which = 0, n_moved = 0;
    for (int t = 0; t < k; t++)
        if (f[t]) {
            which[n_which++] = t;
            n_moved += f[t] & 1;
        }
    /* Old totals of the territories that change, for the sorted totals. */
    if (!(old = regio_malloc(((size_t)n_which + 1) * m * sizeof *old)) ||
        !(slot = regio_malloc((size_t)k * sizeof *slot)) ||
        !(start = regio_calloc((size_t)n_which + 2, sizeof *start)))
        goto done;
    for (int j = 0; j < n_which; j++) {
        int t = which[j];
        slot[t] = j;
        memcpy(old + (size_t)j * m, memo->tot + (size_t)t * m, m * sizeof *old);
        if (f[t] & 2)
            memset(memo->tot + (size_t)t * m, 0, m * sizeof *memo->tot);
    }
    /* Totals and units of the changed territories, in unit order. */
    size_t n_members = 0;
    for (size_t i = 0; i < n; i++) {
        int t = labels[i];
        if (t < 0 || !f[t])
            continue;
        if (f[t] & 2)
            for (size_t c = 0; c < m; c++)
                memo->tot[(size_t)t * m + c] += in->measures[i * m + c];
        if (f[t] & 1) {
            start[slot[t] + 2]++;
            n_members++;
        }
    }
    for (int j = 0; j < n_which; j++) {
        int t = which[j];
        if (f[t] & 2)
            for (size_t c = 0; c < m; c++) {
                double d = adj ? adj[(size_t)t * m + c] : 0.0;
                memo->tot[(size_t)t * m + c] += d;
                memo->adj[(size_t)t * m + c] = d;
            }
        start[j + 2] += start[j + 1];
    }
    if (!(members = regio_malloc((n_members + 1) * sizeof *members)) ||
        !(queue = regio_malloc((n_members + 1) * sizeof *queue)) ||
        !(sd = regio_malloc((n_members + 1) * sizeof *sd)) ||
        !(si = regio_malloc((n_members + 1) * sizeof *si)))
        goto done;
    for (size_t i = 0; i < n; i++) {
        int t = labels[i];
        if (t >= 0 && (f[t] & 1))
            members[start[slot[t] + 1]++] = (int)i;
    }
    /* start[j] .. start[j + 1]: the units of which[j]. */
    if (aligned_changed || adj_changed) {
        /* The column totals as a whole evaluation sums them. */
        for (size_t c = 0; c < m; c++)
            memo->colsum[c] = 0;
        for (size_t i = 0; i < n; i++)
            if (labels[i] >= 0)
                for (size_t c = 0; c < m; c++)
                    memo->colsum[c] += in->measures[i * m + c];
        for (int t = 0; t < k && adj; t++)
            for (size_t c = 0; c < m; c++)
                memo->colsum[c] += adj[(size_t)t * m + c];
    }
    if (aligned_changed) {
        memo->wsum = 0;
        out->n_unaligned = 0;
        for (size_t i = 0; i < n; i++) {
            if (labels[i] >= 0)
                memo->wsum += memo->w[i];
            else
                out->n_unaligned++;
        }
    }
    double wsum = memo->wsum;
    int all = aligned_changed || adj_changed; /* targets move with the column totals */
    for (int t = 0; t < k; t++) {
        if (!all && !(f[t] & 2))
            continue;
        regio_design_territory *T = &out->territories[t];
        for (size_t c = 0; c < m; c++) {
            T->totals[c] = memo->tot[(size_t)t * m + c];
            T->target[c] = memo->share[t] * memo->colsum[c];
            T->dev[c] = T->target[c] > 0 ? (T->totals[c] - T->target[c]) / T->target[c] : 0.0;
            memo->absdev[(size_t)t * m + c] = fabs(T->dev[c]);
        }
    }
    for (size_t c = 0; c < m; c++) {
        double b = 0;
        for (int t = 0; t < k; t++)
            if (memo->absdev[(size_t)t * m + c] > b)
                b = memo->absdev[(size_t)t * m + c];
        out->balance[c] = b;
    }
    /* Centres, travel, diameters and components of the territories whose
     * units changed. */
    for (int j = 0; j < n_which; j++) {
        int t = which[j];
        if (!(f[t] & 1))
            continue;
        regio_design_territory *T = &out->territories[t];
        const int *idx = members + start[j];
        size_t cnt = start[j + 1] - start[j];
        double cost = 0;
        T->centre = -1;
        if (homes) {
            double h[3];
            regio__design_point(in->coords, params->home_x[t], params->home_y[t], h);
            for (size_t a = 0; a < cnt; a++)
                cost += memo->w[idx[a]] * regio__pdist(planar, memo->pts + 3 * (size_t)idx[a], h);
        } else if (cnt > 0) {
            size_t a = regio__medoid(planar, memo->pts, memo->w, idx, cnt, &cost, sd, si);
            T->centre = idx[a];
        }
        memo->cost[t] = cost;
        T->n_units = cnt;
        T->diameter = regio__diameter(planar, memo->pts, idx, cnt, sd, si);
        /* Components: a search from each unit not yet reached. */
        if (++memo->mark == 0) {
            memset(memo->seen, 0, n * sizeof *memo->seen);
            memo->mark = 1;
        }
        T->n_components = 0;
        for (size_t a = 0; a < cnt; a++) {
            int s0 = idx[a];
            if (memo->seen[s0] == memo->mark)
                continue;
            size_t head = 0, tail = 0;
            queue[tail++] = s0;
            memo->seen[s0] = memo->mark;
            while (head < tail) {
                int u = queue[head++];
                for (int e = in->xadj[u]; e < in->xadj[u + 1]; e++) {
                    int v = in->adjncy[e];
                    if (v >= 0 && (size_t)v < n && labels[v] == t && memo->seen[v] != memo->mark) {
                        memo->seen[v] = memo->mark;
                        queue[tail++] = v;
                    }
                }
            }
            T->n_components++;
        }
        T->contiguous = T->n_components == 1;
    }
    double travel = 0;
    out->max_diameter = 0;
    out->n_noncontiguous = 0;
    out->n_empty = 0;
    for (int t = 0; t < k; t++) {
        regio_design_territory *T = &out->territories[t];
        travel += memo->cost[t];
        if (aligned_changed || (f[t] & 1))
            T->travel_km = wsum > 0 ? memo->cost[t] / wsum : 0.0;
        if (T->diameter > out->max_diameter)
            out->max_diameter = T->diameter;
        if (!T->contiguous)
            out->n_noncontiguous++;
        if (T->n_units == 0)
            out->n_empty++;
    }
    out->travel_km = wsum > 0 ? travel / wsum : 0.0;
    for (size_t c = 0; c < m; c++) {
        double *srt = memo->sorted + c * (size_t)k;
        if (!resort_changed(srt, k, m, c, old, memo->tot, which, n_which)) {
            for (int t = 0; t < k; t++)
                srt[t] = memo->tot[(size_t)t * m + c];
            qsort(srt, (size_t)k, sizeof *srt, cmp_double);
        }
        fairness(out, k, m, c, memo->tot, memo->absdev, srt);
    }
    out->has_baseline = 0;
    out->moved_units = 0;
    out->moved_units_share = out->moved_weight_share = 0;
    baseline_figures(out, params, labels, n, memo->w, wsum);
    for (size_t i = 0; i < n; i++)
        memo->labels[i] = labels[i];
    (void)n_moved;
    rc = REGIO_OK;
done:
    if (rc != REGIO_OK) {
        fail(err, REGIO_ENOMEM, "out of memory in design evaluate");
        regio_design_report_free(out);
        memo->valid = 0;
    }
    regio_free(f);
    regio_free(which);
    regio_free(old);
    regio_free(slot);
    regio_free(start);
    regio_free(members);
    regio_free(queue);
    regio_free(sd);
    regio_free(si);
    return rc;
}

regio_err regio__design_evaluate_memo(const regio_design_input *in,
                                      const regio_design_params *params, const int *labels,
                                      const unsigned char *changed, regio_design_report *out,
                                      regio__eval_memo *memo, regio_error *err)
{
    if (!in || !labels || !out || in->n == 0 || in->m == 0 || !in->x ||
        !in->y || !in->measures || !in->xadj || !in->adjncy)
        return fail(err, REGIO_EINVAL, "design evaluate: missing input");
    size_t n = in->n, m = in->m;
    int k;
    if (params && params->k >= 1) {
        k = params->k;
    } else {
        k = 0;
        for (size_t i = 0; i < n; i++)
            if (labels[i] + 1 > k)
                k = labels[i] + 1;
    }
    int partial = params && params->allow_unaligned;
    for (size_t i = 0; i < n; i++) {
        if (partial && labels[i] == -1)
            continue; /* unaligned: in no territory */
        if (labels[i] < 0 || labels[i] >= k) {
            char msg[160];
            snprintf(msg, sizeof msg,
                     "label %d of unit %zu is outside 0..%d", labels[i], i,
                     k - 1);
            return fail(err, REGIO_EINVAL, msg);
        }
    }
    int tcol = regio__design_travel_col(params);
    if (tcol >= (int)m)
        return fail(err, REGIO_EINVAL, "travel column out of range");
    int planar = in->coords == REGIO_COORDS_PLANAR;
    int homes = params && params->home_x && params->home_y;
    /* Only the territories whose units changed are measured again when
     * the memo holds the last evaluation of this input and these
     * parameters (the caller's promise) and out is that evaluation. */
    if (memo && (!memo->valid || memo->n != n || memo->m != m || memo->k != k)) {
        regio__eval_memo_free(memo);
        changed = NULL;
    }
    if (changed && memo && out->territories && out->k == k && out->m == m)
        return fast_update(in, params, labels, out, memo, err);
    if (out->territories && memo) /* the caller's report of an earlier evaluation */
        regio_design_report_free(out);
    memset(out, 0, sizeof *out);
    if (memo)
        memo->valid = 0; /* until this evaluation is complete */

    regio_err rc = REGIO_ENOMEM;
    int own_pts = !(memo && memo->pts);
    double *pts = own_pts ? regio_malloc(3 * n * sizeof *pts) : memo->pts;
    double *w = regio_malloc(n * sizeof *w);
    double *share = regio_malloc((size_t)k * sizeof *share);
    double *colsum = regio_calloc(m, sizeof *colsum);
    size_t *start = regio_calloc((size_t)k + 1, sizeof *start);
    int *members = regio_malloc(n * sizeof *members);
    double *sd = regio_malloc(n * sizeof *sd);
    int *si = regio_malloc(n * sizeof *si);
    int *queue = regio_malloc(n * sizeof *queue);
    int *comp = regio_malloc(n * sizeof *comp);
    if (memo && !memo->cost)
        memo->cost = regio_malloc((size_t)k * sizeof *memo->cost);
    if (memo && !memo->sorted)
        memo->sorted = regio_malloc((size_t)k * m * sizeof *memo->sorted);
    out->k = k;
    out->m = m;
    out->territories = regio_calloc((size_t)k, sizeof *out->territories);
    out->balance = regio_calloc(m, sizeof(double));
    out->cv = regio_calloc(m, sizeof(double));
    out->gini = regio_calloc(m, sizeof(double));
    out->within5 = regio_calloc(m, sizeof(double));
    out->within15 = regio_calloc(m, sizeof(double));
    if (!pts || !w || !share || !colsum || !start || !members || !sd || !si ||
        !queue || !comp || !out->territories || !out->balance || !out->cv ||
        !out->gini || !out->within5 || !out->within15 ||
        (memo && (!memo->cost || !memo->sorted)))
        goto done;
    for (int t = 0; t < k; t++) {
        regio_design_territory *T = &out->territories[t];
        T->totals = regio_calloc(m, sizeof(double));
        T->target = regio_calloc(m, sizeof(double));
        T->dev = regio_calloc(m, sizeof(double));
        T->centre = -1;
        if (!T->totals || !T->target || !T->dev)
            goto done;
    }

    /* Targets: share_t * column total. */
    double ssum = 0;
    for (int t = 0; t < k; t++) {
        share[t] = params && params->target_shares ? params->target_shares[t]
                                                   : 1.0;
        if (!(share[t] >= 0)) {
            rc = fail(err, REGIO_EINVAL, "target shares must be >= 0");
            goto done;
        }
        ssum += share[t];
    }
    if (!(ssum > 0)) {
        rc = fail(err, REGIO_EINVAL, "target shares sum to zero");
        goto done;
    }
    for (int t = 0; t < k; t++)
        share[t] /= ssum;

    for (size_t i = 0; i < n; i++) {
        if (own_pts)
            regio__design_point(in->coords, in->x[i], in->y[i], pts + 3 * i);
        w[i] = tcol >= 0 ? in->measures[i * m + (size_t)tcol] : 1.0;
        if (labels[i] < 0) {
            /* An unaligned unit weighs nothing and counts in no total. */
            w[i] = 0;
            out->n_unaligned++;
            continue;
        }
        regio_design_territory *T = &out->territories[labels[i]];
        T->n_units++;
        for (size_t c = 0; c < m; c++) {
            double a = in->measures[i * m + c];
            T->totals[c] += a;
            colsum[c] += a;
        }
    }
    /* Accounts moved by hand count in their new territory (measures only:
     * travel and contiguity stay unit-based). */
    if (params && params->measure_adjust)
        for (int t = 0; t < k; t++)
            for (size_t c = 0; c < m; c++) {
                double d = params->measure_adjust[(size_t)t * m + c];
                out->territories[t].totals[c] += d;
                colsum[c] += d;
            }
    double wsum = 0;
    for (size_t i = 0; i < n; i++)
        wsum += w[i];

    /* Bucket units by territory. */
    for (size_t i = 0; i < n; i++)
        if (labels[i] >= 0)
            start[labels[i] + 1]++;
    for (int t = 0; t < k; t++)
        start[t + 1] += start[t];
    {
        size_t *fill = regio_malloc((size_t)k * sizeof *fill);
        if (!fill)
            goto done;
        memcpy(fill, start, (size_t)k * sizeof *fill);
        for (size_t i = 0; i < n; i++)
            if (labels[i] >= 0)
                members[fill[labels[i]]++] = (int)i;
        regio_free(fill);
    }

    for (int t = 0; t < k; t++) {
        regio_design_territory *T = &out->territories[t];
        for (size_t c = 0; c < m; c++) {
            T->target[c] = share[t] * colsum[c];
            T->dev[c] = T->target[c] > 0
                            ? (T->totals[c] - T->target[c]) / T->target[c]
                            : 0.0;
            double a = fabs(T->dev[c]);
            if (a > out->balance[c])
                out->balance[c] = a;
        }
    }

    /* Centres, travel and diameters. */
    double travel = 0;
    for (int t = 0; t < k; t++) {
        regio_design_territory *T = &out->territories[t];
        const int *idx = members + start[t];
        size_t cnt = start[t + 1] - start[t];
        double cost = 0;
        if (homes) {
            double h[3];
            regio__design_point(in->coords, params->home_x[t],
                                params->home_y[t], h);
            for (size_t a = 0; a < cnt; a++)
                cost += w[idx[a]] * regio__pdist(planar, pts + 3 * (size_t)idx[a], h);
        } else if (cnt > 0) {
            size_t a = regio__medoid(planar, pts, w, idx, cnt, &cost, sd, si);
            T->centre = idx[a];
        }
        T->diameter = regio__diameter(planar, pts, idx, cnt, sd, si);
        if (memo)
            memo->cost[t] = cost;
        T->travel_km = wsum > 0 ? cost / wsum : 0.0;
        travel += cost;
        if (T->diameter > out->max_diameter)
            out->max_diameter = T->diameter;
    }
    out->travel_km = wsum > 0 ? travel / wsum : 0.0;

    /* Contiguity in G': components of each territory's induced subgraph. */
    for (size_t i = 0; i < n; i++)
        comp[i] = -1;
    for (size_t i = 0; i < n; i++) {
        if (comp[i] >= 0 || labels[i] < 0)
            continue;
        int t = labels[i];
        size_t head = 0, tail = 0;
        queue[tail++] = (int)i;
        comp[i] = (int)i;
        while (head < tail) {
            int u = queue[head++];
            for (int e = in->xadj[u]; e < in->xadj[u + 1]; e++) {
                int v = in->adjncy[e];
                if (v < 0 || (size_t)v >= n) {
                    rc = fail(err, REGIO_EINVAL, "adjacency index out of range");
                    goto done;
                }
                if (labels[v] == t && comp[v] < 0) {
                    comp[v] = (int)i;
                    queue[tail++] = v;
                }
            }
        }
        out->territories[t].n_components++;
    }
    for (int t = 0; t < k; t++) {
        regio_design_territory *T = &out->territories[t];
        T->contiguous = T->n_components == 1;
        if (!T->contiguous)
            out->n_noncontiguous++;
        if (T->n_units == 0)
            out->n_empty++;
    }

    /* Fairness over territory totals, per measure. The standard deviation
     * is the population one (divide by k); Gini is the mean absolute
     * difference over twice the mean. A tiny epsilon keeps shares that sit
     * exactly on 5 % / 15 % inside despite rounding. The totals and
     * |deviations| side by side, as the update keeps them (fairness()). */
    double *sorted = memo ? NULL : regio_malloc((size_t)k * sizeof *sorted);
    double *tot = regio_malloc((size_t)k * m * sizeof *tot);
    double *absd = regio_malloc((size_t)k * m * sizeof *absd);
    if ((!memo && !sorted) || !tot || !absd) {
        regio_free(sorted);
        regio_free(tot);
        regio_free(absd);
        goto done;
    }
    for (int t = 0; t < k; t++)
        for (size_t c = 0; c < m; c++) {
            tot[(size_t)t * m + c] = out->territories[t].totals[c];
            absd[(size_t)t * m + c] = fabs(out->territories[t].dev[c]);
        }
    for (size_t c = 0; c < m; c++) {
        double *srt = memo ? memo->sorted + c * (size_t)k : sorted;
        for (int t = 0; t < k; t++)
            srt[t] = tot[(size_t)t * m + c];
        qsort(srt, (size_t)k, sizeof *srt, cmp_double);
        fairness(out, k, m, c, tot, absd, srt);
    }
    regio_free(sorted);
    regio_free(tot);
    regio_free(absd);

    baseline_figures(out, params, labels, n, w, wsum);
    rc = REGIO_OK;
    if (memo && memo_keep(memo, in, params, labels, out, share, colsum, w, wsum, tcol))
        rc = REGIO_ENOMEM;
    if (memo && rc == REGIO_OK) {
        memo->n = n;
        memo->m = m;
        memo->k = k;
        memo->valid = 1;
        if (own_pts) {
            memo->pts = pts; /* kept for the next evaluation */
            pts = NULL;
        }
    }
done:
    if (rc != REGIO_OK) {
        if (rc == REGIO_ENOMEM)
            fail(err, REGIO_ENOMEM, "out of memory in design evaluate");
        regio_design_report_free(out);
    }
    if (own_pts)
        regio_free(pts);
    regio_free(w);
    regio_free(share);
    regio_free(colsum);
    regio_free(start);
    regio_free(members);
    regio_free(sd);
    regio_free(si);
    regio_free(queue);
    regio_free(comp);
    return rc;
}
