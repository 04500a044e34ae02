/*
 * The territory brief (regio/brief.h): one HTML page that hands a territory
 * of a new alignment to its rep — who holds it, its map, its accounts by
 * segment with last visit and bookings, the stored call plan, the quota
 * and last period's figures, and what changed since the previous model and
 * why. It reads the store (models, accounts, sales, activities, plans,
 * promotions, challenges, the audit log) and renders; the figures are
 * regio_perf_compute's.
 */
#include "regio/brief.h"
#include "regio/checkin.h"
#include "regio/design_io.h"
#include "regio/format.h"
#include "regio/model_view.h"
#include "regio/org.h"
#include "regio/perf.h"
#include "regio/plan.h"
#include "regio/strmap.h"

#include "core/grow.h"
#include "perf/brief_internal.h"
#include "perf/perf_store.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef regio__brief brief;
typedef regio__brief_acct acct;
typedef regio__page page;

#define MAP_W 760
#define MAP_H 460

/* Whether leaf `leaf` of view v lies under territory t (or is t). */
static int under(const regio_model_view *v, int leaf, const char *t)
{
    const char *id = v->territory[leaf];
    for (int depth = 0; id && depth < 64; depth++) {
        if (!strcmp(id, t))
            return 1;
        const regio_model_node *n = regio_model_view_node(v, id);
        id = n ? n->parent : NULL;
    }
    return 0;
}

static unsigned char *leaves_under(const regio_model_view *v, const char *t)
{
    unsigned char *in = regio_calloc(v->k ? (size_t)v->k : 1, 1);
    for (int i = 0; in && i < v->k; i++)
        in[i] = (unsigned char)under(v, i, t);
    return in;
}

/* ---- accounts ----------------------------------------------------------------------- */

/* The leaf of the account's unit in view v (-1 when none). */
static int unit_leaf(const brief *b, const regio_model_view *v, const char *unit)
{
    if (!v || !unit)
        return -1;
    long i = regio_unitset_find(b->units->loaded.units, unit);
    return i < 0 ? -1 : v->labels[i];
}

static int on_account(void *ud, const regio_account *a)
{
    brief *b = ud;
    int ln = regio_model_view_account_leaf(b->v, a->id, a->unit_id);
    int lo = b->pv ? regio_model_view_account_leaf(b->pv, a->id, a->unit_id) : -1;
    int in_new = regio__brief_in_leaf(b->in_new, ln), in_old = regio__brief_in_leaf(b->in_old, lo);
    if (!in_new && !in_old)
        return 0;
    if (regio__grow(&b->a, &b->cap, b->n + 1, sizeof *b->a))
        return (b->oom = 1);
    acct *x = &b->a[b->n];
    memset(x, 0, sizeof *x);
    x->id = regio__brief_dup(a->id);
    x->name = regio__brief_dup(a->name);
    x->city = regio__brief_dup(a->city);
    x->segment = regio__brief_dup(a->segment && *a->segment ? a->segment : "");
    x->lat = a->lat;
    x->lon = a->lon;
    x->potential = a->potential;
    x->in_new = in_new;
    x->in_old = in_old;
    if (b->pv && in_new != in_old) {
        int un = regio__brief_in_leaf(b->in_new, unit_leaf(b, b->v, a->unit_id));
        int uo = regio__brief_in_leaf(b->in_old, unit_leaf(b, b->pv, a->unit_id));
        x->by_hand = un == uo; /* its unit did not move in or out: a hand move did */
        x->from = regio__brief_dup(regio__brief_leaf_name(b->pv, lo));
        x->to = regio__brief_dup(regio__brief_leaf_name(b->v, ln));
    }
    b->n++; /* counted first, so that brief_free frees what was copied */
    if (!x->id || !x->segment || (a->name && !x->name) || (a->city && !x->city) ||
        (x->in_new != x->in_old && b->pv && ((lo >= 0 && !x->from) || (ln >= 0 && !x->to))))
        return (b->oom = 1);
    int found = 0;
    if (regio_strmap_put(b->index, a->id, (long)(b->n - 1), &found, NULL))
        return (b->oom = 1);
    return 0;
}

typedef struct key_pos {
    long long key;
    size_t pos;
} key_pos;

typedef struct keys {
    brief *b;
    key_pos *v;
    size_t n, cap;
    int oom;
} keys;

static int on_key(void *ud, const regio__perf_account *a)
{
    keys *k = ud;
    long pos = regio_strmap_get(k->b->index, a->id);
    if (pos < 0)
        return 0;
    if (regio__grow(&k->v, &k->cap, k->n + 1, sizeof *k->v))
        return (k->oom = 1);
    k->v[k->n].key = a->key;
    k->v[k->n].pos = (size_t)pos;
    k->n++;
    return 0;
}

static int by_key(const void *pa, const void *pb)
{
    long long a = ((const key_pos *)pa)->key, b = ((const key_pos *)pb)->key;
    return a < b ? -1 : a > b;
}

static int on_sales(void *ud, const regio__perf_sale *v, size_t n)
{
    keys *k = ud;
    for (size_t i = 0; i < n; i++) {
        const regio__perf_sale *s = &v[i];
        if (s->status != REGIO__SALE_WON)
            continue;
        key_pos want = {s->account, 0};
        const key_pos *hit = bsearch(&want, k->v, k->n, sizeof *k->v, by_key);
        if (hit)
            k->b->a[hit->pos].bookings += s->amount;
    }
    return 0;
}

static int on_activity(void *ud, const regio_activity *a)
{
    brief *b = ud;
    if (a->type && strcmp(a->type, "visit"))
        return 0;
    long pos = a->account ? regio_strmap_get(b->index, a->account) : -1;
    if (pos < 0 || !a->date)
        return 0;
    acct *x = &b->a[pos];
    char d[11];
    snprintf(d, sizeof d, "%s", a->date);
    if (strcmp(d, x->last_visit) > 0)
        memcpy(x->last_visit, d, sizeof d);
    return 0;
}

/* Bookings over the 365 days to the day and the last visit of each
 * account gathered. */
static regio_err account_figures(brief *b)
{
    keys k = {b, NULL, 0, 0, 0};
    regio_err rc = regio__perf_account_keys(b->s, on_key, &k, b->err);
    if (!rc && k.oom)
        rc = regio__brief_oom(b);
    if (!rc) {
        qsort(k.v, k.n, sizeof *k.v, by_key);
        rc = regio__perf_sales_scan(b->s, b->today - 364, b->today + 1, on_sales, &k, b->err);
    }
    regio_free(k.v);
    if (!rc) {
        regio_period all = {b->today - 365 * 200, b->today + 1};
        rc = regio_activities_foreach(b->s, all, NULL, on_activity, b, b->err);
    }
    return rc;
}

static int cmp_str(const void *pa, const void *pb)
{
    const char *a = *(char *const *)pa, *b = *(char *const *)pb;
    if (!*a != !*b)
        return *a ? -1 : 1; /* no segment last */
    return strcmp(a, b);
}

static regio_err collect_segments(brief *b)
{
    b->segments = regio_calloc(b->n ? b->n : 1, sizeof *b->segments);
    if (!b->segments)
        return regio__brief_oom(b);
    for (size_t i = 0; i < b->n; i++) {
        if (!b->a[i].in_new)
            continue;
        size_t j = 0;
        while (j < b->n_segments && strcmp(b->segments[j], b->a[i].segment))
            j++;
        if (j == b->n_segments)
            b->segments[b->n_segments++] = b->a[i].segment; /* borrowed */
    }
    qsort(b->segments, b->n_segments, sizeof *b->segments, cmp_str);
    return REGIO_OK;
}

static int segment_colour(const brief *b, const char *seg)
{
    for (size_t j = 0; j < b->n_segments; j++)
        if (!strcmp(b->segments[j], seg))
            return (int)(j % REGIO__BRIEF_COLOURS);
    return 0;
}

/* ---- sections ------------------------------------------------------------------------ */

typedef struct rep_find {
    const char *id;
    char *name, *email;
    int found;
} rep_find;

static int on_rep(void *ud, const regio_rep *r)
{
    rep_find *f = ud;
    if (strcmp(r->id, f->id))
        return 0;
    f->name = regio__brief_dup(r->name);
    f->email = regio__brief_dup(r->email);
    f->found = 1;
    return 0; /* stopping early would end the scan with REGIO_ECANCELLED */
}

typedef struct members {
    brief *b;
    page *p;
    int n;
} members;

static int on_member(void *ud, const regio_membership_info *m)
{
    members *x = ud;
    if (strcmp(m->territory, x->b->territory))
        return 0;
    page *p = x->p;
    if (!x->n++)
        regio__bp_put(p,
                      "<table><thead><tr><th>User</th><th>Name</th><th>Role</th><th>Active</th>"
                      "<th>From (date)</th><th>Until (date, excluded)</th></tr></thead><tbody>\n");
    regio__bp_put(p, "<tr>");
    regio__bp_td(p, m->user);
    regio__bp_td(p, m->user_name);
    regio__bp_td(p, m->role);
    regio__bp_td(p, m->active ? "yes" : "no");
    regio__bp_td(p, m->start);
    regio__bp_td(p, m->end);
    regio__bp_put(p, "</tr>\n");
    return p->oom;
}

static regio_err section_header(brief *b, regio__page *p, const regio_model_info *mi)
{
    const regio_model_node *node = regio_model_view_node(b->v, b->territory);
    regio__bp_put(p, "<header><p class=\"kicker\">Territory brief</p><h1>");
    regio__bp_esc(p, b->territory);
    if (node->name && *node->name && strcmp(node->name, b->territory)) {
        regio__bp_put(p, " &middot; ");
        regio__bp_esc(p, node->name);
    }
    regio__bp_put(p, "</h1>\n<dl>\n<dt>Model</dt><dd>");
    regio__bp_esc(p, b->model);
    regio__bp_putf(p, " (%s", regio_model_state_name(mi->state));
    if (mi->effective_from) {
        regio__bp_put(p, ", effective ");
        regio__bp_esc(p, mi->effective_from);
    }
    regio__bp_put(p, ")</dd>\n<dt>As of</dt><dd>");
    regio__bp_esc(p, b->day);
    regio__bp_put(p, "</dd>\n");
    if (node->parent) {
        regio__bp_put(p, "<dt>Part of</dt><dd>");
        regio__bp_esc(p, node->parent);
        regio__bp_put(p, "</dd>\n");
    }
    regio__bp_put(p, "<dt>Rep</dt><dd>");
    if (node->rep) {
        rep_find f = {node->rep, NULL, NULL, 0};
        regio_err rc = regio_store_reps_foreach(b->s, on_rep, &f, b->err);
        if (rc) {
            regio_free(f.name);
            regio_free(f.email);
            return rc;
        }
        regio__bp_esc(p, node->rep);
        if (!f.found)
            regio__bp_put(p, " (not among the store's reps)");
        if (f.name) {
            regio__bp_put(p, " &middot; ");
            regio__bp_esc(p, f.name);
        }
        if (f.email) {
            regio__bp_put(p, " &middot; ");
            regio__bp_esc(p, f.email);
        }
        regio_free(f.name);
        regio_free(f.email);
    } else {
        regio__bp_put(p, "vacant (no rep)");
    }
    regio__bp_put(p, "</dd>\n");
    long accounts = 0;
    double potential = 0, bookings = 0;
    for (size_t i = 0; i < b->n; i++)
        if (b->a[i].in_new) {
            accounts++;
            potential += isfinite(b->a[i].potential) ? b->a[i].potential : 0;
            bookings += b->a[i].bookings;
        }
    long units = 0;
    for (size_t i = 0; i < b->units->in.n; i++)
        units += regio__brief_in_leaf(b->in_new, b->v->labels[i]);
    char c1[48], c2[48], m1[48], m2[48];
    regio__bp_putf(p,
                   "<dt>Holds</dt><dd>%s in %s &middot; potential %s per year &middot; "
                   "bookings %s over the last 12 months</dd>\n</dl>\n</header>\n",
                   regio__bp_nouns((double)accounts, "account", c1, sizeof c1),
                   regio__bp_nouns((double)units, "unit", c2, sizeof c2),
                   regio__bp_money(b->currency, potential, m1, sizeof m1),
                   regio__bp_money(b->currency, bookings, m2, sizeof m2));
    regio__bp_put(p, "<section id=\"members\"><h2>Members</h2>\n");
    members x = {b, p, 0};
    regio_err rc = regio_store_memberships_foreach(b->s, b->model, on_member, &x, b->err);
    if (rc)
        return rc;
    if (x.n)
        regio__bp_put(p, "</tbody></table>\n");
    else
        regio__bp_put(p, "<p class=\"note\">No memberships are recorded for this territory.</p>\n");
    regio__bp_put(p, "</section>\n");
    return REGIO_OK;
}

static regio_err section_map(brief *b, regio__page *p)
{
    size_t n = b->units->in.n;
    regio__brief_shape *shapes = regio_calloc(n ? n : 1, sizeof *shapes);
    regio__brief_dot *dots = regio_calloc(b->n ? b->n : 1, sizeof *dots);
    if (!shapes || !dots) {
        regio_free(shapes);
        regio_free(dots);
        return regio__brief_oom(b);
    }
    size_t ns = 0, nd = 0, joined = 0, left = 0;
    for (size_t i = 0; i < n; i++) {
        int now = regio__brief_in_leaf(b->in_new, b->v->labels[i]);
        int before = b->pv ? regio__brief_in_leaf(b->in_old, b->pv->labels[i]) : now;
        if (!now && !before)
            continue;
        const regio_unit *u = &b->units->loaded.units->units[i];
        regio__brief_shape *s = &shapes[ns++];
        s->wkb = u->wkb;
        s->wkb_len = u->wkb_len;
        s->lat = u->lat;
        s->lon = u->lon;
        s->kind = now && before ? REGIO__BRIEF_HELD : now ? REGIO__BRIEF_JOINED : REGIO__BRIEF_LEFT;
        joined += s->kind == REGIO__BRIEF_JOINED;
        left += s->kind == REGIO__BRIEF_LEFT;
    }
    for (size_t i = 0; i < b->n; i++)
        if (b->a[i].in_new) {
            dots[nd].lat = b->a[i].lat;
            dots[nd].lon = b->a[i].lon;
            dots[nd].colour = segment_colour(b, b->a[i].segment);
            nd++;
        }
    regio__bp_put(p, "<section id=\"map\"><h2>Map</h2>\n<figure>\n");
    regio_err rc =
        p->oom ? REGIO_OK : regio__brief_map_svg(shapes, ns, dots, nd, MAP_W, MAP_H, p->o, b->err);
    regio_free(shapes);
    regio_free(dots);
    if (rc)
        return rc;
    regio__bp_put(p, "<figcaption class=\"legend\">");
    regio__bp_putf(p, "<span><i class=\"sw\" style=\"background:#dbe8f6;border-color:#5b7fa6\"></i>"
                      "units of the territory</span>");
    if (joined)
        regio__bp_putf(
            p,
            "<span><i class=\"sw\" style=\"background:#cdeccd;border-color:#3d8b3d\"></i>"
            "joined since the previous model (%zu)</span>",
            joined);
    if (left)
        regio__bp_putf(p,
                       "<span><i class=\"sw\" style=\"background:#eeeeee;border-color:#999;"
                       "border-style:dashed\"></i>left since the previous model (%zu)</span>",
                       left);
    for (size_t j = 0; j < b->n_segments; j++) {
        regio__bp_putf(p, "<span><i class=\"dot\" style=\"background:%s\"></i>segment ",
                       regio__brief_palette[j % REGIO__BRIEF_COLOURS]);
        regio__bp_esc(p, *b->segments[j] ? b->segments[j] : "(none)");
        regio__bp_put(p, "</span>");
    }
    regio__bp_put(p, "</figcaption>\n</figure>\n</section>\n");
    return REGIO_OK;
}

static int by_id(const void *pa, const void *pb)
{
    return strcmp((*(acct *const *)pa)->id, (*(acct *const *)pb)->id);
}

static regio_err section_accounts(brief *b, regio__page *p)
{
    regio__bp_put(p, "<section id=\"accounts\"><h2>Accounts by segment</h2>\n");
    acct **rows = regio_calloc(b->n ? b->n : 1, sizeof *rows);
    if (!rows)
        return regio__brief_oom(b);
    if (!b->n_segments)
        regio__bp_put(p, "<p class=\"note\">The territory holds no account.</p>\n");
    for (size_t j = 0; j < b->n_segments; j++) {
        size_t n = 0;
        double potential = 0, bookings = 0;
        for (size_t i = 0; i < b->n; i++)
            if (b->a[i].in_new && !strcmp(b->a[i].segment, b->segments[j])) {
                rows[n++] = &b->a[i];
                potential += isfinite(b->a[i].potential) ? b->a[i].potential : 0;
                bookings += b->a[i].bookings;
            }
        qsort(rows, n, sizeof *rows, by_id);
        char c[48], m1[48], m2[48];
        regio__bp_put(p, "<h3>Segment ");
        regio__bp_esc(p, *b->segments[j] ? b->segments[j] : "(none)");
        regio__bp_putf(p,
                       " &middot; %s &middot; potential %s per year &middot; bookings %s "
                       "(12 months)</h3>\n",
                       regio__bp_nouns((double)n, "account", c, sizeof c),
                       regio__bp_money(b->currency, potential, m1, sizeof m1),
                       regio__bp_money(b->currency, bookings, m2, sizeof m2));
        regio__bp_put(p, "<table class=\"accounts\"><thead><tr><th>Account (id)</th><th>Name</th>"
                         "<th>City</th><th>Segment</th><th class=\"n\">Potential (per year)</th>"
                         "<th>Last visit (date)</th><th class=\"n\">Bookings (12 months)</th></tr>"
                         "</thead><tbody>\n");
        for (size_t i = 0; i < n; i++) {
            const acct *x = rows[i];
            regio__bp_put(p, "<tr>");
            regio__bp_td(p, x->id);
            regio__bp_td(p, x->name);
            regio__bp_td(p, x->city);
            regio__bp_td(p, *x->segment ? x->segment : NULL);
            regio__bp_td_num(p, regio__bp_money(b->currency, x->potential, m1, sizeof m1));
            regio__bp_td(p, x->last_visit[0] ? x->last_visit : "never");
            regio__bp_td_num(p, regio__bp_money(b->currency, x->bookings, m2, sizeof m2));
            regio__bp_put(p, "</tr>\n");
        }
        regio__bp_put(p, "</tbody></table>\n");
    }
    regio__bp_put(p, "</section>\n");
    regio_free(rows);
    return REGIO_OK;
}

/* ---- the call plan ------------------------------------------------------------------- */

typedef struct plan_ref {
    long id;
    char *name, *start, *territory;
    int days;
} plan_ref;

typedef struct plans {
    plan_ref *v;
    size_t n, cap;
    int oom;
} plans;

static int on_plan(void *ud, const regio_plan_info *pi)
{
    plans *l = ud;
    if (regio__grow(&l->v, &l->cap, l->n + 1, sizeof *l->v))
        return (l->oom = 1);
    plan_ref *r = &l->v[l->n++];
    memset(r, 0, sizeof *r);
    r->id = pi->id;
    r->days = pi->cycle_days;
    r->name = regio__brief_dup(pi->name);
    r->start = regio__brief_dup(pi->cycle_start);
    json_t *params = pi->params ? json_loads(pi->params, 0, NULL) : NULL;
    const char *t = params ? json_string_value(json_object_get(params, "territory")) : NULL;
    r->territory = regio__brief_dup(t);
    json_decref(params);
    if (!r->name || (pi->cycle_start && !r->start) || (t && !r->territory))
        l->oom = 1;
    return l->oom;
}

typedef struct stop {
    char *account;
    int day, seq;
    long arrival_s, departure_s;
} stop;

typedef struct stops {
    const char *rep; /* only this rep's visits; NULL: all */
    stop *v;
    size_t n, cap;
    int oom;
} stops;

static int on_visit(void *ud, const regio_plan_visit_row *r)
{
    stops *l = ud;
    if (l->rep && strcmp(r->rep, l->rep))
        return 0;
    if (regio__grow(&l->v, &l->cap, l->n + 1, sizeof *l->v))
        return (l->oom = 1);
    stop *x = &l->v[l->n];
    x->account = regio__brief_dup(r->account);
    if (!x->account)
        return (l->oom = 1);
    x->day = r->day;
    x->seq = r->seq;
    x->arrival_s = r->arrival_s;
    x->departure_s = r->departure_s;
    l->n++;
    return 0;
}

static void stops_clear(stops *l)
{
    for (size_t i = 0; i < l->n; i++)
        regio_free(l->v[i].account);
    l->n = 0;
}

static const char *hhmm(long s, char *buf, size_t cap)
{
    if (s < 0)
        return "–";
    snprintf(buf, cap, "%02ld:%02ld", s / 3600 % 100, s / 60 % 60);
    return buf;
}

static regio_err section_plan(brief *b, regio__page *p)
{
    const regio_model_node *node = regio_model_view_node(b->v, b->territory);
    plans l = {NULL, 0, 0, 0};
    stops st = {node->rep, NULL, 0, 0, 0};
    regio_err rc = regio_store_plans_foreach(b->s, b->model, on_plan, &l, b->err);
    if (!rc && l.oom)
        rc = regio__brief_oom(b);
    const plan_ref *chosen = NULL;
    /* newest first: the first plan made for the territory (or, when its
     * params do not say, holding visits of its rep) is the one in use */
    for (size_t i = 0; !rc && !chosen && i < l.n; i++) {
        const plan_ref *r = &l.v[i];
        if (r->territory ? strcmp(r->territory, b->territory) : !node->rep)
            continue;
        rc = regio_store_plan_visits_foreach(b->s, r->id, on_visit, &st, b->err);
        if (!rc && st.oom)
            rc = regio__brief_oom(b);
        if (!rc && st.n)
            chosen = r;
    }
    regio__bp_put(p, "<section id=\"plan\"><h2>Call plan</h2>\n");
    if (!rc && !chosen) {
        regio__bp_put(p,
                      "<p class=\"note\">No call plan is stored for this territory in this model "
                      "(<code>regio plan --model ");
        regio__bp_esc(p, b->model);
        regio__bp_put(p, " --territory ");
        regio__bp_esc(p, b->territory);
        regio__bp_put(p, "</code> makes and saves one).</p>\n");
    } else if (!rc) {
        char c1[32], c2[32];
        regio__bp_put(p, "<p>Plan <strong>");
        regio__bp_esc(p, chosen->name);
        regio__bp_putf(p, "</strong>: a cycle of %s working days",
                       regio__bp_count(chosen->days, c1, sizeof c1));
        if (chosen->start) {
            regio__bp_put(p, " from ");
            regio__bp_esc(p, chosen->start);
        }
        regio__bp_putf(p, ", %s visits.</p>\n", regio__bp_count((double)st.n, c2, sizeof c2));
        regio__bp_put(p,
                      "<table class=\"plan\"><thead><tr><th class=\"n\">Day (of the cycle)</th>"
                      "<th>Date</th><th class=\"n\">Stop (#)</th><th>Account (id)</th><th>Name</th>"
                      "<th>City</th><th>Arrival (hh:mm)</th><th>Departure (hh:mm)</th></tr></thead>"
                      "<tbody>\n");
        for (size_t i = 0; i < st.n; i++) {
            const stop *x = &st.v[i];
            long pos = regio_strmap_get(b->index, x->account);
            const acct *a = pos >= 0 ? &b->a[pos] : NULL;
            char date[11] = "", t1[16], t2[16];
            if (chosen->start)
                regio_plan_day_date(chosen->start, x->day, date);
            regio__bp_putf(p, "<tr%s><td class=\"n\">%d</td>",
                           i && st.v[i - 1].day != x->day ? " class=\"newday\"" : "", x->day);
            regio__bp_td(p, date);
            regio__bp_putf(p, "<td class=\"n\">%d</td>", x->seq);
            regio__bp_td(p, x->account);
            regio__bp_td(p, a ? a->name : NULL);
            regio__bp_td(p, a ? a->city : NULL);
            regio__bp_td(p, hhmm(x->arrival_s, t1, sizeof t1));
            regio__bp_td(p, hhmm(x->departure_s, t2, sizeof t2));
            regio__bp_put(p, "</tr>\n");
        }
        regio__bp_put(p, "</tbody></table>\n");
    }
    regio__bp_put(p, "</section>\n");
    stops_clear(&st);
    regio_free(st.v);
    for (size_t i = 0; i < l.n; i++) {
        regio_free(l.v[i].name);
        regio_free(l.v[i].start);
        regio_free(l.v[i].territory);
    }
    regio_free(l.v);
    return rc;
}

/* ---- quota and results ---------------------------------------------------------------- */

static int depth_of(const regio_model_view *v, const char *t)
{
    int d = 0;
    for (const char *id = t; id && d < 64; d++) {
        const regio_model_node *n = regio_model_view_node(v, id);
        id = n ? n->parent : NULL;
    }
    return d;
}

static regio_err perf_row(brief *b, const char *period, const char *segment_visits,
                          regio_perf_result *res, const regio_perf_row **row)
{
    regio_perf_query q;
    memset(&q, 0, sizeof q);
    q.model = b->model;
    q.segment_visits = segment_visits;
    regio_err rc = regio_period_parse(period, 1, &q.period, b->err);
    if (rc)
        return rc;
    int leaf = regio_model_view_leaf(b->v, b->territory) >= 0;
    q.by = leaf ? REGIO_PERF_BY_TERRITORY : REGIO_PERF_BY_LEVEL;
    q.level = leaf ? 0 : depth_of(b->v, b->territory);
    rc = regio_perf_compute(b->s, &q, res, b->err);
    *row = NULL;
    for (size_t i = 0; !rc && i < res->n; i++)
        if (!strcmp(res->rows[i].key, b->territory))
            *row = &res->rows[i];
    return rc;
}

static void perf_tr(brief *b, regio__page *p, const char *label, const regio_perf_result *r,
                    const regio_perf_row *x)
{
    char per[32], m[6][48], c[4][32], pc[4][32];
    regio_period_format(r->period, per);
    regio__bp_put(p, "<tr>");
    regio__bp_put(p, "<td>");
    regio__bp_esc(p, label);
    regio__bp_put(p, "<br><small>");
    regio__bp_esc(p, per);
    regio__bp_put(p, "</small></td>");
    if (!x) {
        regio__bp_put(p, "<td colspan=\"9\">no figures</td></tr>\n");
        return;
    }
    regio__bp_td_num(p, regio__bp_money(b->currency, x->quota, m[0], sizeof m[0]));
    regio__bp_td_num(p, regio__bp_money(b->currency, x->bookings, m[1], sizeof m[1]));
    regio__bp_td_num(p, regio__bp_pct(x->attainment, pc[0], sizeof pc[0]));
    regio__bp_td_num(p, regio__bp_pct(x->growth_yoy, pc[1], sizeof pc[1]));
    regio__bp_td_num(p, regio__bp_money(b->currency, x->pipeline, m[2], sizeof m[2]));
    regio__bp_putf(p, "<td class=\"n\">%s / %s</td>",
                   regio__bp_count((double)x->won, c[0], sizeof c[0]),
                   regio__bp_count((double)x->lost, c[1], sizeof c[1]));
    regio__bp_td_num(p, regio__bp_count((double)x->visits, c[2], sizeof c[2]));
    regio__bp_td_num(p, regio__bp_pct(x->coverage, pc[2], sizeof pc[2]));
    regio__bp_put(p, "<td>");
    int any = 0;
    for (unsigned f = 1; f <= REGIO_PERF_UNDER_COVERED; f <<= 1) {
        if (!(x->flags & f))
            continue;
        char why[160];
        regio_perf_flag_reason(r, x, f, why, sizeof why);
        regio__bp_put(p, any++ ? "<br>" : "");
        regio__bp_put(p, "<span class=\"flag\">");
        regio__bp_esc(p, regio_perf_flag_name(f));
        regio__bp_put(p, "</span> ");
        regio__bp_esc(p, why);
    }
    if (!any)
        regio__bp_put(p, "none");
    regio__bp_put(p, "</td></tr>\n");
}

static regio_err section_quota(brief *b, regio__page *p, const char *segment_visits)
{
    int y = atoi(b->day), mo = (int)strtol(b->day + 5, NULL, 10);
    int qn = (mo - 1) / 3 + 1, py = qn == 1 ? y - 1 : y, pq = qn == 1 ? 4 : qn - 1;
    char cur[16], prev[16];
    snprintf(cur, sizeof cur, "%04dQ%d", y, qn);
    snprintf(prev, sizeof prev, "%04dQ%d", py, pq);
    regio_perf_result rp, rc_;
    memset(&rp, 0, sizeof rp);
    memset(&rc_, 0, sizeof rc_);
    const regio_perf_row *xp = NULL, *xc = NULL;
    regio_err rc = perf_row(b, prev, segment_visits, &rp, &xp);
    if (!rc)
        rc = perf_row(b, cur, segment_visits, &rc_, &xc);
    if (!rc) {
        char m[48];
        regio__bp_put(p, "<section id=\"quota\"><h2>Quota and results</h2>\n");
        regio__bp_putf(p,
                       "<p>Quota for the current quarter (%s): <strong>%s</strong>. Figures as "
                       "<code>regio perf</code> computes them (as-of crediting).</p>\n",
                       cur, xc ? regio__bp_money(b->currency, xc->quota, m, sizeof m) : "none set");
        regio__bp_put(
            p, "<table class=\"perf\"><thead><tr><th>Period</th><th class=\"n\">Quota</th>"
               "<th class=\"n\">Bookings</th><th class=\"n\">Attainment (%)</th>"
               "<th class=\"n\">Growth on a year before (%)</th><th class=\"n\">Pipeline</th>"
               "<th class=\"n\">Won / lost (deals)</th><th class=\"n\">Visits (count)</th>"
               "<th class=\"n\">Coverage (% of accounts)</th><th>Flags</th></tr></thead>"
               "<tbody>\n");
        perf_tr(b, p, "Last full quarter", &rp, xp);
        perf_tr(b, p, "Current quarter (to date)", &rc_, xc);
        regio__bp_put(p, "</tbody></table>\n</section>\n");
    }
    regio_perf_result_free(&rp);
    regio_perf_result_free(&rc_);
    return rc;
}

/* ---- the page ----------------------------------------------------------------------------- */

static const char css[] =
    "<style>\n"
    "@page{size:A4;margin:12mm}\n"
    "body{font:13px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#222;"
    "margin:24px auto;max-width:1000px;padding:0 16px}\n"
    "h1{font-size:24px;margin:0 0 8px}h2{font-size:18px;border-bottom:2px solid #5b7fa6;"
    "padding-bottom:2px;margin:24px 0 8px;break-after:avoid}h3{font-size:14px;margin:14px 0 6px;"
    "break-after:avoid}\n"
    ".kicker{text-transform:uppercase;letter-spacing:.08em;color:#5b7fa6;margin:0;font-size:11px}\n"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}"
    "dt{color:#666}dd{margin:0}\n"
    "table{border-collapse:collapse;width:100%;margin:4px 0 12px}th,td{border-bottom:1px solid "
    "#ddd;padding:3px 6px;text-align:left;vertical-align:top}th{background:#f3f6fa;font-weight:600}"
    "thead{display:table-header-group}tr{break-inside:avoid}\n"
    ".n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "tr.newday td{border-top:2px solid #bbb}\n"
    "figure{margin:0;break-inside:avoid}svg.map{max-width:100%;height:auto;border:1px solid #ddd;"
    "background:#fafcff}\n"
    ".legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;margin-top:4px}"
    ".sw{display:inline-block;width:14px;height:10px;border:1px solid;margin-right:4px;"
    "vertical-align:middle}.dot{display:inline-block;width:9px;height:9px;border-radius:50%;"
    "margin-right:4px;vertical-align:middle}\n"
    ".note{color:#666;font-style:italic}.flag{color:#b03030;font-weight:600}"
    ".in{color:#2d7a2d}.out{color:#a03030}\n"
    "footer{margin-top:24px;color:#888;font-size:11px}\n"
    "</style>\n";

static regio_err render(brief *b, const regio_model_info *mi, const char *segment_visits,
                        regio_buf *o)
{
    regio__page p = {o, 0};
    regio__bp_put(
        &p, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
            "Territory brief: ");
    regio__bp_esc(&p, b->territory);
    regio__bp_put(&p, " (");
    regio__bp_esc(&p, b->model);
    regio__bp_put(&p, ")</title>\n");
    regio__bp_put(&p, css);
    regio__bp_put(&p, "</head>\n<body>\n");
    regio_err rc = section_header(b, &p, mi);
    if (!rc)
        rc = section_map(b, &p);
    if (!rc)
        rc = section_accounts(b, &p);
    if (!rc)
        rc = section_plan(b, &p);
    if (!rc)
        rc = section_quota(b, &p, segment_visits);
    if (!rc)
        rc = regio__brief_section_changes(b, &p, mi);
    if (!rc) {
        regio__bp_put(&p, "<footer>Made by Regio ");
        regio__bp_esc(&p, regio_version());
        regio__bp_put(&p, " (regio brief) as of ");
        regio__bp_esc(&p, b->day);
        regio__bp_put(&p, ".</footer>\n</body>\n</html>\n");
    }
    if (!rc && p.oom)
        rc = regio__brief_oom(b);
    return rc;
}

static void brief_free(brief *b)
{
    for (size_t i = 0; i < b->n; i++) {
        regio_free(b->a[i].id);
        regio_free(b->a[i].name);
        regio_free(b->a[i].city);
        regio_free(b->a[i].segment);
        regio_free(b->a[i].from);
        regio_free(b->a[i].to);
    }
    regio_free(b->a);
    regio_strmap_destroy(b->index);
    for (size_t i = 0; i < b->n_reasons; i++)
        regio_free(b->reasons[i]);
    regio_free(b->reasons);
    regio_strmap_destroy(b->reason_index);
    regio_free(b->segments);
    regio_free(b->in_new);
    regio_free(b->in_old);
    regio_free(b->prev);
    regio_model_view_destroy(b->pv);
    regio_model_view_destroy(b->v);
    regio_design_problem_destroy(b->units);
}

regio_err regio_brief_html(regio_store *s, const char *model, const char *territory,
                           const regio_brief_opts *opts, regio_buf *out, regio_error *err)
{
    if (!s || !model || !*model || !territory || !*territory || !out)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "a brief needs a store, a model, a territory and an output");
    regio_brief_opts o;
    memset(&o, 0, sizeof o);
    if (opts)
        o = *opts;
    brief b;
    memset(&b, 0, sizeof b);
    b.s = s;
    b.model = model;
    b.territory = territory;
    b.currency = o.currency;
    b.err = err;
    if (o.day) {
        if (regio_day_parse(o.day, &b.today) || strlen(o.day) != 10)
            return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                    "'%s' is not a date (YYYY-MM-DD)", o.day);
    } else {
        b.today = regio_day_today();
    }
    regio_day_format(b.today, b.day);
    regio_model_info mi;
    memset(&mi, 0, sizeof mi);
    regio_err rc = regio_store_model_find_at(s, model, b.day, &mi, err);
    if (rc == REGIO_ENOTFOUND)
        return regio_error_setf(err, rc, NULL, 0, NULL, "no model named '%s'", model);
    if (rc)
        return rc;
    rc = regio_design_problem_load_units(s, 1, &b.units, err);
    if (!rc)
        rc = regio_model_view_load(s, b.units, model, -1, &b.v, err);
    if (!rc && !regio_model_view_node(b.v, territory))
        rc = regio_error_setf(err, REGIO_ENOTFOUND, NULL, 0, NULL,
                              "model '%s' has no territory '%s'", model, territory);
    if (!rc && !(b.in_new = leaves_under(b.v, territory)))
        rc = regio__brief_oom(&b);
    if (!rc)
        rc = regio__brief_find_previous(&b);
    if (!rc && b.prev) {
        rc = regio_model_view_load(s, b.units, b.prev, -1, &b.pv, err);
        if (!rc && !(b.in_old = leaves_under(b.pv, territory)))
            rc = regio__brief_oom(&b);
    }
    if (!rc &&
        (!(b.index = regio_strmap_create(1024)) || !(b.reason_index = regio_strmap_create(64))))
        rc = regio__brief_oom(&b);
    if (!rc) {
        rc = regio_store_accounts_foreach(s, on_account, &b, err);
        if (b.oom)
            rc = regio__brief_oom(&b);
    }
    if (!rc)
        rc = account_figures(&b);
    if (!rc)
        rc = collect_segments(&b);
    if (!rc && b.pv)
        rc = regio__brief_gather_reasons(&b);
    regio_buf html;
    regio_buf_init(&html, 0);
    if (!rc)
        rc = render(&b, &mi, o.segment_visits, &html);
    if (!rc && regio_buf_append(out, html.data, html.len))
        rc = regio__brief_oom(&b);
    regio_buf_free(&html);
    regio_model_info_clear(&mi);
    brief_free(&b);
    return rc;
}
