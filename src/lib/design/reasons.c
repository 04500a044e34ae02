/*
 * Why each unit is where a design or realign put it (regio_design_explain,
 * regio/design.h). The reasons are found after the search, from the
 * labelling alone, so they hold whatever moves the search made: each
 * moved unit (or, in a design, each unit away from its nearest centre) is
 * undone with the connected block of units that share its move, and the
 * reason is what undoing it would spoil, with the numbers of both states.
 * Cost: O(n + m) for the blocks and the baseline pieces, plus a search of
 * the two territories concerned per block for the contiguity checks.
 */
#include "design/design_internal.h"

#include "regio/format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define fail(err, code, ...) regio_error_setf((err), (code), NULL, 0, NULL, __VA_ARGS__)

const char *regio_design_reason_kind_name(regio_reason_kind kind)
{
    switch (kind) {
    case REGIO_REASON_LOCK: return "lock";
    case REGIO_REASON_GROUP: return "group";
    case REGIO_REASON_CONTIGUITY: return "contiguity";
    case REGIO_REASON_BALANCE: return "balance";
    case REGIO_REASON_TRAVEL: return "travel";
    case REGIO_REASON_NONE: break;
    }
    return "none";
}

typedef struct explainer {
    const regio_design_input *in;
    const int *labels;
    const int *inblock;   /* n: block id + 1 of a unit being undone, else 0 */
    int *mark;            /* n: search stamps */
    int stamp;
    int *queue;           /* n */
} explainer;

/* Whether unit u is in territory t once block b (units with inblock == b,
 * moving from `to` back to `from`) is undone. */
static int member(const explainer *e, size_t u, int t, int b, int from)
{
    if (b && e->inblock[u] == b)
        return t == from;
    return e->labels[u] == t;
}

/* Pieces (connected components in G') of territory t with block b undone;
 * seeds: the territory's units (s1) and the block's (s2, may be empty). */
static int pieces(explainer *e, int t, int b, int from, const int *s1, size_t n1, const int *s2,
                  size_t n2)
{
    const regio_design_input *in = e->in;
    int comps = 0;
    e->stamp++;
    for (size_t s = 0; s < n1 + n2; s++) {
        int u0 = s < n1 ? s1[s] : s2[s - n1];
        if (e->mark[u0] == e->stamp || !member(e, (size_t)u0, t, b, from))
            continue;
        comps++;
        size_t head = 0, tail = 0;
        e->queue[tail++] = u0;
        e->mark[u0] = e->stamp;
        while (head < tail) {
            int u = e->queue[head++];
            for (int a = in->xadj[u]; a < in->xadj[u + 1]; a++) {
                int v = in->adjncy[a];
                if (e->mark[v] != e->stamp && member(e, (size_t)v, t, b, from)) {
                    e->mark[v] = e->stamp;
                    e->queue[tail++] = v;
                }
            }
        }
    }
    return comps;
}

/* The group ids by_group compares (qsort takes no user pointer; one per
 * thread, so explanations on several threads do not mix). */
static _Thread_local const int *group_key;

static int by_group(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    if (group_key[x] != group_key[y])
        return group_key[x] < group_key[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

regio_err regio_design_explain(const regio_design_input *in, const regio_design_params *params,
                               const int *labels, const regio_design_report *report,
                               regio_design_reason **reasons, size_t *n_reasons,
                               regio_error *err)
{
    *reasons = NULL;
    *n_reasons = 0;
    if (!in || !params || !labels || !report || report->k != params->k)
        return fail(err, REGIO_EINVAL, "design explain: missing input");
    size_t n = in->n, m = in->m;
    int k = params->k;
    int realign = params->realign && params->baseline;
    int planar = in->coords == REGIO_COORDS_PLANAR;
    int homes = params->home_x && params->home_y;
    static const int col0 = 0;
    const int *bcols = params->balance_cols ? params->balance_cols : &col0;
    size_t nb = params->balance_cols ? params->n_balance : 1;

    regio_err rc = REGIO_ENOMEM;
    int *alt = regio_malloc(n * sizeof *alt);       /* the counterfactual territory, -1 none */
    int *inblock = regio_calloc(n, sizeof *inblock); /* block id + 1 */
    int *mark = regio_calloc(n, sizeof *mark);
    int *queue = regio_malloc(n * sizeof *queue);
    int *blk = regio_malloc(n * sizeof *blk);       /* the block being explained */
    int *gsize = NULL;                              /* n: size of the unit's group */
    int *gnext = NULL;                              /* n: next unit of its group (a ring) */
    int *order = regio_malloc(n * sizeof *order);   /* units grouped by territory */
    size_t *tstart = regio_calloc((size_t)k + 2, sizeof *tstart);
    int *piece = realign ? regio_malloc(n * sizeof *piece) : NULL; /* baseline piece size if detached */
    double *cpt = regio_malloc(3 * (size_t)k * sizeof *cpt);      /* centre points */
    int *has_c = regio_calloc((size_t)k, sizeof *has_c);
    double *bsum = regio_malloc((m ? m : 1) * sizeof *bsum);
    regio_design_reason *out = NULL;
    size_t nout = 0;
    if (!alt || !inblock || !mark || !queue || !blk || !order || !tstart || (realign && !piece) || !cpt ||
        !has_c || !bsum)
        goto done;
    explainer e = {in, labels, inblock, mark, 0, queue};

    for (int t = 0; t < k; t++) {
        const regio_design_territory *T = &report->territories[t];
        if (homes) {
            regio__design_point(in->coords, params->home_x[t], params->home_y[t], cpt + 3 * t);
            has_c[t] = 1;
        } else if (T->centre >= 0) {
            size_t c = (size_t)T->centre;
            regio__design_point(in->coords, in->x[c], in->y[c], cpt + 3 * t);
            has_c[t] = 1;
        }
    }
    /* Units by territory (the searches start from these seeds). */
    for (size_t i = 0; i < n; i++)
        if (labels[i] >= 0 && labels[i] < k)
            tstart[labels[i] + 1]++;
    for (int t = 0; t < k; t++)
        tstart[t + 1] += tstart[t];
    {
        size_t *fill = regio_malloc(((size_t)k + 1) * sizeof *fill);
        if (!fill)
            goto done;
        memcpy(fill, tstart, ((size_t)k + 1) * sizeof *fill);
        for (size_t i = 0; i < n; i++)
            if (labels[i] >= 0 && labels[i] < k)
                order[fill[labels[i]]++] = (int)i;
        regio_free(fill);
    }

    /* The counterfactual of each unit. */
    size_t want = 0;
    for (size_t i = 0; i < n; i++) {
        alt[i] = -1;
        if (labels[i] < 0 || labels[i] >= k)
            continue;
        if (realign) {
            int b = params->baseline[i];
            if (b >= 0 && b < k && b != labels[i])
                alt[i] = b;
        } else {
            double p[3];
            regio__design_point(in->coords, in->x[i], in->y[i], p);
            int own = labels[i];
            double dbest = has_c[own] ? regio__pdist(planar, p, cpt + 3 * own) : INFINITY;
            int best = own;
            for (int t = 0; t < k; t++) {
                if (!has_c[t] || t == own)
                    continue;
                double d = regio__pdist(planar, p, cpt + 3 * t);
                if (d < dbest - 1e-9) {
                    dbest = d;
                    best = t;
                }
            }
            if (best != own)
                alt[i] = best;
        }
        want += alt[i] >= 0;
    }
    out = want ? regio_calloc(want, sizeof *out) : NULL;
    if (want && !out)
        goto done;

    /* Realign: pieces of the baseline territories cut off from their
     * largest piece (ties: the piece of the lowest unit index). */
    if (realign) {
        int *cid = regio_malloc(n * sizeof *cid);
        size_t *csize = regio_malloc(n * sizeof *csize);
        int *tbest = regio_malloc((size_t)k * sizeof *tbest);
        if (!cid || !csize || !tbest) {
            regio_free(cid);
            regio_free(csize);
            regio_free(tbest);
            goto done;
        }
        for (size_t i = 0; i < n; i++)
            cid[i] = -1;
        for (int t = 0; t < k; t++)
            tbest[t] = -1;
        int nc = 0;
        for (size_t i = 0; i < n; i++) {
            int t = params->baseline[i];
            if (cid[i] >= 0 || t < 0 || t >= k)
                continue;
            size_t head = 0, tail = 0;
            queue[tail++] = (int)i;
            cid[i] = nc;
            while (head < tail) {
                int u = queue[head++];
                for (int a = in->xadj[u]; a < in->xadj[u + 1]; a++) {
                    int v = in->adjncy[a];
                    if (cid[v] < 0 && params->baseline[v] == t) {
                        cid[v] = nc;
                        queue[tail++] = v;
                    }
                }
            }
            csize[nc] = tail;
            if (tbest[t] < 0 || tail > csize[tbest[t]])
                tbest[t] = nc;
            nc++;
        }
        for (size_t i = 0; i < n; i++) {
            int t = params->baseline[i];
            piece[i] = t >= 0 && t < k && cid[i] != tbest[t] ? (int)csize[cid[i]] : 0;
        }
        regio_free(cid);
        regio_free(csize);
        regio_free(tbest);
    }

    /* Groups: each unit's group size and a ring through its members
     * (units sorted by group id). */
    if (params->groups) {
        gsize = regio_malloc(n * sizeof *gsize);
        gnext = regio_malloc(n * sizeof *gnext);
        int *gs = regio_malloc(n * sizeof *gs);
        if (!gsize || !gnext || !gs) {
            regio_free(gs);
            goto done;
        }
        size_t ng = 0;
        for (size_t i = 0; i < n; i++) {
            gnext[i] = (int)i;
            gsize[i] = 1;
            if (params->groups[i] >= 0)
                gs[ng++] = (int)i;
        }
        group_key = params->groups;
        qsort(gs, ng, sizeof *gs, by_group);
        for (size_t a = 0, b; a < ng; a = b) {
            for (b = a + 1; b < ng && params->groups[gs[b]] == params->groups[gs[a]]; b++)
                ;
            for (size_t q = a; q < b; q++) {
                gsize[gs[q]] = (int)(b - a);
                gnext[gs[q]] = gs[q + 1 < b ? q + 1 : a];
            }
        }
        regio_free(gs);
    }

    /* Reasons in unit order: locks and groups unit by unit, the others
     * by block. */
    for (size_t i = 0; i < n; i++) {
        if (alt[i] < 0)
            continue;
        regio_design_reason *r = &out[nout++];
        r->unit = i;
        r->from = alt[i];
        r->to = labels[i];
        r->terr = -1;
        r->measure = -1;
        r->block = i;
        r->block_units = 1;
        if (params->locked && params->locked[i] == labels[i]) {
            r->kind = REGIO_REASON_LOCK;
            r->terr = labels[i];
            continue;
        }
        if (params->groups && params->groups[i] >= 0 && gsize[i] > 1) {
            /* A design keeps every group whole; a realign unit joined
             * members of its group that were already there (its group's
             * units follow it in gnext, a ring). */
            int joined = !realign;
            for (size_t j = (size_t)gnext[i]; !joined && j != i; j = (size_t)gnext[j])
                joined = params->baseline[j] == labels[i];
            if (joined) {
                r->kind = REGIO_REASON_GROUP;
                r->terr = labels[i];
                r->after = gsize[i];
                continue;
            }
        }
        if (inblock[i])
            continue; /* filled with its block */
        /* The block: connected units sharing the move, not locked. */
        int bid = (int)i + 1;
        size_t head = 0, tail = 0;
        blk[tail++] = (int)i;
        inblock[i] = bid;
        while (head < tail) {
            int u = blk[head++];
            for (int a = in->xadj[u]; a < in->xadj[u + 1]; a++) {
                int v = in->adjncy[a];
                if (!inblock[v] && alt[v] == alt[i] && labels[v] == labels[i] &&
                    (!params->locked || params->locked[v] != labels[v]) &&
                    (!params->groups || params->groups[v] < 0)) {
                    inblock[v] = bid;
                    blk[tail++] = v;
                }
            }
        }
        r->block_units = tail;
        int from = alt[i], to = labels[i];
        if (realign && piece[i] > 0) {
            r->kind = REGIO_REASON_CONTIGUITY;
            r->terr = from;
            r->before = piece[i];
            r->after = 0;
            continue;
        }
        /* Balance: the block's measures out of `to` and into `from`. */
        for (size_t c = 0; c < m; c++)
            bsum[c] = 0;
        for (size_t q = 0; q < tail; q++)
            for (size_t c = 0; c < m; c++)
                bsum[c] += in->measures[(size_t)blk[q] * m + c];
        double best_gain = 1e-12;
        for (size_t q = 0; q < nb; q++) {
            int c = bcols[q];
            double tol = regio_design_tolerance_of(params, q);
            if (tol <= 0)
                tol = params->tolerance > 0 ? params->tolerance : REGIO_DESIGN_DEFAULT_TOLERANCE;
            for (int side = 0; side < 2; side++) {
                int t = side ? from : to;
                const regio_design_territory *T = &report->territories[t];
                double tgt = T->target[c];
                if (!(tgt > 0))
                    continue;
                double now = T->dev[c];
                double undone = (T->totals[c] + (side ? bsum[c] : -bsum[c]) - tgt) / tgt;
                double gain = (fabs(undone) - fabs(now)) / tol;
                if (fabs(undone) > fabs(now) + 1e-12 && gain > best_gain) {
                    best_gain = gain;
                    r->kind = REGIO_REASON_BALANCE;
                    r->terr = t;
                    r->measure = c;
                    r->before = undone;
                    r->after = now;
                }
            }
        }
        if (r->kind)
            continue;
        /* Contiguity: undoing the block cuts `to` or `from`. */
        for (int side = 0; side < 2 && !r->kind; side++) {
            int t = side ? from : to;
            const int *own = order + tstart[t];
            size_t cnt = tstart[t + 1] - tstart[t];
            int now = pieces(&e, t, 0, from, own, cnt, NULL, 0);
            int undone = pieces(&e, t, bid, from, own, cnt, blk, tail);
            if (undone > now) {
                r->kind = REGIO_REASON_CONTIGUITY;
                r->terr = t;
                r->before = undone;
                r->after = now;
            }
        }
        if (r->kind)
            continue;
        /* Travel: nearer its own centre than `from`'s. */
        if (has_c[from] && has_c[to]) {
            double p[3];
            regio__design_point(in->coords, in->x[i], in->y[i], p);
            double dfrom = regio__pdist(planar, p, cpt + 3 * from);
            double dto = regio__pdist(planar, p, cpt + 3 * to);
            if (dto < dfrom - 1e-9) {
                r->kind = REGIO_REASON_TRAVEL;
                r->before = dfrom;
                r->after = dto;
            }
        }
    }
    /* Block members take the reason found for the block's first unit. */
    {
        size_t *at = regio_malloc(n * sizeof *at);
        if (!at)
            goto done;
        for (size_t q = 0; q < nout; q++)
            at[out[q].unit] = q;
        for (size_t q = 0; q < nout; q++) {
            regio_design_reason *r = &out[q];
            int b = inblock[r->unit];
            if (!b || (size_t)(b - 1) == r->unit || r->kind == REGIO_REASON_LOCK ||
                r->kind == REGIO_REASON_GROUP)
                continue;
            const regio_design_reason *head = &out[at[b - 1]];
            size_t unit = r->unit;
            *r = *head;
            r->unit = unit;
            if (r->kind == REGIO_REASON_TRAVEL) {
                /* travel is each unit's own distance */
                double p[3];
                regio__design_point(in->coords, in->x[unit], in->y[unit], p);
                r->before = regio__pdist(planar, p, cpt + 3 * r->from);
                r->after = regio__pdist(planar, p, cpt + 3 * r->to);
                if (!(r->after < r->before - 1e-9))
                    r->kind = REGIO_REASON_NONE, r->before = r->after = 0;
            }
        }
        for (size_t q = 0; q < nout; q++)
            if (inblock[out[q].unit] && out[q].kind != REGIO_REASON_LOCK &&
                out[q].kind != REGIO_REASON_GROUP)
                out[q].block = (size_t)(inblock[out[q].unit] - 1);
        regio_free(at);
    }
    rc = REGIO_OK;
done:
    regio_free(gnext);
    if (rc) {
        regio_free(out);
        out = NULL;
        nout = 0;
        fail(err, rc, "out of memory explaining the design");
    }
    *reasons = out;
    *n_reasons = nout;
    regio_free(alt);
    regio_free(inblock);
    regio_free(mark);
    regio_free(queue);
    regio_free(blk);
    regio_free(gsize);
    regio_free(order);
    regio_free(tstart);
    regio_free(piece);
    regio_free(cpt);
    regio_free(has_c);
    regio_free(bsum);
    return rc;
}

static const char *tname(const regio_design_params *p, int t, char *buf, size_t cap)
{
    if (p->territory_names && t >= 0 && t < p->k && p->territory_names[t])
        snprintf(buf, cap, "%s", p->territory_names[t]);
    else
        snprintf(buf, cap, "territory %d", t + 1);
    return buf;
}

const char *regio_design_reason_text(const regio_design_input *in,
                                     const regio_design_params *params,
                                     const regio_design_reason *r, char *buf, size_t cap)
{
    char a[64], b[64], mn[64], d1[32], d2[32];
    const char *unit = in->coords == REGIO_COORDS_PLANAR ? "units" : "km";
    int realign = params->realign; /* a move, or a design's assignment */
    char together[64] = "";
    if (r->block_units > 1)
        snprintf(together, sizeof together, " (%zu units moved together)", r->block_units);
    switch (r->kind) {
    case REGIO_REASON_LOCK:
        snprintf(buf, cap, "lock: the unit is locked to %s", tname(params, r->to, a, sizeof a));
        break;
    case REGIO_REASON_GROUP:
        snprintf(buf, cap, "group: kept whole with its group of %.0f units in %s", r->after,
                 tname(params, r->to, a, sizeof a));
        break;
    case REGIO_REASON_CONTIGUITY:
        if (r->after == 0)
            snprintf(buf, cap, "contiguity repair: a detached piece of %s (%.0f units) joined %s",
                     tname(params, r->from, a, sizeof a), r->before,
                     tname(params, r->to, b, sizeof b));
        else
            snprintf(buf, cap, "contiguity: %s would be in %.0f pieces without this %s%s",
                     tname(params, r->terr, a, sizeof a), r->before,
                     realign ? "move" : "assignment", together);
        break;
    case REGIO_REASON_BALANCE:
        if (in->measure_names && r->measure >= 0 && in->measure_names[r->measure])
            snprintf(mn, sizeof mn, "%s", in->measure_names[r->measure]);
        else
            snprintf(mn, sizeof mn, "measure %d", r->measure);
        snprintf(buf, cap, "balance: %s's %s deviation %+.2f%% without this %s, %+.2f%% with it%s",
                 tname(params, r->terr, a, sizeof a), mn, 100 * r->before,
                 realign ? "move" : "assignment", 100 * r->after, together);
        break;
    case REGIO_REASON_TRAVEL:
        snprintf(buf, cap, "travel: %s %s from the centre of %s instead of %s %s from %s's",
                 regio_format_number(r->after, 1, d1, sizeof d1), unit,
                 tname(params, r->to, a, sizeof a), regio_format_number(r->before, 1, d2, sizeof d2),
                 unit, tname(params, r->from, b, sizeof b));
        break;
    case REGIO_REASON_NONE:
        snprintf(buf, cap, "no reason found");
        break;
    }
    return buf;
}
