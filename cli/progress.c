/* progress.c - the progress line: when to draw it, what it says. */
#include "progress.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Seconds of silence before the first line: short runs print nothing. */
#define PROGRESS_DELAY 1.0
/* Seconds between redraws (at most ten a second). */
#define PROGRESS_PERIOD 0.1

struct progress {
    FILE *out;
    progress_clock clock;
    double t0, t1;
    double start;     /* clock reading at progress_new */
    double next;      /* clock reading before which nothing is drawn */
    int width;        /* characters of the line on screen, 0 when none */
};

static double monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

progress *progress_new(FILE *out, double t0, double t1, progress_clock clock)
{
    progress *pg = malloc(sizeof *pg);
    if (!pg)
        return NULL;
    pg->out = out;
    pg->clock = clock ? clock : monotonic;
    pg->t0 = t0;
    pg->t1 = t1;
    pg->start = pg->clock();
    pg->next = pg->start + PROGRESS_DELAY;
    pg->width = 0;
    return pg;
}

/* Finishes a line of `width` characters (as fprintf counted them, the
   leading "\r" included) drawn over the one on screen. */
static void draw(progress *pg, int width)
{
    /* The "\r" takes no column.  Spaces wipe what a longer line left. */
    width = width > 0 ? width - 1 : 0;
    if (width < pg->width)
        fprintf(pg->out, "%*s", pg->width - width, "");
    if (width > pg->width)
        pg->width = width;
    fflush(pg->out);
}

void progress_update(progress *pg, double t, long steps, double dt)
{
    double now, pct;
    int width;

    if (!pg)
        return;
    now = pg->clock();
    if (now < pg->next)
        return;
    pg->next = now + PROGRESS_PERIOD;
    pct = 100.0 * (t - pg->t0) / (pg->t1 - pg->t0);
    pct = fmin(fmax(pct, 0.0), 100.0);
    width = fprintf(pg->out, "\rodesolve: %5.1f%%  t = %.6g  steps %ld  dt %.3g", pct, t,
                    steps, fabs(dt));
    draw(pg, width);
}

void progress_count(progress *pg, size_t done, size_t total, const char *what)
{
    if (!pg || total == 0)
        return;
    double now = pg->clock();
    if (now < pg->next)
        return;
    pg->next = now + PROGRESS_PERIOD;
    double pct = 100.0 * (double)done / (double)total;
    int width;
    if (done == 0) {
        width = fprintf(pg->out, "\rodesolve: %zu of %zu %s (%.1f%%)", done, total, what, pct);
    } else {
        /* The members done so far set the pace of the rest. */
        double left = (now - pg->start) * (double)(total - done) / (double)done;
        long s = (long)(left + 0.5);
        width = fprintf(pg->out, "\rodesolve: %zu of %zu %s (%.1f%%)  ETA %ld:%02ld:%02ld",
                        done, total, what, pct, s / 3600, s / 60 % 60, s % 60);
    }
    draw(pg, width);
}

void progress_free(progress *pg)
{
    if (!pg)
        return;
    if (pg->width > 0) {
        fprintf(pg->out, "\r%*s\r", pg->width, "");
        fflush(pg->out);
    }
    free(pg);
}
