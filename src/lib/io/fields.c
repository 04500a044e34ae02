/*
 * Header mapping: recognises the column names CRMs (Salesforce, HubSpot)
 * and spreadsheets use for account, rep and unit fields and for the rows
 * of the organisation (roles, users, territories, memberships,
 * associations), applies the user's --map overrides and reports clashing
 * or missing columns. Matching ignores case, spaces, '_', '-', '.' and '/'
 * and never allocates.
 */
#include "regio/fields.h"

#include "regio/buf.h"
#include "core/error.h"

#include <stdio.h>
#include <string.h>

static const char *const field_names[REGIO_F_COUNT_] = {
    "id",       "name",       "street",         "city",      "region",
    "postal_code", "country", "lat",            "lon",       "owner",
    "industry", "type",       "segment",        "annual_revenue",
    "employees", "potential", "unit_id",        "email",     "capacity",
    "skills",   "day_start",  "day_end",        "manager",   "x",
    "y",        "parent",     "role",           "permissions", "active",
    "account_access", "rep",  "user",           "territory", "account",
    "start",    "end",        "date",           "amount",    "status",
    "probability", "product", "is_won",         "is_closed", "stage",
    "period",   "duration_min", "outcome",
};

#define E_A 1u /* account */
#define E_R 2u /* rep */
#define E_U 4u /* unit */
#define E_RO 8u /* role */
#define E_US 16u /* user */
#define E_T 32u /* territory */
#define E_M 64u /* membership */
#define E_AS 128u /* association */
#define E_SA 256u /* sales line */
#define E_Q 512u /* quota */
#define E_AC 1024u /* activity */

/* Which fields each entity has (mirrors model.h and org.h). A role's or a
 * territory's id is the record id of a CRM export (Salesforce's Id), which
 * its parent column may refer to; see regio_header_map_build for the
 * columns each entity requires. */
static const unsigned field_entities[REGIO_F_COUNT_] = {
    [REGIO_F_ID] = E_A | E_R | E_U | E_RO | E_T | E_SA | E_AC,
    [REGIO_F_NAME] = E_A | E_R | E_U | E_RO | E_US | E_T,
    [REGIO_F_STREET] = E_A,
    [REGIO_F_CITY] = E_A | E_R,
    [REGIO_F_REGION] = E_A | E_R,
    [REGIO_F_POSTAL_CODE] = E_A | E_R,
    [REGIO_F_COUNTRY] = E_A | E_R,
    [REGIO_F_LAT] = E_A | E_R | E_U | E_AC,
    [REGIO_F_LON] = E_A | E_R | E_U | E_AC,
    [REGIO_F_OWNER] = E_A,
    [REGIO_F_INDUSTRY] = E_A,
    [REGIO_F_TYPE] = E_A | E_T | E_AC,
    [REGIO_F_SEGMENT] = E_A,
    [REGIO_F_ANNUAL_REVENUE] = E_A,
    [REGIO_F_EMPLOYEES] = E_A,
    [REGIO_F_POTENTIAL] = E_A,
    [REGIO_F_UNIT_ID] = E_A,
    [REGIO_F_EMAIL] = E_R | E_US,
    [REGIO_F_CAPACITY] = E_R,
    [REGIO_F_SKILLS] = E_R,
    [REGIO_F_DAY_START] = E_R,
    [REGIO_F_DAY_END] = E_R,
    [REGIO_F_MANAGER] = E_R,
    [REGIO_F_X] = E_U,
    [REGIO_F_Y] = E_U,
    [REGIO_F_PARENT] = E_RO | E_T,
    [REGIO_F_ROLE] = E_RO | E_US | E_M,
    [REGIO_F_PERMISSIONS] = E_US,
    [REGIO_F_ACTIVE] = E_US | E_M,
    [REGIO_F_ACCOUNT_ACCESS] = E_T,
    [REGIO_F_REP] = E_T | E_SA,
    [REGIO_F_USER] = E_US | E_M | E_AC,
    [REGIO_F_TERRITORY] = E_T | E_M | E_AS | E_Q,
    [REGIO_F_ACCOUNT] = E_AS | E_SA | E_AC,
    [REGIO_F_START] = E_M,
    [REGIO_F_END] = E_M,
    [REGIO_F_DATE] = E_SA | E_AC,
    [REGIO_F_AMOUNT] = E_SA | E_Q,
    [REGIO_F_STATUS] = E_SA,
    [REGIO_F_PROBABILITY] = E_SA,
    [REGIO_F_PRODUCT] = E_SA,
    [REGIO_F_IS_WON] = E_SA,
    [REGIO_F_IS_CLOSED] = E_SA,
    [REGIO_F_STAGE] = E_SA,
    [REGIO_F_PERIOD] = E_Q,
    [REGIO_F_DURATION] = E_AC,
    [REGIO_F_OUTCOME] = E_AC,
};

typedef struct alias {
    const char *name; /* as users see it; compared normalised */
    regio_field field;
    unsigned entities;
} alias;

/*
 * Known header spellings. Canonical names match through field_names, so
 * only other spellings are listed. Salesforce Shipping* columns are
 * deliberately absent: they stay custom attributes.
 */
static const alias aliases[] = {
    /* id */
    {"Account ID", REGIO_F_ID, E_A},
    {"Record ID", REGIO_F_ID, E_A | E_R},
    {"Company ID", REGIO_F_ID, E_A},
    {"Customer ID", REGIO_F_ID, E_A},
    {"External ID", REGIO_F_ID, E_A | E_R | E_U},
    {"Rep ID", REGIO_F_ID, E_R},
    {"User ID", REGIO_F_ID, E_R},
    {"Employee ID", REGIO_F_ID, E_R},
    {"Sales Rep ID", REGIO_F_ID, E_R},
    {"unit_id", REGIO_F_ID, E_U},
    {"unit", REGIO_F_ID, E_U},
    {"GEOID", REGIO_F_ID, E_U},
    {"GEOID10", REGIO_F_ID, E_U},
    {"GEOID20", REGIO_F_ID, E_U},
    {"FIPS", REGIO_F_ID, E_U},
    {"FIPS code", REGIO_F_ID, E_U},
    {"zip", REGIO_F_ID, E_U},
    {"zipcode", REGIO_F_ID, E_U},
    {"ZCTA", REGIO_F_ID, E_U},
    {"ZCTA5", REGIO_F_ID, E_U},
    {"postal code", REGIO_F_ID, E_U},
    {"code", REGIO_F_ID, E_U},
    /* name */
    {"Account Name", REGIO_F_NAME, E_A},
    {"Company name", REGIO_F_NAME, E_A},
    {"Company", REGIO_F_NAME, E_A},
    {"Customer name", REGIO_F_NAME, E_A},
    {"Customer", REGIO_F_NAME, E_A},
    {"Rep name", REGIO_F_NAME, E_R},
    {"Full name", REGIO_F_NAME, E_R | E_US},
    {"Display name", REGIO_F_NAME, E_US},
    {"Unit name", REGIO_F_NAME, E_U},
    /* street */
    {"BillingStreet", REGIO_F_STREET, E_A},
    {"Street Address", REGIO_F_STREET, E_A},
    {"Address", REGIO_F_STREET, E_A},
    {"Address 1", REGIO_F_STREET, E_A},
    {"Address Line 1", REGIO_F_STREET, E_A},
    /* city */
    {"BillingCity", REGIO_F_CITY, E_A},
    {"Town", REGIO_F_CITY, E_A | E_R},
    {"Home City", REGIO_F_CITY, E_R},
    /* region */
    {"BillingState", REGIO_F_REGION, E_A},
    {"Billing State/Province", REGIO_F_REGION, E_A},
    {"State", REGIO_F_REGION, E_A | E_R},
    {"Province", REGIO_F_REGION, E_A | E_R},
    {"State/Region", REGIO_F_REGION, E_A | E_R},
    {"State/Province", REGIO_F_REGION, E_A | E_R},
    /* postal_code */
    {"BillingPostalCode", REGIO_F_POSTAL_CODE, E_A},
    {"Billing Zip/Postal Code", REGIO_F_POSTAL_CODE, E_A},
    {"Zip", REGIO_F_POSTAL_CODE, E_A | E_R},
    {"Zipcode", REGIO_F_POSTAL_CODE, E_A | E_R},
    {"Zip/Postal Code", REGIO_F_POSTAL_CODE, E_A | E_R},
    {"Postcode", REGIO_F_POSTAL_CODE, E_A | E_R},
    {"PLZ", REGIO_F_POSTAL_CODE, E_A | E_R},
    /* country */
    {"BillingCountry", REGIO_F_COUNTRY, E_A},
    {"Country code", REGIO_F_COUNTRY, E_A | E_R},
    {"Country/Region", REGIO_F_COUNTRY, E_A | E_R},
    /* lat / lon ("y"/"x" only where coordinates are geographic) */
    {"Latitude", REGIO_F_LAT, E_A | E_R | E_U},
    {"BillingLatitude", REGIO_F_LAT, E_A},
    {"y", REGIO_F_LAT, E_A | E_R},
    {"Home lat", REGIO_F_LAT, E_R},
    {"Home latitude", REGIO_F_LAT, E_R},
    {"INTPTLAT", REGIO_F_LAT, E_U},
    {"INTPTLAT10", REGIO_F_LAT, E_U},
    {"INTPTLAT20", REGIO_F_LAT, E_U},
    {"Centroid lat", REGIO_F_LAT, E_U},
    {"Longitude", REGIO_F_LON, E_A | E_R | E_U},
    {"lng", REGIO_F_LON, E_A | E_R | E_U},
    {"long", REGIO_F_LON, E_A | E_R | E_U},
    {"BillingLongitude", REGIO_F_LON, E_A},
    {"x", REGIO_F_LON, E_A | E_R},
    {"Home lon", REGIO_F_LON, E_R},
    {"Home lng", REGIO_F_LON, E_R},
    {"Home longitude", REGIO_F_LON, E_R},
    {"INTPTLON", REGIO_F_LON, E_U},
    {"INTPTLON10", REGIO_F_LON, E_U},
    {"INTPTLON20", REGIO_F_LON, E_U},
    {"Centroid lon", REGIO_F_LON, E_U},
    /* owner */
    {"OwnerId", REGIO_F_OWNER, E_A},
    {"Account Owner", REGIO_F_OWNER, E_A},
    {"Company owner", REGIO_F_OWNER, E_A},
    {"HubSpot Owner", REGIO_F_OWNER, E_A},
    {"Rep", REGIO_F_OWNER, E_A},
    {"Rep ID", REGIO_F_OWNER, E_A},
    {"Sales Rep", REGIO_F_OWNER, E_A},
    /* type, segment */
    {"Account Type", REGIO_F_TYPE, E_A},
    {"Territory type", REGIO_F_TYPE, E_T},
    {"Tier", REGIO_F_SEGMENT, E_A},
    {"ABC", REGIO_F_SEGMENT, E_A},
    {"ABC class", REGIO_F_SEGMENT, E_A},
    {"Customer segment", REGIO_F_SEGMENT, E_A},
    /* numbers */
    {"AnnualRevenue", REGIO_F_ANNUAL_REVENUE, E_A},
    {"Revenue", REGIO_F_ANNUAL_REVENUE, E_A},
    {"NumberOfEmployees", REGIO_F_EMPLOYEES, E_A},
    {"Employee count", REGIO_F_EMPLOYEES, E_A},
    {"Headcount", REGIO_F_EMPLOYEES, E_A},
    {"Sales potential", REGIO_F_POTENTIAL, E_A},
    {"Unit", REGIO_F_UNIT_ID, E_A},
    {"Territory unit", REGIO_F_UNIT_ID, E_A},
    {"Geo unit", REGIO_F_UNIT_ID, E_A},
    /* rep-only */
    {"Email address", REGIO_F_EMAIL, E_R | E_US},
    {"Workload capacity", REGIO_F_CAPACITY, E_R},
    {"Skill", REGIO_F_SKILLS, E_R},
    {"Work start", REGIO_F_DAY_START, E_R},
    {"Start time", REGIO_F_DAY_START, E_R},
    {"Shift start", REGIO_F_DAY_START, E_R},
    {"Work end", REGIO_F_DAY_END, E_R},
    {"End time", REGIO_F_DAY_END, E_R},
    {"Shift end", REGIO_F_DAY_END, E_R},
    {"Manager ID", REGIO_F_MANAGER, E_R},
    {"ReportsToId", REGIO_F_MANAGER, E_R},
    {"Reports to", REGIO_F_MANAGER, E_R},
    /* the organisation: Salesforce's UserRole, User, Territory2,
     * UserTerritory2Association and ObjectTerritory2Association exports
     * (relationship columns such as Territory2.DeveloperName included) */
    {"DeveloperName", REGIO_F_ROLE, E_RO},
    {"Role name", REGIO_F_ROLE, E_RO | E_US},
    {"User role", REGIO_F_ROLE, E_US},
    {"UserRole.Name", REGIO_F_ROLE, E_US},
    {"RoleInTerritory2", REGIO_F_ROLE, E_M},
    {"Role in territory", REGIO_F_ROLE, E_M},
    {"ParentRoleId", REGIO_F_PARENT, E_RO},
    {"Parent role", REGIO_F_PARENT, E_RO},
    {"Reports to", REGIO_F_PARENT, E_RO},
    {"Username", REGIO_F_USER, E_US | E_M},
    {"Login", REGIO_F_USER, E_US | E_M},
    {"UserId", REGIO_F_USER, E_M},
    {"User.Username", REGIO_F_USER, E_M},
    {"Permission", REGIO_F_PERMISSIONS, E_US},
    {"IsActive", REGIO_F_ACTIVE, E_US | E_M},
    {"Enabled", REGIO_F_ACTIVE, E_US},
    {"DeveloperName", REGIO_F_TERRITORY, E_T},
    {"Territory2Id", REGIO_F_TERRITORY, E_M | E_AS},
    {"Territory2.DeveloperName", REGIO_F_TERRITORY, E_M | E_AS},
    {"ParentTerritory2Id", REGIO_F_PARENT, E_T},
    {"ParentTerritory2.DeveloperName", REGIO_F_PARENT, E_T},
    {"Parent territory", REGIO_F_PARENT, E_T},
    {"AccountAccessLevel", REGIO_F_ACCOUNT_ACCESS, E_T},
    {"Access level", REGIO_F_ACCOUNT_ACCESS, E_T},
    {"Rep ID", REGIO_F_REP, E_T},
    {"ObjectId", REGIO_F_ACCOUNT, E_AS},
    {"Account ID", REGIO_F_ACCOUNT, E_AS},
    {"Start date", REGIO_F_START, E_M},
    {"End date", REGIO_F_END, E_M},
    /* goals and results: Salesforce Opportunity and Task/Event exports,
     * HubSpot deal and activity exports */
    {"Opportunity ID", REGIO_F_ID, E_SA},
    {"Record ID", REGIO_F_ID, E_SA | E_AC},
    {"Deal ID", REGIO_F_ID, E_SA},
    {"Activity ID", REGIO_F_ID, E_AC},
    {"client_id", REGIO_F_ID, E_AC},
    {"AccountId", REGIO_F_ACCOUNT, E_SA | E_AC},
    {"Account ID", REGIO_F_ACCOUNT, E_SA | E_AC},
    {"Associated Company ID", REGIO_F_ACCOUNT, E_SA | E_AC},
    {"Company ID", REGIO_F_ACCOUNT, E_SA | E_AC},
    {"WhatId", REGIO_F_ACCOUNT, E_AC},
    {"CloseDate", REGIO_F_DATE, E_SA},
    {"Close Date", REGIO_F_DATE, E_SA},
    {"Order date", REGIO_F_DATE, E_SA},
    {"ActivityDate", REGIO_F_DATE, E_AC},
    {"Activity date", REGIO_F_DATE, E_AC},
    {"Probability (%)", REGIO_F_PROBABILITY, E_SA},
    {"IsWon", REGIO_F_IS_WON, E_SA},
    {"IsClosed", REGIO_F_IS_CLOSED, E_SA},
    {"StageName", REGIO_F_STAGE, E_SA},
    {"Deal Stage", REGIO_F_STAGE, E_SA},
    {"Owner", REGIO_F_REP, E_SA},
    {"OwnerId", REGIO_F_REP, E_SA},
    {"Deal owner", REGIO_F_REP, E_SA},
    {"OwnerId", REGIO_F_USER, E_AC},
    {"Activity assigned to", REGIO_F_USER, E_AC},
    {"Rep", REGIO_F_USER, E_AC},
    {"Activity type", REGIO_F_TYPE, E_AC},
    {"duration", REGIO_F_DURATION, E_AC},
    {"DurationInMinutes", REGIO_F_DURATION, E_AC},
    {"Territory2.DeveloperName", REGIO_F_TERRITORY, E_Q},
    {"Quota", REGIO_F_AMOUNT, E_Q},
};

struct regio_header_map {
    regio_entity ent;
    size_t n;
    regio_field *fields;
    char **attr;              /* per column, custom attribute name or NULL */
    long col_of[REGIO_F_COUNT_];
};

static unsigned entity_bit(regio_entity ent)
{
    switch (ent) {
    case REGIO_ENTITY_ACCOUNT: return E_A;
    case REGIO_ENTITY_REP: return E_R;
    case REGIO_ENTITY_UNIT: return E_U;
    case REGIO_ENTITY_ROLE: return E_RO;
    case REGIO_ENTITY_USER: return E_US;
    case REGIO_ENTITY_TERRITORY: return E_T;
    case REGIO_ENTITY_MEMBERSHIP: return E_M;
    case REGIO_ENTITY_ASSOCIATION: return E_AS;
    case REGIO_ENTITY_SALE: return E_SA;
    case REGIO_ENTITY_QUOTA: return E_Q;
    case REGIO_ENTITY_ACTIVITY: return E_AC;
    }
    return 0;
}

const char *regio_field_name(regio_field f)
{
    if ((int)f < 0 || f >= REGIO_F_COUNT_)
        return NULL;
    return field_names[f];
}

const char *regio_entity_name(regio_entity ent)
{
    switch (ent) {
    case REGIO_ENTITY_ACCOUNT: return "account";
    case REGIO_ENTITY_REP: return "rep";
    case REGIO_ENTITY_UNIT: return "unit";
    case REGIO_ENTITY_ROLE: return "role";
    case REGIO_ENTITY_USER: return "user";
    case REGIO_ENTITY_TERRITORY: return "territory";
    case REGIO_ENTITY_MEMBERSHIP: return "membership";
    case REGIO_ENTITY_ASSOCIATION: return "association";
    case REGIO_ENTITY_SALE: return "sales line";
    case REGIO_ENTITY_QUOTA: return "quota";
    case REGIO_ENTITY_ACTIVITY: return "activity";
    }
    return "unknown";
}

int regio_field_applies(regio_entity ent, regio_field f)
{
    if ((int)f < 0 || f >= REGIO_F_COUNT_)
        return 0;
    return (field_entities[f] & entity_bit(ent)) != 0;
}

static int is_ws(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' ||
           ch == '\f';
}

static int ignored(unsigned char ch)
{
    return is_ws(ch) || ch == '_' || ch == '-' || ch == '.' || ch == '/';
}

static unsigned char fold(unsigned char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch - 'A' + 'a') : ch;
}

/* Skips a leading UTF-8 BOM and white space; *len gets the trimmed length. */
static const char *trim(const char *s, size_t *len)
{
    if ((unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
        (unsigned char)s[2] == 0xBF)
        s += 3;
    while (is_ws((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && is_ws((unsigned char)s[n - 1]))
        n--;
    *len = n;
    return s;
}

/* Compares a (alen bytes) and b (NUL-terminated) after normalisation. */
static int norm_eq(const char *a, size_t alen, const char *b)
{
    size_t i = 0;
    const unsigned char *ua = (const unsigned char *)a;
    const unsigned char *ub = (const unsigned char *)b;
    for (;;) {
        while (i < alen && ignored(ua[i]))
            i++;
        while (*ub && ignored(*ub))
            ub++;
        if (i == alen || !*ub)
            return i == alen && !*ub;
        if (fold(ua[i]) != fold(*ub))
            return 0;
        i++;
        ub++;
    }
}

/* Normalised text must be non-empty to match anything. */
static int norm_empty(const char *a, size_t alen)
{
    for (size_t i = 0; i < alen; i++)
        if (!ignored((unsigned char)a[i]))
            return 0;
    return 1;
}

/* True when s starts with "attr:" in any case. */
static int norm_prefix_attr(const char *s)
{
    static const char want[] = "attr:";
    for (size_t i = 0; i < 5; i++)
        if (fold((unsigned char)s[i]) != (unsigned char)want[i])
            return 0;
    return 1;
}

/* Compares an already normalised key with name, normalising name on the
 * fly. */
static int key_eq(const char *key, const char *name)
{
    const unsigned char *k = (const unsigned char *)key;
    const unsigned char *u = (const unsigned char *)name;
    for (;;) {
        while (*u && ignored(*u))
            u++;
        if (!*k || !*u)
            return !*k && !*u;
        if (*k != fold(*u))
            return 0;
        k++;
        u++;
    }
}

#define KEY_MAX 64 /* longer than any alias once normalised */

static regio_field match_header(regio_entity ent, const char *h, size_t len)
{
    char key[KEY_MAX + 1];
    size_t kn = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)h[i];
        if (ignored(ch))
            continue;
        if (kn == KEY_MAX)
            return REGIO_F_NONE;
        key[kn++] = (char)fold(ch);
    }
    if (kn == 0)
        return REGIO_F_NONE;
    key[kn] = '\0';
    unsigned bit = entity_bit(ent);
    for (int f = 0; f < REGIO_F_COUNT_; f++)
        if ((field_entities[f] & bit) && field_names[f][0] == key[0] &&
            key_eq(key, field_names[f]))
            return (regio_field)f;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if ((aliases[i].entities & bit) &&
            fold((unsigned char)aliases[i].name[0]) == (unsigned char)key[0] &&
            key_eq(key, aliases[i].name))
            return aliases[i].field;
    return REGIO_F_NONE;
}

regio_err regio_field_from_name(const char *name, regio_field *out)
{
    if (out)
        *out = REGIO_F_NONE;
    if (!name || !out)
        return REGIO_EINVAL;
    size_t len;
    const char *t = trim(name, &len);
    if (norm_empty(t, len))
        return REGIO_ENOTFOUND;
    for (int f = 0; f < REGIO_F_COUNT_; f++)
        if (norm_eq(t, len, field_names[f])) {
            *out = (regio_field)f;
            return REGIO_OK;
        }
    return REGIO_ENOTFOUND;
}

void regio_header_map_destroy(regio_header_map *map)
{
    if (!map)
        return;
    if (map->attr)
        for (size_t i = 0; i < map->n; i++)
            regio_free(map->attr[i]);
    regio_free(map->attr);
    regio_free(map->fields);
    regio_free(map);
}

#define set_err(err, code, column, field, msg)                                 \
    regio__error_column((err), (column),                                       \
                        regio_error_setf((err), (code), NULL, 0, (field), "%s", (msg)))

/* Sets column col to a custom attribute named by (name, len), or
 * "column_N" when empty. */
static regio_err set_attr(regio_header_map *m, size_t col, const char *name,
                          size_t len)
{
    char fallback[32];
    regio_free(m->attr[col]);
    m->attr[col] = NULL;
    if (len == 0) {
        snprintf(fallback, sizeof fallback, "column_%zu", col + 1);
        name = fallback;
        len = strlen(fallback);
    }
    m->attr[col] = regio_strndup(name, len);
    m->fields[col] = REGIO_F_NONE;
    return m->attr[col] ? REGIO_OK : REGIO_ENOMEM;
}

/* Lists the names accepted for field f of entity ent, for error messages. */
static void list_names(regio_buf *b, regio_entity ent, regio_field f)
{
    unsigned bit = entity_bit(ent);
    regio_buf_puts(b, field_names[f]);
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (aliases[i].field == f && (aliases[i].entities & bit))
            regio_buf_printf(b, ", %s", aliases[i].name);
}

/*
 * The columns a file of kind ent must have: group g (0 or 1) is held by a
 * column of any of the fields it writes to alt (the first names the group
 * in messages). Returns how many fields alt got, 0 when there is no group
 * g. A role or a territory is named by its own column (role, territory or
 * their Salesforce DeveloperName), else by its id, else by name.
 */
static int required_group(regio_entity ent, int g, regio_field alt[3])
{
    switch (ent) {
    case REGIO_ENTITY_ROLE:
    case REGIO_ENTITY_TERRITORY:
        if (g)
            return 0;
        alt[0] = ent == REGIO_ENTITY_ROLE ? REGIO_F_ROLE : REGIO_F_NAME;
        alt[1] = ent == REGIO_ENTITY_ROLE ? REGIO_F_NAME : REGIO_F_TERRITORY;
        alt[2] = REGIO_F_ID;
        return 3;
    case REGIO_ENTITY_USER:
        alt[0] = REGIO_F_USER;
        return g ? 0 : 1;
    case REGIO_ENTITY_MEMBERSHIP:
    case REGIO_ENTITY_ASSOCIATION:
        if (g > 1)
            return 0;
        alt[0] = g ? REGIO_F_TERRITORY
                   : ent == REGIO_ENTITY_MEMBERSHIP ? REGIO_F_USER : REGIO_F_ACCOUNT;
        return 1;
    case REGIO_ENTITY_SALE:
    case REGIO_ENTITY_QUOTA:
    case REGIO_ENTITY_ACTIVITY: {
        static const regio_field sale[] = {REGIO_F_ID, REGIO_F_ACCOUNT, REGIO_F_DATE,
                                           REGIO_F_AMOUNT, REGIO_F_NONE};
        static const regio_field quota[] = {REGIO_F_TERRITORY, REGIO_F_PERIOD, REGIO_F_AMOUNT,
                                            REGIO_F_NONE};
        static const regio_field act[] = {REGIO_F_ID, REGIO_F_ACCOUNT, REGIO_F_USER,
                                          REGIO_F_DATE, REGIO_F_TYPE, REGIO_F_NONE};
        const regio_field *req = ent == REGIO_ENTITY_SALE ? sale
                                 : ent == REGIO_ENTITY_QUOTA ? quota : act;
        for (int i = 0; i <= g; i++)
            if (req[i] == REGIO_F_NONE)
                return 0;
        alt[0] = req[g];
        return 1;
    }
    default:
        alt[0] = REGIO_F_ID;
        return g ? 0 : 1;
    }
}

static regio_err apply_override(regio_header_map *m, const char *const *headers,
                                const char *ov, unsigned char *overridden,
                                regio_error *err)
{
    char msg[700];
    const char *eq = ov ? strrchr(ov, '=') : NULL;
    if (!eq) {
        snprintf(msg, sizeof msg,
                 "--map '%.200s' is not of the form SOURCE=FIELD", ov ? ov : "");
        return set_err(err, REGIO_EINVAL, 0, "", msg);
    }
    size_t src_len = (size_t)(eq - ov);
    while (src_len && is_ws((unsigned char)ov[src_len - 1]))
        src_len--;
    const char *src = ov;
    while (src_len && is_ws((unsigned char)*src)) {
        src++;
        src_len--;
    }
    if (src_len == 0) {
        snprintf(msg, sizeof msg, "--map '%.200s' has an empty SOURCE column", ov);
        return set_err(err, REGIO_EINVAL, 0, "", msg);
    }

    /* Exact header first, then a unique normalised match. */
    long col = -1;
    for (size_t i = 0; i < m->n && col < 0; i++) {
        size_t hl;
        const char *h = trim(headers[i] ? headers[i] : "", &hl);
        if (hl == src_len && memcmp(h, src, hl) == 0)
            col = (long)i;
    }
    if (col < 0) {
        int hits = 0;
        for (size_t i = 0; i < m->n; i++) {
            size_t hl;
            const char *h = trim(headers[i] ? headers[i] : "", &hl);
            char tmp[256];
            if (src_len >= sizeof tmp || norm_empty(src, src_len))
                break;
            memcpy(tmp, src, src_len);
            tmp[src_len] = '\0';
            if (norm_eq(h, hl, tmp)) {
                if (hits++ == 0)
                    col = (long)i;
            }
        }
        if (hits > 1) {
            snprintf(msg, sizeof msg,
                     "--map '%.200s': several columns match '%.*s'; write the "
                     "header exactly as in the file",
                     ov, (int)(src_len > 200 ? 200 : src_len), src);
            return set_err(err, REGIO_EINVAL, 0, "", msg);
        }
    }
    if (col < 0) {
        snprintf(msg, sizeof msg, "--map '%.200s': the file has no column '%.*s'",
                 ov, (int)(src_len > 200 ? 200 : src_len), src);
        return set_err(err, REGIO_EINVAL, 0, "", msg);
    }

    size_t tl;
    const char *target = trim(eq + 1, &tl);
    if (tl == 1 && target[0] == '-') {
        regio_free(m->attr[col]);
        m->attr[col] = NULL;
        m->fields[col] = REGIO_F_DROP;
    } else if (tl >= 5 && norm_prefix_attr(target)) {
        const char *an = target + 5;
        size_t al = tl - 5;
        while (al && is_ws((unsigned char)*an)) {
            an++;
            al--;
        }
        if (al == 0) {
            snprintf(msg, sizeof msg, "--map '%.200s': attr: needs a name", ov);
            return set_err(err, REGIO_EINVAL, col + 1, "", msg);
        }
        if (set_attr(m, (size_t)col, an, al) != REGIO_OK)
            return set_err(err, REGIO_ENOMEM, col + 1, "", "out of memory");
    } else {
        regio_field f = REGIO_F_NONE;
        for (int k = 0; k < REGIO_F_COUNT_ && tl > 0; k++)
            if ((field_entities[k] & entity_bit(m->ent)) &&
                norm_eq(target, tl, field_names[k]))
                f = (regio_field)k;
        if (f == REGIO_F_NONE) {
            regio_buf b;
            regio_buf_init(&b, 600);
            for (int k = 0; k < REGIO_F_COUNT_; k++)
                if (field_entities[k] & entity_bit(m->ent))
                    regio_buf_printf(&b, "%s%s", b.len ? ", " : "", field_names[k]);
            snprintf(msg, sizeof msg,
                     "--map '%.200s': '%.*s' is not a %s field; use one of %s, "
                     "'-' to drop or attr:NAME",
                     ov, (int)(tl > 100 ? 100 : tl), target,
                     regio_entity_name(m->ent), b.data ? b.data : "");
            regio_buf_free(&b);
            return set_err(err, REGIO_EINVAL, col + 1, "", msg);
        }
        regio_free(m->attr[col]);
        m->attr[col] = NULL;
        m->fields[col] = f;
    }
    overridden[col] = 1;
    return REGIO_OK;
}

regio_err regio_header_map_build(regio_entity ent, const char *const *headers,
                                 size_t n, const char *const *overrides,
                                 size_t n_overrides, regio_header_map **out,
                                 regio_error *err)
{
    if (!out)
        return set_err(err, REGIO_EINVAL, 0, "", "no output pointer");
    *out = NULL;
    if ((!headers && n) || (!overrides && n_overrides) || !entity_bit(ent))
        return set_err(err, REGIO_EINVAL, 0, "", "invalid header map arguments");

    regio_err rc = REGIO_OK;
    unsigned char *overridden = NULL;
    regio_header_map *m = regio_calloc(1, sizeof *m);
    if (!m)
        return set_err(err, REGIO_ENOMEM, 0, "", "out of memory");
    m->ent = ent;
    m->n = n;
    for (int f = 0; f < REGIO_F_COUNT_; f++)
        m->col_of[f] = -1;
    size_t alloc_n = n ? n : 1;
    m->fields = regio_calloc(alloc_n, sizeof *m->fields);
    m->attr = regio_calloc(alloc_n, sizeof *m->attr);
    overridden = regio_calloc(alloc_n, 1);
    if (!m->fields || !m->attr || !overridden) {
        rc = set_err(err, REGIO_ENOMEM, 0, "", "out of memory");
        goto done;
    }

    for (size_t i = 0; i < n; i++) {
        size_t len;
        const char *h = trim(headers[i] ? headers[i] : "", &len);
        m->fields[i] = match_header(ent, h, len);
        if (m->fields[i] == REGIO_F_NONE && set_attr(m, i, h, len) != REGIO_OK) {
            rc = set_err(err, REGIO_ENOMEM, 0, "", "out of memory");
            goto done;
        }
    }
    for (size_t k = 0; k < n_overrides; k++) {
        rc = apply_override(m, headers, overrides[k], overridden, err);
        if (rc)
            goto done;
    }

    /* Resolve clashes: an override beats automatic matches (which become
     * custom attributes); two automatic matches, or two overrides, fail. */
    for (int f = 0; f < REGIO_F_COUNT_; f++) {
        long first = -1;
        int first_ov = 0;
        for (size_t i = 0; i < n; i++) {
            if (m->fields[i] != (regio_field)f)
                continue;
            if (first < 0) {
                first = (long)i;
                first_ov = overridden[i];
                continue;
            }
            if (overridden[i] != first_ov) {
                /* One override, one automatic: the automatic one yields. */
                size_t loser = overridden[i] ? (size_t)first : i;
                size_t len;
                const char *h = trim(headers[loser] ? headers[loser] : "", &len);
                if (set_attr(m, loser, h, len) != REGIO_OK) {
                    rc = set_err(err, REGIO_ENOMEM, 0, "", "out of memory");
                    goto done;
                }
                if (overridden[i]) {
                    first = (long)i;
                    first_ov = 1;
                }
                continue;
            }
            char msg[700];
            size_t l1, l2;
            const char *h1 = trim(headers[first] ? headers[first] : "", &l1);
            const char *h2 = trim(headers[i] ? headers[i] : "", &l2);
            snprintf(msg, sizeof msg,
                     "columns '%.*s' (column %ld) and '%.*s' (column %zu) both "
                     "map to field '%s'; keep one with --map '%.*s=%s' --map "
                     "'%.*s=-' (or attr:NAME)",
                     (int)(l1 > 100 ? 100 : l1), h1, first + 1,
                     (int)(l2 > 100 ? 100 : l2), h2, i + 1, field_names[f],
                     (int)(l1 > 100 ? 100 : l1), h1, field_names[f],
                     (int)(l2 > 100 ? 100 : l2), h2);
            rc = set_err(err, REGIO_EDATA, (long)i + 1, field_names[f], msg);
            goto done;
        }
        m->col_of[f] = first;
    }

    regio_field alt[3];
    for (int g = 0, n_alt; (n_alt = required_group(ent, g, alt)) > 0; g++) {
        int held = 0;
        for (int a = 0; a < n_alt; a++)
            held |= m->col_of[alt[a]] >= 0;
        if (held)
            continue;
        regio_buf b;
        regio_buf_init(&b, 600);
        for (int a = 0; a < n_alt; a++) {
            if (a)
                regio_buf_puts(&b, ", ");
            list_names(&b, ent, alt[a]);
        }
        const char *want = field_names[alt[0]];
        char msg[760];
        snprintf(msg, sizeof msg,
                 "no %s column in the %s file: expected one of %s (or name a "
                 "column with --map COLUMN=%s)",
                 want, regio_entity_name(ent), b.data ? b.data : want, want);
        regio_buf_free(&b);
        rc = set_err(err, REGIO_EDATA, 0, want, msg);
        goto done;
    }

done:
    regio_free(overridden);
    if (rc) {
        regio_header_map_destroy(m);
        return rc;
    }
    *out = m;
    return REGIO_OK;
}

size_t regio_header_map_ncols(const regio_header_map *map)
{
    return map ? map->n : 0;
}

regio_field regio_header_map_field(const regio_header_map *map, size_t col)
{
    if (!map || col >= map->n)
        return REGIO_F_DROP;
    return map->fields[col];
}

const char *regio_header_map_attr_name(const regio_header_map *map, size_t col)
{
    if (!map || col >= map->n || map->fields[col] != REGIO_F_NONE)
        return NULL;
    return map->attr[col];
}

long regio_header_map_column_of(const regio_header_map *map, regio_field f)
{
    if (!map || (int)f < 0 || f >= REGIO_F_COUNT_)
        return -1;
    return map->col_of[f];
}
