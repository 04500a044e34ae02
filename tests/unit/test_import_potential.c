/*
 * Unit tests for regio_import_potential: the per-unit sums of a point
 * layer's weights (checked against sums made by hand), a bad row that
 * leaves the measure as it was, and every allocation failure survived
 * without a crash or a partial write.
 */
#include "regio/regio.h"
#include "regio_test.h"
#include "regio_test_db.h"

#include <stdlib.h>
#include <unistd.h>

static char db_path[256], points_path[256], bad_path[256];
static char data_dir[1024];

static regio_store *fresh(void)
{
    snprintf(db_path, sizeof db_path, "/tmp/regio_test_potential_%ld.db", (long)getpid());
    regio_test_db_remove(db_path);
    regio_store *s = NULL;
    regio_error err;
    if (regio_store_open(db_path, &s, &err) != REGIO_OK) {
        fprintf(stderr, "cannot open %s: %s\n", db_path, err.msg);
        return NULL;
    }
    char units[1400];
    snprintf(units, sizeof units, "%s/units_small.csv", data_dir);
    if (regio_import_units(s, units, NULL, NULL, &err) != REGIO_OK)
        fprintf(stderr, "cannot import %s: %s\n", units, err.msg);
    return s;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* The measure `key` of units U1..U5 (NAN when a unit lacks it). */
typedef struct measures {
    const char *key;
    double v[5];
} measures;

static int keep_measure(void *ud, const regio_unit *u)
{
    measures *m = ud;
    int i = u->id[1] - '1';
    if (i < 0 || i >= 5)
        return 0;
    for (size_t a = 0; a < u->n_attrs; a++)
        if (!strcmp(u->attrs[a].key, m->key) && u->attrs[a].is_num)
            m->v[i] = u->attrs[a].num;
    return 0;
}

static measures read_measure(regio_store *s, const char *key)
{
    measures m = {key, {NAN, NAN, NAN, NAN, NAN}};
    regio_store_units_foreach(s, 0, keep_measure, &m, NULL);
    return m;
}

/* Units U1 40,-100; U2 40,-99; U3 39,-100; U4 39,-99; U5 38,-97.5. By hand:
 * U1 = 10 + 20 (a 7 km and b 28 km from U1), U2 = 5 (c), U3 = 0, U4 = 2.5
 * (d), U5 = 0; e is 70 km from U4, its nearest unit, beyond the 50 km. */
static const char points_csv[] = "Name,Latitude,Longitude,Weight\n"
                                 "a,40.05,-100.05,10\n"
                                 "b,40.2,-99.8,20\n"
                                 "c,39.9,-99.1,5\n"
                                 "d,39.1,-99.1,2.5\n"
                                 "e,38.5,-98.5,1000\n";

static void test_sums(void)
{
    regio_store *s = fresh();
    regio_potential_summary sum;
    regio_error err;
    ASSERT_OK(regio_import_potential(s, points_path, "weight", NULL, NULL, &sum, &err));
    ASSERT_EQ_INT(sum.rows, 5);
    ASSERT_EQ_INT(sum.placed, 4);
    ASSERT_EQ_INT(sum.not_placed, 1);
    ASSERT_EQ_STR(sum.unplaced[0].name, "e");
    ASSERT_NEAR(sum.weight_placed, 37.5, 1e-9);
    ASSERT_NEAR(sum.weight_not_placed, 1000, 1e-9);
    ASSERT_EQ_INT(sum.units, 5);
    ASSERT_EQ_INT(sum.units_weighted, 3);
    measures m = read_measure(s, "population");
    double want[5] = {30, 5, 0, 2.5, 0};
    for (int i = 0; i < 5; i++)
        ASSERT_NEAR(m.v[i], want[i], 1e-9);
    /* Without a weight column every point counts 1; max_km 100 puts e into
     * U4. */
    regio_potential_opts o;
    memset(&o, 0, sizeof o);
    o.max_km = 100;
    ASSERT_OK(regio_import_potential(s, points_path, NULL, "points", &o, &sum, &err));
    m = read_measure(s, "points");
    double want_n[5] = {2, 1, 0, 2, 0};
    for (int i = 0; i < 5; i++)
        ASSERT_NEAR(m.v[i], want_n[i], 1e-9);
    /* A measure the accounts own, and a name the store refuses. */
    ASSERT_EQ_INT(regio_import_potential(s, points_path, NULL, "revenue", NULL, &sum, &err),
                  REGIO_EINVAL);
    ASSERT_EQ_INT(regio_import_potential(s, points_path, NULL, "bad name", NULL, &sum, &err),
                  REGIO_EINVAL);
    regio_store_close(s);
    regio_test_db_remove(db_path);
}

static void test_bad_row_changes_nothing(void)
{
    regio_store *s = fresh();
    regio_potential_summary sum;
    regio_error err;
    ASSERT_OK(regio_import_potential(s, points_path, "weight", NULL, NULL, &sum, &err));
    ASSERT_EQ_INT(regio_import_potential(s, bad_path, "weight", NULL, NULL, &sum, &err),
                  REGIO_EDATA);
    ASSERT_EQ_INT(err.line, 3);
    ASSERT_EQ_STR(err.field, "Weight");
    measures m = read_measure(s, "population");
    ASSERT_NEAR(m.v[0], 30, 1e-9);
    regio_store_close(s);
    regio_test_db_remove(db_path);
}

static void test_alloc_failures(void)
{
    regio_store *s = fresh();
    regio_allocator a = regio_test_failing;
    int failures = 0, successes = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 4000 && successes < 3; alloc_fail_at++) {
        alloc_calls = 0;
        regio_set_allocator(&a);
        regio_potential_summary sum;
        regio_err rc = regio_import_potential(s, points_path, "weight", NULL, NULL, &sum, NULL);
        regio_set_allocator(NULL);
        measures m = read_measure(s, "population");
        if (rc == REGIO_OK) {
            successes++;
            ASSERT_NEAR(m.v[0], 30, 1e-9);
        } else {
            failures++;
            /* All or nothing: before the first success no unit has it. */
            ASSERT_TRUE(successes ? m.v[0] == 30 && m.v[3] == 2.5
                                  : isnan(m.v[0]) && isnan(m.v[3]));
        }
    }
    ASSERT_TRUE(failures > 10);
    ASSERT_TRUE(successes > 0);
    regio_store_close(s);
    regio_test_db_remove(db_path);
}

int main(void)
{
    const char *src = getenv("REGIO_SOURCE_DIR");
    snprintf(data_dir, sizeof data_dir, "%s/tests/data", src ? src : ".");
    snprintf(points_path, sizeof points_path, "/tmp/regio_test_potential_%ld.csv",
             (long)getpid());
    snprintf(bad_path, sizeof bad_path, "/tmp/regio_test_potential_bad_%ld.csv",
             (long)getpid());
    write_file(points_path, points_csv);
    write_file(bad_path, "Name,Latitude,Longitude,Weight\na,40,-100,1\nb,40,-99,-3\n");
    RUN(test_sums);
    RUN(test_bad_row_changes_nothing);
    RUN(test_alloc_failures);
    remove(points_path);
    remove(bad_path);
    TEST_END();
}
