/*
 * The design and realign job runner behind /api/v1/jobs (api_jobs.c): a
 * table of jobs and one worker thread, both created on the first job, that
 * runs queued jobs one at a time without holding app->mu while optimising.
 */
#ifndef REGIO_SERVER_JOBS_H
#define REGIO_SERVER_JOBS_H

#include "server/app.h"

#include <stdint.h>

/* Longest model name a job accepts. */
#define NAME_MAX_LEN 200
/* Finished jobs kept for GET; older ones are dropped. */
#define KEEP_FINISHED 100

typedef enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED, JOB_CANCELLED } job_state;

typedef struct job {
    /* set at creation, read only afterwards */
    long id;
    int realign;
    char *base;          /* base model, or NULL (design from scratch) */
    char *target;        /* planning model the result is saved as */
    int k;               /* design: territories */
    double capacity;     /* design, "k": "auto": k = first balanced measure / capacity */
    int *balance;        /* measure indices */
    size_t n_balance;
    double tolerance, time_limit_s, max_moved;
    int reassign_reps;   /* realign: the base's territories do not keep their reps */
    /* the CLI's other options (regio/design_opts.h parses them as it does) */
    double *tolerances;  /* n_balance own tolerances (0 = "tolerance"), or NULL */
    char *tolerance_spec; /* "tolerance" as given when a string, or NULL */
    double *index_weights; /* n_balance, or NULL */
    int travel_col;      /* REGIO_DESIGN_TRAVEL_DEFAULT or a measure index */
    int objective;       /* regio_design_objective */
    int starts;          /* 0 = the schedule's */
    double max_moved_weight;
    int proposals;       /* 0: one answer; N: up to N proposals saved as target-1.. */
    char *keep_whole;    /* attribute, or NULL */
    int *groups;         /* n units' groups (keep_whole), or NULL */
    size_t n_locked;     /* "locked": unit indexes and territory names */
    size_t *locked_units;
    char **locked_terr;
    size_t n_targets;    /* "targets": territory names and shares */
    char **target_terr;
    double *target_share;
    size_t n_homes;      /* "homes": design territories named after reps, centred
                            on their homes (k = n_homes) */
    char **home_ids;
    double *home_lon, *home_lat;
    uint64_t seed;
    char *actor;
    char created_at[32];
    /* guarded by srv_jobs.mu */
    job_state state;
    int cancel;          /* 1 once a cancel was asked for */
    double progress;     /* 0..1 */
    char phase[32];
    char *message;
    json_t *result;      /* {"model","summary","reps","diagnostics"} once done */
    struct job *next;
} job;

struct srv_jobs {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    job *head;           /* creation order */
    long next_id;
    int has_thread;
    int stop;
    pthread_t thread;
    srv_app *app;
};

/* The app's job table, created when create is set; NULL when absent. */
srv_jobs *srv_jobs_table(srv_app *app, int create);

/* With J->mu held: starts the worker thread unless it runs; 0 or -1. */
int srv_jobs_start(srv_jobs *J);

/* With J->mu held: the job of a path id, or NULL. */
job *srv_job_find(srv_jobs *J, const char *id);

/* With J->mu held: drops the oldest finished jobs beyond KEEP_FINISHED. */
void srv_jobs_prune(srv_jobs *J);

/* 1 when the job is done, failed or cancelled. */
int srv_job_finished(const job *j);

/* With J->mu held: sets a final state and message (copied, may be NULL);
 * takes the reference to result. */
void srv_job_finish(job *j, job_state st, const char *msg, json_t *result);

/* With J->mu held: the job as the API shows it; caller owns the result. */
json_t *srv_job_json(const srv_app *app, const job *j);

/* Stable name of a state ("queued"); static storage. */
const char *srv_job_state_name(job_state st);

/* Frees a job that is in no table. Accepts NULL. */
void srv_job_free(job *j);


/*
 * Cancels the running job and every queued one and lets the worker thread
 * end once the running one has (a job queued later is never run), without
 * freeing anything: safe while handlers still run (a graceful shutdown
 * calls it first, then srv_jobs_shutdown once the daemon has stopped).
 */
void srv_jobs_stop(srv_app *app);

/*
 * Stops the job runner of app: cancels the running job and every queued
 * one, joins the worker thread and frees the job table (app->jobs becomes
 * NULL). Call once the HTTP daemon has stopped and before the store is
 * closed (first thing in srv_app_close). Does nothing when no job was ever
 * created; safe to call twice.
 */
void srv_jobs_shutdown(srv_app *app);

#endif
