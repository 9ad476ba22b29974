/* dense.h - continuous extension of one accepted Runge-Kutta step.
 *
 * Over a step from (t, y0) to (t + h, y1) with derivatives f0 = f(t, y0)
 * and f1 = f(t + h, y1), the solution at t + theta h (0 <= theta <= 1) is
 *
 *   y0 + theta (r1 + (1-theta) (r2 + theta (r3 + (1-theta) r4)))
 *
 *   r1 = y1 - y0,  r2 = h f0 - r1,  r3 = r1 - h f1 - r2,
 *   r4 = h sum_j d_j k_j  (0 without coefficients d),
 *
 * the cubic Hermite interpolant of y0, y1, f0, f1 (order 3, or the method's
 * order if lower) plus, when the tableau has them, the quartic correction of
 * Shampine (1986) written as in Hairer, Norsett & Wanner, "Solving ODEs I",
 * 2nd ed., II.6, which gives DOPRI5 its 4th-order dense output.  Building
 * costs O(stages n) once per step; each point then costs O(n). */
#ifndef ODESOLVE_DENSE_H
#define ODESOLVE_DENSE_H

#include <stdbool.h>
#include <stddef.h>

struct dense {
    size_t n;
    double *r;            /* r1..r4, n each */
    const double *y0;     /* borrowed from the step, valid until it moves on */
    bool quartic;         /* r4 is in use */
};

/* Allocates room for n states.  Returns 0 or ODE_ENOMEM. */
int dense_init(struct dense *d, size_t n);

/* Releases d's memory; accepts a zeroed or already freed d. */
void dense_free(struct dense *d);

/* Builds the interpolant of one step of size h (negative when integrating
   backwards).  y0 is borrowed and must not change until the last
   dense_eval of this step.  dcoef (NULL: Hermite only) holds one
   coefficient per stage and k the `stages` stage derivatives. */
void dense_build(struct dense *d, double h, const double *y0, const double *y1,
                 const double *f0, const double *f1, int stages,
                 const double *dcoef, const double *const *k);

/* Writes the solution at t + theta h into out[0 .. n-1]. */
void dense_eval(const struct dense *d, double theta, double *out);

#endif
