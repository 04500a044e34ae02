/*
 * SQLite backend, audit log: appends records chained by
 * hash = SHA-256(prev_hash || canonical record) (OpenSSL EVP) and verifies
 * the chain. The table itself refuses UPDATE and DELETE through triggers.
 */
#include "store/audit_codec.h"
#include "store/sqlite_impl.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* Whether text (NULL: none) is JSON. The audit table's CHECK calls
 * SQLite's json_valid(), which answers "not valid" when it runs out of
 * memory; a record whose JSON parses here failed that way, not for its
 * text. Parsing that fails for memory counts as valid for the same reason. */
static int json_text_ok(const char *text)
{
    if (!text)
        return 1;
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
    if (!j)
        return json_error_code(&e) == json_error_out_of_memory;
    json_decref(j);
    return 1;
}

regio_err regio__sq_audit_append(regio_store *base, const char *actor, const char *action,
                                 const char *object_type, const char *object_id,
                                 const char *before_json, const char *after_json,
                                 regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio__sq_txn t;
    regio_err rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    sqlite3_int64 prev_id = 0;
    char prev[65];
    snprintf(prev, sizeof prev, "%s", ZERO_HASH);
    rc = regio__sq_prepare(s, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", &st, err);
    if (!rc) {
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            prev_id = sqlite3_column_int64(st, 0);
            snprintf(prev, sizeof prev, "%s", col_text(st, 1) ? col_text(st, 1) : "");
            r = SQLITE_DONE;
        }
        rc = regio__sq_finish(s, st, r, rc, err);
    }
    char ts[40] = "";
    audit_now(ts);

    const char *fields[7] = {ts, actor, action, object_type, object_id, before_json, after_json};
    char hash[65];
    regio_buf b;
    regio_buf_init(&b, 0);
    if (!rc && audit_canonical(&b, prev, prev_id + 1, fields))
        rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory building an audit record");
    if (!rc)
        rc = sha256_hex(&b, hash, err);
    regio_buf_free(&b);
    if (!rc)
        rc = regio__sq_prepare(s,
                          "INSERT INTO audit_log(id, ts, actor, action, object_type, object_id,"
                          " before, after, prev_hash, hash)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                          &st, err);
    if (!rc) {
        sqlite3_bind_int64(st, 1, prev_id + 1);
        for (int i = 0; i < 7; i++)
            bind_text(st, i + 2, fields[i]);
        bind_text(st, 9, prev);
        bind_text(st, 10, hash);
        int r = sqlite3_step(st);
        if (r == SQLITE_DONE) {
            /* The chain's head, kept beside it, so that removing the newest
             * records is as detectable as changing one. */
            regio__sq_release(s, st);
            st = NULL;
            char head[96];
            snprintf(head, sizeof head, "%lld:%s", (long long)(prev_id + 1), hash);
            rc = regio__sq_prepare(s,
                                   "INSERT INTO settings(key, value) VALUES ('audit_head', ?1)"
                                   " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                   &st, err);
            if (!rc) {
                bind_text(st, 1, head);
                r = sqlite3_step(st);
            }
        }
        if (!rc && r != SQLITE_DONE) {
            if (sqlite3_extended_errcode(s->db) != SQLITE_CONSTRAINT_CHECK)
                rc = regio__sq_err(s, err, "appending to the audit log");
            else if (json_text_ok(before_json) && json_text_ok(after_json))
                rc = regio__store_fail(err, REGIO_ENOMEM,
                                       "out of memory appending to the audit log");
            else
                rc = regio__store_fail(err, REGIO_EINVAL, "audit before/after must be valid JSON");
        }
        regio__sq_release(s, st);
    }
    return regio__sq_txn_end(s, &t, rc, err);
}

regio_err regio__sq_audit_verify(regio_store *base, long *bad_id, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    *bad_id = 0;
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prepare(s,
                                "SELECT id, ts, actor, action, object_type, object_id, before,"
                                " after, prev_hash, hash FROM audit_log ORDER BY id",
                                &st, err);
    if (rc)
        return rc;
    char expect[65];
    long long last = 0;
    snprintf(expect, sizeof expect, "%s", ZERO_HASH);
    regio_buf b;
    regio_buf_init(&b, 0);
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_int64 id = sqlite3_column_int64(st, 0);
        const char *fields[7];
        for (int i = 0; i < 7; i++)
            fields[i] = col_text(st, i + 1);
        rc = audit_check_row(&b, (long long)id, fields, col_text(st, 8), col_text(st, 9), expect,
                             bad_id, err);
        if (rc)
            break;
        last = (long long)id;
    }
    regio_buf_free(&b);
    rc = regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
    if (rc)
        return rc;
    /* The last record must be the head written with it. */
    if ((rc = regio__sq_prepare(s, "SELECT value FROM settings WHERE key = 'audit_head'", &st,
                                err)))
        return rc;
    r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        rc = audit_check_head(col_text(st, 0), last, expect, bad_id, err);
        r = SQLITE_DONE;
    }
    return regio__sq_finish(s, st, r, rc, err);
}
