/*
 * `regio import potential`: the kind of `regio import` that sums a point
 * layer's weights into a unit measure (cmd_import_potential.c).
 */
#ifndef REGIO_CLI_IMPORT_POTENTIAL_H
#define REGIO_CLI_IMPORT_POTENTIAL_H

/* argv[0] is "potential"; returns a CLI exit status. */
int cli_import_potential(int argc, char **argv);

#endif
