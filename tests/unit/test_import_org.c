/*
 * Unit tests for the imports of the organisation (regio_import_roles,
 * _users, _territories, _memberships, _associations): header mapping of
 * Salesforce exports, hierarchies listed children first, errors naming
 * file, line and column, atomicity (a bad last line changes nothing),
 * idempotence (a second import writes nothing, not even an audit record),
 * the territories CSV round trip and allocation failures.
 */
#include "regio/regio.h"
#include "regio_test.h"
#include "regio_test_db.h"

#include <stdlib.h>
#include <unistd.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char db_path[256];

static regio_store *fresh(void)
{
    snprintf(db_path, sizeof db_path, "/tmp/regio_test_import_org_%ld.db", (long)getpid());
    regio_test_db_remove(db_path);
    regio_store *s = NULL;
    regio_error err;
    if (regio_store_open(db_path, &s, &err) != REGIO_OK)
        fprintf(stderr, "cannot open %s: %s\n", db_path, err.msg);
    return s;
}

static void done(regio_store *s)
{
    regio_store_close(s);
    regio_test_db_remove(db_path);
}

/* Writes text to a file named after name and returns its path (valid for
 * the next 15 calls). */
static const char *file(const char *name, const char *text)
{
    static char paths[16][256];
    static int next;
    char *p = paths[next++ % 16];
    snprintf(p, 256, "/tmp/regio_org_%ld_%s", (long)getpid(), name);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return p;
}

/* Everything an organisation import may touch, as text: equal snapshots
 * mean the store was left exactly as it was. */
static char *snapshot(void)
{
    static const char *const q[] = {
        "SELECT * FROM roles ORDER BY id",
        "SELECT id, login, display_name, email, role_id, active FROM users ORDER BY id",
        "SELECT * FROM user_permissions ORDER BY 1, 2",
        "SELECT id, name, state, alignment_rev FROM territory_models ORDER BY id",
        "SELECT id, model_id, ext_id, name, parent_id, account_access, rep_id FROM territories"
        " ORDER BY id",
        "SELECT * FROM memberships ORDER BY id",
        "SELECT account_id, territory_id, cause FROM account_territories ORDER BY 1, 2, 3",
        "SELECT id, action, object_id FROM audit_log ORDER BY id"};
    sqlite3 *db = NULL;
    regio_buf b;
    regio_buf_init(&b, 0);
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
        for (size_t i = 0; i < N(q); i++) {
            sqlite3_stmt *st = NULL;
            if (sqlite3_prepare_v2(db, q[i], -1, &st, NULL) != SQLITE_OK) {
                regio_buf_printf(&b, "[%s: %s]", q[i], sqlite3_errmsg(db));
                continue;
            }
            while (sqlite3_step(st) == SQLITE_ROW) {
                for (int c = 0; c < sqlite3_column_count(st); c++) {
                    const unsigned char *t = sqlite3_column_text(st, c);
                    regio_buf_printf(&b, "%s|", t ? (const char *)t : "NULL");
                }
                regio_buf_putc(&b, '\n');
            }
            sqlite3_finalize(st);
            regio_buf_puts(&b, "--\n");
        }
    sqlite3_close(db);
    return b.data;
}

static long sql_int(const char *sql)
{
    sqlite3 *db = NULL;
    long v = -1;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
        v = (long)regio_test_sql_int(db, sql);
    sqlite3_close(db);
    return v;
}

/* Checks a failure: REGIO_EDATA (unless code says otherwise), the file's
 * line, the column's header as written and a part of the message. */
#define ASSERT_FAILS_AT(rc, err, want_line, want_field, part)                                  \
    do {                                                                                       \
        ASSERT_EQ_INT((rc), REGIO_EDATA);                                                      \
        ASSERT_EQ_INT((err).line, (want_line));                                                \
        ASSERT_EQ_STR((err).field, (want_field));                                              \
        if (!strstr((err).msg, (part)))                                                        \
            FAIL_AT_("message \"%s\" lacks \"%s\"", (err).msg, (part));                         \
    } while (0)

/* A failed import left the store as it was. */
#define ASSERT_UNCHANGED(before)                                                               \
    do {                                                                                       \
        char *after_ = snapshot();                                                             \
        ASSERT_EQ_STR(after_, (before));                                                       \
        free(after_);                                                                          \
    } while (0)

static regio_import_summary sum;
static regio_error err;

static void test_header_maps(void)
{
    static const char *const terr[] = {"Id", "Name", "DeveloperName", "ParentTerritory2Id",
                                       "AccountAccessLevel", "Territory2ModelId"};
    static const regio_field want_t[] = {REGIO_F_ID, REGIO_F_NAME, REGIO_F_TERRITORY,
                                         REGIO_F_PARENT, REGIO_F_ACCOUNT_ACCESS, REGIO_F_NONE};
    static const char *const mem[] = {"Id", "UserId", "Territory2Id", "RoleInTerritory2",
                                      "IsActive"};
    static const regio_field want_m[] = {REGIO_F_NONE, REGIO_F_USER, REGIO_F_TERRITORY,
                                         REGIO_F_ROLE, REGIO_F_ACTIVE};
    static const char *const assoc[] = {"Id", "ObjectId", "Territory2Id", "AssociationCause"};
    static const regio_field want_a[] = {REGIO_F_NONE, REGIO_F_ACCOUNT, REGIO_F_TERRITORY,
                                         REGIO_F_NONE};
    static const char *const users[] = {"USERNAME", "Name", "E-mail", "Role", "Permissions",
                                        "Active"};
    static const regio_field want_u[] = {REGIO_F_USER, REGIO_F_NAME, REGIO_F_EMAIL,
                                         REGIO_F_ROLE, REGIO_F_PERMISSIONS, REGIO_F_ACTIVE};
    struct {
        regio_entity ent;
        const char *const *h;
        const regio_field *want;
        size_t n;
    } cases[] = {{REGIO_ENTITY_TERRITORY, terr, want_t, N(terr)},
                 {REGIO_ENTITY_MEMBERSHIP, mem, want_m, N(mem)},
                 {REGIO_ENTITY_ASSOCIATION, assoc, want_a, N(assoc)},
                 {REGIO_ENTITY_USER, users, want_u, N(users)}};
    for (size_t c = 0; c < N(cases); c++) {
        regio_header_map *m = NULL;
        ASSERT_OK(regio_header_map_build(cases[c].ent, cases[c].h, cases[c].n, NULL, 0, &m, &err));
        for (size_t i = 0; m && i < cases[c].n; i++)
            if (regio_header_map_field(m, i) != cases[c].want[i])
                FAIL_AT_("%s column '%s': got %d want %d", regio_entity_name(cases[c].ent),
                         cases[c].h[i], regio_header_map_field(m, i), cases[c].want[i]);
        regio_header_map_destroy(m);
    }
    /* A membership file needs its territory column. */
    static const char *const no_terr[] = {"user", "role"};
    regio_header_map *m = NULL;
    ASSERT_EQ_INT(regio_header_map_build(REGIO_ENTITY_MEMBERSHIP, no_terr, 2, NULL, 0, &m, &err),
                  REGIO_EDATA);
    ASSERT_EQ_STR(err.field, "territory");
    ASSERT_TRUE(strstr(err.msg, "no territory column in the membership file: expected one of "
                                "territory, Territory2Id") != NULL);
    /* A territory is named by name, territory or id. */
    static const char *const by_name[] = {"name", "parent"};
    ASSERT_OK(regio_header_map_build(REGIO_ENTITY_TERRITORY, by_name, 2, NULL, 0, &m, &err));
    regio_header_map_destroy(m);
    static const char *const unnamed[] = {"parent", "rep"};
    ASSERT_EQ_INT(regio_header_map_build(REGIO_ENTITY_TERRITORY, unnamed, 2, NULL, 0, &m, &err),
                  REGIO_EDATA);
    ASSERT_TRUE(strstr(err.msg, "no name column in the territory file") != NULL);
    /* Accounts keep their own meanings: "Rep" is an account's owner. */
    static const char *const acc[] = {"id", "Rep", "territory"};
    ASSERT_OK(regio_header_map_build(REGIO_ENTITY_ACCOUNT, acc, 3, NULL, 0, &m, &err));
    ASSERT_EQ_INT(regio_header_map_field(m, 1), REGIO_F_OWNER);
    ASSERT_EQ_INT(regio_header_map_field(m, 2), REGIO_F_NONE);
    regio_header_map_destroy(m);
}

typedef struct names {
    char text[2048];
} names;

static int role_line(void *ud, const regio_role_info *r)
{
    names *n = ud;
    size_t l = strlen(n->text);
    snprintf(n->text + l, sizeof n->text - l, "%s<%s ", r->name, r->parent ? r->parent : "-");
    return 0;
}

static void test_roles(void)
{
    regio_store *s = fresh();
    /* Children before their parents. */
    const char *f = file("roles.csv", "role,parent\nrep-west,mgr-west\nmgr-west,vp\nvp,\n"
                                      "rep-east,mgr-east\nmgr-east,vp\n");
    ASSERT_OK(regio_import_roles(s, f, NULL, &sum, &err));
    ASSERT_EQ_INT(sum.rows, 5);
    ASSERT_EQ_INT(sum.added, 5);
    names n = {""};
    ASSERT_OK(regio_store_roles_foreach(s, role_line, &n, NULL));
    ASSERT_EQ_STR(n.text, "vp<- mgr-east<vp mgr-west<vp rep-east<mgr-east rep-west<mgr-west ");
    long audits = sql_int("SELECT count(*) FROM audit_log");
    ASSERT_EQ_INT(sql_int("SELECT count(*) FROM audit_log WHERE action = 'import.roles'"), 1);
    /* The same file again: nothing written, not even an audit record. */
    char *before = snapshot();
    ASSERT_OK(regio_import_roles(s, f, NULL, &sum, &err));
    ASSERT_EQ_INT(sum.unchanged, 5);
    ASSERT_EQ_INT(sum.added + sum.updated, 0);
    ASSERT_UNCHANGED(before);
    ASSERT_EQ_INT(sql_int("SELECT count(*) FROM audit_log"), audits);
    /* A cycle in the file: the line of its first row, the parent column. */
    regio_err rc = regio_import_roles(
        s, file("cycle.csv", "role,parent\nnew,\nx,y\ny,z\nz,x\n"), NULL, &sum, &err);
    ASSERT_FAILS_AT(rc, err, 3, "parent", "role 'x' reporting to 'y' would make a cycle: "
                                          "x reports to y reports to z reports to x");
    ASSERT_TRUE(strstr(err.file, "cycle.csv") != NULL);
    /* A cycle through the store: vp under rep-west, who reports to vp. */
    rc = regio_import_roles(s, file("cycle2.csv", "role,parent\nvp,rep-west\n"), NULL, &sum,
                            &err);
    ASSERT_FAILS_AT(rc, err, 2, "parent", "vp reports to rep-west reports to mgr-west reports to vp");
    rc = regio_import_roles(s, file("self.csv", "Role Name,Parent Role\nok,\nme,me\n"), NULL, &sum,
                            &err);
    ASSERT_FAILS_AT(rc, err, 3, "Parent Role", "role 'me' cannot be its own parent");
    rc = regio_import_roles(s, file("unknown.csv", "role,parent\na,vp\nb,boss\n"), NULL, &sum,
                            &err);
    ASSERT_FAILS_AT(rc, err, 3, "parent", "unknown parent role 'boss'");
    rc = regio_import_roles(s, file("dup.csv", "role,parent\na,vp\nb,vp\na,\n"), NULL, &sum, &err);
    ASSERT_FAILS_AT(rc, err, 4, "role", "role 'a' appears twice in the file (first on line 2)");
    rc = regio_import_roles(s, file("empty.csv", "role,parent\na,vp\n,vp\n"), NULL, &sum, &err);
    ASSERT_FAILS_AT(rc, err, 3, "role", "the role is empty");
    ASSERT_UNCHANGED(before);
    free(before);
    /* A move: rep-east now reports to mgr-west. */
    ASSERT_OK(regio_import_roles(s, file("move.csv", "role,parent\nrep-east,mgr-west\n"), NULL,
                                 &sum, &err));
    ASSERT_EQ_INT(sum.updated, 1);
    done(s);
}

typedef struct user_seen {
    char text[2048];
} user_seen;

static int user_line(void *ud, const regio_user_info *u)
{
    user_seen *n = ud;
    size_t l = strlen(n->text);
    char perms[64];
    regio_perm_format(u->perms, perms, sizeof perms);
    snprintf(n->text + l, sizeof n->text - l, "%s|%s|%s|%s|%s|%d\n", u->login,
             u->name ? u->name : "-", u->email ? u->email : "-", u->role ? u->role : "-", perms,
             u->active);
    return 0;
}

static void test_users(void)
{
    regio_store *s = fresh();
    ASSERT_OK(regio_import_roles(s, file("r.csv", "role,parent\nvp,\nrep,vp\n"), NULL, &sum, &err));
    const char *f = file("users.csv", "username,name,email,role,permissions\n"
                                      "ana,Ana Alves,ana@example.com,rep,\n"
                                      "vera,Vera Volk,vera@example.com,vp,"
                                      "view_all; manage_territories\n"
                                      "ops,,,,modify_all\n");
    ASSERT_OK(regio_import_users(s, f, NULL, &sum, &err));
    ASSERT_EQ_INT(sum.added, 3);
    user_seen u = {""};
    ASSERT_OK(regio_store_users_foreach(s, NULL, user_line, &u, NULL));
    ASSERT_EQ_STR(u.text, "ana|Ana Alves|ana@example.com|rep||1\n"
                          "ops|-|-|-|modify_all|1\n"
                          "vera|Vera Volk|vera@example.com|vp|manage_territories;view_all|1\n");
    ASSERT_OK(regio_import_users(s, f, NULL, &sum, &err));
    ASSERT_EQ_INT(sum.unchanged, 3);
    /* No role column: the roles stay; active given. */
    ASSERT_OK(regio_import_users(s, file("u2.csv", "login,email,active\nana,ana@new.example,false\n"
                                                   "bo,,yes\n"),
                                 NULL, &sum, &err));
    ASSERT_EQ_INT(sum.added, 1);
    ASSERT_EQ_INT(sum.updated, 1);
    u.text[0] = '\0';
    ASSERT_OK(regio_store_users_foreach(s, NULL, user_line, &u, NULL));
    ASSERT_TRUE(strstr(u.text, "ana|Ana Alves|ana@new.example|rep||0\n") != NULL);
    ASSERT_TRUE(strstr(u.text, "bo|-|-|-||1\n") != NULL);
    char *before = snapshot();
    regio_err rc = regio_import_users(
        s, file("u3.csv", "username,role\ncarl,rep\ndee,cfo\n"), NULL, &sum, &err);
    ASSERT_FAILS_AT(rc, err, 3, "role", "unknown role 'cfo'");
    rc = regio_import_users(s, file("u4.csv", "username,permissions\ncarl,view_all;fly\n"), NULL,
                            &sum, &err);
    ASSERT_FAILS_AT(rc, err, 2, "permissions", "unknown permission 'fly'");
    rc = regio_import_users(s, file("u5.csv", "username,IsActive\ncarl,maybe\n"), NULL, &sum, &err);
    ASSERT_FAILS_AT(rc, err, 2, "IsActive", "'maybe' is not true or false");
    rc = regio_import_users(s, file("u6.csv", "username\ncarl\ndee\ncarl\n"), NULL, &sum, &err);
    ASSERT_FAILS_AT(rc, err, 4, "username", "user 'carl' appears twice in the file (first on line 2)");
    rc = regio_import_users(s, file("u7.csv", "name,email\nCarl,c@x\n"), NULL, &sum, &err);
    ASSERT_EQ_INT(rc, REGIO_EDATA);
    ASSERT_TRUE(strstr(err.msg, "no user column in the user file") != NULL);
    ASSERT_UNCHANGED(before);
    free(before);
    done(s);
}

typedef struct terr_seen {
    char text[4096];
} terr_seen;

static int terr_line(void *ud, const regio_territory_info *t)
{
    terr_seen *n = ud;
    size_t l = strlen(n->text);
    snprintf(n->text + l, sizeof n->text - l, "%s|%s|%s|%s|%s\n", t->id, t->name ? t->name : "-",
             t->parent ? t->parent : "-", t->account_access, t->rep ? t->rep : "-");
    return 0;
}

static void test_territories_salesforce(void)
{
    regio_store *s = fresh();
    /* A Territory2 export: parents by record id, children first. */
    const char *f = file("Territory2.csv",
                         "Id,Name,DeveloperName,ParentTerritory2Id,AccountAccessLevel,"
                         "Territory2ModelId\n"
                         "0MI3,Seattle,Seattle,0MI2,Edit,0MA1\n"
                         "0MI2,West,West,0MI1,Read,0MA1\n"
                         "0MI1,North America,NA,,All,0MA1\n"
                         "0MI4,Portland & Co,Portland,0MI2,edit,0MA1\n");
    ASSERT_OK(regio_import_territories(s, f, "sf", NULL, &sum, &err));
    ASSERT_EQ_INT(sum.added, 4);
    ASSERT_TRUE(strstr(sum.notes, "created territory model 'sf' (planning)") != NULL);
    regio_model_info mi;
    memset(&mi, 0, sizeof mi);
    ASSERT_OK(regio_store_model_find(s, "sf", &mi, NULL));
    ASSERT_EQ_INT(mi.state, REGIO_MODEL_PLANNING);
    regio_model_info_clear(&mi);
    terr_seen t = {""};
    ASSERT_OK(regio_store_territories_foreach(s, "sf", terr_line, &t, NULL));
    ASSERT_EQ_STR(t.text, "NA|North America|-|owner|-\n"
                          "Portland|Portland & Co|West|edit|-\n"
                          "Seattle|Seattle|West|edit|-\n"
                          "West|West|NA|read|-\n");
    char *before = snapshot();
    ASSERT_OK(regio_import_territories(s, f, "sf", NULL, &sum, &err));
    ASSERT_EQ_INT(sum.unchanged, 4);
    ASSERT_TRUE(sum.notes[0] == '\0');
    ASSERT_UNCHANGED(before);
    free(before);
    /* Without record ids a parent is named by DeveloperName. */
    ASSERT_OK(regio_import_territories(
        s, file("t2.csv", "DeveloperName,ParentTerritory2Id,AccountAccessLevel\nSeattle,NA,Read\n"),
        "sf", NULL, &sum, &err));
    ASSERT_EQ_INT(sum.updated, 1);
    t.text[0] = '\0';
    ASSERT_OK(regio_store_territories_foreach(s, "sf", terr_line, &t, NULL));
    ASSERT_TRUE(strstr(t.text, "Seattle|Seattle|NA|read|-\n") != NULL);
    done(s);
}

static void test_territory_errors(void)
{
    regio_store *s = fresh();
    ASSERT_OK(regio_import_reps(s, file("reps.csv", "id,name,lat,lon\nr1,Ana,47.6,-122.3\n"),
                                NULL, &sum, &err));
    ASSERT_OK(regio_import_territories(s, file("base.csv", "name,parent,account_access,rep\n"
                                                           "W,,read,\nW1,W,edit,r1\n"),
                                       "m", NULL, &sum, &err));
    char *before = snapshot();
    regio_err rc = regio_import_territories(
        s, file("lvl.csv", "name,parent,account_access\nW2,W,edit\nW3,W,write\n"), "m", NULL, &sum,
        &err);
    ASSERT_FAILS_AT(rc, err, 3, "account_access", "unknown account access level 'write'");
    rc = regio_import_territories(s, file("par.csv", "name,parent\nW2,W\nW3,E\n"), "m", NULL, &sum,
                                  &err);
    ASSERT_FAILS_AT(rc, err, 3, "parent", "unknown parent territory 'E'");
    rc = regio_import_territories(s, file("cyc.csv", "name,parent\nW,W1\n"), "m", NULL, &sum, &err);
    ASSERT_FAILS_AT(rc, err, 2, "parent", "territory 'W' under 'W1' would make a cycle: "
                                          "W under W1 under W");
    rc = regio_import_territories(s, file("rep.csv", "name,parent,rep\nW2,W,r9\n"), "m", NULL, &sum,
                                  &err);
    ASSERT_FAILS_AT(rc, err, 2, "rep", "unknown rep 'r9'");
    /* 17 levels: the store refuses the 17th, the import names its line. */
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_buf_puts(&b, "name,parent\n");
    for (int i = 17; i >= 1; i--) { /* deepest first */
        if (i > 1)
            regio_buf_printf(&b, "L%02d,L%02d\n", i, i - 1);
        else
            regio_buf_puts(&b, "L01,\n");
    }
    rc = regio_import_territories(s, file("deep.csv", b.data), "m", NULL, &sum, &err);
    regio_buf_free(&b);
    ASSERT_FAILS_AT(rc, err, 2, "parent", "limit 16");
    ASSERT_UNCHANGED(before);
    free(before);
    /* An archived model is history. */
    ASSERT_OK(regio_store_model_create(s, "old", REGIO_MODEL_ARCHIVED, NULL, NULL, NULL, NULL,
                                       NULL));
    rc = regio_import_territories(s, file("old.csv", "name\nX\n"), "old", NULL, &sum, &err);
    ASSERT_EQ_INT(rc, REGIO_ECONFLICT);
    ASSERT_TRUE(strstr(err.msg, "archived") != NULL);
    /* Memberships and associations need a model that exists. */
    rc = regio_import_associations(s, file("a.csv", "account,territory\nA1,W\n"), "nope", NULL,
                                   &sum, &err);
    ASSERT_EQ_INT(rc, REGIO_ENOTFOUND);
    ASSERT_EQ_INT(sql_int("SELECT count(*) FROM territory_models WHERE name = 'nope'"), 0);
    done(s);
}

typedef struct mem_seen {
    char text[2048];
} mem_seen;

static int mem_line(void *ud, const regio_membership_info *m)
{
    mem_seen *n = ud;
    size_t l = strlen(n->text);
    snprintf(n->text + l, sizeof n->text - l, "%s@%s:%s:%d:%s:%s\n", m->user, m->territory,
             m->role, m->active, m->start ? m->start : "-", m->end ? m->end : "-");
    return 0;
}

/* A store with roles, users, reps, two accounts and model m (W > W1, W2). */
static regio_store *org_store(void)
{
    regio_store *s = fresh();
    ASSERT_OK(regio_import_users(s, file("users.csv", "user\nana\nbo\nvera\n"), NULL, &sum, &err));
    ASSERT_OK(regio_import_accounts(s, file("acc.csv", "id,name,lat,lon\nA1,Acme,1,1\n"
                                                       "A2,Bolt,2,2\n"),
                                    NULL, &sum, &err));
    ASSERT_OK(regio_import_territories(s, file("t.csv", "name,parent\nW,\nW1,W\nW2,W\n"), "m",
                                       NULL, &sum, &err));
    return s;
}

static void test_memberships(void)
{
    regio_store *s = org_store();
    /* A UserTerritory2Association export. */
    const char *f = file("UserTerritory2Association.csv",
                         "Id,UserId,Territory2Id,RoleInTerritory2,IsActive\n"
                         "0R01,ana,W1,Owner,true\n"
                         "0R02,bo,W2,,false\n"
                         "0R03,vera,W,manager,1\n");
    ASSERT_OK(regio_import_memberships(s, f, "m", NULL, &sum, &err));
    ASSERT_EQ_INT(sum.added, 3);
    mem_seen m = {""};
    ASSERT_OK(regio_store_memberships_foreach(s, "m", mem_line, &m, NULL));
    ASSERT_EQ_STR(m.text, "vera@W:manager:1:-:-\nana@W1:owner:1:-:-\nbo@W2:rep:0:-:-\n");
    char *before = snapshot();
    ASSERT_OK(regio_import_memberships(s, f, "m", NULL, &sum, &err));
    ASSERT_EQ_INT(sum.unchanged, 3);
    ASSERT_UNCHANGED(before);
    /* Dates, and what goes wrong with them, named at their line and column. */
    regio_err rc = regio_import_memberships(
        s, file("m2.csv", "user,territory,role,start,end\nana,W2,rep,2027-01-01,2027-07-01\n"
                          "bo,W1,rep,2027-02-30,\n"),
        "m", NULL, &sum, &err);
    ASSERT_FAILS_AT(rc, err, 3, "start", "'2027-02-30' is not a date");
    rc = regio_import_memberships(
        s, file("m3.csv", "user,territory,start date,end date\nana,W2,2027-03-01,2027-02-01\n"),
        "m", NULL, &sum, &err);
    ASSERT_FAILS_AT(rc, err, 2, "end date", "end 2027-02-01 is before start 2027-03-01");
    rc = regio_import_memberships(s, file("m4.csv", "user,territory\nana,W2\nzed,W2\n"), "m", NULL,
                                  &sum, &err);
    ASSERT_FAILS_AT(rc, err, 3, "user", "unknown user 'zed'");
    rc = regio_import_memberships(s, file("m5.csv", "user,territory\nana,W9\n"), "m", NULL, &sum,
                                  &err);
    ASSERT_FAILS_AT(rc, err, 2, "territory", "unknown territory 'W9' in territory model 'm'");
    rc = regio_import_memberships(s, file("m6.csv", "user,territory,role\nana,W2,boss\n"), "m",
                                  NULL, &sum, &err);
    ASSERT_FAILS_AT(rc, err, 2, "role", "unknown membership role 'boss'");
    rc = regio_import_memberships(s, file("m7.csv", "user,territory\nana,W2\nana,W2\n"), "m", NULL,
                                  &sum, &err);
    ASSERT_FAILS_AT(rc, err, 3, "user", "the rep membership of 'ana' in territory 'W2' appears "
                                        "twice in the file (first on line 2)");
    ASSERT_UNCHANGED(before);
    free(before);
    /* A change of dates is an update. */
    ASSERT_OK(regio_import_memberships(
        s, file("m8.csv", "user,territory,role,start,end\nana,W1,owner,2027-01-01,\n"), "m", NULL,
        &sum, &err));
    ASSERT_EQ_INT(sum.updated, 1);
    done(s);
}

static void test_associations(void)
{
    regio_store *s = org_store();
    const char *f = file("ObjectTerritory2Association.csv",
                         "Id,ObjectId,Territory2Id,AssociationCause\n"
                         "0R1,A1,W1,Territory2Manual\n0R2,A1,W2,Territory2Manual\n"
                         "0R3,A2,W2,Territory2Manual\n");
    ASSERT_OK(regio_import_associations(s, f, "m", NULL, &sum, &err));
    ASSERT_EQ_INT(sum.added, 3);
    ASSERT_EQ_INT(sql_int("SELECT count(*) FROM account_territories WHERE cause = 'manual'"), 3);
    char *before = snapshot();
    ASSERT_OK(regio_import_associations(s, f, "m", NULL, &sum, &err));
    ASSERT_EQ_INT(sum.unchanged, 3);
    ASSERT_UNCHANGED(before);
    regio_err rc = regio_import_associations(
        s, file("a2.csv", "ObjectId,Territory2Id\nA2,W1\nA9,W1\n"), "m", NULL, &sum, &err);
    ASSERT_FAILS_AT(rc, err, 3, "ObjectId", "unknown account 'A9'");
    rc = regio_import_associations(s, file("a3.csv", "account,territory\nA2,\n"), "m", NULL, &sum,
                                   &err);
    ASSERT_FAILS_AT(rc, err, 2, "territory", "the territory is empty");
    ASSERT_UNCHANGED(before);
    free(before);
    done(s);
}

/* The first rows are good, the last is not: the store is as before, for
 * every kind of import. */
static void test_bad_last_line_changes_nothing(void)
{
    regio_store *s = org_store();
    char *before = snapshot();
    struct {
        const char *name, *text;
        int kind;
        long line;
    } cases[] = {
        {"r.csv", "role,parent\na,\nb,a\nc,b\nd,zz\n", 0, 5},
        {"u.csv", "user,name,permissions\nx,X,\ny,Y,view_all\nz,Z,all\n", 1, 4},
        {"t.csv", "name,parent,account_access\nE,,read\nE1,E,edit\nE2,E,nope\n", 2, 4},
        {"t2.csv", "name,parent,account_access\nE,,read\nE1,E,edit\nE2,E1,read\nE,E2,read\n", 2, 5},
        {"m.csv", "user,territory,start,end\nana,W1,,\nbo,W2,2027-01-01,\nvera,W,2027-01-01,2026-01-01\n",
         3, 4},
        {"a.csv", "account,territory\nA1,W1\nA2,W1\nA3,W1\n", 4, 4},
    };
    for (size_t i = 0; i < N(cases); i++) {
        const char *f = file(cases[i].name, cases[i].text);
        regio_err rc;
        switch (cases[i].kind) {
        case 0: rc = regio_import_roles(s, f, NULL, &sum, &err); break;
        case 1: rc = regio_import_users(s, f, NULL, &sum, &err); break;
        case 2: rc = regio_import_territories(s, f, i == 2 ? "new-model" : "m", NULL, &sum, &err); break;
        case 3: rc = regio_import_memberships(s, f, "m", NULL, &sum, &err); break;
        default: rc = regio_import_associations(s, f, "m", NULL, &sum, &err); break;
        }
        ASSERT_EQ_INT(rc, REGIO_EDATA);
        if (err.line != cases[i].line)
            FAIL_AT_("%s: line %ld, want %ld (%s)", cases[i].name, err.line, cases[i].line,
                     err.msg);
        ASSERT_UNCHANGED(before);
    }
    /* The model a failed territory import would have created is not there. */
    ASSERT_EQ_INT(sql_int("SELECT count(*) FROM territory_models WHERE name = 'new-model'"), 0);
    /* A dry run checks and counts, and writes nothing. */
    regio_import_opts o = {0};
    o.dry_run = 1;
    ASSERT_OK(regio_import_roles(s, file("dry.csv", "role\nq\n"), &o, &sum, &err));
    ASSERT_EQ_INT(sum.added, 1);
    ASSERT_UNCHANGED(before);
    /* Skipping invalid rows would break all-or-nothing: refused. */
    o.dry_run = 0;
    o.skip_invalid = 1;
    ASSERT_EQ_INT(regio_import_roles(s, file("dry.csv", "role\nq\n"), &o, &sum, &err), REGIO_EINVAL);
    free(before);
    done(s);
}

static char *export_csv(regio_store *s, const char *model)
{
    regio_export_opts eo = {model};
    FILE *f = tmpfile();
    size_t rows = 0;
    char *text = NULL;
    if (f && regio_export_stream(s, REGIO_EXPORT_TERRITORIES, REGIO_FORMAT_CSV, &eo, f, &rows,
                                 &err) == REGIO_OK) {
        long n = ftell(f);
        rewind(f);
        text = calloc(1, (size_t)n + 1);
        if (text && fread(text, 1, (size_t)n, f) != (size_t)n)
            text[0] = '\0';
    }
    if (f)
        fclose(f);
    return text;
}

/* export, import into a new model, export again: the same bytes. */
static void test_round_trip(void)
{
    regio_store *s = fresh();
    ASSERT_OK(regio_import_reps(s, file("reps.csv", "id,name,lat,lon\nr1,Ana,1,1\nr2,Bo,2,2\n"),
                                NULL, &sum, &err));
    /* A hierarchy of three levels, names that need quoting, levels, reps. */
    ASSERT_OK(regio_import_territories(
        s, file("t.csv", "name,parent,account_access,rep\n"
                         "\"East, North\",East,edit,r2\nEast,All,read,\nWest,All,owner,\n"
                         "All,,read,\n\"W \"\"1\"\"\",West,edit,r1\nW0,West,read,\n"),
        "a", NULL, &sum, &err));
    char *one = export_csv(s, "a");
    ASSERT_EQ_STR(one, "name,parent,account_access,rep\n"
                       "All,,read,\n"
                       "East,All,read,\n"
                       "\"East, North\",East,edit,r2\n"
                       "West,All,owner,\n"
                       "\"W \"\"1\"\"\",West,edit,r1\n"
                       "W0,West,read,\n");
    ASSERT_OK(regio_import_territories(s, file("one.csv", one ? one : ""), "b", NULL, &sum, &err));
    ASSERT_EQ_INT(sum.added, 6);
    char *two = export_csv(s, "b");
    ASSERT_EQ_STR(two, one);
    /* ... and into the model it came from: nothing to do. */
    ASSERT_OK(regio_import_territories(s, file("one.csv", one ? one : ""), "a", NULL, &sum, &err));
    ASSERT_EQ_INT(sum.unchanged, 6);
    free(one);
    free(two);
    done(s);
}

static void test_alloc_failures(void)
{
    regio_store *s = fresh();
    ASSERT_OK(regio_import_roles(s, file("r.csv", "role\nvp\n"), NULL, &sum, &err));
    const char *f = file("t.csv", "name,parent,account_access\nB1,B,edit\nB,,read\nB2,B,owner\n");
    regio_allocator a = regio_test_failing;
    int failures = 0, successes = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 4000 && successes < 2; alloc_fail_at++) {
        alloc_calls = 0;
        regio_set_allocator(&a);
        regio_err rc = regio_import_territories(s, f, "x", NULL, &sum, &err);
        regio_set_allocator(NULL);
        long n = sql_int("SELECT count(*) FROM territories");
        if (rc == REGIO_OK) {
            successes++;
        } else {
            failures++;
            ASSERT_TRUE(n == 0 || n == 3);
            if (successes == 0)
                ASSERT_EQ_INT(sql_int("SELECT count(*) FROM territory_models"), 0);
        }
    }
    ASSERT_TRUE(failures > 20);
    ASSERT_TRUE(successes > 0);
    ASSERT_EQ_INT(sql_int("SELECT count(*) FROM territories"), 3);
    done(s);
}

int main(void)
{
    RUN(test_header_maps);
    RUN(test_roles);
    RUN(test_users);
    RUN(test_territories_salesforce);
    RUN(test_territory_errors);
    RUN(test_memberships);
    RUN(test_associations);
    RUN(test_bad_last_line_changes_nothing);
    RUN(test_round_trip);
    RUN(test_alloc_failures);
    TEST_END();
}
