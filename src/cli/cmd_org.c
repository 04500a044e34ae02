/*
 * `regio org`: the organisation edited one change at a time, as the API's
 * organisation endpoints and the app's tree do — a model's territory tree
 * with its levels, reps and members; a role; a territory moved, renamed or
 * given another level; a membership added or removed; an account
 * associated with a territory by hand or no longer. Files of many changes
 * go through `regio import roles|users|territories|memberships|
 * associations`. Every rule and check is the library's.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define ACTOR "cli"
#define MAX_TERR 100000

static const char usage_text[] =
    "usage: regio org tree [--model M] [--db PATH]\n"
    "       regio org role NAME [--parent P] [--db PATH]\n"
    "       regio org territory T [--model M] [--parent P | --root] [--access read|edit|owner]\n"
    "                             [--name N] [--db PATH]\n"
    "       regio org member add|remove --user U --territory T --role R [--model M]\n"
    "                             [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--inactive] [--db PATH]\n"
    "       regio org associate|dissociate --account A --territory T [--model M] [--db PATH]\n"
    "--model defaults to the active model. Roles of a membership: owner, rep, overlay,\n"
    "manager, admin. Whole files: regio import roles|users|territories|memberships|associations.\n";

typedef struct opts {
    const char *db, *model, *parent, *access, *name, *user, *territory, *role, *start, *end,
        *account;
    int root, inactive;
} opts;

static int usage_error(const char *msg)
{
    if (msg)
        fprintf(stderr, "regio org: %s\n", msg);
    fputs(usage_text, stderr);
    return CLI_USAGE;
}

static int fail(regio_err rc, const regio_error *err)
{
    char buf[2048];
    fprintf(stderr, "regio org: %s\n",
            err->msg[0] ? regio_error_format(err, buf, sizeof buf) : regio_strerror(rc));
    return CLI_FAIL;
}

/* ---- tree ---------------------------------------------------------------------- */

typedef struct terr {
    char id[128], parent[128], level[8], rep[128];
    int has_parent;
} terr;

typedef struct tree {
    terr *t;
    int n;
    regio_buf members; /* "territory\tline\n" records */
} tree;

static int on_territory(void *ud, const regio_territory_info *ti)
{
    tree *tr = ud;
    if (tr->n >= MAX_TERR)
        return 1;
    terr *x = &tr->t[tr->n++];
    snprintf(x->id, sizeof x->id, "%s", ti->id);
    x->has_parent = ti->parent != NULL;
    snprintf(x->parent, sizeof x->parent, "%s", ti->parent ? ti->parent : "");
    snprintf(x->level, sizeof x->level, "%s", ti->account_access ? ti->account_access : "read");
    snprintf(x->rep, sizeof x->rep, "%s", ti->rep ? ti->rep : "");
    return 0;
}

static int on_member(void *ud, const regio_membership_info *m)
{
    tree *tr = ud;
    regio_buf_printf(&tr->members, "%s\t%s (%s%s%s%s%s%s)\n", m->territory, m->user, m->role,
                     m->active ? "" : ", inactive", m->start ? ", from " : "",
                     m->start ? m->start : "", m->end ? ", until " : "", m->end ? m->end : "");
    return 0;
}

static void print_node(const tree *tr, int i, int depth)
{
    const terr *x = &tr->t[i];
    printf("%*s%s  [%s]%s%s", depth * 2, "", x->id, x->level, x->rep[0] ? "  rep " : "", x->rep);
    /* members of this territory */
    const char *p = tr->members.data;
    size_t n = strlen(x->id);
    int first = 1;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        if (!strncmp(p, x->id, n) && p[n] == '\t') {
            printf("%s%.*s", first ? "  members: " : "; ", (int)(nl - p - (long)n - 1), p + n + 1);
            first = 0;
        }
        p = nl ? nl + 1 : NULL;
    }
    printf("\n");
    for (int c = 0; c < tr->n; c++)
        if (tr->t[c].has_parent && !strcmp(tr->t[c].parent, x->id))
            print_node(tr, c, depth + 1);
}

static int cmd_tree(regio_store *s, const opts *o)
{
    tree tr = {regio_calloc(MAX_TERR, sizeof(terr)), 0, {0}};
    regio_buf_init(&tr.members, 0);
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = tr.t ? REGIO_OK : REGIO_ENOMEM;
    if (!rc)
        rc = regio_store_territories_foreach(s, o->model, on_territory, &tr, &err);
    if (!rc)
        rc = regio_store_memberships_foreach(s, o->model, on_member, &tr, &err);
    if (!rc)
        for (int i = 0; i < tr.n; i++)
            if (!tr.t[i].has_parent)
                print_node(&tr, i, 0);
    regio_free(tr.t);
    regio_buf_free(&tr.members);
    return rc ? fail(rc, &err) : CLI_OK;
}

/* ---- entry ----------------------------------------------------------------------- */

int cli_cmd_org(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},        {"model", required_argument, NULL, 'm'},
        {"parent", required_argument, NULL, 'p'},    {"root", no_argument, NULL, 'R'},
        {"access", required_argument, NULL, 'a'},    {"name", required_argument, NULL, 'n'},
        {"user", required_argument, NULL, 'u'},      {"territory", required_argument, NULL, 't'},
        {"role", required_argument, NULL, 'r'},      {"start", required_argument, NULL, 's'},
        {"end", required_argument, NULL, 'e'},       {"inactive", no_argument, NULL, 'i'},
        {"account", required_argument, NULL, 'A'},   {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    opts o = {0};
    if (argc < 2)
        return usage_error(NULL);
    const char *verb = argv[1];
    if (!strcmp(verb, "--help") || !strcmp(verb, "-h")) {
        fputs(usage_text, stdout);
        return CLI_OK;
    }
    int member = !strcmp(verb, "member");
    const char *sub = NULL;
    optind = 2;
    if (member) {
        if (argc < 3 || (strcmp(argv[2], "add") && strcmp(argv[2], "remove")))
            return usage_error("regio org member add|remove ...");
        sub = argv[2];
        optind = 3;
    }
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': o.db = optarg; break;
        case 'm': o.model = optarg; break;
        case 'p': o.parent = optarg; break;
        case 'R': o.root = 1; break;
        case 'a': o.access = optarg; break;
        case 'n': o.name = optarg; break;
        case 'u': o.user = optarg; break;
        case 't': o.territory = optarg; break;
        case 'r': o.role = optarg; break;
        case 's': o.start = optarg; break;
        case 'e': o.end = optarg; break;
        case 'i': o.inactive = 1; break;
        case 'A': o.account = optarg; break;
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        default: return usage_error(NULL);
        }
    }
    char **args = argv + optind;
    int nargs = argc - optind;
    int takes_name = !strcmp(verb, "role") || !strcmp(verb, "territory");
    if (strcmp(verb, "tree") && !takes_name && !member && strcmp(verb, "associate") &&
        strcmp(verb, "dissociate"))
        return usage_error("unknown verb");
    if (nargs != (takes_name ? 1 : 0))
        return usage_error(takes_name ? "give one name" : "unexpected argument");
    if (member && (!o.user || !o.territory || !o.role))
        return usage_error("member needs --user, --territory and --role");
    if ((!strcmp(verb, "associate") || !strcmp(verb, "dissociate")) && (!o.account || !o.territory))
        return usage_error("associate and dissociate need --account and --territory");
    if (o.root && o.parent)
        return usage_error("--parent and --root exclude each other");
    regio_store *s = cli_open_store(o.db);
    if (!s)
        return CLI_FAIL;
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = REGIO_OK;
    int status = CLI_OK;
    if (!strcmp(verb, "tree")) {
        status = cmd_tree(s, &o);
    } else if (!strcmp(verb, "role")) {
        if (!(rc = regio_store_role_upsert(s, args[0], o.parent, ACTOR, &err)))
            printf("role %s%s%s\n", args[0], o.parent ? " reports to " : " is a root",
                   o.parent ? o.parent : "");
    } else if (!strcmp(verb, "territory")) {
        if (!o.parent && !o.root && !o.access && !o.name)
            status = usage_error("say what changes: --parent, --root, --access or --name");
        else if (!(rc = regio_store_territory_edit(s, o.model, args[0], o.name,
                                                   o.parent || o.root, o.parent, o.access,
                                                   ACTOR, &err)))
            printf("territory %s changed\n", args[0]);
    } else if (member) {
        regio_membership_info m = {o.user, o.territory, o.role, !o.inactive, o.start, o.end, NULL};
        rc = !strcmp(sub, "add")
                 ? regio_store_membership_upsert(s, o.model, &m, ACTOR, &err)
                 : regio_store_membership_remove(s, o.model, o.user, o.territory, o.role, ACTOR,
                                                 &err);
        if (!rc)
            printf("%s %s the %s membership in %s\n", o.user,
                   !strcmp(sub, "add") ? "holds" : "no longer holds", o.role, o.territory);
    } else {
        int add = !strcmp(verb, "associate");
        if (!(rc = regio_store_association_set(s, o.model, o.account, o.territory, add, ACTOR,
                                               &err)))
            printf("account %s %s territory %s by hand\n", o.account,
                   add ? "is associated with" : "is no longer associated with", o.territory);
    }
    if (rc)
        status = fail(rc, &err);
    regio_store_close(s);
    return status;
}
