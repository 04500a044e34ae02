/*
 * Helpers shared by the store tests: a fresh temporary database path, its
 * removal with the WAL files, and one-value SQL queries on a connection.
 */
#ifndef REGIO_TEST_DB_H
#define REGIO_TEST_DB_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
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

#endif
