/*
 * The jobs of /api/v1/jobs (api_jobs.c) live in the store's queue
 * (regio/jobs.h), shared by every server on the store; a server runs one
 * worker thread of its own (unless --no-worker) with its own store
 * connection, the library's worker loop (regio/worker.h), the same as
 * `regio worker`.
 */
#ifndef REGIO_SERVER_JOBS_H
#define REGIO_SERVER_JOBS_H

#include "server/app.h"

/* Longest model name a job accepts. */
#define NAME_MAX_LEN 200
/* Finished jobs GET /api/v1/jobs lists, newest first; older ones are not shown. */
#define KEEP_FINISHED 100
/* The server's worker holds a job this long, renewed while it runs. */
#define SRV_WORKER_LEASE_S 60

struct srv_jobs {
    pthread_t thread;
    volatile int stop;
    char name[160];
    srv_app *app;
};

/* Starts the server's worker thread (app->jobs); 0, or -1 when it cannot. */
int srv_jobs_start(srv_app *app);

/* Asks the worker thread to stop at the next heartbeat of its job (or at
 * once when idle): that job stays running in the store and is taken again,
 * by another server's worker or a `regio worker`, once its lease has run
 * out. Safe while handlers still run. */
void srv_jobs_stop(srv_app *app);

/* Stops and joins the worker thread (app->jobs becomes NULL). Call once the
 * HTTP daemon has stopped; safe to call twice or without a worker. */
void srv_jobs_shutdown(srv_app *app);

#endif
