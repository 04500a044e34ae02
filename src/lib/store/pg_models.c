/*
 * PostgreSQL backend, models: creating and reading territory models,
 * territories with their hierarchy checks, and alignments: single sets,
 * the reader, the revision, and batched moves (alignment_apply) under the
 * revision guard: the model's row is locked (SELECT ... FOR UPDATE) for
 * the transaction, so two servers editing the same revision serialise and
 * the second finds the revision moved (REGIO_APPLY_STALE). A model's state
 * on a day is the promotion timeline's (store/timeline_sql.h); promoting,
 * archiving and rolling back are in pg_promotions.c.
 */
#include "regio/model_view.h"
#include "store/edit_codec.h"
#include "store/pg_impl.h"
#include "store/timeline_sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static regio_model_state state_of(const char *t)
{
    if (t && !strcmp(t, "active"))
        return REGIO_MODEL_ACTIVE;
    if (t && !strcmp(t, "archived"))
        return REGIO_MODEL_ARCHIVED;
    if (t && !strcmp(t, "scheduled"))
        return REGIO_MODEL_SCHEDULED;
    return REGIO_MODEL_PLANNING;
}

/* The id of territory ext_id of model mid; *found = 0 when there is none. */
static regio_err terr_id(regio__pg_store *s, long long mid, const char *ext_id, long long *id,
                         int *found, regio_error *err)
{
    char b[32];
    const char *p[2] = {regio__pg_int(b, mid), ext_id};
    PGresult *res = NULL;
    regio_err rc = regio__pg_run(s, REGIO_PG_TERR_ID, 2, p, PGRES_TUPLES_OK,
                                 "looking up a territory", &res, err);
    if (rc)
        return rc;
    *found = PQntuples(res) > 0;
    *id = *found ? regio__pg_col_int(res, 0, 0) : 0;
    PQclear(res);
    return REGIO_OK;
}

regio_err regio__pg_int_query(regio__pg_store *s, const char *sql, long long p1, long long p2,
                           long long *v, regio_error *err)
{
    char b[2][32];
    const char *p[2] = {regio__pg_int(b[0], p1), regio__pg_int(b[1], p2)};
    PGresult *res = NULL;
    regio_err rc = regio__pg_query(s, sql, 2, p, PGRES_TUPLES_OK, "reading the store", &res, err);
    if (rc)
        return rc;
    *v = PQntuples(res) ? regio__pg_col_int(res, 0, 0) : 0;
    PQclear(res);
    return REGIO_OK;
}

regio_err regio__pg_model_create(regio_store *base, const char *name, regio_model_state state,
                                 const char *effective_from, const char *parent,
                                 const char *description, long *id_out, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    long long pid = 0, id = 0;
    regio_err rc = regio_model_name_check(name, err);
    if (rc)
        return rc;
    regio_error probe;
    if (regio__pg_model_id(s, name, &id, &probe) == REGIO_OK)
        return regio__store_fail(err, REGIO_ECONFLICT,
                                 "a territory model named '%s' already exists", name);
    long long active = 0;
    /* The stored record, as SQLite checks it: the unique index allows one. */
    if (state == REGIO_MODEL_ACTIVE &&
        (rc = regio__pg_int_query(s,
                                  "SELECT id FROM territory_models WHERE state = 'active'"
                                  " AND $1::bigint = $2::bigint",
                                  0, 0, &active, err)))
        return rc;
    if (active)
        return regio__store_fail(err, REGIO_ECONFLICT,
                                 "cannot create '%s' as active: another territory model is "
                                 "already active (at most one may be)",
                                 name);
    if (parent && (rc = regio__pg_model_id(s, parent, &pid, err)))
        return rc;
    char b[32];
    const char *p[5] = {name, regio_model_state_name(state), effective_from,
                        parent ? regio__pg_int(b, pid) : NULL, description};
    PGresult *res = NULL;
    /* The unique indexes decide between two servers creating at once. */
    rc = regio__pg_query(s,
                         "INSERT INTO territory_models(name, state, effective_from,"
                         " parent_model_id, description) VALUES ($1, $2, $3, $4, $5)"
                         " RETURNING id",
                         5, p, PGRES_TUPLES_OK, "creating a territory model", &res, err);
    if (!rc && id_out)
        *id_out = (long)regio__pg_col_int(res, 0, 0);
    PQclear(res);
    return rc;
}

/* The models with their state on day $1 as the timeline has it: the
 * model of the latest entry not after the day is in force (active) unless
 * that entry ended by then; a model with an entry is scheduled when its
 * last entry is after the day and archived when before; a model never on
 * the timeline is planning, or archived without ever taking effect. */
#define MODEL_COLS                                                                         \
    REGIO_TIMELINE_ENTRIES ","                                                            \
    " latest AS (SELECT model_id, ended FROM entries WHERE eff <= $1"                      \
    "  ORDER BY eff DESC, seq DESC LIMIT 1),"                                              \
    " in_force AS (SELECT model_id FROM latest WHERE ended IS NULL OR ended > $1),"        \
    " last AS (SELECT DISTINCT ON (model_id) model_id, eff FROM entries"                   \
    "  ORDER BY model_id, seq DESC)"                                                       \
    " SELECT m.id, m.name, CASE WHEN m.id IN (SELECT model_id FROM in_force)"              \
    "  THEN 'active' WHEN l.eff IS NOT NULL THEN CASE WHEN l.eff > $1 THEN 'scheduled'"   \
    "  ELSE 'archived' END WHEN m.state = 'planning' THEN 'planning' ELSE 'archived' END," \
    " m.effective_from, m.created_at, p.name, m.description,"                              \
    " m.alignment_rev FROM territory_models m"                                             \
    " LEFT JOIN territory_models p ON p.id = m.parent_model_id"                            \
    " LEFT JOIN last l ON l.model_id = m.id "

/* Fills a model info whose strings point into the result's row. */
static void model_row(const PGresult *res, int i, regio_model_info *m)
{
    m->id = (long)regio__pg_col_int(res, i, 0);
    m->name = (char *)regio__pg_col_text(res, i, 1);
    m->state = state_of(regio__pg_col_text(res, i, 2));
    m->effective_from = (char *)regio__pg_col_text(res, i, 3);
    m->created_at = (char *)regio__pg_col_text(res, i, 4);
    m->parent = (char *)regio__pg_col_text(res, i, 5);
    m->description = (char *)regio__pg_col_text(res, i, 6);
    m->alignment_rev = (long)regio__pg_col_int(res, i, 7);
}

static char *dup_or_null(const char *v, int *oom)
{
    char *c = v ? regio_strdup(v) : NULL;
    if (v && !c)
        *oom = 1;
    return c;
}

regio_err regio__pg_model_find_at(regio_store *base, const char *name, const char *day,
                                  regio_model_info *out, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    char d[11];
    regio_err rc = regio__day(day, d, err);
    if (rc)
        return rc;
    const char *p[2] = {d, name};
    PGresult *res = NULL;
    rc = regio__pg_query(s, name ? MODEL_COLS "WHERE m.name = $2"
                                 : MODEL_COLS "WHERE m.id IN (SELECT model_id FROM in_force)",
                         name ? 2 : 1, p, PGRES_TUPLES_OK, "reading a territory model", &res, err);
    if (rc)
        return rc;
    if (!PQntuples(res)) {
        PQclear(res);
        return name  ? regio__store_fail(err, REGIO_ENOTFOUND, "territory model '%s' not found",
                                         name)
               : day ? regio__store_fail(err, REGIO_ENOTFOUND,
                                         "no territory model is in force on %s", d)
                     : regio__store_fail(err, REGIO_ENOTFOUND, "no territory model is active");
    }
    regio_model_info v;
    model_row(res, 0, &v);
    int oom = 0;
    out->id = v.id;
    out->state = v.state;
    out->alignment_rev = v.alignment_rev;
    out->name = dup_or_null(v.name, &oom);
    out->effective_from = dup_or_null(v.effective_from, &oom);
    out->created_at = dup_or_null(v.created_at, &oom);
    out->parent = dup_or_null(v.parent, &oom);
    out->description = dup_or_null(v.description, &oom);
    PQclear(res);
    if (oom) {
        regio_model_info_clear(out);
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory reading a model");
    }
    return REGIO_OK;
}

regio_err regio__pg_model_find(regio_store *base, const char *name, regio_model_info *out,
                               regio_error *err)
{
    return regio__pg_model_find_at(base, name, NULL, out, err);
}

regio_err regio__pg_model_list_at(regio_store *base, const char *day, regio_model_cb cb, void *ud,
                                  regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    char d[11];
    regio_err rc = regio__day(day, d, err);
    if (rc)
        return rc;
    const char *p[1] = {d};
    PGresult *res = NULL;
    rc = regio__pg_query(s, MODEL_COLS "ORDER BY m.name COLLATE \"C\"", 1, p, PGRES_TUPLES_OK,
                         "reading the territory models", &res, err);
    for (int i = 0; !rc && i < PQntuples(res); i++) {
        regio_model_info m;
        model_row(res, i, &m);
        if (cb(ud, &m))
            rc = regio__pg_cancelled(err);
    }
    PQclear(res);
    return rc;
}

regio_err regio__pg_model_list(regio_store *base, regio_model_cb cb, void *ud, regio_error *err)
{
    return regio__pg_model_list_at(base, NULL, cb, ud, err);
}

regio_err regio__pg_territory_upsert(regio_store *base, const char *model, const char *ext_id,
                                     const char *name, const char *parent_ext_id,
                                     regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    long long mid = 0, self = 0, parent = 0;
    int found = 0, pfound = 0;
    regio_err rc = regio__pg_model_id(s, model, &mid, err);
    if (!rc)
        rc = terr_id(s, mid, ext_id, &self, &found, err);
    if (!rc && parent_ext_id) {
        rc = terr_id(s, mid, parent_ext_id, &parent, &pfound, err);
        if (!rc && !pfound)
            rc = regio__store_fail(err, REGIO_EDATA,
                                   "parent territory '%s' of '%s' is not in the model",
                                   parent_ext_id, ext_id);
    }
    if (rc)
        return rc;
    if (parent) {
        long long limit = 16, up = 0, down = 1;
        rc = regio__pg_int_query(s, "SELECT value::bigint FROM settings"
                          " WHERE key = 'territory_depth_limit' AND $1::bigint = $2::bigint",
                       0, 0, &limit, err);
        if (!rc && limit <= 0)
            limit = 16;
        /* Levels from the parent up to its root, and whether self is among them. */
        if (!rc)
            rc = regio__pg_int_query(s,
                           "WITH RECURSIVE anc(id, parent_id, d) AS ("
                           " SELECT id, parent_id, 1 FROM territories WHERE id = $1"
                           " UNION ALL SELECT t.id, t.parent_id, anc.d + 1 FROM territories t"
                           " JOIN anc ON t.id = anc.parent_id WHERE anc.d <= 4096)"
                           " SELECT MAX(d) * 2 + MAX((id = $2)::int) FROM anc",
                           parent, self, &up, err);
        long long cycle = up & 1;
        up >>= 1;
        if (!rc && found)
            rc = regio__pg_int_query(s,
                           "WITH RECURSIVE sub(id, d) AS (SELECT id, 1 FROM territories"
                           " WHERE id = $1 UNION ALL SELECT t.id, sub.d + 1 FROM territories t"
                           " JOIN sub ON t.parent_id = sub.id WHERE sub.d <= 4096)"
                           " SELECT MAX(d) FROM sub WHERE $2::bigint IS NOT NULL",
                           self, 0, &down, err);
        if (!rc && (cycle || parent == self))
            rc = regio__store_fail(err, REGIO_EDATA,
                                   "making '%s' a child of '%s' would create a cycle", ext_id,
                                   parent_ext_id);
        if (!rc && up + down > limit)
            rc = regio__store_fail(err, REGIO_EDATA,
                                   "territory '%s' under '%s' would make the hierarchy %lld levels"
                                   " deep (limit %lld)",
                                   ext_id, parent_ext_id, up + down, limit);
        if (rc)
            return rc;
    }
    char b[3][32];
    const char *p[5] = {regio__pg_int(b[0], mid), ext_id, name,
                        parent ? regio__pg_int(b[1], parent) : NULL, regio__pg_int(b[2], self)};
    return regio__pg_query(s,
                           found ? "UPDATE territories SET name = COALESCE($3, name),"
                                   " parent_id = $4::bigint, updated_at = to_char(now()"
                                   " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
                                   " WHERE id = $5::bigint AND model_id = $1::bigint"
                                   " AND ext_id = $2"
                                 : "INSERT INTO territories(model_id, ext_id, name, parent_id)"
                                   " VALUES ($1, $2, $3, $4)",
                           found ? 5 : 4, p, PGRES_COMMAND_OK, "writing a territory", NULL, err);
}

/* ---- alignments --------------------------------------------------------------------------- */

static regio_err unit_id(regio__pg_store *s, const char *ext, long long *id, int *found,
                         regio_error *err)
{
    const char *p[1] = {ext};
    PGresult *res = NULL;
    regio_err rc = regio__pg_query(s, "SELECT id FROM units WHERE ext_id = $1", 1, p,
                                   PGRES_TUPLES_OK, "looking up a unit", &res, err);
    if (rc)
        return rc;
    *found = PQntuples(res) > 0;
    *id = *found ? regio__pg_col_int(res, 0, 0) : 0;
    PQclear(res);
    return REGIO_OK;
}

/* Sets (tid != 0) or removes the current alignment of unit uid in model
 * mid; *changed says whether a row was written. */
static regio_err align(regio__pg_store *s, long long mid, long long uid, long long tid,
                       int *changed, regio_error *err)
{
    char b[3][32];
    const char *p[3] = {regio__pg_int(b[0], mid), regio__pg_int(b[1], uid),
                        regio__pg_int(b[2], tid)};
    PGresult *res = NULL;
    regio_err rc = regio__pg_query(
        s,
        tid ? "INSERT INTO alignments AS al (model_id, unit_id, territory_id)"
              " VALUES ($1, $2, $3) ON CONFLICT (model_id, unit_id) WHERE effective_to IS NULL"
              " DO UPDATE SET territory_id = excluded.territory_id"
              " WHERE al.territory_id <> excluded.territory_id"
            : "DELETE FROM alignments WHERE model_id = $1 AND unit_id = $2"
              " AND effective_to IS NULL",
        tid ? 3 : 2, p, PGRES_COMMAND_OK, "aligning a unit", &res, err);
    if (!rc)
        *changed = strcmp(PQcmdTuples(res), "0") != 0;
    PQclear(res);
    return rc;
}

/* A model's alignment revision + 1 (and its updated_at): the SET of both
 * bump() and alignment_set's one statement. */
#define BUMP_REVISION                                                                    \
    "UPDATE territory_models SET alignment_rev = alignment_rev + 1,"                      \
    " updated_at = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

static regio_err bump(regio__pg_store *s, long long mid, regio_error *err)
{
    char b[32];
    const char *p[1] = {regio__pg_int(b, mid)};
    return regio__pg_query(s, BUMP_REVISION " WHERE id = $1", 1, p, PGRES_COMMAND_OK,
                           "bumping the alignment revision", NULL, err);
}

/* Sets ($3 not NULL) or removes the current alignment of unit $2 in model
 * $1 (NULL: the active one) and bumps the model's revision when that wrote
 * anything: one statement, one round trip, for a design or realign saves
 * thousands one after another. It writes nothing when the model, unit or
 * territory is not there, which is no error to PostgreSQL (the caller's
 * transaction goes on); its UPDATE's row count says whether it wrote. */
#define ALIGN_MODEL                                                                     \
    "WITH m AS (SELECT id FROM territory_models WHERE CASE WHEN $1::text IS NULL"        \
    "  THEN state = 'active' ELSE name = $1 END),"                                      \
    " u AS (SELECT id FROM units WHERE ext_id = $2),"
#define ALIGN_BUMP " " BUMP_REVISION " WHERE id = (SELECT id FROM m) AND EXISTS (SELECT 1 FROM a)"
static const char *const ALIGN_SET[2] = {
    ALIGN_MODEL
    " a AS (DELETE FROM alignments WHERE model_id = (SELECT id FROM m)"
    "  AND unit_id = (SELECT id FROM u) AND effective_to IS NULL RETURNING 1)" ALIGN_BUMP,
    ALIGN_MODEL
    " t AS (SELECT t.id FROM territories t JOIN m ON t.model_id = m.id WHERE t.ext_id = $3),"
    " a AS (INSERT INTO alignments AS al (model_id, unit_id, territory_id)"
    "  SELECT m.id, u.id, t.id FROM m, u, t"
    "  ON CONFLICT (model_id, unit_id) WHERE effective_to IS NULL"
    "  DO UPDATE SET territory_id = excluded.territory_id"
    "  WHERE al.territory_id <> excluded.territory_id RETURNING 1)" ALIGN_BUMP,
};

regio_err regio__pg_alignment_set(regio_store *base, const char *model, const char *unit,
                                  const char *territory, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    const char *p[3] = {model, unit, territory};
    PGresult *res = NULL;
    regio_err rc = regio__pg_query(s, ALIGN_SET[territory != NULL], territory ? 3 : 2, p,
                                   PGRES_COMMAND_OK, "aligning a unit", &res, err);
    int wrote = !rc && strcmp(PQcmdTuples(res), "0") != 0;
    PQclear(res);
    if (rc || wrote)
        return rc;
    /* Nothing written: unchanged, or something not there (which, in the
     * order the checks are made). */
    long long mid = 0, uid = 0, tid = 0;
    int found = 0;
    rc = regio__pg_model_id(s, model, &mid, err);
    if (!rc)
        rc = unit_id(s, unit, &uid, &found, err);
    if (!rc && !found)
        rc = regio__store_fail(err, REGIO_ENOTFOUND, "unit '%s' not found", unit);
    if (!rc && territory) {
        rc = terr_id(s, mid, territory, &tid, &found, err);
        if (!rc && !found)
            rc = regio__store_fail(err, REGIO_ENOTFOUND,
                                   "territory '%s' not found in the model", territory);
    }
    return rc;
}

/* ---- many at once ------------------------------------------------------------------------- */

/* The territories go through COPY into a staging table and two statements
 * (store.c sends none with a parent); should a row be one the statements
 * would not write as the one-row calls do (an id twice, an unknown rep or
 * territory), or anything fail, they go again one by one, which says
 * which one failed and why. Neither call writes an audit record. */
regio_err regio__pg_territories_write(regio_store *base, const char *model,
                                      const regio_territory_write *t, size_t n, size_t *bad,
                                      int *bad_rep, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    *bad = 0;
    *bad_rep = 0;
    regio__pg_txn txn;
    regio_err rc = regio__pg_txn_begin(s, &txn, err);
    if (rc)
        return rc;
    long long mid = 0, again = 0;
    regio_error probe;
    again = regio__pg_model_id(s, model, &mid, &probe) != REGIO_OK;
    regio_buf lines;
    regio_buf_init(&lines, 0);
    for (size_t i = 0; !rc && !again && i < n; i++) {
        char seq[32];
        snprintf(seq, sizeof seq, "%zu", i);
        const char *row[6] = {seq, t[i].ext_id, t[i].name, t[i].upsert ? "1" : "0", t[i].rep,
                              t[i].set_rep ? "1" : "0"};
        if (regio__pg_copy_line(&lines, row, 6))
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory writing territories");
    }
    if (!rc && !again)
        rc = regio__pg_stage(s, "regio_territories_stage",
                             "seq bigint, ext_id text, name text, upsert bigint, rep text,"
                             " set_rep bigint",
                             &lines, "writing territories", err);
    regio_buf_free(&lines);
    /* A rep set on a territory neither written before nor stored, or to an
     * unknown rep, is the one-row call's error. */
    if (!rc && !again)
        rc = regio__pg_int_query(
            s,
            "SELECT (SELECT count(*) - count(DISTINCT ext_id) FROM regio_territories_stage)"
            " + (SELECT count(*) FROM regio_territories_stage g WHERE g.set_rep = 1 AND"
            " ((g.rep IS NOT NULL AND NOT EXISTS (SELECT 1 FROM reps r WHERE r.ext_id = g.rep))"
            " OR (g.upsert = 0 AND NOT EXISTS (SELECT 1 FROM territories x"
            " WHERE x.model_id = $1 AND x.ext_id = g.ext_id)))) + $2",
            mid, 0, &again, err);
    char b[32];
    const char *p[1] = {regio__pg_int(b, mid)};
    /* As the one-row upsert: a new territory is a root with its name; a
     * stored one keeps its name when none is given and becomes a root. */
    if (!rc && !again)
        rc = regio__pg_write(s,
                             "INSERT INTO territories AS t (model_id, ext_id, name)"
                             " SELECT $1, g.ext_id, g.name FROM regio_territories_stage g"
                             " WHERE g.upsert = 1 ORDER BY g.seq"
                             " ON CONFLICT (model_id, ext_id) DO UPDATE SET"
                             " name = COALESCE(excluded.name, t.name), parent_id = NULL,"
                             " updated_at = " REGIO_PG_NOW_SQL,
                             1, p, "writing territories", NULL, err);
    if (!rc && !again)
        rc = regio__pg_write(s,
                             "UPDATE territories t SET rep_id = r.id, updated_at = " REGIO_PG_NOW_SQL
                             " FROM regio_territories_stage g LEFT JOIN reps r ON r.ext_id = g.rep"
                             " WHERE g.set_rep = 1 AND t.model_id = $1 AND t.ext_id = g.ext_id",
                             1, p, "setting territories' reps", NULL, err);
    if (!rc && !again)
        return regio__pg_txn_end(s, &txn, rc, err);
    if ((rc = regio__pg_bulk_retry(s, &txn, rc, err)))
        return rc;
    for (size_t i = 0; !rc && i < n; i++) {
        if (t[i].upsert)
            rc = regio__pg_territory_upsert(base, model, t[i].ext_id, t[i].name, t[i].parent,
                                            err);
        if (!rc && t[i].set_rep)
            *bad_rep = (rc = regio__pg_territory_set_rep(base, model, t[i].ext_id, t[i].rep,
                                                         err)) != REGIO_OK;
        if (rc)
            *bad = i;
    }
    return regio__pg_txn_end(s, &txn, rc, err);
}

/* The rows go through COPY into a staging table and one statement that
 * deletes and aligns them, the revision bumped by the rows it changed (as
 * as many one-row calls bump it); a unit twice or anything unknown, and
 * they go again one by one. */
regio_err regio__pg_alignment_set_many(regio_store *base, const char *model,
                                       const char *const *unit_ids,
                                       const char *const *territories, size_t n, size_t *bad,
                                       regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    *bad = 0;
    regio__pg_txn txn;
    regio_err rc = regio__pg_txn_begin(s, &txn, err);
    if (rc)
        return rc;
    long long mid = 0, again = 0, changed = 0;
    regio_error probe;
    again = regio__pg_model_id(s, model, &mid, &probe) != REGIO_OK;
    regio_buf lines;
    regio_buf_init(&lines, 0);
    for (size_t i = 0; !rc && !again && i < n; i++) {
        char seq[32];
        snprintf(seq, sizeof seq, "%zu", i);
        const char *row[3] = {seq, unit_ids[i], territories[i]};
        if (regio__pg_copy_line(&lines, row, 3))
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory aligning units");
    }
    if (!rc && !again)
        rc = regio__pg_stage(s, "regio_alignments_stage", "seq bigint, unit text, territory text",
                             &lines, "aligning units", err);
    regio_buf_free(&lines);
    if (!rc && !again)
        rc = regio__pg_int_query(
            s,
            "SELECT (SELECT count(*) - count(DISTINCT unit) FROM regio_alignments_stage)"
            " + (SELECT count(*) FROM regio_alignments_stage g"
            " WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.ext_id = g.unit)"
            " OR (g.territory IS NOT NULL AND NOT EXISTS (SELECT 1 FROM territories x"
            " WHERE x.model_id = $1 AND x.ext_id = g.territory))) + $2",
            mid, 0, &again, err);
    if (!rc && !again)
        rc = regio__pg_int_query(
            s,
            "WITH d AS (DELETE FROM alignments al USING regio_alignments_stage g, units u"
            "  WHERE g.territory IS NULL AND u.ext_id = g.unit AND al.model_id = $1"
            "  AND al.unit_id = u.id AND al.effective_to IS NULL RETURNING 1),"
            " a AS (INSERT INTO alignments AS al (model_id, unit_id, territory_id)"
            "  SELECT $1, u.id, x.id FROM regio_alignments_stage g"
            "  JOIN units u ON u.ext_id = g.unit"
            "  JOIN territories x ON x.model_id = $1 AND x.ext_id = g.territory ORDER BY g.seq"
            "  ON CONFLICT (model_id, unit_id) WHERE effective_to IS NULL"
            "  DO UPDATE SET territory_id = excluded.territory_id"
            "  WHERE al.territory_id <> excluded.territory_id RETURNING 1)"
            " SELECT (SELECT count(*) FROM d) + (SELECT count(*) FROM a) + $2",
            mid, 0, &changed, err);
    if (!rc && !again && changed)
        rc = regio__pg_int_query(s,
                                 "WITH b AS (UPDATE territory_models SET alignment_rev ="
                                 " alignment_rev + $2, updated_at = " REGIO_PG_NOW_SQL
                                 " WHERE id = $1 RETURNING 1) SELECT count(*) FROM b",
                                 mid, changed, &changed, err);
    if (!rc && !again)
        return regio__pg_txn_end(s, &txn, rc, err);
    if ((rc = regio__pg_bulk_retry(s, &txn, rc, err)))
        return rc;
    for (size_t i = 0; !rc && i < n; i++)
        if ((rc = regio__pg_alignment_set(base, model, unit_ids[i], territories[i], err)))
            *bad = i;
    return regio__pg_txn_end(s, &txn, rc, err);
}

regio_err regio__pg_alignment_foreach(regio_store *base, const char *model, regio_alignment_cb cb,
                                      void *ud, regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    long long mid = 0;
    regio_err rc = regio__pg_model_id(s, model, &mid, err);
    static const char *const sql[2] = {
        "SELECT u.ext_id, t.ext_id, COALESCE(al.effective_from, m.effective_from), al.locked"
        " FROM alignments al JOIN units u ON u.id = al.unit_id"
        " JOIN territories t ON t.id = al.territory_id"
        " JOIN territory_models m ON m.id = al.model_id"
        " WHERE al.model_id = $1 AND al.effective_to IS NULL ORDER BY u.ext_id COLLATE \"C\"",
        "SELECT a.ext_id, t.ext_id, COALESCE(at.effective_from, m.effective_from)"
        " FROM account_territories at JOIN accounts a ON a.id = at.account_id"
        " JOIN territories t ON t.id = at.territory_id"
        " JOIN territory_models m ON m.id = t.model_id"
        " WHERE t.model_id = $1 AND at.cause = 'geo'"
        " ORDER BY a.ext_id COLLATE \"C\", t.ext_id COLLATE \"C\"",
    };
    char b[32];
    const char *p[1] = {regio__pg_int(b, mid)};
    for (int pass = 0; pass < 2 && !rc; pass++) {
        PGresult *res = NULL;
        rc = regio__pg_query(s, sql[pass], 1, p, PGRES_TUPLES_OK, "reading an alignment", &res,
                             err);
        for (int i = 0; !rc && i < PQntuples(res); i++) {
            regio_alignment_row row = {0};
            if (pass == 0) {
                row.unit_id = (char *)regio__pg_col_text(res, i, 0);
                row.locked = regio__pg_col_int(res, i, 3) != 0;
            } else {
                row.account_id = (char *)regio__pg_col_text(res, i, 0);
            }
            row.territory = (char *)regio__pg_col_text(res, i, 1);
            row.effective_from = (char *)regio__pg_col_text(res, i, 2);
            if (cb(ud, &row))
                rc = regio__pg_cancelled(err);
        }
        PQclear(res);
    }
    return rc;
}

regio_err regio__pg_alignment_revision(regio_store *base, const char *model, long *rev,
                                       regio_error *err)
{
    regio__pg_store *s = REGIO_PG(base);
    long long mid = 0, v = 0;
    regio_err rc = regio__pg_model_id(s, model, &mid, err);
    if (!rc)
        rc = regio__pg_int_query(s, "SELECT alignment_rev FROM territory_models WHERE id = $1"
                          " AND $2::bigint = 0",
                       mid, 0, &v, err);
    *rev = (long)v;
    return rc;
}

/* ---- batched moves under the revision guard -------------------------------------------- */

#define SET_STATUS(st_, v_)                                                                 \
    do {                                                                                    \
        if (st_)                                                                            \
            *(st_) = (v_);                                                                  \
    } while (0)

/* Moves one unit or account of model mid; before receives where it was
 * (NULL: unaligned), a copy the caller frees. */
static regio_err move_row(regio__pg_store *s, long long mid, const char *model,
                          const regio_alignment_row *row, size_t i, const char *actor,
                          char **before, regio_apply_status *status, regio_error *err)
{
    int is_unit = row->unit_id && *row->unit_id;
    int is_acc = row->account_id && *row->account_id;
    *before = NULL;
    if (is_unit == is_acc) {
        SET_STATUS(status, REGIO_APPLY_INVALID);
        return regio__store_fail(err, REGIO_EINVAL,
                                 "move %zu must name exactly one of a unit and an account", i + 1);
    }
    char b[32];
    const char *p[3] = {is_unit ? row->unit_id : row->account_id, regio__pg_int(b, mid),
                        row->territory};
    PGresult *res = NULL;
    /* The record, the territory it moves to, and where it is now. */
    regio_err rc = regio__pg_query(
        s,
        is_unit ? "SELECT u.id, (SELECT id FROM territories WHERE model_id = $2 AND ext_id = $3),"
                  " t.ext_id, al.locked FROM units u LEFT JOIN alignments al"
                  " ON al.unit_id = u.id AND al.model_id = $2 AND al.effective_to IS NULL"
                  " LEFT JOIN territories t ON t.id = al.territory_id WHERE u.ext_id = $1"
                : "SELECT a.id, (SELECT id FROM territories WHERE model_id = $2 AND ext_id = $3),"
                  " (SELECT t.ext_id FROM account_territories at"
                  " JOIN territories t ON t.id = at.territory_id"
                  " WHERE at.account_id = a.id AND t.model_id = $2 AND at.cause = 'geo'"
                  " ORDER BY t.ext_id COLLATE \"C\" LIMIT 1), 0"
                  " FROM accounts a WHERE a.ext_id = $1",
        3, p, PGRES_TUPLES_OK, "looking up a move", &res, err);
    if (rc)
        return rc;
    if (!PQntuples(res)) {
        PQclear(res);
        SET_STATUS(status, REGIO_APPLY_UNKNOWN);
        return regio__store_fail(err, REGIO_EDATA, "unknown %s '%s'",
                                 is_unit ? "unit" : "account", p[0]);
    }
    long long id = regio__pg_col_int(res, 0, 0), tid = regio__pg_col_int(res, 0, 1);
    int has_tid = !PQgetisnull(res, 0, 1), locked = regio__pg_col_int(res, 0, 3) != 0;
    const char *now = regio__pg_col_text(res, 0, 2);
    if (now && !(*before = regio_strdup(now)))
        rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory moving '%s'", p[0]);
    PQclear(res);
    if (rc)
        return rc;
    if (row->territory && !has_tid) {
        SET_STATUS(status, REGIO_APPLY_UNKNOWN);
        return regio__store_fail(err, REGIO_EDATA,
                                 "unknown territory '%s' in territory model '%s'", row->territory,
                                 model);
    }
    int same = *before ? row->territory && !strcmp(*before, row->territory) : !row->territory;
    if (is_unit) {
        if (locked && !same) {
            SET_STATUS(status, REGIO_APPLY_LOCKED);
            return regio__store_fail(err, REGIO_ECONFLICT,
                                     "unit '%s' is locked in territory '%s'; unlock it first",
                                     row->unit_id, *before);
        }
        int changed = 0;
        return same ? REGIO_OK : align(s, mid, id, row->territory ? tid : 0, &changed, err);
    }
    /* An account's hand move replaces its geographic territory (cause geo). */
    char c[3][32];
    const char *q[3] = {regio__pg_int(c[0], id), regio__pg_int(c[1], mid),
                        regio__pg_int(c[2], tid)};
    rc = regio__pg_query(s,
                         "DELETE FROM account_territories WHERE account_id = $1 AND cause = 'geo'"
                         " AND territory_id IN (SELECT id FROM territories WHERE model_id = $2)",
                         2, q, PGRES_COMMAND_OK, "moving an account", NULL, err);
    const char *ins[3] = {q[0], q[2], actor};
    if (!rc && row->territory)
        rc = regio__pg_query(s,
                             "INSERT INTO account_territories(account_id, territory_id, cause,"
                             " created_by) VALUES ($1, $2, 'geo',"
                             " (SELECT id FROM users WHERE login = $3))",
                             3, ins, PGRES_COMMAND_OK, "moving an account", NULL, err);
    return rc;
}

/* One row of an edit at index i; adds its before and after to j. */
typedef regio_err (*edit_row_fn)(regio__pg_store *s, long long mid, const char *model, size_t i,
                                 const void *ctx, const char *actor, edit_json *j,
                                 regio_apply_status *status, regio_error *err);

/* An alignment edit of n rows in one transaction under the revision guard:
 * the model's row locked (SELECT ... FOR UPDATE) until the end, so of two
 * edits based on one revision the second finds it moved; then the rows,
 * the revision bumped and one audit record (list names its rows). */
static regio_err edit_batch(regio__pg_store *s, const char *model, long expected_rev, size_t n,
                            const char *list, const char *action, edit_row_fn row,
                            const void *ctx, const char *actor, long *new_rev,
                            regio_apply_status *status, regio_error *err)
{
    regio__pg_txn t;
    regio_err rc = regio__pg_txn_begin(s, &t, err);
    if (rc)
        return rc;
    /* No model named: the one in force today (pg_promotions.c). */
    long long in_force = 0;
    char b[32];
    if (!model)
        rc = regio__pg_in_force(s, NULL, &in_force, err);
    const char *p[1] = {model ? model : regio__pg_int(b, in_force)};
    PGresult *res = NULL;
    if (!rc)
        rc = regio__pg_query(s,
                             model ? "SELECT id, state, alignment_rev, name FROM territory_models"
                                     " WHERE name = $1 FOR UPDATE"
                                   : "SELECT id, state, alignment_rev, name FROM territory_models"
                                     " WHERE id = $1 FOR UPDATE",
                             1, p, PGRES_TUPLES_OK, "reading a territory model", &res, err);
    long long mid = 0;
    long rev = 0;
    char *name = NULL;
    regio_model_state state = REGIO_MODEL_PLANNING;
    if (!rc && !PQntuples(res)) {
        SET_STATUS(status, REGIO_APPLY_NOT_FOUND);
        rc = model ? regio__store_fail(err, REGIO_ENOTFOUND, "territory model '%s' not found",
                                       model)
                   : regio__store_fail(err, REGIO_ENOTFOUND, "no territory model is active");
    } else if (!rc) {
        mid = regio__pg_col_int(res, 0, 0);
        state = state_of(regio__pg_col_text(res, 0, 1));
        rev = (long)regio__pg_col_int(res, 0, 2);
        name = regio_strdup(regio__pg_col_text(res, 0, 3));
        if (!name)
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory reading a model");
        if (new_rev)
            *new_rev = rev;
    }
    PQclear(res);
    /* Its state today as the timeline has it (a scheduled model is stored
     * as planning). */
    if (!rc)
        rc = regio__pg_model_state(s, mid, state, NULL, -1, &state, err);
    if (!rc && state != REGIO_MODEL_PLANNING) {
        SET_STATUS(status, REGIO_APPLY_NOT_EDITABLE);
        rc = regio__store_fail(err, REGIO_ECONFLICT,
                               "territory model '%s' is %s and not editable; clone it to make "
                               "changes",
                               name, regio_model_state_name(state));
    }
    if (!rc && rev != expected_rev) {
        SET_STATUS(status, REGIO_APPLY_STALE);
        rc = regio__store_fail(err, REGIO_ECONFLICT,
                               "stale revision: the edit of '%s' was based on revision %ld but "
                               "the current revision is %ld",
                               name, expected_rev, rev);
    }
    edit_json j;
    if (ej_open(&j, rev, list) && !rc)
        rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory building an audit record");
    for (size_t i = 0; i < n && !rc; i++)
        rc = row(s, mid, name, i, ctx, actor, &j, status, err);
    if (!rc && n) {
        if (ej_close(&j))
            rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory building an audit record");
        if (!rc)
            rc = bump(s, mid, err);
        if (!rc)
            rc = regio__pg_audit_append(&s->base, actor, action, "territory_model", name,
                                        j.before.data, j.after.data, err);
    }
    ej_free(&j);
    regio_free(name);
    rc = regio__pg_txn_end(s, &t, rc, err);
    if (!rc) {
        SET_STATUS(status, REGIO_APPLY_OK);
        if (new_rev)
            *new_rev = n ? rev + 1 : rev;
    } else if (status && *status == REGIO_APPLY_OK) {
        *status = REGIO_APPLY_ERROR;
    }
    return rc;
}

static regio_err apply_row(regio__pg_store *s, long long mid, const char *model, size_t i,
                           const void *ctx, const char *actor, edit_json *j,
                           regio_apply_status *status, regio_error *err)
{
    const regio_alignment_row *row = (const regio_alignment_row *)ctx + i;
    char *was = NULL;
    regio_err rc = move_row(s, mid, model, row, i, actor, &was, status, err);
    int is_unit = row->unit_id && *row->unit_id;
    if (!rc && ej_row(j, is_unit ? "unit" : "account", is_unit ? row->unit_id : row->account_id,
                      "territory", was, row->territory, 0))
        rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory building an audit record");
    regio_free(was);
    return rc;
}

regio_err regio__pg_alignment_apply(regio_store *base, const char *model, long expected_rev,
                                    const regio_alignment_row *rows, size_t n, const char *actor,
                                    long *new_rev, regio_apply_status *status, regio_error *err)
{
    return edit_batch(REGIO_PG(base), model, expected_rev, n, "moves", "alignment.apply",
                      apply_row, rows, actor, new_rev, status, err);
}

typedef struct lock_ctx {
    const char *const *unit_ids;
    int locked;
} lock_ctx;

static regio_err lock_row(regio__pg_store *s, long long mid, const char *model, size_t i,
                          const void *ctx, const char *actor, edit_json *j,
                          regio_apply_status *status, regio_error *err)
{
    (void)actor;
    const lock_ctx *c = ctx;
    const char *id = c->unit_ids[i];
    if (!id || !*id) {
        SET_STATUS(status, REGIO_APPLY_INVALID);
        return regio__store_fail(err, REGIO_EINVAL, "unit %zu of the lock has no id", i + 1);
    }
    char b[32];
    const char *p[3] = {id, regio__pg_int(b, mid), c->locked ? "1" : "0"};
    PGresult *res = NULL;
    /* The unit, and its alignment row's lock before this one. */
    regio_err rc = regio__pg_query(s,
                                   "SELECT u.id, al.locked FROM units u LEFT JOIN alignments al"
                                   " ON al.unit_id = u.id AND al.model_id = $2"
                                   " AND al.effective_to IS NULL WHERE u.ext_id = $1"
                                   " AND $3::int IS NOT NULL",
                                   3, p, PGRES_TUPLES_OK, "looking up a lock", &res, err);
    if (rc)
        return rc;
    int unit = PQntuples(res) > 0, aligned = unit && !PQgetisnull(res, 0, 1);
    int was = aligned && regio__pg_col_int(res, 0, 1) != 0;
    PQclear(res);
    if (!unit) {
        SET_STATUS(status, REGIO_APPLY_UNKNOWN);
        return regio__store_fail(err, REGIO_EDATA, "unknown unit '%s'", id);
    }
    if (!aligned) {
        SET_STATUS(status, REGIO_APPLY_UNKNOWN);
        return regio__store_fail(err, REGIO_EDATA,
                                 "unit '%s' is not aligned in territory model '%s'", id, model);
    }
    rc = regio__pg_write(s,
                         "UPDATE alignments SET locked = $3 FROM units u WHERE u.ext_id = $1"
                         " AND alignments.unit_id = u.id AND alignments.model_id = $2"
                         " AND alignments.effective_to IS NULL",
                         3, p, "locking a unit", NULL, err);
    if (!rc && ej_row(j, "unit", id, "locked", was ? "true" : "false",
                      c->locked ? "true" : "false", 1))
        rc = regio__store_fail(err, REGIO_ENOMEM, "out of memory building an audit record");
    return rc;
}

regio_err regio__pg_alignment_lock(regio_store *base, const char *model, long expected_rev,
                                   const char *const *unit_ids, size_t n, int locked,
                                   const char *actor, long *new_rev, regio_apply_status *status,
                                   regio_error *err)
{
    lock_ctx c = {unit_ids, locked};
    return edit_batch(REGIO_PG(base), model, expected_rev, n, "units", "alignment.lock",
                      lock_row, &c, actor, new_rev, status, err);
}
