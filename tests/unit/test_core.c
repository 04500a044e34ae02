/* Unit tests for the core module: errors, allocation hook, buffer, RNG. */
#include "regio/buf.h"
#include "regio/core.h"
#include "core/grow.h"
#include "regio_test.h"

#include <stdint.h>

static void test_err_names(void)
{
    ASSERT_EQ_STR(regio_err_name(REGIO_EPARSE), "REGIO_EPARSE");
    ASSERT_EQ_STR(regio_err_name(REGIO_EINFEASIBLE), "REGIO_EINFEASIBLE");
    ASSERT_EQ_STR(regio_err_name((regio_err)999), "REGIO_EUNKNOWN");
    ASSERT_EQ_STR(regio_strerror(REGIO_OK), "success");
}

static void test_error_format(void)
{
    regio_error e;
    regio_error_clear(&e);
    snprintf(e.file, sizeof e.file, "a.csv");
    e.line = 57;
    snprintf(e.field, sizeof e.field, "lat");
    snprintf(e.msg, sizeof e.msg, "'abc' is not a number");
    char buf[256];
    ASSERT_EQ_STR(regio_error_format(&e, buf, sizeof buf),
                  "a.csv:57: field 'lat': 'abc' is not a number");
}


static void test_buf_and_alloc_failure(void)
{
    regio_allocator a = regio_test_failing;
    int saw_enomem = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 20; alloc_fail_at++) {
        alloc_calls = 0;
        regio_set_allocator(&a);
        regio_buf b;
        regio_buf_init(&b, 0);
        regio_err rc = REGIO_OK;
        for (int i = 0; i < 200 && !rc; i++)
            rc = regio_buf_printf(&b, "%d,", i);
        if (rc == REGIO_ENOMEM)
            saw_enomem = 1;
        else
            ASSERT_EQ_INT(b.len, 690);
        regio_buf_free(&b);
        regio_set_allocator(NULL);
    }
    ASSERT_TRUE(saw_enomem);
}

/* regio__grow: doubling from 16, contents kept, overflow and allocation
 * failures refused with the array and its capacity untouched. */
static void test_grow(void)
{
    int *v = NULL;
    size_t cap = 0;
    ASSERT_OK(regio__grow(&v, &cap, 1, sizeof *v));
    ASSERT_EQ_INT(cap, 16);
    for (int i = 0; i < 16; i++)
        v[i] = i;
    ASSERT_OK(regio__grow(&v, &cap, 16, sizeof *v));
    ASSERT_EQ_INT(cap, 16);
    ASSERT_OK(regio__grow(&v, &cap, 17, sizeof *v));
    ASSERT_EQ_INT(cap, 32);
    ASSERT_OK(regio__grow(&v, &cap, 100, sizeof *v));
    ASSERT_EQ_INT(cap, 100);
    ASSERT_EQ_INT(v[15], 15);
    int *before = v;
    ASSERT_EQ_INT(regio__grow(&v, &cap, SIZE_MAX / 2, sizeof *v), REGIO_ENOMEM);
    ASSERT_TRUE(v == before && cap == 100);
    regio_allocator a = regio_test_failing;
    alloc_calls = 0;
    alloc_fail_at = 1;
    regio_set_allocator(&a);
    regio_err rc = regio__grow(&v, &cap, 101, sizeof *v);
    regio_set_allocator(NULL);
    ASSERT_EQ_INT(rc, REGIO_ENOMEM);
    ASSERT_TRUE(v == before && cap == 100 && v[15] == 15);
    regio_free(v);
}

static void test_buf_escapes(void)
{
    regio_buf b;
    regio_buf_init(&b, 0);
    ASSERT_OK(regio_buf_json_str(&b, "a\"b\\c\n\x01"));
    ASSERT_EQ_STR(b.data, "\"a\\\"b\\\\c\\n\\u0001\"");
    regio_buf_reset(&b);
    ASSERT_OK(regio_buf_csv_field(&b, "x,\"y\"", ','));
    ASSERT_EQ_STR(b.data, "\"x,\"\"y\"\"\"");
    regio_buf_reset(&b);
    ASSERT_OK(regio_buf_num(&b, 0.1));
    ASSERT_EQ_STR(b.data, "0.1");
    regio_buf_reset(&b);
    ASSERT_OK(regio_buf_num(&b, 25000000));
    ASSERT_EQ_STR(b.data, "25000000");
    regio_buf_reset(&b);
    ASSERT_OK(regio_buf_num(&b, 980000.5));
    ASSERT_EQ_STR(b.data, "980000.5");
    regio_buf_reset(&b);
    ASSERT_OK(regio_buf_num(&b, 1.5e-9));
    ASSERT_EQ_STR(b.data, "1.5e-09");
    regio_buf_free(&b);
    regio_buf_init(&b, 8);
    ASSERT_EQ_INT(regio_buf_puts(&b, "0123456789"), REGIO_ENOMEM);
    regio_buf_free(&b);
}

static void test_rng_deterministic(void)
{
    regio_rng a, b;
    regio_rng_seed(&a, 42);
    regio_rng_seed(&b, 42);
    for (int i = 0; i < 100; i++)
        ASSERT_EQ_INT(regio_rng_next(&a), regio_rng_next(&b));
    regio_rng_seed(&b, 43);
    ASSERT_TRUE(regio_rng_next(&a) != regio_rng_next(&b));
    int hist[10] = {0};
    for (int i = 0; i < 10000; i++)
        hist[regio_rng_below(&a, 10)]++;
    for (int i = 0; i < 10; i++)
        ASSERT_TRUE(hist[i] > 850 && hist[i] < 1150);
    double d = regio_rng_double(&a);
    ASSERT_TRUE(d >= 0 && d < 1);
}

int main(void)
{
    RUN(test_err_names);
    RUN(test_error_format);
    RUN(test_buf_and_alloc_failure);
    RUN(test_grow);
    RUN(test_buf_escapes);
    RUN(test_rng_deterministic);
    TEST_END();
}
