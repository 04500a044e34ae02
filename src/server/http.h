/*
 * The HTTP adapter's view of one exchange: a parsed request (method, path,
 * query, headers, body, path parameters from the router) and the response a
 * handler fills (status, content type, body, extra headers). Handlers never
 * see libmicrohttpd: http.c converts both ways, so another embedded server
 * could replace it without touching a handler.
 */
#ifndef REGIO_SERVER_HTTP_H
#define REGIO_SERVER_HTTP_H

#include "regio/buf.h"

#include <jansson.h>
#include <stddef.h>

#define SRV_MAX_PARAMS 4
/* Deepest nesting of arrays and objects a JSON body may have (400 past it). */
#define SRV_MAX_JSON_DEPTH 32

struct srv_caller;
#define SRV_MAX_EXTRA_HEADERS 4
/* Room for the short answer of a committed write (srv_reply_saved). */
#define SRV_SAVED_MAX 1024

typedef struct srv_request {
    const char *method;              /* "GET", "POST", ... */
    const char *path;                /* decoded path without the query */
    const char *body;                /* request body (NUL-terminated), or "" */
    size_t body_len;
    const char *client;              /* peer address ("127.0.0.1") */
    const char *params[SRV_MAX_PARAMS]; /* path parameters ({name} segments) */
    int n_params;
    const char *actor;               /* who is calling, set by the auth hook */
    struct srv_caller *caller;       /* identity and rights, set by the router */
    void *conn_;                     /* adapter private */
    /* Query (header 0) and header (header 1) values for a request made
     * without libmicrohttpd (server/inproc.h); NULL in the adapter's. */
    const char *(*lookup_)(const struct srv_request *rq, int header, const char *key);
} srv_request;

/* A shared, immutable response body (cached GeoJSON): refcounted so a cache
 * entry can be replaced while responses still stream the old one. */
typedef struct srv_blob srv_blob;

typedef struct srv_response {
    int status;
    const char *content_type;        /* static string */
    regio_buf body;                 /* owned body, or ... */
    srv_blob *blob;                  /* ... a shared one (a reference is held) */
    const char *file_path;           /* ... or a file to stream (static files) */
    char *extra_name[SRV_MAX_EXTRA_HEADERS];
    char *extra_value[SRV_MAX_EXTRA_HEADERS];
    int n_extra;
    /* The answer of a write that committed (srv_reply_saved): made without
     * allocating, it stands when the full answer cannot be made. */
    int saved_status;                /* 0: no write committed yet */
    int saved_used;                  /* 1: the body is saved[] */
    size_t saved_len;
    char saved[SRV_SAVED_MAX];
} srv_response;

/* Query-string value of key, or NULL; valid during the request. */
const char *srv_query(const srv_request *rq, const char *key);
/* Request header value (case-insensitive name), or NULL. */
const char *srv_header(const srv_request *rq, const char *name);

/* Sets a JSON body (takes the reference to v) with the status. */
void srv_reply_json(srv_response *rs, int status, json_t *v);
/* Sets a JSON error body {"error":{"code":code,"message":...}} with status. */
void srv_reply_error(srv_response *rs, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Sets the body to a copy of data with a content type. */
void srv_reply_bytes(srv_response *rs, int status, const char *ctype, const char *data,
                     size_t len);
/* Serves a shared blob (takes a new reference). */
void srv_reply_blob(srv_response *rs, int status, const char *ctype, srv_blob *b);
/*
 * Records the answer of a write that has just committed: status and a JSON
 * body printed from fmt, without allocating (strings go in through
 * srv_json_quote). From then on an error (status >= 400: an allocation
 * that failed while making the full answer, a reload that failed) does not
 * replace the answer: this one is sent instead, so the client never hears
 * of a failure for a write that was saved. A later success answer (the
 * full one) replaces it as usual. Call it right after the commit, before
 * anything that can fail.
 */
void srv_reply_saved(srv_response *rs, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* s as a JSON string literal, quotes included, in out (cap bytes, NUL
 * ended), without allocating; "null" for NULL; returns out. A string that
 * does not fit is cut at a character boundary. */
const char *srv_json_quote(const char *s, char *out, size_t cap);
/* The body of rs: the owned, shared or saved one (NULL for a file or none). */
const char *srv_response_data(const srv_response *rs, size_t *len);
/* Adds a response header (copied). */
void srv_reply_header(srv_response *rs, const char *name, const char *value);

/* Blob life cycle: create from a buffer (the buffer's memory is taken). */
srv_blob *srv_blob_from_buf(regio_buf *b);
void srv_blob_ref(srv_blob *b);
void srv_blob_unref(srv_blob *b);
const char *srv_blob_data(const srv_blob *b);
size_t srv_blob_len(const srv_blob *b);

/* Frees what a response owns. */
void srv_response_clear(srv_response *rs);

/* Parses the request body as a JSON object; on failure fills a 400
 * "invalid_json" response and returns NULL. Caller owns the result. */
json_t *srv_body_json(const srv_request *rq, srv_response *rs);

#endif
