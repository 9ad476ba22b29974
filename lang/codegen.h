/* codegen.h - the checked model as C source text.
 *
 * The text is what the JIT compiles and what --emit-c prints.  It includes no
 * header, declares only the built-in symbols it calls (builtins.h `symbol`),
 * and never contains a model identifier outside a comment: states are y[i],
 * parameters p[i], intermediates v[i], user functions cg_u<k>, and
 * subexpressions nested deeper than tcc's value stack allows are computed
 * first into locals w<k>.  Names appear only in comments, reduced to
 * [A-Za-z0-9_].  Each equation is one line after its
 * `#line N "<model file basename, reduced to [A-Za-z0-9_.-]>"`.
 *
 * Functions defined (signatures of solver/problem.h):
 *   int cg_rhs(void *ctx, double t, const double *y, const double *p, double *dydt);
 *   int cg_aux(void *ctx, double t, const double *y, const double *p, double *out);
 *                                               only when the model has aux
 *   int cg_derive(void *ctx, double *p);        only when it has derived params
 *   int cg_jac(void *ctx, double t, const double *y, const double *p, double *val);
 *   int cg_jacp(void *ctx, double t, const double *y, const double *p, double *val);
 *                       only when lang/diff.c attached the values (m->jac,
 *                       m->jacp): val[k] is the k-th structural nonzero of
 *                       the pattern (ode_jac_fn); the extra intermediates
 *                       of the derivatives follow the model's in v
 *   int cg_events(void *ctx, double t, const double *y, const double *p, double *g);
 *   int cg_reset(void *ctx, unsigned long k, double t, double *y, const double *p);
 *                       only when the model has events (ode_events_fn,
 *                       ode_reset_fn; size_t is unsigned long on our targets)
 *   int cg_tswitch(void *ctx, double t, const double *y, const double *p, double *g);
 *                       only when the model has switches of t alone
 *   int cg_kint(void *ctx, double t, const double *y, const double *p, double *out);
 *   int cg_klag(void *ctx, double t, const double *y, const double *p, double *out);
 *                       only when it has Volterra integrals: the kernels'
 *                       integrands and lags (ode_problem.kernel_integrand,
 *                       kernel_lag)
 *                       only when the model has switches of t alone
 * User function k is `static double cg_u<k>(double t, const double *p,
 * double a0, ...)`.  All return 0; the solver checks finiteness itself.
 *
 * How a built-in is reached depends on who links the text (codegen_link):
 * libtcc binds declared symbols to our functions; a shared object built by
 * the system compiler gets static function pointers that its loader fills
 * through cg_bind, so the object has no undefined symbol at all. */
#ifndef ODESOLVE_CODEGEN_H
#define ODESOLVE_CODEGEN_H

#include <stdbool.h>

#include "model.h"
#include "problem.h"

/* Names of the generated entry points, for the JIT's symbol lookup. */
#define CODEGEN_RHS "cg_rhs"
#define CODEGEN_AUX "cg_aux"
#define CODEGEN_DERIVE "cg_derive"
#define CODEGEN_BIND "cg_bind"
#define CODEGEN_JAC "cg_jac"
#define CODEGEN_JACP "cg_jacp"
#define CODEGEN_EVENTS "cg_events"
#define CODEGEN_RESET "cg_reset"
#define CODEGEN_TSWITCH "cg_tswitch"
#define CODEGEN_KINT "cg_kint"
#define CODEGEN_KLAG "cg_klag"

/* How the text reaches the built-ins it calls. */
enum codegen_link {
    /* `double os_sin(double);`: the JIT binds the symbol (libtcc). */
    CODEGEN_LINK_SYMBOLS,
    /* For the system compiler (GNU C: gcc, clang).  os_sin is a static
       stub that jumps through `static double (*cg_p_sin)(double)`, set by
       the text's exported
         void cg_bind(double (*const *f1)(double),
                      double (*const *f2)(double, double));
       from two tables indexed like builtin_at(): f1[i] for a built-in of
       arity 1, f2[i] for arity 2.  cg_bind must run before any other
       function of the text.  A long cg_rhs or cg_aux is cut into static
       functions cg_rhs_c<k> (cg_aux_c<k>) that it calls in order; the
       operations are those of CODEGEN_LINK_SYMBOLS. */
    CODEGEN_LINK_POINTERS,
};

/* The model as C source text in *text (malloc'd, NUL-terminated, the
   caller frees it).  Returns 0, ODE_ENOMEM, or ODE_EINVAL when the model is
   malformed (an index out of range, a wrong arity, a state used inside a
   user function, nesting deeper than CODEGEN_MAX_DEPTH); *text is NULL on
   failure. */
int codegen_c(const struct model *m, char **text);

/* Like codegen_c; when `used` is not NULL it receives builtin_count()
   flags, used[i] true when the text declares and calls builtin_at(i). */
int codegen_c_used(const struct model *m, char **text, bool *used);

/* Like codegen_c_used, with the built-ins reached as `link` says
   (codegen_c_used is CODEGEN_LINK_SYMBOLS).  used may be NULL. */
int codegen_c_link(const struct model *m, enum codegen_link link, char **text,
                   bool *used);

/* How both backends compute x^k for a literal exponent k (a number, or a
   negated number) without pow, which costs tens of times a multiplication
   (about 65% of an N-body right-hand side written with ^1.5):
     k = ±1, ±2, ±3, ±4:  x, x*x, (x*x)*x, (x*x)*(x*x)
     k = ±0.5, ±1.5:      sqrt(x), x*sqrt(x)   (the built-in "sqrt")
   and for k < 0 one division 1.0 / (that).  x is evaluated once.  Integer
   powers stop at 4, where two roundings (three with the division) keep
   the relative error within about 4 ulps; longer chains of squarings
   would double it at each step.  So the result differs from pow's, which
   is correctly rounded or nearly, by at most a few ulps, except where
   |x|^|k| overflows or underflows before the division; sqrt differs from
   pow(x, 0.5) only at x = -0 (-0 instead of +0) and x = -inf (NaN instead
   of +inf).  Both backends must follow this plan to the operation, in
   this order, so that they keep producing the same bits. */
struct codegen_pow {
    int n;        /* 0..4: the product of n factors x (0: none) */
    bool root;    /* times sqrt(x); sqrt(x) alone when n is 0 */
    bool recip;   /* 1.0 / all of it */
};

/* True, with *plan filled, when `exponent` is a literal listed above;
   false (the power calls the built-in pow) otherwise. */
bool codegen_pow_plan(const struct expr *exponent, struct codegen_pow *plan);

/* Expressions nested deeper than this are refused (the checker's own bound
   is far lower); it keeps the recursive walks of both backends shallow. */
enum { CODEGEN_MAX_DEPTH = 4096 };

/* Whether the text has cg_jac (cg_jacp): m carries the values of df/dy
   (df/dp) from lang/diff.c. */
bool codegen_has_jac(const struct model *m);

/* Whether m has Volterra integrals or integral states (its parameter
   vector then has the slots of ode_problem.n_volterra). */
bool codegen_volterra(const struct model *m);
bool codegen_has_jacp(const struct model *m);

/* Whether the compiled functions of m may run on several threads at once:
   false when a function keeps its intermediates in static storage (more
   than 8192 of them, so as not to overflow the stack). */
bool codegen_reentrant(const struct model *m);

/* Fills prob's dimensions, state_names, aux_names, state_lines and the
   Jacobian patterns (jac_pattern, jacp_pattern, when lang/diff.c attached
   them) from m.  The names and patterns are copied into *block (one
   malloc'd allocation, released with free()), so they outlive the model.
   Function pointers and ctx are left alone.  Returns 0 or ODE_ENOMEM. */
int codegen_meta(const struct model *m, struct ode_problem *prob, void **block);

#endif
