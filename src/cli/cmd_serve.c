/*
 * `regio serve`: the HTTP API and the browser app over the store.
 */
#include "cli/cli.h"
#include "server/server.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef REGIO_SOURCE_DIR
#define REGIO_SOURCE_DIR "."
#endif

static void usage(FILE *out)
{
    fprintf(out,
            "usage: regio serve [--db PATH] [--port 8080] [--bind 127.0.0.1]\n"
            "                   [--tile-url URL] [--cors ORIGIN] [--max-body BYTES]\n"
            "                   [--timeout SECONDS] [--request-deadline SECONDS]\n"
            "                   [--per-client N] [--max-connections N] [--threads N]\n"
            "                   [--web DIR] [--modules DIR] [--trusted-proxy ADDR]... [--quiet]\n"
            "                   [--no-worker] [--list-cache MB]\n"
            "Serves the JSON API under /api/v1 (docs/API.md) and the browser app at /.\n"
            "Binds 127.0.0.1 unless --bind says otherwise; --port 0 picks a free port.\n"
            "A connection idle for --timeout (15 s) is closed; a request whose headers and\n"
            "body have not all arrived --request-deadline (30 s) after it began gets 408.\n"
            "At most --per-client (128) connections from one address, --max-connections\n"
            "(4096) in all. SIGTERM or SIGINT stops it gracefully: the requests in flight\n"
            "are answered, the store closed.\n"
            "Jobs (POST /api/v1/jobs) are queued in the store and done by the server's\n"
            "worker thread, or by any server or `regio worker` on the same store; with\n"
            "--no-worker this server runs none. At a stop, the job its worker runs stops at\n"
            "its next heartbeat and is taken again by a worker after its lease (60 s).\n"
            "Behind a reverse proxy, --trusted-proxy (up to 8 times) names its address: the\n"
            "client of a request from it is the last address of X-Forwarded-For that is\n"
            "not a trusted proxy (for the sign-in throttle and the audit).\n"
            "Account lists (GET /api/v1/accounts) are kept per caller and query until the\n"
            "next write to the store, up to --list-cache MB (64) of them; 0 keeps none.\n");
}

static int parse_uint(const char *opt, const char *s, unsigned long min, unsigned long max,
                      unsigned long *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max || s[0] == '-') {
        fprintf(stderr, "regio serve: %s '%s' is not a whole number from %lu to %lu\n", opt, s,
                min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_cmd_serve(int argc, char **argv)
{
    enum { O_DB = 1, O_PORT, O_BIND, O_TILE, O_CORS, O_BODY, O_TIMEOUT, O_DEADLINE, O_PER,
           O_MAX_CONNS, O_THREADS, O_WEB, O_MODULES, O_QUIET, O_PROXY, O_NO_WORKER, O_LIST_CACHE, O_HELP };
    static const struct option opts[] = {
        {"db", required_argument, 0, O_DB},           {"port", required_argument, 0, O_PORT},
        {"bind", required_argument, 0, O_BIND},       {"tile-url", required_argument, 0, O_TILE},
        {"cors", required_argument, 0, O_CORS},       {"max-body", required_argument, 0, O_BODY},
        {"timeout", required_argument, 0, O_TIMEOUT}, {"per-client", required_argument, 0, O_PER},
        {"request-deadline", required_argument, 0, O_DEADLINE},
        {"max-connections", required_argument, 0, O_MAX_CONNS},
        {"threads", required_argument, 0, O_THREADS}, {"web", required_argument, 0, O_WEB},
        {"modules", required_argument, 0, O_MODULES}, {"quiet", no_argument, 0, O_QUIET},
        {"trusted-proxy", required_argument, 0, O_PROXY},
        {"no-worker", no_argument, 0, O_NO_WORKER},
        {"list-cache", required_argument, 0, O_LIST_CACHE},
        {"help", no_argument, 0, O_HELP},             {0, 0, 0, 0}};
    srv_opts o;
    srv_opts_init(&o);
    static char proxies[SRV_MAX_TRUSTED_PROXIES][SRV_ADDRESS_MAX];
    const char *db = NULL;
    const char *web = getenv("REGIO_WEB_ROOT"), *modules = getenv("REGIO_MODULES_ROOT");
    int c;
    unsigned long v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_DB: db = optarg; break;
        case O_NO_WORKER: o.no_worker = 1; break;
        case O_PORT:
            if (parse_uint("--port", optarg, 0, 65535, &v))
                return CLI_USAGE;
            o.port = (int)v;
            break;
        case O_BIND: o.bind = optarg; break;
        case O_TILE: o.tile_url = optarg; break;
        case O_CORS: o.cors_origin = optarg; break;
        case O_BODY:
            if (parse_uint("--max-body", optarg, 1, 1UL << 30, &v))
                return CLI_USAGE;
            o.max_body = v;
            break;
        case O_TIMEOUT:
            if (parse_uint("--timeout", optarg, 1, 3600, &v))
                return CLI_USAGE;
            o.timeout_s = (unsigned)v;
            break;
        case O_DEADLINE:
            if (parse_uint("--request-deadline", optarg, 1, 3600, &v))
                return CLI_USAGE;
            o.deadline_s = (unsigned)v;
            break;
        case O_MAX_CONNS:
            if (parse_uint("--max-connections", optarg, 1, 100000, &v))
                return CLI_USAGE;
            o.max_conns = (unsigned)v;
            break;
        case O_PER:
            if (parse_uint("--per-client", optarg, 1, 100000, &v))
                return CLI_USAGE;
            o.per_client = (unsigned)v;
            break;
        case O_THREADS:
            if (parse_uint("--threads", optarg, 1, 64, &v))
                return CLI_USAGE;
            o.threads = (unsigned)v;
            break;
        case O_LIST_CACHE:
            if (parse_uint("--list-cache", optarg, 0, 65536, &v))
                return CLI_USAGE;
            o.list_cache = (size_t)v << 20;
            break;
        case O_WEB: web = optarg; break;
        case O_MODULES: modules = optarg; break;
        case O_QUIET: o.quiet = 1; break;
        case O_PROXY:
            if (o.n_trusted_proxies == SRV_MAX_TRUSTED_PROXIES) {
                fprintf(stderr, "regio serve: at most %d --trusted-proxy addresses\n",
                        SRV_MAX_TRUSTED_PROXIES);
                return CLI_USAGE;
            }
            if (srv_address_canonical(optarg, strlen(optarg), proxies[o.n_trusted_proxies],
                                      sizeof proxies[0])) {
                fprintf(stderr,
                        "regio serve: --trusted-proxy '%s' is not an IPv4 or IPv6 address\n",
                        optarg);
                return CLI_USAGE;
            }
            o.trusted_proxies[o.n_trusted_proxies] = proxies[o.n_trusted_proxies];
            o.n_trusted_proxies++;
            break;
        case O_HELP: usage(stdout); return CLI_OK;
        default: usage(stderr); return CLI_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "regio serve: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return CLI_USAGE;
    }
    o.db_path = cli_db_path(db);
    o.web_root = web ? web : REGIO_SOURCE_DIR "/web";
    o.modules_root = modules ? modules : REGIO_SOURCE_DIR "/node_modules";
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = srv_run(&o, &err);
    if (rc) {
        cli_print_error("serve", rc, &err);
        return CLI_FAIL;
    }
    return CLI_OK;
}
