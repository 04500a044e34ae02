/*
 * Open-addressing hash map from strings to a long value (a line number, an
 * index). Keys are copied into chunked storage owned by the map. Internal.
 */
#ifndef REGIO_CORE_STRMAP_H
#define REGIO_CORE_STRMAP_H

#include "regio/core.h"

typedef struct regio__strmap regio__strmap;

regio__strmap *regio__strmap_create(size_t expected);
void regio__strmap_destroy(regio__strmap *m);
/* Inserts key -> value unless present. *found = 1 and *value_out = the old
 * value when the key was there already (nothing changes then). */
regio_err regio__strmap_put(regio__strmap *m, const char *key, long value,
                            int *found, long *value_out);
/* Value of key, or -1 when absent. */
long regio__strmap_get(const regio__strmap *m, const char *key);
size_t regio__strmap_size(const regio__strmap *m);

#endif
