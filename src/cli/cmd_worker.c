/*
 * `regio worker`: a process, on any machine that reaches the store, that
 * takes design and realign jobs from the store's queue (regio/jobs.h),
 * runs them through the library (regio_design_job_work) and finishes
 * them; SIGTERM or SIGINT stop it between two heartbeats.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_ATTEMPTS 3

static const char usage_text[] =
    "usage: regio worker [--db LOC] [--lease SECONDS] [--once] [--kinds design,realign]\n"
    "                    [--name NAME] [--poll SECONDS]\n"
    "Takes the oldest queued design or realign job of the store (SQLite file or\n"
    "postgresql://...), runs it and saves its models, over and over; waits --poll\n"
    "seconds (default 1) when the queue is empty. A job is held for --lease seconds\n"
    "(default 60), renewed while it runs: when a worker dies, another takes its job\n"
    "once the lease has run out (at most 3 times). --once: one job at most, then exit.\n"
    "--name (default host:pid) is how the queue names this worker. SIGTERM or SIGINT\n"
    "stop it (exit 0); a job it was running is taken again after its lease. Exit 1:\n"
    "the store could not be opened, or with --once, the claim or the job's store\n"
    "writes failed (a job that fails is not the worker's failure: see regio jobs).\n";

static volatile int stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static int usage_error(const char *msg)
{
    if (msg)
        fprintf(stderr, "regio worker: %s\n", msg);
    fputs(usage_text, stderr);
    return CLI_USAGE;
}

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

/* host:pid, with anything the queue does not take in a name made '-'. */
static void default_name(char *name, size_t cap)
{
    char host[64] = "";
    if (gethostname(host, sizeof host - 1) != 0 || !host[0])
        snprintf(host, sizeof host, "worker");
    host[sizeof host - 1] = '\0';
    for (char *c = host; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '_' || *c == '.'))
            *c = '-';
    snprintf(name, cap, "%s:%ld", host, (long)getpid());
}

/* Sleeps s seconds unless a signal comes first. */
static void nap(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

int cli_cmd_worker(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"lease", required_argument, NULL, 'l'},
                                             {"once", no_argument, NULL, 'o'},
                                             {"kinds", required_argument, NULL, 'k'},
                                             {"name", required_argument, NULL, 'n'},
                                             {"poll", required_argument, NULL, 'p'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *db = NULL, *kinds_opt = NULL;
    char name[160] = "";
    double lease = 60, poll = 1;
    int once = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'l':
            if (cli_parse_num("worker", "--lease", optarg, 1, 86400, &lease))
                return CLI_USAGE;
            break;
        case 'o': once = 1; break;
        case 'k': kinds_opt = optarg; break;
        case 'n': snprintf(name, sizeof name, "%s", optarg); break;
        case 'p':
            if (cli_parse_num("worker", "--poll", optarg, 0.05, 3600, &poll))
                return CLI_USAGE;
            break;
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        default: return usage_error(NULL);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument");
    /* The kinds this worker does: design and realign (plan and rules jobs
     * are not run by the library yet). */
    const char *kinds[2];
    size_t n_kinds = 0;
    if (!kinds_opt) {
        kinds[n_kinds++] = "design";
        kinds[n_kinds++] = "realign";
    } else {
        for (const char *s = kinds_opt; *s;) {
            size_t len = strcspn(s, ",");
            if (len == 6 && !strncmp(s, "design", 6))
                kinds[n_kinds++] = "design";
            else if (len == 7 && !strncmp(s, "realign", 7))
                kinds[n_kinds++] = "realign";
            else
                return usage_error("--kinds takes design and/or realign");
            if (n_kinds > 2 || (n_kinds == 2 && !strcmp(kinds[0], kinds[1])))
                return usage_error("--kinds names a kind twice");
            s += len + (s[len] == ',');
        }
        if (!n_kinds)
            return usage_error("--kinds takes design and/or realign");
    }
    if (!name[0])
        default_name(name, sizeof name);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: a nap ends at once */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    regio_store *s = cli_open_store(db);
    if (!s)
        return CLI_FAIL;
    fprintf(stderr, "regio worker %s: taking %s%s%s jobs, lease %.0f s\n", name, kinds[0],
            n_kinds > 1 ? " and " : "", n_kinds > 1 ? kinds[1] : "", lease);
    int status = CLI_OK;
    regio_error err;
    while (!stop_flag) {
        taken t;
        memset(&t, 0, sizeof t);
        int found = 0;
        regio_error_clear(&err);
        regio_err rc = s ? REGIO_OK : regio_store_open(cli_db_path(db), &s, &err);
        if (!rc)
            rc = regio_store_job_claim(s, name, kinds, n_kinds, (long long)time(NULL),
                                       (long)lease, MAX_ATTEMPTS, take, &t, &found, &err);
        if (rc) {
            /* The store is away or busy: try again after a pause, on a new
             * connection when the old one was lost, as a worker outlives a
             * restart of its database. */
            cli_print_error("claiming a job", rc, &err);
            status = once ? CLI_FAIL : status;
            if (rc == REGIO_EIO) {
                regio_store_close(s);
                s = NULL;
            }
            if (once)
                break;
            nap(poll > 5 ? poll : 5);
            continue;
        }
        if (!found) {
            if (once)
                break;
            nap(poll);
            continue;
        }
        if (!t.kind || !t.params || !t.created_by) {
            fprintf(stderr, "regio worker: out of memory\n");
            taken_free(&t);
            status = CLI_FAIL;
            break;
        }
        fprintf(stderr, "regio worker %s: job %ld (%s), attempt %d\n", name, t.info.id, t.kind,
                t.info.attempts);
        regio_job_state st = REGIO_JOB_RUNNING;
        regio_error_clear(&err);
        rc = regio_design_job_work(s, &t.info, name, (long)lease, &stop_flag, &st, &err);
        if (rc == REGIO_ECANCELLED) {
            fprintf(stderr, "regio worker %s: stopped during job %ld; it is taken again after "
                            "its lease\n",
                    name, t.info.id);
        } else if (rc) {
            char what[64];
            snprintf(what, sizeof what, "job %ld", t.info.id);
            cli_print_error(what, rc, &err);
            status = once ? CLI_FAIL : status;
        } else {
            fprintf(stderr, "regio worker %s: job %ld %s\n", name, t.info.id,
                    regio_job_state_name(st));
        }
        taken_free(&t);
        if (once)
            break;
    }
    regio_store_close(s);
    return status;
}
