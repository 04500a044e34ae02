/*
 * What a planning model changes for a member, and a challenge, as JSON
 * (regio_changes_json, regio_challenge_json): the one rendering the API
 * answers and the CLI prints, so that both give the same answer to the
 * same question.
 */
#include "challenge/challenge_internal.h"

#include <string.h>

static regio_err key(regio_buf *b, int first, const char *k)
{
    regio_err rc = first ? REGIO_OK : regio_buf_putc(b, ',');
    if (!rc)
        rc = regio_buf_json_str(b, k);
    return rc ? rc : regio_buf_putc(b, ':');
}

static regio_err str(regio_buf *b, int first, const char *k, const char *v)
{
    regio_err rc = key(b, first, k);
    return rc ? rc : v ? regio_buf_json_str(b, v) : regio_buf_puts(b, "null");
}

static regio_err num(regio_buf *b, int first, const char *k, double v)
{
    regio_err rc = key(b, first, k);
    return rc ? rc : regio_buf_num(b, v);
}

static regio_err measures(regio_buf *b, const char *k, const regio_changes *c, const double *v)
{
    regio_err rc = key(b, 0, k);
    if (!rc)
        rc = regio_buf_putc(b, '{');
    for (size_t i = 0; !rc && i < c->m; i++)
        rc = num(b, i == 0, c->measure_names[i], v[i]);
    return rc ? rc : regio_buf_putc(b, '}');
}

static const char *name_in(const regio_model_view *v, const char *id)
{
    const regio_model_node *n = v && id ? regio_model_view_node(v, id) : NULL;
    return n ? n->name : NULL;
}

static regio_err territory(regio_buf *b, const regio_changes *c, const regio_change_territory *t)
{
    regio_err rc = regio_buf_putc(b, '{');
    if (!rc)
        rc = str(b, 1, "id", t->id);
    if (!rc)
        rc = str(b, 0, "name", t->name);
    if (!rc)
        rc = regio_buf_puts(b, t->in_plan ? ",\"in_plan\":true" : ",\"in_plan\":false");
    if (!rc)
        rc = measures(b, "before", c, t->before);
    if (!rc)
        rc = measures(b, "after", c, t->after);
    const char *const names[4] = {"units_in", "units_out", "accounts_in", "accounts_out"};
    const long values[4] = {t->units_in, t->units_out, t->accounts_in, t->accounts_out};
    for (int i = 0; !rc && i < 4; i++)
        rc = num(b, 0, names[i], (double)values[i]);
    return rc ? rc : regio_buf_putc(b, '}');
}

static regio_err change(regio_buf *b, const regio_changes *c, const regio_change *it,
                        const regio_model_view *vf, const regio_model_view *vp)
{
    const char *dir = it->from_mine && it->to_mine ? "within" : it->from_mine ? "out" : "in";
    regio_err rc = regio_buf_putc(b, '{');
    if (!rc)
        rc = str(b, 1, "kind", it->is_account ? "account" : "unit");
    if (!rc)
        rc = str(b, 0, "id", it->id);
    if (!rc)
        rc = str(b, 0, "name", it->name);
    if (!rc)
        rc = str(b, 0, "from", it->from);
    if (!rc)
        rc = str(b, 0, "from_name", name_in(vf, it->from));
    if (!rc)
        rc = str(b, 0, "to", it->to);
    if (!rc)
        rc = str(b, 0, "to_name", name_in(vp, it->to));
    if (!rc)
        rc = str(b, 0, "territory", it->territory);
    if (!rc)
        rc = str(b, 0, "direction", dir);
    if (!rc)
        rc = measures(b, "measures", c, it->measures);
    if (!rc && !it->challenge)
        rc = regio_buf_puts(b, ",\"challenge\":null");
    else if (!rc)
        rc = regio_buf_printf(b, ",\"challenge\":{\"id\":%ld,\"status\":\"%s\"}", it->challenge,
                              regio_challenge_state_name(it->challenge_state));
    return rc ? rc : regio_buf_putc(b, '}');
}

regio_err regio_changes_json(const regio_changes *c, const regio_model_view *vf,
                             const regio_model_view *vp, regio_buf *b)
{
    regio_err rc = regio_buf_putc(b, '{');
    if (!rc)
        rc = str(b, 1, "model", c->plan);
    if (!rc)
        rc = str(b, 0, "in_force", c->in_force);
    if (!rc)
        rc = str(b, 0, "user", c->user);
    if (!rc)
        rc = num(b, 0, "revision", (double)c->revision);
    if (!rc)
        rc = regio_buf_printf(b, ",\"auto_approval\":{\"enabled\":%s,\"tolerance\":",
                              c->auto_approve ? "true" : "false");
    if (!rc)
        rc = regio_buf_num(b, c->tolerance);
    if (!rc)
        rc = regio_buf_puts(b, "},\"territories\":[");
    for (size_t i = 0; !rc && i < c->n_territories; i++) {
        if (i)
            rc = regio_buf_putc(b, ',');
        if (!rc)
            rc = territory(b, c, &c->territories[i]);
    }
    if (!rc)
        rc = regio_buf_puts(b, "],\"changes\":[");
    for (size_t i = 0; !rc && i < c->n; i++) {
        if (i)
            rc = regio_buf_putc(b, ',');
        if (!rc)
            rc = change(b, c, &c->items[i], vf, vp);
    }
    return rc ? rc : regio_buf_puts(b, "]}");
}

static regio_err flag(regio_buf *b, const char *k, int v)
{
    regio_err rc = key(b, 0, k);
    return rc ? rc : regio_buf_puts(b, v ? "true" : "false");
}

regio_err regio_challenge_json(const regio_challenge *c, const regio_challenge_rights *r,
                               regio_buf *b)
{
    regio_err rc = regio_buf_putc(b, '{');
    if (!rc)
        rc = num(b, 1, "id", (double)c->id);
    const char *const keys[] = {"model",      "territory", "kind",   "item",
                                "from",       "to",        "raised_by", "reason",
                                "created_at", "status",    "decided_by", "decided_at",
                                "note"};
    const char *const values[] = {c->model,
                                  c->territory,
                                  c->unit ? "unit" : "account",
                                  c->unit ? c->unit : c->account,
                                  c->from,
                                  c->to,
                                  c->raised_by,
                                  c->reason,
                                  c->created_at,
                                  regio_challenge_state_name(c->state),
                                  c->decided_by,
                                  c->decided_at,
                                  c->note};
    for (size_t i = 0; !rc && i < sizeof keys / sizeof keys[0]; i++)
        rc = str(b, 0, keys[i], values[i]);
    if (!rc)
        rc = flag(b, "auto_approved", c->auto_approved);
    if (!rc)
        rc = flag(b, "may_decide", r && r->may_decide);
    if (!rc)
        rc = flag(b, "may_withdraw", r && r->may_withdraw);
    return rc ? rc : regio_buf_putc(b, '}');
}
