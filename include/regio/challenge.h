/*
 * Reps challenge, managers decide (docs/ACCESS.md): what a planning model
 * changes for a member of the model in force — units and accounts moving
 * into or out of their territories, with what they carry — and the
 * challenges raised against such changes: a reason from the member, then
 * an approval (the counter-move back to the territory of the model in
 * force, applied to the planning model through its revision guard), a
 * rejection with a comment, or a withdrawal by the member; optionally an
 * automatic approval when the counter-move keeps every territory within
 * the model's balance tolerance. Rights are decided here, from the store,
 * so the CLI and the server give the same answers; every step is audited.
 */
#ifndef REGIO_CHALLENGE_H
#define REGIO_CHALLENGE_H

#include "regio/core.h"
#include "regio/model_view.h"
#include "regio/store.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Where a challenge stands. Open is the only state that changes; values
 * stable, stored as their names. */
typedef enum regio_challenge_state {
    REGIO_CHALLENGE_OPEN = 0,
    REGIO_CHALLENGE_APPROVED = 1,
    REGIO_CHALLENGE_REJECTED = 2,
    REGIO_CHALLENGE_WITHDRAWN = 3
} regio_challenge_state;

/* "open", "approved", "rejected", "withdrawn"; static storage. */
REGIO_API const char *regio_challenge_state_name(regio_challenge_state st);
/* Parses a state name; -1 when it is none of the four. */
REGIO_API int regio_challenge_state_parse(const char *name);

/*
 * Why a challenge call did what it did, so that shells map refusals onto
 * distinct answers (404, 403, 409, 422) without parsing messages. Values
 * stable.
 */
typedef enum regio_challenge_outcome {
    REGIO_CHALLENGE_DONE = 0,      /* done */
    REGIO_CHALLENGE_HIDDEN = 1,    /* no such challenge, model or change that the user may
                                      see (REGIO_ENOTFOUND): answer as if it did not exist */
    REGIO_CHALLENGE_FORBIDDEN = 2, /* the user sees it but may not do this (REGIO_ECONFLICT) */
    REGIO_CHALLENGE_CLOSED = 3,    /* it is no longer open, or the same change is already
                                      challenged (REGIO_ECONFLICT) */
    REGIO_CHALLENGE_STALE = 4,     /* the planning model is not at the expected revision
                                      (REGIO_ECONFLICT; the current revision is reported) */
    REGIO_CHALLENGE_REFUSED = 5,   /* the counter-move cannot be made: the model is not
                                      planning, the unit is locked, the territory it goes back
                                      to is not in the model (REGIO_ECONFLICT / REGIO_EDATA) */
    REGIO_CHALLENGE_INVALID = 6,   /* a missing or malformed argument: no reason, no comment
                                      for a rejection, neither or both of unit and account
                                      (REGIO_EINVAL) */
    REGIO_CHALLENGE_ERROR = 7      /* anything else: store, memory (see the regio_err) */
} regio_challenge_outcome;

/* ---- the challenges in the store ------------------------------------------------ */

/*
 * A challenge as stored, and as regio_store_challenge_add takes it (id,
 * state, the decision fields and created_at are then ignored). Strings are
 * borrowed: owned by the caller when given, by the store (valid during the
 * callback) when read.
 */
typedef struct regio_challenge {
    long id;
    const char *model;      /* the planning model challenged */
    const char *territory;  /* the challenger's territory the change touches (external id,
                               the same in the model in force and in the planning model) */
    const char *unit;       /* the unit that moves, or NULL */
    const char *account;    /* the account that moves, or NULL (exactly one of the two) */
    const char *from;       /* where it was in the model in force when raised, or NULL */
    const char *to;         /* where the planning model put it when raised, or NULL */
    const char *raised_by;  /* login */
    const char *reason;     /* why, never empty */
    const char *created_at; /* ISO timestamp (UTC) */
    regio_challenge_state state;
    const char *decided_by; /* login of who approved or rejected; NULL while open, when
                               withdrawn and when approved automatically */
    const char *decided_at; /* ISO timestamp of the decision or withdrawal, or NULL */
    const char *note;       /* the decision's comment, or NULL */
    int auto_approved;      /* 1: approved by the balance-tolerance rule */
} regio_challenge;

typedef int (*regio_challenge_cb)(void *ud, const regio_challenge *c);

/*
 * Stores a new open challenge of planning model c->model (its territory,
 * exactly one of unit and account, from, to, raised_by, a non-empty
 * reason) and appends a "challenge.raise" audit record by actor (NULL:
 * c->raised_by). An unknown model, territory, unit, account or user fails
 * with REGIO_EDATA naming it, a model that is not planning with
 * REGIO_ECONFLICT. *id (may be NULL) receives the new id. The rules of who
 * may raise what are regio_challenge_raise's; this is the store's part.
 * The caller keeps ownership of c.
 */
REGIO_API regio_err regio_store_challenge_add(regio_store *s, const regio_challenge *c,
                                              const char *actor, long *id, regio_error *err);

/*
 * Closes open challenge id: to APPROVED or REJECTED by user `by` (NULL
 * with auto_approved), or WITHDRAWN; with an optional note. Appends a
 * "challenge.approve" / "challenge.reject" / "challenge.withdraw" audit
 * record by actor (NULL: by, else "auto") holding the challenge before and
 * after. REGIO_ENOTFOUND for an unknown id, REGIO_ECONFLICT when it is not
 * open (nothing changes), REGIO_EINVAL for to == OPEN. One transaction, or
 * a savepoint in the caller's. The caller keeps ownership of all inputs.
 */
REGIO_API regio_err regio_store_challenge_close(regio_store *s, long id,
                                                regio_challenge_state to, const char *by,
                                                const char *note, int auto_approved,
                                                const char *actor, regio_error *err);

/* Calls cb for the stored challenges of model (NULL: every model) — only
 * challenge id when id > 0 — newest first; an unknown model fails with
 * REGIO_ENOTFOUND. Records are valid only during the call. */
REGIO_API regio_err regio_store_challenges_foreach(regio_store *s, const char *model, long id,
                                                   regio_challenge_cb cb, void *ud,
                                                   regio_error *err);

/*
 * Automatic approval of the challenges of planning model `model`: *on (may
 * be NULL) whether it is enabled, *tolerance (may be NULL) the model's
 * balance tolerance (REGIO_DESIGN_DEFAULT_TOLERANCE when none was set).
 * REGIO_ENOTFOUND for an unknown model.
 */
REGIO_API regio_err regio_store_model_auto_approval(regio_store *s, const char *model, int *on,
                                                    double *tolerance, regio_error *err);

/*
 * Enables (on != 0) or disables the automatic approval of model's
 * challenges; tolerance in (0, 1) also sets the model's balance tolerance,
 * <= 0 keeps the one it has. A tolerance of 1 or more fails with
 * REGIO_EINVAL, an unknown model with REGIO_ENOTFOUND. Audited as
 * "model.auto_approval" by actor. The caller keeps ownership of inputs.
 */
REGIO_API regio_err regio_store_model_set_auto_approval(regio_store *s, const char *model,
                                                        int on, double tolerance,
                                                        const char *actor, regio_error *err);

/* ---- what a planning model changes for a member ---------------------------------- */

/* One unit or account that the planning model puts in another territory
 * than the model in force, touching the user's territories. Owned by the
 * regio_changes it is part of. */
typedef struct regio_change {
    int is_account;    /* 0: a unit (with its accounts), 1: an account moved by hand */
    char *id;          /* unit or account external id */
    char *name;        /* its display name, or NULL */
    char *from;        /* territory in the model in force, or NULL (in none) */
    char *to;          /* territory in the planning model, or NULL (in none) */
    int from_mine;     /* 1: from is one of the user's territories */
    int to_mine;       /* 1: to is one of the user's territories */
    const char *territory; /* the user's territory it touches: from when it is theirs,
                              else to (points into from or to) */
    double *measures;  /* m: what it carries (a unit's measures; for an account 1,
                          its revenue and potential under the measures so named) */
    long challenge;    /* the user's latest challenge of this change in this model, or 0 */
    regio_challenge_state challenge_state; /* its state (when challenge > 0) */
} regio_change;

/* One of the user's leaf territories: its totals before and after. */
typedef struct regio_change_territory {
    char *id;
    char *name;        /* or NULL */
    int in_plan;       /* 1: the planning model has this leaf */
    double *before;    /* m: totals in the model in force (manual moves counted) */
    double *after;     /* m: totals in the planning model (0 when not in it) */
    long units_in, units_out, accounts_in, accounts_out;
} regio_change_territory;

/* What a planning model changes for one user. Owned by the caller; free
 * with regio_changes_free. */
typedef struct regio_changes {
    char *plan;         /* the planning model */
    char *in_force;     /* the model in force */
    char *user;         /* login */
    long revision;      /* the planning model's revision it was computed at */
    size_t m;
    char **measure_names; /* m */
    regio_change *items;  /* units first (by id), then accounts (by id) */
    size_t n;
    regio_change_territory *territories; /* the user's leaves of the model in force, by id */
    size_t n_territories;
    int auto_approve;   /* the planning model approves challenges automatically */
    double tolerance;   /* its balance tolerance */
} regio_changes;

/*
 * What planning model `plan` changes for user `user` on day (NULL: today,
 * UTC): every unit whose territory differs between the model in force and
 * the planning model (territories compared by external id: clones keep
 * them), and every account whose territory differs because of a manual
 * move in either model, when one of the two territories is the user's. The
 * user's territories are those of the model in force in which they hold
 * an active membership current on day (any role), and the territories
 * below them. in_force must be the model in force on day and both views
 * must be loaded over the same units (regio_design_problem_load_units);
 * otherwise REGIO_EINVAL. An unknown user fails with REGIO_ENOTFOUND. A
 * user without territories gets an empty answer. *out is owned by the
 * caller (regio_changes_free).
 */
REGIO_API regio_err regio_challenge_changes(regio_store *s, const regio_model_view *in_force,
                                            const regio_model_view *plan, const char *user,
                                            const char *day, regio_changes **out,
                                            regio_error *err);

/* Frees what regio_challenge_changes made. Accepts NULL. */
REGIO_API void regio_changes_free(regio_changes *c);

/*
 * Appends c to out as the JSON object GET /api/v1/models/{model}/changes
 * answers and `regio challenge changes --format json` prints: {"model",
 * "in_force", "user", "revision", "auto_approval": {"enabled",
 * "tolerance"}, "territories": [{"id", "name", "in_plan", "before",
 * "after", "units_in", "units_out", "accounts_in", "accounts_out"}],
 * "changes": [{"kind", "id", "name", "from", "from_name", "to", "to_name",
 * "territory", "direction", "measures", "challenge"}]}; measures are
 * objects by measure name, territory names come from vf (from) and vp
 * (to), either may be NULL (no names). direction is "out", "in" or
 * "within" (both territories the user's).
 */
REGIO_API regio_err regio_changes_json(const regio_changes *c, const regio_model_view *vf,
                                       const regio_model_view *vp, regio_buf *out);

/* The user's territories of the model in force on day (see
 * regio_challenge_changes): *n (may be NULL) their number, leaves and the
 * territories above them alike. Lets a shell tell a user without any
 * (nothing to show) from one whose territories nothing changes. */
REGIO_API regio_err regio_challenge_territories(regio_store *s, const char *user,
                                                const char *day, size_t *n, regio_error *err);

/* ---- raising and deciding ---------------------------------------------------- */

/*
 * User `user` challenges the change of `unit` or `account` (exactly one)
 * that planning model plan->model makes for them, with a reason (leading
 * and trailing spaces trimmed; not empty, at most 2000 bytes). The change
 * must be one regio_challenge_changes lists for them on day (else
 * REGIO_CHALLENGE_HIDDEN), it must have been somewhere in the model in
 * force, and that territory must be a leaf of the planning model (else
 * REGIO_CHALLENGE_REFUSED: the counter-move would have nowhere to go); a
 * change they already challenge (an open challenge of theirs) is
 * REGIO_CHALLENGE_CLOSED. The challenge is stored open with its from and to
 * and audited ("challenge.raise").
 *
 * When the model's automatic approval is on (regio_store_model_auto_
 * approval) and the counter-move leaves every territory of the planning
 * model within the model's balance tolerance on plan's balance measure
 * (|deviation| <= tolerance, deviations as in METRICS.md), the challenge
 * is approved at once: the counter-move goes through
 * regio_model_view_apply (actor "auto") and the approval is audited with
 * auto_approved set, all in one transaction with the raise. *auto_approved
 * (may be NULL) says whether that happened.
 *
 * *id (may be NULL) receives the new challenge's id, *outcome (may be
 * NULL) the regio_challenge_outcome. The views are those of
 * regio_challenge_changes; plan follows an automatic counter-move. The
 * caller keeps ownership of all inputs.
 */
REGIO_API regio_err regio_challenge_raise(regio_store *s, const regio_model_view *in_force,
                                          regio_model_view *plan, const char *user,
                                          const char *day, const char *unit,
                                          const char *account, const char *reason, long *id,
                                          int *auto_approved,
                                          regio_challenge_outcome *outcome, regio_error *err);

/* What a user may do with one challenge (regio_challenge_rights). */
typedef struct regio_challenge_rights {
    int sees;         /* they raised it, or may decide it */
    int may_decide;   /* open, not theirs, and they hold manage_territories or an
                         active, current manager membership in its territory or an
                         ancestor (in the model in force) */
    int may_withdraw; /* open and theirs */
} regio_challenge_rights;

/* Calls cb for every challenge user `user` sees on day (NULL: today), with
 * their rights; user NULL: every challenge, with every right (the store's
 * owner on the command line). filter_model (NULL: all) and state (-1: all)
 * narrow the list. Newest first. Records valid during the call. */
typedef int (*regio_challenge_view_cb)(void *ud, const regio_challenge *c,
                                       const regio_challenge_rights *r);
REGIO_API regio_err regio_challenges_list(regio_store *s, const char *user, const char *day,
                                          const char *filter_model, int state,
                                          regio_challenge_view_cb cb, void *ud,
                                          regio_error *err);

/* Appends challenge c as JSON to out: {"id", "model", "territory", "kind":
 * "unit"|"account", "item", "from", "to", "raised_by", "reason",
 * "created_at", "status", "decided_by", "decided_at", "note",
 * "auto_approved", "may_decide", "may_withdraw"} (r NULL: both false);
 * what the API answers and `regio challenge list --format json` prints. */
REGIO_API regio_err regio_challenge_json(const regio_challenge *c,
                                         const regio_challenge_rights *r, regio_buf *out);

/*
 * Closes challenge id as user `user` on day (NULL: today):
 *  - REGIO_CHALLENGE_APPROVED: the user may decide it; the counter-move
 *    (the unit back to the challenge's `from` territory; an account back
 *    there — its manual move removed when its unit's territory is `from`,
 *    else moved by hand to `from`) is applied to plan through
 *    regio_model_view_apply at expected_rev (< 0: plan's current revision),
 *    by `user`. A change that no longer exists (it is already back) is
 *    approved without a move. plan must be the view of the challenge's
 *    model (else REGIO_EINVAL);
 *  - REGIO_CHALLENGE_REJECTED: the user may decide it; note (the comment
 *    the challenger reads) is required;
 *  - REGIO_CHALLENGE_WITHDRAWN: the user raised it.
 * plan may be NULL except for an approval. Outcomes: HIDDEN when the user
 * does not see it, FORBIDDEN when they see it but may not do this (one
 * never decides their own challenge), CLOSED when it is not open, STALE
 * when plan's revision is not expected_rev, REFUSED when the store refuses
 * the counter-move (not planning, locked unit, unknown territory). The
 * move, the state and the audit record ("challenge.approve", "...reject",
 * "...withdraw") are one transaction: a refusal changes nothing. *revision
 * (may be NULL) receives plan's revision after the call (the current one
 * after a refusal; -1 without plan). The caller keeps ownership of all
 * inputs.
 */
REGIO_API regio_err regio_challenge_close(regio_store *s, regio_model_view *plan, long id,
                                          const char *user, const char *day,
                                          regio_challenge_state to, const char *note,
                                          long expected_rev, long *revision,
                                          regio_challenge_outcome *outcome, regio_error *err);

#ifdef __cplusplus
}
#endif
#endif
