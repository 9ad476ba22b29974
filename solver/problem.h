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
    ODE_ENEWTON = -11,    /* the Newton iteration of an implicit method kept failing */
    ODE_ESINGULAR = -12,  /* the iteration matrix stayed singular */
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

/* Jacobian values at (t, y): writes the structural nonzeros of a matrix
   whose pattern the problem gives in compressed sparse column form (CSC)
   into val[0 .. nnz-1], in the pattern's order (column by column, rows
   ascending within a column).  For jac, entry (i, j) is df_i/dy_j
   (n_states x n_states); for jacp, df_i/dp_j (n_states x n_params, the
   user parameters only, through the derived ones).  Same return
   convention as ode_rhs_fn. */
typedef int (*ode_jac_fn)(void *ctx, double t, const double *y,
                          const double *p, double *val);

/* Event functions g_k(t, y; p) for k = 0 .. n_events-1, all at once
   into g[0 .. n_events-1].  An event fires where g_k crosses zero in its
   direction (ode_problem.event_dir).  Same return convention as
   ode_rhs_fn. */
typedef int (*ode_events_fn)(void *ctx, double t, const double *y,
                             const double *p, double *g);

/* Applies event k's assignments to the state y (n_states values, changed
   in place) at time t.  The assignments run in the order written, each
   seeing the values the earlier ones stored (XPPAUT's rule: `{x=0; y=x}`
   sets y to 0).  Same return convention as ode_rhs_fn; y may be partly
   changed when it fails. */
typedef int (*ode_reset_fn)(void *ctx, size_t k, double t, double *y,
                            const double *p);

/* A sparsity pattern in CSC form: column j holds rows
   rowind[colptr[j] .. colptr[j+1]-1], strictly ascending; colptr has
   ncols + 1 entries, colptr[0] = 0, colptr[ncols] = nnz.  A structural
   nonzero may still evaluate to 0 at some point; an entry outside the
   pattern is 0 everywhere. */
struct ode_pattern {
    size_t nnz;
    const size_t *colptr;
    const size_t *rowind;
};

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
    /* df/dy.  jac_pattern.colptr is NULL when the pattern is unknown (take
       it as dense); jac is NULL when there is no exact Jacobian (the
       solver then forms it by finite differences over the pattern). */
    struct ode_pattern jac_pattern;
    ode_jac_fn jac;
    /* df/dp over the user parameters, the same way (for sensitivities). */
    struct ode_pattern jacp_pattern;
    ode_jac_fn jacp;
    /* Events (`global sign condition {...}`): n_events functions, each
       with its direction event_dir[k]: +1 fires where g_k goes from <= 0
       to > 0, -1 from >= 0 to < 0, 0 either way.  events and reset are
       NULL when n_events == 0. */
    size_t n_events;
    const int *event_dir;
    const int *event_lines;   /* model line of each event, 0 when unknown */
    ode_events_fn events;
    ode_reset_fn reset;
    /* Switching functions of t and the parameters only (heav(t - ton),
       t > toff, ...; lang/switches.h), all at once like events (y is
       read by nothing): the solver steps onto their zeros as onto
       tstops.  tswitch is NULL when n_tswitch == 0. */
    size_t n_tswitch;
    ode_events_fn tswitch;
    /* Volterra equations (solver/volterra.c).  n_volterra > 0 when the
       model has integrals or integral states: the parameter vector then
       holds, after the derived parameters (np = n_params + n_derived of
       them), the current values of the n_kernels integrals and then t'
       (n_volterra = n_kernels + 1 slots), which only the Volterra solver
       sets; every caller's vector has room for them.  Kernel k weighs its
       integrand by (t - t')^-kernel_mu[k] and, when kernel_conv[k], by
       K_k(t - t').  integral[i] marks the states that are the value of
       their right-hand side, not its integral (NULL when none).
       kernel_integrand writes each kernel's integrand at (t, t' =
       p[np + n_kernels], y) to out[k]; kernel_lag each K_k at lag t (1
       for the others).  Same return convention as ode_rhs_fn. */
    size_t n_volterra, n_kernels;
    const double *kernel_mu;
    const unsigned char *kernel_conv;
    const unsigned char *integral;
    ode_rhs_fn kernel_integrand;
    ode_rhs_fn kernel_lag;
};

#endif
