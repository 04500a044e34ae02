/*
 * Reps for the territories of a design or realign result before it is
 * saved (regio/model_view.h): the store's reps and their homes, the reps a
 * realign keeps from its base model, and the assignment of the others by
 * the design engine (regio_rep_assign, design/rep_assign.c).
 */
#include "model/view_internal.h"

#include "core/grow.h"
#include "regio/strmap.h"

#include <math.h>
#include <string.h>

typedef struct rep_list {
    char **ids;
    double *x, *y;
    size_t n, cap_ids, cap_x, cap_y;
    regio_err rc;
} rep_list;

static int collect_rep(void *ud, const regio_rep *r)
{
    rep_list *l = ud;
    if (regio__grow(&l->ids, &l->cap_ids, l->n + 1, sizeof *l->ids) ||
        regio__grow(&l->x, &l->cap_x, l->n + 1, sizeof *l->x) ||
        regio__grow(&l->y, &l->cap_y, l->n + 1, sizeof *l->y) ||
        !(l->ids[l->n] = regio_strdup(r->id))) {
        l->rc = REGIO_ENOMEM;
        return 1;
    }
    l->x[l->n] = r->lon;
    l->y[l->n] = r->lat;
    l->n++;
    return 0;
}

void regio_model_reps_destroy(regio_model_reps *r)
{
    if (!r)
        return;
    regio_rep_assignment_free(&r->assignment);
    for (size_t i = 0; i < r->n_reps; i++)
        regio_free(r->rep_ids[i]);
    regio_free(r->rep_ids);
    regio_free(r->territory_rep);
    regio_free(r);
}

/* The pins: each territory's rep in base (unless reassigned) or the rep it
 * is named after (by_name), as indices into l. */
static regio_err pins(const rep_list *l, const regio_model_view *base, int k,
                      char *const *names, unsigned flags, int *pinned)
{
    regio_strmap *idx = regio_strmap_create(l->n + 1);
    if (!idx)
        return REGIO_ENOMEM;
    regio_err rc = REGIO_OK;
    for (size_t r = 0; !rc && r < l->n; r++) {
        int found = 0;
        long old = 0;
        rc = regio_strmap_put(idx, l->ids[r], (long)r, &found, &old);
    }
    for (int t = 0; !rc && t < k; t++) {
        pinned[t] = -1;
        const regio_model_node *nd =
            base && !(flags & REGIO_REPS_REASSIGN) ? regio_model_view_node(base, names[t]) : NULL;
        if (nd && nd->rep)
            pinned[t] = (int)regio_strmap_get(idx, nd->rep);
        if (pinned[t] < 0 && (flags & REGIO_REPS_BY_NAME))
            pinned[t] = (int)regio_strmap_get(idx, names[t]);
    }
    regio_strmap_destroy(idx);
    return rc;
}

regio_err regio_model_reps_assign(regio_store *s, const regio_design_problem *units,
                                  const regio_model_view *base, int k, char *const *names,
                                  const int *labels, int weight_col, unsigned flags,
                                  regio_model_reps **out, regio_error *err)
{
    *out = NULL;
    rep_list l;
    memset(&l, 0, sizeof l);
    regio_model_reps *r = regio_calloc(1, sizeof *r);
    int *pinned = regio_malloc((size_t)(k > 0 ? k : 1) * sizeof *pinned);
    regio_err rc = r && pinned ? REGIO_OK : REGIO_ENOMEM;
    if (!rc)
        rc = regio_store_reps_foreach(s, collect_rep, &l, err);
    if (rc == REGIO_ECANCELLED && l.rc)
        rc = l.rc;
    if (r) {
        /* r owns the ids from here on, whatever happens. */
        r->k = k;
        r->rep_ids = l.ids;
        r->n_reps = l.n;
    }
    if (!rc)
        rc = pins(&l, base, k, names, flags, pinned);
    if (!rc)
        rc = regio_rep_assign(&units->in, k, labels, weight_col, l.n, l.x, l.y, pinned,
                              &r->assignment, err);
    if (!rc && !(r->territory_rep = regio_calloc((size_t)(k > 0 ? k : 1),
                                                 sizeof *r->territory_rep)))
        rc = REGIO_ENOMEM;
    for (int t = 0; !rc && t < k; t++) {
        int rep = r->assignment.territory_rep[t];
        r->territory_rep[t] = rep >= 0 ? r->rep_ids[rep] : NULL;
    }
    if (!r)
        for (size_t i = 0; i < l.n; i++)
            regio_free(l.ids[i]);
    if (!r)
        regio_free(l.ids);
    regio_free(l.x);
    regio_free(l.y);
    regio_free(pinned);
    if (rc) {
        regio_model_reps_destroy(r);
        if (rc == REGIO_ENOMEM)
            regio_error_setf(err, rc, NULL, 0, NULL, "out of memory assigning reps");
        return rc;
    }
    *out = r;
    return REGIO_OK;
}

regio_err regio_model_reps_describe(const regio_model_reps *r, const regio_design_problem *units,
                                    char *const *names, regio_buf *out)
{
    return regio_rep_assignment_describe(&r->assignment, units->in.coords,
                                         (const char *const *)names,
                                         (const char *const *)r->rep_ids, out);
}
