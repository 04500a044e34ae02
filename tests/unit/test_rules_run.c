/*
 * The rule run (regio_rules_run) against an oracle written here from
 * docs/ACCESS.md ("Matching", "Rule runs") and nothing else. Each seed
 * imports the sample accounts (data/sample/accounts.csv: 4,000, with the
 * custom columns visits_per_year and source) and 400 generated ones with
 * awkward values (case, spaces, empties, non-ASCII letters, numbers in
 * and out of C syntax, the custom columns loyalty, rating and channel), marks
 * some excluded from realignment, builds a territory forest five levels
 * deep (two roots, 134 territories), aligns units, moves accounts by hand
 * and associates some by hand. Then, over rounds, it changes random rule
 * sets (up to 10 criteria, nested logic with NOT, inherited rules, number
 * and text fields, custom columns, inactive and deleted rules) and runs
 * them over the whole model or one subtree, checking after every run:
 *
 *  - the rule associations equal the oracle's for every account and
 *    territory of the scope (with the rule each names), and are unchanged
 *    outside it;
 *  - the report's added/removed per territory is the difference;
 *  - manual and geo associations and the alignment are byte-identical
 *    before and after (and a dry run changes nothing at all);
 *  - the audit chain stays intact.
 *
 * Two handles on one store stand for two servers on one database: a
 * types save and a rule run of the second wait for the first's
 * transaction and then start from what it committed, never from what they
 * read before it.
 *
 * Counters make sure the cases that matter occurred. REGIO_RULES_SEED=<n>
 * runs one seed, REGIO_RULES_SEEDS=<n> n seeds, REGIO_RULES_ROUNDS=<n> n
 * rounds a seed. With --pg the same runs on PostgreSQL (REGIO_TEST_DB), and
 * in the sanitizer build, one seed of 6 rounds by default: the store is checked there through
 * libpq with the same queries in PostgreSQL's dialect.
 */
#include "regio/import.h"
#include "regio/org.h"
#include "regio/rule_store.h"
#include "regio/store.h"
#include "store/schema_sqlite.h"
#include "regio_test.h"
#include "regio_test_db.h"
#include "rules_oracle.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define RUN_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RUN_SANITIZED 1
#endif
#endif
#ifndef RUN_SANITIZED
#define RUN_SANITIZED 0
#endif

#define MAX_T 160
#define MAX_R 700
#define N_FIELDS 19
#define MODEL "m"

/* The fields criteria draw from: kind 0 text (standard), 1 number
 * (standard), 2 custom. */
static const struct {
    const char *name;
    int kind;
} FIELDS[N_FIELDS] = {
    {"industry", 0},       {"segment", 0},   {"city", 0},     {"region", 0},
    {"postal_code", 0},    {"country", 0},   {"name", 0},     {"type", 0},
    {"owner", 0},          {"unit", 0},      {"employees", 1}, {"annual_revenue", 1},
    {"potential", 1},      {"lat", 1},       {"visits_per_year", 2}, {"source", 2},
    {"loyalty", 2},        {"rating", 2},    {"channel", 2},
};

static const char *const OPS[10] = {"equals",    "not_equals",   "starts_with",   "contains",
                                    "not_contains", "in",        "less_than",     "greater_than",
                                    "less_or_equal", "greater_or_equal"};

typedef struct trule {
    long id;
    int terr, inherit, active, alive, n, has_logic;
    int field[REGIO_RULE_MAX_CRITERIA], op[REGIO_RULE_MAX_CRITERIA];
    char value[REGIO_RULE_MAX_CRITERIA][256];
    ltree tree;
} trule;

typedef struct acc {
    char id[32];
    int excluded;
    char *val[N_FIELDS];
} acc;

typedef struct world {
    regio_store *s;
    sqlite3 *db; /* SQLite */
#ifdef REGIO_HAVE_PG
    PGconn *pg; /* or PostgreSQL */
#endif
    int n_terr;
    char terr[MAX_T][16];
    int parent[MAX_T];
    acc *a;
    size_t n_acc, cap_acc;
    trule r[MAX_R];
    int n_r;
} world;

static world W;

/* Seconds spent in the library's runs, the oracle, the rule saves and
 * the snapshots of the store. */
static double t_run, t_oracle, t_save, t_snap;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Counters of the cases the test must have met. */
static long c_pairs, c_excluded_would, c_inherited_only, c_recredited, c_scoped_removed,
    c_not_logic, c_empty_logic, c_custom, c_ordering, c_runs, c_dry, c_deleted_kept;

/* ---- SQL helpers --------------------------------------------------------------------- */

/* Calls fn with the text of every row of sql (the SQLite query, or pg on
 * PostgreSQL; NULL cells are ""). */
static void sql_rows(const char *sql, const char *pg, void (*fn)(const char *const *v, void *ud),
                     void *ud)
{
    const char *v[8];
#ifdef REGIO_HAVE_PG
    if (W.pg) {
        PGresult *r = PQexec(W.pg, pg);
        if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
            FAIL_AT_("query failed: %s: %s", pg, PQerrorMessage(W.pg));
        for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++) {
            for (int c = 0; c < PQnfields(r) && c < 8; c++)
                v[c] = PQgetvalue(r, i, c);
            fn(v, ud);
        }
        PQclear(r);
        return;
    }
#endif
    (void)pg;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(W.db, sql, -1, &st, NULL) != SQLITE_OK) {
        FAIL_AT_("query failed: %s: %s", sql, sqlite3_errmsg(W.db));
        return;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st) && c < 8; c++)
            v[c] = sqlite3_column_text(st, c) ? (const char *)sqlite3_column_text(st, c) : "";
        fn(v, ud);
    }
    sqlite3_finalize(st);
}

static void first_text(const char *const *v, void *ud)
{
    char **out = ud;
    if (!*out)
        *out = strdup(v[0]);
}

static char *sql_text(const char *sql, const char *pg)
{
    char *out = NULL;
    sql_rows(sql, pg, first_text, &out);
    if (!out)
        FAIL_AT_("query gave no row: %s", W.db ? sql : pg);
    return out ? out : strdup("");
}

static void no_rows(const char *const *v, void *ud)
{
    (void)v;
    (void)ud;
}

/* What must never change: manual and geo associations, the alignment, the
 * model's revision, the schema (a large run sets indexes and a trigger
 * aside and puts them back). */
static char *fixed_state(void)
{
    return sql_text(
        "SELECT (SELECT group_concat(x, ';') FROM (SELECT account_id || ',' || territory_id || ','"
        " || cause || ',' || ifnull(rule_id, '') || ',' || ifnull(created_by, '') || ',' ||"
        " created_at AS x FROM account_territories WHERE cause <> 'rule' ORDER BY account_id,"
        " territory_id, cause)) || '|' || (SELECT group_concat(x, ';') FROM (SELECT id || ',' ||"
        " model_id || ',' || unit_id || ',' || territory_id || ',' || ifnull(effective_from, '') ||"
        " ',' || ifnull(effective_to, '') || ',' || locked AS x FROM alignments ORDER BY id)) ||"
        " '|' || (SELECT group_concat(alignment_rev) FROM territory_models) || '|' ||"
        " (SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master ORDER BY name))",
        /* PostgreSQL: the same, with the schema's indexes and triggers. */
        "SELECT coalesce((SELECT string_agg(account_id || ',' || territory_id || ',' || cause ||"
        " ',' || coalesce(rule_id::text, '') || ',' || coalesce(created_by::text, '') || ',' ||"
        " created_at, ';' ORDER BY account_id, territory_id, cause) FROM account_territories"
        " WHERE cause <> 'rule'), '') || '|' || coalesce((SELECT string_agg(id || ',' ||"
        " model_id || ',' || unit_id || ',' || territory_id || ',' || coalesce(effective_from,"
        " '') || ',' || coalesce(effective_to, '') || ',' || locked, ';' ORDER BY id) FROM"
        " alignments), '') || '|' || (SELECT string_agg(alignment_rev::text, ',' ORDER BY id)"
        " FROM territory_models) || '|' || (SELECT string_agg(indexdef, ';' ORDER BY indexname)"
        " FROM pg_indexes WHERE schemaname = current_schema()) || '|' || (SELECT"
        " string_agg(t.tgname::text || ':' || t.tgenabled::text, ';' ORDER BY t.tgname) FROM pg_trigger t"
        " JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace ="
        " current_schema()::regnamespace AND NOT t.tgisinternal)");
}

static char *everything(void)
{
    return sql_text("SELECT (SELECT group_concat(x, ';') FROM (SELECT account_id || ',' ||"
                    " territory_id || ',' || cause || ',' || ifnull(rule_id, '') AS x FROM"
                    " account_territories ORDER BY 1)) || '|' || (SELECT count(*) FROM"
                    " audit_log)",
                    "SELECT coalesce((SELECT string_agg(account_id || ',' || territory_id || ','"
                    " || cause || ',' || coalesce(rule_id::text, ''), ';' ORDER BY account_id,"
                    " territory_id, cause) FROM account_territories), '') || '|' || (SELECT"
                    " count(*) FROM audit_log)");
}

/* ---- the data ------------------------------------------------------------------------- */

static void write_extra_accounts(const char *path)
{
    static const char *const industries[] = {" Health care", "HEALTHCARE", "Healthcare", "Retail ",
                                             "", "Äpfel", "äpfel", "re tail", "Technology"};
    static const char *const tiers[] = {"Gold", "gold ", "SILVER", "", " bronze", "Gold;Silver"};
    static const char *const scores[] = {"12", "n/a", "1,000", "3.5", "", "-2", "inf", "1e2",
                                         "007", "40", ".5"};
    static const char *const channels[] = {"Web shop", "web", "Partner", "", "  direct  ", "WEB"};
    static const char *const states[] = {"WA", "or", "CA", "NY", " ny", "TX", ""};
    static const char *const segs[] = {"A", "b", "C", "", "a "};
    FILE *f = fopen(path, "w");
    fprintf(f, "id,name,city,state,country,industry,segment,employees,annual_revenue,loyalty,rating,"
               "channel\n");
    for (int i = 0; i < 400; i++) {
        char emp[32] = "", rev[32] = "";
        if (below(5))
            snprintf(emp, sizeof emp, "%d", below(900));
        if (below(5))
            snprintf(rev, sizeof rev, "%.2f", below(100000) / 3.0);
        fprintf(f, "\"X%04d\",\"Extra %d\",\"%s\",\"%s\",US,\"%s\",\"%s\",%s,%s,\"%s\",\"%s\",\"%s\"\n", i,
                i, below(2) ? "Seattle" : "seattle ", states[below(7)], industries[below(9)],
                segs[below(5)], emp, rev, tiers[below(6)], scores[below(11)], channels[below(6)]);
    }
    fclose(f);
}

static int on_account(void *ud, const regio_account *a)
{
    (void)ud;
    if (W.n_acc == W.cap_acc) {
        W.cap_acc = W.cap_acc ? W.cap_acc * 2 : 1024;
        W.a = realloc(W.a, W.cap_acc * sizeof *W.a);
    }
    acc *x = &W.a[W.n_acc++];
    memset(x, 0, sizeof *x);
    snprintf(x->id, sizeof x->id, "%s", a->id);
    for (int f = 0; f < N_FIELDS; f++) {
        char v[512];
        o_value(a, FIELDS[f].name, v, sizeof v);
        x->val[f] = strdup(v);
    }
    return 0;
}

static int acc_index(const char *id)
{
    size_t lo = 0, hi = W.n_acc;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int k = strcmp(W.a[mid].id, id);
        if (!k)
            return (int)mid;
        if (k < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static void free_world(void)
{
    for (size_t i = 0; i < W.n_acc; i++)
        for (int f = 0; f < N_FIELDS; f++)
            free(W.a[i].val[f]);
    free(W.a);
    W.a = NULL;
    W.n_acc = W.cap_acc = 0;
}

static void on_excluded(const char *const *v, void *ud)
{
    (void)ud;
    int i = acc_index(v[0]);
    if (i >= 0)
        W.a[i].excluded = 1;
}

static void build_world(void)
{
    char path[4200], extra[80];
    const char *src = getenv("REGIO_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/data/sample/accounts.csv", src ? src : "..");
    regio_test_db_path(extra, sizeof extra, "rules_extra");
    char csv[100];
    snprintf(csv, sizeof csv, "%s.csv", extra);
    write_extra_accounts(csv);
    regio_import_summary sum;
    regio_error e;
    if (regio_import_accounts(W.s, path, NULL, &sum, &e) ||
        regio_import_accounts(W.s, csv, NULL, &sum, &e))
        FAIL_AT_("import: %s", e.msg);
    remove(csv);
    remove(extra);
    /* Some accounts are excluded from realignment. */
    char sql[200];
    snprintf(sql, sizeof sql, "UPDATE accounts SET excluded_from_realign = 1 WHERE id %% %d = 3",
             17 + below(10));
    sql_rows(sql, sql, no_rows, NULL);
    /* Territories: two roots, 3, 3, 2 and 2 children a level: five levels. */
    ASSERT_OK(regio_store_model_create(W.s, MODEL, REGIO_MODEL_PLANNING, NULL, NULL, NULL, NULL, &e));
    static const int fan[4] = {3, 3, 2, 2};
    int level_start = 0, level_end = 0;
    W.n_terr = 0;
    for (int root = 0; root < 2; root++) {
        W.parent[W.n_terr] = -1;
        W.n_terr++;
    }
    level_end = W.n_terr;
    for (int d = 0; d < 4; d++) {
        for (int p = level_start; p < level_end; p++)
            for (int k = 0; k < fan[d]; k++)
                W.parent[W.n_terr++] = p;
        level_start = level_end;
        level_end = W.n_terr;
    }
    for (int t = 0; t < W.n_terr; t++) {
        snprintf(W.terr[t], sizeof W.terr[t], "T%03d", t);
        if (regio_store_territory_upsert(W.s, MODEL, W.terr[t], NULL,
                                         W.parent[t] >= 0 ? W.terr[W.parent[t]] : NULL, &e))
            FAIL_AT_("territory: %s", e.msg);
    }
    /* Accounts as the store holds them. */
    W.n_acc = 0;
    ASSERT_OK(regio_store_accounts_foreach(W.s, on_account, NULL, &e));
    sql_rows("SELECT ext_id FROM accounts WHERE excluded_from_realign = 1",
             "SELECT ext_id FROM accounts WHERE excluded_from_realign = 1", on_excluded, NULL);
    /* Units aligned to territories, accounts placed in them, hand moves
     * and manual associations: what a run must not touch. */
    for (int u = 0; u < 30; u++) {
        regio_unit un;
        regio_unit_init(&un);
        char id[16];
        snprintf(id, sizeof id, "U%02d", u);
        un.id = id;
        un.lat = 40 + u * 0.1;
        un.lon = -100 + u * 0.1;
        ASSERT_OK(regio_store_unit_upsert(W.s, &un, NULL, &e));
        ASSERT_OK(regio_store_alignment_set(W.s, MODEL, id, W.terr[below(W.n_terr)], &e));
    }
    regio_store_begin(W.s, NULL);
    for (size_t i = 0; i < W.n_acc; i++) {
        char unit[16];
        snprintf(unit, sizeof unit, "U%02d", below(30));
        const char *ids[1] = {W.a[i].id}, *units[1] = {unit};
        ASSERT_OK(regio_store_account_set_unit(W.s, ids, units, 1, &e));
    }
    regio_store_commit(W.s, NULL);
    long rev = 0;
    ASSERT_OK(regio_store_alignment_revision(W.s, MODEL, &rev, &e));
    regio_alignment_row rows[40];
    for (int k = 0; k < 40; k++) {
        memset(&rows[k], 0, sizeof rows[k]);
        rows[k].account_id = W.a[below((int)W.n_acc)].id;
        rows[k].territory = W.terr[below(W.n_terr)];
    }
    /* Duplicates in one batch are fine: the last move wins. */
    if (regio_store_alignment_apply(W.s, MODEL, rev, rows, 40, "test", NULL, NULL, &e))
        FAIL_AT_("hand moves: %s", e.msg);
    for (int k = 0; k < 60; k++)
        ASSERT_OK(regio_store_association_set(W.s, MODEL, W.a[below((int)W.n_acc)].id,
                                              W.terr[below(W.n_terr)], 1, "test", &e));
    /* The accounts again, now with their units. */
    int *excluded = calloc(W.n_acc, sizeof *excluded);
    for (size_t i = 0; i < W.n_acc; i++)
        excluded[i] = W.a[i].excluded;
    size_t n = W.n_acc;
    free_world();
    ASSERT_OK(regio_store_accounts_foreach(W.s, on_account, NULL, &e));
    ASSERT_EQ_INT(W.n_acc, n);
    for (size_t i = 0; i < W.n_acc && i < n; i++)
        W.a[i].excluded = excluded[i];
    free(excluded);
}

/* ---- random rules ------------------------------------------------------------------------ */

/* A value seen in field f, maybe re-cased and padded. */
static void some_value(int f, char *out, size_t cap)
{
    const char *v = W.a[below((int)W.n_acc)].val[f];
    char t[100];
    snprintf(t, sizeof t, "%s", v);
    for (char *p = t; *p; p++)
        if (below(4) == 0 && *p >= 'a' && *p <= 'z')
            *p = (char)(*p - 32);
        else if (below(4) == 0 && *p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
    snprintf(out, cap, "%s%s%s", below(5) ? "" : " ", t, below(5) ? "" : "  ");
}

static void number_value(int f, char *out, size_t cap)
{
    double x;
    const char *v = W.a[below((int)W.n_acc)].val[f];
    if (!o_number(v, &x))
        x = below(1000);
    switch (below(5)) {
    case 0: snprintf(out, cap, "%g", x); break;
    case 1: snprintf(out, cap, "%.3e", x * 1.01); break;
    case 2: snprintf(out, cap, "%+g", x + 0.5); break;
    case 3: snprintf(out, cap, " %d ", below(200) - 20); break;
    default: snprintf(out, cap, "%.17g", x); break;
    }
}

static void random_criterion(trule *r, int k)
{
    int op = below(10), f;
    int ordering = op >= 6;
    do
        f = below(N_FIELDS);
    while (ordering && FIELDS[f].kind == 0);
    r->field[k] = f;
    r->op[k] = op;
    char v[256];
    if (ordering) {
        number_value(f, v, sizeof v);
    } else if (op == 5) { /* in */
        int items = 1 + below(3);
        char a[200] = "";
        for (int i = 0; i < items; i++) {
            char one[60];
            some_value(f, one, sizeof one);
            size_t l = strlen(a);
            snprintf(a + l, sizeof a - l, "%s%s", i ? (below(2) ? ";" : " ; ") : "", one);
        }
        snprintf(v, sizeof v, "%s", a);
    } else {
        some_value(f, v, sizeof v);
        size_t n = strlen(v);
        if ((op == 2 || op == 3 || op == 4) && n > 1) { /* a prefix or a piece */
            size_t from = op == 2 ? 0 : (size_t)below((int)n);
            size_t len = 1 + (size_t)below((int)(n - from));
            memmove(v, v + from, len);
            v[len] = '\0';
        }
    }
    snprintf(r->value[k], sizeof r->value[k], "%s", v);
    c_custom += FIELDS[f].kind == 2;
    c_ordering += ordering;
}

static void random_rule(trule *r, int terr)
{
    memset(r, 0, sizeof *r);
    r->terr = terr;
    r->alive = 1;
    r->active = below(8) != 0;
    r->inherit = below(3) == 0;
    r->n = 1 + (below(3) ? below(3) : below(REGIO_RULE_MAX_CRITERIA));
    for (int k = 0; k < r->n; k++)
        random_criterion(r, k);
    r->has_logic = below(4) != 0;
    if (r->has_logic)
        ltree_new(&r->tree, 1 + below(4), r->n);
}

static void to_info(const trule *r, int index, regio_rule_info *ri, char *logic, size_t cap,
                    char *name, size_t ncap)
{
    memset(ri, 0, sizeof *ri);
    ri->id = r->id;
    ri->territory = W.terr[r->terr];
    snprintf(name, ncap, "rule %d", index);
    ri->name = name;
    if (r->has_logic) {
        ltree_print(&r->tree, logic, cap);
        ri->logic = logic;
        c_not_logic += strstr(logic, "NOT") || strstr(logic, "not") || strstr(logic, "Not") ||
                       strstr(logic, "nOT") || strstr(logic, "NoT") || strstr(logic, "nOt") ||
                       strstr(logic, "noT") || strstr(logic, "NOt");
    } else {
        c_empty_logic++;
    }
    ri->inherit = r->inherit;
    ri->active = r->active;
    ri->n_criteria = r->n;
    for (int k = 0; k < r->n; k++)
        ri->criteria[k] =
            (regio_rule_criterion){FIELDS[r->field[k]].name, OPS[r->op[k]], r->value[k]};
}

static void save_rule(int i)
{
    regio_rule_info ri;
    char logic[8192], name[32];
    to_info(&W.r[i], i, &ri, logic, sizeof logic, name, sizeof name);
    regio_error e;
    long id = 0;
    double t0 = now_s();
    regio_err rc = regio_rule_save(W.s, MODEL, &ri, "test", &id, &e);
    t_save += now_s() - t0;
    if (rc) {
        FAIL_AT_("saving rule %d: %s", i, e.msg);
        W.r[i].alive = 0;
        return;
    }
    W.r[i].id = id;
}

static void mutate_rules(int first)
{
    if (first) {
        W.n_r = 0;
        for (int t = 0; t < W.n_terr; t++)
            if (below(100) < 35)
                for (int k = 1 + below(3); k > 0 && W.n_r < MAX_R; k--) {
                    random_rule(&W.r[W.n_r], t);
                    save_rule(W.n_r++);
                }
        return;
    }
    for (int ops = 3 + below(12); ops > 0; ops--) {
        int what = below(4);
        int i = below(W.n_r ? W.n_r : 1);
        if (what == 0 || !W.n_r) {
            if (W.n_r < MAX_R) {
                random_rule(&W.r[W.n_r], below(W.n_terr));
                save_rule(W.n_r++);
            }
        } else if (!W.r[i].alive) {
            continue;
        } else if (what == 1) { /* rewrite it */
            long id = W.r[i].id;
            int terr = W.r[i].terr;
            random_rule(&W.r[i], terr);
            W.r[i].id = id;
            save_rule(i);
        } else if (what == 2) {
            regio_error e;
            if (regio_store_rule_delete(W.s, MODEL, W.r[i].id, "test", &e))
                FAIL_AT_("delete: %s", e.msg);
            W.r[i].alive = 0;
        } else {
            W.r[i].active = !W.r[i].active;
            save_rule(i);
        }
    }
}

/* ---- the oracle ---------------------------------------------------------------------------- */

static int rule_sat(const trule *r, const acc *a)
{
    unsigned m = 0;
    for (int k = 0; k < r->n; k++)
        if (o_sat_text(a->val[r->field[k]], OPS[r->op[k]], r->value[k]))
            m |= 1u << k;
    return r->has_logic ? ltree_eval(&r->tree, m) : m == (1u << r->n) - 1;
}

typedef struct pair {
    int acc, terr;
    long rule;
} pair;

static int cmp_pair(const void *x, const void *y)
{
    const pair *a = x, *b = y;
    if (a->acc != b->acc)
        return a->acc - b->acc;
    return a->terr - b->terr;
}

static int is_in(int t, int root)
{
    for (int a = t; a >= 0; a = W.parent[a])
        if (a == root)
            return 1;
    return 0;
}

/* The oracle's matches over the territories of the scope (root -1: all):
 * for every territory its own and its inherited rules, read off the list
 * of rules the slow way, then every account against them. */
static pair *oracle(int root, size_t *n_out)
{
    size_t n = 0, cap = 1024;
    pair *out = malloc(cap * sizeof *out);
    static unsigned char sat[MAX_R];
    static int own[MAX_T][MAX_R], inh[MAX_T][MAX_R], n_own[MAX_T], n_inh[MAX_T];
    static long near[MAX_T];
    for (int t = 0; t < W.n_terr; t++) {
        n_own[t] = n_inh[t] = 0;
        near[t] = 0;
        for (int r = 0; r < W.n_r; r++) {
            const trule *x = &W.r[r];
            if (!x->alive || !x->active)
                continue;
            if (x->terr == t)
                own[t][n_own[t]++] = r;
            else if (x->inherit && is_in(t, x->terr))
                inh[t][n_inh[t]++] = r;
        }
        /* The nearest ancestor with inherit rules: its lowest id. */
        for (int p = W.parent[t]; p >= 0 && !near[t]; p = W.parent[p])
            for (int r = 0; r < W.n_r; r++) {
                const trule *x = &W.r[r];
                if (x->alive && x->active && x->inherit && x->terr == p &&
                    (!near[t] || x->id < near[t]))
                    near[t] = x->id;
            }
    }
    for (size_t i = 0; i < W.n_acc; i++) {
        const acc *a = &W.a[i];
        for (int r = 0; r < W.n_r; r++)
            sat[r] = W.r[r].alive && W.r[r].active && rule_sat(&W.r[r], a);
        for (int t = 0; t < W.n_terr; t++) {
            if ((root >= 0 && !is_in(t, root)) || (!n_own[t] && !n_inh[t]))
                continue;
            long credit = 0;
            for (int k = 0; k < n_own[t]; k++)
                if (sat[own[t][k]] && (!credit || W.r[own[t][k]].id < credit))
                    credit = W.r[own[t][k]].id;
            if (n_own[t] && !credit)
                continue;
            int ok = 1;
            for (int k = 0; k < n_inh[t] && ok; k++)
                ok = sat[inh[t][k]];
            if (!ok)
                continue;
            if (!n_own[t]) {
                credit = near[t];
                c_inherited_only += !a->excluded;
            }
            if (a->excluded) {
                c_excluded_would++;
                continue;
            }
            if (n == cap)
                out = realloc(out, (cap *= 2) * sizeof *out);
            out[n++] = (pair){(int)i, t, credit};
        }
    }
    *n_out = n;
    return out;
}

typedef struct pairs {
    pair *v;
    size_t n, cap;
} pairs;

static void on_stored(const char *const *v, void *ud)
{
    pairs *p = ud;
    if (p->n == p->cap)
        p->v = realloc(p->v, (p->cap = p->cap ? p->cap * 2 : 1024) * sizeof *p->v);
    p->v[p->n++] = (pair){acc_index(v[0]), atoi(v[1] + 1), strtol(v[2], NULL, 10)};
}

/* The store's rule associations. */
static pair *stored(size_t *n_out)
{
    pairs p = {0};
    sql_rows("SELECT a.ext_id, t.ext_id, ifnull(at.rule_id, 0) FROM account_territories at"
             " JOIN accounts a ON a.id = at.account_id JOIN territories t ON t.id ="
             " at.territory_id WHERE at.cause = 'rule'",
             "SELECT a.ext_id, t.ext_id, coalesce(at.rule_id, 0) FROM account_territories at"
             " JOIN accounts a ON a.id = at.account_id JOIN territories t ON t.id ="
             " at.territory_id WHERE at.cause = 'rule'",
             on_stored, &p);
    if (p.n > 1)
        qsort(p.v, p.n, sizeof *p.v, cmp_pair);
    *n_out = p.n;
    return p.v ? p.v : malloc(sizeof *p.v);
}

/* On a failure: the rules in effect for territory t and what the oracle
 * makes of them for account i. */
static void explain(int i, int t)
{
    fprintf(stderr, "    account %s, territory %s:\n", W.a[i].id, W.terr[t]);
    for (int r = 0; r < W.n_r; r++) {
        const trule *x = &W.r[r];
        if (!x->alive || !x->active || !(x->terr == t || (x->inherit && is_in(t, x->terr))))
            continue;
        char logic[2048] = "(all)";
        if (x->has_logic)
            ltree_print(&x->tree, logic, sizeof logic);
        fprintf(stderr, "      rule %ld of %s%s: %s -> %d\n", x->id, W.terr[x->terr],
                x->terr == t ? "" : " (inherited)", logic, rule_sat(x, &W.a[i]));
        for (int k = 0; k < x->n; k++)
            fprintf(stderr, "        %d %s %s '%s' on '%s' -> %d\n", k + 1, FIELDS[x->field[k]].name,
                    OPS[x->op[k]], x->value[k], W.a[i].val[x->field[k]],
                    o_sat_text(W.a[i].val[x->field[k]], OPS[x->op[k]], x->value[k]));
    }
}

/* ---- one run -------------------------------------------------------------------------------- */

static void check_run(int root, int dry_first)
{
    size_t n_before = 0, n_match = 0, n_after = 0;
    double t0 = now_s();
    pair *before = stored(&n_before);
    t_snap += now_s() - t0;
    t0 = now_s();
    pair *match = oracle(root, &n_match);
    t_oracle += now_s() - t0;
    /* Expected: the oracle inside the scope, the old pairs outside. */
    size_t n_exp = 0;
    pair *exp = malloc((n_before + n_match + 1) * sizeof *exp);
    for (size_t i = 0; i < n_before; i++)
        if (root >= 0 && !is_in(before[i].terr, root))
            exp[n_exp++] = before[i];
    memcpy(exp + n_exp, match, n_match * sizeof *match);
    n_exp += n_match;
    qsort(exp, n_exp, sizeof *exp, cmp_pair);
    /* Per territory: added and removed. */
    long added[MAX_T] = {0}, removed[MAX_T] = {0}, tot_add = 0, tot_del = 0;
    size_t i = 0, j = 0;
    while (i < n_before || j < n_exp) {
        int k = i >= n_before ? 1 : j >= n_exp ? -1 : cmp_pair(&before[i], &exp[j]);
        if (k < 0) {
            removed[before[i++].terr]++;
            tot_del++;
        } else if (k > 0) {
            added[exp[j++].terr]++;
            tot_add++;
        } else {
            c_recredited += before[i].rule != exp[j].rule;
            c_deleted_kept += before[i].rule == 0;
            i++;
            j++;
        }
    }
    if (root >= 0)
        c_scoped_removed += tot_del;
    t0 = now_s();
    char *fixed = fixed_state();
    t_snap += now_s() - t0;
    regio_rules_run_opts o = {MODEL, root >= 0 ? W.terr[root] : NULL, 0, "test"};
    regio_rules_report rep;
    regio_error e;
    if (dry_first) {
        char *all = everything();
        o.dry_run = 1;
        if (regio_rules_run(W.s, &o, &rep, &e))
            FAIL_AT_("dry run: %s", e.msg);
        char *all2 = everything();
        if (strcmp(all, all2))
            FAIL_AT_("a dry run changed the store");
        ASSERT_EQ_INT(rep.added, tot_add);
        ASSERT_EQ_INT(rep.removed, tot_del);
        regio_rules_report_clear(&rep);
        free(all);
        free(all2);
        o.dry_run = 0;
        c_dry++;
    }
    t0 = now_s();
    if (regio_rules_run(W.s, &o, &rep, &e))
        FAIL_AT_("run: %s", e.msg);
    t_run += now_s() - t0;
    c_runs++;
    pair *after = stored(&n_after);
    if (n_after != n_exp)
        FAIL_AT_("run %ld (scope %s): %zu rule associations, the oracle says %zu", c_runs,
                 root >= 0 ? W.terr[root] : "all", n_after, n_exp);
    for (size_t k = 0; k < n_after && k < n_exp; k++)
        if (cmp_pair(&after[k], &exp[k]) || after[k].rule != exp[k].rule) {
            FAIL_AT_("run %ld: association %zu is %s/%s rule %ld, the oracle says %s/%s rule %ld",
                     c_runs, k, W.a[after[k].acc].id, W.terr[after[k].terr], after[k].rule,
                     W.a[exp[k].acc].id, W.terr[exp[k].terr], exp[k].rule);
            explain(after[k].acc, after[k].terr);
            explain(exp[k].acc, exp[k].terr);
            break;
        }
    ASSERT_EQ_INT(rep.added, tot_add);
    ASSERT_EQ_INT(rep.removed, tot_del);
    ASSERT_EQ_INT(rep.matched, (long)n_match);
    ASSERT_EQ_INT(rep.accounts, (long)W.n_acc);
    long listed = 0;
    for (size_t k = 0; k < rep.n_changes; k++) {
        int t = atoi(rep.changes[k].territory + 1);
        if (rep.changes[k].added != added[t] || rep.changes[k].removed != removed[t])
            FAIL_AT_("territory %s: +%ld -%ld, the oracle says +%ld -%ld", rep.changes[k].territory,
                     rep.changes[k].added, rep.changes[k].removed, added[t], removed[t]);
        listed++;
    }
    long changed_terr = 0;
    for (int t = 0; t < W.n_terr; t++)
        changed_terr += added[t] || removed[t];
    ASSERT_EQ_INT(listed, changed_terr);
    char *fixed2 = fixed_state();
    if (strcmp(fixed, fixed2))
        FAIL_AT_("run %ld changed manual or geo associations or the alignment", c_runs);
    c_pairs += (long)n_match;
    regio_rules_report_clear(&rep);
    free(fixed);
    free(fixed2);
    free(before);
    free(match);
    free(exp);
    free(after);
}

static void one_seed(uint64_t seed, int rounds)
{
    oracle_seed = seed * 7919;
    char path[512];
    regio_test_store_location(path, sizeof path, "rules_run");
    regio_error e;
    memset(&W, 0, sizeof W);
    if (regio_store_open(path, &W.s, &e)) {
        FAIL_AT_("open: %s", e.msg);
        return;
    }
#ifdef REGIO_HAVE_PG
    if (regio_test_pg()) {
        W.pg = PQconnectdb(path);
        if (PQstatus(W.pg) != CONNECTION_OK)
            FAIL_AT_("connecting: %s", PQerrorMessage(W.pg));
    }
#endif
    if (!regio_test_pg())
        W.db = regio__sqlite_handle(W.s);
    build_world();
    for (int round = 0; round < rounds; round++) {
        mutate_rules(round == 0);
        int root = below(5) < 3 ? -1 : below(W.n_terr / 3);
        check_run(root, below(4) == 0);
        /* Again with nothing changed: nothing to do. */
        if (round == 0) {
            regio_rules_run_opts o = {MODEL, NULL, 0, "test"};
            regio_rules_report rep;
            if (root >= 0)
                check_run(-1, 0);
            ASSERT_OK(regio_rules_run(W.s, &o, &rep, &e));
            ASSERT_EQ_INT(rep.added + rep.removed, 0);
            regio_rules_report_clear(&rep);
        }
    }
    long bad = 0;
    ASSERT_OK(regio_store_audit_verify(W.s, &bad, &e));
    free_world();
    regio_store_close(W.s);
#ifdef REGIO_HAVE_PG
    PQfinish(W.pg);
#endif
    regio_test_store_remove(path);
}

#ifndef PG_SEED
#define PG_SEED 2
#endif

static void test_property(void)
{
    const char *one = getenv("REGIO_RULES_SEED");
    long rounds = 0;
    if (one) {
        rounds = getenv("REGIO_RULES_ROUNDS") ? strtol(getenv("REGIO_RULES_ROUNDS"), NULL, 10) : 12;
        one_seed(strtoull(one, NULL, 10), (int)rounds);
    } else {
        /* PostgreSQL: one seed (one whose rounds meet every case), its
         * time under a minute. The same seed alone under the sanitizers
         * (seeds 1 and 2 before: 290 s there): their checks are on the code
         * the runs execute, which that seed's rounds reach, every case
         * counter met; seeds 3 and 4 miss the scoped removal in 10 rounds.
         * REGIO_RULES_SEEDS=<n> runs n seeds from there. */
        int one_seed_only = regio_test_pg() || RUN_SANITIZED;
        int first = one_seed_only ? PG_SEED : 1;
        int seeds = one_seed_only ? 1 : 4;
        int per_seed = regio_test_pg() ? 6 : RUN_SANITIZED ? 6 : 10;
        if (getenv("REGIO_RULES_SEEDS"))
            seeds = (int)strtol(getenv("REGIO_RULES_SEEDS"), NULL, 10);
        if (getenv("REGIO_RULES_ROUNDS"))
            per_seed = (int)strtol(getenv("REGIO_RULES_ROUNDS"), NULL, 10);
        for (int s = first; s < first + seeds; s++)
            one_seed((uint64_t)s, per_seed);
        rounds = (long)seeds * per_seed;
    }
    fprintf(stderr, "  %ld runs (%ld after a dry run), %ld matched pairs checked; cases: "
                    "excluded %ld, inherited only %ld, re-credited %ld, deleted rule kept %ld, "
                    "removed by a scoped run %ld, NOT %ld, empty logic %ld, custom %ld, "
                    "ordering %ld\n",
            c_runs, c_dry, c_pairs, c_excluded_would, c_inherited_only, c_recredited,
            c_deleted_kept, c_scoped_removed, c_not_logic, c_empty_logic, c_custom, c_ordering);
    fprintf(stderr, "  seconds: runs %.1f, oracle %.1f, rule saves %.1f, store snapshots %.1f\n",
            t_run, t_oracle, t_save, t_snap);
    ASSERT_TRUE(c_runs >= rounds);
    ASSERT_TRUE(c_pairs > 10000);
    ASSERT_TRUE(c_excluded_would > 0);
    ASSERT_TRUE(c_inherited_only > 0);
    ASSERT_TRUE(c_recredited > 0);
    ASSERT_TRUE(c_scoped_removed > 0);
    ASSERT_TRUE(c_not_logic > 0);
    ASSERT_TRUE(c_empty_logic > 0);
    ASSERT_TRUE(c_custom > 0);
    ASSERT_TRUE(c_ordering > 0);
    ASSERT_TRUE(c_dry > 0);
}

/* ---- two servers ---------------------------------------------------------------------------- */

typedef struct second {
    regio_store *s;
    int what; /* 0: a types save, 1: a rule run */
    regio_err rc;
    regio_error e;
    regio_rules_report rep;
} second;

static void *second_server(void *ud)
{
    second *b = ud;
    if (b->what == 0) {
        regio_territory_type y = {"y", 1, NULL, 0};
        b->rc = regio_store_types_save(b->s, &y, 1, "b", NULL, &b->e);
    } else {
        regio_rules_run_opts o = {"m", NULL, 0, "b"};
        b->rc = regio_rules_run(b->s, &o, &b->rep, &b->e);
    }
    return NULL;
}

static int on_assoc(void *ud, const regio_rule_assoc *a)
{
    (void)a;
    ++*(long *)ud;
    return 0;
}

static void test_two_servers(void)
{
    char path[512], csv[80];
    regio_test_store_location(path, sizeof path, "rules_two");
    regio_store *a = NULL, *b = NULL;
    regio_error e;
    ASSERT_OK(regio_store_open(path, &a, &e));
    ASSERT_OK(regio_store_open(path, &b, &e));
    regio_test_db_path(csv, sizeof csv, "rules_two_csv");
    FILE *f = fopen(csv, "w");
    fprintf(f, "id,name,industry\nA1,One,Retail\nA2,Two,Health\nA3,Three,Retail\n");
    fclose(f);
    ASSERT_OK(regio_import_accounts(a, csv, NULL, NULL, &e));
    remove(csv);
    ASSERT_OK(regio_store_model_create(a, "m", REGIO_MODEL_PLANNING, NULL, NULL, NULL, NULL, &e));
    ASSERT_OK(regio_store_territory_upsert(a, "m", "T1", NULL, NULL, &e));
    regio_rule_info r;
    memset(&r, 0, sizeof r);
    r.name = "retail";
    r.territory = "T1";
    r.active = 1;
    r.n_criteria = 1;
    r.criteria[0] = (regio_rule_criterion){"industry", "equals", "retail"};
    ASSERT_OK(regio_rule_save(a, "m", &r, "a", NULL, &e));

    /* Types: the second save waits, then sees priority 1 taken. */
    pthread_t th;
    second sb;
    memset(&sb, 0, sizeof sb);
    sb.s = b;
    regio_territory_type x = {"x", 1, NULL, 0};
    ASSERT_OK(regio_store_begin(a, &e));
    ASSERT_OK(regio_store_types_save(a, &x, 1, "a", NULL, &e));
    pthread_create(&th, NULL, second_server, &sb);
    usleep(300000);
    ASSERT_OK(regio_store_commit(a, &e));
    pthread_join(th, NULL);
    ASSERT_EQ_INT(sb.rc, REGIO_ECONFLICT);
    if (!strstr(sb.e.msg, "is already territory type 'x''s"))
        FAIL_AT_("the second types save did not see the first's: %s", sb.e.msg);

    /* A run: the first holds the associations it read and adds one the
     * rules do not make (A2 to T1); the second run waits, then reads it
     * and takes it away. */
    const char *terr[1] = {"T1"};
    long before = 0;
    ASSERT_OK(regio_store_begin(a, &e));
    ASSERT_OK(regio_store_rule_assocs_foreach(a, "m", terr, 1, on_assoc, &before, &e));
    ASSERT_EQ_INT(before, 0);
    long long key = -1;
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT id FROM accounts WHERE ext_id = 'A2'");
    key = regio_test_loc_int(path, sql);
    regio_rule_assoc add = {key, 0, 0};
    memset(&sb, 0, sizeof sb);
    sb.s = b;
    sb.what = 1;
    pthread_create(&th, NULL, second_server, &sb);
    usleep(300000);
    ASSERT_OK(regio_store_rule_assocs_apply(a, "m", terr, 1, NULL, 0, &add, 1, NULL, 0, "a", &e));
    ASSERT_OK(regio_store_commit(a, &e));
    pthread_join(th, NULL);
    if (sb.rc)
        FAIL_AT_("the second run: %s", sb.e.msg);
    ASSERT_EQ_INT(sb.rep.added, 2);   /* A1, A3 */
    ASSERT_EQ_INT(sb.rep.removed, 1); /* A2, added by the first meanwhile */
    regio_rules_report_clear(&sb.rep);
    long after = 0;
    ASSERT_OK(regio_store_rule_assocs_foreach(a, "m", terr, 1, on_assoc, &after, &e));
    ASSERT_EQ_INT(after, 2);
    regio_store_close(a);
    regio_store_close(b);
    regio_test_store_remove(path);
}

int main(int argc, char **argv)
{
    regio_test_backend(argc, argv, "test_rules_run --pg");
    RUN(test_two_servers);
    RUN(test_property);
    TEST_END();
}
