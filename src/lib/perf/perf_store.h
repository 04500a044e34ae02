/*
 * What goals and results read from and write to the store (library-private,
 * the store's `perf` vtable behind it: store/perf_impl.h). Accounts are named
 * by their row key (a stable integer) so that scans of millions of sales
 * lines carry no strings.
 */
#ifndef REGIO_PERF_STORE_H
#define REGIO_PERF_STORE_H

#include "regio/perf.h"

#include <stdint.h>

/* An account's key and what the figures read from it. */
typedef struct regio__perf_account {
    long long key;
    const char *id;          /* external id */
    const char *segment;     /* or NULL */
    double potential;        /* NAN when empty */
    double visits_per_year;  /* the custom column, NAN when empty or not a number */
} regio__perf_account;
typedef int (*regio__perf_account_cb)(void *ud, const regio__perf_account *a);

/* A model places an account in the territory its unit is aligned to
 * (unit: the unit's row key) unless a hand move (account: its key) puts it
 * elsewhere. */
typedef int (*regio__perf_placed_cb)(void *ud, long long key, const char *territory);
/* An account (key) and the row key of the unit it lies in. */
typedef int (*regio__perf_placed_unit_cb)(void *ud, long long account, long long unit);

/* A territory code some model has. */
typedef int (*regio__perf_code_cb)(void *ud, const char *code);

/* Sales line status as stored. */
enum { REGIO__SALE_WON = 0, REGIO__SALE_OPEN = 1, REGIO__SALE_LOST = 2 };

typedef struct regio__perf_sale {
    long long account;
    regio_day day;
    int status;
    double amount;
    double probability; /* NAN when empty */
} regio__perf_sale;
/* Sales lines come in batches: v[0..n), n >= 1 (a callback per line cost
 * more than crediting it). */
typedef int (*regio__perf_sales_cb)(void *ud, const regio__perf_sale *v, size_t n);

typedef struct regio__perf_quota {
    const char *territory;
    const char *period;      /* as given: 2027-01, 2027Q1, 2027 */
    regio_day start, end;
    double amount;
} regio__perf_quota;
typedef int (*regio__perf_quota_cb)(void *ud, const regio__perf_quota *q);

typedef struct regio__perf_activity {
    const char *id;
    long long account;
    long long user;          /* users.id or 0 */
    long long rep;           /* reps.id or 0 */
    const char *kind;
    const char *occurred_at; /* as given, ISO */
    regio_day day;
    double duration_min;
    const char *outcome, *notes;
    double lat, lon;
    /* when read back */
    const char *account_id, *user_name;
} regio__perf_activity;
typedef int (*regio__perf_activity_cb)(void *ud, const regio__perf_activity *a);

typedef int (*regio__perf_visit_cb)(void *ud, long long account, regio_day day);

/* Users (is_rep 0: key users.id, name the login) and reps (is_rep 1: key
 * reps.id, name the external id). */
typedef int (*regio__perf_person_cb)(void *ud, int is_rep, long long key, const char *name);

regio_err regio__perf_account_keys(regio_store *s, regio__perf_account_cb cb, void *ud,
                                   regio_error *err);
/* Every account that lies in a known unit, with the unit's key (in no
 * particular order). */
regio_err regio__perf_account_units(regio_store *s, regio__perf_placed_unit_cb cb, void *ud,
                                    regio_error *err);

/* The same four columns of every account side by side, in key order: key,
 * unit key (0 none), potential (0 when empty) and visits a year (NAN when
 * empty), as the store keeps them packed between changes to its accounts. */
typedef struct regio__perf_account_cols {
    size_t n;
    long long *key, *unit;
    double *potential, *freq;
} regio__perf_account_cols;
void regio__perf_account_cols_free(regio__perf_account_cols *c);
/* The packed columns into *out (freed with regio__perf_account_cols_free;
 * out NULL: only whether they are there); *found = 0 when the store holds
 * none that are current. */
regio_err regio__perf_account_columns_load(regio_store *s, regio__perf_account_cols *out,
                                          int *found, regio_error *err);
/* Keeps c packed for the next computations: inside a transaction, as part
 * of it; else in a transaction of its own, and only when the store's
 * generation is still `generation` (nothing changed since c was read) and
 * no other writer holds the store (then nothing is written, no error). */
regio_err regio__perf_account_columns_save(regio_store *s, const regio__perf_account_cols *c,
                                          uint64_t generation, regio_error *err);
/* Packs them when the store holds none that are current (perf.c). */
regio_err regio__perf_account_columns_ensure(regio_store *s, regio_error *err);
/* The units a model aligns and their territory; the accounts it moves by
 * hand and theirs. */
regio_err regio__perf_model_units(regio_store *s, const char *model, regio__perf_placed_cb cb,
                                  void *ud, regio_error *err);
regio_err regio__perf_model_hand_moves(regio_store *s, const char *model,
                                       regio__perf_placed_cb cb, void *ud, regio_error *err);
regio_err regio__perf_territory_codes(regio_store *s, regio__perf_code_cb cb, void *ud,
                                      regio_error *err);
regio_err regio__perf_sales_count(regio_store *s, long long *n, regio_error *err);
/* Lines regio__perf_sale_put reported with *changed 0 may wait in the
 * backend to be written together (a large import); this writes them and
 * says how many of them added or changed a row. The commit settles too. */
regio_err regio__perf_sales_settle(regio_store *s, long long *changed, regio_error *err);
/* Upserts one line by id (inside the caller's transaction); *changed says
 * whether a row was written (added or updated), or is 0 for a line the
 * backend keeps to write later (regio__perf_sales_settle counts those). */
regio_err regio__perf_sale_put(regio_store *s, const regio__perf_sale *row, const char *id,
                               const char *product, const char *rep, int *changed,
                               regio_error *err);
regio_err regio__perf_sales_scan(regio_store *s, regio_day from, regio_day to,
                                 regio__perf_sales_cb cb, void *ud, regio_error *err);
regio_err regio__perf_quota_put(regio_store *s, const regio__perf_quota *q, regio_error *err);
regio_err regio__perf_quota_delete(regio_store *s, const char *territory, const char *period,
                                   regio_error *err);
regio_err regio__perf_quotas_foreach(regio_store *s, regio__perf_quota_cb cb, void *ud,
                                     regio_error *err);
/* Inserts an activity; replace = 1 updates one with the same id, else
 * it is left as it is. *added: 1 a row was inserted, 2 one was changed,
 * 0 nothing was written. */
regio_err regio__perf_activity_put(regio_store *s, const regio__perf_activity *a, int replace,
                                   int *added, regio_error *err);
regio_err regio__perf_visits_scan(regio_store *s, regio_day from, regio_day to,
                                  regio__perf_visit_cb cb, void *ud, regio_error *err);
/* Activities dated in [from, to) (user: a login, or NULL for everyone's). */
regio_err regio__perf_activities_foreach(regio_store *s, regio_day from, regio_day to,
                                         const char *user, regio__perf_activity_cb cb, void *ud,
                                         regio_error *err);

regio_err regio__perf_people(regio_store *s, regio__perf_person_cb cb, void *ud,
                             regio_error *err);
/* The key of one account (external id) and of one person (a user's login,
 * else a rep's id); 0 for what is not found. */
regio_err regio__perf_keys_of(regio_store *s, const char *account, const char *person,
                              long long *account_key, long long *user_key, long long *rep_key,
                              regio_error *err);

/* ---- the check-in page's reads (perf/checkin.c) ---- */

typedef int (*regio__checkin_rep_cb)(void *ud, const char *rep);
typedef int (*regio__checkin_plan_cb)(void *ud, long plan_id, const char *cycle_start,
                                      int cycle_days);
/* The reps linked to user login (reps.user_id). */
regio_err regio__checkin_user_reps(regio_store *s, const char *login, regio__checkin_rep_cb cb,
                                   void *ud, regio_error *err);
/* The saved plans with a cycle start that hold visits of rep, newest first. */
regio_err regio__checkin_rep_plans(regio_store *s, const char *rep, regio__checkin_plan_cb cb,
                                   void *ud, regio_error *err);
/* The visits of rep on cycle day `day` of plan plan_id, by seq. */
regio_err regio__checkin_plan_day(regio_store *s, long plan_id, const char *rep, int day,
                                  regio_plan_visit_cb cb, void *ud, regio_error *err);
/* The activity with client id `id` (cb is not called when there is none);
 * account_id and user_name are set. */
regio_err regio__checkin_activity_find(regio_store *s, const char *id,
                                       regio__perf_activity_cb cb, void *ud, regio_error *err);

#endif
