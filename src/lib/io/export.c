/*
 * Exports of accounts, reps, units, adjacency and alignments as CSV (headers
 * are the canonical import names, numbers in shortest round-trip form) or
 * GeoJSON (WGS84, geometry through OGR), and of a model's territories
 * (loaded here from the store, rendered by export_territories.c). File
 * exports go through the one output helper (regio/output.h).
 */
#include "io/export_internal.h"

#include "regio/buf.h"
#include "io/record_desc.h"
#include "core/grow.h"
#include "regio/strmap.h"
#include "regio/fields.h"
#include "regio/model.h"
#include "regio/output.h"

#include <ogr_api.h>
#include <cpl_conv.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

regio_err regio_export_what_parse(const char *s, regio_export_what *out)
{
    static const struct {
        const char *name;
        regio_export_what what;
    } names[] = {{"accounts", REGIO_EXPORT_ACCOUNTS}, {"reps", REGIO_EXPORT_REPS},
                 {"units", REGIO_EXPORT_UNITS},       {"adjacency", REGIO_EXPORT_ADJACENCY},
                 {"alignment", REGIO_EXPORT_ALIGNMENT},
                 {"territories", REGIO_EXPORT_TERRITORIES}};
    for (size_t i = 0; s && i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(s, names[i].name)) {
            *out = names[i].what;
            return REGIO_OK;
        }
    return REGIO_EINVAL;
}

regio_err regio_export_format_parse(const char *s, regio_export_format *out)
{
    if (s && !strcmp(s, "csv"))
        *out = REGIO_FORMAT_CSV;
    else if (s && (!strcmp(s, "geojson") || !strcmp(s, "json")))
        *out = REGIO_FORMAT_GEOJSON;
    else if (s && !strcmp(s, "kml"))
        *out = REGIO_FORMAT_KML;
    else if (s && (!strcmp(s, "shp") || !strcmp(s, "shapefile")))
        *out = REGIO_FORMAT_SHP;
    else
        return REGIO_EINVAL;
    return REGIO_OK;
}

/* ---- attribute key collection (first pass) ------------------------------ */

typedef struct keyset {
    char **keys;
    size_t n, cap;
} keyset;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static regio_err keyset_add_attrs(keyset *ks, const regio_attr *attrs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int seen = 0;
        for (size_t j = 0; j < ks->n && !seen; j++)
            seen = !strcmp(ks->keys[j], attrs[i].key);
        if (seen)
            continue;
        if (ks->n == ks->cap && regio__grow(&ks->keys, &ks->cap, ks->n + 1, sizeof *ks->keys))
            return REGIO_ENOMEM;
        if (!(ks->keys[ks->n] = regio_strdup(attrs[i].key)))
            return REGIO_ENOMEM;
        ks->n++;
    }
    return REGIO_OK;
}

static void keyset_free(keyset *ks)
{
    for (size_t i = 0; i < ks->n; i++)
        regio_free(ks->keys[i]);
    regio_free(ks->keys);
}

static int collect_account_keys(void *ud, const regio_account *a)
{
    return keyset_add_attrs(ud, a->attrs, a->n_attrs) != REGIO_OK;
}

static int collect_rep_keys(void *ud, const regio_rep *r)
{
    return keyset_add_attrs(ud, r->attrs, r->n_attrs) != REGIO_OK;
}

static int collect_unit_keys(void *ud, const regio_unit *u)
{
    return keyset_add_attrs(ud, u->attrs, u->n_attrs) != REGIO_OK;
}

/* ---- writing ------------------------------------------------------------- */

typedef struct writer {
    regio_export_format fmt;
    FILE *out;
    regio_buf b;
    keyset keys;
    size_t rows;
    regio_err rc; /* first error inside a callback */
    const regio_model_view *view; /* accounts: each one's territory in it */
    const char *terr_key;         /* ... under this name */
    regio_strmap *unit_terr;      /* alignment as GeoJSON: unit id -> terr index */
    char **terr;                  /* ... and the territory ids */
    size_t n_terr, cap_terr;
} writer;

/* The territory account a is in under view: its override (a leaf or a
 * parent), else its unit's territory; NULL when none. */
static const char *account_territory(const regio_model_view *v, const regio_account *a)
{
    int leaf = regio_model_view_account_leaf(v, a->id, a->unit_id);
    if (leaf >= 0)
        return v->territory[leaf];
    size_t lo = 0, hi = v->n_overrides; /* sorted by account id */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(v->overrides[mid].account, a->id);
        if (!c)
            return v->overrides[mid].territory;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static const char *geo_source_name(regio_geo_source g)
{
    switch (g) {
    case REGIO_GEO_INPUT: return "input";
    case REGIO_GEO_POSTAL: return "postal";
    case REGIO_GEO_CITY: return "city";
    default: return "";
    }
}

/* Appends one CSV cell (with its leading comma unless first). */
static regio_err csv_str(writer *w, const char *s, int first)
{
    regio_err rc = first ? REGIO_OK : regio_buf_putc(&w->b, ',');
    return rc ? rc : regio_buf_csv_field(&w->b, s ? s : "", ',');
}

static regio_err csv_num(writer *w, double v)
{
    regio_err rc = regio_buf_putc(&w->b, ',');
    if (!rc && !isnan(v))
        rc = regio_buf_num(&w->b, v);
    return rc;
}

static regio_err csv_attrs(writer *w, const regio_attr *attrs, size_t n)
{
    regio_err rc = REGIO_OK;
    for (size_t k = 0; k < w->keys.n && !rc; k++) {
        rc = regio_buf_putc(&w->b, ',');
        for (size_t i = 0; i < n && !rc; i++)
            if (!strcmp(attrs[i].key, w->keys.keys[k])) {
                rc = attrs[i].is_num ? regio_buf_num(&w->b, attrs[i].num)
                                     : regio_buf_csv_field(&w->b, attrs[i].text, ',');
                break;
            }
    }
    return rc;
}

/* JSON member helpers for GeoJSON properties: js_key writes the
 * separator and the quoted key, the others add their value. */
static regio_err js_key(writer *w, const char *key, int *first)
{
    regio_err rc = regio_buf_puts(&w->b, *first ? "" : ",");
    *first = 0;
    if (!rc)
        rc = regio_buf_json_str(&w->b, key);
    return rc ? rc : regio_buf_putc(&w->b, ':');
}

static regio_err js_str(writer *w, const char *key, const char *v, int *first)
{
    if (!v)
        return REGIO_OK;
    regio_err rc = js_key(w, key, first);
    return rc ? rc : regio_buf_json_str(&w->b, v);
}

static regio_err js_num(writer *w, const char *key, double v, int *first)
{
    if (isnan(v))
        return REGIO_OK;
    regio_err rc = js_key(w, key, first);
    return rc ? rc : regio_buf_num(&w->b, v);
}

static regio_err js_attrs(writer *w, const regio_attr *attrs, size_t n, int *first)
{
    regio_err rc = REGIO_OK;
    for (size_t i = 0; i < n && !rc; i++)
        rc = attrs[i].is_num ? js_num(w, attrs[i].key, attrs[i].num, first)
                             : js_str(w, attrs[i].key, attrs[i].text, first);
    return rc;
}

static regio_err js_feature_start(writer *w, double lat, double lon)
{
    regio_err rc = regio_buf_puts(&w->b, w->rows ? ",\n" : "\n");
    if (!rc)
        rc = regio_buf_puts(&w->b, "{\"type\":\"Feature\",\"geometry\":");
    if (rc)
        return rc;
    if (isnan(lat) || isnan(lon))
        rc = regio_buf_puts(&w->b, "null");
    else {
        rc = regio_buf_puts(&w->b, "{\"type\":\"Point\",\"coordinates\":[");
        if (!rc)
            rc = regio_buf_num(&w->b, lon);
        if (!rc)
            rc = regio_buf_putc(&w->b, ',');
        if (!rc)
            rc = regio_buf_num(&w->b, lat);
        if (!rc)
            rc = regio_buf_puts(&w->b, "]}");
    }
    return rc ? rc : regio_buf_puts(&w->b, ",\"properties\":{");
}

static int flush_row(writer *w, regio_err rc)
{
    if (!rc && w->b.len && fwrite(w->b.data, 1, w->b.len, w->out) != w->b.len)
        rc = REGIO_EIO;
    regio_buf_reset(&w->b);
    if (rc) {
        w->rc = rc;
        return 1;
    }
    w->rows++;
    return 0;
}

/* Writes one account or rep, its columns driven by the record's field
 * table (the same one the importer reads with). */
static int write_record(writer *w, const regio__record_desc *d, const void *rec_c)
{
    void *rec = (void *)rec_c; /* read only: the accessors are shared with the importer */
    regio_err rc = REGIO_OK;
    int first = 1;
    if (w->fmt == REGIO_FORMAT_GEOJSON)
        rc = js_feature_start(w, *regio__rec_num(rec, d->lat_off),
                              *regio__rec_num(rec, d->lon_off));
    for (size_t i = 0; i < d->n_fields && !rc; i++) {
        const regio__field_desc *fd = &d->fields[i];
        const char *text = NULL;
        double num = NAN;
        int is_num = fd->kind == REGIO__FK_NUM || fd->kind == REGIO__FK_MEASURE;
        if (is_num)
            num = *regio__rec_num(rec, fd->offset);
        else if (fd->kind == REGIO__FK_GEO)
            text = geo_source_name(*regio__rec_geo(rec, d));
        else
            text = *regio__rec_str(rec, fd->offset);
        if (w->fmt == REGIO_FORMAT_CSV) {
            rc = is_num ? csv_num(w, num) : csv_str(w, text, i == 0);
        } else if (is_num) {
            rc = js_num(w, fd->name, num, &first);
        } else {
            rc = js_str(w, fd->name, text && *text ? text : NULL, &first);
        }
    }
    regio_attr *attrs = *regio__rec_attrs(rec, d);
    size_t n_attrs = *regio__rec_n_attrs(rec, d);
    if (!rc)
        rc = w->fmt == REGIO_FORMAT_CSV ? csv_attrs(w, attrs, n_attrs)
                                        : js_attrs(w, attrs, n_attrs, &first);
    if (!rc && w->view && d == &regio__account_desc) {
        const char *t = account_territory(w->view, rec);
        rc = w->fmt == REGIO_FORMAT_CSV ? csv_str(w, t, 0) : js_str(w, w->terr_key, t, &first);
    }
    if (!rc)
        rc = w->fmt == REGIO_FORMAT_CSV ? regio_buf_putc(&w->b, '\n')
                                        : regio_buf_puts(&w->b, "}}");
    return flush_row(w, rc);
}

static int write_account(void *ud, const regio_account *a)
{
    return write_record(ud, &regio__account_desc, a);
}

static int write_rep(void *ud, const regio_rep *r)
{
    return write_record(ud, &regio__rep_desc, r);
}

/* Appends the unit's geometry as GeoJSON (full precision) or its centroid. */
static regio_err js_unit_geometry(writer *w, const regio_unit *u)
{
    if (!u->wkb)
        return REGIO_OK; /* js_feature_start already wrote the point */
    OGRGeometryH g = NULL;
    if (OGR_G_CreateFromWkb(u->wkb, NULL, &g, (int)u->wkb_len) != OGRERR_NONE || !g)
        return REGIO_EGEOM;
    char *opts[] = {"SIGNIFICANT_FIGURES=17", NULL};
    char *json = OGR_G_ExportToJsonEx(g, opts);
    OGR_G_DestroyGeometry(g);
    if (!json)
        return REGIO_EGEOM;
    regio_err rc = regio_buf_puts(&w->b, json);
    CPLFree(json);
    return rc;
}

static int write_unit(void *ud, const regio_unit *u)
{
    writer *w = ud;
    regio_err rc;
    if (w->fmt == REGIO_FORMAT_CSV) {
        rc = csv_str(w, u->id, 1);
        if (!rc) rc = csv_str(w, u->name, 0);
        if (!rc) rc = csv_num(w, u->lat);
        if (!rc) rc = csv_num(w, u->lon);
        if (!rc) rc = csv_num(w, u->area_km2);
        if (!rc) rc = csv_attrs(w, u->attrs, u->n_attrs);
        if (!rc) rc = regio_buf_putc(&w->b, '\n');
    } else {
        int first = 1;
        if (u->wkb) {
            rc = regio_buf_puts(&w->b, w->rows ? ",\n" : "\n");
            if (!rc) rc = regio_buf_puts(&w->b, "{\"type\":\"Feature\",\"geometry\":");
            if (!rc) rc = js_unit_geometry(w, u);
            if (!rc) rc = regio_buf_puts(&w->b, ",\"properties\":{");
        } else {
            rc = js_feature_start(w, u->lat, u->lon);
        }
        if (!rc) rc = js_str(w, "id", u->id, &first);
        if (!rc) rc = js_str(w, "name", u->name, &first);
        if (!rc) rc = js_attrs(w, u->attrs, u->n_attrs, &first);
        if (!rc) rc = regio_buf_puts(&w->b, "}}");
    }
    return flush_row(w, rc);
}

static const char *adj_kind_name(regio_adj_kind k)
{
    switch (k) {
    case REGIO_ADJ_BORDER: return "border";
    case REGIO_ADJ_GIVEN: return "given";
    case REGIO_ADJ_DELAUNAY: return "delaunay";
    case REGIO_ADJ_ISLAND: return "island";
    }
    return "given";
}

static int write_edge(void *ud, const regio_adj_edge *e)
{
    writer *w = ud;
    regio_err rc = csv_str(w, e->a, 1);
    if (!rc) rc = csv_str(w, e->b, 0);
    if (!rc) rc = csv_str(w, adj_kind_name(e->kind), 0);
    if (!rc) rc = csv_num(w, e->shared_km);
    if (!rc) rc = regio_buf_putc(&w->b, '\n');
    return flush_row(w, rc);
}

static int write_alignment(void *ud, const regio_alignment_row *r)
{
    writer *w = ud;
    if (!r->unit_id)
        return 0; /* account overrides are not part of the unit alignment file */
    regio_err rc = csv_str(w, r->unit_id, 1);
    if (!rc) rc = csv_str(w, r->territory, 0);
    if (!rc) rc = regio_buf_putc(&w->b, '\n');
    return flush_row(w, rc);
}

/* Alignment as GeoJSON, first pass: each unit's territory. */
static int collect_alignment(void *ud, const regio_alignment_row *r)
{
    writer *w = ud;
    if (!r->unit_id || !r->territory)
        return 0;
    int found = 0;
    long old = 0;
    if (regio__grow(&w->terr, &w->cap_terr, w->n_terr + 1, sizeof *w->terr) ||
        !(w->terr[w->n_terr] = regio_strdup(r->territory)) ||
        regio_strmap_put(w->unit_terr, r->unit_id, (long)w->n_terr, &found, &old)) {
        w->rc = REGIO_ENOMEM;
        return 1;
    }
    w->n_terr++;
    return 0;
}

/* Alignment as GeoJSON, second pass: every unit with its polygon (or its
 * point) and its territory (null when unaligned), so a GIS shows it. */
static int write_aligned_unit(void *ud, const regio_unit *u)
{
    writer *w = ud;
    long t = regio_strmap_get(w->unit_terr, u->id);
    int first = 1;
    regio_err rc;
    if (u->wkb) {
        rc = regio_buf_puts(&w->b, w->rows ? ",\n" : "\n");
        if (!rc) rc = regio_buf_puts(&w->b, "{\"type\":\"Feature\",\"geometry\":");
        if (!rc) rc = js_unit_geometry(w, u);
        if (!rc) rc = regio_buf_puts(&w->b, ",\"properties\":{");
    } else {
        rc = js_feature_start(w, u->lat, u->lon);
    }
    if (!rc) rc = js_str(w, "unit_id", u->id, &first);
    if (!rc) rc = js_str(w, "name", u->name, &first);
    if (!rc) rc = js_str(w, "territory", t >= 0 ? w->terr[t] : NULL, &first);
    if (!rc) rc = regio_buf_puts(&w->b, "}}");
    return flush_row(w, rc);
}

static regio_err put_header(writer *w, const char *fixed)
{
    regio_buf_reset(&w->b);
    regio_err rc = regio_buf_puts(&w->b, fixed);
    for (size_t i = 0; !rc && i < w->keys.n; i++) {
        rc = regio_buf_putc(&w->b, ',');
        if (!rc)
            rc = regio_buf_csv_field(&w->b, w->keys.keys[i], ',');
    }
    if (!rc && w->view) {
        rc = regio_buf_putc(&w->b, ',');
        if (!rc)
            rc = regio_buf_csv_field(&w->b, w->terr_key, ',');
    }
    if (!rc)
        rc = regio_buf_putc(&w->b, '\n');
    if (!rc && fwrite(w->b.data, 1, w->b.len, w->out) != w->b.len)
        rc = REGIO_EIO;
    regio_buf_reset(&w->b);
    return rc;
}

/* CSV header of a record type: its field names, then the attribute keys. */
static regio_err put_record_header(writer *w, const regio__record_desc *d)
{
    regio_buf cols;
    regio_buf_init(&cols, 0);
    regio_err rc = REGIO_OK;
    for (size_t i = 0; i < d->n_fields && !rc; i++)
        rc = regio_buf_printf(&cols, "%s%s", i ? "," : "", d->fields[i].name);
    if (!rc)
        rc = put_header(w, cols.data);
    regio_buf_free(&cols);
    return rc;
}

/* The store's units (with their polygons when geometry) and model's view
 * over them (NULL = the active model), as the server loads them. */
static regio_err load_view(regio_store *s, const char *model, int geometry,
                           regio_design_problem **p, regio_model_view **v, regio_error *err)
{
    *v = NULL;
    regio_err rc = regio_design_problem_load_units(s, geometry, p, err);
    if (!rc)
        rc = regio_model_view_load(s, *p, model, -1, v, err);
    return rc;
}

static regio_err export_territories_stream(regio_store *s, regio_export_format fmt,
                                           const regio_export_opts *opts, FILE *out,
                                           size_t *rows, regio_error *err)
{
    regio_design_problem *p = NULL;
    regio_model_view *v = NULL;
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc;
    if (fmt == REGIO_FORMAT_CSV) {
        rc = regio__export_territories_csv(s, opts ? opts->model : NULL, &b, rows, err);
    } else {
        rc = load_view(s, opts ? opts->model : NULL, 1, &p, &v, err);
        if (!rc)
            rc = regio_export_territories(v, fmt, &b, rows, err);
    }
    if (!rc && b.len && fwrite(b.data, 1, b.len, out) != b.len)
        rc = regio_error_setf(err, REGIO_EIO, NULL, 0, NULL, "export failed: %s",
                              regio_strerror(REGIO_EIO));
    regio_buf_free(&b);
    regio_model_view_destroy(v);
    regio_design_problem_destroy(p);
    return rc;
}

static int has_key(const keyset *ks, const char *key)
{
    for (size_t i = 0; i < ks->n; i++)
        if (!strcmp(ks->keys[i], key))
            return 1;
    return 0;
}

static const char *what_name(regio_export_what what)
{
    static const char *const names[] = {"accounts", "reps", "units", "adjacency", "alignment",
                                        "territories"};
    return (size_t)what < sizeof names / sizeof names[0] ? names[what] : "?";
}

regio_err regio_export_stream(regio_store *s, regio_export_what what, regio_export_format fmt,
                              const regio_export_opts *opts, FILE *out, size_t *rows,
                              regio_error *err)
{
    if (rows)
        *rows = 0;
    if (what == REGIO_EXPORT_TERRITORIES)
        return export_territories_stream(s, fmt, opts, out, rows, err);
    if (fmt == REGIO_FORMAT_KML || fmt == REGIO_FORMAT_SHP)
        return regio_error_setf(err, REGIO_EUNSUPPORTED, NULL, 0, NULL,
                                "%s export as csv%s; kml and shp are for territories",
                                what_name(what), what == REGIO_EXPORT_ADJACENCY ? "" : " or geojson");
    writer w;
    memset(&w, 0, sizeof w);
    w.fmt = fmt;
    w.out = out;
    regio_buf_init(&w.b, 0);
    regio_err rc = REGIO_OK;
    if (fmt == REGIO_FORMAT_GEOJSON && what == REGIO_EXPORT_ADJACENCY)
        return regio_error_setf(err, REGIO_EUNSUPPORTED, NULL, 0, NULL,
                                "adjacency exports as csv only");
    regio_design_problem *units = NULL;
    regio_model_view *view = NULL;
    if (what == REGIO_EXPORT_ACCOUNTS && opts && opts->model) {
        rc = load_view(s, opts->model, 0, &units, &view, err);
        if (rc)
            goto done;
        w.view = view;
    }
    /* First pass: the union of custom attribute keys, sorted, for CSV (and
     * to name the territory column apart from an attribute "territory"). */
    if (fmt == REGIO_FORMAT_CSV || w.view) {
        if (what == REGIO_EXPORT_ACCOUNTS)
            rc = regio_store_accounts_foreach(s, collect_account_keys, &w.keys, err);
        else if (what == REGIO_EXPORT_REPS)
            rc = regio_store_reps_foreach(s, collect_rep_keys, &w.keys, err);
        else if (what == REGIO_EXPORT_UNITS)
            rc = regio_store_units_foreach(s, 0, collect_unit_keys, &w.keys, err);
        if (rc)
            goto done;
        if (w.keys.n > 1)
            qsort(w.keys.keys, w.keys.n, sizeof *w.keys.keys, cmp_str);
        w.terr_key = has_key(&w.keys, "territory") ? "model_territory" : "territory";
    }
    if (fmt == REGIO_FORMAT_GEOJSON && fputs("{\"type\":\"FeatureCollection\",\"features\":[", out) < 0)
        rc = REGIO_EIO;
    switch (what) {
    case REGIO_EXPORT_ACCOUNTS:
        if (!rc && fmt == REGIO_FORMAT_CSV)
            rc = put_record_header(&w, &regio__account_desc);
        if (!rc)
            rc = regio_store_accounts_foreach(s, write_account, &w, err);
        break;
    case REGIO_EXPORT_REPS:
        if (!rc && fmt == REGIO_FORMAT_CSV)
            rc = put_record_header(&w, &regio__rep_desc);
        if (!rc)
            rc = regio_store_reps_foreach(s, write_rep, &w, err);
        break;
    case REGIO_EXPORT_UNITS:
        if (!rc && fmt == REGIO_FORMAT_CSV)
            rc = put_header(&w, "id,name,lat,lon,area_km2");
        if (!rc)
            rc = regio_store_units_foreach(s, fmt == REGIO_FORMAT_GEOJSON, write_unit, &w, err);
        break;
    case REGIO_EXPORT_ADJACENCY:
        if (!rc)
            rc = put_header(&w, "a,b,kind,shared_km");
        if (!rc)
            rc = regio_store_adjacency_foreach(s, write_edge, &w, err);
        break;
    case REGIO_EXPORT_ALIGNMENT:
        if (!rc && fmt == REGIO_FORMAT_CSV)
            rc = put_header(&w, "unit_id,territory");
        if (!rc && fmt == REGIO_FORMAT_CSV)
            rc = regio_store_alignment_foreach(s, opts ? opts->model : NULL, write_alignment,
                                               &w, err);
        if (!rc && fmt != REGIO_FORMAT_CSV) {
            if (!(w.unit_terr = regio_strmap_create(1024)))
                rc = REGIO_ENOMEM;
            if (!rc)
                rc = regio_store_alignment_foreach(s, opts ? opts->model : NULL,
                                                   collect_alignment, &w, err);
            if (!rc)
                rc = regio_store_units_foreach(s, 1, write_aligned_unit, &w, err);
        }
        break;
    case REGIO_EXPORT_TERRITORIES:
        break; /* export_territories_stream above */
    }
    if (rc == REGIO_ECANCELLED && w.rc)
        rc = w.rc;
    if (!rc && fmt == REGIO_FORMAT_GEOJSON && fputs("\n]}\n", out) < 0)
        rc = REGIO_EIO;
done:
    if (rows)
        *rows = w.rows;
    keyset_free(&w.keys);
    regio_buf_free(&w.b);
    for (size_t i = 0; i < w.n_terr; i++)
        regio_free(w.terr[i]);
    regio_free(w.terr);
    regio_strmap_destroy(w.unit_terr);
    regio_model_view_destroy(view);
    regio_design_problem_destroy(units);
    if (rc && err && !err->msg[0])
        regio_error_setf(err, rc, NULL, 0, NULL, "export failed: %s", regio_strerror(rc));
    return rc;
}

regio_err regio_export_file(regio_store *s, regio_export_what what, regio_export_format fmt,
                            const regio_export_opts *opts, const char *path, size_t *rows,
                            regio_error *err)
{
    if (what == REGIO_EXPORT_TERRITORIES && fmt == REGIO_FORMAT_SHP &&
        regio__export_is_shp_path(path)) {
        regio_design_problem *p = NULL;
        regio_model_view *v = NULL;
        regio_err rc = load_view(s, opts ? opts->model : NULL, 1, &p, &v, err);
        if (!rc)
            rc = regio__export_territories_shp_files(v, path, rows, err);
        regio_model_view_destroy(v);
        regio_design_problem_destroy(p);
        return rc;
    }
    regio_output *o;
    regio_err rc = regio_output_open(path, &o, err);
    if (rc)
        return rc;
    rc = regio_export_stream(s, what, fmt, opts, regio_output_stream(o), rows, err);
    if (rc) {
        regio_output_discard(o);
        return rc;
    }
    return regio_output_commit(o, err);
}
