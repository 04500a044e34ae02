/*
 * Rule-run benchmark generator (issue 12's target): builds, through the
 * public library API only, a store of the size the target names — 1,000,000
 * accounts and a model of 10,000 territories with 3 assignment rules each —
 * for `regio rules run` to be timed on (bench/rules.sh).
 *
 *   bench_rules build DB [--seed N]   a new store at DB (an existing one is
 *                                     replaced); prints one line per step:
 *                                     "step<TAB>what<TAB>rows<TAB>seconds",
 *                                     then "info<TAB>key<TAB>value" lines
 *   bench_rules change DB N [--seed N] rewrites N random leaf rules (a
 *                                     re-run then has something to swap)
 *   bench_rules version               the generator's version (a cache key)
 *
 * The data (deterministic for a seed):
 *   - 1,000,000 accounts with a random 5-digit ZIP (postal_code), the state
 *     its first two digits name (region), country US, one of 10 industries,
 *     segment A/B/C, employees (1-5,000, skewed low), annual revenue, and
 *     the custom columns tier (Platinum 0.5%, Gold, Silver, Bronze, empty)
 *     and score (0-100); 1 in 50 is a "Holdings" company;
 *   - one planning model "bench": 10,000 territories in a depth-6 hierarchy
 *     NA > R1-R4 > A01-A20 > D001-D200 > S0001-S1000 > L00001-L08775. Regions
 *     own ZIP first digits (R1 0-2, R2 3-4, R3 5-7, R4 8-9) and each leaf one
 *     4-digit ZIP prefix of its region;
 *   - 3 rules in every territory (30,000 rules, 1 to 5 criteria):
 *       NA    country = US (inherited by all); segment A and revenue > 40M;
 *             name contains "holdings" (no index applies: evaluated for all)
 *       R     ZIP starts with one of its digits (inherited: 1 OR 2 [OR 3]);
 *             an industry and tier Gold; employees > 4,000 AND NOT segment C
 *             (evaluated for all)
 *       A     industry X and segment A; tier Platinum; score >= 99.5 and
 *             ZIP in its 2-digit prefix
 *       D     ZIP in 10 ZIP codes; industry in 2 and employees > 4,500;
 *             (segment B AND tier Silver AND a 2-digit ZIP prefix) OR
 *             (a 3-digit ZIP prefix AND NOT segment C)
 *       S     ZIP in 5 ZIP codes; revenue > 49M and industry X; score < 0.5
 *             and ZIP starts with "" (always) and a 2-digit prefix
 *       L     ZIP starts with its 4-digit prefix; ZIP in 3 codes; industry X
 *             and segment A and ZIP starts with its 3-digit prefix
 *     so an account matches NA, its region, its leaf (when its prefix has
 *     one) and a few overlays.
 */
#include "regio/core.h"
#include "regio/rule_store.h"
#include "regio/store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GEN_VERSION "2"

enum {
    N_ACCOUNTS = 1000000,
    N_REGIONS = 4,
    N_AREAS = 20,
    N_DISTRICTS = 200,
    N_SUBS = 1000,
    N_LEAVES = 8775, /* 1 + 4 + 20 + 200 + 1000 + 8775 = 10,000 territories */
};

static const char *const MODEL = "bench";
static const char *const ACTOR = "bench";

static const char *const INDUSTRIES[10] = {"Healthcare", "Manufacturing", "Retail", "Technology",
                                           "Logistics", "Education", "Finance", "Energy",
                                           "Hospitality", "Construction"};
static const char *const STATES[50] = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY",
    "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
    "WI", "WY"};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *what, regio_err rc, const regio_error *err)
{
    char buf[2048];
    fprintf(stderr, "bench_rules: %s: %s\n", what,
            err && err->msg[0] ? regio_error_format(err, buf, sizeof buf) : regio_strerror(rc));
    exit(1);
}

#define CHECK(what, call)                                                                   \
    do {                                                                                    \
        regio_error_clear(&g->err);                                                         \
        regio_err rc_ = (call);                                                             \
        if (rc_)                                                                            \
            die(what, rc_, &g->err);                                                        \
    } while (0)

/* ---- the hierarchy ----------------------------------------------------------- */

static long leaf_sub(long l) { return l * N_SUBS / N_LEAVES; }
static long sub_district(long s) { return s * N_DISTRICTS / N_SUBS; }
static long district_area(long d) { return d * N_AREAS / N_DISTRICTS; }
static long area_region(long a) { return a * N_REGIONS / N_AREAS; }
static long leaf_region(long l) { return area_region(district_area(sub_district(leaf_sub(l)))); }

/* The ZIP first digits of region r: [first, first + n). */
static void region_digits(long r, int *first, int *n)
{
    static const int f[N_REGIONS] = {0, 3, 5, 8}, k[N_REGIONS] = {3, 2, 3, 2};
    *first = f[r];
    *n = k[r];
}

typedef struct gen {
    regio_store *s;
    regio_error err;
    regio_rng rng;
    double t0;
    long rules;
    long leaf_prefix[N_LEAVES]; /* each leaf's 4-digit ZIP prefix */
} gen;

static void step_begin(gen *g)
{
    g->t0 = now_s();
    CHECK("begin", regio_store_begin(g->s, &g->err));
}

static void step_end(gen *g, const char *what, long rows)
{
    CHECK("commit", regio_store_commit(g->s, &g->err));
    double t = now_s() - g->t0;
    printf("step\t%s\t%ld\t%.2f\n", what, rows, t);
    fflush(stdout);
    fprintf(stderr, "bench_rules: %-44s %9ld rows %7.2f s\n", what, rows, t);
}

/* Each leaf gets a 4-digit prefix of its region, spread over the region's
 * prefixes. */
static void assign_prefixes(gen *g)
{
    long count[N_REGIONS] = {0}, seen[N_REGIONS] = {0};
    for (long l = 0; l < N_LEAVES; l++)
        count[leaf_region(l)]++;
    for (long l = 0; l < N_LEAVES; l++) {
        long r = leaf_region(l);
        int first, n;
        region_digits(r, &first, &n);
        long k = seen[r]++ * (1000L * n) / count[r];
        g->leaf_prefix[l] = first * 1000L + k;
    }
}

static void build_accounts(gen *g)
{
    step_begin(g);
    static const char *const tiers[] = {"Gold", "Silver", "Bronze", NULL};
    char id[32], name[48], zip[8], seg[4], tier[16];
    for (long i = 0; i < N_ACCOUNTS; i++) {
        regio_account a;
        regio_account_init(&a);
        snprintf(id, sizeof id, "ACC-%07ld", i + 1);
        snprintf(name, sizeof name, "Company %ld%s", i + 1,
                 regio_rng_below(&g->rng, 50) == 0 ? " Holdings" : "");
        long z = (long)regio_rng_below(&g->rng, 100000);
        snprintf(zip, sizeof zip, "%05ld", z);
        snprintf(seg, sizeof seg, "%c", "ABC"[regio_rng_below(&g->rng, 3)]);
        a.id = id;
        a.name = name;
        a.postal_code = zip;
        a.region = (char *)STATES[(z / 1000) % 50];
        a.country = "US";
        a.industry = (char *)INDUSTRIES[regio_rng_below(&g->rng, 10)];
        a.segment = seg;
        a.employees = floor(exp(regio_rng_double(&g->rng) * log(5000.0)));
        a.annual_revenue = 50000.0 + floor(regio_rng_double(&g->rng) * 5e7);
        regio_attr attrs[2];
        size_t na = 0;
        const char *t = regio_rng_below(&g->rng, 200) == 0 ? "Platinum"
                                                           : tiers[regio_rng_below(&g->rng, 4)];
        if (t) {
            snprintf(tier, sizeof tier, "%s", t);
            attrs[na++] = (regio_attr){"tier", tier, NAN, 0};
        }
        attrs[na++] = (regio_attr){"score", NULL, floor(regio_rng_double(&g->rng) * 1001) / 10, 1};
        a.attrs = attrs;
        a.n_attrs = na;
        CHECK("account", regio_store_account_upsert(g->s, &a, NULL, &g->err));
    }
    step_end(g, "accounts", N_ACCOUNTS);
}

static void territory_id(long level, long i, char *out, size_t cap)
{
    switch (level) {
    case 0: snprintf(out, cap, "NA"); break;
    case 1: snprintf(out, cap, "R%ld", i + 1); break;
    case 2: snprintf(out, cap, "A%02ld", i + 1); break;
    case 3: snprintf(out, cap, "D%03ld", i + 1); break;
    case 4: snprintf(out, cap, "S%04ld", i + 1); break;
    default: snprintf(out, cap, "L%05ld", i + 1); break;
    }
}

static long parent_of(long level, long i)
{
    switch (level) {
    case 1: return 0;
    case 2: return area_region(i);
    case 3: return district_area(i);
    case 4: return sub_district(i);
    default: return leaf_sub(i);
    }
}

static const long LEVEL_N[6] = {1, N_REGIONS, N_AREAS, N_DISTRICTS, N_SUBS, N_LEAVES};

static void build_territories(gen *g)
{
    step_begin(g);
    CHECK("model", regio_store_model_create(g->s, MODEL, REGIO_MODEL_PLANNING, NULL, NULL,
                                            "rule-run benchmark", NULL, &g->err));
    char id[32], parent[32];
    long n = 0;
    for (long level = 0; level < 6; level++)
        for (long i = 0; i < LEVEL_N[level]; i++, n++) {
            territory_id(level, i, id, sizeof id);
            if (level)
                territory_id(level - 1, parent_of(level, i), parent, sizeof parent);
            CHECK("territory", regio_store_territory_upsert(g->s, MODEL, id, id,
                                                            level ? parent : NULL, &g->err));
        }
    step_end(g, "territories", n);
}

/* A rule under construction. */
typedef struct rb {
    regio_rule_info r;
    char name[48], terr[32], logic[64];
    char val[REGIO_RULE_MAX_CRITERIA][96];
} rb;

static void rb_start(rb *b, const char *terr, int k, int inherit, const char *logic)
{
    memset(b, 0, sizeof *b);
    snprintf(b->terr, sizeof b->terr, "%s", terr);
    snprintf(b->name, sizeof b->name, "%s rule %d", terr, k);
    b->r.territory = b->terr;
    b->r.name = b->name;
    b->r.inherit = inherit;
    b->r.active = 1;
    if (logic) {
        snprintf(b->logic, sizeof b->logic, "%s", logic);
        b->r.logic = b->logic;
    }
}

static void rb_add(rb *b, const char *field, const char *op, const char *value)
{
    int k = b->r.n_criteria++;
    snprintf(b->val[k], sizeof b->val[k], "%s", value);
    b->r.criteria[k] = (regio_rule_criterion){field, op, b->val[k]};
}

static void rb_save(gen *g, rb *b)
{
    CHECK("rule", regio_store_rule_save(g->s, MODEL, &b->r, ACTOR, NULL, &g->err));
    g->rules++;
}

static const char *industry(gen *g)
{
    return INDUSTRIES[regio_rng_below(&g->rng, 10)];
}

/* n random ZIP codes starting with digit d (or any when d < 0), ';'-joined. */
static void zips(gen *g, int n, long prefix, int digits, char *out, size_t cap)
{
    size_t at = 0;
    long span = digits == 1 ? 10000 : digits == 2 ? 1000 : digits == 3 ? 100 : 10;
    for (int i = 0; i < n && at < cap; i++)
        at += (size_t)snprintf(out + at, cap - at, "%s%05ld", i ? ";" : "",
                               prefix * span + (long)regio_rng_below(&g->rng, (uint64_t)span));
}

static void rules_of(gen *g, long level, long i, rb *b)
{
    char t[32], v[96];
    territory_id(level, i, t, sizeof t);
    switch (level) {
    case 0:
        rb_start(b, t, 1, 1, NULL);
        rb_add(b, "country", "equals", "US");
        rb_save(g, b);
        rb_start(b, t, 2, 0, NULL);
        rb_add(b, "segment", "equals", "A");
        rb_add(b, "annual_revenue", "greater_than", "4e7");
        rb_save(g, b);
        rb_start(b, t, 3, 0, NULL);
        rb_add(b, "name", "contains", "holdings");
        rb_save(g, b);
        break;
    case 1: {
        int first, n;
        region_digits(i, &first, &n);
        rb_start(b, t, 1, 1, n == 3 ? "1 OR 2 OR 3" : "1 OR 2");
        for (int d = 0; d < n; d++) {
            snprintf(v, sizeof v, "%d", first + d);
            rb_add(b, "postal_code", "starts_with", v);
        }
        rb_save(g, b);
        rb_start(b, t, 2, 0, NULL);
        rb_add(b, "industry", "equals", industry(g));
        rb_add(b, "tier", "equals", "gold");
        rb_save(g, b);
        rb_start(b, t, 3, 0, "1 AND NOT 2");
        rb_add(b, "employees", "greater_than", "4000");
        rb_add(b, "segment", "equals", "C");
        rb_save(g, b);
        break;
    }
    case 2: {
        int first, n;
        region_digits(area_region(i), &first, &n);
        long p2 = first * 10 + (long)regio_rng_below(&g->rng, (uint64_t)(10 * n));
        rb_start(b, t, 1, 0, NULL);
        rb_add(b, "industry", "equals", industry(g));
        rb_add(b, "segment", "equals", "A");
        rb_save(g, b);
        rb_start(b, t, 2, 0, NULL);
        rb_add(b, "tier", "equals", "Platinum");
        rb_save(g, b);
        rb_start(b, t, 3, 0, NULL);
        rb_add(b, "score", "greater_or_equal", "99.5");
        snprintf(v, sizeof v, "%02ld", p2);
        rb_add(b, "postal_code", "starts_with", v);
        rb_save(g, b);
        break;
    }
    case 3: {
        int first, n;
        region_digits(area_region(district_area(i)), &first, &n);
        long p3 = first * 100 + (long)regio_rng_below(&g->rng, (uint64_t)(100 * n));
        rb_start(b, t, 1, 0, NULL);
        zips(g, 10, p3 / 100, 1, v, sizeof v);
        rb_add(b, "postal_code", "in", v);
        rb_save(g, b);
        rb_start(b, t, 2, 0, NULL);
        snprintf(v, sizeof v, "%s;%s", industry(g), industry(g));
        rb_add(b, "industry", "in", v);
        rb_add(b, "employees", "greater_than", "4500");
        rb_save(g, b);
        rb_start(b, t, 3, 0, "(1 AND 2 AND 5) OR (3 AND NOT 4)");
        rb_add(b, "segment", "equals", "B");
        rb_add(b, "tier", "equals", "Silver");
        snprintf(v, sizeof v, "%03ld", p3);
        rb_add(b, "postal_code", "starts_with", v);
        rb_add(b, "segment", "equals", "C");
        snprintf(v, sizeof v, "%02ld", p3 / 10);
        rb_add(b, "postal_code", "starts_with", v);
        rb_save(g, b);
        break;
    }
    case 4: {
        int first, n;
        region_digits(area_region(district_area(sub_district(i))), &first, &n);
        rb_start(b, t, 1, 0, NULL);
        zips(g, 5, first + (long)regio_rng_below(&g->rng, (uint64_t)n), 1, v, sizeof v);
        rb_add(b, "postal_code", "in", v);
        rb_save(g, b);
        rb_start(b, t, 2, 0, NULL);
        rb_add(b, "annual_revenue", "greater_than", "49000000");
        rb_add(b, "industry", "equals", industry(g));
        rb_save(g, b);
        rb_start(b, t, 3, 0, NULL);
        rb_add(b, "score", "less_than", "0.5");
        rb_add(b, "postal_code", "starts_with", "");
        snprintf(v, sizeof v, "%d%ld", first, (long)regio_rng_below(&g->rng, 10));
        rb_add(b, "postal_code", "starts_with", v);
        rb_save(g, b);
        break;
    }
    default: {
        long p4 = g->leaf_prefix[i];
        rb_start(b, t, 1, 0, NULL);
        snprintf(v, sizeof v, "%04ld", p4);
        rb_add(b, "postal_code", "starts_with", v);
        rb_save(g, b);
        rb_start(b, t, 2, 0, NULL);
        zips(g, 3, p4 / 10, 3, v, sizeof v);
        rb_add(b, "postal_code", "in", v);
        rb_save(g, b);
        rb_start(b, t, 3, 0, NULL);
        rb_add(b, "industry", "equals", industry(g));
        rb_add(b, "segment", "equals", "A");
        snprintf(v, sizeof v, "%03ld", p4 / 10);
        rb_add(b, "postal_code", "starts_with", v);
        rb_save(g, b);
        break;
    }
    }
}

static void build_rules(gen *g)
{
    step_begin(g);
    rb b;
    for (long level = 0; level < 6; level++)
        for (long i = 0; i < LEVEL_N[level]; i++)
            rules_of(g, level, i, &b);
    step_end(g, "rules (3 per territory)", g->rules);
}

static int build(const char *db, uint64_t seed)
{
    char side[4200];
    remove(db);
    snprintf(side, sizeof side, "%s-wal", db);
    remove(side);
    snprintf(side, sizeof side, "%s-shm", db);
    remove(side);
    static gen gs;
    gen *g = &gs;
    regio_rng_seed(&g->rng, seed);
    double t0 = now_s();
    CHECK("open", regio_store_open(db, &g->s, &g->err));
    assign_prefixes(g);
    build_accounts(g);
    build_territories(g);
    build_rules(g);
    printf("step\ttotal\t0\t%.2f\n", now_s() - t0);
    printf("info\tseed\t%llu\n", (unsigned long long)seed);
    printf("info\tversion\t%s\n", GEN_VERSION);
    printf("info\tmodel\t%s\n", MODEL);
    printf("info\taccounts\t%d\n", N_ACCOUNTS);
    printf("info\tterritories\t%d\n", 1 + N_REGIONS + N_AREAS + N_DISTRICTS + N_SUBS + N_LEAVES);
    printf("info\trules\t%ld\n", g->rules);
    regio_store_close(g->s);
    return 0;
}

/* Rewrites n random leaf rules 1 (another prefix of the same region). */
typedef struct pick {
    long id;
    char terr[32];
} pick;

static int on_rule(void *ud, const regio_rule_info *r)
{
    pick *p = ud;
    if (!strcmp(r->territory, p->terr) && !strcmp(r->name + strlen(r->name) - 6, "rule 1"))
        p->id = r->id;
    return 0;
}

static int change(const char *db, long n, uint64_t seed)
{
    static gen gs;
    gen *g = &gs;
    regio_rng_seed(&g->rng, seed ^ 0x5eedULL);
    CHECK("open", regio_store_open(db, &g->s, &g->err));
    assign_prefixes(g);
    double t0 = now_s();
    CHECK("begin", regio_store_begin(g->s, &g->err));
    for (long k = 0; k < n; k++) {
        long l = (long)regio_rng_below(&g->rng, N_LEAVES);
        long other = (long)regio_rng_below(&g->rng, N_LEAVES);
        if (leaf_region(other) != leaf_region(l))
            other = l;
        pick p = {0, ""};
        territory_id(5, l, p.terr, sizeof p.terr);
        CHECK("rules", regio_store_rules_foreach(g->s, MODEL, p.terr, on_rule, &p, &g->err));
        rb b;
        rb_start(&b, p.terr, 1, 0, NULL);
        char v[32];
        snprintf(v, sizeof v, "%04ld", g->leaf_prefix[other]);
        rb_add(&b, "postal_code", "starts_with", v);
        b.r.id = p.id;
        rb_save(g, &b);
    }
    CHECK("commit", regio_store_commit(g->s, &g->err));
    printf("step\tchanged leaf rules\t%ld\t%.2f\n", n, now_s() - t0);
    regio_store_close(g->s);
    return 0;
}

static int usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s build DB [--seed N]\n"
            "       %s change DB N [--seed N]\n"
            "       %s version\n",
            argv0, argv0, argv0);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(argv[0]);
    uint64_t seed = 2026;
    for (int i = 2; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--seed"))
            seed = strtoull(argv[i + 1], NULL, 10);
    if (!strcmp(argv[1], "version")) {
        printf("%s\n", GEN_VERSION);
        return 0;
    }
    if (!strcmp(argv[1], "build") && argc >= 3)
        return build(argv[2], seed);
    if (!strcmp(argv[1], "change") && argc >= 4)
        return change(argv[2], strtol(argv[3], NULL, 10), seed);
    return usage(argv[0]);
}
