/*
 * Delaunay adjacency for point units: GEOS's incremental Delaunay
 * triangulation (edges only) of the distinct centroids in the lon/lat (or
 * x/y) plane, O(n log n); vertices are mapped back to units by exact
 * coordinates. Co-located units are chained in index order.
 */
#include "geo/geo_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct pt {
    double x, y;
    size_t idx;
} pt;

static int pt_cmp(const void *a, const void *b)
{
    const pt *p = a, *q = b;
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    if (p->y != q->y)
        return p->y < q->y ? -1 : 1;
    return p->idx < q->idx ? -1 : p->idx > q->idx;
}

/* Representative unit of the distinct point (x, y), or -1. */
static long find_rep(const pt *d, size_t nd, double x, double y)
{
    size_t lo = 0, hi = nd;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d[mid].x < x || (d[mid].x == x && d[mid].y < y))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < nd && d[lo].x == x && d[lo].y == y)
        return (long)d[lo].idx;
    return -1;
}

static regio_err push_edge(const regio_unitset *us, regio__edges *out,
                           size_t a, size_t b, double max_len)
{
    const regio_unit *ua = &us->units[a], *ub = &us->units[b];
    double len = us->planar ? regio_euclid(ua->lon, ua->lat, ub->lon, ub->lat)
                            : regio_haversine_km(ua->lat, ua->lon, ub->lat,
                                                 ub->lon);
    if (max_len > 0 && len > max_len)
        return REGIO_OK;
    return regio__edges_push(out, ua->id, ub->id, REGIO_ADJ_DELAUNAY, len);
}

regio_err regio_adjacency_delaunay(const regio_unitset *us, double max_edge_km,
                                   regio_adj_edge **edges, size_t *n,
                                   regio_error *err)
{
    if (!us || !edges || !n)
        return regio__geo_fail(err, REGIO_EINVAL, "", 0, "",
                               "unit set and outputs are required");
    *edges = NULL;
    *n = 0;
    pt *P = regio_malloc((us->n ? us->n : 1) * sizeof *P);
    if (!P)
        return regio__geo_fail(err, REGIO_ENOMEM, "", 0, "", "out of memory");
    size_t np = 0;
    for (size_t i = 0; i < us->n; i++)
        if (isfinite(us->units[i].lat) && isfinite(us->units[i].lon))
            P[np++] = (pt){us->units[i].lon, us->units[i].lat, i};
    if (np)
        qsort(P, np, sizeof *P, pt_cmp);
    regio__edges out = {0};
    regio_err rc = REGIO_OK;
    /* chain duplicates and compact to distinct points */
    size_t nd = 0;
    for (size_t k = 0; k < np && !rc; k++) {
        if (nd && P[nd - 1].x == P[k].x && P[nd - 1].y == P[k].y) {
            rc = regio__edges_push(&out, us->units[P[k - 1].idx].id,
                                   us->units[P[k].idx].id, REGIO_ADJ_DELAUNAY,
                                   0.0);
            continue;
        }
        P[nd++] = P[k];
    }
    /* (compaction only writes P[nd] with nd <= k, so P[k-1] is intact when
     * the chain link to it is pushed) */
    regio__geos g = {0};
    GEOSGeometry *mp = NULL, *tri = NULL;
    if (rc)
        goto done;
    if (nd == 2) {
        rc = push_edge(us, &out, P[0].idx, P[1].idx, max_edge_km);
        goto done;
    }
    if (nd < 2)
        goto done;
    if (regio__geos_init(&g)) {
        rc = REGIO_ENOMEM;
        goto done;
    }
    GEOSGeometry **pts = regio_malloc(nd * sizeof *pts);
    if (!pts) {
        rc = REGIO_ENOMEM;
        goto done;
    }
    size_t made = 0;
    for (; made < nd; made++)
        if (!(pts[made] = GEOSGeom_createPointFromXY_r(g.h, P[made].x,
                                                       P[made].y)))
            break;
    if (made == nd)
        mp = GEOSGeom_createCollection_r(g.h, GEOS_MULTIPOINT, pts,
                                         (unsigned)nd);
    if (!mp)
        for (size_t k = 0; k < made; k++)
            GEOSGeom_destroy_r(g.h, pts[k]);
    regio_free(pts);
    if (!mp) {
        rc = REGIO_ENOMEM;
        goto done;
    }
    tri = GEOSDelaunayTriangulation_r(g.h, mp, 0.0, 1);
    if (!tri) {
        rc = regio__geo_fail(err, REGIO_EGEOM, "", 0, "",
                             "Delaunay triangulation failed: %s", g.last);
        goto done;
    }
    int nl = GEOSGetNumGeometries_r(g.h, tri);
    size_t found = 0;
    for (int k = 0; k < nl && !rc; k++) {
        const GEOSGeometry *ln = GEOSGetGeometryN_r(g.h, tri, k);
        const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(g.h, ln);
        unsigned int m = 0;
        if (!seq || !GEOSCoordSeq_getSize_r(g.h, seq, &m) || m < 2)
            continue;
        double x0, y0, x1, y1;
        GEOSCoordSeq_getXY_r(g.h, seq, 0, &x0, &y0);
        GEOSCoordSeq_getXY_r(g.h, seq, m - 1, &x1, &y1);
        long a = find_rep(P, nd, x0, y0), b = find_rep(P, nd, x1, y1);
        if (a < 0 || b < 0) {
            rc = regio__geo_fail(err, REGIO_EGEOM, "", 0, "",
                                 "Delaunay vertex (%g, %g) matches no unit",
                                 a < 0 ? x0 : x1, a < 0 ? y0 : y1);
            break;
        }
        found++;
        rc = push_edge(us, &out, (size_t)a, (size_t)b, max_edge_km);
    }
    if (!rc && found == 0) /* all collinear: chain along the line */
        for (size_t k = 1; k < nd && !rc; k++)
            rc = push_edge(us, &out, P[k - 1].idx, P[k].idx, max_edge_km);
done:
    if (tri)
        GEOSGeom_destroy_r(g.h, tri);
    if (mp)
        GEOSGeom_destroy_r(g.h, mp);
    if (g.h)
        regio__geos_finish(&g);
    regio_free(P);
    if (rc) {
        regio__edges_free(&out);
        if (rc == REGIO_ENOMEM)
            regio__geo_fail(err, rc, "", 0, "", "out of memory");
        return rc;
    }
    regio__edges_finish(&out, edges, n);
    return REGIO_OK;
}
