/*
 * Rendered answers kept between writes (the account list of
 * GET /api/v1/accounts): each keyed on who asked and the exact query, the
 * whole cache valid for one state of the store — the access snapshot's
 * epoch and day, and the store generation (regio_store_generation: moves
 * on every write through any Regio program, bookkeeping aside). A request
 * that sees another state empties it, so nothing kept can be older than
 * the last write. Bounded: the least recently used answers go first when
 * the bytes kept pass the cap. Not thread-safe: used with app->mu held.
 */
#ifndef REGIO_SERVER_PAGECACHE_H
#define REGIO_SERVER_PAGECACHE_H

#include "server/http.h"

#include <stddef.h>
#include <stdint.h>

typedef struct srv_page_cache srv_page_cache;

/* The state of the store an answer was made at. */
typedef struct srv_page_state {
    long long epoch; /* the access snapshot's epoch */
    char day[11];    /* ... and day */
    uint64_t gen;    /* regio_store_generation, read before the answer's reads */
} srv_page_state;

/* What an answer counts against the cap: its bytes, its key's, and this. */
#define SRV_PAGE_CACHE_ENTRY 64

/* A cache of at most max_bytes of answers (0: a cache that keeps nothing);
 * NULL when out of memory. */
srv_page_cache *srv_page_cache_new(size_t max_bytes);
void srv_page_cache_free(srv_page_cache *c);

/* The answer kept for key (len bytes) at state st, with a reference for the
 * caller, or NULL. A state other than the cache's empties it first. */
srv_blob *srv_page_cache_get(srv_page_cache *c, const srv_page_state *st, const char *key,
                             size_t len);

/* Keeps b (a new reference) as the answer for key at state st, unless the
 * cache has moved on to another state meanwhile (st is then older or
 * newer than what it holds: either way b is not kept) or b alone is over
 * the cap. */
void srv_page_cache_put(srv_page_cache *c, const srv_page_state *st, const char *key, size_t len,
                        srv_blob *b);

/* Hits, misses (gets that found nothing) and flushes (gets that found
 * another state) since the start, and what is kept now. */
typedef struct srv_page_cache_stats {
    unsigned long long hits, misses, flushes;
    size_t entries, bytes;
} srv_page_cache_stats;
void srv_page_cache_stats_get(const srv_page_cache *c, srv_page_cache_stats *out);

#endif
