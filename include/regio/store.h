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

/* Life-cycle state of a territory model. Stored as text; values stable.
 * Readers see the state a model has on a day, derived from the promotions
 * (docs/ACCESS.md, "The model in force"): the model in force that day is
 * active, a promoted one whose effective date is still ahead is scheduled. */
typedef enum regio_model_state {
    REGIO_MODEL_PLANNING = 0,
    REGIO_MODEL_ACTIVE = 1,
    REGIO_MODEL_ARCHIVED = 2,
    REGIO_MODEL_SCHEDULED = 3 /* promoted, not yet in force; never stored */
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

/* One territory of a model as read by regio_store_territories_foreach.
 * Strings are owned by the store and valid only during the callback. */
typedef struct regio_territory_info {
    const char *id;     /* external id, unique in the model */
    const char *name;   /* display name, or NULL */
    const char *parent; /* parent's external id, or NULL for a root */
    const char *type;   /* territory type name, or NULL */
    const char *rep;    /* external id of the territory's rep, or NULL (vacant) */
    const char *account_access; /* level its members get on its accounts:
                                   "read", "edit" or "owner" */
} regio_territory_info;

typedef int (*regio_territory_cb)(void *ud, const regio_territory_info *t);

/*
 * Why an alignment edit (regio_store_alignment_apply / _lock) was refused,
 * so that callers can map failures onto distinct answers without parsing
 * messages. Values are stable.
 */
typedef enum regio_apply_status {
    REGIO_APPLY_OK = 0,           /* applied; revision bumped once */
    REGIO_APPLY_NOT_FOUND = 1,    /* the model does not exist (REGIO_ENOTFOUND) */
    REGIO_APPLY_NOT_EDITABLE = 2, /* the model is active, scheduled or archived (REGIO_ECONFLICT) */
    REGIO_APPLY_STALE = 3,        /* expected_rev is not the current revision (REGIO_ECONFLICT) */
    REGIO_APPLY_LOCKED = 4,       /* a unit to move is locked (REGIO_ECONFLICT) */
    REGIO_APPLY_UNKNOWN = 5,      /* an unknown unit, account or territory (REGIO_EDATA) */
    REGIO_APPLY_INVALID = 6,      /* a malformed row or argument (REGIO_EINVAL) */
    REGIO_APPLY_ERROR = 7         /* anything else: store, memory (see the regio_err) */
} regio_apply_status;

/* ---- open, close, transactions ------------------------------------------ */

/*
 * Opens (creating if missing) the store at path and applies pending schema
 * migrations; refuses a database whose schema is newer than this build.
 * On success *out is a new handle the caller owns and closes with
 * regio_store_close; on failure *out is NULL and err says why.
 */
REGIO_API regio_err regio_store_open(const char *path, regio_store **out, regio_error *err);

/* Closes the handle and frees everything it owns; rolls back an open
 * transaction. Accepts NULL. */
REGIO_API void regio_store_close(regio_store *s);

/* Schema version the open database is at (after migrations); no ownership. */
REGIO_API int regio_store_schema_version(const regio_store *s);

/* Latest schema version this build knows; no ownership. */
REGIO_API int regio_store_schema_latest(void);

/* A store location fit to print or log: a postgresql:// location without
 * its password (user:secret@host becomes user@host, a password=
 * parameter is left out), a file path as it is. Writes into buf (cap
 * bytes, cut short if need be) and returns buf. */
REGIO_API const char *regio_store_location_shown(const char *location, char *buf, size_t cap);

/* Text of the most recent failure on this handle ("" when none yet); the
 * string is owned by the handle and valid until its next call. */
REGIO_API const char *regio_store_errmsg(const regio_store *s);

/* Starts a transaction (writes are held until commit); no ownership. */
REGIO_API regio_err regio_store_begin(regio_store *s, regio_error *err);
/* Commits the open transaction durably; no ownership. */
REGIO_API regio_err regio_store_commit(regio_store *s, regio_error *err);
/* Discards the open transaction, leaving the store as before begin. */
REGIO_API regio_err regio_store_rollback(regio_store *s, regio_error *err);
/*
 * A unit of work that is atomic whether or not the caller has a
 * transaction open: with none, regio_store_nest_begin begins one (*own = 1)
 * and regio_store_nest_end commits it; inside the caller's, it is a
 * savepoint that regio_store_nest_end releases, so the caller's commit or
 * rollback decides. On rc != REGIO_OK regio_store_nest_end undoes the unit
 * alone — the caller's earlier writes stay — and returns rc (err is left as
 * the failure set it); otherwise it returns the commit's result.
 */
REGIO_API regio_err regio_store_nest_begin(regio_store *s, int *own, regio_error *err);
REGIO_API regio_err regio_store_nest_end(regio_store *s, int own, regio_err rc,
                                         regio_error *err);

/* ---- records -------------------------------------------------------------- */

/*
 * Inserts or updates an account by external id; *out (may be NULL) says
 * whether it was added, updated or unchanged (64-bit content hash). The
 * store copies what it needs; the caller keeps ownership of a. A NULL
 * unit_id keeps the stored unit unless the coordinates changed.
 */
REGIO_API regio_err regio_store_account_upsert(regio_store *s, const regio_account *a,
                                     regio_upsert_result *out, regio_error *err);

/* Inserts or updates a rep (and the user row it is) by external id; the
 * caller keeps ownership of r. */
REGIO_API regio_err regio_store_rep_upsert(regio_store *s, const regio_rep *r,
                                 regio_upsert_result *out, regio_error *err);

/* regio_store_rep_upsert for r[0..n), in order: the same rows and codes;
 * out (may be NULL) gets each one's result, and on failure *bad (may be
 * NULL) the index of the rep that failed. PostgreSQL writes them in a few
 * statements. */
REGIO_API regio_err regio_store_reps_upsert(regio_store *s, const regio_rep *r, size_t n,
                                            regio_upsert_result *out, size_t *bad,
                                            regio_error *err);

/* Inserts or updates a geography unit by external id (geometry, centroid,
 * area, attributes); the caller keeps ownership of u. */
REGIO_API regio_err regio_store_unit_upsert(regio_store *s, const regio_unit *u,
                                  regio_upsert_result *out, regio_error *err);

/*
 * Replaces the whole unit adjacency with edges[0..n) (unit external ids);
 * an unknown unit or a self-loop fails with REGIO_EDATA naming it and
 * changes nothing. Duplicate pairs keep the first. Caller owns edges.
 */
REGIO_API regio_err regio_store_adjacency_replace(regio_store *s, const regio_adj_edge *edges,
                                        size_t n, regio_error *err);

/* Calls cb for every account in external-id order; records are owned by
 * the store and valid only during the call. */
REGIO_API regio_err regio_store_accounts_foreach(regio_store *s, regio_account_cb cb, void *ud,
                                       regio_error *err);

/* A filtered, paged read of accounts. Plain value type; strings borrowed. */
typedef struct regio_account_query {
    int has_bbox;               /* 1: only accounts with coordinates inside */
    double west, south, east, north; /* degrees; west > east crosses the antimeridian */
    const char *unit_id;        /* only accounts placed in this unit, or NULL */
    const char *text;           /* case-insensitive substring of the id, name, city
                                   or postal code, or NULL */
    long limit;                 /* at most this many rows (<= 0: all) */
    long offset;                /* after skipping this many */
    const char *id;             /* exactly this external id, or NULL */
} regio_account_query;

/*
 * Calls cb for the accounts matching q in external-id order, one page of
 * them, and sets *total to the number matching in all. Records are owned
 * by the store and valid only during the call. The caller keeps q.
 */
REGIO_API regio_err regio_store_accounts_query(regio_store *s, const regio_account_query *q,
                                     regio_account_cb cb, void *ud, long *total,
                                     regio_error *err);

/* Calls cb for the accounts with external ids ids[0..n) that exist, in
 * external-id order (unknown ids are skipped); records valid during the
 * call, without their attributes (n_attrs 0: reading them cost a sixth of
 * a page of 200). For a page of accounts chosen elsewhere (e.g. by
 * access). */
REGIO_API regio_err regio_store_accounts_get(regio_store *s, const char *const *ids, size_t n,
                                             regio_account_cb cb, void *ud, regio_error *err);

/* Calls cb for every rep in external-id order; records valid during the call. */
REGIO_API regio_err regio_store_reps_foreach(regio_store *s, regio_rep_cb cb, void *ud,
                                   regio_error *err);

/* Calls cb for every unit in external-id order, with its WKB geometry when
 * with_geometry is non-zero (else wkb is NULL); records valid during the call. */
REGIO_API regio_err regio_store_units_foreach(regio_store *s, int with_geometry, regio_unit_cb cb,
                                    void *ud, regio_error *err);

/* Calls cb for every adjacency edge (a < b by strcmp) ordered by (a, b);
 * edges valid during the call. */
REGIO_API regio_err regio_store_adjacency_foreach(regio_store *s, regio_adj_cb cb, void *ud,
                                        regio_error *err);

/*
 * Sets the unit of n accounts: account_ids[i] gets unit_ids[i] (NULL clears
 * it). Unknown accounts fail with REGIO_ENOTFOUND naming them. Does not
 * change the import hash. Caller owns both arrays; wrap many calls in a
 * transaction for speed.
 */
REGIO_API regio_err regio_store_account_set_unit(regio_store *s, const char *const *account_ids,
                                       const char *const *unit_ids, size_t n,
                                       regio_error *err);

/* Recomputes each unit's measures "accounts" (count), "revenue" (sum of
 * annual_revenue) and "potential" (sum) from its accounts and merges them
 * into the unit attributes; no ownership. */
REGIO_API regio_err regio_store_unit_measures_from_accounts(regio_store *s, regio_error *err);

/*
 * Sets the numeric attribute (measure) `name` of n units: unit ids[i] gets
 * values[i] (finite, >= 0), merged into its attributes like the measures
 * above (the unit's import hash is kept, so re-importing the same units
 * file keeps the measure). name is 1 to 64 letters, digits or '_'
 * (REGIO_EINVAL otherwise); an unknown unit fails with REGIO_ENOTFOUND
 * naming it. One transaction unless the caller holds one. Caller owns the
 * arrays.
 */
REGIO_API regio_err regio_store_unit_measure_set(regio_store *s, const char *name,
                                                 const char *const *ids, const double *values,
                                                 size_t n, regio_error *err);

/* Fills *out with record counts; plain values, no ownership. */
REGIO_API regio_err regio_store_stats(regio_store *s, regio_store_counts *out, regio_error *err);

/* ---- territory models, territories, alignments ---------------------------- */

/* Stable lower-case name of a model state ("planning"); static storage. */
REGIO_API const char *regio_model_state_name(regio_model_state st);

/* Frees the strings of a model info and zeroes it. Accepts NULL. */
REGIO_API void regio_model_info_clear(regio_model_info *m);

/*
 * Creates a territory model. A second active model fails with
 * REGIO_ECONFLICT; a duplicate name with REGIO_ECONFLICT; an unknown parent
 * with REGIO_ENOTFOUND. effective_from, parent and description may be NULL.
 * *id_out (may be NULL) receives the new id; caller keeps ownership of inputs.
 */
REGIO_API regio_err regio_store_model_create(regio_store *s, const char *name, regio_model_state state,
                                   const char *effective_from, const char *parent,
                                   const char *description, long *id_out, regio_error *err);

/* Looks a model up by name, or the active one (the model in force today,
 * UTC) when name is NULL (REGIO_ENOTFOUND if none), with its state today
 * (regio_store_model_find_at). The caller owns *out's strings and frees
 * them with regio_model_info_clear. */
REGIO_API regio_err regio_store_model_find(regio_store *s, const char *name, regio_model_info *out,
                                 regio_error *err);

/* Calls cb for every model ordered by name, each with its state today;
 * infos valid during the call. */
REGIO_API regio_err regio_store_model_list(regio_store *s, regio_model_cb cb, void *ud,
                                 regio_error *err);

/*
 * As regio_store_model_find, "as of" day ("YYYY-MM-DD"; NULL: today, UTC;
 * else REGIO_EINVAL): the state is the one the model has that day — active
 * for the model in force (regio_store_model_in_force), scheduled for a
 * promoted model whose effective date is after day, archived for one whose
 * time in force is over (or that was archived by hand), planning for one
 * never promoted. name NULL finds the model in force on day
 * (REGIO_ENOTFOUND when none). The caller frees *out with
 * regio_model_info_clear.
 */
REGIO_API regio_err regio_store_model_find_at(regio_store *s, const char *name, const char *day,
                                              regio_model_info *out, regio_error *err);

/* As regio_store_model_list, with each model's state on day (NULL: today,
 * UTC; a malformed day fails with REGIO_EINVAL). */
REGIO_API regio_err regio_store_model_list_at(regio_store *s, const char *day, regio_model_cb cb,
                                              void *ud, regio_error *err);

/* Where a promotion stands on a given day. Values stable. */
typedef enum regio_promotion_status {
    REGIO_PROMOTION_SCHEDULED = 0,  /* its effective date is after the day */
    REGIO_PROMOTION_IN_FORCE = 1,   /* it makes its model the model in force that day */
    REGIO_PROMOTION_SUPERSEDED = 2, /* took effect; a later one has taken over */
    REGIO_PROMOTION_ENDED = 3,      /* took effect; its model was archived by hand */
    REGIO_PROMOTION_WITHDRAWN = 4   /* withdrawn before its effective date (replaced by
                                       another promotion or cancelled): never took effect */
} regio_promotion_status;

/* Stable lower-case name of a promotion status ("in_force"); static storage. */
REGIO_API const char *regio_promotion_status_name(regio_promotion_status st);

/* One promotion as regio_store_promotions_foreach reads it; strings are
 * owned by the store and valid only during the callback. */
typedef struct regio_promotion_info {
    long id;                    /* increasing in the order the promotions were made */
    const char *model;          /* the model promoted */
    const char *previous;       /* the model in force the day before its effective date,
                                   as the timeline stands, or NULL */
    const char *effective_from; /* "YYYY-MM-DD" */
    const char *promoted_by;    /* who, as the audit log names them, or NULL */
    const char *promoted_at;    /* when, ISO-8601 UTC */
    const char *withdrawn_on;   /* "YYYY-MM-DD" it was withdrawn or ended, or NULL */
    const char *note;           /* e.g. "rollback to 'FY26'", or NULL */
    regio_promotion_status status; /* on the day asked about */
} regio_promotion_info;

typedef int (*regio_promotion_cb)(void *ud, const regio_promotion_info *p);

/* Calls cb for every promotion ever made, oldest first, with its status on
 * day (NULL: today, UTC; a malformed day fails with REGIO_EINVAL). */
REGIO_API regio_err regio_store_promotions_foreach(regio_store *s, const char *day,
                                                   regio_promotion_cb cb, void *ud,
                                                   regio_error *err);

/*
 * Inserts or updates territory ext_id in model (by name; NULL = active)
 * with a display name and a parent (external id in the same model, or NULL
 * for a root). An unknown parent, a cycle or a hierarchy deeper than the
 * limit (16) fails with REGIO_EDATA. Caller keeps ownership of inputs.
 */
REGIO_API regio_err regio_store_territory_upsert(regio_store *s, const char *model, const char *ext_id,
                                       const char *name, const char *parent_ext_id,
                                       regio_error *err);

/*
 * Empties planning model `name` so that a new design can replace it: its
 * territories go, and with them its alignment, account associations,
 * rules, memberships, challenges and quotas; the model itself (name,
 * parent, description, creation date) stays and its revision is bumped.
 * Audited as "model.reset" by actor. An active or archived model is never
 * reset (REGIO_ECONFLICT); an unknown name fails with REGIO_ENOTFOUND.
 */
REGIO_API regio_err regio_store_model_reset(regio_store *s, const char *name, const char *actor,
                                            regio_error *err);

/*
 * Makes rep (external id; NULL = vacant) the rep of territory ext_id in
 * model (by name; NULL = active). An unknown model, territory or rep fails
 * with REGIO_ENOTFOUND naming it. Caller keeps ownership of inputs.
 */
REGIO_API regio_err regio_store_territory_set_rep(regio_store *s, const char *model,
                                                  const char *ext_id, const char *rep,
                                                  regio_error *err);

/*
 * Aligns unit unit_id to territory in model (by name; NULL = active), or
 * removes the unit's alignment when territory is NULL; bumps the model's
 * alignment revision. Caller keeps ownership of inputs.
 */
REGIO_API regio_err regio_store_alignment_set(regio_store *s, const char *model, const char *unit_id,
                                    const char *territory, regio_error *err);

/* One territory of regio_store_territories_write: upsert says whether it
 * is written as regio_store_territory_upsert(ext_id, name, parent) does,
 * set_rep whether its rep is then set as regio_store_territory_set_rep
 * (rep NULL: vacant) does. */
typedef struct regio_territory_write {
    const char *ext_id;
    const char *name;
    const char *parent;
    const char *rep;
    int upsert;
    int set_rep;
} regio_territory_write;

/*
 * The n territories of t in model (by name; NULL = active), each as its
 * one-row calls would write it, in order: the same rows, messages and
 * codes. On failure *bad (may be NULL) is the index of the territory that
 * failed and *bad_rep (may be NULL) whether its rep did. PostgreSQL writes
 * them in a few statements when no one names a parent.
 */
REGIO_API regio_err regio_store_territories_write(regio_store *s, const char *model,
                                                  const regio_territory_write *t, size_t n,
                                                  size_t *bad, int *bad_rep, regio_error *err);

/*
 * regio_store_alignment_set for unit_ids[i] and territories[i], i < n, in
 * order: the same rows, revision, messages and codes; on failure *bad
 * (may be NULL) is the index of the row that failed. PostgreSQL writes
 * them in a few statements.
 */
REGIO_API regio_err regio_store_alignment_set_many(regio_store *s, const char *model,
                                                   const char *const *unit_ids,
                                                   const char *const *territories, size_t n,
                                                   size_t *bad, regio_error *err);

/* Calls cb for each current alignment row of model (NULL = active): units
 * in external-id order (with their locked flag), then manual account
 * overrides in account-id order; rows are valid during the call. */
REGIO_API regio_err regio_store_alignment_foreach(regio_store *s, const char *model,
                                        regio_alignment_cb cb, void *ud, regio_error *err);

/* Why a unit of a designed or realigned model is where it is
 * (regio_design_reason as stored): strings owned by the caller (set) or
 * valid during the callback (foreach). */
typedef struct regio_unit_reason {
    const char *unit_id;
    const char *from;  /* the baseline's territory (realign) or the nearest centre's */
    const char *to;    /* the territory the design or realign gave it */
    const char *kind;  /* regio_design_reason_kind_name */
    const char *text;  /* the sentence with its numbers */
    const char *data;  /* the numbers as a JSON object */
} regio_unit_reason;

typedef int (*regio_reason_cb)(void *ud, const regio_unit_reason *r);

/* Replaces the stored reasons of model (by name) with n reasons (0: the
 * model keeps none). One transaction (a part of the caller's). An unknown
 * unit fails with REGIO_ENOTFOUND naming it, and nothing changes. */
REGIO_API regio_err regio_store_model_reasons_set(regio_store *s, const char *model,
                                                  const regio_unit_reason *r, size_t n,
                                                  regio_error *err);

/* Calls cb for each stored reason of model (by name) in unit-id order,
 * skipping those of units moved since (whose territory is no longer
 * `to`). */
REGIO_API regio_err regio_store_model_reasons_foreach(regio_store *s, const char *model,
                                                      regio_reason_cb cb, void *ud,
                                                      regio_error *err);

/* Current alignment revision of model (NULL = active) into *rev. */
REGIO_API regio_err regio_store_alignment_revision(regio_store *s, const char *model, long *rev,
                                         regio_error *err);

/* ---- scenarios: life cycle and alignment edits ---------------------------- */

/*
 * Clones model `from` into a new planning model new_name whose parent is
 * `from`: its territories (external ids, names, hierarchy, type, access
 * levels, rep, centre, target share), its current unit alignment rows with
 * their locked flags (effective_from cleared, so rows follow the clone's
 * own date) and its manual account associations. Rule associations,
 * rules and memberships are not copied. One transaction; audited as
 * "model.clone" by actor (may be NULL). A duplicate new_name fails with
 * REGIO_ECONFLICT, an unknown `from` with REGIO_ENOTFOUND. *id_out (may
 * be NULL) receives the new id; the caller keeps ownership of all inputs.
 */
REGIO_API regio_err regio_store_model_clone(regio_store *s, const char *from, const char *new_name,
                                  const char *description, const char *actor, long *id_out,
                                  regio_error *err);

/*
 * Promotes planning model `name` from effective_from ("YYYY-MM-DD", a real
 * date, else REGIO_EINVAL); a scenario_promotions row records it with the
 * model it takes over from. From that day on it is the model in force and
 * the one before is archived: at once when the date is today or past,
 * else the model is scheduled and the current one stays in force until
 * then, with nothing more to do on the day. A promotion replaces every
 * scheduled one whose date is the same or later (those models are
 * archived and never take effect); it may not take effect before the
 * latest model that took effect did, nor on that day once it is past
 * (REGIO_ECONFLICT: what was in force is not rewritten).
 * Audited as "model.promote". Promoting an active, scheduled or archived
 * model fails with REGIO_ECONFLICT (an archived model never becomes active
 * again: clone it); an unknown name with REGIO_ENOTFOUND. The caller keeps
 * ownership of all inputs.
 */
REGIO_API regio_err regio_store_model_promote(regio_store *s, const char *name, const char *effective_from,
                                    const char *actor, regio_error *err);

/* Archives a planning, scheduled or active model; audited as
 * "model.archive". A scheduled model's promotion is withdrawn (it never
 * takes effect); the model in force stops being in force today, and no
 * model is in force until the next promotion takes effect. An archived one
 * fails with REGIO_ECONFLICT, an unknown name with REGIO_ENOTFOUND. The
 * caller keeps ownership of all inputs. */
REGIO_API regio_err regio_store_model_archive(regio_store *s, const char *name, const char *actor,
                                    regio_error *err);

/*
 * Rolls back the model in force on effective_from ("YYYY-MM-DD"; NULL:
 * today, UTC): the model in force the day before that one took effect
 * (the previous model) is cloned — territories, alignment, hand moves, manual
 * associations and memberships — into new_name (NULL: "PREVIOUS-rollback-
 * DATE", with "-2", "-3"... when taken) and the clone is promoted from
 * effective_from as regio_store_model_promote does; the previous model
 * itself stays archived. One transaction, audited as "model.rollback".
 * No model in force that day fails with REGIO_ENOTFOUND, one without a
 * previous model with REGIO_ECONFLICT. *name_out (may be NULL) receives
 * the clone's name, which the caller frees with regio_free.
 */
REGIO_API regio_err regio_store_model_rollback(regio_store *s, const char *effective_from,
                                               const char *new_name, const char *actor,
                                               char **name_out, regio_error *err);

/*
 * Applies a batch of moves to planning model `model` (by name; NULL means
 * the active model, which is never editable): a row with unit_id moves that unit to row.territory (NULL
 * removes its alignment); a row with account_id gives that account a
 * manual association with row.territory that replaces its previous manual
 * association in this model (NULL removes it). Each row sets exactly one
 * of unit_id and account_id; effective_from and locked of the rows are
 * ignored. Unit rows update the current alignment row in place, keeping
 * its locked flag, as regio_store_alignment_set does.
 *
 * All rows apply in one transaction or none do. With n >= 1 the model's
 * alignment revision is bumped exactly once (even when every row was
 * already so) and one "alignment.apply" audit record holds the before and
 * after territories of every row as JSON; n == 0 checks the guards and
 * changes nothing. Failures change nothing; the model is checked first,
 * then the rows one by one in order:
 *   REGIO_ENOTFOUND  model not found                (REGIO_APPLY_NOT_FOUND)
 *   REGIO_ECONFLICT  model not planning, "not editable" (REGIO_APPLY_NOT_EDITABLE)
 *   REGIO_ECONFLICT  expected_rev != current revision, message "stale
 *                    revision ... current revision is N" (REGIO_APPLY_STALE)
 *   REGIO_EINVAL     a row with neither or both ids  (REGIO_APPLY_INVALID)
 *   REGIO_EDATA      unknown unit, account or territory, named (REGIO_APPLY_UNKNOWN)
 *   REGIO_ECONFLICT  a locked unit would change territory, "locked" (REGIO_APPLY_LOCKED)
 * A row that leaves a locked unit where it is is allowed. *new_rev (may be
 * NULL) receives the model's revision after the call: the new one on
 * success, the unchanged current one on failure once the model was found
 * (so a stale-revision answer can carry it), else -1. *status (may be
 * NULL) receives the regio_apply_status. The caller keeps ownership of
 * rows and all other inputs.
 */
REGIO_API regio_err regio_store_alignment_apply(regio_store *s, const char *model, long expected_rev,
                                      const regio_alignment_row *rows, size_t n,
                                      const char *actor, long *new_rev,
                                      regio_apply_status *status, regio_error *err);

/*
 * Sets (locked != 0) or clears the locked flag of the current alignment
 * rows of units unit_ids[0..n) in planning model `model`, with the same
 * guards, outputs and all-or-nothing transaction as
 * regio_store_alignment_apply (a unit that is unknown or not aligned in the
 * model fails with REGIO_EDATA naming it); with n >= 1 bumps the revision
 * once and writes one "alignment.lock" audit record. The caller keeps
 * ownership of all inputs.
 */
REGIO_API regio_err regio_store_alignment_lock(regio_store *s, const char *model, long expected_rev,
                                     const char *const *unit_ids, size_t n, int locked,
                                     const char *actor, long *new_rev,
                                     regio_apply_status *status, regio_error *err);

/* Calls cb for every territory of model (by name; NULL = active) in
 * external-id order; records are owned by the store and valid only during
 * the call. An unknown model fails with REGIO_ENOTFOUND. */
REGIO_API regio_err regio_store_territories_foreach(regio_store *s, const char *model,
                                          regio_territory_cb cb, void *ud, regio_error *err);

/* A number that changes whenever the store's content may have changed: a
 * write through this handle or a commit by another process. Lets callers
 * keep caches without re-reading; plain value, no ownership. */
REGIO_API regio_err regio_store_generation(regio_store *s, uint64_t *gen, regio_error *err);
/* The same as of the last statement this handle ran, for a caller that has
 * just run one (a request's access-epoch read): on PostgreSQL it reads the
 * notifications that statement's answer brought instead of a round trip of
 * its own; elsewhere it is regio_store_generation. */
REGIO_API regio_err regio_store_generation_seen(regio_store *s, uint64_t *gen,
                                                regio_error *err);

/* A number that changes whenever a geography unit or an adjacency edge is
 * added, removed or changed (a hash of their counts, newest id and change
 * time, and content hashes): lets a cache of the units notice an import.
 * Plain value, no ownership. */
REGIO_API regio_err regio_store_units_fingerprint(regio_store *s, uint64_t *fp,
                                                  regio_error *err);

/* A number that changes when another connection (another process, the CLI)
 * commits to the store, and never for this handle's own writes; tells a
 * cache that something it did not write may have changed. Plain value. */
REGIO_API regio_err regio_store_others_version(regio_store *s, long *v, regio_error *err);

/* A number that changes with every committed write to what an access
 * snapshot (regio/access.h) is made of — users, permissions, roles, tokens,
 * models, promotions, the accounts' keys, owners and units, unit codes, and
 * the territories, memberships, alignment and associations of any model
 * that may be in force — by any program, and not with other writes (a move
 * in a planning model, a check-in, a sale). A snapshot loaded at one epoch
 * holds for the same epoch and day. Plain value. */
REGIO_API regio_err regio_store_access_epoch(regio_store *s, long long *epoch,
                                             regio_error *err);

/* ---- call plans ------------------------------------------------------------- */

/* A saved call plan (a visit_plans row). Given to regio_store_plan_save
 * (id, created_at and visits are then ignored) and read back by
 * regio_store_plans_foreach (strings owned by the store, valid only
 * during the callback). */
typedef struct regio_plan_info {
    long id;
    const char *model;       /* name of the territory model it belongs to, or NULL */
    const char *name;        /* required, not unique */
    const char *cycle_start; /* first day "YYYY-MM-DD", or NULL */
    int cycle_days;          /* working days in the cycle, >= 1 */
    const char *params;      /* a JSON object (how it was planned); NULL = "{}" */
    const char *created_at;  /* ISO timestamp (UTC) */
    long visits;             /* planned visits */
} regio_plan_info;

/* One planned visit (a plan_visits row) by external ids. Strings borrowed
 * (on save) or owned by the store and valid only during the callback. */
typedef struct regio_plan_visit_row {
    const char *rep;         /* rep external id */
    const char *account;     /* account external id */
    int day;                 /* cycle day, 1..cycle_days */
    int seq;                 /* 1-based position in the rep's day */
    long arrival_s;          /* seconds since midnight (read back: -1 if not stored) */
    long departure_s;        /* >= arrival_s (read back: -1 if not stored) */
    long travel_s;           /* seconds of the leg from the previous stop or home
                                (read back: -1 if not stored) */
} regio_plan_visit_row;

typedef int (*regio_plan_info_cb)(void *ud, const regio_plan_info *p);
typedef int (*regio_plan_visit_cb)(void *ud, const regio_plan_visit_row *v);

/*
 * Saves a call plan and its visits[0..n) in one transaction, audited as
 * "plan.save" (object "visit_plan", the new id) by actor (may be NULL).
 * An unknown model, rep or account fails with REGIO_ENOTFOUND naming it;
 * a missing name, a cycle_days < 1, a cycle_start that is not a real date
 * YYYY-MM-DD, a day outside 1..cycle_days, a seq < 1, a negative time, a
 * departure before its arrival or a duplicate (rep, day, seq) with
 * REGIO_EDATA; a params text that is not a JSON object with REGIO_EINVAL.
 * A failure saves nothing. *id_out (may be NULL) receives the new plan's
 * id. The caller keeps ownership of all inputs.
 */
REGIO_API regio_err regio_store_plan_save(regio_store *s, const regio_plan_info *plan,
                                          const regio_plan_visit_row *visits, size_t n,
                                          const char *actor, long *id_out, regio_error *err);

/* Calls cb for every saved plan of model (by name; NULL = every plan,
 * whatever its model), newest first (by id); an unknown model fails with
 * REGIO_ENOTFOUND. Records are valid only during the call. */
REGIO_API regio_err regio_store_plans_foreach(regio_store *s, const char *model,
                                              regio_plan_info_cb cb, void *ud, regio_error *err);

/* Calls cb for every visit of plan plan_id ordered by rep external id, day
 * and seq; an unknown plan fails with REGIO_ENOTFOUND. Records are valid
 * only during the call. */
REGIO_API regio_err regio_store_plan_visits_foreach(regio_store *s, long plan_id,
                                                    regio_plan_visit_cb cb, void *ud,
                                                    regio_error *err);

/* ---- audit log -------------------------------------------------------------- */

/*
 * Appends one audit record; hash = SHA-256(prev_hash || canonical record).
 * before_json/after_json must be valid JSON or NULL (REGIO_EINVAL
 * otherwise). Caller keeps ownership of all inputs.
 */
REGIO_API regio_err regio_store_audit_append(regio_store *s, const char *actor, const char *action,
                                   const char *object_type, const char *object_id,
                                   const char *before_json, const char *after_json,
                                   regio_error *err);

/*
 * Recomputes the audit hash chain. REGIO_OK with *bad_id = 0 when intact;
 * REGIO_EDATA with *bad_id = the first row whose hash or link does not
 * match. Plain values, no ownership.
 */
REGIO_API regio_err regio_store_audit_verify(regio_store *s, long *bad_id, regio_error *err);

#ifdef __cplusplus
}
#endif
#endif
