/*
 * Call-cycle planning benchmark on generated Colorado scenarios: one rep
 * with 150 accounts within ~60 km of Denver, and a team of 4 reps with 600
 * accounts (the disc split into four 150-account sectors, one rep home in
 * each). 20 working days, 20-minute calls, 08:00-17:00, frequencies 4/2/1
 * (15% / 35% / 50%). Prints regio_plan_solve's figures next to two
 * baselines, each day routed by regio_vrp_solve with the same per-day
 * budget and all measured by regio_plan_measure: the weak one (evenly
 * spaced days fixed by account order, no geography, left-out visits
 * dropped) and the strong one of issue 14 (evenly spaced days levelled in
 * sweep order, a left-out visit moved to another day within the spacing
 * band rather than dropped).
 * Usage: bench_plan [--scenario 1|4|all] [--seed K] [--accounts-per-rep N]
 *        [--route-iterations N] [--search-iterations N] [--time-limit S]
 *        [--spacing-tolerance T]
 *        [--header]
 */
#include "regio/dist.h"
#include "regio/geo.h"
#include "regio/plan.h"
#include "regio/vrp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

#define DEN_LAT 39.7392
#define DEN_LON (-104.9903)

/* Satellite towns within ~60 km of Denver (lat, lon). */
static const double towns[][2] = {
    {40.0150, -105.2705}, /* Boulder */
    {40.1672, -105.1019}, /* Longmont */
    {39.3722, -104.8561}, /* Castle Rock */
    {39.7294, -104.8319}, /* Aurora */
    {39.7555, -105.2211}, /* Golden */
    {39.9853, -104.8205}, /* Brighton */
};

typedef struct scen {
    int n_reps, n_acc, n_days;
    regio_plan_rep *reps;
    regio_plan_account *acc;
    char (*ids)[16];
    char (*rep_ids)[16];
} scen;

static void offset_km(double lat, double lon, double dx_km, double dy_km, double *olat,
                      double *olon)
{
    *olat = lat + dy_km / 111.195;
    *olon = lon + dx_km / (111.195 * cos(lat * M_PI / 180.0));
}

static int cmp_ang(const void *a, const void *b)
{
    const double *x = a, *y = b;
    return (x[0] > y[0]) - (x[0] < y[0]);
}

static int build(scen *s, int n_reps, int per_rep, uint64_t seed)
{
    regio_rng rng;
    regio_rng_seed(&rng, seed);
    s->n_reps = n_reps;
    s->n_acc = n_reps * per_rep;
    s->n_days = 20;
    s->reps = calloc((size_t)n_reps, sizeof *s->reps);
    s->acc = calloc((size_t)s->n_acc, sizeof *s->acc);
    s->ids = calloc((size_t)s->n_acc, sizeof *s->ids);
    s->rep_ids = calloc((size_t)n_reps, sizeof *s->rep_ids);
    double *pts = calloc((size_t)s->n_acc * 3, sizeof *pts); /* angle, lat, lon */
    if (!s->reps || !s->acc || !s->ids || !s->rep_ids || !pts)
        return -1;
    for (int i = 0; i < s->n_acc; i++) {
        double lat, lon;
        if (regio_rng_double(&rng) < 0.3) {
            const double *t = towns[regio_rng_below(&rng, sizeof towns / sizeof towns[0])];
            double r = 8.0 * sqrt(regio_rng_double(&rng)), a = 2 * M_PI * regio_rng_double(&rng);
            offset_km(t[0], t[1], r * cos(a), r * sin(a), &lat, &lon);
        } else {
            /* metro-dense: radius 60 u^1.5 km (median ~21 km) */
            double r = 60.0 * pow(regio_rng_double(&rng), 1.5), a = 2 * M_PI * regio_rng_double(&rng);
            offset_km(DEN_LAT, DEN_LON, r * cos(a), r * sin(a), &lat, &lon);
        }
        double dx = (lon - DEN_LON) * cos(DEN_LAT * M_PI / 180.0), dy = lat - DEN_LAT;
        pts[3 * i] = atan2(dy, dx);
        pts[3 * i + 1] = lat;
        pts[3 * i + 2] = lon;
    }
    /* reps own equal angular sectors around Denver */
    if (n_reps > 1)
        qsort(pts, (size_t)s->n_acc, 3 * sizeof *pts, cmp_ang);
    for (int r = 0; r < n_reps; r++) {
        snprintf(s->rep_ids[r], sizeof s->rep_ids[r], "R%d", r + 1);
        regio_plan_rep *rp = &s->reps[r];
        rp->id = s->rep_ids[r];
        if (n_reps == 1) {
            rp->lat = DEN_LAT;
            rp->lon = DEN_LON;
        } else {
            /* home 12 km out along the sector's middle angle */
            double a = pts[3 * (r * per_rep + per_rep / 2)];
            offset_km(DEN_LAT, DEN_LON, 12 * cos(a), 12 * sin(a), &rp->lat, &rp->lon);
        }
        rp->day_start_s = 8 * 3600;
        rp->day_end_s = 17 * 3600;
    }
    for (int i = 0; i < s->n_acc; i++) {
        regio_plan_account *a = &s->acc[i];
        snprintf(s->ids[i], sizeof s->ids[i], "A%04d", i + 1);
        a->id = s->ids[i];
        a->lat = pts[3 * i + 1];
        a->lon = pts[3 * i + 2];
        a->rep = n_reps == 1 ? 0 : i / per_rep;
        double u = regio_rng_double(&rng);
        a->frequency = u < 0.15 ? 4 : u < 0.5 ? 2 : 1;
        a->call_s = 20 * 60;
    }
    free(pts);
    return 0;
}

/* Routes the n visits acc_ids[0..n) of rep rp's day with regio_vrp_solve
 * (what `regio route` runs): home to home within the working day. The
 * route goes to pd (visits allocated); the visits it leaves out to left
 * (n entries), their count to *n_left. */
static void route_visits(const scen *s, const regio_plan_rep *rp, const regio_plan_params *pp,
                         long iters, uint64_t seed, const int *acc_ids, int n, regio_plan_day *pd,
                         int *left, int *n_left)
{
    *n_left = 0;
    free(pd->visits);
    pd->visits = NULL;
    pd->n_visits = 0;
    if (n == 0)
        return;
    int L = n + 1;
    double *lat = malloc((size_t)L * sizeof *lat), *lon = malloc((size_t)L * sizeof *lon);
    lat[0] = rp->lat;
    lon[0] = rp->lon;
    for (int j = 0; j < n; j++) {
        lat[j + 1] = s->acc[acc_ids[j]].lat;
        lon[j + 1] = s->acc[acc_ids[j]].lon;
    }
    regio_dist_opts o = {REGIO_METRIC_HAVERSINE, 0, pp->road_factor, pp->speed_kmh};
    regio_dist *dist = NULL;
    regio_dist_create_coords((size_t)L, lon, lat, &o, &dist, NULL);
    double *m = malloc((size_t)L * (size_t)L * sizeof *m);
    for (int i = 0; i < L; i++)
        for (int j = 0; j < L; j++)
            m[i * L + j] = regio_dist_duration(dist, (size_t)i, (size_t)j);
    regio_vrp_job *jobs = calloc((size_t)n, sizeof *jobs);
    for (int j = 0; j < n; j++) {
        jobs[j].location = j + 1;
        jobs[j].service = s->acc[acc_ids[j]].call_s;
    }
    regio_vrp_vehicle v;
    memset(&v, 0, sizeof v);
    v.shift.start = rp->day_start_s;
    v.shift.end = rp->day_end_s;
    regio_vrp_problem p;
    memset(&p, 0, sizeof p);
    p.n_locations = L;
    p.cost = m;
    p.duration = m;
    p.jobs = jobs;
    p.n_jobs = n;
    p.vehicles = &v;
    p.n_vehicles = 1;
    regio_vrp_params vp;
    memset(&vp, 0, sizeof vp);
    vp.seed = seed;
    vp.max_iterations = iters;
    regio_vrp_solution *sol = NULL;
    if (regio_vrp_solve(&p, &vp, &sol, NULL) == REGIO_OK) {
        const regio_vrp_route *rt = &sol->routes[0];
        pd->n_visits = rt->n_steps;
        pd->visits = calloc((size_t)rt->n_steps + 1, sizeof *pd->visits);
        for (int j = 0; j < rt->n_steps; j++)
            pd->visits[j].account = acc_ids[rt->steps[j].job];
        for (int j = 0; j < sol->n_unassigned; j++)
            left[(*n_left)++] = acc_ids[sol->unassigned[j].job];
    } else {
        for (int j = 0; j < n; j++)
            left[(*n_left)++] = acc_ids[j];
    }
    regio_vrp_solution_destroy(sol);
    regio_dist_destroy(dist);
    free(lat);
    free(lon);
    free(m);
    free(jobs);
}

static regio_plan_result *new_result(const scen *s)
{
    regio_plan_result *res = calloc(1, sizeof *res);
    res->n_days = s->n_days;
    res->n_reps = (size_t)s->n_reps;
    res->n_accounts = (size_t)s->n_acc;
    res->days = calloc((size_t)s->n_reps * (size_t)s->n_days, sizeof *res->days);
    res->accounts = calloc((size_t)s->n_acc, sizeof *res->accounts);
    res->reps = calloc((size_t)s->n_reps, sizeof *res->reps);
    for (int r = 0; r < s->n_reps; r++)
        for (int d = 0; d < s->n_days; d++) {
            res->days[(size_t)r * (size_t)s->n_days + (size_t)d].rep = r;
            res->days[(size_t)r * (size_t)s->n_days + (size_t)d].day = d + 1;
        }
    return res;
}

/* The day of visit k of an account with offset o and frequency f. */
static int even_day(int o, int k, int f, int N)
{
    return (int)floor(o + k * ((double)N / f) + 0.5) % N;
}

/* Weak baseline: visit days evenly spaced with offsets dealt round-robin
 * in account order per frequency (no geography, no levelling); each day
 * routed by regio_vrp_solve, whose left-out visits stay out. */
static regio_plan_result *baseline(const scen *s, const regio_plan_params *pp, long iters,
                                   double *secs)
{
    double t0 = now_s();
    int N = s->n_days;
    regio_plan_result *res = new_result(s);
    int *left = calloc((size_t)s->n_acc + 1, sizeof *left);
    for (int r = 0; r < s->n_reps; r++) {
        int counter[REGIO_PLAN_MAX_DAYS + 1] = {0};
        int **day_acc = calloc((size_t)N, sizeof *day_acc);
        int *day_n = calloc((size_t)N, sizeof *day_n);
        for (int d = 0; d < N; d++)
            day_acc[d] = calloc((size_t)s->n_acc, sizeof **day_acc);
        for (int i = 0; i < s->n_acc; i++) {
            const regio_plan_account *a = &s->acc[i];
            if (a->rep != r || a->frequency <= 0)
                continue;
            int span = (int)ceil((double)N / a->frequency - 1e-9);
            int o = counter[a->frequency]++ % span;
            for (int k = 0; k < a->frequency; k++) {
                int d = even_day(o, k, a->frequency, N);
                day_acc[d][day_n[d]++] = i;
            }
        }
        for (int d = 0; d < N; d++) {
            int nl;
            route_visits(s, &s->reps[r], pp, iters, pp->seed + (uint64_t)d, day_acc[d], day_n[d],
                         &res->days[(size_t)r * (size_t)N + (size_t)d], left, &nl);
        }
        for (int d = 0; d < N; d++)
            free(day_acc[d]);
        free(day_acc);
        free(day_n);
    }
    free(left);
    regio_plan_measure(s->reps, (size_t)s->n_reps, s->acc, (size_t)s->n_acc, pp, res);
    *secs = now_s() - t0;
    return res;
}

typedef struct angle_acc {
    double ang;
    int i;
} angle_acc;

static int cmp_angle_acc(const void *x, const void *y)
{
    const angle_acc *a = x, *b = y;
    return a->ang < b->ang ? -1 : a->ang > b->ang ? 1 : a->i - b->i;
}

/* 1 when the visit days of an account (sorted copy of days[0..f)) keep
 * every cyclic gap within [0.6, 1.4] of N / f (METRICS.md's band). */
static int in_band(const int *days, int f, int N)
{
    int d[REGIO_PLAN_MAX_DAYS];
    memcpy(d, days, (size_t)f * sizeof *d);
    for (int i = 1; i < f; i++)
        for (int j = i; j > 0 && d[j - 1] > d[j]; j--) {
            int t = d[j];
            d[j] = d[j - 1];
            d[j - 1] = t;
        }
    double g = (double)N / f;
    for (int i = 0; i < f; i++) {
        int gap = i + 1 < f ? d[i + 1] - d[i] : d[0] + N - d[i];
        if (f > 1 && (gap / g < 0.6 - 1e-9 || gap / g > 1.4 + 1e-9))
            return 0;
        if (f > 1 && gap == 0)
            return 0;
    }
    return 1;
}

/* Great-circle km of a tour home -> pts -> home by nearest neighbour
 * and 2-opt: the strong baseline's estimate of a day's driving. */
static double tour_km(const regio_plan_rep *rp, const scen *s, const int *ids, int n)
{
    if (n == 0)
        return 0;
    int q[64 + 2];
    if (n > 64)
        n = 64; /* an estimate: the bench's days hold far fewer */
    double la[66], lo[66];
    la[0] = rp->lat;
    lo[0] = rp->lon;
    for (int i = 0; i < n; i++) {
        la[i + 1] = s->acc[ids[i]].lat;
        lo[i + 1] = s->acc[ids[i]].lon;
    }
    int used[66] = {0};
    q[0] = 0;
    used[0] = 1;
    for (int k = 1; k <= n; k++) {
        int best = -1;
        double bd = INFINITY;
        for (int j = 1; j <= n; j++)
            if (!used[j]) {
                double d = regio_haversine_km(la[q[k - 1]], lo[q[k - 1]], la[j], lo[j]);
                if (d < bd) {
                    bd = d;
                    best = j;
                }
            }
        q[k] = best;
        used[best] = 1;
    }
    q[n + 1] = 0;
#define KM(a, b) regio_haversine_km(la[q[a]], lo[q[a]], la[q[b]], lo[q[b]])
    for (int improved = 1; improved;) {
        improved = 0;
        for (int i = 0; i < n; i++)
            for (int j = i + 2; j <= n; j++)
                if (KM(i, j) + KM(i + 1, j + 1) < KM(i, i + 1) + KM(j, j + 1) - 1e-9) {
                    for (int x = i + 1, y = j; x < y; x++, y--) {
                        int t = q[x];
                        q[x] = q[y];
                        q[y] = t;
                    }
                    improved = 1;
                }
    }
    double km = 0;
    for (int i = 0; i <= n; i++)
        km += KM(i, i + 1);
#undef KM
    return km;
}

/* The strong baseline's days of rep r from sweep position start: fills
 * day_acc/day_n, days_of and returns the estimated km of all days. */
static double assign_days(const scen *s, int r, const angle_acc *order, int n, int start,
                          double total, int **day_acc, int *day_n, double *load,
                          int (*days_of)[REGIO_PLAN_MAX_DAYS])
{
    int N = s->n_days;
    for (int d = 0; d < N; d++) {
        day_n[d] = 0;
        load[d] = 0;
    }
        double mean = total / N;
        /* P day classes {j, j + P, j + 2P, ...}, P the shortest even gap:
         * the sweep is cut into P sectors of equal call load, and the
         * accounts of sector j are visited on days of class j only (so a
         * day's stops lie in one sector) */
        int P = N;
        for (int k = 0; k < n; k++) {
            int span = (int)ceil((double)N / s->acc[order[k].i].frequency - 1e-9);
            if (span < P)
                P = span;
        }
        int prev[REGIO_PLAN_MAX_DAYS + 1];
        for (int f = 0; f <= REGIO_PLAN_MAX_DAYS; f++)
            prev[f] = -1;
        double acc_load = 0;
        for (int k = 0; k < n; k++) {
            int i = order[(start + k) % n].i;
            const regio_plan_account *a = &s->acc[i];
            int f = a->frequency, span = (int)ceil((double)N / f - 1e-9), best = -1;
            int sector = (int)((acc_load + a->frequency * a->call_s / 2) / total * P);
            if (sector >= P)
                sector = P - 1;
            acc_load += a->frequency * a->call_s;
            double bl = INFINITY;
            for (int o = 0; o < span; o++) {
                if (o % P != sector % P && span >= P)
                    continue;
                double mx = 0;
                for (int q = 0; q < f; q++)
                    mx = fmax(mx, load[even_day(o, q, f, N)]);
                if (mx < bl - 1e-9) {
                    bl = mx;
                    best = o;
                }
            }
            if (best < 0)
                best = sector % span;
            if (prev[f] >= 0 && prev[f] % P == best % P) {
                double mx = 0;
                for (int q = 0; q < f; q++)
                    mx = fmax(mx, load[even_day(prev[f], q, f, N)]);
                if (mx + a->call_s <= mean)
                    best = prev[f];
            }
            prev[f] = best;
            for (int q = 0; q < f; q++) {
                int d = even_day(best, q, f, N);
                load[d] += a->call_s;
                day_acc[d][day_n[d]++] = i;
                days_of[i][q] = d;
            }
        }
    double km = 0;
    for (int d = 0; d < N; d++)
        km += tour_km(&s->reps[r], s, day_acc[d], day_n[d]);
    return km;
}

/* Strong baseline (issue 14): visits evenly spaced, each day's load
 *  levelled, each day routed on its own.
 *  - Accounts in sweep order (polar angle) around the rep's home or the
 *    accounts' centroid, from 16 evenly spread starts: whichever of these
 *    32 sweeps gives the least estimated driving (nearest neighbour +
 *    2-opt per day) is routed. A sweep is cut into P sectors of equal call
 *    load, P the shortest
 *    even gap (5 days for 4 visits in 20); sector j's accounts are visited
 *    on days j, j + P, j + 2P, ... only, so each day's stops lie in one
 *    sector.
 *  - Each takes, among those, the evenly spaced offset (days o + k N/f)
 *    of its frequency that keeps the days' call load levelled: the offset
 *    the previous account of the same frequency took when its days stay
 *    within the mean daily load (neighbours share days), else the one
 *    whose most loaded day is least loaded.
 *  - Each day is routed by regio_vrp_solve from home to home within the
 *    working day (what `regio route` runs). A visit the route leaves out
 *    is not dropped: it moves to the other day, nearest first, that keeps
 *    the account's spacing within [0.6, 1.4] and whose route then takes
 *    every visit; only when no day does is it left out. */
static regio_plan_result *strong_baseline(const scen *s, const regio_plan_params *pp, long iters,
                                          double *secs)
{
    double t0 = now_s();
    int N = s->n_days;
    regio_plan_result *res = new_result(s);
    int *left = calloc((size_t)s->n_acc + 1, sizeof *left);
    int *left2 = calloc((size_t)s->n_acc + 1, sizeof *left2);
    angle_acc *order = calloc((size_t)s->n_acc + 1, sizeof *order);
    int (*days_of)[REGIO_PLAN_MAX_DAYS] = calloc((size_t)s->n_acc + 1, sizeof *days_of);
    for (int r = 0; r < s->n_reps; r++) {
        const regio_plan_rep *rp = &s->reps[r];
        double *load = calloc((size_t)N, sizeof *load);
        int **day_acc = calloc((size_t)N, sizeof *day_acc);
        int *day_n = calloc((size_t)N, sizeof *day_n);
        for (int d = 0; d < N; d++)
            day_acc[d] = calloc((size_t)s->n_acc + 1, sizeof **day_acc);
        /* sweeps around two centres (the rep's home, the accounts'
         * centroid), each from K evenly spread starts (the widest gap
         * first): the days with the least estimated driving are routed */
        double cen[2][2] = {{rp->lat, rp->lon}, {0, 0}}, cw = 0;
        for (int i = 0; i < s->n_acc; i++)
            if (s->acc[i].rep == r && s->acc[i].frequency > 0) {
                cen[1][0] += s->acc[i].lat;
                cen[1][1] += s->acc[i].lon;
                cw++;
            }
        if (cw > 0) {
            cen[1][0] /= cw;
            cen[1][1] /= cw;
        }
        int n = 0, best_c = 0, best_start = 0;
        double total = 0, best_km = INFINITY;
        for (int pass = 0; pass < 3; pass++) {
            int c = pass < 2 ? pass : best_c; /* pass 2: the winner again */
            n = 0;
            total = 0;
            for (int i = 0; i < s->n_acc; i++) {
                const regio_plan_account *a = &s->acc[i];
                if (a->rep != r || a->frequency <= 0)
                    continue;
                double dx = (a->lon - cen[c][1]) * cos(cen[c][0] * M_PI / 180.0),
                       dy = a->lat - cen[c][0];
                order[n].ang = atan2(dy, dx);
                order[n++].i = i;
                total += a->frequency * a->call_s;
            }
            if (n == 0)
                break;
            qsort(order, (size_t)n, sizeof *order, cmp_angle_acc);
            if (pass == 2) {
                assign_days(s, r, order, n, best_start, total, day_acc, day_n, load, days_of);
                break;
            }
            int start = 0;
            double bg = -1;
            for (int k = 0; k < n; k++) {
                double g = k ? order[k].ang - order[k - 1].ang
                             : order[0].ang + 2 * M_PI - order[n - 1].ang;
                if (g > bg) {
                    bg = g;
                    start = k;
                }
            }
            int K = n < 16 ? n : 16;
            for (int t = 0; t < K; t++) {
                int st = (start + t * n / K) % n;
                double km = assign_days(s, r, order, n, st, total, day_acc, day_n, load, days_of);
                if (km < best_km - 1e-9) {
                    best_km = km;
                    best_start = st;
                    best_c = c;
                }
            }
        }
        /* route every day; move left-out visits to another day in band */
        int n_left = 0;
        for (int d = 0; d < N; d++) {
            int nl;
            route_visits(s, rp, pp, iters, pp->seed + (uint64_t)d, day_acc[d], day_n[d],
                         &res->days[(size_t)r * (size_t)N + (size_t)d], left + n_left, &nl);
            for (int j = 0; j < nl; j++) { /* off the day's list: it moves */
                int i = left[n_left + j];
                for (int q = 0; q < day_n[d]; q++)
                    if (day_acc[d][q] == i) {
                        day_acc[d][q] = day_acc[d][--day_n[d]];
                        break;
                    }
                left2[n_left + j] = d;
            }
            n_left += nl;
        }
        for (int j = 0; j < n_left; j++) {
            int i = left[j], d0 = left2[j], f = s->acc[i].frequency;
            int q0 = 0;
            while (q0 < f && days_of[i][q0] != d0)
                q0++;
            int placed = 0;
            for (int step = 1; step < N && !placed; step++)
                for (int sg = -1; sg <= 1 && !placed; sg += 2) {
                    int d = ((d0 + sg * step) % N + N) % N;
                    int dup = 0;
                    for (int q = 0; q < f; q++)
                        dup |= q != q0 && days_of[i][q] == d;
                    if (dup)
                        continue;
                    days_of[i][q0] = d;
                    if (!in_band(days_of[i], f, N)) {
                        days_of[i][q0] = d0;
                        continue;
                    }
                    day_acc[d][day_n[d]++] = i;
                    int nl;
                    regio_plan_day *pd = &res->days[(size_t)r * (size_t)N + (size_t)d];
                    route_visits(s, rp, pp, iters, pp->seed + (uint64_t)d, day_acc[d], day_n[d], pd,
                                 left2 + n_left, &nl);
                    if (nl == 0) {
                        placed = 1;
                    } else { /* back as it was */
                        day_n[d]--;
                        days_of[i][q0] = d0;
                        route_visits(s, rp, pp, iters, pp->seed + (uint64_t)d, day_acc[d],
                                     day_n[d], pd, left2 + n_left, &nl);
                    }
                }
        }
        for (int d = 0; d < N; d++)
            free(day_acc[d]);
        free(day_acc);
        free(day_n);
        free(load);
    }
    free(left);
    free(left2);
    free(order);
    free(days_of);
    regio_plan_measure(s->reps, (size_t)s->n_reps, s->acc, (size_t)s->n_acc, pp, res);
    *secs = now_s() - t0;
    return res;
}

static void free_baseline(regio_plan_result *r)
{
    for (size_t i = 0; i < r->n_reps * (size_t)r->n_days; i++)
        free(r->days[i].visits);
    free(r->days);
    free(r->accounts);
    free(r->reps);
    free(r);
}

static void row(const char *name, const char *method, const regio_plan_result *r, double secs)
{
    printf("| %s | %s | %ld/%ld (%.1f%%) | %d (%.0f min) | %.0f%%-%.0f%% | %.1f | %.2f | %.1f | "
           "%.2f |\n",
           name, method, r->visits_scheduled, r->visits_required, 100 * r->coverage,
           r->overtime_days, r->overtime_min, 100 * r->spacing_min, 100 * r->spacing_max,
           r->travel_km, r->visits_scheduled ? r->travel_km / (double)r->visits_scheduled : 0.0,
           r->travel_h, secs);
}

int main(int argc, char **argv)
{
    const char *which = "all";
    uint64_t seed = 1;
    int per_rep = 150;
    long route_it = 0, search_it = 0;
    double tl = 0, tol = 0;
    int header = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--scenario") && i + 1 < argc)
            which = argv[++i];
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--accounts-per-rep") && i + 1 < argc)
            per_rep = (int)strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--route-iterations") && i + 1 < argc)
            route_it = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--search-iterations") && i + 1 < argc)
            search_it = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--time-limit") && i + 1 < argc)
            tl = strtod(argv[++i], NULL);
        else if (!strcmp(argv[i], "--spacing-tolerance") && i + 1 < argc)
            tol = strtod(argv[++i], NULL);
        else if (!strcmp(argv[i], "--header"))
            header = 1;
        else {
            fprintf(stderr, "usage: bench_plan [--scenario 1|4|all] [--seed K] "
                            "[--accounts-per-rep N] [--route-iterations N] "
                            "[--search-iterations N] [--time-limit S] [--spacing-tolerance T] "
                            "[--header]\n");
            return 2;
        }
    }
    if (per_rep <= 0)
        per_rep = 150;
    if (header) {
        printf("| scenario | method | coverage | overtime days | spacing | travel km | km/visit "
               "| travel h | seconds |\n");
        printf("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    }
    int rc = 0;
    for (int sc = 0; sc < 2; sc++) {
        int n_reps = sc == 0 ? 1 : 4;
        if (strcmp(which, "all") && strtol(which, NULL, 10) != n_reps)
            continue;
        scen s;
        memset(&s, 0, sizeof s);
        if (build(&s, n_reps, per_rep, seed)) {
            fprintf(stderr, "bench_plan: out of memory\n");
            return 1;
        }
        regio_plan_params pp;
        memset(&pp, 0, sizeof pp);
        pp.n_days = s.n_days;
        pp.road_factor = 1.3;
        pp.speed_kmh = 50;
        pp.seed = seed;
        pp.route_iterations = route_it;
        pp.search_iterations = search_it;
        pp.time_limit_s = tl;
        pp.spacing_tolerance = tol;
        char name[64];
        snprintf(name, sizeof name, "%d rep%s, %d accounts", n_reps, n_reps > 1 ? "s" : "",
                 s.n_acc);
        regio_plan_result *res = NULL;
        regio_error err;
        double t0 = now_s();
        regio_err e = regio_plan_solve(s.reps, (size_t)n_reps, s.acc, (size_t)s.n_acc, &pp, &res,
                                       &err);
        double secs = now_s() - t0;
        if (e) {
            fprintf(stderr, "bench_plan: %s\n", err.msg);
            return 1;
        }
        row(name, "regio plan", res, secs);
        double bs;
        regio_plan_result *b = baseline(&s, &pp, route_it > 0 ? route_it : 2000, &bs);
        row(name, "baseline: even days + VRP", b, bs);
        double ss;
        regio_plan_result *sb = strong_baseline(&s, &pp, route_it > 0 ? route_it : 2000, &ss);
        row(name, "strong baseline: even days, levelled, sweep, VRP, no visit dropped", sb, ss);
        fprintf(stderr, "%s: plan travel %.1f km vs baseline %.1f km (%+.1f%%), vs strong baseline "
                        "%.1f km (%.3fx, coverage %ld/%ld), estimate %.1f km, "
                        "%ld pattern moves, %zu unplaced\n",
                name, res->travel_km, b->travel_km,
                100 * (res->travel_km - b->travel_km) / b->travel_km, sb->travel_km,
                res->travel_km / sb->travel_km, sb->visits_scheduled, sb->visits_required,
                res->estimate_travel_km, res->search_moves, res->n_unplaced);
        free_baseline(sb);
        if (res->coverage < 1 || res->overtime_days > 0)
            rc = 1;
        regio_plan_result_destroy(res);
        free_baseline(b);
        free(s.reps);
        free(s.acc);
        free(s.ids);
        free(s.rep_ids);
    }
    return rc;
}
