/*
 * Unit tests for the import pipeline: Salesforce and HubSpot exports map
 * to the right fields, a bad row leaves the store exactly as it was,
 * re-imports update instead of duplicating, and every allocation failure
 * is survived without a crash, a leak or a partial write.
 */
#include "regio/regio.h"
#include "regio_test.h"
#include "regio_test_db.h"

#include <stdlib.h>
#include <unistd.h>

static char db_path[256];
static char data_dir[1024];

static const char *data(const char *name)
{
    static char path[1400];
    snprintf(path, sizeof path, "%s/%s", data_dir, name);
    return path;
}

static regio_store *fresh(void)
{
    snprintf(db_path, sizeof db_path, "/tmp/regio_test_import_%ld.db", (long)getpid());
    regio_test_db_remove(db_path);
    regio_store *s = NULL;
    regio_error err;
    if (regio_store_open(db_path, &s, &err) != REGIO_OK)
        fprintf(stderr, "cannot open %s: %s\n", db_path, err.msg);
    return s;
}

static regio_gazetteer *gaz(void)
{
    regio_gazetteer *g = NULL;
    regio_gazetteer_open(data("gazetteer_small.tsv"), &g, NULL);
    return g;
}

typedef struct found {
    int n;
    regio_account acc[12];
} found;

static char *dup_or_null(const char *s)
{
    return s ? regio_strdup(s) : NULL;
}

static int keep(void *ud, const regio_account *a)
{
    found *f = ud;
    if (f->n < 12) {
        regio_account *c = &f->acc[f->n];
        regio_account_init(c);
        c->id = dup_or_null(a->id);
        c->name = dup_or_null(a->name);
        c->street = dup_or_null(a->street);
        c->city = dup_or_null(a->city);
        c->region = dup_or_null(a->region);
        c->postal_code = dup_or_null(a->postal_code);
        c->country = dup_or_null(a->country);
        c->owner = dup_or_null(a->owner);
        c->type = dup_or_null(a->type);
        c->segment = dup_or_null(a->segment);
        c->lat = a->lat;
        c->lon = a->lon;
        c->geo_source = a->geo_source;
        c->annual_revenue = a->annual_revenue;
        c->employees = a->employees;
        c->n_attrs = a->n_attrs;
    }
    f->n++;
    return 0;
}

static void found_clear(found *f)
{
    for (int i = 0; i < f->n && i < 12; i++) {
        f->acc[i].n_attrs = 0;
        regio_account_clear(&f->acc[i]);
    }
}

static void test_salesforce_fields(void)
{
    regio_store *s = fresh();
    regio_gazetteer *g = gaz();
    regio_import_opts o = {0};
    o.gazetteer = g;
    regio_import_summary sum;
    regio_error err;
    ASSERT_OK(regio_import_accounts(s, data("salesforce_accounts.csv"), &o, &sum, &err));
    ASSERT_EQ_INT(sum.rows, 5);
    ASSERT_EQ_INT(sum.added, 5);
    ASSERT_EQ_INT(sum.coords_given, 1);
    ASSERT_EQ_INT(sum.geocoded_postal, 2);
    ASSERT_EQ_INT(sum.geocoded_city, 2);
    found f = {0};
    ASSERT_OK(regio_store_accounts_foreach(s, keep, &f, NULL));
    ASSERT_EQ_INT(f.n, 5);
    /* Ordered by id: ...EAAV first. Multi-line street kept whole. */
    ASSERT_EQ_STR(f.acc[0].id, "0015g00000AbCdEAAV");
    ASSERT_EQ_STR(f.acc[0].name, "Acme Robotics, Inc.");
    ASSERT_EQ_STR(f.acc[0].street, "500 Howard St\nSuite 300");
    ASSERT_EQ_STR(f.acc[0].owner, "0055g00000XyZaBAAV");
    ASSERT_EQ_STR(f.acc[0].type, "Customer - Direct");
    ASSERT_EQ_STR(f.acc[0].country, "US");
    ASSERT_NEAR(f.acc[0].lat, 37.78794, 1e-9);
    ASSERT_NEAR(f.acc[0].annual_revenue, 25000000, 0);
    ASSERT_NEAR(f.acc[0].employees, 120, 0);
    ASSERT_EQ_INT(f.acc[0].geo_source, REGIO_GEO_INPUT);
    ASSERT_TRUE(f.acc[0].n_attrs >= 10); /* Shipping*, Phone, ... kept */
    /* Postal code kept as written; placed from it (ZIP+4 normalised). */
    ASSERT_EQ_STR(f.acc[2].street, "350 Fifth Avenue\nFloor 21\nAttn: Receiving");
    ASSERT_EQ_STR(f.acc[2].postal_code, "10001-1234");
    ASSERT_EQ_INT(f.acc[2].geo_source, REGIO_GEO_POSTAL);
    ASSERT_NEAR(f.acc[2].lat, 40.75065, 1e-6);
    /* "Missouri" -> MO and placed by city. */
    ASSERT_EQ_STR(f.acc[3].region, "MO");
    ASSERT_EQ_INT(f.acc[3].geo_source, REGIO_GEO_CITY);
    found_clear(&f);
    /* The same file again: nothing changes. */
    ASSERT_OK(regio_import_accounts(s, data("salesforce_accounts.csv"), &o, &sum, &err));
    ASSERT_EQ_INT(sum.unchanged, 5);
    ASSERT_EQ_INT(sum.added, 0);
    regio_gazetteer_close(g);
    regio_store_close(s);
    remove(db_path);
}

static void test_hubspot_fields(void)
{
    regio_store *s = fresh();
    regio_gazetteer *g = gaz();
    regio_import_opts o = {0};
    o.gazetteer = g;
    regio_import_summary sum;
    ASSERT_OK(regio_import_accounts(s, data("hubspot_companies.csv"), &o, &sum, NULL));
    ASSERT_EQ_INT(sum.added, 4);
    ASSERT_EQ_INT(sum.not_placed, 1);
    ASSERT_EQ_STR(sum.not_placed_ids[0], "9876543213");
    found f = {0};
    ASSERT_OK(regio_store_accounts_foreach(s, keep, &f, NULL));
    ASSERT_EQ_INT(f.n, 4);
    ASSERT_EQ_STR(f.acc[0].id, "9876543210");
    ASSERT_EQ_STR(f.acc[0].name, "Harbor Analytics");
    ASSERT_EQ_STR(f.acc[0].region, "CA");
    ASSERT_EQ_STR(f.acc[0].owner, "Dana Lee");
    ASSERT_EQ_STR(f.acc[0].segment, "A"); /* "Tier" */
    ASSERT_NEAR(f.acc[0].annual_revenue, 12000000, 0);
    ASSERT_EQ_STR(f.acc[2].country, "DE");
    ASSERT_EQ_INT(f.acc[2].geo_source, REGIO_GEO_CITY);
    ASSERT_TRUE(isnan(f.acc[3].lat));
    found_clear(&f);
    regio_gazetteer_close(g);
    regio_store_close(s);
    remove(db_path);
}

/* Postal codes as people type them (issue 10, item 8): a ZIP that a
 * spreadsheet stripped of its leading zeros is restored and placed when the
 * state, the country or the import's default country says US; placed
 * records get an empty city and state from the gazetteer. */
static void test_typed_postal_codes(void)
{
    char csv[256];
    snprintf(csv, sizeof csv, "/tmp/regio_test_import_zips_%ld.csv", (long)getpid());
    FILE *f = fopen(csv, "w");
    ASSERT_TRUE(f != NULL);
    if (!f)
        return;
    fputs("id,name,city,state,zip,country,lat,lon\n"
          "Z1,state code,,MA,2134,,,\n"
          "Z2,state name,,Massachusetts,2134,,,\n"
          "Z3,nothing says US,,,2134,,,\n"
          "Z4,Canadian,,,2134,CA,,\n"
          "Z5,two zeros,,NY,501,,,\n"
          "Z6,zip plus four,,MA,2134-1234,,,\n"
          "Z7,city given,Boston,MA,2134,,,\n"
          "Z8,by city,Springfield,,,US,,\n"
          "Z9,coordinates given,,MA,2134,,42.3,-71.1\n", f);
    fclose(f);
    regio_store *s = fresh();
    regio_gazetteer *g = gaz();
    regio_import_opts o = {0};
    o.gazetteer = g;
    regio_import_summary sum;
    regio_error err;
    ASSERT_OK(regio_import_accounts(s, csv, &o, &sum, &err));
    ASSERT_EQ_INT(sum.rows, 9);
    ASSERT_EQ_INT(sum.coords_given, 1);
    ASSERT_EQ_INT(sum.geocoded_postal, 5);  /* Z1 Z2 Z5 Z6 Z7 */
    ASSERT_EQ_INT(sum.geocoded_city, 1);    /* Z8 */
    ASSERT_EQ_INT(sum.not_placed, 2);       /* Z3 Z4 */
    ASSERT_EQ_STR(sum.not_placed_ids[0], "Z3");
    ASSERT_EQ_STR(sum.not_placed_ids[1], "Z4");
    ASSERT_EQ_INT(sum.postal_restored, 6);  /* Z1 Z2 Z5 Z6 Z7 Z9 */
    ASSERT_EQ_INT(sum.places_filled, 5);    /* Z1 Z2 Z5 Z6 (city), Z8 (state); Z7 gave both */
    found fd = {0};
    ASSERT_OK(regio_store_accounts_foreach(s, keep, &fd, NULL));
    ASSERT_EQ_INT(fd.n, 9);
    if (fd.n == 9) {
        regio_account *a = fd.acc; /* ordered by id: Z1..Z9 */
        ASSERT_EQ_STR(a[0].postal_code, "02134");
        ASSERT_EQ_INT(a[0].geo_source, REGIO_GEO_POSTAL);
        ASSERT_NEAR(a[0].lat, 42.359, 1e-9);
        ASSERT_EQ_STR(a[0].city, "Allston");
        ASSERT_EQ_STR(a[0].region, "MA");
        ASSERT_TRUE(a[0].country == NULL); /* no country is made up */
        ASSERT_EQ_STR(a[1].postal_code, "02134");
        ASSERT_EQ_STR(a[1].region, "MA"); /* "Massachusetts" -> MA */
        ASSERT_EQ_INT(a[1].geo_source, REGIO_GEO_POSTAL);
        ASSERT_EQ_STR(a[2].postal_code, "2134"); /* as given, not placed */
        ASSERT_TRUE(isnan(a[2].lat));
        ASSERT_TRUE(a[2].city == NULL && a[2].region == NULL);
        ASSERT_EQ_STR(a[3].postal_code, "2134"); /* Canadian: untouched */
        ASSERT_EQ_INT(a[3].geo_source, REGIO_GEO_NONE);
        ASSERT_EQ_STR(a[4].postal_code, "00501");
        ASSERT_EQ_STR(a[4].city, "Holtsville");
        ASSERT_NEAR(a[4].lat, 40.81322, 1e-9);
        ASSERT_EQ_STR(a[5].postal_code, "02134-1234"); /* the +4 is kept */
        ASSERT_EQ_INT(a[5].geo_source, REGIO_GEO_POSTAL);
        ASSERT_EQ_STR(a[6].postal_code, "02134");
        ASSERT_EQ_STR(a[6].city, "Boston"); /* the file's city is kept */
        ASSERT_EQ_STR(a[7].city, "Springfield");
        ASSERT_EQ_STR(a[7].region, "MO"); /* the place it was put at */
        ASSERT_EQ_INT(a[7].geo_source, REGIO_GEO_CITY);
        ASSERT_EQ_STR(a[8].postal_code, "02134"); /* restored, not geocoded */
        ASSERT_EQ_INT(a[8].geo_source, REGIO_GEO_INPUT);
        ASSERT_TRUE(a[8].city == NULL);
        ASSERT_NEAR(a[8].lat, 42.3, 1e-9);
    }
    found_clear(&fd);
    /* The same file again: the restored codes are what the store holds,
     * so nothing changes. */
    ASSERT_OK(regio_import_accounts(s, csv, &o, &sum, &err));
    ASSERT_EQ_INT(sum.unchanged, 9);
    /* A default country: the record that nothing said US is placed. */
    o.default_country = "United States";
    ASSERT_OK(regio_import_accounts(s, csv, &o, &sum, &err));
    ASSERT_EQ_INT(sum.updated, 1);
    ASSERT_EQ_INT(sum.not_placed, 1);
    ASSERT_EQ_STR(sum.not_placed_ids[0], "Z4"); /* Canada stays Canada */
    ASSERT_EQ_INT(sum.postal_restored, 7);
    fd.n = 0;
    ASSERT_OK(regio_store_accounts_foreach(s, keep, &fd, NULL));
    if (fd.n == 9) {
        ASSERT_EQ_STR(fd.acc[2].postal_code, "02134");
        ASSERT_EQ_STR(fd.acc[2].city, "Allston");
        ASSERT_EQ_STR(fd.acc[2].region, "MA");
        ASSERT_TRUE(fd.acc[2].country == NULL);
    }
    found_clear(&fd);
    /* An unknown default country fails before anything is read. */
    o.default_country = "Narnia";
    ASSERT_EQ_INT(regio_import_accounts(s, csv, &o, &sum, &err), REGIO_EINVAL);
    ASSERT_TRUE(strstr(err.msg, "Narnia") != NULL);
    regio_gazetteer_close(g);
    regio_store_close(s);
    remove(db_path);
    remove(csv);
}

static long count_accounts(regio_store *s)
{
    regio_store_counts c;
    if (regio_store_stats(s, &c, NULL))
        return -1;
    return c.accounts;
}

static void test_bad_line_changes_nothing(void)
{
    regio_store *s = fresh();
    regio_import_summary sum;
    regio_error err;
    ASSERT_OK(regio_import_accounts(s, data("accounts_good60.csv"), NULL, &sum, &err));
    ASSERT_EQ_INT(count_accounts(s), 59);
    /* Same ids, one bad latitude on line 57: fails whole. */
    ASSERT_EQ_INT(regio_import_accounts(s, data("accounts_bad_line57.csv"), NULL, &sum, &err),
                  REGIO_EDATA);
    ASSERT_EQ_INT(err.line, 57);
    ASSERT_EQ_STR(err.field, "lat");
    ASSERT_TRUE(strstr(err.msg, "abc") != NULL);
    ASSERT_TRUE(strstr(err.file, "accounts_bad_line57.csv") != NULL);
    /* Rows before line 57 had changed values (lat), yet none landed. */
    found f = {0};
    ASSERT_OK(regio_store_accounts_foreach(s, keep, &f, NULL));
    ASSERT_EQ_INT(f.n, 59);
    ASSERT_NEAR(f.acc[0].lat, 40.01, 1e-9);
    found_clear(&f);
    /* skip_invalid: the other rows land, the bad one is counted. */
    regio_import_opts o = {0};
    o.skip_invalid = 1;
    ASSERT_OK(regio_import_accounts(s, data("accounts_bad_line57.csv"), &o, &sum, &err));
    ASSERT_EQ_INT(sum.rejected, 1);
    ASSERT_EQ_INT(sum.unchanged + sum.updated, 58);
    regio_store_close(s);
    remove(db_path);
}


static void test_alloc_failures(void)
{
    regio_store *s = fresh();
    regio_gazetteer *g = gaz();
    regio_import_opts o = {0};
    o.gazetteer = g;
    regio_allocator a = regio_test_failing;
    int failures = 0, successes = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 4000 && successes < 3; alloc_fail_at++) {
        alloc_calls = 0;
        regio_set_allocator(&a);
        regio_import_summary sum;
        regio_err rc = regio_import_accounts(s, data("salesforce_accounts.csv"), &o, &sum, NULL);
        regio_set_allocator(NULL);
        if (rc == REGIO_OK) {
            successes++;
        } else {
            failures++;
            /* A failed import wrote nothing (first success adds all 5). */
            long n = count_accounts(s);
            ASSERT_TRUE(n == 0 || n == 5);
        }
    }
    ASSERT_TRUE(failures > 50);
    ASSERT_TRUE(successes > 0);
    ASSERT_EQ_INT(count_accounts(s), 5);
    regio_gazetteer_close(g);
    regio_store_close(s);
    remove(db_path);
}

int main(void)
{
    const char *src = getenv("REGIO_SOURCE_DIR");
    snprintf(data_dir, sizeof data_dir, "%s/tests/data", src ? src : ".");
    RUN(test_salesforce_fields);
    RUN(test_hubspot_fields);
    RUN(test_typed_postal_codes);
    RUN(test_bad_line_changes_nothing);
    RUN(test_alloc_failures);
    TEST_END();
}
