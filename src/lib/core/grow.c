/*
 * The growable array (core/grow.h). The array's pointer is read and written
 * with memcpy, so one function serves every element type without casting
 * T ** to void ** (object pointers share one representation on every
 * platform Regio builds for).
 */
#include "core/grow.h"

#include <stdint.h>
#include <string.h>

regio_err regio__grow(void *pptr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return REGIO_OK;
    if (elem == 0 || need > SIZE_MAX / elem)
        return REGIO_ENOMEM;
    size_t nc = *cap <= SIZE_MAX / 2 ? 2 * *cap : SIZE_MAX;
    if (nc < 16)
        nc = 16;
    if (nc < need || nc > SIZE_MAX / elem)
        nc = need;
    void *p;
    memcpy(&p, pptr, sizeof p);
    p = regio_realloc(p, nc * elem);
    if (!p)
        return REGIO_ENOMEM;
    memcpy(pptr, &p, sizeof p);
    *cap = nc;
    return REGIO_OK;
}
