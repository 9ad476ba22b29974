/* dirk.h - singly diagonally implicit Runge-Kutta methods with an explicit
 * first stage (ESDIRK), driven by a tableau, behind solver/stepper.h.
 *
 * A step from (t, y) with size h computes k_1 = f(t, y) (the previous
 * step's last stage) and, for i = 2 .. s, the stage value
 *
 *   Y_i = psi_i + h gamma f(t + c_i h, Y_i),
 *   psi_i = y + h sum_{j<i} a_ij k_j,      k_i = (Y_i - psi_i) / (h gamma),
 *
 * by newton.h's simplified Newton iteration; k_i comes from the stage
 * equation, not from another call of f, which would multiply the Newton
 * error by the stiffness (Hairer & Wanner, "Solving ODEs II", 2nd ed.,
 * IV.8, on SDIRK codes).  The methods here are stiffly accurate (the
 * last row of A is b), so y1 = Y_s and k_s is f(t + h, y1) for the
 * next step's first stage and for the dense output.
 *
 * Error estimates:
 *  - kvaerno3 and kvaerno5 carry an embedded stiffly accurate solution
 *    (Y_{s-1}); the estimate is y1 - Y_{s-1}, an L-stable difference.
 *  - backeul: the trapezoidal rule on the same two stages,
 *    err = h/2 (k_2 - k_1), free (Hairer & Wanner I, II.4's "Euler -
 *    trapezoid" pair).
 *  - trapezoid has no embedded partner of higher order in its two stages
 *    (any other weights give order 1), so it is adaptive by step doubling:
 *    one step of h and two of h/2, err = (y_{h/2,h/2} - y_h) / 3 by
 *    Richardson (Hairer, Norsett & Wanner I, II.4), and the two half
 *    steps are kept (no extrapolation: the method stays the trapezoidal
 *    rule, ringing on stiff components and all, which the estimate sees:
 *    R(-inf) = -1 for one step against +1 for two).
 * Dense output: the cubic Hermite interpolant of y and f at both ends
 * (for trapezoid, two cubics through the midpoint); kvaerno3 and kvaerno5
 * add y and f at the previous accepted point (a quintic, O(h^6), when
 * that step was within a factor 5 of this one), so the interpolant keeps
 * up with the method from the second step on. */
#ifndef ODESOLVE_DIRK_H
#define ODESOLVE_DIRK_H

#include <stdbool.h>

#include "stepper.h"

#define DIRK_MAX_STAGES 7

struct dirk_tableau {
    const char *name;
    int stages;
    int order;
    int order_emb;          /* order of bemb; 0: step doubling (or none) */
    double gamma;           /* a_ii for i >= 2 */
    double c[DIRK_MAX_STAGES];
    /* a[i][j], j <= i; a[0] is 0 (explicit first stage), a[i][i] = gamma. */
    double a[DIRK_MAX_STAGES][DIRK_MAX_STAGES];
    double b[DIRK_MAX_STAGES];      /* = a[stages - 1]: stiffly accurate */
    double bemb[DIRK_MAX_STAGES];   /* embedded weights (order_emb > 0) */
};

/* The methods backeul, trapezoid, kvaerno3 and kvaerno5 (family
   FAM_IMPLICIT_RK, needs_jac), for solver/stepper.c's registry. */
extern const struct stepper_method dirk_backeul, dirk_trapezoid,
    dirk_kvaerno3, dirk_kvaerno5;

/* The tableau of a method above (its stepper_method.data). */
const struct dirk_tableau *dirk_tableau_of(const struct stepper_method *m);

#endif
