/*
 * Tests for effective-dated promotion: a promotion dated ahead schedules
 * its model (the current one stays in force until the day, for every
 * reader: regio_store_model_in_force, _find, _find_at, _list_at, the edit
 * guards), later promotions replace scheduled ones of the same or a later
 * date, history is not rewritten, archiving cancels or ends, rollback
 * promotes a clone of the previous model, the history lists every
 * promotion with its status, and allocation failures leave nothing
 * behind. Dates are taken relative to today (UTC) so the tests hold on any
 * day. With --pg (unit.test_promotions.pg) it runs on REGIO_TEST_DB, each
 * store a fresh PostgreSQL schema (regio_test_db.h).
 */
#include "regio/org.h"
#include "regio/store.h"
#include "regio_test.h"
#include "regio_test_db.h"
#include "store/schema_sqlite.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A SQLite file, or with REGIO_TEST_DB a PostgreSQL schema. */
static char path[1024];

/* First value of sql on the store, whichever backend holds it; the SQL
 * reads audit records through json_extract (regio_test_store_json). */
static long long q_int(regio_store *s, const char *sql)
{
#ifdef REGIO_HAVE_PG
    int failed = 0;
    if (regio_test_pg())
        return regio_test_pg_sql(path, sql, &failed);
#endif
    return regio_test_sql_int(regio__sqlite_handle(s), sql);
}

/* SQLITE_OK (0) when sql succeeded, on either backend. */
static int q_exec(regio_store *s, const char *sql)
{
#ifdef REGIO_HAVE_PG
    int failed = 0;
    if (regio_test_pg()) {
        regio_test_pg_sql(path, sql, &failed);
        return failed ? SQLITE_ERROR : SQLITE_OK;
    }
#endif
    return sqlite3_exec(regio__sqlite_handle(s), sql, NULL, NULL, NULL);
}

/* A fresh empty store at path. */
static regio_store *open_fresh(regio_error *e)
{
    regio_test_store_location(path, sizeof path, "prom");
    regio_store *s = NULL;
    if (regio_store_open(path, &s, e) != REGIO_OK)
        return NULL;
    if (regio_test_store_json(path)) {
        FAIL_AT_("cannot give the test store json_extract");
        regio_store_close(s);
        return NULL;
    }
    return s;
}

/* Today (UTC) moved by `days`, into buf (11 bytes): one slot per call site. */
static const char *day(int days)
{
    static char bufs[16][11];
    static int next;
    char *b = bufs[next++ % 16];
    time_t t = time(NULL) + (time_t)days * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(b, 11, "%Y-%m-%d", &tm);
    return b;
}

/* A store with units U1..U3, model A (territories T1, T2; U1, U2 -> T1,
 * U3 -> T2) and user ana, a rep of T1 in A. Nothing promoted yet. */
static regio_store *fixture(void)
{
    regio_error e;
    regio_store *s = open_fresh(&e);
    if (!s) {
        FAIL_AT_("open: %s", e.msg);
        return NULL;
    }
    ASSERT_OK(regio_store_model_create(s, "A", REGIO_MODEL_PLANNING, NULL, NULL, NULL, NULL,
                                       NULL));
    ASSERT_OK(regio_store_territory_upsert(s, "A", "T1", "One", NULL, NULL));
    ASSERT_OK(regio_store_territory_upsert(s, "A", "T2", "Two", NULL, NULL));
    const char *uids[] = {"U1", "U2", "U3"};
    for (int i = 0; i < 3; i++) {
        regio_unit u;
        regio_unit_init(&u);
        u.id = (char *)uids[i];
        u.lat = 40 + i;
        u.lon = -100;
        ASSERT_OK(regio_store_unit_upsert(s, &u, NULL, NULL));
    }
    ASSERT_OK(regio_store_alignment_set(s, "A", "U1", "T1", NULL));
    ASSERT_OK(regio_store_alignment_set(s, "A", "U2", "T1", NULL));
    ASSERT_OK(regio_store_alignment_set(s, "A", "U3", "T2", NULL));
    regio_user_info u = {"ana", "Ana", NULL, NULL, 0, 1, 0, 0};
    ASSERT_OK(regio_store_user_upsert(s, &u, "test", NULL, NULL));
    regio_membership_info m = {"ana", "T1", "rep", 1, NULL, NULL, NULL};
    ASSERT_OK(regio_store_membership_upsert(s, "A", &m, "test", NULL));
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

/* The state of model name on d (NULL: today), or -1. */
static int state_at(regio_store *s, const char *name, const char *d)
{
    regio_model_info m;
    regio_error e;
    if (regio_store_model_find_at(s, name, d, &m, &e) != REGIO_OK) {
        FAIL_AT_("find %s at %s: %s", name, d ? d : "today", e.msg);
        return -1;
    }
    int st = (int)m.state;
    regio_model_info_clear(&m);
    return st;
}

/* The name of the model in force on d, "-" when none. */
static const char *in_force(regio_store *s, const char *d)
{
    static char buf[8][64];
    static int next;
    char *b = buf[next++ % 8];
    regio_model_info m;
    regio_error e;
    regio_err rc = regio_store_model_in_force(s, d, &m, &e);
    snprintf(b, 64, "%s", rc == REGIO_OK ? m.name : rc == REGIO_ENOTFOUND ? "-" : "error");
    if (!rc)
        regio_model_info_clear(&m);
    return b;
}

typedef struct text {
    char v[1024];
} text;

static int on_state(void *ud, const regio_model_info *m)
{
    text *t = ud;
    size_t n = strlen(t->v);
    snprintf(t->v + n, sizeof t->v - n, "%s:%s;", m->name, regio_model_state_name(m->state));
    return 0;
}

/* "name:state;..." of every model on d. */
static const char *states(regio_store *s, const char *d, text *t)
{
    t->v[0] = '\0';
    ASSERT_OK(regio_store_model_list_at(s, d, on_state, t, NULL));
    return t->v;
}

static int on_promotion(void *ud, const regio_promotion_info *p)
{
    text *t = ud;
    size_t n = strlen(t->v);
    snprintf(t->v + n, sizeof t->v - n, "%s<%s:%s;", p->model, p->previous ? p->previous : "-",
             regio_promotion_status_name(p->status));
    return 0;
}

/* "model<previous:status;..." of every promotion on d. */
static const char *history(regio_store *s, const char *d, text *t)
{
    t->v[0] = '\0';
    ASSERT_OK(regio_store_promotions_foreach(s, d, on_promotion, t, NULL));
    return t->v;
}

/* ---- scheduling ---------------------------------------------------------------- */

static void test_schedule(void)
{
    regio_store *s = fixture();
    regio_error e;
    text t;
    ASSERT_OK(regio_store_model_promote(s, "A", day(-1), "cli", &e));
    ASSERT_EQ_INT(state_at(s, "A", NULL), REGIO_MODEL_ACTIVE);
    ASSERT_OK(regio_store_model_clone(s, "A", "B", NULL, "cli", NULL, &e));
    ASSERT_OK(regio_store_model_promote(s, "B", day(1), "cli", &e));
    /* Today A stays in force for every reader; tomorrow B is. */
    ASSERT_EQ_STR(in_force(s, day(0)), "A");
    ASSERT_EQ_STR(in_force(s, day(1)), "B");
    ASSERT_EQ_STR(in_force(s, day(-1)), "A");
    ASSERT_EQ_STR(in_force(s, day(-2)), "-");
    regio_model_info m;
    ASSERT_OK(regio_store_model_find(s, NULL, &m, &e));
    ASSERT_EQ_STR(m.name, "A");
    regio_model_info_clear(&m);
    ASSERT_OK(regio_store_model_find_at(s, NULL, day(1), &m, &e));
    ASSERT_EQ_STR(m.name, "B");
    ASSERT_EQ_INT(m.state, REGIO_MODEL_ACTIVE);
    ASSERT_EQ_STR(m.effective_from, day(1));
    regio_model_info_clear(&m);
    ASSERT_EQ_INT(regio_store_model_find_at(s, NULL, day(-2), &m, &e), REGIO_ENOTFOUND);
    ASSERT_TRUE(strstr(e.msg, "in force on") != NULL);
    ASSERT_EQ_STR(states(s, NULL, &t), "A:active;B:scheduled;");
    ASSERT_EQ_STR(states(s, day(1), &t), "A:archived;B:active;");
    ASSERT_EQ_STR(states(s, day(-2), &t), "A:scheduled;B:scheduled;");
    /* The stored record: A active, B not yet. */
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM territory_models WHERE name = 'A'"
                           " AND state = 'active'"),
                  1);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM territory_models WHERE name = 'B'"
                           " AND state = 'planning'"),
                  1);
    /* A scheduled model is not editable, is not promoted twice, is not reset. */
    long rev = -1;
    ASSERT_OK(regio_store_alignment_revision(s, "B", &rev, NULL));
    regio_alignment_row mv = {0};
    mv.unit_id = "U1";
    mv.territory = "T2";
    regio_apply_status st = REGIO_APPLY_OK;
    ASSERT_EQ_INT(regio_store_alignment_apply(s, "B", rev, &mv, 1, "cli", NULL, &st, &e),
                  REGIO_ECONFLICT);
    ASSERT_EQ_INT(st, REGIO_APPLY_NOT_EDITABLE);
    ASSERT_TRUE(strstr(e.msg, "scheduled") != NULL);
    ASSERT_EQ_INT(regio_store_model_promote(s, "B", day(2), "cli", &e), REGIO_ECONFLICT);
    ASSERT_TRUE(strstr(e.msg, "already scheduled") != NULL && strstr(e.msg, day(1)) != NULL);
    ASSERT_EQ_INT(regio_store_model_reset(s, "B", "cli", &e), REGIO_ECONFLICT);
    /* Invalid days are refused. */
    ASSERT_EQ_INT(regio_store_model_find_at(s, "A", "2027-02-29", &m, &e), REGIO_EINVAL);
    ASSERT_EQ_INT(regio_store_model_list_at(s, "tomorrow", on_state, &t, &e), REGIO_EINVAL);
    ASSERT_EQ_INT(regio_store_promotions_foreach(s, "2027-1-1", on_promotion, &t, &e),
                  REGIO_EINVAL);
    /* The audit record says scheduled, with no model archived yet. */
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM audit_log WHERE action = 'model.promote'"
                           " AND object_id = 'B' AND json_extract(after, '$.state') = 'scheduled'"
                           " AND json_extract(after, '$.previous') = 'A'"
                           " AND json_extract(after, '$.archived') IS NULL"),
                  1);
    ASSERT_EQ_STR(history(s, NULL, &t), "A<-:in_force;B<A:scheduled;");
    ASSERT_EQ_STR(history(s, day(1), &t), "A<-:superseded;B<A:in_force;");
    /* The day arrives (simulated by moving B's date to today rather than
     * the clock to tomorrow): every reader sees B in force with nothing
     * written, while the stored record still says planning until the next
     * life-cycle write brings it up to date. */
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE scenario_promotions SET effective_from = '%s' WHERE model_id ="
             " (SELECT id FROM territory_models WHERE name = 'B')",
             day(0));
    ASSERT_OK(q_exec(s, sql));
    ASSERT_EQ_STR(in_force(s, day(0)), "B");
    ASSERT_OK(regio_store_model_find(s, NULL, &m, &e));
    ASSERT_EQ_STR(m.name, "B");
    regio_model_info_clear(&m);
    ASSERT_EQ_STR(states(s, NULL, &t), "A:archived;B:active;");
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM territory_models WHERE name = 'B'"
                           " AND state = 'planning'"),
                  1);
    ASSERT_OK(regio_store_model_clone(s, "A", "C", NULL, "cli", NULL, &e));
    ASSERT_OK(regio_store_model_archive(s, "C", "cli", &e));
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM territory_models WHERE"
                           " (name = 'B' AND state = 'active') OR (name = 'A' AND state = 'archived')"),
                  2);
    done_with(s);
}

/* A later promotion replaces the scheduled ones of its date or later; the
 * timeline keeps those before it. */
static void test_replace(void)
{
    regio_store *s = fixture();
    regio_error e;
    text t;
    ASSERT_OK(regio_store_model_promote(s, "A", day(-1), "cli", &e));
    const char *names[] = {"B", "C", "D", "E"};
    for (int i = 0; i < 4; i++)
        ASSERT_OK(regio_store_model_clone(s, "A", names[i], NULL, "cli", NULL, &e));
    ASSERT_OK(regio_store_model_promote(s, "B", day(1), "cli", &e));
    ASSERT_OK(regio_store_model_promote(s, "C", day(10), "cli", &e));
    ASSERT_EQ_STR(states(s, NULL, &t), "A:active;B:scheduled;C:scheduled;D:planning;E:planning;");
    ASSERT_EQ_STR(states(s, day(5), &t), "A:archived;B:active;C:scheduled;D:planning;E:planning;");
    ASSERT_EQ_STR(in_force(s, day(10)), "C");
    /* D for the same day as C replaces C. */
    ASSERT_OK(regio_store_model_promote(s, "D", day(10), "cli", &e));
    ASSERT_EQ_STR(in_force(s, day(10)), "D");
    ASSERT_EQ_INT(state_at(s, "C", NULL), REGIO_MODEL_ARCHIVED);
    ASSERT_EQ_INT(state_at(s, "C", day(20)), REGIO_MODEL_ARCHIVED);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM audit_log WHERE action = 'model.promote'"
                           " AND object_id = 'D'"
                           " AND json_extract(after, '$.replaced[0].model') = 'C'"),
                  1);
    /* E for an earlier day than D (after B) replaces D; B stays. */
    ASSERT_OK(regio_store_model_promote(s, "E", day(5), "cli", &e));
    ASSERT_EQ_STR(in_force(s, day(0)), "A");
    ASSERT_EQ_STR(in_force(s, day(1)), "B");
    ASSERT_EQ_STR(in_force(s, day(5)), "E");
    ASSERT_EQ_STR(in_force(s, day(10)), "E");
    /* previous: the model in force the day before, as the timeline stands. */
    ASSERT_EQ_STR(history(s, NULL, &t),
                  "A<-:in_force;B<A:scheduled;C<E:withdrawn;D<E:withdrawn;E<B:scheduled;");
    /* Withdrawn models are archived for good: never promoted again. */
    ASSERT_EQ_INT(regio_store_model_promote(s, "C", day(30), "cli", &e), REGIO_ECONFLICT);
    ASSERT_TRUE(strstr(e.msg, "archived") != NULL);
    /* A promotion dated before the model in force took effect is refused
     * and changes nothing. */
    ASSERT_OK(regio_store_model_clone(s, "A", "F", NULL, "cli", NULL, &e));
    long long n = q_int(s, "SELECT COUNT(*) FROM scenario_promotions");
    ASSERT_EQ_INT(regio_store_model_promote(s, "F", day(-2), "cli", &e), REGIO_ECONFLICT);
    ASSERT_TRUE(strstr(e.msg, "would rewrite what was in force") != NULL);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM scenario_promotions"), n);
    /* Nor from the past day A took effect: that would erase A. */
    ASSERT_EQ_INT(regio_store_model_promote(s, "F", day(-1), "cli", &e), REGIO_ECONFLICT);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM scenario_promotions"), n);
    ASSERT_EQ_INT(state_at(s, "F", NULL), REGIO_MODEL_PLANNING);
    /* Today or a past day since A's: at once, and every scheduled one goes. */
    ASSERT_OK(regio_store_model_promote(s, "F", day(0), "cli", &e));
    ASSERT_EQ_STR(states(s, NULL, &t),
                  "A:archived;B:archived;C:archived;D:archived;E:archived;F:active;");
    ASSERT_EQ_STR(in_force(s, day(30)), "F");
    ASSERT_EQ_STR(in_force(s, day(-1)), "A");
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM territory_models WHERE state = 'active'"), 1);
    done_with(s);
}

/* Archiving a scheduled model cancels it; archiving the model in force ends
 * it today (history kept); a model created active without a promotion. */
static void test_archive(void)
{
    regio_store *s = fixture();
    regio_error e;
    text t;
    ASSERT_OK(regio_store_model_promote(s, "A", day(-3), "cli", &e));
    ASSERT_OK(regio_store_model_clone(s, "A", "B", NULL, "cli", NULL, &e));
    ASSERT_OK(regio_store_model_clone(s, "A", "C", NULL, "cli", NULL, &e));
    ASSERT_OK(regio_store_model_promote(s, "B", day(2), "cli", &e));
    ASSERT_OK(regio_store_model_promote(s, "C", day(4), "cli", &e));
    ASSERT_OK(regio_store_model_archive(s, "B", "cli", &e));
    ASSERT_EQ_STR(in_force(s, day(2)), "A");
    ASSERT_EQ_STR(in_force(s, day(4)), "C");
    ASSERT_EQ_INT(state_at(s, "B", day(2)), REGIO_MODEL_ARCHIVED);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM audit_log WHERE action = 'model.archive'"
                           " AND object_id = 'B' AND json_extract(before, '$.state') = 'scheduled'"),
                  1);
    /* The model in force archived: from today nothing until C. */
    ASSERT_OK(regio_store_model_archive(s, "A", "cli", &e));
    ASSERT_EQ_STR(in_force(s, day(0)), "-");
    ASSERT_EQ_STR(in_force(s, day(-1)), "A");
    ASSERT_EQ_STR(in_force(s, day(4)), "C");
    ASSERT_EQ_STR(states(s, day(-1), &t), "A:active;B:archived;C:scheduled;");
    ASSERT_EQ_STR(history(s, NULL, &t), "A<-:ended;B<-:withdrawn;C<-:scheduled;");
    ASSERT_EQ_INT(regio_store_model_find(s, NULL, &(regio_model_info){0}, &e), REGIO_ENOTFOUND);
    ASSERT_EQ_INT(regio_store_model_archive(s, "A", "cli", &e), REGIO_ECONFLICT);
    done_with(s);

    /* Created active (no promotion of its own), as imports and old stores have it. */
    s = open_fresh(&e);
    ASSERT_TRUE(s != NULL);
    ASSERT_OK(regio_store_model_create(s, "OLD", REGIO_MODEL_ACTIVE, NULL, NULL, NULL, NULL, &e));
    ASSERT_OK(regio_store_model_create(s, "NEW", REGIO_MODEL_PLANNING, NULL, NULL, NULL, NULL, &e));
    ASSERT_EQ_STR(in_force(s, "1999-01-01"), "OLD");
    ASSERT_OK(regio_store_model_promote(s, "NEW", day(3), "cli", &e));
    ASSERT_EQ_STR(in_force(s, day(0)), "OLD");
    ASSERT_EQ_STR(in_force(s, day(3)), "NEW");
    ASSERT_EQ_INT(regio_store_model_archive(s, "OLD", "cli", &e), REGIO_ECONFLICT);
    ASSERT_TRUE(strstr(e.msg, "takes over") != NULL);
    ASSERT_EQ_STR(history(s, NULL, &t), "NEW<OLD:scheduled;");
    done_with(s);
}

/* ---- rollback -------------------------------------------------------------------- */

static int count_members(void *ud, const regio_membership_info *m)
{
    (void)m;
    (*(int *)ud)++;
    return 0;
}

static void test_rollback(void)
{
    regio_store *s = fixture();
    regio_error e;
    text t;
    char *name = NULL;
    /* Nothing in force; then A without a previous model. */
    ASSERT_EQ_INT(regio_store_model_rollback(s, NULL, NULL, "cli", &name, &e), REGIO_ENOTFOUND);
    ASSERT_OK(regio_store_model_promote(s, "A", day(-10), "cli", &e));
    ASSERT_EQ_INT(regio_store_model_rollback(s, NULL, NULL, "cli", &name, &e), REGIO_ECONFLICT);
    ASSERT_TRUE(name == NULL);
    ASSERT_OK(regio_store_model_clone(s, "A", "B", NULL, "cli", NULL, &e));
    ASSERT_OK(regio_store_alignment_set(s, "B", "U2", "T2", NULL));
    ASSERT_OK(regio_store_model_promote(s, "B", day(-2), "cli", &e));
    /* Roll back today: a clone of A (its alignment and memberships), A stays archived. */
    ASSERT_OK(regio_store_model_rollback(s, NULL, NULL, "cli", &name, &e));
    char expect[64];
    snprintf(expect, sizeof expect, "A-rollback-%s", day(0));
    ASSERT_EQ_STR(name, expect);
    ASSERT_EQ_STR(in_force(s, day(0)), expect);
    ASSERT_EQ_STR(in_force(s, day(-1)), "B");
    ASSERT_EQ_INT(state_at(s, "A", NULL), REGIO_MODEL_ARCHIVED);
    ASSERT_EQ_INT(state_at(s, "B", NULL), REGIO_MODEL_ARCHIVED);
    regio_model_info m;
    ASSERT_OK(regio_store_model_find(s, name, &m, &e));
    ASSERT_EQ_STR(m.parent, "A");
    regio_model_info_clear(&m);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM alignments al JOIN territory_models m"
                           " ON m.id = al.model_id JOIN units u ON u.id = al.unit_id"
                           " JOIN territories t ON t.id = al.territory_id"
                           " WHERE m.name LIKE 'A-rollback-%' AND u.ext_id = 'U2'"
                           " AND t.ext_id = 'T1'"),
                  1);
    int members = 0;
    ASSERT_OK(regio_store_memberships_foreach(s, name, count_members, &members, &e));
    ASSERT_EQ_INT(members, 1);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM audit_log WHERE action = 'model.rollback'"
                           " AND json_extract(before, '$.in_force') = 'B'"
                           " AND json_extract(after, '$.clone_of') = 'A'"
                           " AND json_extract(after, '$.state') = 'active'"
                           " AND CAST(json_extract(after, '$.memberships') AS INTEGER) = 1"),
                  1);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM scenario_promotions"
                           " WHERE note = 'rollback to ''A''' AND actor = 'cli'"),
                  1);
    regio_free(name);
    name = NULL;
    /* A dated rollback is scheduled like any promotion; a taken default
     * name gets a number; a given name is used. */
    char rb[64];
    snprintf(rb, sizeof rb, "A-rollback-%s", day(0));
    ASSERT_OK(regio_store_model_rollback(s, day(3), NULL, "cli", &name, &e));
    snprintf(expect, sizeof expect, "B-rollback-%s", day(3));
    ASSERT_EQ_STR(name, expect);
    ASSERT_EQ_INT(state_at(s, name, NULL), REGIO_MODEL_SCHEDULED);
    ASSERT_OK(regio_store_model_archive(s, name, "cli", &e));
    regio_free(name);
    name = NULL;
    ASSERT_OK(regio_store_model_rollback(s, day(3), NULL, "cli", &name, &e));
    snprintf(expect, sizeof expect, "B-rollback-%s-2", day(3));
    ASSERT_EQ_STR(name, expect);
    regio_free(name);
    name = NULL;
    ASSERT_EQ_INT(regio_store_model_rollback(s, day(3), "A", "cli", &name, &e), REGIO_ECONFLICT);
    ASSERT_EQ_INT(regio_store_model_rollback(s, day(3), "x/y", "cli", &name, &e), REGIO_EINVAL);
    ASSERT_EQ_INT(regio_store_model_rollback(s, "2026-02-30", NULL, "cli", &name, &e),
                  REGIO_EINVAL);
    /* Rolling back the scheduled one on its own date clones what was in
     * force the day before: the first rollback's model. */
    ASSERT_OK(regio_store_model_rollback(s, day(3), "again", "cli", &name, &e));
    ASSERT_EQ_STR(name, "again");
    regio_free(name);
    ASSERT_OK(regio_store_model_find(s, "again", &m, &e));
    ASSERT_EQ_STR(m.parent, rb);
    regio_model_info_clear(&m);
    char want[512];
    snprintf(want, sizeof want,
             "A<-:superseded;B<A:superseded;%s<B:superseded;B-rollback-%s<%s:withdrawn;"
             "B-rollback-%s-2<%s:withdrawn;again<%s:in_force;",
             rb, day(3), rb, day(3), rb, rb);
    ASSERT_EQ_STR(history(s, day(3), &t), want);
    done_with(s);
}

/* ---- two processes at once ---------------------------------------------------------- */

/* Two processes promote to one day at once (on PostgreSQL: two servers on
 * one database): the one that comes second waits for the first to commit
 * and then replaces its promotion, as if they had come one after the
 * other. Were the second to decide on what it read before the first
 * committed, both models would be scheduled for the day. */
static void test_concurrent(void)
{
    /* SQLite's writers queue on its file lock (BEGIN IMMEDIATE); and a
     * process forked from one that has the file open shares SQLite's
     * record of its locks, which this test's child would need not to. */
    if (!regio_test_pg())
        SKIP("two servers on one database are a PostgreSQL store's case");
    regio_store *s = fixture();
    regio_error e;
    ASSERT_OK(regio_store_model_promote(s, "A", day(-1), "cli", &e));
    ASSERT_OK(regio_store_model_clone(s, "A", "B", NULL, "cli", NULL, &e));
    ASSERT_OK(regio_store_model_clone(s, "A", "C", NULL, "cli", NULL, &e));
    /* The first holds its promotion of B uncommitted... */
    ASSERT_OK(regio_store_begin(s, &e));
    ASSERT_OK(regio_store_model_promote(s, "B", day(2), "cli", &e));
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* ...while the second promotes C to the same day (its own
         * connection; the parent's is left alone). */
        regio_store *t = NULL;
        regio_error ce;
        int code = regio_store_open(path, &t, &ce) != REGIO_OK ? 2
                   : regio_store_model_promote(t, "C", day(2), "other", &ce) != REGIO_OK ? 3
                                                                                          : 0;
        if (code)
            fprintf(stderr, "the second process: %s\n", ce.msg);
        regio_store_close(t);
        _exit(code);
    }
    ASSERT_TRUE(pid > 0);
    usleep(300 * 1000);
    ASSERT_OK(regio_store_commit(s, &e));
    int status = -1;
    ASSERT_TRUE(waitpid(pid, &status, 0) == pid);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ_INT(WEXITSTATUS(status), 0);
    /* C replaced B: B withdrawn and archived, one promotion for the day. */
    ASSERT_EQ_STR(in_force(s, day(2)), "C");
    ASSERT_EQ_INT(state_at(s, "B", NULL), REGIO_MODEL_ARCHIVED);
    ASSERT_EQ_INT(state_at(s, "C", NULL), REGIO_MODEL_SCHEDULED);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT COUNT(*) FROM scenario_promotions WHERE effective_from = '%s'"
             " AND withdrawn_on IS NULL",
             day(2));
    ASSERT_EQ_INT(q_int(s, sql), 1);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM audit_log WHERE action = 'model.promote'"
                           " AND object_id = 'C' AND actor = 'other'"
                           " AND json_extract(after, '$.replaced[0].model') = 'B'"),
                  1);
    done_with(s);
}

/* ---- allocation failure -------------------------------------------------------------- */

static void test_alloc_failure(void)
{
    regio_store *s = fixture();
    regio_error e;
    ASSERT_OK(regio_store_model_promote(s, "A", day(-5), "cli", &e));
    ASSERT_OK(regio_store_model_clone(s, "A", "B", NULL, "cli", NULL, &e));
    ASSERT_OK(regio_store_model_promote(s, "B", day(-1), "cli", &e));
    ASSERT_OK(regio_store_model_clone(s, "A", "C", NULL, "cli", NULL, &e));
    int ok = 0, saw_enomem = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 300 && !ok; alloc_fail_at++) {
        long long proms = q_int(s, "SELECT COUNT(*) FROM scenario_promotions");
        long long models = q_int(s, "SELECT COUNT(*) FROM territory_models");
        alloc_calls = 0;
        regio_set_allocator(&regio_test_failing);
        char *name = NULL;
        regio_err r1 = regio_store_model_promote(s, "C", day(7), "cli", &e);
        regio_err r2 = r1 ? r1 : regio_store_model_rollback(s, NULL, NULL, "cli", &name, &e);
        if (r2 == REGIO_OK && alloc_calls < alloc_fail_at)
            ok = 1;
        regio_set_allocator(NULL);
        if (r1 == REGIO_ENOMEM) {
            saw_enomem = 1;
            ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM scenario_promotions"), proms);
        } else if (r2 == REGIO_ENOMEM) {
            /* The rollback failed whole: C's promotion stays, no clone. */
            saw_enomem = 1;
            ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM scenario_promotions"), proms + 1);
            ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM territory_models"), models);
            ASSERT_OK(regio_store_model_archive(s, "C", "cli", &e));
            ASSERT_OK(regio_store_model_clone(s, "A", "C2", NULL, "cli", NULL, &e));
            /* Next round promotes C2 under the name C: rename it back. */
            q_exec(s, "UPDATE territory_models SET name = 'C' || id WHERE name = 'C';"
                      "UPDATE territory_models SET name = 'C' WHERE name = 'C2'");
        } else if (r2) {
            FAIL_AT_("alloc_fail_at %d: unexpected %s: %s", alloc_fail_at, regio_err_name(r2),
                     e.msg);
            break;
        } else if (!ok) {
            FAIL_AT_("alloc_fail_at %d: succeeded although an allocation failed", alloc_fail_at);
            break;
        }
        regio_free(name);
    }
    ASSERT_TRUE(ok);
    ASSERT_TRUE(saw_enomem);
    done_with(s);
}

int main(int argc, char **argv)
{
    /* --pg: the PostgreSQL variant (unit.test_promotions.pg), on REGIO_TEST_DB. */
    regio_test_backend(argc, argv, "test_promotions --pg");
    RUN(test_schedule);
    RUN(test_replace);
    RUN(test_archive);
    RUN(test_rollback);
    RUN(test_concurrent);
    RUN(test_alloc_failure);
    TEST_END();
}
