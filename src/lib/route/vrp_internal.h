/*
 * Private state of the VRP solver, shared by vrp_solve.c (driver) and the
 * vrp_*.c files beside it that make up the ruin-and-recreate search: the
 * instance data as the solver reads it, routes with their forward /
 * backward time slack, whole solutions, and the solver's scratch. Private
 * to libregio.
 *
 * Invariants: every route held by the search is feasible (hard windows,
 * shift, capacity, skills, max_tasks); for each route est[] (earliest
 * service start per position) and lat[] (latest arrival per position that
 * keeps the suffix feasible) are exact after regio__vrp_route_update(), and
 * both are nondecreasing along the route.
 */
#ifndef REGIO_VRP_INTERNAL_H
#define REGIO_VRP_INTERNAL_H

#include "regio/vrp.h"

#include <math.h>
#include <stdint.h>
#include <time.h>

/* Slack granted to window and shift ends against rounding. */
#define REGIO__VRP_TIME_EPS(t) (1e-9 * (1.0 + fabs(t)))

/* Monotonic clock, seconds. */
static inline double regio__vrp_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One job as the solver reads it. */
typedef struct regio__vjob {
    int loc;
    double serv;
    int n_tw;
    const regio_vrp_tw *tw; /* NULL when always open */
    double tw_last;         /* end of last window (INFINITY if none) */
    double amt[REGIO_VRP_MAX_DIMS];
    double pick[REGIO_VRP_MAX_DIMS];
    int kind;               /* regio_vrp_kind */
    int pair;               /* the other half of a shipment, or -1 */
    int only_veh;           /* the one vehicle allowed, or -1 */
    int64_t weight;         /* penalty when unassigned */
    double far;             /* cost from the first vehicle's start */
} regio__vjob;

/* A route: the jobs of one vehicle and their schedule slack. */
typedef struct regio__vroute {
    int veh;
    int m;          /* jobs on the route */
    int cap;        /* allocated job slots */
    int *jobs;      /* m job indices */
    double *est;    /* m + 2: earliest service start (0 = start, m+1 = end) */
    double *lat;    /* m + 2: latest arrival keeping the suffix feasible */
    int ntask;      /* jobs that are not breaks: the route is used if > 0 */
    double load[REGIO_VRP_MAX_DIMS];
    double cost;
} regio__vroute;

/* A whole solution: one route per vehicle. */
typedef struct regio__vsol {
    regio__vroute *r; /* one per vehicle */
    int *where;     /* job -> vehicle or -1 */
    int *pos;       /* job -> position 1..m */
    int n_unassigned;
    int *unassigned; /* list of servable jobs not in routes */
    int64_t uweight;
    int used;
    double cost;
} regio__vsol;

/* Solver state: instance data, static tables, RNG and scratch. */
typedef struct regio__vsolver {
    const regio_vrp_problem *p;
    int n, nj, nv, nd;
    const double *C, *D;
    regio__vjob *job;
    regio_vrp_tw *tws;     /* padded copies of the jobs' windows */
    unsigned char *compat; /* nj * nv: vehicle can serve job alone */
    int *servable;         /* list of jobs some vehicle can serve */
    int n_servable;
    int *reps;             /* lowest empty vehicle of each class */
    int n_reps;
    int cur_used;          /* used vehicles while recreating */
    int *vcls;             /* vehicle -> first identical vehicle */
    unsigned char *class_seen;
    int *neigh;            /* nj * k: other jobs by increasing cost */
    int k_neigh;
    regio_rng rng;
    long blink_left;       /* positions until the next skipped one */
    int has_priority;      /* some job has priority > 0 */
    int *route_mark;       /* stamp per vehicle, for granular insertion */
    int stamp;
    int max_used;          /* routes allowed in the current phase */
    int new_route_last;    /* open new routes only when nothing else fits */
    int general;           /* shipments, pickups or breaks: every route is
                              evaluated whole (vrp_general.c) */
    int *tmp;              /* nj + 2 job slots for trial routes */
    int *mark;             /* per job, for precedence checks */
    int mark_stamp;
    /* scratch */
    int *removed;
    int n_removed;
    double *key;
    int *absent;           /* SISR absence counters */
    unsigned char *route_hit;
} regio__vsolver;

/* Cost and duration of a leg between locations (-1: none, free). */
static inline double regio__vrp_cst(const regio__vsolver *s, int a, int b)
{
    return (a < 0 || b < 0) ? 0.0 : s->C[(size_t)a * (size_t)s->n + (size_t)b];
}
static inline double regio__vrp_dur(const regio__vsolver *s, int a, int b)
{
    return (a < 0 || b < 0) ? 0.0 : s->D[(size_t)a * (size_t)s->n + (size_t)b];
}

/* Earliest service start for arrival a, or INFINITY when too late. */
static inline double regio__vrp_tw_start(const regio__vjob *j, double a)
{
    if (!j->tw)
        return a;
    for (int k = 0; k < j->n_tw; k++)
        if (a <= j->tw[k].end)
            return a > j->tw[k].start ? a : j->tw[k].start;
    return INFINITY;
}

/* Latest service start not after b, or -INFINITY. */
static inline double regio__vrp_tw_latest(const regio__vjob *j, double b)
{
    if (!j->tw)
        return b;
    for (int k = j->n_tw - 1; k >= 0; k--)
        if (b >= j->tw[k].start)
            return b < j->tw[k].end ? b : j->tw[k].end;
    return -INFINITY;
}

static inline int regio__vrp_loc_at(const regio__vsolver *s,
                                    const regio__vroute *r, int i)
{
    const regio_vrp_vehicle *v = &s->p->vehicles[r->veh];
    if (i == 0)
        return v->start;
    if (i == r->m + 1)
        return v->end;
    return s->job[r->jobs[i - 1]].loc;
}

static inline double regio__vrp_serv_at(const regio__vsolver *s,
                                        const regio__vroute *r, int i)
{
    return (i == 0 || i == r->m + 1) ? 0.0 : s->job[r->jobs[i - 1]].serv;
}

/* Whether job j fits route r on load and max_tasks. */
static inline int regio__vrp_fits_load(const regio__vsolver *s,
                                       const regio__vroute *r,
                                       const regio__vjob *j)
{
    const regio_vrp_vehicle *v = &s->p->vehicles[r->veh];
    for (int d = 0; d < s->nd; d++)
        if (r->load[d] + j->amt[d] > v->capacity[d] + 1e-9)
            return 0;
    if (v->max_tasks > 0 && r->m + 1 > v->max_tasks)
        return 0;
    return 1;
}

/* ---- routes and solutions (vrp_route.c) -------------------------------- */

/* Grows r's arrays to hold m jobs; -1 on allocation failure. */
int regio__vrp_route_reserve(regio__vroute *r, int m);
/* Recomputes est, lat, load, cost and the job positions of route r. */
void regio__vrp_route_update(regio__vsolver *s, regio__vsol *x,
                             regio__vroute *r);
/* Removes the jobs at positions [from, to) (1-based) from route r into the
 * solver's removed list; does not update the route. */
void regio__vrp_route_cut(regio__vsolver *s, regio__vsol *x, regio__vroute *r,
                          int from, int to);
/* Inserts job jb after position after (0..m) and updates the route; -1 on
 * allocation failure. */
int regio__vrp_route_insert(regio__vsolver *s, regio__vsol *x, regio__vroute *r,
                            int after, int jb);
/* Recomputes x's cost, used vehicles and unassigned weight. */
void regio__vrp_sol_totals(regio__vsolver *s, regio__vsol *x);
/* Allocates x with one empty route per vehicle; -1 on allocation failure
 * (x is then safe to pass to regio__vrp_sol_free). */
int regio__vrp_sol_init(regio__vsolver *s, regio__vsol *x);
/* Frees what x holds and zeroes it. */
void regio__vrp_sol_free(regio__vsolver *s, regio__vsol *x);
/* Copies src into dst (same solver); returns -1 on allocation failure. */
int regio__vrp_sol_copy(regio__vsolver *s, regio__vsol *dst,
                        const regio__vsol *src);

/* ---- ruin and recreate (vrp_ruin.c, vrp_recreate.c) -------------------- */

/* Removes strings around seed_job (a random assigned job when < 0) into
 * s->removed. */
void regio__vrp_ruin(regio__vsolver *s, regio__vsol *x, int seed_job);
/* Best feasible insertion of job jb into route r: returns the position
 * (insert after position i, i in 0..m) or -1, and the cost delta. With
 * blink set, positions are skipped at the blink rate. */
int regio__vrp_best_in_route(regio__vsolver *s, const regio__vroute *r, int jb,
                             int blink, double *delta);
/* Reinserts the removed jobs plus previously unassigned ones; -1 on
 * allocation failure. */
int regio__vrp_recreate(regio__vsolver *s, regio__vsol *x, int blink);

/* ---- crossover (vrp_cross.c) ------------------------------------------ */

/* Replaces child (a copy of parent A) by a recombination with parent b:
 * routes of b near a random job carried over whole, the jobs they displace
 * reinserted (those that fit nowhere left unassigned). Not for problems
 * with shipments, pickups or breaks. -1 on allocation failure. */
int regio__vrp_cross(regio__vsolver *s, regio__vsol *child, const regio__vsol *b);

/* ---- polish (vrp_polish.c) --------------------------------------------- */

/* Relocate and 2-opt* to a local optimum (at most 50 rounds), stopping at
 * the deadline (INFINITY for iteration-bounded, reproducible runs); -1 on
 * allocation failure. */
int regio__vrp_polish(regio__vsolver *s, regio__vsol *x, double deadline);

/* ---- routes with shipments, pickups and breaks (vrp_general.c) -------- */

/* Why a whole route fails (0: it is feasible). */
enum {
    REGIO__VRP_OK = 0,
    REGIO__VRP_BAD_TIME = 1,     /* a window or the shift is missed */
    REGIO__VRP_BAD_LOAD = 2,     /* the load exceeds the capacity */
    REGIO__VRP_BAD_PAIR = 3,     /* a shipment half without the other */
    REGIO__VRP_BAD_TASKS = 4,    /* more tasks than max_tasks */
    REGIO__VRP_BAD_VEHICLE = 5   /* skills, or another vehicle's break */
};
/* Evaluates the route of vehicle veh visiting jobs[0..m) in order from
 * scratch (loads as in regio_vrp_job, breaks where the vehicle is): returns
 * one of the codes above and, when feasible, its cost in *cost. O(m). */
int regio__vrp_eval(regio__vsolver *s, int veh, const int *jobs, int m,
                    double *cost);
/* Best feasible insertion into route r of job jb, and of its delivery too
 * when jb is a shipment's pickup: returns 1 and sets *after (and *after2
 * for the delivery, as regio__vrp_route_insert positions after inserting
 * the pickup) and *delta, or 0 when nothing fits. O(m^2) evaluations for a
 * shipment, O(m) for a job. */
int regio__vrp_general_best(regio__vsolver *s, const regio__vroute *r, int jb,
                            double *delta, int *after, int *after2);
/* After a ruin: removes the other half of every removed shipment half, and
 * the breaks of routes the removals made late (see vrp_general.c). */
void regio__vrp_general_unpair(regio__vsolver *s, regio__vsol *x);

/* ---- setup (vrp_setup.c) ----------------------------------------------- */

/* Checks the problem's shape and values; REGIO_EINVAL with a message in
 * err when something is wrong. */
regio_err regio__vrp_validate(const regio_vrp_problem *p, regio_error *err);
/* Fills s for problem p: job data, static compatibility (with the reason
 * each unservable job gets in reason[]), vehicle classes and neighbour
 * lists; -1 on allocation failure (s is then safe to free). */
int regio__vrp_solver_init(regio__vsolver *s, const regio_vrp_problem *p,
                           uint64_t seed, regio_vrp_reason *reason);
/* Frees what s holds. */
void regio__vrp_solver_free(regio__vsolver *s);

#endif
