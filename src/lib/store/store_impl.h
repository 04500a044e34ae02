/*
 * Private contract between the public store interface (store.c) and its
 * backends (store_sqlite.c; store_pg.c, built with libpq). A backend embeds
 * struct regio_store as its first member and fills a regio__store_ops table;
 * an operation it does not have (yet) is NULL there, and store.c fails it
 * with REGIO_EUNSUPPORTED.
 */
#ifndef REGIO_STORE_IMPL_H
#define REGIO_STORE_IMPL_H

#include "regio/backup.h"
#include "regio/challenge.h"
#include "regio/org.h"
#include "regio/store.h"

#include <stdint.h>

typedef struct regio__store_ops {
    const char *name; /* "sqlite", "PostgreSQL" */
    void (*close)(regio_store *s);
    int (*schema_version)(const regio_store *s);
    regio_err (*begin)(regio_store *s, regio_error *err);
    regio_err (*commit)(regio_store *s, regio_error *err);
    regio_err (*rollback)(regio_store *s, regio_error *err);
    /* A unit of work inside whatever is open: *own = 1 and begin when no
     * transaction is, else a savepoint; nest_end commits / releases it on
     * rc == REGIO_OK, else undoes it (and only it). */
    regio_err (*nest_begin)(regio_store *s, int *own, regio_error *err);
    regio_err (*nest_end)(regio_store *s, int own, regio_err rc, regio_error *err);

    regio_err (*account_upsert)(regio_store *s, const regio_account *a,
                                regio_upsert_result *out, regio_error *err);
    regio_err (*rep_upsert)(regio_store *s, const regio_rep *r, regio_upsert_result *out,
                            regio_error *err);
    /* n reps at once (may be NULL: store.c calls rep_upsert n times) */
    regio_err (*reps_upsert_many)(regio_store *s, const regio_rep *r, size_t n,
                                  regio_upsert_result *out, size_t *bad, regio_error *err);
    regio_err (*unit_upsert)(regio_store *s, const regio_unit *u, regio_upsert_result *out,
                             regio_error *err);
    regio_err (*adjacency_replace)(regio_store *s, const regio_adj_edge *edges, size_t n,
                                   regio_error *err);
    regio_err (*accounts_query)(regio_store *s, const regio_account_query *q,
                                regio_account_cb cb, void *ud, long *total, regio_error *err);
    regio_err (*accounts_foreach)(regio_store *s, regio_account_cb cb, void *ud,
                                  regio_error *err);
    regio_err (*accounts_get)(regio_store *s, const char *const *ids, size_t n,
                              regio_account_cb cb, void *ud, regio_error *err);
    regio_err (*reps_foreach)(regio_store *s, regio_rep_cb cb, void *ud, regio_error *err);
    regio_err (*units_foreach)(regio_store *s, int with_geometry, regio_unit_cb cb, void *ud,
                               regio_error *err);
    regio_err (*adjacency_foreach)(regio_store *s, regio_adj_cb cb, void *ud,
                                   regio_error *err);
    regio_err (*account_set_unit)(regio_store *s, const char *const *account_ids,
                                  const char *const *unit_ids, size_t n, regio_error *err);
    regio_err (*unit_measures_from_accounts)(regio_store *s, regio_error *err);
    regio_err (*unit_measure_set)(regio_store *s, const char *name, const char *const *ids,
                                  const double *values, size_t n, regio_error *err);
    regio_err (*stats)(regio_store *s, regio_store_counts *out, regio_error *err);

    regio_err (*model_create)(regio_store *s, const char *name, regio_model_state state,
                              const char *effective_from, const char *parent,
                              const char *description, long *id_out, regio_error *err);
    regio_err (*model_find)(regio_store *s, const char *name, regio_model_info *out,
                            regio_error *err);
    regio_err (*model_list)(regio_store *s, regio_model_cb cb, void *ud, regio_error *err);
    regio_err (*territory_upsert)(regio_store *s, const char *model, const char *ext_id,
                                  const char *name, const char *parent_ext_id,
                                  regio_error *err);
    regio_err (*units_fingerprint)(regio_store *s, uint64_t *fp, regio_error *err);
    regio_err (*model_reset)(regio_store *s, const char *name, const char *actor,
                             regio_error *err);
    regio_err (*territory_set_rep)(regio_store *s, const char *model, const char *ext_id,
                                   const char *rep, regio_error *err);
    regio_err (*alignment_set)(regio_store *s, const char *model, const char *unit_id,
                               const char *territory, regio_error *err);
    /* n territories / alignment rows at once (may be NULL: store.c calls
     * the one-row operations); rows store.c has checked. */
    regio_err (*territories_write)(regio_store *s, const char *model,
                                   const regio_territory_write *t, size_t n, size_t *bad,
                                   int *bad_rep, regio_error *err);
    regio_err (*alignment_set_many)(regio_store *s, const char *model,
                                    const char *const *unit_ids, const char *const *territories,
                                    size_t n, size_t *bad, regio_error *err);
    regio_err (*alignment_foreach)(regio_store *s, const char *model, regio_alignment_cb cb,
                                   void *ud, regio_error *err);
    regio_err (*alignment_revision)(regio_store *s, const char *model, long *rev,
                                    regio_error *err);
    regio_err (*model_reasons_set)(regio_store *s, const char *model, const regio_unit_reason *r,
                                   size_t n, regio_error *err);
    regio_err (*model_reasons_foreach)(regio_store *s, const char *model, regio_reason_cb cb,
                                       void *ud, regio_error *err);
    regio_err (*generation)(regio_store *s, uint64_t *gen, regio_error *err);
    /* NULL: generation. */
    regio_err (*generation_seen)(regio_store *s, uint64_t *gen, regio_error *err);
    regio_err (*others_version)(regio_store *s, long *v, regio_error *err);
    regio_err (*access_epoch)(regio_store *s, long long *epoch, regio_error *err);

    regio_err (*model_clone)(regio_store *s, const char *from, const char *new_name,
                             const char *description, const char *actor, long *id_out,
                             regio_error *err);
    regio_err (*model_promote)(regio_store *s, const char *name, const char *effective_from,
                               const char *actor, regio_error *err);
    regio_err (*model_archive)(regio_store *s, const char *name, const char *actor,
                               regio_error *err);
    /* effective-dated promotion (sqlite_promotions.c) */
    regio_err (*model_find_at)(regio_store *s, const char *name, const char *day,
                               regio_model_info *out, regio_error *err);
    regio_err (*model_list_at)(regio_store *s, const char *day, regio_model_cb cb, void *ud,
                               regio_error *err);
    regio_err (*promotions_foreach)(regio_store *s, const char *day, regio_promotion_cb cb,
                                    void *ud, regio_error *err);
    regio_err (*model_rollback)(regio_store *s, const char *effective_from,
                                const char *new_name, const char *actor, char **name_out,
                                regio_error *err);
    regio_err (*alignment_apply)(regio_store *s, const char *model, long expected_rev,
                                 const regio_alignment_row *rows, size_t n, const char *actor,
                                 long *new_rev, regio_apply_status *status, regio_error *err);
    regio_err (*alignment_lock)(regio_store *s, const char *model, long expected_rev,
                                const char *const *unit_ids, size_t n, int locked,
                                const char *actor, long *new_rev, regio_apply_status *status,
                                regio_error *err);
    regio_err (*territories_foreach)(regio_store *s, const char *model, regio_territory_cb cb,
                                     void *ud, regio_error *err);

    regio_err (*plan_save)(regio_store *s, const regio_plan_info *plan,
                           const regio_plan_visit_row *visits, size_t n, const char *actor,
                           long *id_out, regio_error *err);
    regio_err (*plans_foreach)(regio_store *s, const char *model, regio_plan_info_cb cb,
                               void *ud, regio_error *err);
    regio_err (*plan_visits_foreach)(regio_store *s, long plan_id, regio_plan_visit_cb cb,
                                     void *ud, regio_error *err);

    regio_err (*audit_append)(regio_store *s, const char *actor, const char *action,
                              const char *object_type, const char *object_id,
                              const char *before_json, const char *after_json,
                              regio_error *err);
    regio_err (*audit_verify)(regio_store *s, long *bad_id, regio_error *err);

    /* the organisation (sqlite_org.c) */
    regio_err (*role_upsert)(regio_store *s, const char *name, const char *parent, const char *actor, regio_error *err);
    regio_err (*roles_foreach)(regio_store *s, regio_role_cb cb, void *ud, regio_error *err);
    regio_err (*user_upsert)(regio_store *s, const regio_user_info *u, const char *actor, regio_upsert_result *out, regio_error *err);
    /* n users at once (may be NULL: store.c calls user_upsert n times) */
    regio_err (*users_upsert_many)(regio_store *s, const regio_user_info *u, size_t n,
                                   const char *actor, regio_upsert_result *out, size_t *bad,
                                   regio_error *err);
    regio_err (*users_foreach)(regio_store *s, const char *login, regio_user_cb cb, void *ud, regio_error *err);
    regio_err (*user_set_active)(regio_store *s, const char *login, int active, const char *actor, regio_error *err);
    regio_err (*user_set_password_hash)(regio_store *s, const char *login, const char *hash, const char *actor, regio_error *err);
    regio_err (*user_password_hash)(regio_store *s, const char *login, char **hash, int *active, regio_error *err);
    regio_err (*login_users)(regio_store *s, long *n, regio_error *err);
    regio_err (*territory_set_access)(regio_store *s, const char *model, const char *ext_id, const char *level, const char *actor, regio_error *err);
    regio_err (*territory_edit)(regio_store *s, const char *model, const char *ext_id,
                                const char *name, int set_parent, const char *parent,
                                const char *level, const char *actor, regio_error *err);
    regio_err (*membership_upsert)(regio_store *s, const char *model, const regio_membership_info *m, const char *actor, regio_error *err);
    /* n memberships at once (may be NULL: store.c calls membership_upsert
     * n times); rows store.c has checked. */
    regio_err (*memberships_upsert_many)(regio_store *s, const char *model,
                                         const regio_membership_info *m, size_t n,
                                         const char *actor, size_t *bad, regio_error *err);
    regio_err (*membership_remove)(regio_store *s, const char *model, const char *user, const char *territory, const char *role, const char *actor, regio_error *err);
    regio_err (*memberships_foreach)(regio_store *s, const char *model, regio_membership_cb cb, void *ud, regio_error *err);
    regio_err (*association_set)(regio_store *s, const char *model, const char *account, const char *territory, int add, const char *actor, regio_error *err);
    regio_err (*associations_foreach)(regio_store *s, const char *model, regio_association_cb cb, void *ud, regio_error *err);
    regio_err (*account_keys_foreach)(regio_store *s, regio_account_key_cb cb, void *ud, regio_error *err);
    regio_err (*model_in_force)(regio_store *s, const char *day, regio_model_info *out, regio_error *err);
    regio_err (*token_add)(regio_store *s, const char *login, const char *token_hash, const char *label, const char *actor, long *id, regio_error *err);
    regio_err (*token_user)(regio_store *s, const char *token_hash, char **login, regio_error *err);
    regio_err (*token_revoke)(regio_store *s, const char *login, long id, const char *actor, regio_error *err);
    regio_err (*tokens_foreach)(regio_store *s, const char *login, regio_token_cb cb, void *ud, regio_error *err);
    regio_err (*session_add)(regio_store *s, const char *id_hash, const char *login, const char *csrf, long long expires, regio_error *err);
    regio_err (*session_find)(regio_store *s, const char *id_hash, long long now, char **login, char **csrf, regio_error *err);
    regio_err (*session_remove)(regio_store *s, const char *id_hash, long long now, regio_error *err);
    regio_err (*audit_foreach)(regio_store *s, const char *since, const char *user, regio_audit_cb cb, void *ud, regio_error *err);
    /* assignment rules, territory types, owners (store/rules_impl.h) */
    const struct regio__rules_ops *rules;
    /* goals and results: sales lines, quotas, activities (store/perf_impl.h) */
    const struct regio__perf_ops *perf;
    /* the job queue (store/jobs_impl.h) */
    const struct regio__jobs_ops *jobs;

    /* challenges (sqlite_challenges.c) */
    regio_err (*challenge_add)(regio_store *s, const regio_challenge *c, const char *actor,
                               long *id, regio_error *err);
    regio_err (*challenge_close)(regio_store *s, long id, regio_challenge_state to,
                                 const char *by, const char *note, int auto_approved,
                                 const char *actor, regio_error *err);
    regio_err (*challenges_foreach)(regio_store *s, const char *model, long id,
                                    regio_challenge_cb cb, void *ud, regio_error *err);
    regio_err (*model_auto_approval)(regio_store *s, const char *model, int *on,
                                     double *tolerance, regio_error *err);
    regio_err (*model_set_auto_approval)(regio_store *s, const char *model, int on,
                                         double tolerance, const char *actor, regio_error *err);
    /* copying a whole store, table by table (store/copy_impl.h) */
    const struct regio__copy_ops *copy;
} regio__store_ops;

struct regio_store {
    const regio__store_ops *ops;
    char errmsg[768]; /* most recent failure, "" if none */
};

/* Opens the SQLite backend (store_sqlite.c). */
regio_err regio__sqlite_open(const char *path, regio_store **out, regio_error *err);

/* Removes a SQLite store file and its -journal, -wal and -shm files
 * (sqlite_backup.c). */
void regio__sqlite_file_remove(const char *path);

/* 1 when location names a PostgreSQL database (postgres:// or
 * postgresql://), which store.c opens with the PostgreSQL backend. */
int regio__store_is_pg(const char *location);

#ifdef REGIO_HAVE_PG
/* Opens the PostgreSQL backend (store_pg.c); built only with libpq. Its
 * errors never repeat the location, which may hold a password. */
regio_err regio__pg_open(const char *location, regio_store **out, regio_error *err);
/* regio_store_check_file on a postgresql:// location (pg_check.c). */
regio_err regio__pg_check_store(const char *location, regio_check_fn cb, void *ud,
                                long *problems, regio_error *err);
#endif

/* Runs one call of a backend's second vtable (member `table` of the
 * handle's ops: rules, perf, jobs) with a guaranteed error struct, failing
 * with REGIO_EUNSUPPORTED and `none` when the backend has no such table,
 * and records a failure's text on the handle. */
#define REGIO__SUB_DISPATCH(s, err, table, none, call)                                  \
    do {                                                                               \
        regio_error local_;                                                            \
        regio_error *e_ = (err) ? (err) : &local_;                                     \
        regio_error_clear(e_);                                                         \
        if (!(s) || !(s)->ops->table)                                                  \
            return regio__store_fail(e_, REGIO_EUNSUPPORTED, "%s", none);              \
        regio_err rc_ = (s)->ops->table->call;                                         \
        if (rc_) {                                                                     \
            e_->code = rc_;                                                            \
            if (!e_->msg[0])                                                           \
                regio_error_setf(e_, rc_, NULL, 0, NULL, "%s", regio_strerror(rc_));   \
            snprintf((s)->errmsg, sizeof (s)->errmsg, "%s", e_->msg);                  \
        }                                                                              \
        return rc_;                                                                    \
    } while (0)

/* Whether d is a real calendar date written YYYY-MM-DD (store.c). */
int regio__is_date(const char *d);

/* Today's date, UTC, into day (store.c). */
void regio__today(char day[11]);
/* day into buf, or today (UTC) when day is NULL; REGIO_EINVAL naming a day
 * that is no real date written YYYY-MM-DD (store.c). */
regio_err regio__day(const char *day, char buf[11], regio_error *err);

/* Fills err (may be NULL) with code and a printf-style message; returns code. */
#define regio__store_fail(err, code, ...)                                      \
    regio_error_setf((err), (code), NULL, 0, NULL, __VA_ARGS__)

/* 64-bit FNV-1a-style content hash (word-wise, see store.c) with
 * unambiguous field framing; stable across runs and platforms of one
 * endianness, since it is stored as row_hash. */
typedef struct regio__hash {
    uint64_t h;
} regio__hash;
void regio__hash_init(regio__hash *h);
/* Adds a string field; NULL and "" hash differently. */
void regio__hash_str(regio__hash *h, const char *s);
void regio__hash_bytes(regio__hash *h, const void *p, size_t n);
/* Adds a double; every NAN hashes alike, -0.0 like 0.0. */
void regio__hash_num(regio__hash *h, double v);
void regio__hash_int(regio__hash *h, int64_t v);

#endif
