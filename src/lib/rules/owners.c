/*
 * Account owners from territories: each account's owner becomes the owner
 * member of its primary territory, the associated territory (geo, rule or
 * manual) whose territory type has the highest priority — the lowest
 * priority number; untyped territories last — ties by name, then id.
 * Named accounts (type `named`) keep their owner; accounts that get none
 * are listed with the reason. One transaction for all owners, audited.
 * O(accounts + associations + memberships).
 */
#include "rules/rules_run.h"

#include "regio/buf.h"
#include "regio/org.h"
#include "core/grow.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* At most this many accounts are listed in the audit record. */
#define AUDIT_LIST_MAX 10000

static regio_err oom(regio_error *err)
{
    return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
}

void regio_owners_report_clear(regio_owners_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_rows; i++) {
        regio_free(r->rows[i].account);
        regio_free(r->rows[i].before);
        regio_free(r->rows[i].after);
        regio_free(r->rows[i].territory);
        regio_free(r->rows[i].reason);
    }
    regio_free(r->rows);
    memset(r, 0, sizeof *r);
}

typedef struct octx {
    regio__assocs *a;
    regio_strmap *prio_of;  /* type name -> priority */
    char **owner_of;        /* territory -> owner member login (the first by login) */
    long *owners_n;         /* territory -> current owner members */
    regio_strmap *inactive; /* disabled users */
    char today[11];
    regio_err rc;
} octx;

static int on_type(void *ud, const regio_territory_type *t)
{
    octx *c = ud;
    int found = 0;
    long old = 0;
    if (regio_strmap_put(c->prio_of, t->name, t->priority, &found, &old))
        c->rc = REGIO_ENOMEM;
    return c->rc != REGIO_OK;
}

static int on_user(void *ud, const regio_user_info *u)
{
    octx *c = ud;
    int found = 0;
    long old = 0;
    if (!u->active && regio_strmap_put(c->inactive, u->login, 1, &found, &old))
        c->rc = REGIO_ENOMEM;
    return c->rc != REGIO_OK;
}

static int on_membership(void *ud, const regio_membership_info *m)
{
    octx *c = ud;
    if (strcmp(m->role, "owner") != 0 || !m->active)
        return 0;
    if ((m->start && strcmp(m->start, c->today) > 0) || (m->end && strcmp(m->end, c->today) <= 0))
        return 0;
    long t = regio_strmap_get(c->a->terr_map, m->territory);
    if (t < 0)
        return 0;
    c->owners_n[t]++;
    if (!c->owner_of[t] || strcmp(m->user, c->owner_of[t]) < 0) {
        char *d = regio_strdup(m->user);
        if (!d) {
            c->rc = REGIO_ENOMEM;
            return 1;
        }
        regio_free(c->owner_of[t]);
        c->owner_of[t] = d;
    }
    return 0;
}

/* Whether territory x comes before y as a primary territory. */
static int before(const octx *c, long x, long y)
{
    const regio__assocs *a = c->a;
    /* A territory's type always exists (a foreign key), so its priority is
     * in the map; presence decides before the numbers do. */
    int hx = a->terr_type[x] != NULL, hy = a->terr_type[y] != NULL;
    long px = hx ? regio_strmap_get(c->prio_of, a->terr_type[x]) : 0;
    long py = hy ? regio_strmap_get(c->prio_of, a->terr_type[y]) : 0;
    if (hx != hy)
        return hx;
    if (hx && px != py)
        return px < py;
    const char *nx = a->terr_name[x] ? a->terr_name[x] : a->terr[x];
    const char *ny = a->terr_name[y] ? a->terr_name[y] : a->terr[y];
    int k = strcmp(nx, ny);
    if (k)
        return k < 0;
    return strcmp(a->terr[x], a->terr[y]) < 0;
}

static int is_named(const char *type)
{
    if (!type)
        return 0;
    while (*type == ' ' || *type == '\t')
        type++;
    size_t n = strlen(type);
    while (n && (type[n - 1] == ' ' || type[n - 1] == '\t'))
        n--;
    return n == 5 && !strncasecmp(type, "named", 5);
}

static regio_err row_add(regio_owners_report *r, size_t *cap, const char *account,
                         const char *before_owner, const char *after, const char *territory,
                         const char *reason)
{
    if (regio__grow(&r->rows, cap, r->n_rows + 1, sizeof *r->rows))
        return REGIO_ENOMEM;
    regio_owner_row *x = &r->rows[r->n_rows++];
    memset(x, 0, sizeof *x);
    x->account = regio_strdup(account);
    x->before = before_owner ? regio_strdup(before_owner) : NULL;
    x->after = after ? regio_strdup(after) : NULL;
    x->territory = territory ? regio_strdup(territory) : NULL;
    x->reason = reason ? regio_strdup(reason) : NULL;
    if (!x->account || (before_owner && !x->before) || (after && !x->after) ||
        (territory && !x->territory) || (reason && !x->reason))
        return REGIO_ENOMEM;
    return REGIO_OK;
}

static int cmp_row(const void *x, const void *y)
{
    return strcmp(((const regio_owner_row *)x)->account, ((const regio_owner_row *)y)->account);
}

static regio_err audit_owners(regio_store *s, const char *model, const regio_owners_report *r,
                              const char *actor, regio_error *err)
{
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc = regio_buf_puts(&b, "{\"model\":");
    if (!rc)
        rc = regio_buf_json_str(&b, model);
    if (!rc)
        rc = regio_buf_printf(&b, ",\"accounts\":%ld,\"assigned\":%ld,\"changed\":%ld,"
                                  "\"named\":%ld,\"without\":%ld,\"changes\":[",
                              r->accounts, r->assigned, r->changed, r->named, r->without);
    size_t listed = 0;
    for (size_t i = 0; !rc && i < r->n_rows && listed < AUDIT_LIST_MAX; i++) {
        const regio_owner_row *x = &r->rows[i];
        if (!x->after)
            continue;
        rc = regio_buf_puts(&b, listed++ ? ",{\"account\":" : "{\"account\":");
        if (!rc)
            rc = regio_buf_json_str(&b, x->account);
        if (!rc)
            rc = regio_buf_puts(&b, ",\"before\":");
        if (!rc)
            rc = x->before ? regio_buf_json_str(&b, x->before) : regio_buf_puts(&b, "null");
        if (!rc)
            rc = regio_buf_puts(&b, ",\"after\":");
        if (!rc)
            rc = regio_buf_json_str(&b, x->after);
        if (!rc)
            rc = regio_buf_putc(&b, '}');
    }
    if (!rc)
        rc = regio_buf_printf(&b, "],\"listed\":%zu}", listed);
    if (!rc)
        rc = regio_store_audit_append(s, actor ? actor : "cli", "owners.assign", "model", model,
                                      NULL, b.data, err);
    else
        rc = oom(err);
    regio_buf_free(&b);
    return rc;
}

regio_err regio_owners_assign(regio_store *s, const char *model, int dry_run, const char *actor,
                              regio_owners_report *rep, regio_error *err)
{
    regio_owners_report local;
    if (!rep)
        rep = &local;
    memset(rep, 0, sizeof *rep);
    regio_error_clear(err);
    if (!s)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "no store");
    regio__assocs a;
    octx c;
    memset(&c, 0, sizeof c);
    int in_txn = 0;
    long long *keys = NULL;
    const char **owners = NULL;
    size_t n_set = 0, cap_rows = 0;
    regio_err rc = REGIO_OK;
    if (!dry_run) {
        if ((rc = regio_store_begin(s, err)))
            return rc;
        in_txn = 1;
    }
    if ((rc = regio__assocs_load(s, model, &a, err))) {
        if (in_txn)
            regio_store_rollback(s, NULL);
        return rc;
    }
    c.a = &a;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(c.today, sizeof c.today, "%Y-%m-%d", &tm);
    size_t nt = a.n_terr ? a.n_terr : 1;
    c.prio_of = regio_strmap_create(16);
    c.inactive = regio_strmap_create(16);
    c.owner_of = regio_calloc(nt, sizeof *c.owner_of);
    c.owners_n = regio_calloc(nt, sizeof *c.owners_n);
    keys = regio_malloc((a.n_acc ? a.n_acc : 1) * sizeof *keys);
    owners = regio_malloc((a.n_acc ? a.n_acc : 1) * sizeof *owners);
    if (!c.prio_of || !c.inactive || !c.owner_of || !c.owners_n || !keys || !owners)
        rc = oom(err);
#define READ(call)                                                                         \
    do {                                                                                   \
        if (!rc) {                                                                         \
            rc = (call);                                                                   \
            if (rc == REGIO_ECANCELLED && c.rc)                                            \
                rc = oom(err);                                                             \
        }                                                                                  \
    } while (0)
    READ(regio_store_types_foreach(s, on_type, &c, err));
    READ(regio_store_users_foreach(s, NULL, on_user, &c, err));
    READ(regio_store_memberships_foreach(s, a.model, on_membership, &c, err));
#undef READ
    rep->accounts = (long)a.n_acc;
    char reason[600];
    for (size_t i = 0; !rc && i < a.n_acc; i++) {
        if (is_named(a.type[i])) {
            rep->named++;
            continue;
        }
        long p = -1;
        for (size_t j = a.start[i]; j < a.start[i + 1]; j++)
            if (p < 0 || before(&c, a.terr_of[j], p))
                p = a.terr_of[j];
        const char *who = p >= 0 ? c.owner_of[p] : NULL;
        if (p < 0)
            snprintf(reason, sizeof reason,
                     "no territory: neither geographic, rule nor manual association in model '%s'",
                     a.model);
        else if (!who)
            snprintf(reason, sizeof reason,
                     "its primary territory '%s' has no active owner member", a.terr[p]);
        else if (regio_strmap_get(c.inactive, who) >= 0)
            snprintf(reason, sizeof reason, "the owner member '%s' of its primary territory '%s' "
                                            "is a disabled user",
                     who, a.terr[p]);
        else
            reason[0] = '\0';
        if (reason[0]) {
            rep->without++;
            rc = row_add(rep, &cap_rows, a.id[i], a.owner[i], NULL, p >= 0 ? a.terr[p] : NULL,
                         reason);
            continue;
        }
        rep->assigned++;
        if (a.owner[i] && !strcmp(a.owner[i], who))
            continue;
        rep->changed++;
        keys[n_set] = a.key[i];
        owners[n_set++] = who;
        rc = row_add(rep, &cap_rows, a.id[i], a.owner[i], who, a.terr[p], NULL);
    }
    if (rc == REGIO_ENOMEM)
        oom(err);
    if (!rc && rep->n_rows > 1)
        qsort(rep->rows, rep->n_rows, sizeof *rep->rows, cmp_row);
    if (!rc && !dry_run && n_set) {
        rc = regio_store_account_owners_set(s, keys, owners, n_set, err);
        if (!rc)
            rc = audit_owners(s, a.model, rep, actor, err);
    }
    if (!rc && in_txn) {
        rc = regio_store_commit(s, err);
        in_txn = 0;
    }
    if (in_txn)
        regio_store_rollback(s, NULL);
    if (rc)
        regio_owners_report_clear(rep);
    for (size_t t = 0; c.owner_of && t < a.n_terr; t++)
        regio_free(c.owner_of[t]);
    regio_free(c.owner_of);
    regio_free(c.owners_n);
    regio_strmap_destroy(c.prio_of);
    regio_strmap_destroy(c.inactive);
    regio_free(keys);
    regio_free(owners);
    regio__assocs_free(&a);
    return rc;
}
