/*
 * Gazetteer lookups: country and region codes from names or codes, the
 * country a record is read in, and regio_geocode(_record), which places a
 * record by its postal code first and else by city + region + country (the
 * most populous matching place, earliest row on ties). Names are tried as
 * given, then normalised (gazetteer_norm.c).
 */
#include "regio/geocode.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "geo/geo_internal.h"

typedef regio__gaz_row row;

/* Looks a name up as given (trimmed, any case) and then normalised: codes
 * are stored as they are, since normalising would turn "MT" into "mount". */
static const row *lookup_name(const regio_gazetteer *g, int kind,
                              const char *cc, const char *name)
{
    char key[REGIO__GAZ_KEY_CAP];
    const char *s = name;
    size_t n = strlen(name);
    regio__gaz_trim(&s, &n);
    if (n == 0 || n >= sizeof key)
        return NULL;
    memcpy(key, s, n);
    key[n] = '\0';
    const row *r = regio__gaz_lookup(g, kind, cc, key);
    if (!r && regio__place_norm(name, key, sizeof key) > 0)
        r = regio__gaz_lookup(g, kind, cc, key);
    return r;
}

const char *regio_country_code(const regio_gazetteer *g,
                               const char *name_or_code)
{
    if (!g || !name_or_code)
        return NULL;
    const row *r = lookup_name(g, REGIO__GAZ_COUNTRY, "", name_or_code);
    return r ? r->cc : NULL;
}

const char *regio_region_code(const regio_gazetteer *g, const char *country,
                              const char *name_or_code)
{
    if (!g || !country || !name_or_code)
        return NULL;
    const row *r = lookup_name(g, REGIO__GAZ_REGION, country, name_or_code);
    return r ? r->region : NULL;
}

/* Most populous row of a chain, earliest on ties; with want set, only rows
 * in that region count. */
static const row *best_place(const regio_gazetteer *g, const row *r,
                             const char *want)
{
    const row *best = NULL;
    for (; r; r = r->next ? &g->rows[r->next - 1] : NULL) {
        if (want && !regio__gaz_eq_ci(r->region, want))
            continue;
        if (!best || r->pop > best->pop || (r->pop == best->pop && r < best))
            best = r;
    }
    return best;
}

const char *regio_record_country(const regio_gazetteer *g, const char *country,
                                 const char *region, const char *default_country)
{
    if (!g)
        return NULL;
    if (!regio__gaz_is_blank(country))
        return regio_country_code(g, country);
    /* A US state or territory ("MA", "Massachusetts", "PR") says US. */
    if (!regio__gaz_is_blank(region) && regio_region_code(g, "US", region))
        return "US";
    if (!regio__gaz_is_blank(default_country))
        return regio_country_code(g, default_country);
    return NULL;
}

/* The region code of a matched row, for countries whose region names the
 * gazetteer knows (elsewhere codes such as GeoNames' "02" mean nothing to a
 * reader). P rows of US territories are filed under US with their own
 * code as the region. */
static const char *known_region(const regio_gazetteer *g, const row *r)
{
    if (!r->region[0])
        return NULL;
    return regio__gaz_has_region_names(g, r->cc) ? r->region : NULL;
}

regio_err regio_geocode_record(const regio_gazetteer *g, const char *postal_code,
                               const char *city, const char *region,
                               const char *country, const char *default_country,
                               regio_geocode_result *out)
{
    if (!out)
        return REGIO_EINVAL;
    out->lat = out->lon = NAN;
    out->how = REGIO_GEO_NONE;
    out->country = out->region = out->city = NULL;
    if (!g)
        return REGIO_EINVAL;

    const char *cc = regio_record_country(g, country, region, default_country);
    out->country = cc;
    if (!cc && !regio__gaz_is_blank(country))
        return REGIO_ENOTFOUND; /* a country the gazetteer does not know */

    if (!regio__gaz_is_blank(postal_code)) {
        const char *pc = regio__gaz_postal_country(cc, postal_code);
        char code[16];
        /* Puerto Rico, Guam ... have ZIP codes: look them up as US ones. */
        if (pc && regio__gaz_is_us_territory(pc))
            pc = "US";
        if (pc && regio__gaz_postal_code_norm(pc, postal_code, code)) {
            const row *r = regio__gaz_lookup(g, REGIO__GAZ_POSTAL, pc, code);
            if (r) {
                out->lat = r->lat;
                out->lon = r->lon;
                out->how = REGIO_GEO_POSTAL;
                out->region = known_region(g, r);
                out->city = r->name && r->name[0] ? r->name : NULL;
                return REGIO_OK;
            }
        }
    }

    if (regio__gaz_is_blank(city) || !cc)
        return REGIO_ENOTFOUND;
    int has_region = !regio__gaz_is_blank(region);
    /* "San Juan, PR, US": GeoNames files territories under their own code,
     * where the region is no longer a filter. */
    if (has_region && regio__gaz_eq_ci(cc, "US")) {
        const char *st = regio_region_code(g, "US", region);
        if (st && regio__gaz_is_us_territory(st)) {
            cc = st;
            has_region = 0;
        }
    }
    char key[REGIO__GAZ_KEY_CAP];
    if (regio__place_norm(city, key, sizeof key) <= 0)
        return REGIO_ENOTFOUND;
    const row *chain = regio__gaz_lookup(g, REGIO__GAZ_CITY, cc, key);
    if (!chain)
        return REGIO_ENOTFOUND;

    const row *best;
    if (has_region) {
        const char *want = regio_region_code(g, cc, region);
        if (regio__gaz_has_region_names(g, cc)) {
            best = want ? best_place(g, chain, want) : NULL;
        } else {
            /* No region names for this country: a matching code helps, a
             * name we cannot check does not rule the place out. */
            char raw[64];
            const char *s = region;
            size_t n = strlen(region);
            regio__gaz_trim(&s, &n);
            snprintf(raw, sizeof raw, "%.*s", (int)(n < 63 ? n : 63), s);
            best = best_place(g, chain, raw);
            if (!best)
                best = best_place(g, chain, NULL);
        }
    } else {
        best = best_place(g, chain, NULL);
    }
    if (!best)
        return REGIO_ENOTFOUND;
    out->lat = best->lat;
    out->lon = best->lon;
    out->how = REGIO_GEO_CITY;
    out->region = known_region(g, best);
    return REGIO_OK;
}

regio_err regio_geocode(const regio_gazetteer *g, const char *postal_code,
                        const char *city, const char *region,
                        const char *country, double *lat, double *lon,
                        regio_geo_source *how)
{
    if (lat)
        *lat = NAN;
    if (lon)
        *lon = NAN;
    if (how)
        *how = REGIO_GEO_NONE;
    if (!g || !lat || !lon)
        return REGIO_EINVAL;
    regio_geocode_result res;
    regio_err rc = regio_geocode_record(g, postal_code, city, region, country, NULL, &res);
    *lat = res.lat;
    *lon = res.lon;
    if (how)
        *how = res.how;
    return rc;
}
