/*
 * Shared by the benches that hand problems to regio as VROOM JSON
 * (bench_vrptw --vroom-json, bench_week): the closing `matrices` member.
 */
#ifndef BENCH_VROOM_H
#define BENCH_VROOM_H

#include "regio/buf.h"

/* Appends `],\n"matrices": {"car": {"durations": [...]}}}\n` (closing the
 * jobs array and the problem) for the n x n row-major matrix d, each entry
 * at full precision (whole numbers print whole, as VROOM wants them).
 * Returns non-zero on allocation failure. */
static inline regio_err bench_vroom_matrix(regio_buf *b, const double *d, int n)
{
    regio_err rc = regio_buf_puts(b, "],\n\"matrices\": {\"car\": {\"durations\": [");
    for (int a = 0; a < n; a++) {
        rc |= regio_buf_puts(b, a ? ",\n[" : "\n[");
        for (int c = 0; c < n; c++)
            rc |= regio_buf_printf(b, c ? ",%.17g" : "%.17g", d[(size_t)a * n + c]);
        rc |= regio_buf_puts(b, "]");
    }
    rc |= regio_buf_puts(b, "]}}}\n");
    return rc;
}

#endif
