/*
 * Visits logged where they happen (issue 13, item 6): a user's stops for a
 * day from the stored call plans, in route order, each with whether a visit
 * was logged for it that day; the logged activities read back by period;
 * and one activity looked up by the client id it was logged with (so that a
 * retry can be told from a new visit). Logging itself is
 * regio_activities_log (regio/perf.h).
 */
#ifndef REGIO_CHECKIN_H
#define REGIO_CHECKIN_H

#include "regio/core.h"
#include "regio/perf.h"
#include "regio/store.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One stop of a day: a planned visit with its account. Strings owned by the
 * regio_checkin_day holding it. */
typedef struct regio_checkin_stop {
    char *rep;               /* rep external id */
    int seq;                 /* 1-based position in the rep's day */
    char *account;           /* account external id */
    char *name;              /* account name, or NULL */
    char *street, *city, *region, *postal_code; /* or NULL */
    double lat, lon;         /* NAN when unknown */
    long arrival_s;          /* planned arrival, seconds since midnight (-1: unknown) */
    long departure_s;        /* planned departure (-1: unknown) */
    long plan_id;            /* the saved plan (regio_store_plans_foreach) */
    int cycle_day;           /* its day of the plan's cycle, 1-based */
    /* The first visit (type visit) logged for the account that day, by
     * anyone: its client id, when (as logged) and by whom (login or rep
     * id); all NULL when none was. */
    char *visit_id, *visited_at, *visited_by;
} regio_checkin_stop;

/* A user's day. Owned by the caller; free with regio_checkin_day_free. */
typedef struct regio_checkin_day {
    char date[11];           /* "YYYY-MM-DD" */
    char **reps;             /* the reps whose plans were read (see regio_checkin_day_load) */
    size_t n_reps;
    regio_checkin_stop *stops; /* rep by rep (in reps order), each in route order */
    size_t n;
} regio_checkin_day;

/*
 * The stops of user `login` on `date` ("YYYY-MM-DD"; NULL: today, UTC)
 * from the stored call plans. Whose plans: the rep linked to the user
 * (reps.user_id); else the reps of the territories of the model in force
 * that day in which the user has an active, current membership of role
 * owner, rep or overlay; else the rep whose id is the login. For each rep
 * the newest saved plan holding their visits whose cycle has started by
 * `date` decides: cycles repeat, working days run Monday to Friday from
 * the cycle start, so `date` is cycle day (working days since the start
 * mod cycle_days) + 1; a Saturday or Sunday has no stops. A user with no
 * rep or no plan gets an empty day (n_reps tells which). REGIO_EINVAL for
 * a date that is not one; store errors as they come. *out is owned by the
 * caller.
 */
REGIO_API regio_err regio_checkin_day_load(regio_store *s, const char *login, const char *date,
                                           regio_checkin_day **out, regio_error *err);

/* Frees a day; accepts NULL. */
REGIO_API void regio_checkin_day_free(regio_checkin_day *d);

/* An activity as read back: the fields of regio_activity (date is the time
 * it was logged with, as given; user the login, or the rep id when it was
 * logged for a rep without a user). Valid only during the callback. */
typedef int (*regio_activity_cb)(void *ud, const regio_activity *a);

/* Calls cb for every activity dated in period p (by day, time, id) — of
 * `user` only (a login or a rep id) when it is not NULL. */
REGIO_API regio_err regio_activities_foreach(regio_store *s, regio_period p, const char *user,
                                             regio_activity_cb cb, void *ud, regio_error *err);

/*
 * Looks up the activity logged with client id `id`: *found says whether
 * there is one; when there is, its account id and user (login or rep id)
 * are copied into account and user (cap bytes each, truncated; may be
 * NULL). No ownership.
 */
REGIO_API regio_err regio_activity_lookup(regio_store *s, const char *id, int *found,
                                          char *account, char *user, size_t cap,
                                          regio_error *err);

#ifdef __cplusplus
}
#endif
#endif
