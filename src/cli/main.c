/*
 * Entry point of the `regio` command: dispatches to one subcommand per file
 * (cmd_<name>.c). Everything they do is a libregio call.
 */
#include "cli/cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define REGIO_CLI_COMMANDS(X)                                                  \
    X(import, "import accounts, reps or geography units into the store")        \
    X(export, "export accounts, reps, units, adjacency or an alignment")        \
    X(assign, "place accounts into geography units")                           \
    X(design, "partition units into balanced, contiguous, compact territories") \
    X(realign, "repair an alignment with a disruption budget")                 \
    X(report, "measure any alignment (balance, contiguity, travel, disruption)") \
    X(model, "list, show, clone, promote, archive and edit territory models")   \
    X(plan, "plan a rep's call cycle: visit days and daily routes")          \
    X(loop, "plan every territory, balance the workload, realign, plan again") \
    X(route, "solve a TSP / VRP with time windows (VROOM JSON or CSV stops)")    \
    X(user, "add users, set passwords, disable them, create API tokens")        \
    X(org, "the territory tree, roles, memberships and manual associations")   \
    X(rules, "list and run a model's assignment rules")                        \
    X(owners, "give accounts the owner of their primary territory; types")     \
    X(perf, "sales, quota, visits: the figures per territory, rep or level")   \
    X(quota, "split a quota total over territories by potential and history")  \
    X(access, "check the access level of a user on an account")                \
    X(challenge, "what a planning model changes for a rep; challenges, decisions") \
    X(brief, "a territory's hand-over page: map, accounts, plan, quota, changes") \
    X(audit, "list the audit log and verify its hash chain")                   \
    X(check, "check a store: integrity, foreign keys, audit chain, orphans")  \
    X(backup, "copy the store to a file while it is in use, checked")         \
    X(restore, "replace the store with a checked backup, keeping the old one") \
    X(migrate, "copy a whole store into an empty one (SQLite to PostgreSQL, back)") \
    X(serve, "serve the HTTP API and the browser app")                        \
    X(worker, "take design and realign jobs from the store's queue and run them") \
    X(jobs, "list, show, cancel and queue the store's jobs")                  \
    X(summary, "print what the store holds")                                   \
    X(version, "print the version")

#define DECLARE(name, summary) int cli_cmd_##name(int argc, char **argv);
REGIO_CLI_COMMANDS(DECLARE)
#undef DECLARE

static const regio_cli_cmd commands[] = {
#define ENTRY(name, summary) {#name, cli_cmd_##name, summary},
    REGIO_CLI_COMMANDS(ENTRY)
#undef ENTRY
};

static void usage(FILE *out)
{
    fprintf(out, "usage: regio <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'regio <command> --help' for the options of one command.\n");
}

const char *cli_db_path(const char *opt)
{
    if (opt && *opt)
        return opt;
    const char *env = getenv("REGIO_DB");
    return env && *env ? env : "regio.db";
}

regio_store *cli_open_store(const char *db_opt)
{
    regio_error err;
    regio_error_clear(&err);
    regio_store *s = NULL;
    regio_err rc = regio_store_open(cli_db_path(db_opt), &s, &err);
    if (rc) {
        cli_print_error("store", rc, &err);
        return NULL;
    }
    return s;
}

int cli_parse_num(const char *cmd, const char *opt, const char *s, double lo, double hi,
                  double *out)
{
    char a[64], b[64];
    if (regio_parse_number(s, out) != REGIO_OK || *out < lo || *out > hi) {
        fprintf(stderr, "regio %s: %s wants a number within %s..%s, not '%s'\n", cmd, opt,
                regio_format_sig(lo, 16, a, sizeof a), regio_format_sig(hi, 16, b, sizeof b), s);
        return -1;
    }
    return 0;
}

void cli_print_error(const char *what, regio_err rc, const regio_error *e)
{
    char buf[2048];
    if (e && (e->msg[0] || e->line || e->file[0]))
        fprintf(stderr, "regio: %s: %s\n", what, regio_error_format(e, buf, sizeof buf));
    else
        fprintf(stderr, "regio: %s: %s\n", what, regio_strerror(rc));
}

int cli_cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("regio %s\n", regio_version());
    return CLI_OK;
}

int main(int argc, char **argv)
{
    /* A write past the file size limit (ulimit -f) fails with EFBIG and the
     * command ends with the store's error, its transaction rolled back,
     * rather than the process dying of SIGXFSZ. */
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return CLI_OK;
    }
    if (!strcmp(argv[1], "--version"))
        return cli_cmd_version(0, NULL);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "regio: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return CLI_USAGE;
}
