/*
 * Tests for the check-in page's library side (regio/checkin.h): whose plans
 * a user follows (the linked rep, else their territories' reps, else the
 * rep named like the login), which cycle day a date is (working days from
 * the cycle start, cycles repeating, weekends and days before the start
 * without stops, the newest started plan deciding), the stops in route
 * order with their accounts and the visit logged that day, activities read
 * back and looked up by client id — and every allocation failure.
 */
#include "regio/checkin.h"
#include "regio/org.h"
#include "regio/store.h"
#include "regio_test.h"
#include "regio_test_db.h"
#include "store/schema_sqlite.h"

#include <math.h>

static char path[512];
static int setup_failed;

#define SETUP(expr)                                                                               \
    do {                                                                                          \
        regio_err rc_ = (expr);                                                                   \
        if (rc_) {                                                                                \
            FAIL_AT_("%s: %s", #expr, e.msg);                                                     \
            setup_failed = 1;                                                                     \
        }                                                                                         \
    } while (0)

/* A visit of a plan. */
static regio_plan_visit_row visit(const char *rep, const char *account, int day, int seq)
{
    regio_plan_visit_row v = {rep, account, day, seq, 28800 + 3600L * seq, 30000 + 3600L * seq,
                              600};
    return v;
}

/*
 * Reps R1 (linked to user u1), R2 (the rep of T2, where u2 is owner and
 * mgr manager), R3; accounts A1..A4; model LIVE in force since 2020. Plans:
 * P1 for R1 from Monday 2027-03-01, 5 days (A1, A2 on day 1 in the order
 * A2, A1; A3 on day 2); P2 for R2 from 2027-03-01, 10 days (A4 on day 3);
 * P3 for R1 from 2027-03-15 (a newer plan: A4 on day 1).
 */
static regio_store *fixture(void)
{
    regio_error e;
    setup_failed = 0;
    regio_test_store_location(path, sizeof path, "checkin");
    regio_store *s = NULL;
    if (regio_store_open(path, &s, &e) != REGIO_OK) {
        FAIL_AT_("open: %s", e.msg);
        return NULL;
    }
    const char *reps[] = {"R1", "R2", "R3"};
    for (int i = 0; i < 3; i++) {
        regio_rep r;
        regio_rep_init(&r);
        r.id = (char *)reps[i];
        SETUP(regio_store_rep_upsert(s, &r, NULL, &e));
    }
    const char *accs[] = {"A1", "A2", "A3", "A4"};
    const char *names[] = {"Acme", "Bolt", NULL, "Dune"};
    for (int i = 0; i < 4; i++) {
        regio_account a;
        regio_account_init(&a);
        a.id = (char *)accs[i];
        a.name = (char *)names[i];
        a.city = (char *)"Denver";
        a.lat = 39.7 + i * 0.01;
        a.lon = -105.0;
        SETUP(regio_store_account_upsert(s, &a, NULL, &e));
    }
    const char *users[] = {"u1", "u2", "mgr", "u9"};
    for (int i = 0; i < 4; i++) {
        regio_user_info u = {users[i], NULL, NULL, NULL, 0, 1, 0, 0};
        SETUP(regio_store_user_upsert(s, &u, "setup", NULL, &e));
    }
    /* R1 is linked to user u1 (no call links a rep to another login) */
    const char *link = "UPDATE reps SET user_id = (SELECT id FROM users WHERE login = 'u1')"
                       " WHERE ext_id = 'R1'";
    if (regio_test_pg())
        regio_test_loc_int(path, link);
    else
        sqlite3_exec(regio__sqlite_handle(s), link, NULL, NULL, NULL);
    SETUP(regio_store_model_create(s, "LIVE", REGIO_MODEL_PLANNING, NULL, NULL, NULL, NULL, &e));
    SETUP(regio_store_territory_upsert(s, "LIVE", "T2", "Two", NULL, &e));
    SETUP(regio_store_territory_set_rep(s, "LIVE", "T2", "R2", &e));
    regio_err prc = regio_store_model_promote(s, "LIVE", "2020-01-01", "setup", &e);
    if (prc == REGIO_EUNSUPPORTED && regio_test_pg()) {
        /* promotion is not on PostgreSQL yet: the model is put in force as
         * a promotion leaves it */
        regio_test_loc_int(path, "UPDATE territory_models SET state = 'active',"
                                 " effective_from = '2020-01-01' WHERE name = 'LIVE'");
        prc = REGIO_OK;
    }
    SETUP(prc);
    regio_membership_info m = {"u2", "T2", "owner", 1, NULL, NULL, NULL};
    SETUP(regio_store_membership_upsert(s, "LIVE", &m, "setup", &e));
    regio_membership_info mm = {"mgr", "T2", "manager", 1, NULL, NULL, NULL};
    SETUP(regio_store_membership_upsert(s, "LIVE", &mm, "setup", &e));
    regio_plan_info p1 = {0, NULL, "P1", "2027-03-01", 5, NULL, NULL, 0};
    regio_plan_visit_row v1[] = {visit("R1", "A2", 1, 1), visit("R1", "A1", 1, 2),
                                 visit("R1", "A3", 2, 1)};
    SETUP(regio_store_plan_save(s, &p1, v1, 3, "setup", NULL, &e));
    regio_plan_info p2 = {0, NULL, "P2", "2027-03-01", 10, NULL, NULL, 0};
    regio_plan_visit_row v2[] = {visit("R2", "A4", 3, 1)};
    SETUP(regio_store_plan_save(s, &p2, v2, 1, "setup", NULL, &e));
    regio_plan_info p3 = {0, NULL, "P3", "2027-03-15", 5, NULL, NULL, 0};
    regio_plan_visit_row v3[] = {visit("R1", "A4", 1, 1)};
    SETUP(regio_store_plan_save(s, &p3, v3, 1, "setup", NULL, &e));
    return s;
}

static void done_with(regio_store *s)
{
    regio_store_close(s);
    regio_test_store_remove(path);
}

/* The day as one line: "R1:A2,A1" (accounts in order), visited ones with a '*'. */
static void day_line(regio_store *s, const char *login, const char *date, char *out, size_t cap)
{
    regio_checkin_day *d = NULL;
    regio_error e;
    out[0] = '\0';
    if (regio_checkin_day_load(s, login, date, &d, &e)) {
        snprintf(out, cap, "error: %.200s", e.msg);
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < d->n_reps; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? "+" : "", d->reps[i]);
    n += (size_t)snprintf(out + n, cap - n, ":");
    for (size_t i = 0; i < d->n && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s%s", i ? "," : "", d->stops[i].account,
                              d->stops[i].visit_id ? "*" : "");
    regio_checkin_day_free(d);
}

static void test_whose_and_which_day(void)
{
    regio_store *s = fixture();
    if (!s || setup_failed)
        goto out;
    char line[256];
    static const struct {
        const char *login, *date, *want;
    } cases[] = {
        {"u1", "2027-03-01", "R1:A2,A1"},     /* day 1, route order */
        {"u1", "2027-03-02", "R1:A3"},        /* day 2 */
        {"u1", "2027-03-03", "R1:"},          /* day 3: nothing planned */
        {"u1", "2027-03-06", "R1:"},          /* a Saturday */
        {"u1", "2027-03-08", "R1:A2,A1"},     /* the cycle of 5 days repeats */
        {"u1", "2027-02-26", "R1:"},          /* before any cycle started */
        {"u1", "2027-03-15", "R1:A4"},        /* the newer plan P3 decides */
        {"u1", "2027-03-16", "R1:"},          /* ... also on its empty days */
        {"u2", "2027-03-03", "R2:A4"},        /* u2 through their territory T2 */
        {"u2", "2027-03-17", "R2:A4"},        /* 10-day cycle: day 3 again */
        {"mgr", "2027-03-03", ":"},           /* a manager follows no plan */
        {"R3", "2027-03-01", "R3:"},          /* the rep named like the login */
        {"nobody", "2027-03-01", ":"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        day_line(s, cases[i].login, cases[i].date, line, sizeof line);
        if (strcmp(line, cases[i].want) != 0)
            FAIL_AT_("%s on %s: \"%s\", want \"%s\"", cases[i].login, cases[i].date, line,
                     cases[i].want);
    }
    regio_checkin_day *d = NULL;
    regio_error e;
    ASSERT_OK(regio_checkin_day_load(s, "u1", "2027-03-01", &d, &e));
    if (d && d->n == 2) {
        const regio_checkin_stop *o = &d->stops[0];
        ASSERT_EQ_STR(d->date, "2027-03-01");
        ASSERT_EQ_STR(o->rep, "R1");
        ASSERT_EQ_INT(o->seq, 1);
        ASSERT_EQ_STR(o->name, "Bolt");
        ASSERT_EQ_STR(o->city, "Denver");
        ASSERT_TRUE(o->street == NULL);
        ASSERT_NEAR(o->lat, 39.71, 1e-9);
        ASSERT_EQ_INT(o->arrival_s, 32400);
        ASSERT_EQ_INT(o->cycle_day, 1);
        ASSERT_TRUE(o->visit_id == NULL);
    } else {
        FAIL_AT_("two stops on 2027-03-01");
    }
    regio_checkin_day_free(d);
    ASSERT_TRUE(regio_checkin_day_load(s, "u1", "2027-02-30", &d, &e) == REGIO_EINVAL && !d);
    ASSERT_TRUE(strstr(e.msg, "2027-02-30") != NULL);
out:
    if (s)
        done_with(s);
}

static int count_cb(void *ud, const regio_activity *a)
{
    char *t = ud;
    size_t n = strlen(t);
    snprintf(t + n, 256 - n, "%s/%s/%s/%s;", a->id, a->account, a->user, a->outcome ? a->outcome : "-");
    return 0;
}

static void test_logged_visits(void)
{
    regio_store *s = fixture();
    if (!s || setup_failed)
        goto out;
    regio_error e;
    regio_activity a[] = {
        {"c-1", "A1", "u1", "2027-03-01T10:00:00-07:00", NULL, NAN, "met", "note", 39.7, -105.0},
        {"c-2", "A2", "R3", "2027-03-01", "call", NAN, NULL, NULL, NAN, NAN},
        {"c-3", "A4", "u2", "2027-03-02", NULL, NAN, NULL, NULL, NAN, NAN},
    };
    size_t added = 0;
    ASSERT_OK(regio_activities_log(s, a, 3, "test", &added, &e));
    ASSERT_EQ_INT(added, 3);
    char line[256];
    /* A1's visit shows; A2 only had a call, which is no visit. */
    day_line(s, "u1", "2027-03-01", line, sizeof line);
    ASSERT_EQ_STR(line, "R1:A2,A1*");
    regio_checkin_day *d = NULL;
    ASSERT_OK(regio_checkin_day_load(s, "u1", "2027-03-01", &d, &e));
    if (d && d->n == 2) {
        ASSERT_EQ_STR(d->stops[1].visit_id, "c-1");
        ASSERT_EQ_STR(d->stops[1].visited_at, "2027-03-01T10:00:00-07:00");
        ASSERT_EQ_STR(d->stops[1].visited_by, "u1");
    }
    regio_checkin_day_free(d);
    /* Read back by period and user. */
    char t[256] = "";
    regio_period p;
    ASSERT_OK(regio_period_range("2027-03-01", "2027-03-01", &p, &e));
    ASSERT_OK(regio_activities_foreach(s, p, NULL, count_cb, t, &e));
    ASSERT_EQ_STR(t, "c-2/A2/R3/-;c-1/A1/u1/met;");
    t[0] = '\0';
    ASSERT_OK(regio_period_range("2027-03-01", "2027-03-31", &p, &e));
    ASSERT_OK(regio_activities_foreach(s, p, "u2", count_cb, t, &e));
    ASSERT_EQ_STR(t, "c-3/A4/u2/-;");
    /* Looked up by client id. */
    int found = -1;
    char acc[16], user[16];
    ASSERT_OK(regio_activity_lookup(s, "c-1", &found, acc, user, sizeof acc, &e));
    ASSERT_EQ_INT(found, 1);
    ASSERT_EQ_STR(acc, "A1");
    ASSERT_EQ_STR(user, "u1");
    ASSERT_OK(regio_activity_lookup(s, "c-2", &found, NULL, NULL, 0, &e));
    ASSERT_EQ_INT(found, 1);
    ASSERT_OK(regio_activity_lookup(s, "c-404", &found, acc, user, sizeof acc, &e));
    ASSERT_EQ_INT(found, 0);
out:
    if (s)
        done_with(s);
}

/* Inside the caller's transaction the log is a part of it: a failing log
 * undoes itself alone, and the caller's commit or rollback decides. */
static void test_log_inside_a_transaction(void)
{
    regio_store *s = fixture();
    if (!s || setup_failed)
        goto out;
    regio_error e;
    regio_activity ok1 = {"n-1", "A1", "u1", "2027-04-01", NULL, NAN, NULL, NULL, NAN, NAN};
    regio_activity bad[] = {
        {"n-2", "A2", "u1", "2027-04-01", NULL, NAN, NULL, NULL, NAN, NAN},
        {"n-3", "NO-SUCH", "u1", "2027-04-01", NULL, NAN, NULL, NULL, NAN, NAN},
    };
    regio_activity ok2 = {"n-4", "A4", "u2", "2027-04-02", NULL, NAN, NULL, NULL, NAN, NAN};
    regio_activity gone = {"n-5", "A4", "u2", "2027-04-03", NULL, NAN, NULL, NULL, NAN, NAN};
    size_t added = 0;
    ASSERT_OK(regio_store_begin(s, &e));
    ASSERT_OK(regio_activities_log(s, &ok1, 1, "test", &added, &e));
    ASSERT_EQ_INT(added, 1);
    ASSERT_EQ_INT(regio_activities_log(s, bad, 2, "test", &added, &e), REGIO_ENOTFOUND);
    ASSERT_EQ_INT(added, 0);
    ASSERT_OK(regio_activities_log(s, &ok2, 1, "test", &added, &e));
    ASSERT_OK(regio_store_commit(s, &e));
    ASSERT_OK(regio_store_begin(s, &e));
    ASSERT_OK(regio_activities_log(s, &gone, 1, "test", &added, &e));
    ASSERT_OK(regio_store_rollback(s, &e));
    char t[256] = "";
    regio_period p;
    ASSERT_OK(regio_period_range("2027-04-01", "2027-04-30", &p, &e));
    ASSERT_OK(regio_activities_foreach(s, p, NULL, count_cb, t, &e));
    ASSERT_EQ_STR(t, "n-1/A1/u1/-;n-4/A4/u2/-;");
    /* The chain holds the two logs that stayed, and only them. */
    ASSERT_OK(regio_store_audit_verify(s, NULL, &e));
out:
    if (s)
        done_with(s);
}

/* Every allocation failure: an error (ENOMEM) or the right day, never a crash or a leak. */
static void test_alloc_failures(void)
{
    regio_store *s = fixture();
    if (!s || setup_failed)
        goto out;
    regio_error e;
    regio_activity a = {"c-1", "A1", "u1", "2027-03-01", NULL, NAN, NULL, NULL, NAN, NAN};
    ASSERT_OK(regio_activities_log(s, &a, 1, "test", NULL, &e));
    int ok = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 400 && !ok; alloc_fail_at++) {
        regio_checkin_day *d = NULL;
        alloc_calls = 0;
        regio_set_allocator(&regio_test_failing);
        regio_err rc = regio_checkin_day_load(s, "u1", "2027-03-01", &d, &e);
        regio_set_allocator(NULL);
        if (rc == REGIO_OK) {
            ok = alloc_calls < alloc_fail_at;
            if (!d || d->n != 2 || !d->stops[1].visit_id)
                FAIL_AT_("fail at %d: an incomplete day", alloc_fail_at);
        } else if (d) {
            FAIL_AT_("fail at %d: %s with a day", alloc_fail_at, regio_err_name(rc));
        }
        regio_checkin_day_free(d);
    }
    ASSERT_TRUE(ok);
out:
    alloc_fail_at = 0;
    if (s)
        done_with(s);
}

int main(int argc, char **argv)
{
    /* --pg: the PostgreSQL variant (unit.test_checkin.pg), on REGIO_TEST_DB. */
    regio_test_backend(argc, argv, "test_checkin --pg");
    RUN(test_whose_and_which_day);
    RUN(test_logged_visits);
    RUN(test_log_inside_a_transaction);
    RUN(test_alloc_failures);
    TEST_END();
}
