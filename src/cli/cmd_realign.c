/* `regio realign`: repairs an existing alignment (--from) with a disruption
 * budget, keeping its labels; see design_cli.c for the shared body. */
#include "cli/design_cli.h"

int cli_cmd_realign(int argc, char **argv)
{
    return cli_design_main(DESIGN_CMD_REALIGN, argc, argv);
}
