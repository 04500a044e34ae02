/* `regio report`: the METRICS.md figures of any alignment, including ones
 * made by other tools; see design_cli.c for the shared body. */
#include "cli/design_cli.h"

int cli_cmd_report(int argc, char **argv)
{
    return cli_design_main(DESIGN_CMD_REPORT, argc, argv);
}
