/* dense.c - Hermite and Shampine continuous extensions of a step. */
#include "dense.h"

#include <stdlib.h>

#include "problem.h"

int dense_init(struct dense *d, size_t n)
{
    d->n = n;
    d->y0 = NULL;
    d->quartic = false;
    d->r = malloc((4 * n + 1) * sizeof *d->r);
    if (!d->r)
        return ODE_ENOMEM;
    return 0;
}

void dense_free(struct dense *d)
{
    free(d->r);
    d->r = NULL;
}

void dense_build(struct dense *d, double h, const double *y0, const double *y1,
                 const double *f0, const double *f1, int stages,
                 const double *dcoef, const double *const *k)
{
    size_t n = d->n, i;
    double *r1 = d->r, *r2 = r1 + n, *r3 = r2 + n, *r4 = r3 + n;
    int j;

    d->y0 = y0;
    for (i = 0; i < n; i++) {
        double dy = y1[i] - y0[i];
        double slope0 = h * f0[i] - dy;
        r1[i] = dy;
        r2[i] = slope0;
        r3[i] = dy - h * f1[i] - slope0;
    }
    d->quartic = dcoef != NULL;
    if (!d->quartic)
        return;
    /* Summed over the stages left to right, as the step sums them. */
    for (i = 0; i < n; i++)
        r4[i] = 0.0;
    for (j = 0; j < stages; j++)
        if (dcoef[j] != 0.0)
            for (i = 0; i < n; i++)
                r4[i] = r4[i] + dcoef[j] * k[j][i];
    for (i = 0; i < n; i++)
        r4[i] = h * r4[i];
}

void dense_eval(const struct dense *d, double theta, double *out)
{
    size_t n = d->n, i;
    const double *r1 = d->r, *r2 = r1 + n, *r3 = r2 + n, *r4 = r3 + n;
    const double *y0 = d->y0;
    double s = 1.0 - theta;

    if (d->quartic)
        for (i = 0; i < n; i++)
            out[i] = y0[i] + theta * (r1[i] + s * (r2[i] + theta * (r3[i] + s * r4[i])));
    else
        for (i = 0; i < n; i++)
            out[i] = y0[i] + theta * (r1[i] + s * (r2[i] + theta * r3[i]));
}
