/*
 * Private to the SQLite backend: the handle, its cached statements and the
 * helpers its files share (store_sqlite.c: connection, transactions, bulk
 * mode; sqlite_records.c: accounts, reps, units, adjacency; sqlite_models.c:
 * models, territories, alignments; sqlite_scenarios.c: clones, resets and
 * batched alignment edits; sqlite_promotions.c: the model in force, states
 * for a day, promote, archive, rollback; sqlite_plans.c: call plans;
 * sqlite_audit.c: the audit chain).
 */
#ifndef REGIO_STORE_SQLITE_IMPL_H
#define REGIO_STORE_SQLITE_IMPL_H

#include "regio/buf.h"
#include "store/store_impl.h"

#include <math.h>
#include <sqlite3.h>
#include <time.h>

/* Statements prepared once per handle (store_sqlite.c holds their SQL). */
enum regio__sq_stmt_id {
    REGIO_ST_ACC_UPSERT,
    REGIO_ST_ACC_SET_UNIT,
    REGIO_ST_REP_GET,
    REGIO_ST_REP_INS,
    REGIO_ST_REP_UPD,
    REGIO_ST_USER_UPSERT,
    REGIO_ST_UNIT_GET,
    REGIO_ST_UNIT_INS,
    REGIO_ST_UNIT_UPD,
    REGIO_ST_UNIT_ID,
    REGIO_ST_ADJ_INS,
    REGIO_ST_MODEL_ID,
    REGIO_ST_MODEL_ACTIVE_ID,
    REGIO_ST_TERR_ID,
    REGIO_ST_ALIGN_SET,
    REGIO_ST_ALIGN_DEL,
    REGIO_ST_MODEL_BUMP,
    REGIO_ST_SALE_UPSERT,
    REGIO_ST_SALE_STAGE,
    REGIO_ST_ACTIVITY_UPSERT,
    REGIO_ST_ACTIVITY_INSERT,
    REGIO_ST_COUNT
};

#define REGIO_SQ_CACHE 48

typedef struct regio__sqlite_store {
    regio_store base; /* first: the public handle */
    sqlite3 *db;
    int version;
    sqlite3_stmt *st[REGIO_ST_COUNT];
    regio_buf json; /* scratch for attrs JSON, reused by every upsert */
    int user_txn;     /* inside regio_store_begin .. commit/rollback */
    long txn_upserts; /* accounts written in the current user transaction */
    int sales_tracking;     /* this transaction wrote sales lines (sqlite_sales_blocks.c) */
    long long sales_max_id; /* the largest sales line id before it did */
    long sales_puts;        /* lines it wrote */
    long sales_staged;      /* lines waiting in temp.regio_sales_stage */
    long long quiet_changes; /* rows written as bookkeeping, left out of the generation */
    /* Tokens' uses not yet noted (regio__sq_token_user): written together
     * once the oldest is a minute old, and when the store closes. */
    struct regio__sq_touch *touch;
    size_t n_touch, cap_touch;
    time_t touch_since;
    unsigned bulk_tables; /* tables whose indexes are dropped: bit 1 accounts */
    char *bulk_sql[8]; /* secondary account indexes dropped for a bulk load */
    int n_bulk;
    time_t now_t;
    char now[32];
    /* Statements regio__sq_prepare made, kept for the next use of the same
     * SQL (regio__sq_release resets them instead of finalizing): parsing
     * the timeline query cost more than running it. */
    struct {
        sqlite3_stmt *st; /* its SQL: sqlite3_sql(st) */
        int busy;
        unsigned long used;
    } cache[REGIO_SQ_CACHE];
    unsigned long cache_tick;
} regio__sqlite_store;

#define REGIO_SQ(s) ((regio__sqlite_store *)(s))


/* How a sales line given again by its id is written: its values replaced,
 * and nothing written when they are the same (the one-line upsert and the
 * staged lines' INSERT ... SELECT end with it). */
#define REGIO_SQ_SALE_UPSERT_TAIL                                                               \
    " ON CONFLICT(ext_id) DO UPDATE SET account_id = excluded.account_id, day = excluded.day,"  \
    " status = excluded.status, amount = excluded.amount,"                                      \
    " probability = excluded.probability, product = excluded.product, rep = excluded.rep"       \
    " WHERE (account_id, day, status, amount, probability, product, rep) IS NOT"                \
    " (excluded.account_id, excluded.day, excluded.status, excluded.amount,"                    \
    " excluded.probability, excluded.product, excluded.rep)"

/* Accounts added or changed in one transaction before it switches to bulk
 * mode (see regio__sq_bulk_enter). */
#define REGIO_BULK_AFTER 20000

/* How long a statement waits for another connection's write lock. */
#define REGIO_SQ_BUSY_MS 10000

/* Makes db wait up to REGIO_SQ_BUSY_MS for another connection's lock (on)
 * or not at all (off), in short sleeps (store_sqlite.c). */
void regio__sq_busy_wait(sqlite3 *db, int on);

/* Atomic multi-statement writes: an IMMEDIATE transaction of their own when
 * the caller has none open, else a savepoint inside the caller's. */
typedef struct regio__sq_txn {
    int own;
} regio__sq_txn;


/* Maps the connection's last SQLite error onto a regio error code + text. */
regio_err regio__sq_err(regio__sqlite_store *s, regio_error *err, const char *what);
/* The cached statement `which`, prepared on first use; owned by the handle. */
regio_err regio__sq_stmt(regio__sqlite_store *s, int which, sqlite3_stmt **out, regio_error *err);
/* Runs SQL without results. */
regio_err regio__sq_exec(regio__sqlite_store *s, const char *sql, regio_error *err);
/* Prepares a statement the caller ends with regio__sq_release (or hands
 * to regio__sq_finish): a statement of the same SQL ended before is
 * reused, never finalize one directly. */
regio_err regio__sq_prepare(regio__sqlite_store *s, const char *sql, sqlite3_stmt **st,
                            regio_error *err);
/* Ends a statement of regio__sq_prepare (kept, reset, for the next use) or
 * of sqlite3_prepare (finalized); NULL is fine. */
void regio__sq_release(regio__sqlite_store *s, sqlite3_stmt *st);
/* Finalizes the kept statements (before the connection closes). */
void regio__sq_cache_clear(regio__sqlite_store *s);
/* Prepares sql and binds its parameters in order from the variadic
 * arguments as types says: 't' a string (NULL binds NULL), 'i' a
 * sqlite3_int64, 'd' a double (NAN binds NULL). */
regio_err regio__sq_prep(regio__sqlite_store *s, sqlite3_stmt **st, regio_error *err,
                         const char *sql, const char *types, ...);
/* Finalizes a scan's statement; r is the last step result. */
regio_err regio__sq_finish(regio__sqlite_store *s, sqlite3_stmt *st, int r, regio_err rc,
                           regio_error *err);
/* Steps a write statement to completion and resets it; names ext on failure. */
regio_err regio__sq_step_done(regio__sqlite_store *s, sqlite3_stmt *st, const char *what,
                              const char *ext, regio_error *err);
/* Steps a prepared write to its end and finalizes it; *changes (may be
 * NULL) gets the rows changed. */
regio_err regio__sq_run(regio__sqlite_store *s, sqlite3_stmt *st, const char *what,
                        long *changes, regio_error *err);
/* The REGIO_ECANCELLED error of a reader whose callback asked to stop. */
regio_err regio__sq_cancelled(regio_error *err);
/* Current UTC time, ISO-8601 to the second; owned by the handle. */
const char *regio__sq_now(regio__sqlite_store *s);
/* Atomic multi-statement writes: an IMMEDIATE transaction of their own when
 * the caller has none open, else a savepoint inside the caller's. */
regio_err regio__sq_txn_begin(regio__sqlite_store *s, regio__sq_txn *t, regio_error *err);
regio_err regio__sq_txn_end(regio__sqlite_store *s, regio__sq_txn *t, regio_err rc,
                            regio_error *err);
/* Bulk mode: drop / rebuild / forget the secondary indexes of accounts
 * (regio__sq_bulk_enter) or of another table (bit: its own bit in
 * bulk_tables; 1 is accounts). */
void regio__sq_bulk_enter(regio__sqlite_store *s);
void regio__sq_bulk_enter_table(regio__sqlite_store *s, const char *table, unsigned bit);
regio_err regio__sq_bulk_leave(regio__sqlite_store *s, regio_error *err);
void regio__sq_bulk_forget(regio__sqlite_store *s);
/* Sales lines' packed monthly blocks (sqlite_sales_blocks.c): track is
 * called before a transaction's first line is written, flush just before
 * its commit (it writes the blocks of the months touched), forget after the
 * commit or a rollback (the scan is declared in store/perf_impl.h). */
regio_err regio__sq_sales_track(regio__sqlite_store *s, regio_error *err);
regio_err regio__sq_sales_flush(regio__sqlite_store *s, regio_error *err);
void regio__sq_sales_forget(regio__sqlite_store *s);
/* Writes the lines staged (a large import's lines after the first
 * REGIO_BULK_AFTER wait in a temporary table and go in with one statement);
 * *changed: how many added or changed a row. */
regio_err regio__sq_sales_settle(regio__sqlite_store *s, long long *changed, regio_error *err);
/* Id of the unit with external id ext; *found says whether it exists. */
regio_err regio__sq_unit_id(regio__sqlite_store *s, const char *ext, sqlite3_int64 *id,
                            int *found, regio_error *err);

static inline void done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static inline void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static inline void bind_num(sqlite3_stmt *st, int i, double v)
{
    if (isnan(v))
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_double(st, i, v);
}

static inline double col_num(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

static inline char *col_text(sqlite3_stmt *st, int i)
{
    return (char *)sqlite3_column_text(st, i);
}

/* Backend operations, one file per concern; see the vtable in store_sqlite.c. */
regio_err regio__sq_account_upsert(regio_store *base, const regio_account *a,
                                   regio_upsert_result *out, regio_error *err);
regio_err regio__sq_rep_upsert(regio_store *base, const regio_rep *r, regio_upsert_result *out,
                               regio_error *err);
regio_err regio__sq_unit_upsert(regio_store *base, const regio_unit *u, regio_upsert_result *out,
                                regio_error *err);
regio_err regio__sq_adjacency_replace(regio_store *base, const regio_adj_edge *edges, size_t n,
                                      regio_error *err);
regio_err regio__sq_accounts_query(regio_store *base, const regio_account_query *q,
                                   regio_account_cb cb, void *ud, long *total, regio_error *err);
regio_err regio__sq_accounts_foreach(regio_store *base, regio_account_cb cb, void *ud,
                                     regio_error *err);
regio_err regio__sq_accounts_get(regio_store *base, const char *const *ids, size_t n,
                                 regio_account_cb cb, void *ud, regio_error *err);
regio_err regio__sq_reps_foreach(regio_store *base, regio_rep_cb cb, void *ud, regio_error *err);
regio_err regio__sq_units_foreach(regio_store *base, int with_geometry, regio_unit_cb cb,
                                  void *ud, regio_error *err);
regio_err regio__sq_adjacency_foreach(regio_store *base, regio_adj_cb cb, void *ud,
                                      regio_error *err);
regio_err regio__sq_account_set_unit(regio_store *base, const char *const *account_ids,
                                     const char *const *unit_ids, size_t n, regio_error *err);
regio_err regio__sq_unit_measures_from_accounts(regio_store *base, regio_error *err);
regio_err regio__sq_unit_measure_set(regio_store *base, const char *name, const char *const *ids,
                                     const double *values, size_t n, regio_error *err);
regio_err regio__sq_stats(regio_store *base, regio_store_counts *out, regio_error *err);
regio_err regio__sq_model_create(regio_store *base, const char *name, regio_model_state state,
                                 const char *effective_from, const char *parent,
                                 const char *description, long *id_out, regio_error *err);
regio_err regio__sq_model_find(regio_store *base, const char *name, regio_model_info *out,
                               regio_error *err);
regio_err regio__sq_model_list(regio_store *base, regio_model_cb cb, void *ud, regio_error *err);
/* Runs a one-row integer query with up to two integer parameters (?1, ?2);
 * *v = 0 when it returns no row. */
regio_err regio__sq_int_query(regio__sqlite_store *s, const char *sql, sqlite3_int64 p1,
                              sqlite3_int64 p2, sqlite3_int64 *v, regio_error *err);
regio_err regio__sq_units_fingerprint(regio_store *base, uint64_t *fp, regio_error *err);
regio_err regio__sq_model_reset(regio_store *base, const char *name, const char *actor,
                                regio_error *err);
regio_err regio__sq_territory_set_rep(regio_store *base, const char *model, const char *ext_id,
                                       const char *rep, regio_error *err);
regio_err regio__sq_territory_upsert(regio_store *base, const char *model, const char *ext_id,
                                     const char *name, const char *parent_ext_id,
                                     regio_error *err);
regio_err regio__sq_alignment_set(regio_store *base, const char *model, const char *unit_id,
                                  const char *territory, regio_error *err);
regio_err regio__sq_alignment_foreach(regio_store *base, const char *model, regio_alignment_cb cb,
                                      void *ud, regio_error *err);
regio_err regio__sq_model_reasons_set(regio_store *base, const char *model,
                                      const regio_unit_reason *r, size_t n, regio_error *err);
regio_err regio__sq_model_reasons_foreach(regio_store *base, const char *model,
                                          regio_reason_cb cb, void *ud, regio_error *err);
regio_err regio__sq_generation(regio_store *base, uint64_t *gen, regio_error *err);
regio_err regio__sq_others_version(regio_store *base, long *v, regio_error *err);
regio_err regio__sq_access_epoch(regio_store *base, long long *epoch, regio_error *err);
regio_err regio__sq_alignment_revision(regio_store *base, const char *model, long *rev,
                                       regio_error *err);
regio_err regio__sq_model_clone(regio_store *base, const char *from, const char *new_name,
                                const char *description, const char *actor, long *id_out,
                                regio_error *err);
regio_err regio__sq_model_promote(regio_store *base, const char *name, const char *effective_from,
                                  const char *actor, regio_error *err);
regio_err regio__sq_model_archive(regio_store *base, const char *name, const char *actor,
                                  regio_error *err);
/* Effective-dated promotion (sqlite_promotions.c; the clone rows are
 * sqlite_scenarios.c's). */
regio_err regio__sq_model_find_at(regio_store *base, const char *name, const char *day,
                                  regio_model_info *out, regio_error *err);
regio_err regio__sq_model_list_at(regio_store *base, const char *day, regio_model_cb cb, void *ud,
                                  regio_error *err);
regio_err regio__sq_promotions_foreach(regio_store *base, const char *day, regio_promotion_cb cb,
                                       void *ud, regio_error *err);
regio_err regio__sq_model_rollback(regio_store *base, const char *effective_from,
                                   const char *new_name, const char *actor, char **name_out,
                                   regio_error *err);
/* The model in force on day ("YYYY-MM-DD"), the one definition every reader
 * uses (docs/ACCESS.md, "The model in force"): *model its id, 0 when none. */
regio_err regio__sq_in_force(regio__sqlite_store *s, const char *day, sqlite3_int64 *model,
                             regio_error *err);
/* The state model id (stored state `stored`) has on day (NULL: today),
 * given the model in force that day (-1: look it up). */
regio_err regio__sq_model_state(regio__sqlite_store *s, sqlite3_int64 id, regio_model_state stored,
                                const char *day, sqlite3_int64 in_force, regio_model_state *out,
                                regio_error *err);
/* Runs a write statement with up to three integer parameters and an
 * optional text parameter ?4 (bound only when the SQL has it); *changes
 * (may be NULL) receives the rows changed (sqlite_scenarios.c). */
regio_err regio__sq_exec_ids(regio__sqlite_store *s, const char *sql, sqlite3_int64 p1,
                             sqlite3_int64 p2, sqlite3_int64 p3, const char *t4, long *changes,
                             regio_error *err);
/* Clones model from into planning model new_name inside the caller's
 * transaction (territories, alignment, hand moves, manual associations,
 * and memberships when with_members), without an audit record; counts[]
 * receives territories, units, accounts and memberships copied, *id_out
 * (may be NULL) the new id (sqlite_scenarios.c). */
regio_err regio__sq_clone_rows(regio__sqlite_store *s, const char *from, const char *new_name,
                               const char *description, int with_members, sqlite3_int64 *id_out,
                               long counts[4], regio_error *err);
regio_err regio__sq_alignment_apply(regio_store *base, const char *model, long expected_rev,
                                    const regio_alignment_row *rows, size_t n, const char *actor,
                                    long *new_rev, regio_apply_status *status, regio_error *err);
regio_err regio__sq_alignment_lock(regio_store *base, const char *model, long expected_rev,
                                   const char *const *unit_ids, size_t n, int locked,
                                   const char *actor, long *new_rev, regio_apply_status *status,
                                   regio_error *err);
regio_err regio__sq_territories_foreach(regio_store *base, const char *model,
                                        regio_territory_cb cb, void *ud, regio_error *err);
regio_err regio__sq_plan_save(regio_store *base, const regio_plan_info *plan,
                              const regio_plan_visit_row *visits, size_t n, const char *actor,
                              long *id_out, regio_error *err);
regio_err regio__sq_plans_foreach(regio_store *base, const char *model, regio_plan_info_cb cb,
                                  void *ud, regio_error *err);
regio_err regio__sq_plan_visits_foreach(regio_store *base, long plan_id, regio_plan_visit_cb cb,
                                        void *ud, regio_error *err);
regio_err regio__sq_audit_append(regio_store *base, const char *actor, const char *action,
                                 const char *object_type, const char *object_id,
                                 const char *before_json, const char *after_json,
                                 regio_error *err);
regio_err regio__sq_audit_verify(regio_store *base, long *bad_id, regio_error *err);

/* The organisation (sqlite_org.c). */
regio_err regio__sq_role_upsert(regio_store *base, const char *name, const char *parent, const char *actor, regio_error *err);
regio_err regio__sq_roles_foreach(regio_store *base, regio_role_cb cb, void *ud, regio_error *err);
regio_err regio__sq_user_upsert(regio_store *base, const regio_user_info *u, const char *actor, regio_upsert_result *out, regio_error *err);
regio_err regio__sq_users_foreach(regio_store *base, const char *login, regio_user_cb cb, void *ud, regio_error *err);
regio_err regio__sq_user_set_active(regio_store *base, const char *login, int active, const char *actor, regio_error *err);
regio_err regio__sq_user_set_password_hash(regio_store *base, const char *login, const char *hash, const char *actor, regio_error *err);
regio_err regio__sq_user_password_hash(regio_store *base, const char *login, char **hash, int *active, regio_error *err);
regio_err regio__sq_login_users(regio_store *base, long *n, regio_error *err);
regio_err regio__sq_territory_set_access(regio_store *base, const char *model, const char *ext_id, const char *level, const char *actor, regio_error *err);
regio_err regio__sq_territory_edit(regio_store *base, const char *model, const char *ext_id,
                                   const char *name, int set_parent, const char *parent,
                                   const char *level, const char *actor, regio_error *err);
regio_err regio__sq_membership_upsert(regio_store *base, const char *model, const regio_membership_info *m, const char *actor, regio_error *err);
regio_err regio__sq_membership_remove(regio_store *base, const char *model, const char *user, const char *territory, const char *role, const char *actor, regio_error *err);
regio_err regio__sq_memberships_foreach(regio_store *base, const char *model, regio_membership_cb cb, void *ud, regio_error *err);
regio_err regio__sq_association_set(regio_store *base, const char *model, const char *account, const char *territory, int add, const char *actor, regio_error *err);
regio_err regio__sq_associations_foreach(regio_store *base, const char *model, regio_association_cb cb, void *ud, regio_error *err);
regio_err regio__sq_account_keys_foreach(regio_store *base, regio_account_key_cb cb, void *ud, regio_error *err);
regio_err regio__sq_model_in_force(regio_store *base, const char *day, regio_model_info *out, regio_error *err);
regio_err regio__sq_token_add(regio_store *base, const char *login, const char *token_hash, const char *label, const char *actor, long *id, regio_error *err);
regio_err regio__sq_token_user(regio_store *base, const char *token_hash, char **login, regio_error *err);
/* Writes the tokens' uses regio__sq_token_user holds, and forgets them. */
void regio__sq_token_touch_flush(regio__sqlite_store *s);
regio_err regio__sq_token_revoke(regio_store *base, const char *login, long id, const char *actor, regio_error *err);
regio_err regio__sq_tokens_foreach(regio_store *base, const char *login, regio_token_cb cb, void *ud, regio_error *err);
regio_err regio__sq_session_add(regio_store *base, const char *id_hash, const char *login, const char *csrf, long long expires, regio_error *err);
regio_err regio__sq_session_find(regio_store *base, const char *id_hash, long long now, char **login, char **csrf, regio_error *err);
regio_err regio__sq_session_remove(regio_store *base, const char *id_hash, long long now, regio_error *err);
regio_err regio__sq_audit_foreach(regio_store *base, const char *since, const char *user, regio_audit_cb cb, void *ud, regio_error *err);
/* Challenges (sqlite_challenges.c). */
regio_err regio__sq_challenge_add(regio_store *base, const regio_challenge *c, const char *actor,
                                  long *id, regio_error *err);
regio_err regio__sq_challenge_close(regio_store *base, long id, regio_challenge_state to,
                                    const char *by, const char *note, int auto_approved,
                                    const char *actor, regio_error *err);
regio_err regio__sq_challenges_foreach(regio_store *base, const char *model, long id,
                                       regio_challenge_cb cb, void *ud, regio_error *err);
regio_err regio__sq_model_auto_approval(regio_store *base, const char *model, int *on,
                                        double *tolerance, regio_error *err);
regio_err regio__sq_model_set_auto_approval(regio_store *base, const char *model, int on,
                                            double tolerance, const char *actor,
                                            regio_error *err);
/* Resolves a model name (NULL = the active model) to its id; REGIO_ENOTFOUND
 * naming it when there is none. */
regio_err regio__sq_model_id(regio__sqlite_store *s, const char *name, sqlite3_int64 *id,
                            regio_error *err);

#endif
