/*
 * Private to the store backends (sqlite_sales_blocks.c, pg_perf.c): the
 * order in which a period's sales lines are read. The figures add the
 * lines up in the order read, so every backend reads them in the order of
 * SQLite's packed blocks, by calendar month and then by line (account,
 * day, status, amount, probability; no probability before any), and gives
 * the same sums to the last bit.
 */
#ifndef REGIO_STORE_SALES_CODEC_H
#define REGIO_STORE_SALES_CODEC_H

#include <math.h>
#include <stdint.h>

/* Calendar month (year * 12 + month - 1) of a day counted from 1970-01-01
 * (the civil-from-days conversion of the proleptic Gregorian calendar). */
static inline int32_t sales_month_of(int32_t day)
{
    long long z = (long long)day + 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    long long m = mp < 10 ? mp + 3 : mp - 9;
    long long y = yoe + era * 400 + (m <= 2);
    return (int32_t)(y * 12 + m - 1);
}

/* The order of two lines of one month (NaN probability: none). */
static inline int sales_line_cmp(long long a_account, int32_t a_day, int a_status,
                                 double a_amount, double a_prob, long long b_account,
                                 int32_t b_day, int b_status, double b_amount, double b_prob)
{
    if (a_account != b_account)
        return a_account < b_account ? -1 : 1;
    if (a_day != b_day)
        return a_day < b_day ? -1 : 1;
    if (a_status != b_status)
        return a_status < b_status ? -1 : 1;
    if (a_amount != b_amount)
        return a_amount < b_amount ? -1 : 1;
    double pa = isnan(a_prob) ? -1.0 : a_prob;
    double pb = isnan(b_prob) ? -1.0 : b_prob;
    return (pa > pb) - (pa < pb);
}

#endif
