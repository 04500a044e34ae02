/*
 * Challenges of a planning model's changes (regio/challenge.h): raising
 * one (with the automatic approval when the counter-move keeps every
 * territory within the model's balance tolerance), listing what a user
 * sees with what they may do, and closing one — approved with the
 * counter-move through the model's revision guard, rejected with a
 * comment, withdrawn by its author. The state machine is open -> approved
 * | rejected | withdrawn; the store refuses any other step.
 */
#include "challenge/challenge_internal.h"

#include "regio/format.h"
#include "regio/org.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Longest reason or comment kept, in bytes. */
#define MAX_TEXT 2000

static const char *const STATE_NAMES[] = {"open", "approved", "rejected", "withdrawn"};

const char *regio_challenge_state_name(regio_challenge_state st)
{
    return (int)st >= 0 && (int)st < 4 ? STATE_NAMES[st] : "unknown";
}

int regio_challenge_state_parse(const char *name)
{
    for (int i = 0; name && i < 4; i++)
        if (!strcmp(name, STATE_NAMES[i]))
            return i;
    return -1;
}

static regio_err refuse(regio_challenge_outcome *outcome, regio_challenge_outcome why,
                        regio_error *err, regio_err code, const char *fmt, const char *a,
                        const char *b)
{
    if (outcome)
        *outcome = why;
    return regio_error_setf(err, code, NULL, 0, NULL, fmt, a, b);
}

/* A copy of text without leading and trailing white space (NULL when out
 * of memory); *empty says whether nothing is left. */
static char *trimmed(const char *text, int *empty)
{
    const char *a = text ? text : "";
    while (*a && isspace((unsigned char)*a))
        a++;
    size_t n = strlen(a);
    while (n && isspace((unsigned char)a[n - 1]))
        n--;
    *empty = n == 0;
    return regio_strndup(a, n);
}

/*
 * Brings view v to the store's revision of its model when it is not there
 * (another handle wrote, or a transaction that v had followed was rolled
 * back), through the guard of regio_model_view_apply, which loads it again.
 */
static regio_err resync(regio_store *s, regio_model_view *v, const char *actor, regio_error *err)
{
    long cur = v->revision;
    regio_err rc = regio_store_alignment_revision(s, v->model, &cur, err);
    if (!rc && cur != v->revision)
        rc = regio_model_view_apply(s, v, cur, NULL, 0, actor, NULL, NULL, err);
    return rc;
}

/* ---- raising ------------------------------------------------------------------- */

/*
 * Whether moving the change back (its measures from `to` to `from` in the
 * planning model) leaves every territory's deviation on plan's balance
 * measure within tol; the targets stay as they are, since the total does
 * not change when both are leaves (otherwise: no).
 */
static int within_tolerance(const regio_model_view *vp, const regio_change *it, double tol)
{
    int back = regio_model_view_leaf(vp, it->from), now = it->to ? regio_model_view_leaf(vp, it->to)
                                                                  : -1;
    int c = vp->balance_col;
    if (!vp->has_report || back < 0 || now < 0 || c < 0 || (size_t)c >= vp->report.m)
        return 0;
    for (int t = 0; t < vp->report.k; t++) {
        const regio_design_territory *tr = &vp->report.territories[t];
        double total = tr->totals[c] + (t == back ? it->measures[c] : 0) -
                       (t == now ? it->measures[c] : 0);
        double target = tr->target[c];
        double dev = target > 0 ? (total - target) / target : 0;
        if (!(fabs(dev) <= tol + 1e-12))
            return 0;
    }
    return 1;
}

regio_err regio_challenge_raise(regio_store *s, const regio_model_view *vf,
                                regio_model_view *vp, const char *user, const char *day,
                                const char *unit, const char *account, const char *reason,
                                long *id_out, int *auto_out, regio_challenge_outcome *outcome,
                                regio_error *err)
{
    if (outcome)
        *outcome = REGIO_CHALLENGE_ERROR;
    if (id_out)
        *id_out = 0;
    if (auto_out)
        *auto_out = 0;
    if (!unit == !account || (unit && !*unit) || (account && !*account))
        return refuse(outcome, REGIO_CHALLENGE_INVALID, err, REGIO_EINVAL,
                      "a challenge names exactly one unit or one account%s%s", "", "");
    int empty = 1;
    char *why = trimmed(reason, &empty);
    if (!why)
        return regio__challenge_oom(err);
    if (empty || strlen(why) > MAX_TEXT) {
        regio_free(why);
        return refuse(outcome, REGIO_CHALLENGE_INVALID, err, REGIO_EINVAL,
                      empty ? "a challenge needs a reason%s%s"
                            : "a reason is at most 2000 bytes%s%s",
                      "", "");
    }
    regio_changes *ch = NULL;
    regio_err rc = regio_challenge_changes(s, vf, vp, user, day, &ch, err);
    if (rc) {
        regio_free(why);
        if (outcome)
            *outcome = rc == REGIO_ENOTFOUND ? REGIO_CHALLENGE_HIDDEN
                       : rc == REGIO_EINVAL  ? REGIO_CHALLENGE_INVALID
                                             : REGIO_CHALLENGE_ERROR;
        return rc;
    }
    const char *item = unit ? unit : account;
    const regio_change *it = NULL;
    for (size_t i = 0; i < ch->n && !it; i++)
        if (ch->items[i].is_account == (account != NULL) && !strcmp(ch->items[i].id, item))
            it = &ch->items[i];
    char what[160];
    snprintf(what, sizeof what, "%s '%.100s'", unit ? "unit" : "account", item);
    if (!it)
        rc = refuse(outcome, REGIO_CHALLENGE_HIDDEN, err, REGIO_ENOTFOUND,
                    "no change of %s in '%s' touches your territories", what, vp->model);
    else if (vp->state != REGIO_MODEL_PLANNING)
        rc = refuse(outcome, REGIO_CHALLENGE_REFUSED, err, REGIO_ECONFLICT,
                    "territory model '%s' is %s: only a planning model's changes are "
                    "challenged",
                    vp->model, regio_model_state_name(vp->state));
    else if (!it->from)
        rc = refuse(outcome, REGIO_CHALLENGE_REFUSED, err, REGIO_ECONFLICT,
                    "%s is in no territory of the model in force: there is nowhere to move it "
                    "back to%s",
                    what, "");
    else if (regio_model_view_leaf(vp, it->from) < 0)
        rc = refuse(outcome, REGIO_CHALLENGE_REFUSED, err, REGIO_ECONFLICT,
                    "territory '%s' is not a territory of '%s' that holds units: the "
                    "counter-move would have nowhere to go",
                    it->from, vp->model);
    else if (it->challenge && it->challenge_state == REGIO_CHALLENGE_OPEN) {
        char num[32];
        snprintf(num, sizeof num, "%ld", it->challenge);
        rc = refuse(outcome, REGIO_CHALLENGE_CLOSED, err, REGIO_ECONFLICT,
                    "you challenge this change already (challenge %s, open)%s", num, "");
    }
    int on = 0;
    double tol = 0;
    if (!rc)
        rc = regio_store_model_auto_approval(s, vp->model, &on, &tol, err);
    int automatic = !rc && on && within_tolerance(vp, it, tol);
    long id = 0;
    if (!rc)
        rc = regio_store_begin(s, err);
    if (!rc) {
        regio_challenge c = {.model = vp->model, .territory = it->territory,
                             .unit = unit, .account = account, .from = it->from, .to = it->to,
                             .raised_by = user, .reason = why};
        rc = regio_store_challenge_add(s, &c, user, &id, err);
        regio_apply_status st = REGIO_APPLY_OK;
        regio_alignment_row row = {0};
        row.unit_id = (char *)unit;
        row.account_id = (char *)account;
        row.territory = it->from;
        long cur = vp->revision;
        if (!rc && automatic)
            rc = regio_store_alignment_revision(s, vp->model, &cur, err);
        if (!rc && automatic) {
            rc = regio_model_view_apply(s, vp, cur, &row, 1, "auto", NULL, &st, err);
            /* A counter-move the store refuses (a locked unit) leaves the
             * challenge open for a manager: only the move was undone. */
            if (rc && st != REGIO_APPLY_ERROR && st != REGIO_APPLY_OK) {
                rc = REGIO_OK;
                regio_error_clear(err);
                automatic = 0;
            }
        }
        if (!rc && automatic) {
            char note[160], pc[64];
            snprintf(note, sizeof note,
                     "after the counter-move every territory is within %s%% of its target "
                     "on %s",
                     regio_format_sig(tol * 100, 4, pc, sizeof pc),
                     ch->measure_names[vp->balance_col]);
            rc = regio_store_challenge_close(s, id, REGIO_CHALLENGE_APPROVED, NULL, note, 1,
                                             "auto", err);
        }
        if (!rc)
            rc = regio_store_commit(s, err);
        else
            regio_store_rollback(s, NULL);
        if (rc && automatic)
            resync(s, vp, user, NULL); /* the view may have followed the undone move */
        if (rc && outcome)
            *outcome = rc == REGIO_EDATA ? REGIO_CHALLENGE_REFUSED : REGIO_CHALLENGE_ERROR;
    }
    if (!rc) {
        if (outcome)
            *outcome = REGIO_CHALLENGE_DONE;
        if (id_out)
            *id_out = id;
        if (auto_out)
            *auto_out = automatic;
    }
    regio_changes_free(ch);
    regio_free(why);
    return rc;
}

/* ---- listing ------------------------------------------------------------------- */

typedef struct listing {
    const regio__member *m;
    int state;
    regio_challenge_view_cb cb;
    void *ud;
} listing;

static int on_listed(void *ud, const regio_challenge *c)
{
    listing *l = ud;
    regio_challenge_rights r;
    regio__member_rights(l->m, c, &r);
    if (!r.sees || (l->state >= 0 && (int)c->state != l->state))
        return 0;
    return l->cb(l->ud, c, &r);
}

regio_err regio_challenges_list(regio_store *s, const char *user, const char *day,
                                const char *model, int state, regio_challenge_view_cb cb,
                                void *ud, regio_error *err)
{
    regio__member m;
    regio_err rc = regio__member_load(s, user, day, &m, err);
    listing l = {&m, state, cb, ud};
    if (!rc)
        rc = regio_store_challenges_foreach(s, model, 0, on_listed, &l, err);
    regio__member_free(&m);
    return rc;
}

/* ---- closing ------------------------------------------------------------------- */

/* One challenge read from the store, with its strings copied. */
typedef struct held {
    regio_challenge c;
    char *model, *territory, *unit, *account, *from, *to, *raised_by;
    int n, failed;
} held;

static char *copy(const char *v, int *failed)
{
    char *d = v ? regio_strdup(v) : NULL;
    *failed |= v && !d;
    return d;
}

static int hold(void *ud, const regio_challenge *c)
{
    held *h = ud;
    h->n++;
    h->c = *c;
    h->c.model = h->model = copy(c->model, &h->failed);
    h->c.territory = h->territory = copy(c->territory, &h->failed);
    h->c.unit = h->unit = copy(c->unit, &h->failed);
    h->c.account = h->account = copy(c->account, &h->failed);
    h->c.from = h->from = copy(c->from, &h->failed);
    h->c.to = h->to = copy(c->to, &h->failed);
    h->c.raised_by = h->raised_by = copy(c->raised_by, &h->failed);
    h->c.reason = h->c.created_at = h->c.decided_by = h->c.decided_at = h->c.note = NULL;
    return 1;
}

static void held_free(held *h)
{
    regio_free(h->model);
    regio_free(h->territory);
    regio_free(h->unit);
    regio_free(h->account);
    regio_free(h->from);
    regio_free(h->to);
    regio_free(h->raised_by);
}

/* The account's unit (a copy, NULL when it has none) read from the store. */
static int on_unit_of(void *ud, const regio_account *a)
{
    char **unit = ud;
    *unit = a->unit_id ? regio_strdup(a->unit_id) : NULL;
    return 0;
}

/*
 * The counter-move of challenge c in view v: *n = 0 when the unit or
 * account is already in c->from, else one row (an account loses its
 * manual move when its unit's territory is c->from). *unit_of receives the
 * account's unit (freed by the caller).
 */
static regio_err counter_move(regio_store *s, const regio_model_view *v, const regio_challenge *c,
                              regio_alignment_row *row, size_t *n, char **unit_of,
                              regio_error *err)
{
    const regio_unitset *us = v->units->loaded.units;
    memset(row, 0, sizeof *row);
    *n = 1;
    if (c->unit) {
        long i = regio_unitset_find(us, c->unit);
        if (i >= 0 && v->labels[i] >= 0 && !strcmp(v->territory[v->labels[i]], c->from))
            *n = 0;
        row->unit_id = (char *)c->unit;
        row->territory = (char *)c->from;
        return REGIO_OK;
    }
    const char *ids[1] = {c->account};
    regio_err rc = regio_store_accounts_get(s, ids, 1, on_unit_of, unit_of, err);
    if (rc)
        return rc;
    long u = *unit_of ? regio_unitset_find(us, *unit_of) : -1;
    const char *unit_t = u >= 0 && v->labels[u] >= 0 ? v->territory[v->labels[u]] : NULL;
    const char *now = unit_t;
    for (size_t j = 0; j < v->n_overrides; j++)
        if (!strcmp(v->overrides[j].account, c->account))
            now = v->overrides[j].territory;
    if (now && !strcmp(now, c->from))
        *n = 0;
    row->account_id = (char *)c->account;
    row->territory = unit_t && !strcmp(unit_t, c->from) ? NULL : (char *)c->from;
    return REGIO_OK;
}

static regio_challenge_outcome apply_outcome(regio_apply_status st)
{
    switch (st) {
    case REGIO_APPLY_STALE: return REGIO_CHALLENGE_STALE;
    case REGIO_APPLY_NOT_FOUND:
    case REGIO_APPLY_NOT_EDITABLE:
    case REGIO_APPLY_LOCKED:
    case REGIO_APPLY_UNKNOWN: return REGIO_CHALLENGE_REFUSED;
    case REGIO_APPLY_INVALID: return REGIO_CHALLENGE_INVALID;
    default: return REGIO_CHALLENGE_ERROR;
    }
}

regio_err regio_challenge_close(regio_store *s, regio_model_view *plan, long id,
                                const char *user, const char *day, regio_challenge_state to,
                                const char *note, long expected_rev, long *revision,
                                regio_challenge_outcome *outcome, regio_error *err)
{
    regio_challenge_outcome dummy;
    if (!outcome)
        outcome = &dummy;
    *outcome = REGIO_CHALLENGE_ERROR;
    if (revision)
        *revision = plan ? plan->revision : -1;
    if (!user || to == REGIO_CHALLENGE_OPEN || (int)to < 0 || (int)to > REGIO_CHALLENGE_WITHDRAWN)
        return refuse(outcome, REGIO_CHALLENGE_INVALID, err, REGIO_EINVAL,
                      "a challenge is approved, rejected or withdrawn by a user%s%s", "", "");
    int empty = 1;
    char *text = trimmed(note, &empty);
    if (!text)
        return regio__challenge_oom(err);
    regio__member m;
    memset(&m, 0, sizeof m);
    held h;
    memset(&h, 0, sizeof h);
    char *unit_of = NULL;
    regio_err rc = strlen(text) > MAX_TEXT
                       ? refuse(outcome, REGIO_CHALLENGE_INVALID, err, REGIO_EINVAL,
                                "a comment is at most 2000 bytes%s%s", "", "")
                       : regio__member_load(s, user, day, &m, err);
    if (rc == REGIO_ENOTFOUND)
        *outcome = REGIO_CHALLENGE_HIDDEN; /* an unknown user */
    if (!rc)
        rc = regio_store_challenges_foreach(s, NULL, id, hold, &h, err);
    if (rc == REGIO_ECANCELLED)
        rc = h.failed ? regio__challenge_oom(err) : REGIO_OK;
    regio_challenge_rights r = {0};
    if (!rc && h.n)
        regio__member_rights(&m, &h.c, &r);
    char num[32];
    snprintf(num, sizeof num, "%ld", id);
    if (rc) {
        /* refused or failed above */
    } else if (!h.n || !r.sees)
        rc = refuse(outcome, REGIO_CHALLENGE_HIDDEN, err, REGIO_ENOTFOUND, "no challenge %s%s",
                    num, "");
    else if (h.c.state != REGIO_CHALLENGE_OPEN)
        rc = refuse(outcome, REGIO_CHALLENGE_CLOSED, err, REGIO_ECONFLICT,
                    "challenge %s is %s already: only an open challenge is decided or withdrawn",
                    num, regio_challenge_state_name(h.c.state));
    else if (to == REGIO_CHALLENGE_WITHDRAWN && !r.may_withdraw)
        rc = refuse(outcome, REGIO_CHALLENGE_FORBIDDEN, err, REGIO_ECONFLICT,
                    "only %s, who raised challenge %s, may withdraw it", h.c.raised_by, num);
    else if (to != REGIO_CHALLENGE_WITHDRAWN && !r.may_decide)
        rc = refuse(outcome, REGIO_CHALLENGE_FORBIDDEN, err, REGIO_ECONFLICT,
                    !strcmp(h.c.raised_by, user)
                        ? "challenge %s is yours: a manager of territory '%s' decides it"
                        : "challenge %s is decided by the managers of territory '%s' and "
                          "users with manage_territories",
                    num, h.c.territory);
    else if (to == REGIO_CHALLENGE_REJECTED && empty)
        rc = refuse(outcome, REGIO_CHALLENGE_INVALID, err, REGIO_EINVAL,
                    "a rejection needs a comment for %s%s", h.c.raised_by, "");
    else if (to == REGIO_CHALLENGE_APPROVED && (!plan || strcmp(plan->model, h.c.model) != 0))
        rc = refuse(outcome, REGIO_CHALLENGE_INVALID, err, REGIO_EINVAL,
                    "approving challenge %s needs its model '%s' loaded", num, h.c.model);
    else if (to == REGIO_CHALLENGE_APPROVED && !h.c.from)
        rc = refuse(outcome, REGIO_CHALLENGE_REFUSED, err, REGIO_ECONFLICT,
                    "challenge %s has no territory to move back to%s", num, "");
    regio_alignment_row row;
    size_t n_rows = 0;
    if (!rc && to == REGIO_CHALLENGE_APPROVED)
        rc = resync(s, plan, user, err);
    if (!rc && to == REGIO_CHALLENGE_APPROVED)
        rc = counter_move(s, plan, &h.c, &row, &n_rows, &unit_of, err);
    long expected = expected_rev;
    if (!rc && to == REGIO_CHALLENGE_APPROVED && expected < 0)
        rc = regio_store_alignment_revision(s, plan->model, &expected, err);
    int began = 0;
    if (!rc)
        began = !(rc = regio_store_begin(s, err));
    if (!rc && to == REGIO_CHALLENGE_APPROVED) {
        /* The move (or, when it is back already, the guard alone) first:
         * a stale revision or a locked unit refuses the whole decision. */
        regio_apply_status st = REGIO_APPLY_OK;
        rc = regio_model_view_apply(s, plan, expected, &row, n_rows, user, NULL, &st, err);
        if (rc)
            *outcome = apply_outcome(st);
    }
    if (!rc) {
        rc = regio_store_challenge_close(s, id, to, to == REGIO_CHALLENGE_WITHDRAWN ? NULL : user,
                                         empty ? NULL : text, 0, user, err);
        if (rc == REGIO_ECONFLICT)
            *outcome = REGIO_CHALLENGE_CLOSED; /* closed meanwhile by another process */
    }
    if (began && !rc)
        rc = regio_store_commit(s, err);
    else if (began)
        regio_store_rollback(s, NULL);
    if (began && rc && plan)
        resync(s, plan, user, NULL); /* the view may have followed the undone move */
    if (!rc)
        *outcome = REGIO_CHALLENGE_DONE;
    if (revision && plan) {
        *revision = plan->revision;
        if (rc)
            regio_store_alignment_revision(s, plan->model, revision, NULL);
    }
    regio__member_free(&m);
    held_free(&h);
    regio_free(unit_of);
    regio_free(text);
    return rc;
}
