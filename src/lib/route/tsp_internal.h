/*
 * Private state of the TSP solver, shared by tsp.c (driver) and the
 * tsp_*.c files beside it: the array tour with its position index, the
 * candidate lists, the FIFO of active cities ("don't-look bits"), the
 * journal of reversals and the chain of the current Lin-Kernighan move.
 * Private to libregio.
 *
 * Invariants: tour[] is a permutation and pos[tour[i]] == i; candidate
 * lists are sorted by ascending cost; no code assumes an orientation of
 * the tour (a reversal may turn it round), it is re-derived from
 * regio__tsp_succ / regio__tsp_pred whenever needed.
 */
#ifndef REGIO_TSP_INTERNAL_H
#define REGIO_TSP_INTERNAL_H

#include "regio/tsp.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Most candidates per city, and the capacity of the LK chain (levels). */
#define REGIO__TSP_MAX_K 16
#define REGIO__TSP_MAX_DEPTH 64

typedef struct regio__tsp_jentry {
    uint32_t i, len; /* reversed position range [i, i+len) mod n */
    uint32_t ends[4];
} regio__tsp_jentry;

typedef struct regio__tsp {
    const regio_dist *d;
    int asym;
    uint32_t n, k;
    uint32_t *tour, *pos;
    uint32_t *nb;  /* n * k candidates, ascending cost */
    double *nbc;   /* their costs */
    /* FIFO of active cities ("don't-look bits" off) */
    uint32_t *q;
    uint8_t *inq;
    uint32_t qhead, qlen;
    /* journal of reversals since the last mark */
    regio__tsp_jentry *j;
    size_t jlen, jcap;
    int oom;
    /* LK chain of this move, for the tabu rules */
    uint32_t added[2 * REGIO__TSP_MAX_DEPTH], removed[2 * REGIO__TSP_MAX_DEPTH];
    int nadded, nremoved;
    uint8_t *inchain; /* per city: how many chain edges touch it */
    int max_depth, ext_depth;
    uint32_t maxrev;
    /* Smallest gain that counts: relative to the tour length so rounding
     * noise in sums of large costs (1e9 coordinates) is never taken for an
     * improvement, which would let the search cycle. */
    double eps;
    regio_rng rng;
} regio__tsp;

/* Start time and limit (seconds, 0 = none) of one solve. */
typedef struct regio__tsp_clock {
    struct timespec t0;
    double limit;
} regio__tsp_clock;

/* Search cost: symmetrised for asymmetric providers. */
static inline double regio__tsp_c(const regio__tsp *s, uint32_t a, uint32_t b)
{
    if (!s->asym)
        return regio_dist_cost(s->d, a, b);
    return 0.5 * (regio_dist_cost(s->d, a, b) + regio_dist_cost(s->d, b, a));
}

/* Tour neighbours of city c in the current orientation. */
static inline uint32_t regio__tsp_succ(const regio__tsp *s, uint32_t c)
{
    uint32_t p = s->pos[c] + 1;
    return s->tour[p == s->n ? 0 : p];
}

static inline uint32_t regio__tsp_pred(const regio__tsp *s, uint32_t c)
{
    uint32_t p = s->pos[c];
    return s->tour[p == 0 ? s->n - 1 : p - 1];
}

/* FIFO of active cities: push (no-op when queued already) and pop. */
static inline void regio__tsp_q_push(regio__tsp *s, uint32_t c)
{
    if (s->inq[c])
        return;
    s->inq[c] = 1;
    uint32_t t = s->qhead + s->qlen;
    if (t >= s->n)
        t -= s->n;
    s->q[t] = c;
    s->qlen++;
}

static inline uint32_t regio__tsp_q_pop(regio__tsp *s)
{
    uint32_t c = s->q[s->qhead];
    if (++s->qhead == s->n)
        s->qhead = 0;
    s->qlen--;
    s->inq[c] = 0;
    return c;
}

/* ---- tour (tsp_tour.c) ------------------------------------------------- */

/* Reverses tour positions [i, i + len) (mod n), not journalled. */
void regio__tsp_rev_range(regio__tsp *s, uint32_t i, uint32_t len);
/* Records the reversal of positions [i, i + len) (mod n) and its four end
 * cities in the journal; sets s->oom when the journal cannot grow. */
void regio__tsp_journal(regio__tsp *s, uint32_t i, uint32_t len);
/* 2-opt move: removes (a,b) and (c,d), where b follows a and d follows c
 * in one common orientation, and adds (a,c) and (b,d). Journalled. */
void regio__tsp_flip(regio__tsp *s, uint32_t a, uint32_t b, uint32_t c,
                     uint32_t d);
/* Number of elements regio__tsp_flip(s, a, b, c, d) would reverse. */
uint32_t regio__tsp_flip_len(const regio__tsp *s, uint32_t a, uint32_t b,
                             uint32_t c, uint32_t d);
/* Undoes journalled reversals back to mark (a journal length). */
void regio__tsp_undo_to(regio__tsp *s, size_t mark);

/* ---- local search operators (tsp_lk.c, tsp_oropt.c) ------------------- */

/* One Lin-Kernighan move from t1, trying both tour neighbours as t2.
 * Returns the gain (> 0) with the improved tour in place, or 0 with the
 * tour unchanged. */
double regio__tsp_lk_from(regio__tsp *s, uint32_t t1);
/* First improving Or-opt move of a segment of 1..3 cities starting at s1;
 * queues the touched cities. Returns the gain, or 0 (tour unchanged). */
double regio__tsp_oropt_from(regio__tsp *s, uint32_t s1);

/* ---- local search driver and kick (tsp_ils.c) -------------------------- */

/* Seconds since ck->t0 on the monotonic clock. */
double regio__tsp_elapsed(const regio__tsp_clock *ck);
/* Runs LK + Or-opt until the queue is empty. With keep set, the journal is
 * kept (for an ILS undo); otherwise it is truncated after each move. With
 * ck set, stops early (returning with *stopped set) once the time limit has
 * passed. Returns the total gain. */
double regio__tsp_local_search(regio__tsp *s, int keep,
                               const regio__tsp_clock *ck, int *stopped);
/* Segment double bridge: A B C D -> A C B D with |B|, |C| <= maxlen, B
 * starting at a random position. Journalled; queues the six end cities.
 * Returns the cost change. */
double regio__tsp_kick(regio__tsp *s, uint32_t maxlen);

/* ---- construction (tsp_construct.c) ------------------------------------ */

/* Allocates and fills s->nb / s->nbc: s->k candidates per city, sorted by
 * ascending search cost. */
regio_err regio__tsp_build_candidates(regio__tsp *s);
/* Builds s->tour and s->pos by greedy edge matching on candidate edges,
 * then joins the fragments nearest-free-endpoint first. */
regio_err regio__tsp_greedy(regio__tsp *s);

#endif
