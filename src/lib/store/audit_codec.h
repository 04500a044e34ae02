/*
 * Private to the store backends (sqlite_audit.c, pg_audit.c): the audit
 * chain's canonical record and its SHA-256, so that every backend chains
 * and verifies records alike (hash = SHA-256(prev_hash || canonical record)).
 */
#ifndef REGIO_STORE_AUDIT_CODEC_H
#define REGIO_STORE_AUDIT_CODEC_H

#include "regio/buf.h"
#include "store/store_impl.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char ZERO_HASH[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* Canonical record: each field framed as "<len>:<bytes>" or "~" for NULL,
 * in a fixed order, so no two different records share a byte string. */
static inline regio_err audit_canonical(regio_buf *b, const char *prev_hash, long long id,
                                        const char *const fields[7])
{
    regio_buf_reset(b);
    regio_err rc = regio_buf_puts(b, prev_hash);
    if (!rc)
        rc = regio_buf_printf(b, "%lld", (long long)id);
    for (int i = 0; i < 7 && !rc; i++) {
        rc = regio_buf_putc(b, '|');
        if (rc)
            break;
        if (!fields[i]) {
            rc = regio_buf_putc(b, '~');
        } else {
            size_t n = strlen(fields[i]);
            rc = regio_buf_printf(b, "%zu:", n);
            if (!rc)
                rc = regio_buf_append(b, fields[i], n);
        }
    }
    return rc;
}

static inline regio_err sha256_hex(const regio_buf *b, char out[65], regio_error *err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(b->data, b->len, md, &len, EVP_sha256(), NULL) || len != 32)
        return regio__store_fail(err, REGIO_ESTORE, "SHA-256 failed");
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
    return REGIO_OK;
}

/* The record's timestamp: now, UTC, to the millisecond. */
static inline void audit_now(char ts[40])
{
    struct timespec tv;
    clock_gettime(CLOCK_REALTIME, &tv);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char secs[24];
    strftime(secs, sizeof secs, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts, 40, "%s.%03ldZ", secs, (long)(tv.tv_nsec / 1000000));
}

/* Checks one stored record of the chain (fields as audit_canonical takes
 * them, prev_hash and hash as stored) against expect, the hash of the
 * record before it, which becomes this record's hash. On a break fills
 * *bad_id and err (REGIO_EDATA). */
static inline regio_err audit_check_row(regio_buf *b, long long id, const char *const fields[7],
                                        const char *prev, const char *hash, char expect[65],
                                        long *bad_id, regio_error *err)
{
    char calc[65] = "";
    if (!prev || strcmp(prev, expect) != 0) {
        *bad_id = (long)id;
        return regio__store_fail(err, REGIO_EDATA,
                                 "audit log row %lld does not link to the row before it "
                                 "(a row was removed or altered)",
                                 id);
    }
    if (audit_canonical(b, prev, id, fields))
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory verifying the audit log");
    regio_err rc = sha256_hex(b, calc, err);
    if (rc)
        return rc;
    if (!hash || strcmp(hash, calc) != 0) {
        *bad_id = (long)id;
        return regio__store_fail(err, REGIO_EDATA,
                                 "audit log row %lld was altered: its hash does not match", id);
    }
    snprintf(expect, 65, "%s", calc);
    return REGIO_OK;
}

/* Checks the stored head (settings' audit_head, "id:hash") against the
 * last record, last, whose hash is expect. */
static inline regio_err audit_check_head(const char *v, long long last, const char *expect,
                                         long *bad_id, regio_error *err)
{
    long long head_id = 0;
    char head_hash[65] = "";
    if (!v || sscanf(v, "%lld:%64s", &head_id, head_hash) != 2 || head_id != last ||
        strcmp(head_hash, expect) != 0) {
        *bad_id = (long)(last + 1);
        return regio__store_fail(err, REGIO_EDATA,
                                 "audit log ends at record %lld but its last record was %lld: "
                                 "records were removed from its end (or its head was altered)",
                                 last, head_id);
    }
    return REGIO_OK;
}

#endif
