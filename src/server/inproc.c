/*
 * In-process requests (server/inproc.h). One allocation holds the decoded
 * path, the query pairs and the body; the pairs and the header lines are
 * searched linearly on lookup, as a request has a handful of each.
 */
#include "server/inproc.h"

#include <string.h>
#include <strings.h>

typedef struct inproc_req {
    char **key, **value;      /* n_pairs decoded query pairs (value NULL: "?flag") */
    int n_pairs;
    const char *const *headers;
    int n_headers;
} inproc_req;

static int hex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes %XX (and '+' as a space when plus) in place over s[0..n). */
static void decode(char *s, size_t n, int plus)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int h, l;
        if (s[i] == '%' && i + 2 < n && (h = hex((unsigned char)s[i + 1])) >= 0 &&
            (l = hex((unsigned char)s[i + 2])) >= 0) {
            s[o++] = (char)(h * 16 + l);
            i += 2;
        } else {
            s[o++] = plus && s[i] == '+' ? ' ' : s[i];
        }
    }
    s[o] = '\0';
}

static const char *lookup(const srv_request *rq, int header, const char *key)
{
    const inproc_req *r = rq->conn_;
    if (!header) {
        for (int i = 0; i < r->n_pairs; i++)
            if (!strcmp(r->key[i], key))
                return r->value[i];
        return NULL;
    }
    size_t kn = strlen(key);
    for (int i = 0; i < r->n_headers; i++) {
        const char *h = r->headers[i];
        if (!strncasecmp(h, key, kn) && h[kn] == ':') {
            h += kn + 1;
            while (*h == ' ' || *h == '\t')
                h++;
            return h;
        }
    }
    return NULL;
}

regio_err srv_inproc_dispatch(srv_app *app, const char *method, const char *target,
                              const char *const *headers, int n_headers, const char *body,
                              size_t body_len, const char *client, srv_response *rs)
{
    size_t tn = strlen(target);
    int n_amp = 1;
    for (size_t i = 0; i < tn; i++)
        n_amp += target[i] == '&';
    /* path and query text, the body and its NUL, then the pair arrays */
    size_t text = tn + 1 + body_len + 1;
    size_t align = sizeof(char *) - text % sizeof(char *);
    char *mem = regio_malloc(text + align + 2 * (size_t)n_amp * sizeof(char *));
    if (!mem)
        return REGIO_ENOMEM;
    char *path = mem, *b = mem + tn + 1;
    memcpy(path, target, tn + 1);
    if (body_len)
        memcpy(b, body, body_len);
    b[body_len] = '\0';
    inproc_req r = {(char **)(void *)(mem + text + align), NULL, 0, headers, n_headers};
    r.value = r.key + n_amp;
    char *q = strchr(path, '?');
    if (q) {
        *q++ = '\0';
        for (char *p = q; p;) {
            char *amp = strchr(p, '&');
            if (amp)
                *amp = '\0';
            if (*p) {
                char *eq = strchr(p, '=');
                if (eq) {
                    *eq = '\0';
                    decode(eq + 1, strlen(eq + 1), 1);
                }
                decode(p, strlen(p), 1);
                r.key[r.n_pairs] = p;
                r.value[r.n_pairs++] = eq ? eq + 1 : NULL;
            }
            p = amp ? amp + 1 : NULL;
        }
    }
    decode(path, strlen(path), 0);
    srv_request rq = {0};
    rq.method = method;
    rq.path = path;
    rq.body = b;
    rq.body_len = body_len;
    rq.client = client;
    rq.conn_ = &r;
    rq.lookup_ = lookup;
    srv_dispatch(app, &rq, rs);
    regio_free(mem);
    return REGIO_OK;
}
