/*
 * SQLite backend, territory models: creating and finding models (at most
 * one active), territories as a forest inside one model (parents checked,
 * cycles and depth beyond the limit rejected), and unit alignments with the
 * per-model revision counter used for optimistic concurrency.
 */
#include "regio/model_view.h"
#include "store/sqlite_impl.h"

#include <stdio.h>
#include <string.h>

static regio_err id_query(regio__sqlite_store *s, int which, sqlite3_int64 a, const char *b,
                          sqlite3_int64 *id, int *found, regio_error *err)
{
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_stmt(s, which, &st, err);
    if (rc)
        return rc;
    if (which == REGIO_ST_TERR_ID) {
        sqlite3_bind_int64(st, 1, a);
        bind_text(st, 2, b);
    } else if (which != REGIO_ST_MODEL_ACTIVE_ID) {
        bind_text(st, 1, b);
    }
    int r = sqlite3_step(st);
    *found = r == SQLITE_ROW;
    if (*found)
        *id = sqlite3_column_int64(st, 0);
    else if (r != SQLITE_DONE)
        rc = regio__sq_err(s, err, "looking up an id");
    done(st);
    return rc;
}

regio_err regio__sq_model_id(regio__sqlite_store *s, const char *name, sqlite3_int64 *id,
                            regio_error *err)
{
    int found = 0;
    regio_err rc;
    if (name) {
        rc = id_query(s, REGIO_ST_MODEL_ID, 0, name, id, &found, err);
    } else {
        /* The active model is the one in force today (sqlite_promotions.c). */
        char today[11];
        regio__today(today);
        rc = regio__sq_in_force(s, today, id, err);
        found = *id != 0;
    }
    if (rc)
        return rc;
    if (!found)
        return name ? regio__store_fail(err, REGIO_ENOTFOUND, "territory model '%s' not found",
                                        name)
                    : regio__store_fail(err, REGIO_ENOTFOUND, "no territory model is active");
    return REGIO_OK;
}

regio_err regio__sq_model_create(regio_store *base, const char *name, regio_model_state state,
                                 const char *effective_from, const char *parent,
                                 const char *description, long *id_out, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_int64 pid = 0, id = 0;
    int found = 0;
    regio_err rc = regio_model_name_check(name, err);
    if (!rc)
        rc = id_query(s, REGIO_ST_MODEL_ID, 0, name, &id, &found, err);
    if (rc)
        return rc;
    if (found)
        return regio__store_fail(err, REGIO_ECONFLICT,
                                 "a territory model named '%s' already exists", name);
    if (state == REGIO_MODEL_ACTIVE) {
        rc = id_query(s, REGIO_ST_MODEL_ACTIVE_ID, 0, NULL, &id, &found, err);
        if (rc)
            return rc;
        if (found)
            return regio__store_fail(err, REGIO_ECONFLICT,
                                     "cannot create '%s' as active: another territory model is "
                                     "already active (at most one may be)",
                                     name);
    }
    if (parent && (rc = regio__sq_model_id(s, parent, &pid, err)))
        return rc;
    sqlite3_stmt *st = NULL;
    rc = regio__sq_prepare(s,
                      "INSERT INTO territory_models(name, state, effective_from, parent_model_id,"
                      " description) VALUES (?1, ?2, ?3, ?4, ?5)",
                      &st, err);
    if (rc)
        return rc;
    bind_text(st, 1, name);
    bind_text(st, 2, regio_model_state_name(state));
    bind_text(st, 3, effective_from);
    if (parent)
        sqlite3_bind_int64(st, 4, pid);
    bind_text(st, 5, description);
    int r = sqlite3_step(st);
    if (r != SQLITE_DONE)
        rc = regio__sq_err(s, err, "creating a territory model");
    regio__sq_release(s, st);
    if (!rc && id_out)
        *id_out = (long)sqlite3_last_insert_rowid(s->db);
    return rc;
}

static regio_model_state state_of(const char *t)
{
    if (t && !strcmp(t, "active"))
        return REGIO_MODEL_ACTIVE;
    if (t && !strcmp(t, "archived"))
        return REGIO_MODEL_ARCHIVED;
    return REGIO_MODEL_PLANNING;
}

#define MODEL_COLS                                                                         \
    "SELECT m.id, m.name, m.state, m.effective_from, m.created_at, p.name, m.description," \
    " m.alignment_rev FROM territory_models m"                                             \
    " LEFT JOIN territory_models p ON p.id = m.parent_model_id "

/* Fills a model info whose strings point into the statement row. */
static void model_row(sqlite3_stmt *st, regio_model_info *m)
{
    m->id = (long)sqlite3_column_int64(st, 0);
    m->name = col_text(st, 1);
    m->state = state_of(col_text(st, 2));
    m->effective_from = col_text(st, 3);
    m->created_at = col_text(st, 4);
    m->parent = col_text(st, 5);
    m->description = col_text(st, 6);
    m->alignment_rev = (long)sqlite3_column_int64(st, 7);
}

/* Fills out (owned strings) from the statement's row, with state st. */
static regio_err model_copy(sqlite3_stmt *st, regio_model_state state, regio_model_info *out,
                            regio_error *err)
{
    regio_model_info v;
    model_row(st, &v);
    out->id = v.id;
    out->state = state;
    out->alignment_rev = v.alignment_rev;
    out->name = regio_strdup(v.name);
    out->effective_from = regio_strdup(v.effective_from);
    out->created_at = regio_strdup(v.created_at);
    out->parent = regio_strdup(v.parent);
    out->description = regio_strdup(v.description);
    if (!out->name || (v.effective_from && !out->effective_from) ||
        (v.created_at && !out->created_at) || (v.parent && !out->parent) ||
        (v.description && !out->description)) {
        regio_model_info_clear(out);
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory reading a model");
    }
    return REGIO_OK;
}

regio_err regio__sq_model_find_at(regio_store *base, const char *name, const char *day,
                                  regio_model_info *out, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    char d[11];
    sqlite3_int64 in_force = 0;
    regio_err rc = regio__day(day, d, err);
    if (!rc)
        rc = regio__sq_in_force(s, d, &in_force, err);
    if (rc)
        return rc;
    if (!name && !in_force)
        return day ? regio__store_fail(err, REGIO_ENOTFOUND,
                                       "no territory model is in force on %s", d)
                   : regio__store_fail(err, REGIO_ENOTFOUND, "no territory model is active");
    sqlite3_stmt *st = NULL;
    rc = regio__sq_prepare(s, name ? MODEL_COLS "WHERE m.name = ?1" : MODEL_COLS "WHERE m.id = ?2",
                           &st, err);
    if (rc)
        return rc;
    if (name)
        bind_text(st, 1, name);
    else
        sqlite3_bind_int64(st, 2, in_force);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        regio_model_state state = REGIO_MODEL_PLANNING;
        rc = regio__sq_model_state(s, sqlite3_column_int64(st, 0), state_of(col_text(st, 2)), d,
                                   in_force, &state, err);
        if (!rc)
            rc = model_copy(st, state, out, err);
        r = SQLITE_DONE;
    } else if (r == SQLITE_DONE) {
        rc = regio__store_fail(err, REGIO_ENOTFOUND, "territory model '%s' not found", name);
    }
    return regio__sq_finish(s, st, r, rc, err);
}

regio_err regio__sq_model_find(regio_store *base, const char *name, regio_model_info *out,
                               regio_error *err)
{
    return regio__sq_model_find_at(base, name, NULL, out, err);
}

regio_err regio__sq_model_list_at(regio_store *base, const char *day, regio_model_cb cb, void *ud,
                                  regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    char d[11];
    sqlite3_int64 in_force = 0;
    regio_err rc = regio__day(day, d, err);
    if (!rc)
        rc = regio__sq_in_force(s, d, &in_force, err);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = regio__sq_prepare(s, MODEL_COLS "ORDER BY m.name", &st, err);
    if (rc)
        return rc;
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio_model_info m;
        model_row(st, &m);
        rc = regio__sq_model_state(s, m.id, m.state, d, in_force, &m.state, err);
        if (!rc && cb(ud, &m))
            rc = regio__sq_cancelled(err);
    }
    return regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
}

regio_err regio__sq_model_list(regio_store *base, regio_model_cb cb, void *ud, regio_error *err)
{
    return regio__sq_model_list_at(base, NULL, cb, ud, err);
}

regio_err regio__sq_int_query(regio__sqlite_store *s, const char *sql, sqlite3_int64 p1,
                              sqlite3_int64 p2, sqlite3_int64 *v, regio_error *err)
{
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prepare(s, sql, &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, p1);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, p2);
    int r = sqlite3_step(st);
    *v = 0;
    if (r == SQLITE_ROW) {
        *v = sqlite3_column_int64(st, 0);
        r = SQLITE_DONE;
    }
    return regio__sq_finish(s, st, r, rc, err);
}

regio_err regio__sq_territory_upsert(regio_store *base, const char *model, const char *ext_id,
                                     const char *name, const char *parent_ext_id,
                                     regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_int64 mid = 0, self = 0, parent = 0;
    int found = 0, pfound = 0;
    regio_err rc = regio__sq_model_id(s, model, &mid, err);
    if (!rc)
        rc = id_query(s, REGIO_ST_TERR_ID, mid, ext_id, &self, &found, err);
    if (!rc && parent_ext_id) {
        rc = id_query(s, REGIO_ST_TERR_ID, mid, parent_ext_id, &parent, &pfound, err);
        if (!rc && !pfound)
            rc = regio__store_fail(err, REGIO_EDATA,
                                   "parent territory '%s' of '%s' is not in the model",
                                   parent_ext_id, ext_id);
    }
    if (rc)
        return rc;
    sqlite3_int64 limit = 16, up = 0, down = 0, cycle = 0;
    if (parent) {
        rc = regio__sq_int_query(s, "SELECT CAST(value AS INTEGER) FROM settings"
                          " WHERE key = 'territory_depth_limit' AND ?1 = ?1",
                       0, 0, &limit, err);
        if (!rc && limit <= 0)
            limit = 16;
        /* Levels from the parent up to its root, and whether self is among them. */
        if (!rc)
            rc = regio__sq_int_query(s,
                           "WITH RECURSIVE anc(id, parent_id, d) AS ("
                           " SELECT id, parent_id, 1 FROM territories WHERE id = ?1"
                           " UNION ALL SELECT t.id, t.parent_id, anc.d + 1 FROM territories t"
                           " JOIN anc ON t.id = anc.parent_id WHERE anc.d <= 4096)"
                           " SELECT MAX(d) * 2 + MAX(id = ?2) FROM anc",
                           parent, self, &up, err);
        cycle = up & 1;
        up >>= 1;
        if (!rc && found)
            rc = regio__sq_int_query(
                s,
                "WITH RECURSIVE sub(id, d) AS (SELECT id, 1 FROM territories WHERE id = ?1"
                " UNION ALL SELECT t.id, sub.d + 1 FROM territories t"
                " JOIN sub ON t.parent_id = sub.id WHERE sub.d <= 4096)"
                " SELECT MAX(d) FROM sub",
                self, 0, &down, err);
        if (!found)
            down = 1;
        if (!rc && (cycle || parent == self))
            rc = regio__store_fail(err, REGIO_EDATA,
                                   "making '%s' a child of '%s' would create a cycle", ext_id,
                                   parent_ext_id);
        if (!rc && up + down > limit)
            rc = regio__store_fail(err, REGIO_EDATA,
                                   "territory '%s' under '%s' would make the hierarchy %lld levels"
                                   " deep (limit %lld)",
                                   ext_id, parent_ext_id, (long long)(up + down),
                                   (long long)limit);
        if (rc)
            return rc;
    }
    sqlite3_stmt *st = NULL;
    rc = regio__sq_prepare(s,
                      found ? "UPDATE territories SET name = COALESCE(?3, name), parent_id = ?4,"
                              " updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?5"
                            : "INSERT INTO territories(model_id, ext_id, name, parent_id)"
                              " VALUES (?1, ?2, ?3, ?4)",
                      &st, err);
    if (rc)
        return rc;
    if (!found) {
        sqlite3_bind_int64(st, 1, mid);
        bind_text(st, 2, ext_id);
    } else {
        sqlite3_bind_int64(st, 5, self);
    }
    bind_text(st, 3, name);
    if (parent)
        sqlite3_bind_int64(st, 4, parent);
    else
        sqlite3_bind_null(st, 4);
    int r = sqlite3_step(st);
    if (r != SQLITE_DONE)
        rc = regio__sq_err(s, err, "writing a territory");
    regio__sq_release(s, st);
    return rc;
}

regio_err regio__sq_territory_set_rep(regio_store *base, const char *model, const char *ext_id,
                                       const char *rep, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_int64 mid = 0, self = 0;
    int found = 0;
    regio_err rc = regio__sq_model_id(s, model, &mid, err);
    if (!rc)
        rc = id_query(s, REGIO_ST_TERR_ID, mid, ext_id, &self, &found, err);
    if (!rc && !found)
        rc = regio__store_fail(err, REGIO_ENOTFOUND, "territory '%s' is not in the model",
                               ext_id);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = regio__sq_prepare(s,
                               "UPDATE territories SET rep_id = (SELECT id FROM reps"
                               " WHERE ext_id = ?1), updated_at = strftime('%Y-%m-%dT%H:%M:%fZ',"
                               " 'now') WHERE id = ?2 AND (?1 IS NULL OR EXISTS"
                               " (SELECT 1 FROM reps WHERE ext_id = ?1))",
                               &st, err);
    if (rc)
        return rc;
    bind_text(st, 1, rep);
    sqlite3_bind_int64(st, 2, self);
    int r = sqlite3_step(st);
    if (r != SQLITE_DONE)
        rc = regio__sq_err(s, err, "setting a territory's rep");
    else if (sqlite3_changes(s->db) == 0)
        rc = regio__store_fail(err, REGIO_ENOTFOUND, "no rep '%s'", rep);
    regio__sq_release(s, st);
    return rc;
}

regio_err regio__sq_alignment_set(regio_store *base, const char *model, const char *unit_id,
                                  const char *territory, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_int64 mid = 0, uid = 0, tid = 0;
    int found = 0;
    regio_err rc = regio__sq_model_id(s, model, &mid, err);
    if (!rc)
        rc = regio__sq_unit_id(s, unit_id, &uid, &found, err);
    if (!rc && !found)
        rc = regio__store_fail(err, REGIO_ENOTFOUND, "unit '%s' not found", unit_id);
    if (!rc && territory) {
        rc = id_query(s, REGIO_ST_TERR_ID, mid, territory, &tid, &found, err);
        if (!rc && !found)
            rc = regio__store_fail(err, REGIO_ENOTFOUND,
                                   "territory '%s' not found in the model", territory);
    }
    if (rc)
        return rc;
    regio__sq_txn t;
    if ((rc = regio__sq_txn_begin(s, &t, err)))
        return rc;
    sqlite3_stmt *st = NULL;
    rc = regio__sq_stmt(s, territory ? REGIO_ST_ALIGN_SET : REGIO_ST_ALIGN_DEL, &st, err);
    if (!rc) {
        sqlite3_bind_int64(st, 1, mid);
        sqlite3_bind_int64(st, 2, uid);
        if (territory)
            sqlite3_bind_int64(st, 3, tid);
        rc = regio__sq_step_done(s, st, "aligning unit", unit_id, err);
    }
    if (!rc && sqlite3_changes(s->db) > 0) {
        rc = regio__sq_stmt(s, REGIO_ST_MODEL_BUMP, &st, err);
        if (!rc) {
            sqlite3_bind_int64(st, 1, mid);
            rc = regio__sq_step_done(s, st, "bumping the alignment revision of model", model, err);
        }
    }
    return regio__sq_txn_end(s, &t, rc, err);
}

regio_err regio__sq_alignment_foreach(regio_store *base, const char *model, regio_alignment_cb cb,
                                      void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_int64 mid = 0;
    regio_err rc = regio__sq_model_id(s, model, &mid, err);
    static const char *const sql[2] = {
        "SELECT u.ext_id, t.ext_id, COALESCE(al.effective_from, m.effective_from), al.locked"
        " FROM alignments al JOIN units u ON u.id = al.unit_id"
        " JOIN territories t ON t.id = al.territory_id"
        " JOIN territory_models m ON m.id = al.model_id"
        " WHERE al.model_id = ?1 AND al.effective_to IS NULL ORDER BY u.ext_id",
        "SELECT a.ext_id, t.ext_id, COALESCE(at.effective_from, m.effective_from)"
        " FROM account_territories at JOIN accounts a ON a.id = at.account_id"
        " JOIN territories t ON t.id = at.territory_id"
        " JOIN territory_models m ON m.id = t.model_id"
        " WHERE t.model_id = ?1 AND at.cause = 'geo' ORDER BY a.ext_id, t.ext_id",
    };
    for (int pass = 0; pass < 2 && !rc; pass++) {
        sqlite3_stmt *st = NULL;
        if ((rc = regio__sq_prepare(s, sql[pass], &st, err)))
            break;
        sqlite3_bind_int64(st, 1, mid);
        int r;
        while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
            regio_alignment_row row = {0};
            if (pass == 0) {
                row.unit_id = col_text(st, 0);
                row.locked = sqlite3_column_int(st, 3) != 0;
            } else {
                row.account_id = col_text(st, 0);
            }
            row.territory = col_text(st, 1);
            row.effective_from = col_text(st, 2);
            if (cb(ud, &row))
                rc = regio__sq_cancelled(err);
        }
        rc = regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
    }
    return rc;
}

regio_err regio__sq_model_reasons_set(regio_store *base, const char *model,
                                      const regio_unit_reason *r, size_t n, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_int64 mid = 0;
    regio_err rc = regio__sq_model_id(s, model, &mid, err);
    if (rc)
        return rc;
    regio__sq_txn t;
    if ((rc = regio__sq_txn_begin(s, &t, err)))
        return rc;
    sqlite3_stmt *st = NULL;
    rc = regio__sq_prepare(s, "DELETE FROM model_reasons WHERE model_id = ?1", &st, err);
    if (!rc) {
        sqlite3_bind_int64(st, 1, mid);
        rc = regio__sq_step_done(s, st, "clearing the reasons of model", model, err);
        regio__sq_release(s, st);
        st = NULL;
    }
    if (!rc && n)
        rc = regio__sq_prepare(s,
                               "INSERT INTO model_reasons(model_id, unit_id, from_territory,"
                               " to_territory, kind, text, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
                               " COALESCE(?7, '{}'))",
                               &st, err);
    for (size_t i = 0; !rc && i < n; i++) {
        sqlite3_int64 uid = 0;
        int found = 0;
        rc = regio__sq_unit_id(s, r[i].unit_id, &uid, &found, err);
        if (!rc && !found)
            rc = regio__store_fail(err, REGIO_ENOTFOUND, "unit '%s' not found", r[i].unit_id);
        if (rc)
            break;
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, mid);
        sqlite3_bind_int64(st, 2, uid);
        bind_text(st, 3, r[i].from);
        bind_text(st, 4, r[i].to);
        bind_text(st, 5, r[i].kind);
        bind_text(st, 6, r[i].text);
        bind_text(st, 7, r[i].data);
        rc = regio__sq_step_done(s, st, "storing the reason of unit", r[i].unit_id, err);
    }
    regio__sq_release(s, st);
    return regio__sq_txn_end(s, &t, rc, err);
}

regio_err regio__sq_model_reasons_foreach(regio_store *base, const char *model,
                                          regio_reason_cb cb, void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_int64 mid = 0;
    regio_err rc = regio__sq_model_id(s, model, &mid, err);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = regio__sq_prepare(s,
                               "SELECT u.ext_id, r.from_territory, r.to_territory, r.kind, r.text,"
                               " r.data FROM model_reasons r JOIN units u ON u.id = r.unit_id"
                               " JOIN alignments al ON al.model_id = r.model_id"
                               "  AND al.unit_id = r.unit_id AND al.effective_to IS NULL"
                               " JOIN territories t ON t.id = al.territory_id"
                               " WHERE r.model_id = ?1 AND t.ext_id = r.to_territory"
                               " ORDER BY u.ext_id",
                               &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, mid);
    int q;
    while (!rc && (q = sqlite3_step(st)) == SQLITE_ROW) {
        regio_unit_reason row = {col_text(st, 0), col_text(st, 1), col_text(st, 2),
                                 col_text(st, 3), col_text(st, 4), col_text(st, 5)};
        if (cb(ud, &row))
            rc = regio__sq_cancelled(err);
    }
    return regio__sq_finish(s, st, rc ? SQLITE_DONE : q, rc, err);
}

/* PRAGMA data_version moves when another connection commits; this
 * connection's own writes show in sqlite3_total_changes64, less its
 * bookkeeping (a token's last use: quiet_changes). */
regio_err regio__sq_generation(regio_store *base, uint64_t *gen, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_int64 v = 0;
    regio_err rc = regio__sq_int_query(s, "PRAGMA data_version", 0, 0, &v, err);
    *gen = ((uint64_t)v << 40) ^ (uint64_t)(sqlite3_total_changes64(s->db) - s->quiet_changes);
    return rc;
}

regio_err regio__sq_others_version(regio_store *base, long *v, regio_error *err)
{
    sqlite3_int64 x = 0;
    regio_err rc = regio__sq_int_query(REGIO_SQ(base), "PRAGMA data_version", 0, 0, &x, err);
    *v = (long)x;
    return rc;
}

regio_err regio__sq_access_epoch(regio_store *base, long long *epoch, regio_error *err)
{
    sqlite3_int64 x = 0;
    regio_err rc = regio__sq_int_query(REGIO_SQ(base), "SELECT n FROM access_epoch WHERE id = 1",
                                       0, 0, &x, err);
    *epoch = (long long)x;
    return rc;
}

regio_err regio__sq_units_fingerprint(regio_store *base, uint64_t *fp, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    *fp = 0;
    regio_err rc = regio__sq_prepare(s,
                                     "SELECT COUNT(*), COALESCE(MAX(id), 0),"
                                     " COALESCE(MAX(updated_at), ''), TOTAL(row_hash),"
                                     " (SELECT COUNT(*) FROM unit_adjacency) FROM units",
                                     &st, err);
    if (rc)
        return rc;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        /* FNV-1a over the row's text: any added, removed, changed unit or
         * adjacency edge moves it. */
        uint64_t h = 1469598103934665603ull;
        for (int c = 0; c < 5; c++) {
            const unsigned char *t = sqlite3_column_text(st, c);
            for (; t && *t; t++)
                h = (h ^ *t) * 1099511628211ull;
            h = (h ^ '|') * 1099511628211ull;
        }
        *fp = h;
        r = SQLITE_DONE;
    }
    return regio__sq_finish(s, st, r, REGIO_OK, err);
}

regio_err regio__sq_alignment_revision(regio_store *base, const char *model, long *rev,
                                       regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_int64 mid = 0, v = 0;
    regio_err rc = regio__sq_model_id(s, model, &mid, err);
    if (!rc)
        rc = regio__sq_int_query(s, "SELECT alignment_rev FROM territory_models WHERE id = ?1", mid, 0, &v,
                       err);
    *rev = (long)v;
    return rc;
}
