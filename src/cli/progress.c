/*
 * Progress on a terminal for the long commands (see progress.h): one line
 * of stderr rewritten in place, so logs and pipes stay clean.
 */
#include "cli/progress.h"

#include <stdio.h>
#include <unistd.h>

int cli_progress_start(cli_progress *p)
{
    clock_gettime(CLOCK_MONOTONIC, &p->start);
    p->shown = 0;
    return isatty(STDERR_FILENO);
}

int cli_progress_print(void *ud, double fraction, const char *phase)
{
    cli_progress *p = ud;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double t = (double)(now.tv_sec - p->start.tv_sec) + (double)(now.tv_nsec - p->start.tv_nsec) * 1e-9;
    if (t >= 1.0) {
        fprintf(stderr, "\rregio: %3.0f%% %-32.32s %6.1f s", 100 * fraction, phase ? phase : "", t);
        p->shown = 1;
    }
    return 0;
}

void cli_progress_clear(cli_progress *p)
{
    if (p->shown)
        fprintf(stderr, "\r%-60s\r", "");
    p->shown = 0;
}
