/*
 * Visits logged where they happen, through the API (docs/API.md,
 * "Activities and check-in"): logging activities with the client's id (a
 * retry answers "duplicate" and logs nothing twice), reading them back
 * through the access rules, and the caller's stops of a day from the stored
 * call plans (regio/checkin.h) for the check-in page.
 */
#include "server/handlers.h"
#include "server/render.h"

#include "regio/checkin.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Most activities one POST may carry. */
#define MAX_BATCH 500
/* Longest period GET /activities reads, in days. */
#define MAX_DAYS 366

/* The login the caller acts as: NULL for the local user of single-user mode. */
static const char *login_of(const srv_request *rq)
{
    return rq->caller && rq->caller->kind == SRV_USER ? rq->caller->login : NULL;
}

/* ---- POST /api/v1/activities ------------------------------------------------------------ */

/* A number member: NAN when absent or null; 0 and rs filled when not a number. */
static int body_num(json_t *o, const char *key, double *out, srv_response *rs)
{
    json_t *v = json_object_get(o, key);
    *out = NAN;
    if (!v || json_is_null(v))
        return 1;
    if (!json_is_number(v)) {
        srv_reply_error(rs, 400, "bad_request", "\"%s\" must be a number", key);
        return 0;
    }
    *out = json_number_value(v);
    return 1;
}

/* Reads one activity of the body into *a (strings borrowed from o). */
static int parse_one(json_t *o, const char *me, regio_activity *a, srv_response *rs)
{
    memset(a, 0, sizeof *a);
    if (!json_is_object(o)) {
        srv_reply_error(rs, 400, "bad_request", "each activity must be a JSON object");
        return 0;
    }
    if (!srv_body_string(o, "id", 1, 0, &a->id, rs) ||
        !srv_body_string(o, "account", 1, 0, &a->account, rs) ||
        !srv_body_string(o, "user", 0, 0, &a->user, rs) ||
        !srv_body_string(o, "date", 0, 0, &a->date, rs) ||
        !srv_body_string(o, "type", 0, 0, &a->type, rs) ||
        !srv_body_string(o, "outcome", 0, 0, &a->outcome, rs) ||
        !srv_body_string(o, "notes", 0, 0, &a->notes, rs) ||
        !body_num(o, "duration_min", &a->duration_min, rs) || !body_num(o, "lat", &a->lat, rs) ||
        !body_num(o, "lon", &a->lon, rs))
        return 0;
    if (!a->user || !*a->user)
        a->user = me;
    if (!a->user) {
        srv_reply_error(rs, 400, "bad_request",
                        "whose activity? add \"user\" (single-user mode has no user)");
        return 0;
    }
    if ((a->outcome && strlen(a->outcome) > 200) || (a->notes && strlen(a->notes) > 4000)) {
        srv_reply_error(rs, 400, "bad_request",
                        "an outcome has at most 200 characters, notes at most 4000");
        return 0;
    }
    return 1;
}

static int on_unit(void *ud, const regio_account *a)
{
    snprintf(ud, 256, "%s", a->unit_id ? a->unit_id : "");
    return 0;
}

/* With app->mu held: whether the caller manages the territory of `account`
 * in the model in force (rule 10), which lets them log for someone else. */
static int manages_account(srv_app *app, srv_request *rq, const char *account)
{
    if (srv_caller_manages(rq))
        return 1;
    const char *model = srv_caller_model(rq);
    if (!model)
        return 0;
    srv_response scratch;
    memset(&scratch, 0, sizeof scratch);
    srv_workspace *w = srv_workspace_get(app, model, &scratch);
    srv_response_clear(&scratch);
    if (!w)
        return 0;
    regio_account_query q = {0};
    q.id = account;
    q.limit = 1;
    char unit[256] = "";
    long total = 0;
    if (regio_store_accounts_query(app->store, &q, on_unit, unit, &total, NULL) || total < 1)
        return 0;
    int leaf = regio_model_view_account_leaf(w->v, account, unit[0] ? unit : NULL);
    int ok = leaf >= 0 && srv_caller_can_manage(rq, model, w->v->territory[leaf]);
    return ok;
}

/* Why the caller may not log activity a (NULL: they may); status gets 403 or 404. */
static const char *refusal(srv_app *app, srv_request *rq, const regio_activity *a, int *status)
{
    *status = 404;
    if (srv_caller_level(rq, a->account) < REGIO_LEVEL_READ)
        return "not found";
    const char *me = login_of(rq);
    if (me && strcmp(a->user, me) != 0 && !manages_account(app, rq, a->account)) {
        *status = 403;
        return "an activity of another user is logged by the managers of the account's "
               "territory (docs/ACCESS.md rule 10)";
    }
    return NULL;
}

SRV_HANDLER(api_activities_log)
{
    json_t *body = srv_body_json(rq, rs);
    if (!body)
        return;
    json_t *list = json_object_get(body, "activities");
    int single = list == NULL;
    if (single)
        list = body;
    size_t n = single ? 1 : json_is_array(list) ? json_array_size(list) : 0;
    if (!single && (!json_is_array(list) || n == 0 || n > MAX_BATCH)) {
        json_decref(body);
        srv_reply_error(rs, 400, "bad_request",
                        "\"activities\" must be an array of 1 to %d activities", MAX_BATCH);
        return;
    }
    regio_activity *a = regio_calloc(n, sizeof *a);
    int *dup = regio_calloc(n, sizeof *dup);
    regio_activity *fresh = regio_calloc(n, sizeof *fresh);
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!a || !dup || !fresh) {
        srv_reply_error(rs, 500, "internal", "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (!parse_one(single ? list : json_array_get(list, i), login_of(rq), &a[i], rs))
            goto out;
        if (!a[i].date)
            a[i].date = now;
    }
    regio_error err;
    regio_error_clear(&err);
    size_t n_fresh = 0, added = 0;
    regio_err rc = REGIO_OK;
    const char *why = NULL, *why_id = NULL;
    int status = 0;
    pthread_mutex_lock(&app->mu);
    for (size_t i = 0; !rc && !why && i < n; i++) {
        if ((why = refusal(app, rq, &a[i], &status)))
            break;
        for (size_t j = 0; j < i && !dup[i]; j++)
            dup[i] = !strcmp(a[j].id, a[i].id);
        if (dup[i])
            continue;
        /* A retry of a logged activity is a duplicate; the same id for another
         * account or user is a mistake the client must hear about. */
        char account[256], user[256];
        int found = 0;
        rc = regio_activity_lookup(app->store, a[i].id, &found, account, user, sizeof account,
                                   &err);
        if (!rc && found && (strcmp(account, a[i].account) || strcmp(user, a[i].user))) {
            why = "this id was used for another activity (another account or user)";
            why_id = a[i].id;
            status = 409;
        }
        if (!rc && found)
            dup[i] = 1;
        else if (!rc)
            fresh[n_fresh++] = a[i];
    }
    if (!rc && !why && n_fresh)
        rc = regio_activities_log(app->store, fresh, n_fresh, rq->actor, &added, &err);
    pthread_mutex_unlock(&app->mu);
    if (why && status == 409) {
        srv_reply_error(rs, 409, "conflict", "activity '%.100s': %s", why_id, why);
    } else if (why) {
        srv_deny(app, rq, rs, status, why);
    } else if (rc) {
        srv_reply_regio_error(rs, rc, &err);
    } else {
        srv_reply_saved(rs, added ? 201 : 200,
                        "{\"added\":%ld,\"duplicates\":%ld,\"partial\":true}", (long)added,
                        (long)(n - n_fresh));
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(items, json_pack("{s:s,s:b}", "id", a[i].id, "duplicate",
                                                   dup[i]));
        json_t *answer = json_pack("{s:I,s:I,s:o}", "added", (json_int_t)added, "duplicates",
                                   (json_int_t)(n - n_fresh), "activities", items);
        if (single) {
            json_object_set_new(answer, "id", json_string(a[0].id));
            json_object_set_new(answer, "duplicate", json_boolean(dup[0]));
        }
        srv_reply_json(rs, added ? 201 : 200, answer);
    }
out:
    regio_free(a);
    regio_free(dup);
    regio_free(fresh);
    json_decref(body);
}

/* ---- GET /api/v1/activities ------------------------------------------------------------- */

typedef struct listing {
    srv_request *rq;
    const char *me;
    json_t *arr;
    long hidden;
} listing;

static int on_activity(void *ud, const regio_activity *a)
{
    listing *l = ud;
    int mine = l->me && a->user && !strcmp(a->user, l->me);
    if (!mine && srv_caller_level(l->rq, a->account) < REGIO_LEVEL_READ) {
        l->hidden++;
        return 0;
    }
    json_array_append_new(
        l->arr, json_pack("{s:s,s:s,s:o,s:s,s:s,s:o,s:o,s:o,s:o,s:o}", "id", a->id, "account",
                          a->account, "user", srv_json_str(a->user), "date", a->date, "type",
                          a->type, "duration_min", srv_json_num(a->duration_min), "outcome",
                          srv_json_str(a->outcome), "notes", srv_json_str(a->notes), "lat",
                          srv_json_num(a->lat), "lon", srv_json_num(a->lon)));
    return 0;
}

SRV_HANDLER(api_activities_list)
{
    char today[11];
    regio_day_format(regio_day_today(), today);
    const char *from = srv_query(rq, "from"), *to = srv_query(rq, "to");
    const char *user = srv_query(rq, "user");
    regio_period p;
    regio_error err;
    regio_error_clear(&err);
    regio_err rc = regio_period_range(from && *from ? from : today, to && *to ? to : today, &p,
                                      &err);
    if (rc) {
        srv_reply_error(rs, 400, "bad_request", "from/to: %s", err.msg);
        return;
    }
    if (p.end - p.start > MAX_DAYS) {
        srv_reply_error(rs, 400, "bad_request", "from..to spans more than %d days", MAX_DAYS);
        return;
    }
    listing l = {rq, login_of(rq), json_array(), 0};
    pthread_mutex_lock(&app->mu);
    rc = regio_activities_foreach(app->store, p, user && *user ? user : NULL, on_activity, &l,
                                  &err);
    pthread_mutex_unlock(&app->mu);
    if (rc) {
        json_decref(l.arr);
        srv_reply_regio_error(rs, rc, &err);
        return;
    }
    char range[32];
    regio_period_format(p, range);
    srv_reply_json(rs, 200, json_pack("{s:s,s:I,s:o}", "period", range, "count",
                                      (json_int_t)json_array_size(l.arr), "activities", l.arr));
}

/* ---- GET /api/v1/checkin/today ---------------------------------------------------------- */

static json_t *stop_json(const regio_checkin_stop *o)
{
    json_t *visit = o->visit_id ? json_pack("{s:s,s:o,s:o}", "id", o->visit_id, "date",
                                            srv_json_str(o->visited_at), "user",
                                            srv_json_str(o->visited_by))
                                : json_null();
    return json_pack("{s:s,s:i,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:i,s:b,s:o}", "rep",
                     o->rep, "seq", o->seq, "account", o->account, "name", srv_json_str(o->name),
                     "street", srv_json_str(o->street), "city", srv_json_str(o->city), "region",
                     srv_json_str(o->region), "postal_code", srv_json_str(o->postal_code), "lat",
                     srv_json_num(o->lat), "lon", srv_json_num(o->lon), "arrival_s",
                     o->arrival_s < 0 ? json_null() : json_integer(o->arrival_s), "departure_s",
                     o->departure_s < 0 ? json_null() : json_integer(o->departure_s), "plan_id",
                     (json_int_t)o->plan_id, "cycle_day", o->cycle_day, "visited",
                     o->visit_id != NULL, "visit", visit);
}

SRV_HANDLER(api_checkin_today)
{
    const char *me = login_of(rq), *date = srv_query(rq, "date");
    const char *who = srv_query(rq, "user");
    if (who && *who && (!me || strcmp(who, me) != 0) && !srv_caller_manages(rq)) {
        srv_reply_error(rs, 403, "forbidden",
                        "another user's stops are for users with manage_territories");
        return;
    }
    const char *user = who && *who ? who : me;
    if (!user) {
        srv_reply_error(rs, 400, "bad_request",
                        "whose stops? add ?user=LOGIN (single-user mode has no user)");
        return;
    }
    regio_error err;
    regio_checkin_day *d = NULL;
    pthread_mutex_lock(&app->mu);
    regio_err rc = regio_checkin_day_load(app->store, user, date && *date ? date : NULL, &d, &err);
    pthread_mutex_unlock(&app->mu);
    if (rc) {
        srv_reply_regio_error(rs, rc, &err);
        return;
    }
    json_t *reps = json_array(), *stops = json_array();
    for (size_t i = 0; i < d->n_reps; i++)
        json_array_append_new(reps, json_string(d->reps[i]));
    size_t visited = 0, hidden = 0;
    for (size_t i = 0; i < d->n; i++) {
        /* A stop whose account the caller may not read (a plan older than
         * the alignment, a linked rep's territory without a membership) is
         * left out, and counted. */
        if (srv_caller_level(rq, d->stops[i].account) < REGIO_LEVEL_READ && !srv_caller_manages(rq)) {
            hidden++;
            continue;
        }
        visited += d->stops[i].visit_id != NULL;
        json_array_append_new(stops, stop_json(&d->stops[i]));
    }
    srv_reply_json(rs, 200, json_pack("{s:s,s:s,s:o,s:I,s:I,s:I,s:o}", "date", d->date, "user",
                                      user, "reps", reps, "count",
                                      (json_int_t)json_array_size(stops), "visited",
                                      (json_int_t)visited, "hidden", (json_int_t)hidden, "stops",
                                      stops));
    regio_checkin_day_free(d);
}
