/*
 * `regio perf`: the figures of docs/PERFORMANCE.md for a period, by
 * territory, rep, level or for the whole model, as a table for people, CSV
 * or JSON; and `regio quota allocate`: a total split over a model's
 * territories by potential and history. The rules are the library's
 * (regio/perf.h); this file parses options and writes what it returns.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char perf_usage[] =
    "usage: regio perf [--model M] (--period P | --from DAY --to DAY) [--fiscal-start MONTH]\n"
    "                  [--by territory|rep|level:N|model] [--credit as-of|current]\n"
    "                  [--segment-visits A=24,B=12,C=4] [--format table|csv|json]\n"
    "                  [--out FILE] [--db PATH]\n"
    "  P is a month (2027-03), a quarter (2027Q1), a year (2027) or a fiscal year\n"
    "  (FY2027: the one ending in 2027, starting in --fiscal-start, default 1).\n"
    "  --model: the reporting model (default: the model in force today).\n"
    "  --credit as-of (default): a sale counts for the territory that held its account\n"
    "  in the model in force on its date; current: through the reporting model.\n"
    "  docs/PERFORMANCE.md defines every figure and flag.\n";

static int usage_error(const char *cmd, const char *usage, const char *msg)
{
    if (msg)
        fprintf(stderr, "regio %s: %s\n", cmd, msg);
    fputs(usage, stderr);
    return CLI_USAGE;
}

static int fail(const char *cmd, regio_err rc, const regio_error *err)
{
    char buf[2048];
    fprintf(stderr, "regio %s: %s\n", cmd,
            err->msg[0] ? regio_error_format(err, buf, sizeof buf) : regio_strerror(rc));
    return CLI_FAIL;
}

/* Writes b to path (stdout for NULL or "-") atomically. */
static int write_out(const char *cmd, const char *path, const regio_buf *b)
{
    regio_error err;
    regio_error_clear(&err);
    if (!path || regio_output_is_stdout(path)) {
        fwrite(b->data ? b->data : "", 1, b->len, stdout);
        return CLI_OK;
    }
    regio_err rc = regio_output_write(path, b->data ? b->data : "", b->len, &err);
    return rc ? fail(cmd, rc, &err) : CLI_OK;
}

int cli_cmd_perf(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, 0, 'd'},          {"model", required_argument, 0, 'm'},
        {"period", required_argument, 0, 'p'},      {"from", required_argument, 0, 'f'},
        {"to", required_argument, 0, 't'},          {"fiscal-start", required_argument, 0, 'F'},
        {"by", required_argument, 0, 'b'},          {"credit", required_argument, 0, 'c'},
        {"segment-visits", required_argument, 0, 's'}, {"format", required_argument, 0, 'o'},
        {"out", required_argument, 0, 'O'},         {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *db = NULL, *period = NULL, *from = NULL, *to = NULL, *out = NULL;
    int fiscal = 1;
    regio_perf_query q;
    memset(&q, 0, sizeof q);
    regio_perf_format fmt = REGIO_PERF_TABLE;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'm': q.model = optarg; break;
        case 'p': period = optarg; break;
        case 'f': from = optarg; break;
        case 't': to = optarg; break;
        case 'F': {
            char *end = NULL;
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 1 || v > 12)
                return usage_error("perf", perf_usage, "--fiscal-start is a month, 1 to 12");
            fiscal = (int)v;
            break;
        }
        case 'b':
            if (regio_perf_by_parse(optarg, &q.by, &q.level))
                return usage_error("perf", perf_usage,
                                   "--by is territory, rep, level:N (N >= 1) or model");
            break;
        case 'c':
            if (!strcmp(optarg, "as-of") || !strcmp(optarg, "asof"))
                q.current = 0;
            else if (!strcmp(optarg, "current"))
                q.current = 1;
            else
                return usage_error("perf", perf_usage, "--credit is as-of or current");
            break;
        case 's': q.segment_visits = optarg; break;
        case 'o':
            if (!strcmp(optarg, "table"))
                fmt = REGIO_PERF_TABLE;
            else if (!strcmp(optarg, "csv"))
                fmt = REGIO_PERF_CSV;
            else if (!strcmp(optarg, "json"))
                fmt = REGIO_PERF_JSON;
            else
                return usage_error("perf", perf_usage, "--format is table, csv or json");
            break;
        case 'O': out = optarg; break;
        case 'h': fputs(perf_usage, stdout); return CLI_OK;
        default: return usage_error("perf", perf_usage, NULL);
        }
    }
    if (optind != argc)
        return usage_error("perf", perf_usage, "unexpected argument");
    if (!period == !(from || to) || (!period && (!from || !to)))
        return usage_error("perf", perf_usage,
                           "give --period P, or --from DAY and --to DAY (not both)");
    /* --out FILE.csv / .json chooses the format when --format is not given */
    int fmt_given = 0;
    for (int i = 1; i < argc; i++)
        fmt_given |= !strncmp(argv[i], "--format", 8);
    if (out && !fmt_given) {
        size_t n = strlen(out);
        if (n > 4 && !strcmp(out + n - 4, ".csv"))
            fmt = REGIO_PERF_CSV;
        else if (n > 5 && !strcmp(out + n - 5, ".json"))
            fmt = REGIO_PERF_JSON;
    }
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = period ? regio_period_parse(period, fiscal, &q.period, &err)
                          : regio_period_range(from, to, &q.period, &err);
    if (rc)
        return usage_error("perf", perf_usage, err.msg);
    regio_store *s = cli_open_store(db);
    if (!s)
        return CLI_FAIL;
    regio_perf_result r;
    rc = regio_perf_compute(s, &q, &r, &err);
    regio_store_close(s);
    if (rc)
        return fail("perf", rc, &err);
    regio_buf b;
    regio_buf_init(&b, 0);
    rc = regio_perf_render(&r, fmt, &b);
    int st = rc ? fail("perf", rc, &err) : write_out("perf", out, &b);
    regio_buf_free(&b);
    regio_perf_result_free(&r);
    return st;
}

static const char quota_usage[] =
    "usage: regio quota allocate --total X --period P [--model M]\n"
    "                            [--weights potential=0.6,history=0.4] [--seasonality]\n"
    "                            [--dry-run] [--format table|csv|json] [--db PATH]\n"
    "  Splits X (whole currency units) over the leaf territories of M (default: the\n"
    "  model in force) by potential and by bookings over the period of the same\n"
    "  length just before P (largest remainder: the parts add up to X exactly), and\n"
    "  saves it as monthly quotas of P, spread by days or, with --seasonality, by\n"
    "  last year's monthly bookings. P is whole months: 2027-03, 2027Q1, 2027, FY2027\n"
    "  (--fiscal-start). --dry-run shows the proposal without saving it.\n";

int cli_cmd_quota(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, 0, 'd'},      {"model", required_argument, 0, 'm'},
        {"total", required_argument, 0, 'T'},   {"period", required_argument, 0, 'p'},
        {"weights", required_argument, 0, 'w'}, {"seasonality", no_argument, 0, 'S'},
        {"dry-run", no_argument, 0, 'n'},       {"format", required_argument, 0, 'o'},
        {"fiscal-start", required_argument, 0, 'F'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *db = NULL, *period = NULL, *weights = "potential=0.6,history=0.4",
               *format = "table";
    int fiscal = 1;
    regio_quota_query q;
    memset(&q, 0, sizeof q);
    q.total = NAN;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'm': q.model = optarg; break;
        case 'T': {
            char *end = NULL;
            q.total = strtod(optarg, &end);
            if (!*optarg || *end)
                return usage_error("quota", quota_usage, "--total needs a number");
            break;
        }
        case 'p': period = optarg; break;
        case 'w': weights = optarg; break;
        case 'S': q.seasonality = 1; break;
        case 'n': q.dry_run = 1; break;
        case 'o': format = optarg; break;
        case 'F': fiscal = atoi(optarg); break;
        case 'h': fputs(quota_usage, stdout); return CLI_OK;
        default: return usage_error("quota", quota_usage, NULL);
        }
    }
    if (optind + 1 != argc || strcmp(argv[optind], "allocate"))
        return usage_error("quota", quota_usage, "the command is: regio quota allocate ...");
    if (!period || isnan(q.total))
        return usage_error("quota", quota_usage, "--total and --period are required");
    if (strcmp(format, "table") && strcmp(format, "csv") && strcmp(format, "json"))
        return usage_error("quota", quota_usage, "--format is table, csv or json");
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = regio_period_parse(period, fiscal, &q.period, &err);
    if (!rc)
        rc = regio_quota_weights_parse(weights, &q.w_potential, &q.w_history, &err);
    if (rc)
        return usage_error("quota", quota_usage, err.msg);
    regio_store *s = cli_open_store(db);
    if (!s)
        return CLI_FAIL;
    regio_quota_result r;
    rc = regio_quota_allocate(s, &q, &r, &err);
    regio_store_close(s);
    if (rc)
        return fail("quota", rc, &err);
    char per[32], hist[32], a[40], b[40], c2[40], d[40];
    regio_period_format(q.period, per);
    regio_period_format(r.history, hist);
    if (!strcmp(format, "csv")) {
        printf("territory,quota,potential,history,last_year_bookings\n");
        for (size_t i = 0; i < r.n; i++)
            printf("%s,%.0f,%s,%s,%s\n", r.t[i].territory, r.t[i].amount,
                   regio_format_g15(r.t[i].potential, b), regio_format_g15(r.t[i].history, c2),
                   regio_format_g15(r.t[i].last_bookings, d));
    } else if (!strcmp(format, "json")) {
        regio_buf b2;
        regio_buf_init(&b2, 0);
        if (regio_quota_render_json(&q, &r, &b2) == REGIO_OK)
            fwrite(b2.data ? b2.data : "", 1, b2.len, stdout);
        regio_buf_free(&b2);
    } else {
        printf("%s quota of %s for %s over %s territories (history: bookings %s)\n",
               q.dry_run ? "Proposed" : "Saved", regio_format_money(q.total, NULL, a, sizeof a),
               per, CLI_COUNT(b, r.n), hist);
        printf("%-16s  %12s  %12s  %12s  %16s\n", "territory", "quota", "potential",
               "history", "same period -1y");
        for (size_t i = 0; i < r.n; i++)
            printf("%-16s  %12s  %12s  %12s  %16s\n", r.t[i].territory,
                   regio_format_number(r.t[i].amount, 0, a, sizeof a),
                   regio_format_money(r.t[i].potential, NULL, b, sizeof b),
                   regio_format_money(r.t[i].history, NULL, c2, sizeof c2),
                   regio_format_money(r.t[i].last_bookings, NULL, d, sizeof d));
        if (q.dry_run)
            printf("Nothing saved (--dry-run).\n");
    }
    regio_quota_result_free(&r);
    return CLI_OK;
}
