/*
 * libFuzzer target for the design options as text (regio/design_opts.h):
 * the first byte chooses the parser, the rest is the text. A tolerance
 * accepted holds every T in (0, 1), with names only of balanced measures;
 * accepted index weights are finite and >= 0; an error always has a message.
 */
#include "regio/design_opts.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = {"accounts", "revenue", "potential"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    regio_error err;
    regio_err rc;
    int cols[] = {0, 1};
    double def = -1, tols[2] = {0, 0}, w[2] = {0, 0};
    int named = 0;
    regio_design_objective o;
    regio_opts_style style = data[0] & 4 ? REGIO_OPTS_JSON : REGIO_OPTS_CLI;
    switch (data[0] & 3) {
    case 0:
        rc = regio_design_tolerances_parse(text, style, names, cols, 2, &def, tols, &named, &err);
        if (!rc && ((def != -1 && !(def > 0 && def < 1)) || tols[0] < 0 || tols[0] >= 1 ||
                    tols[1] < 0 || tols[1] >= 1 || (named && strstr(text, "potential="))))
            __builtin_trap();
        break;
    case 1:
        rc = regio_design_tolerances_parse(text, style, NULL, NULL, 0, &def, NULL, &named, &err);
        break;
    case 2:
        rc = regio_design_index_weights_parse(text, style, 2, w, &err);
        if (!rc && (!isfinite(w[0]) || !isfinite(w[1]) || w[0] < 0 || w[1] < 0))
            __builtin_trap();
        break;
    default:
        rc = regio_design_objective_parse(text, style, &o, &err);
        break;
    }
    free(text);
    if (rc && !err.msg[0])
        __builtin_trap();
    return 0;
}
