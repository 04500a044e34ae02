/*
 * JSON renderings shared by several handlers: a model, one territory with
 * its METRICS.md figures, the overall summary, the territories answer.
 */
#ifndef REGIO_SERVER_RENDER_H
#define REGIO_SERVER_RENDER_H

#include "server/app.h"

/* s as a JSON string, or null when s is NULL; caller owns the result. */
json_t *srv_json_str(const char *s);
/* v as a JSON number, or null when v is not finite; caller owns the result. */
json_t *srv_json_num(double v);

/* Written straight into a buffer, byte for byte as srv_reply_json writes
 * the same values through jansson (for pages too large to build as
 * objects first): s as a JSON string, or null when s is NULL (bytes that
 * are not UTF-8 become U+FFFD); v with 12 significant digits and a ".0"
 * when it would read as an integer, or null when not finite. */
regio_err srv_put_str(regio_buf *b, const char *s);
regio_err srv_put_num(regio_buf *b, double v);

/* Account a as the API shows it, with the caller's level as "access": the
 * one rendering of an account, for the list (GET /api/v1/accounts) and
 * for one (GET /api/v1/accounts/{id}). api_data.c. */
regio_err srv_put_account(regio_buf *b, const regio_account *a, regio_access_level lv);

/* A model as the API shows it; caller owns the result. */
json_t *srv_model_json(const regio_model_info *m);

/* With app->mu held: adds "territories" and "units_aligned" to a model
 * object made by srv_model_json (null when the store holds no units). */
void srv_model_add_counts(srv_app *app, json_t *mj);

/* Territory t of w: id, name, parent, units, locked_units, totals, target,
 * dev, travel_km, contiguous, components; caller owns the result. */
json_t *srv_territory_json(const srv_app *app, const srv_workspace *w, int t);

/* The overall figures of w (balance per measure, travel, non-contiguous,
 * empty, units, unaligned); caller owns the result. */
json_t *srv_summary_json(const srv_app *app, const srv_workspace *w);

/* The territories answer (hierarchy and metrics); balance is the
 * comma-separated list of measures the caller balances (NULL = default).
 * NULL and rs filled (400) for an unknown measure. */
json_t *srv_territories_json(const srv_app *app, const srv_workspace *w, const char *balance,
                             srv_response *rs);

/* With app->mu held: the territories FeatureCollection of w (dissolved
 * outlines, metrics as properties), built on first use and cached until
 * the next edit; borrowed (srv_reply_blob takes its own reference). NULL
 * and rs filled on failure. */
srv_blob *srv_territories_blob(srv_app *app, srv_workspace *w, srv_response *rs);

/*
 * Reads the string member key of body into *out (NULL when absent or null
 * and not required; borrowed from body). Returns 1 on success, else fills
 * rs with a 400 naming the field and returns 0. is_name adds the rules of
 * a new model's name: 1 to 100 characters, no control characters, no '/'.
 */
int srv_body_string(json_t *body, const char *key, int required, int is_name, const char **out,
                    srv_response *rs);

#endif
