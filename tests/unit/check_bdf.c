/* check_bdf.c - the variable-order BDF/NDF stepper against known answers:
 * observed orders at fixed order (a linear system, Prothero-Robinson),
 * an exactly solvable stiff linear system, the IVP test set's references
 * for Robertson, Van der Pol, HIRES and OREGO (Mazzia & Magherini, Univ.
 * Bari), reuse of the factorisation, dense output, restarts and
 * failures. */
#include "bdf.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solve.h"
#include "testbench.h"

/* ---- problems with an exact Jacobian and a CSC pattern ---- */

#define MAXN 10

/* A test problem: f, J as a dense row-major array, and the structural
   nonzeros as a mask ("1" where J may be nonzero, rows separated by '/'). */
struct tprob {
    size_t n;
    void (*f)(double t, const double *y, const double *p, double *dy);
    void (*jd)(double t, const double *y, const double *p, double J[MAXN][MAXN]);
    const char *mask;
    size_t colptr[MAXN + 1], rowind[MAXN * MAXN];
};

static int tp_rhs(void *ctx, double t, const double *y, const double *p, double *f)
{
    const struct tprob *tp = ctx;

    tp->f(t, y, p, f);
    return 0;
}

static int tp_jac(void *ctx, double t, const double *y, const double *p, double *val)
{
    const struct tprob *tp = ctx;
    double J[MAXN][MAXN] = { { 0 } };

    tp->jd(t, y, p, J);
    for (size_t j = 0; j < tp->n; j++)
        for (size_t k = tp->colptr[j]; k < tp->colptr[j + 1]; k++)
            val[k] = J[tp->rowind[k]][j];
    return 0;
}

static struct ode_problem tp_problem(struct tprob *tp)
{
    struct ode_problem pr;
    size_t nnz = 0;

    for (size_t j = 0; j < tp->n; j++) {
        tp->colptr[j] = nnz;
        for (size_t i = 0; i < tp->n; i++)
            if (tp->mask[i * (tp->n + 1) + j] == '1')
                tp->rowind[nnz++] = i;
    }
    tp->colptr[tp->n] = nnz;
    memset(&pr, 0, sizeof pr);
    pr.n_states = tp->n;
    pr.rhs = tp_rhs;
    pr.jac = tp->jd ? tp_jac : NULL;
    pr.ctx = tp;
    pr.jac_pattern.nnz = nnz;
    pr.jac_pattern.colptr = tp->colptr;
    pr.jac_pattern.rowind = tp->rowind;
    return pr;
}

/* y' = A y with A = [-2 1; 1 -2] (eigenvalues -1, -3); from (1, 0):
   y = ((e^-t + e^-3t)/2, (e^-t - e^-3t)/2). */
static void lin2_f(double t, const double *y, const double *p, double *f)
{
    (void)t;
    (void)p;
    f[0] = -2 * y[0] + y[1];
    f[1] = y[0] - 2 * y[1];
}

static void lin2_j(double t, const double *y, const double *p, double J[MAXN][MAXN])
{
    (void)t;
    (void)y;
    (void)p;
    J[0][0] = -2; J[0][1] = 1;
    J[1][0] = 1; J[1][1] = -2;
}

static void lin2_exact(double t, double *y)
{
    y[0] = (exp(-t) + exp(-3 * t)) / 2;
    y[1] = (exp(-t) - exp(-3 * t)) / 2;
}

/* Prothero & Robinson (1974): y' = lambda (y - sin t) + cos t, lambda =
   p[0]; y = sin t from y(0) = 0, whatever lambda. */
static void pr_f(double t, const double *y, const double *p, double *f)
{
    f[0] = p[0] * (y[0] - sin(t)) + cos(t);
}

static void pr_j(double t, const double *y, const double *p, double J[MAXN][MAXN])
{
    (void)t;
    (void)y;
    J[0][0] = p[0];
}

/* A stiff linear system with a known solution: y' = A y, A = V L V^-1
   with L = diag(-1, -1e3, -1e6) and V = [1 1 0; 0 1 1; 1 0 1], so
   y(t) = V e^{Lt} V^-1 y0.  V^-1 = [1 -1 1; 1 1 -1; -1 1 1] / 2. */
static const double stiff_l[3] = { -1, -1e3, -1e6 };
static const double stiff_v[3][3] = { { 1, 1, 0 }, { 0, 1, 1 }, { 1, 0, 1 } };
static const double stiff_vi[3][3] = { { 0.5, -0.5, 0.5 }, { 0.5, 0.5, -0.5 },
                                       { -0.5, 0.5, 0.5 } };

static void stiff_a(double A[MAXN][MAXN])
{
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            A[i][j] = 0;
            for (int k = 0; k < 3; k++)
                A[i][j] += stiff_v[i][k] * stiff_l[k] * stiff_vi[k][j];
        }
}

static void stiff_f(double t, const double *y, const double *p, double *f)
{
    double A[MAXN][MAXN];

    (void)t;
    (void)p;
    stiff_a(A);
    for (int i = 0; i < 3; i++)
        f[i] = A[i][0] * y[0] + A[i][1] * y[1] + A[i][2] * y[2];
}

static void stiff_j(double t, const double *y, const double *p, double J[MAXN][MAXN])
{
    (void)t;
    (void)y;
    (void)p;
    stiff_a(J);
}

static void stiff_exact(double t, const double *y0, double *y)
{
    double z[3];

    for (int k = 0; k < 3; k++)
        z[k] = (stiff_vi[k][0] * y0[0] + stiff_vi[k][1] * y0[1]
                + stiff_vi[k][2] * y0[2]) * exp(stiff_l[k] * t);
    for (int i = 0; i < 3; i++)
        y[i] = stiff_v[i][0] * z[0] + stiff_v[i][1] * z[1] + stiff_v[i][2] * z[2];
}

/* ---- a small time loop over the stepper operations ---- */

struct run {
    long steps, rejected;
    struct stepper_stats st;
    int rc;
    int max_order;          /* highest order used */
};

/* Integrates from t0 to t1 as solve.c's loop does: begin, step, error,
   accept or reject, next_step; the last step is shortened onto t1. */
static void drive(const struct stepper_method *m, const struct ode_problem *pr,
                  const double *p, const double *y0, double t0, double t1,
                  double rtol, double atol, double *y1, struct run *out)
{
    struct stepper_cfg cfg = {
        .prob = pr, .p = p, .adaptive = true, .rtol = rtol, .atol = atol,
        .norm = NORM_RMS, .linsolve = LS_AUTO, .jacobian = JAC_AUTO,
    };
    struct stepper s;
    double dir = t1 > t0 ? 1 : -1, t = t0, h;
    int rc;

    memset(out, 0, sizeof *out);
    memset(&s, 0, sizeof s);
    rc = m->create(&s, m, &cfg);
    ck_assert_int_eq(rc, 0);
    memcpy(s.y, y0, pr->n_states * sizeof *y0);
    rc = s.ops->begin(&s, t, false, dir);
    ck_assert_int_eq(rc, 0);
    rc = s.ops->initial_step(&s, t, dir, fabs(t1 - t0), &h);
    ck_assert_int_eq(rc, 0);
    while (dir * (t1 - t) > 0) {
        bool last = false;
        double err;

        if (h >= fabs(t1 - t)) {
            h = fabs(t1 - t);
            last = true;
        }
        if (out->steps + out->rejected > 200000 || h < 1e-14 * fabs(t)) {
            out->rc = ODE_EDTMIN;
            break;
        }
        if (bdf_order(&s) > out->max_order)
            out->max_order = bdf_order(&s);
        rc = s.ops->step(&s, t, dir * h, false);
        if (rc < 0) {
            out->rc = rc;
            break;
        }
        if (rc > 0) {
            out->rejected++;
            h = s.ops->next_step(&s, dir * h, NAN, false, rc);
            continue;
        }
        err = s.ops->error(&s);
        if (err <= 1) {
            s.ops->accept(&s, t, dir * h);
            out->steps++;
            t = last ? t1 : t + dir * h;
            h = s.ops->next_step(&s, dir * h, err, true, 0);
            rc = s.ops->begin(&s, t, false, dir);
            ck_assert_int_eq(rc, 0);
        } else {
            out->rejected++;
            h = s.ops->next_step(&s, dir * h, err, false, 0);
        }
    }
    memcpy(y1, s.y, pr->n_states * sizeof *y1);
    out->st = s.st;
    s.ops->destroy(&s);
}

/* The same through solve_run (the time loop every method runs under),
   saving t1 only. */
struct last {
    size_t n;
    double *y;
};

static int keep_last(void *ctx, double t, const double *y)
{
    struct last *l = ctx;

    (void)t;
    memcpy(l->y, y, l->n * sizeof *y);
    return 0;
}

static void solve(const struct ode_problem *pr, const double *p, const double *y0,
                  double t0, double t1, double rtol, double atol, double *y1,
                  struct run *out)
{
    struct solve_opts o;
    struct solve_stats ss;
    struct solve_failure fail;
    struct last l = { pr->n_states, y1 };
    struct solve_sink sink = { .row = keep_last, .ctx = &l };

    solve_opts_default(&o);
    o.method = "bdf";
    o.t0 = t0;
    o.t1 = t1;
    o.rtol = rtol;
    o.atol = atol;
    o.save = SAVE_FINAL;
    memset(out, 0, sizeof *out);
    out->rc = solve_run(pr, p, y0, &o, &sink, NULL, &ss, &fail);
    ck_assert_msg(out->rc == 0, "solve_run: %d at t = %g: %s", out->rc, fail.t, fail.why);
    ck_assert_str_eq(ss.linsolve, "dense");
    out->steps = ss.steps;
    out->rejected = ss.rejected;
    out->st.nfev = ss.nfev;
    out->st.njev = ss.njev;
    out->st.nlu = ss.nlu;
    out->st.nsolve = ss.nsolve;
    out->st.nnewton = ss.nnewton;
    out->st.nnewton_fail = ss.nnewton_fail;
    out->max_order = -1;
}

/* The classical BDFs: the method with every kappa 0. */
static const double bdf_kappa0[BDF_MAX_ORDER + 2];

static struct stepper_method method(bool ndf)
{
    struct stepper_method m = bdf_method;

    if (!ndf)
        m.data = bdf_kappa0;
    return m;
}

/* Global error at t1 = 1 of N fixed steps of order q on lin2, the history
   started from the exact solution. */
static double fixed_order_error(const struct stepper_method *m, int q, int N,
                                const struct ode_problem *pr, const double *p,
                                void (*exact)(double t, double *y, const double *p))
{
    struct stepper_cfg cfg = {
        .prob = pr, .p = p, .adaptive = false, .rtol = 1e-6, .atol = 1e-6,
        .norm = NORM_RMS, .linsolve = LS_AUTO, .jacobian = JAC_AUTO,
    };
    struct stepper s;
    size_t n = pr->n_states;
    double h = 1.0 / N, past[(BDF_MAX_ORDER + 1) * MAXN], ye[MAXN], e = 0;

    memset(&s, 0, sizeof s);
    ck_assert_int_eq(m->create(&s, m, &cfg), 0);
    ck_assert_int_eq(bdf_set_max_order(&s, q), 0);
    for (int i = 0; i <= q; i++)
        exact(-i * h, past + (size_t)i * n, p);
    ck_assert_int_eq(bdf_start_history(&s, h, q, past), 0);
    for (int k = 0; k < N; k++) {
        ck_assert_int_eq(s.ops->begin(&s, k * h, false, 1), 0);
        ck_assert_int_eq(s.ops->step(&s, k * h, h, false), 0);
        s.ops->accept(&s, k * h, h);
    }
    exact(1.0, ye, p);
    for (size_t i = 0; i < n; i++)
        e = fmax(e, fabs(s.y[i] - ye[i]));
    ck_assert_int_eq(bdf_order(&s), q);
    s.ops->destroy(&s);
    return e;
}

static void lin2_exact_p(double t, double *y, const double *p)
{
    (void)p;
    lin2_exact(t, y);
}

static void pr_exact_p(double t, double *y, const double *p)
{
    (void)p;
    y[0] = sin(t);
}

START_TEST(bdf_fixed_order_converges_at_its_order)
{
    struct tprob tp = { .n = 2, .f = lin2_f, .jd = lin2_j, .mask = "11/11" };
    struct ode_problem pr = tp_problem(&tp);

    for (int ndf = 0; ndf <= 1; ndf++) {
        struct stepper_method m = method(ndf);
        for (int q = 1; q <= BDF_MAX_ORDER; q++) {
            double e1 = fixed_order_error(&m, q, 40, &pr, NULL, lin2_exact_p);
            double e2 = fixed_order_error(&m, q, 80, &pr, NULL, lin2_exact_p);
            double order = log2(e1 / e2);
            ck_assert_msg(fabs(order - q) < 0.2, "ndf %d q %d observed %.3f",
                          ndf, q, order);
        }
    }
}
END_TEST

/* Multistep methods have no stage order to lose: on Prothero-Robinson with
   lambda = -1e6 the observed order stays q (Hairer & Wanner II, V.7). */
START_TEST(bdf_prothero_robinson_keeps_the_order)
{
    struct tprob tp = { .n = 1, .f = pr_f, .jd = pr_j, .mask = "1" };
    struct ode_problem pr = tp_problem(&tp);
    double lambda[1] = { -1e6 };
    struct stepper_method m = method(false);

    for (int q = 1; q <= BDF_MAX_ORDER; q++) {
        double e1 = fixed_order_error(&m, q, 20, &pr, lambda, pr_exact_p);
        double e2 = fixed_order_error(&m, q, 40, &pr, lambda, pr_exact_p);
        double order = log2(e1 / e2);
        ck_assert_msg(fabs(order - q) < 0.3, "q %d observed %.3f (%g %g)", q,
                      order, e1, e2);
    }
}
END_TEST

/* Adaptive on Prothero-Robinson: the error follows the tolerance. */
START_TEST(bdf_prothero_robinson_adaptive_meets_tolerance)
{
    struct tprob tp = { .n = 1, .f = pr_f, .jd = pr_j, .mask = "1" };
    struct ode_problem pr = tp_problem(&tp);
    double lambda[1] = { -1e6 }, y0[1] = { 0 }, y1[1];
    struct run r;

    for (double rtol = 1e-4; rtol >= 1e-9; rtol /= 100) {
        solve(&pr, lambda, y0, 0, 10, rtol, rtol, y1, &r);
        ck_assert_msg(fabs(y1[0] - sin(10.0)) < 20 * rtol, "rtol %g err %g",
                      rtol, fabs(y1[0] - sin(10.0)));
    }
}
END_TEST

START_TEST(bdf_exactly_solvable_stiff_linear_system)
{
    struct tprob tp = { .n = 3, .f = stiff_f, .jd = stiff_j, .mask = "111/111/111" };
    struct ode_problem pr = tp_problem(&tp);
    double y0[3] = { 1, 2, 3 }, y1[3], ye[3];
    struct run r;

    for (double rtol = 1e-3; rtol >= 1e-9; rtol /= 100) {
        solve(&pr, NULL, y0, 0, 10, rtol, rtol * 1e-3, y1, &r);
        stiff_exact(10, y0, ye);
        for (int i = 0; i < 3; i++)
            ck_assert_msg(fabs(y1[i] - ye[i]) < 50 * rtol * (fabs(ye[i]) + 1e-3),
                          "rtol %g y%d %g exact %g", rtol, i, y1[i], ye[i]);
        /* A linear f: J is kept for many steps (CVODE: 51 at most). */
        ck_assert_msg(r.st.njev * 20 < r.steps + 20, "%ld J for %ld steps",
                      r.st.njev, r.steps);
        /* Explicit methods would need |h| < 2e-6 (-1e6): BDF does not. */
        ck_assert_int_lt(r.steps, 2000);
    }
}
END_TEST

/* The problems of the shared bench (testbench.h), with the mixed error
   allowed, in units of rtol. */
static const struct bench_case {
    const char *name;
    double errfac;
} bench_cases[] = {
    { "rober", 100 }, { "vdp", 100 }, { "hires", 100 }, { "orego", 500 },
};

/* At rtol 1e-4 .. 1e-10 (atol = eta rtol, as the bench harness) the
   mixed error stays within a small multiple of rtol.  CVODE BDF gets
   0.3-18 rtol on rober, vdp and hires, and up to 134 rtol on OREGO (1.3e-6
   at 1e-8), whose solution amplifies local errors most. */
START_TEST(bdf_matches_the_test_set_references)
{
    const struct bench_case *bc = &bench_cases[_i];
    const struct tb_problem *tp = tb_get(bc->name, 1);
    double y1[MAXN];
    struct run r;

    for (double rtol = 1e-4; rtol >= 1e-10; rtol /= 100) {
        solve(&tp->prob, NULL, tp->y0, 0, tp->t1, rtol, tp->eta * rtol, y1, &r);
        double e = tb_error(tp, y1);
        ck_assert_msg(e < bc->errfac * rtol, "%s rtol %g err %g (steps %ld)",
                      bc->name, rtol, e, r.steps);
    }
}
END_TEST

/* CVODE on Robertson to 1e11: 186 LU for 1217 steps at rtol 1e-6.  The
   factorisation and J must be reused across steps the same way. */
START_TEST(bdf_robertson_reuses_the_factorisation)
{
    const struct tb_problem *tp = tb_get("rober", 1);
    double y1[MAXN];
    struct run r;

    solve(&tp->prob, NULL, tp->y0, 0, tp->t1, 1e-6, 1e-16, y1, &r);
    ck_assert_msg(r.st.nlu * 4 < r.steps, "%ld LU for %ld steps", r.st.nlu, r.steps);
    ck_assert_msg(r.st.njev * 10 < r.steps, "%ld J for %ld steps", r.st.njev, r.steps);
    /* Newton converges in one or two iterations most of the time. */
    ck_assert_msg(r.st.nnewton < 2 * (r.steps + r.rejected), "%ld iterations",
                  r.st.nnewton);
    ck_assert_int_lt(r.steps, 2500);
    /* Through the operations alone: the same run climbs to order 5. */
    drive(&bdf_method, &tp->prob, NULL, tp->y0, 0, tp->t1, 1e-6, 1e-16, y1, &r);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_int_eq(r.max_order, BDF_MAX_ORDER);
}
END_TEST

/* Dense output: the interpolant ends at y and y1 and is as accurate as the
   steps inside them. */
START_TEST(bdf_dense_output_interpolates_the_step)
{
    struct tprob tp = { .n = 2, .f = lin2_f, .jd = lin2_j, .mask = "11/11" };
    struct ode_problem pr = tp_problem(&tp);
    struct stepper_cfg cfg = {
        .prob = &pr, .adaptive = true, .rtol = 1e-8, .atol = 1e-8,
        .norm = NORM_RMS, .linsolve = LS_AUTO, .jacobian = JAC_AUTO,
    };
    struct stepper s;
    double t = 0, h, out[2], ye[2], emax = 0;
    long steps = 0;

    memset(&s, 0, sizeof s);
    ck_assert_int_eq(bdf_method.create(&s, &bdf_method, &cfg), 0);
    lin2_exact(0, s.y);
    ck_assert_int_eq(s.ops->begin(&s, t, false, 1), 0);
    ck_assert_int_eq(s.ops->initial_step(&s, t, 1, 10, &h), 0);
    while (t < 3) {
        ck_assert_int_eq(s.ops->step(&s, t, h, true), 0);
        double err = s.ops->error(&s);
        if (err > 1) {
            h = s.ops->next_step(&s, h, err, false, 0);
            continue;
        }
        ck_assert_int_eq(s.ops->dense(&s, t, h, 0, out), 0);
        ck_assert(fabs(out[0] - s.y[0]) <= 1e-15 && fabs(out[1] - s.y[1]) <= 1e-15);
        ck_assert_int_eq(s.ops->dense(&s, t, h, 1, out), 0);
        ck_assert(out[0] == s.y1[0] && out[1] == s.y1[1]);
        for (double th = 0.125; th < 1; th += 0.25) {
            ck_assert_int_eq(s.ops->dense(&s, t, h, th, out), 0);
            lin2_exact(t + th * h, ye);
            emax = fmax(emax, fmax(fabs(out[0] - ye[0]), fabs(out[1] - ye[1])));
        }
        s.ops->accept(&s, t, h);
        t += h;
        steps++;
        h = s.ops->next_step(&s, h, err, true, 0);
        ck_assert_int_eq(s.ops->begin(&s, t, false, 1), 0);
    }
    ck_assert_msg(emax < 1e-6, "dense error %g", emax);
    ck_assert_int_gt(steps, 10);
    s.ops->destroy(&s);
}
END_TEST

/* After reset() the next step is of order 1 again and starts from f at
   the new point. */
START_TEST(bdf_reset_restarts_at_order_one)
{
    struct tprob tp = { .n = 2, .f = lin2_f, .jd = lin2_j, .mask = "11/11" };
    struct ode_problem pr = tp_problem(&tp);
    struct stepper_cfg cfg = {
        .prob = &pr, .adaptive = true, .rtol = 1e-6, .atol = 1e-6,
        .norm = NORM_RMS, .linsolve = LS_AUTO, .jacobian = JAC_AUTO,
    };
    struct stepper_method m = method(false);
    struct stepper s;
    double t = 0, h;
    long nfev, njev;

    memset(&s, 0, sizeof s);
    ck_assert_int_eq(m.create(&s, &m, &cfg), 0);
    lin2_exact(0, s.y);
    ck_assert_int_eq(s.ops->begin(&s, t, false, 1), 0);
    ck_assert_int_eq(s.ops->initial_step(&s, t, 1, 10, &h), 0);
    while (t < 2) {
        ck_assert_int_eq(s.ops->step(&s, t, h, false), 0);
        double err = s.ops->error(&s);
        if (err <= 1) {
            s.ops->accept(&s, t, h);
            t += h;
        }
        h = s.ops->next_step(&s, h, err, err <= 1, 0);
        ck_assert_int_eq(s.ops->begin(&s, t, false, 1), 0);
    }
    ck_assert_int_gt(bdf_order(&s), 1);
    s.ops->reset(&s);
    ck_assert_int_eq(bdf_order(&s), 1);
    nfev = s.st.nfev;
    njev = s.st.njev;
    ck_assert_int_eq(s.ops->begin(&s, t, true, 1), 0);
    ck_assert_int_eq(s.st.nfev, nfev + 1);
    ck_assert_int_eq(s.ops->step(&s, t, 1e-3, false), 0);
    /* A kept J: no new evaluation for the restart. */
    ck_assert_int_eq(s.st.njev, njev);
    /* Order 1 from f(t, y), implicit Euler: y1 = y + h f(t1, y1), exact
       after one Newton iteration on a linear f. */
    double f1[2];
    lin2_f(t + 1e-3, s.y1, NULL, f1);
    for (int i = 0; i < 2; i++)
        ck_assert_double_eq_tol(s.y1[i], s.y[i] + 1e-3 * f1[i], 1e-9);
    s.ops->destroy(&s);
}
END_TEST

/* y' = 2 y with h = 1/2 at order 1 (implicit Euler): I - h J = 0. */
static void grow_f(double t, const double *y, const double *p, double *f)
{
    (void)t;
    (void)p;
    f[0] = 2 * y[0];
}

static void grow_j(double t, const double *y, const double *p, double J[MAXN][MAXN])
{
    (void)t;
    (void)y;
    (void)p;
    J[0][0] = 2;
}

START_TEST(bdf_singular_matrix_is_reported)
{
    struct tprob tp = { .n = 1, .f = grow_f, .jd = grow_j, .mask = "1" };
    struct ode_problem pr = tp_problem(&tp);
    struct stepper_cfg cfg = {
        .prob = &pr, .adaptive = true, .rtol = 1e-6, .atol = 1e-6,
        .norm = NORM_RMS, .linsolve = LS_AUTO, .jacobian = JAC_AUTO,
    };
    struct stepper_method m = method(false);
    struct stepper s;

    memset(&s, 0, sizeof s);
    ck_assert_int_eq(m.create(&s, &m, &cfg), 0);
    s.y[0] = 1;
    ck_assert_int_eq(s.ops->begin(&s, 0, false, 1), 0);
    ck_assert_int_eq(s.ops->step(&s, 0, 0.5, false), STEP_SINGULAR);
    ck_assert_ptr_nonnull(strstr(s.why, "pivot in column 1"));
    ck_assert_int_eq(s.ops->worst_var(&s), 0);
    ck_assert_int_eq(s.st.nlu, 1);
    /* A smaller step cures it. */
    double h = s.ops->next_step(&s, 0.5, NAN, false, STEP_SINGULAR);
    ck_assert_double_lt(h, 0.5);
    ck_assert_int_eq(s.ops->step(&s, 0, h, false), 0);
    s.ops->destroy(&s);
}
END_TEST

/* f refuses (returns > 0) past t = 1: the attempt fails with STEP_RHS and
   a smaller one inside succeeds. */
static int refuse_late(void *ctx, double t, const double *y, const double *p,
                       double *f)
{
    (void)ctx;
    (void)p;
    f[0] = -y[0];
    return t > 1 ? 1 : 0;
}

START_TEST(bdf_rhs_failure_asks_for_a_smaller_step)
{
    struct ode_problem pr;
    struct stepper_cfg cfg = {
        .prob = &pr, .adaptive = true, .rtol = 1e-6, .atol = 1e-6,
        .norm = NORM_RMS, .linsolve = LS_AUTO, .jacobian = JAC_AUTO,
    };
    struct stepper_method m = method(false);
    struct stepper s;

    memset(&pr, 0, sizeof pr);
    pr.n_states = 1;
    pr.rhs = refuse_late;
    memset(&s, 0, sizeof s);
    ck_assert_int_eq(m.create(&s, &m, &cfg), 0);
    ck_assert(!s.jac_exact);
    s.y[0] = 1;
    ck_assert_int_eq(s.ops->begin(&s, 0, false, 1), 0);
    ck_assert_int_eq(s.ops->step(&s, 0, 2, false), STEP_RHS);
    ck_assert_int_eq(s.ops->step(&s, 0, 0.5, false), 0);
    ck_assert_double_eq_tol(s.y1[0], 1 / 1.5, 1e-3);
    s.ops->destroy(&s);
}
END_TEST

/* y' = -1e6 y with a Jacobian of 0: the simplified Newton iteration then
   is a fixed-point iteration, which diverges unless |c| 1e6 < 1. */
static void fast_f(double t, const double *y, const double *p, double *f)
{
    (void)t;
    (void)p;
    f[0] = -1e6 * y[0];
}

static void zero_j(double t, const double *y, const double *p, double J[MAXN][MAXN])
{
    (void)t;
    (void)y;
    (void)p;
    J[0][0] = 0;
}

START_TEST(bdf_wrong_jacobian_fails_newton_until_the_step_is_small)
{
    struct tprob tp = { .n = 1, .f = fast_f, .jd = zero_j, .mask = "1" };
    struct ode_problem pr = tp_problem(&tp);
    struct stepper_cfg cfg = {
        .prob = &pr, .adaptive = true, .rtol = 1e-6, .atol = 1e-6,
        .norm = NORM_RMS, .linsolve = LS_AUTO, .jacobian = JAC_AUTO,
    };
    struct stepper s;
    double h = 1e-3;
    int rc;

    memset(&s, 0, sizeof s);
    ck_assert_int_eq(bdf_method.create(&s, &bdf_method, &cfg), 0);
    s.y[0] = 1;
    ck_assert_int_eq(s.ops->begin(&s, 0, false, 1), 0);
    ck_assert_int_eq(s.ops->step(&s, 0, h, false), STEP_NEWTON);
    ck_assert(s.why[0] != '\0');
    ck_assert_int_eq(s.ops->worst_var(&s), 0);
    ck_assert_int_ge(s.st.nnewton_fail, 1);
    ck_assert_int_le(s.st.nnewton, 3 * s.st.nnewton_fail);
    while ((rc = s.ops->step(&s, 0, h, false)) == STEP_NEWTON)
        h = s.ops->next_step(&s, h, NAN, false, rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_double_lt(h * 1e6, 1);
    s.ops->destroy(&s);
}
END_TEST

/* Backwards in time: lin2 from its exact value at t = 1 back to y(0). */
START_TEST(bdf_integrates_backwards)
{
    struct tprob tp = { .n = 2, .f = lin2_f, .jd = lin2_j, .mask = "11/11" };
    struct ode_problem pr = tp_problem(&tp);
    double y0[2], y1[2];
    struct run r;

    lin2_exact(1, y0);
    solve(&pr, NULL, y0, 1, 0, 1e-8, 1e-10, y1, &r);
    ck_assert_double_eq_tol(y1[0], 1, 1e-6);
    ck_assert_double_eq_tol(y1[1], 0, 1e-6);
}
END_TEST

/* Fixed steps from y0 alone: the order climbs to the maximum and the
   error falls well below that of implicit Euler's. */
START_TEST(bdf_fixed_steps_climb_in_order)
{
    struct tprob tp = { .n = 2, .f = lin2_f, .jd = lin2_j, .mask = "11/11" };
    struct ode_problem pr = tp_problem(&tp);
    struct stepper_cfg cfg = {
        .prob = &pr, .adaptive = false, .rtol = 1e-6, .atol = 1e-6,
        .norm = NORM_RMS, .linsolve = LS_AUTO, .jacobian = JAC_AUTO,
    };
    struct stepper s;
    double h = 0.01, ye[2];

    memset(&s, 0, sizeof s);
    ck_assert_int_eq(bdf_method.create(&s, &bdf_method, &cfg), 0);
    lin2_exact(0, s.y);
    for (int k = 0; k < 100; k++) {
        ck_assert_int_eq(s.ops->begin(&s, k * h, false, 1), 0);
        ck_assert_int_eq(s.ops->step(&s, k * h, h, false), 0);
        s.ops->accept(&s, k * h, h);
    }
    ck_assert_int_eq(bdf_order(&s), BDF_MAX_ORDER);
    lin2_exact(1, ye);
    /* Implicit Euler's global error here is about 2e-3. */
    ck_assert_double_lt(fabs(s.y[0] - ye[0]) + fabs(s.y[1] - ye[1]), 1e-4);
    s.ops->destroy(&s);
}
END_TEST

static Suite *bdf_suite(void)
{
    Suite *s = suite_create("bdf");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, bdf_fixed_order_converges_at_its_order);
    tcase_add_test(tc, bdf_prothero_robinson_keeps_the_order);
    tcase_add_test(tc, bdf_prothero_robinson_adaptive_meets_tolerance);
    tcase_add_test(tc, bdf_exactly_solvable_stiff_linear_system);
    tcase_add_loop_test(tc, bdf_matches_the_test_set_references, 0,
                        (int)(sizeof bench_cases / sizeof bench_cases[0]));
    tcase_add_test(tc, bdf_robertson_reuses_the_factorisation);
    tcase_add_test(tc, bdf_dense_output_interpolates_the_step);
    tcase_add_test(tc, bdf_reset_restarts_at_order_one);
    tcase_add_test(tc, bdf_singular_matrix_is_reported);
    tcase_add_test(tc, bdf_rhs_failure_asks_for_a_smaller_step);
    tcase_add_test(tc, bdf_wrong_jacobian_fails_newton_until_the_step_is_small);
    tcase_add_test(tc, bdf_integrates_backwards);
    tcase_add_test(tc, bdf_fixed_steps_climb_in_order);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(bdf_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
