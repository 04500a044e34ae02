/*
 * `regio worker`: a process, on any machine that reaches the store, that
 * takes design and realign jobs from the store's queue (regio/jobs.h),
 * runs them through the library's worker loop (regio_worker_run, the
 * same as the worker thread of `regio serve`); SIGTERM or SIGINT stop it between two heartbeats.
 */
#include "cli/cli.h"
#include "regio/worker.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: regio worker [--db LOC] [--lease SECONDS] [--once] [--kinds design,realign]\n"
    "                    [--name NAME] [--poll SECONDS] [--keep-days N]\n"
    "Takes the oldest queued design or realign job of the store (SQLite file or\n"
    "postgresql://...), runs it and saves its models, over and over; waits --poll\n"
    "seconds (default 1) when the queue is empty. A job is held for --lease seconds\n"
    "(default 60), renewed while it runs: when a worker dies, another takes its job\n"
    "once the lease has run out (at most 3 times). --once: one job at most, then exit.\n"
    "--name (default host:pid) is how the queue names this worker. SIGTERM or SIGINT\n"
    "stop it (exit 0); a job it was running is taken again after its lease. Exit 1:\n"
    "the store could not be opened, or with --once, the claim or the job's store\n"
    "writes failed (a job that fails is not the worker's failure: see regio jobs).\n"
    "Jobs that ended more than --keep-days days ago (default 30; 0: keep all) are\n"
    "removed when the queue is empty, at most once an hour.\n";

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

/* Each line of the loop, on stderr after the worker's name. */
static void log_line(void *ud, const char *line)
{
    fprintf(stderr, "regio worker %s: %s\n", (const char *)ud, line);
}

int cli_cmd_worker(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"lease", required_argument, NULL, 'l'},
                                             {"once", no_argument, NULL, 'o'},
                                             {"kinds", required_argument, NULL, 'k'},
                                             {"name", required_argument, NULL, 'n'},
                                             {"poll", required_argument, NULL, 'p'},
                                             {"keep-days", required_argument, NULL, 'K'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *db = NULL, *kinds_opt = NULL;
    char name[160] = "";
    double lease = 60, poll = 1, keep_days = REGIO_WORKER_KEEP_S / 86400;
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
        case 'K':
            if (cli_parse_num("worker", "--keep-days", optarg, 0, 36500, &keep_days))
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
        regio_worker_default_name(NULL, name, sizeof name);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: a pause ends at once */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    regio_store *s = cli_open_store(db);
    if (!s)
        return CLI_FAIL;
    fprintf(stderr, "regio worker %s: taking %s%s%s jobs, lease %.0f s\n", name, kinds[0],
            n_kinds > 1 ? " and " : "", n_kinds > 1 ? kinds[1] : "", lease);
    regio_worker_opts wo;
    memset(&wo, 0, sizeof wo);
    wo.name = name;
    wo.kinds = kinds;
    wo.n_kinds = n_kinds;
    wo.lease_s = (long)lease;
    wo.poll_s = poll;
    wo.once = once;
    wo.keep_s = (long)(keep_days * 86400);
    wo.stop = &stop_flag;
    wo.log = log_line;
    wo.ud = name;
    regio_error err;
    regio_error_clear(&err);
    int status = regio_worker_run(&s, cli_db_path(db), &wo, &err) ? CLI_FAIL : CLI_OK;
    regio_store_close(s);
    return status;
}
