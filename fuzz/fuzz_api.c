/*
 * libFuzzer target for the JSON API's request parsing, in-process
 * (server/inproc.h, no socket): the input is a request as text —
 *
 *   METHOD /path?query        first line
 *   Name: value               header lines, up to an empty line
 *   body                      the rest
 *
 * — dispatched to the router and its handlers over a copy of a small store
 * (tests/server/fixture.h: nine units, two reps, twelve accounts, model
 * "base"), opened afresh for every input so each starts from the same
 * state. An answer must have a status; a JSON answer must parse; an error
 * body must not leak SQLite's words unless the request carried them; a
 * static file must lie under the app's roots. FUZZ_API_VERBOSE=1 prints
 * each request's status and the start of its answer.
 */
#include "fuzz_file.h"
#include "server/inproc.h"
#include "fixture.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static char dir[64], template_db[128], db[128];
static char web_root[4200], modules_root[4200];

static void cleanup(void)
{
    char p[256];
    const char *names[] = {"units.csv", "reps.csv", "accounts.csv", "template.db", "work.db",
                           "work.db-wal", "work.db-shm"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        remove(p);
    }
    rmdir(dir);
}

static int setup(void)
{
    if (fixture_dir(dir, sizeof dir, "fuzz_api"))
        return -1;
    atexit(cleanup);
    snprintf(template_db, sizeof template_db, "%s/template.db", dir);
    snprintf(db, sizeof db, "%s/work.db", dir);
    const char *src = getenv("REGIO_SOURCE_DIR");
    snprintf(web_root, sizeof web_root, "%s/web", src ? src : REGIO_SOURCE_DIR);
    snprintf(modules_root, sizeof modules_root, "%s/node_modules", src ? src : REGIO_SOURCE_DIR);
    fixture_paths fp;
    regio_error e;
    if (fixture_store(dir, template_db, NULL, &fp, &e)) {
        fprintf(stderr, "fuzz_api: cannot build the store: %s\n", e.msg);
        return -1;
    }
    return 0;
}

/* SQLite's words that an error body must not carry (unless echoed). */
static const char *const LEAKS[] = {"sqlite", "SQLITE_", "no such table", "no such column",
                                    "syntax error", "constraint failed", "SELECT ", "INSERT "};

static int contains(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (!strncasecmp(hay + i, needle, k))
            return 1;
    return 0;
}

static void check(const uint8_t *data, size_t size, const srv_response *rs)
{
    if (rs->status < 100 || rs->status > 599)
        __builtin_trap();
    size_t len = 0;
    const char *body = srv_response_data(rs, &len);
    if (rs->content_type && !strcmp(rs->content_type, "application/json") && len && !rs->file_path) {
        json_error_t je;
        json_t *v = json_loadb(body, len, 0, &je);
        if (!v)
            __builtin_trap();
        json_decref(v);
    }
    if (rs->status >= 400 && body)
        for (size_t i = 0; i < sizeof LEAKS / sizeof LEAKS[0]; i++)
            if (contains(body, len, LEAKS[i]) && !contains((const char *)data, size, LEAKS[i]))
                __builtin_trap();
    if (rs->file_path && strncmp(rs->file_path, web_root, strlen(web_root)) != 0 &&
        strncmp(rs->file_path, modules_root, strlen(modules_root)) != 0)
        __builtin_trap();
    if (rs->file_path && strstr(rs->file_path, "/../"))
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (setup())
            abort();
        ready = 1;
    }
    if (size > (1u << 16))
        return 0;
    /* Split into lines: the request line, headers, the body. */
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    char *line_end = memchr(text, '\n', size);
    char *body = text + size;
    const char *headers[16];
    int n_headers = 0;
    if (line_end) {
        *line_end = '\0';
        char *p = line_end + 1;
        while (p < text + size) {
            char *e = memchr(p, '\n', (size_t)(text + size - p));
            if (!e)
                e = text + size;
            *e = '\0';
            if (e > p && e[-1] == '\r')
                e[-1] = '\0';
            if (!*p) { /* the empty line: the body follows */
                p = e + 1;
                break;
            }
            if (n_headers < 16)
                headers[n_headers++] = p;
            p = e + 1;
        }
        body = p < text + size ? p : text + size;
    }
    char *sp = strchr(text, ' ');
    const char *method = "GET", *target = text;
    if (sp) {
        *sp = '\0';
        method = text;
        target = sp + 1;
    }
    if (target[0] != '/' || strlen(target) > 4000) {
        free(text);
        return 0;
    }
    if (fixture_copy(template_db, db)) {
        free(text);
        return 0;
    }
    srv_opts o;
    srv_opts_init(&o);
    o.db_path = db;
    o.web_root = web_root;
    o.modules_root = modules_root;
    o.quiet = 1;
    srv_app app;
    regio_error e;
    if (srv_app_open(&app, &o, &e) == REGIO_OK) {
        srv_response rs = {0};
        regio_buf_init(&rs.body, 0);
        if (srv_inproc_dispatch(&app, method, target, headers, n_headers, body,
                                (size_t)(text + size - body), "127.0.0.1", &rs) == REGIO_OK) {
            check(data, size, &rs);
            if (getenv("FUZZ_API_VERBOSE")) /* to see what a seed reaches */
                fprintf(stderr, "%s %s -> %d %.200s\n", method, target, rs.status,
                        rs.body.data ? rs.body.data : rs.file_path ? rs.file_path : "");
        }
        srv_response_clear(&rs);
    }
    srv_app_close(&app);
    free(text);
    return 0;
}
