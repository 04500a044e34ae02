/*
 * The SQLite backend of the store, through the SQLite C API. Hot paths
 * (upserts) use prepared statements cached on the handle and a reused JSON
 * buffer, so an import inside one transaction runs at hundreds of thousands
 * of records per second. Multi-statement writes run atomically: in their own
 * IMMEDIATE transaction, or in a savepoint inside the caller's transaction.
 */
#include "core/buf.h"
#include "store/schema_sqlite.h"
#include "store/store_impl.h"

#include <jansson.h>
#include <math.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- cached statements ----------------------------------------------------- */

enum {
    ST_ACC_UPSERT,
    ST_ACC_SET_UNIT,
    ST_REP_GET,
    ST_REP_INS,
    ST_REP_UPD,
    ST_USER_UPSERT,
    ST_UNIT_GET,
    ST_UNIT_INS,
    ST_UNIT_UPD,
    ST_UNIT_ID,
    ST_ADJ_INS,
    ST_MODEL_ID,
    ST_MODEL_ACTIVE_ID,
    ST_TERR_ID,
    ST_ALIGN_SET,
    ST_ALIGN_DEL,
    ST_MODEL_BUMP,
    ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    /* One statement per account: insert, or update when the content hash
     * differs, or nothing. A NULL unit keeps the allocated unit unless the
     * coordinates moved. */
    [ST_ACC_UPSERT] =
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
    [ST_ACC_SET_UNIT] =
        "UPDATE accounts SET unit_ext = ?2, updated_at = ?3 WHERE ext_id = ?1",
    [ST_REP_GET] = "SELECT id, row_hash FROM reps WHERE ext_id = ?1",
    [ST_REP_INS] =
        "INSERT INTO reps(ext_id, name, email, city, region, postal_code, country, lat, lon,"
        " geo_source, capacity, skills, day_start, day_end, manager_ext, attrs, row_hash,"
        " created_at, updated_at, user_id)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
        " ?17, ?18, ?18, ?19)",
    [ST_REP_UPD] =
        "UPDATE reps SET name = ?2, email = ?3, city = ?4, region = ?5, postal_code = ?6,"
        " country = ?7, lat = ?8, lon = ?9, geo_source = ?10, capacity = ?11, skills = ?12,"
        " day_start = ?13, day_end = ?14, manager_ext = ?15, attrs = ?16, row_hash = ?17,"
        " updated_at = ?18, user_id = ?19 WHERE id = ?20",
    [ST_USER_UPSERT] =
        "INSERT INTO users(login, display_name, email, created_at, updated_at)"
        " VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT(login) DO UPDATE SET"
        " display_name = excluded.display_name, email = excluded.email,"
        " updated_at = excluded.updated_at RETURNING id",
    [ST_UNIT_GET] = "SELECT id, row_hash FROM units WHERE ext_id = ?1",
    [ST_UNIT_INS] =
        "INSERT INTO units(ext_id, name, lat, lon, area_km2, geom, attrs, row_hash,"
        " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
    [ST_UNIT_UPD] =
        "UPDATE units SET name = ?2, lat = ?3, lon = ?4, area_km2 = ?5, geom = ?6,"
        " attrs = ?7, row_hash = ?8, updated_at = ?9 WHERE id = ?10",
    [ST_UNIT_ID] = "SELECT id FROM units WHERE ext_id = ?1",
    [ST_ADJ_INS] =
        "INSERT INTO unit_adjacency(unit_a, unit_b, kind, shared_km) VALUES (?1, ?2, ?3, ?4)"
        " ON CONFLICT DO NOTHING",
    [ST_MODEL_ID] = "SELECT id FROM territory_models WHERE name = ?1",
    [ST_MODEL_ACTIVE_ID] = "SELECT id FROM territory_models WHERE state = 'active'",
    [ST_TERR_ID] = "SELECT id FROM territories WHERE model_id = ?1 AND ext_id = ?2",
    [ST_ALIGN_SET] =
        "INSERT INTO alignments(model_id, unit_id, territory_id) VALUES (?1, ?2, ?3)"
        " ON CONFLICT(model_id, unit_id) WHERE effective_to IS NULL"
        " DO UPDATE SET territory_id = excluded.territory_id"
        " WHERE territory_id <> excluded.territory_id",
    [ST_ALIGN_DEL] =
        "DELETE FROM alignments WHERE model_id = ?1 AND unit_id = ?2 AND effective_to IS NULL",
    [ST_MODEL_BUMP] =
        "UPDATE territory_models SET alignment_rev = alignment_rev + 1,"
        " updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1",
};

typedef struct sqlite_store {
    regio_store base; /* first: the public handle */
    sqlite3 *db;
    int version;
    sqlite3_stmt *st[ST_COUNT];
    regio__buf json; /* scratch for attrs JSON, reused by every upsert */
    int user_txn;     /* inside regio_store_begin .. commit/rollback */
    long txn_upserts; /* accounts written in the current user transaction */
    char *bulk_sql[8]; /* secondary account indexes dropped for a bulk load */
    int n_bulk;
    time_t now_t;
    char now[32];
} sqlite_store;

#define SQ(s) ((sqlite_store *)(s))

/* Maps the connection's last SQLite error onto a regio error code. */
static regio_err sqerr(sqlite_store *s, regio_error *err, const char *what)
{
    int xc = sqlite3_extended_errcode(s->db);
    regio_err code = REGIO_ESTORE;
    switch (xc & 0xff) {
    case SQLITE_NOMEM: code = REGIO_ENOMEM; break;
    case SQLITE_CONSTRAINT:
        if (xc == SQLITE_CONSTRAINT_UNIQUE || xc == SQLITE_CONSTRAINT_PRIMARYKEY ||
            xc == SQLITE_CONSTRAINT_TRIGGER)
            code = REGIO_ECONFLICT;
        else
            code = REGIO_EDATA;
        break;
    default: break;
    }
    return regio__store_fail(err, code, "%s: %s", what, sqlite3_errmsg(s->db));
}

static regio_err stmt(sqlite_store *s, int which, sqlite3_stmt **out, regio_error *err)
{
    if (!s->st[which] &&
        sqlite3_prepare_v3(s->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &s->st[which],
                           NULL) != SQLITE_OK)
        return sqerr(s, err, "preparing a statement");
    *out = s->st[which];
    return REGIO_OK;
}

static regio_err exec(sqlite_store *s, const char *sql, regio_error *err)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return sqerr(s, err, sql);
    return REGIO_OK;
}

static void done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static const char *now_iso(sqlite_store *s)
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

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_num(sqlite3_stmt *st, int i, double v)
{
    if (isnan(v))
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_double(st, i, v);
}

static double col_num(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

static char *col_text(sqlite3_stmt *st, int i)
{
    return (char *)sqlite3_column_text(st, i);
}

/* Atomic multi-statement writes: an IMMEDIATE transaction of their own when
 * the caller has none open, else a savepoint inside the caller's. */
typedef struct txn {
    int own;
} txn;

static regio_err txn_begin(sqlite_store *s, txn *t, regio_error *err)
{
    t->own = sqlite3_get_autocommit(s->db);
    return exec(s, t->own ? "BEGIN IMMEDIATE" : "SAVEPOINT regio_op", err);
}

static regio_err txn_end(sqlite_store *s, txn *t, regio_err rc, regio_error *err)
{
    if (rc == REGIO_OK) {
        regio_err c = exec(s, t->own ? "COMMIT" : "RELEASE regio_op", err);
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

/* ---- attributes as JSON ----------------------------------------------------- */

/* Shortest of %.15g/%.16g/%.17g that reads back to v. */
static void fmt_num(char *buf, size_t cap, double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* Writes the digits of u at p; returns their count. */
static size_t put_uint(char *p, unsigned long long u)
{
    char rev[24];
    size_t n = 0;
    do {
        rev[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    for (size_t i = 0; i < n; i++)
        p[i] = rev[n - 1 - i];
    return n;
}

/* Number text for the attrs JSON: integers and numbers with up to four
 * decimals are written without printf (the import hot path), checked to
 * read back exactly; anything else in shortest %.17g form. */
static void fmt_json_num(char *buf, size_t cap, double v)
{
    static const double scale[] = {1, 10, 100, 1000, 10000};
    static const unsigned long long iscale[] = {1, 10, 100, 1000, 10000};
    for (int d = 0; d <= 4; d++) {
        double x = v * scale[d];
        if (!(fabs(x) < 1e15) || x != (double)(long long)x)
            continue;
        long long xi = (long long)x;
        unsigned long long u = (unsigned long long)(xi < 0 ? -xi : xi);
        char *p = buf;
        if (xi < 0)
            *p++ = '-';
        p += put_uint(p, u / iscale[d]);
        if (d) {
            unsigned long long frac = u % iscale[d];
            *p++ = '.';
            for (int k = d - 1; k >= 0; k--) {
                p[k] = (char)('0' + frac % 10);
                frac /= 10;
            }
            p += d;
        }
        *p = '\0';
        if (d == 0 || strtod(buf, NULL) == v)
            return;
        break;
    }
    fmt_num(buf, cap, v);
}

/* Writes attrs as one JSON object with its keys in byte order (so the
 * same attributes give the same text, and the same content hash, whatever
 * the column order of the file): numbers as JSON numbers, texts as strings,
 * empty values as null; a repeated key keeps its first value. */
static regio_err attrs_json(regio__buf *b, const regio_attr *attrs, size_t n)
{
    regio__buf_reset(b);
    regio_err rc = regio__buf_putc(b, '{');
    int first = 1;
    const char *prev = NULL;
    for (size_t step = 0; step < n && !rc; step++) {
        /* Selection of the next key in order: n is a record's attribute
         * count (tens), so O(n^2) costs less than allocating an index. */
        const regio_attr *a = NULL;
        for (size_t i = 0; i < n; i++) {
            const char *k = attrs[i].key;
            if (!k || (prev && strcmp(k, prev) <= 0))
                continue;
            if (!a || strcmp(k, a->key) < 0)
                a = &attrs[i];
        }
        if (!a)
            break;
        prev = a->key;
        if (!first)
            rc = regio__buf_putc(b, ',');
        first = 0;
        if (!rc)
            rc = regio__buf_json_str(b, a->key);
        if (!rc)
            rc = regio__buf_putc(b, ':');
        if (rc)
            break;
        if (a->is_num && isfinite(a->num)) {
            char tmp[40];
            fmt_json_num(tmp, sizeof tmp, a->num);
            rc = regio__buf_puts(b, tmp);
        } else if (a->text && !a->is_num) {
            rc = regio__buf_json_str(b, a->text);
        } else {
            rc = regio__buf_puts(b, "null");
        }
    }
    if (!rc)
        rc = regio__buf_putc(b, '}');
    return rc;
}

/* Parses an attrs JSON object into a new regio_attr array the caller frees
 * with regio_attrs_free. */
static regio_err attrs_parse(const char *text, regio_attr **out, size_t *n_out,
                             regio_error *err)
{
    *out = NULL;
    *n_out = 0;
    if (!text || !strcmp(text, "{}"))
        return REGIO_OK;
    json_error_t jerr;
    json_t *root = json_loads(text, JSON_DECODE_INT_AS_REAL, &jerr);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        return regio__store_fail(err, REGIO_ESTORE, "stored attributes are not a JSON object: %s",
                                 root ? "not an object" : jerr.text);
    }
    size_t n = json_object_size(root);
    if (!n) {
        json_decref(root);
        return REGIO_OK;
    }
    regio_attr *attrs = regio_calloc(n, sizeof *attrs);
    if (!attrs) {
        json_decref(root);
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory reading attributes");
    }
    size_t k = 0;
    const char *key;
    json_t *v;
    regio_err rc = REGIO_OK;
    json_object_foreach(root, key, v)
    {
        regio_attr *a = &attrs[k++];
        a->num = NAN;
        a->key = regio_strdup(key);
        if (!a->key) {
            rc = REGIO_ENOMEM;
            break;
        }
        if (json_is_number(v)) {
            char tmp[40];
            a->is_num = 1;
            a->num = json_number_value(v);
            fmt_num(tmp, sizeof tmp, a->num);
            a->text = regio_strdup(tmp);
            if (!a->text)
                rc = REGIO_ENOMEM;
        } else if (json_is_string(v)) {
            a->text = regio_strdup(json_string_value(v));
            if (!a->text)
                rc = REGIO_ENOMEM;
        } else if (!json_is_null(v)) {
            char *dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            a->text = regio_strdup(dump);
            free(dump);
            if (!a->text)
                rc = REGIO_ENOMEM;
        }
        if (rc)
            break;
    }
    json_decref(root);
    if (rc) {
        regio_attrs_free(attrs, k);
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory reading attributes");
    }
    *out = attrs;
    *n_out = k;
    return REGIO_OK;
}

/* ---- open / close / transactions -------------------------------------------- */

static void bulk_forget(sqlite_store *s);

static void sq_close(regio_store *base)
{
    sqlite_store *s = SQ(base);
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    if (s->db) {
        if (!sqlite3_get_autocommit(s->db))
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close_v2(s->db);
    }
    bulk_forget(s);
    regio__buf_free(&s->json);
    regio_free(s);
}

static int sq_schema_version(const regio_store *base)
{
    return ((const sqlite_store *)base)->version;
}

/* Bulk loads: maintaining the secondary indexes of accounts row by row
 * (random inserts into owner and unit indexes) costs more than the table
 * itself, so once a transaction has added or changed BULK_AFTER accounts the indexes
 * are dropped inside it and rebuilt (by sorting, far cheaper) just before
 * the commit. A rollback restores them with everything else. */
#define BULK_AFTER 20000

static void bulk_forget(sqlite_store *s)
{
    for (int i = 0; i < s->n_bulk; i++)
        regio_free(s->bulk_sql[i]);
    s->n_bulk = 0;
}

static void bulk_enter(sqlite_store *s)
{
    if (s->n_bulk > 0)
        return; /* already in bulk mode */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                           " AND tbl_name = 'accounts' AND sql IS NOT NULL ORDER BY name",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    char names[8][64];
    int n = 0;
    while (n < 8 && sqlite3_step(st) == SQLITE_ROW) {
        char *sql = regio_strdup(col_text(st, 1));
        if (!sql)
            break;
        snprintf(names[n], sizeof names[n], "%s", col_text(st, 0));
        s->bulk_sql[n++] = sql;
    }
    sqlite3_finalize(st);
    s->n_bulk = n;
    for (int i = 0; i < n; i++) {
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

static regio_err bulk_leave(sqlite_store *s, regio_error *err)
{
    if (sqlite3_get_autocommit(s->db)) {
        bulk_forget(s); /* SQLite already rolled back: the indexes are back */
        return REGIO_OK;
    }
    for (int i = 0; i < s->n_bulk; i++) {
        /* Skip an index a savepoint rollback has already brought back. */
        sqlite3_stmt *st = NULL;
        int exists = 0;
        if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM sqlite_master WHERE type = 'index' AND sql = ?1",
                               -1, &st, NULL) == SQLITE_OK) {
            bind_text(st, 1, s->bulk_sql[i]);
            exists = sqlite3_step(st) == SQLITE_ROW;
        }
        sqlite3_finalize(st);
        regio_err rc = exists ? REGIO_OK : exec(s, s->bulk_sql[i], err);
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
    sqlite_store *s = SQ(base);
    regio_err rc = exec(s, "BEGIN IMMEDIATE", err);
    if (!rc) {
        s->user_txn = 1;
        s->txn_upserts = 0;
    }
    return rc;
}

static regio_err sq_commit(regio_store *base, regio_error *err)
{
    sqlite_store *s = SQ(base);
    regio_err rc = bulk_leave(s, err);
    if (!rc)
        rc = exec(s, "COMMIT", err);
    if (!rc || sqlite3_get_autocommit(s->db)) {
        s->user_txn = 0;
        bulk_forget(s);
    }
    return rc;
}

static regio_err sq_rollback(regio_store *base, regio_error *err)
{
    sqlite_store *s = SQ(base);
    if (sqlite3_get_autocommit(s->db))
        return regio__store_fail(err, REGIO_EINVAL, "rollback without an open transaction");
    regio_err rc = exec(s, "ROLLBACK", err);
    s->user_txn = 0;
    bulk_forget(s); /* the rollback restored the dropped indexes */
    return rc;
}

/* ---- upserts -------------------------------------------------------------------- */

/* Looks up (id, row_hash) by external id with a cached statement. */
static regio_err find_hash(sqlite_store *s, int which, const char *ext, sqlite3_int64 *id,
                           sqlite3_int64 *hash, int *found, regio_error *err)
{
    sqlite3_stmt *st = NULL;
    regio_err rc = stmt(s, which, &st, err);
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
        rc = sqerr(s, err, "looking up a record");
    done(st);
    return rc;
}

static regio_err step_done(sqlite_store *s, sqlite3_stmt *st, const char *what, const char *ext,
                           regio_error *err)
{
    int r = sqlite3_step(st);
    regio_err rc = REGIO_OK;
    if (r != SQLITE_DONE && r != SQLITE_ROW) {
        char buf[160];
        snprintf(buf, sizeof buf, "%s '%s'", what, ext ? ext : "");
        rc = sqerr(s, err, buf);
    }
    done(st);
    return rc;
}

static regio_err sq_account_upsert(regio_store *base, const regio_account *a,
                                   regio_upsert_result *out, regio_error *err)
{
    sqlite_store *s = SQ(base);
    if (attrs_json(&s->json, a->attrs, a->n_attrs))
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory encoding attributes of '%s'",
                                 a->id);
    regio__hash h;
    regio__hash_init(&h);
    const char *strs1[] = {a->id, a->name, a->street, a->city, a->region, a->postal_code,
                           a->country};
    for (size_t i = 0; i < sizeof strs1 / sizeof *strs1; i++)
        regio__hash_str(&h, strs1[i]);
    regio__hash_num(&h, a->lat);
    regio__hash_num(&h, a->lon);
    regio__hash_int(&h, a->geo_source);
    const char *strs2[] = {a->owner, a->industry, a->type, a->segment};
    for (size_t i = 0; i < sizeof strs2 / sizeof *strs2; i++)
        regio__hash_str(&h, strs2[i]);
    regio__hash_num(&h, a->annual_revenue);
    regio__hash_num(&h, a->employees);
    regio__hash_num(&h, a->potential);
    regio__hash_str(&h, a->unit_id);
    regio__hash_str(&h, s->json.data);
    sqlite3_int64 hash = (sqlite3_int64)h.h;

    sqlite3_stmt *st = NULL;
    regio_err rc = stmt(s, ST_ACC_UPSERT, &st, err);
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
    bind_text(st, 21, now_iso(s));
    /* An insert sets the last rowid; the update branch leaves it alone. */
    sqlite3_set_last_insert_rowid(s->db, 0);
    rc = step_done(s, st, "writing account", a->id, err);
    if (rc)
        return rc;
    int wrote = sqlite3_changes(s->db) != 0;
    if (out)
        *out = !wrote                             ? REGIO_UPSERT_UNCHANGED
               : sqlite3_last_insert_rowid(s->db) ? REGIO_UPSERT_ADDED
                                                  : REGIO_UPSERT_UPDATED;
    if (wrote && s->user_txn && ++s->txn_upserts == BULK_AFTER &&
        !sqlite3_get_autocommit(s->db))
        bulk_enter(s);
    return REGIO_OK;
}

static regio_err sq_rep_upsert(regio_store *base, const regio_rep *r, regio_upsert_result *out,
                               regio_error *err)
{
    sqlite_store *s = SQ(base);
    if (attrs_json(&s->json, r->attrs, r->n_attrs))
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory encoding attributes of '%s'",
                                 r->id);
    regio__hash h;
    regio__hash_init(&h);
    const char *strs1[] = {r->id, r->name, r->email, r->city, r->region, r->postal_code,
                           r->country};
    for (size_t i = 0; i < sizeof strs1 / sizeof *strs1; i++)
        regio__hash_str(&h, strs1[i]);
    regio__hash_num(&h, r->lat);
    regio__hash_num(&h, r->lon);
    regio__hash_int(&h, r->geo_source);
    regio__hash_num(&h, r->capacity);
    const char *strs2[] = {r->skills, r->day_start, r->day_end, r->manager, s->json.data};
    for (size_t i = 0; i < sizeof strs2 / sizeof *strs2; i++)
        regio__hash_str(&h, strs2[i]);
    sqlite3_int64 hash = (sqlite3_int64)h.h;

    sqlite3_int64 id = 0, old = 0;
    int found = 0;
    regio_err rc = find_hash(s, ST_REP_GET, r->id, &id, &old, &found, err);
    if (rc)
        return rc;
    if (found && old == hash) {
        if (out)
            *out = REGIO_UPSERT_UNCHANGED;
        return REGIO_OK;
    }
    txn t;
    rc = txn_begin(s, &t, err);
    if (rc)
        return rc;
    /* Reps are users too: keep the user row (login = rep external id) in step. */
    sqlite3_stmt *st = NULL;
    sqlite3_int64 user_id = 0;
    rc = stmt(s, ST_USER_UPSERT, &st, err);
    if (!rc) {
        bind_text(st, 1, r->id);
        bind_text(st, 2, r->name);
        bind_text(st, 3, r->email);
        bind_text(st, 4, now_iso(s));
        if (sqlite3_step(st) == SQLITE_ROW)
            user_id = sqlite3_column_int64(st, 0);
        else
            rc = sqerr(s, err, "writing the user of a rep");
        done(st);
    }
    if (!rc)
        rc = stmt(s, found ? ST_REP_UPD : ST_REP_INS, &st, err);
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
        bind_text(st, 18, now_iso(s));
        sqlite3_bind_int64(st, 19, user_id);
        if (found)
            sqlite3_bind_int64(st, 20, id);
        rc = step_done(s, st, "writing rep", r->id, err);
    }
    rc = txn_end(s, &t, rc, err);
    if (!rc && out)
        *out = found ? REGIO_UPSERT_UPDATED : REGIO_UPSERT_ADDED;
    return rc;
}

static regio_err sq_unit_upsert(regio_store *base, const regio_unit *u, regio_upsert_result *out,
                                regio_error *err)
{
    sqlite_store *s = SQ(base);
    if (attrs_json(&s->json, u->attrs, u->n_attrs))
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory encoding attributes of '%s'",
                                 u->id);
    regio__hash h;
    regio__hash_init(&h);
    regio__hash_str(&h, u->id);
    regio__hash_str(&h, u->name);
    regio__hash_num(&h, u->lat);
    regio__hash_num(&h, u->lon);
    regio__hash_num(&h, u->area_km2);
    if (u->wkb) {
        regio__hash_int(&h, (int64_t)u->wkb_len);
        regio__hash_bytes(&h, u->wkb, u->wkb_len);
    } else {
        regio__hash_int(&h, -1);
    }
    regio__hash_str(&h, s->json.data);
    sqlite3_int64 hash = (sqlite3_int64)h.h;

    sqlite3_int64 id = 0, old = 0;
    int found = 0;
    regio_err rc = find_hash(s, ST_UNIT_GET, u->id, &id, &old, &found, err);
    if (rc)
        return rc;
    if (found && old == hash) {
        if (out)
            *out = REGIO_UPSERT_UNCHANGED;
        return REGIO_OK;
    }
    sqlite3_stmt *st = NULL;
    rc = stmt(s, found ? ST_UNIT_UPD : ST_UNIT_INS, &st, err);
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
    bind_text(st, 9, now_iso(s));
    if (found)
        sqlite3_bind_int64(st, 10, id);
    rc = step_done(s, st, "writing unit", u->id, err);
    if (!rc && out)
        *out = found ? REGIO_UPSERT_UPDATED : REGIO_UPSERT_ADDED;
    return rc;
}

/* ---- adjacency --------------------------------------------------------------------- */

static regio_err unit_id_of(sqlite_store *s, const char *ext, sqlite3_int64 *id, int *found,
                            regio_error *err)
{
    sqlite3_stmt *st = NULL;
    regio_err rc = stmt(s, ST_UNIT_ID, &st, err);
    if (rc)
        return rc;
    bind_text(st, 1, ext);
    int r = sqlite3_step(st);
    *found = r == SQLITE_ROW;
    if (*found)
        *id = sqlite3_column_int64(st, 0);
    else if (r != SQLITE_DONE)
        rc = sqerr(s, err, "looking up a unit");
    done(st);
    return rc;
}

static regio_err sq_adjacency_replace(regio_store *base, const regio_adj_edge *edges, size_t n,
                                      regio_error *err)
{
    sqlite_store *s = SQ(base);
    txn t;
    regio_err rc = txn_begin(s, &t, err);
    if (rc)
        return rc;
    rc = exec(s, "DELETE FROM unit_adjacency", err);
    for (size_t i = 0; i < n && !rc; i++) {
        const regio_adj_edge *e = &edges[i];
        if (!e->a || !e->b) {
            rc = regio__store_fail(err, REGIO_EDATA, "adjacency edge %zu has no unit id", i + 1);
            break;
        }
        sqlite3_int64 ia = 0, ib = 0;
        int fa = 0, fb = 0;
        rc = unit_id_of(s, e->a, &ia, &fa, err);
        if (!rc)
            rc = unit_id_of(s, e->b, &ib, &fb, err);
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
        rc = stmt(s, ST_ADJ_INS, &st, err);
        if (rc)
            break;
        sqlite3_bind_int64(st, 1, ia < ib ? ia : ib);
        sqlite3_bind_int64(st, 2, ia < ib ? ib : ia);
        sqlite3_bind_int(st, 3, (int)e->kind);
        bind_num(st, 4, e->shared_km);
        rc = step_done(s, st, "writing adjacency of unit", e->a, err);
    }
    return txn_end(s, &t, rc, err);
}

/* ---- readers ----------------------------------------------------------------------- */

static regio_err prepare_once(sqlite_store *s, const char *sql, sqlite3_stmt **st,
                              regio_error *err)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return sqerr(s, err, "preparing a query");
    return REGIO_OK;
}

static regio_err finish_scan(sqlite_store *s, sqlite3_stmt *st, int r, regio_err rc,
                             regio_error *err)
{
    if (!rc && r != SQLITE_DONE)
        rc = sqerr(s, err, "reading the store");
    sqlite3_finalize(st);
    return rc;
}

static regio_err cancelled(regio_error *err)
{
    return regio__store_fail(err, REGIO_ECANCELLED, "stopped by the callback");
}

static regio_err sq_accounts_foreach(regio_store *base, regio_account_cb cb, void *ud,
                                     regio_error *err)
{
    sqlite_store *s = SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = prepare_once(
        s,
        "SELECT ext_id, name, street, city, region, postal_code, country, lat, lon,"
        " geo_source, owner_ext, industry, type, segment, annual_revenue, employees,"
        " potential, unit_ext, attrs FROM accounts ORDER BY ext_id",
        &st, err);
    if (rc)
        return rc;
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
        rc = attrs_parse(col_text(st, 18), &a.attrs, &a.n_attrs, err);
        if (rc)
            break;
        int stop = cb(ud, &a);
        regio_attrs_free(a.attrs, a.n_attrs);
        if (stop)
            rc = cancelled(err);
    }
    return finish_scan(s, st, rc ? SQLITE_DONE : r, rc, err);
}

static regio_err sq_reps_foreach(regio_store *base, regio_rep_cb cb, void *ud, regio_error *err)
{
    sqlite_store *s = SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = prepare_once(
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
            rc = cancelled(err);
    }
    return finish_scan(s, st, rc ? SQLITE_DONE : r, rc, err);
}

static regio_err sq_units_foreach(regio_store *base, int with_geometry, regio_unit_cb cb,
                                  void *ud, regio_error *err)
{
    sqlite_store *s = SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = prepare_once(s,
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
            rc = cancelled(err);
    }
    return finish_scan(s, st, rc ? SQLITE_DONE : r, rc, err);
}

static regio_err sq_adjacency_foreach(regio_store *base, regio_adj_cb cb, void *ud,
                                      regio_error *err)
{
    sqlite_store *s = SQ(base);
    sqlite3_stmt *st = NULL;
    /* Stored by integer id; reported with a < b by external id (strcmp
     * order matches SQLite's default BINARY collation). */
    regio_err rc = prepare_once(
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
            rc = cancelled(err);
    }
    return finish_scan(s, st, rc ? SQLITE_DONE : r, rc, err);
}

/* ---- allocation helpers -------------------------------------------------------------- */

static regio_err sq_account_set_unit(regio_store *base, const char *const *account_ids,
                                     const char *const *unit_ids, size_t n, regio_error *err)
{
    sqlite_store *s = SQ(base);
    txn t;
    regio_err rc = REGIO_OK;
    int multi = n > 1;
    if (multi && (rc = txn_begin(s, &t, err)))
        return rc;
    /* A large batch (point-in-polygon allocation of a whole import) also
     * rebuilds the unit index once instead of row by row. */
    int entered = 0;
    if (n >= BULK_AFTER && s->n_bulk == 0) {
        bulk_enter(s);
        entered = s->n_bulk > 0;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        sqlite3_stmt *st = NULL;
        if (!account_ids[i]) {
            rc = regio__store_fail(err, REGIO_EINVAL, "account id %zu is NULL", i + 1);
            break;
        }
        rc = stmt(s, ST_ACC_SET_UNIT, &st, err);
        if (rc)
            break;
        bind_text(st, 1, account_ids[i]);
        bind_text(st, 2, unit_ids[i]);
        bind_text(st, 3, now_iso(s));
        rc = step_done(s, st, "setting the unit of account", account_ids[i], err);
        if (!rc && sqlite3_changes(s->db) == 0)
            rc = regio__store_fail(err, REGIO_ENOTFOUND, "account '%s' not found",
                                   account_ids[i]);
    }
    if (entered && !rc && !s->user_txn)
        rc = bulk_leave(s, err);
    if (multi)
        rc = txn_end(s, &t, rc, err);
    if (entered && (rc || !s->user_txn))
        bulk_forget(s); /* rolled back with the batch, or rebuilt above */
    return rc;
}

static regio_err sq_unit_measures_from_accounts(regio_store *base, regio_error *err)
{
    return exec(SQ(base),
                "UPDATE units SET attrs = json_set(attrs, '$.accounts', m.n, '$.revenue', m.rev,"
                " '$.potential', m.pot)"
                " FROM (SELECT u.id AS uid, COUNT(a.id) AS n, TOTAL(a.annual_revenue) AS rev,"
                "   TOTAL(a.potential) AS pot FROM units u"
                "   LEFT JOIN accounts a ON a.unit_ext = u.ext_id GROUP BY u.id) AS m"
                " WHERE m.uid = units.id",
                err);
}

static regio_err sq_stats(regio_store *base, regio_store_counts *out, regio_error *err)
{
    sqlite_store *s = SQ(base);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    regio_err rc = prepare_once(
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
    return finish_scan(s, st, r, rc, err);
}

/* ---- models, territories, alignments ------------------------------------------------- */

static regio_err id_query(sqlite_store *s, int which, sqlite3_int64 a, const char *b,
                          sqlite3_int64 *id, int *found, regio_error *err)
{
    sqlite3_stmt *st = NULL;
    regio_err rc = stmt(s, which, &st, err);
    if (rc)
        return rc;
    if (which == ST_TERR_ID) {
        sqlite3_bind_int64(st, 1, a);
        bind_text(st, 2, b);
    } else if (which != ST_MODEL_ACTIVE_ID) {
        bind_text(st, 1, b);
    }
    int r = sqlite3_step(st);
    *found = r == SQLITE_ROW;
    if (*found)
        *id = sqlite3_column_int64(st, 0);
    else if (r != SQLITE_DONE)
        rc = sqerr(s, err, "looking up an id");
    done(st);
    return rc;
}

/* Resolves a model name (NULL = the active model) to its id. */
static regio_err model_id(sqlite_store *s, const char *name, sqlite3_int64 *id, regio_error *err)
{
    int found = 0;
    regio_err rc = id_query(s, name ? ST_MODEL_ID : ST_MODEL_ACTIVE_ID, 0, name, id, &found, err);
    if (rc)
        return rc;
    if (!found)
        return name ? regio__store_fail(err, REGIO_ENOTFOUND, "territory model '%s' not found",
                                        name)
                    : regio__store_fail(err, REGIO_ENOTFOUND, "no territory model is active");
    return REGIO_OK;
}

static regio_err sq_model_create(regio_store *base, const char *name, regio_model_state state,
                                 const char *effective_from, const char *parent,
                                 const char *description, long *id_out, regio_error *err)
{
    sqlite_store *s = SQ(base);
    sqlite3_int64 pid = 0, id = 0;
    int found = 0;
    regio_err rc = id_query(s, ST_MODEL_ID, 0, name, &id, &found, err);
    if (rc)
        return rc;
    if (found)
        return regio__store_fail(err, REGIO_ECONFLICT, "a territory model named '%s' already exists",
                                 name);
    if (state == REGIO_MODEL_ACTIVE) {
        rc = id_query(s, ST_MODEL_ACTIVE_ID, 0, NULL, &id, &found, err);
        if (rc)
            return rc;
        if (found)
            return regio__store_fail(err, REGIO_ECONFLICT,
                                     "cannot create '%s' as active: another territory model is "
                                     "already active (at most one may be)",
                                     name);
    }
    if (parent && (rc = model_id(s, parent, &pid, err)))
        return rc;
    sqlite3_stmt *st = NULL;
    rc = prepare_once(s,
                      "INSERT INTO territory_models(name, state, effective_from, parent_model_id,"
                      " description) VALUES (?1, ?2, ?3, ?4, ?5)",
                      &st, err);
    if (rc)
        return rc;
    bind_text(st, 1, name);
    bind_text(st, 2, regio_model_state_name(state));
    bind_text(st, 3, effective_from);
    if (parent)
        sqlite3_bind_int64(st, 4, pid);
    bind_text(st, 5, description);
    int r = sqlite3_step(st);
    if (r != SQLITE_DONE)
        rc = sqerr(s, err, "creating a territory model");
    sqlite3_finalize(st);
    if (!rc && id_out)
        *id_out = (long)sqlite3_last_insert_rowid(s->db);
    return rc;
}

static regio_model_state state_of(const char *t)
{
    if (t && !strcmp(t, "active"))
        return REGIO_MODEL_ACTIVE;
    if (t && !strcmp(t, "archived"))
        return REGIO_MODEL_ARCHIVED;
    return REGIO_MODEL_PLANNING;
}

#define MODEL_COLS                                                                         \
    "SELECT m.id, m.name, m.state, m.effective_from, m.created_at, p.name, m.description," \
    " m.alignment_rev FROM territory_models m"                                             \
    " LEFT JOIN territory_models p ON p.id = m.parent_model_id "

/* Fills a model info whose strings point into the statement row. */
static void model_row(sqlite3_stmt *st, regio_model_info *m)
{
    m->id = (long)sqlite3_column_int64(st, 0);
    m->name = col_text(st, 1);
    m->state = state_of(col_text(st, 2));
    m->effective_from = col_text(st, 3);
    m->created_at = col_text(st, 4);
    m->parent = col_text(st, 5);
    m->description = col_text(st, 6);
    m->alignment_rev = (long)sqlite3_column_int64(st, 7);
}

static regio_err sq_model_find(regio_store *base, const char *name, regio_model_info *out,
                               regio_error *err)
{
    sqlite_store *s = SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = prepare_once(
        s, name ? MODEL_COLS "WHERE m.name = ?1" : MODEL_COLS "WHERE m.state = 'active'", &st,
        err);
    if (rc)
        return rc;
    if (name)
        bind_text(st, 1, name);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        regio_model_info v;
        model_row(st, &v);
        out->id = v.id;
        out->state = v.state;
        out->alignment_rev = v.alignment_rev;
        out->name = regio_strdup(v.name);
        out->effective_from = regio_strdup(v.effective_from);
        out->created_at = regio_strdup(v.created_at);
        out->parent = regio_strdup(v.parent);
        out->description = regio_strdup(v.description);
        if (!out->name || (v.effective_from && !out->effective_from) ||
            (v.created_at && !out->created_at) || (v.parent && !out->parent) ||
            (v.description && !out->description)) {
            regio_model_info_clear(out);
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory reading a model");
        }
        r = SQLITE_DONE;
    } else if (r == SQLITE_DONE) {
        rc = name ? regio__store_fail(err, REGIO_ENOTFOUND, "territory model '%s' not found", name)
                  : regio__store_fail(err, REGIO_ENOTFOUND, "no territory model is active");
    }
    return finish_scan(s, st, r, rc, err);
}

static regio_err sq_model_list(regio_store *base, regio_model_cb cb, void *ud, regio_error *err)
{
    sqlite_store *s = SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = prepare_once(s, MODEL_COLS "ORDER BY m.name", &st, err);
    if (rc)
        return rc;
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio_model_info m;
        model_row(st, &m);
        if (cb(ud, &m))
            rc = cancelled(err);
    }
    return finish_scan(s, st, rc ? SQLITE_DONE : r, rc, err);
}

/* Runs a one-row integer query with up to two integer parameters. */
static regio_err int_query(sqlite_store *s, const char *sql, sqlite3_int64 p1, sqlite3_int64 p2,
                           sqlite3_int64 *v, regio_error *err)
{
    sqlite3_stmt *st = NULL;
    regio_err rc = prepare_once(s, sql, &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, p1);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, p2);
    int r = sqlite3_step(st);
    *v = 0;
    if (r == SQLITE_ROW) {
        *v = sqlite3_column_int64(st, 0);
        r = SQLITE_DONE;
    }
    return finish_scan(s, st, r, rc, err);
}

static regio_err sq_territory_upsert(regio_store *base, const char *model, const char *ext_id,
                                     const char *name, const char *parent_ext_id,
                                     regio_error *err)
{
    sqlite_store *s = SQ(base);
    sqlite3_int64 mid = 0, self = 0, parent = 0;
    int found = 0, pfound = 0;
    regio_err rc = model_id(s, model, &mid, err);
    if (!rc)
        rc = id_query(s, ST_TERR_ID, mid, ext_id, &self, &found, err);
    if (!rc && parent_ext_id) {
        rc = id_query(s, ST_TERR_ID, mid, parent_ext_id, &parent, &pfound, err);
        if (!rc && !pfound)
            rc = regio__store_fail(err, REGIO_EDATA,
                                   "parent territory '%s' of '%s' is not in the model",
                                   parent_ext_id, ext_id);
    }
    if (rc)
        return rc;
    sqlite3_int64 limit = 16, up = 0, down = 0, cycle = 0;
    if (parent) {
        rc = int_query(s, "SELECT CAST(value AS INTEGER) FROM settings"
                          " WHERE key = 'territory_depth_limit' AND ?1 = ?1",
                       0, 0, &limit, err);
        if (!rc && limit <= 0)
            limit = 16;
        /* Levels from the parent up to its root, and whether self is among them. */
        if (!rc)
            rc = int_query(s,
                           "WITH RECURSIVE anc(id, parent_id, d) AS ("
                           " SELECT id, parent_id, 1 FROM territories WHERE id = ?1"
                           " UNION ALL SELECT t.id, t.parent_id, anc.d + 1 FROM territories t"
                           " JOIN anc ON t.id = anc.parent_id WHERE anc.d <= 4096)"
                           " SELECT MAX(d) * 2 + MAX(id = ?2) FROM anc",
                           parent, self, &up, err);
        cycle = up & 1;
        up >>= 1;
        if (!rc && found)
            rc = int_query(s,
                           "WITH RECURSIVE sub(id, d) AS (SELECT id, 1 FROM territories WHERE id = ?1"
                           " UNION ALL SELECT t.id, sub.d + 1 FROM territories t"
                           " JOIN sub ON t.parent_id = sub.id WHERE sub.d <= 4096)"
                           " SELECT MAX(d) FROM sub",
                           self, 0, &down, err);
        if (!found)
            down = 1;
        if (!rc && (cycle || parent == self))
            rc = regio__store_fail(err, REGIO_EDATA,
                                   "making '%s' a child of '%s' would create a cycle", ext_id,
                                   parent_ext_id);
        if (!rc && up + down > limit)
            rc = regio__store_fail(err, REGIO_EDATA,
                                   "territory '%s' under '%s' would make the hierarchy %lld levels"
                                   " deep (limit %lld)",
                                   ext_id, parent_ext_id, (long long)(up + down),
                                   (long long)limit);
        if (rc)
            return rc;
    }
    sqlite3_stmt *st = NULL;
    rc = prepare_once(s,
                      found ? "UPDATE territories SET name = COALESCE(?3, name), parent_id = ?4,"
                              " updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?5"
                            : "INSERT INTO territories(model_id, ext_id, name, parent_id)"
                              " VALUES (?1, ?2, ?3, ?4)",
                      &st, err);
    if (rc)
        return rc;
    if (!found) {
        sqlite3_bind_int64(st, 1, mid);
        bind_text(st, 2, ext_id);
    } else {
        sqlite3_bind_int64(st, 5, self);
    }
    bind_text(st, 3, name);
    if (parent)
        sqlite3_bind_int64(st, 4, parent);
    else
        sqlite3_bind_null(st, 4);
    int r = sqlite3_step(st);
    if (r != SQLITE_DONE)
        rc = sqerr(s, err, "writing a territory");
    sqlite3_finalize(st);
    return rc;
}

static regio_err sq_alignment_set(regio_store *base, const char *model, const char *unit_id,
                                  const char *territory, regio_error *err)
{
    sqlite_store *s = SQ(base);
    sqlite3_int64 mid = 0, uid = 0, tid = 0;
    int found = 0;
    regio_err rc = model_id(s, model, &mid, err);
    if (!rc)
        rc = unit_id_of(s, unit_id, &uid, &found, err);
    if (!rc && !found)
        rc = regio__store_fail(err, REGIO_ENOTFOUND, "unit '%s' not found", unit_id);
    if (!rc && territory) {
        rc = id_query(s, ST_TERR_ID, mid, territory, &tid, &found, err);
        if (!rc && !found)
            rc = regio__store_fail(err, REGIO_ENOTFOUND,
                                   "territory '%s' not found in the model", territory);
    }
    if (rc)
        return rc;
    txn t;
    if ((rc = txn_begin(s, &t, err)))
        return rc;
    sqlite3_stmt *st = NULL;
    rc = stmt(s, territory ? ST_ALIGN_SET : ST_ALIGN_DEL, &st, err);
    if (!rc) {
        sqlite3_bind_int64(st, 1, mid);
        sqlite3_bind_int64(st, 2, uid);
        if (territory)
            sqlite3_bind_int64(st, 3, tid);
        rc = step_done(s, st, "aligning unit", unit_id, err);
    }
    if (!rc && sqlite3_changes(s->db) > 0) {
        rc = stmt(s, ST_MODEL_BUMP, &st, err);
        if (!rc) {
            sqlite3_bind_int64(st, 1, mid);
            rc = step_done(s, st, "bumping the alignment revision of model", model, err);
        }
    }
    return txn_end(s, &t, rc, err);
}

static regio_err sq_alignment_foreach(regio_store *base, const char *model, regio_alignment_cb cb,
                                      void *ud, regio_error *err)
{
    sqlite_store *s = SQ(base);
    sqlite3_int64 mid = 0;
    regio_err rc = model_id(s, model, &mid, err);
    static const char *const sql[2] = {
        "SELECT u.ext_id, t.ext_id, COALESCE(al.effective_from, m.effective_from)"
        " FROM alignments al JOIN units u ON u.id = al.unit_id"
        " JOIN territories t ON t.id = al.territory_id"
        " JOIN territory_models m ON m.id = al.model_id"
        " WHERE al.model_id = ?1 AND al.effective_to IS NULL ORDER BY u.ext_id",
        "SELECT a.ext_id, t.ext_id, COALESCE(at.effective_from, m.effective_from)"
        " FROM account_territories at JOIN accounts a ON a.id = at.account_id"
        " JOIN territories t ON t.id = at.territory_id"
        " JOIN territory_models m ON m.id = t.model_id"
        " WHERE t.model_id = ?1 AND at.cause = 'manual' ORDER BY a.ext_id, t.ext_id",
    };
    for (int pass = 0; pass < 2 && !rc; pass++) {
        sqlite3_stmt *st = NULL;
        if ((rc = prepare_once(s, sql[pass], &st, err)))
            break;
        sqlite3_bind_int64(st, 1, mid);
        int r;
        while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
            regio_alignment_row row = {0};
            if (pass == 0)
                row.unit_id = col_text(st, 0);
            else
                row.account_id = col_text(st, 0);
            row.territory = col_text(st, 1);
            row.effective_from = col_text(st, 2);
            if (cb(ud, &row))
                rc = cancelled(err);
        }
        rc = finish_scan(s, st, rc ? SQLITE_DONE : r, rc, err);
    }
    return rc;
}

static regio_err sq_alignment_revision(regio_store *base, const char *model, long *rev,
                                       regio_error *err)
{
    sqlite_store *s = SQ(base);
    sqlite3_int64 mid = 0, v = 0;
    regio_err rc = model_id(s, model, &mid, err);
    if (!rc)
        rc = int_query(s, "SELECT alignment_rev FROM territory_models WHERE id = ?1", mid, 0, &v,
                       err);
    *rev = (long)v;
    return rc;
}

/* ---- audit log ---------------------------------------------------------------------------- */

static const char ZERO_HASH[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* Canonical record: each field framed as "<len>:<bytes>" or "~" for NULL,
 * in a fixed order, so no two different records share a byte string. */
static regio_err audit_canonical(regio__buf *b, const char *prev_hash, sqlite3_int64 id,
                                 const char *const fields[7])
{
    regio__buf_reset(b);
    regio_err rc = regio__buf_puts(b, prev_hash);
    if (!rc)
        rc = regio__buf_printf(b, "%lld", (long long)id);
    for (int i = 0; i < 7 && !rc; i++) {
        rc = regio__buf_putc(b, '|');
        if (rc)
            break;
        if (!fields[i]) {
            rc = regio__buf_putc(b, '~');
        } else {
            size_t n = strlen(fields[i]);
            rc = regio__buf_printf(b, "%zu:", n);
            if (!rc)
                rc = regio__buf_append(b, fields[i], n);
        }
    }
    return rc;
}

static regio_err sha256_hex(const regio__buf *b, char out[65], regio_error *err)
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

static regio_err sq_audit_append(regio_store *base, const char *actor, const char *action,
                                 const char *object_type, const char *object_id,
                                 const char *before_json, const char *after_json,
                                 regio_error *err)
{
    sqlite_store *s = SQ(base);
    txn t;
    regio_err rc = txn_begin(s, &t, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    sqlite3_int64 prev_id = 0;
    char prev[65];
    snprintf(prev, sizeof prev, "%s", ZERO_HASH);
    rc = prepare_once(s, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", &st, err);
    if (!rc) {
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            prev_id = sqlite3_column_int64(st, 0);
            snprintf(prev, sizeof prev, "%s", col_text(st, 1) ? col_text(st, 1) : "");
            r = SQLITE_DONE;
        }
        rc = finish_scan(s, st, r, rc, err);
    }
    char ts[40] = "";
    struct timespec tv;
    clock_gettime(CLOCK_REALTIME, &tv);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char secs[24];
    strftime(secs, sizeof secs, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts, sizeof ts, "%s.%03ldZ", secs, (long)(tv.tv_nsec / 1000000));

    const char *fields[7] = {ts, actor, action, object_type, object_id, before_json, after_json};
    char hash[65];
    regio__buf b;
    regio__buf_init(&b, 0);
    if (!rc && audit_canonical(&b, prev, prev_id + 1, fields))
        rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory building an audit record");
    if (!rc)
        rc = sha256_hex(&b, hash, err);
    regio__buf_free(&b);
    if (!rc)
        rc = prepare_once(s,
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
        if (r != SQLITE_DONE) {
            if (sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_CHECK)
                rc = regio__store_fail(err, REGIO_EINVAL,
                                       "audit before/after must be valid JSON: %s",
                                       sqlite3_errmsg(s->db));
            else
                rc = sqerr(s, err, "appending to the audit log");
        }
        sqlite3_finalize(st);
    }
    return txn_end(s, &t, rc, err);
}

static regio_err sq_audit_verify(regio_store *base, long *bad_id, regio_error *err)
{
    sqlite_store *s = SQ(base);
    *bad_id = 0;
    sqlite3_stmt *st = NULL;
    regio_err rc = prepare_once(s,
                                "SELECT id, ts, actor, action, object_type, object_id, before,"
                                " after, prev_hash, hash FROM audit_log ORDER BY id",
                                &st, err);
    if (rc)
        return rc;
    char expect[65];
    snprintf(expect, sizeof expect, "%s", ZERO_HASH);
    regio__buf b;
    regio__buf_init(&b, 0);
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_int64 id = sqlite3_column_int64(st, 0);
        const char *fields[7];
        for (int i = 0; i < 7; i++)
            fields[i] = col_text(st, i + 1);
        const char *prev = col_text(st, 8), *hash = col_text(st, 9);
        char calc[65] = "";
        if (!prev || strcmp(prev, expect) != 0) {
            *bad_id = (long)id;
            rc = regio__store_fail(err, REGIO_EDATA,
                                   "audit log row %lld does not link to the row before it "
                                   "(a row was removed or altered)",
                                   (long long)id);
            break;
        }
        if (audit_canonical(&b, prev, id, fields)) {
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory verifying the audit log");
            break;
        }
        if ((rc = sha256_hex(&b, calc, err)))
            break;
        if (!hash || strcmp(hash, calc) != 0) {
            *bad_id = (long)id;
            rc = regio__store_fail(err, REGIO_EDATA,
                                   "audit log row %lld was altered: its hash does not match",
                                   (long long)id);
            break;
        }
        snprintf(expect, sizeof expect, "%s", calc);
    }
    regio__buf_free(&b);
    return finish_scan(s, st, rc ? SQLITE_DONE : r, rc, err);
}

/* ---- vtable and open ------------------------------------------------------------------------ */

static const regio__store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .schema_version = sq_schema_version,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .account_upsert = sq_account_upsert,
    .rep_upsert = sq_rep_upsert,
    .unit_upsert = sq_unit_upsert,
    .adjacency_replace = sq_adjacency_replace,
    .accounts_foreach = sq_accounts_foreach,
    .reps_foreach = sq_reps_foreach,
    .units_foreach = sq_units_foreach,
    .adjacency_foreach = sq_adjacency_foreach,
    .account_set_unit = sq_account_set_unit,
    .unit_measures_from_accounts = sq_unit_measures_from_accounts,
    .stats = sq_stats,
    .model_create = sq_model_create,
    .model_find = sq_model_find,
    .model_list = sq_model_list,
    .territory_upsert = sq_territory_upsert,
    .alignment_set = sq_alignment_set,
    .alignment_foreach = sq_alignment_foreach,
    .alignment_revision = sq_alignment_revision,
    .audit_append = sq_audit_append,
    .audit_verify = sq_audit_verify,
};

sqlite3 *regio__sqlite_handle(regio_store *s)
{
    return s && s->ops == &sqlite_ops ? SQ(s)->db : NULL;
}

regio_err regio__sqlite_open(const char *path, regio_store **out, regio_error *err)
{
    sqlite_store *s = regio_calloc(1, sizeof *s);
    if (!s)
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory opening the store");
    s->base.ops = &sqlite_ops;
    regio__buf_init(&s->json, 0);
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
    sqlite3_busy_timeout(s->db, 10000);
    /* WAL with synchronous=NORMAL: a committed transaction survives a crash
     * of the process (not necessarily of the OS); readers never block the
     * writer. Foreign keys are per connection and off by default. */
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
    if ((rc = exec(s,
                   "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
                   " PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY",
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
