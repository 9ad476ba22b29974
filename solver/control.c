/* control.c - the PID step-size filter and its named gain sets. */
#include "control.h"

#include <math.h>

#include "problem.h"

/* Target error theta: the filter steers e_n towards it, so accepted steps
   keep a margin below the rejection threshold 1 whatever the gains
   (Soderlind 2003: eps = theta TOL inside the filter; with a safety factor
   outside instead, a low-gain filter settles far below the tolerance).
   0.45 is where DOPRI5's PI with its safety factor 0.9 settles,
   0.9^(1/0.13) = 0.44, so step counts match Hairer's code.  Measured with
   dopri5 on the bench problems (lorenz, arenstorf, pleiades, bruss1d,
   hires; rtol 1e-4..1e-10): theta 0.6 saves 3% of f-evaluations but
   rejects 2.4x as many steps, 0.8 rejects 8x as many. */
#define CTL_TARGET 0.45
/* Step growth and shrink limits per step (Hairer, Norsett & Wanner,
   "Solving ODEs I", II.4: facmax, facmin). */
#define CTL_FAC_MAX 5.0
#define CTL_FAC_MIN 0.2
/* Errors are floored before their logarithm so that a step with a zero
   error estimate (e.g. a linear solution) neither divides by zero nor, with
   a negative b2, shrinks the next step.  Same floor as DOPRI5's facold. */
#define CTL_ERR_FLOOR 1e-4
/* Retry factor after non-finite stage values: there is no error norm. */
#define CTL_NONFINITE_SHRINK 0.25

/* Elementary (integral) controller: b = (1, 0, 0). */
#define CTL_I_KI 1.0
#define CTL_I_KP 0.0
#define CTL_I_KD 0.0
/* PI: the PI controller of DOPRI5 (Hairer, Norsett & Wanner, "Solving ODEs
   I", II.4, and their code: exponents 0.2 - 0.75 beta and beta, beta =
   0.04, for k = 5), i.e. b1/k = 0.17, b2/k = -0.04. */
#define CTL_PI_KI 0.65
#define CTL_PI_KP 0.2
#define CTL_PI_KD 0.0
/* PID: DOPRI5's PI with a derivative term, b = (0.9, -0.45, 0.1).
   Soderlind's H312PID, b = (1/18, 1/9, 1/18) (Soderlind 2003, Table III),
   was measured and rejected as a default: where stability limits the step
   (bruss2d, hires at loose tolerances) it rejects 500-1900 steps where
   this filter rejects 1-3, and on lorenz, arenstorf, pleiades and bruss1d
   it needs 2% more f-evaluations. */
#define CTL_PID_KI 0.55
#define CTL_PID_KP 0.25
#define CTL_PID_KD 0.1

void ctl_gains(enum solve_controller kind, double *ki, double *kp, double *kd)
{
    switch (kind) {
    case CTL_I:
        *ki = CTL_I_KI;
        *kp = CTL_I_KP;
        *kd = CTL_I_KD;
        break;
    case CTL_PI:
        *ki = CTL_PI_KI;
        *kp = CTL_PI_KP;
        *kd = CTL_PI_KD;
        break;
    default:
        *ki = CTL_PID_KI;
        *kp = CTL_PID_KP;
        *kd = CTL_PID_KD;
        break;
    }
}

int ctl_init(struct ctl *c, double ki, double kp, double kd, int k)
{
    if (!isfinite(ki) || !isfinite(kp) || !isfinite(kd) || k < 1)
        return ODE_EINVAL;
    c->inv_k = 1.0 / k;
    c->w1 = (ki + kp + kd) * c->inv_k;
    c->w2 = -(kp + 2.0 * kd) * c->inv_k;
    c->w3 = kd * c->inv_k;
    c->log_target = log(CTL_TARGET);
    /* No history yet: as if the previous steps had hit the target, so the
       first steps are steered by e_n alone. */
    c->lerr1 = c->log_target;
    c->lerr2 = c->log_target;
    c->rejected = false;
    return 0;
}

double ctl_factor(struct ctl *c, double err)
{
    double lerr, fac;

    if (!isfinite(err)) {
        c->rejected = true;
        return CTL_NONFINITE_SHRINK;
    }
    lerr = log(err > CTL_ERR_FLOOR ? err : CTL_ERR_FLOOR);
    if (err > 1.0) {
        /* HNW II.4 (4.13): aim at the target from this step's error only;
           the history describes accepted steps. */
        fac = exp((c->log_target - lerr) * c->inv_k);
        c->rejected = true;
        return fac > CTL_FAC_MIN ? fac : CTL_FAC_MIN;
    }
    fac = exp(c->w1 * (c->log_target - lerr) + c->w2 * (c->log_target - c->lerr1) +
              c->w3 * (c->log_target - c->lerr2));
    c->lerr2 = c->lerr1;
    c->lerr1 = lerr;
    if (fac > CTL_FAC_MAX)
        fac = CTL_FAC_MAX;
    if (fac < CTL_FAC_MIN)
        fac = CTL_FAC_MIN;
    /* No growth right after a rejection (HNW II.4, as in DOPRI5). */
    if (c->rejected && fac > 1.0)
        fac = 1.0;
    c->rejected = false;
    return fac;
}
