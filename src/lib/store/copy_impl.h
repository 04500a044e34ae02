/*
 * Private contract between the copy of a whole store (store_copy.c, public
 * in regio/migrate.h) and a backend: a vtable the backend's
 * regio__store_ops points to (member `copy`) that lists a table's columns,
 * counts its rows, streams them out and bulk-writes them in, all at the
 * table level. The tables and their columns are one list, in store_copy.c,
 * shared by both directions; a backend only maps its own column types onto
 * the four kinds below.
 */
#ifndef REGIO_STORE_COPY_IMPL_H
#define REGIO_STORE_COPY_IMPL_H

#include "store/store_impl.h"

#include <stddef.h>
#include <stdint.h>

/* What a column holds, whatever the backend calls it: SQLite's INTEGER,
 * REAL, TEXT, BLOB; PostgreSQL's bigint or integer, double precision,
 * text, bytea. Booleans are integers 0/1 in both schemas. */
typedef enum regio__col_kind {
    REGIO__COL_INT = 'i',
    REGIO__COL_REAL = 'r',
    REGIO__COL_TEXT = 't',
    REGIO__COL_BLOB = 'b'
} regio__col_kind;

/* A table to copy: its name and columns (names and kinds, n_cols of them).
 * The strings belong to store_copy.c and live as long as the copy. */
typedef struct regio__copy_table {
    const char *name;
    const char *const *cols;
    const char *kinds; /* n_cols regio__col_kind letters */
    size_t n_cols;
} regio__copy_table;

/* One value of a row; is_null or the member of the column's kind (text
 * and blob: p and n bytes, text not necessarily NUL-terminated). Valid
 * only during the callback that receives it. */
typedef struct regio__value {
    int is_null;
    int64_t i;
    double r;
    const void *p;
    size_t n;
} regio__value;

/* Called by a read for every row, t->n_cols values in the table's column
 * order; non-zero stops the read with that code (err already filled). */
typedef regio_err (*regio__row_fn)(void *ud, const regio__value *row, regio_error *err);
/* Called once per column of a table, with the column's kind (0 for a
 * type the backend cannot map: the copy refuses it). */
typedef regio_err (*regio__column_fn)(void *ud, const char *table, const char *column, char kind,
                                      regio_error *err);

/* An open bulk write into one table (backend-specific). */
typedef struct regio__copy_writer regio__copy_writer;

typedef struct regio__copy_ops {
    /* Every column of every table of the store's schema (views and the
     * backend's own bookkeeping left out: schema_migrations, sqlite_*),
     * in one query. */
    regio_err (*columns)(regio_store *s, regio__column_fn cb, void *ud, regio_error *err);
    /* Rows of a table. */
    regio_err (*count)(regio_store *s, const char *table, long long *n, regio_error *err);
    /* A read-only snapshot over every following read, until snapshot_end
     * (which never fails the copy). */
    regio_err (*snapshot_begin)(regio_store *s, regio_error *err);
    void (*snapshot_end)(regio_store *s);
    /* Streams every row of t (in no particular order). A value that does
     * not fit its column's kind (SQLite keeps what it is given) is
     * REGIO_EDATA naming table, column and row. */
    regio_err (*read)(regio_store *s, const regio__copy_table *t, regio__row_fn cb, void *ud,
                      regio_error *err);
    /* A bulk write into t, inside the caller's transaction on s: rows
     * go in with write_row, write_end sends what is left and checks; it
     * always frees w. */
    regio_err (*write_begin)(regio_store *s, const regio__copy_table *t, regio__copy_writer **w,
                             regio_error *err);
    regio_err (*write_row)(regio__copy_writer *w, const regio__value *row, regio_error *err);
    regio_err (*write_end)(regio__copy_writer *w, int ok, regio_error *err);
    /* Before the first table is written and after the last (both may be
     * NULL), inside the caller's transaction: PostgreSQL sets its foreign
     * keys aside and makes them again, checking every row in one pass
     * per key instead of one lookup per row and key, and numbers new rows
     * after the largest id copied (its identities). */
    regio_err (*writing)(regio_store *s, regio_error *err);
    regio_err (*written)(regio_store *s, regio_error *err);
    /* Removes every row of table (inside the caller's transaction): the
     * rows a new schema seeds, which the source's replace. */
    regio_err (*clear)(regio_store *s, const char *table, regio_error *err);
} regio__copy_ops;

/* Helpers both backends share (store_copy.c). */
/* Appends t's columns as a list of quoted identifiers: "a", "b", ... */
regio_err regio__copy_cols_sql(struct regio_buf *b, const regio__copy_table *t);
/* The REGIO_EDATA of a value that does not fit its column: the table, the
 * column and the row's place in the read (never the row's values, which
 * may be secrets' hashes); found is what the value is ("text", ...). */
regio_err regio__copy_bad_value(regio_error *err, const regio__copy_table *t, size_t col,
                                long long row, const char *found);

extern const regio__copy_ops regio__sq_copy_ops;
#ifdef REGIO_HAVE_PG
extern const regio__copy_ops regio__pg_copy_ops;
#endif

#endif
