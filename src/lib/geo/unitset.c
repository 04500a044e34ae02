/*
 * Unit sets: the array of units plus an id index (open addressing with
 * linear probing over FNV-1a hashes, load <= 1/2, O(1) expected lookups)
 * and the measure/text attribute names derived from the units.
 */
#include "geo/geo_internal.h"

#include <string.h>

static size_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return (size_t)(h ^ (h >> 29));
}

long regio_unitset_find(const regio_unitset *us, const char *id)
{
    if (!us || !id || !us->index_cap_)
        return -1;
    size_t mask = us->index_cap_ - 1;
    for (size_t s = hash_str(id) & mask;; s = (s + 1) & mask) {
        size_t v = us->index_[s];
        if (v == 0)
            return -1;
        if (!strcmp(us->units[v - 1].id, id))
            return (long)(v - 1);
    }
}

static void free_names(char **names, size_t n)
{
    if (!names)
        return;
    for (size_t i = 0; i < n; i++)
        regio_free(names[i]);
    regio_free(names);
}

void regio_unitset_destroy(regio_unitset *us)
{
    if (!us)
        return;
    for (size_t i = 0; i < us->n; i++)
        regio_unit_clear(&us->units[i]);
    regio_free(us->units);
    free_names(us->measure_names, us->n_measures);
    free_names(us->text_names, us->n_texts);
    regio_free(us->index_);
    regio_free(us);
}

/* Adds key to names (if absent). Linear scan: attribute counts are small. */
static regio_err add_name(char ***names, size_t *n, const char *key)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*names)[i], key))
            return REGIO_OK;
    char **v = regio_realloc(*names, (*n + 1) * sizeof *v);
    if (!v)
        return REGIO_ENOMEM;
    *names = v;
    if (!(v[*n] = regio_strdup(key)))
        return REGIO_ENOMEM;
    (*n)++;
    return REGIO_OK;
}

static regio_err derive_names(regio_unitset *us)
{
    /* A key is a measure when every unit that holds it with a value holds
     * a number; a key seen with text anywhere is a text attribute. */
    char **all = NULL;
    size_t n_all = 0;
    regio_err rc = REGIO_OK;
    for (size_t i = 0; !rc && i < us->n; i++)
        for (size_t k = 0; !rc && k < us->units[i].n_attrs; k++)
            if (us->units[i].attrs[k].key)
                rc = add_name(&all, &n_all, us->units[i].attrs[k].key);
    for (size_t j = 0; !rc && j < n_all; j++) {
        int num = 0, text = 0;
        for (size_t i = 0; i < us->n; i++)
            for (size_t k = 0; k < us->units[i].n_attrs; k++) {
                const regio_attr *a = &us->units[i].attrs[k];
                if (!a->key || strcmp(a->key, all[j]))
                    continue;
                if (a->is_num)
                    num = 1;
                else if (a->text)
                    text = 1;
            }
        if (num && !text)
            rc = add_name(&us->measure_names, &us->n_measures, all[j]);
        else
            rc = add_name(&us->text_names, &us->n_texts, all[j]);
    }
    free_names(all, n_all);
    return rc;
}

regio_err regio_unitset_create(regio_unit *units, size_t n, int planar,
                               regio_unitset **out, regio_error *err)
{
    regio_unitset *us = regio_calloc(1, sizeof *us);
    if (!us) {
        for (size_t i = 0; i < n; i++)
            regio_unit_clear(&units[i]);
        regio_free(units);
        return regio__geo_fail(err, REGIO_ENOMEM, "", 0, "", "out of memory");
    }
    us->units = units;
    us->n = n;
    us->planar = planar ? 1 : 0;
    size_t cap = 16;
    while (cap < 2 * n + 2)
        cap *= 2;
    us->index_ = regio_calloc(cap, sizeof *us->index_);
    if (!us->index_) {
        regio_unitset_destroy(us);
        return regio__geo_fail(err, REGIO_ENOMEM, "", 0, "", "out of memory");
    }
    us->index_cap_ = cap;
    for (size_t i = 0; i < n; i++) {
        const char *id = units[i].id;
        if (!id || !*id) {
            regio_unitset_destroy(us);
            return regio__geo_fail(err, REGIO_EDATA, "", (long)i + 1, "id",
                                   "unit %zu has no id", i + 1);
        }
        if (units[i].wkb)
            us->has_polygons = 1;
        size_t mask = cap - 1, s = hash_str(id) & mask;
        for (;; s = (s + 1) & mask) {
            size_t v = us->index_[s];
            if (v == 0) {
                us->index_[s] = i + 1;
                break;
            }
            if (!strcmp(units[v - 1].id, id)) {
                regio_error tmp;
                regio__geo_fail(&tmp, REGIO_EDATA, "", (long)i + 1, "id",
                                "duplicate id '%s' (units %zu and %zu)", id,
                                v, i + 1);
                regio_unitset_destroy(us);
                if (err)
                    *err = tmp;
                return REGIO_EDATA;
            }
        }
    }
    if (derive_names(us)) {
        regio_unitset_destroy(us);
        return regio__geo_fail(err, REGIO_ENOMEM, "", 0, "", "out of memory");
    }
    *out = us;
    return REGIO_OK;
}
