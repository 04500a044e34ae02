/*
 * The accounts' columns a period's figures read, kept packed (schema
 * migration 7).
 *
 * Every computation of the figures needs each account's key, unit,
 * potential and visit frequency. Read row by row from a million accounts
 * (the frequency out of each row's JSON, the unit through the units' codes)
 * that took half a second, more than the sales lines of a year. So the
 * store keeps them packed in account_columns: parts of at most
 * ACOLS_PART_ACCOUNTS accounts, column by column, and the row part = -1 whose
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
#include "store/account_columns_codec.h"
#include "store/perf_impl.h"
#include "store/sqlite_impl.h"

#include <stdint.h>
#include <string.h>

static regio_err oom(regio_error *err)
{
    return regio__store_fail(err, REGIO_ENOMEM, "out of memory");
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
    acols_reader rd = {.want = out != NULL};
    int r = SQLITE_DONE, more = 1;
    while (more > 0 && (r = sqlite3_step(st)) == SQLITE_ROW)
        more = acols_take(&rd, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                          sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2));
    if (more < 0)
        rc = oom(err);
    rc = regio__sq_finish(s, st, rc || r == SQLITE_ROW ? SQLITE_DONE : r, rc, err);
    if (rc)
        rd.ok = 0;
    *found = acols_done(&rd, out);
    return rc;
}

/* Writes the parts of c and the marker (the table is empty: a trigger or
 * the caller emptied it). */
static regio_err write_parts(regio__sqlite_store *s, const regio__perf_account_cols *c,
                             regio_error *err)
{
    unsigned char *buf = regio_malloc(acols_buf_size(c));
    sqlite3_stmt *st = NULL;
    regio_err rc = buf ? regio__sq_prepare(s,
                                           "INSERT INTO account_columns(part, accounts, data)"
                                           " VALUES (?1, ?2, ?3)",
                                           &st, err)
                       : oom(err);
    for (size_t at = 0, part = 0; !rc && at < c->n; part++) {
        size_t k = 0, len = acols_pack(buf, c, at, &k);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)part);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)k);
        sqlite3_bind_blob64(st, 3, buf, (sqlite3_uint64)len, SQLITE_STATIC);
        rc = regio__sq_step_done(s, st, "packing the accounts' columns", NULL, err);
        at += k;
    }
    if (!rc) {
        sqlite3_bind_int64(st, 1, ACOLS_MARKER_PART);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)c->n);
        sqlite3_bind_zeroblob(st, 3, 0);
        rc = regio__sq_step_done(s, st, "packing the accounts' columns", NULL, err);
    }
    regio__sq_release(s, st);
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
    regio__sq_busy_wait(s->db, 0);
    regio_err rc = regio__sq_exec(s, "BEGIN IMMEDIATE", &mine);
    regio__sq_busy_wait(s->db, 1);
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
