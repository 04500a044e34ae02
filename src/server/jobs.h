/*
 * The design and realign job runner behind /api/v1/jobs (api_jobs.c): a
 * table of jobs and one worker thread, both created on the first job, that
 * runs queued jobs one at a time without holding app->mu while optimising.
 */
#ifndef REGIO_SERVER_JOBS_H
#define REGIO_SERVER_JOBS_H

#include "server/app.h"

/*
 * Stops the job runner of app: cancels the running job and every queued
 * one, joins the worker thread and frees the job table (app->jobs becomes
 * NULL). Call once the HTTP daemon has stopped and before the store is
 * closed (first thing in srv_app_close). Does nothing when no job was ever
 * created; safe to call twice.
 */
void srv_jobs_shutdown(srv_app *app);

#endif
