/*
 * Days and periods (regio/perf.h): dates as days since 1970-01-01 in the
 * proleptic Gregorian calendar, and the periods of docs/PERFORMANCE.md
 * (month, quarter, year, fiscal year, any days) as half-open intervals.
 */
#include "regio/perf_result.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int leap(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(long y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Days since 1970-01-01 of y-m-d (era arithmetic over 400-year cycles). */
static regio_day from_civil(long y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (regio_day)(era * 146097 + doe - 719468);
}

static void to_civil(regio_day z, long *y, int *m, int *d)
{
    long zz = (long)z + 719468;
    long era = (zz >= 0 ? zz : zz - 146096) / 146097;
    long doe = zz - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, int n, long *out)
{
    long v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

/* Reads up to max digits (at least one); returns how many. */
static int some_digits(const char *s, int max, long *out)
{
    int n = 0;
    long v = 0;
    while (n < max && s[n] >= '0' && s[n] <= '9')
        v = v * 10 + (s[n++] - '0');
    *out = v;
    return n;
}

static int valid(long y, long m, long d)
{
    return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= month_days(y, (int)m);
}

regio_err regio_day_parse(const char *s, regio_day *out)
{
    long y, m, d;
    if (!s || !out)
        return REGIO_EINVAL;
    while (*s == ' ' || *s == '\t')
        s++;
    if (digits(s, 4, &y) && s[4] == '-' && digits(s + 5, 2, &m) && s[7] == '-' &&
        digits(s + 8, 2, &d)) {
        const char *rest = s + 10;
        if (*rest && *rest != 'T' && *rest != ' ' && *rest != '\t' && *rest != '\r')
            return REGIO_EINVAL;
        if (!valid(y, m, d))
            return REGIO_EINVAL;
        *out = from_civil(y, (int)m, (int)d);
        return REGIO_OK;
    }
    /* M/D/YYYY, as US spreadsheets and CRM reports write dates */
    int n1 = some_digits(s, 2, &m);
    if (!n1 || s[n1] != '/')
        return REGIO_EINVAL;
    int n2 = some_digits(s + n1 + 1, 2, &d);
    if (!n2 || s[n1 + 1 + n2] != '/')
        return REGIO_EINVAL;
    const char *ys = s + n1 + n2 + 2;
    if (!digits(ys, 4, &y))
        return REGIO_EINVAL;
    const char *rest = ys + 4;
    if (*rest && *rest != ' ' && *rest != 'T' && *rest != '\r')
        return REGIO_EINVAL;
    if (!valid(y, m, d))
        return REGIO_EINVAL;
    *out = from_civil(y, (int)m, (int)d);
    return REGIO_OK;
}

void regio_day_format(regio_day d, char out[11])
{
    long y;
    int m, dd;
    to_civil(d, &y, &m, &dd);
    unsigned yy = (unsigned)((y % 10000 + 10000) % 10000);
    out[0] = (char)('0' + yy / 1000);
    out[1] = (char)('0' + yy / 100 % 10);
    out[2] = (char)('0' + yy / 10 % 10);
    out[3] = (char)('0' + yy % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + dd / 10);
    out[9] = (char)('0' + dd % 10);
    out[10] = '\0';
}

regio_day regio_day_today(void)
{
    return (regio_day)(time(NULL) / 86400);
}

regio_day regio_day_add_years(regio_day d, int years)
{
    long y;
    int m, dd;
    to_civil(d, &y, &m, &dd);
    y += years;
    if (m == 2 && dd == 29 && !leap(y))
        dd = 28;
    return from_civil(y, m, dd);
}

static regio_err bad_period(const char *text, regio_error *err)
{
    return regio_error_setf(err, REGIO_EINVAL, NULL, 0, "period",
                            "'%.60s' is no period: write a month (2027-03), a quarter (2027Q1), "
                            "a year (2027) or a fiscal year (FY2027), or give --from and --to",
                            text ? text : "");
}

regio_err regio_period_parse(const char *text, int fiscal_start, regio_period *out,
                             regio_error *err)
{
    long y, m;
    if (!text || !out)
        return bad_period(text, err);
    if (fiscal_start == 0)
        fiscal_start = 1;
    if (fiscal_start < 1 || fiscal_start > 12)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, "fiscal-start",
                                "the fiscal year's first month must be 1 to 12, not %d",
                                fiscal_start);
    size_t n = strlen(text);
    if (n == 4 && digits(text, 4, &y) && y >= 1 && y < 9999) {
        out->start = from_civil(y, 1, 1);
        out->end = from_civil(y + 1, 1, 1);
        return REGIO_OK;
    }
    if (n == 7 && digits(text, 4, &y) && text[4] == '-' && digits(text + 5, 2, &m) && m >= 1 &&
        m <= 12 && y >= 1 && y < 9999) {
        out->start = from_civil(y, (int)m, 1);
        out->end = m == 12 ? from_civil(y + 1, 1, 1) : from_civil(y, (int)m + 1, 1);
        return REGIO_OK;
    }
    if (n == 6 && digits(text, 4, &y) && (text[4] == 'Q' || text[4] == 'q') && text[5] >= '1' &&
        text[5] <= '4' && y >= 1 && y < 9999) {
        int q = text[5] - '0';
        out->start = from_civil(y, 3 * q - 2, 1);
        out->end = q == 4 ? from_civil(y + 1, 1, 1) : from_civil(y, 3 * q + 1, 1);
        return REGIO_OK;
    }
    if (n == 6 && (text[0] == 'F' || text[0] == 'f') && (text[1] == 'Y' || text[1] == 'y') &&
        digits(text + 2, 4, &y) && y >= 2 && y < 9999) {
        /* The fiscal year ending in y: it starts in month fiscal_start of
         * y - 1 (of y itself when it starts in January). */
        long sy = fiscal_start == 1 ? y : y - 1;
        out->start = from_civil(sy, fiscal_start, 1);
        out->end = from_civil(sy + 1, fiscal_start, 1);
        return REGIO_OK;
    }
    return bad_period(text, err);
}

regio_err regio_period_range(const char *from, const char *to, regio_period *out,
                             regio_error *err)
{
    regio_day a, b;
    if (regio_day_parse(from, &a))
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, "from",
                                "--from '%.40s' is no date (YYYY-MM-DD)", from ? from : "");
    if (regio_day_parse(to, &b))
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, "to",
                                "--to '%.40s' is no date (YYYY-MM-DD)", to ? to : "");
    if (b < a)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, "to",
                                "--to %s is before --from %s", to, from);
    out->start = a;
    out->end = b + 1;
    return REGIO_OK;
}

void regio_period_format(regio_period p, char out[32])
{
    char a[11], b[11];
    regio_day_format(p.start, a);
    regio_day_format(p.end - 1, b);
    snprintf(out, 32, "%s..%s", a, b);
}
