/*
 * Numbers as people read them, for every text output of Regio (reports,
 * summaries, the CLI's tables): thousands separators, money in k/M/B with
 * the currency when known. CSV and JSON keep plain full-precision numbers.
 */
#ifndef REGIO_FORMAT_H
#define REGIO_FORMAT_H

#include "regio/core.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Writes v with thousands separators and `decimals` decimals (0..6) into
 * buf ("1,234,567", "12,345.6"); "-" for a value that is not finite.
 * Returns buf; never fails (truncates to cap).
 */
REGIO_API const char *regio_format_number(double v, int decimals, char *buf, size_t cap);

/*
 * Writes an amount of money with three significant digits and a k, M or B
 * suffix ("950", "12.3 k", "1.27 M", "33.1 B"), preceded by the currency
 * code when given ("USD 1.27 M"); "-" when not finite. Returns buf.
 */
REGIO_API const char *regio_format_money(double v, const char *currency, char *buf, size_t cap);

/*
 * Writes v exactly as printf's "%.15g" does (the plain numbers of CSV and
 * JSON; -0 as 0), faster for whole numbers and whole cents, which most
 * amounts are. buf holds at least 32 bytes. Returns buf.
 */
REGIO_API const char *regio_format_g15(double v, char *buf);

/* 1 when a measure of this name is an amount of money (revenue,
 * potential, sales, bookings, amount, quota, pipeline), else 0. */
REGIO_API int regio_measure_is_money(const char *name);

#ifdef __cplusplus
}
#endif
#endif
