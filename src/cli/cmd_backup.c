/*
 * `regio backup --out FILE`, `regio restore FILE` and `regio check [FILE]`:
 * an online, checked copy of the store; a restore that refuses a file
 * failing its check and keeps the store it replaces; the check itself
 * (integrity, foreign keys, the audit chain, orphans, sales blocks, account
 * columns). One file for the three: they share their options and their
 * library header.
 */
#include "cli/cli.h"
#include "cli/progress.h"

#include "regio/backup.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char backup_usage[] =
    "usage: regio backup --out FILE [--db PATH]\n"
    "Copies the store to FILE while others may keep writing: the copy is the store as\n"
    "it was when the backup began. It is written beside FILE, checked (as regio check\n"
    "does) and only then renamed to FILE. Exit 1 when it fails (FILE untouched).\n";

static const char restore_usage[] =
    "usage: regio restore FILE [--db PATH]\n"
    "Replaces the store with the backup FILE. Refuses (exit 1, nothing changed) a file\n"
    "that is not a Regio store, has a newer schema or fails regio check, and a store\n"
    "another process has open (stop regio serve first). The replaced store is kept as\n"
    "STORE.before-restore-<UTC time>.\n";

static const char check_usage[] =
    "usage: regio check [--db PATH | FILE]\n"
    "Checks a store (the current one, or a backup FILE) without changing it: SQLite's\n"
    "integrity_check and foreign_key_check, the audit log's hash chain, rows that point\n"
    "at what does not exist, the sales blocks against the sales lines. Prints each\n"
    "problem as 'kind: what'; exit 0 when there is none, 1 otherwise. On a PostgreSQL\n"
    "store (--db postgresql://...), whose integrity and foreign keys PostgreSQL keeps,\n"
    "the audit chain, the sales blocks and the accounts' packed columns.\n";

typedef struct opts {
    const char *db, *out, *file;
} opts;

/* Parses --db, --out (when usage mentions it) and at most one FILE;
 * returns -1 to go on, else the exit status. */
static int parse(int argc, char **argv, const char *name, const char *usage, opts *o)
{
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': o->db = optarg; break;
        case 'o': o->out = optarg; break;
        case 'h': fputs(usage, stdout); return CLI_OK;
        default: fputs(usage, stderr); return CLI_USAGE;
        }
    }
    const char *msg = NULL;
    if (argc - optind > 1)
        msg = "one FILE only";
    else if (argc - optind == 1)
        o->file = argv[optind];
    if (!msg && o->out && !strstr(usage, "--out"))
        msg = "unknown option --out";
    if (msg) {
        fprintf(stderr, "regio %s: %s\n", name, msg);
        fputs(usage, stderr);
        return CLI_USAGE;
    }
    return -1;
}

static int usage_error(const char *name, const char *msg, const char *usage)
{
    fprintf(stderr, "regio %s: %s\n", name, msg);
    fputs(usage, stderr);
    return CLI_USAGE;
}

static int fail(const char *name, regio_err rc, const regio_error *err)
{
    cli_print_error(name, rc, err);
    return rc == REGIO_EINVAL ? CLI_USAGE : CLI_FAIL;
}

int cli_cmd_backup(int argc, char **argv)
{
    opts o = {0};
    int st = parse(argc, argv, "backup", backup_usage, &o);
    if (st >= 0)
        return st;
    if (o.file || !o.out || !*o.out)
        return usage_error("backup", o.file ? "unexpected argument (--out FILE)"
                                            : "--out FILE is required",
                           backup_usage);
    regio_store *s = cli_open_store(o.db);
    if (!s)
        return CLI_FAIL;
    regio_error err;
    regio_error_clear(&err);
    cli_progress prog;
    int tty = cli_progress_start(&prog);
    regio_err rc = regio_store_backup(s, o.out, tty ? cli_progress_print : NULL, &prog, &err);
    cli_progress_clear(&prog);
    regio_store_close(s);
    if (rc)
        return fail("backup", rc, &err);
    printf("backed up %s to %s (checked)\n", cli_db_path(o.db), o.out);
    return CLI_OK;
}

int cli_cmd_restore(int argc, char **argv)
{
    opts o = {0};
    int st = parse(argc, argv, "restore", restore_usage, &o);
    if (st >= 0)
        return st;
    if (!o.file)
        return usage_error("restore", "the backup FILE is required", restore_usage);
    const char *path = cli_db_path(o.db);
    regio_error err;
    regio_error_clear(&err);
    char kept[4400];
    regio_err rc = regio_store_restore(path, o.file, kept, sizeof kept, &err);
    if (rc)
        return fail("restore", rc, &err);
    printf("restored %s from %s\n", path, o.file);
    if (kept[0])
        printf("the previous store is kept as %s\n", kept);
    return CLI_OK;
}

static int print_problem(void *ud, const char *kind, const char *detail)
{
    (void)ud;
    printf("%s: %s\n", kind, detail);
    return 0;
}

int cli_cmd_check(int argc, char **argv)
{
    opts o = {0};
    int st = parse(argc, argv, "check", check_usage, &o);
    if (st >= 0)
        return st;
    if (o.file && o.db)
        return usage_error("check", "one store only (--db PATH or FILE)", check_usage);
    const char *path = o.file ? o.file : cli_db_path(o.db);
    char shown[512]; /* a postgresql:// location without its password */
    regio_store_location_shown(path, shown, sizeof shown);
    regio_error err;
    regio_error_clear(&err);
    long problems = 0;
    regio_err rc = regio_store_check_file(path, print_problem, NULL, &problems, &err);
    if (rc)
        return fail("check", rc, &err);
    if (problems) {
        char n[32];
        printf("%s: %s problem%s found\n", shown, CLI_COUNT(n, problems), problems == 1 ? "" : "s");
        return CLI_FAIL;
    }
    printf("%s: ok (integrity, foreign keys, audit chain, orphans, sales blocks, account columns)\n", shown);
    return CLI_OK;
}
