/*
 * Private to the store backends (sqlite_jobs.c, pg_jobs.c): the job
 * queue's statements, which SQLite and PostgreSQL both run, so that there
 * is one definition of what a claim, a heartbeat or a finish does
 * (regio/jobs.h). Parameters are written ?N; the PostgreSQL backend reads
 * them as $N.
 */
#ifndef REGIO_STORE_JOBS_SQL_H
#define REGIO_STORE_JOBS_SQL_H

/* The columns a job is read from, in the order of regio_job_info. */
#define REGIO_JOB_COLUMNS                                                               \
    "id, kind, params, created_by, created_at, state, worker, lease_until, attempts,"   \
    " cancel_requested, progress, message, result, finished_at"

/* ?1 kind, ?2 params, ?3 actor, ?4 now; answers the new id. */
#define REGIO_JOB_SQL_ENQUEUE                                                           \
    "INSERT INTO jobs(kind, params, created_by, created_at) VALUES (?1, ?2, ?3, ?4)"    \
    " RETURNING id"

/* Jobs whose worker stopped (?1 now): cancelled when that was asked... */
#define REGIO_JOB_SQL_STOPPED_CANCELLED                                                 \
    "UPDATE jobs SET state = 'cancelled', finished_at = ?1, lease_until = 0,"           \
    " message = 'cancelled (its worker stopped)'"                                       \
    " WHERE state = 'running' AND lease_until < ?1 AND cancel_requested = 1"

/* ... and failed after their last attempt (?2 max_attempts). */
#define REGIO_JOB_SQL_STOPPED_FAILED                                                    \
    "UPDATE jobs SET state = 'failed', finished_at = ?1, lease_until = 0,"              \
    " message = 'its worker stopped ' || attempts || ' times'"                          \
    " WHERE state = 'running' AND lease_until < ?1 AND attempts >= ?2"

/* The jobs a claim may take at ?1 now: queued, or running with a lease that
 * ran out; a claim adds " AND kind IN (?2, ...)" and then
 * REGIO_JOB_SQL_PICK_ORDER (the oldest queued job first). */
#define REGIO_JOB_SQL_PICK                                                              \
    "SELECT " REGIO_JOB_COLUMNS " FROM jobs WHERE (state = 'queued' OR"                 \
    " (state = 'running' AND lease_until < ?1))"
#define REGIO_JOB_SQL_PICK_ORDER " ORDER BY state = 'running', id LIMIT 1"

/* ?1 id, ?2 worker, ?3 its lease's end. */
#define REGIO_JOB_SQL_TAKE                                                              \
    "UPDATE jobs SET state = 'running', worker = ?2, lease_until = ?3,"                 \
    " attempts = attempts + 1, progress = 0, message = NULL WHERE id = ?1"

/* ?1 id, ?2 worker, ?3 lease's end, ?4 progress, ?5 message (NULL keeps
 * it); a row back (cancel_requested) when the worker holds the job. */
#define REGIO_JOB_SQL_HEARTBEAT                                                         \
    "UPDATE jobs SET lease_until = ?3, progress = ?4, message = COALESCE(?5, message)"   \
    " WHERE id = ?1 AND state = 'running' AND worker = ?2 RETURNING cancel_requested"

/* ?1 id, ?2 worker, ?3 state, ?4 message, ?5 result, ?6 now; changes a row
 * when the worker holds the job. A job done has progress 1. */
#define REGIO_JOB_SQL_FINISH                                                            \
    "UPDATE jobs SET state = ?3, message = ?4, result = ?5, finished_at = ?6,"          \
    " lease_until = 0, progress = CASE WHEN ?3 = 'done' THEN 1 ELSE progress END"      \
    " WHERE id = ?1 AND state = 'running' AND worker = ?2"

/* ?1 id, ?2 now: a queued job is cancelled, a running one asked to stop. */
#define REGIO_JOB_SQL_CANCEL_QUEUED                                                     \
    "UPDATE jobs SET state = 'cancelled', finished_at = ?2,"                            \
    " message = 'cancelled before it started' WHERE id = ?1 AND state = 'queued'"
#define REGIO_JOB_SQL_CANCEL_RUNNING                                                    \
    "UPDATE jobs SET cancel_requested = 1 WHERE id = ?1 AND state = 'running'"

/* ?1 a time: jobs that ended (done, failed, cancelled) before it go. */
#define REGIO_JOB_SQL_PRUNE                                                             \
    "DELETE FROM jobs WHERE state IN ('done', 'failed', 'cancelled') AND finished_at < ?1"

/* ?1 id, or 0: every job, newest first. */
#define REGIO_JOB_SQL_LIST                                                              \
    "SELECT " REGIO_JOB_COLUMNS " FROM jobs WHERE ?1 = 0 OR id = ?1 ORDER BY id DESC"

#endif
