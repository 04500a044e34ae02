/* `regio design`: partitions units into k balanced, contiguous, compact
 * territories (file mode); see design_cli.c for the shared body. */
#include "cli/design_cli.h"

int cli_cmd_design(int argc, char **argv)
{
    return cli_design_main(DESIGN_CMD_DESIGN, argc, argv);
}
