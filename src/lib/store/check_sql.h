/*
 * Private to the store backends (sqlite_backup.c, pg_check.c): the parts
 * of `regio check` both backends run: where problems go, the queries that
 * count the sales
 * blocks and the accounts' packed columns against their tables, and what
 * a mismatch is called, so that a check says the same on either store.
 */
#ifndef REGIO_STORE_CHECK_SQL_H
#define REGIO_STORE_CHECK_SQL_H

#include "regio/backup.h"

#include <stdio.h>

/* Where a check's problems go: each is counted and passed to cb (may be
 * NULL) until cb asks to stop. */
typedef struct regio__check_sink {
    regio_check_fn cb;
    void *ud;
    long problems;
    int stop;
} regio__check_sink;

static inline void regio__check_problem(regio__check_sink *k, const char *kind,
                                        const char *detail)
{
    k->problems++;
    if (k->cb && !k->stop && k->cb(k->ud, kind, detail))
        k->stop = 1;
}

/* Whether the blocks claim to hold every sales line (the marker row),
 * the lines they hold and the rows of sales_transactions. */
#define REGIO_CHECK_SALES_BLOCKS_SQL                                                      \
    "SELECT EXISTS (SELECT 1 FROM sales_blocks WHERE month = -1),"                          \
    " (SELECT coalesce(sum(lines), 0) FROM sales_blocks WHERE month >= 0),"                 \
    " (SELECT count(*) FROM sales_transactions)"

/* The accounts the marker row says the packed columns hold (NULL when
 * there is none), the accounts the parts hold, the rows of accounts, and
 * then the number of triggers named account_columns_*, which TRIGGERS
 * (a parenthesised query, the backend's catalogue) counts. */
#define REGIO_CHECK_ACCOUNT_COLUMNS_SQL(TRIGGERS)                                         \
    "SELECT (SELECT accounts FROM account_columns WHERE part = -1),"                        \
    " (SELECT coalesce(sum(accounts), 0) FROM account_columns WHERE part >= 0),"            \
    " (SELECT count(*) FROM accounts), " TRIGGERS

/* The sales blocks' problem into detail (cap bytes); 1 when there is one. */
static inline int regio__check_sales_blocks(char *detail, size_t cap, int complete,
                                            long long lines, long long rows)
{
    if (!complete || lines == rows)
        return 0;
    snprintf(detail, cap, "sales_blocks hold %lld lines but sales_transactions has %lld rows",
             lines, rows);
    return 1;
}

/* The packed columns' problem into detail (cap bytes); 1 when there is
 * one: when the marker row is there, they hold every account, and the 6
 * triggers that empty them on a change are in place. */
static inline int regio__check_account_columns(char *detail, size_t cap, int has_marker,
                                               long long marker, long long parts,
                                               long long rows, long long triggers)
{
    if (has_marker && (marker != parts || parts != rows))
        snprintf(detail, cap,
                 "account_columns say %lld accounts and hold %lld, but accounts has %lld rows",
                 marker, parts, rows);
    else if (triggers != 6)
        snprintf(detail, cap, "%lld of the 6 triggers that keep account_columns current are there",
                 triggers);
    else
        return 0;
    return 1;
}

#endif
