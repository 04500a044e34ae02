/*
 * `regio plan --model M --all` (cmd_plan_all.c), which `regio plan` hands
 * over to when it is given --all.
 */
#ifndef REGIO_CLI_PLAN_ALL_H
#define REGIO_CLI_PLAN_ALL_H

/* Non-zero when argv (up to a "--") holds --all. */
int cli_plan_all_wanted(int argc, char **argv);

/* Parses the options, plans every territory and stores the workload.
 * Returns the process exit status. */
int cli_plan_all(int argc, char **argv);

#endif
