/* check.h - from model source text to a checked struct model.
 *
 * Reading, parsing and every check of the model language happen here; the
 * result satisfies each comment in model.h.  Problems in the model are
 * printed as diagnostics (diag.h), all of them in source order up to
 * DIAG_MAX_ERRORS. */
#ifndef ODESOLVE_CHECK_H
#define ODESOLVE_CHECK_H

#include <stddef.h>
#include <stdio.h>

#include "model.h"

enum {
    CHECK_MAX_FILE = 64 << 20,       /* bytes in a model file */
    CHECK_MAX_LINE = 1 << 20,        /* bytes in one line */
    CHECK_MAX_STATES = 1000000,      /* differential equations */
    CHECK_MAX_CALL_DEPTH = 1000,     /* user functions calling each other */
    CHECK_MAX_CALLS = 100000000,     /* user function calls in one evaluation */
    /* Expression nodes added by expanding the calls of functions that
       read states or intermediates (resolve.c). */
    CHECK_MAX_EXPANDED = 1000000,
    CHECK_MAX_EXPANDED_DEPTH = 4000, /* below codegen's limit of 4096 */
};

/* Reads, parses and checks the model file at `path`. On success stores a new model in *out
   (caller frees with model_free) and returns 0. On model errors prints every diagnostic (up to
   20 errors, source order) to `errs` and returns ODE_EMODEL; if the file cannot be read prints
   "odesolve: PATH: strerror" and returns ODE_EINVAL.  The path "-" reads standard input,
   which diagnostics name "<stdin>". */
int check_load_file(const char *path, FILE *errs, struct model **out);
/* Same on text already in memory; takes ownership of src (malloc'd, len bytes). `file` names it
   in diagnostics. */
int check_load_text(const char *file, char *src, size_t len, FILE *errs, struct model **out);
/* check_load_file reading as `xppaut -silent` does where the two differ
   (--xpp): bdry statements are skipped with one warning instead of being
   an error (model.h xpp_reading). */
int check_load_file_xpp(const char *path, FILE *errs, struct model **out);
int check_load_text_xpp(const char *file, char *src, size_t len, FILE *errs, struct model **out);
/* Both return ODE_ENOMEM, printing nothing, when memory runs out.  A text
   longer than CHECK_MAX_FILE is refused with "odesolve: FILE: file too
   large ..." and ODE_EINVAL. */

#endif
