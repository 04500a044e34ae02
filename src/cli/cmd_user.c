/*
 * `regio user`: the people who sign in — add, list, passwd, disable,
 * enable, token, tokens, revoke. Passwords are hashed and tokens created by
 * the library (regio/auth.h); the store audits every change.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define ACTOR "cli"

static const char usage_text[] =
    "usage: regio user add USERNAME [--name N] [--email E] [--role R] [--permissions P1;P2]\n"
    "                      [--password-stdin] [--db PATH]\n"
    "       regio user list [--format text|csv] [--db PATH]\n"
    "       regio user passwd USERNAME [--password-stdin] [--db PATH]\n"
    "       regio user disable USERNAME [--db PATH]\n"
    "       regio user enable USERNAME [--db PATH]\n"
    "       regio user token USERNAME [--label TEXT] [--db PATH]\n"
    "       regio user tokens [USERNAME] [--db PATH]\n"
    "       regio user revoke USERNAME TOKEN_ID [--db PATH]\n"
    "Permissions: manage_territories, view_all, modify_all (';'-separated).\n"
    "A password (at least 12 characters) is read from standard input with\n"
    "--password-stdin (its first line), else asked for on the terminal.\n"
    "`token` prints the new API token as the last word of its output; it is\n"
    "shown once (only its hash is stored).\n";

typedef struct opts {
    const char *db, *name, *email, *role, *perms, *label, *format;
    int password_stdin;
} opts;

static int usage_error(const char *msg)
{
    if (msg)
        fprintf(stderr, "regio user: %s\n", msg);
    fputs(usage_text, stderr);
    return CLI_USAGE;
}

static int fail(const char *verb, regio_err rc, const regio_error *err)
{
    char buf[2048];
    fprintf(stderr, "regio user %s: %s\n", verb,
            err->msg[0] ? regio_error_format(err, buf, sizeof buf) : regio_strerror(rc));
    return CLI_FAIL;
}

/* Reads one line (without its newline) into buf; 0 at end of input. */
static int read_line(FILE *f, char *buf, size_t cap)
{
    if (!fgets(buf, (int)cap, f))
        return 0;
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    return 1;
}

/* The new password: stdin's first line, or asked twice on the terminal. */
static int get_password(const opts *o, char *pw, size_t cap)
{
    if (o->password_stdin || !isatty(STDIN_FILENO)) {
        if (!read_line(stdin, pw, cap)) {
            fprintf(stderr, "regio user: no password on standard input\n");
            return 0;
        }
        return 1;
    }
    struct termios old, quiet;
    tcgetattr(STDIN_FILENO, &old);
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    char again[1100];
    fputs("New password: ", stderr);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    int ok = read_line(stdin, pw, cap);
    fputs("\nRepeat it: ", stderr);
    ok = ok && read_line(stdin, again, sizeof again);
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    fputs("\n", stderr);
    if (ok && strcmp(pw, again) != 0) {
        fprintf(stderr, "regio user: the two passwords differ\n");
        ok = 0;
    }
    memset(again, 0, sizeof again);
    return ok;
}

static int set_password(regio_store *s, const char *login, const opts *o)
{
    char pw[1100];
    if (!get_password(o, pw, sizeof pw))
        return CLI_FAIL;
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = regio_user_set_password(s, login, pw, ACTOR, &err);
    memset(pw, 0, sizeof pw);
    return rc ? fail("passwd", rc, &err) : CLI_OK;
}

static int found_cb(void *ud, const regio_user_info *u)
{
    (void)u;
    *(int *)ud = 1;
    return 0;
}

static int cmd_add(regio_store *s, const char *login, const opts *o)
{
    regio_error err;
    regio_error_clear(&err);
    unsigned perms = 0;
    regio_err rc = regio_perm_parse(o->perms, &perms, &err);
    if (rc)
        return fail("add", rc, &err);
    int exists = 0;
    rc = regio_store_users_foreach(s, login, found_cb, &exists, &err);
    if (rc && rc != REGIO_ENOTFOUND)
        return fail("add", rc, &err);
    if (exists) {
        fprintf(stderr,
                "regio user add: user '%s' already exists (change it with `regio import "
                "users`, `regio user passwd` or `regio user disable`)\n",
                login);
        return CLI_FAIL;
    }
    char pw[1100] = "";
    if (o->password_stdin && !get_password(o, pw, sizeof pw))
        return CLI_FAIL;
    /* One transaction: the user and their password, or neither. */
    regio_error_clear(&err);
    rc = regio_store_begin(s, &err);
    regio_user_info u = {login, o->name, o->email, o->role, perms, 1, 0, 0};
    if (!rc)
        rc = regio_store_user_upsert(s, &u, ACTOR, NULL, &err);
    if (!rc && o->password_stdin)
        rc = regio_user_set_password(s, login, pw, ACTOR, &err);
    memset(pw, 0, sizeof pw);
    if (!rc)
        rc = regio_store_commit(s, &err);
    if (rc) {
        regio_store_rollback(s, NULL);
        return fail("add", rc, &err);
    }
    printf("user %s added%s\n", login, o->password_stdin ? " with a password" : "");
    return CLI_OK;
}

static int list_cb(void *ud, const regio_user_info *u)
{
    const opts *o = ud;
    char perms[64];
    regio_perm_format(u->perms, perms, sizeof perms);
    if (o->format && !strcmp(o->format, "csv")) {
        /* Quoted as CSV needs, so that `regio import users` reads it back. */
        regio_buf b;
        regio_buf_init(&b, 0);
        const char *cells[5] = {u->login, u->name, u->email, u->role, perms};
        for (int i = 0; i < 5; i++) {
            if (i)
                regio_buf_putc(&b, ',');
            regio_buf_csv_field(&b, cells[i] ? cells[i] : "", ',');
        }
        regio_buf_printf(&b, ",%s,%s,%ld\n", u->active ? "yes" : "no",
                         u->has_password ? "yes" : "no", u->tokens);
        fputs(b.data ? b.data : "", stdout);
        regio_buf_free(&b);
    } else
        printf("%-20s %-24s %-16s %-8s %-9s %6ld  %s\n", u->login, u->name ? u->name : "-",
               u->role ? u->role : "-", u->active ? "active" : "disabled",
               u->has_password ? "password" : "-", u->tokens, perms[0] ? perms : "-");
    return 0;
}

static int token_cb(void *ud, const regio_token_info *t)
{
    (void)ud;
    printf("%-6ld %-20s %-24s %-24s %-24s %s\n", t->id, t->user, t->label ? t->label : "-",
           t->created_at, t->last_used_at ? t->last_used_at : "never",
           t->revoked ? "revoked" : "live");
    return 0;
}

int cli_cmd_user(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},    {"name", required_argument, NULL, 'n'},
        {"email", required_argument, NULL, 'e'}, {"role", required_argument, NULL, 'r'},
        {"permissions", required_argument, NULL, 'p'},
        {"label", required_argument, NULL, 'l'}, {"format", required_argument, NULL, 'f'},
        {"password-stdin", no_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    opts o = {0};
    if (argc < 2)
        return usage_error(NULL);
    const char *verb = argv[1];
    if (!strcmp(verb, "--help") || !strcmp(verb, "-h")) {
        fputs(usage_text, stdout);
        return CLI_OK;
    }
    optind = 2;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': o.db = optarg; break;
        case 'n': o.name = optarg; break;
        case 'e': o.email = optarg; break;
        case 'r': o.role = optarg; break;
        case 'p': o.perms = optarg; break;
        case 'l': o.label = optarg; break;
        case 'f': o.format = optarg; break;
        case 's': o.password_stdin = 1; break;
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        default: return usage_error(NULL);
        }
    }
    char **args = argv + optind;
    int nargs = argc - optind;
    int need = !strcmp(verb, "list") ? 0 : !strcmp(verb, "tokens") ? -1
               : !strcmp(verb, "revoke")                          ? 2
                                                                  : 1;
    static const char *const verbs[] = {"add",   "list",  "passwd", "disable",
                                        "enable", "token", "tokens", "revoke"};
    int known = 0;
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        known |= !strcmp(verb, verbs[i]);
    if (!known)
        return usage_error("unknown verb");
    if ((need >= 0 && nargs != need) || (need < 0 && nargs > 1))
        return usage_error("wrong number of arguments");
    if (o.format && strcmp(o.format, "text") && strcmp(o.format, "csv"))
        return usage_error("--format is text or csv");
    regio_store *s = cli_open_store(o.db);
    if (!s)
        return CLI_FAIL;
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = REGIO_OK;
    int status = CLI_OK;
    if (!strcmp(verb, "add")) {
        status = cmd_add(s, args[0], &o);
    } else if (!strcmp(verb, "list")) {
        if (o.format && !strcmp(o.format, "csv"))
            printf("username,name,email,role,permissions,active,password,tokens\n");
        else
            printf("%-20s %-24s %-16s %-8s %-9s %6s  %s\n", "username", "name", "role", "state",
                   "password", "tokens", "permissions");
        if ((rc = regio_store_users_foreach(s, NULL, list_cb, &o, &err)))
            status = fail(verb, rc, &err);
    } else if (!strcmp(verb, "passwd")) {
        int exists = 0;
        if ((rc = regio_store_users_foreach(s, args[0], found_cb, &exists, &err)))
            status = fail(verb, rc, &err);
        else if ((status = set_password(s, args[0], &o)) == CLI_OK)
            printf("password of %s changed; their sessions ended\n", args[0]);
    } else if (!strcmp(verb, "disable") || !strcmp(verb, "enable")) {
        int on = !strcmp(verb, "enable");
        if ((rc = regio_store_user_set_active(s, args[0], on, ACTOR, &err)))
            status = fail(verb, rc, &err);
        else
            printf("user %s %s\n", args[0], on ? "enabled" : "disabled; their sessions ended");
    } else if (!strcmp(verb, "token")) {
        char *token = NULL;
        long id = 0;
        if ((rc = regio_auth_token_create(s, args[0], o.label, ACTOR, &token, &id, &err))) {
            status = fail(verb, rc, &err);
        } else {
            printf("API token %ld for %s (shown once; send it as 'Authorization: Bearer "
                   "TOKEN'): %s\n",
                   id, args[0], token);
            memset(token, 0, strlen(token));
            regio_free(token);
        }
    } else if (!strcmp(verb, "tokens")) {
        int exists = 0;
        if (nargs && (rc = regio_store_users_foreach(s, args[0], found_cb, &exists, &err))) {
            status = fail(verb, rc, &err);
        } else {
            printf("%-6s %-20s %-24s %-24s %-24s %s\n", "id", "username", "label", "created",
                   "last used", "state");
            if ((rc = regio_store_tokens_foreach(s, nargs ? args[0] : NULL, token_cb, NULL,
                                                 &err)))
                status = fail(verb, rc, &err);
        }
    } else { /* revoke */
        char *end = NULL;
        long id = strtol(args[1], &end, 10);
        if (!*args[1] || *end || id <= 0)
            status = usage_error("TOKEN_ID is the number `regio user tokens` lists");
        else if ((rc = regio_store_token_revoke(s, args[0], id, ACTOR, &err)))
            status = fail(verb, rc, &err);
        else
            printf("token %ld of %s revoked\n", id, args[0]);
    }
    regio_store_close(s);
    return status;
}
