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

/* The chain's head, under its lock: the last record's id (0: none) and
 * hash. In a caller's transaction the lock, once taken, is held to its
 * end: the head read then is still the head (a load of many rows appends a
 * record a row). */
static regio_err head_read(regio__pg_store *s, long long *id, char prev[65], regio_error *err)
{
    *id = 0;
    snprintf(prev, 65, "%s", ZERO_HASH);
    if (s->user_txn && s->audit_known) {
        *id = s->audit_id;
        snprintf(prev, 65, "%s", s->audit_hash);
        return REGIO_OK;
    }
    PGresult *res = NULL;
    regio_err rc = regio__pg_exec(s, AUDIT_LOCK, err);
    if (!rc)
        rc = regio__pg_query(s, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", 0,
                             NULL, PGRES_TUPLES_OK, "reading the audit log", &res, err);
    if (!rc && PQntuples(res)) {
        *id = regio__pg_col_int(res, 0, 0);
        const char *h = regio__pg_col_text(res, 0, 1);
        snprintf(prev, 65, "%s", h ? h : "");
    }
    PQclear(res);
    return rc;
}

/* The start of an append: begins t and reads the chain's head under its
 * lock (head_read); on a failure t is ended again and the code returned. */
static regio_err begin_append(regio__pg_store *s, regio__pg_txn *t, long long *id, char prev[65],
                              regio_error *err)
{
    regio_err rc = regio__pg_txn_begin(s, t, err);
    if (!rc && (rc = head_read(s, id, prev, err)))
        return regio__pg_txn_end(s, t, rc, err);
    return rc;
}

/* The chain's head after record id of hash, kept beside it, so that
 * removing the newest records is as detectable as changing one: in a
 * caller's transaction once, before its COMMIT (regio__pg_audit_settle). */
static regio_err head_write(regio__pg_store *s, long long id, const char hash[65],
                            regio_error *err)
{
    if (s->user_txn) {
        s->audit_id = id;
        memcpy(s->audit_hash, hash, sizeof s->audit_hash);
        s->audit_known = s->audit_dirty = 1;
        return REGIO_OK;
    }
    char head[96];
    snprintf(head, sizeof head, "%lld:%s", id, hash);
    const char *p[1] = {head};
    return regio__pg_query(s,
                           "INSERT INTO settings(key, value) VALUES ('audit_head', $1)"
                           " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                           1, p, PGRES_COMMAND_OK, "appending to the audit log", NULL, err);
}

regio_err regio__pg_audit_append(regio_store *base, const char *actor, const char *action,
                                 const char *object_type, const char *object_id,
                                 const char *before_json, const char *after_json,
                                 regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio__pg_txn t;
    long long prev_id = 0;
    char prev[65];
    PGresult *res = NULL;
    regio_err rc = begin_append(s, &t, &prev_id, prev, err);
    if (rc)
        return rc;
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
    char id[32];
    snprintf(id, sizeof id, "%lld", prev_id + 1);
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
    if (!rc)
        rc = head_write(s, prev_id + 1, hash, err);
    return regio__pg_txn_end(s, &t, rc, err);
}

regio_err regio__pg_audit_many(regio__pg_store *s, const char *actor, const char *action,
                               const char *object_type, const regio__pg_audit_rec *r, size_t n,
                               regio_error *err)
{
    if (!n)
        return REGIO_OK;
    regio__pg_txn t;
    long long id = 0;
    char prev[65];
    regio_err rc = begin_append(s, &t, &id, prev, err);
    if (rc)
        return rc;
    /* The records as regio__pg_audit_append makes them, one after the
     * other, each chained to the one before. */
    regio_buf b, lines;
    regio_buf_init(&b, 0);
    regio_buf_init(&lines, 0);
    char hash[65] = "";
    for (size_t i = 0; !rc && i < n; i++) {
        char ts[40] = "", idtext[32];
        audit_now(ts);
        const char *fields[7] = {ts, actor, action, object_type, r[i].object_id, r[i].before,
                                 r[i].after};
        id++;
        if (audit_canonical(&b, prev, id, fields))
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory building an audit record");
        if (!rc)
            rc = sha256_hex(&b, hash, err);
        snprintf(idtext, sizeof idtext, "%lld", id);
        const char *row[10] = {idtext,    fields[0], fields[1], fields[2], fields[3],
                               fields[4], fields[5], fields[6], prev,      hash};
        if (!rc && regio__pg_copy_line(&lines, row, 10))
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory building an audit record");
        memcpy(prev, hash, sizeof prev);
    }
    regio_buf_free(&b);
    if (!rc)
        rc = regio__pg_copy_in(s,
                               "COPY audit_log(id, ts, actor, action, object_type, object_id,"
                               " before, after, prev_hash, hash) FROM STDIN",
                               &lines, "appending to the audit log", err);
    regio_buf_free(&lines);
    if (!rc)
        rc = head_write(s, id, hash, err);
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
