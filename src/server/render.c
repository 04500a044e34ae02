/*
 * JSON renderings shared by the handlers (see render.h). Figures come from
 * regio_design_evaluate, so they are the numbers `regio report` prints.
 */
#include "server/render.h"

#include "regio/model_view.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

json_t *srv_json_str(const char *s) { return s ? json_string(s) : json_null(); }

json_t *srv_json_num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, at most U+10FFFF), 0 when there is none. */
static int utf8_len(const unsigned char *p)
{
    unsigned c = p[0];
    int n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
                       : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    for (int i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) || (c == 0xF0 && p[1] < 0x90) ||
        (c == 0xF4 && p[1] > 0x8F))
        return 0;
    return n;
}

regio_err srv_put_str(regio_buf *b, const char *s)
{
    if (!s)
        return regio_buf_puts(b, "null");
    regio_err rc = regio_buf_putc(b, '"');
    const unsigned char *p = (const unsigned char *)s;
    while (!rc && *p) {
        /* The run that needs no escape goes in at once. */
        const unsigned char *q = p;
        while (*q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\')
            q++;
        if (q > p) {
            rc = regio_buf_append(b, (const char *)p, (size_t)(q - p));
            p = q;
            continue;
        }
        int n = utf8_len(p);
        static const char esc[] = {['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r',
                                   ['\t'] = 't', ['"'] = '"', ['\\'] = '\\'};
        if (!n) { /* not UTF-8: U+FFFD, one a byte */
            rc = regio_buf_puts(b, "\xEF\xBF\xBD");
            p++;
        } else if (n > 1) {
            rc = regio_buf_append(b, (const char *)p, (size_t)n);
            p += n;
        } else if (*p < sizeof esc && esc[*p]) {
            char e[2] = {'\\', esc[*p]};
            rc = regio_buf_append(b, e, 2);
            p++;
        } else {
            rc = regio_buf_printf(b, "\\u%04X", *p);
            p++;
        }
    }
    return rc ? rc : regio_buf_putc(b, '"');
}

regio_err srv_put_num(regio_buf *b, double v)
{
    if (!isfinite(v))
        return regio_buf_puts(b, "null");
    /* jansson's JSON_REAL_PRECISION(12): "%.12g", a ".0" when neither a
     * point nor an exponent shows, the exponent without '+' or leading 0s. */
    char t[40], out[48];
    snprintf(t, sizeof t, "%.12g", v);
    size_t k = 0;
    int point = 0;
    for (const char *p = t; *p; p++) {
        if (*p == '.' || *p == 'e')
            point = 1;
        out[k++] = *p;
        if (*p == 'e') {
            if (p[1] == '+')
                p++;
            else if (p[1] == '-')
                out[k++] = *++p;
            while (p[1] == '0' && p[2])
                p++;
        }
    }
    if (!point) {
        out[k++] = '.';
        out[k++] = '0';
    }
    return regio_buf_append(b, out, k);
}

json_t *srv_model_json(const regio_model_info *m)
{
    return json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:I}", "name", m->name, "state",
                     regio_model_state_name(m->state), "effective_from",
                     srv_json_str(m->effective_from), "created_at", srv_json_str(m->created_at),
                     "parent", srv_json_str(m->parent), "description",
                     srv_json_str(m->description), "revision", (json_int_t)m->alignment_rev);
}

json_t *srv_territory_json(const srv_app *app, const srv_workspace *w, int t)
{
    const regio_design_problem *p = app->units;
    size_t n = p->in.n, m = p->in.m;
    long units = 0, locked = 0;
    for (size_t i = 0; i < n; i++)
        if (w->v->labels[i] == t) {
            units++;
            locked += w->v->locked[i];
        }
    json_t *totals = json_object(), *target = json_object(), *dev = json_object();
    const regio_design_territory *r = w->v->has_report ? &w->v->report.territories[t] : NULL;
    for (size_t c = 0; c < m; c++) {
        const char *name = p->in.measure_names[c];
        double tot = 0;
        if (r) {
            tot = r->totals[c];
        } else {
            for (size_t i = 0; i < n; i++)
                if (w->v->labels[i] == t)
                    tot += p->in.measures[i * m + c];
        }
        json_object_set_new(totals, name, srv_json_num(tot));
        json_object_set_new(target, name, r ? srv_json_num(r->target[c]) : json_null());
        json_object_set_new(dev, name, r ? srv_json_num(r->dev[c]) : json_null());
    }
    return json_pack("{s:s,s:o,s:o,s:o,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o}", "id", w->v->territory[t],
                     "name",
                     srv_json_str(w->v->territory_name[t] ? w->v->territory_name[t]
                                                                           : w->v->territory[t]),
                     "parent",
                     srv_json_str(w->v->territory_parent[t]), "rep",
                     srv_json_str(w->v->territory_rep[t]), "units",
                     (json_int_t)units, "locked_units", (json_int_t)locked, "totals", totals,
                     "target", target, "dev", dev, "travel_km",
                     r ? srv_json_num(r->travel_km) : json_null(), "contiguous",
                     r ? json_boolean(r->contiguous) : json_null(), "components",
                     r ? json_integer(r->n_components) : json_null());
}

json_t *srv_summary_json(const srv_app *app, const srv_workspace *w)
{
    const regio_design_problem *p = app->units;
    size_t n = p->in.n;
    long unaligned = 0;
    for (size_t i = 0; i < n; i++)
        unaligned += w->v->labels[i] < 0;
    json_t *bal = json_object();
    const regio_design_report *r = w->v->has_report ? &w->v->report : NULL;
    for (size_t c = 0; c < p->in.m; c++)
        json_object_set_new(bal, p->in.measure_names[c], r ? srv_json_num(r->balance[c]) : json_null());
    return json_pack("{s:o,s:o,s:o,s:o,s:I,s:I,s:i}", "balance", bal, "travel_km",
                     r ? srv_json_num(r->travel_km) : json_null(), "non_contiguous",
                     r ? json_integer(r->n_noncontiguous) : json_null(), "empty",
                     r ? json_integer(r->n_empty) : json_null(), "units", (json_int_t)n,
                     "unaligned", (json_int_t)unaligned, "territories", w->v->k);
}

json_t *srv_territories_json(const srv_app *app, const srv_workspace *w, const char *balance,
                             srv_response *rs)
{
    const regio_design_problem *p = app->units;
    json_t *measures = json_array(), *bm = json_array();
    for (size_t c = 0; c < p->in.m; c++)
        json_array_append_new(measures, json_string(p->in.measure_names[c]));
    if (!balance || !*balance) {
        json_array_append_new(bm, json_string(p->in.measure_names[app->default_measure]));
    } else {
        const char *s = balance;
        while (*s) {
            const char *e = strchr(s, ',');
            size_t len = e ? (size_t)(e - s) : strlen(s);
            int found = 0;
            for (size_t c = 0; c < p->in.m; c++)
                if (strlen(p->in.measure_names[c]) == len &&
                    !strncmp(p->in.measure_names[c], s, len)) {
                    json_array_append_new(bm, json_string(p->in.measure_names[c]));
                    found = 1;
                }
            if (!found && len) {
                srv_reply_error(rs, 400, "bad_request", "no measure '%.*s' in the units",
                                (int)len, s);
                json_decref(measures);
                json_decref(bm);
                return NULL;
            }
            s = e ? e + 1 : s + len;
        }
    }
    json_t *terrs = json_array(), *hier = json_array();
    for (int t = 0; t < w->v->k; t++)
        json_array_append_new(terrs, srv_territory_json(app, w, t));
    for (size_t h = 0; h < w->v->n_nodes; h++) {
        const regio_model_node *nd = &w->v->nodes[h];
        json_array_append_new(hier, json_pack("{s:s,s:o,s:o,s:o}", "id", nd->id, "name",
                                              srv_json_str(nd->name), "parent",
                                              srv_json_str(nd->parent), "rep",
                                              srv_json_str(nd->rep)));
    }
    return json_pack("{s:s,s:I,s:o,s:o,s:o,s:o,s:o}", "model", w->v->model, "revision",
                     (json_int_t)w->v->revision, "measures", measures, "balance_measures", bm,
                     "summary", srv_summary_json(app, w), "territories", terrs, "hierarchy",
                     hier);
}

/* ---- request fields ---- */

/*
 * Reads the string member key of body into *out (NULL when absent or null
 * and not required). Returns 1 on success, else fills rs with a 400 naming
 * the field and returns 0. is_name adds the model-name rules.
 */
int srv_body_string(json_t *body, const char *key, int required, int is_name,
                       const char **out, srv_response *rs)
{
    json_t *v = json_object_get(body, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (!required)
            return 1;
        srv_reply_error(rs, 400, "bad_request", "\"%s\" (a string) is required", key);
        return 0;
    }
    if (!json_is_string(v)) {
        srv_reply_error(rs, 400, "bad_request", "\"%s\" must be a string", key);
        return 0;
    }
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) {
        srv_reply_error(rs, 400, "bad_request", "\"%s\" must not contain NUL characters", key);
        return 0;
    }
    regio_error err;
    if (is_name && regio_model_name_check(s, &err)) {
        srv_reply_error(rs, 400, "bad_request", "%s", err.msg);
        return 0;
    }
    *out = s;
    return 1;
}

