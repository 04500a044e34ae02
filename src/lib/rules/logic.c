/*
 * The logic of an assignment rule: a recursive-descent parser for
 * criterion numbers combined with NOT, AND, OR and parentheses (NOT binds
 * tightest, then AND, then OR; operators of one level associate to the
 * left), whose errors name the column of the problem. The parse is
 * emitted as postfix code and evaluated once over bit vectors, giving the
 * rule's truth table over its <= 10 criteria (2^10 bits): evaluating a
 * rule for an account is then one table look-up of the mask of its
 * satisfied criteria. O(length) to parse, O(length * 2^n / 64) to tabulate.
 */
#include "rules/rules_internal.h"

#include "core/grow.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Longer logic is refused: ten criteria never need it. */
#define MAX_LOGIC_LEN 4000
/* Deeper parentheses are refused, so the recursion stays bounded. */
#define MAX_DEPTH 64

typedef enum tok_kind { T_NUM, T_AND, T_OR, T_NOT, T_LP, T_RP, T_END, T_WORD, T_BAD } tok_kind;

typedef struct tok {
    tok_kind kind;
    long col;   /* 1-based */
    long num;   /* T_NUM: the number (capped) */
    size_t len; /* characters of the token */
} tok;

/* Postfix code: a criterion (0-based) or an operator. */
enum { OP_AND = -1, OP_OR = -2, OP_NOT = -3 };

typedef struct parser {
    const char *s;
    size_t pos;
    tok cur;
    int n;       /* criteria */
    int *code;   /* postfix */
    size_t n_code, cap_code;
    regio_error *err;
    regio_err rc;
} parser;

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static int word_is(const char *s, size_t len, const char *w)
{
    size_t k = strlen(w);
    if (len != k)
        return 0;
    for (size_t i = 0; i < k; i++)
        if (toupper((unsigned char)s[i]) != w[i])
            return 0;
    return 1;
}

static void next(parser *p)
{
    const char *s = p->s;
    while (s[p->pos] && is_space(s[p->pos]))
        p->pos++;
    tok t = {T_END, (long)p->pos + 1, 0, 0};
    char c = s[p->pos];
    if (!c) {
        p->cur = t;
        return;
    }
    size_t start = p->pos;
    if (c >= '0' && c <= '9') {
        long v = 0;
        while (s[p->pos] >= '0' && s[p->pos] <= '9') {
            if (v < 100000)
                v = v * 10 + (s[p->pos] - '0');
            p->pos++;
        }
        t.kind = T_NUM;
        t.num = v;
    } else if (isalpha((unsigned char)c)) {
        while (isalnum((unsigned char)s[p->pos]) || s[p->pos] == '_')
            p->pos++;
        size_t len = p->pos - start;
        t.kind = word_is(s + start, len, "AND")   ? T_AND
                 : word_is(s + start, len, "OR")  ? T_OR
                 : word_is(s + start, len, "NOT") ? T_NOT
                                                  : T_WORD;
    } else if (c == '(' || c == ')') {
        t.kind = c == '(' ? T_LP : T_RP;
        p->pos++;
    } else {
        t.kind = T_BAD;
        p->pos++;
    }
    t.len = p->pos - start;
    p->cur = t;
}

/* "'AND'", "'(' ", "the end of the logic": what was found, for messages. */
static void describe(const parser *p, const tok *t, char *out, size_t cap)
{
    if (t->kind == T_END)
        snprintf(out, cap, "the end of the logic");
    else
        snprintf(out, cap, "'%.*s'", (int)(t->len > 40 ? 40 : t->len), p->s + t->col - 1);
}

static regio_err fail_at(parser *p, long col, const char *fmt, const char *a, const char *b)
{
    char msg[600];
    snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
    if (!p->rc) {
        regio_error_setf(p->err, REGIO_EPARSE, NULL, 0, "logic", "at column %ld: %s", col, msg);
        if (p->err)
            p->err->column = col;
        p->rc = REGIO_EPARSE;
    }
    return p->rc;
}

/* A token that cannot be lexed names itself. */
static regio_err fail_token(parser *p)
{
    char found[64];
    describe(p, &p->cur, found, sizeof found);
    if (p->cur.kind == T_WORD)
        return fail_at(p, p->cur.col, "unknown word %s (a logic has criterion numbers, AND, OR, "
                                      "NOT and parentheses)%s",
                       found, NULL);
    return fail_at(p, p->cur.col,
                   "unexpected character %s (a logic has criterion numbers, AND, OR, NOT and "
                   "parentheses)%s",
                   found, NULL);
}

static regio_err emit(parser *p, int op)
{
    if (regio__grow(&p->code, &p->cap_code, p->n_code + 1, sizeof *p->code)) {
        if (!p->rc)
            p->rc = regio_error_setf(p->err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
        return p->rc;
    }
    p->code[p->n_code++] = op;
    return REGIO_OK;
}

static regio_err parse_or(parser *p, int depth);

/* primary := NUMBER | '(' or ')' | NOT primary */
static regio_err parse_unary(parser *p, int depth)
{
    if (p->rc)
        return p->rc;
    tok t = p->cur;
    char found[64];
    switch (t.kind) {
    case T_NOT:
        next(p);
        if (depth >= MAX_DEPTH * 4)
            return fail_at(p, t.col, "too many NOTs in a row%s%s", NULL, NULL);
        if (parse_unary(p, depth + 1))
            return p->rc;
        return emit(p, OP_NOT);
    case T_NUM:
        if (t.num < 1 || t.num > p->n) {
            char have[64], num[32];
            if (p->n == 1)
                snprintf(have, sizeof have, "the rule has only criterion 1");
            else
                snprintf(have, sizeof have, "the rule has criteria 1 to %d", p->n);
            snprintf(num, sizeof num, "%.*s", (int)(t.len > 20 ? 20 : t.len), p->s + t.col - 1);
            return fail_at(p, t.col, "criterion %s does not exist: %s", num, have);
        }
        next(p);
        return emit(p, (int)t.num - 1);
    case T_LP: {
        if (depth >= MAX_DEPTH)
            return fail_at(p, t.col, "parentheses nested deeper than 64%s%s", NULL, NULL);
        next(p);
        if (parse_or(p, depth + 1))
            return p->rc;
        if (p->cur.kind != T_RP) {
            if (p->cur.kind == T_WORD || p->cur.kind == T_BAD)
                return fail_token(p);
            char open[32];
            snprintf(open, sizeof open, "%ld", t.col);
            describe(p, &p->cur, found, sizeof found);
            return fail_at(p, p->cur.col, "expected ')' to close the '(' at column %s, but found %s",
                           open, found);
        }
        next(p);
        return REGIO_OK;
    }
    case T_WORD:
    case T_BAD: return fail_token(p);
    default:
        describe(p, &t, found, sizeof found);
        return fail_at(p, t.col, "expected a criterion number, NOT or '(', but found %s%s", found,
                       NULL);
    }
}

/* and := unary (AND unary)* */
static regio_err parse_and(parser *p, int depth)
{
    if (parse_unary(p, depth))
        return p->rc;
    while (p->cur.kind == T_AND) {
        next(p);
        if (parse_unary(p, depth) || emit(p, OP_AND))
            return p->rc;
    }
    return p->rc;
}

/* or := and (OR and)* */
static regio_err parse_or(parser *p, int depth)
{
    if (parse_and(p, depth))
        return p->rc;
    while (p->cur.kind == T_OR) {
        next(p);
        if (parse_and(p, depth) || emit(p, OP_OR))
            return p->rc;
    }
    return p->rc;
}

static int blank(const char *s)
{
    for (; s && *s; s++)
        if (!is_space(*s))
            return 0;
    return 1;
}

/* Postfix code of logic into p->code. */
static regio_err compile(parser *p, const char *logic, int n, regio_error *err)
{
    memset(p, 0, sizeof *p);
    p->err = err;
    p->n = n;
    if (n < 1 || n > REGIO_RULE_MAX_CRITERIA)
        return regio_error_setf(err, REGIO_EDATA, NULL, 0, "criterion",
                                "a rule has 1 to %d criteria, not %d", REGIO_RULE_MAX_CRITERIA, n);
    if (blank(logic)) {
        /* The AND of all criteria. */
        for (int c = 0; c < n && !p->rc; c++)
            if (!emit(p, c) && c > 0)
                emit(p, OP_AND);
        return p->rc;
    }
    if (strlen(logic) > MAX_LOGIC_LEN)
        return regio_error_setf(err, REGIO_EPARSE, NULL, 0, "logic",
                                "the logic is longer than %d characters", MAX_LOGIC_LEN);
    p->s = logic;
    next(p);
    if (parse_or(p, 0))
        return p->rc;
    if (p->cur.kind != T_END) {
        char found[64];
        if (p->cur.kind == T_WORD || p->cur.kind == T_BAD)
            return fail_token(p);
        if (p->cur.kind == T_RP)
            return fail_at(p, p->cur.col, "')' has no matching '('%s%s", NULL, NULL);
        describe(p, &p->cur, found, sizeof found);
        return fail_at(p, p->cur.col, "expected AND, OR or the end of the logic, but found %s%s",
                       found, NULL);
    }
    return REGIO_OK;
}

regio_err regio_rule_logic_check(const char *logic, int n_criteria, regio_error *err)
{
    parser p;
    regio_err rc = compile(&p, logic, n_criteria, err);
    regio_free(p.code);
    return rc;
}

regio_err regio__logic_table(const char *logic, int n, uint64_t table[REGIO__TT_WORDS],
                             regio_error *err)
{
    parser p;
    regio_err rc = compile(&p, logic, n, err);
    uint64_t(*stack)[REGIO__TT_WORDS] = NULL;
    if (!rc && !(stack = regio_malloc((p.n_code + 1) * sizeof *stack)))
        rc = regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (rc) {
        regio_free(p.code);
        return rc;
    }
    /* Column of criterion c: bit m is set when m has bit c. Words past
     * 2^n stay zero through the mask. */
    size_t bits = (size_t)1 << n;
    uint64_t valid[REGIO__TT_WORDS];
    for (size_t w = 0; w < REGIO__TT_WORDS; w++) {
        size_t lo = w * 64;
        valid[w] = lo >= bits ? 0 : bits - lo >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << (bits - lo)) - 1;
    }
    size_t sp = 0;
    for (size_t i = 0; i < p.n_code; i++) {
        int op = p.code[i];
        if (op >= 0) {
            for (size_t w = 0; w < REGIO__TT_WORDS; w++) {
                uint64_t v = 0;
                for (unsigned b = 0; b < 64; b++)
                    if (((w * 64 + b) >> op) & 1u)
                        v |= (uint64_t)1 << b;
                stack[sp][w] = v & valid[w];
            }
            sp++;
        } else if (op == OP_NOT) {
            for (size_t w = 0; w < REGIO__TT_WORDS; w++)
                stack[sp - 1][w] = ~stack[sp - 1][w] & valid[w];
        } else {
            sp--;
            for (size_t w = 0; w < REGIO__TT_WORDS; w++)
                stack[sp - 1][w] = op == OP_AND ? stack[sp - 1][w] & stack[sp][w]
                                                : stack[sp - 1][w] | stack[sp][w];
        }
    }
    memcpy(table, stack[0], sizeof stack[0]);
    regio_free(stack);
    regio_free(p.code);
    return REGIO_OK;
}
