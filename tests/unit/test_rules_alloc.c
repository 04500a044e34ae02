/*
 * Every allocation failure of the rules part, one at a time: the rule
 * compiler, the rules import, the rule run, the live count, the
 * associations export and owners assignment are called with the n-th
 * allocation failing for n = 1, 2, ... until they succeed. Each failure
 * must be an error (never a crash, and under AddressSanitizer never a
 * leak) that leaves the store as it was; the call that finally succeeds
 * gives what a run without failures gives. With --pg the same on
 * PostgreSQL (REGIO_TEST_DB), whose store is snapshotted into a sibling
 * schema and put back with triggers off (session_replication_role, which
 * the test cluster's superuser may set).
 */
#include "regio/import.h"
#include "regio/org.h"
#include "regio/rule_store.h"
#include "regio/store.h"
#include "store/schema_sqlite.h"
#include "regio_test.h"
#include "regio_test_db.h"

static char loc[512];   /* the store */
static char db_path[64]; /* a temporary file whose name the CSV files share */
static regio_store *S;

#ifdef REGIO_HAVE_PG
static PGconn *pg; /* the test's own connection to the PostgreSQL store */
#endif

static long long q(const char *sql)
{
#ifdef REGIO_HAVE_PG
    if (regio_test_pg()) {
        if (!pg)
            pg = PQconnectdb(loc);
        PGresult *r = PQexec(pg, sql);
        long long v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r)
                          ? strtoll(PQgetvalue(r, 0, 0), NULL, 10)
                          : -1;
        PQclear(r);
        return v;
    }
#endif
    return regio_test_sql_int(regio__sqlite_handle(S), sql);
}

/* The store's content that a failed call must not change. */
static long long state(void)
{
    return q("SELECT (SELECT count(*) FROM account_territories) * 1000000 +"
             " (SELECT count(*) FROM assignment_rules) * 10000 + (SELECT count(*) FROM audit_log)"
             " * 10 + (SELECT count(*) FROM accounts WHERE owner_ext IS NOT NULL)");
}

static void setup(void)
{
    regio_test_db_path(db_path, sizeof db_path, "rules_alloc");
    if (regio_test_pg())
        regio_test_store_location(loc, sizeof loc, "rules_alloc");
    else
        snprintf(loc, sizeof loc, "%s", db_path);
    regio_error e;
    ASSERT_OK(regio_store_open(loc, &S, &e));
    char csv[128];
    snprintf(csv, sizeof csv, "%s.csv", db_path);
    FILE *f = fopen(csv, "w");
    fprintf(f, "id,name,industry,segment,employees,type,loyalty\n");
    for (int i = 0; i < 40; i++)
        fprintf(f, "A%02d,Company %d,%s,%c,%d,%s,%s\n", i, i, i % 3 ? "Retail" : "Healthcare",
                "ABC"[i % 3], i * 10, i % 7 ? "customer" : "named", i % 2 ? "gold" : "");
    fclose(f);
    ASSERT_OK(regio_import_accounts(S, csv, NULL, NULL, &e));
    remove(csv);
    ASSERT_OK(regio_store_model_create(S, "m", REGIO_MODEL_PLANNING, NULL, NULL, NULL, NULL, &e));
    ASSERT_OK(regio_store_territory_upsert(S, "m", "Top", NULL, NULL, &e));
    ASSERT_OK(regio_store_territory_upsert(S, "m", "West", NULL, "Top", &e));
    ASSERT_OK(regio_store_territory_upsert(S, "m", "East", NULL, "Top", &e));
    ASSERT_OK(regio_store_territory_upsert(S, "m", "Health", NULL, "West", &e));
    regio_territory_type types[2] = {{"geo", 2, NULL, 0}, {"overlay", 1, NULL, 0}};
    ASSERT_OK(regio_store_types_save(S, types, 2, "test", NULL, &e));
    ASSERT_OK(regio_store_territory_set_type(S, "m", "Health", "overlay", "test", &e));
    ASSERT_OK(regio_store_territory_set_type(S, "m", "West", "geo", "test", &e));
    regio_user_info u = {.login = "olga", .active = 1};
    ASSERT_OK(regio_store_user_upsert(S, &u, "test", NULL, &e));
    regio_membership_info m = {"olga", "Health", "owner", 1, NULL, NULL, NULL};
    ASSERT_OK(regio_store_membership_upsert(S, "m", &m, "test", &e));
}

typedef regio_err (*call_fn)(void);

/* The whole database copied to or from memory (SQLite's backup API), so
 * that a call that succeeded although an allocation failed (libcsv retries
 * a smaller buffer) can be undone and the next failure tried. */
static sqlite3 *snap;

#ifdef REGIO_HAVE_PG
/* PostgreSQL: every table of the store's schema copied into schema
 * <schema>_snap, or copied back over it with triggers (and so foreign
 * keys and the audit log's guards) off. */
static void pg_snapshot(int restore)
{
    static const char *const sql[2] = {
        "DO $$ DECLARE t text; n text := current_schema() || '_snap'; BEGIN"
        " EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', n);"
        " EXECUTE format('CREATE SCHEMA %I', n);"
        " FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP"
        " EXECUTE format('CREATE TABLE %I.%I AS TABLE %I.%I', n, t, current_schema(), t);"
        " END LOOP; END $$",
        "SET session_replication_role = replica;"
        "DO $$ DECLARE t text; n text := current_schema() || '_snap'; BEGIN"
        " FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP"
        " EXECUTE format('DELETE FROM %I.%I', current_schema(), t);"
        " EXECUTE format('INSERT INTO %I.%I SELECT * FROM %I.%I', current_schema(), t, n, t);"
        " END LOOP; END $$"};
    int failed = 0;
    regio_test_pg_sql(loc, sql[restore != 0], &failed);
    if (failed)
        FAIL_AT_("%s the PostgreSQL store failed", restore ? "restoring" : "snapshotting");
}
#endif

static void snapshot(int restore)
{
#ifdef REGIO_HAVE_PG
    if (regio_test_pg()) {
        pg_snapshot(restore);
        return;
    }
#endif
    sqlite3 *db = regio__sqlite_handle(S);
    if (!snap)
        sqlite3_open(":memory:", &snap);
    sqlite3_backup *b = restore ? sqlite3_backup_init(db, "main", snap, "main")
                                : sqlite3_backup_init(snap, "main", db, "main");
    if (!b || sqlite3_backup_step(b, -1) != SQLITE_DONE)
        FAIL_AT_("backup: %s", sqlite3_errmsg(restore ? db : snap));
    sqlite3_backup_finish(b);
}

/* Calls fn with the n-th allocation failing, n = 1, 2, ..., until a call
 * makes fewer than n allocations: each failure leaves state() as it was
 * (a success despite an injected failure is undone); returns how many
 * allocations the successful call made. */
static int fail_each(call_fn fn, const char *what)
{
    long long before = state();
    snapshot(0);
    for (int n = 1; n < 100000; n++) {
        alloc_calls = 0;
        alloc_fail_at = n;
        regio_set_allocator(&regio_test_failing);
        regio_err rc = fn();
        regio_set_allocator(NULL);
        if (rc == REGIO_OK && alloc_calls >= n) { /* the failure was absorbed */
            snapshot(1);
            continue;
        }
        if (rc == REGIO_OK) {
            fprintf(stderr, "  %s: every one of %d allocations failed once\n", what, n - 1);
            return n - 1;
        }
        if (state() != before) {
            FAIL_AT_("%s: failing allocation %d changed the store (%d)", what, n, (int)rc);
            return n;
        }
        if (alloc_calls < n) {
            FAIL_AT_("%s: failed (%d) without the %d-th allocation failing", what, (int)rc, n);
            return n;
        }
    }
    FAIL_AT_("%s never succeeded", what);
    return 0;
}

static regio_err do_compile(void)
{
    regio_rule_info r;
    memset(&r, 0, sizeof r);
    r.name = "x";
    r.logic = "(1 AND 2) OR NOT 3";
    r.n_criteria = 3;
    r.criteria[0] = (regio_rule_criterion){"industry", "in", "a;b;c"};
    r.criteria[1] = (regio_rule_criterion){"employees", "greater_than", "5"};
    r.criteria[2] = (regio_rule_criterion){"loyalty", "starts_with", "go"};
    regio_rule_compiled *c = NULL;
    regio_err rc = regio_rule_compile(&r, &c, NULL);
    regio_rule_compiled_free(c);
    return rc;
}

static char rules_csv[128];

static regio_err do_import(void)
{
    return regio_import_rules(S, rules_csv, "m", NULL, NULL, NULL);
}

static regio_err do_run(void)
{
    regio_rules_run_opts o = {"m", NULL, 0, "test"};
    regio_rules_report rep;
    regio_err rc = regio_rules_run(S, &o, &rep, NULL);
    if (!rc)
        regio_rules_report_clear(&rep);
    return rc;
}

static regio_err do_count(void)
{
    regio_rule_info r;
    memset(&r, 0, sizeof r);
    r.name = "draft";
    r.territory = "Health";
    r.n_criteria = 1;
    r.criteria[0] = (regio_rule_criterion){"loyalty", "equals", "gold"};
    long s = 0;
    return regio_rule_count(S, "m", &r, &s, NULL, NULL, NULL);
}

static char export_path[128];

static regio_err do_export(void)
{
    return regio_export_associations(S, "m", export_path, NULL, NULL);
}

static regio_err do_owners(void)
{
    regio_owners_report rep;
    regio_err rc = regio_owners_assign(S, "m", 0, "test", &rep, NULL);
    if (!rc)
        regio_owners_report_clear(&rep);
    return rc;
}

static void test_every_failure(void)
{
    setup();
    snprintf(rules_csv, sizeof rules_csv, "%s.rules.csv", db_path);
    FILE *f = fopen(rules_csv, "w");
    fprintf(f, "rule,territory,logic,inherit,criterion,field,operator,value\n"
               "west,West,,true,1,segment,in,A;B\n"
               "health,Health,1 AND (2 OR NOT 3),false,1,industry,equals,healthcare\n"
               "health,Health,,,2,employees,greater_than,100\n"
               "health,Health,,,3,loyalty,equals,gold\n"
               "east,East,,false,1,segment,equals,C\n");
    fclose(f);
    snprintf(export_path, sizeof export_path, "%s.assoc.csv", db_path);
    int n = fail_each(do_compile, "regio_rule_compile");
    ASSERT_TRUE(n > 5);
    n = fail_each(do_import, "regio_import_rules");
    ASSERT_TRUE(n > 10);
    ASSERT_EQ_INT(q("SELECT count(*) FROM assignment_rules"), 3);
    n = fail_each(do_run, "regio_rules_run");
    ASSERT_TRUE(n > 10);
    /* The run that succeeded wrote what a clean run finds: nothing left. */
    regio_rules_run_opts o = {"m", NULL, 1, "test"};
    regio_rules_report rep;
    ASSERT_OK(regio_rules_run(S, &o, &rep, NULL));
    ASSERT_EQ_INT(rep.added + rep.removed, 0);
    ASSERT_TRUE(rep.matched > 10);
    regio_rules_report_clear(&rep);
    n = fail_each(do_count, "regio_rule_count");
    ASSERT_TRUE(n > 5);
    n = fail_each(do_export, "regio_export_associations");
    ASSERT_TRUE(n > 3);
    n = fail_each(do_owners, "regio_owners_assign");
    ASSERT_TRUE(n > 5);
    ASSERT_TRUE(q("SELECT count(*) FROM accounts WHERE owner_ext = 'olga'") > 0);
    long bad = 0;
    ASSERT_OK(regio_store_audit_verify(S, &bad, NULL));
    remove(rules_csv);
    remove(export_path);
    sqlite3_close(snap);
    snap = NULL;
    regio_store_close(S);
    if (regio_test_pg()) {
#ifdef REGIO_HAVE_PG
        PQfinish(pg);
        pg = NULL;
        char sql[600];
        const char *schema = strstr(loc, "search_path%3D");
        snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s_snap CASCADE", schema ? schema + 14 : "x");
        int failed = 0;
        regio_test_pg_sql(regio_test_pg(), sql, &failed);
#endif
        regio_test_store_remove(loc);
    }
    regio_test_db_remove(db_path);
}

int main(int argc, char **argv)
{
    regio_test_backend(argc, argv, "test_rules_alloc --pg");
    RUN(test_every_failure);
    TEST_END();
}
