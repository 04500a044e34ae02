/*
 * A territory model as the store holds it, loaded for work: its hierarchy
 * (leaf territories that units are aligned to, and the parents that group
 * them), one label per unit, the locked units, the manual account
 * overrides, the rep of each territory and the revision it was read at.
 * Every rule about stored models lives here, so that the CLI and the
 * server give the same answer to the same request: edits go through the
 * store's revision guard, the METRICS.md report counts account overrides
 * in their new territory, and a realign starts from the model's labels
 * with its locks and ends with its hierarchy.
 */
#ifndef REGIO_MODEL_VIEW_H
#define REGIO_MODEL_VIEW_H

#include "regio/buf.h"
#include "regio/core.h"
#include "regio/design.h"
#include "regio/design_io.h"
#include "regio/store.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One territory of a model's hierarchy. Strings owned by the view. */
typedef struct regio_model_node {
    char *id;     /* external id, unique in the model */
    char *name;   /* display name, or NULL */
    char *parent; /* parent's id, or NULL for a root */
    char *rep;    /* external id of the territory's rep, or NULL (vacant) */
} regio_model_node;

/* A manual account override: the account belongs to territory `to`
 * whatever its unit's territory. */
typedef struct regio_model_override {
    char *account;   /* account external id (owned by the view) */
    int to;          /* leaf index of the territory, or -1 when it is a parent */
    char *territory; /* the territory's id as stored (owned by the view) */
    long unit;       /* index of the account's unit in the units, or -1 */
    double *delta;   /* m: what the account adds to a territory per measure
                        (accounts 1, revenue its annual_revenue, potential its
                        potential; 0 for other measures), owned by the view */
} regio_model_override;

/*
 * A loaded model. Fields are read-only for callers: change them only
 * through the functions below, which keep them consistent with the store.
 * Leaves are the territories units may be aligned to: every territory no
 * other territory names as its parent, plus any parent that holds units;
 * they are indexed 0..k-1 in id order and labels refer to them.
 */
typedef struct regio_model_view {
    char *model;                /* the model's name */
    regio_model_state state;
    long revision;              /* alignment revision the labels belong to */
    const regio_design_problem *units; /* borrowed: the store's units */
    int k;                      /* leaves */
    char **territory;           /* k leaf ids, sorted */
    char **territory_name;      /* k display names, or NULL entries */
    char **territory_parent;    /* k parent ids, or NULL entries */
    char **territory_rep;       /* k rep ids, or NULL entries */
    regio_model_node *nodes;    /* every territory of the model, leaves and */
    size_t n_nodes;             /* parents, in id order */
    int *labels;                /* n unit labels 0..k-1, -1 = unaligned */
    unsigned char *locked;      /* n: 1 = locked unit */
    regio_model_override *overrides; /* manual account overrides, by account id */
    size_t n_overrides;
    size_t n_aligned;           /* units with a label */
    regio_design_report report; /* METRICS.md figures, overrides included */
    int has_report;             /* 0 while no unit is aligned */
    int balance_col;            /* measure the report balances and weighs travel by */
    /* internal: indexes and the measures of the last evaluation */
    struct regio_strmap *leaf_index_, *override_index_;
    struct regio__eval_memo *eval_memo_; /* the last evaluation, for the next */
    int *eval_cols_;
    size_t n_eval_cols_;
    double eval_tol_;
} regio_model_view;

/*
 * Loads model (by name; NULL = the active model) of store s over the units
 * of `units` (the store's units, loaded with regio_design_problem_load in
 * store mode; borrowed, must outlive the view) and computes its report
 * with measure balance_col (< 0: "accounts" when the units have it, else
 * the first measure). Alignment rows of units that are not among `units`
 * are ignored. *out is owned by the caller (regio_model_view_destroy).
 */
REGIO_API regio_err regio_model_view_load(regio_store *s, const regio_design_problem *units,
                                          const char *model, int balance_col,
                                          regio_model_view **out, regio_error *err);

/*
 * Brings v up to date with the store (another handle or process changed the
 * model): everything is read again, keeping the measures v is evaluated
 * with; when the leaves are the same, only those whose units changed are
 * measured again. *changed (may be NULL) receives v->k flags, 1 for those
 * leaves, or NULL when everything changed (other leaves); the caller frees
 * it (regio_free). On failure v is stale (as after an apply it could not
 * follow) or, when the store could not be read, as it was.
 */
REGIO_API regio_err regio_model_view_reload(regio_store *s, regio_model_view *v,
                                            unsigned char **changed, regio_error *err);

/* Frees a view. Accepts NULL. */
REGIO_API void regio_model_view_destroy(regio_model_view *v);

/* Leaf index of territory id, or -1 (parents and unknown ids). */
REGIO_API int regio_model_view_leaf(const regio_model_view *v, const char *id);

/* The node of territory id (leaf or parent), or NULL. Owned by the view. */
REGIO_API const regio_model_node *regio_model_view_node(const regio_model_view *v,
                                                        const char *id);

/*
 * The territory an account belongs to in the view: its override when it
 * has one, else its unit's label. Returns the leaf index, or -1 when the
 * account is in no leaf (no unit, an unaligned unit, or an override to a
 * parent). unit_id is the account's unit (may be NULL).
 */
REGIO_API int regio_model_view_account_leaf(const regio_model_view *v, const char *account_id,
                                            const char *unit_id);

/*
 * Recomputes v->report (METRICS.md) balancing n_balance measures (NULL/0:
 * v->balance_col) with the given tolerance (<= 0: the default), travel
 * weighted by the first of them. A manually moved account's measures count
 * in the territory it was moved to; travel and contiguity stay unit-based.
 * Units in no territory (added to the store after the model was made)
 * count in no total, travel or contiguity; report.n_unaligned counts them.
 * Leaves has_report 0 (and returns REGIO_OK) while no unit is aligned.
 */
REGIO_API regio_err regio_model_view_evaluate(regio_model_view *v, const int *balance_cols,
                                              size_t n_balance, double tolerance,
                                              regio_error *err);

/*
 * What the view's account overrides add to (and take from) the totals of k
 * territories named names[0..k) (any naming of the model's leaves; an
 * override into a territory not among them only leaves its old one): k*m
 * amounts for regio_design_params.measure_adjust. *out is owned by the
 * caller (regio_free).
 */
REGIO_API regio_err regio_model_view_measure_adjust(const regio_model_view *v, int k,
                                                    char *const *names, double **out,
                                                    regio_error *err);

/*
 * Applies a batch of moves (rows as for regio_store_alignment_apply: a unit
 * or an account to a territory; an account to NULL removes its override)
 * to the model in the store and, on success, to the view: labels,
 * overrides, revision and report. expected_rev is the revision the caller
 * based the moves on. The store's guards come first (model, planning,
 * revision: see regio_store_alignment_apply for the statuses); a view
 * older than the store's revision (an edit through another handle) is
 * loaded again first; a parent as destination is refused (units and
 * accounts go to leaves); the store checks the rows (unknown ids, locked
 * units). A refusal changes nothing. *changed (may be NULL) receives v->k
 * flags, 1 for the leaves whose units or accounts changed (caller frees
 * with regio_free). When the view cannot follow a committed change (out of
 * memory), the call still succeeds but the view is left stale: revision -1,
 * no overrides, no report; load the model again.
 */
REGIO_API regio_err regio_model_view_apply(regio_store *s, regio_model_view *v, long expected_rev,
                                           const regio_alignment_row *rows, size_t n,
                                           const char *actor, unsigned char **changed,
                                           regio_apply_status *status, regio_error *err);

/*
 * The guards of _apply (lock = 0) or _lock (lock != 0) alone, without a
 * view: REGIO_OK when model is planning and expected_rev is its current
 * revision, else the refusal (status and error) the edit itself would get.
 * A server checks an edit with it before it loads or brings up to date the
 * view the edit needs: an edit based on an old revision (the usual
 * outcome when many edit one model) is refused for the price of one read.
 * *current (may be NULL) receives the store's revision.
 */
REGIO_API regio_err regio_model_edit_guard(regio_store *s, const char *model, long expected_rev,
                                           int lock, const char *actor, long *current,
                                           regio_apply_status *status, regio_error *err);

/* Locks (locked != 0) or unlocks units, with the guards of _apply (a stale
 * view is loaded again first); on success the view's locks and revision
 * follow. */
REGIO_API regio_err regio_model_view_lock(regio_store *s, regio_model_view *v, long expected_rev,
                                          const char *const *unit_ids, size_t n, int locked,
                                          const char *actor, regio_apply_status *status,
                                          regio_error *err);

/*
 * What a realign of the view starts from: the leaves that hold units
 * (renumbered 0..k-1 in id order; parents and empty leaves are not labels),
 * the baseline labels and the locks (a locked unit keeps its territory).
 * A unit in no territory (added to the store after the model was made)
 * starts in the territory of the aligned unit nearest to it in hops over
 * the adjacency (by distance when no path leads to one), so the realign
 * assigns it; REGIO_EDATA when no unit is aligned at all. All outputs are owned
 * by the caller: *names (k strings) with regio_model_view_names_free,
 * *baseline and *locked (NULL when nothing is locked) with regio_free.
 */
REGIO_API regio_err regio_model_view_realign_input(const regio_model_view *v, int *k,
                                                   char ***names, int **baseline, int **locked,
                                                   regio_error *err);

/* Frees k names from regio_model_view_realign_input. Accepts NULL. */
REGIO_API void regio_model_view_names_free(char **names, int k);

/* regio_model_view_save flag: an existing planning model `target` is
 * emptied (regio_store_model_reset) and takes the result. */
#define REGIO_SAVE_REPLACE 1u
/* regio_model_view_save flag: the caller has a transaction open
 * (regio_store_begin): the save writes inside it and neither commits nor
 * rolls it back (a job's worker finishes the job in the same one). */
#define REGIO_SAVE_IN_TXN 2u

/*
 * Whether a result may be saved as model `target` with these flags, the
 * rules regio_model_view_save applies (so a caller can refuse before a long
 * run): a valid name; a new name, or with REGIO_SAVE_REPLACE an existing
 * planning model (*exists = 1). REGIO_ECONFLICT otherwise, nothing written.
 */
REGIO_API regio_err regio_model_save_check(regio_store *s, const char *target, unsigned flags,
                                           int *exists, regio_error *err);

/*
 * Saves the result of a design or realign as planning model `target`,
 * labels[i] in 0..k-1 naming names[label]. A model of that name is never
 * overwritten in silence: without REGIO_SAVE_REPLACE in flags it is refused
 * (REGIO_ECONFLICT, nothing written); with it a planning model is replaced
 * whole (its hand edits, locks and overrides go), an active or archived
 * one never is. With base (a realign's view, may be NULL) a new model
 * records base as its parent, and the result keeps base's territory names,
 * parents (all ancestors of the saved territories, parents first), reps
 * and locked units. reps (may be NULL) gives territory names[t] the rep
 * reps[t] (a rep external id of the store; NULL = vacant) instead, as
 * regio_model_reps_assign chose them; without it the saved territories
 * keep base's reps, or have none. One transaction, audited as
 * "design.save" by actor.
 */
REGIO_API regio_err regio_model_view_save(regio_store *s, const regio_design_problem *units,
                                          const regio_model_view *base, int k,
                                          char *const *names, const int *labels,
                                          const char *const *reps, const char *target,
                                          unsigned flags, const char *actor,
                                          regio_error *err);

/*
 * regio_model_view_save with the reasons of the result (regio_design_explain
 * over units->in: reasons[q].unit indexes its units; n_reasons may be 0),
 * stored with the model in the same transaction: the model's earlier
 * reasons go (regio_model_view_save clears them too).
 */
REGIO_API regio_err regio_model_view_save_explained(regio_store *s,
                                                    const regio_design_problem *units,
                                                    const regio_model_view *base, int k,
                                                    char *const *names, const int *labels,
                                                    const char *const *reps,
                                                    const regio_design_reason *reasons,
                                                    size_t n_reasons, const char *target,
                                                    unsigned flags, const char *actor,
                                                    regio_error *err);

/* regio_model_reps_assign flag: a realign's base territories do not keep
 * their reps; every rep is chosen again. */
#define REGIO_REPS_REASSIGN 1u
/* regio_model_reps_assign flag: a territory named like a rep of the store
 * is that rep's (a design on rep homes names its territories by rep). */
#define REGIO_REPS_BY_NAME 2u

/* The reps of a result's territories (regio_model_reps_assign). Owned by
 * the caller; free with regio_model_reps_destroy. */
typedef struct regio_model_reps {
    int k;
    regio_rep_assignment assignment; /* rep indices refer to rep_ids */
    size_t n_reps;
    char **rep_ids;                  /* the store's reps in id order */
    const char **territory_rep;      /* k: each territory's rep id (pointing into
                                        rep_ids), NULL = vacant: what
                                        regio_model_view_save takes */
} regio_model_reps;

/*
 * Gives the k territories of a design or realign result (names[t], unit
 * labels over units->in as for regio_model_view_save) reps from the
 * store's reps (regio_store_reps_foreach; a rep's home is its lat/lon)
 * with regio_rep_assign, distances weighted by measure weight_col
 * (REGIO_DESIGN_TRAVEL_UNIFORM: none). Pinned, so kept whatever their
 * distance: with base (a realign's model, may be NULL) the rep each
 * territory has in base, unless REGIO_REPS_REASSIGN; with
 * REGIO_REPS_BY_NAME the rep a territory is named after. Every other
 * territory gets the free rep that makes the total home-to-territory
 * distance least; with fewer reps than territories some stay vacant. *out
 * is owned by the caller (regio_model_reps_destroy).
 */
REGIO_API regio_err regio_model_reps_assign(regio_store *s, const regio_design_problem *units,
                                            const regio_model_view *base, int k,
                                            char *const *names, const int *labels,
                                            int weight_col, unsigned flags,
                                            regio_model_reps **out, regio_error *err);

/* Frees reps from regio_model_reps_assign. Accepts NULL. */
REGIO_API void regio_model_reps_destroy(regio_model_reps *r);

/*
 * The assignment in words (regio_rep_assignment_describe) appended to out:
 * lines for people, each ending in a newline, naming territories by names
 * (the k given to regio_model_reps_assign) and reps by id.
 */
REGIO_API regio_err regio_model_reps_describe(const regio_model_reps *r,
                                              const regio_design_problem *units,
                                              char *const *names, regio_buf *out);

/*
 * Checks a model name: non-empty, at most 100 characters (code points), no
 * control characters and no '/' (a name is one URL path segment). Returns
 * NULL when fine, else a phrase saying what is wrong ("must not be
 * empty"); static storage.
 */
REGIO_API const char *regio_model_name_problem(const char *name);

/*
 * REGIO_OK when name is a valid model name, else REGIO_EINVAL with
 * err->msg "model name 'NAME' <what is wrong>" (NAME cut after 100
 * characters, with "..."): the text the store refuses a name with, the
 * CLI prints and the API answers.
 */
REGIO_API regio_err regio_model_name_check(const char *name, regio_error *err);

#ifdef __cplusplus
}
#endif
#endif
