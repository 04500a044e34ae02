/*
 * SQLite backend, challenges (regio/challenge.h): storing a challenge of a
 * planning model's change, closing it (approved, rejected, withdrawn) only
 * while it is open, reading them back, and a model's automatic approval
 * setting. Each write is one transaction (or a savepoint in the caller's)
 * with one audit record; who may do what is decided in src/lib/challenge.
 */
#include "store/sqlite_impl.h"

#include <stdio.h>
#include <string.h>

static const char *const STATE_NAMES[] = {"open", "approved", "rejected", "withdrawn"};
static const char *const CLOSE_ACTIONS[] = {NULL, "challenge.approve", "challenge.reject",
                                            "challenge.withdraw"};

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
        rc = regio_error_setf(err, REGIO_EDATA, NULL, 0, NULL, "unknown %s '%s'", what, key);
    return rc;
}

/* Appends "key":value to an audit object being built in b (value NULL:
 * null); the first pair opens it. */
static regio_err put(regio_buf *b, const char *key, const char *value)
{
    regio_err rc = regio_buf_putc(b, b->len ? ',' : '{');
    if (!rc)
        rc = regio_buf_json_str(b, key);
    if (!rc)
        rc = regio_buf_putc(b, ':');
    if (!rc)
        rc = value ? regio_buf_json_str(b, value) : regio_buf_puts(b, "null");
    return rc;
}

/* The audit object of a challenge: what it is about and where it stands. */
static regio_err describe(regio_buf *b, const regio_challenge *c)
{
    regio_err rc = put(b, "model", c->model);
    if (!rc)
        rc = put(b, "territory", c->territory);
    if (!rc)
        rc = put(b, c->unit ? "unit" : "account", c->unit ? c->unit : c->account);
    if (!rc)
        rc = put(b, "from", c->from);
    if (!rc)
        rc = put(b, "to", c->to);
    if (!rc)
        rc = put(b, "raised_by", c->raised_by);
    if (!rc)
        rc = put(b, "reason", c->reason);
    if (!rc)
        rc = put(b, "status", STATE_NAMES[c->state]);
    if (!rc && c->state != REGIO_CHALLENGE_OPEN) {
        rc = put(b, "decided_by", c->decided_by);
        if (!rc)
            rc = put(b, "note", c->note);
        if (!rc && c->auto_approved)
            rc = regio_buf_puts(b, ",\"auto_approved\":true");
    }
    if (!rc)
        rc = regio_buf_putc(b, '}');
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
        rc = regio_error_setf(err, REGIO_ECONFLICT, NULL, 0, NULL,
                              "territory model '%s' is not a planning model: only the changes "
                              "of a planning model are challenged",
                              c->model);
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
        sqlite3_finalize(st);
    }
    long id = rc ? 0 : (long)sqlite3_last_insert_rowid(s->db);
    if (!rc) {
        regio_challenge open = *c;
        open.state = REGIO_CHALLENGE_OPEN;
        char key[32];
        snprintf(key, sizeof key, "%ld", id);
        regio_buf b;
        regio_buf_init(&b, 0);
        rc = describe(&b, &open);
        if (!rc)
            rc = regio__sq_audit_append(base, actor ? actor : c->raised_by, "challenge.raise",
                                        "challenge", key, NULL, b.data, err);
        else
            rc = regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
        regio_buf_free(&b);
    }
    rc = regio__sq_txn_end(s, &t, rc, err);
    if (id_out)
        *id_out = rc ? 0 : id;
    return rc;
}

/* The one challenge read by regio__sq_challenge_close, copied. */
typedef struct found {
    int n;
    regio_buf text; /* before-JSON of the challenge */
    regio_challenge c; /* its strings are valid only during the read */
} found;

static int keep(void *ud, const regio_challenge *c)
{
    found *f = ud;
    f->n++;
    f->c = *c;
    return describe(&f->text, c) != REGIO_OK;
}

regio_err regio__sq_challenge_close(regio_store *base, long id, regio_challenge_state to,
                                    const char *by, const char *note, int auto_approved,
                                    const char *actor, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    if (to == REGIO_CHALLENGE_OPEN || (int)to < 0 || (int)to > REGIO_CHALLENGE_WITHDRAWN)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "a challenge is closed as approved, rejected or withdrawn");
    if (auto_approved && to != REGIO_CHALLENGE_APPROVED)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "only an approval is automatic");
    regio__sq_txn t;
    regio_err rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    found f;
    memset(&f, 0, sizeof f);
    regio_buf_init(&f.text, 0);
    regio_buf after;
    regio_buf_init(&after, 0);
    rc = regio__sq_challenges_foreach(base, NULL, id, keep, &f, err);
    if (rc == REGIO_ECANCELLED)
        rc = regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (!rc && f.n == 0)
        rc = regio_error_setf(err, REGIO_ENOTFOUND, NULL, 0, NULL, "no challenge %ld", id);
    if (!rc && f.c.state != REGIO_CHALLENGE_OPEN)
        rc = regio_error_setf(err, REGIO_ECONFLICT, NULL, 0, NULL,
                              "challenge %ld is %s already: only an open challenge is decided "
                              "or withdrawn",
                              id, STATE_NAMES[f.c.state]);
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
        bind_text(st, 2, STATE_NAMES[to]);
        if (by && to != REGIO_CHALLENGE_WITHDRAWN)
            sqlite3_bind_int64(st, 3, uid);
        bind_text(st, 4, note);
        sqlite3_bind_int(st, 5, auto_approved != 0);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = regio__sq_err(s, err, "closing a challenge");
        sqlite3_finalize(st);
    }
    if (!rc) {
        /* The strings f.c pointed to lived only during the read: the
         * before-JSON holds them; the after-JSON names the change again
         * from a second read. */
        found g;
        memset(&g, 0, sizeof g);
        g.text = after;
        rc = regio__sq_challenges_foreach(base, NULL, id, keep, &g, err);
        after = g.text;
        if (rc == REGIO_ECANCELLED)
            rc = regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    if (!rc) {
        char key[32];
        snprintf(key, sizeof key, "%ld", id);
        rc = regio__sq_audit_append(base, actor ? actor : (by ? by : "auto"), CLOSE_ACTIONS[to],
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
        const char *state = col_text(st, 10);
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
            .state = REGIO_CHALLENGE_OPEN,
            .decided_by = col_text(st, 11),
            .decided_at = col_text(st, 12),
            .note = col_text(st, 13),
            .auto_approved = sqlite3_column_int(st, 14),
        };
        for (int k = 0; state && k < 4; k++)
            if (!strcmp(state, STATE_NAMES[k]))
                c.state = (regio_challenge_state)k;
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
    if (!(tolerance < 1))
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "a balance tolerance is a share above 0 and below 1 (0.05 is 5%%)");
    regio__sq_txn t;
    regio_err rc = regio__sq_txn_begin(s, &t, err);
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
        sqlite3_finalize(st);
    }
    if (!rc)
        rc = regio__sq_model_auto_approval(base, model, NULL, &now_tol, err);
    if (!rc) {
        char before[96], after[96];
        snprintf(before, sizeof before, "{\"auto_approve\":%s,\"balance_tolerance\":%.6g}",
                 was_on ? "true" : "false", was_tol);
        snprintf(after, sizeof after, "{\"auto_approve\":%s,\"balance_tolerance\":%.6g}",
                 on ? "true" : "false", now_tol);
        rc = regio__sq_audit_append(base, actor ? actor : "cli", "model.auto_approval",
                                    "territory_model", model, before, after, err);
    }
    return regio__sq_txn_end(s, &t, rc, err);
}
