/* jac.c - df/dy, exact from the model or by grouped finite differences. */
#include "jac.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

struct jac {
    const struct ode_problem *prob;
    const double *p;
    size_t n;
    bool exact;
    struct ode_pattern pat;   /* prob's; colptr NULL: dense, nnz = n^2 */
    /* Curtis-Powell-Reid groups: the columns of group g are
       gcol[gptr[g] .. gptr[g+1]-1]; no two of them share a row. */
    size_t ngroups;
    size_t *gptr, *gcol;
    double *ytmp, *ftmp, *inc;
};

/* Greedy colouring of the columns in their natural order: column j takes
   the lowest group none of whose columns has a row in common with it
   (Curtis, Powell & Reid 1974, the order of their paper).  A tridiagonal
   pattern gives 3 groups, a band of width w gives w.  rows[i] lists the
   columns with an entry in row i (the transposed pattern). */
static int colour(struct jac *jc)
{
    size_t n = jc->n, nnz = jc->pat.nnz;
    const size_t *cp = jc->pat.colptr, *ri = jc->pat.rowind;
    size_t *rptr = calloc(n + 1, sizeof *rptr);
    size_t *rcol = calloc(nnz ? nnz : 1, sizeof *rcol);
    size_t *group = calloc(n, sizeof *group);
    size_t *seen = calloc(n + 1, sizeof *seen);   /* seen[g] = j + 1: g is taken for j */
    size_t *fill = calloc(n + 1, sizeof *fill);
    int rc = ODE_ENOMEM;

    if (!rptr || !rcol || !group || !seen || !fill)
        goto out;
    for (size_t k = 0; k < nnz; k++)
        rptr[ri[k] + 1]++;
    for (size_t i = 0; i < n; i++)
        rptr[i + 1] += rptr[i];
    for (size_t i = 0; i <= n; i++)
        fill[i] = rptr[i];
    for (size_t j = 0; j < n; j++)
        for (size_t k = cp[j]; k < cp[j + 1]; k++)
            rcol[fill[ri[k]]++] = j;

    jc->ngroups = 0;
    for (size_t j = 0; j < n; j++) {
        size_t g = 0;
        for (size_t k = cp[j]; k < cp[j + 1]; k++) {
            size_t i = ri[k];
            /* Columns of row i before j are coloured already. */
            for (size_t q = rptr[i]; q < rptr[i + 1] && rcol[q] < j; q++)
                seen[group[rcol[q]]] = j + 1;
        }
        while (seen[g] == j + 1)
            g++;
        group[j] = g;
        if (g + 1 > jc->ngroups)
            jc->ngroups = g + 1;
    }

    jc->gptr = calloc(jc->ngroups + 1, sizeof *jc->gptr);
    jc->gcol = calloc(n, sizeof *jc->gcol);
    if (!jc->gptr || !jc->gcol)
        goto out;
    for (size_t j = 0; j < n; j++)
        jc->gptr[group[j] + 1]++;
    for (size_t g = 0; g < jc->ngroups; g++)
        jc->gptr[g + 1] += jc->gptr[g];
    for (size_t g = 0; g <= jc->ngroups; g++)
        fill[g] = jc->gptr[g];
    for (size_t j = 0; j < n; j++)
        jc->gcol[fill[group[j]]++] = j;
    rc = 0;
out:
    free(fill);
    free(seen);
    free(group);
    free(rcol);
    free(rptr);
    return rc;
}

/* colptr from 0 to nnz without going down, rows below n (the groups and
   the quotients index f and val with them). */
static bool pattern_ok(size_t n, const struct ode_pattern *pat)
{
    if (pat->colptr[0] != 0 || pat->colptr[n] != pat->nnz || (pat->nnz && !pat->rowind))
        return false;
    for (size_t j = 0; j < n; j++) {
        if (pat->colptr[j + 1] < pat->colptr[j])
            return false;
        for (size_t k = pat->colptr[j]; k < pat->colptr[j + 1]; k++)
            if (pat->rowind[k] >= n)
                return false;
    }
    return true;
}

int jac_new(const struct ode_problem *prob, const double *p, enum jac_mode mode,
            jac **out)
{
    struct jac *jc;
    size_t n = prob->n_states;

    *out = NULL;
    if (prob->jac_pattern.colptr && !pattern_ok(n, &prob->jac_pattern))
        return ODE_EINVAL;
    jc = calloc(1, sizeof *jc);
    if (!jc)
        return ODE_ENOMEM;
    jc->prob = prob;
    jc->p = p;
    jc->n = n;
    jc->exact = prob->jac && mode == JAC_AUTO;
    jc->pat = prob->jac_pattern;
    if (!jc->pat.colptr) {
        jc->pat.rowind = NULL;
        jc->pat.nnz = n > 0 && n > SIZE_MAX / n ? SIZE_MAX : n * n;
    }
    if (!jc->exact) {
        jc->ytmp = calloc(n ? n : 1, sizeof *jc->ytmp);
        jc->ftmp = calloc(n ? n : 1, sizeof *jc->ftmp);
        jc->inc = calloc(n ? n : 1, sizeof *jc->inc);
        if (!jc->ytmp || !jc->ftmp || !jc->inc)
            goto fail;
        if (jc->pat.colptr) {
            if (colour(jc))
                goto fail;
        } else {
            /* Dense: every column alone. */
            jc->ngroups = n;
            jc->gptr = calloc(n + 1, sizeof *jc->gptr);
            jc->gcol = calloc(n ? n : 1, sizeof *jc->gcol);
            if (!jc->gptr || !jc->gcol)
                goto fail;
            for (size_t j = 0; j < n; j++) {
                jc->gptr[j + 1] = j + 1;
                jc->gcol[j] = j;
            }
        }
    }
    *out = jc;
    return 0;
fail:
    jac_free(jc);
    return ODE_ENOMEM;
}

void jac_free(jac *jc)
{
    if (!jc)
        return;
    free(jc->gcol);
    free(jc->gptr);
    free(jc->inc);
    free(jc->ftmp);
    free(jc->ytmp);
    free(jc);
}

const struct ode_pattern *jac_pattern(const jac *jc)
{
    return &jc->pat;
}

bool jac_is_exact(const jac *jc)
{
    return jc->exact;
}

size_t jac_groups(const jac *jc)
{
    return jc->exact ? 0 : jc->ngroups;
}

static bool all_finite(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return false;
    return true;
}

/* The increment of column j:
 *
 *   inc_j = sqrt(eps) max(|y_j|, sqrt(max(|y_j|, floor_j))),
 *   floor_j = min(1e-5, 1e4 atol_j)   (1e-5 when atol_j is 0).
 *
 * For |y_j| <= 1 this is RADAU5's sqrt(eps max(1e-5, |y_j|)) (Hairer &
 * Wanner, radau5.f, DELT=DSQRT(UROUND*MAX(1.D-5,ABS(YSAFE)))), for
 * |y_j| > 1 the relative sqrt(eps) |y_j| of CVODE and LSODE (Hindmarsh
 * et al., "SUNDIALS", ACM TOMS 31 (2005) 363-396, sec. 2.1), which keeps
 * the rounding of large states at sqrt(eps) instead of RADAU5's
 * eps / sqrt(eps |y_j|).  The floor is RADAU5's for every atol from 1e-9
 * up; a smaller atol declares a state of a smaller scale and lowers it
 * in proportion.
 * Measured on every sample and benchmark model against the exact
 * Jacobian (check_jac), largest error in units of the row's and column's
 * largest entry: at points near the initial states 8e-5 for
 * sqrt(eps) max(|y_j|, atol_j) (a small pleiades coordinate next to
 * large ones), below 1e-6 for this one; at the initial states, where
 * states are exactly 0, that atol floor gave increments that vanish next
 * to an O(1) term in the same sum (Van der Pol's df2/dy2 came out 0, not
 * -4.5), this one errs 1.4e-3 at most (Robertson's k2 y2^2 at y2 = 0:
 * its truncation, k2 inc).
 * The increment is rounded to what y_j + inc really adds, so the
 * quotient divides by the step taken. */
#define JAC_FLOOR 1e-5
#define JAC_FLOOR_PER_ATOL 1e4

static double increment(double yj, double atolj)
{
    double floor = atolj > 0 ? fmin(JAC_FLOOR, JAC_FLOOR_PER_ATOL * atolj) : JAC_FLOOR;
    double a = fabs(yj);
    double inc = sqrt(DBL_EPSILON) * fmax(a, sqrt(fmax(a, floor)));
    double yp = yj + inc;

    return yp - yj;
}

int jac_eval(jac *jc, double t, const double *y, const double *f0, double atol,
             const double *atol_vec, double *val, long *nfev)
{
    const struct ode_problem *pr = jc->prob;
    size_t n = jc->n;
    const size_t *cp = jc->pat.colptr, *ri = jc->pat.rowind;

    if (jc->exact) {
        int rc = pr->jac(pr->ctx, t, y, jc->p, val);
        if (rc)
            return rc;
        return all_finite(val, jc->pat.nnz) ? 0 : 1;
    }
    if (!all_finite(f0, n))
        return 1;
    for (size_t i = 0; i < n; i++)
        jc->ytmp[i] = y[i];
    for (size_t g = 0; g < jc->ngroups; g++) {
        int rc;
        for (size_t q = jc->gptr[g]; q < jc->gptr[g + 1]; q++) {
            size_t j = jc->gcol[q];
            jc->inc[j] = increment(y[j], atol_vec ? atol_vec[j] : atol);
            jc->ytmp[j] = y[j] + jc->inc[j];
        }
        rc = pr->rhs(pr->ctx, t, jc->ytmp, jc->p, jc->ftmp);
        if (nfev)
            (*nfev)++;
        for (size_t q = jc->gptr[g]; q < jc->gptr[g + 1]; q++)
            jc->ytmp[jc->gcol[q]] = y[jc->gcol[q]];
        if (rc)
            return rc;
        if (!all_finite(jc->ftmp, n))
            return 1;
        for (size_t q = jc->gptr[g]; q < jc->gptr[g + 1]; q++) {
            size_t j = jc->gcol[q];
            if (cp) {
                for (size_t k = cp[j]; k < cp[j + 1]; k++)
                    val[k] = (jc->ftmp[ri[k]] - f0[ri[k]]) / jc->inc[j];
            } else {
                for (size_t i = 0; i < n; i++)
                    val[j * n + i] = (jc->ftmp[i] - f0[i]) / jc->inc[j];
            }
        }
    }
    return 0;
}
