/*
 * The field and operator names of Salesforce's assignment rule items
 * against Regio's (io/salesforce_map.h): two small tables read both ways.
 */
#include "io/salesforce_map.h"

#include "regio/rules.h"
#include "regio/salesforce.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Regio's standard account fields that have an Account field of their
 * own; the others (segment, unit, potential) travel as custom fields. */
static const char *const fields[][2] = {
    {"id", "AccountNumber"},
    {"name", "Name"},
    {"street", "BillingStreet"},
    {"city", "BillingCity"},
    {"region", "BillingState"},
    {"postal_code", "BillingPostalCode"},
    {"country", "BillingCountry"},
    {"owner", "OwnerId"},
    {"industry", "Industry"},
    {"type", "Type"},
    {"annual_revenue", "AnnualRevenue"},
    {"employees", "NumberOfEmployees"},
    {"lat", "BillingLatitude"},
    {"lon", "BillingLongitude"},
};

#define NFIELDS (sizeof fields / sizeof fields[0])

static const char *const ops[][2] = {
    {"equals", "equals"},
    {"not_equals", "notEqual"},
    {"starts_with", "startsWith"},
    {"contains", "contains"},
    {"not_contains", "notContain"},
    {"less_than", "lessThan"},
    {"greater_than", "greaterThan"},
    {"less_or_equal", "lessOrEqual"},
    {"greater_or_equal", "greaterOrEqual"},
    {"in", "equals"}, /* last: "equals" reads back as equals */
};

#define NOPS (sizeof ops / sizeof ops[0])

void regio__sf_field_out(const char *field, char *out, size_t cap)
{
    const char *canon = NULL;
    if (regio_rule_field_standard(field, &canon) != REGIO_RULE_FIELD_CUSTOM && canon)
        for (size_t i = 0; i < NFIELDS; i++)
            if (!strcmp(fields[i][0], canon)) {
                snprintf(out, cap, "Account.%s", fields[i][1]);
                return;
            }
    /* A column named like a custom field already (Score__c, as a Salesforce
     * export names it) keeps its __c; a DeveloperName has single '_'. */
    char base[REGIO__SF_DEV_CAP], dev[REGIO__SF_DEV_CAP];
    const char *f = canon ? canon : field ? field : "";
    size_t n = strlen(f);
    int suffixed = n > 3 && !strcmp(f + n - 3, "__c");
    snprintf(base, sizeof base, "%.*s", (int)(suffixed ? n - 3 : n), f);
    regio_sf_developer_name(base, dev, sizeof dev);
    snprintf(out, cap, "Account.%.40s__c", dev);
}

int regio__sf_field_in(const char *sf, char *out, size_t cap)
{
    static const char prefix[] = "Account.";
    if (cap)
        out[0] = '\0';
    if (!sf || strncasecmp(sf, prefix, sizeof prefix - 1) != 0 || !sf[sizeof prefix - 1])
        return -1;
    const char *f = sf + sizeof prefix - 1;
    for (size_t i = 0; i < NFIELDS; i++)
        if (!strcasecmp(fields[i][1], f)) {
            snprintf(out, cap, "%s", fields[i][0]);
            return 0;
        }
    snprintf(out, cap, "%s", f);
    return 0;
}

const char *regio__sf_op_out(const char *op)
{
    for (size_t i = 0; op && i < NOPS; i++)
        if (!strcmp(ops[i][0], op))
            return ops[i][1];
    return op;
}

const char *regio__sf_op_in(const char *sf)
{
    for (size_t i = 0; sf && i < NOPS; i++)
        if (!strcasecmp(ops[i][1], sf))
            return ops[i][0];
    return NULL;
}

const char *regio__sf_op_list(void)
{
    return "equals, notEqual, startsWith, contains, notContain, lessThan, greaterThan, "
           "lessOrEqual, greaterOrEqual";
}
