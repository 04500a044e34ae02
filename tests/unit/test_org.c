/*
 * The organisation in the store (regio/org.h) and signing in (regio/auth.h):
 * roles as a tree, users with roles and permissions, memberships and
 * associations with their checks, tokens and sessions stored hashed, the
 * model in force on a day, the audit records each write leaves.
 */
#include "regio/regio.h"
#include "regio_test.h"
#include "regio_test_db.h"

#include <math.h>
#include <string.h>

static regio_store *open_store(char *path, size_t cap)
{
    regio_test_store_location(path, cap, "org");
    regio_store *s = NULL;
    if (regio_store_open(path, &s, NULL) != REGIO_OK)
        return NULL;
    return s;
}

static long count_rows(const char *path, const char *sql)
{
    return (long)regio_test_loc_int(path, sql);
}

typedef struct text {
    char v[2048];
} text;

static int role_cb(void *ud, const regio_role_info *r)
{
    text *t = ud;
    size_t n = strlen(t->v);
    snprintf(t->v + n, sizeof t->v - n, "%s<%s;", r->name, r->parent ? r->parent : "");
    return 0;
}

static int user_cb(void *ud, const regio_user_info *u)
{
    text *t = ud;
    char p[64];
    regio_perm_format(u->perms, p, sizeof p);
    size_t n = strlen(t->v);
    snprintf(t->v + n, sizeof t->v - n, "%s:%s:%s:%d:%d;", u->login, u->role ? u->role : "", p,
             u->active, u->has_password);
    return 0;
}

static void test_roles(void)
{
    char path[512];
    regio_store *s = open_store(path, sizeof path);
    ASSERT_TRUE(s != NULL);
    regio_error e;
    ASSERT_OK(regio_store_role_upsert(s, "vp", NULL, "t", &e));
    ASSERT_OK(regio_store_role_upsert(s, "mgr", "vp", "t", &e));
    ASSERT_OK(regio_store_role_upsert(s, "rep", "mgr", "t", &e));
    /* a cycle, a self-parent and an unknown parent are refused */
    ASSERT_EQ_INT(regio_store_role_upsert(s, "vp", "rep", "t", &e), REGIO_EDATA);
    ASSERT_TRUE(strstr(e.msg, "cycle") != NULL);
    ASSERT_EQ_INT(regio_store_role_upsert(s, "vp", "vp", "t", &e), REGIO_EDATA);
    ASSERT_EQ_INT(regio_store_role_upsert(s, "x", "nope", "t", &e), REGIO_EDATA);
    text t = {""};
    ASSERT_OK(regio_store_roles_foreach(s, role_cb, &t, &e));
    ASSERT_EQ_STR(t.v, "vp<;mgr<vp;rep<mgr;");
    /* moving a role keeps the tree a tree */
    ASSERT_OK(regio_store_role_upsert(s, "rep", "vp", "t", &e));
    memset(&t, 0, sizeof t);
    ASSERT_OK(regio_store_roles_foreach(s, role_cb, &t, &e));
    ASSERT_EQ_STR(t.v, "vp<;mgr<vp;rep<vp;");
    regio_store_close(s);
    regio_test_store_remove(path);
}

static void test_users_and_passwords(void)
{
    char path[512];
    regio_store *s = open_store(path, sizeof path);
    ASSERT_TRUE(s != NULL);
    regio_error e;
    unsigned bits = 0;
    ASSERT_OK(regio_perm_parse(" view_all ; manage_territories;", &bits, &e));
    ASSERT_EQ_INT(bits, REGIO_PERM_VIEW_ALL | REGIO_PERM_MANAGE_TERRITORIES);
    ASSERT_EQ_INT(regio_perm_parse("view_all;fly", &bits, &e), REGIO_EDATA);
    ASSERT_TRUE(strstr(e.msg, "fly") != NULL);
    ASSERT_OK(regio_store_role_upsert(s, "rep", NULL, "t", &e));
    regio_user_info u = {"kim", "Kim", "kim@example.com", "rep", REGIO_PERM_VIEW_ALL, 1, 0, 0};
    regio_upsert_result r;
    ASSERT_OK(regio_store_user_upsert(s, &u, "t", &r, &e));
    ASSERT_EQ_INT(r, REGIO_UPSERT_ADDED);
    ASSERT_OK(regio_store_user_upsert(s, &u, "t", &r, &e));
    ASSERT_EQ_INT(r, REGIO_UPSERT_UNCHANGED);
    u.role = "ghost";
    ASSERT_EQ_INT(regio_store_user_upsert(s, &u, "t", &r, &e), REGIO_EDATA);
    u.role = "rep";
    long n = -1;
    ASSERT_OK(regio_store_login_users(s, &n, &e));
    ASSERT_EQ_INT(n, 0); /* no password, no token: cannot sign in */
    /* passwords: too short refused; argon2id stored; the right one matches */
    ASSERT_EQ_INT(regio_user_set_password(s, "kim", "short", "t", &e), REGIO_EINVAL);
    ASSERT_OK(regio_user_set_password(s, "kim", "correct horse battery", "t", &e));
    ASSERT_EQ_INT(count_rows(path, "SELECT count(*) FROM users WHERE password_hash LIKE '$argon2id$%'"),
                  1);
    int ok = -1;
    ASSERT_OK(regio_auth_password(s, "kim", "correct horse battery", &ok, &e));
    ASSERT_EQ_INT(ok, 1);
    ASSERT_OK(regio_auth_password(s, "kim", "correct horse battery!", &ok, &e));
    ASSERT_EQ_INT(ok, 0);
    ASSERT_OK(regio_auth_password(s, "nobody", "correct horse battery", &ok, &e));
    ASSERT_EQ_INT(ok, 0);
    ASSERT_OK(regio_store_login_users(s, &n, &e));
    ASSERT_EQ_INT(n, 1);
    /* a disabled user cannot sign in, even with the right password */
    ASSERT_OK(regio_store_user_set_active(s, "kim", 0, "t", &e));
    ASSERT_OK(regio_auth_password(s, "kim", "correct horse battery", &ok, &e));
    ASSERT_EQ_INT(ok, 0);
    text t = {""};
    ASSERT_OK(regio_store_users_foreach(s, NULL, user_cb, &t, &e));
    ASSERT_EQ_STR(t.v, "kim:rep:view_all:0:1;");
    ASSERT_EQ_INT(regio_store_users_foreach(s, "nobody", user_cb, &t, &e), REGIO_ENOTFOUND);
    regio_store_close(s);
    regio_test_store_remove(path);
}

static void test_tokens_and_sessions(void)
{
    char path[512];
    regio_store *s = open_store(path, sizeof path);
    ASSERT_TRUE(s != NULL);
    regio_error e;
    regio_user_info u = {"lou", NULL, NULL, NULL, 0, 1, 0, 0};
    ASSERT_OK(regio_store_user_upsert(s, &u, "t", NULL, &e));
    char *tok = NULL, *who = NULL;
    long id = 0;
    ASSERT_OK(regio_auth_token_create(s, "lou", "ci", "t", &tok, &id, &e));
    ASSERT_EQ_INT((int)strlen(tok), 4 + REGIO_SECRET_HEX);
    ASSERT_OK(regio_auth_token_user(s, tok, &who, &e));
    ASSERT_EQ_STR(who, "lou");
    regio_free(who);
    /* only the hash is stored */
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM api_tokens WHERE token_hash = '%s'", tok);
    ASSERT_EQ_INT(count_rows(path, sql), 0);
    ASSERT_EQ_INT(count_rows(path, "SELECT length(token_hash) FROM api_tokens"), 64);
    /* a token one character off, and a revoked token, sign nobody in */
    char bad[128];
    snprintf(bad, sizeof bad, "%s", tok);
    bad[10] = bad[10] == 'a' ? 'b' : 'a';
    ASSERT_OK(regio_auth_token_user(s, bad, &who, &e));
    ASSERT_TRUE(who == NULL);
    ASSERT_EQ_INT(regio_store_token_revoke(s, "lou", id + 1, "t", &e), REGIO_ENOTFOUND);
    ASSERT_OK(regio_store_token_revoke(s, "lou", id, "t", &e));
    ASSERT_OK(regio_auth_token_user(s, tok, &who, &e));
    ASSERT_TRUE(who == NULL);
    regio_free(tok);
    /* sessions: a live one finds its user and CSRF token; ended, nothing */
    char sid[REGIO_SECRET_HEX + 1], csrf[REGIO_SECRET_HEX + 1];
    ASSERT_OK(regio_auth_session_create(s, "lou", 60, sid, csrf, &e));
    char *c2 = NULL;
    ASSERT_OK(regio_auth_session_user(s, sid, &who, &c2, &e));
    ASSERT_EQ_STR(who, "lou");
    ASSERT_EQ_STR(c2, csrf);
    ASSERT_TRUE(regio_auth_equal(c2, csrf));
    ASSERT_TRUE(!regio_auth_equal(c2, sid));
    regio_free(who);
    regio_free(c2);
    ASSERT_OK(regio_auth_session_end(s, sid, &e));
    ASSERT_OK(regio_auth_session_user(s, sid, &who, &c2, &e));
    ASSERT_TRUE(who == NULL && c2 == NULL);
    /* an expired session is not found */
    ASSERT_OK(regio_auth_session_create(s, "lou", -1, sid, csrf, &e));
    ASSERT_OK(regio_auth_session_user(s, sid, &who, &c2, &e));
    ASSERT_TRUE(who == NULL);
    regio_store_close(s);
    regio_test_store_remove(path);
}

static void test_throttle(void)
{
    regio_throttle *t = regio_throttle_create();
    ASSERT_TRUE(t != NULL);
    for (int i = 0; i < 5; i++) {
        ASSERT_EQ_INT(regio_throttle_wait(t, "user:kim", 1000), 0);
        regio_throttle_fail(t, "user:kim", 1000);
    }
    ASSERT_EQ_INT(regio_throttle_wait(t, "user:kim", 1000), 1);
    regio_throttle_fail(t, "user:kim", 1000);
    ASSERT_EQ_INT(regio_throttle_wait(t, "user:kim", 1000), 2);
    ASSERT_EQ_INT(regio_throttle_wait(t, "user:kim", 1002), 0);
    ASSERT_EQ_INT(regio_throttle_wait(t, "user:lou", 1000), 0);
    /* forgotten after the window */
    ASSERT_EQ_INT(regio_throttle_wait(t, "user:kim", 1000 + 901), 0);
    regio_throttle_clear(t, "user:kim");
    regio_throttle_destroy(t);
}

static void test_memberships_and_force(void)
{
    char path[512];
    regio_store *s = open_store(path, sizeof path);
    ASSERT_TRUE(s != NULL);
    regio_error e;
    regio_user_info u = {"kim", NULL, NULL, NULL, 0, 1, 0, 0};
    ASSERT_OK(regio_store_user_upsert(s, &u, "t", NULL, &e));
    ASSERT_OK(regio_store_model_create(s, "m1", REGIO_MODEL_PLANNING, NULL, NULL, NULL, NULL, &e));
    ASSERT_OK(regio_store_territory_upsert(s, "m1", "T1", "T1", NULL, &e));
    regio_membership_info m = {"kim", "T1", "owner", 1, "2027-01-01", "2027-12-31", NULL};
    ASSERT_OK(regio_store_membership_upsert(s, "m1", &m, "t", &e));
    m.role = "boss";
    ASSERT_EQ_INT(regio_store_membership_upsert(s, "m1", &m, "t", &e), REGIO_EDATA);
    m.role = "owner";
    m.end = "2026-01-01";
    ASSERT_EQ_INT(regio_store_membership_upsert(s, "m1", &m, "t", &e), REGIO_EDATA);
    m.end = "2027-02-30";
    ASSERT_EQ_INT(regio_store_membership_upsert(s, "m1", &m, "t", &e), REGIO_EDATA);
    m.end = NULL;
    m.user = "ghost";
    ASSERT_EQ_INT(regio_store_membership_upsert(s, "m1", &m, "t", &e), REGIO_EDATA);
    m.user = "kim";
    m.territory = "T9";
    ASSERT_EQ_INT(regio_store_membership_upsert(s, "m1", &m, "t", &e), REGIO_EDATA);
    ASSERT_EQ_INT(regio_store_territory_set_access(s, "m1", "T1", "admin", "t", &e), REGIO_EDATA);
    ASSERT_OK(regio_store_territory_set_access(s, "m1", "T1", "edit", "t", &e));
    ASSERT_EQ_INT(regio_store_membership_remove(s, "m1", "kim", "T1", "rep", "t", &e),
                  REGIO_ENOTFOUND);
    ASSERT_OK(regio_store_membership_remove(s, "m1", "kim", "T1", "owner", "t", &e));
    /* every write above that succeeded left one audit record, and the chain holds */
    long bad = -1;
    ASSERT_OK(regio_store_audit_verify(s, &bad, &e));
    ASSERT_EQ_INT(bad, 0);
    ASSERT_EQ_INT(count_rows(path, "SELECT count(*) FROM audit_log WHERE action IN"
                                   " ('user.upsert','membership.upsert','territory.access',"
                                   "'membership.remove')"),
                  4);
    regio_store_close(s);
    regio_test_store_remove(path);
}

/* ---- memberships written at once (PostgreSQL: COPY) ------------------------- */

static int membership_line(void *ud, const regio_membership_info *m)
{
    regio_buf *b = ud;
    return regio_buf_printf(b, "%s|%s|%s|%d|%s|%s\n", m->user, m->territory, m->role, m->active,
                            m->start ? m->start : "~", m->end ? m->end : "~") != REGIO_OK;
}

static int audit_line(void *ud, const regio_audit_record *r)
{
    regio_buf *b = ud;
    return regio_buf_printf(b, "%s|%s|%s|%s|%s|%s\n", r->actor, r->action, r->object_type,
                            r->object_id ? r->object_id : "~", r->before ? r->before : "~",
                            r->after ? r->after : "~") != REGIO_OK;
}

/* The store's memberships of m1 and its audit records (no times, no hashes). */
static void org_text(regio_store *s, regio_buf *b)
{
    regio_buf_reset(b);
    ASSERT_OK(regio_store_memberships_foreach(s, "m1", membership_line, b, NULL));
    ASSERT_OK(regio_store_audit_foreach(s, NULL, NULL, audit_line, b, NULL));
    long bad = -1;
    ASSERT_OK(regio_store_audit_verify(s, &bad, NULL));
    ASSERT_EQ_INT(bad, 0);
}

/* Awkward users and territories, random memberships: written at once they
 * leave the rows and audit records that one upsert after the other leaves
 * (the oracle); a call with a row at fault names that row and, rolled
 * back, keeps nothing. */
static void test_memberships_bulk(void)
{
    static const char *users[] = {"kim", "tab\there", "back\\slash", "new\nline", "\xc3\xbc\\N"};
    static const char *terrs[] = {"T1", "T\t2", "T\\3", "\\N", "T 5"};
    static const char *roles[] = {"rep", "owner", "manager"};
    enum { N = 40 };
    regio_membership_info m[N];
    char start[N][11], end[N][11];
    unsigned seed = 2026;
    size_t n = 0;
    /* distinct (user, territory, role) keys, in a random order */
    for (int k = 0; k < 5 * 5 * 3 && n < N; k++) {
        seed = seed * 1103515245u + 12345u;
        if ((seed >> 16) % 2)
            continue;
        regio_membership_info *x = &m[n];
        x->user = users[k % 5];
        x->territory = terrs[(k / 5) % 5];
        x->role = roles[k / 25];
        x->active = (seed >> 20) % 3 != 0;
        snprintf(start[n], sizeof start[n], "2027-0%d-1%d", 1 + (int)(seed >> 8) % 9, (int)n % 10);
        snprintf(end[n], sizeof end[n], "2028-0%d-0%d", 1 + (int)(seed >> 12) % 9, 1 + (int)n % 9);
        x->start = (seed >> 24) % 4 ? start[n] : NULL;
        x->end = (seed >> 26) % 3 ? end[n] : NULL;
        x->user_name = NULL;
        n++;
    }
    ASSERT_TRUE(n > 20);
    char path[2][512];
    regio_store *s[2];
    regio_error e;
    for (int i = 0; i < 2; i++) {
        s[i] = open_store(path[i], sizeof path[i]);
        ASSERT_TRUE(s[i] != NULL);
        ASSERT_OK(regio_store_model_create(s[i], "m1", REGIO_MODEL_PLANNING, NULL, NULL, NULL,
                                           NULL, &e));
        for (int u = 0; u < 5; u++) {
            regio_user_info ui = {users[u], NULL, NULL, NULL, 0, 1, 0, 0};
            ASSERT_OK(regio_store_user_upsert(s[i], &ui, "t", NULL, &e));
        }
        for (int t = 0; t < 5; t++)
            ASSERT_OK(regio_store_territory_upsert(s[i], "m1", terrs[t], terrs[t], NULL, &e));
    }
    /* the oracle: one after the other */
    for (size_t i = 0; i < n; i++)
        ASSERT_OK(regio_store_membership_upsert(s[0], "m1", &m[i], "t", &e));
    /* at once, in a transaction; then again, changed, with a repeated key */
    size_t bad = 99;
    ASSERT_OK(regio_store_begin(s[1], &e));
    ASSERT_OK(regio_store_memberships_upsert(s[1], "m1", m, n, "t", &bad, &e));
    ASSERT_OK(regio_store_commit(s[1], &e));
    regio_membership_info again[3] = {m[1], m[2], m[1]};
    again[0].active = !again[0].active;
    again[2].end = NULL;
    for (int i = 0; i < 3; i++)
        ASSERT_OK(regio_store_membership_upsert(s[0], "m1", &again[i], "t", &e));
    ASSERT_OK(regio_store_begin(s[1], &e));
    ASSERT_OK(regio_store_memberships_upsert(s[1], "m1", again, 3, "t", &bad, &e));
    ASSERT_OK(regio_store_commit(s[1], &e));
    regio_buf want, got;
    regio_buf_init(&want, 0);
    regio_buf_init(&got, 0);
    org_text(s[0], &want);
    org_text(s[1], &got);
    ASSERT_TRUE(want.len > 0);
    ASSERT_EQ_STR(got.data, want.data);
    /* a row at fault: its index and why; the transaction rolled back keeps nothing */
    regio_membership_info faulty[5] = {m[0], m[3], m[4], m[5], m[6]};
    faulty[3].user = "ghost";
    faulty[0].active = !faulty[0].active;
    ASSERT_OK(regio_store_begin(s[1], &e));
    ASSERT_EQ_INT(regio_store_memberships_upsert(s[1], "m1", faulty, 5, "t", &bad, &e),
                  REGIO_EDATA);
    ASSERT_EQ_INT((long)bad, 3);
    ASSERT_TRUE(strstr(e.msg, "ghost") != NULL);
    ASSERT_OK(regio_store_rollback(s[1], &e));
    faulty[3].user = "kim";
    faulty[3].territory = "T9";
    ASSERT_OK(regio_store_begin(s[1], &e));
    ASSERT_EQ_INT(regio_store_memberships_upsert(s[1], "m1", faulty, 5, "t", &bad, &e),
                  REGIO_EDATA);
    ASSERT_EQ_INT((long)bad, 3);
    ASSERT_TRUE(strstr(e.msg, "T9") != NULL);
    ASSERT_OK(regio_store_rollback(s[1], &e));
    org_text(s[1], &got);
    ASSERT_EQ_STR(got.data, want.data);
    regio_buf_free(&want);
    regio_buf_free(&got);
    for (int i = 0; i < 2; i++) {
        regio_store_close(s[i]);
        regio_test_store_remove(path[i]);
    }
}

static int user_line(void *ud, const regio_user_info *u)
{
    regio_buf *b = ud;
    return regio_buf_printf(b, "%s|%s|%s|%s|%u|%d\n", u->login, u->name ? u->name : "~",
                            u->email ? u->email : "~", u->role ? u->role : "~", u->perms,
                            u->active) != REGIO_OK;
}

/* Users written at once leave the rows, results and audit records that one
 * upsert after the other leaves (the oracle), awkward values and all; a
 * user at fault is named by its index. */
static void test_users_bulk(void)
{
    static const char *names[] = {"Ann", "tab\there", "back\\slash", NULL, "\\N", "new\nline"};
    static const char *roles[] = {NULL, "rep", "mgr"};
    enum { N = 30 };
    char login[N][16];
    regio_user_info u[N];
    unsigned seed = 7;
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        snprintf(login[i], sizeof login[i], i % 7 ? "u%02d" : "u\t%02d", i);
        u[i] = (regio_user_info){login[i], names[(seed >> 8) % 6], (seed >> 12) % 2 ? "a@b.c" : NULL,
                                 roles[(seed >> 14) % 3], (seed >> 16) % 8, (seed >> 20) % 4 != 0,
                                 0, 0};
    }
    char path[2][512];
    regio_store *s[2];
    regio_error e;
    regio_upsert_result want_r[N], got_r[N];
    for (int i = 0; i < 2; i++) {
        s[i] = open_store(path[i], sizeof path[i]);
        ASSERT_TRUE(s[i] != NULL);
        ASSERT_OK(regio_store_role_upsert(s[i], "mgr", NULL, "t", &e));
        ASSERT_OK(regio_store_role_upsert(s[i], "rep", "mgr", "t", &e));
        /* some users are there before */
        for (int j = 0; j < N; j += 4)
            ASSERT_OK(regio_store_user_upsert(s[i], &u[j], "t", NULL, &e));
    }
    for (int j = 0; j < N; j += 3) {
        u[j].active = !u[j].active;
        u[j].perms ^= 2u;
    }
    for (int j = 0; j < N; j++)
        ASSERT_OK(regio_store_user_upsert(s[0], &u[j], "t", &want_r[j], &e));
    size_t bad = 99;
    ASSERT_OK(regio_store_begin(s[1], &e));
    ASSERT_OK(regio_store_users_upsert(s[1], u, N, "t", got_r, &bad, &e));
    ASSERT_OK(regio_store_commit(s[1], &e));
    for (int j = 0; j < N; j++)
        ASSERT_EQ_INT(got_r[j], want_r[j]);
    /* a login twice in one call: one after the other */
    regio_user_info twice[3] = {u[1], u[2], u[1]};
    twice[2].name = "Second";
    for (int j = 0; j < 3; j++)
        ASSERT_OK(regio_store_user_upsert(s[0], &twice[j], "t", &want_r[j], &e));
    ASSERT_OK(regio_store_begin(s[1], &e));
    ASSERT_OK(regio_store_users_upsert(s[1], twice, 3, "t", got_r, &bad, &e));
    ASSERT_OK(regio_store_commit(s[1], &e));
    for (int j = 0; j < 3; j++)
        ASSERT_EQ_INT(got_r[j], want_r[j]);
    regio_buf want, got;
    regio_buf_init(&want, 0);
    regio_buf_init(&got, 0);
    for (int i = 0; i < 2; i++) {
        regio_buf *b = i ? &got : &want;
        ASSERT_OK(regio_store_users_foreach(s[i], NULL, user_line, b, NULL));
        ASSERT_OK(regio_store_audit_foreach(s[i], NULL, NULL, audit_line, b, NULL));
        long badid = -1;
        ASSERT_OK(regio_store_audit_verify(s[i], &badid, NULL));
        ASSERT_EQ_INT(badid, 0);
    }
    ASSERT_EQ_STR(got.data, want.data);
    /* an unknown role: its index, its name */
    regio_user_info faulty[4] = {u[3], u[5], u[6], u[7]};
    faulty[0].name = "changed";
    faulty[2].role = "nobody";
    ASSERT_OK(regio_store_begin(s[1], &e));
    ASSERT_EQ_INT(regio_store_users_upsert(s[1], faulty, 4, "t", NULL, &bad, &e), REGIO_EDATA);
    ASSERT_EQ_INT((long)bad, 2);
    ASSERT_TRUE(strstr(e.msg, "nobody") != NULL);
    ASSERT_OK(regio_store_rollback(s[1], &e));
    regio_buf_reset(&got);
    ASSERT_OK(regio_store_users_foreach(s[1], NULL, user_line, &got, NULL));
    ASSERT_OK(regio_store_audit_foreach(s[1], NULL, NULL, audit_line, &got, NULL));
    ASSERT_EQ_STR(got.data, want.data);
    regio_buf_free(&want);
    regio_buf_free(&got);
    for (int i = 0; i < 2; i++) {
        regio_store_close(s[i]);
        regio_test_store_remove(path[i]);
    }
}

static int terr_line(void *ud, const regio_territory_info *t)
{
    return regio_buf_printf(ud, "%s|%s|%s|%s|%s\n", t->id, t->name ? t->name : "~",
                            t->parent ? t->parent : "~", t->rep ? t->rep : "~",
                            t->account_access) != REGIO_OK;
}

static int align_line(void *ud, const regio_alignment_row *r)
{
    return regio_buf_printf(ud, "%s>%s %d\n", r->unit_id ? r->unit_id : r->account_id,
                            r->territory, r->locked) != REGIO_OK;
}

/* A model's territories, alignment and revision as text. */
static void model_text(regio_store *s, const char *model, regio_buf *b)
{
    long rev = -1;
    regio_buf_reset(b);
    ASSERT_OK(regio_store_territories_foreach(s, model, terr_line, b, NULL));
    ASSERT_OK(regio_store_alignment_foreach(s, model, align_line, b, NULL));
    ASSERT_OK(regio_store_alignment_revision(s, model, &rev, NULL));
    regio_buf_printf(b, "rev %ld\n", rev);
}

/* Territories (names, reps, vacancies) and alignments (moves, removals,
 * rows unchanged) written at once leave the rows and revision that the
 * one-row calls one after the other leave (the oracle), awkward ids and
 * all; a row at fault is named by its index (and, for a rep, says so),
 * and rolled back keeps nothing. */
static void test_territories_bulk(void)
{
    static const char *ids[] = {"T0", "tab\tT", "back\\T", "\\N", "new\nT", "T5", "T6", "T7"};
    enum { NT = 8, NU = 24 };
    char unit[NU][8];
    char path[2][512];
    regio_store *s[2];
    regio_error e;
    for (int i = 0; i < 2; i++) {
        s[i] = open_store(path[i], sizeof path[i]);
        ASSERT_TRUE(s[i] != NULL);
        ASSERT_OK(regio_store_model_create(s[i], "m1", REGIO_MODEL_PLANNING, NULL, NULL, NULL,
                                           NULL, &e));
        for (int r = 0; r < 4; r++) {
            regio_rep rep;
            regio_rep_init(&rep);
            char rid[16];
            snprintf(rid, sizeof rid, "R%d", r);
            rep.id = rid;
            rep.name = rid;
            ASSERT_OK(regio_store_rep_upsert(s[i], &rep, NULL, &e));
        }
        for (int u = 0; u < NU; u++) {
            snprintf(unit[u], sizeof unit[u], u % 5 ? "U%02d" : "U\t%02d", u);
            regio_unit un;
            regio_unit_init(&un);
            un.id = unit[u];
            un.name = unit[u];
            un.lat = 40 + u * 0.01;
            un.lon = -100;
            ASSERT_OK(regio_store_unit_upsert(s[i], &un, NULL, &e));
        }
        /* some territories and alignments are there before */
        ASSERT_OK(regio_store_territory_upsert(s[i], "m1", ids[1], "Old one", NULL, &e));
        ASSERT_OK(regio_store_territory_upsert(s[i], "m1", ids[5], NULL, NULL, &e));
        ASSERT_OK(regio_store_territory_set_rep(s[i], "m1", ids[5], "R3", &e));
        ASSERT_OK(regio_store_territory_upsert(s[i], "m1", ids[6], "six", ids[1], &e));
        for (int u = 0; u < NU; u += 3)
            ASSERT_OK(regio_store_alignment_set(s[i], "m1", unit[u], ids[1], &e));
    }
    static const char *reps[] = {NULL, "R0", "R1", "R2", "R3"};
    for (unsigned round = 0, seed = 11; round < 3; round++) {
        regio_territory_write t[NT];
        const char *uids[NU], *tids[NU];
        for (int i = 0; i < NT; i++) {
            seed = seed * 1103515245u + 12345u;
            t[i] = (regio_territory_write){ids[(i + round) % NT], (seed >> 8) % 3 ? ids[i] : NULL,
                                           NULL, reps[(seed >> 12) % 5], 1, (seed >> 16) % 3 != 0};
            /* a rep alone, on a territory stored before */
            if (round && (seed >> 20) % 4 == 0)
                t[i].upsert = 0;
        }
        for (int u = 0; u < NU; u++) {
            seed = seed * 1103515245u + 12345u;
            uids[u] = unit[(u * 7 + round) % NU];
            tids[u] = (seed >> 10) % 6 ? ids[(seed >> 14) % NT] : NULL;
        }
        /* the oracle: one call after the other */
        for (int i = 0; i < NT; i++) {
            if (t[i].upsert)
                ASSERT_OK(regio_store_territory_upsert(s[0], "m1", t[i].ext_id, t[i].name, NULL,
                                                       &e));
            if (t[i].set_rep)
                ASSERT_OK(regio_store_territory_set_rep(s[0], "m1", t[i].ext_id, t[i].rep, &e));
        }
        for (int u = 0; u < NU; u++)
            ASSERT_OK(regio_store_alignment_set(s[0], "m1", uids[u], tids[u], &e));
        size_t bad = 99;
        int bad_rep = 9;
        ASSERT_OK(regio_store_begin(s[1], &e));
        ASSERT_OK(regio_store_territories_write(s[1], "m1", t, NT, &bad, &bad_rep, &e));
        ASSERT_OK(regio_store_alignment_set_many(s[1], "m1", uids, tids, NU, &bad, &e));
        ASSERT_OK(regio_store_commit(s[1], &e));
    }
    regio_buf want, got;
    regio_buf_init(&want, 0);
    regio_buf_init(&got, 0);
    model_text(s[0], "m1", &want);
    model_text(s[1], "m1", &got);
    ASSERT_TRUE(strstr(want.data, "R2") != NULL);
    ASSERT_EQ_STR(got.data, want.data);
    /* faults: an unknown rep, a territory unknown to a rep alone, an
     * unknown unit, an unknown territory */
    regio_territory_write ft[3] = {{"T0", "x", NULL, "R1", 1, 1},
                                   {"T5", NULL, NULL, "R9", 0, 1},
                                   {"T6", "y", NULL, NULL, 1, 0}};
    size_t bad = 99;
    int bad_rep = 0;
    ASSERT_OK(regio_store_begin(s[1], &e));
    ASSERT_EQ_INT(regio_store_territories_write(s[1], "m1", ft, 3, &bad, &bad_rep, &e),
                  REGIO_ENOTFOUND);
    ASSERT_EQ_INT((long)bad, 1);
    ASSERT_EQ_INT(bad_rep, 1);
    ASSERT_TRUE(strstr(e.msg, "R9") != NULL);
    ASSERT_OK(regio_store_rollback(s[1], &e));
    ft[1] = (regio_territory_write){"T9", NULL, NULL, "R1", 0, 1};
    ASSERT_OK(regio_store_begin(s[1], &e));
    ASSERT_EQ_INT(regio_store_territories_write(s[1], "m1", ft, 3, &bad, &bad_rep, &e),
                  REGIO_ENOTFOUND);
    ASSERT_EQ_INT((long)bad, 1);
    ASSERT_TRUE(strstr(e.msg, "T9") != NULL);
    ASSERT_OK(regio_store_rollback(s[1], &e));
    const char *fu[3] = {unit[0], "U99", unit[2]}, *ftt[3] = {"T0", "T5", NULL};
    ASSERT_OK(regio_store_begin(s[1], &e));
    ASSERT_EQ_INT(regio_store_alignment_set_many(s[1], "m1", fu, ftt, 3, &bad, &e),
                  REGIO_ENOTFOUND);
    ASSERT_EQ_INT((long)bad, 1);
    ASSERT_TRUE(strstr(e.msg, "U99") != NULL);
    ASSERT_OK(regio_store_rollback(s[1], &e));
    fu[1] = unit[1];
    ftt[2] = "T99";
    fu[2] = unit[3];
    ASSERT_OK(regio_store_begin(s[1], &e));
    ASSERT_EQ_INT(regio_store_alignment_set_many(s[1], "m1", fu, ftt, 3, &bad, &e),
                  REGIO_ENOTFOUND);
    ASSERT_EQ_INT((long)bad, 2);
    ASSERT_TRUE(strstr(e.msg, "T99") != NULL);
    ASSERT_OK(regio_store_rollback(s[1], &e));
    model_text(s[1], "m1", &got);
    ASSERT_EQ_STR(got.data, want.data);
    regio_buf_free(&want);
    regio_buf_free(&got);
    for (int i = 0; i < 2; i++) {
        regio_store_close(s[i]);
        regio_test_store_remove(path[i]);
    }
}

static int rep_line(void *ud, const regio_rep *r)
{
    return regio_buf_printf(ud, "%s|%s|%s|%s|%.5f|%.5f|%d|%g|%s|%s|%zu\n", r->id,
                            r->name ? r->name : "~", r->email ? r->email : "~",
                            r->city ? r->city : "~", r->lat, r->lon, (int)r->geo_source,
                            r->capacity, r->skills ? r->skills : "~",
                            r->manager ? r->manager : "~", r->n_attrs) != REGIO_OK;
}

/* Reps written at once leave the reps, their users and the results that
 * one upsert after the other leaves (the oracle): new, changed, unchanged,
 * awkward values, an id twice. */
static void test_reps_bulk(void)
{
    static char *names[] = {"Ann", "tab\there", "back\\slash", NULL, "\\N", "new\nline"};
    static char *skills[] = {NULL, "a,b", "x"};
    enum { N = 30 };
    char id[N][16];
    regio_attr attr[N];
    regio_rep r[N + 1];
    unsigned seed = 5;
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        snprintf(id[i], sizeof id[i], i % 6 ? "R%02d" : "R\t%02d", i);
        regio_rep_init(&r[i]);
        r[i].id = id[i];
        r[i].name = names[(seed >> 8) % 6];
        r[i].email = (seed >> 12) % 2 ? "a@b.c" : NULL;
        r[i].lat = (seed >> 14) % 4 ? 40 + (seed >> 16) % 100 * 0.01 : NAN;
        r[i].lon = -100;
        r[i].capacity = (seed >> 18) % 3 ? 1600 : NAN;
        r[i].skills = skills[(seed >> 20) % 3];
        r[i].manager = i > 3 && (seed >> 22) % 2 ? id[i / 2] : NULL;
        attr[i] = (regio_attr){"tier", names[(seed >> 24) % 3], NAN, 0};
        r[i].attrs = (seed >> 26) % 2 ? &attr[i] : NULL;
        r[i].n_attrs = r[i].attrs != NULL;
    }
    char path[2][512];
    regio_store *s[2];
    regio_error e;
    regio_upsert_result want_r[N + 1], got_r[N + 1];
    for (int i = 0; i < 2; i++) {
        s[i] = open_store(path[i], sizeof path[i]);
        ASSERT_TRUE(s[i] != NULL);
        /* some reps are there before; a user that is a rep's login too */
        for (int j = 0; j < N; j += 4)
            ASSERT_OK(regio_store_rep_upsert(s[i], &r[j], NULL, &e));
        regio_user_info ui = {id[5], "Before", NULL, NULL, 0, 1, 0, 0};
        ASSERT_OK(regio_store_user_upsert(s[i], &ui, "t", NULL, &e));
    }
    for (int j = 0; j < N; j += 3)
        r[j].name = "Changed";
    r[N] = r[7];
    r[N].email = "second@b.c";
    for (int j = 0; j <= N; j++)
        ASSERT_OK(regio_store_rep_upsert(s[0], &r[j], &want_r[j], &e));
    size_t bad = 99;
    ASSERT_OK(regio_store_begin(s[1], &e));
    ASSERT_OK(regio_store_reps_upsert(s[1], r, N, got_r, &bad, &e));
    ASSERT_OK(regio_store_reps_upsert(s[1], &r[N], 1, &got_r[N], &bad, &e));
    ASSERT_OK(regio_store_commit(s[1], &e));
    for (int j = 0; j <= N; j++)
        ASSERT_EQ_INT(got_r[j], want_r[j]);
    regio_buf want, got;
    regio_buf_init(&want, 0);
    regio_buf_init(&got, 0);
    for (int i = 0; i < 2; i++) {
        regio_buf *b = i ? &got : &want;
        ASSERT_OK(regio_store_reps_foreach(s[i], rep_line, b, NULL));
        ASSERT_OK(regio_store_users_foreach(s[i], NULL, user_line, b, NULL));
    }
    ASSERT_TRUE(strstr(want.data, "Changed") != NULL);
    ASSERT_EQ_STR(got.data, want.data);
    /* an id twice in one call: one after the other */
    regio_rep twice[3] = {r[4], r[2], r[4]};
    twice[0].name = "First";
    twice[2].name = "Second";
    for (int j = 0; j < 3; j++)
        ASSERT_OK(regio_store_rep_upsert(s[0], &twice[j], &want_r[j], &e));
    ASSERT_OK(regio_store_reps_upsert(s[1], twice, 3, got_r, &bad, &e));
    for (int j = 0; j < 3; j++)
        ASSERT_EQ_INT(got_r[j], want_r[j]);
    regio_buf_reset(&want);
    regio_buf_reset(&got);
    for (int i = 0; i < 2; i++) {
        regio_buf *b = i ? &got : &want;
        ASSERT_OK(regio_store_reps_foreach(s[i], rep_line, b, NULL));
        ASSERT_OK(regio_store_users_foreach(s[i], NULL, user_line, b, NULL));
    }
    ASSERT_EQ_STR(got.data, want.data);
    regio_buf_free(&want);
    regio_buf_free(&got);
    for (int i = 0; i < 2; i++) {
        regio_store_close(s[i]);
        regio_test_store_remove(path[i]);
    }
}

static void test_model_in_force(void)
{
    char path[512];
    regio_store *s = open_store(path, sizeof path);
    ASSERT_TRUE(s != NULL);
    regio_error e;
    ASSERT_OK(regio_store_model_create(s, "m1", REGIO_MODEL_PLANNING, NULL, NULL, NULL, NULL, &e));
    /* the model in force: none before its effective date, then it */
    regio_model_info mi = {0};
    ASSERT_EQ_INT(regio_store_model_in_force(s, "2027-01-01", &mi, &e), REGIO_ENOTFOUND);
    ASSERT_OK(regio_store_model_promote(s, "m1", "2027-03-01", "t", &e));
    ASSERT_EQ_INT(regio_store_model_in_force(s, "2027-02-28", &mi, &e), REGIO_ENOTFOUND);
    ASSERT_OK(regio_store_model_in_force(s, "2027-03-01", &mi, &e));
    ASSERT_EQ_STR(mi.name, "m1");
    regio_model_info_clear(&mi);
    ASSERT_EQ_INT(regio_store_model_in_force(s, "2027-13-01", &mi, &e), REGIO_EINVAL);
    long bad = -1;
    ASSERT_OK(regio_store_audit_verify(s, &bad, &e));
    ASSERT_EQ_INT(bad, 0);
    ASSERT_EQ_INT(count_rows(path, "SELECT count(*) FROM audit_log WHERE action = 'model.promote'"),
                  1);
    regio_store_close(s);
    regio_test_store_remove(path);
}

/* A token's use is noted (last_used_at) as bookkeeping: it moves no store
 * generation, and on SQLite it is held and written with the others at
 * most a minute later, at the latest when the handle closes. */
static void test_token_use_noted(void)
{
    char path[512];
    regio_store *s = open_store(path, sizeof path);
    ASSERT_TRUE(s != NULL);
    regio_error e;
    regio_user_info u = {"lou", NULL, NULL, NULL, 0, 1, 0, 0};
    ASSERT_OK(regio_store_user_upsert(s, &u, "t", NULL, &e));
    char *tok[3] = {NULL, NULL, NULL}, *who = NULL;
    for (int i = 0; i < 3; i++)
        ASSERT_OK(regio_auth_token_create(s, "lou", i == 2 ? "unused" : "ci", "t", &tok[i], NULL, &e));
    uint64_t g0 = 0, g1 = 1;
    ASSERT_OK(regio_store_generation(s, &g0, &e));
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 2; i++) {
            ASSERT_OK(regio_auth_token_user(s, tok[i], &who, &e));
            ASSERT_EQ_STR(who, "lou");
            regio_free(who);
        }
    ASSERT_OK(regio_store_generation(s, &g1, &e));
    ASSERT_TRUE(g0 == g1);
    regio_store_close(s);
    ASSERT_EQ_INT(count_rows(path, "SELECT count(*) FROM api_tokens WHERE last_used_at IS NOT NULL"), 2);
    ASSERT_EQ_INT(count_rows(path, "SELECT count(*) FROM api_tokens WHERE last_used_at IS NULL"
                                   " AND label = 'unused'"), 1);
    for (int i = 0; i < 3; i++)
        regio_free(tok[i]);
    regio_test_store_remove(path);
}

int main(int argc, char **argv)
{
    /* --pg: the PostgreSQL variant (unit.test_org.pg), on REGIO_TEST_DB. */
    regio_test_backend(argc, argv, "test_org --pg");
    RUN(test_roles);
    RUN(test_users_and_passwords);
    RUN(test_tokens_and_sessions);
    RUN(test_token_use_noted);
    RUN(test_throttle);
    RUN(test_memberships_and_force);
    RUN(test_memberships_bulk);
    RUN(test_users_bulk);
    RUN(test_territories_bulk);
    RUN(test_reps_bulk);
    RUN(test_model_in_force);
    TEST_END();
}
