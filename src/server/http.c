/*
 * The libmicrohttpd adapter: one epoll loop per worker thread (a slow
 * client costs a socket, not a thread), connection caps per client address
 * and in all, an idle timeout, a total deadline for receiving a request
 * (headers and body: MHD's timeout is an idle one, so a client trickling a
 * byte at a time would keep it forever), a header memory cap (MHD answers
 * 431 past it), a body cap (413, answered from Content-Length before the
 * body is read when it is known) and a nesting cap for JSON bodies. Every
 * answer carries the security headers. Each finished request becomes an
 * srv_request for the router; the srv_response the handler fills becomes
 * an MHD response. SIGTERM stops gracefully: no new connections, running
 * jobs cancelled, the requests in flight answered, then the store closed.
 */
#define _GNU_SOURCE /* RTLD_NEXT */
#include "server/app.h"
#include "server/http.h"
#include "server/jobs.h"

#include "regio/buf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dlfcn.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- blobs ------------------------------------------------------------------ */

struct srv_blob {
    atomic_long refs;
    size_t len;
    char data[]; /* len bytes and a NUL */
};

srv_blob *srv_blob_from_buf(regio_buf *b)
{
    srv_blob *x = regio_malloc(sizeof *x + b->len + 1);
    if (!x)
        return NULL;
    atomic_init(&x->refs, 1);
    x->len = b->len;
    if (b->len)
        memcpy(x->data, b->data, b->len);
    x->data[b->len] = '\0';
    regio_buf_free(b);
    return x;
}

void srv_blob_ref(srv_blob *b)
{
    if (b)
        atomic_fetch_add(&b->refs, 1);
}

void srv_blob_unref(srv_blob *b)
{
    if (b && atomic_fetch_sub(&b->refs, 1) == 1)
        regio_free(b);
}

/* The answer when there is no memory left to make one: a static blob whose
 * count of references never reaches 0, so it is never freed. */
#define OOM_BODY "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}"
static srv_blob oom_blob = {1L << 40, sizeof OOM_BODY - 1, OOM_BODY};

const char *srv_blob_data(const srv_blob *b) { return b->data; }
size_t srv_blob_len(const srv_blob *b) { return b->len; }

/* ---- request accessors and response helpers ----------------------------- */

const char *srv_query(const srv_request *rq, const char *key)
{
    if (rq->lookup_)
        return rq->lookup_(rq, 0, key);
    return MHD_lookup_connection_value((struct MHD_Connection *)rq->conn_,
                                       MHD_GET_ARGUMENT_KIND, key);
}

const char *srv_header(const srv_request *rq, const char *name)
{
    if (rq->lookup_)
        return rq->lookup_(rq, 1, name);
    return MHD_lookup_connection_value((struct MHD_Connection *)rq->conn_, MHD_HEADER_KIND,
                                       name);
}

void srv_response_clear(srv_response *rs)
{
    regio_buf_free(&rs->body);
    srv_blob_unref(rs->blob);
    rs->blob = NULL;
    for (int i = 0; i < rs->n_extra; i++) {
        regio_free(rs->extra_name[i]);
        regio_free(rs->extra_value[i]);
    }
    rs->n_extra = 0;
    rs->file_path = NULL;
    rs->saved_status = 0;
    rs->saved_used = 0;
}

static void reset_body(srv_response *rs)
{
    regio_buf_reset(&rs->body);
    srv_blob_unref(rs->blob);
    rs->blob = NULL;
    rs->file_path = NULL;
    rs->saved_used = 0;
}

/* Once a write committed, an error answer gives way to its saved answer:
 * returns 1 when rs now holds that instead of the answer asked for. */
static int keep_saved(srv_response *rs, int status)
{
    if (!rs->saved_status || status < 400)
        return 0;
    reset_body(rs);
    rs->status = rs->saved_status;
    rs->content_type = "application/json";
    rs->saved_used = 1;
    return 1;
}

void srv_reply_saved(srv_response *rs, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(rs->saved, sizeof rs->saved, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof rs->saved) /* cannot happen with the callers' formats */
        n = snprintf(rs->saved, sizeof rs->saved, "{\"saved\":true}");
    rs->saved_len = (size_t)n;
    rs->saved_status = status;
    keep_saved(rs, 500); /* the saved answer is the answer until a full one replaces it */
}

const char *srv_json_quote(const char *s, char *out, size_t cap)
{
    if (cap < 7) {
        if (cap)
            out[0] = '\0';
        return out;
    }
    if (!s) {
        memcpy(out, "null", 5);
        return out;
    }
    size_t o = 0;
    out[o++] = '"';
    for (size_t i = 0; s[i]; i++) {
        unsigned char ch = (unsigned char)s[i];
        char esc[8];
        size_t k;
        if (ch == '"' || ch == '\\')
            k = (size_t)snprintf(esc, sizeof esc, "\\%c", ch);
        else if (ch < 0x20)
            k = (size_t)snprintf(esc, sizeof esc, "\\u%04x", ch);
        else
            esc[0] = (char)ch, k = 1;
        if (o + k + 2 > cap) {
            /* Cut before the character this byte belongs to. */
            if ((ch & 0xC0) == 0x80) {
                while (o > 1 && ((unsigned char)out[o - 1] & 0xC0) == 0x80)
                    o--;
                if (o > 1)
                    o--;
            }
            break;
        }
        memcpy(out + o, esc, k);
        o += k;
    }
    out[o++] = '"';
    out[o] = '\0';
    return out;
}

const char *srv_response_data(const srv_response *rs, size_t *len)
{
    if (rs->saved_used) {
        *len = rs->saved_len;
        return rs->saved;
    }
    if (rs->blob) {
        *len = rs->blob->len;
        return rs->blob->data;
    }
    *len = rs->body.len;
    return rs->body.data;
}

void srv_reply_bytes(srv_response *rs, int status, const char *ctype, const char *data,
                     size_t len)
{
    if (keep_saved(rs, status))
        return;
    reset_body(rs);
    rs->status = status;
    rs->content_type = ctype;
    if (regio_buf_append(&rs->body, data, len))
        srv_reply_blob(rs, 500, "application/json", &oom_blob);
}

void srv_reply_blob(srv_response *rs, int status, const char *ctype, srv_blob *b)
{
    if (keep_saved(rs, status))
        return;
    reset_body(rs);
    srv_blob_ref(b);
    rs->blob = b;
    rs->status = status;
    rs->content_type = ctype;
}

void srv_reply_json(srv_response *rs, int status, json_t *v)
{
    reset_body(rs);
    char *s = v ? json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;
    json_decref(v);
    if (!s) {
        srv_reply_blob(rs, 500, "application/json", &oom_blob);
        return;
    }
    srv_reply_bytes(rs, status, "application/json", s, strlen(s));
    free(s);
}

void srv_reply_error(srv_response *rs, int status, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *m = json_string(msg);
    if (!m) { /* not UTF-8 (request bytes, or cut mid-character): keep it ASCII */
        for (char *p = msg; *p; p++)
            if ((unsigned char)*p >= 0x80)
                *p = '?';
        m = json_string(msg);
    }
    srv_reply_json(rs, status, json_pack("{s:{s:s,s:o}}", "error", "code", code, "message", m));
}

void srv_reply_header(srv_response *rs, const char *name, const char *value)
{
    if (rs->n_extra >= SRV_MAX_EXTRA_HEADERS)
        return;
    char *n = regio_strdup(name), *v = regio_strdup(value);
    if (!n || !v) {
        regio_free(n);
        regio_free(v);
        return;
    }
    rs->extra_name[rs->n_extra] = n;
    rs->extra_value[rs->n_extra] = v;
    rs->n_extra++;
}

/* Whether JSON text nests arrays and objects deeper than limit (strings
 * skipped): jansson would parse 2048 levels, which no body of the API needs. */
static int json_too_deep(const char *s, size_t n, int limit)
{
    int depth = 0, in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (in_str) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_str = 0;
        } else if (ch == '"') {
            in_str = 1;
        } else if (ch == '[' || ch == '{') {
            if (++depth > limit)
                return 1;
        } else if (ch == ']' || ch == '}') {
            depth--;
        }
    }
    return 0;
}

json_t *srv_body_json(const srv_request *rq, srv_response *rs)
{
    if (json_too_deep(rq->body, rq->body_len, SRV_MAX_JSON_DEPTH)) {
        srv_reply_error(rs, 400, "invalid_json",
                        "request body nests arrays and objects deeper than %d levels",
                        SRV_MAX_JSON_DEPTH);
        return NULL;
    }
    json_error_t je, again;
    json_t *v = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je);
    /* Jansson reports some allocation failures as syntax errors ("string
     * expected" when a string's buffer cannot grow): a body that is really
     * bad fails again at the same place, one that met a failing allocation
     * parses or fails elsewhere. */
    if (!v && je.text[0] && json_error_code(&je) != json_error_out_of_memory &&
        !(v = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &again)) &&
        (again.position != je.position || strcmp(again.text, je.text) != 0))
        je = again, je.text[0] = '\0';
    /* Out of memory: jansson says so, or fails before it set any error. */
    if (!v && (json_error_code(&je) == json_error_out_of_memory || !je.text[0])) {
        srv_reply_error(rs, 500, "internal", "out of memory reading the request body");
        return NULL;
    }
    if (!v) {
        srv_reply_error(rs, 400, "invalid_json", "request body is not valid JSON: %s (line %d, column %d)",
                        je.text, je.line, je.column);
        return NULL;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        srv_reply_error(rs, 400, "invalid_json", "request body must be a JSON object");
        return NULL;
    }
    return v;
}

/* ---- the adapter ------------------------------------------------------------ */

/* ---- security headers -------------------------------------------------------- */

/* On every answer (the Content-Security-Policy, which depends on
 * --tile-url, is built once by build_csp). No inline script or style runs,
 * no other site may frame the app, and a tile server learns only the
 * origin of the page (OpenStreetMap's tile policy asks for a Referer). */
static const char *const SECURITY_HEADERS[][2] = {
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "strict-origin-when-cross-origin"},
};
#define N_SECURITY_HEADERS (sizeof SECURITY_HEADERS / sizeof SECURITY_HEADERS[0])

static void add_security_headers(struct MHD_Response *r, const char *csp)
{
    MHD_add_response_header(r, "Content-Security-Policy", csp);
    for (size_t i = 0; i < N_SECURITY_HEADERS; i++)
        MHD_add_response_header(r, SECURITY_HEADERS[i][0], SECURITY_HEADERS[i][1]);
}

/* ---- libmicrohttpd's own answers ---------------------------------------------- */

/*
 * libmicrohttpd answers some requests itself, before Regio sees them: a
 * malformed request line or header (400), headers past its memory limit
 * (431; 414 while the request line is still arriving), an HTTP version it
 * does not speak (505). It makes those answers (HTML, no headers of ours)
 * and queues them through its exported MHD_queue_response, which it calls
 * through its procedure linkage table; the definition below, exported by
 * the executable (CMakeLists.txt), comes first in the dynamic linker's
 * lookup, so every answer passes here. An answer of Regio's own carries the
 * Content-Security-Policy already and goes through as it is; one of MHD's is
 * replaced by a JSON error of the same status with the security headers
 * (or, with no memory for that, gets the headers added). hardening_test.mjs
 * sends such requests and fails if an answer lacks them, so an MHD that
 * stops calling through the table is noticed.
 */
typedef enum MHD_Result (*queue_fn)(struct MHD_Connection *, unsigned int, struct MHD_Response *);
static queue_fn mhd_queue;            /* libmicrohttpd's own */
static pthread_once_t mhd_queue_once = PTHREAD_ONCE_INIT;
static const char *_Atomic answer_csp; /* the serving adapter's policy, NULL when none */

static void find_mhd_queue(void)
{
    mhd_queue = (queue_fn)dlsym(RTLD_NEXT, "MHD_queue_response");
}

static const char *mhd_error_text(unsigned status, const char **code)
{
    switch (status) {
    case 400: *code = "bad_request"; return "the request is malformed";
    case 413: *code = "payload_too_large"; return "the request body is too large";
    case 414: *code = "uri_too_long"; return "the request line is too long";
    case 431: *code = "headers_too_large"; return "the request headers are too large";
    case 505: *code = "http_version_not_supported"; return "this HTTP version is not supported";
    default: *code = status >= 500 ? "internal" : "bad_request";
        return "the request could not be processed";
    }
}

enum MHD_Result MHD_queue_response(struct MHD_Connection *c, unsigned int status,
                                   struct MHD_Response *r)
{
    pthread_once(&mhd_queue_once, find_mhd_queue);
    if (!mhd_queue)
        return MHD_NO; /* cannot happen with a shared libmicrohttpd: the connection closes */
    const char *csp = atomic_load(&answer_csp);
    if (!csp || MHD_get_response_header(r, "Content-Security-Policy"))
        return mhd_queue(c, status, r);
    const char *code;
    const char *msg = mhd_error_text(status, &code);
    char body[256];
    int n = snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}",
                     code, msg);
    struct MHD_Response *j =
        MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
    if (!j) {
        add_security_headers(r, csp);
        return mhd_queue(c, status, r);
    }
    MHD_add_response_header(j, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(j, MHD_HTTP_HEADER_CONNECTION, "close");
    add_security_headers(j, csp);
    enum MHD_Result ret = mhd_queue(c, status, j);
    MHD_destroy_response(j);
    return ret;
}

/* The image source a tile URL template needs: the scheme and the host,
 * with its leading labels that hold {…} placeholders made one wildcard
 * (https://{s}.tile.example.org/{z}/{x}/{y}.png needs *.tile.example.org
 * over https). "" when it is not an http(s) URL whose host is letters,
 * digits, '.', '-', ':' and placeholders: anything else stays out. */
static void tile_source(const char *url, char *out, size_t cap)
{
    out[0] = '\0';
    size_t scheme = !strncmp(url, "https://", 8) ? 8 : !strncmp(url, "http://", 7) ? 7 : 0;
    if (!scheme)
        return;
    const char *host = url + scheme;
    size_t n = strcspn(host, "/?#");
    /* Placeholders can only be wildcarded as whole leading labels. */
    size_t from = 0;
    for (size_t i = 0; i < n; i++)
        if (host[i] == '}')
            from = i + 1;
    int wild = from > 0;
    if (wild) {
        while (from < n && host[from] != '.')
            from++;
        if (from >= n)
            return;
        from++; /* past the '.' */
    }
    for (size_t i = from; i < n; i++)
        if (!isalnum((unsigned char)host[i]) && !strchr(".-:", host[i]))
            return;
    if (from >= n)
        return;
    snprintf(out, cap, " %.*s%s%.*s", (int)scheme, url, wild ? "*." : "", (int)(n - from),
             host + from);
}

static void build_csp(const char *tile_url, char *out, size_t cap)
{
    char tiles[512] = "";
    if (tile_url)
        tile_source(tile_url, tiles, sizeof tiles);
    snprintf(out, cap,
             "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:%s; "
             "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
             "form-action 'self'; frame-ancestors 'none'",
             tiles);
}

/* ---- the adapter ------------------------------------------------------------ */

/*
 * Every open connection, from MHD's "started" notification to its
 * "closed" one. While a request is being received (from the opening of the
 * connection, or the end of the previous answer on it, until its answer is
 * queued) its deadline runs; past it the main thread shuts the socket
 * down, so that MHD's next read ends the connection (MHD closes the socket
 * only after its "closed" notification, which takes the track out under
 * the mutex first). When the request line had arrived, a 408 is written
 * first; a connection that never began a request is closed without one,
 * as the idle timeout would.
 */
typedef struct conn_track {
    struct conn_track *prev, *next;
    int fd;
    int begun;      /* its request line has arrived */
    int in_flight;  /* its request's headers have arrived: a graceful stop waits */
    int answering;  /* the answer is being made or sent: no deadline */
    int cut;        /* shut down already */
    double since;   /* when the reception of its request began (now_s) */
} conn_track;

typedef struct conn_state {
    regio_buf body;
    int too_large;
    conn_track *track; /* NULL when the connection is not tracked (no memory) */
    struct timespec t0;
} conn_state;

typedef struct adapter {
    srv_app *app;
    struct MHD_Daemon *daemon;
    pthread_mutex_t mu;     /* guards the tracks and n_in_flight */
    conn_track *conns;
    long n_in_flight;
    atomic_int draining;    /* a graceful stop began: answers close their connection */
    char csp[1024];
    char late[2048];        /* the 408 written on a connection past its deadline */
    size_t late_len;
} adapter;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void build_late_reply(adapter *ad)
{
    char body[256];
    int nb = snprintf(body, sizeof body,
                      "{\"error\":{\"code\":\"request_timeout\",\"message\":\"the request did "
                      "not arrive in full within %u s\"}}",
                      ad->app->opts.deadline_s);
    size_t n = (size_t)snprintf(ad->late, sizeof ad->late,
                                "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                                "Content-Type: application/json\r\nContent-Length: %d\r\n"
                                "Content-Security-Policy: %s\r\n",
                                nb, ad->csp);
    for (size_t i = 0; i < N_SECURITY_HEADERS && n < sizeof ad->late; i++)
        n += (size_t)snprintf(ad->late + n, sizeof ad->late - n, "%s: %s\r\n",
                              SECURITY_HEADERS[i][0], SECURITY_HEADERS[i][1]);
    if (n < sizeof ad->late)
        n += (size_t)snprintf(ad->late + n, sizeof ad->late - n, "\r\n%s", body);
    ad->late_len = n < sizeof ad->late ? n : 0; /* too long: cut without a word */
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    adapter *ad = cls;
    conn_track *t = *socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!ci || !(t = regio_calloc(1, sizeof *t)))
            return; /* untracked: only the idle timeout applies */
        t->fd = ci->connect_fd;
        t->since = now_s();
        pthread_mutex_lock(&ad->mu);
        t->next = ad->conns;
        if (ad->conns)
            ad->conns->prev = t;
        ad->conns = t;
        pthread_mutex_unlock(&ad->mu);
        *socket_context = t;
        return;
    }
    if (!t)
        return;
    pthread_mutex_lock(&ad->mu);
    if (t->prev)
        t->prev->next = t->next;
    else
        ad->conns = t->next;
    if (t->next)
        t->next->prev = t->prev;
    if (t->in_flight)
        ad->n_in_flight--;
    pthread_mutex_unlock(&ad->mu);
    regio_free(t);
    *socket_context = NULL;
}

/* MHD's URI log hook, called once a request line has arrived: marks the
 * request begun. The connection's first con_cls stays NULL. */
static void *on_request_line(void *cls, const char *uri, struct MHD_Connection *c)
{
    adapter *ad = cls;
    (void)uri;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    conn_track *t = ci ? ci->socket_context : NULL;
    if (t) {
        pthread_mutex_lock(&ad->mu);
        t->begun = 1;
        pthread_mutex_unlock(&ad->mu);
    }
    return NULL;
}

/* Cuts the connections past their deadline (with a 408 when a request had
 * begun) and, once draining, those with no request in flight; returns the
 * seconds until the next deadline, at most 1. */
static double sweep(adapter *ad)
{
    double now = now_s(), next = 1.0, limit = ad->app->opts.deadline_s;
    int draining = atomic_load(&ad->draining);
    pthread_mutex_lock(&ad->mu);
    for (conn_track *t = ad->conns; t; t = t->next) {
        if (t->answering || t->cut)
            continue;
        double left = t->since + limit - now;
        if (left <= 0 && t->begun && ad->late_len)
            (void)!send(t->fd, ad->late, ad->late_len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (left <= 0 || (draining && !t->in_flight)) {
            shutdown(t->fd, SHUT_RDWR);
            t->cut = 1;
        } else if (left < next) {
            next = left;
        }
    }
    pthread_mutex_unlock(&ad->mu);
    return next;
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* MHD frees a zero-copy body by its data pointer: find the blob from it. */
static void blob_free_cb(void *data)
{
    srv_blob_unref((srv_blob *)(void *)((char *)data - offsetof(srv_blob, data)));
}

static void client_addr(struct MHD_Connection *c, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)cap);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)cap);
}

int srv_address_canonical(const char *text, size_t len, char *out, size_t cap)
{
    char a[SRV_ADDRESS_MAX];
    unsigned char bin[sizeof(struct in6_addr)];
    out[0] = '\0';
    while (len && (*text == ' ' || *text == '\t'))
        text++, len--;
    while (len && (text[len - 1] == ' ' || text[len - 1] == '\t'))
        len--;
    if (!len || len >= sizeof a)
        return -1;
    memcpy(a, text, len);
    a[len] = '\0';
    int family = strchr(a, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(family, a, bin) != 1 || !inet_ntop(family, bin, out, (socklen_t)cap)) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

/* Whether text[0..len) is one of the trusted proxies; *canon receives the
 * address (empty when it is not one). */
static int is_trusted_proxy(const srv_opts *o, const char *text, size_t len, char *canon,
                            size_t cap)
{
    if (srv_address_canonical(text, len, canon, cap))
        return 0;
    for (size_t i = 0; i < o->n_trusted_proxies; i++)
        if (!strcmp(o->trusted_proxies[i], canon))
            return 1;
    return 0;
}

typedef struct {
    regio_buf all; /* every X-Forwarded-For value, in order, joined by commas */
    int failed;
} forwarded;

static enum MHD_Result collect_forwarded(void *cls, enum MHD_ValueKind kind, const char *key,
                                         const char *value)
{
    forwarded *f = cls;
    (void)kind;
    if (key && value && !strcasecmp(key, "X-Forwarded-For") &&
        ((f->all.len && regio_buf_putc(&f->all, ',')) ||
         regio_buf_append(&f->all, value, strlen(value))))
        f->failed = 1;
    return MHD_YES;
}

/*
 * The client of a request that came through a trusted proxy: each proxy
 * appends the address it received the request from to X-Forwarded-For
 * (a header of its own, or the end of the one it got), so the list is
 * read from its end, past the trusted proxies, and the first other
 * address is the client. What comes before it was written by the client
 * and is not believed. The peer stays the client when it is not a
 * trusted proxy or the header names no address.
 */
static void forwarded_client(const srv_opts *o, struct MHD_Connection *c, char *client,
                             size_t cap)
{
    char canon[SRV_ADDRESS_MAX];
    if (!o->n_trusted_proxies || !is_trusted_proxy(o, client, strlen(client), canon, sizeof canon))
        return;
    forwarded f;
    regio_buf_init(&f.all, 0);
    f.failed = 0;
    MHD_get_connection_values(c, MHD_HEADER_KIND, collect_forwarded, &f);
    size_t end = f.failed ? 0 : f.all.len;
    while (end > 0) {
        size_t start = end;
        while (start > 0 && f.all.data[start - 1] != ',')
            start--;
        if (!is_trusted_proxy(o, f.all.data + start, end - start, canon, sizeof canon)) {
            if (canon[0])
                snprintf(client, cap, "%s", canon);
            break; /* the first address not a trusted proxy, or not an address */
        }
        end = start ? start - 1 : 0;
    }
    regio_buf_free(&f.all);
}

static enum MHD_Result send_response(adapter *ad, struct MHD_Connection *c, srv_response *rs)
{
    struct MHD_Response *r = NULL;
    if (rs->file_path) {
        int fd = open(rs->file_path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
            r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
            if (!r) {
                close(fd);
                srv_reply_error(rs, 500, "internal", "cannot serve the file");
            }
        } else {
            if (fd >= 0)
                close(fd);
            srv_reply_error(rs, 404, "not_found", "no such file");
        }
    }
    if (!r && rs->blob) {
        srv_blob *b = rs->blob;
        rs->blob = NULL; /* the response holds the reference now */
        r = MHD_create_response_from_buffer_with_free_callback(b->len, b->data, blob_free_cb);
        if (!r)
            srv_blob_unref(b);
    }
    if (!r && rs->saved_used) {
        r = MHD_create_response_from_buffer(rs->saved_len, rs->saved, MHD_RESPMEM_MUST_COPY);
    } else if (!r) {
        size_t len = rs->body.len;
        char *data = regio_buf_steal(&rs->body);
        if (data)
            r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_COPY);
        else
            r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        regio_free(data);
    }
    if (!r)
        return MHD_NO;
    if (rs->content_type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rs->content_type);
    add_security_headers(r, ad->csp);
    if (atomic_load(&ad->draining))
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    for (int i = 0; i < rs->n_extra; i++)
        MHD_add_response_header(r, rs->extra_name[i], rs->extra_value[i]);
    if (ad->app->opts.cors_origin) {
        MHD_add_response_header(r, "Access-Control-Allow-Origin", ad->app->opts.cors_origin);
        MHD_add_response_header(r, "Vary", "Origin");
    }
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)rs->status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    adapter *ad = cls;
    conn_state *st = *con_cls;
    if (!st) {
        st = regio_calloc(1, sizeof *st);
        if (!st)
            return MHD_NO;
        regio_buf_init(&st->body, ad->app->opts.max_body);
        clock_gettime(CLOCK_MONOTONIC, &st->t0);
        *con_cls = st;
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        if (ci && ci->socket_context) {
            st->track = ci->socket_context;
            pthread_mutex_lock(&ad->mu);
            st->track->in_flight = 1;
            ad->n_in_flight++;
            pthread_mutex_unlock(&ad->mu);
        }
        /* Refuse a declared oversize body before reading it. */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            char *end = NULL;
            errno = 0;
            unsigned long long v = strtoull(cl, &end, 10);
            if (errno || end == cl || v > ad->app->opts.max_body)
                st->too_large = 1;
        }
        if (!st->too_large)
            return MHD_YES;
    }
    if (*upload_size) {
        /* Past the cap the rest is read and dropped; the 413 goes out
         * once the body has ended (MHD cannot answer mid-body). */
        if (!st->too_large && regio_buf_append(&st->body, upload_data, *upload_size))
            st->too_large = 1;
        *upload_size = 0;
        return MHD_YES;
    }

    if (st->track) {
        pthread_mutex_lock(&ad->mu);
        st->track->answering = 1;
        pthread_mutex_unlock(&ad->mu);
    }
    srv_response rs = {0};
    regio_buf_init(&rs.body, 0);
    if (st->too_large) {
        srv_reply_error(&rs, 413, "payload_too_large", "request body exceeds %zu bytes",
                        ad->app->opts.max_body);
    } else {
        char client[SRV_ADDRESS_MAX];
        client_addr(c, client, sizeof client);
        forwarded_client(&ad->app->opts, c, client, sizeof client);
        if (regio_buf_putc(&st->body, '\0') == REGIO_OK)
            st->body.len--;
        srv_request rq = {0};
        rq.method = method;
        rq.path = url;
        rq.body = st->body.data ? st->body.data : "";
        rq.body_len = st->body.len;
        rq.client = client;
        rq.conn_ = c;
        if (ad->app->opts.cors_origin && !strcmp(method, "OPTIONS")) {
            rs.status = 204;
            srv_reply_header(&rs, "Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
            srv_reply_header(&rs, "Access-Control-Allow-Headers", "Content-Type");
        } else {
            srv_dispatch(ad->app, &rq, &rs);
        }
    }
    (void)version;
    enum MHD_Result ret = send_response(ad, c, &rs);
    if (!ad->app->opts.quiet)
        fprintf(stderr, "%s %s %d %.1f ms\n", method, url, rs.status, ms_since(&st->t0));
    srv_response_clear(&rs);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    adapter *ad = cls;
    (void)c;
    (void)toe;
    conn_state *st = *con_cls;
    if (st) {
        /* The connection may carry another request: its deadline starts now. */
        if (st->track) {
            pthread_mutex_lock(&ad->mu);
            st->track->begun = 0;
            st->track->in_flight = 0;
            st->track->answering = 0;
            st->track->since = now_s();
            ad->n_in_flight--;
            pthread_mutex_unlock(&ad->mu);
        }
        regio_buf_free(&st->body);
        regio_free(st);
        *con_cls = NULL;
    }
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    (void)fmt;
    (void)ap;
    /* MHD reports every refused or timed-out peer; the request log says
     * what matters, so these stay quiet. */
}

/* Waits up to seconds for one of the signals of set: the signal, or 0. */
static int wait_signal(const sigset_t *set, double seconds)
{
    if (seconds < 0.005)
        seconds = 0.005;
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    int sig = sigtimedwait(set, NULL, &ts);
    return sig > 0 ? sig : 0;
}

/*
 * The graceful stop: no new connection is accepted, connections with no
 * request in flight are closed, the server's worker stops at the next
 * heartbeat of its job (which stays queued in the store, to be taken again
 * after its lease), and the requests in flight are answered
 * (each with "Connection: close") within one request deadline more; a
 * second signal ends the wait.
 */
static void drain(adapter *ad, const sigset_t *set, int sig)
{
    atomic_store(&ad->draining, 1);
    MHD_socket l = MHD_quiesce_daemon(ad->daemon);
    if (l != MHD_INVALID_SOCKET)
        close(l);
    srv_jobs_stop(ad->app);
    pthread_mutex_lock(&ad->mu);
    long n = ad->n_in_flight;
    pthread_mutex_unlock(&ad->mu);
    fprintf(stderr, "regio serve: stopping (signal %d), %ld request%s in flight\n", sig, n,
            n == 1 ? "" : "s");
    double until = now_s() + ad->app->opts.deadline_s;
    for (;;) {
        double wait = sweep(ad);
        pthread_mutex_lock(&ad->mu);
        n = ad->n_in_flight;
        pthread_mutex_unlock(&ad->mu);
        if (!n || now_s() >= until)
            break;
        if (wait_signal(set, wait < 0.02 ? wait : 0.02)) {
            fprintf(stderr, "regio serve: a second signal: stopping now\n");
            break;
        }
    }
    if (n)
        fprintf(stderr, "regio serve: %ld request%s still in flight: closed\n", n,
                n == 1 ? "" : "s");
}

regio_err srv_run(const srv_opts *o, regio_error *err)
{
    /* Signals go to the sigwait below, never to another thread: blocked
     * before any thread starts (the job worker starts in srv_app_open,
     * MHD's threads later), as each inherits this mask. A thread started
     * earlier would take a SIGTERM itself and die of it, with no
     * graceful stop. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    static srv_app app;
    regio_err rc = srv_app_open(&app, o, err);
    if (rc) {
        srv_app_close(&app);
        return rc;
    }

    union {
        struct sockaddr_in v4;
        struct sockaddr_in6 v6;
    } addr;
    memset(&addr, 0, sizeof addr);
    unsigned flags = MHD_USE_EPOLL_INTERNALLY | MHD_USE_ERROR_LOG;
    if (inet_pton(AF_INET, o->bind, &addr.v4.sin_addr) == 1) {
        addr.v4.sin_family = AF_INET;
        addr.v4.sin_port = htons((uint16_t)o->port);
    } else if (inet_pton(AF_INET6, o->bind, &addr.v6.sin6_addr) == 1) {
        addr.v6.sin6_family = AF_INET6;
        addr.v6.sin6_port = htons((uint16_t)o->port);
        flags |= MHD_USE_IPv6;
    } else {
        srv_app_close(&app);
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "--bind '%s' is not an IP address",
                             o->bind);
    }

    static adapter ad; /* the connection callbacks may run until MHD_stop_daemon returns */
    ad.app = &app;
    pthread_mutex_init(&ad.mu, NULL);
    build_csp(o->tile_url, ad.csp, sizeof ad.csp);
    atomic_store(&answer_csp, ad.csp);
    build_late_reply(&ad);
    flags |= MHD_USE_ITC; /* for MHD_quiesce_daemon */
    ad.daemon = MHD_start_daemon(
        flags, (uint16_t)o->port, NULL, NULL, on_request, &ad,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)o->threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)o->max_conns,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)o->per_client,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)o->timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)o->max_header,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, &ad,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, &ad,
        MHD_OPTION_URI_LOG_CALLBACK, on_request_line, &ad,
        MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
        MHD_OPTION_END);
    if (!ad.daemon) {
        pthread_mutex_destroy(&ad.mu);
        srv_app_close(&app);
        return regio_error_setf(err, REGIO_EIO, NULL, 0, NULL,
                             "cannot listen on %s:%d (in use, or not allowed)", o->bind, o->port);
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(ad.daemon, MHD_DAEMON_INFO_BIND_PORT);
    int port = di ? (int)di->port : o->port;
    int v6 = (flags & MHD_USE_IPv6) != 0;
    printf("Regio serving at http://%s%s%s:%d/\n", v6 ? "[" : "", o->bind, v6 ? "]" : "", port);
    fflush(stdout);

    /* This thread cuts the connections past their request deadline until
     * a signal comes. */
    int sig = 0;
    while (sig <= 0)
        sig = wait_signal(&set, sweep(&ad));
    drain(&ad, &set, sig);
    MHD_stop_daemon(ad.daemon);
    srv_app_close(&app);
    pthread_mutex_destroy(&ad.mu);
    fprintf(stderr, "regio serve: stopped, the store is closed\n");
    return REGIO_OK;
}
