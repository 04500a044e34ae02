/*
 * `regio import rules`: assignment rules from CSV, one row per criterion
 * (rule,territory,logic,inherit,criterion,field,operator,value[,active]).
 * The whole file is read and checked first — every row (territory known,
 * criterion numbers), then every rule (numbers without gaps, fields known
 * to the store, operators, values, the logic) — and the problem on the
 * earliest line is reported with file, line and column; only a clean file
 * is written, in one transaction, and only the rules that differ from the
 * store's (so the same file twice changes nothing).
 */
#include "rules/rules_io.h"
#include "rules/rules_run.h"

#include "regio/buf.h"
#include "core/grow.h"
#include "io/import_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { C_RULE, C_TERR, C_LOGIC, C_INHERIT, C_CRIT, C_FIELD, C_OP, C_VALUE, C_ACTIVE, NC };

static const regio__col_spec COLS[NC] = {
    {"rule", {"rule_name", "RuleName", "Rule.DeveloperName", NULL}, 1},
    {"territory", {"territory_id", "Territory2.DeveloperName", "Territory2Id", NULL}, 1},
    {"logic", {"BooleanFilter", "filter_logic", NULL}, 0},
    {"inherit", {"inherited", "IsInherited", NULL}, 0},
    {"criterion", {"seq", "SortOrder", NULL}, 0},
    {"field", {"Field", NULL}, 1},
    {"operator", {"Operation", "op", NULL}, 1},
    {"value", {"Value", NULL}, 0},
    {"active", {"IsActive", NULL}, 0},
};

/* One rule of the file. */
typedef regio__file_rule frule;

/* A stored rule, copied. */
typedef struct srule {
    long id;
    int inherit, active, n;
    char *logic;
    char *field[REGIO_RULE_MAX_CRITERIA], *op[REGIO_RULE_MAX_CRITERIA],
        *value[REGIO_RULE_MAX_CRITERIA];
} srule;

typedef struct ictx {
    regio_store *s;
    const char *path;
    char *model;
    regio__table *t;
    long col[NC];
    regio_strmap *terr;   /* territories of the model */
    regio_strmap *stored_map; /* territory \x1f name -> stored index */
    srule *stored;
    size_t n_stored, cap_stored;
    regio_strmap *rule_map; /* territory \x1f name -> file rule index */
    frule *rules;
    size_t n_rules, cap_rules;
    regio_error best;     /* the problem on the earliest line so far */
    long n_problems;      /* problems noted */
    regio_err rc;         /* a failure that is not about a line (memory, store) */
    regio_buf key;
} ictx;

/* Notes a problem at line/col unless an earlier line already has one. */
static void problem(ictx *c, long line, int colslot, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void problem(ictx *c, long line, int colslot, const char *fmt, ...)
{
    c->n_problems++;
    if (c->best.code && c->best.line <= line)
        return;
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    long col = colslot >= 0 ? c->col[colslot] : -1;
    regio_error_setf(&c->best, REGIO_EDATA, c->path, line,
                     col >= 0 ? regio__table_header(c->t)[col] : NULL, "%s", msg);
    c->best.column = col >= 0 ? col + 1 : 0;
}

static char *cell(ictx *c, int slot)
{
    if (c->col[slot] < 0)
        return NULL;
    const char *v = regio__trim_view(regio__table_field(c->t, (size_t)c->col[slot]));
    size_t len = v ? regio__trim_len(v) : 0;
    if (!len)
        return NULL;
    char *d = regio_strndup(v, len);
    if (!d)
        c->rc = REGIO_ENOMEM;
    return d;
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static const char *key_of(ictx *c, const char *terr, const char *name)
{
    regio_buf_reset(&c->key);
    if (regio_buf_printf(&c->key, "%s\x1f%s", terr, name))
        c->rc = REGIO_ENOMEM;
    return c->rc ? "" : c->key.data;
}

/* ---- what the store holds ------------------------------------------------------ */

static int on_territory(void *ud, const regio_territory_info *t)
{
    ictx *c = ud;
    int found = 0;
    long old = 0;
    if (regio_strmap_put(c->terr, t->id, 1, &found, &old))
        c->rc = REGIO_ENOMEM;
    return c->rc != REGIO_OK;
}

static char *dup_or_null(const char *s, regio_err *rc)
{
    if (!s)
        return NULL;
    char *d = regio_strdup(s);
    if (!d)
        *rc = REGIO_ENOMEM;
    return d;
}

static int on_stored(void *ud, const regio_rule_info *r)
{
    ictx *c = ud;
    if (regio__grow(&c->stored, &c->cap_stored, c->n_stored + 1, sizeof *c->stored)) {
        c->rc = REGIO_ENOMEM;
        return 1;
    }
    srule *x = &c->stored[c->n_stored];
    memset(x, 0, sizeof *x);
    x->id = r->id;
    x->inherit = r->inherit != 0;
    x->active = r->active != 0;
    x->n = r->n_criteria;
    x->logic = dup_or_null(r->logic, &c->rc);
    for (int i = 0; i < r->n_criteria; i++) {
        x->field[i] = dup_or_null(r->criteria[i].field, &c->rc);
        x->op[i] = dup_or_null(r->criteria[i].op, &c->rc);
        x->value[i] = dup_or_null(r->criteria[i].value, &c->rc);
    }
    c->n_stored++;
    int found = 0;
    long old = 0;
    if (!c->rc &&
        regio_strmap_put(c->stored_map, key_of(c, r->territory, r->name), (long)c->n_stored - 1,
                         &found, &old))
        c->rc = REGIO_ENOMEM;
    return c->rc != REGIO_OK;
}

/* ---- reading the rows ---------------------------------------------------------------- */

static frule *rule_for(ictx *c, char *terr, char *name, long line, int *is_new)
{
    const char *k = key_of(c, terr, name);
    long i = regio_strmap_get(c->rule_map, k);
    *is_new = i < 0;
    if (i >= 0) {
        regio_free(terr);
        regio_free(name);
        return &c->rules[i];
    }
    if (regio__grow(&c->rules, &c->cap_rules, c->n_rules + 1, sizeof *c->rules)) {
        c->rc = REGIO_ENOMEM;
        regio_free(terr);
        regio_free(name);
        return NULL;
    }
    frule *r = &c->rules[c->n_rules];
    memset(r, 0, sizeof *r);
    r->territory = terr;
    r->name = name;
    r->line = line;
    r->active = 1;
    int found = 0;
    long old = 0;
    if (regio_strmap_put(c->rule_map, k, (long)c->n_rules, &found, &old))
        c->rc = REGIO_ENOMEM;
    c->n_rules++;
    return r;
}

/* A criterion number 1..10, or 0. */
static int crit_number(const char *v)
{
    if (!v || !*v)
        return 0;
    int n = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9' || n > 100)
            return 0;
        n = n * 10 + (*p - '0');
    }
    return n >= 1 && n <= REGIO_RULE_MAX_CRITERIA ? n : 0;
}

/* Marks the rule (terr, name) broken when the file has it already. */
static void mark_broken(ictx *c, const char *terr, const char *name)
{
    if (!terr || !name)
        return;
    long i = regio_strmap_get(c->rule_map, key_of(c, terr, name));
    if (i >= 0)
        c->rules[i].broken = 1;
}

static void read_row(ictx *c, long line)
{
    char *name = cell(c, C_RULE), *terr = cell(c, C_TERR);
    char *logic = cell(c, C_LOGIC), *inh = cell(c, C_INHERIT), *act = cell(c, C_ACTIVE);
    char *crit = cell(c, C_CRIT), *field = cell(c, C_FIELD), *op = cell(c, C_OP);
    char *value = cell(c, C_VALUE);
    int inherit = 0, active = 1, is_new = 0;
    frule *r = NULL;
    long problems = c->n_problems;
    if (c->rc)
        goto out;
    if (!name) {
        problem(c, line, C_RULE, "the rule's name is empty");
        goto out;
    }
    if (!terr) {
        problem(c, line, C_TERR, "the territory is empty");
        goto out;
    }
    if (regio_strmap_get(c->terr, terr) < 0) {
        problem(c, line, C_TERR, "unknown territory '%s' in territory model '%s'", terr,
                c->model);
        goto out;
    }
    if (regio__parse_flag(inh, 0, &inherit) < 0) {
        problem(c, line, C_INHERIT, "'%s' is not true or false (true, false, 1, 0, yes, no)", inh);
        goto out;
    }
    if (regio__parse_flag(act, 1, &active) < 0) {
        problem(c, line, C_ACTIVE, "'%s' is not true or false (true, false, 1, 0, yes, no)", act);
        goto out;
    }
    r = rule_for(c, terr, name, line, &is_new);
    terr = name = NULL; /* the rule owns or freed them */
    if (!r)
        goto out;
    if (is_new) {
        r->logic = logic;
        logic = NULL;
        r->inherit = inherit;
        r->active = active;
    } else {
        if (logic && !r->logic) {
            problem(c, line, C_LOGIC,
                    "rule '%s' gets its logic on line %ld, not on its first row (line %ld): "
                    "give the logic on the rule's first row",
                    r->name, line, r->line);
            goto out;
        }
        if (logic && !same(logic, r->logic)) {
            problem(c, line, C_LOGIC,
                    "the logic '%s' differs from '%s' given on line %ld for rule '%s' (give "
                    "the logic on the rule's first row; later rows may leave it empty)",
                    logic, r->logic ? r->logic : "", r->line, r->name);
            goto out;
        }
        if (inh && inherit != r->inherit) {
            problem(c, line, C_INHERIT, "inherit '%s' differs from line %ld for rule '%s'", inh,
                    r->line, r->name);
            goto out;
        }
        if (act && active != r->active) {
            problem(c, line, C_ACTIVE, "active '%s' differs from line %ld for rule '%s'", act,
                    r->line, r->name);
            goto out;
        }
    }
    int k;
    if (c->col[C_CRIT] >= 0) {
        if (!(k = crit_number(crit))) {
            if (crit)
                problem(c, line, C_CRIT, "criterion '%s' is not a number from 1 to %d", crit,
                        REGIO_RULE_MAX_CRITERIA);
            else
                problem(c, line, C_CRIT, "the criterion number is empty (1 to %d)",
                        REGIO_RULE_MAX_CRITERIA);
            goto out;
        }
    } else {
        k = 1;
        while (k <= REGIO_RULE_MAX_CRITERIA && r->cline[k - 1])
            k++;
        if (k > REGIO_RULE_MAX_CRITERIA) {
            problem(c, line, C_RULE, "rule '%s' of territory '%s' has more than %d criteria",
                    r->name, r->territory, REGIO_RULE_MAX_CRITERIA);
            goto out;
        }
    }
    if (r->cline[k - 1]) {
        problem(c, line, c->col[C_CRIT] >= 0 ? C_CRIT : C_RULE,
                "criterion %d of rule '%s' of territory '%s' appears twice (first on line %ld)",
                k, r->name, r->territory, r->cline[k - 1]);
        goto out;
    }
    r->cline[k - 1] = line;
    r->field[k - 1] = field;
    r->op[k - 1] = op;
    r->value[k - 1] = value;
    field = op = value = NULL;
    if (k > r->n)
        r->n = k;
out:
    if (c->n_problems != problems) {
        if (r)
            r->broken = 1;
        else
            mark_broken(c, terr, name);
    }
    regio_free(name);
    regio_free(terr);
    regio_free(logic);
    regio_free(inh);
    regio_free(act);
    regio_free(crit);
    regio_free(field);
    regio_free(op);
    regio_free(value);
}

/* ---- checking the rules -------------------------------------------------------------- */

static void check_rule(ictx *c, frule *r, regio__field_cache *cache)
{
    if (r->broken)
        return; /* one of its rows has a problem already */
    for (int i = 0; i < r->n; i++)
        if (!r->cline[i]) {
            int j = i + 1;
            while (!r->cline[j])
                j++;
            problem(c, r->cline[j], C_CRIT,
                    "rule '%s' of territory '%s' has criterion %d but no criterion %d "
                    "(criteria are numbered 1, 2, ... without gaps)",
                    r->name, r->territory, j + 1, i + 1);
            return;
        }
    regio_rule_info ri;
    regio__file_rule_info(r, &ri);
    regio_error e;
    regio_error_clear(&e);
    int bad = -1;
    const char *part = "logic";
    regio_err rc = regio__rule_check_at(c->s, &ri, cache, &bad, &part, &e);
    if (!rc)
        return;
    if (rc == REGIO_ENOMEM || rc == REGIO_ESTORE) {
        c->rc = rc;
        return;
    }
    int slot = !strcmp(part, "field")      ? C_FIELD
               : !strcmp(part, "operator") ? C_OP
               : !strcmp(part, "value")    ? C_VALUE
               : !strcmp(part, "name")     ? C_RULE
                                           : C_LOGIC;
    long line = bad >= 0 ? r->cline[bad] : r->line;
    if (bad < 0 && slot == C_LOGIC)
        problem(c, line, slot, "rule '%s': %s", r->name, e.msg);
    else
        problem(c, line, slot, "%s", e.msg);
}

static int rule_equal(const frule *f, const srule *s)
{
    if (f->n != s->n || f->inherit != s->inherit || f->active != s->active ||
        !same(f->logic, s->logic))
        return 0;
    for (int i = 0; i < f->n; i++)
        if (!same(f->field[i], s->field[i]) || !same(f->op[i], s->op[i]) ||
            !same(f->value[i], s->value[i]))
            return 0;
    return 1;
}

/* ---- the driver ---------------------------------------------------------------------- */

static void ctx_free(ictx *c)
{
    for (size_t i = 0; i < c->n_rules; i++)
        regio__file_rule_free(&c->rules[i]);
    regio_free(c->rules);
    for (size_t i = 0; i < c->n_stored; i++) {
        srule *x = &c->stored[i];
        regio_free(x->logic);
        for (int k = 0; k < REGIO_RULE_MAX_CRITERIA; k++) {
            regio_free(x->field[k]);
            regio_free(x->op[k]);
            regio_free(x->value[k]);
        }
    }
    regio_free(c->stored);
    regio_strmap_destroy(c->terr);
    regio_strmap_destroy(c->stored_map);
    regio_strmap_destroy(c->rule_map);
    regio_buf_free(&c->key);
    regio_free(c->model);
    regio__table_close(c->t);
}

regio_err regio_import_rules(regio_store *s, const char *path, const char *model,
                             const regio_import_opts *opts, regio_import_summary *sum,
                             regio_error *err)
{
    static const regio_import_opts defaults;
    regio_import_summary local;
    if (!sum)
        sum = &local;
    memset(sum, 0, sizeof *sum);
    if (!opts)
        opts = &defaults;
    regio_error_clear(err);
    if (!s || !path)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "no store or no file to import");
    if (opts->skip_invalid)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "an import of rules is all or nothing: skipping invalid rows is "
                                "for accounts and reps");
    ictx c;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.path = path;
    regio_buf_init(&c.key, 0);
    regio_error e;
    regio_error_clear(&e);
    regio_error_clear(&c.best);
    int in_txn = 0;
    regio__field_cache cache = {NULL};
    regio_err rc = regio__table_open(path, opts->sep, &c.t, &e);
    if (!rc)
        rc = regio__columns_find(path, c.t, "rule file", COLS, NC, opts->maps, opts->n_maps,
                                 c.col, &e);
    if (!rc && !opts->in_transaction && !(rc = regio_store_begin(s, &e)))
        in_txn = 1;
    regio_model_info mi;
    memset(&mi, 0, sizeof mi);
    if (!rc)
        rc = regio_store_model_find(s, model, &mi, &e);
    if (!rc && mi.state == REGIO_MODEL_ARCHIVED)
        rc = regio_error_setf(&e, REGIO_ECONFLICT, NULL, 0, NULL,
                              "territory model '%s' is archived and stays as it was; clone it "
                              "(regio model clone) to change it",
                              mi.name);
    if (!rc) {
        c.model = mi.name;
        mi.name = NULL;
    }
    regio_model_info_clear(&mi);
    if (!rc) {
        c.terr = regio_strmap_create(256);
        c.stored_map = regio_strmap_create(256);
        c.rule_map = regio_strmap_create(256);
        if (!c.terr || !c.stored_map || !c.rule_map)
            rc = REGIO_ENOMEM;
    }
    if (!rc) {
        rc = regio_store_territories_foreach(s, c.model, on_territory, &c, &e);
        if (rc == REGIO_ECANCELLED && c.rc)
            rc = c.rc;
    }
    if (!rc) {
        rc = regio_store_rules_foreach(s, c.model, NULL, on_stored, &c, &e);
        if (rc == REGIO_ECANCELLED && c.rc)
            rc = c.rc;
    }
    /* Every row, then every rule; the earliest problem wins. */
    while (!rc) {
        int has = 0;
        if ((rc = regio__table_next(c.t, &has, &e))) {
            regio__error_set_file(&e, path, 0);
            break;
        }
        if (!has)
            break;
        sum->rows++;
        read_row(&c, regio__table_line(c.t));
        rc = c.rc;
    }
    for (size_t i = 0; !rc && i < c.n_rules; i++) {
        check_rule(&c, &c.rules[i], &cache);
        rc = c.rc;
    }
    if (!rc && c.best.code)
        rc = c.best.code, e = c.best;
    /* Writing: only the rules that differ from the store's. */
    size_t counted[3] = {0, 0, 0};
    for (size_t i = 0; !rc && i < c.n_rules; i++) {
        frule *r = &c.rules[i];
        long si = regio_strmap_get(c.stored_map, key_of(&c, r->territory, r->name));
        if ((rc = c.rc))
            break;
        if (si >= 0 && rule_equal(r, &c.stored[si])) {
            counted[REGIO_UPSERT_UNCHANGED]++;
            continue;
        }
        r->id = si >= 0 ? c.stored[si].id : 0;
        regio_rule_info ri;
        regio__file_rule_info(r, &ri);
        if ((rc = regio_store_rule_save(s, c.model, &ri, opts->actor, NULL, &e))) {
            char msg[sizeof e.msg];
            snprintf(msg, sizeof msg, "%s", e.msg);
            regio_error_setf(&e, rc, path, r->line, NULL, "%s", msg);
            break;
        }
        counted[si >= 0 ? REGIO_UPSERT_UPDATED : REGIO_UPSERT_ADDED]++;
    }
    sum->added = counted[REGIO_UPSERT_ADDED];
    sum->updated = counted[REGIO_UPSERT_UPDATED];
    sum->unchanged = counted[REGIO_UPSERT_UNCHANGED];
    if (!rc) {
        size_t crit = 0;
        for (size_t i = 0; i < c.n_rules; i++)
            crit += (size_t)c.rules[i].n;
        snprintf(sum->notes, sizeof sum->notes, "  %zu rule%s with %zu criteri%s in model '%.600s'\n",
                 c.n_rules, c.n_rules == 1 ? "" : "s", crit, crit == 1 ? "on" : "a", c.model);
    }
    if (!rc && !opts->dry_run && sum->added + sum->updated > 0) {
        regio_buf b;
        regio_buf_init(&b, 0);
        rc = regio_buf_printf(&b, "{\"rows\":%zu,\"added\":%zu,\"updated\":%zu,\"unchanged\":%zu,"
                                  "\"model\":",
                              sum->rows, sum->added, sum->updated, sum->unchanged);
        if (!rc)
            rc = regio_buf_json_str(&b, c.model);
        if (!rc)
            rc = regio_buf_putc(&b, '}');
        if (!rc)
            rc = regio_store_audit_append(s, opts->actor ? opts->actor : "cli", "import.rules",
                                          "file", path, NULL, b.data, &e);
        regio_buf_free(&b);
    }
    if (!rc && !opts->dry_run && in_txn)
        rc = regio_store_commit(s, &e);
    else if (in_txn)
        regio_store_rollback(s, NULL);
    if (rc == REGIO_ENOMEM)
        regio__file_error(&e, REGIO_ENOMEM, path, "out of memory");
    if (rc) {
        sum->notes[0] = '\0';
        if (err)
            *err = e;
    }
    regio__field_cache_free(&cache);
    ctx_free(&c);
    return rc;
}
