/*
 * Units, accounts and reps: paged, bbox-filtered and searchable lists, one
 * unit with its territory per model, and the unit boundaries as GeoJSON.
 * Units come from the loaded design problem; accounts are queried from
 * the store page by page (filtered and counted in SQL).
 */
#define _GNU_SOURCE /* strcasestr */
#include "server/handlers.h"
#include "server/render.h"

#include <limits.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PAGE_DEFAULT 100
#define PAGE_MAX 5000
/* Unit boundary simplification for display (degrees). */
#define UNIT_SIMPLIFY_DEG 0.002

typedef struct page {
    long limit, offset;
    int has_bbox;
    double w, s, e, n;
    const char *q;
} page;

/* Parses limit, offset, bbox and q; 0 and rs filled (400) when invalid. */
static int parse_page(const srv_request *rq, page *pg, srv_response *rs)
{
    memset(pg, 0, sizeof *pg);
    pg->limit = PAGE_DEFAULT;
    const char *names[2] = {"limit", "offset"};
    long *vals[2] = {&pg->limit, &pg->offset};
    for (int i = 0; i < 2; i++) {
        const char *v = srv_query(rq, names[i]);
        if (!v)
            continue;
        char *end = NULL;
        errno = 0;
        long x = strtol(v, &end, 10);
        if (errno || end == v || *end || x < 0 || (i == 0 && (x < 1 || x > PAGE_MAX))) {
            srv_reply_error(rs, 400, "bad_request", "%s '%s' must be a whole number%s", names[i],
                            v, i == 0 ? " from 1 to 5000" : " >= 0");
            return 0;
        }
        *vals[i] = x;
    }
    const char *b = srv_query(rq, "bbox");
    if (b) {
        double v[4];
        const char *s = b;
        for (int i = 0; i < 4; i++) {
            char *end = NULL;
            errno = 0;
            v[i] = strtod(s, &end);
            if (errno || end == s || !isfinite(v[i]) || (i < 3 && *end != ',') ||
                (i == 3 && *end)) {
                srv_reply_error(rs, 400, "bad_request",
                                "bbox '%s' must be west,south,east,north in degrees", b);
                return 0;
            }
            s = end + 1;
        }
        if (v[1] > v[3]) {
            srv_reply_error(rs, 400, "bad_request", "bbox '%s': south is above north", b);
            return 0;
        }
        pg->has_bbox = 1;
        pg->w = v[0];
        pg->s = v[1];
        pg->e = v[2];
        pg->n = v[3];
    }
    pg->q = srv_query(rq, "q");
    if (pg->q && !*pg->q)
        pg->q = NULL;
    return 1;
}

static int in_bbox(const page *pg, double lat, double lon)
{
    if (!pg->has_bbox)
        return 1;
    if (!isfinite(lat) || !isfinite(lon) || lat < pg->s || lat > pg->n)
        return 0;
    if (pg->w <= pg->e)
        return lon >= pg->w && lon <= pg->e;
    return lon >= pg->w || lon <= pg->e; /* crosses the antimeridian */
}

static int matches(const char *q, const char *a, const char *b)
{
    return !q || (a && strcasestr(a, q)) || (b && strcasestr(b, q));
}

/* ---- units ------------------------------------------------------------------------ */

/* A unit; its measures (totals over every account in it) only for callers
 * who read every account. */
static json_t *unit_json(const regio_design_problem *p, size_t i, int measures)
{
    const regio_unit *u = &p->loaded.units->units[i];
    json_t *ms = json_object();
    for (size_t c = 0; measures && c < p->in.m; c++)
        json_object_set_new(ms, p->in.measure_names[c], json_real(p->in.measures[i * p->in.m + c]));
    return json_pack("{s:s,s:o,s:o,s:o,s:o}", "id", u->id, "name",
                     srv_json_str(u->name), "lat",
                     srv_json_num(u->lat), "lon",
                     srv_json_num(u->lon), "measures", ms);
}

SRV_HANDLER(api_units)
{
    page pg;
    if (!parse_page(rq, &pg, rs))
        return;
    pthread_mutex_lock(&app->mu);
    const regio_design_problem *p = srv_units(app, rs);
    if (!p) {
        pthread_mutex_unlock(&app->mu);
        return;
    }
    json_t *arr = json_array();
    long total = 0;
    int all = srv_caller_sees_all(rq);
    for (size_t i = 0; i < p->in.n; i++) {
        const regio_unit *u = &p->loaded.units->units[i];
        if (!in_bbox(&pg, u->lat, u->lon) || !matches(pg.q, u->id, u->name))
            continue;
        if (total >= pg.offset && total < pg.offset + pg.limit)
            json_array_append_new(arr, unit_json(p, i, all));
        total++;
    }
    pthread_mutex_unlock(&app->mu);
    srv_reply_json(rs, 200,
                   json_pack("{s:I,s:I,s:I,s:o}", "total", (json_int_t)total, "offset",
                             (json_int_t)pg.offset, "limit", (json_int_t)pg.limit, "units", arr));
}

typedef struct unit_models {
    srv_app *app;
    srv_request *rq;
    const char *unit;
    json_t *out;
} unit_models;

static int unit_in_model(void *ud, const regio_model_info *m)
{
    unit_models *c = ud;
    if (!srv_caller_sees_model(c->rq, m->name))
        return 0;
    srv_response tmp = {0};
    regio_buf_init(&tmp.body, 0);
    srv_workspace *w = srv_workspace_get(c->app, m->name, &tmp);
    srv_response_clear(&tmp);
    if (!w)
        return 0;
    long i = regio_unitset_find(c->app->units->loaded.units, c->unit);
    if (i >= 0 && w->v->labels[i] >= 0 &&
        srv_caller_sees_territory(c->rq, m->name, w->v->territory[w->v->labels[i]]))
        json_object_set_new(c->out, m->name, json_string(w->v->territory[w->v->labels[i]]));
    return 0;
}

SRV_HANDLER(api_unit_get)
{
    pthread_mutex_lock(&app->mu);
    const regio_design_problem *p = srv_units(app, rs);
    long i = p ? regio_unitset_find(p->loaded.units, rq->params[0]) : -1;
    if (p && i < 0)
        srv_reply_error(rs, 404, "not_found", "unit '%s' not found", rq->params[0]);
    if (i < 0) {
        pthread_mutex_unlock(&app->mu);
        return;
    }
    json_t *v = unit_json(p, (size_t)i, srv_caller_sees_all(rq));
    unit_models c = {app, rq, rq->params[0], json_object()};
    regio_error err;
    regio_store_model_list(app->store, unit_in_model, &c, &err);
    json_object_set_new(v, "territories", c.out);
    pthread_mutex_unlock(&app->mu);
    srv_reply_json(rs, 200, v);
}

/* Each unit's simplified boundary as GeoJSON text (built once). */
static char **unit_geometries(srv_app *app, const regio_design_problem *p, srv_response *rs)
{
    if (app->unit_geo)
        return app->unit_geo;
    size_t n = p->in.n;
    int *ident = regio_malloc((n ? n : 1) * sizeof *ident);
    regio_error err;
    regio_error_clear(&err);
    if (!ident) {
        srv_reply_error(rs, 500, "internal", "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        ident[i] = (int)i;
    regio_err rc = regio_geo_outline_many(p->loaded.units, ident, (int)n, UNIT_SIMPLIFY_DEG,
                                          REGIO_OUTLINE_GEOJSON, &app->unit_geo, &err);
    regio_free(ident);
    if (rc) {
        app->unit_geo = NULL;
        srv_reply_regio_error(rs, rc, &err);
        return NULL;
    }
    return app->unit_geo;
}

/* The unit boundaries in pg's bbox (by centroid) as a FeatureCollection. */
static regio_err units_collection(const regio_design_problem *p, char **geo, const page *pg,
                                  regio_buf *b)
{
    regio_err rc = regio_buf_puts(b, "{\"type\":\"FeatureCollection\",\"features\":[");
    int first = 1;
    for (size_t i = 0; i < p->in.n && !rc; i++) {
        const regio_unit *u = &p->loaded.units->units[i];
        if (!in_bbox(pg, u->lat, u->lon))
            continue;
        regio_buf_printf(b, "%s{\"type\":\"Feature\",\"id\":", first ? "" : ",");
        first = 0;
        regio_buf_json_str(b, u->id);
        regio_buf_puts(b, ",\"properties\":{\"id\":");
        regio_buf_json_str(b, u->id);
        regio_buf_puts(b, ",\"name\":");
        if (u->name)
            regio_buf_json_str(b, u->name);
        else
            regio_buf_puts(b, "null");
        regio_buf_puts(b, ",\"lat\":");
        regio_buf_num(b, u->lat); /* null when unknown */
        regio_buf_puts(b, ",\"lon\":");
        regio_buf_num(b, u->lon);
        regio_buf_puts(b, "},\"geometry\":");
        rc = regio_buf_puts(b, geo[i] ? geo[i] : "null");
        rc = rc ? rc : regio_buf_putc(b, '}');
    }
    return rc ? rc : regio_buf_puts(b, "]}");
}

SRV_HANDLER(api_units_geojson)
{
    page pg;
    if (!parse_page(rq, &pg, rs))
        return;
    pthread_mutex_lock(&app->mu);
    const regio_design_problem *p = srv_units(app, rs);
    char **geo = p ? unit_geometries(app, p, rs) : NULL;
    if (geo && (pg.has_bbox || !app->units_geojson)) {
        regio_buf b;
        regio_buf_init(&b, 0);
        srv_blob *blob = NULL;
        if (units_collection(p, geo, &pg, &b) || !(blob = srv_blob_from_buf(&b))) {
            regio_buf_free(&b);
            srv_reply_error(rs, 500, "internal", "out of memory building the unit GeoJSON");
        } else if (pg.has_bbox) {
            srv_reply_blob(rs, 200, "application/geo+json", blob);
            srv_blob_unref(blob);
        } else {
            app->units_geojson = blob; /* the whole set: kept for the next request */
        }
    }
    if (geo && !pg.has_bbox && app->units_geojson)
        srv_reply_blob(rs, 200, "application/geo+json", app->units_geojson);
    pthread_mutex_unlock(&app->mu);
}

/* ---- accounts ------------------------------------------------------------------- */

/* A page of accounts copied out under the store lock (the few columns the
 * list shows), so that writing their JSON happens after it is released. */
enum { ACC_ID, ACC_NAME, ACC_CITY, ACC_REGION, ACC_POSTAL, ACC_UNIT, ACC_OWNER, ACC_SEGMENT,
       ACC_TEXTS };

typedef struct acc_copy {
    regio_buf text;  /* every string, NUL-separated */
    long (*off)[ACC_TEXTS]; /* per account: offset of each string, -1 for NULL */
    double (*num)[4];       /* lat, lon, annual_revenue, potential */
    regio_access_level *lv; /* the caller's level on each */
    size_t n, cap;
    int oom;
} acc_copy;

static int copy_account(void *ud, const regio_account *a)
{
    acc_copy *c = ud;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 128;
        void *o = regio_realloc(c->off, cap * sizeof *c->off);
        if (o)
            c->off = o;
        void *m = o ? regio_realloc(c->num, cap * sizeof *c->num) : NULL;
        if (m)
            c->num = m;
        void *l = m ? regio_realloc(c->lv, cap * sizeof *c->lv) : NULL;
        if (l)
            c->lv = l;
        if (!o || !m || !l) {
            c->oom = 1;
            return 1;
        }
        c->cap = cap;
    }
    const char *t[ACC_TEXTS] = {a->id,   a->name,     a->city,  a->region,
                                a->postal_code, a->unit_id, a->owner, a->segment};
    for (int i = 0; i < ACC_TEXTS; i++) {
        c->off[c->n][i] = t[i] ? (long)c->text.len : -1;
        if (t[i] && regio_buf_append(&c->text, t[i], strlen(t[i]) + 1)) {
            c->oom = 1;
            return 1;
        }
    }
    c->num[c->n][0] = a->lat;
    c->num[c->n][1] = a->lon;
    c->num[c->n][2] = a->annual_revenue;
    c->num[c->n][3] = a->potential;
    c->lv[c->n] = REGIO_LEVEL_NONE;
    c->n++;
    return 0;
}

static void copy_free(acc_copy *c)
{
    regio_buf_free(&c->text);
    regio_free(c->off);
    regio_free(c->num);
    regio_free(c->lv);
}

static const char *copy_text(const acc_copy *c, size_t i, int k)
{
    return c->off[i][k] < 0 ? NULL : c->text.data + c->off[i][k];
}

/* One account: the strings t (ACC_* order, NULL for null), the numbers
 * num (lat, lon, annual_revenue, potential) and the caller's level. */
static regio_err put_account(regio_buf *b, const char *const *t, const double *num,
                             regio_access_level lv)
{
    static const char *const key[] = {",\"name\":", ",\"city\":", ",\"region\":",
                                       ",\"postal_code\":"};
    regio_err rc = regio_buf_puts(b, "{\"id\":");
    if (!rc)
        rc = srv_put_str(b, t[ACC_ID]);
    for (int k = 0; k < 4 && !rc; k++)
        if (!(rc = regio_buf_puts(b, key[k])))
            rc = srv_put_str(b, t[ACC_NAME + k]);
    if (!rc && !(rc = regio_buf_puts(b, ",\"lat\":")))
        rc = srv_put_num(b, num[0]);
    if (!rc && !(rc = regio_buf_puts(b, ",\"lon\":")))
        rc = srv_put_num(b, num[1]);
    if (!rc && !(rc = regio_buf_puts(b, ",\"unit\":")))
        rc = srv_put_str(b, t[ACC_UNIT]);
    if (!rc && !(rc = regio_buf_puts(b, ",\"annual_revenue\":")))
        rc = srv_put_num(b, num[2]);
    if (!rc && !(rc = regio_buf_puts(b, ",\"potential\":")))
        rc = srv_put_num(b, num[3]);
    if (!rc && !(rc = regio_buf_puts(b, ",\"owner\":")))
        rc = srv_put_str(b, t[ACC_OWNER]);
    if (!rc && !(rc = regio_buf_puts(b, ",\"segment\":")))
        rc = srv_put_str(b, t[ACC_SEGMENT]);
    return rc ? rc : regio_buf_printf(b, ",\"access\":\"%s\"}", regio_access_level_name(lv));
}

regio_err srv_put_account(regio_buf *b, const regio_account *a, regio_access_level lv)
{
    const char *t[ACC_TEXTS] = {a->id,          a->name,    a->city,  a->region,
                                a->postal_code, a->unit_id, a->owner, a->segment};
    const double num[4] = {a->lat, a->lon, a->annual_revenue, a->potential};
    return put_account(b, t, num, lv);
}

/* The answer: {"total", "offset", "limit", "accounts": [...]}, each
 * account as put_account writes it, straight into b (a page of 200 is
 * about 50 kB; building it as jansson objects first took a third of the
 * request). */
static regio_err accounts_page(regio_buf *b, long total, long offset, long limit,
                               const acc_copy *c)
{
    regio_err rc = regio_buf_printf(b, "{\"total\":%ld,\"offset\":%ld,\"limit\":%ld,\"accounts\":[",
                                    total, offset, limit);
    for (size_t i = 0; i < c->n && !rc; i++) {
        const char *t[ACC_TEXTS];
        for (int k = 0; k < ACC_TEXTS; k++)
            t[k] = copy_text(c, i, k);
        if (i)
            rc = regio_buf_putc(b, ',');
        if (!rc)
            rc = put_account(b, t, c->num[i], c->lv[i]);
    }
    return rc ? rc : regio_buf_puts(b, "]}");
}

/* Accounts of a filtered query that the caller may read: counted, and the
 * page between offset and offset + limit kept with the caller's level. */
typedef struct readable_page {
    srv_request *rq;
    long offset, limit, seen;
    acc_copy *got;
} readable_page;

static int on_readable(void *ud, const regio_account *a)
{
    readable_page *p = ud;
    regio_access_level lv = srv_caller_level(p->rq, a->id);
    if (lv == REGIO_LEVEL_NONE)
        return 0;
    if (p->seen >= p->offset && (long)p->got->n < p->limit) {
        if (copy_account(p->got, a))
            return 1;
        p->got->lv[p->got->n - 1] = lv;
    }
    p->seen++;
    return 0;
}

/* Each copied account's level for the caller. When the page came from the
 * caller's readable list, ids[0..k) are the accounts asked for, in the
 * order the rows come back (external id), with their levels lv[]: a row
 * takes its level by walking both lists together (a row missing since the
 * snapshot is skipped); otherwise each is looked up. */
static void set_levels(srv_request *rq, acc_copy *c, const char *const *ids,
                       const regio_access_level *lv, long k)
{
    long j = 0;
    for (size_t i = 0; i < c->n; i++) {
        const char *id = copy_text(c, i, ACC_ID);
        while (ids && j < k && strcmp(ids[j], id) < 0)
            j++;
        c->lv[i] = ids && j < k && !strcmp(ids[j], id) ? lv[j] : srv_caller_level(rq, id);
    }
}

/* The key of an account list in app->lists: who asks and the exact
 * query, each part with its length (a part that is absent is "-"). */
static regio_err list_key(regio_buf *k, const srv_request *rq, const page *pg)
{
    const srv_caller *c = rq->caller;
    const char *part[] = {c->kind == SRV_USER ? "user" : c->kind == SRV_LOCAL ? "local" : "anon",
                          c->login, srv_query(rq, "bbox"), pg->q, srv_query(rq, "unit")};
    regio_err rc = regio_buf_printf(k, "%ld:%ld", pg->limit, pg->offset);
    for (size_t i = 0; i < sizeof part / sizeof *part && !rc; i++)
        rc = part[i] ? regio_buf_printf(k, "|%zu:%s", strlen(part[i]), part[i])
                     : regio_buf_puts(k, "|-");
    return rc;
}

SRV_HANDLER(api_accounts)
{
    page pg;
    if (!parse_page(rq, &pg, rs))
        return;
    /* Kept answers first: the same caller and query at the same state of
     * the store (access epoch and day, store generation read when the
     * caller was identified, before any read below) get the same bytes. */
    regio_buf key;
    regio_buf_init(&key, 0);
    srv_page_state st;
    memset(&st, 0, sizeof st);
    int cacheable = app->opts.list_cache > 0 && rq->caller && rq->caller->acc &&
                    !list_key(&key, rq, &pg);
    if (cacheable) {
        st.epoch = rq->caller->acc->epoch;
        memcpy(st.day, rq->caller->acc->day, sizeof st.day);
        st.gen = rq->caller->gen;
        cacheable = rq->caller->have_gen;
        pthread_mutex_lock(&app->mu);
        srv_blob *hit = cacheable ? srv_page_cache_get(app->lists, &st, key.data, key.len) : NULL;
        pthread_mutex_unlock(&app->mu);
        if (hit) {
            regio_buf_free(&key);
            srv_reply_header(rs, "X-Regio-Cache", "hit");
            srv_reply_blob(rs, 200, "application/json", hit);
            srv_blob_unref(hit);
            return;
        }
    }
    regio_account_query q = {pg.has_bbox, pg.w, pg.s, pg.e, pg.n, srv_query(rq, "unit"),
                             pg.q, pg.limit, pg.offset, NULL};
    long total = 0;
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = REGIO_OK;
    int filtered = pg.has_bbox || q.unit_id || (q.text && *q.text);
    acc_copy got = {{0}, NULL, NULL, NULL, 0, 0, 0};
    regio_buf_init(&got.text, 0);
    const char **ids = NULL;
    regio_access_level *lv = NULL;
    long n_ids = 0;
    int leveled = 0;
    if (srv_caller_reads_all(rq)) {
        pthread_mutex_lock(&app->mu);
        rc = regio_store_accounts_query(app->store, &q, copy_account, &got, &total, &err);
        pthread_mutex_unlock(&app->mu);
    } else if (!filtered) {
        /* Deny by default: only the accounts the caller may read. */
        long *idx = NULL, n = 0;
        int owned = 0;
        if (!srv_caller_readable(app, rq, &idx, &n, &owned)) {
            regio_buf_free(&key);
            srv_reply_error(rs, 500, "internal", "out of memory");
            return;
        }
        const regio_access *a = rq->caller->acc->a;
        long from = pg.offset < n ? pg.offset : n;
        long k = pg.limit > 0 && pg.limit < n - from ? pg.limit : n - from;
        ids = regio_malloc(((size_t)k + 1) * sizeof *ids);
        lv = regio_malloc(((size_t)k + 1) * sizeof *lv);
        const regio_access_scope *sc = srv_caller_scope(rq);
        if (!ids || !lv || !sc) {
            rc = regio_error_setf(&err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
        } else {
            for (long i = 0; i < k; i++) {
                ids[i] = regio_access_account_id(a, idx[from + i]);
                lv[i] = regio_access_scope_level(sc, idx[from + i]);
            }
            n_ids = k;
            pthread_mutex_lock(&app->mu);
            rc = regio_store_accounts_get(app->store, ids, (size_t)k, copy_account, &got, &err);
            pthread_mutex_unlock(&app->mu);
        }
        total = n;
        if (owned)
            regio_free(idx);
    } else {
        regio_account_query all = q;
        all.limit = 0;
        all.offset = 0;
        readable_page p = {rq, pg.offset, pg.limit > 0 ? pg.limit : LONG_MAX, 0, &got};
        long ignored = 0;
        pthread_mutex_lock(&app->mu);
        rc = regio_store_accounts_query(app->store, &all, on_readable, &p, &ignored, &err);
        pthread_mutex_unlock(&app->mu);
        total = p.seen;
        leveled = 1;
    }
    if (got.oom)
        rc = regio_error_setf(&err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    if (!rc && !leveled)
        set_levels(rq, &got, ids, lv, n_ids);
    regio_free(ids);
    regio_free(lv);
    regio_buf out;
    regio_buf_init(&out, 0);
    if (!rc && accounts_page(&out, total, pg.offset, pg.limit, &got))
        rc = regio_error_setf(&err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    copy_free(&got);
    srv_blob *blob = NULL;
    if (!rc && !(blob = srv_blob_from_buf(&out)))
        rc = regio_error_setf(&err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    regio_buf_free(&out);
    if (rc) {
        srv_reply_regio_error(rs, rc, &err);
    } else {
        if (cacheable) {
            pthread_mutex_lock(&app->mu);
            srv_page_cache_put(app->lists, &st, key.data, key.len, blob);
            pthread_mutex_unlock(&app->mu);
            srv_reply_header(rs, "X-Regio-Cache", "miss");
        }
        srv_reply_blob(rs, 200, "application/json", blob);
        srv_blob_unref(blob);
    }
    regio_buf_free(&key);
}

/* ---- reps -------------------------------------------------------------------------- */

/* The reps a restricted caller may see: themselves and the reps of the
 * territories they see (homes are personal data). */
typedef struct rep_filter {
    srv_request *rq;
    const char *model;
    json_t *allowed; /* rep id -> true, or NULL: every rep */
    json_t *arr;
} rep_filter;

static int allow_territory_rep(void *ud, const regio_territory_info *t)
{
    rep_filter *f = ud;
    if (t->rep && srv_caller_sees_territory(f->rq, f->model, t->id))
        json_object_set_new(f->allowed, t->rep, json_true());
    return 0;
}

static int on_rep(void *ud, const regio_rep *r)
{
    rep_filter *f = ud;
    if (f->allowed && !json_object_get(f->allowed, r->id))
        return 0;
    json_array_append_new(
        f->arr, json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "id", r->id, "name", srv_json_str(r->name),
                      "lat", srv_json_num(r->lat), "lon", srv_json_num(r->lon), "city", srv_json_str(r->city),
                      "region", srv_json_str(r->region), "capacity", srv_json_num(r->capacity), "manager",
                      srv_json_str(r->manager)));
    return 0;
}

SRV_HANDLER(api_reps)
{
    rep_filter f = {rq, srv_caller_model(rq), NULL, json_array()};
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = REGIO_OK;
    pthread_mutex_lock(&app->mu);
    if (!srv_caller_sees_all(rq)) {
        f.allowed = json_object();
        json_object_set_new(f.allowed, rq->caller->login, json_true());
        if (f.model)
            rc = regio_store_territories_foreach(app->store, f.model, allow_territory_rep, &f, &err);
    }
    if (!rc)
        rc = regio_store_reps_foreach(app->store, on_rep, &f, &err);
    pthread_mutex_unlock(&app->mu);
    json_decref(f.allowed);
    if (rc) {
        json_decref(f.arr);
        srv_reply_regio_error(rs, rc, &err);
        return;
    }
    srv_reply_json(rs, 200, json_pack("{s:o}", "reps", f.arr));
}
