/*
 * The store functions of goals and results (perf/perf_store.h): the
 * backend's perf vtable (store/perf_impl.h), with the handle's last-error
 * text kept in step as store.c does for the main table.
 */
#include "store/perf_impl.h"

#include <stdio.h>

#define PERF_DISPATCH(s, err, call)                                                    \
    REGIO__SUB_DISPATCH(s, err, perf, "this store holds no sales, quotas or activities", call)

regio_err regio__perf_account_keys(regio_store *s, regio__perf_account_cb cb, void *ud,
                                   regio_error *err)
{
    PERF_DISPATCH(s, err, account_keys(s, cb, ud, e_));
}

regio_err regio__perf_account_units(regio_store *s, regio__perf_placed_unit_cb cb, void *ud,
                                    regio_error *err)
{
    PERF_DISPATCH(s, err, account_units(s, cb, ud, e_));
}

regio_err regio__perf_account_columns_load(regio_store *s, regio__perf_account_cols *out,
                                          int *found, regio_error *err)
{
    PERF_DISPATCH(s, err, account_columns_load(s, out, found, e_));
}

regio_err regio__perf_account_columns_save(regio_store *s, const regio__perf_account_cols *c,
                                          uint64_t generation, regio_error *err)
{
    PERF_DISPATCH(s, err, account_columns_save(s, c, generation, e_));
}

regio_err regio__perf_model_units(regio_store *s, const char *model, regio__perf_placed_cb cb,
                                  void *ud, regio_error *err)
{
    PERF_DISPATCH(s, err, model_units(s, model, cb, ud, e_));
}

regio_err regio__perf_model_hand_moves(regio_store *s, const char *model,
                                       regio__perf_placed_cb cb, void *ud, regio_error *err)
{
    PERF_DISPATCH(s, err, model_hand_moves(s, model, cb, ud, e_));
}

regio_err regio__perf_territory_codes(regio_store *s, regio__perf_code_cb cb, void *ud,
                                      regio_error *err)
{
    PERF_DISPATCH(s, err, territory_codes(s, cb, ud, e_));
}

regio_err regio__perf_sales_settle(regio_store *s, long long *changed, regio_error *err)
{
    PERF_DISPATCH(s, err, sales_settle(s, changed, e_));
}

regio_err regio__perf_sales_count(regio_store *s, long long *n, regio_error *err)
{
    PERF_DISPATCH(s, err, sales_count(s, n, e_));
}

regio_err regio__perf_sale_put(regio_store *s, const regio__perf_sale *row, const char *id,
                               const char *product, const char *rep, int *changed,
                               regio_error *err)
{
    PERF_DISPATCH(s, err, sale_put(s, row, id, product, rep, changed, e_));
}

regio_err regio__perf_sales_scan(regio_store *s, regio_day from, regio_day to,
                                 regio__perf_sales_cb cb, void *ud, regio_error *err)
{
    PERF_DISPATCH(s, err, sales_scan(s, from, to, cb, ud, e_));
}

regio_err regio__perf_quota_put(regio_store *s, const regio__perf_quota *q, regio_error *err)
{
    PERF_DISPATCH(s, err, quota_put(s, q, e_));
}

regio_err regio__perf_quota_delete(regio_store *s, const char *territory, const char *period,
                                   regio_error *err)
{
    PERF_DISPATCH(s, err, quota_delete(s, territory, period, e_));
}

regio_err regio__perf_quotas_foreach(regio_store *s, regio__perf_quota_cb cb, void *ud,
                                     regio_error *err)
{
    PERF_DISPATCH(s, err, quotas_foreach(s, cb, ud, e_));
}

regio_err regio__perf_activity_put(regio_store *s, const regio__perf_activity *a, int replace,
                                   int *added, regio_error *err)
{
    PERF_DISPATCH(s, err, activity_put(s, a, replace, added, e_));
}

regio_err regio__perf_visits_scan(regio_store *s, regio_day from, regio_day to,
                                  regio__perf_visit_cb cb, void *ud, regio_error *err)
{
    PERF_DISPATCH(s, err, visits_scan(s, from, to, cb, ud, e_));
}

regio_err regio__perf_activities_foreach(regio_store *s, regio_day from, regio_day to,
                                         const char *user, regio__perf_activity_cb cb, void *ud,
                                         regio_error *err)
{
    PERF_DISPATCH(s, err, activities_foreach(s, from, to, user, cb, ud, e_));
}

regio_err regio__perf_people(regio_store *s, regio__perf_person_cb cb, void *ud,
                             regio_error *err)
{
    PERF_DISPATCH(s, err, people(s, cb, ud, e_));
}

regio_err regio__perf_keys_of(regio_store *s, const char *account, const char *person,
                              long long *account_key, long long *user_key, long long *rep_key,
                              regio_error *err)
{
    PERF_DISPATCH(s, err, keys_of(s, account, person, account_key, user_key, rep_key, e_));
}

regio_err regio__checkin_user_reps(regio_store *s, const char *login, regio__checkin_rep_cb cb,
                                   void *ud, regio_error *err)
{
    PERF_DISPATCH(s, err, user_reps(s, login, cb, ud, e_));
}

regio_err regio__checkin_rep_plans(regio_store *s, const char *rep, regio__checkin_plan_cb cb,
                                   void *ud, regio_error *err)
{
    PERF_DISPATCH(s, err, rep_plans(s, rep, cb, ud, e_));
}

regio_err regio__checkin_plan_day(regio_store *s, long plan_id, const char *rep, int day,
                                  regio_plan_visit_cb cb, void *ud, regio_error *err)
{
    PERF_DISPATCH(s, err, plan_day(s, plan_id, rep, day, cb, ud, e_));
}

regio_err regio__checkin_activity_find(regio_store *s, const char *id,
                                       regio__perf_activity_cb cb, void *ud, regio_error *err)
{
    PERF_DISPATCH(s, err, activity_find(s, id, cb, ud, e_));
}
