/*
 * Tiny assertion header for Regio's unit tests. Each test executable
 * defines test functions, lists them in main via RUN(), and ends with
 * TEST_END() which prints "N passed, N failed" and returns the status.
 */
#ifndef REGIO_TEST_H
#define REGIO_TEST_H

#include "regio/core.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int regio_test_failed_checks_ __attribute__((unused));
static int regio_test_passed_ __attribute__((unused));
static int regio_test_failed_ __attribute__((unused));
static int regio_test_skipped_ __attribute__((unused));

/*
 * Allocation-failure support: with regio_set_allocator(&regio_test_failing)
 * installed, the alloc_fail_at-th allocation (counted in alloc_calls, which
 * the test resets) returns NULL. Tests loop alloc_fail_at over 1, 2, ... to prove each
 * public API survives every failure without a crash, a leak or a partial
 * write.
 */
static int alloc_fail_at __attribute__((unused));
static int alloc_calls __attribute__((unused));

static void *regio_test_malloc_(void *ud, size_t n)
{
    (void)ud;
    return ++alloc_calls == alloc_fail_at ? NULL : malloc(n);
}

static void *regio_test_realloc_(void *ud, void *p, size_t n)
{
    (void)ud;
    return ++alloc_calls == alloc_fail_at ? NULL : realloc(p, n);
}

static void regio_test_free_(void *ud, void *p)
{
    (void)ud;
    free(p);
}

static const regio_allocator regio_test_failing __attribute__((unused)) = {
    regio_test_malloc_, regio_test_realloc_, regio_test_free_, NULL};

#define FAIL_AT_(...)                                                          \
    do {                                                                       \
        fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);                      \
        fprintf(stderr, __VA_ARGS__);                                          \
        fputc('\n', stderr);                                                   \
        regio_test_failed_checks_++;                                           \
    } while (0)

#define ASSERT_TRUE(c)                                                         \
    do {                                                                       \
        if (!(c))                                                              \
            FAIL_AT_("expected true: %s", #c);                                 \
    } while (0)

#define ASSERT_EQ_INT(a, b)                                                    \
    do {                                                                       \
        long long a_ = (long long)(a), b_ = (long long)(b);                    \
        if (a_ != b_)                                                          \
            FAIL_AT_("%s == %s: %lld != %lld", #a, #b, a_, b_);                \
    } while (0)

#define ASSERT_EQ_STR(a, b)                                                    \
    do {                                                                       \
        const char *a_ = (a), *b_ = (b);                                       \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                 \
            FAIL_AT_("%s == %s: \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)", \
                     b_ ? b_ : "(null)");                                      \
    } while (0)

#define ASSERT_NEAR(a, b, tol)                                                 \
    do {                                                                       \
        double a_ = (double)(a), b_ = (double)(b);                             \
        if (!(fabs(a_ - b_) <= (tol)))                                         \
            FAIL_AT_("%s ~= %s: %.12g vs %.12g (tol %g)", #a, #b, a_, b_,      \
                     (double)(tol));                                           \
    } while (0)

#define ASSERT_OK(expr)                                                        \
    do {                                                                       \
        int rc_ = (int)(expr);                                                 \
        if (rc_ != 0)                                                          \
            FAIL_AT_("%s returned %d, expected 0", #expr, rc_);                \
    } while (0)

#define RUN(fn)                                                                \
    do {                                                                       \
        int before_ = regio_test_failed_checks_;                               \
        fn();                                                                  \
        if (regio_test_failed_checks_ == before_) {                            \
            regio_test_passed_++;                                              \
        } else {                                                               \
            regio_test_failed_++;                                              \
            fprintf(stderr, "FAIL %s\n", #fn);                                 \
        }                                                                      \
    } while (0)

/* Records a skipped test with the reason (e.g. benchmark data absent). */
#define SKIP(why)                                                              \
    do {                                                                       \
        fprintf(stderr, "SKIP %s: %s\n", __func__, (why));                     \
        regio_test_skipped_++;                                                 \
        regio_test_passed_--;                                                  \
        return;                                                                \
    } while (0)

#define TEST_END()                                                             \
    do {                                                                       \
        printf("%d passed, %d failed", regio_test_passed_ + 0,                 \
               regio_test_failed_);                                            \
        if (regio_test_skipped_)                                               \
            printf(", %d skipped", regio_test_skipped_);                       \
        printf("\n");                                                          \
        return regio_test_failed_ ? 1 : 0;                                     \
    } while (0)

/* A small deterministic generator for random-case tests (xorshift64*):
 * the next number from *state, and one in [0, n). */
static inline uint64_t regio_test_rnd(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 2685821657736338717ULL;
}

static inline long regio_test_pick(uint64_t *state, long n)
{
    return (long)(regio_test_rnd(state) % (uint64_t)n);
}

#endif
