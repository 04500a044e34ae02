/*
 * Private to the store backends (sqlite_promotions.c, pg_promotions.c):
 * what effective-dated promotion decides and records, whichever database
 * holds the timeline (store/timeline_sql.h has the SQL of its entries) —
 * the day before a date, a model's state on a day, the refusals of a
 * promotion, an archive and a rollback, a rollback's default name, a
 * promotion's status on a day, and the audit records of promote, archive
 * and rollback — so that both backends answer and write alike.
 */
#ifndef REGIO_STORE_PROMOTION_CODEC_H
#define REGIO_STORE_PROMOTION_CODEC_H

#include "regio/buf.h"
#include "store/edit_codec.h"
#include "store/store_impl.h"

#include <stdio.h>
#include <string.h>

/* Longest model name handled by the life-cycle writes (bytes + NUL). */
#define PROMO_NAME_CAP 2048

/* What the timeline says about one day. */
typedef struct promo_force {
    long long model;     /* the model in force, 0 when none */
    long long latest;    /* model of the latest entry not after the day, 0 when none */
    long long promotion; /* that entry's promotion, 0 for a model created active */
    char eff[11];        /* that entry's effective date */
} promo_force;

/* Fills f from the latest entry not after day (latest its model, eff its
 * date, seq its promotion, ended the day it ended or NULL): its model is
 * in force unless the entry ended by then. */
static inline void promo_force_set(promo_force *f, long long latest, const char *eff,
                                   long long seq, const char *ended, const char *day)
{
    f->latest = latest;
    snprintf(f->eff, sizeof f->eff, "%s", eff ? eff : "");
    f->promotion = seq;
    f->model = ended && strcmp(ended, day) <= 0 ? 0 : latest;
}

/* A model as the life-cycle writes need it. */
typedef struct promo_model {
    long long id;
    regio_model_state stored; /* territory_models.state */
    char name[PROMO_NAME_CAP];
    char eff[11]; /* its effective_from, "" when none */
} promo_model;

/* What a promotion did, for its audit record. */
typedef struct promo {
    char today[11];
    promo_model m;              /* the model promoted */
    char prev[PROMO_NAME_CAP];  /* the model it takes over from on its date, "" when none */
    char was[PROMO_NAME_CAP];   /* the model in force today before it, "" when none */
    int scheduled;              /* its date is after today */
    regio_buf replaced;         /* JSON array of the scheduled models it replaced */
} promo;

static inline regio_err promo_oom(regio_error *err)
{
    return regio__store_fail(err, REGIO_ENOMEM, "out of memory building an audit record");
}

/* The stored state of a territory_models row. */
static inline regio_model_state promo_stored_state(const char *t)
{
    if (t && !strcmp(t, "active"))
        return REGIO_MODEL_ACTIVE;
    if (t && !strcmp(t, "archived"))
        return REGIO_MODEL_ARCHIVED;
    return REGIO_MODEL_PLANNING;
}

/* The n-digit number at p. */
static inline int promo_digits(const char *p, int n)
{
    int v = 0;
    while (n-- > 0)
        v = v * 10 + (*p++ - '0');
    return v;
}

/* The day before d (a valid date written YYYY-MM-DD) into out. */
static inline void promo_day_before(const char *d, char out[11])
{
    int y = promo_digits(d, 4), m = promo_digits(d + 5, 2), dd = promo_digits(d + 8, 2);
    if (--dd == 0) {
        static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        if (--m == 0) {
            m = 12;
            y--;
        }
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        dd = mdays[m - 1] + (m == 2 && leap);
    }
    /* Year 0 before 0001-01-01, which no day of the timeline precedes. */
    unsigned uy = y < 0 ? 0u : (unsigned)y % 10000u, um = (unsigned)m % 100u,
             ud = (unsigned)dd % 100u;
    snprintf(out, 11, "%04u-%02u-%02u", uy, um, ud);
}

/* A model's state on day d from the timeline: active when it is in force,
 * else by its last entry (eff "" when it has none): scheduled when that
 * is after d, archived when not; a model never on the timeline is
 * planning, or archived without ever taking effect. */
static inline regio_model_state promo_state(long long id, long long in_force, const char *last_eff,
                                            regio_model_state stored, const char *d)
{
    if (id == in_force)
        return REGIO_MODEL_ACTIVE;
    if (last_eff && *last_eff)
        return strcmp(last_eff, d) > 0 ? REGIO_MODEL_SCHEDULED : REGIO_MODEL_ARCHIVED;
    return stored == REGIO_MODEL_PLANNING ? REGIO_MODEL_PLANNING : REGIO_MODEL_ARCHIVED;
}

/* REGIO_ECONFLICT when model name, in state st today (eff its date), may
 * not be promoted; REGIO_OK for a planning model. */
static inline regio_err promo_check_state(const char *name, regio_model_state st, const char *eff,
                                          regio_error *err)
{
    if (st == REGIO_MODEL_ACTIVE)
        return regio__store_fail(err, REGIO_ECONFLICT, "territory model '%s' is already active",
                                 name);
    if (st == REGIO_MODEL_SCHEDULED)
        return regio__store_fail(err, REGIO_ECONFLICT,
                                 "territory model '%s' is already scheduled to become active on "
                                 "%s",
                                 name, eff);
    if (st == REGIO_MODEL_ARCHIVED)
        return regio__store_fail(err, REGIO_ECONFLICT,
                                 "territory model '%s' is archived and can never become active "
                                 "again; clone it and promote the clone",
                                 name);
    return REGIO_OK;
}

/* Whether a promotion from eff would rewrite what was in force (now: the
 * timeline on today): not before the latest model that took effect, nor
 * on its first day once that day is past. */
static inline int promo_rewrites(const char *eff, const promo_force *now, const char *today)
{
    int cmp = now->latest ? strcmp(eff, now->eff) : 1;
    return cmp < 0 || (cmp == 0 && strcmp(eff, today) < 0);
}

static inline regio_err promo_rewrite_fail(const char *eff, const char *latest,
                                           const char *latest_eff, regio_error *err)
{
    return regio__store_fail(err, REGIO_ECONFLICT,
                             "a promotion from %s would rewrite what was in force: '%s' took "
                             "effect on %s; choose a later date",
                             eff, latest, latest_eff);
}

static inline regio_err promo_bad_date(const char *d, regio_error *err)
{
    return regio__store_fail(err, REGIO_EINVAL,
                             "effective_from '%s' is not a date written YYYY-MM-DD", d ? d : "");
}

/* Adds {"model":M,"effective_from":E} to the replaced list (opened by '['). */
static inline int promo_replaced_add(promo *p, const char *model, const char *eff)
{
    regio_buf *r = &p->replaced;
    return (r->len > 1 && regio_buf_putc(r, ',')) || regio_buf_putc(r, '{') ||
           edit_kv(r, "model", model, 0) || edit_kv(r, "effective_from", eff, 1) ||
           regio_buf_putc(r, '}');
}

/* The after-JSON of a promotion, left open: state, date, previous,
 * archived, replaced. */
static inline int promo_json(regio_buf *a, const promo *p)
{
    const char *archived = !p->scheduled && p->was[0] ? p->was : NULL;
    return regio_buf_puts(a, "{") || edit_kv(a, "state", p->scheduled ? "scheduled" : "active", 0) ||
           edit_kv(a, "effective_from", p->m.eff, 1) ||
           edit_kv(a, "previous", p->prev[0] ? p->prev : NULL, 1) ||
           edit_kv(a, "archived", archived, 1) || regio_buf_puts(a, ",\"replaced\":") ||
           regio_buf_append(a, p->replaced.data, p->replaced.len);
}

/* The before- and after-JSON of "model.promote". */
static inline int promo_promote_json(regio_buf *b, regio_buf *a, const promo *p)
{
    return regio_buf_puts(b, "{\"state\":\"planning\",") ||
           edit_kv(b, "active", p->was[0] ? p->was : NULL, 0) || regio_buf_puts(b, "}") ||
           promo_json(a, p) || regio_buf_puts(a, "}");
}

/* The before- and after-JSON of "model.archive" of a model in state st. */
static inline void promo_archive_json(regio_model_state st, const char *today, char before[64],
                                      char after[96])
{
    snprintf(before, 64, "{\"state\":\"%s\"}", regio_model_state_name(st));
    if (st == REGIO_MODEL_SCHEDULED || st == REGIO_MODEL_ACTIVE)
        snprintf(after, 96, "{\"state\":\"archived\",\"withdrawn_on\":\"%s\"}", today);
    else
        snprintf(after, 96, "{\"state\":\"archived\"}");
}

static inline regio_err promo_archived_already(const char *name, regio_error *err)
{
    return regio__store_fail(err, REGIO_ECONFLICT, "territory model '%s' is already archived",
                             name);
}

/* A model created active that a scheduled promotion (of next, from
 * next_eff) takes over from has no promotion of its own to end. */
static inline regio_err promo_stays_until(const char *name, const char *next, const char *next_eff,
                                          regio_error *err)
{
    return regio__store_fail(err, REGIO_ECONFLICT,
                             "territory model '%s' stays in force until '%s' takes over on %s; "
                             "archive '%s' first to cancel that",
                             name, next, next_eff, next);
}

/* ---- rollback ------------------------------------------------------------------------- */

static inline regio_err promo_nothing_in_force(const char *eff, regio_error *err)
{
    return regio__store_fail(err, REGIO_ENOTFOUND,
                             "no territory model is in force on %s: nothing to roll back", eff);
}

static inline regio_err promo_no_previous(const char *cur, const char *eff, regio_error *err)
{
    return regio__store_fail(err, REGIO_ECONFLICT,
                             "territory model '%s' (in force on %s) took over from no other "
                             "model: there is nothing to roll back to",
                             cur, eff);
}

static inline regio_err promo_name_taken(const char *name, regio_error *err)
{
    return regio__store_fail(err, REGIO_ECONFLICT, "a territory model named '%s' already exists",
                             name);
}

/* Candidate i (1, 2, ... 999) of a rollback's default name into out:
 * "PREVIOUS-rollback-DAY" (PREVIOUS cut to keep the name within 100
 * characters, with room for "-NNN"), then "-2", "-3"... */
static inline void promo_rollback_name(const char *prev, const char *day, int i, char *out,
                                       size_t cap)
{
    char suffix[48];
    snprintf(suffix, sizeof suffix, "-rollback-%s", day);
    size_t keep = 100 - strlen(suffix) - 4, bytes = 0, chars = 0;
    for (; prev[bytes]; bytes++)
        if (((unsigned char)prev[bytes] & 0xc0) != 0x80 && ++chars > keep)
            break;
    if (i == 1)
        snprintf(out, cap, "%.*s%s", (int)bytes, prev, suffix);
    else
        snprintf(out, cap, "%.*s%s-%d", (int)bytes, prev, suffix, i);
}

static inline regio_err promo_no_free_name(const char *prev, regio_error *err)
{
    return regio__store_fail(err, REGIO_ECONFLICT, "no free name for the rollback of '%s'", prev);
}

/* The note and description of a rollback to prev from eff. */
static inline void promo_rollback_texts(const char *prev, const char *eff, char *note,
                                        size_t note_cap, char *desc, size_t desc_cap)
{
    snprintf(note, note_cap, "rollback to '%s'", prev);
    snprintf(desc, desc_cap, "rollback to '%s' from %s", prev, eff);
}

/* The before- and after-JSON of "model.rollback": cur was in force on its
 * date, prev is cloned with counts (territories, units, accounts,
 * memberships). */
static inline int promo_rollback_json(regio_buf *b, regio_buf *a, const promo *p, const char *cur,
                                      const char *prev, const long counts[4])
{
    return regio_buf_puts(b, "{") || edit_kv(b, "in_force", cur, 0) ||
           edit_kv(b, "active", p->was[0] ? p->was : NULL, 1) || regio_buf_puts(b, "}") ||
           promo_json(a, p) || edit_kv(a, "clone_of", prev, 1) ||
           regio_buf_printf(a,
                            ",\"territories\":%ld,\"units\":%ld,\"accounts\":%ld,"
                            "\"memberships\":%ld}",
                            counts[0], counts[1], counts[2], counts[3]);
}

/* ---- history ----------------------------------------------------------------------------- */

/* The status on day d of promotion pi (its id, date and withdrawal set),
 * f the timeline on d. */
static inline regio_promotion_status promo_status(const regio_promotion_info *pi, const char *d,
                                                  const promo_force *f)
{
    const char *eff = pi->effective_from ? pi->effective_from : "";
    if (pi->withdrawn_on && strcmp(pi->withdrawn_on, eff) < 0)
        return REGIO_PROMOTION_WITHDRAWN;
    if (strcmp(eff, d) > 0)
        return REGIO_PROMOTION_SCHEDULED;
    if (f->model && pi->id == (long)f->promotion)
        return REGIO_PROMOTION_IN_FORCE;
    if (pi->withdrawn_on && strcmp(pi->withdrawn_on, d) <= 0)
        return REGIO_PROMOTION_ENDED;
    return REGIO_PROMOTION_SUPERSEDED;
}

#endif
