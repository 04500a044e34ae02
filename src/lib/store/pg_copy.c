/*
 * The PostgreSQL half of copying a whole store (store/copy_impl.h): a
 * table's columns from information_schema, its rows read with COPY ... TO
 * STDOUT and written with COPY ... FROM STDIN (text format) inside the
 * caller's transaction, after which the table's identity columns go on
 * numbering past the largest id copied.
 */
#include "store/copy_impl.h"
#include "store/pg_impl.h"
#include "regio/strmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Bytes of COPY data gathered before they are handed to libpq. */
#define SEND_BYTES 65536

/* What a read parses, whatever the server's defaults: every double with
 * the digits that give it back exactly (PostgreSQL before 12 prints 15
 * by default), bytea as hex. For the rest of the transaction. */
#define READ_FORMATS "SET LOCAL extra_float_digits = 3; SET LOCAL bytea_output = 'hex'"

/* The kind of a PostgreSQL column type (the schema uses these). */
static char kind_of(const char *type)
{
    if (!strcmp(type, "bigint") || !strcmp(type, "integer") || !strcmp(type, "smallint"))
        return REGIO__COL_INT;
    if (!strcmp(type, "double precision"))
        return REGIO__COL_REAL;
    if (!strcmp(type, "text"))
        return REGIO__COL_TEXT;
    if (!strcmp(type, "bytea"))
        return REGIO__COL_BLOB;
    return 0;
}

static regio_err pg_columns(regio_store *base, regio__column_fn cb, void *ud, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    PGresult *res = NULL;
    regio_err rc = regio__pg_query(s,
                                   "SELECT c.table_name, c.column_name, c.data_type"
                                   " FROM information_schema.columns c"
                                   " JOIN information_schema.tables t USING (table_schema, table_name)"
                                   " WHERE c.table_schema = current_schema()"
                                   " AND t.table_type = 'BASE TABLE'"
                                   " AND c.table_name <> 'schema_migrations'"
                                   " ORDER BY c.table_name, c.ordinal_position",
                                   0, NULL, PGRES_TUPLES_OK, "listing the tables", &res, err);
    for (int i = 0; !rc && i < PQntuples(res); i++)
        rc = cb(ud, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), kind_of(PQgetvalue(res, i, 2)),
                err);
    PQclear(res);
    return rc;
}

static regio_err pg_count(regio_store *base, const char *table, long long *n, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", table);
    PGresult *res = NULL;
    regio_err rc =
        regio__pg_query(s, sql, 0, NULL, PGRES_TUPLES_OK, "counting a table's rows", &res, err);
    *n = rc ? 0 : regio__pg_col_int(res, 0, 0);
    PQclear(res);
    return rc;
}

static regio_err pg_snapshot_begin(regio_store *base, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    if (s->user_txn)
        return regio__store_fail(err, REGIO_EINVAL,
                                 "the store to copy from is inside a transaction");
    return regio__pg_exec(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; " READ_FORMATS,
                          err);
}

static void pg_snapshot_end(regio_store *base)
{
    regio__pg_store *s = REGIO_PG(base);
    if (PQtransactionStatus(s->conn) != PQTRANS_IDLE)
        PQclear(PQexec(s->conn, "ROLLBACK"));
}

/* ---- reading COPY text ------------------------------------------------------------------ */

static int hex_digit(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Undoes COPY's escapes of the field src[0..n) into dst (at most n bytes);
 * returns the length. */
static size_t unescape(const char *src, size_t n, char *dst)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        if (c != '\\' || i + 1 == n) {
            dst[o++] = c;
            continue;
        }
        c = src[++i];
        switch (c) {
        case 'b': dst[o++] = '\b'; break;
        case 'f': dst[o++] = '\f'; break;
        case 'n': dst[o++] = '\n'; break;
        case 'r': dst[o++] = '\r'; break;
        case 't': dst[o++] = '\t'; break;
        case 'v': dst[o++] = '\v'; break;
        case 'x':
            if (i + 1 < n && hex_digit(src[i + 1]) >= 0) {
                int v = hex_digit(src[++i]);
                if (i + 1 < n && hex_digit(src[i + 1]) >= 0)
                    v = v * 16 + hex_digit(src[++i]);
                dst[o++] = (char)v;
            } else {
                dst[o++] = 'x';
            }
            break;
        default:
            if (c >= '0' && c <= '7') {
                int v = c - '0';
                for (int k = 0; k < 2 && i + 1 < n && src[i + 1] >= '0' && src[i + 1] <= '7'; k++)
                    v = v * 8 + (src[++i] - '0');
                dst[o++] = (char)v;
            } else {
                dst[o++] = c;
            }
        }
    }
    return o;
}

/* Fills v from the unescaped text of a field of kind kind (blobs are
 * decoded in place); 0 when the text is not such a value. */
static int parse_value(char kind, char *p, size_t n, regio__value *v)
{
    char *end = NULL;
    p[n] = '\0';
    errno = 0;
    switch (kind) {
    case REGIO__COL_INT:
        v->i = strtoll(p, &end, 10);
        return n && errno == 0 && end == p + n;
    case REGIO__COL_REAL:
        v->r = strtod(p, &end); /* "Infinity" and "NaN" included */
        return n && end == p + n;
    case REGIO__COL_TEXT:
        v->p = p;
        v->n = n;
        return 1;
    default:
        /* bytea's hex output: \x then two digits a byte */
        if (n < 2 || p[0] != '\\' || p[1] != 'x' || n % 2)
            return 0;
        for (size_t i = 2; i < n; i += 2) {
            int hi = hex_digit(p[i]), lo = hex_digit(p[i + 1]);
            if (hi < 0 || lo < 0)
                return 0;
            p[(i - 2) / 2] = (char)(hi * 16 + lo);
        }
        v->p = p;
        v->n = (n - 2) / 2;
        return 1;
    }
}

/* Ends a COPY: the command's own result. */
static regio_err copy_result(regio__pg_store *s, const char *what, regio_error *err)
{
    regio_err rc = REGIO_OK;
    PGresult *res;
    int first = 1;
    while ((res = PQgetResult(s->conn))) {
        if (first)
            rc = regio__pg_check(s, res, PGRES_COMMAND_OK, what, err);
        first = 0;
        PQclear(res);
    }
    if (first)
        rc = regio__pg_check(s, NULL, PGRES_COMMAND_OK, what, err);
    return rc;
}

static regio_err pg_read(regio_store *base, const regio__copy_table *t, regio__row_fn cb,
                         void *ud, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    char what[96];
    snprintf(what, sizeof what, "reading %s", t->name);
    regio_buf sql, field;
    regio_buf_init(&sql, 0);
    regio_buf_init(&field, 0);
    regio__value *row = regio_calloc(t->n_cols ? t->n_cols : 1, sizeof *row);
    regio_err rc = row ? regio_buf_printf(&sql, "COPY \"%s\" (", t->name) : REGIO_ENOMEM;
    if (!rc)
        rc = regio__copy_cols_sql(&sql, t);
    if (!rc)
        rc = regio_buf_puts(&sql, ") TO STDOUT");
    if (rc) {
        regio_free(row);
        regio_buf_free(&sql);
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory %s", what);
    }
    PGresult *res = PQexec(s->conn, sql.data);
    regio_buf_free(&sql);
    rc = regio__pg_check(s, res, PGRES_COPY_OUT, what, err);
    PQclear(res);
    if (rc) {
        regio_free(row);
        return rc;
    }
    long long n = 0;
    char *line = NULL;
    int len;
    while ((len = PQgetCopyData(s->conn, &line, 0)) > 0) {
        if (rc) { /* drain what is left after a failure */
            PQfreemem(line);
            continue;
        }
        n++;
        /* Every field unescaped into one buffer, each NUL-terminated. */
        regio_buf_reset(&field);
        if (regio_buf_reserve(&field, (size_t)len + t->n_cols + 1)) {
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory %s", what);
            PQfreemem(line);
            continue;
        }
        char *out = field.data;
        size_t at = 0, end = (size_t)len;
        int shape_ok = 1;
        if (end && line[end - 1] == '\n')
            end--;
        for (size_t c = 0; c < t->n_cols && !rc && shape_ok; c++) {
            size_t stop = at;
            while (stop < end && line[stop] != '\t')
                stop++;
            regio__value *v = &row[c];
            memset(v, 0, sizeof *v);
            if (stop - at == 2 && line[at] == '\\' && line[at + 1] == 'N') {
                v->is_null = 1;
            } else {
                size_t k = unescape(line + at, stop - at, out);
                if (!parse_value(t->kinds[c], out, k, v))
                    rc = regio__copy_bad_value(err, t, c, n, "a value of another type");
                out += k + 1;
            }
            if (c + 1 < t->n_cols)
                shape_ok = stop < end;
            else
                shape_ok = stop == end;
            at = stop + 1;
        }
        if (!rc && !shape_ok)
            rc = regio__store_fail(err, REGIO_ESTORE, "%s: row %lld does not have the columns"
                                   " asked for", what, n);
        PQfreemem(line);
        if (!rc)
            rc = cb(ud, row, err);
    }
    regio_buf_free(&field);
    regio_free(row);
    regio_error ignore;
    regio_err end_rc = copy_result(s, what, rc ? &ignore : err);
    if (!rc && len == -2)
        rc = regio__pg_check(s, NULL, PGRES_COMMAND_OK, what, err);
    return rc ? rc : end_rc;
}

/* ---- bulk writes ------------------------------------------------------------------------ */

struct regio__copy_writer {
    regio__pg_store *s;
    const regio__copy_table *t;
    regio_buf data; /* COPY lines not yet handed to libpq */
    int failed;     /* libpq refused data: the COPY is ended with an error */
};

regio_err regio__pg_copy_field(regio_buf *b, const char *v, size_t n, int last)
{
    regio_err rc = REGIO_OK;
    if (!v) {
        rc = regio_buf_puts(b, "\\N");
    } else {
        /* Runs of plain bytes go in one append: every byte of a bulk load
         * passes here, and a call a byte was a tenth of the client's CPU
         * importing 10 million accounts (bench/scale.sh). */
        size_t run = 0;
        for (size_t i = 0; i < n && !rc; i++) {
            char c = v[i];
            if (c != '\\' && c != '\t' && c != '\n' && c != '\r')
                continue;
            char esc[2] = {'\\', c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : '\\'};
            rc = regio_buf_append(b, v + run, i - run);
            if (!rc)
                rc = regio_buf_append(b, esc, 2);
            run = i + 1;
        }
        if (!rc)
            rc = regio_buf_append(b, v + run, n - run);
    }
    if (!rc)
        rc = regio_buf_putc(b, last ? '\n' : '\t');
    return rc;
}

regio_err regio__pg_copy_line(regio_buf *b, const char *const *v, int n)
{
    regio_err rc = REGIO_OK;
    for (int i = 0; i < n && !rc; i++)
        rc = regio__pg_copy_field(b, v[i], v[i] ? strlen(v[i]) : 0, i == n - 1);
    return rc;
}

regio_err regio__pg_copy_in(regio__pg_store *s, const char *sql, const regio_buf *data,
                            const char *what, regio_error *err)
{
    regio_err rc = regio__pg_flush(s, err); /* a bulk account load's COPY, if any */
    if (rc)
        return rc;
    PGresult *res = PQexec(s->conn, sql);
    rc = regio__pg_check(s, res, PGRES_COPY_IN, what, err);
    PQclear(res);
    if (rc)
        return rc;
    int sent = 1;
    for (size_t at = 0; sent && at < data->len; at += SEND_BYTES) {
        size_t n = data->len - at < SEND_BYTES ? data->len - at : SEND_BYTES;
        sent = PQputCopyData(s->conn, data->data + at, (int)n) == 1;
    }
    if (!sent || PQputCopyEnd(s->conn, NULL) != 1)
        rc = regio__store_fail(err, REGIO_EIO, "%s: the connection to %s failed", what,
                               s->where);
    while ((res = PQgetResult(s->conn))) {
        if (!rc)
            rc = regio__pg_check(s, res, PGRES_COMMAND_OK, what, err);
        PQclear(res);
    }
    return rc;
}

static regio_err send_data(regio__copy_writer *w, regio_error *err)
{
    if (!w->data.len)
        return REGIO_OK;
    if (PQputCopyData(w->s->conn, w->data.data, (int)w->data.len) != 1) {
        w->failed = 1;
        return regio__store_fail(err, REGIO_EIO, "writing %s: the connection to %s failed",
                                 w->t->name, w->s->where);
    }
    regio_buf_reset(&w->data);
    return REGIO_OK;
}

static regio_err pg_write_begin(regio_store *base, const regio__copy_table *t,
                                regio__copy_writer **out, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    *out = NULL;
    if (!s->user_txn)
        return regio__store_fail(err, REGIO_EINVAL, "a bulk write needs an open transaction");
    regio_err rc = regio__pg_flush(s, err); /* a bulk account load's COPY, if any */
    if (rc)
        return rc;
    regio__copy_writer *w = regio_calloc(1, sizeof *w);
    if (!w)
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory writing %s", t->name);
    w->s = s;
    w->t = t;
    regio_buf_init(&w->data, 0);
    regio_buf sql;
    regio_buf_init(&sql, 0);
    rc = regio_buf_printf(&sql, "COPY \"%s\" (", t->name);
    if (!rc)
        rc = regio__copy_cols_sql(&sql, t);
    if (!rc)
        rc = regio_buf_puts(&sql, ") FROM STDIN");
    if (rc) {
        regio_buf_free(&sql);
        regio_free(w);
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory writing %s", t->name);
    }
    char what[96];
    snprintf(what, sizeof what, "writing %s", t->name);
    PGresult *res = PQexec(s->conn, sql.data);
    regio_buf_free(&sql);
    rc = regio__pg_check(s, res, PGRES_COPY_IN, what, err);
    PQclear(res);
    if (rc) {
        regio_free(w);
        return rc;
    }
    s->dirty = 1; /* the commit tells the other servers */
    *out = w;
    return REGIO_OK;
}

static regio_err pg_write_row(regio__copy_writer *w, const regio__value *row, regio_error *err)
{
    const regio__copy_table *t = w->t;
    regio_err rc = REGIO_OK;
    for (size_t c = 0; c < t->n_cols && !rc; c++) {
        const regio__value *v = &row[c];
        int last = c + 1 == t->n_cols;
        char num[40];
        if (v->is_null) {
            rc = regio__pg_copy_field(&w->data, NULL, 0, last);
        } else if (t->kinds[c] == REGIO__COL_INT) {
            snprintf(num, sizeof num, "%lld", (long long)v->i);
            rc = regio__pg_copy_field(&w->data, num, strlen(num), last);
        } else if (t->kinds[c] == REGIO__COL_REAL) {
            /* 17 significant digits give back the same double */
            if (isnan(v->r))
                snprintf(num, sizeof num, "NaN");
            else if (isinf(v->r))
                snprintf(num, sizeof num, "%sInfinity", v->r < 0 ? "-" : "");
            else
                snprintf(num, sizeof num, "%.17g", v->r);
            rc = regio__pg_copy_field(&w->data, num, strlen(num), last);
        } else if (t->kinds[c] == REGIO__COL_TEXT) {
            rc = regio__pg_copy_field(&w->data, v->n ? v->p : "", v->n, last);
        } else {
            /* bytea's hex input, its backslash escaped for COPY */
            static const char hex[] = "0123456789abcdef";
            const unsigned char *b = v->p;
            rc = regio_buf_reserve(&w->data, 2 * v->n + 4);
            if (!rc)
                rc = regio_buf_puts(&w->data, "\\\\x");
            for (size_t i = 0; i < v->n && !rc; i++) {
                char pair[2] = {hex[b[i] >> 4], hex[b[i] & 15]};
                rc = regio_buf_append(&w->data, pair, 2);
            }
            if (!rc)
                rc = regio_buf_putc(&w->data, last ? '\n' : '\t');
        }
    }
    if (rc)
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory writing %s", t->name);
    return w->data.len >= SEND_BYTES ? send_data(w, err) : REGIO_OK;
}

/* The schema's foreign keys, kept aside (in a temporary table that
 * lives as long as the transaction) and dropped; a rollback brings them
 * back with everything else. */
static regio_err pg_writing(regio_store *base, regio_error *err)
{
    return regio__pg_exec(
        REGIO_PG(base),
        READ_FORMATS ";"
        "CREATE TEMPORARY TABLE regio_copy_fkeys ON COMMIT DROP AS"
        " SELECT conrelid::regclass::text AS tbl, conname AS name,"
        "  pg_get_constraintdef(oid) AS def FROM pg_constraint"
        " WHERE contype = 'f' AND connamespace = current_schema()::regnamespace;"
        "DO $$ DECLARE r record; BEGIN"
        " FOR r IN SELECT tbl, name FROM regio_copy_fkeys LOOP"
        "  EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.tbl, r.name);"
        " END LOOP; END $$",
        err);
}

/* The foreign keys made again (each checks every row copied), then every
 * identity column goes on after the largest value copied. */
static regio_err pg_written(regio_store *base, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio_err rc = regio__pg_write(
        s,
        "DO $$ DECLARE r record; BEGIN"
        " FOR r IN SELECT tbl, name, def FROM regio_copy_fkeys LOOP"
        "  EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', r.tbl, r.name, r.def);"
        " END LOOP; END $$",
        0, NULL, "checking what the copied rows refer to", NULL, err);
    if (rc)
        return rc;
    return regio__pg_exec(
        s,
        "DO $$ DECLARE r record; BEGIN"
        " FOR r IN SELECT table_name, column_name FROM information_schema.columns"
        "  WHERE table_schema = current_schema() AND is_identity = 'YES' LOOP"
        "  EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, %L),"
        "   coalesce(max(%I), 0) + 1, false) FROM %I', quote_ident(r.table_name),"
        "   r.column_name, r.column_name, r.table_name);"
        " END LOOP; END $$",
        err);
}

static regio_err pg_write_end(regio__copy_writer *w, int ok, regio_error *err)
{
    char what[96];
    snprintf(what, sizeof what, "writing %s", w->t->name);
    regio_err rc = REGIO_OK;
    if (ok && !w->failed)
        rc = send_data(w, err);
    regio_error ignore;
    int sent_ok = ok && !rc && !w->failed;
    if (PQputCopyEnd(w->s->conn, sent_ok ? NULL : "the copy of the store stopped") != 1 &&
        !rc && sent_ok)
        rc = regio__store_fail(err, REGIO_EIO, "%s: the connection to %s failed", what,
                               w->s->where);
    regio_err end = copy_result(w->s, what, sent_ok && !rc ? err : &ignore);
    if (!rc && sent_ok)
        rc = end;
    regio_buf_free(&w->data);
    regio_free(w);
    return rc;
}

static regio_err pg_clear(regio_store *base, const char *table, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    char sql[128];
    snprintf(sql, sizeof sql, "DELETE FROM \"%s\"", table);
    return regio__pg_exec(s, sql, err);
}

const regio__copy_ops regio__pg_copy_ops = {
    .columns = pg_columns,
    .count = pg_count,
    .snapshot_begin = pg_snapshot_begin,
    .snapshot_end = pg_snapshot_end,
    .read = pg_read,
    .write_begin = pg_write_begin,
    .write_row = pg_write_row,
    .write_end = pg_write_end,
    .writing = pg_writing,
    .written = pg_written,
    .clear = pg_clear,
};

/* ---- the staging tables of the bulk paths -------------------------------------------- */

regio_err regio__pg_stage(regio__pg_store *s, const char *table, const char *columns,
                          const regio_buf *lines, const char *what, regio_error *err)
{
    regio_buf sql;
    regio_buf_init(&sql, 0);
    regio_err rc = regio_buf_printf(&sql, "CREATE TEMPORARY TABLE IF NOT EXISTS %s (%s);"
                                          " TRUNCATE %s", table, columns, table)
                       ? regio__store_fail(err, REGIO_ENOMEM, "out of memory %s", what)
                       : regio__pg_exec(s, sql.data, err);
    regio_buf_reset(&sql);
    if (!rc && regio_buf_printf(&sql, "COPY %s FROM STDIN", table))
        rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory %s", what);
    if (!rc)
        rc = regio__pg_copy_in(s, sql.data, lines, what, err);
    regio_buf_free(&sql);
    return rc;
}

regio_err regio__pg_bulk_retry(regio__pg_store *s, regio__pg_txn *t, regio_err rc,
                               regio_error *err)
{
    regio_error ignore;
    regio__pg_txn_end(s, t, rc ? rc : REGIO_EDATA, &ignore);
    if (rc == REGIO_ENOMEM || rc == REGIO_EIO)
        return rc;
    return regio__pg_txn_begin(s, t, err);
}

regio_err regio__pg_rows_by_key(regio__pg_store *s, const char *sql, const char *const *keys,
                                size_t n, const char *what, PGresult **res,
                                struct regio_strmap **map, regio_error *err)
{
    *res = NULL;
    *map = regio_strmap_create(n + 1);
    regio_buf arr;
    regio_buf_init(&arr, 0);
    regio_err rc = !*map || regio__pg_text_array(&arr, keys, n)
                       ? regio__store_fail(err, REGIO_ENOMEM, "out of memory %s", what)
                       : REGIO_OK;
    const char *p[1] = {arr.data};
    if (!rc)
        rc = regio__pg_query(s, sql, 1, p, PGRES_TUPLES_OK, what, res, err);
    for (int i = 0; !rc && i < PQntuples(*res); i++) {
        int found = 0;
        long prev = 0;
        if (regio_strmap_put(*map, PQgetvalue(*res, i, 0), i, &found, &prev))
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory %s", what);
    }
    regio_buf_free(&arr);
    return rc;
}
