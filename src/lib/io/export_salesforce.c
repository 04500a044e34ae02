/*
 * `regio export salesforce`: a territory model as the Data Loader CSVs of
 * Salesforce Enterprise Territory Management (Territory2Type, Territory2,
 * UserTerritory2Association, ObjectTerritory2Association, the assignment
 * rules) and an account owner update file. Regio has no Salesforce record
 * ids, so parents are referred to by DeveloperName (users by Username) in
 * relationship columns ("ParentTerritory2.DeveloperName"), which the
 * organisation importers read back (src/lib/io/fields.c).
 */
#include "regio/salesforce.h"

#include "regio/buf.h"
#include "regio/model.h"
#include "regio/org.h"
#include "regio/output.h"
#include "regio/rule_store.h"
#include "regio/strmap.h"
#include "io/salesforce_map.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Salesforce's field API names (Object Reference, API 60.0): a reference
 * field FooId is written as its relationship Foo.DeveloperName (or
 * User.Username), the external-id form Data Loader and the Bulk API map. */
static const char *const file_names[REGIO_SF_FILE_COUNT_] = {
    "Territory2Type.csv",
    "Territory2.csv",
    "UserTerritory2Association.csv",
    "ObjectTerritory2Association.csv",
    "ObjectTerritory2AssignmentRule.csv",
    "ObjectTerritory2AssignmentRuleItem.csv",
    "RuleTerritory2Association.csv",
    "AccountOwners.csv",
};

static const char *const file_headers[REGIO_SF_FILE_COUNT_] = {
    "DeveloperName,MasterLabel,Priority",
    "DeveloperName,Name,Territory2Model.DeveloperName,Territory2Type.DeveloperName,"
    "ParentTerritory2.DeveloperName,AccountAccessLevel,OpportunityAccessLevel,CaseAccessLevel,"
    "ContactAccessLevel,Description",
    "User.Username,Territory2.DeveloperName,RoleInTerritory2,IsActive",
    "ObjectId,Territory2.DeveloperName,AssociationCause",
    "DeveloperName,MasterLabel,Territory2Model.DeveloperName,ObjectType,IsActive,BooleanFilter",
    "Rule.DeveloperName,SortOrder,Field,Operation,Value",
    "Rule.DeveloperName,Territory2.DeveloperName,IsInherited",
    "Id,OwnerId",
};

#define DEFAULT_TYPE REGIO__SF_DEFAULT_TYPE
#define DEV_CAP REGIO__SF_DEV_CAP

const char *regio_sf_file_name(regio_sf_file f)
{
    return (int)f >= 0 && f < REGIO_SF_FILE_COUNT_ ? file_names[f] : NULL;
}

const char *regio_sf_file_header(regio_sf_file f)
{
    return (int)f >= 0 && f < REGIO_SF_FILE_COUNT_ ? file_headers[f] : NULL;
}

static int is_alnum(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

static int is_alpha(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

void regio_sf_developer_name(const char *id, char *out, size_t cap)
{
    if (!out || cap == 0)
        return;
    size_t lim = cap - 1 < 80 ? cap - 1 : 80, n = 0;
    out[0] = '\0';
    if (!id)
        return;
    const unsigned char *p = (const unsigned char *)id;
    while (*p && !is_alnum(*p))
        p++;
    if (*p && !is_alpha(*p) && lim >= 2) {
        out[n++] = 'T';
        out[n++] = '_';
    }
    int gap = 0;
    for (; *p && n < lim; p++) {
        if (is_alnum(*p)) {
            if (gap && n > 0 && out[n - 1] != '_' && n + 1 < lim)
                out[n++] = '_';
            gap = 0;
            out[n++] = (char)*p;
        } else
            gap = 1;
    }
    while (n > 0 && out[n - 1] == '_')
        n--;
    out[n] = '\0';
}

/* ---- what the store holds ------------------------------------------------- */

typedef struct sf_terr {
    char *id, *name, *parent, *type, *level;
    char dev[DEV_CAP];
    char parent_dev[DEV_CAP]; /* the parent's DeveloperName, or "" for a root */
    int depth;
} sf_terr;

typedef struct sf_pair {
    char *a, *b, *c; /* membership: user, territory dev, role; association: account, dev, cause */
    int active;
} sf_pair;

typedef struct sf_ctx {
    regio_store *s;
    const char *model;
    sf_terr *t;
    size_t nt, capt;
    regio_strmap *by_id; /* territory external id -> index in t */
    sf_pair *m, *as;
    size_t nm, capm, nas, capas;
    regio_strmap *unit_terr; /* unit -> index in t (the alignment) */
    regio_strmap *moved;     /* account -> index in t (hand moves) */
    regio_buf owners;        /* AccountOwners.csv rows */
    size_t nowners;
    char **type_names;       /* the store's territory types by priority */
    long *type_prio;
    size_t ntypes, captypes, capprio;
    regio_buf rules, items, rule_terr; /* the three rule files' rows */
    size_t nrules, nitems;
    regio_strmap *rule_devs; /* rule DeveloperNames taken */
    const char *model_dev;   /* the model's DeveloperName */
    regio_err rc;
} sf_ctx;

static char *dup_or_null(const char *s, regio_err *rc)
{
    if (!s || !*s)
        return NULL;
    char *d = regio_strdup(s);
    if (!d)
        *rc = REGIO_ENOMEM;
    return d;
}

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 16;
    void *q = regio_realloc(*p, nc * size);
    if (!q)
        return -1;
    *p = q;
    *cap = nc;
    return 0;
}

static int on_territory(void *ud, const regio_territory_info *ti)
{
    sf_ctx *c = ud;
    if (grow((void **)&c->t, &c->capt, c->nt, sizeof *c->t)) {
        c->rc = REGIO_ENOMEM;
        return 1;
    }
    sf_terr *t = &c->t[c->nt];
    memset(t, 0, sizeof *t);
    c->nt++;
    t->id = dup_or_null(ti->id, &c->rc);
    t->name = dup_or_null(ti->name, &c->rc);
    t->parent = dup_or_null(ti->parent, &c->rc);
    t->type = dup_or_null(ti->type, &c->rc);
    t->level = dup_or_null(ti->account_access, &c->rc);
    return c->rc != REGIO_OK;
}

static long terr_of(const sf_ctx *c, const char *id)
{
    return id ? regio_strmap_get(c->by_id, id) : -1;
}

static int add_pair(sf_ctx *c, sf_pair **arr, size_t *n, size_t *cap, const char *a,
                    const char *dev, const char *cause, int active)
{
    if (grow((void **)arr, cap, *n, sizeof **arr)) {
        c->rc = REGIO_ENOMEM;
        return 1;
    }
    sf_pair *p = &(*arr)[(*n)++];
    memset(p, 0, sizeof *p);
    p->active = active;
    if (!(p->a = regio_strdup(a)) || !(p->b = regio_strdup(dev)) ||
        (cause && !(p->c = regio_strdup(cause))))
        c->rc = REGIO_ENOMEM;
    return c->rc != REGIO_OK;
}

static int on_membership(void *ud, const regio_membership_info *mi)
{
    sf_ctx *c = ud;
    long i = terr_of(c, mi->territory);
    if (i < 0)
        return 0;
    return add_pair(c, &c->m, &c->nm, &c->capm, mi->user, c->t[i].dev,
                    mi->role ? mi->role : "rep", mi->active);
}

static int on_alignment(void *ud, const regio_alignment_row *row)
{
    sf_ctx *c = ud;
    long i = terr_of(c, row->territory);
    if (i < 0)
        return 0;
    int found = 0;
    long old = 0;
    if (row->unit_id)
        c->rc = regio_strmap_put(c->unit_terr, row->unit_id, i, &found, &old);
    else if (row->account_id)
        c->rc = regio_strmap_put(c->moved, row->account_id, i, &found, &old);
    return c->rc != REGIO_OK;
}

/* Rule and manual associations; hand moves ("geo") come from the alignment. */
static int on_association(void *ud, const regio_association_info *a)
{
    sf_ctx *c = ud;
    long i = terr_of(c, a->territory);
    if (i < 0 || !a->cause || !strcmp(a->cause, "geo"))
        return 0;
    return add_pair(c, &c->as, &c->nas, &c->capas, a->account, c->t[i].dev, a->cause, 1);
}

/* Each account's geographic territory (its hand move, else its unit's) and
 * its owner. Accounts come in external-id order. */
static int on_account(void *ud, const regio_account *a)
{
    sf_ctx *c = ud;
    if (!a->id)
        return 0;
    long i = regio_strmap_get(c->moved, a->id);
    if (i < 0 && a->unit_id)
        i = regio_strmap_get(c->unit_terr, a->unit_id);
    if (i >= 0 && add_pair(c, &c->as, &c->nas, &c->capas, a->id, c->t[i].dev, "geo", 1))
        return 1;
    if (a->owner && *a->owner) {
        regio_err rc = regio_buf_csv_field(&c->owners, a->id, ',');
        if (!rc)
            rc = regio_buf_putc(&c->owners, ',');
        if (!rc)
            rc = regio_buf_csv_field(&c->owners, a->owner, ',');
        if (!rc)
            rc = regio_buf_puts(&c->owners, "\n");
        c->nowners++;
        c->rc = rc;
    }
    return c->rc != REGIO_OK;
}

/* ---- ordering --------------------------------------------------------------- */

static int cmp_terr(const void *x, const void *y)
{
    const sf_terr *a = x, *b = y;
    if (a->depth != b->depth)
        return a->depth < b->depth ? -1 : 1;
    return strcmp(a->dev, b->dev);
}

static int cmp_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

static int cmp_pair(const void *x, const void *y)
{
    const sf_pair *a = x, *b = y;
    int d = cmp_str(a->a, b->a);
    if (!d)
        d = cmp_str(a->b, b->b);
    if (!d)
        d = cmp_str(a->c, b->c);
    return d;
}

/* Membership rows by territory, then user and role. */
static int cmp_member(const void *x, const void *y)
{
    const sf_pair *a = x, *b = y;
    int d = cmp_str(a->b, b->b);
    if (!d)
        d = cmp_str(a->a, b->a);
    if (!d)
        d = cmp_str(a->c, b->c);
    return d;
}

/* DeveloperNames: ids that already are one keep it; the others get theirs
 * made from the id in id order, with _2, _3 ... when it is taken. */
static regio_err name_territories(sf_ctx *c)
{
    regio_strmap *taken = regio_strmap_create(c->nt);
    if (!taken)
        return REGIO_ENOMEM;
    regio_err rc = REGIO_OK;
    for (int pass = 0; pass < 2 && !rc; pass++) {
        for (size_t i = 0; i < c->nt && !rc; i++) {
            sf_terr *t = &c->t[i];
            char base[DEV_CAP];
            regio_sf_developer_name(t->id, base, sizeof base);
            int valid = !strcmp(base, t->id ? t->id : "");
            if (valid != (pass == 0))
                continue;
            if (!base[0])
                snprintf(base, sizeof base, "T");
            snprintf(t->dev, sizeof t->dev, "%s", base);
            for (long k = 2; regio_strmap_get(taken, t->dev) >= 0; k++) {
                char suf[24];
                int sl = snprintf(suf, sizeof suf, "_%ld", k);
                size_t keep = strlen(base);
                if (keep + (size_t)sl > 80)
                    keep = 80 - (size_t)sl;
                while (keep > 0 && base[keep - 1] == '_')
                    keep--;
                snprintf(t->dev, sizeof t->dev, "%.*s%s", (int)keep, base, suf);
            }
            int found = 0;
            long old = 0;
            rc = regio_strmap_put(taken, t->dev, (long)i, &found, &old);
        }
    }
    regio_strmap_destroy(taken);
    return rc;
}

/* Depth of each territory (roots 0) and its parent's DeveloperName; parents the model does not hold count
 * as none. A cycle, which the store does not allow, stops at nt levels. */
static void measure_depths(sf_ctx *c)
{
    for (size_t i = 0; i < c->nt; i++) {
        int d = 0;
        long p = terr_of(c, c->t[i].parent);
        while (p >= 0 && (size_t)d < c->nt) {
            d++;
            p = terr_of(c, c->t[p].parent);
        }
        c->t[i].depth = d;
        p = terr_of(c, c->t[i].parent);
        snprintf(c->t[i].parent_dev, sizeof c->t[i].parent_dev, "%s", p >= 0 ? c->t[p].dev : "");
    }
}

/* ---- writing --------------------------------------------------------------- */

static regio_err field(regio_buf *b, const char *s, int last)
{
    regio_err rc = regio_buf_csv_field(b, s ? s : "", ',');
    return rc ? rc : regio_buf_puts(b, last ? "\n" : ",");
}

static regio_err put_row(regio_buf *b, const char *const *cols, size_t n)
{
    regio_err rc = REGIO_OK;
    for (size_t k = 0; k < n && !rc; k++)
        rc = field(b, cols[k], k + 1 == n);
    return rc;
}

static const char *sf_level(const char *level)
{
    if (level && !strcmp(level, "owner"))
        return "All";
    if (level && !strcmp(level, "edit"))
        return "Edit";
    return "Read";
}

/* Opportunities and cases have no owner level: Edit at most. */
static const char *sf_level_capped(const char *level)
{
    return level && (!strcmp(level, "owner") || !strcmp(level, "edit")) ? "Edit" : "Read";
}

static const char *sf_cause(const char *cause)
{
    return cause && !strcmp(cause, "rule") ? "Territory2AssignmentRule" : "Territory2Manual";
}

/* "owner" -> "Owner": Salesforce picklist values are capitalised. */
static regio_err role_field(regio_buf *b, const char *role)
{
    char r[64];
    snprintf(r, sizeof r, "%s", role ? role : "rep");
    if (r[0] >= 'a' && r[0] <= 'z')
        r[0] = (char)(r[0] - 'a' + 'A');
    return field(b, r, 0);
}

/* The store's types by priority (Regio's number: 1 is the highest), and
 * the default type after them when a territory has no type (unless a
 * stored type has that DeveloperName already). */
static regio_err build_types(sf_ctx *c, regio_buf *b, size_t *rows)
{
    regio_err rc = REGIO_OK;
    long last = 0;
    int untyped = 0;
    for (size_t i = 0; i < c->nt; i++)
        untyped |= !c->t[i].type;
    *rows = 0;
    for (size_t i = 0; i <= c->ntypes && !rc; i++) {
        const char *name = i < c->ntypes ? c->type_names[i] : DEFAULT_TYPE;
        long prio = i < c->ntypes ? c->type_prio[i] : last + 1;
        if (i == c->ntypes && !untyped)
            break;
        char dev[DEV_CAP], p[24];
        regio_sf_developer_name(name, dev, sizeof dev);
        if (i < c->ntypes && !strcmp(dev, DEFAULT_TYPE))
            untyped = 0; /* a type of that name already stands for the untyped */
        snprintf(p, sizeof p, "%ld", prio);
        last = prio > last ? prio : last;
        const char *cols[] = {dev[0] ? dev : DEFAULT_TYPE, name, p};
        rc = put_row(b, cols, 3);
        (*rows)++;
    }
    return rc;
}

static regio_err build_territories(sf_ctx *c, const char *model_dev, regio_buf *b)
{
    regio_err rc = REGIO_OK;
    for (size_t i = 0; i < c->nt && !rc; i++) {
        const sf_terr *t = &c->t[i];
        char type[DEV_CAP];
        regio_sf_developer_name(t->type ? t->type : DEFAULT_TYPE, type, sizeof type);
        char name[81];
        snprintf(name, sizeof name, "%s", t->name ? t->name : t->id);
        const char *cols[] = {t->dev, name, model_dev, type[0] ? type : DEFAULT_TYPE,
                              t->parent_dev, sf_level(t->level),
                              sf_level_capped(t->level), sf_level_capped(t->level), NULL, NULL};
        size_t nc = sizeof cols / sizeof cols[0];
        for (size_t k = 0; k < nc && !rc; k++)
            rc = field(b, cols[k], k + 1 == nc);
    }
    return rc;
}

static regio_err build_memberships(sf_ctx *c, regio_buf *b)
{
    regio_err rc = REGIO_OK;
    for (size_t i = 0; i < c->nm && !rc; i++) {
        const sf_pair *m = &c->m[i];
        if (!(rc = field(b, m->a, 0)) && !(rc = field(b, m->b, 0)) && !(rc = role_field(b, m->c)))
            rc = field(b, m->active ? "true" : "false", 1);
    }
    return rc;
}

/* One row per account and territory: an account both placed there by
 * geography and by hand (or by a rule) is one association in Salesforce;
 * Territory2Manual wins over Territory2AssignmentRule. */
static regio_err build_associations(sf_ctx *c, regio_buf *b, size_t *rows)
{
    regio_err rc = REGIO_OK;
    size_t n = 0;
    for (size_t i = 0; i < c->nas && !rc; i++) {
        const sf_pair *a = &c->as[i];
        if (i > 0 && !strcmp(a->a, c->as[i - 1].a) && !strcmp(a->b, c->as[i - 1].b))
            continue;
        const char *cause = "rule";
        for (size_t j = i; j < c->nas && !strcmp(c->as[j].a, a->a) && !strcmp(c->as[j].b, a->b);
             j++)
            if (strcmp(c->as[j].c, "rule") != 0)
                cause = c->as[j].c;
        if (!(rc = field(b, a->a, 0)) && !(rc = field(b, a->b, 0)))
            rc = field(b, sf_cause(cause), 1);
        n++;
    }
    *rows = n;
    return rc;
}

/* ---- territory types and assignment rules ---------------------------------- */

static int on_type(void *ud, const regio_territory_type *ty)
{
    sf_ctx *c = ud;
    if (grow((void **)&c->type_names, &c->captypes, c->ntypes, sizeof *c->type_names) ||
        grow((void **)&c->type_prio, &c->capprio, c->ntypes, sizeof *c->type_prio) ||
        !(c->type_names[c->ntypes] = regio_strdup(ty->name ? ty->name : ""))) {
        c->rc = REGIO_ENOMEM;
        return 1;
    }
    c->type_prio[c->ntypes++] = ty->priority;
    return 0;
}

/* A rule: its DeveloperName is made from its territory's and its own name,
 * unique in the export. */
static int on_rule(void *ud, const regio_rule_info *r)
{
    sf_ctx *c = ud;
    long t = terr_of(c, r->territory);
    if (t < 0)
        return 0;
    char want[2 * DEV_CAP], base[DEV_CAP], dev[DEV_CAP];
    snprintf(want, sizeof want, "%s_%s", c->t[t].dev, r->name ? r->name : "rule");
    regio_sf_developer_name(want, base, sizeof base);
    snprintf(dev, sizeof dev, "%s", base);
    for (unsigned k = 2; regio_strmap_get(c->rule_devs, dev) >= 0 && k < 100000; k++)
        snprintf(dev, sizeof dev, "%.70s_%u", base, k % 100000u);
    int found = 0;
    long old = 0;
    regio_err rc = regio_strmap_put(c->rule_devs, dev, 0, &found, &old);
    char label[81];
    snprintf(label, sizeof label, "%s", r->name ? r->name : dev);
    const char *rule[] = {dev, label, c->model_dev, "Account", r->active ? "true" : "false",
                          r->logic && *r->logic ? r->logic : NULL};
    if (!rc)
        rc = put_row(&c->rules, rule, 6);
    const char *link[] = {dev, c->t[t].dev, r->inherit ? "true" : "false"};
    if (!rc)
        rc = put_row(&c->rule_terr, link, 3);
    for (int i = 0; i < r->n_criteria && !rc; i++) {
        const regio_rule_criterion *cr = &r->criteria[i];
        char sort[16], fld[128];
        snprintf(sort, sizeof sort, "%d", i + 1);
        regio__sf_field_out(cr->field ? cr->field : "", fld, sizeof fld);
        char *value = regio_strdup(cr->value ? cr->value : "");
        if (!value) {
            rc = REGIO_ENOMEM;
            break;
        }
        if (cr->op && !strcmp(cr->op, "in"))
            for (char *q = value; *q; q++)
                if (*q == ';')
                    *q = ',';
        const char *item[] = {dev, sort, fld, regio__sf_op_out(cr->op), value};
        rc = put_row(&c->items, item, 5);
        regio_free(value);
        c->nitems++;
    }
    c->nrules++;
    c->rc = rc;
    return rc != REGIO_OK;
}

/* ---- the directory ------------------------------------------------------------ */

static regio_err prepare_dir(const char *dir, regio_error *err)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (errno != ENOENT || mkdir(dir, 0777) != 0)
            return regio_error_setf(err, REGIO_EIO, dir, 0, NULL, "cannot create directory: %s",
                                    strerror(errno));
    } else if (!S_ISDIR(st.st_mode))
        return regio_error_setf(err, REGIO_EIO, dir, 0, NULL, "not a directory");
    if (access(dir, W_OK | X_OK) != 0)
        return regio_error_setf(err, REGIO_EIO, dir, 0, NULL, "cannot write into directory: %s",
                                strerror(errno));
    return REGIO_OK;
}

static void free_pairs(sf_pair *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        regio_free(p[i].a);
        regio_free(p[i].b);
        regio_free(p[i].c);
    }
    regio_free(p);
}

static void ctx_free(sf_ctx *c)
{
    for (size_t i = 0; i < c->nt; i++) {
        regio_free(c->t[i].id);
        regio_free(c->t[i].name);
        regio_free(c->t[i].parent);
        regio_free(c->t[i].type);
        regio_free(c->t[i].level);
    }
    regio_free(c->t);
    free_pairs(c->m, c->nm);
    free_pairs(c->as, c->nas);
    regio_strmap_destroy(c->by_id);
    regio_strmap_destroy(c->unit_terr);
    regio_strmap_destroy(c->moved);
    regio_buf_free(&c->owners);
    for (size_t i = 0; i < c->ntypes; i++)
        regio_free(c->type_names[i]);
    regio_free(c->type_names);
    regio_free(c->type_prio);
    regio_buf_free(&c->rules);
    regio_buf_free(&c->items);
    regio_buf_free(&c->rule_terr);
    regio_strmap_destroy(c->rule_devs);
}

/* The store's error, or ours when a callback stopped the walk. */
static regio_err walked(sf_ctx *c, regio_err rc, regio_error *err)
{
    if (c->rc)
        return regio_error_setf(err, c->rc, NULL, 0, NULL, "export failed: %s",
                                regio_strerror(c->rc));
    return rc;
}

static regio_err read_model(sf_ctx *c, regio_error *err)
{
    regio_err rc = walked(c, regio_store_territories_foreach(c->s, c->model, on_territory, c, err),
                          err);
    if (rc)
        return rc;
    if (!(c->by_id = regio_strmap_create(c->nt)) || !(c->unit_terr = regio_strmap_create(0)) ||
        !(c->moved = regio_strmap_create(0)) || !(c->rule_devs = regio_strmap_create(0)))
        return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    for (size_t i = 0; i < c->nt && !rc; i++) {
        int found = 0;
        long old = 0;
        rc = regio_strmap_put(c->by_id, c->t[i].id ? c->t[i].id : "", (long)i, &found, &old);
    }
    if (!rc)
        rc = name_territories(c);
    if (rc)
        return regio_error_setf(err, rc, NULL, 0, NULL, "export failed: %s", regio_strerror(rc));
    if ((rc = walked(c, regio_store_memberships_foreach(c->s, c->model, on_membership, c, err),
                     err)))
        return rc;
    if ((rc = walked(c, regio_store_alignment_foreach(c->s, c->model, on_alignment, c, err),
                     err)))
        return rc;
    if ((rc = walked(c, regio_store_associations_foreach(c->s, c->model, on_association, c, err),
                     err)))
        return rc;
    if ((rc = walked(c, regio_store_accounts_foreach(c->s, on_account, c, err), err)))
        return rc;
    if ((rc = walked(c, regio_store_types_foreach(c->s, on_type, c, err), err)))
        return rc;
    if ((rc = walked(c, regio_store_rules_foreach(c->s, c->model, NULL, on_rule, c, err), err)))
        return rc;
    /* Sort only now: the maps above hold indices into the unsorted array. */
    measure_depths(c);
    qsort(c->t, c->nt, sizeof *c->t, cmp_terr);
    qsort(c->m, c->nm, sizeof *c->m, cmp_member);
    qsort(c->as, c->nas, sizeof *c->as, cmp_pair);
    return REGIO_OK;
}

regio_err regio_export_salesforce(regio_store *s, const char *model, const char *dir,
                                  regio_sf_summary *sum, regio_error *err)
{
    if (!s || !dir || !*dir)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "regio_export_salesforce: a store and a directory are required");
    regio_model_info mi;
    memset(&mi, 0, sizeof mi);
    regio_err rc = regio_store_model_find(s, model, &mi, err);
    if (rc)
        return rc;
    char model_dev[DEV_CAP];
    regio_sf_developer_name(mi.name, model_dev, sizeof model_dev);
    sf_ctx c;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.model = mi.name;
    c.model_dev = model_dev;
    regio_buf_init(&c.owners, 0);
    regio_buf_init(&c.rules, 0);
    regio_buf_init(&c.items, 0);
    regio_buf_init(&c.rule_terr, 0);
    regio_buf out[REGIO_SF_FILE_COUNT_];
    regio_sf_summary tally;
    memset(&tally, 0, sizeof tally);
    for (int f = 0; f < REGIO_SF_FILE_COUNT_; f++)
        regio_buf_init(&out[f], 0);
    rc = read_model(&c, err);
    int reported = rc != REGIO_OK;
    for (int f = 0; f < REGIO_SF_FILE_COUNT_ && !rc; f++)
        if (!(rc = regio_buf_puts(&out[f], file_headers[f])))
            rc = regio_buf_puts(&out[f], "\n");
    if (!rc)
        rc = build_types(&c, &out[REGIO_SF_TERRITORY2_TYPE], &tally.rows[REGIO_SF_TERRITORY2_TYPE]);
    if (!rc)
        rc = build_territories(&c, model_dev, &out[REGIO_SF_TERRITORY2]);
    tally.rows[REGIO_SF_TERRITORY2] = c.nt;
    if (!rc)
        rc = build_memberships(&c, &out[REGIO_SF_USER_TERRITORY2]);
    tally.rows[REGIO_SF_USER_TERRITORY2] = c.nm;
    if (!rc)
        rc = build_associations(&c, &out[REGIO_SF_OBJECT_TERRITORY2],
                                &tally.rows[REGIO_SF_OBJECT_TERRITORY2]);
    if (!rc && c.rules.len)
        rc = regio_buf_append(&out[REGIO_SF_ASSIGNMENT_RULE], c.rules.data, c.rules.len);
    if (!rc && c.items.len)
        rc = regio_buf_append(&out[REGIO_SF_ASSIGNMENT_RULE_ITEM], c.items.data, c.items.len);
    if (!rc && c.rule_terr.len)
        rc = regio_buf_append(&out[REGIO_SF_RULE_TERRITORY2], c.rule_terr.data, c.rule_terr.len);
    tally.rows[REGIO_SF_ASSIGNMENT_RULE] = tally.rows[REGIO_SF_RULE_TERRITORY2] = c.nrules;
    tally.rows[REGIO_SF_ASSIGNMENT_RULE_ITEM] = c.nitems;
    if (!rc && c.owners.len)
        rc = regio_buf_append(&out[REGIO_SF_ACCOUNT_OWNERS], c.owners.data, c.owners.len);
    tally.rows[REGIO_SF_ACCOUNT_OWNERS] = c.nowners;
    if (rc && !reported)
        rc = regio_error_setf(err, rc, NULL, 0, NULL, "export failed: %s", regio_strerror(rc));
    if (!rc)
        rc = prepare_dir(dir, err);
    regio_buf path;
    regio_buf_init(&path, 0);
    for (int f = 0; f < REGIO_SF_FILE_COUNT_ && !rc; f++) {
        regio_buf_reset(&path);
        if ((rc = regio_buf_printf(&path, "%s/%s", dir, file_names[f])))
            rc = regio_error_setf(err, rc, NULL, 0, NULL, "out of memory");
        else
            rc = regio_output_write(path.data, out[f].data ? out[f].data : "", out[f].len, err);
    }
    regio_buf_free(&path);
    for (int f = 0; f < REGIO_SF_FILE_COUNT_; f++)
        regio_buf_free(&out[f]);
    ctx_free(&c);
    regio_model_info_clear(&mi);
    if (!rc && sum)
        *sum = tally;
    return rc;
}
