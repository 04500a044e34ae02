/*
 * `regio migrate --from LOC --to LOC`: copies a whole store into a new,
 * empty one (SQLite file to PostgreSQL and back) through
 * regio_store_migrate, then prints each table's rows in both stores and
 * what the check found.
 */
#include "cli/cli.h"
#include "cli/progress.h"

#include "regio/migrate.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: regio migrate --from STORE --to STORE\n"
    "Copies every table, row and column of the store STORE (a file path or a\n"
    "postgresql://user@host:port/database URI, as --db takes it) into an empty store\n"
    "of either kind: ids, timestamps, the audit chain, users' password hashes, API\n"
    "tokens and sessions as they are. The target is created when it does not exist\n"
    "and must hold nothing yet; both are migrated to this Regio's schema first. The\n"
    "copy is one transaction, verified before it commits: every table's rows counted\n"
    "and hashed again as the target holds them, the audit chain recomputed there.\n"
    "Exit 0 when the copy is made and checks, 1 otherwise (the target left empty;\n"
    "a target file this command created is removed).\n";

static int usage_error(const char *msg)
{
    fprintf(stderr, "regio migrate: %s\n", msg);
    fputs(usage, stderr);
    return CLI_USAGE;
}

static void print_report(const regio_copy_report *r, const char *from, const char *to)
{
    char a[32], b[32];
    printf("copied %s to %s (schema version %d)\n\n", from, to, r->schema_version);
    printf("%-22s %12s %12s\n", "table", "source rows", "target rows");
    long long target = 0;
    for (size_t i = 0; i < r->n_tables; i++) {
        const regio_copy_table *t = &r->tables[i];
        printf("%-22s %12s %12s\n", t->name, CLI_COUNT(a, t->source_rows),
               CLI_COUNT(b, t->target_rows));
        target += t->target_rows;
    }
    printf("%-22s %12s %12s\n\n", "total", CLI_COUNT(a, r->rows), CLI_COUNT(b, target));
    printf("check: every table's rows counted and hashed again in the target: identical\n");
    if (r->audit_records)
        printf("audit chain: %s records, verified in the target, head %.16s... as in the "
               "source\n",
               CLI_COUNT(a, r->audit_records), r->audit_head);
    else
        printf("audit chain: empty in both\n");
}

int cli_cmd_migrate(int argc, char **argv)
{
    static const struct option longopts[] = {{"from", required_argument, NULL, 'f'},
                                             {"to", required_argument, NULL, 't'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *from = NULL, *to = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': from = optarg; break;
        case 't': to = optarg; break;
        case 'h': fputs(usage, stdout); return CLI_OK;
        default: fputs(usage, stderr); return CLI_USAGE;
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument (the stores are --from STORE and --to STORE)");
    if (!from || !*from || !to || !*to)
        return usage_error("--from STORE and --to STORE are required");
    char shown_from[512], shown_to[512];
    regio_store_location_shown(from, shown_from, sizeof shown_from);
    regio_store_location_shown(to, shown_to, sizeof shown_to);
    regio_error err;
    regio_error_clear(&err);
    regio_copy_report rep;
    cli_progress prog;
    int tty = cli_progress_start(&prog);
    regio_err rc =
        regio_store_migrate(from, to, tty ? cli_progress_print : NULL, &prog, &rep, &err);
    cli_progress_clear(&prog);
    if (rc) {
        cli_print_error("migrate", rc, &err);
        fprintf(stderr, "regio migrate: nothing was copied into %s\n", shown_to);
        regio_copy_report_free(&rep);
        return rc == REGIO_EINVAL ? CLI_USAGE : CLI_FAIL;
    }
    print_report(&rep, shown_from, shown_to);
    regio_copy_report_free(&rep);
    return CLI_OK;
}
