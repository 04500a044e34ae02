/*
 * Reader for symmetric TSPLIB instances with planar coordinates (Reinelt,
 * "TSPLIB - A Traveling Salesman Problem Library", 1991): "KEY : value"
 * header lines, then NODE_COORD_SECTION with "index x y" lines, optionally
 * closed by EOF. Only TYPE TSP with EDGE_WEIGHT_TYPE EUC_2D is accepted.
 * One pass over the text, O(size); every error names the 1-based line.
 */
#include "regio/tsp.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regio/buf.h"
#include "regio/format.h"

#define fail(err, code, file, line, ...)                                       \
    regio_error_setf((err), (code), (file), (line), NULL, __VA_ARGS__)

void regio_tsplib_clear(regio_tsplib *t)
{
    if (!t)
        return;
    regio_free(t->x);
    regio_free(t->y);
    memset(t, 0, sizeof *t);
}

/* Trims spaces at both ends of [s, e) and returns the new start; *len gets
 * the trimmed length. */
static const char *trim(const char *s, const char *e, size_t *len)
{
    while (s < e && isspace((unsigned char)*s))
        s++;
    while (e > s && isspace((unsigned char)e[-1]))
        e--;
    *len = (size_t)(e - s);
    return s;
}

static int key_is(const char *k, size_t klen, const char *want)
{
    return strlen(want) == klen && strncmp(k, want, klen) == 0;
}

/* Parses one number token from *p (stopping at end); 0 on failure. */
static int parse_num(const char **p, const char *end, double *v)
{
    const char *s = *p;
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    if (s >= end)
        return 0;
    char tok[64];
    size_t k = 0;
    while (s < end && !isspace((unsigned char)*s)) {
        if (k + 1 >= sizeof tok)
            return 0;
        tok[k++] = *s++;
    }
    tok[k] = '\0';
    char *stop;
    errno = 0;
    double x = strtod(tok, &stop);
    if (stop == tok || *stop != '\0' || errno == ERANGE || !isfinite(x))
        return 0;
    *v = x;
    *p = s;
    return 1;
}

regio_err regio_tsplib_parse(const char *text, const char *name,
                             regio_tsplib *out, regio_error *err)
{
    if (!text || !out)
        return fail(err, REGIO_EINVAL, name, 0, "no text or output given");
    memset(out, 0, sizeof *out);
    size_t dim = 0;
    int have_dim = 0, have_type = 0, have_ewt = 0, in_coords = 0;
    size_t seen = 0;
    unsigned char *got = NULL;
    regio_err rc = REGIO_OK;
    long line = 0;
    const char *p = text;
    while (*p) {
        const char *e = strchr(p, '\n');
        if (!e)
            e = p + strlen(p);
        line++;
        size_t len;
        const char *s = trim(p, e, &len);
        const char *end = s + len;
        p = *e ? e + 1 : e;
        if (len == 0)
            continue;
        if (key_is(s, len, "EOF"))
            break;
        if (in_coords) {
            double id, x, y;
            const char *q = s;
            if (!parse_num(&q, end, &id) || !parse_num(&q, end, &x) ||
                !parse_num(&q, end, &y)) {
                rc = fail(err, REGIO_EPARSE, name, line,
                          "expected 'index x y' in NODE_COORD_SECTION");
                goto bad;
            }
            size_t rest;
            trim(q, end, &rest);
            if (rest) {
                rc = fail(err, REGIO_EPARSE, name, line,
                          "unexpected text after 'index x y'");
                goto bad;
            }
            if (id != floor(id) || id < 1 || id > (double)dim) {
                char g[32];
                rc = fail(err, REGIO_EPARSE, name, line,
                          "node index %s is not an integer in 1..%zu", regio_format_g15(id, g),
                          dim);
                goto bad;
            }
            size_t i = (size_t)id - 1;
            if (got[i]) {
                rc = fail(err, REGIO_EPARSE, name, line,
                          "node %zu appears twice", i + 1);
                goto bad;
            }
            got[i] = 1;
            out->x[i] = x;
            out->y[i] = y;
            seen++;
            continue;
        }
        if (key_is(s, len, "NODE_COORD_SECTION")) {
            if (!have_dim || !have_type || !have_ewt) {
                rc = fail(err, REGIO_EPARSE, name, line,
                          "NODE_COORD_SECTION before DIMENSION, TYPE and "
                          "EDGE_WEIGHT_TYPE");
                goto bad;
            }
            out->x = regio_malloc(dim * sizeof *out->x);
            out->y = regio_malloc(dim * sizeof *out->y);
            got = regio_calloc(dim, 1);
            if (!out->x || !out->y || !got) {
                rc = fail(err, REGIO_ENOMEM, name, line, "out of memory");
                goto bad;
            }
            in_coords = 1;
            continue;
        }
        const char *colon = memchr(s, ':', len);
        if (!colon) {
            rc = fail(err, REGIO_EPARSE, name, line,
                      "expected 'KEY : value' or a section name");
            goto bad;
        }
        size_t klen, vlen;
        const char *k = trim(s, colon, &klen);
        const char *v = trim(colon + 1, end, &vlen);
        if (key_is(k, klen, "NAME")) {
            snprintf(out->name, sizeof out->name, "%.*s", (int)vlen, v);
        } else if (key_is(k, klen, "TYPE")) {
            if (!key_is(v, vlen, "TSP")) {
                rc = fail(err, REGIO_EUNSUPPORTED, name, line,
                          "TYPE '%.*s' is not supported (only TSP)",
                          (int)vlen, v);
                goto bad;
            }
            have_type = 1;
        } else if (key_is(k, klen, "EDGE_WEIGHT_TYPE")) {
            if (!key_is(v, vlen, "EUC_2D")) {
                rc = fail(err, REGIO_EUNSUPPORTED, name, line,
                          "EDGE_WEIGHT_TYPE '%.*s' is not supported (only "
                          "EUC_2D)",
                          (int)vlen, v);
                goto bad;
            }
            have_ewt = 1;
            out->round_nearest = 1;
        } else if (key_is(k, klen, "DIMENSION")) {
            char tmp[32];
            char *stop;
            if (vlen == 0 || vlen >= sizeof tmp) {
                rc = fail(err, REGIO_EPARSE, name, line,
                          "DIMENSION needs a positive integer");
                goto bad;
            }
            memcpy(tmp, v, vlen);
            tmp[vlen] = '\0';
            errno = 0;
            long long dv = strtoll(tmp, &stop, 10);
            if (*stop || errno || dv < 1 || dv > 100000000LL) {
                rc = fail(err, REGIO_EPARSE, name, line,
                          "DIMENSION '%s' is not an integer in 1..1e8", tmp);
                goto bad;
            }
            if (have_dim) {
                rc = fail(err, REGIO_EPARSE, name, line,
                          "DIMENSION given twice");
                goto bad;
            }
            dim = (size_t)dv;
            have_dim = 1;
        } else if (key_is(k, klen, "COMMENT") ||
                   key_is(k, klen, "DISPLAY_DATA_TYPE")) {
            /* informational */
        } else {
            rc = fail(err, REGIO_EUNSUPPORTED, name, line,
                      "keyword '%.*s' is not supported", (int)klen, k);
            goto bad;
        }
    }
    if (!in_coords) {
        rc = fail(err, REGIO_EPARSE, name, line,
                  "no NODE_COORD_SECTION found");
        goto bad;
    }
    if (seen != dim) {
        size_t miss = 0;
        while (miss < dim && got[miss])
            miss++;
        rc = fail(err, REGIO_EPARSE, name, line,
                  "NODE_COORD_SECTION has %zu of %zu nodes (node %zu "
                  "missing)",
                  seen, dim, miss + 1);
        goto bad;
    }
    regio_free(got);
    out->n = dim;
    return REGIO_OK;
bad:
    regio_free(got);
    regio_tsplib_clear(out);
    return rc;
}

regio_err regio_tsplib_read(const char *path, regio_tsplib *out,
                            regio_error *err)
{
    if (!path || !out)
        return fail(err, REGIO_EINVAL, path, 0, "no path or output given");
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, REGIO_EIO, path, 0, "cannot open: %s",
                    strerror(errno));
    regio_buf b;
    regio_buf_init(&b, (size_t)1 << 30);
    char chunk[65536];
    size_t got;
    regio_err rc = REGIO_OK;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        if ((rc = regio_buf_append(&b, chunk, got)) != REGIO_OK)
            break;
    int ioerr = ferror(f);
    fclose(f);
    if (rc) {
        regio_buf_free(&b);
        return fail(err, rc, path, 0, "out of memory reading the file");
    }
    if (ioerr) {
        regio_buf_free(&b);
        return fail(err, REGIO_EIO, path, 0, "read error");
    }
    if (memchr(b.data ? b.data : "", '\0', b.len)) {
        regio_buf_free(&b);
        return fail(err, REGIO_EPARSE, path, 0, "file contains NUL bytes");
    }
    rc = regio_tsplib_parse(b.data ? b.data : "", path, out, err);
    regio_buf_free(&b);
    return rc;
}
