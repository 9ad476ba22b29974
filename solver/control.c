/* control.c - the step-size filter and its named presets. */
#include "control.h"

#include <math.h>
#include <strings.h>

#include "problem.h"

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

/* A filter given by PID gains (see control.h). */
#define GAINS(ki, kp, kd) \
    { .b = { (ki) + (kp) + (kd), -((kp) + 2.0 * (kd)), (kd) }, .a = { 0, 0 } }

/* The default gains.  I: the elementary controller, b = (1, 0, 0).
   PI: the PI controller of DOPRI5 (Hairer, Norsett & Wanner, "Solving ODEs
   I", II.4, and their code: exponents 0.2 - 0.75 beta and beta, beta =
   0.04, for k = 5), i.e. b1/k = 0.17, b2/k = -0.04.
   PID: DOPRI5's PI with a derivative term, b = (0.9, -0.45, 0.1).
   Soderlind's H312PID was measured and rejected as a default: where
   stability limits the step (bruss2d, hires at loose tolerances) it
   rejects 500-1900 steps where this filter rejects 1-3, and on lorenz,
   arenstorf, pleiades and bruss1d it needs 2% more f-evaluations. */
#define CTL_I_GAINS GAINS(1.0, 0.0, 0.0)
#define CTL_PI_GAINS GAINS(0.65, 0.2, 0.0)
#define CTL_PID_GAINS GAINS(0.55, 0.25, 0.1)

/* Soderlind's filters, named H<p_D><p_A><p_F> after the order of dynamics,
   adaptivity and filter; "b" filters take a parameter b, fixed here at the
   values Soderlind recommends (4 for H211b, 8 for H312b); a "0" in front
   marks the deadbeat member of a family.  Coefficients k beta and alpha
   are the exact fractions tabulated in G. Soderlind, "Digital filters in
   adaptive time-stepping", ACM TOMS 29 (2003) 1-26, and G. Soderlind and
   L. Wang, "Adaptive time-stepping and computational stability", J. Comput.
   Appl. Math. 185 (2006) 225-243 (the same values as the filter list of
   PETSc's TSADAPTDSP). */
#define H211B_B 4.0
#define H312B_B 8.0

static const struct ctl_preset presets[] = {
    /* Fixed step dt; the error estimate is ignored. */
    { "constant", CTL_CONSTANT, { { 0, 0, 0 }, { 0, 0 } } },
    { "i", CTL_I, CTL_I_GAINS },
    { "pi", CTL_PI, CTL_PI_GAINS },
    { "pid", CTL_PID, CTL_PID_GAINS },
    /* First-order adaptivity: deadbeat, b = 4 (steps smoothed by the
       step-ratio feedback), PI low-pass. */
    { "h0211", CTL_H0211, { { 1.0 / 2, 1.0 / 2, 0 }, { 1.0 / 2, 0 } } },
    { "h211b", CTL_H211B, { { 1 / H211B_B, 1 / H211B_B, 0 }, { 1 / H211B_B, 0 } } },
    { "h211pi", CTL_H211PI, { { 1.0 / 6, 1.0 / 6, 0 }, { 0, 0 } } },
    /* Second-order filters: deadbeat, b = 8, PID low-pass. */
    { "h0312", CTL_H0312, { { 1.0 / 4, 2.0 / 4, 1.0 / 4 }, { 3.0 / 4, 1.0 / 4 } } },
    { "h312b", CTL_H312B,
      { { 1 / H312B_B, 2 / H312B_B, 1 / H312B_B }, { 3 / H312B_B, 1 / H312B_B } } },
    { "h312pid", CTL_H312PID, { { 1.0 / 18, 2.0 / 18, 1.0 / 18 }, { 0, 0 } } },
    /* Second-order adaptivity: deadbeat, and Soderlind's H321. */
    { "h0321", CTL_H0321, { { 5.0 / 4, 2.0 / 4, -3.0 / 4 }, { -1.0 / 4, -3.0 / 4 } } },
    { "h321", CTL_H321, { { 6.0 / 18, 1.0 / 18, -5.0 / 18 }, { -15.0 / 18, -3.0 / 18 } } },
};

#define N_PRESETS (sizeof presets / sizeof presets[0])

size_t ctl_count(void)
{
    return N_PRESETS;
}

const struct ctl_preset *ctl_at(size_t i)
{
    return i < N_PRESETS ? &presets[i] : NULL;
}

const struct ctl_preset *ctl_find(const char *name)
{
    size_t i;

    if (!name)
        return NULL;
    for (i = 0; i < N_PRESETS; i++)
        if (strcasecmp(name, presets[i].name) == 0)
            return &presets[i];
    return NULL;
}

const struct ctl_preset *ctl_preset(enum solve_controller kind)
{
    size_t i;

    for (i = 0; i < N_PRESETS; i++)
        if (presets[i].kind == kind)
            return &presets[i];
    return NULL;
}

void ctl_gains(const struct ctl_filter *f, double *ki, double *kp, double *kd)
{
    *kd = f->b[2];
    *kp = -f->b[1] - 2.0 * f->b[2];
    *ki = f->b[0] + f->b[1] + f->b[2];
}

void ctl_set_gains(struct ctl_filter *f, double ki, double kp, double kd)
{
    double gi, gp, gd;

    if (isnan(ki) && isnan(kp) && isnan(kd))
        return;
    ctl_gains(f, &gi, &gp, &gd);
    if (!isnan(ki))
        gi = ki;
    if (!isnan(kp))
        gp = kp;
    if (!isnan(kd))
        gd = kd;
    f->b[0] = gi + gp + gd;
    f->b[1] = -(gp + 2.0 * gd);
    f->b[2] = gd;
}

int ctl_init(struct ctl *c, const struct ctl_filter *f, int k, double theta)
{
    int i;

    for (i = 0; i < 3; i++)
        if (!isfinite(f->b[i]))
            return ODE_EINVAL;
    if (!isfinite(f->a[0]) || !isfinite(f->a[1]) || k < 1)
        return ODE_EINVAL;
    if (theta == 0.0)
        theta = CTL_TARGET;
    if (!(theta > 0.0 && theta < 1.0))
        return ODE_EINVAL;
    c->inv_k = 1.0 / k;
    c->w1 = f->b[0] * c->inv_k;
    c->w2 = f->b[1] * c->inv_k;
    c->w3 = f->b[2] * c->inv_k;
    c->a2 = f->a[0];
    c->a3 = f->a[1];
    c->feedback = c->a2 != 0 || c->a3 != 0;
    c->log_target = log(theta);
    c->log_max = log(CTL_FAC_MAX);
    c->log_min = log(CTL_FAC_MIN);
    /* No history yet: as if the previous steps had hit the target with a
       constant step, so the first steps are steered by e_n alone. */
    c->lerr1 = c->log_target;
    c->lerr2 = c->log_target;
    c->lrho1 = 0.0;
    c->lrho2 = 0.0;
    c->rejected = false;
    return 0;
}

double ctl_factor(struct ctl *c, double err)
{
    double lerr, lrho, fac;

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
    lrho = c->w1 * (c->log_target - lerr) + c->w2 * (c->log_target - c->lerr1) +
           c->w3 * (c->log_target - c->lerr2);
    /* Most filters have no step-ratio feedback: skip it in the hot loop. */
    if (c->feedback)
        lrho -= c->a2 * c->lrho1 + c->a3 * c->lrho2;
    fac = exp(lrho);
    c->lerr2 = c->lerr1;
    c->lerr1 = lerr;
    if (fac > CTL_FAC_MAX) {
        fac = CTL_FAC_MAX;
        lrho = c->log_max;
    }
    if (fac < CTL_FAC_MIN) {
        fac = CTL_FAC_MIN;
        lrho = c->log_min;
    }
    /* No growth right after a rejection (HNW II.4, as in DOPRI5). */
    if (c->rejected && fac > 1.0) {
        fac = 1.0;
        lrho = 0.0;
    }
    c->lrho2 = c->lrho1;
    c->lrho1 = lrho;
    c->rejected = false;
    return fac;
}
