/*
 * Proposals, not one answer (regio_design_propose, regio/design.h): the
 * Pareto front of travel vs balance (design) or disruption vs balance
 * (realign) from runs of the one engine with the tolerances scaled by a
 * fixed ladder, so the front is as deterministic as a single run.
 */
#include "design/design_internal.h"

#include <stdio.h>
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

/* ---- polishing a realign's balance within its own disruption --------------- */

typedef struct polish {
    const regio_design_input *in;
    const regio_design_params *p;
    int k, nb, tcol;
    const int *cols;
    double *scale;  /* nb: tolerance / the column's tolerance */
    double *target; /* k*nb */
    double *load;   /* k*nb */
    double *fig;    /* k: the territory's largest scaled |deviation| */
    int *size;      /* k units */
    int *lab;       /* n */
    int *mark, stamp, *queue;
} polish;

static double fig_of(const polish *P, int t, const double *load)
{
    double f = 0;
    for (int q = 0; q < P->nb; q++) {
        double tg = P->target[t * P->nb + q];
        if (tg > 0)
            f = fmax(f, fabs(load[q] / tg - 1.0) * P->scale[q]);
    }
    return f;
}

/* Whether territory t stays connected without unit u. */
static int connected_without(polish *P, int t, int u)
{
    const regio_design_input *in = P->in;
    int start = -1;
    for (int a = in->xadj[u]; a < in->xadj[u + 1] && start < 0; a++)
        if (P->lab[in->adjncy[a]] == t)
            start = in->adjncy[a];
    if (start < 0)
        return 0; /* alone in t (polished designs are contiguous) */
    P->stamp++;
    P->mark[u] = P->stamp;
    P->mark[start] = P->stamp;
    int head = 0, tail = 0, seen = 1;
    P->queue[tail++] = start;
    while (head < tail) {
        int v = P->queue[head++];
        for (int a = in->xadj[v]; a < in->xadj[v + 1]; a++) {
            int w = in->adjncy[a];
            if (P->lab[w] == t && P->mark[w] != P->stamp) {
                P->mark[w] = P->stamp;
                P->queue[tail++] = w;
                seen++;
            }
        }
    }
    return seen == P->size[t] - 1;
}

/*
 * Lowers the largest scaled deviation of a realign's labels by single
 * boundary moves that keep every territory connected, the locks, groups
 * and the labels' own disruption (units and weight moved from the
 * baseline never grow; with use_budget they may grow up to the run's
 * budget, max_moved_units and max_moved_weight): each step takes the move that lowers (largest
 * deviation, sum of squared deviations) the most, at the worst territory.
 * Returns the number of moves made, or -1 out of memory.
 */
static int polish_realign(const regio_design_input *in, const regio_design_params *p, int *labels,
                          int use_budget)
{
    size_t n = in->n, m = in->m;
    int k = p->k;
    static const int col0 = 0;
    polish P = {in, p, k, p->balance_cols ? (int)p->n_balance : 1, regio__design_travel_col(p),
                p->balance_cols ? p->balance_cols : &col0, NULL, NULL, NULL, NULL, NULL, labels,
                NULL, 0, NULL};
    P.scale = regio_malloc((size_t)P.nb * sizeof *P.scale);
    P.target = regio_calloc((size_t)k * P.nb, sizeof *P.target);
    P.load = regio_calloc((size_t)k * P.nb, sizeof *P.load);
    P.fig = regio_malloc((size_t)k * sizeof *P.fig);
    P.size = regio_calloc((size_t)k, sizeof *P.size);
    P.mark = regio_calloc(n, sizeof *P.mark);
    P.queue = regio_malloc(n * sizeof *P.queue);
    int moves = -1;
    if (!P.scale || !P.target || !P.load || !P.fig || !P.size || !P.mark || !P.queue)
        goto done;
    double tol = p->tolerance > 0 ? p->tolerance : REGIO_DESIGN_DEFAULT_TOLERANCE;
    for (int q = 0; q < P.nb; q++) {
        double tq = regio_design_tolerance_of(p, (size_t)q);
        P.scale[q] = tq > 0 ? tol / tq : 1.0;
    }
    double ssum = 0;
    for (int t = 0; t < k; t++)
        ssum += p->target_shares ? p->target_shares[t] : 1.0;
    double moved = 0, moved_w = 0, cap = 0, cap_w = 0;
    for (size_t i = 0; i < n; i++) {
        double w = P.tcol >= 0 ? in->measures[i * m + (size_t)P.tcol] : 1.0;
        P.size[labels[i]]++;
        for (int q = 0; q < P.nb; q++) {
            double a = in->measures[i * m + (size_t)P.cols[q]];
            P.load[labels[i] * P.nb + q] += a;
            for (int t = 0; t < k; t++)
                P.target[t * P.nb + q] += a * (p->target_shares ? p->target_shares[t] : 1.0) / ssum;
        }
        if (labels[i] != p->baseline[i]) {
            moved++;
            moved_w += w;
        }
    }
    cap = moved;
    cap_w = moved_w;
    if (use_budget && p->max_moved_units > 0)
        cap = fmax(cap, floor(p->max_moved_units * (double)n + 1e-9));
    if (use_budget && p->max_moved_weight > 0) {
        double wsum = 0;
        for (size_t i = 0; i < n; i++)
            wsum += P.tcol >= 0 ? in->measures[i * m + (size_t)P.tcol] : 1.0;
        cap_w = fmax(cap_w, p->max_moved_weight * wsum);
    } else if (use_budget) {
        cap_w = INFINITY;
    }
    moves = 0;
    double newl[2][64];
    for (int iter = 0; iter < 50 * k && P.nb <= 64; iter++) {
        int worst = 0;
        double W = 0, S = 0;
        for (int t = 0; t < k; t++) {
            P.fig[t] = fig_of(&P, t, P.load + t * P.nb);
            S += P.fig[t] * P.fig[t];
            if (P.fig[t] > W) {
                W = P.fig[t];
                worst = t;
            }
        }
        if (W <= 0)
            break;
        int best_u = -1, best_to = -1;
        double bW = W, bS = S;
        for (size_t u = 0; u < n; u++) {
            int from = labels[u];
            if ((p->locked && p->locked[u] >= 0) || (p->groups && p->groups[u] >= 0) ||
                P.size[from] <= 1)
                continue;
            for (int a = in->xadj[u]; a < in->xadj[u + 1]; a++) {
                int to = labels[in->adjncy[a]];
                if (to == from || (from != worst && to != worst))
                    continue;
                double w = P.tcol >= 0 ? in->measures[u * m + (size_t)P.tcol] : 1.0;
                int away = from == p->baseline[u], home = to == p->baseline[u];
                double dm = (double)away - (double)home, dw = (away - home) * w;
                if (moved + dm > cap + 1e-9 || moved_w + dw > cap_w + 1e-9)
                    continue;
                for (int q = 0; q < P.nb; q++) {
                    double x = in->measures[u * m + (size_t)P.cols[q]];
                    newl[0][q] = P.load[from * P.nb + q] - x;
                    newl[1][q] = P.load[to * P.nb + q] + x;
                }
                double ff = fig_of(&P, from, newl[0]), ft = fig_of(&P, to, newl[1]);
                double nW = fmax(ff, ft), nS = S - P.fig[from] * P.fig[from] -
                                                  P.fig[to] * P.fig[to] + ff * ff + ft * ft;
                for (int t = 0; t < k && nW < bW; t++)
                    if (t != from && t != to)
                        nW = fmax(nW, P.fig[t]);
                int better = nW < bW - 1e-12 || (nW <= bW + 1e-12 && nS < bS - 1e-12);
                if (better && connected_without(&P, from, (int)u)) {
                    bW = nW;
                    bS = nS;
                    best_u = (int)u;
                    best_to = to;
                }
            }
        }
        if (best_u < 0)
            break;
        int from = labels[best_u];
        double w = P.tcol >= 0 ? in->measures[(size_t)best_u * m + (size_t)P.tcol] : 1.0;
        int away = from == p->baseline[best_u], home = best_to == p->baseline[best_u];
        moved += away - home;
        moved_w += (away - home) * w;
        for (int q = 0; q < P.nb; q++) {
            double x = in->measures[(size_t)best_u * m + (size_t)P.cols[q]];
            P.load[from * P.nb + q] -= x;
            P.load[best_to * P.nb + q] += x;
        }
        P.size[from]--;
        P.size[best_to]++;
        labels[best_u] = best_to;
        moves++;
    }
done:
    regio_free(P.scale);
    regio_free(P.target);
    regio_free(P.load);
    regio_free(P.fig);
    regio_free(P.size);
    regio_free(P.mark);
    regio_free(P.queue);
    return moves;
}

/* After a polish: the result's report, moved units and reasons measured
 * again for the new labels; its status and diagnostics say whether the
 * balance now holds (the polish keeps contiguity, locks and the budget). */
static regio_err refresh(const regio_design_input *in, const regio_design_params *p,
                         regio_design_proposal *c, regio_error *err)
{
    regio_design_result *r = &c->result;
    regio_design_report_free(&r->report);
    regio_free(r->reasons);
    r->reasons = NULL;
    r->n_reasons = 0;
    regio_err rc = regio_design_evaluate(in, p, r->labels, &r->report, err);
    if (!rc)
        rc = regio_design_explain(in, p, r->labels, &r->report, &r->reasons, &r->n_reasons, err);
    if (rc)
        return rc;
    regio_free(r->moved);
    r->n_moved = 0;
    r->moved = r->report.moved_units ? regio_malloc(r->report.moved_units * sizeof *r->moved) : NULL;
    for (size_t i = 0; r->moved && i < in->n; i++)
        if (r->labels[i] != p->baseline[i])
            r->moved[r->n_moved++] = i;
    for (size_t i = 0; i < r->n_diagnostics; i++)
        regio_free(r->diagnostics[i]);
    r->n_diagnostics = 0;
    double figure = regio_design_balance_figure(p, &r->report);
    double tol = p->tolerance > 0 ? p->tolerance : REGIO_DESIGN_DEFAULT_TOLERANCE;
    c->status = figure <= tol + 1e-12 ? REGIO_OK : REGIO_EINFEASIBLE;
    char line[160];
    snprintf(line, sizeof line, "balance %.2f%% after the polish, above the %.2f%% tolerance",
             100 * figure, 100 * tol);
    if (c->status != REGIO_OK && r->diagnostics && (r->diagnostics[0] = regio_strdup(line)))
        r->n_diagnostics = 1;
    if (r->report.moved_units && !r->moved)
        return fail(err, REGIO_ENOMEM, "out of memory in proposals");
    return REGIO_OK;
}

regio_err regio_design_propose(const regio_design_input *in, const regio_design_params *params,
                               int max_proposals, regio_design_proposals *out, regio_error *err)
{
    /* A realign under a tolerance it cannot reach spends its budget
     * without gain (on the Texas drift case 0.5x ends at 9% off), so its
     * ladder only loosens; its balanced end comes from the polish below. */
    static const double design_ladder[] = {1, 0.5, 2, 0.25, 3, 0.75, 1.5, 0.125, 5};
    static const double realign_ladder[] = {1, 2, 1, 3, 1.5, 1, 5, 1.25, 4};
    const double *ladder = params && params->realign ? realign_ladder : design_ladder;
    const int n_ladder = (int)(sizeof design_ladder / sizeof design_ladder[0]);
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
    /* one more for a realign's polished balanced end */
    regio_design_proposal *cand = regio_calloc((size_t)runs + 1, sizeof *cand);
    double *tols = params->tolerances ? regio_malloc(nb * sizeof *tols) : NULL;
    int *ok = regio_calloc((size_t)runs + 1, sizeof *ok);
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
        /* a factor met again runs with the next seed */
        for (int e = 0; e < r; e++)
            q.seed += ladder[e] == ladder[r];
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
        /* A realign's balance polished within its own disruption: the
         * polished design dominates the run's (or equals it). */
        if (params->realign && params->baseline && c->result.report.n_noncontiguous == 0) {
            int moves = polish_realign(in, &q, c->result.labels, 0);
            regio_err prc = moves < 0   ? fail(err, REGIO_ENOMEM, "out of memory in proposals")
                            : moves > 0 ? refresh(in, &q, c, err)
                                        : REGIO_OK;
            if (prc) {
                done++;
                rc = prc;
                break;
            }
        }
        /* The figures against the caller's tolerances, not the run's. */
        c->balance = regio_design_balance_figure(params, &c->result.report);
        c->cost = params->realign ? c->result.report.moved_units_share : c->result.report.travel_km;
        ok[done] = admissible(in, params, &c->result);
        done++;
    }
    /* A realign's balanced end: its most balanced admissible run polished
     * with the whole budget (a new point: more balanced, maybe more moves). */
    if (!rc && !cancelled && params->realign && params->baseline && done > 0) {
        int top = -1;
        for (int a = 0; a < done; a++)
            if (ok[a] && (top < 0 || cand[a].balance < cand[top].balance))
                top = a;
        regio_design_proposal *c = &cand[done];
        int *labels = top >= 0 ? regio_malloc(in->n * sizeof *labels) : NULL;
        if (top >= 0 && !labels)
            rc = fail(err, REGIO_ENOMEM, "out of memory in proposals");
        if (labels) {
            memcpy(labels, cand[top].result.labels, in->n * sizeof *labels);
            regio_design_params q = *params;
            int moves = polish_realign(in, &q, labels, 1);
            if (moves < 0) {
                rc = fail(err, REGIO_ENOMEM, "out of memory in proposals");
                regio_free(labels);
            } else if (moves == 0) {
                regio_free(labels);
            } else {
                c->result.labels = labels;
                c->tolerance_factor = cand[top].tolerance_factor;
                rc = refresh(in, &q, c, err);
                c->balance = regio_design_balance_figure(params, &c->result.report);
                c->cost = c->result.report.moved_units_share;
                ok[done] = !rc && admissible(in, params, &c->result);
                done++;
            }
        }
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
        /* and the point that covers the single-answer run (run 0) */
        for (int a = 0; a < nf && nk < max_proposals; a++) {
            const regio_design_proposal *x = &cand[front[a]];
            if (x->balance <= cand[0].balance + 1e-12 && x->cost <= cand[0].cost + 1e-12) {
                nk += !kept[front[a]];
                kept[front[a]] = 1;
                break;
            }
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
