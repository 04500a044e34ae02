/*
 * Reader for routing problems given as a CSV of stops (id,x,y or
 * id,lat,lon, optional service_s,tw_start,tw_end): the depot (the first
 * stop, or --depot) and one job per other stop, for one or more identical
 * vehicles based at the depot.
 */
#include "regio/route_io.h"
#include "regio/csv.h"
#include "regio/fields.h"
#include "regio/format.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "route/route_io_internal.h"
#include "core/grow.h"

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
        if (n == cap && regio__grow(&rows, &cap, n + 1, sizeof *rows)) {
            rc = regio__route_oom(err);
            goto done;
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
            rc = regio__route_oom(err);
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
            char g1[32], g2[32];
            rc = regio__route_fail(err, REGIO_EDATA, fname, line, NULL,
                                   "lat %s, lon %s is outside [-90, 90] x [-180, 180]",
                                   regio_format_g15(r->y, g1), regio_format_g15(r->x, g2));
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
            char n1[32], n2[32];
            rc = regio__route_fail(err, REGIO_EDATA, fname, line, "tw_end",
                                   "the window ends (%s) before it starts (%s)",
                                   regio_format_g15(r->twe, n1),
                                   regio_format_g15(r->tws, n2));
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
        rc = regio__route_oom(err);
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
        rc = regio__route_oom(err);
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
            rc = regio__route_oom(err);
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
