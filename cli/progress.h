/* progress.h - a progress line on standard error for long solves.
 *
 * Drawn only after the solve has run for a second, redrawn at most ten
 * times a second, in place with "\r", and wiped by progress_free(), so a
 * short run prints nothing and a long one leaves no trace.  main.c decides
 * whether a line is wanted at all (a terminal, no --quiet). */
#ifndef ODESOLVE_PROGRESS_H
#define ODESOLVE_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

typedef struct progress progress;

/* Monotonic clock in seconds; tests pass their own. */
typedef double (*progress_clock)(void);

/* A progress line for a solve from t0 to t1 (t1 != t0) written to `out`
   (borrowed), timed by `clock` (NULL: CLOCK_MONOTONIC) from now on.
   Returns NULL when out of memory; every function accepts NULL and then
   does nothing. */
progress *progress_new(FILE *out, double t0, double t1, progress_clock clock);

/* Reports the solve at time t after `steps` accepted steps of which the
   last had size dt.  Cheap when it is not time to redraw: one clock
   reading. */
void progress_update(progress *pg, double t, long steps, double dt);

/* Reports `done` of `total` items (members of a batch, named by `what`)
   finished, with the time left at the pace so far.  The t0 and t1 given
   to progress_new are not used.  Cheap when it is not time to redraw. */
void progress_count(progress *pg, size_t done, size_t total, const char *what);

/* Wipes the line, if one was drawn, and frees pg. */
void progress_free(progress *pg);

#endif
