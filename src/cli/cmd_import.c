/*
 * `regio import accounts|reps|units FILE` and the organisation's `regio
 * import roles|users FILE`, `regio import territories|memberships|
 * associations FILE --model M`, `regio import salesforce DIR --model M`
 * (a folder of regio export salesforce): loads a file into the store in one
 * transaction and prints what landed. Bad input prints file, line, field
 * and problem, exits 1, and leaves the store as it was.
 */
#include "cli/cli.h"
#include "cli/cmd_import_potential.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: regio import accounts|reps|units FILE [options]\n"
            "       regio import roles|users FILE [options]\n"
            "       regio import territories FILE --model M [options]\n"
            "       regio import memberships|associations FILE [--model M] [options]\n"
            "       regio import rules FILE [--model M] [options]\n"
            "       regio import types FILE [options]\n"
            "       regio import sales|quotas|activities FILE [options]\n"
            "       regio import salesforce DIR --model M [options]\n"
            "       regio import potential --cities | FILE [--weight COLUMN] (see --help)\n"
            "\n"
            "  --db PATH            store file (default $REGIO_DB or ./regio.db)\n"
            "  --map SOURCE=FIELD   map a column to a canonical field (repeatable);\n"
            "                       FIELD '-' drops it, 'attr:NAME' keeps it as custom\n"
            "  --sep C              CSV separator: ',' ';' or 'tab' (default: detect)\n"
            "  --skip-invalid       reject bad rows instead of failing the import\n"
            "                       (accounts, reps, units)\n"
            "  --rejects FILE       with --skip-invalid: write rejected rows and reasons\n"
            "  --dry-run            validate and count, change nothing\n"
            "  --no-geocode         do not place records that lack coordinates\n"
            "  --gazetteer PATH     gazetteer file (default: the installed one)\n"
            "  --country C          country of records that give none and whose state is\n"
            "                       no US state (code or name, e.g. US); this import only\n"
            "territories, memberships, associations, rules, salesforce:\n"
            "  --model M            the territory model (territories: created as a\n"
            "                       planning model when new; others: default the active one)\n"
            "units only:\n"
            "  --adjacency FILE     CSV of neighbour pairs a,b (default: derived)\n"
            "  --layer NAME         layer of a multi-layer file (default: largest)\n"
            "  --id-field NAME      property holding the unit id (default: detect)\n"
            "  --name-field NAME    property holding the unit name (default: detect)\n"
            "  --where SQL          import only features matching an OGR attribute filter\n"
            "  --skip-empty         skip features whose geometry is empty (they are listed)\n"
            "  --delaunay-max-km K  drop derived point-adjacency edges longer than K\n"
            "  --quiet              print nothing on success\n");
}

static void print_summary(const char *what, const char *path, const regio_import_summary *s,
                          int dry_run, int org)
{
    char n[6][32];
    printf("%s %s from %s: %s rows\n", dry_run ? "checked" : "imported", what, path,
           CLI_COUNT(n[0], s->rows));
    if (org) {
        printf("  added %s, updated %s, unchanged %s\n%s", CLI_COUNT(n[0], s->added),
               CLI_COUNT(n[1], s->updated), CLI_COUNT(n[2], s->unchanged), s->notes);
        return;
    }
    printf("  added %s, updated %s, unchanged %s, rejected %s\n", CLI_COUNT(n[0], s->added),
           CLI_COUNT(n[1], s->updated), CLI_COUNT(n[2], s->unchanged),
           CLI_COUNT(n[3], s->rejected));
    if (strcmp(what, "units") != 0) {
        printf("  coordinates: %s given, %s geocoded by postal code, %s by city, %s not placed",
               CLI_COUNT(n[0], s->coords_given), CLI_COUNT(n[1], s->geocoded_postal),
               CLI_COUNT(n[2], s->geocoded_city), CLI_COUNT(n[3], s->not_placed));
        if (s->not_placed) {
            printf(" (");
            for (size_t i = 0; i < s->not_placed && i < REGIO_IMPORT_SAMPLE_IDS; i++)
                printf("%s%s", i ? ", " : "", s->not_placed_ids[i]);
            printf(s->not_placed > REGIO_IMPORT_SAMPLE_IDS ? ", ...)" : ")");
        }
        printf("\n");
        if (s->postal_restored)
            printf("  US ZIP codes restored (leading zeros a spreadsheet dropped): %s\n",
                   CLI_COUNT(n[0], s->postal_restored));
        if (s->places_filled)
            printf("  city or state filled from the gazetteer: %s\n",
                   CLI_COUNT(n[0], s->places_filled));
    } else {
        if (s->layer[0])
            printf("  layer: %s\n", s->layer);
        printf("  adjacency: %s edges (%s shared borders, %s given, %s Delaunay, %s island "
               "links)\n",
               CLI_COUNT(n[0], s->edges), CLI_COUNT(n[1], s->edges_border),
               CLI_COUNT(n[2], s->edges_given), CLI_COUNT(n[3], s->edges_delaunay),
               CLI_COUNT(n[4], s->island_links));
        if (s->repaired) {
            printf("  repaired %s invalid geometries (", CLI_COUNT(n[0], s->repaired));
            for (size_t i = 0; i < s->repaired && i < REGIO_IMPORT_SAMPLE_IDS; i++)
                printf("%s%s", i ? ", " : "", s->repaired_ids[i]);
            printf(s->repaired > REGIO_IMPORT_SAMPLE_IDS ? ", ...)\n" : ")\n");
        }
    }
    if (s->located)
        printf("  accounts placed into units: %s\n", CLI_COUNT(n[0], s->located));
    if (s->notes[0])
        printf("%s", s->notes);
}

/* A Salesforce folder: each file with what it brought. */
static void print_salesforce(const char *dir, const char *model,
                             const regio_sf_import_summary *s, int dry_run)
{
    printf("%s salesforce folder %s into model '%s':\n", dry_run ? "checked" : "imported", dir,
           model);
    for (int f = 0; f < REGIO_SF_FILE_COUNT_; f++) {
        const regio_import_summary *x = &s->files[f];
        const char *name = regio_sf_file_name((regio_sf_file)f);
        char n[4][32];
        if (f == REGIO_SF_ACCOUNT_OWNERS)
            printf("  %s: not read (owners come with the accounts, or from regio owners "
                   "assign)\n", name);
        else if (f == REGIO_SF_ASSIGNMENT_RULE_ITEM || f == REGIO_SF_RULE_TERRITORY2)
            printf("  %s: %s rows\n", name, CLI_COUNT(n[0], x->rows));
        else
            printf("  %s: %s rows; %sadded %s, updated %s, unchanged %s\n", name,
                   CLI_COUNT(n[0], x->rows), f == REGIO_SF_ASSIGNMENT_RULE ? "rules " : "",
                   CLI_COUNT(n[1], x->added), CLI_COUNT(n[2], x->updated),
                   CLI_COUNT(n[3], x->unchanged));
        if (f != REGIO_SF_ASSIGNMENT_RULE && x->notes[0])
            printf("  %s", x->notes);
    }
}

/* Rejected rows (--skip-invalid): the first ones on screen, all of them in
 * the --rejects file. */
typedef struct rejected {
    size_t n;
} rejected;

enum { REJECTS_SHOWN = 10 };

static void on_reject(void *ud, long line, const char *reason)
{
    rejected *r = ud;
    if (r->n++ < REJECTS_SHOWN)
        fprintf(stderr, "regio import: rejected line %ld: %s\n", line, reason);
}

int cli_cmd_import(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, 0, 'd'},        {"map", required_argument, 0, 'm'},
        {"sep", required_argument, 0, 's'},       {"skip-invalid", no_argument, 0, 'k'},
        {"rejects", required_argument, 0, 'r'},   {"dry-run", no_argument, 0, 'n'},
        {"no-geocode", no_argument, 0, 'G'},      {"gazetteer", required_argument, 0, 'g'},
        {"adjacency", required_argument, 0, 'a'}, {"layer", required_argument, 0, 'l'},
        {"id-field", required_argument, 0, 'i'},  {"name-field", required_argument, 0, 'N'},
        {"delaunay-max-km", required_argument, 0, 'D'}, {"where", required_argument, 0, 'w'},
        {"skip-empty", no_argument, 0, 'E'}, {"quiet", no_argument, 0, 'q'},
        {"country", required_argument, 0, 'C'},   {"model", required_argument, 0, 'M'},
        {"help", no_argument, 0, 'h'},            {0, 0, 0, 0}};
    const char *db = NULL, *gaz_path = NULL, *model = NULL;
    const char **maps = NULL;
    size_t n_maps = 0;
    int no_geocode = 0, quiet = 0;
    regio_units_import_opts uo;
    memset(&uo, 0, sizeof uo);
    regio_import_opts *o = &uo.base;
    if (argc > 1 && !strcmp(argv[1], "potential"))
        return cli_import_potential(argc - 1, argv + 1); /* options of its own */
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'm': {
            const char **nm = realloc(maps, (n_maps + 1) * sizeof *nm);
            if (!nm) {
                free(maps);
                return CLI_FAIL;
            }
            maps = nm;
            maps[n_maps++] = optarg;
            break;
        }
        case 's':
            if (!strcmp(optarg, "tab") || !strcmp(optarg, "\\t"))
                o->sep = '\t';
            else if (strlen(optarg) == 1 && strchr(",;\t|", optarg[0]))
                o->sep = optarg[0];
            else {
                fprintf(stderr, "regio import: --sep takes ',', ';', '|' or 'tab'\n");
                free(maps);
                return CLI_USAGE;
            }
            break;
        case 'k': o->skip_invalid = 1; break;
        case 'r': o->rejects_path = optarg; break;
        case 'n': o->dry_run = 1; break;
        case 'G': no_geocode = 1; break;
        case 'g': gaz_path = optarg; break;
        case 'C': o->default_country = optarg; break;
        case 'M': model = optarg; break;
        case 'a': uo.adjacency_path = optarg; break;
        case 'l': uo.layer = optarg; break;
        case 'i': uo.id_field = optarg; break;
        case 'N': uo.name_field = optarg; break;
        case 'w': uo.where = optarg; break;
        case 'E': uo.skip_empty = 1; break;
        case 'D': {
            char *end;
            uo.delaunay_max_km = strtod(optarg, &end);
            if (*end || end == optarg) {
                fprintf(stderr, "regio import: --delaunay-max-km needs a number\n");
                free(maps);
                return CLI_USAGE;
            }
            break;
        }
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); free(maps); return CLI_OK;
        default: usage(stderr); free(maps); return CLI_USAGE;
        }
    }
    if (argc - optind != 2) {
        usage(stderr);
        free(maps);
        return CLI_USAGE;
    }
    const char *what = argv[optind], *path = argv[optind + 1];
    int is_acc = !strcmp(what, "accounts"), is_rep = !strcmp(what, "reps"),
        is_unit = !strcmp(what, "units");
    /* The organisation: 0 not, 1 without a model, 2 in a model. */
    int results = !strcmp(what, "sales") || !strcmp(what, "quotas") ||
                  !strcmp(what, "activities");
    int org = !strcmp(what, "roles") || !strcmp(what, "users") || !strcmp(what, "types") ||
                      results
                  ? 1
              : !strcmp(what, "territories") || !strcmp(what, "memberships") ||
                      !strcmp(what, "associations") || !strcmp(what, "rules") ||
                      !strcmp(what, "salesforce")
                  ? 2
                  : 0;
    if (!is_acc && !is_rep && !is_unit && !org) {
        fprintf(stderr, "regio import: unknown kind '%s' (accounts, reps, units, roles, users, "
                        "territories, memberships, associations, rules, types, salesforce, sales, "
                        "quotas or activities)\n",
                what);
        free(maps);
        return CLI_USAGE;
    }
    const char *misuse = model && org != 2 ? "--model is for territories, memberships, "
                                             "associations, rules and salesforce"
                         : !model && !strcmp(what, "territories")
                             ? "territories need --model M (the model is created as a planning "
                               "model when it does not exist)"
                         : !model && !strcmp(what, "salesforce")
                             ? "salesforce needs --model M (the model is created as a planning "
                               "model when it does not exist)"
                         : org && o->skip_invalid
                             ? "--skip-invalid is for accounts, reps and units: an import of the "
                               "organisation is all or nothing"
                             : NULL;
    if (misuse) {
        fprintf(stderr, "regio import: %s\n", misuse);
        free(maps);
        return CLI_USAGE;
    }
    o->maps = maps;
    o->n_maps = n_maps;
    rejected rj = {0};
    o->on_reject = on_reject;
    o->reject_ud = &rj;
    regio_error err;
    regio_error_clear(&err);
    regio_gazetteer *gaz = NULL;
    regio_store *s = NULL;
    regio_err rc = REGIO_OK;
    if (!is_unit && !org && !no_geocode) {
        rc = regio_gazetteer_open(gaz_path, &gaz, &err);
        if (rc && gaz_path) {
            cli_print_error("gazetteer", rc, &err);
            free(maps);
            return CLI_FAIL;
        }
        if (rc) {
            /* No installed gazetteer: import anyway; records without
             * coordinates stay unplaced and the summary counts them. */
            char buf[2048];
            fprintf(stderr, "regio: warning: no gazetteer, records without coordinates stay "
                            "unplaced: %s\n", regio_error_format(&err, buf, sizeof buf));
            regio_error_clear(&err);
            rc = REGIO_OK;
        }
        o->gazetteer = gaz;
    }
    rc = regio_store_open(cli_db_path(db), &s, &err);
    if (rc) {
        cli_print_error("store", rc, &err);
        regio_gazetteer_close(gaz);
        free(maps);
        return CLI_FAIL;
    }
    regio_import_summary sum;
    regio_sf_import_summary sf;
    int is_sf = !strcmp(what, "salesforce");
    if (is_sf)
        rc = regio_import_salesforce(s, path, model, o, &sf, &err);
    else if (is_acc)
        rc = regio_import_accounts(s, path, o, &sum, &err);
    else if (is_rep)
        rc = regio_import_reps(s, path, o, &sum, &err);
    else if (is_unit)
        rc = regio_import_units(s, path, &uo, &sum, &err);
    else if (!strcmp(what, "roles"))
        rc = regio_import_roles(s, path, o, &sum, &err);
    else if (!strcmp(what, "users"))
        rc = regio_import_users(s, path, o, &sum, &err);
    else if (!strcmp(what, "territories"))
        rc = regio_import_territories(s, path, model, o, &sum, &err);
    else if (!strcmp(what, "memberships"))
        rc = regio_import_memberships(s, path, model, o, &sum, &err);
    else if (!strcmp(what, "rules"))
        rc = regio_import_rules(s, path, model, o, &sum, &err);
    else if (!strcmp(what, "types"))
        rc = regio_import_types(s, path, o, &sum, &err);
    else if (!strcmp(what, "sales"))
        rc = regio_import_sales(s, path, o, &sum, &err);
    else if (!strcmp(what, "quotas"))
        rc = regio_import_quotas(s, path, o, &sum, &err);
    else if (!strcmp(what, "activities"))
        rc = regio_import_activities(s, path, o, &sum, &err);
    else
        rc = regio_import_associations(s, path, model, o, &sum, &err);
    if (rc) {
        cli_print_error("import failed, nothing was changed", rc, &err);
    } else if (!quiet && is_sf) {
        print_salesforce(path, model, &sf, o->dry_run);
    } else if (!quiet) {
        print_summary(what, path, &sum, o->dry_run, org != 0);
    }
    char more[32];
    if (!rc && rj.n > REJECTS_SHOWN)
        fprintf(stderr, "regio import: ... %s more rejected rows (%s)\n",
                CLI_COUNT(more, rj.n - REJECTS_SHOWN),
                o->rejects_path ? "all of them are in the --rejects file"
                                : "--rejects FILE lists all of them with their reasons");
    regio_store_close(s);
    regio_gazetteer_close(gaz);
    free(maps);
    return rc ? CLI_FAIL : CLI_OK;
}
