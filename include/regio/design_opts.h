/*
 * The options of a design or realign run as text, parsed one way for every
 * caller: `regio design` / `regio realign` (their command-line options) and
 * the server's design and realign jobs (the same options as JSON fields).
 * Each parser checks what the library accepts and says what is wrong,
 * naming the option as the caller's user wrote it (style).
 */
#ifndef REGIO_DESIGN_OPTS_H
#define REGIO_DESIGN_OPTS_H

#include "regio/core.h"
#include "regio/design.h"
#include "regio/geo.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How messages name an option: "--max-moved" or "\"max_moved\"". */
typedef enum regio_opts_style { REGIO_OPTS_CLI, REGIO_OPTS_JSON } regio_opts_style;

/* Writes option key (snake_case, e.g. "max_moved") as style names it into
 * buf ("--max-moved" or "\"max_moved\""); returns buf. */
REGIO_API const char *regio_design_opt_name(regio_opts_style style, const char *key, char *buf,
                                            size_t cap);

/*
 * A tolerance: one number for every balanced measure, or a list of
 * NAME=T for measures being balanced (each held within its own T) with at
 * most one bare number for the others, e.g. "accounts=0.02,revenue=0.05"
 * or "0.05,potential=0.08". Every T is above 0 and below 1.
 * With measure_names NULL only the syntax is checked and the bare number
 * goes into *def. Otherwise each NAME must be one of the n_balance measures
 * measure_names[balance_cols[i]] and tols[i] receives its T (the others are
 * left alone; *def receives the bare number when there is one).
 * *has_named (may be NULL) is set to 1 when a NAME=T was given.
 * REGIO_EINVAL with a message otherwise.
 */
REGIO_API regio_err regio_design_tolerances_parse(const char *spec, regio_opts_style style,
                                                  const char *const *measure_names,
                                                  const int *balance_cols, size_t n_balance,
                                                  double *def, double *tols, int *has_named,
                                                  regio_error *err);

/* "travel" or "diameter". */
REGIO_API regio_err regio_design_objective_parse(const char *s, regio_opts_style style,
                                                 regio_design_objective *out, regio_error *err);

/* Index weights "W,W,...": exactly n_balance finite weights >= 0 into
 * out (n_balance entries). */
REGIO_API regio_err regio_design_index_weights_parse(const char *list, regio_opts_style style,
                                                     size_t n_balance, double *out,
                                                     regio_error *err);

/* k for a capacity (--k auto --capacity V): the total of measure col over
 * in's units divided by capacity (> 0), rounded up, at least 1. */
REGIO_API int regio_design_k_for_capacity(const regio_design_input *in, int col, double capacity);

/* The checks of the run's numbers, as the CLI and the jobs apply them:
 * time_limit >= 0 (0 = none), max_moved and max_moved_weight in [0, 1]
 * (0 = no cap), starts 0 (the schedule's) or 1..1000, k 1..100000 (0 =
 * not given). REGIO_EINVAL naming the first bad one. */
REGIO_API regio_err regio_design_numbers_check(const regio_design_params *p,
                                               regio_opts_style style, regio_error *err);

/*
 * Keep-whole groups: units with equal values of text attribute key form
 * one group; groups[i] receives unit i's group (-1: the unit has no such
 * attribute). REGIO_EINVAL when no unit has the attribute.
 */
REGIO_API regio_err regio_design_groups_by_attribute(const regio_unitset *us, const char *key,
                                                     regio_opts_style style, int *groups,
                                                     regio_error *err);

#ifdef __cplusplus
}
#endif
#endif
