/*
 * Private to the store backends (sqlite_account_columns.c, pg_perf.c): the
 * packed form of the accounts' columns the figures read (schema migration
 * 7; the format is described in sqlite_account_columns.c). A backend reads
 * its rows (part, accounts, data) in part order and hands them to
 * acols_take, and writes what acols_pack makes.
 */
#ifndef REGIO_STORE_ACCOUNT_COLUMNS_CODEC_H
#define REGIO_STORE_ACCOUNT_COLUMNS_CODEC_H

#include "perf/perf_store.h"
#include "store/store_impl.h"

#include <stdint.h>
#include <string.h>

#define ACOLS_PART_ACCOUNTS 65536
#define ACOLS_MARKER_PART (-1)
#define ACOLS_FORMAT 1
#define ACOLS_ACCOUNT_BYTES 32

/* n 64-bit little-endian words at p into dst (long long or double). */
static inline void acols_get_words(void *dst, const unsigned char *p, size_t n)
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

static inline void acols_put_words(unsigned char *p, const void *src, size_t n)
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

/* The marker row: *total accounts; 1 when that is a number of accounts
 * the parts can hold. With c (not NULL) the columns are allocated for
 * them (-1: out of memory). */
static inline int acols_marker(long long n, size_t *total, regio__perf_account_cols *c)
{
    if (n < 0 || (unsigned long long)n > SIZE_MAX / ACOLS_ACCOUNT_BYTES)
        return 0;
    *total = (size_t)n;
    if (!c)
        return 1;
    size_t k = *total ? *total : 1;
    if (!(c->key = regio_malloc(k * sizeof *c->key)) ||
        !(c->unit = regio_malloc(k * sizeof *c->unit)) ||
        !(c->potential = regio_malloc(k * sizeof *c->potential)) ||
        !(c->freq = regio_malloc(k * sizeof *c->freq)))
        return -1;
    return 1;
}

/* Appends part `part` of n accounts (data, bytes) to c; 0 when it is not
 * as written (the caller reads the rows instead). */
static inline int acols_part(regio__perf_account_cols *c, size_t total, long long part,
                             long long n, const unsigned char *d, size_t bytes)
{
    if (part != (long long)(c->n / ACOLS_PART_ACCOUNTS) || n < 1 || n > ACOLS_PART_ACCOUNTS ||
        (size_t)n > total - c->n || bytes != 1 + (size_t)n * ACOLS_ACCOUNT_BYTES || !d ||
        d[0] != ACOLS_FORMAT)
        return 0;
    size_t k = (size_t)n;
    d++;
    acols_get_words(c->key + c->n, d, k);
    acols_get_words(c->unit + c->n, d + 8 * k, k);
    acols_get_words(c->potential + c->n, d + 16 * k, k);
    acols_get_words(c->freq + c->n, d + 24 * k, k);
    c->n += k;
    return 1;
}

/* Reading the rows back, in part order. */
typedef struct acols_reader {
    regio__perf_account_cols c;
    size_t total;
    int ok;   /* the marker was read and every part so far is well formed */
    int want; /* the columns are wanted, not only whether they are there */
} acols_reader;

/* Takes the next row: 1 read on, 0 stop (all that is needed is read, or a
 * row is not as written: the caller reads the accounts instead), -1 out of
 * memory. */
static inline int acols_take(acols_reader *r, long long part, long long n,
                             const unsigned char *d, size_t bytes)
{
    if (part == ACOLS_MARKER_PART) {
        int m = acols_marker(n, &r->total, r->want ? &r->c : NULL);
        r->ok = m == 1;
        return m < 0 ? -1 : r->ok && r->want;
    }
    return r->ok && (r->ok = acols_part(&r->c, r->total, part, n, d, bytes));
}

/* After the rows: 1 (and the columns into *out when wanted) when they are
 * all there; else 0, and what was read is freed. */
static inline int acols_done(acols_reader *r, regio__perf_account_cols *out)
{
    if (r->ok && (!r->want || r->c.n == r->total)) {
        if (out)
            *out = r->c;
        return 1;
    }
    regio__perf_account_cols_free(&r->c);
    return 0;
}

/* The bytes a part of c needs at most. */
static inline size_t acols_buf_size(const regio__perf_account_cols *c)
{
    return 1 + (c->n < ACOLS_PART_ACCOUNTS ? c->n : ACOLS_PART_ACCOUNTS) * ACOLS_ACCOUNT_BYTES;
}

/* Packs the accounts of c from `at` on that one part holds into buf; *k
 * gets their number; returns the part's size in bytes. */
static inline size_t acols_pack(unsigned char *buf, const regio__perf_account_cols *c, size_t at,
                                size_t *k)
{
    size_t n = c->n - at < ACOLS_PART_ACCOUNTS ? c->n - at : ACOLS_PART_ACCOUNTS;
    buf[0] = ACOLS_FORMAT;
    acols_put_words(buf + 1, c->key + at, n);
    acols_put_words(buf + 1 + 8 * n, c->unit + at, n);
    acols_put_words(buf + 1 + 16 * n, c->potential + at, n);
    acols_put_words(buf + 1 + 24 * n, c->freq + at, n);
    *k = n;
    return 1 + n * ACOLS_ACCOUNT_BYTES;
}

#endif
