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

#include <stdint.h>

/* ---- a deterministic generator (splitmix64) -------------------------------- */

static uint64_t seed_state;

static uint64_t rnd(void)
{
    uint64_t z = (seed_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int below(int n)
{
    return (int)(rnd() % (uint64_t)n);
}

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

typedef struct node {
    int kind; /* 0 leaf, 1 NOT, 2 AND, 3 OR */
    int leaf;
    struct node *a, *b;
} node;

static node pool[4096];
static int n_pool;

static node *gen(int depth, int n)
{
    node *x = &pool[n_pool++];
    memset(x, 0, sizeof *x);
    int k = depth <= 0 ? 0 : below(4);
    x->kind = k;
    if (k == 0)
        x->leaf = below(n);
    else if (k == 1)
        x->a = gen(depth - 1, n);
    else {
        x->a = gen(depth - 1, n);
        x->b = gen(depth - 1, n);
    }
    return x;
}

static int eval_tree(const node *x, unsigned m)
{
    switch (x->kind) {
    case 0: return (int)((m >> x->leaf) & 1u);
    case 1: return !eval_tree(x->a, m);
    case 2: return eval_tree(x->a, m) && eval_tree(x->b, m);
    default: return eval_tree(x->a, m) || eval_tree(x->b, m);
    }
}

static int prec(const node *x)
{
    return x->kind == 0 ? 4 : x->kind == 1 ? 3 : x->kind == 2 ? 2 : 1;
}

static void put(char **p, const char *s)
{
    size_t n = strlen(s);
    memcpy(*p, s, n);
    *p += n;
}

static void space(char **p)
{
    int k = below(3);
    for (int i = 0; i < k; i++)
        put(p, " ");
}

static const char *word(const char *w)
{
    static char buf[8][8];
    static int at;
    char *b = buf[at++ & 7];
    for (size_t i = 0; i <= strlen(w); i++)
        b[i] = below(2) && w[i] ? (char)(w[i] - 'A' + 'a') : w[i];
    return b;
}

/* Prints x with the parentheses its context needs, plus some extra ones.
 * `right` marks the right operand of a binary operator: a same-precedence
 * right child needs parentheses there (left associativity). */
static void print(const node *x, int ctx, int right, char **p)
{
    int need = prec(x) < ctx || (right && prec(x) == ctx && x->kind >= 2) || below(6) == 0;
    if (need) {
        put(p, "(");
        space(p);
    }
    switch (x->kind) {
    case 0: {
        char num[16];
        snprintf(num, sizeof num, "%d", x->leaf + 1);
        put(p, num);
        break;
    }
    case 1:
        put(p, word("NOT"));
        put(p, " ");
        space(p);
        print(x->a, 3, 0, p);
        break;
    default:
        print(x->a, prec(x), 0, p);
        put(p, " ");
        space(p);
        put(p, word(x->kind == 2 ? "AND" : "OR"));
        put(p, " ");
        space(p);
        print(x->b, prec(x), 1, p);
        break;
    }
    if (need) {
        space(p);
        put(p, ")");
    }
}

static void test_logic_precedence(void)
{
    seed_state = 12;
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
    for (int it = 0; it < 3000; it++) {
        n_pool = 0;
        int n = 1 + below(REGIO_RULE_MAX_CRITERIA);
        node *root = gen(1 + below(6), n);
        char text[8192], *p = text;
        print(root, 0, 0, &p);
        *p = '\0';
        uint64_t t[REGIO__TT_WORDS];
        regio_error e;
        if (regio__logic_table(text, n, t, &e)) {
            FAIL_AT_("'%s' does not parse: %s", text, e.msg);
            continue;
        }
        for (unsigned m = 0; m < (1u << n); m++, checked++)
            if (regio__tt_get(t, m) != eval_tree(root, m)) {
                FAIL_AT_("'%s' mask %u: %d, expected %d", text, m, regio__tt_get(t, m),
                         eval_tree(root, m));
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

static int o_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Trimmed, ASCII-lower-cased copy. */
static void o_norm(const char *s, char *out, size_t cap)
{
    if (!s)
        s = "";
    while (*s && o_space(*s))
        s++;
    size_t n = strlen(s);
    while (n && o_space(s[n - 1]))
        n--;
    if (n >= cap)
        n = cap - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
    out[n] = '\0';
}

/* docs/ACCESS.md numbers: [sign] digits [. digits] [exponent], C-style
 * (".5" and "5." too), nothing else. A state machine. */
static int o_number(const char *s, double *v)
{
    char t[512];
    o_norm(s, t, sizeof t);
    int st = 0, digits = 0;
    for (const char *p = t;; p++) {
        char c = *p;
        int d = c >= '0' && c <= '9';
        switch (st) {
        case 0: st = (c == '+' || c == '-') ? 1 : d ? 2 : c == '.' ? 3 : -1; break;
        case 1: st = d ? 2 : c == '.' ? 3 : -1; break;
        case 2: st = d ? 2 : c == '.' ? 4 : c == 'e' ? 5 : c == 0 ? 9 : -1; break;
        case 3: st = d ? 4 : -1; break;
        case 4: st = d ? 4 : c == 'e' ? 5 : c == 0 ? 9 : -1; break;
        case 5: st = (c == '+' || c == '-') ? 6 : d ? 7 : -1; break;
        case 6: st = d ? 7 : -1; break;
        case 7: st = d ? 7 : c == 0 ? 9 : -1; break;
        }
        digits += d;
        if (st < 0)
            return 0;
        if (st == 9)
            break;
    }
    *v = strtod(t, NULL);
    return digits > 0 && isfinite(*v);
}

static void o_numtext(double v, char *out, size_t cap)
{
    for (int p = 15; p <= 17; p++) {
        snprintf(out, cap, "%.*g", p, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

/* The text of field f of a, as the document defines it. */
static void o_value(const regio_account *a, const char *f, char *out, size_t cap)
{
    const char *text = NULL;
    double num = NAN;
    int is_num = 0;
    if (!strcmp(f, "industry")) text = a->industry;
    else if (!strcmp(f, "city")) text = a->city;
    else if (!strcmp(f, "region")) text = a->region;
    else if (!strcmp(f, "segment")) text = a->segment;
    else if (!strcmp(f, "employees")) { num = a->employees; is_num = 1; }
    else if (!strcmp(f, "annual_revenue")) { num = a->annual_revenue; is_num = 1; }
    else
        for (size_t i = 0; i < a->n_attrs; i++)
            if (!strcmp(a->attrs[i].key, f)) {
                if (a->attrs[i].is_num) { num = a->attrs[i].num; is_num = 1; }
                else text = a->attrs[i].text;
            }
    if (is_num) {
        if (isnan(num))
            out[0] = '\0';
        else
            o_numtext(num, out, cap);
    } else {
        snprintf(out, cap, "%s", text ? text : "");
    }
}

static int o_sat(const char *f, const char *op, const char *value, const regio_account *a)
{
    char raw[256], x[256], v[256];
    o_value(a, f, raw, sizeof raw);
    o_norm(raw, x, sizeof x);
    o_norm(value, v, sizeof v);
    if (!strcmp(op, "equals")) return !strcmp(x, v);
    if (!strcmp(op, "not_equals")) return strcmp(x, v) != 0;
    if (!strcmp(op, "starts_with")) return !strncmp(x, v, strlen(v));
    if (!strcmp(op, "contains")) return strstr(x, v) != NULL;
    if (!strcmp(op, "not_contains")) return strstr(x, v) == NULL;
    if (!strcmp(op, "in")) {
        char items[256];
        snprintf(items, sizeof items, "%s", value);
        char *p = items;
        for (;;) {
            char *semi = strchr(p, ';');
            if (semi)
                *semi = '\0';
            char it[256];
            o_norm(p, it, sizeof it);
            if (!strcmp(x, it))
                return 1;
            if (!semi)
                return 0;
            p = semi + 1;
        }
    }
    double xa, vb;
    if (!o_number(raw, &xa) || !o_number(value, &vb))
        return 0;
    if (!strcmp(op, "less_than")) return xa < vb;
    if (!strcmp(op, "greater_than")) return xa > vb;
    if (!strcmp(op, "less_or_equal")) return xa <= vb;
    return xa >= vb;
}

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
    seed_state = 99;
    long evaluated = 0, held = 0;
    for (int it = 0; it < 4000; it++) {
        /* A rule. */
        n_pool = 0;
        int n = 1 + below(REGIO_RULE_MAX_CRITERIA);
        node *root = gen(1 + below(4), n);
        char logic[8192], *p = logic;
        print(root, 0, 0, &p);
        *p = '\0';
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
                expect = eval_tree(root, m);
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
