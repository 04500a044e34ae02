/*
 * PostgreSQL backend, the organisation: roles (a tree), users with their
 * role, permissions and password hash, memberships, manual associations,
 * territory access levels, API tokens and sessions (in the database, so
 * that every server behind a proxy knows every session), and reading the
 * audit log. Each write is one transaction (or a savepoint inside the
 * caller's) and appends one audit record built as SQLite's backend builds
 * it (store/org_codec.h).
 */
#include "store/org_codec.h"
#include "store/pg_impl.h"
#include "regio/strmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define C_ORDER " COLLATE \"C\""

/* Runs sql with n text parameters; *res (may be NULL) gets its rows. */
static regio_err q(regio__pg_store *s, const char *sql, int n, const char *const *p,
                   const char *what, PGresult **res, regio_error *err)
{
    return regio__pg_query(s, sql, n, p, res ? PGRES_TUPLES_OK : PGRES_COMMAND_OK, what, res, err);
}

/* One integer of a one-row query; *found says whether there was a row. */
static regio_err id_of(regio__pg_store *s, const char *sql, const char *a, const char *b,
                       long long *id, int *found, regio_error *err)
{
    const char *p[2] = {a, b};
    PGresult *res = NULL;
    regio_err rc = q(s, sql, b ? 2 : 1, p, "reading the store", &res, err);
    if (rc)
        return rc;
    *found = PQntuples(res) > 0;
    *id = *found ? regio__pg_col_int(res, 0, 0) : 0;
    PQclear(res);
    return REGIO_OK;
}

static regio_err user_id(regio__pg_store *s, const char *login, long long *id, regio_error *err)
{
    int found = 0;
    regio_err rc = id_of(s, "SELECT id FROM users WHERE login = $1", login, NULL, id, &found, err);
    if (!rc && !found)
        rc = regio__store_fail(err, REGIO_ENOTFOUND, "unknown user '%s'", login);
    return rc;
}

static regio_err territory_id(regio__pg_store *s, long long mid, const char *model_name,
                              const char *ext, long long *id, regio_error *err)
{
    char b[32];
    int found = 0;
    regio_err rc = id_of(s, "SELECT id FROM territories WHERE model_id = $1 AND ext_id = $2",
                         regio__pg_int(b, mid), ext, id, &found, err);
    if (!rc && !found)
        rc = model_name
                 ? regio__store_fail(err, REGIO_EDATA,
                                     "unknown territory '%s' in territory model '%s'", ext,
                                     model_name)
                 : regio__store_fail(err, REGIO_EDATA,
                                     "unknown territory '%s' in the active territory model", ext);
    return rc;
}

static regio_err audit(regio__pg_store *s, const char *actor, const char *action, const char *type,
                       const char *id, char *before, char *after, regio_error *err)
{
    regio_err rc;
    if (!before && !after)
        rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory building an audit record");
    else
        rc = regio__pg_audit_append(&s->base, actor ? actor : "cli", action, type, id, before,
                                    after, err);
    regio_free(before);
    regio_free(after);
    return rc;
}

static regio_err end_sessions(regio__pg_store *s, long long uid, regio_error *err)
{
    char b[32];
    const char *p[1] = {regio__pg_int(b, uid)};
    return regio__pg_write(s, "DELETE FROM sessions WHERE user_id = $1", 1, p, "ending sessions",
                           NULL, err);
}

/* What a write names, found at its start (begin_write). */
enum {
    W_MODEL = 1,          /* the model (NULL: the active one) */
    W_TERRITORY = 2 | 1,  /* a territory of it */
    W_USER = 4,           /* a user: unknown is REGIO_ENOTFOUND */
    W_USER_DATA = 8 | 4   /* a user a row names: unknown is REGIO_EDATA on field "user" */
};

/* The start of every write: begins t (a transaction, or a savepoint in the
 * caller's) and finds the ids of what it names (what: W_*), in this order,
 * into *mid, *tid, *uid (NULL when not asked). On a failure t is ended
 * again and the code returned. */
static regio_err begin_write(regio__pg_store *s, regio__pg_txn *t, unsigned what,
                             const char *model, const char *territory, const char *login,
                             long long *mid, long long *tid, long long *uid, regio_error *err)
{
    long long m = 0;
    regio_err rc = regio__pg_txn_begin(s, t, err);
    if (rc)
        return rc;
    if (what & W_MODEL)
        rc = regio__pg_model_id(s, model, &m, err);
    if (mid)
        *mid = m;
    if (!rc && (what & W_TERRITORY & ~W_MODEL))
        rc = territory_id(s, m, model, territory, tid, err);
    if (!rc && (what & W_USER) && (rc = user_id(s, login, uid, err)) == REGIO_ENOTFOUND &&
        (what & W_USER_DATA & ~W_USER))
        rc = regio_error_setf(err, REGIO_EDATA, NULL, 0, "user", "unknown user '%s'", login);
    return rc ? regio__pg_txn_end(s, t, rc, err) : REGIO_OK;
}

/* ---- roles ------------------------------------------------------------------ */

regio_err regio__pg_role_upsert(regio_store *base, const char *name, const char *parent,
                                const char *actor, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio__pg_txn t;
    regio_err rc = regio__pg_txn_begin(s, &t, err);
    if (rc)
        return rc;
    long long pid = 0, below = 0;
    int found = 0;
    char *before = NULL;
    PGresult *res = NULL;
    if (parent) {
        if (!strcmp(parent, name)) {
            rc = regio__store_fail(err, REGIO_EDATA, "role '%s' cannot be its own parent", name);
            goto out;
        }
        if ((rc =
                 id_of(s, "SELECT id FROM roles WHERE name = $1", parent, NULL, &pid, &found, err)))
            goto out;
        if (!found) {
            rc = regio__store_fail(err, REGIO_EDATA, "unknown parent role '%s' of role '%s'",
                                   parent, name);
            goto out;
        }
        /* A cycle: the new parent is the role itself or lies below it. */
        if ((rc = id_of(s,
                        "WITH RECURSIVE up(id, name) AS (SELECT id, name FROM roles WHERE"
                        " name = $1 UNION SELECT r.id, r.name FROM roles r JOIN up ON r.id ="
                        " (SELECT parent_id FROM roles WHERE id = up.id))"
                        " SELECT 1 FROM up WHERE name = $2",
                        parent, name, &below, &found, err)))
            goto out;
        if (found) {
            rc = regio__store_fail(err, REGIO_EDATA,
                                   "role '%s' cannot report to '%s': '%s' already reports to it "
                                   "(a cycle)",
                                   name, parent, parent);
            goto out;
        }
    }
    const char *p1[1] = {name};
    if ((rc = q(s,
                "SELECT p.name FROM roles r LEFT JOIN roles p ON p.id = r.parent_id"
                " WHERE r.name = $1",
                1, p1, "reading a role", &res, err)))
        goto out;
    if (PQntuples(res))
        before = json_obj("name", name, "parent", regio__pg_col_text(res, 0, 0), JSON_END);
    PQclear(res);
    char b[32];
    const char *p2[2] = {name, parent ? regio__pg_int(b, pid) : NULL};
    rc = regio__pg_write(s,
                         "INSERT INTO roles(name, parent_id) VALUES ($1, $2)"
                         " ON CONFLICT (name) DO UPDATE SET parent_id = excluded.parent_id",
                         2, p2, "writing a role", NULL, err);
    if (!rc) {
        rc = audit(s, actor, "role.upsert", "role", name, before,
                   json_obj("name", name, "parent", parent, JSON_END), err);
        before = NULL;
    }
out:
    regio_free(before);
    return regio__pg_txn_end(s, &t, rc, err);
}

regio_err regio__pg_roles_foreach(regio_store *base, regio_role_cb cb, void *ud, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    PGresult *res = NULL;
    regio_err rc = q(s,
                     "WITH RECURSIVE t(id, depth) AS (SELECT id, 0 FROM roles WHERE parent_id"
                     " IS NULL UNION ALL SELECT r.id, t.depth + 1 FROM roles r JOIN t ON"
                     " r.parent_id = t.id)"
                     " SELECT r.name, p.name FROM t JOIN roles r ON r.id = t.id"
                     " LEFT JOIN roles p ON p.id = r.parent_id ORDER BY t.depth, r.name" C_ORDER,
                     0, NULL, "reading the roles", &res, err);
    for (int i = 0; !rc && i < PQntuples(res); i++) {
        regio_role_info ri = {regio__pg_col_text(res, i, 0), regio__pg_col_text(res, i, 1)};
        if (cb(ud, &ri))
            rc = regio__pg_cancelled(err);
    }
    PQclear(res);
    return rc;
}

/* ---- users ------------------------------------------------------------------ */

#define USER_COLS                                                                                  \
    "SELECT u.login, u.display_name, u.email, r.name, u.active,"                                   \
    " (u.password_hash IS NOT NULL)::int,"                                                         \
    " (SELECT count(*) FROM api_tokens k WHERE k.user_id = u.id AND k.revoked_at IS NULL),"        \
    " (SELECT string_agg(permission, ';') FROM user_permissions p WHERE p.user_id = u.id)"         \
    " FROM users u LEFT JOIN roles r ON r.id = u.role_id "

static void user_row(const PGresult *res, int i, regio_user_info *u)
{
    u->login = regio__pg_col_text(res, i, 0);
    u->name = regio__pg_col_text(res, i, 1);
    u->email = regio__pg_col_text(res, i, 2);
    u->role = regio__pg_col_text(res, i, 3);
    u->active = (int)regio__pg_col_int(res, i, 4);
    u->has_password = (int)regio__pg_col_int(res, i, 5);
    u->tokens = (long)regio__pg_col_int(res, i, 6);
    u->perms = 0;
    regio_perm_parse(regio__pg_col_text(res, i, 7), &u->perms, NULL);
}

regio_err regio__pg_user_upsert(regio_store *base, const regio_user_info *u, const char *actor,
                                regio_upsert_result *out, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio__pg_txn t;
    regio_err rc = regio__pg_txn_begin(s, &t, err);
    if (rc)
        return rc;
    long long rid = 0, uid = 0;
    int found = 0;
    char *before = NULL;
    PGresult *res = NULL;
    if (u->role) {
        if ((rc = id_of(s, "SELECT id FROM roles WHERE name = $1", u->role, NULL, &rid, &found,
                        err)))
            goto out;
        if (!found) {
            rc = regio_error_setf(err, REGIO_EDATA, NULL, 0, "role",
                                  "unknown role '%s' of user '%s'", u->role, u->login);
            goto out;
        }
    }
    regio_upsert_result result = REGIO_UPSERT_ADDED;
    const char *pl[1] = {u->login};
    if ((rc = q(s, USER_COLS "WHERE u.login = $1", 1, pl, "reading a user", &res, err)))
        goto out;
    if (PQntuples(res)) {
        regio_user_info old;
        user_row(res, 0, &old);
        result = user_change(&old, u);
        before = user_json(&old);
    }
    PQclear(res);
    if (out)
        *out = result;
    if (result == REGIO_UPSERT_UNCHANGED)
        goto out;
    char b[3][32], now[32];
    const char *p[6] = {u->login,
                        u->name,
                        u->email,
                        u->role ? regio__pg_int(b[0], rid) : NULL,
                        regio__pg_int(b[1], u->active != 0),
                        regio__pg_now(now)};
    if ((rc = q(s,
                "INSERT INTO users(login, display_name, email, role_id, active, created_at,"
                " updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (login) DO UPDATE"
                " SET display_name = excluded.display_name, email = excluded.email,"
                " role_id = excluded.role_id, active = excluded.active,"
                " updated_at = excluded.updated_at RETURNING id",
                6, p, "writing a user", &res, err)))
        goto out;
    uid = regio__pg_col_int(res, 0, 0);
    PQclear(res);
    char perms[64];
    regio_perm_format(u->perms, perms, sizeof perms);
    const char *pp[2] = {regio__pg_int(b[2], uid), perms};
    rc = regio__pg_write(s, "DELETE FROM user_permissions WHERE user_id = $1", 1, pp,
                         "writing permissions", NULL, err);
    if (!rc && perms[0])
        rc = regio__pg_write(s,
                             "INSERT INTO user_permissions(user_id, permission)"
                             " SELECT $1, unnest(string_to_array($2, ';'))",
                             2, pp, "writing permissions", NULL, err);
    if (!rc && !u->active)
        rc = end_sessions(s, uid, err);
    if (!rc) {
        rc = audit(s, actor, "user.upsert", "user", u->login, before, user_json(u), err);
        before = NULL;
    }
out:
    regio_free(before);
    return regio__pg_txn_end(s, &t, rc, err);
}

/* The users that change go through COPY into a staging table and a few
 * statements; should anything fail there (an unknown role, a login twice),
 * the users go again one by one, which says which one failed and why. */
regio_err regio__pg_users_upsert_many(regio_store *base, const regio_user_info *u, size_t n,
                                      const char *actor, regio_upsert_result *out, size_t *bad,
                                      regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    *bad = 0;
    regio__pg_txn t;
    regio_err rc = regio__pg_txn_begin(s, &t, err);
    if (rc)
        return rc;
    /* What is stored of them, by login. */
    const char **logins = regio_malloc((n ? n : 1) * sizeof *logins);
    regio__pg_audit_rec *rec = regio_calloc(n ? n : 1, sizeof *rec);
    regio_strmap *old = NULL;
    regio_buf lines;
    regio_buf_init(&lines, 0);
    PGresult *res = NULL;
    int again = 0;
    size_t m = 0;
    if (!logins || !rec)
        rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory writing users");
    for (size_t i = 0; !rc && i < n; i++)
        logins[i] = u[i].login;
    if (!rc)
        rc = regio__pg_rows_by_key(s, USER_COLS "WHERE u.login = ANY($1::text[])", logins, n,
                                   "reading users", &res, &old, err);
    char now[32];
    regio__pg_now(now);
    for (size_t i = 0; !rc && !again && i < n; i++) {
        regio_upsert_result r = REGIO_UPSERT_ADDED;
        long j = regio_strmap_get(old, u[i].login);
        char *before = NULL;
        if (j >= 0) {
            regio_user_info was;
            user_row(res, (int)j, &was);
            r = user_change(&was, &u[i]);
            if (r != REGIO_UPSERT_UNCHANGED && !(before = user_json(&was)))
                rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory writing users");
        }
        /* a login twice: one after the other, as the one-row upsert does */
        int dup = 0;
        long first = 0;
        if (!rc && regio_strmap_put(old, u[i].login, -1, &dup, &first))
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory writing users");
        if (dup && first < 0)
            again = 1;
        if (out)
            out[i] = r;
        if (rc || again || r == REGIO_UPSERT_UNCHANGED) {
            regio_free(before);
            continue;
        }
        char perms[64], seq[32], active[2] = {u[i].active ? '1' : '0', 0};
        regio_perm_format(u[i].perms, perms, sizeof perms);
        snprintf(seq, sizeof seq, "%zu", i);
        const char *row[7] = {seq, u[i].login, u[i].name, u[i].email, u[i].role, active, perms};
        rec[m].object_id = u[i].login;
        rec[m].before = before;
        rec[m].after = user_json(&u[i]);
        if (!rec[m++].after || regio__pg_copy_line(&lines, row, 7))
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory writing users");
    }
    PQclear(res);
    res = NULL;
    if (!rc && !again && m)
        rc = regio__pg_stage(s, "regio_users_stage",
                             "seq bigint, login text, display_name text, email text, role text,"
                             " active bigint, perms text",
                             &lines, "writing users", err);
    long long unknown = 0;
    if (!rc && !again && m)
        rc = regio__pg_int_query(s,
                                 "SELECT count(*) FROM regio_users_stage g WHERE g.role IS NOT"
                                 " NULL AND NOT EXISTS (SELECT 1 FROM roles r WHERE r.name ="
                                 " g.role) AND $1 = $2",
                                 0, 0, &unknown, err);
    again |= unknown != 0;
    const char *pn[1] = {now};
    if (!rc && !again && m)
        rc = regio__pg_write(
            s,
            "INSERT INTO users(login, display_name, email, role_id, active, created_at,"
            " updated_at) SELECT g.login, g.display_name, g.email, r.id, g.active, $1, $1"
            " FROM regio_users_stage g LEFT JOIN roles r ON r.name = g.role ORDER BY g.seq"
            " ON CONFLICT (login) DO UPDATE SET display_name = excluded.display_name,"
            " email = excluded.email, role_id = excluded.role_id, active = excluded.active,"
            " updated_at = excluded.updated_at",
            1, pn, "writing users", NULL, err);
    if (!rc && !again && m)
        rc = regio__pg_exec(
            s,
            "DELETE FROM user_permissions WHERE user_id IN (SELECT u.id FROM users u"
            " JOIN regio_users_stage g ON g.login = u.login);"
            "INSERT INTO user_permissions(user_id, permission) SELECT u.id,"
            " unnest(string_to_array(g.perms, ';')) FROM regio_users_stage g"
            " JOIN users u ON u.login = g.login WHERE g.perms <> '' ORDER BY g.seq;"
            "DELETE FROM sessions WHERE user_id IN (SELECT u.id FROM users u"
            " JOIN regio_users_stage g ON g.login = u.login WHERE g.active = 0)",
            err);
    if (!rc && !again && m)
        rc = regio__pg_audit_many(s, actor ? actor : "cli", "user.upsert", "user", rec, m, err);
    for (size_t i = 0; rec && i < m; i++) {
        regio_free((char *)rec[i].before);
        regio_free((char *)rec[i].after);
    }
    regio_free(rec);
    regio_free(logins);
    regio_strmap_destroy(old);
    regio_buf_free(&lines);
    if (!rc && !again)
        return regio__pg_txn_end(s, &t, rc, err);
    /* The bulk path is undone; each user again, to find the one at fault. */
    if ((rc = regio__pg_bulk_retry(s, &t, rc, err)))
        return rc;
    for (size_t i = 0; !rc && i < n; i++)
        if ((rc = regio__pg_user_upsert(base, &u[i], actor, out ? &out[i] : NULL, err)))
            *bad = i;
    return regio__pg_txn_end(s, &t, rc, err);
}

regio_err regio__pg_users_foreach(regio_store *base, const char *login, regio_user_cb cb, void *ud,
                                  regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    PGresult *res = NULL;
    const char *p[1] = {login};
    regio_err rc =
        login ? q(s, USER_COLS "WHERE u.login = $1", 1, p, "reading users", &res, err)
              : q(s, USER_COLS "ORDER BY u.login" C_ORDER, 0, NULL, "reading users", &res, err);
    int n = rc ? 0 : PQntuples(res);
    for (int i = 0; !rc && i < n; i++) {
        regio_user_info u;
        user_row(res, i, &u);
        if (cb(ud, &u))
            rc = regio__pg_cancelled(err);
    }
    PQclear(res);
    if (!rc && login && !n)
        rc = regio__store_fail(err, REGIO_ENOTFOUND, "unknown user '%s'", login);
    return rc;
}

/* Runs one write on user login ($1: its id, $2: text, $3: flag) inside its
 * own transaction, ends its sessions unless it enables it, and audits it. */
static regio_err user_write(regio__pg_store *s, const char *login, const char *sql,
                            const char *text, int flag, const char *actor, const char *action,
                            char *after, regio_error *err)
{
    regio__pg_txn t;
    long long uid = 0;
    regio_err rc = begin_write(s, &t, W_USER, NULL, NULL, login, NULL, NULL, &uid, err);
    if (rc)
        return rc;
    char b[2][32];
    const char *p[3] = {regio__pg_int(b[0], uid), text, regio__pg_int(b[1], flag)};
    if (!rc)
        rc = regio__pg_write(s, sql, strstr(sql, "$3") ? 3 : 2, p, "writing a user", NULL, err);
    if (!rc && strcmp(action, "user.enable") != 0)
        rc = end_sessions(s, uid, err);
    if (!rc) {
        rc = audit(s, actor, action, "user", login, NULL, after, err);
        after = NULL;
    }
    regio_free(after);
    return regio__pg_txn_end(s, &t, rc, err);
}

regio_err regio__pg_user_set_active(regio_store *base, const char *login, int active,
                                    const char *actor, regio_error *err)
{
    char now[32];
    return user_write(
        REGIO_PG(base), login, "UPDATE users SET active = $3, updated_at = $2 WHERE id = $1",
        regio__pg_now(now), active != 0, actor, active ? "user.enable" : "user.disable",
        json_obj("active", active ? "yes" : "no", JSON_END), err);
}

regio_err regio__pg_user_set_password_hash(regio_store *base, const char *login, const char *hash,
                                           const char *actor, regio_error *err)
{
    return user_write(REGIO_PG(base), login, "UPDATE users SET password_hash = $2 WHERE id = $1",
                      hash, 0, actor, "user.passwd",
                      json_obj("password", hash ? "set" : "cleared", JSON_END), err);
}

regio_err regio__pg_user_password_hash(regio_store *base, const char *login, char **hash,
                                       int *active, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    *hash = NULL;
    *active = 0;
    PGresult *res = NULL;
    const char *p[1] = {login};
    regio_err rc = q(s, "SELECT password_hash, active FROM users WHERE login = $1", 1, p,
                     "reading a user", &res, err);
    if (rc)
        return rc;
    if (!PQntuples(res)) {
        rc = regio__store_fail(err, REGIO_ENOTFOUND, "unknown user '%s'", login);
    } else {
        *active = (int)regio__pg_col_int(res, 0, 1);
        const char *h = regio__pg_col_text(res, 0, 0);
        if (h && !(*hash = regio_strdup(h)))
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory");
    }
    PQclear(res);
    return rc;
}

regio_err regio__pg_login_users(regio_store *base, long *n, regio_error *err)
{
    PGresult *res = NULL;
    *n = 0;
    regio_err rc = q(REGIO_PG(base),
                     "SELECT count(*) FROM users u WHERE u.active = 1 AND (u.password_hash IS NOT"
                     " NULL OR EXISTS (SELECT 1 FROM api_tokens k WHERE k.user_id = u.id AND"
                     " k.revoked_at IS NULL))",
                     0, NULL, "counting users", &res, err);
    if (!rc)
        *n = (long)regio__pg_col_int(res, 0, 0);
    PQclear(res);
    return rc;
}

/* ---- territories, memberships, associations ------------------------------ */

regio_err regio__pg_territory_set_access(regio_store *base, const char *model, const char *ext_id,
                                         const char *level, const char *actor, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio__pg_txn t;
    long long tid = 0;
    regio_err rc = begin_write(s, &t, W_TERRITORY, model, ext_id, NULL, NULL, &tid, NULL, err);
    if (rc)
        return rc;
    char b[32];
    const char *p[2] = {regio__pg_int(b, tid), level};
    if (!rc)
        rc = regio__pg_write(s, "UPDATE territories SET account_access = $2 WHERE id = $1", 2, p,
                             "writing a territory", NULL, err);
    if (!rc)
        rc = audit(s, actor, "territory.access", "territory", ext_id, NULL,
                   json_obj("model", model, "account_access", level, JSON_END), err);
    return regio__pg_txn_end(s, &t, rc, err);
}

regio_err regio__pg_territory_edit(regio_store *base, const char *model, const char *ext_id,
                                   const char *name, int set_parent, const char *parent,
                                   const char *level, const char *actor, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio__pg_txn t;
    long long mid = 0;
    regio_err rc = begin_write(s, &t, W_MODEL, model, NULL, NULL, &mid, NULL, NULL, err);
    if (rc)
        return rc;
    char old_name[512] = "", old_parent[512] = "", old_level[16] = "", b[32];
    int had_parent = 0;
    PGresult *res = NULL;
    const char *p[3] = {regio__pg_int(b, mid), ext_id, level};
    if (!rc)
        rc = q(s,
               "SELECT t.name, p.ext_id, t.account_access FROM territories t LEFT JOIN"
               " territories p ON p.id = t.parent_id WHERE t.model_id = $1 AND t.ext_id = $2",
               2, p, "reading a territory", &res, err);
    if (!rc && !PQntuples(res))
        rc = model ? regio__store_fail(err, REGIO_ENOTFOUND,
                                       "no territory '%s' in territory model '%s'", ext_id, model)
                   : regio__store_fail(err, REGIO_ENOTFOUND,
                                       "no territory '%s' in the active territory model", ext_id);
    if (!rc) {
        const char *n = regio__pg_col_text(res, 0, 0), *par = regio__pg_col_text(res, 0, 1),
                   *lv = regio__pg_col_text(res, 0, 2);
        snprintf(old_name, sizeof old_name, "%s", n ? n : "");
        had_parent = par != NULL;
        snprintf(old_parent, sizeof old_parent, "%s", par ? par : "");
        snprintf(old_level, sizeof old_level, "%s", lv ? lv : "");
    }
    PQclear(res);
    if (!rc && (name || set_parent))
        rc =
            regio__pg_territory_upsert(base, model, ext_id, name ? name : old_name,
                                       set_parent ? parent : (had_parent ? old_parent : NULL), err);
    if (!rc && level)
        rc = regio__pg_write(
            s, "UPDATE territories SET account_access = $3 WHERE model_id = $1 AND ext_id = $2", 3,
            p, "writing a territory", NULL, err);
    if (!rc)
        rc = audit(s, actor, "territory.update", "territory", ext_id,
                   json_obj("name", old_name, "parent", had_parent ? old_parent : NULL,
                            "account_access", old_level, JSON_END),
                   json_obj("model", model, "name", name ? name : old_name, "parent",
                            set_parent ? parent : (had_parent ? old_parent : NULL),
                            "account_access", level ? level : old_level, JSON_END),
                   err);
    return regio__pg_txn_end(s, &t, rc, err);
}

regio_err regio__pg_membership_upsert(regio_store *base, const char *model,
                                      const regio_membership_info *m, const char *actor,
                                      regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio__pg_txn t;
    long long tid = 0, uid = 0;
    regio_err rc = begin_write(s, &t, W_TERRITORY | W_USER_DATA, model, m->territory, m->user,
                               NULL, &tid, &uid, err);
    if (rc)
        return rc;
    char b[3][32];
    const char *p[6] = {regio__pg_int(b[0], uid),
                        regio__pg_int(b[1], tid),
                        m->role,
                        regio__pg_int(b[2], m->active != 0),
                        m->start,
                        m->end};
    if (!rc)
        rc = regio__pg_write(
            s,
            "INSERT INTO memberships(user_id, territory_id, role, active, start_date,"
            " end_date) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, territory_id,"
            " role) DO UPDATE SET active = excluded.active, start_date ="
            " excluded.start_date, end_date = excluded.end_date",
            6, p, "writing a membership", NULL, err);
    if (!rc) {
        char key[512];
        pair_key(key, sizeof key, m->user, m->territory);
        rc = audit(s, actor, "membership.upsert", "membership", key, NULL,
                   membership_json(model, m), err);
    }
    return regio__pg_txn_end(s, &t, rc, err);
}

/* Through COPY into a staging table and one INSERT ... SELECT; should
 * anything fail there, the rows go again one by one, which says which row
 * failed and why, exactly as the one-row upsert says it. */
regio_err regio__pg_memberships_upsert_many(regio_store *base, const char *model,
                                            const regio_membership_info *m, size_t n,
                                            const char *actor, size_t *bad, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    *bad = 0;
    regio__pg_txn t;
    long long mid = 0;
    regio_err rc = begin_write(s, &t, W_MODEL, model, NULL, NULL, &mid, NULL, NULL, err);
    if (rc)
        return rc;
    regio_buf lines;
    regio_buf_init(&lines, 0);
    regio__pg_audit_rec *rec = regio_calloc(n ? n : 1, sizeof *rec);
    char **keys = regio_calloc(n ? n : 1, sizeof *keys);
    if (!rc && (!rec || !keys))
        rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory writing memberships");
    for (size_t i = 0; !rc && i < n; i++) {
        char seq[32], active[2] = {m[i].active ? '1' : '0', 0};
        snprintf(seq, sizeof seq, "%zu", i);
        const char *row[7] = {seq, m[i].user, m[i].territory, m[i].role, active, m[i].start,
                              m[i].end};
        char key[512];
        pair_key(key, sizeof key, m[i].user, m[i].territory);
        rec[i].object_id = keys[i] = regio_strdup(key);
        rec[i].after = membership_json(model, &m[i]);
        if (regio__pg_copy_line(&lines, row, 7) || !keys[i] || !rec[i].after)
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory writing memberships");
    }
    if (!rc)
        rc = regio__pg_stage(s, "regio_memberships_stage",
                             "seq bigint, login text, territory text, role text, active bigint,"
                             " start_date text, end_date text",
                             &lines, "writing memberships", err);
    /* Every row must name a user and a territory of the model, and
     * (user, territory, role) be new to the call: else one by one. */
    long long unmatched = 0;
    char b[32];
    const char *p[2] = {regio__pg_int(b, mid), NULL};
    PGresult *res = NULL;
    if (!rc)
        rc = q(s,
               "SELECT (SELECT count(*) FROM regio_memberships_stage) - (SELECT count(*) FROM"
               " (SELECT DISTINCT u.id, t.id, g.role FROM regio_memberships_stage g"
               " JOIN users u ON u.login = g.login"
               " JOIN territories t ON t.model_id = $1 AND t.ext_id = g.territory) d)",
               1, p, "writing memberships", &res, err);
    if (!rc)
        unmatched = regio__pg_col_int(res, 0, 0);
    PQclear(res);
    if (!rc && !unmatched)
        rc = regio__pg_write(
            s,
            "INSERT INTO memberships(user_id, territory_id, role, active, start_date, end_date)"
            " SELECT u.id, t.id, g.role, g.active, g.start_date, g.end_date"
            " FROM regio_memberships_stage g JOIN users u ON u.login = g.login"
            " JOIN territories t ON t.model_id = $1 AND t.ext_id = g.territory ORDER BY g.seq"
            " ON CONFLICT (user_id, territory_id, role) DO UPDATE SET active = excluded.active,"
            " start_date = excluded.start_date, end_date = excluded.end_date",
            1, p, "writing memberships", NULL, err);
    if (!rc && !unmatched)
        rc = regio__pg_audit_many(s, actor ? actor : "cli", "membership.upsert", "membership",
                                  rec, n, err);
    regio_buf_free(&lines);
    for (size_t i = 0; rec && keys && i < n; i++) {
        regio_free(keys[i]);
        regio_free((char *)rec[i].after);
    }
    regio_free(keys);
    regio_free(rec);
    if (!rc && !unmatched)
        return regio__pg_txn_end(s, &t, rc, err);
    /* The bulk path is undone; each row again, to find the one at fault. */
    if ((rc = regio__pg_bulk_retry(s, &t, rc, err)))
        return rc;
    for (size_t i = 0; !rc && i < n; i++)
        if ((rc = regio__pg_membership_upsert(base, model, &m[i], actor, err)))
            *bad = i;
    return regio__pg_txn_end(s, &t, rc, err);
}

regio_err regio__pg_membership_remove(regio_store *base, const char *model, const char *user,
                                      const char *territory, const char *role, const char *actor,
                                      regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio__pg_txn t;
    long long mid = 0;
    regio_err rc = begin_write(s, &t, W_MODEL, model, NULL, NULL, &mid, NULL, NULL, err);
    if (rc)
        return rc;
    long n = 0;
    char b[32];
    const char *p[4] = {user, territory, role, regio__pg_int(b, mid)};
    if (!rc)
        rc = regio__pg_write(
            s,
            "DELETE FROM memberships WHERE role = $3 AND user_id = (SELECT id FROM users"
            " WHERE login = $1) AND territory_id = (SELECT id FROM territories WHERE"
            " model_id = $4 AND ext_id = $2)",
            4, p, "removing a membership", &n, err);
    if (!rc && n == 0)
        rc = regio__store_fail(err, REGIO_ENOTFOUND, "'%s' has no %s membership in territory '%s'",
                               user, role, territory);
    if (!rc) {
        char key[512];
        pair_key(key, sizeof key, user, territory);
        rc = audit(
            s, actor, "membership.remove", "membership", key,
            json_obj("model", model, "user", user, "territory", territory, "role", role, JSON_END),
            NULL, err);
    }
    return regio__pg_txn_end(s, &t, rc, err);
}

regio_err regio__pg_memberships_foreach(regio_store *base, const char *model,
                                        regio_membership_cb cb, void *ud, regio_error *err)
{
    PGresult *res = NULL;
    regio_err rc =
        regio__pg_model_rows(REGIO_PG(base), model,
                             "SELECT u.login, t.ext_id, m.role, m.active, m.start_date, m.end_date,"
                             " u.display_name FROM memberships m JOIN users u ON u.id = m.user_id"
                             " JOIN territories t ON t.id = m.territory_id WHERE t.model_id = $1"
                             " ORDER BY t.ext_id" C_ORDER ", u.login" C_ORDER ", m.role" C_ORDER,
                             "reading memberships", &res, err);
    for (int i = 0; !rc && i < PQntuples(res); i++) {
        regio_membership_info mi = {
            regio__pg_col_text(res, i, 0), regio__pg_col_text(res, i, 1),
            regio__pg_col_text(res, i, 2), (int)regio__pg_col_int(res, i, 3),
            regio__pg_col_text(res, i, 4), regio__pg_col_text(res, i, 5),
            regio__pg_col_text(res, i, 6)};
        if (cb(ud, &mi))
            rc = regio__pg_cancelled(err);
    }
    PQclear(res);
    return rc;
}

regio_err regio__pg_association_set(regio_store *base, const char *model, const char *account,
                                    const char *territory, int add, const char *actor,
                                    regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio__pg_txn t;
    long long tid = 0, aid = 0;
    regio_err rc = begin_write(s, &t, W_TERRITORY, model, territory, NULL, NULL, &tid, NULL, err);
    if (rc)
        return rc;
    int found = 0;
    long n = 0;
    rc = id_of(s, "SELECT id FROM accounts WHERE ext_id = $1", account, NULL, &aid, &found, err);
    if (!rc && !found)
        rc =
            regio_error_setf(err, REGIO_EDATA, NULL, 0, "account", "unknown account '%s'", account);
    char b[2][32];
    const char *p[3] = {regio__pg_int(b[0], aid), regio__pg_int(b[1], tid), actor};
    if (!rc)
        rc = add ? regio__pg_write(
                       s,
                       "INSERT INTO account_territories(account_id, territory_id, cause,"
                       " created_by) SELECT $1, $2, 'manual', (SELECT id FROM users WHERE"
                       " login = $3) WHERE NOT EXISTS (SELECT 1 FROM account_territories WHERE"
                       " account_id = $1 AND territory_id = $2 AND cause = 'manual')",
                       3, p, "writing an association", &n, err)
                 : regio__pg_write(
                       s,
                       "DELETE FROM account_territories WHERE account_id = $1 AND territory_id"
                       " = $2 AND cause = 'manual'",
                       2, p, "writing an association", &n, err);
    if (!rc && n > 0) {
        char key[512];
        pair_key(key, sizeof key, account, territory);
        char *j = json_obj("model", model, "account", account, "territory", territory, JSON_END);
        rc = audit(s, actor, add ? "association.add" : "association.remove", "association", key,
                   add ? NULL : j, add ? j : NULL, err);
    }
    return regio__pg_txn_end(s, &t, rc, err);
}

regio_err regio__pg_associations_foreach(regio_store *base, const char *model,
                                         regio_association_cb cb, void *ud, regio_error *err)
{
    PGresult *res = NULL;
    regio_err rc =
        regio__pg_model_rows(REGIO_PG(base), model,
                             "SELECT a.ext_id, t.ext_id, at.cause FROM account_territories at"
                             " JOIN accounts a ON a.id = at.account_id"
                             " JOIN territories t ON t.id = at.territory_id WHERE t.model_id = $1"
                             " ORDER BY a.ext_id" C_ORDER ", t.ext_id" C_ORDER ", at.cause" C_ORDER,
                             "reading associations", &res, err);
    for (int i = 0; !rc && i < PQntuples(res); i++) {
        regio_association_info ai = {regio__pg_col_text(res, i, 0), regio__pg_col_text(res, i, 1),
                                     regio__pg_col_text(res, i, 2)};
        if (cb(ud, &ai))
            rc = regio__pg_cancelled(err);
    }
    PQclear(res);
    return rc;
}

/* ---- tokens and sessions ------------------------------------------------- */

regio_err regio__pg_token_add(regio_store *base, const char *login, const char *token_hash,
                              const char *label, const char *actor, long *id, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio__pg_txn t;
    long long uid = 0, tid = 0;
    regio_err rc = begin_write(s, &t, W_USER, NULL, NULL, login, NULL, NULL, &uid, err);
    if (rc)
        return rc;
    char b[32];
    const char *p[3] = {regio__pg_int(b, uid), token_hash, label};
    PGresult *res = NULL;
    if (!rc)
        rc = q(s,
               "INSERT INTO api_tokens(user_id, token_hash, label) VALUES ($1, $2, $3)"
               " RETURNING id",
               3, p, "writing a token", &res, err);
    if (!rc)
        tid = regio__pg_col_int(res, 0, 0);
    PQclear(res);
    if (!rc && id)
        *id = (long)tid;
    if (!rc) {
        char idtxt[32];
        rc = audit(s, actor, "token.create", "user", login, NULL,
                   json_obj("token", regio__pg_int(idtxt, tid), "label", label, JSON_END), err);
    }
    return regio__pg_txn_end(s, &t, rc, err);
}

regio_err regio__pg_token_user(regio_store *base, const char *token_hash, char **login,
                               regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    *login = NULL;
    PGresult *res = NULL;
    const char *p[1] = {token_hash};
    regio_err rc = q(s,
                     "SELECT u.login, k.id, k.last_used_at FROM api_tokens k JOIN users u ON"
                     " u.id = k.user_id WHERE k.token_hash = $1 AND k.revoked_at IS NULL AND"
                     " u.active = 1",
                     1, p, "reading a token", &res, err);
    if (rc)
        return rc;
    char now[32], kid[32];
    int touch = 0;
    if (PQntuples(res)) {
        snprintf(kid, sizeof kid, "%s", PQgetvalue(res, 0, 1));
        touch = token_touch(regio__pg_col_text(res, 0, 2), regio__pg_now(now));
        if (!(*login = regio_strdup(regio__pg_col_text(res, 0, 0))))
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory");
    }
    PQclear(res);
    if (!rc && touch) {
        /* bookkeeping: a failure to note the use does not refuse the token */
        const char *pt[2] = {kid, now};
        regio_error ignore;
        s->quiet = 1;
        regio__pg_write(s, "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1", 2, pt,
                        "noting a token's use", NULL, &ignore);
        s->quiet = 0;
    }
    return rc;
}

regio_err regio__pg_token_revoke(regio_store *base, const char *login, long id, const char *actor,
                                 regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    regio__pg_txn t;
    long long uid = 0;
    regio_err rc = begin_write(s, &t, W_USER, NULL, NULL, login, NULL, NULL, &uid, err);
    if (rc)
        return rc;
    long n = 0;
    char b[2][32], now[32];
    const char *p[3] = {regio__pg_int(b[0], id), regio__pg_int(b[1], uid), regio__pg_now(now)};
    if (!rc)
        rc = regio__pg_write(
            s,
            "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND"
            " revoked_at IS NULL",
            3, p, "revoking a token", &n, err);
    if (!rc && !n)
        rc = regio__store_fail(err, REGIO_ENOTFOUND, "user '%s' has no live token %ld", login, id);
    if (!rc)
        rc = audit(s, actor, "token.revoke", "user", login, NULL, json_obj("token", p[0], JSON_END),
                   err);
    return regio__pg_txn_end(s, &t, rc, err);
}

regio_err regio__pg_tokens_foreach(regio_store *base, const char *login, regio_token_cb cb,
                                   void *ud, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    PGresult *res = NULL;
    const char *p[1] = {login};
    regio_err rc = q(s,
                     "SELECT k.id, u.login, k.label, k.created_at, k.last_used_at,"
                     " (k.revoked_at IS NOT NULL)::int FROM api_tokens k JOIN users u ON"
                     " u.id = k.user_id WHERE $1::text IS NULL OR u.login = $1 ORDER BY k.id",
                     1, p, "reading tokens", &res, err);
    for (int i = 0; !rc && i < PQntuples(res); i++) {
        regio_token_info ti = {
            (long)regio__pg_col_int(res, i, 0), regio__pg_col_text(res, i, 1),
            regio__pg_col_text(res, i, 2),      regio__pg_col_text(res, i, 3),
            regio__pg_col_text(res, i, 4),      (int)regio__pg_col_int(res, i, 5)};
        if (cb(ud, &ti))
            rc = regio__pg_cancelled(err);
    }
    PQclear(res);
    return rc;
}

regio_err regio__pg_session_add(regio_store *base, const char *id_hash, const char *login,
                                const char *csrf, long long expires, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    char b[32];
    const char *p[4] = {id_hash, login, csrf, regio__pg_int(b, expires)};
    long n = 0;
    regio_err rc = regio__pg_write(s,
                                   "INSERT INTO sessions(id_hash, user_id, csrf, expires_at)"
                                   " SELECT $1, id, $3, $4 FROM users WHERE login = $2",
                                   4, p, "writing a session", &n, err);
    if (!rc && !n)
        rc = regio__store_fail(err, REGIO_ENOTFOUND, "unknown user '%s'", login);
    return rc;
}

regio_err regio__pg_session_find(regio_store *base, const char *id_hash, long long now,
                                 char **login, char **csrf, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    *login = *csrf = NULL;
    char b[32];
    const char *p[2] = {id_hash, regio__pg_int(b, now)};
    PGresult *res = NULL;
    regio_err rc = q(s,
                     "SELECT u.login, x.csrf FROM sessions x JOIN users u ON u.id = x.user_id"
                     " WHERE x.id_hash = $1 AND x.expires_at > $2 AND u.active = 1",
                     2, p, "reading a session", &res, err);
    if (!rc && PQntuples(res)) {
        *login = regio_strdup(regio__pg_col_text(res, 0, 0));
        *csrf = regio_strdup(regio__pg_col_text(res, 0, 1));
        if (!*login || !*csrf) {
            regio_free(*login);
            regio_free(*csrf);
            *login = *csrf = NULL;
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory");
        }
    }
    PQclear(res);
    return rc;
}

regio_err regio__pg_session_remove(regio_store *base, const char *id_hash, long long now,
                                   regio_error *err)
{
    char b[32];
    const char *p[2] = {id_hash, regio__pg_int(b, now)};
    return regio__pg_write(REGIO_PG(base),
                           "DELETE FROM sessions WHERE id_hash = $1 OR expires_at <= $2", 2, p,
                           "ending a session", NULL, err);
}

/* ---- audit log ------------------------------------------------------------- */

regio_err regio__pg_audit_foreach(regio_store *base, const char *since, const char *user,
                                  regio_audit_cb cb, void *ud, regio_error *err)
{
    PGresult *res = NULL;
    const char *p[2] = {since, user};
    regio_err rc =
        q(REGIO_PG(base),
          "SELECT id, ts, actor, action, object_type, object_id, before, after, hash"
          " FROM audit_log WHERE ($1::text IS NULL OR ts >= $1" C_ORDER ") AND ($2::text IS NULL"
          " OR actor = $2) ORDER BY id",
          2, p, "reading the audit log", &res, err);
    for (int i = 0; !rc && i < PQntuples(res); i++) {
        regio_audit_record a = {(long)regio__pg_col_int(res, i, 0), regio__pg_col_text(res, i, 1),
                                regio__pg_col_text(res, i, 2),      regio__pg_col_text(res, i, 3),
                                regio__pg_col_text(res, i, 4),      regio__pg_col_text(res, i, 5),
                                regio__pg_col_text(res, i, 6),      regio__pg_col_text(res, i, 7),
                                regio__pg_col_text(res, i, 8)};
        if (cb(ud, &a))
            rc = regio__pg_cancelled(err);
    }
    PQclear(res);
    return rc;
}
