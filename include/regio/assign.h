/*
 * Account allocation, first mechanism: every account with coordinates is
 * placed into the geography unit that contains it (or, for point units or
 * points just outside every polygon, the nearest unit within a limit).
 */
#ifndef REGIO_ASSIGN_H
#define REGIO_ASSIGN_H

#include "regio/core.h"
#include "regio/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Called for each account with coordinates that no unit takes (farther
 * than max_km from every unit); the record is valid during the call. */
typedef void (*regio_unplaced_fn)(void *ud, const regio_account *a);

typedef struct regio_locate_opts {
    double max_km;    /* farthest an account may lie from its unit; <= 0: 50 km */
    int measures;     /* also recompute unit measures accounts/revenue/potential */
    regio_unplaced_fn on_unplaced; /* may be NULL: names every unplaced account */
    void *unplaced_ud;
} regio_locate_opts;

typedef struct regio_locate_summary {
    size_t accounts;  /* accounts with coordinates considered */
    size_t inside;    /* placed by point-in-polygon */
    size_t nearest;   /* placed into the nearest unit */
    size_t unplaced;  /* farther than max_km from every unit */
    size_t changed;   /* accounts whose unit changed */
} regio_locate_summary;

/*
 * Places the store's accounts with coordinates into its units; accounts
 * farther than max_km from every unit lose their unit. Call it inside a
 * transaction (regio_store_begin) so the change lands whole. opts and sum
 * may be NULL; nothing is returned that the caller must free.
 */
REGIO_API regio_err regio_assign_locate_accounts(regio_store *s, const regio_locate_opts *opts,
                                       regio_locate_summary *sum, regio_error *err);

#ifdef __cplusplus
}
#endif
#endif
