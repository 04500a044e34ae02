/* Unit tests of numbers for people (regio/format.h): separators, money
 * scales, rounding at the scale boundaries, signs, non-finite values;
 * plus a randomised check that removing the separators gives back
 * printf's own digits. */
#include "regio/format.h"
#include "regio_test.h"

#include <math.h>
#include <stdio.h>
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

int main(void)
{
    RUN(test_number);
    RUN(test_money);
    RUN(test_g15_is_printf);
    RUN(test_random_against_printf);
    TEST_END();
}
