/*
 * VRP with time windows: ruin-and-recreate search. This file is the driver;
 * the parts share the solver state of vrp_internal.h: vrp_setup.c
 * (validation, static data), vrp_route.c (routes with time slack,
 * solutions), vrp_ruin.c (string removal), vrp_recreate.c (greedy
 * reinsertion with blinks), vrp_polish.c (relocate + 2-opt* descent) and
 * vrp_cross.c (route-based recombination for the restarts).
 *
 * Method: Slack Induction by String Removals (SISR, Christiaens & Vanden
 * Berghe, Transportation Science 2020): remove a few strings of
 * consecutive jobs from routes close to a random seed job, then reinsert
 * every removed job greedily (random / demand / far / close / tight-window
 * order, higher priority first) at its cheapest feasible position, skipping
 * positions at a small "blink" rate. Insertion is granular: only routes
 * holding one of the job's 40 nearest jobs are scanned unless none fits.
 * Construction is recreate from the empty solution. Phase 1 (only while
 * jobs are left out, or when vehicles are minimised): SISR's
 * absence-driven search, which accepts a candidate when it leaves less
 * weight out (VROOM's order: priority sum, then count) or jobs that were
 * absent less often (absences weighted by 1 + priority), and removes a route
 * whenever all jobs fit (vehicle minimisation). Phase 2: simulated
 * annealing on cost, never accepting more left-out jobs (or more vehicles
 * when minimising); the temperature falls exponentially from 1x (3x when
 * phase 1 had to run) to a hundredth of that times the best cost per
 * served job. When the budget holds two runs of 500 x n_jobs iterations
 * or more, phase 2 is a series of such runs, each cooling over its own
 * length: the first two from the solution phase 2 began with, then two of
 * every three from a recombination of the best solution with another of
 * the four best run results (vrp_cross.c: routes of one carried whole into
 * the other), starting a tenth as hot, the third afresh; the best over all
 * runs is kept. Each new best of a run is polished by a relocate + 2-opt*
 * descent and the walk continues from it (at most once per n_jobs
 * iterations); a final descent polishes the best solution.
 *
 * Reproducibility: one RNG stream (regio_rng, seeded by params->seed) drives
 * every choice, and the schedule depends only on the budget fraction used
 * and the iteration count (see regio_vrp_params; a time-bounded search
 * decides from its measured rate whether its budget holds more than one
 * run): iteration-bounded runs are bit-for-bit repeatable;
 * time-bounded runs follow the same trajectory until the clock cuts it.
 * With params->searches > 1 that many such searches run side by side, one
 * thread each, from seeds derived from params->seed, and the best is kept
 * (ties to the lower index), so the answer does not depend on the threads'
 * timing either.
 *
 * Invariants: every route held by the search is feasible (hard windows,
 * shift, capacity, skills, max_tasks), with est[] / lat[] exact (see
 * vrp_route.c); best holds the best solution seen in (left-out weight,
 * vehicles when minimising, cost) order, rbest the best of the current
 * run.
 *
 * Complexity: per iteration O(removed * scanned positions) for recreate plus
 * O(route length) per touched route, O(n) to copy the candidate; setup
 * O(n_jobs^2 log n_jobs) for the neighbour lists, memory O(n_jobs^2) when
 * n_jobs <= 2000 and O(200 n_jobs) above.
 */
#include "route/vrp_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define T0_FACTOR 1.0      /* start temperature / best cost per job */
/* ... when the absence-driven phase had to run (construction left jobs out,
 * e.g. a fleet at its minimum): squeezing every job in leaves routes far
 * from cheap, and a hotter start climbs out better. Measured at 400,000
 * iterations, 3 seeds: rc1_4_1 (36 vehicles) 8.8% -> 6.1% mean gap to the
 * BKS; r1_10_1, the small Solomon instances and the over-subscribed week
 * within their seed-to-seed spread. */
#define T0_AFTER_PHASE1 3.0
/* Each new best of the annealing is polished (relocate + 2-opt*, no
 * randomness, so runs stay repeatable) and the search continues from the
 * polished solution, at most once per this many x n_jobs iterations.
 * Measured on rc1_2_1 (20 vehicles, 2 searches of 500,000 iterations,
 * seeds 1-3): mean 3559.8 -> 3550.8 for 8% more CPU; r1_10_1 (2 x 100,000):
 * 55320 -> 54920. */
#define POLISH_GAP_JOBS 1
/* The cost phase is a series of annealing runs of RUN_JOBS x n_jobs
 * iterations when the budget holds two or more (else one run over the
 * whole budget, as before). On rc1_2_1 (20 vehicles) one run settles within
 * 100,000-200,000 iterations into a basin it rarely leaves: runs of 200,000
 * and of 1,000,000 iterations end alike, anywhere in 3528-3563, so a long
 * budget buys more by drawing more basins and recombining the best ones
 * than by cooling one longer. The first two runs start from the solution
 * the phase began with; then two runs of every three start from a
 * recombination of the best solution with another elite (vrp_cross.c) at
 * CROSS_G0 of the cooling, the third afresh. rc1_2_1, two searches x
 * 1,000,000 iterations, seeds 1-4 (the line is 3539.45): one run 3546.6 /
 * 3550.6 / 3549.8 (seeds 1-3); runs of 100,000 afresh 3537.1 / 3547.9 /
 * 3536.9; one run in two recombined 3538.8 / 3547.9 / 3538.9 / 3532.3; two
 * in three 3538.9 / 3536.9 / 3536.9 / 3536.9. Runs of 50,000 afresh: 3540.9
 * / 3537.1 / 3539.4. */
#define RUN_JOBS 500
/* Where in the cooling (0 hot, 1 cold) a run from a recombination starts:
 * a tenth of the start temperature, warm enough to repair the seams and
 * cool enough to keep the carried routes; a third of the way (a quarter of
 * the start temperature, one run in two recombined, any seed job) gave
 * 3545.6 / 3536.9 / 3537.1 / 3546.4 on the runs above. */
#define CROSS_G0 0.5
/* Elite solutions kept for the recombinations: the best of each run, the
 * best ELITES of them, one per cost. */
#define ELITES 4
/* Fraction of a run after which a time-bounded search, having measured its
 * rate, decides whether its budget holds more runs than this one. */
#define RUN_PROBE 16

/* The schedule of the cost phase's runs (see RUN_JOBS). */
typedef struct run_sched {
    long len;       /* iterations of a run */
    long it0;       /* first iteration of the phase, of the current run */
    long run_it0;
    double f0;      /* budget fraction at the same two points */
    double run_f0;
    int decided;    /* whether the current run knows if it is the last */
    int last;       /* the current run lasts until the budget ends */
    int tail;       /* the budget ended a run with less than a run left:
                       stay cold */
    double g0;      /* where the current run starts in the cooling */
} run_sched;

/* Iterations the budget still holds at fraction frac, from the rate since
 * the phase began (exact under an iteration budget alone). */
static double run_left(const run_sched *rs, long it, double frac, long max_it,
                       double tl)
{
    if (max_it > 0 && tl <= 0)
        return 0.98 * (double)max_it - (double)it;
    if (frac <= rs->f0 || it <= rs->it0)
        return INFINITY;
    return (0.98 - frac) * (double)(it - rs->it0) / (frac - rs->f0);
}

/* Where the current run is in its cooling, 0 (hot) to 1 (cold); sets
 * *restart when a new run begins at this iteration. */
static double run_progress(run_sched *rs, long it, double frac, long max_it,
                           double tl, int *restart)
{
    *restart = 0;
    long done = it - rs->run_it0;
    if (!rs->decided && (done >= rs->len / RUN_PROBE || (max_it > 0 && tl <= 0))) {
        rs->decided = 1;
        rs->last = (double)done + run_left(rs, it, frac, max_it, tl) < 2.0 * (double)rs->len;
    }
    if (rs->decided && !rs->last && !rs->tail && done >= rs->len) {
        double left = run_left(rs, it, frac, max_it, tl);
        if (left >= (double)rs->len) {
            rs->run_it0 = it;
            rs->run_f0 = frac;
            rs->last = left < 2.0 * (double)rs->len;
            *restart = 1;
            return 0.0;
        }
        rs->tail = 1;
    }
    if (rs->tail)
        return 1.0;
    double g;
    if (!rs->decided || rs->last) {
        /* by the budget, as a single run always was */
        g = rs->run_f0 < 1.0 ? (frac - rs->run_f0) / (1.0 - rs->run_f0) : 1.0;
        if (g < 0)
            g = 0;
    } else {
        g = (double)done / (double)rs->len;
    }
    return rs->g0 + (1.0 - rs->g0) * g;
}

/* In the cost phase, empty vehicles compete on cost with used routes
 * (measured better on R2/RC2, where more routes mean less distance). */
#define PHASE2_NEW_ROUTE_LAST 0

/* ---- main loop -------------------------------------------------------- */

/* Lexicographic comparison: -1 if a better than b. */
static int better(const regio__vsol *a, const regio__vsol *b, int minveh)
{
    if (a->uweight != b->uweight)
        return a->uweight < b->uweight ? -1 : 1;
    if (minveh && a->used != b->used)
        return a->used < b->used ? -1 : 1;
    if (a->cost < b->cost - 1e-9)
        return -1;
    if (a->cost > b->cost + 1e-9)
        return 1;
    return 0;
}

/* Searches one solve may run side by side (regio_vrp_params.searches). */
#define MAX_SEARCHES 8

static int64_t absence_sum(const regio__vsolver *s, const regio__vsol *x)
{
    int64_t t = 0;
    for (int k = 0; k < x->n_unassigned; k++)
        t += (int64_t)s->absent[x->unassigned[k]] *
             (1 + s->p->jobs[x->unassigned[k]].priority);
    return t;
}

/* Adds x to the elites E[0..*n) kept in better() order (E[0] the best),
 * unless one of the same cost is there; the worst drops out when full. -1
 * on allocation failure. */
static int elite_add(regio__vsolver *s, regio__vsol *E, int *n,
                     const regio__vsol *x, int minveh)
{
    int at = *n;
    for (int k = 0; k < *n; k++) {
        int c = better(x, &E[k], minveh);
        if (c == 0)
            return 0;
        if (c < 0 && at == *n)
            at = k;
    }
    if (at >= ELITES)
        return 0;
    /* shift the worse ones down by one, the last drops when full */
    int last = *n < ELITES ? *n : ELITES - 1;
    regio__vsol spare = E[last];
    for (int k = last; k > at; k--)
        E[k] = E[k - 1];
    E[at] = spare;
    if (*n < ELITES)
        (*n)++;
    return regio__vrp_sol_copy(s, &E[at], x);
}

static regio_err build_output(regio__vsolver *s, const regio__vsol *best,
                              const regio_vrp_reason *reason,
                              regio_vrp_solution **out)
{
    const regio_vrp_problem *p = s->p;
    regio_vrp_solution *o = regio_calloc(1, sizeof *o);
    if (!o)
        return REGIO_ENOMEM;
    o->n_routes = s->nv;
    o->routes = regio_calloc((size_t)(s->nv ? s->nv : 1), sizeof *o->routes);
    o->unassigned = regio_calloc((size_t)(s->nj ? s->nj : 1),
                                 sizeof *o->unassigned);
    if (!o->routes || !o->unassigned) {
        regio_vrp_solution_destroy(o);
        return REGIO_ENOMEM;
    }
    for (int v = 0; v < s->nv; v++) {
        const regio__vroute *r = &best->r[v];
        regio_vrp_route *q = &o->routes[v];
        q->vehicle = v;
        /* A route holding only its vehicle's breaks is not used. */
        q->n_steps = r->ntask > 0 ? r->m : 0;
        if (q->n_steps) {
            q->steps = regio_calloc((size_t)r->m, sizeof *q->steps);
            if (!q->steps) {
                regio_vrp_solution_destroy(o);
                return REGIO_ENOMEM;
            }
            for (int i = 0; i < r->m; i++)
                q->steps[i].job = r->jobs[i];
        }
        regio_vrp_route_schedule(p, q);
        o->total_cost += q->cost;
        o->total_duration += q->duration;
        o->vehicles_used += r->ntask > 0;
    }
    for (int j = 0; j < s->nj; j++) {
        if (best->where[j] >= 0 && best->r[best->where[j]].ntask > 0)
            continue;
        /* The breaks of an unused vehicle are not missed. */
        if (s->job[j].kind == REGIO_VRP_KIND_BREAK &&
            (s->job[j].only_veh < 0 || best->r[s->job[j].only_veh].ntask == 0))
            continue;
        regio_vrp_unassigned *u = &o->unassigned[o->n_unassigned++];
        u->job = j;
        u->reason = reason[j] ? reason[j] : REGIO_VRP_REASON_FLEET;
        const char *t =
            u->reason == REGIO_VRP_REASON_SKILLS
                ? "no vehicle has the skills this job needs"
            : u->reason == REGIO_VRP_REASON_CAPACITY
                ? "the amount exceeds the capacity of every vehicle with the "
                  "skills"
            : u->reason == REGIO_VRP_REASON_TIME_WINDOW
                ? "no vehicle's shift can reach any of the job's windows"
            : s->nv == 0 ? "the problem has no vehicles"
                : "each job fits some vehicle alone, but not all fit in the "
                  "fleet";
        snprintf(u->text, sizeof u->text, "%s", t);
    }
    *out = o;
    return REGIO_OK;
}

/* One search: its inputs, its answer and the key it is ranked by. */
typedef struct vsearch {
    const regio_vrp_problem *p;
    const regio_vrp_params *pr;
    uint64_t seed;
    int report;            /* this search calls pr->progress */
    atomic_int *quit;      /* set by any search that is cancelled */
    double t0;
    regio_vrp_solution *out;
    int64_t uweight;       /* the best's left-out weight, vehicles, cost */
    int used;
    double cost;
    regio_err rc;
    regio_error err;
} vsearch;

/* Whether this search must stop: its own progress callback said so (only
 * the reporting search calls it), or another search was cancelled. */
static int stop_asked(vsearch *w, long it, double frac, const char *phase)
{
    if ((it & 255) != 0)
        return 0;
    if (atomic_load_explicit(w->quit, memory_order_relaxed))
        return 1;
    if (w->report && w->pr->progress && w->pr->progress(w->pr->progress_ud, frac, phase)) {
        atomic_store(w->quit, 1);
        return 1;
    }
    return 0;
}

/* Runs one whole search (construction, phases 1 and 2, polish) from
 * w->seed; a thread's body. */
static void *search_run(void *arg)
{
    vsearch *w = arg;
    const regio_vrp_problem *p = w->p;
    const regio_vrp_params *pr = w->pr;
    regio_error *err = &w->err;
    regio_vrp_solution **out = &w->out;
    regio_err rc = REGIO_OK;
    double t0 = w->t0;
    long max_it = pr->max_iterations;
    double tl = pr->time_limit_s > 0 ? pr->time_limit_s : 0.0;
    if (max_it <= 0 && tl <= 0)
        max_it = 20000; /* neither budget given: a fixed, reproducible one */

    regio__vsolver S;
    regio__vsol cur, cand, best, start, rbest, E[ELITES];
    memset(E, 0, sizeof E);
    memset(&cur, 0, sizeof cur);
    memset(&start, 0, sizeof start);
    memset(&rbest, 0, sizeof rbest);
    memset(&cand, 0, sizeof cand);
    memset(&best, 0, sizeof best);
    regio_vrp_reason *reason =
        regio_calloc((size_t)(p->n_jobs ? p->n_jobs : 1), sizeof *reason);
    if (!reason) {
        w->rc = regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL,
                                 "out of memory in the VRP solver");
        return NULL;
    }
    if (regio__vrp_solver_init(&S, p, w->seed, reason) ||
        regio__vrp_sol_init(&S, &cur) || regio__vrp_sol_init(&S, &cand) ||
        regio__vrp_sol_init(&S, &best) || regio__vrp_sol_init(&S, &start) ||
        regio__vrp_sol_init(&S, &rbest))
        goto oom;
    for (int k = 0; k < ELITES; k++)
        if (regio__vrp_sol_init(&S, &E[k]))
            goto oom;
    S.new_route_last = 1;

    /* construction: the vehicles' prescribed steps first (VROOM refuses
     * steps that break a constraint, and so does Regio), then everything
     * servable goes through recreate */
    for (int v = 0; v < S.nv; v++) {
        const regio_vrp_vehicle *vh = &p->vehicles[v];
        if (vh->n_steps <= 0)
            continue;
        int bad = regio__vrp_eval(&S, v, vh->steps, vh->n_steps, NULL);
        if (bad) {
            static const char *why[] = {
                "", "a time window or the shift is missed",
                "the load exceeds the capacity",
                "a shipment's pickup and delivery are not both on it in order",
                "it has more tasks than max_tasks",
                "a job needs skills the vehicle lacks, or is another vehicle's break"};
            rc = regio_error_setf(err, REGIO_EDATA, NULL, 0, NULL,
                                  "vehicles[%d].steps: infeasible route: %s (VROOM refuses "
                                  "it too; plan mode follows the steps and reports the "
                                  "violations)", v, why[bad]);
            goto done;
        }
        regio__vroute *r = &cur.r[v];
        if (regio__vrp_route_reserve(r, vh->n_steps))
            goto oom;
        memcpy(r->jobs, vh->steps, (size_t)vh->n_steps * sizeof *r->jobs);
        r->m = vh->n_steps;
        regio__vrp_route_update(&S, &cur, r);
    }
    for (int k = 0; k < S.n_servable; k++)
        if (cur.where[S.servable[k]] < 0)
            S.removed[S.n_removed++] = S.servable[k];
    if (regio__vrp_recreate(&S, &cur, 0))
        goto oom;
    if (regio__vrp_sol_copy(&S, &best, &cur))
        goto oom;

    int minveh = pr->minimize_vehicles != 0;
    long it = 0;
    double frac = 0.0;
    /* Nothing to search when no job can be served (or none exists). */
    int cancelled = S.n_servable == 0;
    /* Phase 1: absence-driven search while jobs are left out, and route
     * elimination when vehicles are minimised. */
    double phase1_end = minveh ? 0.5 : 0.4;
    int ran_phase1 = 0;
    if (!cancelled && (cur.n_unassigned > 0 || minveh)) {
        ran_phase1 = 1;
        int64_t cur_abs = absence_sum(&S, &cur);
        for (;;) {
            if (cur.n_unassigned == 0) {
                if (!minveh)
                    break;
                /* remove the route with fewest jobs */
                int rv = -1;
                for (int v = 0; v < S.nv; v++)
                    if (cur.r[v].m > 0 && (rv < 0 || cur.r[v].m < cur.r[rv].m))
                        rv = v;
                if (rv < 0 || cur.used <= 1)
                    break;
                S.max_used = cur.used - 1;
                S.n_removed = 0;
                regio__vrp_route_cut(&S, &cur, &cur.r[rv], 1, cur.r[rv].m + 1);
                regio__vrp_route_update(&S, &cur, &cur.r[rv]);
                for (int k = 0; k < S.n_removed; k++)
                    cur.unassigned[cur.n_unassigned++] = S.removed[k];
                S.n_removed = 0;
                regio__vrp_sol_totals(&S, &cur);
                cur_abs = absence_sum(&S, &cur);
            }
            frac = 0.0;
            if (max_it > 0)
                frac = (double)it / (double)max_it;
            if (tl > 0) {
                double ft = (regio__vrp_now_s() - t0) / tl;
                if (ft > frac)
                    frac = ft;
            }
            if (frac >= phase1_end)
                break;
            if (stop_asked(w, it, frac, "vehicles")) {
                cancelled = 1;
                break;
            }
            if (regio__vrp_sol_copy(&S, &cand, &cur))
                goto oom;
            regio__vrp_ruin(&S, &cand, -1);
            if (regio__vrp_recreate(&S, &cand, 1))
                goto oom;
            it++;
            int64_t cand_abs = absence_sum(&S, &cand);
            if (cand.uweight < cur.uweight || cand_abs < cur_abs) {
                regio__vsol tmp = cur;
                cur = cand;
                cand = tmp;
                cur_abs = cand_abs;
            }
            for (int k = 0; k < cur.n_unassigned; k++)
                S.absent[cur.unassigned[k]]++;
            cur_abs = absence_sum(&S, &cur);
            if (better(&cur, &best, minveh) < 0)
                if (regio__vrp_sol_copy(&S, &best, &cur))
                    goto oom;
        }
        if (regio__vrp_sol_copy(&S, &cur, &best))
            goto oom;
    }
    S.max_used = minveh ? (best.used > 0 ? best.used : 1) : S.nv;
    S.new_route_last = minveh ? 1 : PHASE2_NEW_ROUTE_LAST;

    /* Phase 2: simulated annealing on cost. */
    /* The temperature is a fraction of the best solution's cost per served
     * job, so it follows the cost scale of the instance (and of the
     * solution, which after a hard route-elimination phase starts poor):
     * from T0_FACTOR (T0_AFTER_PHASE1 when phase 1 ran) down to a
     * hundredth of it, exponentially in the budget. */
    int served = S.n_servable - best.n_unassigned;
    long last_polish = -(long)POLISH_GAP_JOBS * S.nj;
    run_sched rs = {.len = (long)RUN_JOBS * (S.nj > 0 ? S.nj : 1), .it0 = it,
                    .run_it0 = it, .f0 = frac, .run_f0 = frac};
    if (regio__vrp_sol_copy(&S, &start, &cur) || regio__vrp_sol_copy(&S, &rbest, &best))
        goto oom;
    int n_elite = 0, n_runs = 0;
    while (!cancelled) {
        frac = 0.0;
        if (max_it > 0)
            frac = (double)it / (double)max_it;
        if (tl > 0) {
            double ft = (regio__vrp_now_s() - t0) / tl;
            if (ft > frac)
                frac = ft;
        }
        if (frac >= 0.98)
            break;
        if (stop_asked(w, it, frac, "cost")) {
            cancelled = 1;
            break;
        }
        int restart;
        double g = run_progress(&rs, it, frac, max_it, tl, &restart);
        if (restart) {
            /* the run's best joins the elites; the next run starts afresh
             * or, two runs of every three once two elites exist, from a
             * recombination of the best with another elite, part cooled
             * (see RUN_JOBS) */
            if (elite_add(&S, E, &n_elite, &rbest, minveh))
                goto oom;
            n_runs++;
            int cross = !S.general && n_elite >= 2 && n_runs % 3 != 0;
            if (regio__vrp_sol_copy(&S, &cur, cross ? &E[0] : &start))
                goto oom;
            if (cross) {
                int o = 1 + (int)regio_rng_below(&S.rng, (uint64_t)(n_elite - 1));
                if (regio__vrp_cross(&S, &cur, &E[o]))
                    goto oom;
            }
            if (regio__vrp_sol_copy(&S, &rbest, &cur))
                goto oom;
            rs.g0 = cross ? CROSS_G0 : 0.0;
            g = rs.g0;
        }
        double per_job = served > 0 ? best.cost / served : 1.0;
        double T = (ran_phase1 ? T0_AFTER_PHASE1 : T0_FACTOR) * per_job * pow(0.01, g);
        if (regio__vrp_sol_copy(&S, &cand, &cur))
            goto oom;
        regio__vrp_ruin(&S, &cand, -1);
        if (regio__vrp_recreate(&S, &cand, 1))
            goto oom;
        it++;
        int accept;
        if (cand.uweight != cur.uweight)
            accept = cand.uweight < cur.uweight;
        else if (minveh && cand.used != cur.used)
            accept = cand.used < cur.used;
        else
            accept = cand.cost <
                     cur.cost - T * log(regio_rng_double(&S.rng) + 1e-300);
        if (accept) {
            regio__vsol tmp = cur;
            cur = cand;
            cand = tmp;
            if (better(&cur, &rbest, minveh) < 0) {
                /* a new best of the run goes down to its relocate / 2-opt*
                 * optimum and the walk goes on from there (at most once
                 * per POLISH_GAP_JOBS x n_jobs iterations: early on nearly
                 * every candidate is a new best) */
                if (!S.general && it >= last_polish + POLISH_GAP_JOBS * S.nj) {
                    last_polish = it;
                    if (regio__vrp_polish(&S, &cur, INFINITY))
                        goto oom;
                }
                if (regio__vrp_sol_copy(&S, &rbest, &cur))
                    goto oom;
                if (better(&rbest, &best, minveh) < 0 &&
                    regio__vrp_sol_copy(&S, &best, &rbest))
                    goto oom;
            }
        }
    }
    /* relocate and 2-opt* move single jobs and tails, which would split
     * shipments and move breaks: the general case skips the polish */
    if (!S.general && regio__vrp_polish(&S, &best, tl > 0 ? t0 + tl : INFINITY))
        goto oom;

    rc = build_output(&S, &best, reason, out);
    if (!rc)
        (*out)->iterations = it;
    w->uweight = best.uweight;
    w->used = best.used;
    w->cost = best.cost;
    goto done;
oom:
    rc = regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory in the VRP solver");
done:
    regio__vrp_sol_free(&S, &cur);
    regio__vrp_sol_free(&S, &cand);
    regio__vrp_sol_free(&S, &best);
    regio__vrp_sol_free(&S, &start);
    regio__vrp_sol_free(&S, &rbest);
    for (int k = 0; k < ELITES; k++)
        regio__vrp_sol_free(&S, &E[k]);
    regio__vrp_solver_free(&S);
    regio_free(reason);
    w->rc = rc;
    return NULL;
}

/* Whether search a's best beats search b's, in better()'s order. */
static int key_better(const vsearch *a, const vsearch *b, int minveh)
{
    if (a->uweight != b->uweight)
        return a->uweight < b->uweight;
    if (minveh && a->used != b->used)
        return a->used < b->used;
    return a->cost < b->cost - 1e-9;
}

regio_err regio_vrp_solve(const regio_vrp_problem *p,
                          const regio_vrp_params *params,
                          regio_vrp_solution **out, regio_error *err)
{
    if (!p || !out) {
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "problem and out are required");
    }
    *out = NULL;
    regio_vrp_params def;
    regio_vrp_params_default(&def);
    const regio_vrp_params *pr = params ? params : &def;
    regio_err rc = regio__vrp_validate(p, err);
    if (rc)
        return rc;
    int ns = pr->searches < 1 ? 1 : pr->searches > MAX_SEARCHES ? MAX_SEARCHES : pr->searches;
    vsearch W[MAX_SEARCHES];
    pthread_t th[MAX_SEARCHES];
    int started[MAX_SEARCHES] = {0}, skipped[MAX_SEARCHES] = {0};
    atomic_int quit = 0;
    double t0 = regio__vrp_now_s();
    memset(W, 0, sizeof W);
    for (int k = 0; k < ns; k++)
        /* search 0 keeps the caller's seed: one search is the search of
         * old, the others draw from seeds of their own */
        W[k] = (vsearch){.p = p, .pr = pr, .report = k == 0, .quit = &quit, .t0 = t0,
                         .seed = pr->seed + (uint64_t)k * 0x9E3779B97F4A7C15ull};
    for (int k = 1; k < ns; k++)
        started[k] = pthread_create(&th[k], NULL, search_run, &W[k]) == 0;
    search_run(&W[0]);
    for (int k = 1; k < ns; k++) {
        if (started[k])
            pthread_join(th[k], NULL);
        else if (pr->time_limit_s <= 0)
            search_run(&W[k]); /* no thread: the same search here, later */
        else
            skipped[k] = 1; /* no thread and no time left for it */
    }
    /* any search's failure (out of memory, a refused input) is the
     * solve's; else the best by the search's own order, ties to the lower
     * index, so the answer does not depend on which thread finished first */
    int bk = -1;
    long its = 0;
    for (int k = 0; k < ns && !rc; k++) {
        if (skipped[k])
            continue;
        if (W[k].rc) {
            rc = W[k].rc;
            if (err)
                *err = W[k].err;
            break;
        }
        its += W[k].out->iterations;
        if (bk < 0 || key_better(&W[k], &W[bk], pr->minimize_vehicles))
            bk = k;
    }
    if (!rc) {
        *out = W[bk].out;
        W[bk].out = NULL;
        (*out)->iterations = its;
        (*out)->seconds = regio__vrp_now_s() - t0;
    }
    for (int k = 0; k < ns; k++)
        regio_vrp_solution_destroy(W[k].out);
    return rc;
}
