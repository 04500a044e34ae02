/*
 * Open-addressing hash map from strings to a long value (a line number, an
 * index). Keys are copied into chunked storage owned by the map. Used
 * throughout libregio and offered to the shells.
 */
#ifndef REGIO_STRMAP_H
#define REGIO_STRMAP_H

#include "regio/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An opaque map; create/destroy. */
typedef struct regio_strmap regio_strmap;

/* A new empty map sized for about `expected` keys, or NULL when out of
 * memory; the caller destroys it. */
REGIO_API regio_strmap *regio_strmap_create(size_t expected);
/* Frees the map and its keys. Accepts NULL. */
REGIO_API void regio_strmap_destroy(regio_strmap *m);
/* Inserts key -> value unless present (the key is copied). *found = 1 and
 * *value_out = the old value when the key was there already (nothing
 * changes then). */
REGIO_API regio_err regio_strmap_put(regio_strmap *m, const char *key, long value, int *found,
                                     long *value_out);
/* Value of key, or -1 when absent. */
REGIO_API long regio_strmap_get(const regio_strmap *m, const char *key);
/* Number of keys. */
REGIO_API size_t regio_strmap_size(const regio_strmap *m);

#ifdef __cplusplus
}
#endif
#endif
