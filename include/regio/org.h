/*
 * The organisation in the store: roles (a tree: who reports to whom),
 * users (login, name, email, one role, permissions, active flag, password),
 * memberships (user <-> territory of a model, with a role label, an active
 * flag and dates), manual account <-> territory associations, territory
 * access levels, API tokens and sign-in sessions. docs/ACCESS.md states the
 * rules these feed; regio/access.h applies them. Every administrative write
 * here is one transaction and appends one audit record naming the actor.
 */
#ifndef REGIO_ORG_H
#define REGIO_ORG_H

#include "regio/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Permissions a user may hold (docs/ACCESS.md rule 15), as bits. */
#define REGIO_PERM_MANAGE_TERRITORIES 1u
#define REGIO_PERM_VIEW_ALL 2u
#define REGIO_PERM_MODIFY_ALL 4u

/* A role as read or written: its name and its parent's name (NULL: a root).
 * Strings borrowed: valid during the callback / owned by the caller. */
typedef struct regio_role_info {
    const char *name;
    const char *parent;
} regio_role_info;

/* A user as read or written; strings borrowed as for regio_role_info. */
typedef struct regio_user_info {
    const char *login;  /* unique, required */
    const char *name;   /* display name, or NULL */
    const char *email;  /* or NULL */
    const char *role;   /* role name, or NULL (none) */
    unsigned perms;     /* REGIO_PERM_* bits */
    int active;         /* 0: disabled (cannot sign in, grants nothing) */
    int has_password;   /* read only: a password is set */
    long tokens;        /* read only: API tokens not revoked */
} regio_user_info;

/* A membership of a user in a territory of a model; strings borrowed. */
typedef struct regio_membership_info {
    const char *user;      /* login */
    const char *territory; /* territory external id in the model */
    const char *role;      /* owner|rep|overlay|manager|admin */
    int active;
    const char *start;     /* "YYYY-MM-DD" or NULL (open) */
    const char *end;       /* "YYYY-MM-DD" or NULL (open); exclusive */
    const char *user_name; /* read only: the user's display name, or NULL */
} regio_membership_info;

/* An account <-> territory association; strings borrowed. cause is "geo"
 * (the territory of the account's unit, or its hand move), "rule" or
 * "manual". */
typedef struct regio_association_info {
    const char *account;
    const char *territory;
    const char *cause;
} regio_association_info;

/* An API token's public facts (never the secret); strings borrowed. */
typedef struct regio_token_info {
    long id;
    const char *user;
    const char *label;      /* or NULL */
    const char *created_at; /* ISO timestamp */
    const char *last_used_at; /* or NULL */
    int revoked;
} regio_token_info;

typedef int (*regio_role_cb)(void *ud, const regio_role_info *r);
typedef int (*regio_user_cb)(void *ud, const regio_user_info *u);
typedef int (*regio_membership_cb)(void *ud, const regio_membership_info *m);
typedef int (*regio_association_cb)(void *ud, const regio_association_info *a);
typedef int (*regio_token_cb)(void *ud, const regio_token_info *t);
/* One account's keys for access: external id, owner login (or NULL) and
 * geography unit (or NULL); strings valid during the call. */
typedef int (*regio_account_key_cb)(void *ud, const char *id, const char *owner,
                                    const char *unit);

/* Permission name <-> bit: "manage_territories", "view_all", "modify_all".
 * regio_perm_parse reads a ';'-separated list (spaces ignored, empty
 * allowed) into *bits and fails with REGIO_EDATA naming an unknown one.
 * regio_perm_format writes the canonical list into out (cap bytes). */
REGIO_API regio_err regio_perm_parse(const char *list, unsigned *bits, regio_error *err);
REGIO_API void regio_perm_format(unsigned bits, char *out, size_t cap);

/* Checks a membership role label (owner|rep|overlay|manager|admin) and a
 * territory account level (read|edit|owner): REGIO_EDATA naming the value. */
REGIO_API regio_err regio_membership_role_check(const char *role, regio_error *err);
REGIO_API regio_err regio_account_level_check(const char *level, regio_error *err);

/* ---- roles -------------------------------------------------------------- */

/*
 * Inserts role `name` or moves it under `parent` (NULL: a root). An unknown
 * parent fails with REGIO_EDATA, a cycle (the parent is the role itself or
 * below it) with REGIO_EDATA. Audited as "role.upsert" by actor.
 */
REGIO_API regio_err regio_store_role_upsert(regio_store *s, const char *name, const char *parent,
                                            const char *actor, regio_error *err);

/* Calls cb for every role, parents before children, then by name. */
REGIO_API regio_err regio_store_roles_foreach(regio_store *s, regio_role_cb cb, void *ud,
                                              regio_error *err);

/* ---- users -------------------------------------------------------------- */

/*
 * Inserts or updates user u->login with name, email, role, permissions and
 * active flag (has_password and tokens are ignored; the password is kept).
 * An unknown role fails with REGIO_EDATA naming it. *out (may be NULL)
 * says whether it was added, updated or unchanged. Audited as "user.upsert".
 */
/* Upserts n users as n calls of regio_store_user_upsert one after the
 * other would (the same rows, the same audit records; out[i], may be NULL,
 * what each did), for an import in the caller's transaction: a backend
 * with a bulk path (PostgreSQL: COPY) writes them in a few statements. On
 * a failure *bad (may be NULL) gets the index of the user that failed, err
 * says why, and the caller rolls its transaction back. */
REGIO_API regio_err regio_store_users_upsert(regio_store *s, const regio_user_info *u, size_t n,
                                             const char *actor, regio_upsert_result *out,
                                             size_t *bad, regio_error *err);

REGIO_API regio_err regio_store_user_upsert(regio_store *s, const regio_user_info *u,
                                            const char *actor, regio_upsert_result *out,
                                            regio_error *err);

/* Calls cb for every user by login (login == NULL) or for the one user
 * `login` (REGIO_ENOTFOUND when there is none). */
REGIO_API regio_err regio_store_users_foreach(regio_store *s, const char *login, regio_user_cb cb,
                                              void *ud, regio_error *err);

/* Sets user login's active flag; disabling also ends their sessions.
 * Audited as "user.disable" / "user.enable". REGIO_ENOTFOUND if unknown. */
REGIO_API regio_err regio_store_user_set_active(regio_store *s, const char *login, int active,
                                                const char *actor, regio_error *err);

/* Stores an already computed password hash (NULL clears it) and ends the
 * user's sessions; audited as "user.passwd" (the hash is not logged).
 * Callers use regio_user_set_password (regio/auth.h), which hashes. */
REGIO_API regio_err regio_store_user_set_password_hash(regio_store *s, const char *login,
                                                       const char *hash, const char *actor,
                                                       regio_error *err);

/* Reads user login's password hash into a new string *hash (NULL when no
 * password) and its active flag; REGIO_ENOTFOUND when unknown. The caller
 * frees *hash with regio_free. */
REGIO_API regio_err regio_store_user_password_hash(regio_store *s, const char *login, char **hash,
                                                   int *active, regio_error *err);

/* Number of users who can sign in (active, with a password or a live API
 * token) into *n. */
REGIO_API regio_err regio_store_login_users(regio_store *s, long *n, regio_error *err);

/* ---- territories, memberships, associations ------------------------------ */

/* Sets the account access level ("read", "edit", "owner") of territory
 * ext_id in model (NULL: active). Audited as "territory.access". */
REGIO_API regio_err regio_store_territory_set_access(regio_store *s, const char *model,
                                                     const char *ext_id, const char *level,
                                                     const char *actor, regio_error *err);

/*
 * Changes an existing territory ext_id of model (NULL: active): its display
 * name (name != NULL), its parent (set_parent != 0; parent NULL makes it a
 * root; cycles and depth beyond the limit refused with REGIO_EDATA) and its
 * account level (level != NULL). REGIO_ENOTFOUND when it does not exist.
 * One transaction, audited as "territory.update" with before and after.
 */
REGIO_API regio_err regio_store_territory_edit(regio_store *s, const char *model,
                                               const char *ext_id, const char *name,
                                               int set_parent, const char *parent,
                                               const char *level, const char *actor,
                                               regio_error *err);

/*
 * Inserts or updates the membership (m->user, m->territory, m->role) in
 * model (NULL: active) with its active flag and dates. Unknown user or
 * territory, a bad role label or date, or end before start fail with
 * REGIO_EDATA naming the value. Audited as "membership.upsert".
 */
REGIO_API regio_err regio_store_membership_upsert(regio_store *s, const char *model,
                                                  const regio_membership_info *m,
                                                  const char *actor, regio_error *err);

/* Upserts n memberships of model, as n calls of regio_store_membership_upsert
 * one after the other would (the same rows, the same audit records), for
 * an import in the caller's transaction: a backend with a bulk path
 * (PostgreSQL: COPY) writes them in a few statements. On a failure *bad
 * (may be NULL) gets the index of the membership that failed, err says
 * why, and the caller rolls its transaction back. */
REGIO_API regio_err regio_store_memberships_upsert(regio_store *s, const char *model,
                                                   const regio_membership_info *m, size_t n,
                                                   const char *actor, size_t *bad,
                                                   regio_error *err);

/* Removes the membership (user, territory, role) of model; REGIO_ENOTFOUND
 * when there is none. Audited as "membership.remove". */
REGIO_API regio_err regio_store_membership_remove(regio_store *s, const char *model,
                                                  const char *user, const char *territory,
                                                  const char *role, const char *actor,
                                                  regio_error *err);

/* Calls cb for every membership of model (NULL: active) by territory, user
 * and role. */
REGIO_API regio_err regio_store_memberships_foreach(regio_store *s, const char *model,
                                                    regio_membership_cb cb, void *ud,
                                                    regio_error *err);

/* Adds (add != 0) or removes a manual association of account with
 * territory in model (NULL: active). Unknown account or territory fails
 * with REGIO_EDATA naming it; adding one that exists changes nothing.
 * Audited as "association.add" / "association.remove". */
REGIO_API regio_err regio_store_association_set(regio_store *s, const char *model,
                                                const char *account, const char *territory,
                                                int add, const char *actor, regio_error *err);

/* Calls cb for every rule and manual association and every hand move
 * (cause "geo") of model (NULL: active), by account, territory and cause.
 * Geographic associations through units are the alignment
 * (regio_store_alignment_foreach) and are not repeated here. */
REGIO_API regio_err regio_store_associations_foreach(regio_store *s, const char *model,
                                                     regio_association_cb cb, void *ud,
                                                     regio_error *err);

/* Calls cb for every account with its owner and unit, by external id: the
 * few columns access needs, read fast. */
REGIO_API regio_err regio_store_account_keys_foreach(regio_store *s, regio_account_key_cb cb,
                                                     void *ud, regio_error *err);

/* Fills *out with the model in force on day ("YYYY-MM-DD"): among the
 * promoted models the one with the latest effective date not after day
 * (ties: the later promotion); a model made active without a promotion
 * counts from its effective date, or from always when it has none.
 * REGIO_ENOTFOUND when none is in force. Free with regio_model_info_clear. */
REGIO_API regio_err regio_store_model_in_force(regio_store *s, const char *day,
                                               regio_model_info *out, regio_error *err);

/* ---- API tokens and sessions (secrets stored as SHA-256 hex) ------------ */

/* Stores a new token for user login; *id (may be NULL) gets its id. */
REGIO_API regio_err regio_store_token_add(regio_store *s, const char *login,
                                          const char *token_hash, const char *label,
                                          const char *actor, long *id, regio_error *err);

/* Finds the user of a live token (not revoked, user active) into a new
 * string *login (NULL when none); notes its use. Caller frees *login. */
REGIO_API regio_err regio_store_token_user(regio_store *s, const char *token_hash, char **login,
                                           regio_error *err);

/* Revokes token id of user login (REGIO_ENOTFOUND when the user has no such
 * token). Audited as "token.revoke". */
REGIO_API regio_err regio_store_token_revoke(regio_store *s, const char *login, long id,
                                             const char *actor, regio_error *err);

/* Calls cb for every token of user login (NULL: all users) by id. */
REGIO_API regio_err regio_store_tokens_foreach(regio_store *s, const char *login,
                                               regio_token_cb cb, void *ud, regio_error *err);

/* Stores a session of user login expiring at expires (Unix seconds). */
REGIO_API regio_err regio_store_session_add(regio_store *s, const char *id_hash,
                                            const char *login, const char *csrf, long long expires,
                                            regio_error *err);

/* Finds a live session (expires > now, user active): new strings *login and
 * *csrf (both NULL when none). Caller frees both. */
REGIO_API regio_err regio_store_session_find(regio_store *s, const char *id_hash, long long now,
                                             char **login, char **csrf, regio_error *err);

/* Ends a session (no error when it does not exist) and drops every expired
 * one. */
REGIO_API regio_err regio_store_session_remove(regio_store *s, const char *id_hash,
                                               long long now, regio_error *err);

/* ---- audit log ----------------------------------------------------------- */

/* One audit record as read; strings valid during the callback. */
typedef struct regio_audit_record {
    long id;
    const char *ts, *actor, *action, *object_type, *object_id, *before, *after, *hash;
} regio_audit_record;
typedef int (*regio_audit_cb)(void *ud, const regio_audit_record *r);

/* Calls cb for audit records in id order: those at or after `since` (an ISO
 * date or timestamp, NULL: all) by actor `user` (NULL: anyone). */
REGIO_API regio_err regio_store_audit_foreach(regio_store *s, const char *since, const char *user,
                                              regio_audit_cb cb, void *ud, regio_error *err);

#ifdef __cplusplus
}
#endif
#endif
