/* check_irk.c - radau5 (solver/irk.c): its coefficients, observed orders
 * (nonstiff and with the stiff order reduction on Prothero-Robinson),
 * dense output, accuracy on the IVP test set problems against their
 * references, bounded work on Robertson and Van der Pol, reuse of J and
 * of the factorisations, failures. */
#include "irk.h"

#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "solve.h"
#include "testbench.h"

#define MAXN 8

/* ---- problems: right-hand side, dense Jacobian, structural entries ---- */

struct entry {
    int i, j;
};

/* A test problem: f, a dense J (row-major n x n) and the list of
   structural nonzeros, from which the CSC pattern is built. */
struct tprob {
    const char *name;
    size_t n;
    double t0, t1;
    double y0[MAXN];
    double eta;                      /* atol = eta rtol (bench convention) */
    double ref[MAXN];                /* y(t1), NAN when not used */
    ode_rhs_fn f;
    void (*dj)(double t, const double *y, const double *p, double *J);
    const struct entry *ent;
    size_t nent;
    /* built by tp_problem */
    size_t colptr[MAXN + 1];
    size_t rowind[MAXN * MAXN];
};

/* Gathers the dense J into the pattern's order. */
static int tp_jac(void *ctx, double t, const double *y, const double *p, double *val)
{
    const struct tprob *tp = ctx;
    double J[MAXN * MAXN];

    tp->dj(t, y, p, J);
    for (size_t j = 0; j < tp->n; j++)
        for (size_t k = tp->colptr[j]; k < tp->colptr[j + 1]; k++)
            val[k] = J[tp->rowind[k] * tp->n + j];
    return 0;
}

static struct ode_problem tp_problem(struct tprob *tp, bool exact)
{
    struct ode_problem prob;
    size_t nnz = 0;

    memset(&prob, 0, sizeof prob);
    prob.n_states = tp->n;
    prob.rhs = tp->f;
    prob.ctx = tp;
    tp->colptr[0] = 0;
    for (size_t j = 0; j < tp->n; j++) {
        for (size_t i = 0; i < tp->n; i++)
            for (size_t e = 0; e < tp->nent; e++)
                if ((size_t)tp->ent[e].i == i && (size_t)tp->ent[e].j == j) {
                    tp->rowind[nnz++] = i;
                    break;
                }
        tp->colptr[j + 1] = nnz;
    }
    prob.jac_pattern.nnz = nnz;
    prob.jac_pattern.colptr = tp->colptr;
    prob.jac_pattern.rowind = tp->rowind;
    prob.jac = exact ? tp_jac : NULL;
    return prob;
}

/* ---- solves through solve_run ---- */

struct run {
    int rc;                      /* solve_run's code */
    long steps, rejected;
    struct solve_stats st;
    struct solve_failure fail;
    double y[MAXN];              /* state at t1 (or where it stopped) */
};

/* Collects the rows of SAVE_AT into yout and keeps the last one. */
struct rows {
    size_t n, k, cap;
    double *yout;
    double last[MAXN];
};

static int rows_row(void *ctx, double t, const double *y)
{
    struct rows *r = ctx;

    (void)t;
    if (r->yout && r->k < r->cap)
        memcpy(r->yout + r->k * r->n, y, r->n * sizeof *y);
    r->k++;
    memcpy(r->last, y, r->n * sizeof *y);
    return 0;
}

/* How drive forms J (JAC_FD: finite differences even with an exact J)
   and which linear solver it asks for. */
static enum jac_mode drive_jac = JAC_AUTO;
static enum ls_kind drive_ls = LS_AUTO;

/* Integrates prob with radau5 from t0 to t1, adaptively at (rtol, atol)
   or with the fixed step `hfix` (> 0), writing the solution at
   tout[0..nout-1] (in (t0, t1], by dense output) into yout (nout x n). */
static struct run drive(const struct ode_problem *prob, const double *y0, double t0, double t1,
                        double rtol, double atol, double hfix, const double *tout, size_t nout,
                        double *yout)
{
    struct solve_opts o;
    struct rows rw = { .n = prob->n_states, .cap = nout, .yout = yout };
    struct solve_sink sink = { .row = rows_row, .ctx = &rw };
    struct run r;

    memset(&r, 0, sizeof r);
    solve_opts_default(&o);
    o.method = "radau5";
    o.t0 = t0;
    o.t1 = t1;
    o.rtol = rtol;
    o.atol = atol;
    o.jacobian = drive_jac;
    o.linsolve = drive_ls;
    if (hfix > 0) {
        o.controller = CTL_CONSTANT;
        o.dt = hfix;
    }
    if (nout) {
        o.save = SAVE_AT;
        o.save_at = tout;
        o.n_save_at = nout;
    } else {
        o.save = SAVE_FINAL;
    }
    r.rc = solve_run(prob, NULL, y0, &o, &sink, NULL, &r.st, &r.fail);
    r.steps = r.st.steps;
    r.rejected = r.st.rejected;
    memcpy(r.y, rw.last, prob->n_states * sizeof *r.y);
    return r;
}

/* ---- coefficients ---- */

START_TEST(irk_coefficients_are_radau_iia_and_transform)
{
    const struct irk_coeffs *k = irk_radau5.data;
    double ai[3][3], l[3][3], det;
    const double *a = &k->a[0][0];

    /* Row sums give c; stiffly accurate b = a[2]; B(5): sum b c^(q-1) = 1/q. */
    for (int i = 0; i < 3; i++)
        ck_assert_double_eq_tol(k->a[i][0] + k->a[i][1] + k->a[i][2], k->c[i], 1e-15);
    for (int q = 1; q <= 5; q++) {
        double sum = 0;
        for (int j = 0; j < 3; j++)
            sum += k->a[2][j] * pow(k->c[j], q - 1);
        ck_assert_double_eq_tol(sum, 1.0 / q, 1e-15);
    }
    /* C(3): sum_j a_ij c_j^(q-1) = c_i^q / q (stage order 3). */
    for (int i = 0; i < 3; i++)
        for (int q = 1; q <= 3; q++) {
            double sum = 0;
            for (int j = 0; j < 3; j++)
                sum += k->a[i][j] * pow(k->c[j], q - 1);
            ck_assert_double_eq_tol(sum, pow(k->c[i], q) / q, 1e-15);
        }
    /* A^-1 by cofactors, then T^-1 A^-1 T = diag(gamma, [alpha -beta; beta alpha]). */
    det = a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) +
          a[2] * (a[3] * a[7] - a[4] * a[6]);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            int r0 = (j + 1) % 3, r1 = (j + 2) % 3, c0 = (i + 1) % 3, c1 = (i + 2) % 3;
            ai[i][j] = (k->a[r0][c0] * k->a[r1][c1] - k->a[r0][c1] * k->a[r1][c0]) / det;
        }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double sum = 0;
            for (int p = 0; p < 3; p++)
                for (int q = 0; q < 3; q++)
                    sum += k->ti[i][p] * ai[p][q] * k->t[q][j];
            l[i][j] = sum;
        }
    const double want[3][3] = { { k->gamma, 0, 0 }, { 0, k->alpha, -k->beta },
                                { 0, k->beta, k->alpha } };
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            ck_assert_double_eq_tol(l[i][j], want[i][j], 1e-13);
    /* T^-1 T = I. */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double sum = 0;
            for (int p = 0; p < 3; p++)
                sum += k->ti[i][p] * k->t[p][j];
            ck_assert_double_eq_tol(sum, i == j, 1e-15);
        }
}
END_TEST

START_TEST(irk_radau5_is_registered)
{
    struct stepper_method m;

    ck_assert(stepper_find("RADAU5", &m));
    ck_assert_str_eq(m.name, "radau5");
    ck_assert_int_eq(m.family, FAM_IMPLICIT_RK);
    ck_assert(m.needs_jac);
    ck_assert_int_eq(m.order, 5);
    ck_assert(stepper_adaptive(&m));
}
END_TEST

/* ---- observed orders ---- */

/* x' = v, v' = -x: y(t) = (cos t, -sin t). */
static int osc_f(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx, (void)t, (void)p;
    f[0] = y[1];
    f[1] = -y[0];
    return 0;
}
static void osc_j(double t, const double *y, const double *p, double *J)
{
    (void)t, (void)y, (void)p;
    J[0] = 0, J[1] = 1, J[2] = -1, J[3] = 0;
}
static const struct entry osc_e[] = { { 0, 1 }, { 1, 0 } };

/* Prothero & Robinson (1974): y' = lambda (y - g(t)) + g'(t), g = sin,
   y = sin t for y(0) = 0, stiff for lambda << -1. */
static double pr_lambda = -1e5;
static int pr_f(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx, (void)p;
    f[0] = pr_lambda * (y[0] - sin(t)) + cos(t);
    return 0;
}
static void pr_j(double t, const double *y, const double *p, double *J)
{
    (void)t, (void)y, (void)p;
    J[0] = pr_lambda;
}
static const struct entry pr_e[] = { { 0, 0 } };

/* Observed order between fixed steps h and h/2: log2(e(h) / e(h/2)). */
static double fixed_err(struct tprob *tp, int nsteps, double (*exact)(double t, size_t i))
{
    struct ode_problem prob = tp_problem(tp, true);
    double h = (tp->t1 - tp->t0) / nsteps, e = 0;
    struct run r = drive(&prob, tp->y0, tp->t0, tp->t1, 1e-13, 1e-13, h, NULL, 0, NULL);

    ck_assert_int_eq(r.rc, 0);
    ck_assert_int_eq(r.steps, nsteps);
    for (size_t i = 0; i < tp->n; i++)
        e = fmax(e, fabs(r.y[i] - exact(tp->t1, i)));
    return e;
}

static double osc_exact(double t, size_t i)
{
    return i == 0 ? cos(t) : -sin(t);
}

static double pr_exact(double t, size_t i)
{
    (void)i;
    return sin(t);
}

START_TEST(irk_order_5_on_a_linear_problem)
{
    struct tprob tp = { .name = "osc", .n = 2, .t1 = 10, .y0 = { 1, 0 },
                        .f = osc_f, .dj = osc_j, .ent = osc_e, .nent = 2 };
    double e[4];

    for (int k = 0; k < 4; k++)
        e[k] = fixed_err(&tp, 20 << k, osc_exact);
    for (int k = 0; k < 3; k++) {
        double q = log2(e[k] / e[k + 1]);
        ck_assert_double_ge(q, 4.8);
        ck_assert_double_le(q, 5.3);
    }
}
END_TEST

START_TEST(irk_order_reduction_on_prothero_robinson)
{
    struct tprob tp = { .name = "pr", .n = 1, .t1 = 1, .y0 = { 0 },
                        .f = pr_f, .dj = pr_j, .ent = pr_e, .nent = 1 };
    double e[4];

    for (int k = 0; k < 4; k++)
        e[k] = fixed_err(&tp, 10 << k, pr_exact);
    for (int k = 0; k < 3; k++) {
        double q = log2(e[k] / e[k + 1]);
        /* Stiff: the local error is e_3^T A^-1 delta / (h lambda) with
           delta = O(h^4) the stage quadrature error (stage order 3), so
           the error is O(h^3 / |lambda|), not O(h^5) (HW IV.15). */
        ck_assert_double_ge(q, 2.8);
        ck_assert_double_le(q, 3.2);
    }
    /* The same problem with lambda = -1 (not stiff) shows the full order. */
    pr_lambda = -1.0;
    for (int k = 0; k < 4; k++)
        e[k] = fixed_err(&tp, 5 << k, pr_exact);
    pr_lambda = -1e5;
    for (int k = 0; k < 3; k++) {
        double q = log2(e[k] / e[k + 1]);
        ck_assert_double_ge(q, 4.7);
        ck_assert_double_le(q, 5.3);
    }
}
END_TEST

/* ---- bench problems ---- */

/* Accuracy against the test set's references at atol = eta rtol (the
   bench's settings).  radau5 works to 0.1 rtol^(2/3) (irk.c), and its
   global error follows that to the power 5/4, i.e. rtol^(5/6): measured
   err / rtol is 0.02-0.3 on rober and vdp, 0.3-20 on hires (whose
   components are 1e-3 against eta = 1e-4) and 0.2-5 on orego over rtol
   1e-4..1e-10.  The error must also fall as rtol does. */
START_TEST(irk_bench_problems_meet_their_references)
{
    const char *names[] = { "rober", "vdp", "hires", "orego" };
    const double tols[] = { 1e-4, 1e-6, 1e-8, 1e-10 };

    for (int p = 0; p < 4; p++) {
        double prev = INFINITY;
        for (int q = 0; q < 4; q++) {
            const struct tb_problem *tp = tb_get(names[p], 1);
            struct run r = drive(&tp->prob, tp->y0, tp->t0, tp->t1, tols[q], tp->eta * tols[q],
                                 0, NULL, 0, NULL);
            double e = tb_error(tp, r.y);
            ck_assert_int_eq(r.rc, 0);
            ck_assert_msg(e <= 50 * tols[q], "%s rtol %g: err %g", tp->name, tols[q], e);
            ck_assert_msg(e < prev / 5, "%s rtol %g: err %g after %g", tp->name, tols[q], e,
                          prev);
            prev = e;
        }
    }
}
END_TEST

/* Robertson to t = 1e11 and Van der Pol with mu = 1e3 at rtol 1e-6 in a
   few hundred steps (measured: 297 and 478; CVODE BDF takes 1217 and
   1531, scipy's Radau 546 and 874), with one Jacobian evaluation and
   one factorisation per step at most, and fewer Newton iterations than
   3 per step. */
START_TEST(irk_stiff_step_counts_are_bounded)
{
    const struct tb_problem *rober = tb_get("rober", 1);
    struct run r = drive(&rober->prob, rober->y0, 0, rober->t1, 1e-6, 1e-16, 0, NULL, 0, NULL);
    const struct tb_problem *vdp = tb_get("vdp", 1);
    struct run v = drive(&vdp->prob, vdp->y0, 0, vdp->t1, 1e-6, 1e-6, 0, NULL, 0, NULL);

    ck_assert_int_eq(r.rc, 0);
    ck_assert_int_eq(v.rc, 0);
    ck_assert_int_lt(r.steps, 400);
    ck_assert_int_lt(v.steps, 600);
    ck_assert_int_lt(r.rejected, 10);
    ck_assert_int_lt(v.rejected, 30);
    ck_assert_int_lt(r.st.nlu, r.steps + r.rejected);
    ck_assert_int_lt(v.st.nlu, v.steps + v.rejected);
    ck_assert_int_lt(r.st.njev, r.steps);
    ck_assert_int_lt(v.st.njev, v.steps);
    ck_assert_int_lt(r.st.nnewton, 3 * (r.steps + r.rejected));
    ck_assert_int_lt(v.st.nnewton, 3 * (v.steps + v.rejected));
    /* Two solves (real and complex) per iteration, one or two per estimate. */
    ck_assert_int_ge(r.st.nsolve, 2 * r.st.nnewton + r.steps);
    ck_assert_int_le(r.st.nsolve, 2 * r.st.nnewton + 2 * (r.steps + r.rejected));
}
END_TEST

/* Dense output at fixed steps h: the largest error at the midpoints. */
static double dense_mid_err(int nsteps)
{
    struct tprob tp = { .name = "osc", .n = 2, .t1 = 10, .y0 = { 1, 0 },
                        .f = osc_f, .dj = osc_j, .ent = osc_e, .nent = 2 };
    struct ode_problem prob = tp_problem(&tp, true);
    double h = 10.0 / nsteps, tout[1024], yout[2048], e = 0;

    for (int i = 0; i < nsteps; i++)
        tout[i] = (i + 0.5) * h;
    struct run r = drive(&prob, tp.y0, 0, 10, 1e-13, 1e-13, h, tout, nsteps, yout);
    ck_assert_int_eq(r.rc, 0);
    for (int i = 0; i < nsteps; i++)
        for (int j = 0; j < 2; j++)
            e = fmax(e, fabs(yout[2 * i + j] - osc_exact(tout[i], j)));
    return e;
}

START_TEST(irk_dense_output_order_and_accuracy)
{
    double e[4];

    for (int k = 0; k < 4; k++)
        e[k] = dense_mid_err(20 << k);
    for (int k = 0; k < 3; k++) {
        double q = log2(e[k] / e[k + 1]);
        /* The collocation polynomial is exact at the nodes and off by
           O(h^4) between them (HW IV.8: u(x0 + theta h) - y = O(h^(s+1))),
           while the step's end is of order 5. */
        ck_assert_double_ge(q, 3.8);
        ck_assert_double_le(q, 4.6);
    }
    /* Adaptive: between the steps the error is that of the estimate, of
       order 4 like the interpolant, so it follows the tolerance radau5
       works to, 0.1 rtol^(2/3) (irk.c), not rtol itself. */
    struct tprob tp = { .name = "osc", .n = 2, .t1 = 10, .y0 = { 1, 0 },
                        .f = osc_f, .dj = osc_j, .ent = osc_e, .nent = 2 };
    struct ode_problem prob = tp_problem(&tp, true);
    double tout[500], yout[1000], emax = 0;
    for (int i = 0; i < 500; i++)
        tout[i] = 10.0 * (i + 1) / 500;
    for (int q = 0; q < 2; q++) {
        double rtol = q ? 1e-9 : 1e-6;
        struct run r = drive(&prob, tp.y0, 0, 10, rtol, rtol, 0, tout, 500, yout);
        ck_assert_int_eq(r.rc, 0);
        ck_assert_int_lt(r.steps, 500);
        emax = 0;
        for (int i = 0; i < 500; i++)
            for (int j = 0; j < 2; j++)
                emax = fmax(emax, fabs(yout[2 * i + j] - osc_exact(tout[i], j)));
        ck_assert_double_le(emax, 0.1 * pow(rtol, 2.0 / 3.0));
        /* The last point is t1 itself: the step's end. */
        ck_assert_double_eq_tol(yout[998], r.y[0], 1e-15);
    }
}
END_TEST

/* y' = M y with M = S diag(-1, -1e3, -1e6) S^-1, S = [1 1 1; 0 1 1; 0 0 1]:
   y = S (e^-t, e^-1e3t, e^-1e6t) for y0 = (3, 2, 1). */
static int lin3_f(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx, (void)t, (void)p;
    /* M = S D S^-1 with S^-1 = [1 -1 0; 0 1 -1; 0 0 1]. */
    const double d1 = -1, d2 = -1e3, d3 = -1e6;
    f[0] = d1 * y[0] + (d2 - d1) * y[1] + (d3 - d2) * y[2];
    f[1] = d2 * y[1] + (d3 - d2) * y[2];
    f[2] = d3 * y[2];
    return 0;
}
static void lin3_j(double t, const double *y, const double *p, double *J)
{
    (void)t, (void)y, (void)p;
    const double d1 = -1, d2 = -1e3, d3 = -1e6;
    const double m[9] = { d1, d2 - d1, d3 - d2, 0, d2, d3 - d2, 0, 0, d3 };
    memcpy(J, m, sizeof m);
}
static const struct entry lin3_e[] = { { 0, 0 }, { 0, 1 }, { 0, 2 }, { 1, 1 }, { 1, 2 }, { 2, 2 } };

static double lin3_exact(double t, size_t i)
{
    double e1 = exp(-t), e2 = exp(-1e3 * t), e3 = exp(-1e6 * t);
    return i == 0 ? e1 + e2 + e3 : i == 1 ? e2 + e3 : e3;
}

START_TEST(irk_exact_stiff_linear_system)
{
    struct tprob tp = { .name = "lin3", .n = 3, .t1 = 10, .y0 = { 3, 2, 1 },
                        .f = lin3_f, .dj = lin3_j, .ent = lin3_e, .nent = 6 };
    struct ode_problem prob = tp_problem(&tp, true);
    double tout[60], yout[180];

    /* Log-spaced output through all three time scales. */
    for (int i = 0; i < 60; i++)
        tout[i] = 1e-7 * pow(10.0, 8.0 * (i + 1) / 60);
    /* Exact J, finite differences, and the band and sparse (KLU, real and
       complex) solvers. */
    for (int m = 0; m < 4; m++) {
        drive_jac = m == 1 ? JAC_FD : JAC_AUTO;
        drive_ls = m == 2 ? LS_BAND : m == 3 ? LS_SPARSE : LS_AUTO;
        struct run r = drive(&prob, tp.y0, 0, 10, 1e-8, 1e-12, 0, tout, 60, yout);
        drive_jac = JAC_AUTO;
        drive_ls = LS_AUTO;
        ck_assert_int_eq(r.rc, 0);
        ck_assert_str_eq(r.st.linsolve, m == 2 ? "band" : m == 3 ? "sparse" : "dense");
        /* Each time scale resolved to 1e-8 takes about 120 steps
           (measured 377 in all); the exact J of a linear problem makes
           simplified Newton converge at once, so it is evaluated once and
           factorisations are only redone when h changes by more than 20%
           (measured 53). */
        ck_assert_int_lt(r.steps, 450);
        ck_assert_int_lt(r.st.nlu, r.steps / 4);
        if (m != 1)
            ck_assert_int_eq(r.st.njev, 1);
        for (size_t j = 0; j < 3; j++)
            ck_assert_double_eq_tol(r.y[j], lin3_exact(10, j), 1e-10);
        for (int i = 0; i < 60; i++)
            for (size_t j = 0; j < 3; j++)
                ck_assert_msg(fabs(yout[3 * i + j] - lin3_exact(tout[i], j)) <=
                                  1e-6 * fabs(lin3_exact(tout[i], j)) + 1e-9,
                              "t %g y%zu %.17g exact %.17g", tout[i], j, yout[3 * i + j],
                              lin3_exact(tout[i], j));
    }
}
END_TEST

START_TEST(irk_integrates_backwards)
{
    struct tprob tp = { .name = "osc", .n = 2, .t0 = 10, .y0 = { 0 },
                        .f = osc_f, .dj = osc_j, .ent = osc_e, .nent = 2 };
    struct ode_problem prob = tp_problem(&tp, true);

    tp.y0[0] = cos(10.0), tp.y0[1] = -sin(10.0);
    struct run r = drive(&prob, tp.y0, 10, 0, 1e-8, 1e-8, 0, NULL, 0, NULL);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_double_eq_tol(r.y[0], 1.0, 1e-7);
    ck_assert_double_eq_tol(r.y[1], 0.0, 1e-7);
}
END_TEST

/* ---- failures ---- */

/* y' = lambda y with lambda = gamma / h for the step h = 0.5 tried below:
   gamma/h I - J is exactly singular. */
static double sing_lambda;
static int sing_f(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx, (void)t, (void)p;
    f[0] = sing_lambda * y[0];
    return 0;
}
static void sing_j(double t, const double *y, const double *p, double *J)
{
    (void)t, (void)y, (void)p;
    J[0] = sing_lambda;
}

/* y' = -y, y2' = -y2, but y2' is NaN for t > 0.5 and the right-hand side
   asks to stop for t > 2. */
static int nan_f(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx, (void)p;
    f[0] = -y[0];
    f[1] = t > 0.5 ? NAN : -y[1];
    return t > 2 ? -1 : 0;
}
static void nan_j(double t, const double *y, const double *p, double *J)
{
    (void)t, (void)y, (void)p;
    J[0] = -1, J[1] = 0, J[2] = 0, J[3] = -1;
}
static const struct entry diag2_e[] = { { 0, 0 }, { 1, 1 } };

/* y' = -1e6 y, with a Jacobian of the wrong sign: the simplified Newton
   iteration diverges. */
static int wrong_f(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx, (void)t, (void)p;
    f[0] = -1e6 * y[0];
    return 0;
}
static void wrong_j(double t, const double *y, const double *p, double *J)
{
    (void)t, (void)y, (void)p;
    J[0] = 1e6;
}

struct one {
    struct stepper_method meth;
    struct stepper s;
    struct stepper_cfg cfg;
    struct ode_problem prob;
};

static void one_open(struct one *o, struct tprob *tp, double rtol, bool adaptive)
{
    memset(o, 0, sizeof *o);
    o->prob = tp_problem(tp, true);
    o->cfg.prob = &o->prob;
    o->cfg.adaptive = adaptive;
    o->cfg.rtol = rtol;
    o->cfg.atol = rtol;
    o->cfg.jacobian = drive_jac;
    ck_assert(stepper_find("radau5", &o->meth));
    ck_assert_int_eq(stepper_new(&o->s, &o->meth, &o->cfg), 0);
    memcpy(o->s.y, tp->y0, tp->n * sizeof *tp->y0);
}

START_TEST(irk_singular_iteration_matrix_is_reported)
{
    const struct irk_coeffs *k = irk_radau5.data;
    struct tprob tp = { .name = "sing", .n = 1, .y0 = { 1 }, .f = sing_f, .dj = sing_j,
                        .ent = pr_e, .nent = 1 };
    struct one o;

    sing_lambda = k->gamma / 0.5;
    one_open(&o, &tp, 1e-6, true);
    ck_assert_int_eq(o.s.ops->begin(&o.s, 0, false, 1), 0);
    ck_assert_int_eq(o.s.ops->step(&o.s, 0, 0.5, false), STEP_SINGULAR);
    ck_assert_ptr_nonnull(strstr(o.s.why, "column 1"));
    ck_assert_ptr_nonnull(strstr(o.s.why, "--jacobian fd"));
    /* A smaller step cures it. */
    double h = o.s.ops->next_step(&o.s, 0.5, NAN, false, STEP_SINGULAR);
    ck_assert_double_lt(h, 0.5);
    ck_assert_int_eq(o.s.ops->step(&o.s, 0, h, false), 0);
    /* One step on a linear problem is the stability function, the (2,3)
       Pade approximation of e^z (HW IV.5). */
    double z = sing_lambda * h;
    double rz = (1 + 2 * z / 5 + z * z / 20) / (1 - 3 * z / 5 + 3 * z * z / 20 - z * z * z / 60);
    ck_assert_double_eq_tol(o.s.y1[0], rz, 1e-13 * rz);
    stepper_free(&o.s);

    /* With that step fixed, the solve fails and says why. */
    struct ode_problem prob = tp_problem(&tp, true);
    struct run r = drive(&prob, tp.y0, 0, 1, 1e-6, 1e-6, 0.5, NULL, 0, NULL);
    ck_assert_int_eq(r.rc, ODE_ESINGULAR);
    ck_assert_double_eq(r.fail.t, 0);
    ck_assert_int_eq(r.fail.var, 0);
    ck_assert_ptr_nonnull(strstr(r.fail.why, "singular"));
    ck_assert_ptr_nonnull(strstr(r.fail.why, "--jacobian fd"));
}
END_TEST

START_TEST(irk_nonfinite_and_stop_are_reported)
{
    struct tprob tp = { .name = "nan", .n = 2, .y0 = { 1, 1 }, .f = nan_f, .dj = nan_j,
                        .ent = diag2_e, .nent = 2 };
    struct one o;
    bool in_state = true;

    one_open(&o, &tp, 1e-6, true);
    ck_assert_int_eq(o.s.ops->begin(&o.s, 0, false, 1), 0);
    ck_assert_int_eq(o.s.ops->step(&o.s, 0, 0.1, false), 0);
    ck_assert_int_eq(o.s.ops->step(&o.s, 0.4, 0.2, false), STEP_RHS);
    ck_assert_int_eq(o.s.ops->bad_var(&o.s, &in_state), 1);
    ck_assert(!in_state);
    /* At a point where f is NaN begin cannot succeed. */
    ck_assert_int_eq(o.s.ops->begin(&o.s, 0.6, false, 1), 0);
    o.s.ops->accept(&o.s, 0.4, 0.2);
    ck_assert_int_eq(o.s.ops->begin(&o.s, 0.6, false, 1), STEP_RHS);
    ck_assert_int_eq(o.s.ops->bad_var(&o.s, &in_state), 1);
    ck_assert(!in_state);
    stepper_free(&o.s);

    /* The right-hand side asking to stop stops the attempt. */
    one_open(&o, &tp, 1e-6, true);
    o.s.ops->reset(&o.s);
    ck_assert_int_eq(o.s.ops->begin(&o.s, 0, false, 1), 0);
    ck_assert_int_eq(o.s.ops->step(&o.s, 2.5, 0.1, false), ODE_ERHS);
    stepper_free(&o.s);
}
END_TEST

START_TEST(irk_newton_failure_is_reported_and_fd_cures_it)
{
    struct tprob tp = { .name = "wrong", .n = 1, .t1 = 1, .y0 = { 1 }, .f = wrong_f,
                        .dj = wrong_j, .ent = pr_e, .nent = 1 };
    struct one o;

    one_open(&o, &tp, 1e-6, true);
    ck_assert_int_eq(o.s.ops->begin(&o.s, 0, false, 1), 0);
    ck_assert_int_eq(o.s.ops->step(&o.s, 0, 0.01, false), STEP_NEWTON);
    ck_assert_int_eq(o.s.st.nnewton_fail, 1);
    ck_assert_ptr_nonnull(strstr(o.s.why, "rate"));
    ck_assert_ptr_nonnull(strstr(o.s.why, "--jacobian fd"));
    ck_assert_int_eq(o.s.ops->worst_var(&o.s), 0);
    ck_assert_double_lt(o.s.ops->next_step(&o.s, 0.01, NAN, false, STEP_NEWTON), 0.01);
    stepper_free(&o.s);

    /* With finite differences the same problem solves. */
    struct ode_problem prob = tp_problem(&tp, true);
    drive_jac = JAC_FD;
    struct run r = drive(&prob, tp.y0, 0, 1, 1e-6, 1e-10, 0, NULL, 0, NULL);
    drive_jac = JAC_AUTO;
    ck_assert_int_eq(r.rc, 0);
    ck_assert_double_lt(fabs(r.y[0]), 1e-8);
}
END_TEST

static Suite *irk_suite(void)
{
    Suite *s = suite_create("irk");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, irk_coefficients_are_radau_iia_and_transform);
    tcase_add_test(tc, irk_radau5_is_registered);
    tcase_add_test(tc, irk_order_5_on_a_linear_problem);
    tcase_add_test(tc, irk_order_reduction_on_prothero_robinson);
    tcase_add_test(tc, irk_bench_problems_meet_their_references);
    tcase_add_test(tc, irk_dense_output_order_and_accuracy);
    tcase_add_test(tc, irk_stiff_step_counts_are_bounded);
    tcase_add_test(tc, irk_exact_stiff_linear_system);
    tcase_add_test(tc, irk_integrates_backwards);
    tcase_add_test(tc, irk_singular_iteration_matrix_is_reported);
    tcase_add_test(tc, irk_nonfinite_and_stop_are_reported);
    tcase_add_test(tc, irk_newton_failure_is_reported_and_fd_cures_it);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(irk_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
