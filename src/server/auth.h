/*
 * Who is calling and what they may do, for every request: the caller is
 * identified by a session cookie or an API token (regio/auth.h), and every
 * decision is the library's (regio/access.h) over a snapshot of the
 * organisation that is reloaded whenever the store may have changed
 * (docs/ACCESS.md rule 12).
 */
#ifndef REGIO_SERVER_AUTH_H
#define REGIO_SERVER_AUTH_H

#include "regio/regio.h"

typedef struct srv_app srv_app;
typedef struct srv_request srv_request;
typedef struct srv_response srv_response;
typedef struct srv_route srv_route;

/* Readable lists a snapshot keeps: at most this many users' (a rep's is
 * a few hundred accounts; 32 were fewer than the reps a server sees), ...
 * and at most this many account indexes in all (32 MB). */
#define SRV_READABLE_CACHE 1024
#define SRV_READABLE_MAX_IDX (4L << 20)

/* The accounts one user may read, in external-id order. */
typedef struct srv_readable {
    long user;
    long *idx;
    long n;
} srv_readable;

/* The access snapshot shared by requests; reference counted. */
typedef struct srv_access {
    regio_access *a;
    srv_readable lists[SRV_READABLE_CACHE]; /* per user, made on first use, kept
                                               until the snapshot goes */
    int n_lists;
    long n_idx;        /* account indexes in lists, in all */
    int refs;          /* guarded by app->mu */
    long long epoch;   /* regio_store_access_epoch it was loaded at */
    char day[11];
    long login_users;  /* users who can sign in (0: single-user mode possible) */
} srv_access;

typedef enum srv_caller_kind {
    SRV_ANONYMOUS = 0, /* no valid credentials */
    SRV_LOCAL = 1,     /* single-user mode: no users, loopback: every right */
    SRV_USER = 2       /* a signed-in user */
} srv_caller_kind;

typedef struct srv_caller {
    srv_caller_kind kind;
    char login[256];
    char csrf[REGIO_SECRET_HEX + 1]; /* the session's CSRF token ("" for a bearer token) */
    int via_cookie;
    srv_access *acc;                 /* a reference, released by srv_caller_done */
    long user;                       /* index in acc->a, or -1 */
    regio_access_scope *scope;       /* made on first use */
    /* The store's generation when the caller was identified, before any
     * read of the request (have_gen 0: unknown). */
    uint64_t gen;
    int have_gen;
} srv_caller;

/* Session cookie name and lifetime. */
#define SRV_SESSION_COOKIE "regio_session"
#define SRV_SESSION_TTL (8 * 3600)

/* With app->mu held: the current snapshot, with a reference for the caller
 * (NULL and err filled when it cannot be loaded). */
srv_access *srv_access_get(srv_app *app, regio_error *err);
/* Drops a reference with app->mu held (frees the snapshot at the last). */
void srv_access_release_locked(srv_access *acc);
/* Drops a reference (takes app->mu). */
void srv_access_release(srv_app *app, srv_access *acc);

/* Identifies the caller of rq (cookie or bearer token) into c; returns 0
 * and fills rs (500) only when the store fails. */
int srv_caller_identify(srv_app *app, srv_request *rq, srv_caller *c, srv_response *rs);
/* Releases what srv_caller_identify took. */
void srv_caller_done(srv_app *app, srv_caller *c);

/* What the caller may do, for handlers. */
int srv_caller_manages(const srv_request *rq);  /* manage_territories (or local) */
int srv_caller_reads_all(const srv_request *rq); /* every account: view_all, modify_all
                                                    or local (rule 15) */
int srv_caller_sees_all(const srv_request *rq);  /* every territory and the model-wide
                                                    figures: reads_all or manages */
/* The model in force (NULL when none). */
const char *srv_caller_model(const srv_request *rq);
/* Whether the caller may see model `name` at all (rule 1). */
int srv_caller_sees_model(const srv_request *rq, const char *name);
/* The caller's scope (NULL for the local user, who reads everything). */
const regio_access_scope *srv_caller_scope(srv_request *rq);
/* The caller's level on account ext_id (OWNER for the local user). */
regio_access_level srv_caller_level(srv_request *rq, const char *account);
/* Whether the caller may read territory t of the model in force
 * (a membership on it or above, theirs or below them; or reads_all). */
int srv_caller_sees_territory(srv_request *rq, const char *model, const char *territory);
/* The accounts the caller may read (indexes into the snapshot, external-id
 * order) into *idx and *n; *owned says whether the caller frees *idx
 * (regio_free) or it belongs to the snapshot. 0 when out of memory. */
int srv_caller_readable(srv_app *app, srv_request *rq, long **idx, long *n, int *owned);
/* The caller's level on the accounts of territory t of model (OWNER for
 * the local user; NONE when they cannot see it). */
regio_access_level srv_caller_territory_level(srv_request *rq, const char *model,
                                              const char *territory);
/* Whether the caller may turn a user holding old_perms into one holding
 * new_perms, or set their password (regio_access_may_set_user; always for
 * the local user). */
int srv_caller_may_set_user(const srv_request *rq, unsigned old_perms, unsigned new_perms);
/* Rule 10 for territory t of model (the model in force: delegated
 * managers; any other model: manage_territories). */
int srv_caller_can_manage(const srv_request *rq, const char *model, const char *territory);

/* Fills rs with the answer for a refused request: 404 (hidden) or 403; a
 * refused write is audited. */
void srv_deny(srv_app *app, srv_request *rq, srv_response *rs, int status, const char *why);

/* Handlers of the sign-in endpoints (auth.c). */
void api_login(srv_app *app, srv_request *rq, srv_response *rs);
void api_logout(srv_app *app, srv_request *rq, srv_response *rs);
void api_session(srv_app *app, srv_request *rq, srv_response *rs);

#endif
