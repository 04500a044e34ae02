/*
 * Private contract between the public store functions of assignment rules,
 * territory types and owners (store_rules.c, declared in regio/rules.h) and
 * a backend: a second vtable the backend's regio__store_ops points to
 * (member `rules`), so that this part of the store grows without touching
 * the main table.
 */
#ifndef REGIO_STORE_RULES_IMPL_H
#define REGIO_STORE_RULES_IMPL_H

#include "regio/rule_store.h"
#include "store/store_impl.h"

typedef struct regio__rules_ops {
    regio_err (*types_foreach)(regio_store *s, regio_territory_type_cb cb, void *ud,
                               regio_error *err);
    regio_err (*types_save)(regio_store *s, const regio_territory_type *types, size_t n,
                            const char *actor, size_t *changed, regio_error *err);
    regio_err (*territory_set_type)(regio_store *s, const char *model, const char *ext_id,
                                    const char *type, const char *actor, regio_error *err);
    regio_err (*rules_foreach)(regio_store *s, const char *model, const char *territory,
                               regio_rule_cb cb, void *ud, regio_error *err);
    regio_err (*rule_save)(regio_store *s, const char *model, const regio_rule_info *r,
                           const char *actor, long *id_out, regio_error *err);
    regio_err (*rule_delete)(regio_store *s, const char *model, long id, const char *actor,
                             regio_error *err);
    regio_err (*attr_exists)(regio_store *s, const char *key, int *exists, regio_error *err);
    regio_err (*rule_accounts_foreach)(regio_store *s, const char *const *fields, size_t n,
                                       regio_rule_account_cb cb, void *ud, regio_error *err);
    regio_err (*rule_assocs_foreach)(regio_store *s, const char *model,
                                     const char *const *territories, size_t n,
                                     int (*cb)(void *ud, const regio_rule_assoc *a), void *ud,
                                     regio_error *err);
    regio_err (*rule_assocs_apply)(regio_store *s, const char *model,
                                   const char *const *territories, size_t n,
                                   const regio_rule_assoc *del, size_t n_del,
                                   const regio_rule_assoc *add, size_t n_add,
                                   const regio_rule_assoc *upd, size_t n_upd, const char *actor,
                                   regio_error *err);
    regio_err (*account_owners_set)(regio_store *s, const long long *keys,
                                    const char *const *owners, size_t n, regio_error *err);
} regio__rules_ops;

/* The SQLite backend's table (sqlite_rules.c). */
extern const regio__rules_ops regio__sq_rules_ops;
/* The PostgreSQL backend's table (pg_rules.c). */
extern const regio__rules_ops regio__pg_rules_ops;

#endif
