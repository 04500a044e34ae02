/*
 * The SQLite backend of the store, through the SQLite C API: opening a
 * connection (WAL, foreign keys, migrations), transactions, the bulk-load
 * mode, the statement cache and the helpers the other sqlite_*.c files
 * share, and the vtable that store.c dispatches to.
 */
#include "store/schema_sqlite.h"
#include "store/rules_impl.h"
#include "store/perf_impl.h"
#include "store/jobs_impl.h"
#include "store/copy_impl.h"
#include "store/sqlite_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const stmt_sql[REGIO_ST_COUNT] = {
    /* One statement per account: insert, or update when the content hash
     * differs, or nothing. A NULL unit keeps the allocated unit unless the
     * coordinates moved. */
    [REGIO_ST_ACC_UPSERT] =
        "INSERT INTO accounts(ext_id, name, street, city, region, postal_code, country,"
        " lat, lon, geo_source, owner_ext, industry, type, segment, annual_revenue,"
        " employees, potential, unit_ext, attrs, row_hash, created_at, updated_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
        " ?17, ?18, ?19, ?20, ?21, ?21)"
        " ON CONFLICT(ext_id) DO UPDATE SET name = excluded.name, street = excluded.street,"
        " city = excluded.city, region = excluded.region, postal_code = excluded.postal_code,"
        " country = excluded.country,"
        " unit_ext = CASE WHEN excluded.unit_ext IS NOT NULL THEN excluded.unit_ext"
        "   WHEN lat IS excluded.lat AND lon IS excluded.lon THEN unit_ext ELSE NULL END,"
        " lat = excluded.lat, lon = excluded.lon, geo_source = excluded.geo_source,"
        " owner_ext = excluded.owner_ext, industry = excluded.industry, type = excluded.type,"
        " segment = excluded.segment, annual_revenue = excluded.annual_revenue,"
        " employees = excluded.employees, potential = excluded.potential,"
        " attrs = excluded.attrs, row_hash = excluded.row_hash,"
        " updated_at = excluded.updated_at"
        " WHERE row_hash <> excluded.row_hash",
    [REGIO_ST_ACC_SET_UNIT] =
        "UPDATE accounts SET unit_ext = ?2, updated_at = ?3 WHERE ext_id = ?1",
    [REGIO_ST_REP_GET] = "SELECT id, row_hash FROM reps WHERE ext_id = ?1",
    [REGIO_ST_REP_INS] =
        "INSERT INTO reps(ext_id, name, email, city, region, postal_code, country, lat, lon,"
        " geo_source, capacity, skills, day_start, day_end, manager_ext, attrs, row_hash,"
        " created_at, updated_at, user_id)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
        " ?17, ?18, ?18, ?19)",
    [REGIO_ST_REP_UPD] =
        "UPDATE reps SET name = ?2, email = ?3, city = ?4, region = ?5, postal_code = ?6,"
        " country = ?7, lat = ?8, lon = ?9, geo_source = ?10, capacity = ?11, skills = ?12,"
        " day_start = ?13, day_end = ?14, manager_ext = ?15, attrs = ?16, row_hash = ?17,"
        " updated_at = ?18, user_id = ?19 WHERE id = ?20",
    [REGIO_ST_USER_UPSERT] =
        "INSERT INTO users(login, display_name, email, created_at, updated_at)"
        " VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT(login) DO UPDATE SET"
        " display_name = excluded.display_name, email = excluded.email,"
        " updated_at = excluded.updated_at RETURNING id",
    [REGIO_ST_UNIT_GET] = "SELECT id, row_hash FROM units WHERE ext_id = ?1",
    [REGIO_ST_UNIT_INS] =
        "INSERT INTO units(ext_id, name, lat, lon, area_km2, geom, attrs, row_hash,"
        " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
    [REGIO_ST_UNIT_UPD] =
        "UPDATE units SET name = ?2, lat = ?3, lon = ?4, area_km2 = ?5, geom = ?6,"
        " attrs = ?7, row_hash = ?8, updated_at = ?9 WHERE id = ?10",
    [REGIO_ST_UNIT_ID] = "SELECT id FROM units WHERE ext_id = ?1",
    [REGIO_ST_ADJ_INS] =
        "INSERT INTO unit_adjacency(unit_a, unit_b, kind, shared_km) VALUES (?1, ?2, ?3, ?4)"
        " ON CONFLICT DO NOTHING",
    [REGIO_ST_MODEL_ID] = "SELECT id FROM territory_models WHERE name = ?1",
    [REGIO_ST_MODEL_ACTIVE_ID] = "SELECT id FROM territory_models WHERE state = 'active'",
    [REGIO_ST_TERR_ID] = "SELECT id FROM territories WHERE model_id = ?1 AND ext_id = ?2",
    [REGIO_ST_ALIGN_SET] =
        "INSERT INTO alignments(model_id, unit_id, territory_id) VALUES (?1, ?2, ?3)"
        " ON CONFLICT(model_id, unit_id) WHERE effective_to IS NULL"
        " DO UPDATE SET territory_id = excluded.territory_id"
        " WHERE territory_id <> excluded.territory_id",
    [REGIO_ST_ALIGN_DEL] =
        "DELETE FROM alignments WHERE model_id = ?1 AND unit_id = ?2 AND effective_to IS NULL",
    [REGIO_ST_MODEL_BUMP] =
        "UPDATE territory_models SET alignment_rev = alignment_rev + 1,"
        " updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1",
    /* A sales line by its id; a line given again unchanged is not written. */
    [REGIO_ST_SALE_UPSERT] =
        "INSERT INTO sales_transactions(ext_id, account_id, day, status, amount, probability,"
        " product, rep) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        REGIO_SQ_SALE_UPSERT_TAIL,
    /* An activity by its id: the import replaces it, a check-in keeps the
     * first (a retried request logs nothing twice). */
    [REGIO_ST_SALE_STAGE] =
        "INSERT INTO temp.regio_sales_stage(ext_id, account_id, day, status, amount,"
        " probability, product, rep) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [REGIO_ST_ACTIVITY_UPSERT] =
        "INSERT INTO activities(ext_id, account_id, user_id, rep_id, kind, occurred_at, day,"
        " duration_s, outcome, notes, lat, lon) VALUES (?1, ?2, nullif(?3, 0), nullif(?4, 0), ?5,"
        " ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT(ext_id) DO UPDATE"
        " SET account_id = excluded.account_id, user_id = excluded.user_id,"
        " rep_id = excluded.rep_id, kind = excluded.kind, occurred_at = excluded.occurred_at,"
        " day = excluded.day, duration_s = excluded.duration_s, outcome = excluded.outcome,"
        " notes = excluded.notes, lat = excluded.lat, lon = excluded.lon"
        " WHERE (account_id, user_id, rep_id, kind, occurred_at, day, duration_s, outcome, notes,"
        " lat, lon) IS NOT (excluded.account_id, excluded.user_id, excluded.rep_id,"
        " excluded.kind, excluded.occurred_at, excluded.day, excluded.duration_s,"
        " excluded.outcome, excluded.notes, excluded.lat, excluded.lon)",
    [REGIO_ST_ACTIVITY_INSERT] =
        "INSERT INTO activities(ext_id, account_id, user_id, rep_id, kind, occurred_at, day,"
        " duration_s, outcome, notes, lat, lon) VALUES (?1, ?2, nullif(?3, 0), nullif(?4, 0), ?5,"
        " ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT(ext_id) DO NOTHING",
};

/* Maps the connection's last SQLite error onto a regio error code. A
 * constraint's refusal is said in Regio's words: SQLite's sentence names the
 * schema's tables and columns ("UNIQUE constraint failed: t.c"), and these
 * messages reach API callers (409, 422); a trigger's RAISE sentence is
 * Regio's own already. */
regio_err regio__sq_err(regio__sqlite_store *s, regio_error *err, const char *what)
{
    int xc = sqlite3_extended_errcode(s->db);
    regio_err code = REGIO_ESTORE;
    switch (xc & 0xff) {
    case SQLITE_NOMEM: code = REGIO_ENOMEM; break;
    case SQLITE_CONSTRAINT:
        if (xc == SQLITE_CONSTRAINT_TRIGGER)
            return regio__store_fail(err, REGIO_ECONFLICT, "%s: %s", what, sqlite3_errmsg(s->db));
        if (xc == SQLITE_CONSTRAINT_UNIQUE || xc == SQLITE_CONSTRAINT_PRIMARYKEY)
            return regio__store_fail(err, REGIO_ECONFLICT,
                                     "%s: the store already holds a record with that name or key",
                                     what);
        return regio__store_fail(err, REGIO_EDATA, "%s: the store refused it (%s)", what,
                                 xc == SQLITE_CONSTRAINT_NOTNULL      ? "a required value is missing"
                                 : xc == SQLITE_CONSTRAINT_CHECK      ? "a value it does not allow"
                                 : xc == SQLITE_CONSTRAINT_FOREIGNKEY ? "it names a record that does not exist"
                                                                      : "a rule of the store");
    case SQLITE_FULL:
        return regio__store_fail(err, REGIO_EIO, "%s: the disk is full", what);
    case SQLITE_IOERR:
        /* SQLite keeps no reliable errno: ENOSPC, EFBIG (past ulimit -f)
         * and EIO all end here. */
        if (xc == SQLITE_IOERR_WRITE || xc == SQLITE_IOERR_FSYNC || xc == SQLITE_IOERR_TRUNCATE ||
            xc == SQLITE_IOERR_SHMSIZE)
            return regio__store_fail(err, REGIO_EIO,
                                     "%s: cannot write to the disk (full, over the file size "
                                     "limit, or failing)",
                                     what);
        return regio__store_fail(err, REGIO_EIO, "%s: %s", what, sqlite3_errmsg(s->db));
    case SQLITE_READONLY:
        return regio__store_fail(err, REGIO_EIO, "%s: the store is read-only", what);
    default: break;
    }
    return regio__store_fail(err, code, "%s: %s", what, sqlite3_errmsg(s->db));
}

regio_err regio__sq_stmt(regio__sqlite_store *s, int which, sqlite3_stmt **out, regio_error *err)
{
    if (!s->st[which] &&
        sqlite3_prepare_v3(s->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &s->st[which],
                           NULL) != SQLITE_OK)
        return regio__sq_err(s, err, "preparing a statement");
    *out = s->st[which];
    return REGIO_OK;
}

/* What a statement run by regio__sq_exec was doing, for its error message:
 * the SQL text itself never goes into one. */
static const char *exec_what(const char *sql)
{
    static const struct {
        const char *prefix, *what;
    } kinds[] = {{"BEGIN", "starting a transaction"}, {"SAVEPOINT", "starting a transaction"},
                 {"COMMIT", "committing"},           {"RELEASE", "committing"},
                 {"ROLLBACK", "rolling back"},       {"PRAGMA", "setting up the store"},
                 {"CREATE", "rebuilding an index"}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strncmp(sql, kinds[i].prefix, strlen(kinds[i].prefix)))
            return kinds[i].what;
    return "writing the store";
}

regio_err regio__sq_exec(regio__sqlite_store *s, const char *sql, regio_error *err)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return regio__sq_err(s, err, exec_what(sql));
    return REGIO_OK;
}

const char *regio__sq_now(regio__sqlite_store *s)
{
    time_t t = time(NULL);
    if (t != s->now_t || !s->now[0]) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(s->now, sizeof s->now, "%Y-%m-%dT%H:%M:%SZ", &tm);
        s->now_t = t;
    }
    return s->now;
}

regio_err regio__sq_txn_begin(regio__sqlite_store *s, regio__sq_txn *t, regio_error *err)
{
    t->own = sqlite3_get_autocommit(s->db);
    return regio__sq_exec(s, t->own ? "BEGIN IMMEDIATE" : "SAVEPOINT regio_op", err);
}

regio_err regio__sq_txn_end(regio__sqlite_store *s, regio__sq_txn *t, regio_err rc,
                            regio_error *err)
{
    if (rc == REGIO_OK) {
        regio_err c = regio__sq_exec(s, t->own ? "COMMIT" : "RELEASE regio_op", err);
        if (c == REGIO_OK)
            return REGIO_OK;
        rc = c;
    }
    if (t->own) {
        if (!sqlite3_get_autocommit(s->db))
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    } else {
        sqlite3_exec(s->db, "ROLLBACK TO regio_op", NULL, NULL, NULL);
        sqlite3_exec(s->db, "RELEASE regio_op", NULL, NULL, NULL);
    }
    return rc;
}

regio_err regio__sq_prepare(regio__sqlite_store *s, const char *sql, sqlite3_stmt **st,
                              regio_error *err)
{
    int slot = -1;
    for (int i = 0; i < REGIO_SQ_CACHE; i++) {
        if (s->cache[i].st && !s->cache[i].busy && !strcmp(sqlite3_sql(s->cache[i].st), sql)) {
            s->cache[i].busy = 1;
            s->cache[i].used = ++s->cache_tick;
            *st = s->cache[i].st;
            return REGIO_OK;
        }
        /* The slot a new statement takes: an empty one, else the one
         * least recently used that nobody holds. */
        if (!s->cache[i].busy &&
            (slot < 0 || (s->cache[slot].st && (!s->cache[i].st ||
                                                 s->cache[i].used < s->cache[slot].used))))
            slot = i;
    }
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return regio__sq_err(s, err, "preparing a query");
    if (slot >= 0) {
        sqlite3_finalize(s->cache[slot].st);
        s->cache[slot].st = *st;
        s->cache[slot].busy = 1;
        s->cache[slot].used = ++s->cache_tick;
    }
    return REGIO_OK;
}

void regio__sq_cache_clear(regio__sqlite_store *s)
{
    for (int i = 0; i < REGIO_SQ_CACHE; i++) {
        sqlite3_finalize(s->cache[i].st);
        s->cache[i].st = NULL;
        s->cache[i].busy = 0;
    }
}

void regio__sq_release(regio__sqlite_store *s, sqlite3_stmt *st)
{
    if (!st)
        return;
    for (int i = 0; i < REGIO_SQ_CACHE; i++)
        if (s->cache[i].st == st) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            s->cache[i].busy = 0;
            return;
        }
    sqlite3_finalize(st);
}

regio_err regio__sq_prep(regio__sqlite_store *s, sqlite3_stmt **st, regio_error *err,
                         const char *sql, const char *types, ...)
{
    regio_err rc = regio__sq_prepare(s, sql, st, err);
    if (rc)
        return rc;
    va_list ap;
    va_start(ap, types);
    for (int i = 0; types[i]; i++) {
        if (types[i] == 't')
            bind_text(*st, i + 1, va_arg(ap, const char *));
        else if (types[i] == 'd')
            bind_num(*st, i + 1, va_arg(ap, double));
        else
            sqlite3_bind_int64(*st, i + 1, va_arg(ap, sqlite3_int64));
    }
    va_end(ap);
    return REGIO_OK;
}

regio_err regio__sq_finish(regio__sqlite_store *s, sqlite3_stmt *st, int r, regio_err rc,
                             regio_error *err)
{
    if (!rc && r != SQLITE_DONE)
        rc = regio__sq_err(s, err, "reading the store");
    regio__sq_release(s, st);
    return rc;
}

regio_err regio__sq_run(regio__sqlite_store *s, sqlite3_stmt *st, const char *what,
                        long *changes, regio_error *err)
{
    int r = sqlite3_step(st);
    regio_err rc = REGIO_OK;
    if (r != SQLITE_DONE && r != SQLITE_ROW)
        rc = regio__sq_err(s, err, what);
    else if (changes)
        *changes = (long)sqlite3_changes(s->db);
    regio__sq_release(s, st);
    return rc;
}

regio_err regio__sq_cancelled(regio_error *err)
{
    return regio__store_fail(err, REGIO_ECANCELLED, "stopped by the callback");
}

regio_err regio__sq_step_done(regio__sqlite_store *s, sqlite3_stmt *st, const char *what,
                              const char *ext, regio_error *err)
{
    int r = sqlite3_step(st);
    regio_err rc = REGIO_OK;
    if (r != SQLITE_DONE && r != SQLITE_ROW) {
        char buf[160];
        snprintf(buf, sizeof buf, "%s '%s'", what, ext ? ext : "");
        rc = regio__sq_err(s, err, buf);
    }
    done(st);
    return rc;
}

regio_err regio__sq_unit_id(regio__sqlite_store *s, const char *ext, sqlite3_int64 *id, int *found,
                            regio_error *err)
{
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_stmt(s, REGIO_ST_UNIT_ID, &st, err);
    if (rc)
        return rc;
    bind_text(st, 1, ext);
    int r = sqlite3_step(st);
    *found = r == SQLITE_ROW;
    if (*found)
        *id = sqlite3_column_int64(st, 0);
    else if (r != SQLITE_DONE)
        rc = regio__sq_err(s, err, "looking up a unit");
    done(st);
    return rc;
}

/* ---- open / close / transactions -------------------------------------------- */

static void sq_close(regio_store *base)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    if (s->db)
        regio__sq_token_touch_flush(s);
    regio_free(s->touch);
    for (int i = 0; i < REGIO_ST_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    regio__sq_cache_clear(s);
    if (s->db) {
        if (!sqlite3_get_autocommit(s->db))
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close_v2(s->db);
    }
    regio__sq_bulk_forget(s);
    regio_buf_free(&s->json);
    regio_free(s);
}

static int sq_schema_version(const regio_store *base)
{
    return ((const regio__sqlite_store *)base)->version;
}

/* Bulk loads: maintaining the secondary indexes of accounts row by row
 * (random inserts into owner and unit indexes) costs more than the table
 * itself, so once a transaction has added or changed REGIO_BULK_AFTER accounts the indexes
 * are dropped inside it and rebuilt (by sorting, far cheaper) just before
 * the commit. A rollback restores them with everything else. */

void regio__sq_bulk_forget(regio__sqlite_store *s)
{
    for (int i = 0; i < s->n_bulk; i++)
        regio_free(s->bulk_sql[i]);
    s->n_bulk = 0;
    s->bulk_tables = 0;
}

void regio__sq_bulk_enter_table(regio__sqlite_store *s, const char *table, unsigned bit)
{
    if (s->bulk_tables & bit)
        return; /* already in bulk mode */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                           " AND tbl_name = ?1 AND sql IS NOT NULL ORDER BY name",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    bind_text(st, 1, table);
    char names[8][64];
    int first = s->n_bulk, n = s->n_bulk;
    while (n < 8 && sqlite3_step(st) == SQLITE_ROW) {
        char *sql = regio_strdup(col_text(st, 1));
        if (!sql)
            break;
        snprintf(names[n], sizeof names[n], "%s", col_text(st, 0));
        s->bulk_sql[n++] = sql;
    }
    sqlite3_finalize(st);
    s->n_bulk = n;
    s->bulk_tables |= bit;
    for (int i = first; i < n; i++) {
        char drop[600];
        snprintf(drop, sizeof drop, "DROP INDEX \"%s\"", names[i]);
        if (sqlite3_exec(s->db, drop, NULL, NULL, NULL) != SQLITE_OK) {
            /* Keep only the definitions of indexes actually dropped. */
            for (int j = i; j < n; j++)
                regio_free(s->bulk_sql[j]);
            s->n_bulk = i;
            break;
        }
    }
}

void regio__sq_bulk_enter(regio__sqlite_store *s)
{
    regio__sq_bulk_enter_table(s, "accounts", 1u);
}

regio_err regio__sq_bulk_leave(regio__sqlite_store *s, regio_error *err)
{
    if (sqlite3_get_autocommit(s->db)) {
        regio__sq_bulk_forget(s); /* SQLite already rolled back: the indexes are back */
        return REGIO_OK;
    }
    for (int i = 0; i < s->n_bulk; i++) {
        if (!s->bulk_sql[i])
            continue; /* rebuilt by an earlier, partly failed commit */
        /* Skip an index a savepoint rollback has already brought back. */
        sqlite3_stmt *st = NULL;
        int exists = 0;
        if (sqlite3_prepare_v2(s->db,
                               "SELECT 1 FROM sqlite_master WHERE type = 'index' AND sql = ?1", -1,
                               &st, NULL) == SQLITE_OK) {
            bind_text(st, 1, s->bulk_sql[i]);
            exists = sqlite3_step(st) == SQLITE_ROW;
        }
        sqlite3_finalize(st);
        regio_err rc = exists ? REGIO_OK : regio__sq_exec(s, s->bulk_sql[i], err);
        if (rc)
            return rc;
        regio_free(s->bulk_sql[i]);
        s->bulk_sql[i] = NULL;
    }
    s->n_bulk = 0;
    return REGIO_OK;
}

static regio_err sq_begin(regio_store *base, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio_err rc = regio__sq_exec(s, "BEGIN IMMEDIATE", err);
    if (!rc) {
        s->user_txn = 1;
        s->txn_upserts = 0;
        regio__sq_sales_forget(s);
    }
    return rc;
}

static regio_err sq_commit(regio_store *base, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    long long staged = 0;
    regio_err rc = regio__sq_bulk_leave(s, err);
    if (!rc)
        rc = regio__sq_sales_settle(s, &staged, err);
    if (!rc)
        rc = regio__sq_sales_flush(s, err);
    if (!rc)
        rc = regio__sq_exec(s, "COMMIT", err);
    if (!rc || sqlite3_get_autocommit(s->db)) {
        s->user_txn = 0;
        regio__sq_bulk_forget(s);
        regio__sq_sales_forget(s);
    }
    return rc;
}

static regio_err sq_rollback(regio_store *base, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    if (sqlite3_get_autocommit(s->db))
        return regio__store_fail(err, REGIO_EINVAL, "rollback without an open transaction");
    regio_err rc = regio__sq_exec(s, "ROLLBACK", err);
    s->user_txn = 0;
    regio__sq_bulk_forget(s); /* the rollback restored the dropped indexes */
    regio__sq_sales_forget(s);
    return rc;
}

static regio_err sq_nest_begin(regio_store *base, int *own, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    *own = sqlite3_get_autocommit(s->db);
    return *own ? sq_begin(base, err) : regio__sq_exec(s, "SAVEPOINT regio_nest", err);
}

static regio_err sq_nest_end(regio_store *base, int own, regio_err rc, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    if (!rc)
        rc = own ? sq_commit(base, err) : regio__sq_exec(s, "RELEASE regio_nest", err);
    if (!rc)
        return REGIO_OK;
    regio_error ignore;
    if (own) {
        if (!sqlite3_get_autocommit(s->db))
            sq_rollback(base, &ignore);
    } else {
        sqlite3_exec(s->db, "ROLLBACK TO regio_nest", NULL, NULL, NULL);
        sqlite3_exec(s->db, "RELEASE regio_nest", NULL, NULL, NULL);
    }
    return rc;
}

/* ---- vtable and open ------------------------------------------------------------------------ */

static const regio__store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .schema_version = sq_schema_version,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .nest_begin = sq_nest_begin,
    .nest_end = sq_nest_end,
    .account_upsert = regio__sq_account_upsert,
    .rep_upsert = regio__sq_rep_upsert,
    .unit_upsert = regio__sq_unit_upsert,
    .adjacency_replace = regio__sq_adjacency_replace,
    .accounts_foreach = regio__sq_accounts_foreach,
    .accounts_query = regio__sq_accounts_query,
    .accounts_get = regio__sq_accounts_get,
    .reps_foreach = regio__sq_reps_foreach,
    .units_foreach = regio__sq_units_foreach,
    .adjacency_foreach = regio__sq_adjacency_foreach,
    .account_set_unit = regio__sq_account_set_unit,
    .unit_measures_from_accounts = regio__sq_unit_measures_from_accounts,
    .unit_measure_set = regio__sq_unit_measure_set,
    .stats = regio__sq_stats,
    .model_create = regio__sq_model_create,
    .model_find = regio__sq_model_find,
    .model_list = regio__sq_model_list,
    .territory_upsert = regio__sq_territory_upsert,
    .territory_set_rep = regio__sq_territory_set_rep,
    .model_reset = regio__sq_model_reset,
    .units_fingerprint = regio__sq_units_fingerprint,
    .alignment_set = regio__sq_alignment_set,
    .alignment_foreach = regio__sq_alignment_foreach,
    .model_reasons_set = regio__sq_model_reasons_set,
    .model_reasons_foreach = regio__sq_model_reasons_foreach,
    .alignment_revision = regio__sq_alignment_revision,
    .generation = regio__sq_generation,
    .others_version = regio__sq_others_version,
    .access_epoch = regio__sq_access_epoch,
    .model_clone = regio__sq_model_clone,
    .model_promote = regio__sq_model_promote,
    .model_archive = regio__sq_model_archive,
    .model_find_at = regio__sq_model_find_at,
    .model_list_at = regio__sq_model_list_at,
    .promotions_foreach = regio__sq_promotions_foreach,
    .model_rollback = regio__sq_model_rollback,
    .alignment_apply = regio__sq_alignment_apply,
    .alignment_lock = regio__sq_alignment_lock,
    .territories_foreach = regio__sq_territories_foreach,
    .plan_save = regio__sq_plan_save,
    .plans_foreach = regio__sq_plans_foreach,
    .plan_visits_foreach = regio__sq_plan_visits_foreach,
    .audit_append = regio__sq_audit_append,
    .audit_verify = regio__sq_audit_verify,
    .role_upsert = regio__sq_role_upsert,
    .roles_foreach = regio__sq_roles_foreach,
    .user_upsert = regio__sq_user_upsert,
    .users_foreach = regio__sq_users_foreach,
    .user_set_active = regio__sq_user_set_active,
    .user_set_password_hash = regio__sq_user_set_password_hash,
    .user_password_hash = regio__sq_user_password_hash,
    .login_users = regio__sq_login_users,
    .territory_set_access = regio__sq_territory_set_access,
    .territory_edit = regio__sq_territory_edit,
    .membership_upsert = regio__sq_membership_upsert,
    .membership_remove = regio__sq_membership_remove,
    .memberships_foreach = regio__sq_memberships_foreach,
    .association_set = regio__sq_association_set,
    .associations_foreach = regio__sq_associations_foreach,
    .account_keys_foreach = regio__sq_account_keys_foreach,
    .model_in_force = regio__sq_model_in_force,
    .token_add = regio__sq_token_add,
    .token_user = regio__sq_token_user,
    .token_revoke = regio__sq_token_revoke,
    .tokens_foreach = regio__sq_tokens_foreach,
    .session_add = regio__sq_session_add,
    .session_find = regio__sq_session_find,
    .session_remove = regio__sq_session_remove,
    .audit_foreach = regio__sq_audit_foreach,
    .rules = &regio__sq_rules_ops,
    .perf = &regio__sq_perf_ops,
    .jobs = &regio__sq_jobs_ops,
    .challenge_add = regio__sq_challenge_add,
    .challenge_close = regio__sq_challenge_close,
    .challenges_foreach = regio__sq_challenges_foreach,
    .model_auto_approval = regio__sq_model_auto_approval,
    .model_set_auto_approval = regio__sq_model_set_auto_approval,
    .copy = &regio__sq_copy_ops,
};

sqlite3 *regio__sqlite_handle(regio_store *s)
{
    return s && s->ops == &sqlite_ops ? REGIO_SQ(s)->db : NULL;
}

/* SQLite's own busy timeout sleeps 1, 2, 5, 10 ... up to 100 ms at a time,
 * so a connection waiting for another process's write lock (two servers on
 * one file take turns at it hundreds of times a second) goes on sleeping
 * long after the lock is free, and a server holds its store lock all that
 * while. Short sleeps instead: 0.1 ms for the first 20 tries, then 0.5 ms
 * for 200, then 2 ms, up to REGIO_SQ_BUSY_MS of sleep in all. */
static int busy_sleep(void *ud, int count)
{
    (void)ud;
    long slept_us = count < 20    ? count * 100L
                    : count < 220 ? 2000L + (count - 20) * 500L
                                  : 102000L + (count - 220) * 2000L;
    if (slept_us >= REGIO_SQ_BUSY_MS * 1000L)
        return 0;
    long us = count < 20 ? 100 : count < 220 ? 500 : 2000;
    struct timespec ts = {0, us * 1000L};
    nanosleep(&ts, NULL);
    return 1;
}

void regio__sq_busy_wait(sqlite3 *db, int on)
{
    sqlite3_busy_handler(db, on ? busy_sleep : NULL, NULL);
}

regio_err regio__sqlite_open(const char *path, regio_store **out, regio_error *err)
{
    regio__sqlite_store *s = regio_calloc(1, sizeof *s);
    if (!s)
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory opening the store");
    s->base.ops = &sqlite_ops;
    regio_buf_init(&s->json, 0);
    /* NOMUTEX: a handle is used by one thread at a time (see store.h), so
     * SQLite need not lock the connection on every call. */
    int r = sqlite3_open_v2(path, &s->db,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    regio_err rc = REGIO_OK;
    if (r != SQLITE_OK) {
        rc = regio__store_fail(err, r == SQLITE_NOMEM ? REGIO_ENOMEM : REGIO_EIO,
                               "cannot open store '%s': %s", path,
                               s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(r));
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    regio__sq_busy_wait(s->db, 1);
    /* Nothing below may write before the file is known to be a Regio store
     * of a schema this build knows: switching to write-ahead logging or a
     * migration would change another application's database, a damaged
     * file or a newer store. */
    if (sqlite3_db_readonly(s->db, "main") == 1) {
        rc = regio__store_fail(err, REGIO_EIO,
                               "store '%s' is read-only (its file is not writable): Regio "
                               "writes to the store it opens; make the file writable, or copy "
                               "it somewhere writable",
                               path);
        goto fail;
    }
    if ((rc = regio__sqlite_identify(s->db, path, 1, err)))
        goto fail;
    /* WAL with synchronous=NORMAL: a committed transaction survives a crash
     * of the process (not necessarily of the OS); readers never block the
     * writer. Foreign keys are per connection and off by default. Reading
     * the file through mmap halves the cost of imports whose ids arrive in
     * random order (index pages are not copied into the page cache). */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        rc = regio__store_fail(err, REGIO_ESTORE, "cannot open store '%s': %s", path,
                               sqlite3_errmsg(s->db));
        sqlite3_finalize(st);
        goto fail;
    }
    const char *mode = col_text(st, 0);
    int wal_ok = mode && (!strcmp(mode, "wal") || !strcmp(mode, "memory"));
    sqlite3_finalize(st);
    if (!wal_ok) {
        rc = regio__store_fail(err, REGIO_ESTORE,
                               "store '%s' cannot use write-ahead logging", path);
        goto fail;
    }
    if ((rc = regio__sq_exec(s,
                   "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
                   " PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;"
                   " PRAGMA mmap_size = 1073741824",
                   err)))
        goto fail;
    if ((rc = regio__sqlite_migrate(s->db, 0, &s->version, err)))
        goto fail;
    *out = &s->base;
    return REGIO_OK;
fail:
    sq_close(&s->base);
    return rc;
}
