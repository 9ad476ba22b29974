/* interp.h - the model evaluated without a compiler (--no-jit).
 *
 * interp_new compiles the expression trees into flat register bytecode once;
 * rhs/aux/derive then run it.  It performs the same floating-point
 * operations in the same order as the C text of codegen.h, calling the same
 * built-in function pointers, so both backends give the same bits (NaN
 * signs and payloads aside: C compilers do not preserve them). */
#ifndef ODESOLVE_INTERP_H
#define ODESOLVE_INTERP_H

#include "model.h"
#include "problem.h"

typedef struct interp interp;

/* Compiles m and fills prob like jit_compile: dimensions, names, state
   lines, rhs, aux (NULL without aux outputs), derive (NULL without derived
   parameters), the Jacobian patterns and jac, jacp (NULL unless lang/diff.c
   attached their values), and ctx = the interp.  Everything stays valid while *out
   lives and does not depend on m afterwards.  The interp holds the
   evaluation registers, so one interp must not run two calls at once (use
   one interp per thread).  Returns 0, ODE_ENOMEM, or ODE_EINVAL for a
   malformed model (see codegen_c). */
int interp_new(const struct model *m, interp **out, struct ode_problem *prob);

/* A second evaluator of ip's bytecode with registers of its own, for
   another thread: a copy of ip's problem with ctx = *out calls it.  It
   borrows ip's code and names, so it must be freed (interp_free) before
   ip.  Returns 0 or ODE_ENOMEM. */
int interp_clone(const interp *ip, interp **out);

/* Releases the bytecode, registers and names (a clone: its registers).
   Accepts NULL. */
void interp_free(interp *ip);

#endif
