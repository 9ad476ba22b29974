/* newton.c - the simplified Newton iteration of implicit stages (newton.h). */
#include "newton.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jac.h"
#include "linsolve.h"

struct newton {
    const struct stepper_cfg *cfg;
    struct stepper_stats *st;
    size_t n;
    jac *jc;
    linsolve *ls;
    double *jval;           /* J's values in jac_pattern(jc) */
    double *w;              /* 1 / (atol_i + rtol |y_i|) at the point */
    double *fz;             /* f(t, z_k) */
    double *dz;             /* the correction */
    double *z0;             /* the caller's guess, for the retry */
    double *fpt;            /* f at the point, when the caller gave none */
    double kappa;
    int max_iter;
    /* The point of newton_point(). */
    double pt;
    const double *py, *pf;
    bool have_point;
    bool have_jac;          /* jval holds some J */
    bool jac_current;       /* ... evaluated at the current point */
    bool stale;             /* evaluate J before the next iteration */
    bool need_rate;         /* the next solve measures its rate */
    bool have_lu;           /* ls holds a factorisation of the current J */
    double gamma_lu;
    double eta;             /* Hairer's FACCON, carried between solves */
    int iters;
    double rate;
    long worst;
    char why[120];
};

int newton_new(const struct stepper_cfg *cfg, struct stepper_stats *st,
               newton **out)
{
    const struct ode_problem *prob = cfg->prob;
    size_t n = prob->n_states;
    newton *nw;
    int rc;

    *out = NULL;
    nw = calloc(1, sizeof *nw);
    if (!nw)
        return ODE_ENOMEM;
    nw->cfg = cfg;
    nw->st = st;
    nw->n = n;
    nw->kappa = NEWTON_KAPPA;
    nw->max_iter = NEWTON_MAX_ITER;
    nw->eta = 1.0;
    nw->worst = -1;
    rc = jac_new(prob, cfg->p, cfg->jacobian, &nw->jc);
    if (rc)
        goto fail;
    rc = ls_new(n, jac_pattern(nw->jc), cfg->linsolve, false, &nw->ls);
    if (rc)
        goto fail;
    rc = ODE_ENOMEM;
    nw->jval = malloc((jac_pattern(nw->jc)->nnz + 1) * sizeof *nw->jval);
    nw->w = malloc((5 * n + 1) * sizeof *nw->w);
    if (!nw->jval || !nw->w)
        goto fail;
    nw->fz = nw->w + n;
    nw->dz = nw->fz + n;
    nw->z0 = nw->dz + n;
    nw->fpt = nw->z0 + n;
    *out = nw;
    return 0;
fail:
    newton_free(nw);
    return rc;
}

void newton_free(newton *nw)
{
    if (!nw)
        return;
    free(nw->w);
    free(nw->jval);
    ls_free(nw->ls);
    jac_free(nw->jc);
    free(nw);
}

void newton_tune(newton *nw, double kappa, int max_iter)
{
    if (kappa > 0)
        nw->kappa = kappa;
    if (max_iter >= 1)
        nw->max_iter = max_iter;
}

void newton_point(newton *nw, double t, const double *y, const double *f)
{
    const struct stepper_cfg *cfg = nw->cfg;
    size_t i;

    nw->pt = t;
    nw->py = y;
    nw->pf = f;
    nw->have_point = true;
    nw->jac_current = false;
    nw->need_rate = true;
    for (i = 0; i < nw->n; i++) {
        double a = cfg->atol_vec ? cfg->atol_vec[i] : cfg->atol;
        nw->w[i] = 1.0 / (a + cfg->rtol * fabs(y[i]));
    }
}

void newton_jac_stale(newton *nw)
{
    nw->stale = true;
}

/* The weighted norm of v (newton.h), and in *arg the component with the
   largest weighted value. */
static double wnorm(const newton *nw, const double *v, long *arg)
{
    double s = 0, big = -1;
    size_t i;

    *arg = -1;
    for (i = 0; i < nw->n; i++) {
        double q = fabs(v[i] * nw->w[i]);
        if (!(q <= big)) {
            big = q;
            *arg = (long)i;
        }
        if (nw->cfg->norm == NORM_MAX)
            s = q > s ? q : s;
        else
            s += q * q;
    }
    if (!isfinite(big))
        return NAN;
    if (nw->cfg->norm == NORM_MAX || nw->n == 0)
        return s;
    return sqrt(s / (double)nw->n);
}

static int eval_jac(newton *nw)
{
    const struct ode_problem *prob = nw->cfg->prob;
    const double *f = nw->pf;
    int rc = 0;

    if (!f && !jac_is_exact(nw->jc)) {
        rc = prob->rhs(prob->ctx, nw->pt, nw->py, nw->cfg->p, nw->fpt);
        nw->st->nfev++;
        f = nw->fpt;
    }
    if (rc == 0)
        rc = jac_eval(nw->jc, nw->pt, nw->py, f, nw->cfg->atol,
                      nw->cfg->atol_vec, nw->jval, &nw->st->nfev);
    nw->st->njev++;
    if (rc) {
        snprintf(nw->why, sizeof nw->why,
                 "the Jacobian could not be evaluated");
        nw->worst = -1;
        return rc > 0 ? STEP_RHS : rc;
    }
    nw->have_jac = true;
    nw->jac_current = true;
    nw->stale = false;
    nw->have_lu = false;
    return 0;
}

static int factor(newton *nw, double gamma)
{
    int rc = ls_factor(nw->ls, 1.0 / gamma, nw->jval);

    nw->st->nlu++;
    nw->have_lu = false;
    if (rc < 0)
        return rc;
    if (rc > 0) {
        nw->worst = rc - 1;
        snprintf(nw->why, sizeof nw->why,
                 "the iteration matrix is singular (zero pivot in column %d)", rc);
        return STEP_SINGULAR;
    }
    nw->have_lu = true;
    nw->gamma_lu = gamma;
    return 0;
}

/* Makes sure a J and a factorisation fit for gamma are there. */
static int prepare(newton *nw, double gamma)
{
    double r;
    int rc;

    if (!nw->have_jac || nw->stale) {
        rc = eval_jac(nw);
        if (rc)
            return rc;
    }
    r = nw->have_lu ? gamma / nw->gamma_lu : 0;
    if (!(r >= 1.0 / NEWTON_GAMMA_RATIO && r <= NEWTON_GAMMA_RATIO))
        return factor(nw, gamma);
    return 0;
}

/* x^k for a small k >= 0 (pow costs more than the rest of an
   iteration on a small system). */
static double ipow(double x, int k)
{
    double r = 1;

    while (k-- > 0)
        r *= x;
    return r;
}

/* One run of the iteration from z with the current factorisation. */
static int iterate(newton *nw, double t, double gamma, const double *psi,
                   double *z)
{
    const struct ode_problem *prob = nw->cfg->prob;
    struct stepper_stats *st = nw->st;
    double alpha = 1.0 / nw->gamma_lu;
    double c = 2.0 * nw->gamma_lu / (nw->gamma_lu + gamma);
    double eta = fmax(pow(nw->eta, 0.8), NEWTON_ETA_MIN);
    double prev = 0;
    size_t i, n = nw->n;
    int k, rc;

    if (nw->gamma_lu == gamma)
        c = 1.0;
    nw->rate = 0;
    for (k = 0; k < nw->max_iter; k++) {
        double norm, theta;
        long arg;

        rc = prob->rhs(prob->ctx, t, z, nw->cfg->p, nw->fz);
        st->nfev++;
        if (rc) {
            nw->worst = -1;
            snprintf(nw->why, sizeof nw->why,
                     "the right-hand side failed inside the Newton iteration");
            return rc > 0 ? STEP_RHS : rc;
        }
        for (i = 0; i < n; i++) {
            if (!isfinite(nw->fz[i])) {
                nw->worst = (long)i;
                snprintf(nw->why, sizeof nw->why,
                         "a derivative is not finite inside the Newton iteration");
                return STEP_RHS;
            }
            nw->dz[i] = alpha * (psi[i] - z[i]) + (gamma * alpha) * nw->fz[i];
        }
        rc = ls_solve(nw->ls, nw->dz);
        st->nsolve++;
        st->nnewton++;
        nw->iters = k + 1;
        if (rc)
            return rc;
        if (c != 1.0)
            for (i = 0; i < n; i++)
                nw->dz[i] *= c;
        norm = wnorm(nw, nw->dz, &arg);
        nw->worst = arg;
        if (!isfinite(norm)) {
            snprintf(nw->why, sizeof nw->why,
                     "the Newton iteration diverged (a non-finite correction)");
            return STEP_NEWTON;
        }
        if (k > 0) {
            /* (8.11): divergence, or too slow to finish within max_iter. */
            theta = prev > 0 ? norm / prev : 0;
            nw->rate = theta;
            if (theta >= 1.0) {
                snprintf(nw->why, sizeof nw->why,
                         "the Newton iteration diverged (rate %.3g)", theta);
                return STEP_NEWTON;
            }
            if (ipow(theta, nw->max_iter - 1 - k) / (1.0 - theta) * norm > nw->kappa) {
                snprintf(nw->why, sizeof nw->why,
                         "the Newton iteration converges too slowly (rate %.3g)", theta);
                return STEP_NEWTON;
            }
            eta = theta / (1.0 - theta);
        }
        for (i = 0; i < n; i++)
            z[i] += nw->dz[i];
        /* (8.10), or an exact zero correction.  The first solve from a
           new point with an old J takes a second iteration: a J much
           larger than the current one makes every correction small, and
           only the rate shows it (newton.h). */
        if ((eta * norm <= nw->kappa && (k > 0 || !nw->need_rate || nw->jac_current))
            || norm == 0) {
            if (k > 0)
                nw->need_rate = false;
            nw->eta = eta;
            return 0;
        }
        prev = norm;
    }
    snprintf(nw->why, sizeof nw->why,
             "the Newton iteration did not converge in %d iterations", nw->max_iter);
    return STEP_NEWTON;
}

int newton_solve(newton *nw, double t, double gamma, const double *psi,
                 double *z)
{
    size_t n = nw->n;
    int rc, attempt;

    if (!nw->have_point || gamma == 0 || !isfinite(gamma))
        return ODE_EINVAL;
    memcpy(nw->z0, z, n * sizeof *z);
    for (attempt = 0;; attempt++) {
        rc = prepare(nw, gamma);
        if (rc == 0) {
            rc = iterate(nw, t, gamma, psi, z);
            if (rc == 0)
                return 0;
            if (rc == STEP_NEWTON)
                nw->st->nnewton_fail++;
        }
        if (rc < 0 || rc == STEP_RHS)
            break;
        /* STEP_NEWTON or STEP_SINGULAR: a J from an earlier point may be
           the cause; with a current one the step is too large. */
        if (nw->jac_current || attempt > 0)
            break;
        nw->stale = true;
        /* An iteration that converged, only too slowly, goes on from
           where it got to with the new J; one that diverged starts
           again from the guess. */
        if (!(rc == STEP_NEWTON && nw->iters > 1 && nw->rate < 1.0))
            memcpy(z, nw->z0, n * sizeof *z);
    }
    memcpy(z, nw->z0, n * sizeof *z);
    /* A failed run says nothing about the next one's first rate. */
    nw->eta = 1.0;
    return rc;
}

long newton_worst_var(const newton *nw)
{
    return nw->worst;
}

const char *newton_why(const newton *nw)
{
    return nw->why;
}

int newton_iters(const newton *nw)
{
    return nw->iters;
}

double newton_rate(const newton *nw)
{
    return nw->rate;
}

bool newton_jac_current(const newton *nw)
{
    return nw->jac_current && !nw->stale;
}

const char *newton_ls_name(const newton *nw)
{
    return ls_kind_name(ls_kind_of(nw->ls));
}

bool newton_jac_exact(const newton *nw)
{
    return jac_is_exact(nw->jc);
}
