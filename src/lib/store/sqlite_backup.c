/*
 * SQLite backend, backup, restore and check (include/regio/backup.h): an
 * online copy through sqlite3_backup_* into a temporary file renamed into
 * place once checked; a read-only check of a store file; a restore that
 * keeps the store it replaces. Works on files, not through the store's
 * vtable: a backup or a restore is a copy of the SQLite file itself.
 */
#include "store/check_sql.h"
#include "store/schema_sqlite.h"
#include "store/sqlite_impl.h"

#include "regio/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BACKUP_STEP_PAGES 256 /* pages copied per sqlite3_backup_step */
#define MAX_PER_KIND 100      /* problems reported per kind before stopping */

/* ---- opening a file as it is ---------------------------------------------------- */

/* Opens an existing file without creating it, read-write when possible (a
 * store in write-ahead-log mode needs its -shm) but query_only: the check
 * never writes. */
static regio_err open_existing(const char *path, sqlite3 **out, regio_error *err)
{
    struct stat st;
    *out = NULL;
    if (stat(path, &st) != 0)
        return regio__store_fail(err, REGIO_EIO, "cannot open '%s': %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return regio__store_fail(err, REGIO_EIO, "'%s' is not a regular file", path);
    if (st.st_size == 0)
        return regio__store_fail(err, REGIO_EDATA, "'%s' is empty: not a Regio store", path);
    sqlite3 *db = NULL;
    int r = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (r != SQLITE_OK) {
        sqlite3_close(db);
        db = NULL;
        r = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    }
    if (r != SQLITE_OK) {
        regio_err rc = regio__store_fail(err, REGIO_EIO, "cannot open '%s': %s", path,
                                         db ? sqlite3_errmsg(db) : sqlite3_errstr(r));
        sqlite3_close(db);
        return rc;
    }
    sqlite3_extended_result_codes(db, 1);
    regio__sq_busy_wait(db, 1);
    sqlite3_exec(db, "PRAGMA query_only = 1", NULL, NULL, NULL);
    *out = db;
    return REGIO_OK;
}

/* ---- the check ------------------------------------------------------------------- */

typedef struct checker {
    sqlite3 *db;
    regio__check_sink k;
} checker;

static void problem(checker *c, const char *kind, const char *detail)
{
    regio__check_problem(&c->k, kind, detail);
}

/* Runs sql and reports one problem per row, the row formatted by fmt over
 * its first columns as text; a query that fails is itself a problem. */
static void report_rows(checker *c, const char *kind, const char *sql, const char *fmt,
                        int skip_ok)
{
    sqlite3_stmt *st = NULL;
    char detail[512];
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(detail, sizeof detail, "cannot run the check: %s", sqlite3_errmsg(c->db));
        problem(c, kind, detail);
        return;
    }
    int r = SQLITE_DONE, n = 0;
    while (!c->k.stop && (r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v[4];
        for (int i = 0; i < 4; i++) {
            v[i] = i < sqlite3_column_count(st) ? (const char *)sqlite3_column_text(st, i) : NULL;
            if (!v[i])
                v[i] = "NULL";
        }
        if (skip_ok && !strcmp(v[0], "ok"))
            continue;
        if (++n > MAX_PER_KIND) {
            problem(c, kind, "... and more (only the first 100 are listed)");
            break;
        }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        snprintf(detail, sizeof detail, fmt, v[0], v[1], v[2], v[3]);
#pragma GCC diagnostic pop
        problem(c, kind, detail);
    }
    if (!c->k.stop && r != SQLITE_DONE && n <= MAX_PER_KIND) {
        snprintf(detail, sizeof detail, "the check stopped: %s", sqlite3_errmsg(c->db));
        problem(c, kind, detail);
    }
    sqlite3_finalize(st);
}

static void check_audit(checker *c)
{
    /* The backend's own verification (sqlite_audit.c) over this connection:
     * it only uses the handle's connection. */
    regio__sqlite_store tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.db = c->db;
    regio_error e;
    regio_error_clear(&e);
    long bad = 0;
    if (regio__sq_audit_verify(&tmp.base, &bad, &e))
        problem(c, "audit", e.msg[0] ? e.msg : "the audit chain cannot be verified");
    regio__sq_cache_clear(&tmp);
}

static void check_sales_blocks(checker *c)
{
    if (!regio__sqlite_has_table(c->db, "sales_blocks") ||
        !regio__sqlite_has_table(c->db, "sales_transactions"))
        return;
    sqlite3_stmt *st = NULL;
    char detail[256];
    if (sqlite3_prepare_v2(c->db, REGIO_CHECK_SALES_BLOCKS_SQL, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        snprintf(detail, sizeof detail, "cannot count the sales lines: %s",
                 sqlite3_errmsg(c->db));
        problem(c, "sales_blocks", detail);
    } else if (regio__check_sales_blocks(detail, sizeof detail, sqlite3_column_int(st, 0),
                                         sqlite3_column_int64(st, 1),
                                         sqlite3_column_int64(st, 2))) {
        problem(c, "sales_blocks", detail);
    }
    sqlite3_finalize(st);
}

/* The accounts' packed columns (migration 7): when the marker row says
 * they are there, they hold every account; the triggers that empty them
 * on a change are all in place. */
static void check_account_columns(checker *c)
{
    if (!regio__sqlite_has_table(c->db, "account_columns"))
        return;
    sqlite3_stmt *st = NULL;
    char detail[256];
    if (sqlite3_prepare_v2(c->db,
                           REGIO_CHECK_ACCOUNT_COLUMNS_SQL(
                               "(SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
                               "  AND name LIKE 'account\\_columns\\_%' ESCAPE '\\')"),
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        snprintf(detail, sizeof detail, "cannot count the packed accounts: %s",
                 sqlite3_errmsg(c->db));
        problem(c, "account_columns", detail);
    } else if (regio__check_account_columns(
                   detail, sizeof detail, sqlite3_column_type(st, 0) != SQLITE_NULL,
                   sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                   sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3))) {
        problem(c, "account_columns", detail);
    }
    sqlite3_finalize(st);
}

regio_err regio_store_check_file(const char *path, regio_check_fn cb, void *ud, long *problems,
                                 regio_error *err)
{
    if (problems)
        *problems = 0;
    if (!path || !*path)
        return regio__store_fail(err, REGIO_EINVAL, "store path is empty");
    if (regio__store_is_pg(path))
#ifdef REGIO_HAVE_PG
        return regio__pg_check_store(path, cb, ud, problems, err);
#else
        return regio__store_fail(err, REGIO_EUNSUPPORTED,
                                 "the PostgreSQL store backend is not built into this Regio "
                                 "(it was built without libpq)");
#endif
    checker c = {.k = {.cb = cb, .ud = ud}};
    regio_err rc = open_existing(path, &c.db, err);
    if (!rc)
        rc = regio__sqlite_identify(c.db, path, 0, err);
    /* One read transaction: every check sees the same state of a store
     * that others may be writing. */
    if (!rc && sqlite3_exec(c.db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        rc = regio__store_fail(err, REGIO_EIO, "cannot read '%s': %s", path,
                               sqlite3_errmsg(c.db));
    if (!rc) {
        report_rows(&c, "integrity", "PRAGMA integrity_check(100)", "%s", 1);
        if (!c.k.stop)
            report_rows(&c, "foreign_key",
                        "SELECT \"table\", coalesce('row ' || rowid, 'a row'), parent"
                        " FROM pragma_foreign_key_check",
                        "%s: %s refers to a row of %s that does not exist", 0);
        if (!c.k.stop)
            check_audit(&c);
        if (!c.k.stop && regio__sqlite_has_table(c.db, "sales_transactions"))
            report_rows(&c, "orphan",
                        "SELECT s.id, s.ext_id, s.account_id FROM sales_transactions s"
                        " WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = s.account_id)"
                        " ORDER BY s.id",
                        "sales_transactions row %s (%s) refers to account id %s, which does "
                        "not exist",
                        0);
        if (!c.k.stop)
            check_sales_blocks(&c);
        if (!c.k.stop)
            check_account_columns(&c);
        sqlite3_exec(c.db, "COMMIT", NULL, NULL, NULL);
        if (c.k.stop)
            rc = regio__store_fail(err, REGIO_ECANCELLED, "stopped by the callback");
    }
    sqlite3_close(c.db);
    if (problems)
        *problems = c.k.problems;
    return rc;
}

/* ---- copying ----------------------------------------------------------------------- */

static regio_err sync_path(const char *path, int dir, regio_error *err)
{
    int fd = open(path, dir ? O_RDONLY | O_DIRECTORY : O_RDWR);
    if (fd < 0 || fsync(fd) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return regio__store_fail(err, REGIO_EIO, "cannot sync '%s': %s", path, strerror(e));
    }
    close(fd);
    return REGIO_OK;
}

static void dir_of(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(out, cap, ".");
    else if (slash == path)
        snprintf(out, cap, "/");
    else
        snprintf(out, cap, "%.*s", (int)(slash - path), path);
}

/* A new empty file "<path>.tmp-XXXXXX" beside path, its name in out. */
static regio_err make_temp(const char *path, char *out, size_t cap, regio_error *err)
{
    if ((size_t)snprintf(out, cap, "%s.tmp-XXXXXX", path) >= cap)
        return regio__store_fail(err, REGIO_EINVAL, "path too long: '%s'", path);
    int fd = mkstemp(out);
    if (fd < 0)
        return regio__store_fail(err, REGIO_EIO, "cannot create a temporary file beside '%s': %s",
                                 path, strerror(errno));
    close(fd);
    return REGIO_OK;
}

void regio__sqlite_file_remove(const char *tmp)
{
    char side[4200];
    unlink(tmp);
    snprintf(side, sizeof side, "%s-journal", tmp);
    unlink(side);
    snprintf(side, sizeof side, "%s-wal", tmp);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", tmp);
    unlink(side);
}

/* Copies src (whose read transaction, if any, the caller holds) into the
 * file dst_path, BACKUP_STEP_PAGES at a time, then syncs it. */
static regio_err copy_pages(sqlite3 *src, const char *dst_path, regio_progress_fn progress,
                            void *ud, regio_error *err)
{
    sqlite3 *dst = NULL;
    regio_err rc = REGIO_OK;
    if (sqlite3_open_v2(dst_path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        rc = regio__store_fail(err, REGIO_EIO, "cannot open '%s': %s", dst_path,
                               dst ? sqlite3_errmsg(dst) : "out of memory");
        sqlite3_close(dst);
        return rc;
    }
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) {
        rc = regio__store_fail(err, REGIO_ESTORE, "cannot start the backup: %s",
                               sqlite3_errmsg(dst));
        sqlite3_close(dst);
        return rc;
    }
    int r;
    do {
        r = sqlite3_backup_step(b, BACKUP_STEP_PAGES);
        if (r == SQLITE_BUSY || r == SQLITE_LOCKED)
            sqlite3_sleep(20);
        int total = sqlite3_backup_pagecount(b);
        if (progress && total > 0 &&
            progress(ud, 1.0 - (double)sqlite3_backup_remaining(b) / total, "backup")) {
            rc = regio__store_fail(err, REGIO_ECANCELLED, "backup cancelled");
            break;
        }
    } while (r == SQLITE_OK || r == SQLITE_BUSY || r == SQLITE_LOCKED);
    if (!rc && r != SQLITE_DONE)
        rc = regio__store_fail(err, (r & 0xff) == SQLITE_FULL ? REGIO_EIO : REGIO_ESTORE,
                               "backup to '%s' failed: %s", dst_path, sqlite3_errstr(r));
    sqlite3_backup_finish(b);
    if (sqlite3_close(dst) != SQLITE_OK && !rc)
        rc = regio__store_fail(err, REGIO_EIO, "cannot close '%s'", dst_path);
    if (!rc)
        rc = sync_path(dst_path, 0, err);
    return rc;
}

/* Checks the copy at tmp; REGIO_EDATA naming the first problem. */
static int first_problem(void *ud, const char *kind, const char *detail)
{
    char *out = ud;
    if (!out[0])
        snprintf(out, 400, "%s: %s", kind, detail);
    return 0;
}

static regio_err check_copy(const char *tmp, const char *what, regio_error *err)
{
    char first[400] = "";
    long n = 0;
    regio_err rc = regio_store_check_file(tmp, first_problem, first, &n, err);
    if (!rc && n)
        rc = regio__store_fail(err, REGIO_EDATA, "%s fails its check (%ld problem%s): %s", what,
                               n, n == 1 ? "" : "s", first);
    return rc;
}

/* Renames tmp over path and syncs the directory. */
static regio_err put_in_place(const char *tmp, const char *path, regio_error *err)
{
    if (rename(tmp, path) != 0)
        return regio__store_fail(err, REGIO_EIO, "cannot rename '%s' to '%s': %s", tmp, path,
                                 strerror(errno));
    char dir[4096];
    dir_of(path, dir, sizeof dir);
    return sync_path(dir, 1, err);
}

regio_err regio_store_backup(regio_store *s, const char *out_path, regio_progress_fn progress,
                             void *ud, regio_error *err)
{
    if (!s || !out_path || !*out_path)
        return regio__store_fail(err, REGIO_EINVAL, "backup needs a store and an output path");
    sqlite3 *db = regio__sqlite_handle(s);
    if (!db)
        return regio__store_fail(err, REGIO_EUNSUPPORTED,
                                 "backup is only supported for SQLite stores");
    if (!sqlite3_get_autocommit(db))
        return regio__store_fail(err, REGIO_EINVAL, "backup inside an open transaction");
    const char *src_name = sqlite3_db_filename(db, "main");
    if (src_name && *src_name) {
        struct stat a, b;
        if (stat(src_name, &a) == 0 && stat(out_path, &b) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino)
            return regio__store_fail(err, REGIO_EINVAL,
                                     "the backup would overwrite the store itself ('%s')",
                                     out_path);
    }
    char tmp[4200];
    regio_err rc = make_temp(out_path, tmp, sizeof tmp, err);
    if (rc)
        return rc;
    /* One read transaction over every step: the copy is the store as it
     * was at this point, and sqlite3_backup_step does not restart when
     * others write (in WAL mode they are not blocked either). */
    if (sqlite3_exec(db, "BEGIN; SELECT count(*) FROM sqlite_master;", NULL, NULL, NULL) !=
        SQLITE_OK)
        rc = regio__store_fail(err, REGIO_ESTORE, "cannot start the backup: %s",
                               sqlite3_errmsg(db));
    if (!rc)
        rc = copy_pages(db, tmp, progress, ud, err);
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (!rc)
        rc = check_copy(tmp, "the backup", err);
    if (!rc)
        rc = put_in_place(tmp, out_path, err);
    if (rc)
        regio__sqlite_file_remove(tmp);
    return rc;
}

/* ---- restore ----------------------------------------------------------------------- */

/* Does another process hold a SQLite lock on path (its SHARED range, held
 * by every connection in WAL mode) or on its -shm (the DMS byte)? POSIX
 * record locks, SQLite's own on Unix, as F_GETLK sees them. */
static int lock_held(const char *path, off_t start, off_t len)
{
    int fd = open(path, O_RDWR);
    if (fd < 0)
        fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    int held = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
    close(fd);
    return held;
}

static int store_in_use(const char *db_path)
{
    char shm[4200];
    snprintf(shm, sizeof shm, "%s-shm", db_path);
    return lock_held(db_path, 0x40000000, 512) || lock_held(shm, 120, 16);
}

regio_err regio_store_restore(const char *db_path, const char *from_path, char *kept,
                              size_t kept_cap, regio_error *err)
{
    if (kept && kept_cap)
        kept[0] = '\0';
    if (!db_path || !*db_path || !from_path || !*from_path)
        return regio__store_fail(err, REGIO_EINVAL, "restore needs a store and a backup file");
    if (regio__store_is_pg(db_path) || regio__store_is_pg(from_path))
        return regio__store_fail(err, REGIO_EUNSUPPORTED,
                                 "restore is only supported for SQLite stores (not yet for "
                                 "PostgreSQL)");
    char first[400] = "";
    long n = 0;
    regio_err rc = regio_store_check_file(from_path, first_problem, first, &n, err);
    if (rc) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
        return regio__store_fail(err, rc, "refusing to restore: %s", msg);
    }
    if (n)
        return regio__store_fail(err, REGIO_EDATA,
                                 "refusing to restore '%s': it fails its check (%ld problem%s): "
                                 "%s",
                                 from_path, n, n == 1 ? "" : "s", first);
    struct stat cur;
    int exists = stat(db_path, &cur) == 0;
    if (exists && store_in_use(db_path))
        return regio__store_fail(err, REGIO_ECONFLICT,
                                 "the store '%s' is open in another process (regio serve?); "
                                 "stop it, then restore",
                                 db_path);
    /* The checked backup, copied beside the store and checked again. */
    char tmp[4200];
    if ((rc = make_temp(db_path, tmp, sizeof tmp, err)))
        return rc;
    sqlite3 *src = NULL;
    rc = open_existing(from_path, &src, err);
    if (!rc)
        rc = copy_pages(src, tmp, NULL, NULL, err);
    sqlite3_close(src);
    if (!rc)
        rc = check_copy(tmp, "the copy of the backup", err);
    /* The restored store keeps the permissions of the one it replaces
     * (mkstemp made the copy private to its owner). */
    if (!rc && exists && chmod(tmp, cur.st_mode & 07777) != 0)
        rc = regio__store_fail(err, REGIO_EIO, "cannot set the permissions of '%s': %s", tmp,
                               strerror(errno));
    if (!rc && exists) {
        /* Keep the current store: its write-ahead log folded in and
         * removed, then a second name for its file. */
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        char stamp[32], keep[4300];
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
        snprintf(keep, sizeof keep, "%s.before-restore-%s", db_path, stamp);
        sqlite3 *cur_db = NULL;
        if (sqlite3_open_v2(db_path, &cur_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                            NULL) == SQLITE_OK)
            sqlite3_exec(cur_db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
        sqlite3_close(cur_db);
        char wal[4200];
        struct stat ws;
        snprintf(wal, sizeof wal, "%s-wal", db_path);
        if (stat(wal, &ws) == 0 && ws.st_size > 0)
            rc = regio__store_fail(err, REGIO_ESTORE,
                                   "cannot fold the write-ahead log '%s' into the store; "
                                   "nothing was changed",
                                   wal);
        else if (link(db_path, keep) != 0)
            rc = regio__store_fail(err, REGIO_EIO, "cannot keep the current store as '%s': %s",
                                   keep, strerror(errno));
        if (!rc) {
            unlink(wal);
            snprintf(wal, sizeof wal, "%s-shm", db_path);
            unlink(wal);
            if (kept && kept_cap)
                snprintf(kept, kept_cap, "%s", keep);
        }
    }
    if (!rc)
        rc = put_in_place(tmp, db_path, err);
    if (rc)
        regio__sqlite_file_remove(tmp);
    return rc;
}
