/*
 * A small store for the in-process server tests and the API fuzz target:
 * nine point units on a 3 x 3 grid near Denver, two reps, twelve accounts
 * with Salesforce export headers, placed into the units with the unit
 * measures accounts/revenue/potential, and planning model "base" designed
 * in two territories, T01 (rep R1) and T02 (rep R2). Each step is its own function so that
 * the allocation-failure loop can run them one at a time.
 */
#ifndef REGIO_TEST_FIXTURE_H
#define REGIO_TEST_FIXTURE_H

#include "regio/regio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A new temporary folder for the stores (in /dev/shm when there is one:
 * SQLite's syncs cost nothing there) in dir (cap >= 64); 0 on success. */
static inline int fixture_dir(char *dir, size_t cap, const char *tag)
{
    snprintf(dir, cap, "%s/regio_%s_XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp",
             tag);
    return mkdtemp(dir) ? 0 : -1;
}

/* Writes text to dir/name and puts the path in out (cap >= 4200). */
static inline int fixture_file(const char *dir, const char *name, const char *text, char *out,
                               size_t cap)
{
    snprintf(out, cap, "%s/%s", dir, name);
    FILE *f = fopen(out, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static const char FIXTURE_UNITS[] = "id,name,lat,lon\n"
                                    "U1,North West,39.80,-105.10\n"
                                    "U2,North,39.80,-105.00\n"
                                    "U3,North East,39.80,-104.90\n"
                                    "U4,West,39.70,-105.10\n"
                                    "U5,Centre,39.70,-105.00\n"
                                    "U6,East,39.70,-104.90\n"
                                    "U7,South West,39.60,-105.10\n"
                                    "U8,South,39.60,-105.00\n"
                                    "U9,South East,39.60,-104.90\n";

static const char FIXTURE_REPS[] = "id,name,lat,lon,capacity,day_start,day_end\n"
                                   "R1,Ana Ruiz,39.78,-105.08,160,08:00,17:00\n"
                                   "R2,Ben Okafor,39.62,-104.92,160,08:00,17:00\n";

/* Salesforce's Account export as it comes (quoted, Billing* columns). */
static const char FIXTURE_ACCOUNTS[] =
    "\"Id\",\"Name\",\"BillingLatitude\",\"BillingLongitude\",\"Industry\",\"AnnualRevenue\","
    "\"NumberOfEmployees\",\"Rating\"\n"
    "\"001A\",\"Acme Robotics, Inc.\",\"39.81\",\"-105.09\",\"Manufacturing\",\"2500000\",\"120\","
    "\"Hot\"\n"
    "\"001B\",\"Bay Medical\",\"39.79\",\"-105.01\",\"Healthcare\",\"420000\",\"35\",\"Warm\"\n"
    "\"001C\",\"Cedar Dental\",\"39.80\",\"-104.91\",\"Healthcare\",\"300000\",\"11\",\"\"\n"
    "\"001D\",\"Delta Freight\",\"39.71\",\"-105.11\",\"Logistics\",\"9000000\",\"250\",\"Hot\"\n"
    "\"001E\",\"Elm Bakery\",\"39.69\",\"-104.99\",\"Retail\",\"150000\",\"8\",\"Cold\"\n"
    "\"001F\",\"Fir Systems\",\"39.70\",\"-104.89\",\"Software\",\"1200000\",\"40\",\"Warm\"\n"
    "\"001G\",\"Gale Clinic\",\"39.61\",\"-105.09\",\"Healthcare\",\"800000\",\"60\",\"\"\n"
    "\"001H\",\"Hill Foods\",\"39.59\",\"-105.01\",\"Retail\",\"650000\",\"22\",\"Hot\"\n"
    "\"001I\",\"Iris Labs\",\"39.60\",\"-104.91\",\"Software\",\"3000000\",\"90\",\"Warm\"\n"
    "\"001J\",\"Jade Motors\",\"39.72\",\"-105.02\",\"Retail\",\"2200000\",\"75\",\"\"\n"
    "\"001K\",\"Kite Air\",\"39.79\",\"-104.89\",\"Logistics\",\"5100000\",\"130\",\"Cold\"\n"
    "\"001L\",\"Lark Legal\",\"39.61\",\"-104.99\",\"Services\",\"700000\",\"14\",\"\"\n";

/* Copies the store at from over the file to (no WAL is left after a store
 * is closed; to's -wal and -shm are removed). */
static inline regio_err fixture_copy(const char *from, const char *to)
{
    char p[4200];
    snprintf(p, sizeof p, "%s-wal", to);
    remove(p);
    snprintf(p, sizeof p, "%s-shm", to);
    remove(p);
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[1 << 16];
    size_t n;
    int bad = !in || !out;
    while (!bad && (n = fread(buf, 1, sizeof buf, in)) > 0)
        bad = fwrite(buf, 1, n, out) != n;
    if (in)
        fclose(in);
    if (out && fclose(out))
        bad = 1;
    return bad ? REGIO_EIO : REGIO_OK;
}

/* dir's fixture files (written once by fixture_store). */
typedef struct fixture_paths {
    char units[4200], reps[4200], accounts[4200];
} fixture_paths;

static inline regio_err fixture_import_reps(regio_store *s, const fixture_paths *p,
                                            regio_error *e)
{
    return regio_import_reps(s, p->reps, NULL, NULL, e);
}

static inline regio_err fixture_import_accounts(regio_store *s, const fixture_paths *p,
                                                regio_error *e)
{
    return regio_import_accounts(s, p->accounts, NULL, NULL, e);
}

/* The units (the accounts placed into them): `regio import units`. */
static inline regio_err fixture_import_units(regio_store *s, const fixture_paths *p,
                                             regio_error *e)
{
    return regio_import_units(s, p->units, NULL, NULL, e);
}

/* The unit measures summed from the accounts: `regio assign units
 * --measures`, one transaction. */
static inline regio_err fixture_assign_units(regio_store *s, regio_error *e)
{
    regio_err rc = regio_store_begin(s, e);
    if (rc)
        return rc;
    regio_locate_opts lo = {0, 1, NULL, NULL};
    if ((rc = regio_assign_locate_accounts(s, &lo, NULL, e))) {
        regio_store_rollback(s, NULL);
        return rc;
    }
    return regio_store_commit(s, e);
}

/* Designs k = 2 territories balancing accounts and saves planning model
 * name (as `regio design --k 2 --model NAME` does). */
static inline regio_err fixture_design(regio_store *s, const char *name, regio_error *e)
{
    regio_design_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.store = s;
    spec.balance = "accounts";
    spec.k = 2;
    regio_design_problem *p = NULL;
    regio_err rc = regio_design_problem_load(&spec, &p, e);
    if (rc)
        return rc;
    p->params.seed = 1;
    p->params.n_starts = 1;
    p->params.tolerance = 0.2;
    regio_design_result res;
    memset(&res, 0, sizeof res);
    rc = regio_design_run(&p->in, &p->params, &res, e);
    if (rc == REGIO_EINFEASIBLE)
        rc = REGIO_OK;
    if (!rc)
        rc = regio_model_view_save(s, p, NULL, p->k, p->territory, res.labels, NULL, name, 0,
                                   "test", e);
    regio_design_result_free(&res);
    regio_design_problem_destroy(p);
    return rc;
}

/* Writes the files into dir and builds the store at db (a new file);
 * with people (may be NULL) also a store of the reps and accounts only. */
static inline regio_err fixture_store(const char *dir, const char *db, const char *people,
                                      fixture_paths *p, regio_error *e)
{
    if (fixture_file(dir, "units.csv", FIXTURE_UNITS, p->units, sizeof p->units) ||
        fixture_file(dir, "reps.csv", FIXTURE_REPS, p->reps, sizeof p->reps) ||
        fixture_file(dir, "accounts.csv", FIXTURE_ACCOUNTS, p->accounts, sizeof p->accounts))
        return regio_error_setf(e, REGIO_EIO, dir, 0, NULL, "cannot write the fixture files");
    regio_store *s = NULL;
    regio_err rc = regio_store_open(db, &s, e);
    if (!rc)
        rc = fixture_import_reps(s, p, e);
    if (!rc)
        rc = fixture_import_accounts(s, p, e);
    if (!rc && people) {
        regio_store_close(s);
        s = NULL;
        rc = fixture_copy(db, people);
        if (!rc)
            rc = regio_store_open(db, &s, e);
    }
    if (!rc)
        rc = fixture_import_units(s, p, e);
    if (!rc)
        rc = fixture_assign_units(s, e);
    if (!rc)
        rc = fixture_design(s, "base", e);
    if (!rc)
        rc = regio_store_territory_set_rep(s, "base", "T01", "R1", e);
    if (!rc)
        rc = regio_store_territory_set_rep(s, "base", "T02", "R2", e);
    regio_store_close(s);
    return rc;
}

#endif
