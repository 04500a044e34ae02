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
#include <math.h>
#include <stdlib.h>
#include <string.h>
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
    /* a pickup rides from the job to the route's end (VROOM's loads) */
    ASSERT_NEAR(vp->jobs[3].amount[0], 0, 0);
    ASSERT_NEAR(vp->jobs[3].pickup[0], 1, 0);
    ASSERT_NEAR(vp->jobs[0].amount[1], 3, 0);
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
        {"{\"vehicles\": [{\"id\": 1, \"start\": [0, 0], \"breaks\": [{\"id\": 1, "
         "\"max_load\": [1]}]}]}",
         REGIO_EUNSUPPORTED, "vehicles[0].breaks[0].max_load"},
        {"{\"vehicles\": [{\"id\": 1, \"start\": [0, 0], \"breaks\": [{\"id\": 1}, "
         "{\"id\": 1}]}]}",
         REGIO_EDATA, "Duplicate break id: 1."},
        {"{\"vehicles\": [{\"id\": 1, \"start\": [0, 0], \"max_travel_time\": 5}]}",
         REGIO_EUNSUPPORTED, "vehicles[0]: max_travel_time"},
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
        {"{" V1 ", \"jobs\": [{\"id\": 1}]}", REGIO_EDATA,
         "jobs[0].location: missing (required without a matrix; VROOM: \"Missing "
         "coordinates for routing engine.\")"},
        {"{" V1 ", \"jobs\": [{\"id\": 1, \"location\": [2, 48], \"service\": -3}]}",
         REGIO_EDATA, "jobs[0].service: -3 is negative"},
        {"{" V1 ", \"jobs\": [{\"id\": 1, \"location\": [2, 48], \"service\": \"x\"}]}",
         REGIO_EPARSE, "jobs[0].service: expected a number"},
        {"{" V1 ", \"jobs\": [{\"id\": 1, \"location\": [2, 48]}, {\"id\": 1, \"location\": "
         "[2, 48]}]}",
         REGIO_EDATA, "jobs[1].id: 1 is also the id of another job (VROOM: \"Duplicate job "
         "id: 1.\")"},
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
        {"{" V1 ", \"shipments\": [{\"amount\": [1]}]}", REGIO_EDATA,
         "shipments[0].pickup: missing"},
        {"{" V1 ", \"shipments\": {}}", REGIO_EPARSE, "shipments: expected an array"},
        {"{" V1 ", \"shipments\": [{\"pickup\": {\"id\": 1, \"location\": [2, 48]}, "
         "\"delivery\": {\"id\": 1, \"location\": [2, 48]}}, {\"pickup\": {\"id\": 1, "
         "\"location\": [2, 48]}, \"delivery\": {\"id\": 2, \"location\": [2, 48]}}]}",
         REGIO_EDATA, "shipments[1].pickup.id: 1 is also the id of another pickup (VROOM: "
         "\"Duplicate pickup id: 1.\")"},
        {"{" V1 ", \"shipments\": [{\"pickup\": {\"id\": 1, \"location\": [2, 48]}, "
         "\"delivery\": {\"id\": 1}}]}",
         REGIO_EDATA, "shipments[0].delivery.location: missing"},
        {"{" V1 ", \"jobs\": [{\"id\": 1, \"location\": [2, 48], \"priority\": 101}]}",
         REGIO_EDATA, "jobs[0].priority: expected an integer in 0..100 (VROOM: \"Invalid "
         "priority value\")"},
        {"{" V1 ", \"jobs\": [{\"id\": 1, \"location\": [2, 48], \"time_windows\": []}]}",
         REGIO_EDATA, "jobs[0].time_windows: empty"},
        {"{" V1 ", \"jobs\": [{\"id\": 1, \"location\": [2, 48]}]}",
         REGIO_OK, ""},
        {"{\"vehicles\": [{\"id\": 1, \"start\": [2.3, 48.8], \"steps\": [{\"type\": "
         "\"job\", \"id\": 9}]}], \"jobs\": [{\"id\": 1, \"location\": [2, 48]}]}",
         REGIO_EDATA, "vehicles[0].steps[0]: no job with id 9 (VROOM: \"Invalid job id 9 for "
         "vehicle 1.\")"},
        {"{\"vehicles\": [{\"id\": 1, \"start\": [2.3, 48.8], \"steps\": [{\"type\": "
         "\"job\", \"id\": 1}, {\"type\": \"job\", \"id\": 1}]}], \"jobs\": [{\"id\": 1, "
         "\"location\": [2, 48]}]}",
         REGIO_EDATA, "Duplicate job id 1 in input steps for vehicle 1."},
        {"{\"vehicles\": [{\"id\": 1, \"start\": [2.3, 48.8], \"steps\": [{\"type\": "
         "\"job\", \"id\": 1}, {\"type\": \"start\"}]}], \"jobs\": [{\"id\": 1, "
         "\"location\": [2, 48]}]}",
         REGIO_EDATA, "Unexpected start in input steps for vehicle 1."},
        {"{\"vehicles\": [{\"id\": 1, \"start\": [2.3, 48.8], \"steps\": [{\"type\": "
         "\"visit\", \"id\": 1}]}], \"jobs\": [{\"id\": 1, \"location\": [2, 48]}]}",
         REGIO_EDATA, "vehicles[0].steps[0].type: 'visit' is not"},
        {"{\"vehicles\": [{\"id\": 1, \"start\": [35, 135]}]}", REGIO_EDATA,
         "give a matrix to use other coordinates"},
        {"{\"vehicles\": [{\"id\": 1, \"start_index\": 0}], \"jobs\": [{\"id\": 1, "
         "\"location_index\": 2}], \"matrix\": [[0, 1], [1, 0]]}",
         REGIO_EDATA, "jobs[0].location_index: 2 is outside the 2 x 2 matrix"},
        {"{\"vehicles\": [{\"id\": 1, \"start_index\": 0}], \"jobs\": [{\"id\": 1, "
         "\"location\": [0, 0]}], \"matrix\": [[0, 1], [1, 0]]}",
         REGIO_EDATA, "jobs[0].location_index: missing (required when a matrix is given; "
         "VROOM: \"Missing location index.\")"},
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
        if (rc != cases[i].code || (p != NULL) != (rc == REGIO_OK) ||
            (rc && !strstr(e.msg, cases[i].msg))) {
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

/* ---- VROOM's documented examples and general routes ---------------------- */

/* An independent check of a solution against the problem, written here
 * from VROOM's definitions (docs/API.md) rather than from the solver:
 * every arrival is the previous departure (a break stays where the vehicle
 * is) plus the matrix duration, service inside a window, the shift kept,
 * loads after every step within capacity (plain jobs' deliveries aboard
 * from the start, pickups to the end, a shipment's amount from its pickup
 * to its delivery), both halves of a shipment on one route pickup first,
 * a break only on its vehicle, skills, every task served once or
 * unassigned. Returns the number of problems found (printed). */
static int check_general(const regio_vrp_problem *p, const regio_vrp_solution *s)
{
    int bad = 0, n = p->n_locations;
    int *seen = calloc((size_t)p->n_jobs + 1, sizeof *seen);
    int *route_of = calloc((size_t)p->n_jobs + 1, sizeof *route_of);
    int *pos_of = calloc((size_t)p->n_jobs + 1, sizeof *pos_of);
#define BAD(...) (bad++, fprintf(stderr, "  check: " __VA_ARGS__), fputc('\n', stderr))
    for (int r = 0; r < s->n_routes; r++) {
        const regio_vrp_route *rt = &s->routes[r];
        for (int k = 0; k < rt->n_steps; k++) {
            int j = rt->steps[k].job;
            if (seen[j]++)
                BAD("job %d served twice", j);
            route_of[j] = r;
            pos_of[j] = k;
        }
    }
    for (int r = 0; r < s->n_routes; r++) {
        const regio_vrp_route *rt = &s->routes[r];
        if (!rt->n_steps)
            continue;
        const regio_vrp_vehicle *v = &p->vehicles[rt->vehicle];
        double load[REGIO_VRP_MAX_DIMS] = {0};
        for (int k = 0; k < rt->n_steps; k++) {
            const regio_vrp_job *j = &p->jobs[rt->steps[k].job];
            for (int d = 0; d < p->n_dims; d++)
                load[d] += j->kind == REGIO_VRP_KIND_JOB ? j->amount[d] : 0;
        }
        for (int d = 0; d < p->n_dims; d++)
            if (load[d] > v->capacity[d] + 1e-9)
                BAD("vehicle %d leaves with %g > %g", rt->vehicle, load[d], v->capacity[d]);
        double t = rt->start_time;
        if (t < v->shift.start - 1e-6)
            BAD("vehicle %d leaves before its shift", rt->vehicle);
        int prev = v->start, tasks = 0;
        for (int k = 0; k < rt->n_steps; k++) {
            const regio_vrp_step *st = &rt->steps[k];
            int jb = st->job;
            const regio_vrp_job *j = &p->jobs[jb];
            double a = t;
            if (j->location >= 0) {
                if (prev >= 0)
                    a += p->duration[prev * n + j->location];
                prev = j->location;
            }
            if (fabs(a - st->arrival) > 1e-6 * (1 + fabs(a)))
                BAD("job %d arrival %g, expected %g", jb, st->arrival, a);
            double sv = st->service_start;
            if (sv < a - 1e-6)
                BAD("job %d served before arrival", jb);
            int in = j->n_tws == 0;
            for (int w = 0; w < j->n_tws; w++)
                in |= sv >= j->tws[w].start - 1e-6 && sv <= j->tws[w].end + 1e-6;
            if (!in)
                BAD("job %d served at %g outside its windows", jb, sv);
            if (j->skills & ~v->skills)
                BAD("job %d lacks skills on vehicle %d", jb, rt->vehicle);
            if (j->kind == REGIO_VRP_KIND_BREAK && j->only_vehicle != rt->vehicle + 1)
                BAD("break %d on vehicle %d", jb, rt->vehicle);
            if (j->kind == REGIO_VRP_KIND_PICKUP) {
                int o = j->pair - 1;
                if (!seen[o] || route_of[o] != r || pos_of[o] < k)
                    BAD("pickup %d without its delivery %d after it", jb, o);
            }
            if (j->kind == REGIO_VRP_KIND_DELIVERY) {
                int o = j->pair - 1;
                if (!seen[o] || route_of[o] != r || pos_of[o] > k)
                    BAD("delivery %d without its pickup %d before it", jb, o);
            }
            for (int d = 0; d < p->n_dims; d++) {
                if (j->kind == REGIO_VRP_KIND_JOB)
                    load[d] += j->pickup[d] - j->amount[d];
                else if (j->kind == REGIO_VRP_KIND_PICKUP)
                    load[d] += j->pickup[d];
                else if (j->kind == REGIO_VRP_KIND_DELIVERY)
                    load[d] -= j->amount[d];
                if (load[d] > v->capacity[d] + 1e-9)
                    BAD("vehicle %d carries %g > %g after job %d", rt->vehicle, load[d],
                        v->capacity[d], jb);
            }
            tasks += j->kind != REGIO_VRP_KIND_BREAK;
            t = sv + j->service;
        }
        double end = t + (prev >= 0 && v->end >= 0 ? p->duration[prev * n + v->end] : 0);
        if (end > v->shift.end + 1e-6)
            BAD("vehicle %d ends at %g after its shift %g", rt->vehicle, end, v->shift.end);
        if (v->max_tasks > 0 && tasks > v->max_tasks)
            BAD("vehicle %d has %d tasks", rt->vehicle, tasks);
        for (int j = 0; j < p->n_jobs; j++)
            if (p->jobs[j].kind == REGIO_VRP_KIND_BREAK &&
                p->jobs[j].only_vehicle == rt->vehicle + 1 && !seen[j])
                BAD("vehicle %d works without its break %d", rt->vehicle, j);
    }
    for (int u = 0; u < s->n_unassigned; u++)
        if (seen[s->unassigned[u].job]++)
            BAD("job %d unassigned and served", s->unassigned[u].job);
    for (int j = 0; j < p->n_jobs; j++)
        if (!seen[j] && p->jobs[j].kind != REGIO_VRP_KIND_BREAK)
            BAD("job %d neither served nor unassigned", j);
#undef BAD
    free(seen);
    free(route_of);
    free(pos_of);
    return bad;
}

static regio_route_problem *read_example(int i, const regio_route_opts *o)
{
    char name[64], path[1024];
    snprintf(name, sizeof name, "vroom_example_%d.json", i);
    regio_route_problem *p = NULL;
    regio_error e;
    regio_error_clear(&e);
    regio_err rc = regio_route_read_vroom(data_path(name, path, sizeof path), o, &p, &e);
    if (rc)
        fprintf(stderr, "  %s: %s\n", name, e.msg);
    ASSERT_OK(rc);
    return p;
}

/* Index of the task with id `id` and kind `kind` (-1 when none). */
static int task_of(const regio_route_problem *p, const regio_vrp_problem *vp,
                   const char *id, int kind)
{
    for (int j = 0; j < vp->n_jobs; j++)
        if ((int)vp->jobs[j].kind == kind && !strcmp(regio_route_job_id(p, j), id))
            return j;
    return -1;
}

/* VROOM's docs/API.md example 1 (a shipment, a break, skills, a pickup
 * job) is accepted; with road speeds as fast as VROOM's OSRM answer all
 * seven tasks are served, the shipment by the one vehicle with skill 2,
 * the break on vehicle 2 inside its window; every route passes the check
 * above. */
static void test_vroom_example_1(void)
{
    regio_route_opts o = {0};
    for (int fast = 0; fast < 2; fast++) {
        o.speed_kmh = fast ? 80 : 0;
        regio_route_problem *p = read_example(1, &o);
        if (!p)
            return;
        ASSERT_EQ_INT(regio_route_problem_jobs(p), 7); /* 4 jobs, 2 shipment halves, 1 break */
        const regio_vrp_problem *vp = NULL;
        regio_error e;
        ASSERT_OK(regio_route_problem_vrp(p, &vp, &e));
        regio_route_params rp = {0};
        rp.seed = 3;
        rp.max_iterations = 2000;
        regio_vrp_solution *s = NULL;
        ASSERT_OK(regio_route_solve(p, &rp, &s, NULL, &e));
        if (!s || !vp) {
            regio_route_problem_destroy(p);
            return;
        }
        ASSERT_EQ_INT(check_general(vp, s), 0);
        regio_vrp_check_report rep;
        ASSERT_OK(regio_vrp_check(vp, s, &rep));
        ASSERT_TRUE(rep.feasible);
        int pk = task_of(p, vp, "4", REGIO_VRP_KIND_PICKUP),
            dl = task_of(p, vp, "3", REGIO_VRP_KIND_DELIVERY),
            br = task_of(p, vp, "2", REGIO_VRP_KIND_BREAK);
        ASSERT_TRUE(pk >= 0 && dl >= 0 && br >= 0);
        if (fast) {
            ASSERT_EQ_INT(s->n_unassigned, 0);
            /* vehicle 2 (index 1) has skill 2: the shipment and the break */
            int on1 = 0;
            for (int k = 0; k < s->routes[1].n_steps; k++)
                on1 += s->routes[1].steps[k].job == pk || s->routes[1].steps[k].job == dl ||
                       s->routes[1].steps[k].job == br;
            ASSERT_EQ_INT(on1, 3);
        }
        char *json = NULL;
        ASSERT_OK(regio_route_write_json(p, s, NULL, &json, &e));
        ASSERT_TRUE(json && strstr(json, "\"type\": \"pickup\", \"id\": 4"));
        ASSERT_TRUE(json && strstr(json, "\"type\": \"break\", \"id\": 2"));
        ASSERT_TRUE(json && strstr(json, "\"violations\": []"));
        regio_free(json);
        regio_vrp_solution_destroy(s);
        regio_route_problem_destroy(p);
    }
}

/* Example 2 (a custom matrix, no coordinates): VROOM's answer exactly —
 * cost 5461, 1414 then 1515, the end at 5461. */
static void test_vroom_example_2(void)
{
    regio_route_problem *p = read_example(2, NULL);
    if (!p)
        return;
    regio_route_params rp = {0};
    regio_vrp_solution *s = NULL;
    regio_error e;
    ASSERT_OK(regio_route_solve(p, &rp, &s, NULL, &e));
    if (s) {
        ASSERT_NEAR(s->total_cost, 5461, 1e-9);
        ASSERT_EQ_INT(s->routes[0].n_steps, 2);
        ASSERT_EQ_STR(regio_route_job_id(p, s->routes[0].steps[0].job), "1414");
        ASSERT_EQ_STR(regio_route_job_id(p, s->routes[0].steps[1].job), "1515");
        ASSERT_NEAR(s->routes[0].end_time, 5461, 1e-9);
    }
    regio_vrp_solution_destroy(s);
    regio_route_problem_destroy(p);
}

/* Example 3 (steps): solving refuses vehicle 1's steps, which carry 7 on a
 * capacity of 4, as VROOM does ("Route over capacity"); plan mode (VROOM's
 * -c) follows both routes exactly, serves all six jobs and reports the
 * load violation on vehicle 1 and delays on vehicle 2. */
static void test_vroom_example_3(void)
{
    regio_route_problem *p = read_example(3, NULL);
    if (!p)
        return;
    regio_route_params rp = {0};
    regio_vrp_solution *s = NULL;
    regio_error e;
    regio_error_clear(&e);
    ASSERT_EQ_INT(regio_route_solve(p, &rp, &s, NULL, &e), REGIO_EDATA);
    ASSERT_TRUE(strstr(e.msg, "vehicles[0].steps: infeasible route: the load exceeds") != NULL);
    regio_route_plan *pl = NULL;
    ASSERT_OK(regio_route_plan_steps(p, &pl, &e));
    if (pl) {
        const regio_vrp_solution *ps = pl->solution;
        ASSERT_EQ_INT(ps->n_unassigned, 0);
        static const char *order[2][3] = {{"1", "2", "5"}, {"6", "4", "3"}};
        for (int r = 0; r < 2; r++) {
            ASSERT_EQ_INT(ps->routes[r].n_steps, 3);
            for (int k = 0; k < 3 && k < ps->routes[r].n_steps; k++)
                ASSERT_EQ_STR(regio_route_job_id(p, ps->routes[r].steps[k].job), order[r][k]);
        }
        int load1 = 0, delay2 = 0;
        for (int k = 0; k < pl->n_violations; k++) {
            load1 += pl->violations[k].route == 0 && !strcmp(pl->violations[k].cause, "load");
            delay2 += pl->violations[k].route == 1 && !strcmp(pl->violations[k].cause, "delay");
        }
        ASSERT_TRUE(load1 >= 1);
        ASSERT_TRUE(delay2 >= 1);
        char *json = NULL;
        ASSERT_OK(regio_route_write_plan_json(p, pl, NULL, &json, &e));
        ASSERT_TRUE(json && strstr(json, "{\"cause\": \"load\"}"));
        regio_free(json);
    }
    regio_route_plan_destroy(pl);
    regio_route_problem_destroy(p);
}

/* Random problems with everything at once — shipments, jobs that pick up,
 * breaks, windows, capacities, prescribed steps — solved with three seeds:
 * every solution passes the independent check, and a seed gives the same
 * answer twice. */
static void test_general_random(void)
{
    for (int inst = 0; inst < 6; inst++) {
        regio_rng rng;
        regio_rng_seed(&rng, 100 + (uint64_t)inst);
        int nloc = 16, nv = 3;
        char *buf = malloc(1 << 16);
        size_t len = 0, cap = 1 << 16;
#define PUT(...) (len += (size_t)snprintf(buf + len, cap - len, __VA_ARGS__))
        PUT("{\"vehicles\": [");
        for (int v = 0; v < nv; v++)
            PUT("%s{\"id\": %d, \"start_index\": 0, \"end_index\": 0, \"capacity\": [6],"
                " \"time_window\": [0, 1000], \"breaks\": [{\"id\": 1, \"service\": 30,"
                " \"time_windows\": [[300, 500]]}]%s}", v ? ", " : "", v + 1,
                v == 0 && inst % 2 ? ", \"steps\": [{\"type\": \"job\", \"id\": 1}]" : "");
        PUT("], \"jobs\": [");
        for (int j = 1; j <= 8; j++) {
            int loc = 1 + (int)regio_rng_below(&rng, (uint64_t)(nloc - 1));
            PUT("%s{\"id\": %d, \"location_index\": %d, \"service\": 10, \"%s\": [%d]",
                j > 1 ? ", " : "", j, loc, j % 3 ? "delivery" : "pickup",
                1 + (int)regio_rng_below(&rng, 2));
            if (j % 2)
                PUT(", \"time_windows\": [[%d, %d]]", (int)regio_rng_below(&rng, 400),
                    500 + (int)regio_rng_below(&rng, 400));
            PUT("}");
        }
        PUT("], \"shipments\": [");
        for (int k = 0; k < 5; k++)
            PUT("%s{\"amount\": [%d], \"pickup\": {\"id\": %d, \"location_index\": %d, "
                "\"service\": 5}, \"delivery\": {\"id\": %d, \"location_index\": %d, "
                "\"service\": 5%s}}", k ? ", " : "", 1 + (int)regio_rng_below(&rng, 3), k + 1,
                1 + (int)regio_rng_below(&rng, (uint64_t)(nloc - 1)), k + 1,
                1 + (int)regio_rng_below(&rng, (uint64_t)(nloc - 1)),
                k % 2 ? ", \"time_windows\": [[200, 900]]" : "");
        PUT("], \"matrix\": [");
        double xs[16], ys[16];
        for (int i = 0; i < nloc; i++) {
            xs[i] = (double)regio_rng_below(&rng, 100);
            ys[i] = (double)regio_rng_below(&rng, 100);
        }
        for (int i = 0; i < nloc; i++) {
            PUT("%s[", i ? ", " : "");
            for (int k = 0; k < nloc; k++)
                PUT("%s%d", k ? ", " : "",
                    (int)(hypot(xs[i] - xs[k], ys[i] - ys[k]) * 1.5 + 0.5));
            PUT("]");
        }
        PUT("]}");
#undef PUT
        regio_error e;
        regio_error_clear(&e);
        regio_route_problem *p = NULL;
        regio_err rc = regio_route_parse_vroom(buf, len, "random", NULL, &p, &e);
        if (rc)
            fprintf(stderr, "  random %d: %s\n", inst, e.msg);
        ASSERT_OK(rc);
        free(buf);
        if (!p)
            continue;
        const regio_vrp_problem *vp = NULL;
        ASSERT_OK(regio_route_problem_vrp(p, &vp, &e));
        double first_cost = -1;
        for (int seed = 1; seed <= 3; seed++) {
            for (int again = 0; again < (seed == 1 ? 2 : 1); again++) {
                regio_route_params rp = {0};
                rp.seed = (uint64_t)seed;
                rp.max_iterations = 1500;
                regio_vrp_solution *s = NULL;
                ASSERT_OK(regio_route_solve(p, &rp, &s, NULL, &e));
                if (!s)
                    continue;
                int bad = check_general(vp, s);
                if (bad)
                    fprintf(stderr, "  random %d seed %d: %d problems\n", inst, seed, bad);
                ASSERT_EQ_INT(bad, 0);
                regio_vrp_check_report rep;
                ASSERT_OK(regio_vrp_check(vp, s, &rep));
                if (!rep.feasible)
                    fprintf(stderr, "  random %d: %s\n", inst, rep.first);
                ASSERT_TRUE(rep.feasible);
                if (seed == 1 && again == 0)
                    first_cost = s->total_cost;
                if (seed == 1 && again == 1)
                    ASSERT_NEAR(s->total_cost, first_cost, 0);
                regio_vrp_solution_destroy(s);
            }
        }
        regio_route_problem_destroy(p);
    }
}

int main(void)
{
    RUN(test_parse_small);
    RUN(test_malformed);
    RUN(test_solve_small);
    RUN(test_haversine_tsp);
    RUN(test_stops_csv);
    RUN(test_alloc_failures);
    RUN(test_vroom_example_1);
    RUN(test_vroom_example_2);
    RUN(test_vroom_example_3);
    RUN(test_general_random);
    TEST_END();
}
