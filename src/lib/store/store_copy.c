/*
 * Copying a whole store into an empty one (regio/migrate.h): the one list
 * of the schema's tables and columns both directions share, the checks
 * that both stores have exactly that schema, the copy itself through the
 * backends' table-level ops (store/copy_impl.h) in one transaction on the
 * target, and its verification before the commit.
 */
#include "regio/migrate.h"

#include "store/copy_impl.h"

#include "regio/buf.h"
#include "regio/format.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* A new schema writes rows into the table (settings, the empty sales
 * blocks' marker): the copy replaces them by the source's. */
#define SEEDED 1u

/*
 * Every table of the schema (docs/SCHEMA.md) with its columns and what
 * they hold (i integer, r real, t text, b blob), at the latest schema
 * version; both backends' schemas must be exactly this (a migration that
 * adds a table or a column adds it here too: the copy refuses a store
 * that differs, and tests/unit/test_migrate.c checks the list against a
 * new store of each kind). In the order of their foreign keys, so that a
 * row's parents are in before it (rows of one table may refer to each
 * other in any order). The derived tables come last: writing accounts or
 * units empties account_columns (a trigger), and the sales blocks are
 * the sales lines packed.
 */
static const struct table_spec {
    const char *name;
    unsigned flags;
    const char *cols;
} TABLES[] = {
    {"roles", 0, "id i, name t, parent_id i, created_at t"},
    {"users", 0, "id i, login t, display_name t, email t, active i, created_at t, updated_at t,"
                 " role_id i, password_hash t"},
    {"user_permissions", 0, "user_id i, permission t, granted_at t"},
    {"api_tokens", 0, "id i, user_id i, token_hash t, label t, created_at t, last_used_at t,"
                      " revoked_at t"},
    {"sessions", 0, "id_hash t, user_id i, csrf t, created_at t, expires_at i"},
    {"reps", 0, "id i, ext_id t, user_id i, name t, email t, city t, region t, postal_code t,"
                " country t, lat r, lon r, geo_source i, capacity r, skills t, day_start t,"
                " day_end t, manager_ext t, attrs t, row_hash i, created_at t, updated_at t"},
    {"units", 0, "id i, ext_id t, name t, lat r, lon r, area_km2 r, geom b, attrs t, row_hash i,"
                 " created_at t, updated_at t"},
    {"unit_adjacency", 0, "unit_a i, unit_b i, kind i, shared_km r"},
    {"accounts", 0, "id i, ext_id t, name t, street t, city t, region t, postal_code t, country t,"
                    " lat r, lon r, geo_source i, owner_ext t, industry t, type t, segment t,"
                    " annual_revenue r, employees r, potential r, unit_ext t, attrs t,"
                    " excluded_from_realign i, row_hash i, created_at t, updated_at t"},
    {"opportunities", 0, "id i, ext_id t, account_id i, name t, stage t, amount r, close_date t,"
                         " owner_ext t, attrs t, created_at t, updated_at t"},
    {"contacts", 0, "id i, ext_id t, account_id i, name t, email t, phone t, title t, attrs t,"
                    " created_at t, updated_at t"},
    {"cases", 0, "id i, ext_id t, account_id i, subject t, status t, priority t, attrs t,"
                 " created_at t, updated_at t"},
    {"territory_models", 0, "id i, name t, state t, effective_from t, parent_model_id i,"
                            " description t, alignment_rev i, created_at t, updated_at t,"
                            " auto_approve i, balance_tolerance r"},
    {"territory_types", 0, "id i, name t, priority i, description t"},
    {"territories", 0, "id i, model_id i, ext_id t, name t, parent_id i, type_id i,"
                       " account_access t, opportunity_access t, contact_access t, case_access t,"
                       " rep_id i, center_lat r, center_lon r, target_share r, description t,"
                       " created_at t, updated_at t"},
    {"alignments", 0, "id i, model_id i, unit_id i, territory_id i, effective_from t,"
                      " effective_to t, locked i"},
    {"assignment_rules", 0, "id i, territory_id i, name t, expression t, inherited i, active i,"
                            " priority i, created_at t, updated_at t"},
    {"rule_criteria", 0, "rule_id i, seq i, field t, operator t, value t"},
    {"account_territories", 0, "account_id i, territory_id i, cause t, rule_id i,"
                               " effective_from t, created_by i, created_at t"},
    {"memberships", 0, "id i, user_id i, territory_id i, role t, active i, start_date t,"
                       " end_date t, created_at t"},
    {"scenario_promotions", 0, "id i, model_id i, previous_model_id i, effective_from t,"
                               " promoted_by i, promoted_at t, note t, withdrawn_on t, actor t"},
    {"challenges", 0, "id i, model_id i, territory_id i, account_id i, unit_id i, raised_by i,"
                      " reason t, status t, decided_by i, decided_at t, decision_note t,"
                      " created_at t, from_territory t, to_territory t, auto_approved i"},
    {"model_reasons", 0, "model_id i, unit_id i, from_territory t, to_territory t, kind t, text t,"
                         " data t"},
    {"visit_plans", 0, "id i, model_id i, name t, cycle_start t, cycle_days i, params t,"
                       " created_at t"},
    {"plan_visits", 0, "id i, plan_id i, rep_id i, account_id i, day i, seq i, arrival_s i,"
                       " departure_s i, travel_s i"},
    {"activities", 0, "id i, ext_id t, account_id i, rep_id i, user_id i, plan_visit_id i, kind t,"
                      " occurred_at t, duration_s i, notes t, created_at t, outcome t, lat r,"
                      " lon r, day i"},
    {"sales_transactions", 0, "id i, ext_id t, account_id i, day i, status i, amount r,"
                              " probability r, product t, rep t"},
    {"quotas", 0, "territory t, period t, start_day i, end_day i, amount r"},
    {"jobs", 0, "id i, kind t, params t, created_by t, created_at i, state t, worker t,"
                " lease_until i, attempts i, cancel_requested i, progress r, message t, result t,"
                " finished_at i"},
    {"settings", SEEDED, "key t, value t"},
    {"audit_log", 0, "id i, ts t, actor t, action t, object_type t, object_id t, before t,"
                     " after t, prev_hash t, hash t"},
    {"sales_blocks", SEEDED, "month i, part i, lines i, data b"},
    {"account_columns", 0, "part i, accounts i, data b"},
    /* Moved by the copy's own writes (triggers); the source's value then
     * replaces the one the target reached. */
    {"access_epoch", SEEDED, "id i, n i, last_txid i"},
};

#define N_TABLES (sizeof TABLES / sizeof TABLES[0])

/* The list parsed: names and kinds as the backends' ops take them. */
typedef struct parsed {
    regio__copy_table t[N_TABLES];
    char *names[N_TABLES];  /* one allocation a table: its column names */
    const char **cols[N_TABLES];
    char kinds[N_TABLES][64];
} parsed;

static void parsed_free(parsed *p)
{
    for (size_t i = 0; i < N_TABLES; i++) {
        regio_free(p->names[i]);
        regio_free((void *)p->cols[i]);
    }
}

static regio_err parse_tables(parsed *p, regio_error *err)
{
    memset(p, 0, sizeof *p);
    for (size_t i = 0; i < N_TABLES; i++) {
        const char *spec = TABLES[i].cols;
        size_t n = 1;
        for (const char *c = spec; *c; c++)
            n += *c == ',';
        p->names[i] = regio_strdup(spec);
        p->cols[i] = regio_calloc(n, sizeof *p->cols[i]);
        if (!p->names[i] || !p->cols[i]) {
            parsed_free(p);
            return regio__store_fail(err, REGIO_ENOMEM, "out of memory listing the tables");
        }
        /* "name k, name k": each name ends at its space, its kind follows */
        size_t k = 0;
        for (char *c = p->names[i]; *c && k < n && k < sizeof p->kinds[i] - 1;) {
            while (*c == ' ' || *c == ',')
                c++;
            p->cols[i][k] = c;
            while (*c && *c != ' ')
                c++;
            *c++ = '\0';
            p->kinds[i][k++] = *c++;
        }
        p->t[i].name = TABLES[i].name;
        p->t[i].cols = p->cols[i];
        p->t[i].kinds = p->kinds[i];
        p->t[i].n_cols = k;
    }
    return REGIO_OK;
}

regio_err regio__copy_cols_sql(regio_buf *b, const regio__copy_table *t)
{
    regio_err rc = REGIO_OK;
    for (size_t c = 0; c < t->n_cols && !rc; c++)
        rc = regio_buf_printf(b, "%s\"%s\"", c ? ", " : "", t->cols[c]);
    return rc;
}

static const char *kind_name(char k)
{
    switch (k) {
    case REGIO__COL_INT: return "an integer";
    case REGIO__COL_REAL: return "a real number";
    case REGIO__COL_TEXT: return "text";
    case REGIO__COL_BLOB: return "a blob";
    default: return "of a type Regio does not copy";
    }
}

regio_err regio__copy_bad_value(regio_error *err, const regio__copy_table *t, size_t col,
                                long long row, const char *found)
{
    char n[32];
    return regio__store_fail(err, REGIO_EDATA,
                             "table %s, row %s as read: column %s holds %s where the schema has"
                             " %s; correct that row in the source store and copy again",
                             t->name, regio_format_number((double)row, 0, n, sizeof n),
                             t->cols[col], found, kind_name(t->kinds[col]));
}

/* ---- the schemas agree with the list ------------------------------------------------------ */

typedef struct schema_seen {
    const parsed *p;
    const char *which; /* "source", "target" */
    unsigned char table[N_TABLES];
    unsigned char col[N_TABLES][64];
} schema_seen;

static regio_err column_seen(void *ud, const char *table, const char *name, char kind,
                             regio_error *err)
{
    schema_seen *n = ud;
    size_t i = 0;
    while (i < N_TABLES && strcmp(n->p->t[i].name, table))
        i++;
    if (i == N_TABLES)
        return regio__store_fail(err, REGIO_EDATA,
                                 "the %s store has a table this Regio does not know (%s): it was "
                                 "written by another version of Regio",
                                 n->which, table);
    const regio__copy_table *t = &n->p->t[i];
    n->table[i] = 1;
    for (size_t c = 0; c < t->n_cols; c++)
        if (!strcmp(t->cols[c], name)) {
            if (kind != t->kinds[c])
                return regio__store_fail(err, REGIO_EDATA,
                                         "table %s of the %s store: column %s holds %s, where "
                                         "this Regio's schema has %s",
                                         t->name, n->which, name, kind_name(kind),
                                         kind_name(t->kinds[c]));
            n->col[i][c] = 1;
            return REGIO_OK;
        }
    return regio__store_fail(err, REGIO_EDATA,
                             "table %s of the %s store has a column this Regio does not know "
                             "(%s): it was written by another version of Regio",
                             t->name, n->which, name);
}

/* The store's tables and columns are exactly the list's. */
static regio_err check_schema(regio_store *s, const parsed *p, const char *which,
                              regio_error *err)
{
    schema_seen *n = regio_calloc(1, sizeof *n);
    if (!n)
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory reading the schema");
    n->p = p;
    n->which = which;
    regio_err rc = s->ops->copy->columns(s, column_seen, n, err);
    for (size_t i = 0; !rc && i < N_TABLES; i++) {
        if (!n->table[i])
            rc = regio__store_fail(err, REGIO_EDATA, "the %s store has no table %s", which,
                                   p->t[i].name);
        for (size_t k = 0; !rc && k < p->t[i].n_cols; k++)
            if (!n->col[i][k])
                rc = regio__store_fail(err, REGIO_EDATA, "table %s of the %s store has no "
                                       "column %s", p->t[i].name, which, p->t[i].cols[k]);
    }
    regio_free(n);
    return rc;
}

/* ---- the copy ---------------------------------------------------------------------------- */

typedef struct run {
    regio_store *to;
    const regio__copy_table *t;
    regio__copy_writer *w;     /* NULL: a read that only hashes (the check) */
    regio_copy_table *out;
    uint64_t digest;
    long long rows;
    int id_col, hash_col;      /* audit_log: the columns of its head, else -1 */
    long long head_id;
    char head[65];
    /* progress */
    regio_progress_fn progress;
    void *ud;
    long long done, total;     /* rows copied and checked so far, of all */
} run;

/* A row's hash, every value with its kind and length: the digest of a
 * table is the sum of its rows' hashes, whatever order they come in. */
static uint64_t row_hash(const regio__copy_table *t, const regio__value *row)
{
    regio__hash h;
    regio__hash_init(&h);
    for (size_t c = 0; c < t->n_cols; c++) {
        const regio__value *v = &row[c];
        unsigned char tag = v->is_null ? 0 : (unsigned char)t->kinds[c];
        regio__hash_bytes(&h, &tag, 1);
        if (v->is_null)
            continue;
        if (t->kinds[c] == REGIO__COL_INT)
            regio__hash_int(&h, v->i);
        else if (t->kinds[c] == REGIO__COL_REAL)
            regio__hash_bytes(&h, &v->r, sizeof v->r); /* the bits: -0 is not 0 */
        else
            regio__hash_bytes(&h, v->n ? v->p : "", v->n);
    }
    return h.h;
}

static int report_progress(run *r)
{
    if (!r->progress)
        return 0;
    char done[32], phase[160];
    snprintf(phase, sizeof phase, "%s %s: %s rows", r->w ? "copying" : "checking", r->t->name,
             regio_format_number((double)r->rows, 0, done, sizeof done));
    return r->progress(r->ud, r->total ? (double)r->done / (double)r->total : 1.0, phase);
}

static regio_err on_row(void *ud, const regio__value *row, regio_error *err)
{
    run *r = ud;
    r->digest += row_hash(r->t, row);
    r->rows++;
    r->done++;
    if (r->id_col >= 0 && !row[r->id_col].is_null && row[r->id_col].i > r->head_id) {
        const regio__value *h = &row[r->hash_col];
        r->head_id = row[r->id_col].i;
        snprintf(r->head, sizeof r->head, "%.*s", h->is_null ? 0 : (int)h->n,
                 h->is_null ? "" : (const char *)h->p);
    }
    if (r->w) {
        regio_err rc = r->to->ops->copy->write_row(r->w, row, err);
        if (rc)
            return rc;
    }
    if (r->rows % 8192 == 0 && report_progress(r))
        return regio__store_fail(err, REGIO_ECANCELLED, "the copy was cancelled");
    return REGIO_OK;
}

static int column_index(const regio__copy_table *t, const char *name)
{
    for (size_t c = 0; c < t->n_cols; c++)
        if (!strcmp(t->cols[c], name))
            return (int)c;
    return -1;
}

/* Reads table t of s through r (writing it into r->w when there is one). */
static regio_err pass(regio_store *s, run *r, const regio__copy_table *t, regio_error *err)
{
    r->t = t;
    r->digest = 0;
    r->rows = 0;
    r->head_id = 0;
    r->head[0] = '\0';
    int audit = !strcmp(t->name, "audit_log");
    r->id_col = audit ? column_index(t, "id") : -1;
    r->hash_col = audit ? column_index(t, "hash") : -1;
    if (report_progress(r))
        return regio__store_fail(err, REGIO_ECANCELLED, "the copy was cancelled");
    return s->ops->copy->read(s, t, on_row, r, err);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The copy proper, inside the target's transaction. */
static regio_err copy_tables(regio_store *from, regio_store *to, const parsed *p, run *r,
                             regio_copy_report *rep, char src_head[65], regio_error *err)
{
    const regio__copy_ops *tops = to->ops->copy;
    regio_err rc = tops->writing ? tops->writing(to, err) : REGIO_OK;
    for (size_t i = 0; i < N_TABLES && !rc; i++) {
        const regio__copy_table *t = &p->t[i];
        regio_copy_table *out = &rep->tables[i];
        if ((TABLES[i].flags & SEEDED) && (rc = tops->clear(to, t->name, err)))
            break;
        if ((rc = tops->write_begin(to, t, &r->w, err)))
            break;
        rc = pass(from, r, t, err);
        regio_err end = tops->write_end(r->w, !rc, rc ? NULL : err);
        r->w = NULL;
        if (!rc)
            rc = end;
        out->source_rows = r->rows;
        out->source_digest = r->digest;
        rep->rows += r->rows;
        if (r->id_col >= 0) {
            rep->audit_records = r->rows;
            snprintf(src_head, 65, "%s", r->head);
        }
    }
    if (!rc && tops->written)
        rc = tops->written(to, err);
    /* The check: every table as the target now holds it. */
    for (size_t i = 0; i < N_TABLES && !rc; i++) {
        const regio__copy_table *t = &p->t[i];
        regio_copy_table *out = &rep->tables[i];
        if ((rc = tops->count(to, t->name, &out->target_rows, err)) ||
            (rc = pass(to, r, t, err)))
            break;
        out->target_digest = r->digest;
        if (out->target_rows != out->source_rows || r->rows != out->source_rows) {
            char a[32], b[32];
            rc = regio__store_fail(err, REGIO_EDATA,
                                   "the copy does not check: table %s has %s rows in the "
                                   "source, %s in the target",
                                   t->name, regio_format_number((double)out->source_rows, 0, a,
                                                                sizeof a),
                                   regio_format_number((double)out->target_rows, 0, b,
                                                       sizeof b));
        } else if (out->target_digest != out->source_digest) {
            rc = regio__store_fail(err, REGIO_EDATA,
                                   "the copy does not check: table %s holds other values in "
                                   "the target than in the source",
                                   t->name);
        } else if (r->id_col >= 0) {
            snprintf(rep->audit_head, sizeof rep->audit_head, "%s", r->head);
            if (strcmp(r->head, src_head))
                rc = regio__store_fail(err, REGIO_EDATA,
                                       "the copy does not check: the audit chain's head is "
                                       "%.12s in the source, %.12s in the target",
                                       src_head, r->head);
        }
    }
    long bad = 0;
    regio_error e;
    regio_error_clear(&e);
    if (!rc && regio_store_audit_verify(to, &bad, &e)) {
        /* The copy is exact (the digests agree): then the source's chain
         * is broken too, which is the thing to say. */
        regio_error se;
        regio_error_clear(&se);
        long src_bad = 0;
        if (regio_store_audit_verify(from, &src_bad, &se))
            rc = regio__store_fail(err, REGIO_EDATA,
                                   "the source store's audit chain does not verify (record "
                                   "%ld): see regio audit verify; nothing was copied",
                                   src_bad);
        else
            rc = regio__store_fail(err, REGIO_EDATA,
                                   "the copy does not check: the target's audit chain does not "
                                   "verify (%s)",
                                   e.msg);
    }
    return rc;
}

void regio_copy_report_free(regio_copy_report *report)
{
    if (!report)
        return;
    regio_free(report->tables);
    memset(report, 0, sizeof *report);
}

regio_err regio_store_copy(regio_store *from, regio_store *to, regio_progress_fn progress,
                           void *ud, regio_copy_report *report, regio_error *err)
{
    regio_error local;
    if (!err)
        err = &local;
    regio_error_clear(err);
    regio_copy_report mine;
    regio_copy_report *rep = report ? report : &mine;
    memset(rep, 0, sizeof *rep);
    double t0 = now_seconds();
    if (!from || !to)
        return regio__store_fail(err, REGIO_EINVAL, "store handle is NULL");
    if (from == to)
        return regio__store_fail(err, REGIO_EINVAL, "a store cannot be copied into itself");
    if (!from->ops->copy || !to->ops->copy)
        return regio__store_fail(err, REGIO_EUNSUPPORTED,
                                 "the %s store cannot be copied (this backend has no bulk copy)",
                                 !from->ops->copy ? from->ops->name : to->ops->name);
    int vf = regio_store_schema_version(from), vt = regio_store_schema_version(to);
    if (vf != vt)
        return regio__store_fail(err, REGIO_ECONFLICT,
                                 "the stores are at different schema versions (source %d, "
                                 "target %d): open both with this Regio (it migrates each to "
                                 "version %d) before copying",
                                 vf, vt, regio_store_schema_latest());
    if (vf != regio_store_schema_latest())
        return regio__store_fail(err, REGIO_EUNSUPPORTED,
                                 "the stores are at schema version %d; this Regio copies "
                                 "stores at version %d (its latest)",
                                 vf, regio_store_schema_latest());
    rep->schema_version = vf;
    parsed p;
    regio_err rc = parse_tables(&p, err);
    if (rc)
        return rc;
    rep->tables = regio_calloc(N_TABLES, sizeof *rep->tables);
    if (!rep->tables) {
        parsed_free(&p);
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory copying the store");
    }
    rep->n_tables = N_TABLES;
    for (size_t i = 0; i < N_TABLES; i++)
        rep->tables[i].name = TABLES[i].name;
    if (!(rc = check_schema(from, &p, "source", err)))
        rc = check_schema(to, &p, "target", err);
    /* Empty: nothing but what a new store holds. */
    for (size_t i = 0; i < N_TABLES && !rc; i++) {
        long long n = 0;
        if (TABLES[i].flags & SEEDED)
            continue;
        rc = to->ops->copy->count(to, TABLES[i].name, &n, err);
        if (!rc && n) {
            char a[32];
            rc = regio__store_fail(err, REGIO_ECONFLICT,
                                   "the target store is not empty (table %s holds %s rows): "
                                   "copy into a new store (a new file, or an empty PostgreSQL "
                                   "database or schema)",
                                   TABLES[i].name, regio_format_number((double)n, 0, a, sizeof a));
        }
    }
    run r = {.to = to, .progress = progress, .ud = ud, .id_col = -1, .hash_col = -1};
    int snap = 0, txn = 0;
    if (!rc && !(rc = from->ops->copy->snapshot_begin(from, err)))
        snap = 1;
    /* Rows to read twice (copy, check), for the progress. */
    for (size_t i = 0; i < N_TABLES && !rc; i++) {
        long long n = 0;
        rc = from->ops->copy->count(from, TABLES[i].name, &n, err);
        r.total += 2 * n;
    }
    if (!rc && !(rc = regio_store_begin(to, err)))
        txn = 1;
    char src_head[65] = "";
    if (!rc)
        rc = copy_tables(from, to, &p, &r, rep, src_head, err);
    if (!rc && progress && progress(ud, 1.0, "committing"))
        rc = regio__store_fail(err, REGIO_ECANCELLED, "the copy was cancelled");
    /* SQLite checks the deferred foreign keys at the commit, which then
     * fails and leaves the transaction open. */
    if (!rc)
        rc = regio_store_commit(to, err);
    if (rc && txn) {
        regio_error ignore;
        regio_store_rollback(to, &ignore);
    }
    if (snap)
        from->ops->copy->snapshot_end(from);
    parsed_free(&p);
    rep->verified = !rc;
    rep->seconds = now_seconds() - t0;
    if (!report)
        regio_copy_report_free(&mine);
    return rc;
}

/* ---- between two locations --------------------------------------------------------------- */

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return !strcmp(a, b) ||
           (stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
            sa.st_ino == sb.st_ino);
}

regio_err regio_store_migrate(const char *from, const char *to, regio_progress_fn progress,
                              void *ud, regio_copy_report *report, regio_error *err)
{
    regio_error local;
    if (!err)
        err = &local;
    regio_error_clear(err);
    if (report)
        memset(report, 0, sizeof *report);
    if (!from || !*from || !to || !*to)
        return regio__store_fail(err, REGIO_EINVAL, "both stores are required (from and to)");
    if (same_file(from, to))
        return regio__store_fail(err, REGIO_EINVAL,
                                 "the two stores are one: copy into another store");
    struct stat st;
    /* Opening creates a store: the source must be one already. */
    if (!regio__store_is_pg(from) && stat(from, &st) != 0)
        return regio__store_fail(err, REGIO_ENOTFOUND, "there is no store at '%s' to copy from",
                                 from);
    int created = !regio__store_is_pg(to) && stat(to, &st) != 0;
    regio_store *src = NULL, *dst = NULL;
    regio_err rc = regio_store_open(from, &src, err);
    if (!rc)
        rc = regio_store_open(to, &dst, err);
    if (!rc)
        rc = regio_store_copy(src, dst, progress, ud, report, err);
    regio_store_close(dst);
    regio_store_close(src);
    if (rc && created)
        regio__sqlite_file_remove(to);
    return rc;
}
