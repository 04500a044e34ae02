/*
 * The criteria of assignment rules: operator and field names, the C number
 * syntax, values normalised for comparison (surrounding white space
 * dropped, ASCII letters lower-cased), compiling a rule (criteria plus
 * the truth table of its logic, logic.c) and evaluating it: the mask of
 * satisfied criteria indexes the truth table. Evaluation is O(criteria x
 * value length); nothing here allocates per account once its values are
 * set.
 */
#include "rules/rules_internal.h"

#include "regio/fields.h"
#include "core/grow.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const OP_NAMES[REGIO_RULE_OP_COUNT_] = {
    "equals",    "not_equals",   "starts_with",   "contains",      "not_contains",
    "in",        "less_than",    "greater_than",  "less_or_equal", "greater_or_equal",
};

const char *regio_rule_op_name(regio_rule_op op)
{
    return (unsigned)op < REGIO_RULE_OP_COUNT_ ? OP_NAMES[op] : NULL;
}

regio_err regio_rule_op_parse(const char *name, regio_rule_op *out, regio_error *err)
{
    for (int i = 0; name && i < REGIO_RULE_OP_COUNT_; i++)
        if (!strcasecmp(name, OP_NAMES[i])) {
            *out = (regio_rule_op)i;
            return REGIO_OK;
        }
    return regio_error_setf(err, REGIO_EDATA, NULL, 0, "operator",
                            "unknown operator '%s' (equals, not_equals, starts_with, contains, "
                            "not_contains, in, less_than, greater_than, less_or_equal, "
                            "greater_or_equal)",
                            name ? name : "");
}

int regio_rule_op_is_ordering(regio_rule_op op)
{
    return op >= REGIO_RULE_LESS_THAN && op <= REGIO_RULE_GREATER_OR_EQUAL;
}

/* The standard fields of accounts (regio_account in regio/model.h). */
static const struct {
    const char *name;
    regio_rule_field_kind kind;
} STANDARD[] = {
    {"id", REGIO_RULE_FIELD_TEXT},          {"name", REGIO_RULE_FIELD_TEXT},
    {"street", REGIO_RULE_FIELD_TEXT},      {"city", REGIO_RULE_FIELD_TEXT},
    {"region", REGIO_RULE_FIELD_TEXT},      {"postal_code", REGIO_RULE_FIELD_TEXT},
    {"country", REGIO_RULE_FIELD_TEXT},     {"owner", REGIO_RULE_FIELD_TEXT},
    {"industry", REGIO_RULE_FIELD_TEXT},    {"type", REGIO_RULE_FIELD_TEXT},
    {"segment", REGIO_RULE_FIELD_TEXT},     {"unit", REGIO_RULE_FIELD_TEXT},
    {"lat", REGIO_RULE_FIELD_NUMBER},       {"lon", REGIO_RULE_FIELD_NUMBER},
    {"annual_revenue", REGIO_RULE_FIELD_NUMBER}, {"employees", REGIO_RULE_FIELD_NUMBER},
    {"potential", REGIO_RULE_FIELD_NUMBER},
};

regio_rule_field_kind regio_rule_field_standard(const char *name, const char **canonical)
{
    if (canonical)
        *canonical = NULL;
    if (!name)
        return REGIO_RULE_FIELD_CUSTOM;
    const char *n = !strcasecmp(name, "unit_id") ? "unit" : !strcasecmp(name, "state") ? "region"
                                                                                        : name;
    for (size_t i = 0; i < sizeof STANDARD / sizeof STANDARD[0]; i++)
        if (!strcasecmp(n, STANDARD[i].name)) {
            if (canonical)
                *canonical = STANDARD[i].name;
            return STANDARD[i].kind;
        }
    return REGIO_RULE_FIELD_CUSTOM;
}

/* ---- text and numbers ----------------------------------------------------------- */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* s[0..len) without surrounding white space: start in *b, length returned. */
static size_t trim(const char *s, size_t len, const char **b)
{
    while (len && is_space(*s)) {
        s++;
        len--;
    }
    while (len && is_space(s[len - 1]))
        len--;
    *b = s;
    return len;
}

int regio__parse_c_number(const char *s, size_t len, double *out)
{
    /* The one strict number parser of Regio (regio/fields.h): C syntax
     * without hex, inf or nan, finite, white space around allowed. */
    char tmp[400];
    if (len >= sizeof tmp)
        return 0;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    return regio_parse_number(tmp, out) == REGIO_OK;
}

void regio__fmt_shortest(char *buf, size_t cap, double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* A normalised copy of s[0..len): trimmed, lower-cased; *out_len its length. */
static char *norm_dup(const char *s, size_t len, size_t *out_len)
{
    const char *b;
    size_t n = trim(s, len, &b);
    char *d = regio_malloc(n + 1);
    if (!d)
        return NULL;
    for (size_t i = 0; i < n; i++)
        d[i] = lower(b[i]);
    d[n] = '\0';
    *out_len = n;
    return d;
}

/* ---- the field table -------------------------------------------------------------- */

void regio__fields_free(regio__fields *f)
{
    for (size_t i = 0; i < f->n; i++)
        regio_free(f->name[i]);
    regio_free(f->name);
    regio_free(f->kind);
    regio_free(f->need_text);
    regio_free(f->need_num);
    memset(f, 0, sizeof *f);
}

/* Index of field `name` (its canonical form) in f, added when new; -1
 * when out of memory. */
static long field_index(regio__fields *f, const char *name, regio_rule_field_kind kind)
{
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->name[i], name))
            return (long)i;
    size_t cap = f->cap;
    if (regio__grow(&f->name, &cap, f->n + 1, sizeof *f->name))
        return -1;
    cap = f->cap;
    if (regio__grow(&f->kind, &cap, f->n + 1, sizeof *f->kind))
        return -1;
    cap = f->cap;
    if (regio__grow(&f->need_text, &cap, f->n + 1, 1))
        return -1;
    cap = f->cap;
    if (regio__grow(&f->need_num, &cap, f->n + 1, 1))
        return -1;
    f->cap = cap;
    if (!(f->name[f->n] = regio_strdup(name)))
        return -1;
    f->kind[f->n] = kind;
    f->need_text[f->n] = f->need_num[f->n] = 0;
    return (long)f->n++;
}

/* ---- compiling --------------------------------------------------------------------- */

void regio__rule_free(regio__rule *r)
{
    for (int i = 0; i < r->n; i++) {
        regio__crit *c = &r->c[i];
        regio_free(c->norm);
        for (int k = 0; k < c->n_items; k++)
            regio_free(c->items[k]);
        regio_free(c->items);
        regio_free(c->item_len);
    }
    memset(r, 0, sizeof *r);
}

static regio_err oom(regio_error *err)
{
    return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
}

/* Splits the value of an `in` criterion at ';' into normalised items. */
static regio_err split_items(regio__crit *c, const char *v)
{
    size_t len = strlen(v), n = 1;
    for (size_t i = 0; i < len; i++)
        n += v[i] == ';';
    c->items = regio_calloc(n, sizeof *c->items);
    c->item_len = regio_calloc(n, sizeof *c->item_len);
    if (!c->items || !c->item_len)
        return REGIO_ENOMEM;
    size_t start = 0;
    for (size_t k = 0; k < n; k++) {
        size_t end = start;
        while (end < len && v[end] != ';')
            end++;
        if (!(c->items[k] = norm_dup(v + start, end - start, &c->item_len[k])))
            return REGIO_ENOMEM;
        c->n_items = (int)k + 1;
        start = end + 1;
    }
    return REGIO_OK;
}

/* Evaluation cost class of an operator: 0 numbers, 1 equality, 2 prefix
 * and lists, 3 substrings. */
static int op_class(regio_rule_op op)
{
    switch (op) {
    case REGIO_RULE_EQUALS:
    case REGIO_RULE_NOT_EQUALS: return 1;
    case REGIO_RULE_STARTS_WITH:
    case REGIO_RULE_IN: return 2;
    case REGIO_RULE_CONTAINS:
    case REGIO_RULE_NOT_CONTAINS: return 3;
    default: return 0;
    }
}

regio_err regio__rule_compile(const regio_rule_info *r, regio__fields *f, regio__rule *out,
                              int *bad, const char **part, regio_error *err)
{
    memset(out, 0, sizeof *out);
    int bad_l;
    const char *part_l;
    if (!bad)
        bad = &bad_l;
    if (!part)
        part = &part_l;
    *bad = -1;
    *part = "logic";
    if (r->n_criteria < 1 || r->n_criteria > REGIO_RULE_MAX_CRITERIA) {
        *part = "criterion";
        return regio_error_setf(err, REGIO_EDATA, NULL, 0, "criterion",
                                "a rule has 1 to %d criteria, not %d", REGIO_RULE_MAX_CRITERIA,
                                r->n_criteria);
    }
    regio_err rc = REGIO_OK;
    for (int i = 0; i < r->n_criteria && !rc; i++) {
        const regio_rule_criterion *rc_in = &r->criteria[i];
        regio__crit *c = &out->c[i];
        out->n = i + 1;
        *bad = i;
        if (!rc_in->field || !*rc_in->field) {
            *part = "field";
            rc = regio_error_setf(err, REGIO_EDATA, NULL, 0, "field",
                                  "criterion %d: the field is empty", i + 1);
            break;
        }
        *part = "operator";
        char msg[700];
        if ((rc = regio_rule_op_parse(rc_in->op, &c->op, err))) {
            snprintf(msg, sizeof msg, "criterion %d: %.600s", i + 1, err ? err->msg : "");
            regio_error_setf(err, rc, NULL, 0, "operator", "%s", msg);
            break;
        }
        const char *canon = NULL;
        regio_rule_field_kind kind = regio_rule_field_standard(rc_in->field, &canon);
        const char *value = rc_in->value ? rc_in->value : "";
        if (regio_rule_op_is_ordering(c->op)) {
            if (kind == REGIO_RULE_FIELD_TEXT) {
                rc = regio_error_setf(err, REGIO_EDATA, NULL, 0, "operator",
                                      "criterion %d: %s compares numbers, and '%s' is a text "
                                      "field (only number fields and custom columns can be "
                                      "ordered)",
                                      i + 1, OP_NAMES[c->op], canon);
                break;
            }
            if (!regio__parse_c_number(value, strlen(value), &c->num)) {
                *part = "value";
                rc = regio_error_setf(err, REGIO_EDATA, NULL, 0, "value",
                                      "criterion %d: %s needs a number, not '%s' (digits with "
                                      "an optional sign, decimals and exponent, as 42, -7, "
                                      "99.5, 1e3)",
                                      i + 1, OP_NAMES[c->op], value);
                break;
            }
        } else if (c->op == REGIO_RULE_IN) {
            if (split_items(c, value)) {
                rc = oom(err);
                break;
            }
        } else if (!(c->norm = norm_dup(value, strlen(value), &c->norm_len))) {
            rc = oom(err);
            break;
        }
        long fi = field_index(f, canon ? canon : rc_in->field, kind);
        if (fi < 0) {
            rc = oom(err);
            break;
        }
        c->field = (int)fi;
        if (regio_rule_op_is_ordering(c->op))
            f->need_num[fi] = 1;
        else
            f->need_text[fi] = 1;
    }
    if (!rc) {
        *bad = -1;
        *part = "logic";
        rc = regio__logic_table(r->logic, r->n_criteria, out->table, err);
    }
    if (!rc) {
        /* A conjunction holds for the all-true assignment alone. */
        unsigned full = (1u << out->n) - 1, count = 0;
        for (int w = 0; w < REGIO__TT_WORDS; w++)
            count += (unsigned)__builtin_popcountll(out->table[w]);
        out->conj = count == 1 && regio__tt_get(out->table, full);
        /* Numbers and equalities first, substrings last. */
        int k = 0;
        for (int cls = 0; cls < 4; cls++)
            for (int i = 0; i < out->n; i++)
                if (op_class(out->c[i].op) == cls)
                    out->order[k++] = (unsigned char)i;
    }
    if (rc)
        regio__rule_free(out);
    return rc;
}

/* ---- values of one account ------------------------------------------------------------ */

void regio__vals_free(regio__vals *v)
{
    regio_free(v->text);
    regio_free(v->len);
    regio_free(v->num);
    regio_free(v->is_num);
    regio_free(v->buf);
    memset(v, 0, sizeof *v);
}

regio_err regio__vals_set(regio__vals *v, const regio__fields *f, const regio_rule_value *values)
{
    if (v->n < f->n || !v->text) {
        regio_free(v->text);
        regio_free(v->len);
        regio_free(v->num);
        regio_free(v->is_num);
        size_t n = f->n ? f->n : 1;
        v->text = regio_calloc(n, sizeof *v->text);
        v->len = regio_calloc(n, sizeof *v->len);
        v->num = regio_calloc(n, sizeof *v->num);
        v->is_num = regio_calloc(n, 1);
        v->n = n;
        if (!v->text || !v->len || !v->num || !v->is_num) {
            v->n = 0;
            return REGIO_ENOMEM;
        }
    }
    /* Room for every text: numbers take at most 32 bytes. */
    size_t need = 0;
    for (size_t i = 0; i < f->n; i++)
        need += (values[i].kind == 1 && values[i].text ? strlen(values[i].text) : 32) + 1;
    if (need > v->cap) {
        char *b = regio_realloc(v->buf, need * 2);
        if (!b)
            return REGIO_ENOMEM;
        v->buf = b;
        v->cap = need * 2;
    }
    size_t at = 0;
    for (size_t i = 0; i < f->n; i++) {
        const regio_rule_value *x = &values[i];
        char *dst = v->buf + at;
        const char *src = "";
        size_t len = 0;
        char tmp[40];
        v->is_num[i] = 0;
        if (x->kind == 2 && isfinite(x->num)) {
            v->num[i] = x->num;
            v->is_num[i] = 1;
            if (f->need_text[i]) {
                regio__fmt_shortest(tmp, sizeof tmp, x->num);
                src = tmp;
                len = strlen(tmp);
            }
        } else if (x->kind == 1 && x->text) {
            len = trim(x->text, strlen(x->text), &src);
            if (f->need_num[i])
                v->is_num[i] = (unsigned char)regio__parse_c_number(src, len, &v->num[i]);
        }
        for (size_t k = 0; k < len; k++)
            dst[k] = lower(src[k]);
        dst[len] = '\0';
        v->text[i] = dst;
        v->len[i] = len;
        at += len + 1;
    }
    return REGIO_OK;
}

/* ---- evaluating -------------------------------------------------------------------------- */

static int text_eq(const char *x, size_t xl, const char *v, size_t vl)
{
    return xl == vl && !memcmp(x, v, xl);
}

static int text_contains(const char *x, size_t xl, const char *v, size_t vl)
{
    if (vl == 0)
        return 1;
    if (vl > xl)
        return 0;
    return strstr(x, v) != NULL;
}

static int crit_sat(const regio__crit *c, const regio__vals *v)
{
    const char *x = v->text[c->field];
    size_t xl = v->len[c->field];
    switch (c->op) {
    case REGIO_RULE_EQUALS: return text_eq(x, xl, c->norm, c->norm_len);
    case REGIO_RULE_NOT_EQUALS: return !text_eq(x, xl, c->norm, c->norm_len);
    case REGIO_RULE_STARTS_WITH: return xl >= c->norm_len && !memcmp(x, c->norm, c->norm_len);
    case REGIO_RULE_CONTAINS: return text_contains(x, xl, c->norm, c->norm_len);
    case REGIO_RULE_NOT_CONTAINS: return !text_contains(x, xl, c->norm, c->norm_len);
    case REGIO_RULE_IN:
        for (int k = 0; k < c->n_items; k++)
            if (text_eq(x, xl, c->items[k], c->item_len[k]))
                return 1;
        return 0;
    default: break;
    }
    if (!v->is_num[c->field])
        return 0;
    double a = v->num[c->field];
    switch (c->op) {
    case REGIO_RULE_LESS_THAN: return a < c->num;
    case REGIO_RULE_GREATER_THAN: return a > c->num;
    case REGIO_RULE_LESS_OR_EQUAL: return a <= c->num;
    case REGIO_RULE_GREATER_OR_EQUAL: return a >= c->num;
    default: return 0;
    }
}

int regio__rule_eval(const regio__rule *r, const regio__vals *v)
{
    if (r->conj) {
        for (int i = 0; i < r->n; i++)
            if (!crit_sat(&r->c[r->order[i]], v))
                return 0;
        return 1;
    }
    unsigned m = 0;
    for (int i = 0; i < r->n; i++)
        if (crit_sat(&r->c[i], v))
            m |= 1u << i;
    return regio__tt_get(r->table, m);
}

/* ---- the public evaluator over regio_account ------------------------------------------------ */

struct regio_rule_compiled {
    regio__rule rule;
    regio__fields fields;
};

regio_err regio_rule_compile(const regio_rule_info *r, regio_rule_compiled **out,
                             regio_error *err)
{
    if (!r || !out)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "no rule to compile");
    *out = NULL;
    regio_rule_compiled *c = regio_calloc(1, sizeof *c);
    if (!c)
        return oom(err);
    regio_err rc = regio__rule_compile(r, &c->fields, &c->rule, NULL, NULL, err);
    if (rc) {
        regio__fields_free(&c->fields);
        regio_free(c);
        return rc;
    }
    *out = c;
    return REGIO_OK;
}

void regio_rule_compiled_free(regio_rule_compiled *c)
{
    if (!c)
        return;
    regio__rule_free(&c->rule);
    regio__fields_free(&c->fields);
    regio_free(c);
}

/* The value of a field of a (standard by canonical name, else attribute). */
static regio_rule_value account_value(const regio_account *a, const char *name,
                                      regio_rule_field_kind kind)
{
    regio_rule_value v = {0, NULL, NAN};
    if (kind == REGIO_RULE_FIELD_NUMBER) {
        double x = !strcmp(name, "lat")              ? a->lat
                   : !strcmp(name, "lon")            ? a->lon
                   : !strcmp(name, "annual_revenue") ? a->annual_revenue
                   : !strcmp(name, "employees")      ? a->employees
                                                     : a->potential;
        if (isfinite(x)) {
            v.kind = 2;
            v.num = x;
        }
        return v;
    }
    if (kind == REGIO_RULE_FIELD_TEXT) {
        static const char *const names[] = {"id",      "name",     "street", "city",
                                            "region",  "postal_code", "country", "owner",
                                            "industry", "type",    "segment", "unit"};
        const char *vals[] = {a->id,    a->name,     a->street,  a->city,
                              a->region, a->postal_code, a->country, a->owner,
                              a->industry, a->type,    a->segment, a->unit_id};
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (!strcmp(name, names[i]) && vals[i]) {
                v.kind = 1;
                v.text = vals[i];
            }
        return v;
    }
    for (size_t i = 0; i < a->n_attrs; i++) {
        const regio_attr *at = &a->attrs[i];
        if (!at->key || strcmp(at->key, name) != 0)
            continue;
        if (at->is_num && isfinite(at->num)) {
            v.kind = 2;
            v.num = at->num;
        } else if (at->text) {
            v.kind = 1;
            v.text = at->text;
        }
        break;
    }
    return v;
}

int regio_rule_eval(const regio_rule_compiled *c, const regio_account *a)
{
    if (!c || !a)
        return 0;
    regio_rule_value vals[REGIO_RULE_MAX_CRITERIA];
    for (size_t i = 0; i < c->fields.n; i++)
        vals[i] = account_value(a, c->fields.name[i], c->fields.kind[i]);
    regio__vals v;
    memset(&v, 0, sizeof v);
    int sat = 0;
    if (regio__vals_set(&v, &c->fields, vals) == REGIO_OK)
        sat = regio__rule_eval(&c->rule, &v);
    regio__vals_free(&v);
    return sat;
}
