/*
 * The design and realign job runner behind /api/v1/jobs (api_jobs.c): a
 * table of jobs and one worker thread, both created on the first job, that
 * runs queued jobs one at a time without holding app->mu while optimising.
 * Parsing and running a job are the library's (regio/design_job.h).
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
    regio_design_job *dj; /* the run's parameters (regio/design_job.h), target set */
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
