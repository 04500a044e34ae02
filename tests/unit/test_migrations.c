/*
 * Tests for the SQLite schema migrations: a fresh database reaches the
 * latest version, reopening changes nothing, a newer database is refused,
 * each migration applies once, and the connection runs WAL with foreign keys.
 */
#include "regio/store.h"
#include "regio_test.h"
#include "regio_test_db.h"
#include "store/schema_sqlite.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static char path[64];

static void tmp_path(void) { regio_test_db_path(path, sizeof path, "migr"); }

static void rm_db(void) { regio_test_db_remove(path); }


static void q_text(sqlite3 *db, const char *sql, char *out, size_t cap)
{
    sqlite3_stmt *st = NULL;
    out[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_text(st, 0))
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

static void test_fresh_db_reaches_latest(void)
{
    tmp_path();
    regio_store *s = NULL;
    regio_error e;
    ASSERT_OK(regio_store_open(path, &s, &e));
    ASSERT_TRUE(s != NULL);
    ASSERT_TRUE(regio_store_schema_latest() >= 1);
    ASSERT_EQ_INT(regio_store_schema_version(s), regio_store_schema_latest());
    sqlite3 *db = regio__sqlite_handle(s);
    ASSERT_TRUE(db != NULL);
    ASSERT_EQ_INT(regio_test_sql_int(db, "PRAGMA user_version"), regio_store_schema_latest());
    ASSERT_EQ_INT(regio_test_sql_int(db, "SELECT COUNT(*) FROM schema_migrations"), regio_store_schema_latest());
    ASSERT_EQ_INT(regio_test_sql_int(db, "SELECT MAX(version) FROM schema_migrations"),
                  regio_store_schema_latest());
    /* The whole data model is there from migration 1. */
    static const char *const tables[] = {
        "users", "user_permissions", "reps", "units", "unit_adjacency", "accounts",
        "opportunities", "contacts", "cases", "territory_models", "territory_types",
        "territories", "alignments", "assignment_rules", "rule_criteria",
        "account_territories", "memberships", "scenario_promotions", "challenges",
        "visit_plans", "plan_visits", "activities", "sales_transactions", "quotas", "jobs",
        "settings", "audit_log"};
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
        char sql[160];
        snprintf(sql, sizeof sql,
                 "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'",
                 tables[i]);
        if (regio_test_sql_int(db, sql) != 1)
            FAIL_AT_("table %s missing", tables[i]);
    }
    regio_store_close(s);
    rm_db();
}

static void test_reopen_is_noop(void)
{
    tmp_path();
    regio_store *s = NULL;
    ASSERT_OK(regio_store_open(path, &s, NULL));
    char before[64], after[64];
    q_text(regio__sqlite_handle(s), "SELECT group_concat(version || '@' || applied_at) FROM schema_migrations",
           before, sizeof before);
    long long objects = regio_test_sql_int(regio__sqlite_handle(s), "SELECT COUNT(*) FROM sqlite_master");
    regio_store_close(s);
    s = NULL;
    ASSERT_OK(regio_store_open(path, &s, NULL));
    ASSERT_EQ_INT(regio_store_schema_version(s), regio_store_schema_latest());
    q_text(regio__sqlite_handle(s), "SELECT group_concat(version || '@' || applied_at) FROM schema_migrations",
           after, sizeof after);
    ASSERT_EQ_STR(after, before);
    ASSERT_EQ_INT(regio_test_sql_int(regio__sqlite_handle(s), "SELECT COUNT(*) FROM sqlite_master"), objects);
    regio_store_close(s);
    rm_db();
}

static void test_future_version_refused(void)
{
    tmp_path();
    sqlite3 *db = NULL;
    ASSERT_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    ASSERT_EQ_INT(sqlite3_exec(db, "CREATE TABLE t(x); PRAGMA user_version = 999", NULL, NULL, NULL),
                  SQLITE_OK);
    sqlite3_close(db);
    regio_store *s = (regio_store *)&db; /* must be reset to NULL */
    regio_error e;
    ASSERT_EQ_INT(regio_store_open(path, &s, &e), REGIO_EUNSUPPORTED);
    ASSERT_TRUE(s == NULL);
    ASSERT_EQ_INT(e.code, REGIO_EUNSUPPORTED);
    ASSERT_TRUE(strstr(e.msg, "999") != NULL);
    ASSERT_TRUE(strstr(e.msg, "newer") != NULL);
    ASSERT_EQ_STR(e.file, path);
    /* Nothing was written to it. */
    ASSERT_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    ASSERT_EQ_INT(regio_test_sql_int(db, "PRAGMA user_version"), 999);
    ASSERT_EQ_INT(regio_test_sql_int(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'accounts'"), 0);
    sqlite3_close(db);
    rm_db();
}

static void test_migrations_apply_once_per_version(void)
{
    tmp_path();
    sqlite3 *db = NULL;
    ASSERT_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    int v = -1;
    regio_error e;
    regio_error_clear(&e);
    ASSERT_OK(regio__sqlite_migrate(db, 1, &v, &e));
    ASSERT_EQ_INT(v, 1);
    ASSERT_EQ_INT(regio_test_sql_int(db, "SELECT COUNT(*) FROM schema_migrations WHERE version = 1"), 1);
    long long objects = regio_test_sql_int(db, "SELECT COUNT(*) FROM sqlite_master");
    /* Applying the same version again does nothing (no "table exists" error). */
    ASSERT_OK(regio__sqlite_migrate(db, 1, &v, &e));
    ASSERT_EQ_INT(v, 1);
    ASSERT_EQ_INT(regio_test_sql_int(db, "SELECT COUNT(*) FROM schema_migrations WHERE version = 1"), 1);
    ASSERT_EQ_INT(regio_test_sql_int(db, "SELECT COUNT(*) FROM sqlite_master"), objects);
    ASSERT_OK(regio__sqlite_migrate(db, 0, &v, &e));
    ASSERT_EQ_INT(v, regio__sqlite_schema_latest());
    ASSERT_OK(regio__sqlite_migrate(db, 0, &v, &e));
    ASSERT_EQ_INT(regio_test_sql_int(db, "SELECT COUNT(*) FROM schema_migrations"), regio__sqlite_schema_latest());
    /* A migration that fails part-way leaves no trace: simulate by taking
     * a name migration 1 needs on a fresh database. */
    sqlite3_close(db);
    rm_db();
    tmp_path();
    ASSERT_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    ASSERT_EQ_INT(sqlite3_exec(db, "CREATE TABLE audit_log(x)", NULL, NULL, NULL), SQLITE_OK);
    ASSERT_EQ_INT(regio__sqlite_migrate(db, 0, &v, &e), REGIO_ESTORE);
    ASSERT_TRUE(strstr(e.msg, "migration 1") != NULL);
    ASSERT_EQ_INT(regio_test_sql_int(db, "PRAGMA user_version"), 0);
    ASSERT_EQ_INT(regio_test_sql_int(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'accounts'"), 0);
    sqlite3_close(db);
    rm_db();
}

/* Migration 2 turns the hand moves of version 1 (cause 'manual') into
 * cause 'geo' and keeps every row. */
static void test_v1_hand_moves_become_geo(void)
{
    tmp_path();
    sqlite3 *db = NULL;
    ASSERT_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    int v = 0;
    ASSERT_OK(regio__sqlite_migrate(db, 1, &v, NULL));
    ASSERT_EQ_INT(v, 1);
    ASSERT_EQ_INT(sqlite3_exec(db,
                               "INSERT INTO accounts(ext_id, row_hash, created_at, updated_at)"
                               " VALUES ('A1', 0, 'x', 'x');"
                               "INSERT INTO territory_models(name) VALUES ('m');"
                               "INSERT INTO territories(model_id, ext_id) VALUES (1, 'T1');"
                               "INSERT INTO account_territories(account_id, territory_id, cause)"
                               " VALUES (1, 1, 'manual');",
                               NULL, NULL, NULL),
                  SQLITE_OK);
    ASSERT_OK(regio__sqlite_migrate(db, 0, &v, NULL));
    ASSERT_EQ_INT(v, regio__sqlite_schema_latest());
    ASSERT_EQ_INT(regio_test_sql_int(db, "SELECT count(*) FROM account_territories"
                                         " WHERE cause = 'geo' AND account_id = 1"),
                  1);
    ASSERT_EQ_INT(regio_test_sql_int(db, "SELECT count(*) FROM account_territories"), 1);
    /* the excluded-account trigger came back with the rebuilt table */
    ASSERT_EQ_INT(sqlite3_exec(db,
                               "UPDATE accounts SET excluded_from_realign = 1;"
                               "INSERT INTO account_territories(account_id, territory_id, cause)"
                               " VALUES (1, 1, 'rule')",
                               NULL, NULL, NULL),
                  SQLITE_CONSTRAINT);
    sqlite3_close(db);
    rm_db();
}

/* Ends the first connection's write transaction after 60 ms. */
static void *commit_later(void *db)
{
    struct timespec d = {0, 60 * 1000 * 1000};
    nanosleep(&d, NULL);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    return NULL;
}

static void test_connection_settings(void)
{
    tmp_path();
    regio_store *s = NULL;
    ASSERT_OK(regio_store_open(path, &s, NULL));
    sqlite3 *db = regio__sqlite_handle(s);
    char mode[16];
    q_text(db, "PRAGMA journal_mode", mode, sizeof mode);
    ASSERT_EQ_STR(mode, "wal");
    ASSERT_EQ_INT(regio_test_sql_int(db, "PRAGMA foreign_keys"), 1);
    ASSERT_EQ_INT(regio_test_sql_int(db, "PRAGMA synchronous"), 1); /* NORMAL */
    /* Foreign keys are enforced, not just declared. */
    ASSERT_TRUE(sqlite3_exec(db, "INSERT INTO unit_adjacency(unit_a, unit_b) VALUES (1, 2)", NULL,
                             NULL, NULL) != SQLITE_OK);
    /* A connection waits for another's write lock (here held 60 ms by a
     * thread) instead of failing with SQLITE_BUSY. */
    regio_store *s2 = NULL;
    ASSERT_OK(regio_store_open(path, &s2, NULL));
    if (s2) {
        ASSERT_EQ_INT(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
        pthread_t th;
        ASSERT_EQ_INT(pthread_create(&th, NULL, commit_later, db), 0);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int rc = sqlite3_exec(regio__sqlite_handle(s2), "BEGIN IMMEDIATE", NULL, NULL, NULL);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        pthread_join(th, NULL);
        ASSERT_EQ_INT(rc, SQLITE_OK);
        double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
        ASSERT_TRUE(ms >= 40);
        sqlite3_exec(regio__sqlite_handle(s2), "ROLLBACK", NULL, NULL, NULL);
        regio_store_close(s2);
    }
    regio_store_close(s);
    rm_db();
}

static void test_not_a_database(void)
{
    tmp_path();
    FILE *f = fopen(path, "wb");
    ASSERT_TRUE(f != NULL);
    if (f) {
        for (int i = 0; i < 200; i++)
            fputs("this is not a database\n", f);
        fclose(f);
    }
    regio_store *s = NULL;
    regio_error e;
    regio_err rc = regio_store_open(path, &s, &e);
    ASSERT_TRUE(rc != REGIO_OK);
    ASSERT_TRUE(s == NULL);
    ASSERT_TRUE(strstr(e.msg, "not a SQLite database") != NULL);
    regio_store_close(NULL);
    rm_db();
}

int main(void)
{
    RUN(test_fresh_db_reaches_latest);
    RUN(test_reopen_is_noop);
    RUN(test_future_version_refused);
    RUN(test_migrations_apply_once_per_version);
    RUN(test_v1_hand_moves_become_geo);
    RUN(test_connection_settings);
    RUN(test_not_a_database);
    TEST_END();
}
