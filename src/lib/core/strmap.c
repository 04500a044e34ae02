/*
 * String-keyed open-addressing hash map (linear probing, FNV-1a hash,
 * power-of-two table kept at most half full). Keys live in large chunks so
 * a million-entry map costs a few allocations, not a million.
 */
#include "regio/strmap.h"

#include <string.h>

typedef struct slot {
    const char *key; /* NULL = empty */
    uint64_t hash;
    long value;
} slot;

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    char data[];
} chunk;

struct regio_strmap {
    slot *slots;
    size_t cap, size;
    chunk *chunks;
};

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

regio_strmap *regio_strmap_create(size_t expected)
{
    regio_strmap *m = regio_calloc(1, sizeof *m);
    if (!m)
        return NULL;
    size_t cap = 64;
    while (cap < expected * 2)
        cap *= 2;
    m->slots = regio_calloc(cap, sizeof *m->slots);
    if (!m->slots) {
        regio_free(m);
        return NULL;
    }
    m->cap = cap;
    return m;
}

void regio_strmap_destroy(regio_strmap *m)
{
    if (!m)
        return;
    chunk *c = m->chunks;
    while (c) {
        chunk *n = c->next;
        regio_free(c);
        c = n;
    }
    regio_free(m->slots);
    regio_free(m);
}

static const char *store_key(regio_strmap *m, const char *key)
{
    size_t n = strlen(key) + 1;
    if (!m->chunks || m->chunks->cap - m->chunks->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        chunk *c = regio_malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->next = m->chunks;
        c->used = 0;
        c->cap = cap;
        m->chunks = c;
    }
    char *p = m->chunks->data + m->chunks->used;
    memcpy(p, key, n);
    m->chunks->used += n;
    return p;
}

static regio_err grow(regio_strmap *m)
{
    size_t cap = m->cap * 2;
    slot *s = regio_calloc(cap, sizeof *s);
    if (!s)
        return REGIO_ENOMEM;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].key)
            continue;
        size_t j = m->slots[i].hash & (cap - 1);
        while (s[j].key)
            j = (j + 1) & (cap - 1);
        s[j] = m->slots[i];
    }
    regio_free(m->slots);
    m->slots = s;
    m->cap = cap;
    return REGIO_OK;
}

regio_err regio_strmap_put(regio_strmap *m, const char *key, long value, int *found,
                            long *value_out)
{
    if ((m->size + 1) * 2 > m->cap) {
        regio_err rc = grow(m);
        if (rc)
            return rc;
    }
    uint64_t h = fnv1a(key);
    size_t j = h & (m->cap - 1);
    while (m->slots[j].key) {
        if (m->slots[j].hash == h && !strcmp(m->slots[j].key, key)) {
            if (found)
                *found = 1;
            if (value_out)
                *value_out = m->slots[j].value;
            return REGIO_OK;
        }
        j = (j + 1) & (m->cap - 1);
    }
    const char *k = store_key(m, key);
    if (!k)
        return REGIO_ENOMEM;
    m->slots[j].key = k;
    m->slots[j].hash = h;
    m->slots[j].value = value;
    m->size++;
    if (found)
        *found = 0;
    return REGIO_OK;
}

long regio_strmap_get(const regio_strmap *m, const char *key)
{
    uint64_t h = fnv1a(key);
    size_t j = h & (m->cap - 1);
    while (m->slots[j].key) {
        if (m->slots[j].hash == h && !strcmp(m->slots[j].key, key))
            return m->slots[j].value;
        j = (j + 1) & (m->cap - 1);
    }
    return -1;
}

size_t regio_strmap_size(const regio_strmap *m)
{
    return m->size;
}
