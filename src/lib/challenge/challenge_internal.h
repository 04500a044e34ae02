/*
 * Private to src/lib/challenge: a user as challenges see them — their
 * permissions and, in the model in force on a day, the territories their
 * memberships reach (theirs) and those a manager membership reaches (the
 * ones whose challenges they decide). Read from the store on every call,
 * so no right outlives the commit that removed it (docs/ACCESS.md rule 12).
 */
#ifndef REGIO_CHALLENGE_INTERNAL_H
#define REGIO_CHALLENGE_INTERNAL_H

#include "regio/challenge.h"
#include "regio/strmap.h"

typedef struct regio__member {
    char day[11];          /* "YYYY-MM-DD" */
    char *login;           /* NULL: the store's owner (every right) */
    int active;            /* an active user (0: disabled; they see and do nothing) */
    unsigned perms;        /* REGIO_PERM_* */
    char *model;           /* the model in force on day, or NULL */
    size_t n;              /* territories of that model */
    regio_strmap *index;   /* territory external id -> 0..n-1 */
    unsigned char *mine;   /* n: a current membership of theirs on it or above it */
    unsigned char *manager;/* n: a current manager membership of theirs on it or above it */
    size_t n_mine;
} regio__member;

/* Reads user login (NULL: the store's owner) as of day (NULL: today, UTC;
 * else "YYYY-MM-DD", REGIO_EINVAL otherwise). REGIO_ENOTFOUND for an
 * unknown user. Free with regio__member_free (also after a failure). */
regio_err regio__member_load(regio_store *s, const char *login, const char *day,
                             regio__member *m, regio_error *err);
void regio__member_free(regio__member *m);

/* Whether territory id (of the model in force) is the member's. */
int regio__member_mine(const regio__member *m, const char *id);

/* What the member may do with challenge c (the store's owner: everything
 * on an open one). */
void regio__member_rights(const regio__member *m, const regio_challenge *c,
                          regio_challenge_rights *r);

/* REGIO_ENOMEM with "out of memory" in err. */
regio_err regio__challenge_oom(regio_error *err);

#endif
