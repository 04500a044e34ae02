/*
 * The single allocation hook of libregio. Tests install an allocator that
 * fails the n-th call to prove every public API cleans up after ENOMEM.
 */
#include "regio/core.h"

#include <stdlib.h>
#include <string.h>

static void *std_malloc(void *ud, size_t size)
{
    (void)ud;
    return malloc(size);
}

static void *std_realloc(void *ud, void *ptr, size_t size)
{
    (void)ud;
    return realloc(ptr, size);
}

static void std_free(void *ud, void *ptr)
{
    (void)ud;
    free(ptr);
}

static regio_allocator current = {std_malloc, std_realloc, std_free, NULL};

void regio_set_allocator(const regio_allocator *a)
{
    if (a) {
        current = *a;
    } else {
        current.malloc_fn = std_malloc;
        current.realloc_fn = std_realloc;
        current.free_fn = std_free;
        current.ud = NULL;
    }
}

void *regio_malloc(size_t size)
{
    return current.malloc_fn(current.ud, size ? size : 1);
}

void *regio_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = regio_malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *regio_realloc(void *ptr, size_t size)
{
    return current.realloc_fn(current.ud, ptr, size ? size : 1);
}

void regio_free(void *ptr)
{
    if (ptr)
        current.free_fn(current.ud, ptr);
}

char *regio_strdup(const char *s)
{
    if (!s)
        return NULL;
    return regio_strndup(s, strlen(s));
}

char *regio_strndup(const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *p = regio_malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}
