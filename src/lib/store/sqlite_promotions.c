/*
 * SQLite backend, effective-dated promotion: the one definition of the
 * model in force on a day (docs/ACCESS.md, "The model in force"), the state
 * every reader derives from it for a day (planning, scheduled, active,
 * archived), and the writes that build the timeline — promote, archive,
 * roll back — with the history of promotions.
 *
 * The timeline is made of entries: every promotion not withdrawn before its
 * effective date, plus each model created active without a promotion (from
 * its effective_from, or always). The model in force on day d is the model
 * of the latest entry not after d (by effective date, then by the order the
 * promotions were made), unless that entry ended on or before d (its model
 * was archived by hand while in force). Nothing is written when a date
 * arrives: every reader asks the timeline. territory_models.state is the
 * durable record (planning until promoted and in force, active while in
 * force, archived after); every life-cycle write first brings it up to date
 * ("settle"), and no reader takes the day's state from it.
 */
#include "regio/model_view.h"
#include "store/promotion_codec.h"
#include "store/sqlite_impl.h"
#include "store/timeline_sql.h"

#include <stdio.h>
#include <string.h>

#define NAME_CAP PROMO_NAME_CAP

/* The entries of the timeline (see the comment above). */
#define ENTRIES REGIO_TIMELINE_ENTRIES

#define NOW_SQL "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

static void copy_text(char *dst, size_t cap, const unsigned char *t)
{
    snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

/* ---- the model in force ----------------------------------------------------------- */

/* What the timeline says about one day (store/promotion_codec.h). */
typedef promo_force force;

static regio_err force_on(regio__sqlite_store *s, const char *day, force *f, regio_error *err)
{
    memset(f, 0, sizeof *f);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prepare(s,
                                     ENTRIES "SELECT model_id, eff, seq, ended FROM entries"
                                             " WHERE eff <= ?1 ORDER BY eff DESC, seq DESC"
                                             " LIMIT 1",
                                     &st, err);
    if (rc)
        return rc;
    bind_text(st, 1, day);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        promo_force_set(f, sqlite3_column_int64(st, 0), col_text(st, 1),
                        sqlite3_column_int64(st, 2), col_text(st, 3), day);
        r = SQLITE_DONE;
    }
    return regio__sq_finish(s, st, r, rc, err);
}

regio_err regio__sq_in_force(regio__sqlite_store *s, const char *day, sqlite3_int64 *model,
                             regio_error *err)
{
    force f;
    regio_err rc = force_on(s, day, &f, err);
    *model = rc ? 0 : f.model;
    return rc;
}

regio_err regio__sq_model_state(regio__sqlite_store *s, sqlite3_int64 id, regio_model_state stored,
                                const char *day, sqlite3_int64 in_force, regio_model_state *out,
                                regio_error *err)
{
    char d[11];
    regio_err rc = regio__day(day, d, err);
    if (!rc && in_force < 0)
        rc = regio__sq_in_force(s, d, &in_force, err);
    if (rc)
        return rc;
    if (id == in_force) {
        *out = REGIO_MODEL_ACTIVE;
        return REGIO_OK;
    }
    sqlite3_stmt *st = NULL;
    rc = regio__sq_prepare(s, ENTRIES "SELECT eff FROM entries WHERE model_id = ?1"
                                      " ORDER BY seq DESC LIMIT 1",
                           &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int r = sqlite3_step(st);
    /* Its last entry's date (never NULL: see REGIO_TIMELINE_ENTRIES). */
    const char *eff = r == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    *out = promo_state(id, in_force, eff, stored, d);
    if (r == SQLITE_ROW)
        r = SQLITE_DONE;
    return regio__sq_finish(s, st, r, rc, err);
}

/* ---- small helpers ------------------------------------------------------------------- */

typedef promo_model model_ref;

/* Model by name (id when name is NULL); REGIO_ENOTFOUND naming it when none. */
static regio_err model_ref_get(regio__sqlite_store *s, const char *name, sqlite3_int64 id,
                               model_ref *m, regio_error *err)
{
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prepare(
        s,
        name ? "SELECT id, state, name, effective_from FROM territory_models WHERE name = ?1"
             : "SELECT id, state, name, effective_from FROM territory_models WHERE id = ?2",
        &st, err);
    if (rc)
        return rc;
    if (name)
        bind_text(st, 1, name);
    else
        sqlite3_bind_int64(st, 2, id);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        m->id = sqlite3_column_int64(st, 0);
        m->stored = promo_stored_state((const char *)sqlite3_column_text(st, 1));
        const char *nm = (const char *)sqlite3_column_text(st, 2);
        if (nm && strlen(nm) >= sizeof m->name)
            rc = regio__store_fail(err, REGIO_EINVAL, "a model name is longer than %d bytes",
                                   NAME_CAP - 1);
        copy_text(m->name, sizeof m->name, sqlite3_column_text(st, 2));
        copy_text(m->eff, sizeof m->eff, sqlite3_column_text(st, 3));
        r = SQLITE_DONE;
    } else if (r == SQLITE_DONE) {
        rc = name ? regio__store_fail(err, REGIO_ENOTFOUND, "territory model '%s' not found", name)
                  : regio__store_fail(err, REGIO_ENOTFOUND, "territory model %lld not found",
                                      (long long)id);
    }
    return regio__sq_finish(s, st, r, rc, err);
}

/* Runs a write with ?1 an id and ?4 a text, when the SQL has them. */
static regio_err exec_it(regio__sqlite_store *s, const char *sql, sqlite3_int64 a, const char *b,
                         regio_error *err)
{
    return regio__sq_exec_ids(s, sql, a, 0, 0, b, NULL, err);
}

#define json_oom promo_oom

/*
 * Brings the stored states up to date with the timeline as of today: a
 * model whose time in force has come and gone is archived, the model in
 * force today is active. Stored states only move planning -> active ->
 * archived, so the archived-is-final trigger always holds.
 */
static regio_err settle(regio__sqlite_store *s, const char *today, regio_error *err)
{
    force f;
    regio_err rc = force_on(s, today, &f, err);
    if (!rc)
        rc = exec_it(s,
                     ENTRIES "UPDATE territory_models SET state = 'archived', updated_at = " NOW_SQL
                             " WHERE id <> ?1 AND state IN ('planning', 'active')"
                             " AND id IN (SELECT model_id FROM entries WHERE eff <= ?4)",
                     f.model, today, err);
    if (!rc && f.model)
        rc = exec_it(s,
                     "UPDATE territory_models SET state = 'active', updated_at = " NOW_SQL
                     " WHERE id = ?1 AND state = 'planning'"
                     " AND NOT EXISTS (SELECT 1 FROM territory_models WHERE state = 'active')",
                     f.model, NULL, err);
    return rc;
}

/* ---- promote ------------------------------------------------------------------------- */

/* Names the model id into buf ("" for 0). */
static regio_err name_of(regio__sqlite_store *s, sqlite3_int64 id, char *buf, size_t cap,
                         regio_error *err)
{
    buf[0] = '\0';
    if (!id)
        return REGIO_OK;
    model_ref r;
    regio_err rc = model_ref_get(s, NULL, id, &r, err);
    if (!rc)
        snprintf(buf, cap, "%s", r.name);
    return rc;
}

/* Withdraws the scheduled promotions a promotion from eff replaces (those
 * still ahead of today dated eff or later) and archives their models. */
static regio_err withdraw_replaced(regio__sqlite_store *s, promo *p, const char *eff,
                                   regio_error *err)
{
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prepare(s,
                                     "SELECT p.id, m.id, m.name, p.effective_from"
                                     " FROM scenario_promotions p"
                                     " JOIN territory_models m ON m.id = p.model_id"
                                     " WHERE p.withdrawn_on IS NULL AND p.effective_from > ?1"
                                     " AND p.effective_from >= ?2 ORDER BY p.id",
                                     &st, err);
    if (rc)
        return rc;
    bind_text(st, 1, p->today);
    bind_text(st, 2, eff);
    sqlite3_int64 ids[2][64];
    size_t n = 0;
    int r, more = 0;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == 64) {
            more = 1;
            continue;
        }
        ids[0][n] = sqlite3_column_int64(st, 0);
        ids[1][n] = sqlite3_column_int64(st, 1);
        if (promo_replaced_add(p, (const char *)sqlite3_column_text(st, 2),
                               (const char *)sqlite3_column_text(st, 3)))
            rc = json_oom(err);
        n++;
    }
    rc = regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
    for (size_t i = 0; i < n && !rc; i++) {
        rc = exec_it(s, "UPDATE scenario_promotions SET withdrawn_on = ?4 WHERE id = ?1",
                     ids[0][i], p->today, err);
        if (!rc)
            rc = exec_it(s,
                         "UPDATE territory_models SET state = 'archived', updated_at = " NOW_SQL
                         " WHERE id = ?1 AND state <> 'archived'",
                         ids[1][i], NULL, err);
    }
    /* More than 64 pending promotions on or after one date: do the rest. */
    if (!rc && more)
        rc = withdraw_replaced(s, p, eff, err);
    return rc;
}

/*
 * Promotes model `name` from eff inside the caller's transaction; fills p
 * (whose replaced buffer the caller frees). note goes into the promotion
 * row. No audit record: the caller writes it.
 */
static regio_err promote_in(regio__sqlite_store *s, const char *name, const char *eff,
                            const char *actor, const char *note, promo *p, regio_error *err)
{
    regio_err rc = settle(s, p->today, err);
    if (!rc)
        rc = model_ref_get(s, name, 0, &p->m, err);
    force now;
    regio_model_state st = REGIO_MODEL_PLANNING;
    if (!rc)
        rc = force_on(s, p->today, &now, err);
    if (!rc)
        rc = regio__sq_model_state(s, p->m.id, p->m.stored, p->today, now.model, &st, err);
    if (!rc)
        rc = promo_check_state(name, st, p->m.eff, err);
    if (rc)
        return rc;
    /* What was in force is not rewritten. */
    if (promo_rewrites(eff, &now, p->today)) {
        char latest[NAME_CAP];
        rc = name_of(s, now.latest, latest, sizeof latest, err);
        return rc ? rc : promo_rewrite_fail(eff, latest, now.eff, err);
    }
    rc = name_of(s, now.model, p->was, sizeof p->was, err);
    if (!rc && regio_buf_putc(&p->replaced, '['))
        rc = json_oom(err);
    if (!rc)
        rc = withdraw_replaced(s, p, eff, err);
    if (!rc && regio_buf_putc(&p->replaced, ']'))
        rc = json_oom(err);
    /* It takes over from the model in force the day before its date. */
    force on;
    char before[11];
    promo_day_before(eff, before);
    if (!rc)
        rc = force_on(s, before, &on, err);
    if (!rc)
        rc = name_of(s, on.model, p->prev, sizeof p->prev, err);
    sqlite3_stmt *ins = NULL;
    if (!rc)
        rc = regio__sq_prepare(s,
                               "INSERT INTO scenario_promotions(model_id, previous_model_id,"
                               " effective_from, promoted_by, actor, note)"
                               " VALUES (?1, ?2, ?3, (SELECT id FROM users WHERE login = ?4), ?4,"
                               " ?5)",
                               &ins, err);
    if (!rc) {
        sqlite3_bind_int64(ins, 1, p->m.id);
        if (on.model)
            sqlite3_bind_int64(ins, 2, on.model);
        bind_text(ins, 3, eff);
        bind_text(ins, 4, actor);
        bind_text(ins, 5, note);
        if (sqlite3_step(ins) != SQLITE_DONE)
            rc = regio__sq_err(s, err, "recording the promotion");
        regio__sq_release(s, ins);
    }
    if (!rc)
        rc = exec_it(s,
                     "UPDATE territory_models SET effective_from = ?4, updated_at = " NOW_SQL
                     " WHERE id = ?1",
                     p->m.id, eff, err);
    if (!rc)
        rc = settle(s, p->today, err);
    p->scheduled = strcmp(eff, p->today) > 0;
    snprintf(p->m.eff, sizeof p->m.eff, "%s", eff);
    return rc;
}

regio_err regio__sq_model_promote(regio_store *base, const char *name, const char *effective_from,
                                  const char *actor, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    if (!regio__is_date(effective_from))
        return promo_bad_date(effective_from, err);
    regio__sq_txn t;
    regio_err rc = regio__sq_txn_begin(s, &t, err);
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
        rc = json_oom(err);
    if (!rc)
        rc = regio__sq_audit_append(base, actor, "model.promote", "territory_model", p.m.name,
                                    b.data, a.data, err);
    regio_buf_free(&a);
    regio_buf_free(&b);
    regio_buf_free(&p.replaced);
    return regio__sq_txn_end(s, &t, rc, err);
}

/* ---- archive ------------------------------------------------------------------------- */

regio_err regio__sq_model_archive(regio_store *base, const char *name, const char *actor,
                                  regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio__sq_txn t;
    regio_err rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    char today[11];
    regio__today(today);
    model_ref m;
    force now;
    regio_model_state st = REGIO_MODEL_PLANNING;
    rc = settle(s, today, err);
    if (!rc)
        rc = model_ref_get(s, name, 0, &m, err);
    if (!rc)
        rc = force_on(s, today, &now, err);
    if (!rc)
        rc = regio__sq_model_state(s, m.id, m.stored, today, now.model, &st, err);
    if (!rc && st == REGIO_MODEL_ARCHIVED)
        rc = promo_archived_already(name, err);
    /* A model created active that a scheduled promotion takes over from
     * has no promotion of its own to end: it stays until then. */
    sqlite3_int64 successor = 0;
    if (!rc && st == REGIO_MODEL_ACTIVE && !now.promotion)
        rc = regio__sq_int_query(s,
                                 "SELECT model_id FROM scenario_promotions WHERE"
                                 " previous_model_id = ?1 AND withdrawn_on IS NULL"
                                 " ORDER BY effective_from LIMIT 1",
                                 m.id, 0, &successor, err);
    if (!rc && successor) {
        model_ref next;
        rc = model_ref_get(s, NULL, successor, &next, err);
        if (!rc)
            rc = promo_stays_until(name, next.name, next.eff, err);
    }
    /* Scheduled: its promotion never takes effect. In force: it ends today. */
    if (!rc && st == REGIO_MODEL_SCHEDULED)
        rc = exec_it(s,
                     "UPDATE scenario_promotions SET withdrawn_on = ?4 WHERE model_id = ?1"
                     " AND withdrawn_on IS NULL",
                     m.id, today, err);
    if (!rc && st == REGIO_MODEL_ACTIVE && now.promotion)
        rc = exec_it(s, "UPDATE scenario_promotions SET withdrawn_on = ?4 WHERE id = ?1",
                     now.promotion, today, err);
    if (!rc)
        rc = exec_it(s,
                     "UPDATE territory_models SET state = 'archived', updated_at = " NOW_SQL
                     " WHERE id = ?1",
                     m.id, NULL, err);
    if (!rc) {
        char before[64], after[96];
        promo_archive_json(st, today, before, after);
        rc = regio__sq_audit_append(base, actor, "model.archive", "territory_model", m.name,
                                    before, after, err);
    }
    return regio__sq_txn_end(s, &t, rc, err);
}

/* ---- roll back ------------------------------------------------------------------------ */

/* Whether a model named name exists. */
static regio_err name_taken(regio__sqlite_store *s, const char *name, int *taken,
                            regio_error *err)
{
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prepare(s, "SELECT 1 FROM territory_models WHERE name = ?1", &st,
                                     err);
    if (rc)
        return rc;
    bind_text(st, 1, name);
    int r = sqlite3_step(st);
    *taken = r == SQLITE_ROW;
    return regio__sq_finish(s, st, *taken ? SQLITE_DONE : r, rc, err);
}

/* The first free default name of a rollback (store/promotion_codec.h). */
static regio_err default_name(regio__sqlite_store *s, const char *prev, const char *day,
                              char *out, size_t cap, regio_error *err)
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

regio_err regio__sq_model_rollback(regio_store *base, const char *effective_from,
                                   const char *new_name, const char *actor, char **name_out,
                                   regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    promo p;
    memset(&p, 0, sizeof p);
    regio__today(p.today);
    char eff[11];
    if (effective_from && !regio__is_date(effective_from))
        return promo_bad_date(effective_from, err);
    snprintf(eff, sizeof eff, "%s", effective_from ? effective_from : p.today);
    regio_err rc = new_name ? regio_model_name_check(new_name, err) : REGIO_OK;
    regio__sq_txn t;
    if (!rc)
        rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    regio_buf_init(&p.replaced, 0);
    force on;
    model_ref cur, prev;
    sqlite3_int64 prev_id = 0;
    rc = settle(s, p.today, err);
    if (!rc)
        rc = force_on(s, eff, &on, err);
    if (!rc && !on.model)
        rc = promo_nothing_in_force(eff, err);
    if (!rc)
        rc = model_ref_get(s, NULL, on.model, &cur, err);
    /* The previous model: the one in force the day before cur took effect. */
    force was;
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
    promo_rollback_texts(prev.name, eff, note, sizeof note, desc, sizeof desc);
    if (!rc)
        rc = regio__sq_clone_rows(s, prev.name, name, desc, 1, NULL, counts, err);
    if (!rc)
        rc = promote_in(s, name, eff, actor, note, &p, err);
    regio_buf b, a;
    regio_buf_init(&b, 0);
    regio_buf_init(&a, 0);
    if (!rc && promo_rollback_json(&b, &a, &p, cur.name, prev.name, counts))
        rc = json_oom(err);
    if (!rc)
        rc = regio__sq_audit_append(base, actor, "model.rollback", "territory_model", name, b.data,
                                    a.data, err);
    regio_buf_free(&a);
    regio_buf_free(&b);
    regio_buf_free(&p.replaced);
    /* The name is copied before the commit, so that a failure here leaves
     * nothing written. */
    char *copy = NULL;
    if (!rc && name_out && !(copy = regio_strdup(name)))
        rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory");
    rc = regio__sq_txn_end(s, &t, rc, err);
    if (rc)
        regio_free(copy);
    else if (name_out)
        *name_out = copy;
    return rc;
}

/* ---- history ---------------------------------------------------------------------------- */

regio_err regio__sq_promotions_foreach(regio_store *base, const char *day, regio_promotion_cb cb,
                                       void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    char d[11];
    force f;
    regio_err rc = regio__day(day, d, err);
    if (!rc)
        rc = force_on(s, d, &f, err);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = regio__sq_prepare(s,
                               "SELECT p.id, m.name, p.effective_from, COALESCE(u.login, p.actor),"
                               " p.promoted_at, p.withdrawn_on, p.note"
                               " FROM scenario_promotions p"
                               " JOIN territory_models m ON m.id = p.model_id"
                               " LEFT JOIN users u ON u.id = p.promoted_by ORDER BY p.id",
                               &st, err);
    if (rc)
        return rc;
    char prev[NAME_CAP];
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio_promotion_info pi = {(long)sqlite3_column_int64(st, 0),
                                   col_text(st, 1),
                                   NULL,
                                   col_text(st, 2),
                                   col_text(st, 3),
                                   col_text(st, 4),
                                   col_text(st, 5),
                                   col_text(st, 6),
                                   REGIO_PROMOTION_SUPERSEDED};
        const char *eff = pi.effective_from ? pi.effective_from : "";
        /* Its previous model: the one in force the day before its date, as
         * the timeline stands (a withdrawn promotion between them is not). */
        if (regio__is_date(eff)) {
            force was;
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
            rc = regio__sq_cancelled(err);
    }
    return regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
}
