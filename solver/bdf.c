/* bdf.c - variable-order, variable-step BDF/NDF.
 *
 * The formulas and their step-size changes follow Shampine & Reichelt,
 * "The MATLAB ODE Suite", SIAM J. Sci. Comput. 18 (1997) 1-22, section 2
 * (ode15s): the history is the array of backward differences
 * D[j] = nabla^j y_n, j = 0 .. q (+2 kept for order selection), at a step
 * h that stays constant until a change is worth it; a change multiplies
 * the array by R(rho) U (their eq. for "changing step size"), so every
 * step uses the constant-step formula
 *
 *   sum_{m=1..q} (1/m) nabla^m y_{n+1} - h f(t_{n+1}, y_{n+1})
 *       - kappa_q gamma_q (y_{n+1} - y^(0)_{n+1}) = 0,
 *
 * gamma_q = sum_{j=1..q} 1/j, y^(0) = sum_{j=0..q} D[j] the predictor.
 * With y_{n+1} = y^(0) + d this is d = c f(t_{n+1}, y^(0) + d) - psi,
 * c = h / ((1 - kappa_q) gamma_q), psi = sum_{m=1..q} gamma_m D[m] /
 * ((1 - kappa_q) gamma_q), solved by simplified Newton with the matrix
 * (1/c) I - J.  The local error is (kappa_q gamma_q + 1/(q+1)) d
 * (S&R eq. (2)); kappa = 0 gives the BDFs, S&R's Table 1 the NDFs.
 *
 * The corrector is the shared simplified Newton iteration of newton.h,
 * which keeps J and the factorisation of (1/c) I - J across steps (a new
 * factorisation when c moves by more than NEWTON_GAMMA_RATIO, a new J
 * only after a failure with an old one) with CVODE's 2 / (1 + c / c_lu)
 * correction for an old c.  From CVODE (Hindmarsh et al., "SUNDIALS:
 * Suite of nonlinear and differential/algebraic equation solvers", ACM
 * TOMS 31 (2005) 363-396, section 2.1, and cvode.c's constants) come the
 * rest of the strategy: J at most BDF_MSBJ steps old, at most BDF_MAXCOR
 * iterations, a Newton error a tenth of the error test's (BDF_NLSCOEF),
 * and the step and order selection: a successful step changes h only by
 * a factor of at least BDF_THRESH and not right after a failure, the
 * order is reconsidered after q + 1 steps at that order from the
 * estimates of orders q - 1, q, q + 1 with CVODE's biases, and repeated
 * error failures fall back to order 1. */
#include "bdf.h"

#include "newton.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NROWS (BDF_MAX_ORDER + 3)

/* CVODE's constants (cvode.c, cvode_ls.c; Hindmarsh et al. 2005).
   Measured with newton.c's test on rober, vdp, hires and orego: kappa
   = 0.03 .. 0.3 / ec_q and 3 or 4 iterations change steps and f calls
   by a few per cent only. */
#define BDF_MAXCOR 3        /* Newton iterations per attempt */
#define BDF_NLSCOEF 0.1     /* Newton error / error tolerance */
#define BDF_MSBJ 51         /* new J at least every 51 steps */
#define BDF_THRESH 1.5      /* smallest step growth worth making */
#define BDF_ETAMX1 1e4      /* largest growth after the first step */
#define BDF_ETAMAX 10.0     /* largest growth afterwards */
#define BDF_ETAMIN 0.1      /* smallest factor after an error failure */
#define BDF_ETAMXF 0.2      /* largest factor after two error failures */
#define BDF_ETACF 0.25      /* factor after a convergence failure */
#define BDF_MXNEF1 3        /* error failures before restarting at order 1 */
#define BDF_BIAS1 6.0       /* biases of the estimates of order q-1, q, q+1 */
#define BDF_BIAS2 6.0
#define BDF_BIAS3 10.0
#define BDF_ADDON 1e-6

/* Shampine & Reichelt (1997), Table 1: the NDFs' kappa_k, k = 1 .. 5
   (index 0 unused).  Order 5 has none (the NDF would lose too much
   stability). */
static const double ndf_kappa[BDF_MAX_ORDER + 2] = {
    0, -0.1850, -1.0 / 9, -0.0823, -0.0415, 0, 0,
};

struct bdf {
    size_t n;
    int q;               /* order of the next attempt */
    int q_next;          /* order chosen by next_step, applied at step */
    int qmax;
    double kappa[BDF_MAX_ORDER + 2];
    double gamma[BDF_MAX_ORDER + 2];   /* gamma_k = sum_{j<=k} 1/j */
    double alpha[BDF_MAX_ORDER + 2];   /* (1 - kappa_k) gamma_k */
    double ecoef[BDF_MAX_ORDER + 2];   /* kappa_k gamma_k + 1/(k+1) */

    double *D;           /* NROWS x n differences at step hD */
    double hD;           /* the (signed) step D is scaled to; 0: no history */
    int n_equal;         /* steps accepted at order q (CVODE's q + 1 - qwait) */
    bool after_fail;     /* the last attempt failed: no growth now */
    bool fresh;          /* start the history from f0 at the next step */
    bool have_f0;
    long nst;            /* accepted steps */
    int nef;             /* consecutive error-test failures */
    bool pending;        /* an attempt succeeded and awaits accept() */

    double *f0;          /* f at the accepted point (history start) */
    double *d;           /* y1 - predictor */
    double *ypred, *psi, *r, *work;
    double *Dn;          /* (q+1) x n differences after the attempt, for dense */
    bool dn_valid;
    double *scratch;     /* NROWS x n for rescaling */

    newton *nw;          /* J, the factorisation and the iteration */
    bool moved;          /* the accepted point moved since newton_point */
    long nst_stale;      /* nst when J was last declared stale */
    long fail_var;       /* worst state of the last Newton failure, or -1 */
    long rhs_bad;        /* first non-finite derivative of the last failure */

    double err, err_m, err_p;   /* error norms at orders q, q-1, q+1 */
    int niter;
};

static struct bdf *impl(const struct stepper *s)
{
    return s->impl;
}

static void set_kappa(struct bdf *b, const double *kappa)
{
    b->gamma[0] = 0;
    for (int k = 1; k <= BDF_MAX_ORDER + 1; k++)
        b->gamma[k] = b->gamma[k - 1] + 1.0 / k;
    for (int k = 0; k <= BDF_MAX_ORDER + 1; k++) {
        b->kappa[k] = kappa[k];
        b->alpha[k] = (1 - kappa[k]) * b->gamma[k];
        b->ecoef[k] = kappa[k] * b->gamma[k] + 1.0 / (k + 1);
    }
}

static double atol_of(const struct stepper_cfg *cfg, size_t i)
{
    return cfg->atol_vec ? cfg->atol_vec[i] : cfg->atol;
}

/* Calls f and checks the values: 0, STEP_RHS (f asked for a smaller step
   or gave a non-finite value), or ODE_ERHS. */
static int rhs(struct stepper *s, double t, const double *y, double *f)
{
    struct bdf *b = impl(s);
    const struct stepper_cfg *cfg = s->cfg;
    const struct ode_problem *pr = cfg->prob;
    int rc;

    s->st.nfev++;
    rc = pr->rhs(pr->ctx, t, y, cfg->p, f);
    if (rc < 0)
        return ODE_ERHS;
    if (rc > 0)
        return STEP_RHS;
    for (size_t i = 0; i < s->n; i++)
        if (!isfinite(f[i])) {
            b->rhs_bad = (long)i;
            return STEP_RHS;
        }
    return 0;
}

/* Multiplies D[0 .. m] by R(rho) U (Shampine & Reichelt 1997, section
   2.2): R(rho)_{ij} = prod_{k=1..i} (k - 1 - rho j) / k (row 0 ones), U =
   R(1); the array then holds the differences of the same interpolating
   polynomial at spacing rho h.  m = q + 1: the last correction (the
   (q+1)-th difference) is rescaled too, so the estimate for order q + 1
   stays usable across step changes. */
static void rescale(struct bdf *b, double rho)
{
    double R[NROWS][NROWS], U[NROWS][NROWS], RU[NROWS][NROWS];
    int m = b->q + 1;
    size_t n = b->n;

    for (int j = 0; j <= m; j++) {
        R[0][j] = 1;
        U[0][j] = 1;
    }
    for (int i = 1; i <= m; i++) {
        R[i][0] = 0;
        U[i][0] = 0;
        for (int j = 1; j <= m; j++) {
            R[i][j] = R[i - 1][j] * (i - 1 - rho * j) / i;
            U[i][j] = U[i - 1][j] * (i - 1 - (double)j) / i;
        }
    }
    for (int i = 0; i <= m; i++)
        for (int j = 0; j <= m; j++) {
            double acc = 0;
            for (int k = 0; k <= m; k++)
                acc += R[i][k] * U[k][j];
            RU[i][j] = acc;
        }
    /* D_new[j] = sum_k RU[k][j] D[k] */
    for (int j = 0; j <= m; j++) {
        double *out = b->scratch + (size_t)j * n;
        for (size_t i = 0; i < n; i++)
            out[i] = 0;
        for (int k = 0; k <= m; k++) {
            const double *dk = b->D + (size_t)k * n;
            double c = RU[k][j];
            if (c == 0)
                continue;
            for (size_t i = 0; i < n; i++)
                out[i] += c * dk[i];
        }
    }
    memcpy(b->D, b->scratch, (size_t)(m + 1) * n * sizeof *b->D);
}

static void bdf_destroy(struct stepper *s)
{
    struct bdf *b = impl(s);

    if (!b)
        return;
    newton_free(b->nw);
    free(b->scratch);
    free(b->Dn);
    free(b->work);
    free(b->r);
    free(b->psi);
    free(b->ypred);
    free(b->d);
    free(b->f0);
    free(b->D);
    free(s->y1);
    free(s->y);
    free(b);
    s->impl = NULL;
    s->y = s->y1 = NULL;
}

static int bdf_begin(struct stepper *s, double t, bool after_stop, double dir)
{
    struct bdf *b = impl(s);
    double te = after_stop ? nextafter(t, dir * INFINITY) : t;
    int rc;

    if (!b->fresh || b->have_f0)
        return 0;
    rc = rhs(s, te, s->y, b->f0);
    if (rc)
        return rc;
    b->have_f0 = true;
    return 0;
}

static int bdf_initial_step(struct stepper *s, double t0, double dir,
                            double hmax, double *h)
{
    struct bdf *b = impl(s);

    /* The first step is of order 1. */
    return stepper_initial_step(s->cfg, &s->st, t0, s->y, b->f0, dir, hmax, 1,
                                b->r, b->work, h);
}

static int bdf_step(struct stepper *s, double t, double h, bool dense)
{
    struct bdf *b = impl(s);
    const struct stepper_cfg *cfg = s->cfg;
    size_t n = b->n;
    double tn = t + h, c;
    int q, rc;

    (void)dense;
    b->pending = false;
    b->dn_valid = false;
    b->fail_var = -1;
    b->rhs_bad = -1;
    b->err = b->err_m = b->err_p = NAN;
    s->why[0] = '\0';
    if (b->fresh) {
        if (!b->have_f0)
            return ODE_EINVAL;
        memcpy(b->D, s->y, n * sizeof *b->D);
        for (size_t i = 0; i < n; i++)
            b->D[n + i] = h * b->f0[i];
        memset(b->D + 2 * n, 0, (NROWS - 2) * n * sizeof *b->D);
        b->hD = h;
        b->q = b->q_next = 1;
        b->n_equal = 0;
        b->fresh = false;
    } else {
        if (b->q_next != b->q) {
            b->q = b->q_next;
            b->n_equal = 0;
        }
        if (h != b->hD) {
            rescale(b, h / b->hD);
            b->hD = h;
        }
    }
    q = b->q;

    /* Predictor and psi. */
    for (size_t i = 0; i < n; i++) {
        double yp = 0, ps = 0;
        for (int j = q; j >= 1; j--) {
            double dj = b->D[(size_t)j * n + i];
            yp += dj;
            ps += b->gamma[j] * dj;
        }
        b->ypred[i] = yp + b->D[i];
        b->psi[i] = ps / b->alpha[q];
    }
    c = h / b->alpha[q];

    /* J is taken at the accepted point, and a new one every BDF_MSBJ
       steps at least. */
    if (b->moved) {
        newton_point(b->nw, t, s->y, NULL);
        b->moved = false;
    }
    if (b->nst - b->nst_stale >= BDF_MSBJ) {
        newton_jac_stale(b->nw);
        b->nst_stale = b->nst;
    }
    newton_tune(b->nw, BDF_NLSCOEF / b->ecoef[q], BDF_MAXCOR);
    /* z = y^(0) + d solves z = (y^(0) - psi) + c f(tn, z). */
    for (size_t i = 0; i < n; i++)
        b->r[i] = b->ypred[i] - b->psi[i];
    memcpy(s->y1, b->ypred, n * sizeof *s->y1);
    rc = newton_solve(b->nw, tn, c, b->r, s->y1);
    if (rc) {
        b->fail_var = newton_worst_var(b->nw);
        if (rc == STEP_RHS)
            b->rhs_bad = b->fail_var;
        if (rc > 0)
            snprintf(s->why, sizeof s->why, "%s", newton_why(b->nw));
        return rc;
    }
    for (size_t i = 0; i < n; i++)
        b->d[i] = s->y1[i] - b->ypred[i];

    for (size_t i = 0; i < n; i++)
        b->work[i] = b->ecoef[q] * b->d[i];
    b->err = stepper_err_norm(cfg, b->work, s->y, s->y1, n);
    /* The estimates of orders q - 1 and q + 1 for the order selection
       once q + 1 steps were made at this order and h (S&R 1997, ode15s):
       ec_{q-1} nabla^q y_{n+1} and ec_{q+1} nabla^{q+2} y_{n+1}. */
    if (b->n_equal + 1 >= q + 1) {
        if (q > 1) {
            for (size_t i = 0; i < n; i++)
                b->r[i] = b->ecoef[q - 1] * (b->D[(size_t)q * n + i] + b->d[i]);
            b->err_m = stepper_err_norm(cfg, b->r, s->y, s->y1, n);
        }
        if (q < b->qmax) {
            for (size_t i = 0; i < n; i++)
                b->r[i] = b->ecoef[q + 1]
                          * (b->d[i] - b->D[(size_t)(q + 1) * n + i]);
            b->err_p = stepper_err_norm(cfg, b->r, s->y, s->y1, n);
        }
    }
    b->pending = true;
    return 0;
}

static double bdf_error(struct stepper *s)
{
    return impl(s)->err;
}

static long bdf_worst_var(struct stepper *s)
{
    const struct bdf *b = impl(s);
    const struct stepper_cfg *cfg = s->cfg;
    long worst = -1;
    double big = -1;

    if (b->fail_var >= 0)
        return b->fail_var;
    for (size_t i = 0; i < b->n; i++) {
        double sc = atol_of(cfg, i) + cfg->rtol * fabs(s->y[i]);
        double e = fabs(b->work[i]) / sc;
        if (!(e <= big)) {
            big = e;
            worst = (long)i;
            if (isnan(e))
                break;
        }
    }
    return worst;
}

static long bdf_bad_var(struct stepper *s, bool *in_state)
{
    const struct bdf *b = impl(s);

    if (b->rhs_bad >= 0) {
        *in_state = false;
        return b->rhs_bad;
    }
    for (size_t i = 0; i < b->n; i++)
        if (!isfinite(s->y1[i])) {
            *in_state = true;
            return (long)i;
        }
    return -1;
}

/* The differences at t + h after the attempt: Dn[q] = D[q] + d, Dn[j] =
   D[j] + Dn[j+1] (Dn[0] = y1). */
static void build_dn(struct stepper *s)
{
    struct bdf *b = impl(s);
    size_t n = b->n;
    int q = b->q;

    for (size_t i = 0; i < n; i++) {
        double acc = b->d[i];
        for (int j = q; j >= 0; j--) {
            acc += b->D[(size_t)j * n + i];
            b->Dn[(size_t)j * n + i] = acc;
        }
    }
    /* The sum is y1 up to rounding; the interpolant must end on y1. */
    memcpy(b->Dn, s->y1, n * sizeof *b->Dn);
    b->dn_valid = true;
}

/* The interpolating polynomial of y_{n+1}, y_n, ..., y_{n+1-q} in Newton's
   backward form: y(t_{n+1} + s h) = sum_j Dn[j] prod_{i<j} (s + i)/(i + 1),
   s = theta - 1 in [-1, 0]. */
static int bdf_dense(struct stepper *s, double t, double h, double theta,
                     double *out)
{
    struct bdf *b = impl(s);
    size_t n = b->n;
    double sv = theta - 1, coef[BDF_MAX_ORDER + 1];

    (void)t;
    (void)h;
    if (!b->dn_valid)
        build_dn(s);
    coef[0] = 1;
    for (int j = 1; j <= b->q; j++)
        coef[j] = coef[j - 1] * (sv + j - 1) / j;
    for (size_t i = 0; i < n; i++) {
        double acc = 0;
        for (int j = b->q; j >= 1; j--)
            acc += coef[j] * b->Dn[(size_t)j * n + i];
        out[i] = b->Dn[i] + acc;
    }
    return 0;
}

static void bdf_accept(struct stepper *s, double t, double h)
{
    struct bdf *b = impl(s);
    size_t n = b->n;
    int q = b->q;

    (void)t;
    (void)h;
    if (q + 2 < NROWS)
        for (size_t i = 0; i < n; i++)
            b->D[(size_t)(q + 2) * n + i] = b->d[i] - b->D[(size_t)(q + 1) * n + i];
    memcpy(b->D + (size_t)(q + 1) * n, b->d, n * sizeof *b->D);
    for (int j = q; j >= 1; j--)
        for (size_t i = 0; i < n; i++)
            b->D[(size_t)j * n + i] += b->D[(size_t)(j + 1) * n + i];
    /* D[0] + D[1] is y1 up to rounding: keep the solution itself. */
    memcpy(b->D, s->y1, n * sizeof *b->D);
    memcpy(s->y, s->y1, n * sizeof *s->y);
    b->pending = false;
    b->dn_valid = false;
    b->n_equal++;
    b->nst++;
    b->nef = 0;
    /* Fixed steps (no next_step): the order climbs as the history grows,
       one order after q + 1 steps at q, as a variable-order start does. */
    if (!s->cfg->adaptive && b->n_equal >= q + 1 && q < b->qmax)
        b->q_next = q + 1;
    b->have_f0 = false;
    b->moved = true;
}

static void bdf_reset(struct stepper *s)
{
    struct bdf *b = impl(s);

    /* J and its factorisation stay: only the history is forgotten. */
    b->fresh = true;
    b->have_f0 = false;
    b->q = b->q_next = 1;
    b->n_equal = 0;
    b->nef = 0;
    b->pending = false;
    b->dn_valid = false;
}

/* CVODE's step factor for an estimate err of order k + 1:
   1 / ((bias err)^(1/(k+1)) + addon). */
static double eta_of(double err, int k, double bias)
{
    if (!(err >= 0))
        return 0;
    return 1 / (pow(bias * err, 1.0 / (k + 1)) + BDF_ADDON);
}

static double bdf_next_step(struct stepper *s, double h, double err,
                            bool accepted, int fail)
{
    struct bdf *b = impl(s);
    double ah = fabs(h), eta, etam = 0, etap = 0;
    int q = b->q, qn = q;

    if (fail) {
        b->nef = 0;
        b->after_fail = true;
        return ah * BDF_ETACF;
    }
    if (!accepted) {
        b->nef++;
        b->after_fail = true;
        if (!(err >= 0) || !isfinite(err))
            return ah * BDF_ETACF;
        if (b->nef >= BDF_MXNEF1) {
            /* Repeated failures: the history is suspect; CVODE restarts at
               order 1 with a tenth of the step. */
            b->q_next = 1;
            return ah * BDF_ETAMIN;
        }
        eta = eta_of(err, q, BDF_BIAS2);
        if (q > 1 && b->nef >= 2 && !isnan(b->err_m)) {
            /* CVODE then also considers the order below. */
            double e = eta_of(b->err_m, q - 1, BDF_BIAS1);
            if (e > eta) {
                eta = e;
                b->q_next = q - 1;
            }
        }
        eta = fmax(BDF_ETAMIN, fmin(eta, 0.9));
        if (b->nef >= 2)
            eta = fmin(eta, BDF_ETAMXF);
        return ah * eta;
    }

    /* CVODE (cvPrepareNextStep): no change right after a failure; the
       step may change after every step, the order after q + 1 steps at
       that order; h stays unless it can grow by BDF_THRESH. */
    if (b->after_fail) {
        b->after_fail = false;
        return ah;
    }
    eta = eta_of(err, q, BDF_BIAS2);
    if (b->n_equal + (b->pending ? 1 : 0) >= q + 1) {
        if (q > 1 && !isnan(b->err_m))
            etam = eta_of(b->err_m, q - 1, BDF_BIAS1);
        if (q < b->qmax && !isnan(b->err_p))
            etap = eta_of(b->err_p, q + 1, BDF_BIAS3);
        if (etam > eta && etam >= etap) {
            eta = etam;
            qn = q - 1;
        } else if (etap > eta) {
            eta = etap;
            qn = q + 1;
        }
    }
    eta = fmin(eta, b->nst + (b->pending ? 1 : 0) <= 1 ? BDF_ETAMX1 : BDF_ETAMAX);
    if (eta < BDF_THRESH)
        return ah;
    b->q_next = qn;
    return ah * eta;
}

static const struct stepper_ops bdf_ops = {
    .destroy = bdf_destroy,
    .begin = bdf_begin,
    .initial_step = bdf_initial_step,
    .step = bdf_step,
    .error = bdf_error,
    .worst_var = bdf_worst_var,
    .bad_var = bdf_bad_var,
    .dense = bdf_dense,
    .accept = bdf_accept,
    .reset = bdf_reset,
    .next_step = bdf_next_step,
};

static int bdf_create(struct stepper *s, const struct stepper_method *m,
                      const struct stepper_cfg *cfg)
{
    const struct ode_problem *pr = cfg->prob;
    size_t n = pr->n_states;
    struct bdf *b = calloc(1, sizeof *b);
    int rc = ODE_ENOMEM;

    s->method = m;
    s->ops = &bdf_ops;
    s->cfg = cfg;
    s->n = n;
    s->impl = b;
    if (!b)
        return ODE_ENOMEM;
    b->n = n;
    b->qmax = BDF_MAX_ORDER;
    b->fail_var = -1;
    b->rhs_bad = -1;
    b->q = b->q_next = 1;
    b->fresh = true;
    set_kappa(b, m->data ? m->data : ndf_kappa);
    size_t nv = n ? n : 1;
    s->y = calloc(nv, sizeof *s->y);
    s->y1 = calloc(nv, sizeof *s->y1);
    b->D = calloc(NROWS * nv, sizeof *b->D);
    b->f0 = calloc(nv, sizeof *b->f0);
    b->d = calloc(nv, sizeof *b->d);
    b->ypred = calloc(nv, sizeof *b->ypred);
    b->psi = calloc(nv, sizeof *b->psi);
    b->r = calloc(nv, sizeof *b->r);
    b->work = calloc(nv, sizeof *b->work);
    b->Dn = calloc((BDF_MAX_ORDER + 1) * nv, sizeof *b->Dn);
    b->scratch = calloc(NROWS * nv, sizeof *b->scratch);
    if (!s->y || !s->y1 || !b->D || !b->f0 || !b->d || !b->ypred || !b->psi
        || !b->r || !b->work || !b->Dn
        || !b->scratch)
        goto fail;
    rc = newton_new(cfg, &s->st, &b->nw);
    if (rc) {
        if (rc == ODE_EINVAL)
            snprintf(s->why, sizeof s->why, "bad Jacobian pattern");
        goto fail;
    }
    b->moved = true;
    s->linsolve_name = newton_ls_name(b->nw);
    s->jac_exact = newton_jac_exact(b->nw);
    return 0;
fail:
    bdf_destroy(s);
    return rc;
}

int bdf_set_max_order(struct stepper *s, int qmax)
{
    struct bdf *b = impl(s);

    if (s->ops != &bdf_ops || qmax < 1 || qmax > BDF_MAX_ORDER)
        return ODE_EINVAL;
    b->qmax = qmax;
    if (b->q_next > qmax)
        b->q_next = qmax;
    return 0;
}

int bdf_start_history(struct stepper *s, double h, int q, const double *ypast)
{
    struct bdf *b = impl(s);
    size_t n;

    if (s->ops != &bdf_ops || q < 1 || q > b->qmax || h == 0)
        return ODE_EINVAL;
    n = b->n;
    /* nabla^j y_0 by repeated differences of the values y(t0 - i h). */
    for (int i = 0; i <= q; i++)
        memcpy(b->scratch + (size_t)i * n, ypast + (size_t)i * n,
               n * sizeof *b->scratch);
    for (int j = 0; j <= q; j++) {
        memcpy(b->D + (size_t)j * n, b->scratch, n * sizeof *b->D);
        for (int i = 0; i < q - j; i++)
            for (size_t k = 0; k < n; k++)
                b->scratch[(size_t)i * n + k] -= b->scratch[(size_t)(i + 1) * n + k];
    }
    for (int j = q + 1; j < NROWS; j++)
        memset(b->D + (size_t)j * n, 0, n * sizeof *b->D);
    memcpy(s->y, ypast, n * sizeof *s->y);
    b->hD = h;
    b->q = b->q_next = q;
    b->n_equal = 0;
    b->fresh = false;
    return 0;
}

int bdf_order(const struct stepper *s)
{
    return impl(s)->q_next;
}

/* NDF coefficients by default (Shampine & Reichelt: about 26% larger
   steps than the BDFs at orders 1-4 for the same error, with a small
   loss of A(alpha)-stability). */
const struct stepper_method bdf_method = {
    .name = "bdf",
    .desc = "variable-order (1-5) NDF/BDF, Shampine-Reichelt, CVODE's reuse of J",
    .family = FAM_MULTISTEP,
    .order = 5,
    .order_emb = 4,
    .needs_jac = true,
    .err_target = 0,
    .create = bdf_create,
    .data = ndf_kappa,
};
