/*
 * Internals of the call-cycle planner shared by its files: the day-pattern
 * catalogue (patterns.c), the per-rep planning state and the day-tour
 * operations (tours.c), the solve state with its progress, deadlines and
 * unplaced visits (plan.c), the pattern search (plan_search.c) and the
 * routing and repair of the days (plan_route.c).
 */
#ifndef REGIO_PLAN_INTERNAL_H
#define REGIO_PLAN_INTERNAL_H

#include "regio/plan.h"

/* The candidate day patterns of one frequency: n patterns of f days each
 * (0-based, ascending), evenly spaced ones first. */
typedef struct regio__plan_patset {
    int f, n_days;
    double tol;
    int n;
    int *days;   /* n * f */
} regio__plan_patset;

/* Cache of pattern sets by (frequency, days, tolerance). */
typedef struct regio__plan_patcache regio__plan_patcache;

regio_err regio__plan_patcache_create(regio__plan_patcache **out);
void regio__plan_patcache_destroy(regio__plan_patcache *c);

/* The pattern set for f visits over n_days with the given tolerance (0 =
 * default 0.25); owned by the cache. 1 <= f <= n_days. */
regio_err regio__plan_patterns(regio__plan_patcache *c, int f, int n_days, double tol,
                               const regio__plan_patset **out);

#include "regio/dist.h"

/* One day's tour of a rep: the visited accounts (local indices 1..m) in
 * order, from the node `from` to the node `to`, implicit at the ends: 0 =
 * home, an account's node = a hotel at that account (overnight trips).
 * Both are 0 (home) unless overnight.c made the day part of a trip. */
typedef struct regio__plan_tour {
    int *s;
    int n, cap;
    double travel;   /* seconds, from -> stops -> to */
    double call;     /* seconds */
    int from, to;    /* anchors: where the day starts and ends */
} regio__plan_tour;

/* The planning state of one rep: its accounts, travel times and day tours. */
typedef struct regio__plan_rctx {
    const regio_plan_rep *rep;
    const regio_plan_account *acc;   /* all accounts */
    int m;                           /* accounts of this rep with visits */
    int *gi;                         /* local 1..m -> global index (gi[0] unused) */
    regio_dist *dist;                /* m + 1 points, 0 = home */
    double *mat;                     /* (m+1)^2 durations or NULL */
    int N;
    regio__plan_tour *days;          /* N */
    const regio__plan_patset **ps;   /* per local account (index 1..m) */
    int *pat;                        /* per local account, -1 = none */
    double cap;                      /* search capacity of a day, s */
    double shift;                    /* day_end - day_start */
    unsigned char *inday;            /* scratch N */
    int *hint;                       /* per local account: the day (0-based) an overnight
                                        trip's walk visits it, -1 none; NULL without trips;
                                        then (m + 1 more) the day a walk passing it twice
                                        visits it again, -1 none */
    double walk_cap;                 /* hours of a day a trip's walk fills, s; 0 = cap */
    int pin;                         /* the search keeps hinted accounts on their walk's
                                        day (trips over weekends) */
    int trip_short;                  /* trips over weekends one day shorter than
                                        params.trip_days (a variant plan.c compares) */
    int cross;                       /* a trip over the whole cycle is re-walked so that it
                                        passes twice-a-cycle accounts twice (cross_loop of
                                        overnight.c; a variant plan.c compares) */
    int L;                           /* nodes: home, m accounts, then n_way hotels */
    int n_way;                       /* hotels on the way (not at an account), nodes m+1.. */
    double *way_lat, *way_lon;       /* their places, n_way each */
} regio__plan_rctx;


static inline double regio__plan_dur(const regio__plan_rctx *c, int i, int j)
{
    if (c->mat)
        return c->mat[(size_t)i * (size_t)c->L + (size_t)j];
    return regio_dist_duration(c->dist, (size_t)i, (size_t)j);
}

static inline const regio_plan_account *regio__plan_acc(const regio__plan_rctx *c, int a)
{
    return &c->acc[c->gi[a]];
}

/* ---- tours.c: day tours and exact schedules ---------------------------- */

/* Non-zero when day0 (0-based) is the rep's day off or the account's
 * closed day. */
int regio__plan_blocked(const regio__plan_rctx *c, int a, int day0);
regio_err regio__plan_tour_reserve(regio__plan_tour *t, int n);
/* Travel time of from -> s[0..n) -> to (from -> to when n is 0). */
double regio__plan_path_travel(const regio__plan_rctx *c, int from, int to, const int *s, int n);
/* Travel time of t's stops between its anchors. */
double regio__plan_tour_travel(const regio__plan_rctx *c, const regio__plan_tour *t);
/* Cheapest insertion of a into t: added travel, position in *pos. */
double regio__plan_ins_delta(const regio__plan_rctx *c, const regio__plan_tour *t, int a,
                             int *pos);
/* Index of a in t, or -1. */
int regio__plan_tour_find(const regio__plan_tour *t, int a);
/* Travel saved by removing the stop at index i. */
double regio__plan_rem_gain(const regio__plan_rctx *c, const regio__plan_tour *t, int i);
/* Inserts a at its cheapest position (windows ignored). */
regio_err regio__plan_tour_insert(const regio__plan_rctx *c, regio__plan_tour *t, int a);
/* Removes a when present. */
void regio__plan_tour_remove(const regio__plan_rctx *c, regio__plan_tour *t, int a);
/* 2-opt + Or-opt descent; scratch holds t->n + 2 ints. */
void regio__plan_tour_improve(const regio__plan_rctx *c, regio__plan_tour *t, int *scratch);
/* Earliest-start schedule of s leaving node from at day start and ending
 * at node to: 1 when every window and the day end hold; *end_out (may be
 * NULL) = arrival at to. */
int regio__plan_seq_feasible(const regio__plan_rctx *c, int from, int to, const int *s, int n,
                             double *end_out);
/* Cheapest position where inserting a keeps t feasible, or -1; scratch
 * holds t->n + 1 ints. */
int regio__plan_feasible_insert_pos(const regio__plan_rctx *c, const regio__plan_tour *t, int a,
                                    int *scratch, double *delta);
/* Inserts a at position p. */
regio_err regio__plan_tour_insert_at(const regio__plan_rctx *c, regio__plan_tour *t, int a,
                                     int p);

/* ---- plan.c: the solve state shared by the stages ---------------------- */

/* Growable list of unplaced visits. */
typedef struct regio__plan_unplaced_list {
    regio_plan_unplaced *v;
    size_t n, cap;
} regio__plan_unplaced_list;

/* State of one regio_plan_solve call across reps. */
typedef struct regio__plan_solve_ctx {
    const regio_plan_params *p;
    double deadline;            /* 0 = none */
    double search_deadline;     /* this rep's share for the search; 0 = none */
    regio__plan_unplaced_list un;
    regio__plan_patcache *pc;
    int cancelled;
    long moves;
    double est_km;
    double progress_base, progress_span;
} regio__plan_solve_ctx;

/* A local account and its polar angle around the rep's home. */
typedef struct regio__plan_angle {
    double ang;
    int a;
} regio__plan_angle;

/* Appends an unplaced visit (text is copied, truncated to fit). */
regio_err regio__plan_add_unplaced(regio__plan_unplaced_list *u, int account, int day,
                                   regio_plan_reason why, const char *text);
/* Reports progress frac of this rep's share; 1 when the solve is (now)
 * cancelled. */
int regio__plan_tick(regio__plan_solve_ctx *s, double frac, const char *phase);
/* 1 when the whole solve's deadline has passed. */
int regio__plan_past_deadline(const regio__plan_solve_ctx *s);
/* 1 when this rep's search deadline has passed. */
int regio__plan_past_search_deadline(const regio__plan_solve_ctx *s);

/* SplitMix64 finaliser: derives the per-rep and per-day seeds. */
static inline uint64_t regio__plan_mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* ---- plan_search.c: day patterns by construction and local search ------ */

/* Construction: the accounts of order (sorted by angle) in sweep order from
 * the widest angular gap, each given its cheapest pattern against a
 * balance target derived from total_call over the working days; then every
 * day tour is improved. scratch as for regio__plan_tour_improve. */
regio_err regio__plan_construct(regio__plan_rctx *c, regio__plan_solve_ctx *s,
                                const regio__plan_angle *order, int n_order,
                                double total_call, int working, int *scratch);
/* Gives each account with a hint (c->hint) the pattern holding its hinted
 * day that costs least, before the construction (which leaves accounts
 * with a pattern as they are). */
regio_err regio__plan_seed_hints(regio__plan_rctx *c);
/* Pattern descent, then the iterated local search (ruin and recreate) of
 * rep r, seeded from the params' seed; perm holds n_order ints. */
regio_err regio__plan_search(regio__plan_rctx *c, regio__plan_solve_ctx *s, int r,
                             const regio__plan_angle *order, int n_order, int *perm,
                             int *scratch);

/* ---- plan_route.c: routing and repair ----------------------------------- */

/* Routes every day of rep r with the VRPTW solver, then repairs each visit
 * the routing left out or lists it as unplaced. left holds m + 1 ints,
 * scratch m + 2 * N + 8, pos_tmp N + 1. */
regio_err regio__plan_route_days(regio__plan_rctx *c, regio__plan_solve_ctx *s, int r,
                                 int *left, int *scratch, int *pos_tmp, regio_error *err);

/* ---- overnight.c: trips with nights at hotels ---------------------------- */

/* The place of node i (home, an account, a hotel on the way). */
void regio__plan_node_place(const regio__plan_rctx *c, int i, double *lat, double *lon);

/* Local accounts of c that need a trip (a round trip from home does not fit
 * the day, or takes more than half of it) are given trips: consecutive
 * working days of a week whose anchors (c->days[d].from/to) chain through
 * hotels. Sets *n_nights (0: no trip, every anchor home). Called after the
 * travel times exist and before the patterns are searched. */
regio_err regio__plan_overnight_trips(regio__plan_rctx *c, regio__plan_solve_ctx *s,
                                      int *n_nights);
/* (Re)builds c's travel times over its c->L nodes (home, accounts, hotels
 * on the way): regio_dist plus a cached matrix when small enough. */
regio_err regio__plan_build_times(regio__plan_rctx *c, const regio_plan_params *p,
                                  regio_error *err);
/* After routing: each hotel moves to the next day's first visit where both
 * days still fit, then every night whose removal (home that evening) keeps
 * both days feasible and costs less in km than the hotel is dropped. */
void regio__plan_overnight_settle(regio__plan_rctx *c, regio__plan_solve_ctx *s);

/* Nights a stay at a hotel after working day d0 (0-based) of the cycle
 * lasts: 1, and the weekend's nights too when day d0 ends a week of
 * params.week_len working days (only a trip over weekends, trip_days,
 * sleeps there). */
static inline int regio__plan_nights_after(const regio_plan_params *p, int d0)
{
    int week = p->week_len > 0 ? p->week_len : 5;
    return week < 7 && (d0 + 1) % week == 0 ? 1 + 7 - week : 1;
}

/* ---- plan_store_save.c: the calendar of a territory plan --------------- */

/* The first day of a territory plan's cycle into out ("YYYY-MM-DD", 11
 * bytes): start (NULL = today, UTC), moved on to the Monday when it is a
 * Saturday or Sunday. 0 when start is not a real date YYYY-MM-DD. */
int regio__plan_cycle_start(const char *start, char *out);

/* Visits in a cycle of n_days working days for an account visited vpy
 * times a year (REGIO_PLAN_WORKING_DAYS_PER_YEAR working days): at least 1
 * when vpy > 0, 0 when vpy is 0, at most n_days. One rule for the file and
 * the store. */
int regio__plan_visits_per_cycle(double vpy, int n_days);

#endif
