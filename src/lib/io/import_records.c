/*
 * Imports accounts and reps: rows from any table source are mapped to the
 * canonical fields, validated, geocoded when they lack coordinates and
 * upserted inside one store transaction, so a file lands whole or not at
 * all. Errors name the file, line, field and problem.
 */
#include "regio/import.h"

#include "regio/buf.h"
#include "regio/output.h"
#include "regio/strmap.h"
#include "io/import_common.h"
#include "io/record_desc.h"
#include "io/table.h"
#include "regio/assign.h"
#include "regio/fields.h"
#include "regio/format.h"
#include "regio/model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Per-import state shared by the row handlers. */
typedef struct rec_ctx {
    const char *path;
    regio_entity ent;
    const regio_import_opts *opts;
    regio__table *t;
    regio_header_map *map;
    regio_strmap *ids;
    regio_import_summary *sum;
    FILE *rejects;
    regio_output *rejects_out;
    /* Reps of a file imported without skipping invalid rows, written in
     * one call at its end (a bulk path on PostgreSQL). */
    regio_rep *reps;
    size_t n_reps, cap_reps;
} rec_ctx;

/* Points a string member at a fresh copy of the trimmed value, or NULL. */
static regio_err set_str(char **dst, const char *v)
{
    regio_free(*dst);
    *dst = NULL;
    v = regio__trim_view(v);
    size_t n = regio__trim_len(v);
    if (n == 0)
        return REGIO_OK;
    *dst = regio_strndup(v, n);
    return *dst ? REGIO_OK : REGIO_ENOMEM;
}

/* Fills a number member; empty stays NAN. Measures must be >= 0. */
static regio_err set_num(const rec_ctx *c, size_t col, const char *v, double *dst,
                         int nonneg, regio_error *err)
{
    *dst = NAN;
    double x;
    int empty = 0;
    regio_err rc = regio__parse_cell_number(v, &x, &empty);
    if (empty)
        return REGIO_OK;
    if (rc)
        return regio__row_error(err, c->path, c->t, col, "'%s' is not a number", v);
    if (nonneg && x < 0)
        return regio__row_error(err, c->path, c->t, col, "%s is negative; it must be 0 or more", v);
    *dst = x;
    return REGIO_OK;
}

static regio_err set_hhmm(const rec_ctx *c, size_t col, const char *v, char **dst,
                          regio_error *err)
{
    const char *s = regio__trim_view(v);
    if (regio__trim_len(s) == 0)
        return set_str(dst, "");
    int secs;
    char tmp[16];
    size_t n = regio__trim_len(s);
    if (n >= sizeof tmp || regio_parse_hhmm(regio__copy_trim(tmp, sizeof tmp, s), &secs))
        return regio__row_error(err, c->path, c->t, col, "'%s' is not a time of day (HH:MM)", v);
    return set_str(dst, tmp);
}

/* Reads the geo_source column of an earlier export, so a re-import keeps
 * how each record was placed; anything else counts as given coordinates. */
static regio_geo_source parse_geo_source(const char *v)
{
    const char *s = regio__trim_view(v);
    if (!strncmp(s, "postal", 6))
        return REGIO_GEO_POSTAL;
    if (!strncmp(s, "city", 4))
        return REGIO_GEO_CITY;
    return REGIO_GEO_INPUT;
}

/* Checks the coordinate pair of a row: both or neither, in range. */
static regio_err check_coords(const rec_ctx *c, double *lat, double *lon, regio_error *err)
{
    int lat_col = regio_header_map_column_of(c->map, REGIO_F_LAT);
    int lon_col = regio_header_map_column_of(c->map, REGIO_F_LON);
    if (isnan(*lat) != isnan(*lon)) {
        int col = isnan(*lat) ? lat_col : lon_col;
        return regio__row_error(err, c->path, c->t, col < 0 ? 0 : (size_t)col,
                                "is empty while the other coordinate is given");
    }
    char g[32];
    if (!isnan(*lat) && (*lat < -90 || *lat > 90))
        return regio__row_error(err, c->path, c->t, (size_t)lat_col,
                                "latitude %s is outside [-90, 90]", regio_format_g15(*lat, g));
    if (!isnan(*lon) && (*lon < -180 || *lon > 180))
        return regio__row_error(err, c->path, c->t, (size_t)lon_col,
                                "longitude %s is outside [-180, 180]", regio_format_g15(*lon, g));
    return REGIO_OK;
}

/* Converts the current row into a record described by d (an account or
 * a rep): canonical columns into their members, the rest into attributes. */
static regio_err row_to_record(const rec_ctx *c, const regio__record_desc *d, void *rec,
                               regio_error *err)
{
    size_t nc = regio__table_ncols(c->t);
    regio_err rc = REGIO_OK;
    regio_geo_source given = REGIO_GEO_INPUT;
    for (size_t col = 0; col < nc && !rc; col++) {
        const char *v = regio__table_field(c->t, col);
        regio_field f = regio_header_map_field(c->map, col);
        if (f == REGIO_F_NONE) {
            const char *key = regio_header_map_attr_name(c->map, col);
            if (key && !strcmp(key, "geo_source"))
                given = parse_geo_source(v);
            else if (key)
                rc = regio__attr_append(regio__rec_attrs(rec, d), regio__rec_n_attrs(rec, d), key, v,
                                         NULL);
            continue;
        }
        const regio__field_desc *fd = regio__record_field(d, f);
        if (!fd)
            continue; /* a field of another entity, or a dropped column */
        switch (fd->kind) {
        case REGIO__FK_STR: rc = set_str(regio__rec_str(rec, fd->offset), v); break;
        case REGIO__FK_NUM: rc = set_num(c, col, v, regio__rec_num(rec, fd->offset), 0, err); break;
        case REGIO__FK_MEASURE:
            rc = set_num(c, col, v, regio__rec_num(rec, fd->offset), 1, err);
            break;
        case REGIO__FK_HHMM: rc = set_hhmm(c, col, v, regio__rec_str(rec, fd->offset), err); break;
        case REGIO__FK_GEO: break;
        }
    }
    if (rc)
        return rc;
    double *lat = regio__rec_num(rec, d->lat_off), *lon = regio__rec_num(rec, d->lon_off);
    double plat, plon;
    if (isnan(*lat) && isnan(*lon) && regio__table_point(c->t, &plat, &plon)) {
        *lat = plat;
        *lon = plon;
    }
    rc = check_coords(c, lat, lon, err);
    if (!rc && !isnan(*lat))
        *regio__rec_geo(rec, d) = given;
    return rc;
}

/* Points *dst at a copy of v. */
static regio_err replace_str(char **dst, const char *v)
{
    char *dup = regio_strdup(v);
    if (!dup)
        return REGIO_ENOMEM;
    regio_free(*dst);
    *dst = dup;
    return REGIO_OK;
}

/* Reads a record in its country (given; else "US" for a US state; else the
 * import's default country), normalises the country and region to codes
 * where the gazetteer knows them ("United States" -> US, "California" ->
 * CA), restores the leading zeros a spreadsheet took from a US ZIP code,
 * and places a record that has no coordinates, filling an empty city or
 * region from what the gazetteer matched. */
static regio_err place(const rec_ctx *c, char **country, char **postal_p, char **city_p,
                       char **region_p, const char *id, double *lat, double *lon,
                       regio_geo_source *src)
{
    const regio_gazetteer *g = c->opts->gazetteer;
    const char *def = c->opts->default_country;
    regio_import_summary *sum = c->sum;
    regio_err rc = REGIO_OK;
    const char *cc = g ? regio_record_country(g, *country, *region_p, def) : NULL;
    if (g && *country) {
        const char *code = regio_country_code(g, *country);
        if (code && strcmp(code, *country))
            rc = replace_str(country, code);
    }
    if (!rc && cc && *region_p) {
        const char *code = regio_region_code(g, cc, *region_p);
        if (code && strcmp(code, *region_p))
            rc = replace_str(region_p, code);
    }
    char zip[16];
    if (!rc && cc && *postal_p && regio_postal_restore(cc, *postal_p, zip, sizeof zip)) {
        rc = replace_str(postal_p, zip);
        if (!rc)
            sum->postal_restored++;
    }
    if (rc)
        return rc;
    if (!isnan(*lat)) {
        sum->coords_given++;
        return REGIO_OK;
    }
    regio_geocode_result res;
    res.lat = res.lon = NAN;
    res.how = REGIO_GEO_NONE;
    res.region = res.city = NULL;
    if (g && (*postal_p || *city_p))
        regio_geocode_record(g, *postal_p, *city_p, *region_p, *country, def, &res);
    *src = res.how;
    if (res.how == REGIO_GEO_POSTAL || res.how == REGIO_GEO_CITY) {
        *lat = res.lat;
        *lon = res.lon;
        if (res.how == REGIO_GEO_POSTAL)
            sum->geocoded_postal++;
        else
            sum->geocoded_city++;
        /* Never over a value the file gave. */
        int filled = 0;
        if (!*city_p && res.city) {
            rc = replace_str(city_p, res.city);
            filled = 1;
        }
        if (!rc && !*region_p && res.region) {
            rc = replace_str(region_p, res.region);
            filled = 1;
        }
        if (!rc && filled)
            sum->places_filled++;
    } else {
        *lat = *lon = NAN;
        if (sum->not_placed < REGIO_IMPORT_SAMPLE_IDS)
            snprintf(sum->not_placed_ids[sum->not_placed], sizeof sum->not_placed_ids[0],
                     "%s", id);
        sum->not_placed++;
    }
    return rc;
}

/* Records a unique id or reports the line where it appeared first. */
static regio_err check_id(rec_ctx *c, const char *id, regio_error *err)
{
    int idcol = regio_header_map_column_of(c->map, REGIO_F_ID);
    if (!id)
        return regio__row_error(err, c->path, c->t, (size_t)idcol, "the id is empty");
    int found = 0;
    long first = 0;
    regio_err rc = regio_strmap_put(c->ids, id, regio__table_line(c->t), &found, &first);
    if (rc)
        return rc;
    if (found)
        return regio__row_error(err, c->path, c->t, (size_t)idcol,
                                "id '%s' appears twice in the file (first on %s %ld)", id,
                                regio__table_is_features(c->t) ? "feature" : "line", first);
    return REGIO_OK;
}

static void count_upsert(regio_import_summary *sum, regio_upsert_result r)
{
    if (r == REGIO_UPSERT_ADDED)
        sum->added++;
    else if (r == REGIO_UPSERT_UPDATED)
        sum->updated++;
    else
        sum->unchanged++;
}

/* Keeps r (and what it holds) for write_reps. */
static regio_err keep_rep(rec_ctx *c, regio_rep *r)
{
    if (c->n_reps == c->cap_reps) {
        size_t cap = c->cap_reps ? 2 * c->cap_reps : 256;
        regio_rep *v = regio_realloc(c->reps, cap * sizeof *v);
        if (!v) {
            regio_rep_clear(r);
            return REGIO_ENOMEM;
        }
        c->reps = v;
        c->cap_reps = cap;
    }
    c->reps[c->n_reps++] = *r;
    return REGIO_OK;
}

/* Handles one data row: convert, validate, place, upsert (a rep: kept
 * for write_reps unless invalid rows are skipped, which needs each row's
 * own answer). */
static regio_err one_row(rec_ctx *c, regio_store *s, regio_error *err)
{
    regio_err rc;
    regio_upsert_result res = REGIO_UPSERT_UNCHANGED;
    if (c->ent == REGIO_ENTITY_ACCOUNT) {
        regio_account a;
        regio_account_init(&a);
        rc = row_to_record(c, &regio__account_desc, &a, err);
        if (!rc)
            rc = check_id(c, a.id, err);
        if (!rc)
            rc = place(c, &a.country, &a.postal_code, &a.city, &a.region, a.id, &a.lat,
                       &a.lon, &a.geo_source);
        if (!rc)
            rc = regio_store_account_upsert(s, &a, &res, err);
        regio_account_clear(&a);
    } else {
        regio_rep r;
        regio_rep_init(&r);
        rc = row_to_record(c, &regio__rep_desc, &r, err);
        if (!rc)
            rc = check_id(c, r.id, err);
        if (!rc)
            rc = place(c, &r.country, &r.postal_code, &r.city, &r.region, r.id, &r.lat,
                       &r.lon, &r.geo_source);
        if (!rc && !c->opts->skip_invalid)
            return keep_rep(c, &r);
        if (!rc)
            rc = regio_store_rep_upsert(s, &r, &res, err);
        regio_rep_clear(&r);
    }
    if (!rc)
        count_upsert(c->sum, res);
    return rc;
}

/* Writes the reps kept, counting what was done with each. */
static regio_err write_reps(rec_ctx *c, regio_store *s, regio_error *err)
{
    regio_upsert_result *res = regio_malloc((c->n_reps ? c->n_reps : 1) * sizeof *res);
    if (!res)
        return REGIO_ENOMEM;
    regio_err rc = regio_store_reps_upsert(s, c->reps, c->n_reps, res, NULL, err);
    for (size_t i = 0; !rc && i < c->n_reps; i++)
        count_upsert(c->sum, res[i]);
    regio_free(res);
    return rc;
}

static regio_err open_rejects(rec_ctx *c, regio_error *err)
{
    if (!c->opts->skip_invalid || !c->opts->rejects_path)
        return REGIO_OK;
    regio_err orc = regio_output_open(c->opts->rejects_path, &c->rejects_out, err);
    if (orc)
        return orc;
    c->rejects = regio_output_stream(c->rejects_out);
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc = regio_buf_puts(&b, "line,error");
    const char *const *h = regio__table_header(c->t);
    for (size_t i = 0; !rc && i < regio__table_ncols(c->t); i++) {
        rc = regio_buf_putc(&b, ',');
        if (!rc)
            rc = regio_buf_csv_field(&b, h[i], ',');
    }
    if (!rc)
        fprintf(c->rejects, "%s\n", b.data);
    regio_buf_free(&b);
    return rc;
}

static void write_reject(rec_ctx *c, const regio_error *e)
{
    char msg[1400];
    regio_error_format(e, msg, sizeof msg);
    if (c->opts->on_reject)
        c->opts->on_reject(c->opts->reject_ud, regio__table_line(c->t), msg);
    if (!c->rejects)
        return;
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc = regio_buf_printf(&b, "%ld,", regio__table_line(c->t));
    if (!rc)
        rc = regio_buf_csv_field(&b, msg, ',');
    for (size_t i = 0; !rc && i < regio__table_ncols(c->t); i++) {
        rc = regio_buf_putc(&b, ',');
        if (!rc)
            rc = regio_buf_csv_field(&b, regio__table_field(c->t, i), ',');
    }
    if (!rc)
        fprintf(c->rejects, "%s\n", b.data);
    regio_buf_free(&b);
}

static regio_err import_records(regio_store *s, const char *path, regio_entity ent,
                                const regio_import_opts *opts, regio_import_summary *sum,
                                regio_error *err)
{
    static const regio_import_opts defaults;
    regio_import_summary local;
    if (!sum)
        sum = &local;
    memset(sum, 0, sizeof *sum);
    if (!opts)
        opts = &defaults;
    regio_error_clear(err);
    rec_ctx c = {path, ent, opts, NULL, NULL, NULL, sum, NULL, NULL, NULL, 0, 0};
    if (opts->gazetteer && opts->default_country &&
        !regio_country_code(opts->gazetteer, opts->default_country))
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "the default country '%s' is no country the gazetteer knows "
                                "(an ISO code such as US, or a name)",
                                opts->default_country);
    regio_err rc = regio__table_open(path, opts->sep, &c.t, err);
    if (rc)
        return rc;
    rc = regio_header_map_build(ent, regio__table_header(c.t), regio__table_ncols(c.t),
                                opts->maps, opts->n_maps, &c.map, err);
    if (rc) {
        regio__error_set_file(err, path, 1);
        regio__table_close(c.t);
        return rc;
    }
    c.ids = regio_strmap_create(1024);
    if (!c.ids) {
        rc = REGIO_ENOMEM;
        goto done;
    }
    if ((rc = open_rejects(&c, err)))
        goto done;
    if ((rc = regio_store_begin(s, err)))
        goto done;
    for (;;) {
        int has = 0;
        rc = regio__table_next(c.t, &has, err);
        if (rc) {
            regio__error_set_file(err, path, 0);
            break;
        }
        if (!has)
            break;
        sum->rows++;
        regio_error row_err;
        regio_error_clear(&row_err);
        rc = one_row(&c, s, &row_err);
        if (rc == REGIO_EDATA && opts->skip_invalid) {
            sum->rejected++;
            write_reject(&c, &row_err);
            rc = REGIO_OK;
            continue;
        }
        if (rc) {
            if (err)
                *err = row_err;
            break;
        }
    }
    if (!rc && c.n_reps)
        rc = write_reps(&c, s, err);
    if (!rc && ent == REGIO_ENTITY_ACCOUNT) {
        regio_locate_summary ls;
        rc = regio_assign_locate_accounts(s, NULL, &ls, err);
        sum->located = ls.inside + ls.nearest;
    }
    if (!rc && !opts->dry_run) {
        char detail[256];
        snprintf(detail, sizeof detail,
                 "{\"rows\":%zu,\"added\":%zu,\"updated\":%zu,\"unchanged\":%zu,\"rejected\":%zu}",
                 sum->rows, sum->added, sum->updated, sum->unchanged, sum->rejected);
        rc = regio_store_audit_append(s, opts->actor ? opts->actor : "cli",
                                      ent == REGIO_ENTITY_ACCOUNT ? "import.accounts"
                                                                  : "import.reps",
                                      "file", path, NULL, detail, err);
    }
    if (!rc && !opts->dry_run)
        rc = regio_store_commit(s, err);
    else
        regio_store_rollback(s, NULL);
done:
    if (rc == REGIO_ENOMEM)
        regio__file_error(err, REGIO_ENOMEM, path, "out of memory");
    if (c.rejects_out) {
        /* The rejects file lands with the import (or its dry run), and not
         * when the import failed. */
        if (rc)
            regio_output_discard(c.rejects_out);
        else
            rc = regio_output_commit(c.rejects_out, err);
    }
    for (size_t i = 0; i < c.n_reps; i++)
        regio_rep_clear(&c.reps[i]);
    regio_free(c.reps);
    regio_strmap_destroy(c.ids);
    regio_header_map_destroy(c.map);
    regio__table_close(c.t);
    return rc;
}

regio_err regio_import_accounts(regio_store *s, const char *path, const regio_import_opts *opts,
                                regio_import_summary *sum, regio_error *err)
{
    return import_records(s, path, REGIO_ENTITY_ACCOUNT, opts, sum, err);
}

regio_err regio_import_reps(regio_store *s, const char *path, const regio_import_opts *opts,
                            regio_import_summary *sum, regio_error *err)
{
    return import_records(s, path, REGIO_ENTITY_REP, opts, sum, err);
}
