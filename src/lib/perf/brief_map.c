/*
 * The territory brief's map: the units' polygons (read from WKB with GEOS,
 * simplified to about a pixel so that a county map stays a few hundred
 * kilobytes) and the accounts as dots, as one inline SVG in an
 * equirectangular projection around the middle latitude. No tiles, no
 * network: the page prints the same offline. Cost: one pass over the
 * vertices of the units, O(v).
 */
#include "perf/brief_internal.h"

#include "geo/geo_internal.h"

#include <math.h>
#include <string.h>

const char *const regio__brief_palette[REGIO__BRIEF_COLOURS] = {
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"};

/* Fill and stroke of each shape kind (held, joined, left). */
static const char *const fill[3] = {"#dbe8f6", "#cdeccd", "#eeeeee"};
static const char *const stroke[3] = {"#5b7fa6", "#3d8b3d", "#999999"};

/* The projection: x = (lon - lon0) * kx, y = (lat0 - lat) * ky, in pixels. */
typedef struct proj {
    double west, north, kx, ky, pad;
} proj;

static double px(const proj *p, double lon) { return p->pad + (lon - p->west) * p->kx; }
static double py(const proj *p, double lat) { return p->pad + (p->north - lat) * p->ky; }

static void extend(double *b, double lon, double lat)
{
    if (!isfinite(lon) || !isfinite(lat))
        return;
    if (lon < b[0])
        b[0] = lon;
    if (lat < b[1])
        b[1] = lat;
    if (lon > b[2])
        b[2] = lon;
    if (lat > b[3])
        b[3] = lat;
}

/* Appends one ring as "M x y L ... Z" (whole pixels tenths). */
static regio_err ring_path(GEOSContextHandle_t h, const GEOSGeometry *ring, const proj *p,
                           regio_buf *b)
{
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, ring);
    unsigned n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n) || n < 3)
        return REGIO_OK;
    for (unsigned i = 0; i < n; i++) {
        double x, y;
        if (!GEOSCoordSeq_getXY_r(h, cs, i, &x, &y))
            return REGIO_EGEOM;
        if (regio_buf_printf(b, "%c%.1f %.1f", i ? 'L' : 'M', px(p, x), py(p, y)))
            return REGIO_ENOMEM;
    }
    return regio_buf_putc(b, 'Z');
}

/* Appends the rings of every polygon of g. */
static regio_err geom_path(GEOSContextHandle_t h, const GEOSGeometry *g, const proj *p,
                           regio_buf *b)
{
    int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_POLYGON) {
        regio_err rc = ring_path(h, GEOSGetExteriorRing_r(h, g), p, b);
        int holes = GEOSGetNumInteriorRings_r(h, g);
        for (int i = 0; !rc && i < holes; i++)
            rc = ring_path(h, GEOSGetInteriorRingN_r(h, g, i), p, b);
        return rc;
    }
    if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        int n = GEOSGetNumGeometries_r(h, g);
        for (int i = 0; i < n; i++) {
            regio_err rc = geom_path(h, GEOSGetGeometryN_r(h, g, i), p, b);
            if (rc)
                return rc;
        }
    }
    return REGIO_OK;
}

regio_err regio__brief_map_svg(const regio__brief_shape *shapes, size_t n_shapes,
                               const regio__brief_dot *dots, size_t n_dots, int width, int height,
                               regio_buf *out, regio_error *err)
{
    regio__geos g;
    regio_err rc = regio__geos_init(&g);
    if (rc)
        return regio_error_setf(err, rc, NULL, 0, NULL, "cannot start GEOS for the map");
    GEOSWKBReader *rd = GEOSWKBReader_create_r(g.h);
    GEOSGeometry **geoms = regio_calloc(n_shapes ? n_shapes : 1, sizeof *geoms);
    if (!rd || !geoms) {
        rc = regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory drawing the map");
        goto done;
    }
    double bb[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < n_shapes; i++) {
        const regio__brief_shape *s = &shapes[i];
        if (s->wkb)
            geoms[i] = GEOSWKBReader_read_r(g.h, rd, s->wkb, s->wkb_len);
        if (geoms[i]) {
            double x0, y0, x1, y1;
            if (GEOSGeom_getXMin_r(g.h, geoms[i], &x0) && GEOSGeom_getYMin_r(g.h, geoms[i], &y0) &&
                GEOSGeom_getXMax_r(g.h, geoms[i], &x1) && GEOSGeom_getYMax_r(g.h, geoms[i], &y1)) {
                extend(bb, x0, y0);
                extend(bb, x1, y1);
            }
        } else {
            extend(bb, s->lon, s->lat);
        }
    }
    for (size_t i = 0; i < n_dots; i++)
        extend(bb, dots[i].lon, dots[i].lat);
    if (!(bb[0] <= bb[2])) {
        rc = regio_buf_puts(out, "<p class=\"note\">Nothing to draw: the territory has no "
                                 "unit or account with a position.</p>\n")
                 ? regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory")
                 : REGIO_OK;
        goto done;
    }
    /* A single point still gets a small window around it. */
    double span_min = 0.01;
    if (bb[2] - bb[0] < span_min) {
        bb[0] -= span_min / 2;
        bb[2] += span_min / 2;
    }
    if (bb[3] - bb[1] < span_min) {
        bb[1] -= span_min / 2;
        bb[3] += span_min / 2;
    }
    double coslat = cos((bb[1] + bb[3]) / 2 * M_PI / 180);
    if (coslat < 0.1)
        coslat = 0.1;
    proj p = {bb[0], bb[3], 0, 0, 8};
    double kx = (width - 2 * p.pad) / ((bb[2] - bb[0]) * coslat);
    double ky = (height - 2 * p.pad) / (bb[3] - bb[1]);
    double k = kx < ky ? kx : ky;
    p.kx = k * coslat;
    p.ky = k;
    int w = (int)ceil(2 * p.pad + (bb[2] - bb[0]) * p.kx);
    int hgt = (int)ceil(2 * p.pad + (bb[3] - bb[1]) * p.ky);
    double tol = 0.7 / k; /* degrees of about 0.7 pixel */
    if (regio_buf_printf(out,
                         "<svg class=\"map\" xmlns=\"http://www.w3.org/2000/svg\" "
                         "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
                         "aria-label=\"Map of the territory\">\n",
                         w, hgt, w, hgt)) {
        rc = REGIO_ENOMEM;
        goto fail;
    }
    /* Left units first, then held, then joined, so that borders of the
     * territory's own units are drawn over the ones it lost. */
    static const int order[3] = {REGIO__BRIEF_LEFT, REGIO__BRIEF_HELD, REGIO__BRIEF_JOINED};
    for (int o = 0; o < 3 && !rc; o++) {
        int kind = order[o];
        for (size_t i = 0; i < n_shapes && !rc; i++) {
            if (shapes[i].kind != kind)
                continue;
            if (!geoms[i]) {
                if (isfinite(shapes[i].lat) && isfinite(shapes[i].lon) &&
                    regio_buf_printf(out,
                                     "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" "
                                     "fill=\"%s\" stroke=\"%s\"/>\n",
                                     px(&p, shapes[i].lon) - 4, py(&p, shapes[i].lat) - 4,
                                     fill[kind], stroke[kind]))
                    rc = REGIO_ENOMEM;
                continue;
            }
            GEOSGeometry *simple = GEOSTopologyPreserveSimplify_r(g.h, geoms[i], tol);
            if (regio_buf_printf(out,
                                 "<path fill=\"%s\" stroke=\"%s\" stroke-width=\"0.6\"%s "
                                 "fill-rule=\"evenodd\" d=\"",
                                 fill[kind], stroke[kind],
                                 kind == REGIO__BRIEF_LEFT ? " stroke-dasharray=\"3 2\"" : ""))
                rc = REGIO_ENOMEM;
            if (!rc)
                rc = geom_path(g.h, simple ? simple : geoms[i], &p, out);
            if (!rc && regio_buf_puts(out, "\"/>\n"))
                rc = REGIO_ENOMEM;
            if (simple)
                GEOSGeom_destroy_r(g.h, simple);
        }
    }
    for (size_t i = 0; i < n_dots && !rc; i++) {
        if (!isfinite(dots[i].lat) || !isfinite(dots[i].lon))
            continue;
        if (regio_buf_printf(out,
                             "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\" "
                             "stroke=\"#ffffff\" stroke-width=\"0.8\"/>\n",
                             px(&p, dots[i].lon), py(&p, dots[i].lat),
                             regio__brief_palette[dots[i].colour % REGIO__BRIEF_COLOURS]))
            rc = REGIO_ENOMEM;
    }
    if (!rc && regio_buf_puts(out, "</svg>\n"))
        rc = REGIO_ENOMEM;
fail:
    if (rc == REGIO_ENOMEM)
        regio_error_setf(err, rc, NULL, 0, NULL, "out of memory drawing the map");
    else if (rc)
        regio_error_setf(err, rc, NULL, 0, NULL, "cannot read a unit's geometry: %s", g.last);
done:
    if (geoms)
        for (size_t i = 0; i < n_shapes; i++)
            if (geoms[i])
                GEOSGeom_destroy_r(g.h, geoms[i]);
    regio_free(geoms);
    if (rd)
        GEOSWKBReader_destroy_r(g.h, rd);
    regio__geos_finish(&g);
    return rc;
}
