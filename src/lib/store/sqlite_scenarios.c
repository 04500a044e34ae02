/*
 * SQLite backend, scenarios: cloning a model into a planning scenario,
 * emptying one (reset), and batched alignment edits (moves of units and
 * accounts, locks) guarded by the model's state on the day and its
 * alignment revision. Every call is one transaction with one audit record.
 * Promotion, archiving and rollback are in sqlite_promotions.c.
 */
#include "regio/model_view.h"
#include "store/edit_codec.h"
#include "store/sqlite_impl.h"

#include <stdio.h>
#include <string.h>

/* A model row as the guards need it. */
/* Longest model or territory name the edit calls handle (bytes + NUL). */
#define NAME_CAP 2048

typedef struct model_row {
    sqlite3_int64 id;
    regio_model_state state;
    long rev;
    char name[NAME_CAP];
} model_row;

static regio_model_state state_of(const char *t)
{
    if (t && !strcmp(t, "active"))
        return REGIO_MODEL_ACTIVE;
    if (t && !strcmp(t, "archived"))
        return REGIO_MODEL_ARCHIVED;
    return REGIO_MODEL_PLANNING;
}

/* Looks a model up by name (NULL = the one in force today); *found says
 * whether it exists. m->state is its state today (sqlite_promotions.c). */
static regio_err model_get(regio__sqlite_store *s, const char *name, model_row *m, int *found,
                           regio_error *err)
{
    char today[11];
    regio__today(today);
    sqlite3_int64 in_force = 0;
    regio_err rc = regio__sq_in_force(s, today, &in_force, err);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = regio__sq_prepare(
            s,
            name ? "SELECT id, state, alignment_rev, name FROM territory_models WHERE name = ?1"
                 : "SELECT id, state, alignment_rev, name FROM territory_models WHERE id = ?2",
            &st, err);
    if (rc)
        return rc;
    if (name)
        bind_text(st, 1, name);
    else
        sqlite3_bind_int64(st, 2, in_force);
    int r = sqlite3_step(st);
    *found = r == SQLITE_ROW;
    if (*found) {
        m->id = sqlite3_column_int64(st, 0);
        m->state = state_of(col_text(st, 1));
        m->rev = (long)sqlite3_column_int64(st, 2);
        const char *nm = col_text(st, 3) ? col_text(st, 3) : "";
        if (strlen(nm) >= sizeof m->name) {
            regio__sq_release(s, st);
            return regio__store_fail(err, REGIO_EINVAL, "a model name is longer than %d bytes",
                                     NAME_CAP - 1);
        }
        snprintf(m->name, sizeof m->name, "%s", nm);
        r = SQLITE_DONE;
    }
    rc = regio__sq_finish(s, st, r, rc, err);
    if (!rc && *found)
        rc = regio__sq_model_state(s, m->id, m->state, today, in_force, &m->state, err);
    return rc;
}

static regio_err model_missing(const char *name, regio_error *err)
{
    return name ? regio__store_fail(err, REGIO_ENOTFOUND, "territory model '%s' not found", name)
                : regio__store_fail(err, REGIO_ENOTFOUND, "no territory model is active");
}

/* The row of model `name` (NULL = the active one); REGIO_ENOTFOUND naming
 * it when there is none. */
static regio_err model_required(regio__sqlite_store *s, const char *name, model_row *m,
                                regio_error *err)
{
    int found = 0;
    regio_err rc = model_get(s, name, m, &found, err);
    return !rc && !found ? model_missing(name, err) : rc;
}

regio_err regio__sq_exec_ids(regio__sqlite_store *s, const char *sql, sqlite3_int64 p1,
                             sqlite3_int64 p2, sqlite3_int64 p3, const char *t4, long *changes,
                             regio_error *err)
{
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prepare(s, sql, &st, err);
    if (rc)
        return rc;
    int np = sqlite3_bind_parameter_count(st);
    if (np >= 1)
        sqlite3_bind_int64(st, 1, p1);
    if (np >= 2)
        sqlite3_bind_int64(st, 2, p2);
    if (np >= 3)
        sqlite3_bind_int64(st, 3, p3);
    if (np >= 4)
        bind_text(st, 4, t4);
    int r = sqlite3_step(st);
    if (r != SQLITE_DONE)
        rc = regio__sq_err(s, err, "writing a scenario");
    else if (changes)
        *changes = (long)sqlite3_changes(s->db);
    regio__sq_release(s, st);
    return rc;
}

static regio_err json_oom(regio_error *err)
{
    return regio__store_fail(err, REGIO_ENOMEM, "out of memory building an audit record");
}

/* ---- clone ------------------------------------------------------------------ */

regio_err regio__sq_clone_rows(regio__sqlite_store *s, const char *from, const char *new_name,
                               const char *description, int with_members, sqlite3_int64 *id_out,
                               long counts[4], regio_error *err)
{
    regio_err rc = regio_model_name_check(new_name, err);
    if (rc)
        return rc;
    model_row src, dup;
    int found = 0;
    sqlite3_int64 nid = 0;
    counts[0] = counts[1] = counts[2] = counts[3] = 0;
    rc = model_get(s, from, &src, &found, err);
    if (!rc && !found)
        rc = model_missing(from, err);
    if (!rc)
        rc = model_get(s, new_name, &dup, &found, err);
    if (!rc && found)
        rc = regio__store_fail(err, REGIO_ECONFLICT,
                               "a territory model named '%s' already exists", new_name);
    if (!rc) {
        sqlite3_stmt *st = NULL;
        rc = regio__sq_prepare(s,
                               "INSERT INTO territory_models(name, state, parent_model_id,"
                               " description) VALUES (?1, 'planning', ?2, ?3)",
                               &st, err);
        if (!rc) {
            bind_text(st, 1, new_name);
            sqlite3_bind_int64(st, 2, src.id);
            bind_text(st, 3, description);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = regio__sq_err(s, err, "creating the clone");
            else
                nid = sqlite3_last_insert_rowid(s->db);
            regio__sq_release(s, st);
        }
    }
    /* Territories first without parents, then the hierarchy by external
     * id, then alignment rows and hand moves and manual associations mapped by external
     * id of their territory. */
    if (!rc)
        rc = regio__sq_exec_ids(s,
                      "INSERT INTO territories(model_id, ext_id, name, type_id, account_access,"
                      " opportunity_access, contact_access, case_access, rep_id, center_lat,"
                      " center_lon, target_share, description)"
                      " SELECT ?1, ext_id, name, type_id, account_access, opportunity_access,"
                      " contact_access, case_access, rep_id, center_lat, center_lon,"
                      " target_share, description FROM territories WHERE model_id = ?2"
                      " ORDER BY ext_id",
                      nid, src.id, 0, NULL, &counts[0], err);
    if (!rc)
        rc = regio__sq_exec_ids(s,
                      "UPDATE territories SET parent_id = (SELECT n.id FROM territories o"
                      " JOIN territories op ON op.id = o.parent_id"
                      " JOIN territories n ON n.model_id = ?1 AND n.ext_id = op.ext_id"
                      " WHERE o.model_id = ?2 AND o.ext_id = territories.ext_id)"
                      " WHERE model_id = ?1",
                      nid, src.id, 0, NULL, NULL, err);
    if (!rc)
        rc = regio__sq_exec_ids(s,
                      "INSERT INTO alignments(model_id, unit_id, territory_id, locked)"
                      " SELECT ?1, a.unit_id, n.id, a.locked FROM alignments a"
                      " JOIN territories o ON o.id = a.territory_id"
                      " JOIN territories n ON n.model_id = ?1 AND n.ext_id = o.ext_id"
                      " WHERE a.model_id = ?2 AND a.effective_to IS NULL",
                      nid, src.id, 0, NULL, &counts[1], err);
    if (!rc)
        rc = regio__sq_exec_ids(s,
                      "INSERT INTO account_territories(account_id, territory_id, cause,"
                      " created_by)"
                      " SELECT at.account_id, n.id, at.cause, at.created_by"
                      " FROM account_territories at JOIN territories o ON o.id = at.territory_id"
                      " JOIN territories n ON n.model_id = ?1 AND n.ext_id = o.ext_id"
                      " WHERE o.model_id = ?2 AND at.cause IN ('geo', 'manual')",
                      nid, src.id, 0, NULL, &counts[2], err);
    if (!rc && with_members)
        rc = regio__sq_exec_ids(s,
                      "INSERT INTO memberships(user_id, territory_id, role, active, start_date,"
                      " end_date)"
                      " SELECT ms.user_id, n.id, ms.role, ms.active, ms.start_date, ms.end_date"
                      " FROM memberships ms JOIN territories o ON o.id = ms.territory_id"
                      " JOIN territories n ON n.model_id = ?1 AND n.ext_id = o.ext_id"
                      " WHERE o.model_id = ?2 ORDER BY ms.id",
                      nid, src.id, 0, NULL, &counts[3], err);
    if (!rc && id_out)
        *id_out = nid;
    return rc;
}

regio_err regio__sq_model_clone(regio_store *base, const char *from, const char *new_name,
                                const char *description, const char *actor, long *id_out,
                                regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio__sq_txn t;
    regio_err rc = regio_model_name_check(new_name, err);
    if (!rc)
        rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    sqlite3_int64 nid = 0;
    long n[4];
    regio_buf b;
    regio_buf_init(&b, 0);
    rc = regio__sq_clone_rows(s, from, new_name, description, 0, &nid, n, err);
    if (!rc) {
        if (regio_buf_puts(&b, "{") || edit_kv(&b, "name", new_name, 0) ||
            edit_kv(&b, "from", from, 1) || edit_kv(&b, "description", description, 1) ||
            regio_buf_printf(&b, ",\"territories\":%ld,\"units\":%ld,\"accounts\":%ld}",
                              n[0], n[1], n[2]))
            rc = json_oom(err);
    }
    if (!rc)
        rc = regio__sq_audit_append(base, actor, "model.clone", "territory_model", new_name, NULL,
                                    b.data, err);
    regio_buf_free(&b);
    rc = regio__sq_txn_end(s, &t, rc, err);
    if (!rc && id_out)
        *id_out = (long)nid;
    return rc;
}

/* ---- reset ------------------------------------------------------------------ */

regio_err regio__sq_model_reset(regio_store *base, const char *name, const char *actor,
                                regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio__sq_txn t;
    regio_err rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    model_row m;
    rc = model_required(s, name, &m, err);
    if (!rc && m.state != REGIO_MODEL_PLANNING)
        rc = regio__store_fail(err, REGIO_ECONFLICT,
                               "territory model '%s' is %s and is never replaced; clone it or "
                               "save under a new name",
                               m.name, regio_model_state_name(m.state));
    /* Its territories go, and with them (ON DELETE CASCADE) its alignment,
     * account associations, rules, memberships, challenges and quotas. */
    sqlite3_int64 n_terr = 0;
    if (!rc)
        rc = regio__sq_int_query(s, "SELECT COUNT(*) FROM territories WHERE model_id = ?1", m.id,
                                 0, &n_terr, err);
    if (!rc)
        rc = regio__sq_exec_ids(s, "DELETE FROM territories WHERE model_id = ?1", m.id, 0, 0, NULL, NULL,
                      err);
    if (!rc)
        rc = regio__sq_exec_ids(s,
                      "UPDATE territory_models SET alignment_rev = alignment_rev + 1,"
                      " updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1",
                      m.id, 0, 0, NULL, NULL, err);
    if (!rc) {
        char before[64];
        snprintf(before, sizeof before, "{\"territories\":%lld}", (long long)n_terr);
        rc = regio__sq_audit_append(base, actor, "model.reset", "territory_model", m.name,
                                    before, "{\"territories\":0}", err);
    }
    return regio__sq_txn_end(s, &t, rc, err);
}

/* ---- alignment edits ----------------------------------------------------------- */

#define SET_STATUS(st_, v_)                                                                 \
    do {                                                                                    \
        if (st_)                                                                            \
            *(st_) = (v_);                                                                  \
    } while (0)

/* The guards every edit passes inside its transaction: the model exists,
 * is planning, and is at expected_rev. Fills *m, *new_rev and *status. */
static regio_err edit_guard(regio__sqlite_store *s, const char *model, long expected_rev,
                            model_row *m, long *new_rev, regio_apply_status *status,
                            regio_error *err)
{
    int found = 0;
    regio_err rc = model_get(s, model, m, &found, err);
    if (rc)
        return rc;
    if (!found) {
        SET_STATUS(status, REGIO_APPLY_NOT_FOUND);
        return model_missing(model, err);
    }
    if (new_rev)
        *new_rev = m->rev;
    if (m->state != REGIO_MODEL_PLANNING) {
        SET_STATUS(status, REGIO_APPLY_NOT_EDITABLE);
        return regio__store_fail(err, REGIO_ECONFLICT,
                                 "territory model '%s' is %s and not editable; clone it to make "
                                 "changes",
                                 m->name, regio_model_state_name(m->state));
    }
    if (m->rev != expected_rev) {
        SET_STATUS(status, REGIO_APPLY_STALE);
        return regio__store_fail(err, REGIO_ECONFLICT,
                                 "stale revision: the edit of '%s' was based on revision %ld but "
                                 "the current revision is %ld",
                                 m->name, expected_rev, m->rev);
    }
    return REGIO_OK;
}

/* The current alignment row of a unit in a model: id, territory ext id
 * (copied into terr) and locked flag; *found = 0 when the unit is not aligned. */
static regio_err current_row(regio__sqlite_store *s, sqlite3_stmt *st, sqlite3_int64 mid,
                             sqlite3_int64 uid, sqlite3_int64 *row_id, char *terr, size_t cap,
                             int *locked, int *found, regio_error *err)
{
    sqlite3_bind_int64(st, 1, mid);
    sqlite3_bind_int64(st, 2, uid);
    int r = sqlite3_step(st);
    regio_err rc = REGIO_OK;
    *found = r == SQLITE_ROW;
    if (*found) {
        *row_id = sqlite3_column_int64(st, 0);
        const char *tx = col_text(st, 1) ? col_text(st, 1) : "";
        if (strlen(tx) >= cap)
            rc = regio__store_fail(err, REGIO_EINVAL, "a territory id is longer than %zu bytes",
                                   cap - 1);
        snprintf(terr, cap, "%s", tx);
        *locked = sqlite3_column_int(st, 2) != 0;
    } else if (r != SQLITE_DONE) {
        rc = regio__sq_err(s, err, "reading an alignment");
    }
    done(st);
    return rc;
}

static const char CURRENT_SQL[] =
    "SELECT al.id, t.ext_id, al.locked FROM alignments al"
    " JOIN territories t ON t.id = al.territory_id"
    " WHERE al.model_id = ?1 AND al.unit_id = ?2 AND al.effective_to IS NULL";

/* Bumps the revision once and appends the audit record of an edit. */
static regio_err edit_finish(regio__sqlite_store *s, const model_row *m, const char *actor,
                             const char *action, const char *before, const char *after,
                             regio_error *err)
{
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_stmt(s, REGIO_ST_MODEL_BUMP, &st, err);
    if (!rc) {
        sqlite3_bind_int64(st, 1, m->id);
        rc = regio__sq_step_done(s, st, "bumping the alignment revision of model", m->name, err);
    }
    if (!rc)
        rc = regio__sq_audit_append(&s->base, actor, action, "territory_model", m->name, before,
                                    after, err);
    return rc;
}

/* Moves one unit; fills before (its old territory, "" when unaligned). */
static regio_err move_unit(regio__sqlite_store *s, sqlite3_stmt *cur, const model_row *m,
                           const regio_alignment_row *row, char *before, size_t cap,
                           regio_apply_status *status, regio_error *err)
{
    sqlite3_int64 uid = 0, tid = 0, row_id = 0;
    int found = 0, aligned = 0, locked = 0;
    regio_err rc = regio__sq_unit_id(s, row->unit_id, &uid, &found, err);
    if (rc)
        return rc;
    if (!found) {
        SET_STATUS(status, REGIO_APPLY_UNKNOWN);
        return regio__store_fail(err, REGIO_EDATA, "unknown unit '%s'", row->unit_id);
    }
    if (row->territory) {
        sqlite3_stmt *st = NULL;
        if ((rc = regio__sq_stmt(s, REGIO_ST_TERR_ID, &st, err)))
            return rc;
        sqlite3_bind_int64(st, 1, m->id);
        bind_text(st, 2, row->territory);
        int r = sqlite3_step(st);
        found = r == SQLITE_ROW;
        if (found)
            tid = sqlite3_column_int64(st, 0);
        else if (r != SQLITE_DONE)
            rc = regio__sq_err(s, err, "looking up a territory");
        done(st);
        if (rc)
            return rc;
        if (!found) {
            SET_STATUS(status, REGIO_APPLY_UNKNOWN);
            return regio__store_fail(err, REGIO_EDATA,
                                     "unknown territory '%s' in territory model '%s'",
                                     row->territory, m->name);
        }
    }
    before[0] = '\0';
    rc = current_row(s, cur, m->id, uid, &row_id, before, cap, &locked, &aligned, err);
    if (rc)
        return rc;
    int same = aligned ? row->territory && !strcmp(before, row->territory) : !row->territory;
    if (locked && !same) {
        SET_STATUS(status, REGIO_APPLY_LOCKED);
        return regio__store_fail(err, REGIO_ECONFLICT,
                                 "unit '%s' is locked in territory '%s'; unlock it first",
                                 row->unit_id, before);
    }
    if (same)
        return REGIO_OK;
    sqlite3_stmt *st = NULL;
    rc = regio__sq_stmt(s, row->territory ? REGIO_ST_ALIGN_SET : REGIO_ST_ALIGN_DEL, &st, err);
    if (!rc) {
        sqlite3_bind_int64(st, 1, m->id);
        sqlite3_bind_int64(st, 2, uid);
        if (row->territory)
            sqlite3_bind_int64(st, 3, tid);
        rc = regio__sq_step_done(s, st, "aligning unit", row->unit_id, err);
    }
    return rc;
}

/* Replaces the hand move (cause geo) of one account in the model. */
static regio_err move_account(regio__sqlite_store *s, const model_row *m,
                              const regio_alignment_row *row, const char *actor, char *before,
                              size_t cap, regio_apply_status *status, regio_error *err)
{
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prepare(s,
                                     "SELECT a.id, (SELECT t.ext_id FROM account_territories at"
                                     " JOIN territories t ON t.id = at.territory_id"
                                     " WHERE at.account_id = a.id AND t.model_id = ?2"
                                     " AND at.cause = 'geo' ORDER BY t.ext_id LIMIT 1),"
                                     " (SELECT id FROM territories WHERE model_id = ?2"
                                     " AND ext_id = ?3)"
                                     " FROM accounts a WHERE a.ext_id = ?1",
                                     &st, err);
    if (rc)
        return rc;
    bind_text(st, 1, row->account_id);
    sqlite3_bind_int64(st, 2, m->id);
    bind_text(st, 3, row->territory);
    int r = sqlite3_step(st);
    sqlite3_int64 aid = 0, tid = 0;
    int has_tid = 0;
    before[0] = '\0';
    if (r == SQLITE_ROW) {
        aid = sqlite3_column_int64(st, 0);
        if (col_text(st, 1)) {
            if (strlen(col_text(st, 1)) >= cap)
                rc = regio__store_fail(err, REGIO_EINVAL,
                                       "a territory id is longer than %zu bytes", cap - 1);
            snprintf(before, cap, "%s", col_text(st, 1));
        }
        has_tid = sqlite3_column_type(st, 2) != SQLITE_NULL;
        tid = sqlite3_column_int64(st, 2);
    } else if (r == SQLITE_DONE) {
        SET_STATUS(status, REGIO_APPLY_UNKNOWN);
        rc = regio__store_fail(err, REGIO_EDATA, "unknown account '%s'", row->account_id);
    } else {
        rc = regio__sq_err(s, err, "looking up an account");
    }
    regio__sq_release(s, st);
    if (rc)
        return rc;
    if (row->territory && !has_tid) {
        SET_STATUS(status, REGIO_APPLY_UNKNOWN);
        return regio__store_fail(err, REGIO_EDATA,
                                 "unknown territory '%s' in territory model '%s'", row->territory,
                                 m->name);
    }
    rc = regio__sq_exec_ids(s,
                  "DELETE FROM account_territories WHERE account_id = ?1 AND cause = 'geo'"
                  " AND territory_id IN (SELECT id FROM territories WHERE model_id = ?2)",
                  aid, m->id, 0, NULL, NULL, err);
    if (!rc && row->territory)
        rc = regio__sq_exec_ids(s,
                      "INSERT INTO account_territories(account_id, territory_id, cause,"
                      " created_by) VALUES (?1, ?2, 'geo',"
                      " (SELECT id FROM users WHERE login = ?4))",
                      aid, tid, 0, actor, NULL, err);
    return rc;
}

/* One row of an edit batch: checks and writes row i, adds its before/after
 * to j. */
typedef regio_err (*edit_row_fn)(regio__sqlite_store *s, sqlite3_stmt *cur, const model_row *m,
                                 size_t i, const void *ctx, const char *actor, edit_json *j,
                                 regio_apply_status *status, regio_error *err);

/*
 * The frame every alignment edit shares: one transaction, the guards
 * (model, editable, revision), n rows through fn, one audit record and one
 * revision bump, and the outputs of regio_store_alignment_apply.
 */
static regio_err edit_batch(regio__sqlite_store *s, const char *model, long expected_rev,
                            size_t n, const char *json_key, const char *action, edit_row_fn fn,
                            const void *ctx, const char *actor, long *new_rev,
                            regio_apply_status *status, regio_error *err)
{
    regio__sq_txn t;
    regio_err rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    model_row m = {0};
    edit_json j;
    sqlite3_stmt *cur = NULL;
    rc = edit_guard(s, model, expected_rev, &m, new_rev, status, err);
    int json_rc = ej_open(&j, m.rev, json_key);
    if (!rc && json_rc)
        rc = json_oom(err);
    if (!rc && n)
        rc = regio__sq_prepare(s, CURRENT_SQL, &cur, err);
    for (size_t i = 0; i < n && !rc; i++)
        rc = fn(s, cur, &m, i, ctx, actor, &j, status, err);
    regio__sq_release(s, cur);
    if (!rc && n) {
        if (ej_close(&j))
            rc = json_oom(err);
        else
            rc = edit_finish(s, &m, actor, action, j.before.data, j.after.data, err);
    }
    ej_free(&j);
    rc = regio__sq_txn_end(s, &t, rc, err);
    if (!rc) {
        SET_STATUS(status, REGIO_APPLY_OK);
        if (new_rev)
            *new_rev = n ? m.rev + 1 : m.rev;
    } else if (status && *status == REGIO_APPLY_OK) {
        *status = REGIO_APPLY_ERROR;
    }
    return rc;
}

static regio_err apply_row(regio__sqlite_store *s, sqlite3_stmt *cur, const model_row *m,
                           size_t i, const void *ctx, const char *actor, edit_json *j,
                           regio_apply_status *status, regio_error *err)
{
    const regio_alignment_row *row = (const regio_alignment_row *)ctx + i;
    int is_unit = row->unit_id && *row->unit_id;
    int is_acc = row->account_id && *row->account_id;
    if (is_unit == is_acc) {
        SET_STATUS(status, REGIO_APPLY_INVALID);
        return regio__store_fail(err, REGIO_EINVAL,
                                 "move %zu must name exactly one of a unit and an account", i + 1);
    }
    char before[NAME_CAP];
    regio_err rc = is_unit ? move_unit(s, cur, m, row, before, sizeof before, status, err)
                           : move_account(s, m, row, actor, before, sizeof before, status, err);
    if (!rc && ej_row(j, is_unit ? "unit" : "account", is_unit ? row->unit_id : row->account_id,
                      "territory", before[0] ? before : NULL, row->territory, 0))
        rc = json_oom(err);
    return rc;
}

regio_err regio__sq_alignment_apply(regio_store *base, const char *model, long expected_rev,
                                    const regio_alignment_row *rows, size_t n, const char *actor,
                                    long *new_rev, regio_apply_status *status, regio_error *err)
{
    return edit_batch(REGIO_SQ(base), model, expected_rev, n, "moves", "alignment.apply",
                      apply_row, rows, actor, new_rev, status, err);
}

typedef struct lock_ctx {
    const char *const *unit_ids;
    int locked;
} lock_ctx;

static regio_err lock_row(regio__sqlite_store *s, sqlite3_stmt *cur, const model_row *m,
                          size_t i, const void *ctx, const char *actor, edit_json *j,
                          regio_apply_status *status, regio_error *err)
{
    (void)actor;
    const lock_ctx *c = ctx;
    const char *id = c->unit_ids[i];
    sqlite3_int64 uid = 0, row_id = 0;
    int found = 0, was = 0;
    char terr[NAME_CAP];
    if (!id || !*id) {
        SET_STATUS(status, REGIO_APPLY_INVALID);
        return regio__store_fail(err, REGIO_EINVAL, "unit %zu of the lock has no id", i + 1);
    }
    regio_err rc = regio__sq_unit_id(s, id, &uid, &found, err);
    if (rc)
        return rc;
    if (!found) {
        SET_STATUS(status, REGIO_APPLY_UNKNOWN);
        return regio__store_fail(err, REGIO_EDATA, "unknown unit '%s'", id);
    }
    if ((rc = current_row(s, cur, m->id, uid, &row_id, terr, sizeof terr, &was, &found, err)))
        return rc;
    if (!found) {
        SET_STATUS(status, REGIO_APPLY_UNKNOWN);
        return regio__store_fail(err, REGIO_EDATA,
                                 "unit '%s' is not aligned in territory model '%s'", id, m->name);
    }
    rc = regio__sq_exec_ids(s, "UPDATE alignments SET locked = ?2 WHERE id = ?1", row_id, c->locked ? 1 : 0,
                  0, NULL, NULL, err);
    if (!rc && ej_row(j, "unit", id, "locked", was ? "true" : "false",
                      c->locked ? "true" : "false", 1))
        rc = json_oom(err);
    return rc;
}

regio_err regio__sq_alignment_lock(regio_store *base, const char *model, long expected_rev,
                                   const char *const *unit_ids, size_t n, int locked,
                                   const char *actor, long *new_rev, regio_apply_status *status,
                                   regio_error *err)
{
    lock_ctx c = {unit_ids, locked};
    return edit_batch(REGIO_SQ(base), model, expected_rev, n, "units", "alignment.lock", lock_row,
                      &c, actor, new_rev, status, err);
}

/* ---- territories ---------------------------------------------------------------- */

regio_err regio__sq_territories_foreach(regio_store *base, const char *model,
                                        regio_territory_cb cb, void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    model_row m;
    regio_err rc = model_required(s, model, &m, err);
    if (rc)
        return rc;
    sqlite3_stmt *st = NULL;
    rc = regio__sq_prepare(s,
                           "SELECT t.ext_id, t.name, p.ext_id, ty.name, r.ext_id, t.account_access"
                           " FROM territories t"
                           " LEFT JOIN territories p ON p.id = t.parent_id"
                           " LEFT JOIN territory_types ty ON ty.id = t.type_id"
                           " LEFT JOIN reps r ON r.id = t.rep_id"
                           " WHERE t.model_id = ?1 ORDER BY t.ext_id",
                           &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, m.id);
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio_territory_info ti = {col_text(st, 0), col_text(st, 1), col_text(st, 2),
                                   col_text(st, 3), col_text(st, 4), col_text(st, 5)};
        if (cb(ud, &ti))
            rc = regio__sq_cancelled(err);
    }
    return regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
}
