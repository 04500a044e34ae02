/*
 * `regio access check`: the level a user has on an account (docs/ACCESS.md),
 * answered by the same library function the server asks on every request.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char usage_text[] =
    "usage: regio access check --user USER --account ACCOUNT [--at YYYY-MM-DD] [--explain]\n"
    "                          [--db PATH]\n"
    "       regio access check --pairs PAIRS.csv [--at YYYY-MM-DD] --out LEVELS.csv [--db PATH]\n"
    "The single check prints the level (none, read, edit or owner) as the first word;\n"
    "--explain adds every grant behind it. --pairs reads user,account rows and writes\n"
    "user,account,level. --at is the day memberships and the model in force are taken\n"
    "for (default today, UTC).\n";

static int usage_error(const char *msg)
{
    if (msg)
        fprintf(stderr, "regio access: %s\n", msg);
    fputs(usage_text, stderr);
    return CLI_USAGE;
}

static int print_grant(void *ud, const regio_access_grant *g)
{
    (void)ud;
    printf("  %-5s ", regio_access_level_name(g->level));
    if (!strcmp(g->kind, "permission")) {
        printf("permission %s\n", g->permission);
        return 0;
    }
    if (!strcmp(g->kind, "owner"))
        printf("account owner %s", g->via_user);
    else
        printf("territory %s (%s) via %s's %s membership in %s", g->territory, g->cause,
               g->via_user, g->member_role, g->membership);
    if (g->via_roles)
        printf(", rolled up through roles %s", g->via_roles);
    printf("\n");
    return 0;
}

int cli_cmd_access(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},    {"user", required_argument, NULL, 'u'},
        {"account", required_argument, NULL, 'a'}, {"at", required_argument, NULL, 't'},
        {"pairs", required_argument, NULL, 'p'}, {"out", required_argument, NULL, 'o'},
        {"explain", no_argument, NULL, 'x'},     {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *db = NULL, *user = NULL, *account = NULL, *at = NULL, *pairs = NULL,
               *out = NULL;
    int explain = 0;
    if (argc < 2)
        return usage_error(NULL);
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage_text, stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "check") != 0)
        return usage_error("unknown verb (only `check`)");
    optind = 2;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'u': user = optarg; break;
        case 'a': account = optarg; break;
        case 't': at = optarg; break;
        case 'p': pairs = optarg; break;
        case 'o': out = optarg; break;
        case 'x': explain = 1; break;
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        default: return usage_error(NULL);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument");
    if (pairs ? (user || account || explain || !out) : (!user || !account || out))
        return usage_error(pairs ? "--pairs takes --out (and not --user, --account, --explain)"
                                 : "give --user and --account (or --pairs and --out)");
    regio_store *s = cli_open_store(db);
    if (!s)
        return CLI_FAIL;
    regio_error err;
    regio_error_clear(&err);
    regio_access *a = NULL;
    regio_err rc = regio_access_load(s, at, &a, &err);
    int status = CLI_OK;
    if (rc) {
        cli_print_error("access", rc, &err);
        status = rc == REGIO_EINVAL ? CLI_USAGE : CLI_FAIL;
    } else if (pairs) {
        long n = 0;
        if ((rc = regio_access_check_pairs(a, pairs, out, &n, &err))) {
            cli_print_error("access", rc, &err);
            status = CLI_FAIL;
        } else if (!regio_output_is_stdout(out)) {
            char nn[32];
            fprintf(stderr, "regio access: %s pairs answered for %s (model in force: %s) -> %s\n",
                    CLI_COUNT(nn, n), regio_access_day(a),
                    regio_access_model(a) ? regio_access_model(a) : "none", out);
        }
    } else {
        long u = regio_access_user(a, user), i = regio_access_account(a, account);
        regio_access_level lv = regio_access_level_of(a, u, i);
        printf("%s  user %s on account %s (%s; model in force: %s)%s%s\n",
               regio_access_level_name(lv), user, account, regio_access_day(a),
               regio_access_model(a) ? regio_access_model(a) : "none",
               u < 0 ? "; no such user" : "", i < 0 ? "; no such account" : "");
        if (explain && (rc = regio_access_explain(a, u, i, print_grant, NULL, &lv, &err))) {
            cli_print_error("access", rc, &err);
            status = CLI_FAIL;
        } else if (explain && lv == REGIO_LEVEL_NONE) {
            printf("  (no grant: no ownership, membership or permission reaches this account)\n");
        }
    }
    regio_access_free(a);
    regio_store_close(s);
    return status;
}
