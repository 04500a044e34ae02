/*
 * `regio jobs`: the store's job queue from the command line — list, show,
 * cancel and prune jobs, and queue a design or realign job from the JSON that
 * POST /api/v1/jobs takes (checked as the API checks it), for
 * `regio worker` processes to run.
 */
#include "cli/cli.h"
#include "regio/worker.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_text[] =
    "usage: regio jobs list [--db LOC]\n"
    "       regio jobs show ID [--db LOC]\n"
    "       regio jobs cancel ID [--db LOC]\n"
    "       regio jobs prune [--older-than DAYS] [--db LOC]\n"
    "       regio jobs enqueue (--params JSON | --file PATH|-) [--actor NAME] [--db LOC]\n"
    "enqueue takes the body of POST /api/v1/jobs ({\"kind\": \"design\" or \"realign\",\n"
    "\"target\": the planning model to save, \"k\", \"balance\", ...), checks it against the\n"
    "store's units and prints the job's id; `regio worker` runs it.\n"
    "prune removes the jobs that ended (done, failed, cancelled) more than DAYS days\n"
    "ago (default 30; 0: all that ended), with their results; the models they saved\n"
    "stay. Workers and servers do the same with 30 days, once an hour.\n";

static int usage_error(const char *msg)
{
    if (msg)
        fprintf(stderr, "regio jobs: %s\n", msg);
    fputs(usage_text, stderr);
    return CLI_USAGE;
}

static int print_row(void *ud, const regio_job_info *j)
{
    (*(long *)ud)++;
    printf("%-5ld %-8s %-9s attempts %d  %3.0f%%  %-20s %s\n", j->id, j->kind,
           regio_job_state_name(j->state), j->attempts, 100 * j->progress,
           j->worker ? j->worker : "-", j->message ? j->message : "");
    return 0;
}

static int print_job(void *ud, const regio_job_info *j)
{
    (*(long *)ud)++;
    printf("id: %ld\nkind: %s\nstate: %s\nattempts: %d\nprogress: %.2f\nworker: %s\n"
           "lease_until: %lld\ncancel_requested: %d\ncreated_by: %s\ncreated_at: %lld\n"
           "finished_at: %lld\nmessage: %s\nparams: %s\nresult: %s\n",
           j->id, j->kind, regio_job_state_name(j->state), j->attempts, j->progress,
           j->worker ? j->worker : "-", j->lease_until, j->cancel_requested,
           j->created_by ? j->created_by : "", j->created_at, j->finished_at,
           j->message ? j->message : "", j->params, j->result ? j->result : "null");
    return 0;
}

/* The whole of a file (or stdin for "-") into *out (regio_free). */
static int read_all(const char *path, char **out, size_t *len)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) {
        fprintf(stderr, "regio jobs: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    regio_buf b;
    regio_buf_init(&b, 0);
    char chunk[4096];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (regio_buf_append(&b, chunk, n)) {
            rc = -1;
            break;
        }
    if (f != stdin)
        fclose(f);
    if (rc || !b.data) {
        regio_buf_free(&b);
        fprintf(stderr, "regio jobs: %s is empty or too large\n", path);
        return -1;
    }
    *len = b.len;
    *out = b.data; /* regio_buf's data is regio_malloc'd */
    return 0;
}

/* Checks a job's parameters as POST /api/v1/jobs does, over the store's units. */
static regio_err check_params(regio_store *s, const char *json, size_t len, const char **kind,
                              regio_error *err)
{
    regio_design_job *j = NULL;
    regio_design_problem *p = NULL;
    regio_model_view *base = NULL;
    regio_err rc = regio_design_job_parse(json, len, &j, err);
    if (!rc)
        rc = regio_design_problem_load_units(s, 0, &p, err);
    int measure = p ? regio_design_job_default_measure(p) : 0;
    if (!rc)
        rc = regio_design_job_bind(j, p, measure, err);
    if (!rc && j->base)
        rc = regio_model_view_load(s, p, j->base, measure, &base, err);
    if (!rc)
        rc = regio_design_job_settle(j, p, base, err);
    if (!rc && !j->target)
        rc = regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                              "\"target\" (the planning model the job saves) is required");
    int exists = 0;
    if (!rc)
        rc = regio_model_save_check(s, j->target, 0, &exists, err);
    if (!rc)
        *kind = j->realign ? "realign" : "design";
    regio_model_view_destroy(base);
    regio_design_problem_destroy(p);
    regio_design_job_destroy(j);
    return rc;
}

static long parse_id(const char *s)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    return errno || end == s || *end || v < 1 ? -1 : v;
}

int cli_cmd_jobs(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"params", required_argument, NULL, 'p'},
                                             {"file", required_argument, NULL, 'f'},
                                             {"actor", required_argument, NULL, 'a'},
                                             {"older-than", required_argument, NULL, 'o'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    if (argc < 2)
        return usage_error(NULL);
    const char *verb = argv[1];
    if (!strcmp(verb, "--help") || !strcmp(verb, "-h")) {
        fputs(usage_text, stdout);
        return CLI_OK;
    }
    int with_id = !strcmp(verb, "show") || !strcmp(verb, "cancel");
    if (!with_id && strcmp(verb, "list") && strcmp(verb, "enqueue") && strcmp(verb, "prune"))
        return usage_error("unknown verb (list, show, cancel, prune or enqueue)");
    const char *db = NULL, *params = NULL, *file = NULL, *actor = NULL;
    double days = REGIO_WORKER_KEEP_S / 86400;
    int days_given = 0;
    optind = 2;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'p': params = optarg; break;
        case 'f': file = optarg; break;
        case 'a': actor = optarg; break;
        case 'o':
            if (cli_parse_num("jobs", "--older-than", optarg, 0, 36500, &days))
                return CLI_USAGE;
            days_given = 1;
            break;
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        default: return usage_error(NULL);
        }
    }
    long id = 0;
    if (with_id) {
        if (optind >= argc || (id = parse_id(argv[optind])) < 0)
            return usage_error("a job's id (a number) is needed");
        optind++;
    }
    if (optind < argc)
        return usage_error("unexpected argument");
    if (strcmp(verb, "enqueue") && (params || file || actor))
        return usage_error("--params, --file and --actor are for enqueue");
    if (strcmp(verb, "prune") && days_given)
        return usage_error("--older-than is for prune");
    if (!strcmp(verb, "enqueue") && !params == !file)
        return usage_error("enqueue takes --params JSON or --file PATH");

    char *text = NULL;
    size_t len = 0;
    if (file && read_all(file, &text, &len))
        return CLI_FAIL;
    regio_store *s = cli_open_store(db);
    if (!s) {
        regio_free(text);
        return CLI_FAIL;
    }
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = REGIO_OK;
    long n = 0;
    int status = CLI_OK;
    if (!strcmp(verb, "list")) {
        rc = regio_store_jobs_foreach(s, 0, print_row, &n, &err);
        if (!rc && !n)
            printf("no jobs\n");
    } else if (!strcmp(verb, "show")) {
        rc = regio_store_jobs_foreach(s, id, print_job, &n, &err);
        if (!rc && !n)
            rc = regio_error_setf(&err, REGIO_ENOTFOUND, NULL, 0, NULL, "job %ld not found", id);
    } else if (!strcmp(verb, "prune")) {
        long removed = 0;
        rc = regio_store_jobs_prune(s, (long long)time(NULL) - (long long)(days * 86400),
                                    &removed, &err);
        if (!rc)
            printf("removed %ld finished jobs\n", removed);
    } else if (!strcmp(verb, "cancel")) {
        regio_job_state st = REGIO_JOB_QUEUED;
        rc = regio_store_job_cancel(s, id, actor, (long long)time(NULL), &st, &err);
        if (!rc)
            printf("job %ld: %s%s\n", id, regio_job_state_name(st),
                   st == REGIO_JOB_RUNNING ? " (asked to stop at its next heartbeat)" : "");
    } else {
        const char *json = text ? text : params;
        size_t jlen = text ? len : strlen(params);
        const char *kind = NULL;
        rc = check_params(s, json, jlen, &kind, &err);
        /* The queue keeps the text; a worker parses it again. */
        char *copy = rc ? NULL : regio_malloc(jlen + 1);
        if (!rc && !copy)
            rc = regio_error_setf(&err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
        if (!rc) {
            memcpy(copy, json, jlen);
            copy[jlen] = '\0';
            rc = regio_store_job_enqueue(s, kind, copy, actor ? actor : "cli",
                                         (long long)time(NULL), &id, &err);
        }
        regio_free(copy);
        if (!rc)
            printf("%ld\n", id);
    }
    if (rc) {
        cli_print_error("jobs", rc, &err);
        status = CLI_FAIL;
    }
    regio_store_close(s);
    regio_free(text);
    return status;
}
