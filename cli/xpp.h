/* xpp.h - XPPAUT's run rules that the command line asks for: `set`
 * blocks chosen by --set. */
#ifndef ODESOLVE_XPP_H
#define ODESOLVE_XPP_H

#include <stdio.h>

#include "model.h"

/* Applies the model's `set NAME {...}` block (name case-insensitive) to
   m: its parameter values, initial values and settings replace the
   file's, so that -p, -i and the options still win over them.  Returns
   0, or ODE_EINVAL after printing to errs which sets the model has. */
int cli_apply_set(struct model *m, const char *name, FILE *errs);

#endif
