/*
 * A row source over any tabular input: CSV files through the CSV reader,
 * or vector files (GeoJSON, GeoPackage, Shapefile, KML, ...) through
 * GDAL/OGR, where each feature is a row and its point geometry gives
 * coordinates. Importers read accounts and reps through this one shape.
 */
#ifndef REGIO_IO_TABLE_H
#define REGIO_IO_TABLE_H

#include "regio/core.h"

#include <stddef.h>

typedef struct regio__table regio__table;

/* Opens path; ".csv", ".tsv", ".txt" and "-" are read as CSV, anything else
 * through OGR. sep 0 detects the CSV separator. */
regio_err regio__table_open(const char *path, char sep, regio__table **out,
                            regio_error *err);
void regio__table_close(regio__table *t);

/* Header names (column count and text); valid while the table is open. */
size_t regio__table_ncols(const regio__table *t);
const char *const *regio__table_header(const regio__table *t);

/* Reads the next row; *has_row = 0 at the end. */
regio_err regio__table_next(regio__table *t, int *has_row, regio_error *err);
/* Field i of the current row ("" when the row is short); NULL past ncols. */
const char *regio__table_field(const regio__table *t, size_t i);
/* Number of fields the current row really had (to detect ragged rows). */
size_t regio__table_row_nfields(const regio__table *t);
/* 1-based physical line (CSV) or feature number (OGR) of the current row. */
long regio__table_line(const regio__table *t);
/* Whether the current row carries a geometry, and its point (or centroid). */
int regio__table_point(const regio__table *t, double *lat, double *lon);
/* Whether line numbers are feature numbers (for messages). */
int regio__table_is_features(const regio__table *t);

#endif
