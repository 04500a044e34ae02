/*
 * Requests made in-process, without libmicrohttpd: the router and the
 * handlers get an srv_request as the adapter (http.c) would build it from
 * a socket — the path percent-decoded, the query split into decoded pairs,
 * the headers, a NUL-terminated body. The allocation-failure tests and the
 * API fuzz target call the handlers this way, without starting a server.
 */
#ifndef REGIO_SERVER_INPROC_H
#define REGIO_SERVER_INPROC_H

#include "server/app.h"

/*
 * Dispatches one request to app (srv_dispatch) and fills rs (the caller
 * initialises it with regio_buf_init(&rs->body, 0) and clears it with
 * srv_response_clear). target is "/path" or "/path?query"; headers holds
 * n_headers lines "Name: value" (a line without ':' is ignored); client is
 * the peer address ("127.0.0.1"). Returns REGIO_ENOMEM, rs untouched, when
 * the request cannot be built (the adapter would drop the connection).
 */
regio_err srv_inproc_dispatch(srv_app *app, const char *method, const char *target,
                              const char *const *headers, int n_headers, const char *body,
                              size_t body_len, const char *client, srv_response *rs);

#endif
