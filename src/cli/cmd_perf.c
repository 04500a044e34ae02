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

static int parse_by(const char *v, regio_perf_query *q)
{
    if (!strcmp(v, "territory"))
        q->by = REGIO_PERF_BY_TERRITORY;
    else if (!strcmp(v, "rep"))
        q->by = REGIO_PERF_BY_REP;
    else if (!strcmp(v, "model"))
        q->by = REGIO_PERF_BY_MODEL;
    else if (!strncmp(v, "level:", 6)) {
        char *end = NULL;
        long n = strtol(v + 6, &end, 10);
        if (!v[6] || *end || n < 1 || n > 64)
            return -1;
        q->by = REGIO_PERF_BY_LEVEL;
        q->level = (int)n;
    } else
        return -1;
    return 0;
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
            if (parse_by(optarg, &q))
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
