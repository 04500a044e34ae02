/*
 * TSP local search: Or-opt (Or 1976), tried when Lin-Kernighan finds
 * nothing from a city.
 *
 * Method. A segment of 1..3 cities starting at s1 (in either orientation)
 * is moved between a candidate neighbour c of one of its ends and one of
 * c's tour neighbours, either way round, as two or three journalled flips.
 * Candidates are scanned in ascending cost and cut off once they cannot
 * beat the removal gain. First improvement is applied.
 *
 * Invariants: a move is applied only when its gain exceeds s->eps; the six
 * cities it touches are queued. Complexity: O(k) candidates per segment
 * end, each checked in O(1) plus the flips (at most n/2 elements each).
 */
#include "route/tsp_internal.h"

/* Or-opt (Or 1976): moves a segment of 1..3 cities starting at s1 (in one
 * orientation) between a candidate neighbour c and one of c's tour
 * neighbours, possibly reversed. Done as two or three flips. Returns the
 * gain of the first improving move applied, or 0. */
double regio__tsp_oropt_from(regio__tsp *s, uint32_t s1)
{
    for (int dir = 0; dir < 2; dir++) {
        uint32_t (*nx)(const regio__tsp *, uint32_t) =
            dir ? regio__tsp_pred : regio__tsp_succ;
        uint32_t (*pv)(const regio__tsp *, uint32_t) =
            dir ? regio__tsp_succ : regio__tsp_pred;
        uint32_t p = pv(s, s1), s2 = s1;
        for (int len = 1; len <= 3; len++) {
            if (len > 1)
                s2 = nx(s, s2);
            uint32_t nn = nx(s, s2);
            if (nn == p || s2 == p)
                break;
            double g0 = regio__tsp_c(s, p, s1) + regio__tsp_c(s, s2, nn) -
                        regio__tsp_c(s, p, nn);
            if (g0 <= s->eps)
                continue;
            /* Insert between c and d, c a candidate of s1 or s2. */
            for (int end = 0; end < 2; end++) {
                uint32_t e = end ? s2 : s1;
                const uint32_t *nb = s->nb + (size_t)e * s->k;
                const double *nbc = s->nbc + (size_t)e * s->k;
                for (uint32_t r = 0; r < s->k; r++) {
                    uint32_t c = nb[r];
                    if (nbc[r] >= g0 - s->eps)
                        break;
                    /* c must lie outside the segment and p..nn. */
                    int inseg = 0;
                    for (uint32_t x = s1;; x = nx(s, x)) {
                        if (x == c)
                            inseg = 1;
                        if (x == s2)
                            break;
                    }
                    if (inseg)
                        continue;
                    for (int side = 0; side < 2; side++) {
                        uint32_t dd = side ? pv(s, c) : nx(s, c);
                        uint32_t a = side ? dd : c, b = side ? c : dd;
                        /* Edge (a,b) with b = nx(a); must not touch seg. */
                        if (a == s2 || b == s1)
                            continue;
                        if (a == p && b == s1)
                            continue;
                        /* Either orientation of the segment in the gap. */
                        double add0 =
                            regio__tsp_c(s, a, s1) + regio__tsp_c(s, s2, b);
                        double add1 =
                            regio__tsp_c(s, a, s2) + regio__tsp_c(s, s1, b);
                        int reversed = add1 < add0;
                        double add = reversed ? add1 : add0;
                        double gain = g0 + regio__tsp_c(s, a, b) - add;
                        if (gain <= s->eps)
                            continue;
                        /* Apply as flips. Orientation "nx": ... p s1..s2 nn
                         * ... a b ... (a anywhere in nn..p's path). */
                        /* p-a, s1-b; path reversed */
                        regio__tsp_flip(s, p, s1, a, b);
                        regio__tsp_flip(s, p, a, nn, s2); /* p-nn, a-s2 */
                        /* now a - s2 ... s1 - b */
                        if (!reversed)
                            regio__tsp_flip(s, a, s2, s1, b); /* a-s1, s2-b */
                        regio__tsp_q_push(s, p);
                        regio__tsp_q_push(s, nn);
                        regio__tsp_q_push(s, a);
                        regio__tsp_q_push(s, b);
                        regio__tsp_q_push(s, s1);
                        regio__tsp_q_push(s, s2);
                        return gain;
                    }
                }
            }
        }
    }
    return 0;
}
