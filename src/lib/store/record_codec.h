/*
 * Private to the store backends (sqlite_records.c, pg_records.c): a
 * record's custom attributes as the JSON text both keep in attrs, and the
 * content hash kept in row_hash, so that every backend writes the same
 * text and the same hash for the same record. Static functions, so each
 * backend's hot path inlines them as before.
 */
#ifndef REGIO_STORE_RECORD_CODEC_H
#define REGIO_STORE_RECORD_CODEC_H

#include "regio/buf.h"
#include "store/store_impl.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- attributes as JSON ----------------------------------------------------- */

/* Shortest of %.15g/%.16g/%.17g that reads back to v. */
static inline void fmt_num(char *buf, size_t cap, double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* Writes the digits of u at p; returns their count. */
static inline size_t put_uint(char *p, unsigned long long u)
{
    char rev[24];
    size_t n = 0;
    do {
        rev[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    for (size_t i = 0; i < n; i++)
        p[i] = rev[n - 1 - i];
    return n;
}

/* Number text for the attrs JSON: integers and numbers with up to four
 * decimals are written without printf (the import hot path), checked to
 * read back exactly; anything else in shortest %.17g form. */
static inline void fmt_json_num(char *buf, size_t cap, double v)
{
    static const double scale[] = {1, 10, 100, 1000, 10000};
    static const unsigned long long iscale[] = {1, 10, 100, 1000, 10000};
    for (int d = 0; d <= 4; d++) {
        double x = v * scale[d];
        if (!(fabs(x) < 1e15) || x != (double)(long long)x)
            continue;
        long long xi = (long long)x;
        unsigned long long u = (unsigned long long)(xi < 0 ? -xi : xi);
        char *p = buf;
        if (xi < 0)
            *p++ = '-';
        p += put_uint(p, u / iscale[d]);
        if (d) {
            unsigned long long frac = u % iscale[d];
            *p++ = '.';
            for (int k = d - 1; k >= 0; k--) {
                p[k] = (char)('0' + frac % 10);
                frac /= 10;
            }
            p += d;
        }
        *p = '\0';
        if (d == 0 || strtod(buf, NULL) == v)
            return;
        break;
    }
    fmt_num(buf, cap, v);
}

/* Writes attrs as one JSON object with its keys in byte order (so the
 * same attributes give the same text, and the same content hash, whatever
 * the column order of the file): numbers as JSON numbers, texts as strings,
 * empty values as null; a repeated key keeps its first value. */
static inline regio_err attrs_json(regio_buf *b, const regio_attr *attrs, size_t n)
{
    regio_buf_reset(b);
    regio_err rc = regio_buf_putc(b, '{');
    int first = 1;
    const char *prev = NULL;
    for (size_t step = 0; step < n && !rc; step++) {
        /* Selection of the next key in order: n is a record's attribute
         * count (tens), so O(n^2) costs less than allocating an index. */
        const regio_attr *a = NULL;
        for (size_t i = 0; i < n; i++) {
            const char *k = attrs[i].key;
            if (!k || (prev && strcmp(k, prev) <= 0))
                continue;
            if (!a || strcmp(k, a->key) < 0)
                a = &attrs[i];
        }
        if (!a)
            break;
        prev = a->key;
        if (!first)
            rc = regio_buf_putc(b, ',');
        first = 0;
        if (!rc)
            rc = regio_buf_json_str(b, a->key);
        if (!rc)
            rc = regio_buf_putc(b, ':');
        if (rc)
            break;
        if (a->is_num && isfinite(a->num)) {
            char tmp[40];
            fmt_json_num(tmp, sizeof tmp, a->num);
            rc = regio_buf_puts(b, tmp);
        } else if (a->text && !a->is_num) {
            rc = regio_buf_json_str(b, a->text);
        } else {
            rc = regio_buf_puts(b, "null");
        }
    }
    if (!rc)
        rc = regio_buf_putc(b, '}');
    return rc;
}

/* Parses an attrs JSON object into a new regio_attr array the caller frees
 * with regio_attrs_free. */
static inline regio_err attrs_parse(const char *text, regio_attr **out, size_t *n_out,
                                    regio_error *err)
{
    *out = NULL;
    *n_out = 0;
    if (!text || !strcmp(text, "{}"))
        return REGIO_OK;
    json_error_t jerr;
    json_t *root = json_loads(text, JSON_DECODE_INT_AS_REAL, &jerr);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        return regio__store_fail(err, REGIO_ESTORE, "stored attributes are not a JSON object: %s",
                                 root ? "not an object" : jerr.text);
    }
    size_t n = json_object_size(root);
    if (!n) {
        json_decref(root);
        return REGIO_OK;
    }
    regio_attr *attrs = regio_calloc(n, sizeof *attrs);
    if (!attrs) {
        json_decref(root);
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory reading attributes");
    }
    size_t k = 0;
    const char *key;
    json_t *v;
    regio_err rc = REGIO_OK;
    json_object_foreach(root, key, v)
    {
        regio_attr *a = &attrs[k++];
        a->num = NAN;
        a->key = regio_strdup(key);
        if (!a->key) {
            rc = REGIO_ENOMEM;
            break;
        }
        if (json_is_number(v)) {
            char tmp[40];
            a->is_num = 1;
            a->num = json_number_value(v);
            fmt_num(tmp, sizeof tmp, a->num);
            a->text = regio_strdup(tmp);
            if (!a->text)
                rc = REGIO_ENOMEM;
        } else if (json_is_string(v)) {
            a->text = regio_strdup(json_string_value(v));
            if (!a->text)
                rc = REGIO_ENOMEM;
        } else if (!json_is_null(v)) {
            char *dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            a->text = regio_strdup(dump);
            free(dump);
            if (!a->text)
                rc = REGIO_ENOMEM;
        }
        if (rc)
            break;
    }
    json_decref(root);
    if (rc) {
        regio_attrs_free(attrs, k);
        return regio__store_fail(err, REGIO_ENOMEM, "out of memory reading attributes");
    }
    *out = attrs;
    *n_out = k;
    return REGIO_OK;
}

/* The content hash of an account whose attributes' JSON is json. */
static inline uint64_t regio__account_hash(const regio_account *a, const char *json)
{
    regio__hash h;
    regio__hash_init(&h);
    const char *strs1[] = {a->id, a->name, a->street, a->city, a->region, a->postal_code,
                           a->country};
    for (size_t i = 0; i < sizeof strs1 / sizeof *strs1; i++)
        regio__hash_str(&h, strs1[i]);
    regio__hash_num(&h, a->lat);
    regio__hash_num(&h, a->lon);
    regio__hash_int(&h, a->geo_source);
    const char *strs2[] = {a->owner, a->industry, a->type, a->segment};
    for (size_t i = 0; i < sizeof strs2 / sizeof *strs2; i++)
        regio__hash_str(&h, strs2[i]);
    regio__hash_num(&h, a->annual_revenue);
    regio__hash_num(&h, a->employees);
    regio__hash_num(&h, a->potential);
    regio__hash_str(&h, a->unit_id);
    regio__hash_str(&h, json);
    return h.h;
}

/* The content hash of a rep whose attributes' JSON is json. */
static inline uint64_t regio__rep_hash(const regio_rep *r, const char *json)
{
    regio__hash h;
    regio__hash_init(&h);
    const char *strs1[] = {r->id, r->name, r->email, r->city, r->region, r->postal_code,
                           r->country};
    for (size_t i = 0; i < sizeof strs1 / sizeof *strs1; i++)
        regio__hash_str(&h, strs1[i]);
    regio__hash_num(&h, r->lat);
    regio__hash_num(&h, r->lon);
    regio__hash_int(&h, r->geo_source);
    regio__hash_num(&h, r->capacity);
    const char *strs2[] = {r->skills, r->day_start, r->day_end, r->manager, json};
    for (size_t i = 0; i < sizeof strs2 / sizeof *strs2; i++)
        regio__hash_str(&h, strs2[i]);
    return h.h;
}

/* The content hash of a unit whose attributes' JSON is json. */
static inline uint64_t regio__unit_hash(const regio_unit *u, const char *json)
{
    regio__hash h;
    regio__hash_init(&h);
    regio__hash_str(&h, u->id);
    regio__hash_str(&h, u->name);
    regio__hash_num(&h, u->lat);
    regio__hash_num(&h, u->lon);
    regio__hash_num(&h, u->area_km2);
    if (u->wkb) {
        regio__hash_int(&h, (int64_t)u->wkb_len);
        regio__hash_bytes(&h, u->wkb, u->wkb_len);
    } else {
        regio__hash_int(&h, -1);
    }
    regio__hash_str(&h, json);
    return h.h;
}

#endif
