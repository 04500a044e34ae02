/*
 * The territory brief (the hand-over of a new alignment to a rep): one
 * self-contained HTML page per territory of a model — who holds it, a map
 * of its units and accounts drawn as inline SVG, its accounts by segment
 * with their last visit and last year's bookings, the stored call plan, the
 * quota and last period's figures, and what changed since the previous
 * model and why. Every rule lives here; the CLI writes the page and prints
 * it to PDF.
 */
#ifndef REGIO_BRIEF_H
#define REGIO_BRIEF_H

#include "regio/buf.h"
#include "regio/core.h"
#include "regio/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Options of a brief. Zero-initialise; NULL means the default noted.
 * Strings borrowed. */
typedef struct regio_brief_opts {
    const char *day;            /* "YYYY-MM-DD" the brief is as of; NULL: today (UTC) */
    const char *currency;       /* shown before amounts ("USD"); NULL: none */
    const char *segment_visits; /* visit frequencies for coverage ("A=24,B=12,C=4") */
} regio_brief_opts;

/*
 * Appends the brief of territory `territory` (a leaf, or a parent: the
 * leaves below it) of model `model` to out as one HTML page with inline
 * CSS and an inline SVG map, loading nothing from a network. Sections, in
 * order (docs/FORMATS.md, "Territory brief"): the header (territory, model,
 * rep, members), the map, the accounts by segment (potential, last visit,
 * bookings over the 365 days before the day), the call plan (the newest
 * stored plan of the model for the territory or its rep), the quota and
 * results (regio_perf_compute: the last full quarter and the current one),
 * and the changes since the previous model (the one in force before this
 * model per the promotion history; for a model never promoted, the model in
 * force on the day): units and hand-moved accounts that joined or left,
 * with their measures and the reason recorded (a challenge's decision, a
 * hand move in the audit log). Every string from the store is
 * HTML-escaped. REGIO_ENOTFOUND for an unknown model or territory (the
 * message names it), REGIO_EINVAL for a bad day or segment map; out is
 * then left as it was. The caller keeps ownership of its inputs and of out.
 */
REGIO_API regio_err regio_brief_html(regio_store *s, const char *model, const char *territory,
                                     const regio_brief_opts *opts, regio_buf *out,
                                     regio_error *err);

#ifdef __cplusplus
}
#endif
#endif
