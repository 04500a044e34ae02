/*
 * Call-cycle planning benchmark on generated Colorado scenarios: one rep
 * with 150 accounts within ~60 km of Denver, and a team of 4 reps with 600
 * accounts (the disc split into four 150-account sectors, one rep home in
 * each). 20 working days, 20-minute calls, 08:00-17:00, frequencies 4/2/1
 * (15% / 35% / 50%). Prints regio_plan_solve's figures next to a baseline:
 * evenly spaced visit days fixed by account order (no geography), each day
 * then routed by regio_vrp_solve with the same per-day budget; both are
 * measured by regio_plan_measure.
 * Usage: bench_plan [--scenario 1|4|all] [--seed K] [--accounts-per-rep N]
 *        [--route-iterations N] [--search-iterations N] [--time-limit S]
 *        [--spacing-tolerance T]
 *        [--header]
 */
#include "regio/dist.h"
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

/* Baseline: visit days evenly spaced with offsets dealt round-robin in
 * account order per frequency; each day routed by regio_vrp_solve. */
static regio_plan_result *baseline(const scen *s, const regio_plan_params *pp, long iters,
                                   double *secs)
{
    double t0 = now_s();
    int N = s->n_days;
    regio_plan_result *res = calloc(1, sizeof *res);
    res->n_days = N;
    res->n_reps = (size_t)s->n_reps;
    res->n_accounts = (size_t)s->n_acc;
    res->days = calloc((size_t)s->n_reps * (size_t)N, sizeof *res->days);
    res->accounts = calloc((size_t)s->n_acc, sizeof *res->accounts);
    res->reps = calloc((size_t)s->n_reps, sizeof *res->reps);
    int *members = calloc((size_t)s->n_acc, sizeof *members);
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
            double g = (double)N / a->frequency;
            int span = (int)ceil(g - 1e-9);
            int o = counter[a->frequency]++ % span;
            for (int k = 0; k < a->frequency; k++) {
                int d = (int)floor(o + k * g + 0.5) % N;
                day_acc[d][day_n[d]++] = i;
            }
        }
        const regio_plan_rep *rp = &s->reps[r];
        for (int d = 0; d < N; d++) {
            int n = day_n[d];
            regio_plan_day *pd = &res->days[(size_t)r * (size_t)N + (size_t)d];
            pd->rep = r;
            pd->day = d + 1;
            if (n == 0)
                continue;
            int L = n + 1;
            double *lat = malloc((size_t)L * sizeof *lat), *lon = malloc((size_t)L * sizeof *lon);
            lat[0] = rp->lat;
            lon[0] = rp->lon;
            for (int j = 0; j < n; j++) {
                lat[j + 1] = s->acc[day_acc[d][j]].lat;
                lon[j + 1] = s->acc[day_acc[d][j]].lon;
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
                jobs[j].service = s->acc[day_acc[d][j]].call_s;
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
            vp.seed = pp->seed + (uint64_t)d;
            vp.max_iterations = iters;
            regio_vrp_solution *sol = NULL;
            if (regio_vrp_solve(&p, &vp, &sol, NULL) == REGIO_OK) {
                const regio_vrp_route *rt = &sol->routes[0];
                pd->n_visits = rt->n_steps;
                pd->visits = calloc((size_t)rt->n_steps + 1, sizeof *pd->visits);
                for (int j = 0; j < rt->n_steps; j++)
                    pd->visits[j].account = day_acc[d][rt->steps[j].job];
            }
            regio_vrp_solution_destroy(sol);
            regio_dist_destroy(dist);
            free(lat);
            free(lon);
            free(m);
            free(jobs);
        }
        for (int d = 0; d < N; d++)
            free(day_acc[d]);
        free(day_acc);
        free(day_n);
    }
    free(members);
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
        fprintf(stderr, "%s: plan travel %.1f km vs baseline %.1f km (%+.1f%%), estimate %.1f km, "
                        "%ld pattern moves, %zu unplaced\n",
                name, res->travel_km, b->travel_km,
                100 * (res->travel_km - b->travel_km) / b->travel_km, res->estimate_travel_km,
                res->search_moves, res->n_unplaced);
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
