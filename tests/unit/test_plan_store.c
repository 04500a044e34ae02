/*
 * Tests for saved call plans: regio_store_plan_save and the readers
 * (regio_store_plans_foreach, regio_store_plan_visits_foreach) round-trip
 * a plan by external ids in rep/day/seq order, audit the save and refuse
 * bad input without writing anything, also under failing allocations; and
 * the plan of a territory from the store (regio_territory_plan_*): which
 * accounts, which rep, the attributes' rules, the saved plan read back as
 * solved, and the refusals.
 */
#include "regio/design_io.h"
#include "regio/model_view.h"
#include "regio/plan.h"
#include "regio/buf.h"
#include "regio/fields.h"
#include "regio/store.h"
#include "regio_test.h"
#include "regio_test_db.h"
#include "store/schema_sqlite.h"

#include <sqlite3.h>
#include <stdlib.h>

static char path[512];

/* One value of sql on the store (on PostgreSQL through a connection of its
 * own: what the store committed). */
static long long q_int(regio_store *s, const char *sql)
{
    return regio_test_pg() ? regio_test_loc_int(path, sql)
                           : regio_test_sql_int(regio__sqlite_handle(s), sql);
}

/* The SQL of the backend under test: JSON is read by each its own way. */
static const char *dialect(const char *sqlite, const char *postgresql)
{
    return regio_test_pg() ? postgresql : sqlite;
}

/* A store with reps R1, R2, accounts A1..A3 and planning model M. */
static regio_store *fixture(void)
{
    regio_test_store_location(path, sizeof path, "plans");
    regio_store *s = NULL;
    regio_error e;
    if (regio_store_open(path, &s, &e) != REGIO_OK) {
        FAIL_AT_("open: %s", e.msg);
        return NULL;
    }
    const char *reps[] = {"R1", "R2"};
    for (int i = 0; i < 2; i++) {
        regio_rep r;
        regio_rep_init(&r);
        r.id = (char *)reps[i];
        ASSERT_OK(regio_store_rep_upsert(s, &r, NULL, NULL));
    }
    const char *accs[] = {"A1", "A2", "A3"};
    for (int i = 0; i < 3; i++) {
        regio_account a;
        regio_account_init(&a);
        a.id = (char *)accs[i];
        ASSERT_OK(regio_store_account_upsert(s, &a, NULL, NULL));
    }
    ASSERT_OK(regio_store_model_create(s, "M", REGIO_MODEL_PLANNING, NULL, NULL, NULL, NULL,
                                       NULL));
    return s;
}

static void done_with(regio_store *s)
{
    long bad = -1;
    ASSERT_OK(regio_store_audit_verify(s, &bad, NULL));
    ASSERT_EQ_INT(bad, 0);
    regio_store_close(s);
    regio_test_store_remove(path);
}

/* Visits read back, as one text line each. */
typedef struct text {
    char v[2048];
} text;

static int visit_line(void *ud, const regio_plan_visit_row *v)
{
    text *t = ud;
    size_t n = strlen(t->v);
    snprintf(t->v + n, sizeof t->v - n, "%s d%d #%d %s %ld-%ld +%ld\n", v->rep, v->day, v->seq,
             v->account, v->arrival_s, v->departure_s, v->travel_s);
    return 0;
}

static int plan_line(void *ud, const regio_plan_info *p)
{
    text *t = ud;
    size_t n = strlen(t->v);
    snprintf(t->v + n, sizeof t->v - n, "%ld %s %s %s %d %s %ld %d\n", p->id,
             p->model ? p->model : "-", p->name, p->cycle_start ? p->cycle_start : "-",
             p->cycle_days, p->params, p->visits, p->created_at && *p->created_at);
    return 0;
}

/* Four visits given out of order (two reps, two days). */
static const regio_plan_visit_row V[] = {
    {"R2", "A1", 1, 1, 8 * 3600 + 600, 8 * 3600 + 1800, 600},
    {"R1", "A3", 2, 1, 9 * 3600, 9 * 3600 + 1200, 1500},
    {"R1", "A2", 1, 2, 10 * 3600, 10 * 3600 + 1200, 300},
    {"R1", "A1", 1, 1, 8 * 3600 + 900, 9 * 3600, 900},
};

static const regio_plan_info P = {0, "M", "M/T1/R1/2027-01-04", "2027-01-04", 5,
                                  "{\"seed\":1}", NULL, 0};

static void test_round_trip(void)
{
    regio_store *s = fixture();
    if (!s)
        return;
    long id = 0;
    regio_error e;
    ASSERT_OK(regio_store_plan_save(s, &P, V, 4, "ana", &id, &e));
    ASSERT_TRUE(id > 0);
    text t = {""};
    ASSERT_OK(regio_store_plan_visits_foreach(s, id, visit_line, &t, NULL));
    ASSERT_EQ_STR(t.v, "R1 d1 #1 A1 29700-32400 +900\n"
                       "R1 d1 #2 A2 36000-37200 +300\n"
                       "R1 d2 #1 A3 32400-33600 +1500\n"
                       "R2 d1 #1 A1 29400-30600 +600\n");
    /* A second plan without a model; the listing is newest first. */
    regio_plan_info p2 = {0, NULL, "loose", NULL, 1, NULL, NULL, 0};
    long id2 = 0;
    ASSERT_OK(regio_store_plan_save(s, &p2, NULL, 0, NULL, &id2, NULL));
    ASSERT_TRUE(id2 > id);
    text all = {""}, of_m = {""};
    ASSERT_OK(regio_store_plans_foreach(s, NULL, plan_line, &all, NULL));
    char want[512];
    snprintf(want, sizeof want,
             "%ld - loose - 1 {} 0 1\n%ld M M/T1/R1/2027-01-04 2027-01-04 5 {\"seed\":1} 4 1\n",
             id2, id);
    ASSERT_EQ_STR(all.v, want);
    ASSERT_OK(regio_store_plans_foreach(s, "M", plan_line, &of_m, NULL));
    ASSERT_EQ_STR(of_m.v, strchr(want, '\n') + 1);
    /* Audited: one plan.save record per plan, naming it. */
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM audit_log WHERE action = 'plan.save'"), 2);
    char q[160];
    snprintf(q, sizeof q, "%s FROM audit_log WHERE action = 'plan.save'"
             " AND object_type = 'visit_plan' AND object_id = '%ld'",
             dialect("SELECT json_extract(after, '$.visits')",
                     "SELECT (after::jsonb ->> 'visits')::bigint"),
             id);
    ASSERT_EQ_INT(q_int(s, q), 4);
    done_with(s);
}

static void test_refusals(void)
{
    regio_store *s = fixture();
    if (!s)
        return;
    regio_error e;
    regio_plan_visit_row bad[2] = {V[3], V[2]};
    regio_plan_info p = P;
    struct {
        const char *what;
        regio_err want;
        const char *msg;
    } cases[] = {
        {"unknown rep", REGIO_ENOTFOUND, "rep 'R9' not found"},
        {"unknown account", REGIO_ENOTFOUND, "account 'A9' not found"},
        {"day outside the cycle", REGIO_EDATA, "visit 2 (account 'A2') is on day 6, outside 1..5"},
        {"duplicate seq", REGIO_EDATA, "rep 'R1' has two visits on day 1 at seq 1"},
        {"leaves before it arrives", REGIO_EDATA, "leaves before it arrives"},
        {"unknown model", REGIO_ENOTFOUND, "territory model 'nope' not found"},
        {"params not an object", REGIO_EINVAL, "params must be a JSON object"},
        {"not a date", REGIO_EDATA, "'2027-02-30' is not a date"},
        {"no name", REGIO_EDATA, "a plan needs a name"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        bad[0] = V[3];
        bad[1] = V[2];
        p = P;
        switch (c) {
        case 0: bad[1].rep = "R9"; break;
        case 1: bad[1].account = "A9"; break;
        case 2: bad[1].day = 6; break;
        case 3: bad[1].seq = 1; break;
        case 4: bad[1].departure_s = bad[1].arrival_s - 1; break;
        case 5: p.model = "nope"; break;
        case 6: p.params = "[1]"; break;
        case 7: p.cycle_start = "2027-02-30"; break;
        case 8: p.name = ""; break;
        }
        long id = 77;
        regio_err rc = regio_store_plan_save(s, &p, bad, 2, "ana", &id, &e);
        if (rc != cases[c].want || !strstr(e.msg, cases[c].msg))
            FAIL_AT_("%s: %s \"%s\"", cases[c].what, regio_err_name(rc), e.msg);
        ASSERT_EQ_INT(id, 0);
    }
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM visit_plans"), 0);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM plan_visits"), 0);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM audit_log"), 0);
    text t = {""};
    ASSERT_EQ_INT(regio_store_plan_visits_foreach(s, 5, visit_line, &t, &e), REGIO_ENOTFOUND);
    ASSERT_TRUE(strstr(e.msg, "no call plan 5") != NULL);
    ASSERT_EQ_INT(regio_store_plans_foreach(s, "nope", plan_line, &t, &e), REGIO_ENOTFOUND);
    ASSERT_EQ_INT(regio_store_plan_save(s, NULL, NULL, 0, NULL, NULL, &e), REGIO_EINVAL);
    done_with(s);
}

static void test_alloc_failures(void)
{
    regio_store *s = fixture();
    if (!s)
        return;
    int ok = 0, saw_enomem = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 200 && !ok; alloc_fail_at++) {
        alloc_calls = 0;
        regio_set_allocator(&regio_test_failing);
        regio_error e;
        long id = 0;
        regio_err rc = regio_store_plan_save(s, &P, V, 4, "ana", &id, &e);
        if (rc == REGIO_OK && alloc_calls < alloc_fail_at)
            ok = 1;
        regio_set_allocator(NULL);
        if (rc == REGIO_ENOMEM) {
            saw_enomem = 1;
            ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM visit_plans"), 0);
            ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM plan_visits"), 0);
        } else if (rc) {
            FAIL_AT_("alloc_fail_at %d: unexpected %s: %s", alloc_fail_at, regio_err_name(rc),
                     e.msg);
            break;
        } else if (!ok) {
            FAIL_AT_("alloc_fail_at %d: succeeded although an allocation failed", alloc_fail_at);
            break;
        }
    }
    ASSERT_TRUE(ok);
    ASSERT_TRUE(saw_enomem);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM plan_visits"), 4);
    done_with(s);
}

/* ---- the plan of a territory --------------------------------------------------- */

static void add_account(regio_store *s, const char *id, const char *unit, double lat, double lon,
                        const char *owner, const char *k1, const char *v1, const char *k2,
                        const char *v2)
{
    regio_account a;
    regio_account_init(&a);
    a.id = (char *)id;
    a.unit_id = (char *)unit;
    a.lat = lat;
    a.lon = lon;
    a.owner = (char *)owner;
    regio_attr at[2];
    memset(at, 0, sizeof at);
    const char *k[2] = {k1, k2}, *v[2] = {v1, v2};
    for (int i = 0; i < 2 && k[i]; i++) {
        at[i].key = (char *)k[i];
        at[i].text = (char *)v[i];
        at[i].num = NAN;
        at[i].is_num = regio_parse_number(v[i], &at[i].num) == REGIO_OK;
        a.n_attrs = (size_t)i + 1;
    }
    a.attrs = at;
    ASSERT_OK(regio_store_account_upsert(s, &a, NULL, NULL));
}

/* Model M over units U1..U4 near Denver: T1 = U1, U2 (rep R1), T2 = U3, U4
 * (no rep, its accounts owned by R2), T3 empty, parent P over T1 and T2.
 * Accounts: A1 (U1, frequency 3, call_minutes 45), A2 (U2, opening hours
 * 09:00-11:00), A3 (U2, no coordinates), A4 (U3, visits_per_year 24), A5
 * (U4, moved by hand to T1), A6 (U3, visits_per_year 0). */
static regio_store *territory_fixture(regio_design_problem **units, regio_model_view **v)
{
    regio_store *s = fixture();
    if (!s)
        return NULL;
    for (int i = 0; i < 4; i++) {
        regio_unit u;
        regio_unit_init(&u);
        char id[16];
        snprintf(id, sizeof id, "U%d", i + 1);
        u.id = id;
        u.lat = 39.7 + 0.1 * (i / 2);
        u.lon = -105.0 + 0.1 * (i % 2);
        ASSERT_OK(regio_store_unit_upsert(s, &u, NULL, NULL));
    }
    regio_rep r;
    regio_rep_init(&r);
    r.id = "R1";
    r.lat = 39.75;
    r.lon = -104.95;
    r.day_start = "07:00";
    r.day_end = "15:00";
    ASSERT_OK(regio_store_rep_upsert(s, &r, NULL, NULL));
    r.id = "R2";
    r.day_start = r.day_end = NULL;
    ASSERT_OK(regio_store_rep_upsert(s, &r, NULL, NULL));
    add_account(s, "A1", "U1", 39.71, -104.99, NULL, "frequency", "3", "call_minutes", "45");
    add_account(s, "A2", "U2", 39.72, -104.89, NULL, "tw_start", "09:00", "tw_end", "11:00");
    add_account(s, "A3", "U2", NAN, NAN, NULL, NULL, NULL, NULL, NULL);
    add_account(s, "A4", "U3", 39.81, -104.99, "R2", "visits_per_year", "24", NULL, NULL);
    add_account(s, "A5", "U4", 39.82, -104.88, "R2", NULL, NULL, NULL, NULL);
    add_account(s, "A6", "U3", 39.83, -104.97, "R2", "visits_per_year", "0", NULL, NULL);
    ASSERT_OK(regio_store_unit_measures_from_accounts(s, NULL));
    const char *terr[][2] = {{"P", NULL}, {"T1", "P"}, {"T2", "P"}, {"T3", NULL}};
    for (int i = 0; i < 4; i++)
        ASSERT_OK(regio_store_territory_upsert(s, "M", terr[i][0], NULL, terr[i][1], NULL));
    const char *align[][2] = {{"U1", "T1"}, {"U2", "T1"}, {"U3", "T2"}, {"U4", "T2"}};
    for (int i = 0; i < 4; i++)
        ASSERT_OK(regio_store_alignment_set(s, "M", align[i][0], align[i][1], NULL));
    ASSERT_OK(regio_store_territory_set_rep(s, "M", "T1", "R1", NULL));
    regio_alignment_row mv = {NULL, "A5", "T1", NULL, 0};
    long rev = 0;
    ASSERT_OK(regio_store_alignment_revision(s, "M", &rev, NULL));
    ASSERT_OK(regio_store_alignment_apply(s, "M", rev, &mv, 1, "ana", NULL, NULL, NULL));
    regio_error e;
    *units = NULL;
    *v = NULL;
    if (regio_design_problem_load_units(s, 0, units, &e) ||
        regio_model_view_load(s, *units, "M", -1, v, &e))
        FAIL_AT_("loading M: %s", e.msg);
    return s;
}

static int collect_visit(void *ud, const regio_plan_visit_row *v)
{
    regio_buf *b = ud;
    return regio_buf_printf(b, "%s %d %d %s %ld %ld %ld\n", v->rep, v->day, v->seq, v->account,
                            v->arrival_s, v->departure_s, v->travel_s) != REGIO_OK;
}

static void test_territory_plan(void)
{
    regio_design_problem *units = NULL;
    regio_model_view *v = NULL;
    regio_store *s = territory_fixture(&units, &v);
    if (!s || !v)
        goto out;
    regio_territory_plan_opts o;
    memset(&o, 0, sizeof o);
    o.territory = "T1";
    o.seed = 1;
    o.start = "2027-01-09"; /* a Saturday: the cycle starts on Monday 11 */
    regio_territory_plan *p = NULL;
    regio_error e;
    ASSERT_OK(regio_territory_plan_prepare(s, v, &o, &p, &e));
    if (!p)
        goto out;
    /* T1's own rep; its accounts with coordinates (A3 has none) and A5,
     * moved there by hand; the attributes' rules. */
    ASSERT_EQ_STR(p->data->reps[0].id, "R1");
    ASSERT_EQ_INT(p->rep_source, REGIO_PLAN_REP_TERRITORY);
    ASSERT_NEAR(p->data->reps[0].day_start_s, 7 * 3600, 0);
    ASSERT_NEAR(p->data->reps[0].day_end_s, 15 * 3600, 0);
    ASSERT_EQ_STR(p->start, "2027-01-11");
    ASSERT_EQ_INT(p->params.n_days, REGIO_TERRITORY_PLAN_DAYS);
    ASSERT_EQ_INT(p->data->n_accounts, 3);
    ASSERT_EQ_INT(p->skipped, 1);
    const regio_plan_account *a = p->data->accounts;
    ASSERT_EQ_STR(a[0].id, "A1");
    ASSERT_EQ_STR(a[1].id, "A2");
    ASSERT_EQ_STR(a[2].id, "A5");
    ASSERT_EQ_INT(a[0].frequency, 3);
    ASSERT_NEAR(a[0].call_s, 45 * 60, 0);
    ASSERT_EQ_INT(a[1].frequency, 1);
    ASSERT_NEAR(a[1].call_s, REGIO_TERRITORY_PLAN_CALL_MINUTES * 60, 0);
    ASSERT_TRUE(a[1].has_window && a[1].tw_start_s == 9 * 3600 && a[1].tw_end_s == 11 * 3600);
    ASSERT_TRUE(!a[0].has_window);
    ASSERT_TRUE(!p->far && !p->warning[0]);
    char date[16];
    regio_territory_plan_date(p, 5, date);
    ASSERT_EQ_STR(date, "2027-01-15");
    regio_territory_plan_date(p, 6, date);
    ASSERT_EQ_STR(date, "2027-01-18");
    /* Solved, saved, read back as solved. */
    ASSERT_EQ_INT(regio_territory_plan_save(s, p, NULL, "ana", &e), REGIO_EINVAL);
    ASSERT_OK(regio_territory_plan_solve(p, &e));
    ASSERT_EQ_INT(p->result->visits_required, 5);
    ASSERT_EQ_INT(p->result->visits_scheduled, 5);
    ASSERT_OK(regio_territory_plan_save(s, p, NULL, "ana", &e));
    ASSERT_TRUE(p->plan_id > 0);
    ASSERT_EQ_STR(p->name, "M/T1/R1/2027-01-11");
    regio_buf want, got;
    regio_buf_init(&want, 0);
    regio_buf_init(&got, 0);
    for (int d = 0; d < p->result->n_days; d++) {
        const regio_plan_day *day = &p->result->days[d];
        for (int k = 0; k < day->n_visits; k++)
            collect_visit(&want, &(regio_plan_visit_row){
                                     "R1", a[day->visits[k].account].id, day->day, k + 1,
                                     lround(day->visits[k].arrival_s),
                                     lround(day->visits[k].departure_s),
                                     lround(day->visits[k].leg_s)});
    }
    ASSERT_OK(regio_store_plan_visits_foreach(s, p->plan_id, collect_visit, &got, NULL));
    ASSERT_EQ_STR(got.data, want.data);
    char q[300];
    snprintf(q, sizeof q, "%s FROM visit_plans WHERE id = %ld",
             dialect("SELECT json_extract(params, '$.seed') = 1"
                     " AND json_extract(params, '$.rep') = 'R1'"
                     " AND json_extract(params, '$.visits_scheduled') = 5",
                     "SELECT (params::jsonb -> 'seed')::numeric = 1"
                     " AND params::jsonb ->> 'rep' = 'R1'"
                     " AND (params::jsonb -> 'visits_scheduled')::numeric = 5"),
             p->plan_id);
    ASSERT_EQ_INT(q_int(s, q), 1);
    regio_buf_free(&want);
    regio_buf_free(&got);
    regio_territory_plan_destroy(p);
    p = NULL;
    /* T2 has no rep of its own: its accounts' one owner (R2) plans it; a
     * far rep is a warning. */
    o.territory = "T2";
    ASSERT_OK(regio_territory_plan_prepare(s, v, &o, &p, &e));
    if (p) {
        ASSERT_EQ_STR(p->data->reps[0].id, "R2");
        ASSERT_EQ_INT(p->rep_source, REGIO_PLAN_REP_OWNER);
        ASSERT_EQ_INT(p->data->n_accounts, 2);
        ASSERT_EQ_INT(p->data->accounts[0].frequency, 2); /* 24 a year over 20 of 240 days */
        ASSERT_EQ_INT(p->data->accounts[1].frequency, 0);
    }
    regio_territory_plan_destroy(p);
    p = NULL;
    /* A rep in Cheyenne, 150 km from T1's accounts around Denver (a few km
     * across): far, a warning, and still a plan (a round trip fits a day). */
    regio_rep far;
    regio_rep_init(&far);
    far.id = "R3";
    far.lat = 41.14;
    far.lon = -104.82;
    ASSERT_OK(regio_store_rep_upsert(s, &far, NULL, NULL));
    o.territory = "T1";
    o.rep = "R3";
    ASSERT_OK(regio_territory_plan_prepare(s, v, &o, &p, &e));
    if (p) {
        ASSERT_TRUE(p->far && p->home_km > REGIO_PLAN_FAR_KM && p->home_km < 200);
        ASSERT_TRUE(strstr(p->warning, "rep 'R3' lives ") != NULL);
        ASSERT_OK(regio_territory_plan_solve(p, &e));
        ASSERT_TRUE(p->result && p->result->visits_scheduled > 0);
    }
    regio_territory_plan_destroy(p);
    p = NULL;
    /* T1's own rep moves to San Francisco: far, and no account is within a
     * day's reach: the plan would cover nothing, an error, nothing saved. */
    far.id = "R1";
    far.lat = 37.77;
    far.lon = -122.41;
    ASSERT_OK(regio_store_rep_upsert(s, &far, NULL, NULL));
    o.rep = NULL;
    ASSERT_OK(regio_territory_plan_prepare(s, v, &o, &p, &e));
    if (p) {
        ASSERT_TRUE(p->far && p->home_km > 1000);
        ASSERT_TRUE(strstr(p->warning, "rep 'R1' lives ") != NULL);
        long plans = q_int(s, "SELECT COUNT(*) FROM visit_plans");
        ASSERT_EQ_INT(regio_territory_plan_solve(p, &e), REGIO_EDATA);
        ASSERT_TRUE(strstr(e.msg, "reaches none of its accounts within a working day: the plan "
                                  "would cover nothing (0 of 5 visits placed)") != NULL);
        ASSERT_TRUE(p->result && p->result->visits_scheduled == 0);
        ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM visit_plans"), plans);
    }
    regio_territory_plan_destroy(p);
    p = NULL;
    /* Refusals, each with its code and words. */
    struct {
        const char *terr, *rep, *start;
        int days;
        regio_err want;
        const char *msg;
    } bad[] = {
        {"T9", NULL, NULL, 0, REGIO_ENOTFOUND, "model 'M' has no territory 'T9'"},
        {"P", NULL, NULL, 0, REGIO_EDATA, "groups other territories"},
        {"T1", "R9", NULL, 0, REGIO_ENOTFOUND, "rep 'R9' not found"},
        {"T3", "R1", NULL, 0, REGIO_EDATA, "has no account to visit"},
        {"T1", NULL, "2027-13-01", 0, REGIO_EINVAL, "start '2027-13-01' must be a date"},
        {"T1", NULL, NULL, 999, REGIO_EINVAL, "1 to 256 working days"},
        {NULL, NULL, NULL, 0, REGIO_EINVAL, "needs a territory"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&o, 0, sizeof o);
        o.territory = bad[i].terr;
        o.rep = bad[i].rep;
        o.start = bad[i].start;
        o.n_days = bad[i].days;
        regio_err rc = regio_territory_plan_prepare(s, v, &o, &p, &e);
        if (rc != bad[i].want || !strstr(e.msg, bad[i].msg) || p)
            FAIL_AT_("case %zu: %s \"%s\"", i, regio_err_name(rc), e.msg);
    }
out:
    regio_model_view_destroy(v);
    regio_design_problem_destroy(units);
    if (s)
        done_with(s);
}

int main(int argc, char **argv)
{
    /* --pg: the PostgreSQL variant (unit.test_plan_store.pg), on REGIO_TEST_DB. */
    regio_test_backend(argc, argv, "test_plan_store --pg");
    RUN(test_round_trip);
    RUN(test_refusals);
    RUN(test_alloc_failures);
    RUN(test_territory_plan);
    TEST_END();
}
