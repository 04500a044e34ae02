/*
 * Numbers for people (see regio/format.h): grouping digits by thousands and
 * scaling money to k/M/B. Plain snprintf underneath, no locale.
 */
#include "regio/format.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *regio_format_number(double v, int decimals, char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return buf;
    if (!isfinite(v)) {
        snprintf(buf, cap, "-");
        return buf;
    }
    if (decimals < 0)
        decimals = 0;
    if (decimals > 6)
        decimals = 6;
    char raw[64];
    snprintf(raw, sizeof raw, "%.*f", decimals, fabs(v));
    if (!strcmp(raw, "0") || strspn(raw, "0.") == strlen(raw))
        v = 0; /* no "-0" */
    const char *dot = strchr(raw, '.');
    size_t int_len = dot ? (size_t)(dot - raw) : strlen(raw);
    char out[96];
    size_t o = 0;
    if (v < 0)
        out[o++] = '-';
    for (size_t i = 0; i < int_len && o < sizeof out - 2; i++) {
        if (i > 0 && (int_len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = raw[i];
    }
    if (dot)
        for (const char *p = dot; *p && o < sizeof out - 1; p++)
            out[o++] = *p;
    out[o] = '\0';
    snprintf(buf, cap, "%s", out);
    return buf;
}

/* Writes the decimal digits of n (>= 0) at p; returns the end. */
static char *put_digits(char *p, unsigned long long n)
{
    char tmp[24];
    int k = 0;
    do {
        tmp[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    while (k)
        *p++ = tmp[--k];
    return p;
}

/* "%.15g" of v with 1e-4 <= |v| < 1e14 through 64-bit long double
 * arithmetic: v times a power of ten (exact up to 10^27) is rounded once,
 * 5e-20 relative, so the 15 digits are those of v unless v lies within
 * 1e-4 of a digit's half-way point, where this gives up (returns 0) and
 * printf decides. */
static int g15_fast(double v, char *buf)
{
    double a = fabs(v);
    if (!(a >= 1e-4 && a < 1e14) || LDBL_MANT_DIG < 64)
        return 0;
    int e = (int)floor(log10(a));
    long double s = 0;
    for (int tries = 0; tries < 3; tries++) {
        long double p = 1;
        for (int k = 0; k < 14 - e; k++)
            p *= 10;
        s = (long double)a * p;
        if (s < 1e14L)
            e--;
        else if (s >= 1e15L)
            e++;
        else
            break;
    }
    if (s < 1e14L || s >= 1e15L)
        return 0;
    long double fl = floorl(s), frac = s - fl;
    if (fabsl(frac - 0.5L) < 1e-4L)
        return 0;
    unsigned long long d = (unsigned long long)fl + (frac > 0.5L);
    if (d >= 1000000000000000ULL) { /* 999...9.6 rounded up */
        d /= 10;
        e++;
    }
    if (e < -4 || e >= 15)
        return 0;
    char dig[16];
    for (int i = 14; i >= 0; i--) {
        dig[i] = (char)('0' + d % 10);
        d /= 10;
    }
    int last = 14; /* the last digit kept: trailing zeros go */
    while (last > 0 && dig[last] == '0' && last > e)
        last--;
    char *p = buf;
    if (v < 0)
        *p++ = '-';
    if (e >= 0) {
        for (int i = 0; i <= e; i++)
            *p++ = dig[i];
        if (last > e) {
            *p++ = '.';
            for (int i = e + 1; i <= last; i++)
                *p++ = dig[i];
        }
    } else {
        *p++ = '0';
        *p++ = '.';
        for (int i = 0; i < -e - 1; i++)
            *p++ = '0';
        for (int i = 0; i <= last; i++)
            *p++ = dig[i];
    }
    *p = '\0';
    return 1;
}

const char *regio_format_g15(double v, char *buf)
{
    if (v == 0)
        v = 0.0; /* -0 prints as 0 */
    /* Below 1e12 a whole number of cents has at most 14 significant digits,
     * and the double nearest to it is within 1e-16 relative of it: printf's
     * 15-digit rounding gives those digits and strips the zeros after. */
    double a = fabs(v), c = nearbyint(a * 100.0);
    if (a < 1e12 && c / 100.0 == a) {
        unsigned long long n = (unsigned long long)c;
        char *p = buf;
        if (v < 0)
            *p++ = '-';
        p = put_digits(p, n / 100);
        unsigned cents = (unsigned)(n % 100);
        if (cents) {
            *p++ = '.';
            *p++ = (char)('0' + cents / 10);
            if (cents % 10)
                *p++ = (char)('0' + cents % 10);
        }
        *p = '\0';
        return buf;
    }
    if (!g15_fast(v, buf))
        snprintf(buf, 32, "%.15g", v);
    return buf;
}

const char *regio_format_money(double v, const char *currency, char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return buf;
    if (!isfinite(v)) {
        snprintf(buf, cap, "-");
        return buf;
    }
    static const struct {
        double div;
        const char *suffix;
    } scale[] = {{1e9, " B"}, {1e6, " M"}, {1e3, " k"}, {1, ""}};
    double a = fabs(v);
    size_t s = 0;
    while (s + 1 < sizeof scale / sizeof scale[0] && a < scale[s].div * 0.9995)
        s++;
    double x = a / scale[s].div;
    /* three significant digits: 1.27, 12.3, 123; plain amounts whole */
    int dec = scale[s].div == 1 ? 0 : x < 9.995 ? 2 : x < 99.95 ? 1 : 0;
    char num[64];
    regio_format_number(v < 0 ? -x : x, dec, num, sizeof num);
    snprintf(buf, cap, "%s%s%s%s", currency && *currency ? currency : "",
             currency && *currency ? " " : "", num, scale[s].suffix);
    return buf;
}

/* Case-insensitive substring test. */
static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (!strncasecmp(hay, needle, n))
            return 1;
    return 0;
}

int regio_measure_is_money(const char *name)
{
    static const char *const money[] = {"revenue", "potential", "sales",  "bookings",
                                        "amount",  "quota",     "pipeline", NULL};
    for (const char *const *m = money; name && *m; m++)
        if (contains_ci(name, *m))
            return 1;
    return 0;
}
