/*
 * Numbers for people (see regio/format.h): grouping digits by thousands and
 * scaling money to k/M/B. Plain snprintf underneath, no locale.
 */
#include "regio/format.h"

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
