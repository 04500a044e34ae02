/*
 * The figures as CSV (the columns of docs/PERFORMANCE.md, 15 significant
 * digits, empty cells where a figure is undefined), as JSON (every figure,
 * the flags with their reasons, the fairness figures) and as a table for
 * people (thousands separators, money in k/M, percentages, units in the
 * headers).
 */
#include "regio/perf_result.h"

#include "regio/format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned FLAGS[] = {REGIO_PERF_UNDER_POTENTIAL, REGIO_PERF_UNDER_QUOTA,
                                 REGIO_PERF_UNDER_COVERED};
#define NFLAGS (sizeof FLAGS / sizeof FLAGS[0])

const char *regio_perf_flag_name(unsigned flag)
{
    switch (flag) {
    case REGIO_PERF_UNDER_POTENTIAL: return "under_potential";
    case REGIO_PERF_UNDER_QUOTA: return "under_quota";
    case REGIO_PERF_UNDER_COVERED: return "under_covered";
    default: return NULL;
    }
}

/* A share as people read it: "72%", "0.8%", "12.4%". */
static void pct(double v, char *out, size_t cap)
{
    regio_format_percent(v, -1, 0, out, cap);
}

void regio_perf_flag_reason(const regio_perf_result *r, const regio_perf_row *row, unsigned flag,
                            char *out, size_t cap)
{
    char a[32], b[32], m1[32], m2[32];
    switch (flag) {
    case REGIO_PERF_UNDER_POTENTIAL:
        pct(row->penetration, a, sizeof a);
        pct(r->median_penetration, b, sizeof b);
        regio_format_money(row->bookings, NULL, m1, sizeof m1);
        regio_format_money(row->expected, NULL, m2, sizeof m2);
        snprintf(out, cap, "penetration %s vs median %s; bookings %s, under 70%% of the %s expected",
                 a, b, m1, m2);
        break;
    case REGIO_PERF_UNDER_QUOTA:
        pct(row->attainment, a, sizeof a);
        regio_format_money(row->bookings, NULL, m1, sizeof m1);
        regio_format_money(row->quota, NULL, m2, sizeof m2);
        snprintf(out, cap, "attainment %s of quota (%s of %s), under 90%%", a, m1, m2);
        break;
    case REGIO_PERF_UNDER_COVERED:
        pct(row->coverage, a, sizeof a);
        regio_format_number((double)row->covered, 0, m1, sizeof m1);
        regio_format_number((double)row->needing, 0, m2, sizeof m2);
        snprintf(out, cap, "%s of accounts got their visits (%s of %s), under 80%%", a, m1, m2);
        break;
    default:
        snprintf(out, cap, "%s", "");
    }
}

/* ---- CSV ------------------------------------------------------------------------- */

static regio_err csv_key(regio_buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n"))
        return regio_buf_puts(b, s);
    regio_err rc = regio_buf_putc(b, '"');
    for (; !rc && *s; s++)
        rc = *s == '"' ? regio_buf_puts(b, "\"\"") : regio_buf_putc(b, *s);
    return rc ? rc : regio_buf_putc(b, '"');
}

static regio_err csv_num(regio_buf *b, double v)
{
    char n[32];
    regio_err rc = regio_buf_putc(b, ',');
    if (!rc && isfinite(v))
        rc = regio_buf_puts(b, regio_format_g15(v, n));
    return rc;
}

static regio_err csv_int(regio_buf *b, long v)
{
    return regio_buf_printf(b, ",%ld", v);
}

static regio_err render_csv(const regio_perf_result *r, regio_buf *b)
{
    regio_err rc = regio_buf_puts(b, "key,bookings,quota,attainment,growth_yoy,pipeline,"
                                     "pipeline_weighted,won,lost,win_rate,active_accounts,"
                                     "potential,penetration,visits,coverage,flags\n");
    for (size_t i = 0; !rc && i < r->n; i++) {
        const regio_perf_row *x = &r->rows[i];
        rc = csv_key(b, x->key);
        if (!rc)
            rc = csv_num(b, x->bookings);
        if (!rc)
            rc = csv_num(b, x->quota);
        if (!rc)
            rc = csv_num(b, x->attainment);
        if (!rc)
            rc = csv_num(b, x->growth_yoy);
        if (!rc)
            rc = csv_num(b, x->pipeline);
        if (!rc)
            rc = csv_num(b, x->pipeline_weighted);
        if (!rc)
            rc = csv_int(b, x->won);
        if (!rc)
            rc = csv_int(b, x->lost);
        if (!rc)
            rc = csv_num(b, x->win_rate);
        if (!rc)
            rc = csv_int(b, x->active_accounts);
        if (!rc)
            rc = csv_num(b, x->potential);
        if (!rc)
            rc = csv_num(b, x->penetration);
        if (!rc)
            rc = csv_int(b, x->visits);
        if (!rc)
            rc = csv_num(b, x->coverage);
        if (!rc)
            rc = regio_buf_putc(b, ',');
        int first = 1;
        for (size_t f = 0; !rc && f < NFLAGS; f++)
            if (x->flags & FLAGS[f]) {
                rc = regio_buf_printf(b, "%s%s", first ? "" : ";", regio_perf_flag_name(FLAGS[f]));
                first = 0;
            }
        if (!rc)
            rc = regio_buf_putc(b, '\n');
    }
    return rc;
}

/* ---- JSON ------------------------------------------------------------------------ */

static regio_err json_num(regio_buf *b, const char *name, double v)
{
    char n[32];
    regio_err rc = regio_buf_puts(b, ",\"");
    if (!rc)
        rc = regio_buf_puts(b, name);
    if (!rc)
        rc = regio_buf_puts(b, "\":");
    return rc ? rc : regio_buf_puts(b, isfinite(v) ? regio_format_g15(v, n) : "null");
}

static regio_err json_fair(regio_buf *b, const char *name, const regio_perf_fairness *f)
{
    return regio_buf_printf(b, "\"%s\":{\"n\":%zu,\"cv\":%.15g,\"gini\":%.15g,\"within_10pct\":%.15g}",
                            name, f->n, f->cv, f->gini, f->within10);
}

regio_err regio_perf_by_parse(const char *s, regio_perf_by *by, int *level)
{
    if (!s || !by || !level)
        return REGIO_EINVAL;
    *level = 0;
    if (!strcmp(s, "territory"))
        *by = REGIO_PERF_BY_TERRITORY;
    else if (!strcmp(s, "rep"))
        *by = REGIO_PERF_BY_REP;
    else if (!strcmp(s, "model"))
        *by = REGIO_PERF_BY_MODEL;
    else if (!strncmp(s, "level:", 6) && s[6]) {
        char *end = NULL;
        long n = strtol(s + 6, &end, 10);
        if (*end || n < 1 || n > 64)
            return REGIO_EINVAL;
        *by = REGIO_PERF_BY_LEVEL;
        *level = (int)n;
    } else
        return REGIO_EINVAL;
    return REGIO_OK;
}

static const char *by_name(const regio_perf_result *r, char *buf, size_t cap)
{
    switch (r->by) {
    case REGIO_PERF_BY_REP: return "rep";
    case REGIO_PERF_BY_LEVEL: snprintf(buf, cap, "level:%d", r->level); return buf;
    case REGIO_PERF_BY_MODEL: return "model";
    default: return "territory";
    }
}

static regio_err render_json(const regio_perf_result *r, regio_buf *b)
{
    char from[11], to[11], by[32];
    regio_day_format(r->period.start, from);
    regio_day_format(r->period.end - 1, to);
    regio_err rc = regio_buf_puts(b, "{\"model\":");
    if (!rc)
        rc = regio_buf_json_str(b, r->model);
    if (!rc)
        rc = regio_buf_printf(b,
                              ",\"period\":{\"from\":\"%s\",\"to\":\"%s\",\"days\":%ld},"
                              "\"by\":\"%s\",\"credit\":\"%s\"",
                              from, to, (long)(r->period.end - r->period.start),
                              by_name(r, by, sizeof by), r->current ? "current" : "as-of");
    if (!rc)
        rc = json_num(b, "median_penetration", r->median_penetration);
    if (!rc)
        rc = regio_buf_puts(b, ",\"rows\":[");
    for (size_t i = 0; !rc && i < r->n; i++) {
        const regio_perf_row *x = &r->rows[i];
        rc = regio_buf_puts(b, i ? ",{\"key\":" : "{\"key\":");
        if (!rc)
            rc = regio_buf_json_str(b, x->key);
        if (!rc)
            rc = json_num(b, "bookings", x->bookings);
        if (!rc)
            rc = json_num(b, "quota", x->quota);
        if (!rc)
            rc = json_num(b, "attainment", x->attainment);
        if (!rc)
            rc = json_num(b, "growth_yoy", x->growth_yoy);
        if (!rc)
            rc = json_num(b, "bookings_prev_year", x->bookings_prev);
        if (!rc)
            rc = json_num(b, "pipeline", x->pipeline);
        if (!rc)
            rc = json_num(b, "pipeline_weighted", x->pipeline_weighted);
        if (!rc)
            rc = regio_buf_printf(b, ",\"won\":%ld,\"lost\":%ld", x->won, x->lost);
        if (!rc)
            rc = json_num(b, "win_rate", x->win_rate);
        if (!rc)
            rc = regio_buf_printf(b, ",\"active_accounts\":%ld", x->active_accounts);
        if (!rc)
            rc = json_num(b, "potential", x->potential);
        if (!rc)
            rc = json_num(b, "penetration", x->penetration);
        if (!rc)
            rc = regio_buf_printf(b, ",\"visits\":%ld", x->visits);
        if (!rc)
            rc = json_num(b, "coverage", x->coverage);
        if (!rc)
            rc = regio_buf_printf(b, ",\"accounts_needing_visits\":%ld,\"accounts_covered\":%ld",
                                  x->needing, x->covered);
        if (!rc)
            rc = regio_buf_puts(b, ",\"flags\":[");
        int first = 1;
        for (size_t f = 0; !rc && f < NFLAGS; f++) {
            if (!(x->flags & FLAGS[f]))
                continue;
            char why[256];
            regio_perf_flag_reason(r, x, FLAGS[f], why, sizeof why);
            rc = regio_buf_printf(b, "%s{\"flag\":\"%s\",\"reason\":", first ? "" : ",",
                                  regio_perf_flag_name(FLAGS[f]));
            if (!rc)
                rc = regio_buf_json_str(b, why);
            if (!rc)
                rc = regio_buf_putc(b, '}');
            first = 0;
        }
        if (!rc)
            rc = regio_buf_puts(b, "]}");
    }
    if (!rc)
        rc = regio_buf_puts(b, "],\"fairness\":{");
    if (!rc)
        rc = json_fair(b, "attainment", &r->attainment);
    if (!rc)
        rc = regio_buf_putc(b, ',');
    if (!rc)
        rc = json_fair(b, "potential", &r->potential);
    if (!rc)
        rc = regio_buf_puts(b, "}}\n");
    return rc;
}

/* ---- the table ------------------------------------------------------------------- */

#define NCOL 13

static const char *const HEAD[NCOL] = {
    "",          "bookings", "quota", "attain.", "YoY",      "pipeline", "won/lost",
    "win rate",  "active acc.", "potential", "penetr.", "visits", "coverage"};

static void cells(const regio_perf_row *x, char c[NCOL][40])
{
    snprintf(c[0], 40, "%.39s", x->key);
    regio_format_money(x->bookings, NULL, c[1], 40);
    regio_format_money(x->quota, NULL, c[2], 40);
    pct(x->attainment, c[3], 40);
    regio_format_percent(x->growth_yoy, -1, 1, c[4], 40);
    regio_format_money(x->pipeline, NULL, c[5], 40);
    char w[20], l[20];
    regio_format_number((double)x->won, 0, w, sizeof w);
    regio_format_number((double)x->lost, 0, l, sizeof l);
    snprintf(c[6], 40, "%s/%s", w, l);
    pct(x->win_rate, c[7], 40);
    regio_format_number((double)x->active_accounts, 0, c[8], 40);
    regio_format_money(x->potential, NULL, c[9], 40);
    pct(x->penetration, c[10], 40);
    regio_format_number((double)x->visits, 0, c[11], 40);
    pct(x->coverage, c[12], 40);
}

static regio_err render_table(const regio_perf_result *r, regio_buf *b)
{
    char per[32], by[32];
    regio_period_format(r->period, per);
    regio_err rc = regio_buf_printf(b, "Performance of model '%s', %s (%ld days), by %s, %s crediting\n\n",
                                    r->model, per, (long)(r->period.end - r->period.start),
                                    by_name(r, by, sizeof by),
                                    r->current ? "current" : "as-of");
    size_t width[NCOL];
    for (int j = 0; j < NCOL; j++)
        width[j] = strlen(HEAD[j]);
    char c[NCOL][40];
    for (size_t i = 0; i < r->n; i++) {
        cells(&r->rows[i], c);
        for (int j = 0; j < NCOL; j++)
            if (strlen(c[j]) > width[j])
                width[j] = strlen(c[j]);
    }
    for (int j = 0; !rc && j < NCOL; j++)
        rc = regio_buf_printf(b, j ? "  %*s" : "%-*s", (int)width[j], HEAD[j]);
    if (!rc)
        rc = regio_buf_puts(b, "  flags\n");
    for (size_t i = 0; !rc && i < r->n; i++) {
        const regio_perf_row *x = &r->rows[i];
        cells(x, c);
        for (int j = 0; !rc && j < NCOL; j++)
            rc = regio_buf_printf(b, j ? "  %*s" : "%-*s", (int)width[j], c[j]);
        int first = 1;
        for (size_t f = 0; !rc && f < NFLAGS; f++)
            if (x->flags & FLAGS[f]) {
                rc = regio_buf_printf(b, "%s%s", first ? "  " : ", ", regio_perf_flag_name(FLAGS[f]));
                first = 0;
            }
        if (!rc)
            rc = regio_buf_putc(b, '\n');
    }
    int any = 0;
    for (size_t i = 0; !rc && i < r->n; i++)
        for (size_t f = 0; !rc && f < NFLAGS; f++)
            if (r->rows[i].flags & FLAGS[f]) {
                char why[256];
                regio_perf_flag_reason(r, &r->rows[i], FLAGS[f], why, sizeof why);
                rc = regio_buf_printf(b, "%s  %s %s: %s\n", any ? "" : "\nWhy flagged:\n",
                                      r->rows[i].key, regio_perf_flag_name(FLAGS[f]), why);
                any = 1;
            }
    char cv[32], gi[32], wi[32], rows[32];
    if (!rc) {
        pct(r->attainment.within10, wi, sizeof wi);
        snprintf(cv, sizeof cv, "%.2f", r->attainment.cv);
        snprintf(gi, sizeof gi, "%.2f", r->attainment.gini);
        regio_format_number((double)r->attainment.n, 0, rows, sizeof rows);
        rc = regio_buf_printf(b, "\nFairness: attainment CV %s, Gini %s, %s within 10%% of the mean (%s rows); ",
                              cv, gi, wi, rows);
    }
    if (!rc) {
        pct(r->potential.within10, wi, sizeof wi);
        snprintf(cv, sizeof cv, "%.2f", r->potential.cv);
        snprintf(gi, sizeof gi, "%.2f", r->potential.gini);
        rc = regio_buf_printf(b, "potential CV %s, Gini %s, %s within 10%%\n", cv, gi, wi);
    }
    if (!rc)
        rc = regio_buf_puts(b, "Money in currency units (k = thousand, M = million); YoY: bookings against the same period a year before.\n");
    return rc;
}

regio_err regio_perf_render(const regio_perf_result *r, regio_perf_format f, regio_buf *b)
{
    if (!r || !b)
        return REGIO_EINVAL;
    switch (f) {
    case REGIO_PERF_CSV: return render_csv(r, b);
    case REGIO_PERF_JSON: return render_json(r, b);
    default: return render_table(r, b);
    }
}
