/*
 * `regio serve`: the embedded HTTP server (libmicrohttpd behind http.c),
 * the JSON API under /api/v1 and the static browser app.
 */
#ifndef REGIO_SERVER_SERVER_H
#define REGIO_SERVER_SERVER_H

#include "regio/regio.h"

#include <stddef.h>

#define SRV_MAX_TRUSTED_PROXIES 8

typedef struct srv_opts {
    const char *bind;          /* listen address, default "127.0.0.1" */
    int port;                  /* default 8080; 0 = any free port */
    const char *db_path;       /* the store */
    const char *web_root;      /* the app's files (web/) */
    const char *modules_root;  /* node_modules with Leaflet and the atlases */
    const char *tile_url;      /* online tile layer for the app, or NULL */
    const char *cors_origin;   /* Access-Control-Allow-Origin, NULL = no CORS */
    size_t max_body;           /* request body cap (413), default 8 MiB */
    size_t max_header;         /* per-connection header memory (431), default 32 KiB */
    unsigned timeout_s;        /* idle connection timeout, default 15 s */
    unsigned deadline_s;       /* a request's headers and body arrive within it, default 30 s */
    unsigned per_client;       /* connections per client address, default 128 */
    unsigned max_conns;        /* connections in all, default 4096 */
    unsigned threads;          /* worker threads, default 4 */
    int quiet;                 /* 1 = no request log */
    int no_worker;             /* 1 = no worker thread: jobs wait for `regio worker` */
    int secure_cookies;        /* 1 = session cookies carry Secure (TLS at a proxy) */
    size_t list_cache;         /* bytes of account lists kept between writes
                                  (server/pagecache.h), default 64 MiB; 0 = none */
    /* Addresses of reverse proxies whose X-Forwarded-For names the client
     * (for the sign-in throttle and the audit); none = the peer is the
     * client, and X-Forwarded-For is ignored. */
    const char *trusted_proxies[SRV_MAX_TRUSTED_PROXIES];
    size_t n_trusted_proxies;
} srv_opts;

/* Longest address text srv_address_canonical writes, with its NUL. */
#define SRV_ADDRESS_MAX 48

/* The IPv4 or IPv6 address in text[0..len) (blanks around it ignored) in
 * inet_ntop's form, the form the server gives a peer's address; -1 (and
 * out empty) when it is not an address. */
int srv_address_canonical(const char *text, size_t len, char *out, size_t cap);

/* Fills the defaults above. */
void srv_opts_init(srv_opts *o);

/*
 * Opens the store, starts the server and blocks until SIGINT or SIGTERM;
 * prints "Regio serving at http://HOST:PORT/" on stdout once it listens.
 * Then stops gracefully (the requests in flight are answered, jobs are
 * cancelled) and closes the store.
 */
regio_err srv_run(const srv_opts *o, regio_error *err);

#endif
