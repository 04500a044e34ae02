/*
 * The accounts' packed columns (store/sqlite_account_columns.c and
 * pg_perf.c, schema migration 7) against a model kept in the test. Another connection (any
 * program that writes the store) adds, removes and changes accounts and
 * units at random, some of it rolled back; after each round the packed
 * columns are either absent, or exactly the model's: every account's key
 * in order, its unit's key (0 when its unit code names no unit), its
 * potential (0 when empty) and its visits a year (NaN when the attribute
 * is missing). A change that matters must make them absent; a change to
 * another column (name, owner) must leave them. Packing again gives the
 * model. A save whose rows were read before another connection committed,
 * or while another connection holds the write lock, writes nothing.
 */
#include "regio/store.h"
#include "perf/perf_store.h"
#include "regio_test.h"
#include "regio_test_db.h"

#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

#define ACCOUNTS 400
#define UNITS 40

typedef struct maccount {
    int present;
    double potential; /* NaN: empty */
    double freq;      /* NaN: no visits_per_year attribute */
    int unit;         /* unit code index, -1 none; may name a unit that is absent */
} maccount;

typedef struct unit {
    int present;
    int code; /* its code is "U<code>" */
} munit;

static maccount accts[ACCOUNTS];
static munit units[UNITS];
static uint64_t rs = 0x9E3779B97F4A7C15ULL;
#define rnd() regio_test_rnd(&rs)
#define pick(n) regio_test_pick(&rs, (n))

/* Another connection to the store: SQLite's, or with --pg PostgreSQL's. */
typedef struct other {
    sqlite3 *db;
#ifdef REGIO_HAVE_PG
    PGconn *pg;
#endif
} other;

static int other_open(other *o, const char *loc)
{
    memset(o, 0, sizeof *o);
#ifdef REGIO_HAVE_PG
    if (regio_test_pg()) {
        o->pg = PQconnectdb(loc);
        if (PQstatus(o->pg) != CONNECTION_OK)
            return -1;
        PQclear(PQexec(o->pg, "SET client_min_messages = warning"));
        return 0;
    }
#endif
    if (sqlite3_open(loc, &o->db) != SQLITE_OK)
        return -1;
    sqlite3_busy_timeout(o->db, 5000);
    return 0;
}

static void other_close(other *o)
{
#ifdef REGIO_HAVE_PG
    if (o->pg)
        PQfinish(o->pg);
#endif
    sqlite3_close(o->db);
}

/* Runs sql on the other connection. On PostgreSQL a write then tells the
 * change as every Regio writer does (NOTIFY on the schema's channel, delivered at
 * its commit): PostgreSQL has no counter of the database's changes like
 * SQLite's data_version, so the store's generation counts what is told. */
static void exec(other *o, const char *sql)
{
#ifdef REGIO_HAVE_PG
    if (o->pg) {
        PGresult *r = PQexec(o->pg, sql);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
        if (!ok)
            fprintf(stderr, "%s: %s\n", sql, PQerrorMessage(o->pg));
        PQclear(r);
        ASSERT_TRUE(ok);
        if (!strncmp(sql, "INSERT", 6) || !strncmp(sql, "UPDATE", 6) ||
            !strncmp(sql, "DELETE", 6))
            PQclear(PQexec(o->pg, "SELECT pg_notify('regio_' || current_schema(), '')"));
        return;
    }
#endif
    char *msg = NULL;
    int r = sqlite3_exec(o->db, sql, NULL, NULL, &msg);
    if (r != SQLITE_OK)
        fprintf(stderr, "%s: %s\n", sql, msg ? msg : "?");
    sqlite3_free(msg);
    ASSERT_EQ_INT(r, SQLITE_OK);
}

/* The SQL of the backend under test. */
static const char *dialect(const char *sqlite, const char *postgresql)
{
    return regio_test_pg() ? postgresql : sqlite;
}

/* The unit key the model expects for account i: the row id of the unit
 * whose code it names (units' row id = index + 1), 0 when none. */
static long long expected_unit(int i)
{
    int code = accts[i].unit;
    if (code < 0)
        return 0;
    for (int u = 0; u < UNITS; u++)
        if (units[u].present && units[u].code == code)
            return u + 1;
    return 0;
}

static void random_account(int i, char *sql, size_t cap)
{
    maccount *a = &accts[i];
    a->present = 1;
    a->potential = pick(4) ? (double)pick(1000000) / 8.0 : NAN;
    a->freq = pick(3) ? (double)pick(50) / 2.0 : NAN;
    a->unit = pick(6) ? (int)pick(UNITS + 5) : -1;
    char pot[40] = "NULL", attrs[80] = "'{}'", u[24] = "NULL";
    if (!isnan(a->potential))
        snprintf(pot, sizeof pot, "%.17g", a->potential);
    if (!isnan(a->freq))
        snprintf(attrs, sizeof attrs, "'{\"tier\":\"x\",\"visits_per_year\":%.17g}'", a->freq);
    else if (pick(2))
        snprintf(attrs, sizeof attrs, "'{\"visits\":\"visits_per_year\"}'");
    if (a->unit >= 0)
        snprintf(u, sizeof u, "'U%d'", a->unit);
    snprintf(sql, cap,
             "INSERT INTO accounts(id, ext_id, potential, attrs, unit_ext, row_hash, created_at,"
             " updated_at) VALUES (%d, 'A%d', %s, %s, %s, 0, 'now', 'now')"
             " ON CONFLICT (id) DO UPDATE SET potential = excluded.potential,"
             " attrs = excluded.attrs, unit_ext = excluded.unit_ext",
             i + 1, i, pot, attrs, u);
}

/* One random write on db to the model m; *matters says whether it changes
 * what the packed columns hold. */
static void random_write(other *db, int *matters)
{
    char sql[512];
    int i = (int)pick(ACCOUNTS), u = (int)pick(UNITS);
    switch (pick(8)) {
    case 0:
    case 1: /* an account added, or all its columns written */
        random_account(i, sql, sizeof sql);
        exec(db, sql);
        *matters = 1;
        break;
    case 2: /* removed */
        if (!accts[i].present)
            return;
        snprintf(sql, sizeof sql, "DELETE FROM accounts WHERE id = %d", i + 1);
        exec(db, sql);
        accts[i].present = 0;
        *matters = 1;
        break;
    case 3: /* another column */
        snprintf(sql, sizeof sql,
                 "UPDATE accounts SET name = 'n%ld', owner_ext = 'o%ld', segment = 'B'"
                 " WHERE id = %d",
                 pick(100), pick(100), i + 1);
        exec(db, sql);
        break;
    case 4: /* its potential alone */
        if (!accts[i].present)
            return;
        accts[i].potential = (double)pick(5000);
        snprintf(sql, sizeof sql, "UPDATE accounts SET potential = %.17g WHERE id = %d",
                 accts[i].potential, i + 1);
        exec(db, sql);
        *matters = 1;
        break;
    case 5: /* a unit added or removed */
        if (units[u].present) {
            snprintf(sql, sizeof sql, "DELETE FROM units WHERE id = %d", u + 1);
            units[u].present = 0;
        } else {
            units[u].present = 1;
            units[u].code = (int)pick(UNITS + 5);
            for (int v = 0; v < UNITS; v++)
                if (v != u && units[v].present && units[v].code == units[u].code)
                    units[u].present = 0; /* codes are unique */
            if (!units[u].present)
                return;
            snprintf(sql, sizeof sql,
                     "INSERT INTO units(id, ext_id, row_hash, created_at, updated_at)"
                     " VALUES (%d, 'U%d', 0, 'now', 'now')",
                     u + 1, units[u].code);
        }
        exec(db, sql);
        *matters = 1;
        break;
    case 6: { /* a unit's code changed */
        int code = (int)pick(UNITS + 5);
        for (int v = 0; v < UNITS; v++)
            if (units[v].present && units[v].code == code)
                return;
        if (!units[u].present)
            return;
        units[u].code = code;
        snprintf(sql, sizeof sql, "UPDATE units SET ext_id = 'U%d' WHERE id = %d", code, u + 1);
        exec(db, sql);
        *matters = 1;
        break;
    }
    default: /* a unit's other columns */
        snprintf(sql, sizeof sql, "UPDATE units SET name = 'u%ld' WHERE id = %d", pick(9), u + 1);
        exec(db, sql);
        break;
    }
}

static void same_as_model(const regio__perf_account_cols *c)
{
    size_t n = 0;
    for (int i = 0; i < ACCOUNTS; i++) {
        if (!accts[i].present)
            continue;
        ASSERT_TRUE(n < c->n);
        ASSERT_EQ_INT(c->key[n], i + 1);
        ASSERT_EQ_INT(c->unit[n], expected_unit(i));
        double pot = isnan(accts[i].potential) ? 0.0 : accts[i].potential;
        ASSERT_TRUE(c->potential[n] == pot);
        ASSERT_TRUE(isnan(accts[i].freq) ? isnan(c->freq[n]) : c->freq[n] == accts[i].freq);
        n++;
    }
    ASSERT_EQ_INT(c->n, n);
}

static int packed(regio_store *s, regio__perf_account_cols *c)
{
    int found = -1;
    regio_error e;
    regio_error_clear(&e);
    ASSERT_OK(regio__perf_account_columns_load(s, c, &found, &e));
    return found;
}

static void test_random_writes(void)
{
    char path[512];
    regio_test_store_location(path, sizeof path, "acols");
    regio_store *s = NULL;
    regio_error e;
    regio_error_clear(&e);
    ASSERT_OK(regio_store_open(path, &s, &e));
    other conn, *db = &conn;
    ASSERT_EQ_INT(other_open(db, path), 0);
    memset(accts, 0, sizeof accts);
    memset(units, 0, sizeof units);
    regio__perf_account_cols c;
    ASSERT_EQ_INT(packed(s, &c), 0); /* a new store has none */
    ASSERT_OK(regio__perf_account_columns_ensure(s, &e));
    ASSERT_EQ_INT(packed(s, &c), 1);
    same_as_model(&c);
    regio__perf_account_cols_free(&c);
    int kept = 0, dropped = 0, had = 1; /* had: packed when the round begins */
    for (int round = 0; round < 300; round++) {
        maccount a0[ACCOUNTS];
        munit u0[UNITS];
        memcpy(a0, accts, sizeof accts);
        memcpy(u0, units, sizeof units);
        int txn = round % 4 == 1, undo = round % 8 == 5, matters = 0;
        if (txn)
            exec(db, "BEGIN");
        int writes = round < 10 ? 80 : 1 + (int)pick(3);
        for (int w = 0; w < writes; w++)
            random_write(db, &matters);
        if (txn && undo) {
            exec(db, "ROLLBACK");
            memcpy(accts, a0, sizeof accts);
            memcpy(units, u0, sizeof units);
            matters = 0;
        } else if (txn) {
            exec(db, "COMMIT");
        }
        int found = packed(s, &c);
        if (matters || !had) {
            ASSERT_EQ_INT(found, 0);
            dropped += had;
        } else if (found == 1) {
            same_as_model(&c);
            kept++;
        } else {
            ASSERT_EQ_INT(found, 1);
        }
        regio__perf_account_cols_free(&c);
        had = found == 1;
        if (pick(3)) { /* packed again, as the figures do */
            ASSERT_OK(regio__perf_account_columns_ensure(s, &e));
            ASSERT_EQ_INT(packed(s, &c), 1);
            same_as_model(&c);
            regio__perf_account_cols_free(&c);
            had = 1;
        }
    }
    ASSERT_TRUE(kept > 20 && dropped > 100);
    other_close(db);
    regio_store_close(s);
    regio_test_store_remove(path);
}

/* Columns read before another connection committed are not kept; nor are
 * they while another connection holds the write lock (the save neither
 * waits nor fails). */
static void test_stale_or_busy_save(void)
{
    char path[512];
    regio_test_store_location(path, sizeof path, "acols2");
    regio_store *s = NULL;
    regio_error e;
    regio_error_clear(&e);
    ASSERT_OK(regio_store_open(path, &s, &e));
    other conn, *db = &conn;
    ASSERT_EQ_INT(other_open(db, path), 0);
    memset(accts, 0, sizeof accts);
    memset(units, 0, sizeof units);
    char sql[512];
    for (int i = 0; i < 10; i++) {
        random_account(i, sql, sizeof sql);
        exec(db, sql);
    }
    long long key[1] = {1}, unit0[1] = {0};
    double pot[1] = {1}, freq[1] = {NAN};
    regio__perf_account_cols stale = {1, key, unit0, pot, freq};
    regio__perf_account_cols c;
    uint64_t gen = 0;
    ASSERT_OK(regio_store_generation(s, &gen, &e));
    exec(db, "UPDATE accounts SET potential = 7 WHERE id = 2");
    ASSERT_OK(regio__perf_account_columns_save(s, &stale, gen, &e));
    ASSERT_EQ_INT(packed(s, &c), 0);
    ASSERT_OK(regio_store_generation(s, &gen, &e));
    /* the write lock: SQLite's, or a write under way on account_columns */
    exec(db, dialect("BEGIN IMMEDIATE", "BEGIN"));
    if (regio_test_pg())
        exec(db, "LOCK TABLE account_columns IN ROW EXCLUSIVE MODE");
    ASSERT_OK(regio__perf_account_columns_save(s, &stale, gen, &e));
    exec(db, "COMMIT");
    ASSERT_EQ_INT(packed(s, &c), 0);
    /* nothing in between: kept, and the store's generation does not move */
    ASSERT_OK(regio__perf_account_columns_save(s, &stale, gen, &e));
    uint64_t after = 0;
    ASSERT_OK(regio_store_generation(s, &after, &e));
    ASSERT_TRUE(after == gen);
    ASSERT_EQ_INT(packed(s, &c), 1);
    ASSERT_EQ_INT(c.n, 1);
    regio__perf_account_cols_free(&c);
    /* a part that is not as written is not trusted */
    exec(db, dialect("UPDATE account_columns SET data = x'01' WHERE part = 0",
                     "UPDATE account_columns SET data = '\\x01'::bytea WHERE part = 0"));
    ASSERT_EQ_INT(packed(s, &c), 0);
    other_close(db);
    regio_store_close(s);
    regio_test_store_remove(path);
}

int main(int argc, char **argv)
{
    /* --pg: the PostgreSQL variant (unit.test_account_columns.pg), on REGIO_TEST_DB. */
    regio_test_backend(argc, argv, "test_account_columns --pg");
    RUN(test_random_writes);
    RUN(test_stale_or_busy_save);
    TEST_END();
}
