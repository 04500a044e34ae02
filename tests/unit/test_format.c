/* Unit tests of numbers for people (regio/format.h): separators, money
 * scales, rounding at the scale boundaries, signs, non-finite values;
 * plus randomised checks against oracles written here: removing the
 * separators gives back printf's own digits, the separators stand every
 * three digits, significant digits read back to the value rounded once,
 * percentages and durations parse back to the value within the shown
 * rounding. */
#include "regio/format.h"
#include "regio_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_number(void)
{
    char b[64];
    ASSERT_EQ_STR(regio_format_number(0, 0, b, sizeof b), "0");
    ASSERT_EQ_STR(regio_format_number(999, 0, b, sizeof b), "999");
    ASSERT_EQ_STR(regio_format_number(1000, 0, b, sizeof b), "1,000");
    ASSERT_EQ_STR(regio_format_number(1234567, 0, b, sizeof b), "1,234,567");
    ASSERT_EQ_STR(regio_format_number(-1234567.891, 2, b, sizeof b), "-1,234,567.89");
    ASSERT_EQ_STR(regio_format_number(12345.66, 1, b, sizeof b), "12,345.7");
    ASSERT_EQ_STR(regio_format_number(-0.04, 1, b, sizeof b), "0.0");
    ASSERT_EQ_STR(regio_format_number(999999.6, 0, b, sizeof b), "1,000,000");
    ASSERT_EQ_STR(regio_format_number(NAN, 0, b, sizeof b), "-");
    ASSERT_EQ_STR(regio_format_number(INFINITY, 0, b, sizeof b), "-");
    char small[6];
    ASSERT_EQ_STR(regio_format_number(1234567, 0, small, sizeof small), "1,234");
}

static void test_money(void)
{
    char b[64];
    ASSERT_EQ_STR(regio_format_money(950, NULL, b, sizeof b), "950");
    ASSERT_EQ_STR(regio_format_money(12345, NULL, b, sizeof b), "12.3 k");
    ASSERT_EQ_STR(regio_format_money(1273440000, NULL, b, sizeof b), "1.27 B");
    ASSERT_EQ_STR(regio_format_money(33105000000.0, NULL, b, sizeof b), "33.1 B");
    ASSERT_EQ_STR(regio_format_money(1273440, "USD", b, sizeof b), "USD 1.27 M");
    ASSERT_EQ_STR(regio_format_money(-4500000, NULL, b, sizeof b), "-4.50 M");
    /* at the boundaries the larger scale wins rather than "1,000 k" */
    ASSERT_EQ_STR(regio_format_money(999999, NULL, b, sizeof b), "1.00 M");
    ASSERT_EQ_STR(regio_format_money(999.6, NULL, b, sizeof b), "1.00 k");
    ASSERT_EQ_STR(regio_format_money(99960, NULL, b, sizeof b), "100 k");
    ASSERT_EQ_STR(regio_format_money(NAN, NULL, b, sizeof b), "-");
    ASSERT_TRUE(regio_measure_is_money("revenue"));
    ASSERT_TRUE(regio_measure_is_money("Annual_Revenue"));
    ASSERT_TRUE(regio_measure_is_money("potential"));
    ASSERT_TRUE(!regio_measure_is_money("accounts"));
    ASSERT_TRUE(!regio_measure_is_money("workload"));
}

/* Over random values: the separators sit every three digits from the
 * point, and without them the text is printf's "%.*f". */
static void test_random_against_printf(void)
{
    regio_rng r;
    regio_rng_seed(&r, 7);
    for (int i = 0; i < 20000; i++) {
        double mag = pow(10, (double)regio_rng_below(&r, 13));
        double v = (regio_rng_double(&r) - 0.3) * mag;
        int dec = (int)regio_rng_below(&r, 4);
        char got[96], want[96], stripped[96];
        regio_format_number(v, dec, got, sizeof got);
        snprintf(want, sizeof want, "%.*f", dec, v);
        if (!strcmp(want, "-0") || (want[0] == '-' && strspn(want + 1, "0.") == strlen(want + 1)))
            memmove(want, want + 1, strlen(want));
        size_t o = 0;
        for (const char *p = got; *p; p++)
            if (*p != ',')
                stripped[o++] = *p;
        stripped[o] = '\0';
        ASSERT_EQ_STR(stripped, want);
        const char *dot = strchr(got, '.');
        size_t end = dot ? (size_t)(dot - got) : strlen(got);
        size_t start = got[0] == '-' ? 1 : 0, digits = 0;
        for (size_t k = end; k-- > start;) {
            if (got[k] == ',') {
                ASSERT_TRUE(digits % 3 == 0 && digits > 0);
            } else {
                digits++;
            }
        }
    }
}

/* regio_format_g15 against printf's own "%.15g" over random amounts
 * (whole, cents, fractions of cents), ratios, negatives and extremes. */
static void test_g15_is_printf(void)
{
    unsigned long long st = 0x9E3779B97F4A7C15ULL;
    long bad = 0;
    char got[32], want[64];
    for (long i = 0; i < 2000000; i++) {
        st ^= st >> 12;
        st ^= st << 25;
        st ^= st >> 27;
        unsigned long long r = st * 2685821657736338717ULL;
        double v;
        switch (i % 6) {
        case 0: v = (double)(r % 100000000000000ULL) / 100.0; break;   /* cents up to 1e12 */
        case 1: v = (double)(r % 10000000ULL); break;                  /* whole */
        case 2: v = (double)(r % 1000000007ULL) / 1000.0; break;       /* thousandths */
        case 3: v = (double)(r >> 11) / 9007199254740992.0; break;     /* ratios 0..1 */
        case 4: v = ldexp((double)(r >> 11), (int)(r % 120) - 80); break; /* any scale */
        default: v = (double)(r % 200000000000000ULL) / 100.0 + 999999000000.0; break; /* near 1e12 */
        }
        if (r & 1)
            v = -v;
        regio_format_g15(v, got);
        snprintf(want, sizeof want, "%.15g", v == 0 ? 0.0 : v);
        if (strcmp(got, want)) {
            if (bad++ < 5)
                fprintf(stderr, "g15(%.17g): %s, printf %s\n", v, got, want);
        }
    }
    ASSERT_EQ_INT(bad, 0);
    ASSERT_EQ_STR(regio_format_g15(-0.0, got), "0");
    ASSERT_EQ_STR(regio_format_g15(1070447.12, got), "1070447.12");
    ASSERT_EQ_STR(regio_format_g15(0.5, got), "0.5");
}

/* The text without its thousands separators; 0 when a separator stands
 * anywhere but every three digits of the whole part (counted from the
 * point) or there is none where one belongs. */
static int strip_grouping(const char *s, char *out, size_t cap)
{
    size_t o = 0, start = (*s == '-' || *s == '+') ? 1 : 0;
    const char *dot = strchr(s, '.');
    size_t end = dot ? (size_t)(dot - s) : strspn(s + start, "0123456789,") + start;
    size_t digits = 0;
    for (size_t k = end; k-- > start;) {
        if (s[k] == ',') {
            if (digits % 3 != 0 || digits == 0 || k == start)
                return 0;
        } else {
            digits++;
        }
    }
    if (digits > 3) { /* a separator before every group of three */
        size_t commas = 0;
        for (size_t k = start; k < end; k++)
            commas += s[k] == ',';
        if (commas != (digits - 1) / 3)
            return 0;
    }
    for (; *s && o + 1 < cap; s++)
        if (*s != ',')
            out[o++] = *s;
    out[o] = '\0';
    return 1;
}

static void test_sig(void)
{
    char b[400];
    ASSERT_EQ_STR(regio_format_sig(1273440000, 6, b, sizeof b), "1,273,440,000");
    ASSERT_EQ_STR(regio_format_sig(1273449999, 6, b, sizeof b), "1,273,450,000");
    ASSERT_EQ_STR(regio_format_sig(0.000012345, 3, b, sizeof b), "0.0000123");
    ASSERT_EQ_STR(regio_format_sig(12.5, 4, b, sizeof b), "12.5");
    ASSERT_EQ_STR(regio_format_sig(-2500.25, 6, b, sizeof b), "-2,500.25");
    ASSERT_EQ_STR(regio_format_sig(0.05, 4, b, sizeof b), "0.05");
    ASSERT_EQ_STR(regio_format_sig(-0.0, 6, b, sizeof b), "0");
    ASSERT_EQ_STR(regio_format_sig(999999.7, 6, b, sizeof b), "1,000,000");
    ASSERT_EQ_STR(regio_format_sig(NAN, 6, b, sizeof b), "-");
    ASSERT_TRUE(strlen(regio_format_sig(1e300, 6, b, sizeof b)) > 300);
}

/* Over random values of every scale: no exponent, separators every three
 * digits, at most `digits` significant digits and no trailing zero after
 * the point, and the text reads back to the value rounded once to that
 * many digits (the digits of printf's "%.*e"). */
static void test_sig_random(void)
{
    regio_rng r;
    regio_rng_seed(&r, 11);
    for (int i = 0; i < 50000; i++) {
        double v = ldexp(regio_rng_double(&r) + 0.5, (int)regio_rng_below(&r, 120) - 60);
        if (regio_rng_below(&r, 4) == 0)
            v = floor(v);
        if (regio_rng_below(&r, 2))
            v = -v;
        int digits = 1 + (int)regio_rng_below(&r, 15);
        char got[400], plain[400], want[64];
        regio_format_sig(v, digits, got, sizeof got);
        ASSERT_TRUE(!strpbrk(got, "eE"));
        ASSERT_TRUE(strip_grouping(got, plain, sizeof plain));
        snprintf(want, sizeof want, "%.*e", digits - 1, v);
        ASSERT_TRUE(strtod(plain, NULL) == strtod(want, NULL));
        size_t sig = 0;
        int seen = 0;
        for (const char *p = plain; *p; p++)
            if (*p >= '1' && *p <= '9')
                seen = 1, sig++;
            else if (*p == '0' && seen)
                sig++;
        const char *dot = strchr(plain, '.');
        if (dot) {
            ASSERT_TRUE(plain[strlen(plain) - 1] != '0');
            ASSERT_TRUE(sig <= (size_t)digits);
        }
    }
}

static void test_percent(void)
{
    char b[64];
    ASSERT_EQ_STR(regio_format_percent(0.1234, 1, 0, b, sizeof b), "12.3%");
    ASSERT_EQ_STR(regio_format_percent(0.008, -1, 0, b, sizeof b), "0.8%");
    ASSERT_EQ_STR(regio_format_percent(0.124, -1, 0, b, sizeof b), "12%");
    ASSERT_EQ_STR(regio_format_percent(13.5, -1, 0, b, sizeof b), "1,350%");
    ASSERT_EQ_STR(regio_format_percent(0.042, 1, 1, b, sizeof b), "+4.2%");
    ASSERT_EQ_STR(regio_format_percent(-0.042, 2, 1, b, sizeof b), "-4.20%");
    ASSERT_EQ_STR(regio_format_percent(0.00001, 1, 1, b, sizeof b), "0.0%");
    ASSERT_EQ_STR(regio_format_percent(-0.00001, 1, 1, b, sizeof b), "0.0%");
    ASSERT_EQ_STR(regio_format_percent(NAN, 1, 0, b, sizeof b), "-");
}

/* Random shares: the text parses back (after the separators, a '+' only
 * with sign and a value above zero) to share * 100 within half of the
 * last shown decimal, with exactly the decimals asked for. */
static void test_percent_random(void)
{
    regio_rng r;
    regio_rng_seed(&r, 13);
    for (int i = 0; i < 20000; i++) {
        double share = (regio_rng_double(&r) - 0.4) * pow(10, (double)regio_rng_below(&r, 5) - 2);
        int dec = (int)regio_rng_below(&r, 5) - 1, sign = (int)regio_rng_below(&r, 2);
        char got[64], plain[64];
        regio_format_percent(share, dec, sign, got, sizeof got);
        size_t len = strlen(got);
        ASSERT_TRUE(len > 1 && got[len - 1] == '%');
        got[len - 1] = '\0';
        ASSERT_TRUE(strip_grouping(got, plain, sizeof plain));
        double back = strtod(plain, NULL), p = share * 100;
        int want_dec = dec >= 0 ? dec : fabs(p) < 10 ? 1 : 0;
        const char *dot = strchr(plain, '.');
        ASSERT_EQ_INT(dot ? (int)strlen(dot + 1) : 0, want_dec);
        ASSERT_TRUE(fabs(back - p) <= 0.5 * pow(10, -want_dec) * (1 + 1e-9));
        ASSERT_EQ_INT(plain[0] == '+', sign && back > 0);
    }
}

static void test_unit_measure(void)
{
    char b[64], m[64];
    ASSERT_EQ_STR(regio_format_unit(14155.4, 0, "km", b, sizeof b), "14,155 km");
    ASSERT_EQ_STR(regio_format_unit(123.45, 1, "h", b, sizeof b), "123.5 h");
    ASSERT_EQ_STR(regio_format_unit(5, 0, NULL, b, sizeof b), "5");
    ASSERT_EQ_STR(regio_format_measure("accounts", 4000, b, sizeof b), "4,000");
    ASSERT_EQ_STR(regio_format_measure("workload", 10.25, b, sizeof b), "10.25");
    ASSERT_EQ_STR(regio_format_measure("revenue", 1273440000, b, sizeof b),
                  regio_format_money(1273440000, NULL, m, sizeof m));
    ASSERT_EQ_STR(regio_format_measure("revenue", 1273440000, b, sizeof b), "1.27 B");
}

static void test_duration(void)
{
    char b[64];
    ASSERT_EQ_STR(regio_format_duration(0, b, sizeof b), "0 min");
    ASSERT_EQ_STR(regio_format_duration(44.6, b, sizeof b), "45 min");
    ASSERT_EQ_STR(regio_format_duration(59.6, b, sizeof b), "1 h 00 min");
    ASSERT_EQ_STR(regio_format_duration(425, b, sizeof b), "7 h 05 min");
    ASSERT_EQ_STR(regio_format_duration(6000, b, sizeof b), "100 h");
    ASSERT_EQ_STR(regio_format_duration(74040, b, sizeof b), "1,234 h");
    ASSERT_EQ_STR(regio_format_duration(-90, b, sizeof b), "-1 h 30 min");
    ASSERT_EQ_STR(regio_format_duration(INFINITY, b, sizeof b), "-");
}

/* Random durations parse back to the minutes within the shown rounding:
 * the minute below 100 hours, the hour from there. */
static void test_duration_random(void)
{
    regio_rng r;
    regio_rng_seed(&r, 17);
    for (int i = 0; i < 20000; i++) {
        double min = regio_rng_double(&r) * pow(10, (double)regio_rng_below(&r, 7));
        char got[64], plain[64];
        regio_format_duration(min, got, sizeof got);
        double h = 0, mm = 0, back;
        int n = 0;
        if (sscanf(got, "%lf min%n", &mm, &n) == 1 && n == (int)strlen(got)) {
            back = mm;
            ASSERT_TRUE(mm < 60);
            ASSERT_TRUE(fabs(back - min) <= 0.5 + 1e-9);
        } else if (sscanf(got, "%lf h %lf min%n", &h, &mm, &n) == 2 && n == (int)strlen(got)) {
            ASSERT_TRUE(mm < 60 && h >= 1 && h < 100);
            ASSERT_TRUE(strstr(got, " h ")[3] != ' ' && strlen(strstr(got, " h ") + 3) == 6);
            back = 60 * h + mm;
            ASSERT_TRUE(fabs(back - min) <= 0.5 + 1e-9);
        } else {
            size_t len = strlen(got);
            ASSERT_TRUE(len > 2 && !strcmp(got + len - 2, " h"));
            got[len - 2] = '\0';
            ASSERT_TRUE(strip_grouping(got, plain, sizeof plain));
            back = 60 * strtod(plain, NULL);
            ASSERT_TRUE(back >= 6000 && fabs(back - min) <= 30 + 1e-9);
        }
    }
}

int main(void)
{
    RUN(test_number);
    RUN(test_money);
    RUN(test_g15_is_printf);
    RUN(test_random_against_printf);
    RUN(test_sig);
    RUN(test_sig_random);
    RUN(test_percent);
    RUN(test_percent_random);
    RUN(test_unit_measure);
    RUN(test_duration);
    RUN(test_duration_random);
    TEST_END();
}
