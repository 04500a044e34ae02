/*
 * The packed monthly blocks of sales lines (store/sqlite_sales_blocks.c)
 * against a model kept in the test: random transactions insert and update
 * lines (days moving across months, years and the blocks' part size
 * untouched), some delete lines, some roll back; after each, scans of
 * random windows must return exactly the lines the model holds in them.
 * A store whose lines were written before the blocks existed (schema
 * version 5) is read from the table, and its next sales transaction
 * builds every block. With --pg the same transactions run on PostgreSQL,
 * which reads the lines from the table.
 */
#include "regio/perf.h"
#include "regio/store.h"
#include "perf/perf_store.h"
#include "store/schema_sqlite.h"
#include "store/sqlite_impl.h"
#ifdef REGIO_HAVE_PG
#include "store/pg_impl.h"
#endif
#include "regio_test.h"
#include "regio_test_db.h"

#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

#define POOL 3000

/* Runs sql on the store's own connection: a delete inside its transaction. */
static void store_exec(regio_store *s, const char *sql)
{
#ifdef REGIO_HAVE_PG
    if (regio_test_pg()) {
        PGresult *r = PQexec(REGIO_PG(s)->conn, sql);
        ASSERT_EQ_INT(PQresultStatus(r), PGRES_COMMAND_OK);
        PQclear(r);
        return;
    }
#endif
    ASSERT_EQ_INT(sqlite3_exec(REGIO_SQ(s)->db, sql, NULL, NULL, NULL), SQLITE_OK);
}

/* The model: line i of the pool (ext id "L<i>"), present or not. */
typedef struct line {
    int present;
    long long account;
    regio_day day;
    int status;
    double amount, probability;
} line;

static line model[POOL];
static uint64_t rs = 0x2545F4914F6CDD1DULL;
#define rnd() regio_test_rnd(&rs)
#define pick(n) regio_test_pick(&rs, (n))

typedef struct got {
    regio__perf_sale *v;
    size_t n, cap;
} got;

static int on_sale(void *ud, const regio__perf_sale *x)
{
    got *g = ud;
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 1024;
        g->v = realloc(g->v, g->cap * sizeof *g->v);
    }
    g->v[g->n++] = *x;
    return 0;
}

static int on_sales(void *ud, const regio__perf_sale *v, size_t n)
{
    ASSERT_TRUE(n >= 1);
    for (size_t i = 0; i < n; i++)
        on_sale(ud, &v[i]);
    return 0;
}

static int cmp_sale(const void *pa, const void *pb)
{
    const regio__perf_sale *a = pa, *b = pb;
    if (a->account != b->account)
        return a->account < b->account ? -1 : 1;
    if (a->day != b->day)
        return a->day < b->day ? -1 : 1;
    if (a->status != b->status)
        return a->status - b->status;
    if (a->amount != b->amount)
        return a->amount < b->amount ? -1 : 1;
    double pa_ = isnan(a->probability) ? -1 : a->probability;
    double pb_ = isnan(b->probability) ? -1 : b->probability;
    return (pa_ > pb_) - (pa_ < pb_);
}

/* Scans [from, to) and compares with the model; returns the lines seen. */
static size_t check_window(regio_store *s, regio_day from, regio_day to)
{
    got g = {0};
    regio_error e;
    regio_error_clear(&e);
    ASSERT_OK(regio__perf_sales_scan(s, from, to, on_sales, &g, &e));
    got want = {0};
    for (int i = 0; i < POOL; i++)
        if (model[i].present && model[i].day >= from && model[i].day < to) {
            regio__perf_sale x = {model[i].account, model[i].day, model[i].status,
                                  model[i].amount, model[i].probability};
            on_sale(&want, &x);
        }
    ASSERT_EQ_INT((long)g.n, (long)want.n);
    if (g.n == want.n && g.n) {
        qsort(g.v, g.n, sizeof *g.v, cmp_sale);
        qsort(want.v, want.n, sizeof *want.v, cmp_sale);
        size_t bad = 0;
        for (size_t i = 0; i < g.n; i++)
            bad += cmp_sale(&g.v[i], &want.v[i]) != 0 ||
                   isnan(g.v[i].probability) != isnan(want.v[i].probability);
        ASSERT_EQ_INT((long)bad, 0);
    }
    size_t n = g.n;
    free(g.v);
    free(want.v);
    return n;
}

static void random_line(line *l)
{
    l->present = 1;
    l->account = 1 + pick(400);
    /* 2024-11-01 .. 2027-02-28 and back to 1969 now and then */
    l->day = pick(50) ? (regio_day)(20028 + pick(850)) : (regio_day)(-400 + pick(800));
    l->status = (int)pick(3);
    l->amount = (double)pick(10000000) / 100.0;
    l->probability = l->status == REGIO__SALE_OPEN && pick(4) ? (double)pick(101) : NAN;
}

static void put(regio_store *s, int i)
{
    char id[16];
    snprintf(id, sizeof id, "L%d", i);
    regio__perf_sale row = {model[i].account, model[i].day, model[i].status, model[i].amount,
                            model[i].probability};
    int changed = 0;
    regio_error e;
    regio_error_clear(&e);
    regio_err prc = regio__perf_sale_put(s, &row, id, NULL, NULL, &changed, &e);
    if (prc)
        fprintf(stderr, "put %s: %s\n", id, e.msg);
    ASSERT_OK(prc);
}

static void check_random_windows(regio_store *s, int n)
{
    check_window(s, INT32_MIN / 2, INT32_MAX / 2);
    for (int w = 0; w < n; w++) {
        regio_day from = (regio_day)(19950 + pick(1000));
        check_window(s, from, from + 1 + (regio_day)pick(pick(2) ? 40 : 500));
    }
}

static void test_random_transactions(void)
{
    char path[512];
    regio_test_store_location(path, sizeof path, "blocks");
    regio_store *s = NULL;
    regio_error e;
    regio_error_clear(&e);
    ASSERT_OK(regio_store_open(path, &s, &e));
    memset(model, 0, sizeof model);
    size_t seen = 0;
    for (int round = 0; round < 60; round++) {
        line saved[POOL];
        memcpy(saved, model, sizeof model);
        ASSERT_OK(regio_store_begin(s, &e));
        /* round 1 writes more lines than a transaction writes one by one:
         * the rest wait in the backend and go in together, in order */
        int k = round == 0 ? 2000 : round == 1 ? 30000 : 1 + (int)pick(pick(3) ? 40 : 600);
        for (int j = 0; j < k; j++) {
            int i = (int)pick(POOL);
            if (model[i].present && pick(3) == 0)
                model[i].amount += 1; /* an update in place */
            else
                random_line(&model[i]);
            put(s, i);
        }
        /* lines deleted in the same transaction (no API deletes lines; the
         * blocks follow whatever the table does) */
        if (round % 7 == 3) {
            for (int j = 0; j < 20; j++) {
                int i = (int)pick(POOL);
                char sql[80];
                snprintf(sql, sizeof sql, "DELETE FROM sales_transactions WHERE ext_id = 'L%d'", i);
                store_exec(s, sql);
                model[i].present = 0;
            }
        }
        if (round % 5 == 4) {
            ASSERT_OK(regio_store_rollback(s, &e));
            memcpy(model, saved, sizeof model);
        } else {
            ASSERT_OK(regio_store_commit(s, &e));
        }
        check_random_windows(s, 6);
        /* the blocks hold every line once; PostgreSQL reads the table and
         * keeps no block that could claim to hold a line */
        if (regio_test_pg()) {
            ASSERT_EQ_INT(regio_test_loc_int(path, "SELECT count(*) FROM sales_blocks"), 0);
        } else {
            long long lines = regio_test_loc_int(path, "SELECT sum(lines) FROM sales_blocks");
            ASSERT_EQ_INT(lines,
                          regio_test_loc_int(path, "SELECT count(*) FROM sales_transactions"));
        }
    }
    /* a large import rolled back: the lines that waited to go in together
     * (past 20,000 on SQLite, 1,000 on PostgreSQL) leave nothing behind */
    ASSERT_OK(regio_store_begin(s, &e));
    line saved[POOL];
    memcpy(saved, model, sizeof model);
    for (int j = 0; j < 25000; j++) {
        int i = (int)pick(POOL);
        random_line(&model[i]);
        put(s, i);
    }
    ASSERT_OK(regio_store_rollback(s, &e));
    memcpy(model, saved, sizeof model);
    check_random_windows(s, 6);
    seen = check_window(s, INT32_MIN / 2, INT32_MAX / 2);
    ASSERT_TRUE(seen > 1000);
    regio_store_close(s);
    regio_test_store_remove(path);
}

/* Lines of a version 5 store: read from the table, then blocks built by
 * the next transaction that writes one. */
static void test_lines_from_before_the_blocks(void)
{
    if (regio_test_pg()) {
        printf("  (a SQLite store of schema version 5: not run on PostgreSQL)\n");
        return;
    }
    char path[64];
    regio_test_db_path(path, sizeof path, "blocks5");
    sqlite3 *db = NULL;
    ASSERT_EQ_INT(sqlite3_open(path, &db), SQLITE_OK);
    int v = 0;
    ASSERT_OK(regio__sqlite_migrate(db, 5, &v, NULL));
    ASSERT_EQ_INT(v, 5);
    memset(model, 0, sizeof model);
    sqlite3_stmt *st = NULL;
    ASSERT_EQ_INT(sqlite3_prepare_v2(db,
                                     "INSERT INTO sales_transactions(ext_id, account_id, day,"
                                     " status, amount, probability) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                                     -1, &st, NULL),
                  SQLITE_OK);
    for (int i = 0; i < 500; i++) {
        random_line(&model[i]);
        char id[16];
        snprintf(id, sizeof id, "L%d", i);
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, model[i].account);
        sqlite3_bind_int64(st, 3, model[i].day);
        sqlite3_bind_int(st, 4, model[i].status);
        sqlite3_bind_double(st, 5, model[i].amount);
        if (isnan(model[i].probability))
            sqlite3_bind_null(st, 6);
        else
            sqlite3_bind_double(st, 6, model[i].probability);
        ASSERT_EQ_INT(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    regio_store *s = NULL;
    regio_error e;
    regio_error_clear(&e);
    ASSERT_OK(regio_store_open(path, &s, &e));
    ASSERT_EQ_INT(regio_test_sql_int(db, "SELECT count(*) FROM sales_transactions"), 500);
    ASSERT_EQ_INT(regio_test_sql_int(db, "SELECT count(*) FROM sales_blocks"), 0);
    check_random_windows(s, 10); /* from the table */
    ASSERT_OK(regio_store_begin(s, &e));
    random_line(&model[600]);
    put(s, 600);
    ASSERT_OK(regio_store_commit(s, &e));
    ASSERT_EQ_INT(regio_test_sql_int(db, "SELECT count(*) FROM sales_blocks WHERE month = -1"), 1);
    ASSERT_EQ_INT(regio_test_sql_int(db, "SELECT sum(lines) FROM sales_blocks"), 501);
    check_random_windows(s, 10); /* from the blocks */
    sqlite3_close(db);
    regio_store_close(s);
    regio_test_db_remove(path);
}

int main(int argc, char **argv)
{
    /* --pg: the PostgreSQL variant (unit.test_sales_blocks.pg), on REGIO_TEST_DB. */
    regio_test_backend(argc, argv, "test_sales_blocks --pg");
    RUN(test_random_transactions);
    RUN(test_lines_from_before_the_blocks);
    TEST_END();
}
