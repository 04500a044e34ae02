/*
 * The access decision (docs/ACCESS.md): a snapshot of the organisation for
 * one day, loaded once, and the level of any user on any account computed
 * from it. Roles are numbered by an Euler tour of the role tree so that
 * "role r is a proper ancestor of role q" is two comparisons; territories
 * keep their parent and their current members; accounts keep their owner
 * and their territories (geo first, then rule and manual ones).
 */
#include "regio/access.h"

#include "core/grow.h"
#include "regio/buf.h"
#include "regio/strmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { CAUSE_GEO = 0, CAUSE_RULE = 1, CAUSE_MANUAL = 2 };
static const char *const CAUSE_NAMES[3] = {"geo", "rule", "manual"};

/* Strings kept in one growing block, addressed by offset until the block
 * stops moving. */
typedef struct arena {
    regio_buf b;
} arena;

static long arena_add(arena *ar, const char *s, regio_err *rc)
{
    long off = (long)ar->b.len;
    if (!*rc)
        *rc = regio_buf_append(&ar->b, s ? s : "", strlen(s ? s : "") + 1);
    return off;
}

typedef struct membership {
    long user;
    int role; /* index into MEMBER_ROLES */
} membership;

static const char *const MEMBER_ROLES[5] = {"owner", "rep", "overlay", "manager", "admin"};

struct regio_access {
    char day[11];
    char *model;
    arena names;
    /* users */
    long n_users;
    long *user_name; /* offsets */
    long *user_role;
    unsigned *user_perm;
    unsigned char *user_active;
    regio_strmap *user_map;
    /* roles, by Euler tour */
    long n_roles;
    long *role_name, *role_parent, *tin, *tout;
    /* territories of the model in force */
    long n_terr;
    long *terr_name, *terr_parent, *terr_topo;
    unsigned char *terr_level;
    regio_strmap *terr_map;
    long *mem_start; /* n_terr + 1 */
    membership *mem;
    /* accounts */
    long n_acc;
    long *acc_name, *acc_owner;
    long *as_start; /* n_acc + 1 */
    long *as_terr;
    unsigned char *as_cause;
    /* the same, inverted, for listing what one user reads without
     * visiting every account: each territory's accounts and each user's
     * owned accounts, ascending (CSR) */
    long *ta_start; /* n_terr + 1 */
    long *ta_acc;
    long *own_start; /* n_users + 1 */
    long *own_acc;
};

const char *regio_access_level_name(regio_access_level l)
{
    static const char *const names[4] = {"none", "read", "edit", "owner"};
    return (int)l >= 0 && (int)l < 4 ? names[l] : "none";
}

int regio_access_level_parse(const char *name)
{
    for (int i = 0; i < 4 && name; i++)
        if (!strcmp(name, regio_access_level_name((regio_access_level)i)))
            return i;
    return -1;
}

static const char *nm(const regio_access *a, long off)
{
    return a->names.b.data + off;
}

/* ---- loading ----------------------------------------------------------------- */

typedef struct loader {
    regio_access *a;
    regio_err rc;
    size_t cap_users, cap_roles, cap_terr, cap_mem, cap_acc, cap_x;
    long *role_parent_name; /* parent name offsets while reading, -1 for none */
    long *terr_parent_name;
    regio_strmap *role_map;
    regio_strmap *unit_map; /* unit ext id -> territory index */
    long *mem_terr;         /* territory of each membership, before sorting */
    long n_mem;
    long *acc_geo;          /* account -> geo territory (-1) */
    long *x_acc, *x_terr;   /* rule and manual associations */
    unsigned char *x_cause;
    long n_x;
} loader;

static int on_role(void *ud, const regio_role_info *r)
{
    loader *l = ud;
    regio_access *a = l->a;
    long i = a->n_roles;
    if ((l->rc = regio__grow(&a->role_name, &l->cap_roles, (size_t)i + 1, sizeof *a->role_name)))
        return 1;
    a->role_name[i] = arena_add(&a->names, r->name, &l->rc);
    int found = 0;
    long old = 0;
    if (!l->rc)
        l->rc = regio_strmap_put(l->role_map, r->name, i, &found, &old);
    a->n_roles++;
    return l->rc != REGIO_OK;
}

static int on_user(void *ud, const regio_user_info *u)
{
    loader *l = ud;
    regio_access *a = l->a;
    long i = a->n_users;
    size_t cap = l->cap_users;
    if ((l->rc = regio__grow(&a->user_name, &cap, (size_t)i + 1, sizeof *a->user_name)))
        return 1;
    cap = l->cap_users;
    if ((l->rc = regio__grow(&a->user_role, &cap, (size_t)i + 1, sizeof *a->user_role)))
        return 1;
    cap = l->cap_users;
    if ((l->rc = regio__grow(&a->user_perm, &cap, (size_t)i + 1, sizeof *a->user_perm)))
        return 1;
    cap = l->cap_users;
    if ((l->rc = regio__grow(&a->user_active, &cap, (size_t)i + 1, sizeof *a->user_active)))
        return 1;
    l->cap_users = cap;
    a->user_name[i] = arena_add(&a->names, u->login, &l->rc);
    a->user_role[i] = u->role ? regio_strmap_get(l->role_map, u->role) : -1;
    a->user_perm[i] = u->perms;
    a->user_active[i] = u->active != 0;
    int found = 0;
    long old = 0;
    if (!l->rc)
        l->rc = regio_strmap_put(a->user_map, u->login, i, &found, &old);
    a->n_users++;
    return l->rc != REGIO_OK;
}

static int on_territory(void *ud, const regio_territory_info *t)
{
    loader *l = ud;
    regio_access *a = l->a;
    long i = a->n_terr;
    size_t cap = l->cap_terr;
    if ((l->rc = regio__grow(&a->terr_name, &cap, (size_t)i + 1, sizeof(long))))
        return 1;
    cap = l->cap_terr;
    if ((l->rc = regio__grow(&l->terr_parent_name, &cap, (size_t)i + 1, sizeof(long))))
        return 1;
    cap = l->cap_terr;
    if ((l->rc = regio__grow(&a->terr_level, &cap, (size_t)i + 1, 1)))
        return 1;
    l->cap_terr = cap;
    a->terr_name[i] = arena_add(&a->names, t->id, &l->rc);
    l->terr_parent_name[i] = t->parent ? arena_add(&a->names, t->parent, &l->rc) : -1;
    int lv = regio_access_level_parse(t->account_access);
    a->terr_level[i] = (unsigned char)(lv > 0 ? lv : REGIO_LEVEL_READ);
    int found = 0;
    long old = 0;
    if (!l->rc)
        l->rc = regio_strmap_put(a->terr_map, t->id, i, &found, &old);
    a->n_terr++;
    return l->rc != REGIO_OK;
}

/* Rule 16: a membership grants on day d when active and its dates cover d. */
static int member_current(const regio_membership_info *m, const char *day)
{
    return m->active && (!m->start || strcmp(m->start, day) <= 0) &&
           (!m->end || strcmp(m->end, day) > 0);
}

static int on_membership(void *ud, const regio_membership_info *m)
{
    loader *l = ud;
    regio_access *a = l->a;
    if (!member_current(m, a->day))
        return 0;
    long u = regio_strmap_get(a->user_map, m->user);
    long t = regio_strmap_get(a->terr_map, m->territory);
    int role = -1;
    for (int i = 0; i < 5; i++)
        if (!strcmp(m->role, MEMBER_ROLES[i]))
            role = i;
    if (u < 0 || t < 0 || role < 0)
        return 0;
    size_t cap = l->cap_mem;
    if ((l->rc = regio__grow(&a->mem, &cap, (size_t)l->n_mem + 1, sizeof *a->mem)))
        return 1;
    cap = l->cap_mem;
    if ((l->rc = regio__grow(&l->mem_terr, &cap, (size_t)l->n_mem + 1, sizeof(long))))
        return 1;
    l->cap_mem = cap;
    a->mem[l->n_mem] = (membership){u, role};
    l->mem_terr[l->n_mem++] = t;
    return 0;
}

static int on_alignment(void *ud, const regio_alignment_row *r)
{
    loader *l = ud;
    if (!r->unit_id || !r->territory)
        return 0;
    long t = regio_strmap_get(l->a->terr_map, r->territory);
    int found = 0;
    long old = 0;
    if (t >= 0)
        l->rc = regio_strmap_put(l->unit_map, r->unit_id, t, &found, &old);
    return l->rc != REGIO_OK;
}

static int on_account(void *ud, const char *id, const char *owner, const char *unit)
{
    loader *l = ud;
    regio_access *a = l->a;
    long i = a->n_acc;
    size_t cap = l->cap_acc;
    if ((l->rc = regio__grow(&a->acc_name, &cap, (size_t)i + 1, sizeof(long))))
        return 1;
    cap = l->cap_acc;
    if ((l->rc = regio__grow(&a->acc_owner, &cap, (size_t)i + 1, sizeof(long))))
        return 1;
    cap = l->cap_acc;
    if ((l->rc = regio__grow(&l->acc_geo, &cap, (size_t)i + 1, sizeof(long))))
        return 1;
    l->cap_acc = cap;
    a->acc_name[i] = arena_add(&a->names, id, &l->rc);
    a->acc_owner[i] = owner ? regio_strmap_get(a->user_map, owner) : -1;
    l->acc_geo[i] = unit && l->unit_map ? regio_strmap_get(l->unit_map, unit) : -1;
    a->n_acc++;
    return l->rc != REGIO_OK;
}

static int on_association(void *ud, const regio_association_info *as)
{
    loader *l = ud;
    regio_access *a = l->a;
    long acc = regio_access_account(a, as->account);
    long t = regio_strmap_get(a->terr_map, as->territory);
    if (acc < 0 || t < 0)
        return 0;
    int cause = !strcmp(as->cause, "geo") ? CAUSE_GEO
                : !strcmp(as->cause, "rule") ? CAUSE_RULE
                                             : CAUSE_MANUAL;
    if (cause == CAUSE_GEO) { /* a hand move replaces the unit's territory */
        l->acc_geo[acc] = t;
        return 0;
    }
    size_t cap = l->cap_x;
    if ((l->rc = regio__grow(&l->x_acc, &cap, (size_t)l->n_x + 1, sizeof(long))))
        return 1;
    cap = l->cap_x;
    if ((l->rc = regio__grow(&l->x_terr, &cap, (size_t)l->n_x + 1, sizeof(long))))
        return 1;
    cap = l->cap_x;
    if ((l->rc = regio__grow(&l->x_cause, &cap, (size_t)l->n_x + 1, 1)))
        return 1;
    l->cap_x = cap;
    l->x_acc[l->n_x] = acc;
    l->x_terr[l->n_x] = t;
    l->x_cause[l->n_x++] = (unsigned char)cause;
    return 0;
}

static regio_err oom(regio_error *err)
{
    return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL,
                            "out of memory loading the access snapshot");
}

/* Euler tour of the role tree (children in name order; roles arrive
 * parents first, so a child's index is above its parent's). */
static regio_err roles_finish(regio_access *a, loader *l, regio_error *err)
{
    long n = a->n_roles;
    a->tin = regio_calloc((size_t)n + 1, sizeof(long));
    a->tout = regio_calloc((size_t)n + 1, sizeof(long));
    long *first = regio_malloc(((size_t)n + 1) * sizeof(long));
    long *next = regio_malloc(((size_t)n + 1) * sizeof(long));
    long *stack = regio_malloc(((size_t)n + 1) * sizeof(long));
    if (!a->tin || !a->tout || !first || !next || !stack) {
        regio_free(first);
        regio_free(next);
        regio_free(stack);
        return oom(err);
    }
    for (long i = 0; i < n; i++)
        first[i] = -1;
    /* Children lists in reverse index order, so popping visits them in order. */
    long roots = -1;
    for (long i = n - 1; i >= 0; i--) {
        long p = a->role_parent[i];
        if (p >= 0) {
            next[i] = first[p];
            first[p] = i;
        } else {
            next[i] = roots;
            roots = i;
        }
    }
    long *cursor = regio_malloc(((size_t)n + 1) * sizeof(long));
    if (!cursor) {
        regio_free(first);
        regio_free(next);
        regio_free(stack);
        return oom(err);
    }
    for (long i = 0; i < n; i++)
        cursor[i] = first[i];
    long clock = 0, sp = 0;
    for (long r = roots; r >= 0; r = next[r]) {
        stack[sp++] = r;
        a->tin[r] = clock++;
        while (sp) {
            long v = stack[sp - 1];
            long c = cursor[v];
            if (c >= 0) {
                cursor[v] = next[c];
                a->tin[c] = clock++;
                stack[sp++] = c;
            } else {
                a->tout[v] = clock;
                sp--;
            }
        }
    }
    regio_free(cursor);
    (void)l;
    regio_free(first);
    regio_free(next);
    regio_free(stack);
    return REGIO_OK;
}

/* Territories: parents by name, a parents-first order, members by territory. */
static regio_err territories_finish(regio_access *a, loader *l, regio_error *err)
{
    long n = a->n_terr;
    a->terr_parent = regio_malloc(((size_t)n + 1) * sizeof(long));
    a->terr_topo = regio_malloc(((size_t)n + 1) * sizeof(long));
    a->mem_start = regio_calloc((size_t)n + 2, sizeof(long));
    long *depth = regio_calloc((size_t)n + 1, sizeof(long));
    if (!a->terr_parent || !a->terr_topo || !a->mem_start || !depth) {
        regio_free(depth);
        return oom(err);
    }
    for (long i = 0; i < n; i++)
        a->terr_parent[i] =
            l->terr_parent_name[i] >= 0
                ? regio_strmap_get(a->terr_map, nm(a, l->terr_parent_name[i]))
                : -1;
    /* Depth by walking up (the store keeps the forest acyclic and shallow). */
    long maxd = 0;
    for (long i = 0; i < n; i++) {
        long d = 0;
        for (long p = a->terr_parent[i]; p >= 0 && d <= n; p = a->terr_parent[p])
            d++;
        depth[i] = d;
        if (d > maxd)
            maxd = d;
    }
    long k = 0;
    for (long d = 0; d <= maxd; d++)
        for (long i = 0; i < n; i++)
            if (depth[i] == d)
                a->terr_topo[k++] = i;
    regio_free(depth);
    /* Members grouped by territory (counting sort keeps the store's order). */
    membership *sorted = regio_malloc(((size_t)l->n_mem + 1) * sizeof *sorted);
    if (!sorted)
        return oom(err);
    for (long m = 0; m < l->n_mem; m++)
        a->mem_start[l->mem_terr[m] + 1]++;
    for (long t = 0; t < n; t++)
        a->mem_start[t + 1] += a->mem_start[t];
    long *fill = regio_malloc(((size_t)n + 1) * sizeof(long));
    if (!fill) {
        regio_free(sorted);
        return oom(err);
    }
    memcpy(fill, a->mem_start, (size_t)n * sizeof(long));
    for (long m = 0; m < l->n_mem; m++)
        sorted[fill[l->mem_terr[m]]++] = a->mem[m];
    regio_free(fill);
    regio_free(a->mem);
    a->mem = sorted;
    return REGIO_OK;
}

/* Inverts rows 0..n, row i holding keys[from[i] .. from[i + 1]) (from
 * NULL: the one key keys[i]; a negative key is none), into CSR start[m + 1]
 * / out: for each key in [0, m) the rows holding it, ascending. */
static regio_err invert(const long *from, const long *keys, long n, long m, long **start,
                        long **out)
{
    *start = regio_calloc((size_t)m + 2, sizeof(long));
    if (!*start)
        return REGIO_ENOMEM;
    long lo = from ? from[0] : 0, hi = from ? from[n] : n;
    for (long k = lo; k < hi; k++)
        if (keys[k] >= 0)
            (*start)[keys[k] + 1]++;
    for (long j = 0; j < m; j++)
        (*start)[j + 1] += (*start)[j];
    *out = regio_malloc(((size_t)(*start)[m] + 1) * sizeof(long));
    long *fill = regio_malloc(((size_t)m + 1) * sizeof(long));
    if (!*out || !fill) {
        regio_free(fill);
        return REGIO_ENOMEM;
    }
    memcpy(fill, *start, (size_t)m * sizeof(long));
    for (long i = 0; i < n; i++)
        for (long k = from ? from[i] : i, e = from ? from[i + 1] : i + 1; k < e; k++)
            if (keys[k] >= 0)
                (*out)[fill[keys[k]]++] = i;
    regio_free(fill);
    return REGIO_OK;
}

/* Accounts: geo territory first, then rule and manual ones, as CSR. */
static regio_err accounts_finish(regio_access *a, loader *l, regio_error *err)
{
    long n = a->n_acc;
    a->as_start = regio_calloc((size_t)n + 2, sizeof(long));
    size_t total = (size_t)l->n_x + (size_t)n + 1;
    a->as_terr = regio_malloc(total * sizeof(long));
    a->as_cause = regio_malloc(total);
    if (!a->as_start || !a->as_terr || !a->as_cause)
        return oom(err);
    for (long i = 0; i < n; i++)
        a->as_start[i + 1] = l->acc_geo[i] >= 0;
    for (long x = 0; x < l->n_x; x++)
        a->as_start[l->x_acc[x] + 1]++;
    for (long i = 0; i < n; i++)
        a->as_start[i + 1] += a->as_start[i];
    long *fill = regio_malloc(((size_t)n + 1) * sizeof(long));
    if (!fill)
        return oom(err);
    for (long i = 0; i < n; i++) {
        fill[i] = a->as_start[i];
        if (l->acc_geo[i] >= 0) {
            a->as_terr[fill[i]] = l->acc_geo[i];
            a->as_cause[fill[i]++] = CAUSE_GEO;
        }
    }
    for (long x = 0; x < l->n_x; x++) {
        long i = l->x_acc[x];
        a->as_terr[fill[i]] = l->x_terr[x];
        a->as_cause[fill[i]++] = l->x_cause[x];
    }
    regio_free(fill);
    /* Inverted, to list what one user reads without visiting every account. */
    if (invert(a->as_start, a->as_terr, n, a->n_terr, &a->ta_start, &a->ta_acc) ||
        invert(NULL, a->acc_owner, n, a->n_users, &a->own_start, &a->own_acc))
        return oom(err);
    return REGIO_OK;
}

static void loader_free(loader *l)
{
    regio_free(l->role_parent_name);
    regio_free(l->terr_parent_name);
    regio_strmap_destroy(l->role_map);
    regio_strmap_destroy(l->unit_map);
    regio_free(l->mem_terr);
    regio_free(l->acc_geo);
    regio_free(l->x_acc);
    regio_free(l->x_terr);
    regio_free(l->x_cause);
}

typedef struct role_parent_ud {
    loader *l;
    long i;
} role_parent_ud;

static int on_role_parent(void *ud, const regio_role_info *r)
{
    role_parent_ud *p = ud;
    regio_access *a = p->l->a;
    a->role_parent[p->i++] = r->parent ? regio_strmap_get(p->l->role_map, r->parent) : -1;
    return 0;
}

/* What a walk over the store ended with: the callbacks' own failure (an
 * allocation) when they stopped it, which the store reports only as
 * REGIO_ECANCELLED, else the store's code. */
static regio_err walked(regio_err rc, const loader *l)
{
    return l->rc ? l->rc : rc;
}

regio_err regio_access_load(regio_store *s, const char *day, regio_access **out,
                            regio_error *err)
{
    *out = NULL;
    regio_access *a = regio_calloc(1, sizeof *a);
    if (!a)
        return oom(err);
    if (day) {
        snprintf(a->day, sizeof a->day, "%s", day);
    } else {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(a->day, sizeof a->day, "%Y-%m-%d", &tm);
    }
    regio_buf_init(&a->names.b, 0);
    loader l = {.a = a};
    regio_err rc = REGIO_OK;
    a->user_map = regio_strmap_create(64);
    a->terr_map = regio_strmap_create(64);
    l.role_map = regio_strmap_create(16);
    l.unit_map = regio_strmap_create(1024);
    if (!a->user_map || !a->terr_map || !l.role_map || !l.unit_map) {
        rc = oom(err);
        goto fail;
    }
    regio_model_info mi = {0};
    rc = regio_store_model_in_force(s, a->day, &mi, err);
    if (rc == REGIO_ENOTFOUND) {
        rc = REGIO_OK;
    } else if (rc == REGIO_OK) {
        a->model = mi.name;
        mi.name = NULL;
        regio_model_info_clear(&mi);
    } else {
        goto fail;
    }
    /* Roles, twice: names first, then parents (which may come later by name). */
    if ((rc = walked(regio_store_roles_foreach(s, on_role, &l, err), &l)))
        goto fail;
    a->role_parent = regio_malloc(((size_t)a->n_roles + 1) * sizeof(long));
    if (!a->role_parent) {
        rc = oom(err);
        goto fail;
    }
    {
        role_parent_ud p = {&l, 0};
        if ((rc = regio_store_roles_foreach(s, on_role_parent, &p, err)))
            goto fail;
    }
    if ((rc = roles_finish(a, &l, err)))
        goto fail;
    if ((rc = walked(regio_store_users_foreach(s, NULL, on_user, &l, err), &l)))
        goto fail;
    if (a->model) {
        if ((rc = walked(regio_store_territories_foreach(s, a->model, on_territory, &l, err),
                         &l)) ||
            (rc = walked(regio_store_memberships_foreach(s, a->model, on_membership, &l, err),
                         &l)) ||
            (rc = walked(regio_store_alignment_foreach(s, a->model, on_alignment, &l, err), &l)))
            goto fail;
    }
    if ((rc = territories_finish(a, &l, err)))
        goto fail;
    if ((rc = walked(regio_store_account_keys_foreach(s, on_account, &l, err), &l)))
        goto fail;
    if (a->model &&
        (rc = walked(regio_store_associations_foreach(s, a->model, on_association, &l, err), &l)))
        goto fail;
    if ((rc = accounts_finish(a, &l, err)))
        goto fail;
    if (l.rc) {
        rc = oom(err);
        goto fail;
    }
    loader_free(&l);
    *out = a;
    return REGIO_OK;
fail:
    if (rc == REGIO_ENOMEM)
        oom(err);
    loader_free(&l);
    regio_access_free(a);
    return rc ? rc : REGIO_ENOMEM;
}

void regio_access_free(regio_access *a)
{
    if (!a)
        return;
    regio_free(a->model);
    regio_buf_free(&a->names.b);
    regio_free(a->user_name);
    regio_free(a->user_role);
    regio_free(a->user_perm);
    regio_free(a->user_active);
    regio_strmap_destroy(a->user_map);
    regio_free(a->role_name);
    regio_free(a->role_parent);
    regio_free(a->tin);
    regio_free(a->tout);
    regio_free(a->terr_name);
    regio_free(a->terr_parent);
    regio_free(a->terr_topo);
    regio_free(a->terr_level);
    regio_strmap_destroy(a->terr_map);
    regio_free(a->mem_start);
    regio_free(a->mem);
    regio_free(a->acc_name);
    regio_free(a->acc_owner);
    regio_free(a->as_start);
    regio_free(a->as_terr);
    regio_free(a->as_cause);
    regio_free(a->ta_start);
    regio_free(a->ta_acc);
    regio_free(a->own_start);
    regio_free(a->own_acc);
    regio_free(a);
}

/* ---- questions ---------------------------------------------------------------- */

const char *regio_access_day(const regio_access *a)
{
    return a->day;
}

const char *regio_access_model(const regio_access *a)
{
    return a->model;
}

long regio_access_user(const regio_access *a, const char *login)
{
    return login ? regio_strmap_get(a->user_map, login) : -1;
}

long regio_access_account(const regio_access *a, const char *ext_id)
{
    if (!ext_id)
        return -1;
    long lo = 0, hi = a->n_acc - 1;
    while (lo <= hi) {
        long mid = lo + (hi - lo) / 2;
        int c = strcmp(nm(a, a->acc_name[mid]), ext_id);
        if (!c)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

long regio_access_n_accounts(const regio_access *a)
{
    return a->n_acc;
}

const char *regio_access_account_id(const regio_access *a, long i)
{
    return i >= 0 && i < a->n_acc ? nm(a, a->acc_name[i]) : NULL;
}

unsigned regio_access_perms(const regio_access *a, long u)
{
    return u >= 0 && u < a->n_users && a->user_active[u] ? a->user_perm[u] : 0;
}

/* Rule 14: the role of user u is a proper ancestor of the role of user v. */
static int above(const regio_access *a, long u, long v)
{
    long ru = a->user_role[u], rv = a->user_role[v];
    return ru >= 0 && rv >= 0 && ru != rv && a->tin[ru] < a->tin[rv] && a->tout[rv] <= a->tout[ru];
}

/* Whether user v's grants are user u's: u itself or below u (rule 14). */
static int counts_for(const regio_access *a, long u, long v)
{
    return v == u || above(a, u, v);
}

static regio_access_level perm_level(unsigned perms)
{
    return (perms & REGIO_PERM_MODIFY_ALL) ? REGIO_LEVEL_OWNER
           : (perms & REGIO_PERM_VIEW_ALL) ? REGIO_LEVEL_READ
                                           : REGIO_LEVEL_NONE;
}

regio_access_level regio_access_level_of(const regio_access *a, long u, long acc)
{
    if (u < 0 || u >= a->n_users || acc < 0 || acc >= a->n_acc || !a->user_active[u])
        return REGIO_LEVEL_NONE;
    regio_access_level lv = perm_level(a->user_perm[u]);
    if (lv == REGIO_LEVEL_OWNER)
        return lv;
    long o = a->acc_owner[acc];
    if (o >= 0 && counts_for(a, u, o))
        return REGIO_LEVEL_OWNER;
    for (long k = a->as_start[acc]; k < a->as_start[acc + 1]; k++) {
        long t = a->as_terr[k];
        if (a->terr_level[t] <= lv)
            continue;
        int granted = 0;
        for (long p = t; p >= 0 && !granted; p = a->terr_parent[p])
            for (long m = a->mem_start[p]; m < a->mem_start[p + 1]; m++)
                if (counts_for(a, u, a->mem[m].user)) {
                    granted = 1;
                    break;
                }
        if (granted)
            lv = (regio_access_level)a->terr_level[t];
    }
    return lv;
}

/* Writes the role path from u's role down to v's into b. */
static regio_err role_path(const regio_access *a, long u, long v, regio_buf *b)
{
    regio_buf_reset(b);
    long path[64];
    int n = 0;
    for (long r = a->user_role[v]; r >= 0 && n < 64; r = a->role_parent[r]) {
        path[n++] = r;
        if (r == a->user_role[u])
            break;
    }
    regio_err rc = REGIO_OK;
    for (int i = n - 1; i >= 0 && !rc; i--) {
        rc = regio_buf_puts(b, nm(a, a->role_name[path[i]]));
        if (!rc && i)
            rc = regio_buf_puts(b, " > ");
    }
    return rc;
}

regio_err regio_access_explain(const regio_access *a, long u, long acc, regio_access_grant_cb cb,
                               void *ud, regio_access_level *level, regio_error *err)
{
    *level = regio_access_level_of(a, u, acc);
    if (u < 0 || u >= a->n_users || acc < 0 || acc >= a->n_acc || !a->user_active[u])
        return REGIO_OK;
    regio_buf path;
    regio_buf_init(&path, 0);
    regio_err rc = REGIO_OK;
    static const char *const perm_names[3] = {"manage_territories", "view_all", "modify_all"};
    for (int i = 1; i < 3; i++)
        if (a->user_perm[u] & (1u << i)) {
            regio_access_grant g = {.level = i == 2 ? REGIO_LEVEL_OWNER : REGIO_LEVEL_READ,
                                    .kind = "permission",
                                    .permission = perm_names[i]};
            if (cb(ud, &g))
                goto out;
        }
    long o = a->acc_owner[acc];
    if (o >= 0 && counts_for(a, u, o)) {
        if (o != u && (rc = role_path(a, u, o, &path)))
            goto out;
        regio_access_grant g = {.level = REGIO_LEVEL_OWNER,
                                .kind = "owner",
                                .via_user = nm(a, a->user_name[o]),
                                .via_roles = o != u ? path.data : NULL};
        if (cb(ud, &g))
            goto out;
    }
    for (long k = a->as_start[acc]; k < a->as_start[acc + 1]; k++) {
        long t = a->as_terr[k];
        for (long p = t; p >= 0; p = a->terr_parent[p])
            for (long m = a->mem_start[p]; m < a->mem_start[p + 1]; m++) {
                long v = a->mem[m].user;
                if (!counts_for(a, u, v))
                    continue;
                if (v != u && (rc = role_path(a, u, v, &path)))
                    goto out;
                regio_access_grant g = {.level = (regio_access_level)a->terr_level[t],
                                        .kind = "territory",
                                        .via_user = nm(a, a->user_name[v]),
                                        .via_roles = v != u ? path.data : NULL,
                                        .membership = nm(a, a->terr_name[p]),
                                        .member_role = MEMBER_ROLES[a->mem[m].role],
                                        .territory = nm(a, a->terr_name[t]),
                                        .cause = CAUSE_NAMES[a->as_cause[k]]};
                if (cb(ud, &g))
                    goto out;
            }
    }
out:
    if (rc)
        oom(err);
    regio_buf_free(&path);
    return rc;
}

int regio_access_can_manage(const regio_access *a, long u, const char *territory)
{
    if (u < 0 || u >= a->n_users || !a->user_active[u])
        return 0;
    if (a->user_perm[u] & REGIO_PERM_MANAGE_TERRITORIES)
        return 1;
    long t = territory ? regio_strmap_get(a->terr_map, territory) : -1;
    for (long p = t; p >= 0; p = a->terr_parent[p])
        for (long m = a->mem_start[p]; m < a->mem_start[p + 1]; m++)
            if (a->mem[m].user == u && a->mem[m].role >= 3) /* manager, admin */
                return 1;
    return 0;
}

int regio_access_may_set_user(const regio_access *a, long u, unsigned old_perms,
                              unsigned new_perms)
{
    unsigned mine = regio_access_perms(a, u);
    return (mine & REGIO_PERM_MANAGE_TERRITORIES) && !(old_perms & ~mine) && !(new_perms & ~mine);
}

/* ---- scopes --------------------------------------------------------------------- */

struct regio_access_scope {
    const regio_access *a;
    long user;
    regio_access_level base;   /* from permissions */
    unsigned char *owner_ok;   /* per user: their ownership counts */
    unsigned char *covered;    /* per territory: a membership on it or above */
};

regio_err regio_access_scope_new(const regio_access *a, long u, regio_access_scope **out,
                                 regio_error *err)
{
    *out = NULL;
    regio_access_scope *sc = regio_calloc(1, sizeof *sc);
    if (!sc)
        return oom(err);
    sc->a = a;
    sc->user = u;
    sc->owner_ok = regio_calloc((size_t)a->n_users + 1, 1);
    sc->covered = regio_calloc((size_t)a->n_terr + 1, 1);
    if (!sc->owner_ok || !sc->covered) {
        regio_access_scope_free(sc);
        return oom(err);
    }
    if (u >= 0 && u < a->n_users && a->user_active[u]) {
        sc->base = perm_level(a->user_perm[u]);
        for (long v = 0; v < a->n_users; v++)
            sc->owner_ok[v] = (unsigned char)counts_for(a, u, v);
        for (long t = 0; t < a->n_terr; t++)
            for (long m = a->mem_start[t]; m < a->mem_start[t + 1] && !sc->covered[t]; m++)
                sc->covered[t] = sc->owner_ok[a->mem[m].user];
        for (long k = 0; k < a->n_terr; k++) {
            long t = a->terr_topo[k], p = a->terr_parent[t];
            if (p >= 0 && sc->covered[p])
                sc->covered[t] = 1;
        }
    } else {
        sc->user = -1;
    }
    *out = sc;
    return REGIO_OK;
}

void regio_access_scope_free(regio_access_scope *sc)
{
    if (!sc)
        return;
    regio_free(sc->owner_ok);
    regio_free(sc->covered);
    regio_free(sc);
}

regio_access_level regio_access_scope_level(const regio_access_scope *sc, long acc)
{
    const regio_access *a = sc->a;
    if (sc->user < 0 || acc < 0 || acc >= a->n_acc)
        return REGIO_LEVEL_NONE;
    regio_access_level lv = sc->base;
    long o = a->acc_owner[acc];
    if (o >= 0 && sc->owner_ok[o])
        return REGIO_LEVEL_OWNER;
    for (long k = a->as_start[acc]; k < a->as_start[acc + 1]; k++) {
        long t = a->as_terr[k];
        if (sc->covered[t] && a->terr_level[t] > lv)
            lv = (regio_access_level)a->terr_level[t];
    }
    return lv;
}

regio_access_level regio_access_scope_territory(const regio_access_scope *sc,
                                                const char *territory)
{
    if (sc->user < 0)
        return REGIO_LEVEL_NONE;
    long t = territory ? regio_strmap_get(sc->a->terr_map, territory) : -1;
    regio_access_level lv = sc->base;
    if (t >= 0 && sc->covered[t] && sc->a->terr_level[t] > lv)
        lv = (regio_access_level)sc->a->terr_level[t];
    return lv;
}

static int long_cmp(const void *x, const void *y)
{
    long p = *(const long *)x, q = *(const long *)y;
    return (p > q) - (p < q);
}

/* Whether a scope below view_all reads account acc: the owner counts for
 * its user, or a territory of the account is covered and grants a level. */
static int scope_reads(const regio_access_scope *sc, long acc)
{
    return regio_access_scope_level(sc, acc) != REGIO_LEVEL_NONE;
}

/* The readable accounts of a scope below view_all, ascending, gathered
 * from the territories it covers and the owners it counts through the
 * inverted indexes, then sorted and made unique: a rep's list in the time
 * of their own accounts, not of the whole market. When the gathered
 * entries are not few against all accounts (a manager of most of the
 * market), one pass over the accounts with a mark each is cheaper than the
 * sort. NULL when out of memory. */
static long *scope_gather(const regio_access_scope *sc, long *n)
{
    const regio_access *a = sc->a;
    long g = 0;
    for (long t = 0; t < a->n_terr; t++)
        if (sc->covered[t] && a->terr_level[t] > REGIO_LEVEL_NONE)
            g += a->ta_start[t + 1] - a->ta_start[t];
    for (long v = 0; v < a->n_users; v++)
        if (sc->owner_ok[v])
            g += a->own_start[v + 1] - a->own_start[v];
    long *list = regio_malloc(((size_t)(g < a->n_acc ? g : a->n_acc) + 1) * sizeof(long));
    if (!list)
        return NULL;
    long k = 0;
    if (g <= a->n_acc / 16) {
        for (long t = 0; t < a->n_terr; t++)
            if (sc->covered[t] && a->terr_level[t] > REGIO_LEVEL_NONE)
                for (long j = a->ta_start[t]; j < a->ta_start[t + 1]; j++)
                    list[k++] = a->ta_acc[j];
        for (long v = 0; v < a->n_users; v++)
            if (sc->owner_ok[v])
                for (long j = a->own_start[v]; j < a->own_start[v + 1]; j++)
                    list[k++] = a->own_acc[j];
        qsort(list, (size_t)k, sizeof *list, long_cmp);
        long u = 0;
        for (long j = 0; j < k; j++)
            if (!u || list[u - 1] != list[j])
                list[u++] = list[j];
        k = u;
    } else {
        for (long i = 0; i < a->n_acc; i++)
            if (scope_reads(sc, i))
                list[k++] = i;
    }
    *n = k;
    return list;
}

regio_err regio_access_scope_list(const regio_access_scope *sc, long **out, long *n,
                                  regio_error *err)
{
    const regio_access *a = sc->a;
    *out = NULL;
    *n = 0;
    if (sc->user < 0)
        return REGIO_OK;
    if (sc->base >= REGIO_LEVEL_READ) {
        long *all = regio_malloc(((size_t)a->n_acc + 1) * sizeof(long));
        if (!all)
            return oom(err);
        for (long i = 0; i < a->n_acc; i++)
            all[i] = i;
        *out = all;
        *n = a->n_acc;
        return REGIO_OK;
    }
    *out = scope_gather(sc, n);
    return *out ? REGIO_OK : oom(err);
}

long regio_access_scope_page(const regio_access_scope *sc, long offset, long limit, long *idx,
                             long *total)
{
    const regio_access *a = sc->a;
    long n = 0, seen = 0;
    if (offset < 0)
        offset = 0;
    *total = 0;
    if (sc->user < 0)
        return 0;
    if (sc->base >= REGIO_LEVEL_READ) {
        for (long i = offset; i < a->n_acc && (limit < 0 || n < limit); i++)
            idx[n++] = i;
        *total = a->n_acc;
        return n;
    }
    long cnt = 0, *list = scope_gather(sc, &cnt);
    if (list) {
        for (long i = offset; i < cnt && (limit < 0 || n < limit); i++)
            idx[n++] = list[i];
        regio_free(list);
        *total = cnt;
        return n;
    }
    /* Out of memory for the list: the same answer, one account at a time. */
    for (long i = 0; i < a->n_acc; i++) {
        if (!scope_reads(sc, i))
            continue;
        if (seen >= offset && (limit < 0 || n < limit))
            idx[n++] = i;
        seen++;
    }
    *total = seen;
    return n;
}
