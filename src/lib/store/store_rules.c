/*
 * The public store functions of assignment rules, territory types and
 * account owners (regio/rules.h): argument checks, then the backend's
 * rules vtable (store/rules_impl.h), with the handle's last-error text kept
 * in step as store.c does for the main table.
 */
#include "store/rules_impl.h"

#include <stdio.h>
#include <string.h>

/* Runs one backend call with a guaranteed error struct and records a
 * failure's text on the handle. */
#define RULES_DISPATCH(s, err, call)                                                   \
    REGIO__SUB_DISPATCH(s, err, rules, "this store has no assignment rules", call)

static regio_err missing(regio_error *err, const char *what)
{
    return regio__store_fail(err, REGIO_EINVAL, "%s: a required argument is missing", what);
}

regio_err regio_store_types_foreach(regio_store *s, regio_territory_type_cb cb, void *ud,
                                    regio_error *err)
{
    if (!cb)
        return missing(err, "territory types");
    RULES_DISPATCH(s, err, types_foreach(s, cb, ud, e_));
}

regio_err regio_store_types_save(regio_store *s, const regio_territory_type *types, size_t n,
                                 const char *actor, size_t *changed, regio_error *err)
{
    if (changed)
        *changed = 0;
    if (n && !types)
        return missing(err, "territory types");
    RULES_DISPATCH(s, err, types_save(s, types, n, actor, changed, e_));
}

regio_err regio_store_territory_set_type(regio_store *s, const char *model, const char *ext_id,
                                         const char *type, const char *actor, regio_error *err)
{
    if (!ext_id)
        return missing(err, "territory type");
    RULES_DISPATCH(s, err, territory_set_type(s, model, ext_id, type, actor, e_));
}

regio_err regio_store_rules_foreach(regio_store *s, const char *model, const char *territory,
                                    regio_rule_cb cb, void *ud, regio_error *err)
{
    if (!cb)
        return missing(err, "rules");
    RULES_DISPATCH(s, err, rules_foreach(s, model, territory, cb, ud, e_));
}

regio_err regio_store_rule_save(regio_store *s, const char *model, const regio_rule_info *r,
                                const char *actor, long *id_out, regio_error *err)
{
    if (id_out)
        *id_out = 0;
    if (!r)
        return missing(err, "rule");
    RULES_DISPATCH(s, err, rule_save(s, model, r, actor, id_out, e_));
}

regio_err regio_store_rule_delete(regio_store *s, const char *model, long id, const char *actor,
                                  regio_error *err)
{
    RULES_DISPATCH(s, err, rule_delete(s, model, id, actor, e_));
}

regio_err regio_store_account_attr_exists(regio_store *s, const char *key, int *exists,
                                          regio_error *err)
{
    if (!key || !exists)
        return missing(err, "custom column");
    *exists = 0;
    RULES_DISPATCH(s, err, attr_exists(s, key, exists, e_));
}

regio_err regio_store_rule_accounts_foreach(regio_store *s, const char *const *fields, size_t n,
                                            regio_rule_account_cb cb, void *ud, regio_error *err)
{
    if (!cb || (n && !fields))
        return missing(err, "rule accounts");
    RULES_DISPATCH(s, err, rule_accounts_foreach(s, fields, n, cb, ud, e_));
}

regio_err regio_store_rule_assocs_foreach(regio_store *s, const char *model,
                                          const char *const *territories, size_t n,
                                          int (*cb)(void *ud, const regio_rule_assoc *a),
                                          void *ud, regio_error *err)
{
    if (!cb || (n && !territories))
        return missing(err, "rule associations");
    RULES_DISPATCH(s, err, rule_assocs_foreach(s, model, territories, n, cb, ud, e_));
}

regio_err regio_store_rule_assocs_apply(regio_store *s, const char *model,
                                        const char *const *territories, size_t n,
                                        const regio_rule_assoc *del, size_t n_del,
                                        const regio_rule_assoc *add, size_t n_add,
                                        const regio_rule_assoc *upd, size_t n_upd,
                                        const char *actor, regio_error *err)
{
    if ((n && !territories) || (n_del && !del) || (n_add && !add) || (n_upd && !upd))
        return missing(err, "rule associations");
    RULES_DISPATCH(s, err, rule_assocs_apply(s, model, territories, n, del, n_del, add, n_add,
                                             upd, n_upd, actor, e_));
}

regio_err regio_store_account_owners_set(regio_store *s, const long long *keys,
                                         const char *const *owners, size_t n, regio_error *err)
{
    if (n && (!keys || !owners))
        return missing(err, "account owners");
    RULES_DISPATCH(s, err, account_owners_set(s, keys, owners, n, e_));
}
