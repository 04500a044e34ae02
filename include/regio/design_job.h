/*
 * A design or realign run given as JSON — the body of POST /api/v1/jobs and
 * the params of a queued "design" or "realign" job (regio/jobs.h) — parsed
 * one way for the server and for `regio worker`, run in three steps
 * (prepare, optimise, save) so that a caller can hold its own locks around
 * the store, and run whole as a job taken from the store's queue.
 */
#ifndef REGIO_DESIGN_JOB_H
#define REGIO_DESIGN_JOB_H

#include "regio/design.h"
#include "regio/design_io.h"
#include "regio/jobs.h"
#include "regio/model_view.h"
#include "regio/store.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest run a job may ask for, and the default. */
#define REGIO_DESIGN_JOB_TIME_LIMIT_MAX_S 600.0
#define REGIO_DESIGN_JOB_TIME_LIMIT_DEFAULT_S 30.0

/* A job's parameters, owned by the job (regio_design_job_destroy). Measures
 * are indices into the problem the job was bound to. */
typedef struct regio_design_job {
    int realign;
    char *base;          /* "model": base model, or NULL (design from scratch) */
    char *target;        /* "target": the planning model saved, or NULL (the caller names it) */
    int k;               /* design: territories (0: from the base, homes or capacity) */
    double capacity;     /* "k": "auto": k = first balanced measure / capacity */
    int *balance;        /* measure indices */
    size_t n_balance;
    double tolerance, time_limit_s, max_moved;
    int reassign_reps;   /* realign: the base's territories do not keep their reps */
    double *tolerances;  /* n_balance own tolerances (0 = "tolerance"), or NULL */
    char *tolerance_spec; /* "tolerance" as given when a string, or NULL */
    double *index_weights; /* n_balance, or NULL */
    int travel_col;      /* REGIO_DESIGN_TRAVEL_DEFAULT or a measure index */
    int objective;       /* regio_design_objective */
    int starts;          /* 0 = the schedule's */
    double max_moved_weight;
    int proposals;       /* 0: one answer; N: up to N proposals saved as target-1.. */
    char *keep_whole;    /* attribute, or NULL */
    int *groups;         /* n units' groups (keep_whole), or NULL */
    size_t n_locked;     /* "locked": unit indexes and territory names */
    size_t *locked_units;
    char **locked_terr;
    size_t n_targets;    /* "targets": territory names and shares */
    char **target_terr;
    double *target_share;
    size_t n_homes;      /* "homes": territories named after reps, centred on their homes */
    char **home_ids;
    double *home_lon, *home_lat;
    uint64_t seed;
    void *doc_;          /* private: the JSON until bound */
} regio_design_job;

/*
 * Parses what needs no units from json (text of len bytes): kind, model,
 * target, k, capacity, tolerance, time_limit, max_moved, reassign_reps,
 * seed. *out is owned by the caller (regio_design_job_destroy).
 * REGIO_EINVAL naming the field ("\"k\" must be ..."), REGIO_EPARSE when
 * the text is not a JSON object.
 */
REGIO_API regio_err regio_design_job_parse(const char *json, size_t len, regio_design_job **out,
                                           regio_error *err);

/* Parses the rest of the job over the units of p (balance, travel,
 * index_weights, objective, starts, proposals, max_moved_weight,
 * keep_whole, locked, targets, homes); "balance" defaults to measure
 * default_measure. REGIO_EINVAL naming the field. */
REGIO_API regio_err regio_design_job_bind(regio_design_job *j, const regio_design_problem *p,
                                          int default_measure, regio_error *err);

/*
 * Settles a bound job's k: a design's from its homes, its capacity
 * (regio_design_k_for_capacity), else the territories of base that hold
 * units; checks that a realign's base aligns units. base: the view of
 * j->base (regio_model_view_load), NULL when the job has none.
 * REGIO_EINVAL ("\"k\" ... is required", more territories than units),
 * REGIO_EDATA (a realign of a model that aligns nothing).
 */
REGIO_API regio_err regio_design_job_settle(regio_design_job *j, const regio_design_problem *p,
                                            const regio_model_view *base,
                                            regio_error *err);

/* The measure a job balances when it names none: "accounts" when the units
 * have it, else the first. */
REGIO_API int regio_design_job_default_measure(const regio_design_problem *p);

/*
 * The planning model a queued job saves when its parameters name none:
 * "BASE-design-ID" or "BASE-realign-ID" (BASE: the first 80 characters of
 * its base model, "design" without one; '/' made '-' so that the name
 * stays addressable in a URL), ID the store's job id: unique among jobs,
 * and the same for the server that shows the job and the worker that
 * saves it. Caller frees (regio_free); NULL when out of memory.
 */
REGIO_API char *regio_design_job_default_target(const char *base, int realign, long id);

/* Frees a job. Accepts NULL. */
REGIO_API void regio_design_job_destroy(regio_design_job *j);

/* A run of a bound job: its input, then its result. Opaque. */
typedef struct regio_design_job_run regio_design_job_run;

/*
 * Reads what the run of j needs from the store (a realign's base model
 * and its locks) and resolves its territory names (locked, targets).
 * p must outlive the run; j must outlive it and stay unchanged. *out is
 * owned by the caller (regio_design_job_run_destroy).
 */
REGIO_API regio_err regio_design_job_prepare(regio_store *s, const regio_design_problem *p,
                                             int default_measure, const regio_design_job *j,
                                             regio_design_job_run **out, regio_error *err);

/* Optimises (without touching the store): REGIO_OK, REGIO_EINFEASIBLE (a
 * best effort, saved all the same), REGIO_ECANCELLED when progress asked
 * to stop, or another error. progress (may be NULL) as in
 * regio_design_params. */
REGIO_API regio_err regio_design_job_optimise(regio_design_job_run *r,
                                              int (*progress)(void *ud, double fraction,
                                                              const char *phase),
                                              void *ud, regio_error *err);

/* regio_design_job_save flag: the caller has a transaction open
 * (regio_store_begin) and commits it; nothing is committed here. */
#define REGIO_DESIGN_JOB_IN_TXN 1u

/*
 * Saves an optimised run as new planning model j->target (with proposals,
 * target-1 .. target-N), each with its reps and reasons, audited as
 * actor's. *message (what the API shows: "saved as planning model ...")
 * and *result (the API's "result" as JSON text) are owned by the caller
 * (regio_free). REGIO_ECONFLICT when a model of that name exists.
 */
REGIO_API regio_err regio_design_job_save(regio_design_job_run *r, regio_store *s,
                                          const char *actor, unsigned flags, char **message,
                                          char **result, regio_error *err);

/* Frees a run. Accepts NULL. */
REGIO_API void regio_design_job_run_destroy(regio_design_job_run *r);

/*
 * Does a claimed "design" or "realign" job of the store's queue, held by
 * worker for lease_s seconds: parses its params, loads the store's units,
 * optimises with a progress callback that renews the lease every few
 * seconds (stopping when the job was cancelled or another worker took it)
 * and saves the models and finishes the job as done in one transaction,
 * so a worker that lost its lease writes nothing. A job that cannot run
 * is finished failed (bad params, an error) or cancelled, with a message.
 * REGIO_ECONFLICT when the worker lost the job (nothing written);
 * REGIO_OK otherwise, whatever the job's outcome (*state, may be NULL).
 * stop (may be NULL) is read between heartbeats: non-zero stops the run
 * as a cancel would, leaving the job to be taken again after its lease.
 */
REGIO_API regio_err regio_design_job_work(regio_store *s, const regio_job_info *job,
                                          const char *worker, long lease_s,
                                          volatile int *stop, regio_job_state *state,
                                          regio_error *err);

#ifdef __cplusplus
}
#endif
#endif
