/*
 * Monthly series for the performance charts: regio_perf_compute once per
 * month over the months asked for, the rows gathered by key across the
 * months (a key missing in a month counts 0 there). Every rule stays in
 * perf.c; this file only loops over months and collects.
 */
#include "regio/perf_trend.h"
#include "regio/format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses "YYYY-MM" into a month index (year * 12 + month - 1). */
static int month_index(const char *s, long *out)
{
    if (!s || strlen(s) != 7 || s[4] != '-')
        return -1;
    for (int i = 0; i < 7; i++)
        if (i != 4 && (s[i] < '0' || s[i] > '9'))
            return -1;
    long y = strtol(s, NULL, 10), m = strtol(s + 5, NULL, 10);
    if (m < 1 || m > 12 || y < 1)
        return -1;
    *out = y * 12 + m - 1;
    return 0;
}

static regio_perf_trend_row *row_for(regio_perf_trend *t, const regio_perf_row *r, size_t *cap)
{
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->rows[i].key, r->key))
            return &t->rows[i];
    if (t->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        regio_perf_trend_row *nr = regio_realloc(t->rows, nc * sizeof *nr);
        if (!nr)
            return NULL;
        t->rows = nr;
        *cap = nc;
    }
    regio_perf_trend_row *x = &t->rows[t->n];
    memset(x, 0, sizeof *x);
    x->key = regio_strdup(r->key);
    x->special = r->special;
    x->bookings = regio_calloc(t->n_months, sizeof *x->bookings);
    x->quota = regio_calloc(t->n_months, sizeof *x->quota);
    if (!x->key || !x->bookings || !x->quota) {
        regio_free(x->key);
        regio_free(x->bookings);
        regio_free(x->quota);
        return NULL;
    }
    t->n++;
    return x;
}

/* The order of regio_perf_compute's rows: by key, the special rows last. */
static int row_cmp(const void *a, const void *b)
{
    const regio_perf_trend_row *x = a, *y = b;
    if (x->special != y->special)
        return x->special - y->special;
    return strcmp(x->key, y->key);
}

regio_err regio_perf_trend_compute(regio_store *s, const regio_perf_query *q, int months,
                                   const char *to, regio_perf_trend *out, regio_error *err)
{
    return regio_perf_trend_compute_cached(NULL, s, q, months, to, out, err);
}

regio_err regio_perf_trend_compute_cached(regio_perf_cache *cache, regio_store *s,
                                          const regio_perf_query *q, int months, const char *to,
                                          regio_perf_trend *out, regio_error *err)
{
    memset(out, 0, sizeof *out);
    if (months < 1 || months > REGIO_PERF_TREND_MAX_MONTHS)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, "months",
                                "the number of months is 1 to %d, not %d",
                                REGIO_PERF_TREND_MAX_MONTHS, months);
    char today[11];
    long last;
    if (!to) {
        regio_day_format(regio_day_today(), today);
        today[7] = '\0';
        to = today;
    }
    if (month_index(to, &last))
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, "to",
                                "'%s' is not a month: YYYY-MM, e.g. 2027-03", to);
    if (last - months + 1 < 0)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, "to", "months before year 1");
    out->by = q->by;
    out->level = q->level;
    out->current = q->current;
    out->n_months = (size_t)months;
    out->months = regio_calloc((size_t)months, sizeof *out->months);
    out->bookings = regio_calloc((size_t)months, sizeof *out->bookings);
    out->quota = regio_calloc((size_t)months, sizeof *out->quota);
    if (!out->months || !out->bookings || !out->quota) {
        regio_perf_trend_free(out);
        return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    size_t cap = 0;
    regio_err rc = REGIO_OK;
    for (int i = 0; i < months && !rc; i++) {
        long m = last - months + 1 + i;
        char name[32]; /* a 4-digit year: month_index read one */
        snprintf(name, sizeof name, "%04ld-%02ld", m / 12, m % 12 + 1);
        memcpy(out->months[i], name, sizeof out->months[i] - 1);
        regio_perf_query mq = *q;
        rc = regio_period_parse(out->months[i], 1, &mq.period, err);
        regio_perf_result r;
        if (!rc)
            rc = regio_perf_compute_cached(cache, s, &mq, &r, err);
        if (rc)
            break;
        if (!out->model)
            out->model = regio_strdup(r.model);
        for (size_t k = 0; k < r.n && !rc; k++) {
            regio_perf_trend_row *x = row_for(out, &r.rows[k], &cap);
            if (!x) {
                rc = regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
                break;
            }
            x->bookings[i] = r.rows[k].bookings;
            x->quota[i] = r.rows[k].quota;
            out->bookings[i] += r.rows[k].bookings;
            out->quota[i] += r.rows[k].quota;
        }
        regio_perf_result_free(&r);
    }
    if (!rc && !out->model)
        rc = regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (rc) {
        regio_perf_trend_free(out);
        return rc;
    }
    if (out->n > 1)
        qsort(out->rows, out->n, sizeof *out->rows, row_cmp);
    return REGIO_OK;
}

void regio_perf_trend_free(regio_perf_trend *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        regio_free(t->rows[i].key);
        regio_free(t->rows[i].bookings);
        regio_free(t->rows[i].quota);
    }
    regio_free(t->rows);
    regio_free(t->months);
    regio_free(t->bookings);
    regio_free(t->quota);
    regio_free(t->model);
    memset(t, 0, sizeof *t);
}

static regio_err series(regio_buf *b, const char *name, const double *v, size_t n)
{
    char num[32];
    regio_err rc = regio_buf_printf(b, "\"%s\":[", name);
    for (size_t i = 0; !rc && i < n; i++) {
        if (i)
            rc = regio_buf_putc(b, ',');
        if (!rc)
            rc = regio_buf_puts(b, isfinite(v[i]) ? regio_format_g15(v[i], num) : "null");
    }
    return rc ? rc : regio_buf_putc(b, ']');
}

regio_err regio_perf_trend_render_json(const regio_perf_trend *t, regio_buf *b)
{
    char by[32];
    switch (t->by) {
    case REGIO_PERF_BY_REP: snprintf(by, sizeof by, "rep"); break;
    case REGIO_PERF_BY_LEVEL: snprintf(by, sizeof by, "level:%d", t->level); break;
    case REGIO_PERF_BY_MODEL: snprintf(by, sizeof by, "model"); break;
    default: snprintf(by, sizeof by, "territory"); break;
    }
    regio_err rc = regio_buf_puts(b, "{\"model\":");
    if (!rc)
        rc = regio_buf_json_str(b, t->model);
    if (!rc)
        rc = regio_buf_printf(b, ",\"by\":\"%s\",\"credit\":\"%s\",\"months\":[", by,
                              t->current ? "current" : "as-of");
    for (size_t i = 0; !rc && i < t->n_months; i++)
        rc = regio_buf_printf(b, "%s\"%s\"", i ? "," : "", t->months[i]);
    if (!rc)
        rc = regio_buf_puts(b, "],\"total\":{");
    if (!rc)
        rc = series(b, "bookings", t->bookings, t->n_months);
    if (!rc)
        rc = regio_buf_putc(b, ',');
    if (!rc)
        rc = series(b, "quota", t->quota, t->n_months);
    if (!rc)
        rc = regio_buf_puts(b, "},\"rows\":[");
    for (size_t i = 0; !rc && i < t->n; i++) {
        rc = regio_buf_puts(b, i ? ",{\"key\":" : "{\"key\":");
        if (!rc)
            rc = regio_buf_json_str(b, t->rows[i].key);
        if (!rc)
            rc = regio_buf_putc(b, ',');
        if (!rc)
            rc = series(b, "bookings", t->rows[i].bookings, t->n_months);
        if (!rc)
            rc = regio_buf_putc(b, ',');
        if (!rc)
            rc = series(b, "quota", t->rows[i].quota, t->n_months);
        if (!rc)
            rc = regio_buf_putc(b, '}');
    }
    return rc ? rc : regio_buf_puts(b, "]}\n");
}
