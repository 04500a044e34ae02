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
 * Writes v with `digits` significant digits (1..17) and thousands
 * separators, never in scientific notation, trailing zeros dropped as %g
 * drops them: what people read where a program would print "%.6g"
 * (1273440000 -> "1,273,440,000", 0.000012345 at 3 -> "0.0000123");
 * "-" for a value that is not finite. Returns buf.
 */
REGIO_API const char *regio_format_sig(double v, int digits, char *buf, size_t cap);

/*
 * Writes a share as a percentage: 0.1234 -> "12.3%" with `decimals`
 * decimals (0..6), or with decimals < 0 people's default of one decimal
 * under 10% and none from 10% ("0.8%", "12%", "1,350%"); with sign a '+'
 * before a value above 0 ("+4.2%", for deviations and growth). "-" when
 * not finite. Returns buf.
 */
REGIO_API const char *regio_format_percent(double share, int decimals, int sign, char *buf,
                                           size_t cap);

/*
 * Writes v as regio_format_number does, then a space and the unit when
 * one is given ("14,155 km", "123.5 h"). Returns buf.
 */
REGIO_API const char *regio_format_unit(double v, int decimals, const char *unit, char *buf,
                                        size_t cap);

/*
 * Writes a duration given in minutes, rounded to the minute: "45 min"
 * under an hour, "7 h 05 min" under 100 hours, whole hours with
 * separators from there ("1,234 h"); "-" when not finite. Returns buf.
 */
REGIO_API const char *regio_format_duration(double minutes, char *buf, size_t cap);

/*
 * Writes the value of the measure `name` as reports show it: money
 * (regio_measure_is_money) as regio_format_money does, any other measure
 * with separators, whole values without decimals and others with two
 * ("4,000", "10.25"). Returns buf.
 */
REGIO_API const char *regio_format_measure(const char *name, double v, char *buf, size_t cap);

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
