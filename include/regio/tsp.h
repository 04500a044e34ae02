/*
 * Travelling salesman: one closed tour through every point of a distance
 * provider, starting and ending at point 0 (the depot), with no stop limit.
 * The solver is Lin-Kernighan local search with Or-opt inside an iterated
 * local search (see src/lib/route/tsp.c for the method). Also a small reader
 * for TSPLIB instances, for benchmarks and tests.
 */
#ifndef REGIO_TSP_H
#define REGIO_TSP_H

#include "regio/core.h"
#include "regio/dist.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Solver parameters. Zero-initialise and set what you need.
 *
 * Reproducibility ("same input and seed, same output"): the search is one
 * deterministic trajectory for a given input and seed; the only thing a
 * clock can change is how many iterated-local-search kicks it completes.
 * So:
 *  - with max_iterations > 0 and time_limit_s == 0 the output is
 *    bit-identical on every machine;
 *  - with a time limit, the run stops after whole kicks, and the number of
 *    kicks completed is reported in regio_tsp_stats.iterations; rerunning
 *    with that number as max_iterations (and no time limit) reproduces the
 *    tour exactly, on any machine (also after a cancel through progress).
 * Both limits zero means a default budget of 50 * n kicks (deterministic).
 * The first local search (before any kick) runs to completion unless the
 * time limit expires during it; see regio_tsp_stats.first_ls_cut.
 * "Every machine" means every machine running the same build: Euclidean
 * and matrix costs use only correctly rounded operations, but a compiler
 * that fuses multiply-adds (e.g. on AArch64) or another libm (haversine's
 * sin/cos/asin) can change last bits and so the trajectory.
 */
typedef struct regio_tsp_params {
    uint64_t seed;
    double time_limit_s;       /* wall clock budget; 0 = none */
    uint64_t max_iterations;   /* kick budget; 0 = none */
    /* Called at the start of each phase ("construct", "local search") and
     * about ten times a second during the kicks ("ils"), with the fraction
     * of the budget used; "done" at the end. A non-zero return stops the
     * search and the best tour so far is returned with REGIO_OK (the
     * search is anytime; stats.cancelled is set). May be NULL. */
    regio_progress_fn progress;
    void *progress_ud;
    int neighbours;            /* candidate list length, <= 16; 0 = default
                                * (10: nearest with quadrant spread) */
} regio_tsp_params;

/* What a solve did. Plain value type. */
typedef struct regio_tsp_stats {
    uint64_t iterations;     /* ILS kicks completed */
    uint64_t improvements;   /* kicks that gave a strictly better tour */
    double initial_cost;     /* after construction (greedy edge) */
    double local_opt_cost;   /* after the first local search */
    double seconds;          /* wall clock spent */
    int cancelled;           /* the progress callback asked to stop */
    /* The time limit ran out during the first local search (only on very
     * large inputs: it takes ~5 s at 100,000 points on a 2-core machine);
     * then no kicks were made and the tour depends on machine speed. */
    int first_ls_cut;
} regio_tsp_stats;

/*
 * Finds a short closed tour. tour must hold regio_dist_size(d) entries
 * (caller-owned); on success it is a permutation of 0..n-1 with tour[0] == 0
 * and *cost is the sum of regio_dist_cost over its legs including the one
 * back to 0. Asymmetric matrices are searched on symmetrised costs
 * (c(i,j) + c(j,i)) / 2 and the cheaper orientation of the result is
 * returned, so they get a good but not ATSP-specific answer. Returns
 * REGIO_EINVAL for NULL arguments, a negative or non-finite time limit or
 * neighbours outside 0..16, and REGIO_ENOMEM (err says which).
 */
REGIO_API regio_err regio_tsp_solve(const regio_dist *d, const regio_tsp_params *p,
                          uint32_t *tour, double *cost, regio_error *err);

/* As regio_tsp_solve, also filling *stats (may be NULL). */
REGIO_API regio_err regio_tsp_solve_ex(const regio_dist *d, const regio_tsp_params *p,
                             uint32_t *tour, double *cost,
                             regio_tsp_stats *stats, regio_error *err);

/* Sum of cost(tour[i], tour[i+1]) over the closed tour of n points. */
REGIO_API double regio_tsp_tour_cost(const regio_dist *d, const uint32_t *tour,
                           size_t n);

/* ---- TSPLIB reader ----------------------------------------------------- */

/* A TSPLIB instance with coordinates. Free with regio_tsplib_clear. */
typedef struct regio_tsplib {
    char name[128];
    size_t n;
    double *x, *y;         /* owned; node i (0-based) = TSPLIB node i + 1 */
    int round_nearest;     /* 1: legs are rounded (EUC_2D) */
} regio_tsplib;

/*
 * Reads a symmetric TSPLIB file (TYPE: TSP, EDGE_WEIGHT_TYPE: EUC_2D, a
 * NODE_COORD_SECTION with nodes numbered 1..DIMENSION). Errors:
 * REGIO_EIO when the file cannot be opened; REGIO_EPARSE with err->file,
 * err->line (1-based) and a message for malformed headers, bad numbers,
 * missing, duplicate or out-of-range nodes; REGIO_EUNSUPPORTED for other
 * types or edge weight types. On success *out owns its arrays.
 */
REGIO_API regio_err regio_tsplib_read(const char *path, regio_tsplib *out,
                            regio_error *err);

/* Same, from a NUL-terminated string (name is used in error messages). */
REGIO_API regio_err regio_tsplib_parse(const char *text, const char *name,
                             regio_tsplib *out, regio_error *err);

/* Frees an instance's arrays and zeroes it; accepts NULL. */
REGIO_API void regio_tsplib_clear(regio_tsplib *t);

#ifdef __cplusplus
}
#endif
#endif
