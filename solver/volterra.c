/* volterra.c - Volterra equations on a fixed step (see volterra.h).
 *
 * The scheme is the one XPPAUT's meth=volterra uses, after Linz
 * ("Analytical and Numerical Methods for Volterra Equations", SIAM 1985,
 * ch. 7: product integration), so that rows agree with XPPAUT's.  On the
 * grid t_j = t0 + j h, the integral of kernel k at t_n is
 *
 *   I_n = sum_{j=i0}^{n} w_j F(t_n, t_j, y_j) [K(t_n - t_j)]
 *
 * with the trapezoidal weights h/2, h, ..., h, h/2 when mu = 0, and for
 * a singular kernel (t - t')^-mu the exact integrals of the weight over
 * each step for a piecewise constant integrand (mu = 1/2 without any
 * power):  w_{i0} = ((n-i0)^m1 - (n-i0-1)^m1) h^m1 / (2 m1), w_j =
 * ((l+1)^m1 - |l-1|^m1) h^m1 / (2 m1) with l = n - j, w_n = h^m1 / (2 m1),
 * m1 = 1 - mu.  A convolution's K is tabulated on the grid once.  i0 is 0,
 * or n - window when only the last `window` points are kept (XPPAUT's
 * vmaxpts).  The differential equations take the trapezoidal rule
 *
 *   y_n = y_{n-1} + h/2 (f(t_{n-1}, y_{n-1}, I_{n-1}) + f(t_n, y_n, I_n)),
 *
 * the integral equations y_n = f(t_n, y_n, I_n); both are solved for y_n
 * by Newton's method with a difference-quotient Jacobian, I_n's last
 * term changing with y_n.  The method is of order 2, less with a
 * singular kernel (1.5 measured on tests/xpp/abel.ode). */
#include "volterra.h"

#include <float.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Newton: a correction below this (relative to the state) ends the
   iteration; more iterations than VT_MAX_ITER fail the step. */
#define VT_NEWTON_TOL 1e-13
enum { VT_MAX_ITER = 50 };

struct vt {
    const struct ode_problem *prob;
    size_t n, nk, np;         /* states, kernels, parameters + derived */
    double *p;                /* np + nk + 1: parameters, integrals, t' */
    long window;              /* points kept (0: all, VOLTERRA_MAX_POINTS) */
    double *hist;             /* cap x n: accepted states, a ring of `window` */
    size_t cap;
    long count;               /* points accepted so far, t0 included */
    double t0, h0;
    bool started, have_h;
    double *kold, *knew;      /* integrals at the accepted point, candidate */
    double *sum;              /* each integral over the points before t_n */
    double *lag;              /* lag_n x nk: K_k(t0 + j h0), j < lag_n */
    double *al;               /* lag_n x nk: singular weights by lag */
    size_t lag_n;
    double *betnn;            /* nk: the weight of the newest point */
    double *f, *fd, *yp2, *yg, *r, *col, *jac, *fk;
    double *mem;              /* all of the above but hist, lag, al, piv */
    size_t *piv;
    long worst;
};

/* XPPAUT's alpbetjn and alpha1n (the piecewise constant product rule). */
static double weight_lag(double mu, double h, long l)
{
    double d = (double)l * h;
    if (mu == 0.5)
        return sqrt(d + h) - sqrt(fabs(d - h));
    double m1 = 1 - mu;
    return 0.5 * (pow(d + h, m1) - pow(fabs(d - h), m1)) / m1;
}

static double weight_first(double mu, double h, double t, double tp)
{
    if (mu == 0.5)
        return sqrt(fabs(t - tp)) - sqrt(fabs(t - tp - h));
    double m1 = 1 - mu;
    return 0.5 * (pow(fabs(t - tp), m1) - pow(fabs(t - tp - h), m1)) / m1;
}

static double weight_last(double mu, double h)
{
    if (mu == 0.0)
        return 0.5 * h;
    if (mu == 0.5)
        return sqrt(h);
    double m1 = 1 - mu;
    return 0.5 * pow(h, m1) / m1;
}

static double *point(struct vt *v, long j)
{
    size_t at = v->window > 0 ? (size_t)(j % v->window) : (size_t)j;
    return v->hist + at * v->n;
}

static int rhs(struct vt *v, struct stepper *s, double t, const double *y,
               const double *k, double *out)
{
    memcpy(v->p + v->np, k, v->nk * sizeof *k);
    s->st.nfev++;
    return v->prob->rhs(v->prob->ctx, t, y, v->p, out);
}

static int integrands(struct vt *v, double t, double tp, const double *y)
{
    if (v->nk == 0)
        return 0;
    v->p[v->np + v->nk] = tp;
    return v->prob->kernel_integrand(v->prob->ctx, t, y, v->p, v->fk);
}

/* The lag table and the singular weights up to lag j. */
static int ensure_lag(struct vt *v, size_t j)
{
    if (j < v->lag_n || v->nk == 0)
        return 0;
    size_t n = v->lag_n ? v->lag_n : 64;
    while (n <= j)
        n *= 2;
    double *lag = realloc(v->lag, n * v->nk * sizeof *lag);
    if (!lag)
        return ODE_ENOMEM;
    v->lag = lag;
    double *al = realloc(v->al, n * v->nk * sizeof *al);
    if (!al)
        return ODE_ENOMEM;
    v->al = al;
    for (size_t i = v->lag_n; i < n; i++) {
        int rc = v->prob->kernel_lag(v->prob->ctx, v->t0 + v->h0 * (double)i, v->yg,
                                     v->p, v->lag + i * v->nk);
        if (rc)
            return rc;
        for (size_t k = 0; k < v->nk; k++)
            v->al[i * v->nk + k] = v->prob->kernel_mu[k] > 0 ?
                weight_lag(v->prob->kernel_mu[k], v->h0, (long)i) : v->h0;
    }
    v->lag_n = n;
    return 0;
}

/* Each integral at t_n over the points i0 .. n-1, in XPPAUT's order. */
static int past_sums(struct vt *v, long nstep)
{
    if (v->nk == 0)
        return 0;
    long i0 = v->window > 0 && nstep > v->window ? nstep - v->window : 0;
    long iend = nstep - 1 - i0;
    double t = v->t0 + (double)nstep * v->h0, tp = v->t0 + (double)i0 * v->h0;
    int rc = ensure_lag(v, (size_t)(nstep - i0));
    if (rc || (rc = integrands(v, t, tp, point(v, i0))))
        return rc;
    for (size_t k = 0; k < v->nk; k++) {
        double mu = v->prob->kernel_mu[k];
        double al = mu == 0.0 ? 0.5 * v->h0 : weight_first(mu, v->h0, t, tp);
        v->sum[k] = al * v->fk[k];
        if (v->prob->kernel_conv[k])
            v->sum[k] = v->sum[k] * v->lag[(size_t)(nstep - i0) * v->nk + k];
    }
    for (long i = 1; i <= iend; i++) {
        tp += v->h0;
        if ((rc = integrands(v, t, tp, point(v, i0 + i))))
            return rc;
        size_t l = (size_t)(nstep - i0 - i);
        for (size_t k = 0; k < v->nk; k++) {
            double w = v->prob->kernel_mu[k] == 0.0 ? v->h0 : v->al[l * v->nk + k];
            if (v->prob->kernel_conv[k])
                v->sum[k] += w * v->fk[k] * v->lag[l * v->nk + k];
            else
                v->sum[k] += w * v->fk[k];
        }
    }
    return 0;
}

/* The integrals at (t, y) with y the newest point. */
static int integrals_at(struct vt *v, double t, const double *y)
{
    int rc = integrands(v, t, t, y);
    if (rc)
        return rc;
    for (size_t k = 0; k < v->nk; k++)
        v->knew[k] = v->prob->kernel_conv[k] ?
            v->sum[k] + v->betnn[k] * v->fk[k] * v->lag[k] :
            v->sum[k] + v->betnn[k] * v->fk[k];
    return 0;
}

/* The residual of the step's equations at yg, with f(t, yg) into out. */
static int residual(struct vt *v, struct stepper *s, double t, double h, const double *yg,
                    double *out, double *res)
{
    int rc = integrals_at(v, t, yg);
    if (rc || (rc = rhs(v, s, t, yg, v->knew, out)))
        return rc;
    for (size_t i = 0; i < v->n; i++) {
        if (!isfinite(out[i]))
            return STEP_RHS;
        res[i] = v->prob->integral && v->prob->integral[i] ? out[i] - yg[i]
                 : v->yp2[i] + 0.5 * h * out[i] - yg[i];
    }
    return 0;
}

static int lu(double *a, size_t n, size_t *piv)
{
    for (size_t c = 0; c < n; c++) {
        size_t best = c;
        for (size_t r = c + 1; r < n; r++)
            if (fabs(a[r * n + c]) > fabs(a[best * n + c]))
                best = r;
        piv[c] = best;
        if (a[best * n + c] == 0.0)
            return STEP_SINGULAR;
        if (best != c)
            for (size_t k = 0; k < n; k++) {
                double tmp = a[c * n + k];
                a[c * n + k] = a[best * n + k];
                a[best * n + k] = tmp;
            }
        for (size_t r = c + 1; r < n; r++) {
            double f = a[r * n + c] / a[c * n + c];
            a[r * n + c] = f;
            for (size_t k = c + 1; k < n; k++)
                a[r * n + k] -= f * a[c * n + k];
        }
    }
    return 0;
}

static void lu_solve(const double *a, size_t n, const size_t *piv, double *b)
{
    for (size_t c = 0; c < n; c++) {
        double tmp = b[piv[c]];
        b[piv[c]] = b[c];
        b[c] = tmp;
        for (size_t r = c + 1; r < n; r++)
            b[r] -= a[r * n + c] * b[c];
    }
    for (size_t c = n; c-- > 0;) {
        for (size_t k = c + 1; k < n; k++)
            b[c] -= a[c * n + k] * b[k];
        b[c] /= a[c * n + c];
    }
}

static int vt_begin(struct stepper *s, double t, bool after_stop, double dir)
{
    struct vt *v = s->impl;
    (void)after_stop;
    (void)dir;
    if (v->started)
        return 0;
    v->started = true;
    v->t0 = t;
    memcpy(point(v, 0), s->y, v->n * sizeof *s->y);
    v->count = 1;
    return 0;
}

static int vt_initial_step(struct stepper *s, double t0, double dir, double hmax, double *h)
{
    (void)s;
    (void)t0;
    (void)dir;
    *h = hmax;
    return 0;
}

static int vt_step(struct stepper *s, double t, double h, bool dense)
{
    struct vt *v = s->impl;
    size_t n = v->n;
    int rc;
    (void)dense;
    if (!v->have_h) {
        v->h0 = h;
        v->have_h = true;
        for (size_t k = 0; k < v->nk; k++)
            v->betnn[k] = weight_last(v->prob->kernel_mu[k], h);
    } else if (fabs(h - v->h0) > 1e-9 * fabs(v->h0)) {
        snprintf(s->why, sizeof s->why, "Volterra equations take equal steps "
                 "(%g, then %g): make the time span a multiple of dt", v->h0, h);
        return ODE_EINVAL;
    }
    if (v->window == 0 && (size_t)v->count >= v->cap) {
        size_t cap = 2 * v->cap;
        double *hist = cap <= VOLTERRA_MAX_POINTS + 1 ?
                       realloc(v->hist, cap * (n ? n : 1) * sizeof *hist) : NULL;
        if (!hist) {
            snprintf(s->why, sizeof s->why, "the history of the Volterra "
                     "integrals is full (%ld points)", v->count);
            return ODE_ENOMEM;
        }
        v->hist = hist;
        v->cap = cap;
    }
    long nstep = v->count;
    double tn = t + h;
    v->worst = -1;
    /* The integrals over the past, and the explicit half of the
       trapezoidal rule at the accepted point. */
    if ((rc = past_sums(v, nstep)) || (rc = rhs(v, s, t, s->y, v->kold, v->f)))
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v->f[i]))
            return STEP_RHS;
        v->yp2[i] = v->prob->integral && v->prob->integral[i] ? 0.0
                    : s->y[i] + 0.5 * h * v->f[i];
    }
    memcpy(v->yg, s->y, n * sizeof *v->yg);
    for (int iter = 0;; iter++) {
        if (iter > VT_MAX_ITER)
            return STEP_NEWTON;
        if ((rc = residual(v, s, tn, h, v->yg, v->f, v->r)))
            return rc;
        /* J = d(res)/dy by differences, one column per state. */
        for (size_t c = 0; c < n; c++) {
            double old = v->yg[c];
            double del = sqrt(DBL_EPSILON) * fmax(1.0, fabs(old));
            v->yg[c] = old + del;
            rc = residual(v, s, tn, h, v->yg, v->fd, v->col);
            v->yg[c] = old;
            if (rc)
                return rc;
            for (size_t i = 0; i < n; i++)
                v->jac[i * n + c] = (v->col[i] - v->r[i]) / del;
        }
        s->st.njev++;
        if ((rc = lu(v->jac, n, v->piv)))
            return rc;
        s->st.nlu++;
        lu_solve(v->jac, n, v->piv, v->r);
        s->st.nsolve++;
        s->st.nnewton++;
        double err = 0;
        for (size_t i = 0; i < n; i++) {
            v->yg[i] -= v->r[i];
            double q = fabs(v->r[i]) / (1.0 + fabs(v->yg[i]));
            if (!(q <= err)) {
                err = q;
                v->worst = (long)i;
            }
        }
        if (!isfinite(err))
            return STEP_NEWTON;
        if (err <= VT_NEWTON_TOL)
            break;
    }
    /* The integrals at the point taken. */
    if ((rc = integrals_at(v, tn, v->yg)))
        return rc;
    memcpy(s->y1, v->yg, n * sizeof *v->yg);
    return 0;
}

static double vt_error(struct stepper *s)
{
    (void)s;
    return 0.0;
}

static long vt_worst_var(struct stepper *s)
{
    return ((struct vt *)s->impl)->worst;
}

static long vt_bad_var(struct stepper *s, bool *in_state)
{
    struct vt *v = s->impl;
    for (size_t i = 0; i < v->n; i++)
        if (!isfinite(s->y1[i])) {
            *in_state = true;
            return (long)i;
        }
    *in_state = false;
    for (size_t i = 0; i < v->n; i++)
        if (!isfinite(v->f[i]))
            return (long)i;
    return -1;
}

/* Linear between the points: the rows of a Volterra run are its steps. */
static int vt_dense(struct stepper *s, double t, double h, double theta, double *out)
{
    (void)t;
    (void)h;
    for (size_t i = 0; i < s->n; i++)
        out[i] = s->y[i] + theta * (s->y1[i] - s->y[i]);
    return 0;
}

static void vt_accept(struct stepper *s, double t, double h)
{
    struct vt *v = s->impl;
    (void)t;
    (void)h;
    memcpy(s->y, s->y1, v->n * sizeof *s->y);
    memcpy(point(v, v->count), s->y1, v->n * sizeof *s->y1);
    memcpy(v->kold, v->knew, v->nk * sizeof *v->kold);
    v->count++;
}

static void vt_reset(struct stepper *s)
{
    (void)s;
}

static void vt_destroy(struct stepper *s)
{
    struct vt *v = s->impl;
    if (!v)
        return;
    free(v->piv);
    free(v->al);
    free(v->lag);
    free(v->hist);
    free(v->mem);
    free(v);
    s->impl = NULL;
    s->y = s->y1 = NULL;
}

static const struct stepper_ops vt_ops = {
    .destroy = vt_destroy,
    .begin = vt_begin,
    .initial_step = vt_initial_step,
    .step = vt_step,
    .error = vt_error,
    .worst_var = vt_worst_var,
    .bad_var = vt_bad_var,
    .dense = vt_dense,
    .accept = vt_accept,
    .reset = vt_reset,
    .next_step = NULL,
};

static int vt_create(struct stepper *s, const struct stepper_method *me,
                     const struct stepper_cfg *cfg)
{
    const struct ode_problem *prob = cfg->prob;
    size_t n = prob->n_states, nk = prob->n_kernels;
    size_t np = prob->n_params + prob->n_derived;
    struct vt *v = calloc(1, sizeof *v);
    if (!v)
        return ODE_ENOMEM;
    s->impl = v;
    s->ops = &vt_ops;
    s->method = me;
    s->cfg = cfg;
    s->n = n;
    v->prob = prob;
    v->n = n;
    v->nk = nk;
    v->np = np;
    v->window = cfg->volterra_window > 0 ? cfg->volterra_window : 0;
    if (nk > 0 && (!prob->kernel_integrand || !prob->kernel_lag || !prob->kernel_mu ||
                   !prob->kernel_conv)) {
        snprintf(s->why, sizeof s->why, "the problem's Volterra kernels are incomplete");
        vt_destroy(s);
        return ODE_EINVAL;
    }
    if (n > 0 && n > (SIZE_MAX / sizeof(double) - 64) / (n + 16)) {
        vt_destroy(s);
        return ODE_ENOMEM;
    }
    size_t words = (np + nk + 1) + 5 * nk + 10 * n + n * n;
    v->mem = calloc(words + 1, sizeof *v->mem);
    v->piv = calloc(n + 1, sizeof *v->piv);
    v->cap = v->window > 0 ? (size_t)v->window : 1024;
    v->hist = calloc(v->cap * (n ? n : 1), sizeof *v->hist);
    if (!v->mem || !v->piv || !v->hist) {
        vt_destroy(s);
        return ODE_ENOMEM;
    }
    double *w = v->mem;
    v->p = w, w += np + nk + 1;
    memcpy(v->p, cfg->p, np * sizeof *v->p);
    v->kold = w, w += nk;
    v->knew = w, w += nk;
    v->sum = w, w += nk;
    v->betnn = w, w += nk;
    v->fk = w, w += nk;
    v->f = w, w += n;
    v->fd = w, w += n;
    v->yp2 = w, w += n;
    v->yg = w, w += n;
    v->r = w, w += n;
    v->col = w, w += n;
    s->y = w, w += n;
    s->y1 = w, w += n;
    v->jac = w;
    v->worst = -1;
    s->linsolve_name = "dense";
    s->jac_exact = false;
    return 0;
}

const struct stepper_method volterra_method = {
    .name = "volterra",
    .desc = "Volterra equations: trapezoidal and product integration, fixed step",
    .family = FAM_VOLTERRA, .order = 2, .order_emb = 0,
    .needs_jac = false, .create = vt_create, .data = NULL,
};

int volterra_initial(const struct ode_problem *prob, const double *p, double t0,
                     double *y)
{
    size_t n = prob->n_states, np = prob->n_params + prob->n_derived;
    if (!prob->integral || prob->n_volterra == 0)
        return 0;
    double *pe = calloc(np + prob->n_volterra + 1, sizeof *pe);
    double *f = calloc(n + 1, sizeof *f);
    int rc = ODE_ENOMEM;
    if (!pe || !f)
        goto done;
    memcpy(pe, p, np * sizeof *pe);
    rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (prob->integral[i] && (rc = prob->rhs(prob->ctx, t0, y, pe, f)) == 0)
            y[i] = f[i];
done:
    free(f);
    free(pe);
    return rc;
}
