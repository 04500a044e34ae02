/*
 * Tests for routing I/O: the VROOM JSON reader (valid problems and every
 * kind of malformed one, each naming its JSON path), the CSV stops reader,
 * the solve glue (TSP and VRP paths) and the solution writers, re-read with
 * jansson and checked against an independent recomputation of the times.
 */
#include "regio/route_io.h"
#include "regio/tsp.h"
#include "regio_test.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

/* Six locations, 0 is the depot. Durations are asymmetric on purpose. */
static const char *SMALL =
    "{\"vehicles\": ["
    "  {\"id\": 7, \"start_index\": 0, \"end_index\": 0, \"time_window\": [0, 1000],"
    "   \"capacity\": [2, 10], \"skills\": [42]},"
    "  {\"id\": 8, \"start_index\": 0, \"end_index\": 0, \"time_window\": [0, 1000],"
    "   \"capacity\": [2, 10], \"skills\": [42, 9000]}],"
    " \"jobs\": ["
    "  {\"id\": 1, \"location_index\": 1, \"service\": 10, \"delivery\": [1, 3],"
    "   \"time_windows\": [[200, 300], [0, 50]]},"
    "  {\"id\": 2, \"location_index\": 2, \"service\": 5, \"delivery\": [1, 1]},"
    "  {\"id\": 3, \"location_index\": 3, \"delivery\": [1, 1], \"skills\": [9000]},"
    "  {\"id\": 4, \"location_index\": 4, \"pickup\": [1, 0], \"priority\": 10},"
    "  {\"id\": 5, \"location_index\": 5, \"delivery\": [0, 2],"
    "   \"time_windows\": [[5, 6]]},"
    "  {\"id\": 6, \"location_index\": 2, \"skills\": [77]}],"
    " \"matrices\": {\"car\": {\"durations\": ["
    "  [0, 20, 30, 40, 25, 300],"
    "  [21, 0, 15, 35, 30, 300],"
    "  [30, 15, 0, 20, 35, 300],"
    "  [40, 35, 20, 0, 30, 300],"
    "  [25, 30, 35, 30, 0, 300],"
    "  [300, 300, 300, 300, 300, 0]]}}}";

static regio_route_problem *parse(const char *json, regio_err *rc, regio_error *e)
{
    regio_route_problem *p = NULL;
    regio_error_clear(e);
    *rc = regio_route_parse_vroom(json, strlen(json), "t.json", NULL, &p, e);
    return p;
}

static void test_parse_small(void)
{
    regio_err rc;
    regio_error e;
    regio_route_problem *p = parse(SMALL, &rc, &e);
    ASSERT_EQ_INT(rc, REGIO_OK);
    if (!p) {
        fprintf(stderr, "  %s\n", e.msg);
        return;
    }
    ASSERT_EQ_INT(regio_route_problem_jobs(p), 6);
    ASSERT_EQ_INT(regio_route_problem_vehicles(p), 2);
    ASSERT_EQ_STR(regio_route_job_id(p, 3), "4");
    ASSERT_EQ_STR(regio_route_vehicle_id(p, 1), "8");
    ASSERT_TRUE(regio_route_job_id(p, 6) == NULL);
    ASSERT_TRUE(!regio_route_problem_is_tsp(p));
    const regio_vrp_problem *vp = NULL;
    ASSERT_OK(regio_route_problem_vrp(p, &vp, &e));
    if (!vp) {
        regio_route_problem_destroy(p);
        return;
    }
    ASSERT_EQ_INT(vp->n_locations, 6);
    ASSERT_EQ_INT(vp->n_dims, 2);
    ASSERT_NEAR(vp->duration[0 * 6 + 1], 20, 0);
    ASSERT_NEAR(vp->duration[1 * 6 + 0], 21, 0);
    /* no costs matrix: cost is the duration (VROOM's default) */
    ASSERT_NEAR(vp->cost[1 * 6 + 0], 21, 0);
    /* windows come back sorted */
    ASSERT_EQ_INT(vp->jobs[0].n_tws, 2);
    ASSERT_NEAR(vp->jobs[0].tws[0].start, 0, 0);
    ASSERT_NEAR(vp->jobs[0].tws[1].end, 300, 0);
    ASSERT_NEAR(vp->jobs[0].service, 10, 0);
    /* pickup + delivery are one amount for the solver */
    ASSERT_NEAR(vp->jobs[3].amount[0], 1, 0);
    ASSERT_EQ_INT(vp->jobs[3].priority, 10);
    /* skills become bits: 9000 is held by vehicle 8 only; 77 by nobody */
    ASSERT_TRUE((vp->jobs[2].skills & ~vp->vehicles[1].skills) == 0);
    ASSERT_TRUE((vp->jobs[2].skills & ~vp->vehicles[0].skills) != 0);
    ASSERT_TRUE((vp->jobs[5].skills & ~vp->vehicles[1].skills) != 0);
    ASSERT_NEAR(vp->vehicles[0].shift.end, 1000, 0);
    ASSERT_NEAR(vp->vehicles[0].capacity[1], 10, 0);
    regio_route_problem_destroy(p);
}

typedef struct bad_case {
    const char *json;
    regio_err code;
    const char *msg; /* expected substring */
} bad_case;

#define V1 "\"vehicles\": [{\"id\": 1, \"start\": [2.3, 48.8]}]"

static void test_malformed(void)
{
    static const bad_case cases[] = {
        {"{\"vehicles\": [", REGIO_EPARSE, "malformed JSON"},
        {"[]", REGIO_EPARSE, "JSON object"},
        {"{}", REGIO_EDATA, "vehicles: expected a non-empty array"},
        {"{\"vehicles\": {}}", REGIO_EPARSE, "vehicles: expected"},
        {"{" V1 ", \"jobs\": {}}", REGIO_EPARSE, "jobs: expected an array"},
        {"{\"vehicles\": [{\"id\": -1, \"start\": [0, 0]}]}", REGIO_EPARSE,
         "vehicles[0].id: expected an integer"},
        {"{\"vehicles\": [{\"start\": [0, 0]}]}", REGIO_EDATA, "vehicles[0].id: missing"},
        {"{\"vehicles\": [{\"id\": 1}]}", REGIO_EDATA, "vehicles[0]: needs a start or an end"},
        {"{\"vehicles\": [{\"id\": 1, \"start\": [0, 0]}, {\"id\": 1, \"end\": [0, 0]}]}",
         REGIO_EDATA, "vehicles[1].id: 1 is also the id of vehicles[0]"},
        {"{\"vehicles\": [{\"id\": 1, \"start\": [0, 95]}]}", REGIO_EDATA,
         "vehicles[0].start: [0, 95] is not a [lon, lat] pair"},
        {"{\"vehicles\": [{\"id\": 1, \"start\": [0]}]}", REGIO_EPARSE,
         "vehicles[0].start: expected [lon, lat]"},
        {"{\"vehicles\": [{\"id\": 1, \"start\": [0, 0], \"time_window\": [10, 5]}]}",
         REGIO_EDATA, "vehicles[0].time_window: end before start"},
        {"{\"vehicles\": [{\"id\": 1, \"start\": [0, 0], \"breaks\": [{\"id\": 1}]}]}",
         REGIO_EUNSUPPORTED, "vehicles[0].breaks"},
        {"{\"vehicles\": [{\"id\": 1, \"start\": [0, 0], \"capacity\": [1, 2, 3, 4, 5]}]}",
         REGIO_EUNSUPPORTED, "vehicles[0].capacity: 5 capacity dimensions"},
        {"{" V1 ", \"jobs\": [{\"id\": 1, \"location\": [2, 48], \"time_windows\": "
         "[[0, 10], [20, 5]]}]}",
         REGIO_EDATA, "jobs[0].time_windows[1]: end before start"},
        {"{" V1 ", \"jobs\": [{\"id\": 1, \"location\": [2, 48]}, {\"id\": 2, \"location\": "
         "[2, 48]}, {\"id\": 3, \"location\": [2, 48]}, {\"id\": 4, \"location\": [2, 48], "
         "\"time_windows\": [[0, 10], [5, 20]]}]}",
         REGIO_EDATA, "jobs[3].time_windows: windows overlap"},
        {"{" V1 ", \"jobs\": [{\"id\": 1, \"location\": [2, 48], \"time_windows\": [[0]]}]}",
         REGIO_EPARSE, "jobs[0].time_windows[0]: expected [start, end]"},
        {"{" V1 ", \"jobs\": [{\"id\": 1}]}", REGIO_EDATA, "jobs[0].location: missing"},
        {"{" V1 ", \"jobs\": [{\"id\": 1, \"location\": [2, 48], \"service\": -3}]}",
         REGIO_EDATA, "jobs[0].service: -3 is negative"},
        {"{" V1 ", \"jobs\": [{\"id\": 1, \"location\": [2, 48], \"service\": \"x\"}]}",
         REGIO_EPARSE, "jobs[0].service: expected a number"},
        {"{" V1 ", \"jobs\": [{\"id\": 1, \"location\": [2, 48]}, {\"id\": 1, \"location\": "
         "[2, 48]}]}",
         REGIO_EDATA, "jobs[1].id: 1 is also the id of jobs[0]"},
        {"{" V1 ", \"jobs\": [{\"id\": 1, \"location\": [2, 48], \"delivery\": [1]}, "
         "{\"id\": 2, \"location\": [2, 48], \"delivery\": [1, 2]}]}",
         REGIO_EDATA, "jobs[1].delivery: 2 values, but other amounts and capacities have 1"},
        {"{" V1 ", \"jobs\": [{\"id\": 1, \"location\": [2, 48], \"pickup\": [-1]}]}",
         REGIO_EDATA, "jobs[0].pickup[0]: -1 is negative"},
        {"{" V1 ", \"jobs\": [{\"id\": 1, \"location\": [2, 48], \"skills\": [\"a\"]}]}",
         REGIO_EPARSE, "jobs[0].skills[0]"},
        {"{" V1 ", \"jobs\": [{\"id\": 1, \"location\": [2, 48], \"priority\": 5000}]}",
         REGIO_EDATA, "jobs[0].priority"},
        {"{" V1 ", \"jobs\": [{\"id\": 1, \"location\": [2, 48], \"setup\": 5}]}",
         REGIO_EUNSUPPORTED, "jobs[0].setup"},
        {"{" V1 ", \"jobs\": [{\"id\": 1, \"location_index\": 0}]}", REGIO_EDATA,
         "jobs[0].location_index: given, but the problem has no matrix"},
        {"{" V1 ", \"shipments\": [{\"amount\": [1]}]}", REGIO_EUNSUPPORTED, "shipments"},
        {"{\"vehicles\": [{\"id\": 1, \"start_index\": 0}], \"jobs\": [{\"id\": 1, "
         "\"location_index\": 2}], \"matrix\": [[0, 1], [1, 0]]}",
         REGIO_EDATA, "jobs[0].location_index: 2 is outside the 2 x 2 matrix"},
        {"{\"vehicles\": [{\"id\": 1, \"start_index\": 0}], \"jobs\": [{\"id\": 1, "
         "\"location\": [0, 0]}], \"matrix\": [[0, 1], [1, 0]]}",
         REGIO_EDATA, "jobs[0].location_index: missing (required when a matrix is given)"},
        {"{\"vehicles\": [{\"id\": 1, \"start_index\": 0}], \"matrices\": {\"car\": "
         "{\"durations\": [[0, 1], [1]]}}}",
         REGIO_EDATA, "matrices.car.durations[1]: expected a row of 2 numbers"},
        {"{\"vehicles\": [{\"id\": 1, \"start_index\": 0}], \"matrices\": {\"car\": "
         "{\"durations\": [[0, 1], [-1, 0]]}}}",
         REGIO_EDATA, "matrices.car.durations[1][0]: -1 is negative"},
        {"{\"vehicles\": [{\"id\": 1, \"start_index\": 0}], \"matrices\": {\"car\": "
         "{\"durations\": [[0, 1], [1, 0]], \"distances\": [[0]]}}}",
         REGIO_EDATA, "matrices.car.distances: 1 rows, but another matrix has 2"},
        {"{\"vehicles\": [{\"id\": 1, \"start_index\": 0, \"profile\": \"bike\"}], "
         "\"matrices\": {\"car\": {\"durations\": [[0]]}}}",
         REGIO_EDATA, "matrices: no matrices for profile 'bike'"},
        {"{\"vehicles\": [{\"id\": 1, \"start\": [0, 0], \"profile\": \"car\"}, {\"id\": 2, "
         "\"start\": [0, 0], \"profile\": \"bike\"}]}",
         REGIO_EUNSUPPORTED, "vehicles[1].profile"},
        {"{\"vehicles\": [{\"id\": 1, \"start\": [0, 0], \"max_tasks\": 0}]}", REGIO_EDATA,
         "vehicles[0].max_tasks"},
        {"{\"vehicles\": [{\"id\": 1, \"start\": [0, 0]}], \"vehicles\": []}", REGIO_EPARSE,
         "duplicate"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        regio_err rc;
        regio_error e;
        regio_route_problem *p = parse(cases[i].json, &rc, &e);
        if (rc != cases[i].code || p != NULL || !strstr(e.msg, cases[i].msg)) {
            FAIL_AT_("case %zu: got %s \"%s\", expected %s containing \"%s\"", i,
                     regio_err_name(rc), e.msg, regio_err_name(cases[i].code),
                     cases[i].msg);
        }
        regio_route_problem_destroy(p);
    }
}

/* Checks solution JSON against the problem without the solver's help:
 * every job once (served or unassigned with a reason), each arrival =
 * previous departure + matrix duration, service inside a window, loads and
 * the route cost from the matrix. dur is the n x n duration matrix. */
static void check_solution_json(const char *text, const char *const *job_ids, int nj,
                                const double *dur, int n, double shift_end)
{
    json_error_t je;
    json_t *root = json_loads(text, 0, &je);
    ASSERT_TRUE(root != NULL);
    if (!root) {
        fprintf(stderr, "  %s\n", je.text);
        return;
    }
    ASSERT_EQ_INT(json_integer_value(json_object_get(root, "code")), 0);
    int seen[64] = {0};
    json_t *u, *r;
    size_t i;
    json_array_foreach(json_object_get(root, "unassigned"), i, u) {
        json_t *reason = json_object_get(u, "reason");
        ASSERT_TRUE(json_is_string(reason) && json_string_length(reason) > 0);
        char idb[32];
        snprintf(idb, sizeof idb, "%lld", (long long)json_integer_value(json_object_get(u, "id")));
        for (int j = 0; j < nj; j++)
            if (!strcmp(job_ids[j], idb))
                seen[j]++;
    }
    double total = 0;
    json_array_foreach(json_object_get(root, "routes"), i, r) {
        json_t *steps = json_object_get(r, "steps"), *st;
        size_t k;
        int prev = -1;
        double t = 0, cost = 0;
        json_array_foreach(steps, k, st) {
            const char *type = json_string_value(json_object_get(st, "type"));
            int loc = (int)json_integer_value(json_object_get(st, "location_index"));
            double arr = json_number_value(json_object_get(st, "arrival"));
            double wait = json_number_value(json_object_get(st, "waiting_time"));
            double svc = json_number_value(json_object_get(st, "service"));
            if (prev >= 0) {
                ASSERT_NEAR(arr, t + dur[prev * n + loc], 1e-6);
                cost += dur[prev * n + loc];
            } else {
                ASSERT_EQ_STR(type, "start");
            }
            ASSERT_TRUE(wait >= 0);
            ASSERT_TRUE(arr <= shift_end + 1e-6);
            if (!strcmp(type, "job")) {
                char idb[32];
                snprintf(idb, sizeof idb, "%lld",
                         (long long)json_integer_value(json_object_get(st, "id")));
                for (int j = 0; j < nj; j++)
                    if (!strcmp(job_ids[j], idb))
                        seen[j]++;
            }
            t = arr + wait + svc;
            prev = loc;
        }
        ASSERT_NEAR(json_number_value(json_object_get(r, "cost")), cost, 1e-6);
        total += cost;
    }
    ASSERT_NEAR(json_number_value(json_object_get(json_object_get(root, "summary"), "cost")),
                total, 1e-6);
    for (int j = 0; j < nj; j++)
        if (seen[j] != 1)
            FAIL_AT_("job %s seen %d times", job_ids[j], seen[j]);
    json_decref(root);
}

static void test_solve_small(void)
{
    regio_err rc;
    regio_error e;
    regio_route_problem *p = parse(SMALL, &rc, &e);
    ASSERT_EQ_INT(rc, REGIO_OK);
    if (!p)
        return;
    regio_route_params rp = {0};
    rp.seed = 3;
    rp.max_iterations = 500;
    regio_vrp_solution *s = NULL;
    regio_route_stats st;
    ASSERT_OK(regio_route_solve(p, &rp, &s, &st, &e));
    if (!s) {
        regio_route_problem_destroy(p);
        return;
    }
    ASSERT_EQ_INT(st.used_tsp, 0);
    const regio_vrp_problem *vp = NULL;
    ASSERT_OK(regio_route_problem_vrp(p, &vp, &e));
    regio_vrp_check_report rep;
    ASSERT_OK(regio_vrp_check(vp, s, &rep));
    ASSERT_TRUE(rep.feasible);
    /* job 6 needs skill 77 that no vehicle has; job 5's window [5, 6] is
     * before any arrival (300 from the depot) */
    ASSERT_EQ_INT(s->n_unassigned, 2);
    for (int u = 0; u < s->n_unassigned; u++) {
        int j = s->unassigned[u].job;
        ASSERT_TRUE(j == 4 || j == 5);
        ASSERT_EQ_INT(s->unassigned[u].reason,
                      j == 5 ? REGIO_VRP_REASON_SKILLS : REGIO_VRP_REASON_TIME_WINDOW);
    }
    char *json = NULL;
    ASSERT_OK(regio_route_write_json(p, s, NULL, &json, &e));
    if (json) {
        const char *ids[6];
        for (int j = 0; j < 6; j++)
            ids[j] = regio_route_job_id(p, j);
        check_solution_json(json, ids, 6, vp->duration, 6, 1000);
        ASSERT_TRUE(strstr(json, "\"unassigned\": 2") != NULL);
    }
    regio_free(json);
    /* matrix-only input has no coordinates for GeoJSON */
    char *gj = NULL;
    ASSERT_EQ_INT(regio_route_write_geojson(p, s, &gj, &e), REGIO_EUNSUPPORTED);
    ASSERT_TRUE(gj == NULL);
    regio_vrp_solution_destroy(s);
    regio_route_problem_destroy(p);
}

static void test_haversine_tsp(void)
{
    /* Three jobs around a depot, no matrix: haversine km, durations at
     * 1.3 road km per km and 50 km/h, cost in km. */
    const char *js =
        "{\"vehicles\": [{\"id\": 1, \"start\": [2.35, 48.85], \"end\": [2.35, 48.85]}],"
        " \"jobs\": [{\"id\": 10, \"location\": [2.36, 48.85], \"service\": 60},"
        "  {\"id\": 11, \"location\": [2.36, 48.86]},"
        "  {\"id\": 12, \"location\": [2.35, 48.86]}]}";
    regio_err rc;
    regio_error e;
    regio_route_problem *p = parse(js, &rc, &e);
    ASSERT_EQ_INT(rc, REGIO_OK);
    if (!p)
        return;
    ASSERT_TRUE(regio_route_problem_is_tsp(p));
    regio_vrp_solution *s = NULL;
    regio_route_stats st;
    ASSERT_OK(regio_route_solve(p, NULL, &s, &st, &e));
    if (!s) {
        regio_route_problem_destroy(p);
        return;
    }
    ASSERT_EQ_INT(st.used_tsp, 1);
    ASSERT_EQ_INT(s->n_routes, 1);
    ASSERT_EQ_INT(s->routes[0].n_steps, 3);
    /* the square's perimeter, about 4 legs of ~0.73 / 1.11 km */
    const regio_dist *d = regio_route_problem_dist(p);
    ASSERT_NEAR(regio_dist_duration(d, 0, 1), regio_dist_cost(d, 0, 1) * 1.3 / 50 * 3600,
                1e-9);
    const regio_vrp_problem *vp = NULL;
    ASSERT_OK(regio_route_problem_vrp(p, &vp, &e));
    regio_vrp_check_report rep;
    ASSERT_OK(regio_vrp_check(vp, s, &rep));
    ASSERT_TRUE(rep.feasible);
    ASSERT_NEAR(rep.cost, s->total_cost, 1e-9);
    /* the VRP path finds the same optimum on a 4-point square */
    regio_route_params rp = {0};
    rp.force_vrp = 1;
    rp.max_iterations = 200;
    regio_vrp_solution *s2 = NULL;
    ASSERT_OK(regio_route_solve(p, &rp, &s2, &st, &e));
    if (s2)
        ASSERT_NEAR(s2->total_cost, s->total_cost, 1e-9);
    char *gj = NULL;
    ASSERT_OK(regio_route_write_geojson(p, s, &gj, &e));
    if (gj) {
        json_t *g = json_loads(gj, 0, NULL);
        ASSERT_TRUE(g != NULL);
        /* one LineString and five points (start, three jobs, end) */
        ASSERT_EQ_INT(json_array_size(json_object_get(g, "features")), 6);
        json_decref(g);
    }
    regio_free(gj);
    char *js_out = NULL;
    ASSERT_OK(regio_route_write_json(p, s, NULL, &js_out, &e));
    if (js_out) {
        json_t *o = json_loads(js_out, 0, NULL);
        json_t *sum = json_object_get(o, "summary");
        /* distance in road metres: km * 1.3 * 1000 */
        ASSERT_NEAR(json_number_value(json_object_get(sum, "distance")),
                    s->total_cost * 1300, 1e-2);
        ASSERT_NEAR(json_number_value(json_object_get(sum, "service")), 60, 0);
        json_decref(o);
    }
    regio_free(js_out);
    regio_vrp_solution_destroy(s2);
    regio_vrp_solution_destroy(s);
    regio_route_problem_destroy(p);
}

static const char *data_path(const char *name, char *buf, size_t cap)
{
    const char *src = getenv("REGIO_SOURCE_DIR");
    snprintf(buf, cap, "%s/tests/data/%s", src ? src : "..", name);
    return buf;
}

static void test_stops_csv(void)
{
    char path[1024];
    regio_route_opts o = {0};
    o.round_nearest = 1;
    regio_route_problem *p = NULL;
    regio_error e;
    ASSERT_OK(regio_route_read_stops_csv(data_path("route_stops10.csv", path, sizeof path),
                                         &o, &p, &e));
    if (!p) {
        fprintf(stderr, "  %s\n", e.msg);
        return;
    }
    ASSERT_EQ_INT(regio_route_problem_jobs(p), 9);
    ASSERT_TRUE(regio_route_problem_is_tsp(p));
    regio_vrp_solution *s = NULL;
    ASSERT_OK(regio_route_solve(p, NULL, &s, NULL, &e));
    if (s) {
        /* brute force over the 9!/2 tours gives 254 (next best 256) */
        ASSERT_NEAR(s->total_cost, 254, 0);
        char *csv = NULL;
        ASSERT_OK(regio_route_write_tour_csv(p, s, &csv, &e));
        if (csv) {
            ASSERT_TRUE(!strncmp(csv, "id,arrival_s,departure_s\nDEPOT,0,0\n", 35));
            ASSERT_TRUE(strstr(csv, "\nDEPOT,1334,1334\n") != NULL);
        }
        regio_free(csv);
    }
    regio_vrp_solution_destroy(s);
    regio_route_problem_destroy(p);

    /* --depot and two vehicles, windows in HH:MM: the VRP path */
    FILE *f = fopen("route_io_stops.csv", "w");
    ASSERT_TRUE(f != NULL);
    if (!f)
        return;
    fputs("id,lat,lon,service_s,tw_start,tw_end\n"
          "A,48.85,2.35,60,08:00,\n"
          "HQ,48.86,2.34,,07:00,18:00\n"
          "B,48.87,2.36,120,,\n", f);
    fclose(f);
    o.depot_id = "HQ";
    o.n_vehicles = 2;
    o.round_nearest = 0;
    ASSERT_OK(regio_route_read_stops_csv("route_io_stops.csv", &o, &p, &e));
    if (p) {
        ASSERT_EQ_INT(regio_route_problem_jobs(p), 2);
        ASSERT_TRUE(!regio_route_problem_is_tsp(p));
        const regio_vrp_problem *vp = NULL;
        ASSERT_OK(regio_route_problem_vrp(p, &vp, &e));
        if (vp) {
            ASSERT_NEAR(vp->jobs[0].tws[0].start, 8 * 3600, 0);
            ASSERT_NEAR(vp->vehicles[1].shift.end, 18 * 3600, 0);
            ASSERT_EQ_INT(vp->vehicles[0].start, 1);
        }
        ASSERT_OK(regio_route_solve(p, NULL, &s, NULL, &e));
        char *csv = NULL;
        if (s)
            ASSERT_OK(regio_route_write_tour_csv(p, s, &csv, &e));
        if (csv)
            ASSERT_TRUE(!strncmp(csv, "vehicle,id,arrival_s,departure_s\n", 33));
        regio_free(csv);
        regio_vrp_solution_destroy(s);
        regio_route_problem_destroy(p);
        p = NULL;
    }
    o.depot_id = "NOPE";
    ASSERT_EQ_INT(regio_route_read_stops_csv("route_io_stops.csv", &o, &p, &e),
                  REGIO_ENOTFOUND);
    o.depot_id = NULL;
    f = fopen("route_io_stops.csv", "w");
    if (f) {
        fputs("id,x,y,tw_start\nD,0,0,\nA,1,x,\n", f);
        fclose(f);
    }
    ASSERT_EQ_INT(regio_route_read_stops_csv("route_io_stops.csv", &o, &p, &e), REGIO_EDATA);
    ASSERT_EQ_INT(e.line, 3);
    ASSERT_EQ_STR(e.field, "y");
    f = fopen("route_io_stops.csv", "w");
    if (f) {
        fputs("id,x,y,tw_start,tw_end\nD,0,0,,\nA,1,1,10:00,9:00\n", f);
        fclose(f);
    }
    ASSERT_EQ_INT(regio_route_read_stops_csv("route_io_stops.csv", &o, &p, &e), REGIO_EDATA);
    ASSERT_TRUE(strstr(e.msg, "ends") != NULL);
    f = fopen("route_io_stops.csv", "w");
    if (f) {
        fputs("name,x,y\nD,0,0\n", f);
        fclose(f);
    }
    ASSERT_EQ_INT(regio_route_read_stops_csv("route_io_stops.csv", &o, &p, &e), REGIO_EDATA);
    remove("route_io_stops.csv");
}

/* Allocation-failure loop (the failing allocator of regio_test.h): fail
 * the n-th allocation for growing n until parse + matrices + write succeed;
 * nothing may crash or leak. */
static void test_alloc_failures(void)
{
    regio_set_allocator(&regio_test_failing);
    int done = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 2000 && !done; alloc_fail_at++) {
        alloc_calls = 0;
        regio_err rc;
        regio_error e;
        regio_route_problem *p = parse(SMALL, &rc, &e);
        if (!p) {
            ASSERT_EQ_INT(rc, REGIO_ENOMEM);
            continue;
        }
        const regio_vrp_problem *vp = NULL;
        rc = regio_route_problem_vrp(p, &vp, &e);
        char *json = NULL;
        regio_vrp_solution *s = NULL;
        if (!rc) {
            /* a hand-made solution exercises the writer without the solver */
            s = regio_calloc(1, sizeof *s);
            if (s)
                s->routes = regio_calloc(2, sizeof *s->routes);
            if (s && s->routes) {
                s->n_routes = 2;
                s->routes[1].vehicle = 1;
                rc = regio_route_write_json(p, s, NULL, &json, &e);
                if (!rc)
                    done = 1;
            } else {
                rc = REGIO_ENOMEM;
            }
        }
        if (!done)
            ASSERT_EQ_INT(rc, REGIO_ENOMEM);
        regio_free(json);
        regio_vrp_solution_destroy(s);
        regio_route_problem_destroy(p);
    }
    regio_set_allocator(NULL);
    ASSERT_TRUE(done);
}

int main(void)
{
    RUN(test_parse_small);
    RUN(test_malformed);
    RUN(test_solve_small);
    RUN(test_haversine_tsp);
    RUN(test_stops_csv);
    RUN(test_alloc_failures);
    TEST_END();
}
