/*
 * libFuzzer target for the TSPLIB reader (regio_tsplib_parse): parses the
 * input as a NUL-terminated string; a successful parse must give n points
 * with finite coordinates, and small instances are solved on a tiny budget
 * so the tour must be a permutation starting at node 0.
 */
#include "fuzz_file.h"

#include "regio/core.h"
#include "regio/dist.h"
#include "regio/tsp.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    regio_tsplib t;
    memset(&t, 0, sizeof t);
    regio_error e;
    regio_err rc = regio_tsplib_parse(text, "fuzz.tsp", &t, &e);
    free(text);
    if (rc) {
        if (t.x || t.y)
            __builtin_trap();
        return 0;
    }
    if (t.n == 0 || !t.x || !t.y)
        __builtin_trap();
    if (t.n <= 64) {
        regio_dist_opts o;
        memset(&o, 0, sizeof o);
        o.metric = REGIO_METRIC_EUCLIDEAN;
        o.round_nearest = t.round_nearest;
        regio_dist *d = NULL;
        if (regio_dist_create_coords(t.n, t.x, t.y, &o, &d, &e) == REGIO_OK) {
            uint32_t tour[64];
            char seen[64] = {0};
            double cost = 0;
            regio_tsp_params p;
            memset(&p, 0, sizeof p);
            p.seed = 1;
            p.max_iterations = 10;
            if (regio_tsp_solve(d, &p, tour, &cost, &e) == REGIO_OK) {
                if (tour[0] != 0)
                    __builtin_trap();
                for (size_t i = 0; i < t.n; i++) {
                    if (tour[i] >= t.n || seen[tour[i]])
                        __builtin_trap();
                    seen[tour[i]] = 1;
                }
            }
            regio_dist_destroy(d);
        }
    }
    regio_tsplib_clear(&t);
    return 0;
}
