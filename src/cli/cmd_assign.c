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
    fprintf(out, "usage: regio assign units [--measures] [--max-km K] [--unplaced FILE] [--db PATH]\n"
                 "  --measures       also set unit measures accounts, revenue, potential\n"
                 "  --max-km K       farthest an account may be from its unit (default 50)\n"
                 "  --unplaced FILE  every account no unit takes, as CSV (id,name,lat,lon)\n");
}

/* Accounts no unit takes: the first ones on screen, all in the file. */
typedef struct unplaced {
    FILE *file;
    size_t n;
} unplaced;

enum { UNPLACED_SHOWN = 10 };

static void csv_field(FILE *f, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void on_unplaced(void *ud, const regio_account *a)
{
    unplaced *u = ud;
    if (u->n++ < UNPLACED_SHOWN)
        fprintf(stderr, "regio assign: not placed: account %s%s%s%s at %.5f,%.5f\n", a->id,
                a->name ? " (" : "", a->name ? a->name : "", a->name ? ")" : "", a->lat, a->lon);
    if (u->file) {
        csv_field(u->file, a->id);
        fputc(',', u->file);
        csv_field(u->file, a->name);
        fprintf(u->file, ",%.6f,%.6f\n", a->lat, a->lon);
    }
}

int cli_cmd_assign(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, 0, 'd'},
                                              {"measures", no_argument, 0, 'm'},
                                              {"max-km", required_argument, 0, 'k'},
                                              {"unplaced", required_argument, 0, 'u'},
                                              {"help", no_argument, 0, 'h'},
                                              {0, 0, 0, 0}};
    const char *db = NULL;
    regio_locate_opts lo;
    memset(&lo, 0, sizeof lo);
    const char *unplaced_path = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'm': lo.measures = 1; break;
        case 'u': unplaced_path = optarg; break;
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
    unplaced up = {NULL, 0};
    regio_output *uo = NULL;
    if (unplaced_path) {
        if ((rc = regio_output_open(unplaced_path, &uo, &err))) {
            cli_print_error("assign units", rc, &err);
            regio_store_close(s);
            return CLI_FAIL;
        }
        up.file = regio_output_stream(uo);
        fputs("id,name,lat,lon\n", up.file);
    }
    lo.on_unplaced = on_unplaced;
    lo.unplaced_ud = &up;
    rc = regio_store_begin(s, &err);
    if (!rc)
        rc = regio_assign_locate_accounts(s, &lo, &sum, &err);
    if (!rc)
        rc = regio_store_commit(s, &err);
    else
        regio_store_rollback(s, NULL);
    if (uo) {
        if (rc)
            regio_output_discard(uo);
        else
            rc = regio_output_commit(uo, &err);
    }
    if (rc) {
        cli_print_error("assign units", rc, &err);
    } else {
        char n[6][32];
        printf("placed %s of %s accounts with coordinates into units "
               "(%s inside a polygon, %s nearest; %s farther than the limit); %s changed\n",
               CLI_COUNT(n[0], sum.inside + sum.nearest), CLI_COUNT(n[1], sum.accounts),
               CLI_COUNT(n[2], sum.inside), CLI_COUNT(n[3], sum.nearest),
               CLI_COUNT(n[4], sum.unplaced), CLI_COUNT(n[5], sum.changed));
        if (up.n > UNPLACED_SHOWN)
            fprintf(stderr, "regio assign: ... %s more not placed (%s)\n",
                    CLI_COUNT(n[0], up.n - UNPLACED_SHOWN),
                    unplaced_path ? "all of them are in the --unplaced file"
                                  : "--unplaced FILE lists all of them");
        if (lo.measures)
            printf("unit measures accounts, revenue and potential recomputed\n");
    }
    regio_store_close(s);
    return rc ? CLI_FAIL : CLI_OK;
}
