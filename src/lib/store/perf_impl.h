/*
 * Private contract between the public store functions of goals and results
 * (store_perf.c, declared in perf/perf_store.h) and a backend: a third
 * vtable the backend's regio__store_ops points to (member `perf`), as the
 * rules have theirs.
 */
#ifndef REGIO_STORE_PERF_IMPL_H
#define REGIO_STORE_PERF_IMPL_H

#include "perf/perf_store.h"
#include "store/store_impl.h"

typedef struct regio__perf_ops {
    regio_err (*account_keys)(regio_store *s, regio__perf_account_cb cb, void *ud,
                              regio_error *err);
    regio_err (*account_units)(regio_store *s, regio__perf_placed_unit_cb cb, void *ud,
                               regio_error *err);
    regio_err (*model_units)(regio_store *s, const char *model, regio__perf_placed_cb cb,
                             void *ud, regio_error *err);
    regio_err (*model_hand_moves)(regio_store *s, const char *model, regio__perf_placed_cb cb,
                                  void *ud, regio_error *err);
    regio_err (*account_columns_load)(regio_store *s, regio__perf_account_cols *out, int *found,
                                      regio_error *err);
    regio_err (*account_columns_save)(regio_store *s, const regio__perf_account_cols *c,
                                      uint64_t generation, regio_error *err);
    regio_err (*territory_codes)(regio_store *s, regio__perf_code_cb cb, void *ud,
                                 regio_error *err);
    regio_err (*sales_count)(regio_store *s, long long *n, regio_error *err);
    regio_err (*sales_settle)(regio_store *s, long long *changed, regio_error *err);
    regio_err (*sale_put)(regio_store *s, const regio__perf_sale *row, const char *id,
                          const char *product, const char *rep, int *changed, regio_error *err);
    regio_err (*sales_scan)(regio_store *s, regio_day from, regio_day to,
                            regio__perf_sales_cb cb, void *ud, regio_error *err);
    regio_err (*quota_put)(regio_store *s, const regio__perf_quota *q, regio_error *err);
    regio_err (*quota_delete)(regio_store *s, const char *territory, const char *period,
                              regio_error *err);
    regio_err (*quotas_foreach)(regio_store *s, regio__perf_quota_cb cb, void *ud,
                                regio_error *err);
    regio_err (*activity_put)(regio_store *s, const regio__perf_activity *a, int replace,
                              int *added, regio_error *err);
    regio_err (*visits_scan)(regio_store *s, regio_day from, regio_day to,
                             regio__perf_visit_cb cb, void *ud, regio_error *err);
    regio_err (*activities_foreach)(regio_store *s, regio_day from, regio_day to,
                                    const char *user, regio__perf_activity_cb cb, void *ud,
                                    regio_error *err);
    regio_err (*people)(regio_store *s, regio__perf_person_cb cb, void *ud, regio_error *err);
    regio_err (*keys_of)(regio_store *s, const char *account, const char *person,
                         long long *account_key, long long *user_key, long long *rep_key,
                         regio_error *err);
    /* the check-in page's reads (perf/checkin.c; SQLite side in sqlite_checkin.c) */
    regio_err (*user_reps)(regio_store *s, const char *login, regio__checkin_rep_cb cb, void *ud,
                           regio_error *err);
    regio_err (*rep_plans)(regio_store *s, const char *rep, regio__checkin_plan_cb cb, void *ud,
                           regio_error *err);
    regio_err (*plan_day)(regio_store *s, long plan_id, const char *rep, int day,
                          regio_plan_visit_cb cb, void *ud, regio_error *err);
    regio_err (*activity_find)(regio_store *s, const char *id, regio__perf_activity_cb cb,
                               void *ud, regio_error *err);
} regio__perf_ops;

/* The SQLite backend's table (sqlite_perf.c). */
extern const regio__perf_ops regio__sq_perf_ops;
/* Its check-in reads (sqlite_checkin.c). */
regio_err regio__sq_user_reps(regio_store *s, const char *login, regio__checkin_rep_cb cb,
                              void *ud, regio_error *err);
regio_err regio__sq_rep_plans(regio_store *s, const char *rep, regio__checkin_plan_cb cb,
                              void *ud, regio_error *err);
regio_err regio__sq_plan_day(regio_store *s, long plan_id, const char *rep, int day,
                             regio_plan_visit_cb cb, void *ud, regio_error *err);
/* The sales lines dated in [from, to) streamed from the packed monthly
 * blocks (sqlite_sales_blocks.c); *used is 0 when the store has no valid
 * blocks (the caller reads the table). */
struct regio__sqlite_store;
/* The accounts' packed columns (sqlite_account_columns.c). */
regio_err regio__sq_account_columns_load(regio_store *s, regio__perf_account_cols *out,
                                         int *found, regio_error *err);
regio_err regio__sq_account_columns_save(regio_store *s, const regio__perf_account_cols *c,
                                         uint64_t generation, regio_error *err);
regio_err regio__sq_sales_blocks_scan(struct regio__sqlite_store *s, regio_day from, regio_day to,
                                      regio__perf_sales_cb cb, void *ud, int *used,
                                      regio_error *err);
regio_err regio__sq_activity_find(regio_store *s, const char *id, regio__perf_activity_cb cb,
                                  void *ud, regio_error *err);

#endif
