/* check_extrap.c - seulex, the linearly implicit Euler extrapolation
 * method: its observed order with a constant step on a linear problem
 * with a known solution, Prothero-Robinson's stiff problem, the order of
 * the dense output, accuracy and bounded step counts against the IVP test
 * set's references (Robertson, Van der Pol, HIRES, OREGO), the same
 * answer by every linear solver and by finite differences, the counts of
 * Jacobians and factorisations, and the failures (a singular iteration
 * matrix, a non-finite derivative).  Orders and failures through the
 * stepper's operations, the rest through solve_run (the loop every method
 * runs under, which uses seulex's own order and step choice). */
#include "seulex.h"

#include <check.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solve.h"
#include "testbench.h"

/* ---- problems ---------------------------------------------------------- */

/* y0' = -y0 + sin t, y1' = y2, y2' = -y1; y(0) = (1, 1, 0):
   y0 = 3/2 e^-t + (sin t - cos t)/2, y1 = cos t, y2 = -sin t.  Linear and
   non-autonomous (df/dt enters every substep). */
static int lin_rhs(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx;
    (void)p;
    f[0] = -y[0] + sin(t);
    f[1] = y[2];
    f[2] = -y[1];
    return 0;
}

static int lin_jac(void *ctx, double t, const double *y, const double *p, double *v)
{
    (void)ctx;
    (void)t;
    (void)y;
    (void)p;
    v[0] = -1.0;   /* (0,0) */
    v[1] = -1.0;   /* (2,1) */
    v[2] = 1.0;    /* (1,2) */
    return 0;
}

static const size_t lin_cp[] = { 0, 1, 2, 3 };
static const size_t lin_ri[] = { 0, 2, 1 };

static void lin_exact(double t, double *y)
{
    y[0] = 1.5 * exp(-t) + 0.5 * (sin(t) - cos(t));
    y[1] = cos(t);
    y[2] = -sin(t);
}

/* Prothero & Robinson (1974): y' = -lambda (y - g(t)) + g'(t), g = sin,
   y(0) = 0; the solution is sin t for every lambda = p[0]. */
static int pr_rhs(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx;
    f[0] = -p[0] * (y[0] - sin(t)) + cos(t);
    return 0;
}

static int pr_jac(void *ctx, double t, const double *y, const double *p, double *v)
{
    (void)ctx;
    (void)t;
    (void)y;
    v[0] = -p[0];
    return 0;
}

static const size_t one_cp[] = { 0, 1 };
static const size_t one_ri[] = { 0 };

/* Derivative 1 becomes NaN for t > 0.5. */
static int poisoned_rhs(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx;
    (void)p;
    f[0] = -y[0];
    f[1] = t > 0.5 ? NAN : -y[1];
    return 0;
}

static struct ode_problem problem(size_t n, ode_rhs_fn rhs, ode_jac_fn jacf,
                                  const size_t *cp, const size_t *ri)
{
    struct ode_problem prob;

    memset(&prob, 0, sizeof prob);
    prob.n_states = n;
    prob.rhs = rhs;
    prob.jac = jacf;
    prob.jac_pattern.colptr = cp;
    prob.jac_pattern.rowind = ri;
    prob.jac_pattern.nnz = cp ? cp[n] : 0;
    return prob;
}

/* ---- solves through solve_run ----------------------------------------- */

/* Keeps the last row, and the largest error against `exact` (when set)
   over the rows. */
struct rows {
    size_t n;
    double t, y[TB_MAXN];
    void (*exact)(double t, double *y);
    double maxerr;
    long count;
};

static int keep_row(void *ctx, double t, const double *y)
{
    struct rows *r = ctx;

    r->t = t;
    r->count++;
    memcpy(r->y, y, r->n * sizeof *y);
    if (r->exact) {
        double ex[TB_MAXN];
        r->exact(t, ex);
        for (size_t i = 0; i < r->n; i++)
            r->maxerr = fmax(r->maxerr, fabs(y[i] - ex[i]));
    }
    return 0;
}

struct solve_cfg {
    double t1, rtol, atol, dt, save_every;
    enum jac_mode jac;
    enum ls_kind ls;
};

/* Solves prob with seulex from y0 over [0, c->t1]: dt > 0 a constant
   step, save_every > 0 a save grid; the final state into rows->y. */
static int solve(const struct ode_problem *prob, const double *p, const double *y0,
                 const struct solve_cfg *c, struct rows *rows, struct solve_stats *st,
                 struct solve_failure *fail)
{
    struct solve_opts o;
    struct solve_sink sink = { keep_row, rows, NULL };

    solve_opts_default(&o);
    o.method = "seulex";
    o.t0 = 0.0;
    o.t1 = c->t1;
    o.rtol = c->rtol;
    o.atol = c->atol;
    o.jacobian = c->jac;
    o.linsolve = c->ls;
    if (c->dt > 0) {
        o.controller = CTL_CONSTANT;
        o.dt = c->dt;
    }
    o.save = c->save_every > 0 ? SAVE_GRID : SAVE_FINAL;
    o.save_every = c->save_every;
    rows->n = prob->n_states;
    memset(st, 0, sizeof *st);
    return solve_run(prob, p, y0, &o, &sink, NULL, st, fail);
}

static double lin_error(long nsteps)
{
    struct ode_problem prob = problem(3, lin_rhs, lin_jac, lin_cp, lin_ri);
    static const double y0[3] = { 1.0, 1.0, 0.0 };
    struct solve_cfg c = { .t1 = 2.0, .rtol = 1e-6, .atol = 1e-6, .dt = 2.0 / nsteps };
    struct rows rows = { 0 };
    struct solve_stats st;
    struct solve_failure fail;
    double ex[3], e = 0.0;

    ck_assert_int_eq(solve(&prob, NULL, y0, &c, &rows, &st, &fail), 0);
    ck_assert_int_eq(st.steps, nsteps);
    lin_exact(2.0, ex);
    for (int i = 0; i < 3; i++)
        e = fmax(e, fabs(rows.y[i] - ex[i]));
    return e;
}

START_TEST(extrap_constant_step_order_is_six)
{
    /* SEULEX_FIXED_ROWS = 6 rows: order 6.  Measured: errors 1.8e-5,
       3.1e-7, 4.4e-9 at 2, 4 and 8 steps over [0, 2] (orders 5.8, 6.2). */
    double e2 = lin_error(2), e4 = lin_error(4), e8 = lin_error(8);
    double q1 = log2(e2 / e4), q2 = log2(e4 / e8);

    ck_assert_msg(fabs(q1 - 6.0) < 0.4 && fabs(q2 - 6.0) < 0.3,
                  "orders %.2f %.2f (errors %.2e %.2e %.2e)", q1, q2, e2, e4, e8);
}
END_TEST

/* Prothero-Robinson over [0, 10], error at t = 10. */
static double pr_error(double lambda, double dt, double rtol, long *steps)
{
    struct ode_problem prob = problem(1, pr_rhs, pr_jac, one_cp, one_ri);
    double p[1] = { lambda }, y0[1] = { 0.0 };
    struct solve_cfg c = { .t1 = 10.0, .rtol = rtol, .atol = rtol, .dt = dt };
    struct rows rows = { 0 };
    struct solve_stats st;
    struct solve_failure fail;

    ck_assert_int_eq(solve(&prob, p, y0, &c, &rows, &st, &fail), 0);
    if (steps)
        *steps = st.steps;
    return fabs(rows.y[0] - sin(10.0));
}

START_TEST(extrap_prothero_robinson)
{
    /* Non-stiff (lambda = 1), constant steps 0.5, 0.25, 0.125: order
       about 6 (measured errors 9.3e-9, 2.2e-10, 4.0e-12: 5.4, 5.8; the
       first pair is not yet asymptotic).  Stiff (lambda = 1e6, h lambda
       from 1e5 to 2.5e6 in the first row): the linearly implicit Euler
       steps are pulled onto g, and the error falls with the step
       (measured 1.3e-6, 1.2e-7, 2.6e-9 at steps 2.5, 1.25, 0.625) without
       the order reduction of one-step methods of low stage order.
       Adaptively the error stays below rtol in 13-18 steps (measured
       1.6e-8, 1.7e-11, 4.8e-13 at rtol 1e-6, 1e-8, 1e-10). */
    double e1 = pr_error(1.0, 0.5, 1e-6, NULL), e2 = pr_error(1.0, 0.25, 1e-6, NULL);
    double e4 = pr_error(1.0, 0.125, 1e-6, NULL);
    ck_assert_msg(fabs(log2(e2 / e4) - 6.0) < 0.5 && fabs(log2(e1 / e2) - 6.0) < 0.8,
                  "lambda 1: %.2e %.2e %.2e", e1, e2, e4);
    double prev = INFINITY;
    for (double dt = 2.5; dt >= 0.6; dt /= 2) {
        double e = pr_error(1e6, dt, 1e-6, NULL);
        ck_assert_msg(e < 1e-5 && e < 0.2 * prev, "lambda 1e6, dt %g: error %.2e", dt, e);
        prev = e;
    }
    for (double rtol = 1e-6; rtol >= 1e-10; rtol *= 1e-2) {
        long steps;
        double e = pr_error(1e6, 0, rtol, &steps);
        ck_assert_msg(e < rtol && steps < 40, "lambda 1e6, rtol %g: error %.2e, %ld steps",
                      rtol, e, steps);
    }
}
END_TEST

START_TEST(extrap_error_follows_tolerance)
{
    /* On lin over [0, 10]: the error at t1 about 3 rtol from rtol 1e-4
       to 1e-12 (measured 3.1e-4 .. 3.2e-12), in 10 to 44 steps. */
    struct ode_problem prob = problem(3, lin_rhs, lin_jac, lin_cp, lin_ri);
    static const double y0[3] = { 1.0, 1.0, 0.0 };
    double prev = INFINITY;

    for (double rtol = 1e-4; rtol >= 1e-12; rtol *= 1e-2) {
        struct solve_cfg c = { .t1 = 10.0, .rtol = rtol, .atol = rtol };
        struct rows rows = { 0 };
        struct solve_stats st;
        struct solve_failure fail;
        double ex[3], e = 0.0;
        ck_assert_int_eq(solve(&prob, NULL, y0, &c, &rows, &st, &fail), 0);
        lin_exact(10.0, ex);
        for (int i = 0; i < 3; i++)
            e = fmax(e, fabs(rows.y[i] - ex[i]));
        ck_assert_msg(e < 10 * rtol && e < prev, "rtol %g: error %.2e (%ld steps)", rtol, e,
                      st.steps);
        ck_assert_msg(st.steps < 60, "rtol %g: %ld steps", rtol, st.steps);
        prev = e;
    }
}
END_TEST

/* One constant step (six rows) of size h from the exact solution of lin
   at t = 0.3, dense output at theta = 0.2, 0.5, 0.8: the largest error,
   a local error O(h^6) (a quintic through y and y' at both ends and at
   the midpoint, which comes from the five even rows: order 5). */
static double dense_local_error(double h)
{
    struct ode_problem prob = problem(3, lin_rhs, lin_jac, lin_cp, lin_ri);
    struct stepper_cfg cfg;
    struct stepper s;
    double t = 0.3, yd[3], ex[3], e = 0.0;

    memset(&cfg, 0, sizeof cfg);
    cfg.prob = &prob;
    cfg.adaptive = false;
    cfg.rtol = cfg.atol = 1e-6;
    ck_assert_int_eq(stepper_new(&s, &seulex_method, &cfg), 0);
    lin_exact(t, s.y);
    ck_assert_int_eq(s.ops->begin(&s, t, false, 1.0), 0);
    ck_assert_int_eq(s.ops->step(&s, t, h, true), 0);
    for (int q = 1; q <= 3; q++) {
        double theta = 0.3 * q - 0.1;
        ck_assert_int_eq(s.ops->dense(&s, t, h, theta, yd), 0);
        lin_exact(t + theta * h, ex);
        for (int i = 0; i < 3; i++)
            e = fmax(e, fabs(yd[i] - ex[i]));
    }
    /* The ends are the step's own values. */
    ck_assert_int_eq(s.ops->dense(&s, t, h, 1.0, yd), 0);
    for (int i = 0; i < 3; i++)
        ck_assert_double_eq(yd[i], s.y1[i]);
    ck_assert_int_eq(s.ops->dense(&s, t, h, 0.0, yd), 0);
    for (int i = 0; i < 3; i++)
        ck_assert_double_eq(yd[i], s.y[i]);
    stepper_free(&s);
    return e;
}

START_TEST(extrap_dense_output_order)
{
    /* Order 5: the local error falls 64-fold per halving of h (measured
       4.7e-6, 7.1e-8, 1.1e-9). */
    double a = dense_local_error(0.8), b = dense_local_error(0.4), c = dense_local_error(0.2);
    ck_assert_msg(fabs(log2(b / c) - 6.0) < 0.4 && fabs(log2(a / b) - 6.0) < 0.6,
                  "dense: %.2e %.2e %.2e", a, b, c);
}
END_TEST

START_TEST(extrap_save_grid_follows_the_solution)
{
    /* Every grid row of lin at rtol 1e-10 within 1e-7 of the solution
       (measured 2.8e-8 in 26 steps of about 0.4: the interpolant's
       order 5 is below the step's 7 or 8 at such tolerances); the dense
       output costs no f or J: still one Jacobian per step. */
    struct ode_problem prob = problem(3, lin_rhs, lin_jac, lin_cp, lin_ri);
    static const double y0[3] = { 1.0, 1.0, 0.0 };
    struct solve_cfg c = { .t1 = 10.0, .rtol = 1e-10, .atol = 1e-10, .save_every = 0.1 };
    struct rows rows = { .exact = lin_exact };
    struct solve_stats st;
    struct solve_failure fail;

    ck_assert_int_eq(solve(&prob, NULL, y0, &c, &rows, &st, &fail), 0);
    ck_assert_int_eq(rows.count, 101);
    ck_assert_msg(rows.maxerr < 1e-7, "grid error %.2e", rows.maxerr);
    ck_assert_msg(st.njev == st.steps, "%ld Jacobians for %ld steps", st.njev, st.steps);
}
END_TEST

/* The test set (testbench.h: y0, t1, eta and the references of
   ../shared/bench/problems/NAME/reference.txt, the IVP test set's RADAU5
   values in extended precision) with atol = eta rtol, as the bench runs
   it: the error stays within factor rtol, in at most max_steps steps,
   with one Jacobian per step and one factorisation per row. */
static void bench_accuracy(const char *name, double rtol, double factor, long max_steps)
{
    struct tb_problem *tp = tb_get(name, 1);
    struct solve_cfg c = { .t1 = tp->t1, .rtol = rtol, .atol = tp->eta * rtol };
    struct rows rows = { 0 };
    struct solve_stats st;
    struct solve_failure fail;

    int rc = solve(&tp->prob, NULL, tp->y0, &c, &rows, &st, &fail);
    ck_assert_msg(rc == 0, "%s rtol %g: %s at t = %g", name, rtol, fail.why, fail.t);
    ck_assert(rows.t == tp->t1);
    double e = tb_error(tp, rows.y);
    ck_assert_msg(e < factor * rtol, "%s rtol %g: error %.2e (%ld steps)", name, rtol, e,
                  st.steps);
    ck_assert_msg(st.steps <= max_steps, "%s rtol %g: %ld steps", name, rtol, st.steps);
    ck_assert_int_eq(st.njev, st.steps);
    ck_assert(st.nlu >= 3 * (st.steps + st.rejected));
    ck_assert(st.nsolve > st.nlu && st.nfev > st.nsolve - st.nlu);
}

START_TEST(extrap_robertson_against_reference)
{
    /* Robertson to t = 1e11 (reference y(1e11) = 2.083340149701255e-08,
       8.3333607703347131e-14, 0.99999997916650496, from the IVP test
       set, copied in testbench.h).  Measured errors 1.5e-6, 2.4e-8,
       4.7e-9 at rtol 1e-6, 1e-8, 1e-10 in 130, 119, 327 steps (the model
       file through the JIT: 1.3e-10 in 333 steps at 1e-10; at that
       tolerance the late steps of 1e9 and more make the error of y1 swing
       with the rounding of f). */
    bench_accuracy("rober", 1e-6, 10, 200);
    bench_accuracy("rober", 1e-8, 30, 200);
    bench_accuracy("rober", 1e-10, 100, 500);
}
END_TEST

START_TEST(extrap_stiff_test_set)
{
    /* Measured (errors; steps) at rtol 1e-6 / 1e-8 / 1e-10: vdp 2.2e-8,
       1.2e-8, 1.7e-11; 137, 161, 296; hires 2.2e-6, 5.2e-9, 1.7e-11; 50,
       53, 114; orego 3.7e-6, 1.4e-8, 9.6e-11; 176, 239, 434. */
    bench_accuracy("vdp", 1e-6, 10, 250);
    bench_accuracy("vdp", 1e-8, 10, 300);
    bench_accuracy("vdp", 1e-10, 10, 450);
    bench_accuracy("hires", 1e-6, 10, 100);
    bench_accuracy("hires", 1e-8, 10, 100);
    bench_accuracy("hires", 1e-10, 10, 200);
    bench_accuracy("orego", 1e-6, 10, 300);
    bench_accuracy("orego", 1e-8, 10, 400);
    bench_accuracy("orego", 1e-10, 10, 650);
}
END_TEST

START_TEST(extrap_linear_solvers_and_fd_jacobian_agree)
{
    /* HIRES at rtol 1e-8 by the dense, band and sparse solvers, with the
       exact Jacobian and by finite differences: the same solution to the
       tolerance; differences cost f calls. */
    struct tb_problem *tp = tb_get("hires", 1);
    static const enum ls_kind kinds[3] = { LS_DENSE, LS_BAND, LS_SPARSE };
    long nfev_exact = 0;

    for (int k = 0; k < 3; k++)
        for (int fd = 0; fd < 2; fd++) {
            struct solve_cfg c = { .t1 = tp->t1, .rtol = 1e-8, .atol = 1e-12,
                                   .jac = fd ? JAC_FD : JAC_AUTO, .ls = kinds[k] };
            struct rows rows = { 0 };
            struct solve_stats st;
            struct solve_failure fail;
            ck_assert_int_eq(solve(&tp->prob, NULL, tp->y0, &c, &rows, &st, &fail), 0);
            ck_assert_str_eq(st.linsolve, ls_kind_name(kinds[k]));
            ck_assert(st.jac_exact == !fd);
            double e = tb_error(tp, rows.y);
            ck_assert_msg(e < 1e-7, "%s %s: error %.2e", st.linsolve, fd ? "fd" : "exact", e);
            if (!fd)
                nfev_exact = st.nfev;
            else
                ck_assert(st.nfev > nfev_exact);
        }
}
END_TEST

START_TEST(extrap_singular_iteration_matrix)
{
    /* y' = lambda y with lambda = 2: I/h - J = 0 in the first row
       (h = H / 2) of a step H = 1. */
    struct ode_problem prob = problem(1, pr_rhs, pr_jac, one_cp, one_ri);
    struct stepper_cfg cfg;
    struct stepper s;
    double p[1] = { -2.0 };

    memset(&cfg, 0, sizeof cfg);
    cfg.prob = &prob;
    cfg.p = p;
    cfg.adaptive = true;
    cfg.rtol = cfg.atol = 1e-6;
    ck_assert_int_eq(stepper_new(&s, &seulex_method, &cfg), 0);
    s.y[0] = 1.0;
    ck_assert_int_eq(s.ops->begin(&s, 0.0, false, 1.0), 0);
    ck_assert_int_eq(s.ops->step(&s, 0.0, 1.0, false), STEP_SINGULAR);
    ck_assert_msg(strstr(s.why, "eigenvalue") != NULL, "%s", s.why);
    ck_assert_int_eq(s.ops->worst_var(&s), 0);
    ck_assert_double_eq(s.ops->next_step(&s, 1.0, NAN, false, STEP_SINGULAR), 0.5);
    ck_assert_int_eq(s.ops->step(&s, 0.0, 0.3, false), 0);
    ck_assert(isfinite(s.ops->error(&s)));
    stepper_free(&s);
}
END_TEST

START_TEST(extrap_nonfinite_derivative_names_the_variable)
{
    /* A step across t = 0.5 fails on derivative 1 (finite differences:
       no Jacobian in the problem); a shorter one does not. */
    struct ode_problem prob = problem(2, poisoned_rhs, NULL, NULL, NULL);
    struct stepper_cfg cfg;
    struct stepper s;
    bool in_state = true;

    memset(&cfg, 0, sizeof cfg);
    cfg.prob = &prob;
    cfg.adaptive = true;
    cfg.rtol = cfg.atol = 1e-6;
    ck_assert_int_eq(stepper_new(&s, &seulex_method, &cfg), 0);
    ck_assert(!s.jac_exact);
    s.y[0] = s.y[1] = 1.0;
    ck_assert_int_eq(s.ops->begin(&s, 0.0, false, 1.0), 0);
    ck_assert_int_eq(s.ops->step(&s, 0.0, 1.0, false), STEP_RHS);
    ck_assert_int_eq(s.ops->bad_var(&s, &in_state), 1);
    ck_assert(!in_state);
    ck_assert_int_eq(s.ops->step(&s, 0.0, 0.2, false), 0);
    ck_assert_int_eq(s.ops->bad_var(&s, &in_state), -1);
    stepper_free(&s);

    /* Through the loop: the solve stops there and names it. */
    struct solve_cfg c = { .t1 = 1.0, .rtol = 1e-6, .atol = 1e-6 };
    struct rows rows = { 0 };
    struct solve_stats st;
    struct solve_failure fail;
    static const double y0[2] = { 1.0, 1.0 };
    ck_assert_int_eq(solve(&prob, NULL, y0, &c, &rows, &st, &fail), ODE_ENONFINITE);
    ck_assert_int_eq(fail.var, 1);
    ck_assert_msg(fail.t >= 0.4 && fail.t < 0.6, "t = %g", fail.t);
}
END_TEST

START_TEST(extrap_registered_and_sequence)
{
    struct stepper_method m;

    ck_assert(stepper_find("SEULEX", &m));
    ck_assert_str_eq(m.name, "seulex");
    ck_assert_int_eq(m.family, FAM_ROSENBROCK);
    ck_assert(m.needs_jac && stepper_adaptive(&m));
    /* Increasing, and each at most twice the one before but one (the
       sequence of HW IV.9 from its second entry). */
    for (int j = 1; j < SEULEX_MAX_ROWS; j++) {
        ck_assert_int_gt(seulex_seq[j], seulex_seq[j - 1]);
        ck_assert(j < 2 || seulex_seq[j] == 2 * seulex_seq[j - 2]);
    }
}
END_TEST

static Suite *extrap_suite(void)
{
    Suite *s = suite_create("extrap");
    TCase *tc = tcase_create("seulex");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, extrap_registered_and_sequence);
    tcase_add_test(tc, extrap_constant_step_order_is_six);
    tcase_add_test(tc, extrap_prothero_robinson);
    tcase_add_test(tc, extrap_error_follows_tolerance);
    tcase_add_test(tc, extrap_dense_output_order);
    tcase_add_test(tc, extrap_save_grid_follows_the_solution);
    tcase_add_test(tc, extrap_robertson_against_reference);
    tcase_add_test(tc, extrap_stiff_test_set);
    tcase_add_test(tc, extrap_linear_solvers_and_fd_jacobian_agree);
    tcase_add_test(tc, extrap_singular_iteration_matrix);
    tcase_add_test(tc, extrap_nonfinite_derivative_names_the_variable);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(extrap_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
