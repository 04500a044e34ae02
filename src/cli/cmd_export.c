/*
 * `regio export accounts|reps|units|adjacency|alignment`: writes what the
 * store holds as CSV or GeoJSON to a file (atomically) or to stdout.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: regio export accounts|reps|units|adjacency|alignment\n"
                 "                    [--format csv|geojson] [--out FILE] [--model NAME] [--db PATH]\n");
}

int cli_cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, 0, 'd'},     {"format", required_argument, 0, 'f'},
        {"out", required_argument, 0, 'o'},    {"model", required_argument, 0, 'M'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    const char *db = NULL, *fmt_s = "csv", *out = NULL;
    regio_export_opts eo = {NULL};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'f': fmt_s = optarg; break;
        case 'o': out = optarg; break;
        case 'M': eo.model = optarg; break;
        case 'h': usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (argc - optind != 1) {
        usage(stderr);
        return CLI_USAGE;
    }
    regio_export_what what;
    regio_export_format fmt;
    if (regio_export_what_parse(argv[optind], &what)) {
        fprintf(stderr, "regio export: unknown kind '%s'\n", argv[optind]);
        return CLI_USAGE;
    }
    if (regio_export_format_parse(fmt_s, &fmt)) {
        fprintf(stderr, "regio export: unknown format '%s' (csv or geojson)\n", fmt_s);
        return CLI_USAGE;
    }
    regio_error err;
    regio_error_clear(&err);
    regio_store *s = cli_open_store(db);
    if (!s)
        return CLI_FAIL;
    regio_err rc = REGIO_OK;
    size_t rows = 0;
    if (out)
        rc = regio_export_file(s, what, fmt, &eo, out, &rows, &err);
    else
        rc = regio_export_stream(s, what, fmt, &eo, stdout, &rows, &err);
    if (rc)
        cli_print_error("export", rc, &err);
    else if (out)
        fprintf(stderr, "regio: wrote %zu %s to %s\n", rows, argv[optind], out);
    regio_store_close(s);
    return rc ? CLI_FAIL : CLI_OK;
}
