/*
 * The territory brief's private parts: what brief.c gathers from the store
 * (held here by pointer to opaque store types, so that this header leads to
 * no store), the page-writing helpers (brief_page.c), the changes since the
 * previous model (brief_changes.c) and the map (brief_map.c), which is drawn
 * from plain shapes and dots and needs no store.
 */
#ifndef REGIO_BRIEF_INTERNAL_H
#define REGIO_BRIEF_INTERNAL_H

#include "regio/buf.h"
#include "regio/core.h"

#include <stddef.h>
#include <stdint.h>

struct regio_store;
struct regio_model_view;
struct regio_design_problem;
struct regio_strmap;
struct regio_model_info;

/* ---- what is gathered ------------------------------------------------------------------ */

/* An account held by the territory in this model or in the previous one. */
typedef struct regio__brief_acct {
    char *id, *name, *city, *segment; /* segment "" when none */
    double lat, lon, potential;
    int in_new, in_old;   /* in the territory in the model / the previous model */
    int by_hand;          /* the difference comes from a hand move, not its unit */
    char *from, *to;      /* the territories it left / joined (when it moved) */
    char last_visit[11];  /* "" when never visited */
    double bookings;      /* won amounts over the 365 days to the day */
} regio__brief_acct;

typedef struct regio__brief {
    struct regio_store *s;
    const char *model, *territory, *currency;
    char day[11];
    int32_t today;                /* the day as a regio_day */
    struct regio_design_problem *units;
    struct regio_model_view *v, *pv; /* the model, the previous one (or NULL) */
    char *prev;                   /* the previous model's name, or NULL */
    char prev_why[160];           /* how it was found */
    unsigned char *in_new, *in_old; /* per leaf of v / pv: under the territory */
    regio__brief_acct *a;
    size_t n, cap;
    struct regio_strmap *index;   /* account id -> position in a */
    char **reasons;               /* "u:ID" / "a:ID" -> why it moved */
    struct regio_strmap *reason_index;
    size_t n_reasons, cap_reasons;
    char **segments;              /* distinct segments, sorted; "" for none (last) */
    size_t n_segments;
    regio_error *err;
    int oom;                      /* a callback ran out of memory */
} regio__brief;

/* Fills b->err for an allocation failure and returns REGIO_ENOMEM. */
regio_err regio__brief_oom(regio__brief *b);

static inline char *regio__brief_dup(const char *s) { return s ? regio_strdup(s) : NULL; }

/* Whether leaf `leaf` is flagged in `in` (NULL: none is). */
static inline int regio__brief_in_leaf(const unsigned char *in, int leaf)
{
    return in && leaf >= 0 && in[leaf];
}

/* The id of leaf `leaf` of v, or NULL (no view, no leaf). */
const char *regio__brief_leaf_name(const struct regio_model_view *v, int leaf);

/* ---- the changes since the previous model (brief_changes.c) ------------------------- */

/* Sets b->prev (or leaves it NULL) and b->prev_why. */
regio_err regio__brief_find_previous(regio__brief *b);
/* Why units and accounts moved: hand moves in the audit log, challenges. */
regio_err regio__brief_gather_reasons(regio__brief *b);

/* ---- writing the page (brief_page.c) ------------------------------------------------ */

/* The page being written; oom is set by the first append that fails and
 * every later one is skipped, so a section checks it once at the end. */
typedef struct regio__page {
    regio_buf *o;
    int oom;
} regio__page;

void regio__bp_put(regio__page *p, const char *s);
void regio__bp_putf(regio__page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s HTML-escaped; "&ndash;" for NULL or empty. */
void regio__bp_esc(regio__page *p, const char *s);
/* A table cell holding s escaped (td_num: right-aligned, for numbers). */
void regio__bp_td(regio__page *p, const char *s);
void regio__bp_td_num(regio__page *p, const char *s);
/* Numbers for people into buf: money ("12.3 k", after the currency when
 * given), a share as a percentage ("35.0%", "–" when not finite), a count
 * ("1,204") and a counted noun ("1 account", "3 units"). */
const char *regio__bp_money(const char *currency, double v, char *buf, size_t cap);
const char *regio__bp_pct(double v, char *buf, size_t cap);
const char *regio__bp_count(double v, char *buf, size_t cap);
const char *regio__bp_nouns(double v, const char *noun, char *buf, size_t cap);
/* Appends s HTML-escaped (& < > " '); NULL appends nothing. */
regio_err regio__html_escape(regio_buf *b, const char *s);

/* The "What changed since the previous model" section. */
regio_err regio__brief_section_changes(regio__brief *b, regio__page *p,
                                       const struct regio_model_info *mi);

/* ---- the map (brief_map.c) --------------------------------------------------------- */

/* How a unit is drawn: held by the territory, joined since the previous
 * model, or left it. */
enum { REGIO__BRIEF_HELD = 0, REGIO__BRIEF_JOINED = 1, REGIO__BRIEF_LEFT = 2 };

/* A unit: its WKB polygon (borrowed; NULL for a point unit) and centroid. */
typedef struct regio__brief_shape {
    const unsigned char *wkb;
    size_t wkb_len;
    double lat, lon;
    int kind;
} regio__brief_shape;

/* An account: its position and the palette colour of its segment. */
typedef struct regio__brief_dot {
    double lat, lon;
    int colour;
} regio__brief_dot;

/* Colours of the map's segments (the palette cycles). */
#define REGIO__BRIEF_COLOURS 8
extern const char *const regio__brief_palette[REGIO__BRIEF_COLOURS];

/*
 * Appends an inline <svg> of the shapes (simplified to about a pixel) and
 * the dots, fitted into width x height pixels with an equirectangular
 * projection around their middle latitude. Nothing to draw gives a note
 * instead of a map. REGIO_ENOMEM, or REGIO_EGEOM for a WKB GEOS cannot read.
 */
regio_err regio__brief_map_svg(const regio__brief_shape *shapes, size_t n_shapes,
                               const regio__brief_dot *dots, size_t n_dots, int width,
                               int height, regio_buf *out, regio_error *err);

#endif
