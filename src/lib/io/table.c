/*
 * Tabular row source for the importers (see table.h): CSV through the
 * streaming CSV reader, vector formats through GDAL/OGR with the feature's
 * point geometry (or the centroid of a non-point geometry) as coordinates.
 */
#include "io/table.h"

#include "regio/csv.h"

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <cpl_error.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

struct regio__table {
    int is_ogr;
    regio_csv *csv;
    char **header;
    size_t ncols;
    long line;
    /* OGR side */
    GDALDatasetH ds;
    OGRLayerH layer;
    OGRCoordinateTransformationH to_wgs84;
    char **row;       /* owned copies of the current feature's fields */
    int has_point;
    double lat, lon;
};

static int is_csv_path(const char *path)
{
    if (!strcmp(path, "-"))
        return 1;
    const char *dot = strrchr(path, '.');
    if (!dot)
        return 1;
    return !strcasecmp(dot, ".csv") || !strcasecmp(dot, ".tsv") ||
           !strcasecmp(dot, ".txt");
}

#define set_err(err, code, path, line, msg)                                    \
    regio_error_setf((err), (code), (path), (line), NULL, "%s", (msg))

static void free_strv(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        regio_free(v[i]);
    regio_free(v);
}

static regio_err open_csv(regio__table *t, const char *path, char sep, regio_error *err)
{
    regio_csv_opts o;
    memset(&o, 0, sizeof o);
    o.sep = sep;
    regio_err rc = regio_csv_open(path, &o, &t->csv, err);
    if (rc)
        return rc;
    int has = 0;
    rc = regio_csv_next(t->csv, &has, err);
    if (rc)
        return rc;
    if (!has) {
        set_err(err, REGIO_EPARSE, path, 1, "the file is empty: a header row is required");
        return REGIO_EPARSE;
    }
    t->ncols = regio_csv_nfields(t->csv);
    t->header = regio_calloc(t->ncols, sizeof *t->header);
    if (!t->header)
        return REGIO_ENOMEM;
    for (size_t i = 0; i < t->ncols; i++)
        if (!(t->header[i] = regio_strdup(regio_csv_field(t->csv, i))))
            return REGIO_ENOMEM;
    return REGIO_OK;
}

static regio_err open_ogr(regio__table *t, const char *path, regio_error *err)
{
    GDALAllRegister();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    /* Dates and arrays stay text as written, so a GeoJSON export of ours
     * reads back to the same values (other drivers ignore the options). */
    static const char *const open_opts[] = {"DATE_AS_STRING=YES", "ARRAY_AS_STRING=YES", NULL};
    t->ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, open_opts, NULL);
    CPLPopErrorHandler();
    if (!t->ds) {
        char msg[600];
        snprintf(msg, sizeof msg, "cannot open as a vector file: %s",
                 CPLGetLastErrorMsg()[0] ? CPLGetLastErrorMsg() : "unknown format or missing file");
        set_err(err, REGIO_EIO, path, 0, msg);
        return REGIO_EIO;
    }
    /* The layer with the most features holds the records. */
    int nl = GDALDatasetGetLayerCount(t->ds);
    GIntBig best = -1;
    for (int i = 0; i < nl; i++) {
        OGRLayerH l = GDALDatasetGetLayer(t->ds, i);
        GIntBig c = OGR_L_GetFeatureCount(l, 1);
        if (c > best) {
            best = c;
            t->layer = l;
        }
    }
    if (!t->layer) {
        set_err(err, REGIO_EPARSE, path, 0, "the file holds no layer");
        return REGIO_EPARSE;
    }
    OGRFeatureDefnH fd = OGR_L_GetLayerDefn(t->layer);
    t->ncols = (size_t)OGR_FD_GetFieldCount(fd);
    t->header = regio_calloc(t->ncols ? t->ncols : 1, sizeof *t->header);
    t->row = regio_calloc(t->ncols ? t->ncols : 1, sizeof *t->row);
    if (!t->header || !t->row)
        return REGIO_ENOMEM;
    for (size_t i = 0; i < t->ncols; i++)
        if (!(t->header[i] = regio_strdup(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(fd, (int)i)))))
            return REGIO_ENOMEM;
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(t->layer);
    if (srs) {
        OGRSpatialReferenceH wgs = OSRNewSpatialReference(NULL);
        OSRSetWellKnownGeogCS(wgs, "WGS84");
        OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
        if (!OSRIsSame(srs, wgs))
            t->to_wgs84 = OCTNewCoordinateTransformation(srs, wgs);
        OSRDestroySpatialReference(wgs);
    }
    OGR_L_ResetReading(t->layer);
    return REGIO_OK;
}

regio_err regio__table_open(const char *path, char sep, regio__table **out, regio_error *err)
{
    *out = NULL;
    regio__table *t = regio_calloc(1, sizeof *t);
    if (!t)
        return REGIO_ENOMEM;
    t->is_ogr = !is_csv_path(path);
    regio_err rc = t->is_ogr ? open_ogr(t, path, err) : open_csv(t, path, sep, err);
    if (rc) {
        if (rc == REGIO_ENOMEM && err && !err->msg[0])
            set_err(err, REGIO_ENOMEM, path, 0, "out of memory");
        regio__table_close(t);
        return rc;
    }
    *out = t;
    return REGIO_OK;
}

void regio__table_close(regio__table *t)
{
    if (!t)
        return;
    regio_csv_close(t->csv);
    free_strv(t->header, t->ncols);
    free_strv(t->row, t->ncols);
    if (t->to_wgs84)
        OCTDestroyCoordinateTransformation(t->to_wgs84);
    if (t->ds)
        GDALClose(t->ds);
    regio_free(t);
}

size_t regio__table_ncols(const regio__table *t) { return t->ncols; }

const char *const *regio__table_header(const regio__table *t)
{
    return (const char *const *)t->header;
}

static regio_err next_ogr(regio__table *t, int *has_row)
{
    OGRFeatureH f = OGR_L_GetNextFeature(t->layer);
    if (!f) {
        *has_row = 0;
        return REGIO_OK;
    }
    t->line++;
    for (size_t i = 0; i < t->ncols; i++) {
        regio_free(t->row[i]);
        t->row[i] = NULL;
        if (OGR_F_IsFieldSetAndNotNull(f, (int)i)) {
            OGRFieldType ft = OGR_Fld_GetType(OGR_F_GetFieldDefnRef(f, (int)i));
            if (ft == OFTReal) {
                char num[40];
                double v = OGR_F_GetFieldAsDouble(f, (int)i);
                snprintf(num, sizeof num, "%.17g", v);
                t->row[i] = regio_strdup(num);
            } else {
                t->row[i] = regio_strdup(OGR_F_GetFieldAsString(f, (int)i));
            }
            if (!t->row[i]) {
                OGR_F_Destroy(f);
                return REGIO_ENOMEM;
            }
        }
    }
    t->has_point = 0;
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    if (g && !OGR_G_IsEmpty(g)) {
        double x, y;
        if (wkbFlatten(OGR_G_GetGeometryType(g)) == wkbPoint) {
            x = OGR_G_GetX(g, 0);
            y = OGR_G_GetY(g, 0);
        } else {
            OGRGeometryH c = OGR_G_CreateGeometry(wkbPoint);
            OGR_G_Centroid(g, c);
            x = OGR_G_GetX(c, 0);
            y = OGR_G_GetY(c, 0);
            OGR_G_DestroyGeometry(c);
        }
        int ok = 1;
        if (t->to_wgs84)
            ok = OCTTransform(t->to_wgs84, 1, &x, &y, NULL);
        if (ok && isfinite(x) && isfinite(y)) {
            t->has_point = 1;
            t->lon = x;
            t->lat = y;
        }
    }
    OGR_F_Destroy(f);
    *has_row = 1;
    return REGIO_OK;
}

regio_err regio__table_next(regio__table *t, int *has_row, regio_error *err)
{
    if (t->is_ogr)
        return next_ogr(t, has_row);
    regio_err rc = regio_csv_next(t->csv, has_row, err);
    if (!rc && *has_row)
        t->line = regio_csv_line(t->csv);
    return rc;
}

const char *regio__table_field(const regio__table *t, size_t i)
{
    if (i >= t->ncols)
        return NULL;
    if (t->is_ogr)
        return t->row[i] ? t->row[i] : "";
    if (i >= regio_csv_nfields(t->csv))
        return "";
    return regio_csv_field(t->csv, i);
}

size_t regio__table_row_nfields(const regio__table *t)
{
    return t->is_ogr ? t->ncols : regio_csv_nfields(t->csv);
}

long regio__table_line(const regio__table *t) { return t->line; }

int regio__table_point(const regio__table *t, double *lat, double *lon)
{
    if (!t->is_ogr || !t->has_point)
        return 0;
    *lat = t->lat;
    *lon = t->lon;
    return 1;
}

int regio__table_is_features(const regio__table *t) { return t->is_ogr; }
