/*
 * The cache of rendered answers (see pagecache.h): a hash table of keys,
 * the entries also on a list from the most to the least recently used.
 */
#include "server/pagecache.h"

#include "regio/regio.h"

#include <string.h>

#define BUCKETS 1024 /* a power of two; a 64 MB cache of 50 kB pages holds ~1,300 */

typedef struct entry {
    struct entry *next;             /* in its bucket */
    struct entry *newer, *older;    /* on the use list */
    uint64_t hash;
    srv_blob *blob;
    size_t len;                     /* of key */
    char key[];
} entry;

struct srv_page_cache {
    size_t max_bytes, bytes, entries;
    int has_state;
    srv_page_state st;
    entry *bucket[BUCKETS];
    entry *newest, *oldest;
    unsigned long long hits, misses, flushes;
};

/* What an entry counts against the cap: its answer, its key, its header
 * (fixed, so that the cap means the same everywhere). */
static size_t cost(const entry *e)
{
    return srv_blob_len(e->blob) + e->len + SRV_PAGE_CACHE_ENTRY;
}

static uint64_t hash_of(const char *key, size_t len)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)key[i]) * 1099511628211ull;
    return h;
}

srv_page_cache *srv_page_cache_new(size_t max_bytes)
{
    srv_page_cache *c = regio_calloc(1, sizeof *c);
    if (c)
        c->max_bytes = max_bytes;
    return c;
}

static void unlink_use(srv_page_cache *c, entry *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void push_newest(srv_page_cache *c, entry *e)
{
    e->older = c->newest;
    e->newer = NULL;
    if (c->newest)
        c->newest->newer = e;
    c->newest = e;
    if (!c->oldest)
        c->oldest = e;
}

static void drop(srv_page_cache *c, entry *e)
{
    entry **pp = &c->bucket[e->hash & (BUCKETS - 1)];
    while (*pp != e)
        pp = &(*pp)->next;
    *pp = e->next;
    unlink_use(c, e);
    c->bytes -= cost(e);
    c->entries--;
    srv_blob_unref(e->blob);
    regio_free(e);
}

static void flush(srv_page_cache *c)
{
    while (c->oldest)
        drop(c, c->oldest);
}

void srv_page_cache_free(srv_page_cache *c)
{
    if (!c)
        return;
    flush(c);
    regio_free(c);
}

static int same_state(const srv_page_state *a, const srv_page_state *b)
{
    return a->epoch == b->epoch && a->gen == b->gen && !strcmp(a->day, b->day);
}

static entry *find(srv_page_cache *c, const char *key, size_t len, uint64_t h)
{
    for (entry *e = c->bucket[h & (BUCKETS - 1)]; e; e = e->next)
        if (e->hash == h && e->len == len && !memcmp(e->key, key, len))
            return e;
    return NULL;
}

srv_blob *srv_page_cache_get(srv_page_cache *c, const srv_page_state *st, const char *key,
                             size_t len)
{
    if (!c)
        return NULL;
    if (!c->has_state || !same_state(&c->st, st)) {
        /* A write (or the day) came between: nothing kept holds. */
        if (c->has_state)
            c->flushes++;
        flush(c);
        c->st = *st;
        c->has_state = 1;
    }
    entry *e = find(c, key, len, hash_of(key, len));
    if (!e) {
        c->misses++;
        return NULL;
    }
    c->hits++;
    unlink_use(c, e);
    push_newest(c, e);
    srv_blob_ref(e->blob);
    return e->blob;
}

void srv_page_cache_put(srv_page_cache *c, const srv_page_state *st, const char *key, size_t len,
                        srv_blob *b)
{
    if (!c || !b || !c->has_state || !same_state(&c->st, st))
        return;
    uint64_t h = hash_of(key, len);
    entry *old = find(c, key, len, h);
    if (old) /* made by another request meanwhile: the same answer */
        return;
    entry *e = regio_malloc(sizeof *e + len);
    if (!e)
        return;
    memset(e, 0, sizeof *e);
    e->hash = h;
    e->len = len;
    memcpy(e->key, key, len);
    e->blob = b;
    if (cost(e) > c->max_bytes) {
        regio_free(e);
        return;
    }
    srv_blob_ref(b);
    while (c->oldest && c->bytes + cost(e) > c->max_bytes)
        drop(c, c->oldest);
    e->next = c->bucket[h & (BUCKETS - 1)];
    c->bucket[h & (BUCKETS - 1)] = e;
    push_newest(c, e);
    c->bytes += cost(e);
    c->entries++;
}

void srv_page_cache_stats_get(const srv_page_cache *c, srv_page_cache_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!c)
        return;
    out->hits = c->hits;
    out->misses = c->misses;
    out->flushes = c->flushes;
    out->entries = c->entries;
    out->bytes = c->bytes;
}
