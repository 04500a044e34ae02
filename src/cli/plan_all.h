/*
 * `regio plan --model M --all` (cmd_plan_all.c), which `regio plan` hands
 * over to when it is given --all.
 */
#ifndef REGIO_CLI_PLAN_ALL_H
#define REGIO_CLI_PLAN_ALL_H

#include "regio/workload.h"

#include <getopt.h>

/* How every territory is planned: the options `regio plan --all` and
 * `regio loop` share (values above any getopt short option or enum of the
 * commands' own). */
enum {
    CLI_PA_DAYS = 1000, CLI_PA_SEED, CLI_PA_CALL, CLI_PA_START, CLI_PA_TL, CLI_PA_OVERNIGHT,
    CLI_PA_HOTEL, CLI_PA_KM, CLI_PA_NIGHTS, CLI_PA_TRIPDAYS
};
#define CLI_PLAN_ALL_LONGOPTS                                                                     \
    {"days", required_argument, 0, CLI_PA_DAYS}, {"seed", required_argument, 0, CLI_PA_SEED},    \
        {"call-minutes", required_argument, 0, CLI_PA_CALL},                                      \
        {"start", required_argument, 0, CLI_PA_START},                                            \
        {"time-limit", required_argument, 0, CLI_PA_TL},                                          \
        {"overnight", no_argument, 0, CLI_PA_OVERNIGHT},                                          \
        {"hotel-cost", required_argument, 0, CLI_PA_HOTEL},                                       \
        {"km-cost", required_argument, 0, CLI_PA_KM},                                             \
        {"max-nights", required_argument, 0, CLI_PA_NIGHTS},                                      \
        {"trip-days", required_argument, 0, CLI_PA_TRIPDAYS}

/* The usage lines of those options. */
#define CLI_PLAN_ALL_USAGE                                                                        \
    "                  [--days 20] [--seed 1] [--call-minutes 20] [--start YYYY-MM-DD]\n"        \
    "                  [--time-limit 5] [--overnight [--hotel-cost 100] [--km-cost 0.5]\n"      \
    "                  [--max-nights 4 | --trip-days N]]\n"

/* Parses shared option c with argument arg into o: 0 when taken, -1 (said
 * why on stderr, as `regio CMD`) for a bad value, 1 when c is not one of
 * them. */
int cli_plan_all_option(int c, const char *arg, const char *cmd, regio_plan_all_opts *o);

/* After parsing: -1 (said why) when a cost or limit is given without
 * --overnight, else 0. */
int cli_plan_all_options_check(const regio_plan_all_opts *o, const char *cmd);

/* Non-zero when argv (up to a "--") holds --all. */
int cli_plan_all_wanted(int argc, char **argv);

/* Parses the options, plans every territory and stores the workload.
 * Returns the process exit status. */
int cli_plan_all(int argc, char **argv);

#endif
