/*
 * Shared by the two halves of the workload loop: plan-all (workload.c)
 * and the loop's rounds (workload_loop.c).
 */
#ifndef REGIO_WORKLOAD_INTERNAL_H
#define REGIO_WORKLOAD_INTERNAL_H

#include "regio/workload.h"

#include <time.h>

/* Wall seconds since t0 (CLOCK_MONOTONIC). */
double regio__workload_seconds_since(const struct timespec *t0);

#endif
