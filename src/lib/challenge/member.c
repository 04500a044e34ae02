/*
 * A user as challenges see them (challenge_internal.h): their permissions
 * and the territories of the model in force that their current memberships
 * reach — any role for "theirs", role manager for "they decide" — each
 * with everything below it, as rule 3 of docs/ACCESS.md lets a membership
 * cover a subtree. O(territories x depth + memberships).
 */
#include "challenge/challenge_internal.h"

#include "regio/org.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Deepest hierarchy walked (the store allows 16). */
#define MAX_DEPTH 64

regio_err regio__challenge_oom(regio_error *err)
{
    return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
}

typedef struct loading {
    regio__member *m;
    char **parent; /* n parent ids (owned), NULL for roots */
    size_t cap;
    unsigned char *direct, *direct_manager;
    int found, failed;
} loading;

static int on_user(void *ud, const regio_user_info *u)
{
    loading *l = ud;
    l->found = 1;
    l->m->active = u->active;
    l->m->perms = u->active ? u->perms : 0;
    return 0;
}

static int on_territory(void *ud, const regio_territory_info *t)
{
    loading *l = ud;
    regio__member *m = l->m;
    if (m->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **p = regio_realloc(l->parent, cap * sizeof *p);
        if (!p) {
            l->failed = 1;
            return 1;
        }
        l->parent = p;
        l->cap = cap;
    }
    int found = 0;
    long old = 0;
    l->parent[m->n] = t->parent ? regio_strdup(t->parent) : NULL;
    if ((t->parent && !l->parent[m->n]) ||
        regio_strmap_put(m->index, t->id, (long)m->n, &found, &old)) {
        regio_free(l->parent[m->n]);
        l->failed = 1;
        return 1;
    }
    m->n++;
    return 0;
}

/* Rule 16: a membership counts on day d when active and its dates cover d
 * (the end date is exclusive). */
static int on_membership(void *ud, const regio_membership_info *mi)
{
    loading *l = ud;
    regio__member *m = l->m;
    if (strcmp(mi->user, m->login) != 0 || !mi->active ||
        (mi->start && strcmp(mi->start, m->day) > 0) || (mi->end && strcmp(mi->end, m->day) <= 0))
        return 0;
    long t = regio_strmap_get(m->index, mi->territory);
    if (t >= 0) {
        l->direct[t] = 1;
        if (!strcmp(mi->role, "manager"))
            l->direct_manager[t] = 1;
    }
    return 0;
}

static int valid_day(const char *d)
{
    static const char shape[] = "dddd-dd-dd";
    if (strlen(d) != 10)
        return 0;
    for (int i = 0; i < 10; i++)
        if (shape[i] == 'd' ? (d[i] < '0' || d[i] > '9') : d[i] != shape[i])
            return 0;
    return 1;
}

regio_err regio__member_load(regio_store *s, const char *login, const char *day,
                             regio__member *m, regio_error *err)
{
    memset(m, 0, sizeof *m);
    if (day && !valid_day(day))
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "day '%s' is not a date (YYYY-MM-DD)", day);
    if (day) {
        snprintf(m->day, sizeof m->day, "%s", day);
    } else {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(m->day, sizeof m->day, "%Y-%m-%d", &tm);
    }
    m->active = 1;
    if (!login)
        return REGIO_OK; /* the store's owner */
    loading l = {.m = m};
    if (!(m->login = regio_strdup(login)))
        return regio__challenge_oom(err);
    regio_err rc = regio_store_users_foreach(s, login, on_user, &l, err);
    if (rc)
        return rc;
    regio_model_info mi;
    memset(&mi, 0, sizeof mi);
    rc = regio_store_model_in_force(s, m->day, &mi, err);
    if (rc == REGIO_ENOTFOUND) {
        regio_error_clear(err);
        return REGIO_OK; /* no model in force: no territories */
    }
    if (rc)
        return rc;
    m->model = mi.name;
    mi.name = NULL;
    regio_model_info_clear(&mi);
    if (!(m->index = regio_strmap_create(256)))
        return regio__challenge_oom(err);
    rc = regio_store_territories_foreach(s, m->model, on_territory, &l, err);
    if (l.failed)
        rc = regio__challenge_oom(err);
    size_t n = m->n ? m->n : 1;
    if (!rc && (!(l.direct = regio_calloc(n, 1)) || !(l.direct_manager = regio_calloc(n, 1)) ||
                !(m->mine = regio_calloc(n, 1)) || !(m->manager = regio_calloc(n, 1))))
        rc = regio__challenge_oom(err);
    if (!rc && m->active)
        rc = regio_store_memberships_foreach(s, m->model, on_membership, &l, err);
    /* Down the tree: a territory is theirs when it or an ancestor is. */
    for (size_t i = 0; !rc && i < m->n; i++) {
        long t = (long)i;
        for (int depth = 0; t >= 0 && depth < MAX_DEPTH; depth++) {
            m->mine[i] |= l.direct[t];
            m->manager[i] |= l.direct_manager[t];
            t = l.parent[t] ? regio_strmap_get(m->index, l.parent[t]) : -1;
        }
        m->n_mine += m->mine[i];
    }
    for (size_t i = 0; i < m->n; i++)
        regio_free(l.parent[i]);
    regio_free(l.parent);
    regio_free(l.direct);
    regio_free(l.direct_manager);
    return rc;
}

void regio__member_free(regio__member *m)
{
    if (!m)
        return;
    regio_free(m->login);
    regio_free(m->model);
    regio_strmap_destroy(m->index);
    regio_free(m->mine);
    regio_free(m->manager);
    memset(m, 0, sizeof *m);
}

int regio__member_mine(const regio__member *m, const char *id)
{
    long t = id && m->index ? regio_strmap_get(m->index, id) : -1;
    return t >= 0 && m->mine[t];
}

void regio__member_rights(const regio__member *m, const regio_challenge *c,
                          regio_challenge_rights *r)
{
    int open = c->state == REGIO_CHALLENGE_OPEN;
    memset(r, 0, sizeof *r);
    if (!m->login) {
        r->sees = 1;
        r->may_decide = r->may_withdraw = open;
        return;
    }
    if (!m->active)
        return;
    int own = !strcmp(c->raised_by, m->login);
    long t = m->index ? regio_strmap_get(m->index, c->territory) : -1;
    int decides = (m->perms & REGIO_PERM_MANAGE_TERRITORIES) || (t >= 0 && m->manager[t]);
    r->sees = own || decides;
    r->may_decide = open && decides && !own;
    r->may_withdraw = open && own;
}
