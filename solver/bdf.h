/* bdf.h - variable-order (1-5), variable-step backward differentiation
 * formulas in Shampine & Reichelt's quasi-constant step form (a backward
 * difference array rescaled when h changes), with CVODE's reuse of the
 * Jacobian and of the factorised iteration matrix.  The workhorse for
 * large stiff systems; "bdf" in the stepper registry (stepper.h). */
#ifndef ODESOLVE_BDF_H
#define ODESOLVE_BDF_H

#include <stddef.h>

#include "stepper.h"

/* Highest order of the formulas. */
#define BDF_MAX_ORDER 5

/* The "bdf" method of the registry (family FAM_MULTISTEP, needs_jac). */
extern const struct stepper_method bdf_method;

/* Caps the order of a "bdf" stepper at qmax (1 <= qmax <= BDF_MAX_ORDER;
   CVODE's maxord).  Returns 0 or ODE_EINVAL. */
int bdf_set_max_order(struct stepper *s, int qmax);

/* Starts the history of a "bdf" stepper at order q (1 <= q <= its maximum
   order) from q + 1 known solution values ypast[i * n .. i * n + n - 1] =
   y(t0 - i h), i = 0 .. q, instead of from f(t0, y0) at order 1; s->y
   becomes ypast[0 .. n-1] and the next step must have size h.  The order
   then stays q until next_step changes it (the observed-order tests drive
   fixed steps this way).  Returns 0 or ODE_EINVAL. */
int bdf_start_history(struct stepper *s, double h, int q, const double *ypast);

/* The order of the formula the next step will use. */
int bdf_order(const struct stepper *s);

#endif
