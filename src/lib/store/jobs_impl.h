/*
 * Private contract between the public job-queue functions (store_jobs.c,
 * declared in regio/jobs.h) and a backend: a vtable the backend's
 * regio__store_ops points to (member `jobs`; NULL: the backend has no
 * queue yet, and every call fails with REGIO_EUNSUPPORTED).
 */
#ifndef REGIO_STORE_JOBS_IMPL_H
#define REGIO_STORE_JOBS_IMPL_H

#include "regio/jobs.h"
#include "store/store_impl.h"

typedef struct regio__jobs_ops {
    regio_err (*enqueue)(regio_store *s, const char *kind, const char *params, const char *actor,
                         long long now, long *id, regio_error *err);
    regio_err (*claim)(regio_store *s, const char *worker, const char *const *kinds,
                       size_t n_kinds, long long now, long lease_s, int max_attempts,
                       regio_job_cb cb, void *ud, int *found, regio_error *err);
    regio_err (*heartbeat)(regio_store *s, long id, const char *worker, long long now,
                           long lease_s, double progress, const char *message,
                           int *cancel_requested, regio_error *err);
    regio_err (*finish)(regio_store *s, long id, const char *worker, regio_job_state state,
                        const char *message, const char *result, long long now,
                        regio_error *err);
    regio_err (*cancel)(regio_store *s, long id, const char *actor, long long now,
                        regio_job_state *state, regio_error *err);
    regio_err (*foreach)(regio_store *s, long id, regio_job_cb cb, void *ud, regio_error *err);
    regio_err (*prune)(regio_store *s, long long before, long *removed, regio_error *err);
} regio__jobs_ops;

/* A state as the store spells it (the schema's CHECK allows no other;
 * anything else reads as failed). */
regio_job_state regio__job_state_of(const char *name);
/* REGIO_ECONFLICT: worker does not hold job id. */
regio_err regio__job_not_held(regio_error *err, long id, const char *worker);

extern const regio__jobs_ops regio__sq_jobs_ops;
#ifdef REGIO_HAVE_PG
extern const regio__jobs_ops regio__pg_jobs_ops;
#endif

#endif
