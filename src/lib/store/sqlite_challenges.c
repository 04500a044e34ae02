/*
 * SQLite backend, challenges (regio/challenge.h): storing a challenge of a
 * planning model's change, closing it (approved, rejected, withdrawn) only
 * while it is open, reading them back, and a model's automatic approval
 * setting. Each write is one transaction (or a savepoint in the caller's)
 * with one audit record; who may do what is decided in src/lib/challenge.
 */
#include "store/challenge_codec.h"
#include "store/sqlite_impl.h"

#include <stdio.h>
#include <string.h>

/* Looks up one id by a text key (sql has ?1 for the key, ?2 for an
 * optional model id); *found says whether a row came back. */
static regio_err lookup(regio__sqlite_store *s, const char *sql, const char *key,
                        sqlite3_int64 model, sqlite3_int64 *id, int *found, regio_error *err)
{
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prepare(s, sql, &st, err);
    if (rc)
        return rc;
    bind_text(st, 1, key);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, model);
    int r = sqlite3_step(st);
    *found = r == SQLITE_ROW;
    *id = *found ? sqlite3_column_int64(st, 0) : 0;
    return regio__sq_finish(s, st, *found ? SQLITE_DONE : r, rc, err);
}

/* The id of what key names, or REGIO_EDATA "unknown WHAT 'KEY'". */
static regio_err required(regio__sqlite_store *s, const char *sql, const char *what,
                          const char *key, sqlite3_int64 model, sqlite3_int64 *id,
                          regio_error *err)
{
    int found = 0;
    regio_err rc = lookup(s, sql, key, model, id, &found, err);
    if (!rc && !found)
        rc = challenge_unknown(what, key, err);
    return rc;
}

regio_err regio__sq_challenge_add(regio_store *base, const regio_challenge *c, const char *actor,
                                  long *id_out, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio__sq_txn t;
    regio_err rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    sqlite3_int64 mid = 0, tid = 0, uid = 0, item = 0, planning = 0;
    rc = required(s, "SELECT id FROM territory_models WHERE name = ?1", "territory model",
                  c->model, 0, &mid, err);
    if (!rc)
        rc = regio__sq_int_query(s,
                                 "SELECT state = 'planning' FROM territory_models WHERE id = ?1",
                                 mid, 0, &planning, err);
    if (!rc && !planning)
        rc = challenge_not_planning(c->model, err);
    if (!rc)
        rc = required(s, "SELECT id FROM territories WHERE ext_id = ?1 AND model_id = ?2",
                      "territory", c->territory, mid, &tid, err);
    if (!rc)
        rc = c->unit ? required(s, "SELECT id FROM units WHERE ext_id = ?1", "unit", c->unit, 0,
                                &item, err)
                     : required(s, "SELECT id FROM accounts WHERE ext_id = ?1", "account",
                                c->account, 0, &item, err);
    if (!rc)
        rc = required(s, "SELECT id FROM users WHERE login = ?1", "user", c->raised_by, 0, &uid,
                      err);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = regio__sq_prepare(s,
                               "INSERT INTO challenges(model_id, territory_id, unit_id,"
                               " account_id, raised_by, reason, from_territory, to_territory)"
                               " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                               &st, err);
    if (!rc) {
        sqlite3_bind_int64(st, 1, mid);
        sqlite3_bind_int64(st, 2, tid);
        sqlite3_bind_int64(st, c->unit ? 3 : 4, item);
        sqlite3_bind_int64(st, 5, uid);
        bind_text(st, 6, c->reason);
        bind_text(st, 7, c->from);
        bind_text(st, 8, c->to);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = regio__sq_err(s, err, "storing a challenge");
        regio__sq_release(s, st);
    }
    long id = rc ? 0 : (long)sqlite3_last_insert_rowid(s->db);
    if (!rc) {
        char key[32];
        regio_buf b;
        regio_buf_init(&b, 0);
        rc = challenge_raise_json(&b, c, id, key, err);
        if (!rc)
            rc = regio__sq_audit_append(base, actor ? actor : c->raised_by, "challenge.raise",
                                        "challenge", key, NULL, b.data, err);
        regio_buf_free(&b);
    }
    rc = regio__sq_txn_end(s, &t, rc, err);
    if (id_out)
        *id_out = rc ? 0 : id;
    return rc;
}

regio_err regio__sq_challenge_close(regio_store *base, long id, regio_challenge_state to,
                                    const char *by, const char *note, int auto_approved,
                                    const char *actor, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio_err rc = challenge_close_check(to, auto_approved, err);
    if (rc)
        return rc;
    regio__sq_txn t;
    rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    challenge_found f;
    memset(&f, 0, sizeof f);
    regio_buf_init(&f.text, 0);
    regio_buf after;
    regio_buf_init(&after, 0);
    rc = regio__sq_challenges_foreach(base, NULL, id, challenge_keep, &f, err);
    if (rc == REGIO_ECANCELLED)
        rc = regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (!rc)
        rc = challenge_closable(id, f.n, f.c.state, err);
    sqlite3_int64 uid = 0;
    if (!rc && by)
        rc = required(s, "SELECT id FROM users WHERE login = ?1", "user", by, 0, &uid, err);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = regio__sq_prepare(s,
                               "UPDATE challenges SET status = ?2, decided_by = ?3,"
                               " decided_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),"
                               " decision_note = ?4, auto_approved = ?5"
                               " WHERE id = ?1 AND status = 'open'",
                               &st, err);
    if (!rc) {
        sqlite3_bind_int64(st, 1, id);
        bind_text(st, 2, CHALLENGE_STATES[to]);
        if (by && to != REGIO_CHALLENGE_WITHDRAWN)
            sqlite3_bind_int64(st, 3, uid);
        bind_text(st, 4, note);
        sqlite3_bind_int(st, 5, auto_approved != 0);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = regio__sq_err(s, err, "closing a challenge");
        regio__sq_release(s, st);
    }
    if (!rc) {
        /* The strings f.c pointed to lived only during the read: the
         * before-JSON holds them; the after-JSON names the change again
         * from a second read. */
        challenge_found g;
        memset(&g, 0, sizeof g);
        g.text = after;
        rc = regio__sq_challenges_foreach(base, NULL, id, challenge_keep, &g, err);
        after = g.text;
        if (rc == REGIO_ECANCELLED)
            rc = regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    if (!rc) {
        char key[32];
        snprintf(key, sizeof key, "%ld", id);
        rc = regio__sq_audit_append(base, challenge_closer(actor, by), CHALLENGE_CLOSE_ACTIONS[to],
                                    "challenge", key, f.text.data, after.data, err);
    }
    regio_buf_free(&f.text);
    regio_buf_free(&after);
    return regio__sq_txn_end(s, &t, rc, err);
}

regio_err regio__sq_challenges_foreach(regio_store *base, const char *model, long id,
                                       regio_challenge_cb cb, void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_int64 mid = 0;
    regio_err rc = model ? regio__sq_model_id(s, model, &mid, err) : REGIO_OK;
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = regio__sq_prepare(
            s,
            "SELECT c.id, m.name, t.ext_id, u.ext_id, a.ext_id, c.from_territory,"
            " c.to_territory, r.login, c.reason, c.created_at, c.status, d.login, c.decided_at,"
            " c.decision_note, c.auto_approved FROM challenges c"
            " JOIN territory_models m ON m.id = c.model_id"
            " JOIN territories t ON t.id = c.territory_id"
            " LEFT JOIN units u ON u.id = c.unit_id LEFT JOIN accounts a ON a.id = c.account_id"
            " JOIN users r ON r.id = c.raised_by LEFT JOIN users d ON d.id = c.decided_by"
            " WHERE (?1 = 0 OR c.model_id = ?1) AND (?2 = 0 OR c.id = ?2) ORDER BY c.id DESC",
            &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, mid);
    sqlite3_bind_int64(st, 2, id > 0 ? id : 0);
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio_challenge c = {
            .id = (long)sqlite3_column_int64(st, 0),
            .model = col_text(st, 1),
            .territory = col_text(st, 2),
            .unit = col_text(st, 3),
            .account = col_text(st, 4),
            .from = col_text(st, 5),
            .to = col_text(st, 6),
            .raised_by = col_text(st, 7),
            .reason = col_text(st, 8),
            .created_at = col_text(st, 9),
            .state = challenge_state_of(col_text(st, 10)),
            .decided_by = col_text(st, 11),
            .decided_at = col_text(st, 12),
            .note = col_text(st, 13),
            .auto_approved = sqlite3_column_int(st, 14),
        };
        if (cb(ud, &c))
            rc = regio__sq_cancelled(err);
    }
    return regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
}

regio_err regio__sq_model_auto_approval(regio_store *base, const char *model, int *on,
                                        double *tolerance, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_int64 mid = 0;
    regio_err rc = regio__sq_model_id(s, model, &mid, err);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = regio__sq_prepare(s,
                               "SELECT auto_approve, balance_tolerance FROM territory_models"
                               " WHERE id = ?1",
                               &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, mid);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        if (on)
            *on = sqlite3_column_int(st, 0) != 0;
        if (tolerance)
            *tolerance = sqlite3_column_type(st, 1) == SQLITE_NULL
                             ? REGIO_DESIGN_DEFAULT_TOLERANCE
                             : sqlite3_column_double(st, 1);
        r = SQLITE_DONE;
    }
    return regio__sq_finish(s, st, r, rc, err);
}

regio_err regio__sq_model_set_auto_approval(regio_store *base, const char *model, int on,
                                            double tolerance, const char *actor,
                                            regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio_err rc = challenge_tolerance_check(tolerance, err);
    if (rc)
        return rc;
    regio__sq_txn t;
    rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    sqlite3_int64 mid = 0;
    int was_on = 0;
    double was_tol = 0, now_tol = 0;
    rc = regio__sq_model_id(s, model, &mid, err);
    if (!rc)
        rc = regio__sq_model_auto_approval(base, model, &was_on, &was_tol, err);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = regio__sq_prepare(s,
                               "UPDATE territory_models SET auto_approve = ?2, balance_tolerance ="
                               " CASE WHEN ?3 > 0 THEN ?3 ELSE balance_tolerance END,"
                               " updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1",
                               &st, err);
    if (!rc) {
        sqlite3_bind_int64(st, 1, mid);
        sqlite3_bind_int(st, 2, on != 0);
        sqlite3_bind_double(st, 3, tolerance > 0 ? tolerance : 0);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = regio__sq_err(s, err, "writing a territory model");
        regio__sq_release(s, st);
    }
    if (!rc)
        rc = regio__sq_model_auto_approval(base, model, NULL, &now_tol, err);
    if (!rc) {
        char before[96], after[96];
        challenge_auto_json(before, was_on, was_tol);
        challenge_auto_json(after, on, now_tol);
        rc = regio__sq_audit_append(base, actor ? actor : "cli", "model.auto_approval",
                                    "territory_model", model, before, after, err);
    }
    return regio__sq_txn_end(s, &t, rc, err);
}
