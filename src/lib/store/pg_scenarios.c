/*
 * PostgreSQL backend, what the server and the CLI read and write around a
 * model besides its alignment: the units' fingerprint, territories with
 * their rep, the reasons of a design, and cloning and resetting a model.
 */
#include "regio/model_view.h"
#include "store/edit_codec.h"
#include "store/pg_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A write with up to two integer parameters; *changed (may be NULL) gets
 * the rows it changed. */
static regio_err exec_ids(regio__pg_store *s, const char *sql, long long p1, long long p2,
                          long *changed, regio_error *err)
{
    char b[2][32];
    const char *p[2] = {regio__pg_int(b[0], p1), regio__pg_int(b[1], p2)};
    return regio__pg_write(s, sql, 2, p, "writing the store", changed, err);
}

/* ---- units ------------------------------------------------------------------------ */

regio_err regio__pg_units_fingerprint(regio_store *base, uint64_t *fp, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    PGresult *res = NULL;
    *fp = 0;
    regio_err rc = regio__pg_query(s,
                                   "SELECT COUNT(*), COALESCE(MAX(id), 0),"
                                   " COALESCE(MAX(updated_at COLLATE \"C\"), ''),"
                                   " COALESCE(SUM(row_hash::numeric), 0),"
                                   " (SELECT COUNT(*) FROM unit_adjacency) FROM units",
                                   0, NULL, PGRES_TUPLES_OK, "reading the units", &res, err);
    if (!rc) {
        /* Any added, removed, changed unit or adjacency edge moves it. */
        regio__hash h;
        regio__hash_init(&h);
        for (int c = 0; c < 5; c++)
            regio__hash_str(&h, PQgetvalue(res, 0, c));
        *fp = h.h;
    }
    PQclear(res);
    return rc;
}

/* ---- territories ------------------------------------------------------------------ */

regio_err regio__pg_territories_foreach(regio_store *base, const char *model, regio_territory_cb cb,
                                        void *ud, regio_error *err)
{
    PGresult *res = NULL;
    regio_err rc = regio__pg_model_rows(REGIO_PG(base), model,
                                        "SELECT t.ext_id, t.name, p.ext_id, ty.name, r.ext_id,"
                                        " t.account_access FROM territories t"
                                        " LEFT JOIN territories p ON p.id = t.parent_id"
                                        " LEFT JOIN territory_types ty ON ty.id = t.type_id"
                                        " LEFT JOIN reps r ON r.id = t.rep_id"
                                        " WHERE t.model_id = $1 ORDER BY t.ext_id COLLATE \"C\"",
                                        "reading territories", &res, err);
    for (int i = 0; !rc && i < PQntuples(res); i++) {
        regio_territory_info ti = {regio__pg_col_text(res, i, 0), regio__pg_col_text(res, i, 1),
                                   regio__pg_col_text(res, i, 2), regio__pg_col_text(res, i, 3),
                                   regio__pg_col_text(res, i, 4), regio__pg_col_text(res, i, 5)};
        if (cb(ud, &ti))
            rc = regio__pg_cancelled(err);
    }
    PQclear(res);
    return rc;
}

regio_err regio__pg_territory_set_rep(regio_store *base, const char *model, const char *ext_id,
                                      const char *rep, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    long long mid = 0;
    regio_err rc = regio__pg_model_id(s, model, &mid, err);
    if (rc)
        return rc;
    char b[32];
    const char *p[3] = {rep, regio__pg_int(b, mid), ext_id};
    PGresult *res = NULL;
    rc = regio__pg_query(s,
                         "SELECT (SELECT id FROM territories WHERE model_id = $2 AND ext_id = $3),"
                         " $1::text IS NULL OR EXISTS (SELECT 1 FROM reps WHERE ext_id = $1)",
                         3, p, PGRES_TUPLES_OK, "setting a territory's rep", &res, err);
    if (rc)
        return rc;
    int terr = !PQgetisnull(res, 0, 0), known = !strcmp(PQgetvalue(res, 0, 1), "t");
    PQclear(res);
    if (!terr)
        return regio__store_fail(err, REGIO_ENOTFOUND, "territory '%s' is not in the model",
                                 ext_id);
    if (!known)
        return regio__store_fail(err, REGIO_ENOTFOUND, "no rep '%s'", rep);
    return regio__pg_query(s,
                           "UPDATE territories SET rep_id = (SELECT id FROM reps"
                           " WHERE ext_id = $1), updated_at = to_char(now() AT TIME ZONE 'UTC',"
                           " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
                           " WHERE model_id = $2 AND ext_id = $3",
                           3, p, PGRES_COMMAND_OK, "setting a territory's rep", NULL, err);
}

/* The timeline's (pg_models.c), as every reader sees it. */
regio_err regio__pg_model_in_force(regio_store *base, const char *day, regio_model_info *out,
                                   regio_error *err)
{
    return regio__pg_model_find_at(base, NULL, day, out, err);
}

/* ---- reasons of a design ------------------------------------------------------------- */

regio_err regio__pg_model_reasons_set(regio_store *base, const char *model,
                                      const regio_unit_reason *r, size_t n, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    long long mid = 0;
    regio_err rc = regio__pg_model_id(s, model, &mid, err);
    if (rc)
        return rc;
    regio__pg_txn t;
    if ((rc = regio__pg_txn_begin(s, &t, err)))
        return rc;
    rc = exec_ids(s, "DELETE FROM model_reasons WHERE model_id = $1 AND $2::bigint = 0", mid, 0,
                  NULL, err);
    char b[32];
    regio__pg_int(b, mid);
    for (size_t i = 0; !rc && i < n; i++) {
        const char *p[7] = {b, r[i].unit_id, r[i].from, r[i].to, r[i].kind, r[i].text, r[i].data};
        long changed = 0;
        PGresult *res = NULL;
        rc = regio__pg_query(s,
                             "INSERT INTO model_reasons(model_id, unit_id, from_territory,"
                             " to_territory, kind, text, data) SELECT $1, id, $3, $4, $5, $6,"
                             " COALESCE($7, '{}') FROM units WHERE ext_id = $2",
                             7, p, PGRES_COMMAND_OK, "storing a reason", &res, err);
        if (!rc)
            changed = atol(PQcmdTuples(res));
        PQclear(res);
        if (!rc && !changed)
            rc = regio__store_fail(err, REGIO_ENOTFOUND, "unit '%s' not found", r[i].unit_id);
    }
    return regio__pg_txn_end(s, &t, rc, err);
}

regio_err regio__pg_model_reasons_foreach(regio_store *base, const char *model, regio_reason_cb cb,
                                          void *ud, regio_error *err)
{
    PGresult *res = NULL;
    regio_err rc =
        regio__pg_model_rows(REGIO_PG(base), model,
                             "SELECT u.ext_id, r.from_territory, r.to_territory, r.kind, r.text,"
                             " r.data FROM model_reasons r JOIN units u ON u.id = r.unit_id"
                             " JOIN alignments al ON al.model_id = r.model_id"
                             "  AND al.unit_id = r.unit_id AND al.effective_to IS NULL"
                             " JOIN territories t ON t.id = al.territory_id"
                             " WHERE r.model_id = $1 AND t.ext_id = r.to_territory"
                             " ORDER BY u.ext_id COLLATE \"C\"",
                             "reading the reasons", &res, err);
    for (int i = 0; !rc && i < PQntuples(res); i++) {
        regio_unit_reason row = {regio__pg_col_text(res, i, 0), regio__pg_col_text(res, i, 1),
                                 regio__pg_col_text(res, i, 2), regio__pg_col_text(res, i, 3),
                                 regio__pg_col_text(res, i, 4), regio__pg_col_text(res, i, 5)};
        if (cb(ud, &row))
            rc = regio__pg_cancelled(err);
    }
    PQclear(res);
    return rc;
}

/* ---- clone and reset --------------------------------------------------------------------- */

/* The state today of model name (NULL: the one in force today), as the
 * promotion timeline has it (pg_promotions.c), its id and name. */
static regio_err model_of(regio__pg_store *s, const char *name, long long *id, char *state,
                          char *shown, size_t cap, regio_error *err)
{
    long long in_force = 0;
    char b[32];
    regio_err rc = regio__pg_in_force(s, NULL, &in_force, err);
    const char *p[1] = {name ? name : regio__pg_int(b, in_force)};
    PGresult *res = NULL;
    if (!rc)
        rc = regio__pg_query(s,
                             name ? "SELECT id, state, name FROM territory_models WHERE name = $1"
                                  : "SELECT id, state, name FROM territory_models WHERE id = $1",
                             1, p, PGRES_TUPLES_OK, "reading a territory model", &res, err);
    if (rc)
        return rc;
    regio_model_state st = REGIO_MODEL_PLANNING;
    if (!PQntuples(res))
        rc = name ? regio__store_fail(err, REGIO_ENOTFOUND, "territory model '%s' not found", name)
                  : regio__store_fail(err, REGIO_ENOTFOUND, "no territory model is active");
    else {
        *id = regio__pg_col_int(res, 0, 0);
        const char *stored = PQgetvalue(res, 0, 1);
        st = !strcmp(stored, "active")     ? REGIO_MODEL_ACTIVE
             : !strcmp(stored, "archived") ? REGIO_MODEL_ARCHIVED
                                           : REGIO_MODEL_PLANNING;
        snprintf(shown, cap, "%s", PQgetvalue(res, 0, 2));
    }
    PQclear(res);
    if (!rc)
        rc = regio__pg_model_state(s, *id, st, NULL, in_force, &st, err);
    if (!rc)
        snprintf(state, 16, "%s", regio_model_state_name(st));
    return rc;
}

regio_err regio__pg_clone_rows(regio__pg_store *s, const char *from, const char *new_name,
                               const char *description, int with_members, long long *id_out,
                               long counts[4], regio_error *err)
{
    regio_err rc = regio_model_name_check(new_name, err);
    if (rc)
        return rc;
    long long src = 0, nid = 0;
    long *n = counts;
    n[0] = n[1] = n[2] = n[3] = 0;
    char state[16], shown[512];
    rc = model_of(s, from, &src, state, shown, sizeof shown, err);
    const char *pn[3] = {new_name, NULL, description};
    char b[32];
    PGresult *res = NULL;
    if (!rc)
        rc = regio__pg_query(s, "SELECT id FROM territory_models WHERE name = $1", 1, pn,
                             PGRES_TUPLES_OK, "reading a territory model", &res, err);
    if (!rc && PQntuples(res))
        rc = regio__store_fail(err, REGIO_ECONFLICT, "a territory model named '%s' already exists",
                               new_name);
    PQclear(res);
    res = NULL;
    pn[1] = regio__pg_int(b, src);
    if (!rc)
        rc = regio__pg_query(s,
                             "INSERT INTO territory_models(name, state, parent_model_id,"
                             " description) VALUES ($1, 'planning', $2, $3) RETURNING id",
                             3, pn, PGRES_TUPLES_OK, "creating the clone", &res, err);
    if (!rc)
        nid = regio__pg_col_int(res, 0, 0);
    PQclear(res);
    /* Territories first without parents, then the hierarchy by external
     * id, then alignment rows and hand moves and manual associations
     * mapped by external id of their territory. */
    if (!rc)
        rc = exec_ids(s,
                      "INSERT INTO territories(model_id, ext_id, name, type_id, account_access,"
                      " opportunity_access, contact_access, case_access, rep_id, center_lat,"
                      " center_lon, target_share, description)"
                      " SELECT $1, ext_id, name, type_id, account_access, opportunity_access,"
                      " contact_access, case_access, rep_id, center_lat, center_lon,"
                      " target_share, description FROM territories WHERE model_id = $2"
                      " ORDER BY ext_id COLLATE \"C\"",
                      nid, src, &n[0], err);
    if (!rc)
        rc = exec_ids(s,
                      "UPDATE territories n SET parent_id = np.id FROM territories o"
                      " JOIN territories op ON op.id = o.parent_id"
                      " JOIN territories np ON np.model_id = $1 AND np.ext_id = op.ext_id"
                      " WHERE n.model_id = $1 AND o.model_id = $2 AND o.ext_id = n.ext_id",
                      nid, src, NULL, err);
    if (!rc)
        rc = exec_ids(s,
                      "INSERT INTO alignments(model_id, unit_id, territory_id, locked)"
                      " SELECT $1, a.unit_id, n.id, a.locked FROM alignments a"
                      " JOIN territories o ON o.id = a.territory_id"
                      " JOIN territories n ON n.model_id = $1 AND n.ext_id = o.ext_id"
                      " WHERE a.model_id = $2 AND a.effective_to IS NULL",
                      nid, src, &n[1], err);
    if (!rc)
        rc = exec_ids(s,
                      "INSERT INTO account_territories(account_id, territory_id, cause,"
                      " created_by)"
                      " SELECT at.account_id, n.id, at.cause, at.created_by"
                      " FROM account_territories at JOIN territories o ON o.id = at.territory_id"
                      " JOIN territories n ON n.model_id = $1 AND n.ext_id = o.ext_id"
                      " WHERE o.model_id = $2 AND at.cause IN ('geo', 'manual')",
                      nid, src, &n[2], err);
    if (!rc && with_members)
        rc = exec_ids(s,
                      "INSERT INTO memberships(user_id, territory_id, role, active, start_date,"
                      " end_date)"
                      " SELECT ms.user_id, n.id, ms.role, ms.active, ms.start_date, ms.end_date"
                      " FROM memberships ms JOIN territories o ON o.id = ms.territory_id"
                      " JOIN territories n ON n.model_id = $1 AND n.ext_id = o.ext_id"
                      " WHERE o.model_id = $2 ORDER BY ms.id",
                      nid, src, &n[3], err);
    if (!rc && id_out)
        *id_out = nid;
    return rc;
}

regio_err regio__pg_model_clone(regio_store *base, const char *from, const char *new_name,
                                const char *description, const char *actor, long *id_out,
                                regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio_err rc = regio_model_name_check(new_name, err);
    if (rc)
        return rc;
    regio__pg_txn t;
    if ((rc = regio__pg_txn_begin(s, &t, err)))
        return rc;
    long long nid = 0;
    long n[4];
    rc = regio__pg_clone_rows(s, from, new_name, description, 0, &nid, n, err);
    regio_buf j;
    regio_buf_init(&j, 0);
    if (!rc) {
        if (regio_buf_puts(&j, "{") || edit_kv(&j, "name", new_name, 0) ||
            edit_kv(&j, "from", from, 1) || edit_kv(&j, "description", description, 1) ||
            regio_buf_printf(&j, ",\"territories\":%ld,\"units\":%ld,\"accounts\":%ld}", n[0], n[1],
                             n[2]))
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory");
    }
    if (!rc)
        rc = regio__pg_audit_append(base, actor, "model.clone", "territory_model", new_name, NULL,
                                    j.data, err);
    regio_buf_free(&j);
    rc = regio__pg_txn_end(s, &t, rc, err);
    if (!rc && id_out)
        *id_out = (long)nid;
    return rc;
}

regio_err regio__pg_model_reset(regio_store *base, const char *name, const char *actor,
                                regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio__pg_txn t;
    regio_err rc = regio__pg_txn_begin(s, &t, err);
    if (rc)
        return rc;
    long long mid = 0, n_terr = 0;
    char state[16], shown[512];
    rc = model_of(s, name, &mid, state, shown, sizeof shown, err);
    if (!rc && strcmp(state, "planning"))
        rc = regio__store_fail(err, REGIO_ECONFLICT,
                               "territory model '%s' is %s and is never replaced; clone it or "
                               "save under a new name",
                               shown, state);
    /* Its territories go, and with them (ON DELETE CASCADE) its alignment,
     * account associations, rules, memberships, challenges and quotas. */
    if (!rc)
        rc = regio__pg_int_query(
            s, "SELECT COUNT(*) FROM territories WHERE model_id = $1 AND $2::bigint = 0", mid, 0,
            &n_terr, err);
    if (!rc)
        rc = exec_ids(s, "DELETE FROM territories WHERE model_id = $1 AND $2::bigint = 0", mid, 0,
                      NULL, err);
    if (!rc)
        rc = exec_ids(s,
                      "UPDATE territory_models SET alignment_rev = alignment_rev + 1,"
                      " updated_at = to_char(now() AT TIME ZONE 'UTC',"
                      " 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') WHERE id = $1 AND $2::bigint = 0",
                      mid, 0, NULL, err);
    if (!rc) {
        char before[64];
        snprintf(before, sizeof before, "{\"territories\":%lld}", n_terr);
        rc = regio__pg_audit_append(base, actor, "model.reset", "territory_model", shown, before,
                                    "{\"territories\":0}", err);
    }
    return regio__pg_txn_end(s, &t, rc, err);
}
