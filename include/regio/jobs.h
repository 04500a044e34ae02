/*
 * The job queue of the store: long work (a design, a realign, a plan, a
 * rule run) is queued as a row, and any process on the store — a server,
 * or a worker on another machine — takes it, reports progress and
 * finishes it. A taker holds a job for a lease that it renews while it
 * works; a job whose lease ran out (its worker died) is taken again by the
 * next claim, until it has been tried max_attempts times. Finishing checks
 * that the caller still holds the job, and can be part of the caller's
 * transaction with the job's effect (e.g. saving the designed model), so a
 * job takes effect once even when a worker that lost its lease comes back.
 *
 * Times are Unix seconds given by the caller (now), so that leases are
 * testable; callers pass time(NULL).
 */
#ifndef REGIO_JOBS_H
#define REGIO_JOBS_H

#include "regio/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum regio_job_state {
    REGIO_JOB_QUEUED,
    REGIO_JOB_RUNNING,
    REGIO_JOB_DONE,
    REGIO_JOB_FAILED,
    REGIO_JOB_CANCELLED
} regio_job_state;

/* "queued", "running", "done", "failed", "cancelled" (NULL if out of range). */
REGIO_API const char *regio_job_state_name(regio_job_state st);

/* A job as stored; strings are valid during the callback only. */
typedef struct regio_job_info {
    long id;
    const char *kind;       /* what to do: "design", "realign", "plan", "rules", ... */
    const char *params;     /* its parameters, JSON text as queued */
    const char *created_by; /* who queued it */
    long long created_at;
    regio_job_state state;
    const char *worker;     /* who holds it (running) or last held it; NULL if nobody yet */
    long long lease_until;  /* running: the holder's lease ends then; 0 otherwise */
    int attempts;           /* how many times it was taken */
    int cancel_requested;   /* 1: someone asked a running job to stop */
    double progress;        /* 0..1, as last reported */
    const char *message;    /* the last progress or final message, NULL if none */
    const char *result;     /* JSON text given when it finished, NULL if none */
    long long finished_at;  /* 0 until done, failed or cancelled */
} regio_job_info;

typedef int (*regio_job_cb)(void *ud, const regio_job_info *job);

/* Queues a job (state queued) and returns its id. kind: 1 to 32 letters,
 * digits, '-' or '_'; params: JSON text (not checked here beyond being
 * non-empty; "{}" for none). */
REGIO_API regio_err regio_store_job_enqueue(regio_store *s, const char *kind, const char *params,
                                            const char *actor, long long now, long *id,
                                            regio_error *err);

/*
 * Takes the next job for worker: the oldest queued one, or else the oldest
 * running one whose lease ended before now. It becomes running, held by
 * worker until now + lease_s, its attempts counted. A job whose lease ran
 * out after max_attempts takes is not taken again: it is failed ("its
 * worker stopped N times"). kinds (NULL: any) limits the claim to those
 * kinds. cb is called with the job taken; *found (may be NULL) says
 * whether there was one. One transaction: of two workers claiming at
 * once, each gets a different job.
 */
REGIO_API regio_err regio_store_job_claim(regio_store *s, const char *worker,
                                          const char *const *kinds, size_t n_kinds,
                                          long long now, long lease_s, int max_attempts,
                                          regio_job_cb cb, void *ud, int *found,
                                          regio_error *err);

/* Renews worker's lease on job id until now + lease_s and records its
 * progress (0..1) and message (NULL keeps the last). *cancel_requested
 * (may be NULL) says whether someone asked it to stop. REGIO_ECONFLICT
 * when worker does not hold the job (its lease ran out and another took
 * it, or it finished): the worker must stop and write nothing. */
REGIO_API regio_err regio_store_job_heartbeat(regio_store *s, long id, const char *worker,
                                              long long now, long lease_s, double progress,
                                              const char *message, int *cancel_requested,
                                              regio_error *err);

/* Ends job id held by worker as done (its progress becomes 1), failed or
 * cancelled, with a message and a JSON result (both may be NULL). REGIO_ECONFLICT, and nothing
 * written, when worker does not hold it: called inside the caller's
 * transaction with the job's effect, that effect is then rolled back. */
REGIO_API regio_err regio_store_job_finish(regio_store *s, long id, const char *worker,
                                           regio_job_state state, const char *message,
                                           const char *result, long long now,
                                           regio_error *err);

/* Asks job id to stop: a queued job is cancelled at once, a running one
 * gets cancel_requested (its worker sees it at its next heartbeat).
 * *state (may be NULL) receives the job's state afterwards; a finished
 * job is left as it is. REGIO_ENOTFOUND for an unknown id. */
REGIO_API regio_err regio_store_job_cancel(regio_store *s, long id, const char *actor,
                                           long long now, regio_job_state *state,
                                           regio_error *err);

/* Removes the jobs that ended (done, failed or cancelled) before `before`
 * (Unix seconds), their results with them; queued and running jobs stay.
 * *removed (may be NULL) gets how many went. The models and plans a job
 * saved are not touched. */
REGIO_API regio_err regio_store_jobs_prune(regio_store *s, long long before, long *removed,
                                           regio_error *err);

/* Calls cb for job id, or for every job (id 0) newest first. */
REGIO_API regio_err regio_store_jobs_foreach(regio_store *s, long id, regio_job_cb cb, void *ud,
                                             regio_error *err);

#ifdef __cplusplus
}
#endif

#endif
