/*
 * The figures of docs/PERFORMANCE.md. One pass over the sales lines of the
 * window the period needs (the period, the same period a year back, and
 * the year before its end) credits each line to a slot: the territory
 * that held its account in the model that credits the line's day (as-of:
 * the model in force that day; current: the reporting model). Quotas,
 * visits, potential and coverage land in slots the same way. Rows are
 * then gathered from the slots — per territory code, or through each
 * slot's placement (the rep and ancestors the territory has in that
 * model) per rep or level — and every ratio is computed from the sums.
 */
#include "regio/perf.h"

#include "regio/access.h"
#include "regio/org.h"
#include "regio/strmap.h"
#include "core/error.h"
#include "core/grow.h"
#include "perf/perf_store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNASSIGNED "(unassigned)"
#define NO_REP "(no rep)"
#define MAX_DEPTH 64

/* One model the figures read: its accounts' territories and its tree. */
typedef struct pmodel {
    char *name;
    /* per account index, side by side so that crediting a line touches one
     * place: its territory id (-1 none) and its latest won day in the
     * active window (INT32_MIN none) */
    struct pacct {
        int32_t terr;
        regio_day lastwon;
    } *acct;
    int32_t *parent; /* per territory id: parent id, -1 root, -2 not in this model */
    int32_t *rep;    /* per territory id: rep id, -1 none */
    unsigned char *leaf; /* per territory id: has no child in this model */
} pmodel;

/* Amounts and counts credited to one (model, territory) slot. */
typedef struct slot {
    double bookings, bookings_prev, pipeline, pipeline_w, quota, potential;
    long won, lost, visits, active, needing, covered;
    int seen; /* credited with a line or a visit: the territory gets a row */
} slot;

typedef struct segment {
    regio_day from;
    int model;
} segment;

typedef struct perf {
    regio_store *s;
    const regio_perf_query *q;
    regio_period p, prev, active;
    /* accounts */
    long long *keys;     /* account keys in ascending order */
    long long *unit;     /* per account: its unit's key, 0 none */
    long long max_unit;
    double *potential, *freq;
    size_t na, capa;
    int32_t *visits;     /* visits per account in P */
    int visit_model;     /* the model crediting every visit of P, or -1 (visit by visit) */
    int32_t *dense;      /* account key -> index (keys are row ids, dense), or NULL */
    long long max_key;
    int contiguous;      /* account keys are 1..na: the index is key - 1 */
    char **segments;     /* segment per account (NULL) for the frequency map */
    /* territory codes and reps, interned */
    regio_strmap *tmap, *rmap;
    char **tname, **rname;
    size_t nt, capt, nr, capr;
    /* models: 0 is the reporting model */
    pmodel *m;
    size_t nm, capm;
    segment *tl;
    size_t ntl, captl;
    slot *slots;         /* nm * (nt + 1); the last territory id is (unassigned) */
    regio_err rc;
    int cur_model;
    long last_placed;   /* territory id code_id gave last, or -1 */
    int32_t *unit_terr; /* per unit key: its territory in the model being loaded, -1 */
} perf;

/* ---- small helpers -------------------------------------------------------------- */

static regio_err oom(regio_error *err)
{
    return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
}

static long intern(regio_strmap *map, char ***names, size_t *n, size_t *cap, const char *s,
                   regio_err *rc)
{
    int found = 0;
    long old = -1;
    if ((*rc = regio_strmap_put(map, s, (long)*n, &found, &old)))
        return -1;
    if (found)
        return old;
    char *copy = regio_strdup(s);
    if (!copy || regio__grow(names, cap, *n + 1, sizeof **names)) {
        regio_free(copy);
        *rc = REGIO_ENOMEM;
        return -1;
    }
    (*names)[*n] = copy;
    return (long)(*n)++;
}

static long account_index(const perf *c, long long key)
{
    if (c->contiguous)
        return key >= 1 && key <= (long long)c->na ? (long)(key - 1) : -1;
    if (c->dense)
        return key >= 0 && key <= c->max_key ? c->dense[key] : -1;
    size_t lo = 0, hi = c->na;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->keys[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->na && c->keys[lo] == key ? (long)lo : -1;
}

static regio_err walked(perf *c, regio_err rc)
{
    return rc == REGIO_ECANCELLED && c->rc ? c->rc : rc;
}

/* ---- reading ---------------------------------------------------------------------- */

static int on_account(void *ud, const regio__perf_account *a)
{
    perf *c = ud;
    if (c->na == c->capa) {
        size_t cap = c->capa ? 2 * c->capa : 4096;
        long long *k = regio_realloc(c->keys, cap * sizeof *k);
        if (k)
            c->keys = k;
        double *p = regio_realloc(c->potential, cap * sizeof *p);
        if (p)
            c->potential = p;
        double *f = regio_realloc(c->freq, cap * sizeof *f);
        if (f)
            c->freq = f;
        char **sg = regio_realloc(c->segments, cap * sizeof *sg);
        if (sg)
            c->segments = sg;
        if (!k || !p || !f || !sg) {
            c->rc = REGIO_ENOMEM;
            return 1;
        }
        c->capa = cap;
    }
    c->keys[c->na] = a->key;
    c->potential[c->na] = isnan(a->potential) ? 0.0 : a->potential;
    c->freq[c->na] = a->visits_per_year;
    c->segments[c->na] = NULL;
    /* the segment only matters to a segment frequency map */
    int seg_map = c->q->segment_visits && *c->q->segment_visits;
    if (seg_map && isnan(a->visits_per_year) && a->segment &&
        !(c->segments[c->na] = regio_strdup(a->segment))) {
        c->rc = REGIO_ENOMEM;
        return 1;
    }
    c->na++;
    return 0;
}

/* "A=24,B=12": the frequency of the accounts whose frequency column is
 * empty, by segment. */
static regio_err segment_visits(perf *c, regio_error *err)
{
    const char *map = c->q->segment_visits;
    for (size_t i = 0; i < c->na; i++) {
        if (isnan(c->freq[i]))
            c->freq[i] = 0;
    }
    if (!map || !*map)
        return REGIO_OK;
    const char *p = map;
    while (*p) {
        const char *eq = strchr(p, '=');
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        if (!eq || eq > end || eq == p)
            return regio_error_setf(err, REGIO_EINVAL, NULL, 0, "segment-visits",
                                    "--segment-visits '%.80s': write SEGMENT=VISITS_PER_YEAR "
                                    "pairs separated by commas (A=24,B=12,C=4)",
                                    map);
        char seg[128], num[64];
        snprintf(seg, sizeof seg, "%.*s", (int)(eq - p), p);
        snprintf(num, sizeof num, "%.*s", (int)(end - eq - 1), eq + 1);
        char *stop = NULL;
        double v = strtod(num, &stop);
        if (!num[0] || *stop || !isfinite(v) || v < 0)
            return regio_error_setf(err, REGIO_EINVAL, NULL, 0, "segment-visits",
                                    "--segment-visits: '%s' for segment '%s' is no number of "
                                    "visits per year",
                                    num, seg);
        for (size_t i = 0; i < c->na; i++)
            if (c->segments[i] && !strcmp(c->segments[i], seg) && c->freq[i] == 0)
                c->freq[i] = v;
        p = *end ? end + 1 : end;
    }
    return REGIO_OK;
}

typedef struct tload {
    perf *c;
    int32_t *parent, *rep; /* grown with the territory ids */
    size_t cap;
    char **parents;        /* parent code per territory id of this model, resolved after */
} tload;

static int on_territory(void *ud, const regio_territory_info *t)
{
    tload *l = ud;
    perf *c = l->c;
    long id = intern(c->tmap, &c->tname, &c->nt, &c->capt, t->id, &c->rc);
    if (id < 0)
        return 1;
    if ((size_t)id >= l->cap)
        return 0; /* a territory added meanwhile: read_trees says so */
    l->parent[id] = -1;
    if (t->parent && !(l->parents[id] = regio_strdup(t->parent))) {
        c->rc = REGIO_ENOMEM;
        return 1;
    }
    if (t->rep && (l->rep[id] = (int32_t)intern(c->rmap, &c->rname, &c->nr, &c->capr, t->rep,
                                                &c->rc)) < 0)
        return 1;
    return 0;
}

/* Territory id of a code, interned; -1 (c->rc set) out of memory. The
 * same code as the last one is found without the map. */
static long code_id(perf *c, const char *territory)
{
    long id = c->last_placed;
    if (id < 0 || strcmp(territory, c->tname[id])) {
        id = intern(c->tmap, &c->tname, &c->nt, &c->capt, territory, &c->rc);
        c->last_placed = id;
    }
    return id;
}

/* An account's unit. */
static int on_account_unit(void *ud, long long account, long long unit)
{
    perf *c = ud;
    long i = account_index(c, account);
    if (i >= 0)
        c->unit[i] = unit;
    return 0;
}

/* A unit of the model being loaded and its territory. */
static int on_unit(void *ud, long long unit, const char *territory)
{
    perf *c = ud;
    if (unit < 1 || unit > c->max_unit || !territory)
        return 0; /* no account lies in it */
    long id = code_id(c, territory);
    if (id < 0)
        return 1;
    c->unit_terr[unit] = (int32_t)id;
    return 0;
}

/* A hand move of the model being loaded. */
static int on_hand_move(void *ud, long long account, const char *territory)
{
    perf *c = ud;
    long i = account_index(c, account);
    if (i < 0 || !territory)
        return 0;
    long id = code_id(c, territory);
    if (id < 0)
        return 1;
    c->m[c->cur_model].acct[i].terr = (int32_t)id;
    return 0;
}

/* Interns a model's territory codes (its tree is read once every id is
 * known: read_trees). */
static int on_code(void *ud, const regio_territory_info *t)
{
    perf *c = ud;
    return intern(c->tmap, &c->tname, &c->nt, &c->capt, t->id, &c->rc) < 0;
}

/* Index of model name in c->m, loading it when new. */
static regio_err load_model(perf *c, const char *name, int *out, regio_error *err)
{
    for (size_t i = 0; i < c->nm; i++)
        if (!strcmp(c->m[i].name, name)) {
            *out = (int)i;
            return REGIO_OK;
        }
    if (regio__grow(&c->m, &c->capm, c->nm + 1, sizeof *c->m))
        return oom(err);
    pmodel *m = &c->m[c->nm];
    memset(m, 0, sizeof *m);
    if (!(m->name = regio_strdup(name)) ||
        !(m->acct = regio_malloc((c->na ? c->na : 1) * sizeof *m->acct))) {
        regio_free(m->name);
        return oom(err);
    }
    c->nm++;
    for (size_t i = 0; i < c->na; i++) {
        m->acct[i].terr = -1;
        m->acct[i].lastwon = INT32_MIN;
    }
    regio_err rc = walked(c, regio_store_territories_foreach(c->s, name, on_code, c, err));
    if (rc)
        return rc;
    c->cur_model = (int)(c->nm - 1);
    c->last_placed = -1;
    /* each account where its unit is, then the hand moves */
    if (!(c->unit_terr = regio_malloc((size_t)(c->max_unit + 1) * sizeof *c->unit_terr)))
        return oom(err);
    for (long long u = 0; u <= c->max_unit; u++)
        c->unit_terr[u] = -1;
    rc = walked(c, regio__perf_model_units(c->s, name, on_unit, c, err));
    for (size_t i = 0; !rc && i < c->na; i++)
        m->acct[i].terr = c->unit[i] > 0 ? c->unit_terr[c->unit[i]] : -1;
    regio_free(c->unit_terr);
    c->unit_terr = NULL;
    if (!rc)
        rc = walked(c, regio__perf_model_hand_moves(c->s, name, on_hand_move, c, err));
    *out = (int)(c->nm - 1);
    return rc;
}

typedef struct promo {
    char *model;
    char day[11];
    long id;
} promo;

typedef struct promos {
    promo *p;
    size_t n, cap;
    regio_err rc;
} promos;

static int on_promotion(void *ud, const regio_promotion_info *pi)
{
    promos *ps = ud;
    if (pi->status == REGIO_PROMOTION_WITHDRAWN || !pi->effective_from)
        return 0;
    if (regio__grow(&ps->p, &ps->cap, ps->n + 1, sizeof *ps->p) ||
        !(ps->p[ps->n].model = regio_strdup(pi->model))) {
        ps->rc = REGIO_ENOMEM;
        return 1;
    }
    snprintf(ps->p[ps->n].day, sizeof ps->p[ps->n].day, "%s", pi->effective_from);
    ps->p[ps->n].id = pi->id;
    ps->n++;
    return 0;
}

static int cmp_promo(const void *a, const void *b)
{
    const promo *x = a, *y = b;
    int c = strcmp(x->day, y->day);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* The timeline of the models in force (as-of crediting), from the
 * promotions that were not withdrawn; without any, the model in force
 * today, else the reporting model, for every day. */
static regio_err load_timeline(perf *c, regio_error *err)
{
    promos ps = {0};
    regio_err rc = regio_store_promotions_foreach(c->s, NULL, on_promotion, &ps, err);
    if (rc == REGIO_ECANCELLED && ps.rc)
        rc = ps.rc;
    if (!rc && ps.n > 1)
        qsort(ps.p, ps.n, sizeof *ps.p, cmp_promo);
    for (size_t i = 0; !rc && i < ps.n; i++) {
        regio_day d;
        if (regio_day_parse(ps.p[i].day, &d))
            continue;
        int mi = 0;
        if ((rc = load_model(c, ps.p[i].model, &mi, err)))
            break;
        if (c->ntl && c->tl[c->ntl - 1].from == d) {
            c->tl[c->ntl - 1].model = mi; /* same day: the later promotion */
            continue;
        }
        if (regio__grow(&c->tl, &c->captl, c->ntl + 1, sizeof *c->tl)) {
            rc = oom(err);
            break;
        }
        c->tl[c->ntl].from = d;
        c->tl[c->ntl++].model = mi;
    }
    for (size_t i = 0; i < ps.n; i++)
        regio_free(ps.p[i].model);
    regio_free(ps.p);
    if (rc || c->ntl)
        return rc;
    regio_model_info mi;
    memset(&mi, 0, sizeof mi);
    int idx = 0;
    regio_error e2;
    regio_error_clear(&e2);
    char today[11];
    regio_day_format(regio_day_today(), today);
    if (regio_store_model_in_force(c->s, today, &mi, &e2) == REGIO_OK && mi.name)
        rc = load_model(c, mi.name, &idx, err);
    regio_model_info_clear(&mi);
    if (rc)
        return rc;
    if (regio__grow(&c->tl, &c->captl, 1, sizeof *c->tl))
        return oom(err);
    c->tl[0].from = INT32_MIN;
    c->tl[0].model = idx;
    c->ntl = 1;
    return REGIO_OK;
}

/* The model that credits day d. */
static int model_of(const perf *c, regio_day d)
{
    if (c->q->current || !c->ntl)
        return 0;
    size_t lo = 0, hi = c->ntl;
    while (lo < hi) { /* first segment starting after d */
        size_t mid = lo + (hi - lo) / 2;
        if (c->tl[mid].from <= d)
            lo = mid + 1;
        else
            hi = mid;
    }
    return c->tl[lo ? lo - 1 : 0].model;
}

/* ---- crediting ---------------------------------------------------------------------- */

static slot *slot_of(perf *c, int m, long acc)
{
    int32_t t = acc >= 0 ? c->m[m].acct[acc].terr : -1;
    size_t tid = t >= 0 ? (size_t)t : c->nt;
    return &c->slots[(size_t)m * (c->nt + 1) + tid];
}

static int in(regio_period p, regio_day d)
{
    return d >= p.start && d < p.end;
}

/* The active window's won lines are kept per (model, account) as the
 * latest day: an (account, territory) pair is the account under one or
 * more models holding it in that territory, and it counts once, placed by
 * the model of its latest day (count_active). */
enum { IN_P = 1, IN_PREV = 2, IN_ACTIVE = 4 };

/* The scan of [from, to): per day, the windows it lies in and the model
 * that credits it, looked up once (lines come by account, days jump). */
typedef struct scan {
    perf *c;
    regio_day from;
    size_t days;
    unsigned char *in;
    int32_t *model;
} scan;

static regio_err scan_days(scan *sc, perf *c, regio_day from, regio_day to, regio_error *err)
{
    sc->c = c;
    sc->from = from;
    sc->days = to > from ? (size_t)((long long)to - from) : 0;
    sc->in = regio_malloc(sc->days ? sc->days : 1);
    sc->model = regio_malloc((sc->days ? sc->days : 1) * sizeof *sc->model);
    if (!sc->in || !sc->model)
        return oom(err);
    for (size_t i = 0; i < sc->days; i++) {
        regio_day d = from + (regio_day)i;
        sc->in[i] = (unsigned char)((in(c->p, d) ? IN_P : 0) | (in(c->prev, d) ? IN_PREV : 0) |
                                    (in(c->active, d) ? IN_ACTIVE : 0));
        sc->model[i] = model_of(c, d);
    }
    return REGIO_OK;
}

static int on_sales(void *ud, const regio__perf_sale *v, size_t n)
{
    scan *sc = ud;
    perf *c = sc->c;
    for (size_t i = 0; i < n; i++) {
        const regio__perf_sale *x = &v[i];
        size_t d = (size_t)((long long)x->day - sc->from);
        if (x->day < sc->from || d >= sc->days || !sc->in[d])
            continue;
        unsigned in_ = sc->in[d];
        int m = sc->model[d];
        long acc = account_index(c, x->account);
        slot *sl = slot_of(c, m, acc);
        if (in_ & IN_P) {
            if (x->status == REGIO__SALE_WON) {
                sl->bookings += x->amount;
                sl->won++;
            } else if (x->status == REGIO__SALE_LOST) {
                sl->lost++;
            } else {
                sl->pipeline += x->amount;
                sl->pipeline_w +=
                    x->amount * (isnan(x->probability) ? 0.0 : x->probability) / 100.0;
            }
        }
        if ((in_ & IN_PREV) && x->status == REGIO__SALE_WON)
            sl->bookings_prev += x->amount;
        if ((in_ & IN_ACTIVE) && x->status == REGIO__SALE_WON && acc >= 0) {
            regio_day *lw = &c->m[m].acct[acc].lastwon;
            if (x->day > *lw)
                *lw = x->day;
        }
        sl->seen = 1;
    }
    return 0;
}

static void count_active(perf *c)
{
    size_t nt1 = c->nt + 1;
    for (size_t i = 0; i < c->na; i++)
        for (size_t m = 0; m < c->nm; m++) {
            regio_day d = c->m[m].acct[i].lastwon;
            if (d == INT32_MIN)
                continue;
            int32_t t = c->m[m].acct[i].terr;
            int best = 1; /* the latest day among the models that put it in t */
            for (size_t m2 = 0; m2 < c->nm && best; m2++) {
                regio_day d2 = c->m[m2].acct[i].lastwon;
                if (m2 == m || d2 == INT32_MIN || c->m[m2].acct[i].terr != t)
                    continue;
                best = d2 < d || (d2 == d && m2 > m);
            }
            if (best)
                c->slots[m * nt1 + (t >= 0 ? (size_t)t : c->nt)].active++;
        }
}

static int on_visit(void *ud, long long account, regio_day day)
{
    perf *c = ud;
    long acc = account_index(c, account);
    if (acc < 0)
        return 0;
    c->visits[acc]++;
    if (c->visit_model < 0) {
        slot *sl = slot_of(c, model_of(c, day), acc);
        sl->visits++;
        sl->seen = 1;
    }
    return 0;
}

/* Visits arrive by day, their accounts at random: when one model credits
 * the whole period, they are only counted per account while read, and
 * credited to the slots here, in account order. */
static regio_err credit_visits(perf *c, regio_error *err)
{
    int m = model_of(c, c->p.start);
    c->visit_model = m;
    for (size_t i = 0; c->visit_model >= 0 && i < c->ntl; i++)
        if (c->tl[i].from > c->p.start && c->tl[i].from < c->p.end && c->tl[i].model != m)
            c->visit_model = -1;
    if (c->q->current)
        c->visit_model = 0;
    regio_err rc =
        walked(c, regio__perf_visits_scan(c->s, c->p.start, c->p.end, on_visit, c, err));
    for (size_t i = 0; !rc && c->visit_model >= 0 && i < c->na; i++)
        if (c->visits[i]) {
            slot *sl = slot_of(c, c->visit_model, (long)i);
            sl->visits += c->visits[i];
            sl->seen = 1;
        }
    return rc;
}

static int on_quota(void *ud, const regio__perf_quota *q)
{
    perf *c = ud;
    long tid = regio_strmap_get(c->tmap, q->territory);
    if (tid < 0 || q->end <= q->start)
        return 0;
    regio_day a = q->start > c->p.start ? q->start : c->p.start;
    regio_day b = q->end < c->p.end ? q->end : c->p.end;
    if (a >= b)
        return 0;
    double daily = q->amount / (double)(q->end - q->start);
    /* split [a, b) by the timeline's segments */
    regio_day d = a;
    while (d < b) {
        int m = model_of(c, d);
        regio_day next = b;
        if (!c->q->current)
            for (size_t i = 0; i < c->ntl; i++)
                if (c->tl[i].from > d && c->tl[i].from < next)
                    next = c->tl[i].from;
        c->slots[(size_t)m * (c->nt + 1) + (size_t)tid].quota += daily * (double)(next - d);
        d = next;
    }
    return 0;
}

/* ---- rows ------------------------------------------------------------------------- */

static int present(const pmodel *m, size_t nt_model, long tid)
{
    return tid >= 0 && (size_t)tid < nt_model && m->parent[tid] != -2;
}

typedef struct gather {
    regio_strmap *map;
    regio_perf_row *rows;
    size_t n, cap;
} gather;

static regio_err row_for(gather *g, const char *key, int special, long *idx)
{
    int found = 0;
    long old = -1;
    regio_err rc = regio_strmap_put(g->map, key, (long)g->n, &found, &old);
    if (rc)
        return rc;
    if (found) {
        *idx = old;
        return REGIO_OK;
    }
    if (regio__grow(&g->rows, &g->cap, g->n + 1, sizeof *g->rows))
        return REGIO_ENOMEM;
    regio_perf_row *r = &g->rows[g->n];
    memset(r, 0, sizeof *r);
    if (!(r->key = regio_strdup(key)))
        return REGIO_ENOMEM;
    r->special = special;
    *idx = (long)g->n++;
    return REGIO_OK;
}

static long depth_of(const pmodel *m, size_t ncap, long tid)
{
    long d = 1;
    for (long t = tid; t >= 0 && (size_t)t < ncap && m->parent[t] >= 0 && d < MAX_DEPTH; d++)
        t = m->parent[t];
    return d;
}

/* The row key of territory tid credited through model mi. */
static const char *key_of(const perf *c, int mi, long tid)
{
    const regio_perf_query *q = c->q;
    if (q->by == REGIO_PERF_BY_MODEL)
        return c->m[0].name;
    if ((size_t)tid == c->nt)
        return q->by == REGIO_PERF_BY_REP ? NO_REP : UNASSIGNED;
    if (q->by == REGIO_PERF_BY_TERRITORY)
        return c->tname[tid];
    const pmodel *m = &c->m[mi];
    size_t cap = c->nt;
    if (!present(m, cap, tid)) {
        m = &c->m[0];
        if (!present(m, cap, tid))
            return q->by == REGIO_PERF_BY_REP ? NO_REP : c->tname[tid];
    }
    if (q->by == REGIO_PERF_BY_REP)
        return m->rep[tid] >= 0 ? c->rname[m->rep[tid]] : NO_REP;
    long t = tid;
    for (long d = depth_of(m, cap, t); d > q->level && m->parent[t] >= 0; d--)
        t = m->parent[t];
    return c->tname[t];
}

static void add(regio_perf_row *r, const slot *s)
{
    r->bookings += s->bookings;
    r->bookings_prev += s->bookings_prev;
    r->quota += s->quota;
    r->pipeline += s->pipeline;
    r->pipeline_weighted += s->pipeline_w;
    r->won += s->won;
    r->lost += s->lost;
    r->active_accounts += s->active;
    r->potential += s->potential;
    r->visits += s->visits;
    r->needing += s->needing;
    r->covered += s->covered;
}

static void ratios(regio_perf_row *r, long days)
{
    r->attainment = r->quota > 0 ? r->bookings / r->quota : NAN;
    r->growth_yoy = r->bookings_prev != 0 ? r->bookings / r->bookings_prev - 1.0 : NAN;
    r->win_rate = r->won + r->lost > 0 ? (double)r->won / (double)(r->won + r->lost) : NAN;
    r->penetration = r->potential > 0 ? r->bookings / (r->potential * (double)days / 365.0) : NAN;
    r->coverage = r->needing > 0 ? (double)r->covered / (double)r->needing : NAN;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_row(const void *a, const void *b)
{
    const regio_perf_row *x = a, *y = b;
    if (x->special != y->special)
        return x->special - y->special;
    return strcmp(x->key, y->key);
}

/* CV, Gini (sorted form of the mean absolute difference) and the share
 * within 10% of the mean, over v[0..n). */
static regio_perf_fairness fairness(double *v, size_t n)
{
    regio_perf_fairness f = {0, 0, 0, n};
    if (!n)
        return f;
    double mean = 0;
    for (size_t i = 0; i < n; i++)
        mean += v[i];
    mean /= (double)n;
    if (mean <= 0)
        return f;
    double var = 0;
    size_t within = 0;
    for (size_t i = 0; i < n; i++) {
        var += (v[i] - mean) * (v[i] - mean);
        within += fabs(v[i] - mean) <= 0.10 * mean + 1e-12;
    }
    qsort(v, n, sizeof *v, cmp_double);
    double mad = 0; /* sum over ordered pairs of |a - b| = 2 sum_i (2i - n + 1) v_i */
    for (size_t i = 0; i < n; i++)
        mad += 2.0 * (2.0 * (double)i - (double)n + 1.0) * v[i];
    f.cv = sqrt(var / (double)n) / mean;
    f.gini = mad / (2.0 * (double)n * (double)n * mean);
    f.within10 = (double)within / (double)n;
    return f;
}

static regio_err build_rows(perf *c, regio_perf_result *out, regio_error *err)
{
    long days = c->p.end - c->p.start;
    size_t nt1 = c->nt + 1;
    gather g = {0};
    regio_err rc = REGIO_OK;
    if (!(g.map = regio_strmap_create(nt1)))
        rc = REGIO_ENOMEM;
    unsigned char *vis = rc ? NULL : regio_malloc(nt1);
    if (!rc && !vis)
        rc = REGIO_ENOMEM;
    for (size_t t = 0; !rc && t < nt1; t++)
        vis[t] = !c->q->visible ||
                 c->q->visible(c->q->visible_ud, t < c->nt ? c->tname[t] : NULL) != 0;
    /* territory-level figures of the reporting model's leaves, for the
     * median penetration */
    double *pen = NULL;
    size_t npen = 0;
    double median = NAN;
    if (!rc) {
        pen = regio_calloc(nt1, sizeof *pen);
        if (!pen)
            rc = REGIO_ENOMEM;
    }
    for (size_t t = 0; !rc && t < c->nt; t++) {
        if (!present(&c->m[0], c->nt, (long)t) || !c->m[0].leaf[t])
            continue;
        regio_perf_row r;
        memset(&r, 0, sizeof r);
        for (size_t m = 0; m < c->nm; m++)
            add(&r, &c->slots[m * nt1 + t]);
        ratios(&r, days);
        if (r.potential > 0)
            pen[npen++] = r.penetration;
    }
    if (!rc && npen) {
        qsort(pen, npen, sizeof *pen, cmp_double);
        median = npen % 2 ? pen[npen / 2] : (pen[npen / 2 - 1] + pen[npen / 2]) / 2.0;
    }
    regio_free(pen);

    /* rows: the reporting model's leaves first, so that they are there
     * even with nothing credited */
    for (size_t t = 0; !rc && t < c->nt; t++) {
        if (!present(&c->m[0], c->nt, (long)t) || !c->m[0].leaf[t] || !vis[t])
            continue;
        const char *k = key_of(c, 0, (long)t);
        long idx;
        rc = row_for(&g, k, !strcmp(k, NO_REP) || !strcmp(k, UNASSIGNED), &idx);
    }
    /* then every territory credited with something, through the model
     * that credited it */
    for (size_t m = 0; !rc && m < c->nm; m++)
        for (size_t t = 0; !rc && t < nt1; t++) {
            const slot *sl = &c->slots[m * nt1 + t];
            if (!vis[t] || !(sl->seen || (t == c->nt && (sl->potential > 0 || sl->needing > 0))))
                continue;
            const char *k = key_of(c, (int)m, (long)t);
            long idx;
            rc = row_for(&g, k, !strcmp(k, NO_REP) || !strcmp(k, UNASSIGNED), &idx);
        }
    /* the sums: every slot whose territory has a row at territory level */
    for (size_t t = 0; !rc && t < nt1; t++) {
        int has_row = 0;
        if (!vis[t])
            continue;
        if (t < c->nt && present(&c->m[0], c->nt, (long)t) && c->m[0].leaf[t])
            has_row = 1;
        for (size_t m = 0; m < c->nm && !has_row; m++) {
            const slot *sl = &c->slots[m * nt1 + t];
            has_row = sl->seen || (t == c->nt && (sl->potential > 0 || sl->needing > 0));
        }
        if (!has_row)
            continue;
        for (size_t m = 0; !rc && m < c->nm; m++) {
            const slot *sl = &c->slots[m * nt1 + t];
            /* an empty slot adds nothing and makes no row */
            if (!sl->seen && sl->quota == 0 && sl->potential == 0 && sl->needing == 0)
                continue;
            const char *k = key_of(c, (int)m, (long)t);
            long idx; /* row_for finds the row, or makes it */
            if ((rc = row_for(&g, k, !strcmp(k, NO_REP) || !strcmp(k, UNASSIGNED), &idx)))
                break;
            add(&g.rows[idx], sl);
        }
    }
    regio_free(vis);
    if (rc) {
        for (size_t i = 0; i < g.n; i++)
            regio_free(g.rows[i].key);
        regio_free(g.rows);
        regio_strmap_destroy(g.map);
        return rc == REGIO_ENOMEM ? oom(err) : rc;
    }
    double *va = regio_calloc(g.n ? g.n : 1, sizeof *va);
    double *vp = regio_calloc(g.n ? g.n : 1, sizeof *vp);
    size_t na = 0, np = 0;
    for (size_t i = 0; i < g.n; i++) {
        regio_perf_row *r = &g.rows[i];
        ratios(r, days);
        r->expected = NAN;
        if (!isnan(median) && r->potential > 0) {
            r->expected = median * r->potential * (double)days / 365.0;
            if (r->bookings < 0.7 * r->expected)
                r->flags |= REGIO_PERF_UNDER_POTENTIAL;
        }
        if (!isnan(r->attainment) && r->attainment < 0.9)
            r->flags |= REGIO_PERF_UNDER_QUOTA;
        if (!isnan(r->coverage) && r->coverage < 0.8)
            r->flags |= REGIO_PERF_UNDER_COVERED;
        if (!r->special && va && vp) {
            if (!isnan(r->attainment))
                va[na++] = r->attainment;
            vp[np++] = r->potential;
        }
    }
    if (va && vp) {
        out->attainment = fairness(va, na);
        out->potential = fairness(vp, np);
    }
    regio_free(va);
    regio_free(vp);
    if (g.n > 1)
        qsort(g.rows, g.n, sizeof *g.rows, cmp_row);
    out->rows = g.rows;
    out->n = g.n;
    out->median_penetration = median;
    regio_strmap_destroy(g.map);
    return REGIO_OK;
}

/* ---- the driver ---------------------------------------------------------------------- */

/* What crediting leaves that the rows need: the per-account arrays go. */
static void perf_trim(perf *c)
{
    regio_free(c->keys);
    regio_free(c->unit);
    regio_free(c->potential);
    regio_free(c->freq);
    regio_free(c->visits);
    regio_free(c->dense);
    for (size_t i = 0; c->segments && i < c->na; i++)
        regio_free(c->segments[i]);
    regio_free(c->segments);
    c->keys = c->unit = NULL;
    c->potential = c->freq = NULL;
    c->visits = c->dense = NULL;
    c->segments = NULL;
    for (size_t i = 0; i < c->nm; i++) {
        regio_free(c->m[i].acct);
        c->m[i].acct = NULL;
    }
}

static void perf_free(perf *c)
{
    perf_trim(c);
    regio_strmap_destroy(c->tmap);
    regio_strmap_destroy(c->rmap);
    for (size_t i = 0; i < c->nt; i++)
        regio_free(c->tname[i]);
    regio_free(c->tname);
    for (size_t i = 0; i < c->nr; i++)
        regio_free(c->rname[i]);
    regio_free(c->rname);
    for (size_t i = 0; i < c->nm; i++) {
        regio_free(c->m[i].name);
        regio_free(c->m[i].parent);
        regio_free(c->m[i].rep);
        regio_free(c->m[i].leaf);
    }
    regio_free(c->m);
    regio_free(c->tl);
    regio_free(c->slots);
}

/* The index from account keys to positions. Keys are row ids: the
 * position itself when they are 1..na (no account was ever removed), else
 * a direct index when dense enough, else a binary search. */
static regio_err index_accounts(perf *c, regio_error *err)
{
    c->contiguous = c->na && c->keys[0] == 1 && c->keys[c->na - 1] == (long long)c->na;
    if (c->contiguous || !c->na || c->keys[c->na - 1] < 0 ||
        (size_t)c->keys[c->na - 1] >= 4 * c->na + 1024)
        return REGIO_OK;
    c->max_key = c->keys[c->na - 1];
    if (!(c->dense = regio_malloc((size_t)(c->max_key + 1) * sizeof *c->dense)))
        return oom(err);
    for (long long k = 0; k <= c->max_key; k++)
        c->dense[k] = -1;
    for (size_t i = 0; i < c->na; i++)
        c->dense[c->keys[i]] = (int32_t)i;
    return REGIO_OK;
}

/* read_accounts from the rows, packed for the next computations. */
static regio_err read_rows(perf *c, regio_error *err)
{
    uint64_t generation = 0;
    int keep = regio_store_generation(c->s, &generation, NULL) == REGIO_OK;
    regio_err rc = walked(c, regio__perf_account_keys(c->s, on_account, c, err));
    if (!rc)
        rc = index_accounts(c, err);
    if (!rc && !(c->unit = regio_calloc(c->na ? c->na : 1, sizeof *c->unit)))
        rc = oom(err);
    if (!rc)
        rc = walked(c, regio__perf_account_units(c->s, on_account_unit, c, err));
    if (!rc && keep) {
        regio__perf_account_cols mine = {c->na, c->keys, c->unit, c->potential, c->freq};
        rc = regio__perf_account_columns_save(c->s, &mine, generation, err);
    }
    return rc;
}

/* Every account's key, unit, potential and visit frequency: the store's
 * packed columns when they are current (and no segment map needs the
 * segments), else the rows. */
static regio_err read_accounts(perf *c, regio_error *err)
{
    regio__perf_account_cols cols = {0};
    int found = 0, seg_map = c->q->segment_visits && *c->q->segment_visits;
    regio_err rc = REGIO_OK;
    if (!seg_map && (rc = regio__perf_account_columns_load(c->s, &cols, &found, err)))
        return rc;
    if (found) {
        c->keys = cols.key;
        c->unit = cols.unit;
        c->potential = cols.potential;
        c->freq = cols.freq;
        c->na = c->capa = cols.n;
        rc = index_accounts(c, err);
    } else {
        rc = read_rows(c, err);
    }
    for (size_t i = 0; !rc && i < c->na; i++)
        if (c->unit[i] > c->max_unit)
            c->max_unit = c->unit[i];
    return rc;
}

/* Packs the accounts' columns when the store holds none that are current
 * (an import of sales lines ends with it, so that the first figures after
 * it read them packed). */
regio_err regio__perf_account_columns_ensure(regio_store *s, regio_error *err)
{
    int found = 0;
    regio_err rc = regio__perf_account_columns_load(s, NULL, &found, err);
    if (rc || found)
        return rc;
    regio_perf_query q;
    memset(&q, 0, sizeof q);
    perf c;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.q = &q;
    rc = read_accounts(&c, err);
    perf_trim(&c);
    return rc;
}

/* Every model's tree (parents, reps, leaves) over every territory id. */
static regio_err read_trees(perf *c, regio_error *err)
{
    size_t nt = c->nt ? c->nt : 1;
    regio_err rc = REGIO_OK;
    for (size_t m = 0; m < c->nm && !rc; m++) {
        pmodel *pm = &c->m[m];
        tload l = {c, regio_malloc(nt * sizeof *l.parent), regio_malloc(nt * sizeof *l.rep), nt,
                   regio_calloc(nt, sizeof *l.parents)};
        pm->parent = l.parent;
        pm->rep = l.rep;
        if (!l.parent || !l.rep || !l.parents || !(pm->leaf = regio_calloc(nt, 1))) {
            regio_free(l.parents);
            return oom(err);
        }
        for (size_t t = 0; t < nt; t++) {
            l.parent[t] = -2;
            l.rep[t] = -1;
        }
        rc = walked(c, regio_store_territories_foreach(c->s, pm->name, on_territory, &l, err));
        if (!rc && c->nt > nt)
            rc = regio_error_setf(err, REGIO_ECONFLICT, NULL, 0, NULL,
                                  "the territories changed while the figures were read; try again");
        for (size_t t = 0; !rc && t < nt; t++)
            if (l.parents[t])
                l.parent[t] = (int32_t)regio_strmap_get(c->tmap, l.parents[t]);
        for (size_t t = 0; t < nt; t++)
            regio_free(l.parents[t]);
        regio_free(l.parents);
        for (size_t t = 0; !rc && t < nt; t++)
            pm->leaf[t] = pm->parent[t] != -2;
        for (size_t t = 0; !rc && t < nt; t++)
            if (pm->parent[t] >= 0)
                pm->leaf[pm->parent[t]] = 0;
    }
    return rc;
}

/* Credits every line, quota, visit and account of q to the slots of c
 * (model: the reporting model's name). */
static regio_err credit(perf *c, regio_store *s, const regio_perf_query *q, const char *model,
                        regio_error *err)
{
    memset(c, 0, sizeof *c);
    c->s = s;
    c->q = q;
    c->p = q->period;
    c->prev.start = regio_day_add_years(c->p.start, -1);
    c->prev.end = regio_day_add_years(c->p.end, -1);
    c->active.start = c->p.end - 365;
    c->active.end = c->p.end;
    regio_err rc = REGIO_OK;
    if (!(c->tmap = regio_strmap_create(1024)) || !(c->rmap = regio_strmap_create(256)))
        rc = oom(err);
    if (!rc)
        rc = read_accounts(c, err);
    if (!rc)
        rc = segment_visits(c, err);
    int r0 = 0;
    if (!rc)
        rc = load_model(c, model, &r0, err);
    if (!rc && !q->current)
        rc = load_timeline(c, err);
    if (!rc)
        rc = read_trees(c, err);
    size_t nt1 = c->nt + 1;
    if (!rc && (!(c->slots = regio_calloc(c->nm * nt1, sizeof *c->slots)) ||
                !(c->visits = regio_calloc(c->na ? c->na : 1, sizeof *c->visits))))
        rc = oom(err);
    /* sales lines over the union of the windows */
    scan sc = {0};
    regio_day from = c->p.start, to = c->p.end;
    if (c->prev.start < from)
        from = c->prev.start;
    if (c->active.start < from)
        from = c->active.start;
    if (!rc)
        rc = scan_days(&sc, c, from, to, err);
    if (!rc)
        rc = walked(c, regio__perf_sales_scan(s, from, to, on_sales, &sc, err));
    regio_free(sc.in);
    regio_free(sc.model);
    if (!rc)
        count_active(c);
    if (!rc)
        rc = credit_visits(c, err);
    if (!rc)
        rc = walked(c, regio__perf_quotas_foreach(s, on_quota, c, err));
    /* potential and coverage through the reporting model */
    long days = c->p.end - c->p.start;
    for (size_t i = 0; !rc && i < c->na; i++) {
        slot *sl = slot_of(c, 0, (long)i);
        sl->potential += c->potential[i];
        double f = c->freq[i];
        if (f > 0) {
            long need = (long)floor(f * (double)days / 365.0);
            sl->needing++;
            if (c->visits[i] >= need)
                sl->covered++;
        }
    }
    return rc;
}

/* The rows of q (who looks, by what) from a credited c. */
static regio_err rows(perf *c, const regio_perf_query *q, regio_perf_result *out,
                      regio_error *err)
{
    c->q = q;
    regio_err rc = build_rows(c, out, err);
    if (!rc && !(out->model = regio_strdup(c->m[0].name))) {
        regio_perf_result_free(out);
        rc = oom(err);
    }
    if (!rc) {
        out->period = c->p;
        out->by = q->by;
        out->level = q->level;
        out->current = q->current;
    }
    return rc;
}

/* ---- the cache of credited figures ---------------------------------------------------- */

typedef struct centry {
    perf *c;                      /* credited, trimmed */
    char *model, *segment_visits; /* the query's key, with the period and crediting */
    regio_period period;
    int current;
    uint64_t stamp;
    unsigned long long used;
} centry;

struct regio_perf_cache {
    centry *e;
    size_t n, cap;
    unsigned long long tick;
};

regio_perf_cache *regio_perf_cache_create(size_t entries)
{
    regio_perf_cache *k = regio_calloc(1, sizeof *k);
    if (!k)
        return NULL;
    k->cap = entries ? entries : 1;
    if (!(k->e = regio_calloc(k->cap, sizeof *k->e))) {
        regio_free(k);
        return NULL;
    }
    return k;
}

static void centry_free(centry *e)
{
    if (e->c) {
        perf_free(e->c);
        regio_free(e->c);
    }
    regio_free(e->model);
    regio_free(e->segment_visits);
    memset(e, 0, sizeof *e);
}

void regio_perf_cache_destroy(regio_perf_cache *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->n; i++)
        centry_free(&k->e[i]);
    regio_free(k->e);
    regio_free(k);
}

static int same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static centry *cache_find(regio_perf_cache *k, const char *model, const regio_perf_query *q,
                          uint64_t stamp)
{
    for (size_t i = 0; i < k->n; i++) {
        centry *e = &k->e[i];
        const char *sv = q->segment_visits && *q->segment_visits ? q->segment_visits : NULL;
        if (e->stamp == stamp && !strcmp(e->model, model) &&
            e->period.start == q->period.start && e->period.end == q->period.end &&
            e->current == (q->current != 0) && same_text(e->segment_visits, sv))
            return e;
    }
    return NULL;
}

/* Keeps c (credited) under the query's key, dropping the least recently
 * used entry when full; frees c when it cannot be kept. */
static void cache_keep(regio_perf_cache *k, perf *c, const char *model,
                       const regio_perf_query *q, uint64_t stamp)
{
    centry *e = NULL;
    for (size_t i = 0; i < k->n; i++) /* entries of an older stamp are stale */
        if (k->e[i].stamp != stamp) {
            centry_free(&k->e[i]);
            k->e[i--] = k->e[--k->n];
        }
    if (k->n < k->cap) {
        e = &k->e[k->n++];
    } else {
        e = &k->e[0];
        for (size_t i = 1; i < k->n; i++)
            if (k->e[i].used < e->used)
                e = &k->e[i];
        centry_free(e);
    }
    const char *sv = q->segment_visits && *q->segment_visits ? q->segment_visits : NULL;
    e->c = c;
    e->model = regio_strdup(model);
    e->segment_visits = sv ? regio_strdup(sv) : NULL;
    e->period = q->period;
    e->current = q->current != 0;
    e->stamp = stamp;
    e->used = ++k->tick;
    if (!e->model || (sv && !e->segment_visits)) {
        centry_free(e);
        *e = k->e[--k->n];
    }
}

regio_err regio_perf_compute_cached(regio_perf_cache *cache, regio_store *s,
                                    const regio_perf_query *q, regio_perf_result *out,
                                    regio_error *err)
{
    regio_error_clear(err);
    if (!out)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "no result to fill");
    memset(out, 0, sizeof *out);
    if (!s || !q || q->period.end <= q->period.start)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "no store or no period");
    if (q->by == REGIO_PERF_BY_LEVEL && (q->level < 1 || q->level > MAX_DEPTH))
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, "by",
                                "level %d: levels count from 1 (the top territories)", q->level);
    regio_model_info mi;
    memset(&mi, 0, sizeof mi);
    char today[11];
    regio_day_format(regio_day_today(), today);
    regio_err rc = q->model ? regio_store_model_find(s, q->model, &mi, err)
                            : regio_store_model_in_force(s, today, &mi, err);
    if (rc == REGIO_ENOTFOUND && !q->model)
        rc = regio_error_setf(err, REGIO_ENOTFOUND, NULL, 0, "model",
                              "no model is in force today: name the reporting model with --model");
    uint64_t stamp = 0;
    if (!rc && cache)
        rc = regio_store_generation(s, &stamp, err);
    if (rc) {
        regio_model_info_clear(&mi);
        return rc;
    }
    centry *hit = cache ? cache_find(cache, mi.name, q, stamp) : NULL;
    if (hit) {
        hit->used = ++cache->tick;
        regio_model_info_clear(&mi);
        return rows(hit->c, q, out, err);
    }
    perf *c = regio_malloc(sizeof *c);
    if (!c) {
        regio_model_info_clear(&mi);
        return oom(err);
    }
    rc = credit(c, s, q, mi.name, err);
    if (!rc)
        rc = rows(c, q, out, err);
    if (!rc && cache) {
        perf_trim(c);
        cache_keep(cache, c, mi.name, q, stamp);
    } else {
        perf_free(c);
        regio_free(c);
    }
    regio_model_info_clear(&mi);
    return rc;
}

regio_err regio_perf_compute(regio_store *s, const regio_perf_query *q, regio_perf_result *out,
                             regio_error *err)
{
    return regio_perf_compute_cached(NULL, s, q, out, err);
}

void regio_perf_result_free(regio_perf_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        regio_free(r->rows[i].key);
    regio_free(r->rows);
    regio_free(r->model);
    memset(r, 0, sizeof *r);
}

int regio_perf_viewer_sees(void *viewer, const char *territory)
{
    const regio_perf_viewer *v = viewer;
    if (!v || !v->access || v->user < 0)
        return 0;
    if (!territory)
        return (regio_access_perms(v->access, v->user) & REGIO_PERM_VIEW_ALL) != 0;
    return v->scope && regio_access_scope_territory(v->scope, territory) != REGIO_LEVEL_NONE;
}
