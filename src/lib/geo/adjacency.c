/*
 * Border adjacency of polygon units. Method: candidate pairs from a GEOS
 * STRtree over envelopes (grown by the snap tolerance). Fast path for clean
 * topologies (TIGER, TopoJSON): every boundary segment is hashed by its
 * two endpoints (order-free) and the hashes sorted, so pairs that share an
 * identical segment are found in O(V log V) for V vertices, with their
 * shared length. Remaining candidate pairs go through GEOS: both
 * boundaries are clipped to the overlap of the envelopes (plus a margin),
 * then (1) exact: the boundaries' intersection has positive length;
 * (2) snapped: else, if they come within tol, the length of boundary A
 * inside the tol-buffer of boundary B must exceed ratio x tol (slivers and
 * gaps; a corner contact is ~2 tol long and does not count); (3) overlap:
 * else, if the clipped interiors overlap (sloppy data), they are neighbours.
 * Cost ~ O(n log n + sum over candidate pairs of their clipped vertices);
 * deterministic (pairs in index order, output sorted).
 */
#include "geo/geo_internal.h"
#include "core/grow.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

regio_adj_opts regio_adj_opts_default(void)
{
    regio_adj_opts o;
    o.snap_tol = -1;
    o.min_near_ratio = 50;
    return o;
}


typedef struct poly {
    GEOSGeometry *g;     /* polygon, NULL for points */
    GEOSGeometry *bnd;   /* boundary, computed lazily */
    double x0, y0, x1, y1;
} poly;
typedef poly poly_ref;

/* One boundary segment: hash of its endpoints, owner, length. */
typedef struct segrec {
    uint64_t h;
    uint32_t unit;
    float km;
} segrec;

/* Total identical-segment length shared by units i < j. */
typedef struct pairrec {
    uint32_t i, j;
    double km;
} pairrec;

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static uint64_t dbits(double v)
{
    uint64_t u;
    if (v == 0)
        v = 0; /* -0.0 and 0.0 hash alike */
    memcpy(&u, &v, sizeof u);
    return u;
}

static uint64_t seg_hash(double ax, double ay, double bx, double by)
{
    if (ax > bx || (ax == bx && ay > by)) {
        double t = ax;
        ax = bx;
        bx = t;
        t = ay;
        ay = by;
        by = t;
    }
    uint64_t h = mix64(dbits(ax) + 0x9e3779b97f4a7c15ULL);
    h = mix64(h ^ dbits(ay));
    h = mix64(h ^ dbits(bx));
    return mix64(h ^ dbits(by));
}

static int segrec_cmp(const void *a, const void *b)
{
    const segrec *x = a, *y = b;
    if (x->h != y->h)
        return x->h < y->h ? -1 : 1;
    return x->unit < y->unit ? -1 : x->unit > y->unit;
}

static int pairrec_cmp(const void *a, const void *b)
{
    const pairrec *x = a, *y = b;
    if (x->i != y->i)
        return x->i < y->i ? -1 : 1;
    return x->j < y->j ? -1 : x->j > y->j;
}

typedef struct segs {
    segrec *v;
    size_t n, cap;
    double *buf;
    size_t buf_cap;
} segs;

static regio_err add_ring_segs(regio__geos *g, const GEOSGeometry *ring,
                               uint32_t unit, int planar, segs *S)
{
    const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(g->h, ring);
    unsigned int m = 0;
    if (!seq || !GEOSCoordSeq_getSize_r(g->h, seq, &m) || m < 2)
        return REGIO_OK;
    if (regio__grow(&S->buf, &S->buf_cap, m, 2 * sizeof(double)))
        return REGIO_ENOMEM;
    if (!GEOSCoordSeq_copyToBuffer_r(g->h, seq, S->buf, 0, 0))
        return REGIO_EGEOM;
    if (regio__grow(&S->v, &S->cap, S->n + m, sizeof *S->v))
        return REGIO_ENOMEM;
    const double *c = S->buf;
    for (unsigned int k = 0; k + 1 < m; k++) {
        double ax = c[2 * k], ay = c[2 * k + 1];
        double bx = c[2 * k + 2], by = c[2 * k + 3];
        if (ax == bx && ay == by)
            continue;
        segrec *r = &S->v[S->n++];
        r->h = seg_hash(ax, ay, bx, by);
        r->unit = unit;
        r->km = (float)(planar ? regio_euclid(ax, ay, bx, by)
                               : regio_haversine_km(ay, ax, by, bx));
    }
    return REGIO_OK;
}

static regio_err add_geom_segs(regio__geos *g, const GEOSGeometry *geom,
                               uint32_t unit, int planar, segs *S)
{
    int t = GEOSGeomTypeId_r(g->h, geom);
    regio_err rc = REGIO_OK;
    if (t == GEOS_POLYGON) {
        rc = add_ring_segs(g, GEOSGetExteriorRing_r(g->h, geom), unit, planar,
                           S);
        int nh = GEOSGetNumInteriorRings_r(g->h, geom);
        for (int k = 0; !rc && k < nh; k++)
            rc = add_ring_segs(g, GEOSGetInteriorRingN_r(g->h, geom, k), unit,
                               planar, S);
    } else if (t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION) {
        int ng = GEOSGetNumGeometries_r(g->h, geom);
        for (int k = 0; !rc && k < ng; k++)
            rc = add_geom_segs(g, GEOSGetGeometryN_r(g->h, geom, k), unit,
                               planar, S);
    }
    return rc;
}

/* Pairs of units sharing identical segments, sorted by (i, j). */
static regio_err shared_segments(regio__geos *g, const poly_ref *P, size_t n,
                                 int planar, pairrec **out, size_t *n_out)
{
    segs S = {0};
    regio_err rc = REGIO_OK;
    *out = NULL;
    *n_out = 0;
    for (size_t i = 0; !rc && i < n; i++)
        if (P[i].g)
            rc = add_geom_segs(g, P[i].g, (uint32_t)i, planar, &S);
    regio_free(S.buf);
    if (rc) {
        regio_free(S.v);
        return rc;
    }
    if (S.n)
        qsort(S.v, S.n, sizeof *S.v, segrec_cmp);
    pairrec *pr = NULL;
    size_t np = 0, cap = 0;
    for (size_t s = 0; s < S.n && !rc;) {
        size_t e = s + 1;
        while (e < S.n && S.v[e].h == S.v[s].h)
            e++;
        for (size_t a = s; a < e && !rc; a++)
            for (size_t b = a + 1; b < e; b++) {
                if (S.v[a].unit == S.v[b].unit)
                    continue;
                if (np == cap && regio__grow(&pr, &cap, np + 1, sizeof *pr)) {
                    rc = REGIO_ENOMEM;
                    break;
                }
                pr[np++] = (pairrec){S.v[a].unit, S.v[b].unit, S.v[a].km};
            }
        s = e;
    }
    regio_free(S.v);
    if (rc) {
        regio_free(pr);
        return rc;
    }
    if (np)
        qsort(pr, np, sizeof *pr, pairrec_cmp);
    size_t w = 0;
    for (size_t k = 0; k < np; k++) {
        if (w && pr[w - 1].i == pr[k].i && pr[w - 1].j == pr[k].j)
            pr[w - 1].km += pr[k].km;
        else
            pr[w++] = pr[k];
    }
    *out = pr;
    *n_out = w;
    return REGIO_OK;
}

static const pairrec *find_pair(const pairrec *pr, size_t n, size_t i, size_t j)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pr[mid].i < i || (pr[mid].i == i && pr[mid].j < j))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && pr[lo].i == i && pr[lo].j == j ? &pr[lo] : NULL;
}

typedef struct cand {
    size_t *v;
    size_t n, cap;
    int oom;
} cand;

static void query_cb(void *item, void *ud)
{
    cand *c = ud;
    if (c->n == c->cap && regio__grow(&c->v, &c->cap, c->n + 1, sizeof *c->v)) {
        c->oom = 1;
        return;
    }
    c->v[c->n++] = (size_t)((uintptr_t)item - 1);
}

static int size_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static GEOSGeometry *boundary(regio__geos *g, poly *p)
{
    if (!p->bnd)
        p->bnd = GEOSBoundary_r(g->h, p->g);
    return p->bnd;
}

/* Intersection with a snap-rounding retry for robustness failures. */
static GEOSGeometry *intersect(regio__geos *g, const GEOSGeometry *a,
                               const GEOSGeometry *b, double grid)
{
    GEOSGeometry *r = GEOSIntersection_r(g->h, a, b);
    if (!r && grid > 0)
        r = GEOSIntersectionPrec_r(g->h, a, b, grid);
    return r;
}

typedef struct pair_result {
    int kind;      /* 0 none, 1 exact, 2 snapped, 3 overlap */
    double km;
} pair_result;

static regio_err test_pair(regio__geos *g, poly *pi, poly *pj, double tol,
                           double margin, double ratio, int planar,
                           double grid, pair_result *out)
{
    GEOSContextHandle_t h = g->h;
    out->kind = 0;
    out->km = 0;
    double x0 = fmax(pi->x0, pj->x0) - margin, y0 = fmax(pi->y0, pj->y0) - margin;
    double x1 = fmin(pi->x1, pj->x1) + margin, y1 = fmin(pi->y1, pj->y1) + margin;
    if (x0 > x1 || y0 > y1)
        return REGIO_OK;
    GEOSGeometry *bi = boundary(g, pi), *bj = boundary(g, pj);
    if (!bi || !bj)
        return REGIO_EGEOM;
    GEOSGeometry *ci = GEOSClipByRect_r(h, bi, x0, y0, x1, y1);
    GEOSGeometry *cj = ci ? GEOSClipByRect_r(h, bj, x0, y0, x1, y1) : NULL;
    GEOSGeometry *inter = NULL;
    regio_err rc = REGIO_OK;
    if (!ci || !cj) {
        rc = REGIO_EGEOM;
        goto done;
    }
    if (GEOSisEmpty_r(h, ci) || GEOSisEmpty_r(h, cj))
        goto done;
    inter = intersect(g, ci, cj, grid);
    if (!inter) {
        rc = REGIO_EGEOM;
        goto done;
    }
    double len = 0;
    GEOSLength_r(h, inter, &len);
    if (len > 0) {
        out->kind = 1;
        out->km = regio__geos_line_length(g, inter, planar);
        goto done;
    }
    if (tol > 0) {
        double d = INFINITY;
        if (GEOSisEmpty_r(h, inter))
            GEOSDistance_r(h, ci, cj, &d);
        else
            d = 0;
        if (d <= tol) {
            GEOSGeometry *buf = GEOSBuffer_r(h, cj, tol, 2);
            GEOSGeometry *near = buf ? intersect(g, ci, buf, grid) : NULL;
            double nl = 0;
            if (near)
                GEOSLength_r(h, near, &nl);
            if (near && nl > ratio * tol) {
                out->kind = 2;
                out->km = regio__geos_line_length(g, near, planar);
            }
            if (near)
                GEOSGeom_destroy_r(h, near);
            if (buf)
                GEOSGeom_destroy_r(h, buf);
            if (out->kind)
                goto done;
        }
    }
    if (!GEOSisEmpty_r(h, inter)) {
        /* Boundaries cross or touch at points: neighbours only when the
         * interiors overlap (both envelopes contain any overlap). */
        GEOSGeometry *pa = GEOSClipByRect_r(h, pi->g, x0, y0, x1, y1);
        GEOSGeometry *pb = pa ? GEOSClipByRect_r(h, pj->g, x0, y0, x1, y1) : NULL;
        if (pa && pb && !GEOSisEmpty_r(h, pa) && !GEOSisEmpty_r(h, pb) &&
            GEOSRelatePattern_r(h, pa, pb, "T********") == 1) {
            GEOSGeometry *in = intersect(g, ci, pb, grid);
            out->kind = 3;
            out->km = in ? regio__geos_line_length(g, in, planar) : 0;
            if (in)
                GEOSGeom_destroy_r(h, in);
        }
        if (pa)
            GEOSGeom_destroy_r(h, pa);
        if (pb)
            GEOSGeom_destroy_r(h, pb);
    }
done:
    if (inter)
        GEOSGeom_destroy_r(h, inter);
    if (ci)
        GEOSGeom_destroy_r(h, ci);
    if (cj)
        GEOSGeom_destroy_r(h, cj);
    return rc;
}

regio_err regio_adjacency_from_polygons(const regio_unitset *us,
                                        regio_adj_edge **edges, size_t *n,
                                        regio_error *err)
{
    return regio_adjacency_from_polygons_ex(us, NULL, edges, n, NULL, err);
}

regio_err regio_adjacency_from_polygons_ex(const regio_unitset *us,
                                           const regio_adj_opts *opts,
                                           regio_adj_edge **edges, size_t *n,
                                           regio_adj_stats *stats,
                                           regio_error *err)
{
    if (!us || !edges || !n)
        return regio__geo_fail(err, REGIO_EINVAL, "", 0, "",
                               "unit set and outputs are required");
    *edges = NULL;
    *n = 0;
    regio_adj_opts o = opts ? *opts : regio_adj_opts_default();
    if (!(o.min_near_ratio > 0))
        o.min_near_ratio = 50;
    regio_adj_stats st;
    memset(&st, 0, sizeof st);
    regio__geos g;
    if (regio__geos_init(&g))
        return regio__geo_fail(err, REGIO_ENOMEM, "", 0, "", "cannot start GEOS");
    GEOSContextHandle_t h = g.h;
    regio_err rc = REGIO_OK;
    poly *P = regio_calloc(us->n ? us->n : 1, sizeof *P);
    GEOSWKBReader *rd = GEOSWKBReader_create_r(h);
    GEOSSTRtree *tree = GEOSSTRtree_create_r(h, 10);
    GEOSGeometry **rects = regio_calloc(us->n ? us->n : 1, sizeof *rects);
    regio__edges out = {0};
    cand c = {0};
    pairrec *shared = NULL;
    size_t n_shared = 0;
    if (!P || !rd || !tree || !rects) {
        rc = regio__geo_fail(err, REGIO_ENOMEM, "", 0, "", "out of memory");
        goto cleanup;
    }
    double X0 = INFINITY, Y0 = INFINITY, X1 = -INFINITY, Y1 = -INFINITY;
    for (size_t i = 0; i < us->n; i++) {
        const regio_unit *u = &us->units[i];
        if (!u->wkb)
            continue;
        P[i].g = GEOSWKBReader_read_r(h, rd, u->wkb, u->wkb_len);
        if (!P[i].g || !GEOSGeom_getExtent_r(h, P[i].g, &P[i].x0, &P[i].y0,
                                             &P[i].x1, &P[i].y1)) {
            rc = regio__geo_fail(err, REGIO_EGEOM, "", (long)i + 1, "geometry",
                                 "unit '%s': unreadable WKB: %s", u->id,
                                 g.last);
            goto cleanup;
        }
        X0 = fmin(X0, P[i].x0);
        Y0 = fmin(Y0, P[i].y0);
        X1 = fmax(X1, P[i].x1);
        Y1 = fmax(Y1, P[i].y1);
    }
    if (!(X1 >= X0))
        goto cleanup; /* no polygons: no edges */
    double diag = hypot(X1 - X0, Y1 - Y0);
    double tol = o.snap_tol < 0 ? 1e-6 * diag : o.snap_tol;
    double margin = fmax(2 * tol, 1e-7 * diag);
    if (!(margin > 0))
        margin = 1e-9;
    double grid = fmax(tol, 1e-9 * diag);
    st.snap_tol = tol;
    if (us->n > UINT32_MAX) {
        rc = regio__geo_fail(err, REGIO_EINVAL, "", 0, "", "too many units");
        goto cleanup;
    }
    rc = shared_segments(&g, P, us->n, us->planar, &shared, &n_shared);
    if (rc) {
        rc = regio__geo_fail(err, rc, "", 0, "", "%s",
                             rc == REGIO_ENOMEM ? "out of memory"
                                                : "unreadable ring");
        goto cleanup;
    }
    for (size_t i = 0; i < us->n; i++) {
        if (!P[i].g)
            continue;
        rects[i] = GEOSGeom_createRectangle_r(h, P[i].x0 - tol, P[i].y0 - tol,
                                              P[i].x1 + tol, P[i].y1 + tol);
        if (!rects[i]) {
            rc = regio__geo_fail(err, REGIO_ENOMEM, "", 0, "", "out of memory");
            goto cleanup;
        }
        GEOSSTRtree_insert_r(h, tree, rects[i], (void *)(uintptr_t)(i + 1));
    }
    for (size_t i = 0; i < us->n; i++) {
        if (!P[i].g)
            continue;
        c.n = 0;
        GEOSSTRtree_query_r(h, tree, rects[i], query_cb, &c);
        if (c.oom) {
            rc = regio__geo_fail(err, REGIO_ENOMEM, "", 0, "", "out of memory");
            goto cleanup;
        }
        if (c.n)
            qsort(c.v, c.n, sizeof *c.v, size_cmp);
        for (size_t k = 0; k < c.n; k++) {
            size_t j = c.v[k];
            if (j <= i)
                continue;
            st.candidates++;
            pair_result pr;
            const pairrec *sh = find_pair(shared, n_shared, i, j);
            if (sh) {
                st.exact++;
                st.hashed++;
                if (regio__edges_push(&out, us->units[i].id, us->units[j].id,
                                      REGIO_ADJ_BORDER, sh->km)) {
                    rc = regio__geo_fail(err, REGIO_ENOMEM, "", 0, "",
                                         "out of memory");
                    goto cleanup;
                }
                continue;
            }
            rc = test_pair(&g, &P[i], &P[j], tol, margin, o.min_near_ratio,
                           us->planar, grid, &pr);
            if (rc) {
                rc = regio__geo_fail(err, rc, "", (long)i + 1, "geometry",
                                     "border of units '%s' and '%s': %s",
                                     us->units[i].id, us->units[j].id,
                                     g.last[0] ? g.last : "GEOS failed");
                goto cleanup;
            }
            if (!pr.kind)
                continue;
            if (pr.kind == 1)
                st.exact++;
            else if (pr.kind == 2)
                st.snapped++;
            else
                st.overlapping++;
            if (regio__edges_push(&out, us->units[i].id, us->units[j].id,
                                  REGIO_ADJ_BORDER, pr.km)) {
                rc = regio__geo_fail(err, REGIO_ENOMEM, "", 0, "",
                                     "out of memory");
                goto cleanup;
            }
        }
        /* a unit's boundary is not needed once all its pairs are done */
        if (P[i].bnd) {
            GEOSGeom_destroy_r(h, P[i].bnd);
            P[i].bnd = NULL;
        }
    }
cleanup:
    if (!rc)
        regio__edges_finish(&out, edges, n);
    regio__edges_free(&out);
    regio_free(c.v);
    regio_free(shared);
    if (tree)
        GEOSSTRtree_destroy_r(h, tree);
    for (size_t i = 0; P && i < us->n; i++) {
        if (P[i].g)
            GEOSGeom_destroy_r(h, P[i].g);
        if (P[i].bnd)
            GEOSGeom_destroy_r(h, P[i].bnd);
        if (rects && rects[i])
            GEOSGeom_destroy_r(h, rects[i]);
    }
    regio_free(P);
    regio_free(rects);
    if (rd)
        GEOSWKBReader_destroy_r(h, rd);
    regio__geos_finish(&g);
    if (stats)
        *stats = st;
    return rc;
}
