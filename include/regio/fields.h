/*
 * Header mapping for importers: which CSV column holds which canonical
 * field of an account, rep or unit, or of a row of the organisation (role,
 * user, territory, membership, association) (Salesforce, HubSpot and common
 * spellings are recognised; user --map overrides win), plus the strict
 * value parsers the importers use for numbers and clock times.
 */
#ifndef REGIO_FIELDS_H
#define REGIO_FIELDS_H

#include "regio/core.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The record kind a file holds. */
typedef enum regio_entity {
    REGIO_ENTITY_ACCOUNT,
    REGIO_ENTITY_REP,
    REGIO_ENTITY_UNIT,
    REGIO_ENTITY_ROLE,       /* role,parent */
    REGIO_ENTITY_USER,       /* user,name,email,role,permissions,active */
    REGIO_ENTITY_TERRITORY,  /* name,parent,account_access,rep,type */
    REGIO_ENTITY_MEMBERSHIP, /* user,territory,role,active,start,end */
    REGIO_ENTITY_ASSOCIATION, /* account,territory */
    REGIO_ENTITY_SALE,        /* id,account,date,amount,status,probability,product,rep */
    REGIO_ENTITY_QUOTA,       /* territory,period,amount */
    REGIO_ENTITY_ACTIVITY     /* id,account,user,date,type,duration_min,outcome,lat,lon */
} regio_entity;

/*
 * Canonical fields, named after the members of regio_account, regio_rep
 * and regio_unit (include/regio/model.h) and of the organisation's rows
 * (regio/org.h). REGIO_F_NONE marks a column kept as a custom attribute,
 * REGIO_F_DROP a column the user chose to ignore. X and Y are planar unit
 * coordinates; for accounts and reps a column named "x"/"y" maps to
 * lon/lat.
 */
typedef enum regio_field {
    REGIO_F_DROP = -2,
    REGIO_F_NONE = -1,
    REGIO_F_ID = 0,
    REGIO_F_NAME,
    REGIO_F_STREET,
    REGIO_F_CITY,
    REGIO_F_REGION,
    REGIO_F_POSTAL_CODE,
    REGIO_F_COUNTRY,
    REGIO_F_LAT,
    REGIO_F_LON,
    REGIO_F_OWNER,
    REGIO_F_INDUSTRY,
    REGIO_F_TYPE,
    REGIO_F_SEGMENT,
    REGIO_F_ANNUAL_REVENUE,
    REGIO_F_EMPLOYEES,
    REGIO_F_POTENTIAL,
    REGIO_F_UNIT_ID,
    REGIO_F_EMAIL,
    REGIO_F_CAPACITY,
    REGIO_F_SKILLS,
    REGIO_F_DAY_START,
    REGIO_F_DAY_END,
    REGIO_F_MANAGER,
    REGIO_F_X,
    REGIO_F_Y,
    REGIO_F_PARENT,         /* roles, territories: the parent's name */
    REGIO_F_ROLE,           /* a role's name; a membership's role label */
    REGIO_F_PERMISSIONS,    /* users: ';'-separated */
    REGIO_F_ACTIVE,         /* users, memberships: true/false */
    REGIO_F_ACCOUNT_ACCESS, /* territories: read, edit or owner */
    REGIO_F_REP,            /* territories: the rep's id */
    REGIO_F_USER,           /* a user's login */
    REGIO_F_TERRITORY,      /* a territory's name in its model */
    REGIO_F_ACCOUNT,        /* an account's id */
    REGIO_F_START,          /* memberships: YYYY-MM-DD */
    REGIO_F_END,
    REGIO_F_DATE,           /* sales lines, activities: YYYY-MM-DD */
    REGIO_F_AMOUNT,         /* sales lines, quotas */
    REGIO_F_STATUS,         /* sales lines: won, open or lost */
    REGIO_F_PROBABILITY,    /* sales lines: 0-100 */
    REGIO_F_PRODUCT,        /* sales lines */
    REGIO_F_IS_WON,         /* sales lines: Salesforce IsWon */
    REGIO_F_IS_CLOSED,      /* sales lines: Salesforce IsClosed */
    REGIO_F_STAGE,          /* sales lines: Salesforce StageName, HubSpot Deal Stage */
    REGIO_F_PERIOD,         /* quotas: 2027-01, 2027Q1 or 2027 */
    REGIO_F_DURATION,       /* activities: minutes */
    REGIO_F_OUTCOME,        /* activities */
    REGIO_F_COUNT_
} regio_field;

/* Canonical snake_case name of a field ("postal_code"), used as the CSV
 * export header; static storage. NULL for REGIO_F_NONE, REGIO_F_DROP and
 * out-of-range values. */
REGIO_API const char *regio_field_name(regio_field f);

/* Lower-case entity name ("account", "rep", "unit", "role", "user",
 * "territory", "membership", "association"); static storage. */
REGIO_API const char *regio_entity_name(regio_entity ent);

/* Non-zero when field f belongs to records of kind ent. */
REGIO_API int regio_field_applies(regio_entity ent, regio_field f);

/*
 * Looks a canonical field name up (case, spaces, '_', '-' ignored).
 * Returns REGIO_ENOTFOUND when name is not a canonical field. No ownership.
 */
REGIO_API regio_err regio_field_from_name(const char *name, regio_field *out);

/* Column-to-field mapping for one header row. Opaque. */
typedef struct regio_header_map regio_header_map;

/*
 * Maps the n header cells of a file of kind ent to canonical fields.
 * Headers are matched after trimming, BOM stripping, case folding and
 * dropping spaces, '_', '-', '.' and '/'. overrides are user
 * "SOURCE=FIELD" strings: SOURCE is a header as written, FIELD a canonical
 * name, "-" to drop the column or "attr:NAME" to keep it as custom
 * attribute NAME; an override beats automatic matches for the same field.
 * Fails with REGIO_EINVAL for a malformed override or one naming no
 * column, REGIO_EDATA when two columns map to the same field (naming both)
 * or when a required column is missing (listing the accepted names): the
 * id of accounts, reps and units; a role's name (role, name or id); a
 * user's login (user); a territory's name (name, territory or id); the
 * user and the territory of a membership; the account and the territory
 * of an association.
 * On success the caller owns *out and frees it with
 * regio_header_map_destroy.
 */
REGIO_API regio_err regio_header_map_build(regio_entity ent, const char *const *headers,
                                 size_t n, const char *const *overrides,
                                 size_t n_overrides, regio_header_map **out,
                                 regio_error *err);

/* Frees a map. Accepts NULL. */
REGIO_API void regio_header_map_destroy(regio_header_map *map);

/* Number of columns the map was built for. */
REGIO_API size_t regio_header_map_ncols(const regio_header_map *map);

/* Field of column col: a canonical field, REGIO_F_NONE (custom attribute)
 * or REGIO_F_DROP; REGIO_F_DROP for an out-of-range col. */
REGIO_API regio_field regio_header_map_field(const regio_header_map *map, size_t col);

/* Custom attribute name of column col (the trimmed header, the name given
 * by an attr: override, or "column_N" for an empty header); NULL unless the
 * column is REGIO_F_NONE. Owned by the map. */
REGIO_API const char *regio_header_map_attr_name(const regio_header_map *map, size_t col);

/* 0-based column holding field f, or -1 when no column does. */
REGIO_API long regio_header_map_column_of(const regio_header_map *map, regio_field f);

/* ---- value parsing ---------------------------------------------------- */

/*
 * Parses a decimal number strictly: surrounding white space is trimmed;
 * digits with optional sign, decimal point and exponent are accepted; NaN,
 * infinities, hex, overflow and trailing junk ("12abc", "1,5") give
 * REGIO_EPARSE. A NULL or blank string gives REGIO_ENOTFOUND ("no value")
 * and sets *out to NAN. Expects the C numeric locale. No ownership.
 */
REGIO_API regio_err regio_parse_number(const char *s, double *out);

/*
 * Parses a clock time "H:MM", "HH:MM" or "HH:MM:SS" (00:00 to 24:00) into
 * minutes since midnight; seconds are checked (00-59) and then dropped.
 * REGIO_ENOTFOUND for a NULL or blank string, REGIO_EPARSE otherwise.
 */
REGIO_API regio_err regio_parse_hhmm(const char *s, int *minutes);

#ifdef __cplusplus
}
#endif
#endif
