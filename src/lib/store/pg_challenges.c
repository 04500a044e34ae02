/*
 * PostgreSQL backend, challenges (regio/challenge.h): storing a challenge
 * of a planning model's change, closing it (approved, rejected, withdrawn)
 * only while it is open, reading them back, and a model's automatic
 * approval setting — SQLite's rules, refusals and audit records
 * (store/challenge_codec.h). A close locks the challenge's row (SELECT ...
 * FOR UPDATE) before it reads its state, and its UPDATE still asks for an
 * open one, so that of two servers deciding one challenge at once the
 * second finds it closed. Who may do what is decided in src/lib/challenge.
 */
#include "regio/design.h"
#include "store/challenge_codec.h"
#include "store/pg_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW_SQL "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* The id of what key names (sql has $1 for the key and, when it has $2,
 * the model id), or REGIO_EDATA "unknown WHAT 'KEY'". */
static regio_err required(regio__pg_store *s, const char *sql, const char *what, const char *key,
                          long long model, long long *id, regio_error *err)
{
    char b[32];
    const char *p[2] = {key, regio__pg_int(b, model)};
    PGresult *res = NULL;
    regio_err rc = regio__pg_query(s, sql, strstr(sql, "$2") ? 2 : 1, p, PGRES_TUPLES_OK,
                                   "reading the store", &res, err);
    if (!rc && PQntuples(res))
        *id = regio__pg_col_int(res, 0, 0);
    else if (!rc)
        rc = challenge_unknown(what, key, err);
    PQclear(res);
    return rc;
}

regio_err regio__pg_challenge_add(regio_store *base, const regio_challenge *c, const char *actor,
                                  long *id_out, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio__pg_txn t;
    regio_err rc = regio__pg_txn_begin(s, &t, err);
    if (rc)
        return rc;
    long long mid = 0, tid = 0, uid = 0, item = 0, planning = 0, id = 0;
    rc = required(s, "SELECT id FROM territory_models WHERE name = $1", "territory model",
                  c->model, 0, &mid, err);
    /* The model's row is held until the end: a promotion settling it waits. */
    if (!rc)
        rc = regio__pg_int_query(s,
                                 "SELECT (state = 'planning')::int FROM territory_models"
                                 " WHERE id = $1 AND $2::bigint = 0 FOR SHARE",
                                 mid, 0, &planning, err);
    if (!rc && !planning)
        rc = challenge_not_planning(c->model, err);
    if (!rc)
        rc = required(s, "SELECT id FROM territories WHERE ext_id = $1 AND model_id = $2",
                      "territory", c->territory, mid, &tid, err);
    if (!rc)
        rc = c->unit ? required(s, "SELECT id FROM units WHERE ext_id = $1", "unit", c->unit, 0,
                                &item, err)
                     : required(s, "SELECT id FROM accounts WHERE ext_id = $1", "account",
                                c->account, 0, &item, err);
    if (!rc)
        rc = required(s, "SELECT id FROM users WHERE login = $1", "user", c->raised_by, 0, &uid,
                      err);
    char b[4][32];
    const char *p[8] = {regio__pg_int(b[0], mid),
                        regio__pg_int(b[1], tid),
                        c->unit ? regio__pg_int(b[2], item) : NULL,
                        c->unit ? NULL : regio__pg_int(b[2], item),
                        regio__pg_int(b[3], uid),
                        c->reason,
                        c->from,
                        c->to};
    PGresult *res = NULL;
    if (!rc)
        rc = regio__pg_query(s,
                             "INSERT INTO challenges(model_id, territory_id, unit_id,"
                             " account_id, raised_by, reason, from_territory, to_territory)"
                             " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                             8, p, PGRES_TUPLES_OK, "storing a challenge", &res, err);
    if (!rc)
        id = regio__pg_col_int(res, 0, 0);
    PQclear(res);
    if (!rc) {
        char key[32];
        regio_buf j;
        regio_buf_init(&j, 0);
        rc = challenge_raise_json(&j, c, (long)id, key, err);
        if (!rc)
            rc = regio__pg_audit_append(base, actor ? actor : c->raised_by, "challenge.raise",
                                        "challenge", key, NULL, j.data, err);
        regio_buf_free(&j);
    }
    rc = regio__pg_txn_end(s, &t, rc, err);
    if (id_out)
        *id_out = rc ? 0 : (long)id;
    return rc;
}

regio_err regio__pg_challenge_close(regio_store *base, long id, regio_challenge_state to,
                                    const char *by, const char *note, int auto_approved,
                                    const char *actor, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio_err rc = challenge_close_check(to, auto_approved, err);
    if (rc)
        return rc;
    regio__pg_txn t;
    rc = regio__pg_txn_begin(s, &t, err);
    if (rc)
        return rc;
    challenge_found f;
    memset(&f, 0, sizeof f);
    regio_buf_init(&f.text, 0);
    regio_buf after;
    regio_buf_init(&after, 0);
    /* Locked first: the read below sees what a close that came first wrote. */
    long long locked = 0;
    rc = regio__pg_int_query(s,
                             "SELECT id FROM challenges WHERE id = $1 AND $2::bigint = 0"
                             " FOR UPDATE",
                             id, 0, &locked, err);
    if (!rc)
        rc = regio__pg_challenges_foreach(base, NULL, id, challenge_keep, &f, err);
    if (rc == REGIO_ECANCELLED)
        rc = regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (!rc)
        rc = challenge_closable(id, f.n, f.c.state, err);
    long long uid = 0;
    if (!rc && by)
        rc = required(s, "SELECT id FROM users WHERE login = $1", "user", by, 0, &uid, err);
    char b[2][32];
    const char *p[5] = {regio__pg_int(b[0], id), CHALLENGE_STATES[to],
                        by && to != REGIO_CHALLENGE_WITHDRAWN ? regio__pg_int(b[1], uid) : NULL,
                        note, auto_approved ? "1" : "0"};
    if (!rc)
        rc = regio__pg_write(s,
                             "UPDATE challenges SET status = $2, decided_by = $3,"
                             " decided_at = " NOW_SQL ", decision_note = $4, auto_approved = $5"
                             " WHERE id = $1 AND status = 'open'",
                             5, p, "closing a challenge", NULL, err);
    if (!rc) {
        /* The strings f.c pointed to lived only during the read: the
         * before-JSON holds them; the after-JSON names the change again
         * from a second read. */
        challenge_found g;
        memset(&g, 0, sizeof g);
        g.text = after;
        rc = regio__pg_challenges_foreach(base, NULL, id, challenge_keep, &g, err);
        after = g.text;
        if (rc == REGIO_ECANCELLED)
            rc = regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    if (!rc) {
        char key[32];
        snprintf(key, sizeof key, "%ld", id);
        rc = regio__pg_audit_append(base, challenge_closer(actor, by), CHALLENGE_CLOSE_ACTIONS[to],
                                    "challenge", key, f.text.data, after.data, err);
    }
    regio_buf_free(&f.text);
    regio_buf_free(&after);
    return regio__pg_txn_end(s, &t, rc, err);
}

regio_err regio__pg_challenges_foreach(regio_store *base, const char *model, long id,
                                       regio_challenge_cb cb, void *ud, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    long long mid = 0;
    regio_err rc = model ? regio__pg_model_id(s, model, &mid, err) : REGIO_OK;
    char b[2][32];
    const char *p[2] = {regio__pg_int(b[0], mid), regio__pg_int(b[1], id > 0 ? id : 0)};
    PGresult *res = NULL;
    if (!rc)
        rc = regio__pg_query(
            s,
            "SELECT c.id, m.name, t.ext_id, u.ext_id, a.ext_id, c.from_territory,"
            " c.to_territory, r.login, c.reason, c.created_at, c.status, d.login, c.decided_at,"
            " c.decision_note, c.auto_approved FROM challenges c"
            " JOIN territory_models m ON m.id = c.model_id"
            " JOIN territories t ON t.id = c.territory_id"
            " LEFT JOIN units u ON u.id = c.unit_id LEFT JOIN accounts a ON a.id = c.account_id"
            " JOIN users r ON r.id = c.raised_by LEFT JOIN users d ON d.id = c.decided_by"
            " WHERE ($1::bigint = 0 OR c.model_id = $1) AND ($2::bigint = 0 OR c.id = $2)"
            " ORDER BY c.id DESC",
            2, p, PGRES_TUPLES_OK, "reading the challenges", &res, err);
    for (int i = 0; !rc && i < PQntuples(res); i++) {
        regio_challenge c = {
            .id = (long)regio__pg_col_int(res, i, 0),
            .model = regio__pg_col_text(res, i, 1),
            .territory = regio__pg_col_text(res, i, 2),
            .unit = regio__pg_col_text(res, i, 3),
            .account = regio__pg_col_text(res, i, 4),
            .from = regio__pg_col_text(res, i, 5),
            .to = regio__pg_col_text(res, i, 6),
            .raised_by = regio__pg_col_text(res, i, 7),
            .reason = regio__pg_col_text(res, i, 8),
            .created_at = regio__pg_col_text(res, i, 9),
            .state = challenge_state_of(regio__pg_col_text(res, i, 10)),
            .decided_by = regio__pg_col_text(res, i, 11),
            .decided_at = regio__pg_col_text(res, i, 12),
            .note = regio__pg_col_text(res, i, 13),
            .auto_approved = (int)regio__pg_col_int(res, i, 14),
        };
        if (cb(ud, &c))
            rc = regio__pg_cancelled(err);
    }
    PQclear(res);
    return rc;
}

regio_err regio__pg_model_auto_approval(regio_store *base, const char *model, int *on,
                                        double *tolerance, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    long long mid = 0;
    regio_err rc = regio__pg_model_id(s, model, &mid, err);
    char b[32];
    const char *p[1] = {regio__pg_int(b, mid)};
    PGresult *res = NULL;
    if (!rc)
        rc = regio__pg_query(s,
                             "SELECT auto_approve, balance_tolerance FROM territory_models"
                             " WHERE id = $1",
                             1, p, PGRES_TUPLES_OK, "reading a territory model", &res, err);
    if (!rc && PQntuples(res)) {
        if (on)
            *on = regio__pg_col_int(res, 0, 0) != 0;
        if (tolerance)
            *tolerance = PQgetisnull(res, 0, 1) ? REGIO_DESIGN_DEFAULT_TOLERANCE
                                                : regio__pg_col_num(res, 0, 1);
    }
    PQclear(res);
    return rc;
}

regio_err regio__pg_model_set_auto_approval(regio_store *base, const char *model, int on,
                                            double tolerance, const char *actor,
                                            regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio_err rc = challenge_tolerance_check(tolerance, err);
    if (rc)
        return rc;
    regio__pg_txn t;
    rc = regio__pg_txn_begin(s, &t, err);
    if (rc)
        return rc;
    long long mid = 0, held = 0;
    int was_on = 0;
    double was_tol = 0, now_tol = 0;
    rc = regio__pg_model_id(s, model, &mid, err);
    /* Held until the end, so that the record's before is what was replaced. */
    if (!rc)
        rc = regio__pg_int_query(s,
                                 "SELECT id FROM territory_models WHERE id = $1"
                                 " AND $2::bigint = 0 FOR UPDATE",
                                 mid, 0, &held, err);
    if (!rc)
        rc = regio__pg_model_auto_approval(base, model, &was_on, &was_tol, err);
    char b[2][32];
    const char *p[3] = {regio__pg_int(b[0], mid), on ? "1" : "0",
                        regio__pg_num(b[1], tolerance > 0 ? tolerance : 0)};
    if (!rc)
        rc = regio__pg_write(s,
                             "UPDATE territory_models SET auto_approve = $2, balance_tolerance ="
                             " CASE WHEN $3::float8 > 0 THEN $3::float8 ELSE balance_tolerance"
                             " END, updated_at = " NOW_SQL " WHERE id = $1",
                             3, p, "writing a territory model", NULL, err);
    if (!rc)
        rc = regio__pg_model_auto_approval(base, model, NULL, &now_tol, err);
    if (!rc) {
        char before[96], after[96];
        challenge_auto_json(before, was_on, was_tol);
        challenge_auto_json(after, on, now_tol);
        rc = regio__pg_audit_append(base, actor ? actor : "cli", "model.auto_approval",
                                    "territory_model", model, before, after, err);
    }
    return regio__pg_txn_end(s, &t, rc, err);
}
