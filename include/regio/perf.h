/*
 * Goals and results (docs/PERFORMANCE.md): sales lines, quotas and
 * activities; the figures per territory, rep, level or model for a period,
 * with as-of or current crediting, the flags and the fairness figures; and
 * top-down quota setting. All the rules live here: the CLI and the server
 * parse, call these functions and render what they return.
 */
#ifndef REGIO_PERF_H
#define REGIO_PERF_H

#include "regio/buf.h"
#include "regio/core.h"
#include "regio/import.h"
#include "regio/perf_result.h"
#include "regio/store.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- imports (atomic; upsert by key; errors name file, line and column) -- */

/* Sales lines: id,account,date,amount[,status,probability,product,rep];
 * Salesforce Opportunity and HubSpot deal headers as they come
 * (docs/PERFORMANCE.md). An unknown account fails naming the line.
 * sum->added/updated/unchanged count lines. */
REGIO_API regio_err regio_import_sales(regio_store *s, const char *path,
                                       const regio_import_opts *opts, regio_import_summary *sum,
                                       regio_error *err);
/* Quotas: territory,period,amount; key (territory, period). A territory
 * code no model has, or two rows of one territory whose periods overlap
 * (with the file's or the stored rows), fail naming the line. */
REGIO_API regio_err regio_import_quotas(regio_store *s, const char *path,
                                        const regio_import_opts *opts, regio_import_summary *sum,
                                        regio_error *err);
/* Activities: id,account,user,date,type[,duration_min,outcome,lat,lon];
 * user is a user's login or a rep's id; type visit|call|email|meeting. */
REGIO_API regio_err regio_import_activities(regio_store *s, const char *path,
                                            const regio_import_opts *opts,
                                            regio_import_summary *sum, regio_error *err);

/* One activity as the check-in page logs it (strings owned by the caller). */
typedef struct regio_activity {
    const char *id;      /* the client's id: a retry with the same id changes nothing */
    const char *account; /* account external id */
    const char *user;    /* login or rep id */
    const char *date;    /* YYYY-MM-DD or an ISO timestamp */
    const char *type;    /* visit|call|email|meeting; NULL: visit */
    double duration_min; /* NAN when unknown */
    const char *outcome; /* or NULL */
    const char *notes;   /* or NULL */
    double lat, lon;     /* NAN when unknown */
} regio_activity;

/* Logs activities all or none — in a transaction of its own, or as a part
 * of one the caller has open (a failure then undoes the log alone);
 * *added (may be NULL) gets how many were new (an id already stored is
 * left as it is). */
REGIO_API regio_err regio_activities_log(regio_store *s, const regio_activity *a, size_t n,
                                         const char *actor, size_t *added, regio_error *err);

/* ---- the figures -------------------------------------------------------------- */

typedef struct regio_perf_query {
    const char *model;       /* reporting model; NULL: the model in force today */
    regio_period period;
    regio_perf_by by;
    int level;               /* with REGIO_PERF_BY_LEVEL: 1 = the roots */
    int current;             /* 1: current crediting; 0: as-of */
    const char *segment_visits; /* "A=24,B=12,C=4" or NULL */
    /* Who looks: only the territories visible() says yes to give rows and
     * count in roll-ups; NULL: all. Called with NULL for (unassigned). The
     * median of the flags stays the whole model's. */
    int (*visible)(void *ud, const char *territory);
    void *visible_ud;
} regio_perf_query;

/* A user's view through the access rules (regio/access.h): a territory's
 * figures are visible when the user can see its accounts
 * (regio_access_scope_territory is not NONE); (unassigned) with view_all. */
struct regio_access;
struct regio_access_scope;
typedef struct regio_perf_viewer {
    const struct regio_access *access;
    long user;
    const struct regio_access_scope *scope;
} regio_perf_viewer;
/* A visible() callback over a regio_perf_viewer. */
REGIO_API int regio_perf_viewer_sees(void *viewer, const char *territory);

/* Computes the figures of q (docs/PERFORMANCE.md). The caller frees *out
 * with regio_perf_result_free. An unknown model fails with
 * REGIO_ENOTFOUND; a bad segment map or level with REGIO_EINVAL. */
REGIO_API regio_err regio_perf_compute(regio_store *s, const regio_perf_query *q,
                                       regio_perf_result *out, regio_error *err);
/* Credited figures kept between requests: the crediting of a (model,
 * period, crediting, segment map) is done once while the store does not
 * change (regio_store_generation); each request then only gathers its
 * rows for who looks and by what. Not thread-safe: use it under the lock
 * the store is used under. Holds at most `entries` credited periods (a few
 * MB each with 10,000 territories). */
typedef struct regio_perf_cache regio_perf_cache;
/* NULL out of memory; the caller destroys it (NULL accepted). */
REGIO_API regio_perf_cache *regio_perf_cache_create(size_t entries);
REGIO_API void regio_perf_cache_destroy(regio_perf_cache *cache);
/* regio_perf_compute through cache (NULL: no cache); the same answer. */
REGIO_API regio_err regio_perf_compute_cached(regio_perf_cache *cache, regio_store *s,
                                              const regio_perf_query *q, regio_perf_result *out,
                                              regio_error *err);
/* ---- quota setting ---------------------------------------------------------- */

typedef struct regio_quota_query {
    const char *model;       /* NULL: the model in force today */
    regio_period period;
    double total;            /* X, whole currency units */
    double w_potential, w_history; /* weights; normalised to a sum of 1 */
    int seasonality;         /* spread by last year's monthly bookings shares */
    int dry_run;             /* compute, do not save */
    const char *actor;
} regio_quota_query;

typedef struct regio_quota_alloc {
    char *territory;
    double potential, history; /* the inputs */
    double amount;             /* whole units */
    double last_bookings;      /* bookings over the same period a year before */
} regio_quota_alloc;

typedef struct regio_quota_result {
    regio_quota_alloc *t;
    size_t n;
    regio_period history;    /* the period H is read over */
} regio_quota_result;

/* Allocates q->total over the leaves of q->model (docs/PERFORMANCE.md,
 * "Quota setting") and, unless dry_run, saves it as monthly quotas of
 * q->period replacing the quotas of those territories that overlap it,
 * in one transaction, audited as "quota.allocate". */
REGIO_API regio_err regio_quota_allocate(regio_store *s, const regio_quota_query *q,
                                         regio_quota_result *out, regio_error *err);
REGIO_API void regio_quota_result_free(regio_quota_result *r);

/* Appends the allocation as JSON: {"period","history","saved","total",
 * "territories":[{"territory","quota","potential","history",
 * "last_year_bookings"}]} (what `regio quota allocate --format json` and the
 * API answer). */
REGIO_API regio_err regio_quota_render_json(const regio_quota_query *q,
                                            const regio_quota_result *r, regio_buf *b);

/* Parses "potential=0.6,history=0.4" (either may be left out: 0). */
REGIO_API regio_err regio_quota_weights_parse(const char *s, double *w_potential,
                                              double *w_history, regio_error *err);

#ifdef __cplusplus
}
#endif
#endif
