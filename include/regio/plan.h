/*
 * Call-cycle planning (sales coverage, PRODUCT.md job 3): for each rep,
 * decide on which working day of an N-day cycle every visit happens (repeat
 * visits evenly spaced around the cycle) and the order of the stops of
 * every day, starting and ending at the rep's home inside the working day.
 * Also the loaders for the accounts / reps CSV files, the METRICS.md
 * figures of a plan (coverage, spacing, overtime, travel, workload), the
 * writers for plan CSV, routes GeoJSON, report JSON and workload CSV, and
 * the plan of one territory of a stored model (regio_territory_plan_*:
 * its accounts and rep from the store, solved, saved there).
 */
#ifndef REGIO_PLAN_H
#define REGIO_PLAN_H

#include "regio/core.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest cycle, in working days. */
#define REGIO_PLAN_MAX_DAYS 256

/* A set of cycle days 1..REGIO_PLAN_MAX_DAYS (bit d-1 for day d). Plain
 * value type; zero is the empty set. */
typedef struct regio_plan_dayset {
    uint64_t bits[REGIO_PLAN_MAX_DAYS / 64];
} regio_plan_dayset;

/* Adds day (1-based) to s; out-of-range days are ignored. */
REGIO_API void regio_plan_dayset_add(regio_plan_dayset *s, int day);

/* Non-zero when day (1-based) is in s. */
REGIO_API int regio_plan_dayset_has(const regio_plan_dayset *s, int day);

/*
 * Parses a day list such as "6,7", "mon,fri" or "3-5; wed" into *out
 * (added to what it holds). Items are separated by ',', ';', '|' or
 * spaces. A number d is cycle day d (1..n_days); "a-b" a range of them. A
 * weekday name (mon..sun or the full English name, any case) means every
 * cycle day on that weekday, counting day 1 as a Monday and week_len
 * working days a week (5: days 1-5 are Mon-Fri, 6-10 the next Mon-Fri; a
 * Saturday then matches no day). REGIO_EPARSE (msg says which item) for
 * an unknown word or a day outside 1..n_days. No ownership.
 */
REGIO_API regio_err regio_plan_days_parse(const char *s, int n_days, int week_len,
                                regio_plan_dayset *out, regio_error *err);

/* A rep: home base and working day (seconds since midnight). Plain value
 * type; id is borrowed. */
typedef struct regio_plan_rep {
    const char *id;
    double lat, lon;             /* home, degrees */
    double day_start_s;          /* leaves home no earlier */
    double day_end_s;            /* back home no later */
    regio_plan_dayset days_off;  /* cycle days the rep does not work */
} regio_plan_rep;

/* An account to visit. Plain value type; id is borrowed. */
typedef struct regio_plan_account {
    const char *id;
    double lat, lon;             /* degrees */
    int rep;                     /* index into the reps */
    int frequency;               /* visits per cycle; 0 = not visited */
    double call_s;               /* duration of one call */
    int has_window;              /* calls start inside [tw_start_s, tw_end_s] */
    double tw_start_s, tw_end_s; /* seconds since midnight */
    regio_plan_dayset closed_days; /* cycle days it cannot be visited */
} regio_plan_account;

/* Solver parameters. Zero-initialise, then set what you need; zeros mean
 * the defaults noted. */
typedef struct regio_plan_params {
    int n_days;                  /* working days in the cycle (required) */
    double road_factor;          /* road km per great-circle km; 0 = 1.3 */
    double speed_kmh;            /* average speed; 0 = 50 */
    /* Largest deviation of a gap between consecutive visits from the even
     * gap n_days / frequency that day patterns may use, as a fraction; 0 =
     * 0.25 (every ratio in [0.75, 1.25]; METRICS.md's band is 0.6-1.4). */
    double spacing_tolerance;
    uint64_t seed;               /* 0 is a valid seed */
    /* Deadline for the whole solve in seconds; 0 = none. The result is
     * reproducible for a seed whenever the deadline is not reached (the
     * work is bounded by iteration counts, the clock only cuts it). */
    double time_limit_s;
    long search_iterations;      /* ruin-and-recreate kicks per rep; 0 = 6000, < 0 = none */
    long route_iterations;       /* VRP iterations per day; 0 = 2000 */
    regio_progress_fn progress;  /* may be NULL; non-zero return cancels */
    void *progress_ud;
    /* Overnight trips. With overnight set, a rep whose accounts lie beyond
     * a comfortable day trip from home may chain consecutive working days
     * of one week into a trip: a day then starts at home or at last
     * night's hotel and ends at home or at a hotel near the next day's
     * first visit; driving counts within the working day. A night costs
     * hotel_cost, a road km km_cost, and a night is kept only when it
     * places visits or costs less than driving home. */
    int overnight;
    double hotel_cost;           /* per night; 0 = REGIO_PLAN_HOTEL_COST, < 0 invalid */
    double km_cost;              /* per road km; 0 = REGIO_PLAN_KM_COST */
    int max_nights;              /* nights away per week, 1..6; 0 = 4 */
    int week_len;                /* working days a week, day 1 a Monday (trips never
                                    span a day off, nor a weekend unless trip_days);
                                    0 = 5 */
    /* Trips over weekends: 0 = a trip stays inside one week (max_nights
     * a week); 2..n_days = a trip may last up to trip_days consecutive
     * working days across weekends, the rep sleeping at the hotel every
     * night between them (a weekend's nights counted and priced as
     * nights; max_nights does not apply). For a rep whose accounts lie
     * further than a week's round trip allows. */
    int trip_days;
} regio_plan_params;

/* Defaults of the overnight costs (money units per night and per road km;
 * only their ratio matters). */
#define REGIO_PLAN_HOTEL_COST 100.0
#define REGIO_PLAN_KM_COST 0.5

/* One visit of a day's route. */
typedef struct regio_plan_visit {
    int account;                 /* index into the accounts */
    double arrival_s;            /* seconds since midnight */
    double start_s;              /* call starts (after any wait) */
    double departure_s;          /* call ends, rep leaves */
    double leg_km;               /* road km (great circle x road factor) from the
                                  * previous stop or home */
    double leg_s;
} regio_plan_visit;

/* One working day of one rep: leaves home at start_s, returns at end_s. */
typedef struct regio_plan_day {
    int rep;                     /* index into the reps */
    int day;                     /* 1..n_days */
    int off;                     /* 1 when the rep does not work that day */
    int n_visits;
    regio_plan_visit *visits;
    double start_s, end_s;       /* both day_start_s when there is no visit */
    double travel_km, travel_s;  /* including the legs from and to home */
    double call_s, wait_s;
    double overtime_s;           /* end_s past day_end_s (0 when solved) */
    /* Overnight trips: night = 1 when the day ends at a hotel at
     * (night_lat, night_lon) instead of home; the next day then starts
     * there. A day that follows a night starts at that hotel. */
    int night;
    double night_lat, night_lon;
} regio_plan_day;

/* Why a visit is not in the plan. Values are stable. */
typedef enum regio_plan_reason {
    REGIO_PLAN_REASON_NONE = 0,
    REGIO_PLAN_REASON_DAYS = 1,     /* no spaced day pattern avoids closed days / days off */
    REGIO_PLAN_REASON_WINDOW = 2,   /* its window or call cannot fit the rep's day at all */
    REGIO_PLAN_REASON_CAPACITY = 3, /* fits alone, but no day has room left */
    REGIO_PLAN_REASON_INPUT = 4,    /* frequency above the rep's working days, bad rep */
    REGIO_PLAN_REASON_CANCELLED = 5 /* the progress callback stopped the solve */
} regio_plan_reason;

/* Stable lower-case name of a reason ("capacity"); static storage. */
REGIO_API const char *regio_plan_reason_name(regio_plan_reason r);

/* One visit left out, with the day it was meant for (0 = none). */
typedef struct regio_plan_unplaced {
    int account;
    int day;
    regio_plan_reason reason;
    char text[160];
} regio_plan_unplaced;

/* Per-account figures. spacing_min/max are NAN unless all its visits are
 * scheduled (and it has at least one). */
typedef struct regio_plan_account_stats {
    int required, scheduled;
    double spacing_min, spacing_max;
    double call_h, travel_h;     /* travel share: half of each leg touching it */
    double workload_h;           /* call_h + travel_h over the cycle */
} regio_plan_account_stats;

/* Per-rep figures over the cycle. */
typedef struct regio_plan_rep_stats {
    int required, scheduled;
    int working_days;
    double travel_km, travel_h, call_h, workload_h;
    int overtime_days;
    double overtime_min;
    int nights;                  /* nights at a hotel */
} regio_plan_rep_stats;

/* A plan: owned by the caller, freed with regio_plan_result_destroy. */
typedef struct regio_plan_result {
    int n_days;
    size_t n_reps, n_accounts;
    regio_plan_day *days;          /* n_reps * n_days, [rep * n_days + day - 1] */
    regio_plan_unplaced *unplaced;
    size_t n_unplaced;
    regio_plan_account_stats *accounts; /* n_accounts */
    regio_plan_rep_stats *reps;    /* n_reps */
    /* totals (METRICS.md "Routes and plans") */
    long visits_required, visits_scheduled;
    double coverage;               /* scheduled / required (1 when none required) */
    double spacing_min, spacing_max; /* band over accounts; NAN when none */
    int overtime_days;
    double overtime_min;
    double travel_km, travel_h, call_h, workload_h;
    int infeasible_schedules;      /* days whose recomputed times miss a window */
    int nights;                    /* nights at a hotel, all reps */
    double hotel_cost;             /* nights x params.hotel_cost */
    double travel_cost;            /* travel_km x params.km_cost */
    /* run diagnostics */
    double estimate_travel_km;     /* after the day-pattern search, before routing */
    long search_moves;             /* pattern moves applied */
    int cancelled;
    double seconds;
} regio_plan_result;

/*
 * Plans the call cycle of every rep. Method (see src/lib/plan/plan.c):
 * spaced day patterns, sweep-ordered greedy pattern choice on insertion
 * cost, pattern local search with tour estimates inside an iterated
 * ruin-and-recreate loop, each day routed with regio_vrp_solve, then a
 * whole-pattern repair of visits the routing left out. Visits that cannot
 * be placed are listed in unplaced with a reason; no day ever runs past
 * the rep's day_end_s. Same input and seed, same plan (see
 * params.time_limit_s). Errors: REGIO_EINVAL for bad params or NULL
 * arrays; REGIO_EDATA for a rep or account with bad values (err->line =
 * 1-based index in its array, err->msg names the id): no valid rep,
 * invalid coordinates, negative frequency or call time, a window ending
 * before it starts, a day ending before it starts. A cancel returns the
 * best plan so far with result->cancelled set. On success *out is owned
 * by the caller.
 */
REGIO_API regio_err regio_plan_solve(const regio_plan_rep *reps, size_t n_reps,
                           const regio_plan_account *accounts,
                           size_t n_accounts, const regio_plan_params *params,
                           regio_plan_result **out, regio_error *err);

/*
 * Recomputes every figure of r (day times and legs from the visit order,
 * account, rep and total stats, overtime, spacing) from its day routes and
 * the input, independently of how the routes were made. Used by
 * regio_plan_solve; callers that build or edit routes by hand call it too.
 */
REGIO_API regio_err regio_plan_measure(const regio_plan_rep *reps, size_t n_reps,
                             const regio_plan_account *accounts,
                             size_t n_accounts, const regio_plan_params *params,
                             regio_plan_result *r);

/* Frees a plan; accepts NULL. */
REGIO_API void regio_plan_result_destroy(regio_plan_result *r);

/* A lower bound on the hours one rep's cycle needs (regio_plan_hours_bound). */
typedef struct regio_plan_bound {
    long visits_required;        /* the rep's visits (frequency, at most n_days each) */
    long visits;                 /* visits the bound is for: ceil(coverage x required) */
    double available_h;          /* working days x the rep's day */
    double call_h;               /* calls of all visits_required */
    double tour_h;               /* driving of any tour through home and every account,
                                    at least (Held-Karp 1-tree bound) */
    double saving_h;             /* most that leaving visits_required - visits visits out
                                    can save (calls and driving) */
    double need_h;               /* tour_h + call_h - saving_h: no plan serving `visits`
                                    visits needs less */
} regio_plan_bound;

/*
 * A lower bound on the working hours (calls + driving) that any plan of rep
 * `rep` serving at least a share `coverage` (0-1) of its visits needs,
 * whatever its days, day trips or overnight trips, under params' travel
 * model (road_factor, speed_kmh) and cycle (n_days; the rep's days off
 * count for available_h). When need_h > available_h, no plan places that
 * many visits within the rep's hours. Method and proof in
 * src/lib/plan/bound.c. Deterministic. REGIO_EINVAL for NULL arguments,
 * a rep index out of range, a bad cycle length or coverage outside 0-1.
 */
REGIO_API regio_err regio_plan_hours_bound(const regio_plan_rep *reps, size_t n_reps, int rep,
                                 const regio_plan_account *accounts, size_t n_accounts,
                                 const regio_plan_params *params, double coverage,
                                 regio_plan_bound *out, regio_error *err);

/* ---- files ------------------------------------------------------------ */

/* How to read the accounts file. Zero-initialise; NULL names mean the
 * defaults noted. */
typedef struct regio_plan_load_opts {
    int n_days;                  /* required: cycle length (checks days) */
    int week_len;                /* working days per week for weekday names; 0 = 5 */
    const char *frequency_col;   /* column of visits per cycle; NULL = "frequency" */
    const char *segment_col;     /* with frequency_map: column of segments */
    const char *frequency_map;   /* "A=4,B=2,C=1" (segment -> visits) */
    const char *call_minutes_col;/* column of call minutes; NULL = "call_minutes" */
    double call_minutes;         /* used when the column is absent or blank; 0 = 30 */
    const char *default_rep;     /* rep of accounts whose rep column is blank (or
                                    absent); NULL = the reps file's only rep, if it
                                    lists one, else such an account is an error */
} regio_plan_load_opts;

/*
 * The calendar date of cycle day `day` (1-based) when the cycle starts on
 * `start` (YYYY-MM-DD; a Saturday or Sunday moves on to the Monday) and
 * works Monday to Friday, written to out (11 bytes). 0 (out empty) when
 * start is not a real date or day < 1.
 */
REGIO_API int regio_plan_day_date(const char *start, int day, char *out);

/* Accounts and reps read from CSV; owns the ids. Free with
 * regio_plan_data_destroy. */
typedef struct regio_plan_data {
    regio_plan_rep *reps;
    size_t n_reps;
    regio_plan_account *accounts;
    size_t n_accounts;
    char start[11];              /* date of cycle day 1 (YYYY-MM-DD) for the dates
                                    the outputs show, or "" for day numbers only */
    char **ids_;                 /* owned copies of the ids */
    size_t n_ids_;
} regio_plan_data;

/*
 * Reads REPS.csv (id, lat, lon; optional day_start, day_end as HH:MM,
 * default 08:00-17:00, and days_off as a day list) and ACCOUNTS.csv (id,
 * lat, lon, rep; frequency, or a segment column with a frequency map;
 * optional call_minutes, tw_start, tw_end as HH:MM and closed_days as a day
 * list). Header names are matched as regio_header_map_build does. Errors
 * name the file, line and field: missing columns, bad numbers or times,
 * unknown reps, unmapped segments, frequencies above n_days, duplicate
 * ids. On success *out is owned by the caller.
 */
REGIO_API regio_err regio_plan_load(const char *accounts_path, const char *reps_path,
                          const regio_plan_load_opts *opts,
                          regio_plan_data **out, regio_error *err);

/* Frees loaded data; accepts NULL. */
REGIO_API void regio_plan_data_destroy(regio_plan_data *d);

/* Writes `rep,day,seq,account_id,arrival,departure` (times HH:MM:SS), and
 * `date` (YYYY-MM-DD) when d->start is set, one row per visit, rep by rep and day by day; home is not a row (each day
 * starts at home at the rep's day start and ends there). Every writer
 * here writes path through regio_output_write (regio/output.h: a regular
 * file atomically, a device or FIFO in place, "-" standard output). */
REGIO_API regio_err regio_plan_write_csv(const regio_plan_result *r,
                               const regio_plan_data *d, const char *path,
                               regio_error *err);

/* Writes a GeoJSON FeatureCollection: one LineString per rep and working
 * day with visits (home, stops, home) and properties rep, day, visits,
 * travel_km, travel_h, workload_h, start, end. */
REGIO_API regio_err regio_plan_write_geojson(const regio_plan_result *r,
                                   const regio_plan_data *d, const char *path,
                                   regio_error *err);

/* Writes the report as JSON: totals, per rep, per day (workload hours),
 * per-account spacing and the unplaced visits with reasons. */
REGIO_API regio_err regio_plan_write_report(const regio_plan_result *r,
                                  const regio_plan_data *d, const char *path,
                                  regio_error *err);

/* Writes `id,lat,lon,workload` (hours over the cycle: call time plus share
 * of routed travel), one row per account: a point units file that
 * `regio design --units FILE --balance workload` reads. */
REGIO_API regio_err regio_plan_write_workload(const regio_plan_result *r,
                                    const regio_plan_data *d, const char *path,
                                    regio_error *err);

/* ---- the plan of a territory, from the store ----------------------------- */

struct regio_store;
struct regio_model_view;

/* Defaults of a territory plan: every caller (`regio plan --model`, the
 * HTTP plan endpoint) gets the same ones, so the same request gives the
 * same plan through both. */
#define REGIO_TERRITORY_PLAN_DAYS 20            /* working days in the cycle */
#define REGIO_TERRITORY_PLAN_CALL_MINUTES 20.0  /* per call without call_minutes */
#define REGIO_TERRITORY_PLAN_TIME_LIMIT_S 5.0   /* deadline of the solve */
/* Working days a year: visits_per_year * n_days / this = visits per cycle. */
#define REGIO_PLAN_WORKING_DAYS_PER_YEAR 240.0
/* A rep's home is "far" from a territory when it lies farther from the
 * territory's nearest account than this many km and than the territory's
 * own diameter (see regio_territory_plan.far). */
#define REGIO_PLAN_FAR_KM 100.0

/* What to plan. Zero-initialise, then set territory (and what else you
 * need); zeros mean the defaults noted. Strings borrowed. */
typedef struct regio_territory_plan_opts {
    const char *territory;       /* required: a leaf territory of the view's model */
    const char *rep;             /* rep external id; NULL: see regio_territory_plan_prepare */
    int n_days;                  /* 1..REGIO_PLAN_MAX_DAYS; 0 = REGIO_TERRITORY_PLAN_DAYS */
    double call_minutes;         /* 0 < m <= 1440 for accounts without a call_minutes
                                    attribute; 0 = REGIO_TERRITORY_PLAN_CALL_MINUTES */
    uint64_t seed;               /* 0 is a valid seed */
    double time_limit_s;         /* 0 = REGIO_TERRITORY_PLAN_TIME_LIMIT_S, < 0 = none */
    const char *start;           /* first day "YYYY-MM-DD"; NULL = today (UTC); a
                                    Saturday or Sunday moves on to the Monday */
    size_t max_accounts;         /* more accounts with coordinates: REGIO_EDATA; 0 = no limit */
    int overnight;               /* overnight trips allowed (regio_plan_params) */
    double hotel_cost;           /* per night; 0 = REGIO_PLAN_HOTEL_COST */
    double km_cost;              /* per road km; 0 = REGIO_PLAN_KM_COST */
    int max_nights;              /* per week; 0 = 4 */
    int trip_days;               /* trips over weekends (regio_plan_params); 0 = none */
    regio_progress_fn progress;  /* of the solve; may be NULL */
    void *progress_ud;
} regio_territory_plan_opts;

/* How the rep of a territory plan was chosen. Values are stable. */
typedef enum regio_plan_rep_source {
    REGIO_PLAN_REP_GIVEN = 0,     /* opts.rep */
    REGIO_PLAN_REP_TERRITORY = 1, /* the territory's own rep */
    REGIO_PLAN_REP_ONLY = 2,      /* the only rep of the store */
    REGIO_PLAN_REP_OWNER = 3      /* the one rep owning the territory's accounts */
} regio_plan_rep_source;

/* Stable lower-case name of a rep source ("territory"); static storage. */
REGIO_API const char *regio_plan_rep_source_name(regio_plan_rep_source s);

/*
 * The call plan of one territory of a stored model for one rep: its input
 * as copied from the store, then (after _solve) the plan, then (after
 * _save) its id in the store. Owned by the caller, freed with
 * regio_territory_plan_destroy; fields are read-only for callers.
 */
typedef struct regio_territory_plan {
    char *model, *territory;     /* the model's name, the territory's id */
    char *territory_name;        /* or NULL */
    regio_plan_rep_source rep_source;
    char *rep_name;              /* or NULL; the rep's id is data->reps[0].id */
    /* One rep (the planned one) and the territory's accounts with
     * coordinates in external-id order: the input of the solve, and what
     * regio_plan_write_csv and the other writers take with result. */
    regio_plan_data *data;
    char **account_names;        /* data->n_accounts display names, NULL entries */
    size_t skipped;              /* accounts of the territory without coordinates */
    regio_plan_params params;    /* as solved: defaults applied */
    double call_minutes;         /* default call length used */
    char start[11];              /* first day of the cycle, "YYYY-MM-DD" (a weekday) */
    double home_km;              /* great-circle km from the rep's home to the
                                    territory's nearest account */
    double diameter_km;          /* largest great-circle km between two of the accounts
                                    (exact up to 2,000 accounts, else a double-sweep
                                    estimate) */
    int far;                     /* home_km > max(REGIO_PLAN_FAR_KM, diameter_km) */
    char warning[320];           /* "" or why the plan may disappoint (a far home) */
    regio_plan_result *result;   /* after regio_territory_plan_solve, else NULL */
    long plan_id;                /* after regio_territory_plan_save, else 0 */
    char *name;                  /* the name it was saved under, else NULL */
} regio_territory_plan;

/*
 * Copies what a plan of territory opts->territory of model v (loaded with
 * regio_model_view_load; borrowed for the call only) needs from store s:
 *
 * - accounts: those the view puts in the territory (its manual override,
 *   else its unit's territory) that have coordinates; the others are
 *   counted in skipped. Visits per cycle: a numeric "frequency" attribute,
 *   else "visits_per_year" * n_days / REGIO_PLAN_WORKING_DAYS_PER_YEAR
 *   rounded (at least 1 when positive), else 1; capped at n_days. Call
 *   length: a numeric "call_minutes" attribute (>= 0), else
 *   opts->call_minutes. Opening hours: "tw_start" / "tw_end" attributes
 *   (HH:MM, regio_parse_hhmm; either may be left out) bound when a call
 *   may start.
 * - the rep: opts->rep; else the territory's own rep; else the store's
 *   only rep; else the one rep that owns (account owner) the territory's
 *   accounts. Its home is where each day starts and ends; its working day
 *   day_start..day_end (HH:MM), default 08:00-17:00.
 *
 * Errors (err->msg says which and names it; callers show it as it is):
 * REGIO_ENOTFOUND for a territory the model does not have, an unknown rep
 * or a territory's rep missing from the store; REGIO_EINVAL for bad opts
 * (days, call minutes, start date) or when no rep is given and none can be
 * chosen; REGIO_EDATA for a parent territory, a plan that would cover
 * nothing (no account with coordinates in the territory, or none with a
 * visit in the cycle), more than opts->max_accounts accounts, a store
 * without reps, a rep without home coordinates or with a day ending before
 * it starts, and a bad attribute value (naming the account). A rep whose
 * home is far (see far) is no error: warning says so (but a plan that
 * then places no visit is: regio_territory_plan_solve). On success *out
 * is owned by the caller.
 */
REGIO_API regio_err regio_territory_plan_prepare(struct regio_store *s,
                                                 const struct regio_model_view *v,
                                                 const regio_territory_plan_opts *opts,
                                                 regio_territory_plan **out, regio_error *err);

/*
 * Plans p with regio_plan_solve (p->params); touches no store, so it may
 * run without the lock that guards one. Fills p->result (replacing an
 * earlier one). Errors as regio_plan_solve, and REGIO_EDATA when the plan
 * places no visit at all (it would cover nothing: typically a rep whose
 * home is too far to reach any account within a working day; err->msg
 * says so, and p->result stays for a look at why); a cancel by the
 * progress callback keeps the best plan so far with result->cancelled set.
 */
REGIO_API regio_err regio_territory_plan_solve(regio_territory_plan *p, regio_error *err);

/*
 * Saves the solved plan p in store s (regio_store_plan_save: one audited
 * transaction by actor, may be NULL) as name, or when name is NULL or ""
 * as "<model>/<territory>/<rep>/<start>"; its params hold the territory,
 * rep, seed, call minutes and the plan's totals. Sets p->plan_id and
 * p->name. REGIO_EINVAL when p is not solved; store errors as they come.
 */
REGIO_API regio_err regio_territory_plan_save(struct regio_store *s, regio_territory_plan *p,
                                              const char *name, const char *actor,
                                              regio_error *err);

/* The calendar date of cycle day `day` (1..n_days) of p: working days run
 * Monday to Friday from p->start. Writes "YYYY-MM-DD" into out (at least
 * 11 bytes); "" for a day outside the cycle. */
REGIO_API void regio_territory_plan_date(const regio_territory_plan *p, int day, char *out);

/* Frees a territory plan; accepts NULL. */
REGIO_API void regio_territory_plan_destroy(regio_territory_plan *p);

#ifdef __cplusplus
}
#endif
#endif
