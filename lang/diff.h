/* diff.h - exact derivatives of the checked model.
 *
 * diff_model differentiates the right-hand side symbolically and attaches
 * the result to the model (model.h struct model_jac): df/dy (m->jac) and
 * df/dp over the user parameters, through the derived ones by the chain
 * rule (m->jacp).  The backends (codegen.c, interp.c) compile the values
 * like the right-hand side, so all of them give the same bits.
 *
 * Each expression is differentiated in reverse mode (its partials with
 * respect to the states, parameters and intermediates it reads), then the
 * chain rule runs through the intermediates: the derivative of an
 * intermediate is itself a shared quantity (an extra intermediate), so a
 * subexpression named once in the model is differentiated once.  A user
 * function gets one derivative function per argument (and per parameter
 * for df/dp), appended to m->funcs, so calls nested in calls cost no
 * inlining.  Piecewise built-ins get piecewise derivatives: heav, sign,
 * flr, ceil, comparisons and logic have derivative 0, abs' = sign, min and
 * max take the derivative of the branch they pick, `if` that of both
 * branches under its condition, mod(a, b) = a - b*flr(a/b).
 *
 * The values are simplified (numbers folded, x*1, x+0, -(-x); structural
 * zeros dropped), but x*0 is never folded: it is NaN when x is Inf or NaN. */
#ifndef ODESOLVE_DIFF_H
#define ODESOLVE_DIFF_H

#include <stdio.h>

#include "model.h"

enum {
    DIFF_JAC = 1u << 0,     /* df/dy into m->jac */
    DIFF_JACP = 1u << 1,    /* df/dp into m->jacp */
};

/* Attaches the derivatives `what` asks for to m (arena-allocated; a second
   call replaces them).  The sparsity pattern is always attached; the
   values only when they can be formed within a size budget (a few times
   the model's own size, at least about a million nodes) and the model
   uses nothing without a derivative.  Otherwise a note goes to `notes`
   (may be NULL) through diag_at, the matrix has val = NULL and the solver
   falls back to finite differences over the pattern.  Never takes longer
   than the budget allows.  Uses the scratch field of m's expression
   nodes, so one model is differentiated by one thread at a time.  The
   derivative functions appended to m->funcs stay there (the backends
   compile them with the rest).  Returns 0, ODE_ENOMEM, or ODE_EINVAL for
   a malformed model (see codegen_c). */
int diff_model(struct model *m, unsigned what, FILE *notes);

#endif
