/* ensemble_run.h - odesolve's batch mode: --ensemble and --sweep.
 *
 * main.c compiles the model once and hands it here; the members are
 * solved on -j threads (solver/ensemble.h) and written in member order:
 *
 *   CSV/TSV  member,<the batch's columns>,status,t,<states>,<aux>: one row
 *            per saved point, rows grouped by member.  status is "ok" or
 *            why the member failed (nonfinite, dtmin, max-steps, newton,
 *            singular, rhs, aux); a failed member's rows computed before
 *            the failure are kept and its last row gives the t reached
 *            with empty cells for the values.
 *   HDF5     /t (members x times), /y (members x times x states), /aux,
 *            /params (members x columns), /status, /t_end and /rows per
 *            member; see cli/out_hdf5.h.
 *
 * A summary of the failed members (index, values, t and why) goes to
 * standard error. */
#ifndef ODESOLVE_ENSEMBLE_RUN_H
#define ODESOLVE_ENSEMBLE_RUN_H

#include <signal.h>
#include <stdbool.h>

#include "interp.h"
#include "model.h"
#include "options.h"
#include "out.h"
#include "problem.h"
#include "solve.h"

/* What main.c shares with the batch for signals. */
struct cli_ens_env {
    volatile int *stop;                   /* set by the first SIGINT/SIGTERM/SIGHUP */
    struct out *volatile *signal_writer;  /* the output, for a second signal */
};

/* Runs the batch that o describes (o->ensemble and/or o->sweeps) on the
   compiled problem prob (ctx: the interpreter ip when --no-jit, else
   NULL), from the base values p (user and derived parameters) and y0
   with solver options so.  reentrant: prob's functions may run on several
   threads at once (codegen_reentrant); when false the batch runs on one
   thread.  Returns the exit status: 0 every member done, 1 some failed
   (the others are written), 2 a bad members file, sweep or output, or -1
   when interrupted (the finished members are written). */
int cli_ensemble_run(const struct cli_options *o, const struct model *m,
                     const struct ode_problem *prob, interp *ip, bool reentrant,
                     const double *p, const double *y0, const struct solve_opts *so,
                     const char *backend, double t_compile, const struct cli_ens_env *env);

#endif
