/*
 * `regio rules list|run|delete`: a model's assignment rules (docs/ACCESS.md
 * rule 9) listed as text or as the CSV `regio import rules` reads, run
 * over every account (the rule associations of the model or of one
 * territory's subtree swapped in one transaction; --dry-run only reports
 * what would change per territory), or one rule deleted. Files of rules
 * come in through `regio import rules FILE --model M`.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char usage_text[] =
    "usage: regio rules list --model M [--territory T] [--format text|csv] [--out FILE]\n"
    "       regio rules run --model M [--territory T] [--dry-run] [--quiet]\n"
    "       regio rules delete --model M --territory T --rule NAME\n"
    "  list    the rules of the model (or of territory T), as text or as the CSV\n"
    "          regio import rules reads\n"
    "  run     match every account against the rules and swap the model's rule\n"
    "          associations (those of T and its descendants with --territory) for the\n"
    "          matches in one transaction; manual and geo associations stay.\n"
    "          --dry-run prints what would be added and removed per territory\n"
    "  delete  remove one rule (its associations stay until the next run)\n"
    "  --model M     the territory model (default: the active model)\n"
    "  --db PATH     store file (default $REGIO_DB or ./regio.db)\n"
    "Rules come in with regio import rules FILE --model M (docs/FORMATS.md).\n";

static int usage_error(const char *msg)
{
    if (msg)
        fprintf(stderr, "regio rules: %s\n", msg);
    fputs(usage_text, stderr);
    return CLI_USAGE;
}

static int fail(regio_err rc, const regio_error *err)
{
    char buf[2048];
    fprintf(stderr, "regio rules: %s\n",
            err->msg[0] ? regio_error_format(err, buf, sizeof buf) : regio_strerror(rc));
    return CLI_FAIL;
}

static const char *num(long v, char *buf, size_t cap)
{
    return regio_format_number((double)v, 0, buf, cap);
}

/* ---- list ------------------------------------------------------------------------ */

typedef struct list_ctx {
    long rules;
    const char *last_terr;
    char terr[256];
    long territories;
} list_ctx;

static int print_rule(void *ud, const regio_rule_info *r)
{
    list_ctx *c = ud;
    c->rules++;
    if (strcmp(c->terr, r->territory) != 0) {
        snprintf(c->terr, sizeof c->terr, "%s", r->territory);
        c->territories++;
    }
    printf("%s / %s  (rule %ld%s%s)\n", r->territory, r->name, r->id,
           r->inherit ? "; inherited by descendants" : "", r->active ? "" : "; inactive");
    printf("  logic  %s\n", r->logic ? r->logic : "all criteria (AND)");
    for (int i = 0; i < r->n_criteria; i++)
        printf("  %d  %s %s '%s'\n", i + 1, r->criteria[i].field, r->criteria[i].op,
               r->criteria[i].value ? r->criteria[i].value : "");
    return 0;
}

static int cmd_list(regio_store *s, const char *model, const char *territory, const char *format,
                    const char *out)
{
    regio_error err;
    regio_error_clear(&err);
    regio_err rc;
    if (!strcmp(format, "csv")) {
        size_t rows = 0;
        char n[32];
        rc = regio_rules_export(s, model, territory, out ? out : "-", &rows, &err);
        if (rc)
            return fail(rc, &err);
        if (out && !regio_output_is_stdout(out))
            fprintf(stderr, "regio: wrote %s criteria to %s\n", CLI_COUNT(n, rows), out);
        return CLI_OK;
    }
    list_ctx c;
    memset(&c, 0, sizeof c);
    rc = regio_store_rules_foreach(s, model, territory, print_rule, &c, &err);
    if (rc)
        return fail(rc, &err);
    char a[32], b[32];
    printf("%s rule%s in %s territor%s\n", num(c.rules, a, sizeof a), c.rules == 1 ? "" : "s",
           num(c.territories, b, sizeof b), c.territories == 1 ? "y" : "ies");
    return CLI_OK;
}

/* ---- run ---------------------------------------------------------------------------- */

static int cmd_run(regio_store *s, const char *model, const char *territory, int dry_run,
                   int quiet)
{
    regio_error err;
    regio_error_clear(&err);
    regio_rules_run_opts o = {model, territory, dry_run, "cli"};
    regio_rules_report rep;
    regio_err rc = regio_rules_run(s, &o, &rep, &err);
    if (rc)
        return fail(rc, &err);
    if (quiet) {
        regio_rules_report_clear(&rep);
        return CLI_OK;
    }
    char a[32], b[32], c[32], d[32];
    char m[300];
    if (model)
        snprintf(m, sizeof m, "model '%s'", model);
    else
        snprintf(m, sizeof m, "the active model");
    if (territory)
        printf("%s rules of %s over territory '%s' and its descendants\n",
               dry_run ? "dry run: the" : "ran the", m, territory);
    else
        printf("%s rules of %s\n", dry_run ? "dry run: the" : "ran the", m);
    printf("  %s active rule%s; %s of %s territories take part; %s accounts", num(rep.rules, a, sizeof a),
           rep.rules == 1 ? "" : "s", num(rep.with_rules, b, sizeof b),
           num(rep.territories, c, sizeof c), num(rep.accounts, d, sizeof d));
    if (rep.excluded)
        printf(" (%s excluded from realignment get none)", num(rep.excluded, a, sizeof a));
    printf("\n");
    printf("  rule associations: %s %s, %s %s, %s kept; %s after the run\n",
           num(rep.added, a, sizeof a), dry_run ? "to add" : "added",
           num(rep.removed, b, sizeof b), dry_run ? "to remove" : "removed",
           num(rep.kept, c, sizeof c), num(rep.matched, d, sizeof d));
    if (rep.n_changes) {
        size_t w = strlen("territory");
        for (size_t i = 0; i < rep.n_changes; i++)
            if (strlen(rep.changes[i].territory) > w)
                w = strlen(rep.changes[i].territory);
        printf("  %-*s  %9s  %9s  %9s\n", (int)w, "territory", dry_run ? "to add" : "added",
               dry_run ? "to remove" : "removed", "after");
        for (size_t i = 0; i < rep.n_changes; i++) {
            const regio_rules_territory_change *ch = &rep.changes[i];
            printf("  %-*s  %9s  %9s  %9s\n", (int)w, ch->territory, num(ch->added, a, sizeof a),
                   num(ch->removed, b, sizeof b), num(ch->matched, c, sizeof c));
        }
    } else {
        printf("  no territory changes\n");
    }
    if (dry_run)
        printf("  nothing was written (--dry-run)\n");
    regio_rules_report_clear(&rep);
    return CLI_OK;
}

/* ---- delete --------------------------------------------------------------------------- */

typedef struct find_ctx {
    const char *name;
    long id;
} find_ctx;

static int find_rule(void *ud, const regio_rule_info *r)
{
    find_ctx *f = ud;
    if (!strcmp(r->name, f->name))
        f->id = r->id;
    return 0;
}

static int cmd_delete(regio_store *s, const char *model, const char *territory, const char *rule)
{
    regio_error err;
    regio_error_clear(&err);
    find_ctx f = {rule, 0};
    regio_err rc = regio_store_rules_foreach(s, model, territory, find_rule, &f, &err);
    if (rc)
        return fail(rc, &err);
    if (!f.id) {
        fprintf(stderr, "regio rules: territory '%s' has no rule named '%s'\n", territory, rule);
        return CLI_FAIL;
    }
    if ((rc = regio_store_rule_delete(s, model, f.id, "cli", &err)))
        return fail(rc, &err);
    printf("deleted rule '%s' of territory '%s' (its rule associations stay until the next "
           "regio rules run)\n",
           rule, territory);
    return CLI_OK;
}

int cli_cmd_rules(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, 0, 'd'},        {"model", required_argument, 0, 'M'},
        {"territory", required_argument, 0, 't'}, {"dry-run", no_argument, 0, 'n'},
        {"format", required_argument, 0, 'f'},    {"out", required_argument, 0, 'o'},
        {"rule", required_argument, 0, 'r'},      {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},            {0, 0, 0, 0}};
    const char *db = NULL, *model = NULL, *territory = NULL, *format = "text", *out = NULL,
               *rule = NULL;
    int dry_run = 0, quiet = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'M': model = optarg; break;
        case 't': territory = optarg; break;
        case 'n': dry_run = 1; break;
        case 'f': format = optarg; break;
        case 'o': out = optarg; break;
        case 'r': rule = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        default: return usage_error(NULL);
        }
    }
    if (argc - optind != 1)
        return usage_error(NULL);
    const char *what = argv[optind];
    int list = !strcmp(what, "list"), run = !strcmp(what, "run"), del = !strcmp(what, "delete");
    if (!list && !run && !del)
        return usage_error("unknown subcommand (list, run or delete)");
    if (dry_run && !run)
        return usage_error("--dry-run is for run");
    if ((strcmp(format, "text") != 0 || out) && !list)
        return usage_error("--format and --out are for list");
    if (strcmp(format, "text") != 0 && strcmp(format, "csv") != 0)
        return usage_error("--format is text or csv");
    if (out && strcmp(format, "csv") != 0)
        return usage_error("--out writes the CSV: add --format csv");
    if (del && (!territory || !rule))
        return usage_error("delete needs --territory T and --rule NAME");
    if (rule && !del)
        return usage_error("--rule is for delete");
    regio_store *s = cli_open_store(db);
    if (!s)
        return CLI_FAIL;
    int status = list  ? cmd_list(s, model, territory, format, out)
                 : run ? cmd_run(s, model, territory, dry_run, quiet)
                       : cmd_delete(s, model, territory, rule);
    regio_store_close(s);
    return status;
}
