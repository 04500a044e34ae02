/*
 * The server's worker thread: the library's worker loop
 * (regio_worker_run) on a store connection of its own, so that a single
 * `regio serve` both queues and does design and realign jobs; other
 * servers' workers and `regio worker` processes take jobs from the same
 * queue.
 */
#include "server/jobs.h"

#include <stdio.h>
#include <string.h>

static void log_line(void *ud, const char *line)
{
    srv_jobs *J = ud;
    if (!J->app->opts.quiet)
        fprintf(stderr, "regio serve: worker %s: %s\n", J->name, line);
}

static void *worker(void *arg)
{
    srv_jobs *J = arg;
    regio_worker_opts wo;
    memset(&wo, 0, sizeof wo);
    wo.name = J->name;
    wo.lease_s = SRV_WORKER_LEASE_S;
    wo.poll_s = 0.5;
    wo.keep_s = REGIO_WORKER_KEEP_S;
    wo.stop = &J->stop;
    wo.log = log_line;
    wo.ud = J;
    regio_store *s = NULL;
    regio_error err;
    regio_error_clear(&err);
    regio_worker_run(&s, J->app->opts.db_path, &wo, &err);
    regio_store_close(s);
    return NULL;
}

int srv_jobs_start(srv_app *app)
{
    srv_jobs *J = regio_calloc(1, sizeof *J);
    if (!J)
        return -1;
    J->app = app;
    regio_worker_default_name("serve:", J->name, sizeof J->name);
    if (pthread_create(&J->thread, NULL, worker, J) != 0) {
        regio_free(J);
        return -1;
    }
    app->jobs = J;
    return 0;
}

void srv_jobs_stop(srv_app *app)
{
    if (app->jobs)
        app->jobs->stop = 1;
}

void srv_jobs_shutdown(srv_app *app)
{
    srv_jobs *J = app->jobs;
    if (!J)
        return;
    J->stop = 1;
    pthread_join(J->thread, NULL);
    app->jobs = NULL;
    regio_free(J);
}
