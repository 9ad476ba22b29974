/* irk.h - implicit Runge-Kutta: Radau IIA of order 5 (radau5).
 *
 * The method of Hairer & Wanner, "Solving Ordinary Differential Equations
 * II", 2nd ed., Springer 1996, section IV.8, and of their code RADAU5:
 * three collocation stages at the Radau points, the stage system solved by
 * simplified Newton iterations after the eigen-transformation
 * T^-1 A^-1 T = diag(gamma, [alpha -beta; beta alpha]), so each iteration
 * solves one real n x n system (gamma/h I - J) and one complex one
 * ((alpha + i beta)/h I - J) instead of one of size 3n.  The error
 * estimate is Hairer's embedded one of order 3 filtered through
 * (gamma/h I - J)^-1, the step size comes from the predictive (Gustafsson)
 * controller, J and the factorisations are reused across steps, and the
 * dense output is the collocation polynomial.
 *
 * The method is reached through stepper.h (irk_radau5 in the registry of
 * stepper.c); this header exposes only its descriptor and coefficients. */
#ifndef ODESOLVE_IRK_H
#define ODESOLVE_IRK_H

#include "stepper.h"

/* The coefficients of a 3-stage Radau IIA method and of its
   transformation (the data of irk_radau5.data). */
struct irk_coeffs {
    double c[3];           /* nodes, c[2] = 1 */
    double a[3][3];        /* Butcher matrix; b = a[2] (stiffly accurate) */
    /* T and T^-1 with T^-1 A^-1 T = [gamma 0 0; 0 alpha -beta;
       0 beta alpha]. */
    double t[3][3];
    double ti[3][3];
    double gamma, alpha, beta;
    /* Error estimate: err = (gamma/h I - J)^-1 (f(t, y) + sum_i dd_i Z_i / h),
       Z_i = Y_i - y the stage increments. */
    double dd[3];
};

/* radau5: FAM_IMPLICIT_RK, order 5, needs_jac. */
extern const struct stepper_method irk_radau5;

#endif
