/*
 * Private to src/lib/rules: the compiled form of a rule (criteria with
 * normalised values, the logic as a truth table over the criteria), the
 * text and number helpers the evaluator shares with the matcher, and the
 * matcher that runs many rules over many accounts (matcher.c).
 */
#ifndef REGIO_RULES_INTERNAL_H
#define REGIO_RULES_INTERNAL_H

#include "regio/rules.h"

#include <stddef.h>
#include <stdint.h>

/* Words of a truth table over up to 10 criteria: 2^10 bits. */
#define REGIO__TT_WORDS 16

/*
 * Parses logic over criteria 1..n (NULL or blank: the AND of all) and
 * evaluates it for every assignment of truth values to the criteria: bit
 * m of table (m < 2^n) is the value of the logic when criterion c + 1 is
 * true exactly when bit c of m is set. Errors as regio_rule_logic_check.
 */
regio_err regio__logic_table(const char *logic, int n, uint64_t table[REGIO__TT_WORDS],
                             regio_error *err);

static inline int regio__tt_get(const uint64_t *t, unsigned m)
{
    return (int)((t[m >> 6] >> (m & 63)) & 1u);
}

/* One criterion, compiled. */
typedef struct regio__crit {
    int field;          /* index into the field table of its rule or rule set */
    regio_rule_op op;
    char *norm;         /* value trimmed and ASCII lower-cased (text operators) */
    size_t norm_len;
    char **items;       /* IN: the normalised items */
    size_t *item_len;
    int n_items;
    double num;         /* ordering operators: the value as a number */
} regio__crit;

/* A rule, compiled. */
typedef struct regio__rule {
    int n;
    regio__crit c[REGIO_RULE_MAX_CRITERIA];
    uint64_t table[REGIO__TT_WORDS];
    int conj;           /* the logic is the AND of all criteria: evaluation
                           stops at the first that fails */
    unsigned char order[REGIO_RULE_MAX_CRITERIA]; /* criteria, cheapest first */
} regio__rule;

/* Names of the fields a set of rules refers to, each once; a criterion's
 * `field` indexes it. */
typedef struct regio__fields {
    char **name;        /* canonical for standard fields, as given for custom ones */
    regio_rule_field_kind *kind;
    size_t n, cap;
    unsigned char *need_text; /* some criterion compares it as text */
    unsigned char *need_num;  /* some criterion compares it as a number */
} regio__fields;

void regio__fields_free(regio__fields *f);

/*
 * Compiles r's criteria and logic into out, adding the fields it names to
 * f. On failure *bad (may be NULL) gets the 0-based criterion at fault (-1
 * for the logic) and *part "operator", "value" or "logic"; err says why.
 */
regio_err regio__rule_compile(const regio_rule_info *r, regio__fields *f, regio__rule *out,
                              int *bad, const char **part, regio_error *err);
void regio__rule_free(regio__rule *r);

/* An account's values of a field table, normalised for evaluation. */
typedef struct regio__vals {
    const char **text;  /* trimmed, lower-cased text ("" when empty) */
    size_t *len;
    double *num;
    unsigned char *is_num; /* the value is a number (C syntax) */
    char *buf;          /* storage of the texts */
    size_t cap;
    size_t n;
} regio__vals;

void regio__vals_free(regio__vals *v);

/* Fills v from raw values[0..f->n) (kind 0 empty, 1 text, 2 number). */
regio_err regio__vals_set(regio__vals *v, const regio__fields *f, const regio_rule_value *values);

/* 1 when the values satisfy the compiled rule. */
int regio__rule_eval(const regio__rule *r, const regio__vals *v);

/* The C number syntax without hex, inf or nan: [+-](d+[.d*]|.d+)([eE][+-]d+)?,
 * surrounded by optional white space. 1 with *out when s[0..len) is one. */
int regio__parse_c_number(const char *s, size_t len, double *out);

/* Shortest %.15g..%.17g text of v that reads back exactly (cap >= 32). */
void regio__fmt_shortest(char *buf, size_t cap, double v);

/* ---- the matcher (matcher.c) -------------------------------------------------- */

/* The territories and rules of a run: territory t has parent[t] (-1: a
 * root), and is in the run's scope when in_scope[t]. Rule r belongs to
 * territory rule_terr[r], is inherited by descendants when inherit[r],
 * and has the store id rule_id[r]. */
typedef struct regio__matcher regio__matcher;

regio_err regio__matcher_new(size_t n_terr, const long *parent, const unsigned char *in_scope,
                             size_t n_rules, const regio__rule *rules, const long *rule_terr,
                             const unsigned char *inherit, const long *rule_id,
                             const regio__fields *fields, regio__matcher **out,
                             regio_error *err);
void regio__matcher_free(regio__matcher *m);

/* Number of territories that take part (effective rules, in scope). */
size_t regio__matcher_participants(const regio__matcher *m);

/*
 * The territories of the scope an account with values v matches:
 * territories and the rule id credited (own lowest id satisfied, else the
 * nearest inherited rule) written to terr[] / rule[] (room for every
 * territory), in increasing territory order; returns how many.
 */
size_t regio__matcher_match(regio__matcher *m, const regio__vals *v, long *terr, long *rule);

/* Whether a single rule is satisfied by v: for counts. */
int regio__matcher_rule_sat(regio__matcher *m, const regio__vals *v, size_t r);

#endif
