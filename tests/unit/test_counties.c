/* Checks border adjacency on real data: the 3,108 US counties GeoJSON in
 * REGIO_SHARED_DATA against its published adjacency list (>= 99% found,
 * <= 1% extra), and the us-atlas TopoJSON when node_modules has it.
 * Missing data prints a SKIP line and passes. */
#include "regio/geo.h"
#include "regio_test.h"

#include <time.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct pairset {
    char (*a)[32], (*b)[32];
    size_t n;
} pairset;

static int pair_cmp(const char *a1, const char *b1, const char *a2,
                    const char *b2)
{
    int c = strcmp(a1, a2);
    return c ? c : strcmp(b1, b2);
}

static int load_pairs(const char *path, pairset *ps)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[128];
    size_t cap = 16384;
    ps->a = malloc(cap * sizeof *ps->a);
    ps->b = malloc(cap * sizeof *ps->b);
    ps->n = 0;
    if (!fgets(line, sizeof line, f)) { /* header */
        fclose(f);
        return -1;
    }
    while (fgets(line, sizeof line, f) && ps->n < cap) {
        line[strcspn(line, "\r\n")] = '\0';
        char *comma = strchr(line, ',');
        if (!comma)
            continue;
        *comma = '\0';
        const char *x = line, *y = comma + 1;
        if (strcmp(x, y) > 0) {
            const char *t = x;
            x = y;
            y = t;
        }
        snprintf(ps->a[ps->n], 32, "%.31s", x);
        snprintf(ps->b[ps->n], 32, "%.31s", y);
        ps->n++;
    }
    fclose(f);
    /* insertion into sorted order is fine for 9k rows */
    for (size_t i = 1; i < ps->n; i++)
        for (size_t j = i; j > 0 && pair_cmp(ps->a[j - 1], ps->b[j - 1],
                                             ps->a[j], ps->b[j]) > 0; j--) {
            char t[32];
            memcpy(t, ps->a[j], 32), memcpy(ps->a[j], ps->a[j - 1], 32),
                memcpy(ps->a[j - 1], t, 32);
            memcpy(t, ps->b[j], 32), memcpy(ps->b[j], ps->b[j - 1], 32),
                memcpy(ps->b[j - 1], t, 32);
        }
    return 0;
}

static int has_pair(const pairset *ps, const char *a, const char *b)
{
    size_t lo = 0, hi = ps->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = pair_cmp(ps->a[mid], ps->b[mid], a, b);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Compares edges with the reference on the ids of the reference unit set
 * ref_us (edges touching other units are ignored). */
static void compare(const char *label, const regio_unitset *ref_us,
                    const regio_adj_edge *E, size_t n, const pairset *ps)
{
    size_t found = 0, extra = 0;
    for (size_t k = 0; k < n; k++) {
        if (regio_unitset_find(ref_us, E[k].a) < 0 ||
            regio_unitset_find(ref_us, E[k].b) < 0)
            continue;
        if (has_pair(ps, E[k].a, E[k].b))
            found++;
        else
            extra++;
    }
    double pf = 100.0 * (double)found / (double)ps->n;
    double px = 100.0 * (double)extra / (double)ps->n;
    printf("%s: %zu of %zu reference pairs found (%.3f%%), %zu extra "
           "(%.3f%%)\n", label, found, ps->n, pf, extra, px);
    ASSERT_TRUE(pf >= 99.0);
    ASSERT_TRUE(px <= 1.0);
}

static char dir[1024];

static void test_counties_geojson(void)
{
    char path[1200], adj[1200];
    snprintf(path, sizeof path, "%s/territory/us_counties/us_counties.geojson",
             dir);
    snprintf(adj, sizeof adj,
             "%s/territory/us_counties/us_counties_adjacency.csv", dir);
    FILE *f = fopen(path, "rb");
    if (!f)
        SKIP("us_counties.geojson not found under REGIO_SHARED_DATA");
    fclose(f);
    pairset ps;
    if (load_pairs(adj, &ps))
        SKIP("us_counties_adjacency.csv not found");
    regio_unitset *us = NULL;
    regio_units_report rep;
    regio_error e;
    char buf[1400];
    double t0 = now_s();
    regio_err rc = regio_units_read_ogr(path, NULL, &us, &rep, &e);
    double t1 = now_s();
    if (rc)
        fprintf(stderr, "  %s\n", regio_error_format(&e, buf, sizeof buf));
    ASSERT_OK(rc);
    if (!us)
        goto out;
    ASSERT_EQ_INT(us->n, 3108);
    /* Times are printed, not asserted: speed is measured by bench/. */
    regio_adj_edge *E = NULL;
    size_t n = 0;
    regio_adj_stats st;
    ASSERT_OK(regio_adjacency_from_polygons_ex(us, NULL, &E, &n, &st, &e));
    double t2 = now_s();
    printf("counties GeoJSON: read %.2f s (%zu units; %s), adjacency %.2f s "
           "(%zu edges, %zu candidate pairs)\n",
           t1 - t0, us->n, rep.notes, t2 - t1, n, st.candidates);
    compare("counties GeoJSON", us, E, n, &ps);
    regio_island_report ir;
    ASSERT_OK(regio_adjacency_link_islands(us, &E, &n, &ir, &e));
    printf("counties GeoJSON: %zu components, %zu island links\n",
           ir.n_components, ir.n_links);
    ASSERT_TRUE(ir.n_links + 1 == ir.n_components || ir.n_components <= 1);
    regio_island_report_clear(&ir);
    regio_adj_edges_free(E, n);

    /* the us-atlas TopoJSON: compared on the same 3,108 ids */
    const char *src = getenv("REGIO_SOURCE_DIR");
    char tpath[1200];
    snprintf(tpath, sizeof tpath, "%s/node_modules/us-atlas/counties-10m.json",
             src ? src : ".");
    regio_unitset *ts = NULL;
    regio_units_read_opts o = {0};
    o.skip_empty = 1; /* GDAL empties the collapsed ring of 51610 */
    f = fopen(tpath, "rb");
    if (!f) {
        fprintf(stderr, "SKIP %s: us-atlas TopoJSON not installed\n",
                __func__);
    } else {
        fclose(f);
        t0 = now_s();
        rc = regio_units_read_ogr(tpath, &o, &ts, &rep, &e);
        t1 = now_s();
        if (rc)
            fprintf(stderr, "  %s\n", regio_error_format(&e, buf, sizeof buf));
        ASSERT_OK(rc);
        if (ts) {
            ASSERT_EQ_STR(rep.layer, "counties");
            ASSERT_EQ_STR(rep.id_field, "id");
            ASSERT_OK(regio_adjacency_from_polygons(ts, &E, &n, &e));
            t2 = now_s();
            printf("counties TopoJSON: read %.2f s (%zu units; layer '%s'; "
                   "%s), adjacency %.2f s (%zu edges)\n",
                   t1 - t0, ts->n, rep.layer, rep.notes, t2 - t1, n);
            compare("counties TopoJSON", us, E, n, &ps);
            regio_adj_edges_free(E, n);
        }
        regio_unitset_destroy(ts);
    }
out:
    regio_unitset_destroy(us);
    free(ps.a);
    free(ps.b);
}

int main(void)
{
    const char *d = getenv("REGIO_SHARED_DATA");
    snprintf(dir, sizeof dir, "%s", d ? d : "/nonexistent");
    RUN(test_counties_geojson);
    TEST_END();
}
