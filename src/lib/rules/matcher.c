/*
 * The matcher: which territories an account matches under many rules at
 * once (docs/ACCESS.md "Matching"). Evaluating every rule for every
 * account (30,000 rules x 1,000,000 accounts) is out of reach, so each
 * rule gets a necessary condition read off its truth table: a set of
 * literals "field equals v" / "field starts with p" (an equals, in or
 * starts_with criterion, or a not_equals one negated) of which every
 * satisfying assignment makes at least one true. The literals go into a
 * hash index per field; an account looks its normalised values up
 * (equality: one probe; prefixes: one probe per distinct prefix length)
 * and only the rules found there, plus the few without such a condition,
 * are evaluated. A rule's literals are chosen by a greedy weighted set
 * cover of its satisfying assignments, a literal's price being the number
 * of rules that could be found through its keys (a value many rules test,
 * such as an industry, is likely a common one). A territory is then checked only when a rule it is
 * anchored on holds: each of its own rules, or (without own rules) one of
 * its inherited rules, since it needs all of those. Per account the cost
 * is O(fields x prefix lengths + candidate rules x criteria + anchored
 * territories x inherited rules); building is O(rules x 2^criteria).
 */
#include "rules/rules_internal.h"

#include "regio/strmap.h"
#include "core/grow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CSR lists: items of list i are idx[start[i] .. start[i+1]). */
typedef struct csr {
    size_t *start;
    long *idx;
} csr;

static void csr_free(csr *c)
{
    regio_free(c->start);
    regio_free(c->idx);
    memset(c, 0, sizeof *c);
}

/* Builds a CSR over n lists from pairs (list[k], item[k]), k < m, keeping
 * the pairs' order within each list. */
static regio_err csr_build(csr *c, size_t n, const long *list, const long *item, size_t m)
{
    c->start = regio_calloc(n + 1, sizeof *c->start);
    c->idx = regio_malloc((m ? m : 1) * sizeof *c->idx);
    size_t *fill = regio_malloc((n ? n : 1) * sizeof *fill);
    if (!c->start || !c->idx || !fill) {
        regio_free(fill);
        return REGIO_ENOMEM;
    }
    for (size_t k = 0; k < m; k++)
        c->start[list[k] + 1]++;
    for (size_t i = 0; i < n; i++)
        c->start[i + 1] += c->start[i];
    memcpy(fill, c->start, n * sizeof *fill);
    for (size_t k = 0; k < m; k++)
        c->idx[fill[list[k]]++] = item[k];
    regio_free(fill);
    return REGIO_OK;
}

/* A match: territory and credited rule id, sorted by territory. */
typedef struct hit {
    long t, rule;
} hit;

static int cmp_hit(const void *x, const void *y)
{
    const hit *a = x, *b = y;
    return (a->t > b->t) - (a->t < b->t);
}

/* The index of one field. */
typedef struct field_index {
    regio_strmap *eq;     /* value -> posting list */
    regio_strmap *prefix; /* prefix -> posting list */
    size_t *plen;         /* distinct prefix lengths, increasing */
    size_t n_plen;
} field_index;

/* A number comparison a conjunction needs, checked on the account's
 * values before the rule itself is touched: most index hits of rules such
 * as "industry X AND employees > 500" stop here, without a cache miss on
 * the rule. */
typedef struct prefilter {
    int field;
    int op;    /* a regio_rule_op of ordering, or -1 */
    double num;
} prefilter;

/* A posting: a rule and its prefilter, side by side, so that scanning a
 * long list reads memory in order. */
typedef struct posting {
    long rule;
    prefilter pre;
} posting;

struct regio__matcher {
    size_t n_terr, n_rules;
    const regio__rule *rules;
    const long *rule_id;
    const regio__fields *fields;
    csr own;            /* territory -> own rules (by rule id) */
    csr inh;            /* territory -> inherited rules (nearest ancestor first) */
    csr anchored;       /* rule -> territories to check when it holds */
    csr postings;       /* posting list -> rules */
    prefilter *pre;     /* per rule: a number test it needs (op < 0: none) */
    posting *post;      /* postings.idx with each rule's prefilter */
    field_index *fx;    /* per field */
    long *residual;     /* rules without a necessary condition: always evaluated */
    size_t n_residual;
    size_t participants;
    /* per account scratch */
    uint32_t stamp;
    uint32_t *cand_stamp, *sat_stamp, *terr_stamp;
    long *cand, *sat;
    hit *hits;
    char *key;
    size_t key_cap;
};

void regio__matcher_free(regio__matcher *m)
{
    if (!m)
        return;
    csr_free(&m->own);
    csr_free(&m->inh);
    csr_free(&m->anchored);
    csr_free(&m->postings);
    regio_free(m->pre);
    regio_free(m->post);
    for (size_t f = 0; m->fx && f < m->fields->n; f++) {
        regio_strmap_destroy(m->fx[f].eq);
        regio_strmap_destroy(m->fx[f].prefix);
        regio_free(m->fx[f].plen);
    }
    regio_free(m->fx);
    regio_free(m->residual);
    regio_free(m->cand_stamp);
    regio_free(m->sat_stamp);
    regio_free(m->terr_stamp);
    regio_free(m->cand);
    regio_free(m->sat);
    regio_free(m->hits);
    regio_free(m->key);
    regio_free(m);
}

size_t regio__matcher_participants(const regio__matcher *m)
{
    return m->participants;
}

/* ---- necessary conditions ------------------------------------------------------ */

/* Whether criterion c is an indexable literal, and with which truth value
 * (1: when it holds; 0: a not_equals, whose negation is an equality). */
static int literal_of(const regio__crit *c, int *value)
{
    switch (c->op) {
    case REGIO_RULE_EQUALS:
    case REGIO_RULE_IN: *value = 1; return 1;
    case REGIO_RULE_STARTS_WITH: *value = 1; return c->norm_len > 0;
    case REGIO_RULE_NOT_EQUALS: *value = 0; return 1;
    default: return 0;
    }
}

/* How many rules of the set could be found through each index key: the
 * price of choosing a literal with that key (every account holding the
 * key's value has to evaluate every rule found through it). */
typedef struct key_counts {
    regio_strmap *map; /* "field\x1fkind\x1fvalue" -> index into n */
    long *n;
    size_t len, cap;
    char *buf;
    size_t buf_cap;
    regio_err rc;
} key_counts;

static const char *key_text(key_counts *k, int field, int prefix, const char *value)
{
    size_t need = strlen(value) + 32;
    if (need > k->buf_cap) {
        char *b = regio_realloc(k->buf, need * 2);
        if (!b) {
            k->rc = REGIO_ENOMEM;
            return NULL;
        }
        k->buf = b;
        k->buf_cap = need * 2;
    }
    snprintf(k->buf, k->buf_cap, "%d\x1f%c\x1f%s", field, prefix ? 'p' : 'e', value);
    return k->buf;
}

/* Adds delta to the count of a key (creating it); returns the count. */
static long key_count(key_counts *k, int field, int prefix, const char *value, long delta)
{
    const char *t = key_text(k, field, prefix, value);
    if (!t)
        return 1;
    long i = regio_strmap_get(k->map, t);
    if (i < 0) {
        if (!delta)
            return 1;
        int found = 0;
        long old = 0;
        if (regio__grow(&k->n, &k->cap, k->len + 1, sizeof *k->n) ||
            regio_strmap_put(k->map, t, (long)k->len, &found, &old)) {
            k->rc = REGIO_ENOMEM;
            return 1;
        }
        i = (long)k->len++;
        k->n[i] = 0;
    }
    k->n[i] += delta;
    return k->n[i];
}

/* Counts (delta 1) or prices (delta 0) the keys of literal c. */
static long literal_keys(key_counts *k, const regio__crit *c, long delta)
{
    long sum = 0;
    if (c->op == REGIO_RULE_IN)
        for (int i = 0; i < c->n_items; i++)
            sum += key_count(k, c->field, 0, c->items[i], delta);
    else
        sum = key_count(k, c->field, c->op == REGIO_RULE_STARTS_WITH, c->norm, delta);
    return sum > 0 ? sum : 1;
}

/*
 * The literals (criteria) whose union is necessary for r: *n_lit of them in
 * lit[], chosen greedily (weighted set cover over r's satisfying
 * assignments: most newly covered assignments per rule sharing the keys
 * first); 0 literals with *never when no assignment satisfies r, 0 without
 * *never when r has no such condition (it is evaluated for everyone).
 */
static void cover_of(const regio__rule *r, key_counts *k, int *lit, int *n_lit, int *never)
{
    unsigned masks = 1u << r->n;
    int val[REGIO_RULE_MAX_CRITERIA], ok[REGIO_RULE_MAX_CRITERIA];
    long price[REGIO_RULE_MAX_CRITERIA];
    for (int c = 0; c < r->n; c++) {
        ok[c] = literal_of(&r->c[c], &val[c]);
        price[c] = ok[c] ? literal_keys(k, &r->c[c], 0) : 0;
    }
    /* The satisfying assignments not covered yet. */
    static const unsigned none = ~0u;
    unsigned sat[1u << REGIO_RULE_MAX_CRITERIA];
    unsigned n_sat = 0;
    for (unsigned m = 0; m < masks; m++)
        if (regio__tt_get(r->table, m))
            sat[n_sat++] = m;
    *n_lit = 0;
    *never = n_sat == 0;
    unsigned left = n_sat;
    while (left) {
        int best = -1;
        double best_score = 0;
        for (int c = 0; c < r->n; c++) {
            if (!ok[c])
                continue;
            unsigned covers = 0;
            for (unsigned i = 0; i < n_sat; i++)
                covers += sat[i] != none && (int)((sat[i] >> c) & 1u) == val[c];
            double score = (double)covers / (double)price[c];
            if (covers && score > best_score) {
                best = c;
                best_score = score;
            }
        }
        if (best < 0) { /* some assignment makes no literal true */
            *n_lit = 0;
            return;
        }
        lit[(*n_lit)++] = best;
        ok[best] = 0;
        for (unsigned i = 0; i < n_sat; i++)
            if (sat[i] != none && (int)((sat[i] >> best) & 1u) == val[best]) {
                sat[i] = none;
                left--;
            }
    }
}

/* ---- building ----------------------------------------------------------------------- */

typedef struct pairs {
    long *a, *b;
    size_t n, cap;
} pairs;

static regio_err pair_add(pairs *p, long a, long b)
{
    size_t cap = p->cap;
    if (regio__grow(&p->a, &cap, p->n + 1, sizeof *p->a))
        return REGIO_ENOMEM;
    cap = p->cap;
    if (regio__grow(&p->b, &cap, p->n + 1, sizeof *p->b))
        return REGIO_ENOMEM;
    p->cap = cap;
    p->a[p->n] = a;
    p->b[p->n++] = b;
    return REGIO_OK;
}

static void pairs_free(pairs *p)
{
    regio_free(p->a);
    regio_free(p->b);
    memset(p, 0, sizeof *p);
}

/* Rule order inside a territory: by store id (then index). */
typedef struct by_id {
    long id, r;
} by_id;

static int cmp_by_id(const void *x, const void *y)
{
    const by_id *a = x, *b = y;
    if (a->id != b->id)
        return (a->id > b->id) - (a->id < b->id);
    return (a->r > b->r) - (a->r < b->r);
}


static int cmp_size(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    return (a > b) - (a < b);
}

/* Adds rule r to posting list `key` of map (creating it); lists are
 * numbered in creation order into *n_lists. */
static regio_err post(regio_strmap *map, const char *key, long r, pairs *post_pairs,
                      long *n_lists)
{
    int found = 0;
    long old = 0;
    regio_err rc = regio_strmap_put(map, key, *n_lists, &found, &old);
    if (rc)
        return rc;
    long list = found ? old : (*n_lists)++; /* put keeps an existing key's value */
    return pair_add(post_pairs, list, r);
}

regio_err regio__matcher_new(size_t n_terr, const long *parent, const unsigned char *in_scope,
                             size_t n_rules, const regio__rule *rules, const long *rule_terr,
                             const unsigned char *inherit, const long *rule_id,
                             const regio__fields *fields, regio__matcher **out,
                             regio_error *err)
{
    *out = NULL;
    regio__matcher *m = regio_calloc(1, sizeof *m);
    if (!m)
        return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    m->n_terr = n_terr;
    m->n_rules = n_rules;
    m->rules = rules;
    m->rule_id = rule_id;
    m->fields = fields;
    regio_err rc = REGIO_OK;
    pairs p = {0}, anch = {0}, postp = {0};
    by_id *order = regio_malloc((n_rules ? n_rules : 1) * sizeof *order);
    unsigned char *indexed = regio_calloc(n_rules ? n_rules : 1, 1);
    if (!order || !indexed)
        rc = REGIO_ENOMEM;
    /* Own rules by territory, in id order. */
    for (size_t r = 0; !rc && r < n_rules; r++)
        order[r] = (by_id){rule_id[r], (long)r};
    if (!rc && n_rules)
        qsort(order, n_rules, sizeof *order, cmp_by_id);
    for (size_t k = 0; !rc && k < n_rules; k++)
        rc = pair_add(&p, rule_terr[order[k].r], order[k].r);
    if (!rc)
        rc = csr_build(&m->own, n_terr, p.a, p.b, p.n);
    /* Inherited rules: the inherit rules of each proper ancestor, nearest
     * first (the walk is bounded by the number of territories). */
    p.n = 0;
    for (size_t t = 0; !rc && t < n_terr; t++) {
        size_t steps = 0;
        for (long a = parent[t]; a >= 0 && steps < n_terr && !rc; a = parent[a], steps++)
            for (size_t k = m->own.start[a]; k < m->own.start[a + 1] && !rc; k++)
                if (inherit[m->own.idx[k]])
                    rc = pair_add(&p, (long)t, m->own.idx[k]);
    }
    if (!rc)
        rc = csr_build(&m->inh, n_terr, p.a, p.b, p.n);
    /* The index, and which rules are indexed. */
    if (!rc && !(m->fx = regio_calloc(fields->n ? fields->n : 1, sizeof *m->fx)))
        rc = REGIO_ENOMEM;
    long n_lists = 0;
    key_counts kc;
    memset(&kc, 0, sizeof kc);
    if (!rc && !(kc.map = regio_strmap_create(1024)))
        rc = REGIO_ENOMEM;
    for (size_t r = 0; !rc && r < n_rules; r++)
        for (int c = 0; c < rules[r].n; c++) {
            int v;
            if (literal_of(&rules[r].c[c], &v))
                literal_keys(&kc, &rules[r].c[c], 1);
        }
    if (!rc)
        rc = kc.rc;
    for (size_t r = 0; !rc && r < n_rules; r++) {
        int lit[REGIO_RULE_MAX_CRITERIA], n_lit = 0, never = 0;
        cover_of(&rules[r], &kc, lit, &n_lit, &never);
        if (never) {
            indexed[r] = 2; /* never holds: neither indexed nor evaluated */
            continue;
        }
        if (!n_lit)
            continue;
        indexed[r] = 1;
        for (int k = 0; k < n_lit && !rc; k++) {
            const regio__crit *c = &rules[r].c[lit[k]];
            field_index *fx = &m->fx[c->field];
            int is_prefix = c->op == REGIO_RULE_STARTS_WITH;
            regio_strmap **map = is_prefix ? &fx->prefix : &fx->eq;
            if (!*map && !(*map = regio_strmap_create(64))) {
                rc = REGIO_ENOMEM;
                break;
            }
            if (c->op == REGIO_RULE_IN) {
                for (int i = 0; i < c->n_items && !rc; i++)
                    rc = post(*map, c->items[i], (long)r, &postp, &n_lists);
            } else {
                rc = post(*map, c->norm, (long)r, &postp, &n_lists);
            }
            if (!rc && is_prefix) {
                size_t cap = fx->n_plen;
                if (regio__grow(&fx->plen, &cap, fx->n_plen + 1, sizeof *fx->plen))
                    rc = REGIO_ENOMEM;
                else
                    fx->plen[fx->n_plen++] = c->norm_len;
            }
        }
    }
    /* Prefilters: the first number criterion of each conjunction. */
    if (!rc && !(m->pre = regio_malloc((n_rules ? n_rules : 1) * sizeof *m->pre)))
        rc = REGIO_ENOMEM;
    for (size_t r = 0; !rc && r < n_rules; r++) {
        m->pre[r] = (prefilter){0, -1, 0};
        for (int c = 0; rules[r].conj && c < rules[r].n; c++)
            if (regio_rule_op_is_ordering(rules[r].c[c].op)) {
                m->pre[r] = (prefilter){rules[r].c[c].field, (int)rules[r].c[c].op,
                                        rules[r].c[c].num};
                break;
            }
    }
    regio_strmap_destroy(kc.map);
    regio_free(kc.n);
    regio_free(kc.buf);
    if (!rc)
        rc = csr_build(&m->postings, (size_t)n_lists, postp.a, postp.b, postp.n);
    if (!rc && !(m->post = regio_malloc((postp.n ? postp.n : 1) * sizeof *m->post)))
        rc = REGIO_ENOMEM;
    for (size_t k = 0; !rc && k < postp.n; k++)
        m->post[k] = (posting){m->postings.idx[k], m->pre[m->postings.idx[k]]};
    /* Distinct prefix lengths per field, increasing. */
    for (size_t f = 0; !rc && f < fields->n; f++) {
        field_index *fx = &m->fx[f];
        if (fx->n_plen < 2)
            continue;
        qsort(fx->plen, fx->n_plen, sizeof *fx->plen, cmp_size);
        size_t w = 1;
        for (size_t i = 1; i < fx->n_plen; i++)
            if (fx->plen[i] != fx->plen[w - 1])
                fx->plen[w++] = fx->plen[i];
        fx->n_plen = w;
    }
    /* A posting list may name a rule twice (two items of one `in`): the
     * candidate stamp keeps it once. Residual rules. */
    for (size_t r = 0; !rc && r < n_rules; r++)
        if (!indexed[r]) {
            size_t cap = m->n_residual;
            if (regio__grow(&m->residual, &cap, m->n_residual + 1, sizeof *m->residual))
                rc = REGIO_ENOMEM;
            else
                m->residual[m->n_residual++] = (long)r;
        }
    /* Anchors: a territory of the scope with effective rules is checked
     * when one of its own rules holds, or, without own rules, when its
     * nearest indexed inherited rule (else its nearest) holds. */
    anch.n = 0;
    for (size_t t = 0; !rc && t < n_terr; t++) {
        size_t own_n = m->own.start[t + 1] - m->own.start[t];
        size_t inh_n = m->inh.start[t + 1] - m->inh.start[t];
        if (!in_scope[t] || (own_n == 0 && inh_n == 0))
            continue;
        m->participants++;
        if (own_n) {
            for (size_t k = m->own.start[t]; k < m->own.start[t + 1] && !rc; k++)
                rc = pair_add(&anch, m->own.idx[k], (long)t);
        } else {
            long pick = m->inh.idx[m->inh.start[t]];
            for (size_t k = m->inh.start[t]; k < m->inh.start[t + 1]; k++)
                if (indexed[m->inh.idx[k]] == 1) {
                    pick = m->inh.idx[k];
                    break;
                }
            rc = pair_add(&anch, pick, (long)t);
        }
    }
    if (!rc)
        rc = csr_build(&m->anchored, n_rules, anch.a, anch.b, anch.n);
    if (!rc) {
        size_t nr = n_rules ? n_rules : 1, nt = n_terr ? n_terr : 1;
        m->cand_stamp = regio_calloc(nr, sizeof *m->cand_stamp);
        m->sat_stamp = regio_calloc(nr, sizeof *m->sat_stamp);
        m->terr_stamp = regio_calloc(nt, sizeof *m->terr_stamp);
        m->cand = regio_malloc(nr * sizeof *m->cand);
        m->sat = regio_malloc(nr * sizeof *m->sat);
        m->hits = regio_malloc(nt * sizeof *m->hits);
        if (!m->cand_stamp || !m->sat_stamp || !m->terr_stamp || !m->cand || !m->sat || !m->hits)
            rc = REGIO_ENOMEM;
    }
    pairs_free(&p);
    pairs_free(&anch);
    pairs_free(&postp);
    regio_free(order);
    regio_free(indexed);
    if (rc) {
        regio__matcher_free(m);
        return regio_error_setf(err, rc, NULL, 0, NULL, "out of memory");
    }
    *out = m;
    return REGIO_OK;
}

/* ---- matching ------------------------------------------------------------------------- */

static void next_stamp(regio__matcher *m)
{
    if (++m->stamp == 0) {
        memset(m->cand_stamp, 0, m->n_rules * sizeof *m->cand_stamp);
        memset(m->sat_stamp, 0, m->n_rules * sizeof *m->sat_stamp);
        memset(m->terr_stamp, 0, m->n_terr * sizeof *m->terr_stamp);
        m->stamp = 1;
    }
}

static int pre_ok(const prefilter *p, const regio__vals *v)
{
    if (p->op < 0)
        return 1;
    if (!v->is_num[p->field])
        return 0;
    double a = v->num[p->field];
    switch (p->op) {
    case REGIO_RULE_LESS_THAN: return a < p->num;
    case REGIO_RULE_GREATER_THAN: return a > p->num;
    case REGIO_RULE_LESS_OR_EQUAL: return a <= p->num;
    default: return a >= p->num;
    }
}

static size_t add_list(regio__matcher *m, const regio__vals *v, long list, size_t nc)
{
    for (size_t k = m->postings.start[list]; k < m->postings.start[list + 1]; k++) {
        const posting *p = &m->post[k];
        long r = p->rule;
        if (pre_ok(&p->pre, v) && m->cand_stamp[r] != m->stamp) {
            m->cand_stamp[r] = m->stamp;
            m->cand[nc++] = r;
        }
    }
    return nc;
}

size_t regio__matcher_match(regio__matcher *m, const regio__vals *v, long *terr, long *rule)
{
    next_stamp(m);
    uint32_t st = m->stamp;
    size_t nc = 0;
    for (size_t f = 0; f < m->fields->n; f++) {
        field_index *fx = &m->fx[f];
        const char *x = v->text[f];
        size_t xl = v->len[f];
        if (fx->eq) {
            long list = regio_strmap_get(fx->eq, x);
            if (list >= 0)
                nc = add_list(m, v, list, nc);
        }
        for (size_t i = 0; i < fx->n_plen && fx->plen[i] <= xl; i++) {
            size_t l = fx->plen[i];
            if (l + 1 > m->key_cap) {
                char *k = regio_realloc(m->key, l + 64);
                if (!k)
                    continue; /* cannot happen in practice; the rule is missed */
                m->key = k;
                m->key_cap = l + 64;
            }
            memcpy(m->key, x, l);
            m->key[l] = '\0';
            long list = regio_strmap_get(fx->prefix, m->key);
            if (list >= 0)
                nc = add_list(m, v, list, nc);
        }
    }
    for (size_t k = 0; k < m->n_residual; k++) {
        long r = m->residual[k];
        if (m->cand_stamp[r] != st) {
            m->cand_stamp[r] = st;
            m->cand[nc++] = r;
        }
    }
    size_t ns = 0;
    for (size_t k = 0; k < nc; k++)
        if (regio__rule_eval(&m->rules[m->cand[k]], v)) {
            m->sat_stamp[m->cand[k]] = st;
            m->sat[ns++] = m->cand[k];
        }
    size_t out = 0;
    for (size_t k = 0; k < ns; k++) {
        long r = m->sat[k];
        for (size_t j = m->anchored.start[r]; j < m->anchored.start[r + 1]; j++) {
            long t = m->anchored.idx[j];
            if (m->terr_stamp[t] == st)
                continue;
            m->terr_stamp[t] = st;
            int ok = 1;
            for (size_t i = m->inh.start[t]; i < m->inh.start[t + 1] && ok; i++)
                ok = m->sat_stamp[m->inh.idx[i]] == st;
            if (!ok)
                continue;
            long credit = -1;
            for (size_t i = m->own.start[t]; i < m->own.start[t + 1]; i++)
                if (m->sat_stamp[m->own.idx[i]] == st) {
                    credit = m->own.idx[i];
                    break;
                }
            if (credit < 0 && m->own.start[t] < m->own.start[t + 1])
                continue; /* own rules, none holds (cannot happen: anchored on one) */
            if (credit < 0)
                credit = m->inh.idx[m->inh.start[t]];
            m->hits[out++] = (hit){t, m->rule_id[credit]};
        }
    }
    if (out > 1)
        qsort(m->hits, out, sizeof *m->hits, cmp_hit);
    for (size_t i = 0; i < out; i++) {
        terr[i] = m->hits[i].t;
        rule[i] = m->hits[i].rule;
    }
    return out;
}

int regio__matcher_rule_sat(regio__matcher *m, const regio__vals *v, size_t r)
{
    return r < m->n_rules && regio__rule_eval(&m->rules[r], v);
}
