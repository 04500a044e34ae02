/*
 * Progress of long library calls on a terminal: the callback the library
 * takes (regio_progress_fn) printing "regio: NN% phase  T s" over one line
 * of stderr, after the first second, and only when stderr is a terminal.
 * Used by `regio plan --all` and `regio loop`.
 */
#ifndef REGIO_CLI_PROGRESS_H
#define REGIO_CLI_PROGRESS_H

#include <time.h>

typedef struct cli_progress {
    struct timespec start;
    int shown;                   /* a progress line is on the screen */
} cli_progress;

/* Starts the clock; returns non-zero when stderr is a terminal (progress
 * is then worth passing to the library). */
int cli_progress_start(cli_progress *p);

/* A regio_progress_fn: ud is the cli_progress. Never cancels. */
int cli_progress_print(void *ud, double fraction, const char *phase);

/* Clears the progress line, if one is shown, so that other output starts
 * on a clean line. */
void cli_progress_clear(cli_progress *p);

#endif
