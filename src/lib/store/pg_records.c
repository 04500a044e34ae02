/*
 * PostgreSQL backend, records: account, rep and unit upserts with the same
 * content-hash change detection and attribute JSON as SQLite
 * (store/record_codec.h), the ordered readers (through a cursor, a batch
 * of rows at a time, in byte order of the external ids like SQLite),
 * unit adjacency, allocation of accounts to units and the counts.
 */
#include "store/pg_impl.h"
#include "regio/strmap.h"
#include "store/record_codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- reading in batches ---------------------------------------------------------------- */

/* Rows fetched from the cursor at a time. */
#define PG_BATCH 2000

typedef regio_err (*pg_row_fn)(void *ctx, const PGresult *res, int row, regio_error *err);

/* Runs the query sql (with text params) through a cursor and calls fn for
 * every row, in the caller's transaction or one of its own; fn's error
 * (REGIO_ECANCELLED to stop) ends the loop and is returned. */
static regio_err each_row(regio__pg_store *s, const char *sql, int n, const char *const *params,
                          pg_row_fn fn, void *ctx, regio_error *err)
{
    regio__pg_txn t;
    regio_err rc = regio__pg_txn_begin(s, &t, err);
    if (rc)
        return rc;
    size_t len = strlen(sql) + 64;
    char *decl = regio_malloc(len);
    if (!decl)
        return regio__pg_txn_end(s, &t,
                                 regio__store_fail(err, REGIO_ENOMEM, "out of memory reading"),
                                 err);
    snprintf(decl, len, "DECLARE regio_rows NO SCROLL CURSOR FOR %s", sql);
    rc = regio__pg_query(s, decl, n, params, PGRES_COMMAND_OK, "reading the store", NULL, err);
    regio_free(decl);
    while (!rc) {
        PGresult *res = NULL;
        rc = regio__pg_query(s, "FETCH " REGIO_PG_STR(PG_BATCH) " FROM regio_rows", 0, NULL,
                             PGRES_TUPLES_OK, "reading the store", &res, err);
        if (rc)
            break;
        int rows = PQntuples(res);
        for (int i = 0; i < rows && !rc; i++)
            rc = fn(ctx, res, i, err);
        PQclear(res);
        if (rows < PG_BATCH)
            break;
    }
    if (!rc)
        rc = regio__pg_exec(s, "CLOSE regio_rows", err);
    /* A read changes nothing: a stopped read ends its transaction cleanly. */
    if (rc == REGIO_ECANCELLED) {
        regio_error ignore;
        regio__pg_txn_end(s, &t, REGIO_ECANCELLED, &ignore);
        return rc;
    }
    return regio__pg_txn_end(s, &t, rc, err);
}

typedef struct key_ctx {
    regio_account_key_cb cb;
    void *ud;
} key_ctx;

static regio_err key_row(void *ctx, const PGresult *res, int i, regio_error *err)
{
    key_ctx *c = ctx;
    return c->cb(c->ud, regio__pg_col_text(res, i, 0), regio__pg_col_text(res, i, 1),
                 regio__pg_col_text(res, i, 2))
               ? regio__pg_cancelled(err)
               : REGIO_OK;
}

/* Through a cursor: at millions of accounts one result would hold them all
 * in the client's memory at once (the access snapshot reads them). */
regio_err regio__pg_account_keys_foreach(regio_store *base, regio_account_key_cb cb, void *ud,
                                         regio_error *err)
{
    key_ctx c = {cb, ud};
    return each_row(REGIO_PG(base),
                    "SELECT ext_id, owner_ext, unit_ext FROM accounts ORDER BY ext_id COLLATE \"C\"",
                    0, NULL, key_row, &c, err);
}

/* Runs sql once and calls fn for every row: for results known to be small
 * (a page of accounts), where a cursor's BEGIN, DECLARE, FETCH, CLOSE and
 * COMMIT would be five round trips for one. */
static regio_err all_rows(regio__pg_store *s, const char *sql, int n, const char *const *params,
                          pg_row_fn fn, void *ctx, regio_error *err)
{
    PGresult *res = NULL;
    regio_err rc =
        regio__pg_query(s, sql, n, params, PGRES_TUPLES_OK, "reading the store", &res, err);
    for (int i = 0; !rc && i < PQntuples(res); i++)
        rc = fn(ctx, res, i, err);
    PQclear(res);
    return rc;
}

/* ---- upserts -------------------------------------------------------------------------- */

static regio_err encode_attrs(regio__pg_store *s, const regio_attr *attrs, size_t n,
                              const char *id, regio_error *err)
{
    if (attrs_json(&s->json, attrs, n))
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory encoding attributes of '%s'",
                                 id);
    return REGIO_OK;
}

/* ---- bulk account loads through COPY --------------------------------------------------- */

#define STAGE_COLS                                                                     \
    "ext_id, name, street, city, region, postal_code, country, lat, lon, geo_source,"  \
    " owner_ext, industry, type, segment, annual_revenue, employees, potential,"       \
    " unit_ext, attrs, row_hash, created_at, updated_at"

void regio__pg_bulk_forget(regio__pg_store *s)
{
    regio_strmap_destroy(s->known);
    s->known = NULL;
    regio_free(s->known_v);
    s->known_v = NULL;
    s->n_known = s->cap_known = 0;
    s->batch = 0;
    s->direct = 0;
    regio_free(s->seen);
    s->seen = NULL;
    s->n_seen = s->cap_seen = 0;
    regio_free(s->drop_idx);
    s->drop_idx = NULL;
}

/* ---- a load into an empty table ---------------------------------------------------------- */

/* The id's 64-bit hash, never 0 (an empty slot of seen). */
static unsigned long long id_hash(const char *id)
{
    regio__hash h;
    regio__hash_init(&h);
    regio__hash_str(&h, id);
    return h.h ? h.h : 1;
}

static size_t seen_slot(const unsigned long long *v, size_t cap, unsigned long long h)
{
    size_t i = (size_t)(h ^ (h >> 29)) & (cap - 1);
    while (v[i] && v[i] != h)
        i = (i + 1) & (cap - 1);
    return i;
}

/* Adds h to seen; *was: it was there already (the id, or a collision). */
static regio_err seen_add(regio__pg_store *s, unsigned long long h, int *was, regio_error *err)
{
    if (2 * (s->n_seen + 1) > s->cap_seen) {
        size_t cap = s->cap_seen ? 2 * s->cap_seen : 1 << 16;
        unsigned long long *v = regio_calloc(cap, sizeof *v);
        if (!v)
            return regio__store_fail(err, REGIO_ENOMEM, "out of memory loading accounts");
        for (size_t i = 0; i < s->cap_seen; i++)
            if (s->seen[i])
                v[seen_slot(v, cap, s->seen[i])] = s->seen[i];
        regio_free(s->seen);
        s->seen = v;
        s->cap_seen = cap;
    }
    size_t i = seen_slot(s->seen, s->cap_seen, h);
    *was = s->seen[i] != 0;
    if (!*was) {
        s->seen[i] = h;
        s->n_seen++;
    }
    return REGIO_OK;
}

/* Drops the secondary indexes of accounts and its unique constraints for
 * a load into the empty table, keeping their definitions to make them
 * again at its end: one sort of the loaded rows instead of a descent a
 * row. */
static regio_err drop_indexes(regio__pg_store *s, regio_error *err)
{
    PGresult *res = NULL;
    regio_err rc = regio__pg_query(s,
                                   /* Only this table's indexes are described: the
                                    * description of another's, which another
                                    * connection may be dropping, can fail. */
                                   "SELECT i.relname, pg_get_indexdef(x.indexrelid)"
                                   " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
                                   " WHERE x.indrelid = 'accounts'::regclass"
                                   " AND NOT x.indisunique ORDER BY i.relname",
                                   0, NULL, PGRES_TUPLES_OK, "loading accounts", &res, err);
    regio_buf drop, make;
    regio_buf_init(&drop, 0);
    regio_buf_init(&make, 0);
    for (int i = 0; !rc && i < PQntuples(res); i++) {
        char *q = PQescapeIdentifier(s->conn, PQgetvalue(res, i, 0), strlen(PQgetvalue(res, i, 0)));
        if (!q || regio_buf_printf(&drop, "DROP INDEX %s;", q) ||
            regio_buf_printf(&make, "%s;", PQgetvalue(res, i, 1)))
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory loading accounts");
        PQfreemem(q);
    }
    PQclear(res);
    /* The unique constraint on the external id too (the primary key stays:
     * other tables refer to it): the load's ids are checked by the importer
     * (seen_add) against each other and against the rows already there,
     * and the constraint made again at the end checks them once more. */
    res = NULL;
    if (!rc)
        rc = regio__pg_query(s,
                             "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                             " WHERE conrelid = 'accounts'::regclass AND contype = 'u'",
                             0, NULL, PGRES_TUPLES_OK, "loading accounts", &res, err);
    for (int i = 0; !rc && i < PQntuples(res); i++) {
        char *q = PQescapeIdentifier(s->conn, PQgetvalue(res, i, 0), strlen(PQgetvalue(res, i, 0)));
        if (!q || regio_buf_printf(&drop, "ALTER TABLE accounts DROP CONSTRAINT %s;", q) ||
            regio_buf_printf(&make, "ALTER TABLE accounts ADD CONSTRAINT %s %s;", q,
                             PQgetvalue(res, i, 1)))
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory loading accounts");
        PQfreemem(q);
    }
    PQclear(res);
    if (!rc && drop.len)
        rc = regio__pg_exec(s, drop.data, err);
    if (!rc && make.len) {
        s->drop_idx = make.data;
        make.data = NULL;
    }
    regio_buf_free(&drop);
    regio_buf_free(&make);
    return rc;
}

/* Learns the content hash of every stored account (one cursor), so that a
 * bulk load can tell added, updated and unchanged rows without asking. */
static regio_err known_add(regio__pg_store *s, const char *id, long long hash, long batch,
                           regio_error *err)
{
    if (s->n_known == s->cap_known) {
        size_t cap = s->cap_known ? 2 * s->cap_known : 4096;
        regio__pg_known *v = regio_realloc(s->known_v, cap * sizeof *v);
        if (!v)
            return regio__store_fail(err, REGIO_ENOMEM, "out of memory loading accounts");
        s->known_v = v;
        s->cap_known = cap;
    }
    int found = 0;
    long old = 0;
    if (regio_strmap_put(s->known, id, (long)s->n_known, &found, &old))
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory loading accounts");
    if (found) {
        s->known_v[old] = (regio__pg_known){hash, batch};
        return REGIO_OK;
    }
    s->known_v[s->n_known++] = (regio__pg_known){hash, batch};
    return REGIO_OK;
}

static regio_err known_row(void *ctx, const PGresult *res, int i, regio_error *err)
{
    return known_add(ctx, PQgetvalue(res, i, 0), regio__pg_col_int(res, i, 1), 0, err);
}

/* Accounts in the table when a load starts below which it goes straight
 * into the table (direct). */
#define REGIO_PG_DIRECT_BELOW 4096

static regio_err seen_row(void *ctx, const PGresult *res, int i, regio_error *err)
{
    int was = 0;
    return seen_add(ctx, id_hash(PQgetvalue(res, i, 0)), &was, err);
}

static regio_err bulk_start(regio__pg_store *s, regio_error *err)
{
    s->known = regio_strmap_create(1024);
    if (!s->known)
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory loading accounts");
    s->batch = 1;
    regio_err rc = regio__pg_exec(s,
                                  "CREATE TEMPORARY TABLE IF NOT EXISTS regio_accounts_stage"
                                  " (seq bigserial, ext_id text, name text, street text,"
                                  " city text, region text, postal_code text, country text,"
                                  " lat double precision, lon double precision,"
                                  " geo_source bigint, owner_ext text, industry text,"
                                  " type text, segment text,"
                                  " annual_revenue double precision,"
                                  " employees double precision, potential double precision,"
                                  " unit_ext text, attrs text, row_hash bigint,"
                                  " created_at text, updated_at text)",
                                  err);
    /* A first load (the table empty but for the rows this transaction
     * wrote one by one before it became a load) needs neither the staging
     * table nor the hashes of what is stored: the ids there are seen. */
    long long n = 0;
    if (!rc)
        rc = regio__pg_int_query(s, "SELECT count(*) FROM (SELECT 1 FROM accounts LIMIT $1) a"
                                    " WHERE $2 = 0", REGIO_PG_DIRECT_BELOW, 0, &n, err);
    if (!rc && n < REGIO_PG_DIRECT_BELOW) {
        s->direct = 1;
        rc = each_row(s, "SELECT ext_id FROM accounts", 0, NULL, seen_row, s, err);
        if (!rc)
            rc = drop_indexes(s, err);
    } else if (!rc) {
        rc = each_row(s, "SELECT ext_id, row_hash FROM accounts", 0, NULL, known_row, s, err);
    }
    if (rc)
        regio__pg_bulk_forget(s);
    return rc;
}

/* Makes the indexes and constraints a direct load dropped again. */
static regio_err restore_indexes(regio__pg_store *s, regio_error *err)
{
    regio_err rc = regio__pg_exec(s, s->drop_idx, err);
    regio_free(s->drop_idx);
    s->drop_idx = NULL;
    return rc;
}

regio_err regio__pg_flush(regio__pg_store *s, regio_error *err)
{
    /* Dropped at the load's start but no COPY under way (a row the load
     * saw already goes one by one, and needs the unique id; a commit):
     * back now. */
    if (!s->copying && !s->flushing && s->direct && s->drop_idx)
        return restore_indexes(s, err);
    if (!s->copying || s->flushing)
        return REGIO_OK;
    if (s->copying == REGIO_PG_COPY_SALES)
        return regio__pg_sales_copy_end(s, err);
    s->flushing = 1;
    s->copying = 0;
    regio_err rc = REGIO_OK;
    if (PQputCopyEnd(s->conn, NULL) != 1) {
        rc = regio__store_fail(err, REGIO_EIO, "writing accounts: the connection to %s failed",
                               s->where);
    } else {
        PGresult *res = PQgetResult(s->conn);
        rc = regio__pg_check(s, res, PGRES_COMMAND_OK, "writing accounts", err);
        PQclear(res);
        while ((res = PQgetResult(s->conn)))
            PQclear(res);
    }
    /* Straight into the table: its indexes back, once. */
    if (!rc && s->direct && s->drop_idx)
        rc = restore_indexes(s, err);
    /* The same rule as one upsert: a NULL unit keeps the allocated unit
     * unless the coordinates moved. No id is staged twice in one batch. */
    if (!rc && !s->direct)
        rc = regio__pg_exec(
            s,
            "INSERT INTO accounts AS a (" STAGE_COLS ") SELECT " STAGE_COLS
            " FROM regio_accounts_stage ORDER BY seq"
            " ON CONFLICT (ext_id) DO UPDATE SET name = excluded.name,"
            " street = excluded.street, city = excluded.city, region = excluded.region,"
            " postal_code = excluded.postal_code, country = excluded.country,"
            " unit_ext = CASE WHEN excluded.unit_ext IS NOT NULL THEN excluded.unit_ext"
            "   WHEN a.lat IS NOT DISTINCT FROM excluded.lat"
            "    AND a.lon IS NOT DISTINCT FROM excluded.lon THEN a.unit_ext ELSE NULL END,"
            " lat = excluded.lat, lon = excluded.lon, geo_source = excluded.geo_source,"
            " owner_ext = excluded.owner_ext, industry = excluded.industry,"
            " type = excluded.type, segment = excluded.segment,"
            " annual_revenue = excluded.annual_revenue, employees = excluded.employees,"
            " potential = excluded.potential, attrs = excluded.attrs,"
            " row_hash = excluded.row_hash, updated_at = excluded.updated_at"
            " WHERE a.row_hash <> excluded.row_hash;"
            "TRUNCATE regio_accounts_stage",
            err);
    s->batch++;
    s->flushing = 0;
    return rc;
}

/* Stages one account of a bulk load; *out from what the load knows. In a
 * direct load, an id seen before sets *one instead: the COPY is ended and
 * the caller upserts the row by itself. */
static regio_err bulk_upsert(regio__pg_store *s, const regio_account *a, long long hash,
                             regio_upsert_result *out, int *one, regio_error *err)
{
    regio_err rc = REGIO_OK;
    *one = 0;
    if (!s->known && (rc = bulk_start(s, err)))
        return rc;
    long idx = -1;
    if (s->direct) {
        int was = 0;
        if ((rc = seen_add(s, id_hash(a->id), &was, err)))
            return rc;
        if (was) {
            *one = 1;
            return regio__pg_flush(s, err);
        }
    } else {
        idx = regio_strmap_get(s->known, a->id);
        if (idx >= 0 && s->known_v[idx].hash == hash) {
            if (out)
                *out = REGIO_UPSERT_UNCHANGED;
            return REGIO_OK;
        }
    }
    /* Staged already in this batch: merge that first, so that rows apply
     * in order exactly as one upsert after the other. */
    if (idx >= 0 && s->known_v[idx].batch == s->batch && (rc = regio__pg_flush(s, err)))
        return rc;
    if (s->copying == REGIO_PG_COPY_SALES && (rc = regio__pg_flush(s, err)))
        return rc;
    if (!s->copying) {
        PGresult *res = PQexec(s->conn, s->direct
                                            ? "COPY accounts (" STAGE_COLS ") FROM STDIN"
                                            : "COPY regio_accounts_stage (" STAGE_COLS
                                              ") FROM STDIN");
        rc = regio__pg_check(s, res, PGRES_COPY_IN, "writing accounts", err);
        PQclear(res);
        if (rc)
            return rc;
        s->copying = REGIO_PG_COPY_ACCOUNTS;
    }
    char b[8][32];
    const char *f[22] = {a->id, a->name, a->street, a->city, a->region, a->postal_code,
                         a->country, regio__pg_num(b[0], a->lat), regio__pg_num(b[1], a->lon),
                         regio__pg_int(b[2], (long long)a->geo_source), a->owner, a->industry,
                         a->type, a->segment, regio__pg_num(b[3], a->annual_revenue),
                         regio__pg_num(b[4], a->employees), regio__pg_num(b[5], a->potential),
                         a->unit_id, s->json.data, regio__pg_int(b[6], hash), regio__pg_now(b[7]),
                         b[7]};
    regio_buf_reset(&s->line);
    for (int i = 0; i < 22 && !rc; i++)
        rc = regio__pg_copy_field(&s->line, f[i], f[i] ? strlen(f[i]) : 0, i == 21);
    if (rc)
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory writing account '%s'", a->id);
    if (PQputCopyData(s->conn, s->line.data, (int)s->line.len) != 1)
        return regio__store_fail(err, REGIO_EIO, "writing account '%s': the connection to %s"
                                 " failed", a->id, s->where);
    if (!s->direct && (rc = known_add(s, a->id, hash, s->batch, err)))
        return rc;
    if (out)
        *out = idx >= 0 ? REGIO_UPSERT_UPDATED : REGIO_UPSERT_ADDED;
    return REGIO_OK;
}

regio_err regio__pg_account_upsert(regio_store *base, const regio_account *a,
                                   regio_upsert_result *out, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio_err rc = encode_attrs(s, a->attrs, a->n_attrs, a->id, err);
    if (rc)
        return rc;
    /* A large load in the caller's transaction goes through COPY. */
    if (s->user_txn && (s->known || ++s->txn_upserts > REGIO_PG_BULK_AFTER)) {
        int one = 0;
        rc = bulk_upsert(s, a, (long long)regio__account_hash(a, s->json.data), out, &one, err);
        if (rc || !one)
            return rc;
    }
    char b[8][32];
    const char *p[21] = {a->id, a->name, a->street, a->city, a->region, a->postal_code,
                         a->country, regio__pg_num(b[0], a->lat), regio__pg_num(b[1], a->lon),
                         regio__pg_int(b[2], (long long)a->geo_source), a->owner, a->industry,
                         a->type, a->segment, regio__pg_num(b[3], a->annual_revenue),
                         regio__pg_num(b[4], a->employees), regio__pg_num(b[5], a->potential),
                         a->unit_id, s->json.data,
                         regio__pg_int(b[6], (long long)regio__account_hash(a, s->json.data)),
                         regio__pg_now(b[7])};
    PGresult *res = NULL;
    char what[160];
    snprintf(what, sizeof what, "writing account '%s'", a->id);
    rc = regio__pg_run(s, REGIO_PG_ACC_UPSERT, 21, p, PGRES_TUPLES_OK, what, &res, err);
    if (rc)
        return rc;
    if (out)
        *out = PQntuples(res) == 0                  ? REGIO_UPSERT_UNCHANGED
               : regio__pg_col_int(res, 0, 0) == 1 ? REGIO_UPSERT_ADDED
                                                   : REGIO_UPSERT_UPDATED;
    PQclear(res);
    return REGIO_OK;
}

/* Looks up (id, row_hash) by external id. */
static regio_err find_hash(regio__pg_store *s, int which, const char *ext, long long *id,
                           long long *hash, int *found, regio_error *err)
{
    PGresult *res = NULL;
    const char *p[1] = {ext};
    regio_err rc = regio__pg_run(s, which, 1, p, PGRES_TUPLES_OK, "looking up a record", &res,
                                 err);
    if (rc)
        return rc;
    *found = PQntuples(res) > 0;
    if (*found) {
        *id = regio__pg_col_int(res, 0, 0);
        *hash = regio__pg_col_int(res, 0, 1);
    }
    PQclear(res);
    return REGIO_OK;
}

regio_err regio__pg_rep_upsert(regio_store *base, const regio_rep *r, regio_upsert_result *out,
                               regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio_err rc = encode_attrs(s, r->attrs, r->n_attrs, r->id, err);
    if (rc)
        return rc;
    long long hash = (long long)regio__rep_hash(r, s->json.data);
    long long id = 0, old = 0;
    int found = 0;
    if ((rc = find_hash(s, REGIO_PG_REP_GET, r->id, &id, &old, &found, err)))
        return rc;
    if (found && old == hash) {
        if (out)
            *out = REGIO_UPSERT_UNCHANGED;
        return REGIO_OK;
    }
    regio__pg_txn t;
    if ((rc = regio__pg_txn_begin(s, &t, err)))
        return rc;
    /* Reps are users too: keep the user row (login = rep external id) in step. */
    char b[8][32];
    const char *pu[4] = {r->id, r->name, r->email, regio__pg_now(b[0])};
    PGresult *res = NULL;
    rc = regio__pg_run(s, REGIO_PG_USER_UPSERT, 4, pu, PGRES_TUPLES_OK,
                       "writing the user of a rep", &res, err);
    long long user_id = rc ? 0 : regio__pg_col_int(res, 0, 0);
    PQclear(res);
    if (!rc) {
        const char *p[20] = {r->id, r->name, r->email, r->city, r->region, r->postal_code,
                             r->country, regio__pg_num(b[1], r->lat),
                             regio__pg_num(b[2], r->lon),
                             regio__pg_int(b[3], (long long)r->geo_source),
                             regio__pg_num(b[4], r->capacity), r->skills, r->day_start,
                             r->day_end, r->manager, s->json.data, regio__pg_int(b[5], hash),
                             b[0], regio__pg_int(b[6], user_id), regio__pg_int(b[7], id)};
        char what[160];
        snprintf(what, sizeof what, "writing rep '%s'", r->id);
        rc = regio__pg_run(s, found ? REGIO_PG_REP_UPD : REGIO_PG_REP_INS, found ? 20 : 19, p,
                           PGRES_COMMAND_OK, what, NULL, err);
    }
    rc = regio__pg_txn_end(s, &t, rc, err);
    if (!rc && out)
        *out = found ? REGIO_UPSERT_UPDATED : REGIO_UPSERT_ADDED;
    return rc;
}

/* The reps that change go through COPY into a staging table and two
 * statements (their users, then them), as rep_upsert writes each; an id
 * twice, or anything failing there, and they go again one by one. */
regio_err regio__pg_reps_upsert_many(regio_store *base, const regio_rep *r, size_t n,
                                     regio_upsert_result *out, size_t *bad, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    *bad = 0;
    regio__pg_txn t;
    regio_err rc = regio__pg_txn_begin(s, &t, err);
    if (rc)
        return rc;
    /* What is stored of them: the content hash by id. */
    const char **ids = regio_malloc((n ? n : 1) * sizeof *ids);
    regio_strmap *old = NULL, *seen = regio_strmap_create(n + 1);
    regio_buf lines;
    regio_buf_init(&lines, 0);
    PGresult *res = NULL;
    int again = 0;
    size_t m = 0;
    if (!ids || !seen)
        rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory writing reps");
    for (size_t i = 0; !rc && i < n; i++)
        ids[i] = r[i].id;
    if (!rc)
        rc = regio__pg_rows_by_key(s,
                                   "SELECT ext_id, row_hash FROM reps"
                                   " WHERE ext_id = ANY($1::text[])",
                                   ids, n, "reading reps", &res, &old, err);
    for (size_t i = 0; !rc && !again && i < n; i++) {
        const regio_rep *p = &r[i];
        if ((rc = encode_attrs(s, p->attrs, p->n_attrs, p->id, err)))
            break;
        long long hash = (long long)regio__rep_hash(p, s->json.data);
        long j = regio_strmap_get(old, p->id);
        /* an id twice: one after the other, as the one-row upsert does */
        long first = 0;
        if (regio_strmap_put(seen, p->id, 0, &again, &first))
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory writing reps");
        regio_upsert_result u = j < 0                                   ? REGIO_UPSERT_ADDED
                                : regio__pg_col_int(res, (int)j, 1) == hash ? REGIO_UPSERT_UNCHANGED
                                                                        : REGIO_UPSERT_UPDATED;
        if (out)
            out[i] = u;
        if (rc || again || u == REGIO_UPSERT_UNCHANGED)
            continue;
        char b[8][32];
        snprintf(b[0], sizeof b[0], "%zu", i);
        const char *row[18] = {b[0], p->id, p->name, p->email, p->city, p->region,
                               p->postal_code, p->country, regio__pg_num(b[1], p->lat),
                               regio__pg_num(b[2], p->lon),
                               regio__pg_int(b[3], (long long)p->geo_source),
                               regio__pg_num(b[4], p->capacity), p->skills, p->day_start,
                               p->day_end, p->manager, s->json.data, regio__pg_int(b[5], hash)};
        if (regio__pg_copy_line(&lines, row, 18))
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory writing reps");
        m++;
    }
    PQclear(res);
    regio_free(ids);
    regio_strmap_destroy(old);
    regio_strmap_destroy(seen);
    if (!rc && !again && m)
        rc = regio__pg_stage(s, "regio_reps_stage",
                             "seq bigint, ext_id text, name text, email text, city text,"
                             " region text, postal_code text, country text,"
                             " lat double precision, lon double precision, geo_source bigint,"
                             " capacity double precision, skills text, day_start text,"
                             " day_end text, manager_ext text, attrs text, row_hash bigint",
                             &lines, "writing reps", err);
    regio_buf_free(&lines);
    char now[32];
    const char *pn[1] = {regio__pg_now(now)};
    /* Reps are users too: the user rows (login = rep id) first. */
    if (!rc && !again && m)
        rc = regio__pg_write(s,
                             "INSERT INTO users(login, display_name, email, created_at,"
                             " updated_at) SELECT g.ext_id, g.name, g.email, $1, $1"
                             " FROM regio_reps_stage g ORDER BY g.seq ON CONFLICT (login) DO"
                             " UPDATE SET display_name = excluded.display_name,"
                             " email = excluded.email, updated_at = excluded.updated_at",
                             1, pn, "writing the users of reps", NULL, err);
    if (!rc && !again && m)
        rc = regio__pg_write(
            s,
            "INSERT INTO reps AS p (ext_id, name, email, city, region, postal_code, country, lat,"
            " lon, geo_source, capacity, skills, day_start, day_end, manager_ext, attrs, row_hash,"
            " created_at, updated_at, user_id)"
            " SELECT g.ext_id, g.name, g.email, g.city, g.region, g.postal_code, g.country, g.lat,"
            " g.lon, g.geo_source, g.capacity, g.skills, g.day_start, g.day_end, g.manager_ext,"
            " g.attrs, g.row_hash, $1, $1, u.id FROM regio_reps_stage g"
            " JOIN users u ON u.login = g.ext_id ORDER BY g.seq"
            " ON CONFLICT (ext_id) DO UPDATE SET name = excluded.name, email = excluded.email,"
            " city = excluded.city, region = excluded.region,"
            " postal_code = excluded.postal_code, country = excluded.country,"
            " lat = excluded.lat, lon = excluded.lon, geo_source = excluded.geo_source,"
            " capacity = excluded.capacity, skills = excluded.skills,"
            " day_start = excluded.day_start, day_end = excluded.day_end,"
            " manager_ext = excluded.manager_ext, attrs = excluded.attrs,"
            " row_hash = excluded.row_hash, updated_at = excluded.updated_at,"
            " user_id = excluded.user_id",
            1, pn, "writing reps", NULL, err);
    if (!rc && !again)
        return regio__pg_txn_end(s, &t, rc, err);
    /* The bulk path is undone; each rep again, to find the one at fault. */
    if ((rc = regio__pg_bulk_retry(s, &t, rc, err)))
        return rc;
    for (size_t i = 0; !rc && i < n; i++)
        if ((rc = regio__pg_rep_upsert(base, &r[i], out ? &out[i] : NULL, err)))
            *bad = i;
    return regio__pg_txn_end(s, &t, rc, err);
}

regio_err regio__pg_unit_upsert(regio_store *base, const regio_unit *u, regio_upsert_result *out,
                                regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio_err rc = encode_attrs(s, u->attrs, u->n_attrs, u->id, err);
    if (rc)
        return rc;
    long long hash = (long long)regio__unit_hash(u, s->json.data);
    long long id = 0, old = 0;
    int found = 0;
    if ((rc = find_hash(s, REGIO_PG_UNIT_GET, u->id, &id, &old, &found, err)))
        return rc;
    if (found && old == hash) {
        if (out)
            *out = REGIO_UPSERT_UNCHANGED;
        return REGIO_OK;
    }
    /* The geometry goes as bytea's hex text: \x then two digits a byte. */
    char *geom = NULL;
    if (u->wkb) {
        geom = regio_malloc(2 * u->wkb_len + 3);
        if (!geom)
            return regio__store_fail(err, REGIO_ENOMEM, "out of memory writing unit '%s'", u->id);
        static const char hex[] = "0123456789abcdef";
        geom[0] = '\\';
        geom[1] = 'x';
        for (size_t i = 0; i < u->wkb_len; i++) {
            geom[2 + 2 * i] = hex[u->wkb[i] >> 4];
            geom[3 + 2 * i] = hex[u->wkb[i] & 15];
        }
        geom[2 + 2 * u->wkb_len] = '\0';
    }
    char b[6][32];
    const char *p[10] = {u->id, u->name, regio__pg_num(b[0], u->lat),
                         regio__pg_num(b[1], u->lon), regio__pg_num(b[2], u->area_km2), geom,
                         s->json.data, regio__pg_int(b[3], hash), regio__pg_now(b[4]),
                         regio__pg_int(b[5], id)};
    char what[160];
    snprintf(what, sizeof what, "writing unit '%s'", u->id);
    rc = regio__pg_run(s, found ? REGIO_PG_UNIT_UPD : REGIO_PG_UNIT_INS, found ? 10 : 9, p,
                       PGRES_COMMAND_OK, what, NULL, err);
    regio_free(geom);
    if (!rc && out)
        *out = found ? REGIO_UPSERT_UPDATED : REGIO_UPSERT_ADDED;
    return rc;
}

/* ---- adjacency ---------------------------------------------------------------------------- */

/* The edges go through COPY into a staging table and one INSERT ... SELECT
 * (a round trip an edge was most of importing 50,000 units); the first
 * edge at fault, in order, is named as one edge after the other would. */
regio_err regio__pg_adjacency_replace(regio_store *base, const regio_adj_edge *edges, size_t n,
                                      regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio__pg_txn t;
    regio_err rc = regio__pg_txn_begin(s, &t, err);
    if (rc)
        return rc;
    rc = regio__pg_exec(s,
                        "DELETE FROM unit_adjacency;"
                        "CREATE TEMPORARY TABLE IF NOT EXISTS regio_adjacency_stage"
                        " (seq bigint, a text, b text, kind bigint, shared_km double precision);"
                        "TRUNCATE regio_adjacency_stage",
                        err);
    regio_buf lines;
    regio_buf_init(&lines, 0);
    for (size_t i = 0; i < n && !rc; i++) {
        const regio_adj_edge *e = &edges[i];
        if (!e->a || !e->b) {
            rc = regio__store_fail(err, REGIO_EDATA, "adjacency edge %zu has no unit id", i + 1);
            break;
        }
        char b[3][32];
        const char *row[5] = {regio__pg_int(b[0], (long long)i + 1), e->a, e->b,
                              regio__pg_int(b[1], (long long)e->kind),
                              regio__pg_num(b[2], e->shared_km)};
        if (regio__pg_copy_line(&lines, row, 5))
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory writing adjacency");
    }
    if (!rc && n)
        rc = regio__pg_copy_in(s, "COPY regio_adjacency_stage (seq, a, b, kind, shared_km) FROM STDIN",
                               &lines, "writing adjacency", err);
    regio_buf_free(&lines);
    PGresult *res = NULL;
    if (!rc && n)
        rc = regio__pg_query(s,
                             "SELECT g.seq, g.a, g.b, ua.id IS NULL, ub.id IS NULL"
                             " FROM regio_adjacency_stage g"
                             " LEFT JOIN units ua ON ua.ext_id = g.a"
                             " LEFT JOIN units ub ON ub.ext_id = g.b"
                             " WHERE ua.id IS NULL OR ub.id IS NULL OR ua.id = ub.id"
                             " ORDER BY g.seq LIMIT 1",
                             0, NULL, PGRES_TUPLES_OK, "looking up a unit", &res, err);
    if (!rc && n && PQntuples(res)) {
        long long i = regio__pg_col_int(res, 0, 0);
        int no_a = PQgetvalue(res, 0, 3)[0] == 't', no_b = PQgetvalue(res, 0, 4)[0] == 't';
        if (no_a || no_b)
            rc = regio__store_fail(err, REGIO_EDATA,
                                   "adjacency edge %lld refers to unknown unit '%s'", i,
                                   PQgetvalue(res, 0, no_a ? 1 : 2));
        else
            rc = regio__store_fail(err, REGIO_EDATA, "adjacency edge %lld links unit '%s' to itself",
                                   i, PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    if (!rc && n)
        rc = regio__pg_exec(s,
                            "INSERT INTO unit_adjacency(unit_a, unit_b, kind, shared_km)"
                            " SELECT least(ua.id, ub.id), greatest(ua.id, ub.id), g.kind, g.shared_km"
                            " FROM regio_adjacency_stage g JOIN units ua ON ua.ext_id = g.a"
                            " JOIN units ub ON ub.ext_id = g.b ORDER BY g.seq"
                            " ON CONFLICT DO NOTHING",
                            err);
    return regio__pg_txn_end(s, &t, rc, err);
}

typedef struct adj_ctx {
    regio_adj_cb cb;
    void *ud;
} adj_ctx;

static regio_err adj_row(void *ctx, const PGresult *res, int i, regio_error *err)
{
    adj_ctx *c = ctx;
    regio_adj_edge e;
    e.a = (char *)regio__pg_col_text(res, i, 0);
    e.b = (char *)regio__pg_col_text(res, i, 1);
    e.kind = (regio_adj_kind)regio__pg_col_int(res, i, 2);
    e.shared_km = regio__pg_col_num(res, i, 3);
    return c->cb(c->ud, &e) ? regio__pg_cancelled(err) : REGIO_OK;
}

regio_err regio__pg_adjacency_foreach(regio_store *base, regio_adj_cb cb, void *ud,
                                      regio_error *err)
{
    /* Reported with a < b by external id, in byte order as SQLite does. */
    adj_ctx c = {cb, ud};
    return each_row(REGIO_PG(base),
                    "SELECT least(ua.ext_id COLLATE \"C\", ub.ext_id) AS a,"
                    " greatest(ua.ext_id COLLATE \"C\", ub.ext_id) AS b, j.kind, j.shared_km"
                    " FROM unit_adjacency j JOIN units ua ON ua.id = j.unit_a"
                    " JOIN units ub ON ub.id = j.unit_b ORDER BY a, b",
                    0, NULL, adj_row, &c, err);
}

/* ---- readers ------------------------------------------------------------------------------ */

typedef struct rec_ctx {
    regio_account_cb account;
    regio_rep_cb rep;
    regio_unit_cb unit;
    void *ud;
    int with_geometry;
    int no_attrs; /* accounts without their attributes */
} rec_ctx;

static regio_err account_row(void *ctx, const PGresult *res, int i, regio_error *err)
{
    rec_ctx *c = ctx;
    regio_account a;
    regio_account_init(&a);
    char **text[] = {&a.id, &a.name, &a.street, &a.city, &a.region, &a.postal_code, &a.country};
    for (int k = 0; k < 7; k++)
        *text[k] = (char *)regio__pg_col_text(res, i, k);
    a.lat = regio__pg_col_num(res, i, 7);
    a.lon = regio__pg_col_num(res, i, 8);
    a.geo_source = (regio_geo_source)regio__pg_col_int(res, i, 9);
    char **text2[] = {&a.owner, &a.industry, &a.type, &a.segment};
    for (int k = 0; k < 4; k++)
        *text2[k] = (char *)regio__pg_col_text(res, i, 10 + k);
    a.annual_revenue = regio__pg_col_num(res, i, 14);
    a.employees = regio__pg_col_num(res, i, 15);
    a.potential = regio__pg_col_num(res, i, 16);
    a.unit_id = (char *)regio__pg_col_text(res, i, 17);
    regio_err rc = c->no_attrs ? REGIO_OK
                               : attrs_parse(regio__pg_col_text(res, i, 18), &a.attrs, &a.n_attrs,
                                             err);
    if (rc)
        return rc;
    int stop = c->account(c->ud, &a);
    regio_attrs_free(a.attrs, a.n_attrs);
    return stop ? regio__pg_cancelled(err) : REGIO_OK;
}

#define ACCOUNT_COLS                                                                   \
    "SELECT ext_id, name, street, city, region, postal_code, country, lat, lon,"       \
    " geo_source, owner_ext, industry, type, segment, annual_revenue, employees,"      \
    " potential, unit_ext, attrs FROM accounts"

regio_err regio__pg_accounts_foreach(regio_store *base, regio_account_cb cb, void *ud,
                                     regio_error *err)
{
    rec_ctx c = {.account = cb, .ud = ud};
    return each_row(REGIO_PG(base), ACCOUNT_COLS " ORDER BY ext_id COLLATE \"C\"", 0, NULL,
                    account_row, &c, err);
}

/* The filter of an account query, $1..$7 as query_params fills them:
 * the box (south, north, west, east; NULL: none), the unit, the text
 * (ASCII case-insensitive, as SQLite's lower()), the id. */
#define QUERY_WHERE                                                                    \
    " WHERE ($1::float8 IS NULL OR (lat BETWEEN $1::float8 AND $2::float8 AND (CASE"   \
    " WHEN $3::float8 <= $4::float8 THEN lon BETWEEN $3::float8 AND $4::float8"        \
    " ELSE lon >= $3::float8 OR lon <= $4::float8 END)))"                              \
    " AND ($5::text IS NULL OR unit_ext = $5)"                                         \
    " AND ($6::text IS NULL OR strpos(lower(ext_id), lower($6)) > 0"                   \
    " OR strpos(lower(name), lower($6)) > 0 OR strpos(lower(city), lower($6)) > 0"     \
    " OR strpos(lower(postal_code), lower($6)) > 0)"                                   \
    " AND ($7::text IS NULL OR ext_id = $7)"

regio_err regio__pg_accounts_query(regio_store *base, const regio_account_query *q,
                                   regio_account_cb cb, void *ud, long *total, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    char b[6][32];
    const char *p[9] = {
        q->has_bbox ? regio__pg_num(b[0], q->south) : NULL,
        q->has_bbox ? regio__pg_num(b[1], q->north) : NULL,
        q->has_bbox ? regio__pg_num(b[2], q->west) : NULL,
        q->has_bbox ? regio__pg_num(b[3], q->east) : NULL,
        q->unit_id,
        q->text && *q->text ? q->text : NULL,
        q->id,
        q->limit > 0 ? regio__pg_int(b[4], q->limit) : NULL,
        regio__pg_int(b[5], q->offset > 0 ? q->offset : 0),
    };
    PGresult *res = NULL;
    *total = 0;
    regio_err rc = regio__pg_query(s, "SELECT count(*) FROM accounts" QUERY_WHERE, 7, p,
                                   PGRES_TUPLES_OK, "counting accounts", &res, err);
    if (!rc)
        *total = (long)regio__pg_col_int(res, 0, 0);
    PQclear(res);
    if (rc)
        return rc;
    rec_ctx c = {.account = cb, .ud = ud};
    return each_row(s,
                    ACCOUNT_COLS QUERY_WHERE " ORDER BY ext_id COLLATE \"C\""
                                             " LIMIT $8::bigint OFFSET $9::bigint",
                    9, p, account_row, &c, err);
}

/* The ids go as one array parameter: one statement whatever their number. */
regio_err regio__pg_accounts_get(regio_store *base, const char *const *ids, size_t n,
                                 regio_account_cb cb, void *ud, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio_buf arr;
    regio_buf_init(&arr, 0);
    regio_err rc = regio__pg_text_array(&arr, ids, n);
    if (rc) {
        regio_buf_free(&arr);
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory reading accounts");
    }
    const char *p[1] = {arr.data};
    rec_ctx c = {.account = cb, .ud = ud, .no_attrs = 1};
    /* A page at once; many ids through a cursor, as the rows may be many. */
    rc = (n <= 1000 ? all_rows : each_row)(
        s, ACCOUNT_COLS " WHERE ext_id = ANY($1::text[]) ORDER BY ext_id COLLATE \"C\"", 1, p,
        account_row, &c, err);
    regio_buf_free(&arr);
    return rc;
}

regio_err regio__pg_text_array(regio_buf *b, const char *const *v, size_t n)
{
    regio_buf_reset(b);
    regio_err rc = regio_buf_putc(b, '{');
    for (size_t i = 0; i < n && !rc; i++) {
        if (i)
            rc = regio_buf_putc(b, ',');
        if (!rc && !v[i]) {
            rc = regio_buf_puts(b, "NULL");
            continue;
        }
        if (!rc)
            rc = regio_buf_putc(b, '"');
        for (const char *c = v[i]; !rc && *c; c++)
            rc = (*c == '"' || *c == '\\') ? regio_buf_printf(b, "\\%c", *c)
                                          : regio_buf_putc(b, *c);
        if (!rc)
            rc = regio_buf_putc(b, '"');
    }
    if (!rc)
        rc = regio_buf_putc(b, '}');
    return rc;
}

/* ---- unit measures ----------------------------------------------------------------------- */

/* The accounts, revenue and potential of each unit into its attributes
 * (numbers in the attributes' JSON, which every reader parses). */
/* The attrs text a (a JSON object) with the keys of json object n set as
 * SQLite's json_set sets them: a key a has keeps its place, a new one is
 * appended, in n's order (jsonb would sort the keys, and the measures of
 * a unit are listed in the order its attrs hold them). */
#define ATTRS_SET(a, n)                                                                       \
    "(SELECT COALESCE(json_object_agg(x.k, x.v ORDER BY x.o1, x.o2), '{}')::text FROM ("      \
    " SELECT e.key AS k, COALESCE(ne.value, e.value) AS v, 0 AS o1, e.ord AS o2"              \
    "  FROM json_each((" a ")::json) WITH ORDINALITY e(key, value, ord)"                      \
    "  LEFT JOIN json_each(" n ") ne ON ne.key = e.key"                                       \
    " UNION ALL SELECT ne.key, ne.value, 1, ne.ord"                                           \
    "  FROM json_each(" n ") WITH ORDINALITY ne(key, value, ord)"                             \
    "  WHERE NOT EXISTS (SELECT 1 FROM json_each((" a ")::json) e2 WHERE e2.key = ne.key)) x)"

regio_err regio__pg_unit_measures_from_accounts(regio_store *base, regio_error *err)
{
    return regio__pg_exec(REGIO_PG(base),
                          "UPDATE units u SET attrs = " ATTRS_SET(
                              "u.attrs", "json_build_object('accounts', m.n, 'revenue', m.rev,"
                                         " 'potential', m.pot)")
                          " FROM (SELECT u2.id AS uid, COUNT(a.id) AS n,"
                          "  COALESCE(SUM(a.annual_revenue), 0)::float8 AS rev,"
                          "  COALESCE(SUM(a.potential), 0)::float8 AS pot FROM units u2"
                          "  LEFT JOIN accounts a ON a.unit_ext = u2.ext_id GROUP BY u2.id) AS m"
                          " WHERE m.uid = u.id",
                          err);
}

/* One statement for all: the ids and values as arrays; a unit that is
 * not there fails the whole (store.c checked the name and values). */
regio_err regio__pg_unit_measure_set(regio_store *base, const char *name, const char *const *ids,
                                     const double *values, size_t n, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio_buf a, v;
    regio_buf_init(&a, 0);
    regio_buf_init(&v, 0);
    regio_err rc = regio__pg_text_array(&a, ids, n);
    if (!rc)
        rc = regio_buf_putc(&v, '{');
    for (size_t i = 0; i < n && !rc; i++) {
        char num[32];
        rc = regio_buf_printf(&v, "%s%s", i ? "," : "", regio__pg_num(num, values[i]));
    }
    if (!rc)
        rc = regio_buf_putc(&v, '}');
    char now[32], count[32];
    const char *p[5] = {name, a.data, v.data, regio__pg_now(now), regio__pg_int(count, (long long)n)};
    PGresult *res = NULL;
    if (rc)
        rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory setting a measure");
    else
        rc = regio__pg_query(s,
                             "WITH v(id, x, k) AS (SELECT * FROM unnest($2::text[], $3::float8[])"
                             "  WITH ORDINALITY),"
                             " up AS (UPDATE units u SET attrs = "
                             ATTRS_SET("u.attrs", "json_build_object($1::text, v.x)")
                             ", updated_at = $4"
                             "  FROM v WHERE u.ext_id = v.id RETURNING u.ext_id)"
                             " SELECT (SELECT id FROM v WHERE id NOT IN (SELECT ext_id FROM up)"
                             "  ORDER BY k LIMIT 1), $5::bigint",
                             5, p, PGRES_TUPLES_OK, "setting a measure of the units", &res, err);
    if (!rc && !PQgetisnull(res, 0, 0))
        rc = regio__store_fail(err, REGIO_ENOTFOUND, "unit '%s' not found", PQgetvalue(res, 0, 0));
    PQclear(res);
    regio_buf_free(&a);
    regio_buf_free(&v);
    return rc;
}

static regio_err rep_row(void *ctx, const PGresult *res, int i, regio_error *err)
{
    rec_ctx *c = ctx;
    regio_rep p;
    regio_rep_init(&p);
    char **text[] = {&p.id, &p.name, &p.email, &p.city, &p.region, &p.postal_code, &p.country};
    for (int k = 0; k < 7; k++)
        *text[k] = (char *)regio__pg_col_text(res, i, k);
    p.lat = regio__pg_col_num(res, i, 7);
    p.lon = regio__pg_col_num(res, i, 8);
    p.geo_source = (regio_geo_source)regio__pg_col_int(res, i, 9);
    p.capacity = regio__pg_col_num(res, i, 10);
    char **text2[] = {&p.skills, &p.day_start, &p.day_end, &p.manager};
    for (int k = 0; k < 4; k++)
        *text2[k] = (char *)regio__pg_col_text(res, i, 11 + k);
    regio_err rc = attrs_parse(regio__pg_col_text(res, i, 15), &p.attrs, &p.n_attrs, err);
    if (rc)
        return rc;
    int stop = c->rep(c->ud, &p);
    regio_attrs_free(p.attrs, p.n_attrs);
    return stop ? regio__pg_cancelled(err) : REGIO_OK;
}

regio_err regio__pg_reps_foreach(regio_store *base, regio_rep_cb cb, void *ud, regio_error *err)
{
    rec_ctx c = {.rep = cb, .ud = ud};
    return each_row(REGIO_PG(base),
                    "SELECT ext_id, name, email, city, region, postal_code, country, lat, lon,"
                    " geo_source, capacity, skills, day_start, day_end, manager_ext, attrs"
                    " FROM reps ORDER BY ext_id COLLATE \"C\"",
                    0, NULL, rep_row, &c, err);
}

static regio_err unit_row(void *ctx, const PGresult *res, int i, regio_error *err)
{
    rec_ctx *c = ctx;
    regio_unit u;
    regio_unit_init(&u);
    u.id = (char *)regio__pg_col_text(res, i, 0);
    u.name = (char *)regio__pg_col_text(res, i, 1);
    u.lat = regio__pg_col_num(res, i, 2);
    u.lon = regio__pg_col_num(res, i, 3);
    u.area_km2 = regio__pg_col_num(res, i, 4);
    unsigned char *wkb = NULL;
    if (c->with_geometry && !PQgetisnull(res, i, 6)) {
        size_t len = 0;
        wkb = PQunescapeBytea((const unsigned char *)PQgetvalue(res, i, 6), &len);
        if (!wkb)
            return regio__store_fail(err, REGIO_ENOMEM, "out of memory reading unit '%s'", u.id);
        u.wkb = wkb;
        u.wkb_len = len;
    }
    regio_err rc = attrs_parse(regio__pg_col_text(res, i, 5), &u.attrs, &u.n_attrs, err);
    if (!rc) {
        int stop = c->unit(c->ud, &u);
        regio_attrs_free(u.attrs, u.n_attrs);
        if (stop)
            rc = regio__pg_cancelled(err);
    }
    PQfreemem(wkb);
    return rc;
}

regio_err regio__pg_units_foreach(regio_store *base, int with_geometry, regio_unit_cb cb,
                                  void *ud, regio_error *err)
{
    rec_ctx c = {.unit = cb, .ud = ud, .with_geometry = with_geometry};
    return each_row(REGIO_PG(base),
                    with_geometry ? "SELECT ext_id, name, lat, lon, area_km2, attrs, geom"
                                    " FROM units ORDER BY ext_id COLLATE \"C\""
                                  : "SELECT ext_id, name, lat, lon, area_km2, attrs"
                                    " FROM units ORDER BY ext_id COLLATE \"C\"",
                    0, NULL, unit_row, &c, err);
}

/* ---- allocation and counts ----------------------------------------------------------------- */

regio_err regio__pg_account_set_unit(regio_store *base, const char *const *account_ids,
                                     const char *const *unit_ids, size_t n, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio__pg_txn t;
    regio_err rc = REGIO_OK;
    int multi = n > 1;
    if (multi && (rc = regio__pg_txn_begin(s, &t, err)))
        return rc;
    char now[32];
    regio__pg_now(now);
    for (size_t i = 0; i < n && !rc; i++) {
        if (!account_ids[i]) {
            rc = regio__store_fail(err, REGIO_EINVAL, "account id %zu is NULL", i + 1);
            break;
        }
        const char *p[3] = {account_ids[i], unit_ids[i], now};
        PGresult *res = NULL;
        rc = regio__pg_query(s, "UPDATE accounts SET unit_ext = $2, updated_at = $3"
                                " WHERE ext_id = $1",
                             3, p, PGRES_COMMAND_OK, "setting the unit of an account", &res,
                             err);
        if (!rc && !strcmp(PQcmdTuples(res), "0"))
            rc = regio__store_fail(err, REGIO_ENOTFOUND, "account '%s' not found",
                                   account_ids[i]);
        PQclear(res);
    }
    if (multi)
        rc = regio__pg_txn_end(s, &t, rc, err);
    return rc;
}

regio_err regio__pg_stats(regio_store *base, regio_store_counts *out, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    memset(out, 0, sizeof *out);
    PGresult *res = NULL;
    regio_err rc = regio__pg_query(
        s,
        "SELECT COUNT(*),"
        " COUNT(*) FILTER (WHERE lat IS NOT NULL AND lon IS NOT NULL),"
        " COUNT(*) FILTER (WHERE geo_source = 1 AND lat IS NOT NULL),"
        " COUNT(*) FILTER (WHERE geo_source = 2 AND lat IS NOT NULL),"
        " COUNT(*) FILTER (WHERE geo_source = 3 AND lat IS NOT NULL),"
        " COUNT(*) FILTER (WHERE lat IS NULL OR lon IS NULL),"
        " COUNT(*) FILTER (WHERE unit_ext IS NOT NULL),"
        " (SELECT COUNT(*) FROM reps), (SELECT COUNT(*) FROM units),"
        " (SELECT COUNT(*) FROM unit_adjacency), (SELECT COUNT(*) FROM territory_models),"
        " (SELECT COUNT(*) FROM territories)"
        " FROM accounts",
        0, NULL, PGRES_TUPLES_OK, "counting the store", &res, err);
    if (rc)
        return rc;
    long *f[] = {&out->accounts,           &out->accounts_with_coords,
                 &out->accounts_geo_input,  &out->accounts_geo_postal,
                 &out->accounts_geo_city,   &out->accounts_without_coords,
                 &out->accounts_with_unit,  &out->reps,
                 &out->units,              &out->adjacency_edges,
                 &out->models,             &out->territories};
    for (int i = 0; i < 12; i++)
        *f[i] = (long)regio__pg_col_int(res, 0, i);
    PQclear(res);
    return REGIO_OK;
}

regio_err regio__pg_each_row(regio__pg_store *s, const char *sql, int n,
                             const char *const *params, regio__pg_row_fn fn, void *ctx,
                             regio_error *err)
{
    return each_row(s, sql, n, params, fn, ctx, err);
}
