/*
 * TSP iterated local search parts: the queue-driven local search and the
 * segment double-bridge kick.
 *
 * Method. Active cities sit in a FIFO queue (don't-look bits, Bentley
 * 1992); each popped city gets a Lin-Kernighan move (tsp_lk.c), else an
 * Or-opt move (tsp_oropt.c), and on success it and the end cities of every
 * reversal the move made are queued again. The kick (Martin, Otto & Felten
 * 1991; Johnson 1990) is a double bridge A B C D -> A C B D whose segments
 * B and C are short (<= maxlen cities) and adjacent in tour order, done as
 * journalled reversals, so kick plus repair cost O(k * segment) rather than
 * O(n), and the driver can undo a kick that made the tour longer.
 *
 * Invariants: the local search ends with an empty queue unless stopped by
 * the clock or out of memory (s->oom); with keep set the journal holds
 * every reversal made. Complexity: O(1) per kick plus O(len) reversals;
 * the local search is O(moves x (k + flip length)).
 */
#include "route/tsp_internal.h"

double regio__tsp_elapsed(const regio__tsp_clock *ck)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - ck->t0.tv_sec) +
           (double)(t.tv_nsec - ck->t0.tv_nsec) * 1e-9;
}

/* Runs LK + Or-opt until the queue is empty. With keep set, the journal is
 * kept (for an ILS undo); otherwise it is truncated after each move. With
 * ck set, stops early (returning with *stopped set) once the time limit has
 * passed. Returns the total gain. */
double regio__tsp_local_search(regio__tsp *s, int keep,
                               const regio__tsp_clock *ck, int *stopped)
{
    double total = 0;
    uint32_t pops = 0;
    while (s->qlen > 0 && !s->oom) {
        if (ck && ck->limit > 0 && (++pops & 255) == 0 &&
            regio__tsp_elapsed(ck) >= ck->limit) {
            *stopped = 1;
            break;
        }
        uint32_t t1 = regio__tsp_q_pop(s);
        size_t mark = s->jlen;
        double g = regio__tsp_lk_from(s, t1);
        if (g <= 0)
            g = regio__tsp_oropt_from(s, t1);
        if (g > 0) {
            total += g;
            regio__tsp_q_push(s, t1);
            for (size_t i = mark; i < s->jlen; i++)
                for (int e = 0; e < 4; e++)
                    regio__tsp_q_push(s, s->j[i].ends[e]);
            if (!keep)
                s->jlen = mark;
        }
    }
    return total;
}

/* Segment double bridge: A B C D -> A C B D with |B|, |C| <= maxlen, B
 * starting at a random position. Journalled; queues the six end cities.
 * Returns the cost change. */
double regio__tsp_kick(regio__tsp *s, uint32_t maxlen)
{
    uint32_t n = s->n;
    uint32_t p = (uint32_t)regio_rng_below(&s->rng, n);
    uint32_t l1 = 1 + (uint32_t)regio_rng_below(&s->rng, maxlen);
    uint32_t l2 = 1 + (uint32_t)regio_rng_below(&s->rng, maxlen);
#define AT(o) s->tour[(p + (o)) % n]
    uint32_t a = AT(0), b1 = AT(1), b2 = AT(l1), c1 = AT(l1 + 1),
             c2 = AT(l1 + l2), d1 = AT(l1 + l2 + 1);
#undef AT
    double delta = regio__tsp_c(s, a, c1) + regio__tsp_c(s, c2, b1) +
                   regio__tsp_c(s, b2, d1) - regio__tsp_c(s, a, b1) -
                   regio__tsp_c(s, b2, c1) - regio__tsp_c(s, c2, d1);
    uint32_t st = p + 1 == n ? 0 : p + 1;
    regio__tsp_journal(s, st, l1 + l2);
    regio__tsp_rev_range(s, st, l1 + l2);
    if (l2 > 1) {
        regio__tsp_journal(s, st, l2);
        regio__tsp_rev_range(s, st, l2);
    }
    if (l1 > 1) {
        uint32_t st2 = (st + l2) % n;
        regio__tsp_journal(s, st2, l1);
        regio__tsp_rev_range(s, st2, l1);
    }
    regio__tsp_q_push(s, a);
    regio__tsp_q_push(s, b1);
    regio__tsp_q_push(s, b2);
    regio__tsp_q_push(s, c1);
    regio__tsp_q_push(s, c2);
    regio__tsp_q_push(s, d1);
    return delta;
}
