/*
 * Private: the rules part of regio import salesforce
 * (io/import_salesforce.c) — territory types from Territory2Type.csv and
 * the assignment rules of ObjectTerritory2AssignmentRule.csv, its items
 * and RuleTerritory2Association.csv. Both write inside the caller's
 * transaction.
 */
#ifndef REGIO_RULES_SALESFORCE_H
#define REGIO_RULES_SALESFORCE_H

#include "regio/import.h"
#include "regio/store.h"

/*
 * regio_import_types with one more rule: a row naming type `skip` (may be
 * NULL) is left out unless the store has a type of that name (the type
 * Salesforce gets for a territory without one). A MasterLabel column,
 * when the file has one and --map does not name the name column, is the
 * type's name (Salesforce's label; its DeveloperName is then not read).
 */
regio_err regio__import_types_skip(regio_store *s, const char *path,
                                   const regio_import_opts *opts, const char *skip,
                                   regio_import_summary *sum, regio_error *err);

/*
 * Reads the three rule files of dir (ObjectTerritory2AssignmentRule.csv,
 * ObjectTerritory2AssignmentRuleItem.csv, RuleTerritory2Association.csv;
 * a missing file has no rows) into Regio rules of model: MasterLabel the
 * name, BooleanFilter the logic, the rule's territory and IsInherited
 * from RuleTerritory2Association, each item a criterion (SortOrder its
 * number; Field and Operation through io/salesforce_map.h; `equals` of a
 * value with commas is `in`). A rule replaces the model's rule of that
 * name in its territory; an unchanged one is not written. Must run in the
 * caller's transaction. The first problem fails with REGIO_EDATA naming
 * the file, line and column. sums[0..2] get the rows of each file and
 * rules added/updated/unchanged in sums[0].
 */
regio_err regio__import_sf_rules(regio_store *s, const char *model, const char *dir,
                                 const char *actor, regio_import_summary sums[3],
                                 regio_error *err);

#endif
