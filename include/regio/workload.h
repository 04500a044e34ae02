/*
 * The workload loop on the store (PRODUCT.md job 3 feeding job 1): every
 * territory of a stored model planned as `regio plan --model M --territory
 * T` plans one (regio_territory_plan_*), the plans saved, and each
 * account's call time and share of the routed travel summed onto the
 * geography unit it lies in as a unit measure, "workload" (hours per
 * cycle), that `regio design` and `regio realign --balance workload`
 * balance; and the loop that realigns a model on that measure, plans it
 * again and stops when the workload balance stops improving.
 */
#ifndef REGIO_WORKLOAD_H
#define REGIO_WORKLOAD_H

#include "regio/core.h"
#include "regio/model_view.h"
#include "regio/plan.h"
#include "regio/store.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The unit measure the workload is stored as. */
#define REGIO_WORKLOAD_MEASURE "workload"

/* How every territory is planned. Zero-initialise; zeros mean the defaults
 * of regio_territory_plan_opts (20 days, 20-minute calls, 5 s a territory,
 * seed 0, the cycle from today). Strings borrowed. */
typedef struct regio_plan_all_opts {
    int n_days;
    double call_minutes;
    uint64_t seed;
    double time_limit_s;         /* per territory; < 0 = none */
    const char *start;           /* "YYYY-MM-DD" or NULL */
    int overnight;               /* overnight trips allowed, with these costs and */
    double hotel_cost, km_cost;  /* limit (regio_territory_plan_opts; 0 = defaults) */
    int max_nights;
    int trip_days;               /* trips over weekends (regio_plan_params); 0 = none */
    const char *name_prefix;     /* plans saved as "<prefix>/<territory>"; NULL or "" =
                                    the default name of regio_territory_plan_save */
    const char *actor;           /* audited as; NULL = "cli" */
    regio_progress_fn progress;  /* per territory; may be NULL; non-zero cancels (nothing saved) */
    void *progress_ud;
} regio_plan_all_opts;

/* What became of one territory. Values are stable. */
typedef enum regio_plan_all_status {
    REGIO_PLAN_ALL_PLANNED = 0,  /* planned and saved (some visits may be estimated) */
    REGIO_PLAN_ALL_EMPTY = 1,    /* nothing to visit: no plan, workload 0 */
    REGIO_PLAN_ALL_UNREACHED = 2,/* no visit fits a working day: no plan saved, every
                                    visit's workload estimated */
    REGIO_PLAN_ALL_FAILED = 3    /* no plan (message says why, e.g. no rep): its
                                    accounts carry no workload */
} regio_plan_all_status;

/* Stable lower-case name of a status ("planned"); static storage. */
REGIO_API const char *regio_plan_all_status_name(regio_plan_all_status st);

/* One territory of a plan-all run. Strings owned by the result. */
typedef struct regio_plan_all_territory {
    char *territory;             /* leaf id */
    char *rep;                   /* the planned rep's id, or NULL */
    regio_plan_all_status status;
    char message[768];           /* why not planned, or a warning; "" */
    long plan_id;                /* saved plan, else 0 */
    char *plan_name;             /* or NULL */
    size_t n_accounts;           /* accounts with coordinates planned */
    long visits_required, visits_scheduled;
    double call_h, travel_h, travel_km; /* of the scheduled visits (the routed plan) */
    int nights;                  /* nights at hotels (overnight trips) */
    double estimated_h;          /* the visits not scheduled: their calls plus an
                                    estimated travel share (see regio_plan_all) */
    double workload_h;           /* call_h + travel_h + estimated_h */
} regio_plan_all_territory;

/* A plan-all run. Owned by the caller; free with regio_plan_all_destroy. */
typedef struct regio_plan_all_result {
    char *model;
    size_t n_territories;
    regio_plan_all_territory *territories; /* leaves in id order */
    size_t n_planned, n_empty, n_unreached, n_failed;
    long visits_required, visits_scheduled;
    double call_h, travel_h, travel_km;    /* scheduled visits, all plans */
    int nights;                            /* at hotels, all plans */
    double estimated_h;                    /* visits not scheduled */
    double workload_h;                     /* call_h + travel_h + estimated_h */
    double travel_per_visit_h;             /* travel_h / visits_scheduled (0 without) */
    double unattributed_h;                 /* of accounts whose unit is not a unit of
                                              the store (counted in workload_h) */
    size_t n_units;                        /* the view's units, in their order */
    char **unit_ids;
    double *unit_workload_h;               /* n_units: hours per cycle */
    double seconds;
} regio_plan_all_result;

/*
 * Plans every leaf territory of model v (loaded with regio_model_view_load
 * over the store's units; borrowed for the call) with
 * regio_territory_plan_prepare / _solve (each territory's own rep, home,
 * accounts and visit frequencies as the store holds them), saves each
 * plan that places a visit (regio_territory_plan_save), and sums the
 * workload onto the units: each account's scheduled calls plus its share
 * of the routed travel (half of each leg into and out of each of its
 * stops, the legs from and to home going wholly to the first and last
 * stop: regio_plan_account_stats) goes to the unit the account lies in.
 * A visit the plan could not place counts its call plus an estimated
 * travel share: the mean travel per scheduled visit of its territory's
 * plan when that placed at least half of its visits, else of all plans
 * (0 when no plan placed any). So the units'
 * workload sums to workload_h less unattributed_h. Territories that
 * cannot be planned (no rep, a rep without home) are listed as failed,
 * not errors. The plans are saved in one transaction once every
 * territory is planned, so a failure or a cancel (REGIO_ECANCELLED, by the
 * progress callback) saves none. Errors: REGIO_EINVAL for bad arguments
 * or options, store errors and REGIO_ENOMEM as they come. *out is owned
 * by the caller.
 */
REGIO_API regio_err regio_plan_all(regio_store *s, const regio_model_view *v,
                                   const regio_plan_all_opts *opts,
                                   regio_plan_all_result **out, regio_error *err);

/* Frees a plan-all result; accepts NULL. */
REGIO_API void regio_plan_all_destroy(regio_plan_all_result *r);

/*
 * Stores r's unit workloads as unit measure `name` (NULL =
 * REGIO_WORKLOAD_MEASURE) in s (regio_store_unit_measure_set: one
 * transaction), so that design and realign can balance it. No ownership.
 */
REGIO_API regio_err regio_plan_all_store_workload(regio_store *s, const regio_plan_all_result *r,
                                                  const char *name, regio_error *err);

/* Writes `unit_id,workload` (hours per cycle, 4 decimals), one row per unit
 * in r's order, to path through regio_output_write (regio/output.h: a
 * regular file atomically, "-" standard output). */
REGIO_API regio_err regio_plan_all_write_units(const regio_plan_all_result *r, const char *path,
                                               regio_error *err);

/* ---- the loop ------------------------------------------------------------- */

/* One round of the loop: the alignment (round 0: the start; round r: the
 * realign of round r-1's), planned, its workload measured. */
typedef struct regio_workload_round {
    int round;
    double balance;              /* max over territories |workload - mean| / mean */
    double workload_h;           /* plan totals (regio_plan_all_result) */
    double travel_km, travel_h, estimated_h;
    int nights;
    long visits_required, visits_scheduled;
    size_t moved_units;          /* moved by this round's realign (0 in round 0) */
    int n_noncontiguous;         /* territories of the alignment not contiguous */
    int improved;                /* 1: balance below the best before it (by min_gain) */
    double seconds;              /* wall time of the round (realign, save, plans) */
} regio_workload_round;

typedef void (*regio_workload_round_fn)(void *ud, const regio_workload_round *r);

/* Options of the loop. Zero-initialise, then set model and target. */
typedef struct regio_workload_loop_opts {
    const char *model;           /* the start is its current alignment (required
                                    unless design_k) */
    int design_k;                /* > 0: the start is instead a fresh design of this
                                    many territories balanced on "accounts" (the first
                                    measure without it) within 5%, the store's reps
                                    given to them as `regio design --model` gives them */
    const char *target;          /* required: the planning model the best round is saved as */
    unsigned save_flags;         /* REGIO_SAVE_REPLACE: replace a planning model target */
    int rounds;                  /* most realigns; 0 = 10 */
    double tolerance;            /* the realign's workload tolerance; 0 = 0.02 */
    double max_moved;            /* share of units one realign may move; 0 = 0.1 */
    double min_gain;             /* a round improves when its balance is lower than
                                    the best by more than this; 0 = 0.001 */
    uint64_t seed;               /* of the realigns (the plans: plan.seed) */
    double realign_time_limit_s; /* per realign; 0 = none */
    regio_plan_all_opts plan;    /* how each round plans (name_prefix: see below) */
    regio_workload_round_fn on_round; /* after each round; may be NULL */
    void *on_round_ud;
    regio_progress_fn progress;  /* phases of each round; may be NULL; non-zero cancels
                                    (REGIO_ECANCELLED; target as the last save left it) */
    void *progress_ud;
} regio_workload_loop_opts;

/* The loop's outcome. Owned by the caller; free with
 * regio_workload_loop_destroy. */
typedef struct regio_workload_loop_result {
    regio_workload_round *rounds; /* every round run, 0 first */
    size_t n_rounds;
    int best;                    /* the round saved as target */
    const char *stop;            /* why it stopped: "no improvement", "rounds",
                                    "the realign moved nothing"; static */
    int k;                       /* territories */
    double seconds;
} regio_workload_loop_result;

/*
 * The workload loop: copies the alignment of opts->model (its leaves that
 * hold units, reps, hierarchy and locks) to planning model opts->target
 * (or, with design_k, saves a fresh design there);
 * round 0 plans every territory of target (regio_plan_all; plans named
 * "<target>/r<round>/<territory>" unless plan.name_prefix, then
 * "<prefix>/r<round>/<territory>"), stores the workload measure and
 * measures its balance; each further round realigns target on the
 * workload measure (regio_design_run, realign from the current labels,
 * locks kept, at most max_moved of the units moved), saves it, plans it
 * and measures again. It stops when a round does not improve the balance
 * by min_gain, when the realign moves nothing, or after opts->rounds
 * realigns; target then holds the best round's alignment and the store's
 * workload measure that round's workload. Each round is reported to
 * on_round as it ends. A territory that cannot be planned (failed, see
 * regio_plan_all) stops the loop with REGIO_EDATA naming it (its units'
 * workload would be unknown). Errors of the steps as they come; the
 * target is refused before any work as regio_model_save_check refuses it.
 * *out is owned by the caller.
 */
REGIO_API regio_err regio_workload_loop_run(regio_store *s, const regio_workload_loop_opts *opts,
                                            regio_workload_loop_result **out,
                                            regio_error *err);

/* Frees a loop result; accepts NULL. */
REGIO_API void regio_workload_loop_destroy(regio_workload_loop_result *r);

#ifdef __cplusplus
}
#endif
#endif
