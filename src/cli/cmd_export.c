/*
 * `regio export accounts|reps|units|adjacency|alignment|territories`:
 * writes what the store holds as CSV or GeoJSON, and a model's
 * territories as GeoJSON, KML, Shapefile or CSV, to --out (through the
 * library's output helper: a regular file atomically, `-` standard
 * output) or to standard output.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: regio export accounts|reps|units|adjacency|alignment|territories\n"
            "                    [--format csv|geojson|kml|shp] [--out FILE] [--model NAME]\n"
            "                    [--db PATH]\n"
            "       regio export associations --model NAME [--out FILE] [--db PATH]\n"
            "  associations: account,territory,cause of every association in NAME\n"
            "    (cause geo: its unit's territory or its hand move; rule; manual).\n"
            "  accounts, reps, units: csv (default) or geojson; adjacency: csv.\n"
            "  accounts --model NAME: each account's territory in NAME is added (its\n"
            "    override, else its unit's territory).\n"
            "  alignment: the unit_id,territory of --model NAME (default: the active model).\n"
            "  territories: the territories of --model NAME (default: the active model)\n"
            "    with their outlines and figures: geojson (default), kml, or shp\n"
            "    (FILE.shp writes FILE.shp/.shx/.dbf/.prj/.cpg; any\n"
            "    other FILE, - included, gets them zipped: FILE.shp.zip); csv is the\n"
            "    hierarchy, name,parent,account_access,rep, as regio import territories\n"
            "    reads it.\n"
            "  Without --format, FILE's extension (.csv, .geojson, .json, .kml, .shp)\n"
            "    chooses it.\n"
            "  --out FILE: a regular file is replaced atomically; a device or FIFO is\n"
            "    written in place; - is standard output (the default).\n");
}

/* The format a file name's extension names (any case), or NULL. */
static const char *format_of_path(const char *path)
{
    static const char *const ext[][2] = {{".csv", "csv"},         {".geojson", "geojson"},
                                         {".json", "geojson"},    {".kml", "kml"},
                                         {".shp", "shp"},         {".shp.zip", "shp"}};
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        size_t k = strlen(ext[i][0]);
        if (n > k && !strcasecmp(path + n - k, ext[i][0]))
            return ext[i][1];
    }
    return NULL;
}

int cli_cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, 0, 'd'},     {"format", required_argument, 0, 'f'},
        {"out", required_argument, 0, 'o'},    {"model", required_argument, 0, 'M'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    const char *db = NULL, *fmt_s = NULL, *out = NULL;
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
    if (!strcmp(argv[optind], "salesforce")) {
        /* Enterprise Territory Management's Data Loader CSVs into the
         * directory --out (regio/salesforce.h; docs/FORMATS.md). */
        if (!out || fmt_s || regio_output_is_stdout(out)) {
            fprintf(stderr, "usage: regio export salesforce [--model NAME] --out DIR [--db PATH]\n"
                            "  writes Territory2Type, Territory2, UserTerritory2Association,\n"
                            "  ObjectTerritory2Association, ObjectTerritory2AssignmentRule(Item),\n"
                            "  RuleTerritory2Association and AccountOwners .csv files into DIR\n"
                            "  (created if missing); regio import salesforce DIR reads it back\n");
            return CLI_USAGE;
        }
        regio_store *ss = cli_open_store(db);
        if (!ss)
            return CLI_FAIL;
        regio_error serr;
        regio_error_clear(&serr);
        regio_sf_summary sum;
        regio_err src = regio_export_salesforce(ss, eo.model, out, &sum, &serr);
        if (src)
            cli_print_error("export", src, &serr);
        char n[32];
        for (int f = 0; !src && f < REGIO_SF_FILE_COUNT_; f++)
            fprintf(stderr, "regio: wrote %s %s to %s/%s\n", CLI_COUNT(n, sum.rows[f]),
                    sum.rows[f] == 1 ? "row" : "rows", out,
                    regio_sf_file_name((regio_sf_file)f));
        regio_store_close(ss);
        return src ? CLI_FAIL : CLI_OK;
    }
    if (!strcmp(argv[optind], "associations")) {
        if (fmt_s && strcmp(fmt_s, "csv") != 0) {
            fprintf(stderr, "regio export: associations are CSV\n");
            return CLI_USAGE;
        }
        regio_store *as = cli_open_store(db);
        if (!as)
            return CLI_FAIL;
        regio_error aerr;
        regio_error_clear(&aerr);
        size_t arows = 0;
        char n[32];
        regio_err arc = regio_export_associations(as, eo.model, out ? out : "-", &arows, &aerr);
        if (arc)
            cli_print_error("export", arc, &aerr);
        else if (out && !regio_output_is_stdout(out))
            fprintf(stderr, "regio: wrote %s associations to %s\n", CLI_COUNT(n, arows), out);
        regio_store_close(as);
        return arc ? CLI_FAIL : CLI_OK;
    }
    regio_export_what what;
    regio_export_format fmt;
    if (regio_export_what_parse(argv[optind], &what)) {
        fprintf(stderr, "regio export: unknown kind '%s'\n", argv[optind]);
        return CLI_USAGE;
    }
    /* Without --format the file's extension says it (hierarchy.csv is CSV);
     * else CSV, GeoJSON for territories. */
    if (!fmt_s && out)
        fmt_s = format_of_path(out);
    if (!fmt_s)
        fmt_s = what == REGIO_EXPORT_TERRITORIES ? "geojson" : "csv";
    if (regio_export_format_parse(fmt_s, &fmt)) {
        fprintf(stderr, "regio export: unknown format '%s' (csv, geojson, kml or shp)\n", fmt_s);
        return CLI_USAGE;
    }
    if (eo.model && (what == REGIO_EXPORT_REPS || what == REGIO_EXPORT_UNITS ||
                     what == REGIO_EXPORT_ADJACENCY)) {
        fprintf(stderr, "regio export: --model applies to accounts, alignment and territories\n");
        return CLI_USAGE;
    }
    if (fmt == REGIO_FORMAT_SHP && regio_output_is_stdout(out) && isatty(STDOUT_FILENO)) {
        fprintf(stderr, "regio export: a shapefile is binary; give --out FILE.shp (or a "
                        ".shp.zip), or redirect standard output\n");
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
    else if (out) {
        /* "3,107 alignment rows", "8,709 adjacency edges", "59 accounts" */
        const char *kind = argv[optind];
        const char *noun = !strcmp(kind, "alignment")   ? (rows == 1 ? "alignment row" : "alignment rows")
                           : !strcmp(kind, "adjacency") ? (rows == 1 ? "adjacency edge" : "adjacency edges")
                                                        : kind;
        char num[32];
        fprintf(stderr, "regio: wrote %s %s to %s\n",
                regio_format_number((double)rows, 0, num, sizeof num), noun,
                regio_output_is_stdout(out) ? "standard output" : out);
    }
    regio_store_close(s);
    return rc ? CLI_FAIL : CLI_OK;
}
