/*
 * The figures of goals and results as values (docs/PERFORMANCE.md): days
 * and periods, the rows regio_perf_compute (regio/perf.h) fills, their
 * flags and fairness, and their CSV, JSON and table forms. Nothing here
 * reads a store.
 */
#ifndef REGIO_PERF_RESULT_H
#define REGIO_PERF_RESULT_H

#include "regio/buf.h"
#include "regio/core.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- days and periods ------------------------------------------------------ */

/* Days since 1970-01-01 (proleptic Gregorian). */
typedef int32_t regio_day;

/* "YYYY-MM-DD" (a real date; anything after it — a time — is ignored when
 * it starts with 'T' or ' ') or "M/D/YYYY" into *out; REGIO_EINVAL else. */
REGIO_API regio_err regio_day_parse(const char *s, regio_day *out);
/* Writes "YYYY-MM-DD" (11 bytes with the NUL) into out. */
REGIO_API void regio_day_format(regio_day d, char out[11]);
/* Today (UTC). */
REGIO_API regio_day regio_day_today(void);
/* d moved by whole calendar years (29 February becomes 28 February). */
REGIO_API regio_day regio_day_add_years(regio_day d, int years);

/* A half-open interval of days [start, end). */
typedef struct regio_period {
    regio_day start, end;
} regio_period;

/* Parses a period: "2027-03" (a month), "2027Q1" (a quarter), "2027" (a
 * year) or "FY2027" (the fiscal year ending in 2027, starting in month
 * fiscal_start, 1-12; 0 means 1). REGIO_EINVAL with a message naming the
 * accepted forms else. */
REGIO_API regio_err regio_period_parse(const char *text, int fiscal_start, regio_period *out,
                                       regio_error *err);
/* The period from day `from` to day `to`, both included ("YYYY-MM-DD"). */
REGIO_API regio_err regio_period_range(const char *from, const char *to, regio_period *out,
                                       regio_error *err);
/* Writes "2027-01-01..2027-03-31" (the last day included). */
REGIO_API void regio_period_format(regio_period p, char out[32]);

typedef enum regio_perf_by {
    REGIO_PERF_BY_TERRITORY = 0,
    REGIO_PERF_BY_REP = 1,
    REGIO_PERF_BY_LEVEL = 2,
    REGIO_PERF_BY_MODEL = 3
} regio_perf_by;

/* The figures' flags (bits). */
enum {
    REGIO_PERF_UNDER_POTENTIAL = 1,
    REGIO_PERF_UNDER_QUOTA = 2,
    REGIO_PERF_UNDER_COVERED = 4
};

/* One row. A ratio is NAN when undefined. */
typedef struct regio_perf_row {
    char *key;
    double bookings, quota, attainment, growth_yoy, pipeline, pipeline_weighted;
    long won, lost;
    double win_rate;
    long active_accounts;
    double potential, penetration;
    long visits;
    double coverage;
    long needing, covered;   /* coverage's counts: accounts with f > 0, covered */
    double bookings_prev;    /* bookings over P-1y */
    double expected;         /* under_potential's E (NAN when no median) */
    unsigned flags;
    int special;             /* (unassigned) or (no rep): left out of fairness */
} regio_perf_row;

typedef struct regio_perf_fairness {
    double cv, gini, within10; /* over the rows where the figure is defined */
    size_t n;
} regio_perf_fairness;

typedef struct regio_perf_result {
    char *model;             /* the reporting model's name */
    regio_period period;
    regio_perf_by by;
    int level;
    int current;
    regio_perf_row *rows;
    size_t n;
    double median_penetration; /* NAN when no leaf has potential */
    regio_perf_fairness attainment, potential;
} regio_perf_result;

/* Parses a grouping: "territory", "rep", "model" or "level:N" (N 1 to 64)
 * into *by and *level; REGIO_EINVAL for anything else. */
REGIO_API regio_err regio_perf_by_parse(const char *s, regio_perf_by *by, int *level);

REGIO_API void regio_perf_result_free(regio_perf_result *r);

/* The flag's reason, e.g. "attainment 72% of quota" (into out, cap bytes). */
REGIO_API void regio_perf_flag_reason(const regio_perf_result *r, const regio_perf_row *row,
                                      unsigned flag, char *out, size_t cap);
/* Stable name of one flag bit ("under_quota"); NULL for anything else. */
REGIO_API const char *regio_perf_flag_name(unsigned flag);

/* Output formats. */
typedef enum regio_perf_format {
    REGIO_PERF_TABLE = 0,
    REGIO_PERF_CSV = 1,
    REGIO_PERF_JSON = 2
} regio_perf_format;

/* Appends r in the format to b: CSV with the columns of docs/PERFORMANCE.md,
 * JSON with every figure, flag reasons and fairness, or the table for
 * people. */
REGIO_API regio_err regio_perf_render(const regio_perf_result *r, regio_perf_format f,
                                      regio_buf *b);

#ifdef __cplusplus
}
#endif
#endif
