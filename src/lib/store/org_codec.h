/*
 * Private to the store backends (sqlite_org.c, pg_org.c): the audit
 * records of the organisation's writes (roles, users, tokens, memberships,
 * associations, territory access), built alike by every backend so that
 * the audit log reads the same whichever database holds it.
 */
#ifndef REGIO_STORE_ORG_CODEC_H
#define REGIO_STORE_ORG_CODEC_H

#include "regio/buf.h"
#include "regio/org.h"
#include "store/store_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The end of json_obj's arguments (a typed null: NULL may be a plain 0). */
#define JSON_END ((const char *)NULL)

/* Audit JSON: {"k1":"v1",...} from JSON_END-terminated key/value pairs (a
 * NULL value writes null). Returns NULL when out of memory; caller frees. */
static inline char *json_obj(const char *k, ...)
{
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc = regio_buf_putc(&b, '{');
    va_list ap;
    va_start(ap, k);
    for (int first = 1; k && !rc; first = 0, k = va_arg(ap, const char *)) {
        const char *v = va_arg(ap, const char *);
        if (!first)
            rc = regio_buf_putc(&b, ',');
        if (!rc)
            rc = regio_buf_json_str(&b, k);
        if (!rc)
            rc = regio_buf_putc(&b, ':');
        if (!rc)
            rc = v ? regio_buf_json_str(&b, v) : regio_buf_puts(&b, "null");
    }
    va_end(ap);
    if (!rc)
        rc = regio_buf_putc(&b, '}');
    if (rc) {
        regio_buf_free(&b);
        return NULL;
    }
    return b.data; /* the caller owns it now */
}

/* A user's audit record: its fields as user_upsert stores them. */
static inline char *user_json(const regio_user_info *u)
{
    char perms[64];
    regio_perm_format(u->perms, perms, sizeof perms);
    return json_obj("name", u->name, "email", u->email, "role", u->role, "permissions", perms,
                    "active", u->active ? "yes" : "no", JSON_END);
}

static inline int same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* What an upsert of u does to the stored user old. */
static inline regio_upsert_result user_change(const regio_user_info *old, const regio_user_info *u)
{
    return same_text(old->name, u->name) && same_text(old->email, u->email) &&
                   same_text(old->role, u->role) && old->perms == u->perms &&
                   old->active == (u->active != 0)
               ? REGIO_UPSERT_UNCHANGED
               : REGIO_UPSERT_UPDATED;
}

/* A membership's audit record and key ("user@territory"). */
static inline char *membership_json(const char *model, const regio_membership_info *m)
{
    return json_obj("model", model, "user", m->user, "territory", m->territory, "role", m->role,
                    "active", m->active ? "yes" : "no", "start", m->start, "end", m->end, JSON_END);
}

static inline void pair_key(char *key, size_t cap, const char *a, const char *b)
{
    snprintf(key, cap, "%s@%s", a, b);
}

/* The token's use is noted at most once a minute (reads stay reads):
 * whether a token last used at last (may be NULL) is noted again now. */
static inline int token_touch(const char *last, const char *now)
{
    return !last || strncmp(last, now, 16) != 0;
}

#endif
