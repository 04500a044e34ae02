/*
 * Options shared by `regio design`, `regio realign` and `regio report`,
 * which all describe one design problem on files.
 */
#ifndef REGIO_CLI_DESIGN_H
#define REGIO_CLI_DESIGN_H

#include "cli/cli.h"

typedef enum { DESIGN_CMD_DESIGN, DESIGN_CMD_REALIGN, DESIGN_CMD_REPORT } design_cmd;

/* Parses the options, loads the problem, runs (or evaluates) and writes the
 * outputs. Returns the process exit status. */
int cli_design_main(design_cmd cmd, int argc, char **argv);

#endif
