/*
 * Files Salesforce loads as they are: a territory model as the Data Loader
 * CSVs of Enterprise Territory Management, with Salesforce's field API
 * names, and an account owner update file. docs/FORMATS.md lists the
 * files, their columns and how to load them.
 */
#ifndef REGIO_SALESFORCE_H
#define REGIO_SALESFORCE_H

#include "regio/core.h"
#include "regio/import.h"
#include "regio/store.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The files regio_export_salesforce writes, in the order Salesforce loads
 * them (parents before the records that refer to them). */
typedef enum regio_sf_file {
    REGIO_SF_TERRITORY2_TYPE,          /* Territory2Type.csv */
    REGIO_SF_TERRITORY2,               /* Territory2.csv */
    REGIO_SF_USER_TERRITORY2,          /* UserTerritory2Association.csv */
    REGIO_SF_OBJECT_TERRITORY2,        /* ObjectTerritory2Association.csv */
    REGIO_SF_ASSIGNMENT_RULE,          /* ObjectTerritory2AssignmentRule.csv */
    REGIO_SF_ASSIGNMENT_RULE_ITEM,     /* ObjectTerritory2AssignmentRuleItem.csv */
    REGIO_SF_RULE_TERRITORY2,          /* RuleTerritory2Association.csv */
    REGIO_SF_ACCOUNT_OWNERS,           /* AccountOwners.csv */
    REGIO_SF_FILE_COUNT_
} regio_sf_file;

/* The file name of f ("Territory2.csv"), or NULL for a value out of range;
 * a static string. */
REGIO_API const char *regio_sf_file_name(regio_sf_file f);

/* The header line of f without its line end ("DeveloperName,MasterLabel,
 * Priority"), or NULL for a value out of range; a static string. */
REGIO_API const char *regio_sf_file_header(regio_sf_file f);

/* Rows written per file (the header not counted). Plain value type. */
typedef struct regio_sf_summary {
    size_t rows[REGIO_SF_FILE_COUNT_];
} regio_sf_summary;

/*
 * Writes the files of regio_sf_file for model (NULL: the model in force)
 * into dir, which is created when it does not exist (its parent must).
 * Everything is read before anything is written, and each file is
 * replaced atomically (regio_output). Territories are named by a
 * DeveloperName made from their external id (letters, digits and single
 * underscores, starting with a letter, at most 80 characters, unique), to
 * which the other files refer. An unknown model fails with
 * REGIO_ENOTFOUND, a dir that cannot be created or written with REGIO_EIO,
 * both with a message in *err. sum (may be NULL) gets the row counts.
 */
REGIO_API regio_err regio_export_salesforce(regio_store *s, const char *model, const char *dir,
                                            regio_sf_summary *sum, regio_error *err);

/* What regio_import_salesforce did, per file of regio_sf_file: rows read
 * and what was added, updated or left as it was (for the rule files: the
 * rules, counted in files[REGIO_SF_ASSIGNMENT_RULE]). AccountOwners.csv is
 * not read: its entry stays zero. Plain value type. */
typedef struct regio_sf_import_summary {
    regio_import_summary files[REGIO_SF_FILE_COUNT_];
} regio_sf_import_summary;

/*
 * Reads a folder regio_export_salesforce wrote (or one laid out the same
 * way) into model, created as a planning model when it does not exist:
 * Territory2Type.csv into the store's territory types (MasterLabel the
 * name; the type Territory, which the export gives territories without a
 * type, is no type unless the store has one of that name), Territory2.csv
 * into the model's territories (their type by Territory2Type.DeveloperName),
 * UserTerritory2Association.csv into memberships,
 * ObjectTerritory2Association.csv into manual associations, and the rule
 * files into rules (regio__import_sf_rules: Salesforce's fields and
 * operations mapped back). One transaction: a missing required file or
 * the first bad line fails naming the file, line and column, and nothing
 * changes; opts->dry_run checks everything and changes nothing. Each file
 * is imported as its own regio import would (the same folder twice
 * changes nothing). sum (may be NULL) gets the counts.
 */
REGIO_API regio_err regio_import_salesforce(regio_store *s, const char *dir, const char *model,
                                            const regio_import_opts *opts,
                                            regio_sf_import_summary *sum, regio_error *err);

/* Writes the Salesforce DeveloperName made from id into out (cap >= 81):
 * runs of characters other than ASCII letters and digits become one '_',
 * leading and trailing '_' are dropped, a name not starting with a letter
 * gets "T_" in front, and it is cut to 80 characters (without a trailing
 * '_'). An id that is already a valid DeveloperName stays as it is. */
REGIO_API void regio_sf_developer_name(const char *id, char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
