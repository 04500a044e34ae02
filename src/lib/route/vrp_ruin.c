/*
 * VRP ruin: string removal from Slack Induction by String Removals (SISR,
 * Christiaens & Vanden Berghe, Transportation Science 2020).
 *
 * Method. From a seed job (random among assigned ones unless given), visit
 * the seed and its nearest jobs; for each not yet ruined route holding one,
 * remove a string of consecutive jobs containing it (length up to
 * min(L^max, average route length)), or a "split string": a window with a
 * preserved run of consecutive jobs in the middle. The number of routes
 * ruined follows SISR's c-bar (average removed jobs).
 *
 * Invariants: every ruined route is updated (est/lat, load, cost
 * recomputed) before return; removed jobs are listed in s->removed with
 * where[] = -1. Complexity: O(k_neigh + removed + touched route lengths).
 */
#include "route/vrp_internal.h"

#include <string.h>

#define STRING_MAX 10      /* SISR L^max */
#define AVG_REMOVED 10.0   /* SISR c-bar */
#define SPLIT_BETA 0.01

static double avg_route_len(const regio__vsol *x, int nv)
{
    int used = 0, jobs = 0;
    for (int v = 0; v < nv; v++)
        if (x->r[v].m > 0) {
            used++;
            jobs += x->r[v].m;
        }
    return used ? (double)jobs / used : 1.0;
}

/* Removes strings around seed_job (a random assigned job when < 0). */
void regio__vrp_ruin(regio__vsolver *s, regio__vsol *x, int seed_job)
{
    s->n_removed = 0;
    int assigned = s->n_servable - x->n_unassigned;
    if (assigned <= 0)
        return;
    double lsmax = avg_route_len(x, s->nv);
    if (lsmax > STRING_MAX)
        lsmax = STRING_MAX;
    double ksmax = 4.0 * AVG_REMOVED / (1.0 + lsmax) - 1.0;
    if (ksmax < 1.0)
        ksmax = 1.0;
    int ks = (int)floor(1.0 + regio_rng_double(&s->rng) * ksmax);
    /* seed: the given job, or a random assigned one */
    int seed = seed_job;
    for (int tries = 0; tries < 64 && seed < 0; tries++) {
        int c = s->servable[regio_rng_below(&s->rng, (uint64_t)s->n_servable)];
        if (x->where[c] >= 0)
            seed = c;
    }
    if (seed < 0)
        for (int k = 0; k < s->n_servable && seed < 0; k++)
            if (x->where[s->servable[k]] >= 0)
                seed = s->servable[k];
    memset(s->route_hit, 0, (size_t)s->nv);
    int ruined = 0;
    for (int k = -1; k < s->k_neigh && ruined < ks; k++) {
        int c = k < 0 ? seed : s->neigh[(size_t)seed * s->k_neigh + k];
        if (c < 0)
            break;
        int v = x->where[c];
        if (v < 0 || s->route_hit[v])
            continue;
        regio__vroute *r = &x->r[v];
        s->route_hit[v] = 1;
        ruined++;
        int m = r->m;
        double lmaxd = m < lsmax ? m : lsmax;
        int l = (int)floor(1.0 + regio_rng_double(&s->rng) * lmaxd);
        if (l > m)
            l = m;
        int pc = x->pos[c];
        if (l == m || regio_rng_double(&s->rng) < 0.5) {
            /* string of l containing position pc */
            int lo = pc - l + 1 < 1 ? 1 : pc - l + 1;
            int hi = pc < m - l + 1 ? pc : m - l + 1;
            int st =
                lo + (int)regio_rng_below(&s->rng, (uint64_t)(hi - lo + 1));
            regio__vrp_route_cut(s, x, r, st, st + l);
        } else {
            /* split string: window of l + keep, keep consecutive preserved */
            int keep = 1;
            while (l + keep < m && regio_rng_double(&s->rng) > SPLIT_BETA &&
                   keep < m - l)
                keep++;
            int len = l + keep;
            if (len > m) {
                len = m;
                keep = m - l;
            }
            int lo = pc - len + 1 < 1 ? 1 : pc - len + 1;
            int hi = pc < m - len + 1 ? pc : m - len + 1;
            int st =
                lo + (int)regio_rng_below(&s->rng, (uint64_t)(hi - lo + 1));
            int kst = st + (int)regio_rng_below(&s->rng, (uint64_t)(l + 1));
            /* remove [kst+keep, st+len) first (higher positions), then
             * [st, kst) */
            regio__vrp_route_cut(s, x, r, kst + keep, st + len);
            regio__vrp_route_cut(s, x, r, st, kst);
        }
        regio__vrp_route_update(s, x, r);
    }
    if (s->general)
        regio__vrp_general_unpair(s, x);
}
