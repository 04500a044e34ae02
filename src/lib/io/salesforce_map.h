/*
 * Regio's rule fields and operators as Salesforce's (Account fields of
 * ObjectTerritory2AssignmentRuleItem.Field, its Operation picklist) and
 * back: the one table regio export salesforce and regio import salesforce
 * both read, so what one writes the other reads.
 */
#ifndef REGIO_IO_SALESFORCE_MAP_H
#define REGIO_IO_SALESFORCE_MAP_H

#include <stddef.h>

/* The type a territory without one has in the files (Salesforce requires
 * a type); on import it stands for no type. */
#define REGIO__SF_DEFAULT_TYPE "Territory"

/* A DeveloperName is at most 80 characters. */
#define REGIO__SF_DEV_CAP 81

/* Writes the Salesforce field of Regio field `field` into out:
 * "Account.BillingState" for region, "Account.NAME__c" for a custom
 * column (NAME its DeveloperName form, cut to 40; kept when it ends in
 * __c already). */
void regio__sf_field_out(const char *field, char *out, size_t cap);

/* Writes the Regio field of Salesforce field `sf` ("Account.X", the
 * object's name and the field's in any case) into out: a standard field's
 * canonical name, else X as written (a custom field, __c kept). Returns
 * -1 (out "") when sf is not an Account field. */
int regio__sf_field_in(const char *sf, char *out, size_t cap);

/* Salesforce's Operation of Regio operator op ("notEqual" for
 * not_equals; `in` is "equals" with the values separated by commas);
 * op itself when unknown. */
const char *regio__sf_op_out(const char *op);

/* The Regio operator of Salesforce Operation `sf` (any case), or NULL. */
const char *regio__sf_op_in(const char *sf);

/* The operations regio__sf_op_in knows, for messages ("equals, notEqual,
 * ..."); a static string. */
const char *regio__sf_op_list(void);

#endif
