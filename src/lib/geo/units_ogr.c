/*
 * Reads geography units with GDAL/OGR (GeoJSON, TopoJSON, Shapefile,
 * GeoPackage, anything OGR opens): picks the layer and the id/name fields,
 * reprojects to WGS84, repairs invalid polygons with GEOSMakeValid, computes
 * spherical area and centroid (sphere.c) and validates every feature.
 * One pass over the features (two for GeoJSON-like sources, to look at FIDs).
 */
#include "geo/geo_internal.h"
#include "core/grow.h"
#include "regio/format.h"

#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Internal: read_feature asks the caller to drop the feature. */
#define REGIO_EAGAIN_SKIP_ ((regio_err)-1)

static pthread_once_t gdal_once = PTHREAD_ONCE_INIT;
static void gdal_register(void) { GDALAllRegister(); }

/* GDAL messages go here instead of stderr while we run. */
typedef struct cpl_capture {
    char last[512];
} cpl_capture;

static void CPL_STDCALL cpl_handler(CPLErr cls, CPLErrorNum no,
                                    const char *msg)
{
    (void)no;
    cpl_capture *c = CPLGetErrorHandlerUserData();
    if (c && cls >= CE_Warning && msg)
        snprintf(c->last, sizeof c->last, "%s", msg);
}

/* Everything one import needs, freed in one place. */
typedef struct reader {
    const char *path;
    const regio_units_read_opts *opts;
    regio_units_report *rep;
    regio_error *err;
    regio__geos g;
    GEOSWKBReader *wkb_r;
    GEOSWKBWriter *wkb_w;
    regio_unit *units;
    long *feat_of;   /* feature index of each unit (skips make them differ) */
    size_t n_units, cap_units;
    int id_idx;      /* field index of the id, -1 = FID */
    int use_fid;
    int name_idx;    /* -1 = none */
    int planar;
    OGRCoordinateTransformationH ct;
    cpl_capture cpl;
} reader;

static regio_err fail_feat(reader *r, regio_err code, long feat,
                           const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static regio_err fail_feat(reader *r, regio_err code, long feat,
                           const char *field, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (feat >= 0)
        return regio__geo_fail(r->err, code, r->path, feat + 1, field,
                               "feature %ld: %s", feat + 1, msg);
    return regio__geo_fail(r->err, code, r->path, 0, field, "%s", msg);
}

static void note(reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note(reader *r, const char *fmt, ...)
{
    char *s = r->rep->notes;
    size_t len = strlen(s), cap = sizeof r->rep->notes;
    if (len + 2 >= cap)
        return;
    if (len) {
        s[len++] = ' ';
        s[len] = '\0';
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s + len, cap - len, fmt, ap);
    va_end(ap);
}

static int is_numeric(OGRFieldType t)
{
    return t == OFTInteger || t == OFTInteger64 || t == OFTReal;
}

static int find_field(OGRFeatureDefnH defn, const char *name)
{
    int n = OGR_FD_GetFieldCount(defn);
    for (int i = 0; i < n; i++)
        if (!strcmp(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)), name))
            return i;
    for (int i = 0; i < n; i++)
        if (!strcasecmp(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)), name))
            return i;
    return -1;
}

static int id_type_ok(OGRFeatureDefnH defn, int i)
{
    OGRFieldType t = OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, i));
    return t == OFTString || t == OFTInteger || t == OFTInteger64;
}

/* GeoJSON-like drivers turn integer feature ids into FIDs; we can tell them
 * from the default numbering 0, 1, 2, ... only by looking at them. The
 * first 16 decide, so a big file is not parsed a third time. */
static int fids_are_ids(OGRLayerH L, const char *driver)
{
    if (strcmp(driver, "GeoJSON") && strcmp(driver, "GeoJSONSeq") &&
        strcmp(driver, "TopoJSON") && strcmp(driver, "ESRIJSON"))
        return 0;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(L);
    int nf = OGR_FD_GetFieldCount(defn);
    char **ign = NULL;
    for (int i = 0; i < nf; i++)
        ign = CSLAddString(ign, OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)));
    ign = CSLAddString(ign, "OGR_GEOMETRY");
    OGR_L_SetIgnoredFields(L, (const char **)ign);
    CSLDestroy(ign);
    OGR_L_ResetReading(L);
    int differ = 0;
    GIntBig k = 0;
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(L)) != NULL) {
        if (OGR_F_GetFID(f) != k++)
            differ = 1;
        OGR_F_Destroy(f);
        if (differ || k >= 16)
            break;
    }
    OGR_L_SetIgnoredFields(L, NULL);
    OGR_L_ResetReading(L);
    return differ;
}

static regio_err pick_fields(reader *r, OGRLayerH L, const char *driver)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(L);
    const regio_units_read_opts *o = r->opts;
    r->id_idx = -1;
    r->use_fid = 0;
    r->name_idx = -1;
    if (o && o->id_field) {
        if (!strcasecmp(o->id_field, "(FID)") || !strcasecmp(o->id_field, "FID")) {
            int i = find_field(defn, o->id_field);
            if (i >= 0)
                r->id_idx = i;
            else
                r->use_fid = 1;
        } else if ((r->id_idx = find_field(defn, o->id_field)) < 0) {
            return fail_feat(r, REGIO_EDATA, -1, o->id_field,
                             "id field '%s' is not in layer '%s'", o->id_field,
                             r->rep->layer);
        }
    } else {
        static const char *const cands[] = {"GEOID", "GEOID10", "GEOID20",
                                            "FIPS", "ZCTA5CE10", "ZCTA5CE20",
                                            "ZIP", "CODE"};
        int i = find_field(defn, "id");
        if (i >= 0 && id_type_ok(defn, i))
            r->id_idx = i;
        else if (fids_are_ids(L, driver))
            r->use_fid = 1;
        for (size_t c = 0; r->id_idx < 0 && !r->use_fid &&
                           c < sizeof cands / sizeof cands[0]; c++) {
            i = find_field(defn, cands[c]);
            if (i >= 0 && id_type_ok(defn, i))
                r->id_idx = i;
        }
        if (r->id_idx < 0 && !r->use_fid) {
            i = find_field(defn, "NAME");
            if (i >= 0 && id_type_ok(defn, i)) {
                r->id_idx = i;
                note(r, "No id field found; using NAME as the id.");
            }
        }
        if (r->id_idx < 0 && !r->use_fid)
            return fail_feat(r, REGIO_EDATA, -1, "id",
                             "layer '%s' has no id field (looked for id, the "
                             "GeoJSON feature id, GEOID, GEOID10, GEOID20, "
                             "FIPS, ZCTA5CE10, ZCTA5CE20, ZIP, CODE, NAME); "
                             "name one with the id field option",
                             r->rep->layer);
    }
    snprintf(r->rep->id_field, sizeof r->rep->id_field, "%s",
             r->use_fid ? "(FID)"
                        : OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, r->id_idx)));
    if (o && o->name_field) {
        if ((r->name_idx = find_field(defn, o->name_field)) < 0)
            return fail_feat(r, REGIO_EDATA, -1, o->name_field,
                             "name field '%s' is not in layer '%s'",
                             o->name_field, r->rep->layer);
    } else {
        static const char *const names[] = {"NAME", "name", "NAMELSAD"};
        for (size_t c = 0; r->name_idx < 0 && c < 3; c++) {
            int n = OGR_FD_GetFieldCount(defn);
            for (int i = 0; i < n; i++)
                if (!strcmp(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)),
                            names[c]) && i != r->id_idx) {
                    r->name_idx = i;
                    break;
                }
        }
        if (r->name_idx < 0) {
            int i = find_field(defn, "name");
            if (i >= 0 && i != r->id_idx)
                r->name_idx = i;
        }
    }
    if (r->name_idx >= 0)
        snprintf(r->rep->name_field, sizeof r->rep->name_field, "%s",
                 OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, r->name_idx)));
    return REGIO_OK;
}

static regio_err setup_crs(reader *r, OGRLayerH L)
{
    OGRSpatialReferenceH src = OGR_L_GetSpatialRef(L);
    if (src) {
        const char *nm = OSRGetName(src);
        snprintf(r->rep->source_crs, sizeof r->rep->source_crs, "%s",
                 nm ? nm : "");
    }
    if (r->planar || !src)
        return REGIO_OK;
    OGRSpatialReferenceH wgs = OSRNewSpatialReference(NULL);
    if (!wgs)
        return REGIO_ENOMEM;
    OSRSetWellKnownGeogCS(wgs, "WGS84");
    OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
    const char *cmp[] = {"CRITERION=EQUIVALENT_EXCEPT_AXIS_ORDER_GEOGCRS", NULL};
    int same = OSRIsGeographic(src) && OSRIsSameEx(src, wgs, cmp);
    regio_err rc = REGIO_OK;
    if (!same) {
        OGRSpatialReferenceH s2 = OSRClone(src);
        if (s2)
            OSRSetAxisMappingStrategy(s2, OAMS_TRADITIONAL_GIS_ORDER);
        r->ct = s2 ? OCTNewCoordinateTransformation(s2, wgs) : NULL;
        if (s2)
            OSRDestroySpatialReference(s2);
        if (!r->ct)
            rc = fail_feat(r, REGIO_EUNSUPPORTED, -1, "",
                           "cannot reproject from '%s' to WGS84: %s",
                           r->rep->source_crs, r->cpl.last);
        else
            r->rep->reprojected = 1;
    }
    OSRDestroySpatialReference(wgs);
    return rc;
}

static regio_err read_attrs(reader *r, OGRFeatureH f, OGRFeatureDefnH defn,
                            long feat, regio_unit *u)
{
    int nf = OGR_FD_GetFieldCount(defn);
    if (nf == 0)
        return REGIO_OK;
    u->attrs = regio_calloc((size_t)nf, sizeof *u->attrs);
    if (!u->attrs)
        return REGIO_ENOMEM;
    for (int i = 0; i < nf; i++) {
        if (i == r->id_idx || i == r->name_idx)
            continue;
        OGRFieldDefnH fd = OGR_FD_GetFieldDefn(defn, i);
        const char *key = OGR_Fld_GetNameRef(fd);
        regio_attr *a = &u->attrs[u->n_attrs];
        a->num = NAN;
        if (!(a->key = regio_strdup(key)))
            return REGIO_ENOMEM;
        u->n_attrs++;
        if (!OGR_F_IsFieldSetAndNotNull(f, i)) {
            if (is_numeric(OGR_Fld_GetType(fd)))
                r->rep->n_null_values++;
            continue;
        }
        const char *s = OGR_F_GetFieldAsString(f, i);
        if (s && *s && !(a->text = regio_strdup(s)))
            return REGIO_ENOMEM;
        if (is_numeric(OGR_Fld_GetType(fd))) {
            double v = OGR_F_GetFieldAsDouble(f, i);
            if (!isfinite(v))
                return fail_feat(r, REGIO_EDATA, feat, key,
                                 "measure '%s' is not a finite number", key);
            char num[32];
            if (v < 0)
                return fail_feat(r, REGIO_EDATA, feat, key, "measure '%s' is negative (%s)",
                                 key, regio_format_g15(v, num));
            a->num = v;
            a->is_num = 1;
        }
    }
    return REGIO_OK;
}

static const char *geom_name(OGRwkbGeometryType t)
{
    const char *s = OGRGeometryTypeToName(t);
    return s ? s : "unknown";
}

/* A polygon with no area: centroid of its outline, area 0. */
static regio_err collapsed(reader *r, const GEOSGeometry *gg, long feat,
                           regio_unit *u)
{
    GEOSGeometry *c = GEOSGetCentroid_r(r->g.h, gg);
    double x = NAN, y = NAN;
    if (c) {
        GEOSGeomGetX_r(r->g.h, c, &x);
        GEOSGeomGetY_r(r->g.h, c, &y);
        GEOSGeom_destroy_r(r->g.h, c);
    }
    if (!isfinite(x) || !isfinite(y))
        return fail_feat(r, REGIO_EDATA, feat, "geometry",
                         "polygon of unit '%s' is empty", u->id);
    u->lat = y;
    u->lon = x;
    u->area_km2 = 0;
    if (r->rep->collapsed < REGIO_UNITS_REPORT_IDS)
        snprintf(r->rep->collapsed_ids[r->rep->collapsed],
                 sizeof r->rep->collapsed_ids[0], "%s", u->id);
    r->rep->collapsed++;
    return REGIO_OK;
}

/* Geometry of one polygon feature: validity, repair, WKB, area, centroid. */
static regio_err read_polygon(reader *r, OGRGeometryH geom, long feat,
                              regio_unit *u)
{
    size_t len = (size_t)OGR_G_WkbSize(geom);
    unsigned char *wkb = regio_malloc(len ? len : 1);
    if (!wkb)
        return REGIO_ENOMEM;
    if (OGR_G_ExportToIsoWkb(geom, wkbNDR, wkb) != OGRERR_NONE) {
        regio_free(wkb);
        return fail_feat(r, REGIO_EGEOM, feat, "geometry",
                         "cannot encode the geometry: %s", r->cpl.last);
    }
    GEOSContextHandle_t h = r->g.h;
    GEOSGeometry *gg = GEOSWKBReader_read_r(h, r->wkb_r, wkb, len);
    if (!gg) {
        regio_free(wkb);
        return fail_feat(r, REGIO_EGEOM, feat, "geometry",
                         "GEOS cannot read the geometry: %s", r->g.last);
    }
    regio_err rc = REGIO_OK;
    char valid = GEOSisValid_r(h, gg);
    if (valid != 1) {
        GEOSMakeValidParams *p = GEOSMakeValidParams_create_r(h);
        GEOSMakeValidParams_setMethod_r(h, p, GEOS_MAKE_VALID_STRUCTURE);
        GEOSMakeValidParams_setKeepCollapsed_r(h, p, 0);
        GEOSGeometry *fixed = GEOSMakeValidWithParams_r(h, gg, p);
        GEOSMakeValidParams_destroy_r(h, p);
        if (!fixed || GEOSisEmpty_r(h, fixed)) {
            /* Collapsed (zero-area) polygon: keep the outline. */
            if (fixed)
                GEOSGeom_destroy_r(h, fixed);
            rc = collapsed(r, gg, feat, u);
            goto done;
        }
        GEOSGeom_destroy_r(h, gg);
        gg = fixed;
        size_t wl = 0;
        unsigned char *w = GEOSWKBWriter_write_r(h, r->wkb_w, gg, &wl);
        if (!w) {
            rc = fail_feat(r, REGIO_EGEOM, feat, "geometry",
                           "cannot encode the repaired geometry: %s",
                           r->g.last);
            goto done;
        }
        regio_free(wkb);
        wkb = regio_malloc(wl ? wl : 1);
        if (wkb)
            memcpy(wkb, w, wl);
        GEOSFree_r(h, w);
        if (!wkb) {
            rc = REGIO_ENOMEM;
            goto done;
        }
        len = wl;
        if (r->rep->repaired < REGIO_UNITS_REPORT_IDS)
            snprintf(r->rep->repaired_ids[r->rep->repaired],
                     sizeof r->rep->repaired_ids[0], "%s", u->id);
        r->rep->repaired++;
    }
    if (r->planar) {
        double area = 0, x = NAN, y = NAN;
        GEOSArea_r(h, gg, &area);
        GEOSGeometry *c = GEOSGetCentroid_r(h, gg);
        if (c) {
            GEOSGeomGetX_r(h, c, &x);
            GEOSGeomGetY_r(h, c, &y);
            GEOSGeom_destroy_r(h, c);
        }
        u->area_km2 = area;
        u->lat = y;
        u->lon = x;
        if (!isfinite(x) || !isfinite(y))
            rc = fail_feat(r, REGIO_EDATA, feat, "geometry",
                           "polygon has no centroid (zero area)");
    } else {
        rc = regio__sphere_geos_stats(&r->g, gg, &u->area_km2, &u->lat,
                                      &u->lon);
        if (rc && rc != REGIO_ENOMEM)
            rc = fail_feat(r, REGIO_EDATA, feat, "geometry",
                           "polygon has zero area");
    }
done:
    if (gg)
        GEOSGeom_destroy_r(h, gg);
    if (rc) {
        regio_free(wkb);
        return rc;
    }
    u->wkb = wkb;
    u->wkb_len = len;
    return REGIO_OK;
}

static regio_err read_feature(reader *r, OGRFeatureH f, OGRFeatureDefnH defn,
                              long feat, regio_unit *u)
{
    char idbuf[32];
    const char *id = NULL;
    if (r->use_fid) {
        snprintf(idbuf, sizeof idbuf, "%lld", (long long)OGR_F_GetFID(f));
        id = idbuf;
    } else if (OGR_F_IsFieldSetAndNotNull(f, r->id_idx)) {
        id = OGR_F_GetFieldAsString(f, r->id_idx);
    }
    if (!id || !*id)
        return fail_feat(r, REGIO_EDATA, feat, r->rep->id_field,
                         "missing or empty id");
    if (!(u->id = regio_strdup(id)))
        return REGIO_ENOMEM;
    if (r->name_idx >= 0 && OGR_F_IsFieldSetAndNotNull(f, r->name_idx)) {
        const char *nm = OGR_F_GetFieldAsString(f, r->name_idx);
        if (nm && *nm && !(u->name = regio_strdup(nm)))
            return REGIO_ENOMEM;
    }
    regio_err rc = read_attrs(r, f, defn, feat, u);
    if (rc)
        return rc == REGIO_ENOMEM
                   ? fail_feat(r, rc, feat, "", "out of memory")
                   : rc;

    OGRGeometryH geom = OGR_F_GetGeometryRef(f);
    if (!geom)
        return fail_feat(r, REGIO_EDATA, feat, "geometry",
                         "unit '%s' has no geometry", u->id);
    if (OGR_G_IsEmpty(geom) && r->opts && r->opts->skip_empty) {
        if (r->rep->skipped_empty < REGIO_UNITS_REPORT_IDS)
            snprintf(r->rep->skipped_ids[r->rep->skipped_empty],
                     sizeof r->rep->skipped_ids[0], "%s", u->id);
        r->rep->skipped_empty++;
        return REGIO_EAGAIN_SKIP_;
    }
    if (OGR_G_IsEmpty(geom))
        return fail_feat(r, REGIO_EDATA, feat, "geometry",
                         "unit '%s' has an empty geometry (skip such features "
                         "with --skip-empty)",
                         u->id);
    if (r->ct && OGR_G_Transform(geom, r->ct) != OGRERR_NONE)
        return fail_feat(r, REGIO_EDATA, feat, "geometry",
                         "cannot reproject unit '%s' to WGS84: %s", u->id,
                         r->cpl.last);
    OGR_G_FlattenTo2D(geom);
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(geom));
    if (t == wkbCurvePolygon || t == wkbMultiSurface) {
        OGRGeometryH lin = OGR_G_GetLinearGeometry(geom, 0, NULL);
        if (!lin)
            return fail_feat(r, REGIO_EGEOM, feat, "geometry",
                             "cannot linearise the curved polygon");
        OGR_F_SetGeometryDirectly(f, lin);
        geom = OGR_F_GetGeometryRef(f);
        t = wkbFlatten(OGR_G_GetGeometryType(geom));
    }
    if (t == wkbPoint || t == wkbMultiPoint) {
        double x, y;
        if (t == wkbPoint) {
            x = OGR_G_GetX(geom, 0);
            y = OGR_G_GetY(geom, 0);
        } else {
            OGRGeometryH c = OGR_G_CreateGeometry(wkbPoint);
            if (!c || OGR_G_Centroid(geom, c) != OGRERR_NONE) {
                if (c)
                    OGR_G_DestroyGeometry(c);
                return fail_feat(r, REGIO_EGEOM, feat, "geometry",
                                 "no centroid for the multipoint");
            }
            x = OGR_G_GetX(c, 0);
            y = OGR_G_GetY(c, 0);
            OGR_G_DestroyGeometry(c);
        }
        u->lat = y;
        u->lon = x;
        u->area_km2 = NAN;
        r->rep->n_points++;
    } else if (t == wkbPolygon || t == wkbMultiPolygon) {
        if ((rc = read_polygon(r, geom, feat, u)))
            return rc == REGIO_ENOMEM
                       ? fail_feat(r, rc, feat, "", "out of memory")
                       : rc;
        r->rep->n_polygons++;
    } else {
        return fail_feat(r, REGIO_EDATA, feat, "geometry",
                         "unit '%s' has a %s; units must be polygons or "
                         "points", u->id, geom_name(t));
    }
    if (!isfinite(u->lat) || !isfinite(u->lon))
        return fail_feat(r, REGIO_EDATA, feat, "geometry",
                         "unit '%s' has a non-finite position", u->id);
    if (!r->planar && (fabs(u->lat) > 90 || fabs(u->lon) > 180))
        return fail_feat(r, REGIO_EDATA, feat, "geometry",
                         "centroid of unit '%s' (lat %.6g, lon %.6g) is "
                         "outside lat [-90,90] / lon [-180,180]; planar "
                         "coordinates need the planar option or a CRS",
                         u->id, u->lat, u->lon);
    return REGIO_OK;
}

typedef struct idpos {
    const char *id;
    size_t pos;
} idpos;

static int idpos_cmp(const void *x, const void *y)
{
    const idpos *a = x, *b = y;
    int c = strcmp(a->id, b->id);
    if (c)
        return c;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* Finds the duplicate whose second occurrence comes first. */
static regio_err check_duplicates(reader *r)
{
    if (r->n_units < 2)
        return REGIO_OK;
    idpos *v = regio_malloc(r->n_units * sizeof *v);
    if (!v)
        return fail_feat(r, REGIO_ENOMEM, -1, "", "out of memory");
    for (size_t i = 0; i < r->n_units; i++) {
        v[i].id = r->units[i].id;
        v[i].pos = i;
    }
    qsort(v, r->n_units, sizeof *v, idpos_cmp);
    size_t best_first = 0, best_second = (size_t)-1;
    for (size_t i = 1; i < r->n_units; i++)
        if (!strcmp(v[i].id, v[i - 1].id) && v[i].pos < best_second) {
            /* the first occurrence of this id is the start of its run */
            size_t j = i - 1;
            while (j > 0 && !strcmp(v[j - 1].id, v[i].id))
                j--;
            best_first = v[j].pos;
            best_second = v[i].pos;
        }
    regio_free(v);
    if (best_second == (size_t)-1)
        return REGIO_OK;
    return fail_feat(r, REGIO_EDATA, r->feat_of[best_second],
                     r->rep->id_field, "duplicate id '%s' (also feature %ld)",
                     r->units[best_second].id, r->feat_of[best_first] + 1);
}

static OGRLayerH pick_layer(reader *r, GDALDatasetH ds, regio_err *rc)
{
    int nl = GDALDatasetGetLayerCount(ds);
    r->rep->n_layers = (size_t)(nl > 0 ? nl : 0);
    OGRLayerH L = NULL;
    *rc = REGIO_OK;
    if (r->opts && r->opts->layer) {
        L = GDALDatasetGetLayerByName(ds, r->opts->layer);
        if (!L) {
            char names[400] = "";
            size_t k = 0;
            for (int i = 0; i < nl && k + 2 < sizeof names; i++) {
                int w = snprintf(names + k, sizeof names - k, "%s'%s'",
                                 i ? ", " : "",
                                 OGR_L_GetName(GDALDatasetGetLayer(ds, i)));
                if (w > 0)
                    k += (size_t)w;
            }
            *rc = fail_feat(r, REGIO_ENOTFOUND, -1, "layer",
                            "no layer '%s' (layers: %s)", r->opts->layer,
                            names);
            return NULL;
        }
    } else if (nl == 1) {
        L = GDALDatasetGetLayer(ds, 0);
    } else if (nl > 1) {
        GIntBig best = -1;
        for (int i = 0; i < nl; i++) {
            OGRLayerH c = GDALDatasetGetLayer(ds, i);
            GIntBig k = OGR_L_GetFeatureCount(c, 1);
            if (k > best) {
                best = k;
                L = c;
            }
        }
        r->rep->layer_auto = 1;
    }
    if (!L) {
        *rc = fail_feat(r, REGIO_EDATA, -1, "", "the source has no layers");
        return NULL;
    }
    snprintf(r->rep->layer, sizeof r->rep->layer, "%s", OGR_L_GetName(L));
    if (r->rep->layer_auto)
        note(r, "The source has %d layers; read '%s', the one with most "
                "features (%lld).", nl, r->rep->layer,
             (long long)OGR_L_GetFeatureCount(L, 1));
    return L;
}

static regio_err read_layer(reader *r, GDALDatasetH ds)
{
    regio_err rc;
    OGRLayerH L = pick_layer(r, ds, &rc);
    if (!L)
        return rc;
    if (r->opts && r->opts->where && *r->opts->where) {
        CPLErrorReset();
        if (OGR_L_SetAttributeFilter(L, r->opts->where) != OGRERR_NONE)
            return fail_feat(r, REGIO_EINVAL, -1, "where",
                             "the filter '%s' is not valid: %s", r->opts->where,
                             CPLGetLastErrorMsg());
    }
    const char *driver = GDALGetDriverShortName(GDALGetDatasetDriver(ds));
    snprintf(r->rep->driver, sizeof r->rep->driver, "%s", driver ? driver : "");
    if ((rc = pick_fields(r, L, r->rep->driver)))
        return rc;
    if ((rc = setup_crs(r, L)))
        return rc;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(L);
    GIntBig hint = OGR_L_GetFeatureCount(L, 0);
    if (hint > 0) {
        r->units = regio_malloc((size_t)hint * sizeof *r->units);
        r->feat_of = regio_malloc((size_t)hint * sizeof *r->feat_of);
        if (!r->units || !r->feat_of)
            return fail_feat(r, REGIO_ENOMEM, -1, "", "out of memory");
        r->cap_units = (size_t)hint;
    }
    OGR_L_ResetReading(L);
    OGRFeatureH f;
    long feat = 0;
    while ((f = OGR_L_GetNextFeature(L)) != NULL) {
        if (r->n_units == r->cap_units) {
            size_t cu = r->cap_units, cf = r->cap_units;
            if (regio__grow(&r->units, &cu, r->n_units + 1, sizeof *r->units) ||
                regio__grow(&r->feat_of, &cf, r->n_units + 1, sizeof *r->feat_of)) {
                OGR_F_Destroy(f);
                return fail_feat(r, REGIO_ENOMEM, -1, "", "out of memory");
            }
            r->cap_units = cu;
        }
        r->feat_of[r->n_units] = feat;
        regio_unit *u = &r->units[r->n_units++];
        regio_unit_init(u);
        rc = read_feature(r, f, defn, feat, u);
        OGR_F_Destroy(f);
        if (rc == REGIO_EAGAIN_SKIP_) {
            regio_unit_clear(u);
            r->n_units--;
            rc = REGIO_OK;
        }
        if (rc)
            return rc;
        feat++;
    }
    if (r->cpl.last[0] && feat == 0 && hint != 0)
        return fail_feat(r, REGIO_EPARSE, -1, "", "cannot read features: %s",
                         r->cpl.last);
    if (feat == 0)
        return fail_feat(r, REGIO_EDATA, -1, "", "layer '%s' has no features",
                         r->rep->layer);
    return check_duplicates(r);
}

regio_err regio_units_read_ogr(const char *path,
                               const regio_units_read_opts *opts,
                               regio_unitset **out, regio_units_report *report,
                               regio_error *err)
{
    regio_units_report rep_local;
    if (!path || !out)
        return regio__geo_fail(err, REGIO_EINVAL, path, 0, "",
                               "path and out are required");
    *out = NULL;
    reader r;
    memset(&r, 0, sizeof r);
    r.path = path;
    r.opts = opts;
    r.rep = report ? report : &rep_local;
    memset(r.rep, 0, sizeof *r.rep);
    r.err = err;
    r.planar = opts && opts->planar;
    pthread_once(&gdal_once, gdal_register);
    if (regio__geos_init(&r.g))
        return regio__geo_fail(err, REGIO_ENOMEM, path, 0, "",
                               "cannot start GEOS");
    r.wkb_r = GEOSWKBReader_create_r(r.g.h);
    r.wkb_w = GEOSWKBWriter_create_r(r.g.h);
    regio_err rc = REGIO_OK;
    if (!r.wkb_r || !r.wkb_w) {
        rc = regio__geo_fail(err, REGIO_ENOMEM, path, 0, "", "out of memory");
        goto out;
    }
    GEOSWKBWriter_setFlavor_r(r.g.h, r.wkb_w, GEOS_WKB_ISO);
    GEOSWKBWriter_setOutputDimension_r(r.g.h, r.wkb_w, 2);
    GEOSWKBWriter_setByteOrder_r(r.g.h, r.wkb_w, GEOS_WKB_NDR);

    CPLPushErrorHandlerEx(cpl_handler, &r.cpl);
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY,
                                 NULL, NULL, NULL);
    if (!ds) {
        VSILFILE *fp = VSIFOpenL(path, "rb");
        if (fp)
            VSIFCloseL(fp);
        if (!fp)
            rc = regio__geo_fail(err, REGIO_EIO, path, 0, "",
                                 "cannot open '%s': no such file", path);
        else
            rc = regio__geo_fail(err, REGIO_EPARSE, path, 0, "",
                                 "not a vector data source OGR can read%s%s",
                                 r.cpl.last[0] ? ": " : "", r.cpl.last);
    } else {
        rc = read_layer(&r, ds);
        GDALClose(ds);
    }
    CPLPopErrorHandler();
    if (r.ct)
        OCTDestroyCoordinateTransformation(r.ct);
    if (!rc) {
        regio_unitset *us = NULL;
        regio_unit *units = r.units;
        size_t n = r.n_units;
        r.units = NULL;
        r.n_units = 0;
        rc = regio_unitset_create(units, n, r.planar, &us, err);
        if (!rc) {
            *out = us;
            r.rep->n_units = us->n;
            r.rep->n_measures = us->n_measures;
            if (r.rep->reprojected)
                note(&r, "Reprojected from '%s' to WGS84.",
                     r.rep->source_crs);
            if (r.rep->repaired) {
                char ids[REGIO_UNITS_REPORT_IDS * 66] = "";
                size_t k = 0, m = r.rep->repaired < REGIO_UNITS_REPORT_IDS
                                      ? r.rep->repaired
                                      : REGIO_UNITS_REPORT_IDS;
                for (size_t i = 0; i < m; i++) {
                    int w = snprintf(ids + k, sizeof ids - k, "%s%s",
                                     i ? ", " : "", r.rep->repaired_ids[i]);
                    if (w > 0 && (size_t)w < sizeof ids - k)
                        k += (size_t)w;
                }
                note(&r, "Repaired %zu invalid geometr%s (%s%s).",
                     r.rep->repaired, r.rep->repaired == 1 ? "y" : "ies", ids,
                     r.rep->repaired > m ? ", ..." : "");
            }
            if (r.rep->collapsed)
                note(&r, "%zu polygon%s had no area left after repair and "
                         "%s kept with area 0 (first: %s).",
                     r.rep->collapsed, r.rep->collapsed == 1 ? "" : "s",
                     r.rep->collapsed == 1 ? "is" : "are",
                     r.rep->collapsed_ids[0]);
            if (r.rep->skipped_empty)
                note(&r, "Skipped %zu feature%s with an empty geometry "
                         "(first: %s).", r.rep->skipped_empty,
                     r.rep->skipped_empty == 1 ? "" : "s",
                     r.rep->skipped_ids[0]);
            if (r.rep->n_null_values)
                note(&r, "%zu numeric values were empty and are kept as "
                         "missing.", r.rep->n_null_values);
        }
    }
out:
    for (size_t i = 0; i < r.n_units; i++)
        regio_unit_clear(&r.units[i]);
    regio_free(r.units);
    regio_free(r.feat_of);
    if (r.wkb_r)
        GEOSWKBReader_destroy_r(r.g.h, r.wkb_r);
    if (r.wkb_w)
        GEOSWKBWriter_destroy_r(r.g.h, r.wkb_w);
    regio__geos_finish(&r.g);
    return rc;
}
