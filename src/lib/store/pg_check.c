/*
 * PostgreSQL backend, `regio check` (regio_store_check_file on a
 * postgresql:// location). PostgreSQL keeps its own integrity and enforces
 * the foreign keys on every write, so what is left to check is what the
 * SQLite check also checks beyond them: that the schema holds a Regio store
 * this Regio knows, the audit chain, the sales blocks against the sales
 * lines and the accounts' packed columns (the queries and messages of
 * check_sql.h), in one read-only snapshot. Never writes: a schema without a
 * store is refused, not made, and nothing is migrated.
 */
#include "store/check_sql.h"
#include "store/pg_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pg_checker {
    regio__pg_store *s;
    regio__check_sink k;
} pg_checker;

static void problem(pg_checker *c, const char *kind, const char *detail)
{
    regio__check_problem(&c->k, kind, detail);
}

/* One row of sql: NULL after reporting a failure as a problem of kind. */
static PGresult *one_row(pg_checker *c, const char *kind, const char *sql, const char *what)
{
    PGresult *res = NULL;
    regio_error e;
    regio_error_clear(&e);
    if (regio__pg_query(c->s, sql, 0, NULL, PGRES_TUPLES_OK, what, &res, &e) ||
        PQntuples(res) != 1) {
        problem(c, kind, e.msg[0] ? e.msg : what);
        PQclear(res);
        return NULL;
    }
    return res;
}

static int has_table(pg_checker *c, const char *name)
{
    const char *p[1] = {name};
    PGresult *res = NULL;
    regio_error e;
    int yes = regio__pg_query(c->s, "SELECT to_regclass($1) IS NOT NULL", 1, p, PGRES_TUPLES_OK,
                              "looking for a table", &res, &e) == REGIO_OK &&
              !strcmp(PQgetvalue(res, 0, 0), "t");
    PQclear(res);
    return yes;
}

static void check_audit(pg_checker *c)
{
    regio_error e;
    regio_error_clear(&e);
    long bad = 0;
    if (regio__pg_audit_verify(&c->s->base, &bad, &e))
        problem(c, "audit", e.msg[0] ? e.msg : "the audit chain cannot be verified");
}

static void check_sales_blocks(pg_checker *c)
{
    if (!has_table(c, "sales_blocks") || !has_table(c, "sales_transactions"))
        return;
    PGresult *res = one_row(c, "sales_blocks", REGIO_CHECK_SALES_BLOCKS_SQL,
                            "cannot count the sales lines");
    char detail[256];
    if (res && regio__check_sales_blocks(detail, sizeof detail,
                                         !strcmp(PQgetvalue(res, 0, 0), "t"),
                                         regio__pg_col_int(res, 0, 1),
                                         regio__pg_col_int(res, 0, 2)))
        problem(c, "sales_blocks", detail);
    PQclear(res);
}

static void check_account_columns(pg_checker *c)
{
    if (!has_table(c, "account_columns"))
        return;
    PGresult *res = one_row(
        c, "account_columns",
        REGIO_CHECK_ACCOUNT_COLUMNS_SQL(
            "(SELECT count(*) FROM pg_trigger g JOIN pg_class k ON k.oid = g.tgrelid"
            "  WHERE k.relnamespace = current_schema()::regnamespace"
            "  AND g.tgname LIKE 'account\\_columns\\_%')"),
        "cannot count the packed accounts");
    char detail[256];
    if (res && regio__check_account_columns(detail, sizeof detail, !PQgetisnull(res, 0, 0),
                                            regio__pg_col_int(res, 0, 0),
                                            regio__pg_col_int(res, 0, 1),
                                            regio__pg_col_int(res, 0, 2),
                                            regio__pg_col_int(res, 0, 3)))
        problem(c, "account_columns", detail);
    PQclear(res);
}

/* That the schema holds a Regio store of a version this Regio knows. */
static regio_err identify(regio__pg_store *s, const char *shown, regio_error *err)
{
    PGresult *res = NULL;
    regio_err rc = regio__pg_query(s, "SELECT to_regclass('schema_migrations') IS NOT NULL", 0,
                                   NULL, PGRES_TUPLES_OK, "reading the schema version", &res,
                                   err);
    int exists = !rc && !strcmp(PQgetvalue(res, 0, 0), "t");
    PQclear(res);
    if (rc)
        return rc;
    if (!exists)
        return regio__store_fail(err, REGIO_EDATA, "%s holds no Regio store", shown);
    rc = regio__pg_query(s, "SELECT coalesce(max(version), 0) FROM schema_migrations", 0, NULL,
                         PGRES_TUPLES_OK, "reading the schema version", &res, err);
    int version = rc ? 0 : atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (!rc && version > regio__pg_schema_latest())
        rc = regio__store_fail(err, REGIO_EUNSUPPORTED,
                               "database schema version %d is newer than this Regio supports "
                               "(latest %d); open it with a newer Regio",
                               version, regio__pg_schema_latest());
    return rc;
}

regio_err regio__pg_check_store(const char *location, regio_check_fn cb, void *ud,
                                long *problems, regio_error *err)
{
    char shown[512];
    regio_store_location_shown(location, shown, sizeof shown);
    /* A handle of the backend's own, for its queries and its audit
     * verification, on a connection of the check's: no migration, no
     * listening, no vtable. */
    regio__pg_store s;
    memset(&s, 0, sizeof s);
    s.conn = PQconnectdb(location);
    if (!s.conn)
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory connecting to PostgreSQL");
    regio_err rc = REGIO_OK;
    if (PQstatus(s.conn) != CONNECTION_OK) {
        char why[512];
        snprintf(why, sizeof why, "%s", PQerrorMessage(s.conn));
        why[strcspn(why, "\n")] = '\0';
        rc = regio__store_fail(err, REGIO_EIO, "cannot open the PostgreSQL store %s: %s", shown,
                               why);
    }
    /* UTC as the store's own connections: the audit chain hashes
     * timestamps as text. */
    if (!rc)
        rc = regio__pg_exec(&s, "SET client_min_messages = warning; SET TIME ZONE 'UTC'", err);
    if (!rc)
        rc = identify(&s, shown, err);
    if (!rc)
        rc = regio__pg_exec(&s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err);
    if (!rc) {
        pg_checker c = {.s = &s, .k = {.cb = cb, .ud = ud}};
        check_audit(&c);
        if (!c.k.stop)
            check_sales_blocks(&c);
        if (!c.k.stop)
            check_account_columns(&c);
        PQclear(PQexec(s.conn, "ROLLBACK"));
        if (problems)
            *problems = c.k.problems;
        if (c.k.stop)
            rc = regio__store_fail(err, REGIO_ECANCELLED, "stopped by the callback");
    }
    PQfinish(s.conn);
    return rc;
}
