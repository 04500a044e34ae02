/*
 * Scenario life cycle (create, clone, promote, archive, the history of
 * promotions and rollback), the comparison of two models' alignments, and
 * the downloads of one model (CSV alignment, GeoJSON and KML territories).
 * Each handler validates the request, makes one library call under app->mu
 * and renders the answer. A model's state is the library's for the day
 * (scheduled until its effective date).
 */
#include "server/handlers.h"
#include "server/render.h"

#include "regio/buf.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- request helpers ------------------------------------------------------------- */

/* Appends s percent-encoded as one URL path segment (RFC 3986 unreserved
 * characters stay as they are). */
static regio_err put_path_segment(regio_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    regio_err rc = REGIO_OK;
    for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            rc = regio_buf_putc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = regio_buf_append(b, e, 3);
        }
    }
    return rc;
}

/* ---- life cycle ------------------------------------------------------------------- */

/*
 * With app->mu held, after a write of the model committed: answers the
 * model `name` as it is now (status 200 or 201, with a Location header
 * for 201), after dropping any cached workspace of it and of `also` (may
 * be NULL); its name alone when the rest cannot be made.
 */
static void reply_model(srv_app *app, const char *name, const char *also, int status,
                        srv_response *rs)
{
    char qn[640];
    srv_reply_saved(rs, status, "{\"name\":%s,\"partial\":true}",
                    srv_json_quote(name, qn, sizeof qn));
    srv_workspace_forget(app, name);
    if (also)
        srv_workspace_forget(app, also);
    regio_model_info m;
    memset(&m, 0, sizeof m);
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = regio_store_model_find(app->store, name, &m, &err);
    if (rc) {
        srv_reply_regio_error(rs, rc, &err);
        return;
    }
    json_t *v = srv_model_json(&m);
    srv_model_add_counts(app, v);
    srv_reply_json(rs, status, v);
    if (status == 201) {
        regio_buf loc;
        regio_buf_init(&loc, 0);
        if (!regio_buf_puts(&loc, "/api/v1/models/") && !put_path_segment(&loc, m.name))
            srv_reply_header(rs, "Location", loc.data);
        regio_buf_free(&loc);
    }
    regio_model_info_clear(&m);
}

/* With app->mu held: the name of the model in force today, or NULL;
 * the caller frees it. */
static char *in_force_name(srv_app *app)
{
    regio_model_info m;
    memset(&m, 0, sizeof m);
    if (regio_store_model_find(app->store, NULL, &m, NULL) != REGIO_OK)
        return NULL;
    char *name = m.name;
    m.name = NULL;
    regio_model_info_clear(&m);
    return name;
}

/* Creates planning model `name` as a clone of `from`, or empty when from is
 * NULL, and answers 201 with it. */
static void create_model(srv_app *app, srv_request *rq, const char *name, const char *from,
                         const char *description, srv_response *rs)
{
    regio_error err;
    regio_error_clear(&err);
    pthread_mutex_lock(&app->mu);
    regio_err rc = from ? regio_store_model_clone(app->store, from, name, description, rq->actor,
                                                  NULL, &err)
                        : regio_store_model_create(app->store, name, REGIO_MODEL_PLANNING, NULL,
                                                   NULL, description, NULL, &err);
    if (rc)
        srv_reply_regio_error(rs, rc, &err);
    else
        reply_model(app, name, NULL, 201, rs);
    pthread_mutex_unlock(&app->mu);
}

SRV_HANDLER(api_model_create)
{
    json_t *body = srv_body_json(rq, rs);
    if (!body)
        return;
    const char *name, *description, *from;
    if (srv_body_string(body, "name", 1, 1, &name, rs) &&
        srv_body_string(body, "description", 0, 0, &description, rs) &&
        srv_body_string(body, "from", 0, 0, &from, rs)) {
        if (from && !*from)
            srv_reply_error(rs, 400, "bad_request", "\"from\" must not be empty");
        else
            create_model(app, rq, name, from, description, rs);
    }
    json_decref(body);
}

SRV_HANDLER(api_model_clone)
{
    json_t *body = srv_body_json(rq, rs);
    if (!body)
        return;
    const char *name, *description;
    if (srv_body_string(body, "name", 1, 1, &name, rs) &&
        srv_body_string(body, "description", 0, 0, &description, rs))
        create_model(app, rq, name, rq->params[0], description, rs);
    json_decref(body);
}

SRV_HANDLER(api_model_promote)
{
    json_t *body = srv_body_json(rq, rs);
    if (!body)
        return;
    const char *date;
    if (!srv_body_string(body, "effective_from", 1, 0, &date, rs)) {
        json_decref(body);
        return;
    }
    pthread_mutex_lock(&app->mu);
    /* The model in force, if the promotion archives it: drop its workspace too. */
    char *prev = in_force_name(app);
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = regio_store_model_promote(app->store, rq->params[0], date, rq->actor, &err);
    if (rc)
        srv_reply_regio_error(rs, rc, &err);
    else
        reply_model(app, rq->params[0], prev, 200, rs);
    pthread_mutex_unlock(&app->mu);
    regio_free(prev);
    json_decref(body);
}

SRV_HANDLER(api_model_archive)
{
    regio_error err;
    regio_error_clear(&err);
    pthread_mutex_lock(&app->mu);
    regio_err rc = regio_store_model_archive(app->store, rq->params[0], rq->actor, &err);
    if (rc)
        srv_reply_regio_error(rs, rc, &err);
    else
        reply_model(app, rq->params[0], NULL, 200, rs);
    pthread_mutex_unlock(&app->mu);
}

/* ---- history, rollback -------------------------------------------------------------- */

static int add_promotion(void *ud, const regio_promotion_info *p)
{
    json_t *o = json_pack("{s:I,s:s,s:o,s:s,s:s,s:o,s:o,s:o,s:o}", "id", (json_int_t)p->id,
                          "model", p->model, "previous", srv_json_str(p->previous),
                          "effective_from", p->effective_from, "status",
                          regio_promotion_status_name(p->status), "withdrawn_on",
                          srv_json_str(p->withdrawn_on), "promoted_by",
                          srv_json_str(p->promoted_by), "promoted_at",
                          srv_json_str(p->promoted_at), "note", srv_json_str(p->note));
    return !o || json_array_append_new(ud, o);
}

/* Every promotion, oldest first, with its status on ?at=DAY (default today). */
SRV_HANDLER(api_models_history)
{
    const char *at = srv_query(rq, "at");
    char today[16];
    if (!at) {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(today, sizeof today, "%Y-%m-%d", &tm);
        at = today;
    }
    json_t *arr = json_array();
    regio_error err;
    regio_error_clear(&err);
    pthread_mutex_lock(&app->mu);
    regio_err rc = arr ? regio_store_promotions_foreach(app->store, at, add_promotion, arr, &err)
                       : REGIO_ENOMEM;
    pthread_mutex_unlock(&app->mu);
    if (rc) {
        json_decref(arr);
        srv_reply_regio_error(rs, rc, &err);
        return;
    }
    srv_reply_json(rs, 200, json_pack("{s:s,s:o}", "at", at, "promotions", arr));
}

/* Promotes a clone of the model in force before the one in force on
 * "effective_from" (default today): 201 with the clone. */
SRV_HANDLER(api_models_rollback)
{
    json_t *body = rq->body_len ? srv_body_json(rq, rs) : json_object();
    if (!body)
        return;
    const char *date, *name;
    if (!srv_body_string(body, "effective_from", 0, 0, &date, rs) ||
        !srv_body_string(body, "name", 0, 1, &name, rs)) {
        json_decref(body);
        return;
    }
    pthread_mutex_lock(&app->mu);
    /* The model in force, if the rollback archives it: drop its workspace too. */
    char *prev = in_force_name(app);
    regio_error err;
    regio_error_clear(&err);
    char *clone = NULL;
    regio_err rc = regio_store_model_rollback(app->store, date, name, rq->actor, &clone, &err);
    if (rc)
        srv_reply_regio_error(rs, rc, &err);
    else
        reply_model(app, clone, prev, 201, rs);
    pthread_mutex_unlock(&app->mu);
    regio_free(clone);
    regio_free(prev);
    json_decref(body);
}

/* ---- compare ------------------------------------------------------------------------ */

static json_t *territory_of(const srv_workspace *w, size_t i)
{
    return w->v->labels[i] >= 0 ? json_string(w->v->territory[w->v->labels[i]]) : json_null();
}

/* Whether unit i sits in different territories (by id) in wa and wb; an
 * unaligned unit differs from an aligned one. */
static int differs(const srv_workspace *wa, const srv_workspace *wb, size_t i)
{
    int la = wa->v->labels[i], lb = wb->v->labels[i];
    if (la < 0 || lb < 0)
        return (la < 0) != (lb < 0);
    return strcmp(wa->v->territory[la], wb->v->territory[lb]) != 0;
}

SRV_HANDLER(api_compare)
{
    const char *a = srv_query(rq, "a"), *b = srv_query(rq, "b");
    if (!a || !*a || !b || !*b) {
        srv_reply_error(rs, 400, "bad_request",
                        "both \"a\" and \"b\" (the names of the models to compare) are required");
        return;
    }
    pthread_mutex_lock(&app->mu);
    /* Fetching b never frees a: a workspace is only replaced when its own
     * model's revision moved, and the same model is fetched once. */
    srv_workspace *wa = srv_workspace_get(app, a, rs);
    srv_workspace *wb = !wa ? NULL : strcmp(a, b) ? srv_workspace_get(app, b, rs) : wa;
    if (!wb) {
        pthread_mutex_unlock(&app->mu);
        return;
    }
    const regio_design_problem *p = app->units;
    const regio_unitset *us = p->loaded.units;
    size_t n = p->in.n, m = p->in.m, moved = 0;
    json_t *changes = json_array();
    for (size_t i = 0; i < n; i++) {
        if (!differs(wa, wb, i))
            continue;
        moved++;
        json_t *ms = json_object();
        for (size_t c = 0; c < m; c++)
            json_object_set_new(ms, p->in.measure_names[c], json_real(p->in.measures[i * m + c]));
        const regio_unit *u = &us->units[i];
        json_array_append_new(changes, json_pack("{s:s,s:o,s:o,s:o,s:o}", "unit", u->id, "name",
                                                 srv_json_str(u->name),
                                                 "from", territory_of(wa, i), "to",
                                                 territory_of(wb, i), "measures", ms));
    }
    json_t *v = json_pack("{s:s,s:s,s:I,s:f,s:o,s:{s:o,s:o}}", "a", wa->v->model, "b", wb->v->model,
                          "moved_units", (json_int_t)moved, "moved_share",
                          n ? (double)moved / (double)n : 0.0, "changes", changes, "summary", "a",
                          srv_summary_json(app, wa), "b", srv_summary_json(app, wb));
    pthread_mutex_unlock(&app->mu);
    srv_reply_json(rs, 200, v);
}

/* ---- exports --------------------------------------------------------------------------- */

/* Adds Content-Disposition: attachment with filename "{model}.{ext}": an
 * ASCII fallback (quotes, backslashes, controls and non-ASCII characters
 * become '_') and, when that changed anything, the exact name as filename*. */
static void attachment(srv_response *rs, const char *model, const char *ext)
{
    regio_buf h;
    regio_buf_init(&h, 0);
    int exact = 1;
    regio_err rc = regio_buf_puts(&h, "attachment; filename=\"");
    for (const unsigned char *p = (const unsigned char *)model; *p && !rc; p++) {
        int ok = *p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\';
        exact &= ok;
        if ((*p & 0xc0) != 0x80) /* one '_' per UTF-8 character */
            rc = regio_buf_putc(&h, ok ? (char)*p : '_');
    }
    if (!rc)
        rc = regio_buf_printf(&h, ".%s\"", ext);
    if (!rc && !exact) {
        rc = regio_buf_puts(&h, "; filename*=UTF-8''");
        if (!rc)
            rc = put_path_segment(&h, model);
        if (!rc)
            rc = regio_buf_printf(&h, ".%s", ext);
    }
    if (!rc)
        srv_reply_header(rs, "Content-Disposition", h.data);
    regio_buf_free(&h);
}

/* Answers b (whose memory it takes) as a download; rc is how building it went. */
static void reply_download(srv_response *rs, regio_err rc, regio_buf *b, const char *ctype,
                           const char *model, const char *ext)
{
    srv_blob *blob = rc ? NULL : srv_blob_from_buf(b);
    regio_buf_free(b);
    if (!blob) {
        srv_reply_error(rs, 500, "internal", "out of memory building the %s download", ext);
        return;
    }
    srv_reply_blob(rs, 200, ctype, blob);
    srv_blob_unref(blob);
    attachment(rs, model, ext);
}

/* `unit_id,territory`, one row per unit in unit order (an empty territory
 * for an unaligned unit), as `regio design --out` writes it. */
static regio_err build_csv(const srv_app *app, const srv_workspace *w, regio_buf *b)
{
    const regio_unitset *us = app->units->loaded.units;
    regio_err rc = regio_buf_puts(b, "unit_id,territory\n");
    for (size_t i = 0; i < us->n && !rc; i++) {
        rc = regio_buf_csv_field(b, us->units[i].id, ',');
        if (!rc)
            rc = regio_buf_putc(b, ',');
        if (!rc)
            rc = regio_buf_csv_field(b, w->v->labels[i] >= 0 ? w->v->territory[w->v->labels[i]] : "",
                                      ',');
        if (!rc)
            rc = regio_buf_putc(b, '\n');
    }
    return rc;
}

/* The alignment as CSV, or the territories as GeoJSON or KML: the
 * library's territory export (regio_export_territories), the file `regio
 * export territories` writes, with flat properties. */
SRV_HANDLER(api_export)
{
    /* The whole alignment: for those who read every account. */
    if (!srv_caller_sees_all(rq)) {
        srv_deny(app, rq, rs, 403, "exporting a whole model needs view_all, modify_all or "
                                   "manage_territories");
        return;
    }
    const char *format = srv_query(rq, "format");
    if (!format || !*format)
        format = "csv";
    int csv = !strcmp(format, "csv"), geojson = !strcmp(format, "geojson");
    if (!csv && !geojson && strcmp(format, "kml") != 0) {
        srv_reply_error(rs, 400, "bad_request",
                        "format '%s' is not one of csv, geojson, kml", format);
        return;
    }
    pthread_mutex_lock(&app->mu);
    srv_workspace *w = srv_workspace_get(app, rq->params[0], rs);
    if (w) {
        regio_buf b;
        regio_buf_init(&b, 0);
        regio_error err;
        regio_error_clear(&err);
        regio_err rc = csv ? build_csv(app, w, &b)
                           : regio_export_territories(w->v, geojson ? REGIO_FORMAT_GEOJSON
                                                                    : REGIO_FORMAT_KML,
                                                      &b, NULL, &err);
        if (rc && rc != REGIO_ENOMEM) {
            regio_buf_free(&b);
            srv_reply_regio_error(rs, rc, &err);
        } else {
            reply_download(rs, rc, &b,
                           csv       ? "text/csv"
                           : geojson ? "application/geo+json"
                                     : "application/vnd.google-earth.kml+xml",
                           w->v->model, format);
        }
    }
    pthread_mutex_unlock(&app->mu);
}
