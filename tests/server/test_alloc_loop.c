/*
 * The allocation-failure loop (docs/TESTING.md): each operation a user
 * runs — imports (Salesforce and HubSpot accounts, reps, units), a design
 * saved as a model, a route, a territory's call plan saved, and a batch of
 * API requests through the handlers in-process — is run with the n-th
 * allocation failing, for n = 1, 2, ... until it completes without meeting
 * a failure. Two passes: libregio's allocations (regio_set_allocator), every
 * one, then SQLite's (sqlite3_config(SQLITE_CONFIG_MALLOC) before SQLite
 * starts): thousands per operation (opening a store alone makes ~1,500),
 * so by default every 127th (1, 128, 255, ...); REGIO_ALLOC_LOOP_SQLITE_STEP=1
 * fails every one (minutes).
 *
 * Every run starts from a fresh copy of its store and counts the whole
 * operation, opening and closing included, as the CLI or the server does
 * it. A run that met the failure must end in an error with a message (an
 * API request: a 5xx answer with a JSON error body) and leave the store's
 * content exactly as it was (regio_test_db_fingerprint); a run that
 * absorbed it (a retry, SQLite's benign failures), or an API write that met
 * it after its commit, must answer as a clean run does and leave the
 * store as the clean run does: an answer never contradicts its commit.
 * Jansson's allocations go through the same hook (json_set_alloc_funcs). Leaks are LeakSanitizer's to find in the sanitizer build, which
 * runs this test too. REGIO_ALLOC_LOOP_ONLY=TEXT runs only the operations
 * whose name contains TEXT.
 */
#include "regio/regio.h"
#include "server/inproc.h"
#include "fixture.h"
#include "regio_test.h"
#include "regio_test_db.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the failing allocators ------------------------------------------------------ */

static long sqlite_step = 127; /* SQLite's pass fails allocations 1, 1 + step, ... */
static int armed;          /* count (and fail) allocations of this pass */
static int pass_sqlite;    /* 0: libregio's allocations, 1: SQLite's */
static long calls, fail_at;

static int fail_now(int sqlite_side)
{
    if (!armed || sqlite_side != pass_sqlite)
        return 0;
    return ++calls == fail_at;
}

static void *r_malloc(void *ud, size_t n)
{
    (void)ud;
    return fail_now(0) ? NULL : malloc(n);
}

static void *r_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    return fail_now(0) ? NULL : realloc(p, n);
}

static void r_free(void *ud, void *p)
{
    (void)ud;
    free(p);
}

static const regio_allocator failing = {r_malloc, r_realloc, r_free, NULL};

static sqlite3_mem_methods sq_orig;

static void *sq_malloc(int n)
{
    return fail_now(1) ? NULL : sq_orig.xMalloc(n);
}

static void *sq_realloc(void *p, int n)
{
    return fail_now(1) ? NULL : sq_orig.xRealloc(p, n);
}

static void sq_hook(void)
{
    sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sq_orig);
    sqlite3_mem_methods m = sq_orig;
    m.xMalloc = sq_malloc;
    m.xRealloc = sq_realloc;
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK)
        FAIL_AT_("cannot install SQLite's failing allocator");
}

/* ---- stores ---------------------------------------------------------------------- */

static char dir[64], empty_db[128], people_db[128], full_db[128], work_db[128];
static fixture_paths files;
static char hubspot[4200], vroom[4200];

/* The content (values 1) or the shape (values 0: tables and row counts)
 * of the store at path; no allocation fails meanwhile. */
static uint64_t digest(const char *path, int values)
{
    sqlite3 *db = NULL;
    uint64_t h = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
        h = regio_test_db_digest(db, values, NULL);
    sqlite3_close(db);
    return h;
}

/* ---- the loop ---------------------------------------------------------------------- */

/* One operation over the store at work_db: fills *e and returns a code
 * (an API request: its status in *status). */
typedef regio_err (*op_fn)(const void *arg, int *status, regio_error *e);

typedef struct op {
    const char *name;
    const char *store; /* the template it starts from */
    op_fn fn;
    const void *arg;
} op;

/* Totals over both passes, for the summary line; partial: API writes
 * whose failure came after the commit, answered with the write's short
 * saved answer (srv_reply_saved) instead of the full one. */
static long total_runs, total_failures, total_absorbed, total_partial;
static int last_partial; /* the last request was answered with its saved answer */

static regio_err run_request(const void *arg, int *status, regio_error *e);

/* Runs o with the n-th allocation failing for n = 1, 2, ... until a run
 * meets no failure; returns the number of allocations of that run. */
static long fail_each(const op *o)
{
    uint64_t before = digest(o->store, 1);
    int clean_status = 0;
    regio_error e;
    /* The clean run: what a run that absorbed a failure must match. */
    if (fixture_copy(o->store, work_db)) {
        FAIL_AT_("%s: cannot copy the store", o->name);
        return 0;
    }
    regio_error_clear(&e);
    regio_err rc = o->fn(o->arg, &clean_status, &e);
    if (rc) {
        FAIL_AT_("%s: fails without an injected failure: %s", o->name, e.msg);
        return 0;
    }
    uint64_t clean_shape = digest(work_db, 0);
    int clean_landed = digest(work_db, 1) != before;
    long partial = 0;
    for (fail_at = 1;; fail_at += pass_sqlite ? sqlite_step : 1) {
        if (fixture_copy(o->store, work_db)) {
            FAIL_AT_("%s: cannot copy the store", o->name);
            return 0;
        }
        int status = 0;
        regio_error_clear(&e);
        calls = 0;
        armed = 1;
        regio_set_allocator(&failing);
        rc = o->fn(o->arg, &status, &e);
        regio_set_allocator(NULL);
        armed = 0;
        total_runs++;
        const char *side = pass_sqlite ? "SQLite" : "libregio";
        if (calls < fail_at) { /* no failure met: the operation is covered */
            if (rc || status != clean_status)
                FAIL_AT_("%s: the run without a failure ended %d/%d (clean: 0/%d): %s", o->name,
                         (int)rc, status, clean_status, e.msg);
            if (partial)
                fprintf(stderr, "  %s, %s: %ld failures came after the commit (answered with "
                                "the write's saved answer)\n",
                        o->name, side, partial);
            return calls;
        }
        int landed = digest(work_db, 1) != before;
        if (!rc && status == clean_status) {
            /* Absorbed, or (an API write) failed after its commit and
             * answered with its saved answer: either way the answer is the
             * clean run's success, so the store must hold what the clean
             * run left (timestamps aside): no success for a write that is
             * absent. */
            if (landed != clean_landed || digest(work_db, 0) != clean_shape) {
                FAIL_AT_("%s: allocation %ld (%s) answered %d as the clean run but the store "
                         "%s: %s",
                         o->name, fail_at, side, status,
                         landed ? "holds other rows" : "lacks the write", e.msg);
                return 0;
            }
            if (o->fn == run_request && last_partial) {
                partial++;
                total_partial++;
            } else {
                total_absorbed++;
            }
            continue;
        }
        total_failures++;
        if (!rc && !(status >= 500 && status <= 599)) {
            FAIL_AT_("%s: allocation %ld (%s) answered %d instead of %d or a 5xx: %s", o->name,
                     fail_at, side, status, clean_status, e.msg);
            return 0;
        }
        if (rc && !e.msg[0] && rc != REGIO_ENOMEM) {
            FAIL_AT_("%s: allocation %ld (%s) failed with %s and no message", o->name, fail_at,
                     side, regio_err_name(rc));
            return 0;
        }
        /* An error, and an API request's 5xx, leaves every row as it was:
         * a 5xx for a write that was saved would tell the client a lie. */
        if (landed) {
            FAIL_AT_("%s: allocation %ld (%s) failed (%s, status %d: %s) and changed the store",
                     o->name, fail_at, side, regio_err_name(rc), status, e.msg);
            return 0;
        }
    }
}

/* ---- the operations ---------------------------------------------------------------- */

typedef regio_err (*store_fn)(regio_store *s, regio_error *e);

/* Opens work_db, runs fn, closes: as one CLI command does. */
static regio_err with_store(store_fn fn, regio_error *e)
{
    regio_store *s = NULL;
    regio_err rc = regio_store_open(work_db, &s, e);
    if (!rc)
        rc = fn(s, e);
    regio_store_close(s);
    return rc;
}

static regio_err import_accounts(regio_store *s, regio_error *e)
{
    return fixture_import_accounts(s, &files, e);
}

static regio_err import_hubspot(regio_store *s, regio_error *e)
{
    return regio_import_accounts(s, hubspot, NULL, NULL, e);
}

static regio_err import_reps(regio_store *s, regio_error *e)
{
    return fixture_import_reps(s, &files, e);
}

static regio_err import_units(regio_store *s, regio_error *e)
{
    return fixture_import_units(s, &files, e);
}

static regio_err assign_units(regio_store *s, regio_error *e)
{
    return fixture_assign_units(s, e);
}

static regio_err design(regio_store *s, regio_error *e)
{
    return fixture_design(s, "again", e);
}

/* `regio plan --model base --territory T01`: prepared, solved, saved. */
static regio_err plan(regio_store *s, regio_error *e)
{
    regio_design_problem *units = NULL;
    regio_model_view *v = NULL;
    regio_territory_plan *p = NULL;
    regio_territory_plan_opts o;
    memset(&o, 0, sizeof o);
    o.territory = "T01";
    o.seed = 1;
    o.start = "2027-01-11";
    o.n_days = 5;
    o.time_limit_s = -1;
    regio_err rc = regio_design_problem_load_units(s, 0, &units, e);
    if (!rc)
        rc = regio_model_view_load(s, units, "base", -1, &v, e);
    if (!rc)
        rc = regio_territory_plan_prepare(s, v, &o, &p, e);
    if (!rc)
        rc = regio_territory_plan_solve(p, e);
    if (!rc)
        rc = regio_territory_plan_save(s, p, NULL, "test", e);
    regio_territory_plan_destroy(p);
    regio_model_view_destroy(v);
    regio_design_problem_destroy(units);
    return rc;
}

static regio_err run_store(const void *arg, int *status, regio_error *e)
{
    (void)status;
    return with_store((store_fn)(uintptr_t)arg, e);
}

/* `regio route problem.json`: read, solved on a small budget, written. */
static regio_err run_route(const void *arg, int *status, regio_error *e)
{
    (void)arg;
    (void)status;
    regio_route_problem *p = NULL;
    regio_vrp_solution *s = NULL;
    char *json = NULL;
    regio_route_params rp = {1, 0, 200, 0};
    regio_err rc = regio_route_read_vroom(vroom, NULL, &p, e);
    if (!rc)
        rc = regio_route_solve(p, &rp, &s, NULL, e);
    if (!rc)
        rc = regio_route_write_json(p, s, NULL, &json, e);
    regio_free(json);
    regio_vrp_solution_destroy(s);
    regio_route_problem_destroy(p);
    return rc;
}

/* One API request: the server opened on work_db, the request, closed. */
typedef struct request {
    const char *method, *target, *body;
} request;

static regio_err run_request(const void *arg, int *status, regio_error *e)
{
    const request *r = arg;
    srv_opts o;
    srv_opts_init(&o);
    o.db_path = work_db;
    o.quiet = 1;
    o.no_worker = 1; /* no worker thread: its allocations would race the count */
    srv_app app;
    regio_err rc = srv_app_open(&app, &o, e);
    if (!rc) {
        srv_response rs = {0};
        regio_buf_init(&rs.body, 0);
        const char *h[] = {"Content-Type: application/json"};
        rc = srv_inproc_dispatch(&app, r->method, r->target, h, 1, r->body,
                                 r->body ? strlen(r->body) : 0, "127.0.0.1", &rs);
        if (rc)
            regio_error_setf(e, rc, NULL, 0, NULL, "out of memory building the request");
        *status = rs.status;
        last_partial = rs.saved_used;
        size_t len = 0;
        const char *body = srv_response_data(&rs, &len);
        if (!body)
            body = "";
        if (!rc) /* the answer, for the loop's messages */
            snprintf(e->msg, sizeof e->msg, "%.*s", (int)(len < 300 ? len : 300), body);
        if (!rc && rs.status >= 500) {
            /* the answer is JSON {"error":{"code","message"}} */
            json_t *v = json_loadb(body, len, 0, NULL);
            json_t *msg = json_object_get(json_object_get(v, "error"), "message");
            if (!json_string_value(msg) || !json_string_value(msg)[0])
                *status = -1; /* neither the clean answer nor an error */
            json_decref(v);
        }
        srv_response_clear(&rs);
    }
    srv_app_close(&app);
    return rc;
}

static const request REQUESTS[] = {
    {"GET", "/api/v1/models/base/territories?balance=accounts,revenue", NULL},
    {"GET", "/api/v1/models/base/territories.geojson", NULL},
    {"GET", "/api/v1/units?bbox=-105.2,39.5,-104.8,39.9", NULL},
    {"GET", "/api/v1/accounts?q=a&territory=T01&model=base", NULL},
    {"POST", "/api/v1/models/base/moves",
     "{\"revision\":9,\"moves\":[{\"unit\":\"U5\",\"to\":\"T01\"},{\"account\":\"001A\","
     "\"to\":\"T02\"}]}"},
    {"POST", "/api/v1/models/base/locks", "{\"revision\":9,\"units\":[\"U1\"],\"locked\":true}"},
    {"POST", "/api/v1/models", "{\"name\":\"copy\",\"from\":\"base\"}"},
    {"POST", "/api/v1/models/base/territories/T01/rules",
     "{\"name\":\"health\",\"logic\":\"1 OR 2\",\"criteria\":[{\"field\":\"industry\","
     "\"operator\":\"equals\",\"value\":\"Healthcare\"},{\"field\":\"employees\","
     "\"operator\":\"greater_than\",\"value\":\"50\"}]}"},
    {"POST", "/api/v1/models/base/territories/T02/plan",
     "{\"start\":\"2027-01-11\",\"days\":5,\"seed\":1}"},
    {"POST", "/api/v1/activities",
     "{\"activities\":[{\"id\":\"a-1\",\"account\":\"001B\",\"user\":\"R1\","
     "\"date\":\"2027-01-11\"}]}"},
};

/* Jansson's allocations (request bodies parsed, answers built) go through
 * libregio's hook too, so that they fail in the libregio pass; except in
 * the route, whose VROOM file has string tokens longer than 15 bytes:
 * Jansson (2.14) ignores a failed allocation while it saves a token's text
 * (lex_save) and then reads past the token (an assertion in its own code).
 * The request bodies of the loop have no such tokens. */
static int jansson_fails = 1;

static void *j_malloc(size_t n)
{
    return jansson_fails ? regio_malloc(n) : malloc(n);
}

static void j_free(void *p)
{
    free(p); /* both kinds: regio_free ends in free() here */
}

/* ---- the test ------------------------------------------------------------------------ */

static void report(const char *name, long n)
{
    if (pass_sqlite && sqlite_step > 1)
        fprintf(stderr, "  %s, SQLite: %ld allocations, every %ld-th failed once\n", name, n,
                sqlite_step);
    else
        fprintf(stderr, "  %s, %s: %ld allocations, each failed once\n", name,
                pass_sqlite ? "SQLite" : "libregio", n);
}

static void run_pass(int sqlite_side)
{
    pass_sqlite = sqlite_side;
    const op ops[] = {
        {"import accounts (Salesforce)", empty_db, run_store, (const void *)(uintptr_t)import_accounts},
        {"import accounts (HubSpot)", empty_db, run_store, (const void *)(uintptr_t)import_hubspot},
        {"import reps", empty_db, run_store, (const void *)(uintptr_t)import_reps},
        {"import units", people_db, run_store, (const void *)(uintptr_t)import_units},
        {"assign units --measures", full_db, run_store, (const void *)(uintptr_t)assign_units},
        {"design", full_db, run_store, (const void *)(uintptr_t)design},
        {"route", full_db, run_route, NULL},
        {"plan", full_db, run_store, (const void *)(uintptr_t)plan},
    };
    const char *only = getenv("REGIO_ALLOC_LOOP_ONLY"); /* a part of one name: that one */
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if ((only && !strstr(ops[i].name, only)) || (sqlite_side && ops[i].fn == run_route))
            continue; /* a route uses no store */
        jansson_fails = ops[i].fn != run_route;
        long n = fail_each(&ops[i]);
        jansson_fails = 1;
        report(ops[i].name, n);
        ASSERT_TRUE(n > 0);
    }
    for (size_t i = 0; i < sizeof REQUESTS / sizeof REQUESTS[0]; i++) {
        char name[160];
        snprintf(name, sizeof name, "%s %s", REQUESTS[i].method, REQUESTS[i].target);
        if (only && !strstr(name, only))
            continue;
        op o = {name, full_db, run_request, &REQUESTS[i]};
        long n = fail_each(&o);
        report(name, n);
        ASSERT_TRUE(n > 0);
    }
}

static void test_libregio(void)
{
    run_pass(0);
}

static void test_sqlite(void)
{
    run_pass(1);
}

static void cleanup(void)
{
    const char *written[] = {"units.csv", "reps.csv", "accounts.csv"};
    char p[256];
    for (size_t i = 0; i < sizeof written / sizeof written[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, written[i]);
        remove(p);
    }
    /* the stores with their -wal and -shm (a read-only look makes them) */
    const char *stores[] = {empty_db, people_db, full_db, work_db};
    for (size_t i = 0; i < sizeof stores / sizeof stores[0]; i++)
        regio_test_db_remove(stores[i]);
    rmdir(dir);
}

int main(void)
{
    sq_hook(); /* before SQLite's first use */
    json_set_alloc_funcs(j_malloc, j_free);
    const char *step = getenv("REGIO_ALLOC_LOOP_SQLITE_STEP");
    if (step && atol(step) > 0)
        sqlite_step = atol(step);
    if (fixture_dir(dir, sizeof dir, "alloc_loop")) {
        fprintf(stderr, "cannot make a temporary folder\n");
        return 1;
    }
    snprintf(empty_db, sizeof empty_db, "%s/empty.db", dir);
    snprintf(people_db, sizeof people_db, "%s/people.db", dir);
    snprintf(full_db, sizeof full_db, "%s/full.db", dir);
    snprintf(work_db, sizeof work_db, "%s/work.db", dir);
    const char *src = getenv("REGIO_SOURCE_DIR");
    snprintf(hubspot, sizeof hubspot, "%s/tests/data/hubspot_companies.csv", src ? src : ".");
    snprintf(vroom, sizeof vroom, "%s/tests/data/vroom_example_2.json", src ? src : ".");
    regio_error e;
    regio_store *s = NULL;
    if (regio_store_open(empty_db, &s, &e) || fixture_store(dir, full_db, people_db, &files, &e)) {
        fprintf(stderr, "cannot build the stores: %s\n", e.msg);
        regio_store_close(s);
        cleanup();
        return 1;
    }
    regio_store_close(s);
    RUN(test_libregio);
    RUN(test_sqlite);
    fprintf(stderr,
            "  %ld runs: %ld met their failure and ended in an error with nothing saved, "
            "%ld absorbed it, %ld API writes met it after their commit and answered success "
            "(their saved answer)\n",
            total_runs, total_failures, total_absorbed, total_partial);
    cleanup();
    TEST_END();
}
