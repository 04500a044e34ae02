/*
 * The public store interface: validates arguments, dispatches each call to
 * the backend's vtable, and keeps the handle's last-error text in step with
 * the regio_error the caller passed (or a local one when it passed NULL).
 * Also holds the backend-independent helpers: content hash, state names.
 */
#include "store/schema_sqlite.h"
#include "store/store_impl.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Runs one backend call with a guaranteed error struct and records the
 * failure text on the handle. A backend that does not have the operation
 * yet (op is NULL in its table) fails it with REGIO_EUNSUPPORTED. */
#define DISPATCH(s, err, op, call)                                             \
    do {                                                                       \
        regio_error local_;                                                    \
        regio_error *e_ = (err) ? (err) : &local_;                             \
        light_clear(e_);                                                       \
        if (!(s))                                                              \
            return regio__store_fail(e_, REGIO_EINVAL, "store handle is NULL"); \
        if (!(s)->ops->op)                                                     \
            return unsupported((s), e_, #op);                                  \
        regio_err rc_ = (s)->ops->call;                                        \
        note((s), rc_, e_);                                                    \
        return rc_;                                                            \
    } while (0)

/* Resets the fields a failure fills, without clearing 1.4 kB per call on
 * the upsert hot path. */
static inline void light_clear(regio_error *e)
{
    e->code = REGIO_OK;
    e->file[0] = e->field[0] = e->msg[0] = '\0';
    e->line = e->column = 0;
}

static void note(regio_store *s, regio_err rc, regio_error *e)
{
    if (rc == REGIO_OK)
        return;
    e->code = rc;
    if (!e->msg[0])
        regio_error_setf(e, rc, NULL, 0, NULL, "%s", regio_strerror(rc));
    snprintf(s->errmsg, sizeof s->errmsg, "%s", e->msg);
}

/* Fails an operation the handle's backend does not have (yet). */
static regio_err unsupported(regio_store *s, regio_error *e, const char *op)
{
    regio__store_fail(e, REGIO_EUNSUPPORTED, "the %s store does not support %s yet",
                      s->ops->name, op);
    note(s, REGIO_EUNSUPPORTED, e);
    return REGIO_EUNSUPPORTED;
}

/* Fails a call before it reaches the backend, recording it like any other. */
static regio_err reject(regio_store *s, regio_error *err, regio_err code, const char *msg)
{
    regio_error local;
    regio_error *e = err ? err : &local;
    regio_error_clear(e);
    regio__store_fail(e, code, "%s", msg);
    note(s, code, e);
    return code;
}

/* Runs a shared check of a call's arguments before its backend sees
 * them: fails the call as the check said (field and message kept). */
#define CHECKED(s, err, check)                                                 \
    do {                                                                       \
        regio_error lc_;                                                       \
        regio_error *ec_ = (err) ? (err) : &lc_;                               \
        regio_err c_ = (s) ? (check) : REGIO_OK;                               \
        if (c_) {                                                              \
            note((s), c_, ec_);                                                \
            return c_;                                                         \
        }                                                                      \
    } while (0)

regio_err regio_store_open(const char *path, regio_store **out, regio_error *err)
{
    regio_error local;
    regio_error *e = err ? err : &local;
    regio_error_clear(e);
    if (out)
        *out = NULL;
    if (!path || !*path || !out)
        return regio__store_fail(e, REGIO_EINVAL, "store path is empty");
    if (regio__store_is_pg(path)) {
#ifdef REGIO_HAVE_PG
        /* The location may hold a password: errors name the server, never it. */
        return regio__pg_open(path, out, e);
#else
        return regio__store_fail(e, REGIO_EUNSUPPORTED,
                                 "the PostgreSQL store backend is not built into this Regio "
                                 "(it was built without libpq)");
#endif
    }
    regio_err rc = regio__sqlite_open(path, out, e);
    if (rc) {
        char msg[sizeof e->msg];
        snprintf(msg, sizeof msg, "%s", e->msg[0] ? e->msg : regio_strerror(rc));
        regio_error_setf(e, rc, path, 0, NULL, "%s", msg);
    }
    return rc;
}

void regio_store_close(regio_store *s)
{
    if (s)
        s->ops->close(s);
}

int regio_store_schema_version(const regio_store *s)
{
    return s ? s->ops->schema_version(s) : 0;
}

int regio__store_is_pg(const char *location)
{
    return location &&
           (!strncmp(location, "postgres://", 11) || !strncmp(location, "postgresql://", 13));
}

const char *regio_store_location_shown(const char *location, char *buf, size_t cap)
{
    if (!buf || !cap)
        return buf;
    buf[0] = '\0';
    if (!location)
        return buf;
    if (!regio__store_is_pg(location)) {
        snprintf(buf, cap, "%s", location);
        return buf;
    }
    size_t len = 0;
    const char *p = strstr(location, "://") + 3;
    size_t auth = strcspn(p, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < auth; i++)
        if (p[i] == '@')
            at = p + i;
    const char *colon = at ? memchr(p, ':', (size_t)(at - p)) : NULL;
    /* scheme, user, then from the '@' on: the password is left out. */
    len += (size_t)snprintf(buf, cap, "%.*s", (int)(colon ? colon - location : p - location),
                            location);
    const char *rest = colon ? at : p;
    size_t path = strcspn(rest, "?#");
    if (len < cap)
        len += (size_t)snprintf(buf + len, cap - len, "%.*s", (int)path, rest);
    /* The parameters, but password=. */
    const char *q = rest + path;
    char sep = '?';
    if (*q == '?') {
        q++;
        while (*q && *q != '#') {
            size_t n = strcspn(q, "&#");
            if (strncmp(q, "password=", 9) && n && len < cap) {
                len += (size_t)snprintf(buf + len, cap - len, "%c%.*s", sep, (int)n, q);
                sep = '&';
            }
            q += n;
            if (*q == '&')
                q++;
        }
    }
    return buf;
}

int regio_store_schema_latest(void)
{
    return regio__sqlite_schema_latest();
}

const char *regio_store_errmsg(const regio_store *s)
{
    return s ? s->errmsg : "store handle is NULL";
}

regio_err regio_store_begin(regio_store *s, regio_error *err)
{
    DISPATCH(s, err, begin, begin(s, e_));
}

regio_err regio_store_commit(regio_store *s, regio_error *err)
{
    DISPATCH(s, err, commit, commit(s, e_));
}

regio_err regio_store_rollback(regio_store *s, regio_error *err)
{
    DISPATCH(s, err, rollback, rollback(s, e_));
}

regio_err regio_store_nest_begin(regio_store *s, int *own, regio_error *err)
{
    DISPATCH(s, err, nest_begin, nest_begin(s, own, e_));
}

regio_err regio_store_nest_end(regio_store *s, int own, regio_err rc, regio_error *err)
{
    if (!s || !s->ops->nest_end)
        return rc ? rc : regio__store_fail(err, REGIO_EINVAL, "no unit of work to end");
    if (rc) {
        /* The failure's own message stays in err. */
        regio_error ignore;
        s->ops->nest_end(s, own, rc, &ignore);
        return rc;
    }
    DISPATCH(s, err, nest_end, nest_end(s, own, REGIO_OK, e_));
}

regio_err regio_store_account_upsert(regio_store *s, const regio_account *a,
                                     regio_upsert_result *out, regio_error *err)
{
    if (s && (!a || !a->id || !*a->id)) {
        return reject(s, err, REGIO_EDATA, "account has no external id");
    }
    DISPATCH(s, err, account_upsert, account_upsert(s, a, out, e_));
}

regio_err regio_store_rep_upsert(regio_store *s, const regio_rep *r, regio_upsert_result *out,
                                 regio_error *err)
{
    if (s && (!r || !r->id || !*r->id)) {
        return reject(s, err, REGIO_EDATA, "rep has no external id");
    }
    DISPATCH(s, err, rep_upsert, rep_upsert(s, r, out, e_));
}

regio_err regio_store_reps_upsert(regio_store *s, const regio_rep *r, size_t n,
                                  regio_upsert_result *out, size_t *bad, regio_error *err)
{
    size_t local_bad;
    if (!bad)
        bad = &local_bad;
    *bad = 0;
    int bulk = s && s->ops->reps_upsert_many;
    for (size_t i = 0; bulk && i < n; i++)
        bulk = r[i].id && *r[i].id;
    if (bulk)
        DISPATCH(s, err, reps_upsert_many, reps_upsert_many(s, r, n, out, bad, e_));
    for (size_t i = 0; i < n; i++) {
        regio_err rc = regio_store_rep_upsert(s, &r[i], out ? &out[i] : NULL, err);
        if (rc) {
            *bad = i;
            return rc;
        }
    }
    return REGIO_OK;
}

regio_err regio_store_unit_upsert(regio_store *s, const regio_unit *u, regio_upsert_result *out,
                                  regio_error *err)
{
    if (s && (!u || !u->id || !*u->id)) {
        return reject(s, err, REGIO_EDATA, "unit has no external id");
    }
    DISPATCH(s, err, unit_upsert, unit_upsert(s, u, out, e_));
}

regio_err regio_store_adjacency_replace(regio_store *s, const regio_adj_edge *edges, size_t n,
                                        regio_error *err)
{
    if (s && n && !edges) {
        return reject(s, err, REGIO_EINVAL, "edges is NULL");
    }
    DISPATCH(s, err, adjacency_replace, adjacency_replace(s, edges, n, e_));
}

#define NEED_CB(s, err, cb)                                                    \
    do {                                                                       \
        if ((s) && !(cb)) {                                                    \
            return reject(s, err, REGIO_EINVAL, "callback is NULL");          \
        }                                                                      \
    } while (0)

regio_err regio_store_accounts_query(regio_store *s, const regio_account_query *q,
                                     regio_account_cb cb, void *ud, long *total,
                                     regio_error *err)
{
    if (s && (!q || !total)) {
        return reject(s, err, REGIO_EINVAL, "query or total is NULL");
    }
    NEED_CB(s, err, cb);
    DISPATCH(s, err, accounts_query, accounts_query(s, q, cb, ud, total, e_));
}

regio_err regio_store_accounts_foreach(regio_store *s, regio_account_cb cb, void *ud,
                                       regio_error *err)
{
    NEED_CB(s, err, cb);
    DISPATCH(s, err, accounts_foreach, accounts_foreach(s, cb, ud, e_));
}

regio_err regio_store_accounts_get(regio_store *s, const char *const *ids, size_t n,
                                   regio_account_cb cb, void *ud, regio_error *err)
{
    if (s && n && !ids)
        return reject(s, err, REGIO_EINVAL, "accounts get: ids is NULL");
    DISPATCH(s, err, accounts_get, accounts_get(s, ids, n, cb, ud, e_));
}

regio_err regio_store_reps_foreach(regio_store *s, regio_rep_cb cb, void *ud, regio_error *err)
{
    NEED_CB(s, err, cb);
    DISPATCH(s, err, reps_foreach, reps_foreach(s, cb, ud, e_));
}

regio_err regio_store_units_foreach(regio_store *s, int with_geometry, regio_unit_cb cb,
                                    void *ud, regio_error *err)
{
    NEED_CB(s, err, cb);
    DISPATCH(s, err, units_foreach, units_foreach(s, with_geometry, cb, ud, e_));
}

regio_err regio_store_adjacency_foreach(regio_store *s, regio_adj_cb cb, void *ud,
                                        regio_error *err)
{
    NEED_CB(s, err, cb);
    DISPATCH(s, err, adjacency_foreach, adjacency_foreach(s, cb, ud, e_));
}

regio_err regio_store_account_set_unit(regio_store *s, const char *const *account_ids,
                                       const char *const *unit_ids, size_t n, regio_error *err)
{
    if (s && n && (!account_ids || !unit_ids)) {
        return reject(s, err, REGIO_EINVAL, "id arrays are NULL");
    }
    DISPATCH(s, err, account_set_unit, account_set_unit(s, account_ids, unit_ids, n, e_));
}

regio_err regio_store_unit_measures_from_accounts(regio_store *s, regio_error *err)
{
    DISPATCH(s, err, unit_measures_from_accounts, unit_measures_from_accounts(s, e_));
}

/* A measure's name and values, as every backend stores them. */
static regio_err measure_check(const char *name, const char *const *ids, const double *values,
                               size_t n, regio_error *err)
{
    size_t len = name ? strlen(name) : 0;
    int ok = len > 0 && len <= 64;
    for (size_t i = 0; ok && i < len; i++)
        ok = isalnum((unsigned char)name[i]) || name[i] == '_';
    if (!ok)
        return regio__store_fail(err, REGIO_EINVAL,
                                 "measure name '%s' must be 1 to 64 letters, digits or '_'",
                                 name ? name : "");
    for (size_t i = 0; i < n; i++)
        if (!ids[i] || !isfinite(values[i]) || values[i] < 0)
            return regio__store_fail(err, REGIO_EINVAL,
                                     "unit %zu: no id, or a measure that is not a finite number"
                                     " >= 0",
                                     i + 1);
    return REGIO_OK;
}

regio_err regio_store_unit_measure_set(regio_store *s, const char *name, const char *const *ids,
                                       const double *values, size_t n, regio_error *err)
{
    CHECKED(s, err, measure_check(name, ids, values, n, ec_));
    DISPATCH(s, err, unit_measure_set, unit_measure_set(s, name, ids, values, n, e_));
}

regio_err regio_store_stats(regio_store *s, regio_store_counts *out, regio_error *err)
{
    if (s && !out) {
        return reject(s, err, REGIO_EINVAL, "out is NULL");
    }
    DISPATCH(s, err, stats, stats(s, out, e_));
}

/* ---- models ---------------------------------------------------------------- */

const char *regio_model_state_name(regio_model_state st)
{
    switch (st) {
    case REGIO_MODEL_PLANNING: return "planning";
    case REGIO_MODEL_ACTIVE: return "active";
    case REGIO_MODEL_ARCHIVED: return "archived";
    case REGIO_MODEL_SCHEDULED: return "scheduled";
    }
    return "unknown";
}

void regio_model_info_clear(regio_model_info *m)
{
    if (!m)
        return;
    regio_free(m->name);
    regio_free(m->effective_from);
    regio_free(m->created_at);
    regio_free(m->parent);
    regio_free(m->description);
    memset(m, 0, sizeof *m);
}

regio_err regio_store_model_create(regio_store *s, const char *name, regio_model_state state,
                                   const char *effective_from, const char *parent,
                                   const char *description, long *id_out, regio_error *err)
{
    if (s && (!name || (int)state < 0 || state > REGIO_MODEL_ARCHIVED)) {
        return reject(s, err, REGIO_EINVAL, "a model needs a name and a valid state");
    }
    DISPATCH(s, err, model_create,
             model_create(s, name, state, effective_from, parent, description, id_out, e_));
}

regio_err regio_store_model_find(regio_store *s, const char *name, regio_model_info *out,
                                 regio_error *err)
{
    if (s && !out) {
        return reject(s, err, REGIO_EINVAL, "out is NULL");
    }
    if (out)
        memset(out, 0, sizeof *out);
    DISPATCH(s, err, model_find, model_find(s, name, out, e_));
}

regio_err regio_store_model_list(regio_store *s, regio_model_cb cb, void *ud, regio_error *err)
{
    NEED_CB(s, err, cb);
    DISPATCH(s, err, model_list, model_list(s, cb, ud, e_));
}

/* ---- effective-dated promotion (sqlite_promotions.c) ----------------------- */

regio_err regio_store_model_find_at(regio_store *s, const char *name, const char *day,
                                    regio_model_info *out, regio_error *err)
{
    if (s && !out) {
        return reject(s, err, REGIO_EINVAL, "out is NULL");
    }
    if (out)
        memset(out, 0, sizeof *out);
    DISPATCH(s, err, model_find_at, model_find_at(s, name, day, out, e_));
}

regio_err regio_store_model_list_at(regio_store *s, const char *day, regio_model_cb cb, void *ud,
                                    regio_error *err)
{
    NEED_CB(s, err, cb);
    DISPATCH(s, err, model_list_at, model_list_at(s, day, cb, ud, e_));
}

const char *regio_promotion_status_name(regio_promotion_status st)
{
    switch (st) {
    case REGIO_PROMOTION_SCHEDULED: return "scheduled";
    case REGIO_PROMOTION_IN_FORCE: return "in_force";
    case REGIO_PROMOTION_SUPERSEDED: return "superseded";
    case REGIO_PROMOTION_ENDED: return "ended";
    case REGIO_PROMOTION_WITHDRAWN: return "withdrawn";
    }
    return "unknown";
}

regio_err regio_store_promotions_foreach(regio_store *s, const char *day, regio_promotion_cb cb,
                                         void *ud, regio_error *err)
{
    NEED_CB(s, err, cb);
    DISPATCH(s, err, promotions_foreach, promotions_foreach(s, day, cb, ud, e_));
}

regio_err regio_store_model_rollback(regio_store *s, const char *effective_from,
                                     const char *new_name, const char *actor, char **name_out,
                                     regio_error *err)
{
    if (name_out)
        *name_out = NULL;
    DISPATCH(s, err, model_rollback,
             model_rollback(s, effective_from, new_name, actor, name_out, e_));
}

regio_err regio_store_territory_upsert(regio_store *s, const char *model, const char *ext_id,
                                       const char *name, const char *parent_ext_id,
                                       regio_error *err)
{
    if (s && (!ext_id || !*ext_id)) {
        return reject(s, err, REGIO_EDATA, "territory has no external id");
    }
    DISPATCH(s, err, territory_upsert, territory_upsert(s, model, ext_id, name, parent_ext_id, e_));
}

regio_err regio_store_units_fingerprint(regio_store *s, uint64_t *fp, regio_error *err)
{
    DISPATCH(s, err, units_fingerprint, units_fingerprint(s, fp, e_));
}

regio_err regio_store_model_reset(regio_store *s, const char *name, const char *actor,
                                  regio_error *err)
{
    if (s && !name)
        return reject(s, err, REGIO_EINVAL, "a reset needs the model's name");
    DISPATCH(s, err, model_reset, model_reset(s, name, actor, e_));
}

regio_err regio_store_territory_set_rep(regio_store *s, const char *model, const char *ext_id,
                                         const char *rep, regio_error *err)
{
    if (s && (!ext_id || !*ext_id))
        return reject(s, err, REGIO_EDATA, "territory has no external id");
    DISPATCH(s, err, territory_set_rep, territory_set_rep(s, model, ext_id, rep, e_));
}

regio_err regio_store_territories_write(regio_store *s, const char *model,
                                       const regio_territory_write *t, size_t n, size_t *bad,
                                       int *bad_rep, regio_error *err)
{
    size_t local_bad;
    int local_rep;
    if (!bad)
        bad = &local_bad;
    if (!bad_rep)
        bad_rep = &local_rep;
    *bad = 0;
    *bad_rep = 0;
    /* The bulk path takes no parent (the cycle and depth checks are the
     * one-row upsert's) and no row without an id. */
    int bulk = s && s->ops->territories_write;
    for (size_t i = 0; bulk && i < n; i++)
        bulk = t[i].ext_id && *t[i].ext_id && !(t[i].upsert && t[i].parent);
    if (bulk)
        DISPATCH(s, err, territories_write, territories_write(s, model, t, n, bad, bad_rep, e_));
    for (size_t i = 0; i < n; i++) {
        regio_err rc = t[i].upsert ? regio_store_territory_upsert(s, model, t[i].ext_id,
                                                                  t[i].name, t[i].parent, err)
                                   : REGIO_OK;
        if (!rc && t[i].set_rep) {
            rc = regio_store_territory_set_rep(s, model, t[i].ext_id, t[i].rep, err);
            *bad_rep = rc != REGIO_OK;
        }
        if (rc) {
            *bad = i;
            return rc;
        }
    }
    return REGIO_OK;
}

regio_err regio_store_alignment_set_many(regio_store *s, const char *model,
                                         const char *const *unit_ids,
                                         const char *const *territories, size_t n, size_t *bad,
                                         regio_error *err)
{
    size_t local_bad;
    if (!bad)
        bad = &local_bad;
    *bad = 0;
    int bulk = s && s->ops->alignment_set_many;
    for (size_t i = 0; bulk && i < n; i++)
        bulk = unit_ids[i] && *unit_ids[i];
    if (bulk)
        DISPATCH(s, err, alignment_set_many,
                 alignment_set_many(s, model, unit_ids, territories, n, bad, e_));
    for (size_t i = 0; i < n; i++) {
        regio_err rc = regio_store_alignment_set(s, model, unit_ids[i], territories[i], err);
        if (rc) {
            *bad = i;
            return rc;
        }
    }
    return REGIO_OK;
}

regio_err regio_store_alignment_set(regio_store *s, const char *model, const char *unit_id,
                                    const char *territory, regio_error *err)
{
    if (s && (!unit_id || !*unit_id)) {
        return reject(s, err, REGIO_EDATA, "alignment row has no unit id");
    }
    DISPATCH(s, err, alignment_set, alignment_set(s, model, unit_id, territory, e_));
}

regio_err regio_store_alignment_foreach(regio_store *s, const char *model, regio_alignment_cb cb,
                                        void *ud, regio_error *err)
{
    NEED_CB(s, err, cb);
    DISPATCH(s, err, alignment_foreach, alignment_foreach(s, model, cb, ud, e_));
}

regio_err regio_store_model_reasons_set(regio_store *s, const char *model,
                                        const regio_unit_reason *r, size_t n, regio_error *err)
{
    if (s && (!model || (n && !r)))
        return reject(s, err, REGIO_EINVAL, "reasons need a model");
    DISPATCH(s, err, model_reasons_set, model_reasons_set(s, model, r, n, e_));
}

regio_err regio_store_model_reasons_foreach(regio_store *s, const char *model, regio_reason_cb cb,
                                            void *ud, regio_error *err)
{
    NEED_CB(s, err, cb);
    DISPATCH(s, err, model_reasons_foreach, model_reasons_foreach(s, model, cb, ud, e_));
}

regio_err regio_store_alignment_revision(regio_store *s, const char *model, long *rev,
                                         regio_error *err)
{
    if (s && !rev) {
        return reject(s, err, REGIO_EINVAL, "rev is NULL");
    }
    DISPATCH(s, err, alignment_revision, alignment_revision(s, model, rev, e_));
}

regio_err regio_store_generation(regio_store *s, uint64_t *gen, regio_error *err)
{
    if (s && !gen) {
        return reject(s, err, REGIO_EINVAL, "gen is NULL");
    }
    DISPATCH(s, err, generation, generation(s, gen, e_));
}

regio_err regio_store_generation_seen(regio_store *s, uint64_t *gen, regio_error *err)
{
    if (s && !gen) {
        return reject(s, err, REGIO_EINVAL, "gen is NULL");
    }
    if (s && !s->ops->generation_seen)
        return regio_store_generation(s, gen, err);
    DISPATCH(s, err, generation_seen, generation_seen(s, gen, e_));
}

regio_err regio_store_others_version(regio_store *s, long *v, regio_error *err)
{
    if (s && !v) {
        return reject(s, err, REGIO_EINVAL, "v is NULL");
    }
    DISPATCH(s, err, others_version, others_version(s, v, e_));
}

regio_err regio_store_access_epoch(regio_store *s, long long *epoch, regio_error *err)
{
    if (s && !epoch) {
        return reject(s, err, REGIO_EINVAL, "epoch is NULL");
    }
    DISPATCH(s, err, access_epoch, access_epoch(s, epoch, e_));
}

/* ---- scenarios ------------------------------------------------------------- */

regio_err regio_store_model_clone(regio_store *s, const char *from, const char *new_name,
                                  const char *description, const char *actor, long *id_out,
                                  regio_error *err)
{
    if (s && (!from || !*from || !new_name)) {
        return reject(s, err, REGIO_EINVAL, "a clone needs a source model and a new name");
    }
    DISPATCH(s, err, model_clone, model_clone(s, from, new_name, description, actor, id_out, e_));
}

regio_err regio_store_model_promote(regio_store *s, const char *name, const char *effective_from,
                                    const char *actor, regio_error *err)
{
    if (s && (!name || !*name)) {
        return reject(s, err, REGIO_EINVAL, "promoting needs a model name");
    }
    DISPATCH(s, err, model_promote, model_promote(s, name, effective_from, actor, e_));
}

regio_err regio_store_model_archive(regio_store *s, const char *name, const char *actor,
                                    regio_error *err)
{
    if (s && (!name || !*name)) {
        return reject(s, err, REGIO_EINVAL, "archiving needs a model name");
    }
    DISPATCH(s, err, model_archive, model_archive(s, name, actor, e_));
}

regio_err regio_store_alignment_apply(regio_store *s, const char *model, long expected_rev,
                                      const regio_alignment_row *rows, size_t n,
                                      const char *actor, long *new_rev,
                                      regio_apply_status *status, regio_error *err)
{
    if (new_rev)
        *new_rev = -1;
    if (status)
        *status = s && n && !rows ? REGIO_APPLY_INVALID : REGIO_APPLY_ERROR;
    if (s && n && !rows) {
        return reject(s, err, REGIO_EINVAL, "rows is NULL");
    }
    DISPATCH(s, err, alignment_apply,
             alignment_apply(s, model, expected_rev, rows, n, actor, new_rev, status, e_));
}

regio_err regio_store_alignment_lock(regio_store *s, const char *model, long expected_rev,
                                     const char *const *unit_ids, size_t n, int locked,
                                     const char *actor, long *new_rev,
                                     regio_apply_status *status, regio_error *err)
{
    if (new_rev)
        *new_rev = -1;
    if (status)
        *status = s && n && !unit_ids ? REGIO_APPLY_INVALID : REGIO_APPLY_ERROR;
    if (s && n && !unit_ids) {
        return reject(s, err, REGIO_EINVAL, "unit_ids is NULL");
    }
    DISPATCH(s, err, alignment_lock,
             alignment_lock(s, model, expected_rev, unit_ids, n, locked, actor, new_rev,
                                    status, e_));
}

regio_err regio_store_territories_foreach(regio_store *s, const char *model,
                                          regio_territory_cb cb, void *ud, regio_error *err)
{
    NEED_CB(s, err, cb);
    DISPATCH(s, err, territories_foreach, territories_foreach(s, model, cb, ud, e_));
}

/* ---- call plans ---------------------------------------------------------------- */

regio_err regio_store_plan_save(regio_store *s, const regio_plan_info *plan,
                                const regio_plan_visit_row *visits, size_t n, const char *actor,
                                long *id_out, regio_error *err)
{
    if (id_out)
        *id_out = 0;
    if (s && (!plan || (n && !visits))) {
        return reject(s, err, REGIO_EINVAL, "plan or visits is NULL");
    }
    DISPATCH(s, err, plan_save, plan_save(s, plan, visits, n, actor, id_out, e_));
}

regio_err regio_store_plans_foreach(regio_store *s, const char *model, regio_plan_info_cb cb,
                                    void *ud, regio_error *err)
{
    NEED_CB(s, err, cb);
    DISPATCH(s, err, plans_foreach, plans_foreach(s, model, cb, ud, e_));
}

regio_err regio_store_plan_visits_foreach(regio_store *s, long plan_id, regio_plan_visit_cb cb,
                                          void *ud, regio_error *err)
{
    NEED_CB(s, err, cb);
    DISPATCH(s, err, plan_visits_foreach, plan_visits_foreach(s, plan_id, cb, ud, e_));
}

/* ---- audit ------------------------------------------------------------------- */

regio_err regio_store_audit_append(regio_store *s, const char *actor, const char *action,
                                   const char *object_type, const char *object_id,
                                   const char *before_json, const char *after_json,
                                   regio_error *err)
{
    if (s && (!action || !*action)) {
        return reject(s, err, REGIO_EINVAL, "an audit record needs an action");
    }
    DISPATCH(s, err, audit_append,
             audit_append(s, actor, action, object_type, object_id, before_json,
                                  after_json, e_));
}

regio_err regio_store_audit_verify(regio_store *s, long *bad_id, regio_error *err)
{
    long dummy;
    DISPATCH(s, err, audit_verify, audit_verify(s, bad_id ? bad_id : &dummy, e_));
}

/* ---- the organisation (regio/org.h) --------------------------------------- */

int regio__is_date(const char *d)
{
    if (!d || strlen(d) != 10 || d[4] != '-' || d[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
            return 0;
    int y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
    int m = (d[5] - '0') * 10 + (d[6] - '0');
    int day = (d[8] - '0') * 10 + (d[9] - '0');
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || m < 1 || m > 12 || day < 1)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return day <= mdays[m - 1] + (m == 2 && leap);
}


static int present(const char *v)
{
    return v && *v;
}

/* "YYYY-MM-DD", optionally followed by "THH:MM" and more of a timestamp. */
static int iso_time(const char *v)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    size_t n = strlen(v);
    if (n != 10 && n < 16)
        return 0;
    for (size_t i = 0; i < n && shape[i]; i++)
        if (shape[i] == 'd' ? (v[i] < '0' || v[i] > '9') : v[i] != shape[i])
            return 0;
    int month = (v[5] - '0') * 10 + (v[6] - '0'), day = (v[8] - '0') * 10 + (v[9] - '0');
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/* The checks of a membership that every backend would make alike. */
static regio_err membership_check(const regio_membership_info *m, regio_error *err)
{
    regio_err rc = regio_membership_role_check(m->role, err);
    if (rc)
        return rc;
    if (m->start && !regio__is_date(m->start))
        return regio_error_setf(err, REGIO_EDATA, NULL, 0, "start",
                                "start '%s' is not a date (YYYY-MM-DD)", m->start);
    if (m->end && !regio__is_date(m->end))
        return regio_error_setf(err, REGIO_EDATA, NULL, 0, "end",
                                "end '%s' is not a date (YYYY-MM-DD)", m->end);
    if (m->start && m->end && strcmp(m->end, m->start) < 0)
        return regio_error_setf(err, REGIO_EDATA, NULL, 0, "end", "end %s is before start %s",
                                m->end, m->start);
    return REGIO_OK;
}

void regio__today(char day[11])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(day, 11, "%Y-%m-%d", &tm);
}

regio_err regio__day(const char *day, char buf[11], regio_error *err)
{
    if (!day) {
        regio__today(buf);
        return REGIO_OK;
    }
    if (!regio__is_date(day))
        return regio__store_fail(err, REGIO_EINVAL, "'%s' is not a date (YYYY-MM-DD)", day);
    memcpy(buf, day, 11);
    return REGIO_OK;
}

regio_err regio_store_role_upsert(regio_store *s, const char *name, const char *parent, const char *actor, regio_error *err)
{
    if (s && !present(name))
        return reject(s, err, REGIO_EINVAL, "role upsert: a required value is missing");
    DISPATCH(s, err, role_upsert, role_upsert(s, name, parent, actor, e_));
}

regio_err regio_store_roles_foreach(regio_store *s, regio_role_cb cb, void *ud, regio_error *err)
{
    DISPATCH(s, err, roles_foreach, roles_foreach(s, cb, ud, e_));
}

regio_err regio_store_user_upsert(regio_store *s, const regio_user_info *u, const char *actor, regio_upsert_result *out, regio_error *err)
{
    if (s && !present(u ? u->login : NULL))
        return reject(s, err, REGIO_EINVAL, "user upsert: a required value is missing");
    DISPATCH(s, err, user_upsert, user_upsert(s, u, actor, out, e_));
}

regio_err regio_store_users_upsert(regio_store *s, const regio_user_info *u, size_t n,
                                   const char *actor, regio_upsert_result *out, size_t *bad,
                                   regio_error *err)
{
    size_t local_bad;
    if (!bad)
        bad = &local_bad;
    *bad = 0;
    int bulk = s && s->ops->users_upsert_many;
    for (size_t i = 0; bulk && i < n; i++)
        bulk = present(u[i].login);
    if (bulk)
        DISPATCH(s, err, users_upsert_many, users_upsert_many(s, u, n, actor, out, bad, e_));
    for (size_t i = 0; i < n; i++) {
        regio_err rc = regio_store_user_upsert(s, &u[i], actor, out ? &out[i] : NULL, err);
        if (rc) {
            *bad = i;
            return rc;
        }
    }
    return REGIO_OK;
}

regio_err regio_store_users_foreach(regio_store *s, const char *login, regio_user_cb cb, void *ud, regio_error *err)
{
    DISPATCH(s, err, users_foreach, users_foreach(s, login, cb, ud, e_));
}

regio_err regio_store_user_set_active(regio_store *s, const char *login, int active, const char *actor, regio_error *err)
{
    if (s && !present(login))
        return reject(s, err, REGIO_EINVAL, "user set active: a required value is missing");
    DISPATCH(s, err, user_set_active, user_set_active(s, login, active, actor, e_));
}

regio_err regio_store_user_set_password_hash(regio_store *s, const char *login, const char *hash, const char *actor, regio_error *err)
{
    if (s && !present(login))
        return reject(s, err, REGIO_EINVAL, "user set password hash: a required value is missing");
    DISPATCH(s, err, user_set_password_hash, user_set_password_hash(s, login, hash, actor, e_));
}

regio_err regio_store_user_password_hash(regio_store *s, const char *login, char **hash, int *active, regio_error *err)
{
    if (s && !present(login))
        return reject(s, err, REGIO_EINVAL, "user password hash: a required value is missing");
    DISPATCH(s, err, user_password_hash, user_password_hash(s, login, hash, active, e_));
}

regio_err regio_store_login_users(regio_store *s, long *n, regio_error *err)
{
    DISPATCH(s, err, login_users, login_users(s, n, e_));
}

regio_err regio_store_territory_set_access(regio_store *s, const char *model, const char *ext_id, const char *level, const char *actor, regio_error *err)
{
    if (s && !present(ext_id))
        return reject(s, err, REGIO_EINVAL, "territory set access: a required value is missing");
    CHECKED(s, err, regio_account_level_check(level, ec_));
    DISPATCH(s, err, territory_set_access,
             territory_set_access(s, model, ext_id, level, actor, e_));
}

regio_err regio_store_territory_edit(regio_store *s, const char *model, const char *ext_id,
                                     const char *name, int set_parent, const char *parent,
                                     const char *level, const char *actor, regio_error *err)
{
    if (s && !present(ext_id))
        return reject(s, err, REGIO_EINVAL, "territory edit: the territory id is missing");
    CHECKED(s, err, level ? regio_account_level_check(level, ec_) : REGIO_OK);
    DISPATCH(s, err, territory_edit,
             territory_edit(s, model, ext_id, name, set_parent, parent, level, actor, e_));
}

regio_err regio_store_membership_upsert(regio_store *s, const char *model, const regio_membership_info *m, const char *actor, regio_error *err)
{
    if (s && !present(m && m->user && *m->user && m->territory ? m->role : NULL))
        return reject(s, err, REGIO_EINVAL, "membership upsert: a required value is missing");
    CHECKED(s, err, membership_check(m, ec_));
    DISPATCH(s, err, membership_upsert, membership_upsert(s, model, m, actor, e_));
}

regio_err regio_store_memberships_upsert(regio_store *s, const char *model,
                                         const regio_membership_info *m, size_t n,
                                         const char *actor, size_t *bad, regio_error *err)
{
    size_t local_bad;
    if (!bad)
        bad = &local_bad;
    *bad = 0;
    /* Without a bulk path, or with a row the bulk path would refuse: one
     * by one, each with its own checks and messages. */
    for (size_t i = 0; s && s->ops->memberships_upsert_many && i < n; i++) {
        regio_error ignore;
        if (!present(m[i].user && *m[i].user && m[i].territory ? m[i].role : NULL) ||
            membership_check(&m[i], &ignore))
            goto one_by_one;
    }
    if (s && s->ops->memberships_upsert_many)
        DISPATCH(s, err, memberships_upsert_many,
                 memberships_upsert_many(s, model, m, n, actor, bad, e_));
one_by_one:
    for (size_t i = 0; i < n; i++) {
        regio_err rc = regio_store_membership_upsert(s, model, &m[i], actor, err);
        if (rc) {
            *bad = i;
            return rc;
        }
    }
    return REGIO_OK;
}

regio_err regio_store_membership_remove(regio_store *s, const char *model, const char *user, const char *territory, const char *role, const char *actor, regio_error *err)
{
    if (s && !present(user && territory ? role : NULL))
        return reject(s, err, REGIO_EINVAL, "membership remove: a required value is missing");
    DISPATCH(s, err, membership_remove,
             membership_remove(s, model, user, territory, role, actor, e_));
}

regio_err regio_store_memberships_foreach(regio_store *s, const char *model, regio_membership_cb cb, void *ud, regio_error *err)
{
    DISPATCH(s, err, memberships_foreach, memberships_foreach(s, model, cb, ud, e_));
}

regio_err regio_store_association_set(regio_store *s, const char *model, const char *account, const char *territory, int add, const char *actor, regio_error *err)
{
    if (s && !present(account ? territory : NULL))
        return reject(s, err, REGIO_EINVAL, "association set: a required value is missing");
    DISPATCH(s, err, association_set,
             association_set(s, model, account, territory, add, actor, e_));
}

regio_err regio_store_associations_foreach(regio_store *s, const char *model, regio_association_cb cb, void *ud, regio_error *err)
{
    DISPATCH(s, err, associations_foreach, associations_foreach(s, model, cb, ud, e_));
}

regio_err regio_store_account_keys_foreach(regio_store *s, regio_account_key_cb cb, void *ud, regio_error *err)
{
    DISPATCH(s, err, account_keys_foreach, account_keys_foreach(s, cb, ud, e_));
}

regio_err regio_store_model_in_force(regio_store *s, const char *day, regio_model_info *out, regio_error *err)
{
    CHECKED(s, err, regio__is_date(day) ? REGIO_OK
                    : regio__store_fail(ec_, REGIO_EINVAL, "'%s' is not a date (YYYY-MM-DD)",
                                        day ? day : ""));
    DISPATCH(s, err, model_in_force, model_in_force(s, day, out, e_));
}

regio_err regio_store_token_add(regio_store *s, const char *login, const char *token_hash, const char *label, const char *actor, long *id, regio_error *err)
{
    if (s && !present(login ? token_hash : NULL))
        return reject(s, err, REGIO_EINVAL, "token add: a required value is missing");
    DISPATCH(s, err, token_add, token_add(s, login, token_hash, label, actor, id, e_));
}

regio_err regio_store_token_user(regio_store *s, const char *token_hash, char **login, regio_error *err)
{
    if (s && !present(token_hash))
        return reject(s, err, REGIO_EINVAL, "token user: a required value is missing");
    DISPATCH(s, err, token_user, token_user(s, token_hash, login, e_));
}

regio_err regio_store_token_revoke(regio_store *s, const char *login, long id, const char *actor, regio_error *err)
{
    if (s && !present(login))
        return reject(s, err, REGIO_EINVAL, "token revoke: a required value is missing");
    DISPATCH(s, err, token_revoke, token_revoke(s, login, id, actor, e_));
}

regio_err regio_store_tokens_foreach(regio_store *s, const char *login, regio_token_cb cb, void *ud, regio_error *err)
{
    DISPATCH(s, err, tokens_foreach, tokens_foreach(s, login, cb, ud, e_));
}

regio_err regio_store_session_add(regio_store *s, const char *id_hash, const char *login, const char *csrf, long long expires, regio_error *err)
{
    if (s && !present(id_hash && login ? csrf : NULL))
        return reject(s, err, REGIO_EINVAL, "session add: a required value is missing");
    DISPATCH(s, err, session_add, session_add(s, id_hash, login, csrf, expires, e_));
}

regio_err regio_store_session_find(regio_store *s, const char *id_hash, long long now, char **login, char **csrf, regio_error *err)
{
    if (s && !present(id_hash))
        return reject(s, err, REGIO_EINVAL, "session find: a required value is missing");
    DISPATCH(s, err, session_find, session_find(s, id_hash, now, login, csrf, e_));
}

regio_err regio_store_session_remove(regio_store *s, const char *id_hash, long long now, regio_error *err)
{
    if (s && !present(id_hash))
        return reject(s, err, REGIO_EINVAL, "session remove: a required value is missing");
    DISPATCH(s, err, session_remove, session_remove(s, id_hash, now, e_));
}

regio_err regio_store_audit_foreach(regio_store *s, const char *since, const char *user, regio_audit_cb cb, void *ud, regio_error *err)
{
    if (s && since && !iso_time(since))
        return reject(s, err, REGIO_EINVAL,
                      "--since wants a date or time: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]");
    DISPATCH(s, err, audit_foreach, audit_foreach(s, since, user, cb, ud, e_));
}

/* ---- challenges (regio/challenge.h) ---------------------------------------- */

regio_err regio_store_challenge_add(regio_store *s, const regio_challenge *c, const char *actor,
                                    long *id, regio_error *err)
{
    if (s && (!c || !present(c->model) || !present(c->territory) || !present(c->raised_by) ||
              !present(c->unit) == !present(c->account)))
        return reject(s, err, REGIO_EINVAL,
                      "challenge: a model, a territory, the user and exactly one of a unit and "
                      "an account are required");
    if (s && !present(c->reason))
        return reject(s, err, REGIO_EINVAL, "challenge: a reason is required");
    DISPATCH(s, err, challenge_add, challenge_add(s, c, actor, id, e_));
}

regio_err regio_store_challenge_close(regio_store *s, long id, regio_challenge_state to,
                                      const char *by, const char *comment, int auto_approved,
                                      const char *actor, regio_error *err)
{
    /* (comment: note is the function that records a failure on the handle) */
    DISPATCH(s, err, challenge_close,
             challenge_close(s, id, to, by, comment, auto_approved, actor, e_));
}

regio_err regio_store_challenges_foreach(regio_store *s, const char *model, long id,
                                         regio_challenge_cb cb, void *ud, regio_error *err)
{
    DISPATCH(s, err, challenges_foreach, challenges_foreach(s, model, id, cb, ud, e_));
}

regio_err regio_store_model_auto_approval(regio_store *s, const char *model, int *on,
                                          double *tolerance, regio_error *err)
{
    if (s && !present(model))
        return reject(s, err, REGIO_EINVAL, "automatic approval: a model is required");
    DISPATCH(s, err, model_auto_approval, model_auto_approval(s, model, on, tolerance, e_));
}

regio_err regio_store_model_set_auto_approval(regio_store *s, const char *model, int on,
                                              double tolerance, const char *actor,
                                              regio_error *err)
{
    if (s && !present(model))
        return reject(s, err, REGIO_EINVAL, "automatic approval: a model is required");
    DISPATCH(s, err, model_set_auto_approval,
             model_set_auto_approval(s, model, on, tolerance, actor, e_));
}

/* ---- content hash ------------------------------------------------------------
 * A 64-bit FNV-1a-style hash over every canonical field of a record, each
 * field framed by its length so that field boundaries cannot shift. */

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

void regio__hash_init(regio__hash *h)
{
    h->h = FNV_OFFSET;
}

/* FNV-1a's xor-multiply step applied to 8-byte words (then to the tail
 * bytes) with an xor-shift after each multiply so high input bits reach the
 * low hash bits: several times faster than byte-wise FNV-1a on the import
 * hot path, and as good for change detection. */
void regio__hash_bytes(regio__hash *h, const void *p, size_t n)
{
    const unsigned char *c = p;
    uint64_t x = h->h;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, c, 8);
        x ^= w;
        x *= 0x9e3779b97f4a7c15ULL;
        x ^= x >> 29;
        c += 8;
        n -= 8;
    }
    for (size_t i = 0; i < n; i++) {
        x ^= c[i];
        x *= FNV_PRIME;
    }
    h->h = x;
}

void regio__hash_int(regio__hash *h, int64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)v >> (8 * i));
    regio__hash_bytes(h, b, sizeof b);
}

/* Each string is framed by its length (and NULL by a length no string can
 * have), so ("ab","c") and ("a","bc") never collide by construction. */
void regio__hash_str(regio__hash *h, const char *s)
{
    if (!s) {
        regio__hash_int(h, -1);
        return;
    }
    size_t n = strlen(s);
    regio__hash_int(h, (int64_t)n);
    regio__hash_bytes(h, s, n);
}

void regio__hash_num(regio__hash *h, double v)
{
    if (isnan(v)) {
        unsigned char tag = 0xff;
        regio__hash_bytes(h, &tag, 1);
        return;
    }
    if (v == 0)
        v = 0; /* fold -0.0 */
    unsigned char tag = 0x01;
    regio__hash_bytes(h, &tag, 1);
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    regio__hash_int(h, (int64_t)bits);
}
