/*
 * `regio assign units`: places every account with coordinates into the
 * geography unit that contains it (or the nearest one within --max-km) and,
 * with --measures, sums accounts, revenue and potential per unit.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: regio assign units [--measures] [--max-km K] [--db PATH]\n"
                 "  --measures   also set unit measures accounts, revenue, potential\n"
                 "  --max-km K   farthest an account may be from its unit (default 50)\n");
}

int cli_cmd_assign(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, 0, 'd'},
                                              {"measures", no_argument, 0, 'm'},
                                              {"max-km", required_argument, 0, 'k'},
                                              {"help", no_argument, 0, 'h'},
                                              {0, 0, 0, 0}};
    const char *db = NULL;
    regio_locate_opts lo = {0, 0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'm': lo.measures = 1; break;
        case 'k': {
            char *end;
            lo.max_km = strtod(optarg, &end);
            if (*end || end == optarg || lo.max_km <= 0) {
                fprintf(stderr, "regio assign: --max-km needs a positive number\n");
                return CLI_USAGE;
            }
            break;
        }
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (argc - optind != 1 || strcmp(argv[optind], "units") != 0) {
        usage(stderr);
        return CLI_USAGE;
    }
    regio_error err;
    regio_error_clear(&err);
    regio_store *s = cli_open_store(db);
    if (!s)
        return CLI_FAIL;
    regio_err rc = REGIO_OK;
    regio_locate_summary sum;
    rc = regio_store_begin(s, &err);
    if (!rc)
        rc = regio_assign_locate_accounts(s, &lo, &sum, &err);
    if (!rc)
        rc = regio_store_commit(s, &err);
    else
        regio_store_rollback(s, NULL);
    if (rc) {
        cli_print_error("assign units", rc, &err);
    } else {
        printf("placed %zu of %zu accounts with coordinates into units "
               "(%zu inside a polygon, %zu nearest; %zu farther than the limit); %zu changed\n",
               sum.inside + sum.nearest, sum.accounts, sum.inside, sum.nearest, sum.unplaced,
               sum.changed);
        if (lo.measures)
            printf("unit measures accounts, revenue and potential recomputed\n");
    }
    regio_store_close(s);
    return rc ? CLI_FAIL : CLI_OK;
}
