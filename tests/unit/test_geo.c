/* Unit tests for the geography module: distances, spherical area and
 * centroid, OGR import and its validation, border/Delaunay adjacency,
 * island links and the CSR graph. Inputs are small in-memory files. */
#include "regio/geo.h"
#include "regio_test.h"

#include <cpl_vsi.h>
#include <stdint.h>

/* Writes text to a /vsimem/ file (GDAL's in-memory file system). */
static const char *memfile(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "/vsimem/test_geo/%s", name);
    VSIUnlink(path);
    VSILFILE *f = VSIFOpenL(path, "wb");
    VSIFWriteL(text, 1, strlen(text), f);
    VSIFCloseL(f);
    return path;
}

static regio_err read_text(const char *name, const char *text,
                           const regio_units_read_opts *o, regio_unitset **us,
                           regio_units_report *rep, regio_error *e)
{
    return regio_units_read_ogr(memfile(name, text), o, us, rep, e);
}

/* Little-endian WKB polygon of one ring. */
static size_t wkb_ring(unsigned char *buf, const double *xy, uint32_t n)
{
    size_t k = 0;
    uint32_t type = 3, rings = 1;
    buf[k++] = 1;
    memcpy(buf + k, &type, 4), k += 4;
    memcpy(buf + k, &rings, 4), k += 4;
    memcpy(buf + k, &n, 4), k += 4;
    memcpy(buf + k, xy, 16 * (size_t)n), k += 16 * (size_t)n;
    return k;
}

static void test_haversine(void)
{
    /* 1 degree on a great circle = R * pi / 180 = 111.19508 km */
    ASSERT_NEAR(regio_haversine_km(0, 0, 0, 1), 111.1950802, 1e-6);
    ASSERT_NEAR(regio_haversine_km(0, 0, 1, 0), 111.1950802, 1e-6);
    ASSERT_NEAR(regio_haversine_km(0, 0, 0, 180), M_PI * 6371.0088, 1e-6);
    ASSERT_NEAR(regio_haversine_km(45, 7, 45, 7), 0, 0);
    /* Paris - London, ~343.5 km */
    ASSERT_NEAR(regio_haversine_km(48.8566, 2.3522, 51.5074, -0.1278), 343.5,
                1.0);
    ASSERT_NEAR(regio_euclid(0, 0, 3, 4), 5, 1e-12);
}

static void test_sphere_area_cell(void)
{
    double ring[] = {0, 0, 1, 0, 1, 1, 0, 1, 0, 0};
    unsigned char wkb[128];
    size_t len = wkb_ring(wkb, ring, 5);
    double area, lat, lon;
    regio_error e;
    ASSERT_OK(regio_wkb_sphere_stats(wkb, len, &area, &lat, &lon, &e));
    double R = REGIO_EARTH_RADIUS_KM, d = M_PI / 180;
    double analytic = R * R * d * (sin(d) - sin(0)); /* 12363.7 km^2 */
    /* great-circle edges bulge past the parallel lat=1 by ~2.5e-5 */
    ASSERT_NEAR(area / analytic, 1.0, 1e-4);
    ASSERT_NEAR(lon, 0.5, 1e-9);
    ASSERT_NEAR(lat, 0.5, 1e-3);
    /* clockwise ring gives the same area */
    double cw[] = {0, 0, 0, 1, 1, 1, 1, 0, 0, 0};
    len = wkb_ring(wkb, cw, 5);
    double a2;
    ASSERT_OK(regio_wkb_sphere_stats(wkb, len, &a2, &lat, &lon, &e));
    ASSERT_NEAR(a2, area, 1e-6);
}

static void test_centroid_symmetric_with_hole(void)
{
    const char *gj =
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
        "\"properties\":{\"id\":\"S\"},\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":[[[19,-1],[21,-1],[21,1],[19,1],[19,-1]],"
        "[[19.5,-0.5],[19.5,0.5],[20.5,0.5],[20.5,-0.5],[19.5,-0.5]]]}},"
        "{\"type\":\"Feature\",\"properties\":{\"id\":\"M\"},\"geometry\":"
        "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[-11,40],[-9,40],"
        "[-9,42],[-11,42],[-11,40]]],[[[9,40],[11,40],[11,42],[9,42],"
        "[9,40]]]]}}]}";
    regio_unitset *us = NULL;
    regio_error e;
    ASSERT_OK(read_text("sym.geojson", gj, NULL, &us, NULL, &e));
    if (!us)
        return;
    const regio_unit *s = &us->units[regio_unitset_find(us, "S")];
    ASSERT_NEAR(s->lat, 0, 1e-9);
    ASSERT_NEAR(s->lon, 20, 1e-9);
    double R = REGIO_EARTH_RADIUS_KM, d = M_PI / 180;
    double outer = R * R * 2 * d * 2 * sin(d), inner = R * R * d * 2 * sin(d / 2);
    ASSERT_NEAR(s->area_km2 / (outer - inner), 1.0, 2e-4);
    const regio_unit *m = &us->units[regio_unitset_find(us, "M")];
    ASSERT_NEAR(m->lon, 0, 1e-9); /* two mirrored parts */
    /* the 3-D mean of the two parts lies poleward of either part's centre */
    ASSERT_TRUE(m->lat > 41.0 && m->lat < 42.0);
    ASSERT_TRUE(s->wkb != NULL && s->wkb_len > 0);
    regio_unitset_destroy(us);
}

/* A | B share an edge; C touches B at a corner only; D is far away. */
static const char *SQUARES =
    "{\"type\":\"FeatureCollection\",\"features\":["
    "{\"type\":\"Feature\",\"id\":\"A\",\"properties\":{\"pop\":10,"
    "\"kind\":\"x\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
    "[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}},"
    "{\"type\":\"Feature\",\"id\":\"B\",\"properties\":{\"pop\":20,"
    "\"kind\":\"y\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
    "[[[1,0],[2,0],[2,1],[1,1],[1,0]]]}},"
    "{\"type\":\"Feature\",\"id\":\"C\",\"properties\":{\"pop\":5,"
    "\"kind\":\"z\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
    "[[[2,1],[3,1],[3,2],[2,2],[2,1]]]}},"
    "{\"type\":\"Feature\",\"id\":\"D\",\"properties\":{\"pop\":1,"
    "\"kind\":null},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
    "[[[10,10],[11,10],[11,11],[10,11],[10,10]]]}}]}";

static void test_read_fields(void)
{
    regio_unitset *us = NULL;
    regio_units_report rep;
    regio_error e;
    ASSERT_OK(read_text("sq.geojson", SQUARES, NULL, &us, &rep, &e));
    if (!us)
        return;
    ASSERT_EQ_INT(us->n, 4);
    ASSERT_EQ_STR(rep.id_field, "id");
    ASSERT_EQ_INT(us->n_measures, 1);
    ASSERT_EQ_STR(us->measure_names[0], "pop");
    ASSERT_EQ_INT(us->has_polygons, 1);
    ASSERT_EQ_INT(regio_unitset_find(us, "C"), 2);
    ASSERT_EQ_INT(regio_unitset_find(us, "nope"), -1);
    const regio_unit *b = &us->units[1];
    ASSERT_NEAR(regio_attrs_num(b->attrs, b->n_attrs, "pop"), 20, 0);
    ASSERT_NEAR(b->lon, 1.5, 1e-9);
    ASSERT_NEAR(b->area_km2, 12364, 2);
    regio_unitset_destroy(us);
}

static void test_adjacency_and_islands(void)
{
    regio_unitset *us = NULL;
    regio_error e;
    ASSERT_OK(read_text("sq2.geojson", SQUARES, NULL, &us, NULL, &e));
    if (!us)
        return;
    regio_adj_edge *E = NULL;
    size_t n = 0;
    ASSERT_OK(regio_adjacency_from_polygons(us, &E, &n, &e));
    ASSERT_EQ_INT(n, 1); /* A-B only: the B/C corner does not count */
    if (n == 1) {
        ASSERT_EQ_STR(E[0].a, "A");
        ASSERT_EQ_STR(E[0].b, "B");
        ASSERT_NEAR(E[0].shared_km, 111.195, 0.01);
        ASSERT_EQ_INT(E[0].kind, REGIO_ADJ_BORDER);
    }
    regio_island_report rep;
    ASSERT_OK(regio_adjacency_link_islands(us, &E, &n, &rep, &e));
    ASSERT_EQ_INT(rep.n_components, 3);
    ASSERT_EQ_INT(rep.mainland_size, 2);
    ASSERT_EQ_INT(rep.n_links, 2);
    ASSERT_EQ_INT(n, 3);
    /* sorted: A-B, B-C, B-D */
    if (n == 3) {
        ASSERT_EQ_STR(E[1].a, "B");
        ASSERT_EQ_STR(E[1].b, "C");
        ASSERT_EQ_INT(E[1].kind, REGIO_ADJ_ISLAND);
        ASSERT_EQ_STR(E[2].a, "B");
        ASSERT_EQ_STR(E[2].b, "D");
        ASSERT_NEAR(E[1].shared_km,
                    regio_haversine_km(us->units[1].lat, us->units[1].lon,
                                       us->units[2].lat, us->units[2].lon),
                    1e-9);
    }
    if (rep.n_links == 2) {
        ASSERT_EQ_STR(rep.links[0].a, "C");
        ASSERT_EQ_STR(rep.links[0].b, "B");
        ASSERT_EQ_INT(rep.links[0].component_size, 1);
    }
    regio_island_report_clear(&rep);
    /* linking again adds nothing: one component */
    ASSERT_OK(regio_adjacency_link_islands(us, &E, &n, &rep, &e));
    ASSERT_EQ_INT(rep.n_links, 0);
    ASSERT_EQ_INT(n, 3);
    regio_graph *g = NULL;
    ASSERT_OK(regio_graph_build(us, E, n, &g, &e));
    if (g) {
        ASSERT_EQ_INT(g->n_arcs, 6);
        ASSERT_EQ_INT(g->xadj[2] - g->xadj[1], 3); /* B has A, C, D */
        size_t comp[4], k = 0;
        ASSERT_OK(regio_graph_components(g, comp, &k));
        ASSERT_EQ_INT(k, 1);
    }
    regio_graph_destroy(g);
    regio_adj_edges_free(E, n);
    regio_unitset_destroy(us);
}

static void test_sliver_gap(void)
{
    /* B is shifted right by 1e-6 deg: no exact shared line, a sliver gap. */
    const char *gj =
        "{\"type\":\"FeatureCollection\",\"features\":["
        "{\"type\":\"Feature\",\"id\":\"A\",\"properties\":{},\"geometry\":"
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1],"
        "[0,0]]]}},{\"type\":\"Feature\",\"id\":\"B\",\"properties\":{},"
        "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[1.000001,0],"
        "[2,0],[2,1],[1.000001,1],[1.000001,0]]]}},"
        "{\"type\":\"Feature\",\"id\":\"C\",\"properties\":{},\"geometry\":"
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,2],[1,2],[1,3],[0,3],"
        "[0,2]]]}}]}";
    regio_unitset *us = NULL;
    regio_error e;
    ASSERT_OK(read_text("gap.geojson", gj, NULL, &us, NULL, &e));
    if (!us)
        return;
    regio_adj_edge *E = NULL;
    size_t n = 0;
    regio_adj_stats st;
    ASSERT_OK(regio_adjacency_from_polygons_ex(us, NULL, &E, &n, &st, &e));
    ASSERT_EQ_INT(n, 1);
    ASSERT_EQ_INT(st.snapped, 1);
    regio_adj_edges_free(E, n);
    regio_adj_opts o = regio_adj_opts_default();
    o.snap_tol = 0; /* exact only: the gap separates them */
    ASSERT_OK(regio_adjacency_from_polygons_ex(us, &o, &E, &n, NULL, &e));
    ASSERT_EQ_INT(n, 0);
    regio_adj_edges_free(E, n);
    regio_unitset_destroy(us);
}

static void test_duplicate_id(void)
{
    const char *gj =
        "{\"type\":\"FeatureCollection\",\"features\":["
        "{\"type\":\"Feature\",\"properties\":{\"GEOID\":\"x\"},\"geometry\":"
        "{\"type\":\"Point\",\"coordinates\":[1,2]}},"
        "{\"type\":\"Feature\",\"properties\":{\"GEOID\":\"y\"},\"geometry\":"
        "{\"type\":\"Point\",\"coordinates\":[1,3]}},"
        "{\"type\":\"Feature\",\"properties\":{\"GEOID\":\"x\"},\"geometry\":"
        "{\"type\":\"Point\",\"coordinates\":[1,4]}}]}";
    regio_unitset *us = NULL;
    regio_error e;
    ASSERT_EQ_INT(read_text("dup.geojson", gj, NULL, &us, NULL, &e),
                  REGIO_EDATA);
    ASSERT_TRUE(us == NULL);
    ASSERT_EQ_INT(e.line, 3);
    ASSERT_EQ_STR(e.field, "GEOID");
    ASSERT_TRUE(strstr(e.msg, "feature 3") != NULL);
    ASSERT_TRUE(strstr(e.msg, "feature 1") != NULL);
    ASSERT_TRUE(strstr(e.msg, "duplicate") != NULL);
    ASSERT_TRUE(strstr(e.file, "dup.geojson") != NULL);
}

static void test_validation_errors(void)
{
    regio_unitset *us = NULL;
    regio_error e;
    const char *neg =
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
        "\"properties\":{\"id\":\"a\",\"pop\":3},\"geometry\":{\"type\":"
        "\"Point\",\"coordinates\":[1,2]}},{\"type\":\"Feature\","
        "\"properties\":{\"id\":\"b\",\"pop\":-3},\"geometry\":{\"type\":"
        "\"Point\",\"coordinates\":[1,2]}}]}";
    ASSERT_EQ_INT(read_text("neg.geojson", neg, NULL, &us, NULL, &e),
                  REGIO_EDATA);
    ASSERT_EQ_INT(e.line, 2);
    ASSERT_EQ_STR(e.field, "pop");
    ASSERT_TRUE(strstr(e.msg, "negative") != NULL);
    const char *noid =
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
        "\"properties\":{\"id\":\"a\"},\"geometry\":{\"type\":\"Point\","
        "\"coordinates\":[1,2]}},{\"type\":\"Feature\",\"properties\":"
        "{\"id\":\"\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":"
        "[1,2]}}]}";
    ASSERT_EQ_INT(read_text("noid.geojson", noid, NULL, &us, NULL, &e),
                  REGIO_EDATA);
    ASSERT_EQ_INT(e.line, 2);
    ASSERT_TRUE(strstr(e.msg, "feature 2: missing") != NULL);
    const char *nullg =
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
        "\"properties\":{\"id\":\"a\"},\"geometry\":null}]}";
    ASSERT_EQ_INT(read_text("nullg.geojson", nullg, NULL, &us, NULL, &e),
                  REGIO_EDATA);
    ASSERT_TRUE(strstr(e.msg, "no geometry") != NULL);
    const char *far =
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
        "\"properties\":{\"id\":\"a\"},\"geometry\":{\"type\":\"Point\","
        "\"coordinates\":[500000,4100000]}}]}";
    ASSERT_EQ_INT(read_text("far.geojson", far, NULL, &us, NULL, &e),
                  REGIO_EDATA);
    ASSERT_TRUE(strstr(e.msg, "outside") != NULL);
    regio_units_read_opts o = {0};
    o.planar = 1;
    ASSERT_OK(read_text("far2.geojson", far, &o, &us, NULL, &e));
    if (us) {
        ASSERT_EQ_INT(us->planar, 1);
        ASSERT_NEAR(us->units[0].lon, 500000, 0);
        ASSERT_TRUE(isnan(us->units[0].area_km2));
        regio_unitset_destroy(us);
        us = NULL;
    }
    const char *empty =
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
        "\"properties\":{\"id\":\"a\"},\"geometry\":{\"type\":\"Point\","
        "\"coordinates\":[1,2]}},{\"type\":\"Feature\",\"properties\":"
        "{\"id\":\"b\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
        "[[]]}}]}";
    ASSERT_EQ_INT(read_text("empty.geojson", empty, NULL, &us, NULL, &e),
                  REGIO_EDATA);
    if (!strstr(e.msg, "empty"))
        fprintf(stderr, "  msg: %s\n", e.msg);
    ASSERT_TRUE(strstr(e.msg, "empty") != NULL);
    regio_units_report rep;
    o.planar = 0;
    o.skip_empty = 1;
    ASSERT_OK(read_text("empty2.geojson", empty, &o, &us, &rep, &e));
    ASSERT_EQ_INT(rep.skipped_empty, 1);
    ASSERT_EQ_STR(rep.skipped_ids[0], "b");
    regio_unitset_destroy(us);
    us = NULL;
    ASSERT_EQ_INT(regio_units_read_ogr("/nonexistent/x.geojson", NULL, &us,
                                       NULL, &e),
                  REGIO_EIO);
    ASSERT_EQ_INT(read_text("junk.geojson", "{\"type\":", NULL, &us, NULL,
                            &e),
                  REGIO_EPARSE);
}

static void test_bowtie_repaired(void)
{
    const char *gj =
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
        "\"properties\":{\"id\":\"ok\"},\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":[[[5,5],[6,5],[6,6],[5,6],[5,5]]]}},"
        "{\"type\":\"Feature\",\"properties\":{\"id\":\"bow\"},\"geometry\":"
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,1],[1,0],[0,1],"
        "[0,0]]]}}]}";
    regio_unitset *us = NULL;
    regio_units_report rep;
    regio_error e;
    ASSERT_OK(read_text("bow.geojson", gj, NULL, &us, &rep, &e));
    ASSERT_EQ_INT(rep.repaired, 1);
    ASSERT_EQ_STR(rep.repaired_ids[0], "bow");
    ASSERT_TRUE(strstr(rep.notes, "Repaired 1 invalid geometry (bow)") != NULL);
    if (us) {
        const regio_unit *b = &us->units[1];
        ASSERT_TRUE(b->area_km2 > 6000 && b->area_km2 < 6300); /* 2 x 1/4 */
        ASSERT_NEAR(b->lat, 0.5, 1e-3);
        ASSERT_NEAR(b->lon, 0.5, 1e-3);
    }
    regio_unitset_destroy(us);
}

static void test_delaunay_grid(void)
{
    regio_unit *u = regio_calloc(10, sizeof *u);
    char id[16];
    for (int i = 0; i < 9; i++) {
        regio_unit_init(&u[i]);
        snprintf(id, sizeof id, "p%d", i);
        u[i].id = regio_strdup(id);
        u[i].lon = i % 3;
        u[i].lat = i / 3;
    }
    regio_unit_init(&u[9]);
    u[9].id = regio_strdup("p4dup");
    u[9].lon = 1;
    u[9].lat = 1;
    regio_unitset *us = NULL;
    regio_error e;
    ASSERT_OK(regio_unitset_create(u, 10, 1, &us, &e));
    if (!us)
        return;
    regio_adj_edge *E = NULL;
    size_t n = 0;
    ASSERT_OK(regio_adjacency_delaunay(us, 0, &E, &n, &e));
    /* 12 grid sides + 4 cell diagonals + the duplicate link */
    ASSERT_EQ_INT(n, 17);
    int axis = 0, dup = 0;
    for (size_t k = 0; k < n; k++) {
        if (fabs(E[k].shared_km - 1) < 1e-12)
            axis++;
        if (!strcmp(E[k].a, "p4") && !strcmp(E[k].b, "p4dup")) {
            dup++;
            ASSERT_NEAR(E[k].shared_km, 0, 0);
        }
        ASSERT_TRUE(strcmp(E[k].a, E[k].b) < 0);
        if (k)
            ASSERT_TRUE(strcmp(E[k - 1].a, E[k].a) < 0 ||
                        (!strcmp(E[k - 1].a, E[k].a) &&
                         strcmp(E[k - 1].b, E[k].b) < 0));
    }
    ASSERT_EQ_INT(axis, 12);
    ASSERT_EQ_INT(dup, 1);
    regio_adj_edges_free(E, n);
    ASSERT_OK(regio_adjacency_delaunay(us, 1.2, &E, &n, &e));
    ASSERT_EQ_INT(n, 13);
    regio_adj_edges_free(E, n);
    regio_unitset_destroy(us);
}

static void test_biggest_layer(void)
{
    /* TopoJSON with three objects of 1, 3 and 2 features. */
    const char *tj =
        "{\"type\":\"Topology\",\"arcs\":[[[0,0],[1,0]],[[1,0],[1,1],[0,1],"
        "[0,0]]],\"objects\":{"
        "\"one\":{\"type\":\"GeometryCollection\",\"geometries\":["
        "{\"type\":\"Point\",\"coordinates\":[1,1],\"id\":\"o1\"}]},"
        "\"three\":{\"type\":\"GeometryCollection\",\"geometries\":["
        "{\"type\":\"Point\",\"coordinates\":[1,1],\"id\":\"t1\"},"
        "{\"type\":\"Point\",\"coordinates\":[2,1],\"id\":\"t2\"},"
        "{\"type\":\"Polygon\",\"arcs\":[[0,1]],\"id\":\"t3\"}]},"
        "\"two\":{\"type\":\"GeometryCollection\",\"geometries\":["
        "{\"type\":\"Point\",\"coordinates\":[1,1],\"id\":\"w1\"},"
        "{\"type\":\"Point\",\"coordinates\":[2,1],\"id\":\"w2\"}]}}}";
    regio_unitset *us = NULL;
    regio_units_report rep;
    regio_error e;
    char buf[1200];
    regio_err rc = read_text("layers.json", tj, NULL, &us, &rep, &e);
    if (rc)
        fprintf(stderr, "  %s\n", regio_error_format(&e, buf, sizeof buf));
    ASSERT_OK(rc);
    ASSERT_EQ_INT(rep.n_layers, 3);
    ASSERT_EQ_INT(rep.layer_auto, 1);
    ASSERT_EQ_STR(rep.layer, "three");
    ASSERT_TRUE(strstr(rep.notes, "3 layers") != NULL);
    if (us) {
        ASSERT_EQ_INT(us->n, 3);
        ASSERT_EQ_STR(us->units[2].id, "t3");
        ASSERT_TRUE(isnan(us->units[0].area_km2));
        ASSERT_TRUE(us->units[0].wkb == NULL);
    }
    regio_unitset_destroy(us);
    regio_units_read_opts o = {0};
    o.layer = "two";
    ASSERT_OK(read_text("layers2.json", tj, &o, &us, &rep, &e));
    ASSERT_EQ_INT(rep.layer_auto, 0);
    if (us)
        ASSERT_EQ_INT(us->n, 2);
    regio_unitset_destroy(us);
    o.layer = "nope";
    ASSERT_EQ_INT(read_text("layers3.json", tj, &o, &us, &rep, &e),
                  REGIO_ENOTFOUND);
}

static void test_integer_ids_and_fid(void)
{
    const char *gj =
        "{\"type\":\"FeatureCollection\",\"features\":["
        "{\"type\":\"Feature\",\"id\":7,\"properties\":{\"NAME\":\"a\"},"
        "\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]}},"
        "{\"type\":\"Feature\",\"id\":9,\"properties\":{\"NAME\":\"b\"},"
        "\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,3]}}]}";
    regio_unitset *us = NULL;
    regio_units_report rep;
    regio_error e;
    ASSERT_OK(read_text("intid.geojson", gj, NULL, &us, &rep, &e));
    ASSERT_EQ_STR(rep.id_field, "(FID)");
    ASSERT_EQ_STR(rep.name_field, "NAME");
    if (us) {
        ASSERT_EQ_STR(us->units[1].id, "9");
        ASSERT_EQ_STR(us->units[1].name, "b");
    }
    regio_unitset_destroy(us);
}

static void test_reprojected(void)
{
    /* EPSG:3857 squares of 100 km; x = 100000 m is lon 0.898 deg */
    const char *gj =
        "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\","
        "\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::3857\"}},"
        "\"features\":[{\"type\":\"Feature\",\"properties\":{\"id\":\"m1\"},"
        "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],"
        "[100000,0],[100000,100000],[0,100000],[0,0]]]}},{\"type\":"
        "\"Feature\",\"properties\":{\"id\":\"m2\"},\"geometry\":{\"type\":"
        "\"Polygon\",\"coordinates\":[[[100000,0],[200000,0],"
        "[200000,100000],[100000,100000],[100000,0]]]}}]}";
    regio_unitset *us = NULL;
    regio_units_report rep;
    regio_error e;
    ASSERT_OK(read_text("merc.geojson", gj, NULL, &us, &rep, &e));
    ASSERT_EQ_INT(rep.reprojected, 1);
    if (!us)
        return;
    ASSERT_NEAR(us->units[1].lon, 100000 / 6378137.0 * 180 / M_PI * 1.5,
                1e-3);
    ASSERT_TRUE(us->units[0].lat > 0.44 && us->units[0].lat < 0.46);
    regio_adj_edge *E = NULL;
    size_t n = 0;
    ASSERT_OK(regio_adjacency_from_polygons(us, &E, &n, &e));
    ASSERT_EQ_INT(n, 1);
    regio_adj_edges_free(E, n);
    regio_unitset_destroy(us);
}

static void test_unaligned_vertices(void)
{
    /* B has an extra vertex on the shared edge, A has not: no identical
     * segment, so the GEOS path must find the border. */
    const char *gj =
        "{\"type\":\"FeatureCollection\",\"features\":["
        "{\"type\":\"Feature\",\"id\":\"A\",\"properties\":{},\"geometry\":"
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1],"
        "[0,0]]]}},{\"type\":\"Feature\",\"id\":\"B\",\"properties\":{},"
        "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[1,0],[2,0],"
        "[2,1],[1,1],[1,0.25],[1,0]]]}}]}";
    regio_unitset *us = NULL;
    regio_error e;
    ASSERT_OK(read_text("unaligned.geojson", gj, NULL, &us, NULL, &e));
    if (!us)
        return;
    regio_adj_edge *E = NULL;
    size_t n = 0;
    regio_adj_stats st;
    ASSERT_OK(regio_adjacency_from_polygons_ex(us, NULL, &E, &n, &st, &e));
    ASSERT_EQ_INT(n, 1);
    ASSERT_EQ_INT(st.exact, 1);
    ASSERT_EQ_INT(st.hashed, 0);
    if (n == 1)
        ASSERT_NEAR(E[0].shared_km, 111.195, 0.01);
    regio_adj_edges_free(E, n);
    regio_unitset_destroy(us);
}

static void test_island_tie(void)
{
    /* planar: M1 (0,0) - M2 (2,0) mainland, island I at (1,5) equidistant */
    regio_unit *u = regio_calloc(3, sizeof *u);
    const char *ids[] = {"M1", "M2", "I"};
    double xs[] = {0, 2, 1}, ys[] = {0, 0, 5};
    for (int i = 0; i < 3; i++) {
        regio_unit_init(&u[i]);
        u[i].id = regio_strdup(ids[i]);
        u[i].lon = xs[i];
        u[i].lat = ys[i];
    }
    regio_unitset *us = NULL;
    regio_error e;
    ASSERT_OK(regio_unitset_create(u, 3, 1, &us, &e));
    if (!us)
        return;
    regio_adj_edge *E = regio_calloc(1, sizeof *E);
    E[0].a = regio_strdup("M2");
    E[0].b = regio_strdup("M1");
    E[0].kind = REGIO_ADJ_GIVEN;
    size_t n = 1;
    regio_island_report rep;
    ASSERT_OK(regio_adjacency_link_islands(us, &E, &n, &rep, &e));
    ASSERT_EQ_INT(n, 2);
    ASSERT_EQ_INT(rep.n_links, 1);
    if (rep.n_links == 1) {
        ASSERT_EQ_STR(rep.links[0].a, "I");
        ASSERT_EQ_STR(rep.links[0].b, "M1");
        ASSERT_NEAR(rep.links[0].dist_km, sqrt(26.0), 1e-12);
    }
    if (n == 2) {
        ASSERT_EQ_STR(E[0].a, "I"); /* "I" < "M1" < "M2" */
        ASSERT_EQ_STR(E[0].b, "M1");
        ASSERT_EQ_STR(E[1].a, "M1");
        ASSERT_EQ_STR(E[1].b, "M2");
    }
    regio_island_report_clear(&rep);
    regio_adj_edges_free(E, n);
    /* an edge naming an unknown unit is a data error */
    E = regio_calloc(1, sizeof *E);
    E[0].a = regio_strdup("M1");
    E[0].b = regio_strdup("ZZ");
    n = 1;
    ASSERT_EQ_INT(regio_adjacency_link_islands(us, &E, &n, NULL, &e),
                  REGIO_EDATA);
    ASSERT_TRUE(strstr(e.msg, "ZZ") != NULL);
    regio_adj_edges_free(E, n);
    regio_unitset_destroy(us);
}


static void test_alloc_failures(void)
{
    regio_allocator a = regio_test_failing;
    const char *path = memfile("alloc.geojson", SQUARES);
    int saw = 0, ok = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 400 && !ok; alloc_fail_at++) {
        alloc_calls = 0;
        regio_set_allocator(&a);
        regio_unitset *us = NULL;
        regio_error e;
        regio_adj_edge *E = NULL;
        size_t n = 0;
        regio_err rc = regio_units_read_ogr(path, NULL, &us, NULL, &e);
        if (!rc)
            rc = regio_adjacency_from_polygons(us, &E, &n, &e);
        if (!rc)
            rc = regio_adjacency_link_islands(us, &E, &n, NULL, &e);
        regio_set_allocator(NULL);
        if (rc == REGIO_ENOMEM)
            saw = 1;
        else if (rc == REGIO_OK && alloc_calls < alloc_fail_at)
            ok = 1;
        else {
            char b[1200];
            fprintf(stderr, "  alloc_fail_at %d: %s\n", alloc_fail_at,
                    regio_error_format(&e, b, sizeof b));
            ASSERT_EQ_INT(rc, REGIO_ENOMEM);
        }
        regio_adj_edges_free(E, n);
        regio_unitset_destroy(us);
    }
    ASSERT_TRUE(saw);
    ASSERT_TRUE(ok);
}

int main(void)
{
    RUN(test_haversine);
    RUN(test_sphere_area_cell);
    RUN(test_centroid_symmetric_with_hole);
    RUN(test_read_fields);
    RUN(test_adjacency_and_islands);
    RUN(test_sliver_gap);
    RUN(test_duplicate_id);
    RUN(test_validation_errors);
    RUN(test_bowtie_repaired);
    RUN(test_delaunay_grid);
    RUN(test_biggest_layer);
    RUN(test_integer_ids_and_fid);
    RUN(test_reprojected);
    RUN(test_unaligned_vertices);
    RUN(test_island_tie);
    RUN(test_alloc_failures);
    TEST_END();
}
