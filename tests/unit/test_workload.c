/*
 * Tests for the workload on the store: regio_plan_all plans every
 * territory of a model and stores each unit's workload, which an oracle
 * here recomputes from the saved plans alone (their visits and legs, the
 * leg home from the coordinates, the visits left out priced by the stated
 * rule); the totals add up; and the workload loop (regio_workload_loop_run)
 * improves the balance in every round it keeps, stops when it no longer
 * does, and leaves the target model and the stored measure as its best
 * round.
 */
#include "regio/design_io.h"
#include "regio/fields.h"
#include "regio/geo.h"
#include "regio/model_view.h"
#include "regio/store.h"
#include "regio/workload.h"
#include "regio_test.h"
#include "regio_test_db.h"
#include "store/schema_sqlite.h"

#include <math.h>
#include <stdlib.h>

static char path[64];

#define NU 16 /* a 4 x 4 grid of units near Denver */
#define PER_UNIT 3
#define ROAD 1.3
#define SPEED 50.0
#define CALL_DEFAULT_MIN 20.0

/* The fixture's accounts, as the oracle knows them. */
typedef struct acc {
    char id[16];
    int unit;                    /* -1: no unit */
    double lat, lon;
    int frequency;
    double call_min;
} acc;

static acc A[NU * PER_UNIT + 1];
static int n_acc;

static void put_unit(regio_store *s, int i)
{
    regio_unit u;
    regio_unit_init(&u);
    char id[16];
    snprintf(id, sizeof id, "U%02d", i);
    u.id = id;
    u.lat = 39.6 + 0.1 * (i / 4);
    u.lon = -105.1 + 0.1 * (i % 4);
    ASSERT_OK(regio_store_unit_upsert(s, &u, NULL, NULL));
}

static void put_account(regio_store *s, const acc *x, const char *tw_start, const char *tw_end)
{
    regio_account a;
    regio_account_init(&a);
    a.id = (char *)x->id;
    char unit[8];
    snprintf(unit, sizeof unit, "U%02d", x->unit);
    a.unit_id = x->unit >= 0 ? unit : NULL;
    a.lat = x->lat;
    a.lon = x->lon;
    regio_attr at[4];
    memset(at, 0, sizeof at);
    char f[16], cm[16];
    snprintf(f, sizeof f, "%d", x->frequency);
    snprintf(cm, sizeof cm, "%g", x->call_min);
    const char *k[4] = {"frequency", "call_minutes", "tw_start", "tw_end"};
    const char *v[4] = {f, cm, tw_start, tw_end};
    for (int i = 0; i < 4 && v[i]; i++) {
        at[i].key = (char *)k[i];
        at[i].text = (char *)v[i];
        at[i].num = NAN;
        at[i].is_num = regio_parse_number(v[i], &at[i].num) == REGIO_OK;
        a.n_attrs = (size_t)i + 1;
    }
    a.attrs = at;
    ASSERT_OK(regio_store_account_upsert(s, &a, NULL, NULL));
}

/*
 * Units U00..U15 (row = i / 4, column = i % 4, 0.1 degrees apart) with
 * grid adjacency; three accounts a unit (frequency 1-3, calls of 20 or 30
 * minutes); reps R1 (west) and R2 (east); model M with T1 = columns 0-2
 * (R1) and T2 = column 3 (R2): T1 holds three times T2's work. One
 * account of U05 is open 03:00-03:30 only (no call fits a working day: its
 * visits are left out and priced); with override, account AX (no unit)
 * is moved by hand into T1 (its work is on no unit).
 */
static regio_store *fixture(int override)
{
    regio_test_db_path(path, sizeof path, "workload");
    regio_store *s = NULL;
    regio_error e;
    if (regio_store_open(path, &s, &e) != REGIO_OK) {
        FAIL_AT_("open: %s", e.msg);
        return NULL;
    }
    for (int i = 0; i < NU; i++)
        put_unit(s, i);
    regio_adj_edge edges[2 * NU];
    char names[2 * NU][2][16];
    size_t ne = 0;
    for (int i = 0; i < NU; i++) {
        int nb[2] = {i % 4 < 3 ? i + 1 : -1, i / 4 < 3 ? i + 4 : -1};
        for (int j = 0; j < 2; j++) {
            if (nb[j] < 0)
                continue;
            snprintf(names[ne][0], 16, "U%02d", i);
            snprintf(names[ne][1], 16, "U%02d", nb[j]);
            edges[ne].a = names[ne][0];
            edges[ne].b = names[ne][1];
            edges[ne].kind = REGIO_ADJ_GIVEN;
            edges[ne].shared_km = NAN;
            ne++;
        }
    }
    ASSERT_OK(regio_store_adjacency_replace(s, edges, ne, NULL));
    const double home[2][2] = {{39.75, -105.05}, {39.75, -104.82}};
    for (int r = 0; r < 2; r++) {
        regio_rep rep;
        regio_rep_init(&rep);
        rep.id = r ? "R2" : "R1";
        rep.lat = home[r][0];
        rep.lon = home[r][1];
        ASSERT_OK(regio_store_rep_upsert(s, &rep, NULL, NULL));
    }
    n_acc = 0;
    for (int i = 0; i < NU; i++)
        for (int j = 0; j < PER_UNIT; j++) {
            acc *x = &A[n_acc++];
            snprintf(x->id, sizeof x->id, "A%02d%d", i, j);
            x->unit = i;
            x->lat = 39.6 + 0.1 * (i / 4) + 0.013 * (j - 1);
            x->lon = -105.1 + 0.1 * (i % 4) + 0.017 * ((j * 7 + i) % 3 - 1);
            x->frequency = 1 + (i + j) % 3;
            x->call_min = (i + j) % 2 ? 30 : CALL_DEFAULT_MIN;
            put_account(s, x, i == 5 && j == 0 ? "03:00" : NULL, i == 5 && j == 0 ? "03:30" : NULL);
        }
    if (override) {
        acc *x = &A[n_acc++];
        snprintf(x->id, sizeof x->id, "AX");
        x->unit = -1;
        x->lat = 39.78;
        x->lon = -105.02;
        x->frequency = 2;
        x->call_min = 30;
        put_account(s, x, NULL, NULL);
    }
    ASSERT_OK(regio_store_unit_measures_from_accounts(s, NULL));
    ASSERT_OK(regio_store_model_create(s, "M", REGIO_MODEL_PLANNING, NULL, NULL, NULL, NULL, NULL));
    ASSERT_OK(regio_store_territory_upsert(s, "M", "T1", NULL, NULL, NULL));
    ASSERT_OK(regio_store_territory_upsert(s, "M", "T2", NULL, NULL, NULL));
    for (int i = 0; i < NU; i++) {
        char id[16];
        snprintf(id, sizeof id, "U%02d", i);
        ASSERT_OK(regio_store_alignment_set(s, "M", id, i % 4 < 3 ? "T1" : "T2", NULL));
    }
    ASSERT_OK(regio_store_territory_set_rep(s, "M", "T1", "R1", NULL));
    ASSERT_OK(regio_store_territory_set_rep(s, "M", "T2", "R2", NULL));
    if (override) {
        regio_alignment_row mv = {NULL, "AX", "T1", NULL, 0};
        long rev = 0;
        ASSERT_OK(regio_store_alignment_revision(s, "M", &rev, NULL));
        ASSERT_OK(regio_store_alignment_apply(s, "M", rev, &mv, 1, "ana", NULL, NULL, NULL));
    }
    return s;
}

static void done_with(regio_store *s)
{
    regio_store_close(s);
    regio_test_db_remove(path);
}

static int acc_index(const char *id)
{
    for (int i = 0; i < n_acc; i++)
        if (!strcmp(A[i].id, id))
            return i;
    return -1;
}

/* ---- the oracle: the workload from the saved plans alone ------------------------ */

typedef struct vis {
    char rep[8];
    int day, seq, account;
    long travel_s;
} vis;

typedef struct oracle {
    const char *prefix;          /* only plans named so */
    long plan_ids[8];
    int n_plans;
    vis v[1024];
    int n;
} oracle;

static int plan_cb(void *ud, const regio_plan_info *p)
{
    oracle *o = ud;
    if (!strncmp(p->name, o->prefix, strlen(o->prefix)) && o->n_plans < 8)
        o->plan_ids[o->n_plans++] = p->id;
    return 0;
}

static int visit_cb(void *ud, const regio_plan_visit_row *r)
{
    oracle *o = ud;
    if (o->n >= 1024)
        return 1;
    vis *x = &o->v[o->n++];
    snprintf(x->rep, sizeof x->rep, "%s", r->rep);
    x->day = r->day;
    x->seq = r->seq;
    x->account = acc_index(r->account);
    x->travel_s = r->travel_s;
    return 0;
}

/* Which territory (0 = T1, 1 = T2) an account is in under M. */
static int terr_of(const acc *x)
{
    return x->unit < 0 ? 0 : x->unit % 4 < 3 ? 0 : 1;
}

/*
 * Unit workloads (hours) from the plans saved under prefix: each visit's
 * call, half of the legs into and out of it, the legs from and to home
 * wholly to the first and last stop; the visits left out at their call
 * plus the territory's mean travel per visit (at least half placed) or
 * the model's. *unattributed: the work of accounts without a unit.
 */
static void oracle_units(regio_store *s, const char *prefix, double *unit_h,
                         double *unattributed, double *total)
{
    static oracle o;
    memset(&o, 0, sizeof o);
    o.prefix = prefix;
    ASSERT_OK(regio_store_plans_foreach(s, "M", plan_cb, &o, NULL));
    for (int p = 0; p < o.n_plans; p++)
        ASSERT_OK(regio_store_plan_visits_foreach(s, o.plan_ids[p], visit_cb, &o, NULL));
    const double home[2][2] = {{39.75, -105.05}, {39.75, -104.82}};
    double acc_h[NU * PER_UNIT + 1] = {0};
    int scheduled[NU * PER_UNIT + 1] = {0};
    double terr_travel[2] = {0}, terr_sched[2] = {0}, terr_req[2] = {0};
    for (int i = 0; i < o.n; i++) {
        const vis *x = &o.v[i];
        int r = x->rep[1] == '2';
        int first = i == 0 || o.v[i - 1].day != x->day || strcmp(o.v[i - 1].rep, x->rep);
        int last = i + 1 == o.n || o.v[i + 1].day != x->day || strcmp(o.v[i + 1].rep, x->rep);
        const acc *a = &A[x->account];
        double out_s = last ? regio_haversine_km(a->lat, a->lon, home[r][0], home[r][1]) * ROAD /
                                  SPEED * 3600.0
                            : (double)o.v[i + 1].travel_s;
        double share = (x->travel_s + out_s) / 2 + (first ? x->travel_s / 2.0 : 0) +
                       (last ? out_s / 2 : 0);
        acc_h[x->account] += (share + a->call_min * 60) / 3600.0;
        scheduled[x->account]++;
        terr_travel[terr_of(a)] += (x->travel_s + (last ? out_s : 0)) / 3600.0;
        terr_sched[terr_of(a)]++;
    }
    for (int i = 0; i < n_acc; i++)
        terr_req[terr_of(&A[i])] += A[i].frequency;
    double model_mean = (terr_travel[0] + terr_travel[1]) / (terr_sched[0] + terr_sched[1]);
    *unattributed = *total = 0;
    for (int u = 0; u < NU; u++)
        unit_h[u] = 0;
    for (int i = 0; i < n_acc; i++) {
        int t = terr_of(&A[i]);
        double mean = 2 * terr_sched[t] >= terr_req[t] ? terr_travel[t] / terr_sched[t] : model_mean;
        int left = A[i].frequency - scheduled[i];
        double h = acc_h[i] + left * (A[i].call_min / 60.0 + mean);
        *total += h;
        if (A[i].unit >= 0)
            unit_h[A[i].unit] += h;
        else
            *unattributed += h;
    }
}

/* The stored measure name of every unit, by unit index. */
typedef struct stored {
    double h[NU];
    int seen;
} stored;

static int unit_cb(void *ud, const regio_unit *u)
{
    stored *st = ud;
    int i = atoi(u->id + 1);
    double v = regio_attrs_num(u->attrs, u->n_attrs, REGIO_WORKLOAD_MEASURE);
    if (i >= 0 && i < NU && !isnan(v)) {
        st->h[i] = v;
        st->seen++;
    }
    return 0;
}

static void read_stored(regio_store *s, stored *st)
{
    memset(st, 0, sizeof *st);
    ASSERT_OK(regio_store_units_foreach(s, 0, unit_cb, st, NULL));
}

/* ---- plan all ----------------------------------------------------------------------- */

static void test_plan_all(void)
{
    regio_store *s = fixture(1);
    if (!s)
        return;
    regio_design_problem *units = NULL;
    regio_model_view *v = NULL;
    regio_plan_all_result *r = NULL;
    regio_error e;
    ASSERT_OK(regio_design_problem_load_units(s, 0, &units, &e));
    ASSERT_OK(regio_model_view_load(s, units, "M", -1, &v, &e));
    regio_plan_all_opts o;
    memset(&o, 0, sizeof o);
    o.seed = 3;
    o.start = "2027-01-04";
    o.time_limit_s = -1;
    o.name_prefix = "wl";
    regio_err rc = regio_plan_all(s, v, &o, &r, &e);
    ASSERT_OK(rc);
    if (rc)
        goto out;
    ASSERT_OK(regio_plan_all_store_workload(s, r, NULL, &e));
    ASSERT_EQ_INT((int)r->n_territories, 2);
    ASSERT_EQ_INT((int)r->n_planned, 2);
    ASSERT_EQ_STR(r->territories[0].plan_name, "wl/T1");
    ASSERT_EQ_STR(r->territories[1].rep, "R2");
    /* The 03:00 account's two visits are left out, and priced. */
    ASSERT_TRUE(r->visits_scheduled < r->visits_required);
    ASSERT_TRUE(r->territories[0].estimated_h > 0);
    /* The oracle, from the saved visits alone. */
    double unit_h[NU], unattributed, total;
    oracle_units(s, "wl/", unit_h, &unattributed, &total);
    stored st;
    read_stored(s, &st);
    ASSERT_EQ_INT(st.seen, NU);
    double sum = 0;
    for (int u = 0; u < NU; u++) {
        if (fabs(st.h[u] - unit_h[u]) > 2e-3)
            FAIL_AT_("unit U%02d: stored %.5f h, oracle %.5f h", u, st.h[u], unit_h[u]);
        sum += st.h[u];
    }
    ASSERT_NEAR(r->unattributed_h, unattributed, 2e-3);
    ASSERT_TRUE(r->unattributed_h > 0.5); /* AX: 2 visits of 30 minutes and travel */
    /* Everything adds up: units + unattributed = calls + travel + estimate. */
    ASSERT_NEAR(sum + r->unattributed_h, r->workload_h, 1e-6);
    ASSERT_NEAR(r->workload_h, r->call_h + r->travel_h + r->estimated_h, 1e-9);
    ASSERT_NEAR(r->workload_h, total, 5e-3);
    ASSERT_NEAR(r->territories[0].workload_h + r->territories[1].workload_h, r->workload_h, 1e-6);
    /* The unit CSV says the same. */
    char csv[80];
    snprintf(csv, sizeof csv, "%s.csv", path);
    ASSERT_OK(regio_plan_all_write_units(r, csv, &e));
    FILE *f = fopen(csv, "r");
    char line[128];
    ASSERT_TRUE(f && fgets(line, sizeof line, f) && !strcmp(line, "unit_id,workload\n"));
    int rows = 0;
    while (f && fgets(line, sizeof line, f)) {
        int u = atoi(line + 1);
        ASSERT_NEAR(strtod(strchr(line, ',') + 1, NULL), st.h[u], 1e-4);
        rows++;
    }
    ASSERT_EQ_INT(rows, NU);
    if (f)
        fclose(f);
    remove(csv);
    /* design --balance workload finds the measure. */
    regio_design_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.store = s;
    spec.balance = "workload";
    spec.k = 2;
    regio_design_problem *p = NULL;
    ASSERT_OK(regio_design_problem_load(&spec, &p, &e));
    regio_design_problem_destroy(p);
out:
    regio_plan_all_destroy(r);
    regio_model_view_destroy(v);
    regio_design_problem_destroy(units);
    done_with(s);
}

/* A territory without a rep is reported as failed, not an error; an empty
 * one has workload 0. */
static void test_plan_all_failed_and_empty(void)
{
    regio_store *s = fixture(0);
    if (!s)
        return;
    ASSERT_OK(regio_store_territory_upsert(s, "M", "T3", NULL, NULL, NULL));
    ASSERT_OK(regio_store_territory_set_rep(s, "M", "T2", NULL, NULL));
    regio_design_problem *units = NULL;
    regio_model_view *v = NULL;
    regio_plan_all_result *r = NULL;
    regio_error e;
    ASSERT_OK(regio_design_problem_load_units(s, 0, &units, &e));
    ASSERT_OK(regio_model_view_load(s, units, "M", -1, &v, &e));
    regio_plan_all_opts o;
    memset(&o, 0, sizeof o);
    o.start = "2027-01-04";
    ASSERT_OK(regio_plan_all(s, v, &o, &r, &e));
    if (r) {
        ASSERT_EQ_INT((int)r->n_territories, 3);
        ASSERT_EQ_STR(regio_plan_all_status_name(r->territories[1].status), "failed");
        ASSERT_TRUE(strstr(r->territories[1].message, "no rep of its own") != NULL);
        ASSERT_EQ_STR(regio_plan_all_status_name(r->territories[2].status), "empty");
        ASSERT_NEAR(r->territories[2].workload_h, 0, 0);
        ASSERT_EQ_INT((int)r->n_failed, 1);
        ASSERT_EQ_INT((int)r->n_empty, 1);
    }
    regio_plan_all_destroy(r);
    /* The loop refuses to balance a workload it cannot know. */
    regio_workload_loop_opts lo;
    memset(&lo, 0, sizeof lo);
    lo.model = "M";
    lo.target = "L";
    lo.plan.start = "2027-01-04";
    regio_workload_loop_result *lr = NULL;
    ASSERT_EQ_INT(regio_workload_loop_run(s, &lo, &lr, &e), REGIO_EDATA);
    ASSERT_TRUE(strstr(e.msg, "territory 'T2'") && strstr(e.msg, "cannot be balanced"));
    ASSERT_TRUE(lr == NULL);
    regio_model_view_destroy(v);
    regio_design_problem_destroy(units);
    done_with(s);
}

/* Allocation failures anywhere in a plan-all (sampled over its whole run:
 * every allocation of a solve would take too long) give REGIO_ENOMEM or a
 * plan-all that still holds, never a crash or a partial write: the plans
 * are saved all at once or not at all. */
static long long count_plans(regio_store *s)
{
    return regio_test_sql_int(regio__sqlite_handle(s), "SELECT COUNT(*) FROM visit_plans");
}

static void test_plan_all_alloc_failures(void)
{
    regio_store *s = fixture(0);
    if (!s)
        return;
    regio_design_problem *units = NULL;
    regio_model_view *v = NULL;
    regio_error e;
    ASSERT_OK(regio_design_problem_load_units(s, 0, &units, &e));
    ASSERT_OK(regio_model_view_load(s, units, "M", -1, &v, &e));
    regio_plan_all_opts o;
    memset(&o, 0, sizeof o);
    o.start = "2027-01-04";
    o.time_limit_s = -1;
    /* How many allocations a whole run makes. */
    regio_plan_all_result *r = NULL;
    alloc_calls = 0;
    alloc_fail_at = -1;
    regio_set_allocator(&regio_test_failing);
    regio_err rc = regio_plan_all(s, v, &o, &r, &e);
    regio_set_allocator(NULL);
    ASSERT_OK(rc);
    regio_plan_all_destroy(r);
    int total = alloc_calls, tried = 0, failed = 0;
    long long before = count_plans(s);
    ASSERT_EQ_INT((int)before, 2);
    for (int k = 1; k <= total; k += k < 64 ? 1 : total / 60 + 1) {
        alloc_calls = 0;
        alloc_fail_at = k;
        r = NULL;
        regio_set_allocator(&regio_test_failing);
        rc = regio_plan_all(s, v, &o, &r, &e);
        regio_set_allocator(NULL);
        tried++;
        long long now = count_plans(s);
        if (rc == REGIO_ENOMEM) {
            failed++;
            ASSERT_TRUE(r == NULL);
            if (now != before)
                FAIL_AT_("allocation %d failed, yet %lld plans were saved", k, now - before);
        } else if (rc) {
            FAIL_AT_("allocation %d: unexpected %s: %s", k, regio_err_name(rc), e.msg);
        } else {
            ASSERT_EQ_INT((int)(now - before), 2);
            before = now;
        }
        regio_plan_all_destroy(r);
    }
    alloc_fail_at = 0;
    ASSERT_TRUE(tried > 60);
    ASSERT_TRUE(failed > 10);
    regio_model_view_destroy(v);
    regio_design_problem_destroy(units);
    done_with(s);
}

/* ---- the loop ---------------------------------------------------------------------- */

typedef struct rounds_seen {
    int n;
    double balance[16];
} rounds_seen;

static void on_round(void *ud, const regio_workload_round *r)
{
    rounds_seen *rs = ud;
    if (rs->n < 16 && r->round == rs->n)
        rs->balance[rs->n++] = r->balance;
}

typedef struct align_sum {
    stored *st;
    double t[2];
    int rows;
} align_sum;

static int sum_cb(void *ud, const regio_alignment_row *row)
{
    align_sum *as = ud;
    if (row->unit_id) {
        as->t[strcmp(row->territory, "T1") != 0] += as->st->h[atoi(row->unit_id + 1)];
        as->rows++;
    }
    return 0;
}

static void test_loop(void)
{
    regio_store *s = fixture(0);
    if (!s)
        return;
    regio_workload_loop_opts o;
    memset(&o, 0, sizeof o);
    o.model = "M";
    o.target = "M-loop";
    o.rounds = 6;
    o.tolerance = 0.02;
    o.max_moved = 0.25;
    o.seed = 1;
    o.plan.seed = 1;
    o.plan.start = "2027-01-04";
    o.plan.time_limit_s = -1;
    rounds_seen rs;
    memset(&rs, 0, sizeof rs);
    o.on_round = on_round;
    o.on_round_ud = &rs;
    regio_workload_loop_result *r = NULL;
    regio_error e;
    regio_err rc = regio_workload_loop_run(s, &o, &r, &e);
    if (rc)
        FAIL_AT_("loop: %s", e.msg);
    if (!r) {
        done_with(s);
        return;
    }
    ASSERT_EQ_INT((int)r->n_rounds, rs.n);
    ASSERT_EQ_INT(r->k, 2);
    ASSERT_TRUE(r->n_rounds >= 2);
    /* T1 holds three times T2's work: round 0 is far off, the loop improves. */
    ASSERT_TRUE(r->rounds[0].balance > 0.3);
    ASSERT_TRUE(r->rounds[r->best].balance < r->rounds[0].balance / 2);
    ASSERT_TRUE(r->rounds[1].moved_units > 0);
    /* Every round up to the best improved on the one before; only the last
     * may not, and then the loop says so. */
    for (size_t i = 1; i < r->n_rounds; i++) {
        const regio_workload_round *w = &r->rounds[i];
        if ((int)i <= r->best) {
            ASSERT_TRUE(w->improved);
            ASSERT_TRUE(w->balance < r->rounds[i - 1].balance);
        } else {
            ASSERT_EQ_INT((int)i, (int)r->n_rounds - 1);
            ASSERT_TRUE(!w->improved);
            ASSERT_EQ_STR(r->stop, "no improvement");
        }
    }
    /* The target and the stored measure are the best round's: the measure
     * summed over the target's alignment gives the best balance. */
    stored st;
    read_stored(s, &st);
    align_sum as = {&st, {0, 0}, 0};
    ASSERT_OK(regio_store_alignment_foreach(s, "M-loop", sum_cb, &as, NULL));
    ASSERT_EQ_INT(as.rows, NU);
    double mean = (as.t[0] + as.t[1]) / 2;
    ASSERT_NEAR(fabs(as.t[0] - mean) / mean, r->rounds[r->best].balance, 1e-9);
    /* The best round's plans are there, and the oracle agrees with the
     * measure (the target's alignment decides the territories now, so only
     * the unit sum is checked). */
    char prefix[32];
    snprintf(prefix, sizeof prefix, "M-loop/r%d/", r->best);
    static oracle o2;
    memset(&o2, 0, sizeof o2);
    o2.prefix = prefix;
    ASSERT_OK(regio_store_plans_foreach(s, "M-loop", plan_cb, &o2, NULL));
    ASSERT_EQ_INT(o2.n_plans, 2);
    double sum = 0;
    for (int u = 0; u < NU; u++)
        sum += st.h[u];
    ASSERT_NEAR(sum, r->rounds[r->best].workload_h, 1e-6);
    /* The target exists now: a second run without replace is refused. */
    regio_workload_loop_result *r2 = NULL;
    ASSERT_EQ_INT(regio_workload_loop_run(s, &o, &r2, &e), REGIO_ECONFLICT);
    ASSERT_TRUE(r2 == NULL);
    regio_workload_loop_destroy(r);
    done_with(s);
}

/* A loop that starts from a fresh design: the target holds k territories,
 * each with the rep nearest it (R1 west, R2 east), and the loop runs. */
typedef struct terr_reps {
    int n, with_rep;
} terr_reps;

static int count_terr(void *ud, const regio_territory_info *t)
{
    terr_reps *tr = ud;
    tr->n++;
    tr->with_rep += t->rep != NULL;
    return 0;
}

static void test_loop_from_design(void)
{
    regio_store *s = fixture(0);
    if (!s)
        return;
    regio_workload_loop_opts o;
    memset(&o, 0, sizeof o);
    o.design_k = 2;
    o.target = "fresh";
    o.rounds = 2;
    o.plan.start = "2027-01-04";
    o.plan.time_limit_s = -1;
    regio_workload_loop_result *r = NULL;
    regio_error e;
    regio_err rc = regio_workload_loop_run(s, &o, &r, &e);
    if (rc)
        FAIL_AT_("loop from a design: %s", e.msg);
    if (r) {
        ASSERT_EQ_INT(r->k, 2);
        ASSERT_TRUE(r->n_rounds >= 1);
        terr_reps tr = {0, 0};
        ASSERT_OK(regio_store_territories_foreach(s, "fresh", count_terr, &tr, NULL));
        ASSERT_EQ_INT(tr.n, 2);
        ASSERT_EQ_INT(tr.with_rep, 2);
    }
    regio_workload_loop_destroy(r);
    /* Neither a model nor a design: refused. */
    o.design_k = 0;
    ASSERT_EQ_INT(regio_workload_loop_run(s, &o, &r, &e), REGIO_EINVAL);
    done_with(s);
}

int main(void)
{
    RUN(test_plan_all);
    RUN(test_plan_all_failed_and_empty);
    RUN(test_plan_all_alloc_failures);
    RUN(test_loop);
    RUN(test_loop_from_design);
    TEST_END();
}
