/* diag.h - diagnostics at source positions, printed like gcc and clang:
 *
 *     pend.ode:4:11: error: unknown variable 'thetaa'
 *         4 | omega' = -thetaa * g / l
 *           |           ^~~~~~
 *
 * Positions are byte-offset spans (model.h); lines and columns are 1-based
 * and columns count display cells: a tab advances to the next multiple of
 * 8, a UTF-8 character is one cell.  Bytes that are neither printable ASCII
 * nor valid UTF-8 are echoed as '?' so that a diagnostic never sends
 * control bytes to a terminal.
 *
 * Two ways to use it: diag_at() prints one diagnostic at once (for modules
 * that find a problem after the model was checked), and the collector
 * (diag_new ... diag_flush) gathers the errors of a whole check so that they
 * come out in source order, at most DIAG_MAX_ERRORS of them. */
#ifndef ODESOLVE_DIAG_H
#define ODESOLVE_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "model.h"

enum { DIAG_MAX_ERRORS = 20, DIAG_MAX_WARNINGS = 20 };

#if defined(__GNUC__)
#define DIAG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define DIAG_PRINTF(f, a)
#endif

/* Prints "FILE:LINE:COL: KIND: MESSAGE", the source line and a caret under
   `sp` (with '~' over the rest of the span on that line) to `errs`.  `kind`
   is "error" or "note".  The model is only read. */
void diag_at(FILE *errs, const struct model *m, struct span sp,
             const char *kind, const char *fmt, ...) DIAG_PRINTF(5, 6);

/* The 1-based line and display column of byte `offset` of m's source.  An
   offset past the end maps to the end. */
void diag_line_col(const struct model *m, unsigned offset, int *line,
                   int *col);

/* A collector of errors (each with its notes) for one source text.  It
   borrows `file` and `src`, which must outlive it.  NULL when out of
   memory. */
struct diag *diag_new(const char *file, const char *src, size_t len);

/* Releases the collector and every message in it.  Accepts NULL. */
void diag_free(struct diag *d);

/* Records an error at `sp`.  Following diag_note() calls attach notes to
   it.  Only the first DIAG_MAX_ERRORS errors in source order are kept;
   the others are counted. */
void diag_error(struct diag *d, struct span sp, const char *fmt, ...)
    DIAG_PRINTF(3, 4);

/* Attaches a note at `sp` to the last error recorded. */
void diag_note(struct diag *d, struct span sp, const char *fmt, ...)
    DIAG_PRINTF(3, 4);

/* Records a warning at `sp`: printed with the errors, in source order,
   but not counted as one.  Only the first DIAG_MAX_WARNINGS are kept. */
void diag_warning(struct diag *d, struct span sp, const char *fmt, ...)
    DIAG_PRINTF(3, 4);

/* Number of warnings kept. */
size_t diag_warning_count(const struct diag *d);

/* Tallies a construct of the file this version does not read (a
   statement such as "global", or "arrays"; `what` is a static string).
   The error itself is recorded with diag_error; diag_flush ends with one
   note that lists every construct tallied and its lines, also those past
   the limit of errors, so that `--check` shows all a file needs. */
void diag_unsupported(struct diag *d, struct span sp, const char *what);

/* Whether an error at byte `pos` would still be printed; lets a caller skip
   costly work (suggestions) for errors that will be dropped anyway. */
bool diag_wants(const struct diag *d, unsigned pos);

/* Number of errors recorded so far, kept or not. */
size_t diag_error_count(const struct diag *d);

/* 1-based line of byte `offset`, through an index built once. */
int diag_line(const struct diag *d, unsigned offset);

/* Prints the kept errors and warnings in source order, each error followed
   by its notes, "FILE: note: too many errors; stopping" when some were
   dropped, and the list of constructs not supported (diag_unsupported).  Returns
   0, or ODE_ENOMEM when a message could not be stored (the count of errors
   stays right; only that text is missing). */
int diag_flush(struct diag *d, FILE *errs);

#endif
