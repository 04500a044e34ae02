/*
 * TSP tour state: the array representation of a tour with a position
 * index, and journalled reversals (the "flip" primitive of Lin-Kernighan
 * in the formulation of Johnson & McGeoch 1997 and Applegate et al.).
 *
 * Method. A 2-opt move (flip) reverses a path of the tour; it reverses the
 * shorter of the path and its complement (the same cycle, opposite
 * orientation), so a move costs at most n/2 swaps. Every journalled
 * reversal records its position range and four end cities, so the local
 * search can re-queue the cities a move touched and the iterated local
 * search can undo a kick by replaying the journal backwards.
 *
 * Invariants: tour[] is a permutation and pos[tour[i]] == i after every
 * call; undoing to a mark restores the tour exactly as it was when the
 * journal had that length. Complexity: a reversal O(min(len, n - len));
 * journal append amortised O(1); memory O(number of journalled moves).
 */
#include "route/tsp_internal.h"
#include "core/grow.h"

/* Reverses tour positions [i, i + len) (mod n). */
void regio__tsp_rev_range(regio__tsp *s, uint32_t i, uint32_t len)
{
    uint32_t n = s->n, *t = s->tour, *p = s->pos;
    uint32_t j = i + len - 1;
    if (j >= n)
        j -= n;
    if (i + len <= n) {
        while (i < j) {
            uint32_t a = t[i], b = t[j];
            t[i] = b;
            p[b] = i;
            t[j] = a;
            p[a] = j;
            i++;
            j--;
        }
        return;
    }
    for (uint32_t k = len / 2; k > 0; k--) {
        uint32_t a = t[i], b = t[j];
        t[i] = b;
        p[b] = i;
        t[j] = a;
        p[a] = j;
        if (++i == n)
            i = 0;
        j = j == 0 ? n - 1 : j - 1;
    }
}

void regio__tsp_journal(regio__tsp *s, uint32_t i, uint32_t len)
{
    if (s->jlen == s->jcap && regio__grow(&s->j, &s->jcap, s->jlen + 1, sizeof *s->j)) {
        s->oom = 1;
        return;
    }
    uint32_t n = s->n, e = i + len - 1;
    if (e >= n)
        e -= n;
    regio__tsp_jentry *je = &s->j[s->jlen++];
    je->i = i;
    je->len = len;
    je->ends[0] = s->tour[i == 0 ? n - 1 : i - 1];
    je->ends[1] = s->tour[i];
    je->ends[2] = s->tour[e];
    je->ends[3] = s->tour[e + 1 == n ? 0 : e + 1];
}

/* Reverses the path from city a forward to city b (or, equivalently for
 * the cycle, its complement when that is shorter), journalled. */
static void rev_path(regio__tsp *s, uint32_t a, uint32_t b)
{
    uint32_t n = s->n, i = s->pos[a], j = s->pos[b];
    uint32_t len = (j >= i ? j - i : j + n - i) + 1;
    if (2 * len > n) {
        i = j + 1 == n ? 0 : j + 1;
        len = n - len;
    }
    if (len < 2)
        return;
    regio__tsp_journal(s, i, len);
    regio__tsp_rev_range(s, i, len);
}

/* 2-opt move: removes (a,b) and (c,d), where b follows a and d follows c
 * in one common orientation, and adds (a,c) and (b,d). */
void regio__tsp_flip(regio__tsp *s, uint32_t a, uint32_t b, uint32_t c,
                     uint32_t d)
{
    if (regio__tsp_succ(s, a) == b)
        rev_path(s, b, c);
    else
        rev_path(s, a, d);
}

/* Number of elements flip(a, b, c, d) would reverse. */
uint32_t regio__tsp_flip_len(const regio__tsp *s, uint32_t a, uint32_t b,
                             uint32_t c, uint32_t d)
{
    uint32_t n = s->n, i, j;
    if (regio__tsp_succ(s, a) == b) {
        i = s->pos[b];
        j = s->pos[c];
    } else {
        i = s->pos[a];
        j = s->pos[d];
    }
    uint32_t len = (j >= i ? j - i : j + n - i) + 1;
    return 2 * len > n ? n - len : len;
}

/* Undoes journalled reversals back to mark. */
void regio__tsp_undo_to(regio__tsp *s, size_t mark)
{
    while (s->jlen > mark) {
        regio__tsp_jentry *e = &s->j[--s->jlen];
        regio__tsp_rev_range(s, e->i, e->len);
    }
}
