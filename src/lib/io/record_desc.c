/*
 * The field tables of accounts and reps (see record_desc.h), in the order
 * of the export columns.
 */
#include "io/record_desc.h"

#define ACC(f, n, k, m) {f, n, k, offsetof(regio_account, m)}
static const regio__field_desc account_fields[] = {
    ACC(REGIO_F_ID, "id", REGIO__FK_STR, id),
    ACC(REGIO_F_NAME, "name", REGIO__FK_STR, name),
    ACC(REGIO_F_STREET, "street", REGIO__FK_STR, street),
    ACC(REGIO_F_CITY, "city", REGIO__FK_STR, city),
    ACC(REGIO_F_REGION, "region", REGIO__FK_STR, region),
    ACC(REGIO_F_POSTAL_CODE, "postal_code", REGIO__FK_STR, postal_code),
    ACC(REGIO_F_COUNTRY, "country", REGIO__FK_STR, country),
    ACC(REGIO_F_LAT, "lat", REGIO__FK_NUM, lat),
    ACC(REGIO_F_LON, "lon", REGIO__FK_NUM, lon),
    ACC(REGIO_F_NONE, "geo_source", REGIO__FK_GEO, geo_source),
    ACC(REGIO_F_OWNER, "owner", REGIO__FK_STR, owner),
    ACC(REGIO_F_INDUSTRY, "industry", REGIO__FK_STR, industry),
    ACC(REGIO_F_TYPE, "type", REGIO__FK_STR, type),
    ACC(REGIO_F_SEGMENT, "segment", REGIO__FK_STR, segment),
    ACC(REGIO_F_ANNUAL_REVENUE, "annual_revenue", REGIO__FK_MEASURE, annual_revenue),
    ACC(REGIO_F_EMPLOYEES, "employees", REGIO__FK_MEASURE, employees),
    ACC(REGIO_F_POTENTIAL, "potential", REGIO__FK_MEASURE, potential),
    ACC(REGIO_F_UNIT_ID, "unit_id", REGIO__FK_STR, unit_id),
};
#undef ACC

#define REP(f, n, k, m) {f, n, k, offsetof(regio_rep, m)}
static const regio__field_desc rep_fields[] = {
    REP(REGIO_F_ID, "id", REGIO__FK_STR, id),
    REP(REGIO_F_NAME, "name", REGIO__FK_STR, name),
    REP(REGIO_F_EMAIL, "email", REGIO__FK_STR, email),
    REP(REGIO_F_CITY, "city", REGIO__FK_STR, city),
    REP(REGIO_F_REGION, "region", REGIO__FK_STR, region),
    REP(REGIO_F_POSTAL_CODE, "postal_code", REGIO__FK_STR, postal_code),
    REP(REGIO_F_COUNTRY, "country", REGIO__FK_STR, country),
    REP(REGIO_F_LAT, "lat", REGIO__FK_NUM, lat),
    REP(REGIO_F_LON, "lon", REGIO__FK_NUM, lon),
    REP(REGIO_F_NONE, "geo_source", REGIO__FK_GEO, geo_source),
    REP(REGIO_F_CAPACITY, "capacity", REGIO__FK_MEASURE, capacity),
    REP(REGIO_F_SKILLS, "skills", REGIO__FK_STR, skills),
    REP(REGIO_F_DAY_START, "day_start", REGIO__FK_HHMM, day_start),
    REP(REGIO_F_DAY_END, "day_end", REGIO__FK_HHMM, day_end),
    REP(REGIO_F_MANAGER, "manager", REGIO__FK_STR, manager),
};
#undef REP

const regio__record_desc regio__account_desc = {
    account_fields, sizeof account_fields / sizeof account_fields[0],
    offsetof(regio_account, lat), offsetof(regio_account, lon),
    offsetof(regio_account, geo_source), offsetof(regio_account, attrs),
    offsetof(regio_account, n_attrs)};

const regio__record_desc regio__rep_desc = {
    rep_fields, sizeof rep_fields / sizeof rep_fields[0],
    offsetof(regio_rep, lat), offsetof(regio_rep, lon),
    offsetof(regio_rep, geo_source), offsetof(regio_rep, attrs),
    offsetof(regio_rep, n_attrs)};

const regio__field_desc *regio__record_field(const regio__record_desc *d, regio_field f)
{
    if (f == REGIO_F_NONE)
        return NULL;
    for (size_t i = 0; i < d->n_fields; i++)
        if (d->fields[i].field == f)
            return &d->fields[i];
    return NULL;
}
