/*
 * Routing problems as users hand them in: the shared problem object, the
 * CSV stops reader, the solve entry point (plain TSPs go to the Lin-Kernighan
 * TSP solver, everything else to the VRPTW solver) and the writers for
 * VROOM-style solution JSON, GeoJSON and tour CSV. The VROOM JSON reader
 * lives in vroom_json.c; both build the same object (route_io_internal.h).
 */
#include "regio/route_io.h"
#include "regio/csv.h"
#include "regio/fields.h"
#include "regio/tsp.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "route/route_io_internal.h"

regio_err regio__route_fail(regio_error *err, regio_err code, const char *file,
                            long line, const char *field, const char *fmt, ...)
{
    if (!err)
        return code;
    regio_error_clear(err);
    err->code = code;
    if (file)
        snprintf(err->file, sizeof err->file, "%s", file);
    err->line = line;
    if (field)
        snprintf(err->field, sizeof err->field, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

static regio_err oom(regio_error *err)
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
            return oom(err);
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
    if (!regio_dist_is_symmetric(p->dist))
        return 0;
    double sum[REGIO_VRP_MAX_DIMS] = {0};
    for (int j = 0; j < p->n_jobs; j++) {
        const regio_vrp_job *jb = &p->jobs[j];
        if (jb->n_tws > 0 || (jb->skills & ~v->skills))
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
    rc = oom(err);
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

/* ---- CSV stops ---------------------------------------------------------- */

static int col_is(const char *h, const char *const *names)
{
    char low[64];
    size_t n = 0;
    /* Skip a UTF-8 BOM the reader leaves on the first header cell. */
    if ((unsigned char)h[0] == 0xEF && (unsigned char)h[1] == 0xBB &&
        (unsigned char)h[2] == 0xBF)
        h += 3;
    for (; *h && n + 1 < sizeof low; h++)
        if (*h != ' ')
            low[n++] = (char)tolower((unsigned char)*h);
    low[n] = '\0';
    for (; *names; names++)
        if (!strcmp(low, *names))
            return 1;
    return 0;
}

enum { C_ID, C_X, C_Y, C_LAT, C_LON, C_SERVICE, C_TWS, C_TWE, C_COUNT };

/* Parses a time of day: seconds, or a clock time H:MM[:SS] (to seconds). */
static regio_err parse_time(const char *s, double *out)
{
    if (strchr(s, ':')) {
        int m;
        regio_err rc = regio_parse_hhmm(s, &m);
        *out = rc ? NAN : m * 60.0;
        return rc;
    }
    return regio_parse_number(s, out);
}

typedef struct stop_row {
    char *id;
    double x, y, service, tws, twe;
    long line;
} stop_row;

regio_err regio_route_read_stops_csv(const char *path,
                                     const regio_route_opts *o,
                                     regio_route_problem **out,
                                     regio_error *err)
{
    static const char *const names[C_COUNT][5] = {
        {"id", NULL},
        {"x", NULL},
        {"y", NULL},
        {"lat", "latitude", NULL},
        {"lon", "lng", "longitude", NULL},
        {"service_s", "service", NULL},
        {"tw_start", NULL},
        {"tw_end", NULL}};
    if (!path || !out)
        return regio__route_fail(err, REGIO_EINVAL, NULL, 0, NULL,
                                 "path and out are required");
    *out = NULL;
    regio_csv *c = NULL;
    regio_err rc = regio_csv_open(path, NULL, &c, err);
    if (rc)
        return rc;
    const char *fname = regio_csv_name(c);
    stop_row *rows = NULL;
    size_t n = 0, cap = 0;
    long col[C_COUNT];
    regio_route_problem *p = NULL;
    int has = 0;
    for (int k = 0; k < C_COUNT; k++)
        col[k] = -1;
    rc = regio_csv_next(c, &has, err);
    if (rc)
        goto done;
    if (!has) {
        rc = regio__route_fail(err, REGIO_EPARSE, fname, 1, NULL,
                               "the file is empty; expected a header id,x,y or id,lat,lon");
        goto done;
    }
    for (size_t i = 0; i < regio_csv_nfields(c); i++)
        for (int k = 0; k < C_COUNT; k++)
            if (col_is(regio_csv_field(c, i), names[k])) {
                if (col[k] >= 0) {
                    rc = regio__route_fail(err, REGIO_EDATA, fname, 1, names[k][0],
                                           "column '%s' appears twice", names[k][0]);
                    goto done;
                }
                col[k] = (long)i;
            }
    int planar = col[C_X] >= 0 && col[C_Y] >= 0;
    int geo = col[C_LAT] >= 0 && col[C_LON] >= 0;
    if (col[C_ID] < 0 || (!planar && !geo)) {
        rc = regio__route_fail(err, REGIO_EDATA, fname, 1, NULL,
                               "the header needs id and either x,y or lat,lon "
                               "(optional service_s, tw_start, tw_end)");
        goto done;
    }
    if (planar && geo)
        geo = 0; /* x,y win when both pairs are present */
    int cx = planar ? C_X : C_LON, cy = planar ? C_Y : C_LAT;
    for (;;) {
        rc = regio_csv_next(c, &has, err);
        if (rc)
            goto done;
        if (!has)
            break;
        long line = regio_csv_line(c);
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 64;
            stop_row *nr = regio_realloc(rows, nc * sizeof *nr);
            if (!nr) {
                rc = oom(err);
                goto done;
            }
            rows = nr;
            cap = nc;
        }
        stop_row *r = &rows[n];
        memset(r, 0, sizeof *r);
        r->line = line;
        const char *id = regio_csv_field(c, (size_t)col[C_ID]);
        if (!id || !*id) {
            rc = regio__route_fail(err, REGIO_EDATA, fname, line, "id", "the id is empty");
            goto done;
        }
        for (size_t k = 0; k < n; k++)
            if (!strcmp(rows[k].id, id)) {
                rc = regio__route_fail(err, REGIO_EDATA, fname, line, "id",
                                       "id '%s' appears twice (first on line %ld)",
                                       id, rows[k].line);
                goto done;
            }
        r->id = regio_strdup(id);
        if (!r->id) {
            rc = oom(err);
            goto done;
        }
        n++;
        const int need[2] = {cx, cy};
        double *dst[2] = {&r->x, &r->y};
        for (int k = 0; k < 2; k++) {
            const char *f = regio_csv_field(c, (size_t)col[need[k]]);
            if (regio_parse_number(f, dst[k]) != REGIO_OK) {
                rc = regio__route_fail(err, REGIO_EDATA, fname, line, names[need[k]][0],
                                       "'%s' is not a number", f ? f : "");
                goto done;
            }
        }
        if (geo && (r->y < -90 || r->y > 90 || r->x < -180 || r->x > 180)) {
            rc = regio__route_fail(err, REGIO_EDATA, fname, line, NULL,
                                   "lat %g, lon %g is outside [-90, 90] x [-180, 180]",
                                   r->y, r->x);
            goto done;
        }
        r->service = 0;
        r->tws = NAN;
        r->twe = NAN;
        const int opt[3] = {C_SERVICE, C_TWS, C_TWE};
        double *odst[3] = {&r->service, &r->tws, &r->twe};
        for (int k = 0; k < 3; k++) {
            if (col[opt[k]] < 0)
                continue;
            const char *f = regio_csv_field(c, (size_t)col[opt[k]]);
            double v;
            regio_err prc = k == 0 ? regio_parse_number(f, &v) : parse_time(f, &v);
            if (prc == REGIO_ENOTFOUND)
                continue;
            if (prc || v < 0) {
                rc = regio__route_fail(err, REGIO_EDATA, fname, line, names[opt[k]][0],
                                       "'%s' is not %s", f,
                                       k == 0 ? "a number of seconds >= 0"
                                              : "a time (seconds >= 0 or HH:MM)");
                goto done;
            }
            *odst[k] = v;
        }
        if (!isnan(r->tws) && !isnan(r->twe) && r->twe < r->tws) {
            rc = regio__route_fail(err, REGIO_EDATA, fname, line, "tw_end",
                                   "the window ends (%g) before it starts (%g)",
                                   r->twe, r->tws);
            goto done;
        }
    }
    if (n < 1) {
        rc = regio__route_fail(err, REGIO_EDATA, fname, 1, NULL,
                               "no stops: the file has a header only");
        goto done;
    }
    size_t depot = 0;
    if (o && o->depot_id) {
        for (depot = 0; depot < n && strcmp(rows[depot].id, o->depot_id); depot++)
            ;
        if (depot == n) {
            rc = regio__route_fail(err, REGIO_ENOTFOUND, fname, 0, "id",
                                   "depot '%s' is not among the stops", o->depot_id);
            goto done;
        }
    }
    int nveh = o && o->n_vehicles > 0 ? o->n_vehicles : 1;
    p = regio__route_new();
    if (!p) {
        rc = oom(err);
        goto done;
    }
    if (o && o->max_locations)
        p->max_loc = o->max_locations;
    p->metric = o && o->metric ? o->metric
                               : planar ? REGIO_ROUTE_METRIC_EUCLIDEAN
                                        : REGIO_ROUTE_METRIC_HAVERSINE;
    p->n_loc = (int)n;
    p->has_coords = 1;
    p->n_jobs = (int)n - 1;
    p->n_veh = nveh;
    p->x = regio_malloc(n * sizeof *p->x);
    p->y = regio_malloc(n * sizeof *p->y);
    p->jobs = regio_calloc(n, sizeof *p->jobs);
    p->tws = regio_calloc(n, sizeof *p->tws);
    p->job_ids = regio_calloc(n, sizeof *p->job_ids);
    p->veh = regio_calloc((size_t)nveh, sizeof *p->veh);
    p->veh_ids = regio_calloc((size_t)nveh, sizeof *p->veh_ids);
    p->depot_id = regio_strdup(rows[depot].id);
    if (!p->x || !p->y || !p->jobs || !p->tws || !p->job_ids || !p->veh ||
        !p->veh_ids || !p->depot_id) {
        rc = oom(err);
        goto done;
    }
    int j = 0;
    for (size_t i = 0; i < n; i++) {
        p->x[i] = rows[i].x;
        p->y[i] = rows[i].y;
        if (i == depot)
            continue;
        regio_vrp_job *jb = &p->jobs[j];
        jb->location = (int)i;
        jb->service = rows[i].service;
        if (!isnan(rows[i].tws) || !isnan(rows[i].twe)) {
            p->tws[j].start = isnan(rows[i].tws) ? 0 : rows[i].tws;
            p->tws[j].end = isnan(rows[i].twe) ? REGIO__ROUTE_NO_END : rows[i].twe;
            jb->tws = &p->tws[j];
            jb->n_tws = 1;
        }
        p->job_ids[j] = rows[i].id;
        rows[i].id = NULL;
        j++;
    }
    for (int v = 0; v < nveh; v++) {
        regio_vrp_vehicle *vh = &p->veh[v];
        vh->start = vh->end = (int)depot;
        vh->shift.start = isnan(rows[depot].tws) ? 0 : rows[depot].tws;
        vh->shift.end = isnan(rows[depot].twe) ? REGIO__ROUTE_NO_END : rows[depot].twe;
        char b[32];
        snprintf(b, sizeof b, "%d", v + 1);
        p->veh_ids[v] = regio_strdup(b);
        if (!p->veh_ids[v]) {
            rc = oom(err);
            goto done;
        }
    }
    rc = regio__route_make_coord_dist(p, o, err);
    if (rc)
        goto done;
    *out = p;
    p = NULL;
done:
    for (size_t i = 0; i < n; i++)
        regio_free(rows[i].id);
    regio_free(rows);
    regio_route_problem_destroy(p);
    regio_csv_close(c);
    return rc;
}

/* ---- writers ------------------------------------------------------------ */

/* Numbers as VROOM writes them when they are whole; otherwise six decimals
 * with trailing zeros trimmed, so outputs stay readable and stable. */
static regio_err put_num(regio__buf *b, double v)
{
    if (!isfinite(v))
        return regio__buf_puts(b, "null");
    double r = nearbyint(v);
    if (fabs(v - r) <= 1e-9 * (1.0 + fabs(v)))
        return regio__buf_printf(b, "%.0f", r == 0 ? 0.0 : r);
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.6f", v);
    size_t len = strlen(tmp);
    while (len > 0 && tmp[len - 1] == '0')
        tmp[--len] = '\0';
    if (len > 0 && tmp[len - 1] == '.')
        tmp[--len] = '\0';
    if (!strcmp(tmp, "-0"))
        return regio__buf_puts(b, "0");
    return regio__buf_puts(b, tmp);
}

static regio_err put_id(const regio_route_problem *p, regio__buf *b, const char *id)
{
    return p->ids_numeric ? regio__buf_puts(b, id) : regio__buf_json_str(b, id);
}

static int has_xy(const regio_route_problem *p, int loc)
{
    return p->has_coords && loc >= 0 && !isnan(p->x[loc]) && !isnan(p->y[loc]);
}

static regio_err put_location(const regio_route_problem *p, regio__buf *b, int loc)
{
    regio_err rc = REGIO_OK;
    if (has_xy(p, loc)) {
        rc |= regio__buf_puts(b, ", \"location\": [");
        rc |= regio__buf_num(b, p->x[loc]);
        rc |= regio__buf_puts(b, ", ");
        rc |= regio__buf_num(b, p->y[loc]);
        rc |= regio__buf_puts(b, "]");
    }
    if (p->uses_index)
        rc |= regio__buf_printf(b, ", \"location_index\": %d", loc);
    return rc ? REGIO_ENOMEM : REGIO_OK;
}

static double leg_distance(const regio_route_problem *p, int a, int b)
{
    if (a < 0 || b < 0)
        return 0;
    if (p->dist_m)
        return p->dist_m[(size_t)a * (size_t)p->n_loc + (size_t)b];
    return regio_dist_cost(p->dist, (size_t)a, (size_t)b) * p->dist_scale;
}

static double leg_dur(const regio_route_problem *p, int a, int b)
{
    return a < 0 || b < 0 ? 0 : regio_dist_duration(p->dist, (size_t)a, (size_t)b);
}

static double leg_cost(const regio_route_problem *p, int a, int b)
{
    return a < 0 || b < 0 ? 0 : regio_dist_cost(p->dist, (size_t)a, (size_t)b);
}

static regio_err put_amounts(regio__buf *b, const char *sep, const char *key,
                             const double *v, int nd)
{
    regio_err rc = regio__buf_printf(b, "%s\"%s\": [", sep, key);
    for (int d = 0; d < nd; d++) {
        if (d)
            rc |= regio__buf_puts(b, ", ");
        rc |= put_num(b, v[d]);
    }
    rc |= regio__buf_puts(b, "]");
    return rc ? REGIO_ENOMEM : REGIO_OK;
}

static const char *reason_code(regio_vrp_reason r)
{
    switch (r) {
    case REGIO_VRP_REASON_SKILLS: return "skills";
    case REGIO_VRP_REASON_TIME_WINDOW: return "time_window";
    case REGIO_VRP_REASON_CAPACITY: return "capacity";
    case REGIO_VRP_REASON_FLEET: return "fleet";
    default: return "none";
    }
}

/* Totals of one route as VROOM reports them. */
typedef struct route_tot {
    double cost, travel, service, waiting, distance;
    double delivery[REGIO_VRP_MAX_DIMS], pickup[REGIO_VRP_MAX_DIMS];
} route_tot;

static void route_totals(const regio_route_problem *p, const regio_vrp_route *r,
                         route_tot *t)
{
    memset(t, 0, sizeof *t);
    const regio_vrp_vehicle *v = &p->veh[r->vehicle];
    int prev = v->start;
    for (int k = 0; k < r->n_steps; k++) {
        int j = r->steps[k].job;
        int loc = p->jobs[j].location;
        t->cost += leg_cost(p, prev, loc);
        t->travel += leg_dur(p, prev, loc);
        t->distance += leg_distance(p, prev, loc);
        t->service += p->jobs[j].service;
        t->waiting += r->steps[k].waiting;
        for (int d = 0; d < p->n_dims; d++) {
            t->delivery[d] += p->delivery[(size_t)j * REGIO_VRP_MAX_DIMS + d];
            t->pickup[d] += p->pickup[(size_t)j * REGIO_VRP_MAX_DIMS + d];
        }
        prev = loc;
    }
    t->cost += leg_cost(p, prev, v->end);
    t->travel += leg_dur(p, prev, v->end);
    t->distance += leg_distance(p, prev, v->end);
}

static int distance_known(const regio_route_problem *p)
{
    return p->dist_m != NULL || p->dist_scale > 0;
}

/* Writes the totals VROOM reports for a route and for the summary (loads,
 * service, duration, waiting time, distance when known), each member
 * preceded by sep. */
static regio_err put_totals(const regio_route_problem *p, regio__buf *b, const char *sep,
                            const route_tot *t, int nd)
{
    regio_err rc = REGIO_OK;
    if (nd) {
        rc |= put_amounts(b, sep, "delivery", t->delivery, nd);
        rc |= put_amounts(b, sep, "pickup", t->pickup, nd);
    }
    const char *keys[] = {"service", "duration", "waiting_time", "distance"};
    const double vals[] = {t->service, t->travel, t->waiting, t->distance};
    int n = distance_known(p) ? 4 : 3;
    for (int k = 0; k < n; k++) {
        rc |= regio__buf_printf(b, "%s\"%s\": ", sep, keys[k]);
        rc |= put_num(b, vals[k]);
    }
    return rc ? REGIO_ENOMEM : REGIO_OK;
}

regio_err regio_route_write_json(const regio_route_problem *p,
                                 const regio_vrp_solution *s,
                                 const regio_route_timing *timing, char **out,
                                 regio_error *err)
{
    if (!p || !s || !out)
        return regio__route_fail(err, REGIO_EINVAL, NULL, 0, NULL,
                                 "problem, solution and out are required");
    regio__buf b;
    regio__buf_init(&b, 0);
    regio_err rc = REGIO_OK;
    int nd = p->n_dims, used = 0;
    route_tot all, t;
    memset(&all, 0, sizeof all);
    for (int r = 0; r < s->n_routes; r++) {
        if (s->routes[r].n_steps == 0)
            continue;
        used++;
        route_totals(p, &s->routes[r], &t);
        all.cost += t.cost;
        all.travel += t.travel;
        all.service += t.service;
        all.waiting += t.waiting;
        all.distance += t.distance;
        for (int d = 0; d < nd; d++) {
            all.delivery[d] += t.delivery[d];
            all.pickup[d] += t.pickup[d];
        }
    }
    rc |= regio__buf_puts(&b, "{\n  \"code\": 0,\n  \"summary\": {\n    \"cost\": ");
    rc |= put_num(&b, all.cost);
    rc |= regio__buf_printf(&b, ",\n    \"routes\": %d,\n    \"unassigned\": %d", used,
                            s->n_unassigned);
    rc |= put_totals(p, &b, ",\n    ", &all, nd);
    rc |= regio__buf_printf(&b, ",\n    \"computing_times\": {\"loading\": %.0f, \"solving\": %.0f}",
                            timing ? timing->loading_ms : 0.0,
                            timing ? timing->solving_ms : 0.0);
    rc |= regio__buf_puts(&b, "\n  },\n  \"unassigned\": [");
    for (int u = 0; u < s->n_unassigned; u++) {
        const regio_vrp_unassigned *ua = &s->unassigned[u];
        rc |= regio__buf_puts(&b, u ? ",\n    {\"id\": " : "\n    {\"id\": ");
        rc |= put_id(p, &b, p->job_ids[ua->job]);
        rc |= regio__buf_puts(&b, ", \"type\": \"job\"");
        rc |= put_location(p, &b, p->jobs[ua->job].location);
        rc |= regio__buf_printf(&b, ", \"reason_code\": \"%s\", \"reason\": ",
                                reason_code(ua->reason));
        rc |= regio__buf_json_str(&b, ua->text);
        rc |= regio__buf_puts(&b, "}");
    }
    rc |= regio__buf_puts(&b, s->n_unassigned ? "\n  ],\n  \"routes\": [" : "],\n  \"routes\": [");
    int first = 1;
    for (int r = 0; r < s->n_routes; r++) {
        const regio_vrp_route *rt = &s->routes[r];
        if (rt->n_steps == 0)
            continue;
        const regio_vrp_vehicle *v = &p->veh[rt->vehicle];
        route_totals(p, rt, &t);
        rc |= regio__buf_puts(&b, first ? "\n    {\"vehicle\": " : ",\n    {\"vehicle\": ");
        first = 0;
        rc |= put_id(p, &b, p->veh_ids[rt->vehicle]);
        rc |= regio__buf_puts(&b, ", \"cost\": ");
        rc |= put_num(&b, t.cost);
        rc |= put_totals(p, &b, ", ", &t, nd);
        rc |= regio__buf_puts(&b, ",\n     \"steps\": [");
        double load[REGIO_VRP_MAX_DIMS];
        for (int d = 0; d < nd; d++)
            load[d] = t.delivery[d];
        double travel = 0, dist = 0;
        int prev = v->start, nsteps = 0;
        if (v->start >= 0) {
            rc |= regio__buf_puts(&b, "\n      {\"type\": \"start\"");
            rc |= put_location(p, &b, v->start);
            rc |= regio__buf_puts(&b, ", \"arrival\": ");
            rc |= put_num(&b, rt->start_time);
            rc |= regio__buf_puts(&b, ", \"duration\": 0, \"service\": 0, \"waiting_time\": 0");
            if (nd)
                rc |= put_amounts(&b, ", ", "load", load, nd);
            if (distance_known(p))
                rc |= regio__buf_puts(&b, ", \"distance\": 0");
            rc |= regio__buf_puts(&b, "}");
            nsteps++;
        }
        for (int k = 0; k < rt->n_steps; k++) {
            const regio_vrp_step *st = &rt->steps[k];
            int j = st->job, loc = p->jobs[j].location;
            travel += leg_dur(p, prev, loc);
            dist += leg_distance(p, prev, loc);
            prev = loc;
            for (int d = 0; d < nd; d++)
                load[d] += p->pickup[(size_t)j * REGIO_VRP_MAX_DIMS + d] -
                           p->delivery[(size_t)j * REGIO_VRP_MAX_DIMS + d];
            rc |= regio__buf_puts(&b, nsteps ? ",\n      {\"type\": \"job\", \"id\": "
                                             : "\n      {\"type\": \"job\", \"id\": ");
            nsteps++;
            rc |= put_id(p, &b, p->job_ids[j]);
            rc |= put_location(p, &b, loc);
            rc |= regio__buf_puts(&b, ", \"arrival\": ");
            rc |= put_num(&b, st->arrival);
            rc |= regio__buf_puts(&b, ", \"duration\": ");
            rc |= put_num(&b, travel);
            rc |= regio__buf_puts(&b, ", \"service\": ");
            rc |= put_num(&b, p->jobs[j].service);
            rc |= regio__buf_puts(&b, ", \"waiting_time\": ");
            rc |= put_num(&b, st->waiting);
            if (nd)
                rc |= put_amounts(&b, ", ", "load", load, nd);
            if (distance_known(p)) {
                rc |= regio__buf_puts(&b, ", \"distance\": ");
                rc |= put_num(&b, dist);
            }
            rc |= regio__buf_puts(&b, "}");
        }
        if (v->end >= 0) {
            travel += leg_dur(p, prev, v->end);
            dist += leg_distance(p, prev, v->end);
            rc |= regio__buf_puts(&b, nsteps ? ",\n      {\"type\": \"end\""
                                             : "\n      {\"type\": \"end\"");
            rc |= put_location(p, &b, v->end);
            rc |= regio__buf_puts(&b, ", \"arrival\": ");
            rc |= put_num(&b, rt->end_time);
            rc |= regio__buf_puts(&b, ", \"duration\": ");
            rc |= put_num(&b, travel);
            rc |= regio__buf_puts(&b, ", \"service\": 0, \"waiting_time\": 0");
            if (nd)
                rc |= put_amounts(&b, ", ", "load", load, nd);
            if (distance_known(p)) {
                rc |= regio__buf_puts(&b, ", \"distance\": ");
                rc |= put_num(&b, dist);
            }
            rc |= regio__buf_puts(&b, "}");
        }
        rc |= regio__buf_puts(&b, "\n    ]}");
    }
    rc |= regio__buf_puts(&b, first ? "]\n}\n" : "\n  ]\n}\n");
    if (rc) {
        regio__buf_free(&b);
        return oom(err);
    }
    *out = regio__buf_steal(&b);
    return *out ? REGIO_OK : oom(err);
}

static regio_err put_point(regio__buf *b, const regio_route_problem *p, int loc)
{
    regio_err rc = regio__buf_puts(b, "[");
    rc |= regio__buf_num(b, p->x[loc]);
    rc |= regio__buf_puts(b, ", ");
    rc |= regio__buf_num(b, p->y[loc]);
    rc |= regio__buf_puts(b, "]");
    return rc ? REGIO_ENOMEM : REGIO_OK;
}

static regio_err stop_feature(regio__buf *b, const regio_route_problem *p,
                              int *nfeat, const char *veh, int seq,
                              const char *type, const char *id, int loc,
                              double arrival, const char *reason)
{
    regio_err rc = regio__buf_puts(b, (*nfeat)++ ? ",\n" : "\n");
    rc |= regio__buf_puts(b, "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", "
                             "\"coordinates\": ");
    rc |= put_point(b, p, loc);
    rc |= regio__buf_puts(b, "}, \"properties\": {\"type\": ");
    rc |= regio__buf_json_str(b, type);
    if (veh) {
        rc |= regio__buf_puts(b, ", \"vehicle\": ");
        rc |= put_id(p, b, veh);
        rc |= regio__buf_printf(b, ", \"sequence\": %d, \"arrival\": ", seq);
        rc |= put_num(b, arrival);
    }
    if (id) {
        rc |= regio__buf_puts(b, ", \"id\": ");
        rc |= put_id(p, b, id);
    }
    if (reason) {
        rc |= regio__buf_puts(b, ", \"reason\": ");
        rc |= regio__buf_json_str(b, reason);
    }
    rc |= regio__buf_puts(b, "}}");
    return rc ? REGIO_ENOMEM : REGIO_OK;
}

regio_err regio_route_write_geojson(const regio_route_problem *p,
                                    const regio_vrp_solution *s, char **out,
                                    regio_error *err)
{
    if (!p || !s || !out)
        return regio__route_fail(err, REGIO_EINVAL, NULL, 0, NULL,
                                 "problem, solution and out are required");
    for (int j = 0; j < p->n_jobs; j++)
        if (!has_xy(p, p->jobs[j].location))
            return regio__route_fail(err, REGIO_EUNSUPPORTED, NULL, 0, NULL,
                                     "GeoJSON needs coordinates, and job %s has none "
                                     "(give \"location\" next to \"location_index\")",
                                     p->job_ids[j]);
    for (int v = 0; v < p->n_veh; v++)
        if ((p->veh[v].start >= 0 && !has_xy(p, p->veh[v].start)) ||
            (p->veh[v].end >= 0 && !has_xy(p, p->veh[v].end)))
            return regio__route_fail(err, REGIO_EUNSUPPORTED, NULL, 0, NULL,
                                     "GeoJSON needs coordinates, and vehicle %s's "
                                     "start or end has none", p->veh_ids[v]);
    regio__buf b;
    regio__buf_init(&b, 0);
    regio_err rc = regio__buf_puts(&b, "{\"type\": \"FeatureCollection\", \"features\": [");
    int nf = 0;
    for (int r = 0; r < s->n_routes; r++) {
        const regio_vrp_route *rt = &s->routes[r];
        if (rt->n_steps == 0)
            continue;
        const regio_vrp_vehicle *v = &p->veh[rt->vehicle];
        const char *vid = p->veh_ids[rt->vehicle];
        rc |= regio__buf_puts(&b, nf++ ? ",\n" : "\n");
        rc |= regio__buf_puts(&b, "{\"type\": \"Feature\", \"geometry\": {\"type\": "
                                  "\"LineString\", \"coordinates\": [");
        int np = 0;
        if (v->start >= 0) {
            rc |= put_point(&b, p, v->start);
            np++;
        }
        for (int k = 0; k < rt->n_steps; k++) {
            if (np++)
                rc |= regio__buf_puts(&b, ", ");
            rc |= put_point(&b, p, p->jobs[rt->steps[k].job].location);
        }
        if (v->end >= 0) {
            rc |= regio__buf_puts(&b, ", ");
            rc |= put_point(&b, p, v->end);
        }
        rc |= regio__buf_puts(&b, "]}, \"properties\": {\"vehicle\": ");
        rc |= put_id(p, &b, vid);
        rc |= regio__buf_printf(&b, ", \"jobs\": %d, \"cost\": ", rt->n_steps);
        rc |= put_num(&b, rt->cost);
        rc |= regio__buf_puts(&b, "}}");
        int seq = 0;
        if (v->start >= 0)
            rc |= stop_feature(&b, p, &nf, vid, seq++, "start", NULL, v->start,
                               rt->start_time, NULL);
        for (int k = 0; k < rt->n_steps; k++) {
            int j = rt->steps[k].job;
            rc |= stop_feature(&b, p, &nf, vid, seq++, "job", p->job_ids[j],
                               p->jobs[j].location, rt->steps[k].arrival, NULL);
        }
        if (v->end >= 0)
            rc |= stop_feature(&b, p, &nf, vid, seq++, "end", NULL, v->end,
                               rt->end_time, NULL);
    }
    for (int u = 0; u < s->n_unassigned; u++) {
        int j = s->unassigned[u].job;
        rc |= stop_feature(&b, p, &nf, NULL, 0, "unassigned", p->job_ids[j],
                           p->jobs[j].location, 0, s->unassigned[u].text);
    }
    rc |= regio__buf_puts(&b, "\n]}\n");
    if (rc) {
        regio__buf_free(&b);
        return oom(err);
    }
    *out = regio__buf_steal(&b);
    return *out ? REGIO_OK : oom(err);
}

static regio_err tour_row(regio__buf *b, const regio_route_problem *p,
                          const char *veh, const char *id, double arr, double dep)
{
    regio_err rc = REGIO_OK;
    if (veh) {
        rc |= regio__buf_csv_field(b, veh, ',');
        rc |= regio__buf_putc(b, ',');
    }
    rc |= regio__buf_csv_field(b, id, ',');
    rc |= regio__buf_putc(b, ',');
    rc |= put_num(b, arr);
    rc |= regio__buf_putc(b, ',');
    rc |= put_num(b, dep);
    rc |= regio__buf_putc(b, '\n');
    (void)p;
    return rc ? REGIO_ENOMEM : REGIO_OK;
}

regio_err regio_route_write_tour_csv(const regio_route_problem *p,
                                     const regio_vrp_solution *s, char **out,
                                     regio_error *err)
{
    if (!p || !s || !out)
        return regio__route_fail(err, REGIO_EINVAL, NULL, 0, NULL,
                                 "problem, solution and out are required");
    regio__buf b;
    regio__buf_init(&b, 0);
    int multi = p->n_veh > 1;
    regio_err rc = regio__buf_puts(&b, multi ? "vehicle,id,arrival_s,departure_s\n"
                                             : "id,arrival_s,departure_s\n");
    for (int r = 0; r < s->n_routes; r++) {
        const regio_vrp_route *rt = &s->routes[r];
        if (multi && rt->n_steps == 0)
            continue;
        const regio_vrp_vehicle *v = &p->veh[rt->vehicle];
        const char *vid = multi ? p->veh_ids[rt->vehicle] : NULL;
        if (v->start >= 0)
            rc |= tour_row(&b, p, vid, p->depot_id ? p->depot_id : "start",
                           rt->start_time, rt->start_time);
        for (int k = 0; k < rt->n_steps; k++)
            rc |= tour_row(&b, p, vid, p->job_ids[rt->steps[k].job],
                           rt->steps[k].arrival, rt->steps[k].departure);
        if (v->end >= 0)
            rc |= tour_row(&b, p, vid, p->depot_id ? p->depot_id : "end",
                           rt->end_time, rt->end_time);
    }
    if (rc) {
        regio__buf_free(&b);
        return oom(err);
    }
    *out = regio__buf_steal(&b);
    return *out ? REGIO_OK : oom(err);
}
