/*
 * `regio audit`: read the hash-chained audit log and verify the chain.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char usage_text[] =
    "usage: regio audit list [--since YYYY-MM-DD[THH:MM:SS]] [--user USER] [--db PATH]\n"
    "       regio audit verify [--db PATH]\n"
    "verify recomputes every record's SHA-256 chain and names the first record that\n"
    "does not match (exit 1).\n";

static int usage_error(const char *msg)
{
    if (msg)
        fprintf(stderr, "regio audit: %s\n", msg);
    fputs(usage_text, stderr);
    return CLI_USAGE;
}

static int print_record(void *ud, const regio_audit_record *r)
{
    long *n = ud;
    (*n)++;
    printf("%-6ld %s  %-12s %-20s %s %s", r->id, r->ts, r->actor ? r->actor : "-", r->action,
           r->object_type ? r->object_type : "-", r->object_id ? r->object_id : "-");
    if (r->before)
        printf("  before %s", r->before);
    if (r->after)
        printf("  after %s", r->after);
    printf("\n");
    return 0;
}

static int count_record(void *ud, const regio_audit_record *r)
{
    (void)r;
    (*(long *)ud)++;
    return 0;
}

int cli_cmd_audit(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"since", required_argument, NULL, 's'},
                                             {"user", required_argument, NULL, 'u'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *db = NULL, *since = NULL, *user = NULL;
    if (argc < 2)
        return usage_error(NULL);
    const char *verb = argv[1];
    if (!strcmp(verb, "--help") || !strcmp(verb, "-h")) {
        fputs(usage_text, stdout);
        return CLI_OK;
    }
    if (strcmp(verb, "list") && strcmp(verb, "verify"))
        return usage_error("unknown verb (list or verify)");
    optind = 2;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 's': since = optarg; break;
        case 'u': user = optarg; break;
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        default: return usage_error(NULL);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument");
    if (!strcmp(verb, "verify") && (since || user))
        return usage_error("verify checks the whole chain (no --since or --user)");
    regio_store *s = cli_open_store(db);
    if (!s)
        return CLI_FAIL;
    regio_error err;
    regio_error_clear(&err);
    long n = 0, bad = 0;
    char nb[32];
    int status = CLI_OK;
    regio_err rc;
    if (!strcmp(verb, "list")) {
        rc = regio_store_audit_foreach(s, since, user, print_record, &n, &err);
        if (!rc)
            fprintf(stderr, "regio audit: %s record%s\n", CLI_COUNT(nb, n), n == 1 ? "" : "s");
    } else {
        rc = regio_store_audit_verify(s, &bad, &err);
        if (rc == REGIO_EDATA && bad) {
            printf("audit log broken at record %ld: %s\n", bad, err.msg);
            status = CLI_FAIL;
            rc = REGIO_OK;
        } else if (!rc && !(rc = regio_store_audit_foreach(s, NULL, NULL, count_record, &n,
                                                           &err))) {
            printf("audit log intact: %s record%s, every hash matches its chain\n",
                   CLI_COUNT(nb, n), n == 1 ? "" : "s");
        }
    }
    if (rc) {
        cli_print_error("audit", rc, &err);
        status = rc == REGIO_EINVAL ? CLI_USAGE : CLI_FAIL;
    }
    regio_store_close(s);
    return status;
}
