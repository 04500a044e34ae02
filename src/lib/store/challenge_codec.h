/*
 * Private to the store backends (sqlite_challenges.c, pg_challenges.c):
 * what the store decides and records about challenges whichever database
 * holds them — the names of their states, the audit actions and objects,
 * the checks of a close and of a balance tolerance, and their refusals —
 * so that both backends answer and write alike.
 */
#ifndef REGIO_STORE_CHALLENGE_CODEC_H
#define REGIO_STORE_CHALLENGE_CODEC_H

#include "regio/buf.h"
#include "regio/challenge.h"
#include "store/store_impl.h"

#include <stdio.h>
#include <string.h>

static const char *const CHALLENGE_STATES[] = {"open", "approved", "rejected", "withdrawn"};
static const char *const CHALLENGE_CLOSE_ACTIONS[] = {NULL, "challenge.approve",
                                                      "challenge.reject", "challenge.withdraw"};

/* The state named t (as stored); open when unknown. */
static inline regio_challenge_state challenge_state_of(const char *t)
{
    for (int k = 0; t && k < 4; k++)
        if (!strcmp(t, CHALLENGE_STATES[k]))
            return (regio_challenge_state)k;
    return REGIO_CHALLENGE_OPEN;
}

/* Appends "key":value to an audit object being built in b (value NULL:
 * null); the first pair opens it. */
static inline regio_err challenge_put(regio_buf *b, const char *key, const char *value)
{
    regio_err rc = regio_buf_putc(b, b->len ? ',' : '{');
    if (!rc)
        rc = regio_buf_json_str(b, key);
    if (!rc)
        rc = regio_buf_putc(b, ':');
    if (!rc)
        rc = value ? regio_buf_json_str(b, value) : regio_buf_puts(b, "null");
    return rc;
}

/* The audit object of a challenge: what it is about and where it stands. */
static inline regio_err challenge_describe(regio_buf *b, const regio_challenge *c)
{
    regio_err rc = challenge_put(b, "model", c->model);
    if (!rc)
        rc = challenge_put(b, "territory", c->territory);
    if (!rc)
        rc = challenge_put(b, c->unit ? "unit" : "account", c->unit ? c->unit : c->account);
    if (!rc)
        rc = challenge_put(b, "from", c->from);
    if (!rc)
        rc = challenge_put(b, "to", c->to);
    if (!rc)
        rc = challenge_put(b, "raised_by", c->raised_by);
    if (!rc)
        rc = challenge_put(b, "reason", c->reason);
    if (!rc)
        rc = challenge_put(b, "status", CHALLENGE_STATES[c->state]);
    if (!rc && c->state != REGIO_CHALLENGE_OPEN) {
        rc = challenge_put(b, "decided_by", c->decided_by);
        if (!rc)
            rc = challenge_put(b, "note", c->note);
        if (!rc && c->auto_approved)
            rc = regio_buf_puts(b, ",\"auto_approved\":true");
    }
    if (!rc)
        rc = regio_buf_putc(b, '}');
    return rc;
}

/* The audit record of a challenge just raised (id) into b. */
static inline regio_err challenge_raise_json(regio_buf *b, const regio_challenge *c, long id,
                                             char key[32], regio_error *err)
{
    regio_challenge open = *c;
    open.state = REGIO_CHALLENGE_OPEN;
    snprintf(key, 32, "%ld", id);
    if (challenge_describe(b, &open))
        return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    return REGIO_OK;
}

/* The store's own checks of a close, before anything is read. */
static inline regio_err challenge_close_check(regio_challenge_state to, int auto_approved,
                                              regio_error *err)
{
    if (to == REGIO_CHALLENGE_OPEN || (int)to < 0 || (int)to > REGIO_CHALLENGE_WITHDRAWN)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "a challenge is closed as approved, rejected or withdrawn");
    if (auto_approved && to != REGIO_CHALLENGE_APPROVED)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "only an approval is automatic");
    return REGIO_OK;
}

/* Whether challenge id, read n times (0 or 1) in state st, may be closed. */
static inline regio_err challenge_closable(long id, int n, regio_challenge_state st,
                                           regio_error *err)
{
    if (n == 0)
        return regio_error_setf(err, REGIO_ENOTFOUND, NULL, 0, NULL, "no challenge %ld", id);
    if (st != REGIO_CHALLENGE_OPEN)
        return regio_error_setf(err, REGIO_ECONFLICT, NULL, 0, NULL,
                                "challenge %ld is %s already: only an open challenge is decided "
                                "or withdrawn",
                                id, CHALLENGE_STATES[st]);
    return REGIO_OK;
}

/* Who closing a challenge is recorded as. */
static inline const char *challenge_closer(const char *actor, const char *by)
{
    return actor ? actor : (by ? by : "auto");
}

/* The one challenge a close reads, copied. */
typedef struct challenge_found {
    int n;
    regio_buf text;    /* audit JSON of the challenge */
    regio_challenge c; /* its strings are valid only during the read */
} challenge_found;

/* A regio_challenge_cb keeping the challenge read in a challenge_found. */
static inline int challenge_keep(void *ud, const regio_challenge *c)
{
    challenge_found *f = ud;
    f->n++;
    f->c = *c;
    return challenge_describe(&f->text, c) != REGIO_OK;
}

/* "unknown WHAT 'KEY'": what a challenge names is not in the store. */
static inline regio_err challenge_unknown(const char *what, const char *key, regio_error *err)
{
    return regio_error_setf(err, REGIO_EDATA, NULL, 0, NULL, "unknown %s '%s'", what, key);
}

static inline regio_err challenge_not_planning(const char *model, regio_error *err)
{
    return regio_error_setf(err, REGIO_ECONFLICT, NULL, 0, NULL,
                            "territory model '%s' is not a planning model: only the changes of "
                            "a planning model are challenged",
                            model);
}

/* A balance tolerance is a share below 1 (0 or less: keep the model's). */
static inline regio_err challenge_tolerance_check(double tolerance, regio_error *err)
{
    if (!(tolerance < 1))
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "a balance tolerance is a share above 0 and below 1 (0.05 is "
                                "5%%)");
    return REGIO_OK;
}

/* One side of the audit record of "model.auto_approval". */
static inline void challenge_auto_json(char buf[96], int on, double tolerance)
{
    snprintf(buf, 96, "{\"auto_approve\":%s,\"balance_tolerance\":%.6g}", on ? "true" : "false",
             tolerance);
}

#endif
