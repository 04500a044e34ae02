/*
 * Tests for the scenario calls of the store: cloning a model, promoting and
 * archiving, batched alignment moves and locks with their guards (state,
 * stale revision, unknown ids, locked units, all or nothing), territory
 * listing, audit records, and allocation failure.
 */
#include "regio/store.h"
#include "regio_test.h"
#include "regio_test_db.h"
#include "store/schema_sqlite.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static char path[64];

static void rm_db(void) { regio_test_db_remove(path); }

static long long q_int(regio_store *s, const char *sql)
{
    return regio_test_sql_int(regio__sqlite_handle(s), sql);
}

static int q_exec(regio_store *s, const char *sql)
{
    return sqlite3_exec(regio__sqlite_handle(s), sql, NULL, NULL, NULL);
}

/* A store with active model FY26: territories NA (root), T1 and T2 under
 * NA, T3 (root); units U1..U4 (U1, U2 -> T1, U3 -> T2, U4 unaligned);
 * accounts A1, A2; A1 moved by hand to T1; U2 locked. */
static regio_store *fixture(void)
{
    regio_test_db_path(path, sizeof path, "scen");
    regio_store *s = NULL;
    regio_error e;
    if (regio_store_open(path, &s, &e) != REGIO_OK) {
        FAIL_AT_("open: %s", e.msg);
        return NULL;
    }
    ASSERT_OK(regio_store_model_create(s, "FY26", REGIO_MODEL_ACTIVE, "2026-01-01", NULL,
                                       "current", NULL, NULL));
    ASSERT_OK(regio_store_territory_upsert(s, NULL, "NA", "North America", NULL, NULL));
    ASSERT_OK(regio_store_territory_upsert(s, NULL, "T1", "One", "NA", NULL));
    ASSERT_OK(regio_store_territory_upsert(s, NULL, "T2", "Two", "NA", NULL));
    ASSERT_OK(regio_store_territory_upsert(s, NULL, "T3", "Three", NULL, NULL));
    ASSERT_OK(q_exec(s, "INSERT INTO territory_types(name, priority) VALUES ('geo', 1)"));
    ASSERT_OK(q_exec(s, "UPDATE territories SET type_id = 1, account_access = 'edit'"
                        " WHERE ext_id = 'T2'"));
    const char *uids[] = {"U1", "U2", "U3", "U4"};
    for (int i = 0; i < 4; i++) {
        regio_unit u;
        regio_unit_init(&u);
        u.id = (char *)uids[i];
        u.lat = 40 + i;
        u.lon = -100;
        ASSERT_OK(regio_store_unit_upsert(s, &u, NULL, NULL));
    }
    const char *aids[] = {"A1", "A2"};
    for (int i = 0; i < 2; i++) {
        regio_account a;
        regio_account_init(&a);
        a.id = (char *)aids[i];
        ASSERT_OK(regio_store_account_upsert(s, &a, NULL, NULL));
    }
    ASSERT_OK(regio_store_alignment_set(s, NULL, "U1", "T1", NULL));
    ASSERT_OK(regio_store_alignment_set(s, NULL, "U2", "T1", NULL));
    ASSERT_OK(regio_store_alignment_set(s, NULL, "U3", "T2", NULL));
    ASSERT_OK(q_exec(s, "UPDATE alignments SET locked = 1 WHERE unit_id ="
                        " (SELECT id FROM units WHERE ext_id = 'U2')"));
    ASSERT_OK(q_exec(s, "INSERT INTO account_territories(account_id, territory_id, cause)"
                        " SELECT a.id, t.id, 'geo' FROM accounts a, territories t"
                        " WHERE a.ext_id = 'A1' AND t.ext_id = 'T1'"));
    return s;
}

static void done_with(regio_store *s)
{
    long bad = -1;
    ASSERT_OK(regio_store_audit_verify(s, &bad, NULL));
    regio_store_close(s);
    rm_db();
}

typedef struct text {
    char v[1024];
    size_t len;
} text;

static void addf(text *t, const char *fmt, const char *a, const char *b, const char *c)
{
    int n = snprintf(t->v + t->len, sizeof t->v - t->len, fmt, a, b, c);
    if (n > 0 && (size_t)n < sizeof t->v - t->len)
        t->len += (size_t)n;
}

static int align_cb(void *ud, const regio_alignment_row *r)
{
    addf(ud, "%s>%s%s;", r->unit_id ? r->unit_id : r->account_id, r->territory,
         r->locked ? "!" : "");
    return 0;
}

static void alignment_text(regio_store *s, const char *model, text *t)
{
    memset(t, 0, sizeof *t);
    ASSERT_OK(regio_store_alignment_foreach(s, model, align_cb, t, NULL));
}

static int terr_cb(void *ud, const regio_territory_info *ti)
{
    addf(ud, "%s(%s)", ti->id, ti->name ? ti->name : "-", NULL);
    addf(ud, "<%s:%s;", ti->parent ? ti->parent : "-", ti->type ? ti->type : "-", NULL);
    return 0;
}

static int stop_cb(void *ud, const regio_territory_info *ti)
{
    (void)ti;
    return ++*(int *)ud >= 2;
}

static long rev_of(regio_store *s, const char *model)
{
    long r = -1;
    ASSERT_OK(regio_store_alignment_revision(s, model, &r, NULL));
    return r;
}

static regio_alignment_row urow(const char *unit, const char *terr)
{
    regio_alignment_row r = {0};
    r.unit_id = (char *)unit;
    r.territory = (char *)terr;
    return r;
}

static regio_alignment_row arow(const char *acc, const char *terr)
{
    regio_alignment_row r = {0};
    r.account_id = (char *)acc;
    r.territory = (char *)terr;
    return r;
}

/* ---- clone and territories ------------------------------------------------------ */

static void test_clone(void)
{
    regio_store *s = fixture();
    regio_error e;
    long id = 0;
    text fy, t;
    alignment_text(s, "FY26", &fy);
    ASSERT_EQ_STR(fy.v, "U1>T1;U2>T1!;U3>T2;A1>T1;");
    ASSERT_OK(regio_store_model_clone(s, "FY26", "S1", "what-if", "ana", &id, &e));
    ASSERT_TRUE(id > 0);
    regio_model_info m;
    ASSERT_OK(regio_store_model_find(s, "S1", &m, NULL));
    ASSERT_EQ_INT(m.state, REGIO_MODEL_PLANNING);
    ASSERT_EQ_STR(m.parent, "FY26");
    ASSERT_EQ_STR(m.description, "what-if");
    ASSERT_TRUE(m.effective_from == NULL);
    ASSERT_EQ_INT(m.id, id);
    regio_model_info_clear(&m);
    /* Same alignment, locks and manual associations; the source is untouched. */
    alignment_text(s, "S1", &t);
    ASSERT_EQ_STR(t.v, fy.v);
    alignment_text(s, "FY26", &t);
    ASSERT_EQ_STR(t.v, fy.v);
    /* Same hierarchy, names and types, now inside the clone. */
    text a = {{0}, 0}, b = {{0}, 0};
    ASSERT_OK(regio_store_territories_foreach(s, "FY26", terr_cb, &a, NULL));
    ASSERT_OK(regio_store_territories_foreach(s, "S1", terr_cb, &b, NULL));
    ASSERT_EQ_STR(a.v, "NA(North America)<-:-;T1(One)<NA:-;T2(Two)<NA:geo;T3(Three)<-:-;");
    ASSERT_EQ_STR(b.v, a.v);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM territories t JOIN territory_models m"
                           " ON m.id = t.model_id JOIN territories p ON p.id = t.parent_id"
                           " WHERE m.name = 'S1' AND p.model_id <> t.model_id"),
                  0);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM territories t JOIN territory_models m"
                           " ON m.id = t.model_id WHERE m.name = 'S1'"
                           " AND t.account_access = 'edit' AND t.ext_id = 'T2'"),
                  1);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM audit_log WHERE action = 'model.clone'"
                           " AND object_id = 'S1' AND actor = 'ana'"),
                  1);
    /* A clone of a clone works too; errors change nothing. */
    ASSERT_OK(regio_store_model_clone(s, "S1", "S2", NULL, NULL, NULL, NULL));
    ASSERT_EQ_INT(regio_store_model_clone(s, "FY26", "S1", NULL, NULL, NULL, &e), REGIO_ECONFLICT);
    ASSERT_TRUE(strstr(e.msg, "already exists") != NULL);
    ASSERT_EQ_INT(regio_store_model_clone(s, "nope", "S3", NULL, NULL, NULL, &e),
                  REGIO_ENOTFOUND);
    ASSERT_TRUE(strstr(e.msg, "nope") != NULL);
    ASSERT_EQ_INT(regio_store_model_clone(s, "FY26", "", NULL, NULL, NULL, &e), REGIO_EINVAL);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM territory_models"), 3);
    /* Territories: unknown model, stop from the callback. */
    ASSERT_EQ_INT(regio_store_territories_foreach(s, "nope", terr_cb, &a, &e), REGIO_ENOTFOUND);
    int calls = 0;
    ASSERT_EQ_INT(regio_store_territories_foreach(s, "S1", stop_cb, &calls, &e),
                  REGIO_ECANCELLED);
    ASSERT_EQ_INT(calls, 2);
    done_with(s);
}

/* ---- moves ------------------------------------------------------------------------ */

static void test_apply(void)
{
    regio_store *s = fixture();
    ASSERT_OK(regio_store_model_clone(s, "FY26", "S1", NULL, NULL, NULL, NULL));
    regio_error e;
    regio_apply_status st = REGIO_APPLY_ERROR;
    long r0 = rev_of(s, "S1"), nr = -7;
    text t, before;
    long audits = (long)q_int(s, "SELECT COUNT(*) FROM audit_log");

    regio_alignment_row mv[3] = {urow("U1", "T2"), arow("A1", "T3"), urow("U4", "T3")};
    ASSERT_OK(regio_store_alignment_apply(s, "S1", r0, mv, 3, "ana", &nr, &st, &e));
    ASSERT_EQ_INT(st, REGIO_APPLY_OK);
    ASSERT_EQ_INT(nr, r0 + 1);
    ASSERT_EQ_INT(rev_of(s, "S1"), r0 + 1); /* exactly one bump for the batch */
    alignment_text(s, "S1", &t);
    ASSERT_EQ_STR(t.v, "U1>T2;U2>T1!;U3>T2;U4>T3;A1>T3;");
    alignment_text(s, "FY26", &t);
    ASSERT_EQ_STR(t.v, "U1>T1;U2>T1!;U3>T2;A1>T1;");
    /* One audit record with before and after. */
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM audit_log"), audits + 1);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM audit_log WHERE action = 'alignment.apply'"
                           " AND object_id = 'S1' AND actor = 'ana'"
                           " AND json_extract(before, '$.moves[0].territory') = 'T1'"
                           " AND json_extract(after, '$.moves[0].territory') = 'T2'"
                           " AND json_extract(before, '$.moves[2].territory') IS NULL"
                           " AND json_extract(after, '$.moves[1].account') = 'A1'"),
                  1);
    long r1 = r0 + 1;
    alignment_text(s, "S1", &before);

    /* Stale revision: refused, nothing changes, the current revision is told. */
    regio_alignment_row back = urow("U1", "T1");
    nr = -7;
    ASSERT_EQ_INT(regio_store_alignment_apply(s, "S1", r0, &back, 1, NULL, &nr, &st, &e),
                  REGIO_ECONFLICT);
    ASSERT_EQ_INT(st, REGIO_APPLY_STALE);
    ASSERT_EQ_INT(nr, r1);
    ASSERT_TRUE(strstr(e.msg, "stale revision") != NULL);
    char cur[64];
    snprintf(cur, sizeof cur, "current revision is %ld", r1);
    ASSERT_TRUE(strstr(e.msg, cur) != NULL);
    ASSERT_EQ_INT(rev_of(s, "S1"), r1);
    alignment_text(s, "S1", &t);
    ASSERT_EQ_STR(t.v, before.v);

    /* All or nothing: a bad row after a good one undoes the good one. */
    regio_alignment_row bad[2] = {urow("U1", "T1"), urow("U9", "T1")};
    ASSERT_EQ_INT(regio_store_alignment_apply(s, "S1", r1, bad, 2, NULL, &nr, &st, &e),
                  REGIO_EDATA);
    ASSERT_EQ_INT(st, REGIO_APPLY_UNKNOWN);
    ASSERT_TRUE(strstr(e.msg, "unknown unit 'U9'") != NULL);
    bad[1] = urow("U3", "T9");
    ASSERT_EQ_INT(regio_store_alignment_apply(s, "S1", r1, bad, 2, NULL, &nr, &st, &e),
                  REGIO_EDATA);
    ASSERT_EQ_INT(st, REGIO_APPLY_UNKNOWN);
    ASSERT_TRUE(strstr(e.msg, "unknown territory 'T9'") != NULL);
    bad[1] = arow("A9", "T1");
    ASSERT_EQ_INT(regio_store_alignment_apply(s, "S1", r1, bad, 2, NULL, &nr, &st, &e),
                  REGIO_EDATA);
    ASSERT_TRUE(strstr(e.msg, "unknown account 'A9'") != NULL);
    bad[1] = arow("A2", "T9");
    ASSERT_EQ_INT(regio_store_alignment_apply(s, "S1", r1, bad, 2, NULL, &nr, &st, &e),
                  REGIO_EDATA);
    ASSERT_TRUE(strstr(e.msg, "T9") != NULL);
    bad[1] = urow("U3", "T1");
    bad[1].account_id = "A1"; /* both ids */
    ASSERT_EQ_INT(regio_store_alignment_apply(s, "S1", r1, bad, 2, NULL, &nr, &st, &e),
                  REGIO_EINVAL);
    ASSERT_EQ_INT(st, REGIO_APPLY_INVALID);
    ASSERT_EQ_INT(regio_store_alignment_apply(s, "S1", r1, NULL, 2, NULL, &nr, &st, &e),
                  REGIO_EINVAL);
    ASSERT_EQ_INT(st, REGIO_APPLY_INVALID);
    /* Locked unit: refused unless it stays where it is. */
    bad[1] = urow("U2", "T3");
    ASSERT_EQ_INT(regio_store_alignment_apply(s, "S1", r1, bad, 2, NULL, &nr, &st, &e),
                  REGIO_ECONFLICT);
    ASSERT_EQ_INT(st, REGIO_APPLY_LOCKED);
    ASSERT_TRUE(strstr(e.msg, "locked") != NULL && strstr(e.msg, "U2") != NULL);
    ASSERT_EQ_INT(rev_of(s, "S1"), r1);
    alignment_text(s, "S1", &t);
    ASSERT_EQ_STR(t.v, before.v);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM audit_log"), audits + 1);

    /* Model guards. */
    ASSERT_EQ_INT(regio_store_alignment_apply(s, "nope", 0, &back, 1, NULL, &nr, &st, &e),
                  REGIO_ENOTFOUND);
    ASSERT_EQ_INT(st, REGIO_APPLY_NOT_FOUND);
    ASSERT_EQ_INT(nr, -1);
    long fy = rev_of(s, "FY26");
    ASSERT_EQ_INT(regio_store_alignment_apply(s, "FY26", fy, &back, 1, NULL, &nr, &st, &e),
                  REGIO_ECONFLICT);
    ASSERT_EQ_INT(st, REGIO_APPLY_NOT_EDITABLE);
    ASSERT_TRUE(strstr(e.msg, "not editable") != NULL);
    ASSERT_EQ_INT(nr, fy);
    ASSERT_EQ_INT(regio_store_alignment_apply(s, NULL, fy, &back, 1, NULL, &nr, &st, &e),
                  REGIO_ECONFLICT);

    /* The locked unit may stay; the account's manual association is replaced,
     * NULL territory removes unit alignments and account associations. */
    regio_alignment_row ok[4] = {urow("U2", "T1"), arow("A1", "T1"), urow("U4", NULL),
                                 arow("A2", "T2")};
    ASSERT_OK(regio_store_alignment_apply(s, "S1", r1, ok, 4, NULL, &nr, &st, &e));
    ASSERT_EQ_INT(nr, r1 + 1);
    alignment_text(s, "S1", &t);
    ASSERT_EQ_STR(t.v, "U1>T2;U2>T1!;U3>T2;A1>T1;A2>T2;");
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM account_territories at JOIN territories t"
                           " ON t.id = at.territory_id JOIN territory_models m"
                           " ON m.id = t.model_id WHERE m.name = 'S1'"),
                  2);
    regio_alignment_row rm = arow("A2", NULL);
    ASSERT_OK(regio_store_alignment_apply(s, "S1", r1 + 1, &rm, 1, NULL, &nr, NULL, NULL));
    alignment_text(s, "S1", &t);
    ASSERT_EQ_STR(t.v, "U1>T2;U2>T1!;U3>T2;A1>T1;");
    /* An empty batch checks the guards and changes nothing. */
    ASSERT_OK(regio_store_alignment_apply(s, "S1", r1 + 2, NULL, 0, NULL, &nr, &st, &e));
    ASSERT_EQ_INT(nr, r1 + 2);
    ASSERT_EQ_INT(regio_store_alignment_apply(s, "S1", r1, NULL, 0, NULL, &nr, &st, &e),
                  REGIO_ECONFLICT);
    /* Inside a caller's transaction the batch is a savepoint. */
    ASSERT_OK(regio_store_begin(s, NULL));
    regio_alignment_row mv2 = urow("U3", "T3");
    ASSERT_OK(regio_store_alignment_apply(s, "S1", r1 + 2, &mv2, 1, NULL, &nr, &st, &e));
    ASSERT_OK(regio_store_rollback(s, NULL));
    ASSERT_EQ_INT(rev_of(s, "S1"), r1 + 2);
    done_with(s);
}

/* ---- locks ------------------------------------------------------------------------- */

static void test_lock(void)
{
    regio_store *s = fixture();
    ASSERT_OK(regio_store_model_clone(s, "FY26", "S1", NULL, NULL, NULL, NULL));
    regio_error e;
    regio_apply_status st;
    long r0 = rev_of(s, "S1"), nr = 0;
    text t;
    const char *lk[] = {"U1", "U3"};
    ASSERT_OK(regio_store_alignment_lock(s, "S1", r0, lk, 2, 1, "bo", &nr, &st, &e));
    ASSERT_EQ_INT(st, REGIO_APPLY_OK);
    ASSERT_EQ_INT(nr, r0 + 1);
    alignment_text(s, "S1", &t);
    ASSERT_EQ_STR(t.v, "U1>T1!;U2>T1!;U3>T2!;A1>T1;");
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM audit_log WHERE action = 'alignment.lock'"
                           " AND json_extract(after, '$.units[1].locked') = 1"
                           " AND json_extract(before, '$.units[1].locked') = 0"),
                  1);
    regio_alignment_row mv = urow("U1", "T2");
    ASSERT_EQ_INT(regio_store_alignment_apply(s, "S1", r0 + 1, &mv, 1, NULL, &nr, &st, &e),
                  REGIO_ECONFLICT);
    ASSERT_EQ_INT(st, REGIO_APPLY_LOCKED);
    /* Stale, unknown, unaligned, not editable: nothing changes. */
    const char *ul[] = {"U2", "U1"};
    ASSERT_EQ_INT(regio_store_alignment_lock(s, "S1", r0, ul, 2, 0, NULL, &nr, &st, &e),
                  REGIO_ECONFLICT);
    ASSERT_EQ_INT(st, REGIO_APPLY_STALE);
    ASSERT_EQ_INT(nr, r0 + 1);
    ASSERT_TRUE(strstr(e.msg, "stale revision") != NULL);
    const char *unk[] = {"U2", "U9"};
    ASSERT_EQ_INT(regio_store_alignment_lock(s, "S1", r0 + 1, unk, 2, 0, NULL, &nr, &st, &e),
                  REGIO_EDATA);
    ASSERT_EQ_INT(st, REGIO_APPLY_UNKNOWN);
    ASSERT_TRUE(strstr(e.msg, "U9") != NULL);
    const char *unal[] = {"U2", "U4"};
    ASSERT_EQ_INT(regio_store_alignment_lock(s, "S1", r0 + 1, unal, 2, 0, NULL, &nr, &st, &e),
                  REGIO_EDATA);
    ASSERT_TRUE(strstr(e.msg, "U4") != NULL && strstr(e.msg, "not aligned") != NULL);
    const char *noid[] = {"U2", ""};
    ASSERT_EQ_INT(regio_store_alignment_lock(s, "S1", r0 + 1, noid, 2, 0, NULL, &nr, &st, &e),
                  REGIO_EINVAL);
    ASSERT_EQ_INT(regio_store_alignment_lock(s, "FY26", rev_of(s, "FY26"), ul, 2, 0, NULL, &nr,
                                             &st, &e),
                  REGIO_ECONFLICT);
    ASSERT_EQ_INT(st, REGIO_APPLY_NOT_EDITABLE);
    ASSERT_EQ_INT(regio_store_alignment_lock(s, "nope", 0, ul, 2, 0, NULL, &nr, &st, &e),
                  REGIO_ENOTFOUND);
    ASSERT_EQ_INT(st, REGIO_APPLY_NOT_FOUND);
    ASSERT_EQ_INT(rev_of(s, "S1"), r0 + 1);
    alignment_text(s, "S1", &t);
    ASSERT_EQ_STR(t.v, "U1>T1!;U2>T1!;U3>T2!;A1>T1;");
    /* Unlock, then the move goes through. */
    ASSERT_OK(regio_store_alignment_lock(s, "S1", r0 + 1, ul, 2, 0, NULL, &nr, &st, &e));
    ASSERT_OK(regio_store_alignment_apply(s, "S1", r0 + 2, &mv, 1, NULL, &nr, &st, &e));
    alignment_text(s, "S1", &t);
    ASSERT_EQ_STR(t.v, "U1>T2;U2>T1;U3>T2!;A1>T1;");
    ASSERT_EQ_INT(nr, r0 + 3);
    done_with(s);
}

/* ---- life cycle ------------------------------------------------------------------ */

static void test_promote_archive(void)
{
    regio_store *s = fixture();
    regio_error e;
    ASSERT_OK(regio_store_model_clone(s, "FY26", "FY27", NULL, NULL, NULL, NULL));
    ASSERT_OK(regio_store_model_clone(s, "FY26", "ALT", NULL, NULL, NULL, NULL));
    ASSERT_OK(q_exec(s, "INSERT INTO users(login) VALUES ('ana')"));
    const char *bad_dates[] = {"2027-02-29", "2027/01/01", "27-01-01", "2027-13-01", "", NULL};
    for (int i = 0; i < 6; i++) {
        ASSERT_EQ_INT(regio_store_model_promote(s, "FY27", bad_dates[i], "ana", &e),
                      REGIO_EINVAL);
    }
    ASSERT_EQ_INT(regio_store_model_promote(s, "nope", "2027-01-01", "ana", &e), REGIO_ENOTFOUND);
    /* A past date: active at once (test_promotions covers dates ahead). */
    ASSERT_OK(regio_store_model_promote(s, "FY27", "2026-07-01", "ana", &e));
    regio_model_info m;
    ASSERT_OK(regio_store_model_find(s, NULL, &m, NULL));
    ASSERT_EQ_STR(m.name, "FY27");
    ASSERT_EQ_STR(m.effective_from, "2026-07-01");
    regio_model_info_clear(&m);
    ASSERT_OK(regio_store_model_find(s, "FY26", &m, NULL));
    ASSERT_EQ_INT(m.state, REGIO_MODEL_ARCHIVED);
    regio_model_info_clear(&m);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM scenario_promotions p"
                           " JOIN territory_models a ON a.id = p.model_id"
                           " JOIN territory_models b ON b.id = p.previous_model_id"
                           " JOIN users u ON u.id = p.promoted_by"
                           " WHERE a.name = 'FY27' AND b.name = 'FY26' AND u.login = 'ana'"
                           " AND p.effective_from = '2026-07-01'"),
                  1);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM audit_log WHERE action = 'model.promote'"
                           " AND json_extract(after, '$.archived') = 'FY26'"),
                  1);
    /* Archived never becomes active again; active cannot be promoted twice. */
    ASSERT_EQ_INT(regio_store_model_promote(s, "FY26", "2029-01-01", NULL, &e), REGIO_ECONFLICT);
    ASSERT_TRUE(strstr(e.msg, "archived") != NULL && strstr(e.msg, "clone") != NULL);
    ASSERT_EQ_INT(regio_store_model_promote(s, "FY27", "2029-01-01", NULL, &e), REGIO_ECONFLICT);
    ASSERT_TRUE(strstr(e.msg, "already active") != NULL);
    /* Archive the active one: it stops being in force today, and nothing
     * is in force until ALT, promoted from today, takes over from it. */
    ASSERT_OK(regio_store_model_archive(s, "FY27", "ana", &e));
    ASSERT_EQ_INT(regio_store_model_archive(s, "FY27", "ana", &e), REGIO_ECONFLICT);
    ASSERT_TRUE(strstr(e.msg, "already archived") != NULL);
    ASSERT_EQ_INT(regio_store_model_archive(s, "nope", "ana", &e), REGIO_ENOTFOUND);
    ASSERT_EQ_INT(regio_store_model_find(s, NULL, &m, &e), REGIO_ENOTFOUND);
    char today[16];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    ASSERT_OK(regio_store_model_promote(s, "ALT", today, NULL, &e));
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM scenario_promotions p"
                           " JOIN territory_models a ON a.id = p.model_id"
                           " JOIN territory_models b ON b.id = p.previous_model_id"
                           " WHERE a.name = 'ALT' AND b.name = 'FY27'"),
                  1);
    /* A planning model can be archived directly; an archived clone source still clones. */
    ASSERT_OK(regio_store_model_clone(s, "FY26", "FY28", NULL, NULL, NULL, NULL));
    ASSERT_OK(regio_store_model_archive(s, "FY28", NULL, &e));
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM territory_models WHERE state = 'archived'"), 3);
    ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM territory_models WHERE state = 'active'"), 1);
    done_with(s);
}

/* ---- allocation failure ---------------------------------------------------------------- */

static void test_alloc_failure(void)
{
    regio_store *s = fixture();
    ASSERT_OK(regio_store_model_clone(s, "FY26", "S1", NULL, NULL, NULL, NULL));
    long r0 = rev_of(s, "S1");
    text before;
    alignment_text(s, "S1", &before);
    regio_alignment_row mv[2] = {urow("U1", "T3"), arow("A1", "T2")};
    int ok = 0, saw_enomem = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 200 && !ok; alloc_fail_at++) {
        alloc_calls = 0;
        regio_set_allocator(&regio_test_failing);
        regio_error e;
        long nr = 0;
        regio_err rc = regio_store_alignment_apply(s, "S1", r0, mv, 2, "ana", &nr, NULL, &e);
        if (rc == REGIO_OK && alloc_calls < alloc_fail_at)
            ok = 1;
        regio_set_allocator(NULL);
        if (rc == REGIO_ENOMEM) {
            saw_enomem = 1;
            text t;
            alignment_text(s, "S1", &t);
            ASSERT_EQ_STR(t.v, before.v);
            ASSERT_EQ_INT(rev_of(s, "S1"), r0);
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
    ASSERT_EQ_INT(rev_of(s, "S1"), r0 + 1);
    /* Clone under failing allocations: a failure leaves no model behind. */
    ok = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 200 && !ok; alloc_fail_at++) {
        alloc_calls = 0;
        regio_set_allocator(&regio_test_failing);
        regio_error e;
        regio_err rc = regio_store_model_clone(s, "S1", "C", NULL, "ana", NULL, &e);
        if (rc == REGIO_OK && alloc_calls < alloc_fail_at)
            ok = 1;
        regio_set_allocator(NULL);
        if (rc == REGIO_ENOMEM) {
            ASSERT_EQ_INT(q_int(s, "SELECT COUNT(*) FROM territory_models WHERE name = 'C'"), 0);
        } else if (rc) {
            FAIL_AT_("alloc_fail_at %d: unexpected %s: %s", alloc_fail_at, regio_err_name(rc),
                     e.msg);
            break;
        }
    }
    ASSERT_TRUE(ok);
    text t;
    alignment_text(s, "C", &t);
    ASSERT_EQ_STR(t.v, "U1>T3;U2>T1!;U3>T2;A1>T2;");
    done_with(s);
}

int main(void)
{
    RUN(test_clone);
    RUN(test_apply);
    RUN(test_lock);
    RUN(test_promote_archive);
    RUN(test_alloc_failure);
    TEST_END();
}
