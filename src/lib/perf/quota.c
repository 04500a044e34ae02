/*
 * Top-down quota setting (docs/PERFORMANCE.md, "Quota setting"): a total
 * split over a model's leaf territories by their potential and their
 * bookings over the period just before, in whole currency units by
 * largest remainder so that the parts add up to the total exactly; then
 * each territory's part spread over the months of the period by their
 * days, or by last year's monthly bookings, again by largest remainder;
 * saved as monthly quotas in one transaction.
 */
#include "regio/perf.h"

#include "regio/format.h"
#include "regio/org.h"
#include "regio/strmap.h"
#include "core/error.h"
#include "core/grow.h"
#include "perf/perf_store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

regio_err regio_quota_weights_parse(const char *s, double *w_potential, double *w_history,
                                    regio_error *err)
{
    *w_potential = *w_history = 0;
    const char *p = s ? s : "";
    int any = 0;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char part[64];
        if (len >= sizeof part)
            len = sizeof part - 1;
        memcpy(part, p, len);
        part[len] = '\0';
        char *eq = strchr(part, '=');
        char *stop = NULL;
        double v = eq ? strtod(eq + 1, &stop) : NAN;
        if (!eq || !eq[1] || *stop || !isfinite(v) || v < 0)
            return regio_error_setf(err, REGIO_EINVAL, NULL, 0, "weights",
                                    "--weights '%.60s': write potential=W,history=W with "
                                    "non-negative numbers",
                                    s);
        *eq = '\0';
        if (!strcmp(part, "potential"))
            *w_potential = v;
        else if (!strcmp(part, "history"))
            *w_history = v;
        else
            return regio_error_setf(err, REGIO_EINVAL, NULL, 0, "weights",
                                    "--weights: '%s' is no weight (potential, history)", part);
        any = 1;
        p = end ? end + 1 : p + strlen(p);
    }
    if (!any || *w_potential + *w_history <= 0)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, "weights",
                                "--weights: at least one weight must be above 0");
    return REGIO_OK;
}

/* ---- largest remainder ----------------------------------------------------------- */

typedef struct share {
    size_t i;     /* the item */
    double frac;  /* the fractional part left */
} share;

static int cmp_share(const void *a, const void *b)
{
    const share *x = a, *y = b;
    if (x->frac != y->frac)
        return x->frac > y->frac ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i); /* ties: the item first in order */
}

/* Splits the whole number total over n items in proportion to w (w all
 * 0: evenly) into out[], whole numbers adding up to total. */
static regio_err largest_remainder(double total, const double *w, size_t n, double *out)
{
    if (!n)
        return REGIO_OK;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += w[i];
    share *sh = regio_malloc(n * sizeof *sh);
    if (!sh)
        return REGIO_ENOMEM;
    double given = 0;
    for (size_t i = 0; i < n; i++) {
        double exact = sum > 0 ? total * w[i] / sum : total / (double)n;
        out[i] = floor(exact + 1e-9);
        sh[i].i = i;
        sh[i].frac = exact - out[i];
        given += out[i];
    }
    qsort(sh, n, sizeof *sh, cmp_share);
    long left = lround(total - given);
    for (long k = 0; k < left; k++)
        out[sh[(size_t)k % n].i] += 1;
    regio_free(sh);
    return REGIO_OK;
}

/* ---- the model's leaves ----------------------------------------------------------- */

typedef struct leaves {
    char **code;
    char **parent;
    size_t n, cap;
    regio_err rc;
} leaves;

static int on_territory(void *ud, const regio_territory_info *t)
{
    leaves *l = ud;
    if (regio__grow(&l->code, &l->cap, l->n + 1, sizeof *l->code)) {
        l->rc = REGIO_ENOMEM;
        return 1;
    }
    char **p = regio_realloc(l->parent, l->cap * sizeof *p);
    if (!p) {
        l->rc = REGIO_ENOMEM;
        return 1;
    }
    l->parent = p;
    l->code[l->n] = regio_strdup(t->id);
    l->parent[l->n] = t->parent ? regio_strdup(t->parent) : NULL;
    if (!l->code[l->n] || (t->parent && !l->parent[l->n])) {
        regio_free(l->code[l->n]);
        l->rc = REGIO_ENOMEM;
        return 1;
    }
    l->n++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The leaves of model, sorted by code. */
static regio_err read_leaves(regio_store *s, const char *model, leaves *l, regio_error *err)
{
    regio_err rc = regio_store_territories_foreach(s, model, on_territory, l, err);
    if (rc == REGIO_ECANCELLED && l->rc)
        rc = l->rc;
    if (rc)
        return rc;
    regio_strmap *parents = regio_strmap_create(l->n);
    if (!parents)
        return REGIO_ENOMEM;
    for (size_t i = 0; i < l->n && !rc; i++) {
        int found = 0;
        long old = 0;
        if (l->parent[i])
            rc = regio_strmap_put(parents, l->parent[i], 1, &found, &old);
    }
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++) {
        regio_free(l->parent[i]);
        l->parent[i] = NULL;
        if (!rc && regio_strmap_get(parents, l->code[i]) < 0)
            l->code[k++] = l->code[i];
        else
            regio_free(l->code[i]);
    }
    l->n = rc ? 0 : k;
    regio_strmap_destroy(parents);
    qsort(l->code, l->n, sizeof *l->code, cmp_str);
    return rc;
}

static void leaves_free(leaves *l)
{
    for (size_t i = 0; i < l->n; i++)
        regio_free(l->code[i]);
    regio_free(l->code);
    regio_free(l->parent);
}

/* Bookings (as-of) and potential of each leaf over period p, by code. */
static regio_err figures(regio_store *s, const char *model, regio_period p, const leaves *l,
                         double *bookings, double *potential, regio_error *err)
{
    regio_perf_query q;
    memset(&q, 0, sizeof q);
    q.model = model;
    q.period = p;
    q.by = REGIO_PERF_BY_TERRITORY;
    regio_perf_result r;
    regio_err rc = regio_perf_compute(s, &q, &r, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < l->n; i++) {
        bookings[i] = 0;
        if (potential)
            potential[i] = 0;
        for (size_t j = 0; j < r.n; j++)
            if (!r.rows[j].special && !strcmp(r.rows[j].key, l->code[i])) {
                bookings[i] = r.rows[j].bookings;
                if (potential)
                    potential[i] = r.rows[j].potential;
                break;
            }
    }
    regio_perf_result_free(&r);
    return REGIO_OK;
}

/* ---- months ------------------------------------------------------------------------ */

static regio_err months_of(regio_period p, regio_period **out, size_t *n, regio_error *err)
{
    char a[11];
    regio_day_format(p.start, a);
    regio_period first;
    char ym[8];
    snprintf(ym, sizeof ym, "%.7s", a);
    if (regio_period_parse(ym, 1, &first, NULL) || first.start != p.start)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, "period",
                                "quotas are set for whole months: the period must start on a "
                                "month's first day");
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    regio_day d = p.start;
    while (d < p.end) {
        char day[11], m[8];
        regio_day_format(d, day);
        snprintf(m, sizeof m, "%.7s", day);
        regio_period mp;
        regio_period_parse(m, 1, &mp, NULL);
        if (mp.end > p.end) {
            regio_free(*out);
            *out = NULL;
            return regio_error_setf(err, REGIO_EINVAL, NULL, 0, "period",
                                    "quotas are set for whole months: the period must end on a "
                                    "month's last day");
        }
        if (regio__grow(out, &cap, *n + 1, sizeof **out))
            return REGIO_ENOMEM;
        (*out)[(*n)++] = mp;
        d = mp.end;
    }
    return REGIO_OK;
}

/* ---- saving ---------------------------------------------------------------------------- */

typedef struct stored {
    char **terr, **period;
    regio_day *start, *end;
    size_t n, cap;
    regio_err rc;
} stored;

static int on_quota(void *ud, const regio__perf_quota *q)
{
    stored *st = ud;
    size_t cap = st->cap;
    if (regio__grow(&st->terr, &cap, st->n + 1, sizeof *st->terr)) {
        st->rc = REGIO_ENOMEM;
        return 1;
    }
    char **pp = regio_realloc(st->period, cap * sizeof *pp);
    regio_day *a = pp ? regio_realloc(st->start, cap * sizeof *a) : NULL;
    regio_day *b = a ? regio_realloc(st->end, cap * sizeof *b) : NULL;
    if (pp)
        st->period = pp;
    if (a)
        st->start = a;
    if (b)
        st->end = b;
    st->cap = cap;
    if (!b || !(st->terr[st->n] = regio_strdup(q->territory)) ||
        !(st->period[st->n] = regio_strdup(q->period))) {
        if (b)
            regio_free(st->terr[st->n]);
        st->rc = REGIO_ENOMEM;
        return 1;
    }
    st->start[st->n] = q->start;
    st->end[st->n] = q->end;
    st->n++;
    return 0;
}

static void stored_free(stored *st)
{
    for (size_t i = 0; i < st->n; i++) {
        regio_free(st->terr[i]);
        regio_free(st->period[i]);
    }
    regio_free(st->terr);
    regio_free(st->period);
    regio_free(st->start);
    regio_free(st->end);
}

/* Replaces the quotas of the leaves within p by the monthly amounts; a
 * stored quota that overlaps p only in part is a conflict. */
static regio_err save(regio_store *s, const regio_quota_query *q, const leaves *l,
                      const regio_period *months, size_t nm, double *const *monthly,
                      regio_error *err)
{
    stored st = {0};
    regio_err rc = regio_store_begin(s, err);
    if (rc)
        return rc;
    rc = regio__perf_quotas_foreach(s, on_quota, &st, err);
    if (rc == REGIO_ECANCELLED && st.rc)
        rc = st.rc;
    regio_strmap *mine = rc ? NULL : regio_strmap_create(l->n);
    if (!rc && !mine)
        rc = REGIO_ENOMEM;
    for (size_t i = 0; !rc && i < l->n; i++) {
        int found = 0;
        long old = 0;
        rc = regio_strmap_put(mine, l->code[i], (long)i, &found, &old);
    }
    for (size_t i = 0; !rc && i < st.n; i++) {
        if (regio_strmap_get(mine, st.terr[i]) < 0 || st.end[i] <= q->period.start ||
            st.start[i] >= q->period.end)
            continue;
        if (st.start[i] < q->period.start || st.end[i] > q->period.end) {
            rc = regio_error_setf(err, REGIO_ECONFLICT, NULL, 0, "period",
                                  "territory '%s' has a quota for %s, which reaches outside the "
                                  "period: change or remove it first",
                                  st.terr[i], st.period[i]);
            break;
        }
        rc = regio__perf_quota_delete(s, st.terr[i], st.period[i], err);
    }
    for (size_t i = 0; !rc && i < l->n; i++)
        for (size_t m = 0; !rc && m < nm; m++) {
            char day[11], per[8];
            regio_day_format(months[m].start, day);
            snprintf(per, sizeof per, "%.7s", day);
            regio__perf_quota row = {l->code[i], per, months[m].start, months[m].end,
                                     monthly[i][m]};
            rc = regio__perf_quota_put(s, &row, err);
        }
    if (!rc) {
        char after[200], pf[32], wp[32], wh[32];
        regio_period_format(q->period, pf);
        snprintf(after, sizeof after,
                 "{\"period\":\"%s\",\"total\":%.0f,\"territories\":%zu,\"w_potential\":%s,"
                 "\"w_history\":%s,\"seasonality\":%s}",
                 pf, q->total, l->n, regio_format_g15(q->w_potential, wp),
                 regio_format_g15(q->w_history, wh),
                 q->seasonality ? "true" : "false");
        rc = regio_store_audit_append(s, q->actor ? q->actor : "cli", "quota.allocate", "model",
                                      q->model, NULL, after, err);
    }
    if (!rc)
        rc = regio_store_commit(s, err);
    else
        regio_store_rollback(s, NULL);
    regio_strmap_destroy(mine);
    stored_free(&st);
    return rc;
}

/* ---- the driver ------------------------------------------------------------------------- */

regio_err regio_quota_allocate(regio_store *s, const regio_quota_query *q, regio_quota_result *out,
                               regio_error *err)
{
    regio_error_clear(err);
    if (!out)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "no result to fill");
    memset(out, 0, sizeof *out);
    if (!s || !q)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "no store or no query");
    if (!isfinite(q->total) || q->total < 0 || q->total != floor(q->total) || q->total > 1e15)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, "total",
                                "the total must be a whole, non-negative number of currency units");
    if (!(q->w_potential >= 0 && q->w_history >= 0 && q->w_potential + q->w_history > 0))
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, "weights",
                                "the weights must be non-negative and not both 0");
    regio_period *months = NULL;
    size_t nm = 0;
    regio_err rc = months_of(q->period, &months, &nm, err);
    if (rc)
        return rc;
    regio_model_info mi;
    memset(&mi, 0, sizeof mi);
    char today[11];
    regio_day_format(regio_day_today(), today);
    rc = q->model ? regio_store_model_find(s, q->model, &mi, err)
                  : regio_store_model_in_force(s, today, &mi, err);
    leaves l = {0};
    if (!rc)
        rc = read_leaves(s, mi.name, &l, err);
    if (!rc && !l.n)
        rc = regio_error_setf(err, REGIO_EDATA, NULL, 0, "model",
                              "model '%s' has no territories", mi.name);
    long days = q->period.end - q->period.start;
    regio_period hist = {q->period.start - days, q->period.start};
    double *pot = NULL, *hb = NULL, *w = NULL, *amount = NULL;
    double **monthly = NULL;
    if (!rc && (!(pot = regio_calloc(l.n, sizeof *pot)) || !(hb = regio_calloc(l.n, sizeof *hb)) ||
                !(w = regio_calloc(l.n, sizeof *w)) || !(amount = regio_calloc(l.n, sizeof *amount)) ||
                !(monthly = regio_calloc(l.n, sizeof *monthly))))
        rc = REGIO_ENOMEM;
    if (!rc)
        rc = figures(s, mi.name, q->period, &l, hb, pot, err); /* potential from P */
    if (!rc)
        rc = figures(s, mi.name, hist, &l, hb, NULL, err);
    double sp = 0, sh = 0;
    for (size_t i = 0; !rc && i < l.n; i++) {
        sp += pot[i];
        sh += hb[i];
    }
    double wp = sp > 0 ? q->w_potential : 0, wh = sh > 0 ? q->w_history : 0;
    if (wp + wh <= 0)
        wp = wh = 0; /* neither has anything: evenly */
    for (size_t i = 0; !rc && i < l.n; i++)
        w[i] = (wp > 0 ? wp / (wp + wh) * pot[i] / sp : 0) +
               (wh > 0 ? wh / (wp + wh) * hb[i] / sh : 0);
    if (!rc)
        rc = largest_remainder(q->total, w, l.n, amount);
    /* over the months: by days, or by last year's bookings of each month */
    double *mw = NULL, *lastyear = NULL;
    if (!rc && (!(mw = regio_calloc(nm, sizeof *mw)) ||
                !(lastyear = regio_calloc(nm * l.n, sizeof *lastyear))))
        rc = REGIO_ENOMEM;
    for (size_t m = 0; !rc && q->seasonality && m < nm; m++) {
        regio_period ly = {regio_day_add_years(months[m].start, -1),
                           regio_day_add_years(months[m].end, -1)};
        double *col = regio_calloc(l.n, sizeof *col);
        if (!col) {
            rc = REGIO_ENOMEM;
            break;
        }
        rc = figures(s, mi.name, ly, &l, col, NULL, err);
        for (size_t i = 0; i < l.n; i++)
            lastyear[i * nm + m] = col[i];
        regio_free(col);
    }
    for (size_t i = 0; !rc && i < l.n; i++) {
        double booked = 0;
        for (size_t m = 0; m < nm; m++)
            booked += lastyear[i * nm + m];
        for (size_t m = 0; m < nm; m++)
            mw[m] = q->seasonality && booked > 0 ? lastyear[i * nm + m]
                                                  : (double)(months[m].end - months[m].start);
        if (!(monthly[i] = regio_calloc(nm, sizeof *monthly[i])))
            rc = REGIO_ENOMEM;
        else
            rc = largest_remainder(amount[i], mw, nm, monthly[i]);
    }
    if (!rc && !q->dry_run) {
        regio_quota_query qq = *q;
        qq.model = mi.name;
        rc = save(s, &qq, &l, months, nm, monthly, err);
    }
    /* the result */
    if (!rc && !(out->t = regio_calloc(l.n, sizeof *out->t)))
        rc = REGIO_ENOMEM;
    regio_period ly = {regio_day_add_years(q->period.start, -1),
                       regio_day_add_years(q->period.end, -1)};
    double *last = rc ? NULL : regio_calloc(l.n, sizeof *last);
    if (!rc && !last)
        rc = REGIO_ENOMEM;
    if (!rc)
        rc = figures(s, mi.name, ly, &l, last, NULL, err);
    for (size_t i = 0; !rc && i < l.n; i++) {
        regio_quota_alloc *a = &out->t[out->n];
        if (!(a->territory = regio_strdup(l.code[i]))) {
            rc = REGIO_ENOMEM;
            break;
        }
        a->potential = pot[i];
        a->history = hb[i];
        a->amount = amount[i];
        a->last_bookings = last[i];
        out->n++;
    }
    out->history = hist;
    if (rc == REGIO_ENOMEM)
        regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (rc)
        regio_quota_result_free(out);
    regio_free(last);
    for (size_t i = 0; monthly && i < l.n; i++)
        regio_free(monthly[i]);
    regio_free(monthly);
    regio_free(mw);
    regio_free(lastyear);
    regio_free(pot);
    regio_free(hb);
    regio_free(w);
    regio_free(amount);
    regio_free(months);
    leaves_free(&l);
    regio_model_info_clear(&mi);
    return rc;
}

regio_err regio_quota_render_json(const regio_quota_query *q, const regio_quota_result *r,
                                  regio_buf *b)
{
    char per[32], hist[32];
    regio_period_format(q->period, per);
    regio_period_format(r->history, hist);
    regio_err rc = regio_buf_printf(b,
                                    "{\"period\":\"%s\",\"history\":\"%s\",\"saved\":%s,"
                                    "\"total\":%.0f,\"territories\":[",
                                    per, hist, q->dry_run ? "false" : "true", q->total);
    for (size_t i = 0; !rc && i < r->n; i++) {
        rc = regio_buf_puts(b, i ? ",{\"territory\":" : "{\"territory\":");
        if (!rc)
            rc = regio_buf_json_str(b, r->t[i].territory);
        char pot[32], hist_v[32], last[32];
        if (!rc)
            rc = regio_buf_printf(b,
                                  ",\"quota\":%.0f,\"potential\":%s,\"history\":%s,"
                                  "\"last_year_bookings\":%s}",
                                  r->t[i].amount, regio_format_g15(r->t[i].potential, pot),
                                  regio_format_g15(r->t[i].history, hist_v),
                                  regio_format_g15(r->t[i].last_bookings, last));
    }
    return rc ? rc : regio_buf_puts(b, "]}\n");
}

void regio_quota_result_free(regio_quota_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        regio_free(r->t[i].territory);
    regio_free(r->t);
    memset(r, 0, sizeof *r);
}
