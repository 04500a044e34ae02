/*
 * Shared declarations of the `regio` command: one function per subcommand
 * and small helpers for options that several of them take.
 */
#ifndef REGIO_CLI_H
#define REGIO_CLI_H

#include "regio/regio.h"

typedef int (*regio_cli_fn)(int argc, char **argv);

typedef struct regio_cli_cmd {
    const char *name;
    regio_cli_fn fn;
    const char *summary;
} regio_cli_cmd;

/* Exit statuses shared by every subcommand: 0 done; 1 failed, nothing
 * written; 2 usage error; 3 a result was written but not every constraint
 * holds (a best effort: an imbalanced design, visits or stops left out). */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2, CLI_PARTIAL = 3 };

/* Path of the store: --db value, else $REGIO_DB, else "regio.db". */
const char *cli_db_path(const char *opt);

/* Opens the store named by --db / $REGIO_DB; prints the error and returns
 * NULL when it cannot. */
regio_store *cli_open_store(const char *db_opt);

/* A count as people read it ("3,107") in the char array buf, which it
 * returns (regio_format_number with no decimals). */
#define CLI_COUNT(buf, v) regio_format_number((double)(v), 0, (buf), sizeof(buf))

/* Reads s (regio_parse_number) into *out when it lies within lo..hi; else
 * says "regio CMD: OPT wants a number within LO..HI, not 'S'" on stderr
 * and returns -1. */
int cli_parse_num(const char *cmd, const char *opt, const char *s, double lo, double hi,
                  double *out);

/* Prints "regio: <formatted error>" on stderr. */
void cli_print_error(const char *what, regio_err rc, const regio_error *e);

#endif
