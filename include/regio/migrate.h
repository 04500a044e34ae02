/*
 * Copying a whole store into an empty one of the other kind (or the same):
 * a SQLite file into PostgreSQL and back, every table, row and column as
 * it is (ids, revisions, timestamps, the audit chain, users' password
 * hashes, API tokens and sessions included), then verified. See
 * docs/DEPLOY.md, "Moving a store to the server".
 */
#ifndef REGIO_MIGRATE_H
#define REGIO_MIGRATE_H

#include "regio/core.h"
#include "regio/store.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One table of a copy. */
typedef struct regio_copy_table {
    const char *name;       /* static storage */
    long long source_rows;  /* rows read from the source */
    long long target_rows;  /* rows the target holds after the copy */
    uint64_t source_digest; /* a content hash of every row and column, */
    uint64_t target_digest; /* read back from the target (order-blind) */
} regio_copy_table;

/* What a copy did and found; free with regio_copy_report_free. */
typedef struct regio_copy_report {
    regio_copy_table *tables; /* in the order copied (parents first), owned */
    size_t n_tables;
    long long rows;          /* rows copied, all tables */
    int schema_version;      /* of both stores */
    long long audit_records; /* records of the audit chain */
    char audit_head[65];     /* hash of its last record, "" when it is empty */
    int verified;            /* counts, digests and the target's audit chain agree */
    double seconds;          /* wall-clock time of the copy and its check */
} regio_copy_report;

/*
 * Copies every table of the store `from` into the store `to`, which must
 * be empty (no rows beyond what a new store holds: REGIO_ECONFLICT naming
 * a table with rows otherwise), at the same schema version (REGIO_ECONFLICT
 * otherwise), both of a schema this Regio knows (REGIO_EDATA naming the
 * table or column that differs otherwise). The tables go in the order of
 * their foreign keys, read from one snapshot of `from` and written into
 * `to` in ONE transaction with its backend's bulk path (PostgreSQL's COPY,
 * its foreign keys set aside and made again after the copy; SQLite's
 * multi-row INSERTs, its foreign keys checked at the commit); PostgreSQL's
 * identity columns then go on after the largest id copied. Before committing, the copy is verified:
 * every table's rows counted and every row and column hashed again as the
 * target holds them, the target's audit chain recomputed
 * (regio_store_audit_verify) and its head compared with the source's;
 * any difference is REGIO_EDATA. On any failure `to` is rolled back:
 * it stays empty. A value SQLite kept that does not fit its column (text
 * in an integer column) is REGIO_EDATA naming table, column and row.
 * progress (may be NULL; non-zero return cancels with REGIO_ECANCELLED)
 * gets the fraction done and a phase naming the table and rows copied.
 * report (may be NULL) is filled on success and, as far as it got, on
 * failure; it is the caller's to free either way. from and to must be
 * different handles, neither inside a transaction.
 */
REGIO_API regio_err regio_store_copy(regio_store *from, regio_store *to,
                                     regio_progress_fn progress, void *ud,
                                     regio_copy_report *report, regio_error *err);

/*
 * regio_store_copy between two locations as regio_store_open takes them
 * (a file path or a postgresql:// URI): opens both (creating and migrating
 * the target, as opening does), refuses two spellings of one location
 * (REGIO_EINVAL), copies, closes. A target file this call created is
 * removed again when the copy fails.
 */
REGIO_API regio_err regio_store_migrate(const char *from, const char *to,
                                        regio_progress_fn progress, void *ud,
                                        regio_copy_report *report, regio_error *err);

/* Frees what a report owns and empties it. Accepts NULL. */
REGIO_API void regio_copy_report_free(regio_copy_report *report);

#ifdef __cplusplus
}
#endif
#endif
