/* erk.c - the generic explicit Runge-Kutta step.
 *
 * Speed matters here as much as in a hand-written Dormand-Prince: on small
 * systems the step's own arithmetic costs as much as the right-hand side.
 * So the tableau is compiled once (erk_init) into a short program: one
 * operation per linear combination (stage arguments, the solution, the
 * error estimate), each holding only the tableau's nonzero coefficients and
 * saying which right-hand side call follows.  The step runs that program
 * through a single inlined combination routine with one fused loop per
 * term count.  Terms are summed left to right in increasing stage order,
 * exactly as a hand-written step writes them. */
#include "erk.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* o = base + h sum_j r->a[j] k[r->idx[j]], or with base NULL o = h sum ...;
   terms summed left to right.  Called from one place (erk_step), so it is
   inlined there and the per-combination overhead is a jump. */
static inline void comb(size_t n, double *restrict o, const double *restrict base,
                        double h, const struct erk_row *r, double *const *k)
{
    const int *x = r->idx;
    const double *a = r->a;
    size_t i;
    int j;

/* One fused loop per term count, loading only the stage vectors it
   reads; base is tested outside the loop. */
#define COMB_LOOP(sum)                                              \
    do {                                                            \
        if (base)                                                   \
            for (i = 0; i < n; i++)                                 \
                o[i] = base[i] + h * (sum);                         \
        else                                                        \
            for (i = 0; i < n; i++)                                 \
                o[i] = h * (sum);                                   \
    } while (0)
#define K(j) const double *restrict k##j = k[x[j]]; const double a##j = a[j]

    switch (r->m) {
    case 0:
        for (i = 0; i < n; i++)
            o[i] = base ? base[i] : 0.0;
        break;
    case 1: {
        K(0);
        COMB_LOOP(a0 * k0[i]);
        break;
    }
    case 2: {
        K(0); K(1);
        COMB_LOOP(a0 * k0[i] + a1 * k1[i]);
        break;
    }
    case 3: {
        K(0); K(1); K(2);
        COMB_LOOP(a0 * k0[i] + a1 * k1[i] + a2 * k2[i]);
        break;
    }
    case 4: {
        K(0); K(1); K(2); K(3);
        COMB_LOOP(a0 * k0[i] + a1 * k1[i] + a2 * k2[i] + a3 * k3[i]);
        break;
    }
    case 5: {
        K(0); K(1); K(2); K(3); K(4);
        COMB_LOOP(a0 * k0[i] + a1 * k1[i] + a2 * k2[i] + a3 * k3[i] + a4 * k4[i]);
        break;
    }
    case 6: {
        K(0); K(1); K(2); K(3); K(4); K(5);
        COMB_LOOP(a0 * k0[i] + a1 * k1[i] + a2 * k2[i] + a3 * k3[i] + a4 * k4[i] +
                  a5 * k5[i]);
        break;
    }
    case 7: {
        K(0); K(1); K(2); K(3); K(4); K(5); K(6);
        COMB_LOOP(a0 * k0[i] + a1 * k1[i] + a2 * k2[i] + a3 * k3[i] + a4 * k4[i] +
                  a5 * k5[i] + a6 * k6[i]);
        break;
    }
    case 8: {
        K(0); K(1); K(2); K(3); K(4); K(5); K(6); K(7);
        COMB_LOOP(a0 * k0[i] + a1 * k1[i] + a2 * k2[i] + a3 * k3[i] + a4 * k4[i] +
                  a5 * k5[i] + a6 * k6[i] + a7 * k7[i]);
        break;
    }
    default:
        /* Long rows (none registered yet): one term per pass, then h and
           the base; still summed left to right. */
        for (i = 0; i < n; i++)
            o[i] = a[0] * k[x[0]][i];
        for (j = 1; j < r->m; j++) {
            const double aj = a[j];
            const double *kj = k[x[j]];
            for (i = 0; i < n; i++)
                o[i] = o[i] + aj * kj[i];
        }
        for (i = 0; i < n; i++)
            o[i] = base ? base[i] + h * o[i] : h * o[i];
        break;
    }
#undef K
#undef COMB_LOOP
}

static void row_from(struct erk_row *r, const double *coef, int count)
{
    int j;

    memset(r, 0, sizeof *r);
    for (j = 0; j < count; j++)
        if (coef[j] != 0.0) {
            r->idx[r->m] = j;
            r->a[r->m] = coef[j];
            r->m++;
        }
}

int erk_init(struct erk *e, const struct rk_tableau *tab,
             const struct ode_problem *prob, const double *p, bool estimate)
{
    size_t n = prob->n_states;
    int s = tab->stages, last = tab->fsal ? s - 1 : s, j;
    double diff[TAB_MAX_STAGES];
    struct erk_op *op;
    double *w;

    memset(e, 0, sizeof *e);
    e->tab = tab;
    e->rhs = prob->rhs;
    e->ctx = prob->ctx;
    e->p = p;
    e->n = n;
    e->stages = s;
    e->fsal = tab->fsal;
    /* s + 1 derivative vectors and y, y1, yt, ev; +1 keeps malloc(0) away
       when n == 0. */
    e->mem = malloc(((size_t)(s + 5) * n + 1) * sizeof *e->mem);
    if (!e->mem)
        return ODE_ENOMEM;
    w = e->mem;
    for (j = 0; j <= s; j++, w += n)
        e->k[j] = w;
    e->y = w;
    e->y1 = w + n;
    e->yt = w + 2 * n;
    e->ev = w + 3 * n;

    /* Stage arguments, each followed by its stage. */
    for (j = 1; j < last; j++) {
        op = &e->op[e->nop++];
        row_from(&op->row, tab->a[j], j);
        op->out = ERK_YT;
        op->base = true;
        op->stage = j;
        op->c = tab->c[j];
    }
    /* The solution; with FSAL followed by the last stage, f(t + h, y1). */
    op = &e->op[e->nop++];
    row_from(&op->row, tab->b, s);
    op->out = ERK_Y1;
    op->base = true;
    op->stage = tab->fsal ? s - 1 : -1;
    op->c = 1.0;
    if (estimate && tab->order_emb > 0) {
        op = &e->op[e->nop++];
        for (j = 0; j < s; j++)
            diff[j] = tab->b[j] - tab->bemb[j];
        row_from(&op->row, diff, s);
        op->out = ERK_EV;
        op->base = false;
        op->stage = -1;
    }
    return 0;
}

void erk_free(struct erk *e)
{
    free(e->mem);
    e->mem = NULL;
}

int erk_f0(struct erk *e, double t)
{
    int rc;

    if (e->f0_ok)
        return 0;
    rc = e->rhs(e->ctx, t, e->y, e->p, e->k[0]);
    e->nfev++;
    e->f0_ok = rc == 0;
    return rc;
}

int erk_step(struct erk *e, double t, double h)
{
    const size_t n = e->n;
    double *const *k = e->k;
    double *buf[3];
    int i, rc;

    e->f1_ok = false;
    e->nk = 0;
    rc = erk_f0(e, t);
    if (rc)
        return rc;
    buf[ERK_YT] = e->yt;
    buf[ERK_Y1] = e->y1;
    buf[ERK_EV] = e->ev;
    for (i = 0; i < e->nop; i++) {
        const struct erk_op *op = &e->op[i];
        double *out = buf[op->out];
        comb(n, out, op->base ? e->y : NULL, h, &op->row, k);
        if (op->stage >= 0) {
            rc = e->rhs(e->ctx, t + op->c * h, out, e->p, k[op->stage]);
            e->nfev++;
            if (rc) {
                e->nk = op->stage + 1;
                return rc;
            }
        }
    }
    e->nk = e->stages;
    e->f1_ok = e->fsal;
    return 0;
}

double erk_error(const struct erk *e, double rtol, double atol)
{
    const size_t n = e->n;
    const double *y = e->y, *y1 = e->y1, *ev = e->ev;
    double sum = 0.0, inf = 0.0;
    size_t i;

    for (i = 0; i < n; i++) {
        double a0 = fabs(y[i]), a1 = fabs(y1[i]);
        double q = ev[i] / (atol + rtol * (a1 > a0 ? a1 : a0));
        sum += q * q;
        /* x*0 is NaN when x is Inf or NaN: flags a non-finite y1 even where
           the scale, grown infinite, would hide it. */
        inf += y1[i] * 0.0;
    }
    return n ? sqrt(sum / (double)n) + inf : inf;
}

long erk_worst_var(const struct erk *e, double rtol, double atol)
{
    long worst = -1;
    double qmax = -1.0;

    for (size_t i = 0; i < e->n; i++) {
        double a0 = fabs(e->y[i]), a1 = fabs(e->y1[i]);
        double q = fabs(e->ev[i]) / (atol + rtol * (a1 > a0 ? a1 : a0));
        if (q > qmax || (worst < 0 && isnan(q))) {
            qmax = q;
            worst = (long)i;
        }
    }
    return worst;
}

bool erk_finite(const struct erk *e)
{
    double inf = 0.0;
    size_t i;

    for (i = 0; i < e->n; i++)
        inf += e->y1[i] * 0.0;
    return inf == 0.0;
}

int erk_f1(struct erk *e, double t1)
{
    int rc;

    if (e->f1_ok)
        return 0;
    rc = e->rhs(e->ctx, t1, e->y1, e->p, e->k[e->stages]);
    e->nfev++;
    e->f1_ok = rc == 0;
    return rc;
}

const double *erk_f1_vec(const struct erk *e)
{
    return e->fsal ? e->k[e->stages - 1] : e->k[e->stages];
}

void erk_accept(struct erk *e)
{
    double *tmp = e->y;
    int last = e->fsal ? e->stages - 1 : e->stages;

    e->y = e->y1;
    e->y1 = tmp;
    e->f0_ok = e->f1_ok;
    if (e->f1_ok) {
        tmp = e->k[0];
        e->k[0] = e->k[last];
        e->k[last] = tmp;
    }
    e->f1_ok = false;
}

static long first_bad(const double *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return (long)i;
    return -1;
}

long erk_bad_var(const struct erk *e, bool *in_state)
{
    long var;
    int s;

    *in_state = false;
    for (s = 0; s < e->nk && s < e->stages; s++) {
        var = first_bad(e->k[s], e->n);
        if (var >= 0)
            return var;
    }
    if (!e->fsal && e->f1_ok) {
        var = first_bad(e->k[e->stages], e->n);
        if (var >= 0)
            return var;
    }
    *in_state = true;
    return first_bad(e->y1, e->n);
}

/* RMS norm of v scaled by sc. */
static double rms(const double *v, const double *sc, size_t n)
{
    double sum = 0.0;
    size_t i;

    for (i = 0; i < n; i++) {
        double q = v[i] / sc[i];
        sum += q * q;
    }
    return n ? sqrt(sum / (double)n) : 0.0;
}

int erk_initial_step(struct erk *e, double t0, double dir, double hmax,
                     double rtol, double atol, double *h)
{
    const size_t n = e->n;
    const double *y = e->y, *f0 = e->k[0];
    double *sc = e->ev, *y1 = e->yt, *f1 = e->k[1];
    double d0, d1, d2, dm, h0, h1;
    int k = e->tab->order_emb + 1, rc;
    size_t i;

    for (i = 0; i < n; i++)
        sc[i] = atol + rtol * fabs(y[i]);
    d0 = rms(y, sc, n);
    d1 = rms(f0, sc, n);
    h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * (d0 / d1);
    if (h0 > hmax)
        h0 = hmax;
    *h = h0;
    for (i = 0; i < n; i++)
        y1[i] = y[i] + dir * h0 * f0[i];
    rc = e->rhs(e->ctx, t0 + dir * h0, y1, e->p, f1);
    e->nfev++;
    if (rc)
        return rc;
    for (i = 0; i < n; i++)
        f1[i] = f1[i] - f0[i];
    d2 = rms(f1, sc, n) / h0;
    if (!isfinite(d2))
        return 0;
    dm = d1 > d2 ? d1 : d2;
    h1 = dm <= 1e-15 ? fmax(1e-6, h0 * 1e-3) : pow(0.01 / dm, 1.0 / k);
    h1 = fmin(100.0 * h0, h1);
    *h = fmin(h1, hmax);
    return 0;
}
