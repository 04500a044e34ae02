/*
 * Writers for routing solutions: VROOM-style solution JSON (summary,
 * unassigned jobs with reasons, routes with start / job / end steps and
 * their running duration, load and distance), GeoJSON (one LineString per
 * route, one Point per stop) and tour CSV.
 */
#include "regio/route_io.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "regio/buf.h"
#include "route/route_io_internal.h"

/* Numbers as VROOM writes them when they are whole; otherwise six decimals
 * with trailing zeros trimmed, so outputs stay readable and stable. */
static regio_err put_num(regio_buf *b, double v)
{
    if (!isfinite(v))
        return regio_buf_puts(b, "null");
    double r = nearbyint(v);
    if (fabs(v - r) <= 1e-9 * (1.0 + fabs(v)))
        return regio_buf_printf(b, "%.0f", r == 0 ? 0.0 : r);
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.6f", v);
    size_t len = strlen(tmp);
    while (len > 0 && tmp[len - 1] == '0')
        tmp[--len] = '\0';
    if (len > 0 && tmp[len - 1] == '.')
        tmp[--len] = '\0';
    if (!strcmp(tmp, "-0"))
        return regio_buf_puts(b, "0");
    return regio_buf_puts(b, tmp);
}

static regio_err put_id(const regio_route_problem *p, regio_buf *b, const char *id)
{
    return p->ids_numeric ? regio_buf_puts(b, id) : regio_buf_json_str(b, id);
}

static int has_xy(const regio_route_problem *p, int loc)
{
    return p->has_coords && loc >= 0 && !isnan(p->x[loc]) && !isnan(p->y[loc]);
}

static regio_err put_location(const regio_route_problem *p, regio_buf *b, int loc)
{
    regio_err rc = REGIO_OK;
    if (loc < 0)
        return REGIO_OK; /* a break: no place of its own */
    if (has_xy(p, loc)) {
        rc |= regio_buf_puts(b, ", \"location\": [");
        rc |= regio_buf_num(b, p->x[loc]);
        rc |= regio_buf_puts(b, ", ");
        rc |= regio_buf_num(b, p->y[loc]);
        rc |= regio_buf_puts(b, "]");
    }
    if (p->uses_index)
        rc |= regio_buf_printf(b, ", \"location_index\": %d", loc);
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

static regio_err put_amounts(regio_buf *b, const char *sep, const char *key,
                             const double *v, int nd)
{
    regio_err rc = regio_buf_printf(b, "%s\"%s\": [", sep, key);
    for (int d = 0; d < nd; d++) {
        if (d)
            rc |= regio_buf_puts(b, ", ");
        rc |= put_num(b, v[d]);
    }
    rc |= regio_buf_puts(b, "]");
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

/* VROOM's name for a task's type. */
static const char *task_type(const regio_route_problem *p, int j)
{
    switch (p->jobs[j].kind) {
    case REGIO_VRP_KIND_PICKUP: return "pickup";
    case REGIO_VRP_KIND_DELIVERY: return "delivery";
    case REGIO_VRP_KIND_BREAK: return "break";
    default: return "job";
    }
}

/* Totals of one route as VROOM reports them. */
typedef struct route_tot {
    double cost, travel, service, waiting, distance;
    long priority;
    double delivery[REGIO_VRP_MAX_DIMS], pickup[REGIO_VRP_MAX_DIMS];
    double start_load[REGIO_VRP_MAX_DIMS]; /* plain jobs' deliveries */
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
        t->priority += p->jobs[j].priority;
        for (int d = 0; d < p->n_dims; d++) {
            t->delivery[d] += p->delivery[(size_t)j * REGIO_VRP_MAX_DIMS + d];
            t->pickup[d] += p->pickup[(size_t)j * REGIO_VRP_MAX_DIMS + d];
            if (p->jobs[j].kind == REGIO_VRP_KIND_JOB)
                t->start_load[d] += p->delivery[(size_t)j * REGIO_VRP_MAX_DIMS + d];
        }
        if (loc >= 0) /* a break happens where the vehicle is */
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
static regio_err put_totals(const regio_route_problem *p, regio_buf *b, const char *sep,
                            const route_tot *t, int nd)
{
    regio_err rc = REGIO_OK;
    if (nd) {
        rc |= put_amounts(b, sep, "delivery", t->delivery, nd);
        rc |= put_amounts(b, sep, "pickup", t->pickup, nd);
    }
    const char *keys[] = {"setup", "service", "duration", "waiting_time", "distance"};
    const double vals[] = {0, t->service, t->travel, t->waiting, t->distance};
    int n = distance_known(p) ? 5 : 4;
    for (int k = 0; k < n; k++) {
        rc |= regio_buf_printf(b, "%s\"%s\": ", sep, keys[k]);
        rc |= put_num(b, vals[k]);
    }
    rc |= regio_buf_printf(b, "%s\"priority\": %ld", sep, t->priority);
    return rc ? REGIO_ENOMEM : REGIO_OK;
}

/* Writes ", \"violations\": [...]" for the violations of route `route`
 * at step `step` (step == INT_MIN: all of the route's, route < 0: all),
 * summed by cause as VROOM aggregates them for routes and the summary. */
static regio_err put_viols(regio_buf *b, const char *sep,
                           const regio_route_violation *vs, int nv, int route, int step)
{
    static const char *causes[] = {"delay", "lead_time", "load", "max_tasks", "skills",
                                   "precedence", "missing_break"};
    regio_err rc = regio_buf_printf(b, "%s\"violations\": [", sep);
    int n = 0;
    for (int c = 0; c < 7; c++) {
        double dur = 0;
        int hit = 0;
        for (int k = 0; k < nv; k++) {
            const regio_route_violation *v = &vs[k];
            if (strcmp(v->cause, causes[c]) || (route >= 0 && v->route != route) ||
                (step != -3 && v->step != step))
                continue;
            hit = 1;
            dur += v->duration;
        }
        if (!hit)
            continue;
        rc |= regio_buf_printf(b, "%s{\"cause\": \"%s\"", n++ ? ", " : "", causes[c]);
        if (c < 2) {
            rc |= regio_buf_puts(b, ", \"duration\": ");
            rc |= put_num(b, dur);
        }
        rc |= regio_buf_puts(b, "}");
    }
    rc |= regio_buf_puts(b, "]");
    return rc ? REGIO_ENOMEM : REGIO_OK;
}

static regio_err write_json(const regio_route_problem *p, const regio_vrp_solution *s,
                            const regio_route_violation *vs, int nv,
                            const regio_route_timing *timing, char **out,
                            regio_error *err);

regio_err regio_route_write_json(const regio_route_problem *p,
                                 const regio_vrp_solution *s,
                                 const regio_route_timing *timing, char **out,
                                 regio_error *err)
{
    return write_json(p, s, NULL, 0, timing, out, err);
}

regio_err regio_route_write_plan_json(const regio_route_problem *p,
                                      const regio_route_plan *pl,
                                      const regio_route_timing *timing,
                                      char **out, regio_error *err)
{
    if (!pl)
        return regio__route_fail(err, REGIO_EINVAL, NULL, 0, NULL, "plan is required");
    return write_json(p, pl->solution, pl->violations, pl->n_violations, timing, out, err);
}

static regio_err write_json(const regio_route_problem *p, const regio_vrp_solution *s,
                            const regio_route_violation *vs, int nv,
                            const regio_route_timing *timing, char **out,
                            regio_error *err)
{
    if (!p || !s || !out)
        return regio__route_fail(err, REGIO_EINVAL, NULL, 0, NULL,
                                 "problem, solution and out are required");
    regio_buf b;
    regio_buf_init(&b, 0);
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
        all.priority += t.priority;
        for (int d = 0; d < nd; d++) {
            all.delivery[d] += t.delivery[d];
            all.pickup[d] += t.pickup[d];
        }
    }
    rc |= regio_buf_puts(&b, "{\n  \"code\": 0,\n  \"summary\": {\n    \"cost\": ");
    rc |= put_num(&b, all.cost);
    rc |= regio_buf_printf(&b, ",\n    \"routes\": %d,\n    \"unassigned\": %d", used,
                            s->n_unassigned);
    rc |= put_totals(p, &b, ",\n    ", &all, nd);
    rc |= put_viols(&b, ",\n    ", vs, nv, -1, -3);
    rc |= regio_buf_printf(&b, ",\n    \"computing_times\": {\"loading\": %.0f, \"solving\": %.0f}",
                            timing ? timing->loading_ms : 0.0,
                            timing ? timing->solving_ms : 0.0);
    rc |= regio_buf_puts(&b, "\n  },\n  \"unassigned\": [");
    for (int u = 0; u < s->n_unassigned; u++) {
        const regio_vrp_unassigned *ua = &s->unassigned[u];
        rc |= regio_buf_puts(&b, u ? ",\n    {\"id\": " : "\n    {\"id\": ");
        rc |= put_id(p, &b, p->job_ids[ua->job]);
        rc |= regio_buf_printf(&b, ", \"type\": \"%s\"", task_type(p, ua->job));
        rc |= put_location(p, &b, p->jobs[ua->job].location);
        rc |= regio_buf_printf(&b, ", \"reason_code\": \"%s\", \"reason\": ",
                                reason_code(ua->reason));
        rc |= regio_buf_json_str(&b, ua->text);
        rc |= regio_buf_puts(&b, "}");
    }
    rc |= regio_buf_puts(&b, s->n_unassigned ? "\n  ],\n  \"routes\": [" : "],\n  \"routes\": [");
    int first = 1;
    for (int r = 0; r < s->n_routes; r++) {
        const regio_vrp_route *rt = &s->routes[r];
        if (rt->n_steps == 0)
            continue;
        const regio_vrp_vehicle *v = &p->veh[rt->vehicle];
        route_totals(p, rt, &t);
        rc |= regio_buf_puts(&b, first ? "\n    {\"vehicle\": " : ",\n    {\"vehicle\": ");
        first = 0;
        rc |= put_id(p, &b, p->veh_ids[rt->vehicle]);
        rc |= regio_buf_puts(&b, ", \"cost\": ");
        rc |= put_num(&b, t.cost);
        rc |= put_totals(p, &b, ", ", &t, nd);
        rc |= put_viols(&b, ", ", vs, nv, r, -3);
        rc |= regio_buf_puts(&b, ",\n     \"steps\": [");
        double load[REGIO_VRP_MAX_DIMS];
        for (int d = 0; d < nd; d++)
            load[d] = t.start_load[d];
        double travel = 0, dist = 0;
        int prev = v->start, nsteps = 0;
        if (v->start >= 0) {
            rc |= regio_buf_puts(&b, "\n      {\"type\": \"start\"");
            rc |= put_location(p, &b, v->start);
            rc |= regio_buf_puts(&b, ", \"arrival\": ");
            rc |= put_num(&b, rt->start_time);
            rc |= regio_buf_puts(&b, ", \"duration\": 0, \"service\": 0, \"waiting_time\": 0");
            if (nd)
                rc |= put_amounts(&b, ", ", "load", load, nd);
            if (distance_known(p))
                rc |= regio_buf_puts(&b, ", \"distance\": 0");
            rc |= put_viols(&b, ", ", vs, nv, r, -1);
            rc |= regio_buf_puts(&b, "}");
            nsteps++;
        }
        for (int k = 0; k < rt->n_steps; k++) {
            const regio_vrp_step *st = &rt->steps[k];
            int j = st->job, loc = p->jobs[j].location;
            travel += leg_dur(p, prev, loc);
            dist += leg_distance(p, prev, loc);
            if (loc >= 0)
                prev = loc;
            for (int d = 0; d < nd; d++)
                load[d] += p->pickup[(size_t)j * REGIO_VRP_MAX_DIMS + d] -
                           p->delivery[(size_t)j * REGIO_VRP_MAX_DIMS + d];
            rc |= regio_buf_printf(&b, "%s      {\"type\": \"%s\", \"id\": ",
                                   nsteps ? ",\n" : "\n", task_type(p, j));
            nsteps++;
            rc |= put_id(p, &b, p->job_ids[j]);
            rc |= put_location(p, &b, loc);
            rc |= regio_buf_puts(&b, ", \"arrival\": ");
            rc |= put_num(&b, st->arrival);
            rc |= regio_buf_puts(&b, ", \"duration\": ");
            rc |= put_num(&b, travel);
            rc |= regio_buf_puts(&b, ", \"service\": ");
            rc |= put_num(&b, p->jobs[j].service);
            rc |= regio_buf_puts(&b, ", \"waiting_time\": ");
            rc |= put_num(&b, st->waiting);
            if (nd)
                rc |= put_amounts(&b, ", ", "load", load, nd);
            if (distance_known(p)) {
                rc |= regio_buf_puts(&b, ", \"distance\": ");
                rc |= put_num(&b, dist);
            }
            rc |= put_viols(&b, ", ", vs, nv, r, k);
            rc |= regio_buf_puts(&b, "}");
        }
        if (v->end >= 0) {
            travel += leg_dur(p, prev, v->end);
            dist += leg_distance(p, prev, v->end);
            rc |= regio_buf_puts(&b, nsteps ? ",\n      {\"type\": \"end\""
                                             : "\n      {\"type\": \"end\"");
            rc |= put_location(p, &b, v->end);
            rc |= regio_buf_puts(&b, ", \"arrival\": ");
            rc |= put_num(&b, rt->end_time);
            rc |= regio_buf_puts(&b, ", \"duration\": ");
            rc |= put_num(&b, travel);
            rc |= regio_buf_puts(&b, ", \"service\": 0, \"waiting_time\": 0");
            if (nd)
                rc |= put_amounts(&b, ", ", "load", load, nd);
            if (distance_known(p)) {
                rc |= regio_buf_puts(&b, ", \"distance\": ");
                rc |= put_num(&b, dist);
            }
            rc |= put_viols(&b, ", ", vs, nv, r, rt->n_steps);
            rc |= regio_buf_puts(&b, "}");
        }
        rc |= regio_buf_puts(&b, "\n    ]}");
    }
    rc |= regio_buf_puts(&b, first ? "]\n}\n" : "\n  ]\n}\n");
    if (rc) {
        regio_buf_free(&b);
        return regio__route_oom(err);
    }
    *out = regio_buf_steal(&b);
    return *out ? REGIO_OK : regio__route_oom(err);
}

static regio_err put_point(regio_buf *b, const regio_route_problem *p, int loc)
{
    regio_err rc = regio_buf_puts(b, "[");
    rc |= regio_buf_num(b, p->x[loc]);
    rc |= regio_buf_puts(b, ", ");
    rc |= regio_buf_num(b, p->y[loc]);
    rc |= regio_buf_puts(b, "]");
    return rc ? REGIO_ENOMEM : REGIO_OK;
}

static regio_err stop_feature(regio_buf *b, const regio_route_problem *p,
                              int *nfeat, const char *veh, int seq,
                              const char *type, const char *id, int loc,
                              double arrival, const char *reason)
{
    regio_err rc = regio_buf_puts(b, (*nfeat)++ ? ",\n" : "\n");
    rc |= regio_buf_puts(b, "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", "
                             "\"coordinates\": ");
    rc |= put_point(b, p, loc);
    rc |= regio_buf_puts(b, "}, \"properties\": {\"type\": ");
    rc |= regio_buf_json_str(b, type);
    if (veh) {
        rc |= regio_buf_puts(b, ", \"vehicle\": ");
        rc |= put_id(p, b, veh);
        rc |= regio_buf_printf(b, ", \"sequence\": %d, \"arrival\": ", seq);
        rc |= put_num(b, arrival);
    }
    if (id) {
        rc |= regio_buf_puts(b, ", \"id\": ");
        rc |= put_id(p, b, id);
    }
    if (reason) {
        rc |= regio_buf_puts(b, ", \"reason\": ");
        rc |= regio_buf_json_str(b, reason);
    }
    rc |= regio_buf_puts(b, "}}");
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
        if (p->jobs[j].location >= 0 && !has_xy(p, p->jobs[j].location))
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
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc = regio_buf_puts(&b, "{\"type\": \"FeatureCollection\", \"features\": [");
    int nf = 0;
    for (int r = 0; r < s->n_routes; r++) {
        const regio_vrp_route *rt = &s->routes[r];
        if (rt->n_steps == 0)
            continue;
        const regio_vrp_vehicle *v = &p->veh[rt->vehicle];
        const char *vid = p->veh_ids[rt->vehicle];
        rc |= regio_buf_puts(&b, nf++ ? ",\n" : "\n");
        rc |= regio_buf_puts(&b, "{\"type\": \"Feature\", \"geometry\": {\"type\": "
                                  "\"LineString\", \"coordinates\": [");
        int np = 0;
        if (v->start >= 0) {
            rc |= put_point(&b, p, v->start);
            np++;
        }
        for (int k = 0; k < rt->n_steps; k++) {
            if (p->jobs[rt->steps[k].job].location < 0)
                continue; /* a break stays where the vehicle is */
            if (np++)
                rc |= regio_buf_puts(&b, ", ");
            rc |= put_point(&b, p, p->jobs[rt->steps[k].job].location);
        }
        if (v->end >= 0) {
            rc |= regio_buf_puts(&b, ", ");
            rc |= put_point(&b, p, v->end);
        }
        rc |= regio_buf_puts(&b, "]}, \"properties\": {\"vehicle\": ");
        rc |= put_id(p, &b, vid);
        rc |= regio_buf_printf(&b, ", \"jobs\": %d, \"cost\": ", rt->n_steps);
        rc |= put_num(&b, rt->cost);
        rc |= regio_buf_puts(&b, "}}");
        int seq = 0;
        if (v->start >= 0)
            rc |= stop_feature(&b, p, &nf, vid, seq++, "start", NULL, v->start,
                               rt->start_time, NULL);
        for (int k = 0; k < rt->n_steps; k++) {
            int j = rt->steps[k].job;
            if (p->jobs[j].location < 0)
                continue;
            rc |= stop_feature(&b, p, &nf, vid, seq++, task_type(p, j), p->job_ids[j],
                               p->jobs[j].location, rt->steps[k].arrival, NULL);
        }
        if (v->end >= 0)
            rc |= stop_feature(&b, p, &nf, vid, seq++, "end", NULL, v->end,
                               rt->end_time, NULL);
    }
    for (int u = 0; u < s->n_unassigned; u++) {
        int j = s->unassigned[u].job;
        if (p->jobs[j].location < 0)
            continue;
        rc |= stop_feature(&b, p, &nf, NULL, 0, "unassigned", p->job_ids[j],
                           p->jobs[j].location, 0, s->unassigned[u].text);
    }
    rc |= regio_buf_puts(&b, "\n]}\n");
    if (rc) {
        regio_buf_free(&b);
        return regio__route_oom(err);
    }
    *out = regio_buf_steal(&b);
    return *out ? REGIO_OK : regio__route_oom(err);
}

static regio_err tour_row(regio_buf *b, const regio_route_problem *p,
                          const char *veh, const char *id, double arr, double dep)
{
    regio_err rc = REGIO_OK;
    if (veh) {
        rc |= regio_buf_csv_field(b, veh, ',');
        rc |= regio_buf_putc(b, ',');
    }
    rc |= regio_buf_csv_field(b, id, ',');
    rc |= regio_buf_putc(b, ',');
    rc |= put_num(b, arr);
    rc |= regio_buf_putc(b, ',');
    rc |= put_num(b, dep);
    rc |= regio_buf_putc(b, '\n');
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
    regio_buf b;
    regio_buf_init(&b, 0);
    int multi = p->n_veh > 1;
    regio_err rc = regio_buf_puts(&b, multi ? "vehicle,id,arrival_s,departure_s\n"
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
        regio_buf_free(&b);
        return regio__route_oom(err);
    }
    *out = regio_buf_steal(&b);
    return *out ? REGIO_OK : regio__route_oom(err);
}
