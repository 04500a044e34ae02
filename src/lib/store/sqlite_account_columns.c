/*
 * The accounts' columns a period's figures read, kept packed (schema
 * migration 7).
 *
 * Every computation of the figures needs each account's key, unit,
 * potential and visit frequency. Read row by row from a million accounts
 * (the frequency out of each row's JSON, the unit through the units' codes)
 * that took half a second, more than the sales lines of a year. So the
 * store keeps them packed in account_columns: parts of at most
 * PART_ACCOUNTS accounts, column by column, and the row part = -1 whose
 * `accounts` is the number of accounts the parts hold. Triggers of the
 * migration delete every row whenever an account is added or removed, or
 * its potential, attributes or unit change, or a unit is added, removed or
 * renamed; whatever writes the store, the packed columns are either all
 * there and current, or absent. The figures build them again when absent
 * (regio__sq_account_columns_save) in a transaction of their own that
 * starts only if nothing was committed since they read the rows.
 *
 * A part's data is a format byte (1) and its accounts' columns one after
 * the other, little-endian: keys (int64), unit keys (int64, 0 none),
 * potentials (float64) and frequencies (float64, NaN none): 32 bytes an
 * account.
 */
#include "core/error.h"
#include "store/perf_impl.h"
#include "store/sqlite_impl.h"

#include <stdint.h>
#include <string.h>

#define PART_ACCOUNTS 65536
#define MARKER_PART (-1)
#define FORMAT 1
#define ACCOUNT_BYTES 32

static regio_err oom(regio_error *err)
{
    return regio__store_fail(err, REGIO_ENOMEM, "out of memory");
}

/* n 64-bit little-endian words at p into dst (long long or double). */
static void get_words(void *dst, const unsigned char *p, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(dst, p, n * 8);
#else
    unsigned char *d = dst;
    for (size_t i = 0; i < n; i++) {
        uint64_t v = 0;
        for (int b = 7; b >= 0; b--)
            v = v << 8 | p[8 * i + (size_t)b];
        memcpy(d + 8 * i, &v, 8);
    }
#endif
}

static void put_words(unsigned char *p, const void *src, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, src, n * 8);
#else
    const unsigned char *s = src;
    for (size_t i = 0; i < n; i++) {
        uint64_t v;
        memcpy(&v, s + 8 * i, 8);
        for (int b = 0; b < 8; b++, v >>= 8)
            p[8 * i + (size_t)b] = (unsigned char)v;
    }
#endif
}

void regio__perf_account_cols_free(regio__perf_account_cols *c)
{
    regio_free(c->key);
    regio_free(c->unit);
    regio_free(c->potential);
    regio_free(c->freq);
    memset(c, 0, sizeof *c);
}

regio_err regio__sq_account_columns_load(regio_store *base, regio__perf_account_cols *out,
                                         int *found, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    *found = 0;
    if (out)
        memset(out, 0, sizeof *out);
    regio_err rc = regio__sq_prep(
        s, &st, err, "SELECT part, accounts, data FROM account_columns ORDER BY part", "");
    if (rc)
        return rc;
    regio__perf_account_cols c = {0};
    size_t total = 0;
    int r, ok = 0; /* ok: the marker was read and every part so far is well formed */
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_int64 part = sqlite3_column_int64(st, 0), n = sqlite3_column_int64(st, 1);
        if (part == MARKER_PART) {
            ok = n >= 0 && (sqlite3_uint64)n <= SIZE_MAX / ACCOUNT_BYTES;
            total = ok ? (size_t)n : 0;
            if (!ok || !out)
                break;
            if (!(c.key = regio_malloc((total ? total : 1) * sizeof *c.key)) ||
                !(c.unit = regio_malloc((total ? total : 1) * sizeof *c.unit)) ||
                !(c.potential = regio_malloc((total ? total : 1) * sizeof *c.potential)) ||
                !(c.freq = regio_malloc((total ? total : 1) * sizeof *c.freq))) {
                rc = oom(err);
                break;
            }
            continue;
        }
        const unsigned char *d = sqlite3_column_blob(st, 2);
        size_t bytes = (size_t)sqlite3_column_bytes(st, 2);
        if (!ok || part != (sqlite3_int64)(c.n / PART_ACCOUNTS) || n < 1 || n > PART_ACCOUNTS ||
            (size_t)n > total - c.n || bytes != 1 + (size_t)n * ACCOUNT_BYTES || !d ||
            d[0] != FORMAT) {
            ok = 0; /* not as written: read the rows instead */
            break;
        }
        size_t k = (size_t)n;
        d++;
        get_words(c.key + c.n, d, k);
        get_words(c.unit + c.n, d + 8 * k, k);
        get_words(c.potential + c.n, d + 16 * k, k);
        get_words(c.freq + c.n, d + 24 * k, k);
        c.n += k;
    }
    rc = regio__sq_finish(s, st, rc || r == SQLITE_ROW ? SQLITE_DONE : r, rc, err);
    if (!rc && ok && (!out || c.n == total)) {
        *found = 1;
        if (out)
            *out = c;
        return REGIO_OK;
    }
    regio__perf_account_cols_free(&c);
    return rc;
}

/* Writes the parts of c and the marker (the table is empty: a trigger or
 * the caller emptied it). */
static regio_err write_parts(regio__sqlite_store *s, const regio__perf_account_cols *c,
                             regio_error *err)
{
    size_t cap = 1 + (c->n < PART_ACCOUNTS ? c->n : PART_ACCOUNTS) * ACCOUNT_BYTES;
    unsigned char *buf = regio_malloc(cap);
    sqlite3_stmt *st = NULL;
    regio_err rc = buf ? regio__sq_prepare(s,
                                           "INSERT INTO account_columns(part, accounts, data)"
                                           " VALUES (?1, ?2, ?3)",
                                           &st, err)
                       : oom(err);
    for (size_t at = 0, part = 0; !rc && at < c->n; part++) {
        size_t k = c->n - at < PART_ACCOUNTS ? c->n - at : PART_ACCOUNTS;
        buf[0] = FORMAT;
        put_words(buf + 1, c->key + at, k);
        put_words(buf + 1 + 8 * k, c->unit + at, k);
        put_words(buf + 1 + 16 * k, c->potential + at, k);
        put_words(buf + 1 + 24 * k, c->freq + at, k);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)part);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)k);
        sqlite3_bind_blob64(st, 3, buf, (sqlite3_uint64)(1 + k * ACCOUNT_BYTES), SQLITE_STATIC);
        rc = regio__sq_step_done(s, st, "packing the accounts' columns", NULL, err);
        at += k;
    }
    if (!rc) {
        sqlite3_bind_int64(st, 1, MARKER_PART);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)c->n);
        sqlite3_bind_zeroblob(st, 3, 0);
        rc = regio__sq_step_done(s, st, "packing the accounts' columns", NULL, err);
    }
    sqlite3_finalize(st);
    regio_free(buf);
    return rc;
}

regio_err regio__sq_account_columns_save(regio_store *base, const regio__perf_account_cols *c,
                                         uint64_t generation, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    if (!sqlite3_get_autocommit(s->db)) {
        /* inside the caller's write transaction: the rows it read are
         * those of this transaction */
        regio_err rc = regio__sq_exec(s, "DELETE FROM account_columns", err);
        return rc ? rc : write_parts(s, c, err);
    }
    /* A read's bookkeeping: it never waits for another writer, writes only
     * if nothing was committed since the rows were read, and does not fail
     * the read (busy, read-only or full: the next computation reads the
     * rows again). */
    regio_error mine;
    regio_error_clear(&mine);
    long long before = sqlite3_total_changes64(s->db);
    sqlite3_busy_timeout(s->db, 0);
    regio_err rc = regio__sq_exec(s, "BEGIN IMMEDIATE", &mine);
    sqlite3_busy_timeout(s->db, REGIO_SQ_BUSY_MS);
    if (rc)
        return REGIO_OK;
    uint64_t now = 0;
    rc = regio__sq_generation(base, &now, &mine);
    if (!rc && now == generation) {
        rc = regio__sq_exec(s, "DELETE FROM account_columns", &mine);
        if (!rc)
            rc = write_parts(s, c, &mine);
    }
    if (!rc)
        rc = regio__sq_exec(s, "COMMIT", &mine);
    if (rc && !sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    /* derived data: caches of what the store holds stay valid */
    s->quiet_changes += sqlite3_total_changes64(s->db) - before;
    (void)err;
    return REGIO_OK;
}
