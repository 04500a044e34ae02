/*
 * Monthly series of the performance figures (docs/PERFORMANCE.md): bookings
 * against quota month by month, per row (territory, rep, level or model)
 * and in total, for the app's trend and bar charts. Each month is one
 * regio_perf_compute, so the series agree with `regio perf` for that month.
 */
#ifndef REGIO_PERF_TREND_H
#define REGIO_PERF_TREND_H

#include "regio/perf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The longest series regio_perf_trend_compute makes (five years). */
#define REGIO_PERF_TREND_MAX_MONTHS 60

/* One row's series: bookings[i] and quota[i] belong to months[i]. */
typedef struct regio_perf_trend_row {
    char *key;
    int special;           /* (unassigned) or (no rep) */
    double *bookings, *quota;
} regio_perf_trend_row;

typedef struct regio_perf_trend {
    char *model;           /* the reporting model's name */
    regio_perf_by by;
    int level;
    int current;
    size_t n_months;
    char (*months)[8];     /* "2027-01", oldest first */
    double *bookings, *quota; /* the sums over the rows, per month */
    regio_perf_trend_row *rows; /* sorted by key, (unassigned) and (no rep) last; a
                                   key without a row in some month has 0 there */
    size_t n;
} regio_perf_trend;

/* The `months` months (1 to REGIO_PERF_TREND_MAX_MONTHS) ending with month
 * `to` ("YYYY-MM"; NULL: the current month, UTC), each computed with q
 * (model, by, level, crediting, segment map, visibility; q->period is
 * ignored). The caller frees *out with regio_perf_trend_free. A bad month
 * or count fails with REGIO_EINVAL, an unknown model with REGIO_ENOTFOUND. */
REGIO_API regio_err regio_perf_trend_compute(regio_store *s, const regio_perf_query *q,
                                             int months, const char *to,
                                             regio_perf_trend *out, regio_error *err);
/* The same through a cache of credited figures (regio_perf_cache). */
REGIO_API regio_err regio_perf_trend_compute_cached(regio_perf_cache *cache, regio_store *s,
                                                    const regio_perf_query *q, int months,
                                                    const char *to, regio_perf_trend *out,
                                                    regio_error *err);
REGIO_API void regio_perf_trend_free(regio_perf_trend *t);

/* Appends t as JSON to b: {"model", "by", "credit", "months": [...],
 * "total": {"bookings": [...], "quota": [...]}, "rows": [{"key",
 * "bookings", "quota"}, ...]}. */
REGIO_API regio_err regio_perf_trend_render_json(const regio_perf_trend *t, regio_buf *b);

#ifdef __cplusplus
}
#endif
#endif
