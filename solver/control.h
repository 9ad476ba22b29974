/* control.h - step-size control for methods with an error estimate.
 *
 * One controller, Soderlind's digital filter (G. Soderlind, "Digital
 * filters in adaptive time-stepping", ACM TOMS 29 (2003) 1-26):
 *
 *   h_{n+1} = h_n (theta/e_n)^(b1/k) (theta/e_{n-1})^(b2/k) (theta/e_{n-2})^(b3/k)
 *
 * e_n the error norm of step n (<= 1 accepted), k = embedded order + 1
 * (the error estimate behaves like h^k), theta < 1 the target error.  The
 * filter coefficients come from PID gains (kI, kP, kD) in the form of
 * Hairer and OrdinaryDiffEq:
 *
 *   b1 = kI + kP + kD,   b2 = -(kP + 2 kD),   b3 = kD,
 *
 * i.e. h_{n+1} = h_n (theta/e_n)^(kI/k) (e_{n-1}/e_n)^(kP/k)
 *                    (e_{n-1}^2/(e_n e_{n-2}))^(kD/k).
 * I, PI and PID are named gain sets (ctl_gains), not separate code. */
#ifndef ODESOLVE_CONTROL_H
#define ODESOLVE_CONTROL_H

#include <stdbool.h>
#include "solve.h"

struct ctl {
    double w1, w2, w3;      /* b1/k, b2/k, b3/k */
    double inv_k;           /* 1/k, for the retry after a rejection */
    double log_target;      /* log theta */
    double lerr1, lerr2;    /* log e_{n-1}, log e_{n-2} (accepted steps) */
    bool rejected;          /* the previous attempt was rejected */
};

/* The default gains of controller `kind` (CTL_I, CTL_PI, CTL_PID; anything
   else gets the PID's). */
void ctl_gains(enum solve_controller kind, double *ki, double *kp, double *kd);

/* Sets up the filter for gains ki, kp, kd and error exponent k >= 1.
   Returns 0, or ODE_EINVAL when a gain is not finite or k < 1. */
int ctl_init(struct ctl *c, double ki, double kp, double kd, int k);

/* Given the error norm of the step just attempted, returns the factor by
   which to multiply h for the next attempt.  err <= 1: the step is
   accepted, the filter runs and its history moves on; the factor lies in
   [0.2, 5] and is at most 1 right after a rejection.  err > 1: rejected,
   the factor (< 1) aims at the target with the elementary controller.
   err NaN or infinite (non-finite stage values): rejected, factor 1/4. */
double ctl_factor(struct ctl *c, double err);

#endif
