/* control.h - step-size control for methods with an error estimate.
 *
 * One controller, Soderlind's digital filter (G. Soderlind, "Digital
 * filters in adaptive time-stepping", ACM TOMS 29 (2003) 1-26):
 *
 *   rho_n = (theta/e_n)^(b1/k) (theta/e_{n-1})^(b2/k) (theta/e_{n-2})^(b3/k)
 *           rho_{n-1}^(-a2) rho_{n-2}^(-a3),         h_{n+1} = rho_n h_n,
 *
 * e_n the error norm of step n (<= 1 accepted), k = embedded order + 1
 * (the error estimate behaves like h^k), theta < 1 the target error, and
 * b = k (beta1, beta2, beta3), a = (alpha2, alpha3) the filter
 * coefficients as Soderlind tabulates them.  rho_{n-1}, rho_{n-2} are the
 * factors the filter itself applied on the previous accepted steps (its
 * output history, as in PETSc's TSADAPTDSP), so a step shortened to land
 * on t1 or on a stop does not disturb the filter.
 *
 * PID gains (kI, kP, kD) in the form of Hairer and OrdinaryDiffEq map to
 * the filter with a = 0 and
 *
 *   b1 = kI + kP + kD,   b2 = -(kP + 2 kD),   b3 = kD,
 *
 * i.e. h_{n+1} = h_n (theta/e_n)^(kI/k) (e_{n-1}/e_n)^(kP/k)
 *                    (e_{n-1}^2/(e_n e_{n-2}))^(kD/k).
 * Every controller is a named preset of this one filter (ctl_find), not
 * separate code. */
#ifndef ODESOLVE_CONTROL_H
#define ODESOLVE_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

/* The default target error theta: the filter steers e_n towards it, so
   accepted steps keep a margin below the rejection threshold 1 whatever
   the gains (Soderlind 2003: eps = theta TOL inside the filter; with a
   safety factor outside instead, a low-gain filter settles far below the
   tolerance).  0.45 is where DOPRI5's PI with its safety factor 0.9
   settles, 0.9^(1/0.13) = 0.44, so step counts match Hairer's code.
   Measured with dopri5 on the bench problems (lorenz, arenstorf, pleiades,
   bruss1d, hires; rtol 1e-4..1e-10): theta 0.6 saves 3% of f-evaluations
   but rejects 2.4x as many steps, 0.8 rejects 8x as many.  A tableau may
   set its own (rk_tableau.err_target). */
#define CTL_TARGET 0.45

#include "solve.h"

/* Filter coefficients: b = k (beta1, beta2, beta3), a = (alpha2, alpha3). */
struct ctl_filter {
    double b[3];
    double a[2];
};

/* A controller the user can name with --controller. */
struct ctl_preset {
    const char *name;            /* lower case, e.g. "h312pid" */
    enum solve_controller kind;
    struct ctl_filter f;         /* unused by CTL_CONSTANT */
};

struct ctl {
    double w1, w2, w3;      /* b1/k, b2/k, b3/k */
    double a2, a3;
    bool feedback;          /* a2 or a3 is not 0 */
    double inv_k;           /* 1/k, for the retry after a rejection */
    double log_target;      /* log theta */
    double log_max, log_min;   /* log of the growth and shrink limits */
    double lerr1, lerr2;    /* log e_{n-1}, log e_{n-2} (accepted steps) */
    double lrho1, lrho2;    /* log rho_{n-1}, log rho_{n-2} (accepted steps) */
    bool rejected;          /* the previous attempt was rejected */
};

/* The presets, in the order --help lists them: constant, i, pi, pid, then
   Soderlind's filters.  ctl_at(i) for i < ctl_count(). */
size_t ctl_count(void);
const struct ctl_preset *ctl_at(size_t i);

/* The preset called `name` (letter case ignored), or NULL. */
const struct ctl_preset *ctl_find(const char *name);

/* The preset of `kind`, or NULL for CTL_DEFAULT and unknown kinds. */
const struct ctl_preset *ctl_preset(enum solve_controller kind);

/* The PID gains of f's b (its a is not expressible in gains). */
void ctl_gains(const struct ctl_filter *f, double *ki, double *kp, double *kd);

/* Replaces f's b by the filter of gains ki, kp, kd, each NaN meaning
   "keep f's own": the --icoeff, --pcoeff, --dcoeff overrides.  f's a is
   kept.  With all three NaN, f is unchanged (bit for bit). */
void ctl_set_gains(struct ctl_filter *f, double ki, double kp, double kd);

/* Sets up the filter f for error exponent k >= 1 and target error theta
   (0 < theta < 1; 0 picks CTL_TARGET).  Returns 0, or ODE_EINVAL when a
   coefficient is not finite, k < 1 or theta is out of range. */
int ctl_init(struct ctl *c, const struct ctl_filter *f, int k, double theta);

/* Given the error norm of the step just attempted, returns the factor by
   which to multiply h for the next attempt.  err <= 1: the step is
   accepted, the filter runs and its history moves on; the factor lies in
   [0.2, 5] and is at most 1 right after a rejection.  err > 1: rejected,
   the factor (< 1) aims at the target with the elementary controller.
   err NaN or infinite (non-finite stage values): rejected, factor 1/4. */
double ctl_factor(struct ctl *c, double err);

#endif
