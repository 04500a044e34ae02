/*
 * The SQLite half of copying a whole store (store/copy_impl.h): a table's
 * columns from PRAGMA table_info, its rows read with one SELECT and
 * written with prepared multi-row INSERTs inside the caller's transaction
 * (foreign keys deferred to its commit, so that rows referring to rows of
 * their own table may come in any order).
 */
#include "store/copy_impl.h"
#include "store/sqlite_impl.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Rows one INSERT writes at most (fewer when SQLite's limit on bound
 * parameters says so): enough that the statement overhead no longer
 * counts, few enough that the buffered rows stay small. */
#define ROWS_PER_INSERT 256

/* The kind of a declared SQLite column type (the schema uses exactly
 * these four). */
static char kind_of(const char *type)
{
    if (!type)
        return 0;
    if (!strcasecmp(type, "INTEGER"))
        return REGIO__COL_INT;
    if (!strcasecmp(type, "REAL"))
        return REGIO__COL_REAL;
    if (!strcasecmp(type, "TEXT"))
        return REGIO__COL_TEXT;
    if (!strcasecmp(type, "BLOB"))
        return REGIO__COL_BLOB;
    return 0;
}

static regio_err sq_columns(regio_store *base, regio__column_fn cb, void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prepare(s,
                                     "SELECT m.name, p.name, p.type FROM sqlite_master m,"
                                     " pragma_table_info(m.name) p WHERE m.type = 'table'"
                                     " AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                                     " AND m.name <> 'schema_migrations' ORDER BY m.name, p.cid",
                                     &st, err);
    if (rc)
        return rc;
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW)
        rc = cb(ud, (const char *)sqlite3_column_text(st, 0),
                (const char *)sqlite3_column_text(st, 1),
                kind_of((const char *)sqlite3_column_text(st, 2)), err);
    return regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
}

static regio_err sq_count(regio_store *base, const char *table, long long *n, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    char *sql = sqlite3_mprintf("SELECT count(*) FROM \"%w\"", table);
    if (!sql)
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory counting %s", table);
    sqlite3_int64 v = 0;
    regio_err rc = regio__sq_int_query(s, sql, 0, 0, &v, err);
    sqlite3_free(sql);
    *n = v;
    return rc;
}

static regio_err sq_snapshot_begin(regio_store *base, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    if (!sqlite3_get_autocommit(s->db))
        return regio__store_fail(err, REGIO_EINVAL,
                                 "the store to copy from is inside a transaction");
    /* A deferred transaction takes its snapshot at its first read: read
     * now, so that every table is read as of the same moment. */
    regio_err rc = regio__sq_exec(s, "BEGIN", err);
    if (!rc)
        rc = regio__sq_exec(s, "SELECT count(*) FROM sqlite_master", err);
    if (rc && !sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static void sq_snapshot_end(regio_store *base)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static const char *storage_name(int type)
{
    switch (type) {
    case SQLITE_INTEGER: return "an integer";
    case SQLITE_FLOAT: return "a real number";
    case SQLITE_TEXT: return "text";
    default: return "a blob";
    }
}

static regio_err sq_read(regio_store *base, const regio__copy_table *t, regio__row_fn cb,
                         void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio_buf sql;
    regio_buf_init(&sql, 0);
    regio__value *row = regio_calloc(t->n_cols ? t->n_cols : 1, sizeof *row);
    regio_err rc = row ? REGIO_OK : REGIO_ENOMEM;
    if (!rc)
        rc = regio_buf_puts(&sql, "SELECT ");
    if (!rc)
        rc = regio__copy_cols_sql(&sql, t);
    if (!rc)
        rc = regio_buf_printf(&sql, " FROM \"%s\"", t->name);
    if (rc) {
        regio_free(row);
        regio_buf_free(&sql);
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory reading %s", t->name);
    }
    sqlite3_stmt *st = NULL;
    rc = regio__sq_prepare(s, sql.data, &st, err);
    regio_buf_free(&sql);
    if (rc) {
        regio_free(row);
        return rc;
    }
    int r;
    long long n = 0;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        n++;
        for (size_t c = 0; c < t->n_cols && !rc; c++) {
            regio__value *v = &row[c];
            int type = sqlite3_column_type(st, (int)c);
            memset(v, 0, sizeof *v);
            if (type == SQLITE_NULL) {
                v->is_null = 1;
                continue;
            }
            /* SQLite keeps a value its column's affinity cannot convert
             * as it is; the other store could not. A REAL column reads
             * an integer as the same number. */
            int fits = 0;
            switch (t->kinds[c]) {
            case REGIO__COL_INT:
                fits = type == SQLITE_INTEGER;
                v->i = sqlite3_column_int64(st, (int)c);
                break;
            case REGIO__COL_REAL:
                fits = type == SQLITE_FLOAT || type == SQLITE_INTEGER;
                v->r = sqlite3_column_double(st, (int)c);
                break;
            case REGIO__COL_TEXT:
                fits = type == SQLITE_TEXT;
                v->p = sqlite3_column_text(st, (int)c);
                v->n = (size_t)sqlite3_column_bytes(st, (int)c);
                break;
            default:
                fits = type == SQLITE_BLOB;
                v->p = sqlite3_column_blob(st, (int)c);
                v->n = (size_t)sqlite3_column_bytes(st, (int)c);
                break;
            }
            if (!fits)
                rc = regio__copy_bad_value(err, t, c, n, storage_name(type));
            else if (!v->p && v->n)
                rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory reading %s", t->name);
        }
        if (!rc)
            rc = cb(ud, row, err);
    }
    regio_free(row);
    return regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
}

/* ---- bulk writes ------------------------------------------------------------------------ */

struct regio__copy_writer {
    regio__sqlite_store *s;
    const regio__copy_table *t;
    int per;             /* rows a full INSERT writes */
    sqlite3_stmt *full;  /* the INSERT of per rows, prepared on first use */
    int pending;         /* rows buffered */
    regio__value *vals;  /* per * n_cols values; text and blobs: offsets into bytes */
    regio_buf bytes;
};

/* The INSERT of rows rows into w's table. */
static regio_err prepare_insert(regio__copy_writer *w, int rows, sqlite3_stmt **st,
                                regio_error *err)
{
    const regio__copy_table *t = w->t;
    regio_buf sql;
    regio_buf_init(&sql, 0);
    regio_err rc = regio_buf_printf(&sql, "INSERT INTO \"%s\"(", t->name);
    if (!rc)
        rc = regio__copy_cols_sql(&sql, t);
    if (!rc)
        rc = regio_buf_puts(&sql, ") VALUES ");
    for (int r = 0; r < rows && !rc; r++) {
        rc = regio_buf_puts(&sql, r ? ",(" : "(");
        for (size_t c = 0; c < t->n_cols && !rc; c++)
            rc = regio_buf_puts(&sql, c ? ",?" : "?");
        if (!rc)
            rc = regio_buf_putc(&sql, ')');
    }
    if (rc) {
        regio_buf_free(&sql);
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory writing %s", t->name);
    }
    rc = regio__sq_prepare(w->s, sql.data, st, err);
    regio_buf_free(&sql);
    return rc;
}

/* Writes the buffered rows: through the full INSERT when there are per of
 * them, else through one made for their number. */
static regio_err flush(regio__copy_writer *w, regio_error *err)
{
    if (!w->pending)
        return REGIO_OK;
    const regio__copy_table *t = w->t;
    sqlite3_stmt *st = NULL;
    regio_err rc = REGIO_OK;
    if (w->pending == w->per) {
        if (!w->full && (rc = prepare_insert(w, w->per, &w->full, err)))
            return rc;
        st = w->full;
    } else if ((rc = prepare_insert(w, w->pending, &st, err))) {
        return rc;
    }
    int k = 1;
    for (int r = 0; r < w->pending; r++) {
        for (size_t c = 0; c < t->n_cols; c++, k++) {
            const regio__value *v = &w->vals[(size_t)r * t->n_cols + c];
            if (v->is_null)
                sqlite3_bind_null(st, k);
            else if (t->kinds[c] == REGIO__COL_INT)
                sqlite3_bind_int64(st, k, v->i);
            else if (t->kinds[c] == REGIO__COL_REAL)
                sqlite3_bind_double(st, k, v->r);
            else if (t->kinds[c] == REGIO__COL_TEXT)
                sqlite3_bind_text(st, k, v->n ? w->bytes.data + v->i : "", (int)v->n,
                                  SQLITE_STATIC);
            else if (v->n)
                sqlite3_bind_blob(st, k, w->bytes.data + v->i, (int)v->n, SQLITE_STATIC);
            else
                sqlite3_bind_zeroblob(st, k, 0); /* an empty blob, not NULL */
        }
    }
    char what[96];
    snprintf(what, sizeof what, "writing %s", t->name);
    int r = sqlite3_step(st);
    if (r != SQLITE_DONE)
        rc = regio__sq_err(w->s, err, what);
    if (st == w->full) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    } else {
        regio__sq_release(w->s, st);
    }
    w->pending = 0;
    regio_buf_reset(&w->bytes);
    return rc;
}

static regio_err sq_write_begin(regio_store *base, const regio__copy_table *t,
                                regio__copy_writer **out, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    *out = NULL;
    if (!s->user_txn)
        return regio__store_fail(err, REGIO_EINVAL, "a bulk write needs an open transaction");
    /* Rows may refer to rows of their own table written later (a parent
     * territory made after its child); the deferral ends with the
     * transaction. */
    regio_err rc = regio__sq_exec(s, "PRAGMA defer_foreign_keys = ON", err);
    if (rc)
        return rc;
    regio__copy_writer *w = regio_calloc(1, sizeof *w);
    int max_vars = sqlite3_limit(s->db, SQLITE_LIMIT_VARIABLE_NUMBER, -1);
    int per = t->n_cols ? max_vars / (int)t->n_cols : 1;
    if (per > ROWS_PER_INSERT)
        per = ROWS_PER_INSERT;
    if (per < 1)
        per = 1;
    if (w)
        w->vals = regio_calloc((size_t)per * (t->n_cols ? t->n_cols : 1), sizeof *w->vals);
    if (!w || !w->vals) {
        regio_free(w);
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory writing %s", t->name);
    }
    w->s = s;
    w->t = t;
    w->per = per;
    regio_buf_init(&w->bytes, 0);
    *out = w;
    return REGIO_OK;
}

static regio_err sq_write_row(regio__copy_writer *w, const regio__value *row, regio_error *err)
{
    const regio__copy_table *t = w->t;
    regio__value *dst = &w->vals[(size_t)w->pending * t->n_cols];
    for (size_t c = 0; c < t->n_cols; c++) {
        dst[c] = row[c];
        if (row[c].is_null || t->kinds[c] == REGIO__COL_INT || t->kinds[c] == REGIO__COL_REAL)
            continue;
        /* Offsets, not pointers: the buffer may move as it grows. */
        dst[c].i = (int64_t)w->bytes.len;
        dst[c].p = NULL;
        if (row[c].n > (size_t)INT32_MAX ||
            regio_buf_append(&w->bytes, (const char *)row[c].p, row[c].n))
            return regio__store_fail(err, REGIO_ENOMEM, "out of memory writing %s", t->name);
    }
    if (++w->pending == w->per)
        return flush(w, err);
    return REGIO_OK;
}

static regio_err sq_write_end(regio__copy_writer *w, int ok, regio_error *err)
{
    regio_err rc = ok ? flush(w, err) : REGIO_OK;
    regio__sq_release(w->s, w->full);
    regio_buf_free(&w->bytes);
    regio_free(w->vals);
    regio_free(w);
    return rc;
}

static regio_err sq_clear(regio_store *base, const char *table, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    char *sql = sqlite3_mprintf("DELETE FROM \"%w\"", table);
    if (!sql)
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory emptying %s", table);
    regio_err rc = regio__sq_exec(s, sql, err);
    sqlite3_free(sql);
    return rc;
}

const regio__copy_ops regio__sq_copy_ops = {
    .columns = sq_columns,
    .count = sq_count,
    .snapshot_begin = sq_snapshot_begin,
    .snapshot_end = sq_snapshot_end,
    .read = sq_read,
    .write_begin = sq_write_begin,
    .write_row = sq_write_row,
    .write_end = sq_write_end,
    .clear = sq_clear,
};
