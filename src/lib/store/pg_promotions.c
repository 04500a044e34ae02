/*
 * PostgreSQL backend, effective-dated promotion: the model in force on a
 * day and a model's state on it as the timeline has them, and the writes
 * that build the timeline — promote, archive, roll back — with the history
 * of promotions. The rules, refusals and audit records are SQLite's
 * (store/promotion_codec.h; the timeline's entries: store/timeline_sql.h;
 * sqlite_promotions.c explains the timeline). Every life-cycle write runs
 * under a transaction-scoped advisory lock on the timeline, so that two
 * servers on one database promoting, archiving or rolling back at once
 * take turns, and the second decides on what the first committed.
 */
#include "regio/model_view.h"
#include "store/promotion_codec.h"
#include "store/pg_impl.h"
#include "store/timeline_sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_CAP PROMO_NAME_CAP
#define ENTRIES REGIO_TIMELINE_ENTRIES
#define NOW_SQL "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* The advisory lock key of the promotion timeline (the audit chain's is
 * 7366152, pg_audit.c). */
#define TIMELINE_LOCK "SELECT pg_advisory_xact_lock(7366153)"

/* ---- the model in force ----------------------------------------------------------- */

static regio_err force_on(regio__pg_store *s, const char *day, promo_force *f, regio_error *err)
{
    memset(f, 0, sizeof *f);
    const char *p[1] = {day};
    PGresult *res = NULL;
    regio_err rc = regio__pg_query(s,
                                   ENTRIES "SELECT model_id, eff, seq, ended FROM entries"
                                           " WHERE eff <= $1 ORDER BY eff DESC, seq DESC LIMIT 1",
                                   1, p, PGRES_TUPLES_OK, "reading the promotion timeline", &res,
                                   err);
    if (!rc && PQntuples(res))
        promo_force_set(f, regio__pg_col_int(res, 0, 0), regio__pg_col_text(res, 0, 1),
                        regio__pg_col_int(res, 0, 2), regio__pg_col_text(res, 0, 3), day);
    PQclear(res);
    return rc;
}

regio_err regio__pg_in_force(regio__pg_store *s, const char *day, long long *model,
                             regio_error *err)
{
    promo_force f;
    char d[11];
    regio_err rc = regio__day(day, d, err);
    if (!rc)
        rc = force_on(s, d, &f, err);
    *model = rc ? 0 : f.model;
    return rc;
}

regio_err regio__pg_model_state(regio__pg_store *s, long long id, regio_model_state stored,
                                const char *day, long long in_force, regio_model_state *out,
                                regio_error *err)
{
    char d[11];
    regio_err rc = regio__day(day, d, err);
    if (!rc && in_force < 0)
        rc = regio__pg_in_force(s, d, &in_force, err);
    if (rc)
        return rc;
    if (id == in_force) {
        *out = REGIO_MODEL_ACTIVE;
        return REGIO_OK;
    }
    char b[32];
    const char *p[1] = {regio__pg_int(b, id)};
    PGresult *res = NULL;
    rc = regio__pg_query(s,
                         ENTRIES "SELECT eff FROM entries WHERE model_id = $1"
                                 " ORDER BY seq DESC LIMIT 1",
                         1, p, PGRES_TUPLES_OK, "reading the promotion timeline", &res, err);
    if (!rc)
        *out = promo_state(id, in_force, PQntuples(res) ? regio__pg_col_text(res, 0, 0) : NULL,
                           stored, d);
    PQclear(res);
    return rc;
}

/* ---- small helpers ------------------------------------------------------------------- */

/* Model by name (id when name is NULL); REGIO_ENOTFOUND naming it when none. */
static regio_err model_ref_get(regio__pg_store *s, const char *name, long long id,
                               promo_model *m, regio_error *err)
{
    char b[32];
    const char *p[1] = {name ? name : regio__pg_int(b, id)};
    PGresult *res = NULL;
    regio_err rc = regio__pg_query(
        s,
        name ? "SELECT id, state, name, effective_from FROM territory_models WHERE name = $1"
             : "SELECT id, state, name, effective_from FROM territory_models WHERE id = $1",
        1, p, PGRES_TUPLES_OK, "reading a territory model", &res, err);
    if (!rc && PQntuples(res)) {
        m->id = regio__pg_col_int(res, 0, 0);
        m->stored = promo_stored_state(regio__pg_col_text(res, 0, 1));
        const char *nm = regio__pg_col_text(res, 0, 2), *eff = regio__pg_col_text(res, 0, 3);
        if (nm && strlen(nm) >= sizeof m->name)
            rc = regio__store_fail(err, REGIO_EINVAL, "a model name is longer than %d bytes",
                                   NAME_CAP - 1);
        snprintf(m->name, sizeof m->name, "%s", nm ? nm : "");
        snprintf(m->eff, sizeof m->eff, "%s", eff ? eff : "");
    } else if (!rc) {
        rc = name ? regio__store_fail(err, REGIO_ENOTFOUND, "territory model '%s' not found", name)
                  : regio__store_fail(err, REGIO_ENOTFOUND, "territory model %lld not found", id);
    }
    PQclear(res);
    return rc;
}

/* Runs a write with $1 an id and, when b is not NULL, $2 a text. */
static regio_err exec_it(regio__pg_store *s, const char *sql, long long a, const char *b,
                         regio_error *err)
{
    char buf[32];
    const char *p[2] = {regio__pg_int(buf, a), b};
    return regio__pg_write(s, sql, b ? 2 : 1, p, "writing the promotion timeline", NULL, err);
}

/* Names the model id into buf ("" for 0). */
static regio_err name_of(regio__pg_store *s, long long id, char *buf, size_t cap, regio_error *err)
{
    buf[0] = '\0';
    if (!id)
        return REGIO_OK;
    promo_model r;
    regio_err rc = model_ref_get(s, NULL, id, &r, err);
    if (!rc)
        snprintf(buf, cap, "%s", r.name);
    return rc;
}

/* Opens a life-cycle write: its transaction, with the timeline locked. */
static regio_err timeline_begin(regio__pg_store *s, regio__pg_txn *t, regio_error *err)
{
    regio_err rc = regio__pg_txn_begin(s, t, err);
    if (rc)
        return rc;
    rc = regio__pg_exec(s, TIMELINE_LOCK, err);
    return rc ? regio__pg_txn_end(s, t, rc, err) : REGIO_OK;
}

/*
 * Brings the stored states up to date with the timeline as of today: a
 * model whose time in force has come and gone is archived, the model in
 * force today is active (as sqlite_promotions.c's settle).
 */
static regio_err settle(regio__pg_store *s, const char *today, regio_error *err)
{
    promo_force f;
    regio_err rc = force_on(s, today, &f, err);
    if (!rc)
        rc = exec_it(s,
                     ENTRIES "UPDATE territory_models SET state = 'archived', updated_at = " NOW_SQL
                             " WHERE id <> $1 AND state IN ('planning', 'active')"
                             " AND id IN (SELECT model_id FROM entries WHERE eff <= $2)",
                     f.model, today, err);
    if (!rc && f.model)
        rc = exec_it(s,
                     "UPDATE territory_models SET state = 'active', updated_at = " NOW_SQL
                     " WHERE id = $1 AND state = 'planning'"
                     " AND NOT EXISTS (SELECT 1 FROM territory_models WHERE state = 'active')",
                     f.model, NULL, err);
    return rc;
}

/* ---- promote ------------------------------------------------------------------------- */

/* Withdraws the scheduled promotions a promotion from eff replaces (those
 * still ahead of today dated eff or later) and archives their models. */
static regio_err withdraw_replaced(regio__pg_store *s, promo *p, const char *eff,
                                   regio_error *err)
{
    const char *q[2] = {p->today, eff};
    PGresult *res = NULL;
    regio_err rc = regio__pg_query(s,
                                   "SELECT p.id, m.id, m.name, p.effective_from"
                                   " FROM scenario_promotions p"
                                   " JOIN territory_models m ON m.id = p.model_id"
                                   " WHERE p.withdrawn_on IS NULL AND p.effective_from > $1"
                                   " AND p.effective_from >= $2 ORDER BY p.id",
                                   2, q, PGRES_TUPLES_OK, "reading the promotion timeline", &res,
                                   err);
    for (int i = 0; !rc && i < PQntuples(res); i++) {
        if (promo_replaced_add(p, regio__pg_col_text(res, i, 2), regio__pg_col_text(res, i, 3)))
            rc = promo_oom(err);
        if (!rc)
            rc = exec_it(s, "UPDATE scenario_promotions SET withdrawn_on = $2 WHERE id = $1",
                         regio__pg_col_int(res, i, 0), p->today, err);
        if (!rc)
            rc = exec_it(s,
                         "UPDATE territory_models SET state = 'archived', updated_at = " NOW_SQL
                         " WHERE id = $1 AND state <> 'archived'",
                         regio__pg_col_int(res, i, 1), NULL, err);
    }
    PQclear(res);
    return rc;
}

/*
 * Promotes model `name` from eff inside the caller's transaction (the
 * timeline locked); fills p (whose replaced buffer the caller frees). note
 * goes into the promotion row. No audit record: the caller writes it.
 */
static regio_err promote_in(regio__pg_store *s, const char *name, const char *eff,
                            const char *actor, const char *note, promo *p, regio_error *err)
{
    regio_err rc = settle(s, p->today, err);
    if (!rc)
        rc = model_ref_get(s, name, 0, &p->m, err);
    promo_force now;
    regio_model_state st = REGIO_MODEL_PLANNING;
    if (!rc)
        rc = force_on(s, p->today, &now, err);
    if (!rc)
        rc = regio__pg_model_state(s, p->m.id, p->m.stored, p->today, now.model, &st, err);
    if (!rc)
        rc = promo_check_state(name, st, p->m.eff, err);
    if (rc)
        return rc;
    if (promo_rewrites(eff, &now, p->today)) {
        char latest[NAME_CAP];
        rc = name_of(s, now.latest, latest, sizeof latest, err);
        return rc ? rc : promo_rewrite_fail(eff, latest, now.eff, err);
    }
    rc = name_of(s, now.model, p->was, sizeof p->was, err);
    if (!rc && regio_buf_putc(&p->replaced, '['))
        rc = promo_oom(err);
    if (!rc)
        rc = withdraw_replaced(s, p, eff, err);
    if (!rc && regio_buf_putc(&p->replaced, ']'))
        rc = promo_oom(err);
    /* It takes over from the model in force the day before its date. */
    promo_force on;
    char before[11];
    promo_day_before(eff, before);
    if (!rc)
        rc = force_on(s, before, &on, err);
    if (!rc)
        rc = name_of(s, on.model, p->prev, sizeof p->prev, err);
    char b[2][32];
    const char *q[5] = {regio__pg_int(b[0], p->m.id), on.model ? regio__pg_int(b[1], on.model) : NULL,
                        eff, actor, note};
    if (!rc)
        rc = regio__pg_write(s,
                             "INSERT INTO scenario_promotions(model_id, previous_model_id,"
                             " effective_from, promoted_by, actor, note)"
                             " VALUES ($1, $2, $3, (SELECT id FROM users WHERE login = $4), $4,"
                             " $5)",
                             5, q, "recording the promotion", NULL, err);
    if (!rc)
        rc = exec_it(s,
                     "UPDATE territory_models SET effective_from = $2, updated_at = " NOW_SQL
                     " WHERE id = $1",
                     p->m.id, eff, err);
    if (!rc)
        rc = settle(s, p->today, err);
    p->scheduled = strcmp(eff, p->today) > 0;
    snprintf(p->m.eff, sizeof p->m.eff, "%s", eff);
    return rc;
}

regio_err regio__pg_model_promote(regio_store *base, const char *name, const char *effective_from,
                                  const char *actor, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    if (!regio__is_date(effective_from))
        return promo_bad_date(effective_from, err);
    regio__pg_txn t;
    regio_err rc = timeline_begin(s, &t, err);
    if (rc)
        return rc;
    promo p;
    memset(&p, 0, sizeof p);
    regio__today(p.today);
    regio_buf_init(&p.replaced, 0);
    regio_buf b, a;
    regio_buf_init(&b, 0);
    regio_buf_init(&a, 0);
    rc = promote_in(s, name, effective_from, actor, NULL, &p, err);
    if (!rc && promo_promote_json(&b, &a, &p))
        rc = promo_oom(err);
    if (!rc)
        rc = regio__pg_audit_append(base, actor, "model.promote", "territory_model", p.m.name,
                                    b.data, a.data, err);
    regio_buf_free(&a);
    regio_buf_free(&b);
    regio_buf_free(&p.replaced);
    return regio__pg_txn_end(s, &t, rc, err);
}

/* ---- archive ------------------------------------------------------------------------- */

regio_err regio__pg_model_archive(regio_store *base, const char *name, const char *actor,
                                  regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio__pg_txn t;
    regio_err rc = timeline_begin(s, &t, err);
    if (rc)
        return rc;
    char today[11];
    regio__today(today);
    promo_model m;
    promo_force now;
    regio_model_state st = REGIO_MODEL_PLANNING;
    rc = settle(s, today, err);
    if (!rc)
        rc = model_ref_get(s, name, 0, &m, err);
    if (!rc)
        rc = force_on(s, today, &now, err);
    if (!rc)
        rc = regio__pg_model_state(s, m.id, m.stored, today, now.model, &st, err);
    if (!rc && st == REGIO_MODEL_ARCHIVED)
        rc = promo_archived_already(name, err);
    /* A model created active that a scheduled promotion takes over from
     * has no promotion of its own to end: it stays until then. */
    long long successor = 0;
    if (!rc && st == REGIO_MODEL_ACTIVE && !now.promotion)
        rc = regio__pg_int_query(s,
                                 "SELECT model_id FROM scenario_promotions WHERE"
                                 " previous_model_id = $1 AND withdrawn_on IS NULL"
                                 " AND $2::bigint = 0 ORDER BY effective_from LIMIT 1",
                                 m.id, 0, &successor, err);
    if (!rc && successor) {
        promo_model next;
        rc = model_ref_get(s, NULL, successor, &next, err);
        if (!rc)
            rc = promo_stays_until(name, next.name, next.eff, err);
    }
    /* Scheduled: its promotion never takes effect. In force: it ends today. */
    if (!rc && st == REGIO_MODEL_SCHEDULED)
        rc = exec_it(s,
                     "UPDATE scenario_promotions SET withdrawn_on = $2 WHERE model_id = $1"
                     " AND withdrawn_on IS NULL",
                     m.id, today, err);
    if (!rc && st == REGIO_MODEL_ACTIVE && now.promotion)
        rc = exec_it(s, "UPDATE scenario_promotions SET withdrawn_on = $2 WHERE id = $1",
                     now.promotion, today, err);
    if (!rc)
        rc = exec_it(s,
                     "UPDATE territory_models SET state = 'archived', updated_at = " NOW_SQL
                     " WHERE id = $1",
                     m.id, NULL, err);
    if (!rc) {
        char before[64], after[96];
        promo_archive_json(st, today, before, after);
        rc = regio__pg_audit_append(base, actor, "model.archive", "territory_model", m.name,
                                    before, after, err);
    }
    return regio__pg_txn_end(s, &t, rc, err);
}

/* ---- roll back ------------------------------------------------------------------------ */

/* Whether a model named name exists. */
static regio_err name_taken(regio__pg_store *s, const char *name, int *taken, regio_error *err)
{
    const char *p[1] = {name};
    PGresult *res = NULL;
    regio_err rc = regio__pg_query(s, "SELECT 1 FROM territory_models WHERE name = $1", 1, p,
                                   PGRES_TUPLES_OK, "reading a territory model", &res, err);
    *taken = !rc && PQntuples(res) > 0;
    PQclear(res);
    return rc;
}

/* The first free default name of a rollback (store/promotion_codec.h). */
static regio_err default_name(regio__pg_store *s, const char *prev, const char *day, char *out,
                              size_t cap, regio_error *err)
{
    for (int i = 1; i < 1000; i++) {
        promo_rollback_name(prev, day, i, out, cap);
        int taken = 0;
        regio_err rc = name_taken(s, out, &taken, err);
        if (rc || !taken)
            return rc;
    }
    return promo_no_free_name(prev, err);
}

regio_err regio__pg_model_rollback(regio_store *base, const char *effective_from,
                                   const char *new_name, const char *actor, char **name_out,
                                   regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    promo p;
    memset(&p, 0, sizeof p);
    regio__today(p.today);
    char eff[11];
    if (effective_from && !regio__is_date(effective_from))
        return promo_bad_date(effective_from, err);
    snprintf(eff, sizeof eff, "%s", effective_from ? effective_from : p.today);
    regio_err rc = new_name ? regio_model_name_check(new_name, err) : REGIO_OK;
    regio__pg_txn t;
    if (!rc)
        rc = timeline_begin(s, &t, err);
    if (rc)
        return rc;
    regio_buf_init(&p.replaced, 0);
    promo_force on;
    promo_model cur, prev;
    long long prev_id = 0;
    rc = settle(s, p.today, err);
    if (!rc)
        rc = force_on(s, eff, &on, err);
    if (!rc && !on.model)
        rc = promo_nothing_in_force(eff, err);
    if (!rc)
        rc = model_ref_get(s, NULL, on.model, &cur, err);
    /* The previous model: the one in force the day before cur took effect. */
    promo_force was;
    char before[11];
    if (!rc) {
        promo_day_before(on.eff, before);
        rc = force_on(s, before, &was, err);
        prev_id = was.model;
    }
    if (!rc && !prev_id)
        rc = promo_no_previous(cur.name, eff, err);
    if (!rc)
        rc = model_ref_get(s, NULL, prev_id, &prev, err);
    char name[NAME_CAP], note[NAME_CAP + 32], desc[NAME_CAP + 64];
    if (!rc && new_name) {
        snprintf(name, sizeof name, "%s", new_name);
        int taken = 0;
        rc = name_taken(s, name, &taken, err);
        if (!rc && taken)
            rc = promo_name_taken(name, err);
    } else if (!rc) {
        rc = default_name(s, prev.name, eff, name, sizeof name, err);
    }
    long counts[4] = {0, 0, 0, 0};
    if (!rc) {
        promo_rollback_texts(prev.name, eff, note, sizeof note, desc, sizeof desc);
        rc = regio__pg_clone_rows(s, prev.name, name, desc, 1, NULL, counts, err);
    }
    if (!rc)
        rc = promote_in(s, name, eff, actor, note, &p, err);
    regio_buf b, a;
    regio_buf_init(&b, 0);
    regio_buf_init(&a, 0);
    if (!rc && promo_rollback_json(&b, &a, &p, cur.name, prev.name, counts))
        rc = promo_oom(err);
    if (!rc)
        rc = regio__pg_audit_append(base, actor, "model.rollback", "territory_model", name,
                                    b.data, a.data, err);
    regio_buf_free(&a);
    regio_buf_free(&b);
    regio_buf_free(&p.replaced);
    /* The name is copied before the commit, so that a failure here leaves
     * nothing written. */
    char *copy = NULL;
    if (!rc && name_out && !(copy = regio_strdup(name)))
        rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory");
    rc = regio__pg_txn_end(s, &t, rc, err);
    if (rc)
        regio_free(copy);
    else if (name_out)
        *name_out = copy;
    return rc;
}

/* ---- history ---------------------------------------------------------------------------- */

regio_err regio__pg_promotions_foreach(regio_store *base, const char *day, regio_promotion_cb cb,
                                       void *ud, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    char d[11];
    promo_force f;
    regio_err rc = regio__day(day, d, err);
    if (!rc)
        rc = force_on(s, d, &f, err);
    PGresult *res = NULL;
    if (!rc)
        rc = regio__pg_query(s,
                             "SELECT p.id, m.name, p.effective_from, COALESCE(u.login, p.actor),"
                             " p.promoted_at, p.withdrawn_on, p.note"
                             " FROM scenario_promotions p"
                             " JOIN territory_models m ON m.id = p.model_id"
                             " LEFT JOIN users u ON u.id = p.promoted_by ORDER BY p.id",
                             0, NULL, PGRES_TUPLES_OK, "reading the promotions", &res, err);
    char prev[NAME_CAP];
    for (int i = 0; !rc && i < PQntuples(res); i++) {
        regio_promotion_info pi = {(long)regio__pg_col_int(res, i, 0),
                                   regio__pg_col_text(res, i, 1),
                                   NULL,
                                   regio__pg_col_text(res, i, 2),
                                   regio__pg_col_text(res, i, 3),
                                   regio__pg_col_text(res, i, 4),
                                   regio__pg_col_text(res, i, 5),
                                   regio__pg_col_text(res, i, 6),
                                   REGIO_PROMOTION_SUPERSEDED};
        const char *eff = pi.effective_from ? pi.effective_from : "";
        /* Its previous model: the one in force the day before its date, as
         * the timeline stands (a withdrawn promotion between them is not). */
        if (regio__is_date(eff)) {
            promo_force was;
            char before[11];
            promo_day_before(eff, before);
            rc = force_on(s, before, &was, err);
            if (!rc)
                rc = name_of(s, was.model, prev, sizeof prev, err);
            if (!rc && prev[0])
                pi.previous = prev;
        }
        pi.status = promo_status(&pi, d, &f);
        if (!rc && cb(ud, &pi))
            rc = regio__pg_cancelled(err);
    }
    PQclear(res);
    return rc;
}
