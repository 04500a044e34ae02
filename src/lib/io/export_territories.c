/*
 * The territories of a model as files. A loaded model's leaf territories
 * (regio_export_territories in regio/export.h): one table of flat
 * properties per territory (ids, names, counts, per measure its total,
 * target and deviation, travel, contiguity) rendered as GeoJSON or KML by
 * hand and as an ESRI Shapefile through OGR, each with the territory's
 * dissolved outline (regio_geo_outline_many); the server's downloads and
 * `regio export territories` both come from here, so they give the same
 * file. And the whole hierarchy as CSV, read from the store
 * (name,parent,account_access,rep, and type when a territory has one),
 * which `regio import territories` reads back.
 */
#include "io/export_internal.h"

#include "regio/geo.h"
#include "regio/output.h"
#include "regio/strmap.h"
#include "core/grow.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- the property table --------------------------------------------------- */

/* COL_NUM: a number that a Shapefile stores as an integer when every value
 * is whole (a count of accounts), else as a real. */
typedef enum col_type { COL_STR, COL_INT, COL_REAL, COL_NUM, COL_BOOL } col_type;

typedef struct col {
    char *name;   /* property name */
    char shp[11]; /* its DBF field name (at most 10 bytes) */
    col_type type;
    const char **s; /* COL_STR: k borrowed strings, NULL = null */
    double *d;      /* numbers and booleans (0/1): k values, NAN = null */
} col;

typedef struct table {
    int k;
    size_t n;
    col *cols;
} table;

static void table_free(table *tb)
{
    for (size_t i = 0; i < tb->n; i++) {
        regio_free(tb->cols[i].name);
        regio_free(tb->cols[i].s);
        regio_free(tb->cols[i].d);
    }
    regio_free(tb->cols);
    memset(tb, 0, sizeof *tb);
}

static const char *const fixed_names[] = {"id",           "name",      "parent",
                                          "rep",          "units",     "locked_units",
                                          "travel_km",    "contiguous", "components"};

static int is_fixed_name(const char *s)
{
    for (size_t i = 0; i < sizeof fixed_names / sizeof fixed_names[0]; i++)
        if (!strcmp(s, fixed_names[i]))
            return 1;
    return 0;
}

/* Cuts s to at most max bytes without splitting a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return max;
}

/* The DBF name of column i: base cut to fit with suffix, unique among the
 * columns before it (else a number takes the last places). */
static void shp_name(table *tb, size_t i, const char *base, const char *suffix)
{
    char *out = tb->cols[i].shp;
    size_t sl = strlen(suffix);
    snprintf(out, 11, "%.*s%s", (int)utf8_cut(base, 10 - sl), base, suffix);
    for (int n = 1; n < 100; n++) {
        int dup = 0;
        for (size_t j = 0; j < i && !dup; j++)
            dup = !strcasecmp(tb->cols[j].shp, out);
        if (!dup)
            return;
        char num[8];
        snprintf(num, sizeof num, "_%d", n % 100); /* n < 100: "% 100" tells the compiler */
        snprintf(out, 11, "%.*s%s", (int)utf8_cut(base, 10 - strlen(num)), base, num);
    }
}

static regio_err add_col(table *tb, col_type type, const char *name, const char *suffix,
                         const char *shp_base, const char *shp_suffix)
{
    col *c = &tb->cols[tb->n];
    memset(c, 0, sizeof *c);
    c->type = type;
    size_t len = strlen(name) + strlen(suffix) + 1;
    if (!(c->name = regio_malloc(len)))
        return REGIO_ENOMEM;
    snprintf(c->name, len, "%s%s", name, suffix);
    if (type == COL_STR)
        c->s = regio_calloc((size_t)tb->k + 1, sizeof *c->s);
    else
        c->d = regio_calloc((size_t)tb->k + 1, sizeof *c->d);
    tb->n++;
    if (!c->s && !c->d)
        return REGIO_ENOMEM;
    shp_name(tb, tb->n - 1, shp_base, shp_suffix);
    return REGIO_OK;
}

/* Fills the table of v: see regio_export_territories for the columns. */
static regio_err table_build(const regio_model_view *v, table *tb)
{
    const regio_design_problem *p = v->units;
    size_t n = p->in.n, m = p->in.m;
    int k = v->k;
    memset(tb, 0, sizeof *tb);
    tb->k = k;
    if (!(tb->cols = regio_calloc(9 + 3 * m, sizeof *tb->cols)))
        return REGIO_ENOMEM;
    regio_err rc = REGIO_OK;
    static const struct {
        const char *name, *shp;
        col_type type;
    } head[] = {{"id", "id", COL_STR},       {"name", "name", COL_STR},
                {"parent", "parent", COL_STR}, {"rep", "rep", COL_STR},
                {"units", "units", COL_INT},   {"locked_units", "locked", COL_INT}},
      tail[] = {{"travel_km", "travel_km", COL_REAL},
                {"contiguous", "contiguous", COL_BOOL},
                {"components", "components", COL_INT}};
    for (size_t i = 0; i < 6 && !rc; i++)
        rc = add_col(tb, head[i].type, head[i].name, "", head[i].shp, "");
    for (size_t c = 0; c < m && !rc; c++) {
        const char *mn = p->in.measure_names[c];
        char buf[256];
        snprintf(buf, sizeof buf, "%s%s", is_fixed_name(mn) ? "m_" : "", mn);
        rc = add_col(tb, COL_NUM, buf, "", buf, "");
        if (!rc)
            rc = add_col(tb, COL_REAL, buf, "_target", buf, "_t");
        if (!rc)
            rc = add_col(tb, COL_REAL, buf, "_dev", buf, "_d");
    }
    for (size_t i = 0; i < 3 && !rc; i++)
        rc = add_col(tb, tail[i].type, tail[i].name, "", tail[i].shp, "");
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        int t = v->labels[i];
        if (t < 0 || t >= k)
            continue;
        tb->cols[4].d[t] += 1;
        tb->cols[5].d[t] += v->locked[i] ? 1 : 0;
    }
    for (int t = 0; t < k; t++) {
        const regio_design_territory *r = v->has_report ? &v->report.territories[t] : NULL;
        tb->cols[0].s[t] = v->territory[t];
        tb->cols[1].s[t] = v->territory_name[t] ? v->territory_name[t] : v->territory[t];
        tb->cols[2].s[t] = v->territory_parent[t];
        tb->cols[3].s[t] = v->territory_rep[t];
        for (size_t c = 0; c < m; c++) {
            double tot = 0;
            if (r) {
                tot = r->totals[c];
            } else {
                for (size_t i = 0; i < n; i++)
                    if (v->labels[i] == t)
                        tot += p->in.measures[i * m + c];
            }
            tb->cols[6 + 3 * c].d[t] = tot;
            tb->cols[7 + 3 * c].d[t] = r ? r->target[c] : NAN;
            tb->cols[8 + 3 * c].d[t] = r ? r->dev[c] : NAN;
        }
        size_t e = 6 + 3 * m;
        tb->cols[e].d[t] = r ? r->travel_km : NAN;
        tb->cols[e + 1].d[t] = r ? r->contiguous != 0 : NAN;
        tb->cols[e + 2].d[t] = r ? r->n_components : NAN;
    }
    return REGIO_OK;
}

/* ---- text formats ------------------------------------------------------------ */

/* Appends s as XML character data: the five special characters escaped,
 * characters XML 1.0 forbids (C0 controls other than tab, newline,
 * return) dropped. */
static regio_err put_xml(regio_buf *b, const char *s)
{
    regio_err rc = REGIO_OK;
    for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++) {
        switch (*p) {
        case '&': rc = regio_buf_puts(b, "&amp;"); break;
        case '<': rc = regio_buf_puts(b, "&lt;"); break;
        case '>': rc = regio_buf_puts(b, "&gt;"); break;
        case '"': rc = regio_buf_puts(b, "&quot;"); break;
        case '\'': rc = regio_buf_puts(b, "&apos;"); break;
        default:
            if (*p >= 0x20 || *p == '\t' || *p == '\n' || *p == '\r')
                rc = regio_buf_putc(b, (char)*p);
            break;
        }
    }
    return rc;
}

enum { TXT_JSON, TXT_XML };

/* Appends the value of column c for territory t: JSON (null for none) or
 * XML character data (empty for none). */
static regio_err put_value(regio_buf *b, const col *c, int t, int how)
{
    if (c->type == COL_STR) {
        const char *s = c->s[t];
        if (!s)
            return how == TXT_JSON ? regio_buf_puts(b, "null") : REGIO_OK;
        return how == TXT_JSON ? regio_buf_json_str(b, s) : put_xml(b, s);
    }
    double d = c->d[t];
    if (!isfinite(d))
        return how == TXT_JSON ? regio_buf_puts(b, "null") : REGIO_OK;
    if (c->type == COL_BOOL)
        return regio_buf_puts(b, d != 0 ? "true" : "false");
    return regio_buf_num(b, d);
}

static regio_err put_geojson(const regio_model_view *v, const table *tb, char **geoms,
                             regio_buf *b)
{
    regio_err rc = regio_buf_puts(b, "{\"type\":\"FeatureCollection\",\"name\":");
    if (!rc)
        rc = regio_buf_json_str(b, v->model);
    if (!rc)
        rc = regio_buf_puts(b, ",\"model\":");
    if (!rc)
        rc = regio_buf_json_str(b, v->model);
    if (!rc)
        rc = regio_buf_printf(b, ",\"revision\":%ld,\"features\":[", v->revision);
    for (int t = 0; t < tb->k && !rc; t++) {
        rc = regio_buf_puts(b, t ? ",\n{\"type\":\"Feature\",\"id\":" : "\n{\"type\":\"Feature\",\"id\":");
        if (!rc)
            rc = regio_buf_json_str(b, v->territory[t]);
        if (!rc)
            rc = regio_buf_puts(b, ",\"properties\":{");
        for (size_t i = 0; i < tb->n && !rc; i++) {
            rc = regio_buf_puts(b, i ? "," : "");
            if (!rc)
                rc = regio_buf_json_str(b, tb->cols[i].name);
            if (!rc)
                rc = regio_buf_putc(b, ':');
            if (!rc)
                rc = put_value(b, &tb->cols[i], t, TXT_JSON);
        }
        if (!rc)
            rc = regio_buf_puts(b, "},\"geometry\":");
        if (!rc)
            rc = regio_buf_puts(b, geoms[t] ? geoms[t] : "null");
        if (!rc)
            rc = regio_buf_putc(b, '}');
    }
    return rc ? rc : regio_buf_puts(b, "\n]}\n");
}

static regio_err put_kml(const regio_model_view *v, const table *tb, char **geoms, regio_buf *b)
{
    regio_err rc = regio_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                     "<kml xmlns=\"http://www.opengis.net/kml/2.2\">\n"
                                     "<Document><name>");
    if (!rc)
        rc = put_xml(b, v->model);
    if (!rc)
        rc = regio_buf_puts(b, "</name>\n");
    for (int t = 0; t < tb->k && !rc; t++) {
        rc = regio_buf_puts(b, "<Placemark><name>");
        if (!rc)
            rc = put_xml(b, tb->cols[1].s[t]);
        if (!rc)
            rc = regio_buf_puts(b, "</name><ExtendedData>");
        for (size_t i = 0; i < tb->n && !rc; i++) {
            rc = regio_buf_puts(b, "<Data name=\"");
            if (!rc)
                rc = put_xml(b, tb->cols[i].name);
            if (!rc)
                rc = regio_buf_puts(b, "\"><value>");
            if (!rc)
                rc = put_value(b, &tb->cols[i], t, TXT_XML);
            if (!rc)
                rc = regio_buf_puts(b, "</value></Data>");
        }
        if (!rc)
            rc = regio_buf_puts(b, "</ExtendedData>");
        if (!rc && geoms[t])
            rc = regio_buf_puts(b, geoms[t]);
        if (!rc)
            rc = regio_buf_puts(b, "</Placemark>\n");
    }
    return rc ? rc : regio_buf_puts(b, "</Document>\n</kml>\n");
}

/* ---- the hierarchy as CSV --------------------------------------------------- */

/* One territory as the store gives it; strings owned. */
typedef struct tnode {
    char *id, *parent, *access, *rep, *type;
    long first_child, next_sibling; /* -1: none */
} tnode;

typedef struct tnodes {
    tnode *v;
    size_t n, cap;
    int typed; /* some territory has a type: the CSV has a type column */
    regio_err rc;
} tnodes;

static char *dup_opt(const char *s, regio_err *rc)
{
    char *d = s ? regio_strdup(s) : NULL;
    if (s && !d)
        *rc = REGIO_ENOMEM;
    return d;
}

static int collect_territory(void *ud, const regio_territory_info *t)
{
    tnodes *ns = ud;
    if (regio__grow(&ns->v, &ns->cap, ns->n + 1, sizeof *ns->v)) {
        ns->rc = REGIO_ENOMEM;
        return 1;
    }
    tnode *x = &ns->v[ns->n++];
    memset(x, 0, sizeof *x);
    x->id = dup_opt(t->id, &ns->rc);
    x->parent = dup_opt(t->parent, &ns->rc);
    x->access = dup_opt(t->account_access, &ns->rc);
    x->rep = dup_opt(t->rep, &ns->rc);
    x->type = dup_opt(t->type, &ns->rc);
    ns->typed |= t->type != NULL;
    return ns->rc != REGIO_OK;
}

static int cmp_tnode(const void *a, const void *b)
{
    return strcmp(((const tnode *)a)->id, ((const tnode *)b)->id);
}

static regio_err put_tnode(regio_buf *b, const tnode *x, int typed)
{
    const char *cells[5] = {x->id, x->parent, x->access, x->rep, x->type};
    regio_err rc = REGIO_OK;
    for (int i = 0; i < 4 + (typed != 0) && !rc; i++) {
        if (i)
            rc = regio_buf_putc(b, ',');
        if (!rc && cells[i])
            rc = regio_buf_csv_field(b, cells[i], ',');
    }
    return rc ? rc : regio_buf_putc(b, '\n');
}

/*
 * Writes the rows depth first: each root, then its subtree, siblings in
 * name order, so every parent comes before its children and a subtree
 * stays together. Territories whose parent is not among them (none in a
 * consistent store) follow at the end, in name order.
 */
static regio_err put_hierarchy(tnodes *ns, regio_buf *b)
{
    size_t n = ns->n;
    if (n > 1)
        qsort(ns->v, n, sizeof *ns->v, cmp_tnode);
    regio_strmap *at = regio_strmap_create(n);
    long *stack = regio_malloc((n ? n : 1) * sizeof *stack);
    unsigned char *done = regio_calloc(n ? n : 1, 1);
    regio_err rc = at && stack && done ? REGIO_OK : REGIO_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        int found;
        long old;
        ns->v[i].first_child = ns->v[i].next_sibling = -1;
        rc = regio_strmap_put(at, ns->v[i].id, (long)i, &found, &old);
    }
    /* Children lists in name order: prepend while walking names backwards. */
    for (size_t i = n; !rc && i-- > 0;) {
        long p = ns->v[i].parent ? regio_strmap_get(at, ns->v[i].parent) : -1;
        if (p >= 0 && p != (long)i) {
            ns->v[i].next_sibling = ns->v[p].first_child;
            ns->v[p].first_child = (long)i;
        }
    }
    rc = rc ? rc : regio_buf_puts(b, ns->typed ? "name,parent,account_access,rep,type\n"
                                               : "name,parent,account_access,rep\n");
    for (size_t r = 0; !rc && r < n; r++) {
        long p = ns->v[r].parent ? regio_strmap_get(at, ns->v[r].parent) : -1;
        if (p >= 0 && p != (long)r)
            continue; /* not a root: written under its parent */
        size_t sp = 0;
        stack[sp++] = (long)r;
        while (!rc && sp > 0) {
            long v = stack[--sp];
            done[v] = 1;
            rc = put_tnode(b, &ns->v[v], ns->typed);
            /* Push the children backwards so the first is written next. */
            size_t mark = sp;
            for (long c = ns->v[v].first_child; c >= 0; c = ns->v[c].next_sibling)
                if (!done[c])
                    stack[sp++] = c;
            for (size_t lo = mark, hi = sp; hi > lo + 1; lo++, hi--) {
                long tmp = stack[lo];
                stack[lo] = stack[hi - 1];
                stack[hi - 1] = tmp;
            }
        }
    }
    for (size_t i = 0; !rc && i < n; i++)
        if (!done[i])
            rc = put_tnode(b, &ns->v[i], ns->typed);
    regio_strmap_destroy(at);
    regio_free(stack);
    regio_free(done);
    return rc;
}

regio_err regio__export_territories_csv(regio_store *s, const char *model, regio_buf *out,
                                        size_t *rows, regio_error *err)
{
    tnodes ns;
    memset(&ns, 0, sizeof ns);
    regio_err rc = regio_store_territories_foreach(s, model, collect_territory, &ns, err);
    if (rc == REGIO_ECANCELLED && ns.rc)
        rc = ns.rc;
    if (!rc)
        rc = put_hierarchy(&ns, out);
    for (size_t i = 0; i < ns.n; i++) {
        regio_free(ns.v[i].id);
        regio_free(ns.v[i].parent);
        regio_free(ns.v[i].access);
        regio_free(ns.v[i].rep);
        regio_free(ns.v[i].type);
    }
    regio_free(ns.v);
    if (rc == REGIO_ENOMEM)
        return regio_error_setf(err, rc, NULL, 0, NULL, "out of memory");
    if (!rc && rows)
        *rows = ns.n;
    return rc;
}

/* ---- ESRI Shapefile through OGR ------------------------------------------- */

static unsigned mem_counter;

/* The polygons of a GeoJSON outline as a MultiPolygon, or NULL when it
 * has none (a territory of point units: a point or a line). */
static OGRGeometryH polygonal(const char *json)
{
    if (!json || !strcmp(json, "null"))
        return NULL;
    OGRGeometryH g = OGR_G_CreateGeometryFromJson(json);
    if (!g)
        return NULL;
    OGRwkbGeometryType type = wkbFlatten(OGR_G_GetGeometryType(g));
    if (type == wkbPolygon || type == wkbMultiPolygon)
        return OGR_G_ForceToMultiPolygon(g);
    OGRGeometryH mp = NULL;
    if (type == wkbGeometryCollection) {
        mp = OGR_G_CreateGeometry(wkbMultiPolygon);
        for (int i = 0; mp && i < OGR_G_GetGeometryCount(g); i++) {
            OGRGeometryH sub = OGR_G_GetGeometryRef(g, i);
            OGRwkbGeometryType st = wkbFlatten(OGR_G_GetGeometryType(sub));
            if (st == wkbPolygon)
                OGR_G_AddGeometry(mp, sub);
            for (int j = 0; st == wkbMultiPolygon && j < OGR_G_GetGeometryCount(sub); j++)
                OGR_G_AddGeometry(mp, OGR_G_GetGeometryRef(sub, j));
        }
        if (mp && OGR_G_GetGeometryCount(mp) == 0) {
            OGR_G_DestroyGeometry(mp);
            mp = NULL;
        }
    }
    OGR_G_DestroyGeometry(g);
    return mp;
}

static regio_err ogr_fail(regio_error *err, const char *what)
{
    const char *msg = CPLGetLastErrorMsg();
    return regio_error_setf(err, REGIO_EIO, NULL, 0, NULL, "shapefile: %s%s%s", what,
                            msg && *msg ? ": " : "", msg ? msg : "");
}

/* Writes the shapefile of tb at mem_path (a /vsimem/ path ending in .shp
 * or .shp.zip). */
static regio_err shp_build(const regio_model_view *v, const table *tb, char **geoms,
                           const char *mem_path, const char *layer_name, regio_error *err)
{
    GDALAllRegister();
    GDALDriverH drv = GDALGetDriverByName("ESRI Shapefile");
    if (!drv)
        return regio_error_setf(err, REGIO_EUNSUPPORTED, NULL, 0, NULL,
                                "this GDAL has no ESRI Shapefile driver");
    GDALDatasetH ds = GDALCreate(drv, mem_path, 0, 0, 0, GDT_Unknown, NULL);
    if (!ds)
        return ogr_fail(err, "cannot create it");
    OGRSpatialReferenceH srs = NULL;
    if (!v->units->loaded.units->planar) {
        srs = OSRNewSpatialReference(NULL);
        if (srs && OSRSetWellKnownGeogCS(srs, "WGS84") == OGRERR_NONE)
            OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    }
    char *lopts[] = {"ENCODING=UTF-8", NULL};
    OGRLayerH layer = GDALDatasetCreateLayer(ds, layer_name, srs, wkbMultiPolygon, lopts);
    if (srs)
        OSRRelease(srs);
    regio_err rc = layer ? REGIO_OK : ogr_fail(err, "cannot create its layer");
    for (size_t i = 0; i < tb->n && !rc; i++) {
        const col *c = &tb->cols[i];
        OGRFieldType ft = OFTReal;
        int width = 0;
        if (c->type == COL_STR) {
            ft = OFTString;
            width = 1;
            for (int t = 0; t < tb->k; t++)
                if (c->s[t] && (int)strlen(c->s[t]) > width)
                    width = (int)strlen(c->s[t]);
            if (width > 254)
                width = 254;
        } else if (c->type == COL_INT || c->type == COL_BOOL) {
            ft = OFTInteger;
        } else if (c->type == COL_NUM) {
            int whole = 1, big = 0;
            for (int t = 0; t < tb->k; t++) {
                double d = c->d[t];
                if (isfinite(d) && (d != floor(d) || fabs(d) >= 1e15))
                    whole = 0;
                if (isfinite(d) && fabs(d) > 999999999)
                    big = 1;
            }
            if (whole)
                ft = big ? OFTInteger64 : OFTInteger;
        }
        OGRFieldDefnH fd = OGR_Fld_Create(c->shp, ft);
        if (width)
            OGR_Fld_SetWidth(fd, width);
        if (c->type == COL_BOOL)
            OGR_Fld_SetSubType(fd, OFSTBoolean);
        if (OGR_L_CreateField(layer, fd, TRUE) != OGRERR_NONE)
            rc = ogr_fail(err, "cannot create a field");
        OGR_Fld_Destroy(fd);
    }
    OGRFeatureDefnH defn = layer ? OGR_L_GetLayerDefn(layer) : NULL;
    for (int t = 0; t < tb->k && !rc; t++) {
        OGRFeatureH f = OGR_F_Create(defn);
        for (size_t i = 0; i < tb->n; i++) {
            const col *c = &tb->cols[i];
            if (c->type == COL_STR) {
                if (c->s[t])
                    OGR_F_SetFieldString(f, (int)i, c->s[t]);
                else
                    OGR_F_SetFieldNull(f, (int)i);
            } else if (!isfinite(c->d[t])) {
                OGR_F_SetFieldNull(f, (int)i);
            } else {
                OGR_F_SetFieldDouble(f, (int)i, c->d[t]);
            }
        }
        OGRGeometryH g = polygonal(geoms[t]);
        if (g)
            OGR_F_SetGeometryDirectly(f, g);
        if (OGR_L_CreateFeature(layer, f) != OGRERR_NONE)
            rc = ogr_fail(err, "cannot write a territory");
        OGR_F_Destroy(f);
    }
    /* GDALClose writes the files (and the zip); its failure shows as a
     * missing file below. */
    GDALClose(ds);
    return rc;
}

/* A layer name from the model's name: letters, digits, '-', '_' and '.'
 * kept, other bytes as '_'. */
static void layer_name_of(const char *model, char *out, size_t cap)
{
    size_t j = 0;
    for (const unsigned char *p = (const unsigned char *)model; *p && j + 1 < cap; p++)
        out[j++] = isalnum(*p) || *p == '-' || *p == '_' || *p == '.' ? (char)*p : '_';
    out[j] = '\0';
    if (!j)
        snprintf(out, cap, "territories");
}

/* What the shapefile writers share: the table and the outlines. */
static regio_err prepare(const regio_model_view *v, regio_outline_format ofmt, table *tb,
                         char ***geoms, regio_error *err)
{
    *geoms = NULL;
    regio_err rc = table_build(v, tb);
    if (rc)
        return regio_error_setf(err, rc, NULL, 0, NULL, "out of memory");
    if (v->k > 0)
        rc = regio_geo_outline_many(v->units->loaded.units, v->labels, v->k,
                                    REGIO_TERRITORY_SIMPLIFY_DEG, ofmt, geoms, err);
    if (rc)
        table_free(tb);
    return rc;
}

static regio_err shp_zip(const regio_model_view *v, const table *tb, char **geoms, regio_buf *out,
                         regio_error *err)
{
    char layer[128], mem[256];
    layer_name_of(v->model, layer, sizeof layer);
    snprintf(mem, sizeof mem, "/vsimem/regio-export-%ld-%u/%s.shp.zip", (long)getpid(),
             __atomic_fetch_add(&mem_counter, 1u, __ATOMIC_RELAXED), layer);
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    regio_err rc = shp_build(v, tb, geoms, mem, layer, err);
    vsi_l_offset len = 0;
    GByte *data = rc ? NULL : VSIGetMemFileBuffer(mem, &len, TRUE);
    if (!rc && !data)
        rc = ogr_fail(err, "no zip was written");
    if (!rc)
        rc = regio_buf_append(out, (const char *)data, (size_t)len);
    CPLFree(data);
    VSIUnlink(mem);
    char *slash = strrchr(mem, '/');
    *slash = '\0';
    VSIRmdirRecursive(mem);
    CPLPopErrorHandler();
    return rc;
}

int regio__export_is_shp_path(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    return n > 4 && !strcasecmp(path + n - 4, ".shp");
}

regio_err regio__export_territories_shp_files(const regio_model_view *v, const char *path,
                                              size_t *rows, regio_error *err)
{
    table tb;
    char **geoms;
    regio_err rc = prepare(v, REGIO_OUTLINE_GEOJSON, &tb, &geoms, err);
    if (rc)
        return rc;
    char dir[128], mem[192];
    snprintf(dir, sizeof dir, "/vsimem/regio-export-%ld-%u", (long)getpid(),
             __atomic_fetch_add(&mem_counter, 1u, __ATOMIC_RELAXED));
    snprintf(mem, sizeof mem, "%s/territories.shp", dir);
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    rc = shp_build(v, &tb, geoms, mem, "territories", err);
    /* The .shp last: a reader waiting for it finds the others there. */
    static const char *const exts[] = {"shx", "dbf", "prj", "cpg", "shp"};
    size_t stem = strlen(path) - 3;
    regio_buf target;
    regio_buf_init(&target, 0);
    for (size_t e = 0; e < sizeof exts / sizeof exts[0] && !rc; e++) {
        char part[224];
        snprintf(part, sizeof part, "%s/territories.%s", dir, exts[e]);
        vsi_l_offset len = 0;
        GByte *data = VSIGetMemFileBuffer(part, &len, FALSE);
        if (!data) {
            if (e < 2 || e == 4)
                rc = ogr_fail(err, "a file is missing");
            continue;
        }
        regio_buf_reset(&target);
        rc = regio_buf_printf(&target, "%.*s%s", (int)stem, path, exts[e]);
        if (!rc)
            rc = regio_output_write(target.data, data, (size_t)len, err);
    }
    regio_buf_free(&target);
    VSIRmdirRecursive(dir);
    CPLPopErrorHandler();
    regio_geo_outlines_free(geoms, v->k);
    table_free(&tb);
    if (!rc && rows)
        *rows = (size_t)v->k;
    return rc;
}

regio_err regio_export_territories(const regio_model_view *v, regio_export_format fmt,
                                   regio_buf *out, size_t *rows, regio_error *err)
{
    if (rows)
        *rows = 0;
    if (!v || !out)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "no model to export");
    if (fmt == REGIO_FORMAT_CSV)
        return regio_error_setf(err, REGIO_EUNSUPPORTED, NULL, 0, NULL,
                                "territories as CSV are the model's hierarchy, read from the "
                                "store: regio_export_stream or regio_export_file");
    table tb;
    char **geoms = NULL;
    regio_err rc = prepare(v, fmt == REGIO_FORMAT_KML ? REGIO_OUTLINE_KML : REGIO_OUTLINE_GEOJSON,
                           &tb, &geoms, err);
    if (rc)
        return rc;
    rc = fmt == REGIO_FORMAT_KML       ? put_kml(v, &tb, geoms, out)
         : fmt == REGIO_FORMAT_GEOJSON ? put_geojson(v, &tb, geoms, out)
                                       : shp_zip(v, &tb, geoms, out, err);
    regio_geo_outlines_free(geoms, v->k);
    table_free(&tb);
    if (rc == REGIO_ENOMEM)
        return regio_error_setf(err, rc, NULL, 0, NULL, "out of memory");
    if (!rc && rows)
        *rows = (size_t)v->k;
    return rc;
}
