/* seulex.h - linearly implicit Euler extrapolation (seulex) behind the
 * stepper interface of stepper.h.
 *
 * The method of Hairer & Wanner, "Solving Ordinary Differential Equations
 * II", 2nd ed., Springer 1996, section IV.9 (the scheme of their code
 * SEULEX; P. Deuflhard, "Recent progress in extrapolation methods for
 * ordinary differential equations", SIAM Review 27 (1985) 505-535, for the
 * linearly implicit Euler base method).  A step of size H from (t, y)
 * computes, for rows j = 1, 2, ... with n_j = 2, 3, 4, 6, 8, 12, 16, 24,
 * 32 substeps of size h = H / n_j, the linearly implicit Euler
 * approximations
 *
 *   (I/h - J) d_i = f(t + i h, y_i) + h df/dt,   y_{i+1} = y_i + d_i,
 *
 * (J = df/dy and df/dt at (t, y), one factorisation of I/h - J per row),
 * T_{j,1} = y_{n_j}, and extrapolates them with the Aitken-Neville scheme
 * of an error expansion in powers of h (HW IV.9, (9.3)):
 *
 *   T_{j,l+1} = T_{j,l} + (T_{j,l} - T_{j-1,l}) / (n_j / n_{j-l} - 1),
 *
 * T_{j,j} of order j.  The sequence is HW's 1, 2, 3, 4, 6, 8, ... without
 * its first entry (their code offers both): with n_1 = 1 the single
 * Euler step leaves a perturbation of about eps^2 / H in the stiff
 * component of a singularly perturbed problem (eps the small parameter),
 * which extrapolation cannot remove and which grows as H shrinks; on Van
 * der Pol with mu = 1e3 at rtol 1e-10 that floor held the step at 1e-5
 * (8700 steps; 290 with n_1 = 2).  The error of row j is
 * ||T_{j,j} - T_{j,j-1}||.  The order k and H are chosen from the work
 * per unit step of each column (HW II.9 and IV.9); the step is accepted
 * in row k - 1, k or k + 1 of its convergence window.  The dense output
 * is the quintic through y and y' at both ends and at the midpoint, all
 * extrapolated from the Euler values (order 5; no extra f or J). */
#ifndef ODESOLVE_SEULEX_H
#define ODESOLVE_SEULEX_H

#include "stepper.h"

/* Rows of the extrapolation tableau (the highest order). */
#define SEULEX_MAX_ROWS 9

/* The rows a constant step (no error control) computes: order 6. */
#define SEULEX_FIXED_ROWS 6

/* The step number sequence n_1 .. n_SEULEX_MAX_ROWS (HW IV.9, (9.8)). */
extern const int seulex_seq[SEULEX_MAX_ROWS];

/* seulex: FAM_ROSENBROCK (linearly implicit), needs_jac. */
extern const struct stepper_method seulex_method;

#endif
