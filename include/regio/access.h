/*
 * Who may see and change which account: docs/ACCESS.md rules 1-8 and 10-17
 * in one place. regio_access_load reads a snapshot of the organisation for
 * one day (the model in force, its territories and their access levels,
 * memberships current on that day, roles, users, account owners and
 * associations); every question is then answered from memory. The CLI and
 * the server both ask here, so the same question gets the same answer.
 *
 * A snapshot is immutable and may be shared by threads for reading. It is
 * exact for the store content it was loaded from: callers that keep one
 * reload it when regio_store_generation changes (rule 12).
 */
#ifndef REGIO_ACCESS_H
#define REGIO_ACCESS_H

#include "regio/org.h"
#include "regio/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Access level on an account, ordered (rule 6). Values stable. */
typedef enum regio_access_level {
    REGIO_LEVEL_NONE = 0,
    REGIO_LEVEL_READ = 1,
    REGIO_LEVEL_EDIT = 2,
    REGIO_LEVEL_OWNER = 3
} regio_access_level;

typedef struct regio_access regio_access;

/* "none", "read", "edit", "owner"; static storage. */
REGIO_API const char *regio_access_level_name(regio_access_level l);
/* Parses a level name; -1 when it is none of the four. */
REGIO_API int regio_access_level_parse(const char *name);

/*
 * Loads the snapshot for day ("YYYY-MM-DD"; NULL: today, UTC). When no
 * model is in force that day, territories grant nothing (rules 1, 5) and
 * only ownership and permissions remain. On success *out is a new snapshot
 * the caller frees with regio_access_free.
 */
REGIO_API regio_err regio_access_load(regio_store *s, const char *day, regio_access **out,
                                      regio_error *err);
REGIO_API void regio_access_free(regio_access *a);

/* The day asked about ("YYYY-MM-DD") and the model in force then (NULL when
 * none); owned by the snapshot. */
REGIO_API const char *regio_access_day(const regio_access *a);
REGIO_API const char *regio_access_model(const regio_access *a);

/* Index of a user by login / an account by external id; -1 when unknown. */
REGIO_API long regio_access_user(const regio_access *a, const char *login);
REGIO_API long regio_access_account(const regio_access *a, const char *ext_id);
/* Number of accounts, and the external id of account i (< that number). */
REGIO_API long regio_access_n_accounts(const regio_access *a);
REGIO_API const char *regio_access_account_id(const regio_access *a, long i);
/* Permissions (REGIO_PERM_* bits) of user u (0 for an unknown or disabled one). */
REGIO_API unsigned regio_access_perms(const regio_access *a, long user);

/* The level of user u on account i by docs/ACCESS.md (NONE for an unknown
 * user or account, or a disabled user). */
REGIO_API regio_access_level regio_access_level_of(const regio_access *a, long user, long account);

/* One grant behind a level, as regio_access_explain reports it. Strings
 * are owned by the snapshot or the call and valid during the callback. */
typedef struct regio_access_grant {
    regio_access_level level;
    const char *kind;       /* "permission", "owner" or "territory" */
    const char *permission; /* kind permission: its name */
    const char *via_user;   /* owner/territory: whose grant it is (the user, or one
                               below them in the role hierarchy) */
    const char *via_roles;  /* when via_user is someone else: the roles from the
                               user's down to via_user's, " > "-separated */
    const char *membership; /* territory: the territory of the membership */
    const char *member_role;/* territory: the membership's role label */
    const char *territory;  /* territory: the account's territory granting the level */
    const char *cause;      /* territory: how the account is in it: geo, rule, manual */
} regio_access_grant;
typedef int (*regio_access_grant_cb)(void *ud, const regio_access_grant *g);

/* Calls cb for every grant user u has on account i (in a stable order) and
 * sets *level to their maximum. */
REGIO_API regio_err regio_access_explain(const regio_access *a, long user, long account,
                                         regio_access_grant_cb cb, void *ud,
                                         regio_access_level *level, regio_error *err);

/*
 * Rule 10: may user u create or change territory `territory` of the model
 * in force (its hierarchy, memberships, manual associations)? Yes with
 * manage_territories, or with an active, current membership of role
 * manager or admin in that territory or one of its ancestors.
 */
REGIO_API int regio_access_can_manage(const regio_access *a, long user, const char *territory);

/*
 * Whether user u may change a user whose permissions are old_perms (0 for
 * a new user) into one holding new_perms, or set that user's password:
 * u needs manage_territories and nobody grants what they do not hold, so
 * both sets must be within u's own permissions (a user with fewer rights
 * cannot take over or raise one with more).
 */
REGIO_API int regio_access_may_set_user(const regio_access *a, long user, unsigned old_perms,
                                        unsigned new_perms);

/* What one user can read: precomputed for many accounts at once. */
typedef struct regio_access_scope regio_access_scope;

REGIO_API regio_err regio_access_scope_new(const regio_access *a, long user,
                                           regio_access_scope **out, regio_error *err);
REGIO_API void regio_access_scope_free(regio_access_scope *sc);
/* Same as regio_access_level_of(a, user, account), in O(associations). */
REGIO_API regio_access_level regio_access_scope_level(const regio_access_scope *sc, long account);
/* The level the scope's user has on the accounts of territory ext_id (of
 * the model in force) through memberships (on it or an ancestor, theirs or
 * of a user below them in the role hierarchy) and permissions: the highest
 * of the territory's own level (when a membership reaches it) and what
 * view_all / modify_all give; NONE when neither (they cannot see it). */
REGIO_API regio_access_level regio_access_scope_territory(const regio_access_scope *sc,
                                                          const char *territory);
/* The readable accounts in external-id order: skips `offset`, writes up to
 * `limit` account indexes to idx and returns how many it wrote; *total
 * gets the number readable in all. */
REGIO_API long regio_access_scope_page(const regio_access_scope *sc, long offset, long limit,
                                       long *idx, long *total);
/* All the readable accounts in external-id order, in a new array (*out,
 * regio_free it; NULL when none) of *n indexes. Below view_all it takes the
 * time of the user's own territories and owned accounts, not of the whole
 * market. */
REGIO_API regio_err regio_access_scope_list(const regio_access_scope *sc, long **out, long *n,
                                            regio_error *err);

/*
 * Answers many questions at once: reads CSV in_path with a header naming a
 * user column (user, username or login) and an account column (account or
 * account_id), and writes out_path (atomically; "-" is stdout) with the
 * columns user,account,level, one row per input row in input order. An
 * unknown user or account gets "none". *n (may be NULL) receives the rows
 * answered. Fails with file, line and field for unreadable input.
 */
REGIO_API regio_err regio_access_check_pairs(const regio_access *a, const char *in_path,
                                             const char *out_path, long *n, regio_error *err);

#ifdef __cplusplus
}
#endif
#endif
