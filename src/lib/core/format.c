/*
 * Numbers for people (see regio/format.h): grouping digits by thousands and
 * scaling money to k/M/B. Plain snprintf underneath, no locale.
 */
#include "regio/format.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Writes the plain decimal text raw ("1234567.89", no sign) into buf with a
 * comma every three digits of its whole part, after a '-' when neg. */
static const char *group(const char *raw, int neg, char *buf, size_t cap)
{
    const char *dot = strchr(raw, '.');
    size_t int_len = dot ? (size_t)(dot - raw) : strlen(raw);
    char out[512];
    size_t o = 0;
    if (neg)
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

/* 1 when the digits of raw are all zeros (a value that rounds to 0). */
static int all_zero(const char *raw)
{
    return strspn(raw, "0.") == strlen(raw);
}

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
    char raw[400];
    snprintf(raw, sizeof raw, "%.*f", decimals, fabs(v));
    return group(raw, v < 0 && !all_zero(raw), buf, cap); /* no "-0" */
}

const char *regio_format_sig(double v, int digits, char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return buf;
    if (!isfinite(v)) {
        snprintf(buf, cap, "-");
        return buf;
    }
    if (digits < 1)
        digits = 1;
    if (digits > 17)
        digits = 17;
    /* printf rounds to the digits once: "d.ddde+XX" */
    char e[64];
    snprintf(e, sizeof e, "%.*e", digits - 1, fabs(v));
    char dig[24];
    size_t nd = 0;
    const char *p = e;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            dig[nd++] = *p;
    int exp10 = *p == 'e' ? atoi(p + 1) : 0;
    while (nd > 1 && dig[nd - 1] == '0') /* no trailing zeros, as %g */
        nd--;
    if (nd == 1 && dig[0] == '0')
        exp10 = 0;
    char raw[400];
    size_t o = 0;
    if (exp10 < 0) {
        raw[o++] = '0';
        raw[o++] = '.';
        for (int i = 0; i < -exp10 - 1; i++)
            raw[o++] = '0';
        for (size_t i = 0; i < nd; i++)
            raw[o++] = dig[i];
    } else {
        for (int i = 0; i <= exp10; i++)
            raw[o++] = (size_t)i < nd ? dig[i] : '0';
        if (nd > (size_t)exp10 + 1) {
            raw[o++] = '.';
            for (size_t i = (size_t)exp10 + 1; i < nd; i++)
                raw[o++] = dig[i];
        }
    }
    raw[o] = '\0';
    return group(raw, v < 0 && !all_zero(raw), buf, cap);
}

const char *regio_format_percent(double share, int decimals, int sign, char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return buf;
    double p = share * 100.0;
    if (!isfinite(p)) {
        snprintf(buf, cap, "-");
        return buf;
    }
    if (decimals < 0) /* people's default: "0.8%", "9.5%", "12%", "135%" */
        decimals = fabs(p) < 10 ? 1 : 0;
    char num[64];
    regio_format_number(p, decimals, num, sizeof num);
    snprintf(buf, cap, "%s%s%%", sign && num[0] != '-' && !all_zero(num) ? "+" : "", num);
    return buf;
}

const char *regio_format_unit(double v, int decimals, const char *unit, char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return buf;
    char num[64];
    regio_format_number(v, decimals, num, sizeof num);
    snprintf(buf, cap, "%s%s%s", num, unit && *unit ? " " : "", unit ? unit : "");
    return buf;
}

const char *regio_format_duration(double minutes, char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return buf;
    if (!isfinite(minutes)) {
        snprintf(buf, cap, "-");
        return buf;
    }
    double m = nearbyint(fabs(minutes));
    const char *neg = minutes < 0 && m > 0 ? "-" : "";
    if (m < 60) {
        snprintf(buf, cap, "%s%.0f min", neg, m);
    } else if (m < 100 * 60) {
        snprintf(buf, cap, "%s%.0f h %02.0f min", neg, floor(m / 60), fmod(m, 60));
    } else {
        char num[64];
        regio_format_number(nearbyint(fabs(minutes) / 60), 0, num, sizeof num);
        snprintf(buf, cap, "%s%s h", neg, num);
    }
    return buf;
}

const char *regio_format_measure(const char *name, double v, char *buf, size_t cap)
{
    if (regio_measure_is_money(name))
        return regio_format_money(v, NULL, buf, cap);
    return regio_format_number(v, v == floor(v) ? 0 : 2, buf, cap);
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
