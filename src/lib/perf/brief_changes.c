/*
 * The territory brief's last section: what changed since the previous
 * model and why. The previous model is the one in force before this one
 * took effect (the promotion history), or for a model never promoted the
 * one in force on the day; the reasons come from the audit log (hand moves:
 * who, when) and the challenges of the model (the rep's reason, the
 * decision and its note).
 */
#include "perf/brief_internal.h"

#include "regio/challenge.h"
#include "regio/format.h"
#include "regio/model_view.h"
#include "regio/org.h"
#include "regio/strmap.h"

#include "core/grow.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

typedef regio__brief brief;
typedef regio__brief_acct acct;

const char *regio__brief_leaf_name(const struct regio_model_view *v, int leaf)
{
    return v && leaf >= 0 && leaf < v->k ? v->territory[leaf] : NULL;
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
    f->previous = regio__brief_dup(p->previous);
    if (p->previous && !f->previous)
        f->oom = 1;
    snprintf(f->effective, sizeof f->effective, "%s", p->effective_from);
    f->found = 1;
    return f->oom;
}

/* The model in force before b->model: its promotion's previous model; for a
 * model never promoted, the model in force on the day (unless it is the
 * model itself). */
regio_err regio__brief_find_previous(brief *b)
{
    prev_find f = {b->model, NULL, "", 0, 0};
    regio_err rc = regio_store_promotions_foreach(b->s, b->day, on_promotion, &f, b->err);
    if (!rc && f.oom)
        rc = regio__brief_oom(b);
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
                     "none: %s was the first model promoted (effective %s)", b->model, f.effective);
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
        return regio_error_setf(b->err, rc, NULL, 0, NULL, "cannot read the model in force on %s",
                                b->day);
    if (strcmp(mi.name, b->model)) {
        if (!(b->prev = regio__brief_dup(mi.name)))
            rc = regio__brief_oom(b);
        snprintf(b->prev_why, sizeof b->prev_why,
                 "the model in force on %s (%s was never promoted)", b->day, b->model);
    } else {
        snprintf(b->prev_why, sizeof b->prev_why, "none: %s is in force without a promotion",
                 b->model);
    }
    regio_model_info_clear(&mi);
    return rc;
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
            return regio__brief_oom(b);
        int found;
        if (regio_strmap_put(b->reason_index, key, (long)b->n_reasons, &found, NULL))
            return regio__brief_oom(b);
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
        return regio__brief_oom(b);
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
    if (strcmp(r->action, "alignment.apply") || !r->object_id || strcmp(r->object_id, b->model) ||
        !r->after)
        return 0;
    json_t *root = json_loads(r->after, 0, NULL);
    json_t *moves = root ? json_object_get(root, "moves") : NULL;
    size_t i;
    json_t *m;
    int fail = 0;
    json_array_foreach(moves, i, m)
    {
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
    int n = snprintf(text, sizeof text, "challenged by %s: \"%s\" — %s", c->raised_by, c->reason,
                     regio_challenge_state_name(c->state));
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
regio_err regio__brief_gather_reasons(brief *b)
{
    regio_err rc = regio_store_audit_foreach(b->s, NULL, NULL, on_audit, b, b->err);
    if (!rc)
        rc = regio_store_challenges_foreach(b->s, b->model, 0, on_challenge, b, b->err);
    return rc;
}

/* ---- what changed ---------------------------------------------------------------------- */

static const char *default_reason(const brief *b, const regio_model_info *mi, char *buf, size_t cap)
{
    snprintf(buf, cap, "the alignment of %s%s%s", b->model, mi->description ? ": " : "",
             mi->description ? mi->description : "");
    return buf;
}

regio_err regio__brief_section_changes(brief *b, regio__page *p, const regio_model_info *mi)
{
    regio__bp_put(p, "<section id=\"changes\"><h2>What changed since the previous model</h2>\n");
    regio__bp_put(p, "<p>Previous model: ");
    if (b->prev) {
        regio__bp_put(p, "<strong>");
        regio__bp_esc(p, b->prev);
        regio__bp_put(p, "</strong>, ");
    }
    regio__bp_esc(p, b->prev_why);
    regio__bp_put(p, ".</p>\n");
    if (!b->pv) {
        regio__bp_put(p, "</section>\n");
        return REGIO_OK;
    }
    if (!regio_model_view_node(b->pv, b->territory)) {
        regio__bp_put(p, "<p class=\"note\">");
        regio__bp_esc(p, b->territory);
        regio__bp_put(p, " is new: ");
        regio__bp_esc(p, b->prev);
        regio__bp_put(p, " has no territory of that id, so all it holds joined.</p>\n");
    }
    const regio_design_input *in = &b->units->in;
    char dflt[600];
    default_reason(b, mi, dflt, sizeof dflt);
    size_t units_in = 0, units_out = 0;
    for (size_t i = 0; i < in->n; i++) {
        int now = regio__brief_in_leaf(b->in_new, b->v->labels[i]);
        int before = regio__brief_in_leaf(b->in_old, b->pv->labels[i]);
        if (now == before)
            continue;
        if (!(units_in + units_out)) {
            regio__bp_put(p,
                          "<h3>Units</h3>\n<table class=\"changes\"><thead><tr><th>Unit (id)</th>"
                          "<th>Name</th><th>Change</th>");
            for (size_t m = 0; m < in->m; m++) {
                const char *name = in->measure_names ? in->measure_names[m] : NULL;
                regio__bp_put(p, "<th class=\"n\">");
                regio__bp_esc(p, name);
                regio__bp_put(p, name && regio_measure_is_money(name) ? " (money, per year)"
                                 : name && !strcmp(name, "accounts")  ? " (count)"
                                                                      : " (as imported)");
                regio__bp_put(p, "</th>");
            }
            regio__bp_put(p, "<th>Why</th></tr></thead><tbody>\n");
        }
        units_in += now;
        units_out += !now;
        const regio_unit *u = &b->units->loaded.units->units[i];
        regio__bp_put(p, "<tr>");
        regio__bp_td(p, u->id);
        regio__bp_td(p, u->name);
        regio__bp_put(p, now ? "<td class=\"in\">joined from " : "<td class=\"out\">left for ");
        regio__bp_esc(p, now ? regio__brief_leaf_name(b->pv, b->pv->labels[i])
                             : regio__brief_leaf_name(b->v, b->v->labels[i]));
        regio__bp_put(p, "</td>");
        for (size_t m = 0; m < in->m; m++) {
            const char *name = in->measure_names ? in->measure_names[m] : NULL;
            double val = in->measures[i * in->m + m];
            char buf[48];
            regio__bp_putf(p, "<td class=\"n\">%s", now ? "+" : "&minus;");
            if (name && regio_measure_is_money(name))
                regio__bp_esc(p, regio__bp_money(b->currency, val, buf, sizeof buf));
            else
                regio__bp_esc(p, regio_format_number(val, 0, buf, sizeof buf));
            regio__bp_put(p, "</td>");
        }
        const char *why = reason_get(b, 'u', u->id);
        regio__bp_td(p, why ? why : dflt);
        regio__bp_put(p, "</tr>\n");
    }
    if (units_in + units_out)
        regio__bp_put(p, "</tbody></table>\n");
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
            regio__bp_put(
                p, "<h3>Accounts moved by hand</h3>\n<table class=\"changes\"><thead><tr>"
                   "<th>Account (id)</th><th>Name</th><th>Change</th>"
                   "<th class=\"n\">Potential (per year)</th>"
                   "<th class=\"n\">Bookings (12 months)</th><th>Why</th></tr></thead><tbody>\n");
        acc_in += x->in_new;
        acc_out += !x->in_new;
        char m1[48], m2[48];
        regio__bp_put(p, "<tr>");
        regio__bp_td(p, x->id);
        regio__bp_td(p, x->name);
        regio__bp_put(p,
                      x->in_new ? "<td class=\"in\">joined from " : "<td class=\"out\">left for ");
        regio__bp_esc(p, x->in_new ? (x->from ? x->from : "no territory")
                                   : (x->to ? x->to : "no territory"));
        regio__bp_put(p, "</td>");
        regio__bp_td_num(p, regio__bp_money(b->currency, x->potential, m1, sizeof m1));
        regio__bp_td_num(p, regio__bp_money(b->currency, x->bookings, m2, sizeof m2));
        const char *why = reason_get(b, 'a', x->id);
        regio__bp_td(p, why ? why : dflt);
        regio__bp_put(p, "</tr>\n");
    }
    if (acc_in + acc_out)
        regio__bp_put(p, "</tbody></table>\n");
    char c[4][48], h[2][32];
    regio__bp_putf(p,
                   "<p class=\"summary\">In all: %s joined and %s left; %s joined and %s left "
                   "(%s and %s of them moved by hand).</p>\n",
                   regio__bp_nouns((double)units_in, "unit", c[0], sizeof c[0]),
                   regio__bp_count((double)units_out, h[0], sizeof h[0]),
                   regio__bp_nouns((double)moved_in, "account", c[1], sizeof c[1]),
                   regio__bp_count((double)moved_out, h[1], sizeof h[1]),
                   regio__bp_count((double)acc_in, c[2], sizeof c[2]),
                   regio__bp_count((double)acc_out, c[3], sizeof c[3]));
    regio__bp_put(p, "</section>\n");
    return REGIO_OK;
}
