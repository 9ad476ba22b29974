/* volterra.h - Volterra integral and integro-differential equations on a
 * fixed step (XPPAUT's meth=volterra), behind the stepper interface.
 *
 * The problem (problem.h, n_volterra) has kernels, integrals over all
 * the past of the solution, and states that are either derivatives or
 * the values of their right-hand side (integral equations).  The method
 * keeps every accepted point (or the last `window` of them), so memory
 * and work per step grow with the steps taken. */
#ifndef ODESOLVE_VOLTERRA_H
#define ODESOLVE_VOLTERRA_H

#include "problem.h"
#include "stepper.h"

enum {
    /* Points kept when no window is set: a longer run is refused before
       it starts (the work grows as the square of the points). */
    VOLTERRA_MAX_POINTS = 200000,
};

/* The method "volterra" for the stepper registry (stepper.c). */
extern const struct stepper_method volterra_method;

/* Sets the integral states of y (n_states values, the initial state at
   t0) to the value of their right-hand side there, each seeing those set
   before it, with every integral 0 (nothing has been integrated yet).
   p holds the parameters and derived parameters (np of them).  Returns
   0, ODE_ENOMEM or the right-hand side's code. */
int volterra_initial(const struct ode_problem *prob, const double *p, double t0,
                     double *y);

#endif
