/*
 * `regio owners assign|types`: every account's owner becomes the owner
 * member of its primary territory in a model (the associated territory
 * whose territory type has the highest priority; lower number first),
 * with the accounts that get none listed with the reason; and the
 * territory types with their priorities. Types come in through
 * `regio import types FILE`, a territory's type through the `type`
 * column of `regio import territories`.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char usage_text[] =
    "usage: regio owners assign --model M [--dry-run] [--db PATH]\n"
    "       regio owners types [--db PATH]\n"
    "  assign  each account's owner becomes the active owner member (membership role\n"
    "          owner) of its primary territory in M: of the territories it is\n"
    "          associated with (geo, rule, manual), the one whose territory type has\n"
    "          the highest priority (the LOWEST number; untyped last), ties by name.\n"
    "          Named accounts (account type 'named') keep their owner. Accounts that\n"
    "          get no owner keep theirs and are listed with the reason.\n"
    "  types   the territory types by priority (regio import types FILE sets them)\n";

static int usage_error(const char *msg)
{
    if (msg)
        fprintf(stderr, "regio owners: %s\n", msg);
    fputs(usage_text, stderr);
    return CLI_USAGE;
}

static int fail(regio_err rc, const regio_error *err)
{
    char buf[2048];
    fprintf(stderr, "regio owners: %s\n",
            err->msg[0] ? regio_error_format(err, buf, sizeof buf) : regio_strerror(rc));
    return CLI_FAIL;
}

static const char *num(long v, char *buf, size_t cap)
{
    return regio_format_number((double)v, 0, buf, cap);
}

static int print_type(void *ud, const regio_territory_type *t)
{
    long *n = ud;
    if (!(*n)++)
        printf("%-8s  %-20s  %11s  %s\n", "priority", "type", "territories", "description");
    char c[32];
    printf("%8ld  %-20s  %11s  %s\n", t->priority, t->name, num(t->territories, c, sizeof c),
           t->description ? t->description : "");
    return 0;
}

static int cmd_types(regio_store *s)
{
    regio_error err;
    regio_error_clear(&err);
    long n = 0;
    regio_err rc = regio_store_types_foreach(s, print_type, &n, &err);
    if (rc)
        return fail(rc, &err);
    if (!n)
        printf("no territory types (regio import types FILE: name,priority,description)\n");
    return CLI_OK;
}

static int cmd_assign(regio_store *s, const char *model, int dry_run)
{
    regio_error err;
    regio_error_clear(&err);
    regio_owners_report rep;
    regio_err rc = regio_owners_assign(s, model, dry_run, "cli", &rep, &err);
    if (rc)
        return fail(rc, &err);
    char a[32], b[32], c[32], d[32], e[32];
    printf("%s of %s accounts from model '%s'\n", dry_run ? "dry run: owners" : "owners",
           num(rep.accounts, a, sizeof a), model);
    printf("  %s given the owner of their primary territory (%s %s), %s named account%s "
           "kept %s owner, %s without an owner\n",
           num(rep.assigned, b, sizeof b), num(rep.changed, c, sizeof c),
           dry_run ? "would change" : "changed", num(rep.named, d, sizeof d),
           rep.named == 1 ? "" : "s", rep.named == 1 ? "its" : "their",
           num(rep.without, e, sizeof e));
    if (rep.changed) {
        printf("%s:\n", dry_run ? "owners that would change" : "owners changed");
        for (size_t i = 0; i < rep.n_rows; i++) {
            const regio_owner_row *r = &rep.rows[i];
            if (r->after)
                printf("  %s  %s -> %s  (territory %s)\n", r->account,
                       r->before ? r->before : "(none)", r->after, r->territory);
        }
    }
    if (rep.without) {
        printf("accounts that get no owner (they keep the one they have):\n");
        for (size_t i = 0; i < rep.n_rows; i++) {
            const regio_owner_row *r = &rep.rows[i];
            if (r->reason)
                printf("  %s  %s\n", r->account, r->reason);
        }
    }
    if (dry_run)
        printf("nothing was written (--dry-run)\n");
    regio_owners_report_clear(&rep);
    return CLI_OK;
}

int cli_cmd_owners(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, 0, 'd'}, {"model", required_argument, 0, 'M'},
        {"dry-run", no_argument, 0, 'n'},  {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *db = NULL, *model = NULL;
    int dry_run = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'M': model = optarg; break;
        case 'n': dry_run = 1; break;
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        default: return usage_error(NULL);
        }
    }
    if (argc - optind != 1)
        return usage_error(NULL);
    const char *what = argv[optind];
    int assign = !strcmp(what, "assign"), types = !strcmp(what, "types");
    if (!assign && !types)
        return usage_error("unknown subcommand (assign or types)");
    if (assign && !model)
        return usage_error("assign needs --model M");
    if (types && (model || dry_run))
        return usage_error("types takes no --model or --dry-run");
    regio_store *s = cli_open_store(db);
    if (!s)
        return CLI_FAIL;
    int status = assign ? cmd_assign(s, model, dry_run) : cmd_types(s);
    regio_store_close(s);
    return status;
}
