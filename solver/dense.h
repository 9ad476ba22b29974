/* dense.h - continuous extension of one accepted Runge-Kutta step.
 *
 * Over a step from (t, y0) to (t + h, y1) the solution at t + theta h
 * (0 <= theta <= 1) is the polynomial
 *
 *   y0 + theta (r_1 + theta (r_2 + ... + theta r_deg)),
 *   r_m = h sum_j w_m,j K_j,
 *
 * with the polynomial weights b_j(theta) = sum_m w_m,j theta^m of the
 * method's own continuous extension (tableau.h, tab_dense_poly): DOPRI5's
 * and DOP853's in Hairer, Norsett & Wanner's nested form, Tsitouras' and
 * Verner's b_j(theta), or for the other methods the cubic Hermite
 * interpolant of y0, y1, f0, f1.  The K_j are the step's stages, f(t+h,
 * y1) and the extra stages some extensions need, which dense_build_erk
 * computes only for steps that have a save point.  Building costs
 * O(deg stages n) once per step; each point then costs O(deg n). */
#ifndef ODESOLVE_DENSE_H
#define ODESOLVE_DENSE_H

#include <stdbool.h>
#include <stddef.h>

#include "erk.h"

struct dense {
    size_t n;
    size_t len;           /* stride of r: n rounded up to even, as erk.len */
    int deg;              /* degree in theta of the current interpolant */
    double *r;            /* r_1 .. r_deg, len each (room for TAB_MAX_DEG) */
    const double *y0;     /* borrowed from the step, valid until it moves on */
};

/* Allocates room for n states.  Returns 0 or ODE_ENOMEM. */
int dense_init(struct dense *d, size_t n);

/* Releases d's memory; accepts a zeroed or already freed d. */
void dense_free(struct dense *d);

/* Builds the method's own continuous extension of the step that e has just
   attempted from (t, e->y) with step h (negative backwards): call after a
   successful erk_step and before erk_accept; e->y must not change until
   the last dense_eval of this step.  May call the right-hand side (the
   extra stages, and f(t+h, y1) without FSAL; counted in e->nfev).  Returns
   0, or the right-hand side's non-zero code (> 0 could not evaluate, < 0
   stop), and then d holds no usable interpolant. */
int dense_build_erk(struct dense *d, struct erk *e, double t, double h);

/* Builds an interpolant from explicit vectors, for callers without an erk
   step: the cubic Hermite interpolant of y0, y1, f0 = f(t, y0) and
   f1 = f(t+h, y1), plus, when dcoef is not NULL, Shampine's quartic
   correction theta^2 (1-theta)^2 h sum_j dcoef_j k_j over the `stages`
   vectors k (the DOPRI5 form, tableau.h TAB_DENSE_NESTED with one row).
   y0 is borrowed as in dense_build_erk. */
void dense_build(struct dense *d, double h, const double *y0, const double *y1,
                 const double *f0, const double *f1, int stages,
                 const double *dcoef, const double *const *k);

/* Writes the solution at t + theta h into out[0 .. n-1]. */
void dense_eval(const struct dense *d, double theta, double *out);

#endif
