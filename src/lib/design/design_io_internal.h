/*
 * Between the design problem loader (design_io.c) and its store half
 * (design_store.c). Internal to libregio.
 */
#ifndef REGIO_DESIGN_IO_INTERNAL_H
#define REGIO_DESIGN_IO_INTERNAL_H

#include "regio/design_io.h"

/* The store's units and adjacency as a regio_units_loaded (island links
 * recomputed); *out is owned by the caller (regio_units_loaded_free). */
regio_err regio__design_units_from_store(regio_store *s, int with_geometry,
                                         regio_units_loaded *out, regio_error *err);

#endif
