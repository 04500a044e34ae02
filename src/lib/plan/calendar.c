/*
 * The calendar of a call cycle: working days Monday to Friday from a start
 * date (days since 1970-01-01 on the proleptic Gregorian calendar, the
 * civil-from-days arithmetic of H. Hinnant), for the dates a plan shows.
 */
#include "plan/plan_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static long days_from_civil(long y, long m, long d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long yy = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

/* Parses a real date YYYY-MM-DD (years 1900-9999) into days since the
 * epoch; 0 when it is not one. */
static int parse_date(const char *s, long *out)
{
    int y, m, d, n = 0;
    if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
        s[4] != '-' || s[7] != '-' || y < 1900 || m < 1 || m > 12 || d < 1 || d > 31)
        return 0;
    long z = days_from_civil(y, m, d);
    int y2, m2, d2;
    civil_from_days(z, &y2, &m2, &d2);
    if (y2 != y || m2 != m || d2 != d)
        return 0; /* 2027-02-30 */
    *out = z;
    return 1;
}

/* Weekday of days-since-epoch z: 0 = Monday ... 6 = Sunday. */
static int weekday(long z) { return (int)(((z % 7) + 7 + 3) % 7); }

static void format_date(long z, char *out)
{
    int y, m, d;
    civil_from_days(z, &y, &m, &d);
    char buf[40];
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    buf[10] = '\0'; /* dates of years 1900-9999 only */
    memcpy(out, buf, 11);
}

int regio__plan_cycle_start(const char *start, char *out)
{
    long z = (long)(time(NULL) / 86400);
    if (start && !parse_date(start, &z))
        return 0;
    while (weekday(z) >= 5)
        z++; /* the cycle starts on a working day */
    format_date(z, out);
    return 1;
}


int regio__plan_visits_per_cycle(double vpy, int n_days)
{
    if (!(vpy > 0))
        return 0;
    return (int)fmin(fmax(1.0, round(vpy * n_days / REGIO_PLAN_WORKING_DAYS_PER_YEAR)), n_days);
}

int regio_plan_day_date(const char *start, int day, char *out)
{
    long z;
    out[0] = '\0';
    if (day < 1 || !parse_date(start, &z))
        return 0;
    while (weekday(z) >= 5)
        z++;
    for (int d = 1; d < day; d++)
        do
            z++;
        while (weekday(z) >= 5);
    format_date(z, out);
    return 1;
}
