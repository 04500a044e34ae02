/*
 * The common body of `regio design`, `regio realign` and `regio report`:
 * option parsing, loading the problem through libregio, running the
 * optimiser or the evaluator, writing the alignment and the report.
 */
#include "cli/design_cli.h"
#include "regio/design_opts.h"

#include <getopt.h>
#include <math.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const usage_text[] = {
    [DESIGN_CMD_DESIGN] =
        "usage: regio design --units UNITS [--adjacency ADJ.csv] --k K|auto [--capacity V]\n"
        "                    --balance COL[,COL...] [--index-weights W[,W...]]\n"
        "                    [--tolerance T|MEASURE=T[,...]] [--travel COL] [--homes REPS.csv]\n"
        "                    [--locked LOCKED.csv] [--keep-whole COL] [--targets TARGETS.csv]\n"
        "                    [--objective travel|diameter] [--seed N] [--time-limit S]\n"
        "                    [--proposals N] --out ALIGNMENT.csv [--report REPORT.json]\n"
        "store mode: without --units the store's units are used; --model NAME saves\n"
        "the result as planning model NAME (--db PATH, default $REGIO_DB or regio.db);\n"
        "a model of that name is refused unless --replace (a planning model only);\n"
        "the store's reps go to the territories nearest their homes (Hungarian method)\n"
        "--proposals N: up to N designs on the front of travel vs balance, each written\n"
        "as ALIGNMENT-I.csv / saved as model NAME-I, a summary table on stdout and the\n"
        "front as --report (JSON by default)\n"
        "exit: 0 done, 1 failed (nothing written), 2 usage, 3 best effort written\n",
    [DESIGN_CMD_REALIGN] =
        "usage: regio realign --units UNITS [--adjacency ADJ.csv] --from CURRENT.csv\n"
        "                     --balance COL[,COL...] [--max-moved F] [--max-moved-weight F]\n"
        "                     [--tolerance T|MEASURE=T[,...]] [--travel COL] [--locked ...]\n"
        "                     [--seed N] [--proposals N]\n"
        "                     [--time-limit S] --out ALIGNMENT.csv [--report REPORT.json]\n"
        "store mode: --from-model NAME instead of --from, --model NEW to save the result\n"
        "(--replace to replace a planning model of that name); each territory keeps its\n"
        "rep unless --reassign-reps, the others get the nearest free reps\n"
        "--proposals N: up to N realigns on the front of disruption vs balance, each\n"
        "written as ALIGNMENT-I.csv / saved as model NEW-I, a summary table on stdout\n"
        "exit: 0 done, 1 failed (nothing written), 2 usage, 3 best effort written\n",
    [DESIGN_CMD_REPORT] =
        "usage: regio report --units UNITS [--adjacency ADJ.csv] --alignment A.csv\n"
        "                    --balance COL[,COL...] [--baseline B.csv] [--travel COL]\n"
        "                    [--homes REPS.csv] [--targets T.csv] [--tolerance T|MEASURE=T[,...]]\n"
        "                    [--format json|csv|text] [--out FILE]\n"
        "store mode: --model NAME measures a model of the store (--from-model for the baseline)\n",
};

static const char *const cmd_name[] = {"design", "realign", "report"};

typedef struct progress_state {
    struct timespec start;
    int shown;
} progress_state;

static double elapsed(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (now.tv_nsec - t0->tv_nsec) * 1e-9;
}

static int on_progress(void *ud, double fraction, const char *phase)
{
    progress_state *ps = ud;
    double t = elapsed(&ps->start);
    if (t >= 1.0) {
        fprintf(stderr, "\rregio: %3.0f%% %-24.24s %6.1f s", 100 * fraction, phase ? phase : "", t);
        ps->shown = 1;
    }
    return 0;
}

static int parse_double(const char *opt, const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    if (end == s || *end || !isfinite(*out)) {
        fprintf(stderr, "regio: %s needs a number, not '%s'\n", opt, s);
        return -1;
    }
    return 0;
}

/* --tolerance through the library's one parse (regio/design_opts.h):
 * without p only the syntax and the bare number (into *def); with p each
 * NAME must be a measure of --balance and tols (n_balance) receives its T. */
static int parse_tolerances(design_cmd cmd, const char *spec, const regio_design_problem *p,
                            double *def, double *tols)
{
    static const char *const names[] = {"design", "realign", "report"};
    regio_error err;
    regio_error_clear(&err);
    if (regio_design_tolerances_parse(spec, REGIO_OPTS_CLI, p ? p->in.measure_names : NULL,
                                      p ? p->params.balance_cols : NULL,
                                      p ? p->params.n_balance : 0, def, tols, NULL, &err)) {
        fprintf(stderr, "regio %s: %s\n", names[cmd], err.msg);
        return -1;
    }
    return 0;
}

/* Writes the report to path (NULL or "-": stdout) through the library's
 * one output helper (regio/output.h). */
/* One stored reason as a line of the text report's "why units moved". */
typedef struct {
    FILE *f;
    size_t n;
} reason_lines;

static int print_stored_reason(void *ud, const regio_unit_reason *r)
{
    reason_lines *l = ud;
    if (!l->n++)
        fprintf(l->f, "%-12s %-12s %-12s %s\n", "unit", "from", "to", "reason");
    fprintf(l->f, "%-12.12s %-12.12s %-12.12s %s\n", r->unit_id, r->from ? r->from : "-",
            r->to ? r->to : "-", r->text ? r->text : r->kind);
    return 0;
}

/* The report of a stored model (store != NULL, text format) ends with the
 * reasons saved with it: why each unit moved, as the design or realign
 * that made the model found them (those of units moved since are left
 * out by the store). */
static regio_err write_report(const char *path, const regio_design_problem *p, const int *labels,
                              const regio_design_report *r, const regio_design_result *res,
                              regio_report_format fmt, regio_store *store, const char *model,
                              regio_error *err)
{
    regio_output *o;
    regio_err rc = regio_output_open(path, &o, err);
    if (rc)
        return rc;
    rc = regio_design_write_report(p, labels, r, res, fmt, regio_output_stream(o), err);
    if (!rc && store && model && fmt == REGIO_REPORT_TEXT) {
        FILE *f = regio_output_stream(o);
        fprintf(f,
                "\nwhy units are where they are, as saved with model '%s' (from: the territory "
                "before a realign, or of the nearest centre after a design):\n",
                model);
        reason_lines l = {f, 0};
        rc = regio_store_model_reasons_foreach(store, model, print_stored_reason, &l, err);
        if (!rc && !l.n)
            fputs("(none saved with the model)\n", f);
    }
    if (rc) {
        regio_output_discard(o);
        return rc;
    }
    return regio_output_commit(o, err);
}

/*
 * A realign from a stored model starts where the library says it starts
 * (regio_model_view_realign_input, as a server job does): the model's
 * labels and its locked units. A --locked file adds locks on top.
 */
static regio_err realign_start(const regio_model_view *view, regio_design_problem *p,
                               regio_error *err)
{
    int k = 0;
    char **names = NULL;
    int *baseline = NULL, *locked = NULL;
    regio_err rc = regio_model_view_realign_input(view, &k, &names, &baseline, &locked, err);
    if (rc)
        return rc;
    /* The problem was loaded from the same model: its territories are the
     * same leaves in the same order. */
    for (int t = 0; !rc && t < k; t++)
        if (t >= p->k || strcmp(names[t], p->territory[t]) != 0)
            rc = regio_error_setf(err, REGIO_EDATA, NULL, 0, NULL,
                                  "model '%s' changed while it was read; run the realign again",
                                  view->model);
    size_t n = p->in.n;
    /* Units added after the model was made start where the library puts
     * them (the territory of the nearest aligned unit). */
    if (!rc && p->baseline_) {
        size_t filled = 0;
        for (size_t i = 0; i < n; i++) {
            filled += p->baseline_[i] < 0;
            p->baseline_[i] = baseline[i];
        }
        if (filled)
            fprintf(stderr,
                    "regio realign: %zu units of '%s' had no territory (added since); they "
                    "start in the territory of their nearest aligned unit\n",
                    filled, view->model);
    }
    /* The model's locks, under those of a --locked file (whose territory wins). */
    if (!rc && locked && !p->locked_) {
        if (!(p->locked_ = regio_malloc(n * sizeof *p->locked_)))
            rc = REGIO_ENOMEM;
        for (size_t i = 0; !rc && i < n; i++)
            p->locked_[i] = -1;
    }
    if (!rc && locked) {
        for (size_t i = 0; i < n; i++)
            if (p->locked_[i] < 0)
                p->locked_[i] = locked[i];
        p->params.locked = p->locked_;
    }
    regio_model_view_names_free(names, k);
    regio_free(baseline);
    regio_free(locked);
    return rc;
}

/* The weight of the home-to-territory distance: the travel weight. */
static int rep_weight_col(const regio_design_problem *p)
{
    int c = p->params.travel_col;
    if (c == REGIO_DESIGN_TRAVEL_DEFAULT)
        c = p->params.balance_cols ? p->params.balance_cols[0] : 0;
    return c;
}

/*
 * Reps for the result's territories, and the lines that say how it went
 * (into text): in store mode the store's reps by the library's assignment
 * (a realign keeps each territory's rep unless reassign; a territory named
 * after a rep of the homes file is that rep's); in file mode with --homes
 * each territory is its rep's and only the distances are measured; no reps
 * otherwise. *mr receives the store mode's reps (NULL in file mode).
 */
static regio_err choose_reps(regio_store *store, regio_design_problem *p,
                             const regio_model_view *view, const int *labels, int reassign,
                             int by_name, regio_model_reps **mr, regio_buf *text,
                             regio_error *err)
{
    *mr = NULL;
    regio_err rc = REGIO_OK;
    if (store) {
        unsigned flags = (reassign ? REGIO_REPS_REASSIGN : 0) | (by_name ? REGIO_REPS_BY_NAME : 0);
        rc = regio_model_reps_assign(store, p, view, p->k, p->territory, labels,
                                     rep_weight_col(p), flags, mr, err);
        if (!rc)
            rc = regio_model_reps_describe(*mr, p, p->territory, text);
        if (!rc)
            rc = regio_design_problem_set_reps(p, (*mr)->territory_rep, err);
        return rc;
    }
    if (!p->params.home_x)
        return REGIO_OK;
    int *pinned = regio_malloc((size_t)p->k * sizeof *pinned);
    if (!pinned)
        return REGIO_ENOMEM;
    for (int t = 0; t < p->k; t++)
        pinned[t] = t;
    regio_rep_assignment a;
    rc = regio_rep_assign(&p->in, p->k, labels, rep_weight_col(p), (size_t)p->k,
                          p->params.home_x, p->params.home_y, pinned, &a, err);
    if (!rc)
        rc = regio_rep_assignment_describe(&a, p->in.coords, (const char *const *)p->territory,
                                           (const char *const *)p->territory, text);
    regio_rep_assignment_free(&a);
    regio_free(pinned);
    return rc;
}

/* Prints each line of text prefixed with "regio CMD: ". */
static void print_lines(const char *cmd, const regio_buf *text)
{
    const char *s = text->data;
    while (s && *s) {
        const char *e = strchr(s, '\n');
        int len = e ? (int)(e - s) : (int)strlen(s);
        fprintf(stderr, "regio %s: %.*s\n", cmd, len, s);
        s += len + (e ? 1 : 0);
    }
}

/* NAME-I for proposal i: a model name, or a file name with -I before its
 * extension ("a.csv" -> "a-2.csv"). */
static char *proposal_name(const char *base, int i, int is_file)
{
    size_t len = strlen(base);
    const char *dot = is_file ? strrchr(base, '.') : NULL;
    const char *slash = strrchr(base, '/');
    if (dot && (dot == base || (slash && dot < slash) || dot[-1] == '/'))
        dot = NULL;
    size_t stem = dot ? (size_t)(dot - base) : len;
    char *name = regio_malloc(len + 16);
    if (name)
        snprintf(name, len + 16, "%.*s-%d%s", (int)stem, base, i, dot ? dot : "");
    return name;
}

/*
 * --proposals: the front (regio_design_propose), each proposal with its
 * reps written as OUT-I and saved as MODEL-I (with its reasons), the
 * summary table on stdout and the front as --report. Returns the exit
 * status.
 */
static int run_proposals(design_cmd cmd, regio_store *store, regio_design_problem *p,
                         const regio_model_view *view, int n_wanted, const char *out,
                         const char *report, regio_report_format fmt, const char *model,
                         int replace, int reassign, int by_name)
{
    regio_error err;
    regio_error_clear(&err);
    char **names = regio_calloc((size_t)n_wanted, sizeof *names);
    char **files = regio_calloc((size_t)n_wanted, sizeof *files);
    regio_err rc = names && files ? REGIO_OK : REGIO_ENOMEM;
    for (int i = 0; !rc && i < n_wanted; i++) {
        if (model && !(names[i] = proposal_name(model, i + 1, 0)))
            rc = REGIO_ENOMEM;
        if (!rc && out && !(files[i] = proposal_name(out, i + 1, 1)))
            rc = REGIO_ENOMEM;
        int exists = 0;
        if (!rc && model)
            rc = regio_model_save_check(store, names[i], replace ? REGIO_SAVE_REPLACE : 0,
                                        &exists, &err);
    }
    regio_design_proposals props;
    memset(&props, 0, sizeof props);
    if (!rc) {
        rc = regio_design_propose(&p->in, &p->params, n_wanted, &props, &err);
        if (rc == REGIO_ECANCELLED && props.n)
            rc = REGIO_OK;
    }
    int partial = 0;
    for (size_t i = 0; !rc && i < props.n; i++) {
        const regio_design_result *res = &props.items[i].result;
        regio_model_reps *reps = NULL;
        regio_buf rep_text;
        regio_buf_init(&rep_text, 0);
        rc = choose_reps(store, p, view, res->labels, reassign, by_name, &reps, &rep_text, &err);
        if (!rc && out)
            rc = regio_design_write_alignment(p, res->labels, files[i], &err);
        if (!rc && model)
            rc = regio_model_view_save_explained(store, p, view, p->k, p->territory, res->labels,
                                                 reps ? reps->territory_rep : NULL, res->reasons,
                                                 res->n_reasons, names[i],
                                                 replace ? REGIO_SAVE_REPLACE : 0, "cli", &err);
        partial |= props.items[i].status != REGIO_OK;
        regio_buf_free(&rep_text);
        regio_model_reps_destroy(reps);
        regio_design_problem_set_reps(p, NULL, NULL);
    }
    if (!rc) {
        const char *const *shown = (const char *const *)(model ? names : files);
        rc = regio_design_write_proposals(p, &props, shown, REGIO_REPORT_TEXT, stdout, &err);
        if (!rc && report) {
            regio_output *o;
            rc = regio_output_open(report, &o, &err);
            if (!rc) {
                rc = regio_design_write_proposals(p, &props, shown, fmt, regio_output_stream(o),
                                                  &err);
                if (rc)
                    regio_output_discard(o);
                else
                    rc = regio_output_commit(o, &err);
            }
        }
    }
    if (rc)
        cli_print_error(cmd_name[cmd], rc, &err);
    else if (model)
        fprintf(stderr, props.n == 1 ? "regio %s: saved %zu proposal as planning model '%s'\n"
                                     : "regio %s: saved %zu proposals as planning models '%s' to "
                                       "'%s'\n",
                cmd_name[cmd], props.n, names[0], names[props.n - 1]);
    for (int i = 0; i < n_wanted; i++) {
        regio_free(names ? names[i] : NULL);
        regio_free(files ? files[i] : NULL);
    }
    regio_free(names);
    regio_free(files);
    regio_design_proposals_free(&props);
    /* Every proposal met its run's tolerances: done; else best efforts. */
    return rc ? CLI_FAIL : partial ? CLI_PARTIAL : CLI_OK;
}

int cli_design_main(design_cmd cmd, int argc, char **argv)
{
    enum {
        O_UNITS = 256, O_ADJ, O_LAYER, O_WHERE, O_IDF, O_K, O_CAP, O_BAL, O_IW, O_TOL, O_TRAVEL,
        O_HOMES, O_LOCKED, O_KEEP, O_TARGETS, O_SEED, O_TIME, O_OUT, O_REPORT, O_OBJ, O_FROM,
        O_MAXM, O_MAXW, O_ALIGN, O_BASE, O_FORMAT, O_STARTS, O_DB, O_MODEL, O_FROM_MODEL,
        O_REPLACE, O_REASSIGN, O_PROPOSALS
    };
    static const struct option longopts[] = {
        {"units", required_argument, 0, O_UNITS},       {"adjacency", required_argument, 0, O_ADJ},
        {"layer", required_argument, 0, O_LAYER},       {"where", required_argument, 0, O_WHERE},
        {"id-field", required_argument, 0, O_IDF},      {"k", required_argument, 0, O_K},
        {"capacity", required_argument, 0, O_CAP},      {"balance", required_argument, 0, O_BAL},
        {"index-weights", required_argument, 0, O_IW},  {"tolerance", required_argument, 0, O_TOL},
        {"travel", required_argument, 0, O_TRAVEL},     {"homes", required_argument, 0, O_HOMES},
        {"locked", required_argument, 0, O_LOCKED},     {"keep-whole", required_argument, 0, O_KEEP},
        {"targets", required_argument, 0, O_TARGETS},   {"seed", required_argument, 0, O_SEED},
        {"time-limit", required_argument, 0, O_TIME},   {"out", required_argument, 0, O_OUT},
        {"report", required_argument, 0, O_REPORT},     {"objective", required_argument, 0, O_OBJ},
        {"from", required_argument, 0, O_FROM},         {"max-moved", required_argument, 0, O_MAXM},
        {"max-moved-weight", required_argument, 0, O_MAXW},
        {"alignment", required_argument, 0, O_ALIGN},   {"baseline", required_argument, 0, O_BASE},
        {"format", required_argument, 0, O_FORMAT},     {"starts", required_argument, 0, O_STARTS},
        {"db", required_argument, 0, O_DB},             {"model", required_argument, 0, O_MODEL},
        {"from-model", required_argument, 0, O_FROM_MODEL},
        {"replace", no_argument, 0, O_REPLACE},
        {"reassign-reps", no_argument, 0, O_REASSIGN},
        {"proposals", required_argument, 0, O_PROPOSALS},
        {"help", no_argument, 0, 'h'},                  {0, 0, 0, 0}};
    regio_design_spec spec;
    memset(&spec, 0, sizeof spec);
    const char *out = NULL, *report = NULL, *format = cmd == DESIGN_CMD_REPORT ? "text" : "json";
    double tolerance = 0, time_limit = 0, max_moved = 0, max_moved_w = 0;
    const char *tol_spec = NULL;
    double *tols = NULL;
    unsigned long long seed = 1;
    int k_auto = 0, starts = 0, replace = 0, reassign = 0, proposals = 0;
    const char *db = NULL, *model = NULL;
    regio_design_objective objective = REGIO_DESIGN_MIN_TRAVEL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case O_UNITS: spec.units_path = optarg; break;
        case O_ADJ: spec.units_opts.adjacency_path = optarg; break;
        case O_LAYER: spec.units_opts.layer = optarg; break;
        case O_WHERE: spec.units_opts.where = optarg; break;
        case O_IDF: spec.units_opts.id_field = optarg; break;
        case O_K:
            if (!strcmp(optarg, "auto")) {
                k_auto = 1;
            } else {
                char *end;
                long k = strtol(optarg, &end, 10);
                if (*end || end == optarg || k < 1 || k > INT_MAX) {
                    fprintf(stderr, "regio %s: --k takes a positive number or 'auto'\n",
                            cmd_name[cmd]);
                    return CLI_USAGE;
                }
                spec.k = (int)k;
            }
            break;
        case O_CAP:
            if (parse_double("--capacity", optarg, &spec.capacity) || spec.capacity <= 0)
                return CLI_USAGE;
            break;
        case O_BAL: spec.balance = optarg; break;
        case O_IW: spec.index_weights = optarg; break;
        case O_TOL: tol_spec = optarg; break;
        case O_TRAVEL: spec.travel = optarg; break;
        case O_HOMES: spec.homes_path = optarg; break;
        case O_LOCKED: spec.locked_path = optarg; break;
        case O_KEEP: spec.keep_whole = optarg; break;
        case O_TARGETS: spec.targets_path = optarg; break;
        case O_SEED: {
            char *end;
            seed = strtoull(optarg, &end, 10);
            if (*end || end == optarg) {
                fprintf(stderr, "regio %s: --seed takes a non-negative integer\n", cmd_name[cmd]);
                return CLI_USAGE;
            }
            break;
        }
        case O_TIME:
            if (parse_double("--time-limit", optarg, &time_limit))
                return CLI_USAGE;
            break;
        case O_OUT: out = optarg; break;
        case O_REPORT: report = optarg; break;
        case O_OBJ: {
            regio_error oe;
            regio_error_clear(&oe);
            if (regio_design_objective_parse(optarg, REGIO_OPTS_CLI, &objective, &oe)) {
                fprintf(stderr, "regio %s: %s\n", cmd_name[cmd], oe.msg);
                return CLI_USAGE;
            }
            break;
        }
        case O_FROM: spec.baseline_path = optarg; break;
        case O_BASE: spec.baseline_path = optarg; break;
        case O_MAXM:
            if (parse_double("--max-moved", optarg, &max_moved))
                return CLI_USAGE;
            break;
        case O_MAXW:
            if (parse_double("--max-moved-weight", optarg, &max_moved_w))
                return CLI_USAGE;
            break;
        case O_ALIGN: spec.alignment_path = optarg; break;
        case O_DB: db = optarg; break;
        case O_MODEL: model = optarg; break;
        case O_FROM_MODEL: spec.baseline_model = optarg; break;
        case O_REPLACE: replace = 1; break;
        case O_REASSIGN: reassign = 1; break;
        case O_FORMAT: format = optarg; break;
        case O_PROPOSALS: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 1 || v > 20 || cmd == DESIGN_CMD_REPORT) {
                fprintf(stderr, "regio %s: --proposals takes a number from 1 to 20 (design and "
                                "realign)\n",
                        cmd_name[cmd]);
                return CLI_USAGE;
            }
            proposals = (int)v;
            break;
        }
        case O_STARTS: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 1 || v > 1000) {
                fprintf(stderr, "regio %s: --starts takes a number from 1 to 1000\n", cmd_name[cmd]);
                return CLI_USAGE;
            }
            starts = (int)v;
            break;
        }
        case 'h': fputs(usage_text[cmd], stdout); return CLI_OK;
        default: fputs(usage_text[cmd], stderr); return CLI_USAGE;
        }
    }
    /* Without --units the store is the source (store mode). */
    if (cmd == DESIGN_CMD_REPORT && model) {
        spec.alignment_model = model; /* report measures the model */
        model = NULL;
    }
    int store_mode = !spec.units_path || model || spec.baseline_model || spec.alignment_model;
    const char *missing = !spec.balance ? "--balance" : NULL;
    if (!missing && cmd == DESIGN_CMD_DESIGN && !out && !model)
        missing = "--out (or --model)";
    if (!missing && cmd == DESIGN_CMD_DESIGN && !spec.k && !k_auto && !spec.homes_path)
        missing = "--k";
    if (!missing && cmd == DESIGN_CMD_REALIGN && !spec.baseline_path && !spec.baseline_model)
        missing = "--from (or --from-model)";
    if (!missing && cmd == DESIGN_CMD_REALIGN && !out && !model)
        missing = "--out (or --model)";
    if (!missing && cmd == DESIGN_CMD_REPORT && !spec.alignment_path && !spec.alignment_model)
        missing = "--alignment (or --model)";
    if (!missing && k_auto && spec.capacity <= 0)
        missing = "--capacity (with --k auto)";
    if (!missing && reassign && (cmd != DESIGN_CMD_REALIGN || !spec.baseline_model)) {
        fprintf(stderr, "regio %s: --reassign-reps is for regio realign --from-model\n",
                cmd_name[cmd]);
        fputs(usage_text[cmd], stderr);
        return CLI_USAGE;
    }
    if (!missing && proposals && out && !strcmp(out, "-")) {
        fprintf(stderr, "regio %s: --proposals writes a file a proposal: --out needs a file "
                        "name, not -\n",
                cmd_name[cmd]);
        return CLI_USAGE;
    }
    if (missing || optind != argc) {
        if (missing)
            fprintf(stderr, "regio %s: %s is required\n", cmd_name[cmd], missing);
        fputs(usage_text[cmd], stderr);
        return CLI_USAGE;
    }
    if (tol_spec && parse_tolerances(cmd, tol_spec, NULL, &tolerance, NULL))
        return CLI_USAGE;
    {
        /* The numbers as the library checks them (regio/design_opts.h). */
        regio_design_params chk;
        regio_design_params_init(&chk);
        chk.time_limit_s = time_limit;
        chk.max_moved_units = max_moved;
        chk.max_moved_weight = max_moved_w;
        chk.n_starts = starts;
        regio_error ce;
        regio_error_clear(&ce);
        if (regio_design_numbers_check(&chk, REGIO_OPTS_CLI, &ce)) {
            fprintf(stderr, "regio %s: %s\n", cmd_name[cmd], ce.msg);
            return CLI_USAGE;
        }
    }
    regio_report_format fmt;
    if (!strcmp(format, "json"))
        fmt = REGIO_REPORT_JSON;
    else if (!strcmp(format, "csv"))
        fmt = REGIO_REPORT_CSV;
    else if (!strcmp(format, "text"))
        fmt = REGIO_REPORT_TEXT;
    else {
        fprintf(stderr, "regio %s: --format is json, csv or text\n", cmd_name[cmd]);
        return CLI_USAGE;
    }
    regio_error err;
    regio_error_clear(&err);
    regio_store *store = NULL;
    if (store_mode && !(store = cli_open_store(db)))
        return CLI_FAIL;
    spec.store = store;
    regio_design_problem *p = NULL;
    regio_err rc = REGIO_OK;
    /* Refuse a model that will not be saved before the run, not after. */
    int exists = 0;
    if (model && cmd != DESIGN_CMD_REPORT &&
        (rc = regio_model_save_check(store, model, replace ? REGIO_SAVE_REPLACE : 0, &exists,
                                     &err))) {
        cli_print_error(cmd_name[cmd], rc, &err);
        regio_store_close(store);
        return CLI_FAIL;
    }
    rc = regio_design_problem_load(&spec, &p, &err);
    if (rc) {
        cli_print_error(cmd_name[cmd], rc, &err);
        regio_store_close(store);
        return CLI_FAIL;
    }
    p->params.tolerance = tolerance;
    if (tol_spec && strchr(tol_spec, '=')) {
        tols = regio_calloc(p->params.n_balance, sizeof *tols);
        int bad = !tols ? CLI_FAIL
                  : parse_tolerances(cmd, tol_spec, p, &tolerance, tols) ? CLI_USAGE
                                                                          : CLI_OK;
        if (bad) {
            if (!tols)
                fprintf(stderr, "regio %s: out of memory\n", cmd_name[cmd]);
            regio_free(tols);
            regio_design_problem_destroy(p);
            regio_store_close(store);
            return bad;
        }
        p->params.tolerances = tols;
    }
    p->params.seed = seed;
    p->params.time_limit_s = time_limit;
    p->params.objective = objective;
    p->params.n_starts = starts;
    p->params.max_moved_units = max_moved;
    p->params.max_moved_weight = max_moved_w;
    p->params.realign = cmd == DESIGN_CMD_REALIGN;
    p->params.territory_names = (const char *const *)p->territory; /* for messages */
    progress_state ps;
    clock_gettime(CLOCK_MONOTONIC, &ps.start);
    ps.shown = 0;
    /* Progress on stderr only for a terminal: logs and pipes stay clean. */
    if (isatty(STDERR_FILENO)) {
        p->params.progress = on_progress;
        p->params.progress_ud = &ps;
    }
    int status = CLI_OK;
    /* A model of the store is read as the library's loaded model: its
     * account overrides count in their new territory, its locks hold in a
     * realign, and a realign's result keeps its hierarchy. */
    regio_model_view *view = NULL;
    const char *view_model = cmd == DESIGN_CMD_REPORT    ? spec.alignment_model
                             : cmd == DESIGN_CMD_REALIGN ? spec.baseline_model
                                                         : NULL;
    double *adjust = NULL;
    if (view_model) {
        rc = regio_model_view_load(store, p, view_model, p->params.balance_cols[0], &view, &err);
        if (!rc && cmd == DESIGN_CMD_REPORT)
            rc = regio_model_view_measure_adjust(view, p->k, p->territory, &adjust, &err);
        if (!rc && cmd == DESIGN_CMD_REALIGN)
            rc = realign_start(view, p, &err);
        if (rc) {
            cli_print_error(cmd_name[cmd], rc, &err);
            regio_model_view_destroy(view);
            regio_design_problem_destroy(p);
            regio_free(tols);
            regio_store_close(store);
            return CLI_FAIL;
        }
        p->params.measure_adjust = adjust;
    }
    if (cmd == DESIGN_CMD_REPORT) {
        regio_design_report r;
        memset(&r, 0, sizeof r);
        /* A stored model may leave units added since unaligned: listed. */
        p->params.allow_unaligned = spec.alignment_model != NULL;
        rc = regio_design_evaluate(&p->in, &p->params, p->alignment, &r, &err);
        if (!rc)
            rc = write_report(out, p, p->alignment, &r, NULL, fmt, store, spec.alignment_model,
                              &err);
        if (rc)
            cli_print_error("report", rc, &err);
        regio_design_report_free(&r);
        regio_free(adjust);
        regio_model_view_destroy(view);
        regio_design_problem_destroy(p);
        regio_free(tols);
        regio_store_close(store);
        return rc ? CLI_FAIL : CLI_OK;
    }
    if (proposals) {
        status = run_proposals(cmd, store, p, view, proposals, out, report, fmt, model, replace,
                               reassign, spec.homes_path != NULL);
        if (ps.shown)
            fputc('\n', stderr);
        regio_model_view_destroy(view);
        regio_design_problem_destroy(p);
        regio_free(tols);
        regio_store_close(store);
        return status;
    }
    regio_design_result res;
    memset(&res, 0, sizeof res);
    rc = regio_design_run(&p->in, &p->params, &res, &err);
    if (ps.shown)
        fputc('\n', stderr);
    if (rc && rc != REGIO_EINFEASIBLE && rc != REGIO_ECANCELLED) {
        cli_print_error(cmd_name[cmd], rc, &err);
        regio_design_result_free(&res);
        regio_model_view_destroy(view);
        regio_design_problem_destroy(p);
        regio_free(tols);
        regio_store_close(store);
        return CLI_FAIL;
    }
    if (rc == REGIO_EINFEASIBLE) {
        fprintf(stderr, "regio %s: not every constraint could be met; best effort written:\n",
                cmd_name[cmd]);
        for (size_t i = 0; i < res.n_diagnostics; i++)
            fprintf(stderr, "  %s\n", res.diagnostics[i]);
        status = CLI_PARTIAL;
    }
    /* Reps before anything is written: the model is saved with them. */
    regio_model_reps *reps = NULL;
    regio_buf rep_text;
    regio_buf_init(&rep_text, 0);
    regio_err wrc = choose_reps(store, p, view, res.labels, reassign, spec.homes_path != NULL,
                                &reps, &rep_text, &err);
    if (!wrc && out)
        wrc = regio_design_write_alignment(p, res.labels, out, &err);
    if (!wrc && model) {
        wrc = regio_model_view_save_explained(store, p, view, p->k, p->territory, res.labels,
                                              reps ? reps->territory_rep : NULL, res.reasons,
                                              res.n_reasons, model,
                                              replace ? REGIO_SAVE_REPLACE : 0, "cli", &err);
        if (!wrc)
            fprintf(stderr, "regio %s: saved as planning model '%s'\n", cmd_name[cmd], model);
    }
    if (!wrc && report) {
        wrc = write_report(report, p, res.labels, &res.report, &res, fmt, NULL, NULL, &err);
    }
    if (wrc) {
        cli_print_error(cmd_name[cmd], wrc, &err);
        status = CLI_FAIL;
    } else {
        const regio_design_report *r = &res.report;
        char nu[32], km[64];
        fprintf(stderr, "regio %s: %s units in %d territories; balance", cmd_name[cmd],
                regio_format_number((double)p->in.n, 0, nu, sizeof nu), p->k);
        if (p->params.index_weights)
            fprintf(stderr, " index %.2f%% (", 100 * regio_design_index_balance(&p->params, r));
        for (size_t i = 0; i < p->params.n_balance; i++)
            fprintf(stderr, "%s%s %.2f%%", i || !p->params.index_weights ? " " : "",
                    p->in.measure_names[p->params.balance_cols[i]],
                    100 * r->balance[p->params.balance_cols[i]]);
        if (p->params.index_weights)
            fputc(')', stderr);
        fprintf(stderr, ", non-contiguous %d, travel %s", r->n_noncontiguous,
                regio_format_unit(r->travel_km, 2,
                                  p->in.coords == REGIO_COORDS_PLANAR ? "units" : "km", km,
                                  sizeof km));
        if (r->has_baseline)
            fprintf(stderr, ", moved %s units (%.2f%%)",
                    regio_format_number((double)r->moved_units, 0, nu, sizeof nu),
                    100 * r->moved_units_share);
        fprintf(stderr, "; %.1f s\n", res.seconds);
        print_lines(cmd_name[cmd], &rep_text);
    }
    regio_buf_free(&rep_text);
    regio_model_reps_destroy(reps);
    regio_design_result_free(&res);
    regio_model_view_destroy(view);
    regio_design_problem_destroy(p);
    regio_free(tols);
    regio_store_close(store);
    return status;
}
