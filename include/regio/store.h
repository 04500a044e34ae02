/*
 * Regio's persistent store: one handle over a database (SQLite by default)
 * holding accounts, reps, geography units, territory models, alignments and
 * the audit log. Every call goes through a backend vtable, so callers do not
 * change when another backend (PostgreSQL) is added.
 */
#ifndef REGIO_STORE_H
#define REGIO_STORE_H

#include "regio/core.h"
#include "regio/model.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An open store. Opaque; one handle is used by one thread at a time. */
typedef struct regio_store regio_store;

/* What an upsert did with the record it was given. */
typedef enum regio_upsert_result {
    REGIO_UPSERT_ADDED = 0,    /* a new external id: row inserted */
    REGIO_UPSERT_UPDATED = 1,  /* same external id, different content */
    REGIO_UPSERT_UNCHANGED = 2 /* same external id, same content hash */
} regio_upsert_result;

/* Life-cycle state of a territory model. Stored as text; values stable. */
typedef enum regio_model_state {
    REGIO_MODEL_PLANNING = 0,
    REGIO_MODEL_ACTIVE = 1,
    REGIO_MODEL_ARCHIVED = 2
} regio_model_state;

/* A territory model as read from the store. Strings are owned by the
 * struct; release them with regio_model_info_clear. */
typedef struct regio_model_info {
    long id;
    char *name;
    regio_model_state state;
    char *effective_from; /* ISO date or NULL */
    char *created_at;     /* ISO timestamp (UTC) */
    char *parent;         /* name of the model this one was cloned from, or NULL */
    char *description;    /* or NULL */
    long alignment_rev;   /* bumped by every alignment change */
} regio_model_info;

/* Counts for the import/summary report (struct regio_store_stats, typedef
 * regio_store_counts: the function regio_store_stats takes the plain name).
 * Plain value type. */
typedef struct regio_store_stats {
    long accounts;
    long accounts_with_coords;  /* lat and lon known, whatever the source */
    long accounts_geo_input;    /* coordinates given in the input */
    long accounts_geo_postal;   /* placed from the postal code */
    long accounts_geo_city;     /* placed from the city */
    long accounts_without_coords; /* lat or lon unknown */
    long accounts_with_unit;    /* assigned to a geography unit */
    long reps;
    long units;
    long adjacency_edges;
    long models;
    long territories;
} regio_store_counts;

/* Record callbacks: the record (and every string in it) is valid only
 * during the call; return non-zero to stop (the reader then returns
 * REGIO_ECANCELLED). */
typedef int (*regio_account_cb)(void *ud, const regio_account *a);
typedef int (*regio_rep_cb)(void *ud, const regio_rep *r);
typedef int (*regio_unit_cb)(void *ud, const regio_unit *u);
typedef int (*regio_adj_cb)(void *ud, const regio_adj_edge *e);
typedef int (*regio_alignment_cb)(void *ud, const regio_alignment_row *row);
typedef int (*regio_model_cb)(void *ud, const regio_model_info *m);

/* ---- open, close, transactions ------------------------------------------ */

/*
 * Opens (creating if missing) the store at path and applies pending schema
 * migrations; refuses a database whose schema is newer than this build.
 * On success *out is a new handle the caller owns and closes with
 * regio_store_close; on failure *out is NULL and err says why.
 */
regio_err regio_store_open(const char *path, regio_store **out, regio_error *err);

/* Closes the handle and frees everything it owns; rolls back an open
 * transaction. Accepts NULL. */
void regio_store_close(regio_store *s);

/* Schema version the open database is at (after migrations); no ownership. */
int regio_store_schema_version(const regio_store *s);

/* Latest schema version this build knows; no ownership. */
int regio_store_schema_latest(void);

/* Text of the most recent failure on this handle ("" when none yet); the
 * string is owned by the handle and valid until its next call. */
const char *regio_store_errmsg(const regio_store *s);

/* Starts a transaction (writes are held until commit); no ownership. */
regio_err regio_store_begin(regio_store *s, regio_error *err);
/* Commits the open transaction durably; no ownership. */
regio_err regio_store_commit(regio_store *s, regio_error *err);
/* Discards the open transaction, leaving the store as before begin. */
regio_err regio_store_rollback(regio_store *s, regio_error *err);

/* ---- records -------------------------------------------------------------- */

/*
 * Inserts or updates an account by external id; *out (may be NULL) says
 * whether it was added, updated or unchanged (64-bit content hash). The
 * store copies what it needs; the caller keeps ownership of a. A NULL
 * unit_id keeps the stored unit unless the coordinates changed.
 */
regio_err regio_store_account_upsert(regio_store *s, const regio_account *a,
                                     regio_upsert_result *out, regio_error *err);

/* Inserts or updates a rep (and the user row it is) by external id; the
 * caller keeps ownership of r. */
regio_err regio_store_rep_upsert(regio_store *s, const regio_rep *r,
                                 regio_upsert_result *out, regio_error *err);

/* Inserts or updates a geography unit by external id (geometry, centroid,
 * area, attributes); the caller keeps ownership of u. */
regio_err regio_store_unit_upsert(regio_store *s, const regio_unit *u,
                                  regio_upsert_result *out, regio_error *err);

/*
 * Replaces the whole unit adjacency with edges[0..n) (unit external ids);
 * an unknown unit or a self-loop fails with REGIO_EDATA naming it and
 * changes nothing. Duplicate pairs keep the first. Caller owns edges.
 */
regio_err regio_store_adjacency_replace(regio_store *s, const regio_adj_edge *edges,
                                        size_t n, regio_error *err);

/* Calls cb for every account in external-id order; records are owned by
 * the store and valid only during the call. */
regio_err regio_store_accounts_foreach(regio_store *s, regio_account_cb cb, void *ud,
                                       regio_error *err);

/* Calls cb for every rep in external-id order; records valid during the call. */
regio_err regio_store_reps_foreach(regio_store *s, regio_rep_cb cb, void *ud,
                                   regio_error *err);

/* Calls cb for every unit in external-id order, with its WKB geometry when
 * with_geometry is non-zero (else wkb is NULL); records valid during the call. */
regio_err regio_store_units_foreach(regio_store *s, int with_geometry, regio_unit_cb cb,
                                    void *ud, regio_error *err);

/* Calls cb for every adjacency edge (a < b by strcmp) ordered by (a, b);
 * edges valid during the call. */
regio_err regio_store_adjacency_foreach(regio_store *s, regio_adj_cb cb, void *ud,
                                        regio_error *err);

/*
 * Sets the unit of n accounts: account_ids[i] gets unit_ids[i] (NULL clears
 * it). Unknown accounts fail with REGIO_ENOTFOUND naming them. Does not
 * change the import hash. Caller owns both arrays; wrap many calls in a
 * transaction for speed.
 */
regio_err regio_store_account_set_unit(regio_store *s, const char *const *account_ids,
                                       const char *const *unit_ids, size_t n,
                                       regio_error *err);

/* Recomputes each unit's measures "accounts" (count), "revenue" (sum of
 * annual_revenue) and "potential" (sum) from its accounts and merges them
 * into the unit attributes; no ownership. */
regio_err regio_store_unit_measures_from_accounts(regio_store *s, regio_error *err);

/* Fills *out with record counts; plain values, no ownership. */
regio_err regio_store_stats(regio_store *s, regio_store_counts *out, regio_error *err);

/* ---- territory models, territories, alignments ---------------------------- */

/* Stable lower-case name of a model state ("planning"); static storage. */
const char *regio_model_state_name(regio_model_state st);

/* Frees the strings of a model info and zeroes it. Accepts NULL. */
void regio_model_info_clear(regio_model_info *m);

/*
 * Creates a territory model. A second active model fails with
 * REGIO_ECONFLICT; a duplicate name with REGIO_ECONFLICT; an unknown parent
 * with REGIO_ENOTFOUND. effective_from, parent and description may be NULL.
 * *id_out (may be NULL) receives the new id; caller keeps ownership of inputs.
 */
regio_err regio_store_model_create(regio_store *s, const char *name, regio_model_state state,
                                   const char *effective_from, const char *parent,
                                   const char *description, long *id_out, regio_error *err);

/* Looks a model up by name, or the active one when name is NULL
 * (REGIO_ENOTFOUND if none). The caller owns *out's strings and frees them
 * with regio_model_info_clear. */
regio_err regio_store_model_find(regio_store *s, const char *name, regio_model_info *out,
                                 regio_error *err);

/* Calls cb for every model ordered by name; infos valid during the call. */
regio_err regio_store_model_list(regio_store *s, regio_model_cb cb, void *ud,
                                 regio_error *err);

/*
 * Inserts or updates territory ext_id in model (by name; NULL = active)
 * with a display name and a parent (external id in the same model, or NULL
 * for a root). An unknown parent, a cycle or a hierarchy deeper than the
 * limit (16) fails with REGIO_EDATA. Caller keeps ownership of inputs.
 */
regio_err regio_store_territory_upsert(regio_store *s, const char *model, const char *ext_id,
                                       const char *name, const char *parent_ext_id,
                                       regio_error *err);

/*
 * Aligns unit unit_id to territory in model (by name; NULL = active), or
 * removes the unit's alignment when territory is NULL; bumps the model's
 * alignment revision. Caller keeps ownership of inputs.
 */
regio_err regio_store_alignment_set(regio_store *s, const char *model, const char *unit_id,
                                    const char *territory, regio_error *err);

/* Calls cb for each current alignment row of model (NULL = active): units
 * in external-id order, then manual account overrides in account-id order;
 * rows are valid during the call. */
regio_err regio_store_alignment_foreach(regio_store *s, const char *model,
                                        regio_alignment_cb cb, void *ud, regio_error *err);

/* Current alignment revision of model (NULL = active) into *rev. */
regio_err regio_store_alignment_revision(regio_store *s, const char *model, long *rev,
                                         regio_error *err);

/* ---- audit log -------------------------------------------------------------- */

/*
 * Appends one audit record; hash = SHA-256(prev_hash || canonical record).
 * before_json/after_json must be valid JSON or NULL (REGIO_EINVAL
 * otherwise). Caller keeps ownership of all inputs.
 */
regio_err regio_store_audit_append(regio_store *s, const char *actor, const char *action,
                                   const char *object_type, const char *object_id,
                                   const char *before_json, const char *after_json,
                                   regio_error *err);

/*
 * Recomputes the audit hash chain. REGIO_OK with *bad_id = 0 when intact;
 * REGIO_EDATA with *bad_id = the first row whose hash or link does not
 * match. Plain values, no ownership.
 */
regio_err regio_store_audit_verify(regio_store *s, long *bad_id, regio_error *err);

#ifdef __cplusplus
}
#endif
#endif
