/* xpp.h - XPPAUT's run rules that a model or the command line asks for:
 * `set` blocks chosen by --set, the defaults of --xpp, and the rows
 * XPPAUT writes (trans, nout, maxstor, bound) and their columns (only). */
#ifndef ODESOLVE_XPP_H
#define ODESOLVE_XPP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "model.h"
#include "problem.h"

/* Applies the model's `set NAME {...}` block (name case-insensitive) to
   m: its parameter values, initial values and settings replace the
   file's, so that -p, -i and the options still win over them.  Returns
   0, or ODE_EINVAL after printing to errs which sets the model has. */
int cli_apply_set(struct model *m, const char *name, FILE *errs);

/* XPPAUT 6.11's defaults for what the file leaves unsaid, for --xpp:
   meth=rk4, dt=0.05, total=20, t0=0, nout=1, bound=100, maxstor=5000,
   tol=atol=1e-3 (checked against `xppaut -silent`); and powers call
   pow() as XPPAUT's ^ does (model.h pow_calls). */
void cli_xpp_defaults(struct model *m);

/* The span XPPAUT integrates with a fixed step h over `total`: it takes
   (int)((total + 0.1 h) / h) steps, rounded up to whole rows of nout
   steps (xppaut's integrate(); total=1, dt=0.3, nout=2 gives rows at 0,
   0.6 and 1.2). */
double cli_xpp_span(double total, double h, long nout);

/* Which saved points become rows, as XPPAUT decides: the first point,
   then every `every`-th; a row with |t| < trans is not written; with
   bound > 0 a value (state or aux) beyond it stops before its row; with
   maxstor > 0 the maxstor-th row is the last. */
struct xpp_rows {
    double trans;            /* 0: every row */
    long every;              /* 1: every point */
    long maxstor;            /* 0: no limit */
    double bound;            /* 0: none */
    long points, written;
    bool full;               /* the maxstor-th row was written */
    long bad;                /* the column beyond bound, or -1 */
    double bad_t, bad_value;
};

enum xpp_verdict { XPP_WRITE, XPP_SKIP, XPP_STOP };

/* Starts r with the model's settings; bound and maxstor only when
   `xpp` (otherwise the solver checks the bound at every step and every
   row is kept). */
void xpp_rows_init(struct xpp_rows *r, const struct model_settings *s,
                   bool xpp, bool every_step);

/* The verdict on the point (t, vals[0..n-1]: states then aux). */
enum xpp_verdict xpp_rows_next(struct xpp_rows *r, double t,
                               const double *vals, size_t n);

/* The output columns: `only`'s choice (t, states, aux in its order), or
   t then every state and aux.  *cols gets a malloc'd list of indices into
   the row (t excluded: states 0..ns-1, aux ns..), *with_t whether t was
   listed (always true without `only`).  For HDF5 (`states_first`) the
   states come before the aux.  Returns 0 or ODE_ENOMEM. */
int xpp_columns(const struct model *m, bool states_first, size_t **cols,
                size_t *ncols, size_t *nstates, bool *with_t);

#endif
