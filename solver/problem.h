/* problem.h - the seam between the model language and the solver.
 *
 * A problem is plain data plus function pointers.  lang/ fills it in (from the
 * JIT or the interpreter); solver/ only calls through it.  The solver never
 * sees the AST and the language never sees a step size. */
#ifndef ODESOLVE_PROBLEM_H
#define ODESOLVE_PROBLEM_H

#include <stddef.h>

/* Error codes shared by lang/ and solver/.  Functions return 0 or one of
   these (negative); only cli/main.c turns them into exit statuses. */
enum {
    ODE_OK = 0,
    ODE_ENOMEM = -1,      /* out of memory */
    ODE_EINVAL = -2,      /* bad argument or setting */
    ODE_EMODEL = -3,      /* the model has errors (reported through diag) */
    ODE_EJIT = -4,        /* the in-memory compiler failed */
    ODE_ERHS = -5,        /* the right-hand side asked to stop */
    ODE_ENONFINITE = -6,  /* a state became NaN or Inf and stayed so */
    ODE_EDTMIN = -7,      /* the step size fell below dtmin */
    ODE_EMAXSTEPS = -8,   /* more than max_steps steps */
    ODE_EOUTPUT = -9,     /* the output sink failed (disk full, closed pipe) */
    ODE_EINTR = -10,      /* interrupted by a signal */
};

/* Right-hand side dy/dt = f(t, y; p).  `p` holds the parameters followed by
   the derived parameters (see ode_derive_fn).  Returns 0 when fine, >0 when
   the step should be retried smaller (NaN, log of a negative, ...), <0 to
   stop the solve.  `ctx` is the backend's own state (NULL for compiled
   code, the interpreter for --no-jit). */
typedef int (*ode_rhs_fn)(void *ctx, double t, const double *y,
                          const double *p, double *dydt);

/* Auxiliary outputs at (t, y): fills out[0 .. n_aux-1].  Same return
   convention as ode_rhs_fn. */
typedef int (*ode_aux_fn)(void *ctx, double t, const double *y,
                          const double *p, double *out);

/* Derived parameters (`!k = a*b`): reads p[0 .. n_params-1] and fills
   p[n_params .. n_params+n_derived-1], in declaration order.  Called once
   before a solve and again whenever a parameter changes. */
typedef int (*ode_derive_fn)(void *ctx, double *p);

struct ode_problem {
    size_t n_states;
    size_t n_params;          /* user parameters, settable with -p */
    size_t n_derived;         /* derived parameters following them in p */
    size_t n_aux;             /* aux output columns */
    const char *const *state_names;   /* n_states names */
    const char *const *aux_names;     /* n_aux names */
    /* Model line of each state's equation (1-based, 0 when unknown), so a
       failed solve can point at the equation. */
    const int *state_lines;
    ode_rhs_fn rhs;
    ode_aux_fn aux;           /* NULL when n_aux == 0 */
    ode_derive_fn derive;     /* NULL when n_derived == 0 */
    void *ctx;
};

#endif
