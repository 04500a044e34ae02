/*
 * Reps to territories: which rep takes which territory so that reps live
 * as near their territories as they can (regio/design.h). A territory's
 * distance from a home is the weighted mean distance from the home to its
 * units (docs/METRICS.md, "Home-to-territory distance"); the matching is a
 * minimum-cost rectangular assignment.
 *
 * Method: the Hungarian method in its shortest-augmenting-path form (Kuhn
 * 1955, Munkres 1957; the augmenting-path formulation of Jonker and
 * Volgenant 1987 without their initialisation heuristics). Rows are added
 * one at a time; each addition runs Dijkstra from the new row over the
 * reduced costs c(i,j) - u(i) - v(j) to the nearest free column, updates
 * the potentials u, v and flips the path.
 * Invariants: every reduced cost is >= 0 and every matched pair's is 0;
 * v(j) <= 0 and a column never matched keeps v(j) = 0. At the end sum u +
 * sum v equals the cost of the matching and is a feasible value of the
 * dual, so the matching is optimal (LP duality).
 * Complexity: O(n^2 m) time for n rows <= m columns (the matrix is
 * transposed when it has more rows), O(n m) memory for the transpose only.
 * Ties: columns are scanned in index order and the first of equal
 * distances wins, so the same input gives the same matching.
 * Beyond 2^24 rep x territory pairs the distances are not all computed:
 * candidates nearest each territory, taken greedily, the rest exactly
 * (match_sparse).
 */
#include "design/design_internal.h"

#include "regio/format.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---- the assignment ------------------------------------------------------------ */

/* Solves n <= m rows x columns, c row-major n x m: row_col[n] (all set). */
static regio_err solve_wide(int n, int m, const double *c, int *row_col)
{
    double *u = regio_malloc((size_t)n * sizeof *u);
    double *v = regio_calloc((size_t)m, sizeof *v);
    double *d = regio_malloc((size_t)m * sizeof *d);
    int *col_row = regio_malloc((size_t)m * sizeof *col_row);
    int *pred = regio_malloc((size_t)m * sizeof *pred);
    int *order = regio_malloc((size_t)m * sizeof *order);
    unsigned char *done = regio_malloc((size_t)m);
    regio_err rc = REGIO_ENOMEM;
    if (!u || !v || !d || !col_row || !pred || !order || !done)
        goto out;
    /* u(i) = the row's least cost makes every reduced cost >= 0 with v = 0. */
    for (int i = 0; i < n; i++) {
        double lo = c[(size_t)i * (size_t)m];
        for (int j = 1; j < m; j++)
            if (c[(size_t)i * (size_t)m + (size_t)j] < lo)
                lo = c[(size_t)i * (size_t)m + (size_t)j];
        u[i] = lo;
        row_col[i] = -1;
    }
    for (int j = 0; j < m; j++)
        col_row[j] = -1;
    for (int i0 = 0; i0 < n; i0++) {
        for (int j = 0; j < m; j++) {
            d[j] = INFINITY;
            pred[j] = -1;
            done[j] = 0;
        }
        int n_done = 0, i = i0, end = -1;
        double di = 0; /* distance from i0 to row i */
        /* Dijkstra over columns; a matched column leads on to its row at
         * the same distance (its reduced cost is 0). At most i0 columns are
         * matched, so a free column is always reached (n <= m). */
        for (;;) {
            const double *ci = c + (size_t)i * (size_t)m;
            double best = INFINITY;
            int jb = -1;
            for (int j = 0; j < m; j++) {
                if (done[j])
                    continue;
                double r = di + ci[j] - u[i] - v[j];
                if (r < d[j]) {
                    d[j] = r;
                    pred[j] = i;
                }
                if (d[j] < best || jb < 0) {
                    best = d[j];
                    jb = j;
                }
            }
            done[jb] = 1;
            order[n_done++] = jb;
            if (col_row[jb] < 0) {
                end = jb;
                break;
            }
            i = col_row[jb];
            di = d[jb];
        }
        /* Potentials: every node reached closer than the free column moves
         * by the difference, which keeps reduced costs >= 0 and makes the
         * path's reduced costs 0. */
        double dmin = d[end];
        u[i0] += dmin;
        for (int s = 0; s < n_done; s++) {
            int j = order[s];
            if (j == end)
                continue;
            double delta = dmin - d[j];
            v[j] -= delta;
            u[col_row[j]] += delta;
        }
        /* Flip the path: i0 ... pred[end] -> end. */
        for (int j = end;;) {
            int pi = pred[j], next = row_col[pi];
            col_row[j] = pi;
            row_col[pi] = j;
            if (pi == i0)
                break;
            j = next;
        }
    }
    rc = REGIO_OK;
out:
    regio_free(u);
    regio_free(v);
    regio_free(d);
    regio_free(col_row);
    regio_free(pred);
    regio_free(order);
    regio_free(done);
    return rc;
}

regio_err regio_assignment_solve(size_t n_rows, size_t n_cols, const double *cost, int *row_col,
                                 double *total, regio_error *err)
{
    if (total)
        *total = 0;
    for (size_t i = 0; i < n_rows; i++)
        row_col[i] = -1;
    if (!n_rows || !n_cols)
        return REGIO_OK;
    if (n_rows > INT_MAX || n_cols > INT_MAX || n_rows > SIZE_MAX / sizeof(double) / n_cols)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "an assignment of %zu x %zu is too large", n_rows, n_cols);
    for (size_t e = 0; e < n_rows * n_cols; e++)
        if (!isfinite(cost[e]))
            return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                    "assignment cost [%zu][%zu] is not a finite number",
                                    e / n_cols, e % n_cols);
    regio_err rc;
    if (n_rows <= n_cols) {
        rc = solve_wide((int)n_rows, (int)n_cols, cost, row_col);
    } else {
        /* More rows than columns: match the columns to rows instead. */
        double *t = regio_malloc(n_rows * n_cols * sizeof *t);
        int *col_row = regio_malloc(n_cols * sizeof *col_row);
        rc = t && col_row ? REGIO_OK : REGIO_ENOMEM;
        for (size_t i = 0; !rc && i < n_rows; i++)
            for (size_t j = 0; j < n_cols; j++)
                t[j * n_rows + i] = cost[i * n_cols + j];
        if (!rc)
            rc = solve_wide((int)n_cols, (int)n_rows, t, col_row);
        for (size_t j = 0; !rc && j < n_cols; j++)
            row_col[col_row[j]] = (int)j;
        regio_free(t);
        regio_free(col_row);
    }
    if (rc)
        return regio_error_setf(err, rc, NULL, 0, NULL, "out of memory");
    if (total)
        for (size_t i = 0; i < n_rows; i++)
            if (row_col[i] >= 0)
                *total += cost[i * n_cols + (size_t)row_col[i]];
    return REGIO_OK;
}

/* ---- home-to-territory distances ----------------------------------------------- */

static regio_err check_labels(const regio_design_input *in, int k, const int *labels,
                              int weight_col, regio_error *err)
{
    if (k < 1)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "reps need at least one territory");
    if (weight_col != REGIO_DESIGN_TRAVEL_UNIFORM && (weight_col < 0 || (size_t)weight_col >= in->m))
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "weight column %d is not a measure of the units", weight_col);
    for (size_t i = 0; i < in->n; i++)
        if (labels[i] < -1 || labels[i] >= k)
            return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                    "unit %zu has territory %d, not one of the %d", i, labels[i],
                                    k);
    return REGIO_OK;
}

/* The units of each territory and their weights, as regio_rep_distances
 * weighs them, to measure one (home, territory) pair at a time. */
typedef struct terr_units {
    size_t *start; /* k + 1 */
    int *unit;
    double *pts, *w, *wsum, *cx, *cy;
} terr_units;

static void terr_units_free(terr_units *g)
{
    regio_free(g->start);
    regio_free(g->unit);
    regio_free(g->pts);
    regio_free(g->w);
    regio_free(g->wsum);
    regio_free(g->cx);
    regio_free(g->cy);
}

static regio_err terr_units_make(const regio_design_input *in, int k, const int *labels,
                                 int weight_col, terr_units *g)
{
    size_t n = in->n, kk = (size_t)k;
    memset(g, 0, sizeof *g);
    g->start = regio_calloc(kk + 2, sizeof *g->start);
    g->unit = regio_malloc((n ? n : 1) * sizeof *g->unit);
    g->pts = regio_malloc((n ? n : 1) * 3 * sizeof *g->pts);
    g->w = regio_malloc((n ? n : 1) * sizeof *g->w);
    g->wsum = regio_calloc(kk + 1, sizeof *g->wsum);
    g->cx = regio_calloc(kk + 1, sizeof *g->cx);
    g->cy = regio_calloc(kk + 1, sizeof *g->cy);
    size_t *fill = regio_malloc((kk + 1) * sizeof *fill);
    if (!g->start || !g->unit || !g->pts || !g->w || !g->wsum || !g->cx || !g->cy || !fill) {
        regio_free(fill);
        terr_units_free(g);
        return REGIO_ENOMEM;
    }
    double *cnt = g->cx; /* counts first, centres after */
    for (size_t i = 0; i < n; i++) {
        regio__design_point(in->coords, in->x[i], in->y[i], &g->pts[3 * i]);
        g->w[i] = weight_col >= 0 ? in->measures[i * in->m + (size_t)weight_col] : 1.0;
        if (labels[i] >= 0) {
            g->wsum[labels[i]] += g->w[i];
            cnt[labels[i]] += 1;
            g->start[labels[i] + 1]++;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (labels[i] >= 0 && !(g->wsum[labels[i]] > 0))
            g->w[i] = 1.0;
    for (size_t t = 0; t < kk; t++) {
        if (!(g->wsum[t] > 0))
            g->wsum[t] = cnt[t];
        g->start[t + 1] += g->start[t];
    }
    memcpy(fill, g->start, kk * sizeof *fill);
    for (size_t i = 0; i < n; i++)
        if (labels[i] >= 0)
            g->unit[fill[labels[i]]++] = (int)i;
    regio_free(fill);
    /* The weighted centre in the input's coordinates: only for finding
     * candidates, never for the distances themselves. */
    for (size_t t = 0; t < kk; t++) {
        double sx = 0, sy = 0, sw = 0;
        for (size_t j = g->start[t]; j < g->start[t + 1]; j++) {
            int i = g->unit[j];
            double wi = g->w[i] > 0 ? g->w[i] : 0;
            sx += wi * in->x[i];
            sy += wi * in->y[i];
            sw += wi;
        }
        size_t c = g->start[t + 1] - g->start[t];
        if (!(sw > 0) && c) {
            sx = sy = 0;
            for (size_t j = g->start[t]; j < g->start[t + 1]; j++) {
                sx += in->x[g->unit[j]];
                sy += in->y[g->unit[j]];
            }
            sw = (double)c;
        }
        g->cx[t] = sw > 0 ? sx / sw : NAN;
        g->cy[t] = sw > 0 ? sy / sw : NAN;
    }
    return REGIO_OK;
}

/* The home-to-territory distance of one pair, as regio_rep_distances
 * computes it (the units in the same order, so the same sum). */
static double pair_dist(const regio_design_input *in, const terr_units *g, int t, double hx,
                        double hy)
{
    if (!isfinite(hx) || !isfinite(hy) || g->start[t + 1] == g->start[t])
        return NAN;
    double hp[3], acc = 0;
    regio__design_point(in->coords, hx, hy, hp);
    int planar = in->coords == REGIO_COORDS_PLANAR;
    for (size_t j = g->start[t]; j < g->start[t + 1]; j++) {
        int i = g->unit[j];
        if (g->w[i] != 0)
            acc += g->w[i] * regio__pdist(planar, hp, &g->pts[3 * (size_t)i]);
    }
    return acc / g->wsum[t];
}

regio_err regio_rep_distances(const regio_design_input *in, int k, const int *labels,
                              int weight_col, size_t n_homes, const double *home_x,
                              const double *home_y, double *out, regio_error *err)
{
    regio_err rc = check_labels(in, k, labels, weight_col, err);
    if (rc)
        return rc;
    terr_units g;
    if (terr_units_make(in, k, labels, weight_col, &g))
        return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    for (size_t h = 0; h < n_homes; h++)
        for (int t = 0; t < k; t++)
            out[h * (size_t)k + (size_t)t] = pair_dist(in, &g, t, home_x[h], home_y[h]);
    terr_units_free(&g);
    return REGIO_OK;
}

/* ---- reps to territories --------------------------------------------------------- */

void regio_rep_assignment_free(regio_rep_assignment *a)
{
    if (!a)
        return;
    regio_free(a->territory_rep);
    regio_free(a->territory_dist);
    regio_free(a->kept);
    regio_free(a->empty);
    regio_free(a->rep_territory);
    regio_free(a->has_home);
    memset(a, 0, sizeof *a);
}

/* Matches the free reps (with a home, pinned nowhere) to the free
 * territories (no pinned rep, not empty) by least total distance. */
static regio_err match_free(regio_rep_assignment *a, const double *dist, const unsigned char *free_rep,
                            regio_error *err)
{
    size_t kk = (size_t)a->k, nr = 0, nt = 0;
    int *rows = regio_malloc((a->n_reps ? a->n_reps : 1) * sizeof *rows);
    int *cols = regio_malloc(kk * sizeof *cols);
    double *cost = NULL;
    int *row_col = NULL;
    regio_err rc = rows && cols ? REGIO_OK : REGIO_ENOMEM;
    for (size_t r = 0; !rc && r < a->n_reps; r++)
        if (free_rep[r])
            rows[nr++] = (int)r;
    for (size_t t = 0; !rc && t < kk; t++)
        if (a->territory_rep[t] < 0 && !a->empty[t])
            cols[nt++] = (int)t;
    if (!rc && nr && nt) {
        cost = regio_malloc(nr * nt * sizeof *cost);
        row_col = regio_malloc(nr * sizeof *row_col);
        if (!cost || !row_col)
            rc = REGIO_ENOMEM;
        for (size_t i = 0; !rc && i < nr; i++)
            for (size_t j = 0; j < nt; j++)
                cost[i * nt + j] = dist[(size_t)rows[i] * kk + (size_t)cols[j]];
        if (!rc)
            rc = regio_assignment_solve(nr, nt, cost, row_col, NULL, err);
        for (size_t i = 0; !rc && i < nr; i++)
            if (row_col[i] >= 0)
                a->territory_rep[cols[row_col[i]]] = rows[i];
    }
    regio_free(rows);
    regio_free(cols);
    regio_free(cost);
    regio_free(row_col);
    if (rc == REGIO_ENOMEM)
        regio_error_setf(err, rc, NULL, 0, NULL, "out of memory assigning reps");
    return rc;
}

/* ---- many reps and territories ---------------------------------------------------- */

/* Above this many free reps x free territories the distances are not all
 * computed: the matrix and its copy took 20 GB each at 50,000 x 50,000.
 * Below it (every store and test of ordinary size) the matching is the
 * optimal one above. */
#define DENSE_MAX ((size_t)1 << 24)
/* Candidate reps a territory considers, nearest its centre first. */
#define SPARSE_CANDIDATES 16

typedef struct cand {
    double d;
    int t, r;
} cand;

static int cand_cmp(const void *x, const void *y)
{
    const cand *a = x, *b = y;
    if (a->d != b->d)
        return a->d < b->d ? -1 : 1;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return (a->r > b->r) - (a->r < b->r);
}

/* The SPARSE_CANDIDATES reps of reps[nr] nearest each territory of
 * terrs[nt] (found through a grid of the homes, searched ring by ring from
 * the territory's centre), each territory's block after the last: pairs
 * (room for nt * SPARSE_CANDIDATES) and *np. */
static regio_err grid_candidates(const regio_design_input *in, const terr_units *g,
                                 const int *terrs, size_t nt, const int *reps, size_t nr,
                                 const double *hx, const double *hy, cand *pairs, size_t *np_out)
{
    /* About two homes a cell over their bounding box. */
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (size_t i = 0; i < nr; i++) {
        double x = hx[reps[i]], y = hy[reps[i]];
        x0 = x < x0 ? x : x0;
        x1 = x > x1 ? x : x1;
        y0 = y < y0 ? y : y0;
        y1 = y > y1 ? y : y1;
    }
    int side = 1;
    while ((size_t)side * (size_t)side * 2 < nr && side < 4096)
        side++;
    double sx = x1 > x0 ? side / (x1 - x0) : 0, sy = y1 > y0 ? side / (y1 - y0) : 0;
    size_t cells = (size_t)side * (size_t)side;
    int *cell_start = regio_calloc(cells + 1, sizeof *cell_start);
    int *cell_rep = regio_malloc((nr ? nr : 1) * sizeof *cell_rep);
    int *fill = regio_malloc((cells + 1) * sizeof *fill);
    if (!cell_start || !cell_rep || !fill) {
        regio_free(cell_start);
        regio_free(cell_rep);
        regio_free(fill);
        return REGIO_ENOMEM;
    }
#define CELL_OF(v, v0, s) ((int)fmin(side - 1, fmax(0, floor(((v) - (v0)) * (s)))))
    for (size_t i = 0; i < nr; i++) {
        int c = CELL_OF(hy[reps[i]], y0, sy) * side + CELL_OF(hx[reps[i]], x0, sx);
        cell_start[c + 1]++;
    }
    for (size_t c = 0; c < cells; c++)
        cell_start[c + 1] += cell_start[c];
    memcpy(fill, cell_start, cells * sizeof *fill);
    for (size_t i = 0; i < nr; i++) {
        int c = CELL_OF(hy[reps[i]], y0, sy) * side + CELL_OF(hx[reps[i]], x0, sx);
        cell_rep[fill[c]++] = reps[i];
    }
    regio_free(fill);
    size_t np = 0;
    for (size_t j = 0; j < nt; j++) {
        int t = terrs[j];
        int cx = CELL_OF(g->cx[t], x0, sx), cy = CELL_OF(g->cy[t], y0, sy);
        int found = 0;
        /* Rings of cells around the centre's until the candidates are
         * there and one ring more has been seen. */
        for (int ring = 0, extra = 0; ring < side && extra < 2; ring++) {
            for (int yy = cy - ring; yy <= cy + ring; yy++) {
                if (yy < 0 || yy >= side)
                    continue;
                for (int xx = cx - ring; xx <= cx + ring; xx++) {
                    if (xx < 0 || xx >= side ||
                        (yy != cy - ring && yy != cy + ring && xx != cx - ring && xx != cx + ring))
                        continue;
                    int c = yy * side + xx;
                    for (int q = cell_start[c]; q < cell_start[c + 1]; q++) {
                        int r = cell_rep[q];
                        double d = pair_dist(in, g, t, hx[r], hy[r]);
                        if (!isfinite(d))
                            continue;
                        cand nc = {d, t, r};
                        if (found < SPARSE_CANDIDATES) {
                            pairs[np + (size_t)found++] = nc;
                            continue;
                        }
                        /* Keep the nearest SPARSE_CANDIDATES. */
                        size_t worst = np;
                        for (size_t z = np + 1; z < np + (size_t)found; z++)
                            if (cand_cmp(&pairs[z], &pairs[worst]) > 0)
                                worst = z;
                        if (cand_cmp(&nc, &pairs[worst]) < 0)
                            pairs[worst] = nc;
                    }
                }
            }
            if (found >= SPARSE_CANDIDATES)
                extra++;
        }
        np += (size_t)found;
    }
#undef CELL_OF
    regio_free(cell_start);
    regio_free(cell_rep);
    *np_out = np;
    return REGIO_OK;
}

/* Exchanges after the greedy rounds, which leave pairs two territories
 * would rather swap and free reps nearer than the one taken: the
 * candidates of every territory matched here (terrs) among every rep free
 * at the start (reps); a pass takes, in the candidates' order, each move
 * that lowers the total — a nearer free rep, or two territories swapping
 * reps — until a pass finds none (at most 32 passes). A vacant territory
 * takes a free candidate. */
static regio_err improve_by_swaps(regio_rep_assignment *a, const regio_design_input *in,
                                  const terr_units *g, const double *hx, const double *hy,
                                  const int *terrs, size_t nt, const int *reps, size_t nr,
                                  unsigned char *free_rep, cand *pairs)
{
    size_t np = 0, kk = (size_t)a->k;
    int *rep_terr = regio_malloc((a->n_reps ? a->n_reps : 1) * sizeof *rep_terr);
    double *cur = regio_malloc((kk ? kk : 1) * sizeof *cur);
    if (!rep_terr || !cur || grid_candidates(in, g, terrs, nt, reps, nr, hx, hy, pairs, &np)) {
        regio_free(rep_terr);
        regio_free(cur);
        return REGIO_ENOMEM;
    }
    for (size_t r = 0; r < a->n_reps; r++)
        rep_terr[r] = -1;
    for (size_t t = 0; t < kk; t++) {
        int r = a->territory_rep[t];
        if (r >= 0)
            rep_terr[r] = (int)t;
        cur[t] = r >= 0 ? pair_dist(in, g, (int)t, hx[r], hy[r]) : NAN;
    }
    for (int pass = 0; pass < 32; pass++) {
        size_t changed = 0;
        for (size_t z = 0; z < np; z++) {
            int t = pairs[z].t, r2 = pairs[z].r, r = a->territory_rep[t];
            double d2 = pairs[z].d;
            if (r2 == r)
                continue;
            int t2 = rep_terr[r2];
            if (t2 < 0) {
                if (r >= 0 && !(d2 < cur[t] - 1e-12 * cur[t]))
                    continue;
                if (r >= 0) {
                    rep_terr[r] = -1;
                    free_rep[r] = 1;
                }
                a->territory_rep[t] = r2;
                rep_terr[r2] = t;
                free_rep[r2] = 0;
                cur[t] = d2;
                changed++;
                continue;
            }
            if (r < 0)
                continue; /* taking t2's rep would leave t2 vacant */
            double d12 = pair_dist(in, g, t2, hx[r], hy[r]);
            double before = cur[t] + cur[t2];
            if (!(d2 + d12 < before - 1e-12 * before))
                continue;
            a->territory_rep[t] = r2;
            a->territory_rep[t2] = r;
            rep_terr[r2] = t;
            rep_terr[r] = t2;
            cur[t] = d2;
            cur[t2] = d12;
            changed++;
        }
        if (!changed)
            break;
    }
    regio_free(rep_terr);
    regio_free(cur);
    return REGIO_OK;
}

/* Matches free reps to free territories when there are too many of both
 * for every distance: each free territory measures the reps whose homes
 * lie nearest its centre (a grid of the homes, searched ring by ring),
 * the pairs go by increasing distance to whichever of the two is still
 * free, and the rounds repeat among what is left; the last few are
 * matched exactly; then exchanges (improve_by_swaps) lower the total.
 * Memory O(k + reps); not optimal, near it when homes are spread like the
 * territories. */
static regio_err match_sparse(regio_rep_assignment *a, const regio_design_input *in,
                              const int *labels, int weight_col, const double *hx,
                              const double *hy, unsigned char *free_rep, regio_error *err)
{
    terr_units g;
    if (terr_units_make(in, a->k, labels, weight_col, &g))
        return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory assigning reps");
    size_t kk = (size_t)a->k, nreps = a->n_reps;
    int *reps = regio_malloc((nreps ? nreps : 1) * sizeof *reps);
    int *terrs = regio_malloc((kk ? kk : 1) * sizeof *terrs);
    cand *pairs = regio_malloc((kk ? kk : 1) * SPARSE_CANDIDATES * sizeof *pairs);
    /* What was free at the start, for the exchanges at the end. */
    int *reps0 = regio_malloc((nreps ? nreps : 1) * sizeof *reps0);
    int *terrs0 = regio_malloc((kk ? kk : 1) * sizeof *terrs0);
    size_t nr0 = 0, nt0 = 0;
    regio_err rc = reps && terrs && pairs && reps0 && terrs0 ? REGIO_OK : REGIO_ENOMEM;
    for (size_t r = 0; !rc && r < nreps; r++)
        if (free_rep[r])
            reps0[nr0++] = (int)r;
    for (size_t t = 0; !rc && t < kk; t++)
        if (a->territory_rep[t] < 0 && !a->empty[t] && isfinite(g.cx[t]))
            terrs0[nt0++] = (int)t;
    for (int round = 0; !rc; round++) {
        size_t nr = 0, nt = 0;
        for (size_t r = 0; r < nreps; r++)
            if (free_rep[r])
                reps[nr++] = (int)r;
        for (size_t t = 0; t < kk; t++)
            if (a->territory_rep[t] < 0 && !a->empty[t] && isfinite(g.cx[t]))
                terrs[nt++] = (int)t;
        if (!nr || !nt)
            break;
        if (nr * nt > DENSE_MAX && round >= 8)
            break; /* still too many after eight rounds: the rest stay vacant */
        if (nr * nt <= DENSE_MAX) {
            /* What is left, exactly. */
            double *cost = regio_malloc(nr * nt * sizeof *cost);
            int *row_col = regio_malloc(nr * sizeof *row_col);
            if (!cost || !row_col)
                rc = REGIO_ENOMEM;
            for (size_t i = 0; !rc && i < nr; i++)
                for (size_t j = 0; j < nt; j++) {
                    double d = pair_dist(in, &g, terrs[j], hx[reps[i]], hy[reps[i]]);
                    cost[i * nt + j] = isfinite(d) ? d : 1e300;
                }
            if (!rc)
                rc = regio_assignment_solve(nr, nt, cost, row_col, NULL, err);
            for (size_t i = 0; !rc && i < nr; i++)
                if (row_col[i] >= 0) {
                    a->territory_rep[terrs[row_col[i]]] = reps[i];
                    free_rep[reps[i]] = 0;
                }
            regio_free(cost);
            regio_free(row_col);
            break;
        }
        size_t np = 0;
        if ((rc = grid_candidates(in, &g, terrs, nt, reps, nr, hx, hy, pairs, &np)))
            break;
        qsort(pairs, np, sizeof *pairs, cand_cmp);
        size_t matched = 0;
        for (size_t z = 0; z < np; z++)
            if (a->territory_rep[pairs[z].t] < 0 && free_rep[pairs[z].r]) {
                a->territory_rep[pairs[z].t] = pairs[z].r;
                free_rep[pairs[z].r] = 0;
                matched++;
            }
        if (!matched)
            break;
    }
    if (!rc && nr0 && nt0)
        rc = improve_by_swaps(a, in, &g, hx, hy, terrs0, nt0, reps0, nr0, free_rep, pairs);
    /* Every pair's distance, pinned ones included, the way the dense path
     * reads it from its matrix. */
    for (size_t t = 0; !rc && t < kk; t++) {
        int r = a->territory_rep[t];
        a->territory_dist[t] = r >= 0 ? pair_dist(in, &g, (int)t, hx[r], hy[r]) : NAN;
    }
    regio_free(reps);
    regio_free(terrs);
    regio_free(reps0);
    regio_free(terrs0);
    regio_free(pairs);
    terr_units_free(&g);
    if (rc == REGIO_ENOMEM)
        regio_error_setf(err, rc, NULL, 0, NULL, "out of memory assigning reps");
    return rc;
}

regio_err regio_rep_assign(const regio_design_input *in, int k, const int *labels, int weight_col,
                           size_t n_reps, const double *home_x, const double *home_y,
                           const int *pinned, regio_rep_assignment *out, regio_error *err)
{
    memset(out, 0, sizeof *out);
    regio_err rc = check_labels(in, k, labels, weight_col, err);
    for (int t = 0; !rc && pinned && t < k; t++)
        if (pinned[t] < -1 || (pinned[t] >= 0 && (size_t)pinned[t] >= n_reps))
            rc = regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                  "territory %d is pinned to rep %d, not one of the %zu", t,
                                  pinned[t], n_reps);
    if (rc)
        return rc;
    size_t kk = (size_t)k, nr = n_reps ? n_reps : 1;
    regio_rep_assignment a;
    memset(&a, 0, sizeof a);
    a.k = k;
    a.n_reps = n_reps;
    a.territory_rep = regio_malloc(kk * sizeof *a.territory_rep);
    a.territory_dist = regio_malloc(kk * sizeof *a.territory_dist);
    a.kept = regio_calloc(kk, 1);
    a.empty = regio_malloc(kk);
    a.rep_territory = regio_malloc(nr * sizeof *a.rep_territory);
    a.has_home = regio_malloc(nr);
    /* Too many for every distance: candidates only (match_sparse). */
    int sparse = (size_t)n_reps * kk > DENSE_MAX;
    double *dist = sparse ? NULL : regio_malloc(nr * kk * sizeof *dist);
    unsigned char *free_rep = regio_malloc(nr);
    if (!a.territory_rep || !a.territory_dist || !a.kept || !a.empty || !a.rep_territory ||
        !a.has_home || (!dist && !sparse) || !free_rep) {
        rc = regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory assigning reps");
        goto out;
    }
    if (n_reps && !sparse &&
        (rc = regio_rep_distances(in, k, labels, weight_col, n_reps, home_x, home_y, dist, err)))
        goto out;
    memset(a.empty, 1, kk);
    for (size_t i = 0; i < in->n; i++)
        if (labels[i] >= 0)
            a.empty[labels[i]] = 0;
    for (size_t r = 0; r < n_reps; r++)
        free_rep[r] = a.has_home[r] = isfinite(home_x[r]) && isfinite(home_y[r]);
    for (size_t t = 0; t < kk; t++) {
        a.territory_rep[t] = pinned ? pinned[t] : -1;
        if (a.territory_rep[t] >= 0) {
            a.kept[t] = 1;
            free_rep[a.territory_rep[t]] = 0;
        }
    }
    if ((rc = sparse ? match_sparse(&a, in, labels, weight_col, home_x, home_y, free_rep, err)
                     : match_free(&a, dist, free_rep, err)))
        goto out;
    for (size_t r = 0; r < n_reps; r++)
        a.rep_territory[r] = -1;
    for (size_t t = 0; t < kk; t++) {
        int r = a.territory_rep[t];
        if (!sparse)
            a.territory_dist[t] = r >= 0 ? dist[(size_t)r * kk + t] : NAN;
        if (r < 0) {
            a.n_vacant++;
            continue;
        }
        a.n_assigned++;
        a.n_kept += a.kept[t];
        if (a.rep_territory[r] < 0)
            a.rep_territory[r] = (int)t;
        if (isfinite(a.territory_dist[t]))
            a.total_dist += a.territory_dist[t];
    }
    for (size_t r = 0; r < n_reps; r++) {
        if (a.rep_territory[r] >= 0)
            continue;
        if (a.has_home[r])
            a.n_idle++;
        else
            a.n_homeless++;
    }
out:
    regio_free(dist);
    regio_free(free_rep);
    if (rc)
        regio_rep_assignment_free(&a);
    else
        *out = a;
    return rc;
}

/* ---- in words -------------------------------------------------------------------- */

/* Appends ": a, b, c" for the first ten names that pass, then "... and N more". */
static regio_err list_names(regio_buf *b, const char *const *names, size_t n,
                            const unsigned char *pick, size_t total)
{
    regio_err rc = REGIO_OK;
    size_t shown = 0;
    for (size_t i = 0; !rc && i < n && shown < 10; i++)
        if (pick[i])
            rc = regio_buf_printf(b, "%s %s", shown++ ? "," : ":", names[i]);
    if (!rc && total > shown)
        rc = regio_buf_printf(b, " ... and %zu more", total - shown);
    return rc ? rc : regio_buf_putc(b, '\n');
}

regio_err regio_rep_assignment_describe(const regio_rep_assignment *a, regio_coords coords,
                                        const char *const *territory,
                                        const char *const *rep_ids, regio_buf *out)
{
    const char *unit = coords == REGIO_COORDS_PLANAR ? "units" : "km";
    size_t kk = (size_t)a->k, n_measured = 0, nr = a->n_reps ? a->n_reps : 1;
    for (size_t t = 0; t < kk; t++)
        n_measured += isfinite(a->territory_dist[t]);
    char total[32], mean[32];
    if (a->n_reps == 0)
        return regio_buf_printf(out, "reps: none to give the %d territor%s, so %s vacant\n",
                                a->k, a->k == 1 ? "y" : "ies", a->k == 1 ? "it is" : "all are");
    regio_err rc = regio_buf_printf(out, "reps: %d of %d territor%s %s a rep", a->n_assigned,
                                    a->k, a->k == 1 ? "y" : "ies",
                                    a->k == 1 ? "has" : "have");
    if (!rc && a->n_kept)
        rc = regio_buf_printf(out, " (%d kept)", a->n_kept);
    if (!rc && n_measured)
        rc = regio_buf_printf(
            out, "; home-to-territory distance %s %s in total, %s %s a territory",
            regio_format_number(a->total_dist, 0, total, sizeof total), unit,
            regio_format_number(a->total_dist / (double)n_measured, 0, mean, sizeof mean), unit);
    if (!rc)
        rc = regio_buf_putc(out, '\n');
    unsigned char *pick = regio_malloc(kk > nr ? kk : nr);
    if (!pick)
        return rc ? rc : REGIO_ENOMEM;
    size_t cnt = 0;
    for (size_t t = 0; t < kk; t++)
        cnt += pick[t] = a->territory_rep[t] < 0 && !a->empty[t];
    if (!rc && cnt) {
        rc = regio_buf_printf(out, "vacant: %zu territor%s without a rep (fewer reps with a home "
                                   "than territories)",
                              cnt, cnt == 1 ? "y" : "ies");
        if (!rc)
            rc = list_names(out, territory, kk, pick, cnt);
    }
    cnt = 0;
    for (size_t t = 0; t < kk; t++)
        cnt += pick[t] = a->territory_rep[t] < 0 && a->empty[t];
    if (!rc && cnt) {
        rc = regio_buf_printf(out, "vacant: %zu territor%s without units and without a rep",
                              cnt, cnt == 1 ? "y" : "ies");
        if (!rc)
            rc = list_names(out, territory, kk, pick, cnt);
    }
    if (!rc && a->n_homeless) {
        for (size_t r = 0; r < a->n_reps; r++)
            pick[r] = a->rep_territory[r] < 0 && !a->has_home[r];
        rc = regio_buf_printf(out, "not placed: %zu rep%s without a home (no coordinates)",
                              a->n_homeless, a->n_homeless == 1 ? "" : "s");
        if (!rc)
            rc = list_names(out, rep_ids, a->n_reps, pick, a->n_homeless);
    }
    if (!rc && a->n_idle) {
        for (size_t r = 0; r < a->n_reps; r++)
            pick[r] = a->rep_territory[r] < 0 && a->has_home[r];
        rc = regio_buf_printf(out, "without a territory: %zu rep%s (more reps than territories)",
                              a->n_idle, a->n_idle == 1 ? "" : "s");
        if (!rc)
            rc = list_names(out, rep_ids, a->n_reps, pick, a->n_idle);
    }
    regio_free(pick);
    return rc;
}
