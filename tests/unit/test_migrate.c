/*
 * Unit tests for copying a whole store (regio_store_copy, regio/migrate.h):
 * a store full of awkward values (random text with tabs, newlines,
 * backslashes and "\N", random doubles and integers at their limits,
 * blobs with every byte, rows referring to rows of their own table written
 * after them, secrets' hashes, sessions) copied SQLite -> middle -> SQLite
 * is compared table by table and row by row with the original through
 * SQLite alone (the oracle does not use the copy's own list of tables);
 * the list's order against the schema's foreign keys; and the refusals:
 * a target that is not empty, stores at other schema versions, a bad row
 * half-way, a cancel, every allocation failing in turn -- each leaving the
 * target empty. With --pg (unit.test_migrate.pg) the middle store is
 * PostgreSQL, so the copy goes SQLite -> PostgreSQL -> SQLite.
 */
#include "regio/migrate.h"
#include "regio/org.h"
#include "regio/store.h"
#include "regio_test.h"
#include "regio_test_db.h"
#include "store/schema_sqlite.h"
#include "store/sqlite_impl.h"

#include <sqlite3.h>

/* ---- the oracle: two SQLite stores hold the same rows -------------------------------------- */

/* Every table of db but schema_migrations (written when each store was
 * made) and SQLite's own, by name, joined by spaces. */
static void table_names(sqlite3 *db, char *out, size_t cap)
{
    sqlite3_stmt *st = NULL;
    out[0] = '\0';
    sqlite3_prepare_v2(db,
                       "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE"
                       " 'sqlite%' AND name <> 'schema_migrations' ORDER BY name",
                       -1, &st, NULL);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "%s%s", n ? " " : "", sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
}

/* 1 when table t holds the same rows in a and b (every column compared by
 * storage class and bytes, rows in the order of all their columns); else
 * 0 and why names the first difference. */
static int same_rows(sqlite3 *a, sqlite3 *b, const char *t, char *why, size_t cap)
{
    char sql[256];
    char *q = sqlite3_mprintf("SELECT count(*) FROM pragma_table_info('%q')", t);
    int cols = (int)regio_test_sql_int(a, q);
    sqlite3_free(q);
    int n = snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY ", t);
    for (int c = 1; c <= cols; c++)
        n += snprintf(sql + n, sizeof sql - (size_t)n, "%s%d", c > 1 ? ", " : "", c);
    sqlite3_stmt *x = NULL, *y = NULL;
    sqlite3_prepare_v2(a, sql, -1, &x, NULL);
    sqlite3_prepare_v2(b, sql, -1, &y, NULL);
    int ok = x && y;
    long row = 0;
    while (ok) {
        int rx = sqlite3_step(x), ry = sqlite3_step(y);
        if (rx != ry) {
            snprintf(why, cap, "%s: %s rows", t, rx == SQLITE_ROW ? "fewer" : "more");
            ok = 0;
        }
        if (!ok || rx != SQLITE_ROW)
            break;
        row++;
        for (int c = 0; c < cols && ok; c++) {
            int tx = sqlite3_column_type(x, c), ty = sqlite3_column_type(y, c);
            const void *px = sqlite3_column_blob(x, c), *py = sqlite3_column_blob(y, c);
            int nx = sqlite3_column_bytes(x, c), ny = sqlite3_column_bytes(y, c);
            if (tx == SQLITE_FLOAT && ty == SQLITE_FLOAT) {
                double dx = sqlite3_column_double(x, c), dy = sqlite3_column_double(y, c);
                ok = memcmp(&dx, &dy, sizeof dx) == 0;
            } else {
                ok = tx == ty && nx == ny && (!nx || memcmp(px, py, (size_t)nx) == 0);
            }
            if (!ok)
                snprintf(why, cap, "%s: row %ld column %s differs", t, row,
                         sqlite3_column_name(x, c));
        }
    }
    if (!x || !y)
        snprintf(why, cap, "%s: cannot read it", t);
    sqlite3_finalize(x);
    sqlite3_finalize(y);
    return ok;
}

/* 1 when the stores at paths a and b hold the same tables and rows. */
static int same_store(const char *a, const char *b, char *why, size_t cap)
{
    sqlite3 *x = NULL, *y = NULL;
    sqlite3_open(a, &x);
    sqlite3_open(b, &y);
    char ta[2048], tb[2048];
    table_names(x, ta, sizeof ta);
    table_names(y, tb, sizeof tb);
    int ok = !strcmp(ta, tb) && ta[0];
    if (!ok)
        snprintf(why, cap, "the tables differ: [%.100s] vs [%.100s]", ta, tb);
    for (char *t = strtok(ta, " "); ok && t; t = strtok(NULL, " "))
        ok = same_rows(x, y, t, why, cap);
    sqlite3_close(x);
    sqlite3_close(y);
    return ok;
}

/* ---- a store full of awkward values ---------------------------------------------------------- */

static void random_text(uint64_t *rng, char *out, size_t cap)
{
    static const char *const bits[] = {"a", "Z", " ", "\t", "\n", "\r", "\\", "\\N", "N", "'",
                                       "\"", ",", "ü", "東京", "😀", "\\x41", "\x01", "{}"};
    size_t n = 0, parts = (size_t)regio_test_pick(rng, 12);
    out[0] = '\0';
    for (size_t i = 0; i < parts; i++) {
        const char *b = bits[regio_test_pick(rng, (long)(sizeof bits / sizeof bits[0]))];
        if (n + strlen(b) + 1 >= cap)
            break;
        memcpy(out + n, b, strlen(b) + 1);
        n += strlen(b);
    }
}

/* A finite double from random bits (SQLite keeps no NaN). */
static double random_double(uint64_t *rng)
{
    for (;;) {
        uint64_t bits = regio_test_rnd(rng);
        double d;
        memcpy(&d, &bits, sizeof d);
        if (isfinite(d))
            return d;
    }
}

/* Rows the store's API would not write: fixed edge cases and random ones,
 * written straight into the file. */
static void add_awkward_rows(const char *path)
{
    sqlite3 *db = NULL;
    ASSERT_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    ASSERT_EQ_INT(
        sqlite3_exec(
            db,
            "INSERT INTO units(id, ext_id, name, lat, lon, area_km2, geom, attrs, row_hash,"
            " created_at, updated_at) VALUES"
            " (7001, 'U\\N', '\\N', 1e999, -1e999, 4.9e-324, x'00095c0a0d4e5c4e', '{\"a\":\"\\\\N\"}',"
            "  -9223372036854775808, '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z'),"
            " (7002, 'U-empty', '', NULL, NULL, 0.1, x'', '{}', 9223372036854775807, 'c', 'u'),"
            " (7003, 'U-null', NULL, 1.0000000000000002, -1e-300, NULL, NULL, '{}', 0, 'c', 'u');"
            /* rows referring to rows of their own table written after them */
            "INSERT INTO roles(id, name, parent_id, created_at) VALUES (50, 'child', 51, 'c'),"
            " (51, 'parent', NULL, 'c');"
            "INSERT INTO territory_models(id, name, state, created_at, updated_at)"
            " VALUES (40, 'awkward', 'planning', 'c', 'u');"
            "INSERT INTO territories(id, model_id, ext_id, name, parent_id, created_at, updated_at)"
            " VALUES (60, 40, 'T-child', 'child', 61, 'c', 'u'), (61, 40, 'T-root', NULL, NULL, 'c', 'u');"
            "INSERT INTO alignments(model_id, unit_id, territory_id, locked) VALUES (40, 7001, 60, 1);"
            "INSERT INTO settings(key, value) VALUES ('tab\tkey', 'line\nvalue\\');",
            NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db,
                       "INSERT INTO units(ext_id, name, lat, lon, area_km2, geom, attrs, row_hash,"
                       " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
                       -1, &st, NULL);
    uint64_t rng = 0x5eed2026u;
    for (int i = 0; i < 300; i++) {
        char ext[32], name[256], attrs[256];
        unsigned char blob[64];
        snprintf(ext, sizeof ext, "R%03d", i);
        random_text(&rng, name, sizeof name);
        random_text(&rng, attrs, sizeof attrs);
        size_t nb = (size_t)regio_test_pick(&rng, (long)sizeof blob);
        for (size_t k = 0; k < nb; k++)
            blob[k] = (unsigned char)regio_test_rnd(&rng);
        sqlite3_bind_text(st, 1, ext, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(st, 3, random_double(&rng));
        sqlite3_bind_double(st, 4, random_double(&rng));
        if (i % 7)
            sqlite3_bind_double(st, 5, random_double(&rng));
        else
            sqlite3_bind_null(st, 5);
        if (i % 5)
            sqlite3_bind_blob(st, 6, blob, (int)nb, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, 6);
        sqlite3_bind_text(st, 7, attrs, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 8, (sqlite3_int64)regio_test_rnd(&rng));
        sqlite3_bind_text(st, 9, i % 3 ? "2026-03-04T05:06:07.089Z" : "", -1, SQLITE_STATIC);
        ASSERT_EQ_INT(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* A SQLite store at path with people, secrets, sessions, an audit chain
 * and the awkward rows. */
static void make_source(const char *path)
{
    regio_store *s = NULL;
    regio_error err;
    ASSERT_OK(regio_store_open(path, &s, &err));
    if (!s)
        return;
    ASSERT_OK(regio_store_role_upsert(s, "sales", NULL, "test", &err));
    regio_user_info u = {.login = "ana", .name = "Ana\tTab", .email = "ana@example.com",
                         .role = "sales", .active = 1};
    ASSERT_OK(regio_store_user_upsert(s, &u, "test", NULL, &err));
    ASSERT_OK(regio_store_user_set_password_hash(
        s, "ana", "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA", "test", &err));
    long tid = 0;
    ASSERT_OK(regio_store_token_add(s, "ana", "9f86d081884c7d659a2feaa0c55ad015", "ci\\N",
                                    "test", &tid, &err));
    ASSERT_OK(regio_store_session_add(s, "2c26b46b68ffc68ff99b453c1d304134", "ana", "csrf-x",
                                      4102444800LL, &err));
    for (int i = 0; i < 20; i++) {
        char id[16];
        snprintf(id, sizeof id, "obj-%d", i);
        ASSERT_OK(regio_store_audit_append(s, "test", "edit", "thing", id,
                                           i % 2 ? "{\"v\":\"a\\tb\"}" : NULL, "{\"v\":1}", &err));
    }
    regio_store_close(s);
    add_awkward_rows(path);
}

/* ---- tests ----------------------------------------------------------------------------------- */

/* A new location for the middle store: PostgreSQL under --pg, else a file. */
static void middle_location(char *loc, size_t cap)
{
    regio_test_store_location(loc, cap, "migrate_mid");
}

static regio_err copy_between(const char *from, const char *to, regio_copy_report *rep,
                              regio_error *err)
{
    regio_store *a = NULL, *b = NULL;
    regio_err rc = regio_store_open(from, &a, err);
    if (!rc)
        rc = regio_store_open(to, &b, err);
    if (!rc)
        rc = regio_store_copy(a, b, NULL, NULL, rep, err);
    regio_store_close(b);
    regio_store_close(a);
    return rc;
}

static void test_round_trip(void)
{
    char src[64], mid[512], back[64], why[256] = "";
    regio_test_db_path(src, sizeof src, "migrate_src");
    regio_test_db_path(back, sizeof back, "migrate_back");
    remove(back);
    middle_location(mid, sizeof mid);
    make_source(src);
    regio_copy_report rep;
    regio_error err;
    regio_err rc = copy_between(src, mid, &rep, &err);
    if (rc)
        fprintf(stderr, "  there: %s\n", err.msg);
    ASSERT_OK(rc);
    ASSERT_TRUE(rep.verified);
    ASSERT_TRUE(rep.audit_records >= 20);
    ASSERT_EQ_INT(strlen(rep.audit_head), 64);
    regio_copy_report_free(&rep);
    rc = copy_between(mid, back, &rep, &err);
    if (rc)
        fprintf(stderr, "  back: %s\n", err.msg);
    ASSERT_OK(rc);
    regio_copy_report_free(&rep);
    int same = same_store(src, back, why, sizeof why);
    if (!same)
        fprintf(stderr, "  %s\n", why);
    ASSERT_TRUE(same);

    /* The middle store goes on numbering after the ids copied: a new role
     * and a new audit record land past the largest, and the chain holds. */
    regio_store *m = NULL;
    ASSERT_OK(regio_store_open(mid, &m, &err));
    ASSERT_OK(regio_store_role_upsert(m, "after-copy", NULL, "test", &err));
    ASSERT_OK(regio_store_audit_append(m, "test", "after", "thing", "x", NULL, NULL, &err));
    long bad = -1;
    ASSERT_OK(regio_store_audit_verify(m, &bad, &err));
    ASSERT_EQ_INT(bad, 0);
    regio_store_close(m);
    ASSERT_EQ_INT(regio_test_loc_int(mid, "SELECT id FROM roles WHERE name = 'after-copy'"), 52);

    regio_test_db_remove(src);
    regio_test_db_remove(back);
    regio_test_store_remove(mid);
}

/* Where table name is in the order of a copy, -1 when it is not copied. */
static long table_index(const regio_copy_report *rep, const char *name)
{
    for (size_t i = 0; i < rep->n_tables; i++)
        if (!strcmp(rep->tables[i].name, name))
            return (long)i;
    return -1;
}

/* The list covers every table of a new store, in an order where each
 * table's foreign keys point at tables before it (or at itself): read from
 * SQLite's own catalogue, not from the copy's list. */
static void test_every_table_in_key_order(void)
{
    char a[64], b[512];
    regio_test_db_path(a, sizeof a, "migrate_fresh");
    middle_location(b, sizeof b);
    regio_copy_report rep;
    regio_error err;
    ASSERT_OK(copy_between(a, b, &rep, &err));
    sqlite3 *db = NULL;
    sqlite3_open(a, &db);
    char names[2048];
    table_names(db, names, sizeof names);
    size_t n_tables = 0;
    for (char *t = strtok(names, " "); t; t = strtok(NULL, " ")) {
        n_tables++;
        long at = table_index(&rep, t);
        if (at < 0)
            fprintf(stderr, "  table %s is not copied\n", t);
        ASSERT_TRUE(at >= 0);
        char *sql = sqlite3_mprintf("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list('%q')", t);
        sqlite3_stmt *st = NULL;
        sqlite3_prepare_v2(db, sql, -1, &st, NULL);
        sqlite3_free(sql);
        while (st && sqlite3_step(st) == SQLITE_ROW) {
            const char *parent = (const char *)sqlite3_column_text(st, 0);
            long pat = table_index(&rep, parent);
            if (!(pat >= 0 && pat <= at))
                fprintf(stderr, "  %s is copied before %s, which it refers to\n", t, parent);
            ASSERT_TRUE(pat >= 0 && pat <= at);
        }
        sqlite3_finalize(st);
    }
    ASSERT_EQ_INT(n_tables, rep.n_tables);
    sqlite3_close(db);
    regio_copy_report_free(&rep);
    regio_test_db_remove(a);
    regio_test_store_remove(b);
}

/* Rows of every table of the store at loc, summed (0: empty but for what
 * a new store holds, checked by a copy into it succeeding elsewhere). */
static long long user_rows(const char *loc)
{
    return regio_test_loc_int(loc, "SELECT (SELECT count(*) FROM accounts) + (SELECT count(*)"
                                   " FROM units) + (SELECT count(*) FROM users) + (SELECT"
                                   " count(*) FROM audit_log) + (SELECT count(*) FROM roles)"
                                   " + (SELECT count(*) FROM sessions)");
}

static void test_refusals(void)
{
    char src[64], dst[512];
    regio_test_db_path(src, sizeof src, "migrate_src");
    middle_location(dst, sizeof dst);
    make_source(src);
    regio_store *a = NULL, *b = NULL;
    regio_error err;
    regio_copy_report rep;
    ASSERT_OK(regio_store_open(src, &a, &err));
    ASSERT_OK(regio_store_open(dst, &b, &err));
    if (!a || !b)
        return;

    /* into itself */
    ASSERT_EQ_INT(regio_store_copy(a, a, NULL, NULL, &rep, &err), REGIO_EINVAL);

    /* stores at other schema versions (as an older Regio left one) */
    REGIO_SQ(a)->version = regio_store_schema_latest() - 1;
    ASSERT_EQ_INT(regio_store_copy(a, b, NULL, NULL, &rep, &err), REGIO_ECONFLICT);
    ASSERT_TRUE(strstr(err.msg, "different schema versions") != NULL);
    REGIO_SQ(a)->version = regio_store_schema_latest();
    ASSERT_EQ_INT(user_rows(dst), 0);

    /* a target that is not empty */
    ASSERT_OK(regio_store_role_upsert(b, "already-here", NULL, "test", &err));
    ASSERT_EQ_INT(regio_store_copy(a, b, NULL, NULL, &rep, &err), REGIO_ECONFLICT);
    ASSERT_TRUE(strstr(err.msg, "not empty") != NULL && strstr(err.msg, "roles") != NULL);
    ASSERT_EQ_INT(regio_test_loc_int(dst, "SELECT count(*) FROM roles"), 1);
    regio_copy_report_free(&rep);
    regio_store_close(b);
    regio_store_close(a);
    regio_test_db_remove(src);
    regio_test_store_remove(dst);
}

static int stop_after(void *ud, double fraction, const char *phase)
{
    (void)fraction;
    (void)phase;
    int *calls = ud;
    return ++*calls >= 12;
}

/* A failure after many tables are written leaves the target empty: a row
 * SQLite kept that does not fit its column (a late table), a cancel. */
static void test_failure_half_way_leaves_target_empty(void)
{
    char src[64], dst[512];
    regio_test_db_path(src, sizeof src, "migrate_src");
    middle_location(dst, sizeof dst);
    make_source(src);
    sqlite3 *db = NULL;
    sqlite3_open(src, &db);
    ASSERT_EQ_INT(sqlite3_exec(db,
                               "INSERT INTO accounts(id, ext_id, row_hash, created_at,"
                               " updated_at) VALUES (1, 'A1', 0, 'c', 'u');"
                               "INSERT INTO sales_transactions(ext_id, account_id, day, amount)"
                               " VALUES ('S1', 1, 20000, 10), ('S2', 1, 'tuesday', 20)",
                               NULL, NULL, NULL),
                  SQLITE_OK);
    sqlite3_close(db);
    regio_store *a = NULL, *b = NULL;
    regio_error err;
    regio_copy_report rep;
    ASSERT_OK(regio_store_open(src, &a, &err));
    ASSERT_OK(regio_store_open(dst, &b, &err));
    if (!a || !b)
        return;
    ASSERT_EQ_INT(regio_store_copy(a, b, NULL, NULL, &rep, &err), REGIO_EDATA);
    ASSERT_TRUE(strstr(err.msg, "sales_transactions") && strstr(err.msg, "column day") &&
                strstr(err.msg, "holds text"));
    /* it got past the units (hundreds of rows) before it failed */
    ASSERT_TRUE(rep.tables && rep.tables[6].source_rows > 300);
    regio_copy_report_free(&rep);
    ASSERT_EQ_INT(user_rows(dst), 0);

    /* cancelled through the progress callback */
    sqlite3 *w = regio__sqlite_handle(a);
    ASSERT_EQ_INT(sqlite3_exec(w, "UPDATE sales_transactions SET day = 20001 WHERE ext_id = 'S2'",
                               NULL, NULL, NULL),
                  SQLITE_OK);
    int calls = 0;
    ASSERT_EQ_INT(regio_store_copy(a, b, stop_after, &calls, &rep, &err), REGIO_ECANCELLED);
    regio_copy_report_free(&rep);
    ASSERT_EQ_INT(user_rows(dst), 0);

    /* a row naming a record that does not exist (written while SQLite's
     * foreign keys were off): refused when the copy's keys are checked */
    ASSERT_EQ_INT(sqlite3_exec(w, "PRAGMA foreign_keys = OFF; INSERT INTO memberships(user_id,"
                                  " territory_id, role) VALUES (999, 60, 'rep')",
                               NULL, NULL, NULL),
                  SQLITE_OK);
    ASSERT_EQ_INT(regio_store_copy(a, b, NULL, NULL, &rep, &err), REGIO_EDATA);
    ASSERT_TRUE(strstr(err.msg, "does not exist") != NULL);
    regio_copy_report_free(&rep);
    ASSERT_EQ_INT(user_rows(dst), 0);
    ASSERT_EQ_INT(sqlite3_exec(w, "DELETE FROM memberships WHERE user_id = 999;"
                                  " PRAGMA foreign_keys = ON", NULL, NULL, NULL),
                  SQLITE_OK);

    /* and the target takes the corrected store whole */
    ASSERT_OK(regio_store_copy(a, b, NULL, NULL, &rep, &err));
    ASSERT_TRUE(rep.verified);
    regio_copy_report_free(&rep);
    ASSERT_TRUE(user_rows(dst) > 300);
    regio_store_close(b);
    regio_store_close(a);
    regio_test_db_remove(src);
    regio_test_store_remove(dst);
}

/* Every allocation of the copy failing in turn: each attempt fails
 * cleanly (or, past the last allocation, succeeds) and leaves the target
 * empty for the next one, which reuses it (on PostgreSQL a sample of
 * them, see below). */
static void test_alloc_failure(void)
{
    char src[64], dst[512];
    regio_test_db_path(src, sizeof src, "migrate_src");
    middle_location(dst, sizeof dst);
    make_source(src);
    regio_store *a = NULL, *b = NULL;
    regio_error err;
    ASSERT_OK(regio_store_open(src, &a, &err));
    ASSERT_OK(regio_store_open(dst, &b, &err));
    if (!a || !b)
        return;
    int done = 0;
    /* On PostgreSQL a copy costs a few dozen round trips: past the first
     * allocations (the checks, the first tables) every 7th fails. */
    int stride = regio_test_pg() ? 7 : 1;
    for (int at = 1; at < 5000 && !done; at += at < 60 ? 1 : stride) {
        regio_copy_report rep;
        alloc_calls = 0;
        alloc_fail_at = at;
        regio_set_allocator(&regio_test_failing);
        regio_err rc = regio_store_copy(a, b, NULL, NULL, &rep, &err);
        regio_set_allocator(NULL);
        regio_copy_report_free(&rep);
        if (rc == REGIO_OK) {
            done = 1;
            ASSERT_TRUE(alloc_calls < at); /* no allocation failed */
        } else {
            if (user_rows(dst) != 0)
                fprintf(stderr, "  failing allocation %d (%s) left rows\n", at, err.msg);
            ASSERT_EQ_INT(user_rows(dst), 0);
        }
    }
    ASSERT_TRUE(done);
    fprintf(stderr, "  %d allocations failed in turn\n", alloc_calls);
    ASSERT_TRUE(user_rows(dst) > 300);
    regio_store_close(b);
    regio_store_close(a);
    regio_test_db_remove(src);
    regio_test_store_remove(dst);
}

int main(int argc, char **argv)
{
    /* --pg: the PostgreSQL variant (unit.test_migrate.pg), on REGIO_TEST_DB. */
    regio_test_backend(argc, argv, "test_migrate --pg");
    RUN(test_round_trip);
    RUN(test_every_table_in_key_order);
    RUN(test_refusals);
    RUN(test_failure_half_way_leaves_target_empty);
    RUN(test_alloc_failure);
    TEST_END();
}
