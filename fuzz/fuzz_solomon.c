/*
 * libFuzzer target for the Solomon / Gehring-Homberger VRPTW reader
 * (regio_vrp_solomon_read): the input is the instance file. A successful
 * read must give customers numbered from the depot with finite
 * coordinates, a finite symmetric matrix with a zero diagonal, time windows
 * and a problem whose arrays match; a small instance is solved on a tiny
 * budget and the independent checker (regio_vrp_check) must find the
 * solution feasible. An error must carry a message.
 */
#include "fuzz_file.h"

#include "regio/vrp.h"

#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 16))
        return 0;
    const char *path = fuzz_file(data, size);
    if (!path)
        return 0;
    regio_vrp_solomon *s = NULL;
    regio_error e;
    regio_err rc = regio_vrp_solomon_read(path, 0, &s, &e);
    if (rc) {
        if (!e.msg[0] || s)
            __builtin_trap();
        return 0;
    }
    int n = s->n_customers + 1;
    if (s->n_customers < 0 || s->problem.n_jobs != s->n_customers ||
        s->problem.n_locations != n)
        __builtin_trap();
    for (int i = 0; i < n; i++) {
        if (!isfinite(s->x[i]) || !isfinite(s->y[i]))
            __builtin_trap();
        if (s->matrix[(size_t)i * n + i] != 0)
            __builtin_trap();
    }
    for (int i = 0; i < n && i < 64; i++)
        for (int j = 0; j < n && j < 64; j++)
            if (!isfinite(s->matrix[(size_t)i * n + j]) ||
                s->matrix[(size_t)i * n + j] != s->matrix[(size_t)j * n + i])
                __builtin_trap();
    if (s->n_customers <= 12 && s->problem.n_vehicles <= 4) {
        regio_vrp_params p;
        regio_vrp_params_default(&p);
        p.seed = 1;
        p.max_iterations = 50;
        regio_vrp_solution *sol = NULL;
        if (regio_vrp_solve(&s->problem, &p, &sol, &e) == REGIO_OK) {
            regio_vrp_check_report rep;
            if (regio_vrp_check(&s->problem, sol, &rep) != REGIO_OK || !rep.feasible)
                __builtin_trap();
        } else if (!e.msg[0]) {
            __builtin_trap();
        }
        regio_vrp_solution_destroy(sol);
    }
    regio_vrp_solomon_destroy(s);
    return 0;
}
