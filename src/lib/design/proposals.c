/*
 * Proposals, not one answer (regio_design_propose, regio/design.h): the
 * Pareto front of travel vs balance (design) or disruption vs balance
 * (realign) from runs of the one engine with the tolerances scaled by a
 * fixed ladder, so the front is as deterministic as a single run.
 */
#include "design/design_internal.h"

#include <string.h>

#define fail(err, code, ...) regio_error_setf((err), (code), NULL, 0, NULL, __VA_ARGS__)

double regio_design_index_balance(const regio_design_params *params, const regio_design_report *r)
{
    if (!params || !params->index_weights || !params->balance_cols)
        return 0;
    double wsum = 0, worst = 0;
    for (size_t i = 0; i < params->n_balance; i++)
        wsum += params->index_weights[i];
    for (int t = 0; wsum > 0 && t < r->k; t++) {
        double d = 0;
        for (size_t i = 0; i < params->n_balance; i++)
            d += params->index_weights[i] * r->territories[t].dev[params->balance_cols[i]];
        d /= wsum;
        if (fabs(d) > worst)
            worst = fabs(d);
    }
    return worst;
}

double regio_design_balance_figure(const regio_design_params *params, const regio_design_report *r)
{
    double tol = params->tolerance > 0 ? params->tolerance : REGIO_DESIGN_DEFAULT_TOLERANCE;
    double worst = 0;
    int through_index = 0;
    size_t nb = params->balance_cols ? params->n_balance : 1;
    for (size_t i = 0; i < nb; i++) {
        int c = params->balance_cols ? params->balance_cols[i] : 0;
        double tc = regio_design_tolerance_of(params, i);
        if (tc <= 0) {
            through_index = 1;
            continue;
        }
        double v = r->balance[c] * tol / tc;
        if (v > worst)
            worst = v;
    }
    if (through_index) {
        double v = regio_design_index_balance(params, r);
        if (v > worst)
            worst = v;
    }
    return worst;
}

void regio_design_proposals_free(regio_design_proposals *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        regio_design_result_free(&p->items[i].result);
    regio_free(p->items);
    memset(p, 0, sizeof *p);
}

/* The progress of run `run` of `runs` as a share of the whole. */
typedef struct prop_progress {
    regio_progress_fn fn;
    void *ud;
    int run, runs;
} prop_progress;

static int on_progress(void *ud, double fraction, const char *phase)
{
    prop_progress *pp = ud;
    (void)phase;
    return pp->fn(pp->ud, (pp->run + fraction) / pp->runs, "proposals");
}

/* a is as good as b on both figures and better on one. */
static int dominates(const regio_design_proposal *a, const regio_design_proposal *b)
{
    const double eps = 1e-12;
    return a->balance <= b->balance + eps && a->cost <= b->cost + eps &&
           (a->balance < b->balance - eps || a->cost < b->cost - eps);
}

/* Whether a run's result keeps what every proposal must: contiguity,
 * locks and the disruption budget. */
static int admissible(const regio_design_input *in, const regio_design_params *p,
                      const regio_design_result *r)
{
    if (r->report.n_noncontiguous > 0)
        return 0;
    for (size_t i = 0; p->locked && i < in->n; i++)
        if (p->locked[i] >= 0 && r->labels[i] != p->locked[i])
            return 0;
    if (p->realign) {
        if (p->max_moved_units > 0 && r->report.moved_units_share > p->max_moved_units + 1e-12)
            return 0;
        if (p->max_moved_weight > 0 && r->report.moved_weight_share > p->max_moved_weight + 1e-12)
            return 0;
    }
    return 1;
}

regio_err regio_design_propose(const regio_design_input *in, const regio_design_params *params,
                               int max_proposals, regio_design_proposals *out, regio_error *err)
{
    static const double ladder[] = {1, 0.5, 2, 0.25, 3, 0.75, 1.5, 0.125, 5};
    const int n_ladder = (int)(sizeof ladder / sizeof ladder[0]);
    if (!out)
        return fail(err, REGIO_EINVAL, "proposals: out is required");
    memset(out, 0, sizeof *out);
    if (!params || max_proposals < 1 || max_proposals > 20)
        return fail(err, REGIO_EINVAL, "proposals: ask for 1 to 20 proposals");
    int runs = max_proposals + 2;
    runs = runs < 3 ? 3 : runs > n_ladder ? n_ladder : runs;
    double t0 = regio__now();
    double base = params->tolerance > 0 ? params->tolerance : REGIO_DESIGN_DEFAULT_TOLERANCE;
    size_t nb = params->balance_cols ? params->n_balance : 1;
    regio_design_proposal *cand = regio_calloc((size_t)runs, sizeof *cand);
    double *tols = params->tolerances ? regio_malloc(nb * sizeof *tols) : NULL;
    int *ok = regio_calloc((size_t)runs, sizeof *ok);
    if (!cand || (params->tolerances && !tols) || !ok) {
        regio_free(cand);
        regio_free(tols);
        regio_free(ok);
        return fail(err, REGIO_ENOMEM, "out of memory in proposals");
    }
    prop_progress pp = {params->progress, params->progress_ud, 0, runs};
    regio_err rc = REGIO_OK;
    int done = 0, cancelled = 0;
    for (int r = 0; r < runs && !cancelled; r++) {
        regio_design_params q = *params;
        q.tolerance = fmin(base * ladder[r], 0.95);
        for (size_t i = 0; tols && i < nb; i++)
            tols[i] = params->tolerances[i] > 0 ? fmin(params->tolerances[i] * ladder[r], 0.95) : 0;
        q.tolerances = tols;
        if (params->progress) {
            pp.run = r;
            q.progress = on_progress;
            q.progress_ud = &pp;
        }
        regio_design_proposal *c = &cand[done];
        regio_err st = regio_design_run(in, &q, &c->result, err);
        if (st != REGIO_OK && st != REGIO_EINFEASIBLE && st != REGIO_ECANCELLED) {
            rc = st;
            break;
        }
        regio_error_clear(err);
        cancelled = st == REGIO_ECANCELLED;
        c->status = st == REGIO_ECANCELLED ? REGIO_EINFEASIBLE : st;
        c->tolerance_factor = ladder[r];
        /* The figures against the caller's tolerances, not the run's. */
        c->balance = regio_design_balance_figure(params, &c->result.report);
        c->cost = params->realign ? c->result.report.moved_units_share : c->result.report.travel_km;
        ok[done] = admissible(in, params, &c->result);
        done++;
    }
    regio_free(tols);
    out->runs = done;
    int *front = NULL, *kept = NULL;
    if (rc)
        goto cleanup;
    if (done == 0) {
        rc = fail(err, REGIO_ECANCELLED, "proposals cancelled before the first run ended");
        goto cleanup;
    }
    /* Without an admissible run the best effort (the first run) stands. */
    int any = 0;
    for (int r = 0; r < done; r++)
        any |= ok[r];
    if (!any)
        ok[0] = 1;
    /* The front: admissible, dominated by no admissible run, and not a
     * repeat of an earlier run's figures. */
    front = regio_malloc((size_t)done * sizeof *front);
    kept = regio_calloc((size_t)done, sizeof *kept);
    if (!front || !kept) {
        rc = fail(err, REGIO_ENOMEM, "out of memory in proposals");
        goto cleanup;
    }
    int nf = 0;
    for (int a = 0; a < done; a++) {
        if (!ok[a])
            continue;
        int keep = 1;
        for (int b = 0; b < done && keep; b++) {
            if (b == a || !ok[b])
                continue;
            if (dominates(&cand[b], &cand[a]))
                keep = 0;
            else if (b < a && fabs(cand[b].balance - cand[a].balance) <= 1e-12 &&
                     fabs(cand[b].cost - cand[a].cost) <= 1e-12)
                keep = 0;
        }
        if (keep)
            front[nf++] = a;
    }
    /* Most balanced first (ties: the cheaper first). */
    for (int a = 1; a < nf; a++) {
        int v = front[a], b = a;
        while (b > 0 && (cand[front[b - 1]].balance > cand[v].balance ||
                         (cand[front[b - 1]].balance == cand[v].balance &&
                          cand[front[b - 1]].cost > cand[v].cost))) {
            front[b] = front[b - 1];
            b--;
        }
        front[b] = v;
    }
    /* Thin to max_proposals: both ends, then the furthest from those kept. */
    int nk = 0;
    if (nf <= max_proposals) {
        for (int a = 0; a < nf; a++)
            kept[front[a]] = 1;
        nk = nf;
    } else {
        double bmin = cand[front[0]].balance, bmax = cand[front[nf - 1]].balance;
        double cmin = cand[front[nf - 1]].cost, cmax = cand[front[0]].cost;
        double bs = bmax > bmin ? bmax - bmin : 1, cs = cmax > cmin ? cmax - cmin : 1;
        kept[front[0]] = 1; /* the most balanced */
        nk = 1;
        if (max_proposals >= 2) {
            kept[front[nf - 1]] = 1; /* the cheapest */
            nk = 2;
        }
        while (nk < max_proposals) {
            int pick = -1;
            double far = -1;
            for (int a = 0; a < nf; a++) {
                const regio_design_proposal *x = &cand[front[a]];
                if (kept[front[a]])
                    continue;
                double near = INFINITY;
                for (int b = 0; b < nf; b++) {
                    if (!kept[front[b]])
                        continue;
                    const regio_design_proposal *y = &cand[front[b]];
                    double db = (x->balance - y->balance) / bs, dc = (x->cost - y->cost) / cs;
                    near = fmin(near, db * db + dc * dc);
                }
                if (near > far) {
                    far = near;
                    pick = front[a];
                }
            }
            kept[pick] = 1;
            nk++;
        }
    }
    out->items = regio_calloc((size_t)nk, sizeof *out->items);
    if (!out->items) {
        rc = fail(err, REGIO_ENOMEM, "out of memory in proposals");
        goto cleanup;
    }
    for (int a = 0; a < nf; a++)
        if (kept[front[a]]) {
            out->items[out->n++] = cand[front[a]];
            memset(&cand[front[a]].result, 0, sizeof cand[front[a]].result);
        }
    out->realign = params->realign != 0;
    out->seconds = regio__now() - t0;
    if (cancelled)
        rc = fail(err, REGIO_ECANCELLED, "proposals cancelled after %d of %d runs", done, runs);
cleanup:
    for (int r = 0; r < done; r++)
        regio_design_result_free(&cand[r].result);
    regio_free(kept);
    regio_free(front);
    regio_free(cand);
    regio_free(ok);
    return rc;
}
