/*
 * Overnight trips of the call-cycle planner: a rep whose accounts lie
 * beyond a comfortable day trip from home chains consecutive working days
 * of one week into a trip, sleeping at a hotel near the next day's first
 * visit. Each day of a trip is a path between two anchors (home or a
 * hotel, regio__plan_tour.from/to), so the pattern search, the routing
 * and the repair of the other files work on trips unchanged.
 *
 * Method ("route first, cluster second" with Gillett and Miller's sweep):
 *  1. Far accounts: a round trip from home with the call does not fit the
 *     day, or takes more than FAR_SHARE of it. None: no trip at all (the
 *     plan is exactly the plan without overnight).
 *  2. A giant tour from home through the far accounts (nearest neighbour,
 *     then the 2-opt + Or-opt descent of tours.c) prices each account's
 *     work: its calls plus half its legs.
 *  3. Trips: runs of consecutive working days inside one week (no weekend,
 *     no day off inside a trip); as many trips as the highest frequency of
 *     a far account and as the far work (calls x frequency + giant tour,
 *     times TRIP_SLACK) needs at up to max_nights + 1 days a trip, spread
 *     evenly over the runs.
 *  4. One sector of equal work per trip, swept by polar angle around home
 *     from the widest gap; its loop (home -> sector -> home, as in 2) is
 *     walked day by day: a day serves loop stops while it can still reach
 *     a hotel and from there home in the days left; tonight's hotel is the
 *     next stop (the next day's first visit) when today reaches it, else
 *     the account place nearest it that today reaches. These are the
 *     days' anchors; the pattern search and routing then choose the
 *     visits between them.
 *  5. After routing (settle): each hotel moves to the next day's actual
 *     first visit when both days still fit; then a night is dropped (home
 *     that evening, home the next morning) when both days still fit and
 *     the km it adds cost less than the hotel.
 * Invariants: a night only joins two consecutive working days of one week,
 * at most max_nights a week; a day's anchors match: days[d].to ==
 * days[d+1].from whenever days[d].to is a hotel; routed days stay feasible
 * through settle. Complexity: O(F^2) for the giant tour of F far
 * accounts, O(N * L) checks of O(L) per settle pass for N days of L stops.
 */
#include "plan/plan_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FAR_SHARE 0.5   /* round trip from home above this share of the day: far */
#define TRIP_SLACK 1.15 /* weekly loops drive more than one giant tour */

typedef regio__plan_tour tour;
typedef regio__plan_rctx rctx;
typedef regio__plan_solve_ctx solve_ctx;

/* 1 when local account a is served better from a hotel than from home. */
static int is_far(const rctx *c, int a)
{
    int one[1] = {a};
    double end;
    if (!regio__plan_seq_feasible(c, 0, 0, one, 1, &end))
        return regio__plan_seq_feasible(c, a, a, one, 1, NULL);
    return regio__plan_dur(c, 0, a) + regio__plan_dur(c, a, 0) > FAR_SHARE * c->shift;
}

/* Nearest-neighbour tour from home through far[0..n), improved; taken
 * holds n bytes, scratch n + 2 ints. */
static regio_err giant_tour(const rctx *c, const int *far, int n, tour *g, unsigned char *taken,
                            int *scratch)
{
    regio_err rc = regio__plan_tour_reserve(g, n);
    if (rc)
        return rc;
    memset(taken, 0, (size_t)n);
    int cur = 0;
    g->n = 0;
    for (int k = 0; k < n; k++) {
        int best = -1;
        double bd = INFINITY;
        for (int i = 0; i < n; i++) {
            if (taken[i])
                continue;
            double d = regio__plan_dur(c, cur, far[i]);
            if (d < bd) {
                bd = d;
                best = i;
            }
        }
        taken[best] = 1;
        cur = g->s[g->n++] = far[best];
    }
    regio__plan_tour_improve(c, g, scratch);
    return REGIO_OK;
}

/* A run of consecutive working days inside one week. */
typedef struct run {
    int start, len;
} run;

static int cmp_ang(const void *x, const void *y)
{
    const regio__plan_angle *a = x, *b = y;
    return a->ang < b->ang ? -1 : a->ang > b->ang ? 1 : a->a - b->a;
}

/* The hotel of tonight after a day that has used t seconds at node cur:
 * the node (an account's place) nearest target among those reachable
 * today from which home stays within days_left days; 0 when none. */
static int pick_hotel(const rctx *c, int cur, double t, int target, int days_left)
{
    int best = 0;
    double bd = INFINITY;
    for (int y = 1; y <= c->m; y++) {
        if (t + regio__plan_dur(c, cur, y) > c->cap ||
            regio__plan_dur(c, y, 0) > days_left * c->cap)
            continue;
        double d = regio__plan_dur(c, y, target);
        if (d < bd) {
            bd = d;
            best = y;
        }
    }
    return best;
}

/* Walks the loop g (home -> g -> home) over at most k days from day0 on
 * and sets their anchors: each day serves loop stops while it can still
 * reach a hotel and, from there, home in the days left; tonight's hotel is
 * the next stop when today reaches it (the next day's first visit), else
 * the place nearest it that today reaches. The trip ends early when the
 * loop is done and home is reached. Returns the nights set; 0 (no anchor
 * changed) when a day cannot move on. */
static int set_trip(rctx *c, const tour *g, int day0, int k)
{
    int hotel[8], nights = 0, cur = 0, i = 0;
    if (k > 8)
        k = 8;
    for (int j = 0; j < k - 1; j++) {
        int left = k - 1 - j; /* days after tonight */
        double t = 0;
        while (i < g->n) {
            int x = g->s[i];
            double arrive = t + regio__plan_dur(c, cur, x) + regio__plan_acc(c, x)->call_s;
            if (arrive > c->cap || regio__plan_dur(c, x, 0) > left * c->cap)
                break;
            t = arrive;
            cur = x;
            i++;
        }
        int target = i < g->n && regio__plan_dur(c, g->s[i], 0) <= left * c->cap ? g->s[i] : 0;
        if (target == 0 && t + regio__plan_dur(c, cur, 0) <= c->cap)
            break; /* home tonight: the trip ends here */
        int h = pick_hotel(c, cur, t, target, left);
        if (h == 0 || (h == cur && t == 0))
            return 0; /* no progress */
        hotel[nights++] = h;
        cur = h;
    }
    if (nights == 0 || regio__plan_dur(c, cur, 0) > c->cap)
        return 0;
    for (int d = 0; d <= nights; d++) {
        c->days[day0 + d].from = d ? hotel[d - 1] : 0;
        c->days[day0 + d].to = d < nights ? hotel[d] : 0;
    }
    return nights;
}

regio_err regio__plan_overnight_trips(rctx *c, solve_ctx *s, int *n_nights)
{
    const regio_plan_params *p = s->p;
    *n_nights = 0;
    if (!p->overnight || c->m == 0)
        return REGIO_OK;
    int week = p->week_len > 0 ? p->week_len : 5;
    int maxn = p->max_nights > 0 ? p->max_nights : 4;
    if (maxn > 7)
        maxn = 7;
    int m = c->m, N = c->N;
    regio_err rc = REGIO_OK;
    int *far = regio_malloc(((size_t)m + 1) * sizeof *far);
    int *scratch = regio_malloc(((size_t)m + 3) * sizeof *scratch);
    double *share = regio_malloc(((size_t)m + 1) * sizeof *share);
    run *runs = regio_malloc(((size_t)N + 1) * sizeof *runs);
    unsigned char *taken = regio_malloc((size_t)m + 1);
    regio__plan_angle *ang = regio_malloc(((size_t)m + 1) * sizeof *ang);
    tour g, loop;
    memset(&g, 0, sizeof g);
    memset(&loop, 0, sizeof loop);
    if (!far || !scratch || !share || !runs || !taken || !ang) {
        rc = REGIO_ENOMEM;
        goto done;
    }
    int n_far = 0, maxf = 0;
    double far_call = 0;
    for (int a = 1; a <= m; a++) {
        const regio_plan_account *ac = regio__plan_acc(c, a);
        if (ac->frequency < 1 || ac->frequency > N || !is_far(c, a))
            continue;
        far[n_far++] = a;
        far_call += ac->frequency * ac->call_s;
        if (ac->frequency > maxf)
            maxf = ac->frequency;
    }
    if (n_far == 0)
        goto done;
    /* runs of working days, cut at week ends and days off */
    int n_runs = 0;
    for (int d = 0; d < N;) {
        if (regio_plan_dayset_has(&c->rep->days_off, d + 1)) {
            d++;
            continue;
        }
        int e = d + 1;
        while (e < N && e % week != 0 && !regio_plan_dayset_has(&c->rep->days_off, e + 1))
            e++;
        if (e - d >= 2)
            runs[n_runs++] = (run){d, e - d};
        d = e;
    }
    if (n_runs == 0)
        goto done;
    /* the giant tour: the far work, and each account's share of travel */
    if ((rc = giant_tour(c, far, n_far, &g, taken, scratch)))
        goto done;
    double work = far_call + g.travel;
    for (int i = 0; i < g.n; i++) {
        int a = g.s[i], pr = i ? g.s[i - 1] : 0, nx = i + 1 < g.n ? g.s[i + 1] : 0;
        const regio_plan_account *ac = regio__plan_acc(c, a);
        share[a] = ac->frequency * ac->call_s +
                   (regio__plan_dur(c, pr, a) + regio__plan_dur(c, a, nx)) / 2;
    }
    int kmax = maxn + 1;
    double need = TRIP_SLACK * work / c->cap; /* trip days */
    int n_trips = (int)ceil(need / kmax);
    if (n_trips < maxf)
        n_trips = maxf;
    if (n_trips > n_runs)
        n_trips = n_runs;
    if (n_trips < 1)
        n_trips = 1;
    int k = (int)ceil(need / n_trips);
    if (k < 2)
        k = 2;
    if (k > kmax)
        k = kmax;
    /* sectors (Gillett and Miller's sweep around home) of equal work, from
     * the widest angular gap; one trip per sector */
    double clat = cos(c->rep->lat * M_PI / 180.0);
    for (int i = 0; i < n_far; i++) {
        const regio_plan_account *ac = regio__plan_acc(c, far[i]);
        ang[i].a = far[i];
        ang[i].ang = atan2(ac->lat - c->rep->lat, (ac->lon - c->rep->lon) * clat);
    }
    qsort(ang, (size_t)n_far, sizeof *ang, cmp_ang);
    int start = 0;
    double bg = -1;
    for (int i = 0; i < n_far; i++) {
        double gap = i == 0 ? ang[0].ang + 2 * M_PI - ang[n_far - 1].ang : ang[i].ang - ang[i - 1].ang;
        if (gap > bg) {
            bg = gap;
            start = i;
        }
    }
    double tot = 0;
    for (int i = 0; i < n_far; i++)
        tot += share[ang[i].a];
    if ((rc = regio__plan_tour_reserve(&loop, n_far)))
        goto done;
    int i = 0;
    double acc = 0;
    for (int t = 0; t < n_trips; t++) {
        int n_in = 0;
        double limit = tot * (t + 1) / n_trips;
        while (i < n_far && (t == n_trips - 1 || n_in == 0 || acc + share[ang[(start + i) % n_far].a] / 2 <= limit)) {
            int a = ang[(start + i) % n_far].a;
            far[n_in++] = a;
            acc += share[a];
            i++;
        }
        if (n_in == 0)
            break;
        if ((rc = giant_tour(c, far, n_in, &loop, taken, scratch)))
            goto done;
        const run *r = &runs[(size_t)t * (size_t)n_runs / (size_t)n_trips];
        *n_nights += set_trip(c, &loop, r->start, k < r->len ? k : r->len);
    }
    for (int d = 0; d < N; d++)
        c->days[d].travel = regio__plan_tour_travel(c, &c->days[d]);
done:
    regio_free(g.s);
    regio_free(loop.s);
    regio_free(far);
    regio_free(scratch);
    regio_free(share);
    regio_free(runs);
    regio_free(taken);
    regio_free(ang);
    return rc;
}

/* ---- after routing ---------------------------------------------------------- */

static int day_fits(const rctx *c, const tour *t, int from, int to)
{
    return regio__plan_seq_feasible(c, from, to, t->s, t->n, NULL);
}

/* Sets the anchors of t and its travel. */
static void anchor(const rctx *c, tour *t, int from, int to)
{
    t->from = from;
    t->to = to;
    t->travel = regio__plan_tour_travel(c, t);
}

void regio__plan_overnight_settle(rctx *c, solve_ctx *s)
{
    const regio_plan_params *p = s->p;
    if (!p->overnight)
        return;
    double speed = p->speed_kmh > 0 ? p->speed_kmh : 50.0;
    double hotel = p->hotel_cost > 0 ? p->hotel_cost : REGIO_PLAN_HOTEL_COST;
    double per_km = p->km_cost > 0 ? p->km_cost : REGIO_PLAN_KM_COST;
    for (int d = 0; d + 1 < c->N; d++) {
        tour *td = &c->days[d], *tn = &c->days[d + 1];
        if (td->to == 0 || tn->from != td->to)
            continue;
        /* the hotel at the next day's first visit, when both days fit */
        if (tn->n > 0 && tn->s[0] != td->to && day_fits(c, td, td->from, tn->s[0]) &&
            day_fits(c, tn, tn->s[0], tn->to)) {
            anchor(c, td, td->from, tn->s[0]);
            anchor(c, tn, tn->s[0], tn->to);
        }
        /* home that evening instead, when both days fit and it is cheaper */
        if (day_fits(c, td, td->from, 0) && day_fits(c, tn, 0, tn->to)) {
            double before = td->travel + tn->travel;
            double after = regio__plan_path_travel(c, td->from, 0, td->s, td->n) +
                           regio__plan_path_travel(c, 0, tn->to, tn->s, tn->n);
            double extra_km = (after - before) / 3600.0 * speed;
            if (extra_km * per_km < hotel) {
                anchor(c, td, td->from, 0);
                anchor(c, tn, 0, tn->to);
            }
        }
    }
}
