/*
 * Tests for saved call plans: regio_store_plan_save and the readers
 * (regio_store_plans_foreach, regio_store_plan_visits_foreach) round-trip
 * a plan by external ids in rep/day/seq order, audit the save and refuse
 * bad input without writing anything, also under failing allocations.
 */
#include "regio/store.h"
#include "regio_test.h"
#include "regio_test_db.h"
#include "store/schema_sqlite.h"

#include <sqlite3.h>
#include <stdlib.h>

static char path[64];

static long long q_int(regio_store *s, const char *sql)
{
    return regio_test_sql_int(regio__sqlite_handle(s), sql);
}

/* A store with reps R1, R2, accounts A1..A3 and planning model M. */
static regio_store *fixture(void)
{
    regio_test_db_path(path, sizeof path, "plans");
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
    regio_test_db_remove(path);
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
    snprintf(q, sizeof q,
             "SELECT json_extract(after, '$.visits') FROM audit_log WHERE action = 'plan.save'"
             " AND object_type = 'visit_plan' AND object_id = '%ld'",
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

int main(void)
{
    RUN(test_round_trip);
    RUN(test_refusals);
    RUN(test_alloc_failures);
    TEST_END();
}
