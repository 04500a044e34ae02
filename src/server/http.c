/*
 * The libmicrohttpd adapter: one epoll loop per worker thread (a slow
 * client costs a socket, not a thread), connection caps per client address
 * and in all, an idle timeout, a header memory cap (MHD answers 431 past
 * it) and a body cap (413, answered from Content-Length before the body is
 * read when it is known). Each finished request becomes an srv_request for
 * the router; the srv_response the handler fills becomes an MHD response.
 */
#include "server/app.h"
#include "server/http.h"

#include "regio/buf.h"

#include <arpa/inet.h>
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
}

static void reset_body(srv_response *rs)
{
    regio_buf_reset(&rs->body);
    srv_blob_unref(rs->blob);
    rs->blob = NULL;
    rs->file_path = NULL;
}

void srv_reply_bytes(srv_response *rs, int status, const char *ctype, const char *data,
                     size_t len)
{
    reset_body(rs);
    rs->status = status;
    rs->content_type = ctype;
    if (regio_buf_append(&rs->body, data, len))
        srv_reply_blob(rs, 500, "application/json", &oom_blob);
}

void srv_reply_blob(srv_response *rs, int status, const char *ctype, srv_blob *b)
{
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

json_t *srv_body_json(const srv_request *rq, srv_response *rs)
{
    json_error_t je;
    json_t *v = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je);
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

typedef struct conn_state {
    regio_buf body;
    int too_large;
    struct timespec t0;
} conn_state;

typedef struct adapter {
    srv_app *app;
    struct MHD_Daemon *daemon;
} adapter;

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
    if (!r) {
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
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
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

    srv_response rs = {0};
    regio_buf_init(&rs.body, 0);
    if (st->too_large) {
        srv_reply_error(&rs, 413, "payload_too_large", "request body exceeds %zu bytes",
                        ad->app->opts.max_body);
    } else {
        char client[INET6_ADDRSTRLEN + 1];
        client_addr(c, client, sizeof client);
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
    (void)cls;
    (void)c;
    (void)toe;
    conn_state *st = *con_cls;
    if (st) {
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

regio_err srv_run(const srv_opts *o, regio_error *err)
{
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

    /* Signals go to the sigwait below, never to a worker thread (the
     * workers and job threads inherit this mask). */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    adapter ad = {&app, NULL};
    ad.daemon = MHD_start_daemon(
        flags, (uint16_t)o->port, NULL, NULL, on_request, &ad,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)o->threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)o->max_conns,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)o->per_client,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)o->timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)o->max_header,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
        MHD_OPTION_END);
    if (!ad.daemon) {
        srv_app_close(&app);
        return regio_error_setf(err, REGIO_EIO, NULL, 0, NULL,
                             "cannot listen on %s:%d (in use, or not allowed)", o->bind, o->port);
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(ad.daemon, MHD_DAEMON_INFO_BIND_PORT);
    int port = di ? (int)di->port : o->port;
    int v6 = (flags & MHD_USE_IPv6) != 0;
    printf("Regio serving at http://%s%s%s:%d/\n", v6 ? "[" : "", o->bind, v6 ? "]" : "", port);
    fflush(stdout);

    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "regio serve: stopping (signal %d)\n", sig);
    MHD_stop_daemon(ad.daemon);
    srv_app_close(&app);
    return REGIO_OK;
}
