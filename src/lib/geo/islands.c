/*
 * Island links (METRICS.md), the one linker of libregio: every connected
 * component other than the largest gets one edge between its unit and the
 * mainland unit closest by great-circle distance. Method: a k-d tree over
 * the mainland centroids as unit vectors in R^3 (chord length is monotone
 * in great-circle distance; planar sets use x, y, 0), nearest-neighbour
 * query per island unit. O(n log n) overall; ties go to the smallest
 * (island, mainland) positions. regio__islands_find works on any graph and
 * points (the design engine's regio_design_island_links calls it too);
 * regio_adjacency_link_islands applies it to a unit set's edge list.
 */
#include "geo/geo_internal.h"
#include "core/great_circle.h"
#include "geo/graph_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct kd {
    const double (*p)[3]; /* point of each unit position */
    size_t *idx;          /* mainland unit positions, arranged as a tree */
} kd;

static pthread_mutex_t kd_lock = PTHREAD_MUTEX_INITIALIZER;
static const double (*sort_pts)[3];
static int sort_dim;

static int kd_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    double u = sort_pts[x][sort_dim], v = sort_pts[y][sort_dim];
    if (u != v)
        return u < v ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* Builds an implicit tree: the median of idx[lo,hi) splits on depth % 3.
 * qsort's comparator reads file-level state, so builds hold kd_lock. */
static void kd_build(kd *t, size_t lo, size_t hi, int depth)
{
    if (hi - lo <= 1)
        return;
    sort_pts = t->p;
    sort_dim = depth % 3;
    qsort(t->idx + lo, hi - lo, sizeof *t->idx, kd_cmp);
    size_t mid = lo + (hi - lo) / 2;
    kd_build(t, lo, mid, depth + 1);
    kd_build(t, mid + 1, hi, depth + 1);
}

static double d2(const double a[3], const double b[3])
{
    double x = a[0] - b[0], y = a[1] - b[1], z = a[2] - b[2];
    return x * x + y * y + z * z;
}

static void kd_nearest(const kd *t, size_t lo, size_t hi, int depth,
                       const double q[3], double *best, size_t *best_idx)
{
    if (lo >= hi)
        return;
    size_t mid = lo + (hi - lo) / 2;
    size_t u = t->idx[mid];
    double d = d2(q, t->p[u]);
    if (d < *best || (d == *best && u < *best_idx)) {
        *best = d;
        *best_idx = u;
    }
    int dim = depth % 3;
    double diff = q[dim] - t->p[u][dim];
    size_t nlo = diff < 0 ? lo : mid + 1, nhi = diff < 0 ? mid : hi;
    size_t flo = diff < 0 ? mid + 1 : lo, fhi = diff < 0 ? hi : mid;
    kd_nearest(t, nlo, nhi, depth + 1, q, best, best_idx);
    if (diff * diff <= *best)
        kd_nearest(t, flo, fhi, depth + 1, q, best, best_idx);
}

regio_err regio__islands_find(const regio_graph *g, const double (*pts)[3],
                              size_t *n_comp, size_t *mainland_size,
                              regio__island **out)
{
    *n_comp = *mainland_size = 0;
    *out = NULL;
    size_t N = g->n, ncomp = 0;
    size_t *comp = regio_malloc((N ? N : 1) * sizeof *comp);
    size_t *size = NULL, *idx = NULL;
    double *bd = NULL;
    regio__island *isl = NULL;
    regio_err rc = REGIO_ENOMEM;
    if (!comp || regio_graph_components(g, comp, &ncomp))
        goto done;
    size = regio_calloc(ncomp ? ncomp : 1, sizeof *size);
    if (!size)
        goto done;
    for (size_t i = 0; i < N; i++)
        size[comp[i]]++;
    size_t main_c = 0;
    for (size_t c = 1; c < ncomp; c++)
        if (size[c] > size[main_c])
            main_c = c;
    *n_comp = ncomp;
    *mainland_size = ncomp ? size[main_c] : 0;
    rc = REGIO_OK;
    if (ncomp <= 1)
        goto done;
    rc = REGIO_ENOMEM;
    idx = regio_malloc(N * sizeof *idx);
    isl = regio_malloc((ncomp - 1) * sizeof *isl);
    bd = regio_malloc((ncomp - 1) * sizeof *bd);
    if (!idx || !isl || !bd)
        goto done;
    size_t nm = 0;
    for (size_t i = 0; i < N; i++)
        if (comp[i] == main_c && !isnan(pts[i][0]))
            idx[nm++] = i;
    if (nm == 0) {
        rc = REGIO_EDATA;
        goto done;
    }
    kd t = {pts, idx};
    pthread_mutex_lock(&kd_lock);
    kd_build(&t, 0, nm, 0);
    pthread_mutex_unlock(&kd_lock);
    /* island j is component j, or j + 1 from the mainland on; best link per
     * island: (d2, island pos, mainland pos) */
    for (size_t c = 0, j = 0; c < ncomp; c++) {
        if (c == main_c)
            continue;
        isl[j] = (regio__island){size[c], (size_t)-1, (size_t)-1, (size_t)-1};
        bd[j++] = INFINITY;
    }
    for (size_t i = 0; i < N; i++) {
        size_t c = comp[i];
        if (c == main_c)
            continue;
        size_t j = c < main_c ? c : c - 1;
        if (isl[j].first == (size_t)-1)
            isl[j].first = i;
        if (isnan(pts[i][0]))
            continue;
        double best = INFINITY;
        size_t bi = (size_t)-1;
        kd_nearest(&t, 0, nm, 0, pts[i], &best, &bi);
        /* positions are visited in increasing order, so a tie keeps the
         * smaller island position */
        if (best < bd[j]) {
            bd[j] = best;
            isl[j].a = i;
            isl[j].b = bi;
        }
    }
    *out = isl;
    isl = NULL;
    rc = REGIO_OK;
done:
    regio_free(bd);
    regio_free(isl);
    regio_free(idx);
    regio_free(size);
    regio_free(comp);
    return rc;
}

void regio_island_report_clear(regio_island_report *rep)
{
    if (!rep)
        return;
    regio_free(rep->links);
    memset(rep, 0, sizeof *rep);
}

regio_err regio_adjacency_link_islands(const regio_unitset *us,
                                       regio_adj_edge **edges, size_t *n,
                                       regio_island_report *rep,
                                       regio_error *err)
{
    if (!us || !edges || !n)
        return regio__geo_fail(err, REGIO_EINVAL, "", 0, "",
                               "unit set and edges are required");
    if (rep)
        memset(rep, 0, sizeof *rep);
    regio_graph *g = NULL;
    regio_err rc = regio_graph_build(us, *edges, *n, &g, err);
    if (rc)
        return rc;
    size_t N = us->n, ncomp = 0, main_size = 0;
    double (*pts)[3] = regio_malloc((N ? N : 1) * sizeof *pts);
    regio__island *isl = NULL;
    regio__edges add = {0};
    regio_island_link *links = NULL;
    size_t n_links = 0;
    if (!pts) {
        rc = REGIO_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < N; i++) {
        const regio_unit *u = &us->units[i];
        if (!isfinite(u->lat) || !isfinite(u->lon))
            pts[i][0] = pts[i][1] = pts[i][2] = NAN;
        else if (us->planar) {
            pts[i][0] = u->lon;
            pts[i][1] = u->lat;
            pts[i][2] = 0;
        } else {
            regio__unit_vector(u->lat, u->lon, pts[i]);
        }
    }
    rc = regio__islands_find(g, (const double (*)[3])pts, &ncomp, &main_size, &isl);
    if (rep) {
        rep->n_components = ncomp;
        rep->mainland_size = main_size;
    }
    if (rc == REGIO_EDATA)
        rc = regio__geo_fail(err, REGIO_EDATA, "", 0, "",
                             "no mainland unit has coordinates; islands "
                             "cannot be linked");
    if (rc || ncomp <= 1)
        goto done;
    links = regio_calloc(ncomp - 1, sizeof *links);
    if (!links) {
        rc = REGIO_ENOMEM;
        goto done;
    }
    for (size_t j = 0; j + 1 < ncomp && !rc; j++) {
        const regio__island *is = &isl[j];
        if (is->a == (size_t)-1) {
            rc = regio__geo_fail(err, REGIO_EDATA, "", (long)is->first + 1, "",
                                 "island of %zu unit%s containing '%s' has no "
                                 "coordinates and cannot be linked", is->size,
                                 is->size == 1 ? "" : "s", us->units[is->first].id);
            break;
        }
        const regio_unit *a = &us->units[is->a], *b = &us->units[is->b];
        double dist = us->planar
                          ? regio_euclid(a->lon, a->lat, b->lon, b->lat)
                          : regio_haversine_km(a->lat, a->lon, b->lat, b->lon);
        links[n_links++] = (regio_island_link){is->size, is->a, is->b, a->id,
                                               b->id, dist};
        if (regio__edges_push(&add, a->id, b->id, REGIO_ADJ_ISLAND, dist))
            rc = REGIO_ENOMEM;
    }
    if (rc)
        goto done;
    /* append to the caller's array and re-sort */
    regio_adj_edge *v = regio_realloc(*edges, (*n + add.n) * sizeof *v);
    if (!v) {
        rc = REGIO_ENOMEM;
        goto done;
    }
    memcpy(v + *n, add.v, add.n * sizeof *v);
    *edges = v;
    *n += add.n;
    regio_free(add.v);
    memset(&add, 0, sizeof add);
    regio_adj_edges_normalize(*edges, n);
    if (rep) {
        rep->links = links;
        rep->n_links = n_links;
        links = NULL;
    }
done:
    if (rc == REGIO_ENOMEM)
        regio__geo_fail(err, rc, "", 0, "", "out of memory");
    regio__edges_free(&add);
    regio_free(links);
    regio_free(isl);
    regio_free(pts);
    regio_graph_destroy(g);
    return rc;
}
