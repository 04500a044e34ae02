/*
 * The growable array of libregio, private: one doubling step instead of a
 * hand-written "cap ? cap * 2 : N" and regio_realloc in every file. Goes
 * through regio_realloc, so allocation failures injected by the tests
 * reach it, and checks the size for overflow.
 */
#ifndef REGIO_CORE_GROW_H
#define REGIO_CORE_GROW_H

#include "regio/core.h"

#include <stddef.h>

/*
 * Makes room for need elements of elem (> 0) bytes in the array whose
 * pointer is at pptr (the address of any object pointer: &v for T *v) and
 * whose capacity in elements is *cap. When need > *cap it reallocates to
 * the largest of need, twice *cap and 16 (need alone when twice would
 * overflow) and updates the pointer and *cap; contents are kept, new
 * elements are uninitialised. REGIO_ENOMEM when the size overflows size_t
 * or the allocation fails: the pointer and *cap are then unchanged.
 */
regio_err regio__grow(void *pptr, size_t *cap, size_t need, size_t elem);

#endif
