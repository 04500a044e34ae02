/*
 * The rule engine (regio/rules.h): the logic parser's errors, each naming
 * its column; precedence and the truth table checked against random
 * expression trees printed with random spacing, case and parentheses; the
 * operators of docs/ACCESS.md on hand-picked edge cases; and
 * regio_rule_eval against an evaluator written here from the document
 * alone, over random rules and accounts (text with case and spaces,
 * empties, numbers in C syntax and not, custom columns).
 */
#include "regio/rules.h"
#include "rules/rules_internal.h"
#include "regio_test.h"
#include "rules_oracle.h"


/* ---- the parser's errors ------------------------------------------------------- */

static void expect_error(const char *logic, int n, long column, const char *text)
{
    regio_error e;
    regio_error_clear(&e);
    regio_err rc = regio_rule_logic_check(logic, n, &e);
    if (rc != REGIO_EPARSE)
        FAIL_AT_("'%s': expected a parse error, got %d", logic, (int)rc);
    if (e.column != column)
        FAIL_AT_("'%s': column %ld, expected %ld (%s)", logic, e.column, column, e.msg);
    if (!strstr(e.msg, text))
        FAIL_AT_("'%s': message '%s' lacks '%s'", logic, e.msg, text);
    char col[32];
    snprintf(col, sizeof col, "at column %ld:", column);
    if (!strstr(e.msg, col))
        FAIL_AT_("'%s': message '%s' does not name the column", logic, e.msg);
    ASSERT_EQ_STR(e.field, "logic");
}

static void test_logic_errors(void)
{
    expect_error("(1 AND 2", 2, 9, "expected ')' to close the '(' at column 1, but found the end");
    expect_error("1 AND", 2, 6, "expected a criterion number, NOT or '(', but found the end");
    expect_error("1 2", 2, 3, "expected AND, OR or the end of the logic, but found '2'");
    expect_error("1 AND 4", 3, 7, "criterion 4 does not exist: the rule has criteria 1 to 3");
    expect_error("0 OR 1", 3, 1, "criterion 0 does not exist");
    expect_error("2", 1, 1, "the rule has only criterion 1");
    expect_error("1 ANDD 2", 2, 3, "unknown word 'ANDD'");
    expect_error("1 & 2", 2, 3, "unexpected character '&'");
    expect_error("1)", 2, 2, "')' has no matching '('");
    expect_error("()", 2, 2, "but found ')'");
    expect_error("NOT", 2, 4, "but found the end of the logic");
    expect_error("(1 OR 2) AND (NOT 3 OR", 3, 23, "but found the end");
    expect_error("1 OR OR 2", 2, 6, "but found 'OR'");
    expect_error("  (1 AND 2))", 2, 12, "')' has no matching '('");
    expect_error("1 AND 99999999999999", 2, 7, "criterion 99999999999999 does not exist");
    char deep[200];
    memset(deep, '(', 70);
    strcpy(deep + 70, "1");
    memset(deep + 71, ')', 70);
    deep[141] = '\0';
    expect_error(deep, 1, 65, "nested deeper than 64");
    /* Not errors: empty, blank, any case, no spaces. */
    ASSERT_OK(regio_rule_logic_check(NULL, 3, NULL));
    ASSERT_OK(regio_rule_logic_check("   ", 3, NULL));
    ASSERT_OK(regio_rule_logic_check("(1and 2)or not 3", 3, NULL));
    ASSERT_OK(regio_rule_logic_check("((1))", 1, NULL));
    regio_error e;
    ASSERT_EQ_INT(regio_rule_logic_check("1", 11, &e), REGIO_EDATA);
    ASSERT_EQ_INT(regio_rule_logic_check("1", 0, &e), REGIO_EDATA);
}

/* ---- precedence: random trees ----------------------------------------------------- */

static void test_logic_precedence(void)
{
    oracle_seed = 12;
    /* Fixed cases first. */
    struct {
        const char *logic;
        int n;
        const char *table; /* truth value per mask 0..2^n-1 */
    } fixed[] = {
        {"1 OR 2 AND 3", 3, "01010111"},       /* 1 OR (2 AND 3) */
        {"NOT 1 AND 2", 2, "0010"},            /* (NOT 1) AND 2 */
        {"NOT (1 AND 2)", 2, "1110"},
        {"NOT NOT 1", 1, "01"},
        {"", 3, "00000001"},
        {"1 AND 2 OR 3", 3, "00011111"},       /* (1 AND 2) OR 3 */
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        uint64_t t[REGIO__TT_WORDS];
        ASSERT_OK(regio__logic_table(fixed[i].logic, fixed[i].n, t, NULL));
        for (unsigned m = 0; m < (1u << fixed[i].n); m++)
            if (regio__tt_get(t, m) != fixed[i].table[m] - '0')
                FAIL_AT_("'%s' mask %u: %d", fixed[i].logic, m, regio__tt_get(t, m));
    }
    long checked = 0;
    static ltree tree;
    for (int it = 0; it < 3000; it++) {
        int n = 1 + below(REGIO_RULE_MAX_CRITERIA);
        ltree_new(&tree, 1 + below(6), n);
        char text[8192];
        ltree_print(&tree, text, sizeof text);
        uint64_t t[REGIO__TT_WORDS];
        regio_error e;
        if (regio__logic_table(text, n, t, &e)) {
            FAIL_AT_("'%s' does not parse: %s", text, e.msg);
            continue;
        }
        for (unsigned m = 0; m < (1u << n); m++, checked++)
            if (regio__tt_get(t, m) != ltree_eval(&tree, m)) {
                FAIL_AT_("'%s' mask %u: %d, expected %d", text, m, regio__tt_get(t, m),
                         ltree_eval(&tree, m));
                break;
            }
        for (unsigned m = 1u << n; m < 1024; m++)
            if (regio__tt_get(t, m))
                FAIL_AT_("'%s': bit %u past 2^%d set", text, m, n);
    }
    ASSERT_TRUE(checked > 100000);
}

/* ---- operators: edge cases --------------------------------------------------------- */

static int sat1(const char *field, const char *op, const char *value, const regio_account *a)
{
    regio_rule_info r;
    memset(&r, 0, sizeof r);
    r.name = "t";
    r.n_criteria = 1;
    r.criteria[0] = (regio_rule_criterion){field, op, value};
    regio_rule_compiled *c = NULL;
    regio_error e;
    if (regio_rule_compile(&r, &c, &e)) {
        FAIL_AT_("%s %s %s: %s", field, op, value, e.msg);
        return -1;
    }
    int v = regio_rule_eval(c, a);
    regio_rule_compiled_free(c);
    return v;
}

static void test_operators(void)
{
    regio_account a;
    regio_account_init(&a);
    a.id = "A1";
    a.industry = "  Health Care ";
    a.city = NULL;
    a.region = "WA";
    a.employees = 24;
    a.annual_revenue = 99.5;
    regio_attr attrs[3] = {{"tier", "Gold", NAN, 0}, {"score", NULL, 7, 1}, {"code", "1,000", NAN, 0}};
    a.attrs = attrs;
    a.n_attrs = 3;
    ASSERT_EQ_INT(sat1("industry", "equals", "health care", &a), 1);
    ASSERT_EQ_INT(sat1("industry", "equals", "HEALTH CARE   ", &a), 1);
    ASSERT_EQ_INT(sat1("industry", "equals", "healthcare", &a), 0);
    ASSERT_EQ_INT(sat1("industry", "not_equals", "healthcare", &a), 1);
    ASSERT_EQ_INT(sat1("industry", "starts_with", " HEAL", &a), 1);
    ASSERT_EQ_INT(sat1("industry", "contains", "H C", &a), 1);
    ASSERT_EQ_INT(sat1("industry", "contains", "hc", &a), 0);
    ASSERT_EQ_INT(sat1("industry", "contains", "th ca", &a), 1);
    ASSERT_EQ_INT(sat1("industry", "not_contains", "th ca", &a), 0);
    ASSERT_EQ_INT(sat1("region", "in", "or; wa ;CA", &a), 1);
    ASSERT_EQ_INT(sat1("region", "in", "or;ca", &a), 0);
    /* Empty fields: equal only the empty value; not_contains holds. */
    ASSERT_EQ_INT(sat1("city", "equals", "", &a), 1);
    ASSERT_EQ_INT(sat1("city", "equals", "  ", &a), 1);
    ASSERT_EQ_INT(sat1("city", "equals", "x", &a), 0);
    ASSERT_EQ_INT(sat1("city", "not_equals", "x", &a), 1);
    ASSERT_EQ_INT(sat1("city", "not_contains", "abc", &a), 1);
    ASSERT_EQ_INT(sat1("city", "in", "a;;b", &a), 1);
    ASSERT_EQ_INT(sat1("nosuch", "less_than", "5", &a), 0);
    ASSERT_EQ_INT(sat1("nosuch", "greater_or_equal", "-5", &a), 0);
    /* Numbers. */
    ASSERT_EQ_INT(sat1("employees", "greater_than", "2.3e1", &a), 1);
    ASSERT_EQ_INT(sat1("employees", "less_or_equal", "24", &a), 1);
    ASSERT_EQ_INT(sat1("employees", "equals", "24", &a), 1);
    ASSERT_EQ_INT(sat1("employees", "equals", "24.0", &a), 0); /* text comparison */
    ASSERT_EQ_INT(sat1("annual_revenue", "starts_with", "99.", &a), 1);
    ASSERT_EQ_INT(sat1("score", "greater_than", "6.5", &a), 1);
    ASSERT_EQ_INT(sat1("score", "equals", "7", &a), 1);
    ASSERT_EQ_INT(sat1("tier", "less_than", "1e300", &a), 0); /* not a number */
    ASSERT_EQ_INT(sat1("code", "greater_than", "0", &a), 0);  /* thousands separator */
    ASSERT_EQ_INT(sat1("nosuch", "equals", "", &a), 1);       /* unknown custom: empty */
    ASSERT_EQ_INT(sat1("tier", "equals", "gold", &a), 1);
    ASSERT_EQ_INT(sat1("Tier", "equals", "gold", &a), 0);     /* custom columns by exact key */
    /* Compile errors. */
    regio_rule_info r;
    memset(&r, 0, sizeof r);
    r.name = "bad";
    r.n_criteria = 2;
    r.criteria[0] = (regio_rule_criterion){"industry", "equals", "x"};
    r.criteria[1] = (regio_rule_criterion){"industry", "less_than", "5"};
    regio_rule_compiled *c = NULL;
    regio_error e;
    ASSERT_EQ_INT(regio_rule_compile(&r, &c, &e), REGIO_EDATA);
    ASSERT_TRUE(strstr(e.msg, "criterion 2") && strstr(e.msg, "'industry' is a text field"));
    r.criteria[1] = (regio_rule_criterion){"score", "less_than", "n/a"};
    ASSERT_EQ_INT(regio_rule_compile(&r, &c, &e), REGIO_EDATA);
    ASSERT_TRUE(strstr(e.msg, "needs a number, not 'n/a'") != NULL);
    static const char *const not_numbers[] = {"inf", "nan", "1_000", "1,000", "0x10", "1e", ".", "+", ""};
    for (size_t i = 0; i < sizeof not_numbers / sizeof not_numbers[0]; i++) {
        r.criteria[1] = (regio_rule_criterion){"score", "greater_than", not_numbers[i]};
        if (regio_rule_compile(&r, &c, &e) != REGIO_EDATA)
            FAIL_AT_("'%s' taken as a number", not_numbers[i]);
    }
    static const char *const numbers[] = {"42", "-7", "99.5", "1e3", ".5", "5.", "+1E-2", " 3 "};
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        r.criteria[1] = (regio_rule_criterion){"score", "greater_than", numbers[i]};
        if (regio_rule_compile(&r, &c, &e) != REGIO_OK)
            FAIL_AT_("'%s' not taken as a number: %s", numbers[i], e.msg);
        regio_rule_compiled_free(c);
        c = NULL;
    }
    r.criteria[1] = (regio_rule_criterion){"score", "is", "1"};
    ASSERT_EQ_INT(regio_rule_compile(&r, &c, &e), REGIO_EDATA);
    ASSERT_TRUE(strstr(e.msg, "unknown operator 'is'") != NULL);
    r.criteria[1] = (regio_rule_criterion){"score", "EQUALS", "1"};
    r.logic = "1 OR 3";
    ASSERT_EQ_INT(regio_rule_compile(&r, &c, &e), REGIO_EPARSE);
    ASSERT_EQ_INT(e.column, 6);
}

/* ---- the evaluator against an oracle ------------------------------------------------ */

static const char *pick(const char *const *v, int n)
{
    return v[below(n)];
}

static void test_eval_oracle(void)
{
    static const char *const texts[] = {"Health", " health ", "HEALTHCARE", "", "  ", "Retail",
                                        "re tail", "Äpfel", "äpfel", "12", " 12 ", "1e2",
                                        "100", "n/a", "inf", "-3.5", "0x1F", "1_000", "A;B"};
    static const char *const values[] = {"health", "HEALTH ", "", "re", "tail", "äpfel", "12",
                                         "1e2", "100", "-3.5", "a;b", "health;retail", ";",
                                         "retail; ;x", "EALTH"};
    static const char *const numbers[] = {"12", "1e2", "-3.5", "0", "99.5", ".5", "24"};
    static const char *const ops[] = {"equals", "not_equals", "starts_with", "contains",
                                      "not_contains", "in", "less_than", "greater_than",
                                      "less_or_equal", "greater_or_equal"};
    static const char *const text_fields[] = {"industry", "city", "region", "segment", "tier"};
    static const char *const num_fields[] = {"employees", "annual_revenue", "score", "tier"};
    oracle_seed = 99;
    long evaluated = 0, held = 0;
    static ltree tree;
    for (int it = 0; it < 4000; it++) {
        /* A rule. */
        int n = 1 + below(REGIO_RULE_MAX_CRITERIA);
        ltree_new(&tree, 1 + below(4), n);
        char logic[8192];
        ltree_print(&tree, logic, sizeof logic);
        regio_rule_info r;
        memset(&r, 0, sizeof r);
        r.name = "r";
        r.logic = below(5) ? logic : NULL;
        r.n_criteria = n;
        for (int k = 0; k < n; k++) {
            const char *op = pick(ops, 10);
            int ordering = !strncmp(op, "less", 4) || !strncmp(op, "greater", 7);
            r.criteria[k].op = op;
            r.criteria[k].field = ordering ? pick(num_fields, 4) : pick(text_fields, 5);
            if (!ordering && below(3) == 0)
                r.criteria[k].field = pick(num_fields, 4);
            r.criteria[k].value = ordering ? pick(numbers, 7) : pick(values, 15);
        }
        regio_rule_compiled *c = NULL;
        regio_error e;
        if (regio_rule_compile(&r, &c, &e)) {
            FAIL_AT_("compile: %s", e.msg);
            continue;
        }
        for (int acc = 0; acc < 25; acc++) {
            regio_account a;
            regio_account_init(&a);
            a.id = "X";
            a.industry = below(4) ? (char *)pick(texts, 19) : NULL;
            a.city = below(4) ? (char *)pick(texts, 19) : NULL;
            a.region = (char *)pick(texts, 19);
            a.segment = below(2) ? (char *)pick(texts, 19) : NULL;
            a.employees = below(4) ? (double)(below(200) - 50) : NAN;
            a.annual_revenue = below(4) ? below(1000) / 4.0 : NAN;
            regio_attr attrs[2];
            attrs[0] = (regio_attr){"tier", (char *)pick(texts, 19), NAN, 0};
            attrs[1] = below(2) ? (regio_attr){"score", NULL, below(300) / 8.0 - 10, 1}
                                : (regio_attr){"score", (char *)pick(texts, 19), NAN, 0};
            a.attrs = attrs;
            a.n_attrs = below(3) ? 2 : 0;
            unsigned m = 0;
            for (int k = 0; k < n; k++)
                if (o_sat(r.criteria[k].field, r.criteria[k].op, r.criteria[k].value, &a))
                    m |= 1u << k;
            int expect;
            if (r.logic)
                expect = ltree_eval(&tree, m);
            else
                expect = m == (1u << n) - 1;
            int got = regio_rule_eval(c, &a);
            evaluated++;
            held += expect;
            if (got != expect) {
                FAIL_AT_("rule '%s' (%d criteria) on an account: %d, expected %d",
                         r.logic ? r.logic : "(all)", n, got, expect);
                for (int k = 0; k < n; k++)
                    fprintf(stderr, "    %d %s %s '%s' -> %d\n", k + 1, r.criteria[k].field,
                            r.criteria[k].op, r.criteria[k].value, (int)((m >> k) & 1u));
                break;
            }
        }
        regio_rule_compiled_free(c);
    }
    ASSERT_TRUE(evaluated == 100000);
    ASSERT_TRUE(held > 5000 && held < 95000);
}

int main(void)
{
    RUN(test_logic_errors);
    RUN(test_logic_precedence);
    RUN(test_operators);
    RUN(test_eval_oracle);
    TEST_END();
}
