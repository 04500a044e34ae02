/*
 * Regio core: error codes, error detail, the allocation hook and a seeded
 * random number generator. Every other public header builds on this one.
 */
#ifndef REGIO_CORE_H
#define REGIO_CORE_H

#include <stddef.h>
#include <stdint.h>

/* Marks a function of libregio's public surface: only these are exported
 * from the shared library (it is built with -fvisibility=hidden). */
#if defined(__GNUC__) || defined(__clang__)
#define REGIO_API __attribute__((visibility("default")))
#else
#define REGIO_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Result of every fallible public function. Values are stable. */
typedef enum regio_err {
    REGIO_OK = 0,
    REGIO_ENOMEM = 1,     /* an allocation failed */
    REGIO_EINVAL = 2,     /* an argument is invalid (programmer or user) */
    REGIO_EIO = 3,        /* a file could not be read or written */
    REGIO_EPARSE = 4,     /* input is malformed (see regio_error for where) */
    REGIO_EDATA = 5,      /* input is well-formed but its values are invalid */
    REGIO_ESTORE = 6,     /* the store reported an error */
    REGIO_ENOTFOUND = 7,  /* a named object does not exist */
    REGIO_ECONFLICT = 8,  /* a write conflicts (stale revision, duplicate) */
    REGIO_EUNSUPPORTED = 9, /* format or feature not supported */
    REGIO_ECANCELLED = 10,  /* a callback asked to stop */
    REGIO_EGEOM = 11,     /* a geometry operation failed */
    REGIO_EINFEASIBLE = 12, /* constraints cannot all hold; best effort given */
    REGIO_ERR_COUNT_
} regio_err;

/* Human-readable sentence for an error code; static storage. */
REGIO_API const char *regio_strerror(regio_err err);

/* Stable upper-case name ("REGIO_EPARSE") for logs and JSON; static storage. */
REGIO_API const char *regio_err_name(regio_err err);

/*
 * Where and why an operation failed. Callers pass one in (it may be NULL);
 * functions fill it on failure. Lines and columns are 1-based; 0 means
 * "not applicable". Plain value type, no ownership.
 */
typedef struct regio_error {
    regio_err code;
    char file[512];   /* input file name, or "" */
    long line;        /* 1-based physical line (CSV) or feature index + 1 */
    long column;      /* 1-based field index, or 0 */
    char field[128];  /* field or column name, or "" */
    char msg[768];    /* full sentence describing the problem */
} regio_error;

/* Resets an error struct to "no error". Accepts NULL. */
REGIO_API void regio_error_clear(regio_error *e);

/*
 * Formats "FILE:LINE: field 'F': MSG" (omitting missing parts) into buf.
 * Returns buf. Never fails; truncates to cap.
 */
REGIO_API const char *regio_error_format(const regio_error *e, char *buf, size_t cap);

/*
 * Clears err (may be NULL), fills its code, file, line and field (each may
 * be NULL/0) and the formatted message, and returns code: the one way every
 * part of Regio says which file, line and field an error is about.
 */
REGIO_API regio_err regio_error_setf(regio_error *err, regio_err code, const char *file, long line,
                           const char *field, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* ---- allocation hook ------------------------------------------------- */

/* All of libregio's own allocations go through these three functions. */
typedef struct regio_allocator {
    void *(*malloc_fn)(void *ud, size_t size);
    void *(*realloc_fn)(void *ud, void *ptr, size_t size);
    void (*free_fn)(void *ud, void *ptr);
    void *ud;
} regio_allocator;

/* Installs an allocator (NULL restores the C library's). Not thread-safe:
 * call before any other libregio function. */
REGIO_API void regio_set_allocator(const regio_allocator *a);

REGIO_API void *regio_malloc(size_t size);
REGIO_API void *regio_calloc(size_t n, size_t size);
REGIO_API void *regio_realloc(void *ptr, size_t size);
REGIO_API void regio_free(void *ptr);
/* Duplicates s (NULL gives NULL); caller frees with regio_free. */
REGIO_API char *regio_strdup(const char *s);
/* Duplicates n bytes of s plus a terminating NUL; caller frees. */
REGIO_API char *regio_strndup(const char *s, size_t n);

/* ---- seeded random numbers (xoshiro256**, seeded through splitmix64) -- */

typedef struct regio_rng {
    uint64_t s[4];
} regio_rng;

REGIO_API void regio_rng_seed(regio_rng *r, uint64_t seed);
REGIO_API uint64_t regio_rng_next(regio_rng *r);
/* Uniform integer in [0, n); n > 0. */
REGIO_API uint64_t regio_rng_below(regio_rng *r, uint64_t n);
/* Uniform double in [0, 1). */
REGIO_API double regio_rng_double(regio_rng *r);

/* Earth radius of every great-circle distance in Regio (METRICS.md). */
#define REGIO_EARTH_RADIUS_KM 6371.0088

/* ---- progress and cancel --------------------------------------------- */

/* Called by long computations with a fraction in [0,1] and a short phase
 * label; returning non-zero asks the computation to stop (REGIO_ECANCELLED
 * or a best-effort result, as each function documents). */
typedef int (*regio_progress_fn)(void *ud, double fraction, const char *phase);

/* Library version string, e.g. "0.1.0"; static storage. */
REGIO_API const char *regio_version(void);

#ifdef __cplusplus
}
#endif
#endif
