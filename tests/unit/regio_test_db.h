/*
 * Helpers shared by the store tests: a fresh temporary database path, its
 * removal with the WAL files, one-value SQL queries on a connection, and a
 * fingerprint of a whole database's content (to prove a failed call
 * changed nothing).
 */
#ifndef REGIO_TEST_DB_H
#define REGIO_TEST_DB_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

#endif
