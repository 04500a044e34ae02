/*
 * Assignment rules in the store (docs/ACCESS.md rule 9): storing and
 * importing rules, the rule run that swaps a model's `rule` associations
 * for the accounts' matches in one transaction, the live count of a rule
 * being edited, territory types with their priorities, the export of all
 * associations, and account owners from territories (the owner member of
 * each account's primary territory, the one whose type has the highest
 * priority). The rules themselves are regio/rules.h.
 */
#ifndef REGIO_RULE_STORE_H
#define REGIO_RULE_STORE_H

#include "regio/core.h"
#include "regio/import.h"
#include "regio/rules.h"
#include "regio/store.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- territory types ---------------------------------------------------------- */

/* A territory type; strings borrowed. A LOWER priority number is a HIGHER
 * priority (1 comes first); no two types share a number. */
typedef struct regio_territory_type {
    const char *name;
    long priority;
    const char *description; /* or NULL */
    long territories;        /* read only: territories of any model of this type */
} regio_territory_type;

typedef int (*regio_territory_type_cb)(void *ud, const regio_territory_type *t);

/* Calls cb for every territory type by priority. */
REGIO_API regio_err regio_store_types_foreach(regio_store *s, regio_territory_type_cb cb, void *ud,
                                              regio_error *err);

/*
 * Inserts or updates types[0..n) by name in one transaction (priorities may
 * be swapped between them); a priority that another type would still hold
 * afterwards fails with REGIO_ECONFLICT naming both, and nothing changes.
 * *changed (may be NULL) gets how many types were added or changed. Audited
 * as "type.upsert" per changed type. The caller keeps ownership of types.
 */
REGIO_API regio_err regio_store_types_save(regio_store *s, const regio_territory_type *types,
                                           size_t n, const char *actor, size_t *changed,
                                           regio_error *err);

/* Gives territory ext_id of model (NULL: active) the type `type` (NULL: no
 * type). An unknown territory or type fails with REGIO_EDATA naming it.
 * Audited as "territory.type". */
REGIO_API regio_err regio_store_territory_set_type(regio_store *s, const char *model,
                                                   const char *ext_id, const char *type,
                                                   const char *actor, regio_error *err);

/* Territory types from CSV: name,priority[,description] (Salesforce
 * Territory2Type: DeveloperName,Priority,Description). One transaction;
 * the same file twice changes nothing. docs/FORMATS.md. */
REGIO_API regio_err regio_import_types(regio_store *s, const char *path,
                                       const regio_import_opts *opts, regio_import_summary *sum,
                                       regio_error *err);

/* ---- rules in the store ------------------------------------------------------ */

/* Calls cb for every rule of model (NULL: active), or of its territory
 * `territory` only, by territory external id, then rule name. */
REGIO_API regio_err regio_store_rules_foreach(regio_store *s, const char *model,
                                              const char *territory, regio_rule_cb cb, void *ud,
                                              regio_error *err);

/*
 * Stores r in model (NULL: active): a new rule when r->id is 0 (*id_out,
 * may be NULL, gets its id), else replaces rule r->id (its territory,
 * name, logic, flags and all criteria). Only the shape is checked here (a
 * name, 1..10 criteria with field and operator, a known territory, a name
 * not used by another rule of that territory): REGIO_EDATA naming it; a
 * rule id that is not in the model fails with REGIO_ENOTFOUND.
 * regio_rule_save checks the meaning first. Audited as "rule.create" /
 * "rule.update" with before and after. Existing associations stay until
 * the next rule run (rule 9).
 */
REGIO_API regio_err regio_store_rule_save(regio_store *s, const char *model,
                                          const regio_rule_info *r, const char *actor,
                                          long *id_out, regio_error *err);

/* Deletes rule id of model (REGIO_ENOTFOUND when it has none such). The
 * `rule` associations it made stay until the next run (they no longer name
 * a rule). Audited as "rule.delete" with the rule as it was. */
REGIO_API regio_err regio_store_rule_delete(regio_store *s, const char *model, long id,
                                            const char *actor, regio_error *err);

/* Whether some account has a custom column (attribute) named key, exactly:
 * *exists 1 or 0. A criterion may name any such column. */
REGIO_API regio_err regio_store_account_attr_exists(regio_store *s, const char *key, int *exists,
                                                    regio_error *err);

/*
 * Checks r as regio_rule_compile does, and also that every field is a
 * standard field or a custom column some account has, then stores it with
 * regio_store_rule_save. Errors name the criterion ("criterion 2: unknown
 * field 'industy'") and set err->field to "field", "operator", "value",
 * "logic" or "name".
 */
REGIO_API regio_err regio_rule_save(regio_store *s, const char *model, const regio_rule_info *r,
                                    const char *actor, long *id_out, regio_error *err);

/*
 * Rules from CSV into model (NULL: active): one row per criterion with the
 * columns rule,territory,logic,inherit,criterion,field,operator,value
 * (and optionally active). A rule is named by (territory, rule); its rows
 * give its criteria, numbered 1..n without gaps; logic and inherit are
 * given on its first row (later rows leave them empty or repeat them).
 * Each rule of the file replaces the stored rule of that name whole;
 * rules the file does not name are kept. One transaction: an unknown
 * territory, field or operator, an ordering operator on a standard text
 * field, a value that is not a number, a syntax error in the logic or a
 * criterion number out of range fails naming file, line and column, and
 * nothing changes. docs/FORMATS.md.
 */
REGIO_API regio_err regio_import_rules(regio_store *s, const char *path, const char *model,
                                       const regio_import_opts *opts, regio_import_summary *sum,
                                       regio_error *err);

/* Writes the rules of model (NULL: active; territory: only its rules) as
 * the CSV regio_import_rules reads, to path through regio_output_open
 * ("-": standard output); *rows (may be NULL) gets the criteria written. */
REGIO_API regio_err regio_rules_export(regio_store *s, const char *model, const char *territory,
                                       const char *path, size_t *rows, regio_error *err);

/* ---- the rule run ------------------------------------------------------------- */

/* What a rule run should do; strings borrowed. */
typedef struct regio_rules_run_opts {
    const char *model;     /* NULL: the active model */
    const char *territory; /* NULL: the whole model; else this territory and its
                              descendants */
    int dry_run;           /* compute and report, write nothing */
    const char *actor;     /* for the audit log; NULL = "cli" */
} regio_rules_run_opts;

/* The change of one territory of the scope. */
typedef struct regio_rules_territory_change {
    char *territory; /* external id, owned by the report */
    long added;      /* new rule associations */
    long removed;    /* rule associations dropped */
    long matched;    /* rule associations after the run */
} regio_rules_territory_change;

/* What a rule run did (or would do). Free with regio_rules_report_clear. */
typedef struct regio_rules_report {
    long accounts;        /* accounts read */
    long excluded;        /* of which excluded_from_realign (no rule associations) */
    long rules;           /* active rules of the model */
    long territories;     /* territories in the scope */
    long with_rules;      /* of which with effective rules (own or inherited) */
    long added, removed, kept; /* rule associations; kept = unchanged pairs */
    long matched;         /* rule associations of the scope after the run */
    regio_rules_territory_change *changes; /* territories of the scope with added or
                                              removed associations, by external id */
    size_t n_changes;
    double seconds;       /* wall time of the run */
} regio_rules_report;

/*
 * Runs the assignment rules of o->model over every account (docs/ACCESS.md
 * "Matching"): an account matches territory T of the scope when T has
 * effective rules, the account satisfies every active inherited rule
 * (inherit rules of T's proper ancestors) and, when T owns active rules,
 * at least one of them; accounts excluded_from_realign match nothing. In
 * one transaction the scope's `rule` associations become exactly the
 * matches (each naming one rule that matched: T's own lowest id, else the
 * nearest inherited); `manual` and `geo` associations and the alignment
 * are not touched. Audited as "rules.run" (scope, totals, per territory
 * added/removed) unless nothing changed. With o->dry_run nothing is
 * written. An unknown model or territory fails with REGIO_ENOTFOUND, an
 * archived model with REGIO_ECONFLICT; a stored rule that no longer
 * compiles (a field gone) with REGIO_EDATA naming it.
 */
REGIO_API regio_err regio_rules_run(regio_store *s, const regio_rules_run_opts *o,
                                    regio_rules_report *rep, regio_error *err);
REGIO_API void regio_rules_report_clear(regio_rules_report *r);

/*
 * The live count of a rule being edited: r (checked as regio_rule_save
 * checks it; r->territory required) over the accounts of the store.
 * *satisfying gets the accounts that satisfy r alone; *matching those that
 * would match r->territory with r in place (replacing stored rule r->id
 * when non-zero) and its other active rules and inherited rules as stored,
 * excluded accounts left out; *accounts all accounts. Each may be NULL.
 */
REGIO_API regio_err regio_rule_count(regio_store *s, const char *model, const regio_rule_info *r,
                                     long *satisfying, long *matching, long *accounts,
                                     regio_error *err);

/* ---- account associations ------------------------------------------------------ */

/*
 * Writes every account <-> territory association of model (NULL: active)
 * as CSV account,territory,cause to path (regio_output_open; "-" standard
 * output): cause geo (the territory its unit is aligned to, or the one it
 * was moved to by hand), rule and manual, ordered by account, territory
 * and cause (geo, rule, manual). *rows (may be NULL) gets the rows.
 */
REGIO_API regio_err regio_export_associations(regio_store *s, const char *model,
                                              const char *path, size_t *rows, regio_error *err);

/* ---- account owners ------------------------------------------------------------ */

/* One account of an owners assignment that changes or gets no owner;
 * strings owned by the report. */
typedef struct regio_owner_row {
    char *account;
    char *before;    /* its owner before, or NULL */
    char *after;     /* its owner after (NULL: unchanged, see reason) */
    char *territory; /* its primary territory, or NULL */
    char *reason;    /* why it gets no owner (NULL when it gets one) */
} regio_owner_row;

/* What an owners assignment did (or would do). Free with
 * regio_owners_report_clear. */
typedef struct regio_owners_report {
    long accounts;  /* accounts read */
    long assigned;  /* accounts given the owner of their primary territory */
    long changed;   /* of which whose owner changed */
    long named;     /* named accounts (type `named`): owner kept as it is */
    long without;   /* accounts that get no owner (they keep theirs) */
    regio_owner_row *rows; /* the changed accounts and those without an owner,
                              by account external id */
    size_t n_rows;
} regio_owners_report;

/*
 * Gives each account of the store the owner of its primary territory in
 * model (NULL: active): among the territories it is associated with (geo,
 * rule or manual), the one whose territory type has the highest priority
 * (the LOWEST priority number; territories without a type come last), ties
 * by territory name, then id. Its owner is the user of the territory's
 * membership with role `owner` that is active and current today (several:
 * the first by login). Named accounts (account type `named`, any case)
 * keep the owner they have. An account without a territory, whose primary
 * territory has no current owner member, or whose owner member is a
 * disabled user keeps its owner and is listed with the reason. One
 * transaction, audited as "owners.assign" (at most 10,000 changes listed
 * in the record); with dry_run nothing is written. Owners grant access at
 * once (docs/ACCESS.md rule 8).
 */
REGIO_API regio_err regio_owners_assign(regio_store *s, const char *model, int dry_run,
                                        const char *actor, regio_owners_report *rep,
                                        regio_error *err);
REGIO_API void regio_owners_report_clear(regio_owners_report *r);

/* ---- what a rule run reads and writes (the store's side) ------------------------- */

/* An account as a rule run reads it: the store's row key (stable while the
 * account exists), its external id, whether it is excluded from
 * realignment, and values[i] of the i-th field asked for. Valid during the
 * callback. */
typedef struct regio_rule_account {
    long long key;
    const char *id;
    int excluded;
    const regio_rule_value *values;
} regio_rule_account;

typedef int (*regio_rule_account_cb)(void *ud, const regio_rule_account *a);

/* Calls cb for every account by key with the values of fields[0..n)
 * (standard fields by canonical name, anything else a custom column). */
REGIO_API regio_err regio_store_rule_accounts_foreach(regio_store *s, const char *const *fields,
                                                      size_t n, regio_rule_account_cb cb,
                                                      void *ud, regio_error *err);

/* One rule association by account key, territory (an index into the
 * territory list given with it) and rule id (0: none). */
typedef struct regio_rule_assoc {
    long long account;
    long territory;
    long rule;
} regio_rule_assoc;

/* Calls cb for every `rule` association of model (NULL: active) whose
 * territory is one of territories[0..n) (external ids), with its index. */
REGIO_API regio_err regio_store_rule_assocs_foreach(
    regio_store *s, const char *model, const char *const *territories, size_t n,
    int (*cb)(void *ud, const regio_rule_assoc *a), void *ud, regio_error *err);

/*
 * Changes `rule` associations of model (NULL: active): removes del[0..n_del),
 * adds add[0..n_add) (created by actor's user when there is one) and sets
 * the rule of upd[0..n_upd); territories index territories[0..n). One
 * savepoint (or transaction): all or nothing. Nothing else is touched.
 */
REGIO_API regio_err regio_store_rule_assocs_apply(regio_store *s, const char *model,
                                                  const char *const *territories, size_t n,
                                                  const regio_rule_assoc *del, size_t n_del,
                                                  const regio_rule_assoc *add, size_t n_add,
                                                  const regio_rule_assoc *upd, size_t n_upd,
                                                  const char *actor, regio_error *err);

/* Sets the owner (login, NULL clears) of the accounts with row keys
 * keys[0..n) to owners[i]; the import hash is not changed, so importing
 * an unchanged accounts file again keeps it. Unknown keys are skipped. */
REGIO_API regio_err regio_store_account_owners_set(regio_store *s, const long long *keys,
                                                   const char *const *owners, size_t n,
                                                   regio_error *err);

#ifdef __cplusplus
}
#endif
#endif
