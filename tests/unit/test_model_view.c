/*
 * Randomised oracle test of the loaded-model type (regio/model_view.h).
 *
 * Each seed builds a temporary store: a GxG grid of point units with
 * 4-neighbour adjacency and two unit measures of their own ("pop", "hh"),
 * accounts placed in random units (some in none, some without revenue or
 * potential) whose counts and sums become the unit measures "accounts",
 * "revenue" and "potential", and a planning model with a 2- or 3-level
 * hierarchy (leaves T.., parents P0, P1 and sometimes a root Q0 above P0),
 * display names, reps, a random alignment, locks and account overrides.
 * The test keeps its own oracle of the model in plain arrays (unit ->
 * leaf, account -> override leaf or none, lock flags, revision) and after
 * every random edit (moves, overrides, override removals, locks, and
 * refused edits of every kind) checks the view and a freshly loaded view
 * against it: hierarchy, labels, locks, overrides, account leaves, the
 * METRICS.md totals (accounts, revenue and potential counted in the
 * account's effective territory, other measures from the units), the
 * changed flags, the realign input and the store being untouched by a
 * refusal. Then it saves labellings as new models (with and without a
 * base) and checks what was kept, and runs the load and an apply under
 * failing allocations.
 */
#include "regio/design_io.h"
#include "regio/model_view.h"
#include "regio/store.h"
#include "regio/strmap.h"
#include "regio_test.h"
#include "regio_test_db.h"
#include "store/schema_sqlite.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXU 64  /* units */
#define MAXA 128 /* accounts */
#define MAXN 16  /* territories (leaves and parents) */
#define MAXM 8   /* measures */
#define N_REPS 3

/* ---- reporting ------------------------------------------------------------------ */

static char ctx[160];   /* what is being checked, printed with every failure */
static int quiet;       /* 1: count mismatches without failing the test */
static int mismatches;  /* mismatches seen (quiet or not) */
static int n_printed;   /* failure lines printed so far (capped) */

#define EXPECT(c, ...)                                                                  \
    do {                                                                                \
        if (!(c)) {                                                                     \
            mismatches++;                                                               \
            if (!quiet) {                                                               \
                regio_test_failed_checks_++;                                            \
                if (n_printed++ < 80) {                                                 \
                    fprintf(stderr, "  %s:%d: [%s] ", __FILE__, __LINE__, ctx);         \
                    fprintf(stderr, __VA_ARGS__);                                       \
                    fputc('\n', stderr);                                                \
                }                                                                       \
            }                                                                           \
        }                                                                               \
    } while (0)

static int str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static const char *nz(const char *s) { return s ? s : "(null)"; }

/* ---- the world: store, units problem and oracle ----------------------------------- */

typedef struct node_def {
    char id[16];
    char name[32];
    int has_name;
    int parent; /* node index or -1 */
    int rep;    /* rep index or -1 */
    int leaf;   /* leaf index, or -1 for a parent */
} node_def;

/* The oracle's state of model "M". */
typedef struct state {
    int lab[MAXU];            /* leaf index, -1 unaligned */
    unsigned char lock[MAXU];
    int ov[MAXA];             /* override leaf, -1 none */
    long rev;
} state;

typedef struct world {
    char path[64];
    regio_store *s;
    regio_design_problem *p;
    regio_rng rng;
    unsigned seed;
    int n;
    char uid[MAXU][16];
    double pop[MAXU], hh[MAXU];
    int na;
    char aid[MAXA][16];
    int aunit[MAXA];
    double arev[MAXA], apot[MAXA];
    int n_nodes;
    node_def node[MAXN];
    int k;
    int leaf_node[MAXN];
    char rep_id[N_REPS][16];
    size_t m;
    int col_acc, col_rev, col_pot, col_pop, col_hh;
    state st;
} world;

static int below(world *w, int n) { return (int)regio_rng_below(&w->rng, (uint64_t)n); }

static const char *leaf_id(const world *w, int t) { return w->node[w->leaf_node[t]].id; }

static double fin(double x) { return isfinite(x) ? x : 0.0; }

/* The leaf an account counts in: its override, else its unit's leaf. */
static int eff(const world *w, const state *st, int a)
{
    if (st->ov[a] >= 0)
        return st->ov[a];
    return w->aunit[a] >= 0 ? st->lab[w->aunit[a]] : -1;
}

static int account_index(const world *w, const char *id)
{
    for (int a = 0; a < w->na; a++)
        if (!strcmp(w->aid[a], id))
            return a;
    return -1;
}

static int leaf_of(const world *w, const char *id)
{
    for (int t = 0; id && t < w->k; t++)
        if (!strcmp(leaf_id(w, t), id))
            return t;
    return -1;
}

static int unit_of(const world *w, const char *id)
{
    for (int i = 0; id && i < w->n; i++)
        if (!strcmp(w->uid[i], id))
            return i;
    return -1;
}

static long store_rev(world *w, const char *model)
{
    long r = -1;
    regio_error e;
    regio_err rc = regio_store_alignment_revision(w->s, model, &r, &e);
    EXPECT(rc == REGIO_OK, "revision of %s: %s", model, e.msg);
    return r;
}

/* Text of a one-column query (malloc'd, "" for NULL). */
static char *q_text(regio_store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    const char *t = "";
    char *out = NULL;
    if (sqlite3_prepare_v2(regio__sqlite_handle(s), sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        t = (const char *)sqlite3_column_text(st, 0);
    size_t len = strlen(t);
    out = malloc(len + 1);
    memcpy(out, t, len + 1);
    sqlite3_finalize(st);
    return out;
}

/* Everything a model edit or save could touch, as one string (malloc'd). */
static char *fingerprint(world *w)
{
    static const char *const q[] = {
        "SELECT group_concat(x, ';') FROM (SELECT id||':'||name||':'||state||':'||"
        "IFNULL(parent_model_id,'-')||':'||alignment_rev AS x FROM territory_models ORDER BY id)",
        "SELECT group_concat(x, ';') FROM (SELECT id||':'||model_id||':'||ext_id||':'||"
        "IFNULL(name,'-')||':'||IFNULL(parent_id,'-')||':'||IFNULL(rep_id,'-') AS x"
        " FROM territories ORDER BY id)",
        "SELECT group_concat(x, ';') FROM (SELECT id||':'||model_id||':'||unit_id||':'||"
        "territory_id||':'||locked||':'||IFNULL(effective_from,'-')||':'||"
        "IFNULL(effective_to,'-') AS x FROM alignments ORDER BY id)",
        "SELECT group_concat(x, ';') FROM (SELECT account_id||':'||territory_id||':'||cause AS x"
        " FROM account_territories ORDER BY account_id, territory_id, cause)",
        "SELECT COUNT(*)||':'||IFNULL(MAX(id),0) FROM audit_log",
    };
    size_t cap = 1, len = 0;
    char *parts[5];
    for (int i = 0; i < 5; i++) {
        parts[i] = q_text(w->s, q[i]);
        cap += strlen(parts[i]) + 1;
    }
    char *out = malloc(cap);
    for (int i = 0; i < 5; i++) {
        size_t l = strlen(parts[i]);
        memcpy(out + len, parts[i], l);
        len += l;
        out[len++] = '|';
        free(parts[i]);
    }
    out[len] = '\0';
    return out;
}

static int find_col(const world *w, const char *name)
{
    for (size_t c = 0; c < w->m; c++)
        if (!strcmp(w->p->in.measure_names[c], name))
            return (int)c;
    return -1;
}

static void world_free(world *w)
{
    regio_design_problem_destroy(w->p);
    if (w->s) {
        long bad = -1;
        regio_error e;
        EXPECT(regio_store_audit_verify(w->s, &bad, &e) == REGIO_OK, "audit chain: %s", e.msg);
    }
    regio_store_close(w->s);
    regio_test_db_remove(w->path);
    w->s = NULL;
    w->p = NULL;
}

/* Builds the store and the oracle for one seed; 0 on failure (reported). */
static int world_init(world *w, unsigned seed)
{
    memset(w, 0, sizeof *w);
    w->seed = seed;
    regio_rng_seed(&w->rng, 0x5eed0000u + seed);
    regio_test_db_path(w->path, sizeof w->path, "mview");
    regio_error e;
    regio_err rc = regio_store_open(w->path, &w->s, &e);
    EXPECT(rc == REGIO_OK, "open: %s", e.msg);
    if (rc)
        return 0;
    int ok = 1;
#define SETUP(call)                                                                     \
    do {                                                                                \
        regio_err rc_ = (call);                                                         \
        if (rc_) {                                                                      \
            EXPECT(0, "setup %s: %s: %s", #call, regio_err_name(rc_), e.msg);           \
            ok = 0;                                                                     \
        }                                                                               \
    } while (0)
    /* Units: a grid of points, 4-neighbour adjacency. */
    int g = 5 + below(w, 3);
    w->n = g * g;
    for (int i = 0; i < w->n; i++) {
        snprintf(w->uid[i], sizeof w->uid[i], "U%02d", i);
        w->pop[i] = below(w, 1000) + below(w, 100) / 100.0;
        w->hh[i] = below(w, 50);
        regio_attr at[2] = {{(char *)"pop", NULL, w->pop[i], 1},
                            {(char *)"hh", NULL, w->hh[i], 1}};
        regio_unit u;
        regio_unit_init(&u);
        u.id = w->uid[i];
        u.lat = 40 + 0.05 * (i / g);
        u.lon = -100 + 0.05 * (i % g);
        u.attrs = at;
        u.n_attrs = 2;
        SETUP(regio_store_unit_upsert(w->s, &u, NULL, &e));
    }
    regio_adj_edge edges[2 * MAXU];
    size_t ne = 0;
    for (int i = 0; i < w->n; i++) {
        if (i % g + 1 < g)
            edges[ne++] = (regio_adj_edge){w->uid[i], w->uid[i + 1], REGIO_ADJ_GIVEN, NAN};
        if (i + g < w->n)
            edges[ne++] = (regio_adj_edge){w->uid[i], w->uid[i + g], REGIO_ADJ_GIVEN, NAN};
    }
    SETUP(regio_store_adjacency_replace(w->s, edges, ne, &e));
    /* Accounts, some without a unit, revenue or potential. */
    w->na = 30 + below(w, 60);
    for (int a = 0; a < w->na; a++) {
        snprintf(w->aid[a], sizeof w->aid[a], "A%03d", a);
        w->aunit[a] = below(w, 10) == 0 ? -1 : below(w, w->n);
        w->arev[a] = below(w, 10) == 0 ? NAN : below(w, 10000000) / 100.0;
        w->apot[a] = below(w, 10) == 0 ? NAN : below(w, 100000) / 10.0;
        regio_account ac;
        regio_account_init(&ac);
        ac.id = w->aid[a];
        ac.unit_id = w->aunit[a] >= 0 ? w->uid[w->aunit[a]] : NULL;
        ac.annual_revenue = w->arev[a];
        ac.potential = w->apot[a];
        SETUP(regio_store_account_upsert(w->s, &ac, NULL, &e));
    }
    SETUP(regio_store_unit_measures_from_accounts(w->s, &e));
    for (int r = 0; r < N_REPS; r++) {
        snprintf(w->rep_id[r], sizeof w->rep_id[r], "R%d", r + 1);
        regio_rep rp;
        regio_rep_init(&rp);
        rp.id = w->rep_id[r];
        rp.name = (char *)"A rep";
        SETUP(regio_store_rep_upsert(w->s, &rp, NULL, &e));
    }
    /* The hierarchy, in id order: P0, P1, [Q0], T00.. */
    int has_q = below(w, 2);
    w->k = 3 + below(w, 4);
    int np = 2 + has_q;
    w->n_nodes = np + w->k;
    for (int j = 0; j < w->n_nodes; j++) {
        node_def *nd = &w->node[j];
        nd->leaf = -1;
        nd->parent = -1;
        nd->rep = below(w, 2) ? -1 : below(w, N_REPS);
        if (j < 2) {
            snprintf(nd->id, sizeof nd->id, "P%d", j);
            nd->parent = j == 0 && has_q ? 2 : -1;
        } else if (j < np) {
            snprintf(nd->id, sizeof nd->id, "Q0");
        } else {
            int t = j - np;
            snprintf(nd->id, sizeof nd->id, "T%02d", t);
            nd->leaf = t;
            w->leaf_node[t] = j;
            nd->parent = t < 2 ? t : below(w, 3) - 1;
        }
        nd->has_name = nd->leaf < 0 || below(w, 4) != 0;
        char id[sizeof nd->id];
        memcpy(id, nd->id, sizeof id);
        snprintf(nd->name, sizeof nd->name, "Name of %s", id);
    }
    SETUP(regio_store_model_create(w->s, "M", REGIO_MODEL_PLANNING, NULL, NULL, "oracle", NULL,
                                   &e));
    int order[MAXN], no = 0;
    if (has_q)
        order[no++] = 2;
    order[no++] = 0;
    order[no++] = 1;
    for (int j = np; j < w->n_nodes; j++)
        order[no++] = j;
    for (int o = 0; o < no; o++) {
        const node_def *nd = &w->node[order[o]];
        SETUP(regio_store_territory_upsert(w->s, "M", nd->id, nd->has_name ? nd->name : NULL,
                                           nd->parent >= 0 ? w->node[nd->parent].id : NULL, &e));
        if (nd->rep >= 0)
            SETUP(regio_store_territory_set_rep(w->s, "M", nd->id, w->rep_id[nd->rep], &e));
    }
    /* Alignment (sometimes leaving the last leaf empty), locks, overrides. */
    int kk = below(w, 2) ? w->k - 1 : w->k;
    for (int i = 0; i < w->n; i++) {
        w->st.lab[i] = below(w, kk);
        SETUP(regio_store_alignment_set(w->s, "M", w->uid[i], leaf_id(w, w->st.lab[i]), &e));
    }
    long rev = store_rev(w, "M");
    const char *ids[MAXU];
    size_t nl = 0;
    for (int i = 0; i < w->n; i++)
        if (below(w, 100) < 15) {
            ids[nl++] = w->uid[i];
            w->st.lock[i] = 1;
        }
    if (nl)
        SETUP(regio_store_alignment_lock(w->s, "M", rev, ids, nl, 1, "setup", &rev, NULL, &e));
    regio_alignment_row rows[MAXA];
    size_t nr = 0;
    for (int a = 0; a < w->na; a++) {
        w->st.ov[a] = -1;
        if (below(w, 100) < 12) {
            w->st.ov[a] = below(w, w->k);
            memset(&rows[nr], 0, sizeof rows[nr]);
            rows[nr].account_id = w->aid[a];
            rows[nr].territory = (char *)leaf_id(w, w->st.ov[a]);
            nr++;
        }
    }
    if (nr)
        SETUP(regio_store_alignment_apply(w->s, "M", rev, rows, nr, "setup", &rev, NULL, &e));
    w->st.rev = store_rev(w, "M");
    /* The units problem as the server loads it. */
    SETUP(regio_design_problem_load_units(w->s, 0, &w->p, &e));
#undef SETUP
    if (!ok || !w->p)
        return 0;
    w->m = w->p->in.m;
    w->col_acc = find_col(w, "accounts");
    w->col_rev = find_col(w, "revenue");
    w->col_pot = find_col(w, "potential");
    w->col_pop = find_col(w, "pop");
    w->col_hh = find_col(w, "hh");
    EXPECT(w->m == 5 && w->col_acc >= 0 && w->col_rev >= 0 && w->col_pot >= 0 &&
               w->col_pop >= 0 && w->col_hh >= 0,
           "the units have measures accounts, revenue, potential, pop, hh (m %zu)", w->m);
    EXPECT(w->p->in.n == (size_t)w->n, "units loaded %zu of %d", w->p->in.n, w->n);
    if (w->m != 5 || w->p->in.n != (size_t)w->n)
        return 0;
    for (int i = 0; i < w->n; i++)
        EXPECT(regio_unitset_find(w->p->loaded.units, w->uid[i]) == i, "unit %s at %d",
               w->uid[i], i);
    return 1;
}

/* ---- expected figures ------------------------------------------------------------- */

/* Totals (k x m) and unit counts of labelling lab (leaves 0..k-1) with
 * overrides ov (NULL: none), computed from the raw records. */
static void expected_totals(const world *w, const int *lab, const int *ov, int k, double *tot,
                            size_t *nu)
{
    memset(tot, 0, (size_t)k * w->m * sizeof *tot);
    memset(nu, 0, (size_t)k * sizeof *nu);
    for (int i = 0; i < w->n; i++) {
        int t = lab[i];
        if (t < 0 || t >= k)
            continue;
        nu[t]++;
        tot[(size_t)t * w->m + (size_t)w->col_pop] += w->pop[i];
        tot[(size_t)t * w->m + (size_t)w->col_hh] += w->hh[i];
    }
    for (int a = 0; a < w->na; a++) {
        int t = ov && ov[a] >= 0 ? ov[a] : w->aunit[a] >= 0 ? lab[w->aunit[a]] : -1;
        if (t < 0 || t >= k)
            continue;
        tot[(size_t)t * w->m + (size_t)w->col_acc] += 1;
        tot[(size_t)t * w->m + (size_t)w->col_rev] += fin(w->arev[a]);
        tot[(size_t)t * w->m + (size_t)w->col_pot] += fin(w->apot[a]);
    }
}

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static int near_rel(double a, double b)
{
    return fabs(a - b) <= 1e-9 * fmax(1.0, fmax(fabs(a), fabs(b)));
}

/* Checks the report of v against labelling lab / overrides ov. */
static void check_report(const world *w, const regio_model_view *v, const int *lab,
                         const int *ov)
{
    double tot[MAXN * MAXM];
    size_t nu[MAXN];
    int k = v->k;
    expected_totals(w, lab, ov, k, tot, nu);
    EXPECT(v->report.k == k && v->report.m == w->m, "report k %d m %zu, want %d %zu",
           v->report.k, v->report.m, k, w->m);
    if (v->report.k != k || v->report.m != w->m || !v->report.territories)
        return;
    for (int t = 0; t < k; t++) {
        const regio_design_territory *rt = &v->report.territories[t];
        EXPECT(rt->n_units == nu[t], "leaf %s: %zu units, want %zu", v->territory[t],
               rt->n_units, nu[t]);
        for (size_t c = 0; c < w->m; c++)
            EXPECT(near_rel(rt->totals[c], tot[(size_t)t * w->m + c]),
                   "leaf %s measure %s: total %.10g, want %.10g", v->territory[t],
                   w->p->in.measure_names[c], rt->totals[c], tot[(size_t)t * w->m + c]);
    }
}

/* ---- the view against the oracle ---------------------------------------------------- */

static void check_hierarchy(const world *w, const regio_model_view *v)
{
    EXPECT(v->k == w->k, "k %d, want %d", v->k, w->k);
    for (int t = 0; t < w->k && t < v->k; t++) {
        const node_def *nd = &w->node[w->leaf_node[t]];
        EXPECT(str_eq(v->territory[t], nd->id), "leaf %d is %s, want %s", t,
               nz(v->territory[t]), nd->id);
        EXPECT(str_eq(v->territory_name[t], nd->has_name ? nd->name : NULL),
               "leaf %s name %s", nd->id, nz(v->territory_name[t]));
        EXPECT(str_eq(v->territory_parent[t], nd->parent >= 0 ? w->node[nd->parent].id : NULL),
               "leaf %s parent %s", nd->id, nz(v->territory_parent[t]));
        EXPECT(str_eq(v->territory_rep[t], nd->rep >= 0 ? w->rep_id[nd->rep] : NULL),
               "leaf %s rep %s", nd->id, nz(v->territory_rep[t]));
    }
    EXPECT(v->n_nodes == (size_t)w->n_nodes, "%zu nodes, want %d", v->n_nodes, w->n_nodes);
    for (int j = 0; j < w->n_nodes && (size_t)j < v->n_nodes; j++) {
        const node_def *nd = &w->node[j];
        const regio_model_node *vn = &v->nodes[j];
        EXPECT(str_eq(vn->id, nd->id) && str_eq(vn->name, nd->has_name ? nd->name : NULL) &&
                   str_eq(vn->parent, nd->parent >= 0 ? w->node[nd->parent].id : NULL) &&
                   str_eq(vn->rep, nd->rep >= 0 ? w->rep_id[nd->rep] : NULL),
               "node %d: %s/%s/%s/%s, want %s", j, nz(vn->id), nz(vn->name), nz(vn->parent),
               nz(vn->rep), nd->id);
        EXPECT(regio_model_view_node(v, nd->id) == vn, "regio_model_view_node(%s)", nd->id);
        EXPECT(regio_model_view_leaf(v, nd->id) == nd->leaf, "regio_model_view_leaf(%s) %d",
               nd->id, regio_model_view_leaf(v, nd->id));
    }
    EXPECT(regio_model_view_leaf(v, "nope") == -1 && regio_model_view_node(v, "nope") == NULL,
           "unknown territory id found");
}

/* Compares view v with state st; returns the number of mismatches. */
static int check_view(const world *w, const regio_model_view *v, const state *st)
{
    int before = mismatches;
    if (!v) {
        EXPECT(0, "no view");
        return 1;
    }
    check_hierarchy(w, v);
    if (v->k != w->k)
        return mismatches - before;
    EXPECT(v->revision == st->rev, "revision %ld, want %ld", v->revision, st->rev);
    EXPECT(v->state == REGIO_MODEL_PLANNING, "state %d", (int)v->state);
    size_t aligned = 0;
    for (int i = 0; i < w->n; i++) {
        aligned += st->lab[i] >= 0;
        EXPECT(v->labels[i] == st->lab[i], "unit %s label %d, want %d", w->uid[i], v->labels[i],
               st->lab[i]);
        EXPECT(v->locked[i] == st->lock[i], "unit %s locked %d, want %d", w->uid[i],
               v->locked[i], st->lock[i]);
    }
    EXPECT(v->n_aligned == aligned, "n_aligned %zu, want %zu", v->n_aligned, aligned);
    size_t n_ov = 0;
    for (int a = 0; a < w->na; a++)
        n_ov += st->ov[a] >= 0;
    EXPECT(v->n_overrides == n_ov, "%zu overrides, want %zu", v->n_overrides, n_ov);
    for (size_t o = 0; o < v->n_overrides; o++) {
        const regio_model_override *ov = &v->overrides[o];
        int a = ov->account ? account_index(w, ov->account) : -1;
        EXPECT(a >= 0, "override %zu of unknown account %s", o, nz(ov->account));
        if (a < 0)
            continue;
        EXPECT(o == 0 || strcmp(v->overrides[o - 1].account, ov->account) < 0,
               "overrides not in account order at %s", ov->account);
        EXPECT(ov->to == st->ov[a] && str_eq(ov->territory, st->ov[a] >= 0
                                                                ? leaf_id(w, st->ov[a])
                                                                : NULL),
               "account %s override to %d (%s), want %d", ov->account, ov->to,
               nz(ov->territory), st->ov[a]);
        EXPECT(ov->unit == w->aunit[a], "account %s override unit %ld, want %d", ov->account,
               ov->unit, w->aunit[a]);
        for (size_t c = 0; ov->delta && c < w->m; c++) {
            double want = (int)c == w->col_acc   ? 1.0
                          : (int)c == w->col_rev ? fin(w->arev[a])
                          : (int)c == w->col_pot ? fin(w->apot[a])
                                                 : 0.0;
            EXPECT(ov->delta[c] == want, "account %s delta[%s] %g, want %g", ov->account,
                   w->p->in.measure_names[c], ov->delta[c], want);
        }
        EXPECT(ov->delta != NULL, "account %s override without deltas", ov->account);
    }
    /* The account index must point into the overrides before it is used. */
    int index_ok = 1;
    for (int a = 0; a < w->na; a++) {
        long o = v->override_index_ ? regio_strmap_get(v->override_index_, w->aid[a]) : -1;
        if (o >= (long)v->n_overrides) {
            index_ok = 0;
            EXPECT(0, "override index maps account %s to %ld of %zu overrides", w->aid[a], o,
                   v->n_overrides);
        }
    }
    for (int a = 0; index_ok && a < w->na; a++) {
        const char *unit = w->aunit[a] >= 0 ? w->uid[w->aunit[a]] : NULL;
        int got = regio_model_view_account_leaf(v, w->aid[a], unit);
        EXPECT(got == eff(w, st, a), "account_leaf(%s, %s) %d, want %d", w->aid[a], nz(unit),
               got, eff(w, st, a));
    }
    /* Units in no territory (added after the model was made) count in no
     * total: the report stands as long as something is aligned. */
    int want_report = aligned > 0;
    EXPECT(v->has_report == want_report, "has_report %d, want %d", v->has_report, want_report);
    if (v->has_report && want_report)
        check_report(w, v, st->lab, st->ov);
    return mismatches - before;
}

/* The in-memory view against a freshly loaded one, field by field. */
static void compare_views(const world *w, const regio_model_view *a, const regio_model_view *b)
{
    if (!a || !b)
        return;
    EXPECT(a->revision == b->revision, "revision %ld vs reloaded %ld", a->revision, b->revision);
    EXPECT(a->k == b->k && a->n_overrides == b->n_overrides && a->n_aligned == b->n_aligned &&
               a->has_report == b->has_report,
           "k %d/%d overrides %zu/%zu aligned %zu/%zu report %d/%d (view/reloaded)", a->k,
           b->k, a->n_overrides, b->n_overrides, a->n_aligned, b->n_aligned, a->has_report,
           b->has_report);
    if (a->k != b->k || a->n_overrides != b->n_overrides)
        return;
    for (int i = 0; i < w->n; i++)
        EXPECT(a->labels[i] == b->labels[i] && a->locked[i] == b->locked[i],
               "unit %s: %d%s vs reloaded %d%s", w->uid[i], a->labels[i],
               a->locked[i] ? "!" : "", b->labels[i], b->locked[i] ? "!" : "");
    for (size_t o = 0; o < a->n_overrides; o++)
        EXPECT(str_eq(a->overrides[o].account, b->overrides[o].account) &&
                   str_eq(a->overrides[o].territory, b->overrides[o].territory) &&
                   a->overrides[o].to == b->overrides[o].to &&
                   a->overrides[o].unit == b->overrides[o].unit,
               "override %zu: %s>%s vs reloaded %s>%s", o, nz(a->overrides[o].account),
               nz(a->overrides[o].territory), nz(b->overrides[o].account),
               nz(b->overrides[o].territory));
    if (!a->has_report || !b->has_report || a->report.k != b->report.k ||
        a->report.m != b->report.m)
        return;
    /* The edited view measured only the leaves its edits touched: every
     * figure must still be the whole evaluation's, bit for bit. */
    const regio_design_report *ra = &a->report, *rb = &b->report;
    EXPECT(same_bits(ra->travel_km, rb->travel_km) && same_bits(ra->max_diameter, rb->max_diameter) &&
               ra->n_noncontiguous == rb->n_noncontiguous && ra->n_empty == rb->n_empty,
           "travel %.17g / %.17g, diameter %.17g / %.17g, non-contiguous %d / %d (view/reloaded)",
           ra->travel_km, rb->travel_km, ra->max_diameter, rb->max_diameter, ra->n_noncontiguous,
           rb->n_noncontiguous);
    for (size_t c = 0; c < ra->m; c++)
        EXPECT(same_bits(ra->balance[c], rb->balance[c]) && same_bits(ra->cv[c], rb->cv[c]) &&
                   same_bits(ra->gini[c], rb->gini[c]) &&
                   same_bits(ra->within5[c], rb->within5[c]) &&
                   same_bits(ra->within15[c], rb->within15[c]),
               "measure %zu: balance, cv, gini or within differ from the reloaded view's", c);
    for (int t = 0; t < a->k; t++) {
        const regio_design_territory *ta = &ra->territories[t], *tb = &rb->territories[t];
        EXPECT(same_bits(ta->travel_km, tb->travel_km) && same_bits(ta->diameter, tb->diameter) &&
                   ta->centre == tb->centre && ta->n_components == tb->n_components,
               "leaf %s: travel %.17g / %.17g, diameter %.17g / %.17g, centre %ld / %ld, "
               "components %d / %d (view/reloaded)",
               a->territory[t], ta->travel_km, tb->travel_km, ta->diameter, tb->diameter,
               ta->centre, tb->centre, ta->n_components, tb->n_components);
        EXPECT(a->report.territories[t].n_units == b->report.territories[t].n_units,
               "leaf %s units %zu vs reloaded %zu", a->territory[t],
               a->report.territories[t].n_units, b->report.territories[t].n_units);
        for (size_t c = 0; c < a->report.m; c++)
            EXPECT(near_rel(a->report.territories[t].totals[c],
                            b->report.territories[t].totals[c]),
                   "leaf %s measure %zu: %.10g vs reloaded %.10g", a->territory[t], c,
                   a->report.territories[t].totals[c], b->report.territories[t].totals[c]);
    }
}

static regio_model_view *load_view(world *w, const char *model)
{
    regio_model_view *v = NULL;
    regio_error e;
    regio_err rc = regio_model_view_load(w->s, w->p, model, -1, &v, &e);
    EXPECT(rc == REGIO_OK && v, "load %s: %s: %s", model, regio_err_name(rc), e.msg);
    return v;
}

/* regio_model_view_realign_input against the oracle. */
static void check_realign(const world *w, const regio_model_view *v, const state *st)
{
    int k = -1, *baseline = NULL, *locked = NULL;
    char **names = NULL;
    regio_error e;
    regio_err rc = regio_model_view_realign_input(v, &k, &names, &baseline, &locked, &e);
    int unaligned = 0, any_lock = 0, pos[MAXN], nk = 0;
    for (int i = 0; i < w->n; i++) {
        unaligned += st->lab[i] < 0;
        any_lock |= st->lock[i];
    }
    if (unaligned == w->n) {
        EXPECT(rc == REGIO_EDATA, "realign input with no aligned unit: %s", regio_err_name(rc));
        EXPECT(k == 0 && !names && !baseline && !locked, "outputs set on refusal");
    } else {
        for (int t = 0; t < w->k; t++) {
            pos[t] = -1;
            for (int i = 0; i < w->n && pos[t] < 0; i++)
                if (st->lab[i] == t)
                    pos[t] = nk++;
        }
        EXPECT(rc == REGIO_OK, "realign input: %s: %s", regio_err_name(rc), e.msg);
        EXPECT(k == nk, "realign k %d, want %d", k, nk);
        for (int t = 0; rc == REGIO_OK && k == nk && t < w->k; t++)
            if (pos[t] >= 0)
                EXPECT(str_eq(names[pos[t]], leaf_id(w, t)), "realign name %d %s, want %s",
                       pos[t], nz(names[pos[t]]), leaf_id(w, t));
        /* The grid is full and 4-connected, so hops are the Manhattan
         * distance: an unaligned unit starts in the territory of one of
         * the aligned units nearest to it in hops. */
        int g = 1;
        while (g * g < w->n)
            g++;
        for (int i = 0; rc == REGIO_OK && i < w->n; i++) {
            if (st->lab[i] < 0) {
                int best = 1 << 30, ok = 0;
                for (int j = 0; j < w->n; j++)
                    if (st->lab[j] >= 0) {
                        int d = abs(i / g - j / g) + abs(i % g - j % g);
                        if (d < best)
                            best = d;
                    }
                for (int j = 0; j < w->n; j++)
                    if (st->lab[j] >= 0 && abs(i / g - j / g) + abs(i % g - j % g) == best)
                        ok |= baseline[i] == pos[st->lab[j]];
                EXPECT(ok, "unaligned %s starts in %d, not a territory %d hops away", w->uid[i],
                       baseline[i], best);
                continue;
            }
            EXPECT(baseline[i] == pos[st->lab[i]], "baseline %s %d, want %d", w->uid[i],
                   baseline[i], pos[st->lab[i]]);
            if (locked)
                EXPECT(locked[i] == (st->lock[i] ? baseline[i] : -1), "locked %s %d", w->uid[i],
                       locked[i]);
        }
        EXPECT(rc != REGIO_OK || (locked != NULL) == (any_lock != 0),
               "locked array %s with %s locks", locked ? "given" : "NULL", any_lock ? "" : "no");
    }
    regio_model_view_names_free(names, k);
    regio_free(baseline);
    regio_free(locked);
}

/* The view, a reloaded view and the realign input against the oracle. */
static void full_check(world *w, const regio_model_view *v)
{
    check_view(w, v, &w->st);
    EXPECT(store_rev(w, "M") == w->st.rev, "store revision %ld, want %ld", store_rev(w, "M"),
           w->st.rev);
    regio_model_view *f = load_view(w, "M");
    if (f) {
        char save[sizeof ctx];
        memcpy(save, ctx, sizeof ctx);
        snprintf(ctx + strlen(ctx), sizeof ctx - strlen(ctx), " (reloaded)");
        check_view(w, f, &w->st);
        memcpy(ctx, save, sizeof ctx);
        compare_views(w, v, f);
    }
    regio_model_view_destroy(f);
    if (v)
        check_realign(w, v, &w->st);
}

/* ---- edits -------------------------------------------------------------------------- */

static long n_steps_total, n_op[4], n_refusal_kind[9], n_rows_total; /* what ran */

static regio_alignment_row urow(const char *unit, const char *terr)
{
    regio_alignment_row r;
    memset(&r, 0, sizeof r);
    r.unit_id = (char *)unit;
    r.territory = (char *)terr;
    return r;
}

static regio_alignment_row arow(const char *acc, const char *terr)
{
    regio_alignment_row r;
    memset(&r, 0, sizeof r);
    r.account_id = (char *)acc;
    r.territory = (char *)terr;
    return r;
}

/* The oracle's effect of rows (in order); the revision is bumped by the caller. */
static void apply_rows(const world *w, state *st, const regio_alignment_row *rows, size_t n)
{
    for (size_t r = 0; r < n; r++) {
        if (rows[r].unit_id)
            st->lab[unit_of(w, rows[r].unit_id)] = leaf_of(w, rows[r].territory);
        else
            st->ov[account_index(w, rows[r].account_id)] = leaf_of(w, rows[r].territory);
    }
}

/* Appends up to want valid rows for state st (locked units only to their own leaf). */
static size_t gen_valid(world *w, const state *st, regio_alignment_row *rows, size_t want)
{
    for (size_t r = 0; r < want; r++) {
        int x = below(w, 100);
        if (x < 50) {
            int i = below(w, w->n);
            int t = st->lock[i] ? st->lab[i] : below(w, w->k);
            rows[r] = urow(w->uid[i], leaf_id(w, t));
        } else if (x < 85) {
            rows[r] = arow(w->aid[below(w, w->na)], leaf_id(w, below(w, w->k)));
        } else {
            int a = below(w, w->na);
            for (int d = 0; d < w->na && below(w, 10) < 7; d++)
                if (st->ov[(a + d) % w->na] >= 0) {
                    a = (a + d) % w->na;
                    break;
                }
            rows[r] = arow(w->aid[a], NULL);
        }
    }
    return want;
}

/* Leaf membership of units and accounts differs between two states for leaf t. */
static int membership_changed(const world *w, const state *a, const state *b, int t)
{
    for (int i = 0; i < w->n; i++)
        if ((a->lab[i] == t) != (b->lab[i] == t))
            return 1;
    for (int x = 0; x < w->na; x++)
        if ((eff(w, a, x) == t) != (eff(w, b, x) == t))
            return 1;
    return 0;
}

/* A batch the oracle says is valid: it must apply, and changed must cover
 * every leaf whose members or totals changed. */
static void do_apply(world *w, regio_model_view *v, const regio_alignment_row *rows, size_t n)
{
    state post = w->st;
    apply_rows(w, &post, rows, n);
    if (n)
        post.rev++;
    double before[MAXN * MAXM];
    size_t before_n[MAXN];
    int had = v->has_report;
    for (int t = 0; had && t < v->k; t++) {
        before_n[t] = v->report.territories[t].n_units;
        for (size_t c = 0; c < w->m; c++)
            before[(size_t)t * w->m + c] = v->report.territories[t].totals[c];
    }
    unsigned char *changed = NULL;
    regio_apply_status status = (regio_apply_status)99;
    regio_error e;
    regio_err rc =
        regio_model_view_apply(w->s, v, w->st.rev, rows, n, "tester", &changed, &status, &e);
    EXPECT(rc != REGIO_OK || changed, "apply gave no changed flags");
    EXPECT(rc == REGIO_OK && status == REGIO_APPLY_OK, "apply of %zu rows: %s (status %d): %s",
           n, regio_err_name(rc), (int)status, e.msg);
    if (rc)
        return;
    for (int t = 0; t < w->k; t++) {
        EXPECT(changed[t] == 0 || changed[t] == 1, "changed[%d] = %d", t, changed[t]);
        if (membership_changed(w, &w->st, &post, t))
            EXPECT(changed[t] == 1, "leaf %s gained or lost members but changed[%d] = 0",
                   leaf_id(w, t), t);
        int differs = 0;
        for (size_t c = 0; had && v->has_report && c < w->m; c++)
            differs |= !near_rel(before[(size_t)t * w->m + c],
                                 v->report.territories[t].totals[c]);
        if (had && v->has_report && before_n[t] != v->report.territories[t].n_units)
            differs = 1;
        if (differs)
            EXPECT(changed[t] == 1, "leaf %s totals changed but changed[%d] = 0", leaf_id(w, t),
                   t);
    }
    regio_free(changed);
    w->st = post;
}

static void do_lock(world *w, regio_model_view *v)
{
    const char *ids[3];
    int cnt = 1 + below(w, 3), locked = below(w, 2);
    state post = w->st;
    for (int j = 0; j < cnt; j++) {
        int i = below(w, w->n);
        ids[j] = w->uid[i];
        post.lock[i] = (unsigned char)locked;
    }
    post.rev++;
    regio_apply_status status = (regio_apply_status)99;
    regio_error e;
    regio_err rc = regio_model_view_lock(w->s, v, w->st.rev, ids, (size_t)cnt, locked, "tester",
                                         &status, &e);
    EXPECT(rc == REGIO_OK && status == REGIO_APPLY_OK, "lock %d units (%d): %s: %s", cnt, locked,
           regio_err_name(rc), e.msg);
    if (!rc)
        w->st = post;
}

/* A refused edit: the answer is (want, want_st) and nothing changes. */
static void expect_refused(world *w, regio_model_view *v, int is_lock, long expected_rev,
                           const regio_alignment_row *rows, size_t n, const char *const *ids,
                           int locked, regio_err want, regio_apply_status want_st,
                           const char *what)
{
    long view_rev = v->revision;
    char *fp = fingerprint(w);
    unsigned char *changed = (unsigned char *)1; /* must come back NULL */
    regio_apply_status status = (regio_apply_status)99;
    regio_error e;
    regio_error_clear(&e);
    regio_err rc =
        is_lock ? regio_model_view_lock(w->s, v, expected_rev, ids, n, locked, "tester", &status,
                                        &e)
                : regio_model_view_apply(w->s, v, expected_rev, rows, n, "tester", &changed,
                                         &status, &e);
    EXPECT(rc == want && status == want_st, "%s: got %s (status %d), want %s (status %d): %s",
           what, regio_err_name(rc), (int)status, regio_err_name(want), (int)want_st, e.msg);
    EXPECT(is_lock || changed == NULL, "%s: changed flags after a refusal", what);
    EXPECT(v->revision == view_rev, "%s: view revision %ld, want %ld", what, v->revision,
           view_rev);
    EXPECT(store_rev(w, "M") == w->st.rev, "%s: store revision moved", what);
    char *fp2 = fingerprint(w);
    EXPECT(!strcmp(fp, fp2), "%s: the store changed", what);
    free(fp);
    free(fp2);
}

/* One refused edit of a random kind. */
static void do_refusal(world *w, regio_model_view *v)
{
    regio_alignment_row rows[8];
    size_t n = gen_valid(w, &w->st, rows, (size_t)below(w, 3));
    int kind = below(w, 9);
    int lk = -1;
    for (int d = 0, i0 = below(w, w->n); d < w->n && lk < 0; d++)
        if (w->st.lock[(i0 + d) % w->n])
            lk = (i0 + d) % w->n;
    if (kind == 0 && lk < 0)
        kind = 3;
    n_refusal_kind[kind]++;
    const char *parents[3] = {"P0", "P1", "Q0"};
    int np = w->n_nodes - w->k;
    const char *leaf = leaf_id(w, below(w, w->k));
    const char *unit = w->uid[below(w, w->n)];
    const char *acc = w->aid[below(w, w->na)];
    long rev = w->st.rev;
    switch (kind) {
    case 0: { /* a locked unit to another leaf */
        int t = (w->st.lab[lk] + 1 + below(w, w->k - 1)) % w->k;
        rows[n++] = urow(w->uid[lk], leaf_id(w, t));
        n += gen_valid(w, &w->st, rows + n, (size_t)below(w, 2));
        snprintf(ctx + strlen(ctx), sizeof ctx - strlen(ctx), " locked %s", w->uid[lk]);
        expect_refused(w, v, 0, rev, rows, n, NULL, 0, REGIO_ECONFLICT, REGIO_APPLY_LOCKED,
                       "locked unit moved");
        break;
    }
    case 1: /* a stale revision */
        if (n == 0)
            n = gen_valid(w, &w->st, rows, 1);
        rev = below(w, 2) && rev > 0 ? rev - 1 - below(w, (int)(rev < 5 ? rev : 5))
                                     : rev + 1 + below(w, 3);
        expect_refused(w, v, 0, rev, rows, n, NULL, 0, REGIO_ECONFLICT, REGIO_APPLY_STALE,
                       "stale revision");
        break;
    case 2: /* an unknown territory */
        rows[n++] = below(w, 2) ? urow(unit, below(w, 2) ? "T99" : "nope") : arow(acc, "T99");
        expect_refused(w, v, 0, rev, rows, n, NULL, 0, REGIO_EDATA, REGIO_APPLY_UNKNOWN,
                       "unknown territory");
        break;
    case 3: /* an unknown unit */
        rows[n++] = urow("U99", leaf);
        expect_refused(w, v, 0, rev, rows, n, NULL, 0, REGIO_EDATA, REGIO_APPLY_UNKNOWN,
                       "unknown unit");
        break;
    case 4: /* a parent as destination */
        rows[n++] = below(w, 2) ? urow(unit, parents[below(w, np)])
                                : arow(acc, parents[below(w, np)]);
        expect_refused(w, v, 0, rev, rows, n, NULL, 0, REGIO_EDATA, REGIO_APPLY_UNKNOWN,
                       "parent as destination");
        break;
    case 5: /* an unknown account */
        rows[n++] = arow("A999", leaf);
        n += gen_valid(w, &w->st, rows + n, (size_t)below(w, 2));
        expect_refused(w, v, 0, rev, rows, n, NULL, 0, REGIO_EDATA, REGIO_APPLY_UNKNOWN,
                       "unknown account");
        break;
    case 6: { /* a lock with a stale revision */
        const char *ids[1] = {unit};
        expect_refused(w, v, 1, rev + 1, NULL, 1, ids, below(w, 2), REGIO_ECONFLICT,
                       REGIO_APPLY_STALE, "stale lock");
        break;
    }
    case 7: { /* a lock of an unknown unit after a known one */
        const char *ids[2] = {unit, "U99"};
        expect_refused(w, v, 1, rev, NULL, 2, ids, below(w, 2), REGIO_EDATA, REGIO_APPLY_UNKNOWN,
                       "lock of an unknown unit");
        break;
    }
    default: { /* a malformed row */
        regio_alignment_row r = urow(unit, below(w, 2) ? NULL : leaf);
        if (r.territory)
            r.account_id = (char *)acc;
        rows[n++] = r;
        expect_refused(w, v, 0, rev, rows, n, NULL, 0, REGIO_EINVAL, REGIO_APPLY_INVALID,
                       "malformed row");
        break;
    }
    }
}

/* ---- saving new models ---------------------------------------------------------------- */

typedef struct exp_node {
    const char *id, *name, *parent, *rep;
    int leaf;
} exp_node;

static int cmp_exp(const void *a, const void *b)
{
    return strcmp(((const exp_node *)a)->id, ((const exp_node *)b)->id);
}

static int node_index(const world *w, const char *id)
{
    for (int j = 0; j < w->n_nodes; j++)
        if (!strcmp(w->node[j].id, id))
            return j;
    return -1;
}

/* Checks model target as saved from names/labels (with base when with_base). */
static void check_saved(world *w, const state *st, int with_base, const char *target, int k,
                        char *const *names, const int *labels)
{
    exp_node ex[MAXN + 4];
    int nx = 0;
    for (int t = 0; t < k; t++) {
        int j = with_base ? node_index(w, names[t]) : -1;
        if (j < 0) {
            ex[nx++] = (exp_node){names[t], names[t], NULL, NULL, 0};
            continue;
        }
        for (; j >= 0; j = w->node[j].parent) {
            int have = 0;
            for (int x = 0; x < nx; x++)
                have |= !strcmp(ex[x].id, w->node[j].id);
            if (have)
                continue;
            const node_def *nd = &w->node[j];
            ex[nx++] = (exp_node){nd->id, nd->has_name ? nd->name : nd->id,
                                  nd->parent >= 0 ? w->node[nd->parent].id : NULL,
                                  nd->rep >= 0 ? w->rep_id[nd->rep] : NULL, 0};
        }
    }
    qsort(ex, (size_t)nx, sizeof *ex, cmp_exp);
    int nleaves = 0;
    for (int x = 0; x < nx; x++) {
        int is_parent = 0, holds = 0;
        for (int y = 0; y < nx; y++)
            is_parent |= ex[y].parent && !strcmp(ex[y].parent, ex[x].id);
        for (int i = 0; i < w->n; i++)
            holds |= !strcmp(names[labels[i]], ex[x].id);
        ex[x].leaf = !is_parent || holds;
        nleaves += ex[x].leaf;
    }
    regio_model_info info;
    memset(&info, 0, sizeof info);
    regio_error e;
    regio_err rc = regio_store_model_find(w->s, target, &info, &e);
    EXPECT(rc == REGIO_OK, "find %s: %s", target, e.msg);
    EXPECT(str_eq(info.parent, with_base ? "M" : NULL), "model %s parent %s", target,
           nz(info.parent));
    EXPECT(info.state == REGIO_MODEL_PLANNING, "model %s state %d", target, (int)info.state);
    regio_model_info_clear(&info);
    regio_model_view *nv = load_view(w, target);
    if (!nv)
        return;
    EXPECT(nv->n_nodes == (size_t)nx, "%s: %zu territories, want %d", target, nv->n_nodes, nx);
    for (int x = 0; x < nx && (size_t)x < nv->n_nodes; x++) {
        const regio_model_node *vn = &nv->nodes[x];
        EXPECT(str_eq(vn->id, ex[x].id) && str_eq(vn->name, ex[x].name) &&
                   str_eq(vn->parent, ex[x].parent) && str_eq(vn->rep, ex[x].rep),
               "%s node %d: %s name %s parent %s rep %s, want %s %s %s %s", target, x,
               nz(vn->id), nz(vn->name), nz(vn->parent), nz(vn->rep), ex[x].id, nz(ex[x].name),
               nz(ex[x].parent), nz(ex[x].rep));
    }
    EXPECT(nv->k == nleaves, "%s: %d leaves, want %d", target, nv->k, nleaves);
    for (int x = 0, t = 0; nv->k == nleaves && x < nx; x++) {
        if (!ex[x].leaf)
            continue;
        EXPECT(str_eq(nv->territory[t], ex[x].id) && str_eq(nv->territory_name[t], ex[x].name) &&
                   str_eq(nv->territory_parent[t], ex[x].parent) &&
                   str_eq(nv->territory_rep[t], ex[x].rep),
               "%s leaf %d: %s, want %s", target, t, nz(nv->territory[t]), ex[x].id);
        t++;
    }
    int ok_labels = 1;
    for (int i = 0; i < w->n; i++) {
        int l = nv->labels[i];
        int same = l >= 0 && l < nv->k && str_eq(nv->territory[l], names[labels[i]]);
        ok_labels &= same;
        EXPECT(same, "%s: unit %s in %s, want %s", target, w->uid[i],
               l >= 0 && l < nv->k ? nv->territory[l] : "-", names[labels[i]]);
        EXPECT(nv->locked[i] == (with_base ? st->lock[i] : 0), "%s: unit %s locked %d",
               target, w->uid[i], nv->locked[i]);
    }
    EXPECT(nv->n_overrides == 0, "%s: %zu overrides", target, nv->n_overrides);
    EXPECT(nv->has_report == 1, "%s: no report", target);
    if (ok_labels && nv->has_report)
        check_report(w, nv, nv->labels, NULL);
    regio_model_view_destroy(nv);
}

static void test_save_round(world *w, const regio_model_view *v, int with_base, int round)
{
    char *names[MAXN + 4];
    int k = 0, perm[MAXN];
    for (int t = 0; t < w->k; t++)
        perm[t] = t;
    for (int t = w->k - 1; t > 0; t--) {
        int j = below(w, t + 1), x = perm[t];
        perm[t] = perm[j];
        perm[j] = x;
    }
    int kk = 1 + below(w, w->k);
    for (int t = 0; t < kk; t++)
        names[k++] = (char *)leaf_id(w, perm[t]);
    if (below(w, 3) == 0)
        names[k++] = w->node[below(w, w->n_nodes - w->k)].id; /* a parent holding units */
    if (below(w, 3) == 0)
        names[k++] = (char *)"N1"; /* a territory the base does not have */
    int labels[MAXU], labels2[MAXU];
    for (int i = 0; i < w->n; i++) {
        labels[i] = below(w, k);
        labels2[i] = (labels[i] + 1) % k;
    }
    char target[32];
    snprintf(target, sizeof target, "%s%u_%d", with_base ? "S" : "D", w->seed, round);
    snprintf(ctx, sizeof ctx, "seed %u save %s (k %d)", w->seed, target, k);
    const regio_model_view *base = with_base ? v : NULL;
    regio_error e;
    regio_err rc =
        regio_model_view_save(w->s, w->p, base, k, names, labels, NULL, target, 0, "tester", &e);
    EXPECT(rc == REGIO_OK, "save %s: %s: %s", target, regio_err_name(rc), e.msg);
    if (rc)
        return;
    check_saved(w, &w->st, with_base, target, k, names, labels);
    /* An existing name (the same or the base) is refused and changes nothing. */
    const char *again[2] = {target, "M"};
    for (int j = 0; j < 2; j++) {
        char *fp = fingerprint(w);
        rc = regio_model_view_save(w->s, w->p, base, k, names, labels2, NULL, again[j], 0,
                                   "tester", &e);
        EXPECT(rc == REGIO_ECONFLICT, "save over existing %s: %s", again[j], regio_err_name(rc));
        char *fp2 = fingerprint(w);
        EXPECT(!strcmp(fp, fp2), "a refused save over %s changed the store", again[j]);
        free(fp);
        free(fp2);
    }
    check_saved(w, &w->st, with_base, target, k, names, labels);
}

/* ---- the random sequences --------------------------------------------------------------- */


static void run_seed(unsigned seed, int steps)
{
    world w;
    snprintf(ctx, sizeof ctx, "seed %u setup", seed);
    if (!world_init(&w, seed)) {
        world_free(&w);
        return;
    }
    snprintf(ctx, sizeof ctx, "seed %u load", seed);
    regio_model_view *v = load_view(&w, "M");
    if (!v) {
        world_free(&w);
        return;
    }
    full_check(&w, v);
    for (int step = 0; step < steps; step++) {
        int before = regio_test_failed_checks_;
        int op = below(&w, 100);
        snprintf(ctx, sizeof ctx, "seed %u step %d op %d", seed, step, op);
        if (op < 5) {
            n_op[0]++;
            do_apply(&w, v, NULL, 0);
        } else if (op < 45) {
            regio_alignment_row rows[4];
            size_t n = gen_valid(&w, &w.st, rows, (size_t)(1 + below(&w, 4)));
            n_op[1]++;
            n_rows_total += (long)n;
            do_apply(&w, v, rows, n);
        } else if (op < 57) {
            n_op[2]++;
            do_lock(&w, v);
        } else {
            n_op[3]++;
            do_refusal(&w, v);
        }
        full_check(&w, v);
        n_steps_total++;
        if (regio_test_failed_checks_ != before) {
            fprintf(stderr, "  seed %u: stopping at step %d after a failure\n", seed, step);
            regio_model_view_destroy(v);
            world_free(&w);
            return;
        }
    }
    /* Saving labellings as new models, with the view as base and without. */
    test_save_round(&w, v, 1, 1);
    test_save_round(&w, v, 1, 2);
    test_save_round(&w, v, 0, 3);
    /* An unaligned unit: no report, no realign input; a move aligns it again. */
    snprintf(ctx, sizeof ctx, "seed %u unaligned", seed);
    int x = below(&w, w.n);
    while (w.st.lock[x]) /* a stale view's locks are another test */
        x = (x + 1) % w.n;
    regio_error e;
    EXPECT(regio_store_alignment_set(w.s, "M", w.uid[x], NULL, &e) == REGIO_OK, "unalign: %s",
           e.msg);
    w.st.lab[x] = -1;
    w.st.lock[x] = 0;
    w.st.rev = store_rev(&w, "M");
    regio_alignment_row back[1] = {urow(w.uid[x], leaf_id(&w, 0))};
    expect_refused(&w, v, 0, v->revision, back, 1, NULL, 0, REGIO_ECONFLICT, REGIO_APPLY_STALE,
                   "apply through a view older than the store");
    regio_model_view_destroy(v);
    v = load_view(&w, "M");
    if (v) {
        full_check(&w, v);
        do_apply(&w, v, back, 1);
        full_check(&w, v);
    }
    regio_model_view_destroy(v);
    world_free(&w);
}

static void test_random_sequences(void)
{
    for (unsigned seed = 1; seed <= 8; seed++)
        run_seed(seed, 60);
    printf("random sequences: 8 seeds, %ld steps: %ld empty applies, %ld applies (%ld rows), "
           "%ld locks, %ld refusals (locked %ld, stale %ld, unknown territory %ld, unknown "
           "unit %ld, parent %ld, unknown account %ld, stale lock %ld, lock unknown %ld, "
           "malformed %ld)\n",
           n_steps_total, n_op[0], n_op[1], n_rows_total, n_op[2], n_op[3], n_refusal_kind[0],
           n_refusal_kind[1], n_refusal_kind[2], n_refusal_kind[3], n_refusal_kind[4],
           n_refusal_kind[5], n_refusal_kind[6], n_refusal_kind[7], n_refusal_kind[8]);
}

/* A view that missed another writer's change must not claim the store's
 * revision after an apply that the store accepted. */
static void test_stale_view_apply(void)
{
    world w;
    snprintf(ctx, sizeof ctx, "stale view setup");
    if (!world_init(&w, 77)) {
        world_free(&w);
        return;
    }
    int u1 = -1, u2 = -1, lk = -1;
    for (int i = 0; i < w.n; i++) {
        if (w.st.lock[i])
            lk = lk < 0 ? i : lk;
        else if (u1 < 0)
            u1 = i;
        else if (u2 < 0)
            u2 = i;
    }
    if (lk < 0) { /* the fixture needs one locked unit */
        lk = w.n - 1;
        const char *ids[1] = {w.uid[lk]};
        regio_error e;
        EXPECT(regio_store_alignment_lock(w.s, "M", w.st.rev, ids, 1, 1, "setup", &w.st.rev, NULL,
                                          &e) == REGIO_OK,
               "lock: %s", e.msg);
        w.st.lock[lk] = 1;
    }
    regio_model_view *v1 = load_view(&w, "M"), *v2 = load_view(&w, "M");
    if (!v1 || !v2)
        goto out;
    /* Another writer (v2) moves u1 and unlocks lk; v1 does not know. */
    snprintf(ctx, sizeof ctx, "stale view: another writer moves %s and unlocks %s", w.uid[u1],
             w.uid[lk]);
    regio_alignment_row r1[1] = {urow(w.uid[u1], leaf_id(&w, (w.st.lab[u1] + 1) % w.k))};
    do_apply(&w, v2, r1, 1);
    const char *unlock[1] = {w.uid[lk]};
    regio_apply_status status;
    regio_error e;
    EXPECT(regio_model_view_lock(w.s, v2, w.st.rev, unlock, 1, 0, "other", &status, &e) ==
               REGIO_OK,
           "unlock: %s", e.msg);
    w.st.lock[lk] = 0;
    w.st.rev++;
    check_view(&w, v2, &w.st);
    /* Through v1 with its own (old) revision: stale, whatever the rows. */
    snprintf(ctx, sizeof ctx, "stale view: move %s through v1 at its old revision %ld",
             w.uid[u2], v1->revision);
    regio_alignment_row r2[1] = {urow(w.uid[u2], leaf_id(&w, (w.st.lab[u2] + 1) % w.k))};
    expect_refused(&w, v1, 0, v1->revision, r2, 1, NULL, 0, REGIO_ECONFLICT, REGIO_APPLY_STALE,
                   "stale view");
    snprintf(ctx, sizeof ctx,
             "stale view: move %s (locked in v1, unlocked in the store) through v1 at its old "
             "revision %ld (store at %ld)",
             w.uid[lk], v1->revision, w.st.rev);
    regio_alignment_row r3[1] = {urow(w.uid[lk], leaf_id(&w, (w.st.lab[lk] + 1) % w.k))};
    expect_refused(&w, v1, 0, v1->revision, r3, 1, NULL, 0, REGIO_ECONFLICT, REGIO_APPLY_STALE,
                   "stale view");
    /* Through v1 with the store's current revision: if it is accepted,
     * v1 must then be the store's model at the new revision. */
    snprintf(ctx, sizeof ctx,
             "stale view: %s moved by another writer, then %s moved through v1 (revision %ld) "
             "with the store's current revision %ld",
             w.uid[u1], w.uid[u2], v1->revision, w.st.rev);
    do_apply(&w, v1, r2, 1);
    check_view(&w, v1, &w.st);
    /* v2 is now behind: brought up to date by reading the store again,
     * measuring only the leaves whose units moved. */
    snprintf(ctx, sizeof ctx, "stale view: v2 read again after %s moved through v1", w.uid[u2]);
    unsigned char *changed = NULL;
    int from2 = v2->labels[u2];
    EXPECT(regio_model_view_reload(w.s, v2, &changed, &e) == REGIO_OK, "reload: %s", e.msg);
    check_view(&w, v2, &w.st);
    compare_views(&w, v2, v1);
    EXPECT(changed && from2 >= 0 && changed[from2] && changed[v2->labels[u2]],
           "the reload flags the leaves %s left and joined", w.uid[u2]);
    int n_changed = 0;
    for (int t = 0; changed && t < v2->k; t++)
        n_changed += changed[t];
    EXPECT(n_changed == 2, "%d leaves flagged, want 2", n_changed);
    regio_free(changed);
out:
    regio_model_view_destroy(v1);
    regio_model_view_destroy(v2);
    world_free(&w);
}

/* ---- allocation failures ---------------------------------------------------------------- */

static void test_alloc_load(void)
{
    world w;
    snprintf(ctx, sizeof ctx, "alloc load setup");
    if (!world_init(&w, 101)) {
        world_free(&w);
        return;
    }
    int ok = 0, failures = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 20000 && !ok; alloc_fail_at++) {
        snprintf(ctx, sizeof ctx, "load failing allocation %d", alloc_fail_at);
        regio_model_view *v = (regio_model_view *)&w; /* must be reset to NULL */
        regio_error e;
        alloc_calls = 0;
        regio_set_allocator(&regio_test_failing);
        regio_err rc = regio_model_view_load(w.s, w.p, "M", -1, &v, &e);
        regio_set_allocator(NULL);
        if (rc) {
            failures++;
            EXPECT(rc == REGIO_ENOMEM, "load failed with %s: %s", regio_err_name(rc), e.msg);
            EXPECT(v == NULL, "*out not NULL after a failed load");
            continue;
        }
        ok = alloc_calls < alloc_fail_at;
        check_view(&w, v, &w.st);
        regio_model_view_destroy(v);
    }
    EXPECT(ok, "load never succeeded");
    EXPECT(failures > 10, "only %d failing runs", failures);
    printf("allocation failures: load ran %d times, failed cleanly %d times\n",
           alloc_fail_at - 1, failures);
    world_free(&w);
}

static void test_alloc_apply(void)
{
    world w;
    snprintf(ctx, sizeof ctx, "alloc apply setup");
    if (!world_init(&w, 202)) {
        world_free(&w);
        return;
    }
    /* The batch: a new override, a unit move, an override removal, a second override. */
    int a_new = -1, a_old = -1, a_new2 = -1, unit = -1;
    for (int a = 0; a < w.na; a++) {
        if (w.st.ov[a] >= 0 && a_old < 0)
            a_old = a;
        else if (w.st.ov[a] < 0 && w.aunit[a] >= 0 && a_new < 0)
            a_new = a;
        else if (w.st.ov[a] < 0 && a_new2 < 0)
            a_new2 = a;
    }
    for (int i = 0; i < w.n && unit < 0; i++)
        if (!w.st.lock[i])
            unit = i;
    EXPECT(a_new >= 0 && a_old >= 0 && a_new2 >= 0 && unit >= 0, "fixture for the batch");
    if (a_new < 0 || a_old < 0 || a_new2 < 0 || unit < 0) {
        world_free(&w);
        return;
    }
    regio_alignment_row rows[4] = {
        arow(w.aid[a_new], leaf_id(&w, (w.st.lab[w.aunit[a_new]] + 1) % w.k)),
        urow(w.uid[unit], leaf_id(&w, (w.st.lab[unit] + 1) % w.k)),
        arow(w.aid[a_old], NULL),
        arow(w.aid[a_new2], leaf_id(&w, w.k - 1)),
    };
    int ok = 0, failures = 0, committed_failures = 0;
    int bad_view_runs = 0, first_bad_view = 0, last_bad_view = 0, stale_views = 0;
    int bad_overrides_runs = 0, no_report_runs = 0;
    int bad_status_runs = 0, first_bad_status = 0, last_bad_status = 0, bad_status = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 20000 && !ok; alloc_fail_at++) {
        char model[32];
        snprintf(model, sizeof model, "AF%d", alloc_fail_at);
        snprintf(ctx, sizeof ctx, "apply failing allocation %d (model %s)", alloc_fail_at, model);
        regio_error e;
        if (regio_store_model_clone(w.s, "M", model, NULL, "tester", NULL, &e)) {
            EXPECT(0, "clone: %s", e.msg);
            break;
        }
        regio_model_view *v = load_view(&w, model);
        if (!v)
            break;
        state pre = w.st, post;
        pre.rev = v->revision;
        post = pre;
        apply_rows(&w, &post, rows, 4);
        post.rev++;
        check_view(&w, v, &pre);
        unsigned char *changed = NULL;
        regio_apply_status status = (regio_apply_status)99;
        alloc_calls = 0;
        regio_set_allocator(&regio_test_failing);
        regio_err rc = regio_model_view_apply(w.s, v, pre.rev, rows, 4, "tester", &changed,
                                              &status, &e);
        regio_free(changed);
        regio_set_allocator(NULL);
        regio_model_view *f = load_view(&w, model);
        if (rc == REGIO_OK) {
            ok = alloc_calls < alloc_fail_at;
            snprintf(ctx + strlen(ctx), sizeof ctx - strlen(ctx), ": apply returned OK");
            check_view(&w, f, &post);
            /* The view must then be the store's: report the first run in
             * full, count the others. */
            snprintf(ctx + strlen(ctx), sizeof ctx - strlen(ctx), ", the view");
            quiet = bad_view_runs > 0;
            /* A view that could not follow the committed change must say
             * so (model_view.h): revision -1, no overrides, no report, and
             * every later edit refused as stale. */
            if (v->revision == -1) {
                stale_views++;
                EXPECT(v->n_overrides == 0 && !v->has_report,
                       "a stale view keeps %zu overrides (report %d)", v->n_overrides,
                       v->has_report);
                regio_alignment_row again = {(char *)"U00", NULL, (char *)"T00", NULL, 0};
                regio_apply_status st2 = REGIO_APPLY_OK;
                regio_error e2;
                EXPECT(regio_model_view_apply(w.s, v, post.rev, &again, 1, "tester", NULL, &st2,
                                              &e2) == REGIO_OK ||
                           st2 != REGIO_APPLY_OK,
                       "an edit through a stale view: %s", e2.msg);
            } else if (check_view(&w, v, &post)) {
                if (!bad_view_runs++)
                    first_bad_view = alloc_fail_at;
                last_bad_view = alloc_fail_at;
                /* What is wrong: the overrides (or their index), or only the report. */
                size_t want_ov = 0;
                for (int a = 0; a < w.na; a++)
                    want_ov += post.ov[a] >= 0;
                int ov_ok = v->n_overrides == want_ov && v->override_index_;
                for (size_t o = 0; ov_ok && o < v->n_overrides; o++)
                    ov_ok = v->overrides[o].account && v->overrides[o].delta &&
                            regio_strmap_get(v->override_index_, v->overrides[o].account) ==
                                (long)o;
                if (!ov_ok)
                    bad_overrides_runs++;
                else if (!v->has_report)
                    no_report_runs++;
            }
            quiet = 0;
        } else {
            failures++;
            EXPECT(rc == REGIO_ENOMEM, "apply failed with %s: %s", regio_err_name(rc), e.msg);
            if (status != REGIO_APPLY_ERROR) {
                if (!bad_status_runs++)
                    first_bad_status = alloc_fail_at;
                last_bad_status = alloc_fail_at;
                bad_status = (int)status;
            }
            quiet = 1;
            int m0 = mismatches;
            int is_pre = check_view(&w, f, &pre) == 0;
            int is_post = !is_pre && check_view(&w, f, &post) == 0;
            mismatches = m0;
            quiet = 0;
            EXPECT(is_pre || is_post, "after a failed apply the store is partly changed");
            committed_failures += is_post;
            if (is_pre) {
                snprintf(ctx + strlen(ctx), sizeof ctx - strlen(ctx), ": the view after it");
                check_view(&w, v, &pre);
            }
        }
        regio_model_view_destroy(f);
        regio_model_view_destroy(v);
    }
    snprintf(ctx, sizeof ctx, "apply under failing allocations");
    EXPECT(ok, "apply never succeeded");
    EXPECT(failures > 3, "only %d failing runs", failures);
    EXPECT(bad_view_runs == 0,
           "apply returned REGIO_OK but left the view unlike the store in %d runs (failing "
           "allocation %d..%d; the first is detailed above): %d with overrides or their index "
           "wrong, %d with only the report missing",
           bad_view_runs, first_bad_view, last_bad_view, bad_overrides_runs, no_report_runs);
    EXPECT(bad_status_runs == 0,
           "apply returned REGIO_ENOMEM with status %d, not REGIO_APPLY_ERROR, in %d runs "
           "(failing allocation %d..%d)",
           bad_status, bad_status_runs, first_bad_status, last_bad_status);
    printf("allocation failures: apply ran %d times, failed %d times (%d of them after the "
           "store committed); %d successes left the view marked stale\n",
           alloc_fail_at - 1, failures, committed_failures, stale_views);
    world_free(&w);
}

int main(void)
{
    RUN(test_random_sequences);
    RUN(test_stale_view_apply);
    RUN(test_alloc_load);
    RUN(test_alloc_apply);
    TEST_END();
}
