/*
 * PostgreSQL backend, audit log: the same chain as SQLite
 * (store/audit_codec.h: hash = SHA-256(prev_hash || canonical record)),
 * appended under a transaction-scoped advisory lock so that two servers
 * appending at once still make one chain, and verified row by row with
 * its head kept in settings. The table refuses UPDATE and DELETE through
 * triggers (pg_schema.c).
 */
#include "store/audit_codec.h"
#include "store/pg_impl.h"

#include <stdio.h>
#include <string.h>

/* The advisory lock key of the audit chain's head. */
#define AUDIT_LOCK "SELECT pg_advisory_xact_lock(7366152)"

regio_err regio__pg_audit_settle(regio__pg_store *s, regio_error *err)
{
    if (!s->audit_dirty)
        return REGIO_OK;
    /* From the table, not from what this handle knew: a savepoint rolled
     * back may have taken records away again. */
    regio_err rc = regio__pg_exec(s,
                                  "INSERT INTO settings(key, value) SELECT 'audit_head',"
                                  " id || ':' || hash FROM audit_log ORDER BY id DESC LIMIT 1"
                                  " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                  err);
    if (!rc)
        s->audit_dirty = 0;
    return rc;
}

void regio__pg_audit_forget(regio__pg_store *s, int appended_too)
{
    s->audit_known = 0;
    if (appended_too)
        s->audit_dirty = 0;
}

regio_err regio__pg_audit_append(regio_store *base, const char *actor, const char *action,
                                 const char *object_type, const char *object_id,
                                 const char *before_json, const char *after_json,
                                 regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio__pg_txn t;
    regio_err rc = regio__pg_txn_begin(s, &t, err);
    if (rc)
        return rc;
    /* In a caller's transaction the lock, once taken, is held to its end:
     * the head read then is still the head (a load of many rows appends a
     * record a row). */
    int cached = s->user_txn && s->audit_known;
    long long prev_id = 0;
    char prev[65];
    snprintf(prev, sizeof prev, "%s", cached ? s->audit_hash : ZERO_HASH);
    PGresult *res = NULL;
    if (cached)
        prev_id = s->audit_id;
    else
        rc = regio__pg_exec(s, AUDIT_LOCK, err);
    if (!rc && !cached)
        rc = regio__pg_query(s, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", 0,
                             NULL, PGRES_TUPLES_OK, "reading the audit log", &res, err);
    if (!rc && !cached && PQntuples(res)) {
        prev_id = regio__pg_col_int(res, 0, 0);
        const char *h = regio__pg_col_text(res, 0, 1);
        snprintf(prev, sizeof prev, "%s", h ? h : "");
    }
    PQclear(res);
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
    char id[32], head[96];
    snprintf(id, sizeof id, "%lld", prev_id + 1);
    snprintf(head, sizeof head, "%lld:%s", prev_id + 1, hash);
    if (!rc) {
        const char *p[10] = {id,        fields[0], fields[1], fields[2], fields[3],
                             fields[4], fields[5], fields[6], prev,      hash};
        res = PQexecParams(s->conn,
                           "INSERT INTO audit_log(id, ts, actor, action, object_type, object_id,"
                           " before, after, prev_hash, hash)"
                           " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                           10, NULL, p, NULL, NULL, 0);
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        if (state && !strcmp(state, "23514"))
            rc = regio__store_fail(err, REGIO_EINVAL, "audit before/after must be valid JSON");
        else
            rc = regio__pg_check(s, res, PGRES_COMMAND_OK, "appending to the audit log", err);
        PQclear(res);
    }
    /* The chain's head, kept beside it, so that removing the newest
     * records is as detectable as changing one: in a caller's transaction
     * once, before its COMMIT (regio__pg_audit_settle). */
    if (!rc && s->user_txn) {
        s->audit_id = prev_id + 1;
        memcpy(s->audit_hash, hash, sizeof s->audit_hash);
        s->audit_known = s->audit_dirty = 1;
    } else if (!rc) {
        const char *p[1] = {head};
        rc = regio__pg_query(s,
                             "INSERT INTO settings(key, value) VALUES ('audit_head', $1)"
                             " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                             1, p, PGRES_COMMAND_OK, "appending to the audit log", NULL, err);
    }
    return regio__pg_txn_end(s, &t, rc, err);
}

regio_err regio__pg_audit_verify(regio_store *base, long *bad_id, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    *bad_id = 0;
    /* One snapshot for the rows and the head. */
    regio__pg_txn t;
    regio_err rc = regio__pg_txn_begin(s, &t, err);
    if (rc)
        return rc;
    if (t.own)
        rc = regio__pg_exec(s, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", err);
    else
        rc = regio__pg_audit_settle(s, err);
    PGresult *res = NULL;
    if (!rc)
        rc = regio__pg_query(s,
                             "SELECT id, ts, actor, action, object_type, object_id, before,"
                             " after, prev_hash, hash FROM audit_log ORDER BY id",
                             0, NULL, PGRES_TUPLES_OK, "reading the audit log", &res, err);
    char expect[65];
    long long last = 0;
    snprintf(expect, sizeof expect, "%s", ZERO_HASH);
    regio_buf b;
    regio_buf_init(&b, 0);
    for (int i = 0; !rc && i < PQntuples(res); i++) {
        long long id = regio__pg_col_int(res, i, 0);
        const char *fields[7];
        for (int k = 0; k < 7; k++)
            fields[k] = regio__pg_col_text(res, i, k + 1);
        rc = audit_check_row(&b, id, fields, regio__pg_col_text(res, i, 8),
                             regio__pg_col_text(res, i, 9), expect, bad_id, err);
        if (rc)
            break;
        last = id;
    }
    regio_buf_free(&b);
    PQclear(res);
    res = NULL;
    /* The last record must be the head written with it. */
    if (!rc)
        rc = regio__pg_query(s, "SELECT value FROM settings WHERE key = 'audit_head'", 0, NULL,
                             PGRES_TUPLES_OK, "reading the audit log", &res, err);
    if (!rc && PQntuples(res))
        rc = audit_check_head(regio__pg_col_text(res, 0, 0), last, expect, bad_id, err);
    PQclear(res);
    /* A verify writes nothing: a failed check still ends the read cleanly. */
    regio_error ignore;
    regio_err end = regio__pg_txn_end(s, &t, REGIO_OK, rc ? &ignore : err);
    return rc ? rc : end;
}
