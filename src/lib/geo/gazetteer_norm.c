/*
 * Key normalisation for the gazetteer, usable without one: place names
 * (UTF-8 folded to ASCII, lower case, punctuation to spaces, runs of
 * one-letter words joined, st/ste/mt/ft expanded) and postal codes (US ZIP
 * codes padded and cut to five digits, other codes upper-cased without
 * spaces or hyphens). The name normalisation mirrors normKey() in
 * tools/build_gazetteer.mjs byte for byte; change both or neither.
 */
#include "regio/geocode.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "geo/geo_internal.h"

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
long regio__place_norm(const char *s, char *out, size_t cap)
{
    char tmp[4 * REGIO__GAZ_KEY_CAP];
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

void regio__gaz_trim(const char **s, size_t *n)
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
int regio__gaz_postal_code_norm(const char *cc, const char *postal, char out[16])
{
    const char *s = postal;
    size_t n = strlen(postal);
    regio__gaz_trim(&s, &n);
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
    char key[REGIO__GAZ_KEY_CAP];
    const char *s = country;
    size_t n = strlen(country);
    regio__gaz_trim(&s, &n);
    if (n == 2 && ((s[0] | 32) >= 'a' && (s[0] | 32) <= 'z') &&
        ((s[1] | 32) >= 'a' && (s[1] | 32) <= 'z')) {
        cc[0] = (char)(s[0] & ~32);
        cc[1] = (char)(s[1] & ~32);
        cc[2] = '\0';
        return 1;
    }
    if (regio__place_norm(country, key, sizeof key) < 0)
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

int regio__gaz_is_blank(const char *s)
{
    if (!s)
        return 1;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return 0;
    return 1;
}

/* US territories: their own ISO codes, US ZIP codes and US "states". */
int regio__gaz_is_us_territory(const char *cc)
{
    static const char *const t[] = {"PR", "GU", "VI", "AS", "MP"};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if ((cc[0] & ~32) == t[i][0] && (cc[1] & ~32) == t[i][1] && !cc[2])
            return 1;
    return 0;
}

/* Chooses the country for a postal code: the given alpha-2 code, or "US"
 * when none is given and the code looks like a ZIP. */
const char *regio__gaz_postal_country(const char *cc, const char *postal)
{
    if (cc)
        return cc;
    const char *s = postal;
    size_t n = strlen(postal);
    regio__gaz_trim(&s, &n);
    return looks_like_zip(s, n) ? "US" : NULL;
}

int regio_postal_restore(const char *country, const char *postal_code, char *out,
                         size_t cap)
{
    if (!country || !postal_code || !out)
        return 0;
    const char *c = country;
    size_t cn = strlen(country);
    regio__gaz_trim(&c, &cn);
    char cc[3] = {0};
    if (cn != 2)
        return 0;
    cc[0] = (char)(c[0] & ~32);
    cc[1] = (char)(c[1] & ~32);
    if (strcmp(cc, "US") != 0 && !regio__gaz_is_us_territory(cc))
        return 0;
    const char *s = postal_code;
    size_t n = strlen(postal_code);
    regio__gaz_trim(&s, &n);
    /* A number-formatted cell: "2134.0". */
    if (n > 2 && s[n - 2] == '.' && s[n - 1] == '0')
        n -= 2;
    size_t head = 0;
    while (head < n && s[head] >= '0' && s[head] <= '9')
        head++;
    char buf[16];
    if (head == n && (n == 3 || n == 4)) {
        snprintf(buf, sizeof buf, "%.*s%.*s", (int)(5 - n), "00", (int)n, s);
    } else if (head == n && n == 8) {
        snprintf(buf, sizeof buf, "0%.*s", (int)n, s);
    } else if ((head == 3 || head == 4) && n == head + 5 && s[head] == '-' &&
               all_digits(s + head + 1, 4)) {
        snprintf(buf, sizeof buf, "%.*s%.*s", (int)(5 - head), "00", (int)n, s);
    } else {
        return 0;
    }
    if (strlen(buf) >= cap)
        return 0;
    memcpy(out, buf, strlen(buf) + 1);
    return 1;
}

char *regio_postal_key(const char *country, const char *postal_code)
{
    if (regio__gaz_is_blank(postal_code))
        return NULL;
    char cc[3];
    const char *c = NULL;
    if (!regio__gaz_is_blank(country)) {
        if (!static_country(country, cc))
            return NULL;
        c = cc;
    }
    c = regio__gaz_postal_country(c, postal_code);
    if (c && regio__gaz_is_us_territory(c))
        c = "US"; /* Puerto Rico, Guam ... use US ZIP codes */
    char code[16];
    if (!c || !regio__gaz_postal_code_norm(c, postal_code, code))
        return NULL;
    size_t n = strlen(code) + 4;
    char *out = regio_malloc(n);
    if (!out)
        return NULL;
    snprintf(out, n, "%s-%s", c, code);
    return out;
}
