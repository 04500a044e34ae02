/*
 * Private to the exporters (export.c, export_territories.c).
 */
#ifndef REGIO_IO_EXPORT_INTERNAL_H
#define REGIO_IO_EXPORT_INTERNAL_H

#include "regio/export.h"
#include "regio/model_view.h"

/* The territories of v as a Shapefile whose files are written side by
 * side: path ends in ".shp" (any case); NAME.shx, .dbf, .prj and .cpg go
 * next to it, each through regio_output_write. */
regio_err regio__export_territories_shp_files(const regio_model_view *v, const char *path,
                                              size_t *rows, regio_error *err);

/* The territories of model (NULL: the active one) as CSV appended to out:
 * name,parent,account_access,rep, one row per territory, depth first
 * (each parent before its children, siblings by name); *rows (may be
 * NULL) gets their number. */
regio_err regio__export_territories_csv(regio_store *s, const char *model, regio_buf *out,
                                        size_t *rows, regio_error *err);

/* 1 when path ends in ".shp" (any case). */
int regio__export_is_shp_path(const char *path);

#endif
