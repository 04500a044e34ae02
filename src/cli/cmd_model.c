/*
 * `regio model`: the territory models of the store and their edits, as the
 * API offers them — list, show, clone, promote, archive, history,
 * rollback, lock, unlock and move. States are the library's for a day
 * (today, or --at): planning, scheduled, active, archived. Every rule (names, states, revisions, locks, unknown ids) is the
 * library's: lock, unlock and move go through regio_model_view_lock /
 * _apply like the server's edit endpoints, so a refusal prints the message
 * the API answers in "error.message".
 */
#include "cli/cli.h"

#include "regio/buf.h"
#include "regio/model_view.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Who the audit log names for edits made from the command line. */
#define ACTOR "cli"
/* Deepest territory hierarchy walked when printing (the store allows 16). */
#define MAX_DEPTH 64

static const char usage_text[] =
    "usage: regio model list [--at DAY] [--format text|csv|json] [--db PATH]\n"
    "       regio model show MODEL [--at DAY] [--db PATH]\n"
    "       regio model clone MODEL NEW [--description TEXT] [--db PATH]\n"
    "       regio model promote MODEL [--effective YYYY-MM-DD] [--db PATH]\n"
    "       regio model archive MODEL [--db PATH]\n"
    "       regio model history [--at DAY] [--format text|csv|json] [--db PATH]\n"
    "       regio model rollback [--effective YYYY-MM-DD] [--name NEW] [--db PATH]\n"
    "       regio model lock MODEL UNIT... [--revision N] [--db PATH]\n"
    "       regio model unlock MODEL UNIT... [--revision N] [--db PATH]\n"
    "       regio model move MODEL --unit UNIT --to TERRITORY [--revision N] [--db PATH]\n"
    "       regio model move MODEL --account ACCOUNT (--to TERRITORY | --to - | --clear)\n"
    "                        [--revision N] [--db PATH]\n"
    "promote defaults to today (UTC); a later date schedules the model: the model in\n"
    "force stays until that day, when the promoted one takes over with nothing more to\n"
    "do. A promotion replaces the scheduled ones of its date or later; archiving a\n"
    "scheduled model cancels it. rollback promotes a clone of the model that was in\n"
    "force before the one in force on --effective (default today). --at DAY shows the\n"
    "states as of that day (default today, UTC). --revision (lock, unlock, move)\n"
    "defaults to the model's current revision; --to - or --clear removes an account's\n"
    "manual override. The store is --db, else $REGIO_DB, else regio.db.\n";

/* Everything the verbs take; each verb accepts a subset (see check_opts). */
typedef struct opts {
    const char *verb;
    const char *db;
    const char *format;
    const char *description;
    const char *effective;
    const char *unit;
    const char *account;
    const char *to;
    const char *at;   /* --at DAY, NULL: today */
    const char *name; /* rollback --name */
    int clear;
    long revision; /* -1: the model's current one */
    char **args;   /* positional arguments after the verb */
    int n_args;
    unsigned seen; /* OPT_* bits given */
} opts;

enum {
    OPT_DB = 1u << 0,
    OPT_FORMAT = 1u << 1,
    OPT_DESCRIPTION = 1u << 2,
    OPT_EFFECTIVE = 1u << 3,
    OPT_REVISION = 1u << 4,
    OPT_UNIT = 1u << 5,
    OPT_ACCOUNT = 1u << 6,
    OPT_TO = 1u << 7,
    OPT_CLEAR = 1u << 8,
    OPT_AT = 1u << 9,
    OPT_NAME = 1u << 10,
};

static const char *const opt_names[] = {"--db",       "--format", "--description",
                                        "--effective", "--revision", "--unit",
                                        "--account",  "--to",     "--clear",
                                        "--at",       "--name"};

/* ---- messages ----------------------------------------------------------------- */

/* "regio model VERB: MESSAGE" on stderr: the library's text for rc. */
static int fail(const opts *o, regio_err rc, const regio_error *err)
{
    char buf[2048];
    const char *msg = err && err->msg[0] ? regio_error_format(err, buf, sizeof buf)
                                         : regio_strerror(rc);
    fprintf(stderr, "regio model %s: %s\n", o->verb, msg);
    return CLI_FAIL;
}

static int usage_error(const char *verb, const char *what)
{
    fprintf(stderr, "regio model%s%s: %s (see regio model --help)\n", verb ? " " : "",
            verb ? verb : "", what);
    return CLI_USAGE;
}

/* ---- tables -------------------------------------------------------------------- */

/* A text table: rows of cells printed in columns two spaces apart, the
 * columns flagged in `right` aligned right (numbers). */
typedef struct table {
    size_t ncol;
    const unsigned char *right;
    char **cells; /* nrow * ncol, owned */
    size_t nrow, cap;
    int failed;
} table;

static void table_row(table *t, const char *const *cells)
{
    if (t->failed)
        return;
    if (t->nrow == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char **nc = realloc(t->cells, cap * t->ncol * sizeof *nc);
        if (!nc) {
            t->failed = 1;
            return;
        }
        t->cells = nc;
        t->cap = cap;
    }
    for (size_t c = 0; c < t->ncol; c++) {
        char *s = strdup(cells[c] ? cells[c] : "-");
        t->failed |= !s;
        t->cells[t->nrow * t->ncol + c] = s;
    }
    t->nrow++;
}

/* Characters (code points) of a UTF-8 string: its width in a terminal. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; s && *s; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

static void table_print(table *t)
{
    size_t *wid = calloc(t->ncol, sizeof *wid);
    if (!wid) {
        t->failed = 1;
        return;
    }
    for (size_t r = 0; r < t->nrow; r++)
        for (size_t c = 0; c < t->ncol; c++) {
            size_t w = width(t->cells[r * t->ncol + c]);
            if (w > wid[c])
                wid[c] = w;
        }
    for (size_t r = 0; r < t->nrow; r++) {
        for (size_t c = 0; c < t->ncol; c++) {
            const char *s = t->cells[r * t->ncol + c];
            size_t pad = wid[c] - width(s);
            int last = c + 1 == t->ncol;
            if (t->right[c])
                printf("%*s%s", (int)pad, "", s);
            else
                printf("%s%*s", s, last ? 0 : (int)pad, "");
            fputs(last ? "\n" : "  ", stdout);
        }
    }
    free(wid);
}

static void table_free(table *t)
{
    for (size_t i = 0; i < t->nrow * t->ncol; i++)
        free(t->cells[i]);
    free(t->cells);
}

/* Prints t unless building it failed, then frees it; -1 when it failed. */
static int table_done(table *t)
{
    if (!t->failed)
        table_print(t);
    int r = t->failed ? -1 : 0;
    table_free(t);
    return r;
}

/* ---- the store's units and a model's view ------------------------------------- */

/* The store's units as the server loads them (store mode, each model
 * bringing its own territories), without polygons. */
static regio_err load_units(regio_store *s, regio_design_problem **p, regio_error *err)
{
    return regio_design_problem_load_units(s, 0, p, err);
}

/* What the verbs that edit or show one model hold open. */
typedef struct loaded {
    regio_store *store;
    regio_design_problem *units;
    regio_model_view *view;
} loaded;

static void loaded_close(loaded *l)
{
    regio_model_view_destroy(l->view);
    regio_design_problem_destroy(l->units);
    regio_store_close(l->store);
    memset(l, 0, sizeof *l);
}

static int open_store(const opts *o, regio_store **s)
{
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = regio_store_open(cli_db_path(o->db), s, &err);
    return rc ? fail(o, rc, &err) : CLI_OK;
}

/* Opens the store, checks model exists (the store's "not found" message),
 * then loads the units and the model's view. On failure prints the error
 * and returns CLI_FAIL with nothing left to close. */
static int load_view(const opts *o, const char *model, loaded *l)
{
    memset(l, 0, sizeof *l);
    if (open_store(o, &l->store))
        return CLI_FAIL;
    regio_error err;
    regio_error_clear(&err);
    regio_model_info m;
    memset(&m, 0, sizeof m);
    regio_err rc = regio_store_model_find(l->store, model, &m, &err);
    regio_model_info_clear(&m);
    if (!rc)
        rc = load_units(l->store, &l->units, &err);
    if (!rc)
        rc = regio_model_view_load(l->store, l->units, model, -1, &l->view, &err);
    if (rc) {
        fail(o, rc, &err);
        loaded_close(l);
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* ---- list ------------------------------------------------------------------------ */

typedef struct list_ctx {
    regio_model_info *v;
    size_t n, cap;
    int failed;
} list_ctx;

static char *dup_or_null(const char *s, int *failed)
{
    char *d = s ? strdup(s) : NULL;
    *failed |= s && !d;
    return d;
}

static int on_model(void *ud, const regio_model_info *m)
{
    list_ctx *c = ud;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        regio_model_info *nv = realloc(c->v, cap * sizeof *nv);
        if (!nv) {
            c->failed = 1;
            return 1;
        }
        c->v = nv;
        c->cap = cap;
    }
    regio_model_info *d = &c->v[c->n++];
    *d = *m;
    d->name = dup_or_null(m->name, &c->failed);
    d->effective_from = dup_or_null(m->effective_from, &c->failed);
    d->created_at = dup_or_null(m->created_at, &c->failed);
    d->parent = dup_or_null(m->parent, &c->failed);
    d->description = dup_or_null(m->description, &c->failed);
    return c->failed;
}

static void list_free(list_ctx *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].name);
        free(c->v[i].effective_from);
        free(c->v[i].created_at);
        free(c->v[i].parent);
        free(c->v[i].description);
    }
    free(c->v);
}

/* Territories (leaves) and aligned units of each model, -1 when they are
 * unknown (no units in the store), as the API's model list counts them. */
static void model_counts(regio_store *s, const list_ctx *c, long *terr, long *aligned)
{
    for (size_t i = 0; i < c->n; i++)
        terr[i] = aligned[i] = -1;
    regio_error err;
    regio_error_clear(&err);
    regio_design_problem *p = NULL;
    if (load_units(s, &p, &err))
        return;
    for (size_t i = 0; i < c->n; i++) {
        regio_model_view *v = NULL;
        if (regio_model_view_load(s, p, c->v[i].name, -1, &v, &err) == REGIO_OK) {
            terr[i] = v->k;
            aligned[i] = (long)v->n_aligned;
        }
        regio_model_view_destroy(v);
    }
    regio_design_problem_destroy(p);
}

static void fmt_count(char *buf, size_t size, long v)
{
    if (v < 0)
        snprintf(buf, size, "-");
    else
        regio_format_number((double)v, 0, buf, size);
}

static int print_json(const list_ctx *c, const long *terr, const long *aligned)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < c->n; i++) {
        const regio_model_info *m = &c->v[i];
#define JSTR(s) ((s) ? json_string(s) : json_null())
        json_t *o = json_pack(
            "{s:s,s:s,s:o,s:o,s:o,s:o,s:I,s:o,s:o}", "name", m->name, "state",
            regio_model_state_name(m->state), "effective_from", JSTR(m->effective_from),
            "created_at", JSTR(m->created_at), "parent", JSTR(m->parent), "description",
            JSTR(m->description), "revision", (json_int_t)m->alignment_rev, "territories",
            terr[i] < 0 ? json_null() : json_integer(terr[i]), "units_aligned",
            aligned[i] < 0 ? json_null() : json_integer(aligned[i]));
#undef JSTR
        if (!o || json_array_append_new(arr, o)) {
            json_decref(arr);
            arr = NULL;
        }
    }
    json_t *root = arr ? json_pack("{s:o}", "models", arr) : NULL;
    char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(root);
    if (!text)
        return -1;
    puts(text);
    free(text);
    return 0;
}

static int print_csv(const list_ctx *c, const long *terr, const long *aligned)
{
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc =
        regio_buf_puts(&b, "name,state,effective_from,parent,revision,territories,units_aligned\n");
    for (size_t i = 0; i < c->n && !rc; i++) {
        const regio_model_info *m = &c->v[i];
        char t[32] = "", a[32] = "";
        if (terr[i] >= 0)
            snprintf(t, sizeof t, "%ld", terr[i]);
        if (aligned[i] >= 0)
            snprintf(a, sizeof a, "%ld", aligned[i]);
        const char *cells[] = {m->name, regio_model_state_name(m->state),
                               m->effective_from ? m->effective_from : "",
                               m->parent ? m->parent : ""};
        for (size_t f = 0; f < 4 && !rc; f++) {
            rc = regio_buf_csv_field(&b, cells[f], ',');
            if (!rc)
                rc = regio_buf_putc(&b, ',');
        }
        if (!rc)
            rc = regio_buf_printf(&b, "%ld,%s,%s\n", m->alignment_rev, t, a);
    }
    if (!rc && b.len)
        fwrite(b.data, 1, b.len, stdout);
    regio_buf_free(&b);
    return rc ? -1 : 0;
}

static int print_text(const list_ctx *c, const long *terr, const long *aligned)
{
    static const unsigned char right[] = {0, 0, 0, 0, 1, 1, 1};
    table t = {7, right, NULL, 0, 0, 0};
    static const char *const head[] = {"name",     "state",       "effective",    "parent",
                                       "revision", "territories", "units aligned"};
    table_row(&t, head);
    for (size_t i = 0; i < c->n; i++) {
        const regio_model_info *m = &c->v[i];
        char rev[32], tc[32], ac[32];
        snprintf(rev, sizeof rev, "%ld", m->alignment_rev);
        fmt_count(tc, sizeof tc, terr[i]);
        fmt_count(ac, sizeof ac, aligned[i]);
        const char *row[] = {m->name, regio_model_state_name(m->state), m->effective_from,
                             m->parent, rev, tc, ac};
        table_row(&t, row);
    }
    return table_done(&t);
}

static int cmd_list(const opts *o)
{
    const char *format = o->format ? o->format : "text";
    if (strcmp(format, "text") != 0 && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
        return usage_error(o->verb, "--format is text, csv or json");
    regio_store *s = NULL;
    if (open_store(o, &s))
        return CLI_FAIL;
    list_ctx c = {0};
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = regio_store_model_list_at(s, o->at, on_model, &c, &err);
    if (c.failed)
        rc = REGIO_ENOMEM;
    int status = CLI_OK;
    long *terr = NULL, *aligned = NULL;
    if (!rc && (!(terr = calloc(c.n + 1, sizeof *terr)) ||
                !(aligned = calloc(c.n + 1, sizeof *aligned))))
        rc = REGIO_ENOMEM;
    if (rc) {
        status = fail(o, rc, &err);
    } else {
        model_counts(s, &c, terr, aligned);
        int r = !strcmp(format, "json")  ? print_json(&c, terr, aligned)
                : !strcmp(format, "csv") ? print_csv(&c, terr, aligned)
                                         : print_text(&c, terr, aligned);
        if (r)
            status = fail(o, REGIO_ENOMEM, NULL);
    }
    free(terr);
    free(aligned);
    list_free(&c);
    regio_store_close(s);
    return status;
}

/* ---- show ------------------------------------------------------------------------ */

/* What one territory of the hierarchy holds: its own units (when it is a
 * leaf) plus everything below it. */
typedef struct node_sum {
    long units, locked, overrides;
    double total; /* the balance measure, from the report */
    int leaf;     /* leaf index, or -1 */
    int has_children;
} node_sum;

static long node_index(const regio_model_view *v, const char *id)
{
    const regio_model_node *n = id ? regio_model_view_node(v, id) : NULL;
    return n ? (long)(n - v->nodes) : -1;
}

/* Adds what node h holds itself to h and every ancestor of it. */
static void add_up(const regio_model_view *v, node_sum *sum, long h, long units, long locked,
                   long overrides, double total)
{
    for (int depth = 0; h >= 0 && depth < MAX_DEPTH; depth++) {
        sum[h].units += units;
        sum[h].locked += locked;
        sum[h].overrides += overrides;
        sum[h].total += total;
        h = node_index(v, v->nodes[h].parent);
    }
}

/* One table row for node h, indented by depth, then its children. */
static void tree_rows(const regio_model_view *v, const node_sum *sum, long h, int depth,
                      table *t)
{
    const regio_model_node *n = &v->nodes[h];
    const node_sum *s = &sum[h];
    char id[1024], units[32], locked[32], over[32], total[64] = "-", dev[32] = "-";
    snprintf(id, sizeof id, "%*s%s", 2 * depth, "", n->id);
    fmt_count(units, sizeof units, s->units);
    fmt_count(locked, sizeof locked, s->locked);
    fmt_count(over, sizeof over, s->overrides);
    if (v->has_report) {
        regio_format_measure(v->units->in.measure_names[v->balance_col], s->total, total,
                             sizeof total);
        if (s->leaf >= 0 && !s->has_children)
            regio_format_percent(v->report.territories[s->leaf].dev[v->balance_col], 2, 1, dev,
                                 sizeof dev);
    }
    const char *row[] = {id, n->name, n->rep, units, locked, over, total, dev};
    table_row(t, row);
    if (depth + 1 >= MAX_DEPTH)
        return;
    for (size_t c = 0; c < v->n_nodes; c++)
        if (v->nodes[c].parent && !strcmp(v->nodes[c].parent, n->id))
            tree_rows(v, sum, (long)c, depth + 1, t);
}

static int print_territories(const regio_model_view *v)
{
    const regio_design_problem *p = v->units;
    size_t n = p->in.n, nn = v->n_nodes;
    node_sum *sum = calloc(nn + 1, sizeof *sum);
    if (!sum)
        return -1;
    for (size_t h = 0; h < nn; h++) {
        sum[h].leaf = regio_model_view_leaf(v, v->nodes[h].id);
        long ph = node_index(v, v->nodes[h].parent);
        if (ph >= 0)
            sum[ph].has_children = 1;
    }
    for (size_t i = 0; i < n; i++)
        if (v->labels[i] >= 0)
            add_up(v, sum, node_index(v, v->territory[v->labels[i]]), 1, v->locked[i], 0, 0);
    for (size_t j = 0; j < v->n_overrides; j++)
        add_up(v, sum, node_index(v, v->overrides[j].territory), 0, 0, 1, 0);
    if (v->has_report)
        for (int t = 0; t < v->k; t++)
            add_up(v, sum, node_index(v, v->territory[t]), 0, 0, 0,
                   v->report.territories[t].totals[v->balance_col]);
    static const unsigned char right[] = {0, 0, 0, 1, 1, 1, 1, 1};
    char mcol[160];
    snprintf(mcol, sizeof mcol, "%s", p->in.measure_names[v->balance_col]);
    const char *head[] = {"territory", "name", "rep", "units", "locked", "overrides", mcol, "dev"};
    table t = {8, right, NULL, 0, 0, 0};
    table_row(&t, head);
    for (size_t h = 0; h < nn; h++)
        if (node_index(v, v->nodes[h].parent) < 0)
            tree_rows(v, sum, (long)h, 0, &t);
    if (!t.failed)
        table_print(&t);
    int r = t.failed ? -1 : 0;
    table_free(&t);
    free(sum);
    return r;
}

/* The METRICS.md summary line (balance of the view's measure, travel,
 * non-contiguous territories), or why there is none, after prefix. */
static void print_summary(const regio_model_view *v, const char *prefix)
{
    const regio_design_problem *p = v->units;
    if (!v->has_report) {
        char n[32];
        printf("%ssummary: none while %s units are unaligned\n", prefix,
               regio_format_number((double)(p->in.n - v->n_aligned), 0, n, sizeof n));
        return;
    }
    char bal[32], travel[64];
    printf("%ssummary: balance %s %s, travel %s, non-contiguous territories %d\n", prefix,
           p->in.measure_names[v->balance_col],
           regio_format_percent(v->report.balance[v->balance_col], 2, 0, bal, sizeof bal),
           regio_format_unit(v->report.travel_km, 3, p->loaded.units->planar ? "units" : "km",
                             travel, sizeof travel),
           v->report.n_noncontiguous);
}

static int cmd_show(const opts *o)
{
    loaded l;
    if (load_view(o, o->args[0], &l))
        return CLI_FAIL;
    regio_error err;
    regio_error_clear(&err);
    regio_model_info m;
    memset(&m, 0, sizeof m);
    regio_err rc = regio_store_model_find_at(l.store, o->args[0], o->at, &m, &err);
    if (rc) {
        loaded_close(&l);
        return fail(o, rc, &err);
    }
    const regio_model_view *v = l.view;
    const regio_design_problem *p = v->units;
    long locked = 0, parents = 0;
    for (size_t i = 0; i < p->in.n; i++)
        locked += v->locked[i] != 0;
    for (size_t h = 0; h < v->n_nodes; h++)
        parents += regio_model_view_leaf(v, v->nodes[h].id) < 0;
    if (o->at)
        printf("model %s (%s on %s)\n", m.name, regio_model_state_name(m.state), o->at);
    else
        printf("model %s (%s)\n", m.name, regio_model_state_name(m.state));
    printf("  effective from: %s\n", m.effective_from ? m.effective_from : "-");
    printf("  parent: %s\n", m.parent ? m.parent : "-");
    printf("  description: %s\n", m.description ? m.description : "-");
    printf("  created: %s\n", m.created_at ? m.created_at : "-");
    printf("  revision: %ld\n", v->revision);
    printf("  territories: %d, parents: %ld\n", v->k, parents);
    char na[32], nu[32], nl[32], no[32];
    printf("  units: %s aligned of %s, %s locked\n",
           regio_format_number((double)v->n_aligned, 0, na, sizeof na),
           regio_format_number((double)p->in.n, 0, nu, sizeof nu),
           regio_format_number((double)locked, 0, nl, sizeof nl));
    printf("  account overrides: %s\n",
           regio_format_number((double)v->n_overrides, 0, no, sizeof no));
    print_summary(v, "");
    int status = CLI_OK;
    if (v->n_nodes) {
        putchar('\n');
        if (print_territories(v))
            status = fail(o, REGIO_ENOMEM, NULL);
    }
    regio_model_info_clear(&m);
    loaded_close(&l);
    return status;
}

/* ---- life cycle ---------------------------------------------------------------- */

static int cmd_clone(const opts *o)
{
    regio_store *s = NULL;
    if (open_store(o, &s))
        return CLI_FAIL;
    regio_error err;
    regio_error_clear(&err);
    regio_err rc =
        regio_store_model_clone(s, o->args[0], o->args[1], o->description, ACTOR, NULL, &err);
    regio_store_close(s);
    if (rc)
        return fail(o, rc, &err);
    printf("planning model '%s' cloned from '%s'\n", o->args[1], o->args[0]);
    return CLI_OK;
}

/* The names of the models scheduled today (NULL-terminated, malloc'd), to
 * say afterwards which of them a promotion replaced. */
typedef struct names {
    char **v;
    size_t n, cap;
    int failed;
} names;

static int on_scheduled(void *ud, const regio_model_info *m)
{
    names *c = ud;
    if (m->state != REGIO_MODEL_SCHEDULED)
        return 0;
    if (c->n + 1 >= c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        char **nv = realloc(c->v, cap * sizeof *nv);
        if (!nv) {
            c->failed = 1;
            return 1;
        }
        c->v = nv;
        c->cap = cap;
    }
    c->failed |= !(c->v[c->n++] = strdup(m->name));
    c->v[c->n] = NULL;
    return c->failed;
}

static void names_free(names *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i]);
    free(c->v);
}

/* Says which of the models scheduled before (`before`) are now archived:
 * the promotion replaced them. */
static void print_replaced(regio_store *s, const names *before)
{
    for (size_t i = 0; i < before->n; i++) {
        regio_model_info m;
        regio_error err;
        regio_error_clear(&err);
        if (regio_store_model_find(s, before->v[i], &m, &err) != REGIO_OK)
            continue;
        if (m.state == REGIO_MODEL_ARCHIVED)
            printf("model '%s' was scheduled from %s: replaced, it never takes effect "
                   "(archived)\n",
                   m.name, m.effective_from ? m.effective_from : "-");
        regio_model_info_clear(&m);
    }
}

/* The previous model of the latest promotion of `model` (the one it takes
 * over from), copied into buf ("" when none). */
typedef struct prev_of {
    const char *model;
    char buf[1024];
} prev_of;

static int on_prev(void *ud, const regio_promotion_info *p)
{
    prev_of *q = ud;
    if (!strcmp(p->model, q->model))
        snprintf(q->buf, sizeof q->buf, "%s", p->previous ? p->previous : "");
    return 0;
}

/* What a promotion (or a rollback's) made of `name`: active from `date` and
 * the model in force before it archived, or scheduled for `date` and the
 * model it takes over from then; then the scheduled models it replaced. */
static void print_promoted(regio_store *s, const char *name, const char *date,
                           const regio_model_info *was, const names *scheduled)
{
    regio_model_info m;
    regio_error err;
    regio_error_clear(&err);
    memset(&m, 0, sizeof m);
    int later = regio_store_model_find(s, name, &m, &err) == REGIO_OK &&
                m.state == REGIO_MODEL_SCHEDULED;
    regio_model_info_clear(&m);
    if (!later) {
        printf("model '%s' is active from %s\n", name, date);
        if (was->name)
            printf("model '%s' is archived\n", was->name);
    } else {
        prev_of q = {name, ""};
        regio_store_promotions_foreach(s, NULL, on_prev, &q, &err);
        if (q.buf[0])
            printf("model '%s' is scheduled: it takes over from '%s' on %s\n", name, q.buf,
                   date);
        else
            printf("model '%s' is scheduled: it becomes active on %s; no model is in force "
                   "until then\n",
                   name, date);
    }
    print_replaced(s, scheduled);
}

static void today_utc(char day[16])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(day, 16, "%Y-%m-%d", &tm);
}

/* The model in force today and the scheduled ones, before a promotion. */
static void before_promotion(regio_store *s, regio_model_info *was, names *scheduled)
{
    regio_error err;
    regio_error_clear(&err);
    memset(was, 0, sizeof *was);
    if (regio_store_model_find(s, NULL, was, &err) != REGIO_OK)
        regio_model_info_clear(was);
    memset(scheduled, 0, sizeof *scheduled);
    regio_store_model_list(s, on_scheduled, scheduled, &err);
}

static int cmd_promote(const opts *o)
{
    char today[16];
    const char *date = o->effective;
    if (!date) {
        today_utc(today);
        date = today;
    }
    regio_store *s = NULL;
    if (open_store(o, &s))
        return CLI_FAIL;
    regio_error err;
    regio_error_clear(&err);
    regio_model_info was;
    names scheduled;
    before_promotion(s, &was, &scheduled);
    regio_err rc = regio_store_model_promote(s, o->args[0], date, ACTOR, &err);
    if (!rc)
        print_promoted(s, o->args[0], date, &was, &scheduled);
    regio_store_close(s);
    regio_model_info_clear(&was);
    names_free(&scheduled);
    return rc ? fail(o, rc, &err) : CLI_OK;
}

static int cmd_archive(const opts *o)
{
    regio_store *s = NULL;
    if (open_store(o, &s))
        return CLI_FAIL;
    regio_error err;
    regio_error_clear(&err);
    regio_model_info m;
    memset(&m, 0, sizeof m);
    regio_err rc = regio_store_model_find(s, o->args[0], &m, &err);
    if (!rc)
        rc = regio_store_model_archive(s, o->args[0], ACTOR, &err);
    regio_store_close(s);
    if (rc) {
        regio_model_info_clear(&m);
        return fail(o, rc, &err);
    }
    printf("model '%s' is archived\n", o->args[0]);
    if (m.state == REGIO_MODEL_SCHEDULED)
        printf("its promotion from %s is withdrawn: it never takes effect\n",
               m.effective_from ? m.effective_from : "-");
    else if (m.state == REGIO_MODEL_ACTIVE)
        printf("it is no longer in force from today; no model is until another takes effect\n");
    regio_model_info_clear(&m);
    return CLI_OK;
}

static int cmd_rollback(const opts *o)
{
    char today[16];
    today_utc(today);
    const char *date = o->effective ? o->effective : today;
    regio_store *s = NULL;
    if (open_store(o, &s))
        return CLI_FAIL;
    regio_error err;
    regio_error_clear(&err);
    regio_model_info was;
    names scheduled;
    before_promotion(s, &was, &scheduled);
    char *name = NULL;
    regio_err rc = regio_store_model_rollback(s, o->effective, o->name, ACTOR, &name, &err);
    if (!rc) {
        regio_model_info m;
        memset(&m, 0, sizeof m);
        if (regio_store_model_find(s, name, &m, &err) == REGIO_OK)
            printf("model '%s' is a clone of '%s', promoted as the rollback\n", name,
                   m.parent ? m.parent : "-");
        regio_model_info_clear(&m);
        print_promoted(s, name, date, &was, &scheduled);
    }
    regio_free(name);
    regio_store_close(s);
    regio_model_info_clear(&was);
    names_free(&scheduled);
    return rc ? fail(o, rc, &err) : CLI_OK;
}

/* ---- history ------------------------------------------------------------------------ */

typedef struct hist {
    json_t *arr; /* the promotions as JSON objects, in order */
} hist;

static int on_promotion(void *ud, const regio_promotion_info *p)
{
#define JSTR(s) ((s) ? json_string(s) : json_null())
    hist *h = ud;
    json_t *o = json_pack("{s:I,s:s,s:o,s:s,s:s,s:o,s:o,s:o,s:o}", "id", (json_int_t)p->id,
                          "model", p->model, "previous", JSTR(p->previous), "effective_from",
                          p->effective_from, "status", regio_promotion_status_name(p->status),
                          "withdrawn_on", JSTR(p->withdrawn_on), "promoted_by",
                          JSTR(p->promoted_by), "promoted_at", JSTR(p->promoted_at), "note",
                          JSTR(p->note));
#undef JSTR
    return !o || json_array_append_new(h->arr, o);
}

static const char *jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int history_text(const json_t *arr)
{
    static const unsigned char right[] = {1, 0, 0, 0, 0, 0, 0, 0};
    static const char *const head[] = {"#",      "model",       "previous",    "effective",
                                       "status", "promoted by", "promoted at", "note"};
    table t = {8, right, NULL, 0, 0, 0};
    table_row(&t, head);
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
    {
        char id[32], status[64];
        snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(o, "id")));
        const char *w = jstr(o, "withdrawn_on");
        const char *st = jstr(o, "status");
        if (w && (!strcmp(st, "withdrawn") || !strcmp(st, "ended")))
            snprintf(status, sizeof status, "%s %s", st, w);
        else
            snprintf(status, sizeof status, "%s", st);
        const char *row[] = {id,     jstr(o, "model"),       jstr(o, "previous"),
                             jstr(o, "effective_from"),      status,
                             jstr(o, "promoted_by"),         jstr(o, "promoted_at"),
                             jstr(o, "note")};
        table_row(&t, row);
    }
    return table_done(&t);
}

static int history_csv(const json_t *arr)
{
    static const char *const keys[] = {"model",      "previous",    "effective_from",
                                       "status",     "withdrawn_on", "promoted_by",
                                       "promoted_at", "note"};
    regio_buf b;
    regio_buf_init(&b, 0);
    regio_err rc = regio_buf_puts(&b, "id,model,previous,effective_from,status,withdrawn_on,"
                                      "promoted_by,promoted_at,note\n");
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
    {
        if (!rc)
            rc = regio_buf_printf(&b, "%lld",
                                  (long long)json_integer_value(json_object_get(o, "id")));
        for (size_t k = 0; k < sizeof keys / sizeof keys[0] && !rc; k++) {
            rc = regio_buf_putc(&b, ',');
            const char *v = jstr(o, keys[k]);
            if (!rc)
                rc = regio_buf_csv_field(&b, v ? v : "", ',');
        }
        if (!rc)
            rc = regio_buf_putc(&b, '\n');
    }
    if (!rc)
        fwrite(b.data, 1, b.len, stdout);
    regio_buf_free(&b);
    return rc ? -1 : 0;
}

static int cmd_history(const opts *o)
{
    const char *format = o->format ? o->format : "text";
    if (strcmp(format, "text") != 0 && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
        return usage_error(o->verb, "--format is text, csv or json");
    regio_store *s = NULL;
    if (open_store(o, &s))
        return CLI_FAIL;
    regio_error err;
    regio_error_clear(&err);
    hist h = {json_array()};
    regio_err rc = h.arr ? regio_store_promotions_foreach(s, o->at, on_promotion, &h, &err)
                         : REGIO_ENOMEM;
    regio_store_close(s);
    int status = CLI_OK;
    if (rc) {
        status = fail(o, rc, &err);
    } else if (!strcmp(format, "json")) {
        json_t *root = json_pack("{s:O}", "promotions", h.arr);
        char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
        json_decref(root);
        if (text)
            puts(text);
        else
            status = fail(o, REGIO_ENOMEM, NULL);
        free(text);
    } else if (!strcmp(format, "csv") ? history_csv(h.arr) : history_text(h.arr)) {
        status = fail(o, REGIO_ENOMEM, NULL);
    }
    json_decref(h.arr);
    return status;
}

/* ---- edits ----------------------------------------------------------------------- */

static int cmd_lock(const opts *o, int locked)
{
    loaded l;
    if (load_view(o, o->args[0], &l))
        return CLI_FAIL;
    regio_model_view *v = l.view;
    long expected = o->revision >= 0 ? o->revision : v->revision;
    regio_error err;
    regio_error_clear(&err);
    regio_apply_status st = REGIO_APPLY_OK;
    regio_err rc = regio_model_view_lock(l.store, v, expected, (const char *const *)o->args + 1,
                                         (size_t)o->n_args - 1, locked, ACTOR, &st, &err);
    int status = CLI_OK;
    if (rc) {
        status = fail(o, rc, &err);
    } else {
        printf("%s: %s", v->model, locked ? "locked" : "unlocked");
        for (int i = 1; i < o->n_args; i++)
            printf(" %s", o->args[i]);
        printf(" (revision %ld -> %ld)\n", expected, v->revision);
    }
    loaded_close(&l);
    return status;
}

static int cmd_move(const opts *o)
{
    loaded l;
    if (load_view(o, o->args[0], &l))
        return CLI_FAIL;
    regio_model_view *v = l.view;
    long expected = o->revision >= 0 ? o->revision : v->revision;
    regio_alignment_row row;
    memset(&row, 0, sizeof row);
    row.unit_id = (char *)o->unit;
    row.account_id = (char *)o->account;
    row.territory = o->clear ? NULL : (char *)o->to;
    /* Where the unit or account was, for the answer. */
    const char *from = NULL;
    if (o->unit) {
        long i = regio_unitset_find(l.units->loaded.units, o->unit);
        if (i >= 0 && v->labels[i] >= 0)
            from = v->territory[v->labels[i]];
    } else {
        for (size_t j = 0; j < v->n_overrides; j++)
            if (!strcmp(v->overrides[j].account, o->account))
                from = v->overrides[j].territory;
    }
    char *from_copy = from ? strdup(from) : NULL;
    regio_error err;
    regio_error_clear(&err);
    regio_apply_status st = REGIO_APPLY_OK;
    regio_err rc = regio_model_view_apply(l.store, v, expected, &row, 1, ACTOR, NULL, &st, &err);
    int status = CLI_OK;
    if (rc) {
        status = fail(o, rc, &err);
    } else if (o->unit) {
        printf("%s: unit %s %s -> %s (revision %ld -> %ld)\n", v->model, o->unit,
               from_copy ? from_copy : "(unaligned)", o->to, expected, v->revision);
        print_summary(v, "  ");
    } else if (row.territory) {
        printf("%s: account %s %s -> %s (revision %ld -> %ld)\n", v->model, o->account,
               from_copy ? from_copy : "(its unit's territory)", o->to, expected, v->revision);
        print_summary(v, "  ");
    } else {
        if (from_copy)
            printf("%s: account %s override to %s removed, back in its unit's territory "
                   "(revision %ld -> %ld)\n",
                   v->model, o->account, from_copy, expected, v->revision);
        else
            printf("%s: account %s had no override, stays in its unit's territory "
                   "(revision %ld -> %ld)\n",
                   v->model, o->account, expected, v->revision);
        print_summary(v, "  ");
    }
    free(from_copy);
    loaded_close(&l);
    return status;
}

/* ---- arguments ----------------------------------------------------------------- */

typedef struct verb {
    const char *name;
    int min_args, max_args; /* positional arguments (-1: no limit) */
    unsigned allowed;       /* OPT_* bits */
} verb;

static const verb verbs[] = {
    {"list", 0, 0, OPT_DB | OPT_FORMAT | OPT_AT},
    {"show", 1, 1, OPT_DB | OPT_AT},
    {"clone", 2, 2, OPT_DB | OPT_DESCRIPTION},
    {"promote", 1, 1, OPT_DB | OPT_EFFECTIVE},
    {"archive", 1, 1, OPT_DB},
    {"lock", 2, -1, OPT_DB | OPT_REVISION},
    {"unlock", 2, -1, OPT_DB | OPT_REVISION},
    {"move", 1, 1, OPT_DB | OPT_REVISION | OPT_UNIT | OPT_ACCOUNT | OPT_TO | OPT_CLEAR},
    {"history", 0, 0, OPT_DB | OPT_FORMAT | OPT_AT},
    {"rollback", 0, 0, OPT_DB | OPT_EFFECTIVE | OPT_NAME},
};

static const char *const arg_names[] = {"", "MODEL", "MODEL", "MODEL", "MODEL",
                                        "MODEL and at least one UNIT",
                                        "MODEL and at least one UNIT", "MODEL", "", ""};

/* Whether the options suit the verb; prints the usage error when not. */
static int check_opts(const opts *o, const verb *vb, const char *args_what)
{
    char msg[256];
    for (size_t b = 0; b < sizeof opt_names / sizeof opt_names[0]; b++)
        if ((o->seen & (1u << b)) && !(vb->allowed & (1u << b))) {
            snprintf(msg, sizeof msg, "%s does not apply to '%s'", opt_names[b], vb->name);
            return usage_error(vb->name, msg);
        }
    if (o->n_args < vb->min_args || (vb->max_args >= 0 && o->n_args > vb->max_args)) {
        if (!strcmp(vb->name, "clone"))
            snprintf(msg, sizeof msg, "give MODEL and the NEW model's name");
        else if (vb->max_args == 0)
            snprintf(msg, sizeof msg, "takes no arguments");
        else
            snprintf(msg, sizeof msg, "give %s", args_what);
        return usage_error(vb->name, msg);
    }
    if (!strcmp(vb->name, "move")) {
        if (!o->unit == !o->account)
            return usage_error(vb->name, "give exactly one of --unit or --account");
        int clear = o->clear || (o->to && !strcmp(o->to, "-"));
        if (o->clear && o->to)
            return usage_error(vb->name, "give --to or --clear, not both");
        if (clear && o->unit)
            return usage_error(vb->name, "a unit moves to a territory: --to TERRITORY");
        if (!clear && (!o->to || !*o->to))
            return usage_error(vb->name, "--to TERRITORY is required");
    }
    return CLI_OK;
}

/* Parses --revision N: a whole number >= 0. */
static int parse_revision(const char *s, long *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0)
        return -1;
    *out = v;
    return 0;
}

int cli_cmd_model(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, 0, 'd'},          {"format", required_argument, 0, 'f'},
        {"description", required_argument, 0, 'D'}, {"effective", required_argument, 0, 'e'},
        {"revision", required_argument, 0, 'r'},    {"unit", required_argument, 0, 'u'},
        {"account", required_argument, 0, 'a'},     {"to", required_argument, 0, 't'},
        {"clear", no_argument, 0, 'c'},             {"help", no_argument, 0, 'h'},
        {"at", required_argument, 0, 'T'},          {"name", required_argument, 0, 'N'},
        {0, 0, 0, 0}};
    if (argc < 2) {
        fputs(usage_text, stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(usage_text, stdout);
        return CLI_OK;
    }
    size_t vi = 0;
    while (vi < sizeof verbs / sizeof verbs[0] && strcmp(verbs[vi].name, argv[1]) != 0)
        vi++;
    if (vi == sizeof verbs / sizeof verbs[0]) {
        char msg[256];
        snprintf(msg, sizeof msg, "unknown command '%.100s'", argv[1]);
        return usage_error(NULL, msg);
    }
    opts o;
    memset(&o, 0, sizeof o);
    o.verb = verbs[vi].name;
    o.revision = -1;
    /* getopt sees the verb's arguments: argv[1] (the verb) is its argv[0]. */
    int ac = argc - 1;
    char **av = argv + 1;
    int c;
    optind = 1;
    while ((c = getopt_long(ac, av, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': o.db = optarg; o.seen |= OPT_DB; break;
        case 'f': o.format = optarg; o.seen |= OPT_FORMAT; break;
        case 'D': o.description = optarg; o.seen |= OPT_DESCRIPTION; break;
        case 'e': o.effective = optarg; o.seen |= OPT_EFFECTIVE; break;
        case 'u': o.unit = optarg; o.seen |= OPT_UNIT; break;
        case 'a': o.account = optarg; o.seen |= OPT_ACCOUNT; break;
        case 't': o.to = optarg; o.seen |= OPT_TO; break;
        case 'c': o.clear = 1; o.seen |= OPT_CLEAR; break;
        case 'T': o.at = optarg; o.seen |= OPT_AT; break;
        case 'N': o.name = optarg; o.seen |= OPT_NAME; break;
        case 'r':
            o.seen |= OPT_REVISION;
            if (parse_revision(optarg, &o.revision))
                return usage_error(o.verb, "--revision is a whole number >= 0");
            break;
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        default: fputs(usage_text, stderr); return CLI_USAGE;
        }
    }
    o.args = av + optind;
    o.n_args = ac - optind;
    int r = check_opts(&o, &verbs[vi], arg_names[vi]);
    if (r)
        return r;
    if (o.to && !strcmp(o.to, "-"))
        o.clear = 1;
    switch (vi) {
    case 0: return cmd_list(&o);
    case 1: return cmd_show(&o);
    case 2: return cmd_clone(&o);
    case 3: return cmd_promote(&o);
    case 4: return cmd_archive(&o);
    case 5: return cmd_lock(&o, 1);
    case 6: return cmd_lock(&o, 0);
    case 7: return cmd_move(&o);
    case 8: return cmd_history(&o);
    default: return cmd_rollback(&o);
    }
}
