/* dirk.c - ESDIRK methods behind stepper.h (dirk.h). */
#include "dirk.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newton.h"

/* J is called stale after an accepted step whose Newton iterations
   contracted slower than this (Theta of newton.h): a fresh J costs one
   evaluation and one LU, a slow iteration costs f calls and solves in
   every stage of every step until the next failure.  Measured on rober,
   vdp, hires and orego with kvaerno5 (rtol 1e-4 .. 1e-10). */
#define DIRK_RATE_STALE 0.3
/* Stages the predictor extrapolates from (a polynomial of degree one
   less in c). */
#define DIRK_PRED_POINTS 3
/* The quintic dense output uses the previous step when it is within this
   factor of the current one (either way); else the cubic. */
#define DIRK_DENSE_RATIO 5.0

/* ---- tableaux ---------------------------------------------------------- */

/* Implicit Euler as an ESDIRK: k_1 = f(t, y) is not used by the solution,
   only by the error estimate, the trapezoidal combination
   y + h/2 (k_1 + k_2) of the same stages (order 2). */
static const struct dirk_tableau tab_backeul = {
    .name = "backeul", .stages = 2, .order = 1, .order_emb = 2, .gamma = 1,
    .c    = { 0, 1 },
    .a    = { { 0 },
              { 0, 1 } },
    .b    = { 0, 1 },
    .bemb = { 1.0/2, 1.0/2 },
};

/* The trapezoidal rule (Crank & Nicolson, Proc. Cambridge Philos. Soc. 43
   (1947) 50-67), A-stable, not L-stable; adaptive by step doubling. */
static const struct dirk_tableau tab_trapezoid = {
    .name = "trapezoid", .stages = 2, .order = 2, .order_emb = 0, .gamma = 1.0/2,
    .c    = { 0, 1 },
    .a    = { { 0 },
              { 1.0/2, 1.0/2 } },
    .b    = { 1.0/2, 1.0/2 },
};

/* A. Kvaerno, "Singly diagonally implicit Runge-Kutta methods with an
   explicit first stage", BIT 44 (2004) 489-502: the 4-stage method of
   order 3 with an embedded stiffly accurate method of order 2 (stage 3),
   both L-stable; gamma = 0.4358665215 (a root of
   x^3 - 3x^2 + 3/2 x - 1/6, as for L-stable 3-stage SDIRKs), the
   coefficients as printed there. */
#define KV3_G 0.4358665215
static const struct dirk_tableau tab_kvaerno3 = {
    .name = "kvaerno3", .stages = 4, .order = 3, .order_emb = 2, .gamma = KV3_G,
    .c    = { 0, 2 * KV3_G, 1, 1 },
    .a    = { { 0 },
              { KV3_G, KV3_G },
              { 0.490563388419108, 0.073570090080892, KV3_G },
              { 0.308809969973036, 1.490563388254106, -1.235239879727145, KV3_G } },
    .b    = { 0.308809969973036, 1.490563388254106, -1.235239879727145, KV3_G },
    .bemb = { 0.490563388419108, 0.073570090080892, KV3_G, 0 },
};

/* Kvaerno (2004), the 7-stage method of order 5 with an embedded stiffly
   accurate method of order 4 (stage 6), both L-stable, gamma = 0.26; the
   coefficients as printed there (c_3 .. c_5 are the row sums). */
#define KV5_G 0.26
static const struct dirk_tableau tab_kvaerno5 = {
    .name = "kvaerno5", .stages = 7, .order = 5, .order_emb = 4, .gamma = KV5_G,
    .c    = { 0, 0.52, 1.230333209967908, 0.8957659843500759,
              0.43639360985864756, 1, 1 },
    .a    = { { 0 },
              { KV5_G, KV5_G },
              { 0.13, 0.84033320996790809, KV5_G },
              { 0.22371961478320505, 0.47675532319799699, -0.06470895363112615, KV5_G },
              { 0.16648564323248321, 0.10450018841591720, 0.03631482272098715,
                -0.13090704451073998, KV5_G },
              { 0.13855640231268224, 0, -0.04245337201752043, 0.02446657898003141,
                0.61943039072480676, KV5_G },
              { 0.13659751177640291, 0, -0.05496908796538376, -0.04118626728321046,
                0.62993304899016403, 0.06962479448202728, KV5_G } },
    .b    = { 0.13659751177640291, 0, -0.05496908796538376, -0.04118626728321046,
              0.62993304899016403, 0.06962479448202728, KV5_G },
    .bemb = { 0.13855640231268224, 0, -0.04245337201752043, 0.02446657898003141,
              0.61943039072480676, KV5_G, 0 },
};

/* ---- the stepper -------------------------------------------------------- */

/* kappa of the Newton test (newton.h) at rtol: min(NEWTON_KAPPA,
   DIRK_KAPPA_SQRT sqrt(rtol)), but at least 10 uround / rtol (rounding),
   tighter at tight tolerances like RADAU5's FNEWT = max(10 uround / rtol,
   min(0.03, rtol^(1/2))) (Hairer & Wanner II, IV.8): a Newton
   error of kappa per stage adds up over the many steps of a low-order
   method.  Measured over rober, vdp, hires, orego at rtol 1e-3 .. 1e-9:
   against a fixed 0.05, the geometric mean of error / rtol falls from 19
   to 5.9 for kvaerno3 and from 2.1 to 1.8 for kvaerno5, for 42% and 19%
   more f calls; at equal error (1e-5, 1e-7) kvaerno5 takes within 10%
   of the Newton iterations of a fixed 0.05 (or of 30 or 100 sqrt(rtol)),
   with up to twice the Jacobians and LUs at rtol 1e-8 and below, and its
   error follows rtol more closely; kvaerno3 takes 6-55% fewer at 1e-7
   and 1e-5 (hires at 1e-5: 26% more). */
#define DIRK_KAPPA_SQRT 10.0

static double newton_kappa(double rtol)
{
    return fmax(10 * DBL_EPSILON / rtol, fmin(NEWTON_KAPPA, DIRK_KAPPA_SQRT * sqrt(rtol)));
}

struct dirk {
    const struct dirk_tableau *tab;
    const struct stepper_cfg *cfg;
    size_t n;
    newton *nw;             /* steps of h */
    newton *nw2;            /* the half steps of step doubling, or NULL */
    bool doubling;          /* adaptive by step doubling */
    bool estimate;          /* adaptive by the embedded weights */
    /* k[0] = f(t, y); k[1 .. s-1] the last attempt's stage derivatives
       (with doubling: of its second half step). */
    double *k[DIRK_MAX_STAGES];
    double *psi, *err;
    double *yh, *kh;        /* doubling: the full step's y1 and last k */
    double *ym, *km;        /* doubling: the midpoint and f there */
    bool f0_ok;             /* k[0] is f at the accepted point */
    bool f0_exact;          /* ... from a call of f, not a stage derivative */
    /* The accepted point before (t, y), for the quintic dense output:
       y and f there, and the step from it. */
    double *yp, *fp, hp;
    bool prev_ok;
    bool newton_failed;     /* the last attempt failed in a Newton solve */
    newton *failed_nw;
    double rate;            /* the largest Newton rate of the last attempt */
    double *mem;
};

static struct dirk *impl(struct stepper *s)
{
    return s->impl;
}

/* The predictor of stage i (Y_i's Newton guess): k_i extrapolated from
   the stages before it as a polynomial in c through the last (at most
   DIRK_PRED_POINTS) stages with distinct c, so along a smooth solution
   the guess is off by O(h^DIRK_PRED_POINTS) in k; a stage with the same c
   as an earlier one (kvaerno5's 6 and 7) takes that one's k. */
static void predict(const struct dirk_tableau *tb, int i, double *const *k,
                    const double *psi, double hg, double *z, size_t n)
{
    int use[DIRK_PRED_POINTS], nu = 0, j, q, r;
    double w[DIRK_PRED_POINTS];
    size_t m;

    for (j = i - 1; j >= 0 && nu < DIRK_PRED_POINTS; j--) {
        bool dup = false;
        if (tb->c[j] == tb->c[i]) {
            use[0] = j;
            nu = 1;
            w[0] = 1;
            break;
        }
        for (q = 0; q < nu; q++)
            dup = dup || tb->c[use[q]] == tb->c[j];
        if (!dup)
            use[nu++] = j;
    }
    if (!(nu == 1 && tb->c[use[0]] == tb->c[i]))
        for (q = 0; q < nu; q++) {
            w[q] = 1;
            for (r = 0; r < nu; r++)
                if (r != q)
                    w[q] *= (tb->c[i] - tb->c[use[r]]) / (tb->c[use[q]] - tb->c[use[r]]);
        }
    for (m = 0; m < n; m++) {
        double kp = 0;
        for (q = 0; q < nu; q++)
            kp += w[q] * k[use[q]][m];
        z[m] = psi[m] + hg * kp;
    }
}

/* The stages of one step (t, y0) -> t + h, k[0] = f(t, y0) given: fills
   k[1 .. s-1] and y1 (= Y_s, stiffly accurate). */
static int stages(struct stepper *s, newton *nw, double t, double h,
                  const double *y0, double *const *k, double *y1)
{
    struct dirk *d = impl(s);
    const struct dirk_tableau *tb = d->tab;
    double hg = h * tb->gamma;
    size_t n = d->n, m;
    int i, j, rc;

    for (i = 1; i < tb->stages; i++) {
        double *z = i == tb->stages - 1 ? y1 : k[i];

        for (m = 0; m < n; m++) {
            double acc = 0;
            for (j = 0; j < i; j++)
                acc += tb->a[i][j] * k[j][m];
            d->psi[m] = y0[m] + h * acc;
        }
        predict(tb, i, k, d->psi, hg, z, n);
        rc = newton_solve(nw, t + tb->c[i] * h, hg, d->psi, z);
        if (newton_rate(nw) > d->rate)
            d->rate = newton_rate(nw);
        if (rc) {
            d->newton_failed = true;
            d->failed_nw = nw;
            snprintf(s->why, sizeof s->why, "%s", newton_why(nw));
            return rc;
        }
        /* k_i from the stage equation (dirk.h); z may be k[i] itself. */
        for (m = 0; m < n; m++)
            k[i][m] = (z[m] - d->psi[m]) / hg;
    }
    return 0;
}

static int dirk_begin(struct stepper *s, double t, bool after_stop, double dir)
{
    struct dirk *d = impl(s);
    const struct ode_problem *prob = d->cfg->prob;
    double te = after_stop ? nextafter(t, dir * INFINITY) : t;
    size_t m;
    int rc;

    if (d->f0_ok)
        return 0;
    d->newton_failed = false;
    rc = prob->rhs(prob->ctx, te, s->y, d->cfg->p, d->k[0]);
    s->st.nfev++;
    if (rc)
        return rc > 0 ? STEP_RHS : rc;
    for (m = 0; m < d->n; m++)
        if (!isfinite(d->k[0][m]))
            return STEP_RHS;
    d->f0_ok = true;
    d->f0_exact = true;
    newton_point(d->nw, t, s->y, d->k[0]);
    if (d->nw2)
        newton_point(d->nw2, t, s->y, d->k[0]);
    return 0;
}

static int dirk_initial_step(struct stepper *s, double t0, double dir,
                             double hmax, double *h)
{
    struct dirk *d = impl(s);

    return stepper_initial_step(d->cfg, &s->st, t0, s->y, d->k[0], dir, hmax,
                                stepper_err_order(s->method), d->psi, d->err, h);
}

static int dirk_step(struct stepper *s, double t, double h, bool dense)
{
    struct dirk *d = impl(s);
    const struct dirk_tableau *tb = d->tab;
    size_t n = d->n, m;
    int j, rc;

    (void)dense;
    d->newton_failed = false;
    d->rate = 0;
    if (d->doubling) {
        double *kf[2] = { d->k[0], d->kh };
        double *k1[2] = { d->k[0], d->km };
        double *k2[2] = { d->km, d->k[1] };

        rc = stages(s, d->nw, t, h, s->y, kf, d->yh);
        if (!rc)
            rc = stages(s, d->nw2, t, h / 2, s->y, k1, d->ym);
        if (!rc)
            rc = stages(s, d->nw2, t + h / 2, h / 2, d->ym, k2, s->y1);
        if (rc)
            return rc;
        /* Richardson: the error of the two half steps (dirk.h). */
        for (m = 0; m < n; m++)
            d->err[m] = (s->y1[m] - d->yh[m]) / 3;
        return 0;
    }
    rc = stages(s, d->nw, t, h, s->y, d->k, s->y1);
    if (rc)
        return rc;
    if (d->estimate)
        for (m = 0; m < n; m++) {
            double acc = 0;
            for (j = 0; j < tb->stages; j++)
                acc += (tb->b[j] - tb->bemb[j]) * d->k[j][m];
            d->err[m] = h * acc;
        }
    return 0;
}

static double dirk_error(struct stepper *s)
{
    struct dirk *d = impl(s);

    if (!d->doubling && !d->estimate)
        return 0;
    return stepper_err_norm(d->cfg, d->err, s->y, s->y1, d->n);
}

static long dirk_worst_var(struct stepper *s)
{
    struct dirk *d = impl(s);
    const struct stepper_cfg *cfg = d->cfg;
    double big = -1;
    long arg = -1;
    size_t m;

    if (d->newton_failed)
        return newton_worst_var(d->failed_nw);
    if (!d->doubling && !d->estimate)
        return -1;
    for (m = 0; m < d->n; m++) {
        double a = cfg->atol_vec ? cfg->atol_vec[m] : cfg->atol;
        double sc = a + cfg->rtol * fmax(fabs(s->y[m]), fabs(s->y1[m]));
        double q = fabs(d->err[m]) / sc;
        if (!(q <= big)) {
            big = q;
            arg = (long)m;
        }
    }
    return arg;
}

static long first_nonfinite(const double *v, size_t n)
{
    size_t m;

    for (m = 0; m < n; m++)
        if (!isfinite(v[m]))
            return (long)m;
    return -1;
}

static long dirk_bad_var(struct stepper *s, bool *in_state)
{
    struct dirk *d = impl(s);
    long v;
    int i;

    *in_state = false;
    if (d->newton_failed && newton_worst_var(d->failed_nw) >= 0)
        return newton_worst_var(d->failed_nw);
    for (i = 0; i < d->tab->stages; i++)
        if ((v = first_nonfinite(d->k[i], d->n)) >= 0)
            return v;
    *in_state = true;
    return first_nonfinite(s->y1, d->n);
}

/* The cubic Hermite interpolant of (y0, f0) and (y1, f1) over a step of h
   at theta (Hairer, Norsett & Wanner I, II.6, (6.7)). */
static void hermite(const double *y0, const double *f0, const double *y1,
                    const double *f1, double h, double th, double *out, size_t n)
{
    double a = th * (th - 1);
    size_t m;

    for (m = 0; m < n; m++) {
        double dy = y1[m] - y0[m];
        out[m] = y0[m] + th * dy
                 + a * ((1 - 2 * th) * dy + (th - 1) * h * f0[m] + th * h * f1[m]);
    }
}

/* The quintic Hermite interpolant of (y, f) at three points: the
   previous accepted point (theta = -r, r = its step / h), the step's start
   (0) and its end (1), in Newton's form over the doubled nodes
   -r, -r, 0, 0, 1, 1 (divided differences with repeated nodes, Hairer,
   Norsett & Wanner I, II.6 and Stoer & Bulirsch 2.1.5).  Its error is
   O(h^6) against the cubic's O(h^4), so the dense output of kvaerno5
   keeps up with the method, as a multistep method's does. */
static void hermite5(const double *yp, const double *fp, const double *y0,
                     const double *f0, const double *y1, const double *f1,
                     double r, double h, double th, double *out, size_t n)
{
    const double z[6] = { -r, -r, 0, 0, 1, 1 };
    size_t m;
    int i, k;

    for (m = 0; m < n; m++) {
        /* dd[i] becomes the divided difference [z_0 .. z_i]. */
        double dd[6] = { yp[m], yp[m], y0[m], y0[m], y1[m], y1[m] };
        double acc;

        for (i = 5; i >= 1; i--) {
            double df = i == 1 ? h * fp[m] : i == 3 ? h * f0[m] : i == 5 ? h * f1[m]
                        : (dd[i] - dd[i - 1]) / (z[i] - z[i - 1]);
            dd[i] = df;
        }
        for (k = 2; k <= 5; k++)
            for (i = 5; i >= k; i--)
                dd[i] = (dd[i] - dd[i - 1]) / (z[i] - z[i - k]);
        acc = dd[5];
        for (i = 4; i >= 0; i--)
            acc = acc * (th - z[i]) + dd[i];
        out[m] = acc;
    }
}

static int dirk_dense(struct stepper *s, double t, double h, double theta,
                      double *out)
{
    struct dirk *d = impl(s);
    int last = d->tab->stages - 1;

    (void)t;
    if (d->doubling) {
        if (theta <= 0.5)
            hermite(s->y, d->k[0], d->ym, d->km, h / 2, 2 * theta, out, d->n);
        else
            hermite(d->ym, d->km, s->y1, d->k[last], h / 2, 2 * theta - 1, out, d->n);
        return 0;
    }
    if (d->prev_ok && d->hp / h >= 1 / DIRK_DENSE_RATIO && d->hp / h <= DIRK_DENSE_RATIO)
        hermite5(d->yp, d->fp, s->y, d->k[0], s->y1, d->k[last], d->hp / h, h,
                 theta, out, d->n);
    else
        hermite(s->y, d->k[0], s->y1, d->k[last], h, theta, out, d->n);
    return 0;
}

static void dirk_accept(struct stepper *s, double t, double h)
{
    struct dirk *d = impl(s);
    int last = d->tab->stages - 1;
    double *tmp;

    /* y1 becomes y and k_s = f(t + h, y1) the next first stage; the old
       ones are kept for the dense output when there is room. */
    if (d->yp) {
        tmp = d->yp;
        d->yp = s->y;
        s->y = s->y1;
        s->y1 = tmp;
        tmp = d->fp;
        d->fp = d->k[0];
        d->k[0] = d->k[last];
        d->k[last] = tmp;
        d->hp = h;
        d->prev_ok = true;
    } else {
        tmp = s->y;
        s->y = s->y1;
        s->y1 = tmp;
        tmp = d->k[0];
        d->k[0] = d->k[last];
        d->k[last] = tmp;
    }
    d->f0_ok = true;
    d->f0_exact = false;
    newton_point(d->nw, t + h, s->y, NULL);
    if (d->nw2)
        newton_point(d->nw2, t + h, s->y, NULL);
    if (d->rate > DIRK_RATE_STALE) {
        newton_jac_stale(d->nw);
        if (d->nw2)
            newton_jac_stale(d->nw2);
    }
}

static void dirk_reset(struct stepper *s)
{
    impl(s)->f0_ok = false;
    impl(s)->prev_ok = false;
}

static void dirk_destroy(struct stepper *s)
{
    struct dirk *d = impl(s);

    if (!d)
        return;
    newton_free(d->nw2);
    newton_free(d->nw);
    free(d->mem);
    free(d);
    s->impl = NULL;
    s->y = s->y1 = NULL;
}

static const struct stepper_ops dirk_ops = {
    .destroy = dirk_destroy,
    .begin = dirk_begin,
    .initial_step = dirk_initial_step,
    .step = dirk_step,
    .error = dirk_error,
    .worst_var = dirk_worst_var,
    .bad_var = dirk_bad_var,
    .dense = dirk_dense,
    .accept = dirk_accept,
    .reset = dirk_reset,
    .next_step = NULL,
};

static int dirk_create(struct stepper *s, const struct stepper_method *me,
                       const struct stepper_cfg *cfg)
{
    const struct dirk_tableau *tb = me->data;
    size_t n = cfg->prob->n_states, nvec;
    struct dirk *d;
    double *v;
    int i, rc;

    d = calloc(1, sizeof *d);
    if (!d)
        return ODE_ENOMEM;
    s->impl = d;
    s->ops = &dirk_ops;
    s->method = me;
    s->cfg = cfg;
    s->n = n;
    d->tab = tb;
    d->cfg = cfg;
    d->n = n;
    /* The tableau's order_emb 0: no embedded weights, step doubling. */
    d->doubling = cfg->adaptive && tb->order_emb == 0;
    d->estimate = cfg->adaptive && tb->order_emb > 0;
    /* y, y1, k[0 .. s-1], psi, err, and yh, kh, ym, km for doubling. */
    nvec = 2 + (size_t)tb->stages + 2 + (d->doubling ? 4 : 0) + (tb->order >= 3 ? 2 : 0);
    d->mem = calloc(nvec * n + 1, sizeof *d->mem);
    if (!d->mem)
        goto nomem;
    v = d->mem;
    s->y = v, v += n;
    s->y1 = v, v += n;
    for (i = 0; i < tb->stages; i++)
        d->k[i] = v, v += n;
    d->psi = v, v += n;
    d->err = v, v += n;
    if (tb->order >= 3) {
        d->yp = v, v += n;
        d->fp = v, v += n;
    }
    if (d->doubling) {
        d->yh = v, v += n;
        d->kh = v, v += n;
        d->ym = v, v += n;
        d->km = v;
    }
    rc = newton_new(cfg, &s->st, &d->nw);
    if (rc == 0 && d->doubling)
        rc = newton_new(cfg, &s->st, &d->nw2);
    if (rc) {
        snprintf(s->why, sizeof s->why, "%s", rc == ODE_ENOMEM ? "out of memory"
                 : "the Jacobian's sparsity pattern is not valid");
        dirk_destroy(s);
        return rc;
    }
    newton_tune(d->nw, newton_kappa(cfg->rtol), 0);
    if (d->nw2)
        newton_tune(d->nw2, newton_kappa(cfg->rtol), 0);
    s->linsolve_name = newton_ls_name(d->nw);
    s->jac_exact = newton_jac_exact(d->nw);
    return 0;
nomem:
    dirk_destroy(s);
    return ODE_ENOMEM;
}

const struct dirk_tableau *dirk_tableau_of(const struct stepper_method *m)
{
    return m->data;
}

/* err_order: the power of h the error estimate behaves like (the loop's
   controller and the initial step use it): min(order, embedded order) +
   1, and for step doubling the two half steps' error, order + 1. */
const struct stepper_method dirk_backeul = {
    .name = "backeul", .desc = "implicit Euler, order 1 (error by the trapezoidal rule)",
    .family = FAM_IMPLICIT_RK, .order = 1, .order_emb = 2, .err_order = 2,
    .needs_jac = true, .create = dirk_create, .data = &tab_backeul,
};

const struct stepper_method dirk_trapezoid = {
    .name = "trapezoid", .desc = "trapezoidal rule (Crank-Nicolson), order 2, by step doubling",
    .family = FAM_IMPLICIT_RK, .order = 2, .order_emb = 2, .err_order = 3,
    .needs_jac = true, .create = dirk_create, .data = &tab_trapezoid,
};

const struct stepper_method dirk_kvaerno3 = {
    .name = "kvaerno3", .desc = "Kvaerno's L-stable ESDIRK 3(2), 4 stages",
    .family = FAM_IMPLICIT_RK, .order = 3, .order_emb = 2, .err_order = 3,
    .needs_jac = true, .create = dirk_create, .data = &tab_kvaerno3,
};

const struct stepper_method dirk_kvaerno5 = {
    .name = "kvaerno5", .desc = "Kvaerno's L-stable ESDIRK 5(4), 7 stages",
    .family = FAM_IMPLICIT_RK, .order = 5, .order_emb = 4, .err_order = 5,
    .needs_jac = true, .create = dirk_create, .data = &tab_kvaerno5,
};
