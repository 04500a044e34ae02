/*
 * Access benchmark generator (issue 11): builds, through the public library
 * API only, an organisation of the size the performance target names, and
 * writes (user, account) pairs for `regio access check --pairs`.
 *
 *   bench_access build DB [--seed N]   a new store at DB (an existing one is
 *                                      replaced); prints one line per step:
 *                                      "step<TAB>what<TAB>rows<TAB>seconds",
 *                                      then "info<TAB>key<TAB>value" lines
 *   bench_access pairs N OUT [--seed N] N random (user, account) pairs as CSV
 *                                      (user,account), uniform over all users
 *                                      and all accounts; needs no store
 *   bench_access version               the generator's version (a cache key)
 *
 * The organisation (deterministic for a seed):
 *   - 40,000 geography units, points on a 200 x 200 grid over the lower 48,
 *     numbered along a Hilbert curve so that consecutive units are close;
 *   - 1,000,000 accounts, each in a random unit; 30% have an owner: 4 in 5
 *     the owner rep of their unit's leaf territory, 1 in 5 a random rep;
 *   - roles: VP Sales > 20 directors > 200 managers > 200 rep roles (a role
 *     is a position: each manager role has its own rep role under it);
 *   - 20,000 users: vp, dir01-dir20, mgr001-mgr200, 4 ops users without a
 *     role (manage_territories, view_all, view_all + manage_territories,
 *     modify_all) and 19,775 reps, 1% of them disabled;
 *   - one model "bench", created planning: 10,000 territories in a depth-6
 *     hierarchy: NA > R1-R4 > A01-A20 > D001-D200 > S0001-S1000 >
 *     L00001-L08775 (leaves: edit, 1 in 20 owner; the rest read); every unit
 *     aligned to a leaf (consecutive units to the same leaf), then promoted
 *     from 2020-01-01;
 *   - memberships: each leaf its owner rep (owner); each district its manager
 *     and each area its director (manager); the other 11,000 reps a rep
 *     membership on a leaf of their district (10% inactive, 10% ended in
 *     2021, 5% starting in 2099, 10% dated 2020-2099, the rest open), and
 *     1 in 5 of them an overlay membership on a sub-district elsewhere;
 *   - 2,000 manual associations of random accounts with random leaves.
 */
#include "regio/access.h"
#include "regio/core.h"
#include "regio/org.h"
#include "regio/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GEN_VERSION "1"

enum {
    N_UNITS = 40000,
    GRID = 200,
    N_ACCOUNTS = 1000000,
    N_REGIONS = 4,
    N_AREAS = 20,    /* one director each */
    N_DISTRICTS = 200, /* one manager each */
    N_SUBS = 1000,
    N_LEAVES = 8775, /* 1 + 4 + 20 + 200 + 1000 + 8775 = 10,000 territories */
    N_OPS = 4,
    N_USERS = 20000,
    N_REPS = N_USERS - 1 - N_AREAS - N_DISTRICTS - N_OPS, /* 19,775 */
    N_MANUAL = 2000,
    BENCH_REP_LEAF = 4242 /* the rep the API benchmark signs in as owns this leaf */
};

static const char *const ACTOR = "bench";
static const char *const MODEL = "bench";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *what, regio_err rc, const regio_error *err)
{
    char buf[2048];
    fprintf(stderr, "bench_access: %s: %s\n", what,
            err && err->msg[0] ? regio_error_format(err, buf, sizeof buf) : regio_strerror(rc));
    exit(1);
}

/* Every library call of the generator: on failure, say what and stop. */
#define CHECK(what, call)                                                                   \
    do {                                                                                    \
        regio_error_clear(&g->err);                                                         \
        regio_err rc_ = (call);                                                             \
        if (rc_)                                                                            \
            die(what, rc_, &g->err);                                                        \
    } while (0)

/* ---- names -------------------------------------------------------------------- */

static void unit_name(long u, char *out, size_t cap) { snprintf(out, cap, "U%05ld", u + 1); }
static void account_name(long i, char *out, size_t cap) { snprintf(out, cap, "ACC-%07ld", i + 1); }
static void rep_login(long r, char *out, size_t cap) { snprintf(out, cap, "rep%05ld", r + 1); }
static void leaf_name(long l, char *out, size_t cap) { snprintf(out, cap, "L%05ld", l + 1); }
static void sub_name(long s, char *out, size_t cap) { snprintf(out, cap, "S%04ld", s + 1); }
static void district_name(long d, char *out, size_t cap) { snprintf(out, cap, "D%03ld", d + 1); }
static void area_name(long a, char *out, size_t cap) { snprintf(out, cap, "A%02ld", a + 1); }

/* The hierarchy: leaf -> sub-district -> district -> area -> region. */
static long leaf_sub(long l) { return l * N_SUBS / N_LEAVES; }
static long sub_district(long s) { return s * N_DISTRICTS / N_SUBS; }
static long district_area(long d) { return d * N_AREAS / N_DISTRICTS; }
static long area_region(long a) { return a * N_REGIONS / N_AREAS; }
static long unit_leaf(long u) { return u * N_LEAVES / N_UNITS; }

/* First leaf of district d and how many it has (leaves are in order). */
static void district_leaves(long d, long *first, long *n)
{
    long lo = 0, hi = N_LEAVES;
    while (lo < hi) { /* first leaf whose district is >= d */
        long mid = (lo + hi) / 2;
        if (sub_district(leaf_sub(mid)) < d)
            lo = mid + 1;
        else
            hi = mid;
    }
    long end = lo;
    while (end < N_LEAVES && sub_district(leaf_sub(end)) == d)
        end++;
    *first = lo;
    *n = end - lo;
}

/* Users, numbered 0..N_USERS-1 in this order: vp, directors, managers, ops,
 * reps. The login of user k. */
static void user_login(long k, char *out, size_t cap)
{
    if (k == 0)
        snprintf(out, cap, "vp");
    else if ((k -= 1) < N_AREAS)
        snprintf(out, cap, "dir%02ld", k + 1);
    else if ((k -= N_AREAS) < N_DISTRICTS)
        snprintf(out, cap, "mgr%03ld", k + 1);
    else if ((k -= N_DISTRICTS) < N_OPS)
        snprintf(out, cap, "ops%ld", k + 1);
    else
        rep_login(k - N_OPS, out, cap);
}

/* Hilbert curve index d -> (x, y) on an n x n grid (n a power of two). */
static void hilbert_xy(long n, long d, long *x, long *y)
{
    long rx, ry, t = d;
    *x = *y = 0;
    for (long s = 1; s < n; s *= 2) {
        rx = 1 & (t / 2);
        ry = 1 & (t ^ rx);
        if (ry == 0) {
            if (rx == 1) {
                *x = s - 1 - *x;
                *y = s - 1 - *y;
            }
            long tmp = *x;
            *x = *y;
            *y = tmp;
        }
        *x += s * rx;
        *y += s * ry;
        t /= 4;
    }
}

/* ---- building ------------------------------------------------------------------ */

typedef struct gen {
    regio_store *s;
    regio_error err;
    regio_rng rng;
    double t0;
    double *unit_lat, *unit_lon;
    long *rep_district; /* each rep's district (its rep role) */
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
    fprintf(stderr, "bench_access: %-48s %9ld rows %7.2f s\n", what, rows, t);
}

static void build_units(gen *g)
{
    step_begin(g);
    long u = 0;
    char id[32], name[48];
    for (long d = 0; d < 256L * 256L && u < N_UNITS; d++) {
        long x, y;
        hilbert_xy(256, d, &x, &y);
        if (x >= GRID || y >= GRID)
            continue;
        regio_unit un;
        regio_unit_init(&un);
        unit_name(u, id, sizeof id);
        snprintf(name, sizeof name, "Unit %ld", u + 1);
        un.id = id;
        un.name = name;
        un.lat = g->unit_lat[u] = 25.0 + (y + 0.5) * (49.0 - 25.0) / GRID;
        un.lon = g->unit_lon[u] = -124.0 + (x + 0.5) * (124.0 - 67.0) / GRID;
        CHECK("unit", regio_store_unit_upsert(g->s, &un, NULL, &g->err));
        u++;
    }
    step_end(g, "geography units (points)", u);
}

static void build_accounts(gen *g)
{
    step_begin(g);
    static const char *const segments[] = {"A", "B", "C"};
    static const char *const industries[] = {"Healthcare", "Manufacturing", "Retail",
                                             "Technology", "Logistics", "Education"};
    char id[32], name[48], unit[32], owner[32], seg[4], ind[32], country[4] = "US";
    for (long i = 0; i < N_ACCOUNTS; i++) {
        long u = (long)regio_rng_below(&g->rng, N_UNITS);
        regio_account a;
        regio_account_init(&a);
        account_name(i, id, sizeof id);
        snprintf(name, sizeof name, "Company %ld", i + 1);
        unit_name(u, unit, sizeof unit);
        a.id = id;
        a.name = name;
        a.unit_id = unit;
        a.country = country;
        a.lat = g->unit_lat[u] + (regio_rng_double(&g->rng) - 0.5) * 0.1;
        a.lon = g->unit_lon[u] + (regio_rng_double(&g->rng) - 0.5) * 0.1;
        a.geo_source = REGIO_GEO_INPUT;
        snprintf(seg, sizeof seg, "%s", segments[regio_rng_below(&g->rng, 3)]);
        snprintf(ind, sizeof ind, "%s", industries[regio_rng_below(&g->rng, 6)]);
        a.segment = seg;
        a.industry = ind;
        a.annual_revenue = 50000.0 + regio_rng_double(&g->rng) * 5e7;
        if (regio_rng_below(&g->rng, 10) < 3) {
            long rep = regio_rng_below(&g->rng, 5) < 4 ? unit_leaf(u)
                                                       : (long)regio_rng_below(&g->rng, N_REPS);
            rep_login(rep, owner, sizeof owner);
            a.owner = owner;
        }
        CHECK("account", regio_store_account_upsert(g->s, &a, NULL, &g->err));
    }
    step_end(g, "accounts (30% with an owner)", N_ACCOUNTS);
}

static void build_roles(gen *g)
{
    step_begin(g);
    char name[48], parent[48];
    CHECK("role", regio_store_role_upsert(g->s, "VP Sales", NULL, ACTOR, &g->err));
    long n = 1;
    for (long a = 0; a < N_AREAS; a++, n++) {
        snprintf(name, sizeof name, "Director %02ld", a + 1);
        CHECK("role", regio_store_role_upsert(g->s, name, "VP Sales", ACTOR, &g->err));
    }
    for (long d = 0; d < N_DISTRICTS; d++, n += 2) {
        snprintf(name, sizeof name, "Manager %03ld", d + 1);
        snprintf(parent, sizeof parent, "Director %02ld", district_area(d) + 1);
        CHECK("role", regio_store_role_upsert(g->s, name, parent, ACTOR, &g->err));
        snprintf(parent, sizeof parent, "%s", name);
        snprintf(name, sizeof name, "Rep %03ld", d + 1);
        CHECK("role", regio_store_role_upsert(g->s, name, parent, ACTOR, &g->err));
    }
    step_end(g, "roles (VP > directors > managers > reps)", n);
}

static void build_users(gen *g)
{
    step_begin(g);
    char login[32], name[48], email[64], role[48];
    static const unsigned ops_perms[N_OPS] = {
        REGIO_PERM_MANAGE_TERRITORIES, REGIO_PERM_VIEW_ALL,
        REGIO_PERM_VIEW_ALL | REGIO_PERM_MANAGE_TERRITORIES, REGIO_PERM_MODIFY_ALL};
    /* Owner reps first (rep l owns leaf l), then the others, each in a
     * district drawn at random. */
    for (long r = 0; r < N_REPS; r++)
        g->rep_district[r] = r < N_LEAVES ? sub_district(leaf_sub(r))
                                          : (long)regio_rng_below(&g->rng, N_DISTRICTS);
    for (long k = 0; k < N_USERS; k++) {
        user_login(k, login, sizeof login);
        regio_user_info u = {.login = login, .name = name, .email = email, .active = 1};
        snprintf(name, sizeof name, "User %s", login);
        snprintf(email, sizeof email, "%s@example.com", login);
        long i = k;
        if (i == 0) {
            snprintf(role, sizeof role, "VP Sales");
        } else if ((i -= 1) < N_AREAS) {
            snprintf(role, sizeof role, "Director %02ld", i + 1);
        } else if ((i -= N_AREAS) < N_DISTRICTS) {
            snprintf(role, sizeof role, "Manager %03ld", i + 1);
        } else if ((i -= N_DISTRICTS) < N_OPS) {
            u.perms = ops_perms[i];
        } else {
            i -= N_OPS;
            snprintf(role, sizeof role, "Rep %03ld", g->rep_district[i] + 1);
            u.active = i == BENCH_REP_LEAF || regio_rng_below(&g->rng, 100) != 0;
        }
        u.role = k < 1 + N_AREAS + N_DISTRICTS || k >= 1 + N_AREAS + N_DISTRICTS + N_OPS
                     ? role
                     : NULL;
        CHECK("user", regio_store_user_upsert(g->s, &u, ACTOR, NULL, &g->err));
    }
    step_end(g, "users (1% of reps disabled)", N_USERS);
}

static void build_territories(gen *g)
{
    step_begin(g);
    CHECK("model", regio_store_model_create(g->s, MODEL, REGIO_MODEL_PLANNING, NULL, NULL,
                                            "access benchmark", NULL, &g->err));
    char id[32], parent[32];
    long n = 0;
    CHECK("territory", regio_store_territory_upsert(g->s, MODEL, "NA", "North America", NULL,
                                                    &g->err));
    n++;
    for (long r = 0; r < N_REGIONS; r++, n++) {
        snprintf(id, sizeof id, "R%ld", r + 1);
        CHECK("territory", regio_store_territory_upsert(g->s, MODEL, id, id, "NA", &g->err));
    }
    for (long a = 0; a < N_AREAS; a++, n++) {
        area_name(a, id, sizeof id);
        snprintf(parent, sizeof parent, "R%ld", area_region(a) + 1);
        CHECK("territory", regio_store_territory_upsert(g->s, MODEL, id, id, parent, &g->err));
    }
    for (long d = 0; d < N_DISTRICTS; d++, n++) {
        district_name(d, id, sizeof id);
        area_name(district_area(d), parent, sizeof parent);
        CHECK("territory", regio_store_territory_upsert(g->s, MODEL, id, id, parent, &g->err));
    }
    for (long s = 0; s < N_SUBS; s++, n++) {
        sub_name(s, id, sizeof id);
        district_name(sub_district(s), parent, sizeof parent);
        CHECK("territory", regio_store_territory_upsert(g->s, MODEL, id, id, parent, &g->err));
    }
    for (long l = 0; l < N_LEAVES; l++, n++) {
        leaf_name(l, id, sizeof id);
        sub_name(leaf_sub(l), parent, sizeof parent);
        CHECK("territory", regio_store_territory_upsert(g->s, MODEL, id, id, parent, &g->err));
    }
    step_end(g, "territories (depth 6)", n);

    step_begin(g);
    for (long l = 0; l < N_LEAVES; l++) {
        leaf_name(l, id, sizeof id);
        CHECK("access level", regio_store_territory_set_access(
                                  g->s, MODEL, id, l % 20 == 7 ? "owner" : "edit", ACTOR, &g->err));
    }
    step_end(g, "territory access levels (leaves)", N_LEAVES);

    step_begin(g);
    char unit[32];
    for (long u = 0; u < N_UNITS; u++) {
        unit_name(u, unit, sizeof unit);
        leaf_name(unit_leaf(u), id, sizeof id);
        CHECK("alignment", regio_store_alignment_set(g->s, MODEL, unit, id, &g->err));
    }
    step_end(g, "alignment (every unit to a leaf)", N_UNITS);

    step_begin(g);
    CHECK("promote", regio_store_model_promote(g->s, MODEL, "2020-01-01", ACTOR, &g->err));
    step_end(g, "promote the model from 2020-01-01", 1);
}

static void member(gen *g, const char *user, const char *terr, const char *role, int active,
                   const char *start, const char *end)
{
    regio_membership_info m = {user, terr, role, active, start, end, NULL};
    CHECK("membership", regio_store_membership_upsert(g->s, MODEL, &m, ACTOR, &g->err));
}

static void build_memberships(gen *g, long *counts)
{
    step_begin(g);
    char login[32], terr[32];
    long n = 0;
    for (long l = 0; l < N_LEAVES; l++, n++) {
        rep_login(l, login, sizeof login);
        leaf_name(l, terr, sizeof terr);
        member(g, login, terr, "owner", 1, NULL, NULL);
    }
    for (long d = 0; d < N_DISTRICTS; d++, n++) {
        user_login(1 + N_AREAS + d, login, sizeof login);
        district_name(d, terr, sizeof terr);
        member(g, login, terr, "manager", 1, NULL, NULL);
    }
    for (long a = 0; a < N_AREAS; a++, n++) {
        user_login(1 + a, login, sizeof login);
        area_name(a, terr, sizeof terr);
        member(g, login, terr, "manager", 1, NULL, NULL);
    }
    for (long r = N_LEAVES; r < N_REPS; r++, n++) {
        long first, nl;
        district_leaves(g->rep_district[r], &first, &nl);
        rep_login(r, login, sizeof login);
        leaf_name(first + (long)regio_rng_below(&g->rng, (uint64_t)nl), terr, sizeof terr);
        long kind = (long)regio_rng_below(&g->rng, 100);
        if (kind < 10) {
            member(g, login, terr, "rep", 0, NULL, NULL);
            counts[0]++;
        } else if (kind < 20) {
            member(g, login, terr, "rep", 1, "2020-01-01", "2021-01-01");
            counts[1]++;
        } else if (kind < 25) {
            member(g, login, terr, "rep", 1, "2099-01-01", NULL);
            counts[2]++;
        } else if (kind < 35) {
            member(g, login, terr, "rep", 1, "2020-01-01", "2099-01-01");
            counts[3]++;
        } else {
            member(g, login, terr, "rep", 1, NULL, NULL);
        }
        if (regio_rng_below(&g->rng, 5) == 0) {
            sub_name((long)regio_rng_below(&g->rng, N_SUBS), terr, sizeof terr);
            member(g, login, terr, "overlay", 1, NULL, NULL);
            counts[4]++;
            n++;
        }
    }
    step_end(g, "memberships", n);
}

static void build_associations(gen *g)
{
    step_begin(g);
    char acc[32], terr[32];
    for (long k = 0; k < N_MANUAL; k++) {
        account_name((long)regio_rng_below(&g->rng, N_ACCOUNTS), acc, sizeof acc);
        leaf_name((long)regio_rng_below(&g->rng, N_LEAVES), terr, sizeof terr);
        CHECK("association", regio_store_association_set(g->s, MODEL, acc, terr, 1, ACTOR, &g->err));
    }
    step_end(g, "manual associations", N_MANUAL);
}

static int build(const char *db, uint64_t seed)
{
    char side[4200];
    remove(db);
    snprintf(side, sizeof side, "%s-wal", db);
    remove(side);
    snprintf(side, sizeof side, "%s-shm", db);
    remove(side);
    gen gs = {0}, *g = &gs;
    regio_rng_seed(&g->rng, seed);
    g->unit_lat = calloc(N_UNITS, sizeof(double));
    g->unit_lon = calloc(N_UNITS, sizeof(double));
    g->rep_district = calloc(N_REPS, sizeof(long));
    if (!g->unit_lat || !g->unit_lon || !g->rep_district) {
        fprintf(stderr, "bench_access: out of memory\n");
        return 1;
    }
    double t0 = now_s();
    CHECK("open", regio_store_open(db, &g->s, &g->err));
    long counts[5] = {0};
    build_units(g);
    build_accounts(g);
    build_roles(g);
    build_users(g);
    build_territories(g);
    build_memberships(g, counts);
    build_associations(g);
    printf("step\ttotal\t0\t%.2f\n", now_s() - t0);

    /* Facts for the report, read back through the library. */
    regio_access *a = NULL;
    CHECK("access snapshot", regio_access_load(g->s, "2026-01-01", &a, &g->err));
    char login[32];
    rep_login(BENCH_REP_LEAF, login, sizeof login);
    printf("info\tseed\t%llu\n", (unsigned long long)seed);
    printf("info\tversion\t%s\n", GEN_VERSION);
    printf("info\tmodel\t%s\n", regio_access_model(a) ? regio_access_model(a) : "none");
    printf("info\taccounts\t%ld\n", regio_access_n_accounts(a));
    printf("info\tusers\t%d\n", N_USERS);
    printf("info\tterritories\t%d\n", 1 + N_REGIONS + N_AREAS + N_DISTRICTS + N_SUBS + N_LEAVES);
    printf("info\tunits\t%d\n", N_UNITS);
    printf("info\tvp\tvp\n");
    printf("info\trep\t%s\n", login);
    printf("info\tmembers_inactive\t%ld\n", counts[0]);
    printf("info\tmembers_ended\t%ld\n", counts[1]);
    printf("info\tmembers_future\t%ld\n", counts[2]);
    printf("info\tmembers_dated\t%ld\n", counts[3]);
    printf("info\tmembers_overlay\t%ld\n", counts[4]);
    /* How many accounts the two benchmark users read (their list totals). */
    const char *who[2] = {"vp", login};
    const char *key[2] = {"vp_readable", "rep_readable"};
    for (int i = 0; i < 2; i++) {
        regio_access_scope *sc = NULL;
        long total = 0;
        CHECK("scope", regio_access_scope_new(a, regio_access_user(a, who[i]), &sc, &g->err));
        regio_access_scope_page(sc, 0, 0, NULL, &total);
        printf("info\t%s\t%ld\n", key[i], total);
        regio_access_scope_free(sc);
    }
    regio_access_free(a);
    regio_store_close(g->s);
    free(g->unit_lat);
    free(g->unit_lon);
    free(g->rep_district);
    return 0;
}

static int pairs(long n, const char *out, uint64_t seed)
{
    FILE *f = fopen(out, "w");
    if (!f) {
        perror(out);
        return 1;
    }
    regio_rng r;
    regio_rng_seed(&r, seed ^ 0x9e3779b97f4a7c15ull);
    char login[32], acc[32];
    fputs("user,account\n", f);
    for (long i = 0; i < n; i++) {
        user_login((long)regio_rng_below(&r, N_USERS), login, sizeof login);
        account_name((long)regio_rng_below(&r, N_ACCOUNTS), acc, sizeof acc);
        fprintf(f, "%s,%s\n", login, acc);
    }
    return fclose(f) ? 1 : 0;
}

static int usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s build DB [--seed N]\n"
            "       %s pairs N OUT [--seed N]\n"
            "       %s version\n",
            argv0, argv0, argv0);
    return 2;
}

int main(int argc, char **argv)
{
    uint64_t seed = 2026;
    if (argc >= 3 && !strcmp(argv[argc - 2], "--seed")) {
        seed = strtoull(argv[argc - 1], NULL, 10);
        argc -= 2;
    }
    if (argc == 2 && !strcmp(argv[1], "version")) {
        printf("%s\n", GEN_VERSION);
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "build"))
        return build(argv[2], seed);
    if (argc == 4 && !strcmp(argv[1], "pairs"))
        return pairs(strtol(argv[2], NULL, 10), argv[3], seed);
    return usage(argv[0]);
}
