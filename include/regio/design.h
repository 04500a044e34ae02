/*
 * Territory design: the optimiser that groups geography units into k
 * balanced, contiguous, compact territories (and realigns an existing
 * design), and the evaluator that measures any labelling with the
 * definitions of docs/METRICS.md. Inputs are plain arrays so the
 * engine does not depend on any reader or on the store.
 */
#ifndef REGIO_DESIGN_H
#define REGIO_DESIGN_H

#include "regio/core.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Great-circle distances use REGIO_EARTH_RADIUS_KM from core.h. */

/* Default balance tolerance when params.tolerance <= 0. */
#define REGIO_DESIGN_DEFAULT_TOLERANCE 0.05

/* travel_col value: use the first balance measure (the default). */
#define REGIO_DESIGN_TRAVEL_DEFAULT (-1)
/* travel_col value: every unit weighs 1 (plain unweighted compactness). */
#define REGIO_DESIGN_TRAVEL_UNIFORM (-2)

/* How unit coordinates are read. */
typedef enum regio_coords {
    REGIO_COORDS_LATLON = 0, /* y = latitude, x = longitude, WGS84 degrees */
    REGIO_COORDS_PLANAR = 1  /* Euclidean x, y in any unit */
} regio_coords;

/* What the optimiser minimises once balance and contiguity hold. */
typedef enum regio_design_objective {
    REGIO_DESIGN_MIN_TRAVEL = 0,  /* METRICS.md travel (weighted medoid) */
    REGIO_DESIGN_MIN_DIAMETER = 1 /* largest within-territory distance */
} regio_design_objective;

/*
 * The problem data: n units with coordinates, m numeric measures and the
 * adjacency graph G' in CSR form. Nothing is owned; all arrays are read
 * only and must outlive the call that uses them.
 */
typedef struct regio_design_input {
    size_t n;                 /* number of units, >= 1 */
    regio_coords coords;
    const double *x;          /* n: longitude (deg) or planar x */
    const double *y;          /* n: latitude (deg) or planar y */
    size_t m;                 /* number of measures, >= 1 */
    const double *measures;   /* n*m row-major, finite, >= 0 */
    const char *const *measure_names; /* m names, or NULL ("measure 0" ...) */
    const char *const *unit_ids;      /* n names for diagnostics, or NULL */
    const int *xadj;          /* n+1 offsets into adjncy */
    const int *adjncy;        /* neighbours, both directions listed; island
                                 links already added (see
                                 regio_design_island_links) */
} regio_design_input;

/*
 * Options of a design run and of an evaluation. Start from
 * regio_design_params_init(). Arrays are borrowed.
 */
typedef struct regio_design_params {
    int k;                        /* number of territories, >= 1 */
    const double *target_shares;  /* k shares (normalised internally), NULL = 1/k */
    double tolerance;             /* allowed |dev| per balanced measure; <= 0 = 0.05 */
    const int *balance_cols;      /* measures to balance; NULL = {0} */
    size_t n_balance;             /* length of balance_cols (0 with NULL) */
    const double *index_weights;  /* n_balance weights: balance one combined
                                     index sum_c w_c a_ic / sum_i a_ic instead of
                                     each measure separately; NULL = separately */
    int travel_col;               /* weight column w; REGIO_DESIGN_TRAVEL_DEFAULT
                                     = first balance measure, or _UNIFORM */
    const double *home_x;         /* k rep homes (lon / planar x), or NULL; */
    const double *home_y;         /* territory t is centred on home t */
    const int *locked;            /* n: territory a unit must keep, -1 free; or NULL */
    const int *groups;            /* n: group id kept whole, -1 none; or NULL */
    const int *baseline;          /* n: previous labels (disruption, realign); or NULL */
    int realign;                  /* 1: start from baseline and repair it */
    double max_moved_units;       /* realign: max share of units moved (0 = no cap) */
    double max_moved_weight;      /* realign: max share of weight w moved (0 = no cap) */
    regio_design_objective objective; /* MIN_DIAMETER adds a diameter descent
                                     and picks the start with the smallest
                                     largest diameter */
    uint64_t seed;
    int n_starts;                 /* design: starts of the multistart schedule
                                     (0 = automatic: 8 up to 5,000 nodes, 3
                                     up to 20,000, 1 longer start above);
                                     realign: attempts (0 = 6, at most 6) */
    double time_limit_s;          /* safety net, 0 = none (see regio_design_run) */
    const char *const *territory_names; /* k names for diagnostics ("T34"), or NULL
                                     ("territory 34", counting from 1) */
    int allow_unaligned;          /* evaluate only: a label of -1 is a unit in no
                                     territory (added after the alignment was
                                     made): it counts in no total, travel,
                                     contiguity or disruption, and the report
                                     counts it in n_unaligned; else an error */
    const double *measure_adjust; /* evaluate only: k*m amounts added to each
                                     territory's totals (and the column totals)
                                     before deviations are computed — the
                                     measures of accounts moved by hand into or
                                     out of a territory; NULL = none */
    regio_progress_fn progress;   /* may be NULL; non-zero return cancels */
    void *progress_ud;
} regio_design_params;

/* Fills defaults: k = 1, tolerance 0.05, balance measure 0, seed 1. */
REGIO_API void regio_design_params_init(regio_design_params *p);

/* One territory in a report. Arrays are owned by the report. */
typedef struct regio_design_territory {
    size_t n_units;
    double *totals;      /* m: A_tc per measure */
    double *target;      /* m: mu_tc per measure */
    double *dev;         /* m: (A_tc - mu_tc) / mu_tc (0 when mu_tc = 0) */
    double travel_km;    /* sum_{i in t} w_i d(i, c_t) / sum_i w_i */
    double diameter;     /* largest distance between two of its units */
    int contiguous;      /* 1 when connected in G' (empty counts as 0) */
    int n_components;
    long centre;         /* medoid unit index, or -1 when a home is used / empty */
} regio_design_territory;

/* Metrics of a labelling exactly per METRICS.md. Free with
 * regio_design_report_free. */
typedef struct regio_design_report {
    int k;
    size_t m;
    regio_design_territory *territories; /* k */
    double *balance;          /* m: max_t |dev_tc| */
    double *cv;               /* m: stdev/mean of territory totals */
    double *gini;             /* m */
    double *within5;          /* m: share of territories with |dev| <= 0.05 */
    double *within15;         /* m: share with |dev| <= 0.15 */
    double travel_km;         /* sum_i w_i d(i, c_t(i)) / sum_i w_i */
    double max_diameter;      /* max over territories */
    int n_noncontiguous;      /* territories not connected in G' (incl. empty) */
    int n_empty;
    size_t n_unaligned;       /* units in no territory (params.allow_unaligned) */
    int has_baseline;
    size_t moved_units;       /* units whose label differs from the baseline */
    double moved_units_share;
    double moved_weight_share;
} regio_design_report;

/* Frees the arrays inside a report and zeroes it. Accepts NULL. */
REGIO_API void regio_design_report_free(regio_design_report *r);

/*
 * Measures any labelling (labels[i] in 0..k-1) with the METRICS.md
 * definitions, using k, target_shares, travel_col (and balance_cols for
 * its default), homes and baseline from params (params may be NULL for
 * k = max label + 1 and defaults). The report is filled on success and
 * owned by the caller (regio_design_report_free).
 */
REGIO_API regio_err regio_design_evaluate(const regio_design_input *in,
                                const regio_design_params *params,
                                const int *labels, regio_design_report *out,
                                regio_error *err);

/* Result of a design or realign run. Free with regio_design_result_free. */
typedef struct regio_design_result {
    int *labels;              /* n territory labels 0..k-1 (owned) */
    regio_design_report report;
    char **diagnostics;       /* n_diagnostics sentences (owned) */
    size_t n_diagnostics;
    size_t *moved;            /* realign / baseline: units whose label changed (owned) */
    size_t n_moved;
    double seconds;           /* wall time of the run */
    int starts_done;          /* multistart iterations completed */
    int stopped_by_time;      /* 1 when the time limit cut the schedule */
} regio_design_result;

/* Frees everything inside a result and zeroes it. Accepts NULL. */
REGIO_API void regio_design_result_free(regio_design_result *r);

/*
 * Designs k territories (or, with params.realign, repairs the baseline).
 * The search follows a fixed schedule determined by the input, seed and
 * n_starts, so the same input and seed give identical labels; the time
 * limit is only a safety net that cuts the schedule short (then
 * stopped_by_time is set and the result may differ from an uncut run).
 * Returns REGIO_OK when every constraint holds, REGIO_EINFEASIBLE when
 * the best effort still violates balance, contiguity, locks, groups or
 * the disruption budget (reasons in result.diagnostics), REGIO_ECANCELLED
 * when the callback stopped it (best effort still filled), or an error
 * for invalid input. The result is owned by the caller.
 */
REGIO_API regio_err regio_design_run(const regio_design_input *in,
                           const regio_design_params *params,
                           regio_design_result *out, regio_error *err);

/*
 * Builds G' from G: every connected component other than the largest gets
 * one extra edge between its unit and the unit of the largest component
 * closest by d (METRICS.md island links). Outputs a new CSR owned by the
 * caller (regio_free both); n_links receives the number of links added
 * (may be NULL).
 */
REGIO_API regio_err regio_design_island_links(size_t n, regio_coords coords,
                                    const double *x, const double *y,
                                    const int *xadj, const int *adjncy,
                                    int **out_xadj, int **out_adjncy,
                                    size_t *n_links);

/*
 * Builds a CSR graph (both directions, duplicates and self loops dropped)
 * from an edge list of n_edges pairs (a[e], b[e]). Caller frees both
 * arrays with regio_free.
 */
REGIO_API regio_err regio_design_csr_from_edges(size_t n, const int *a, const int *b,
                                      size_t n_edges, int **out_xadj,
                                      int **out_adjncy);

/* Distance between two points in km (LATLON, haversine) or plane units. */
REGIO_API double regio_design_distance(regio_coords coords, double x1, double y1,
                             double x2, double y2);

#ifdef __cplusplus
}
#endif
#endif
