/*
 * The access decision (regio/access.h) against an oracle written here from
 * docs/ACCESS.md and nothing else: random organisations are built through
 * the store API (roles up to 6 deep, a few hundred users, territory forests
 * up to 6 deep in the model in force, in a planning model beside it and,
 * in some seeds, in an archived one; units, alignments, hand moves, manual
 * associations, dated memberships), then every (user, account) pair of
 * several days is asked of the library and of the oracle, which walks
 * plain arrays the slow and obvious way.
 *
 * Rules checked: 1 and 5 (only the model in force grants), 2-3 (a current
 * membership in T gives, on accounts associated with T or a descendant D,
 * D's level), 4 (nothing up or sideways), 6 (the maximum), 8 (owner), 10
 * (regio_access_can_manage), 14 (rollup to proper role ancestors, also from
 * disabled users; permissions do not roll up), 15 (view_all, modify_all),
 * 16 (active flag, start <= day < end) and disabled users (none). The
 * same levels are asked of regio_access_scope_level and regio_access_explain
 * for sampled users, whose scope page must list exactly the accounts the
 * oracle finds readable, in external-id order; regio_access_scope_territory
 * is checked for them too. Counters make sure every tricky case (dates on
 * the day, disabled owners, hand moves across branches, ...) did occur.
 *
 * Seeds are fixed. REGIO_ORACLE_SEED=<number> runs one seed only;
 * REGIO_ORACLE_PAIRS=<n> runs seeds until n pairs were checked. The default
 * runs all 8 seeds (about 1.1 million pairs), or the first 3 (one of each
 * variant, about 330,000 pairs) when built with AddressSanitizer. With
 * --pg each seed's store is a fresh schema of REGIO_TEST_DB (PostgreSQL).
 */
#include "regio/access.h"
#include "regio/org.h"
#include "regio/store.h"
#include "regio_test.h"
#include "regio_test_db.h"

#include <inttypes.h>
#include <stdint.h>
#include <time.h>

#if defined(__SANITIZE_ADDRESS__)
#define ORACLE_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ORACLE_SANITIZED 1
#endif
#endif
#ifndef ORACLE_SANITIZED
#define ORACLE_SANITIZED 0
#endif

/* ---- a small deterministic generator (splitmix64) ------------------------ */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rnd(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int rint_(rng *r, int n) { return n <= 0 ? 0 : (int)(rnd(r) % (uint64_t)n); }
static int range(rng *r, int lo, int hi) { return lo + rint_(r, hi - lo + 1); }
static int pct(rng *r, int p) { return rint_(r, 100) < p; }

/* ---- the organisation as plain arrays -------------------------------------- */

enum { NONE = 0, READ = 1, EDIT = 2, OWNER = 3 };
static const char *const LEVEL[] = {"none", "read", "edit", "owner"};

#define MAX_ROLES 40
#define MAX_USERS 320
#define MAX_TERR 64
#define MAX_UNITS 100
#define MAX_ACC 220
#define MAX_MEMB 1400
#define MAX_MANUAL 3
#define MAX_DAYS 4

/* Model slots: the one in force (from 2020-01-01 or always), a planning
 * one beside it, and in variant C an archived one it replaced. */
enum { M_CUR = 0, M_PLN = 1, M_OLD = 2, N_MODELS = 3 };
static const char *const MODEL_NAME[N_MODELS] = {"CUR", "PLN", "OLD"};

/* Variant A: CUR created active without a date (no hand moves possible);
 * B: CUR created planning, hand moves, promoted from 2020-01-01 (so no
 * model is in force on 2019-06-30); C: like B, but OLD was the active
 * model before and is archived by the promotion. */
enum { VAR_A = 0, VAR_B = 1, VAR_C = 2 };

typedef struct o_role {
    char name[16];
    int parent; /* index or -1 */
} o_role;

typedef struct o_user {
    char login[16];
    int role; /* index or -1: no role */
    unsigned perms;
    int active;
} o_user;

typedef struct o_terr {
    char id[16];
    int parent; /* index in the same model or -1 */
    int level;  /* READ, EDIT or OWNER */
} o_terr;

typedef struct o_memb {
    int user, terr;
    const char *label; /* owner|rep|overlay|manager|admin */
    int active;
    const char *start, *end; /* NULL: open */
} o_memb;

typedef struct o_acc {
    char id[16];
    const char *owner; /* what accounts.owner holds: NULL, a login or another name */
    char owner_buf[16];
    int owner_user; /* index of the user whose login is `owner`, or -1 */
    int unit;       /* index or -1 */
    int hand[N_MODELS];      /* hand move territory per model, or -1 */
    int prev_hand[N_MODELS]; /* the hand move it replaced or removed, or -1 */
    int unmoved[N_MODELS];   /* 1: its hand move was removed */
    int n_manual[N_MODELS];
    int manual[N_MODELS][MAX_MANUAL];
} o_acc;

typedef struct world {
    uint64_t seed;
    int variant;
    int has_model[N_MODELS];
    int n_roles, n_users, n_units, n_acc;
    o_role roles[MAX_ROLES];
    o_user users[MAX_USERS];
    int n_terr[N_MODELS];
    o_terr terr[N_MODELS][MAX_TERR];
    int align[N_MODELS][MAX_UNITS]; /* territory of each unit, or -1 */
    o_acc acc[MAX_ACC];
    int n_memb[N_MODELS];
    o_memb memb[N_MODELS][MAX_MEMB];
    int n_days;
    const char *days[MAX_DAYS];
    /* Indexes only, derived from the arrays above: the memberships of each
     * user, and the users whose role lies strictly below each user's. */
    int *memb_of[N_MODELS][MAX_USERS];
    int n_memb_of[N_MODELS][MAX_USERS];
    int *below[MAX_USERS];
    int n_below[MAX_USERS];
} world;

static const char *const LABELS[] = {"owner", "rep", "overlay", "manager", "admin"};
/* Membership dates: the probe days, the days next to them and a few far ones. */
static const char *const DATES[] = {"2025-06-01", "2026-12-30", "2026-12-31", "2027-01-01",
                                    "2027-03-14", "2027-03-15", "2027-03-16", "2027-03-17",
                                    "2028-01-01", "2019-06-30"};
#define N_DATES ((int)(sizeof DATES / sizeof *DATES))

/* ---- the oracle ------------------------------------------------------------ */

/* Whether territory t is d or an ancestor of d in model m. */
static int covers(const world *w, int m, int t, int d)
{
    for (int x = d; x >= 0; x = w->terr[m][x].parent)
        if (x == t)
            return 1;
    return 0;
}

/* Whether role hi is a proper ancestor of role lo (none when either is -1). */
static int role_above(const world *w, int hi, int lo)
{
    if (hi < 0 || lo < 0)
        return 0;
    for (int x = w->roles[lo].parent; x >= 0; x = w->roles[x].parent)
        if (x == hi)
            return 1;
    return 0;
}

/* Rule 16. */
static int current(const o_memb *mb, const char *day)
{
    return mb->active && (!mb->start || strcmp(mb->start, day) <= 0) &&
           (!mb->end || strcmp(mb->end, day) > 0);
}

/* The model in force on day (rule 1): a slot, or -1 for none. */
static int in_force(const world *w, const char *day)
{
    if (w->variant == VAR_A)
        return M_CUR;
    return strcmp(day, "2020-01-01") >= 0 ? M_CUR : -1;
}

enum { CAUSE_UNIT = 1, CAUSE_HAND = 2, CAUSE_MANUAL = 4 };

/* The territories account a is associated with in model m (its geo one:
 * the hand move, else its unit's; then the manual ones), with causes. */
static int assoc(const world *w, int m, int a, int *t, int *cause)
{
    const o_acc *ac = &w->acc[a];
    int n = 0;
    if (ac->hand[m] >= 0) {
        t[n] = ac->hand[m];
        cause[n++] = CAUSE_HAND;
    } else if (ac->unit >= 0 && w->align[m][ac->unit] >= 0) {
        t[n] = w->align[m][ac->unit];
        cause[n++] = CAUSE_UNIT;
    }
    for (int i = 0; i < ac->n_manual[m]; i++) {
        t[n] = ac->manual[m][i];
        cause[n++] = CAUSE_MANUAL;
    }
    return n;
}

/* What the oracle noticed about one pair (coverage of the tricky cases). */
enum {
    W_PERM_VIEW,        /* view_all gave read */
    W_PERM_MODIFY,      /* modify_all gave owner */
    W_OWN_SELF,         /* owns the account */
    W_OWN_ROLLUP,       /* someone below owns it */
    W_OWN_ROLLUP_OFF,   /* ... and that someone is disabled */
    W_TERR_SELF,        /* own membership grants */
    W_TERR_ROLLUP,      /* membership of someone below grants */
    W_TERR_ROLLUP_OFF,  /* ... of a disabled someone */
    W_TERR_DESC,        /* via a proper descendant of the membership's territory */
    W_TERR_HAND,        /* via a hand-move territory */
    W_TERR_UNIT,        /* via the unit's territory */
    W_TERR_MANUAL,      /* via a manual association */
    W_START_TODAY,      /* granting membership starts on the day */
    W_END_TODAY,        /* a membership ending on the day would have granted */
    W_INACTIVE,         /* an inactive membership would have granted */
    W_FUTURE,           /* a membership starting after the day would have granted */
    W_OFF_SUPPRESSED,   /* a disabled user whose grants would not be none */
    W_OTHER_MODEL,      /* a membership in another model covers the account there */
    W_NO_MODEL,         /* no model in force on the day */
    W_NO_ROLE_OWNER,    /* a user with no role owns an account someone might see */
    W_DEPTH6_ROLLUP,    /* rollup across 5 role levels */
    W_DEPTH6_TERR,      /* grant from a membership 5 territory levels up */
    W_OLD_HAND,         /* a replaced or removed hand move's territory would have granted */
    W_UNMOVED,          /* unit territory grants after the hand move was removed */
    W_COUNT
};
static const char *const W_NAME[W_COUNT] = {
    "view_all", "modify_all", "owner (self)", "owner (rollup)", "owner (rollup from disabled)",
    "territory (self)", "territory (rollup)", "territory (rollup from disabled)",
    "territory via descendant", "territory via hand move", "territory via unit",
    "territory via manual association", "membership starting on the day",
    "membership ending on the day (no grant)", "inactive membership (no grant)",
    "membership starting later (no grant)", "disabled user with grants (none)",
    "membership in another model (no grant)", "no model in force", "owner without role",
    "rollup over 5 role levels", "membership 5 territory levels up",
    "earlier hand move's territory (no grant)", "unit territory after hand move removed"};

static int depth_role(const world *w, int r)
{
    int d = 0;
    for (; r >= 0; r = w->roles[r].parent)
        d++;
    return d;
}

static int depth_terr(const world *w, int m, int t)
{
    int d = 0;
    for (; t >= 0; t = w->terr[m][t].parent)
        d++;
    return d;
}

static void say_memb(FILE *f, const world *w, int m, const o_memb *mb)
{
    fprintf(f, "%s %s in %s/%s (active %d, %s .. %s)", w->users[mb->user].login, mb->label,
            MODEL_NAME[m], w->terr[m][mb->terr].id, mb->active, mb->start ? mb->start : "open",
            mb->end ? mb->end : "open");
}

/*
 * Rules 8 and 2-3 with 16 for user v alone (no permissions, no rollup, the
 * active flag not looked at): the best level v's ownership and current
 * memberships in model m (-1: none in force) give on account a. Sets bits
 * of *why; with f, says every grant. The other models are walked only to
 * count, in *why, memberships there that would cover the account; they
 * never grant.
 */
static int own_grants(const world *w, int m, const char *day, int v, int a, int rolled,
                      uint32_t *why, FILE *f)
{
    int best = NONE;
    if (w->acc[a].owner_user == v) {
        best = OWNER;
        *why |= 1u << (rolled ? W_OWN_ROLLUP : W_OWN_SELF);
        if (rolled && !w->users[v].active)
            *why |= 1u << W_OWN_ROLLUP_OFF;
        if (w->users[v].role < 0)
            *why |= 1u << W_NO_ROLE_OWNER;
        if (f)
            fprintf(f, "    grant owner: %s owns %s\n", w->users[v].login, w->acc[a].id);
    }
    for (int mm = 0; mm < N_MODELS; mm++) {
        if (!w->has_model[mm])
            continue;
        int t[1 + MAX_MANUAL], cause[1 + MAX_MANUAL];
        int nt = assoc(w, mm, a, t, cause);
        for (int k = 0; k < w->n_memb_of[mm][v]; k++) {
            const o_memb *mb = &w->memb[mm][w->memb_of[mm][v][k]];
            int old = w->acc[a].prev_hand[mm];
            if (mm == m && old >= 0 && current(mb, day) && covers(w, mm, mb->terr, old)) {
                int still = 0;
                for (int i = 0; i < nt; i++)
                    still |= covers(w, mm, mb->terr, t[i]);
                if (!still)
                    *why |= 1u << W_OLD_HAND;
            }
            for (int i = 0; i < nt; i++) {
                if (!covers(w, mm, mb->terr, t[i]))
                    continue;
                if (mm != m) {
                    *why |= 1u << W_OTHER_MODEL;
                    continue;
                }
                if (!current(mb, day)) {
                    if (!mb->active)
                        *why |= 1u << W_INACTIVE;
                    else if (mb->end && strcmp(mb->end, day) == 0)
                        *why |= 1u << W_END_TODAY;
                    else if (mb->start && strcmp(mb->start, day) > 0)
                        *why |= 1u << W_FUTURE;
                    continue;
                }
                int lv = w->terr[m][t[i]].level;
                if (lv > best)
                    best = lv;
                *why |= 1u << (rolled ? W_TERR_ROLLUP : W_TERR_SELF);
                if (rolled && !w->users[v].active)
                    *why |= 1u << W_TERR_ROLLUP_OFF;
                if (mb->terr != t[i])
                    *why |= 1u << W_TERR_DESC;
                if (depth_terr(w, m, t[i]) - depth_terr(w, m, mb->terr) >= 5)
                    *why |= 1u << W_DEPTH6_TERR;
                *why |= 1u << (cause[i] == CAUSE_HAND   ? W_TERR_HAND
                               : cause[i] == CAUSE_UNIT ? W_TERR_UNIT
                                                        : W_TERR_MANUAL);
                if (mb->start && strcmp(mb->start, day) == 0)
                    *why |= 1u << W_START_TODAY;
                if (cause[i] == CAUSE_UNIT && w->acc[a].unmoved[m])
                    *why |= 1u << W_UNMOVED;
                if (f) {
                    fprintf(f, "    grant %s: ", LEVEL[lv]);
                    say_memb(f, w, m, mb);
                    fprintf(f, " covers %s (%s)\n", w->terr[m][t[i]].id,
                            cause[i] == CAUSE_HAND   ? "hand move"
                            : cause[i] == CAUSE_UNIT ? "unit"
                                                     : "manual");
                }
            }
        }
    }
    return best;
}

/* Rules 6, 14, 15, 17 and disabled users: the level of user u on account a. */
static int oracle_level(const world *w, const char *day, int u, int a, uint32_t *why, FILE *f)
{
    int m = in_force(w, day);
    if (m < 0)
        *why |= 1u << W_NO_MODEL;
    const o_user *us = &w->users[u];
    int best = NONE;
    if (us->perms & REGIO_PERM_MODIFY_ALL) {
        best = OWNER;
        *why |= 1u << W_PERM_MODIFY;
        if (f)
            fprintf(f, "    grant owner: modify_all\n");
    } else if (us->perms & REGIO_PERM_VIEW_ALL) {
        best = READ;
        *why |= 1u << W_PERM_VIEW;
        if (f)
            fprintf(f, "    grant read: view_all\n");
    }
    int g = own_grants(w, m, day, u, a, 0, why, f);
    if (g > best)
        best = g;
    for (int k = 0; k < w->n_below[u]; k++) {
        int v = w->below[u][k];
        g = own_grants(w, m, day, v, a, 1, why, f);
        if (g > NONE && f)
            fprintf(f, "      ^ rolled up from %s%s (role %s, below %s)\n", w->users[v].login,
                    w->users[v].active ? "" : " (disabled)", w->roles[w->users[v].role].name,
                    w->roles[us->role].name);
        if (g > NONE && depth_role(w, w->users[v].role) - depth_role(w, us->role) >= 5)
            *why |= 1u << W_DEPTH6_ROLLUP;
        if (g > best)
            best = g;
    }
    if (!us->active) {
        if (best > NONE)
            *why |= 1u << W_OFF_SUPPRESSED;
        if (f)
            fprintf(f, "    user disabled: none\n");
        return NONE;
    }
    return best;
}

/* Rule 10 as regio/access.h states it: u active and manage_territories, or
 * u itself (no rollup) with a current manager/admin membership in t or an
 * ancestor of t, in the model in force. */
static int oracle_can_manage(const world *w, const char *day, int u, int t, int *via_anc)
{
    const o_user *us = &w->users[u];
    *via_anc = 0;
    if (!us->active)
        return 0;
    if (us->perms & REGIO_PERM_MANAGE_TERRITORIES)
        return 1;
    int m = in_force(w, day);
    if (m < 0 || t < 0)
        return 0;
    for (int k = 0; k < w->n_memb_of[m][u]; k++) {
        const o_memb *mb = &w->memb[m][w->memb_of[m][u][k]];
        if ((strcmp(mb->label, "manager") == 0 || strcmp(mb->label, "admin") == 0) &&
            current(mb, day) && covers(w, m, mb->terr, t)) {
            *via_anc = mb->terr != t;
            return 1;
        }
    }
    return 0;
}

/* What regio_access_scope_territory answers for an active user u on
 * territory t of the model in force: the highest of (rule 6) t's own level
 * when u or a user below u has a current membership in t or an ancestor of
 * t, and what modify_all / view_all give; none without either. */
static int oracle_scope_territory(const world *w, const char *day, int u, int t)
{
    int m = in_force(w, day), best = NONE;
    if (w->users[u].perms & REGIO_PERM_MODIFY_ALL)
        best = OWNER;
    else if (w->users[u].perms & REGIO_PERM_VIEW_ALL)
        best = READ;
    for (int k = -1; m >= 0 && k < w->n_below[u]; k++) {
        int v = k < 0 ? u : w->below[u][k];
        for (int j = 0; j < w->n_memb_of[m][v]; j++) {
            const o_memb *mb = &w->memb[m][w->memb_of[m][v][j]];
            if (current(mb, day) && covers(w, m, mb->terr, t) && w->terr[m][t].level > best)
                best = w->terr[m][t].level;
        }
    }
    return best;
}

/* ---- generating an organisation ---------------------------------------------- */

/* A forest of n territories in model m, one chain 6 deep; ids "T.." or, in
 * the planning model, "T.." and "P.." mixed so that some ids exist in two
 * models with different parents. */
static void gen_territories(world *w, rng *r, int m, int n)
{
    w->n_terr[m] = n;
    for (int i = 0; i < n; i++) {
        o_terr *t = &w->terr[m][i];
        snprintf(t->id, sizeof t->id, "%s%02d", m == M_PLN && i % 2 ? "P" : "T", i);
        if (i < 6)
            t->parent = i - 1; /* T00 > T01 > ... > T05: depth 6 */
        else if (pct(r, 12))
            t->parent = -1;
        else {
            do
                t->parent = rint_(r, i);
            while (depth_terr(w, m, t->parent) >= 6);
        }
        t->level = pct(r, 25) ? 0 : range(r, READ, OWNER); /* 0: left at the default */
    }
}

static int root_of(const world *w, int m, int t)
{
    while (w->terr[m][t].parent >= 0)
        t = w->terr[m][t].parent;
    return t;
}

/* A territory of model m in another tree than t (any one if t is -1 or
 * there is no other tree). */
static int other_branch(const world *w, rng *r, int m, int t)
{
    int c = rint_(r, w->n_terr[m]);
    for (int tries = 0; t >= 0 && tries < 50 && root_of(w, m, c) == root_of(w, m, t); tries++)
        c = rint_(r, w->n_terr[m]);
    return c;
}

static const char *gen_date(rng *r, int p_open)
{
    return pct(r, p_open) ? NULL : DATES[rint_(r, N_DATES)];
}

static void gen_memberships(world *w, rng *r, int m)
{
    w->n_memb[m] = 0;
    for (int u = 0; u < w->n_users; u++) {
        int k = rint_(r, 100);
        int n = k < 25 ? 0 : k < 60 ? 1 : k < 80 ? 2 : range(r, 3, 5);
        for (int j = 0; j < n; j++) {
            o_memb mb = {.user = u, .terr = rint_(r, w->n_terr[m]), .label = LABELS[rint_(r, 5)],
                         .active = pct(r, 85), .start = gen_date(r, 55), .end = gen_date(r, 60)};
            if (mb.start && mb.end && strcmp(mb.end, mb.start) < 0) {
                const char *x = mb.start;
                mb.start = mb.end;
                mb.end = x;
            }
            /* (user, territory, label) is the key: a repeat replaces it. */
            int at = -1;
            for (int i = 0; i < w->n_memb[m]; i++)
                if (w->memb[m][i].user == u && w->memb[m][i].terr == mb.terr &&
                    strcmp(w->memb[m][i].label, mb.label) == 0)
                    at = i;
            if (at < 0 && w->n_memb[m] < MAX_MEMB)
                at = w->n_memb[m]++;
            if (at >= 0)
                w->memb[m][at] = mb;
        }
    }
}

static void gen_world(world *w, uint64_t seed, int variant)
{
    memset(w, 0, sizeof *w);
    rng r = {seed};
    w->seed = seed;
    w->variant = variant;
    w->has_model[M_CUR] = w->has_model[M_PLN] = 1;
    w->has_model[M_OLD] = variant == VAR_C;

    w->n_roles = range(&r, 18, MAX_ROLES);
    for (int i = 0; i < w->n_roles; i++) {
        o_role *ro = &w->roles[i];
        snprintf(ro->name, sizeof ro->name, "r%02d", i);
        if (i < 6)
            ro->parent = i - 1; /* r00 > r01 > ... > r05: depth 6 */
        else if (pct(&r, 15))
            ro->parent = -1;
        else {
            do
                ro->parent = rint_(&r, i);
            while (depth_role(w, ro->parent) >= 6);
        }
    }
    w->n_users = range(&r, 150, MAX_USERS);
    for (int i = 0; i < w->n_users; i++) {
        o_user *us = &w->users[i];
        snprintf(us->login, sizeof us->login, "u%03d", i);
        /* the chain gets people at every level */
        us->role = i < 12 ? i % 6 : pct(&r, 10) ? -1 : rint_(&r, w->n_roles);
        us->perms = (pct(&r, 6) ? REGIO_PERM_MANAGE_TERRITORIES : 0) |
                    (pct(&r, 4) ? REGIO_PERM_VIEW_ALL : 0) |
                    (pct(&r, 2) ? REGIO_PERM_MODIFY_ALL : 0);
        us->active = !pct(&r, 12);
    }

    for (int m = 0; m < N_MODELS; m++)
        if (w->has_model[m])
            gen_territories(w, &r, m, range(&r, 24, MAX_TERR));

    w->n_units = range(&r, 50, MAX_UNITS);
    for (int m = 0; m < N_MODELS; m++)
        for (int u = 0; u < w->n_units; u++)
            w->align[m][u] = w->has_model[m] && pct(&r, 80) ? rint_(&r, w->n_terr[m]) : -1;

    w->n_acc = range(&r, 120, MAX_ACC);
    for (int i = 0; i < w->n_acc; i++) {
        o_acc *ac = &w->acc[i];
        snprintf(ac->id, sizeof ac->id, "a%04d", i);
        ac->owner_user = -1;
        int k = rint_(&r, 100);
        if (k < 25) {
            ac->owner_user = rint_(&r, w->n_users);
        } else if (k < 32) { /* a disabled owner, on purpose */
            for (int tries = 0; tries < 40 && ac->owner_user < 0; tries++) {
                int u = rint_(&r, w->n_users);
                if (!w->users[u].active)
                    ac->owner_user = u;
            }
        } else if (k < 38) {
            if (k < 37) /* an unknown name, or the empty string */
                snprintf(ac->owner_buf, sizeof ac->owner_buf, "ghost%02d", rint_(&r, 100));
            ac->owner = ac->owner_buf;
        }
        if (ac->owner_user >= 0)
            ac->owner = w->users[ac->owner_user].login;
        ac->unit = pct(&r, 85) ? rint_(&r, w->n_units) : -1;
        for (int m = 0; m < N_MODELS; m++) {
            ac->hand[m] = ac->prev_hand[m] = -1;
            if (!w->has_model[m])
                continue;
            int q = rint_(&r, 100);
            ac->n_manual[m] = q < 55 ? 0 : q < 85 ? 1 : range(&r, 2, MAX_MANUAL);
            for (int j = 0; j < ac->n_manual[m]; j++) {
                int t, dup;
                do {
                    t = rint_(&r, w->n_terr[m]);
                    dup = 0;
                    for (int x = 0; x < j; x++)
                        dup |= ac->manual[m][x] == t;
                } while (dup);
                ac->manual[m][j] = t;
            }
        }
    }

    for (int m = 0; m < N_MODELS; m++)
        if (w->has_model[m])
            gen_memberships(w, &r, m);

    w->n_days = 0;
    w->days[w->n_days++] = "2027-03-15";
    w->days[w->n_days++] = "2027-03-16";
    w->days[w->n_days++] = "2026-12-31";
    if (variant == VAR_B)
        w->days[w->n_days++] = "2019-06-30";
}

/* Hand moves of model m, in two batches (the second re-moves or removes
 * some), mirrored in the arrays; only while m is a planning model. */
typedef struct move {
    int acc, terr; /* terr -1: remove the hand move */
} move;

static int gen_moves(world *w, rng *r, int m, move *mv, int batch)
{
    int n = 0;
    for (int a = 0; a < w->n_acc; a++) {
        o_acc *ac = &w->acc[a];
        if (batch == 0 && pct(r, 18)) {
            int geo = ac->unit >= 0 ? w->align[m][ac->unit] : -1;
            mv[n++] = (move){a, other_branch(w, r, m, geo)};
        } else if (batch == 1 && ac->hand[m] >= 0 && pct(r, 35)) {
            mv[n++] = (move){a, pct(r, 50) ? -1 : other_branch(w, r, m, ac->hand[m])};
        }
    }
    return n;
}

/* ---- building the store --------------------------------------------------------- */

static int check_(regio_err rc, const regio_error *e, const char *what, const char *id)
{
    if (rc != REGIO_OK) {
        FAIL_AT_("%s %s: %d %s", what, id ? id : "", (int)rc, e->msg);
        return 1;
    }
    return 0;
}
#define CHECK(expr, what, id)                                                                \
    do {                                                                                     \
        regio_error e_;                                                                      \
        memset(&e_, 0, sizeof e_);                                                           \
        regio_error *err = &e_;                                                              \
        if (check_((expr), err, what, id))                                                   \
            return 1;                                                                        \
    } while (0)

static int apply_moves(world *w, regio_store *s, int m, rng *r, int batch)
{
    static move mv[MAX_ACC];
    static regio_alignment_row rows[MAX_ACC];
    int n = gen_moves(w, r, m, mv, batch);
    for (int i = 0; i < n; i++) {
        memset(&rows[i], 0, sizeof rows[i]);
        rows[i].account_id = w->acc[mv[i].acc].id;
        rows[i].territory = mv[i].terr >= 0 ? w->terr[m][mv[i].terr].id : NULL;
    }
    long rev = 0, nrev = 0;
    regio_apply_status st = REGIO_APPLY_ERROR;
    CHECK(regio_store_alignment_revision(s, MODEL_NAME[m], &rev, err), "revision", MODEL_NAME[m]);
    CHECK(regio_store_alignment_apply(s, MODEL_NAME[m], rev, rows, (size_t)n, "test", &nrev, &st,
                                      err),
          "hand moves in", MODEL_NAME[m]);
    for (int i = 0; i < n; i++) {
        o_acc *ac = &w->acc[mv[i].acc];
        if (ac->hand[m] >= 0)
            ac->prev_hand[m] = ac->hand[m];
        ac->unmoved[m] = mv[i].terr < 0;
        ac->hand[m] = mv[i].terr;
    }
    return 0;
}

static int build_store(world *w, regio_store *s, rng *r)
{
    CHECK(regio_store_begin(s, err), "begin", NULL);
    for (int i = 0; i < w->n_roles; i++)
        CHECK(regio_store_role_upsert(s, w->roles[i].name,
                                      w->roles[i].parent >= 0 ? w->roles[w->roles[i].parent].name
                                                              : NULL,
                                      "test", err),
              "role", w->roles[i].name);
    for (int i = 0; i < w->n_users; i++) {
        const o_user *us = &w->users[i];
        regio_user_info ui = {.login = us->login,
                              .role = us->role >= 0 ? w->roles[us->role].name : NULL,
                              .perms = us->perms,
                              .active = us->active};
        CHECK(regio_store_user_upsert(s, &ui, "test", NULL, err), "user", us->login);
    }
    if (w->variant == VAR_C)
        CHECK(regio_store_model_create(s, "OLD", REGIO_MODEL_ACTIVE, NULL, NULL, NULL, NULL, err),
              "model", "OLD");
    CHECK(regio_store_model_create(s, "CUR",
                                   w->variant == VAR_A ? REGIO_MODEL_ACTIVE : REGIO_MODEL_PLANNING,
                                   NULL, NULL, NULL, NULL, err),
          "model", "CUR");
    CHECK(regio_store_model_create(s, "PLN", REGIO_MODEL_PLANNING, NULL, NULL, NULL, NULL, err),
          "model", "PLN");
    for (int m = 0; m < N_MODELS; m++) {
        if (!w->has_model[m])
            continue;
        for (int i = 0; i < w->n_terr[m]; i++) {
            o_terr *t = &w->terr[m][i];
            CHECK(regio_store_territory_upsert(s, MODEL_NAME[m], t->id, NULL,
                                               t->parent >= 0 ? w->terr[m][t->parent].id : NULL,
                                               err),
                  "territory", t->id);
            if (t->level)
                CHECK(regio_store_territory_set_access(s, MODEL_NAME[m], t->id, LEVEL[t->level],
                                                       "test", err),
                      "territory access", t->id);
            else
                t->level = READ; /* the documented default */
        }
    }
    for (int u = 0; u < w->n_units; u++) {
        char id[16];
        snprintf(id, sizeof id, "g%03d", u);
        regio_unit un;
        regio_unit_init(&un);
        un.id = id;
        un.lat = 40 + u * 0.01;
        un.lon = -100 + u * 0.01;
        CHECK(regio_store_unit_upsert(s, &un, NULL, err), "unit", id);
        for (int m = 0; m < N_MODELS; m++)
            if (w->has_model[m] && w->align[m][u] >= 0)
                CHECK(regio_store_alignment_set(s, MODEL_NAME[m], id,
                                                w->terr[m][w->align[m][u]].id, err),
                      "alignment", id);
    }
    for (int i = 0; i < w->n_acc; i++) {
        o_acc *ac = &w->acc[i];
        char unit[16];
        snprintf(unit, sizeof unit, "g%03d", ac->unit);
        regio_account a;
        regio_account_init(&a);
        a.id = ac->id;
        a.owner = (char *)ac->owner;
        a.unit_id = ac->unit >= 0 ? unit : NULL;
        CHECK(regio_store_account_upsert(s, &a, NULL, err), "account", ac->id);
        for (int m = 0; m < N_MODELS; m++)
            for (int j = 0; j < ac->n_manual[m]; j++)
                CHECK(regio_store_association_set(s, MODEL_NAME[m], ac->id,
                                                  w->terr[m][ac->manual[m][j]].id, 1, "test", err),
                      "association", ac->id);
    }
    for (int m = 0; m < N_MODELS; m++)
        for (int i = 0; i < w->n_memb[m]; i++) {
            const o_memb *mb = &w->memb[m][i];
            regio_membership_info mi = {.user = w->users[mb->user].login,
                                        .territory = w->terr[m][mb->terr].id,
                                        .role = mb->label,
                                        .active = mb->active,
                                        .start = mb->start,
                                        .end = mb->end};
            CHECK(regio_store_membership_upsert(s, MODEL_NAME[m], &mi, "test", err), "membership",
                  mi.user);
        }
    CHECK(regio_store_commit(s, err), "commit", NULL);

    /* Hand moves: only planning models take them, so CUR gets its own
     * before it is promoted (variants B and C). */
    for (int batch = 0; batch < 2; batch++) {
        if (apply_moves(w, s, M_PLN, r, batch))
            return 1;
        if (w->variant != VAR_A && apply_moves(w, s, M_CUR, r, batch))
            return 1;
    }
    if (w->variant != VAR_A)
        CHECK(regio_store_model_promote(s, "CUR", "2020-01-01", "test", err), "promote", "CUR");
    return 0;
}

/* Derived indexes: each user's memberships, and who is below whom. */
static int index_world(world *w)
{
    for (int m = 0; m < N_MODELS; m++)
        for (int u = 0; u < w->n_users; u++) {
            w->memb_of[m][u] = malloc(sizeof(int) * (size_t)(w->n_memb[m] + 1));
            if (!w->memb_of[m][u])
                return 1;
            w->n_memb_of[m][u] = 0;
            for (int i = 0; i < w->n_memb[m]; i++)
                if (w->memb[m][i].user == u)
                    w->memb_of[m][u][w->n_memb_of[m][u]++] = i;
        }
    for (int u = 0; u < w->n_users; u++) {
        w->below[u] = malloc(sizeof(int) * (size_t)w->n_users);
        if (!w->below[u])
            return 1;
        w->n_below[u] = 0;
        for (int v = 0; v < w->n_users; v++)
            if (role_above(w, w->users[u].role, w->users[v].role))
                w->below[u][w->n_below[u]++] = v;
    }
    return 0;
}

static void free_world(world *w)
{
    for (int m = 0; m < N_MODELS; m++)
        for (int u = 0; u < MAX_USERS; u++) {
            free(w->memb_of[m][u]);
            w->memb_of[m][u] = NULL;
        }
    for (int u = 0; u < MAX_USERS; u++) {
        free(w->below[u]);
        w->below[u] = NULL;
    }
}

/* ---- comparing ---------------------------------------------------------------------- */

typedef struct totals {
    long territory_pairs, territory_true, explain_pairs;
    long pairs, scope_pairs, scope_users, manage_pairs, days, seeds;
    long level[4];
    long why[W_COUNT];
    long manage_true_perm, manage_true_memb, manage_true_anc, manage_false;
    long mismatches, reported;
} totals;

static int count_cb(void *ud, const regio_access_grant *g)
{
    (void)ud;
    (void)g;
    return 0;
}

static int explain_cb(void *ud, const regio_access_grant *g)
{
    FILE *f = ud;
    fprintf(f, "    library grant %s: %s%s%s via_user=%s membership=%s/%s territory=%s cause=%s%s%s\n",
            LEVEL[g->level & 3], g->kind, g->permission ? " " : "",
            g->permission ? g->permission : "", g->via_user ? g->via_user : "-",
            g->membership ? g->membership : "-", g->member_role ? g->member_role : "-",
            g->territory ? g->territory : "-", g->cause ? g->cause : "-",
            g->via_roles ? " roles " : "", g->via_roles ? g->via_roles : "");
    return 0;
}

/* Everything about one mismatching pair, for the failure message. */
static void report_pair(const world *w, const regio_access *a, const char *day, int u, int ai,
                        int expected, int actual, const char *what)
{
    FILE *f = stderr;
    const o_user *us = &w->users[u];
    const o_acc *ac = &w->acc[ai];
    int m = in_force(w, day);
    fprintf(f,
            "  MISMATCH (%s) seed %" PRIu64 " (rerun: REGIO_ORACLE_SEED=%" PRIu64
            ") variant %c day %s model in force %s:\n"
            "    user %s account %s: oracle %s, library %s\n",
            what, w->seed, w->seed, "ABC"[w->variant], day, m >= 0 ? MODEL_NAME[m] : "(none)",
            us->login, ac->id, LEVEL[expected], LEVEL[actual & 3]);
    fprintf(f, "    user %s: active %d perms %u role ", us->login, us->active, us->perms);
    for (int x = us->role; x >= 0; x = w->roles[x].parent)
        fprintf(f, "%s%s", w->roles[x].name, w->roles[x].parent >= 0 ? " under " : "");
    fprintf(f, "%s; %d users below\n", us->role < 0 ? "(none)" : "", w->n_below[u]);
    fprintf(f, "    account %s: owner %s%s%s%s unit ", ac->id, ac->owner ? "'" : "",
            ac->owner ? ac->owner : "(none)", ac->owner ? "'" : "",
            ac->owner && ac->owner_user < 0 ? " (no such user)" : "");
    if (ac->unit >= 0)
        fprintf(f, "g%03d", ac->unit);
    else
        fprintf(f, "(none)");
    fprintf(f, "\n");
    for (int mm = 0; mm < N_MODELS; mm++) {
        if (!w->has_model[mm])
            continue;
        int t[1 + MAX_MANUAL], cause[1 + MAX_MANUAL];
        int nt = assoc(w, mm, ai, t, cause);
        fprintf(f, "    associations in %s:", MODEL_NAME[mm]);
        for (int i = 0; i < nt; i++) {
            fprintf(f, " %s(%s, level %s; ancestors", w->terr[mm][t[i]].id,
                    cause[i] == CAUSE_HAND   ? "hand move"
                    : cause[i] == CAUSE_UNIT ? "unit"
                                             : "manual",
                    LEVEL[w->terr[mm][t[i]].level]);
            for (int x = w->terr[mm][t[i]].parent; x >= 0; x = w->terr[mm][x].parent)
                fprintf(f, " <%s", w->terr[mm][x].id);
            fprintf(f, ")");
        }
        fprintf(f, "%s\n", nt ? "" : " none");
    }
    if (m >= 0)
        for (int k = 0; k < w->n_memb_of[m][u]; k++) {
            fprintf(f, "    own membership: ");
            say_memb(f, w, m, &w->memb[m][w->memb_of[m][u][k]]);
            fprintf(f, " current %d\n", current(&w->memb[m][w->memb_of[m][u][k]], day));
        }
    fprintf(f, "    oracle grants:\n");
    uint32_t why = 0;
    oracle_level(w, day, u, ai, &why, f);
    regio_access_level lv = REGIO_LEVEL_NONE;
    regio_error e;
    memset(&e, 0, sizeof e);
    long lu = regio_access_user(a, us->login), la = regio_access_account(a, ac->id);
    if (regio_access_explain(a, lu, la, explain_cb, f, &lv, &e) != REGIO_OK)
        fprintf(f, "    library explain failed: %s\n", e.msg);
    else
        fprintf(f, "    library explain level: %s\n", LEVEL[lv & 3]);
}

static void check_day(const world *w, regio_store *s, const char *day, int day_no, totals *tt)
{
    regio_access *a = NULL;
    regio_error e;
    memset(&e, 0, sizeof e);
    if (regio_access_load(s, day, &a, &e) != REGIO_OK) {
        FAIL_AT_("seed %" PRIu64 " day %s: access_load: %s", w->seed, day, e.msg);
        return;
    }
    tt->days++;
    int m = in_force(w, day);
    const char *am = regio_access_model(a);
    if (m < 0 ? am != NULL : (!am || strcmp(am, MODEL_NAME[m]) != 0))
        FAIL_AT_("seed %" PRIu64 " day %s: model in force '%s', expected '%s'", w->seed, day,
                 am ? am : "(none)", m >= 0 ? MODEL_NAME[m] : "(none)");
    ASSERT_EQ_STR(regio_access_day(a), day);
    ASSERT_EQ_INT(regio_access_n_accounts(a), w->n_acc);
    ASSERT_EQ_INT(regio_access_user(a, "nobody"), -1);
    ASSERT_EQ_INT(regio_access_account(a, "nothing"), -1);

    long lu[MAX_USERS], la[MAX_ACC];
    for (int u = 0; u < w->n_users; u++) {
        lu[u] = regio_access_user(a, w->users[u].login);
        if (lu[u] < 0) {
            FAIL_AT_("seed %" PRIu64 ": user %s unknown to the snapshot", w->seed,
                     w->users[u].login);
            goto out;
        }
        unsigned want = w->users[u].active ? w->users[u].perms : 0;
        if (regio_access_perms(a, lu[u]) != want)
            FAIL_AT_("seed %" PRIu64 ": perms of %s: %u, expected %u", w->seed, w->users[u].login,
                     regio_access_perms(a, lu[u]), want);
    }
    for (int i = 0; i < w->n_acc; i++) {
        la[i] = regio_access_account(a, w->acc[i].id);
        if (la[i] < 0) {
            FAIL_AT_("seed %" PRIu64 ": account %s unknown to the snapshot", w->seed, w->acc[i].id);
            goto out;
        }
    }

    /* Every pair, through regio_access_level_of. */
    static signed char want[MAX_USERS][MAX_ACC];
    for (int u = 0; u < w->n_users; u++) {
        ASSERT_EQ_INT(regio_access_level_of(a, lu[u], -1), REGIO_LEVEL_NONE);
        for (int i = 0; i < w->n_acc; i++) {
            uint32_t why = 0;
            int exp = oracle_level(w, day, u, i, &why, NULL);
            want[u][i] = (signed char)exp;
            int got = (int)regio_access_level_of(a, lu[u], la[i]);
            tt->pairs++;
            tt->level[exp]++;
            for (int b = 0; b < W_COUNT; b++)
                if (why & (1u << b))
                    tt->why[b]++;
            if (got != exp) {
                tt->mismatches++;
                regio_test_failed_checks_++;
                if (tt->reported++ < 6)
                    report_pair(w, a, day, u, i, exp, got, "level_of");
            }
        }
    }

    /* Sampled users through a scope: its levels, its page and its total. */
    static long idx[MAX_ACC + 8];
    for (int u = 0; u < w->n_users; u++) {
        const o_user *us = &w->users[u];
        int special = (us->perms & (REGIO_PERM_VIEW_ALL | REGIO_PERM_MODIFY_ALL)) || !us->active ||
                      us->role == 0 || us->role == 5;
        if (!special && (u * 7 + day_no) % 8 != 0)
            continue;
        regio_access_scope *sc = NULL;
        if (regio_access_scope_new(a, lu[u], &sc, &e) != REGIO_OK) {
            FAIL_AT_("seed %" PRIu64 ": scope_new %s: %s", w->seed, us->login, e.msg);
            continue;
        }
        tt->scope_users++;
        long readable = 0;
        for (int i = 0; i < w->n_acc; i++) {
            int got = (int)regio_access_scope_level(sc, la[i]);
            tt->scope_pairs++;
            if (want[u][i] >= READ)
                readable++;
            if (got != want[u][i]) {
                tt->mismatches++;
                regio_test_failed_checks_++;
                if (tt->reported++ < 6)
                    report_pair(w, a, day, u, i, want[u][i], got, "scope_level");
            }
        }
        long total = -1;
        long n = regio_access_scope_page(sc, 0, w->n_acc + 5, idx, &total);
        if (total != readable || n != readable) {
            FAIL_AT_("seed %" PRIu64 " day %s user %s: scope_page total %ld, wrote %ld, oracle "
                     "counts %ld readable",
                     w->seed, day, us->login, total, n, readable);
        } else {
            /* exactly the readable accounts, in external-id order */
            long k = 0;
            for (int i = 0; i < w->n_acc; i++) {
                if (want[u][i] < READ)
                    continue;
                const char *id = k < n ? regio_access_account_id(a, idx[k]) : NULL;
                if (!id || strcmp(id, w->acc[i].id) != 0) {
                    FAIL_AT_("seed %" PRIu64 " day %s user %s: page item %ld is %s, expected %s",
                             w->seed, day, us->login, k, id ? id : "(none)", w->acc[i].id);
                    break;
                }
                k++;
            }
            /* a later page is a slice of the whole */
            long part[8], t2 = -1;
            long n2 = regio_access_scope_page(sc, 3, 5, part, &t2);
            long expect2 = readable > 3 ? (readable - 3 < 5 ? readable - 3 : 5) : 0;
            ASSERT_EQ_INT(n2, expect2);
            ASSERT_EQ_INT(t2, readable);
            for (long j = 0; j < n2 && j < expect2; j++)
                ASSERT_EQ_INT(part[j], idx[3 + j]);
        }
        /* regio_access_scope_territory (active users: the header leaves a
         * disabled one open; days with a model in force) and
         * regio_access_explain's level. */
        for (int t = 0; us->active && m >= 0 && t < w->n_terr[m]; t++) {
            int exp = oracle_scope_territory(w, day, u, t);
            int got = (int)regio_access_scope_territory(sc, w->terr[m][t].id);
            tt->territory_pairs++;
            tt->territory_true += exp > NONE;
            if (got != exp) {
                tt->mismatches++;
                if (tt->reported++ < 12)
                    FAIL_AT_("seed %" PRIu64 " (REGIO_ORACLE_SEED=%" PRIu64 ") day %s: "
                             "scope_territory(%s, %s) = %s, oracle %s (perms %u, %d users "
                             "below)",
                             w->seed, w->seed, day, us->login, w->terr[m][t].id,
                             LEVEL[got & 3], LEVEL[exp], us->perms, w->n_below[u]);
                else
                    regio_test_failed_checks_++;
            }
        }
        for (int i = 0; i < w->n_acc; i++) {
            regio_access_level lv = REGIO_LEVEL_NONE;
            if (regio_access_explain(a, lu[u], la[i], count_cb, NULL, &lv, &e) != REGIO_OK) {
                FAIL_AT_("explain %s %s: %s", us->login, w->acc[i].id, e.msg);
                break;
            }
            tt->explain_pairs++;
            if ((int)lv != want[u][i]) {
                tt->mismatches++;
                if (tt->reported++ < 6)
                    report_pair(w, a, day, u, i, want[u][i], (int)lv, "explain");
                else
                    regio_test_failed_checks_++;
            }
        }
        regio_access_scope_free(sc);
    }

    /* Rule 10 for every user and territory of the model in force, and for
     * ids only the planning model has (for users without the permission). */
    for (int u = 0; u < w->n_users; u++) {
        int perm = (w->users[u].perms & REGIO_PERM_MANAGE_TERRITORIES) != 0;
        if (m >= 0)
            for (int t = 0; t < w->n_terr[m]; t++) {
                int anc = 0;
                int exp = oracle_can_manage(w, day, u, t, &anc);
                int got = regio_access_can_manage(a, lu[u], w->terr[m][t].id) != 0;
                tt->manage_pairs++;
                if (exp && perm && w->users[u].active)
                    tt->manage_true_perm++;
                else if (exp)
                    tt->manage_true_memb++, tt->manage_true_anc += anc;
                else
                    tt->manage_false++;
                if (got != exp) {
                    tt->mismatches++;
                    if (tt->reported++ < 12) {
                        FAIL_AT_("seed %" PRIu64 " (REGIO_ORACLE_SEED=%" PRIu64
                                 ") variant %c day %s: can_manage(%s, %s) = %d, oracle %d "
                                 "(active %d perms %u)",
                                 w->seed, w->seed, "ABC"[w->variant], day, w->users[u].login,
                                 w->terr[m][t].id, got, exp, w->users[u].active,
                                 w->users[u].perms);
                        for (int k = 0; k < w->n_memb_of[m][u]; k++) {
                            const o_memb *mb = &w->memb[m][w->memb_of[m][u][k]];
                            fprintf(stderr, "    membership: ");
                            say_memb(stderr, w, m, mb);
                            fprintf(stderr, " current %d covers %d\n", current(mb, day),
                                    covers(w, m, mb->terr, t));
                        }
                    } else {
                        regio_test_failed_checks_++;
                    }
                }
            }
        if (perm)
            continue; /* "territory of the model in force": no answer fixed otherwise */
        for (int t = 0; t < w->n_terr[M_PLN]; t++) {
            const char *id = w->terr[M_PLN][t].id;
            int in_cur = 0;
            for (int c = 0; m >= 0 && c < w->n_terr[m]; c++)
                in_cur |= strcmp(w->terr[m][c].id, id) == 0;
            if (in_cur)
                continue;
            tt->manage_pairs++;
            if (regio_access_can_manage(a, lu[u], id)) {
                tt->mismatches++;
                if (tt->reported++ < 12)
                    FAIL_AT_("seed %" PRIu64 " day %s: can_manage(%s, %s) = 1 for a territory "
                             "not in the model in force",
                             w->seed, day, w->users[u].login, id);
                else
                    regio_test_failed_checks_++;
            }
        }
    }
out:
    regio_access_free(a);
}

/* ---- the test ------------------------------------------------------------------------ */

/* The variant of a seed is seed % 3, so consecutive seeds take turns. */
static const uint64_t SEEDS[] = {0x5eed0001, 0x5eed0002, 0x5eed0003, 0x5eed0004,
                                 0x5eed0005, 0x5eed0006, 0x5eed0007, 0x5eed0008};
#define N_SEEDS ((int)(sizeof SEEDS / sizeof *SEEDS))

static void run_seed(world *w, uint64_t seed, int variant, totals *tt)
{
    gen_world(w, seed, variant);
    rng r = {seed ^ 0xabcdef12345ull}; /* for the hand moves */
    char path[512];
    regio_test_store_location(path, sizeof path, "oracle");
    regio_store *s = NULL;
    regio_error e;
    memset(&e, 0, sizeof e);
    if (regio_store_open(path, &s, &e) != REGIO_OK) {
        FAIL_AT_("open: %s", e.msg);
        regio_test_store_remove(path);
        return;
    }
    if (build_store(w, s, &r) == 0 && index_world(w) == 0) {
        tt->seeds++;
        for (int d = 0; d < w->n_days; d++)
            check_day(w, s, w->days[d], d, tt);
    } else {
        FAIL_AT_("seed %" PRIu64 ": building the organisation failed", seed);
    }
    free_world(w);
    regio_store_close(s);
    regio_test_store_remove(path);
}

static void test_access_against_oracle(void)
{
    world *w = calloc(1, sizeof *w);
    totals tt;
    memset(&tt, 0, sizeof tt);
    if (!w) {
        FAIL_AT_("out of memory");
        return;
    }
    const char *one = getenv("REGIO_ORACLE_SEED");
    const char *pairs_env = getenv("REGIO_ORACLE_PAIRS");
    long target = pairs_env ? atol(pairs_env) : -1;
    int n_seeds = ORACLE_SANITIZED ? 3 : N_SEEDS; /* 3: one of each variant */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (one) {
        uint64_t seed = strtoull(one, NULL, 0);
        run_seed(w, seed, (int)(seed % 3), &tt);
    } else {
        for (int i = 0; target < 0 ? i < n_seeds : tt.pairs < target; i++) {
            uint64_t seed = i < N_SEEDS ? SEEDS[i] : 0x5eed0000ull + (uint64_t)i + 1;
            run_seed(w, seed, (int)(seed % 3), &tt);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("access oracle: %ld seeds, %ld days, %ld (user, account) pairs by level_of, %ld by "
           "scope (%ld users), %ld can_manage pairs, %ld mismatches, %.1f s%s\n",
           tt.seeds, tt.days, tt.pairs, tt.scope_pairs, tt.scope_users, tt.manage_pairs,
           tt.mismatches, secs, ORACLE_SANITIZED ? " (sanitized build)" : "");
    printf("  also: %ld pairs by regio_access_explain, %ld (user, territory) pairs by "
           "scope_territory (%ld not none)\n",
           tt.explain_pairs, tt.territory_pairs, tt.territory_true);
    printf("  levels: none %ld, read %ld, edit %ld, owner %ld\n", tt.level[0], tt.level[1],
           tt.level[2], tt.level[3]);
    printf("  can_manage: true by permission %ld, by membership %ld (%ld on an ancestor), "
           "false %ld\n",
           tt.manage_true_perm, tt.manage_true_memb, tt.manage_true_anc, tt.manage_false);
    printf("  pairs where the oracle saw:\n");
    for (int b = 0; b < W_COUNT; b++)
        printf("    %-42s %ld\n", W_NAME[b], tt.why[b]);

    /* The test must have looked at enough, and at every kind of case. */
    if (!one && !pairs_env)
        ASSERT_TRUE(tt.pairs >= 100000);
    if (!one && tt.seeds >= 3) { /* every variant ran */
        for (int l = 0; l < 4; l++)
            if (tt.level[l] == 0)
                FAIL_AT_("no pair has level %s: the generator is too uniform", LEVEL[l]);
        for (int b = 0; b < W_COUNT; b++)
            if (tt.why[b] == 0)
                FAIL_AT_("no pair exercised: %s", W_NAME[b]);
        ASSERT_TRUE(tt.manage_true_perm > 0);
        ASSERT_TRUE(tt.manage_true_memb > 0);
        ASSERT_TRUE(tt.manage_true_anc > 0);
        ASSERT_TRUE(tt.manage_false > 0);
        ASSERT_TRUE(tt.territory_true > 0 && tt.territory_true < tt.territory_pairs);
    }
    ASSERT_EQ_INT(tt.mismatches, 0);
    free(w);
}

int main(int argc, char **argv)
{
    /* --pg: the PostgreSQL variant (unit.test_access_oracle.pg), on REGIO_TEST_DB. */
    regio_test_backend(argc, argv, "test_access_oracle --pg");
    RUN(test_access_against_oracle);
    TEST_END();
}
