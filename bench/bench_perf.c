/*
 * Goals-and-results benchmark generator (issue 13): writes the CSV files the
 * benchmark imports into the access benchmark's organisation
 * (bench_access: 1,000,000 accounts ACC-0000001.., 8,775 leaf territories
 * L00001..L08775, users rep00001..).
 *
 *   bench_perf sales N OUT [--seed S]    N sales lines over 2025-01-01 ..
 *                                        2026-12-31: 80% won, 12% open
 *                                        (probability 10-90), 8% lost;
 *                                        amounts 100..50,000
 *   bench_perf quotas OUT                a quarterly quota per leaf for
 *                                        2025 and 2026
 *   bench_perf visits N OUT [--seed S]   N visits by random reps
 *
 * Deterministic for a seed (xorshift64*).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long st = 88172645463325252ULL;

static unsigned long long next(void)
{
    st ^= st >> 12;
    st ^= st << 25;
    st ^= st >> 27;
    return st * 2685821657736338717ULL;
}

static long pick(long n)
{
    return (long)(next() % (unsigned long long)n);
}

/* Day k of 2025-2026 as YYYY-MM-DD. */
static void date_of(long k, char out[16])
{
    static const int md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = 2025 + (int)(k / 365);
    long d = k % 365;
    int m = 0;
    while (d >= md[m])
        d -= md[m++];
    snprintf(out, 16, "%04d-%02d-%02d", y % 10000, (m + 1) % 100, (int)(d + 1) % 100);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_perf sales N OUT | quotas OUT | visits N OUT [--seed S]\n");
        return 2;
    }
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--seed"))
            st ^= strtoull(argv[i + 1], NULL, 10) * 0x9E3779B97F4A7C15ULL;
    char day[16];
    if (!strcmp(argv[1], "sales") && argc >= 4) {
        long n = atol(argv[2]);
        FILE *f = fopen(argv[3], "w");
        if (!f)
            return 1;
        fputs("id,account,date,amount,status,probability\n", f);
        for (long i = 1; i <= n; i++) {
            long acc = 1 + pick(1000000);
            date_of(pick(730), day);
            long r = pick(100);
            double amount = 100 + (double)pick(4990000) / 100.0;
            if (r < 80)
                fprintf(f, "S%08ld,ACC-%07ld,%s,%.2f,won,\n", i, acc, day, amount);
            else if (r < 92)
                fprintf(f, "S%08ld,ACC-%07ld,%s,%.2f,open,%ld\n", i, acc, day, amount,
                        10 + pick(81));
            else
                fprintf(f, "S%08ld,ACC-%07ld,%s,%.2f,lost,\n", i, acc, day, amount);
        }
        return fclose(f) ? 1 : 0;
    }
    if (!strcmp(argv[1], "quotas")) {
        FILE *f = fopen(argv[2], "w");
        if (!f)
            return 1;
        fputs("territory,period,amount\n", f);
        for (int y = 2025; y <= 2026; y++)
            for (int q = 1; q <= 4; q++)
                for (int t = 1; t <= 8775; t++)
                    fprintf(f, "L%05d,%dQ%d,%ld\n", t, y, q, 100000 + (long)pick(200000));
        return fclose(f) ? 1 : 0;
    }
    if (!strcmp(argv[1], "visits") && argc >= 4) {
        long n = atol(argv[2]);
        FILE *f = fopen(argv[3], "w");
        if (!f)
            return 1;
        fputs("id,account,user,date,type\n", f);
        for (long i = 1; i <= n; i++) {
            date_of(pick(730), day);
            fprintf(f, "V%08ld,ACC-%07ld,rep%05ld,%s,visit\n", i, 1 + pick(1000000),
                    1 + pick(19000), day);
        }
        return fclose(f) ? 1 : 0;
    }
    fprintf(stderr, "bench_perf: unknown command '%s'\n", argv[1]);
    return 2;
}
