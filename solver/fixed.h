/* fixed.h - fixed-step methods written out by hand behind stepper.h:
 * difference equations (the map y(t+1) = f(t, y)), a symplectic method
 * for pairs x' = v, v' = F, and XPPAUT's own arithmetic of Euler, Heun
 * and classical Runge-Kutta for --xpp.
 *
 * None of them estimates an error; their dense output is the straight
 * line between the ends of the step (for a map there is nothing between
 * two iterates; XPPAUT locates its events on that line for every fixed
 * step method). */
#ifndef ODESOLVE_FIXED_H
#define ODESOLVE_FIXED_H

#include "stepper.h"

/* "discrete": y1 = f(t, y), whatever the step (t moves by it; a map
   steps by 1).  Registered in stepper.c. */
extern const struct stepper_method fixed_discrete;

/* "symplectic": R. D. Ruth, "A canonical integration technique", IEEE
   Trans. Nucl. Sci. 30 (1983) 2669-2671, the third-order method, for
   states in pairs (x, v): x' = v, v' = F(t, x, ...).  Like XPPAUT's
   "ymp" it reads only the velocities' equations (the odd states, in
   file order the second of each pair) and moves each x by its v.
   Needs an even number of states (ODE_EINVAL otherwise). */
extern const struct stepper_method fixed_symplectic;

/* The method `name` (euler, heun, rk4) with its sums in the order XPPAUT
   6.11 writes them (odesol2.c: rk4 accumulates y + h k1/6 + h k2/3 +
   h k3/3 + h k4/6 term by term, each h k divided rather than multiplied
   by the weight), so that a fixed-step run under --xpp gives XPPAUT's
   numbers to the last bit, also on chaotic models where a last-bit
   difference grows to the printed digits.  NULL for other names.  Not
   registered: --xpp swaps it in for the tableau of the same name. */
const struct stepper_method *fixed_xpp_variant(const char *name);

#endif
