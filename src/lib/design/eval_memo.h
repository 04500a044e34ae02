/*
 * Private to libregio: the evaluation of a labelling (metrics.c) kept
 * between calls, so that after a few units move only the territories
 * they left and joined are measured again (a model view answers an edit
 * of a 50,000-territory model in well under a millisecond of measuring,
 * where measuring everything took tens). The result is the same, bit for
 * bit, as a whole evaluation of the same labelling.
 */
#ifndef REGIO_DESIGN_EVAL_MEMO_H
#define REGIO_DESIGN_EVAL_MEMO_H

#include "regio/design.h"

/* What the last evaluation leaves for the next; zero-initialised = empty. */
typedef struct regio__eval_memo {
    int valid; /* the fields below belong to the report last evaluated */
    size_t n, m;
    int k;
    double *pts;    /* 3n: the units' points */
    double *cost;   /* k: each territory's weighted travel to its centre */
    double *sorted; /* m * k: each measure's territory totals, ascending */
    int *labels;    /* n: the labelling evaluated */
    double *w;      /* n: each unit's travel weight, aligned or not */
    double *tot;    /* k * m: the territories' totals */
    double *adj;    /* k * m: the measure_adjust they hold (0 without) */
    double *absdev; /* k * m: |deviation| */
    double *share;  /* k: target shares, normalised */
    double *colsum; /* m: the measures' totals over all territories */
    double wsum;    /* the travel weight of the aligned units */
    unsigned *seen; /* n: marks of the contiguity search */
    unsigned mark;
} regio__eval_memo;

/* Frees what the memo holds and empties it. Accepts NULL. */
void regio__eval_memo_free(regio__eval_memo *memo);

/*
 * regio_design_evaluate with a memo (may be NULL: the same as it). With
 * changed (k flags, 1 for each territory whose set of units differs from
 * the last evaluation's) and a valid memo of the same in and params
 * (whose measure_adjust may differ) for which out holds the report, out
 * is brought up to date in place: the labels are compared with the last
 * ones (the units that moved say which territories changed, whatever
 * `changed` says), the totals, centre, travel, diameter and components of
 * those territories (and the totals of those whose measure_adjust
 * changed) are counted again, and the figures over all territories are
 * summed again from contiguous arrays (O(n + k m)); the sorted totals
 * move by the totals that changed. Otherwise (changed NULL,
 * an empty memo, other sizes) out (freed first when it holds a report and
 * a memo is given) receives a whole evaluation and the memo is filled.
 * On failure out is freed and the memo emptied of its validity.
 */
regio_err regio__design_evaluate_memo(const regio_design_input *in,
                                      const regio_design_params *params, const int *labels,
                                      const unsigned char *changed, regio_design_report *out,
                                      regio__eval_memo *memo, regio_error *err);

#endif
