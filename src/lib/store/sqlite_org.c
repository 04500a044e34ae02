/*
 * SQLite backend, the organisation: roles (a tree), users with their role,
 * permissions and password hash, memberships, manual associations,
 * territory access levels, API tokens and sessions, the model in force on a
 * day, and reading the audit log. Each write is one transaction (or a
 * savepoint inside the caller's) and appends one audit record.
 */
#include "store/org_codec.h"
#include "store/sqlite_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* One integer from a one-row query with string parameters; *found says
 * whether it returned a row. */
static regio_err id_of(regio__sqlite_store *s, const char *sql, const char *a, const char *b,
                       sqlite3_int64 *id, int *found, regio_error *err)
{
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err, sql, b ? "tt" : "t", a, b);
    if (rc)
        return rc;
    int r = sqlite3_step(st);
    *found = r == SQLITE_ROW;
    *id = *found ? sqlite3_column_int64(st, 0) : 0;
    return regio__sq_finish(s, st, *found ? SQLITE_DONE : r, rc, err);
}

static regio_err user_id(regio__sqlite_store *s, const char *login, sqlite3_int64 *id,
                         regio_error *err)
{
    int found = 0;
    regio_err rc = id_of(s, "SELECT id FROM users WHERE login = ?1", login, NULL, id, &found, err);
    if (!rc && !found)
        rc = regio__store_fail(err, REGIO_ENOTFOUND, "unknown user '%s'", login);
    return rc;
}

static regio_err territory_id(regio__sqlite_store *s, sqlite3_int64 mid, const char *model_name,
                              const char *ext, sqlite3_int64 *id, regio_error *err)
{
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err, "SELECT id FROM territories WHERE model_id = ?1 AND ext_id = ?2",
                        "it", mid, ext);
    if (rc)
        return rc;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        r = SQLITE_DONE;
    } else if (r == SQLITE_DONE) {
        rc = model_name ? regio__store_fail(err, REGIO_EDATA,
                                            "unknown territory '%s' in territory model '%s'", ext,
                                            model_name)
                        : regio__store_fail(err, REGIO_EDATA,
                                            "unknown territory '%s' in the active territory model",
                                            ext);
    }
    return regio__sq_finish(s, st, r, rc, err);
}

static regio_err audit(regio__sqlite_store *s, const char *actor, const char *action,
                       const char *type, const char *id, char *before, char *after,
                       regio_error *err)
{
    regio_err rc = REGIO_OK;
    if ((before == NULL && after == NULL))
        rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory building an audit record");
    else
        rc = regio__sq_audit_append(&s->base, actor ? actor : "cli", action, type, id, before,
                                    after, err);
    regio_free(before);
    regio_free(after);
    return rc;
}

/* ---- permissions, labels -------------------------------------------------- */

static const char *const PERM_NAMES[3] = {"manage_territories", "view_all", "modify_all"};

regio_err regio_perm_parse(const char *list, unsigned *bits, regio_error *err)
{
    *bits = 0;
    const char *p = list ? list : "";
    while (*p) {
        while (*p == ' ' || *p == ';' || *p == '\t')
            p++;
        const char *q = p;
        while (*q && *q != ';')
            q++;
        const char *e = q;
        while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e > p) {
            unsigned bit = 0;
            for (int i = 0; i < 3; i++)
                if ((size_t)(e - p) == strlen(PERM_NAMES[i]) &&
                    !strncmp(p, PERM_NAMES[i], (size_t)(e - p)))
                    bit = 1u << i;
            if (!bit)
                return regio_error_setf(err, REGIO_EDATA, NULL, 0, "permissions",
                                        "unknown permission '%.*s' (known: manage_territories, "
                                        "view_all, modify_all)",
                                        (int)(e - p), p);
            *bits |= bit;
        }
        p = q;
    }
    return REGIO_OK;
}

void regio_perm_format(unsigned bits, char *out, size_t cap)
{
    size_t n = 0;
    if (cap)
        out[0] = '\0';
    for (int i = 0; i < 3; i++)
        if (bits & (1u << i)) {
            int w = snprintf(out + n, n < cap ? cap - n : 0, "%s%s", n ? ";" : "", PERM_NAMES[i]);
            if (w > 0)
                n += (size_t)w;
        }
}

static int in_list(const char *v, const char *const *list, int n)
{
    for (int i = 0; v && i < n; i++)
        if (!strcmp(v, list[i]))
            return 1;
    return 0;
}

regio_err regio_membership_role_check(const char *role, regio_error *err)
{
    static const char *const roles[] = {"owner", "rep", "overlay", "manager", "admin"};
    if (in_list(role, roles, 5))
        return REGIO_OK;
    return regio_error_setf(err, REGIO_EDATA, NULL, 0, "role",
                            "unknown membership role '%s' (owner, rep, overlay, manager or admin)",
                            role ? role : "");
}

regio_err regio_account_level_check(const char *level, regio_error *err)
{
    static const char *const levels[] = {"read", "edit", "owner"};
    if (in_list(level, levels, 3))
        return REGIO_OK;
    return regio_error_setf(err, REGIO_EDATA, NULL, 0, "account_access",
                            "unknown account access level '%s' (read, edit or owner)",
                            level ? level : "");
}

/* ---- roles ------------------------------------------------------------------ */

regio_err regio__sq_role_upsert(regio_store *base, const char *name, const char *parent,
                                const char *actor, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio__sq_txn t;
    regio_err rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    sqlite3_int64 pid = 0;
    int found = 0;
    if (parent) {
        if (!strcmp(parent, name)) {
            rc = regio__store_fail(err, REGIO_EDATA, "role '%s' cannot be its own parent", name);
            goto out;
        }
        if ((rc = id_of(s, "SELECT id FROM roles WHERE name = ?1", parent, NULL, &pid, &found,
                        err)))
            goto out;
        if (!found) {
            rc = regio__store_fail(err, REGIO_EDATA, "unknown parent role '%s' of role '%s'", parent,
                                   name);
            goto out;
        }
        /* A cycle: the new parent is the role itself or lies below it. */
        sqlite3_int64 below = 0;
        rc = id_of(s,
                   "WITH RECURSIVE up(id, name) AS (SELECT id, name FROM roles WHERE name = ?1"
                   " UNION SELECT r.id, r.name FROM roles r JOIN up ON r.id ="
                   " (SELECT parent_id FROM roles WHERE id = up.id))"
                   " SELECT 1 FROM up WHERE name = ?2",
                   parent, name, &below, &found, err);
        if (rc)
            goto out;
        if (found) {
            rc = regio__store_fail(err, REGIO_EDATA,
                                   "role '%s' cannot report to '%s': '%s' already reports to it "
                                   "(a cycle)",
                                   name, parent, parent);
            goto out;
        }
    }
    char *before = NULL;
    {
        sqlite3_stmt *st = NULL;
        if ((rc = regio__sq_prep(s, &st, err,
                       "SELECT p.name FROM roles r LEFT JOIN roles p ON p.id = r.parent_id"
                       " WHERE r.name = ?1",
                       "t", name)))
            goto out;
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            before = json_obj("name", name, "parent", col_text(st, 0), JSON_END);
            r = SQLITE_DONE;
        }
        if ((rc = regio__sq_finish(s, st, r, rc, err)))
            goto out;
    }
    sqlite3_stmt *st = NULL;
    rc = regio__sq_prep(s, &st, err,
              "INSERT INTO roles(name, parent_id) VALUES (?1, ?2)"
              " ON CONFLICT(name) DO UPDATE SET parent_id = excluded.parent_id",
              "t", name);
    if (!rc) {
        if (parent)
            sqlite3_bind_int64(st, 2, pid);
        rc = regio__sq_run(s, st, "writing a role", NULL, err);
    }
    if (!rc)
        rc = audit(s, actor, "role.upsert", "role", name, before,
                   json_obj("name", name, "parent", parent, JSON_END), err);
    else
        regio_free(before);
out:
    return regio__sq_txn_end(s, &t, rc, err);
}

regio_err regio__sq_roles_foreach(regio_store *base, regio_role_cb cb, void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err,
                        "WITH RECURSIVE t(id, depth) AS (SELECT id, 0 FROM roles WHERE parent_id"
                        " IS NULL UNION ALL SELECT r.id, t.depth + 1 FROM roles r JOIN t ON"
                        " r.parent_id = t.id)"
                        " SELECT r.name, p.name FROM t JOIN roles r ON r.id = t.id"
                        " LEFT JOIN roles p ON p.id = r.parent_id ORDER BY t.depth, r.name",
                        "");
    if (rc)
        return rc;
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio_role_info ri = {col_text(st, 0), col_text(st, 1)};
        if (cb(ud, &ri))
            rc = regio__sq_cancelled(err);
    }
    return regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
}

/* ---- users ------------------------------------------------------------------ */

#define USER_COLS                                                                        \
    "SELECT u.login, u.display_name, u.email, r.name, u.active,"                         \
    " u.password_hash IS NOT NULL,"                                                      \
    " (SELECT count(*) FROM api_tokens k WHERE k.user_id = u.id AND k.revoked_at IS NULL)," \
    " (SELECT group_concat(permission, ';') FROM user_permissions p WHERE p.user_id = u.id)" \
    " FROM users u LEFT JOIN roles r ON r.id = u.role_id "

static void user_row(sqlite3_stmt *st, regio_user_info *u)
{
    u->login = col_text(st, 0);
    u->name = col_text(st, 1);
    u->email = col_text(st, 2);
    u->role = col_text(st, 3);
    u->active = sqlite3_column_int(st, 4);
    u->has_password = sqlite3_column_int(st, 5);
    u->tokens = (long)sqlite3_column_int64(st, 6);
    u->perms = 0;
    regio_perm_parse(col_text(st, 7), &u->perms, NULL);
}

regio_err regio__sq_user_upsert(regio_store *base, const regio_user_info *u, const char *actor,
                                regio_upsert_result *out, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio__sq_txn t;
    regio_err rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    sqlite3_int64 rid = 0, uid = 0;
    int found = 0;
    char *before = NULL;
    if (u->role) {
        if ((rc = id_of(s, "SELECT id FROM roles WHERE name = ?1", u->role, NULL, &rid, &found,
                        err)))
            goto out;
        if (!found) {
            rc = regio_error_setf(err, REGIO_EDATA, NULL, 0, "role", "unknown role '%s' of user '%s'",
                                  u->role, u->login);
            goto out;
        }
    }
    regio_upsert_result res = REGIO_UPSERT_ADDED;
    {
        sqlite3_stmt *st = NULL;
        if ((rc = regio__sq_prep(s, &st, err, USER_COLS "WHERE u.login = ?1", "t", u->login)))
            goto out;
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            regio_user_info old;
            user_row(st, &old);
            res = user_change(&old, u);
            before = user_json(&old);
            r = SQLITE_DONE;
        }
        if ((rc = regio__sq_finish(s, st, r, rc, err)))
            goto out;
    }
    if (out)
        *out = res;
    if (res == REGIO_UPSERT_UNCHANGED)
        goto out;
    {
        sqlite3_stmt *st = NULL;
        rc = regio__sq_prep(s, &st, err,
                  "INSERT INTO users(login, display_name, email, role_id, active, created_at,"
                  " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT(login) DO UPDATE"
                  " SET display_name = excluded.display_name, email = excluded.email,"
                  " role_id = excluded.role_id, active = excluded.active,"
                  " updated_at = excluded.updated_at",
                  "ttt", u->login, u->name, u->email);
        if (!rc) {
            if (u->role)
                sqlite3_bind_int64(st, 4, rid);
            sqlite3_bind_int(st, 5, u->active != 0);
            bind_text(st, 6, regio__sq_now(s));
            rc = regio__sq_run(s, st, "writing a user", NULL, err);
        }
    }
    if (!rc)
        rc = user_id(s, u->login, &uid, err);
    if (!rc) {
        sqlite3_stmt *st = NULL;
        rc = regio__sq_prep(s, &st, err, "DELETE FROM user_permissions WHERE user_id = ?1", "i", uid);
        if (!rc)
            rc = regio__sq_run(s, st, "writing permissions", NULL, err);
        for (int i = 0; i < 3 && !rc; i++)
            if (u->perms & (1u << i)) {
                rc = regio__sq_prep(s, &st, err,
                          "INSERT INTO user_permissions(user_id, permission) VALUES (?1, ?2)", "it",
                          uid, PERM_NAMES[i]);
                if (!rc)
                    rc = regio__sq_run(s, st, "writing permissions", NULL, err);
            }
    }
    if (!rc && !u->active) {
        sqlite3_stmt *st = NULL;
        rc = regio__sq_prep(s, &st, err, "DELETE FROM sessions WHERE user_id = ?1", "i", uid);
        if (!rc)
            rc = regio__sq_run(s, st, "ending sessions", NULL, err);
    }
    if (!rc) {
        rc = audit(s, actor, "user.upsert", "user", u->login, before, user_json(u), err);
        before = NULL;
    }
out:
    regio_free(before);
    return regio__sq_txn_end(s, &t, rc, err);
}

regio_err regio__sq_users_foreach(regio_store *base, const char *login, regio_user_cb cb,
                                  void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = login ? regio__sq_prep(s, &st, err, USER_COLS "WHERE u.login = ?1", "t", login)
                         : regio__sq_prep(s, &st, err, USER_COLS "ORDER BY u.login", "");
    if (rc)
        return rc;
    int r, n = 0;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio_user_info u;
        user_row(st, &u);
        n++;
        if (cb(ud, &u))
            rc = regio__sq_cancelled(err);
    }
    rc = regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
    if (!rc && login && !n)
        rc = regio__store_fail(err, REGIO_ENOTFOUND, "unknown user '%s'", login);
    return rc;
}

/* Runs one write on user login inside its own transaction and audits it. */
static regio_err user_write(regio__sqlite_store *s, const char *login, const char *sql,
                            const char *text, int flag, const char *actor, const char *action,
                            char *after, regio_error *err)
{
    regio__sq_txn t;
    regio_err rc = regio__sq_txn_begin(s, &t, err);
    sqlite3_int64 uid = 0;
    if (!rc)
        rc = user_id(s, login, &uid, err);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = regio__sq_prep(s, &st, err, sql, "it", uid, text);
    if (!rc) {
        if (sqlite3_bind_parameter_count(st) >= 3)
            sqlite3_bind_int(st, 3, flag);
        rc = regio__sq_run(s, st, "writing a user", NULL, err);
    }
    if (!rc && strcmp(action, "user.enable") != 0) {
        rc = regio__sq_prep(s, &st, err, "DELETE FROM sessions WHERE user_id = ?1", "i", uid);
        if (!rc)
            rc = regio__sq_run(s, st, "ending sessions", NULL, err);
    }
    if (!rc) {
        rc = audit(s, actor, action, "user", login, NULL, after, err);
        after = NULL;
    }
    regio_free(after);
    return regio__sq_txn_end(s, &t, rc, err);
}

regio_err regio__sq_user_set_active(regio_store *base, const char *login, int active,
                                    const char *actor, regio_error *err)
{
    return user_write(REGIO_SQ(base), login,
                      "UPDATE users SET active = ?3, updated_at = ?2 WHERE id = ?1",
                      regio__sq_now(REGIO_SQ(base)), active != 0, actor,
                      active ? "user.enable" : "user.disable",
                      json_obj("active", active ? "yes" : "no", JSON_END), err);
}

regio_err regio__sq_user_set_password_hash(regio_store *base, const char *login, const char *hash,
                                           const char *actor, regio_error *err)
{
    return user_write(REGIO_SQ(base), login,
                      "UPDATE users SET password_hash = ?2 WHERE id = ?1", hash, 0, actor,
                      "user.passwd", json_obj("password", hash ? "set" : "cleared", JSON_END), err);
}

regio_err regio__sq_user_password_hash(regio_store *base, const char *login, char **hash,
                                       int *active, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    *hash = NULL;
    *active = 0;
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err, "SELECT password_hash, active FROM users WHERE login = ?1",
                        "t", login);
    if (rc)
        return rc;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        *active = sqlite3_column_int(st, 1);
        if (col_text(st, 0) && !(*hash = regio_strdup(col_text(st, 0))))
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory");
        r = SQLITE_DONE;
    } else if (r == SQLITE_DONE) {
        rc = regio__store_fail(err, REGIO_ENOTFOUND, "unknown user '%s'", login);
    }
    return regio__sq_finish(s, st, r, rc, err);
}

regio_err regio__sq_login_users(regio_store *base, long *n, regio_error *err)
{
    sqlite3_int64 v = 0;
    regio_err rc = regio__sq_int_query(
        REGIO_SQ(base),
        "SELECT count(*) FROM users u WHERE u.active = 1 AND (u.password_hash IS NOT NULL OR"
        " EXISTS (SELECT 1 FROM api_tokens k WHERE k.user_id = u.id AND k.revoked_at IS NULL))"
        " AND ?1 = ?1",
        0, 0, &v, err);
    *n = (long)v;
    return rc;
}

/* ---- territories, memberships, associations ------------------------------ */

/* Resolves a model (NULL: active) into its id and name for messages. */
static regio_err model_of(regio__sqlite_store *s, const char *model, sqlite3_int64 *mid,
                          regio_error *err)
{
    return regio__sq_model_id(s, model, mid, err);
}

regio_err regio__sq_territory_set_access(regio_store *base, const char *model, const char *ext_id,
                                         const char *level, const char *actor, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio__sq_txn t;
    regio_err rc;
    if ((rc = regio__sq_txn_begin(s, &t, err)))
        return rc;
    sqlite3_int64 mid = 0, tid = 0;
    rc = model_of(s, model, &mid, err);
    if (!rc)
        rc = territory_id(s, mid, model, ext_id, &tid, err);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = regio__sq_prep(s, &st, err, "UPDATE territories SET account_access = ?2 WHERE id = ?1", "it",
                  tid, level);
    if (!rc)
        rc = regio__sq_run(s, st, "writing a territory", NULL, err);
    if (!rc)
        rc = audit(s, actor, "territory.access", "territory", ext_id, NULL,
                   json_obj("model", model, "account_access", level, JSON_END), err);
    return regio__sq_txn_end(s, &t, rc, err);
}

regio_err regio__sq_territory_edit(regio_store *base, const char *model, const char *ext_id,
                                   const char *name, int set_parent, const char *parent,
                                   const char *level, const char *actor, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio_err rc;
    regio__sq_txn t;
    if ((rc = regio__sq_txn_begin(s, &t, err)))
        return rc;
    sqlite3_int64 mid = 0;
    char *before = NULL;
    char old_name[512] = "", old_parent[512] = "", old_level[16] = "";
    int had_parent = 0;
    rc = model_of(s, model, &mid, err);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = regio__sq_prep(s, &st, err,
                  "SELECT t.name, p.ext_id, t.account_access FROM territories t LEFT JOIN"
                  " territories p ON p.id = t.parent_id WHERE t.model_id = ?1 AND t.ext_id = ?2",
                  "it", mid, ext_id);
    if (!rc) {
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            snprintf(old_name, sizeof old_name, "%s", col_text(st, 0) ? col_text(st, 0) : "");
            had_parent = col_text(st, 1) != NULL;
            snprintf(old_parent, sizeof old_parent, "%s", had_parent ? col_text(st, 1) : "");
            snprintf(old_level, sizeof old_level, "%s", col_text(st, 2) ? col_text(st, 2) : "");
            r = SQLITE_DONE;
        } else if (r == SQLITE_DONE) {
            rc = model ? regio__store_fail(err, REGIO_ENOTFOUND,
                                           "no territory '%s' in territory model '%s'", ext_id,
                                           model)
                       : regio__store_fail(err, REGIO_ENOTFOUND,
                                           "no territory '%s' in the active territory model",
                                           ext_id);
        }
        rc = regio__sq_finish(s, st, r, rc, err);
    }
    if (!rc && (name || set_parent))
        rc = regio__sq_territory_upsert(base, model, ext_id, name ? name : old_name,
                                        set_parent ? parent : (had_parent ? old_parent : NULL),
                                        err);
    if (!rc && level) {
        rc = regio__sq_prep(s, &st, err,
                  "UPDATE territories SET account_access = ?3 WHERE model_id = ?1 AND ext_id = ?2",
                  "itt", mid, ext_id, level);
        if (!rc)
            rc = regio__sq_run(s, st, "writing a territory", NULL, err);
    }
    if (!rc) {
        before = json_obj("name", old_name, "parent", had_parent ? old_parent : NULL,
                          "account_access", old_level, JSON_END);
        rc = audit(s, actor, "territory.update", "territory", ext_id, before,
                   json_obj("model", model, "name", name ? name : old_name, "parent",
                            set_parent ? parent : (had_parent ? old_parent : NULL),
                            "account_access", level ? level : old_level, JSON_END),
                   err);
    }
    return regio__sq_txn_end(s, &t, rc, err);
}

regio_err regio__sq_membership_upsert(regio_store *base, const char *model,
                                      const regio_membership_info *m, const char *actor,
                                      regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio__sq_txn t;
    regio_err rc;
    if ((rc = regio__sq_txn_begin(s, &t, err)))
        return rc;
    sqlite3_int64 mid = 0, tid = 0, uid = 0;
    rc = model_of(s, model, &mid, err);
    if (!rc)
        rc = territory_id(s, mid, model, m->territory, &tid, err);
    if (!rc && (rc = user_id(s, m->user, &uid, err)) == REGIO_ENOTFOUND)
        rc = regio_error_setf(err, REGIO_EDATA, NULL, 0, "user", "unknown user '%s'", m->user);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = regio__sq_prep(s, &st, err,
                  "INSERT INTO memberships(user_id, territory_id, role, active, start_date,"
                  " end_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(user_id, territory_id,"
                  " role) DO UPDATE SET active = excluded.active, start_date ="
                  " excluded.start_date, end_date = excluded.end_date",
                  "iititt", uid, tid, m->role, (sqlite3_int64)(m->active != 0), m->start, m->end);
    if (!rc)
        rc = regio__sq_run(s, st, "writing a membership", NULL, err);
    if (!rc) {
        char key[512];
        pair_key(key, sizeof key, m->user, m->territory);
        rc = audit(s, actor, "membership.upsert", "membership", key, NULL,
                   membership_json(model, m), err);
    }
    return regio__sq_txn_end(s, &t, rc, err);
}

regio_err regio__sq_membership_remove(regio_store *base, const char *model, const char *user,
                                      const char *territory, const char *role, const char *actor,
                                      regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio__sq_txn t;
    regio_err rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    sqlite3_int64 mid = 0;
    long n = 0;
    rc = model_of(s, model, &mid, err);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = regio__sq_prep(s, &st, err,
                  "DELETE FROM memberships WHERE role = ?3 AND user_id = (SELECT id FROM users"
                  " WHERE login = ?1) AND territory_id = (SELECT id FROM territories WHERE"
                  " model_id = ?4 AND ext_id = ?2)",
                  "ttti", user, territory, role, mid);
    if (!rc)
        rc = regio__sq_run(s, st, "removing a membership", &n, err);
    if (!rc && n == 0)
        rc = regio__store_fail(err, REGIO_ENOTFOUND, "'%s' has no %s membership in territory '%s'",
                               user, role, territory);
    if (!rc) {
        char key[512];
        pair_key(key, sizeof key, user, territory);
        rc = audit(s, actor, "membership.remove", "membership", key,
                   json_obj("model", model, "user", user, "territory", territory, "role", role,
                            JSON_END),
                   NULL, err);
    }
    return regio__sq_txn_end(s, &t, rc, err);
}

regio_err regio__sq_memberships_foreach(regio_store *base, const char *model,
                                        regio_membership_cb cb, void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_int64 mid = 0;
    regio_err rc = model_of(s, model, &mid, err);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = regio__sq_prep(s, &st, err,
                  "SELECT u.login, t.ext_id, m.role, m.active, m.start_date, m.end_date,"
                  " u.display_name FROM memberships m JOIN users u ON u.id = m.user_id"
                  " JOIN territories t ON t.id = m.territory_id WHERE t.model_id = ?1"
                  " ORDER BY t.ext_id, u.login, m.role",
                  "i", mid);
    if (rc)
        return rc;
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio_membership_info mi = {col_text(st, 0), col_text(st, 1), col_text(st, 2),
                                    sqlite3_column_int(st, 3), col_text(st, 4), col_text(st, 5),
                                    col_text(st, 6)};
        if (cb(ud, &mi))
            rc = regio__sq_cancelled(err);
    }
    return regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
}

regio_err regio__sq_association_set(regio_store *base, const char *model, const char *account,
                                    const char *territory, int add, const char *actor,
                                    regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio__sq_txn t;
    regio_err rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    sqlite3_int64 mid = 0, tid = 0, aid = 0;
    int found = 0;
    long n = 0;
    rc = model_of(s, model, &mid, err);
    if (!rc)
        rc = territory_id(s, mid, model, territory, &tid, err);
    if (!rc)
        rc = id_of(s, "SELECT id FROM accounts WHERE ext_id = ?1", account, NULL, &aid, &found,
                   err);
    if (!rc && !found)
        rc = regio_error_setf(err, REGIO_EDATA, NULL, 0, "account", "unknown account '%s'",
                              account);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = add ? regio__sq_prep(s, &st, err,
                        "INSERT OR IGNORE INTO account_territories(account_id, territory_id,"
                        " cause, created_by) VALUES (?1, ?2, 'manual',"
                        " (SELECT id FROM users WHERE login = ?3))",
                        "iit", aid, tid, actor)
                 : regio__sq_prep(s, &st, err,
                        "DELETE FROM account_territories WHERE account_id = ?1 AND territory_id"
                        " = ?2 AND cause = 'manual'",
                        "ii", aid, tid);
    if (!rc)
        rc = regio__sq_run(s, st, "writing an association", &n, err);
    if (!rc && n > 0) {
        char key[512];
        pair_key(key, sizeof key, account, territory);
        char *j = json_obj("model", model, "account", account, "territory", territory, JSON_END);
        rc = audit(s, actor, add ? "association.add" : "association.remove", "association", key,
                   add ? NULL : j, add ? j : NULL, err);
    }
    return regio__sq_txn_end(s, &t, rc, err);
}

regio_err regio__sq_associations_foreach(regio_store *base, const char *model,
                                         regio_association_cb cb, void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_int64 mid = 0;
    regio_err rc = model_of(s, model, &mid, err);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = regio__sq_prep(s, &st, err,
                  "SELECT a.ext_id, t.ext_id, at.cause FROM account_territories at"
                  " JOIN accounts a ON a.id = at.account_id"
                  " JOIN territories t ON t.id = at.territory_id WHERE t.model_id = ?1"
                  " ORDER BY a.ext_id, t.ext_id, at.cause",
                  "i", mid);
    if (rc)
        return rc;
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio_association_info ai = {col_text(st, 0), col_text(st, 1), col_text(st, 2)};
        if (cb(ud, &ai))
            rc = regio__sq_cancelled(err);
    }
    return regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
}

regio_err regio__sq_account_keys_foreach(regio_store *base, regio_account_key_cb cb, void *ud,
                                         regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc =
        regio__sq_prep(s, &st, err, "SELECT ext_id, owner_ext, unit_ext FROM accounts ORDER BY ext_id", "");
    if (rc)
        return rc;
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW)
        if (cb(ud, col_text(st, 0), col_text(st, 1), col_text(st, 2)))
            rc = regio__sq_cancelled(err);
    return regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
}

regio_err regio__sq_model_in_force(regio_store *base, const char *day, regio_model_info *out,
                                   regio_error *err)
{
    /* store.c checked the day. The one definition of the model in force is the timeline's
     * (sqlite_promotions.c), shared with every state a reader sees. */
    return regio__sq_model_find_at(base, NULL, day, out, err);
}

/* ---- tokens and sessions ------------------------------------------------- */

regio_err regio__sq_token_add(regio_store *base, const char *login, const char *token_hash,
                              const char *label, const char *actor, long *id, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio__sq_txn t;
    regio_err rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    sqlite3_int64 uid = 0;
    rc = user_id(s, login, &uid, err);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = regio__sq_prep(s, &st, err,
                  "INSERT INTO api_tokens(user_id, token_hash, label) VALUES (?1, ?2, ?3)", "itt",
                  uid, token_hash, label);
    if (!rc)
        rc = regio__sq_run(s, st, "writing a token", NULL, err);
    long tid = (long)sqlite3_last_insert_rowid(s->db);
    if (!rc && id)
        *id = tid;
    if (!rc) {
        char idtxt[32];
        snprintf(idtxt, sizeof idtxt, "%ld", tid);
        rc = audit(s, actor, "token.create", "user", login, NULL,
                   json_obj("token", idtxt, "label", label, JSON_END), err);
    }
    return regio__sq_txn_end(s, &t, rc, err);
}

/* A token's use waiting to be noted. */
struct regio__sq_touch {
    sqlite3_int64 id;
    char at[32];
};

void regio__sq_token_touch_flush(regio__sqlite_store *s)
{
    if (!s->n_touch)
        return;
    /* One commit for all of them, as bookkeeping (caches of what the store
     * holds stay valid); inside a caller's transaction, part of it. */
    int own = sqlite3_get_autocommit(s->db);
    if (!own || sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK) {
        sqlite3_stmt *st = NULL;
        for (size_t i = 0; i < s->n_touch; i++) {
            long changed = 0;
            if (!regio__sq_prep(s, &st, NULL, "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1",
                                "it", s->touch[i].id, s->touch[i].at) &&
                !regio__sq_run(s, st, "noting a token's use", &changed, NULL))
                s->quiet_changes += changed;
        }
        if (own && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    s->n_touch = 0;
}

/* Holds token kid's use at now; writes the uses held once the oldest is a
 * minute old. Every commit makes the other servers on the same file drop
 * what SQLite keeps of it (their page cache and memory map) and their
 * caches of the store, so a token's use, noted at most once a minute,
 * is not a commit of its own: with 200 tokens in use, those were 200
 * commits at the turn of every minute. */
static void token_touch_later(regio__sqlite_store *s, sqlite3_int64 kid, const char *now)
{
    size_t i = 0;
    while (i < s->n_touch && s->touch[i].id != kid)
        i++;
    if (i == s->n_touch) {
        if (s->n_touch == s->cap_touch) {
            size_t cap = s->cap_touch ? 2 * s->cap_touch : 64;
            struct regio__sq_touch *t = regio_realloc(s->touch, cap * sizeof *t);
            if (!t)
                return; /* the use goes unnoted: bookkeeping only */
            s->touch = t;
            s->cap_touch = cap;
        }
        if (!s->n_touch)
            s->touch_since = time(NULL);
        s->touch[s->n_touch++].id = kid;
    }
    snprintf(s->touch[i].at, sizeof s->touch[i].at, "%s", now);
    if (time(NULL) - s->touch_since >= 60)
        regio__sq_token_touch_flush(s);
}

regio_err regio__sq_token_user(regio_store *base, const char *token_hash, char **login,
                               regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    *login = NULL;
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err,
                        "SELECT u.login, k.id, k.last_used_at FROM api_tokens k JOIN users u ON"
                        " u.id = k.user_id WHERE k.token_hash = ?1 AND k.revoked_at IS NULL AND"
                        " u.active = 1",
                        "t", token_hash);
    if (rc)
        return rc;
    int r = sqlite3_step(st);
    sqlite3_int64 kid = 0;
    int touch = 0;
    if (r == SQLITE_ROW) {
        kid = sqlite3_column_int64(st, 1);
        /* Note the use at most once a minute: reads stay reads. */
        touch = token_touch(col_text(st, 2), regio__sq_now(s));
        if (!(*login = regio_strdup(col_text(st, 0))))
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory");
        r = SQLITE_DONE;
    }
    rc = regio__sq_finish(s, st, r, rc, err);
    if (!rc && touch)
        token_touch_later(s, kid, regio__sq_now(s));
    else if (s->n_touch && time(NULL) - s->touch_since >= 60)
        regio__sq_token_touch_flush(s);
    return rc;
}

regio_err regio__sq_token_revoke(regio_store *base, const char *login, long id, const char *actor,
                                 regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    regio__sq_txn t;
    regio_err rc = regio__sq_txn_begin(s, &t, err);
    if (rc)
        return rc;
    sqlite3_int64 uid = 0;
    long n = 0;
    rc = user_id(s, login, &uid, err);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = regio__sq_prep(s, &st, err,
                  "UPDATE api_tokens SET revoked_at = ?3 WHERE id = ?1 AND user_id = ?2 AND"
                  " revoked_at IS NULL",
                  "iit", (sqlite3_int64)id, uid, regio__sq_now(s));
    if (!rc)
        rc = regio__sq_run(s, st, "revoking a token", &n, err);
    if (!rc && !n)
        rc = regio__store_fail(err, REGIO_ENOTFOUND, "user '%s' has no live token %ld", login, id);
    if (!rc) {
        char idtxt[32];
        snprintf(idtxt, sizeof idtxt, "%ld", id);
        rc = audit(s, actor, "token.revoke", "user", login, NULL,
                   json_obj("token", idtxt, JSON_END), err);
    }
    return regio__sq_txn_end(s, &t, rc, err);
}

regio_err regio__sq_tokens_foreach(regio_store *base, const char *login, regio_token_cb cb,
                                   void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err,
                        "SELECT k.id, u.login, k.label, k.created_at, k.last_used_at,"
                        " k.revoked_at IS NOT NULL FROM api_tokens k JOIN users u ON"
                        " u.id = k.user_id WHERE ?1 IS NULL OR u.login = ?1 ORDER BY k.id",
                        "t", login);
    if (rc)
        return rc;
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio_token_info ti = {(long)sqlite3_column_int64(st, 0), col_text(st, 1),
                               col_text(st, 2), col_text(st, 3), col_text(st, 4),
                               sqlite3_column_int(st, 5)};
        if (cb(ud, &ti))
            rc = regio__sq_cancelled(err);
    }
    return regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
}

regio_err regio__sq_session_add(regio_store *base, const char *id_hash, const char *login,
                                const char *csrf, long long expires, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_int64 uid = 0;
    regio_err rc = user_id(s, login, &uid, err);
    sqlite3_stmt *st = NULL;
    if (!rc)
        rc = regio__sq_prep(s, &st, err,
                  "INSERT INTO sessions(id_hash, user_id, csrf, expires_at) VALUES (?1, ?2, ?3, ?4)",
                  "titi", id_hash, uid, csrf, (sqlite3_int64)expires);
    if (!rc)
        rc = regio__sq_run(s, st, "writing a session", NULL, err);
    return rc;
}

regio_err regio__sq_session_find(regio_store *base, const char *id_hash, long long now,
                                 char **login, char **csrf, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    *login = *csrf = NULL;
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err,
                        "SELECT u.login, x.csrf FROM sessions x JOIN users u ON u.id = x.user_id"
                        " WHERE x.id_hash = ?1 AND x.expires_at > ?2 AND u.active = 1",
                        "ti", id_hash, (sqlite3_int64)now);
    if (rc)
        return rc;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        *login = regio_strdup(col_text(st, 0));
        *csrf = regio_strdup(col_text(st, 1));
        if (!*login || !*csrf) {
            regio_free(*login);
            regio_free(*csrf);
            *login = *csrf = NULL;
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory");
        }
        r = SQLITE_DONE;
    }
    return regio__sq_finish(s, st, r, rc, err);
}

regio_err regio__sq_session_remove(regio_store *base, const char *id_hash, long long now,
                                   regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err, "DELETE FROM sessions WHERE id_hash = ?1 OR expires_at <= ?2",
                        "ti", id_hash, (sqlite3_int64)now);
    if (!rc)
        rc = regio__sq_run(s, st, "ending a session", NULL, err);
    return rc;
}

/* ---- audit log ------------------------------------------------------------- */

regio_err regio__sq_audit_foreach(regio_store *base, const char *since, const char *user,
                                  regio_audit_cb cb, void *ud, regio_error *err)
{
    regio__sqlite_store *s = REGIO_SQ(base);
    sqlite3_stmt *st = NULL;
    regio_err rc = regio__sq_prep(s, &st, err,
                        "SELECT id, ts, actor, action, object_type, object_id, before, after, hash"
                        " FROM audit_log WHERE (?1 IS NULL OR ts >= ?1) AND (?2 IS NULL OR"
                        " actor = ?2) ORDER BY id",
                        "tt", since, user);
    if (rc)
        return rc;
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        regio_audit_record a = {(long)sqlite3_column_int64(st, 0),
                                col_text(st, 1),
                                col_text(st, 2),
                                col_text(st, 3),
                                col_text(st, 4),
                                col_text(st, 5),
                                col_text(st, 6),
                                col_text(st, 7),
                                col_text(st, 8)};
        if (cb(ud, &a))
            rc = regio__sq_cancelled(err);
    }
    return regio__sq_finish(s, st, rc ? SQLITE_DONE : r, rc, err);
}
