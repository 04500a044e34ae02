/*
 * Assignment rules as values (docs/ACCESS.md rule 9 and "Assignment rules
 * in detail"): a rule belongs to one territory of a model and holds 1..10
 * criteria (field, operator, value) combined by a logic expression over
 * their numbers. This header is the rule engine: operators, fields, the
 * logic parser and the evaluator, with no store; regio/rule_store.h keeps
 * rules in the store and runs them.
 */
#ifndef REGIO_RULES_H
#define REGIO_RULES_H

#include "regio/core.h"
#include "regio/model.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A rule has between 1 and this many criteria, numbered 1, 2, ... */
#define REGIO_RULE_MAX_CRITERIA 10

/* The operators of a criterion (docs/ACCESS.md). Values stable. */
typedef enum regio_rule_op {
    REGIO_RULE_EQUALS = 0,
    REGIO_RULE_NOT_EQUALS = 1,
    REGIO_RULE_STARTS_WITH = 2,
    REGIO_RULE_CONTAINS = 3,
    REGIO_RULE_NOT_CONTAINS = 4,
    REGIO_RULE_IN = 5,
    REGIO_RULE_LESS_THAN = 6,
    REGIO_RULE_GREATER_THAN = 7,
    REGIO_RULE_LESS_OR_EQUAL = 8,
    REGIO_RULE_GREATER_OR_EQUAL = 9,
    REGIO_RULE_OP_COUNT_
} regio_rule_op;

/* "equals", "not_equals", ...; static storage; NULL when out of range. */
REGIO_API const char *regio_rule_op_name(regio_rule_op op);

/* Parses an operator name (ASCII case ignored) into *out; REGIO_EDATA with
 * a message listing the operators when it is none of them. */
REGIO_API regio_err regio_rule_op_parse(const char *name, regio_rule_op *out, regio_error *err);

/* Non-zero for the four ordering operators (numeric comparison). */
REGIO_API int regio_rule_op_is_ordering(regio_rule_op op);

/* What a field name is: a standard text field of accounts (id, name,
 * street, city, region, postal_code, country, owner, industry, type,
 * segment, unit), a standard number (lat, lon, annual_revenue, employees,
 * potential), or neither (then it can only be a custom column). */
typedef enum regio_rule_field_kind {
    REGIO_RULE_FIELD_CUSTOM = 0,
    REGIO_RULE_FIELD_TEXT = 1,
    REGIO_RULE_FIELD_NUMBER = 2
} regio_rule_field_kind;

/* The kind of field `name` (ASCII case ignored; "unit_id" and "state" are
 * accepted for unit and region) and, for a standard field, its canonical
 * name in *canonical (static storage; may be NULL). */
REGIO_API regio_rule_field_kind regio_rule_field_standard(const char *name,
                                                          const char **canonical);

/* One criterion; strings borrowed (owned by the caller or, when read from
 * the store, valid during the callback). value may be NULL (empty). */
typedef struct regio_rule_criterion {
    const char *field;
    const char *op;
    const char *value;
} regio_rule_criterion;

/* A rule as written or read; strings borrowed as for the criteria. */
typedef struct regio_rule_info {
    long id;               /* the store's id; 0 for a rule not stored yet */
    const char *territory; /* the territory's external id in the model */
    const char *name;      /* required, unique within the territory */
    const char *logic;     /* NULL or blank: the AND of all criteria */
    int inherit;           /* applies to every descendant of the territory too */
    int active;            /* 0: kept but takes no part in matching */
    int n_criteria;        /* 1..REGIO_RULE_MAX_CRITERIA */
    regio_rule_criterion criteria[REGIO_RULE_MAX_CRITERIA];
} regio_rule_info;

typedef int (*regio_rule_cb)(void *ud, const regio_rule_info *r);

/* One value of an account's field for the rule engine: empty (kind 0), a
 * text (kind 1: text) or a number (kind 2: num). */
typedef struct regio_rule_value {
    int kind;
    const char *text;
    double num;
} regio_rule_value;

/* ---- the logic and the evaluator ------------------------------------------ */

/*
 * Checks a logic expression over criteria 1..n_criteria: criterion
 * numbers, AND, OR, NOT (any case) and parentheses; NOT binds tightest,
 * then AND, then OR; NULL or blank is the AND of all criteria. On a syntax
 * error or a criterion number out of range fails with REGIO_EPARSE, the
 * 1-based position of the problem in err->column, err->field "logic" and a
 * message naming that column ("at column 9: ...").
 */
REGIO_API regio_err regio_rule_logic_check(const char *logic, int n_criteria, regio_error *err);

/* A rule compiled for evaluation. Opaque; immutable once made. */
typedef struct regio_rule_compiled regio_rule_compiled;

/*
 * Compiles r (its criteria, operators, values and logic; the territory and
 * name are not looked at). Fails with REGIO_EDATA naming the criterion for
 * an unknown operator, an ordering operator on a standard text field or a
 * value of an ordering operator that is not a number; with REGIO_EPARSE
 * for the logic (regio_rule_logic_check). Fields are not checked against a
 * store: an unknown field is an empty custom column. On success *out is
 * the caller's, freed with regio_rule_compiled_free.
 */
REGIO_API regio_err regio_rule_compile(const regio_rule_info *r, regio_rule_compiled **out,
                                       regio_error *err);
REGIO_API void regio_rule_compiled_free(regio_rule_compiled *c);

/* 1 when account a satisfies the compiled rule, else 0 (docs/ACCESS.md:
 * text comparison ignores ASCII case and surrounding white space; numbers
 * as in C; custom columns are a's attributes by exact key; a number's text
 * is its shortest round-trip form, e.g. 24 or 99.5). */
REGIO_API int regio_rule_eval(const regio_rule_compiled *c, const regio_account *a);

#ifdef __cplusplus
}
#endif
#endif
