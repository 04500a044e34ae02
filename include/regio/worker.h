/*
 * The worker loop over the store's job queue (regio/jobs.h): claim the
 * oldest design or realign job, do it (regio_design_job_work), again,
 * until asked to stop. One loop for `regio worker` and for the worker
 * thread of `regio serve`.
 */
#ifndef REGIO_WORKER_H
#define REGIO_WORKER_H

#include "regio/jobs.h"
#include "regio/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Times a job is taken before a lost lease fails it. */
#define REGIO_WORKER_MAX_ATTEMPTS 3
/* How long a finished job is kept by default (30 days). */
#define REGIO_WORKER_KEEP_S (30L * 86400)

typedef struct regio_worker_opts {
    const char *name;               /* how the queue names this worker */
    const char *const *kinds;       /* kinds taken; NULL: "design" and "realign" */
    size_t n_kinds;
    long lease_s;                   /* lease, renewed while a job runs */
    double poll_s;                  /* pause when the queue is empty */
    int once;                       /* one job at most, then return */
    /* Jobs that ended more than keep_s seconds ago are removed
     * (regio_store_jobs_prune) when the queue is empty, at most once an
     * hour; 0 keeps them all. */
    long keep_s;
    volatile int *stop;             /* non-zero: return (a running job is left to its lease) */
    /* What happens, one line each (no newline): "job 3 (design), attempt 1",
     * "job 3 done", "claiming a job: ..."; may be NULL. */
    void (*log)(void *ud, const char *line);
    /* After a job ended (done, failed or cancelled) through this worker;
     * may be NULL. */
    void (*ended)(void *ud, long id, regio_job_state state);
    void *ud;
} regio_worker_opts;

/* A worker's default name: PREFIX host:pid (prefix may be NULL), with
 * anything the queue does not take in a name made '-'. */
REGIO_API void regio_worker_default_name(const char *prefix, char *name, size_t cap);

/*
 * Runs the worker loop on *s (opened on loc); when the store is lost
 * (REGIO_EIO) the loop reopens loc after a pause, so *s may change (the
 * caller closes it at the end). Returns REGIO_OK when stopped; with once,
 * the error of the claim or of the job's store writes (a job that fails is
 * not the worker's failure).
 */
REGIO_API regio_err regio_worker_run(regio_store **s, const char *loc,
                                     const regio_worker_opts *o, regio_error *err);

#ifdef __cplusplus
}
#endif
#endif
