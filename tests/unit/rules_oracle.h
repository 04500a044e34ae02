/*
 * For the tests of assignment rules: a seeded generator, random logic
 * expression trees (evaluated directly, and printed with random spacing,
 * keyword case and extra parentheses for the parser), and an evaluator of
 * criteria written from docs/ACCESS.md alone, over regio_account records:
 * the oracle the library is compared with.
 */
#ifndef REGIO_RULES_ORACLE_H
#define REGIO_RULES_ORACLE_H

#include "regio/model.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- generator (splitmix64) ------------------------------------------------------ */

static uint64_t oracle_seed;

static uint64_t oracle_rnd(void)
{
    uint64_t z = (oracle_seed += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int below(int n)
{
    return (int)(oracle_rnd() % (uint64_t)n);
}

/* ---- logic trees ---------------------------------------------------------------------- */

typedef struct lnode {
    int kind; /* 0 criterion, 1 NOT, 2 AND, 3 OR */
    int leaf; /* 0-based criterion */
    int a, b; /* children (indexes into the pool) */
} lnode;

typedef struct ltree {
    lnode n[512];
    int used;
    int root;
} ltree;

static int ltree_gen(ltree *t, int depth, int n_crit)
{
    if (t->used >= 500)
        depth = 0;
    int i = t->used++;
    lnode *x = &t->n[i];
    memset(x, 0, sizeof *x);
    x->kind = depth <= 0 ? 0 : below(4);
    if (x->kind == 0) {
        x->leaf = below(n_crit);
    } else {
        int a = ltree_gen(t, depth - 1, n_crit);
        t->n[i].a = a;
        if (t->n[i].kind >= 2) {
            int b = ltree_gen(t, depth - 1, n_crit);
            t->n[i].b = b;
        }
    }
    return i;
}

static void ltree_new(ltree *t, int depth, int n_crit)
{
    t->used = 0;
    t->root = ltree_gen(t, depth, n_crit);
}

static int ltree_eval_at(const ltree *t, int i, unsigned m)
{
    const lnode *x = &t->n[i];
    switch (x->kind) {
    case 0: return (int)((m >> x->leaf) & 1u);
    case 1: return !ltree_eval_at(t, x->a, m);
    case 2: return ltree_eval_at(t, x->a, m) && ltree_eval_at(t, x->b, m);
    default: return ltree_eval_at(t, x->a, m) || ltree_eval_at(t, x->b, m);
    }
}

static int ltree_eval(const ltree *t, unsigned m)
{
    return ltree_eval_at(t, t->root, m);
}

static int lprec(const lnode *x)
{
    return x->kind == 0 ? 4 : x->kind == 1 ? 3 : x->kind == 2 ? 2 : 1;
}

static void lput(char **p, const char *end, const char *s)
{
    while (*s && *p < end)
        *(*p)++ = *s++;
}

static void lspace(char **p, const char *end)
{
    for (int k = below(3); k > 0; k--)
        lput(p, end, " ");
}

static void lword(char **p, const char *end, const char *w)
{
    char b[8];
    size_t i = 0;
    for (; w[i] && i < 7; i++)
        b[i] = below(2) ? (char)(w[i] - 'A' + 'a') : w[i];
    b[i] = '\0';
    lput(p, end, b);
}

/* Prints node i with the parentheses its context needs (a right operand of
 * the same precedence needs them: operators associate to the left), plus
 * some extra ones. */
static void ltree_print_at(const ltree *t, int i, int ctx, int right, char **p, const char *end)
{
    const lnode *x = &t->n[i];
    int need = lprec(x) < ctx || (right && lprec(x) == ctx && x->kind >= 2) || below(6) == 0;
    if (need) {
        lput(p, end, "(");
        lspace(p, end);
    }
    if (x->kind == 0) {
        char num[16];
        snprintf(num, sizeof num, "%d", x->leaf + 1);
        lput(p, end, num);
    } else if (x->kind == 1) {
        lword(p, end, "NOT");
        lput(p, end, " ");
        lspace(p, end);
        ltree_print_at(t, x->a, 3, 0, p, end);
    } else {
        ltree_print_at(t, x->a, lprec(x), 0, p, end);
        lput(p, end, " ");
        lspace(p, end);
        lword(p, end, x->kind == 2 ? "AND" : "OR");
        lput(p, end, " ");
        lspace(p, end);
        ltree_print_at(t, x->b, lprec(x), 1, p, end);
    }
    if (need) {
        lspace(p, end);
        lput(p, end, ")");
    }
}

static void ltree_print(const ltree *t, char *out, size_t cap)
{
    char *p = out;
    ltree_print_at(t, t->root, 0, 0, &p, out + cap - 1);
    *p = '\0';
}

/* ---- criteria, from docs/ACCESS.md ------------------------------------------------------ */

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

/* A number as in C: [sign] (digits [. digits] | . digits) [e [sign] digits];
 * a state machine over the trimmed, lower-cased text. */
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

/* The text of field f of account a: a standard field by name, else the
 * attribute of that exact key; numbers in shortest round-trip form; empty
 * when missing. */
static void o_value(const regio_account *a, const char *f, char *out, size_t cap)
{
    const char *names[] = {"id",    "name",     "street", "city",    "region", "postal_code",
                           "country", "owner",  "industry", "type",  "segment", "unit"};
    const char *vals[] = {a->id,     a->name,     a->street, a->city,    a->region,  a->postal_code,
                          a->country, a->owner,   a->industry, a->type,  a->segment, a->unit_id};
    const char *nnames[] = {"lat", "lon", "annual_revenue", "employees", "potential"};
    double nvals[] = {a->lat, a->lon, a->annual_revenue, a->employees, a->potential};
    out[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(f, names[i])) {
            snprintf(out, cap, "%s", vals[i] ? vals[i] : "");
            return;
        }
    for (size_t i = 0; i < sizeof nnames / sizeof nnames[0]; i++)
        if (!strcmp(f, nnames[i])) {
            if (!isnan(nvals[i]))
                o_numtext(nvals[i], out, cap);
            return;
        }
    for (size_t i = 0; i < a->n_attrs; i++)
        if (a->attrs[i].key && !strcmp(a->attrs[i].key, f)) {
            if (a->attrs[i].is_num && !isnan(a->attrs[i].num))
                o_numtext(a->attrs[i].num, out, cap);
            else if (!a->attrs[i].is_num && a->attrs[i].text)
                snprintf(out, cap, "%s", a->attrs[i].text);
            return;
        }
}

/* Whether raw field text x satisfies (op, value). */
static int o_sat_text(const char *raw, const char *op, const char *value)
{
    char x[512], v[512];
    o_norm(raw, x, sizeof x);
    o_norm(value, v, sizeof v);
    if (!strcmp(op, "equals")) return !strcmp(x, v);
    if (!strcmp(op, "not_equals")) return strcmp(x, v) != 0;
    if (!strcmp(op, "starts_with")) return !strncmp(x, v, strlen(v));
    if (!strcmp(op, "contains")) return strstr(x, v) != NULL;
    if (!strcmp(op, "not_contains")) return strstr(x, v) == NULL;
    if (!strcmp(op, "in")) {
        char items[512];
        snprintf(items, sizeof items, "%s", value ? value : "");
        char *p = items;
        for (;;) {
            char *semi = strchr(p, ';');
            if (semi)
                *semi = '\0';
            char it[512];
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

static int __attribute__((unused)) o_sat(const char *f, const char *op, const char *value,
                                         const regio_account *a)
{
    char raw[512];
    o_value(a, f, raw, sizeof raw);
    return o_sat_text(raw, op, value);
}

#endif
