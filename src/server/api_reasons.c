/*
 * Why units moved: GET /api/v1/models/{model}/reasons answers the reasons
 * stored with a designed or realigned model (regio_store_model_reasons_foreach:
 * units moved by hand since are left out), one a unit, for the app's
 * tooltip and change table. A restricted caller gets the units of the
 * territories it sees.
 */
#include "server/handlers.h"
#include "server/render.h"

#include <string.h>

typedef struct reasons_ctx {
    srv_request *rq;
    const char *model;
    int all;
    json_t *out;
} reasons_ctx;

static int add_reason(void *ud, const regio_unit_reason *r)
{
    reasons_ctx *c = ud;
    if (!c->all && !srv_caller_sees_territory(c->rq, c->model, r->to))
        return 0;
    json_t *data = json_loads(r->data ? r->data : "{}", 0, NULL);
    json_object_set_new(c->out, r->unit_id,
                        json_pack("{s:s,s:s,s:s,s:s,s:o}", "from", r->from, "to", r->to, "kind",
                                  r->kind, "text", r->text, "data",
                                  data ? data : json_object()));
    return 0;
}

SRV_HANDLER(api_reasons)
{
    pthread_mutex_lock(&app->mu);
    srv_workspace *w = srv_workspace_get(app, rq->params[0], rs);
    if (!w) {
        pthread_mutex_unlock(&app->mu);
        return;
    }
    reasons_ctx c = {rq, w->v->model, srv_caller_sees_all(rq), json_object()};
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = regio_store_model_reasons_foreach(app->store, w->v->model, add_reason, &c, &err);
    json_t *v = rc ? NULL
                   : json_pack("{s:s,s:I,s:o}", "model", w->v->model, "count",
                               (json_int_t)json_object_size(c.out), "reasons", c.out);
    pthread_mutex_unlock(&app->mu);
    if (rc) {
        json_decref(c.out);
        srv_reply_regio_error(rs, rc, &err);
        return;
    }
    srv_reply_json(rs, 200, v);
}
