/*
 * Private to the PostgreSQL backend (built only with libpq): the handle and
 * the helpers its files share (store_pg.c: connection, transactions, errors,
 * the vtable; pg_schema.c: migrations; pg_records.c: accounts, reps, units,
 * adjacency; pg_models.c: models, territories, alignments; pg_audit.c: the
 * audit chain; pg_org.c: the organisation, tokens, sessions; pg_scenarios.c:
 * the generation, territories, reasons, clone and reset; pg_perf.c: goals
 * and results; pg_plans.c: saved call plans; pg_jobs.c: the job queue;
 * pg_promotions.c: the promotion timeline; pg_challenges.c: challenges).
 */
#ifndef REGIO_STORE_PG_IMPL_H
#define REGIO_STORE_PG_IMPL_H

#include "regio/buf.h"
#include "store/store_impl.h"

#include <libpq-fe.h>
#include <math.h>

/* The SQLSTATE the schema's triggers raise (a refusal, like SQLite's
 * RAISE(ABORT)): reported as REGIO_ECONFLICT. */
#define REGIO_PG_REFUSED "RG001"

typedef struct regio__pg_store {
    regio_store base; /* first: the public handle */
    PGconn *conn;
    int version;
    int user_txn;       /* inside regio_store_begin .. commit/rollback */
    unsigned prepared;  /* bit i: statement i of store_pg.c is prepared */
    regio_buf json;     /* scratch for attrs JSON, reused by every upsert */
    /* Bulk account loads (pg_records.c): past REGIO_PG_BULK_AFTER upserts
     * in one regio_store_begin transaction, rows stream through COPY into
     * a temporary table and are merged into accounts in one statement
     * before anything else reads or writes (regio__pg_flush). */
    long txn_upserts;           /* account upserts in this transaction */
    struct regio_strmap *known; /* ext_id -> index into known_v */
    struct regio__pg_known *known_v;
    size_t n_known, cap_known;
    long batch;   /* number of the batch being staged */
    /* A load into an empty accounts table (direct) goes straight into it
     * by COPY, its secondary indexes dropped (their definitions in
     * drop_idx, made again when the COPY ends); seen holds a 64-bit hash
     * of each id sent, so that a repeated id (or a collision) ends the COPY
     * and goes through the one-row upsert. */
    int direct;
    unsigned long long *seen;
    size_t n_seen, cap_seen;
    char *drop_idx;
    int copying;  /* the connection is in COPY FROM STDIN: REGIO_PG_COPY_* */
    int flushing; /* inside regio__pg_flush */
    regio_buf line; /* scratch for one COPY line */
    char where[192];    /* host:port/database, for messages: never the password */
    /* The store generation: writes committed by this handle, and by other
     * sessions on the same schema as told by NOTIFY (on a channel named
     * for the schema, listened to from the first regio_store_generation
     * on: a CLI command never listens). A transaction that wrote
     * (dirty) sends NOTIFY just before its COMMIT; a write outside a
     * transaction right after it, unless it is bookkeeping (quiet). */
    unsigned long long own_writes, others_writes;
    int dirty, quiet, listening;
    char channel[80]; /* the channel's quoted identifier, "" until known */
    struct regio__pg_sales *sales; /* this transaction's sales lines (pg_perf.c) */
    /* The audit chain's head inside a regio_store_begin transaction
     * (pg_audit.c): once its advisory lock is held, the last record's id
     * and hash are known (audit_known) and the head in settings is
     * written once, before COMMIT (audit_dirty), not once a record. */
    long long audit_id;
    char audit_hash[65];
    int audit_known, audit_dirty;
} regio__pg_store;

/* What a COPY in progress fills: accounts (pg_records.c) or sales lines
 * (pg_perf.c, which ends its own COPY in regio__pg_flush). */
enum { REGIO_PG_COPY_ACCOUNTS = 1, REGIO_PG_COPY_SALES = 2 };

/* An account a bulk load knows: its content hash and the batch that
 * staged it (0: it is in the table). */
typedef struct regio__pg_known {
    long long hash;
    long batch;
} regio__pg_known;

/* Account upserts in one transaction after which a load goes through COPY. */
#define REGIO_PG_BULK_AFTER 1000

#define REGIO_PG(b) ((regio__pg_store *)(b))

#define REGIO_PG_STR_(x) #x
#define REGIO_PG_STR(x) REGIO_PG_STR_(x)

/* Statements prepared once per connection (store_pg.c holds their SQL). */
enum regio__pg_stmt_id {
    REGIO_PG_ACC_UPSERT,
    REGIO_PG_REP_GET,
    REGIO_PG_REP_INS,
    REGIO_PG_REP_UPD,
    REGIO_PG_USER_UPSERT,
    REGIO_PG_UNIT_GET,
    REGIO_PG_UNIT_INS,
    REGIO_PG_UNIT_UPD,
    REGIO_PG_MODEL_ID,
    REGIO_PG_TERR_ID,
    REGIO_PG_COUNT
};

/* A transaction of one operation: its own, or a savepoint inside the
 * caller's (regio_store_begin). */
typedef struct regio__pg_txn {
    int own;
} regio__pg_txn;

/* Checks res against the status wanted; on failure fills err with what
 * failed and PostgreSQL's reason (never the SQL) and maps its SQLSTATE onto
 * a regio code. Does not clear res. */
regio_err regio__pg_check(regio__pg_store *s, const PGresult *res, ExecStatusType want,
                          const char *what, regio_error *err);
/* Runs sql without parameters or rows. */
regio_err regio__pg_exec(regio__pg_store *s, const char *sql, regio_error *err);
/* Runs sql with text parameters (NULL: SQL NULL); *out is the result the
 * caller clears (NULL after a failure). want: PGRES_TUPLES_OK or
 * PGRES_COMMAND_OK. */
regio_err regio__pg_query(regio__pg_store *s, const char *sql, int n, const char *const *params,
                          ExecStatusType want, const char *what, PGresult **out,
                          regio_error *err);
/* The same with a statement prepared once per connection. */
regio_err regio__pg_run(regio__pg_store *s, int which, int n, const char *const *params,
                        ExecStatusType want, const char *what, PGresult **out, regio_error *err);
/* A write with text parameters; *changed (may be NULL) gets the rows it changed. */
regio_err regio__pg_write(regio__pg_store *s, const char *sql, int n, const char *const *params,
                          const char *what, long *changed, regio_error *err);
/* One integer of sql with two integer parameters $1, $2 (0 when no row). */
regio_err regio__pg_int_query(regio__pg_store *s, const char *sql, long long p1, long long p2,
                              long long *v, regio_error *err);
regio_err regio__pg_txn_begin(regio__pg_store *s, regio__pg_txn *t, regio_error *err);
regio_err regio__pg_txn_end(regio__pg_store *s, regio__pg_txn *t, regio_err rc,
                            regio_error *err);
regio_err regio__pg_cancelled(regio_error *err);
/* A timestamp as the schema's defaults write it (2026-01-31T12:00:00.000Z),
 * in SQL. */
#define REGIO_PG_NOW_SQL \
    "(to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))"

/* Ends a bulk load's COPY and merges the staged accounts (no-op when none
 * are staged); every statement of the backend runs it first. */
regio_err regio__pg_flush(regio__pg_store *s, regio_error *err);
/* Forgets what a bulk load knew (at the end of its transaction). */
void regio__pg_bulk_forget(regio__pg_store *s);

/* Sends this handle's NOTIFY after a committed write (store_pg.c). */
regio_err regio__pg_notify(regio__pg_store *s, regio_error *err);

/* Appends a COPY text field of n bytes (NULL: \\N), backslash-escaped,
 * and the tab or (last) newline after it (pg_copy.c). */
regio_err regio__pg_copy_field(regio_buf *b, const char *v, size_t n, int last);
/* Appends a COPY line of n text fields (NULL: \\N) (pg_copy.c). */
regio_err regio__pg_copy_line(regio_buf *b, const char *const *v, int n);
/* Runs sql, a COPY ... FROM STDIN, with the lines in data (pg_copy.c). */
regio_err regio__pg_copy_in(regio__pg_store *s, const char *sql, const regio_buf *data,
                            const char *what, regio_error *err);

/* The bulk paths (pg_copy.c): the lines (COPY text, a column each in the
 * order of columns, e.g. "seq bigint, login text") into temporary table
 * table, made if need be and emptied first. */
regio_err regio__pg_stage(regio__pg_store *s, const char *table, const char *columns,
                          const regio_buf *lines, const char *what, regio_error *err);
/* The stored rows of keys[0..n) by sql (its $1: the keys as a text[]) in
 * *res (the caller clears it), and *map (the caller destroys it) from each
 * row's first column to its row number. */
regio_err regio__pg_rows_by_key(regio__pg_store *s, const char *sql, const char *const *keys,
                                size_t n, const char *what, PGresult **res,
                                struct regio_strmap **map, regio_error *err);
/* Ends a bulk write that failed (rc), or found rows it does not take (rc
 * REGIO_OK), undoing it, and begins in t the savepoint (or transaction) in
 * which the rows go again one by one, which says which row fails and why;
 * returns what stops that (out of memory, the connection). */
regio_err regio__pg_bulk_retry(regio__pg_store *s, regio__pg_txn *t, regio_err rc,
                               regio_error *err);

/* Parameter text of numbers: NAN is NULL (returns NULL), as SQLite binds it. */
const char *regio__pg_num(char buf[32], double v);
const char *regio__pg_int(char buf[32], long long v);
/* A column as a number: NULL is NAN. */
double regio__pg_col_num(const PGresult *res, int row, int col);
/* A column as text: NULL is NULL. */
static inline const char *regio__pg_col_text(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}
long long regio__pg_col_int(const PGresult *res, int row, int col);
/* Now, UTC, as the store writes timestamps (2026-01-31T12:00:00Z). */
const char *regio__pg_now(char buf[32]);

/* A model's id by name; REGIO_ENOTFOUND when there is none. */
regio_err regio__pg_model_id(regio__pg_store *s, const char *name, long long *id,
                             regio_error *err);

/* The rows of sql, whose $1 is the id of model (NULL: the active one). */
regio_err regio__pg_model_rows(regio__pg_store *s, const char *model, const char *sql,
                              const char *what, PGresult **res, regio_error *err);

int regio__pg_schema_latest(void);
regio_err regio__pg_migrate(regio__pg_store *s, int target, int *version_out, regio_error *err);

/* pg_records.c */
/* Runs the query sql (with text params) through a cursor and calls fn for
 * every row, in the caller's transaction or one of its own; fn's error
 * (REGIO_ECANCELLED to stop) ends the loop and is returned. */
typedef regio_err (*regio__pg_row_fn)(void *ctx, const PGresult *res, int row, regio_error *err);
regio_err regio__pg_each_row(regio__pg_store *s, const char *sql, int n,
                             const char *const *params, regio__pg_row_fn fn, void *ctx,
                             regio_error *err);
regio_err regio__pg_account_upsert(regio_store *s, const regio_account *a,
                                   regio_upsert_result *out, regio_error *err);
regio_err regio__pg_rep_upsert(regio_store *s, const regio_rep *r, regio_upsert_result *out,
                               regio_error *err);
regio_err regio__pg_reps_upsert_many(regio_store *s, const regio_rep *r, size_t n,
                                     regio_upsert_result *out, size_t *bad, regio_error *err);
regio_err regio__pg_unit_upsert(regio_store *s, const regio_unit *u, regio_upsert_result *out,
                                regio_error *err);
regio_err regio__pg_adjacency_replace(regio_store *s, const regio_adj_edge *edges, size_t n,
                                      regio_error *err);
regio_err regio__pg_accounts_foreach(regio_store *s, regio_account_cb cb, void *ud,
                                     regio_error *err);
regio_err regio__pg_accounts_query(regio_store *s, const regio_account_query *q,
                                   regio_account_cb cb, void *ud, long *total, regio_error *err);
regio_err regio__pg_accounts_get(regio_store *s, const char *const *ids, size_t n,
                                 regio_account_cb cb, void *ud, regio_error *err);
regio_err regio__pg_unit_measures_from_accounts(regio_store *s, regio_error *err);
regio_err regio__pg_unit_measure_set(regio_store *s, const char *name, const char *const *ids,
                                     const double *values, size_t n, regio_error *err);
/* b = the array literal of n texts (NULL: SQL NULL), for one $n::text[]. */
regio_err regio__pg_text_array(regio_buf *b, const char *const *v, size_t n);
regio_err regio__pg_reps_foreach(regio_store *s, regio_rep_cb cb, void *ud, regio_error *err);
regio_err regio__pg_units_foreach(regio_store *s, int with_geometry, regio_unit_cb cb, void *ud,
                                  regio_error *err);
regio_err regio__pg_adjacency_foreach(regio_store *s, regio_adj_cb cb, void *ud,
                                      regio_error *err);
regio_err regio__pg_account_set_unit(regio_store *s, const char *const *account_ids,
                                     const char *const *unit_ids, size_t n, regio_error *err);
regio_err regio__pg_stats(regio_store *s, regio_store_counts *out, regio_error *err);

/* pg_models.c */
regio_err regio__pg_model_create(regio_store *s, const char *name, regio_model_state state,
                                 const char *effective_from, const char *parent,
                                 const char *description, long *id_out, regio_error *err);
regio_err regio__pg_model_find(regio_store *s, const char *name, regio_model_info *out,
                               regio_error *err);
regio_err regio__pg_model_list(regio_store *s, regio_model_cb cb, void *ud, regio_error *err);
regio_err regio__pg_model_find_at(regio_store *s, const char *name, const char *day,
                                  regio_model_info *out, regio_error *err);
regio_err regio__pg_model_list_at(regio_store *s, const char *day, regio_model_cb cb, void *ud,
                                  regio_error *err);
regio_err regio__pg_territory_upsert(regio_store *s, const char *model, const char *ext_id,
                                     const char *name, const char *parent_ext_id,
                                     regio_error *err);
regio_err regio__pg_alignment_set(regio_store *s, const char *model, const char *unit_id,
                                  const char *territory, regio_error *err);
regio_err regio__pg_territories_write(regio_store *s, const char *model,
                                      const regio_territory_write *t, size_t n, size_t *bad,
                                      int *bad_rep, regio_error *err);
regio_err regio__pg_alignment_set_many(regio_store *s, const char *model,
                                       const char *const *unit_ids,
                                       const char *const *territories, size_t n, size_t *bad,
                                       regio_error *err);
regio_err regio__pg_alignment_foreach(regio_store *s, const char *model, regio_alignment_cb cb,
                                      void *ud, regio_error *err);
regio_err regio__pg_alignment_revision(regio_store *s, const char *model, long *rev,
                                       regio_error *err);
regio_err regio__pg_alignment_apply(regio_store *s, const char *model, long expected_rev,
                                    const regio_alignment_row *rows, size_t n, const char *actor,
                                    long *new_rev, regio_apply_status *status,
                                    regio_error *err);
regio_err regio__pg_alignment_lock(regio_store *s, const char *model, long expected_rev,
                                   const char *const *unit_ids, size_t n, int locked,
                                   const char *actor, long *new_rev, regio_apply_status *status,
                                   regio_error *err);

/* pg_perf.c: goals and results (store/perf_impl.h). The sales lines of a
 * transaction: ends their COPY (from regio__pg_flush), writes the staged
 * ones (before a commit), forgets them (after a commit or rollback). */
struct regio__perf_ops;
extern const struct regio__perf_ops regio__pg_perf_ops;
regio_err regio__pg_sales_copy_end(regio__pg_store *s, regio_error *err);
regio_err regio__pg_sales_settle(regio__pg_store *s, long long *changed, regio_error *err);
void regio__pg_sales_forget(regio__pg_store *s);

/* pg_plans.c */
regio_err regio__pg_plan_save(regio_store *s, const regio_plan_info *plan,
                              const regio_plan_visit_row *visits, size_t n, const char *actor,
                              long *id_out, regio_error *err);
regio_err regio__pg_plans_foreach(regio_store *s, const char *model, regio_plan_info_cb cb,
                                  void *ud, regio_error *err);
regio_err regio__pg_plan_visits_foreach(regio_store *s, long plan_id, regio_plan_visit_cb cb,
                                        void *ud, regio_error *err);
/* The visits sql selects (rep, account, day, seq, arrival_s, departure_s,
 * travel_s; times NULL: -1) to cb. */
regio_err regio__pg_plan_visits(regio__pg_store *s, const char *sql, int n,
                                const char *const *params, regio_plan_visit_cb cb, void *ud,
                                regio_error *err);

/* pg_audit.c */
/* One record of regio__pg_audit_many. */
typedef struct regio__pg_audit_rec {
    const char *object_id, *before, *after;
} regio__pg_audit_rec;
/* Appends n records of one actor, action and object type, as n calls of
 * regio__pg_audit_append would, through one COPY. */
regio_err regio__pg_audit_many(regio__pg_store *s, const char *actor, const char *action,
                               const char *object_type, const regio__pg_audit_rec *r, size_t n,
                               regio_error *err);
/* Writes the audit chain's head into settings when this transaction
 * appended records (before its COMMIT, or a verify inside it). */
regio_err regio__pg_audit_settle(regio__pg_store *s, regio_error *err);
/* Forgets the head a transaction knew (its end, or a savepoint rolled back). */
void regio__pg_audit_forget(regio__pg_store *s, int appended_too);
regio_err regio__pg_audit_append(regio_store *s, const char *actor, const char *action,
                                 const char *object_type, const char *object_id,
                                 const char *before_json, const char *after_json,
                                 regio_error *err);
regio_err regio__pg_audit_verify(regio_store *s, long *bad_id, regio_error *err);

/* pg_org.c */
regio_err regio__pg_role_upsert(regio_store *base, const char *name, const char *parent,
                                const char *actor, regio_error *err);
regio_err regio__pg_roles_foreach(regio_store *base, regio_role_cb cb, void *ud, regio_error *err);
regio_err regio__pg_user_upsert(regio_store *base, const regio_user_info *u, const char *actor,
                                regio_upsert_result *out, regio_error *err);
regio_err regio__pg_users_upsert_many(regio_store *base, const regio_user_info *u, size_t n,
                                      const char *actor, regio_upsert_result *out, size_t *bad,
                                      regio_error *err);
regio_err regio__pg_users_foreach(regio_store *base, const char *login, regio_user_cb cb,
                                  void *ud, regio_error *err);
regio_err regio__pg_user_set_active(regio_store *base, const char *login, int active,
                                    const char *actor, regio_error *err);
regio_err regio__pg_user_set_password_hash(regio_store *base, const char *login, const char *hash,
                                           const char *actor, regio_error *err);
regio_err regio__pg_user_password_hash(regio_store *base, const char *login, char **hash,
                                       int *active, regio_error *err);
regio_err regio__pg_login_users(regio_store *base, long *n, regio_error *err);
regio_err regio__pg_territory_set_access(regio_store *base, const char *model, const char *ext_id,
                                         const char *level, const char *actor, regio_error *err);
regio_err regio__pg_territory_edit(regio_store *base, const char *model, const char *ext_id,
                                   const char *name, int set_parent, const char *parent,
                                   const char *level, const char *actor, regio_error *err);
regio_err regio__pg_membership_upsert(regio_store *base, const char *model,
                                      const regio_membership_info *m, const char *actor,
                                      regio_error *err);
regio_err regio__pg_memberships_upsert_many(regio_store *base, const char *model,
                                            const regio_membership_info *m, size_t n,
                                            const char *actor, size_t *bad, regio_error *err);
regio_err regio__pg_membership_remove(regio_store *base, const char *model, const char *user,
                                      const char *territory, const char *role, const char *actor,
                                      regio_error *err);
regio_err regio__pg_memberships_foreach(regio_store *base, const char *model,
                                        regio_membership_cb cb, void *ud, regio_error *err);
regio_err regio__pg_association_set(regio_store *base, const char *model, const char *account,
                                    const char *territory, int add, const char *actor,
                                    regio_error *err);
regio_err regio__pg_associations_foreach(regio_store *base, const char *model,
                                         regio_association_cb cb, void *ud, regio_error *err);
regio_err regio__pg_account_keys_foreach(regio_store *base, regio_account_key_cb cb, void *ud,
                                         regio_error *err);
regio_err regio__pg_token_add(regio_store *base, const char *login, const char *token_hash,
                              const char *label, const char *actor, long *id, regio_error *err);
regio_err regio__pg_token_user(regio_store *base, const char *token_hash, char **login,
                               regio_error *err);
regio_err regio__pg_token_revoke(regio_store *base, const char *login, long id, const char *actor,
                                 regio_error *err);
regio_err regio__pg_tokens_foreach(regio_store *base, const char *login, regio_token_cb cb,
                                   void *ud, regio_error *err);
regio_err regio__pg_session_add(regio_store *base, const char *id_hash, const char *login,
                                const char *csrf, long long expires, regio_error *err);
regio_err regio__pg_session_find(regio_store *base, const char *id_hash, long long now,
                                 char **login, char **csrf, regio_error *err);
regio_err regio__pg_session_remove(regio_store *base, const char *id_hash, long long now,
                                   regio_error *err);
regio_err regio__pg_audit_foreach(regio_store *base, const char *since, const char *user,
                                  regio_audit_cb cb, void *ud, regio_error *err);

/* pg_scenarios.c */
regio_err regio__pg_units_fingerprint(regio_store *base, uint64_t *fp, regio_error *err);
regio_err regio__pg_territories_foreach(regio_store *base, const char *model,
                                        regio_territory_cb cb, void *ud, regio_error *err);
regio_err regio__pg_territory_set_rep(regio_store *base, const char *model, const char *ext_id,
                                      const char *rep, regio_error *err);
regio_err regio__pg_model_in_force(regio_store *base, const char *day, regio_model_info *out,
                                   regio_error *err);
regio_err regio__pg_model_reasons_set(regio_store *base, const char *model,
                                      const regio_unit_reason *r, size_t n, regio_error *err);
regio_err regio__pg_model_reasons_foreach(regio_store *base, const char *model,
                                          regio_reason_cb cb, void *ud, regio_error *err);
regio_err regio__pg_model_clone(regio_store *base, const char *from, const char *new_name,
                                const char *description, const char *actor, long *id_out,
                                regio_error *err);
regio_err regio__pg_model_reset(regio_store *base, const char *name, const char *actor,
                                regio_error *err);
/* Clones model from (NULL: the one in force today) as planning model
 * new_name inside the caller's transaction: territories, alignment,
 * associations and, with with_members, memberships; counts gets how many
 * of each (territories, units, accounts, memberships). No audit record. */
regio_err regio__pg_clone_rows(regio__pg_store *s, const char *from, const char *new_name,
                               const char *description, int with_members, long long *id_out,
                               long counts[4], regio_error *err);

/* pg_promotions.c: the timeline (store/promotion_codec.h) */
/* The model in force on day (NULL: today), 0 when none. */
regio_err regio__pg_in_force(regio__pg_store *s, const char *day, long long *model,
                             regio_error *err);
/* The state on day (NULL: today) of model id stored as `stored`; in_force
 * is the model in force that day, or -1 to look it up. */
regio_err regio__pg_model_state(regio__pg_store *s, long long id, regio_model_state stored,
                                const char *day, long long in_force, regio_model_state *out,
                                regio_error *err);
regio_err regio__pg_model_promote(regio_store *base, const char *name, const char *effective_from,
                                  const char *actor, regio_error *err);
regio_err regio__pg_model_archive(regio_store *base, const char *name, const char *actor,
                                  regio_error *err);
regio_err regio__pg_model_rollback(regio_store *base, const char *effective_from,
                                   const char *new_name, const char *actor, char **name_out,
                                   regio_error *err);
regio_err regio__pg_promotions_foreach(regio_store *base, const char *day, regio_promotion_cb cb,
                                       void *ud, regio_error *err);

/* pg_challenges.c */
regio_err regio__pg_challenge_add(regio_store *base, const regio_challenge *c, const char *actor,
                                  long *id_out, regio_error *err);
regio_err regio__pg_challenge_close(regio_store *base, long id, regio_challenge_state to,
                                    const char *by, const char *note, int auto_approved,
                                    const char *actor, regio_error *err);
regio_err regio__pg_challenges_foreach(regio_store *base, const char *model, long id,
                                       regio_challenge_cb cb, void *ud, regio_error *err);
regio_err regio__pg_model_auto_approval(regio_store *base, const char *model, int *on,
                                        double *tolerance, regio_error *err);
regio_err regio__pg_model_set_auto_approval(regio_store *base, const char *model, int on,
                                            double tolerance, const char *actor,
                                            regio_error *err);

#endif
