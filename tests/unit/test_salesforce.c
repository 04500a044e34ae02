/*
 * Unit tests for regio_export_salesforce (regio/salesforce.h): every
 * column is a field of its Salesforce object (the field lists below are
 * Salesforce's Object Reference) or the relationship form of one of its
 * reference fields; DeveloperNames; the round trip through the
 * organisation importers and through regio_import_salesforce (types and
 * rules too); errors naming file and line; allocation failures. With --pg
 * the same on PostgreSQL (REGIO_TEST_DB).
 */
#include "regio/regio.h"
#include "regio_test.h"
#include "regio_test_db.h"

#include <sys/stat.h>
#include <unistd.h>

/* The createable fields of each object as the Object Reference lists them
 * (Territory2Type, Territory2, UserTerritory2Association,
 * ObjectTerritory2Association, ObjectTerritory2AssignmentRule,
 * ObjectTerritory2AssignmentRuleItem, RuleTerritory2Association; Account
 * for the owner file), and
 * for a reference field FooId its relationship Foo with the field it is
 * looked up by. */
typedef struct sf_object {
    regio_sf_file file;
    const char *fields[12];
    const char *relationships[6]; /* "Foo.Field", the reference FooId by Field */
} sf_object;

static const sf_object objects[] = {
    {REGIO_SF_TERRITORY2_TYPE, {"DeveloperName", "MasterLabel", "Priority", "Description"}, {NULL}},
    {REGIO_SF_TERRITORY2,
     {"DeveloperName", "Name", "Territory2ModelId", "Territory2TypeId", "ParentTerritory2Id",
      "AccountAccessLevel", "OpportunityAccessLevel", "CaseAccessLevel", "ContactAccessLevel",
      "Description", "ForecastUserId"},
     {"Territory2Model.DeveloperName", "Territory2Type.DeveloperName",
      "ParentTerritory2.DeveloperName", "ForecastUser.Username"}},
    {REGIO_SF_USER_TERRITORY2,
     {"UserId", "Territory2Id", "RoleInTerritory2", "IsActive"},
     {"User.Username", "Territory2.DeveloperName"}},
    {REGIO_SF_OBJECT_TERRITORY2,
     {"ObjectId", "Territory2Id", "AssociationCause", "SobjectType"},
     {"Territory2.DeveloperName"}},
    {REGIO_SF_ASSIGNMENT_RULE,
     {"DeveloperName", "MasterLabel", "Territory2ModelId", "ObjectType", "IsActive",
      "BooleanFilter"},
     {"Territory2Model.DeveloperName"}},
    {REGIO_SF_ASSIGNMENT_RULE_ITEM,
     {"RuleId", "SortOrder", "Field", "Operation", "Value"},
     {"Rule.DeveloperName"}},
    {REGIO_SF_RULE_TERRITORY2,
     {"RuleId", "Territory2Id", "IsInherited"},
     {"Rule.DeveloperName", "Territory2.DeveloperName"}},
    {REGIO_SF_ACCOUNT_OWNERS, {"Id", "OwnerId"}, {NULL}},
};

/* The exact headers: what Data Loader maps and the importers read back. */
static const char *const expected_headers[REGIO_SF_FILE_COUNT_] = {
    "DeveloperName,MasterLabel,Priority",
    "DeveloperName,Name,Territory2Model.DeveloperName,Territory2Type.DeveloperName,"
    "ParentTerritory2.DeveloperName,AccountAccessLevel,OpportunityAccessLevel,CaseAccessLevel,"
    "ContactAccessLevel,Description",
    "User.Username,Territory2.DeveloperName,RoleInTerritory2,IsActive",
    "ObjectId,Territory2.DeveloperName,AssociationCause",
    "DeveloperName,MasterLabel,Territory2Model.DeveloperName,ObjectType,IsActive,BooleanFilter",
    "Rule.DeveloperName,SortOrder,Field,Operation,Value",
    "Rule.DeveloperName,Territory2.DeveloperName,IsInherited",
    "Id,OwnerId",
};

static char db_path[512], dir[256];
static regio_error err;
static regio_import_summary isum;

static regio_store *fresh(void)
{
    if (regio_test_pg()) {
        regio_test_store_location(db_path, sizeof db_path, "salesforce");
    } else {
        snprintf(db_path, sizeof db_path, "/tmp/regio_test_salesforce_%ld.db", (long)getpid());
        regio_test_db_remove(db_path);
    }
    snprintf(dir, sizeof dir, "/tmp/regio_test_salesforce_%ld", (long)getpid());
    regio_store *s = NULL;
    if (regio_store_open(db_path, &s, &err) != REGIO_OK)
        fprintf(stderr, "cannot open %s: %s\n", db_path, err.msg);
    return s;
}

static void rm_dir(const char *d)
{
    char p[512];
    for (int f = 0; f < REGIO_SF_FILE_COUNT_; f++) {
        snprintf(p, sizeof p, "%s/%s", d, regio_sf_file_name((regio_sf_file)f));
        unlink(p);
    }
    rmdir(d);
}

static void done(regio_store *s)
{
    regio_store_close(s);
    regio_test_store_remove(db_path);
    rm_dir(dir);
}

static const char *file(const char *name, const char *text)
{
    static char paths[8][256];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 256, "/tmp/regio_sf_%ld_%s", (long)getpid(), name);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return p;
}

/* The whole of d/name, malloc'd, or NULL. */
static char *slurp(const char *d, regio_sf_file f)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", d, regio_sf_file_name(f));
    FILE *fp = fopen(p, "rb");
    if (!fp)
        return NULL;
    char *buf = calloc(1, 1 << 16);
    size_t n = buf ? fread(buf, 1, (1 << 16) - 1, fp) : 0;
    (void)n;
    fclose(fp);
    return buf;
}

static void setup(regio_store *s)
{
    ASSERT_OK(regio_import_roles(s, file("r.csv", "role\nrep\n"), NULL, &isum, &err));
    ASSERT_OK(regio_import_users(s, file("u.csv", "username,name,role\nana,Ana,rep\nbo,Bo,rep\n"),
                                 NULL, &isum, &err));
    ASSERT_OK(regio_import_accounts(
        s, file("a.csv", "id,name,lat,lon,owner\n001A,Acme,1,1,ana\n001B,Bolt,2,2,\n"), NULL,
        &isum, &err));
    ASSERT_OK(regio_import_territories(
        s,
        file("t.csv", "name,parent,account_access\nWest,,read\n\"Bay Area, CA\",West,owner\n"
                      "9 North,West,edit\n9_North,West,edit\n"),
        "m", NULL, &isum, &err));
    ASSERT_OK(regio_import_memberships(
        s, file("m.csv", "user,territory,role,active\nana,\"Bay Area, CA\",owner,true\nbo,West,"
                         "manager,false\n"),
        "m", NULL, &isum, &err));
    ASSERT_OK(regio_import_associations(
        s, file("as.csv", "account,territory\n001A,9 North\n001B,9_North\n"), "m", NULL, &isum,
        &err));
}

static int in_list(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n && list[i]; i++)
        if (!strcmp(list[i], name))
            return 1;
    return 0;
}

static void test_columns_are_salesforce_fields(void)
{
    for (size_t o = 0; o < sizeof objects / sizeof objects[0]; o++) {
        const sf_object *ob = &objects[o];
        const char *h = regio_sf_file_header(ob->file);
        ASSERT_EQ_STR(h, expected_headers[ob->file]);
        char buf[512];
        snprintf(buf, sizeof buf, "%s", h ? h : "");
        for (char *col = buf, *next; col && *col; col = next) {
            next = strchr(col, ',');
            if (next)
                *next++ = '\0';
            int ok = in_list(ob->fields, 12, col) || in_list(ob->relationships, 6, col);
            if (!ok)
                FAIL_AT_("%s: column '%s' is no field of the object",
                         regio_sf_file_name(ob->file), col);
            /* A relationship column stands for a reference field FooId. */
            const char *dot = strchr(col, '.');
            if (dot) {
                char ref[128];
                snprintf(ref, sizeof ref, "%.*sId", (int)(dot - col), col);
                ASSERT_TRUE(in_list(ob->fields, 12, ref));
            }
        }
    }
    ASSERT_TRUE(regio_sf_file_name(REGIO_SF_FILE_COUNT_) == NULL);
    ASSERT_TRUE(regio_sf_file_header((regio_sf_file)-1) == NULL);
}

static void test_developer_names(void)
{
    static const char *const cases[][2] = {
        {"West", "West"},          {"Bay Area, CA", "Bay_Area_CA"}, {"9 North", "T_9_North"},
        {"__a__b__", "a_b"},       {"", ""},                        {"Zürich", "Z_rich"},
        {"T01", "T01"},
    };
    char out[81];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        regio_sf_developer_name(cases[i][0], out, sizeof out);
        ASSERT_EQ_STR(out, cases[i][1]);
    }
    char longid[200];
    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    regio_sf_developer_name(longid, out, sizeof out);
    ASSERT_EQ_INT((int)strlen(out), 80);
}

static void test_export_and_round_trip(void)
{
    regio_store *s = fresh();
    setup(s);
    regio_sf_summary sum;
    ASSERT_OK(regio_export_salesforce(s, "m", dir, &sum, &err));
    ASSERT_EQ_INT((int)sum.rows[REGIO_SF_TERRITORY2], 4);
    ASSERT_EQ_INT((int)sum.rows[REGIO_SF_USER_TERRITORY2], 2);
    ASSERT_EQ_INT((int)sum.rows[REGIO_SF_OBJECT_TERRITORY2], 2);
    ASSERT_EQ_INT((int)sum.rows[REGIO_SF_ACCOUNT_OWNERS], 1);
    char *t = slurp(dir, REGIO_SF_TERRITORY2);
    ASSERT_TRUE(t != NULL);
    /* Parents first; "9 North" and "9_North" both want T_9_North. */
    ASSERT_EQ_STR(t ? strchr(t, '\n') + 1 : "",
                  "West,West,m,Territory,,Read,Read,Read,,\n"
                  "Bay_Area_CA,\"Bay Area, CA\",m,Territory,West,All,Edit,Edit,,\n"
                  "T_9_North,9 North,m,Territory,West,Edit,Edit,Edit,,\n"
                  "T_9_North_2,9_North,m,Territory,West,Edit,Edit,Edit,,\n");
    char *m = slurp(dir, REGIO_SF_USER_TERRITORY2);
    ASSERT_EQ_STR(m ? m : "", "User.Username,Territory2.DeveloperName,RoleInTerritory2,IsActive\n"
                              "ana,Bay_Area_CA,Owner,true\nbo,West,Manager,false\n");
    char *o = slurp(dir, REGIO_SF_ACCOUNT_OWNERS);
    ASSERT_EQ_STR(o ? o : "", "Id,OwnerId\n001A,ana\n");

    /* Back into a new model and out again: the same files. */
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, regio_sf_file_name(REGIO_SF_TERRITORY2));
    ASSERT_OK(regio_import_territories(s, p, "n", NULL, &isum, &err));
    snprintf(p, sizeof p, "%s/%s", dir, regio_sf_file_name(REGIO_SF_USER_TERRITORY2));
    ASSERT_OK(regio_import_memberships(s, p, "n", NULL, &isum, &err));
    snprintf(p, sizeof p, "%s/%s", dir, regio_sf_file_name(REGIO_SF_OBJECT_TERRITORY2));
    ASSERT_OK(regio_import_associations(s, p, "n", NULL, &isum, &err));
    char dir2[300];
    snprintf(dir2, sizeof dir2, "%s_2", dir);
    ASSERT_OK(regio_export_salesforce(s, "n", dir2, NULL, &err));
    for (int f = 0; f < REGIO_SF_FILE_COUNT_; f++) {
        char *a = slurp(dir, (regio_sf_file)f), *b = slurp(dir2, (regio_sf_file)f);
        if (f == REGIO_SF_TERRITORY2 && a) /* the model's name: m, then n */
            for (char *q = a; (q = strstr(q, ",m,")); q += 3)
                q[1] = 'n';
        ASSERT_EQ_STR(a ? a : "(none)", b ? b : "(none)");
        free(a);
        free(b);
    }
    rm_dir(dir2);
    free(t);
    free(m);
    free(o);
    done(s);
}

/* Territory types (one territory left without) and rules: NOT logic,
 * inherit, `in`, a standard text field. */
static void setup_rules(regio_store *s)
{
    ASSERT_OK(regio_import_types(s, file("ty.csv", "name,priority\ngeo,1\nNamed accounts,5\n"), NULL,
                                 &isum, &err));
    ASSERT_OK(regio_store_territory_set_type(s, "m", "West", "geo", NULL, &err));
    ASSERT_OK(regio_store_territory_set_type(s, "m", "9 North", "Named accounts", NULL, &err));
    ASSERT_OK(regio_import_rules(
        s,
        file("ru.csv", "rule,territory,logic,inherit,criterion,field,operator,value\n"
                       "Big,West,1 AND NOT 2,true,1,annual_revenue,greater_than,1000\n"
                       "Big,West,1 AND NOT 2,true,2,industry,in,Retail;Pharma\n"
                       "Acme,9 North,,false,1,name,starts_with,Ac\n"),
        "m", NULL, &isum, &err));
}

/* Territory types with their priorities, and rules as
 * ObjectTerritory2AssignmentRule, its items and RuleTerritory2Association. */
static void test_types_and_rules(void)
{
    regio_store *s = fresh();
    setup(s);
    setup_rules(s);
    regio_sf_summary sum;
    ASSERT_OK(regio_export_salesforce(s, "m", dir, &sum, &err));
    ASSERT_EQ_INT((int)sum.rows[REGIO_SF_ASSIGNMENT_RULE], 2);
    ASSERT_EQ_INT((int)sum.rows[REGIO_SF_ASSIGNMENT_RULE_ITEM], 3);
    static const char *const want[][2] = {
        {"Territory2Type.csv", "DeveloperName,MasterLabel,Priority\ngeo,geo,1\n"
                               "Named_accounts,Named accounts,5\nTerritory,Territory,6\n"},
        {"ObjectTerritory2AssignmentRule.csv",
         "DeveloperName,MasterLabel,Territory2Model.DeveloperName,ObjectType,IsActive,"
         "BooleanFilter\nT_9_North_Acme,Acme,m,Account,true,\n"
         "West_Big,Big,m,Account,true,1 AND NOT 2\n"},
        {"ObjectTerritory2AssignmentRuleItem.csv",
         "Rule.DeveloperName,SortOrder,Field,Operation,Value\n"
         "T_9_North_Acme,1,Account.Name,startsWith,Ac\n"
         "West_Big,1,Account.AnnualRevenue,greaterThan,1000\n"
         "West_Big,2,Account.Industry,equals,\"Retail,Pharma\"\n"},
        {"RuleTerritory2Association.csv",
         "Rule.DeveloperName,Territory2.DeveloperName,IsInherited\n"
         "T_9_North_Acme,T_9_North,false\nWest_Big,West,true\n"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        for (int f = 0; f < REGIO_SF_FILE_COUNT_; f++)
            if (!strcmp(regio_sf_file_name((regio_sf_file)f), want[i][0])) {
                char *got = slurp(dir, (regio_sf_file)f);
                ASSERT_EQ_STR(got ? got : "(none)", want[i][1]);
                free(got);
            }
    char *t = slurp(dir, REGIO_SF_TERRITORY2);
    ASSERT_TRUE(t && strstr(t, "\nWest,West,m,geo,,Read,") != NULL);
    ASSERT_TRUE(t && strstr(t, "\nT_9_North,9 North,m,Named_accounts,West,") != NULL);
    free(t);
    done(s);
}


/* Files of d and d2 equal, the model's DeveloperName m in d read as n. */
static void assert_same_folders(const char *d, const char *d2)
{
    for (int f = 0; f < REGIO_SF_FILE_COUNT_; f++) {
        char *a = slurp(d, (regio_sf_file)f), *b = slurp(d2, (regio_sf_file)f);
        if ((f == REGIO_SF_TERRITORY2 || f == REGIO_SF_ASSIGNMENT_RULE) && a)
            for (char *q = a; (q = strstr(q, ",m,")); q += 3)
                q[1] = 'n';
        ASSERT_EQ_STR(a ? a : "(none)", b ? b : "(none)");
        free(a);
        free(b);
    }
}

/* regio_import_salesforce: the folder into a new model exports to the
 * same files; the same folder again changes nothing. */
static void test_import_round_trip(void)
{
    regio_store *s = fresh();
    setup(s);
    setup_rules(s);
    ASSERT_OK(regio_export_salesforce(s, "m", dir, NULL, &err));
    regio_sf_import_summary sum;
    ASSERT_OK(regio_import_salesforce(s, dir, "n", NULL, &sum, &err));
    ASSERT_EQ_INT((int)sum.files[REGIO_SF_TERRITORY2].added, 4);
    ASSERT_EQ_INT((int)sum.files[REGIO_SF_ASSIGNMENT_RULE].added, 2);
    ASSERT_EQ_INT((int)sum.files[REGIO_SF_ASSIGNMENT_RULE_ITEM].rows, 3);
    ASSERT_EQ_INT((int)sum.files[REGIO_SF_ACCOUNT_OWNERS].rows, 0);
    char dir2[300];
    snprintf(dir2, sizeof dir2, "%s_2", dir);
    ASSERT_OK(regio_export_salesforce(s, "n", dir2, NULL, &err));
    assert_same_folders(dir, dir2);
    /* The rule as Regio holds it: `in` with ';', the logic, inherit. */
    char rules[320];
    snprintf(rules, sizeof rules, "%s/rules.csv", dir2);
    ASSERT_OK(regio_rules_export(s, "n", "West", rules, NULL, &err));
    FILE *fp = fopen(rules, "r");
    char buf[1024] = "";
    size_t got = fp ? fread(buf, 1, sizeof buf - 1, fp) : 0;
    buf[got] = '\0';
    if (fp)
        fclose(fp);
    unlink(rules);
    ASSERT_TRUE(strstr(buf, "Big,West,1 AND NOT 2,true,1,annual_revenue,greater_than,1000") !=
                NULL);
    ASSERT_TRUE(strstr(buf, "industry,in,Retail;Pharma") != NULL);
    ASSERT_OK(regio_import_salesforce(s, dir, "n", NULL, &sum, &err));
    for (int f = 0; f < REGIO_SF_FILE_COUNT_; f++)
        ASSERT_EQ_INT((int)(sum.files[f].added + sum.files[f].updated), 0);
    rm_dir(dir2);
    done(s);
}

/* Appends line to d/name (the file ends with a newline). */
static void append(const char *d, regio_sf_file f, const char *line)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", d, regio_sf_file_name(f));
    FILE *fp = fopen(p, "a");
    if (fp) {
        fputs(line, fp);
        fclose(fp);
    }
}

/* A bad line fails naming file, line and column; nothing is written (the
 * model is not even created); a dry run writes nothing either. */
static void test_import_errors(void)
{
    regio_store *s = fresh();
    setup(s);
    setup_rules(s);
    ASSERT_OK(regio_export_salesforce(s, "m", dir, NULL, &err));
    regio_model_info mi;
    regio_import_opts dry = {0};
    dry.dry_run = 1;
    ASSERT_OK(regio_import_salesforce(s, dir, "n", &dry, NULL, &err));
    ASSERT_EQ_INT(regio_store_model_find(s, "n", &mi, &err), REGIO_ENOTFOUND);

    append(dir, REGIO_SF_ASSIGNMENT_RULE_ITEM, "West_Big,3,Account.Name,within,x\n");
    ASSERT_EQ_INT(regio_import_salesforce(s, dir, "n", NULL, NULL, &err), REGIO_EDATA);
    ASSERT_TRUE(strstr(err.file, "ObjectTerritory2AssignmentRuleItem.csv") != NULL);
    ASSERT_EQ_INT((int)err.line, 5);
    ASSERT_EQ_STR(err.field, "Operation");
    ASSERT_TRUE(strstr(err.msg, "'within'") != NULL);
    ASSERT_EQ_INT(regio_store_model_find(s, "n", &mi, &err), REGIO_ENOTFOUND);

    ASSERT_OK(regio_export_salesforce(s, "m", dir, NULL, &err));
    append(dir, REGIO_SF_ASSIGNMENT_RULE_ITEM, "West_Big,3,Opportunity.Amount,equals,1\n");
    ASSERT_EQ_INT(regio_import_salesforce(s, dir, "n", NULL, NULL, &err), REGIO_EDATA);
    ASSERT_EQ_STR(err.field, "Field");

    /* A rule without a territory; then one item the rule engine refuses. */
    ASSERT_OK(regio_export_salesforce(s, "m", dir, NULL, &err));
    append(dir, REGIO_SF_ASSIGNMENT_RULE, "Lone,Lone,m,Account,true,\n");
    ASSERT_EQ_INT(regio_import_salesforce(s, dir, "n", NULL, NULL, &err), REGIO_EDATA);
    ASSERT_TRUE(strstr(err.file, "ObjectTerritory2AssignmentRule.csv") != NULL);
    ASSERT_EQ_INT((int)err.line, 4);
    ASSERT_TRUE(strstr(err.msg, "no territory") != NULL);
    ASSERT_OK(regio_export_salesforce(s, "m", dir, NULL, &err));
    append(dir, REGIO_SF_ASSIGNMENT_RULE_ITEM, "West_Big,3,Account.Name,lessThan,x\n");
    ASSERT_EQ_INT(regio_import_salesforce(s, dir, "n", NULL, NULL, &err), REGIO_EDATA);
    ASSERT_EQ_INT((int)err.line, 5);
    ASSERT_TRUE(strstr(err.msg, "West_Big") != NULL);

    /* A missing required file is named. */
    ASSERT_OK(regio_export_salesforce(s, "m", dir, NULL, &err));
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, regio_sf_file_name(REGIO_SF_TERRITORY2));
    unlink(p);
    ASSERT_TRUE(regio_import_salesforce(s, dir, "n", NULL, NULL, &err) != REGIO_OK);
    ASSERT_TRUE(strstr(err.file, "Territory2.csv") != NULL || strstr(err.msg, "Territory2.csv"));
    ASSERT_EQ_INT(regio_store_model_find(s, "n", &mi, &err), REGIO_ENOTFOUND);
    ASSERT_EQ_INT(regio_import_salesforce(s, dir, NULL, NULL, NULL, &err), REGIO_EINVAL);
    done(s);
}

static void test_errors(void)
{
    regio_store *s = fresh();
    setup(s);
    ASSERT_EQ_INT(regio_export_salesforce(s, "nope", dir, NULL, &err), REGIO_ENOTFOUND);
    struct stat st;
    ASSERT_TRUE(stat(dir, &st) != 0); /* nothing created */
    const char *f = file("plain", "x");
    ASSERT_EQ_INT(regio_export_salesforce(s, "m", f, NULL, &err), REGIO_EIO);
    ASSERT_TRUE(strstr(err.msg, "not a directory") != NULL);
    ASSERT_EQ_INT(regio_export_salesforce(s, "m", "/nonexistent/dir/sf", NULL, &err), REGIO_EIO);
    ASSERT_EQ_INT(regio_export_salesforce(s, "m", NULL, NULL, &err), REGIO_EINVAL);
    unlink(f);
    done(s);
}

static void test_alloc_failures(void)
{
    regio_store *s = fresh();
    setup(s);
    regio_allocator a = regio_test_failing;
    int failures = 0, successes = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 4000 && successes < 2; alloc_fail_at++) {
        alloc_calls = 0;
        regio_set_allocator(&a);
        regio_err rc = regio_export_salesforce(s, "m", dir, NULL, &err);
        regio_set_allocator(NULL);
        if (rc == REGIO_OK)
            successes++;
        else
            failures++;
    }
    ASSERT_TRUE(failures > 10);
    ASSERT_TRUE(successes > 0);
    /* The import: all or nothing under every allocation failure (each
     * into a model of its own; some failures libcsv absorbs), until one
     * runs through without reaching the failing allocation. */
    setup_rules(s);
    ASSERT_OK(regio_export_salesforce(s, "m", dir, NULL, &err));
    failures = successes = 0;
    int through = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 20000 && !through; alloc_fail_at++) {
        char model[32];
        snprintf(model, sizeof model, "n%d", alloc_fail_at);
        alloc_calls = 0;
        regio_set_allocator(&a);
        regio_err rc = regio_import_salesforce(s, dir, model, NULL, NULL, &err);
        regio_set_allocator(NULL);
        through = alloc_calls < alloc_fail_at;
        regio_model_info mi;
        memset(&mi, 0, sizeof mi);
        if (rc == REGIO_OK) {
            successes++;
        } else {
            failures++;
            ASSERT_EQ_INT(regio_store_model_find(s, model, &mi, &err), REGIO_ENOTFOUND);
        }
        regio_model_info_clear(&mi);
    }
    ASSERT_TRUE(through);
    ASSERT_TRUE(failures > 10);
    ASSERT_TRUE(successes > 0);
    done(s);
}

int main(int argc, char **argv)
{
    regio_test_backend(argc, argv, "test_salesforce --pg");
    RUN(test_columns_are_salesforce_fields);
    RUN(test_developer_names);
    RUN(test_export_and_round_trip);
    RUN(test_types_and_rules);
    RUN(test_import_round_trip);
    RUN(test_import_errors);
    RUN(test_errors);
    RUN(test_alloc_failures);
    TEST_END();
}
