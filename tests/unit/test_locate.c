/*
 * Unit tests for the placing of accounts into point units after an import
 * (regio_assign_locate_accounts through regio_import_accounts): over random
 * dense point units and random accounts, each account's unit must be the
 * nearest unit centre by great-circle distance within 50 km, found here by
 * brute force over every unit, and none beyond.
 */
#include "regio/regio.h"
#include "regio_test.h"
#include "regio_test_db.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N_UNITS 1500
#define N_ACCOUNTS 4000

static double ulat[N_UNITS], ulon[N_UNITS];
static char *placed[N_ACCOUNTS];
static double alat[N_ACCOUNTS], alon[N_ACCOUNTS];

/* A coordinate as the CSV file gives it (6 decimals), read back. */
static double rounded(double v, char *out, size_t n)
{
    snprintf(out, n, "%.6f", v);
    return strtod(out, NULL);
}

static int take(void *ud, const regio_account *a)
{
    (void)ud;
    long i = strtol(a->id + 1, NULL, 10);
    if (i >= 0 && i < N_ACCOUNTS)
        placed[i] = a->unit_id ? strdup(a->unit_id) : strdup("");
    return 0;
}

static void test_nearest_against_brute_force(void)
{
    char db[256], units_csv[256], accounts_csv[256];
    snprintf(db, sizeof db, "/tmp/regio_test_locate_%ld.db", (long)getpid());
    snprintf(units_csv, sizeof units_csv, "/tmp/regio_test_locate_u_%ld.csv", (long)getpid());
    snprintf(accounts_csv, sizeof accounts_csv, "/tmp/regio_test_locate_a_%ld.csv",
             (long)getpid());
    regio_rng r;
    regio_rng_seed(&r, 16);
    FILE *f = fopen(units_csv, "w");
    ASSERT_TRUE(f != NULL);
    fputs("id,lat,lon\n", f);
    char a[32], b[32];
    /* Dense units (about 8 km apart) in two clusters, so that some accounts
     * lie far from every unit and many units share the search cells. */
    for (int i = 0; i < N_UNITS; i++) {
        double lat0 = i % 2 ? 40.0 : 43.0, lon0 = i % 2 ? -100.0 : -96.0;
        ulat[i] = rounded(lat0 + regio_rng_double(&r) * 2.0, a, sizeof a);
        ulon[i] = rounded(lon0 + regio_rng_double(&r) * 3.0, b, sizeof b);
        fprintf(f, "U%05d,%s,%s\n", i, a, b);
    }
    fclose(f);
    f = fopen(accounts_csv, "w");
    ASSERT_TRUE(f != NULL);
    fputs("id,name,lat,lon\n", f);
    for (int i = 0; i < N_ACCOUNTS; i++) {
        alat[i] = rounded(38.5 + regio_rng_double(&r) * 7.0, a, sizeof a);
        alon[i] = rounded(-102.0 + regio_rng_double(&r) * 10.0, b, sizeof b);
        fprintf(f, "A%05d,Account %d,%s,%s\n", i, i, a, b);
    }
    fclose(f);

    regio_test_db_remove(db);
    regio_store *s = NULL;
    regio_error err;
    ASSERT_OK(regio_store_open(db, &s, &err));
    ASSERT_OK(regio_import_units(s, units_csv, NULL, NULL, &err));
    ASSERT_OK(regio_import_accounts(s, accounts_csv, NULL, NULL, &err));
    ASSERT_OK(regio_store_accounts_foreach(s, take, NULL, &err));
    int near = 0, far = 0, wrong = 0;
    for (int i = 0; i < N_ACCOUNTS; i++) {
        int best = -1;
        double bd = INFINITY;
        for (int u = 0; u < N_UNITS; u++) {
            double d = regio_haversine_km(alat[i], alon[i], ulat[u], ulon[u]);
            if (d < bd) {
                bd = d;
                best = u;
            }
        }
        char want[16] = "";
        if (bd <= 50.0)
            snprintf(want, sizeof want, "U%05d", best);
        ASSERT_TRUE(placed[i] != NULL);
        if (placed[i] && strcmp(placed[i], want) != 0) {
            if (wrong++ < 5)
                fprintf(stderr, "account A%05d: placed in '%s', nearest '%s' (%.3f km)\n", i,
                        placed[i], want, bd);
        }
        if (want[0])
            near++;
        else
            far++;
        free(placed[i]);
    }
    ASSERT_EQ_INT(wrong, 0);
    ASSERT_TRUE(near > 1000); /* both cases are exercised */
    ASSERT_TRUE(far > 100);
    regio_store_close(s);
    regio_test_db_remove(db);
    remove(units_csv);
    remove(accounts_csv);
}

int main(void)
{
    RUN(test_nearest_against_brute_force);
    TEST_END();
}
