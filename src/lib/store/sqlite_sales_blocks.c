/*
 * Sales lines in packed monthly blocks (schema migration 6).
 *
 * The figures of a period read millions of sales lines. Stepping SQLite
 * through one row per line, and looking each line's account up in memory
 * in day order (a random walk over a million accounts), cost seconds; an
 * index entry per line cost an import more than the lines themselves. So
 * the store keeps, beside the rows, one block per calendar month (split
 * into parts of at most BLOCK_LINES lines) holding the month's lines packed
 * and sorted by (account, day, status, amount, probability): reading a
 * period is a few blob reads and a forward sweep over the accounts per
 * month.
 *
 * The blocks are derived data the store maintains itself. The first line
 * written in a transaction notes the largest line id so far and sets
 * temporary triggers that keep the first old version of every older line
 * updated or deleted (the version the blocks hold); just before the commit
 * (regio__sq_sales_flush) the months of those versions and of the lines
 * written are patched: the old versions taken out, the lines as they are
 * now merged in. Everything happens inside the transaction, so a rollback
 * (or a crash) leaves rows and blocks as they were. The row (month -1,
 * part 0) says the blocks hold every line; a store without it (lines
 * written before migration 6) is read from the table until a flush
 * rebuilds every block.
 *
 * A block is a format byte (1: accounts in 4 bytes, 2: in 8) and its lines,
 * little-endian: the account, one byte (day of the month - 1 in bits 0-4,
 * the status in bits 5-6, bit 7 set when a probability follows), the amount
 * as a float64 and the probability as a float64 when there is one: 13
 * bytes a line, 21 with a probability.
 */
#include "core/error.h"
#include "store/perf_impl.h"
#include "store/sales_codec.h"
#include "store/sqlite_impl.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINE_BYTES 25 /* 8-byte account, flags, amount, probability */
#define BLOCK_LINES 1000000
#define MARKER_MONTH (-1)

typedef struct rec {
    long long account;
    int32_t day, month;
    int status;
    double amount, probability; /* NaN: none */
} rec;

typedef struct recs {
    rec *v;
    size_t n, cap;
} recs;

/* ---- dates and encoding ------------------------------------------------------------ */

/* The day (from 1970-01-01) a calendar month starts on. */
static int32_t month_start(int32_t month)
{
    long long y = (month >= 0 ? month : month - 11) / 12, m = month - y * 12 + 1;
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

static void put_le(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Writes line r of a month starting on day `first` at p; returns its size. */
static size_t encode(unsigned char *p, const rec *r, int wide, int32_t first)
{
    size_t at = wide ? 8 : 4;
    int has = !isnan(r->probability);
    put_le(p, (uint64_t)r->account, (int)at);
    p[at++] = (unsigned char)((r->day - first) | (r->status << 5) | (has << 7));
    uint64_t a;
    memcpy(&a, &r->amount, 8);
    put_le(p + at, a, 8);
    at += 8;
    if (has) {
        memcpy(&a, &r->probability, 8);
        put_le(p + at, a, 8);
        at += 8;
    }
    return at;
}

/* Reads the line at p into r; returns its size. */
static size_t decode(const unsigned char *p, int wide, int32_t first, rec *r)
{
    size_t at = wide ? 8 : 4;
    r->account = (long long)get_le(p, (int)at);
    unsigned b = p[at++];
    r->day = first + (int32_t)(b & 31);
    r->status = (int)((b >> 5) & 3);
    uint64_t a = get_le(p + at, 8);
    memcpy(&r->amount, &a, 8);
    at += 8;
    r->probability = NAN;
    if (b & 128) {
        a = get_le(p + at, 8);
        memcpy(&r->probability, &a, 8);
        at += 8;
    }
    return at;
}

static int cmp_line(const rec *a, const rec *b)
{
    return sales_line_cmp(a->account, a->day, a->status, a->amount, a->probability, b->account,
                          b->day, b->status, b->amount, b->probability);
}

static int cmp_month_line(const void *pa, const void *pb)
{
    const rec *a = pa, *b = pb;
    if (a->month != b->month)
        return a->month < b->month ? -1 : 1;
    return cmp_line(a, b);
}

/* Sorts lines by month, then line (an empty list has no array). */
static void sort_lines(recs *r)
{
    if (r->n > 1)
        qsort(r->v, r->n, sizeof *r->v, cmp_month_line);
}

static regio_err oom(regio_error *err)
{
    return regio__store_fail(err, REGIO_ENOMEM, "out of memory packing sales lines");
}

static regio_err push(recs *rs, const rec *r, regio_error *err)
{
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 4096;
        rec *v = regio_realloc(rs->v, cap * sizeof *v);
        if (!v)
            return oom(err);
        rs->v = v;
        rs->cap = cap;
    }
    rs->v[rs->n++] = *r;
    return REGIO_OK;
}

/* Appends the lines a query selects (account_id, day, status, amount,
 * probability). */
static regio_err read_lines(regio__sqlite_store *s, sqlite3_stmt *st, recs *out,
                            regio_error *err)
{
    int r;
    regio_err rc = REGIO_OK;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        rec x = {sqlite3_column_int64(st, 0), (int32_t)sqlite3_column_int(st, 1), 0,
                 sqlite3_column_int(st, 2), sqlite3_column_double(st, 3), col_num(st, 4)};
        x.month = sales_month_of(x.day);
        rc = push(out, &x, err);
    }
    return regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
}

/* ---- writing ----------------------------------------------------------------------- */

/* Replaces the blocks of one month by lines v[0..n) (sorted by line). */
static regio_err write_month(regio__sqlite_store *s, int32_t month, const rec *v, size_t n,
                             unsigned char **buf, size_t *bufcap, regio_error *err)
{
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err, "DELETE FROM sales_blocks WHERE month = ?1", "i",
                                  (sqlite3_int64)month);
    if (rc)
        return rc;
    if ((rc = regio__sq_finish(s, st, sqlite3_step(st), REGIO_OK, err)))
        return rc;
    int32_t first = month_start(month);
    for (size_t at = 0, part = 0; at < n; part++) {
        size_t k = n - at < BLOCK_LINES ? n - at : BLOCK_LINES;
        int wide = 0;
        for (size_t i = 0; i < k; i++)
            wide |= v[at + i].account < 0 || v[at + i].account > (long long)UINT32_MAX;
        size_t need = 1 + k * MAX_LINE_BYTES;
        if (need > *bufcap) {
            unsigned char *b = regio_realloc(*buf, need);
            if (!b)
                return oom(err);
            *buf = b;
            *bufcap = need;
        }
        size_t len = 1;
        (*buf)[0] = wide ? 2 : 1;
        for (size_t i = 0; i < k; i++)
            len += encode(*buf + len, &v[at + i], wide, first);
        rc = regio__sq_prepare(s,
                               "INSERT INTO sales_blocks(month, part, lines, data)"
                               " VALUES (?1, ?2, ?3, ?4)",
                               &st, err);
        if (rc)
            return rc;
        sqlite3_bind_int64(st, 1, month);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)part);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)k);
        sqlite3_bind_blob64(st, 4, *buf, (sqlite3_uint64)len, SQLITE_STATIC);
        if ((rc = regio__sq_finish(s, st, sqlite3_step(st), REGIO_OK, err)))
            return rc;
        at += k;
    }
    return REGIO_OK;
}

/* Calls fn for each line of a block of month `month` (data, bytes); stops
 * when fn returns non-zero and returns that. */
typedef int (*line_fn)(void *ud, const rec *r);

static int each_line(const unsigned char *data, size_t bytes, int32_t month, line_fn fn, void *ud)
{
    if (!bytes)
        return 0;
    int wide = data[0] == 2;
    int32_t first = month_start(month);
    size_t acc = wide ? 8 : 4;
    for (size_t at = 1; at + acc + 9 <= bytes;) {
        size_t len = acc + 9 + (data[at + acc] & 128 ? 8 : 0);
        if (at + len > bytes)
            break; /* a torn line: never written so */
        rec x;
        at += decode(data + at, wide, first, &x);
        x.month = month;
        int stop = fn(ud, &x);
        if (stop)
            return stop;
    }
    return 0;
}

typedef struct pusher {
    recs *out;
    regio_error *err;
    regio_err rc;
} pusher;

static int push_line(void *ud, const rec *r)
{
    pusher *p = ud;
    return (p->rc = push(p->out, r, p->err)) != REGIO_OK;
}

/* The lines a month's blocks hold now, in order. */
static regio_err read_month(regio__sqlite_store *s, int32_t month, recs *out, regio_error *err)
{
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err,
                                  "SELECT data FROM sales_blocks WHERE month = ?1 ORDER BY part",
                                  "i", (sqlite3_int64)month);
    if (rc)
        return rc;
    int r;
    pusher p = {out, err, REGIO_OK};
    while (!p.rc && (r = sqlite3_step(st)) == SQLITE_ROW)
        each_line(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), month,
                  push_line, &p);
    return regio__sq_finish(s, st, p.rc ? SQLITE_DONE : r, p.rc, err);
}

static int valid(regio__sqlite_store *s)
{
    sqlite3_stmt *st = NULL;
    int ok = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM sales_blocks WHERE month = -1", -1, &st,
                           NULL) == SQLITE_OK)
        ok = sqlite3_step(st) == SQLITE_ROW;
    regio__sq_release(s, st);
    return ok;
}

/* Writes every month of v (sorted by month, then line). */
static regio_err write_all(regio__sqlite_store *s, const recs *v, regio_error *err)
{
    unsigned char *buf = NULL;
    size_t bufcap = 0;
    regio_err rc = REGIO_OK;
    for (size_t i = 0; !rc && i < v->n;) {
        size_t j = i;
        while (j < v->n && v->v[j].month == v->v[i].month)
            j++;
        rc = write_month(s, v->v[i].month, v->v + i, j - i, &buf, &bufcap, err);
        i = j;
    }
    regio_free(buf);
    return rc;
}

#define LINE_COLUMNS "account_id, day, status, amount, probability"

/* Every block made again from the table. */
static regio_err rebuild(regio__sqlite_store *s, regio_error *err)
{
    recs all = {0};
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_exec(s, "DELETE FROM sales_blocks", err);
    if (!rc)
        rc = regio__sq_prep(s, &st, err, "SELECT " LINE_COLUMNS " FROM sales_transactions", "");
    if (!rc)
        rc = read_lines(s, st, &all, err);
    if (!rc) {
        sort_lines(&all);
        rc = write_all(s, &all, err);
    }
    regio_free(all.v);
    if (!rc)
        rc = regio__sq_exec(s,
                            "INSERT INTO sales_blocks(month, part, lines, data)"
                            " VALUES (-1, 0, 0, x'')",
                            err);
    return rc;
}

/* Lines old[] without the lines gone[] (one each; both sorted by line),
 * merged with add[] (sorted) into out. */
static regio_err merge(const rec *old, size_t nold, const rec *gone, size_t ngone, const rec *add,
                       size_t nadd, recs *out, regio_error *err)
{
    out->n = 0;
    size_t i = 0, g = 0, j = 0;
    regio_err rc = REGIO_OK;
    while (!rc && (i < nold || j < nadd)) {
        if (i < nold) {
            while (g < ngone && cmp_line(&gone[g], &old[i]) < 0)
                g++; /* a removed version no block holds: nothing to take out */
            if (g < ngone && cmp_line(&gone[g], &old[i]) == 0) {
                g++;
                i++;
                continue;
            }
        }
        if (j >= nadd || (i < nold && cmp_line(&old[i], &add[j]) <= 0))
            rc = push(out, &old[i++], err);
        else
            rc = push(out, &add[j++], err);
    }
    return rc;
}

/* The blocks of the months the transaction touched, patched: each month's
 * lines without the versions updated or deleted, merged with the lines as
 * they are now. */
static regio_err patch(regio__sqlite_store *s, regio_error *err)
{
    recs fresh = {0}, gone = {0}, old = {0}, merged = {0};
    unsigned char *buf = NULL;
    size_t bufcap = 0;
    sqlite3_stmt *st = NULL;
    /* the lines written: new ids, and older ones the triggers saw change */
    regio_err rc = regio__sq_prep(s, &st, err,
                                  "SELECT " LINE_COLUMNS " FROM sales_transactions WHERE id > ?1"
                                  " UNION ALL"
                                  " SELECT " LINE_COLUMNS " FROM sales_transactions"
                                  " WHERE id IN (SELECT id FROM temp.regio_sales_old)",
                                  "i", (sqlite3_int64)s->sales_max_id);
    if (!rc)
        rc = read_lines(s, st, &fresh, err);
    /* the versions the blocks hold of the lines updated or deleted */
    if (!rc)
        rc = regio__sq_prep(s, &st, err, "SELECT " LINE_COLUMNS " FROM temp.regio_sales_old", "");
    if (!rc)
        rc = read_lines(s, st, &gone, err);
    if (!rc) {
        sort_lines(&fresh);
        sort_lines(&gone);
    }
    /* the months of both, in order */
    size_t fi = 0, gi = 0;
    while (!rc && (fi < fresh.n || gi < gone.n)) {
        int32_t m = fi < fresh.n ? fresh.v[fi].month : INT32_MAX;
        if (gi < gone.n && gone.v[gi].month < m)
            m = gone.v[gi].month;
        size_t fj = fi, gj = gi;
        while (fj < fresh.n && fresh.v[fj].month == m)
            fj++;
        while (gj < gone.n && gone.v[gj].month == m)
            gj++;
        old.n = 0;
        rc = read_month(s, m, &old, err);
        if (!rc)
            rc = merge(old.v, old.n, gj > gi ? gone.v + gi : NULL, gj - gi,
                       fj > fi ? fresh.v + fi : NULL, fj - fi, &merged, err);
        if (!rc)
            rc = write_month(s, m, merged.v, merged.n, &buf, &bufcap, err);
        fi = fj;
        gi = gj;
    }
    regio_free(buf);
    regio_free(fresh.v);
    regio_free(gone.v);
    regio_free(old.v);
    regio_free(merged.v);
    return rc;
}

/* ---- the transaction's hooks ------------------------------------------------------- */

regio_err regio__sq_sales_track(regio__sqlite_store *s, regio_error *err)
{
    if (s->sales_tracking)
        return REGIO_OK;
    if (!s->user_txn)
        return regio__store_fail(err, REGIO_EINVAL,
                                 "sales lines are written inside a transaction");
    /* The first old version of each line older than the transaction: the
     * one the blocks hold. (Not INSERT OR IGNORE: in a trigger the outer
     * statement's conflict rule, the upsert's ABORT, would win.) */
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_exec(
        s,
        "CREATE TEMP TABLE IF NOT EXISTS regio_sales_old(id INTEGER PRIMARY KEY,"
        " account_id INTEGER, day INTEGER, status INTEGER, amount REAL, probability REAL);"
        "CREATE TEMP TABLE IF NOT EXISTS regio_sales_since(max_id INTEGER);"
        "CREATE TEMP TABLE IF NOT EXISTS regio_sales_stage(ext_id TEXT, account_id INTEGER,"
        " day INTEGER, status INTEGER, amount REAL, probability REAL, product TEXT, rep TEXT);"
        "DELETE FROM temp.regio_sales_stage;"
        "CREATE TEMP TRIGGER IF NOT EXISTS regio_sales_upd AFTER UPDATE ON main.sales_transactions"
        " WHEN old.id <= (SELECT max_id FROM regio_sales_since)"
        " BEGIN INSERT INTO regio_sales_old SELECT old.id, old.account_id, old.day,"
        " old.status, old.amount, old.probability"
        " WHERE NOT EXISTS (SELECT 1 FROM regio_sales_old WHERE id = old.id); END;"
        "CREATE TEMP TRIGGER IF NOT EXISTS regio_sales_del AFTER DELETE ON main.sales_transactions"
        " WHEN old.id <= (SELECT max_id FROM regio_sales_since)"
        " BEGIN INSERT INTO regio_sales_old SELECT old.id, old.account_id, old.day,"
        " old.status, old.amount, old.probability"
        " WHERE NOT EXISTS (SELECT 1 FROM regio_sales_old WHERE id = old.id); END;"
        "DELETE FROM temp.regio_sales_old;"
        "DELETE FROM temp.regio_sales_since;"
        "INSERT INTO temp.regio_sales_since SELECT coalesce(max(id), 0) FROM sales_transactions",
        err);
    if (!rc)
        rc = regio__sq_prep(s, &st, err, "SELECT max_id FROM temp.regio_sales_since", "");
    if (!rc) {
        int r = sqlite3_step(st);
        s->sales_max_id = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        rc = regio__sq_finish(s, st, r == SQLITE_ROW ? SQLITE_DONE : r, REGIO_OK, err);
    }
    if (!rc)
        s->sales_tracking = 1;
    return rc;
}

regio_err regio__sq_sales_flush(regio__sqlite_store *s, regio_error *err)
{
    if (!s->sales_tracking || sqlite3_get_autocommit(s->db))
        return REGIO_OK;
    regio_err rc = valid(s) ? patch(s, err) : rebuild(s, err);
    if (!rc)
        rc = regio__sq_exec(s, "DELETE FROM temp.regio_sales_old", err);
    return rc;
}

void regio__sq_sales_forget(regio__sqlite_store *s)
{
    s->sales_tracking = 0;
    s->sales_puts = 0;
    s->sales_staged = 0;
}

regio_err regio__sq_sales_settle(regio__sqlite_store *s, long long *changed, regio_error *err)
{
    *changed = 0;
    if (!s->sales_staged || sqlite3_get_autocommit(s->db))
        return REGIO_OK;
    /* in the order staged: a line given twice ends as given last */
    regio_err rc = regio__sq_exec(
        s,
        "INSERT INTO sales_transactions(ext_id, account_id, day, status, amount, probability,"
        " product, rep) SELECT ext_id, account_id, day, status, amount, probability, product, rep"
        " FROM temp.regio_sales_stage WHERE true ORDER BY rowid" REGIO_SQ_SALE_UPSERT_TAIL,
        err);
    if (!rc)
        *changed = sqlite3_changes64(s->db);
    if (!rc)
        rc = regio__sq_exec(s, "DELETE FROM temp.regio_sales_stage", err);
    if (!rc)
        s->sales_staged = 0;
    return rc;
}

/* ---- reading ----------------------------------------------------------------------- */

#define SCAN_BATCH 1024

typedef struct window {
    regio_day from, to;
    regio__perf_sales_cb cb;
    void *ud;
    size_t n;
    regio__perf_sale v[SCAN_BATCH];
} window;

static int flush_window(window *w)
{
    size_t n = w->n;
    w->n = 0;
    return n ? w->cb(w->ud, w->v, n) : 0;
}

static int in_window(void *ud, const rec *r)
{
    window *w = ud;
    if (r->day < w->from || r->day >= w->to)
        return 0;
    regio__perf_sale *x = &w->v[w->n++];
    x->account = r->account;
    x->day = r->day;
    x->status = r->status;
    x->amount = r->amount;
    x->probability = r->probability;
    return w->n == SCAN_BATCH ? flush_window(w) : 0;
}

regio_err regio__sq_sales_blocks_scan(regio__sqlite_store *s, regio_day from, regio_day to,
                                      regio__perf_sales_cb cb, void *ud, int *used,
                                      regio_error *err)
{
    *used = 0;
    if (!valid(s))
        return REGIO_OK;
    *used = 1;
    if (to <= from)
        return REGIO_OK;
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err,
                                  "SELECT month, data FROM sales_blocks"
                                  " WHERE month BETWEEN ?1 AND ?2 ORDER BY month, part",
                                  "ii", (sqlite3_int64)sales_month_of(from),
                                  (sqlite3_int64)sales_month_of(to - 1));
    if (rc)
        return rc;
    window *w = regio_malloc(sizeof *w);
    if (!w) {
        regio__sq_release(s, st);
        return oom(err);
    }
    w->from = from;
    w->to = to;
    w->cb = cb;
    w->ud = ud;
    w->n = 0;
    int r, stop = 0;
    while (!stop && (r = sqlite3_step(st)) == SQLITE_ROW)
        stop = each_line(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
                         (int32_t)sqlite3_column_int(st, 0), in_window, w);
    if (!stop && r == SQLITE_DONE)
        stop = flush_window(w);
    regio_free(w);
    return regio__sq_finish(s, st, stop ? SQLITE_DONE : r,
                            stop ? regio__sq_cancelled(err) : REGIO_OK, err);
}
