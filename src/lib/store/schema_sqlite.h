/*
 * Versioned SQLite schema migrations (schema_sqlite.c). Private to the
 * store; tests include it to apply migrations step by step.
 */
#ifndef REGIO_STORE_SCHEMA_SQLITE_H
#define REGIO_STORE_SCHEMA_SQLITE_H

#include "regio/core.h"

#include <sqlite3.h>

/* Highest migration version compiled in. */
int regio__sqlite_schema_latest(void);

/* Reads PRAGMA user_version into *version. */
regio_err regio__sqlite_user_version(sqlite3 *db, int *version, regio_error *err);

/*
 * Applies every migration above the database's version up to target
 * (<= 0 means latest), each in its own IMMEDIATE transaction recorded in
 * schema_migrations and user_version. A database newer than this build is
 * refused with REGIO_EUNSUPPORTED. *version_out (may be NULL) gets the
 * resulting version.
 */
regio_err regio__sqlite_migrate(sqlite3 *db, int target, int *version_out, regio_error *err);

/* Does the database have a table of this name? */
int regio__sqlite_has_table(sqlite3 *db, const char *name);

/*
 * Is the file behind db (named path in messages) a Regio store this build
 * can open, before anything writes to it? REGIO_EDATA for a file that is
 * not a SQLite database, is damaged, or is the database of another
 * application; REGIO_EUNSUPPORTED naming both versions for a newer schema;
 * REGIO_EIO when it cannot be read. With empty_ok a database without any
 * table (a new store) passes.
 */
regio_err regio__sqlite_identify(sqlite3 *db, const char *path, int empty_ok, regio_error *err);

/* The connection under a SQLite store handle, or NULL for another backend;
 * for tests and backend-internal code only. The handle keeps ownership. */
struct regio_store;
sqlite3 *regio__sqlite_handle(struct regio_store *s);

#endif
