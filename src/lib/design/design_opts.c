/*
 * The options of a design or realign run as text (regio/design_opts.h):
 * the one parse behind `regio design|realign` and the server's jobs.
 */
#include "regio/design_opts.h"
#include "regio/model.h"
#include "regio/strmap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *regio_design_opt_name(regio_opts_style style, const char *key, char *buf, size_t cap)
{
    if (style == REGIO_OPTS_JSON) {
        snprintf(buf, cap, "\"%s\"", key);
        return buf;
    }
    snprintf(buf, cap, "--%s", key);
    for (char *c = buf + 2; *c; c++)
        if (*c == '_')
            *c = '-';
    return buf;
}

regio_err regio_design_tolerances_parse(const char *spec, regio_opts_style style,
                                        const char *const *measure_names,
                                        const int *balance_cols, size_t n_balance, double *def,
                                        double *tols, int *has_named, regio_error *err)
{
    char opt[32], bal[32], buf[1024];
    regio_design_opt_name(style, "tolerance", opt, sizeof opt);
    regio_design_opt_name(style, "balance", bal, sizeof bal);
    if (has_named)
        *has_named = 0;
    size_t spec_len = strlen(spec);
    if (spec_len >= sizeof buf)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "%s is too long", opt);
    memcpy(buf, spec, spec_len + 1);
    int bare = 0, any = 0;
    /* Comma-separated items; empty ones (",,") are skipped. */
    for (char *tok = buf, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next)
            *next++ = '\0';
        if (!*tok)
            continue;
        any = 1;
        char *eq = strchr(tok, '=');
        const char *num = eq ? eq + 1 : tok;
        char *end;
        double v = strtod(num, &end);
        if (end == num || *end || !(v > 0 && v < 1))
            return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                    "%s takes T or MEASURE=T (T between 0 and 1), not '%s'", opt,
                                    tok);
        if (!eq) {
            if (bare++)
                return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                        "%s has more than one bare number", opt);
            *def = v;
            continue;
        }
        *eq = 0;
        if (has_named)
            *has_named = 1;
        if (!measure_names)
            continue;
        size_t i;
        for (i = 0; i < n_balance; i++)
            if (!strcmp(measure_names[balance_cols[i]], tok))
                break;
        if (i == n_balance) {
            char list[512];
            size_t len = 0;
            list[0] = 0;
            for (size_t q = 0; q < n_balance && len < sizeof list; q++)
                len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", q ? ", " : "",
                                        measure_names[balance_cols[q]]);
            return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                    "%s names '%s', which is not a measure of %s (%s)", opt, tok,
                                    bal, list);
        }
        tols[i] = v;
    }
    if (!any)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "%s takes T or MEASURE=T (T between 0 and 1), not '%s'", opt,
                                spec);
    return REGIO_OK;
}

regio_err regio_design_objective_parse(const char *s, regio_opts_style style,
                                       regio_design_objective *out, regio_error *err)
{
    char opt[32];
    if (s && !strcmp(s, "travel"))
        *out = REGIO_DESIGN_MIN_TRAVEL;
    else if (s && !strcmp(s, "diameter"))
        *out = REGIO_DESIGN_MIN_DIAMETER;
    else
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "%s is travel or diameter",
                                regio_design_opt_name(style, "objective", opt, sizeof opt));
    return REGIO_OK;
}

regio_err regio_design_index_weights_parse(const char *list, regio_opts_style style,
                                           size_t n_balance, double *out, regio_error *err)
{
    char opt[32], bal[32];
    regio_design_opt_name(style, "index_weights", opt, sizeof opt);
    regio_design_opt_name(style, "balance", bal, sizeof bal);
    size_t i = 0;
    const char *s = list;
    while (*s && i < n_balance) {
        char *end;
        double w = strtod(s, &end);
        if (end == s || !isfinite(w) || w < 0)
            return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "%s: '%s' is not a weight",
                                    opt, s);
        out[i++] = w;
        if (*end && *end != ',')
            return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "%s: unexpected '%s'", opt,
                                    end);
        s = *end == ',' ? end + 1 : end;
    }
    if (i != n_balance || *s)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "%s needs exactly one weight per %s measure (%zu)", opt, bal,
                                n_balance);
    return REGIO_OK;
}

int regio_design_k_for_capacity(const regio_design_input *in, int col, double capacity)
{
    double total = 0;
    for (size_t i = 0; i < in->n; i++)
        total += in->measures[i * in->m + (size_t)col];
    int k = (int)ceil(total / capacity - 1e-9);
    return k < 1 ? 1 : k;
}

static regio_err share(const char *key, double v, regio_opts_style style, regio_error *err)
{
    char opt[32];
    if (v >= 0 && v <= 1)
        return REGIO_OK;
    return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                            "%s must be a share from 0 to 1 (0 = no cap), not %g",
                            regio_design_opt_name(style, key, opt, sizeof opt), v);
}

regio_err regio_design_numbers_check(const regio_design_params *p, regio_opts_style style,
                                     regio_error *err)
{
    char opt[32];
    if (!(p->time_limit_s >= 0) || !isfinite(p->time_limit_s))
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "%s must be a number of seconds >= 0 (0 = none)",
                                regio_design_opt_name(style, "time_limit", opt, sizeof opt));
    regio_err rc = share("max_moved", p->max_moved_units, style, err);
    if (!rc)
        rc = share("max_moved_weight", p->max_moved_weight, style, err);
    if (rc)
        return rc;
    if (p->n_starts < 0 || p->n_starts > 1000)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "%s takes a number from 1 to 1000",
                                regio_design_opt_name(style, "starts", opt, sizeof opt));
    if (p->k < 0) /* no upper bound: at most the number of units (design) */
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                                "%s takes a whole number from 1",
                                regio_design_opt_name(style, "k", opt, sizeof opt));
    return REGIO_OK;
}

regio_err regio_design_groups_by_attribute(const regio_unitset *us, const char *key,
                                           regio_opts_style style, int *groups, regio_error *err)
{
    char opt[32];
    size_t n = us->n, seen = 0;
    regio_strmap *g = regio_strmap_create(n);
    if (!g)
        return REGIO_ENOMEM;
    regio_err rc = REGIO_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        const regio_unit *u = &us->units[i];
        const char *v = NULL;
        for (size_t a = 0; a < u->n_attrs; a++)
            if (!strcmp(u->attrs[a].key, key))
                v = u->attrs[a].text;
        groups[i] = -1;
        if (!v)
            continue;
        seen++;
        int found;
        long val;
        rc = regio_strmap_put(g, v, (long)regio_strmap_size(g), &found, &val);
        groups[i] = found ? (int)val : (int)regio_strmap_size(g) - 1;
    }
    regio_strmap_destroy(g);
    if (!rc && !seen)
        rc = regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL,
                              "%s: no unit has an attribute '%s'",
                              regio_design_opt_name(style, "keep_whole", opt, sizeof opt), key);
    return rc;
}
