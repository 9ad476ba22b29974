/* irk.c - Radau IIA of order 5 behind the stepper interface.
 *
 * Hairer & Wanner, "Solving Ordinary Differential Equations II", 2nd ed.
 * (1996), IV.8 ("Implementation of implicit Runge-Kutta methods"), cited
 * below as HW, and the strategy of their code RADAU5 (version of 1996 and
 * later).  The notation follows HW: Z_i = Y_i - y the stage increments,
 * W = (T^-1 (x) I) Z the transformed ones. */
#include "irk.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Radau IIA, s = 3, order 5 (HW IV.5, Table 5.6), with sqrt(6) written
   out to 20 digits.  T, T^-1 as printed in RADAU5 (T32 = 1, T33 = 0);
   gamma = 1/u1, alpha + i beta = 1/(alph - i beta') the eigenvalues of
   A^-1, u1 = (6 + 81^(1/3) - 9^(1/3))/30, alph = (12 - 81^(1/3) +
   9^(1/3))/60, beta' = sqrt(3) (81^(1/3) + 9^(1/3))/60 (HW IV.8, (8.15)),
   evaluated to 25 digits.  dd_i = e_i / gamma_0 of HW (8.20): the
   embedded formula's weights of RADAU5 (DD1 = -(13 + 7 sqrt 6)/3,
   DD2 = (-13 + 7 sqrt 6)/3, DD3 = -1/3).  check_irk verifies row sums,
   the order conditions and T^-1 A^-1 T. */
#define SQ6 2.4494897427831780982
static const struct irk_coeffs radau5_coeffs = {
    .c = { (4.0 - SQ6) / 10, (4.0 + SQ6) / 10, 1 },
    .a = { { (88.0 - 7 * SQ6) / 360, (296.0 - 169 * SQ6) / 1800, (-2.0 + 3 * SQ6) / 225 },
           { (296.0 + 169 * SQ6) / 1800, (88.0 + 7 * SQ6) / 360, (-2.0 - 3 * SQ6) / 225 },
           { (16.0 - SQ6) / 36, (16.0 + SQ6) / 36, 1.0 / 9 } },
    .t = { { 9.1232394870892942792e-02, -0.14125529502095420843, -3.0029194105147424492e-02 },
           { 0.24171793270710701896, 0.20412935229379993199, 0.38294211275726193779 },
           { 0.96604818261509293619, 1, 0 } },
    .ti = { { 4.3255798900631553510, 0.33919925181580986954, 0.54177053993587487119 },
            { -4.1787185915519047273, -0.32768282076106238708, 0.47662355450055045196 },
            { -0.50287263494578687595, 2.5719269498556054292, -0.59603920482822492497 } },
    .gamma = 3.637834252744495732208419,
    .alpha = 2.681082873627752133895791,
    .beta = 3.050430199247410569426378,
    .dd = { -(13.0 + 7 * SQ6) / 3, (-13.0 + 7 * SQ6) / 3, -1.0 / 3 },
};

/* RADAU5's defaults (HW IV.8 and the code's comments): at most NIT
   Newton iterations; a new Jacobian only when the last convergence rate
   exceeded THET; the step size kept (and with it the factorisation) when
   the controller asks for a ratio in [QUOT1, QUOT2]; safety factor SAFE;
   h_new / h in [1/FACL, 1/FACR].  THET, QUOT1, QUOT2 are RADAU5's
   settings for small systems; for large ones, where a factorisation
   costs far more than a step's right-hand sides, its documentation
   advises THET 0.1 and [0.99, 2] (THET_BIG ...).  Measured on bruss2d
   (2048 unknowns, KLU) at rtol 1e-6: 123 -> 49 factorisations, 3.8 ->
   1.8 s; on bruss1d (band LU) no gain, so only the sparse path takes
   them. */
#define NIT 7
#define THET 0.001
#define QUOT1 1.0
#define QUOT2 1.2
#define THET_BIG 0.1
#define QUOT1_BIG 0.99
#define QUOT2_BIG 2.0
#define SAFE 0.9
#define FACL 5.0
#define FACR 0.125

struct irk {
    const struct irk_coeffs *k;
    const struct ode_problem *prob;
    const double *p;
    size_t n;
    jac *jc;
    linsolve *ls;
    double *jval;
    /* The tolerances the estimates are judged with: RADAU5 replaces rtol
       by 0.1 rtol^(2/3) (and atol by atol rtol'/rtol), because its
       estimate is of order 3 while the solution is of order 5, so that
       the error reached is close to the one asked for. */
    struct stepper_cfg ecfg;
    double *atolv;          /* transformed atol_vec, or NULL */
    double fnewt;           /* Newton stopping tolerance, HW (8.11) */
    double thet, quot1, quot2;  /* J and LU reuse (THET, QUOT1, QUOT2) */
    /* Vectors (n each) in one block. */
    double *mem;
    double *f0;             /* f(t0f, y) at the accepted point */
    double *z[3];           /* stage increments Z_i */
    double *w[3];           /* transformed increments W = T^-1 Z */
    double *r[3];           /* f at the stages, then the Newton corrections */
    double *ak[3], *pk[3];  /* collocation polynomial of the attempt, of the last accepted step */
    double *scal;           /* atol' + rtol' |y|, for the Newton norm */
    double *tmp;
    double *ev;             /* error estimate of the last attempt */
    double *f2;             /* sum dd_i Z_i / h */
    double t0f;             /* where f0 was evaluated */
    bool f0_ok;             /* f0 is f at the accepted point */
    bool jac_ok;            /* jval holds a Jacobian */
    bool jac_fresh;         /* ... evaluated at the accepted point */
    bool want_jac;          /* the next attempt starts with a new J */
    bool fact_ok;           /* the factorisations are of h_fact and jval */
    double h_fact;
    bool pred_ok;           /* pk is the polynomial of the previous step */
    double hold;            /* size of the step pk belongs to */
    bool first;             /* no step accepted yet (or just after a stop) */
    bool reject;            /* the previous attempt was rejected */
    long naccpt;
    double hacc, erracc;    /* Gustafsson's memory of the last accepted step */
    double theta;           /* convergence rate of the last Newton iteration */
    double faccon;
    int newt;               /* iterations of the last attempt */
    double err;             /* scaled error of the last attempt */
    double hfac_fail;       /* shrink factor after a failed attempt */
    /* What worst_var/bad_var look at: the last attempt ended in the
       error estimate (ev), the Newton corrections (r), a non-finite
       derivative (r[bad_stage]) or a zero pivot (in column sing_col). */
    enum { LAST_NONE, LAST_ERR, LAST_NEWTON, LAST_BAD, LAST_SINGULAR } last;
    int bad_stage;
    long sing_col;
};

static void radau5_destroy(struct stepper *s)
{
    struct irk *m = s->impl;

    if (!m)
        return;
    ls_free(m->ls);
    jac_free(m->jc);
    free(m->jval);
    free(m->atolv);
    free(m->mem);
    free(m);
    s->impl = NULL;
    s->y = s->y1 = NULL;
}

/* f at (t, y) into out, counted; maps the right-hand side's code to the
   stepper's: 0, STEP_RHS (a smaller step may help) or ODE_ERHS. */
static int rhs(struct stepper *s, double t, const double *y, double *out)
{
    struct irk *m = s->impl;
    int rc = m->prob->rhs(m->prob->ctx, t, y, m->p, out);

    s->st.nfev++;
    if (rc < 0)
        return ODE_ERHS;
    return rc > 0 ? STEP_RHS : 0;
}

static long first_nonfinite(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return (long)i;
    return -1;
}

static int radau5_begin(struct stepper *s, double t, bool after_stop, double dir)
{
    struct irk *m = s->impl;
    int rc;

    if (m->f0_ok)
        return 0;
    m->t0f = after_stop ? nextafter(t, dir * INFINITY) : t;
    rc = rhs(s, m->t0f, s->y, m->f0);
    m->bad_stage = -1;
    m->last = LAST_BAD;
    if (rc)
        return rc;
    if (first_nonfinite(m->f0, m->n) >= 0)
        return STEP_RHS;
    m->last = LAST_NONE;
    m->f0_ok = true;
    return 0;
}

static int radau5_initial_step(struct stepper *s, double t0, double dir, double hmax,
                               double *h)
{
    struct irk *m = s->impl;

    /* The estimate behaves like h^4 (order 3 embedded). */
    return stepper_initial_step(s->cfg, &s->st, t0, s->y, m->f0, dir, hmax, 4,
                                m->tmp, m->r[0], h);
}

/* New Jacobian at the accepted point. */
static int new_jacobian(struct stepper *s)
{
    struct irk *m = s->impl;
    const struct stepper_cfg *cfg = s->cfg;
    int rc = jac_eval(m->jc, m->t0f, s->y, m->f0, cfg->atol, cfg->atol_vec, m->jval,
                      &s->st.nfev);

    s->st.njev++;
    if (rc < 0)
        return ODE_ERHS;
    if (rc > 0)
        return STEP_RHS;
    for (size_t i = 0; i < jac_pattern(m->jc)->nnz; i++)
        if (!isfinite(m->jval[i])) {
            snprintf(s->why, sizeof s->why, "the Jacobian is not finite");
            return STEP_RHS;
        }
    m->jac_ok = m->jac_fresh = true;
    m->want_jac = false;
    m->fact_ok = false;
    return 0;
}

/* E1 = gamma/h I - J and E2 = (alpha + i beta)/h I - J (HW (8.14)).  The
   pair is the factorisation of the 3n x 3n iteration matrix and counts
   once in nlu, as RADAU5's NDEC (scipy's Radau counts it twice). */
static int factor(struct stepper *s, double h)
{
    struct irk *m = s->impl;
    const struct irk_coeffs *k = m->k;
    int rc = ls_factor(m->ls, k->gamma / h, m->jval);

    s->st.nlu++;
    if (rc == 0)
        rc = ls_factor_complex(m->ls, k->alpha / h, k->beta / h, m->jval);
    if (rc < 0)
        return rc;
    if (rc > 0) {
        m->last = LAST_SINGULAR;
        m->sing_col = rc - 1;
        snprintf(s->why, sizeof s->why,
                 "zero pivot in column %d at h = %.3g; %s", rc, h,
                 s->jac_exact ? "try --jacobian fd or a smaller --dtmax"
                              : "try a smaller --dtmax");
        return STEP_SINGULAR;
    }
    m->fact_ok = true;
    m->h_fact = h;
    return 0;
}

/* Starting values (HW IV.8, "starting values for the Newton iteration"):
   the collocation polynomial of the last accepted step, extrapolated to
   this step's nodes; zero for the first step and after a stop. */
static void start_values(struct irk *m, double h)
{
    const struct irk_coeffs *k = m->k;
    const size_t n = m->n;

    if (!m->pred_ok) {
        for (int j = 0; j < 3; j++) {
            memset(m->z[j], 0, n * sizeof *m->z[j]);
            memset(m->w[j], 0, n * sizeof *m->w[j]);
        }
        return;
    }
    double q = h / m->hold, c1m1 = k->c[0] - 1, c2m1 = k->c[1] - 1;
    double s0 = k->c[0] * q, s1 = k->c[1] * q, s2 = q;
    for (size_t i = 0; i < n; i++) {
        double a1 = m->pk[0][i], a2 = m->pk[1][i], a3 = m->pk[2][i];
        double z1 = s0 * (a1 + (s0 - c2m1) * (a2 + (s0 - c1m1) * a3));
        double z2 = s1 * (a1 + (s1 - c2m1) * (a2 + (s1 - c1m1) * a3));
        double z3 = s2 * (a1 + (s2 - c2m1) * (a2 + (s2 - c1m1) * a3));
        m->z[0][i] = z1;
        m->z[1][i] = z2;
        m->z[2][i] = z3;
        m->w[0][i] = k->ti[0][0] * z1 + k->ti[0][1] * z2 + k->ti[0][2] * z3;
        m->w[1][i] = k->ti[1][0] * z1 + k->ti[1][1] * z2 + k->ti[1][2] * z3;
        m->w[2][i] = k->ti[2][0] * z1 + k->ti[2][1] * z2 + k->ti[2][2] * z3;
    }
}

/* The simplified Newton iteration for the stage system (HW (8.16)-(8.18)),
   with RADAU5's convergence test: theta estimated from successive
   corrections, the iteration stopped when eta_k |dW| <= fnewt and
   abandoned when theta >= 0.99 or when NIT iterations would not reach
   fnewt at the observed rate (then the step shrinks by the predicted
   factor). */
static int newton(struct stepper *s, double t, double h)
{
    struct irk *m = s->impl;
    const struct irk_coeffs *k = m->k;
    const size_t n = m->n;
    const double fac1 = k->gamma / h, alphn = k->alpha / h, betan = k->beta / h;
    double dyno, dynold = 0.0, thq, thqold = 0.0;
    int rc;

    m->faccon = pow(fmax(m->faccon, DBL_EPSILON), 0.8);
    m->theta = m->thet;
    m->newt = 0;
    for (;;) {
        if (m->newt >= NIT) {
            m->hfac_fail = 0.5;
            goto diverged;
        }
        for (int j = 0; j < 3; j++) {
            for (size_t i = 0; i < n; i++)
                m->tmp[i] = s->y[i] + m->z[j][i];
            rc = rhs(s, t + k->c[j] * h, m->tmp, m->r[j]);
            if (rc == 0 && first_nonfinite(m->r[j], n) >= 0)
                rc = STEP_RHS;
            if (rc) {
                m->last = LAST_BAD;
                m->bad_stage = j;
                m->hfac_fail = 0.5;
                return rc;
            }
        }
        /* r = T^-1 F - h^-1 Lambda W, then the two solves. */
        for (size_t i = 0; i < n; i++) {
            double a1 = m->r[0][i], a2 = m->r[1][i], a3 = m->r[2][i];
            double w1 = m->w[0][i], w2 = m->w[1][i], w3 = m->w[2][i];
            m->r[0][i] = k->ti[0][0] * a1 + k->ti[0][1] * a2 + k->ti[0][2] * a3 - fac1 * w1;
            m->r[1][i] = k->ti[1][0] * a1 + k->ti[1][1] * a2 + k->ti[1][2] * a3
                         - alphn * w2 + betan * w3;
            m->r[2][i] = k->ti[2][0] * a1 + k->ti[2][1] * a2 + k->ti[2][2] * a3
                         - betan * w2 - alphn * w3;
        }
        if ((rc = ls_solve(m->ls, m->r[0])) != 0 ||
            (rc = ls_solve_complex(m->ls, m->r[1], m->r[2])) != 0)
            return rc;
        s->st.nsolve += 2;
        s->st.nnewton++;
        m->newt++;
        double sum = 0.0;
        for (int j = 0; j < 3; j++)
            for (size_t i = 0; i < n; i++) {
                double q = m->r[j][i] / m->scal[i];
                sum += q * q;
            }
        dyno = sqrt(sum / (double)(3 * n));
        m->last = LAST_NEWTON;
        if (!isfinite(dyno)) {
            m->hfac_fail = 0.5;
            goto diverged;
        }
        if (m->newt > 1 && m->newt < NIT) {
            thq = dyno / dynold;
            m->theta = m->newt == 2 ? thq : sqrt(thq * thqold);
            thqold = thq;
            if (!(m->theta < 0.99)) {
                m->hfac_fail = 0.5;
                goto diverged;
            }
            m->faccon = m->theta / (1.0 - m->theta);
            double dyth = m->faccon * dyno / m->fnewt;
            for (int j = m->newt; j < NIT - 1; j++)
                dyth *= m->theta;
            if (dyth >= 1.0) {
                double qnewt = fmax(1e-4, fmin(20.0, dyth));
                m->hfac_fail = 0.8 * pow(qnewt, -1.0 / (4.0 + NIT - 1 - m->newt));
                goto diverged;
            }
        }
        dynold = fmax(dyno, DBL_EPSILON);
        for (size_t i = 0; i < n; i++) {
            double w1 = m->w[0][i] += m->r[0][i];
            double w2 = m->w[1][i] += m->r[1][i];
            double w3 = m->w[2][i] += m->r[2][i];
            m->z[0][i] = k->t[0][0] * w1 + k->t[0][1] * w2 + k->t[0][2] * w3;
            m->z[1][i] = k->t[1][0] * w1 + k->t[1][1] * w2 + k->t[1][2] * w3;
            m->z[2][i] = k->t[2][0] * w1 + w2;
        }
        if (m->faccon * dyno <= m->fnewt)
            return 0;
    }
diverged:
    s->st.nnewton_fail++;
    snprintf(s->why, sizeof s->why,
             "convergence rate %.2g after %d iterations%s",
             m->theta, m->newt, s->jac_exact ? "; try --jacobian fd" : "");
    return STEP_NEWTON;
}

/* Hairer's error estimate (HW (8.19)-(8.20)): the difference to the
   embedded solution of order 3, filtered by (gamma/h I - J)^-1 so that it
   stays bounded for stiff components; on the first step and after a
   rejection, where an error >= 1 may come from the filter's poor
   damping of very stiff components, once more with f at y + err (HW
   (8.21)). */
static int estimate(struct stepper *s, double h)
{
    struct irk *m = s->impl;
    const struct irk_coeffs *k = m->k;
    const size_t n = m->n;
    const double e1 = k->dd[0] / h, e2 = k->dd[1] / h, e3 = k->dd[2] / h;
    int rc;

    for (size_t i = 0; i < n; i++) {
        m->f2[i] = e1 * m->z[0][i] + e2 * m->z[1][i] + e3 * m->z[2][i];
        m->ev[i] = m->f0[i] + m->f2[i];
    }
    if ((rc = ls_solve(m->ls, m->ev)) != 0)
        return rc;
    s->st.nsolve++;
    m->err = stepper_err_norm(&m->ecfg, m->ev, s->y, s->y1, n);
    m->last = LAST_ERR;
    if (m->err >= 1.0 && (m->first || m->reject)) {
        for (size_t i = 0; i < n; i++)
            m->tmp[i] = s->y[i] + m->ev[i];
        rc = rhs(s, m->t0f, m->tmp, m->ev);
        if (rc == 0 && first_nonfinite(m->ev, n) >= 0)
            rc = STEP_RHS;
        if (rc) {
            m->last = LAST_BAD;
            m->bad_stage = -2;
            m->hfac_fail = 0.5;
            return rc;
        }
        for (size_t i = 0; i < n; i++)
            m->ev[i] += m->f2[i];
        if ((rc = ls_solve(m->ls, m->ev)) != 0)
            return rc;
        s->st.nsolve++;
        m->err = stepper_err_norm(&m->ecfg, m->ev, s->y, s->y1, n);
    }
    /* As RADAU5: a zero estimate would ask for an unbounded step. */
    if (m->err < 1e-10)
        m->err = 1e-10;
    return 0;
}

static int radau5_step(struct stepper *s, double t, double h, bool dense)
{
    struct irk *m = s->impl;
    const struct irk_coeffs *k = m->k;
    const size_t n = m->n;
    int rc;

    (void)dense;
    m->err = NAN;
    m->last = LAST_NONE;
    if (!m->f0_ok && (rc = radau5_begin(s, t, false, h > 0 ? 1.0 : -1.0)) != 0)
        return rc;
    if (!m->jac_ok || m->want_jac) {
        rc = new_jacobian(s);
        if (rc) {
            m->hfac_fail = 0.5;
            return rc;
        }
    }
    if (!m->fact_ok || h != m->h_fact) {
        rc = factor(s, h);
        if (rc) {
            m->hfac_fail = 0.5;
            return rc;
        }
    }
    for (size_t i = 0; i < n; i++) {
        double sc = m->ecfg.atol_vec ? m->ecfg.atol_vec[i] : m->ecfg.atol;
        m->scal[i] = sc + m->ecfg.rtol * fabs(s->y[i]);
    }
    start_values(m, h);
    if ((rc = newton(s, t, h)) != 0)
        return rc;

    /* y1 = y + Z_3 (stiffly accurate), and the collocation polynomial
       around t + h in Newton form over the nodes c - 1 (RADAU5's
       CONT), for dense output and the next step's starting values. */
    const double c1 = k->c[0], c2 = k->c[1], c1m1 = c1 - 1, c2m1 = c2 - 1, c1mc2 = c1 - c2;
    for (size_t i = 0; i < n; i++) {
        double z1 = m->z[0][i], z2 = m->z[1][i], z3 = m->z[2][i];
        s->y1[i] = s->y[i] + z3;
        double a1 = (z2 - z3) / c2m1;
        double ak = (z1 - z2) / c1mc2;
        double a3 = (ak - z1 / c1) / c2;
        double a2 = (ak - a1) / c1m1;
        m->ak[0][i] = a1;
        m->ak[1][i] = a2;
        m->ak[2][i] = a2 - a3;
    }
    if (first_nonfinite(s->y1, n) >= 0) {
        m->last = LAST_BAD;
        m->bad_stage = -1;
        m->hfac_fail = 0.5;
        return STEP_RHS;
    }
    if (s->cfg->adaptive && (rc = estimate(s, h)) != 0)
        return rc;
    return 0;
}

static double radau5_error(struct stepper *s)
{
    struct irk *m = s->impl;
    return m->err;
}

static long radau5_worst_var(struct stepper *s)
{
    struct irk *m = s->impl;
    long worst = -1;
    double qmax = -1.0;

    if (m->last == LAST_SINGULAR)
        return m->sing_col;
    if (m->last != LAST_ERR && m->last != LAST_NEWTON)
        return -1;
    for (size_t i = 0; i < m->n; i++) {
        double q;
        if (m->last == LAST_ERR)
            q = fabs(m->ev[i]) / m->scal[i];
        else
            q = (fabs(m->r[0][i]) + fabs(m->r[1][i]) + fabs(m->r[2][i])) / m->scal[i];
        if (q > qmax || (worst < 0 && isnan(q))) {
            qmax = q;
            worst = (long)i;
        }
    }
    return worst;
}

static long radau5_bad_var(struct stepper *s, bool *in_state)
{
    struct irk *m = s->impl;
    long v;

    *in_state = false;
    if (m->last == LAST_BAD) {
        if (m->bad_stage >= 0 && (v = first_nonfinite(m->r[m->bad_stage], m->n)) >= 0)
            return v;
        if (m->bad_stage == -2 && (v = first_nonfinite(m->ev, m->n)) >= 0)
            return v;
        if ((v = first_nonfinite(m->f0, m->n)) >= 0)
            return v;
    }
    *in_state = true;
    return first_nonfinite(s->y1, m->n);
}

/* The collocation polynomial (HW IV.8, "dense output"; RADAU5's CONTR5):
   u(t + theta h) = y1 + s (a1 + (s - c2 + 1) (a2 + (s - c1 + 1) a3)),
   s = theta - 1; exact at the nodes, of order 3 uniformly. */
static int radau5_dense(struct stepper *s, double t, double h, double theta, double *out)
{
    struct irk *m = s->impl;
    const double c1m1 = m->k->c[0] - 1, c2m1 = m->k->c[1] - 1, q = theta - 1.0;

    (void)t;
    (void)h;
    for (size_t i = 0; i < m->n; i++)
        out[i] = s->y1[i] + q * (m->ak[0][i] + (q - c2m1) * (m->ak[1][i] + (q - c1m1) * m->ak[2][i]));
    return 0;
}

static void radau5_accept(struct stepper *s, double t, double h)
{
    struct irk *m = s->impl;

    (void)t;
    memcpy(s->y, s->y1, m->n * sizeof *s->y);
    for (int j = 0; j < 3; j++) {
        double *x = m->pk[j];
        m->pk[j] = m->ak[j];
        m->ak[j] = x;
    }
    m->pred_ok = true;
    m->hold = h;
    m->first = false;
    m->f0_ok = false;
    m->jac_fresh = false;
}

static void radau5_reset(struct stepper *s)
{
    struct irk *m = s->impl;

    m->pred_ok = false;
    m->first = true;
    m->f0_ok = false;
    m->jac_fresh = false;
}

/* RADAU5's step-size strategy (HW IV.8, (8.24)-(8.25) and the code):
   h_new = h / quot with quot = err^(1/4) / fac, fac = min(SAFE,
   SAFE (2 NIT + 1) / (newt + 2 NIT)) (fewer Newton iterations, larger
   steps), then Gustafsson's predictive controller ("Control strategies
   for the iterative solution of nonlinear equations in ODE solvers",
   SIAM J. Sci. Comput. 18 (1997) 23-40) from the second accepted step
   on.  Jacobian reuse: a new J only when theta > THET, and the step size
   (and so the factorisations) kept when h_new / h lies in
   [QUOT1, QUOT2]. */
static double radau5_next_step(struct stepper *s, double h, double err, bool accepted,
                               int fail)
{
    struct irk *m = s->impl;
    double ah = fabs(h);

    if (!s->cfg->adaptive)
        return ah;
    if (fail || isnan(err)) {
        double f = fail ? m->hfac_fail : 0.25;
        m->reject = true;
        if (!m->jac_fresh)
            m->want_jac = true;
        return ah * (f > 0 ? f : 0.5);
    }
    double fac = fmin(SAFE, SAFE * (2 * NIT + 1) / (m->newt + 2 * NIT));
    /* sqrt(sqrt()) for pow(, 1/4): the same to an ulp, several times
       cheaper, and these run every step. */
    double quot = fmax(FACR, fmin(FACL, sqrt(sqrt(err)) / fac));
    double hnew = ah / quot;
    if (!accepted) {
        hnew = m->first ? 0.1 * ah : hnew;
        m->reject = true;
        if (!m->jac_fresh)
            m->want_jac = true;
        return hnew;
    }
    m->naccpt++;
    if (m->naccpt > 1) {
        double facgus = (m->hacc / ah) * sqrt(sqrt(err * err / m->erracc)) / SAFE;
        facgus = fmax(FACR, fmin(FACL, facgus));
        quot = fmax(quot, facgus);
        hnew = ah / quot;
    }
    m->hacc = ah;
    m->erracc = fmax(1e-2, err);
    if (m->reject && hnew > ah)
        hnew = ah;
    m->reject = false;
    m->want_jac = !(m->theta <= m->thet);
    if (!m->want_jac) {
        double qt = hnew / ah;
        if (qt >= m->quot1 && qt <= m->quot2)
            return ah;
    }
    return hnew;
}

static const struct stepper_ops radau5_ops = {
    .destroy = radau5_destroy,
    .begin = radau5_begin,
    .initial_step = radau5_initial_step,
    .step = radau5_step,
    .error = radau5_error,
    .worst_var = radau5_worst_var,
    .bad_var = radau5_bad_var,
    .dense = radau5_dense,
    .accept = radau5_accept,
    .reset = radau5_reset,
    .next_step = radau5_next_step,
};

static int radau5_create(struct stepper *s, const struct stepper_method *meth,
                         const struct stepper_cfg *cfg)
{
    const struct ode_problem *prob = cfg->prob;
    const size_t n = prob->n_states;
    struct irk *m;
    int rc = ODE_ENOMEM;

    s->ops = &radau5_ops;
    if (!(m = calloc(1, sizeof *m)))
        return ODE_ENOMEM;
    s->impl = m;
    m->k = meth->data;
    m->prob = prob;
    m->p = cfg->p;
    m->n = n;
    /* y, y1, f0, z[3], w[3], r[3], ak[3], pk[3], scal, tmp, ev, f2 */
    enum { NVEC = 22 };
    if (!(m->mem = calloc(NVEC * (n ? n : 1), sizeof *m->mem)))
        goto fail;
    double *v = m->mem;
    s->y = v, v += n;
    s->y1 = v, v += n;
    m->f0 = v, v += n;
    for (int j = 0; j < 3; j++) {
        m->z[j] = v, v += n;
        m->w[j] = v, v += n;
        m->r[j] = v, v += n;
        m->ak[j] = v, v += n;
        m->pk[j] = v, v += n;
    }
    m->scal = v, v += n;
    m->tmp = v, v += n;
    m->ev = v, v += n;
    m->f2 = v;

    /* RADAU5's tolerance transformation (see struct irk.ecfg). */
    m->ecfg = *cfg;
    double rt = cfg->rtol > 0 ? 0.1 * pow(cfg->rtol, 2.0 / 3.0) : 0.0;
    double quot = cfg->rtol > 0 ? rt / cfg->rtol : 0.0;
    m->ecfg.rtol = rt;
    m->ecfg.atol = cfg->rtol > 0 ? cfg->atol * quot : 0.1 * pow(cfg->atol, 2.0 / 3.0);
    if (cfg->atol_vec) {
        if (!(m->atolv = malloc((n ? n : 1) * sizeof *m->atolv)))
            goto fail;
        for (size_t i = 0; i < n; i++)
            m->atolv[i] = cfg->rtol > 0 ? cfg->atol_vec[i] * quot
                                        : 0.1 * pow(cfg->atol_vec[i], 2.0 / 3.0);
        m->ecfg.atol_vec = m->atolv;
    }
    /* HW (8.11) and RADAU5: kappa Tol with kappa between 0.03 and 0.1,
       never below ten units of roundoff relative to rt. */
    m->fnewt = rt > 0 ? fmax(10 * DBL_EPSILON / rt, fmin(0.03, sqrt(rt))) : 0.03;

    rc = jac_new(prob, cfg->p, cfg->jacobian, &m->jc);
    if (rc)
        goto fail;
    const struct ode_pattern *pat = jac_pattern(m->jc);
    if (!(m->jval = calloc(pat->nnz ? pat->nnz : 1, sizeof *m->jval))) {
        rc = ODE_ENOMEM;
        goto fail;
    }
    rc = ls_new(n, pat, cfg->linsolve, true, &m->ls);
    if (rc) {
        if (rc == ODE_EINVAL)
            snprintf(s->why, sizeof s->why, "radau5: the Jacobian's pattern is invalid");
        goto fail;
    }
    s->linsolve_name = ls_kind_name(ls_kind_of(m->ls));
    bool big = ls_kind_of(m->ls) == LS_SPARSE;
    m->thet = big ? THET_BIG : THET;
    m->quot1 = big ? QUOT1_BIG : QUOT1;
    m->quot2 = big ? QUOT2_BIG : QUOT2;
    s->jac_exact = jac_is_exact(m->jc);
    m->first = true;
    m->faccon = 1.0;
    m->theta = m->thet;
    m->hfac_fail = 0.5;
    return 0;
fail:
    radau5_destroy(s);
    return rc;
}

const struct stepper_method irk_radau5 = {
    .name = "radau5",
    .desc = "Radau IIA of order 5 (3 stages) with Hairer-Wanner's RADAU5 strategy; stiff, tight tolerances",
    .family = FAM_IMPLICIT_RK,
    .order = 5,
    .order_emb = 3,
    .needs_jac = true,
    .err_order = 4,
    .err_target = 0,
    .create = radau5_create,
    .data = &radau5_coeffs,
};
