/*
 * `regio challenge`: reps challenge, managers decide (docs/ACCESS.md). What
 * a planning model changes for a member of the model in force, a challenge
 * of one change with a reason, the challenges a user sees, and their
 * approval (the counter-move through the model's revision guard),
 * rejection or withdrawal; a model's automatic approval. Every rule is the
 * library's (regio/challenge.h), the same the server applies. The command
 * line signs nobody in: whoever may open the store acts as --user.
 */
#include "cli/cli.h"

#include "regio/challenge.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_text[] =
    "usage: regio challenge changes --model PLAN --user USER [--format text|json] [--db PATH]\n"
    "       regio challenge raise --model PLAN --user USER (--unit UNIT | --account ACCOUNT)\n"
    "                             --reason TEXT [--db PATH]\n"
    "       regio challenge list [--user USER] [--model PLAN] [--status STATE|all]\n"
    "                            [--format text|json] [--db PATH]\n"
    "       regio challenge approve ID --user USER [--note TEXT] [--revision N] [--db PATH]\n"
    "       regio challenge reject ID --user USER --note TEXT [--db PATH]\n"
    "       regio challenge withdraw ID --user USER [--note TEXT] [--db PATH]\n"
    "       regio challenge auto --model PLAN [--on [--tolerance SHARE] | --off] [--db PATH]\n"
    "changes, raise, list, approve, reject and withdraw take --at YYYY-MM-DD: the day whose\n"
    "memberships and model in force count (default today, UTC).\n"
    "changes: the units and accounts PLAN moves into or out of USER's territories (their\n"
    "current memberships in the model in force, and what lies below them). raise challenges\n"
    "one of them; a manager of the territory (role manager on it or above it) or a user with\n"
    "manage_territories approves it (the unit or account goes back where the model in force\n"
    "has it; --revision, default the current one, guards PLAN) or rejects it with a note; its\n"
    "author may withdraw it while it is open. list shows what USER sees (default STATE open);\n"
    "without --user every challenge. auto: with --on a challenge is approved at once when\n"
    "the counter-move keeps every territory within the model's balance tolerance (--tolerance,\n"
    "default 0.05) on the balanced measure.\n"
    "The command line signs nobody in: whoever may open the store acts as --user, the rules\n"
    "are applied to that user and the audit log names them.\n"
    "The store is --db, else $REGIO_DB, else regio.db.\n";

typedef struct opts {
    const char *verb, *db, *model, *user, *unit, *account, *reason, *note, *status, *format;
    const char *at; /* the day, or NULL: today */
    long id;
    long revision; /* -1: the current one */
    int on, off;
    double tolerance; /* 0: keep */
} opts;

static int usage_error(const char *verb, const char *what)
{
    fprintf(stderr, "regio challenge%s%s: %s (see regio challenge --help)\n", verb ? " " : "",
            verb ? verb : "", what);
    return CLI_USAGE;
}

static int fail(const opts *o, regio_err rc, const regio_error *err)
{
    char buf[2048];
    const char *msg = err && err->msg[0] ? regio_error_format(err, buf, sizeof buf)
                                         : regio_strerror(rc);
    fprintf(stderr, "regio challenge %s: %s\n", o->verb, msg);
    return CLI_FAIL;
}

/* ---- the store, the units and the two models ------------------------------------ */

typedef struct loaded {
    regio_store *store;
    regio_design_problem *units;
    regio_model_view *in_force, *plan;
} loaded;

static void loaded_close(loaded *l)
{
    regio_model_view_destroy(l->plan);
    regio_model_view_destroy(l->in_force);
    regio_design_problem_destroy(l->units);
    regio_store_close(l->store);
    memset(l, 0, sizeof *l);
}

/* Opens the store and loads the units, the model in force (with_in_force)
 * and plan (NULL: none). Prints the error and returns CLI_FAIL on failure,
 * with nothing left open. */
static int load(const opts *o, int with_in_force, const char *plan, loaded *l)
{
    memset(l, 0, sizeof *l);
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = regio_store_open(cli_db_path(o->db), &l->store, &err);
    regio_model_info in_force;
    memset(&in_force, 0, sizeof in_force);
    if (!rc && with_in_force) {
        char today[11];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(today, sizeof today, "%Y-%m-%d", &tm);
        rc = regio_store_model_in_force(l->store, o->at ? o->at : today, &in_force, &err);
        if (rc == REGIO_ENOTFOUND)
            regio_error_setf(&err, rc, NULL, 0, NULL,
                             "no territory model is in force on %s: there is nothing to "
                             "compare with",
                             o->at ? o->at : today);
    }
    if (!rc && plan) {
        regio_model_info m;
        memset(&m, 0, sizeof m);
        rc = regio_store_model_find(l->store, plan, &m, &err);
        regio_model_info_clear(&m);
    }
    if (!rc)
        rc = regio_design_problem_load_units(l->store, 0, &l->units, &err);
    if (!rc && with_in_force)
        rc = regio_model_view_load(l->store, l->units, in_force.name, -1, &l->in_force, &err);
    if (!rc && plan)
        rc = regio_model_view_load(l->store, l->units, plan, -1, &l->plan, &err);
    regio_model_info_clear(&in_force);
    if (rc) {
        fail(o, rc, &err);
        loaded_close(l);
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* ---- changes -------------------------------------------------------------------- */

static const char *direction(const regio_change *it)
{
    return it->from_mine && it->to_mine ? "within" : it->from_mine ? "out" : "in";
}

static void print_changes_text(const regio_changes *c)
{
    char a[64], b[64];
    printf("%s changes for %s (their territories in %s; %s at revision %ld):\n", c->plan,
           c->user, c->in_force, c->plan, c->revision);
    if (!c->n_territories)
        printf("  %s holds no current membership in %s\n", c->user, c->in_force);
    for (size_t i = 0; i < c->n_territories; i++) {
        const regio_change_territory *t = &c->territories[i];
        int named = t->name && strcmp(t->name, t->id) != 0;
        printf("  %s%s%s%s:", t->id, named ? " (" : "", named ? t->name : "", named ? ")" : "");
        if (!t->in_plan)
            printf(" not in %s;", c->plan);
        for (size_t k = 0; k < c->m; k++) {
            regio_format_measure(c->measure_names[k], t->before[k], a, sizeof a);
            regio_format_measure(c->measure_names[k], t->after[k], b, sizeof b);
            printf(" %s %s -> %s%s", c->measure_names[k], a, b, k + 1 < c->m ? "," : ";");
        }
        char n[4][32];
        printf(" units in %s, out %s; accounts in %s, out %s\n",
               regio_format_number((double)t->units_in, 0, n[0], sizeof n[0]),
               regio_format_number((double)t->units_out, 0, n[1], sizeof n[1]),
               regio_format_number((double)t->accounts_in, 0, n[2], sizeof n[2]),
               regio_format_number((double)t->accounts_out, 0, n[3], sizeof n[3]));
    }
    if (!c->n) {
        printf("no unit or account moves into or out of them\n");
        return;
    }
    printf("%s change%s:\n", regio_format_number((double)c->n, 0, a, sizeof a),
           c->n == 1 ? "" : "s");
    for (size_t i = 0; i < c->n; i++) {
        const regio_change *it = &c->items[i];
        printf("  %-7s %s%s%s%s  %s -> %s  %s ", it->is_account ? "account" : "unit", it->id,
               it->name ? " (" : "", it->name ? it->name : "", it->name ? ")" : "",
               it->from ? it->from : "(none)", it->to ? it->to : "(none)", direction(it));
        for (size_t k = 0; k < c->m; k++) {
            regio_format_measure(c->measure_names[k], it->measures[k], a, sizeof a);
            printf(" %s %s", c->measure_names[k], a);
        }
        if (it->challenge)
            printf("  [challenge %ld %s]", it->challenge,
                   regio_challenge_state_name(it->challenge_state));
        printf("\n");
    }
}

/* The library's JSON (the API's answer), indented for people. */
static int print_changes_json(const loaded *l, const regio_changes *c)
{
    regio_buf b;
    regio_buf_init(&b, 0);
    json_t *v = regio_changes_json(c, l->in_force, l->plan, &b)
                    ? NULL
                    : json_loads(b.data, 0, NULL);
    regio_buf_free(&b);
    char *text = v ? json_dumps(v, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) : NULL;
    json_decref(v);
    if (!text)
        return CLI_FAIL;
    puts(text);
    free(text);
    return CLI_OK;
}

static int cmd_changes(const opts *o)
{
    loaded l;
    if (load(o, 1, o->model, &l))
        return CLI_FAIL;
    regio_error err;
    regio_error_clear(&err);
    regio_changes *c = NULL;
    regio_err rc = regio_challenge_changes(l.store, l.in_force, l.plan, o->user, o->at, &c, &err);
    int status = rc ? fail(o, rc, &err)
                 : o->format && !strcmp(o->format, "json") ? print_changes_json(&l, c)
                                                            : (print_changes_text(c), CLI_OK);
    regio_changes_free(c);
    loaded_close(&l);
    return status;
}

/* ---- raise, approve, reject, withdraw --------------------------------------------- */

static int cmd_raise(const opts *o)
{
    loaded l;
    if (load(o, 1, o->model, &l))
        return CLI_FAIL;
    regio_error err;
    regio_error_clear(&err);
    long id = 0;
    int automatic = 0;
    regio_err rc = regio_challenge_raise(l.store, l.in_force, l.plan, o->user, o->at, o->unit,
                                         o->account, o->reason, &id, &automatic, NULL, &err);
    int status = CLI_OK;
    if (rc)
        status = fail(o, rc, &err);
    else if (automatic)
        printf("challenge %ld by %s: %s %s; approved automatically, moved back (%s revision "
               "%ld)\n",
               id, o->user, o->unit ? "unit" : "account", o->unit ? o->unit : o->account,
               l.plan->model, l.plan->revision);
    else
        printf("challenge %ld by %s: %s %s in %s, open\n", id, o->user,
               o->unit ? "unit" : "account", o->unit ? o->unit : o->account, l.plan->model);
    loaded_close(&l);
    return status;
}

/* The model of challenge id (a copy), or NULL when there is none. */
static int on_model_of(void *ud, const regio_challenge *c)
{
    *(char **)ud = strdup(c->model);
    return 1;
}

static int cmd_close(const opts *o, regio_challenge_state to)
{
    regio_error err;
    regio_error_clear(&err);
    char *model = NULL;
    loaded l;
    memset(&l, 0, sizeof l);
    if (to == REGIO_CHALLENGE_APPROVED) {
        /* The counter-move needs the challenge's model loaded. */
        regio_store *s = cli_open_store(o->db);
        if (!s)
            return CLI_FAIL;
        regio_err rc = regio_store_challenges_foreach(s, NULL, o->id, on_model_of, &model, &err);
        regio_store_close(s);
        if (rc && rc != REGIO_ECANCELLED)
            return fail(o, rc, &err);
    }
    if (load(o, 0, model, &l)) {
        free(model);
        return CLI_FAIL;
    }
    long rev = -1;
    regio_challenge_outcome outcome = REGIO_CHALLENGE_DONE;
    regio_err rc = regio_challenge_close(l.store, l.plan, o->id, o->user, o->at, to, o->note,
                                         o->revision, &rev, &outcome, &err);
    int status = CLI_OK;
    if (rc)
        status = fail(o, rc, &err);
    else if (to == REGIO_CHALLENGE_APPROVED)
        printf("challenge %ld approved by %s; %s at revision %ld\n", o->id, o->user, model, rev);
    else
        printf("challenge %ld %s by %s\n", o->id, regio_challenge_state_name(to), o->user);
    free(model);
    loaded_close(&l);
    return status;
}

/* ---- list ------------------------------------------------------------------------- */

typedef struct listing {
    int json;
    json_t *arr;
    long n;
} listing;

static int on_listed(void *ud, const regio_challenge *c, const regio_challenge_rights *r)
{
    listing *l = ud;
    l->n++;
    if (l->json) {
        regio_buf b;
        regio_buf_init(&b, 0);
        json_t *v = regio_challenge_json(c, r, &b) ? NULL : json_loads(b.data, 0, NULL);
        regio_buf_free(&b);
        json_array_append_new(l->arr, v ? v : json_null());
        return 0;
    }
    printf("%ld  %s  %s  %s %s  %s -> %s  by %s: %s\n", c->id, regio_challenge_state_name(c->state),
           c->model, c->unit ? "unit" : "account", c->unit ? c->unit : c->account,
           c->from ? c->from : "(none)", c->to ? c->to : "(none)", c->raised_by, c->reason);
    if (c->auto_approved)
        printf("    approved automatically%s%s\n", c->note ? ": " : "", c->note ? c->note : "");
    else if (c->state != REGIO_CHALLENGE_OPEN)
        printf("    %s%s%s%s%s\n", regio_challenge_state_name(c->state),
               c->decided_by ? " by " : "", c->decided_by ? c->decided_by : "",
               c->note ? ": " : "", c->note ? c->note : "");
    else if (r->may_decide || r->may_withdraw)
        printf("    you may %s\n", r->may_decide ? "approve or reject it" : "withdraw it");
    return 0;
}

static int cmd_list(const opts *o)
{
    int state = REGIO_CHALLENGE_OPEN;
    if (o->status && !strcmp(o->status, "all"))
        state = -1;
    else if (o->status && (state = regio_challenge_state_parse(o->status)) < 0)
        return usage_error("list", "--status is open, approved, rejected, withdrawn or all");
    regio_store *s = cli_open_store(o->db);
    if (!s)
        return CLI_FAIL;
    listing l = {o->format && !strcmp(o->format, "json"), json_array(), 0};
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = regio_challenges_list(s, o->user, o->at, o->model, state, on_listed, &l, &err);
    regio_store_close(s);
    int status = CLI_OK;
    if (rc) {
        status = fail(o, rc, &err);
    } else if (l.json) {
        char *text = json_dumps(l.arr, JSON_INDENT(2));
        puts(text ? text : "[]");
        free(text);
    } else if (!l.n) {
        printf("no %s challenge%s\n", state >= 0 ? regio_challenge_state_name(state) : "",
               o->user ? " that this user sees" : "");
    }
    json_decref(l.arr);
    return status;
}

/* ---- auto --------------------------------------------------------------------------- */

static int cmd_auto(const opts *o)
{
    regio_store *s = cli_open_store(o->db);
    if (!s)
        return CLI_FAIL;
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = REGIO_OK;
    if (o->on || o->off)
        rc = regio_store_model_set_auto_approval(s, o->model, o->on, o->tolerance, "cli", &err);
    int on = 0;
    double tol = 0;
    if (!rc)
        rc = regio_store_model_auto_approval(s, o->model, &on, &tol, &err);
    regio_store_close(s);
    if (rc)
        return fail(o, rc, &err);
    char t[64];
    printf("%s: automatic approval %s; balance tolerance %s%%\n", o->model, on ? "on" : "off",
           regio_format_sig(tol * 100, 4, t, sizeof t));
    return CLI_OK;
}

/* ---- arguments ---------------------------------------------------------------------- */

static int parse_long(const char *s, long *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0)
        return -1;
    *out = v;
    return 0;
}

int cli_cmd_challenge(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, 0, 'd'},       {"model", required_argument, 0, 'm'},
        {"user", required_argument, 0, 'u'},     {"unit", required_argument, 0, 'U'},
        {"account", required_argument, 0, 'a'},  {"reason", required_argument, 0, 'r'},
        {"note", required_argument, 0, 'n'},     {"status", required_argument, 0, 's'},
        {"format", required_argument, 0, 'f'},   {"revision", required_argument, 0, 'R'},
        {"tolerance", required_argument, 0, 't'}, {"on", no_argument, 0, 'O'},
        {"off", no_argument, 0, 'F'},            {"at", required_argument, 0, 'T'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    static const char *const verbs[] = {"changes", "raise",    "list", "approve",
                                        "reject",  "withdraw", "auto"};
    if (argc < 2) {
        fputs(usage_text, stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(usage_text, stdout);
        return CLI_OK;
    }
    size_t vi = 0;
    while (vi < sizeof verbs / sizeof verbs[0] && strcmp(verbs[vi], argv[1]) != 0)
        vi++;
    if (vi == sizeof verbs / sizeof verbs[0]) {
        char msg[160];
        snprintf(msg, sizeof msg, "unknown command '%.100s'", argv[1]);
        return usage_error(NULL, msg);
    }
    opts o;
    memset(&o, 0, sizeof o);
    o.verb = verbs[vi];
    o.revision = -1;
    int ac = argc - 1, c;
    char **av = argv + 1;
    optind = 1;
    while ((c = getopt_long(ac, av, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': o.db = optarg; break;
        case 'm': o.model = optarg; break;
        case 'u': o.user = optarg; break;
        case 'U': o.unit = optarg; break;
        case 'a': o.account = optarg; break;
        case 'r': o.reason = optarg; break;
        case 'n': o.note = optarg; break;
        case 's': o.status = optarg; break;
        case 'f': o.format = optarg; break;
        case 'T': o.at = optarg; break;
        case 'O': o.on = 1; break;
        case 'F': o.off = 1; break;
        case 'R':
            if (parse_long(optarg, &o.revision))
                return usage_error(o.verb, "--revision is a whole number >= 0");
            break;
        case 't': {
            char *end = NULL;
            o.tolerance = strtod(optarg, &end);
            if (!*optarg || *end || !(o.tolerance > 0 && o.tolerance < 1))
                return usage_error(o.verb, "--tolerance is a share above 0 and below 1 (0.05)");
            break;
        }
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        default: fputs(usage_text, stderr); return CLI_USAGE;
        }
    }
    int n_args = ac - optind;
    const char *arg = n_args ? av[optind] : NULL;
    int takes_id = vi >= 3 && vi <= 5;
    if (n_args > (takes_id ? 1 : 0))
        return usage_error(o.verb, "unexpected argument");
    if (takes_id && (!arg || parse_long(arg, &o.id) || o.id == 0))
        return usage_error(o.verb, "give the challenge's ID (a number)");
    if (o.format && strcmp(o.format, "text") != 0 && strcmp(o.format, "json") != 0)
        return usage_error(o.verb, "--format is text or json");
    /* What each verb takes besides --db. */
    int bad = (o.unit || o.account || o.reason) && vi != 1;
    bad |= o.note && vi < 3;
    bad |= o.note && vi == 6;
    bad |= o.status && vi != 2;
    bad |= o.format && vi != 0 && vi != 2;
    bad |= o.revision >= 0 && vi != 3;
    bad |= (o.on || o.off || o.tolerance > 0) && vi != 6;
    bad |= o.model && vi >= 3 && vi <= 5;
    bad |= (o.user || o.at) && vi == 6;
    if (bad)
        return usage_error(o.verb, "an option that does not apply to this command");
    if ((vi == 0 || vi == 1 || vi == 6) && !o.model)
        return usage_error(o.verb, "--model PLAN is required");
    if (vi != 2 && vi != 6 && !o.user)
        return usage_error(o.verb, "--user USER is required: the user the command acts as");
    if (vi == 1 && !o.unit == !o.account)
        return usage_error(o.verb, "give exactly one of --unit and --account");
    if (vi == 1 && !o.reason)
        return usage_error(o.verb, "--reason TEXT is required");
    if (vi == 4 && !o.note)
        return usage_error(o.verb, "--note TEXT is required: the comment the challenger reads");
    if (vi == 6 && ((o.on && o.off) || (o.tolerance > 0 && !o.on)))
        return usage_error(o.verb, "give --on [--tolerance SHARE] or --off");
    switch (vi) {
    case 0: return cmd_changes(&o);
    case 1: return cmd_raise(&o);
    case 2: return cmd_list(&o);
    case 3: return cmd_close(&o, REGIO_CHALLENGE_APPROVED);
    case 4: return cmd_close(&o, REGIO_CHALLENGE_REJECTED);
    case 5: return cmd_close(&o, REGIO_CHALLENGE_WITHDRAWN);
    default: return cmd_auto(&o);
    }
}
