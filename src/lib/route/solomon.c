/*
 * Reader for Solomon / Gehring-Homberger VRPTW instances (plain text: a name,
 * a VEHICLE section with fleet size and capacity, a CUSTOMER table of
 * "id x y demand ready due service" rows with the depot as id 0).
 * Method: one pass over the lines, O(n) parsing plus the O(n^2) Euclidean
 * matrix in full double precision (travel time = distance). Invariant: rows
 * are numbered 0..n consecutively; any deviation is an EPARSE with its line.
 */
#include "regio/vrp.h"
#include "core/grow.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define fail(err, code, path, line, msg)                                       \
    regio_error_setf((err), (code), (path), (line), NULL, "%s", (msg))

/* Splits s into up to max numbers; returns the count, -1 on a non-number. */
static int parse_numbers(const char *s, double *out, int max)
{
    int n = 0;
    while (*s) {
        while (*s && isspace((unsigned char)*s))
            s++;
        if (!*s)
            break;
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || errno == ERANGE || !isfinite(v))
            return -1;
        if (*end && !isspace((unsigned char)*end))
            return -1;
        if (n < max)
            out[n] = v;
        n++;
        s = end;
    }
    return n;
}

static int is_blank(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return *s == '\0';
}

void regio_vrp_solomon_destroy(regio_vrp_solomon *s)
{
    if (!s)
        return;
    regio_free(s->x);
    regio_free(s->y);
    regio_free(s->matrix);
    regio_free(s->jobs);
    regio_free(s->tws);
    regio_free(s->vehicles);
    regio_free(s);
}

typedef struct row {
    double v[7];
} row;

regio_err regio_vrp_solomon_read(const char *path, int n_vehicles,
                                 regio_vrp_solomon **out, regio_error *err)
{
    if (!path || !out)
        return fail(err, REGIO_EINVAL, path ? path : "", 0,
                    "path and out are required");
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f)
        return fail(err, REGIO_EIO, path, 0, "cannot open the file");

    regio_err rc = REGIO_OK;
    char msg[256];
    char line[4096];
    long lineno = 0;
    int state = 0; /* 0 name, 1 want VEHICLE, 2 want numbers, 3 want
                      CUSTOMER, 4 rows */
    char name[64] = "";
    double fleet = 0, cap = 0;
    row *rows = NULL;
    int n_rows = 0;
    size_t cap_rows = 0;
    regio_vrp_solomon *s = NULL;

    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            rc = fail(err, REGIO_EPARSE, path, lineno, "line too long");
            goto done;
        }
        if (is_blank(line))
            continue;
        char *t = line;
        while (isspace((unsigned char)*t))
            t++;
        if (state == 0) {
            size_t k = 0;
            while (t[k] && !isspace((unsigned char)t[k]) && k < sizeof name - 1) {
                name[k] = t[k];
                k++;
            }
            name[k] = '\0';
            state = 1;
        } else if (state == 1) {
            if (strncmp(t, "VEHICLE", 7) != 0) {
                rc = fail(err, REGIO_EPARSE, path, lineno,
                          "expected the VEHICLE section");
                goto done;
            }
            state = 2;
        } else if (state == 2) {
            double v[2];
            int k = parse_numbers(t, v, 2);
            if (k < 0)
                continue; /* the "NUMBER CAPACITY" header */
            if (k != 2 || v[0] < 1 || v[1] < 0 || v[0] != floor(v[0])) {
                rc = fail(err, REGIO_EPARSE, path, lineno,
                          "expected 'vehicles capacity' (two numbers)");
                goto done;
            }
            fleet = v[0];
            cap = v[1];
            state = 3;
        } else if (state == 3) {
            if (strncmp(t, "CUSTOMER", 8) != 0) {
                rc = fail(err, REGIO_EPARSE, path, lineno,
                          "expected the CUSTOMER section");
                goto done;
            }
            state = 4;
        } else {
            row r;
            int k = parse_numbers(t, r.v, 7);
            if (k < 0 && n_rows == 0)
                continue; /* column header */
            if (k != 7) {
                snprintf(msg, sizeof msg,
                         "expected 7 numbers (id x y demand ready due "
                         "service), got %s",
                         k < 0 ? "a non-number" : "a different count");
                rc = fail(err, REGIO_EPARSE, path, lineno, msg);
                goto done;
            }
            if (r.v[0] != (double)n_rows) {
                snprintf(msg, sizeof msg, "customer number %.0f, expected %d",
                         r.v[0], n_rows);
                rc = fail(err, REGIO_EPARSE, path, lineno, msg);
                goto done;
            }
            if (r.v[3] < 0 || r.v[6] < 0 || r.v[5] < r.v[4]) {
                rc = fail(err, REGIO_EDATA, path, lineno,
                          "negative demand or service, or due before ready");
                goto done;
            }
            if (regio__grow(&rows, &cap_rows, (size_t)n_rows + 1, sizeof *rows)) {
                rc = fail(err, REGIO_ENOMEM, path, lineno, "out of memory");
                goto done;
            }
            rows[n_rows++] = r;
        }
    }
    if (ferror(f)) {
        rc = fail(err, REGIO_EIO, path, lineno, "read error");
        goto done;
    }
    if (state < 4 || n_rows < 1) {
        rc = fail(err, REGIO_EPARSE, path, lineno,
                  state < 4 ? "unexpected end of file before the customers"
                            : "no depot row");
        goto done;
    }

    int n = n_rows;
    int nc = n - 1;
    int nv = n_vehicles > 0 ? n_vehicles : (int)fleet;
    s = regio_calloc(1, sizeof *s);
    if (!s)
        goto oom;
    snprintf(s->name, sizeof s->name, "%s", name);
    s->n_customers = nc;
    s->fleet = (int)fleet;
    s->capacity = cap;
    s->x = regio_malloc((size_t)n * sizeof(double));
    s->y = regio_malloc((size_t)n * sizeof(double));
    s->matrix = regio_malloc((size_t)n * (size_t)n * sizeof(double));
    s->jobs = regio_calloc(nc > 0 ? (size_t)nc : 1, sizeof *s->jobs);
    s->tws = regio_calloc(nc > 0 ? (size_t)nc : 1, sizeof *s->tws);
    s->vehicles = regio_calloc((size_t)nv, sizeof *s->vehicles);
    if (!s->x || !s->y || !s->matrix || !s->jobs || !s->tws || !s->vehicles)
        goto oom;
    for (int i = 0; i < n; i++) {
        s->x[i] = rows[i].v[1];
        s->y[i] = rows[i].v[2];
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double dx = s->x[i] - s->x[j], dy = s->y[i] - s->y[j];
            s->matrix[(size_t)i * n + j] = sqrt(dx * dx + dy * dy);
        }
    for (int i = 1; i < n; i++) {
        regio_vrp_job *j = &s->jobs[i - 1];
        j->location = i;
        j->service = rows[i].v[6];
        s->tws[i - 1].start = rows[i].v[4];
        s->tws[i - 1].end = rows[i].v[5];
        j->tws = &s->tws[i - 1];
        j->n_tws = 1;
        j->amount[0] = rows[i].v[3];
    }
    for (int v = 0; v < nv; v++) {
        regio_vrp_vehicle *veh = &s->vehicles[v];
        veh->start = 0;
        veh->end = 0;
        veh->shift.start = rows[0].v[4];
        veh->shift.end = rows[0].v[5];
        veh->capacity[0] = cap;
    }
    s->problem.n_locations = n;
    s->problem.cost = s->matrix;
    s->problem.duration = s->matrix;
    s->problem.n_dims = 1;
    s->problem.jobs = s->jobs;
    s->problem.n_jobs = nc;
    s->problem.vehicles = s->vehicles;
    s->problem.n_vehicles = nv;
    *out = s;
    s = NULL;
    goto done;
oom:
    rc = fail(err, REGIO_ENOMEM, path, 0, "out of memory");
done:
    regio_vrp_solomon_destroy(s);
    regio_free(rows);
    fclose(f);
    return rc;
}
