/*
 * Strict value parsers shared by the importers: decimal numbers (no NaN,
 * infinities, hex or trailing junk) and clock times. Declared in
 * regio/fields.h.
 */
#include "regio/fields.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int is_ws(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' ||
           ch == '\f';
}

/* Trims s; returns its start and sets *len, or NULL when blank. */
static const char *trimmed(const char *s, size_t *len)
{
    if (!s)
        return NULL;
    while (is_ws((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && is_ws((unsigned char)s[n - 1]))
        n--;
    *len = n;
    return n ? s : NULL;
}

regio_err regio_parse_number(const char *s, double *out)
{
    if (!out)
        return REGIO_EINVAL;
    *out = NAN;
    size_t n;
    const char *t = trimmed(s, &n);
    if (!t)
        return REGIO_ENOTFOUND;

    /* Shape check first, so strtod never sees hex, "nan" or "inf":
     * [+-] digits [. digits] [(e|E) [+-] digits], at least one mantissa
     * digit. */
    size_t i = 0, mant = 0;
    if (t[i] == '+' || t[i] == '-')
        i++;
    while (i < n && t[i] >= '0' && t[i] <= '9') {
        i++;
        mant++;
    }
    if (i < n && t[i] == '.') {
        i++;
        while (i < n && t[i] >= '0' && t[i] <= '9') {
            i++;
            mant++;
        }
    }
    if (mant == 0)
        return REGIO_EPARSE;
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        i++;
        if (i < n && (t[i] == '+' || t[i] == '-'))
            i++;
        size_t exp_digits = 0;
        while (i < n && t[i] >= '0' && t[i] <= '9') {
            i++;
            exp_digits++;
        }
        if (exp_digits == 0)
            return REGIO_EPARSE;
    }
    if (i != n)
        return REGIO_EPARSE;

    char *end = NULL;
    errno = 0;
    double v = strtod(t, &end);
    if (end != t + n)
        return REGIO_EPARSE;
    if (!isfinite(v))
        return REGIO_EPARSE;
    /* ERANGE with a finite result is underflow; a value that small is
     * zero for every quantity Regio reads, so it is accepted. */
    *out = v;
    return REGIO_OK;
}

static int two_digits(const char *p, int *v)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
        return 0;
    *v = (p[0] - '0') * 10 + (p[1] - '0');
    return 1;
}

regio_err regio_parse_hhmm(const char *s, int *minutes)
{
    if (!minutes)
        return REGIO_EINVAL;
    *minutes = -1;
    size_t n;
    const char *t = trimmed(s, &n);
    if (!t)
        return REGIO_ENOTFOUND;
    int h, m, sec = 0;
    size_t i;
    if (n >= 2 && t[1] == ':' && t[0] >= '0' && t[0] <= '9') {
        h = t[0] - '0';
        i = 2;
    } else if (n >= 3 && t[2] == ':' && two_digits(t, &h)) {
        i = 3;
    } else {
        return REGIO_EPARSE;
    }
    if (n < i + 2 || !two_digits(t + i, &m))
        return REGIO_EPARSE;
    i += 2;
    if (i < n) {
        if (n != i + 3 || t[i] != ':' || !two_digits(t + i + 1, &sec))
            return REGIO_EPARSE;
    }
    if (m > 59 || sec > 59 || h > 24 || (h == 24 && (m || sec)))
        return REGIO_EPARSE;
    *minutes = h * 60 + m;
    return REGIO_OK;
}
