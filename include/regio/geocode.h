/*
 * Offline geocoding: an in-memory gazetteer of postal-code centroids, places,
 * country aliases and region names, loaded from share/gazetteer.tsv (built by
 * `make deps` from npm data packages; format in docs/DATA_SOURCES.md). An
 * opened gazetteer is read-only, so lookups may run from many threads.
 */
#ifndef REGIO_GEOCODE_H
#define REGIO_GEOCODE_H

#include "regio/core.h"
#include "regio/model.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An opened gazetteer; opaque. */
typedef struct regio_gazetteer regio_gazetteer;

/*
 * Loads a gazetteer file into memory. With path NULL it searches, in order,
 * $REGIO_GAZETTEER, <directory of the running executable>/../share/
 * gazetteer.tsv and <source tree>/share/gazetteer.tsv, and fails with
 * REGIO_ENOTFOUND (err->msg lists the places tried) when none exists.
 * Malformed rows give REGIO_EPARSE with the line in err. On success the
 * caller owns *out and releases it with regio_gazetteer_close.
 */
REGIO_API regio_err regio_gazetteer_open(const char *path, regio_gazetteer **out,
                               regio_error *err);

/* Releases a gazetteer and everything it owns. Accepts NULL. */
REGIO_API void regio_gazetteer_close(regio_gazetteer *g);

/* Path of the loaded file; owned by the gazetteer, valid until close. */
REGIO_API const char *regio_gazetteer_path(const regio_gazetteer *g);

/* Row counts by kind (any out-pointer may be NULL); plain values, no
 * ownership. */
REGIO_API void regio_gazetteer_counts(const regio_gazetteer *g, size_t *n_postal,
                            size_t *n_places, size_t *n_country_aliases,
                            size_t *n_region_names);

/*
 * Places a record: first by postal code (country-qualified; ZIP+4, 9-digit
 * ZIPs and ZIPs that lost their leading zeros are repaired for the US), then
 * by city + region + country. Without a region the most populous matching
 * place wins; with a region (code or name) the place must lie in it, for
 * countries whose region names the gazetteer knows (US, CA) — elsewhere a
 * matching region is preferred but not required. country may be an ISO
 * 3166-1 alpha-2 or alpha-3 code or a name; when it is NULL or empty, "US"
 * is assumed if the region is a US state (for the postal code and the city)
 * or the postal code looks like a full US ZIP (for the postal code). Any
 * string argument may be NULL. regio_geocode_record also takes a default
 * country and tells what it matched. Writes *lat, *lon (degrees) and
 * *how (REGIO_GEO_POSTAL or REGIO_GEO_CITY); when nothing matches returns
 * REGIO_ENOTFOUND with NAN coordinates and *how = REGIO_GEO_NONE. Plain
 * values, no ownership.
 */
REGIO_API regio_err regio_geocode(const regio_gazetteer *g, const char *postal_code,
                        const char *city, const char *region,
                        const char *country, double *lat, double *lon,
                        regio_geo_source *how);

/*
 * The country (ISO alpha-2) a record is read in, for its postal code and
 * its place: the given country's code when country is not blank (NULL when
 * the gazetteer does not know it: an unknown country is never replaced);
 * else "US" when the region is a US state or territory, as code or name
 * ("MA", "Massachusetts"); else default_country's code (a per-import
 * default such as `regio import --country US`; NULL or blank for none);
 * else NULL. A full-shape ZIP ("12345") without a country is read as a US
 * one by the lookups themselves, not here. The string is owned by the
 * gazetteer (or static), valid until it is closed.
 */
REGIO_API const char *regio_record_country(const regio_gazetteer *g, const char *country,
                                           const char *region,
                                           const char *default_country);

/* What regio_geocode_record found. Strings are owned by the gazetteer and
 * valid until it is closed. */
typedef struct regio_geocode_result {
    double lat, lon;       /* degrees; NAN when not placed */
    regio_geo_source how;  /* REGIO_GEO_POSTAL, REGIO_GEO_CITY or REGIO_GEO_NONE */
    const char *country;   /* the country the record was read in
                            * (regio_record_country), or NULL */
    const char *region;    /* region code of the matched postal code or place,
                            * only for countries whose region names the
                            * gazetteer knows (US, CA), else NULL */
    const char *city;      /* place name of the matched postal code, when the
                            * gazetteer row carries one; NULL for city
                            * matches (the record named the city) */
} regio_geocode_result;

/*
 * regio_geocode with a default country and what was matched: the record is
 * read in regio_record_country(g, country, region, default_country) (and,
 * with no country at all, in the US when its postal code has a full ZIP's
 * shape); then placed by postal code, then by city as regio_geocode does.
 * Fills *out (all of it, also when nothing matches) and returns REGIO_OK,
 * REGIO_ENOTFOUND or REGIO_EINVAL (g or out NULL).
 */
REGIO_API regio_err regio_geocode_record(const regio_gazetteer *g, const char *postal_code,
                                         const char *city, const char *region,
                                         const char *country, const char *default_country,
                                         regio_geocode_result *out);

/*
 * Restores the leading zeros a spreadsheet dropped from a US ZIP code, for
 * a record read in the US or a US territory (country: alpha-2, "US", "PR",
 * "GU", "VI", "AS", "MP"; anything else leaves the code alone): 3 or 4
 * digits are padded to 5 ("2134" -> "02134", "501" -> "00501"), optionally
 * followed by "-" and the 4 digits of ZIP+4, which are kept ("2134-1234" ->
 * "02134-1234"); 8 digits are a ZIP+4 written without its hyphen
 * ("21341234" -> "021341234"); a trailing ".0" of a number-formatted cell
 * goes with it ("2134.0" -> "02134"). Surrounding blanks are ignored.
 * Writes the restored code into out (cap bytes, 16 are always enough) and
 * returns 1; returns 0 and leaves out alone when the code is not such a
 * ZIP (it is complete, not a ZIP at all, or the country is not the US).
 */
REGIO_API int regio_postal_restore(const char *country, const char *postal_code, char *out,
                                   size_t cap);

/*
 * Country-qualified, normalised postal key ("US-94103", "CA-K1A0B1"): upper
 * case, spaces and hyphens removed; for the US the 5-digit ZIP, with ZIP+4
 * cut and lost leading zeros restored ("2134" gives "US-02134"); US
 * territories (PR, GU, VI, AS, MP) use US ZIP keys. country is
 * an ISO alpha-2 code or a common US alias ("USA", "U.S."); NULL or empty
 * means "US" when the code looks like a US ZIP. Returns NULL when no valid
 * key can be made; otherwise the caller frees the string with regio_free.
 */
REGIO_API char *regio_postal_key(const char *country, const char *postal_code);

/*
 * ISO 3166-1 alpha-2 code for a country code (alpha-2 or alpha-3) or name
 * in any of the gazetteer's languages, or NULL when unknown. The returned
 * string is owned by the gazetteer and valid until it is closed.
 */
REGIO_API const char *regio_country_code(const regio_gazetteer *g,
                               const char *name_or_code);

/*
 * Region code ("CA" for "California" in the US) for a region code or name
 * in a country (alpha-2), or NULL when the gazetteer knows no region names
 * for that country or the name is unknown. The returned string is owned by
 * the gazetteer, valid until it is closed.
 */
REGIO_API const char *regio_region_code(const regio_gazetteer *g, const char *country,
                              const char *name_or_code);

/*
 * The gazetteer's key normalisation of a place or country name: lower case,
 * Latin diacritics folded to ASCII, apostrophes dropped, other punctuation
 * turned into single spaces, runs of one-letter words joined ("U.S.A." gives
 * "usa"), and st/ste/mt/ft expanded to saint/sainte/mount/fort. Returns NULL
 * for NULL input or on allocation failure; otherwise the caller frees the
 * string with regio_free.
 */
REGIO_API char *regio_place_norm(const char *s);

#ifdef __cplusplus
}
#endif
#endif
