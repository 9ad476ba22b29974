/* dense.c - continuous extensions of a step as polynomials in theta.
 *
 * The coefficient vectors r_m lie len apart, the padded length of the
 * step's vectors (erk.h), so that erk_dense writes them with its paired
 * loops; only the first n components of each are read here. */
#include "dense.h"

#include <stdlib.h>

#include "problem.h"

int dense_init(struct dense *d, size_t n)
{
    d->n = n;
    d->len = n + (n & 1);
    d->deg = 0;
    d->y0 = NULL;
    d->r = calloc(TAB_MAX_DEG * d->len + 1, sizeof *d->r);
    if (!d->r)
        return ODE_ENOMEM;
    return 0;
}

void dense_free(struct dense *d)
{
    free(d->r);
    d->r = NULL;
}

int dense_build_erk(struct dense *d, struct erk *e, double t, double h)
{
    int rc = erk_dense(e, t, h, d->r);

    d->y0 = e->y;
    d->deg = rc ? 0 : e->deg;
    return rc;
}

void dense_build(struct dense *d, double h, const double *y0, const double *y1,
                 const double *f0, const double *f1, int stages,
                 const double *dcoef, const double *const *k)
{
    size_t n = d->n, i;
    double *r1 = d->r, *r2 = r1 + d->len, *r3 = r2 + d->len, *r4 = r3 + d->len;
    int j;

    d->y0 = y0;
    d->deg = dcoef ? 4 : 3;
    /* The quartic term's h sum_j d_j k_j first, summed over the stages
       left to right as the step sums them, into r4. */
    for (i = 0; dcoef && i < n; i++)
        r4[i] = 0.0;
    for (j = 0; dcoef && j < stages; j++)
        if (dcoef[j] != 0.0)
            for (i = 0; i < n; i++)
                r4[i] = r4[i] + dcoef[j] * k[j][i];
    /* Nested form y0 + theta (q1 + (1-theta) (q2 + theta (q3 + (1-theta) q4)))
       with q1 = y1 - y0, q2 = h f0 - q1, q3 = q1 - h f1 - q2, q4 = h sum d k,
       multiplied out into powers of theta. */
    for (i = 0; i < n; i++) {
        double q1 = y1[i] - y0[i];
        double q2 = h * f0[i] - q1;
        double q3 = q1 - h * f1[i] - q2;
        double q4 = dcoef ? h * r4[i] : 0.0;
        r1[i] = q1 + q2;
        r2[i] = q3 - q2 + q4;
        r3[i] = -q3 - 2.0 * q4;
        if (dcoef)
            r4[i] = q4;
    }
}

void dense_eval(const struct dense *d, double theta, double *out)
{
    size_t n = d->n, len = d->len, i;
    const double *y0 = d->y0, *r = d->r;
    int m;

    /* Horner's rule from the highest power down. */
    if (d->deg == 0) {
        for (i = 0; i < n; i++)
            out[i] = y0[i];
        return;
    }
    for (i = 0; i < n; i++)
        out[i] = r[(size_t)(d->deg - 1) * len + i];
    for (m = d->deg - 2; m >= 0; m--)
        for (i = 0; i < n; i++)
            out[i] = r[(size_t)m * len + i] + theta * out[i];
    for (i = 0; i < n; i++)
        out[i] = y0[i] + theta * out[i];
}
