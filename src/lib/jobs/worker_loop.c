/*
 * The worker loop (regio/worker.h): claims design and realign jobs from
 * the store's queue and does them, pausing when the queue is empty and
 * reopening the store when it was lost.
 */
#include "regio/worker.h"
#include "regio/design_job.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The job a claim took, copied out of the callback. */
typedef struct taken {
    regio_job_info info;
    char *kind, *params, *created_by;
} taken;

static int take(void *ud, const regio_job_info *j)
{
    taken *t = ud;
    t->info = *j;
    t->kind = regio_strdup(j->kind);
    t->params = regio_strdup(j->params);
    t->created_by = regio_strdup(j->created_by ? j->created_by : "");
    t->info.kind = t->kind;
    t->info.params = t->params;
    t->info.created_by = t->created_by;
    t->info.worker = t->info.message = t->info.result = NULL;
    return 0;
}

static void taken_free(taken *t)
{
    regio_free(t->kind);
    regio_free(t->params);
    regio_free(t->created_by);
    memset(t, 0, sizeof *t);
}

static void say(const regio_worker_opts *o, const char *fmt, ...)
{
    if (!o->log)
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    o->log(o->ud, line);
}

static void say_error(const regio_worker_opts *o, const char *what, regio_err rc,
                      const regio_error *e)
{
    char buf[1024];
    regio_error_format(e, buf, sizeof buf);
    say(o, "%s: %s", what, buf[0] ? buf : regio_strerror(rc));
}

/* Sleeps s seconds in short naps, so that a stop (a signal's flag, or a
 * server shutting down) ends the pause within a fifth of a second. */
static void nap(const regio_worker_opts *o, double s)
{
    while (s > 0 && !(o->stop && *o->stop)) {
        double d = s < 0.2 ? s : 0.2;
        struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
        nanosleep(&ts, NULL);
        s -= d;
    }
}

void regio_worker_default_name(const char *prefix, char *name, size_t cap)
{
    char host[64] = "";
    if (gethostname(host, sizeof host - 1) != 0 || !host[0])
        snprintf(host, sizeof host, "worker");
    host[sizeof host - 1] = '\0';
    for (char *c = host; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '_' || *c == '.'))
            *c = '-';
    snprintf(name, cap, "%s%s:%ld", prefix ? prefix : "", host, (long)getpid());
}

regio_err regio_worker_run(regio_store **s, const char *loc, const regio_worker_opts *o,
                           regio_error *err)
{
    static const char *const design_kinds[] = {"design", "realign"};
    const char *const *kinds = o->kinds ? o->kinds : design_kinds;
    size_t n_kinds = o->kinds ? o->n_kinds : 2;
    regio_err status = REGIO_OK;
    regio_error e;
    long long pruned_at = 0;
    while (!(o->stop && *o->stop)) {
        taken t;
        memset(&t, 0, sizeof t);
        int found = 0;
        regio_error_clear(&e);
        regio_err rc = *s ? REGIO_OK : regio_store_open(loc, s, &e);
        if (!rc)
            rc = regio_store_job_claim(*s, o->name, kinds, n_kinds, (long long)time(NULL),
                                       o->lease_s, REGIO_WORKER_MAX_ATTEMPTS, take, &t, &found,
                                       &e);
        if (rc) {
            /* The store is away or busy: try again after a pause, on a new
             * connection when the old one was lost, as a worker outlives a
             * restart of its database. */
            say_error(o, "claiming a job", rc, &e);
            if (err)
                *err = e;
            if (rc == REGIO_EIO) {
                regio_store_close(*s);
                *s = NULL;
            }
            if (o->once)
                return rc;
            nap(o, o->poll_s > 5 ? o->poll_s : 5);
            continue;
        }
        if (!found) {
            if (o->once)
                break;
            long long now = (long long)time(NULL);
            if (o->keep_s > 0 && now - pruned_at >= 3600) {
                /* A failure here is said and tried again in an hour: the
                 * queue works without it. */
                long removed = 0;
                pruned_at = now;
                regio_error_clear(&e);
                rc = regio_store_jobs_prune(*s, now - o->keep_s, &removed, &e);
                if (rc)
                    say_error(o, "removing finished jobs", rc, &e);
                else if (removed)
                    say(o, "removed %ld jobs that ended over %ld days ago", removed,
                        o->keep_s / 86400);
            }
            nap(o, o->poll_s);
            continue;
        }
        if (!t.kind || !t.params || !t.created_by) {
            taken_free(&t);
            return regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
        }
        say(o, "job %ld (%s), attempt %d", t.info.id, t.kind, t.info.attempts);
        regio_job_state st = REGIO_JOB_RUNNING;
        regio_error_clear(&e);
        rc = regio_design_job_work(*s, &t.info, o->name, o->lease_s, o->stop, &st, &e);
        if (rc == REGIO_ECANCELLED) {
            say(o, "stopped during job %ld; it is taken again after its lease", t.info.id);
        } else if (rc) {
            char what[64];
            snprintf(what, sizeof what, "job %ld", t.info.id);
            say_error(o, what, rc, &e);
            if (o->once) {
                if (err)
                    *err = e;
                status = rc;
            }
        } else {
            say(o, "job %ld %s", t.info.id, regio_job_state_name(st));
            if (o->ended)
                o->ended(o->ud, t.info.id, st);
        }
        taken_free(&t);
        if (o->once)
            break;
    }
    return status;
}
