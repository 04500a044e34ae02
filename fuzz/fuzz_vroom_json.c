/*
 * libFuzzer target for the VROOM problem JSON reader: parses the input and,
 * when it is a valid and small problem, solves it on a tiny budget, checks
 * the solution with the independent checker and writes the solution JSON
 * and GeoJSON, which must parse back as JSON. The first byte picks the
 * metric so the Euclidean path is exercised too.
 */
#include "regio/route_io.h"

#include <jansson.h>
#include <stdint.h>
#include <string.h>

static void must_parse(const char *text)
{
    json_t *j = json_loads(text, 0, NULL);
    if (!j)
        __builtin_trap();
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    regio_route_opts o;
    memset(&o, 0, sizeof o);
    o.max_locations = 200;
    if (size > 0 && data[0] == ' ')
        o.metric = REGIO_ROUTE_METRIC_EUCLIDEAN;
    regio_route_problem *p = NULL;
    regio_error e;
    regio_err rc = regio_route_parse_vroom((const char *)data, size, "fuzz.json", &o, &p, &e);
    if (rc) {
        if (p || e.code != rc || !e.msg[0])
            __builtin_trap();
        return 0;
    }
    if (regio_route_problem_jobs(p) > 40 || regio_route_problem_vehicles(p) > 8) {
        regio_route_problem_destroy(p);
        return 0;
    }
    regio_route_params rp;
    memset(&rp, 0, sizeof rp);
    rp.seed = 1;
    rp.max_iterations = 20;
    regio_vrp_solution *s = NULL;
    if (regio_route_solve(p, &rp, &s, NULL, &e) == REGIO_OK) {
        const regio_vrp_problem *vp = NULL;
        if (regio_route_problem_vrp(p, &vp, &e) == REGIO_OK) {
            regio_vrp_check_report rep;
            if (regio_vrp_check(vp, s, &rep) != REGIO_OK || !rep.feasible)
                __builtin_trap();
        }
        char *text = NULL;
        if (regio_route_write_json(p, s, NULL, &text, &e) == REGIO_OK)
            must_parse(text);
        regio_free(text);
        text = NULL;
        if (regio_route_write_geojson(p, s, &text, &e) == REGIO_OK)
            must_parse(text);
        regio_free(text);
        text = NULL;
        if (regio_route_write_tour_csv(p, s, &text, &e) != REGIO_OK)
            __builtin_trap();
        regio_free(text);
    }
    regio_vrp_solution_destroy(s);
    regio_route_problem_destroy(p);
    return 0;
}
