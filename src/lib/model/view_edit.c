/*
 * Changing a loaded model: moves and locks go through the store's revision
 * guard (regio_store_alignment_apply / _lock) and then update the view, so
 * the CLI and the server refuse and accept exactly the same edits; and the
 * saving of a design or realign as a new planning model that keeps the
 * base model's hierarchy, names, reps and locks.
 */
#include "model/view_internal.h"

#include "regio/buf.h"
#include "regio/strmap.h"

#include <stdlib.h>
#include <string.h>

static regio_err out_of_memory(regio_error *err, regio_apply_status *status)
{
    if (status)
        *status = REGIO_APPLY_ERROR;
    return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
}

regio_err regio_model_edit_guard(regio_store *s, const char *model, long expected_rev, int lock,
                                 const char *actor, long *current, regio_apply_status *status,
                                 regio_error *err)
{
    long cur = -1;
    if (status)
        *status = REGIO_APPLY_OK;
    /* A read decides the usual cases, a planning model at the revision or
     * past it, without the write lock the store's guards take (on SQLite
     * one writer at a time for every process). Anything else (no such
     * model, not planning, a read that failed) goes through those guards,
     * whose order of refusals is the edit's. */
    regio_model_info mi;
    memset(&mi, 0, sizeof mi);
    int planning = model && regio_store_model_find(s, model, &mi, NULL) == REGIO_OK &&
                   mi.state == REGIO_MODEL_PLANNING;
    long rev = mi.alignment_rev;
    regio_model_info_clear(&mi);
    if (planning) {
        if (current)
            *current = rev;
        if (rev == expected_rev)
            return REGIO_OK;
        if (status)
            *status = REGIO_APPLY_STALE;
        return regio_error_setf(err, REGIO_ECONFLICT, NULL, 0, NULL,
                                "stale revision: the edit of '%s' was based on revision %ld but "
                                "the current revision is %ld",
                                model, expected_rev, rev);
    }
    regio_err rc = lock ? regio_store_alignment_lock(s, model, expected_rev, NULL, 0, 1, actor,
                                                     &cur, status, err)
                        : regio_store_alignment_apply(s, model, expected_rev, NULL, 0, actor,
                                                      &cur, status, err);
    if (current)
        *current = cur;
    return rc;
}

/*
 * The guards every edit passes first, with the store's own answers: the
 * model exists and is planning, and expected_rev is its current revision.
 * A view older than that revision (an edit through another handle) is
 * brought up to date before the rows are checked against it.
 */
static regio_err guard(regio_store *s, regio_model_view *v, long expected_rev, int lock,
                       const char *actor, int *refreshed, regio_apply_status *status,
                       regio_error *err)
{
    long cur = -1;
    *refreshed = 0;
    regio_err rc = lock ? regio_store_alignment_lock(s, v->model, expected_rev, NULL, 0, 1, actor,
                                                     &cur, status, err)
                        : regio_store_alignment_apply(s, v->model, expected_rev, NULL, 0, actor,
                                                      &cur, status, err);
    if (!rc && cur != v->revision) {
        *refreshed = 1;
        if ((rc = regio_model_view_reload(s, v, NULL, err)) != REGIO_OK && status)
            *status = REGIO_APPLY_ERROR;
    }
    return rc;
}

regio_err regio_model_view_apply(regio_store *s, regio_model_view *v, long expected_rev,
                                 const regio_alignment_row *rows, size_t n, const char *actor,
                                 unsigned char **changed_out, regio_apply_status *status,
                                 regio_error *err)
{
    if (status)
        *status = REGIO_APPLY_OK;
    if (changed_out)
        *changed_out = NULL;
    int refreshed = 0;
    regio_err rc = guard(s, v, expected_rev, 0, actor, &refreshed, status, err);
    if (rc)
        return rc;
    unsigned char *changed = NULL, *moved = NULL;
    if (changed_out && !(changed = regio_calloc((size_t)(v->k ? v->k : 1), 1)))
        return out_of_memory(err, status);
    if (changed && refreshed) /* what the caller saw is gone: everything changed */
        memset(changed, 1, (size_t)(v->k ? v->k : 1));
    const regio_unitset *us = v->units->loaded.units;
    size_t sz = n ? n : 1;
    int *to = regio_malloc(sz * sizeof *to);
    long *idx = regio_malloc(sz * sizeof *idx);
    int *old_to = regio_malloc(sz * sizeof *old_to);
    long *old_unit = regio_malloc(sz * sizeof *old_unit);
    if (!to || !idx || !old_to || !old_unit) {
        rc = out_of_memory(err, status);
        goto done;
    }
    /* Units and accounts go to leaves: a parent only groups territories.
     * Everything else about the rows (ids, locks) the store checks. */
    int accounts = 0;
    for (size_t i = 0; i < n; i++) {
        const regio_alignment_row *r = &rows[i];
        if (r->unit_id && !r->account_id && !r->territory) {
            if (status)
                *status = REGIO_APPLY_INVALID;
            rc = regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                  "the move of unit '%s' names no territory: every unit belongs "
                                  "to one",
                                  r->unit_id);
            goto done;
        }
        to[i] = r->territory ? regio_model_view_leaf(v, r->territory) : -1;
        idx[i] = r->unit_id ? regio_unitset_find(us, r->unit_id) : -1;
        if (r->territory && to[i] < 0 && regio_model_view_node(v, r->territory)) {
            if (status)
                *status = REGIO_APPLY_UNKNOWN;
            rc = regio_error_setf(err, REGIO_EDATA, NULL, 0, NULL,
                                  "territory '%s' of model '%s' groups other territories: move "
                                  "units and accounts to one of its leaves",
                                  r->territory, v->model);
            goto done;
        }
        /* Where each moved account was: its override's territory and unit,
         * or (-3) its unit's territory, known once the overrides are read
         * again. */
        if (r->account_id && !r->unit_id) {
            accounts = 1;
            long o = v->override_index_ ? regio_strmap_get(v->override_index_, r->account_id)
                                        : -1;
            old_to[i] = o >= 0 ? v->overrides[o].to : -3;
            old_unit[i] = o >= 0 ? v->overrides[o].unit : -1;
        }
    }
    /* The leaves whose units change: the only ones measured again. */
    if (!(moved = regio_calloc((size_t)(v->k ? v->k : 1), 1))) {
        rc = out_of_memory(err, status);
        goto done;
    }
    long new_rev = v->revision;
    rc = regio_store_alignment_apply(s, v->model, expected_rev, rows, n, actor, &new_rev, status,
                                     err);
    if (rc)
        goto done;
    for (size_t i = 0; i < n; i++) {
        if (idx[i] < 0 || to[i] < 0)
            continue; /* an account, or a unit the view does not hold */
        int from = v->labels[idx[i]];
        if (from == to[i])
            continue;
        if (from >= 0)
            moved[from] = 1;
        moved[to[i]] = 1;
        if (changed && from >= 0)
            changed[from] = 1;
        if (changed)
            changed[to[i]] = 1;
        v->labels[idx[i]] = to[i];
    }
    v->revision = new_rev;
    /* The store has the change: what follows only brings the view along.
     * When it cannot (out of memory), the view says it is stale. */
    regio_error e2;
    regio_error_clear(&e2);
    if ((accounts && regio__view_reload_overrides(s, v, &e2)) ||
        regio__view_reevaluate(v, refreshed ? NULL : moved, &e2) ||
        (v->n_aligned == v->units->in.n &&
                                                          !v->has_report)) {
        regio__view_mark_stale(v);
        if (changed)
            memset(changed, 1, (size_t)(v->k ? v->k : 1));
        goto done;
    }
    for (size_t i = 0; accounts && changed && i < n; i++) {
        if (!rows[i].account_id || rows[i].unit_id)
            continue;
        long o = v->override_index_ ? regio_strmap_get(v->override_index_, rows[i].account_id)
                                    : -1;
        long unit = o >= 0 ? v->overrides[o].unit : old_unit[i];
        int unit_leaf = unit >= 0 ? v->labels[unit] : -1;
        int was = old_to[i] == -3 ? unit_leaf : old_to[i];
        int now = o >= 0 ? v->overrides[o].to : unit_leaf;
        if (was >= 0)
            changed[was] = 1;
        if (now >= 0)
            changed[now] = 1;
    }
done:
    regio_free(to);
    regio_free(idx);
    regio_free(old_to);
    regio_free(old_unit);
    regio_free(moved);
    if (rc)
        regio_free(changed);
    else if (changed_out)
        *changed_out = changed;
    return rc;
}

regio_err regio_model_view_lock(regio_store *s, regio_model_view *v, long expected_rev,
                                const char *const *unit_ids, size_t n, int locked,
                                const char *actor, regio_apply_status *status, regio_error *err)
{
    if (status)
        *status = REGIO_APPLY_OK;
    int refreshed = 0;
    regio_err rc = guard(s, v, expected_rev, 1, actor, &refreshed, status, err);
    long new_rev = v->revision;
    if (!rc)
        rc = regio_store_alignment_lock(s, v->model, expected_rev, unit_ids, n, locked, actor,
                                        &new_rev, status, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        long u = regio_unitset_find(v->units->loaded.units, unit_ids[i]);
        if (u >= 0)
            v->locked[u] = locked ? 1 : 0;
    }
    v->revision = new_rev;
    return REGIO_OK;
}

/* ---- saving a new model -------------------------------------------------------- */

regio_err regio_model_save_check(regio_store *s, const char *target, unsigned flags,
                                 int *exists, regio_error *err)
{
    regio_model_info info;
    memset(&info, 0, sizeof info);
    *exists = 0;
    regio_err rc = regio_model_name_check(target, err);
    if (!rc)
        rc = regio_store_model_find(s, target, &info, err);
    if (rc == REGIO_ENOTFOUND) {
        regio_error_clear(err);
        return REGIO_OK;
    }
    if (!rc && !(flags & REGIO_SAVE_REPLACE))
        rc = regio_error_setf(err, REGIO_ECONFLICT, NULL, 0, NULL,
                              "model '%s' exists already and is not replaced: save under a new "
                              "name, or replace it with --replace (its hand edits are lost)",
                              target);
    else if (!rc && info.state != REGIO_MODEL_PLANNING)
        rc = regio_error_setf(err, REGIO_ECONFLICT, NULL, 0, NULL,
                              "territory model '%s' is %s and is never replaced; clone it or save "
                              "under a new name",
                              target, regio_model_state_name(info.state));
    *exists = rc == REGIO_OK;
    regio_model_info_clear(&info);
    return rc;
}

/* The territories a save writes, in the order it writes them. */
typedef struct terr_batch {
    regio_territory_write *t;
    size_t n, cap;
} terr_batch;

static regio_err batch_add(terr_batch *b, regio_territory_write w)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        regio_territory_write *t = regio_realloc(b->t, cap * sizeof *t);
        if (!t)
            return REGIO_ENOMEM;
        b->t = t;
        b->cap = cap;
    }
    b->t[b->n++] = w;
    return REGIO_OK;
}

/* Adds node id of base (and first its ancestors) to the batch once. */
static regio_err save_node(terr_batch *b, const regio_model_view *base, const char *id,
                           regio_strmap *done, int depth)
{
    if (regio_strmap_get(done, id) >= 0)
        return REGIO_OK;
    const regio_model_node *nd = regio_model_view_node(base, id);
    regio_err rc = REGIO_OK;
    if (nd && nd->parent && depth < 64)
        rc = save_node(b, base, nd->parent, done, depth + 1);
    regio_territory_write w = {id, nd && nd->name ? nd->name : id, nd ? nd->parent : NULL,
                               nd ? nd->rep : NULL, 1, nd && nd->rep};
    if (!rc)
        rc = batch_add(b, w);
    int found = 0;
    long old = 0;
    if (!rc)
        rc = regio_strmap_put(done, id, 1, &found, &old);
    return rc;
}

regio_err regio_model_view_save(regio_store *s, const regio_design_problem *units,
                                const regio_model_view *base, int k, char *const *names,
                                const int *labels, const char *const *reps, const char *target,
                                unsigned flags, const char *actor, regio_error *err)
{
    return regio_model_view_save_explained(s, units, base, k, names, labels, reps, NULL, 0,
                                           target, flags, actor, err);
}

/* The reasons as the store keeps them: unit ids, territory names, kind,
 * sentence and numbers (texts and JSON in one buffer each, offsets kept
 * until the buffers stop growing). */
static regio_err save_reasons(regio_store *s, const regio_design_problem *units, int realign,
                              int k, char *const *names, const regio_design_reason *reasons,
                              size_t n, const char *target, regio_error *err)
{
    regio_unit_reason *rows = n ? regio_calloc(n, sizeof *rows) : NULL;
    size_t *at = n ? regio_calloc(2 * n, sizeof *at) : NULL;
    regio_buf text, data;
    regio_buf_init(&text, 0);
    regio_buf_init(&data, 0);
    regio_err rc = n && (!rows || !at) ? REGIO_ENOMEM : REGIO_OK;
    regio_design_problem q = *units;
    q.params.territory_names = (const char *const *)names;
    q.params.k = k;
    q.params.realign = realign; /* the sentences say "move" */
    q.territory = (char **)names;
    for (size_t i = 0; !rc && i < n; i++) {
        const regio_design_reason *r = &reasons[i];
        if (r->unit >= units->in.n || r->from < 0 || r->from >= k || r->to < 0 || r->to >= k) {
            rc = regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                  "a reason names a unit or territory outside the result");
            break;
        }
        char sentence[400];
        at[2 * i] = text.len;
        rc = regio_buf_puts(&text, regio_design_reason_text(&q.in, &q.params, r, sentence,
                                                            sizeof sentence));
        if (!rc)
            rc = regio_buf_putc(&text, 0);
        at[2 * i + 1] = data.len;
        if (!rc)
            rc = regio_design_reason_json(&q, r, &data);
        if (!rc)
            rc = regio_buf_putc(&data, 0);
    }
    for (size_t i = 0; !rc && i < n; i++) {
        const regio_design_reason *r = &reasons[i];
        rows[i].unit_id = units->loaded.units->units[r->unit].id;
        rows[i].from = names[r->from];
        rows[i].to = names[r->to];
        rows[i].kind = regio_design_reason_kind_name(r->kind);
        rows[i].text = text.data + at[2 * i];
        rows[i].data = data.data + at[2 * i + 1];
    }
    if (!rc)
        rc = regio_store_model_reasons_set(s, target, rows, n, err);
    regio_buf_free(&text);
    regio_buf_free(&data);
    regio_free(rows);
    regio_free(at);
    return rc;
}

regio_err regio_model_view_save_explained(regio_store *s, const regio_design_problem *units,
                                          const regio_model_view *base, int k,
                                          char *const *names, const int *labels,
                                          const char *const *reps,
                                          const regio_design_reason *reasons, size_t n_reasons,
                                          const char *target, unsigned flags, const char *actor,
                                          regio_error *err)
{
    const regio_unitset *us = units->loaded.units;
    size_t n = us->n;
    for (size_t i = 0; i < n; i++)
        if (labels[i] < 0 || labels[i] >= k)
            return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                    "unit '%s' has no territory among the %d", us->units[i].id, k);
    regio_strmap *done = regio_strmap_create((size_t)k + 1);
    if (!done)
        return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    regio_err rc = flags & REGIO_SAVE_IN_TXN ? REGIO_OK : regio_store_begin(s, err);
    if (rc) {
        regio_strmap_destroy(done);
        return rc;
    }
    int exists = 0;
    rc = regio_model_save_check(s, target, flags, &exists, err);
    if (!rc && exists) {
        rc = regio_store_model_reset(s, target, actor ? actor : "cli", err);
    } else if (!rc) {
        regio_error_clear(err);
        rc = regio_store_model_create(s, target, REGIO_MODEL_PLANNING, NULL,
                                      base ? base->model : NULL,
                                      base ? "territory realign" : "territory design", NULL, err);
    }
    /* The territories, then the reps chosen for the result (they replace
     * those kept from base), then the alignment: each a batch, which
     * PostgreSQL writes in a few statements. */
    terr_batch tb = {NULL, 0, 0};
    for (int t = 0; !rc && t < k; t++) {
        regio_territory_write w = {names[t], names[t], NULL, NULL, 1, 0};
        rc = base ? save_node(&tb, base, names[t], done, 0) : batch_add(&tb, w);
    }
    if (!rc)
        rc = regio_store_territories_write(s, target, tb.t, tb.n, NULL, NULL, err);
    tb.n = 0;
    for (int t = 0; !rc && reps && t < k; t++) {
        const regio_model_node *nd = base ? regio_model_view_node(base, names[t]) : NULL;
        const char *had = nd ? nd->rep : NULL;
        regio_territory_write w = {names[t], NULL, NULL, reps[t], 0, 1};
        if (reps[t] != had && (!reps[t] || !had || strcmp(reps[t], had) != 0))
            rc = batch_add(&tb, w);
    }
    if (!rc && tb.n)
        rc = regio_store_territories_write(s, target, tb.t, tb.n, NULL, NULL, err);
    regio_free(tb.t);
    const char **uids = regio_malloc((n ? n : 1) * sizeof *uids);
    const char **tids = regio_malloc((n ? n : 1) * sizeof *tids);
    if (!rc && (!uids || !tids))
        rc = REGIO_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        uids[i] = us->units[i].id;
        tids[i] = names[labels[i]];
    }
    size_t bad = n;
    if (!rc && n)
        rc = regio_store_alignment_set_many(s, target, uids, tids, n, &bad, err);
    if ((rc == REGIO_EDATA || rc == REGIO_ENOTFOUND) && bad < n)
        rc = regio_error_setf(err, REGIO_EDATA, NULL, 0, NULL,
                              "unit '%s' is not in the store: import the units before "
                              "saving a model",
                              us->units[bad].id);
    regio_free(uids);
    regio_free(tids);
    /* The base's locked units stay locked in the new model. */
    if (!rc && base) {
        size_t n_locked = 0;
        for (size_t i = 0; i < base->units->in.n; i++)
            n_locked += base->locked[i] != 0;
        const char **ids = n_locked ? regio_malloc(n_locked * sizeof *ids) : NULL;
        if (n_locked && !ids)
            rc = REGIO_ENOMEM;
        size_t j = 0;
        for (size_t i = 0; ids && i < base->units->in.n; i++)
            if (base->locked[i])
                ids[j++] = base->units->loaded.units->units[i].id;
        long rev = 0;
        if (!rc && j)
            rc = regio_store_alignment_revision(s, target, &rev, err);
        if (!rc && j)
            rc = regio_store_alignment_lock(s, target, rev, ids, j, 1, actor, NULL, NULL, err);
        regio_free(ids);
    }
    if (!rc)
        rc = save_reasons(s, units, base != NULL, k, names, reasons, n_reasons, target, err);
    if (!rc) {
        char detail[160];
        snprintf(detail, sizeof detail, "{\"units\":%zu,\"territories\":%d}", n, k);
        rc = regio_store_audit_append(s, actor ? actor : "cli", "design.save", "model", target,
                                      NULL, detail, err);
    }
    /* In the caller's transaction, the caller commits or rolls back. */
    if (!(flags & REGIO_SAVE_IN_TXN) && !rc)
        rc = regio_store_commit(s, err);
    else if (!(flags & REGIO_SAVE_IN_TXN))
        regio_store_rollback(s, NULL);
    regio_strmap_destroy(done);
    if (rc == REGIO_ENOMEM)
        regio_error_setf(err, rc, NULL, 0, NULL, "out of memory saving model '%s'", target);
    return rc;
}
