/* ros.h - Rosenbrock methods (linearly implicit Runge-Kutta) behind the
 * stepper interface of stepper.h.
 *
 * One table-driven engine runs every method in Hairer & Wanner's
 * transformed form ("Solving ODEs II", 2nd ed., IV.7, (7.25) with the
 * non-autonomous term of (7.4')): with A = (1/(gamma h)) I - J,
 *
 *   A u_i = f(t + alpha_i h, y + sum_{j<i} a_ij u_j)
 *           + sum_{j<i} (c_ij / h) u_j + gamma_i h df/dt,
 *   y1 = y + sum m_j u_j,      err = sum e_j u_j = y1 - (embedded y1),
 *
 * J = df/dy at (t, y), taken once per accepted point (a rejected attempt
 * refactors A with the new h and keeps J), A factored once per attempt.
 * The continuous extension is the nested form of Hairer's RODAS code:
 *
 *   y(t + theta h) = (1 - theta) y + theta (y1 + (1 - theta) (H_1 +
 *                    theta (H_2 + theta (H_3 + ...)))),
 *   H_k = sum_j h_kj u_j. */
#ifndef ODESOLVE_ROS_H
#define ODESOLVE_ROS_H

#include <stdbool.h>

#include "stepper.h"

/* Stages and dense rows a table may use (RODAS5: 8 and 3). */
#define ROS_MAX_STAGES 8
#define ROS_MAX_DENSE 3

/* One method in the transformed form above.  Invariants (checked by
   tests/unit/check_ros.c): a and c are strictly lower triangular;
   alpha_i and gamma_i are the row sums of the standard form's alpha_ij
   and gamma_ij (recovered from a, c and gamma); with `fsal` the last
   stage's argument is y1 itself (its row of a equals m, alpha = 1), so
   its f value is the next step's first. */
struct ros_tableau {
    const char *name;
    int stages;
    int order;                /* order of y1 */
    int order_emb;            /* order of the embedded y1 - err */
    int dense_order;          /* order of the continuous extension */
    double gamma;             /* diagonal gamma_ii */
    bool fsal;
    double alpha[ROS_MAX_STAGES];
    double gam[ROS_MAX_STAGES];
    double a[ROS_MAX_STAGES][ROS_MAX_STAGES];
    double c[ROS_MAX_STAGES][ROS_MAX_STAGES];
    double m[ROS_MAX_STAGES];
    double e[ROS_MAX_STAGES];
    int dense_rows;
    double h[ROS_MAX_DENSE][ROS_MAX_STAGES];
};

/* The methods, for the registry in stepper.c (data: their ros_tableau). */
extern const struct stepper_method ros_rodas5;
extern const struct stepper_method ros_ros23;

#endif
