/*
 * Territory design: the optimiser that groups geography units into k
 * balanced, contiguous, compact territories (and realigns an existing
 * design), and the evaluator that measures any labelling with the
 * definitions of docs/METRICS.md. Inputs are plain arrays so the
 * engine does not depend on any reader or on the store.
 */
#ifndef REGIO_DESIGN_H
#define REGIO_DESIGN_H

#include "regio/buf.h"
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
    const double *tolerances;     /* n_balance: a balanced measure's own allowed
                                     |dev| (<= 0: tolerance), or NULL = tolerance
                                     for all; with index_weights the index keeps
                                     tolerance and a measure given a tolerance
                                     here is also held within it */
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
                                     up to 20,000, 1 longer start above;
                                     above 300 territories, divided, the
                                     starts of each part: 2, or 8 for a
                                     part that misses);
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

/* The tolerance of balanced measure i (0..n_balance-1, the position in
 * balance_cols): tolerances[i] when given and > 0, else tolerance (else
 * the default). With index_weights and no tolerances[i] the measure is
 * held only through the index: 0 is returned then. */
REGIO_API double regio_design_tolerance_of(const regio_design_params *p, size_t i);

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

/* Why a unit is where a design or realign put it (regio_design_explain). */
typedef enum regio_reason_kind {
    REGIO_REASON_NONE = 0,    /* nothing found (should not happen: the tests check) */
    REGIO_REASON_LOCK,        /* the unit is locked to its territory */
    REGIO_REASON_GROUP,       /* kept whole with the other units of its group */
    REGIO_REASON_CONTIGUITY,  /* a contiguity repair: the unit (its block) was a
                                 detached piece of `from` in the baseline; or
                                 undoing it would cut territory `terr` into
                                 `before` pieces (it has `after` now) */
    REGIO_REASON_BALANCE,     /* undoing it would make territory `terr`'s deviation
                                 on measure `measure` `before` instead of `after`,
                                 further from its target */
    REGIO_REASON_TRAVEL       /* it is `after` (km or plane units) from the centre
                                 of its territory instead of `before` from the
                                 centre of `from` */
} regio_reason_kind;

/*
 * The reason of one unit. The counterfactual is "undoing" the unit's
 * block: in a realign, putting the block's units back in their baseline
 * territory `from`; in a design, giving them to `from`, the territory
 * whose centre is nearest. A block is a connected set of units that share
 * `from` and `to` (they moved together); its units are undone together and
 * carry the same reason.
 */
typedef struct regio_design_reason {
    size_t unit;              /* unit index */
    int from;                 /* baseline territory (realign) / nearest centre's (design) */
    int to;                   /* the territory the unit is in */
    regio_reason_kind kind;
    int terr;                 /* balance, contiguity: the territory concerned; -1 */
    int measure;              /* balance: the measure (column of the input); -1 */
    double before, after;     /* see regio_reason_kind */
    size_t block;             /* the block's lowest unit index */
    size_t block_units;       /* units in the block */
} regio_design_reason;

/*
 * Explains a labelling: one reason for every unit whose label differs
 * from params->baseline[i] when params->realign (a moved unit), else for
 * every unit not in the territory whose centre (the report's medoid, or
 * the home) is nearest. Reasons are tried in the order lock, group,
 * contiguity repair (realign: the unit was in a detached piece of its
 * baseline territory), balance (the largest worsening, relative to the
 * measure's tolerance, of |deviation| of `from` or `to` on a balanced
 * measure when the block is undone), contiguity (undoing the block cuts
 * `from` or `to`), travel (closer to its centre than to `from`'s). report
 * is the labelling's regio_design_evaluate. *reasons (caller frees with
 * regio_free) receives *n_reasons entries in unit order.
 */
REGIO_API regio_err regio_design_explain(const regio_design_input *in,
                                         const regio_design_params *params, const int *labels,
                                         const regio_design_report *report,
                                         regio_design_reason **reasons, size_t *n_reasons,
                                         regio_error *err);

/* "lock", "group", "contiguity", "balance", "travel" or "none". */
REGIO_API const char *regio_design_reason_kind_name(regio_reason_kind kind);

/* The reason as a sentence with its numbers, for people ("balance: T07's
 * accounts deviation +4.30% without the move, +1.90% with it"); names from
 * params->territory_names and in->measure_names. Returns buf. */
REGIO_API const char *regio_design_reason_text(const regio_design_input *in,
                                               const regio_design_params *params,
                                               const regio_design_reason *r, char *buf,
                                               size_t cap);

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
    regio_design_reason *reasons; /* regio_design_explain of labels (owned) */
    size_t n_reasons;
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

/* The weighted index balance of a report (params->index_weights): the
 * largest |sum_c w_c dev_tc / sum_c w_c| over territories t; 0 without
 * index weights. */
REGIO_API double regio_design_index_balance(const regio_design_params *params,
                                            const regio_design_report *r);

/*
 * The balance figure of a proposal front: the largest balance of a
 * balanced measure, each scaled by tolerance / its own tolerance (the
 * plain worst deviation when the tolerances are equal), and with index
 * weights the index balance for the measures held through the index only.
 */
REGIO_API double regio_design_balance_figure(const regio_design_params *params,
                                             const regio_design_report *r);

/* One design of a proposal front (regio_design_propose). */
typedef struct regio_design_proposal {
    regio_design_result result; /* labels, report, diagnostics, reasons */
    regio_err status;           /* REGIO_OK, or REGIO_EINFEASIBLE: a tolerance of
                                   its run missed (contiguity, locks and the
                                   budget hold in every proposal) */
    double balance;             /* regio_design_balance_figure */
    double cost;                /* design: travel_km; realign: moved_units_share */
    double tolerance_factor;    /* the tolerances of its run: params' x this */
} regio_design_proposal;

/* Proposals, the most balanced first (so the costliest first). Free with
 * regio_design_proposals_free. */
typedef struct regio_design_proposals {
    size_t n;
    regio_design_proposal *items;
    int runs;                   /* design or realign runs made */
    int realign;                /* 1: cost is disruption */
    double seconds;             /* wall time of all runs */
} regio_design_proposals;

/*
 * Up to max_proposals (1..20) designs on the Pareto front of travel vs
 * balance (a design) or disruption vs balance (params->realign): runs of
 * regio_design_run with the same input, seed and options and the
 * tolerances scaled by a fixed ladder of factors, 1 first (the
 * single-answer run); a design then tries 0.5, 2, 0.25, 3, 0.75, 1.5,
 * 0.125, 5 and a realign only looser ones, 2, 3, 1.5, 5, 1.25, 4, 2.5, 8
 * (max_proposals + 2 runs, at least 3, at most 9). Each realign run is
 * then polished: single boundary moves that lower its largest deviation
 * while every territory stays connected and its disruption does not grow,
 * so it dominates or equals the run; and its most balanced run, polished
 * again with the whole budget (max_moved_units / max_moved_weight), is one
 * more candidate. A candidate must be contiguous and keep the locks and
 * the budget (when none does, the best effort is kept); those no other
 * dominates (as good on both figures and better on one) are the front,
 * thinned to max_proposals by keeping both ends and the point that covers
 * the single-answer run, then, one at a time, the point furthest from
 * those kept (figures scaled to their ranges). The same input and seed
 * give the same proposals. params->time_limit_s holds for each run.
 * REGIO_OK with at least one proposal, REGIO_ECANCELLED when the callback
 * stopped it (the runs done are used), else an error as
 * regio_design_run's.
 */
REGIO_API regio_err regio_design_propose(const regio_design_input *in,
                                         const regio_design_params *params, int max_proposals,
                                         regio_design_proposals *out, regio_error *err);

/* Frees the proposals and zeroes the struct. Accepts NULL. */
REGIO_API void regio_design_proposals_free(regio_design_proposals *p);

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


/* ---- reps to territories (rep_assign.c) ------------------------------------ */

/*
 * Minimum-cost rectangular assignment (Hungarian method, shortest
 * augmenting paths with potentials; O(min^2 * max) for n_rows x n_cols).
 * cost holds n_rows * n_cols finite numbers, row-major. When n_rows <=
 * n_cols every row gets a column of its own, else every column gets a row
 * of its own; the sum of the chosen costs is the least possible. The same
 * input always gives the same answer. Fills row_col (n_rows entries, the
 * caller's: a column index, or -1 for a row left out) and *total (may be
 * NULL). REGIO_EINVAL for a cost that is not finite or a matrix too large
 * to index with int, REGIO_ENOMEM.
 */
REGIO_API regio_err regio_assignment_solve(size_t n_rows, size_t n_cols, const double *cost,
                                           int *row_col, double *total, regio_error *err);

/*
 * Home-to-territory distances (docs/METRICS.md): out[h * k + t] is the
 * mean distance from home h (home_x[h], home_y[h] as in->coords: lon/lat
 * degrees or planar) to the units of territory t (labels: n entries in
 * 0..k-1, -1 for a unit in no territory), each unit weighted by measure
 * weight_col (REGIO_DESIGN_TRAVEL_UNIFORM: every unit 1; a territory
 * whose weight sums to 0 falls back to every unit 1): the mean distance
 * the rep of a territory lives from its accounts, in km (great circle) or
 * plane units. NAN for a territory without units and for a home with a
 * coordinate that is not finite. out (n_homes * k doubles) is the
 * caller's. REGIO_EINVAL for a bad label or weight column.
 */
REGIO_API regio_err regio_rep_distances(const regio_design_input *in, int k, const int *labels,
                                        int weight_col, size_t n_homes, const double *home_x,
                                        const double *home_y, double *out, regio_error *err);

/* Reps given to k territories by regio_rep_assign. Arrays owned by the
 * struct; free with regio_rep_assignment_free. */
typedef struct regio_rep_assignment {
    int k;
    size_t n_reps;
    int *territory_rep;       /* k: the territory's rep (0..n_reps-1), -1 = vacant */
    double *territory_dist;   /* k: home-to-territory distance of that rep; NAN when
                                 vacant, empty or the rep has no home */
    unsigned char *kept;      /* k: 1 = the rep was pinned (kept), not chosen */
    unsigned char *empty;     /* k: 1 = the territory holds no unit (gets no chosen rep) */
    int *rep_territory;       /* n_reps: the (first) territory of each rep, -1 = none */
    unsigned char *has_home;  /* n_reps: 1 = the rep's home coordinates are finite */
    double total_dist;        /* sum of the finite territory_dist */
    int n_assigned;           /* territories with a rep */
    int n_kept;               /* of which pinned */
    int n_vacant;             /* territories without a rep (empty ones included) */
    size_t n_homeless;        /* reps without a home and without a territory: not placed */
    size_t n_idle;            /* reps with a home and without a territory (more reps
                                 than territories) */
} regio_rep_assignment;

/*
 * Gives k territories (labels over in's units, as for regio_rep_distances)
 * their reps: n_reps reps with homes home_x/home_y (a coordinate that is
 * not finite: the rep has no home and cannot be placed). A territory t
 * with pinned[t] >= 0 keeps that rep (pinned may be NULL; a rep may be
 * pinned to several territories, and a pinned rep needs no home). The
 * other territories that hold units and the other reps with a home are
 * matched one to one by regio_assignment_solve minimising the total
 * home-to-territory distance: every territory gets a rep when there are
 * enough, else the territories the reps are nearest get them and the rest
 * stay vacant; every rep gets a territory when there are enough
 * territories, else some stay without one. Deterministic. *out is filled
 * on success (caller frees with regio_rep_assignment_free).
 */
REGIO_API regio_err regio_rep_assign(const regio_design_input *in, int k, const int *labels,
                                     int weight_col, size_t n_reps, const double *home_x,
                                     const double *home_y, const int *pinned,
                                     regio_rep_assignment *out, regio_error *err);

/* Frees the arrays of an assignment and zeroes it. Accepts NULL. */
REGIO_API void regio_rep_assignment_free(regio_rep_assignment *a);

/*
 * Appends what an assignment did to out as lines of text ("\n" each) for
 * people: how many territories have a rep (and how many kept theirs), the
 * total and mean home-to-territory distance (km, or "units" for planar
 * coords), then, when there are any, the vacant territories, the reps
 * without a home and the reps left without a territory, naming the first
 * ten of each; without any rep, one line saying every territory is
 * vacant. territory: k names; rep_ids: n_reps names.
 */
REGIO_API regio_err regio_rep_assignment_describe(const regio_rep_assignment *a,
                                                  regio_coords coords,
                                                  const char *const *territory,
                                                  const char *const *rep_ids, regio_buf *out);

#ifdef __cplusplus
}
#endif
#endif
