/*
 * Imports of the organisation (regio/org.h): roles, users, the territories
 * of a model, memberships and manual account associations, read through
 * the importers' table source and header mapping (so Salesforce exports
 * map as they come). One transaction per file: every row lands or none.
 * Rows are compared with the store first and only differences are
 * written, so importing the same file again writes nothing. A hierarchy
 * (roles, territories) may list children before their parents: unknown
 * parents and cycles are ruled out on the whole file, then rows are
 * written parents first. Errors name the file, the line and the column.
 */
#include "regio/import.h"

#include "regio/buf.h"
#include "regio/fields.h"
#include "regio/org.h"
#include "regio/rule_store.h"
#include "regio/salesforce.h"
#include "regio/strmap.h"
#include "core/error.h"
#include "core/grow.h"
#include "io/import_common.h"
#include "io/salesforce_map.h"
#include "io/table.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- what each import reads ------------------------------------------------ */

#define NSLOT 7

/* Slot 0 names the row: the role, the user's login, the territory, the
 * user of a membership, the account of an association. */
enum { S_KEY = 0 };
/* roles, territories */
enum { S_PARENT = 1, S_RECID = 2, S_LEVEL = 3, S_REP = 4, S_LABEL = 5, S_TYPE = 6 };
/* users */
enum { S_NAME = 1, S_EMAIL = 2, S_ROLE = 3, S_PERMS = 4, S_ACTIVE = 5 };
/* memberships (S_MTERR also the territory of an association) */
enum { S_MTERR = 1, S_MROLE = 2, S_MACTIVE = 3, S_START = 4, S_END = 5 };

typedef enum kind { K_ROLES, K_USERS, K_TERRITORIES, K_MEMBERSHIPS, K_ASSOCIATIONS } kind;

typedef struct kind_desc {
    kind k;
    const char *what; /* "roles": the audit action is "import.roles" */
    const char *noun; /* "role", for messages */
    regio_entity ent;
    regio_field slots[NSLOT];
} kind_desc;

#define NO_FIELD REGIO_F_DROP

static const kind_desc KINDS[] = {
    {K_ROLES, "roles", "role", REGIO_ENTITY_ROLE,
     {REGIO_F_ROLE, REGIO_F_PARENT, REGIO_F_ID, NO_FIELD, NO_FIELD, NO_FIELD, NO_FIELD}},
    {K_USERS, "users", "user", REGIO_ENTITY_USER,
     {REGIO_F_USER, REGIO_F_NAME, REGIO_F_EMAIL, REGIO_F_ROLE, REGIO_F_PERMISSIONS,
      REGIO_F_ACTIVE, NO_FIELD}},
    {K_TERRITORIES, "territories", "territory", REGIO_ENTITY_TERRITORY,
     {REGIO_F_TERRITORY, REGIO_F_PARENT, REGIO_F_ID, REGIO_F_ACCOUNT_ACCESS, REGIO_F_REP,
      REGIO_F_NAME, REGIO_F_TYPE}},
    {K_MEMBERSHIPS, "memberships", "membership", REGIO_ENTITY_MEMBERSHIP,
     {REGIO_F_USER, REGIO_F_TERRITORY, REGIO_F_ROLE, REGIO_F_ACTIVE, REGIO_F_START,
      REGIO_F_END, NO_FIELD}},
    {K_ASSOCIATIONS, "associations", "association", REGIO_ENTITY_ASSOCIATION,
     {REGIO_F_ACCOUNT, REGIO_F_TERRITORY, NO_FIELD, NO_FIELD, NO_FIELD, NO_FIELD, NO_FIELD}},
};

/* One data row: its trimmed values (NULL when empty or without a column)
 * and what was parsed from them. */
typedef struct org_row {
    long line;
    char *v[NSLOT];
    int active;      /* users, memberships: the active cell (1 when empty) */
    unsigned perms;  /* users: REGIO_PERM_* bits */
    long up;         /* roles, territories: node of the parent, -1 for a root */
} org_row;

/* What the store holds already, by key: up to five strings and a number. */
#define CUR_STRS 5
typedef struct cur_entry {
    char *key;
    char *s[CUR_STRS];
    long n;
} cur_entry;

typedef struct cur_set {
    regio_strmap *map;
    cur_entry *e;
    size_t n, cap;
    regio_err rc; /* first failure inside a store callback */
} cur_set;

typedef struct org_ctx {
    const kind_desc *k;
    regio_store *s;
    const char *path;
    const char *actor;
    char *model;             /* the model's name (territories, memberships, associations) */
    regio__table *t;
    regio_header_map *map;
    long col[NSLOT];         /* column of each slot, -1 when the file has none */
    org_row *rows;
    size_t n, cap;
    regio_strmap *keys;      /* row key -> row index */
    regio_strmap *recids;    /* roles, territories: record id -> row index */
    cur_set cur;             /* the rows as stored */
    cur_set ref[2];          /* names rows refer to (see load_state) */
    regio_import_summary *sum;
    size_t counted[3];       /* rows by regio_upsert_result */
    long cause_col;          /* associations: Salesforce's AssociationCause, or -1 */
    size_t rule_rows;        /* associations a rule made: left to the rule run */
} org_ctx;

/* ---- small helpers ----------------------------------------------------------- */

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static void lower(char *s)
{
    for (; s && *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

/* "a\x1fb[\x1fc]" into b: the key of a membership or an association. */
static regio_err pair_key(regio_buf *b, const char *a, const char *x, const char *y)
{
    regio_buf_reset(b);
    regio_err rc = regio_buf_printf(b, "%s\x1f%s", a ? a : "", x ? x : "");
    if (!rc && y)
        rc = regio_buf_printf(b, "\x1f%s", y);
    return rc;
}

static regio_err cur_add(cur_set *c, const char *key, const char *const s[CUR_STRS], long n)
{
    int found = 0;
    long old = 0;
    if (!c->map && !(c->map = regio_strmap_create(256)))
        return REGIO_ENOMEM;
    if (regio__grow(&c->e, &c->cap, c->n + 1, sizeof *c->e))
        return REGIO_ENOMEM;
    cur_entry *e = &c->e[c->n];
    memset(e, 0, sizeof *e);
    e->n = n;
    if (!(e->key = regio_strdup(key)))
        return REGIO_ENOMEM;
    c->n++;
    for (int i = 0; s && i < CUR_STRS; i++)
        if (s[i] && !(e->s[i] = regio_strdup(s[i])))
            return REGIO_ENOMEM;
    return regio_strmap_put(c->map, key, (long)c->n - 1, &found, &old);
}

static const cur_entry *cur_get(const cur_set *c, const char *key)
{
    long i = c->map && key ? regio_strmap_get(c->map, key) : -1;
    return i >= 0 ? &c->e[i] : NULL;
}

static void cur_free(cur_set *c)
{
    for (size_t i = 0; i < c->n; i++) {
        regio_free(c->e[i].key);
        for (int j = 0; j < CUR_STRS; j++)
            regio_free(c->e[i].s[j]);
    }
    regio_free(c->e);
    regio_strmap_destroy(c->map);
    memset(c, 0, sizeof *c);
}

/* ---- errors at a row ----------------------------------------------------------- */

/*
 * Points e, already holding a message (from a check of regio/org.h, the
 * store or row_fail), at row r: the file, the row's line and the column of
 * slot, or of the field e names when the file has a column for it (the
 * store names "role", "start", "account", ...). Returns rc.
 */
static regio_err at_row(const org_ctx *c, const org_row *r, int slot, regio_err rc,
                        regio_error *e)
{
    regio_field f;
    if (e->field[0] && regio_field_from_name(e->field, &f) == REGIO_OK)
        for (int i = 0; i < NSLOT; i++)
            if (c->k->slots[i] == f && c->col[i] >= 0)
                slot = i;
    long col = slot >= 0 ? c->col[slot] : -1;
    snprintf(e->file, sizeof e->file, "%s", c->path);
    e->line = r->line;
    if (col >= 0) {
        snprintf(e->field, sizeof e->field, "%s", regio__table_header(c->t)[col]);
        e->column = col + 1;
    }
    e->code = rc;
    return rc;
}

static regio_err row_fail(const org_ctx *c, const org_row *r, int slot, regio_error *e,
                          const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static regio_err row_fail(const org_ctx *c, const org_row *r, int slot, regio_error *e,
                          const char *fmt, ...)
{
    char msg[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    regio_error_setf(e, REGIO_EDATA, NULL, 0, NULL, "%s", msg);
    return at_row(c, r, slot, REGIO_EDATA, e);
}

/* ---- the store's current rows ------------------------------------------------ */

static int on_role(void *ud, const regio_role_info *r)
{
    cur_set *c = ud;
    const char *s[CUR_STRS] = {r->parent, NULL, NULL, NULL, NULL};
    return (c->rc = cur_add(c, r->name, s, 0)) != REGIO_OK;
}

static int on_user(void *ud, const regio_user_info *u)
{
    cur_set *c = ud;
    const char *s[CUR_STRS] = {u->name, u->email, u->role, NULL, NULL};
    return (c->rc = cur_add(c, u->login, s, (long)u->perms | (u->active ? 0x100 : 0))) != REGIO_OK;
}

static int on_territory(void *ud, const regio_territory_info *t)
{
    cur_set *c = ud;
    const char *s[CUR_STRS] = {t->parent, t->name, t->account_access, t->rep, t->type};
    return (c->rc = cur_add(c, t->id, s, 0)) != REGIO_OK;
}

static int on_type(void *ud, const regio_territory_type *t)
{
    cur_set *c = ud;
    return (c->rc = cur_add(c, t->name, NULL, t->priority)) != REGIO_OK;
}

/* A type may also be named by its Salesforce DeveloperName (Territory2.csv
 * of regio export salesforce): that key's entry names the type in s[0].
 * A DeveloperName that is another type's name stays that type's. */
static regio_err add_type_developer_names(cur_set *c)
{
    size_t n = c->n;
    regio_err rc = REGIO_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        char dev[REGIO__SF_DEV_CAP];
        regio_sf_developer_name(c->e[i].key, dev, sizeof dev);
        const char *s[CUR_STRS] = {c->e[i].key, NULL, NULL, NULL, NULL};
        if (dev[0] && !cur_get(c, dev))
            rc = cur_add(c, dev, s, c->e[i].n);
    }
    return rc;
}

static int on_rep(void *ud, const regio_rep *r)
{
    cur_set *c = ud;
    return (c->rc = cur_add(c, r->id, NULL, 0)) != REGIO_OK;
}

static int on_membership(void *ud, const regio_membership_info *m)
{
    cur_set *c = ud;
    regio_buf b;
    regio_buf_init(&b, 0);
    const char *s[CUR_STRS] = {m->start, m->end, NULL, NULL, NULL};
    c->rc = pair_key(&b, m->user, m->territory, m->role);
    if (!c->rc)
        c->rc = cur_add(c, b.data, s, m->active != 0);
    regio_buf_free(&b);
    return c->rc != REGIO_OK;
}

static int on_association(void *ud, const regio_association_info *a)
{
    cur_set *c = ud;
    if (strcmp(a->cause, "manual") != 0)
        return 0;
    regio_buf b;
    regio_buf_init(&b, 0);
    c->rc = pair_key(&b, a->account, a->territory, NULL);
    if (!c->rc)
        c->rc = cur_add(c, b.data, NULL, 0);
    regio_buf_free(&b);
    return c->rc != REGIO_OK;
}

/* A store read that fills a set: a failure of the callback (out of memory)
 * comes back as the read's cancellation. */
#define READ_INTO(set, call)                                                                \
    do {                                                                                    \
        rc = (call);                                                                        \
        if (rc == REGIO_ECANCELLED && (set)->rc)                                            \
            rc = (set)->rc;                                                                 \
    } while (0)

/*
 * Loads what the rows are compared with (cur) and the names they refer to:
 * users ref[0] = roles; territories ref[0] = reps, ref[1] = territory
 * types; memberships ref[0] =
 * users, ref[1] = territories of the model; associations ref[1] =
 * territories (accounts are checked by the store as it writes).
 */
static regio_err load_state(org_ctx *c, regio_error *e)
{
    regio_store *s = c->s;
    regio_err rc = REGIO_OK;
    switch (c->k->k) {
    case K_ROLES: READ_INTO(&c->cur, regio_store_roles_foreach(s, on_role, &c->cur, e)); break;
    case K_USERS:
        READ_INTO(&c->cur, regio_store_users_foreach(s, NULL, on_user, &c->cur, e));
        if (!rc)
            READ_INTO(&c->ref[0], regio_store_roles_foreach(s, on_role, &c->ref[0], e));
        break;
    case K_TERRITORIES:
        READ_INTO(&c->cur, regio_store_territories_foreach(s, c->model, on_territory, &c->cur, e));
        if (!rc && c->col[S_REP] >= 0)
            READ_INTO(&c->ref[0], regio_store_reps_foreach(s, on_rep, &c->ref[0], e));
        if (!rc && c->col[S_TYPE] >= 0)
            READ_INTO(&c->ref[1], regio_store_types_foreach(s, on_type, &c->ref[1], e));
        if (!rc && c->col[S_TYPE] >= 0)
            rc = add_type_developer_names(&c->ref[1]);
        break;
    case K_MEMBERSHIPS:
        READ_INTO(&c->cur, regio_store_memberships_foreach(s, c->model, on_membership, &c->cur, e));
        if (!rc)
            READ_INTO(&c->ref[0], regio_store_users_foreach(s, NULL, on_user, &c->ref[0], e));
        if (!rc)
            READ_INTO(&c->ref[1],
                      regio_store_territories_foreach(s, c->model, on_territory, &c->ref[1], e));
        break;
    case K_ASSOCIATIONS:
        READ_INTO(&c->cur,
                  regio_store_associations_foreach(s, c->model, on_association, &c->cur, e));
        if (!rc)
            READ_INTO(&c->ref[1],
                      regio_store_territories_foreach(s, c->model, on_territory, &c->ref[1], e));
        break;
    }
    return rc;
}

/* Finds the model (NULL: the active one), creating a planning model of
 * that name for a territory import when there is none. An archived model
 * is history and is not changed. */
static regio_err open_model(org_ctx *c, const char *model, regio_error *e)
{
    regio_model_info mi;
    memset(&mi, 0, sizeof mi);
    regio_err rc = regio_store_model_find(c->s, model, &mi, e);
    if (rc == REGIO_ENOTFOUND && model && c->k->k == K_TERRITORIES) {
        regio_error_clear(e);
        rc = regio_store_model_create(c->s, model, REGIO_MODEL_PLANNING, NULL, NULL, NULL, NULL, e);
        if (!rc)
            snprintf(c->sum->notes, sizeof c->sum->notes,
                     "  created territory model '%.900s' (planning)\n", model);
        if (!rc && !(c->model = regio_strdup(model)))
            rc = REGIO_ENOMEM;
        return rc;
    }
    if (!rc && mi.state == REGIO_MODEL_ARCHIVED)
        rc = regio_error_setf(e, REGIO_ECONFLICT, NULL, 0, NULL,
                              "territory model '%s' is archived and stays as it was; clone it "
                              "(regio model clone) to change it",
                              mi.name);
    if (!rc && !(c->model = regio_strdup(mi.name)))
        rc = REGIO_ENOMEM;
    regio_model_info_clear(&mi);
    return rc;
}

/* ---- reading and checking rows ------------------------------------------------- */

/* Which column holds each slot. A role or a territory is named by its own
 * column (role, territory, DeveloperName); without one by its id, then
 * by name. With its own column, `id` is the record id a parent may refer
 * to (Salesforce's ParentTerritory2Id) and a territory's `name` its
 * display name. */
static void find_columns(org_ctx *c)
{
    for (int i = 0; i < NSLOT; i++)
        c->col[i] = c->k->slots[i] == NO_FIELD ? -1
                                               : regio_header_map_column_of(c->map, c->k->slots[i]);
    /* An association a rule made (Salesforce's AssociationCause
     * Territory2AssignmentRule) is not imported: a rule run makes it. */
    c->cause_col = -1;
    if (c->k->k == K_ASSOCIATIONS)
        for (size_t i = 0; i < regio__table_ncols(c->t); i++)
            if (!strcasecmp(regio__table_header(c->t)[i], "AssociationCause"))
                c->cause_col = (long)i;
    /* Salesforce's Territory2 names its type by the relationship column
     * (regio export salesforce writes it so). */
    if (c->k->k == K_TERRITORIES && c->col[S_TYPE] < 0)
        for (size_t i = 0; i < regio__table_ncols(c->t); i++)
            if (!strcasecmp(regio__table_header(c->t)[i], "Territory2Type.DeveloperName"))
                c->col[S_TYPE] = (long)i;
    if ((c->k->k == K_ROLES || c->k->k == K_TERRITORIES) && c->col[S_KEY] < 0) {
        long id = regio_header_map_column_of(c->map, REGIO_F_ID);
        long name = regio_header_map_column_of(c->map, REGIO_F_NAME);
        c->col[S_KEY] = id >= 0 ? id : name;
        c->col[S_RECID] = -1;
        c->col[S_LABEL] = id >= 0 && c->k->k == K_TERRITORIES ? name : -1;
    }
}

static regio_err check_unique(org_ctx *c, org_row *r, regio_error *e)
{
    regio_buf b;
    regio_buf_init(&b, 0);
    const char *key = r->v[S_KEY];
    regio_err rc = REGIO_OK;
    if (c->k->k == K_MEMBERSHIPS || c->k->k == K_ASSOCIATIONS) {
        rc = pair_key(&b, r->v[S_KEY], r->v[S_MTERR],
                      c->k->k == K_MEMBERSHIPS ? r->v[S_MROLE] : NULL);
        key = b.data;
    }
    int found = 0;
    long first = 0;
    if (!rc)
        rc = regio_strmap_put(c->keys, key, (long)c->n - 1, &found, &first);
    if (!rc && found) {
        const org_row *f = &c->rows[first];
        if (c->k->k == K_MEMBERSHIPS)
            rc = row_fail(c, r, S_KEY, e,
                          "the %s membership of '%s' in territory '%s' appears twice in the file "
                          "(first on line %ld)",
                          r->v[S_MROLE], r->v[S_KEY], r->v[S_MTERR], f->line);
        else if (c->k->k == K_ASSOCIATIONS)
            rc = row_fail(c, r, S_KEY, e,
                          "account '%s' in territory '%s' appears twice in the file (first on "
                          "line %ld)",
                          r->v[S_KEY], r->v[S_MTERR], f->line);
        else
            rc = row_fail(c, r, S_KEY, e, "%s '%s' appears twice in the file (first on line %ld)",
                          c->k->noun, key, f->line);
    }
    int tree = c->k->k == K_ROLES || c->k->k == K_TERRITORIES;
    if (!rc && tree && r->v[S_RECID] && c->col[S_RECID] >= 0) {
        rc = regio_strmap_put(c->recids, r->v[S_RECID], (long)c->n - 1, &found, &first);
        if (!rc && found)
            rc = row_fail(c, r, S_RECID, e, "id '%s' appears twice in the file (first on line %ld)",
                          r->v[S_RECID], c->rows[first].line);
    }
    regio_buf_free(&b);
    return rc;
}

/* A type named by its DeveloperName becomes its name; the type Salesforce
 * gets for a territory without one (REGIO__SF_DEFAULT_TYPE), when the
 * store has no type of that name, is no type. */
static regio_err resolve_type(org_ctx *c, org_row *r)
{
    const cur_entry *ty = cur_get(&c->ref[1], r->v[S_TYPE]);
    if (!r->v[S_TYPE] || (ty && !ty->s[0]))
        return REGIO_OK;
    char *name = NULL;
    if (ty && !(name = regio_strdup(ty->s[0])))
        return REGIO_ENOMEM;
    if (!ty && strcmp(r->v[S_TYPE], REGIO__SF_DEFAULT_TYPE) != 0)
        return REGIO_OK; /* unknown: check_row says so */
    regio_free(r->v[S_TYPE]);
    r->v[S_TYPE] = name;
    return REGIO_OK;
}

/* The values of one row: present, well formed, referring to what exists. */
static regio_err check_row(org_ctx *c, org_row *r, regio_error *e)
{
    static const char *const empty_key[] = {"the role is empty", "the user (login) is empty",
                                            "the territory's name is empty",
                                            "the user is empty", "the account is empty"};
    regio_err rc = REGIO_OK;
    if (!r->v[S_KEY])
        return row_fail(c, r, S_KEY, e, "%s", empty_key[c->k->k]);
    switch (c->k->k) {
    case K_ROLES: break;
    case K_USERS:
        if ((rc = regio_perm_parse(r->v[S_PERMS], &r->perms, e)))
            return at_row(c, r, S_PERMS, rc, e);
        if (r->v[S_ROLE] && !cur_get(&c->ref[0], r->v[S_ROLE]))
            return row_fail(c, r, S_ROLE, e,
                            "unknown role '%s' (import the roles first: regio import roles; an "
                            "empty cell gives no role)",
                            r->v[S_ROLE]);
        break;
    case K_TERRITORIES:
        if (r->v[S_LEVEL]) {
            lower(r->v[S_LEVEL]);
            if (!strcmp(r->v[S_LEVEL], "all")) { /* Salesforce's word for owner */
                char *o = regio_strdup("owner");
                if (!o)
                    return REGIO_ENOMEM;
                regio_free(r->v[S_LEVEL]);
                r->v[S_LEVEL] = o;
            }
            if ((rc = regio_account_level_check(r->v[S_LEVEL], e)))
                return at_row(c, r, S_LEVEL, rc, e);
        }
        if (r->v[S_REP] && !cur_get(&c->ref[0], r->v[S_REP]))
            return row_fail(c, r, S_REP, e,
                            "unknown rep '%s' (a rep's id as regio import reps stored it; an "
                            "empty cell leaves the territory vacant)",
                            r->v[S_REP]);
        if ((rc = resolve_type(c, r)))
            return rc;
        if (r->v[S_TYPE] && !cur_get(&c->ref[1], r->v[S_TYPE]))
            return row_fail(c, r, S_TYPE, e,
                            "unknown territory type '%s' (import the types first: regio import "
                            "types; an empty cell leaves the territory without a type)",
                            r->v[S_TYPE]);
        break;
    case K_MEMBERSHIPS:
        if (!r->v[S_MROLE] && !(r->v[S_MROLE] = regio_strdup("rep")))
            return REGIO_ENOMEM;
        lower(r->v[S_MROLE]);
        if ((rc = regio_membership_role_check(r->v[S_MROLE], e)))
            return at_row(c, r, S_MROLE, rc, e);
        if (!cur_get(&c->ref[0], r->v[S_KEY]))
            return row_fail(c, r, S_KEY, e,
                            "unknown user '%s' (import the users first: regio import users)",
                            r->v[S_KEY]);
        break;
    case K_ASSOCIATIONS: break;
    }
    if (c->k->k == K_MEMBERSHIPS || c->k->k == K_ASSOCIATIONS) {
        if (!r->v[S_MTERR])
            return row_fail(c, r, S_MTERR, e, "the territory is empty");
        if (!cur_get(&c->ref[1], r->v[S_MTERR]))
            return row_fail(c, r, S_MTERR, e, "unknown territory '%s' in territory model '%s'",
                            r->v[S_MTERR], c->model);
    }
    int act = c->k->k == K_USERS ? S_ACTIVE : c->k->k == K_MEMBERSHIPS ? S_MACTIVE : -1;
    r->active = 1;
    if (act >= 0 && r->v[act] && (r->active = regio__parse_bool(r->v[act])) < 0)
        return row_fail(c, r, act, e, "'%s' is not true or false (true, false, 1, 0, yes, no)",
                        r->v[act]);
    return check_unique(c, r, e);
}

static regio_err read_rows(org_ctx *c, regio_error *e)
{
    for (;;) {
        int has = 0;
        regio_err rc = regio__table_next(c->t, &has, e);
        if (rc) {
            regio__error_set_file(e, c->path, 0);
            return rc;
        }
        if (!has)
            return REGIO_OK;
        c->sum->rows++;
        if (c->cause_col >= 0) {
            const char *v = regio__trim_view(regio__table_field(c->t, (size_t)c->cause_col));
            size_t len = regio__trim_len(v);
            if (len == 24 && !strncasecmp(v, "Territory2AssignmentRule", len)) {
                c->rule_rows++;
                continue;
            }
        }
        if (regio__grow(&c->rows, &c->cap, c->n + 1, sizeof *c->rows))
            return REGIO_ENOMEM;
        org_row *r = &c->rows[c->n++];
        memset(r, 0, sizeof *r);
        r->line = regio__table_line(c->t);
        r->up = -1;
        for (int i = 0; i < NSLOT; i++) {
            if (c->col[i] < 0)
                continue;
            const char *v = regio__trim_view(regio__table_field(c->t, (size_t)c->col[i]));
            size_t len = regio__trim_len(v);
            if (len && !(r->v[i] = regio_strndup(v, len)))
                return REGIO_ENOMEM;
        }
        if ((rc = check_row(c, r, e)))
            return rc;
    }
}

/* ---- hierarchies: parents, cycles, order ----------------------------------------- */

/*
 * The hierarchy after the import as a forest over nodes 0..n-1 (the file's
 * rows) and n.. (stored entries the file does not name): a row's parent is
 * the file's (the stored one when the file has no parent column), a stored
 * entry's stays. Parents are looked up by record id (when the file has
 * ids), then by name in the file, then in the store. Fills the rows' `up`
 * and up[] for every node; an unknown parent fails naming its row.
 */
static regio_err link_parents(org_ctx *c, long *up, regio_error *e)
{
    size_t n = c->n;
    for (size_t i = 0; i < n; i++) {
        org_row *r = &c->rows[i];
        const cur_entry *was = cur_get(&c->cur, r->v[S_KEY]);
        int given = c->col[S_PARENT] >= 0;
        const char *p = given ? r->v[S_PARENT] : was ? was->s[0] : NULL;
        long at = -1;
        if (p && given && c->col[S_RECID] >= 0)
            at = regio_strmap_get(c->recids, p);
        if (p && at < 0)
            at = regio_strmap_get(c->keys, p);
        if (p && at < 0) {
            long j = c->cur.map ? regio_strmap_get(c->cur.map, p) : -1;
            if (j >= 0) {
                long f = regio_strmap_get(c->keys, c->cur.e[j].key);
                at = f >= 0 ? f : (long)n + j;
            }
        }
        if (p && at < 0)
            return c->k->k == K_ROLES
                       ? row_fail(c, r, S_PARENT, e,
                                  "unknown parent role '%s': neither in the file nor in the store",
                                  p)
                       : row_fail(c, r, S_PARENT, e,
                                  "unknown parent territory '%s': neither in the file nor in "
                                  "territory model '%s'",
                                  p, c->model);
        up[i] = r->up = at;
    }
    for (size_t j = 0; j < c->cur.n; j++) {
        const char *p = c->cur.e[j].s[0];
        long at = p ? regio_strmap_get(c->keys, p) : -1;
        if (p && at < 0) {
            long k = regio_strmap_get(c->cur.map, p);
            at = k >= 0 ? (long)n + k : -1;
        }
        up[n + j] = at;
    }
    return REGIO_OK;
}

static const char *node_name(const org_ctx *c, long v)
{
    return (size_t)v < c->n ? c->rows[v].v[S_KEY] : c->cur.e[(size_t)v - c->n].key;
}

/* Fails naming the first line (in the file) of the cycle through node v. */
static regio_err cycle_error(const org_ctx *c, long v, const long *up, regio_error *e)
{
    long first = -1;
    long u = v;
    do {
        if ((size_t)u < c->n && (first < 0 || c->rows[u].line < c->rows[first].line))
            first = u;
        u = up[u];
    } while (u != v);
    const org_row *r = &c->rows[first];
    if (r->up == first)
        return row_fail(c, r, S_PARENT, e, "%s '%s' cannot be its own parent", c->k->noun,
                        r->v[S_KEY]);
    int roles = c->k->k == K_ROLES;
    const char *verb = roles ? " reports to " : " under ";
    regio_buf b;
    regio_buf_init(&b, 600);
    u = first;
    do {
        regio_buf_puts(&b, node_name(c, u));
        regio_buf_puts(&b, verb);
        u = up[u];
    } while (u != first);
    regio_buf_puts(&b, node_name(c, first));
    regio_err rc = row_fail(c, r, S_PARENT, e, "%s '%s' %s '%s' would make a cycle: %s",
                            c->k->noun, r->v[S_KEY], roles ? "reporting to" : "under",
                            node_name(c, r->up), b.data ? b.data : "out of memory");
    regio_buf_free(&b);
    return rc;
}

typedef struct by_depth {
    long depth, row;
} by_depth;

static int cmp_depth(const void *a, const void *b)
{
    const by_depth *x = a, *y = b;
    if (x->depth != y->depth)
        return x->depth < y->depth ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

/*
 * Rules out cycles in the hierarchy after the import and puts the rows in
 * the order they are written: by depth, so a parent comes before its
 * children, then as in the file. A forest with one parent per node:
 * O(nodes) to walk, O(rows log rows) to sort. *order gets the row indexes
 * (the caller frees it).
 */
static regio_err order_tree(org_ctx *c, long **order, regio_error *e)
{
    size_t total = c->n + c->cur.n;
    long *up = regio_malloc((total ? total : 1) * sizeof *up);
    long *depth = regio_malloc((total ? total : 1) * sizeof *depth);
    long *stack = regio_malloc((total ? total : 1) * sizeof *stack);
    by_depth *bd = regio_malloc((c->n ? c->n : 1) * sizeof *bd);
    regio_err rc = up && depth && stack && bd ? REGIO_OK : REGIO_ENOMEM;
    if (!rc)
        rc = link_parents(c, up, e);
    /* depth -1: not seen; -2: on the walk in progress (seeing it again is a
     * cycle). Only rows can close a cycle: the stored forest has none. */
    for (size_t v = 0; !rc && v < total; v++)
        depth[v] = -1;
    for (size_t i = 0; !rc && i < c->n; i++) {
        size_t sp = 0;
        long v = (long)i;
        while (v >= 0 && depth[v] == -1) {
            depth[v] = -2;
            stack[sp++] = v;
            v = up[v];
        }
        if (v >= 0 && depth[v] == -2) {
            rc = cycle_error(c, v, up, e);
            break;
        }
        long d = v < 0 ? -1 : depth[v];
        while (sp > 0)
            depth[stack[--sp]] = ++d;
    }
    for (size_t i = 0; !rc && i < c->n; i++) {
        bd[i].depth = depth[i];
        bd[i].row = (long)i;
    }
    if (!rc) {
        qsort(bd, c->n, sizeof *bd, cmp_depth);
        *order = stack; /* reused: n <= total */
        for (size_t i = 0; i < c->n; i++)
            stack[i] = bd[i].row;
        stack = NULL;
    }
    regio_free(up);
    regio_free(depth);
    regio_free(stack);
    regio_free(bd);
    return rc;
}

/* ---- writing ----------------------------------------------------------------- */

/* Counts what was done with a row (regio_upsert_result). */
static void count(org_ctx *c, regio_upsert_result r)
{
    c->counted[r]++;
}

static const char *parent_key(const org_ctx *c, const org_row *r)
{
    return r->up < 0 ? NULL : node_name(c, r->up);
}

static regio_err write_role(org_ctx *c, const org_row *r, regio_error *e)
{
    const cur_entry *was = cur_get(&c->cur, r->v[S_KEY]);
    const char *parent = parent_key(c, r);
    if (was && same(was->s[0], parent)) {
        count(c, REGIO_UPSERT_UNCHANGED);
        return REGIO_OK;
    }
    regio_err rc = regio_store_role_upsert(c->s, r->v[S_KEY], parent, c->actor, e);
    if (rc)
        return at_row(c, r, S_PARENT, rc, e);
    count(c, was ? REGIO_UPSERT_UPDATED : REGIO_UPSERT_ADDED);
    return REGIO_OK;
}

/* The users of a file, written in one call (a bulk path on PostgreSQL);
 * row[i] is the row of u[i]. */
typedef struct user_batch {
    regio_user_info *u;
    const org_row **row;
    size_t n;
} user_batch;

/* A column the file does not have keeps what the store holds. */
static regio_err write_user(org_ctx *c, const org_row *r, user_batch *batch)
{
    const cur_entry *was = cur_get(&c->cur, r->v[S_KEY]);
    regio_user_info u;
    memset(&u, 0, sizeof u);
    u.login = r->v[S_KEY];
    u.name = c->col[S_NAME] >= 0 ? r->v[S_NAME] : was ? was->s[0] : NULL;
    u.email = c->col[S_EMAIL] >= 0 ? r->v[S_EMAIL] : was ? was->s[1] : NULL;
    u.role = c->col[S_ROLE] >= 0 ? r->v[S_ROLE] : was ? was->s[2] : NULL;
    u.perms = c->col[S_PERMS] >= 0 ? r->perms : was ? (unsigned)(was->n & 0xff) : 0;
    u.active = c->col[S_ACTIVE] >= 0 ? r->active : was ? (was->n & 0x100) != 0 : 1;
    batch->u[batch->n] = u;
    batch->row[batch->n++] = r;
    return REGIO_OK;
}

static regio_err write_users(org_ctx *c, const user_batch *batch, regio_error *e)
{
    regio_upsert_result *res = regio_malloc((batch->n ? batch->n : 1) * sizeof *res);
    if (!res)
        return REGIO_ENOMEM;
    size_t bad = 0;
    regio_err rc = regio_store_users_upsert(c->s, batch->u, batch->n, c->actor, res, &bad, e);
    for (size_t i = 0; !rc && i < batch->n; i++)
        count(c, res[i]);
    regio_free(res);
    return rc && bad < batch->n ? at_row(c, batch->row[bad], S_KEY, rc, e) : rc;
}

/* The territories of a file whose name, parent and rep are written in one
 * call (a bulk path on PostgreSQL); row[i] is the row of t[i]. */
typedef struct territory_batch {
    regio_territory_write *t;
    const org_row **row;
    size_t n;
} territory_batch;

static regio_err write_territories(org_ctx *c, territory_batch *batch, regio_error *e)
{
    size_t bad = 0;
    int bad_rep = 0;
    regio_err rc = batch->n ? regio_store_territories_write(c->s, c->model, batch->t, batch->n,
                                                            &bad, &bad_rep, e)
                            : REGIO_OK;
    size_t n = batch->n;
    batch->n = 0;
    if (!rc || bad >= n)
        return rc;
    return bad_rep ? at_row(c, batch->row[bad], S_REP, rc == REGIO_ENOTFOUND ? REGIO_EDATA : rc, e)
                   : at_row(c, batch->row[bad], S_PARENT, rc, e);
}

/* An empty account_access keeps the level (a new territory gets the
 * store's default); an empty rep, when the file has the column, leaves
 * the territory vacant. A row that sets neither level nor type joins the
 * batch; one that does writes the batch first, then itself. */
static regio_err write_territory(org_ctx *c, const org_row *r, territory_batch *batch,
                                 regio_error *e)
{
    const cur_entry *was = cur_get(&c->cur, r->v[S_KEY]);
    const char *key = r->v[S_KEY], *parent = parent_key(c, r), *label = r->v[S_LABEL];
    const char *level = r->v[S_LEVEL], *rep = r->v[S_REP], *type = r->v[S_TYPE];
    int upsert = !was || !same(was->s[0], parent) || (label && !same(label, was->s[1]));
    int set_level = level && (!was || !same(level, was->s[2]));
    int set_rep = c->col[S_REP] >= 0 && (was ? !same(rep, was->s[3]) : rep != NULL);
    int set_type = c->col[S_TYPE] >= 0 && (was ? !same(type, was->s[4]) : type != NULL);
    regio_err rc = REGIO_OK;
    count(c, !was                                           ? REGIO_UPSERT_ADDED
             : upsert || set_level || set_rep || set_type ? REGIO_UPSERT_UPDATED
                                                           : REGIO_UPSERT_UNCHANGED);
    if (!set_level && !set_type) {
        if (upsert || set_rep) {
            regio_territory_write w = {key, label, parent, rep, upsert, set_rep};
            batch->t[batch->n] = w;
            batch->row[batch->n++] = r;
        }
        return REGIO_OK;
    }
    if ((rc = write_territories(c, batch, e)))
        return rc;
    if (upsert && (rc = regio_store_territory_upsert(c->s, c->model, key, label, parent, e)))
        return at_row(c, r, S_PARENT, rc, e);
    if (set_level &&
        (rc = regio_store_territory_set_access(c->s, c->model, key, level, c->actor, e)))
        return at_row(c, r, S_LEVEL, rc, e);
    if (set_rep && (rc = regio_store_territory_set_rep(c->s, c->model, key, rep, e)))
        return at_row(c, r, S_REP, rc == REGIO_ENOTFOUND ? REGIO_EDATA : rc, e);
    if (set_type &&
        (rc = regio_store_territory_set_type(c->s, c->model, key, type, c->actor, e)))
        return at_row(c, r, S_TYPE, rc, e);
    return REGIO_OK;
}

/* The memberships a file adds or changes, written in one call (a bulk
 * path on PostgreSQL); row[i] is the row of m[i]. */
typedef struct membership_batch {
    regio_membership_info *m;
    const org_row **row;
    size_t n;
} membership_batch;

static regio_err write_membership(org_ctx *c, const org_row *r, regio_buf *key,
                                  membership_batch *batch, regio_error *e)
{
    regio_err rc = pair_key(key, r->v[S_KEY], r->v[S_MTERR], r->v[S_MROLE]);
    if (rc)
        return rc;
    const cur_entry *was = cur_get(&c->cur, key->data);
    regio_membership_info m;
    m.user = r->v[S_KEY];
    m.territory = r->v[S_MTERR];
    m.role = r->v[S_MROLE];
    m.active = c->col[S_MACTIVE] >= 0 ? r->active : was ? (int)was->n : 1;
    m.start = c->col[S_START] >= 0 ? r->v[S_START] : was ? was->s[0] : NULL;
    m.end = c->col[S_END] >= 0 ? r->v[S_END] : was ? was->s[1] : NULL;
    if (was && same(m.start, was->s[0]) && same(m.end, was->s[1]) && m.active == was->n) {
        count(c, REGIO_UPSERT_UNCHANGED);
        return REGIO_OK;
    }
    batch->m[batch->n] = m;
    batch->row[batch->n++] = r;
    count(c, was ? REGIO_UPSERT_UPDATED : REGIO_UPSERT_ADDED);
    return REGIO_OK;
}

static regio_err write_memberships(org_ctx *c, const membership_batch *batch, regio_error *e)
{
    size_t bad = 0;
    regio_err rc = regio_store_memberships_upsert(c->s, c->model, batch->m, batch->n, c->actor,
                                                  &bad, e);
    return rc && bad < batch->n ? at_row(c, batch->row[bad], S_KEY, rc, e) : rc;
}

static regio_err write_association(org_ctx *c, const org_row *r, regio_buf *key, regio_error *e)
{
    regio_err rc = pair_key(key, r->v[S_KEY], r->v[S_MTERR], NULL);
    if (rc)
        return rc;
    if (cur_get(&c->cur, key->data)) {
        count(c, REGIO_UPSERT_UNCHANGED);
        return REGIO_OK;
    }
    if ((rc = regio_store_association_set(c->s, c->model, r->v[S_KEY], r->v[S_MTERR], 1, c->actor,
                                          e)))
        return at_row(c, r, S_KEY, rc, e);
    count(c, REGIO_UPSERT_ADDED);
    return REGIO_OK;
}

static regio_err write_rows(org_ctx *c, regio_error *e)
{
    long *order = NULL;
    regio_err rc = REGIO_OK;
    if (c->k->k == K_ROLES || c->k->k == K_TERRITORIES)
        rc = order_tree(c, &order, e);
    regio_buf key;
    regio_buf_init(&key, 0);
    membership_batch batch = {NULL, NULL, 0};
    user_batch users = {NULL, NULL, 0};
    territory_batch terrs = {NULL, NULL, 0};
    if (!rc && c->k->k == K_MEMBERSHIPS) {
        batch.m = regio_malloc((c->n ? c->n : 1) * sizeof *batch.m);
        batch.row = regio_malloc((c->n ? c->n : 1) * sizeof *batch.row);
        if (!batch.m || !batch.row)
            rc = REGIO_ENOMEM;
    }
    if (!rc && c->k->k == K_USERS) {
        users.u = regio_malloc((c->n ? c->n : 1) * sizeof *users.u);
        users.row = regio_malloc((c->n ? c->n : 1) * sizeof *users.row);
        if (!users.u || !users.row)
            rc = REGIO_ENOMEM;
    }
    if (!rc && c->k->k == K_TERRITORIES) {
        terrs.t = regio_malloc((c->n ? c->n : 1) * sizeof *terrs.t);
        terrs.row = regio_malloc((c->n ? c->n : 1) * sizeof *terrs.row);
        if (!terrs.t || !terrs.row)
            rc = REGIO_ENOMEM;
    }
    for (size_t i = 0; !rc && i < c->n; i++) {
        const org_row *r = &c->rows[order ? (size_t)order[i] : i];
        switch (c->k->k) {
        case K_ROLES: rc = write_role(c, r, e); break;
        case K_USERS: rc = write_user(c, r, &users); break;
        case K_TERRITORIES: rc = write_territory(c, r, &terrs, e); break;
        case K_MEMBERSHIPS: rc = write_membership(c, r, &key, &batch, e); break;
        case K_ASSOCIATIONS: rc = write_association(c, r, &key, e); break;
        }
    }
    if (!rc && batch.n)
        rc = write_memberships(c, &batch, e);
    if (!rc && users.n)
        rc = write_users(c, &users, e);
    if (!rc && terrs.n)
        rc = write_territories(c, &terrs, e);
    regio_free(terrs.t);
    regio_free(terrs.row);
    regio_free(users.u);
    regio_free(users.row);
    regio_free(batch.m);
    regio_free(batch.row);
    regio_buf_free(&key);
    regio_free(order);
    c->sum->added = c->counted[REGIO_UPSERT_ADDED];
    c->sum->updated = c->counted[REGIO_UPSERT_UPDATED];
    c->sum->unchanged = c->counted[REGIO_UPSERT_UNCHANGED];
    return rc;
}

/* One audit record for the file, when it changed anything (each write has
 * its own record too; the territories' hierarchy only this one). */
static regio_err audit_import(org_ctx *c, regio_error *e)
{
    const regio_import_summary *sum = c->sum;
    if (sum->added + sum->updated == 0)
        return REGIO_OK;
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc = regio_buf_printf(&b, "{\"rows\":%zu,\"added\":%zu,\"updated\":%zu,"
                                        "\"unchanged\":%zu",
                                    sum->rows, sum->added, sum->updated, sum->unchanged);
    if (!rc && c->model)
        rc = regio_buf_puts(&b, ",\"model\":");
    if (!rc && c->model)
        rc = regio_buf_json_str(&b, c->model);
    if (!rc)
        rc = regio_buf_putc(&b, '}');
    char action[32];
    snprintf(action, sizeof action, "import.%s", c->k->what);
    if (!rc)
        rc = regio_store_audit_append(c->s, c->actor, action, "file", c->path, NULL, b.data, e);
    regio_buf_free(&b);
    return rc;
}

/* ---- the driver -------------------------------------------------------------- */

static regio_err import_org(regio_store *s, kind k, const char *path, const char *model,
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
    regio_error e;
    regio_error_clear(&e);
    regio_error_clear(err);
    if (!s || !path)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "no store or no file to import");
    if (opts->skip_invalid)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "an import of %s is all or nothing: skipping invalid rows is for "
                                "accounts and reps",
                                KINDS[k].what);
    org_ctx c;
    memset(&c, 0, sizeof c);
    c.k = &KINDS[k];
    c.s = s;
    c.path = path;
    c.actor = opts->actor ? opts->actor : "cli";
    c.sum = sum;
    int in_txn = 0;
    regio_err rc = regio__table_open(path, opts->sep, &c.t, &e);
    if (!rc) {
        rc = regio_header_map_build(c.k->ent, regio__table_header(c.t), regio__table_ncols(c.t),
                                    opts->maps, opts->n_maps, &c.map, &e);
        if (rc)
            regio__error_set_file(&e, path, 1);
    }
    if (!rc) {
        find_columns(&c);
        c.keys = regio_strmap_create(1024);
        c.recids = regio_strmap_create(64);
        rc = c.keys && c.recids ? REGIO_OK : REGIO_ENOMEM;
    }
    if (!rc && !opts->in_transaction && !(rc = regio_store_begin(s, &e)))
        in_txn = 1;
    if (!rc && k != K_ROLES && k != K_USERS)
        rc = open_model(&c, model, &e);
    if (!rc)
        rc = load_state(&c, &e);
    if (!rc)
        rc = read_rows(&c, &e);
    if (!rc)
        rc = write_rows(&c, &e);
    if (!rc && c.rule_rows)
        snprintf(sum->notes, sizeof sum->notes,
                 "  %zu association%s made by assignment rules (Territory2AssignmentRule) not "
                 "imported: regio rules run makes them\n",
                 c.rule_rows, c.rule_rows == 1 ? "" : "s");
    if (!rc && !opts->dry_run)
        rc = audit_import(&c, &e);
    if (!rc && !opts->dry_run && in_txn)
        rc = regio_store_commit(s, &e);
    else if (in_txn)
        regio_store_rollback(s, NULL);
    if (rc == REGIO_ENOMEM)
        regio__file_error(&e, REGIO_ENOMEM, path, "out of memory");
    if (rc && err)
        *err = e;
    if (rc)
        sum->notes[0] = '\0';
    for (size_t i = 0; i < c.n; i++)
        for (int j = 0; j < NSLOT; j++)
            regio_free(c.rows[i].v[j]);
    regio_free(c.rows);
    cur_free(&c.cur);
    cur_free(&c.ref[0]);
    cur_free(&c.ref[1]);
    regio_strmap_destroy(c.keys);
    regio_strmap_destroy(c.recids);
    regio_free(c.model);
    regio_header_map_destroy(c.map);
    regio__table_close(c.t);
    return rc;
}

regio_err regio_import_roles(regio_store *s, const char *path, const regio_import_opts *opts,
                             regio_import_summary *sum, regio_error *err)
{
    return import_org(s, K_ROLES, path, NULL, opts, sum, err);
}

regio_err regio_import_users(regio_store *s, const char *path, const regio_import_opts *opts,
                             regio_import_summary *sum, regio_error *err)
{
    return import_org(s, K_USERS, path, NULL, opts, sum, err);
}

regio_err regio_import_territories(regio_store *s, const char *path, const char *model,
                                   const regio_import_opts *opts, regio_import_summary *sum,
                                   regio_error *err)
{
    return import_org(s, K_TERRITORIES, path, model, opts, sum, err);
}

regio_err regio_import_memberships(regio_store *s, const char *path, const char *model,
                                   const regio_import_opts *opts, regio_import_summary *sum,
                                   regio_error *err)
{
    return import_org(s, K_MEMBERSHIPS, path, model, opts, sum, err);
}

regio_err regio_import_associations(regio_store *s, const char *path, const char *model,
                                    const regio_import_opts *opts, regio_import_summary *sum,
                                    regio_error *err)
{
    return import_org(s, K_ASSOCIATIONS, path, model, opts, sum, err);
}
