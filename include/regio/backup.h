/*
 * Backup, restore and checking of a Regio store: an online copy taken with
 * SQLite's backup API while other processes keep writing, a check of a
 * store file (integrity, foreign keys, the audit chain, orphans, derived
 * sales blocks) and a restore that refuses a file failing that check and
 * keeps the store it replaces. See docs/SCHEMA.md, "Backup and restore".
 */
#ifndef REGIO_BACKUP_H
#define REGIO_BACKUP_H

#include "regio/core.h"
#include "regio/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Called once per problem a check finds: kind is a stable word
 * ("integrity", "foreign_key", "audit", "orphan", "sales_blocks", "store"),
 * detail a sentence naming the table and row. Non-zero return stops the
 * check (it then returns REGIO_ECANCELLED). */
typedef int (*regio_check_fn)(void *ud, const char *kind, const char *detail);

/* Checks the store file at path without changing it (opened read-only,
 * never migrated): that it is a Regio store of a schema this Regio knows,
 * PRAGMA integrity_check, PRAGMA foreign_key_check, the audit chain,
 * orphan rows where the schema has no foreign key (sales lines of missing
 * accounts, alignments whose territory belongs to another model) and that
 * the sales blocks hold as many lines as the table when they claim to hold
 * all. Each problem goes to cb (may be NULL) and is counted in *problems.
 * Returns REGIO_OK when the file could be examined (problems or not);
 * REGIO_EIO when it cannot be opened, REGIO_EUNSUPPORTED when its schema is
 * newer than this Regio's, REGIO_EDATA when it is not a Regio store (then
 * err says why). */
REGIO_API regio_err regio_store_check_file(const char *path, regio_check_fn cb, void *ud,
                                           long *problems, regio_error *err);

/* Copies the open store s to out_path with SQLite's online backup API, a
 * few hundred pages per step inside one read transaction: the copy is the
 * store as it was when the backup began, and other connections keep
 * writing meanwhile (write-ahead logging). The pages go to a temporary file
 * beside out_path, which is synced, checked with regio_store_check_file and
 * only then renamed over out_path; on any failure out_path is untouched and
 * the temporary file removed. progress (may be NULL; non-zero return
 * cancels) gets the fraction copied. REGIO_EDATA when the copy fails its
 * check (err names the first problem). */
REGIO_API regio_err regio_store_backup(regio_store *s, const char *out_path,
                                       regio_progress_fn progress, void *ud, regio_error *err);

/* Replaces the store at db_path with the backup at from_path. Refuses
 * (REGIO_EDATA, nothing changed) a file that fails regio_store_check_file,
 * and (REGIO_ECONFLICT) while another process has the store open. The
 * current store, if any, is first copied to "<db_path>.before-restore-
 * <UTC time>" (its name in kept, a buffer of kept_cap bytes; may be NULL),
 * then the checked copy of from_path is renamed over db_path. */
REGIO_API regio_err regio_store_restore(const char *db_path, const char *from_path, char *kept,
                                        size_t kept_cap, regio_error *err);

#ifdef __cplusplus
}
#endif

#endif
