/*
 * Reps challenge, managers decide (regio/challenge.h) on a small world: a
 * 3x3 grid of units with two accounts each, a model in force (a region R
 * over T1, T2, T3) and a planning clone of it, reps, managers, an
 * administrator, an outsider, a disabled and a future member. What the
 * plan changes for each of them; the state machine (open -> approved |
 * rejected | withdrawn and nothing else), who sees (404) and who may
 * (403), a stale revision and a locked unit refusing an approval cleanly,
 * the counter-moves of a unit and of an account, the automatic approval
 * within the model's balance tolerance, the audit records, and every
 * allocation failure of the calls. With --pg (unit.test_challenges.pg) it
 * runs on REGIO_TEST_DB, each world a fresh PostgreSQL schema
 * (regio_test_db.h).
 */
#include "regio/regio.h"
#include "regio_test.h"
#include "regio_test_db.h"

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define LIVE "live"
#define PLAN "plan"
#define DAY "2030-06-01"

typedef struct world {
    char path[1024]; /* a SQLite file or a PostgreSQL schema */
    regio_store *s;
    regio_design_problem *units;
    regio_model_view *live, *plan;
} world;

static const char *const UNIT[9] = {"U0", "U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8"};
static const char *const HOME[9] = {"T1", "T1", "T1", "T2", "T2", "T2", "T3", "T3", "T3"};

static int setup_failed;
#define SETUP(call)                                                                          \
    do {                                                                                     \
        regio_err rc_ = (call);                                                              \
        if (rc_) {                                                                           \
            FAIL_AT_("setup %s: %s: %s", #call, regio_err_name(rc_), e.msg);                 \
            setup_failed = 1;                                                                \
        }                                                                                    \
    } while (0)

static void member(world *w, const char *user, const char *territory, const char *role,
                   const char *start)
{
    regio_error e;
    regio_membership_info m = {user, territory, role, 1, start, NULL, NULL};
    SETUP(regio_store_membership_upsert(w->s, LIVE, &m, "setup", &e));
}

static void user(world *w, const char *login, unsigned perms)
{
    regio_error e;
    regio_user_info u = {login, login, NULL, NULL, perms, 1, 0, 0};
    SETUP(regio_store_user_upsert(w->s, &u, "setup", NULL, &e));
}

/* First value of sql on the world's store, whichever backend holds it. */
static long long w_int(const world *w, const char *sql)
{
    return regio_test_loc_int(w->path, sql);
}

/* Whether the world's store refuses the write sql. */
static int w_refused(const world *w, const char *sql)
{
#ifdef REGIO_HAVE_PG
    if (regio_test_pg()) {
        int failed = 0;
        regio_test_pg_sql(w->path, sql, &failed);
        return failed;
    }
#endif
    sqlite3 *db = NULL;
    int refused = sqlite3_open(w->path, &db) != SQLITE_OK ||
                  sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK;
    sqlite3_close(db);
    return refused;
}

static int load_views(world *w)
{
    regio_error e;
    regio_model_view_destroy(w->live);
    regio_model_view_destroy(w->plan);
    w->live = w->plan = NULL;
    SETUP(regio_model_view_load(w->s, w->units, LIVE, -1, &w->live, &e));
    SETUP(regio_model_view_load(w->s, w->units, PLAN, -1, &w->plan, &e));
    return !setup_failed;
}

/* The world; in the plan U2 moves T1 -> T2 and account A00 (of U0, in T1)
 * is moved by hand to T3. */
static int world_open(world *w)
{
    memset(w, 0, sizeof *w);
    setup_failed = 0;
    regio_test_store_location(w->path, sizeof w->path, "chal");
    regio_error e;
    SETUP(regio_store_open(w->path, &w->s, &e));
    if (setup_failed)
        return 0;
    if (regio_test_store_json(w->path)) {
        FAIL_AT_("setup: cannot give the test store json_extract");
        return 0;
    }
    for (int i = 0; i < 9; i++) {
        regio_unit u;
        regio_unit_init(&u);
        u.id = (char *)UNIT[i];
        u.lat = 40 + 0.1 * (i / 3);
        u.lon = -100 + 0.1 * (i % 3);
        SETUP(regio_store_unit_upsert(w->s, &u, NULL, &e));
    }
    regio_adj_edge edges[12];
    size_t ne = 0;
    for (int i = 0; i < 9; i++) {
        if (i % 3 < 2)
            edges[ne++] = (regio_adj_edge){(char *)UNIT[i], (char *)UNIT[i + 1], REGIO_ADJ_GIVEN, NAN};
        if (i + 3 < 9)
            edges[ne++] = (regio_adj_edge){(char *)UNIT[i], (char *)UNIT[i + 3], REGIO_ADJ_GIVEN, NAN};
    }
    SETUP(regio_store_adjacency_replace(w->s, edges, ne, &e));
    for (int a = 0; a < 18; a++) {
        char id[8];
        snprintf(id, sizeof id, "A%02d", a % 100); /* a < 18: "% 100" tells gcc -O1 it fits */
        regio_account ac;
        regio_account_init(&ac);
        ac.id = id;
        ac.name = (char *)(a == 0 ? "Acme" : "Other");
        ac.unit_id = (char *)UNIT[a / 2];
        ac.annual_revenue = 1000.0 * (a + 1);
        ac.potential = 10.0 * (a + 1);
        SETUP(regio_store_account_upsert(w->s, &ac, NULL, &e));
    }
    SETUP(regio_store_unit_measures_from_accounts(w->s, &e));
    SETUP(regio_store_model_create(w->s, LIVE, REGIO_MODEL_PLANNING, NULL, NULL, NULL, NULL, &e));
    SETUP(regio_store_territory_upsert(w->s, LIVE, "R", "Region", NULL, &e));
    SETUP(regio_store_territory_upsert(w->s, LIVE, "T1", "One", "R", &e));
    SETUP(regio_store_territory_upsert(w->s, LIVE, "T2", "Two", "R", &e));
    SETUP(regio_store_territory_upsert(w->s, LIVE, "T3", "Three", "R", &e));
    for (int i = 0; i < 9; i++)
        SETUP(regio_store_alignment_set(w->s, LIVE, UNIT[i], HOME[i], &e));
    SETUP(regio_store_model_promote(w->s, LIVE, "2020-01-01", "setup", &e));
    SETUP(regio_store_model_clone(w->s, LIVE, PLAN, NULL, "setup", NULL, &e));
    user(w, "rep1", 0);
    user(w, "rep2", 0);
    user(w, "mgr", 0);
    user(w, "mgr3", 0);
    user(w, "ops", REGIO_PERM_MANAGE_TERRITORIES);
    user(w, "viewer", REGIO_PERM_VIEW_ALL);
    user(w, "outsider", 0);
    user(w, "gone", 0);
    user(w, "later", 0);
    member(w, "rep1", "T1", "owner", NULL);
    member(w, "rep2", "T2", "rep", NULL);
    member(w, "mgr", "R", "manager", NULL);
    member(w, "mgr3", "T3", "manager", NULL);
    member(w, "gone", "T1", "owner", NULL);
    member(w, "later", "T1", "owner", "2031-01-01");
    SETUP(regio_store_user_set_active(w->s, "gone", 0, "setup", &e));
    SETUP(regio_design_problem_load_units(w->s, 0, &w->units, &e));
    if (setup_failed || !load_views(w))
        return 0;
    regio_alignment_row rows[2] = {{(char *)"U2", NULL, (char *)"T2", NULL, 0},
                                   {NULL, (char *)"A00", (char *)"T3", NULL, 0}};
    SETUP(regio_model_view_apply(w->s, w->plan, w->plan->revision, rows, 2, "setup", NULL, NULL,
                                 &e));
    return !setup_failed;
}

static void world_close(world *w)
{
    regio_model_view_destroy(w->live);
    regio_model_view_destroy(w->plan);
    regio_design_problem_destroy(w->units);
    regio_store_close(w->s);
    regio_test_store_remove(w->path);
}

/* Checks the audit chain is whole, then closes the world. */
static void world_close_verified(world *w)
{
    long bad = -1;
    regio_error e;
    ASSERT_OK(regio_store_audit_verify(w->s, &bad, &e));
    ASSERT_EQ_INT(bad, 0);
    world_close(w);
}

/* Declares world w and opens it; a test whose world cannot be made ends. */
#define OPEN_WORLD(w)                                                                        \
    world w;                                                                                 \
    if (!world_open(&w)) {                                                                   \
        world_close(&w);                                                                     \
        return;                                                                              \
    }

static const regio_change *find(const regio_changes *c, const char *id)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->items[i].id, id))
            return &c->items[i];
    return NULL;
}

static size_t col(const regio_changes *c, const char *name)
{
    for (size_t k = 0; k < c->m; k++)
        if (!strcmp(c->measure_names[k], name))
            return k;
    return (size_t)-1;
}

/* The territory unit u has in the store's alignment of PLAN. */
typedef struct where {
    const char *unit;
    char territory[16];
    int override;
} where;

static int on_row(void *ud, const regio_alignment_row *r)
{
    where *w = ud;
    if (r->unit_id && !strcmp(r->unit_id, w->unit))
        snprintf(w->territory, sizeof w->territory, "%s", r->territory);
    if (r->account_id && !strcmp(r->account_id, w->unit)) {
        snprintf(w->territory, sizeof w->territory, "%s", r->territory);
        w->override = 1;
    }
    return 0;
}

static const char *stored(world *w, const char *id, where *out)
{
    memset(out, 0, sizeof *out);
    out->unit = id;
    if (regio_store_alignment_foreach(w->s, PLAN, on_row, out, NULL) != REGIO_OK)
        snprintf(out->territory, sizeof out->territory, "?");
    return out->territory;
}

/* ---- what the plan changes ------------------------------------------------------ */

static void test_changes(void)
{
    OPEN_WORLD(w);
    regio_error e;
    regio_changes *c = NULL;
    ASSERT_OK(regio_challenge_changes(w.s, w.live, w.plan, "rep1", DAY, &c, &e));
    ASSERT_EQ_INT(c->n, 2);
    const regio_change *u2 = find(c, "U2"), *a0 = find(c, "A00");
    ASSERT_TRUE(u2 && !u2->is_account && u2->from_mine && !u2->to_mine);
    ASSERT_EQ_STR(u2 ? u2->from : NULL, "T1");
    ASSERT_EQ_STR(u2 ? u2->to : NULL, "T2");
    ASSERT_EQ_STR(u2 ? u2->territory : NULL, "T1");
    /* U2 holds accounts A04 and A05: revenue 5000 + 6000, potential 50 + 60 */
    ASSERT_NEAR(u2 ? u2->measures[col(c, "accounts")] : -1, 2, 1e-9);
    ASSERT_NEAR(u2 ? u2->measures[col(c, "revenue")] : -1, 11000, 1e-9);
    ASSERT_NEAR(u2 ? u2->measures[col(c, "potential")] : -1, 110, 1e-9);
    ASSERT_TRUE(a0 && a0->is_account);
    ASSERT_EQ_STR(a0 ? a0->name : NULL, "Acme");
    ASSERT_EQ_STR(a0 ? a0->to : NULL, "T3");
    ASSERT_NEAR(a0 ? a0->measures[col(c, "revenue")] : -1, 1000, 1e-9);
    ASSERT_EQ_INT(c->n_territories, 1);
    ASSERT_EQ_STR(c->territories[0].id, "T1");
    ASSERT_NEAR(c->territories[0].before[col(c, "accounts")], 6, 1e-9);
    ASSERT_NEAR(c->territories[0].after[col(c, "accounts")], 3, 1e-9);
    ASSERT_EQ_INT(c->territories[0].units_out, 1);
    ASSERT_EQ_INT(c->territories[0].accounts_out, 1);
    ASSERT_EQ_INT(c->territories[0].units_in, 0);
    ASSERT_EQ_INT(c->revision, w.plan->revision);
    regio_buf b;
    regio_buf_init(&b, 0);
    ASSERT_OK(regio_changes_json(c, w.live, w.plan, &b));
    ASSERT_TRUE(b.data && strstr(b.data, "{\"kind\":\"unit\",\"id\":\"U2\",\"name\":null,"
                                         "\"from\":\"T1\",\"from_name\":\"One\",\"to\":"
                                         "\"T2\",\"to_name\":\"Two\",\"territory\":\"T1\","
                                         "\"direction\":\"out\",\"measures\":{\"accounts\":2,"));
    ASSERT_TRUE(b.data && strstr(b.data, "\"auto_approval\":{\"enabled\":false,"
                                         "\"tolerance\":0.05}"));
    regio_buf_free(&b);
    regio_changes_free(c);
    /* rep2 gains U2 and has nothing to do with A00 */
    ASSERT_OK(regio_challenge_changes(w.s, w.live, w.plan, "rep2", DAY, &c, &e));
    ASSERT_EQ_INT(c->n, 1);
    ASSERT_TRUE(c->n == 1 && c->items[0].to_mine && !c->items[0].from_mine);
    ASSERT_EQ_STR(c->n ? c->items[0].territory : NULL, "T2");
    regio_changes_free(c);
    /* the region's manager sees both, within the region */
    ASSERT_OK(regio_challenge_changes(w.s, w.live, w.plan, "mgr", DAY, &c, &e));
    ASSERT_EQ_INT(c->n, 2);
    ASSERT_EQ_INT(c->n_territories, 3);
    ASSERT_TRUE(c->n == 2 && c->items[0].from_mine && c->items[0].to_mine);
    regio_changes_free(c);
    /* nothing for the outsider, ops (no membership), the disabled member,
     * a membership not yet started; the future member on their day */
    const char *none[] = {"outsider", "ops", "gone", "later"};
    for (int i = 0; i < 4; i++) {
        ASSERT_OK(regio_challenge_changes(w.s, w.live, w.plan, none[i], DAY, &c, &e));
        ASSERT_EQ_INT(c->n + c->n_territories, 0);
        regio_changes_free(c);
    }
    size_t n = 9;
    ASSERT_OK(regio_challenge_territories(w.s, "outsider", DAY, &n, &e));
    ASSERT_EQ_INT(n, 0);
    ASSERT_OK(regio_challenge_territories(w.s, "mgr", DAY, &n, &e));
    ASSERT_EQ_INT(n, 4);
    ASSERT_OK(regio_challenge_changes(w.s, w.live, w.plan, "later", "2031-01-01", &c, &e));
    ASSERT_EQ_INT(c->n, 2);
    regio_changes_free(c);
    /* refusals */
    ASSERT_EQ_INT(regio_challenge_changes(w.s, w.live, w.plan, "nobody", DAY, &c, &e),
                  REGIO_ENOTFOUND);
    ASSERT_TRUE(c == NULL);
    ASSERT_EQ_INT(regio_challenge_changes(w.s, w.plan, w.live, "rep1", DAY, &c, &e), REGIO_EINVAL);
    ASSERT_TRUE(strstr(e.msg, "not the territory model in force") != NULL);
    ASSERT_EQ_INT(regio_challenge_changes(w.s, w.live, w.plan, "rep1", "2030-6-1", &c, &e),
                  REGIO_EINVAL);
    ASSERT_EQ_INT(regio_challenge_changes(w.s, w.live, w.plan, "rep1", "2019-01-01", &c, &e),
                  REGIO_EINVAL); /* no model in force then */
    world_close(&w);
}

/* ---- raising -------------------------------------------------------------------- */

static void test_raise(void)
{
    OPEN_WORLD(w);
    regio_error e;
    regio_challenge_outcome out;
    long id = 0;
    int automatic = -1;
    ASSERT_EQ_INT(regio_challenge_raise(w.s, w.live, w.plan, "rep2", DAY, NULL, "A00", "mine",
                                        &id, &automatic, &out, &e),
                  REGIO_ENOTFOUND);
    ASSERT_EQ_INT(out, REGIO_CHALLENGE_HIDDEN);
    ASSERT_EQ_INT(regio_challenge_raise(w.s, w.live, w.plan, "rep1", DAY, "U2", NULL, "  \t ",
                                        &id, NULL, &out, &e),
                  REGIO_EINVAL);
    ASSERT_EQ_INT(out, REGIO_CHALLENGE_INVALID);
    ASSERT_EQ_INT(regio_challenge_raise(w.s, w.live, w.plan, "rep1", DAY, "U2", "A00", "both",
                                        &id, NULL, &out, &e),
                  REGIO_EINVAL);
    ASSERT_EQ_INT(regio_challenge_raise(w.s, w.live, w.plan, "rep1", DAY, "U1", NULL, "no change",
                                        &id, NULL, &out, &e),
                  REGIO_ENOTFOUND);
    ASSERT_EQ_INT(regio_challenge_raise(w.s, w.live, w.plan, "outsider", DAY, "U2", NULL, "x",
                                        &id, NULL, &out, &e),
                  REGIO_ENOTFOUND);
    ASSERT_OK(regio_challenge_raise(w.s, w.live, w.plan, "rep1", DAY, "U2", NULL,
                                    "  I know U2's buyers  ", &id, &automatic, &out, &e));
    ASSERT_EQ_INT(out, REGIO_CHALLENGE_DONE);
    ASSERT_EQ_INT(id, 1);
    ASSERT_EQ_INT(automatic, 0);
    ASSERT_EQ_INT(regio_challenge_raise(w.s, w.live, w.plan, "rep1", DAY, "U2", NULL, "again",
                                        &id, NULL, &out, &e),
                  REGIO_ECONFLICT);
    ASSERT_EQ_INT(out, REGIO_CHALLENGE_CLOSED);
    /* rep2 may challenge the same change from their side */
    ASSERT_OK(regio_challenge_raise(w.s, w.live, w.plan, "rep2", DAY, "U2", NULL, "too far",
                                    &id, NULL, &out, &e));
    ASSERT_EQ_INT(id, 2);
    regio_changes *c = NULL;
    ASSERT_OK(regio_challenge_changes(w.s, w.live, w.plan, "rep1", DAY, &c, &e));
    const regio_change *u2 = find(c, "U2");
    ASSERT_EQ_INT(u2 ? u2->challenge : 0, 1);
    ASSERT_EQ_INT(u2 ? (long)u2->challenge_state : -1, REGIO_CHALLENGE_OPEN);
    ASSERT_EQ_INT(find(c, "A00") ? find(c, "A00")->challenge : -1, 0);
    regio_changes_free(c);
    /* the reason is stored trimmed, with where U2 was and went */
    ASSERT_EQ_INT(w_int(&w, "SELECT count(*) FROM challenges WHERE id = 1 AND"
                                         " reason = 'I know U2''s buyers' AND from_territory ="
                                         " 'T1' AND to_territory = 'T2' AND status = 'open'"),
                  1);
    ASSERT_EQ_INT(w_int(&w, "SELECT count(*) FROM audit_log WHERE action ="
                                         " 'challenge.raise' AND actor IN ('rep1', 'rep2')"),
                  2);
    /* a model not planning has no changes to challenge */
    regio_model_view *live2 = NULL;
    ASSERT_OK(regio_model_view_load(w.s, w.units, LIVE, -1, &live2, &e));
    ASSERT_EQ_INT(regio_challenge_raise(w.s, w.live, live2, "rep1", DAY, "U2", NULL, "x", &id,
                                        NULL, &out, &e),
                  REGIO_ENOTFOUND); /* nothing differs from itself */
    regio_model_view_destroy(live2);
    world_close(&w);
}

/* ---- the state machine ------------------------------------------------------------ */

typedef struct seen {
    int n;
    long id[8];
    regio_challenge_rights r[8];
    char state[8][16];
} seen;

static int on_seen(void *ud, const regio_challenge *c, const regio_challenge_rights *r)
{
    seen *s = ud;
    regio_buf b;
    regio_buf_init(&b, 0);
    int bad = regio_challenge_json(c, r, &b) != REGIO_OK || !b.data ||
              !strstr(b.data, r->may_decide ? "\"may_decide\":true" : "\"may_decide\":false") ||
              !strstr(b.data, "\"status\":\"") || b.data[b.len - 1] != '}';
    regio_buf_free(&b);
    if (bad && !alloc_fail_at)
        FAIL_AT_("regio_challenge_json of challenge %ld", c->id);
    if (s->n < 8) {
        s->id[s->n] = c->id;
        s->r[s->n] = *r;
        snprintf(s->state[s->n], sizeof s->state[0], "%s", regio_challenge_state_name(c->state));
    }
    s->n++;
    return 0;
}

static seen list(world *w, const char *user, int state)
{
    seen s;
    memset(&s, 0, sizeof s);
    regio_error e;
    ASSERT_OK(regio_challenges_list(w->s, user, DAY, NULL, state, on_seen, &s, &e));
    return s;
}

static regio_err decide(world *w, long id, const char *user, regio_challenge_state to,
                        const char *note, long rev, regio_challenge_outcome *out)
{
    regio_error e;
    return regio_challenge_close(w->s, w->plan, id, user, DAY, to, note, rev, NULL, out, &e);
}

static void test_state_machine(void)
{
    OPEN_WORLD(w);
    regio_error e;
    regio_challenge_outcome out;
    long id = 0;
    ASSERT_OK(regio_challenge_raise(w.s, w.live, w.plan, "rep1", DAY, "U2", NULL, "keep it",
                                    &id, NULL, &out, &e));
    /* who sees it, with what rights */
    seen s = list(&w, "rep1", -1);
    ASSERT_TRUE(s.n == 1 && s.r[0].may_withdraw && !s.r[0].may_decide);
    s = list(&w, "mgr", REGIO_CHALLENGE_OPEN);
    ASSERT_TRUE(s.n == 1 && s.r[0].may_decide && !s.r[0].may_withdraw);
    s = list(&w, "ops", -1);
    ASSERT_TRUE(s.n == 1 && s.r[0].may_decide);
    const char *blind[] = {"rep2", "mgr3", "outsider", "viewer", "gone"};
    for (int i = 0; i < 5; i++)
        ASSERT_EQ_INT(list(&w, blind[i], -1).n, 0);
    s = list(&w, NULL, -1); /* the store's owner */
    ASSERT_TRUE(s.n == 1 && s.r[0].may_decide && s.r[0].may_withdraw);
    ASSERT_EQ_INT(list(&w, "mgr", REGIO_CHALLENGE_APPROVED).n, 0);
    /* 404 for those who do not see it, 403 for those who see it but may not */
    for (int i = 0; i < 5; i++) {
        ASSERT_EQ_INT(decide(&w, id, blind[i], REGIO_CHALLENGE_APPROVED, NULL, -1, &out),
                      REGIO_ENOTFOUND);
        ASSERT_EQ_INT(out, REGIO_CHALLENGE_HIDDEN);
    }
    ASSERT_EQ_INT(decide(&w, 99, "mgr", REGIO_CHALLENGE_APPROVED, NULL, -1, &out),
                  REGIO_ENOTFOUND);
    ASSERT_EQ_INT(decide(&w, id, "rep1", REGIO_CHALLENGE_APPROVED, NULL, -1, &out),
                  REGIO_ECONFLICT);
    ASSERT_EQ_INT(out, REGIO_CHALLENGE_FORBIDDEN);
    ASSERT_EQ_INT(decide(&w, id, "rep1", REGIO_CHALLENGE_REJECTED, "no", -1, &out),
                  REGIO_ECONFLICT);
    ASSERT_EQ_INT(out, REGIO_CHALLENGE_FORBIDDEN);
    ASSERT_EQ_INT(decide(&w, id, "mgr", REGIO_CHALLENGE_WITHDRAWN, NULL, -1, &out),
                  REGIO_ECONFLICT);
    ASSERT_EQ_INT(out, REGIO_CHALLENGE_FORBIDDEN);
    ASSERT_EQ_INT(decide(&w, id, "mgr", REGIO_CHALLENGE_REJECTED, "   ", -1, &out), REGIO_EINVAL);
    ASSERT_EQ_INT(out, REGIO_CHALLENGE_INVALID);
    ASSERT_EQ_INT(decide(&w, id, "mgr", REGIO_CHALLENGE_OPEN, NULL, -1, &out), REGIO_EINVAL);
    /* a stale revision fails cleanly: nothing moves, the challenge stays open */
    long rev = w.plan->revision;
    ASSERT_EQ_INT(decide(&w, id, "mgr", REGIO_CHALLENGE_APPROVED, "ok", rev - 1, &out),
                  REGIO_ECONFLICT);
    ASSERT_EQ_INT(out, REGIO_CHALLENGE_STALE);
    where wh;
    ASSERT_EQ_STR(stored(&w, "U2", &wh), "T2");
    ASSERT_EQ_INT(w.plan->revision, rev);
    ASSERT_EQ_STR(list(&w, "mgr", -1).state[0], "open");
    /* a locked unit refuses the counter-move, also cleanly */
    const char *u2[] = {"U2"};
    ASSERT_OK(regio_model_view_lock(w.s, w.plan, rev, u2, 1, 1, "setup", NULL, &e));
    ASSERT_EQ_INT(decide(&w, id, "mgr", REGIO_CHALLENGE_APPROVED, NULL, -1, &out),
                  REGIO_ECONFLICT);
    ASSERT_EQ_INT(out, REGIO_CHALLENGE_REFUSED);
    ASSERT_OK(regio_model_view_lock(w.s, w.plan, w.plan->revision, u2, 1, 0, "setup", NULL, &e));
    ASSERT_EQ_STR(list(&w, "mgr", -1).state[0], "open");
    /* approved: U2 is back in T1, in the store and in the view */
    rev = w.plan->revision;
    long after = 0;
    ASSERT_OK(regio_challenge_close(w.s, w.plan, id, "mgr", DAY, REGIO_CHALLENGE_APPROVED,
                                    "fair point", rev, &after, &out, &e));
    ASSERT_EQ_INT(out, REGIO_CHALLENGE_DONE);
    ASSERT_EQ_INT(after, rev + 1);
    ASSERT_EQ_STR(stored(&w, "U2", &wh), "T1");
    ASSERT_EQ_STR(w.plan->territory[w.plan->labels[regio_unitset_find(w.units->loaded.units,
                                                                       "U2")]],
                  "T1");
    s = list(&w, "rep1", -1);
    ASSERT_TRUE(s.n == 1 && !s.r[0].may_withdraw);
    ASSERT_EQ_STR(s.state[0], "approved");
    /* closed is closed: nothing moves it again */
    const regio_challenge_state to[] = {REGIO_CHALLENGE_APPROVED, REGIO_CHALLENGE_REJECTED};
    for (int i = 0; i < 2; i++) {
        ASSERT_EQ_INT(decide(&w, id, "ops", to[i], "again", -1, &out), REGIO_ECONFLICT);
        ASSERT_EQ_INT(out, REGIO_CHALLENGE_CLOSED);
    }
    ASSERT_EQ_INT(decide(&w, id, "rep1", REGIO_CHALLENGE_WITHDRAWN, NULL, -1, &out),
                  REGIO_ECONFLICT);
    ASSERT_EQ_INT(out, REGIO_CHALLENGE_CLOSED);
    ASSERT_EQ_INT(regio_store_challenge_close(w.s, id, REGIO_CHALLENGE_REJECTED, "mgr", "x", 0,
                                              "t", &e),
                  REGIO_ECONFLICT);
    ASSERT_EQ_INT(regio_store_challenge_close(w.s, 42, REGIO_CHALLENGE_REJECTED, "mgr", "x", 0,
                                              "t", &e),
                  REGIO_ENOTFOUND);
    /* the change is gone for rep1; the store's constraints hold the
     * machine too: no approval without a decider, no way back to open */
    regio_changes *c = NULL;
    ASSERT_OK(regio_challenge_changes(w.s, w.live, w.plan, "rep1", DAY, &c, &e));
    ASSERT_TRUE(find(c, "U2") == NULL);
    regio_changes_free(c);
    ASSERT_TRUE(w_refused(&w, "INSERT INTO challenges(model_id, territory_id, unit_id, raised_by,"
                              " reason, status, decided_at) SELECT model_id, territory_id,"
                              " unit_id, raised_by, 'x', 'approved', 'now' FROM challenges"
                              " WHERE id = 1"));
    ASSERT_TRUE(w_refused(&w, "INSERT INTO challenges(model_id, territory_id, raised_by, reason)"
                              " SELECT model_id, territory_id, raised_by, 'x' FROM challenges"));
    ASSERT_EQ_INT(w_int(&w, "SELECT count(*) FROM audit_log WHERE action ="
                                         " 'challenge.approve' AND actor = 'mgr' AND"
                                         " json_extract(after, '$.status') = 'approved' AND"
                                         " json_extract(before, '$.status') = 'open'"),
                  1);
    ASSERT_EQ_INT(w_int(&w, "SELECT count(*) FROM audit_log WHERE action ="
                                         " 'alignment.apply' AND actor = 'mgr'"),
                  1);
    world_close_verified(&w);
}

/* An account: rejected with a comment, challenged again, withdrawn, then
 * approved by an administrator (its hand move removed: its unit is in T1). */
static void test_account(void)
{
    OPEN_WORLD(w);
    regio_error e;
    regio_challenge_outcome out;
    long id = 0;
    ASSERT_OK(regio_challenge_raise(w.s, w.live, w.plan, "rep1", DAY, NULL, "A00", "my client",
                                    &id, NULL, &out, &e));
    ASSERT_OK(decide(&w, id, "mgr", REGIO_CHALLENGE_REJECTED, "T3 services it now", -1, &out));
    where wh;
    ASSERT_EQ_STR(stored(&w, "A00", &wh), "T3");
    regio_changes *c = NULL;
    ASSERT_OK(regio_challenge_changes(w.s, w.live, w.plan, "rep1", DAY, &c, &e));
    ASSERT_EQ_INT(find(c, "A00") ? (long)find(c, "A00")->challenge_state : -1,
                  REGIO_CHALLENGE_REJECTED);
    regio_changes_free(c);
    ASSERT_OK(regio_challenge_raise(w.s, w.live, w.plan, "rep1", DAY, NULL, "A00", "please",
                                    &id, NULL, &out, &e));
    ASSERT_EQ_INT(id, 2);
    ASSERT_EQ_INT(decide(&w, id, "rep2", REGIO_CHALLENGE_WITHDRAWN, NULL, -1, &out),
                  REGIO_ENOTFOUND);
    ASSERT_OK(decide(&w, id, "rep1", REGIO_CHALLENGE_WITHDRAWN, NULL, -1, &out));
    ASSERT_OK(regio_challenge_raise(w.s, w.live, w.plan, "rep1", DAY, NULL, "A00", "last try",
                                    &id, NULL, &out, &e));
    /* an approval needs the challenge's model loaded */
    ASSERT_EQ_INT(regio_challenge_close(w.s, w.live, id, "ops", DAY, REGIO_CHALLENGE_APPROVED,
                                        NULL, -1, NULL, &out, &e),
                  REGIO_EINVAL);
    ASSERT_OK(decide(&w, id, "ops", REGIO_CHALLENGE_APPROVED, NULL, -1, &out));
    stored(&w, "A00", &wh);
    ASSERT_EQ_INT(wh.override, 0); /* it follows its unit again, */
    ASSERT_EQ_STR(stored(&w, "U0", &wh), "T1"); /* which is in T1 */
    ASSERT_EQ_INT(w.plan->n_overrides, 0);
    seen s = list(&w, "rep1", -1);
    ASSERT_EQ_INT(s.n, 3);
    ASSERT_EQ_STR(s.state[0], "approved");
    ASSERT_EQ_STR(s.state[1], "withdrawn");
    ASSERT_EQ_STR(s.state[2], "rejected");
    ASSERT_EQ_INT(w_int(&w, "SELECT count(*) FROM challenges WHERE status ="
                                         " 'withdrawn' AND decided_by IS NULL AND decided_at IS"
                                         " NOT NULL"),
                  1);
    ASSERT_EQ_INT(w_int(&w, "SELECT count(*) FROM audit_log WHERE action IN"
                                         " ('challenge.raise', 'challenge.reject',"
                                         " 'challenge.withdraw', 'challenge.approve')"),
                  6);
    world_close(&w);
}

/* ---- automatic approval ------------------------------------------------------------- */

static void test_auto_approval(void)
{
    OPEN_WORLD(w);
    regio_error e;
    int on = -1;
    double tol = 0;
    ASSERT_OK(regio_store_model_auto_approval(w.s, PLAN, &on, &tol, &e));
    ASSERT_EQ_INT(on, 0);
    ASSERT_NEAR(tol, REGIO_DESIGN_DEFAULT_TOLERANCE, 1e-12);
    ASSERT_EQ_INT(regio_store_model_set_auto_approval(w.s, PLAN, 1, 1.5, "t", &e), REGIO_EINVAL);
    ASSERT_EQ_INT(regio_store_model_set_auto_approval(w.s, "nope", 1, 0, "t", &e),
                  REGIO_ENOTFOUND);
    ASSERT_OK(regio_store_model_set_auto_approval(w.s, PLAN, 1, 0.1, "t", &e));
    ASSERT_OK(regio_store_model_auto_approval(w.s, PLAN, &on, &tol, &e));
    ASSERT_EQ_INT(on, 1);
    ASSERT_NEAR(tol, 0.1, 1e-12);
    /* Also U5 T2 -> T3: accounts T1 4 (A00 aside: 3), T2 6, T3 8 + 1. */
    regio_alignment_row r = {(char *)"U5", NULL, (char *)"T3", NULL, 0};
    ASSERT_OK(regio_model_view_apply(w.s, w.plan, w.plan->revision, &r, 1, "setup", NULL, NULL,
                                     &e));
    regio_alignment_row back = {NULL, (char *)"A00", NULL, NULL, 0};
    ASSERT_OK(regio_model_view_apply(w.s, w.plan, w.plan->revision, &back, 1, "setup", NULL,
                                     NULL, &e));
    /* U2 back leaves T2 at 4 and T3 at 8 of 6: stays open */
    regio_challenge_outcome out;
    long id = 0;
    int automatic = -1;
    ASSERT_OK(regio_challenge_raise(w.s, w.live, w.plan, "rep1", DAY, "U2", NULL, "keep",
                                    &id, &automatic, &out, &e));
    ASSERT_EQ_INT(automatic, 0);
    ASSERT_OK(decide(&w, id, "mgr", REGIO_CHALLENGE_APPROVED, NULL, -1, &out));
    /* now U5 back makes 6, 6, 6: approved at once, without a decider */
    long rev = w.plan->revision;
    ASSERT_OK(regio_challenge_raise(w.s, w.live, w.plan, "rep2", DAY, "U5", NULL, "mine",
                                    &id, &automatic, &out, &e));
    ASSERT_EQ_INT(automatic, 1);
    ASSERT_EQ_INT(w.plan->revision, rev + 1);
    where wh;
    ASSERT_EQ_STR(stored(&w, "U5", &wh), "T2");
    ASSERT_EQ_INT(w_int(&w, "SELECT count(*) FROM challenges WHERE unit_id = (SELECT"
                                         " id FROM units WHERE ext_id = 'U5') AND status ="
                                         " 'approved' AND auto_approved = 1 AND decided_by IS"
                                         " NULL"),
                  1);
    ASSERT_EQ_INT(w_int(&w, "SELECT count(*) FROM audit_log WHERE actor = 'auto'"
                                         " AND action IN ('alignment.apply',"
                                         " 'challenge.approve')"),
                  2);
    seen s = list(&w, "rep2", -1);
    ASSERT_EQ_STR(s.state[0], "approved");
    /* off again: a balanced counter-move waits for a manager */
    ASSERT_OK(regio_store_model_set_auto_approval(w.s, PLAN, 0, 0, "t", &e));
    ASSERT_OK(regio_store_model_auto_approval(w.s, PLAN, &on, &tol, &e));
    ASSERT_EQ_INT(on, 0);
    ASSERT_NEAR(tol, 0.1, 1e-12);
    world_close(&w);
}

/* ---- two servers at once ------------------------------------------------------------- */

/* Two processes close one challenge at once (on PostgreSQL: two servers on
 * one database): the first rejects it and has not committed yet when the
 * second approves it; the second must wait and then find it rejected,
 * not record an approval of a rejected challenge. */
static void test_concurrent_close(void)
{
    /* SQLite's writers queue on its file lock (BEGIN IMMEDIATE); and a
     * process forked from one that has the file open shares SQLite's
     * record of its locks, which this test's child would need not to. */
    if (!regio_test_pg())
        SKIP("two servers on one database are a PostgreSQL store's case");
    OPEN_WORLD(w);
    regio_error e;
    regio_challenge_outcome out;
    long id = 0;
    ASSERT_OK(regio_challenge_raise(w.s, w.live, w.plan, "rep1", DAY, "U2", NULL, "mine", &id,
                                    NULL, &out, &e));
    ASSERT_OK(regio_store_begin(w.s, &e));
    ASSERT_OK(regio_store_challenge_close(w.s, id, REGIO_CHALLENGE_REJECTED, "mgr", "no", 0,
                                          "mgr", &e));
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        regio_store *t = NULL;
        regio_error ce;
        int code = 2;
        if (regio_store_open(w.path, &t, &ce) == REGIO_OK) {
            regio_err rc = regio_store_challenge_close(t, id, REGIO_CHALLENGE_APPROVED, "ops",
                                                       NULL, 0, "ops", &ce);
            code = rc == REGIO_ECONFLICT && strstr(ce.msg, "is rejected already") ? 0 : 3;
        }
        regio_store_close(t);
        _exit(code);
    }
    ASSERT_TRUE(pid > 0);
    usleep(300 * 1000);
    ASSERT_OK(regio_store_commit(w.s, &e));
    int status = -1;
    ASSERT_TRUE(waitpid(pid, &status, 0) == pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ASSERT_EQ_STR(list(&w, "mgr", -1).state[0], "rejected");
    ASSERT_EQ_INT(w_int(&w, "SELECT count(*) FROM audit_log WHERE action ="
                            " 'challenge.approve'"),
                  0);
    world_close_verified(&w);
}

/* ---- allocation failures -------------------------------------------------------------- */

static void test_alloc_failures(void)
{
    OPEN_WORLD(w);
    regio_error e;
    int completed = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 5000 && !completed; alloc_fail_at++) {
        alloc_calls = 0;
        regio_set_allocator(&regio_test_failing);
        regio_changes *c = NULL;
        regio_err rc = regio_challenge_changes(w.s, w.live, w.plan, "mgr", DAY, &c, &e);
        seen s;
        memset(&s, 0, sizeof s);
        regio_err rl = regio_challenges_list(w.s, "mgr", DAY, NULL, -1, on_seen, &s, &e);
        regio_set_allocator(NULL);
        ASSERT_TRUE(rc == REGIO_OK || rc == REGIO_ENOMEM || rc == REGIO_ESTORE);
        ASSERT_TRUE(rl == REGIO_OK || rl == REGIO_ENOMEM || rl == REGIO_ESTORE);
        ASSERT_TRUE(rc == REGIO_OK || c == NULL);
        completed = rc == REGIO_OK && rl == REGIO_OK;
        regio_changes_free(c);
    }
    ASSERT_TRUE(completed);
    /* raise, then close: a failure changes nothing; a success once. Its
     * id is the one raise gives: on PostgreSQL the failed attempts used
     * ids of the sequence, which a rollback does not give back. */
    long n_ok = 0, raised = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 5000 && n_ok == 0; alloc_fail_at++) {
        alloc_calls = 0;
        long id = 0;
        regio_challenge_outcome out;
        regio_set_allocator(&regio_test_failing);
        regio_err rc = regio_challenge_raise(w.s, w.live, w.plan, "rep1", DAY, "U2", NULL,
                                             "reason", &id, NULL, &out, &e);
        regio_set_allocator(NULL);
        seen s = list(&w, "rep1", -1);
        ASSERT_EQ_INT(s.n, rc == REGIO_OK ? 1 : 0);
        n_ok += rc == REGIO_OK;
        if (rc == REGIO_OK)
            raised = id;
    }
    ASSERT_EQ_INT(n_ok, 1);
    completed = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 5000 && !completed; alloc_fail_at++) {
        alloc_calls = 0;
        regio_challenge_outcome out;
        regio_set_allocator(&regio_test_failing);
        regio_err rc = decide(&w, raised, "mgr", REGIO_CHALLENGE_APPROVED, "ok", -1, &out);
        regio_set_allocator(NULL);
        where wh;
        const char *now = stored(&w, "U2", &wh);
        ASSERT_EQ_STR(now, rc == REGIO_OK ? "T1" : "T2");
        ASSERT_EQ_STR(list(&w, "mgr", -1).state[0], rc == REGIO_OK ? "approved" : "open");
        completed = rc == REGIO_OK;
        if (!completed && w.plan->revision < 0 && !load_views(&w))
            break;
    }
    ASSERT_TRUE(completed);
    world_close(&w);
}

int main(int argc, char **argv)
{
    /* --pg: the PostgreSQL variant (unit.test_challenges.pg), on REGIO_TEST_DB. */
    regio_test_backend(argc, argv, "test_challenges --pg");
    RUN(test_changes);
    RUN(test_raise);
    RUN(test_state_machine);
    RUN(test_account);
    RUN(test_auto_approval);
    RUN(test_concurrent_close);
    RUN(test_alloc_failures);
    TEST_END();
}
