/*
 * PostgreSQL side of goals and results (store/perf_impl.h): sales lines,
 * quotas and activities, the reads the figures make, the accounts' packed
 * columns and the check-in page's reads, with the results, refusals and
 * transactions of the SQLite side (sqlite_perf.c, sqlite_checkin.c,
 * sqlite_account_columns.c).
 *
 * Sales lines: a transaction's first REGIO_PG_BULK_AFTER lines are upserted
 * one by one; the rest stream through COPY into a temporary table and are
 * written with one statement per round (regio__pg_sales_settle, also run by
 * the commit): round k writes the lines given for the k-th time in the
 * batch, in the order given, so a line given twice ends as given last and
 * every change is counted as SQLite counts it. A period's lines are read
 * from the table through a cursor, each month's in the order of SQLite's
 * blocks (store/sales_codec.h says why): the packed monthly blocks of SQLite
 * (sqlite_sales_blocks.c) are not kept here, and a transaction that writes
 * lines empties sales_blocks so that no block claims to hold them.
 */
#include "regio/strmap.h"
#include "store/account_columns_codec.h"
#include "store/perf_impl.h"
#include "store/pg_impl.h"
#include "store/sales_codec.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------------------------ */

/* A callback's "stop" as the loop's error. */
static regio_err stop_if(int stop, regio_error *err)
{
    return stop ? regio__pg_cancelled(err) : REGIO_OK;
}

static const char *day_text(char buf[32], regio_day d)
{
    return regio__pg_int(buf, (long long)d);
}

/* ---- accounts, units, territories ------------------------------------------------------- */

typedef struct scan_ctx {
    void *cb;
    void *ud;
} scan_ctx;

static regio_err account_key_row(void *ctx, const PGresult *res, int i, regio_error *err)
{
    scan_ctx *c = ctx;
    regio__perf_account a = {regio__pg_col_int(res, i, 0), regio__pg_col_text(res, i, 1),
                             regio__pg_col_text(res, i, 2), regio__pg_col_num(res, i, 3),
                             regio__pg_col_num(res, i, 4)};
    return stop_if(((regio__perf_account_cb)c->cb)(c->ud, &a), err);
}

static regio_err pg_account_keys(regio_store *base, regio__perf_account_cb cb, void *ud,
                                 regio_error *err)
{
    scan_ctx c = {(void *)cb, ud};
    /* The frequency is a number of the attributes (true is 1, as SQLite's
     * json_extract gives it); the column is looked for before JSON is parsed. */
    return regio__pg_each_row(
        REGIO_PG(base),
        "SELECT id, ext_id, segment, potential,"
        " CASE WHEN strpos(attrs, '\"visits_per_year\"') > 0 THEN"
        "  CASE jsonb_typeof(attrs::jsonb -> 'visits_per_year')"
        "   WHEN 'number' THEN (attrs::jsonb ->> 'visits_per_year')::float8"
        "   WHEN 'boolean' THEN (attrs::jsonb ->> 'visits_per_year')::boolean::int::float8 END"
        " END FROM accounts ORDER BY id",
        0, NULL, account_key_row, &c, err);
}

static regio_err placed_unit_row(void *ctx, const PGresult *res, int i, regio_error *err)
{
    scan_ctx *c = ctx;
    return stop_if(((regio__perf_placed_unit_cb)c->cb)(c->ud, regio__pg_col_int(res, i, 0),
                                                        regio__pg_col_int(res, i, 1)),
                   err);
}

static regio_err pg_account_units(regio_store *base, regio__perf_placed_unit_cb cb, void *ud,
                                  regio_error *err)
{
    scan_ctx c = {(void *)cb, ud};
    return regio__pg_each_row(REGIO_PG(base),
                              "SELECT a.id, u.id FROM accounts a JOIN units u"
                              " ON u.ext_id = a.unit_ext",
                              0, NULL, placed_unit_row, &c, err);
}

static regio_err placed_row(void *ctx, const PGresult *res, int i, regio_error *err)
{
    scan_ctx *c = ctx;
    return stop_if(((regio__perf_placed_cb)c->cb)(c->ud, regio__pg_col_int(res, i, 0),
                                                   regio__pg_col_text(res, i, 1)),
                   err);
}

/* Streams the (key, territory code) pairs sql selects for model ($1). */
static regio_err model_pairs(regio_store *base, const char *model, const char *sql,
                             regio__perf_placed_cb cb, void *ud, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    long long mid = 0;
    regio_err rc = regio__pg_model_id(s, model, &mid, err);
    if (rc)
        return rc;
    char b[32];
    const char *p[1] = {regio__pg_int(b, mid)};
    scan_ctx c = {(void *)cb, ud};
    return regio__pg_each_row(s, sql, 1, p, placed_row, &c, err);
}

static regio_err pg_model_units(regio_store *base, const char *model, regio__perf_placed_cb cb,
                                void *ud, regio_error *err)
{
    return model_pairs(base, model,
                       "SELECT al.unit_id, t.ext_id FROM alignments al"
                       " JOIN territories t ON t.id = al.territory_id"
                       " WHERE al.model_id = $1 AND al.effective_to IS NULL",
                       cb, ud, err);
}

static regio_err pg_model_hand_moves(regio_store *base, const char *model,
                                     regio__perf_placed_cb cb, void *ud, regio_error *err)
{
    return model_pairs(base, model,
                       "SELECT x.account_id, min(t.ext_id COLLATE \"C\") FROM territories t"
                       " JOIN account_territories x ON x.territory_id = t.id"
                       " WHERE t.model_id = $1 AND x.cause = 'geo'"
                       " GROUP BY x.account_id",
                       cb, ud, err);
}

static regio_err text_row(void *ctx, const PGresult *res, int i, regio_error *err)
{
    scan_ctx *c = ctx;
    return stop_if(((regio__perf_code_cb)c->cb)(c->ud, regio__pg_col_text(res, i, 0)), err);
}

static regio_err pg_territory_codes(regio_store *base, regio__perf_code_cb cb, void *ud,
                                    regio_error *err)
{
    scan_ctx c = {(void *)cb, ud};
    return regio__pg_each_row(REGIO_PG(base),
                              "SELECT DISTINCT ext_id COLLATE \"C\" FROM territories ORDER BY 1",
                              0, NULL, text_row, &c, err);
}

/* ---- the accounts' packed columns (sqlite_account_columns.c says why) ------------------ */

static regio_err pg_account_columns_load(regio_store *base, regio__perf_account_cols *out,
                                         int *found, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    *found = 0;
    if (out)
        memset(out, 0, sizeof *out);
    regio_err rc = regio__pg_flush(s, err);
    if (rc)
        return rc;
    /* binary: the parts' bytes as they are, the numbers as int8 */
    PGresult *res = PQexecParams(s->conn,
                                 "SELECT part, accounts, data FROM account_columns ORDER BY part",
                                 0, NULL, NULL, NULL, NULL, 1);
    rc = regio__pg_check(s, res, PGRES_TUPLES_OK, "reading the accounts' columns", err);
    acols_reader rd = {.want = out != NULL};
    int more = 1;
    for (int i = 0; !rc && more > 0 && i < PQntuples(res); i++) {
        long long v[2];
        for (int k = 0; k < 2; k++) {
            const unsigned char *p = (const unsigned char *)PQgetvalue(res, i, k);
            uint64_t x = 0;
            for (int b = 0; b < 8; b++)
                x = x << 8 | p[b];
            v[k] = (long long)x;
        }
        more = acols_take(&rd, v[0], v[1], (const unsigned char *)PQgetvalue(res, i, 2),
                          (size_t)PQgetlength(res, i, 2));
    }
    PQclear(res);
    if (more < 0)
        rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory");
    if (rc)
        rd.ok = 0;
    *found = acols_done(&rd, out);
    return rc;
}

/* Writes the parts of c and the marker (the table is empty). */
static regio_err write_parts(regio__pg_store *s, const regio__perf_account_cols *c,
                             regio_error *err)
{
    unsigned char *buf = regio_malloc(acols_buf_size(c));
    if (!buf)
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory");
    regio_err rc = REGIO_OK;
    for (size_t at = 0, part = 0; !rc && at <= c->n; part++) {
        int marker = at == c->n;
        size_t k = 0, len = marker ? 0 : acols_pack(buf, c, at, &k);
        char pb[32], nb[32];
        const char *p[3] = {regio__pg_int(pb, marker ? ACOLS_MARKER_PART : (long long)part),
                            regio__pg_int(nb, (long long)(marker ? c->n : k)), (char *)buf};
        int lens[3] = {0, 0, (int)len}, fmts[3] = {0, 0, 1};
        PGresult *res = PQexecParams(s->conn,
                                     "INSERT INTO account_columns(part, accounts, data)"
                                     " VALUES ($1, $2, $3)",
                                     3, NULL, p, lens, fmts, 0);
        rc = regio__pg_check(s, res, PGRES_COMMAND_OK, "packing the accounts' columns", err);
        PQclear(res);
        if (marker)
            break;
        at += k;
    }
    regio_free(buf);
    return rc;
}

static regio_err pg_account_columns_save(regio_store *base, const regio__perf_account_cols *c,
                                         uint64_t generation, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    if (PQtransactionStatus(s->conn) != PQTRANS_IDLE) {
        /* inside the caller's transaction: the rows it read are those of
         * this transaction */
        regio_err rc = regio__pg_exec(s, "DELETE FROM account_columns", err);
        return rc ? rc : write_parts(s, c, err);
    }
    /* A read's bookkeeping: it never waits for another writer (NOWAIT),
     * writes only if nothing was committed since the rows were read, and
     * does not fail the read. A change another session commits while this
     * one writes is told after the commit: the columns are then emptied. */
    regio_error mine;
    regio_error_clear(&mine);
    uint64_t now = 0;
    if (regio_store_generation(base, &now, &mine) || now != generation)
        return REGIO_OK;
    int dirty = s->dirty;
    regio_err rc = regio__pg_exec(s, "BEGIN", &mine);
    if (!rc)
        rc = regio__pg_exec(s, "LOCK TABLE account_columns IN EXCLUSIVE MODE NOWAIT", &mine);
    if (!rc)
        rc = regio__pg_exec(s, "DELETE FROM account_columns", &mine);
    if (!rc)
        rc = write_parts(s, c, &mine);
    if (!rc)
        rc = regio__pg_exec(s, "COMMIT", &mine);
    if (rc && PQtransactionStatus(s->conn) != PQTRANS_IDLE)
        PQclear(PQexec(s->conn, "ROLLBACK"));
    s->dirty = dirty; /* derived data: caches of what the store holds stay valid */
    if (!rc && (regio_store_generation(base, &now, &mine) || now != generation)) {
        s->quiet = 1;
        regio__pg_exec(s, "DELETE FROM account_columns", &mine);
        s->quiet = 0;
    }
    (void)err;
    return REGIO_OK;
}

/* ---- sales lines ------------------------------------------------------------------------- */

/* The sales lines of one transaction. */
typedef struct regio__pg_sales {
    int started;        /* sales_blocks emptied, stage table there */
    long puts;          /* lines written */
    long staged;        /* lines in the stage table */
    long rounds;        /* the most times one line is staged */
    regio_strmap *seen; /* ext id -> index into times */
    long *times;        /* how many times each line is staged */
    size_t n, cap;
} regio__pg_sales;

void regio__pg_sales_forget(regio__pg_store *s)
{
    if (!s->sales)
        return;
    regio_strmap_destroy(s->sales->seen);
    regio_free(s->sales->times);
    regio_free(s->sales);
    s->sales = NULL;
}

/* The order of a sales line's columns in the upserts and the stage. */
#define SALE_COLS "ext_id, account_id, day, status, amount, probability, product, rep"
/* A line given again by its id: its values replaced, nothing written when
 * they are the same. */
#define SALE_UPSERT_TAIL                                                                        \
    " ON CONFLICT (ext_id) DO UPDATE SET account_id = excluded.account_id,"                     \
    " day = excluded.day, status = excluded.status, amount = excluded.amount,"                  \
    " probability = excluded.probability, product = excluded.product, rep = excluded.rep"       \
    " WHERE (t.account_id, t.day, t.status, t.amount, t.probability, t.product, t.rep)"         \
    " IS DISTINCT FROM (excluded.account_id, excluded.day, excluded.status, excluded.amount,"   \
    " excluded.probability, excluded.product, excluded.rep)"

static regio_err sales_oom(regio_error *err)
{
    return regio__store_fail(err, REGIO_ENOMEM, "out of memory writing sales lines");
}

static regio_err sales_start(regio__pg_store *s, regio_error *err)
{
    if (s->sales && s->sales->started)
        return REGIO_OK;
    if (!s->user_txn)
        return regio__store_fail(err, REGIO_EINVAL,
                                 "sales lines are written inside a transaction");
    if (!s->sales && !(s->sales = regio_calloc(1, sizeof *s->sales)))
        return sales_oom(err);
    regio_err rc = regio__pg_exec(s,
                                  "CREATE TEMPORARY TABLE IF NOT EXISTS regio_sales_stage"
                                  " (seq bigserial, round bigint, ext_id text, account_id bigint,"
                                  " day bigint, status bigint, amount double precision,"
                                  " probability double precision, product text, rep text);"
                                  "TRUNCATE regio_sales_stage;"
                                  "DELETE FROM sales_blocks",
                                  err);
    if (!rc)
        s->sales->started = 1;
    return rc;
}

regio_err regio__pg_sales_copy_end(regio__pg_store *s, regio_error *err)
{
    s->copying = 0;
    if (PQputCopyEnd(s->conn, NULL) != 1)
        return regio__store_fail(err, REGIO_EIO,
                                 "writing sales lines: the connection to %s failed", s->where);
    PGresult *res = PQgetResult(s->conn);
    regio_err rc = regio__pg_check(s, res, PGRES_COMMAND_OK, "writing sales lines", err);
    PQclear(res);
    while ((res = PQgetResult(s->conn)))
        PQclear(res);
    if (!rc)
        s->dirty = 1;
    return rc;
}

/* The round of a line staged now: how many times it is staged, this time
 * included. */
static regio_err next_round(regio__pg_sales *t, const char *id, long *round, regio_error *err)
{
    if (!t->seen && !(t->seen = regio_strmap_create(4096)))
        return sales_oom(err);
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 4096;
        long *v = regio_realloc(t->times, cap * sizeof *v);
        if (!v)
            return sales_oom(err);
        t->times = v;
        t->cap = cap;
    }
    int found = 0;
    long at = 0;
    if (regio_strmap_put(t->seen, id, (long)t->n, &found, &at))
        return sales_oom(err);
    if (!found)
        t->times[at = (long)t->n++] = 0;
    *round = ++t->times[at];
    if (*round > t->rounds)
        t->rounds = *round;
    return REGIO_OK;
}

/* Stages one line through COPY. */
static regio_err stage(regio__pg_store *s, const regio__perf_sale *row, const char *id,
                       const char *product, const char *rep, regio_error *err)
{
    regio_err rc = REGIO_OK;
    long round = 0;
    if ((rc = next_round(s->sales, id ? id : "", &round, err)))
        return rc;
    if (s->copying == REGIO_PG_COPY_ACCOUNTS && (rc = regio__pg_flush(s, err)))
        return rc;
    if (!s->copying) {
        PGresult *res = PQexec(s->conn,
                               "COPY regio_sales_stage (round, " SALE_COLS ") FROM STDIN");
        rc = regio__pg_check(s, res, PGRES_COPY_IN, "writing sales lines", err);
        PQclear(res);
        if (rc)
            return rc;
        s->copying = REGIO_PG_COPY_SALES;
    }
    char b[6][32];
    const char *f[9] = {regio__pg_int(b[0], round), id, regio__pg_int(b[1], row->account),
                        day_text(b[2], row->day), regio__pg_int(b[3], row->status),
                        regio__pg_num(b[4], row->amount), regio__pg_num(b[5], row->probability),
                        product, rep};
    regio_buf_reset(&s->line);
    for (int i = 0; i < 9 && !rc; i++)
        rc = regio__pg_copy_field(&s->line, f[i], f[i] ? strlen(f[i]) : 0, i == 8);
    if (rc)
        return sales_oom(err);
    if (PQputCopyData(s->conn, s->line.data, (int)s->line.len) != 1)
        return regio__store_fail(err, REGIO_EIO,
                                 "writing sales line '%s': the connection to %s failed",
                                 id ? id : "", s->where);
    s->sales->staged++;
    return REGIO_OK;
}

static regio_err pg_sale_put(regio_store *base, const regio__perf_sale *row, const char *id,
                             const char *product, const char *rep, int *changed,
                             regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    *changed = 0;
    regio_err rc = sales_start(s, err);
    if (rc)
        return rc;
    /* A large import's lines after the first REGIO_PG_BULK_AFTER go through
     * COPY and are written together (regio__pg_sales_settle), which counts
     * them. */
    if (s->sales->puts >= REGIO_PG_BULK_AFTER) {
        rc = stage(s, row, id, product, rep, err);
        if (!rc)
            s->sales->puts++;
        return rc;
    }
    char b[5][32], what[160];
    const char *p[8] = {id, regio__pg_int(b[0], row->account), day_text(b[1], row->day),
                        regio__pg_int(b[2], row->status), regio__pg_num(b[3], row->amount),
                        regio__pg_num(b[4], row->probability), product, rep};
    long n = 0;
    snprintf(what, sizeof what, "writing a sales line '%s'", id ? id : "");
    rc = regio__pg_write(s,
                         "INSERT INTO sales_transactions AS t (" SALE_COLS ")"
                         " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)" SALE_UPSERT_TAIL,
                         8, p, what, &n, err);
    if (!rc) {
        s->sales->puts++;
        *changed = n > 0;
    }
    return rc;
}

regio_err regio__pg_sales_settle(regio__pg_store *s, long long *changed, regio_error *err)
{
    *changed = 0;
    regio__pg_sales *t = s->sales;
    /* a failed transaction writes nothing: its commit says so */
    PGTransactionStatusType ts = PQtransactionStatus(s->conn);
    if (!t || !t->staged || ts == PQTRANS_IDLE || ts == PQTRANS_INERROR)
        return REGIO_OK;
    regio_err rc = regio__pg_flush(s, err);
    /* round by round, each in the order staged */
    for (long r = 1; !rc && r <= t->rounds; r++) {
        char b[32];
        const char *p[1] = {regio__pg_int(b, r)};
        long n = 0;
        rc = regio__pg_write(s,
                             "INSERT INTO sales_transactions AS t (" SALE_COLS ")"
                             " SELECT " SALE_COLS " FROM regio_sales_stage WHERE round = $1"
                             " ORDER BY seq" SALE_UPSERT_TAIL,
                             1, p, "writing sales lines", &n, err);
        *changed += n;
    }
    if (!rc)
        rc = regio__pg_exec(s, "TRUNCATE regio_sales_stage", err);
    if (!rc) {
        t->staged = 0;
        t->rounds = 0;
        t->n = 0;
        regio_strmap_destroy(t->seen);
        t->seen = NULL;
    }
    return rc;
}

static regio_err pg_sales_settle(regio_store *base, long long *changed, regio_error *err)
{
    return regio__pg_sales_settle(REGIO_PG(base), changed, err);
}

static regio_err pg_sales_count(regio_store *base, long long *n, regio_error *err)
{
    PGresult *res = NULL;
    regio_err rc = regio__pg_query(REGIO_PG(base), "SELECT count(*) FROM sales_transactions", 0,
                                   NULL, PGRES_TUPLES_OK, "reading the store", &res, err);
    *n = rc ? 0 : regio__pg_col_int(res, 0, 0);
    PQclear(res);
    return rc;
}

#define SALES_BATCH 1024

/* A period's lines, by day from the table; each calendar month's are
 * sorted here, as SQLite's blocks hold them (store/sales_codec.h). */
typedef struct sales_ctx {
    regio__perf_sales_cb cb;
    void *ud;
    int32_t month;
    regio__perf_sale *v; /* the month's lines so far */
    size_t n, cap;
} sales_ctx;

static int cmp_sale(const void *pa, const void *pb)
{
    const regio__perf_sale *a = pa, *b = pb;
    return sales_line_cmp(a->account, a->day, a->status, a->amount, a->probability, b->account,
                          b->day, b->status, b->amount, b->probability);
}

/* Sorts the month's lines and hands them on in batches. */
static regio_err month_done(sales_ctx *c, regio_error *err)
{
    if (c->n > 1)
        qsort(c->v, c->n, sizeof *c->v, cmp_sale);
    int stop = 0;
    for (size_t at = 0; !stop && at < c->n; at += SALES_BATCH)
        stop = c->cb(c->ud, c->v + at, c->n - at < SALES_BATCH ? c->n - at : SALES_BATCH);
    c->n = 0;
    return stop_if(stop, err);
}

static regio_err sale_row(void *ctx, const PGresult *res, int i, regio_error *err)
{
    sales_ctx *c = ctx;
    regio__perf_sale x = {regio__pg_col_int(res, i, 0), (regio_day)regio__pg_col_int(res, i, 1),
                          (int)regio__pg_col_int(res, i, 2), regio__pg_col_num(res, i, 3),
                          regio__pg_col_num(res, i, 4)};
    int32_t month = sales_month_of(x.day);
    regio_err rc = REGIO_OK;
    if (c->n && month != c->month && (rc = month_done(c, err)))
        return rc;
    c->month = month;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 4096;
        regio__perf_sale *v = regio_realloc(c->v, cap * sizeof *v);
        if (!v)
            return regio__store_fail(err, REGIO_ENOMEM, "out of memory reading sales lines");
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = x;
    return REGIO_OK;
}

static regio_err pg_sales_scan(regio_store *base, regio_day from, regio_day to,
                               regio__perf_sales_cb cb, void *ud, regio_error *err)
{
    sales_ctx c = {cb, ud, 0, NULL, 0, 0};
    char a[32], b[32];
    const char *p[2] = {day_text(a, from), day_text(b, to)};
    regio_err rc = regio__pg_each_row(REGIO_PG(base),
                                      "SELECT account_id, day, status, amount, probability"
                                      " FROM sales_transactions WHERE day >= $1 AND day < $2"
                                      " ORDER BY day",
                                      2, p, sale_row, &c, err);
    if (!rc && c.n)
        rc = month_done(&c, err);
    regio_free(c.v);
    return rc;
}

/* ---- quotas ------------------------------------------------------------------------------ */

/* Their refusals read as SQLite's ("reading the store: ..."). */
static regio_err pg_quota_put(regio_store *base, const regio__perf_quota *q, regio_error *err)
{
    char a[32], b[32], m[32];
    const char *p[5] = {q->territory, q->period, day_text(a, q->start), day_text(b, q->end),
                        regio__pg_num(m, q->amount)};
    return regio__pg_write(REGIO_PG(base),
                           "INSERT INTO quotas(territory, period, start_day, end_day, amount)"
                           " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (territory, period)"
                           " DO UPDATE SET amount = excluded.amount,"
                           " start_day = excluded.start_day, end_day = excluded.end_day",
                           5, p, "reading the store", NULL, err);
}

static regio_err pg_quota_delete(regio_store *base, const char *territory, const char *period,
                                 regio_error *err)
{
    const char *p[2] = {territory, period};
    return regio__pg_write(REGIO_PG(base),
                           "DELETE FROM quotas WHERE territory = $1 AND period = $2", 2, p,
                           "reading the store", NULL, err);
}

static regio_err quota_row(void *ctx, const PGresult *res, int i, regio_error *err)
{
    scan_ctx *c = ctx;
    regio__perf_quota q = {regio__pg_col_text(res, i, 0), regio__pg_col_text(res, i, 1),
                           (regio_day)regio__pg_col_int(res, i, 2),
                           (regio_day)regio__pg_col_int(res, i, 3), regio__pg_col_num(res, i, 4)};
    return stop_if(((regio__perf_quota_cb)c->cb)(c->ud, &q), err);
}

static regio_err pg_quotas_foreach(regio_store *base, regio__perf_quota_cb cb, void *ud,
                                   regio_error *err)
{
    scan_ctx c = {(void *)cb, ud};
    return regio__pg_each_row(REGIO_PG(base),
                              "SELECT territory, period, start_day, end_day, amount FROM quotas"
                              " ORDER BY territory COLLATE \"C\", start_day",
                              0, NULL, quota_row, &c, err);
}

/* ---- activities ------------------------------------------------------------------------ */

#define ACTIVITY_INSERT                                                                        \
    "INSERT INTO activities AS t (ext_id, account_id, user_id, rep_id, kind, occurred_at, day," \
    " duration_s, outcome, notes, lat, lon) VALUES ($1, $2, nullif($3::bigint, 0),"             \
    " nullif($4::bigint, 0), $5, $6, $7, round($8::float8), $9, $10, $11, $12)"

static regio_err pg_activity_put(regio_store *base, const regio__perf_activity *a, int replace,
                                 int *added, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    *added = 0;
    char b[8][32], what[160];
    const char *p[12] = {a->id,
                         regio__pg_int(b[0], a->account),
                         regio__pg_int(b[1], a->user),
                         regio__pg_int(b[2], a->rep),
                         a->kind,
                         a->occurred_at,
                         day_text(b[3], a->day),
                         regio__pg_num(b[4], isnan(a->duration_min) ? NAN : a->duration_min * 60.0),
                         a->outcome,
                         a->notes,
                         regio__pg_num(b[5], a->lat),
                         regio__pg_num(b[6], a->lon)};
    snprintf(what, sizeof what, "writing an activity '%s'", a->id ? a->id : "");
    PGresult *res = NULL;
    /* RETURNING says whether the row was inserted (xmax 0) or updated;
     * nothing when it was left as it was. */
    regio_err rc = regio__pg_query(
        s,
        replace ? ACTIVITY_INSERT
            " ON CONFLICT (ext_id) DO UPDATE"
            " SET account_id = excluded.account_id, user_id = excluded.user_id,"
            " rep_id = excluded.rep_id, kind = excluded.kind, occurred_at = excluded.occurred_at,"
            " day = excluded.day, duration_s = excluded.duration_s, outcome = excluded.outcome,"
            " notes = excluded.notes, lat = excluded.lat, lon = excluded.lon"
            " WHERE (t.account_id, t.user_id, t.rep_id, t.kind, t.occurred_at, t.day,"
            " t.duration_s, t.outcome, t.notes, t.lat, t.lon) IS DISTINCT FROM"
            " (excluded.account_id, excluded.user_id, excluded.rep_id, excluded.kind,"
            " excluded.occurred_at, excluded.day, excluded.duration_s, excluded.outcome,"
            " excluded.notes, excluded.lat, excluded.lon) RETURNING t.xmax = 0"
                : ACTIVITY_INSERT " ON CONFLICT (ext_id) DO NOTHING RETURNING true",
        12, p, PGRES_TUPLES_OK, what, &res, err);
    if (!rc && PQntuples(res) > 0)
        *added = !strcmp(PQgetvalue(res, 0, 0), "t") ? 1 : 2;
    PQclear(res);
    return rc;
}

static regio_err visit_row(void *ctx, const PGresult *res, int i, regio_error *err)
{
    scan_ctx *c = ctx;
    return stop_if(((regio__perf_visit_cb)c->cb)(c->ud, regio__pg_col_int(res, i, 0),
                                                  (regio_day)regio__pg_col_int(res, i, 1)),
                   err);
}

static regio_err pg_visits_scan(regio_store *base, regio_day from, regio_day to,
                                regio__perf_visit_cb cb, void *ud, regio_error *err)
{
    char a[32], b[32];
    const char *p[2] = {day_text(a, from), day_text(b, to)};
    scan_ctx c = {(void *)cb, ud};
    return regio__pg_each_row(REGIO_PG(base),
                              "SELECT account_id, day FROM activities"
                              " WHERE kind = 'visit' AND day >= $1 AND day < $2",
                              2, p, visit_row, &c, err);
}

static regio_err activity_row(void *ctx, const PGresult *res, int i, regio_error *err)
{
    scan_ctx *c = ctx;
    regio__perf_activity a;
    memset(&a, 0, sizeof a);
    a.id = regio__pg_col_text(res, i, 0);
    a.kind = regio__pg_col_text(res, i, 1);
    a.occurred_at = regio__pg_col_text(res, i, 2);
    a.day = (regio_day)regio__pg_col_int(res, i, 3);
    a.duration_min = regio__pg_col_num(res, i, 4);
    a.outcome = regio__pg_col_text(res, i, 5);
    a.notes = regio__pg_col_text(res, i, 6);
    a.lat = regio__pg_col_num(res, i, 7);
    a.lon = regio__pg_col_num(res, i, 8);
    a.account_id = regio__pg_col_text(res, i, 9);
    a.user_name = regio__pg_col_text(res, i, 10);
    return stop_if(((regio__perf_activity_cb)c->cb)(c->ud, &a), err);
}

static regio_err pg_activities_foreach(regio_store *base, regio_day from, regio_day to,
                                       const char *user, regio__perf_activity_cb cb, void *ud,
                                       regio_error *err)
{
    char a[32], b[32];
    const char *p[3] = {day_text(a, from), day_text(b, to), user};
    scan_ctx c = {(void *)cb, ud};
    return regio__pg_each_row(
        REGIO_PG(base),
        "SELECT x.ext_id, x.kind, x.occurred_at, x.day, x.duration_s::float8 / 60.0::float8,"
        " x.outcome, x.notes, x.lat, x.lon, a.ext_id, coalesce(u.login, r.ext_id)"
        " FROM activities x JOIN accounts a ON a.id = x.account_id"
        " LEFT JOIN users u ON u.id = x.user_id LEFT JOIN reps r ON r.id = x.rep_id"
        " WHERE x.kind IN ('visit', 'call', 'email', 'meeting') AND x.day >= $1 AND x.day < $2"
        " AND ($3::text IS NULL OR u.login = $3 OR r.ext_id = $3)"
        " ORDER BY x.day, x.occurred_at COLLATE \"C\", x.ext_id COLLATE \"C\"",
        3, p, activity_row, &c, err);
}

static regio_err person_row(void *ctx, const PGresult *res, int i, regio_error *err)
{
    scan_ctx *c = ctx;
    return stop_if(((regio__perf_person_cb)c->cb)(c->ud, (int)regio__pg_col_int(res, i, 0),
                                                   regio__pg_col_int(res, i, 1),
                                                   regio__pg_col_text(res, i, 2)),
                   err);
}

static regio_err pg_people(regio_store *base, regio__perf_person_cb cb, void *ud,
                           regio_error *err)
{
    scan_ctx c = {(void *)cb, ud};
    return regio__pg_each_row(REGIO_PG(base),
                              "SELECT 0, id, login FROM users UNION ALL"
                              " SELECT 1, id, ext_id FROM reps",
                              0, NULL, person_row, &c, err);
}

static regio_err pg_keys_of(regio_store *base, const char *account, const char *person,
                            long long *account_key, long long *user_key, long long *rep_key,
                            regio_error *err)
{
    *account_key = *user_key = *rep_key = 0;
    const char *p[2] = {account, person};
    PGresult *res = NULL;
    regio_err rc = regio__pg_query(REGIO_PG(base),
                                   "SELECT (SELECT id FROM accounts WHERE ext_id = $1),"
                                   " (SELECT id FROM users WHERE login = $2),"
                                   " (SELECT id FROM reps WHERE ext_id = $2)",
                                   2, p, PGRES_TUPLES_OK, "reading the store", &res, err);
    if (!rc && PQntuples(res) > 0) {
        *account_key = regio__pg_col_int(res, 0, 0);
        *user_key = regio__pg_col_int(res, 0, 1);
        *rep_key = *user_key ? 0 : regio__pg_col_int(res, 0, 2);
    }
    PQclear(res);
    return rc;
}

/* ---- the check-in page's reads (sqlite_checkin.c) ------------------------------------- */

static regio_err pg_user_reps(regio_store *base, const char *login, regio__checkin_rep_cb cb,
                              void *ud, regio_error *err)
{
    const char *p[1] = {login};
    scan_ctx c = {(void *)cb, ud};
    return regio__pg_each_row(REGIO_PG(base),
                              "SELECT r.ext_id FROM reps r JOIN users u ON u.id = r.user_id"
                              " WHERE u.login = $1 ORDER BY r.ext_id COLLATE \"C\"",
                              1, p, text_row, &c, err);
}

static regio_err plan_row(void *ctx, const PGresult *res, int i, regio_error *err)
{
    scan_ctx *c = ctx;
    return stop_if(((regio__checkin_plan_cb)c->cb)(c->ud, (long)regio__pg_col_int(res, i, 0),
                                                    regio__pg_col_text(res, i, 1),
                                                    (int)regio__pg_col_int(res, i, 2)),
                   err);
}

static regio_err pg_rep_plans(regio_store *base, const char *rep, regio__checkin_plan_cb cb,
                              void *ud, regio_error *err)
{
    const char *p[1] = {rep};
    scan_ctx c = {(void *)cb, ud};
    return regio__pg_each_row(
        REGIO_PG(base),
        "SELECT p.id, p.cycle_start, p.cycle_days FROM visit_plans p"
        " WHERE p.cycle_start IS NOT NULL AND p.id IN (SELECT v.plan_id FROM plan_visits v"
        "  WHERE v.rep_id = (SELECT id FROM reps WHERE ext_id = $1))"
        " ORDER BY p.id DESC",
        1, p, plan_row, &c, err);
}

static regio_err pg_plan_day(regio_store *base, long plan_id, const char *rep, int day,
                             regio_plan_visit_cb cb, void *ud, regio_error *err)
{
    char a[32], b[32];
    const char *p[3] = {regio__pg_int(a, plan_id), rep, regio__pg_int(b, day)};
    return regio__pg_plan_visits(
        REGIO_PG(base),
        "SELECT $2::text, a.ext_id, v.day, v.seq, v.arrival_s, v.departure_s, v.travel_s"
        " FROM plan_visits v JOIN accounts a ON a.id = v.account_id"
        " WHERE v.plan_id = $1 AND v.rep_id = (SELECT id FROM reps WHERE ext_id = $2)"
        " AND v.day = $3 ORDER BY v.seq",
        3, p, cb, ud, err);
}

static regio_err found_row(void *ctx, const PGresult *res, int i, regio_error *err)
{
    scan_ctx *c = ctx;
    /* What a retry needs to know: whose it is and where; the rest stays unread. */
    regio__perf_activity a;
    memset(&a, 0, sizeof a);
    a.id = regio__pg_col_text(res, i, 0);
    a.kind = regio__pg_col_text(res, i, 1);
    a.occurred_at = regio__pg_col_text(res, i, 2);
    a.day = (regio_day)regio__pg_col_int(res, i, 3);
    a.duration_min = a.lat = a.lon = NAN;
    a.account_id = regio__pg_col_text(res, i, 4);
    a.user_name = regio__pg_col_text(res, i, 5);
    return stop_if(((regio__perf_activity_cb)c->cb)(c->ud, &a), err);
}

static regio_err pg_activity_find(regio_store *base, const char *id, regio__perf_activity_cb cb,
                                  void *ud, regio_error *err)
{
    const char *p[1] = {id};
    scan_ctx c = {(void *)cb, ud};
    return regio__pg_each_row(
        REGIO_PG(base),
        "SELECT x.ext_id, x.kind, x.occurred_at, x.day, a.ext_id, coalesce(u.login, r.ext_id)"
        " FROM activities x JOIN accounts a ON a.id = x.account_id"
        " LEFT JOIN users u ON u.id = x.user_id LEFT JOIN reps r ON r.id = x.rep_id"
        " WHERE x.ext_id = $1",
        1, p, found_row, &c, err);
}

const regio__perf_ops regio__pg_perf_ops = {
    .keys_of = pg_keys_of,
    .people = pg_people,
    .account_keys = pg_account_keys,
    .account_units = pg_account_units,
    .account_columns_load = pg_account_columns_load,
    .account_columns_save = pg_account_columns_save,
    .model_units = pg_model_units,
    .model_hand_moves = pg_model_hand_moves,
    .territory_codes = pg_territory_codes,
    .sales_count = pg_sales_count,
    .sales_settle = pg_sales_settle,
    .sale_put = pg_sale_put,
    .sales_scan = pg_sales_scan,
    .quota_put = pg_quota_put,
    .quota_delete = pg_quota_delete,
    .quotas_foreach = pg_quotas_foreach,
    .activity_put = pg_activity_put,
    .visits_scan = pg_visits_scan,
    .activities_foreach = pg_activities_foreach,
    .user_reps = pg_user_reps,
    .rep_plans = pg_rep_plans,
    .plan_day = pg_plan_day,
    .activity_find = pg_activity_find,
};
