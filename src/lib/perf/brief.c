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
#include "regio/challenge.h"
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

#define MAP_W 760
#define MAP_H 460

/* ---- what is gathered ------------------------------------------------------------------ */

/* An account held by the territory in this model or in the previous one. */
typedef struct acct {
    char *id, *name, *city, *segment;
    double lat, lon, potential;
    int in_new, in_old;   /* in the territory in the model / the previous model */
    int by_hand;          /* the difference comes from a hand move, not its unit */
    char *from, *to;      /* the territories it left / joined (when it moved) */
    char last_visit[11];  /* "" when never visited */
    double bookings;      /* won amounts over the 365 days to the day */
    long long key;
} acct;

typedef struct brief {
    regio_store *s;
    const char *model, *territory, *currency;
    char day[11];
    regio_day today;
    regio_design_problem *units;
    regio_model_view *v, *pv;     /* the model, the previous one (or NULL) */
    char *prev;                   /* the previous model's name, or NULL */
    char prev_why[160];           /* how it was found */
    unsigned char *in_new, *in_old; /* per leaf of v / pv: under the territory */
    acct *a;
    size_t n, cap;
    regio_strmap *index;          /* account id -> position in a */
    char **reasons;               /* "u:ID" / "a:ID" -> why it moved */
    regio_strmap *reason_index;
    size_t n_reasons, cap_reasons;
    char **segments;              /* distinct segments, sorted; "" for none (last) */
    size_t n_segments;
    regio_error *err;
    int oom;                      /* a callback ran out of memory */
} brief;

static regio_err oom(brief *b)
{
    return regio_error_setf(b->err, REGIO_ENOMEM, NULL, 0, NULL,
                            "out of memory writing the territory brief");
}

static char *dup(const char *s) { return s ? regio_strdup(s) : NULL; }

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

static int in_leaf(const unsigned char *in, int leaf) { return in && leaf >= 0 && in[leaf]; }

static const char *leaf_name(const regio_model_view *v, int leaf)
{
    return v && leaf >= 0 ? v->territory[leaf] : NULL;
}

/* ---- the previous model ------------------------------------------------------------- */

typedef struct prev_find {
    const char *model;
    char *previous;
    char effective[11];
    int found, oom;
} prev_find;

static int on_promotion(void *ud, const regio_promotion_info *p)
{
    prev_find *f = ud;
    if (strcmp(p->model, f->model) || p->status == REGIO_PROMOTION_WITHDRAWN)
        return 0;
    /* the latest promotion of the model that took (or will take) effect */
    regio_free(f->previous);
    f->previous = dup(p->previous);
    if (p->previous && !f->previous)
        f->oom = 1;
    snprintf(f->effective, sizeof f->effective, "%s", p->effective_from);
    f->found = 1;
    return f->oom;
}

/* The model in force before b->model: its promotion's previous model; for a
 * model never promoted, the model in force on the day (unless it is the
 * model itself). */
static regio_err find_previous(brief *b)
{
    prev_find f = {b->model, NULL, "", 0, 0};
    regio_err rc = regio_store_promotions_foreach(b->s, b->day, on_promotion, &f, b->err);
    if (!rc && f.oom)
        rc = oom(b);
    if (rc) {
        regio_free(f.previous);
        return rc;
    }
    if (f.found) {
        b->prev = f.previous;
        if (b->prev)
            snprintf(b->prev_why, sizeof b->prev_why,
                     "the model in force before %s took effect on %s", b->model, f.effective);
        else
            snprintf(b->prev_why, sizeof b->prev_why,
                     "none: %s was the first model promoted (effective %s)", b->model,
                     f.effective);
        return REGIO_OK;
    }
    regio_model_info mi;
    memset(&mi, 0, sizeof mi);
    rc = regio_store_model_in_force(b->s, b->day, &mi, NULL);
    if (rc == REGIO_ENOTFOUND) {
        snprintf(b->prev_why, sizeof b->prev_why, "none: no model is in force on %s", b->day);
        return REGIO_OK;
    }
    if (rc)
        return regio_error_setf(b->err, rc, NULL, 0, NULL,
                                "cannot read the model in force on %s", b->day);
    if (strcmp(mi.name, b->model)) {
        if (!(b->prev = dup(mi.name)))
            rc = oom(b);
        snprintf(b->prev_why, sizeof b->prev_why,
                 "the model in force on %s (%s was never promoted)", b->day, b->model);
    } else {
        snprintf(b->prev_why, sizeof b->prev_why, "none: %s is in force without a promotion",
                 b->model);
    }
    regio_model_info_clear(&mi);
    return rc;
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
    int in_new = in_leaf(b->in_new, ln), in_old = in_leaf(b->in_old, lo);
    if (!in_new && !in_old)
        return 0;
    if (regio__grow(&b->a, &b->cap, b->n + 1, sizeof *b->a))
        return (b->oom = 1);
    acct *x = &b->a[b->n];
    memset(x, 0, sizeof *x);
    x->id = dup(a->id);
    x->name = dup(a->name);
    x->city = dup(a->city);
    x->segment = dup(a->segment && *a->segment ? a->segment : "");
    x->lat = a->lat;
    x->lon = a->lon;
    x->potential = a->potential;
    x->in_new = in_new;
    x->in_old = in_old;
    if (b->pv && in_new != in_old) {
        int un = in_leaf(b->in_new, unit_leaf(b, b->v, a->unit_id));
        int uo = in_leaf(b->in_old, unit_leaf(b, b->pv, a->unit_id));
        x->by_hand = un == uo; /* its unit did not move in or out: a hand move did */
        x->from = dup(leaf_name(b->pv, lo));
        x->to = dup(leaf_name(b->v, ln));
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

static int on_sale(void *ud, const regio__perf_sale *s)
{
    keys *k = ud;
    if (s->status != REGIO__SALE_WON)
        return 0;
    key_pos want = {s->account, 0};
    const key_pos *hit = bsearch(&want, k->v, k->n, sizeof *k->v, by_key);
    if (hit)
        k->b->a[hit->pos].bookings += s->amount;
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
        rc = oom(b);
    if (!rc) {
        qsort(k.v, k.n, sizeof *k.v, by_key);
        rc = regio__perf_sales_scan(b->s, b->today - 364, b->today + 1, on_sale, &k, b->err);
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
        return oom(b);
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

/* ---- reasons ------------------------------------------------------------------------ */

/* Sets (replace) or adds to (append) the reason of item "u:ID" / "a:ID". */
static regio_err reason_put(brief *b, char kind, const char *id, const char *text, int append)
{
    char key[300];
    snprintf(key, sizeof key, "%c:%s", kind, id);
    long at = regio_strmap_get(b->reason_index, key);
    if (at < 0) {
        if (regio__grow(&b->reasons, &b->cap_reasons, b->n_reasons + 1, sizeof *b->reasons))
            return oom(b);
        int found;
        if (regio_strmap_put(b->reason_index, key, (long)b->n_reasons, &found, NULL))
            return oom(b);
        at = (long)b->n_reasons++;
        b->reasons[at] = NULL;
    }
    char *old = b->reasons[at];
    char *next;
    if (append && old) {
        size_t n = strlen(old) + strlen(text) + 3;
        next = regio_malloc(n);
        if (next)
            snprintf(next, n, "%s; %s", old, text);
    } else {
        next = regio_strdup(text);
    }
    if (!next)
        return oom(b);
    regio_free(old);
    b->reasons[at] = next;
    return REGIO_OK;
}

static const char *reason_get(const brief *b, char kind, const char *id)
{
    char key[300];
    snprintf(key, sizeof key, "%c:%s", kind, id);
    long at = regio_strmap_get(b->reason_index, key);
    return at < 0 ? NULL : b->reasons[at];
}

static int on_audit(void *ud, const regio_audit_record *r)
{
    brief *b = ud;
    if (strcmp(r->action, "alignment.apply") || !r->object_id ||
        strcmp(r->object_id, b->model) || !r->after)
        return 0;
    json_t *root = json_loads(r->after, 0, NULL);
    json_t *moves = root ? json_object_get(root, "moves") : NULL;
    size_t i;
    json_t *m;
    int fail = 0;
    json_array_foreach(moves, i, m) {
        const char *unit = json_string_value(json_object_get(m, "unit"));
        const char *acc = json_string_value(json_object_get(m, "account"));
        const char *to = json_string_value(json_object_get(m, "territory"));
        char text[400];
        snprintf(text, sizeof text, "moved by hand %s%s by %s on %.10s",
                 to ? "to " : "(back to its unit's territory)", to ? to : "",
                 r->actor ? r->actor : "someone", r->ts ? r->ts : "");
        if ((unit && reason_put(b, 'u', unit, text, 0)) ||
            (acc && reason_put(b, 'a', acc, text, 0)))
            fail = 1;
        if (fail)
            break;
    }
    json_decref(root);
    return fail;
}

static int on_challenge(void *ud, const regio_challenge *c)
{
    brief *b = ud;
    const char *item = c->unit ? c->unit : c->account;
    if (!item)
        return 0;
    char text[2600];
    int n = snprintf(text, sizeof text, "challenged by %s: \"%s\" — %s", c->raised_by,
                     c->reason, regio_challenge_state_name(c->state));
    if (n > 0 && (size_t)n < sizeof text && c->state != REGIO_CHALLENGE_OPEN &&
        c->state != REGIO_CHALLENGE_WITHDRAWN)
        snprintf(text + n, sizeof text - (size_t)n, "%s%s%s%s%s",
                 c->auto_approved ? " automatically (within the balance tolerance)" : "",
                 c->decided_by ? " by " : "", c->decided_by ? c->decided_by : "",
                 c->note ? ": " : "", c->note ? c->note : "");
    return reason_put(b, c->unit ? 'u' : 'a', item, text, 1) != REGIO_OK;
}

/* Why units and accounts moved: hand moves in the audit log, then the
 * challenges and their decisions (oldest first, appended). */
static regio_err gather_reasons(brief *b)
{
    regio_err rc = regio_store_audit_foreach(b->s, NULL, NULL, on_audit, b, b->err);
    if (!rc)
        rc = regio_store_challenges_foreach(b->s, b->model, 0, on_challenge, b, b->err);
    return rc;
}

/* ---- rendering helpers -------------------------------------------------------------- */

typedef struct page {
    regio_buf *o;
    int oom;
} page;

static void put(page *p, const char *s)
{
    if (!p->oom && regio_buf_puts(p->o, s))
        p->oom = 1;
}

static void putf(page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(page *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!p->oom && regio_buf_vprintf(p->o, fmt, ap))
        p->oom = 1;
    va_end(ap);
}

/* The string HTML-escaped; "–" for NULL or empty. */
static void esc(page *p, const char *s)
{
    if (!s || !*s)
        put(p, "&ndash;");
    else if (!p->oom && regio__html_escape(p->o, s))
        p->oom = 1;
}

static void td(page *p, const char *s)
{
    put(p, "<td>");
    esc(p, s);
    put(p, "</td>");
}

static void td_num(page *p, const char *s)
{
    put(p, "<td class=\"n\">");
    esc(p, s);
    put(p, "</td>");
}

static const char *money(const brief *b, double v, char *buf, size_t cap)
{
    return regio_format_money(isfinite(v) ? v : NAN, b->currency, buf, cap);
}

static const char *pct(double v, char *buf, size_t cap)
{
    if (!isfinite(v))
        return "–";
    char n[32];
    snprintf(buf, cap, "%s%%", regio_format_number(v * 100, 1, n, sizeof n));
    return buf;
}

static const char *count(double v, char *buf, size_t cap)
{
    return regio_format_number(v, 0, buf, cap);
}

/* "1 account", "1,204 accounts". */
static const char *nouns(double v, const char *noun, char *buf, size_t cap)
{
    char n[32];
    snprintf(buf, cap, "%s %s%s", count(v, n, sizeof n), noun, v == 1 ? "" : "s");
    return buf;
}

/* ---- sections ------------------------------------------------------------------------ */

typedef struct rep_find {
    const char *id;
    char *name, *email;
} rep_find;

static int on_rep(void *ud, const regio_rep *r)
{
    rep_find *f = ud;
    if (strcmp(r->id, f->id))
        return 0;
    f->name = dup(r->name);
    f->email = dup(r->email);
    return 1;
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
        put(p, "<table><thead><tr><th>User</th><th>Name</th><th>Role</th><th>Active</th>"
               "<th>From (date)</th><th>Until (date, excluded)</th></tr></thead><tbody>\n");
    put(p, "<tr>");
    td(p, m->user);
    td(p, m->user_name);
    td(p, m->role);
    td(p, m->active ? "yes" : "no");
    td(p, m->start);
    td(p, m->end);
    put(p, "</tr>\n");
    return p->oom;
}

static regio_err section_header(brief *b, page *p, const regio_model_info *mi)
{
    const regio_model_node *node = regio_model_view_node(b->v, b->territory);
    put(p, "<header><p class=\"kicker\">Territory brief</p><h1>");
    esc(p, b->territory);
    if (node->name && *node->name && strcmp(node->name, b->territory)) {
        put(p, " &middot; ");
        esc(p, node->name);
    }
    put(p, "</h1>\n<dl>\n<dt>Model</dt><dd>");
    esc(p, b->model);
    putf(p, " (%s", regio_model_state_name(mi->state));
    if (mi->effective_from) {
        put(p, ", effective ");
        esc(p, mi->effective_from);
    }
    put(p, ")</dd>\n<dt>As of</dt><dd>");
    esc(p, b->day);
    put(p, "</dd>\n");
    if (node->parent) {
        put(p, "<dt>Part of</dt><dd>");
        esc(p, node->parent);
        put(p, "</dd>\n");
    }
    put(p, "<dt>Rep</dt><dd>");
    if (node->rep) {
        rep_find f = {node->rep, NULL, NULL};
        regio_err rc = regio_store_reps_foreach(b->s, on_rep, &f, b->err);
        if (rc)
            return rc;
        esc(p, node->rep);
        if (f.name) {
            put(p, " &middot; ");
            esc(p, f.name);
        }
        if (f.email) {
            put(p, " &middot; ");
            esc(p, f.email);
        }
        regio_free(f.name);
        regio_free(f.email);
    } else {
        put(p, "vacant (no rep)");
    }
    put(p, "</dd>\n");
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
        units += in_leaf(b->in_new, b->v->labels[i]);
    char c1[48], c2[48], m1[48], m2[48];
    putf(p,
         "<dt>Holds</dt><dd>%s in %s &middot; potential %s per year &middot; "
         "bookings %s over the last 12 months</dd>\n</dl>\n</header>\n",
         nouns((double)accounts, "account", c1, sizeof c1),
         nouns((double)units, "unit", c2, sizeof c2),
         money(b, potential, m1, sizeof m1), money(b, bookings, m2, sizeof m2));
    put(p, "<section id=\"members\"><h2>Members</h2>\n");
    members x = {b, p, 0};
    regio_err rc = regio_store_memberships_foreach(b->s, b->model, on_member, &x, b->err);
    if (rc)
        return rc;
    if (x.n)
        put(p, "</tbody></table>\n");
    else
        put(p, "<p class=\"note\">No memberships are recorded for this territory.</p>\n");
    put(p, "</section>\n");
    return REGIO_OK;
}

static regio_err section_map(brief *b, page *p)
{
    size_t n = b->units->in.n;
    regio__brief_shape *shapes = regio_calloc(n ? n : 1, sizeof *shapes);
    regio__brief_dot *dots = regio_calloc(b->n ? b->n : 1, sizeof *dots);
    if (!shapes || !dots) {
        regio_free(shapes);
        regio_free(dots);
        return oom(b);
    }
    size_t ns = 0, nd = 0, joined = 0, left = 0;
    for (size_t i = 0; i < n; i++) {
        int now = in_leaf(b->in_new, b->v->labels[i]);
        int before = b->pv ? in_leaf(b->in_old, b->pv->labels[i]) : now;
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
    put(p, "<section id=\"map\"><h2>Map</h2>\n<figure>\n");
    regio_err rc = p->oom ? REGIO_OK
                          : regio__brief_map_svg(shapes, ns, dots, nd, MAP_W, MAP_H, p->o, b->err);
    regio_free(shapes);
    regio_free(dots);
    if (rc)
        return rc;
    put(p, "<figcaption class=\"legend\">");
    putf(p, "<span><i class=\"sw\" style=\"background:#dbe8f6;border-color:#5b7fa6\"></i>"
            "units of the territory</span>");
    if (joined)
        putf(p, "<span><i class=\"sw\" style=\"background:#cdeccd;border-color:#3d8b3d\"></i>"
                "joined since the previous model (%zu)</span>", joined);
    if (left)
        putf(p, "<span><i class=\"sw\" style=\"background:#eeeeee;border-color:#999;"
                "border-style:dashed\"></i>left since the previous model (%zu)</span>", left);
    for (size_t j = 0; j < b->n_segments; j++) {
        putf(p, "<span><i class=\"dot\" style=\"background:%s\"></i>segment ",
             regio__brief_palette[j % REGIO__BRIEF_COLOURS]);
        esc(p, *b->segments[j] ? b->segments[j] : "(none)");
        put(p, "</span>");
    }
    put(p, "</figcaption>\n</figure>\n</section>\n");
    return REGIO_OK;
}

static int by_id(const void *pa, const void *pb)
{
    return strcmp((*(acct *const *)pa)->id, (*(acct *const *)pb)->id);
}

static regio_err section_accounts(brief *b, page *p)
{
    put(p, "<section id=\"accounts\"><h2>Accounts by segment</h2>\n");
    acct **rows = regio_calloc(b->n ? b->n : 1, sizeof *rows);
    if (!rows)
        return oom(b);
    if (!b->n_segments)
        put(p, "<p class=\"note\">The territory holds no account.</p>\n");
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
        put(p, "<h3>Segment ");
        esc(p, *b->segments[j] ? b->segments[j] : "(none)");
        putf(p, " &middot; %s &middot; potential %s per year &middot; bookings %s "
                "(12 months)</h3>\n",
             nouns((double)n, "account", c, sizeof c), money(b, potential, m1, sizeof m1),
             money(b, bookings, m2, sizeof m2));
        put(p, "<table class=\"accounts\"><thead><tr><th>Account (id)</th><th>Name</th>"
               "<th>City</th><th>Segment</th><th class=\"n\">Potential (per year)</th>"
               "<th>Last visit (date)</th><th class=\"n\">Bookings (12 months)</th></tr>"
               "</thead><tbody>\n");
        for (size_t i = 0; i < n; i++) {
            const acct *x = rows[i];
            put(p, "<tr>");
            td(p, x->id);
            td(p, x->name);
            td(p, x->city);
            td(p, *x->segment ? x->segment : NULL);
            td_num(p, money(b, x->potential, m1, sizeof m1));
            td(p, x->last_visit[0] ? x->last_visit : "never");
            td_num(p, money(b, x->bookings, m2, sizeof m2));
            put(p, "</tr>\n");
        }
        put(p, "</tbody></table>\n");
    }
    put(p, "</section>\n");
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
    r->name = dup(pi->name);
    r->start = dup(pi->cycle_start);
    json_t *params = pi->params ? json_loads(pi->params, 0, NULL) : NULL;
    const char *t = params ? json_string_value(json_object_get(params, "territory")) : NULL;
    r->territory = dup(t);
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
    x->account = dup(r->account);
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

static regio_err section_plan(brief *b, page *p)
{
    const regio_model_node *node = regio_model_view_node(b->v, b->territory);
    plans l = {NULL, 0, 0, 0};
    stops st = {node->rep, NULL, 0, 0, 0};
    regio_err rc = regio_store_plans_foreach(b->s, b->model, on_plan, &l, b->err);
    if (!rc && l.oom)
        rc = oom(b);
    const plan_ref *chosen = NULL;
    /* newest first: the first plan made for the territory (or, when its
     * params do not say, holding visits of its rep) is the one in use */
    for (size_t i = 0; !rc && !chosen && i < l.n; i++) {
        const plan_ref *r = &l.v[i];
        if (r->territory ? strcmp(r->territory, b->territory) : !node->rep)
            continue;
        rc = regio_store_plan_visits_foreach(b->s, r->id, on_visit, &st, b->err);
        if (!rc && st.oom)
            rc = oom(b);
        if (!rc && st.n)
            chosen = r;
    }
    put(p, "<section id=\"plan\"><h2>Call plan</h2>\n");
    if (!rc && !chosen) {
        put(p, "<p class=\"note\">No call plan is stored for this territory in this model "
               "(<code>regio plan --model ");
        esc(p, b->model);
        put(p, " --territory ");
        esc(p, b->territory);
        put(p, "</code> makes and saves one).</p>\n");
    } else if (!rc) {
        char c1[32], c2[32];
        put(p, "<p>Plan <strong>");
        esc(p, chosen->name);
        putf(p, "</strong>: a cycle of %s working days", count(chosen->days, c1, sizeof c1));
        if (chosen->start) {
            put(p, " from ");
            esc(p, chosen->start);
        }
        putf(p, ", %s visits.</p>\n", count((double)st.n, c2, sizeof c2));
        put(p, "<table class=\"plan\"><thead><tr><th class=\"n\">Day (of the cycle)</th>"
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
            putf(p, "<tr%s><td class=\"n\">%d</td>",
                 i && st.v[i - 1].day != x->day ? " class=\"newday\"" : "", x->day);
            td(p, date);
            putf(p, "<td class=\"n\">%d</td>", x->seq);
            td(p, x->account);
            td(p, a ? a->name : NULL);
            td(p, a ? a->city : NULL);
            td(p, hhmm(x->arrival_s, t1, sizeof t1));
            td(p, hhmm(x->departure_s, t2, sizeof t2));
            put(p, "</tr>\n");
        }
        put(p, "</tbody></table>\n");
    }
    put(p, "</section>\n");
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

static void perf_tr(brief *b, page *p, const char *label, const regio_perf_result *r,
                    const regio_perf_row *x)
{
    char per[32], m[6][48], c[4][32], pc[4][32];
    regio_period_format(r->period, per);
    put(p, "<tr>");
    put(p, "<td>");
    esc(p, label);
    put(p, "<br><small>");
    esc(p, per);
    put(p, "</small></td>");
    if (!x) {
        put(p, "<td colspan=\"9\">no figures</td></tr>\n");
        return;
    }
    td_num(p, money(b, x->quota, m[0], sizeof m[0]));
    td_num(p, money(b, x->bookings, m[1], sizeof m[1]));
    td_num(p, pct(x->attainment, pc[0], sizeof pc[0]));
    td_num(p, pct(x->growth_yoy, pc[1], sizeof pc[1]));
    td_num(p, money(b, x->pipeline, m[2], sizeof m[2]));
    putf(p, "<td class=\"n\">%s / %s</td>", count((double)x->won, c[0], sizeof c[0]),
         count((double)x->lost, c[1], sizeof c[1]));
    td_num(p, count((double)x->visits, c[2], sizeof c[2]));
    td_num(p, pct(x->coverage, pc[2], sizeof pc[2]));
    put(p, "<td>");
    int any = 0;
    for (unsigned f = 1; f <= REGIO_PERF_UNDER_COVERED; f <<= 1) {
        if (!(x->flags & f))
            continue;
        char why[160];
        regio_perf_flag_reason(r, x, f, why, sizeof why);
        put(p, any++ ? "<br>" : "");
        put(p, "<span class=\"flag\">");
        esc(p, regio_perf_flag_name(f));
        put(p, "</span> ");
        esc(p, why);
    }
    if (!any)
        put(p, "none");
    put(p, "</td></tr>\n");
}

static regio_err section_quota(brief *b, page *p, const char *segment_visits)
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
        put(p, "<section id=\"quota\"><h2>Quota and results</h2>\n");
        putf(p, "<p>Quota for the current quarter (%s): <strong>%s</strong>. Figures as "
                "<code>regio perf</code> computes them (as-of crediting).</p>\n",
             cur, xc ? money(b, xc->quota, m, sizeof m) : "none set");
        put(p, "<table class=\"perf\"><thead><tr><th>Period</th><th class=\"n\">Quota</th>"
               "<th class=\"n\">Bookings</th><th class=\"n\">Attainment (%)</th>"
               "<th class=\"n\">Growth on a year before (%)</th><th class=\"n\">Pipeline</th>"
               "<th class=\"n\">Won / lost (deals)</th><th class=\"n\">Visits (count)</th>"
               "<th class=\"n\">Coverage (% of accounts)</th><th>Flags</th></tr></thead>"
               "<tbody>\n");
        perf_tr(b, p, "Last full quarter", &rp, xp);
        perf_tr(b, p, "Current quarter (to date)", &rc_, xc);
        put(p, "</tbody></table>\n</section>\n");
    }
    regio_perf_result_free(&rp);
    regio_perf_result_free(&rc_);
    return rc;
}

/* ---- what changed ---------------------------------------------------------------------- */

static const char *default_reason(const brief *b, const regio_model_info *mi, char *buf,
                                  size_t cap)
{
    snprintf(buf, cap, "the alignment of %s%s%s", b->model, mi->description ? ": " : "",
             mi->description ? mi->description : "");
    return buf;
}

static regio_err section_changes(brief *b, page *p, const regio_model_info *mi)
{
    put(p, "<section id=\"changes\"><h2>What changed since the previous model</h2>\n");
    put(p, "<p>Previous model: ");
    if (b->prev) {
        put(p, "<strong>");
        esc(p, b->prev);
        put(p, "</strong>, ");
    }
    esc(p, b->prev_why);
    put(p, ".</p>\n");
    if (!b->pv) {
        put(p, "</section>\n");
        return REGIO_OK;
    }
    const regio_design_input *in = &b->units->in;
    char dflt[600];
    default_reason(b, mi, dflt, sizeof dflt);
    size_t units_in = 0, units_out = 0;
    for (size_t i = 0; i < in->n; i++) {
        int now = in_leaf(b->in_new, b->v->labels[i]);
        int before = in_leaf(b->in_old, b->pv->labels[i]);
        if (now == before)
            continue;
        if (!(units_in + units_out)) {
            put(p, "<h3>Units</h3>\n<table class=\"changes\"><thead><tr><th>Unit (id)</th>"
                   "<th>Name</th><th>Change</th>");
            for (size_t m = 0; m < in->m; m++) {
                const char *name = in->measure_names ? in->measure_names[m] : NULL;
                put(p, "<th class=\"n\">");
                esc(p, name);
                put(p, name && regio_measure_is_money(name) ? " (money, per year)"
                       : name && !strcmp(name, "accounts")  ? " (count)"
                                                            : " (as imported)");
                put(p, "</th>");
            }
            put(p, "<th>Why</th></tr></thead><tbody>\n");
        }
        units_in += now;
        units_out += !now;
        const regio_unit *u = &b->units->loaded.units->units[i];
        put(p, "<tr>");
        td(p, u->id);
        td(p, u->name);
        put(p, now ? "<td class=\"in\">joined from " : "<td class=\"out\">left for ");
        esc(p, now ? leaf_name(b->pv, b->pv->labels[i]) : leaf_name(b->v, b->v->labels[i]));
        put(p, "</td>");
        for (size_t m = 0; m < in->m; m++) {
            const char *name = in->measure_names ? in->measure_names[m] : NULL;
            double val = in->measures[i * in->m + m];
            char buf[48];
            putf(p, "<td class=\"n\">%s", now ? "+" : "&minus;");
            if (name && regio_measure_is_money(name))
                esc(p, money(b, val, buf, sizeof buf));
            else
                esc(p, regio_format_number(val, 0, buf, sizeof buf));
            put(p, "</td>");
        }
        const char *why = reason_get(b, 'u', u->id);
        td(p, why ? why : dflt);
        put(p, "</tr>\n");
    }
    if (units_in + units_out)
        put(p, "</tbody></table>\n");
    size_t acc_in = 0, acc_out = 0, moved_in = 0, moved_out = 0;
    for (size_t i = 0; i < b->n; i++) {
        const acct *x = &b->a[i];
        if (x->in_new == x->in_old)
            continue;
        moved_in += x->in_new;
        moved_out += !x->in_new;
        if (!x->by_hand)
            continue;
        if (!(acc_in + acc_out))
            put(p, "<h3>Accounts moved by hand</h3>\n<table class=\"changes\"><thead><tr>"
                   "<th>Account (id)</th><th>Name</th><th>Change</th>"
                   "<th class=\"n\">Potential (per year)</th>"
                   "<th class=\"n\">Bookings (12 months)</th><th>Why</th></tr></thead><tbody>\n");
        acc_in += x->in_new;
        acc_out += !x->in_new;
        char m1[48], m2[48];
        put(p, "<tr>");
        td(p, x->id);
        td(p, x->name);
        put(p, x->in_new ? "<td class=\"in\">joined from " : "<td class=\"out\">left for ");
        esc(p, x->in_new ? (x->from ? x->from : "no territory") : (x->to ? x->to : "no territory"));
        put(p, "</td>");
        td_num(p, money(b, x->potential, m1, sizeof m1));
        td_num(p, money(b, x->bookings, m2, sizeof m2));
        const char *why = reason_get(b, 'a', x->id);
        td(p, why ? why : dflt);
        put(p, "</tr>\n");
    }
    if (acc_in + acc_out)
        put(p, "</tbody></table>\n");
    char c[4][48], h[2][32];
    putf(p, "<p class=\"summary\">In all: %s joined and %s left; %s joined and %s left "
            "(%s and %s of them moved by hand).</p>\n",
         nouns((double)units_in, "unit", c[0], sizeof c[0]),
         count((double)units_out, h[0], sizeof h[0]),
         nouns((double)moved_in, "account", c[1], sizeof c[1]),
         count((double)moved_out, h[1], sizeof h[1]), count((double)acc_in, c[2], sizeof c[2]),
         count((double)acc_out, c[3], sizeof c[3]));
    put(p, "</section>\n");
    return REGIO_OK;
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
    page p = {o, 0};
    put(&p, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
            "Territory brief: ");
    esc(&p, b->territory);
    put(&p, " (");
    esc(&p, b->model);
    put(&p, ")</title>\n");
    put(&p, css);
    put(&p, "</head>\n<body>\n");
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
        rc = section_changes(b, &p, mi);
    if (!rc) {
        put(&p, "<footer>Made by Regio ");
        esc(&p, regio_version());
        put(&p, " (regio brief) as of ");
        esc(&p, b->day);
        put(&p, ".</footer>\n</body>\n</html>\n");
    }
    if (!rc && p.oom)
        rc = oom(b);
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
        rc = oom(&b);
    if (!rc)
        rc = find_previous(&b);
    if (!rc && b.prev) {
        rc = regio_model_view_load(s, b.units, b.prev, -1, &b.pv, err);
        if (!rc && !(b.in_old = leaves_under(b.pv, territory)))
            rc = oom(&b);
    }
    if (!rc && (!(b.index = regio_strmap_create(1024)) ||
                !(b.reason_index = regio_strmap_create(64))))
        rc = oom(&b);
    if (!rc) {
        rc = regio_store_accounts_foreach(s, on_account, &b, err);
        if (b.oom)
            rc = oom(&b);
    }
    if (!rc)
        rc = account_figures(&b);
    if (!rc)
        rc = collect_segments(&b);
    if (!rc && b.pv)
        rc = gather_reasons(&b);
    regio_buf html;
    regio_buf_init(&html, 0);
    if (!rc)
        rc = render(&b, &mi, o.segment_visits, &html);
    if (!rc && regio_buf_append(out, html.data, html.len))
        rc = oom(&b);
    regio_buf_free(&html);
    regio_model_info_clear(&mi);
    brief_free(&b);
    return rc;
}
