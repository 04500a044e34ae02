/*
 * Tests for territory outlines: adjacent squares union into one polygon,
 * separate ones give a multipolygon, holes, point units give hulls, empty
 * territories, rounding, simplification, KML, bad WKB, the one-pass
 * variant and allocation failure. GeoJSON output is parsed with jansson.
 */
#include "regio/geo.h"
#include "regio_test.h"

#include <jansson.h>
#include <stdint.h>

/* Little-endian ISO WKB polygon from rings of closed lon,lat pairs. */
static unsigned char *wkb_polygon(const double *const *rings, const uint32_t *n, uint32_t nr,
                                  size_t *len)
{
    size_t sz = 9;
    for (uint32_t r = 0; r < nr; r++)
        sz += 4 + 16 * (size_t)n[r];
    unsigned char *b = regio_malloc(sz), *p = b;
    if (!b)
        return NULL;
    uint32_t ty = 3;
    *p++ = 1;
    memcpy(p, &ty, 4), p += 4;
    memcpy(p, &nr, 4), p += 4;
    for (uint32_t r = 0; r < nr; r++) {
        memcpy(p, &n[r], 4), p += 4;
        memcpy(p, rings[r], 16 * (size_t)n[r]), p += 16 * (size_t)n[r];
    }
    *len = sz;
    return b;
}

static unsigned char *square(double x, double y, double w, size_t *len)
{
    double r[10] = {x, y, x + w, y, x + w, y + w, x, y + w, x, y};
    const double *rings[1] = {r};
    uint32_t n[1] = {5};
    return wkb_polygon(rings, n, 1, len);
}

/* Builds a unit set; polygon units get a square of side 1 at (x, y),
 * point units (poly 0) a point at lon x, lat y. */
typedef struct spec {
    const char *id;
    int poly;
    double x, y;
} spec;

static regio_unitset *make(const spec *sp, size_t n)
{
    regio_unit *u = regio_calloc(n, sizeof *u);
    for (size_t i = 0; i < n; i++) {
        regio_unit_init(&u[i]);
        u[i].id = regio_strdup(sp[i].id);
        u[i].lon = sp[i].x + (sp[i].poly ? 0.5 : 0);
        u[i].lat = sp[i].y + (sp[i].poly ? 0.5 : 0);
        if (sp[i].poly)
            u[i].wkb = square(sp[i].x, sp[i].y, 1, &u[i].wkb_len);
    }
    regio_unitset *us = NULL;
    regio_error e;
    if (regio_unitset_create(u, n, 0, &us, &e))
        FAIL_AT_("unitset: %s", e.msg);
    return us;
}

/* Shoelace area of a GeoJSON ring (array of [x, y]). */
static double ring_area(const json_t *ring)
{
    double a = 0;
    size_t n = json_array_size(ring);
    for (size_t i = 0; i + 1 < n; i++) {
        const json_t *p = json_array_get(ring, i), *q = json_array_get(ring, i + 1);
        a += json_number_value(json_array_get(p, 0)) * json_number_value(json_array_get(q, 1)) -
             json_number_value(json_array_get(q, 0)) * json_number_value(json_array_get(p, 1));
    }
    return fabs(a) / 2;
}

static json_t *outline_json(const regio_unitset *us, const int *labels, int t, double simp)
{
    char *out = NULL;
    regio_error e;
    regio_err rc = regio_geo_outline(us, labels, t, simp, REGIO_OUTLINE_GEOJSON, &out, &e);
    if (rc) {
        FAIL_AT_("outline %d: %s", t, e.msg);
        return NULL;
    }
    json_t *j = json_loads(out, JSON_DECODE_ANY, NULL);
    if (!j)
        FAIL_AT_("not JSON: %s", out);
    regio_free(out);
    return j;
}

static const char *type_of(const json_t *g)
{
    return json_string_value(json_object_get(g, "type"));
}

static void test_adjacent_squares_union(void)
{
    const spec sp[] = {{"A", 1, 0, 0}, {"B", 1, 1, 0}, {"C", 1, 5, 5}, {"D", 1, 0, 1}};
    regio_unitset *us = make(sp, 4);
    int labels[4] = {0, 0, 1, 2};
    json_t *g = outline_json(us, labels, 0, 0);
    ASSERT_EQ_STR(type_of(g), "Polygon");
    json_t *rings = json_object_get(g, "coordinates");
    ASSERT_EQ_INT(json_array_size(rings), 1); /* one ring: the shared edge is gone */
    ASSERT_NEAR(ring_area(json_array_get(rings, 0)), 2.0, 1e-9);
    json_decref(g);
    /* Separate squares: a multipolygon of two. */
    labels[2] = 0;
    g = outline_json(us, labels, 0, 0);
    ASSERT_EQ_STR(type_of(g), "MultiPolygon");
    json_t *polys = json_object_get(g, "coordinates");
    ASSERT_EQ_INT(json_array_size(polys), 2);
    double area = 0;
    for (size_t i = 0; i < json_array_size(polys); i++)
        area += ring_area(json_array_get(json_array_get(polys, i), 0));
    ASSERT_NEAR(area, 3.0, 1e-9);
    json_decref(g);
    /* Overlapping or touching at a corner only: still unioned correctly. */
    int l3[4] = {0, 0, 0, 0};
    g = outline_json(us, l3, 0, 0);
    ASSERT_EQ_STR(type_of(g), "MultiPolygon");
    polys = json_object_get(g, "coordinates");
    ASSERT_EQ_INT(json_array_size(polys), 2);
    json_decref(g);
    regio_unitset_destroy(us);
}

static void test_hole_and_kml(void)
{
    /* A ring of 8 unit squares around an empty centre: one polygon with a hole. */
    spec sp[8];
    char ids[8][4];
    int k = 0;
    for (int y = 0; y < 3; y++)
        for (int x = 0; x < 3; x++)
            if (x != 1 || y != 1) {
                snprintf(ids[k], sizeof ids[k], "%c", 'a' + k);
                sp[k] = (spec){ids[k], 1, x, y};
                k++;
            }
    regio_unitset *us = make(sp, 8);
    int labels[8] = {0};
    json_t *g = outline_json(us, labels, 0, 0);
    ASSERT_EQ_STR(type_of(g), "Polygon");
    json_t *rings = json_object_get(g, "coordinates");
    ASSERT_EQ_INT(json_array_size(rings), 2);
    ASSERT_NEAR(ring_area(json_array_get(rings, 0)) - ring_area(json_array_get(rings, 1)), 8.0,
                1e-9);
    json_decref(g);
    char *kml = NULL;
    ASSERT_OK(regio_geo_outline(us, labels, 0, 0, REGIO_OUTLINE_KML, &kml, NULL));
    ASSERT_TRUE(kml && !strncmp(kml, "<MultiGeometry><Polygon><outerBoundaryIs><LinearRing>"
                                     "<coordinates>", 66));
    ASSERT_TRUE(kml && strstr(kml, "<innerBoundaryIs><LinearRing><coordinates>") != NULL);
    ASSERT_TRUE(kml && strstr(kml, "</Polygon></MultiGeometry>") != NULL);
    ASSERT_TRUE(kml && strstr(kml, "3,3") != NULL && strstr(kml, "[") == NULL);
    regio_free(kml);
    /* Empty territory: "null" in GeoJSON, "" in KML. */
    char *out = NULL;
    ASSERT_OK(regio_geo_outline(us, labels, 7, 0, REGIO_OUTLINE_GEOJSON, &out, NULL));
    ASSERT_EQ_STR(out, "null");
    regio_free(out);
    ASSERT_OK(regio_geo_outline(us, labels, 7, 0, REGIO_OUTLINE_KML, &out, NULL));
    ASSERT_EQ_STR(out, "");
    regio_free(out);
    regio_unitset_destroy(us);
}

static void test_points_hull(void)
{
    const spec sp[] = {{"p1", 0, 0, 0},    {"p2", 0, 2, 0},   {"p3", 0, 0, 2},
                       {"p4", 0, 0.5, 0.5}, {"q1", 0, 10, 10}, {"r1", 0, 20, 20},
                       {"r2", 0, 21, 20}};
    regio_unitset *us = make(sp, 7);
    int labels[7] = {0, 0, 0, 0, 1, 2, 2};
    json_t *g = outline_json(us, labels, 0, 0);
    ASSERT_EQ_STR(type_of(g), "Polygon");
    ASSERT_NEAR(ring_area(json_array_get(json_object_get(g, "coordinates"), 0)), 2.0, 1e-9);
    ASSERT_EQ_INT(json_array_size(json_array_get(json_object_get(g, "coordinates"), 0)), 4);
    json_decref(g);
    g = outline_json(us, labels, 1, 0);
    ASSERT_EQ_STR(type_of(g), "Point");
    ASSERT_NEAR(json_number_value(json_array_get(json_object_get(g, "coordinates"), 0)), 10, 0);
    json_decref(g);
    g = outline_json(us, labels, 2, 0);
    ASSERT_EQ_STR(type_of(g), "LineString");
    json_decref(g);
    char *kml = NULL;
    ASSERT_OK(regio_geo_outline(us, labels, 1, 0, REGIO_OUTLINE_KML, &kml, NULL));
    ASSERT_EQ_STR(kml, "<MultiGeometry><Point><coordinates>10,10</coordinates></Point>"
                       "</MultiGeometry>");
    regio_free(kml);
    regio_unitset_destroy(us);
}

static void test_mixed_rounding_simplify(void)
{
    /* A polygon unit plus a far point unit: the square and the hull (a point). */
    regio_unit *u = regio_calloc(3, sizeof *u);
    for (int i = 0; i < 3; i++)
        regio_unit_init(&u[i]);
    u[0].id = regio_strdup("sq");
    u[0].wkb = square(0.123456789, -0.000004, 1, &u[0].wkb_len);
    u[1].id = regio_strdup("pt");
    u[1].lat = 5;
    u[1].lon = 5;
    /* A 200-vertex wiggly ring of amplitude 1e-4 around a 1x1 square. */
    double ring[2 * 201];
    for (int i = 0; i < 200; i++) {
        int side = i / 50, j = i % 50;
        double t = j / 50.0, w = (j % 2) * 1e-4;
        double x = side == 0 ? t : side == 1 ? 1 + w : side == 2 ? 1 - t : -w;
        double y = side == 0 ? -w : side == 1 ? t : side == 2 ? 1 + w : 1 - t;
        ring[2 * i] = 10 + x;
        ring[2 * i + 1] = 10 + y;
    }
    ring[400] = ring[0];
    ring[401] = ring[1];
    const double *rings[1] = {ring};
    uint32_t n[1] = {201};
    u[2].id = regio_strdup("wiggly");
    u[2].wkb = wkb_polygon(rings, n, 1, &u[2].wkb_len);
    regio_unitset *us = NULL;
    ASSERT_OK(regio_unitset_create(u, 3, 0, &us, NULL));
    int labels[3] = {0, 0, 1};
    char *out = NULL;
    ASSERT_OK(regio_geo_outline(us, labels, 0, 0, REGIO_OUTLINE_GEOJSON, &out, NULL));
    ASSERT_TRUE(out && strstr(out, "GeometryCollection") != NULL);
    ASSERT_TRUE(out && strstr(out, "[0.12346,0]") != NULL); /* 5 decimals, no "-0" */
    ASSERT_TRUE(out && strstr(out, "[5,5]") != NULL);
    regio_free(out);
    json_t *g = outline_json(us, labels, 1, 0);
    size_t full = json_array_size(json_array_get(json_object_get(g, "coordinates"), 0));
    json_decref(g);
    g = outline_json(us, labels, 1, 0.001);
    size_t simple = json_array_size(json_array_get(json_object_get(g, "coordinates"), 0));
    ASSERT_EQ_STR(type_of(g), "Polygon");
    ASSERT_NEAR(ring_area(json_array_get(json_object_get(g, "coordinates"), 0)), 1.0, 1e-3);
    json_decref(g);
    ASSERT_EQ_INT(full, 201);
    ASSERT_TRUE(simple <= 10);
    regio_unitset_destroy(us);
}

static void test_bad_wkb_and_args(void)
{
    regio_unit *u = regio_calloc(2, sizeof *u);
    regio_unit_init(&u[0]);
    regio_unit_init(&u[1]);
    u[0].id = regio_strdup("good");
    u[0].wkb = square(0, 0, 1, &u[0].wkb_len);
    u[1].id = regio_strdup("broken");
    u[1].wkb = regio_malloc(7);
    memcpy(u[1].wkb, "\x01\x03\x00\x00\x00\xff\xff", 7);
    u[1].wkb_len = 7;
    regio_unitset *us = NULL;
    ASSERT_OK(regio_unitset_create(u, 2, 0, &us, NULL));
    int labels[2] = {0, 0};
    char *out = (char *)"x";
    regio_error e;
    ASSERT_EQ_INT(regio_geo_outline(us, labels, 0, 0, REGIO_OUTLINE_GEOJSON, &out, &e),
                  REGIO_EGEOM);
    ASSERT_TRUE(out == NULL);
    ASSERT_TRUE(strstr(e.msg, "broken") != NULL);
    char **outs = (char **)&out;
    ASSERT_EQ_INT(regio_geo_outline_many(us, labels, 1, 0, REGIO_OUTLINE_KML, &outs, &e),
                  REGIO_EGEOM);
    ASSERT_TRUE(outs == NULL);
    labels[1] = 1; /* the bad unit elsewhere does not matter */
    ASSERT_OK(regio_geo_outline(us, labels, 0, 0, REGIO_OUTLINE_GEOJSON, &out, &e));
    regio_free(out);
    ASSERT_EQ_INT(regio_geo_outline(us, labels, 0, 0, (regio_outline_format)9, &out, &e),
                  REGIO_EINVAL);
    ASSERT_EQ_INT(regio_geo_outline(us, NULL, 0, 0, REGIO_OUTLINE_KML, &out, &e), REGIO_EINVAL);
    ASSERT_EQ_INT(regio_geo_outline(NULL, labels, 0, 0, REGIO_OUTLINE_KML, &out, &e),
                  REGIO_EINVAL);
    regio_unitset_destroy(us);
}

static void test_many_matches_single(void)
{
    const spec sp[] = {{"A", 1, 0, 0}, {"B", 1, 1, 0}, {"C", 1, 5, 5},
                       {"D", 0, 9, 9}, {"E", 0, 9, 8}, {"F", 1, 7, 7}};
    regio_unitset *us = make(sp, 6);
    int labels[6] = {0, 0, 1, 2, 2, -1};
    char **outs = NULL;
    ASSERT_OK(regio_geo_outline_many(us, labels, 4, 0, REGIO_OUTLINE_GEOJSON, &outs, NULL));
    for (int t = 0; t < 4 && outs; t++) {
        char *one = NULL;
        ASSERT_OK(regio_geo_outline(us, labels, t, 0, REGIO_OUTLINE_GEOJSON, &one, NULL));
        ASSERT_EQ_STR(outs[t], one);
        regio_free(one);
    }
    ASSERT_TRUE(outs && !strcmp(outs[3], "null"));
    regio_geo_outlines_free(outs, 4);
    regio_unitset_destroy(us);
}

static void test_alloc_failure(void)
{
    const spec sp[] = {{"A", 1, 0, 0}, {"B", 1, 1, 0}, {"P", 0, 3, 3}, {"Q", 0, 4, 3}};
    regio_unitset *us = make(sp, 4);
    int labels[4] = {0, 0, 0, 1};
    char *want = NULL;
    ASSERT_OK(regio_geo_outline(us, labels, 0, 0, REGIO_OUTLINE_GEOJSON, &want, NULL));
    int ok = 0, saw = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 500 && !ok; alloc_fail_at++) {
        alloc_calls = 0;
        regio_set_allocator(&regio_test_failing);
        char *out = NULL, **outs = NULL;
        regio_error e;
        regio_err rc = regio_geo_outline(us, labels, 0, 0, REGIO_OUTLINE_GEOJSON, &out, &e);
        if (!rc)
            rc = regio_geo_outline_many(us, labels, 2, 0, REGIO_OUTLINE_KML, &outs, &e);
        int clean = alloc_calls < alloc_fail_at;
        regio_set_allocator(NULL);
        if (rc == REGIO_ENOMEM) {
            saw = 1;
            ASSERT_TRUE(outs == NULL);
        } else if (rc) {
            FAIL_AT_("alloc_fail_at %d: %s: %s", alloc_fail_at, regio_err_name(rc), e.msg);
        } else {
            ASSERT_EQ_STR(out, want);
            ok = clean;
        }
        regio_free(out);
        regio_geo_outlines_free(outs, 2);
    }
    ASSERT_TRUE(ok);
    ASSERT_TRUE(saw);
    regio_free(want);
    regio_unitset_destroy(us);
}

int main(void)
{
    RUN(test_adjacent_squares_union);
    RUN(test_hole_and_kml);
    RUN(test_points_hull);
    RUN(test_mixed_rounding_simplify);
    RUN(test_bad_wkb_and_args);
    RUN(test_many_matches_single);
    RUN(test_alloc_failure);
    TEST_END();
}
