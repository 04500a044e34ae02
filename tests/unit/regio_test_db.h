/*
 * Helpers shared by the store tests: a fresh temporary database path, its
 * removal with the WAL files, one-value SQL queries on a connection, and a
 * fingerprint of a whole database's content (to prove a failed call
 * changed nothing). With REGIO_TEST_DB=postgresql://... (tests registered
 * as *.pg in CTest) a store location is instead a new, empty schema of
 * that database, and regio_test_pg_sql runs SQL there through libpq.
 */
#ifndef REGIO_TEST_DB_H
#define REGIO_TEST_DB_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef REGIO_HAVE_PG
#include <libpq-fe.h>
#endif

/* Fills path (cap >= 64) with a new empty file /tmp/regio_TAG_XXXXXX. */
static inline void regio_test_db_path(char *path, size_t cap, const char *tag)
{
    snprintf(path, cap, "/tmp/regio_%s_XXXXXX", tag);
    int fd = mkstemp(path);
    if (fd >= 0)
        close(fd);
}

/* Removes the database at path and its -wal and -shm files. */
static inline void regio_test_db_remove(const char *path)
{
    char p[4200];
    remove(path);
    snprintf(p, sizeof p, "%s-wal", path);
    remove(p);
    snprintf(p, sizeof p, "%s-shm", path);
    remove(p);
}

/* First column of the first row of sql as an integer, or -1. */
static inline long long regio_test_sql_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Copies database main of from over that of to (SQLite's backup API);
 * 0 on success. */
static inline int regio_test_db_copy(sqlite3 *from, sqlite3 *to)
{
    sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
    if (!b)
        return -1;
    int rc = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* FNV-1a over n bytes, continuing from h. */
static inline uint64_t regio_test_fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

/*
 * A fingerprint of every row of every table of db's main schema (SQLite's
 * own tables included), in rowid order (a WITHOUT ROWID table in its key's
 * order): equal before and after a call that must change nothing. With
 * values 0 only the tables and their numbers of rows count (the shape,
 * equal for two runs of one write that differ only in timestamps). *rows
 * (may be NULL) gets the number of rows seen. Returns 0 when a query
 * fails (e.g. out of memory), which no content fingerprints to.
 */
static inline uint64_t regio_test_db_digest(sqlite3 *db, int values, long *rows)
{
    uint64_t h = 14695981039346656037ull;
    long n = 0;
    sqlite3_stmt *tables = NULL;
    if (sqlite3_prepare_v2(db, "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
                               " ORDER BY name",
                           -1, &tables, NULL) != SQLITE_OK)
        return 0;
    int rc;
    while ((rc = sqlite3_step(tables)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(tables, 0);
        const char *sql = (const char *)sqlite3_column_text(tables, 1);
        h = regio_test_fnv(h, name, strlen(name) + 1);
        if (sql)
            h = regio_test_fnv(h, sql, strlen(sql) + 1);
        /* a WITHOUT ROWID table is read in its primary key's order */
        char *q = sqlite3_mprintf("SELECT * FROM \"%w\"%s", name,
                                  sql && strstr(sql, "WITHOUT ROWID") ? "" : " ORDER BY rowid");
        sqlite3_stmt *st = NULL;
        if (!q || sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
            sqlite3_free(q);
            sqlite3_finalize(tables);
            return 0;
        }
        sqlite3_free(q);
        int cols = sqlite3_column_count(st), r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            n++;
            h = regio_test_fnv(h, "\n", 1);
            for (int c = 0; values && c < cols; c++) {
                int t = sqlite3_column_type(st, c);
                h = regio_test_fnv(h, &t, sizeof t);
                const void *b = sqlite3_column_blob(st, c);
                h = regio_test_fnv(h, b ? b : "", (size_t)sqlite3_column_bytes(st, c));
            }
        }
        sqlite3_finalize(st);
        if (r != SQLITE_DONE) {
            sqlite3_finalize(tables);
            return 0;
        }
    }
    sqlite3_finalize(tables);
    if (rc != SQLITE_DONE)
        return 0;
    if (rows)
        *rows = n;
    return h ? h : 1;
}

/* Every row's content: see regio_test_db_digest. */
static inline uint64_t regio_test_db_fingerprint(sqlite3 *db, long *rows)
{
    return regio_test_db_digest(db, 1, rows);
}

/* The PostgreSQL database the tests use (REGIO_TEST_DB), or NULL: SQLite. */
static inline const char *regio_test_pg(void)
{
    const char *db = getenv("REGIO_TEST_DB");
    return db && (!strncmp(db, "postgresql://", 13) || !strncmp(db, "postgres://", 11)) ? db
                                                                                          : NULL;
}

/* Exits 77 (CTest's skip) saying why, when a PostgreSQL variant cannot run. */
static inline void regio_test_pg_required(const char *test)
{
#ifdef REGIO_HAVE_PG
    if (regio_test_pg())
        return;
    printf("%s: skipped: no PostgreSQL test cluster (REGIO_TEST_DB is not set; is PostgreSQL"
           " installed? tests/pg/pg_cluster.sh says)\n", test);
#else
    printf("%s: skipped: this Regio is built without libpq\n", test);
#endif
    exit(77);
}

#ifdef REGIO_HAVE_PG
/* Runs sql on the database of location loc (a postgresql:// URI, its
 * schema set by options); returns the first value as an integer, -1 when
 * there is no row or the statement failed, and 0 for a statement without
 * rows that succeeded. */
static inline long long regio_test_pg_sql(const char *loc, const char *sql, int *failed)
{
    PGconn *c = PQconnectdb(loc);
    long long v = -1;
    *failed = 1;
    if (PQstatus(c) == CONNECTION_OK) {
        PQclear(PQexec(c, "SET client_min_messages = warning"));
        PGresult *r = PQexec(c, sql);
        if (PQresultStatus(r) == PGRES_TUPLES_OK) {
            *failed = 0;
            if (PQntuples(r) && !PQgetisnull(r, 0, 0))
                v = strcmp(PQgetvalue(r, 0, 0), "t") == 0   ? 1
                    : strcmp(PQgetvalue(r, 0, 0), "f") == 0 ? 0
                                                            : strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        } else if (PQresultStatus(r) == PGRES_COMMAND_OK) {
            *failed = 0;
            v = 0;
        }
        PQclear(r);
    }
    PQfinish(c);
    return v;
}
#endif

/* First value of sql as an integer on the store at loc, whichever backend
 * holds it (see regio_test_sql_int and regio_test_pg_sql); -1 when there
 * is no row or it failed. */
static inline long long regio_test_loc_int(const char *loc, const char *sql)
{
#ifdef REGIO_HAVE_PG
    if (regio_test_pg()) {
        int failed = 0;
        return regio_test_pg_sql(loc, sql, &failed);
    }
#endif
    sqlite3 *db = NULL;
    long long v = -1;
    if (sqlite3_open(loc, &db) == SQLITE_OK)
        v = regio_test_sql_int(db, sql);
    sqlite3_close(db);
    return v;
}

/* Chooses the backend of a store test from its arguments: --pg runs it on
 * REGIO_TEST_DB (exiting 77 when there is none), anything else on SQLite
 * files whatever the environment says. */
static inline void regio_test_backend(int argc, char **argv, const char *test)
{
    if (argc > 1 && !strcmp(argv[1], "--pg"))
        regio_test_pg_required(test);
    else
        unsetenv("REGIO_TEST_DB");
}

/* Fills loc with a fresh store location: a new empty SQLite file
 * /tmp/regio_TAG_XXXXXX, or under REGIO_TEST_DB a new empty schema
 * regio_TAG_PID_N of that database (the location names it through
 * search_path). cap >= 512. */
static inline void regio_test_store_location(char *loc, size_t cap, const char *tag)
{
    const char *pg = regio_test_pg();
    if (!pg) {
        regio_test_db_path(loc, cap, tag);
        return;
    }
#ifdef REGIO_HAVE_PG
    static int n;
    char schema[96], sql[256];
    snprintf(schema, sizeof schema, "regio_%s_%ld_%d", tag, (long)getpid(), ++n);
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", schema,
             schema);
    int failed = 0;
    regio_test_pg_sql(pg, sql, &failed);
    if (failed)
        fprintf(stderr, "cannot make schema %s in the test database\n", schema);
    snprintf(loc, cap, "%s%soptions=-csearch_path%%3D%s", pg, strchr(pg, '?') ? "&" : "?",
             schema);
#else
    snprintf(loc, cap, "%s", pg);
#endif
}

/* Gives the store at loc SQLite's json_extract(doc, '$.key[0].key') for
 * the tests' SQL on audit records: a PostgreSQL store gets a function of
 * that name in its schema (returning text: compare numbers through CAST);
 * SQLite has its own. 0 on success. */
static inline int regio_test_store_json(const char *loc)
{
#ifdef REGIO_HAVE_PG
    if (regio_test_pg()) {
        int failed = 0;
        regio_test_pg_sql(loc,
                          "CREATE FUNCTION json_extract(doc text, path text) RETURNS text"
                          " LANGUAGE sql IMMUTABLE AS $$ SELECT (doc::jsonb) #>>"
                          " string_to_array(regexp_replace(substr(path, 3),"
                          " '\\[(\\d+)\\]', '.\\1', 'g'), '.') $$",
                          &failed);
        return failed;
    }
#endif
    (void)loc;
    return 0;
}

/* Removes a store made by regio_test_store_location. */
static inline void regio_test_store_remove(const char *loc)
{
    const char *pg = regio_test_pg();
    if (!pg) {
        regio_test_db_remove(loc);
        return;
    }
#ifdef REGIO_HAVE_PG
    const char *schema = strstr(loc, "search_path%3D");
    char sql[256];
    if (!schema)
        return;
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", schema + 14);
    int failed = 0;
    regio_test_pg_sql(pg, sql, &failed);
#endif
}

#endif
