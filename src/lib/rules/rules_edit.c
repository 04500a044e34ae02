/*
 * Rules as users write them: the check of a rule against what the store
 * holds (known fields: the standard ones and every custom column some
 * account has) before it is stored, and regio_rule_save, which the API's
 * create and update use.
 */
#include "rules/rules_run.h"

#include <stdio.h>
#include <string.h>

void regio__field_cache_free(regio__field_cache *c)
{
    regio_strmap_destroy(c->known);
    c->known = NULL;
}

static regio_err field_exists(regio_store *s, const char *field, regio__field_cache *cache,
                              int *exists, regio_error *err)
{
    if (regio_rule_field_standard(field, NULL) != REGIO_RULE_FIELD_CUSTOM) {
        *exists = 1;
        return REGIO_OK;
    }
    if (cache && cache->known) {
        long v = regio_strmap_get(cache->known, field);
        if (v >= 0) {
            *exists = (int)v;
            return REGIO_OK;
        }
    }
    regio_err rc = regio_store_account_attr_exists(s, field, exists, err);
    if (!rc && cache) {
        int found = 0;
        long old = 0;
        if ((!cache->known && !(cache->known = regio_strmap_create(16))) ||
            regio_strmap_put(cache->known, field, *exists, &found, &old))
            rc = regio_error_setf(err, REGIO_ENOMEM, NULL, 0, NULL, "out of memory");
    }
    return rc;
}

regio_err regio__rule_check_at(regio_store *s, const regio_rule_info *r,
                               regio__field_cache *cache, int *bad, const char **part,
                               regio_error *err)
{
    int bad_l;
    const char *part_l;
    if (!bad)
        bad = &bad_l;
    if (!part)
        part = &part_l;
    *bad = -1;
    *part = "name";
    if (!r->name || !*r->name)
        return regio_error_setf(err, REGIO_EDATA, NULL, 0, "name", "a rule needs a name");
    for (int i = 0; i < r->n_criteria && i < REGIO_RULE_MAX_CRITERIA; i++) {
        const char *f = r->criteria[i].field;
        *bad = i;
        *part = "field";
        if (!f || !*f)
            return regio_error_setf(err, REGIO_EDATA, NULL, 0, "field",
                                    "criterion %d: the field is empty", i + 1);
        int exists = 0;
        regio_err rc = field_exists(s, f, cache, &exists, err);
        if (rc)
            return rc;
        if (!exists)
            return regio_error_setf(
                err, REGIO_EDATA, NULL, 0, "field",
                "criterion %d: unknown field '%s': neither a standard field of accounts (id, "
                "name, street, city, region, postal_code, country, owner, industry, type, "
                "segment, unit, lat, lon, annual_revenue, employees, potential) nor a custom "
                "column of any account",
                i + 1, f);
    }
    regio__fields fields;
    memset(&fields, 0, sizeof fields);
    regio__rule compiled;
    regio_err rc = regio__rule_compile(r, &fields, &compiled, bad, part, err);
    if (!rc)
        regio__rule_free(&compiled);
    regio__fields_free(&fields);
    return rc;
}

regio_err regio__rule_check(regio_store *s, const regio_rule_info *r, regio__field_cache *cache,
                            regio_error *err)
{
    return regio__rule_check_at(s, r, cache, NULL, NULL, err);
}

regio_err regio_rule_save(regio_store *s, const char *model, const regio_rule_info *r,
                          const char *actor, long *id_out, regio_error *err)
{
    regio_error_clear(err);
    if (!s || !r)
        return regio_error_setf(err, REGIO_EINVAL, NULL, 0, NULL, "no store or no rule");
    regio_err rc = regio__rule_check(s, r, NULL, err);
    if (rc)
        return rc;
    return regio_store_rule_save(s, model, r, actor, id_out, err);
}
