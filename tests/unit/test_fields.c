/*
 * Unit tests for header mapping (Salesforce, HubSpot and common headers,
 * overrides, clashes, missing id) and the strict number and clock-time
 * parsers.
 */
#include "regio/fields.h"
#include "regio_test.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_field_names(void)
{
    ASSERT_EQ_STR(regio_field_name(REGIO_F_ID), "id");
    ASSERT_EQ_STR(regio_field_name(REGIO_F_POSTAL_CODE), "postal_code");
    ASSERT_EQ_STR(regio_field_name(REGIO_F_ANNUAL_REVENUE), "annual_revenue");
    ASSERT_EQ_STR(regio_field_name(REGIO_F_Y), "y");
    ASSERT_TRUE(regio_field_name(REGIO_F_NONE) == NULL);
    ASSERT_TRUE(regio_field_name(REGIO_F_COUNT_) == NULL);
    regio_field f;
    ASSERT_OK(regio_field_from_name("Day Start", &f));
    ASSERT_EQ_INT(f, REGIO_F_DAY_START);
    ASSERT_EQ_INT(regio_field_from_name("latitude", &f), REGIO_ENOTFOUND);
    /* Every canonical name round-trips. */
    for (int k = 0; k < REGIO_F_COUNT_; k++) {
        ASSERT_OK(regio_field_from_name(regio_field_name((regio_field)k), &f));
        ASSERT_EQ_INT(f, k);
    }
    ASSERT_TRUE(regio_field_applies(REGIO_ENTITY_REP, REGIO_F_EMAIL));
    ASSERT_TRUE(!regio_field_applies(REGIO_ENTITY_ACCOUNT, REGIO_F_EMAIL));
    ASSERT_TRUE(!regio_field_applies(REGIO_ENTITY_UNIT, REGIO_F_OWNER));
}

static void test_salesforce_accounts(void)
{
    static const char *const h[] = {
        "\xEF\xBB\xBFId", "Name", "BillingStreet", "BillingCity", "BillingState",
        "BillingPostalCode", "BillingCountry", "BillingLatitude",
        "BillingLongitude", "AnnualRevenue", "NumberOfEmployees", "Industry",
        "OwnerId", "Type", "ShippingStreet", "ShippingCity", "ShippingLatitude",
        "ShippingPostalCode", "Phone", " Website "};
    static const regio_field want[] = {
        REGIO_F_ID, REGIO_F_NAME, REGIO_F_STREET, REGIO_F_CITY, REGIO_F_REGION,
        REGIO_F_POSTAL_CODE, REGIO_F_COUNTRY, REGIO_F_LAT, REGIO_F_LON,
        REGIO_F_ANNUAL_REVENUE, REGIO_F_EMPLOYEES, REGIO_F_INDUSTRY,
        REGIO_F_OWNER, REGIO_F_TYPE, REGIO_F_NONE, REGIO_F_NONE, REGIO_F_NONE,
        REGIO_F_NONE, REGIO_F_NONE, REGIO_F_NONE};
    regio_header_map *m = NULL;
    regio_error e;
    ASSERT_OK(regio_header_map_build(REGIO_ENTITY_ACCOUNT, h, N(h), NULL, 0, &m, &e));
    if (!m)
        return;
    ASSERT_EQ_INT(regio_header_map_ncols(m), N(h));
    for (size_t i = 0; i < N(h); i++)
        if (regio_header_map_field(m, i) != want[i])
            FAIL_AT_("column %zu '%s': got %d want %d", i, h[i],
                     regio_header_map_field(m, i), want[i]);
    ASSERT_EQ_STR(regio_header_map_attr_name(m, 14), "ShippingStreet");
    ASSERT_EQ_STR(regio_header_map_attr_name(m, 16), "ShippingLatitude");
    ASSERT_EQ_STR(regio_header_map_attr_name(m, 19), "Website");
    ASSERT_TRUE(regio_header_map_attr_name(m, 0) == NULL);
    ASSERT_EQ_INT(regio_header_map_column_of(m, REGIO_F_LAT), 7);
    ASSERT_EQ_INT(regio_header_map_column_of(m, REGIO_F_POTENTIAL), -1);
    ASSERT_EQ_INT(regio_header_map_field(m, 99), REGIO_F_DROP);
    regio_header_map_destroy(m);

    /* Report-style labels. */
    static const char *const r[] = {"Account ID", "Account Name", "Billing Street",
                                    "Billing City", "Billing State/Province",
                                    "Billing Zip/Postal Code", "Billing Country",
                                    "Account Owner", "Annual Revenue",
                                    "Shipping City"};
    ASSERT_OK(regio_header_map_build(REGIO_ENTITY_ACCOUNT, r, N(r), NULL, 0, &m, &e));
    if (m) {
        ASSERT_EQ_INT(regio_header_map_field(m, 0), REGIO_F_ID);
        ASSERT_EQ_INT(regio_header_map_field(m, 1), REGIO_F_NAME);
        ASSERT_EQ_INT(regio_header_map_field(m, 4), REGIO_F_REGION);
        ASSERT_EQ_INT(regio_header_map_field(m, 5), REGIO_F_POSTAL_CODE);
        ASSERT_EQ_INT(regio_header_map_field(m, 7), REGIO_F_OWNER);
        ASSERT_EQ_INT(regio_header_map_field(m, 8), REGIO_F_ANNUAL_REVENUE);
        ASSERT_EQ_INT(regio_header_map_field(m, 9), REGIO_F_NONE);
    }
    regio_header_map_destroy(m);
}

static void test_hubspot_companies(void)
{
    static const char *const h[] = {
        "Record ID", "Company name", "Company Domain Name", "Street Address",
        "Street Address 2", "City", "State/Region", "Postal Code",
        "Country/Region", "Annual Revenue", "Industry", "Company owner",
        "Number of Employees", "Phone Number", "Type", "Latitude", "Longitude"};
    static const regio_field want[] = {
        REGIO_F_ID, REGIO_F_NAME, REGIO_F_NONE, REGIO_F_STREET, REGIO_F_NONE,
        REGIO_F_CITY, REGIO_F_REGION, REGIO_F_POSTAL_CODE, REGIO_F_COUNTRY,
        REGIO_F_ANNUAL_REVENUE, REGIO_F_INDUSTRY, REGIO_F_OWNER,
        REGIO_F_EMPLOYEES, REGIO_F_NONE, REGIO_F_TYPE, REGIO_F_LAT, REGIO_F_LON};
    regio_header_map *m = NULL;
    regio_error e;
    ASSERT_OK(regio_header_map_build(REGIO_ENTITY_ACCOUNT, h, N(h), NULL, 0, &m, &e));
    if (!m)
        return;
    for (size_t i = 0; i < N(h); i++)
        if (regio_header_map_field(m, i) != want[i])
            FAIL_AT_("column %zu '%s': got %d want %d", i, h[i],
                     regio_header_map_field(m, i), want[i]);
    ASSERT_EQ_STR(regio_header_map_attr_name(m, 13), "Phone Number");
    regio_header_map_destroy(m);
}

static void test_common_reps_units(void)
{
    static const char *const a[] = {"ID", "zip code", "LNG", "lat", "tier",
                                    "rep_id", "territory-unit", "potential"};
    regio_header_map *m = NULL;
    regio_error e;
    ASSERT_OK(regio_header_map_build(REGIO_ENTITY_ACCOUNT, a, N(a), NULL, 0, &m, &e));
    if (m) {
        ASSERT_EQ_INT(regio_header_map_field(m, 1), REGIO_F_POSTAL_CODE);
        ASSERT_EQ_INT(regio_header_map_field(m, 2), REGIO_F_LON);
        ASSERT_EQ_INT(regio_header_map_field(m, 3), REGIO_F_LAT);
        ASSERT_EQ_INT(regio_header_map_field(m, 4), REGIO_F_SEGMENT);
        ASSERT_EQ_INT(regio_header_map_field(m, 5), REGIO_F_OWNER);
        ASSERT_EQ_INT(regio_header_map_field(m, 6), REGIO_F_UNIT_ID);
        ASSERT_EQ_INT(regio_header_map_field(m, 7), REGIO_F_POTENTIAL);
    }
    regio_header_map_destroy(m);

    static const char *const r[] = {"rep id", "Name", "E-mail", "home lat",
                                    "home lon", "capacity", "skills",
                                    "day_start", "Day End", "Manager ID", "street"};
    ASSERT_OK(regio_header_map_build(REGIO_ENTITY_REP, r, N(r), NULL, 0, &m, &e));
    if (m) {
        ASSERT_EQ_INT(regio_header_map_field(m, 0), REGIO_F_ID);
        ASSERT_EQ_INT(regio_header_map_field(m, 2), REGIO_F_EMAIL);
        ASSERT_EQ_INT(regio_header_map_field(m, 3), REGIO_F_LAT);
        ASSERT_EQ_INT(regio_header_map_field(m, 4), REGIO_F_LON);
        ASSERT_EQ_INT(regio_header_map_field(m, 5), REGIO_F_CAPACITY);
        ASSERT_EQ_INT(regio_header_map_field(m, 6), REGIO_F_SKILLS);
        ASSERT_EQ_INT(regio_header_map_field(m, 7), REGIO_F_DAY_START);
        ASSERT_EQ_INT(regio_header_map_field(m, 8), REGIO_F_DAY_END);
        ASSERT_EQ_INT(regio_header_map_field(m, 9), REGIO_F_MANAGER);
        /* Reps have no street in the model: kept as an attribute. */
        ASSERT_EQ_INT(regio_header_map_field(m, 10), REGIO_F_NONE);
    }
    regio_header_map_destroy(m);

    static const char *const u[] = {"GEOID", "NAME", "x", "y", "population"};
    ASSERT_OK(regio_header_map_build(REGIO_ENTITY_UNIT, u, N(u), NULL, 0, &m, &e));
    if (m) {
        ASSERT_EQ_INT(regio_header_map_field(m, 0), REGIO_F_ID);
        ASSERT_EQ_INT(regio_header_map_field(m, 1), REGIO_F_NAME);
        ASSERT_EQ_INT(regio_header_map_field(m, 2), REGIO_F_X);
        ASSERT_EQ_INT(regio_header_map_field(m, 3), REGIO_F_Y);
        ASSERT_EQ_STR(regio_header_map_attr_name(m, 4), "population");
    }
    regio_header_map_destroy(m);

    static const char *const z[] = {"zcta", "latitude", "longitude"};
    ASSERT_OK(regio_header_map_build(REGIO_ENTITY_UNIT, z, N(z), NULL, 0, &m, &e));
    if (m) {
        ASSERT_EQ_INT(regio_header_map_column_of(m, REGIO_F_ID), 0);
        ASSERT_EQ_INT(regio_header_map_column_of(m, REGIO_F_LON), 2);
    }
    regio_header_map_destroy(m);
}

static void test_duplicates_and_overrides(void)
{
    static const char *const h[] = {"id", "Latitude", "lat", "Notes"};
    regio_header_map *m = NULL;
    regio_error e;
    regio_error_clear(&e);
    ASSERT_EQ_INT(regio_header_map_build(REGIO_ENTITY_ACCOUNT, h, N(h), NULL, 0, &m, &e),
                  REGIO_EDATA);
    ASSERT_TRUE(m == NULL);
    ASSERT_EQ_STR(e.field, "lat");
    ASSERT_TRUE(strstr(e.msg, "'Latitude'") != NULL);
    ASSERT_TRUE(strstr(e.msg, "'lat'") != NULL);

    /* An override on one side resolves the clash: the other yields. */
    static const char *const ov1[] = {"lat=lat"};
    ASSERT_OK(regio_header_map_build(REGIO_ENTITY_ACCOUNT, h, N(h), ov1, 1, &m, &e));
    if (m) {
        ASSERT_EQ_INT(regio_header_map_column_of(m, REGIO_F_LAT), 2);
        ASSERT_EQ_INT(regio_header_map_field(m, 1), REGIO_F_NONE);
        ASSERT_EQ_STR(regio_header_map_attr_name(m, 1), "Latitude");
    }
    regio_header_map_destroy(m);

    /* Drop and attr: overrides. */
    static const char *const ov2[] = {"Latitude=-", " Notes = attr:comment",
                                      "lat=attr:raw_lat"};
    ASSERT_OK(regio_header_map_build(REGIO_ENTITY_ACCOUNT, h, N(h), ov2, 3, &m, &e));
    if (m) {
        ASSERT_EQ_INT(regio_header_map_field(m, 1), REGIO_F_DROP);
        ASSERT_TRUE(regio_header_map_attr_name(m, 1) == NULL);
        ASSERT_EQ_STR(regio_header_map_attr_name(m, 3), "comment");
        ASSERT_EQ_STR(regio_header_map_attr_name(m, 2), "raw_lat");
        ASSERT_EQ_INT(regio_header_map_column_of(m, REGIO_F_LAT), -1);
    }
    regio_header_map_destroy(m);

    /* Override to a canonical field by a custom column name. */
    static const char *const h2[] = {"Kundennummer", "Firma", "Umsatz"};
    static const char *const ov3[] = {"Kundennummer=id", "Firma=name",
                                      "umsatz=Annual Revenue"};
    ASSERT_OK(regio_header_map_build(REGIO_ENTITY_ACCOUNT, h2, 3, ov3, 3, &m, &e));
    if (m) {
        ASSERT_EQ_INT(regio_header_map_field(m, 0), REGIO_F_ID);
        ASSERT_EQ_INT(regio_header_map_field(m, 1), REGIO_F_NAME);
        ASSERT_EQ_INT(regio_header_map_field(m, 2), REGIO_F_ANNUAL_REVENUE);
    }
    regio_header_map_destroy(m);

    /* Two overrides to the same field clash. */
    static const char *const ov4[] = {"Kundennummer=id", "Firma=id"};
    ASSERT_EQ_INT(regio_header_map_build(REGIO_ENTITY_ACCOUNT, h2, 3, ov4, 2, &m, &e),
                  REGIO_EDATA);
    ASSERT_TRUE(strstr(e.msg, "'Kundennummer'") && strstr(e.msg, "'Firma'"));

    /* Bad overrides. */
    static const char *const bad1[] = {"Nope=id"};
    ASSERT_EQ_INT(regio_header_map_build(REGIO_ENTITY_ACCOUNT, h2, 3, bad1, 1, &m, &e),
                  REGIO_EINVAL);
    ASSERT_TRUE(strstr(e.msg, "no column 'Nope'") != NULL);
    static const char *const bad2[] = {"Firma=email"};
    ASSERT_EQ_INT(regio_header_map_build(REGIO_ENTITY_ACCOUNT, h2, 3, bad2, 1, &m, &e),
                  REGIO_EINVAL);
    ASSERT_TRUE(strstr(e.msg, "not a account field") != NULL);
    static const char *const bad3[] = {"Firma"};
    ASSERT_EQ_INT(regio_header_map_build(REGIO_ENTITY_ACCOUNT, h2, 3, bad3, 1, &m, &e),
                  REGIO_EINVAL);
    static const char *const bad4[] = {"Firma=attr:"};
    ASSERT_EQ_INT(regio_header_map_build(REGIO_ENTITY_ACCOUNT, h2, 3, bad4, 1, &m, &e),
                  REGIO_EINVAL);
    ASSERT_TRUE(m == NULL);
}

static void test_missing_id(void)
{
    static const char *const h[] = {"Name", "City", ""};
    regio_header_map *m = NULL;
    regio_error e;
    ASSERT_EQ_INT(regio_header_map_build(REGIO_ENTITY_ACCOUNT, h, N(h), NULL, 0, &m, &e),
                  REGIO_EDATA);
    ASSERT_EQ_STR(e.field, "id");
    ASSERT_TRUE(strstr(e.msg, "Account ID") != NULL);
    ASSERT_TRUE(strstr(e.msg, "Record ID") != NULL);
    ASSERT_TRUE(strstr(e.msg, "--map") != NULL);
    ASSERT_EQ_INT(regio_header_map_build(REGIO_ENTITY_UNIT, h, N(h), NULL, 0, &m, &e),
                  REGIO_EDATA);
    ASSERT_TRUE(strstr(e.msg, "GEOID") != NULL);
    ASSERT_EQ_INT(regio_header_map_build(REGIO_ENTITY_ACCOUNT, NULL, 0, NULL, 0, &m, &e),
                  REGIO_EDATA);

    /* An empty header becomes a named custom attribute. */
    static const char *const h2[] = {"id", "  "};
    ASSERT_OK(regio_header_map_build(REGIO_ENTITY_ACCOUNT, h2, 2, NULL, 0, &m, &e));
    if (m)
        ASSERT_EQ_STR(regio_header_map_attr_name(m, 1), "column_2");
    regio_header_map_destroy(m);
    regio_header_map_destroy(NULL);
}

static void test_parse_number(void)
{
    double v = 0;
    ASSERT_OK(regio_parse_number("  42 ", &v));
    ASSERT_NEAR(v, 42, 0);
    ASSERT_OK(regio_parse_number("-3.25e2", &v));
    ASSERT_NEAR(v, -325, 0);
    ASSERT_OK(regio_parse_number("+.5", &v));
    ASSERT_NEAR(v, 0.5, 0);
    ASSERT_OK(regio_parse_number("7.", &v));
    ASSERT_NEAR(v, 7, 0);
    ASSERT_OK(regio_parse_number("37.774929", &v));
    ASSERT_NEAR(v, 37.774929, 1e-12);
    ASSERT_OK(regio_parse_number("1e-400", &v)); /* underflow: tiny, finite */
    ASSERT_TRUE(fabs(v) < 1e-300);

    ASSERT_EQ_INT(regio_parse_number("", &v), REGIO_ENOTFOUND);
    ASSERT_TRUE(isnan(v));
    ASSERT_EQ_INT(regio_parse_number(" \t", &v), REGIO_ENOTFOUND);
    ASSERT_EQ_INT(regio_parse_number(NULL, &v), REGIO_ENOTFOUND);

    static const char *const bad[] = {"12abc", "abc", "NaN", "nan", "inf",
                                      "-Infinity", "0x1A", "0x1p3", "1e999",
                                      "-1e400", "1,5", "1 000", "--1", "+",
                                      ".", "1e", "1e+", "e5", "1.2.3", "12 a"};
    for (size_t i = 0; i < N(bad); i++)
        if (regio_parse_number(bad[i], &v) != REGIO_EPARSE)
            FAIL_AT_("'%s' should be rejected", bad[i]);
}

static void test_parse_hhmm(void)
{
    int m = 0;
    ASSERT_OK(regio_parse_hhmm("08:30", &m));
    ASSERT_EQ_INT(m, 510);
    ASSERT_OK(regio_parse_hhmm(" 8:05 ", &m));
    ASSERT_EQ_INT(m, 485);
    ASSERT_OK(regio_parse_hhmm("17:45:59", &m));
    ASSERT_EQ_INT(m, 1065);
    ASSERT_OK(regio_parse_hhmm("24:00", &m));
    ASSERT_EQ_INT(m, 1440);
    ASSERT_OK(regio_parse_hhmm("00:00", &m));
    ASSERT_EQ_INT(m, 0);
    ASSERT_EQ_INT(regio_parse_hhmm("", &m), REGIO_ENOTFOUND);
    static const char *const bad[] = {"8", "8:5", "25:00", "24:01", "12:60",
                                      "12:30:60", "12:30:5", "12-30", "x8:30",
                                      "123:00", "12:30pm", "12:30:00:00"};
    for (size_t i = 0; i < N(bad); i++)
        if (regio_parse_hhmm(bad[i], &m) != REGIO_EPARSE)
            FAIL_AT_("'%s' should be rejected", bad[i]);
}


/* Each allocation failure yields REGIO_ENOMEM, never a crash or leak. */
static void test_alloc_failures(void)
{
    static const char *const h[] = {"Id", "Name", "Notes", "Latitude", "lat", ""};
    static const char *const ov[] = {"lat=-", "Notes=attr:n"};
    regio_allocator a = regio_test_failing;
    int saw_enomem = 0, saw_ok = 0;
    for (alloc_fail_at = 1; alloc_fail_at < 30; alloc_fail_at++) {
        alloc_calls = 0;
        regio_set_allocator(&a);
        regio_header_map *m = NULL;
        regio_error e;
        regio_err rc = regio_header_map_build(REGIO_ENTITY_ACCOUNT, h, N(h), ov, 2,
                                              &m, &e);
        int ok_map = m && regio_header_map_column_of(m, REGIO_F_LAT) == 3 &&
                     regio_header_map_attr_name(m, 2) &&
                     strcmp(regio_header_map_attr_name(m, 2), "n") == 0;
        regio_header_map_destroy(m);
        regio_set_allocator(NULL);
        if (rc == REGIO_ENOMEM) {
            saw_enomem = 1;
        } else {
            ASSERT_EQ_INT(rc, REGIO_OK);
            ASSERT_TRUE(ok_map);
            saw_ok = 1;
        }
    }
    ASSERT_TRUE(saw_enomem);
    ASSERT_TRUE(saw_ok);
}

int main(void)
{
    RUN(test_field_names);
    RUN(test_salesforce_accounts);
    RUN(test_hubspot_companies);
    RUN(test_common_reps_units);
    RUN(test_duplicates_and_overrides);
    RUN(test_missing_id);
    RUN(test_parse_number);
    RUN(test_parse_hhmm);
    RUN(test_alloc_failures);
    TEST_END();
}
