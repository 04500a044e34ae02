/*
 * Private to the store backends (sqlite_rules.c, pg_rules.c): what both
 * backends of assignment rules and territory types do alike — the shape
 * checks of rules and type lists, the merge of saved types onto the stored
 * ones with its priority check, the assembly of a rule from the rows of
 * its join, the audit records, the columns of the standard fields a rule
 * run reads, the SQL both run and the messages — so that a rule reads,
 * saves and fails the same whichever database holds it.
 */
#ifndef REGIO_STORE_RULES_CODEC_H
#define REGIO_STORE_RULES_CODEC_H

#include "regio/buf.h"
#include "regio/rule_store.h"
#include "store/org_codec.h"
#include "store/store_impl.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The territory types by priority with their numbers of territories. */
#define RULES_TYPES_SQL                                                                  \
    "SELECT y.name, y.priority, y.description, (SELECT count(*) FROM territories t WHERE" \
    " t.type_id = y.id) FROM territory_types y ORDER BY y.priority"
/* The stored types a save starts from. */
#define RULES_TYPES_STORED_SQL "SELECT id, name, priority, description FROM territory_types"
/* Rules with their criteria, one row per criterion (the backend adds the
 * model and territory filter and the order). */
#define RULES_JOIN_SQL                                                                     \
    "SELECT r.id, t.ext_id, r.name, r.expression, r.inherited, r.active, c.seq, c.field,"  \
    " c.operator, c.value FROM assignment_rules r JOIN territories t ON t.id ="            \
    " r.territory_id LEFT JOIN rule_criteria c ON c.rule_id = r.id"

static inline regio_err rules_oom(regio_error *err)
{
    return regio__store_fail(err, REGIO_ENOMEM, "out of memory");
}

static inline int rules_blank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return 0;
    return 1;
}

/* ---- messages --------------------------------------------------------------------- */

static inline regio_err rules_unknown_territory(regio_error *err, const char *model,
                                                const char *ext)
{
    return model ? regio_error_setf(err, REGIO_EDATA, NULL, 0, "territory",
                                    "unknown territory '%s' in territory model '%s'", ext, model)
                 : regio_error_setf(err, REGIO_EDATA, NULL, 0, "territory",
                                    "unknown territory '%s' in the active territory model", ext);
}

static inline regio_err rules_unknown_type(regio_error *err, const char *type)
{
    return regio_error_setf(err, REGIO_EDATA, NULL, 0, "type",
                            "unknown territory type '%s' (import the types first: regio "
                            "import types)",
                            type);
}

static inline regio_err rules_no_rule(regio_error *err, const char *model, long id)
{
    return model ? regio__store_fail(err, REGIO_ENOTFOUND, "no rule %ld in territory model '%s'",
                                     id, model)
                 : regio__store_fail(err, REGIO_ENOTFOUND,
                                     "no rule %ld in the active territory model", id);
}

static inline regio_err rules_name_taken(regio_error *err, const regio_rule_info *r,
                                         long long other)
{
    return regio_error_setf(err, REGIO_EDATA, NULL, 0, "rule",
                            "territory '%s' already has a rule named '%s' (rule %lld)",
                            r->territory, r->name, other);
}

/* ---- territory types -------------------------------------------------------------- */

/* A stored or saved type: what it is (id 0: new) and what the save makes
 * of it. */
typedef struct type_row {
    char *name, *desc;
    long long id;
    long priority;
    long final; /* priority after the save */
    int given;  /* index in the input + 1, or 0 */
} type_row;

typedef struct type_rows {
    type_row *v;
    size_t n, cap;
} type_rows;

static inline void type_rows_free(type_rows *t)
{
    for (size_t i = 0; i < t->n; i++) {
        regio_free(t->v[i].name);
        regio_free(t->v[i].desc);
    }
    regio_free(t->v);
    memset(t, 0, sizeof *t);
}

/* A new zeroed row named name, or NULL when out of memory. */
static inline type_row *type_rows_add(type_rows *t, const char *name)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        type_row *g = regio_realloc(t->v, cap * sizeof *g);
        if (!g)
            return NULL;
        t->v = g;
        t->cap = cap;
    }
    type_row *x = &t->v[t->n];
    memset(x, 0, sizeof *x);
    if (!(x->name = regio_strdup(name)))
        return NULL;
    t->n++;
    return x;
}

/* Adds a stored type; REGIO_ENOMEM when out of memory. */
static inline regio_err type_rows_stored(type_rows *t, long long id, const char *name,
                                         long priority, const char *desc, regio_error *err)
{
    type_row *x = type_rows_add(t, name ? name : "");
    if (!x)
        return rules_oom(err);
    x->id = id;
    x->priority = x->final = priority;
    if (desc && !(x->desc = regio_strdup(desc)))
        return rules_oom(err);
    return REGIO_OK;
}

/* The input alone: every type named, no name twice. */
static inline regio_err types_check_input(const regio_territory_type *types, size_t n,
                                          regio_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (rules_blank(types[i].name))
            return regio_error_setf(err, REGIO_EDATA, NULL, 0, "name",
                                    "a territory type needs a name");
        for (size_t j = 0; j < i; j++)
            if (!strcmp(types[i].name, types[j].name))
                return regio_error_setf(err, REGIO_EDATA, NULL, 0, "name",
                                        "territory type '%s' is given twice", types[i].name);
    }
    return REGIO_OK;
}

/* Puts the input on top of the stored rows (new names become new rows),
 * then checks that priorities stay unique after the save. */
static inline regio_err types_merge(type_rows *t, const regio_territory_type *types, size_t n,
                                    regio_error *err)
{
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < t->n && strcmp(t->v[k].name, types[i].name) != 0)
            k++;
        if (k == t->n && !type_rows_add(t, types[i].name))
            return rules_oom(err);
        t->v[k].final = types[i].priority;
        t->v[k].given = (int)i + 1;
    }
    for (size_t i = 0; i < t->n; i++)
        for (size_t j = 0; j < i; j++)
            if (t->v[i].final == t->v[j].final) {
                const type_row *a = t->v[i].given ? &t->v[i] : &t->v[j];
                const type_row *b = a == &t->v[i] ? &t->v[j] : &t->v[i];
                return b->given
                           ? regio_error_setf(err, REGIO_ECONFLICT, NULL, 0, "priority",
                                              "territory types '%s' and '%s' are both given "
                                              "priority %ld (no two types share a priority)",
                                              b->name, a->name, a->final)
                           : regio_error_setf(err, REGIO_ECONFLICT, NULL, 0, "priority",
                                              "priority %ld of territory type '%s' is already "
                                              "territory type '%s''s (no two types share a "
                                              "priority)",
                                              a->final, a->name, b->name);
            }
    return REGIO_OK;
}

/* Changed rows move out of the way first, so that swaps pass the UNIQUE
 * constraint: row i parks at types_park(t, i) when types_parks(row). */
static inline int types_parks(const type_row *x)
{
    return x->id && x->given && x->final != x->priority;
}

static inline long types_park(const type_rows *t, size_t i)
{
    long low = 0;
    for (size_t k = 0; k < t->n; k++) {
        if (t->v[k].final < low)
            low = t->v[k].final;
        if (t->v[k].id && t->v[k].priority < low)
            low = t->v[k].priority;
    }
    if (low < LONG_MIN / 2)
        low = LONG_MIN / 2;
    return low - 1 - (long)i;
}

/* Whether the save leaves stored row x as the input in gives it. */
static inline int types_same(const type_row *x, const regio_territory_type *in)
{
    return x->id && x->final == x->priority && same_text(x->desc, in->description);
}

static inline char *type_json(const char *name, long priority, const char *desc)
{
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc = regio_buf_puts(&b, "{\"name\":");
    if (!rc)
        rc = regio_buf_json_str(&b, name);
    if (!rc)
        rc = regio_buf_printf(&b, ",\"priority\":%ld,\"description\":", priority);
    if (!rc)
        rc = desc ? regio_buf_json_str(&b, desc) : regio_buf_puts(&b, "null");
    if (!rc)
        rc = regio_buf_putc(&b, '}');
    if (rc) {
        regio_buf_free(&b);
        return NULL;
    }
    return regio_buf_steal(&b);
}

/* The "type.upsert" record of row x saved as in: before (NULL for a new
 * type) and after, which the caller frees; REGIO_ENOMEM when out of
 * memory (nothing to free then). */
static inline regio_err type_audit(const type_row *x, const regio_territory_type *in,
                                   char **before, char **after, regio_error *err)
{
    *before = x->id ? type_json(x->name, x->priority, x->desc) : NULL;
    *after = type_json(x->name, x->final, in->description);
    if (*after && (!x->id || *before))
        return REGIO_OK;
    regio_free(*before);
    regio_free(*after);
    *before = *after = NULL;
    return rules_oom(err);
}

/* A backend's writes of a types save: park row x at a priority out of the
 * way, write x as in gives it (insert when x->id is 0), and append an
 * audit record. */
typedef struct types_writer {
    regio_err (*park)(void *ctx, const type_row *x, long priority, regio_error *err);
    regio_err (*write)(void *ctx, const type_row *x, const regio_territory_type *in,
                       regio_error *err);
    regio_err (*audit)(void *ctx, const char *name, const char *before, const char *after,
                       regio_error *err);
} types_writer;

/* The writes of a save of types[] merged into rows (types_merge): changed
 * rows park first, then every given row that changes is written and
 * audited as "type.upsert"; *changed gets how many. */
static inline regio_err types_apply(const type_rows *rows, const regio_territory_type *types,
                                    const types_writer *w, void *ctx, size_t *changed,
                                    regio_error *err)
{
    regio_err rc = REGIO_OK;
    *changed = 0;
    for (size_t i = 0; !rc && i < rows->n; i++)
        if (types_parks(&rows->v[i]))
            rc = w->park(ctx, &rows->v[i], types_park(rows, i), err);
    for (size_t i = 0; !rc && i < rows->n; i++) {
        const type_row *x = &rows->v[i];
        if (!x->given)
            continue;
        const regio_territory_type *in = &types[x->given - 1];
        if (types_same(x, in))
            continue;
        rc = w->write(ctx, x, in, err);
        char *before = NULL, *after = NULL;
        if (!rc && !(rc = type_audit(x, in, &before, &after, err)))
            rc = w->audit(ctx, x->name, before, after, err);
        regio_free(before);
        regio_free(after);
        ++*changed;
    }
    return rc;
}

/* ---- rules -------------------------------------------------------------------------- */

/* What regio_store_rule_save checks of a rule's shape before it looks at
 * the store. */
static inline regio_err rule_check_shape(const regio_rule_info *r, regio_error *err)
{
    if (rules_blank(r->name))
        return regio_error_setf(err, REGIO_EDATA, NULL, 0, "rule", "a rule needs a name");
    if (!r->territory || !*r->territory)
        return regio_error_setf(err, REGIO_EDATA, NULL, 0, "territory",
                                "a rule belongs to a territory");
    if (r->n_criteria < 1 || r->n_criteria > REGIO_RULE_MAX_CRITERIA)
        return regio_error_setf(err, REGIO_EDATA, NULL, 0, "criterion",
                                "rule '%s' has %d criteria: a rule has 1 to %d", r->name,
                                r->n_criteria, REGIO_RULE_MAX_CRITERIA);
    for (int i = 0; i < r->n_criteria; i++)
        if (rules_blank(r->criteria[i].field) || rules_blank(r->criteria[i].op))
            return regio_error_setf(err, REGIO_EDATA, NULL, 0,
                                    rules_blank(r->criteria[i].field) ? "field" : "operator",
                                    "criterion %d of rule '%s' has no %s", i + 1, r->name,
                                    rules_blank(r->criteria[i].field) ? "field" : "operator");
    return REGIO_OK;
}

/* A rule read from the store, its strings owned here until the callback
 * returns. */
typedef struct rule_buf {
    regio_rule_info info;
    char *s[4 + 3 * REGIO_RULE_MAX_CRITERIA];
    int n_s;
    int have; /* a rule is being assembled */
    int oom;
} rule_buf;

static inline void rule_buf_clear(rule_buf *b)
{
    for (int i = 0; i < b->n_s; i++)
        regio_free(b->s[i]);
    memset(b, 0, sizeof *b);
}

static inline const char *rule_buf_keep(rule_buf *b, const char *v)
{
    if (!v)
        return NULL;
    char *d = regio_strdup(v);
    if (!d) {
        b->oom = 1;
        return NULL;
    }
    b->s[b->n_s++] = d;
    return d;
}

/* One row of RULES_JOIN_SQL (rows of a rule together, criteria by seq):
 * id .. active start the rule when b holds none; a criterion follows when
 * the row has one. Returns 0, or -1 when out of memory. */
static inline int rule_buf_row(rule_buf *b, long id, const char *territory, const char *name,
                               const char *logic, int inherit, int active, int has_criterion,
                               const char *field, const char *op, const char *value)
{
    if (!b->have) {
        b->have = 1;
        b->info.id = id;
        b->info.territory = rule_buf_keep(b, territory);
        b->info.name = rule_buf_keep(b, name);
        b->info.logic = rule_buf_keep(b, logic);
        b->info.inherit = inherit;
        b->info.active = active;
    }
    if (has_criterion && b->info.n_criteria < REGIO_RULE_MAX_CRITERIA) {
        regio_rule_criterion *c = &b->info.criteria[b->info.n_criteria++];
        c->field = rule_buf_keep(b, field);
        c->op = rule_buf_keep(b, op);
        c->value = rule_buf_keep(b, value);
    }
    return b->oom ? -1 : 0;
}

/* The JSON of a rule for the audit log. */
static inline char *rule_json(const char *model, const regio_rule_info *r)
{
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc = regio_buf_puts(&b, "{\"model\":");
    if (!rc)
        rc = model ? regio_buf_json_str(&b, model) : regio_buf_puts(&b, "null");
    if (!rc)
        rc = regio_buf_printf(&b, ",\"id\":%ld,\"territory\":", r->id);
    if (!rc)
        rc = regio_buf_json_str(&b, r->territory ? r->territory : "");
    if (!rc)
        rc = regio_buf_puts(&b, ",\"name\":");
    if (!rc)
        rc = regio_buf_json_str(&b, r->name ? r->name : "");
    if (!rc)
        rc = regio_buf_puts(&b, ",\"logic\":");
    if (!rc)
        rc = r->logic ? regio_buf_json_str(&b, r->logic) : regio_buf_puts(&b, "null");
    if (!rc)
        rc = regio_buf_printf(&b, ",\"inherit\":%s,\"active\":%s,\"criteria\":[",
                              r->inherit ? "true" : "false", r->active ? "true" : "false");
    for (int i = 0; !rc && i < r->n_criteria; i++) {
        const regio_rule_criterion *c = &r->criteria[i];
        rc = regio_buf_puts(&b, i ? ",[" : "[");
        if (!rc)
            rc = regio_buf_json_str(&b, c->field ? c->field : "");
        if (!rc)
            rc = regio_buf_putc(&b, ',');
        if (!rc)
            rc = regio_buf_json_str(&b, c->op ? c->op : "");
        if (!rc)
            rc = regio_buf_putc(&b, ',');
        if (!rc)
            rc = c->value ? regio_buf_json_str(&b, c->value) : regio_buf_puts(&b, "null");
        if (!rc)
            rc = regio_buf_putc(&b, ']');
    }
    if (!rc)
        rc = regio_buf_puts(&b, "]}");
    if (rc) {
        regio_buf_free(&b);
        return NULL;
    }
    return regio_buf_steal(&b);
}

/* The "after" record of r saved as rule id with logic (NULL when blank). */
static inline char *rule_json_saved(const char *model, const regio_rule_info *r, long long id,
                                    const char *logic)
{
    regio_rule_info copy = *r;
    copy.id = (long)id;
    copy.logic = logic;
    return rule_json(model, &copy);
}

typedef struct one_rule {
    long id;
    char *json;
    int found;
    regio_err rc;
} one_rule;

static inline int on_one_rule(void *ud, const regio_rule_info *r)
{
    one_rule *o = ud;
    if (r->id != o->id)
        return 0;
    o->found = 1;
    if (!(o->json = rule_json(NULL, r)))
        o->rc = REGIO_ENOMEM;
    return 1;
}

typedef regio_err (*rules_foreach_fn)(regio_store *s, const char *model, const char *territory,
                                      regio_rule_cb cb, void *ud, regio_error *err);

/* The audit JSON of stored rule id of model, read through the backend's
 * foreach (found = 0 when there is none); the caller frees o->json. */
static inline regio_err rule_stored(regio_store *base, rules_foreach_fn each, const char *model,
                                    long id, one_rule *o, regio_error *err)
{
    memset(o, 0, sizeof *o);
    o->id = id;
    regio_err rc = each(base, model, NULL, on_one_rule, o, err);
    if (rc == REGIO_ECANCELLED)
        rc = o->rc ? rules_oom(err) : REGIO_OK;
    if (!rc && err)
        regio_error_clear(err);
    return rc;
}

static inline void rule_key(char key[32], long long id)
{
    snprintf(key, 32, "%lld", id);
}

/* ---- what a rule run reads and writes ------------------------------------------------- */

/* The column of a standard field (*numeric: a number column), or NULL for
 * a custom column. */
static inline const char *rule_standard_column(const char *field, int *numeric)
{
    static const struct {
        const char *field, *column;
        int numeric;
    } map[] = {{"id", "ext_id", 0},
               {"name", "name", 0},
               {"street", "street", 0},
               {"city", "city", 0},
               {"region", "region", 0},
               {"postal_code", "postal_code", 0},
               {"country", "country", 0},
               {"owner", "owner_ext", 0},
               {"industry", "industry", 0},
               {"type", "type", 0},
               {"segment", "segment", 0},
               {"unit", "unit_ext", 0},
               {"lat", "lat", 1},
               {"lon", "lon", 1},
               {"annual_revenue", "annual_revenue", 1},
               {"employees", "employees", 1},
               {"potential", "potential", 1}};
    const char *canon = NULL;
    if (numeric)
        *numeric = 0;
    if (regio_rule_field_standard(field, &canon) == REGIO_RULE_FIELD_CUSTOM)
        return NULL;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i].field, canon)) {
            if (numeric)
                *numeric = map[i].numeric;
            return map[i].column;
        }
    return NULL;
}

/* A custom column a JSON path can name: no '"' or '\' in its key. Other
 * keys are read from the decoded attributes, where only numbers and
 * strings count (SQLite's path reads true as 1 and an array as its text). */
static inline int rule_path_ok(const char *key)
{
    return !strchr(key, '"') && !strchr(key, '\\');
}

/* Every association of the three lists names a territory of the list
 * (ids[i]: its id, 0 when the model has none such). */
static inline regio_err rule_assocs_check(const regio_rule_assoc *const lists[3],
                                          const size_t counts[3], const long long *ids, size_t n,
                                          regio_error *err)
{
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < counts[k]; i++) {
            long ti = lists[k][i].territory;
            if (ti < 0 || (size_t)ti >= n || !ids[ti])
                return regio__store_fail(err, REGIO_EDATA,
                                         "rule association names an unknown territory");
        }
    return REGIO_OK;
}

/* The created_at of every association a run adds: one time for all (the
 * column's default would format it per row). */
static inline const char *rule_assocs_now(char now[40])
{
    time_t tt = time(NULL);
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(now, 40, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
    return now;
}

#endif
