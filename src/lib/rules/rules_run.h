/*
 * Private to src/lib/rules, the files that connect the rule engine to the
 * store: a model's territories and compiled rules as a rule run sees them
 * (rules_run.c), and the check of a rule against what the store holds
 * (rules_edit.c), shared by the API's saves, the live count and the import.
 */
#ifndef REGIO_RULES_RUN_H
#define REGIO_RULES_RUN_H

#include "regio/rule_store.h"
#include "regio/strmap.h"
#include "rules/rules_internal.h"

/* A model's territories (by external id, index order = external-id order)
 * and its active rules, compiled. */
typedef struct regio__rule_model {
    char *model;             /* its name */
    regio_model_state state;
    size_t n_terr;
    char **terr;             /* external ids */
    char **terr_name;        /* display names (NULL: none) */
    char **terr_type;        /* type names (NULL: none) */
    long *parent;            /* index of the parent, -1 for a root */
    regio_strmap *terr_map;  /* external id -> index */
    size_t n_rules;
    regio__rule *rules;
    char **rule_name;
    long *rule_terr;
    unsigned char *inherit;
    long *rule_id;
    regio__fields fields;
} regio__rule_model;

/* Loads model (NULL: active): territories, and the active rules but rule
 * skip_id (0: none), plus extra (may be NULL; compiled last). A stored
 * rule that does not compile fails with REGIO_EDATA naming it. */
regio_err regio__rule_model_load(regio_store *s, const char *model, long skip_id,
                                 const regio_rule_info *extra, regio__rule_model *m,
                                 regio_error *err);
void regio__rule_model_free(regio__rule_model *m);

/* Which custom columns exist, asked of the store once each. */
typedef struct regio__field_cache {
    regio_strmap *known; /* key -> 1 exists, 0 does not */
} regio__field_cache;

void regio__field_cache_free(regio__field_cache *c);

/*
 * Checks r as regio_rule_save does: each criterion's field is a standard
 * field or a custom column some account has, then regio_rule_compile's
 * checks. cache may be NULL. On failure *bad (may be NULL) gets the
 * 0-based criterion at fault (-1: the rule itself or its logic) and *part
 * the part ("field", "operator", "value", "logic", "name").
 */
regio_err regio__rule_check_at(regio_store *s, const regio_rule_info *r,
                               regio__field_cache *cache, int *bad, const char **part,
                               regio_error *err);
regio_err regio__rule_check(regio_store *s, const regio_rule_info *r, regio__field_cache *cache,
                            regio_error *err);

/* Every account of the store with its associations in a model: geo (its
 * unit's territory, or its hand move), rule and manual. Territories in
 * external-id order; each account's associations by territory, then cause
 * (0 geo, 1 rule, 2 manual). */
typedef struct regio__assocs {
    char *model;
    size_t n_terr;
    char **terr, **terr_name, **terr_type;
    regio_strmap *terr_map;
    size_t n_acc;
    long long *key;
    char **id, **owner, **type;
    size_t *start;       /* CSR over accounts */
    long *terr_of;
    unsigned char *cause;
} regio__assocs;

regio_err regio__assocs_load(regio_store *s, const char *model, regio__assocs *a,
                             regio_error *err);
void regio__assocs_free(regio__assocs *a);

#endif
