/*
 * Single-period routing problems as users hand them in: VROOM's problem
 * JSON (vehicles, jobs, optional matrices) or a CSV of stops, turned into a
 * regio_vrp_problem, solved (a pure TSP goes through regio_tsp_solve), and
 * written back as VROOM-style solution JSON, a tour CSV or GeoJSON.
 * See docs/ROUTING.md for the formats, units and metric defaults.
 */
#ifndef REGIO_ROUTE_IO_H
#define REGIO_ROUTE_IO_H

#include "regio/core.h"
#include "regio/dist.h"
#include "regio/vrp.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How coordinates are measured when no matrix is given. Values are stable;
 * AUTO (zero) means haversine for VROOM JSON, and for CSV stops euclidean
 * with x,y columns and haversine with lat,lon columns. */
typedef enum regio_route_metric {
    REGIO_ROUTE_METRIC_AUTO = 0,
    REGIO_ROUTE_METRIC_EUCLIDEAN = 1,
    REGIO_ROUTE_METRIC_HAVERSINE = 2
} regio_route_metric;

/* Reading options. Zero-initialise and set what you need (or pass NULL).
 * Plain value type; strings are borrowed. */
typedef struct regio_route_opts {
    regio_route_metric metric;
    int round_nearest;       /* euclidean: round each leg (TSPLIB EUC_2D) */
    double road_factor;      /* haversine: 0 = 1.3 */
    double speed_kmh;        /* haversine: 0 = 50 km/h */
    const char *depot_id;    /* CSV: id of the depot row; NULL = first row */
    int n_vehicles;          /* CSV: identical vehicles at the depot; 0 = 1 */
    size_t max_locations;    /* VRP matrices are n x n: 0 = 5000 */
} regio_route_opts;

/* A parsed routing problem. Opaque; free with regio_route_problem_destroy. */
typedef struct regio_route_problem regio_route_problem;

/*
 * Parses VROOM problem JSON held in memory (len bytes; need not be
 * NUL-terminated); name is used in error messages (may be NULL). Errors:
 * REGIO_EPARSE for malformed JSON (err->line/column set) or a member of the
 * wrong type, REGIO_EDATA for invalid values, REGIO_EUNSUPPORTED for
 * features Regio does not model (setup times, vehicle costs, several
 * routing profiles, max_travel_time, max_distance, break max_load);
 * err->field and err->msg name the JSON path, e.g.
 * "jobs[3].time_windows[0]: end before start". Jobs, shipments (two tasks
 * each: pickup, delivery), vehicles' breaks (tasks of that vehicle) and
 * steps are read as VROOM 1.14 reads them; with a matrix, `location` is
 * optional and may hold any coordinates. On success *out is owned by the
 * caller.
 */
REGIO_API regio_err regio_route_parse_vroom(const char *json, size_t len,
                                  const char *name,
                                  const regio_route_opts *opts,
                                  regio_route_problem **out, regio_error *err);

/* As regio_route_parse_vroom, reading the file at path (REGIO_EIO when it
 * cannot be read). */
REGIO_API regio_err regio_route_read_vroom(const char *path, const regio_route_opts *opts,
                                 regio_route_problem **out, regio_error *err);

/*
 * Reads a CSV of stops: a header with id and either x,y or lat,lon, and
 * optionally service_s, tw_start, tw_end (seconds, or HH:MM clock times).
 * The depot is the first row unless opts->depot_id names another; its
 * window (if any) becomes the vehicles' shift. Every other row is a job.
 * Errors name file, line and field (REGIO_EPARSE / REGIO_EDATA), or
 * REGIO_ENOTFOUND for an unknown depot id. On success *out is owned by the
 * caller.
 */
REGIO_API regio_err regio_route_read_stops_csv(const char *path,
                                     const regio_route_opts *opts,
                                     regio_route_problem **out,
                                     regio_error *err);

/* Frees a problem; accepts NULL. */
REGIO_API void regio_route_problem_destroy(regio_route_problem *p);

/* Number of jobs and vehicles. */
REGIO_API int regio_route_problem_jobs(const regio_route_problem *p);
REGIO_API int regio_route_problem_vehicles(const regio_route_problem *p);

/* Id of job j / vehicle v as written in the input (VROOM ids in decimal);
 * owned by the problem. NULL when out of range. */
REGIO_API const char *regio_route_job_id(const regio_route_problem *p, int j);
REGIO_API const char *regio_route_vehicle_id(const regio_route_problem *p, int v);

/* The travel-cost provider over the problem's locations; owned by p. */
REGIO_API const regio_dist *regio_route_problem_dist(const regio_route_problem *p);

/*
 * The problem as a regio_vrp_problem (for regio_vrp_check and friends).
 * Builds the full n x n cost and duration matrices on first use and keeps
 * them in p (so this is not thread-safe); REGIO_EDATA when there are more
 * locations than opts.max_locations allows. *out points into p.
 */
REGIO_API regio_err regio_route_problem_vrp(regio_route_problem *p,
                                  const regio_vrp_problem **out,
                                  regio_error *err);

/* Non-zero when the problem is a plain TSP (one vehicle starting and ending
 * at the same place, no windows, shift, skills, capacities or task limit
 * that bind, symmetric costs); regio_route_solve then uses regio_tsp_solve. */
REGIO_API int regio_route_problem_is_tsp(const regio_route_problem *p);

/* Solver parameters; zero-initialise. Both budgets zero give the
 * deterministic defaults of the underlying solver (TSP: 50 n kicks, VRP:
 * 20000 iterations). Plain value type. */
typedef struct regio_route_params {
    uint64_t seed;
    double time_limit_s;      /* 0 = none */
    long max_iterations;      /* 0 = none */
    int force_vrp;            /* use the VRP solver even for a TSP */
} regio_route_params;

/* What a solve did. Plain value type. */
typedef struct regio_route_stats {
    int used_tsp;             /* 1 when regio_tsp_solve produced the tour */
    long iterations;
    double solve_s;
} regio_route_stats;

/*
 * Solves p. On success *out is a new solution (free with
 * regio_vrp_solution_destroy) whose job and vehicle indices refer to p;
 * jobs that cannot be served are listed in out->unassigned with a reason.
 * stats may be NULL. May build and cache the matrices in p (see
 * regio_route_problem_vrp).
 */
REGIO_API regio_err regio_route_solve(regio_route_problem *p,
                            const regio_route_params *params,
                            regio_vrp_solution **out,
                            regio_route_stats *stats, regio_error *err);

/* Times (milliseconds) reported in summary.computing_times. */
typedef struct regio_route_timing {
    double loading_ms;
    double solving_ms;
} regio_route_timing;

/*
 * Writes the VROOM-style solution JSON for s (see docs/ROUTING.md).
 * timing may be NULL (zeros). On success *out is a NUL-terminated string
 * allocated with regio_malloc that the caller frees with regio_free.
 */
REGIO_API regio_err regio_route_write_json(const regio_route_problem *p,
                                 const regio_vrp_solution *s,
                                 const regio_route_timing *timing, char **out,
                                 regio_error *err);

/*
 * Writes the routes as a GeoJSON FeatureCollection: a LineString per
 * non-empty route and a Point per stop, with vehicle, sequence, type, id
 * and arrival properties. REGIO_EUNSUPPORTED when some location has no
 * coordinates (matrix-only input). *out as for regio_route_write_json.
 */
REGIO_API regio_err regio_route_write_geojson(const regio_route_problem *p,
                                    const regio_vrp_solution *s, char **out,
                                    regio_error *err);

/*
 * Writes the tours as CSV "id,arrival_s,departure_s" in visiting order,
 * each tour opening and closing with its start and end (the depot for CSV
 * stops). With more than one vehicle a leading "vehicle" column is added
 * and empty routes are skipped. *out as for regio_route_write_json.
 */
REGIO_API regio_err regio_route_write_tour_csv(const regio_route_problem *p,
                                     const regio_vrp_solution *s, char **out,
                                     regio_error *err);

/* One constraint a planned route breaks; `cause` is VROOM's name:
 * "delay", "lead_time", "load", "max_tasks", "skills", "precedence" or
 * "missing_break". Plain value type. */
typedef struct regio_route_violation {
    int route;          /* index into the solution's routes */
    int step;           /* -1: the start, 0..n_steps-1: a task, n_steps: the end */
    char cause[16];
    double duration;    /* delay or lead time, 0 for the other causes */
} regio_route_violation;

/* Routes as the vehicles' steps prescribe them, with their violations. */
typedef struct regio_route_plan {
    regio_vrp_solution *solution; /* owned */
    int n_violations;
    regio_route_violation *violations; /* owned */
} regio_route_plan;

/*
 * VROOM's plan mode (`vroom -c`): each vehicle follows its `steps` exactly;
 * each task is served at the earliest time its windows and its step's
 * service_at / service_after / service_before allow, or on arrival when
 * none can be met any more (a "delay"); every broken constraint is listed
 * instead of refused. Tasks in no vehicle's steps are unassigned. (VROOM
 * picks the times with a linear program that may also start early to cut
 * delays; Regio never starts a route before its shift or its start step's
 * bound.) On success *out is owned by the caller (regio_route_plan_destroy).
 */
REGIO_API regio_err regio_route_plan_steps(regio_route_problem *p,
                                 regio_route_plan **out, regio_error *err);

/* Frees a plan; accepts NULL. */
REGIO_API void regio_route_plan_destroy(regio_route_plan *pl);

/* As regio_route_write_json, with the plan's violations on their steps,
 * routes and the summary. */
REGIO_API regio_err regio_route_write_plan_json(const regio_route_problem *p,
                                      const regio_route_plan *pl,
                                      const regio_route_timing *timing,
                                      char **out, regio_error *err);

#ifdef __cplusplus
}
#endif
#endif
