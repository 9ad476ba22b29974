/* erk.c - the generic explicit Runge-Kutta step.
 *
 * Speed matters here as much as in a hand-written Dormand-Prince: on small
 * systems the step's own arithmetic costs as much as the right-hand side.
 * So the tableau is compiled once (erk_init) into a short program: one
 * operation per linear combination (stage arguments, the solution, the
 * error estimates), each holding only the tableau's nonzero coefficients,
 * the addresses of the stage vectors they multiply and which right-hand
 * side call follows.  The step runs that program through an inlined
 * combination routine (comb1 or comb2, below) with one fused loop per
 * term count; each must keep one call site, or the compiler stops
 * inlining it (measured: 50% slower on Lorenz), so the dense output's
 * rarer combinations go through comb_any.  Terms are summed left to right
 * in increasing stage order, exactly as a hand-written step writes them.
 *
 * From ERK_PAIRS_MIN states up the loops handle the components in pairs,
 * i and i + 1, as two separate statements: gcc -O2 turns each pair into
 * one SSE2 instruction per operation (its straight-line vectorizer needs
 * no run-time checks for that, unlike its loop vectorizer, which -O2
 * leaves off).  For that the vectors have an even length e->len (erk_init
 * pads them with a component that stays 0), so no odd last component
 * needs scalar code and a second copy of the coefficients, and each
 * coefficient is stored twice, so a pair of them is one load.  Every
 * component is still computed with the same operations in the same order,
 * so the results do not depend on the pairing.  Smaller systems go one
 * component at a time: there the next combination reads the stage vector
 * the right-hand side has just stored one double at a time, and a 16-byte
 * load of two such fresh 8-byte stores cannot be forwarded from the store
 * buffer; it waits for them to reach the cache.  Measured, 4 states:
 * pairs 20-30% slower per step than single components; 8 states: pairs
 * 10-25% faster, 2000 states (bruss1d) 30% faster. */
#include "erk.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dense.h"

/* Systems from this many states up combine in pairs of components (see
   above; between 4 and 8 the two ways cost about the same). */
#define ERK_PAIRS_MIN 8

/* o = base + h sum_j a[j] kv[j] (base NULL: 0) over an even number len
   of components, for any number m of terms, one term per pass, then h and
   the base; summed left to right.  For rows longer than the fused
   loops of comb1 and comb2 and for what runs once per saved step (extra stages, the dense
   output). */
static void comb_any(size_t len, double *restrict o, const double *restrict base,
                     double h, int m, const double *const *kv, const double (*a)[2])
{
    size_t i;
    int j;

    if (m == 0) {
        for (i = 0; i < len; i++)
            o[i] = base ? base[i] : 0.0;
        return;
    }
    for (i = 0; i < len; i += 2) {
        o[i] = a[0][0] * kv[0][i];
        o[i + 1] = a[0][1] * kv[0][i + 1];
    }
    for (j = 1; j < m; j++) {
        const double *restrict kj = kv[j];
        for (i = 0; i < len; i += 2) {
            o[i] = o[i] + a[j][0] * kj[i];
            o[i + 1] = o[i + 1] + a[j][1] * kj[i + 1];
        }
    }
    if (base)
        for (i = 0; i < len; i += 2) {
            o[i] = base[i] + h * o[i];
            o[i + 1] = base[i + 1] + h * o[i + 1];
        }
    else
        for (i = 0; i < len; i += 2) {
            o[i] = h * o[i];
            o[i + 1] = h * o[i + 1];
        }
}

/* The sum a[0][L] k0[I] + ... + a[m-1][L] k(m-1)[I] of the first m terms
   of an operation, left to right; L is the lane, 0 or 1, of the pair. */
#define T1(I, L) (a[0][L] * k0[I])
#define T2(I, L) (T1(I, L) + a[1][L] * k1[I])
#define T3(I, L) (T2(I, L) + a[2][L] * k2[I])
#define T4(I, L) (T3(I, L) + a[3][L] * k3[I])
#define T5(I, L) (T4(I, L) + a[4][L] * k4[I])
#define T6(I, L) (T5(I, L) + a[5][L] * k5[I])
#define T7(I, L) (T6(I, L) + a[6][L] * k6[I])
#define T8(I, L) (T7(I, L) + a[7][L] * k7[I])
#define T9(I, L) (T8(I, L) + a[8][L] * k8[I])
#define T10(I, L) (T9(I, L) + a[9][L] * k9[I])

/* The switch over the number of terms shared by comb1 and comb2: one
   fused loop per term count (LOOP, given the sum T), loading only the
   stage vectors it reads, base tested outside the loop; longer rows go
   through comb_any. */
#define K(j) const double *restrict k##j = kv[j]
#define COMB_SWITCH(LOOP)                                           \
    switch (m) {                                                    \
    case 0:                                                         \
        for (i = 0; i < len; i++)                                   \
            o[i] = base ? base[i] : 0.0;                            \
        break;                                                      \
    case 1: { K(0); LOOP(T1); break; }                              \
    case 2: { K(0); K(1); LOOP(T2); break; }                        \
    case 3: { K(0); K(1); K(2); LOOP(T3); break; }                  \
    case 4: { K(0); K(1); K(2); K(3); LOOP(T4); break; }            \
    case 5: { K(0); K(1); K(2); K(3); K(4); LOOP(T5); break; }      \
    case 6: {                                                       \
        K(0); K(1); K(2); K(3); K(4); K(5);                         \
        LOOP(T6);                                                   \
        break;                                                      \
    }                                                               \
    case 7: {                                                       \
        K(0); K(1); K(2); K(3); K(4); K(5); K(6);                   \
        LOOP(T7);                                                   \
        break;                                                      \
    }                                                               \
    case 8: {                                                       \
        K(0); K(1); K(2); K(3); K(4); K(5); K(6); K(7);             \
        LOOP(T8);                                                   \
        break;                                                      \
    }                                                               \
    case 9: {                                                       \
        K(0); K(1); K(2); K(3); K(4); K(5); K(6); K(7); K(8);       \
        LOOP(T9);                                                   \
        break;                                                      \
    }                                                               \
    case 10: {                                                      \
        K(0); K(1); K(2); K(3); K(4); K(5); K(6); K(7); K(8); K(9); \
        LOOP(T10);                                                  \
        break;                                                      \
    }                                                               \
    default:                                                        \
        comb_any(len, o, base, h, m, kv, a);                        \
        break;                                                      \
    }

/* o = base + h (s k0 + sum_j a[j] (kv[j] - k0)) over len components
   (base NULL: 0), for the continuous extension, whose rows of
   coefficients sum to s: the extra stages' arguments (s = their c) and
   the weights of each power of theta (s = 0 from theta^2 on).  High-order
   extensions have coefficients up to ~1e4 that cancel; summed over the
   K_j themselves their rounding, 1e4 eps |f|, would swamp a tight
   tolerance, while K_j - k0 is exact for nearby values (Sterbenz) and
   small, about |h f'| |f|. */
static void comb_dense(size_t len, double *restrict o, const double *restrict base,
                       double h, const double *restrict k0, const struct erk_op *op,
                       int par)
{
    const double *const *kv = op->kv[par];
    for (size_t i = 0; i < len; i++) {
        double k = k0[i], acc = 0.0;
        for (int j = 0; j < op->m; j++)
            acc += op->a[j][0] * (kv[j][i] - k);
        acc = h * (op->sum * k + acc);
        o[i] = base ? base[i] + acc : acc;
    }
}

/* o = base + h sum_j a[j] kv[j], or with base NULL o = h sum ..., one
   component at a time over the n components (len is the padded length,
   for comb_any); terms summed left to right, as comb_any does.  Called
   from one place (erk_step), so it is inlined there and the
   per-combination overhead is a jump. */
static inline void comb1(size_t n, size_t len, double *restrict o,
                         const double *restrict base, double h, int m,
                         const double *const *kv, const double (*a)[2])
{
    size_t i;

#define LOOP1(T)                                                    \
    do {                                                            \
        if (base)                                                   \
            for (i = 0; i < n; i++)                                 \
                o[i] = base[i] + h * T(i, 0);                       \
        else                                                        \
            for (i = 0; i < n; i++)                                 \
                o[i] = h * T(i, 0);                                 \
    } while (0)
    COMB_SWITCH(LOOP1)
#undef LOOP1
}

/* comb1 in pairs of components over the even length len. */
static inline void comb2(size_t len, double *restrict o, const double *restrict base,
                         double h, int m, const double *const *kv, const double (*a)[2])
{
    size_t i;

#define LOOP2(T)                                                    \
    do {                                                            \
        if (base)                                                   \
            for (i = 0; i < len; i += 2) {                          \
                o[i] = base[i] + h * T(i, 0);                       \
                o[i + 1] = base[i + 1] + h * T(i + 1, 1);           \
            }                                                       \
        else                                                        \
            for (i = 0; i < len; i += 2) {                          \
                o[i] = h * T(i, 0);                                 \
                o[i + 1] = h * T(i + 1, 1);                         \
            }                                                       \
    } while (0)
    COMB_SWITCH(LOOP2)
#undef LOOP2
}

#undef COMB_SWITCH
#undef K
#undef T1
#undef T2
#undef T3
#undef T4
#undef T5
#undef T6
#undef T7
#undef T8
#undef T9
#undef T10

/* Compiles "out = (base ? y : 0) + h coef . K" followed, when stage >= 0,
   by k[stage] = f(t + c h, out), for e->k as erk_init allocated it
   (kv[0]) and with k[0] swapped with k[last] (kv[1]), the two orders
   erk_accept alternates between.  Entries of kv and a past m are left
   unwritten: nothing reads them. */
static void op_set(const struct erk *e, struct erk_op *op, const double *coef, int count,
                   int out, bool base, int stage, double c)
{
    int last = e->fsal ? e->stages - 1 : e->stages, j, sw;

    op->m = 0;
    for (j = 0; j < count; j++)
        if (coef[j] != 0.0) {
            sw = j == 0 ? last : j == last ? 0 : j;
            op->kv[0][op->m] = e->k[j];
            op->kv[1][op->m] = e->k[sw];
            op->a[op->m][0] = coef[j];
            op->a[op->m][1] = coef[j];
            op->m++;
        }
    op->out = out;
    op->base = base;
    op->stage = stage;
    op->c = c;
}

/* op_set for comb_dense: the sum of coef[0 .. count), and the terms of
   K_1 .. only. */
static void dense_op_set(const struct erk *e, struct erk_op *op, const double *coef,
                         int count, bool base, int stage, double c)
{
    double rest[TAB_MAX_STAGES], sum = 0.0;
    int j;

    for (j = 0; j < count; j++) {
        sum += coef[j];
        rest[j] = j == 0 ? 0.0 : coef[j];
    }
    op_set(e, op, rest, count, ERK_YT, base, stage, c);
    op->sum = sum;
}

int erk_init(struct erk *e, const struct rk_tableau *tab,
             const struct ode_problem *prob, const double *p, bool estimate)
{
    size_t n = prob->n_states;
    int s = tab->stages, last = tab->fsal ? s - 1 : s, j, m;
    int nkv = tab_dense_stages(tab), nvec;
    bool two = estimate && tab->order_emb > 0 && tab->order_emb2 > 0;
    double diff[TAB_MAX_STAGES];
    double w[TAB_MAX_DEG][TAB_MAX_STAGES];
    double *v;

    memset(e, 0, sizeof *e);
    e->tab = tab;
    e->rhs = prob->rhs;
    e->ctx = prob->ctx;
    e->p = p;
    e->n = n;
    e->stages = s;
    e->fsal = tab->fsal;
    if (nkv < s + 1)
        nkv = s + 1;
    /* The stage vectors and y, y1, yt, ev (and ev2), each padded to an
       even length with a component that only the step writes, and only
       as a combination of these zeros.  +1 keeps calloc(0) away when
       n == 0. */
    e->len = n + (n & 1);
    e->pairs = n >= ERK_PAIRS_MIN;
    nvec = nkv + 4 + two;
    e->mem = calloc((size_t)nvec * e->len + 1, sizeof *e->mem);
    if (!e->mem)
        return ODE_ENOMEM;
    v = e->mem;
    for (j = 0; j < nkv; j++, v += e->len)
        e->k[j] = v;
    e->y = v;
    e->y1 = v + e->len;
    e->yt = v + 2 * e->len;
    e->ev = v + 3 * e->len;
    if (two)
        e->ev2 = v + 4 * e->len;
    /* At most: last - 1 stage arguments, the solution, two estimates,
       the extra stages and the weights. */
    e->ops = malloc((size_t)(last + 2 + tab->extra + TAB_MAX_DEG) * sizeof *e->ops);
    if (!e->ops) {
        free(e->mem);
        e->mem = NULL;
        return ODE_ENOMEM;
    }
    e->op = e->ops;

    /* Stage arguments, each followed by its stage. */
    for (j = 1; j < last; j++)
        op_set(e, &e->op[e->nop++], tab->a[j], j, ERK_YT, true, j, tab->c[j]);
    /* The solution; with FSAL followed by the last stage, f(t + h, y1). */
    op_set(e, &e->op[e->nop++], tab->b, s, ERK_Y1, true, tab->fsal ? s - 1 : -1, 1.0);
    if (estimate && tab->order_emb > 0) {
        for (j = 0; j < s; j++)
            diff[j] = tab->b[j] - tab->bemb[j];
        op_set(e, &e->op[e->nop++], diff, s, ERK_EV, false, -1, 0.0);
    }
    if (two) {
        for (j = 0; j < s; j++)
            diff[j] = tab->b[j] - tab->bemb2[j];
        op_set(e, &e->op[e->nop++], diff, s, ERK_EV2, false, -1, 0.0);
    }
    e->xop = e->op + e->nop;
    /* Extra stages of the continuous extension; without FSAL the first
       is f(t + h, y1), which erk_f1 computes from y1 itself.  They and
       the weights below are combined by comb_dense: K_0 apart. */
    for (j = tab->fsal ? s : s + 1; j < s + tab->extra; j++)
        dense_op_set(e, &e->xop[e->nxop++], tab->a[j], j, true, j, tab->c[j]);
    /* The continuous extension's weights, written to the caller's r. */
    e->dop = e->xop + e->nxop;
    e->deg = tab_dense_poly(tab, w);
    for (m = 0; m < e->deg; m++)
        dense_op_set(e, &e->dop[m], w[m], tab_dense_stages(tab), false, -1, 0.0);
    return 0;
}

void erk_free(struct erk *e)
{
    free(e->ops);
    e->ops = NULL;
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

/* The operations of a step from (t, y) with step h, each combination
   done by the statement COMB (on op, out, base, kv), each stage
   evaluated; on a failing right-hand side, records how many stages are
   known and returns its code.  One loop for each way of combining, so
   that neither tests the way per operation and each inlines its comb
   once. */
#define RUN_OPS(COMB)                                                       \
    do {                                                                    \
        for (i = 0; i < nop; i++) {                                         \
            const struct erk_op *op = &e->op[i];                            \
            double *out = buf[op->out];                                     \
            const double *base = op->base ? e->y : NULL;                    \
            const double *const *kv = op->kv[par];                          \
            COMB;                                                           \
            if (op->stage >= 0) {                                           \
                rc = e->rhs(e->ctx, t + op->c * h, out, e->p, e->k[op->stage]); \
                e->nfev++;                                                  \
                if (rc) {                                                   \
                    e->nk = op->stage + 1;                                  \
                    return rc;                                              \
                }                                                           \
            }                                                               \
        }                                                                   \
    } while (0)

int erk_step(struct erk *e, double t, double h)
{
    const size_t n = e->n, len = e->len;
    const int par = e->par, nop = e->nop;
    double *buf[4];
    int i, rc;

    e->f1_ok = false;
    e->xk_ok = false;
    e->nk = 0;
    rc = erk_f0(e, t);
    if (rc)
        return rc;
    buf[ERK_YT] = e->yt;
    buf[ERK_Y1] = e->y1;
    buf[ERK_EV] = e->ev;
    buf[ERK_EV2] = e->ev2;
    if (e->pairs)
        RUN_OPS(comb2(len, out, base, h, op->m, kv, op->a));
    else
        RUN_OPS(comb1(n, len, out, base, h, op->m, kv, op->a));
    e->nk = e->stages;
    e->f1_ok = e->fsal;
    return 0;
}

#undef RUN_OPS

/* Norm of the estimate v, scaled as erk_error says; NaN when v or y1 is
   not finite. */
static double est_norm(const struct erk *e, const double *v, double rtol, double atol,
                       const double *atol_vec, enum solve_norm norm)
{
    const size_t n = e->n;
    const double *y = e->y, *y1 = e->y1;
    double sum = 0.0, big = 0.0, inf = 0.0;
    size_t i;

    /* The scalar-atol RMS case is the hot one (every step of every
       default solve); the others share one general loop.  With the
       step's paired loops (which wrote v and y1 in pairs) components go
       in pairs here too, so the compiler pairs the divisions; the sums
       still run from i = 0 up, one term at a time. */
    if (!atol_vec && norm == NORM_RMS) {
        i = 0;
        if (e->pairs)
            for (; i + 1 < n; i += 2) {
                double a0 = fabs(y[i]), a1 = fabs(y1[i]);
                double b0 = fabs(y[i + 1]), b1 = fabs(y1[i + 1]);
                double q = v[i] / (atol + rtol * (a1 > a0 ? a1 : a0));
                double r = v[i + 1] / (atol + rtol * (b1 > b0 ? b1 : b0));
                sum += q * q;
                sum += r * r;
                inf += y1[i] * 0.0;
                inf += y1[i + 1] * 0.0;
            }
        for (; i < n; i++) {
            double a0 = fabs(y[i]), a1 = fabs(y1[i]);
            double q = v[i] / (atol + rtol * (a1 > a0 ? a1 : a0));
            sum += q * q;
            /* x*0 is NaN when x is Inf or NaN: flags a non-finite y1 even
               where the scale, grown infinite, would hide it. */
            inf += y1[i] * 0.0;
        }
        return n ? sqrt(sum / (double)n) + inf : inf;
    }
    for (i = 0; i < n; i++) {
        double a0 = fabs(y[i]), a1 = fabs(y1[i]);
        double sc = (atol_vec ? atol_vec[i] : atol) + rtol * (a1 > a0 ? a1 : a0);
        double q = v[i] / sc;
        sum += q * q;
        if (fabs(q) > big)
            big = fabs(q);
        /* The comparison drops a NaN q; q*0 carries it (and an infinite
           q) to the result. */
        inf += y1[i] * 0.0 + q * 0.0;
    }
    if (norm == NORM_MAX)
        return big + inf;
    return n ? sqrt(sum / (double)n) + inf : inf;
}

double erk_error(const struct erk *e, double rtol, double atol,
                 const double *atol_vec, enum solve_norm norm)
{
    double e1 = est_norm(e, e->ev, rtol, atol, atol_vec, norm), e2, deno;

    if (!e->ev2)
        return e1;
    /* DOP853: the 5th-order estimate e1 corrected by the 3rd-order e2,
       err = e1^2 / sqrt(e1^2 + 0.01 e2^2), which behaves like h^8 (HNW
       II.10).  Written with the norms, it is DOP853's
       |h| err5 / sqrt(n (err5 + 0.01 err3)) for the sums of squares. */
    e2 = est_norm(e, e->ev2, rtol, atol, atol_vec, norm);
    if (isinf(e1))
        return e1 + e2 * 0.0;
    deno = e1 * e1 + 0.01 * e2 * e2;
    if (deno == 0.0)
        return 0.0;
    return e1 * e1 / sqrt(deno);
}

long erk_worst_var(const struct erk *e, double rtol, double atol,
                   const double *atol_vec)
{
    long worst = -1;
    double qmax = -1.0;

    for (size_t i = 0; i < e->n; i++) {
        double a0 = fabs(e->y[i]), a1 = fabs(e->y1[i]);
        double sc = (atol_vec ? atol_vec[i] : atol) + rtol * (a1 > a0 ? a1 : a0);
        double q = fabs(e->ev[i]) / sc;
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
    e->xk_ok = false;
    if (e->f1_ok) {
        tmp = e->k[0];
        e->k[0] = e->k[last];
        e->k[last] = tmp;
        e->par ^= 1;
    }
    e->f1_ok = false;
}

int erk_dense(struct erk *e, double t, double h, double *r)
{
    const size_t len = e->len;
    const int par = e->par;
    int i, m, rc;

    if (!e->fsal) {
        rc = erk_f1(e, t + h);
        if (rc)
            return rc;
    }
    if (!e->xk_ok) {
        for (i = 0; i < e->nxop; i++) {
            const struct erk_op *x = &e->xop[i];
            comb_dense(len, e->yt, e->y, h, e->k[0], x, par);
            rc = e->rhs(e->ctx, t + x->c * h, e->yt, e->p, e->k[x->stage]);
            e->nfev++;
            if (rc)
                return rc;
        }
        e->xk_ok = true;
    }
    for (m = 0; m < e->deg; m++) {
        comb_dense(len, r + (size_t)m * len, NULL, h, e->k[0], &e->dop[m], par);
    }
    return 0;
}

long erk_first_nonfinite(const double *v, size_t n)
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
        var = erk_first_nonfinite(e->k[s], e->n);
        if (var >= 0)
            return var;
    }
    if (!e->fsal && e->f1_ok) {
        var = erk_first_nonfinite(e->k[e->stages], e->n);
        if (var >= 0)
            return var;
    }
    *in_state = true;
    return erk_first_nonfinite(e->y1, e->n);
}

/* Hairer's stiffness test (his codes DOPRI5 and DOP853; HNW I, IV.2):
   |h lambda| ~ |h| ||k_s - k_{s-1}|| / ||y1 - Y_{s-1}|| from the last two
   stages, both at c = 1, compared with where the stability domain meets
   the real axis; stiff after this many positive tests in a row, the
   counter cleared after ERK_NONSTIFF negative ones. */
#define ERK_STIFF_TESTS 15
#define ERK_NONSTIFF 6
/* Test every this many accepted steps (Hairer's NSTIFF default), and at
   every step once a test was positive. */
#define ERK_STIFF_EVERY 1000

/* The engine behind the stepper interface.  The dense output is built at
   most once per attempt, on the first point asked for. */
struct erk_stepper {
    struct erk e;
    struct dense d;
    bool built;
    int stiff_every;        /* 0: no stiffness test */
    double stiff_frac;      /* positive when |h lambda| > stiff_frac * stiff_bound */
    double *ys;             /* without FSAL: stage s-2's argument, rebuilt */
    long naccept;
    double hlamb;           /* |h lambda| of the last attempt; NaN: not measured */
    int iasti, nonsti;      /* positive tests in a row, negative since */
    /* rkqs (erk_rkqs): |h| of the last attempt, and the step proposed
       after the last accepted one (0 before the first), which scales the
       error of every attempt until the next acceptance. */
    double h_try, h_scale;
};

static struct erk_stepper *es_of(struct stepper *s)
{
    return s->impl;
}

/* The engine swaps y and y1 on accept and counts its own calls. */
static void es_sync(struct stepper *s)
{
    struct erk *e = &es_of(s)->e;
    s->y = e->y;
    s->y1 = e->y1;
    s->st.nfev = e->nfev;
}

static void es_destroy(struct stepper *s)
{
    struct erk_stepper *es = es_of(s);
    if (!es)
        return;
    dense_free(&es->d);
    erk_free(&es->e);
    free(es->ys);
    free(es);
    s->impl = NULL;
}

static int es_begin(struct stepper *s, double t, bool after_stop, double dir)
{
    struct erk *e = &es_of(s)->e;
    int rc;

    if (e->f0_ok)
        return 0;
    rc = erk_f0(e, after_stop ? nextafter(t, dir * INFINITY) : t);
    es_sync(s);
    if (rc < 0)
        return ODE_ERHS;
    if (rc > 0 || erk_first_nonfinite(e->k[0], e->n) >= 0) {
        e->f0_ok = false;
        return STEP_RHS;
    }
    return 0;
}

static int es_initial_step(struct stepper *s, double t0, double dir, double hmax, double *h)
{
    struct erk *e = &es_of(s)->e;
    struct stepper_stats st = { 0 };
    int rc = stepper_initial_step(s->cfg, &st, t0, e->y, e->k[0], dir, hmax,
                                  tab_err_order(e->tab), e->yt, e->k[1], h);
    e->nfev += st.nfev;
    es_sync(s);
    return rc < 0 ? ODE_ERHS : rc > 0 ? STEP_RHS : 0;
}

static int es_step(struct stepper *s, double t, double h, bool dense)
{
    struct erk_stepper *es = es_of(s);
    struct erk *e = &es->e;
    int rc = erk_step(e, t, h);

    es->h_try = fabs(h);
    es->built = false;
    es->hlamb = NAN;
    /* Without FSAL the interpolant needs f(t+h, y1): a failure there
       rejects the step rather than the save point. */
    if (rc == 0 && !e->fsal && dense) {
        rc = erk_f1(e, t + h);
        if (rc == 0 && erk_first_nonfinite(erk_f1_vec(e), e->n) >= 0)
            rc = 1;
    }
    es_sync(s);
    if (rc < 0)
        return ODE_ERHS;
    if (rc > 0)
        return STEP_RHS;
    /* A fixed step is not judged by an error norm, which would catch a
       non-finite y1. */
    if (!s->cfg->adaptive &&
        (!erk_finite(e) || (e->fsal && erk_first_nonfinite(erk_f1_vec(e), e->n) >= 0)))
        return STEP_RHS;
    /* The last two stages' arguments: with FSAL y1 and yt (stage s-2's,
       before the dense output's extra stages overwrite it); without, yt
       holds stage s-1's and stage s-2's is rebuilt from its row of a.
       An attempt that is not tested leaves no |h lambda|, so that accept
       counts only the tests made. */
    es->hlamb = NAN;
    if (es->stiff_every > 0 && (es->naccept % es->stiff_every == 0 || es->iasti > 0)) {
        const int sa = e->stages - 1, sb = e->stages - 2;
        const double *ka = e->k[sa], *kb = e->k[sb], *ya = e->y1, *yb = e->yt;
        double num = 0.0, den = 0.0;
        if (!e->fsal) {
            const double *row = e->tab->a[sb];
            for (size_t i = 0; i < e->n; i++) {
                double sum = 0.0;
                for (int j = 0; j < sb; j++)
                    sum += row[j] * e->k[j][i];
                es->ys[i] = e->y[i] + h * sum;
            }
            ya = e->yt;
            yb = es->ys;
        }
        for (size_t i = 0; i < e->n; i++) {
            num += (ka[i] - kb[i]) * (ka[i] - kb[i]);
            den += (ya[i] - yb[i]) * (ya[i] - yb[i]);
        }
        if (den > 0.0)
            es->hlamb = fabs(h) * sqrt(num / den);
    }
    return 0;
}

static double es_error(struct stepper *s)
{
    const struct stepper_cfg *c = s->cfg;
    return erk_error(&es_of(s)->e, c->rtol, c->atol, c->atol_vec, c->norm);
}

static long es_worst_var(struct stepper *s)
{
    const struct stepper_cfg *c = s->cfg;
    return erk_worst_var(&es_of(s)->e, c->rtol, c->atol, c->atol_vec);
}

static long es_bad_var(struct stepper *s, bool *in_state)
{
    return erk_bad_var(&es_of(s)->e, in_state);
}

static int es_dense(struct stepper *s, double t, double h, double theta, double *out)
{
    struct erk_stepper *es = es_of(s);

    if (!es->built) {
        int rc = dense_build_erk(&es->d, &es->e, t, h);
        es_sync(s);
        if (rc)
            return rc < 0 ? ODE_ERHS : STEP_RHS;
        es->built = true;
    }
    dense_eval(&es->d, theta, out);
    return 0;
}

static void es_accept(struct stepper *s, double t, double h)
{
    struct erk_stepper *es = es_of(s);

    if (!isnan(es->hlamb)) {
        if (es->hlamb > es->stiff_frac * es->e.tab->stiff_bound) {
            es->nonsti = 0;
            if (++es->iasti == ERK_STIFF_TESTS && isnan(s->st.stiff_t)) {
                s->st.stiff_t = t + h;
                s->st.stiff_hlamb = es->hlamb;
            }
        } else if (++es->nonsti == ERK_NONSTIFF) {
            es->iasti = 0;
        }
    }
    es->naccept++;
    erk_accept(&es->e);
    es->built = false;
    es_sync(s);
}

static void es_reset(struct stepper *s)
{
    struct erk_stepper *es = es_of(s);
    es->e.f0_ok = false;
    es->iasti = 0;
    es->nonsti = 0;
}

static const struct stepper_ops erk_stepper_ops = {
    .destroy = es_destroy,
    .begin = es_begin,
    .initial_step = es_initial_step,
    .step = es_step,
    .error = es_error,
    .worst_var = es_worst_var,
    .bad_var = es_bad_var,
    .dense = es_dense,
    .accept = es_accept,
    .reset = es_reset,
    .next_step = NULL,
};

/* Press, Teukolsky, Vetterling & Flannery, "Numerical Recipes in C", 2nd
   ed., 16.2 (odeint, rkqs), the step control XPPAUT's qualrk runs on the
   Cash-Karp pair: the error of component i is scaled by
   |y_i| + |h f_i(t, y)| (+ 1e-30, so a zero component divides nothing),
   h the step proposed before the attempt, and the largest of those,
   divided by rtol, must not exceed 1 (atol is not used).  A rejected step
   shrinks by 0.9 err^(-1/4), at most tenfold; an accepted one proposes
   0.9 err^(-1/5) times itself, at most five times (err below 1.89e-4). */
#define RKQS_SAFETY 0.9
#define RKQS_TINY 1e-30
#define RKQS_PSHRINK (-0.25)
#define RKQS_PGROW (-0.2)
#define RKQS_SHRINK_MIN 0.1
#define RKQS_ERRCON 1.89e-4
#define RKQS_GROW_MAX 5.0
/* After non-finite stage values there is no error to scale by. */
#define RKQS_NONFINITE_SHRINK 0.25

static double es_rkqs_error(struct stepper *s)
{
    const struct erk_stepper *es = es_of(s);
    const struct erk *e = &es->e;
    const double h = es->h_scale > 0 ? es->h_scale : es->h_try;
    double big = 0.0, inf = 0.0;

    for (size_t i = 0; i < e->n; i++) {
        double q = fabs(e->ev[i]) / (fabs(e->y[i]) + fabs(h * e->k[0][i]) + RKQS_TINY);
        if (q > big)
            big = q;
        /* As in est_norm: NaN or Inf in y1 or q reaches the result. */
        inf += e->y1[i] * 0.0 + q * 0.0;
    }
    return big / s->cfg->rtol + inf;
}

static double es_rkqs_next(struct stepper *s, double h, double err, bool accepted, int fail)
{
    struct erk_stepper *es = es_of(s);
    double fac;

    if (fail || !isfinite(err))
        return RKQS_NONFINITE_SHRINK * h;
    if (!accepted) {
        fac = RKQS_SAFETY * pow(err, RKQS_PSHRINK);
        return (fac > RKQS_SHRINK_MIN ? fac : RKQS_SHRINK_MIN) * h;
    }
    fac = err > RKQS_ERRCON ? RKQS_SAFETY * pow(err, RKQS_PGROW) : RKQS_GROW_MAX;
    es->h_scale = fac * h;
    return es->h_scale;
}

static const struct stepper_ops erk_rkqs_ops = {
    .destroy = es_destroy,
    .begin = es_begin,
    .initial_step = es_initial_step,
    .step = es_step,
    .error = es_rkqs_error,
    .worst_var = es_worst_var,
    .bad_var = es_bad_var,
    .dense = es_dense,
    .accept = es_accept,
    .reset = es_reset,
    .next_step = es_rkqs_next,
};

static int rkqs_create(struct stepper *s, const struct stepper_method *m,
                       const struct stepper_cfg *cfg)
{
    struct stepper_method ck = *m;
    int rc;

    ck.data = tab_find("cashkarp");
    if (!ck.data)
        return ODE_EINVAL;
    rc = erk_stepper_create(s, &ck, cfg);
    if (rc == 0 && cfg->adaptive)
        s->ops = &erk_rkqs_ops;
    return rc;
}

const struct stepper_method erk_rkqs = {
    .name = "rkqs",
    .desc = "Cash-Karp 5(4), error relative to |y|+|h f| (rtol, max norm), "
            "Numerical Recipes' step rule (XPPAUT qualrk)",
    .family = FAM_EXPLICIT, .order = 5, .order_emb = 4, .needs_jac = false,
    .create = rkqs_create,
};

int erk_stepper_create(struct stepper *s, const struct stepper_method *m,
                       const struct stepper_cfg *cfg)
{
    struct erk_stepper *es = calloc(1, sizeof *es);
    int rc;

    if (!es)
        return ODE_ENOMEM;
    s->impl = es;
    s->ops = &erk_stepper_ops;
    es->hlamb = NAN;
    es->stiff_frac = 1.0;
    es->stiff_every = ((const struct rk_tableau *)m->data)->stiff_bound > 0 ? ERK_STIFF_EVERY : 0;
    rc = erk_init(&es->e, m->data, cfg->prob, cfg->p, cfg->adaptive);
    if (rc == 0)
        rc = dense_init(&es->d, s->n);
    if (rc == 0 && es->stiff_every > 0 && !es->e.fsal) {
        es->ys = calloc(s->n + 1, sizeof *es->ys);
        if (!es->ys)
            rc = ODE_ENOMEM;
    }
    if (rc) {
        es_destroy(s);
        return rc;
    }
    es_sync(s);
    return 0;
}

void erk_stepper_stiff_every(struct stepper *s, int every, double fraction)
{
    struct erk_stepper *es = es_of(s);
    if (es->e.tab->stiff_bound > 0) {
        es->stiff_every = every;
        es->stiff_frac = fraction;
    }
}

bool erk_stepper_stiff_after(const struct stepper *s, double *hlamb)
{
    const struct erk_stepper *es = s->impl;
    *hlamb = es->hlamb;
    return !isnan(es->hlamb) && es->hlamb > es->stiff_frac * es->e.tab->stiff_bound &&
           es->iasti + 1 >= ERK_STIFF_TESTS;
}
