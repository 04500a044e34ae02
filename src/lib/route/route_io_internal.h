/*
 * The routing problem object shared by the VROOM JSON reader (vroom_json.c),
 * the CSV stops reader (route_io_csv.c), the object itself and the solve
 * entry point (route_io.c) and the solution writers (route_io_write.c).
 * Private to libregio.
 */
#ifndef REGIO_ROUTE_IO_INTERNAL_H
#define REGIO_ROUTE_IO_INTERNAL_H

#include "regio/route_io.h"

/* Shift end meaning "no limit" (about 31 years of seconds): large enough
 * never to bind, small enough that sums of times stay exact. */
#define REGIO__ROUTE_NO_END 1e9

struct regio_route_problem {
    regio_route_metric metric;  /* for coordinates */
    int n_loc;
    int has_coords;             /* x, y allocated (entries may be NaN) */
    int uses_index;             /* VROOM input addressed a matrix by index */
    int ids_numeric;            /* write ids as JSON numbers (VROOM input) */
    double *x, *y;              /* per location: lon/lat or planar x/y */
    regio_dist *dist;           /* cost and duration per leg */
    double *dist_m;             /* VROOM distances matrix, or NULL */
    double dist_scale;          /* distance per unit of cost, 0 = unknown */
    int n_dims;
    int n_jobs;
    regio_vrp_job *jobs;
    regio_vrp_tw *tws;          /* the jobs' windows, one block */
    char **job_ids;
    double *delivery, *pickup;  /* n_jobs x REGIO_VRP_MAX_DIMS, for loads */
    int n_veh;
    regio_vrp_vehicle *veh;
    char **veh_ids;
    char *depot_id;             /* CSV stops: the depot's id */
    int *steps_buf;             /* the vehicles' steps (VROOM), one block */
    regio_vrp_tw *step_tw;      /* per entry of steps_buf: service_at /
                                   _after / _before as [lo, hi] (plan mode) */
    regio_vrp_tw *veh_bounds;   /* per vehicle: bounds on its start and
                                   end times from its steps (plan mode) */
    int has_steps;              /* some vehicle has steps */
    size_t max_loc;
    double *cost_m, *dur_m;     /* built by regio_route_problem_vrp */
    regio_vrp_problem vrp;
    int vrp_ready;
};

regio_route_problem *regio__route_new(void);
/* Fills err (may be NULL) and returns code; file and field may be NULL. */
#define regio__route_fail regio_error_setf
/* Fills err with "out of memory while routing"; returns REGIO_ENOMEM. */
regio_err regio__route_oom(regio_error *err);
/* Builds p->dist from p->x, p->y under p->metric and the options. */
regio_err regio__route_make_coord_dist(regio_route_problem *p,
                                       const regio_route_opts *o,
                                       regio_error *err);

#endif
