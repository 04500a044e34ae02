/*
 * Column look-up for the files of the rules part (rules, territory types):
 * a header cell names a column when, ignoring case, spaces, '_', '-' and
 * '.', it equals the column's name or one of its aliases; --map overrides
 * win. See rules_io.h.
 */
#include "rules/rules_io.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* s without case, spaces, '_', '-', '.' into out (cap bytes). */
static void squash(const char *s, char *out, size_t cap)
{
    size_t k = 0;
    for (; s && *s && k + 1 < cap; s++) {
        char c = *s;
        if (c == ' ' || c == '_' || c == '-' || c == '.' || c == '\t' || (unsigned char)c == 0xEF ||
            (unsigned char)c == 0xBB || (unsigned char)c == 0xBF)
            continue;
        out[k++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    out[k] = '\0';
}

static int names(const regio__col_spec *sp, const char *header)
{
    char h[256], a[256];
    squash(header, h, sizeof h);
    squash(sp->name, a, sizeof a);
    if (!strcmp(h, a))
        return 1;
    for (int i = 0; i < 6 && sp->aliases[i]; i++) {
        squash(sp->aliases[i], a, sizeof a);
        if (!strcmp(h, a))
            return 1;
    }
    return 0;
}

regio_err regio__columns_find(const char *path, const regio__table *t, const char *what,
                              const regio__col_spec *spec, size_t n, const char *const *maps,
                              size_t n_maps, long *col, regio_error *err)
{
    size_t nc = regio__table_ncols(t);
    const char *const *hdr = regio__table_header(t);
    for (size_t i = 0; i < n; i++)
        col[i] = -1;
    /* Overrides first: SOURCE=NAME. */
    unsigned char taken[512];
    memset(taken, 0, sizeof taken);
    for (size_t m = 0; m < n_maps; m++) {
        const char *eq = strchr(maps[m], '=');
        if (!eq || eq == maps[m] || !eq[1])
            return regio_error_setf(err, REGIO_EINVAL, path, 0, NULL,
                                    "--map '%s' is not SOURCE=FIELD", maps[m]);
        size_t sl = (size_t)(eq - maps[m]);
        long c = -1;
        for (size_t k = 0; k < nc; k++)
            if (strlen(hdr[k]) == sl && !strncasecmp(hdr[k], maps[m], sl))
                c = (long)k;
        size_t i = 0;
        while (i < n && strcasecmp(spec[i].name, eq + 1) != 0)
            i++;
        if (c < 0)
            return regio_error_setf(err, REGIO_EINVAL, path, 0, NULL,
                                    "--map '%s': the file has no column '%.*s'", maps[m], (int)sl,
                                    maps[m]);
        if (i == n)
            return regio_error_setf(err, REGIO_EINVAL, path, 0, NULL,
                                    "--map '%s': unknown field '%s'", maps[m], eq + 1);
        col[i] = c;
        if ((size_t)c < sizeof taken)
            taken[c] = 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (col[i] >= 0)
            continue;
        for (size_t k = 0; k < nc; k++) {
            if ((k < sizeof taken && taken[k]) || !names(&spec[i], hdr[k]))
                continue;
            if (col[i] >= 0) {
                regio_error_setf(err, REGIO_EDATA, path, 1, hdr[k],
                                 "columns '%s' and '%s' both name the %s column", hdr[col[i]],
                                 hdr[k], spec[i].name);
                return REGIO_EDATA;
            }
            col[i] = (long)k;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (col[i] >= 0 || !spec[i].required)
            continue;
        char alts[256] = "";
        size_t at = 0;
        for (int a = 0; a < 6 && spec[i].aliases[a] && at < sizeof alts; a++)
            at += (size_t)snprintf(alts + at, sizeof alts - at, ", %s", spec[i].aliases[a]);
        return regio_error_setf(err, REGIO_EDATA, path, 1, spec[i].name,
                                "no %s column in the %s: expected one of %s%s (or name a column "
                                "with --map COLUMN=%s)",
                                spec[i].name, what, spec[i].name, alts, spec[i].name);
    }
    return REGIO_OK;
}

int regio__parse_flag(const char *s, int dflt, int *v)
{
    static const char *const yes[] = {"true", "1", "yes"}, *const no[] = {"false", "0", "no"};
    if (!s || !*s) {
        *v = dflt;
        return 0;
    }
    for (int i = 0; i < 3; i++) {
        if (!strcasecmp(s, yes[i])) {
            *v = 1;
            return 0;
        }
        if (!strcasecmp(s, no[i])) {
            *v = 0;
            return 0;
        }
    }
    return -1;
}

void regio__file_rule_info(const regio__file_rule *r, regio_rule_info *ri)
{
    memset(ri, 0, sizeof *ri);
    ri->id = r->id;
    ri->territory = r->territory;
    ri->name = r->name;
    ri->logic = r->logic;
    ri->inherit = r->inherit;
    ri->active = r->active;
    ri->n_criteria = r->n;
    for (int i = 0; i < r->n; i++)
        ri->criteria[i] = (regio_rule_criterion){r->field[i], r->op[i], r->value[i]};
}

void regio__file_rule_free(regio__file_rule *r)
{
    regio_free(r->territory);
    regio_free(r->name);
    regio_free(r->logic);
    for (int k = 0; k < REGIO_RULE_MAX_CRITERIA; k++) {
        regio_free(r->field[k]);
        regio_free(r->op[k]);
        regio_free(r->value[k]);
    }
}
