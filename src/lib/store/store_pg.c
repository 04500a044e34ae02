/*
 * The PostgreSQL backend of the store, through libpq (built only when
 * CMake finds it): opening a connection from a postgresql:// location,
 * migrations on open, transactions (savepoints inside the caller's),
 * errors mapped from SQLSTATE, the statements prepared once per
 * connection, and the vtable that store.c dispatches to. Operations the
 * backend does not have yet are NULL in the vtable: store.c fails them
 * with REGIO_EUNSUPPORTED. Errors name the server as host:port/database,
 * never the location itself, which may hold a password.
 */
#include "store/perf_impl.h"
#include "store/jobs_impl.h"
#include "store/pg_impl.h"
#include "store/copy_impl.h"
#include "store/rules_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const stmt_sql[REGIO_PG_COUNT] = {
    /* One statement per account, as in SQLite: insert, or update when the
     * content hash differs, or nothing (no row back). A NULL unit keeps the
     * allocated unit unless the coordinates moved. */
    [REGIO_PG_ACC_UPSERT] =
        "INSERT INTO accounts AS a (ext_id, name, street, city, region, postal_code, country,"
        " lat, lon, geo_source, owner_ext, industry, type, segment, annual_revenue,"
        " employees, potential, unit_ext, attrs, row_hash, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,"
        " $17, $18, $19, $20, $21, $21)"
        " ON CONFLICT (ext_id) DO UPDATE SET name = excluded.name, street = excluded.street,"
        " city = excluded.city, region = excluded.region, postal_code = excluded.postal_code,"
        " country = excluded.country,"
        " unit_ext = CASE WHEN excluded.unit_ext IS NOT NULL THEN excluded.unit_ext"
        "   WHEN a.lat IS NOT DISTINCT FROM excluded.lat"
        "    AND a.lon IS NOT DISTINCT FROM excluded.lon THEN a.unit_ext ELSE NULL END,"
        " lat = excluded.lat, lon = excluded.lon, geo_source = excluded.geo_source,"
        " owner_ext = excluded.owner_ext, industry = excluded.industry, type = excluded.type,"
        " segment = excluded.segment, annual_revenue = excluded.annual_revenue,"
        " employees = excluded.employees, potential = excluded.potential,"
        " attrs = excluded.attrs, row_hash = excluded.row_hash,"
        " updated_at = excluded.updated_at"
        " WHERE a.row_hash <> excluded.row_hash"
        " RETURNING (xmax = 0)::int",
    [REGIO_PG_REP_GET] = "SELECT id, row_hash FROM reps WHERE ext_id = $1",
    [REGIO_PG_REP_INS] =
        "INSERT INTO reps(ext_id, name, email, city, region, postal_code, country, lat, lon,"
        " geo_source, capacity, skills, day_start, day_end, manager_ext, attrs, row_hash,"
        " created_at, updated_at, user_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,"
        " $17, $18, $18, $19)",
    [REGIO_PG_REP_UPD] =
        "UPDATE reps SET name = $2, email = $3, city = $4, region = $5, postal_code = $6,"
        " country = $7, lat = $8, lon = $9, geo_source = $10, capacity = $11, skills = $12,"
        " day_start = $13, day_end = $14, manager_ext = $15, attrs = $16, row_hash = $17,"
        " updated_at = $18, user_id = $19 WHERE id = $20 AND ext_id = $1",
    [REGIO_PG_USER_UPSERT] =
        "INSERT INTO users(login, display_name, email, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $4) ON CONFLICT (login) DO UPDATE SET"
        " display_name = excluded.display_name, email = excluded.email,"
        " updated_at = excluded.updated_at RETURNING id",
    [REGIO_PG_UNIT_GET] = "SELECT id, row_hash FROM units WHERE ext_id = $1",
    [REGIO_PG_UNIT_INS] =
        "INSERT INTO units(ext_id, name, lat, lon, area_km2, geom, attrs, row_hash,"
        " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    [REGIO_PG_UNIT_UPD] =
        "UPDATE units SET name = $2, lat = $3, lon = $4, area_km2 = $5, geom = $6,"
        " attrs = $7, row_hash = $8, updated_at = $9 WHERE id = $10 AND ext_id = $1",
    [REGIO_PG_MODEL_ID] = "SELECT id FROM territory_models WHERE name = $1",
    [REGIO_PG_TERR_ID] = "SELECT id FROM territories WHERE model_id = $1 AND ext_id = $2",
};

/* ---- errors ---------------------------------------------------------------------------- */

static regio_err code_of(const char *state)
{
    if (!state)
        return REGIO_ESTORE;
    if (!strcmp(state, "23505") || !strcmp(state, REGIO_PG_REFUSED) ||
        !strcmp(state, "40001") || !strcmp(state, "40P01"))
        return REGIO_ECONFLICT;
    if (!strncmp(state, "23", 2) || !strncmp(state, "22", 2))
        return REGIO_EDATA;
    if (!strcmp(state, "53200"))
        return REGIO_ENOMEM;
    if (!strncmp(state, "08", 2))
        return REGIO_EIO;
    return REGIO_ESTORE;
}

regio_err regio__pg_check(regio__pg_store *s, const PGresult *res, ExecStatusType want,
                          const char *what, regio_error *err)
{
    ExecStatusType got = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (got == want)
        return REGIO_OK;
    if (!res)
        return regio__store_fail(err, PQstatus(s->conn) == CONNECTION_OK ? REGIO_ENOMEM : REGIO_EIO,
                                 "%s: the PostgreSQL store at %s did not answer", what, s->where);
    if (got == PGRES_COMMAND_OK || got == PGRES_TUPLES_OK)
        return regio__store_fail(err, REGIO_ESTORE, "%s: unexpected answer from PostgreSQL",
                                 what);
    /* The primary message only: the full message may quote the statement. */
    const char *why = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (PQstatus(s->conn) != CONNECTION_OK)
        return regio__store_fail(err, REGIO_EIO, "%s: the connection to the PostgreSQL store at %s"
                                 " was lost", what, s->where);
    /* A constraint's refusal is said as SQLite's backend says it, without
     * PostgreSQL's sentence, which names the schema's tables and
     * constraints; the schema's own triggers speak for themselves. */
    if (state && !strcmp(state, "23505"))
        return regio__store_fail(err, REGIO_ECONFLICT,
                                 "%s: the store already holds a record with that name or key",
                                 what);
    if (state && !strncmp(state, "23", 2))
        return regio__store_fail(err, REGIO_EDATA, "%s: the store refused it (%s)", what,
                                 !strcmp(state, "23502")   ? "a required value is missing"
                                 : !strcmp(state, "23514") ? "a value it does not allow"
                                 : !strcmp(state, "23503") ? "it names a record that does not exist"
                                                           : "a rule of the store");
    if (state && !strcmp(state, "53100"))
        return regio__store_fail(err, REGIO_EIO, "%s: the database server's disk is full", what);
    if (state && !strcmp(state, "25006"))
        return regio__store_fail(err, REGIO_EIO, "%s: the store is read-only", what);
    return regio__store_fail(err, code_of(state), "%s: %s", what, why ? why : "failed");
}

/* Notes a statement that changed rows: inside a transaction its COMMIT
 * will notify; outside one it is committed already, so it notifies now
 * (unless it is bookkeeping). */
static void note_write(regio__pg_store *s, const PGresult *res)
{
    const char *tag = PQcmdStatus((PGresult *)res);
    if (strncmp(tag, "INSERT", 6) && strncmp(tag, "UPDATE", 6) && strncmp(tag, "DELETE", 6) &&
        strncmp(tag, "MERGE", 5) && strncmp(tag, "COPY", 4) && strncmp(tag, "TRUNCATE", 8))
        return;
    if (!strcmp(PQcmdTuples((PGresult *)res), "0"))
        return;
    if (PQtransactionStatus(s->conn) != PQTRANS_IDLE) {
        s->dirty = 1;
        return;
    }
    if (s->quiet)
        return;
    regio_error ignore;
    s->own_writes++;
    regio__pg_notify(s, &ignore);
}

regio_err regio__pg_exec(regio__pg_store *s, const char *sql, regio_error *err)
{
    if (s->copying && !s->flushing) {
        regio_err f = regio__pg_flush(s, err);
        if (f)
            return f;
    }
    PGresult *res = PQexec(s->conn, sql);
    regio_err rc = regio__pg_check(s, res, PQresultStatus(res) == PGRES_TUPLES_OK
                                               ? PGRES_TUPLES_OK : PGRES_COMMAND_OK,
                                   "the PostgreSQL store", err);
    if (!rc)
        note_write(s, res);
    PQclear(res);
    return rc;
}

/* Checks res and hands it to the caller (*out), or clears it. */
static regio_err take(regio__pg_store *s, PGresult *res, ExecStatusType want, const char *what,
                      PGresult **out, regio_error *err)
{
    regio_err rc = regio__pg_check(s, res, want, what, err);
    if (!rc)
        note_write(s, res);
    if (rc || !out) {
        PQclear(res);
        res = NULL;
    }
    if (out)
        *out = res;
    return rc;
}

regio_err regio__pg_query(regio__pg_store *s, const char *sql, int n, const char *const *params,
                          ExecStatusType want, const char *what, PGresult **out,
                          regio_error *err)
{
    if (s->copying && !s->flushing) {
        regio_err f = regio__pg_flush(s, err);
        if (f) {
            if (out)
                *out = NULL;
            return f;
        }
    }
    return take(s, PQexecParams(s->conn, sql, n, NULL, params, NULL, NULL, 0), want, what, out,
                err);
}

regio_err regio__pg_run(regio__pg_store *s, int which, int n, const char *const *params,
                        ExecStatusType want, const char *what, PGresult **out, regio_error *err)
{
    if (s->copying && !s->flushing) {
        regio_err f = regio__pg_flush(s, err);
        if (f) {
            if (out)
                *out = NULL;
            return f;
        }
    }
    char name[16];
    snprintf(name, sizeof name, "regio_%d", which);
    if (!(s->prepared & (1u << which))) {
        PGresult *p = PQprepare(s->conn, name, stmt_sql[which], 0, NULL);
        regio_err rc = regio__pg_check(s, p, PGRES_COMMAND_OK, "preparing a statement", err);
        PQclear(p);
        if (rc)
            return rc;
        s->prepared |= 1u << which;
    }
    return take(s, PQexecPrepared(s->conn, name, n, params, NULL, NULL, 0), want, what, out,
                err);
}

regio_err regio__pg_write(regio__pg_store *s, const char *sql, int n, const char *const *params,
                          const char *what, long *changed, regio_error *err)
{
    PGresult *res = NULL;
    regio_err rc = regio__pg_query(s, sql, n, params, PGRES_COMMAND_OK, what, &res, err);
    if (!rc && changed)
        *changed = atol(PQcmdTuples(res));
    PQclear(res);
    return rc;
}

regio_err regio__pg_cancelled(regio_error *err)
{
    return regio__store_fail(err, REGIO_ECANCELLED, "stopped by the callback");
}

/* ---- values ------------------------------------------------------------------------------ */

const char *regio__pg_num(char buf[32], double v)
{
    if (isnan(v))
        return NULL;
    if (isinf(v))
        return v > 0 ? "Infinity" : "-Infinity";
    /* A number of up to six decimals (coordinates, amounts) without
     * printf, whose %.17g was a sixth of the client's CPU loading
     * accounts; kept only when it reads back to v exactly, as PostgreSQL
     * reads it (the stored double is the same either way). */
    static const double scale[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
    for (int d = 0; d <= 6; d++) {
        double x = v * scale[d];
        if (!(fabs(x) < 1e15) || x != (double)(long long)x)
            continue;
        unsigned long long u = (unsigned long long)llabs((long long)x);
        char rev[24], *p = buf;
        int n = 0;
        do {
            rev[n++] = (char)('0' + u % 10);
            u /= 10;
        } while (u || n <= d);
        if (signbit(v))
            *p++ = '-';
        while (n > d)
            *p++ = rev[--n];
        if (d)
            *p++ = '.';
        while (n > 0)
            *p++ = rev[--n];
        *p = '\0';
        if (strtod(buf, NULL) == v)
            return buf;
        break;
    }
    snprintf(buf, 32, "%.17g", v);
    return buf;
}

const char *regio__pg_int(char buf[32], long long v)
{
    snprintf(buf, 32, "%lld", v);
    return buf;
}

double regio__pg_col_num(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NAN : strtod(PQgetvalue(res, row, col), NULL);
}

const char *regio__pg_now(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

long long regio__pg_col_int(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

/* ---- transactions --------------------------------------------------------------------- */

regio_err regio__pg_txn_begin(regio__pg_store *s, regio__pg_txn *t, regio_error *err)
{
    t->own = PQtransactionStatus(s->conn) == PQTRANS_IDLE;
    return regio__pg_exec(s, t->own ? "BEGIN" : "SAVEPOINT regio_op", err);
}

regio_err regio__pg_txn_end(regio__pg_store *s, regio__pg_txn *t, regio_err rc,
                            regio_error *err)
{
    if (rc == REGIO_OK) {
        regio_err c = t->own && s->dirty ? regio__pg_notify(s, err) : REGIO_OK;
        if (!c)
            c = regio__pg_exec(s, t->own ? "COMMIT" : "RELEASE SAVEPOINT regio_op", err);
        if (c == REGIO_OK) {
            if (t->own && s->dirty)
                s->own_writes++;
            if (t->own)
                s->dirty = 0;
            return REGIO_OK;
        }
        rc = c;
    }
    if (t->own)
        s->dirty = 0;
    if (t->own) {
        if (PQtransactionStatus(s->conn) != PQTRANS_IDLE)
            PQclear(PQexec(s->conn, "ROLLBACK"));
    } else {
        PQclear(PQexec(s->conn, "ROLLBACK TO SAVEPOINT regio_op"));
        PQclear(PQexec(s->conn, "RELEASE SAVEPOINT regio_op"));
        /* The audit lock may have gone with the savepoint: read the head
         * again under it next time. */
        regio__pg_audit_forget(s, 0);
    }
    return rc;
}

static regio_err pg_begin(regio_store *base, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    if (PQtransactionStatus(s->conn) != PQTRANS_IDLE)
        return regio__store_fail(err, REGIO_EINVAL, "a transaction is already open");
    regio_err rc = regio__pg_exec(s, "BEGIN", err);
    if (!rc) {
        s->user_txn = 1;
        s->txn_upserts = 0;
        regio__pg_audit_forget(s, 1);
        regio__pg_bulk_forget(s);
        regio__pg_sales_forget(s);
    }
    return rc;
}

static regio_err pg_commit(regio_store *base, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    if (PQtransactionStatus(s->conn) == PQTRANS_IDLE)
        return regio__store_fail(err, REGIO_EINVAL, "commit without an open transaction");
    /* The staged sales lines and accounts first; COMMIT of a failed
     * transaction rolls it back: say so. */
    long long staged = 0;
    regio_err rc = regio__pg_sales_settle(s, &staged, err);
    if (!rc)
        rc = regio__pg_flush(s, err);
    if (!rc && PQtransactionStatus(s->conn) != PQTRANS_INERROR)
        rc = regio__pg_audit_settle(s, err);
    int failed = PQtransactionStatus(s->conn) == PQTRANS_INERROR;
    int wrote = s->dirty && !failed;
    regio_error ignore;
    if (!rc && wrote)
        rc = regio__pg_notify(s, err);
    regio_err c = regio__pg_exec(s, "COMMIT", rc ? &ignore : err);
    if (!rc)
        rc = c;
    if (!rc && wrote)
        s->own_writes++;
    s->dirty = 0;
    s->user_txn = 0;
    regio__pg_audit_forget(s, 1);
    regio__pg_bulk_forget(s);
    regio__pg_sales_forget(s);
    if (!rc && failed)
        rc = regio__store_fail(err, REGIO_ESTORE,
                               "the transaction had failed and was rolled back");
    return rc;
}

static regio_err pg_rollback(regio_store *base, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    if (s->copying) {
        /* The staged rows are dropped with everything else. */
        PQputCopyEnd(s->conn, "rolled back");
        PGresult *res;
        while ((res = PQgetResult(s->conn)))
            PQclear(res);
        s->copying = 0;
    }
    if (PQtransactionStatus(s->conn) == PQTRANS_IDLE)
        return regio__store_fail(err, REGIO_EINVAL, "rollback without an open transaction");
    regio_err rc = regio__pg_exec(s, "ROLLBACK", err);
    s->user_txn = 0;
    s->dirty = 0;
    regio__pg_audit_forget(s, 1);
    regio__pg_bulk_forget(s);
    regio__pg_sales_forget(s);
    return rc;
}

static regio_err pg_nest_begin(regio_store *base, int *own, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    *own = PQtransactionStatus(s->conn) == PQTRANS_IDLE;
    return *own ? pg_begin(base, err) : regio__pg_exec(s, "SAVEPOINT regio_nest", err);
}

static regio_err pg_nest_end(regio_store *base, int own, regio_err rc, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    if (!rc)
        rc = own ? pg_commit(base, err) : regio__pg_exec(s, "RELEASE SAVEPOINT regio_nest", err);
    if (!rc)
        return REGIO_OK;
    regio_error ignore;
    if (own) {
        if (PQtransactionStatus(s->conn) != PQTRANS_IDLE)
            pg_rollback(base, &ignore);
    } else {
        PQclear(PQexec(s->conn, "ROLLBACK TO SAVEPOINT regio_nest"));
        PQclear(PQexec(s->conn, "RELEASE SAVEPOINT regio_nest"));
        /* The audit head read under the savepoint may be gone with it. */
        regio__pg_audit_forget(s, 0);
    }
    return rc;
}

/* ---- models: ids ------------------------------------------------------------------------ */

regio_err regio__pg_model_id(regio__pg_store *s, const char *name, long long *id,
                             regio_error *err)
{
    if (!name) {
        /* The active model is the one in force today (pg_promotions.c). */
        char today[11];
        regio__today(today);
        regio_err rc = regio__pg_in_force(s, today, id, err);
        if (!rc && !*id)
            rc = regio__store_fail(err, REGIO_ENOTFOUND, "no territory model is active");
        return rc;
    }
    PGresult *res = NULL;
    const char *p[1] = {name};
    regio_err rc = regio__pg_run(s, REGIO_PG_MODEL_ID, 1, p, PGRES_TUPLES_OK,
                                 "looking up a territory model", &res, err);
    if (rc)
        return rc;
    if (PQntuples(res) == 0)
        rc = regio__store_fail(err, REGIO_ENOTFOUND, "territory model '%s' not found", name);
    else
        *id = regio__pg_col_int(res, 0, 0);
    PQclear(res);
    return rc;
}

/* ---- the store generation ---------------------------------------------------------- */

/* The channel of this store's changes: one per schema, so that stores
 * in other schemas of the database (the tests' ones) do not count. */
static regio_err channel(regio__pg_store *s, regio_error *err)
{
    if (s->channel[0])
        return REGIO_OK;
    PGresult *res = NULL;
    regio_err rc = regio__pg_query(s, "SELECT 'regio_' || current_schema()", 0, NULL,
                                   PGRES_TUPLES_OK, "reading the store's schema", &res, err);
    if (rc)
        return rc;
    char name[64];
    snprintf(name, sizeof name, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    char *id = PQescapeIdentifier(s->conn, name, strlen(name));
    if (!id)
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory");
    snprintf(s->channel, sizeof s->channel, "%s", id);
    PQfreemem(id);
    return REGIO_OK;
}

regio_err regio__pg_notify(regio__pg_store *s, regio_error *err)
{
    char sql[96];
    regio_err rc = channel(s, err);
    if (rc)
        return rc;
    snprintf(sql, sizeof sql, "NOTIFY %s", s->channel);
    PGresult *res = PQexec(s->conn, sql);
    rc = regio__pg_check(s, res, PGRES_COMMAND_OK, "noting a change of the store", err);
    PQclear(res);
    return rc;
}

/* Counts the changes other sessions told of. The round trip first: a
 * commit another server acknowledged before it began has signalled this
 * session, which tells its client before it answers. */
/* Counts the other connections' commits notified so far; a round trip
 * first (unless the caller has just made one: seen) so that every commit
 * before now has been notified. */
static regio_err others_notified(regio__pg_store *s, int seen, regio_error *err)
{
    regio_err rc = REGIO_OK;
    if (!s->listening) {
        char sql[96];
        if ((rc = channel(s, err)))
            return rc;
        snprintf(sql, sizeof sql, "LISTEN %s", s->channel);
        if ((rc = regio__pg_exec(s, sql, err)))
            return rc;
        s->listening = 1;
    } else if (!seen && (rc = regio__pg_exec(s, "SELECT 1", err))) {
        return rc;
    }
    PQconsumeInput(s->conn);
    int me = PQbackendPID(s->conn);
    PGnotify *n;
    while ((n = PQnotifies(s->conn))) {
        if (n->be_pid != me)
            s->others_writes++;
        PQfreemem(n);
    }
    return REGIO_OK;
}

static regio_err others(regio__pg_store *s, regio_error *err)
{
    return others_notified(s, 0, err);
}

static regio_err pg_generation(regio_store *base, uint64_t *gen, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio_err rc = others(s, err);
    *gen = (s->others_writes << 32) ^ s->own_writes;
    return rc;
}

static regio_err pg_generation_seen(regio_store *base, uint64_t *gen, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio_err rc = others_notified(s, 1, err);
    *gen = (s->others_writes << 32) ^ s->own_writes;
    return rc;
}

static regio_err pg_access_epoch(regio_store *base, long long *epoch, regio_error *err)
{
    long long v = 0;
    regio_err rc = regio__pg_int_query(REGIO_PG(base),
                                       "SELECT n FROM access_epoch WHERE id = $1 AND $2::bigint = 0",
                                       1, 0, &v, err);
    *epoch = v;
    return rc;
}

static regio_err pg_others_version(regio_store *base, long *v, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio_err rc = others(s, err);
    *v = (long)s->others_writes;
    return rc;
}

regio_err regio__pg_model_rows(regio__pg_store *s, const char *model, const char *sql,
                              const char *what, PGresult **res, regio_error *err)
{
    long long mid = 0;
    char b[32];
    *res = NULL;
    regio_err rc = regio__pg_model_id(s, model, &mid, err);
    const char *p[1] = {regio__pg_int(b, mid)};
    return rc ? rc : regio__pg_query(s, sql, 1, p, PGRES_TUPLES_OK, what, res, err);
}

/* ---- open / close --------------------------------------------------------------------------- */

static void pg_close(regio_store *base)
{
    regio__pg_store *s = REGIO_PG(base);
    if (s->conn)
        PQfinish(s->conn); /* an open transaction is rolled back by the server */
    regio__pg_bulk_forget(s);
    regio__pg_sales_forget(s);
    regio_buf_free(&s->json);
    regio_buf_free(&s->line);
    regio_free(s);
}

static int pg_schema_version(const regio_store *base)
{
    return ((const regio__pg_store *)base)->version;
}

/* Notices (e.g. "table does not exist, skipping") are not errors: not printed. */
static void quiet(void *arg, const PGresult *res)
{
    (void)arg;
    (void)res;
}

static const regio__store_ops pg_ops = {
    .name = "PostgreSQL",
    .close = pg_close,
    .schema_version = pg_schema_version,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .nest_begin = pg_nest_begin,
    .nest_end = pg_nest_end,
    .account_upsert = regio__pg_account_upsert,
    .rep_upsert = regio__pg_rep_upsert,
    .reps_upsert_many = regio__pg_reps_upsert_many,
    .unit_upsert = regio__pg_unit_upsert,
    .adjacency_replace = regio__pg_adjacency_replace,
    .accounts_foreach = regio__pg_accounts_foreach,
    .accounts_query = regio__pg_accounts_query,
    .accounts_get = regio__pg_accounts_get,
    .unit_measures_from_accounts = regio__pg_unit_measures_from_accounts,
    .unit_measure_set = regio__pg_unit_measure_set,
    .reps_foreach = regio__pg_reps_foreach,
    .units_foreach = regio__pg_units_foreach,
    .adjacency_foreach = regio__pg_adjacency_foreach,
    .account_set_unit = regio__pg_account_set_unit,
    .stats = regio__pg_stats,
    .model_create = regio__pg_model_create,
    .model_find = regio__pg_model_find,
    .model_list = regio__pg_model_list,
    .model_find_at = regio__pg_model_find_at,
    .model_list_at = regio__pg_model_list_at,
    .territory_upsert = regio__pg_territory_upsert,
    .alignment_set = regio__pg_alignment_set,
    .alignment_set_many = regio__pg_alignment_set_many,
    .territories_write = regio__pg_territories_write,
    .alignment_foreach = regio__pg_alignment_foreach,
    .alignment_revision = regio__pg_alignment_revision,
    .alignment_apply = regio__pg_alignment_apply,
    .alignment_lock = regio__pg_alignment_lock,
    .audit_append = regio__pg_audit_append,
    .audit_verify = regio__pg_audit_verify,
    .role_upsert = regio__pg_role_upsert,
    .roles_foreach = regio__pg_roles_foreach,
    .user_upsert = regio__pg_user_upsert,
    .users_foreach = regio__pg_users_foreach,
    .user_set_active = regio__pg_user_set_active,
    .user_set_password_hash = regio__pg_user_set_password_hash,
    .user_password_hash = regio__pg_user_password_hash,
    .login_users = regio__pg_login_users,
    .territory_set_access = regio__pg_territory_set_access,
    .territory_edit = regio__pg_territory_edit,
    .membership_upsert = regio__pg_membership_upsert,
    .users_upsert_many = regio__pg_users_upsert_many,
    .memberships_upsert_many = regio__pg_memberships_upsert_many,
    .membership_remove = regio__pg_membership_remove,
    .memberships_foreach = regio__pg_memberships_foreach,
    .association_set = regio__pg_association_set,
    .associations_foreach = regio__pg_associations_foreach,
    .account_keys_foreach = regio__pg_account_keys_foreach,
    .token_add = regio__pg_token_add,
    .token_user = regio__pg_token_user,
    .token_revoke = regio__pg_token_revoke,
    .tokens_foreach = regio__pg_tokens_foreach,
    .session_add = regio__pg_session_add,
    .session_find = regio__pg_session_find,
    .session_remove = regio__pg_session_remove,
    .audit_foreach = regio__pg_audit_foreach,
    .generation = pg_generation,
    .generation_seen = pg_generation_seen,
    .others_version = pg_others_version,
    .access_epoch = pg_access_epoch,
    .units_fingerprint = regio__pg_units_fingerprint,
    .territories_foreach = regio__pg_territories_foreach,
    .territory_set_rep = regio__pg_territory_set_rep,
    .model_in_force = regio__pg_model_in_force,
    .model_reasons_set = regio__pg_model_reasons_set,
    .model_reasons_foreach = regio__pg_model_reasons_foreach,
    .model_clone = regio__pg_model_clone,
    .model_reset = regio__pg_model_reset,
    .plan_save = regio__pg_plan_save,
    .plans_foreach = regio__pg_plans_foreach,
    .plan_visits_foreach = regio__pg_plan_visits_foreach,
    .perf = &regio__pg_perf_ops,
    .copy = &regio__pg_copy_ops,
    .jobs = &regio__pg_jobs_ops,
    .model_promote = regio__pg_model_promote,
    .model_archive = regio__pg_model_archive,
    .model_rollback = regio__pg_model_rollback,
    .promotions_foreach = regio__pg_promotions_foreach,
    .challenge_add = regio__pg_challenge_add,
    .challenge_close = regio__pg_challenge_close,
    .challenges_foreach = regio__pg_challenges_foreach,
    .model_auto_approval = regio__pg_model_auto_approval,
    .model_set_auto_approval = regio__pg_model_set_auto_approval,
    .rules = &regio__pg_rules_ops,
};

regio_err regio__pg_open(const char *location, regio_store **out, regio_error *err)
{
    regio__pg_store *s = regio_calloc(1, sizeof *s);
    if (!s)
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory opening the store");
    s->base.ops = &pg_ops;
    regio_buf_init(&s->json, 0);
    regio_buf_init(&s->line, 0);
    snprintf(s->where, sizeof s->where, "(an invalid postgresql:// location)");
    /* The location is parsed by libpq; its error text may quote it, so it
     * is not repeated: only host, port and database name are. */
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(location, &perr);
    PQfreemem(perr);
    if (!opts) {
        regio_err rc = regio__store_fail(err, REGIO_EINVAL,
                                         "the PostgreSQL store location is not a valid "
                                         "postgresql://user@host:port/database URI");
        pg_close(&s->base);
        return rc;
    }
    const char *host = NULL, *port = NULL, *db = NULL, *user = NULL;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!strcmp(o->keyword, "host") && o->val)
            host = o->val;
        else if (!strcmp(o->keyword, "port") && o->val)
            port = o->val;
        else if (!strcmp(o->keyword, "dbname") && o->val)
            db = o->val;
        else if (!strcmp(o->keyword, "user") && o->val)
            user = o->val;
    }
    snprintf(s->where, sizeof s->where, "%s:%s/%s", host ? host : "localhost",
             port ? port : "5432", db ? db : (user ? user : "(default)"));
    PQconninfoFree(opts);

    s->conn = PQconnectdb(location);
    regio_err rc = REGIO_OK;
    if (!s->conn) {
        rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory connecting to PostgreSQL");
        goto fail;
    }
    if (PQstatus(s->conn) != CONNECTION_OK) {
        /* libpq's reason (refused, authentication failed, no such
         * database) names host, port and user, never the password. */
        char why[512];
        snprintf(why, sizeof why, "%s", PQerrorMessage(s->conn));
        why[strcspn(why, "\n")] = '\0';
        rc = regio__store_fail(err, REGIO_EIO, "cannot open the PostgreSQL store at %s: %s",
                               s->where, why);
        goto fail;
    }
    PQsetNoticeReceiver(s->conn, quiet, NULL);
    if ((rc = regio__pg_exec(s, "SET client_min_messages = warning; SET TIME ZONE 'UTC'", err)))
        goto fail;
    if ((rc = regio__pg_migrate(s, 0, &s->version, err)))
        goto fail;
    *out = &s->base;
    return REGIO_OK;
fail:
    pg_close(&s->base);
    return rc;
}
