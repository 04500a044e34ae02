/*
 * Vehicle routing with time windows: the problem and solution types, the
 * solver (regio_vrp_solve), an independent feasibility checker
 * (regio_vrp_check) and a reader for Solomon / Gehring-Homberger instances.
 *
 * Units: times and durations are in whatever unit the `duration` matrix uses
 * (seconds for real data, instance units for Solomon); cost is whatever the
 * `cost` matrix holds (what the solver minimises). Both matrices are full,
 * row-major, n x n, indexed [from * n + to]; they may be the same array.
 * Durations must be >= 0 (the solver relies on it and does not scan the
 * matrix to check); neither matrix needs to be symmetric or to satisfy the
 * triangle inequality.
 */
#ifndef REGIO_VRP_H
#define REGIO_VRP_H

#include "regio/core.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Most capacity dimensions a problem may use (weight, volume, ...). */
#define REGIO_VRP_MAX_DIMS 4
/* Location index meaning "no location" (a vehicle without a start or end). */
#define REGIO_VRP_NO_LOCATION (-1)
/* Largest job priority; higher values are kept in the plan first. */
#define REGIO_VRP_MAX_PRIORITY 1000

/* What a job is. Values are stable. A shipment is two jobs, a PICKUP and a
 * DELIVERY naming each other in `pair`, served by the same vehicle, the
 * pickup first. A BREAK is a pause of one vehicle (`only_vehicle`) with no
 * location of its own: it happens where the vehicle is (location
 * REGIO_VRP_NO_LOCATION), and a route that serves any task keeps all its
 * vehicle's breaks. */
typedef enum regio_vrp_kind {
    REGIO_VRP_KIND_JOB = 0,
    REGIO_VRP_KIND_PICKUP = 1,
    REGIO_VRP_KIND_DELIVERY = 2,
    REGIO_VRP_KIND_BREAK = 3
} regio_vrp_kind;

/* A closed time window [start, end] in duration units. */
typedef struct regio_vrp_tw {
    double start;
    double end;
} regio_vrp_tw;

/* One job (a visit). Service must start inside one of its windows; waiting
 * before a window opens is allowed. Plain value type; the windows array is
 * borrowed from the caller. Zero-initialised fields give a plain delivery
 * job any vehicle may serve.
 *
 * Loads follow VROOM: a vehicle leaves its start carrying the `amount` of
 * every plain job (and none of a shipment) on its route; a plain job drops
 * its `amount` and takes on its `pickup`, which rides to the route's end; a
 * shipment's PICKUP takes on its `pickup` and its DELIVERY drops its
 * `amount` (the same numbers). The load after every step must fit the
 * capacity. */
typedef struct regio_vrp_job {
    int location;               /* index into the matrices; BREAK: -1 */
    double service;             /* service duration */
    const regio_vrp_tw *tws;    /* sorted, disjoint; NULL/0 means "always" */
    int n_tws;
    double amount[REGIO_VRP_MAX_DIMS]; /* delivered here, >= 0 */
    uint64_t skills;            /* skills the serving vehicle must have */
    int priority;               /* 0..REGIO_VRP_MAX_PRIORITY; kept first */
    double pickup[REGIO_VRP_MAX_DIMS]; /* picked up here, >= 0 */
    regio_vrp_kind kind;
    int pair;                   /* PICKUP / DELIVERY: 1 + the other half */
    int only_vehicle;           /* 1 + the one vehicle allowed; 0 = any */
} regio_vrp_job;

/* One vehicle. A route starts at `start` (or at its first job when there is
 * none) no earlier than shift.start and must arrive at `end` (or finish its
 * last service when there is none) no later than shift.end. */
typedef struct regio_vrp_vehicle {
    int start;                  /* location or REGIO_VRP_NO_LOCATION */
    int end;                    /* location or REGIO_VRP_NO_LOCATION */
    regio_vrp_tw shift;
    double capacity[REGIO_VRP_MAX_DIMS];
    uint64_t skills;
    int max_tasks;              /* 0 = no limit (breaks do not count) */
    const int *steps;           /* a prescribed first route: job indices in
                                   order (borrowed), or NULL; the search
                                   starts from it (it must be feasible) */
    int n_steps;
} regio_vrp_vehicle;

/* A problem. All arrays are borrowed; the caller keeps them alive during
 * solve and check. */
typedef struct regio_vrp_problem {
    int n_locations;
    const double *cost;         /* n_locations^2, what is minimised */
    const double *duration;     /* n_locations^2, travel times */
    int n_dims;                 /* capacity dimensions used, 0..4 */
    const regio_vrp_job *jobs;
    int n_jobs;
    const regio_vrp_vehicle *vehicles;
    int n_vehicles;
} regio_vrp_problem;

/* Solver parameters. Zero-initialise and set what you need (see
 * regio_vrp_params_default).
 *
 * Reproducibility: the search is a single deterministic trajectory for a
 * given seed. Its schedule (phase switch, annealing temperature) is driven by
 * the fraction of the budget used, taken as the larger of
 * iterations / max_iterations and elapsed / time_limit_s, and, when the
 * budget holds several annealing runs of 500 x n_jobs iterations (restarts
 * and recombinations of the best runs), by the iterations of each run. With
 * max_iterations > 0 and time_limit_s == 0 the result depends only on the
 * seed and the input (the choice made for reproducible runs: iterations are
 * the unit of work, the clock only a deadline). With a time limit the wall
 * clock decides where the trajectory is cut and how fast it cools, so runs
 * on a busy machine may differ. When both are 0, 20000 iterations are run.
 * The final polish is bounded by the time limit too.
 *
 * searches > 1 runs that many independent searches side by side, one
 * thread each (at most 8), each with the whole budget (max_iterations each;
 * the same wall-clock limit), the first from seed and the others from seeds
 * derived from it, and keeps the best (ties to the lower index): the answer
 * still depends only on the seed and the input under an iteration budget,
 * whatever the cores or the order the threads finish in. Only the first
 * search calls progress; a cancel stops them all. */
typedef struct regio_vrp_params {
    uint64_t seed;
    double time_limit_s;        /* 0 = none */
    long max_iterations;        /* ruin-and-recreate iterations, 0 = none */
    int minimize_vehicles;      /* after serving all jobs, use fewest vehicles */
    int searches;               /* independent searches, best kept; 0 = 1 */
    regio_progress_fn progress; /* may be NULL; non-zero return stops */
    void *progress_ud;
} regio_vrp_params;

/* Fills defaults: seed 1, 10 s, no iteration cap, no vehicle minimisation,
 * 2 searches (one per core of a two-core machine). */
REGIO_API void regio_vrp_params_default(regio_vrp_params *p);

/* One served job in a route. */
typedef struct regio_vrp_step {
    int job;                    /* index into problem->jobs */
    double arrival;
    double waiting;             /* service_start - arrival */
    double service_start;
    double departure;           /* service_start + service */
} regio_vrp_step;

/* The route of one vehicle (possibly empty). */
typedef struct regio_vrp_route {
    int vehicle;                /* index into problem->vehicles */
    int n_steps;
    regio_vrp_step *steps;
    double start_time;          /* departure from start (or first arrival) */
    double end_time;            /* arrival at end (or last departure) */
    double cost;
    double duration;            /* end_time - start_time */
} regio_vrp_route;

/* Why a job is not in the plan. Values are stable. */
typedef enum regio_vrp_reason {
    REGIO_VRP_REASON_NONE = 0,
    REGIO_VRP_REASON_SKILLS = 1,     /* no vehicle has the skills */
    REGIO_VRP_REASON_TIME_WINDOW = 2,/* no vehicle's shift can reach a window */
    REGIO_VRP_REASON_CAPACITY = 3,   /* amount exceeds every fitting vehicle */
    REGIO_VRP_REASON_FLEET = 4       /* each fits alone, not all together */
} regio_vrp_reason;

typedef struct regio_vrp_unassigned {
    int job;
    regio_vrp_reason reason;
    char text[120];
} regio_vrp_unassigned;

/* A solution; owned by the caller, freed with regio_vrp_solution_destroy.
 * routes has one entry per vehicle (in vehicle order), empty ones included. */
typedef struct regio_vrp_solution {
    int n_routes;
    regio_vrp_route *routes;
    int n_unassigned;
    regio_vrp_unassigned *unassigned;
    int vehicles_used;
    double total_cost;
    double total_duration;
    long iterations;            /* search iterations run */
    double seconds;             /* wall time of the solve */
} regio_vrp_solution;

/*
 * Solves p: serve the largest sum of priorities, then as many jobs as
 * possible (VROOM's order), then,
 * when params->minimize_vehicles, use as few vehicles as possible, then
 * minimise total cost. Method: construction by cheapest insertion, then
 * ruin-and-recreate (slack-induced string removal) with simulated annealing
 * and an absence-driven phase when jobs are left out (see vrp_solve.c).
 * On success *out is a new solution the caller destroys. A cancel from the
 * progress callback ends the search early and still returns the best
 * solution found (REGIO_OK). params may be NULL (defaults). A vehicle's
 * `steps` that break a constraint give REGIO_EDATA with err->msg naming the
 * vehicle and the constraint (as VROOM refuses them). Breaks of unused
 * vehicles are neither in a route nor listed unassigned.
 */
REGIO_API regio_err regio_vrp_solve(const regio_vrp_problem *p,
                          const regio_vrp_params *params,
                          regio_vrp_solution **out, regio_error *err);

/* Frees a solution; accepts NULL. */
REGIO_API void regio_vrp_solution_destroy(regio_vrp_solution *s);

/* Recomputes a route's schedule (earliest service starts) and cost from the
 * matrices and fills the step times; used to build solutions by hand.
 * Returns REGIO_EINFEASIBLE when a window or the shift is missed (the
 * times are still filled, with the late service starting at arrival). */
REGIO_API regio_err regio_vrp_route_schedule(const regio_vrp_problem *p,
                                   regio_vrp_route *r);

/* Result of regio_vrp_check. Plain value type. */
typedef struct regio_vrp_check_report {
    int feasible;               /* 1 when no violation was found */
    int n_violations;
    int late_steps;             /* service outside every window */
    int shift_violations;
    int capacity_violations;
    int skill_violations;
    int max_tasks_violations;
    int precedence_violations;  /* shipment halves apart or out of order */
    int duplicate_jobs;         /* served twice, or served and unassigned */
    int missing_jobs;           /* neither served nor listed unassigned */
    int time_mismatches;        /* reported times inconsistent with matrix */
    int cost_mismatch;          /* reported total cost off by > 1e-6 rel */
    double cost;                /* recomputed total cost */
    double duration;            /* recomputed total duration */
    int served;
    int vehicles_used;
    char first[256];            /* description of the first violation */
} regio_vrp_check_report;

/*
 * Checks s against p independently of the solver: recomputes every arrival
 * from the duration matrix, verifies windows, shifts, capacities, skills,
 * max_tasks, that each job is served once or listed unassigned, and the
 * reported cost. Returns REGIO_OK when the check could run (read
 * rep->feasible for the verdict), REGIO_EINVAL on malformed input (bad
 * indices).
 */
REGIO_API regio_err regio_vrp_check(const regio_vrp_problem *p,
                          const regio_vrp_solution *s,
                          regio_vrp_check_report *rep);

/* A Solomon / Gehring-Homberger instance with the problem built over it;
 * owned, freed with regio_vrp_solomon_destroy. */
typedef struct regio_vrp_solomon {
    char name[64];
    int n_customers;
    int fleet;                  /* vehicle number from the header */
    double capacity;
    double *x, *y;              /* n_customers + 1 coordinates, depot 0 */
    double *matrix;             /* Euclidean, full precision, cost = time */
    regio_vrp_job *jobs;        /* customer i is job i - 1, location i */
    regio_vrp_tw *tws;
    regio_vrp_vehicle *vehicles;
    regio_vrp_problem problem;  /* points into the arrays above */
} regio_vrp_solomon;

/*
 * Reads a Solomon-format file. Depot (customer 0) is each vehicle's start
 * and end, its due date the shift end; travel time equals the Euclidean
 * distance. n_vehicles > 0 overrides the header's fleet size. Errors carry
 * the file and line.
 */
REGIO_API regio_err regio_vrp_solomon_read(const char *path, int n_vehicles,
                                 regio_vrp_solomon **out, regio_error *err);

/* Frees an instance; accepts NULL. */
REGIO_API void regio_vrp_solomon_destroy(regio_vrp_solomon *s);

#ifdef __cplusplus
}
#endif
#endif
