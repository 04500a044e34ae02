/*
 * The routing problem object: its lifetime and accessors, the coordinate
 * distance model, the VRP view (full cost and duration matrices) and the
 * solve entry point (plain TSPs go to the Lin-Kernighan TSP solver,
 * everything else to the VRPTW solver). The readers that build the object
 * are vroom_json.c (VROOM JSON) and route_io_csv.c (CSV stops); the writers
 * for solutions are in route_io_write.c (route_io_internal.h).
 */
#include "regio/route_io.h"
#include "regio/tsp.h"

#include <string.h>
#include <time.h>

#include "route/route_io_internal.h"

regio_err regio__route_oom(regio_error *err)
{
    return regio__route_fail(err, REGIO_ENOMEM, NULL, 0, NULL,
                             "out of memory while routing");
}

regio_route_problem *regio__route_new(void)
{
    regio_route_problem *p = regio_calloc(1, sizeof *p);
    if (p)
        p->max_loc = 5000;
    return p;
}

void regio_route_problem_destroy(regio_route_problem *p)
{
    if (!p)
        return;
    for (int j = 0; p->job_ids && j < p->n_jobs; j++)
        regio_free(p->job_ids[j]);
    for (int v = 0; p->veh_ids && v < p->n_veh; v++)
        regio_free(p->veh_ids[v]);
    regio_free(p->job_ids);
    regio_free(p->veh_ids);
    regio_free(p->jobs);
    regio_free(p->tws);
    regio_free(p->delivery);
    regio_free(p->pickup);
    regio_free(p->veh);
    regio_free(p->x);
    regio_free(p->y);
    regio_free(p->dist_m);
    regio_free(p->cost_m);
    regio_free(p->dur_m);
    regio_free(p->depot_id);
    regio_free(p->steps_buf);
    regio_free(p->step_tw);
    regio_free(p->veh_bounds);
    regio_dist_destroy(p->dist);
    regio_free(p);
}

int regio_route_problem_jobs(const regio_route_problem *p)
{
    return p ? p->n_jobs : 0;
}

int regio_route_problem_vehicles(const regio_route_problem *p)
{
    return p ? p->n_veh : 0;
}

const char *regio_route_job_id(const regio_route_problem *p, int j)
{
    return p && j >= 0 && j < p->n_jobs ? p->job_ids[j] : NULL;
}

const char *regio_route_vehicle_id(const regio_route_problem *p, int v)
{
    return p && v >= 0 && v < p->n_veh ? p->veh_ids[v] : NULL;
}

const regio_dist *regio_route_problem_dist(const regio_route_problem *p)
{
    return p ? p->dist : NULL;
}

regio_err regio__route_make_coord_dist(regio_route_problem *p,
                                       const regio_route_opts *o,
                                       regio_error *err)
{
    regio_dist_opts d;
    memset(&d, 0, sizeof d);
    d.metric = p->metric == REGIO_ROUTE_METRIC_EUCLIDEAN ? REGIO_METRIC_EUCLIDEAN
                                                         : REGIO_METRIC_HAVERSINE;
    d.round_nearest = o ? o->round_nearest : 0;
    d.road_factor = o && o->road_factor > 0 ? o->road_factor : 1.3;
    d.speed_kmh = o && o->speed_kmh > 0 ? o->speed_kmh : 50.0;
    /* Distances in the solution: metres of road for haversine (great
     * circle times the road factor), coordinate units for planar input. */
    p->dist_scale = d.metric == REGIO_METRIC_HAVERSINE ? d.road_factor * 1000.0 : 1.0;
    regio_err rc = regio_dist_create_coords((size_t)p->n_loc, p->x, p->y, &d,
                                            &p->dist, err);
    return rc;
}

/* ---- matrices and the VRP view ------------------------------------------ */

regio_err regio_route_problem_vrp(regio_route_problem *p,
                                  const regio_vrp_problem **out,
                                  regio_error *err)
{
    if (!p || !out)
        return regio__route_fail(err, REGIO_EINVAL, NULL, 0, NULL,
                                 "problem and out are required");
    if (!p->vrp_ready) {
        size_t n = (size_t)p->n_loc;
        if (n > p->max_loc)
            return regio__route_fail(
                err, REGIO_EDATA, NULL, 0, NULL,
                "%zu locations need a %zu x %zu matrix; the limit is %zu "
                "(a plain TSP has no limit)",
                n, n, n, p->max_loc);
        p->cost_m = regio_malloc(n * n * sizeof *p->cost_m);
        p->dur_m = regio_malloc(n * n * sizeof *p->dur_m);
        if (!p->cost_m || !p->dur_m) {
            regio_free(p->cost_m);
            regio_free(p->dur_m);
            p->cost_m = p->dur_m = NULL;
            return regio__route_oom(err);
        }
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                p->cost_m[i * n + j] = regio_dist_cost(p->dist, i, j);
                p->dur_m[i * n + j] = regio_dist_duration(p->dist, i, j);
            }
        memset(&p->vrp, 0, sizeof p->vrp);
        p->vrp.n_locations = p->n_loc;
        p->vrp.cost = p->cost_m;
        p->vrp.duration = p->dur_m;
        p->vrp.n_dims = p->n_dims;
        p->vrp.jobs = p->jobs;
        p->vrp.n_jobs = p->n_jobs;
        p->vrp.vehicles = p->veh;
        p->vrp.n_vehicles = p->n_veh;
        p->vrp_ready = 1;
    }
    *out = &p->vrp;
    return REGIO_OK;
}

int regio_route_problem_is_tsp(const regio_route_problem *p)
{
    if (!p || p->n_veh != 1 || p->n_jobs < 1)
        return 0;
    const regio_vrp_vehicle *v = &p->veh[0];
    if (v->start < 0 || v->start != v->end || v->shift.end < REGIO__ROUTE_NO_END)
        return 0;
    if (v->max_tasks > 0 && v->max_tasks < p->n_jobs)
        return 0;
    if (v->n_steps > 0)
        return 0;
    if (!regio_dist_is_symmetric(p->dist))
        return 0;
    double sum[REGIO_VRP_MAX_DIMS] = {0};
    for (int j = 0; j < p->n_jobs; j++) {
        const regio_vrp_job *jb = &p->jobs[j];
        if (jb->n_tws > 0 || (jb->skills & ~v->skills) || jb->kind != REGIO_VRP_KIND_JOB)
            return 0;
        for (int d = 0; d < p->n_dims; d++)
            if (jb->pickup[d] > 0)
                return 0;
        for (int d = 0; d < p->n_dims; d++)
            sum[d] += jb->amount[d];
    }
    for (int d = 0; d < p->n_dims; d++)
        if (sum[d] > v->capacity[d])
            return 0;
    return 1;
}

/* ---- solve -------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static regio_err solve_tsp(const regio_route_problem *p,
                           const regio_route_params *pr, regio_vrp_solution **out,
                           regio_route_stats *st, regio_error *err)
{
    int nj = p->n_jobs;
    const regio_vrp_vehicle *v = &p->veh[0];
    uint32_t *idx = regio_malloc((size_t)(nj + 1) * sizeof *idx);
    uint32_t *tour = regio_malloc((size_t)(nj + 1) * sizeof *tour);
    regio_vrp_solution *s = regio_calloc(1, sizeof *s);
    regio_dist *sub = NULL;
    regio_err rc = REGIO_OK;
    if (!idx || !tour || !s)
        goto nomem;
    idx[0] = (uint32_t)v->start;
    for (int j = 0; j < nj; j++)
        idx[j + 1] = (uint32_t)p->jobs[j].location;
    rc = regio_dist_create_subset(p->dist, idx, (size_t)nj + 1, &sub, err);
    if (rc)
        goto done;
    regio_tsp_params tp;
    memset(&tp, 0, sizeof tp);
    tp.seed = pr ? pr->seed : 0;
    tp.time_limit_s = pr ? pr->time_limit_s : 0;
    tp.max_iterations = pr && pr->max_iterations > 0 ? (uint64_t)pr->max_iterations : 0;
    regio_tsp_stats ts;
    double cost = 0;
    rc = regio_tsp_solve_ex(sub, &tp, tour, &cost, &ts, err);
    if (rc)
        goto done;
    st->iterations = (long)ts.iterations;
    s->routes = regio_calloc(1, sizeof *s->routes);
    if (!s->routes)
        goto nomem;
    s->n_routes = 1;
    regio_vrp_route *r = &s->routes[0];
    r->vehicle = 0;
    r->steps = regio_calloc((size_t)nj, sizeof *r->steps);
    if (!r->steps)
        goto nomem;
    r->n_steps = nj;
    /* No windows and an open shift: every service starts on arrival. */
    double t = v->shift.start;
    int prev = v->start;
    r->start_time = t;
    r->cost = 0;
    for (int k = 0; k < nj; k++) {
        int j = (int)tour[k + 1] - 1;
        int loc = p->jobs[j].location;
        regio_vrp_step *stp = &r->steps[k];
        stp->job = j;
        stp->arrival = t + regio_dist_duration(p->dist, (size_t)prev, (size_t)loc);
        stp->waiting = 0;
        stp->service_start = stp->arrival;
        stp->departure = stp->arrival + p->jobs[j].service;
        r->cost += regio_dist_cost(p->dist, (size_t)prev, (size_t)loc);
        t = stp->departure;
        prev = loc;
    }
    r->end_time = t + regio_dist_duration(p->dist, (size_t)prev, (size_t)v->end);
    r->cost += regio_dist_cost(p->dist, (size_t)prev, (size_t)v->end);
    r->duration = r->end_time - r->start_time;
    s->total_cost = r->cost;
    s->total_duration = r->duration;
    s->vehicles_used = 1;
    s->iterations = (long)ts.iterations;
    goto done;
nomem:
    rc = regio__route_oom(err);
done:
    regio_dist_destroy(sub);
    regio_free(idx);
    regio_free(tour);
    if (rc)
        regio_vrp_solution_destroy(s);
    else
        *out = s;
    return rc;
}

regio_err regio_route_solve(regio_route_problem *p,
                            const regio_route_params *params,
                            regio_vrp_solution **out,
                            regio_route_stats *stats, regio_error *err)
{
    if (!p || !out)
        return regio__route_fail(err, REGIO_EINVAL, NULL, 0, NULL,
                                 "problem and out are required");
    *out = NULL;
    regio_route_stats st;
    memset(&st, 0, sizeof st);
    double t0 = now_s();
    regio_err rc;
    if (!(params && params->force_vrp) && regio_route_problem_is_tsp(p)) {
        st.used_tsp = 1;
        rc = solve_tsp(p, params, out, &st, err);
    } else {
        const regio_vrp_problem *vp = NULL;
        rc = regio_route_problem_vrp(p, &vp, err);
        if (!rc) {
            regio_vrp_params vpar;
            regio_vrp_params_default(&vpar);
            vpar.seed = params ? params->seed : 1;
            vpar.time_limit_s = params ? params->time_limit_s : 0;
            vpar.max_iterations = params ? params->max_iterations : 0;
            rc = regio_vrp_solve(vp, &vpar, out, err);
            if (!rc)
                st.iterations = (*out)->iterations;
        }
    }
    st.solve_s = now_s() - t0;
    if (stats)
        *stats = st;
    return rc;
}
