/*
 * The assignment rules of a Salesforce folder back into Regio rules
 * (regio import salesforce): ObjectTerritory2AssignmentRule.csv gives each
 * rule, RuleTerritory2Association.csv its territory and inheritance,
 * ObjectTerritory2AssignmentRuleItem.csv its criteria. The three files are
 * read whole and joined first; the first problem fails naming its file,
 * line and column; then each rule is checked as regio_rule_save checks it
 * and only rules that differ from the store's are written, inside the
 * caller's transaction.
 */
#include "rules/rules_salesforce.h"

#include "rules/rules_io.h"
#include "rules/rules_run.h"

#include "regio/buf.h"
#include "regio/rule_store.h"
#include "regio/salesforce.h"
#include "regio/strmap.h"
#include "core/grow.h"
#include "io/import_common.h"
#include "io/salesforce_map.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One rule of the folder: its DeveloperName beside the rule. */
typedef struct sfrule {
    regio__file_rule f;
    char *dev;
    long tline; /* its row in RuleTerritory2Association.csv */
} sfrule;

typedef struct sfctx {
    regio_store *s;
    const char *model, *dir, *actor;
    regio_buf path;        /* the file being read */
    regio__table *t;
    sfrule *r;
    size_t n, cap;
    regio_strmap *by_dev;  /* DeveloperName -> index */
    regio_strmap *terr;    /* territories of the model */
    regio_strmap *stored;  /* territory \x1f name -> stored rule's index in ids */
    long *ids;
    char **shapes;         /* stored rule's shape (see shape_of) */
    size_t n_stored, cap_stored, cap_shapes;
    regio_buf key, shape;
    regio_err rc;          /* a failure inside a store callback */
} sfctx;

/* Fails naming the current file, line and the column col (-1: none). */
static regio_err fail(sfctx *c, regio_error *e, long line, long col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static regio_err fail(sfctx *c, regio_error *e, long line, long col, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    regio_error_setf(e, REGIO_EDATA, c->path.data, line,
                     col >= 0 && c->t ? regio__table_header(c->t)[col] : NULL, "%s", msg);
    e->column = col >= 0 ? col + 1 : 0;
    return REGIO_EDATA;
}

static char *cell(sfctx *c, long col)
{
    if (col < 0)
        return NULL;
    const char *v = regio__trim_view(regio__table_field(c->t, (size_t)col));
    size_t len = v ? regio__trim_len(v) : 0;
    if (!len)
        return NULL;
    char *d = regio_strndup(v, len);
    if (!d)
        c->rc = REGIO_ENOMEM;
    return d;
}

static const char *key_of(sfctx *c, const char *terr, const char *name)
{
    regio_buf_reset(&c->key);
    if (regio_buf_printf(&c->key, "%s\x1f%s", terr, name))
        c->rc = REGIO_ENOMEM;
    return c->rc ? "" : c->key.data;
}

/* What makes two rules of one name the same: flags, logic, criteria. */
static const char *shape_of(sfctx *c, const regio_rule_info *r)
{
    regio_buf *b = &c->shape;
    regio_buf_reset(b);
    regio_err rc = regio_buf_printf(b, "%d\x1f%d\x1f%s", r->inherit != 0, r->active != 0,
                                    r->logic ? r->logic : "");
    for (int i = 0; i < r->n_criteria && !rc; i++)
        rc = regio_buf_printf(b, "\x1e%s\x1f%s\x1f%s", r->criteria[i].field,
                              r->criteria[i].op, r->criteria[i].value ? r->criteria[i].value : "");
    if (rc)
        c->rc = rc;
    return rc ? "" : b->data;
}

/* ---- what the store holds ------------------------------------------------------ */

static int on_territory(void *ud, const regio_territory_info *t)
{
    sfctx *c = ud;
    int found = 0;
    long old = 0;
    if (regio_strmap_put(c->terr, t->id, 1, &found, &old))
        c->rc = REGIO_ENOMEM;
    return c->rc != REGIO_OK;
}

static int on_stored(void *ud, const regio_rule_info *r)
{
    sfctx *c = ud;
    size_t cap = c->cap_stored;
    if (regio__grow(&c->ids, &cap, c->n_stored + 1, sizeof *c->ids) ||
        regio__grow(&c->shapes, &c->cap_shapes, c->n_stored + 1, sizeof *c->shapes)) {
        c->rc = REGIO_ENOMEM;
        return 1;
    }
    c->cap_stored = cap;
    c->ids[c->n_stored] = r->id;
    c->shapes[c->n_stored] = regio_strdup(shape_of(c, r));
    int found = 0;
    long old = 0;
    if (!c->shapes[c->n_stored] ||
        regio_strmap_put(c->stored, key_of(c, r->territory, r->name), (long)c->n_stored, &found,
                         &old))
        c->rc = REGIO_ENOMEM;
    c->n_stored++;
    return c->rc != REGIO_OK;
}

/* ---- the files ------------------------------------------------------------------ */

/* Opens dir/name; *open 0 when the file does not exist (it has no rows). */
static regio_err open_file(sfctx *c, const char *name, const regio__col_spec *cols, size_t n,
                           long *col, int *open, regio_error *e)
{
    regio__table_close(c->t);
    c->t = NULL;
    *open = 0;
    regio_buf_reset(&c->path);
    if (regio_buf_printf(&c->path, "%s/%s", c->dir, name))
        return REGIO_ENOMEM;
    if (access(c->path.data, F_OK) != 0)
        return REGIO_OK;
    regio_err rc = regio__table_open(c->path.data, ',', &c->t, e);
    if (!rc)
        rc = regio__columns_find(c->path.data, c->t, name, cols, n, NULL, 0, col, e);
    *open = rc == REGIO_OK;
    return rc;
}

/* The next row; *has 0 at the end. */
static regio_err next_row(sfctx *c, int *has, regio_error *e)
{
    regio_err rc = regio__table_next(c->t, has, e);
    if (rc)
        regio__error_set_file(e, c->path.data, 0);
    return rc;
}

static sfrule *rule_of(sfctx *c, const char *dev)
{
    long i = dev ? regio_strmap_get(c->by_dev, dev) : -1;
    return i >= 0 ? &c->r[i] : NULL;
}

enum { R_DEV, R_LABEL, R_ACTIVE, R_FILTER, R_OBJECT, R_NC };

static regio_err read_rules(sfctx *c, regio_error *e)
{
    static const regio__col_spec cols[R_NC] = {
        {"DeveloperName", {NULL}, 1},
        {"MasterLabel", {NULL}, 0},
        {"IsActive", {NULL}, 0},
        {"BooleanFilter", {NULL}, 0},
        {"ObjectType", {NULL}, 0},
    };
    long col[R_NC];
    int open = 0, has = 1;
    regio_err rc = open_file(c, "ObjectTerritory2AssignmentRule.csv", cols, R_NC, col, &open, e);
    while (!rc && open && !(rc = next_row(c, &has, e)) && has) {
        long line = regio__table_line(c->t);
        char *dev = cell(c, col[R_DEV]), *act = cell(c, col[R_ACTIVE]),
             *obj = cell(c, col[R_OBJECT]);
        int active = 1;
        if (c->rc)
            rc = c->rc;
        else if (!dev)
            rc = fail(c, e, line, col[R_DEV], "the rule's DeveloperName is empty");
        else if (rule_of(c, dev))
            rc = fail(c, e, line, col[R_DEV], "rule '%s' appears twice in the file (first on line %ld)",
                      dev, rule_of(c, dev)->f.line);
        else if (obj && strcmp(obj, "Account") != 0)
            rc = fail(c, e, line, col[R_OBJECT],
                      "ObjectType '%s': Regio's rules assign accounts (ObjectType Account)", obj);
        else if (regio__parse_flag(act, 1, &active) < 0)
            rc = fail(c, e, line, col[R_ACTIVE], "'%s' is not true or false", act);
        else if (regio__grow(&c->r, &c->cap, c->n + 1, sizeof *c->r))
            rc = REGIO_ENOMEM;
        if (!rc) {
            sfrule *r = &c->r[c->n];
            memset(r, 0, sizeof *r);
            r->dev = dev;
            dev = NULL;
            r->f.name = cell(c, col[R_LABEL]);
            r->f.logic = cell(c, col[R_FILTER]);
            r->f.active = active;
            r->f.line = line;
            if (!r->f.name && !c->rc)
                r->f.name = regio_strdup(r->dev);
            int found = 0;
            long old = 0;
            if (!r->f.name || regio_strmap_put(c->by_dev, r->dev, (long)c->n, &found, &old))
                rc = REGIO_ENOMEM;
            c->n++;
        }
        regio_free(dev);
        regio_free(act);
        regio_free(obj);
    }
    return rc;
}

enum { T_RULE, T_TERR, T_INHERIT, T_NC };

static regio_err read_links(sfctx *c, regio_error *e)
{
    static const regio__col_spec cols[T_NC] = {
        {"Rule.DeveloperName", {"RuleId", NULL}, 1},
        {"Territory2.DeveloperName", {"Territory2Id", NULL}, 1},
        {"IsInherited", {NULL}, 0},
    };
    long col[T_NC];
    int open = 0, has = 1;
    regio_err rc = open_file(c, "RuleTerritory2Association.csv", cols, T_NC, col, &open, e);
    while (!rc && open && !(rc = next_row(c, &has, e)) && has) {
        long line = regio__table_line(c->t);
        char *dev = cell(c, col[T_RULE]), *terr = cell(c, col[T_TERR]),
             *inh = cell(c, col[T_INHERIT]);
        sfrule *r = rule_of(c, dev);
        int inherit = 0;
        if (c->rc)
            rc = c->rc;
        else if (!r)
            rc = fail(c, e, line, col[T_RULE],
                      dev ? "unknown rule '%s' (not in ObjectTerritory2AssignmentRule.csv)"
                          : "the rule is empty%s",
                      dev ? dev : "");
        else if (!terr)
            rc = fail(c, e, line, col[T_TERR], "the territory is empty");
        else if (regio_strmap_get(c->terr, terr) < 0)
            rc = fail(c, e, line, col[T_TERR], "unknown territory '%s' in territory model '%s'",
                      terr, c->model);
        else if (r->f.territory)
            rc = fail(c, e, line, col[T_TERR],
                      "rule '%s' belongs to territory '%s' already (line %ld): a Regio rule "
                      "belongs to one territory",
                      r->dev, r->f.territory, r->tline);
        else if (regio__parse_flag(inh, 0, &inherit) < 0)
            rc = fail(c, e, line, col[T_INHERIT], "'%s' is not true or false", inh);
        if (!rc) {
            r->f.territory = terr;
            terr = NULL;
            r->f.inherit = inherit;
            r->tline = line;
        }
        regio_free(dev);
        regio_free(terr);
        regio_free(inh);
    }
    return rc;
}

/* A custom field as written (NAME__c) when some account has that column,
 * else without __c (how regio export salesforce made it from NAME). */
static regio_err custom_field(sfctx *c, char *f)
{
    size_t n = strlen(f);
    if (n <= 3 || strcmp(f + n - 3, "__c") != 0 ||
        regio_rule_field_standard(f, NULL) != REGIO_RULE_FIELD_CUSTOM)
        return REGIO_OK;
    int exists = 0;
    regio_err rc = regio_store_account_attr_exists(c->s, f, &exists, NULL);
    if (!rc && !exists)
        f[n - 3] = '\0';
    return rc;
}

enum { I_RULE, I_SORT, I_FIELD, I_OP, I_VALUE, I_NC };

static regio_err read_items(sfctx *c, regio_error *e)
{
    static const regio__col_spec cols[I_NC] = {
        {"Rule.DeveloperName", {"RuleId", NULL}, 1},
        {"SortOrder", {NULL}, 0},
        {"Field", {NULL}, 1},
        {"Operation", {NULL}, 1},
        {"Value", {NULL}, 0},
    };
    long col[I_NC];
    int open = 0, has = 1;
    regio_err rc = open_file(c, "ObjectTerritory2AssignmentRuleItem.csv", cols, I_NC, col, &open,
                             e);
    while (!rc && open && !(rc = next_row(c, &has, e)) && has) {
        long line = regio__table_line(c->t);
        char *dev = cell(c, col[I_RULE]), *sort = cell(c, col[I_SORT]),
             *sf = cell(c, col[I_FIELD]), *sfop = cell(c, col[I_OP]),
             *value = cell(c, col[I_VALUE]);
        char field[256];
        sfrule *r = rule_of(c, dev);
        const char *op = regio__sf_op_in(sfop);
        int k = 0;
        if (r && !sort) {
            k = 1;
            while (k <= REGIO_RULE_MAX_CRITERIA && r->f.cline[k - 1])
                k++;
        } else if (sort) {
            char *end = NULL;
            long v = strtol(sort, &end, 10);
            k = end && !*end && v >= 1 && v <= REGIO_RULE_MAX_CRITERIA ? (int)v : -1;
        }
        if (c->rc)
            rc = c->rc;
        else if (!r)
            rc = fail(c, e, line, col[I_RULE],
                      dev ? "unknown rule '%s' (not in ObjectTerritory2AssignmentRule.csv)"
                          : "the rule is empty%s",
                      dev ? dev : "");
        else if (k < 1 || k > REGIO_RULE_MAX_CRITERIA)
            rc = fail(c, e, line, sort ? col[I_SORT] : col[I_RULE],
                      "SortOrder '%s' is not a number from 1 to %d (rule '%s')",
                      sort ? sort : "", REGIO_RULE_MAX_CRITERIA, r->dev);
        else if (r->f.cline[k - 1])
            rc = fail(c, e, line, col[I_SORT], "item %d of rule '%s' appears twice (first on line %ld)",
                      k, r->dev, r->f.cline[k - 1]);
        else if (regio__sf_field_in(sf, field, sizeof field) < 0)
            rc = fail(c, e, line, col[I_FIELD],
                      "field '%s' is no Account field (Account.Name, Account.BillingState, "
                      "Account.NAME__c, ...)",
                      sf ? sf : "");
        else if (!op)
            rc = fail(c, e, line, col[I_OP], "operation '%s' has no Regio operator (%s)",
                      sfop ? sfop : "", regio__sf_op_list());
        else
            rc = custom_field(c, field);
        if (!rc && !strcmp(op, "equals") && value && strchr(value, ',')) {
            op = "in"; /* Salesforce's "any of": the values separated by commas */
            for (char *q = value; *q; q++)
                if (*q == ',')
                    *q = ';';
        }
        if (!rc) {
            r->f.cline[k - 1] = line;
            if (!(r->f.field[k - 1] = regio_strdup(field)) || !(r->f.op[k - 1] = regio_strdup(op)))
                rc = REGIO_ENOMEM;
            r->f.value[k - 1] = value;
            value = NULL;
            if (k > r->f.n)
                r->f.n = k;
        }
        regio_free(dev);
        regio_free(sort);
        regio_free(sf);
        regio_free(sfop);
        regio_free(value);
    }
    return rc;
}

/* ---- checking and writing ----------------------------------------------------------- */

/* Each rule whole: a territory, criteria 1..n without gaps, a name not
 * taken twice in a territory, then regio_rule_save's checks. Problems
 * point at the rule's line in the rule file (re-opened for its header)
 * or its item's line in the item file. */
static regio_err check_rules(sfctx *c, regio__field_cache *cache, regio_error *e)
{
    regio_strmap *names = regio_strmap_create(c->n);
    if (!names)
        return REGIO_ENOMEM;
    regio_err rc = REGIO_OK;
    for (size_t i = 0; i < c->n && !rc; i++) {
        sfrule *r = &c->r[i];
        regio_buf_reset(&c->path);
        if (!r->f.territory) {
            regio_buf_printf(&c->path, "%s/ObjectTerritory2AssignmentRule.csv", c->dir);
            rc = regio_error_setf(e, REGIO_EDATA, c->path.data, r->f.line, "DeveloperName",
                                  "rule '%s' has no territory (no row of it in "
                                  "RuleTerritory2Association.csv)",
                                  r->dev);
            break;
        }
        int gap = 0;
        while (gap < r->f.n && r->f.cline[gap])
            gap++;
        if (r->f.n == 0 || gap < r->f.n) {
            regio_buf_printf(&c->path, "%s/ObjectTerritory2AssignmentRuleItem.csv", c->dir);
            rc = r->f.n == 0 ? regio_error_setf(e, REGIO_EDATA, c->path.data, 0, NULL,
                                              "rule '%s' has no items (1 to %d criteria)", r->dev,
                                              REGIO_RULE_MAX_CRITERIA)
                           : regio_error_setf(e, REGIO_EDATA, c->path.data, r->f.cline[r->f.n - 1],
                                              "SortOrder",
                                              "rule '%s' has item %d but no item %d (SortOrder "
                                              "1, 2, ... without gaps)",
                                              r->dev, r->f.n, gap + 1);
            break;
        }
        int found = 0;
        long first = 0;
        if ((rc = regio_strmap_put(names, key_of(c, r->f.territory, r->f.name), (long)i, &found,
                                   &first)) || c->rc)
            break;
        if (found) {
            regio_buf_printf(&c->path, "%s/ObjectTerritory2AssignmentRule.csv", c->dir);
            rc = regio_error_setf(e, REGIO_EDATA, c->path.data, r->f.line, "MasterLabel",
                                  "rules '%s' and '%s' of territory '%s' are both named '%s' "
                                  "(a rule's MasterLabel is its name, one per territory)",
                                  c->r[first].dev, r->dev, r->f.territory, r->f.name);
            break;
        }
        regio_rule_info ri;
        regio__file_rule_info(&r->f, &ri);
        regio_error x;
        regio_error_clear(&x);
        int bad = -1;
        const char *part = "logic";
        rc = regio__rule_check_at(c->s, &ri, cache, &bad, &part, &x);
        if (!rc || rc == REGIO_ENOMEM || rc == REGIO_ESTORE) {
            if (rc)
                *e = x;
            continue;
        }
        int item = bad >= 0;
        regio_buf_printf(&c->path, "%s/%s", c->dir,
                         item ? "ObjectTerritory2AssignmentRuleItem.csv"
                              : "ObjectTerritory2AssignmentRule.csv");
        const char *column = !item                      ? (!strcmp(part, "name") ? "MasterLabel"
                                                                                 : "BooleanFilter")
                             : !strcmp(part, "field")    ? "Field"
                             : !strcmp(part, "operator") ? "Operation"
                                                         : "Value";
        rc = regio_error_setf(e, REGIO_EDATA, c->path.data, item ? r->f.cline[bad] : r->f.line, column,
                              "rule '%s': %s", r->dev, x.msg);
    }
    regio_strmap_destroy(names);
    return rc ? rc : c->rc;
}

static regio_err write_rules(sfctx *c, regio_import_summary *sum, regio_error *e)
{
    regio_err rc = REGIO_OK;
    for (size_t i = 0; i < c->n && !rc; i++) {
        regio_rule_info ri;
        regio__file_rule_info(&c->r[i].f, &ri);
        long si = regio_strmap_get(c->stored, key_of(c, ri.territory, ri.name));
        const char *shape = shape_of(c, &ri);
        if ((rc = c->rc))
            break;
        if (si >= 0 && !strcmp(shape, c->shapes[si])) {
            sum->unchanged++;
            continue;
        }
        ri.id = si >= 0 ? c->ids[si] : 0;
        if ((rc = regio_store_rule_save(c->s, c->model, &ri, c->actor, NULL, e)))
            break;
        if (si >= 0)
            sum->updated++;
        else
            sum->added++;
    }
    return rc;
}

static void ctx_free(sfctx *c)
{
    for (size_t i = 0; i < c->n; i++) {
        regio__file_rule_free(&c->r[i].f);
        regio_free(c->r[i].dev);
    }
    regio_free(c->r);
    for (size_t i = 0; i < c->n_stored; i++)
        regio_free(c->shapes[i]);
    regio_free(c->shapes);
    regio_free(c->ids);
    regio_strmap_destroy(c->by_dev);
    regio_strmap_destroy(c->terr);
    regio_strmap_destroy(c->stored);
    regio_buf_free(&c->path);
    regio_buf_free(&c->key);
    regio_buf_free(&c->shape);
    regio__table_close(c->t);
}

regio_err regio__import_sf_rules(regio_store *s, const char *model, const char *dir,
                                 const char *actor, regio_import_summary sums[3],
                                 regio_error *err)
{
    sfctx c;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.model = model;
    c.dir = dir;
    c.actor = actor;
    regio_buf_init(&c.path, 0);
    regio_buf_init(&c.key, 0);
    regio_buf_init(&c.shape, 0);
    regio_error e;
    regio_error_clear(&e);
    regio__field_cache cache = {NULL};
    c.by_dev = regio_strmap_create(64);
    c.terr = regio_strmap_create(256);
    c.stored = regio_strmap_create(64);
    regio_err rc = c.by_dev && c.terr && c.stored ? REGIO_OK : REGIO_ENOMEM;
    if (!rc) {
        rc = regio_store_territories_foreach(s, model, on_territory, &c, &e);
        if (rc == REGIO_ECANCELLED && c.rc)
            rc = c.rc;
    }
    if (!rc) {
        rc = regio_store_rules_foreach(s, model, NULL, on_stored, &c, &e);
        if (rc == REGIO_ECANCELLED && c.rc)
            rc = c.rc;
    }
    if (!rc && !(rc = read_rules(&c, &e)))
        sums[0].rows = c.n;
    if (!rc)
        rc = read_links(&c, &e);
    if (!rc)
        rc = read_items(&c, &e);
    for (size_t i = 0; !rc && i < c.n; i++) {
        sums[1].rows += (size_t)c.r[i].f.n;
        sums[2].rows += c.r[i].f.territory != NULL;
    }
    if (!rc)
        rc = check_rules(&c, &cache, &e);
    if (!rc)
        rc = write_rules(&c, &sums[0], &e);
    if (rc == REGIO_ENOMEM)
        regio__file_error(&e, REGIO_ENOMEM, dir, "out of memory");
    if (rc && err)
        *err = e;
    regio__field_cache_free(&cache);
    ctx_free(&c);
    return rc;
}
