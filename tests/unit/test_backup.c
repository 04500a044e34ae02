/*
 * Backup, restore and check (include/regio/backup.h) through the library:
 * the progress callback of a backup of many pages, a backup cancelled by
 * it (the target untouched, no temporary file left), a backup refused
 * inside an open transaction, a check stopped by its callback, and a
 * restore onto a path where no store exists yet (nothing to keep). With
 * --pg, the check of a PostgreSQL store.
 */
#include "regio/backup.h"
#include "regio/store.h"
#include "regio_test.h"
#include "regio_test_db.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[64];

static void path_in(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

/* Files of dir whose name contains part. */
static int files_with(const char *part)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += strstr(e->d_name, part) != NULL;
    if (d)
        closedir(d);
    return n;
}

/* A store of n accounts at path. */
static regio_store *store_with(const char *path, int n)
{
    regio_store *s = NULL;
    if (regio_store_open(path, &s, NULL))
        return NULL;
    regio_store_begin(s, NULL);
    for (int i = 0; i < n; i++) {
        char id[32], name[64];
        snprintf(id, sizeof id, "A%06d", i);
        snprintf(name, sizeof name, "Account number %d with a longer name", i);
        regio_account a = {.id = id, .name = name, .lat = 39 + i % 100 / 100.0,
                           .lon = -99 - i % 70 / 100.0};
        regio_store_account_upsert(s, &a, NULL, NULL);
    }
    regio_store_commit(s, NULL);
    return s;
}

typedef struct prog {
    int calls, cancel_at, monotonic;
    double last;
} prog;

static int on_progress(void *ud, double f, const char *phase)
{
    prog *p = ud;
    p->calls++;
    if (f < p->last || strcmp(phase, "backup"))
        p->monotonic = 0;
    p->last = f;
    return p->cancel_at && p->calls >= p->cancel_at;
}

static void test_progress_and_cancel(void)
{
    char db[128], out[128];
    path_in(db, sizeof db, "big.db");
    path_in(out, sizeof out, "big-backup.db");
    regio_store *s = store_with(db, 20000);
    ASSERT_TRUE(s != NULL);
    prog p = {.monotonic = 1};
    regio_error err;
    ASSERT_OK(regio_store_backup(s, out, on_progress, &p, &err));
    ASSERT_TRUE(p.calls > 2); /* several steps of 256 pages */
    ASSERT_TRUE(p.monotonic);
    ASSERT_NEAR(p.last, 1.0, 1e-12);
    long problems = -1;
    ASSERT_OK(regio_store_check_file(out, NULL, NULL, &problems, &err));
    ASSERT_EQ_INT(problems, 0);

    /* Cancelled half-way: the earlier backup stays as it was. */
    FILE *f = fopen(out, "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    regio_store_account_upsert(s, &(regio_account){.id = "NEW", .lat = NAN, .lon = NAN}, NULL,
                               NULL);
    prog c = {.cancel_at = 2, .monotonic = 1};
    ASSERT_EQ_INT(regio_store_backup(s, out, on_progress, &c, &err), REGIO_ECANCELLED);
    ASSERT_EQ_INT(c.calls, 2);
    ASSERT_EQ_INT(files_with(".tmp-"), 0);
    f = fopen(out, "rb");
    fseek(f, 0, SEEK_END);
    ASSERT_EQ_INT(ftell(f), size);
    fclose(f);

    /* Not inside an open transaction (it would copy uncommitted rows). */
    ASSERT_OK(regio_store_begin(s, &err));
    ASSERT_EQ_INT(regio_store_backup(s, out, NULL, NULL, &err), REGIO_EINVAL);
    regio_store_rollback(s, NULL);
    regio_store_close(s);
    regio_test_db_remove(db);
    regio_test_db_remove(out);
}

static int stop_at_first(void *ud, const char *kind, const char *detail)
{
    (void)detail;
    snprintf(ud, 32, "%s", kind);
    return 1;
}

static void test_check_stops(void)
{
    char db[128];
    path_in(db, sizeof db, "orphans.db");
    regio_store *s = store_with(db, 10);
    ASSERT_TRUE(s != NULL);
    regio_store_close(s);
    sqlite3 *h = NULL;
    ASSERT_EQ_INT(sqlite3_open(db, &h), SQLITE_OK);
    ASSERT_EQ_INT(sqlite3_exec(h,
                               "INSERT INTO sales_transactions(ext_id, account_id, day, amount)"
                               " VALUES ('X1', 9001, 1, 1), ('X2', 9002, 1, 1)",
                               NULL, NULL, NULL),
                  SQLITE_OK);
    sqlite3_close(h);
    long problems = 0;
    char kind[32] = "";
    regio_error err;
    ASSERT_EQ_INT(regio_store_check_file(db, stop_at_first, kind, &problems, &err),
                  REGIO_ECANCELLED);
    ASSERT_EQ_STR(kind, "orphan");
    ASSERT_EQ_INT(problems, 1);
    /* Two orphans, and the sales blocks no longer hold every line. */
    ASSERT_OK(regio_store_check_file(db, NULL, NULL, &problems, &err));
    ASSERT_EQ_INT(problems, 3);
    regio_test_db_remove(db);
}

#ifdef REGIO_HAVE_PG
/* The check on PostgreSQL (--pg): a schema without a store is refused and
 * not made into one; a store with accounts, sales blocks and audit records
 * passes; then each planted problem is found, in SQLite's words: a trigger
 * of the packed columns dropped, the sales blocks claiming every line but
 * one more in the table, an audit record changed behind the append-only
 * trigger's back. The callback stops it at the first. */
static void test_check_pg(void)
{
    char loc[512];
    regio_test_store_location(loc, sizeof loc, "check");
    long problems = -1;
    regio_error err;
    ASSERT_EQ_INT(regio_store_check_file(loc, NULL, NULL, &problems, &err), REGIO_EDATA);
    ASSERT_TRUE(strstr(err.msg, "holds no Regio store") != NULL);
    ASSERT_TRUE(strstr(err.msg, "search_path") != NULL); /* names the schema */
    ASSERT_EQ_INT(regio_test_loc_int(loc, "SELECT to_regclass('accounts') IS NOT NULL"), 0);
    regio_store *s = store_with(loc, 10);
    ASSERT_TRUE(s != NULL);
    for (int i = 0; i < 3; i++)
        ASSERT_OK(regio_store_audit_append(s, "ops", "test.check", "account", "A000001", NULL,
                                           "{\"n\":1}", &err));
    regio_store_close(s);
    ASSERT_OK(regio_store_check_file(loc, NULL, NULL, &problems, &err));
    ASSERT_EQ_INT(problems, 0);

    int failed = 0;
    regio_test_pg_sql(loc, "DROP TRIGGER account_columns_unit_added ON units", &failed);
    ASSERT_EQ_INT(failed, 0);
    regio_test_pg_sql(loc,
                      "INSERT INTO sales_transactions(ext_id, account_id, day, amount)"
                      " SELECT 'X1', min(id), 1, 1 FROM accounts",
                      &failed);
    ASSERT_EQ_INT(failed, 0);
    regio_test_pg_sql(loc,
                      "ALTER TABLE audit_log DISABLE TRIGGER USER;"
                      " UPDATE audit_log SET actor = 'eve' WHERE id = (SELECT max(id) FROM audit_log)",
                      &failed);
    ASSERT_EQ_INT(failed, 0);
    char kind[32] = "";
    ASSERT_EQ_INT(regio_store_check_file(loc, stop_at_first, kind, &problems, &err),
                  REGIO_ECANCELLED);
    ASSERT_EQ_STR(kind, "audit");
    ASSERT_EQ_INT(problems, 1);
    ASSERT_OK(regio_store_check_file(loc, NULL, NULL, &problems, &err));
    ASSERT_EQ_INT(problems, 3);
    regio_test_store_remove(loc);
}
#endif

static void test_restore_where_no_store_is(void)
{
    char db[128], from[128], fresh[128];
    path_in(db, sizeof db, "src.db");
    path_in(from, sizeof from, "src-backup.db");
    path_in(fresh, sizeof fresh, "fresh.db");
    regio_store *s = store_with(db, 50);
    ASSERT_TRUE(s != NULL);
    regio_error err;
    ASSERT_OK(regio_store_backup(s, from, NULL, NULL, &err));
    regio_store_close(s);
    char kept[256] = "x";
    ASSERT_OK(regio_store_restore(fresh, from, kept, sizeof kept, &err));
    ASSERT_EQ_STR(kept, "");
    ASSERT_OK(regio_store_open(fresh, &s, &err));
    regio_store_counts n;
    ASSERT_OK(regio_store_stats(s, &n, &err));
    ASSERT_EQ_INT(n.accounts, 50);
    regio_store_close(s);
    ASSERT_EQ_INT(files_with("before-restore"), 0);
    regio_test_db_remove(db);
    regio_test_db_remove(from);
    regio_test_db_remove(fresh);
}

int main(int argc, char **argv)
{
    /* --pg (unit.test_backup.pg): the check on PostgreSQL; backup and
     * restore are SQLite's own. */
    regio_test_backend(argc, argv, "test_backup --pg");
#ifdef REGIO_HAVE_PG
    if (regio_test_pg()) {
        RUN(test_check_pg);
        TEST_END();
    }
#endif
    snprintf(dir, sizeof dir, "/tmp/regio_backup_XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    RUN(test_progress_and_cancel);
    RUN(test_check_stops);
    RUN(test_restore_where_no_store_is);
    rmdir(dir);
    TEST_END();
}
