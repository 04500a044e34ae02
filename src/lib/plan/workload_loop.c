/*
 * The workload loop: plan every territory, sum the work onto the units,
 * realign on that workload, plan again — until the workload balance stops
 * improving. A fixed-point iteration, not a joint optimisation: the
 * realign (regio_design_run with a baseline) balances the workload the
 * last plans measured, but moving a unit changes the travel of the plans
 * that follow, so each round is judged by planning it, and the best round
 * is the one kept. Cost per round: one plan per territory (bounded by the
 * plan's time limit) plus one realign.
 */
#include "plan/workload_internal.h"

#include "regio/design.h"
#include "regio/design_io.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define DEFAULT_ROUNDS 10
#define DEFAULT_TOLERANCE 0.02
#define DEFAULT_MAX_MOVED 0.1
#define DEFAULT_MIN_GAIN 0.001

typedef struct loop {
    regio_store *s;
    const regio_workload_loop_opts *o;
    regio_design_problem *units;
    regio_model_view *view;      /* the target as saved last */
    int k;
    char **names;                /* k leaf ids */
    int *labels, *locked, *best_labels;
    double *w, *best_w;          /* unit workloads of the current and the best round */
    regio_design_input in;       /* the units with the one measure w */
    const char *measure_name;
    regio_workload_loop_result *res;
    int round;                   /* for progress */
    regio_error *err;
} loop;

/* Progress of the steps inside a round, as a share of all rounds. */
static int round_progress(void *ud, double fraction, const char *phase)
{
    loop *L = ud;
    const regio_workload_loop_opts *o = L->o;
    int rounds = o->rounds > 0 ? o->rounds : DEFAULT_ROUNDS;
    char text[200];
    snprintf(text, sizeof text, "round %d: %s", L->round, phase ? phase : "");
    return o->progress(o->progress_ud, (L->round + fraction) / (rounds + 1), text);
}

/* Saves labels as the target with the view as base (its reps, hierarchy
 * and locks), then loads the target again. */
static regio_err save_target(loop *L, const regio_model_view *base, unsigned flags,
                             const int *labels)
{
    const regio_workload_loop_opts *o = L->o;
    regio_err rc = regio_model_view_save(L->s, L->units, base, L->k, L->names, labels, NULL,
                                         o->target, flags,
                                         o->plan.actor ? o->plan.actor : "cli", L->err);
    if (rc)
        return rc;
    regio_model_view *v = NULL;
    rc = regio_model_view_load(L->s, L->units, o->target, -1, &v, L->err);
    if (rc)
        return rc;
    regio_model_view_destroy(L->view);
    L->view = v;
    return REGIO_OK;
}

/* Plans the target, stores its workload and measures the round. */
static regio_err measure_round(loop *L, regio_workload_round *wr)
{
    const regio_workload_loop_opts *o = L->o;
    regio_plan_all_opts po = o->plan;
    char prefix[400];
    snprintf(prefix, sizeof prefix, "%s/r%d",
             o->plan.name_prefix && *o->plan.name_prefix ? o->plan.name_prefix : o->target,
             wr->round);
    po.name_prefix = prefix;
    if (o->progress) {
        po.progress = round_progress;
        po.progress_ud = L;
    }
    regio_plan_all_result *pr = NULL;
    regio_err rc = regio_plan_all(L->s, L->view, &po, &pr, L->err);
    if (rc)
        return rc;
    for (size_t t = 0; t < pr->n_territories; t++)
        if (pr->territories[t].status == REGIO_PLAN_ALL_FAILED) {
            rc = regio_error_setf(L->err, REGIO_EDATA, NULL, 0, NULL,
                                  "territory '%s' of model '%s' could not be planned (%.400s): the "
                                  "workload of its units is unknown, so it cannot be balanced",
                                  pr->territories[t].territory, L->o->target,
                                  pr->territories[t].message);
            regio_plan_all_destroy(pr);
            return rc;
        }
    /* The view's units and the result's are the same, in the same order. */
    memcpy(L->w, pr->unit_workload_h, L->in.n * sizeof *L->w);
    rc = regio_plan_all_store_workload(L->s, pr, NULL, L->err);
    wr->workload_h = pr->workload_h;
    wr->travel_km = pr->travel_km;
    wr->travel_h = pr->travel_h;
    wr->nights = pr->nights;
    wr->estimated_h = pr->estimated_h;
    wr->visits_required = pr->visits_required;
    wr->visits_scheduled = pr->visits_scheduled;
    regio_plan_all_destroy(pr);
    if (rc)
        return rc;
    regio_design_params dp;
    regio_design_params_init(&dp);
    dp.k = L->k;
    regio_design_report rep;
    memset(&rep, 0, sizeof rep);
    rc = regio_design_evaluate(&L->in, &dp, L->labels, &rep, L->err);
    if (!rc) {
        wr->balance = rep.balance[0];
        wr->n_noncontiguous = rep.n_noncontiguous;
    }
    regio_design_report_free(&rep);
    return rc;
}

/* Realigns the current labels on the workload; *moved counts the units
 * that changed territory. */
static regio_err realign(loop *L, size_t *moved)
{
    const regio_workload_loop_opts *o = L->o;
    int col = 0;
    regio_design_params dp;
    regio_design_params_init(&dp);
    dp.k = L->k;
    dp.tolerance = o->tolerance > 0 ? o->tolerance : DEFAULT_TOLERANCE;
    dp.balance_cols = &col;
    dp.n_balance = 1;
    dp.baseline = L->labels;
    dp.realign = 1;
    dp.locked = L->locked;
    dp.max_moved_units = o->max_moved > 0 ? o->max_moved : DEFAULT_MAX_MOVED;
    dp.seed = o->seed;
    dp.time_limit_s = o->realign_time_limit_s;
    dp.territory_names = (const char *const *)L->names;
    if (o->progress) {
        dp.progress = round_progress;
        dp.progress_ud = L;
    }
    regio_design_result dr;
    memset(&dr, 0, sizeof dr);
    regio_err rc = regio_design_run(&L->in, &dp, &dr, L->err);
    /* A best effort (balance not within the tolerance) is still a step. */
    if (rc == REGIO_EINFEASIBLE) {
        regio_error_clear(L->err);
        rc = REGIO_OK;
    }
    *moved = 0;
    for (size_t i = 0; !rc && i < L->in.n; i++) {
        *moved += dr.labels[i] != L->labels[i];
        L->labels[i] = dr.labels[i];
    }
    regio_design_result_free(&dr);
    return rc;
}

static regio_err add_round(loop *L, const regio_workload_round *wr)
{
    regio_workload_loop_result *r = L->res;
    regio_workload_round *nr = regio_realloc(r->rounds, (r->n_rounds + 1) * sizeof *nr);
    if (!nr)
        return regio_error_setf(L->err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    r->rounds = nr;
    r->rounds[r->n_rounds++] = *wr;
    if (L->o->on_round)
        L->o->on_round(L->o->on_round_ud, wr);
    return REGIO_OK;
}

/* A fresh design of design_k territories on accounts (the first measure
 * without it) within 5%, named T01.., with the store's reps given to them
 * by least home-to-territory distance (as `regio design --model`), saved
 * as the target. */
static regio_err design_start(loop *L)
{
    const regio_workload_loop_opts *o = L->o;
    const regio_design_input *in = &L->units->in;
    int col = 0, k = o->design_k;
    for (size_t c = 0; in->measure_names && c < in->m; c++)
        if (!strcmp(in->measure_names[c], "accounts"))
            col = (int)c;
    regio_design_params dp;
    regio_design_params_init(&dp);
    dp.k = k;
    dp.balance_cols = &col;
    dp.n_balance = 1;
    dp.seed = o->seed;
    dp.time_limit_s = o->realign_time_limit_s;
    if (o->progress) {
        dp.progress = round_progress;
        dp.progress_ud = L;
    }
    regio_design_result dr;
    memset(&dr, 0, sizeof dr);
    regio_err rc = regio_design_run(in, &dp, &dr, L->err);
    if (rc == REGIO_EINFEASIBLE) { /* a best effort starts the loop all the same */
        regio_error_clear(L->err);
        rc = REGIO_OK;
    }
    if (!rc && (!(L->names = regio_calloc((size_t)k, sizeof *L->names)) ||
                !(L->labels = regio_malloc(in->n * sizeof *L->labels))))
        rc = regio_error_setf(L->err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    for (int t = 0; !rc && t < k; t++) {
        char name[16];
        snprintf(name, sizeof name, "T%02d", t + 1);
        if (!(L->names[t] = regio_strdup(name)))
            rc = regio_error_setf(L->err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    if (!rc) {
        L->k = k;
        memcpy(L->labels, dr.labels, in->n * sizeof *L->labels);
    } else if (L->names) {
        regio_model_view_names_free(L->names, k);
        L->names = NULL;
    }
    regio_design_result_free(&dr);
    regio_model_reps *reps = NULL;
    if (!rc)
        rc = regio_model_reps_assign(L->s, L->units, NULL, k, L->names, L->labels, col, 0, &reps,
                                     L->err);
    if (!rc)
        rc = regio_model_view_save(L->s, L->units, NULL, k, L->names, L->labels,
                                   reps->territory_rep, o->target, o->save_flags,
                                   o->plan.actor ? o->plan.actor : "cli", L->err);
    regio_model_reps_destroy(reps);
    regio_model_view *v = NULL;
    if (!rc)
        rc = regio_model_view_load(L->s, L->units, o->target, -1, &v, L->err);
    if (!rc)
        L->view = v;
    return rc;
}

/* The start: the source model's leaves that hold units, its labels and
 * locks, copied to the target (or a fresh design saved there). */
static regio_err start(loop *L)
{
    const regio_workload_loop_opts *o = L->o;
    int exists = 0;
    regio_err rc = regio_model_save_check(L->s, o->target, o->save_flags, &exists, L->err);
    if (!rc)
        rc = regio_design_problem_load_units(L->s, 0, &L->units, L->err);
    size_t n = L->units ? L->units->in.n : 0;
    if (!rc && (!(L->best_labels = regio_malloc(n * sizeof *L->best_labels)) ||
                !(L->w = regio_calloc(n, sizeof *L->w)) ||
                !(L->best_w = regio_calloc(n, sizeof *L->best_w))))
        rc = regio_error_setf(L->err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    regio_model_view *src = NULL;
    if (!rc && o->design_k > 0) {
        rc = design_start(L);
    } else {
        if (!rc)
            rc = regio_model_view_load(L->s, L->units, o->model, -1, &src, L->err);
        if (!rc)
            rc = regio_model_view_realign_input(src, &L->k, &L->names, &L->labels, &L->locked,
                                                L->err);
        if (!rc)
            rc = save_target(L, src, o->save_flags, L->labels);
    }
    regio_model_view_destroy(src);
    if (rc)
        return rc;
    L->in = L->units->in;
    L->in.m = 1;
    L->in.measures = L->w;
    L->measure_name = REGIO_WORKLOAD_MEASURE;
    L->in.measure_names = &L->measure_name;
    L->res->k = L->k;
    return REGIO_OK;
}

static regio_err run_loop(loop *L)
{
    const regio_workload_loop_opts *o = L->o;
    int rounds = o->rounds > 0 ? o->rounds : DEFAULT_ROUNDS;
    double min_gain = o->min_gain > 0 ? o->min_gain : DEFAULT_MIN_GAIN;
    size_t n = L->units->in.n;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    regio_workload_round wr;
    memset(&wr, 0, sizeof wr);
    wr.improved = 1;
    regio_err rc = measure_round(L, &wr);
    wr.seconds = regio__workload_seconds_since(&t0);
    if (!rc)
        rc = add_round(L, &wr);
    double best = wr.balance;
    memcpy(L->best_labels, L->labels, n * sizeof *L->labels);
    memcpy(L->best_w, L->w, n * sizeof *L->w);
    L->res->stop = "rounds";
    for (int r = 1; !rc && r <= rounds; r++) {
        clock_gettime(CLOCK_MONOTONIC, &t0);
        L->round = r;
        memset(&wr, 0, sizeof wr);
        wr.round = r;
        rc = realign(L, &wr.moved_units);
        if (!rc && wr.moved_units == 0) {
            L->res->stop = "the realign moved nothing";
            break;
        }
        if (!rc)
            rc = save_target(L, L->view, REGIO_SAVE_REPLACE, L->labels);
        if (!rc)
            rc = measure_round(L, &wr);
        wr.seconds = regio__workload_seconds_since(&t0);
        if (rc)
            break;
        wr.improved = wr.balance < best - min_gain;
        rc = add_round(L, &wr);
        if (!rc && wr.improved) {
            best = wr.balance;
            L->res->best = r;
            memcpy(L->best_labels, L->labels, n * sizeof *L->labels);
            memcpy(L->best_w, L->w, n * sizeof *L->w);
        } else if (!rc) {
            L->res->stop = "no improvement";
            break;
        }
    }
    if (rc)
        return rc;
    /* The target and the workload measure end as the best round left them. */
    if (L->res->best != (int)L->res->rounds[L->res->n_rounds - 1].round) {
        memcpy(L->labels, L->best_labels, n * sizeof *L->labels);
        memcpy(L->w, L->best_w, n * sizeof *L->w);
        rc = save_target(L, L->view, REGIO_SAVE_REPLACE, L->labels);
        const char **ids = rc ? NULL : regio_malloc(n * sizeof *ids);
        if (!rc && !ids)
            rc = regio_error_setf(L->err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
        for (size_t i = 0; ids && i < n; i++)
            ids[i] = L->units->loaded.units->units[i].id;
        if (!rc)
            rc = regio_store_unit_measure_set(L->s, REGIO_WORKLOAD_MEASURE, ids, L->w, n,
                                              L->err);
        regio_free(ids);
    }
    return rc;
}

regio_err regio_workload_loop_run(regio_store *s, const regio_workload_loop_opts *o,
                                  regio_workload_loop_result **out, regio_error *err)
{
    regio_error_clear(err);
    if (out)
        *out = NULL;
    if (!s || !o || !out || (!o->model && o->design_k <= 0) || !o->target)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "the workload loop needs the store, a model and a target model");
    if (o->rounds < 0 || o->tolerance < 0 || o->tolerance >= 1 || o->max_moved < 0 ||
        o->max_moved > 1 || o->min_gain < 0)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "the workload loop takes rounds >= 0, a tolerance in [0, 1), a "
                                "moved share in [0, 1] and a gain >= 0");
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    loop L;
    memset(&L, 0, sizeof L);
    L.s = s;
    L.o = o;
    L.err = err;
    regio_err rc = (L.res = regio_calloc(1, sizeof *L.res)) ? REGIO_OK : REGIO_ENOMEM;
    if (rc)
        regio_error_setf(err, rc, NULL, 0, NULL, "out of memory");
    if (!rc)
        rc = start(&L);
    if (!rc)
        rc = run_loop(&L);
    regio_model_view_destroy(L.view);
    regio_model_view_names_free(L.names, L.k);
    regio_free(L.labels);
    regio_free(L.locked);
    regio_free(L.best_labels);
    regio_free(L.w);
    regio_free(L.best_w);
    regio_design_problem_destroy(L.units);
    if (rc) {
        regio_workload_loop_destroy(L.res);
        return rc;
    }
    L.res->seconds = regio__workload_seconds_since(&t0);
    *out = L.res;
    return REGIO_OK;
}

void regio_workload_loop_destroy(regio_workload_loop_result *r)
{
    if (!r)
        return;
    regio_free(r->rounds);
    regio_free(r);
}
