/*
 * Territory design on files: loads units, adjacency, rep homes, locked
 * units, targets and baseline alignments into a design problem, and writes
 * alignments and reports (JSON, CSV, text). Backs `regio design`,
 * `regio realign` and `regio report`; the server makes the same calls.
 */
#ifndef REGIO_DESIGN_IO_H
#define REGIO_DESIGN_IO_H

#include "regio/core.h"
#include "regio/design.h"
#include "regio/import.h"
#include "regio/store.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What to load. Paths may be NULL when not used. */
typedef struct regio_design_spec {
    const char *units_path;              /* any units file regio_units_load reads; */
    regio_store *store;                  /* ... or, when units_path is NULL, the
                                            store's units and adjacency */
    const char *baseline_model;          /* store: a model whose alignment is the
                                            baseline (realign / disruption) */
    const char *alignment_model;         /* store: the model to measure (report) */
    regio_units_import_opts units_opts;  /* adjacency_path, layer, where, ... */
    int with_geometry;          /* store: also load the units' WKB polygons */
    const char *balance;        /* comma-separated measure names; NULL = the first measure */
    const char *index_weights;  /* comma-separated weights, one per balance measure */
    const char *travel;         /* travel weight measure; NULL = first balance measure */
    const char *homes_path;     /* reps: id,lat,lon (or x,y): one territory per rep */
    const char *locked_path;    /* unit_id,territory */
    const char *keep_whole;     /* attribute whose equal values stay together */
    const char *targets_path;   /* territory,share */
    const char *baseline_path;  /* unit_id,territory: realign start / disruption base */
    const char *alignment_path; /* unit_id,territory: the labelling to measure (report) */
    int k;                      /* territories; 0 = from homes, baseline or alignment */
    double capacity;            /* > 0: k = ceil(total of the first balance measure / capacity) */
} regio_design_spec;

/* A loaded problem: engine input, the parameters the files define, and
 * the territory names. Owned by the caller; free with
 * regio_design_problem_destroy. */
typedef struct regio_design_problem {
    regio_units_loaded loaded;
    regio_design_input in;       /* arrays below, borrowed by in */
    regio_design_params params;  /* k, balance, travel, targets, homes, locks, groups, baseline */
    int k;
    char **territory;            /* k names: rep ids, baseline labels or T01.. */
    char **territory_rep;        /* k rep ids (NULL entries: vacant) that reports show,
                                    or NULL when no rep is known: a stored model's
                                    (the alignment model, else the baseline model),
                                    or regio_design_problem_set_reps */
    int *alignment;              /* labels of spec.alignment_path, or NULL */
    char **notes;                /* sentences about the input (k chosen, islands) */
    size_t n_notes;
    /* owned storage */
    double *x_, *y_, *measures_;
    int *xadj_, *adjncy_, *balance_cols_, *locked_, *groups_, *baseline_;
    double *weights_, *targets_, *home_x_, *home_y_;
    const char **unit_ids_;
    int n_names_;                /* territory names allocated */
} regio_design_problem;

/* Loads everything the spec names. Errors name the file, line and field. */
REGIO_API regio_err regio_design_problem_load(const regio_design_spec *spec, regio_design_problem **out,
                                    regio_error *err);

/*
 * The store's units, measures and adjacency as a problem over which stored
 * models are loaded (regio_model_view_load): store mode with k = 1, each
 * model bringing its own territories; with their polygons when
 * with_geometry. *out is owned by the caller (regio_design_problem_destroy).
 */
REGIO_API regio_err regio_design_problem_load_units(regio_store *s, int with_geometry,
                                                   regio_design_problem **out,
                                                   regio_error *err);

/* Frees a problem. Accepts NULL. */
REGIO_API void regio_design_problem_destroy(regio_design_problem *p);

/* Sets the reps reports show for p's territories: reps[t] is the rep of
 * p->territory[t] (p->k entries, NULL = vacant; copied into p); NULL
 * forgets them. REGIO_ENOMEM leaves p without reps. */
REGIO_API regio_err regio_design_problem_set_reps(regio_design_problem *p,
                                                  const char *const *reps, regio_error *err);

/* Writes `unit_id,territory`, one row per unit in input order, to path
 * through regio_output_write (regio/output.h: a regular file atomically,
 * a device or FIFO in place, "-" or NULL standard output). */
REGIO_API regio_err regio_design_write_alignment(const regio_design_problem *p, const int *labels,
                                       const char *path, regio_error *err);

typedef enum regio_report_format {
    REGIO_REPORT_JSON,
    REGIO_REPORT_CSV,
    REGIO_REPORT_TEXT
} regio_report_format;

/* Writes the METRICS.md figures of a labelling: per territory (with its
 * rep when p->territory_rep is set) and overall, with disruption and the
 * moved units when a baseline is loaded, and the run's diagnostics when
 * res is given (NULL for `regio report`). */
REGIO_API regio_err regio_design_write_report(const regio_design_problem *p, const int *labels,
                                    const regio_design_report *r,
                                    const regio_design_result *res, regio_report_format fmt,
                                    FILE *out, regio_error *err);

/* Appends reason r (of a result over p's units) to b as a JSON object:
 * {"kind", "territory", the kind's numbers ("measure",
 * "deviation_without", "deviation_with" for balance; "distance_from",
 * "distance_to" for travel; "detached_piece_units" or "pieces_without"
 * for contiguity; "group_units"), "block_units", "text"}. */
REGIO_API regio_err regio_design_reason_json(const regio_design_problem *p,
                                             const regio_design_reason *r, regio_buf *b);

/*
 * Writes a proposal front (regio_design_propose) for people or programs:
 * text is the summary table (one row a proposal: name, each balanced
 * measure's balance in %, travel km, moved units and %, non-contiguous
 * territories, the tolerance of its run, whether its run met it), JSON an
 * object {"front", "runs", "seconds", "proposals": [{"proposal", "name",
 * "status", "balance", "travel_km", "moved_units", "moved_share",
 * "tolerance", "reasons": {KIND: count}, "report": the proposal's
 * regio_design_write_report JSON}]}. names (props->n entries, may be
 * NULL) are the models or files the proposals were saved as.
 */
REGIO_API regio_err regio_design_write_proposals(const regio_design_problem *p,
                                                 const regio_design_proposals *props,
                                                 const char *const *names,
                                                 regio_report_format fmt, FILE *out,
                                                 regio_error *err);

#ifdef __cplusplus
}
#endif
#endif
