/*
 * Files of the call-cycle planner: reads the accounts and reps CSV files
 * (through the CSV reader and the header mapping, never by hand) and
 * writes the plan CSV, the routes GeoJSON, the report JSON and the
 * per-account workload CSV, each through regio_output_write (a regular
 * file atomically; "-" is standard output).
 */
#include "plan/plan_internal.h"

#include "regio/buf.h"
#include "regio/strmap.h"
#include "regio/csv.h"
#include "regio/fields.h"
#include "regio/format.h"
#include "regio/output.h"
#include "core/error.h"
#include "core/grow.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ferr(err, code, file, line, col, field, ...)                           \
    regio__error_column((err), (col),                                          \
                        regio_error_setf((err), (code), (file), (line), (field), __VA_ARGS__))

/* Header comparison: case, spaces, '_', '-' and '.' ignored. */
static void norm(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    if (!s)
        s = "";
    if ((unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF)
        s += 3;
    for (; *s && n + 1 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if (isspace(ch) || ch == '_' || ch == '-' || ch == '.')
            continue;
        out[n++] = (char)tolower(ch);
    }
    out[n] = '\0';
}

static long find_header(const char *const *h, size_t n, const char *name)
{
    char a[256], b[256];
    norm(name, a, sizeof a);
    for (size_t i = 0; i < n; i++) {
        norm(h[i], b, sizeof b);
        if (!strcmp(a, b))
            return (long)i;
    }
    return -1;
}

static const char *cell(const regio_csv *c, long col)
{
    if (col < 0)
        return NULL;
    const char *v = regio_csv_field(c, (size_t)col);
    return v ? v : "";
}

static int blank(const char *s)
{
    if (!s)
        return 1;
    while (*s && isspace((unsigned char)*s))
        s++;
    return *s == '\0';
}

static regio_err keep_id(regio_plan_data *d, const char *id, const char **out)
{
    if (d->n_ids_ % 64 == 0) {
        char **nv = regio_realloc(d->ids_, (d->n_ids_ + 64) * sizeof *nv);
        if (!nv)
            return REGIO_ENOMEM;
        d->ids_ = nv;
    }
    char *s = regio_strdup(id);
    if (!s)
        return REGIO_ENOMEM;
    d->ids_[d->n_ids_++] = s;
    *out = s;
    return REGIO_OK;
}

typedef struct col_spec {
    const char *path;
    const regio_csv *c;
    long line;
} col_spec;

static regio_err num_cell(const col_spec *cs, long col, const char *field, double *out,
                          int *present, regio_error *err)
{
    const char *v = cell(cs->c, col);
    *present = 0;
    if (col < 0 || blank(v))
        return REGIO_OK;
    if (regio_parse_number(v, out) != REGIO_OK)
        return ferr(err, REGIO_EPARSE, cs->path, cs->line, col + 1, field,
                    "'%s' is not a number", v);
    *present = 1;
    return REGIO_OK;
}

static regio_err time_cell(const col_spec *cs, long col, const char *field, double *out,
                           int *present, regio_error *err)
{
    const char *v = cell(cs->c, col);
    *present = 0;
    if (col < 0 || blank(v))
        return REGIO_OK;
    int minutes;
    if (regio_parse_hhmm(v, &minutes) != REGIO_OK)
        return ferr(err, REGIO_EPARSE, cs->path, cs->line, col + 1, field,
                    "'%s' is not a clock time HH:MM", v);
    *out = minutes * 60.0;
    *present = 1;
    return REGIO_OK;
}

static regio_err days_cell(const col_spec *cs, long col, const char *field, int n_days,
                           int week_len, regio_plan_dayset *out, regio_error *err)
{
    const char *v = cell(cs->c, col);
    if (col < 0 || blank(v))
        return REGIO_OK;
    regio_error e;
    regio_error_clear(&e);
    if (regio_plan_days_parse(v, n_days, week_len, out, &e) != REGIO_OK)
        return ferr(err, REGIO_EPARSE, cs->path, cs->line, col + 1, field, "%s", e.msg);
    return REGIO_OK;
}

/* Room for element n of the array at pv (capacity *cap), new slots zeroed. */
static regio_err grow(void *pv, size_t n, size_t *cap, size_t elem)
{
    size_t old = *cap;
    if (regio__grow(pv, cap, n + 1, elem))
        return REGIO_ENOMEM;
    if (*cap > old) {
        char *v;
        memcpy(&v, pv, sizeof v);
        memset(v + old * elem, 0, (*cap - old) * elem);
    }
    return REGIO_OK;
}

static regio_err open_with_map(const char *path, regio_entity ent, regio_csv **c,
                               regio_header_map **map, regio_error *err)
{
    regio_err rc = regio_csv_open(path, NULL, c, err);
    if (rc)
        return rc;
    int has = 0;
    if ((rc = regio_csv_next(*c, &has, err)))
        return rc;
    if (!has)
        return ferr(err, REGIO_EDATA, path, 1, 0, "", "the file is empty (no header row)");
    rc = regio_header_map_build(ent, regio_csv_fields(*c), regio_csv_nfields(*c), NULL, 0, map,
                                err);
    if (rc && err && !err->file[0])
        snprintf(err->file, sizeof err->file, "%s", path);
    if (rc && err && !err->line)
        err->line = 1;
    return rc;
}

static regio_err load_reps(const char *path, const regio_plan_load_opts *o, regio_plan_data *d,
                           regio_strmap *by_id, regio_error *err)
{
    regio_csv *c = NULL;
    regio_header_map *map = NULL;
    regio_err rc = open_with_map(path, REGIO_ENTITY_REP, &c, &map, err);
    size_t cap = 0;
    if (rc)
        goto done;
    long cid = regio_header_map_column_of(map, REGIO_F_ID);
    long clat = regio_header_map_column_of(map, REGIO_F_LAT);
    long clon = regio_header_map_column_of(map, REGIO_F_LON);
    long cds = regio_header_map_column_of(map, REGIO_F_DAY_START);
    long cde = regio_header_map_column_of(map, REGIO_F_DAY_END);
    long coff = find_header(regio_csv_fields(c), regio_csv_nfields(c), "days_off");
    if (clat < 0 || clon < 0) {
        rc = ferr(err, REGIO_EDATA, path, 1, 0, clat < 0 ? "lat" : "lon",
                  "reps need a home: columns id,lat,lon (missing '%s')", clat < 0 ? "lat" : "lon");
        goto done;
    }
    for (;;) {
        int has = 0;
        if ((rc = regio_csv_next(c, &has, err)) || !has)
            break;
        col_spec cs = {path, c, regio_csv_line(c)};
        if ((rc = grow(&d->reps, d->n_reps, &cap, sizeof *d->reps)))
            break;
        regio_plan_rep *r = &d->reps[d->n_reps];
        memset(r, 0, sizeof *r);
        const char *id = cell(c, cid);
        if (blank(id)) {
            rc = ferr(err, REGIO_EDATA, path, cs.line, cid + 1, "id", "a rep needs an id");
            break;
        }
        int found = 0, pr;
        long old;
        if ((rc = regio_strmap_put(by_id, id, (long)d->n_reps, &found, &old)))
            break;
        if (found) {
            rc = ferr(err, REGIO_ECONFLICT, path, cs.line, cid + 1, "id", "rep '%s' is listed twice",
                      id);
            break;
        }
        if ((rc = keep_id(d, id, &r->id)))
            break;
        if ((rc = num_cell(&cs, clat, "lat", &r->lat, &pr, err)))
            break;
        if (!pr || fabs(r->lat) > 90) {
            rc = ferr(err, REGIO_EDATA, path, cs.line, clat + 1, "lat",
                      "rep '%s' needs a latitude within -90..90", id);
            break;
        }
        if ((rc = num_cell(&cs, clon, "lon", &r->lon, &pr, err)))
            break;
        if (!pr || fabs(r->lon) > 180) {
            rc = ferr(err, REGIO_EDATA, path, cs.line, clon + 1, "lon",
                      "rep '%s' needs a longitude within -180..180", id);
            break;
        }
        r->day_start_s = 8 * 3600;
        r->day_end_s = 17 * 3600;
        if ((rc = time_cell(&cs, cds, "day_start", &r->day_start_s, &pr, err)) ||
            (rc = time_cell(&cs, cde, "day_end", &r->day_end_s, &pr, err)))
            break;
        if (!(r->day_end_s > r->day_start_s)) {
            rc = ferr(err, REGIO_EDATA, path, cs.line, (cde >= 0 ? cde : cds) + 1, "day_end",
                      "rep '%s' ends the day before it starts", id);
            break;
        }
        if ((rc = days_cell(&cs, coff, "days_off", o->n_days, o->week_len, &r->days_off, err)))
            break;
        d->n_reps++;
    }
done:
    regio_header_map_destroy(map);
    regio_csv_close(c);
    return rc;
}

/* "A=4,B=2,C=1" -> map segment -> frequency. */
static regio_err parse_freq_map(const char *s, int n_days, regio_strmap *m, regio_error *err)
{
    const char *p = s;
    while (*p) {
        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        const char *eq = strchr(p, '=');
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        if (!eq || eq > end || eq == p)
            return ferr(err, REGIO_EINVAL, "", 0, 0, "frequency-map",
                        "--frequency-map wants SEGMENT=VISITS[,...], e.g. A=4,B=2,C=1");
        char key[128], val[32];
        snprintf(key, sizeof key, "%.*s", (int)(eq - p), p);
        snprintf(val, sizeof val, "%.*s", (int)(end - eq - 1), eq + 1);
        double v;
        if (regio_parse_number(val, &v) || v < 0 || v != floor(v) || v > n_days)
            return ferr(err, REGIO_EINVAL, "", 0, 0, "frequency-map",
                        "--frequency-map: '%s' needs a whole number of visits within 0..%d",
                        key, n_days);
        char nk[128];
        size_t n = 0;
        for (const char *q = key; *q && n + 1 < sizeof nk; q++)
            if (!isspace((unsigned char)*q))
                nk[n++] = *q;
        nk[n] = '\0';
        int found;
        long old;
        regio_err rc = regio_strmap_put(m, nk, (long)v, &found, &old);
        if (rc)
            return rc;
        p = end;
    }
    return REGIO_OK;
}

static regio_err load_accounts(const char *path, const regio_plan_load_opts *o,
                               regio_plan_data *d, regio_strmap *reps, regio_error *err)
{
    regio_csv *c = NULL;
    regio_header_map *map = NULL;
    regio_strmap *fmap = NULL, *seen = regio_strmap_create(1024);
    regio_err rc = seen ? open_with_map(path, REGIO_ENTITY_ACCOUNT, &c, &map, err) : REGIO_ENOMEM;
    size_t cap = 0;
    if (rc)
        goto done;
    const char *const *h = regio_csv_fields(c);
    size_t nh = regio_csv_nfields(c);
    long cid = regio_header_map_column_of(map, REGIO_F_ID);
    long clat = regio_header_map_column_of(map, REGIO_F_LAT);
    long clon = regio_header_map_column_of(map, REGIO_F_LON);
    long crep = regio_header_map_column_of(map, REGIO_F_OWNER);
    const char *missing = clat < 0 ? "lat" : clon < 0 ? "lon" : NULL;
    if (missing) {
        rc = ferr(err, REGIO_EDATA, path, 1, 0, missing,
                  "accounts need columns id,lat,lon (and rep or owner; missing '%s')", missing);
        goto done;
    }
    /* Accounts without a rep of their own (Regio's own exports leave the
     * owner empty) go to the rep given, else to the reps file's only rep. */
    long dflt_rep = -1;
    if (o->default_rep) {
        if ((dflt_rep = regio_strmap_get(reps, o->default_rep)) < 0) {
            rc = ferr(err, REGIO_ENOTFOUND, "", 0, 0, "", "rep '%s' is not in the reps file",
                      o->default_rep);
            goto done;
        }
    } else if (d->n_reps == 1) {
        dflt_rep = 0;
    }
    long cfreq = -1, cseg = -1, cvpy = -1;
    const char *fname = o->frequency_col ? o->frequency_col : "frequency";
    const char *sname = o->segment_col ? o->segment_col : "segment";
    if (o->frequency_map) {
        cseg = find_header(h, nh, sname);
        if (cseg < 0 && !o->segment_col)
            cseg = regio_header_map_column_of(map, REGIO_F_SEGMENT);
        if (cseg < 0) {
            rc = ferr(err, REGIO_EDATA, path, 1, 0, sname, "no segment column '%s'", sname);
            goto done;
        }
        if (!(fmap = regio_strmap_create(16))) {
            rc = REGIO_ENOMEM;
            goto done;
        }
        if ((rc = parse_freq_map(o->frequency_map, o->n_days, fmap, err)))
            goto done;
    } else {
        cfreq = find_header(h, nh, fname);
        /* Without a frequency column (Regio's own exports): visits_per_year
         * scaled to the cycle, else one visit per cycle -- as from the store. */
        if (cfreq < 0 && !o->frequency_col)
            cvpy = find_header(h, nh, "visits_per_year");
        if (cfreq < 0 && o->frequency_col) {
            rc = ferr(err, REGIO_EDATA, path, 1, 0, fname,
                      "no frequency column '%s' (give --frequency COL, or --segment COL with "
                      "--frequency-map)",
                      fname);
            goto done;
        }
    }
    const char *cmname = o->call_minutes_col ? o->call_minutes_col : "call_minutes";
    long ccall = find_header(h, nh, cmname);
    if (ccall < 0 && o->call_minutes_col) {
        rc = ferr(err, REGIO_EDATA, path, 1, 0, cmname, "no call minutes column '%s'", cmname);
        goto done;
    }
    long ctws = find_header(h, nh, "tw_start"), ctwe = find_header(h, nh, "tw_end");
    long cclosed = find_header(h, nh, "closed_days");
    double def_call = o->call_minutes > 0 ? o->call_minutes : 30.0;
    for (;;) {
        int has = 0;
        if ((rc = regio_csv_next(c, &has, err)) || !has)
            break;
        col_spec cs = {path, c, regio_csv_line(c)};
        if ((rc = grow(&d->accounts, d->n_accounts, &cap, sizeof *d->accounts)))
            break;
        regio_plan_account *a = &d->accounts[d->n_accounts];
        memset(a, 0, sizeof *a);
        const char *id = cell(c, cid);
        if (blank(id)) {
            rc = ferr(err, REGIO_EDATA, path, cs.line, cid + 1, "id", "an account needs an id");
            break;
        }
        int found = 0, pr;
        long old;
        if ((rc = regio_strmap_put(seen, id, 1, &found, &old)))
            break;
        if (found) {
            rc = ferr(err, REGIO_ECONFLICT, path, cs.line, cid + 1, "id",
                      "account '%s' is listed twice", id);
            break;
        }
        if ((rc = keep_id(d, id, &a->id)))
            break;
        if ((rc = num_cell(&cs, clat, "lat", &a->lat, &pr, err)))
            break;
        if (!pr || fabs(a->lat) > 90) {
            rc = ferr(err, REGIO_EDATA, path, cs.line, clat + 1, "lat",
                      "account '%s' needs a latitude within -90..90", id);
            break;
        }
        if ((rc = num_cell(&cs, clon, "lon", &a->lon, &pr, err)))
            break;
        if (!pr || fabs(a->lon) > 180) {
            rc = ferr(err, REGIO_EDATA, path, cs.line, clon + 1, "lon",
                      "account '%s' needs a longitude within -180..180", id);
            break;
        }
        const char *rid = cell(c, crep);
        long ri = blank(rid) ? dflt_rep : regio_strmap_get(reps, rid);
        if (ri < 0 && blank(rid)) {
            rc = ferr(err, REGIO_EDATA, path, cs.line, crep >= 0 ? crep + 1 : 0, "rep",
                      "account '%s' has no rep: give --rep ID (one of the %zu reps of the "
                      "reps file) or fill its rep (owner) column",
                      id, d->n_reps);
            break;
        }
        if (ri < 0) {
            rc = ferr(err, REGIO_ENOTFOUND, path, cs.line, crep + 1, "rep",
                      "account '%s': rep '%s' is not in the reps file", id, rid);
            break;
        }
        a->rep = (int)ri;
        double f = 0;
        if (fmap) {
            const char *seg = cell(c, cseg);
            char nk[128];
            size_t n = 0;
            for (const char *q = seg; *q && n + 1 < sizeof nk; q++)
                if (!isspace((unsigned char)*q))
                    nk[n++] = *q;
            nk[n] = '\0';
            long v = regio_strmap_get(fmap, nk);
            if (v < 0) {
                rc = ferr(err, REGIO_EDATA, path, cs.line, cseg + 1, sname,
                          "account '%s': segment '%s' is not in --frequency-map", id, seg);
                break;
            }
            f = (double)v;
        } else if (cfreq < 0) {
            double vpy = 0;
            if (cvpy >= 0 && (rc = num_cell(&cs, cvpy, "visits_per_year", &vpy, &pr, err)))
                break;
            f = cvpy < 0 || !pr ? 1 : vpy < 0 ? -1 : regio__plan_visits_per_cycle(vpy, o->n_days);
            if (f < 0) {
                rc = ferr(err, REGIO_EDATA, path, cs.line, cvpy + 1, "visits_per_year",
                          "account '%s': visits_per_year must be >= 0", id);
                break;
            }
        } else {
            if ((rc = num_cell(&cs, cfreq, fname, &f, &pr, err)))
                break;
            if (!pr)
                f = 0;
            if (f < 0 || f != floor(f)) {
                rc = ferr(err, REGIO_EDATA, path, cs.line, cfreq + 1, fname,
                          "account '%s': frequency must be a whole number >= 0", id);
                break;
            }
            if (f > o->n_days) {
                char g[32];
                rc = ferr(err, REGIO_EDATA, path, cs.line, cfreq + 1, fname,
                          "account '%s': frequency %s is above the %d days of the cycle", id,
                          regio_format_g15(f, g), o->n_days);
                break;
            }
        }
        a->frequency = (int)f;
        double cm = def_call;
        if ((rc = num_cell(&cs, ccall, cmname, &cm, &pr, err)))
            break;
        if (!pr)
            cm = def_call;
        if (cm < 0) {
            rc = ferr(err, REGIO_EDATA, path, cs.line, ccall + 1, cmname,
                      "account '%s': call minutes must be >= 0", id);
            break;
        }
        a->call_s = cm * 60;
        int p1, p2;
        if ((rc = time_cell(&cs, ctws, "tw_start", &a->tw_start_s, &p1, err)) ||
            (rc = time_cell(&cs, ctwe, "tw_end", &a->tw_end_s, &p2, err)))
            break;
        if (p1 || p2) {
            a->has_window = 1;
            if (!p1)
                a->tw_start_s = 0;
            if (!p2)
                a->tw_end_s = 24 * 3600;
            if (a->tw_end_s < a->tw_start_s) {
                rc = ferr(err, REGIO_EDATA, path, cs.line, ctwe + 1, "tw_end",
                          "account '%s': the time window ends before it starts", id);
                break;
            }
        }
        if ((rc = days_cell(&cs, cclosed, "closed_days", o->n_days, o->week_len, &a->closed_days,
                            err)))
            break;
        d->n_accounts++;
    }
done:
    regio_strmap_destroy(fmap);
    regio_strmap_destroy(seen);
    regio_header_map_destroy(map);
    regio_csv_close(c);
    return rc;
}

regio_err regio_plan_load(const char *accounts_path, const char *reps_path,
                          const regio_plan_load_opts *opts, regio_plan_data **out,
                          regio_error *err)
{
    if (!accounts_path || !reps_path || !opts || !out)
        return ferr(err, REGIO_EINVAL, "", 0, 0, "", "plan load: NULL argument");
    *out = NULL;
    if (opts->n_days < 1 || opts->n_days > REGIO_PLAN_MAX_DAYS)
        return ferr(err, REGIO_EINVAL, "", 0, 0, "days", "the cycle needs 1..%d working days",
                    REGIO_PLAN_MAX_DAYS);
    regio_plan_data *d = regio_calloc(1, sizeof *d);
    regio_strmap *reps = regio_strmap_create(64);
    regio_err rc = (!d || !reps) ? REGIO_ENOMEM : REGIO_OK;
    if (!rc)
        rc = load_reps(reps_path, opts, d, reps, err);
    if (!rc && d->n_reps == 0)
        rc = ferr(err, REGIO_EDATA, reps_path, 0, 0, "", "the reps file lists no rep");
    if (!rc)
        rc = load_accounts(accounts_path, opts, d, reps, err);
    regio_strmap_destroy(reps);
    if (rc) {
        if (rc == REGIO_ENOMEM)
            ferr(err, rc, "", 0, 0, "", "out of memory");
        regio_plan_data_destroy(d);
        return rc;
    }
    *out = d;
    return REGIO_OK;
}

void regio_plan_data_destroy(regio_plan_data *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_ids_; i++)
        regio_free(d->ids_[i]);
    regio_free(d->ids_);
    regio_free(d->reps);
    regio_free(d->accounts);
    regio_free(d);
}

/* ---- writers ------------------------------------------------------------- */

static void hms(double s, char *out, size_t cap)
{
    double r = floor(s + 0.5);
    int t = r < 0 ? 0 : r > 359999 ? 359999 : (int)r;
    unsigned h = (unsigned)(t / 3600) % 100u, m = (unsigned)(t / 60) % 60u, sec = (unsigned)t % 60u;
    snprintf(out, cap, "%02u:%02u:%02u", h, m, sec);
}

static int match(const regio_plan_result *r, const regio_plan_data *d)
{
    return r && d && r->n_reps == d->n_reps && r->n_accounts == d->n_accounts;
}

regio_err regio_plan_write_csv(const regio_plan_result *r, const regio_plan_data *d,
                               const char *path, regio_error *err)
{
    if (!match(r, d) || !path)
        return ferr(err, REGIO_EINVAL, "", 0, 0, "", "plan and data do not match");
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc = regio_buf_printf(&b, "rep,day,seq,account_id,arrival,departure%s%s\n",
                                    d->start[0] ? ",date" : "",
                                    r->nights ? ",night,hotel_lat,hotel_lon" : "");
    for (size_t i = 0; !rc && i < r->n_reps * (size_t)r->n_days; i++) {
        const regio_plan_day *pd = &r->days[i];
        for (int k = 0; !rc && k < pd->n_visits; k++) {
            char a[32], dp[32];
            hms(pd->visits[k].arrival_s, a, sizeof a);
            hms(pd->visits[k].departure_s, dp, sizeof dp);
            rc = regio_buf_csv_field(&b, d->reps[pd->rep].id, ',');
            if (!rc)
                rc = regio_buf_printf(&b, ",%d,%d,", pd->day, k + 1);
            if (!rc)
                rc = regio_buf_csv_field(&b, d->accounts[pd->visits[k].account].id, ',');
            char date[11] = "";
            if (d->start[0])
                regio_plan_day_date(d->start, pd->day, date);
            if (!rc)
                rc = regio_buf_printf(&b, ",%s,%s%s%s", a, dp, date[0] ? "," : "", date);
            /* with nights: whether the day ends at a hotel, and where */
            if (!rc && r->nights)
                rc = pd->night ? regio_buf_printf(&b, ",1,%.7f,%.7f", pd->night_lat, pd->night_lon)
                               : regio_buf_puts(&b, ",0,,");
            if (!rc)
                rc = regio_buf_putc(&b, '\n');
        }
    }
    if (!rc)
        rc = regio_output_write(path, b.data, b.len, err);
    regio_buf_free(&b);
    return rc;
}

regio_err regio_plan_write_geojson(const regio_plan_result *r, const regio_plan_data *d,
                                   const char *path, regio_error *err)
{
    if (!match(r, d) || !path)
        return ferr(err, REGIO_EINVAL, "", 0, 0, "", "plan and data do not match");
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc = regio_buf_puts(&b, "{\"type\":\"FeatureCollection\",\"features\":[");
    int first = 1;
    for (size_t i = 0; !rc && i < r->n_reps * (size_t)r->n_days; i++) {
        const regio_plan_day *pd = &r->days[i];
        if (pd->n_visits == 0)
            continue;
        const regio_plan_rep *rp = &d->reps[pd->rep];
        char s0[32], s1[32];
        hms(pd->start_s, s0, sizeof s0);
        hms(pd->end_s, s1, sizeof s1);
        rc = regio_buf_puts(&b, first ? "\n" : ",\n");
        first = 0;
        if (!rc)
            rc = regio_buf_puts(&b, "{\"type\":\"Feature\",\"properties\":{\"rep\":");
        if (!rc)
            rc = regio_buf_json_str(&b, rp->id);
        if (!rc)
            rc = regio_buf_printf(&b,
                                   ",\"day\":%d,\"visits\":%d,\"travel_km\":%.3f,\"travel_h\":%.4f,"
                                   "\"workload_h\":%.4f,\"start\":\"%s\",\"end\":\"%s\"},"
                                   "\"geometry\":{\"type\":\"LineString\",\"coordinates\":[",
                                   pd->day, pd->n_visits, pd->travel_km, pd->travel_s / 3600,
                                   (pd->travel_s + pd->call_s) / 3600, s0, s1);
        /* a day starts at home or last night's hotel, ends at home or a hotel */
        const regio_plan_day *prev = pd->day > 1 ? pd - 1 : NULL;
        int away = prev && prev->night;
        if (!rc)
            rc = regio_buf_printf(&b, "[%.7f,%.7f]", away ? prev->night_lon : rp->lon,
                                   away ? prev->night_lat : rp->lat);
        for (int k = 0; !rc && k < pd->n_visits; k++) {
            const regio_plan_account *a = &d->accounts[pd->visits[k].account];
            rc = regio_buf_printf(&b, ",[%.7f,%.7f]", a->lon, a->lat);
        }
        if (!rc)
            rc = regio_buf_printf(&b, ",[%.7f,%.7f]]}}", pd->night ? pd->night_lon : rp->lon,
                                   pd->night ? pd->night_lat : rp->lat);
    }
    /* the nights: a point per hotel, after the day it ends */
    for (size_t i = 0; !rc && i < r->n_reps * (size_t)r->n_days; i++) {
        const regio_plan_day *pd = &r->days[i];
        if (!pd->night)
            continue;
        rc = regio_buf_puts(&b, first ? "\n" : ",\n");
        first = 0;
        if (!rc)
            rc = regio_buf_puts(&b, "{\"type\":\"Feature\",\"properties\":{\"kind\":\"hotel\",\"rep\":");
        if (!rc)
            rc = regio_buf_json_str(&b, d->reps[pd->rep].id);
        if (!rc)
            rc = regio_buf_printf(&b,
                                   ",\"night_after_day\":%d},\"geometry\":{\"type\":\"Point\","
                                   "\"coordinates\":[%.7f,%.7f]}}",
                                   pd->day, pd->night_lon, pd->night_lat);
    }
    if (!rc)
        rc = regio_buf_puts(&b, "\n]}\n");
    if (!rc)
        rc = regio_output_write(path, b.data, b.len, err);
    regio_buf_free(&b);
    return rc;
}

static regio_err num(regio_buf *b, double v)
{
    return regio_buf_num(b, isfinite(v) ? floor(v * 1e4 + 0.5) / 1e4 : v);
}

regio_err regio_plan_write_report(const regio_plan_result *r, const regio_plan_data *d,
                                  const char *path, regio_error *err)
{
    if (!match(r, d) || !path)
        return ferr(err, REGIO_EINVAL, "", 0, 0, "", "plan and data do not match");
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc = regio_buf_printf(
        &b, "{\n\"days\":%d,\n\"visits_required\":%ld,\n\"visits_scheduled\":%ld,\n\"coverage\":",
        r->n_days, r->visits_required, r->visits_scheduled);
#define N_(v) (rc = rc ? rc : num(&b, (v)))
#define P_(...) (rc = rc ? rc : regio_buf_printf(&b, __VA_ARGS__))
    N_(r->coverage);
    P_(",\n\"spacing\":{\"min\":");
    N_(r->spacing_min);
    P_(",\"max\":");
    N_(r->spacing_max);
    P_("},\n\"overtime_days\":%d,\n\"overtime_min\":", r->overtime_days);
    N_(r->overtime_min);
    P_(",\n\"travel_km\":");
    N_(r->travel_km);
    P_(",\n\"travel_h\":");
    N_(r->travel_h);
    P_(",\n\"call_h\":");
    N_(r->call_h);
    P_(",\n\"workload_h\":");
    N_(r->workload_h);
    P_(",\n\"seconds\":");
    N_(r->seconds);
    if (r->nights) { /* overnight trips: the nights and what they cost */
        P_(",\n\"nights\":%d,\n\"hotel_cost\":", r->nights);
        N_(r->hotel_cost);
        P_(",\n\"travel_cost\":");
        N_(r->travel_cost);
    }
    P_(",\n\"reps\":[");
    for (size_t i = 0; !rc && i < r->n_reps; i++) {
        const regio_plan_rep_stats *s = &r->reps[i];
        P_("%s\n {\"rep\":", i ? "," : "");
        if (!rc)
            rc = regio_buf_json_str(&b, d->reps[i].id);
        P_(",\"visits_required\":%d,\"visits_scheduled\":%d,\"working_days\":%d,\"travel_km\":",
           s->required, s->scheduled, s->working_days);
        N_(s->travel_km);
        P_(",\"travel_h\":");
        N_(s->travel_h);
        P_(",\"call_h\":");
        N_(s->call_h);
        P_(",\"workload_h\":");
        N_(s->workload_h);
        P_(",\"overtime_days\":%d,\"overtime_min\":", s->overtime_days);
        N_(s->overtime_min);
        if (r->nights)
            P_(",\"nights\":%d", s->nights);
        P_(",\"days\":[");
        for (int k = 0; !rc && k < r->n_days; k++) {
            const regio_plan_day *pd = &r->days[i * (size_t)r->n_days + (size_t)k];
            char s0[32], s1[32];
            hms(pd->start_s, s0, sizeof s0);
            hms(pd->end_s, s1, sizeof s1);
            P_("%s\n  {\"day\":%d,\"off\":%s,\"visits\":%d,\"start\":\"%s\",\"end\":\"%s\","
               "\"travel_km\":",
               k ? "," : "", pd->day, pd->off ? "true" : "false", pd->n_visits, s0, s1);
            N_(pd->travel_km);
            P_(",\"travel_h\":");
            N_(pd->travel_s / 3600);
            P_(",\"call_h\":");
            N_(pd->call_s / 3600);
            P_(",\"wait_h\":");
            N_(pd->wait_s / 3600);
            P_(",\"workload_h\":");
            N_((pd->travel_s + pd->call_s) / 3600);
            P_(",\"overtime_min\":");
            N_(pd->overtime_s / 60);
            if (r->nights) {
                const regio_plan_day *pv = k ? pd - 1 : NULL;
                P_(",\"starts_at\":\"%s\",\"night\":", pv && pv->night ? "hotel" : "home");
                if (pd->night) {
                    P_("{\"lat\":");
                    N_(pd->night_lat);
                    P_(",\"lon\":");
                    N_(pd->night_lon);
                    P_("}");
                } else {
                    P_("null");
                }
            }
            P_("}");
        }
        P_("]}");
    }
    P_("\n],\n\"accounts\":[");
    for (size_t i = 0; !rc && i < r->n_accounts; i++) {
        const regio_plan_account_stats *s = &r->accounts[i];
        P_("%s\n {\"id\":", i ? "," : "");
        if (!rc)
            rc = regio_buf_json_str(&b, d->accounts[i].id);
        P_(",\"frequency\":%d,\"scheduled\":%d,\"spacing_min\":", s->required, s->scheduled);
        N_(s->spacing_min);
        P_(",\"spacing_max\":");
        N_(s->spacing_max);
        P_(",\"workload_h\":");
        N_(s->workload_h);
        P_("}");
    }
    P_("\n],\n\"unplaced\":[");
    for (size_t i = 0; !rc && i < r->n_unplaced; i++) {
        const regio_plan_unplaced *u = &r->unplaced[i];
        P_("%s\n {\"id\":", i ? "," : "");
        if (!rc)
            rc = regio_buf_json_str(&b, d->accounts[u->account].id);
        P_(",\"day\":%d,\"reason\":\"%s\",\"text\":", u->day, regio_plan_reason_name(u->reason));
        if (!rc)
            rc = regio_buf_json_str(&b, u->text);
        P_("}");
    }
    P_("\n]\n}\n");
#undef N_
#undef P_
    if (!rc)
        rc = regio_output_write(path, b.data, b.len, err);
    regio_buf_free(&b);
    return rc;
}

regio_err regio_plan_write_workload(const regio_plan_result *r, const regio_plan_data *d,
                                    const char *path, regio_error *err)
{
    if (!match(r, d) || !path)
        return ferr(err, REGIO_EINVAL, "", 0, 0, "", "plan and data do not match");
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc = regio_buf_puts(&b, "id,lat,lon,workload\n");
    for (size_t i = 0; !rc && i < r->n_accounts; i++) {
        const regio_plan_account *a = &d->accounts[i];
        rc = regio_buf_csv_field(&b, a->id, ',');
        if (!rc)
            rc = regio_buf_printf(&b, ",%.7f,%.7f,%.4f\n", a->lat, a->lon,
                                   r->accounts[i].workload_h);
    }
    if (!rc)
        rc = regio_output_write(path, b.data, b.len, err);
    regio_buf_free(&b);
    return rc;
}
