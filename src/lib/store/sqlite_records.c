/*
 * SQLite backend, records: account, rep and unit upserts with content-hash
 * change detection, custom attributes as JSON, the ordered readers, unit
 * adjacency, allocation of accounts to units, unit measures and counts.
 * Upserts are the import hot path: cached statements, one reused buffer.
 */
#include "store/record_codec.h"
#include "store/sqlite_impl.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- upserts -------------------------------------------------------------------- */

/* Looks up (id, row_hash) by external id with a cached statement. */
static regio_err find_hash(regio__sqlite_store *s, int which, const char *ext, sqlite3_int64 *id,
                           sqlite3_int64 *hash, int *found, regio_error *err)
{
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_stmt(s, which, &st, err);
    if (rc)
        return rc;
    bind_text(st, 1, ext);
    int r = sqlite3_step(st);
    *found = r == SQLITE_ROW;
    if (*found) {
        *id = sqlite3_column_int64(st, 0);
        *hash = sqlite3_column_int64(st, 1);
    }
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        rc = regio__sq_err(s, err, "looking up a record");
    done(st);
    return rc;
}

regio_err regio__sq_account_upsert(regio_store *base, const regio_account *a,
                                   regio_upsert_result *out, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    if (attrs_json(&s->json, a->attrs, a->n_attrs))
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory encoding attributes of '%s'",
                                 a->id);
    sqlite3_int64 hash = (sqlite3_int64)regio__account_hash(a, s->json.data);

    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_stmt(s, REGIO_ST_ACC_UPSERT, &st, err);
    if (rc)
        return rc;
    bind_text(st, 1, a->id);
    bind_text(st, 2, a->name);
    bind_text(st, 3, a->street);
    bind_text(st, 4, a->city);
    bind_text(st, 5, a->region);
    bind_text(st, 6, a->postal_code);
    bind_text(st, 7, a->country);
    bind_num(st, 8, a->lat);
    bind_num(st, 9, a->lon);
    sqlite3_bind_int(st, 10, (int)a->geo_source);
    bind_text(st, 11, a->owner);
    bind_text(st, 12, a->industry);
    bind_text(st, 13, a->type);
    bind_text(st, 14, a->segment);
    bind_num(st, 15, a->annual_revenue);
    bind_num(st, 16, a->employees);
    bind_num(st, 17, a->potential);
    bind_text(st, 18, a->unit_id);
    sqlite3_bind_text(st, 19, s->json.data, (int)s->json.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 20, hash);
    bind_text(st, 21, regio__sq_now(s));
    /* An insert sets the last rowid; the update branch leaves it alone. */
    sqlite3_set_last_insert_rowid(s->db, 0);
    rc = regio__sq_step_done(s, st, "writing account", a->id, err);
    if (rc)
        return rc;
    int wrote = sqlite3_changes(s->db) != 0;
    if (out)
        *out = !wrote                             ? REGIO_UPSERT_UNCHANGED
               : sqlite3_last_insert_rowid(s->db) ? REGIO_UPSERT_ADDED
                                                  : REGIO_UPSERT_UPDATED;
    if (wrote && s->user_txn && ++s->txn_upserts == REGIO_BULK_AFTER &&
        !sqlite3_get_autocommit(s->db))
        regio__sq_bulk_enter(s);
    return REGIO_OK;
}

regio_err regio__sq_rep_upsert(regio_store *base, const regio_rep *r, regio_upsert_result *out,
                               regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    if (attrs_json(&s->json, r->attrs, r->n_attrs))
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory encoding attributes of '%s'",
                                 r->id);
    sqlite3_int64 hash = (sqlite3_int64)regio__rep_hash(r, s->json.data);

    sqlite3_int64 id = 0, old = 0;
    int found = 0;
    regio_err rc = find_hash(s, REGIO_ST_REP_GET, r->id, &id, &old, &found, err);
    if (rc)
        return rc;
    if (found && old == hash) {
        if (out)
            *out = REGIO_UPSERT_UNCHANGED;
        return REGIO_OK;
    }
    regio__sq_txn t;
    rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    /* Reps are users too: keep the user row (login = rep external id) in step. */
    sqlite3_stmt *st = NULL;
    sqlite3_int64 user_id = 0;
    rc = regio__sq_stmt(s, REGIO_ST_USER_UPSERT, &st, err);
    if (!rc) {
        bind_text(st, 1, r->id);
        bind_text(st, 2, r->name);
        bind_text(st, 3, r->email);
        bind_text(st, 4, regio__sq_now(s));
        if (sqlite3_step(st) == SQLITE_ROW)
            user_id = sqlite3_column_int64(st, 0);
        else
            rc = regio__sq_err(s, err, "writing the user of a rep");
        done(st);
    }
    if (!rc)
        rc = regio__sq_stmt(s, found ? REGIO_ST_REP_UPD : REGIO_ST_REP_INS, &st, err);
    if (!rc) {
        bind_text(st, 1, r->id);
        bind_text(st, 2, r->name);
        bind_text(st, 3, r->email);
        bind_text(st, 4, r->city);
        bind_text(st, 5, r->region);
        bind_text(st, 6, r->postal_code);
        bind_text(st, 7, r->country);
        bind_num(st, 8, r->lat);
        bind_num(st, 9, r->lon);
        sqlite3_bind_int(st, 10, (int)r->geo_source);
        bind_num(st, 11, r->capacity);
        bind_text(st, 12, r->skills);
        bind_text(st, 13, r->day_start);
        bind_text(st, 14, r->day_end);
        bind_text(st, 15, r->manager);
        sqlite3_bind_text(st, 16, s->json.data, (int)s->json.len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 17, hash);
        bind_text(st, 18, regio__sq_now(s));
        sqlite3_bind_int64(st, 19, user_id);
        if (found)
            sqlite3_bind_int64(st, 20, id);
        rc = regio__sq_step_done(s, st, "writing rep", r->id, err);
    }
    rc = regio__sq_txn_end(s, &t, rc, err);
    if (!rc && out)
        *out = found ? REGIO_UPSERT_UPDATED : REGIO_UPSERT_ADDED;
    return rc;
}

regio_err regio__sq_unit_upsert(regio_store *base, const regio_unit *u, regio_upsert_result *out,
                                regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    if (attrs_json(&s->json, u->attrs, u->n_attrs))
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory encoding attributes of '%s'",
                                 u->id);
    sqlite3_int64 hash = (sqlite3_int64)regio__unit_hash(u, s->json.data);

    sqlite3_int64 id = 0, old = 0;
    int found = 0;
    regio_err rc = find_hash(s, REGIO_ST_UNIT_GET, u->id, &id, &old, &found, err);
    if (rc)
        return rc;
    if (found && old == hash) {
        if (out)
            *out = REGIO_UPSERT_UNCHANGED;
        return REGIO_OK;
    }
    sqlite3_stmt *st = NULL;
    rc = regio__sq_stmt(s, found ? REGIO_ST_UNIT_UPD : REGIO_ST_UNIT_INS, &st, err);
    if (rc)
        return rc;
    bind_text(st, 1, u->id);
    bind_text(st, 2, u->name);
    bind_num(st, 3, u->lat);
    bind_num(st, 4, u->lon);
    bind_num(st, 5, u->area_km2);
    if (u->wkb)
        sqlite3_bind_blob64(st, 6, u->wkb, u->wkb_len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 6);
    sqlite3_bind_text(st, 7, s->json.data, (int)s->json.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, hash);
    bind_text(st, 9, regio__sq_now(s));
    if (found)
        sqlite3_bind_int64(st, 10, id);
    rc = regio__sq_step_done(s, st, "writing unit", u->id, err);
    if (!rc && out)
        *out = found ? REGIO_UPSERT_UPDATED : REGIO_UPSERT_ADDED;
    return rc;
}

/* ---- adjacency --------------------------------------------------------------------- */

regio_err regio__sq_adjacency_replace(regio_store *base, const regio_adj_edge *edges, size_t n,
                                      regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio__sq_txn t;
    regio_err rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    rc = regio__sq_exec(s, "DELETE FROM unit_adjacency", err);
    for (size_t i = 0; i < n && !rc; i++) {
        const regio_adj_edge *e = &edges[i];
        if (!e->a || !e->b) {
            rc = regio__store_fail(err, REGIO_EDATA, "adjacency edge %zu has no unit id", i + 1);
            break;
        }
        sqlite3_int64 ia = 0, ib = 0;
        int fa = 0, fb = 0;
        rc = regio__sq_unit_id(s, e->a, &ia, &fa, err);
        if (!rc)
            rc = regio__sq_unit_id(s, e->b, &ib, &fb, err);
        if (rc)
            break;
        if (!fa || !fb) {
            rc = regio__store_fail(err, REGIO_EDATA,
                                   "adjacency edge %zu refers to unknown unit '%s'", i + 1,
                                   fa ? e->b : e->a);
            break;
        }
        if (ia == ib) {
            rc = regio__store_fail(err, REGIO_EDATA, "adjacency edge %zu links unit '%s' to itself",
                                   i + 1, e->a);
            break;
        }
        sqlite3_stmt *st = NULL;
        rc = regio__sq_stmt(s, REGIO_ST_ADJ_INS, &st, err);
        if (rc)
            break;
        sqlite3_bind_int64(st, 1, ia < ib ? ia : ib);
        sqlite3_bind_int64(st, 2, ia < ib ? ib : ia);
        sqlite3_bind_int(st, 3, (int)e->kind);
        bind_num(st, 4, e->shared_km);
        rc = regio__sq_step_done(s, st, "writing adjacency of unit", e->a, err);
    }
    return regio__sq_txn_end(s, &t, rc, err);
}

/* ---- readers ----------------------------------------------------------------------- */

#define ACCOUNT_COLS                                                                   \
    "ext_id, name, street, city, region, postal_code, country, lat, lon,"              \
    " geo_source, owner_ext, industry, type, segment, annual_revenue, employees,"      \
    " potential, unit_ext, attrs"

/* Steps st (columns ACCOUNT_COLS) and calls cb for each row. */
static regio_err each_account_(regio__sqlite_store *s, sqlite3_stmt *st, regio_account_cb cb,
                               void *ud, int with_attrs, regio_error *err)
{
    regio_err rc = REGIO_OK;
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio_account a;
        regio_account_init(&a);
        a.id = col_text(st, 0);
        a.name = col_text(st, 1);
        a.street = col_text(st, 2);
        a.city = col_text(st, 3);
        a.region = col_text(st, 4);
        a.postal_code = col_text(st, 5);
        a.country = col_text(st, 6);
        a.lat = col_num(st, 7);
        a.lon = col_num(st, 8);
        a.geo_source = (regio_geo_source)sqlite3_column_int(st, 9);
        a.owner = col_text(st, 10);
        a.industry = col_text(st, 11);
        a.type = col_text(st, 12);
        a.segment = col_text(st, 13);
        a.annual_revenue = col_num(st, 14);
        a.employees = col_num(st, 15);
        a.potential = col_num(st, 16);
        a.unit_id = col_text(st, 17);
        rc = with_attrs ? attrs_parse(col_text(st, 18), &a.attrs, &a.n_attrs, err) : REGIO_OK;
        if (rc)
            break;
        int stop = cb(ud, &a);
        regio_attrs_free(a.attrs, a.n_attrs);
        if (stop)
            rc = regio__sq_cancelled(err);
    }
    return regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
}

static regio_err each_account(regio__sqlite_store *s, sqlite3_stmt *st, regio_account_cb cb,
                              void *ud, regio_error *err)
{
    return each_account_(s, st, cb, ud, 1, err);
}

regio_err regio__sq_accounts_foreach(regio_store *base, regio_account_cb cb, void *ud,
                                     regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc =
        regio__sq_prepare(s, "SELECT " ACCOUNT_COLS " FROM accounts ORDER BY ext_id", &st, err);
    if (rc)
        return rc;
    return each_account(s, st, cb, ud, err);
}

/* The filter of an account query; ?1..?7 as bound by bind_query. */
#define QUERY_WHERE                                                                    \
    " WHERE (?1 IS NULL OR (lat BETWEEN ?2 AND ?3 AND (CASE WHEN ?4 <= ?5"            \
    " THEN lon BETWEEN ?4 AND ?5 ELSE lon >= ?4 OR lon <= ?5 END)))"                  \
    " AND (?6 IS NULL OR unit_ext = ?6)"                                             \
    " AND (?7 IS NULL OR instr(lower(ext_id), lower(?7)) OR instr(lower(name), lower(?7))" \
    " OR instr(lower(city), lower(?7)) OR instr(lower(postal_code), lower(?7)))" \
    " AND (?10 IS NULL OR ext_id = ?10)"

static void bind_query(sqlite3_stmt *st, const regio_account_query *q)
{
    if (q->has_bbox) {
        sqlite3_bind_int(st, 1, 1);
        sqlite3_bind_double(st, 2, q->south);
        sqlite3_bind_double(st, 3, q->north);
        sqlite3_bind_double(st, 4, q->west);
        sqlite3_bind_double(st, 5, q->east);
    }
    if (q->unit_id)
        sqlite3_bind_text(st, 6, q->unit_id, -1, SQLITE_TRANSIENT);
    if (q->text && *q->text)
        sqlite3_bind_text(st, 7, q->text, -1, SQLITE_TRANSIENT);
    if (q->id)
        sqlite3_bind_text(st, 10, q->id, -1, SQLITE_TRANSIENT);
}

regio_err regio__sq_accounts_query(regio_store *base, const regio_account_query *q,
                                   regio_account_cb cb, void *ud, long *total, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prepare(s, "SELECT count(*) FROM accounts" QUERY_WHERE, &st, err);
    if (rc)
        return rc;
    bind_query(st, q);
    int r = sqlite3_step(st);
    *total = r == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
    rc = regio__sq_finish(s, st, r == SQLITE_ROW ? SQLITE_DONE : r, REGIO_OK, err);
    if (rc)
        return rc;
    rc = regio__sq_prepare(s,
                           "SELECT " ACCOUNT_COLS " FROM accounts" QUERY_WHERE
                           " ORDER BY ext_id LIMIT ?8 OFFSET ?9",
                           &st, err);
    if (rc)
        return rc;
    bind_query(st, q);
    sqlite3_bind_int64(st, 8, q->limit > 0 ? q->limit : -1);
    sqlite3_bind_int64(st, 9, q->offset > 0 ? q->offset : 0);
    return each_account(s, st, cb, ud, err);
}

regio_err regio__sq_accounts_get(regio_store *base, const char *const *ids, size_t n,
                                 regio_account_cb cb, void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio_err rc = REGIO_OK;
    /* Chunks of at most 500 ids: "ext_id IN (?1, ?2, ...)" probes the
     * unique index once per id. */
    for (size_t from = 0; from < n && !rc; from += 500) {
        size_t k = n - from < 500 ? n - from : 500;
        regio_buf sql;
        regio_buf_init(&sql, 0);
        rc = regio_buf_puts(&sql, "SELECT " ACCOUNT_COLS " FROM accounts WHERE ext_id IN (");
        for (size_t i = 0; i < k && !rc; i++)
            rc = regio_buf_puts(&sql, i ? ",?" : "?");
        if (!rc)
            rc = regio_buf_puts(&sql, ") ORDER BY ext_id");
        sqlite3_stmt *st = NULL;
        if (rc)
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory reading accounts");
        else
            rc = regio__sq_prepare(s, sql.data, &st, err);
        regio_buf_free(&sql);
        if (rc)
            break;
        for (size_t i = 0; i < k; i++)
            bind_text(st, (int)i + 1, ids[from + i]);
        rc = each_account_(s, st, cb, ud, 0, err);
    }
    return rc;
}

regio_err regio__sq_reps_foreach(regio_store *base, regio_rep_cb cb, void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prepare(
        s,
        "SELECT ext_id, name, email, city, region, postal_code, country, lat, lon, geo_source,"
        " capacity, skills, day_start, day_end, manager_ext, attrs FROM reps ORDER BY ext_id",
        &st, err);
    if (rc)
        return rc;
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio_rep p;
        regio_rep_init(&p);
        p.id = col_text(st, 0);
        p.name = col_text(st, 1);
        p.email = col_text(st, 2);
        p.city = col_text(st, 3);
        p.region = col_text(st, 4);
        p.postal_code = col_text(st, 5);
        p.country = col_text(st, 6);
        p.lat = col_num(st, 7);
        p.lon = col_num(st, 8);
        p.geo_source = (regio_geo_source)sqlite3_column_int(st, 9);
        p.capacity = col_num(st, 10);
        p.skills = col_text(st, 11);
        p.day_start = col_text(st, 12);
        p.day_end = col_text(st, 13);
        p.manager = col_text(st, 14);
        rc = attrs_parse(col_text(st, 15), &p.attrs, &p.n_attrs, err);
        if (rc)
            break;
        int stop = cb(ud, &p);
        regio_attrs_free(p.attrs, p.n_attrs);
        if (stop)
            rc = regio__sq_cancelled(err);
    }
    return regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
}

regio_err regio__sq_units_foreach(regio_store *base, int with_geometry, regio_unit_cb cb,
                                  void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prepare(s,
                                with_geometry
                                    ? "SELECT ext_id, name, lat, lon, area_km2, attrs, geom"
                                      " FROM units ORDER BY ext_id"
                                    : "SELECT ext_id, name, lat, lon, area_km2, attrs"
                                      " FROM units ORDER BY ext_id",
                                &st, err);
    if (rc)
        return rc;
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio_unit u;
        regio_unit_init(&u);
        u.id = col_text(st, 0);
        u.name = col_text(st, 1);
        u.lat = col_num(st, 2);
        u.lon = col_num(st, 3);
        u.area_km2 = col_num(st, 4);
        if (with_geometry && sqlite3_column_type(st, 6) == SQLITE_BLOB) {
            u.wkb = (unsigned char *)sqlite3_column_blob(st, 6);
            u.wkb_len = (size_t)sqlite3_column_bytes(st, 6);
        }
        rc = attrs_parse(col_text(st, 5), &u.attrs, &u.n_attrs, err);
        if (rc)
            break;
        int stop = cb(ud, &u);
        regio_attrs_free(u.attrs, u.n_attrs);
        if (stop)
            rc = regio__sq_cancelled(err);
    }
    return regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
}

regio_err regio__sq_adjacency_foreach(regio_store *base, regio_adj_cb cb, void *ud,
                                      regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    /* Stored by integer id; reported with a < b by external id (strcmp
     * order matches SQLite's default BINARY collation). */
    regio_err rc = regio__sq_prepare(
        s,
        "SELECT min(ua.ext_id, ub.ext_id) AS a, max(ua.ext_id, ub.ext_id) AS b, j.kind,"
        " j.shared_km FROM unit_adjacency j JOIN units ua ON ua.id = j.unit_a"
        " JOIN units ub ON ub.id = j.unit_b ORDER BY a, b",
        &st, err);
    if (rc)
        return rc;
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio_adj_edge e;
        e.a = col_text(st, 0);
        e.b = col_text(st, 1);
        e.kind = (regio_adj_kind)sqlite3_column_int(st, 2);
        e.shared_km = col_num(st, 3);
        if (cb(ud, &e))
            rc = regio__sq_cancelled(err);
    }
    return regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
}

/* ---- allocation and counts ------------------------------------------------------------ */

regio_err regio__sq_account_set_unit(regio_store *base, const char *const *account_ids,
                                     const char *const *unit_ids, size_t n, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio__sq_txn t;
    regio_err rc = REGIO_OK;
    int multi = n > 1;
    if (multi && (rc = regio__sq_txn_begin(s, &t, err)))
        return rc;
    /* A large batch (point-in-polygon allocation of a whole import) also
     * rebuilds the unit index once instead of row by row. */
    int entered = 0;
    if (n >= REGIO_BULK_AFTER && !(s->bulk_tables & 1u)) {
        regio__sq_bulk_enter(s);
        entered = s->n_bulk > 0;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        sqlite3_stmt *st = NULL;
        if (!account_ids[i]) {
            rc = regio__store_fail(err, REGIO_EINVAL, "account id %zu is NULL", i + 1);
            break;
        }
        rc = regio__sq_stmt(s, REGIO_ST_ACC_SET_UNIT, &st, err);
        if (rc)
            break;
        bind_text(st, 1, account_ids[i]);
        bind_text(st, 2, unit_ids[i]);
        bind_text(st, 3, regio__sq_now(s));
        rc = regio__sq_step_done(s, st, "setting the unit of account", account_ids[i], err);
        if (!rc && sqlite3_changes(s->db) == 0)
            rc = regio__store_fail(err, REGIO_ENOTFOUND, "account '%s' not found",
                                   account_ids[i]);
    }
    if (entered && !rc && !s->user_txn)
        rc = regio__sq_bulk_leave(s, err);
    if (multi)
        rc = regio__sq_txn_end(s, &t, rc, err);
    if (entered && (rc || !s->user_txn))
        regio__sq_bulk_forget(s); /* rolled back with the batch, or rebuilt above */
    return rc;
}

regio_err regio__sq_unit_measures_from_accounts(regio_store *base, regio_error *err)
{
    return regio__sq_exec(REGIO_SQ(base),
                "UPDATE units SET attrs = json_set(attrs, '$.accounts', m.n, '$.revenue', m.rev,"
                " '$.potential', m.pot)"
                " FROM (SELECT u.id AS uid, COUNT(a.id) AS n, TOTAL(a.annual_revenue) AS rev,"
                "   TOTAL(a.potential) AS pot FROM units u"
                "   LEFT JOIN accounts a ON a.unit_ext = u.ext_id GROUP BY u.id) AS m"
                " WHERE m.uid = units.id",
                err);
}

regio_err regio__sq_unit_measure_set(regio_store *base, const char *name, const char *const *ids,
                                     const double *values, size_t n, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    char path[80]; /* store.c checked the name and the values */
    snprintf(path, sizeof path, "$.%s", name);
    regio__sq_txn t;
    regio_err rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    rc = regio__sq_prepare(s, "UPDATE units SET attrs = json_set(attrs, ?1, ?2), updated_at = ?3"
                              " WHERE ext_id = ?4",
                           &st, err);
    for (size_t i = 0; i < n && !rc; i++) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 2, values[i]);
        bind_text(st, 3, regio__sq_now(s));
        bind_text(st, 4, ids[i]);
        rc = regio__sq_step_done(s, st, "setting a measure of unit", ids[i], err);
        if (!rc && sqlite3_changes(s->db) == 0)
            rc = regio__store_fail(err, REGIO_ENOTFOUND, "unit '%s' not found", ids[i]);
    }
    if (st)
        regio__sq_release(s, st);
    return regio__sq_txn_end(s, &t, rc, err);
}

regio_err regio__sq_stats(regio_store *base, regio_store_counts *out, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prepare(
        s,
        "SELECT COUNT(*),"
        " TOTAL(lat IS NOT NULL AND lon IS NOT NULL),"
        " TOTAL(geo_source = 1 AND lat IS NOT NULL),"
        " TOTAL(geo_source = 2 AND lat IS NOT NULL),"
        " TOTAL(geo_source = 3 AND lat IS NOT NULL),"
        " TOTAL(lat IS NULL OR lon IS NULL),"
        " TOTAL(unit_ext IS NOT NULL),"
        " (SELECT COUNT(*) FROM reps), (SELECT COUNT(*) FROM units),"
        " (SELECT COUNT(*) FROM unit_adjacency), (SELECT COUNT(*) FROM territory_models),"
        " (SELECT COUNT(*) FROM territories)"
        " FROM accounts",
        &st, err);
    if (rc)
        return rc;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        long *f[] = {&out->accounts,           &out->accounts_with_coords,
                     &out->accounts_geo_input,  &out->accounts_geo_postal,
                     &out->accounts_geo_city,   &out->accounts_without_coords,
                     &out->accounts_with_unit,  &out->reps,
                     &out->units,              &out->adjacency_edges,
                     &out->models,             &out->territories};
        for (int i = 0; i < 12; i++)
            *f[i] = (long)sqlite3_column_int64(st, i);
        r = SQLITE_DONE;
    }
    return regio__sq_finish(s, st, r, rc, err);
}
