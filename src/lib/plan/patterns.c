/*
 * Day patterns of the call-cycle planner: for f visits over an N-day
 * cycle, the day sets whose cyclic gaps (last -> first wraps around the
 * cycle) all lie within (1 +- tol) * N / f, evenly spaced sets first.
 * Enumeration is a depth-first walk over gap sequences; each set is listed
 * once, by its smallest day and the gaps that follow it. At most
 * PATTERN_CAP sets are kept: when more qualify the tolerance is halved (up
 * to three times) before the list is cut. Also the day-set helpers.
 */
#include "plan/plan_internal.h"
#include "core/grow.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATTERN_CAP 320

/* Each set allocated on its own: the pointers handed out stay valid while
 * the cache grows. */
struct regio__plan_patcache {
    regio__plan_patset **v;
    size_t n, cap;
};

regio_err regio__plan_patcache_create(regio__plan_patcache **out)
{
    *out = regio_calloc(1, sizeof **out);
    return *out ? REGIO_OK : REGIO_ENOMEM;
}

void regio__plan_patcache_destroy(regio__plan_patcache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        regio_free(c->v[i]->days);
        regio_free(c->v[i]);
    }
    regio_free(c->v);
    regio_free(c);
}

typedef struct gen {
    int f, N, lo, hi;
    int *days;      /* cap * f */
    int n, cap;
    int overflow;
    int gaps[REGIO_PLAN_MAX_DAYS];
} gen;

static int has_set(const gen *g, const int *d)
{
    for (int i = 0; i < g->n; i++)
        if (!memcmp(g->days + (size_t)i * (size_t)g->f, d, (size_t)g->f * sizeof *d))
            return 1;
    return 0;
}

static void push_set(gen *g, const int *d)
{
    if (has_set(g, d))
        return;
    if (g->n >= g->cap) {
        g->overflow = 1;
        return;
    }
    memcpy(g->days + (size_t)g->n * (size_t)g->f, d, (size_t)g->f * sizeof *d);
    g->n++;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void dfs(gen *g, int k, int sum)
{
    if (g->overflow)
        return;
    if (k == g->f - 1) {
        int last = g->N - sum;
        if (last < g->lo || last > g->hi)
            return;
        int d[REGIO_PLAN_MAX_DAYS];
        for (int s = 0; s < last && !g->overflow; s++) {
            d[0] = s;
            for (int i = 1; i < g->f; i++)
                d[i] = d[i - 1] + g->gaps[i - 1];
            push_set(g, d);
        }
        return;
    }
    int rest = g->f - 1 - k; /* gaps still to choose after this one */
    for (int x = g->lo; x <= g->hi; x++) {
        int ns = sum + x;
        if (ns + rest * g->lo > g->N || ns + rest * g->hi < g->N)
            continue;
        g->gaps[k] = x;
        dfs(g, k + 1, ns);
        if (g->overflow)
            return;
    }
}

static void add_even(gen *g)
{
    double gap = (double)g->N / g->f;
    int d[REGIO_PLAN_MAX_DAYS];
    for (int s = 0; s < g->N; s++) {
        for (int k = 0; k < g->f; k++)
            d[k] = (int)floor(s + k * gap + 0.5) % g->N;
        qsort(d, (size_t)g->f, sizeof *d, cmp_int);
        int dup = 0;
        for (int k = 1; k < g->f; k++)
            dup |= d[k] == d[k - 1];
        if (!dup)
            push_set(g, d);
    }
}

regio_err regio__plan_patterns(regio__plan_patcache *c, int f, int n_days, double tol,
                               const regio__plan_patset **out)
{
    if (tol <= 0)
        tol = 0.25;
    for (size_t i = 0; i < c->n; i++)
        if (c->v[i]->f == f && c->v[i]->n_days == n_days && c->v[i]->tol == tol) {
            *out = c->v[i];
            return REGIO_OK;
        }
    if (c->n == c->cap && regio__grow(&c->v, &c->cap, c->n + 1, sizeof *c->v))
        return REGIO_ENOMEM;
    regio__plan_patset *ps = regio_calloc(1, sizeof *ps);
    if (!ps)
        return REGIO_ENOMEM;
    gen g;
    memset(&g, 0, sizeof g);
    g.f = f;
    g.N = n_days;
    g.cap = PATTERN_CAP;
    g.days = regio_malloc((size_t)PATTERN_CAP * (size_t)f * sizeof *g.days);
    if (!g.days) {
        regio_free(ps);
        return REGIO_ENOMEM;
    }
    double t = tol;
    for (int attempt = 0; attempt < 4; attempt++) {
        g.n = 0;
        g.overflow = 0;
        add_even(&g);
        double gap = (double)n_days / f;
        g.lo = (int)ceil(gap * (1 - t) - 1e-9);
        g.hi = (int)floor(gap * (1 + t) + 1e-9);
        if (g.lo < 1)
            g.lo = 1;
        if (f == 1) {
            g.lo = g.hi = n_days;
        }
        if (g.lo <= g.hi)
            dfs(&g, 0, 0);
        if (!g.overflow)
            break;
        t *= 0.5;
    }
    c->v[c->n++] = ps;
    ps->f = f;
    ps->n_days = n_days;
    ps->tol = tol;
    ps->n = g.n;
    ps->days = g.days;
    *out = ps;
    return REGIO_OK;
}

/* ---- day sets ----------------------------------------------------------- */

void regio_plan_dayset_add(regio_plan_dayset *s, int day)
{
    if (!s || day < 1 || day > REGIO_PLAN_MAX_DAYS)
        return;
    s->bits[(day - 1) / 64] |= (uint64_t)1 << ((day - 1) % 64);
}

int regio_plan_dayset_has(const regio_plan_dayset *s, int day)
{
    if (!s || day < 1 || day > REGIO_PLAN_MAX_DAYS)
        return 0;
    return (int)((s->bits[(day - 1) / 64] >> ((day - 1) % 64)) & 1u);
}

static int weekday_of(const char *w)
{
    static const char *names[7][2] = {{"mon", "monday"},    {"tue", "tuesday"},
                                      {"wed", "wednesday"}, {"thu", "thursday"},
                                      {"fri", "friday"},    {"sat", "saturday"},
                                      {"sun", "sunday"}};
    for (int i = 0; i < 7; i++)
        if (!strcmp(w, names[i][0]) || !strcmp(w, names[i][1]))
            return i;
    if (!strcmp(w, "tues"))
        return 1;
    if (!strcmp(w, "thur") || !strcmp(w, "thurs"))
        return 3;
    return -1;
}

regio_err regio_plan_days_parse(const char *s, int n_days, int week_len, regio_plan_dayset *out,
                                regio_error *err)
{
    if (week_len <= 0)
        week_len = 5;
    if (!s || !out)
        return REGIO_EINVAL;
    const char *p = s;
    while (*p) {
        while (*p == ',' || *p == ';' || *p == '|' || isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        char item[64];
        size_t n = 0;
        while (*p && *p != ',' && *p != ';' && *p != '|' && !isspace((unsigned char)*p)) {
            if (n + 1 < sizeof item)
                item[n++] = (char)tolower((unsigned char)*p);
            p++;
        }
        item[n] = '\0';
        if (isalpha((unsigned char)item[0])) {
            int w = weekday_of(item);
            if (w < 0) {
                return regio_error_setf(
                    err, REGIO_EPARSE, NULL, 0, NULL,
                    "'%s' is neither a day number nor a weekday name (mon..sun)", item);
            }
            for (int d = 1; d <= n_days; d++)
                if ((d - 1) % week_len == w)
                    regio_plan_dayset_add(out, d);
            continue;
        }
        char *end;
        long a = strtol(item, &end, 10), b = a;
        if (end != item && *end == '-')
            b = strtol(end + 1, &end, 10);
        if (end == item || *end || a < 1 || b < a || b > n_days) {
            return regio_error_setf(
                err, REGIO_EPARSE, NULL, 0, NULL,
                "'%s' is not a day (or range a-b) within 1..%d, nor a weekday name", item, n_days);
        }
        for (long d = a; d <= b; d++)
            regio_plan_dayset_add(out, (int)d);
    }
    return REGIO_OK;
}
