/*
 * Distance provider (regio/dist.h): legs from coordinates computed on demand
 * or looked up in copied matrices, plus k-nearest neighbour lists.
 *
 * Method: neighbour lists for coordinate metrics use a k-d tree (Bentley,
 * 1975) stored implicitly in a permutation of the point indices: the node of
 * range [lo, hi) is its median element mid = (lo + hi) / 2, split on the
 * dimension of largest extent. Haversine points are mapped to unit vectors
 * in 3-D, where chord length is monotone in great-circle distance, so the
 * same tree serves both metrics. Invariants: every element left of mid has
 * coordinate <= mid's on the split dimension, every element right of it >=.
 * Complexity: build O(n log n) expected (quickselect per level), each
 * k-nearest query O(k log k + log n) expected on well-spread data; memory
 * O(n). Matrix providers use a partial selection sort per row, O(n^2 k)
 * worst case, fine for the small n matrices are used for.
 */
#include "regio/dist.h"
#include "regio/format.h"
#include "core/error.h"
#include "core/great_circle.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct regio_dist {
    size_t n;
    regio_metric metric;
    int round_nearest;
    int symmetric;
    double road_factor;
    double speed_kmh;
    double *x, *y;        /* EUCLIDEAN: planar; HAVERSINE: lon, lat degrees */
    double *ux, *uy, *uz; /* HAVERSINE: unit vectors */
    double *cost;         /* MATRIX */
    double *dur;          /* MATRIX; may alias cost */
};

#define set_err(err, code, line, col, msg)                                      \
    regio__error_column((err), (col),                                          \
                        regio_error_setf((err), (code), NULL, (line), NULL, "%s", (msg)))

void regio_dist_destroy(regio_dist *d)
{
    if (!d)
        return;
    regio_free(d->x);
    regio_free(d->y);
    regio_free(d->ux);
    regio_free(d->uy);
    regio_free(d->uz);
    if (d->dur != d->cost)
        regio_free(d->dur);
    regio_free(d->cost);
    regio_free(d);
}

regio_err regio_dist_create_coords(size_t n, const double *x, const double *y,
                                   const regio_dist_opts *opts,
                                   regio_dist **out, regio_error *err)
{
    if (out)
        *out = NULL;
    if (!out || !x || !y || !opts || n == 0 || n >= UINT32_MAX ||
        (opts->metric != REGIO_METRIC_EUCLIDEAN &&
         opts->metric != REGIO_METRIC_HAVERSINE)) {
        set_err(err, REGIO_EINVAL, 0, 0,
                "coordinate provider needs 1 <= n < 2^32-1 points, both "
                "coordinate arrays and a coordinate metric");
        return REGIO_EINVAL;
    }
    if (opts->road_factor < 0 || opts->speed_kmh < 0 ||
        !isfinite(opts->road_factor) || !isfinite(opts->speed_kmh)) {
        set_err(err, REGIO_EINVAL, 0, 0,
                "road_factor and speed_kmh must be finite and >= 0");
        return REGIO_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        char msg[160];
        if (!isfinite(x[i]) || !isfinite(y[i])) {
            snprintf(msg, sizeof msg, "point %zu has a non-finite coordinate",
                     i + 1);
            set_err(err, REGIO_EDATA, (long)i + 1, 0, msg);
            return REGIO_EDATA;
        }
        if (opts->metric == REGIO_METRIC_HAVERSINE &&
            (y[i] < -90.0 || y[i] > 90.0)) {
            char g[32];
            snprintf(msg, sizeof msg, "point %zu has latitude %s outside [-90, 90]", i + 1,
                     regio_format_g15(y[i], g));
            set_err(err, REGIO_EDATA, (long)i + 1, 0, msg);
            return REGIO_EDATA;
        }
    }
    regio_dist *d = regio_calloc(1, sizeof *d);
    if (!d)
        goto nomem;
    d->n = n;
    d->metric = opts->metric;
    d->round_nearest =
        opts->metric == REGIO_METRIC_EUCLIDEAN && opts->round_nearest;
    d->symmetric = 1;
    d->road_factor = opts->road_factor > 0 ? opts->road_factor : 1.3;
    d->speed_kmh = opts->speed_kmh > 0 ? opts->speed_kmh : 50.0;
    d->x = regio_malloc(n * sizeof *d->x);
    d->y = regio_malloc(n * sizeof *d->y);
    if (!d->x || !d->y)
        goto nomem;
    memcpy(d->x, x, n * sizeof *x);
    memcpy(d->y, y, n * sizeof *y);
    if (d->metric == REGIO_METRIC_HAVERSINE) {
        d->ux = regio_malloc(n * sizeof *d->ux);
        d->uy = regio_malloc(n * sizeof *d->uy);
        d->uz = regio_malloc(n * sizeof *d->uz);
        if (!d->ux || !d->uy || !d->uz)
            goto nomem;
        for (size_t i = 0; i < n; i++) {
            double u[3];
            regio__unit_vector(y[i], x[i], u);
            d->ux[i] = u[0];
            d->uy[i] = u[1];
            d->uz[i] = u[2];
        }
    }
    *out = d;
    return REGIO_OK;
nomem:
    regio_dist_destroy(d);
    set_err(err, REGIO_ENOMEM, 0, 0, "out of memory creating distances");
    return REGIO_ENOMEM;
}

regio_err regio_dist_create_matrix(size_t n, const double *cost,
                                   const double *duration, regio_dist **out,
                                   regio_error *err)
{
    if (out)
        *out = NULL;
    if (!out || (!cost && !duration) || n == 0 || n >= UINT32_MAX ||
        n > SIZE_MAX / sizeof(double) / n) {
        set_err(err, REGIO_EINVAL, 0, 0,
                "matrix provider needs 1 <= n < 2^32-1 and at least one "
                "matrix");
        return REGIO_EINVAL;
    }
    for (int m = 0; m < 2; m++) {
        const double *a = m ? duration : cost;
        if (!a)
            continue;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                double v = a[i * n + j];
                if (i != j && (!isfinite(v) || v < 0)) {
                    char msg[200], num[32];
                    snprintf(msg, sizeof msg,
                             "%s matrix entry [%zu][%zu] = %s is negative "
                             "or not finite",
                             m ? "duration" : "cost", i, j,
                             regio_format_g15(v, num));
                    set_err(err, REGIO_EDATA, (long)i + 1, (long)j + 1, msg);
                    return REGIO_EDATA;
                }
            }
    }
    regio_dist *d = regio_calloc(1, sizeof *d);
    if (!d)
        goto nomem;
    d->n = n;
    d->metric = REGIO_METRIC_MATRIX;
    const double *c = cost ? cost : duration;
    d->cost = regio_malloc(n * n * sizeof *d->cost);
    if (!d->cost)
        goto nomem;
    memcpy(d->cost, c, n * n * sizeof *c);
    if (duration && cost) {
        d->dur = regio_malloc(n * n * sizeof *d->dur);
        if (!d->dur)
            goto nomem;
        memcpy(d->dur, duration, n * n * sizeof *duration);
    } else {
        d->dur = d->cost;
    }
    for (size_t i = 0; i < n; i++)
        d->cost[i * n + i] = d->dur[i * n + i] = 0.0;
    d->symmetric = 1;
    for (size_t i = 0; i < n && d->symmetric; i++)
        for (size_t j = i + 1; j < n; j++)
            if (d->cost[i * n + j] != d->cost[j * n + i]) {
                d->symmetric = 0;
                break;
            }
    *out = d;
    return REGIO_OK;
nomem:
    regio_dist_destroy(d);
    set_err(err, REGIO_ENOMEM, 0, 0, "out of memory creating distances");
    return REGIO_ENOMEM;
}

size_t regio_dist_size(const regio_dist *d)
{
    return d->n;
}

regio_metric regio_dist_metric(const regio_dist *d)
{
    return d->metric;
}

int regio_dist_is_symmetric(const regio_dist *d)
{
    return d->symmetric;
}

/* Great-circle distance in km from the unit vectors (core/great_circle.h). */
static double gc_km(const regio_dist *d, size_t i, size_t j)
{
    double a[3] = {d->ux[i], d->uy[i], d->uz[i]};
    double b[3] = {d->ux[j], d->uy[j], d->uz[j]};
    return regio__chord_km(regio__chord(a, b));
}

double regio_dist_cost(const regio_dist *d, size_t i, size_t j)
{
    switch (d->metric) {
    case REGIO_METRIC_EUCLIDEAN: {
        double dx = d->x[i] - d->x[j], dy = d->y[i] - d->y[j];
        double v = sqrt(dx * dx + dy * dy);
        return d->round_nearest ? floor(v + 0.5) : v;
    }
    case REGIO_METRIC_HAVERSINE:
        return i == j ? 0.0 : gc_km(d, i, j);
    default:
        return d->cost[i * d->n + j];
    }
}

double regio_dist_duration(const regio_dist *d, size_t i, size_t j)
{
    switch (d->metric) {
    case REGIO_METRIC_EUCLIDEAN:
        return regio_dist_cost(d, i, j);
    case REGIO_METRIC_HAVERSINE:
        return i == j ? 0.0
                      : gc_km(d, i, j) * d->road_factor / d->speed_kmh * 3600.0;
    default:
        return d->dur[i * d->n + j];
    }
}

/* ---- k-d tree ---------------------------------------------------------- */

typedef struct kdtree {
    int dims;
    const double *c[3]; /* coordinate arrays per dimension */
    uint32_t *idx;      /* implicit tree: node of [lo,hi) is idx[(lo+hi)/2] */
    uint8_t *sdim;      /* split dimension of the node stored at position */
} kdtree;

#define KD_LEAF 8

static double kd_coord(const kdtree *t, uint32_t p, int dim)
{
    return t->c[dim][p];
}

/* Quickselect: places the element of rank m (by coordinate on dim, ties by
 * index so the result is deterministic) at position m of idx[lo, hi). */
static int kd_less(const kdtree *t, int dim, uint32_t a, uint32_t b)
{
    double ca = kd_coord(t, a, dim), cb = kd_coord(t, b, dim);
    return ca < cb || (ca == cb && a < b);
}

static void kd_select(kdtree *t, size_t lo, size_t hi, size_t m, int dim)
{
    uint32_t *v = t->idx;
    while (hi - lo > 16) {
        /* Median of three pivot. */
        size_t mid = lo + (hi - lo) / 2;
        uint32_t a = v[lo], b = v[mid], c = v[hi - 1], piv;
        if (kd_less(t, dim, a, b))
            piv = kd_less(t, dim, b, c) ? b : (kd_less(t, dim, a, c) ? c : a);
        else
            piv = kd_less(t, dim, a, c) ? a : (kd_less(t, dim, b, c) ? c : b);
        size_t i = lo, j = hi - 1;
        for (;;) {
            while (kd_less(t, dim, v[i], piv))
                i++;
            while (kd_less(t, dim, piv, v[j]))
                j--;
            if (i >= j)
                break;
            uint32_t tmp = v[i];
            v[i] = v[j];
            v[j] = tmp;
            i++;
            j--;
        }
        /* Now [lo, j] <= piv <= [j+1, hi). */
        if (m <= j)
            hi = j + 1;
        else
            lo = j + 1;
    }
    /* Short ranges: insertion sort (also avoids Hoare's degenerate split
     * when the pivot is the range maximum). */
    for (size_t i = lo + 1; i < hi; i++) {
        uint32_t x = v[i];
        size_t j = i;
        while (j > lo && kd_less(t, dim, x, v[j - 1])) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

static void kd_build(kdtree *t, size_t lo, size_t hi)
{
    while (hi - lo > KD_LEAF) {
        double mn[3] = {INFINITY, INFINITY, INFINITY};
        double mx[3] = {-INFINITY, -INFINITY, -INFINITY};
        for (size_t i = lo; i < hi; i++)
            for (int k = 0; k < t->dims; k++) {
                double c = kd_coord(t, t->idx[i], k);
                if (c < mn[k])
                    mn[k] = c;
                if (c > mx[k])
                    mx[k] = c;
            }
        int dim = 0;
        for (int k = 1; k < t->dims; k++)
            if (mx[k] - mn[k] > mx[dim] - mn[dim])
                dim = k;
        size_t mid = lo + (hi - lo) / 2;
        kd_select(t, lo, hi, mid, dim);
        t->sdim[mid] = (uint8_t)dim;
        kd_build(t, lo, mid);
        lo = mid + 1;
    }
}

/* Bounded max-heap of (squared distance, index), ordered lexicographically so
 * that results are deterministic. */
typedef struct kheap {
    double *d2;
    uint32_t *id;
    size_t len, cap;
} kheap;

static int kh_greater(double da, uint32_t ia, double db, uint32_t ib)
{
    return da > db || (da == db && ia > ib);
}

/* Places (d2, id) at slot i and sifts it down over [0, len) so the max-heap
 * order holds again. O(log len). */
static void kh_sift_down(kheap *h, size_t i, double d2, uint32_t id)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        double md = d2;
        uint32_t mi = id;
        if (l < h->len && kh_greater(h->d2[l], h->id[l], md, mi)) {
            m = l;
            md = h->d2[l];
            mi = h->id[l];
        }
        if (r < h->len && kh_greater(h->d2[r], h->id[r], md, mi))
            m = r;
        if (m == i)
            break;
        h->d2[i] = h->d2[m];
        h->id[i] = h->id[m];
        i = m;
    }
    h->d2[i] = d2;
    h->id[i] = id;
}

static void kh_offer(kheap *h, double d2, uint32_t id)
{
    size_t i;
    if (h->len < h->cap) {
        i = h->len++;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (!kh_greater(d2, id, h->d2[p], h->id[p]))
                break;
            h->d2[i] = h->d2[p];
            h->id[i] = h->id[p];
            i = p;
        }
        h->d2[i] = d2;
        h->id[i] = id;
        return;
    }
    if (!kh_greater(h->d2[0], h->id[0], d2, id))
        return;
    kh_sift_down(h, 0, d2, id);
}

static double kd_d2(const kdtree *t, uint32_t a, uint32_t b)
{
    double s = 0;
    for (int k = 0; k < t->dims; k++) {
        double df = kd_coord(t, a, k) - kd_coord(t, b, k);
        s += df * df;
    }
    return s;
}

static void kd_query(const kdtree *t, size_t lo, size_t hi, uint32_t q,
                     kheap *h)
{
    while (hi - lo > KD_LEAF) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t p = t->idx[mid];
        int dim = t->sdim[mid];
        if (p != q)
            kh_offer(h, kd_d2(t, p, q), p);
        double diff = kd_coord(t, q, dim) - kd_coord(t, p, dim);
        size_t nlo, nhi, flo, fhi;
        if (diff < 0) {
            nlo = lo, nhi = mid, flo = mid + 1, fhi = hi;
        } else {
            nlo = mid + 1, nhi = hi, flo = lo, fhi = mid;
        }
        kd_query(t, nlo, nhi, q, h);
        /* Pruning on ties too keeps heavily duplicated points O(log n)
         * per query; the price is that among points at exactly the k-th
         * distance the choice follows the tree, not the index. */
        if (h->len == h->cap && diff * diff >= h->d2[0])
            return;
        lo = flo;
        hi = fhi;
    }
    for (size_t i = lo; i < hi; i++) {
        uint32_t p = t->idx[i];
        if (p != q)
            kh_offer(h, kd_d2(t, p, q), p);
    }
}

/* Sorts the heap contents ascending in place (heap order is destroyed):
 * heapsort, repeatedly moving the maximum to the end. O(k log k). */
static void kh_sort(kheap *h)
{
    size_t len = h->len;
    while (h->len > 1) {
        size_t last = h->len - 1;
        double md = h->d2[0];
        uint32_t mi = h->id[0];
        /* Sift the last element down from the root over [0, last). */
        double d2 = h->d2[last];
        uint32_t id = h->id[last];
        h->len = last;
        kh_sift_down(h, 0, d2, id);
        h->d2[last] = md;
        h->id[last] = mi;
    }
    h->len = len;
}

/* Quadrant of point p around q: 0..3 by the signs of the planar offsets
 * (longitude/latitude offsets for haversine, adequate away from the poles
 * and the antimeridian; it only steers candidate diversity). */
static int quadrant(const regio_dist *d, uint32_t q, uint32_t p)
{
    double dx = d->x[p] - d->x[q], dy = d->y[p] - d->y[q];
    return (dx >= 0 ? 0 : 1) + (dy >= 0 ? 0 : 2);
}

static regio_err coord_neighbours(const regio_dist *d, size_t k,
                                  unsigned flags, uint32_t *out)
{
    size_t n = d->n;
    int quad = (flags & REGIO_NEIGH_QUADRANT) != 0 && k >= 4;
    size_t kq = quad ? (2 * k < n - 1 ? 2 * k : n - 1) : k;
    kdtree t = {0};
    kheap h = {0};
    regio_err rc = REGIO_ENOMEM;
    t.idx = regio_malloc(n * sizeof *t.idx);
    t.sdim = regio_calloc(n, 1);
    h.d2 = regio_malloc(kq * sizeof *h.d2);
    h.id = regio_malloc(kq * sizeof *h.id);
    if (!t.idx || !t.sdim || !h.d2 || !h.id)
        goto done;
    if (d->metric == REGIO_METRIC_HAVERSINE) {
        t.dims = 3;
        t.c[0] = d->ux;
        t.c[1] = d->uy;
        t.c[2] = d->uz;
    } else {
        t.dims = 2;
        t.c[0] = d->x;
        t.c[1] = d->y;
    }
    for (size_t i = 0; i < n; i++)
        t.idx[i] = (uint32_t)i;
    kd_build(&t, 0, n);
    h.cap = kq;
    for (size_t i = 0; i < n; i++) {
        h.len = 0;
        kd_query(&t, 0, n, (uint32_t)i, &h);
        kh_sort(&h);
        uint32_t *row = out + i * k;
        if (!quad) {
            memcpy(row, h.id, k * sizeof *row);
            continue;
        }
        /* Take up to k/4 nearest per quadrant, then fill with the nearest
         * unused; keep the final row in ascending distance order by
         * marking chosen ranks and emitting them in rank order. */
        unsigned char used[1024];
        size_t cnt[4] = {0, 0, 0, 0}, chosen = 0;
        size_t per = k / 4;
        memset(used, 0, kq < sizeof used ? kq : sizeof used);
        for (size_t r = 0; r < kq && r < sizeof used && chosen < k; r++) {
            int qd = quadrant(d, (uint32_t)i, h.id[r]);
            if (cnt[qd] < per) {
                cnt[qd]++;
                used[r] = 1;
                chosen++;
            }
        }
        for (size_t r = 0; r < kq && r < sizeof used && chosen < k; r++)
            if (!used[r]) {
                used[r] = 1;
                chosen++;
            }
        size_t w = 0;
        for (size_t r = 0; r < kq && r < sizeof used && w < k; r++)
            if (used[r])
                row[w++] = h.id[r];
    }
    rc = REGIO_OK;
done:
    regio_free(t.idx);
    regio_free(t.sdim);
    regio_free(h.d2);
    regio_free(h.id);
    return rc;
}

static regio_err matrix_neighbours(const regio_dist *d, size_t k,
                                   uint32_t *out)
{
    size_t n = d->n;
    uint32_t *cand = regio_malloc((n - 1) * sizeof *cand);
    if (!cand)
        return REGIO_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const double *row = d->cost + i * n;
        size_t m = 0;
        for (size_t j = 0; j < n; j++)
            if (j != i)
                cand[m++] = (uint32_t)j;
        /* Partial selection sort: the first k slots end up holding the k
         * cheapest in order (ties by index, as cand starts index-sorted and
         * only strictly better entries displace). */
        for (size_t r = 0; r < k; r++) {
            size_t best = r;
            for (size_t s = r + 1; s < m; s++)
                if (row[cand[s]] < row[cand[best]] ||
                    (row[cand[s]] == row[cand[best]] && cand[s] < cand[best]))
                    best = s;
            uint32_t tmp = cand[r];
            cand[r] = cand[best];
            cand[best] = tmp;
            out[i * k + r] = cand[r];
        }
    }
    regio_free(cand);
    return REGIO_OK;
}

regio_err regio_dist_neighbours(const regio_dist *d, size_t k, unsigned flags,
                                uint32_t **out, regio_error *err)
{
    if (out)
        *out = NULL;
    if (!d || !out || k == 0 || k >= d->n || k > SIZE_MAX / 4 / d->n ||
        2 * k > 1024) {
        set_err(err, REGIO_EINVAL, 0, 0,
                "neighbour lists need 1 <= k < number of points (and k <= "
                "512)");
        return REGIO_EINVAL;
    }
    uint32_t *res = regio_malloc(d->n * k * sizeof *res);
    if (!res) {
        set_err(err, REGIO_ENOMEM, 0, 0, "out of memory for neighbour lists");
        return REGIO_ENOMEM;
    }
    regio_err rc = d->metric == REGIO_METRIC_MATRIX
                       ? matrix_neighbours(d, k, res)
                       : coord_neighbours(d, k, flags, res);
    if (rc) {
        regio_free(res);
        set_err(err, rc, 0, 0, "out of memory building neighbour lists");
        return rc;
    }
    *out = res;
    return REGIO_OK;
}

/* ---- coincident points and subsets --------------------------------------- */

typedef struct xyi {
    double x, y;
    uint32_t i;
} xyi;

static int xyi_cmp(const void *a, const void *b)
{
    const xyi *p = a, *q = b;
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    if (p->y != q->y)
        return p->y < q->y ? -1 : 1;
    return (p->i > q->i) - (p->i < q->i);
}

regio_err regio_dist_coincident(const regio_dist *d, uint32_t **rep,
                                size_t *n_unique, regio_error *err)
{
    if (rep)
        *rep = NULL;
    if (!d || !rep || !n_unique) {
        set_err(err, REGIO_EINVAL, 0, 0, "no provider or outputs given");
        return REGIO_EINVAL;
    }
    size_t n = d->n;
    uint32_t *r = regio_malloc(n * sizeof *r);
    if (!r) {
        set_err(err, REGIO_ENOMEM, 0, 0, "out of memory");
        return REGIO_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        r[i] = (uint32_t)i;
    size_t uniq = n;
    if (d->metric != REGIO_METRIC_MATRIX && n > 1) {
        xyi *a = regio_malloc(n * sizeof *a);
        if (!a) {
            regio_free(r);
            set_err(err, REGIO_ENOMEM, 0, 0, "out of memory");
            return REGIO_ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
            a[i].x = d->x[i];
            a[i].y = d->y[i];
            a[i].i = (uint32_t)i;
        }
        qsort(a, n, sizeof *a, xyi_cmp);
        /* Within a run of equal coordinates the first has the smallest
         * index (the comparator's last key). */
        for (size_t s0 = 0; s0 < n;) {
            size_t e = s0 + 1;
            while (e < n && a[e].x == a[s0].x && a[e].y == a[s0].y) {
                r[a[e].i] = a[s0].i;
                uniq--;
                e++;
            }
            s0 = e;
        }
        regio_free(a);
    }
    *rep = r;
    *n_unique = uniq;
    return REGIO_OK;
}

regio_err regio_dist_create_subset(const regio_dist *d, const uint32_t *idx,
                                   size_t m, regio_dist **out,
                                   regio_error *err)
{
    if (out)
        *out = NULL;
    if (!d || !idx || !out || m == 0) {
        set_err(err, REGIO_EINVAL, 0, 0, "subset needs a provider, m >= 1 "
                                         "indices and an output");
        return REGIO_EINVAL;
    }
    for (size_t r = 0; r < m; r++)
        if (idx[r] >= d->n) {
            set_err(err, REGIO_EINVAL, 0, 0, "subset index out of range");
            return REGIO_EINVAL;
        }
    regio_err rc;
    if (d->metric != REGIO_METRIC_MATRIX) {
        double *x = regio_malloc(m * sizeof *x), *y = regio_malloc(m * sizeof *y);
        rc = REGIO_ENOMEM;
        if (x && y) {
            for (size_t r = 0; r < m; r++) {
                x[r] = d->x[idx[r]];
                y[r] = d->y[idx[r]];
            }
            regio_dist_opts o = {d->metric, d->round_nearest, d->road_factor,
                                 d->speed_kmh};
            rc = regio_dist_create_coords(m, x, y, &o, out, err);
        } else {
            set_err(err, REGIO_ENOMEM, 0, 0, "out of memory");
        }
        regio_free(x);
        regio_free(y);
        return rc;
    }
    if (m > SIZE_MAX / sizeof(double) / m) {
        set_err(err, REGIO_EINVAL, 0, 0, "subset too large");
        return REGIO_EINVAL;
    }
    double *c = regio_malloc(m * m * sizeof *c);
    double *t = d->dur != d->cost ? regio_malloc(m * m * sizeof *t) : NULL;
    if (!c || (d->dur != d->cost && !t)) {
        regio_free(c);
        regio_free(t);
        set_err(err, REGIO_ENOMEM, 0, 0, "out of memory");
        return REGIO_ENOMEM;
    }
    size_t n = d->n;
    for (size_t a = 0; a < m; a++)
        for (size_t b = 0; b < m; b++) {
            c[a * m + b] = d->cost[(size_t)idx[a] * n + idx[b]];
            if (t)
                t[a * m + b] = d->dur[(size_t)idx[a] * n + idx[b]];
        }
    rc = regio_dist_create_matrix(m, c, t, out, err);
    regio_free(c);
    regio_free(t);
    return rc;
}
