/*
 * Reader for VROOM's problem JSON (github.com/VROOM-Project/vroom v1.14,
 * docs/API.md): vehicles (with breaks and prescribed steps), jobs,
 * pickup-and-delivery shipments and optional matrices, validated member by
 * member so every error names its JSON path ("jobs[3].time_windows[0]")
 * and, where VROOM has one, says what VROOM says. With a matrix, locations
 * are optional and any coordinates (planar ones too) are kept for output
 * only; without one they must be [lon, lat]. Unknown members are ignored,
 * as VROOM does; features Regio does not model (setup times, vehicle costs,
 * several profiles, break max_load) are refused with REGIO_EUNSUPPORTED
 * rather than silently dropped.
 */
#include "regio/route_io.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route/route_io_internal.h"
#include "regio/format.h"
#include "core/grow.h"

/* What the reader tracks while it walks the document. */
typedef struct ctx {
    const char *name;
    regio_error *err;
    regio_route_problem *p;
    uint64_t skill_vals[64];    /* distinct skill values, bit k = index k */
    int n_skills;
    int dims_set;
    size_t n_matrix;
    /* coordinate collection when no matrix is given */
    size_t n_pts, cap_pts;
    size_t tw_used;             /* windows handed out of p->tws */
    int n_plain;                /* jobs[] entries */
    int n_ship;                 /* shipments: tasks n_plain + 2k, + 2k + 1 */
    int next_break;             /* next free break task */
} ctx;

#define FAIL(c, code, ...) regio__route_fail((c)->err, (code), (c)->name, 0, NULL, __VA_ARGS__)

static regio_err nomem(ctx *c)
{
    return FAIL(c, REGIO_ENOMEM, "out of memory while reading the problem");
}

/* Largest number accepted anywhere (times, amounts, matrix entries): far
 * beyond any real value, small enough that sums of them stay finite. */
#define MAX_VALUE 1e15

static int get_num(json_t *v, double *out)
{
    if (!json_is_number(v))
        return 0;
    *out = json_number_value(v);
    return isfinite(*out) && fabs(*out) <= MAX_VALUE;
}

/* A non-negative number member; absent leaves *out unchanged. */
static regio_err opt_nonneg(ctx *c, json_t *obj, const char *key,
                            const char *path, double *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return REGIO_OK;
    double d;
    if (!get_num(v, &d))
        return FAIL(c, REGIO_EPARSE, "%s.%s: expected a number (at most 1,000,000,000,000,000)",
                    path, key);
    char num[32];
    if (d < 0)
        return FAIL(c, REGIO_EDATA, "%s.%s: %s is negative", path, key,
                    regio_format_g15(d, num));
    *out = d;
    return REGIO_OK;
}

/* VROOM ids are unsigned integers. */
static regio_err get_id(ctx *c, json_t *obj, const char *path, char **out)
{
    json_t *v = json_object_get(obj, "id");
    if (!v)
        return FAIL(c, REGIO_EDATA, "%s.id: missing", path);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return FAIL(c, REGIO_EPARSE, "%s.id: expected an integer >= 0", path);
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)json_integer_value(v));
    *out = regio_strdup(b);
    return *out ? REGIO_OK : nomem(c);
}

static regio_err parse_amounts(ctx *c, json_t *arr, const char *path,
                               const char *key, double *out)
{
    if (!json_is_array(arr))
        return FAIL(c, REGIO_EPARSE, "%s.%s: expected an array of numbers", path, key);
    size_t n = json_array_size(arr);
    if (n > REGIO_VRP_MAX_DIMS)
        return FAIL(c, REGIO_EUNSUPPORTED,
                    "%s.%s: %zu capacity dimensions; Regio supports up to %d",
                    path, key, n, REGIO_VRP_MAX_DIMS);
    if (!c->dims_set) {
        c->p->n_dims = (int)n;
        c->dims_set = 1;
    } else if ((int)n != c->p->n_dims) {
        return FAIL(c, REGIO_EDATA,
                    "%s.%s: %zu values, but other amounts and capacities have %d",
                    path, key, n, c->p->n_dims);
    }
    for (size_t i = 0; i < n; i++) {
        double d;
        if (!get_num(json_array_get(arr, i), &d))
            return FAIL(c, REGIO_EPARSE, "%s.%s[%zu]: expected a number", path, key, i);
        char num[32];
        if (d < 0)
            return FAIL(c, REGIO_EDATA, "%s.%s[%zu]: %s is negative", path, key, i,
                        regio_format_g15(d, num));
        out[i] = d;
    }
    return REGIO_OK;
}

static regio_err parse_skills(ctx *c, json_t *obj, const char *path, uint64_t *out)
{
    json_t *arr = json_object_get(obj, "skills");
    *out = 0;
    if (!arr)
        return REGIO_OK;
    if (!json_is_array(arr))
        return FAIL(c, REGIO_EPARSE, "%s.skills: expected an array of integers", path);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *v = json_array_get(arr, i);
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return FAIL(c, REGIO_EPARSE, "%s.skills[%zu]: expected an integer >= 0",
                        path, i);
        uint64_t s = (uint64_t)json_integer_value(v);
        int k;
        for (k = 0; k < c->n_skills && c->skill_vals[k] != s; k++)
            ;
        if (k == c->n_skills) {
            if (c->n_skills == 64)
                return FAIL(c, REGIO_EUNSUPPORTED,
                            "%s.skills[%zu]: more than 64 distinct skills", path, i);
            c->skill_vals[c->n_skills++] = s;
        }
        *out |= (uint64_t)1 << k;
    }
    return REGIO_OK;
}

/* Reads a location given as [lon, lat] (or [x, y]) and/or an index; *loc
 * receives the location number. With a matrix the index is required and
 * the coordinates are kept for GeoJSON; without one each coordinate pair
 * becomes a new location. absent_ok lets a vehicle have no start or end. */
static regio_err parse_location(ctx *c, json_t *obj, const char *key,
                                const char *ikey, const char *path,
                                int absent_ok, int *loc)
{
    regio_route_problem *p = c->p;
    json_t *lv = json_object_get(obj, key), *iv = json_object_get(obj, ikey);
    double xy[2] = {NAN, NAN};
    *loc = REGIO_VRP_NO_LOCATION;
    if (lv) {
        if (!json_is_array(lv) || json_array_size(lv) != 2 ||
            !get_num(json_array_get(lv, 0), &xy[0]) ||
            !get_num(json_array_get(lv, 1), &xy[1]))
            return FAIL(c, REGIO_EPARSE, "%s.%s: expected [lon, lat] (or any [x, y] with a matrix)",
                        path, key);
        /* With a matrix the coordinates only travel to the output, so any
         * pair is fine (VROOM accepts planar Solomon coordinates too). */
        if (!c->n_matrix && p->metric != REGIO_ROUTE_METRIC_EUCLIDEAN &&
            (xy[1] < -90 || xy[1] > 90 || xy[0] < -180 || xy[0] > 180))
            return FAIL(c, REGIO_EDATA,
                        "%s.%s: [%g, %g] is not a [lon, lat] pair in degrees "
                        "(give a matrix to use other coordinates)",
                        path, key, xy[0], xy[1]);
    }
    if (c->n_matrix) {
        if (!iv) {
            if (!lv && absent_ok)
                return REGIO_OK;
            return FAIL(c, REGIO_EDATA,
                        "%s.%s: missing (required when a matrix is given; VROOM: "
                        "\"Missing location index.\")", path, ikey);
        }
        if (!json_is_integer(iv) || json_integer_value(iv) < 0)
            return FAIL(c, REGIO_EPARSE, "%s.%s: expected an integer >= 0", path, ikey);
        json_int_t i = json_integer_value(iv);
        if ((size_t)i >= c->n_matrix)
            return FAIL(c, REGIO_EDATA, "%s.%s: %lld is outside the %zu x %zu matrix",
                        path, ikey, (long long)i, c->n_matrix, c->n_matrix);
        *loc = (int)i;
        if (lv) {
            p->x[i] = xy[0];
            p->y[i] = xy[1];
        }
        return REGIO_OK;
    }
    if (iv)
        return FAIL(c, REGIO_EDATA, "%s.%s: given, but the problem has no matrix",
                    path, ikey);
    if (!lv) {
        if (absent_ok)
            return REGIO_OK;
        return FAIL(c, REGIO_EDATA,
                    "%s.%s: missing (required without a matrix; VROOM: \"Missing "
                    "coordinates for routing engine.\")", path, key);
    }
    if (c->n_pts == c->cap_pts) {
        size_t cx = c->cap_pts, cy = c->cap_pts;
        if (regio__grow(&p->x, &cx, c->n_pts + 1, sizeof *p->x) ||
            regio__grow(&p->y, &cy, c->n_pts + 1, sizeof *p->y))
            return nomem(c);
        c->cap_pts = cx;
    }
    p->x[c->n_pts] = xy[0];
    p->y[c->n_pts] = xy[1];
    *loc = (int)c->n_pts++;
    return REGIO_OK;
}

/* Reads an n x n matrix of non-negative numbers into *out (n from the
 * first matrix seen, checked against later ones). */
static regio_err parse_matrix(ctx *c, json_t *m, const char *path, double **out)
{
    if (!json_is_array(m) || json_array_size(m) == 0)
        return FAIL(c, REGIO_EPARSE, "%s: expected a non-empty array of rows", path);
    size_t n = json_array_size(m);
    if (c->n_matrix && n != c->n_matrix)
        return FAIL(c, REGIO_EDATA, "%s: %zu rows, but another matrix has %zu", path, n,
                    c->n_matrix);
    if (n > 46340)
        return FAIL(c, REGIO_EDATA, "%s: %zu rows is too large", path, n);
    /* Check the shape before allocating n^2 entries. */
    for (size_t i = 0; i < n; i++) {
        json_t *row = json_array_get(m, i);
        if (!json_is_array(row) || json_array_size(row) != n)
            return FAIL(c, REGIO_EDATA, "%s[%zu]: expected a row of %zu numbers", path, i, n);
    }
    double *a = regio_malloc(n * n * sizeof *a);
    if (!a)
        return nomem(c);
    for (size_t i = 0; i < n; i++) {
        json_t *row = json_array_get(m, i);
        for (size_t j = 0; j < n; j++) {
            double d;
            if (!get_num(json_array_get(row, j), &d)) {
                regio_free(a);
                return FAIL(c, REGIO_EPARSE, "%s[%zu][%zu]: expected a number", path, i, j);
            }
            if (d < 0) {
                char num[32];
                regio_free(a);
                return FAIL(c, REGIO_EDATA, "%s[%zu][%zu]: %s is negative", path, i, j,
                            regio_format_g15(d, num));
            }
            a[i * n + j] = i == j ? 0.0 : d;
        }
    }
    c->n_matrix = n;
    *out = a;
    return REGIO_OK;
}

static int cmp_tw(const void *a, const void *b)
{
    const regio_vrp_tw *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start ? 1 : 0;
}

/* Time windows of a task (or a break) into the next block of p->tws. */
static regio_err parse_tws(ctx *c, json_t *o, const char *path, regio_vrp_job *jb)
{
    regio_route_problem *p = c->p;
    json_t *v = json_object_get(o, "time_windows");
    if (!v)
        return REGIO_OK;
    if (!json_is_array(v))
        return FAIL(c, REGIO_EPARSE, "%s.time_windows: expected an array of [start, end]",
                    path);
    size_t n = json_array_size(v);
    if (n == 0)
        return FAIL(c, REGIO_EDATA,
                    "%s.time_windows: empty (leave it out for no constraint; VROOM: "
                    "\"Empty time-windows\")", path);
    regio_vrp_tw *tw = &p->tws[c->tw_used];
    for (size_t k = 0; k < n; k++) {
        json_t *w = json_array_get(v, k);
        double a, b;
        if (!json_is_array(w) || json_array_size(w) != 2 ||
            !get_num(json_array_get(w, 0), &a) || !get_num(json_array_get(w, 1), &b))
            return FAIL(c, REGIO_EPARSE, "%s.time_windows[%zu]: expected [start, end]",
                        path, k);
        char na[32], nb[32];
        if (a < 0)
            return FAIL(c, REGIO_EDATA, "%s.time_windows[%zu]: start %s is negative",
                        path, k, regio_format_g15(a, na));
        if (b < a)
            return FAIL(c, REGIO_EDATA,
                        "%s.time_windows[%zu]: end before start (VROOM: \"Invalid time "
                        "window: [%s, %s]\")", path, k, regio_format_g15(a, na),
                        regio_format_g15(b, nb));
        tw[k].start = a;
        tw[k].end = b;
    }
    qsort(tw, n, sizeof *tw, cmp_tw);
    for (size_t k = 1; k < n; k++)
        if (tw[k].start <= tw[k - 1].end)
            return FAIL(c, REGIO_EDATA, "%s.time_windows: windows overlap", path);
    jb->tws = tw;
    jb->n_tws = (int)n;
    c->tw_used += n;
    return REGIO_OK;
}

/* What every task has: id (unique among tasks of its kind), location,
 * service, setup and time windows. Task t is written to p->jobs[t]. */
static regio_err parse_place(ctx *c, json_t *o, int t, int first_same_kind,
                             const char *path, const char *what)
{
    regio_route_problem *p = c->p;
    regio_vrp_job *jb = &p->jobs[t];
    if (!json_is_object(o))
        return FAIL(c, REGIO_EPARSE, "%s: expected an object", path);
    regio_err rc = get_id(c, o, path, &p->job_ids[t]);
    if (rc)
        return rc;
    int step = t >= c->n_plain && t < c->n_plain + 2 * c->n_ship ? 2 : 1;
    for (int k = first_same_kind; k < t; k += step)
        if (!strcmp(p->job_ids[k], p->job_ids[t]))
            return FAIL(c, REGIO_EDATA, "%s.id: %s is also the id of another %s (VROOM: "
                        "\"Duplicate %s id: %s.\")", path, p->job_ids[t], what, what,
                        p->job_ids[t]);
    if ((rc = parse_location(c, o, "location", "location_index", path, 0, &jb->location)))
        return rc;
    if ((rc = opt_nonneg(c, o, "service", path, &jb->service)))
        return rc;
    double setup = 0;
    if ((rc = opt_nonneg(c, o, "setup", path, &setup)))
        return rc;
    if (setup > 0)
        return FAIL(c, REGIO_EUNSUPPORTED,
                    "%s.setup: setup times are not supported (add them to service)", path);
    return parse_tws(c, o, path, jb);
}

static regio_err parse_priority(ctx *c, json_t *o, const char *path, int *out)
{
    json_t *v = json_object_get(o, "priority");
    if (!v)
        return REGIO_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100)
        return FAIL(c, REGIO_EDATA,
                    "%s.priority: expected an integer in 0..100 (VROOM: \"Invalid "
                    "priority value\")", path);
    *out = (int)json_integer_value(v);
    return REGIO_OK;
}

static regio_err parse_job(ctx *c, json_t *o, size_t i)
{
    regio_route_problem *p = c->p;
    char path[48];
    snprintf(path, sizeof path, "jobs[%zu]", i);
    regio_vrp_job *jb = &p->jobs[i];
    regio_err rc = parse_place(c, o, (int)i, 0, path, "job");
    if (rc)
        return rc;
    double *del = &p->delivery[i * REGIO_VRP_MAX_DIMS];
    double *pick = &p->pickup[i * REGIO_VRP_MAX_DIMS];
    json_t *v;
    if ((v = json_object_get(o, "delivery")) && (rc = parse_amounts(c, v, path, "delivery", del)))
        return rc;
    if ((v = json_object_get(o, "pickup")) && (rc = parse_amounts(c, v, path, "pickup", pick)))
        return rc;
    if ((v = json_object_get(o, "amount"))) {
        if (json_object_get(o, "delivery"))
            return FAIL(c, REGIO_EDATA, "%s.amount: give amount or delivery, not both", path);
        if ((rc = parse_amounts(c, v, path, "amount", del)))
            return rc;
    }
    /* VROOM's loads: deliveries ride from the start, pickups to the end. */
    for (int d = 0; d < REGIO_VRP_MAX_DIMS; d++) {
        jb->amount[d] = del[d];
        jb->pickup[d] = pick[d];
    }
    jb->kind = REGIO_VRP_KIND_JOB;
    if ((rc = parse_skills(c, o, path, &jb->skills)))
        return rc;
    return parse_priority(c, o, path, &jb->priority);
}

/* Shipment k: its pickup is task n_plain + 2k, its delivery the next. */
static regio_err parse_shipment(ctx *c, json_t *o, size_t k)
{
    regio_route_problem *p = c->p;
    char path[64];
    snprintf(path, sizeof path, "shipments[%zu]", k);
    if (!json_is_object(o))
        return FAIL(c, REGIO_EPARSE, "%s: expected an object", path);
    int tp = c->n_plain + 2 * (int)k, td = tp + 1;
    regio_vrp_job *pj = &p->jobs[tp], *dj = &p->jobs[td];
    double amt[REGIO_VRP_MAX_DIMS] = {0};
    json_t *v;
    regio_err rc;
    if ((v = json_object_get(o, "amount")) && (rc = parse_amounts(c, v, path, "amount", amt)))
        return rc;
    uint64_t skills = 0;
    int prio = 0;
    if ((rc = parse_skills(c, o, path, &skills)) || (rc = parse_priority(c, o, path, &prio)))
        return rc;
    json_t *po = json_object_get(o, "pickup"), *dob = json_object_get(o, "delivery");
    if (!po || !dob)
        return FAIL(c, REGIO_EDATA, "%s.%s: missing (a shipment has a pickup and a delivery)",
                    path, po ? "delivery" : "pickup");
    char sub[96];
    snprintf(sub, sizeof sub, "%s.pickup", path);
    if ((rc = parse_place(c, po, tp, c->n_plain, sub, "pickup")))
        return rc;
    snprintf(sub, sizeof sub, "%s.delivery", path);
    if ((rc = parse_place(c, dob, td, c->n_plain + 1, sub, "delivery")))
        return rc;
    for (int d = 0; d < REGIO_VRP_MAX_DIMS; d++) {
        pj->pickup[d] = amt[d];
        dj->amount[d] = amt[d];
        p->pickup[(size_t)tp * REGIO_VRP_MAX_DIMS + d] = amt[d];
        p->delivery[(size_t)td * REGIO_VRP_MAX_DIMS + d] = amt[d];
    }
    pj->kind = REGIO_VRP_KIND_PICKUP;
    dj->kind = REGIO_VRP_KIND_DELIVERY;
    pj->pair = td + 1;
    dj->pair = tp + 1;
    pj->skills = dj->skills = skills;
    pj->priority = dj->priority = prio;
    return REGIO_OK;
}

/* A vehicle's breaks become tasks of kind BREAK for that vehicle only. */
static regio_err parse_breaks(ctx *c, json_t *arr, int veh, const char *path)
{
    regio_route_problem *p = c->p;
    if (!json_is_array(arr))
        return FAIL(c, REGIO_EPARSE, "%s.breaks: expected an array", path);
    int first = c->next_break;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *o = json_array_get(arr, i);
        char sub[80];
        snprintf(sub, sizeof sub, "%s.breaks[%zu]", path, i);
        if (!json_is_object(o))
            return FAIL(c, REGIO_EPARSE, "%s: expected an object", sub);
        int t = c->next_break++;
        regio_vrp_job *jb = &p->jobs[t];
        regio_err rc = get_id(c, o, sub, &p->job_ids[t]);
        if (rc)
            return rc;
        for (int k = first; k < t; k++)
            if (!strcmp(p->job_ids[k], p->job_ids[t]))
                return FAIL(c, REGIO_EDATA, "%s.id: %s is also the id of another break of "
                            "this vehicle (VROOM: \"Duplicate break id: %s.\")", sub,
                            p->job_ids[t], p->job_ids[t]);
        if (json_object_get(o, "max_load"))
            return FAIL(c, REGIO_EUNSUPPORTED, "%s.max_load: not supported", sub);
        if ((rc = opt_nonneg(c, o, "service", sub, &jb->service)) ||
            (rc = parse_tws(c, o, sub, jb)))
            return rc;
        jb->location = REGIO_VRP_NO_LOCATION;
        jb->kind = REGIO_VRP_KIND_BREAK;
        jb->only_vehicle = veh + 1;
    }
    return REGIO_OK;
}

static regio_err parse_vehicle(ctx *c, json_t *o, size_t i, const char **profile)
{
    regio_route_problem *p = c->p;
    char path[48];
    snprintf(path, sizeof path, "vehicles[%zu]", i);
    if (!json_is_object(o))
        return FAIL(c, REGIO_EPARSE, "%s: expected an object", path);
    regio_vrp_vehicle *vh = &p->veh[i];
    regio_err rc = get_id(c, o, path, &p->veh_ids[i]);
    if (rc)
        return rc;
    for (size_t k = 0; k < i; k++)
        if (!strcmp(p->veh_ids[k], p->veh_ids[i]))
            return FAIL(c, REGIO_EDATA, "%s.id: %s is also the id of vehicles[%zu]", path,
                        p->veh_ids[i], k);
    if ((rc = parse_location(c, o, "start", "start_index", path, 1, &vh->start)) ||
        (rc = parse_location(c, o, "end", "end_index", path, 1, &vh->end)))
        return rc;
    /* A round trip given as two equal coordinate pairs is one location, so
     * the vehicle returns to where it started (and a TSP is recognised). */
    if (!c->n_matrix && vh->start >= 0 && vh->end == (int)c->n_pts - 1 &&
        vh->end != vh->start && p->x[vh->end] == p->x[vh->start] &&
        p->y[vh->end] == p->y[vh->start]) {
        c->n_pts--;
        vh->end = vh->start;
    }
    if (vh->start < 0 && vh->end < 0)
        return FAIL(c, REGIO_EDATA,
                    "%s: needs a start or an end (VROOM: \"No start or end specified for "
                    "vehicle %s.\")", path, p->veh_ids[i]);
    json_t *v;
    vh->shift.start = 0;
    vh->shift.end = REGIO__ROUTE_NO_END;
    if ((v = json_object_get(o, "time_window"))) {
        double a, b;
        if (!json_is_array(v) || json_array_size(v) != 2 ||
            !get_num(json_array_get(v, 0), &a) || !get_num(json_array_get(v, 1), &b))
            return FAIL(c, REGIO_EPARSE, "%s.time_window: expected [start, end]", path);
        char na[32];
        if (a < 0)
            return FAIL(c, REGIO_EDATA, "%s.time_window: start %s is negative", path,
                        regio_format_g15(a, na));
        if (b < a)
            return FAIL(c, REGIO_EDATA, "%s.time_window: end before start", path);
        vh->shift.start = a;
        vh->shift.end = b;
    }
    for (int d = 0; d < REGIO_VRP_MAX_DIMS; d++)
        vh->capacity[d] = 1e300; /* no capacity given: unlimited */
    if ((v = json_object_get(o, "capacity")) &&
        (rc = parse_amounts(c, v, path, "capacity", vh->capacity)))
        return rc;
    if ((rc = parse_skills(c, o, path, &vh->skills)))
        return rc;
    if ((v = json_object_get(o, "max_tasks"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 ||
            json_integer_value(v) > 1000000000)
            return FAIL(c, REGIO_EDATA, "%s.max_tasks: expected an integer >= 1", path);
        vh->max_tasks = (int)json_integer_value(v);
    }
    if ((v = json_object_get(o, "breaks")) && (rc = parse_breaks(c, v, (int)i, path)))
        return rc;
    if (json_object_get(o, "max_travel_time") || json_object_get(o, "max_distance"))
        return FAIL(c, REGIO_EUNSUPPORTED,
                    "%s: max_travel_time and max_distance are not supported", path);
    if ((v = json_object_get(o, "costs")))
        return FAIL(c, REGIO_EUNSUPPORTED,
                    "%s.costs: per-vehicle costs are not supported (cost is travel)", path);
    if ((v = json_object_get(o, "speed_factor"))) {
        double sf;
        if (!get_num(v, &sf) || sf != 1.0)
            return FAIL(c, REGIO_EUNSUPPORTED, "%s.speed_factor: only 1 is supported", path);
    }
    const char *prof = "car";
    if ((v = json_object_get(o, "profile"))) {
        if (!json_is_string(v))
            return FAIL(c, REGIO_EPARSE, "%s.profile: expected a string", path);
        prof = json_string_value(v);
    }
    if (!*profile)
        *profile = prof;
    else if (strcmp(*profile, prof))
        return FAIL(c, REGIO_EUNSUPPORTED,
                    "%s.profile: '%s' differs from '%s'; one routing profile per problem",
                    path, prof, *profile);
    return REGIO_OK;
}

/* Reads the matrices for profile (or the old top-level "matrix"). */
static regio_err parse_matrices(ctx *c, json_t *root, const char *profile,
                                double **cost, double **dur)
{
    json_t *ms = json_object_get(root, "matrices");
    json_t *old = json_object_get(root, "matrix");
    regio_err rc;
    *cost = *dur = NULL;
    if (ms) {
        char path[160];
        if (!json_is_object(ms))
            return FAIL(c, REGIO_EPARSE, "matrices: expected an object keyed by profile");
        json_t *pm = json_object_get(ms, profile);
        if (!pm)
            return FAIL(c, REGIO_EDATA, "matrices: no matrices for profile '%s'", profile);
        snprintf(path, sizeof path, "matrices.%.64s", profile);
        if (!json_is_object(pm))
            return FAIL(c, REGIO_EPARSE, "%s: expected an object", path);
        json_t *d = json_object_get(pm, "durations");
        json_t *di = json_object_get(pm, "distances");
        json_t *co = json_object_get(pm, "costs");
        if (!d)
            return FAIL(c, REGIO_EDATA, "%s.durations: missing", path);
        char sub[192];
        snprintf(sub, sizeof sub, "%s.durations", path);
        if ((rc = parse_matrix(c, d, sub, dur)))
            return rc;
        if (di) {
            snprintf(sub, sizeof sub, "%s.distances", path);
            if ((rc = parse_matrix(c, di, sub, &c->p->dist_m)))
                return rc;
        }
        if (co) {
            snprintf(sub, sizeof sub, "%s.costs", path);
            if ((rc = parse_matrix(c, co, sub, cost)))
                return rc;
        }
    } else if (old) {
        if ((rc = parse_matrix(c, old, "matrix", dur)))
            return rc;
    }
    return REGIO_OK;
}

/* Number of windows an object's "time_windows" holds (0 when absent). */
static size_t n_tws_of(json_t *o)
{
    json_t *tw = json_is_object(o) ? json_object_get(o, "time_windows") : NULL;
    return json_is_array(tw) ? json_array_size(tw) : 0;
}

/* The task of kind `kind` with id `id` (for breaks: among vehicle v's), or
 * -1. Linear: steps are short and ids are looked up once. */
static int find_task(const ctx *c, int kind, const char *id, int v)
{
    const regio_route_problem *p = c->p;
    int lo = 0, hi = c->n_plain, step = 1;
    if (kind == REGIO_VRP_KIND_PICKUP || kind == REGIO_VRP_KIND_DELIVERY) {
        lo = c->n_plain + (kind == REGIO_VRP_KIND_DELIVERY);
        hi = c->n_plain + 2 * c->n_ship;
        step = 2;
    } else if (kind == REGIO_VRP_KIND_BREAK) {
        lo = c->n_plain + 2 * c->n_ship;
        hi = p->n_jobs;
    }
    for (int t = lo; t < hi; t += step)
        if (!strcmp(p->job_ids[t], id) &&
            (kind != REGIO_VRP_KIND_BREAK || p->jobs[t].only_vehicle == v + 1))
            return t;
    return -1;
}

/* Vehicle v's "steps": the task order it is to follow (a first solution
 * when solving, the route itself in plan mode), with the service_at /
 * service_after / service_before bounds kept for plan mode. */
static regio_err parse_steps(ctx *c, json_t *arr, int v, size_t *used, int *seen)
{
    regio_route_problem *p = c->p;
    char path[48];
    snprintf(path, sizeof path, "vehicles[%d].steps", v);
    if (!json_is_array(arr))
        return FAIL(c, REGIO_EPARSE, "%s: expected an array", path);
    static const char *kinds[] = {"job", "pickup", "delivery", "break"};
    size_t n = json_array_size(arr);
    int *out = p->steps_buf + *used, m = 0;
    regio_vrp_tw *tw = p->step_tw + *used;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i), *ty = json_object_get(o, "type");
        if (!json_is_object(o) || !json_is_string(ty))
            return FAIL(c, REGIO_EPARSE, "%s[%zu]: expected an object with a \"type\"",
                        path, i);
        const char *t = json_string_value(ty);
        double lo = -INFINITY, hi = INFINITY, d;
        json_t *x;
        if ((x = json_object_get(o, "service_at"))) {
            if (!get_num(x, &d))
                return FAIL(c, REGIO_EPARSE, "%s[%zu].service_at: expected a number", path, i);
            lo = hi = d;
        }
        if ((x = json_object_get(o, "service_after"))) {
            if (!get_num(x, &d))
                return FAIL(c, REGIO_EPARSE, "%s[%zu].service_after: expected a number", path, i);
            lo = d > lo ? d : lo;
        }
        if ((x = json_object_get(o, "service_before"))) {
            if (!get_num(x, &d))
                return FAIL(c, REGIO_EPARSE, "%s[%zu].service_before: expected a number", path, i);
            hi = d < hi ? d : hi;
        }
        if (!strcmp(t, "start") || !strcmp(t, "end")) {
            int is_start = t[0] == 's';
            if ((is_start && i != 0) || (!is_start && i != n - 1))
                return FAIL(c, REGIO_EDATA, "%s[%zu]: unexpected %s (VROOM: \"Unexpected %s "
                            "in input steps for vehicle %s.\")", path, i, t, t, p->veh_ids[v]);
            /* plan mode reads the start's and end's bounds here */
            p->veh_bounds[2 * v + !is_start].start = lo;
            p->veh_bounds[2 * v + !is_start].end = hi;
            continue;
        }
        int kind = -1;
        for (int k = 0; k < 4; k++)
            if (!strcmp(t, kinds[k]))
                kind = k;
        if (kind < 0)
            return FAIL(c, REGIO_EDATA, "%s[%zu].type: '%s' is not start, job, pickup, "
                        "delivery, break or end", path, i, t);
        json_t *idv = json_object_get(o, "id");
        if (!json_is_integer(idv) || json_integer_value(idv) < 0)
            return FAIL(c, REGIO_EPARSE, "%s[%zu].id: expected an integer >= 0", path, i);
        char id[32];
        snprintf(id, sizeof id, "%lld", (long long)json_integer_value(idv));
        int task = find_task(c, kind, id, v);
        if (task < 0)
            return FAIL(c, REGIO_EDATA, "%s[%zu]: no %s with id %s (VROOM: \"Invalid %s id "
                        "%s for vehicle %s.\")", path, i, kinds[kind], id, kinds[kind], id,
                        p->veh_ids[v]);
        if (seen[task])
            return FAIL(c, REGIO_EDATA, "%s[%zu]: %s %s is already in the steps of "
                        "vehicles[%d] (VROOM: \"Duplicate %s id %s in input steps for "
                        "vehicle %s.\")", path, i, kinds[kind], id, seen[task] - 1,
                        kinds[kind], id, p->veh_ids[v]);
        seen[task] = v + 1;
        out[m] = task;
        tw[m].start = lo;
        tw[m].end = hi;
        m++;
    }
    p->veh[v].steps = m ? out : NULL;
    p->veh[v].n_steps = m;
    *used += n;
    return REGIO_OK;
}

static regio_err build(ctx *c, json_t *root, const regio_route_opts *o)
{
    regio_route_problem *p = c->p;
    if (!json_is_object(root))
        return FAIL(c, REGIO_EPARSE, "the problem must be a JSON object");
    json_t *sh = json_object_get(root, "shipments");
    json_t *vs = json_object_get(root, "vehicles");
    json_t *js = json_object_get(root, "jobs");
    if (!json_is_array(vs) || json_array_size(vs) == 0)
        return FAIL(c, vs ? REGIO_EPARSE : REGIO_EDATA,
                    "vehicles: expected a non-empty array");
    if (js && !json_is_array(js))
        return FAIL(c, REGIO_EPARSE, "jobs: expected an array");
    if (sh && !json_is_array(sh))
        return FAIL(c, REGIO_EPARSE, "shipments: expected an array");
    size_t nv = json_array_size(vs), nj = js ? json_array_size(js) : 0;
    size_t ns = sh ? json_array_size(sh) : 0;
    if (nv > 100000 || nj > 10000000 || ns > 5000000)
        return FAIL(c, REGIO_EDATA, "too many vehicles, jobs or shipments");
    /* Tasks: the jobs, then each shipment's pickup and delivery, then the
     * vehicles' breaks. Count breaks, windows and steps first. */
    size_t nb = 0, ntw = 0, nsteps = 0;
    for (size_t i = 0; i < nv; i++) {
        json_t *v = json_array_get(vs, i);
        json_t *br = json_is_object(v) ? json_object_get(v, "breaks") : NULL;
        json_t *st = json_is_object(v) ? json_object_get(v, "steps") : NULL;
        for (size_t k = 0; json_is_array(br) && k < json_array_size(br); k++) {
            nb++;
            ntw += n_tws_of(json_array_get(br, k));
        }
        nsteps += json_is_array(st) ? json_array_size(st) : 0;
    }
    if (nb > 1000000)
        return FAIL(c, REGIO_EDATA, "too many breaks");
    for (size_t i = 0; i < nj; i++)
        ntw += n_tws_of(json_array_get(js, i));
    for (size_t i = 0; i < ns; i++) {
        json_t *s1 = json_array_get(sh, i);
        if (json_is_object(s1))
            ntw += n_tws_of(json_object_get(s1, "pickup")) +
                   n_tws_of(json_object_get(s1, "delivery"));
    }
    /* The profile decides which matrices apply; read it first. */
    const char *profile = NULL;
    for (size_t i = 0; i < nv; i++) {
        json_t *pv = json_is_object(json_array_get(vs, i))
                         ? json_object_get(json_array_get(vs, i), "profile")
                         : NULL;
        if (json_is_string(pv)) {
            profile = json_string_value(pv);
            break;
        }
    }
    double *cost = NULL, *dur = NULL;
    int *seen = NULL;
    regio_err rc = parse_matrices(c, root, profile ? profile : "car", &cost, &dur);
    if (rc)
        goto out;
    size_t nt = nj + 2 * ns + nb;
    c->n_plain = (int)nj;
    c->n_ship = (int)ns;
    c->next_break = (int)(nj + 2 * ns);
    p->n_jobs = (int)nt;
    p->n_veh = (int)nv;
    p->jobs = regio_calloc(nt ? nt : 1, sizeof *p->jobs);
    p->job_ids = regio_calloc(nt ? nt : 1, sizeof *p->job_ids);
    p->tws = regio_calloc(ntw ? ntw : 1, sizeof *p->tws);
    p->delivery = regio_calloc((nt ? nt : 1) * REGIO_VRP_MAX_DIMS, sizeof(double));
    p->pickup = regio_calloc((nt ? nt : 1) * REGIO_VRP_MAX_DIMS, sizeof(double));
    p->veh = regio_calloc(nv, sizeof *p->veh);
    p->veh_ids = regio_calloc(nv, sizeof *p->veh_ids);
    p->steps_buf = regio_calloc(nsteps ? nsteps : 1, sizeof *p->steps_buf);
    p->step_tw = regio_calloc(nsteps ? nsteps : 1, sizeof *p->step_tw);
    seen = regio_calloc(nt ? nt : 1, sizeof *seen);
    p->veh_bounds = regio_malloc(2 * nv * sizeof *p->veh_bounds);
    if (!p->veh_bounds) {
        rc = nomem(c);
        goto out;
    }
    for (size_t i = 0; i < 2 * nv; i++) {
        p->veh_bounds[i].start = -INFINITY;
        p->veh_bounds[i].end = INFINITY;
    }
    if (!p->jobs || !p->job_ids || !p->tws || !p->delivery || !p->pickup || !p->veh ||
        !p->veh_ids || !p->steps_buf || !p->step_tw || !seen) {
        rc = nomem(c);
        goto out;
    }
    if (c->n_matrix) {
        p->x = regio_malloc(c->n_matrix * sizeof *p->x);
        p->y = regio_malloc(c->n_matrix * sizeof *p->y);
        if (!p->x || !p->y) {
            rc = nomem(c);
            goto out;
        }
        for (size_t i = 0; i < c->n_matrix; i++)
            p->x[i] = p->y[i] = NAN;
        p->uses_index = 1;
    }
    p->has_coords = 1;
    const char *prof = NULL;
    for (size_t i = 0; i < nv; i++)
        if ((rc = parse_vehicle(c, json_array_get(vs, i), i, &prof)))
            goto out;
    for (size_t i = 0; i < nj; i++)
        if ((rc = parse_job(c, json_array_get(js, i), i)))
            goto out;
    for (size_t i = 0; i < ns; i++)
        if ((rc = parse_shipment(c, json_array_get(sh, i), i)))
            goto out;
    size_t used = 0;
    for (size_t i = 0; i < nv; i++) {
        json_t *st = json_object_get(json_array_get(vs, i), "steps");
        if (st) {
            if ((rc = parse_steps(c, st, (int)i, &used, seen)))
                goto out;
            p->has_steps = 1;
        }
    }
    if (!c->dims_set)
        p->n_dims = 0;
    if (c->n_matrix) {
        p->n_loc = (int)c->n_matrix;
        rc = regio_dist_create_matrix(c->n_matrix, cost ? cost : dur, dur, &p->dist,
                                      c->err);
        /* Report distances only from a distances matrix. */
        p->dist_scale = 0;
    } else {
        if (c->n_pts == 0) {
            /* Jobs list empty and vehicles without places cannot happen
             * (each vehicle has a start or end), so n_pts >= 1 here. */
            rc = FAIL(c, REGIO_EDATA, "the problem has no locations");
            goto out;
        }
        p->n_loc = (int)c->n_pts;
        rc = regio__route_make_coord_dist(p, o, c->err);
    }
out:
    regio_free(seen);
    regio_free(cost);
    regio_free(dur);
    return rc;
}

regio_err regio_route_parse_vroom(const char *json, size_t len,
                                  const char *name,
                                  const regio_route_opts *o,
                                  regio_route_problem **out, regio_error *err)
{
    if (!json || !out)
        return regio__route_fail(err, REGIO_EINVAL, name, 0, NULL,
                                 "json and out are required");
    *out = NULL;
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        regio__route_fail(err, REGIO_EPARSE, name, je.line > 0 ? je.line : 0, NULL,
                          "malformed JSON: %s", je.text);
        if (err)
            err->column = je.column > 0 ? je.column : 0;
        return REGIO_EPARSE;
    }
    ctx c;
    memset(&c, 0, sizeof c);
    c.name = name;
    c.err = err;
    c.p = regio__route_new();
    if (!c.p) {
        json_decref(root);
        return nomem(&c);
    }
    if (o && o->max_locations)
        c.p->max_loc = o->max_locations;
    c.p->ids_numeric = 1;
    c.p->metric = o && o->metric ? o->metric : REGIO_ROUTE_METRIC_HAVERSINE;
    regio_err rc = build(&c, root, o);
    json_decref(root);
    if (rc) {
        regio_route_problem_destroy(c.p);
        return rc;
    }
    *out = c.p;
    return REGIO_OK;
}

regio_err regio_route_read_vroom(const char *path, const regio_route_opts *o,
                                 regio_route_problem **out, regio_error *err)
{
    if (!path || !out)
        return regio__route_fail(err, REGIO_EINVAL, NULL, 0, NULL,
                                 "path and out are required");
    FILE *f = fopen(path, "rb");
    if (!f)
        return regio__route_fail(err, REGIO_EIO, path, 0, NULL, "cannot open '%s'", path);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    regio_err rc = REGIO_OK;
    for (;;) {
        if (cap - len < 65536 && regio__grow(&buf, &cap, len + 65536, 1)) {
            rc = regio__route_fail(err, REGIO_ENOMEM, path, 0, NULL,
                                   "out of memory reading '%s'", path);
            break;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f))
                rc = regio__route_fail(err, REGIO_EIO, path, 0, NULL,
                                       "cannot read '%s'", path);
            break;
        }
    }
    fclose(f);
    if (!rc)
        rc = regio_route_parse_vroom(buf, len, path, o, out, err);
    regio_free(buf);
    return rc;
}
