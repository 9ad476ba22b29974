/* check_newton.c - the simplified Newton iteration of implicit stages. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "newton.h"

/* Problems with their exact Jacobian in CSC form.  p[0] scales f. */

/* f(y) = -p0 y^3, scalar. */
static int cube_rhs(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx; (void)t;
    f[0] = -p[0] * y[0] * y[0] * y[0];
    return 0;
}

static int cube_jac(void *ctx, double t, const double *y, const double *p, double *v)
{
    (void)ctx; (void)t;
    v[0] = -3 * p[0] * y[0] * y[0];
    return 0;
}

/* f(y) = p0 y with J = p1 (p1 != p0 gives a wrong Jacobian on purpose). */
static int lin_rhs(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx; (void)t;
    f[0] = p[0] * y[0];
    return 0;
}

static int lin_jac(void *ctx, double t, const double *y, const double *p, double *v)
{
    (void)ctx; (void)t; (void)y;
    v[0] = p[1];
    return 0;
}

static const size_t one_cp[] = { 0, 1 }, one_ri[] = { 0 };

/* Robertson's kinetics (the IVP test set's ROBER), 3 states. */
static int rober_rhs(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx; (void)t; (void)p;
    f[0] = -0.04 * y[0] + 1e4 * y[1] * y[2];
    f[1] = 0.04 * y[0] - 1e4 * y[1] * y[2] - 3e7 * y[1] * y[1];
    f[2] = 3e7 * y[1] * y[1];
    return 0;
}

/* Column by column: (0,0) (1,0) | (0,1) (1,1) (2,1) | (0,2) (1,2). */
static const size_t rober_cp[] = { 0, 2, 5, 7 };
static const size_t rober_ri[] = { 0, 1, 0, 1, 2, 0, 1 };

static int rober_jac(void *ctx, double t, const double *y, const double *p, double *v)
{
    (void)ctx; (void)t; (void)p;
    v[0] = -0.04;
    v[1] = 0.04;
    v[2] = 1e4 * y[2];
    v[3] = -1e4 * y[2] - 6e7 * y[1];
    v[4] = 6e7 * y[1];
    v[5] = 1e4 * y[1];
    v[6] = -1e4 * y[1];
    return 0;
}

static struct ode_problem problem(size_t n, ode_rhs_fn rhs, ode_jac_fn jacf,
                                  const size_t *cp, const size_t *ri)
{
    struct ode_problem pr;

    memset(&pr, 0, sizeof pr);
    pr.n_states = n;
    pr.n_params = 2;
    pr.rhs = rhs;
    pr.jac = jacf;
    pr.jac_pattern.nnz = cp[n];
    pr.jac_pattern.colptr = cp;
    pr.jac_pattern.rowind = ri;
    return pr;
}

/* z = y + s (z1 - y), 3 values. */
static void guess(double *z, const double *y, const double *z1, double s)
{
    int k;

    for (k = 0; k < 3; k++)
        z[k] = y[k] + s * (z1[k] - y[k]);
}

static struct stepper_cfg config(const struct ode_problem *pr, const double *p,
                                 double rtol, double atol)
{
    struct stepper_cfg c;

    memset(&c, 0, sizeof c);
    c.prob = pr;
    c.p = p;
    c.adaptive = true;
    c.rtol = rtol;
    c.atol = atol;
    c.norm = NORM_RMS;
    c.linsolve = LS_AUTO;
    c.jacobian = JAC_AUTO;
    return c;
}

START_TEST(newton_solves_a_nonlinear_scalar_stage_quickly)
{
    double p[2] = { 1, 0 }, y = 1, f = -1, psi = 1, z = 1, g = 0.1;
    struct ode_problem pr = problem(1, cube_rhs, cube_jac, one_cp, one_ri);
    struct stepper_cfg cfg = config(&pr, p, 1e-8, 1e-8);
    struct stepper_stats st = { 0 };
    newton *nw;

    ck_assert_int_eq(newton_new(&cfg, &st, &nw), 0);
    newton_point(nw, 0, &y, &f);
    ck_assert_int_eq(newton_solve(nw, 0, g, &psi, &z), 0);
    /* The root of z + z^3/10 = 1 is 0.92170: J at y = 1 is -3 against
       -2.55 at the root, so the simplified iteration contracts by about
       |1 - 1.255 / 1.3| = 0.035 (Hairer & Wanner II, IV.8): 1e-8 from
       0.08 in at most 7 iterations. */
    ck_assert_double_eq_tol(z, 0.9216989942, 1e-8);
    ck_assert_double_eq_tol(z - psi + g * z * z * z, 0, 1e-9);
    ck_assert_int_le(newton_iters(nw), 7);
    ck_assert_double_le(newton_rate(nw), 0.06);
    ck_assert_int_eq(st.njev, 1);
    ck_assert_int_eq(st.nlu, 1);
    ck_assert_int_eq(st.nnewton, newton_iters(nw));
    ck_assert_int_eq(st.nsolve, st.nnewton);
    ck_assert_int_eq(st.nfev, st.nnewton);
    ck_assert_int_eq(st.nnewton_fail, 0);
    newton_free(nw);
}
END_TEST

START_TEST(newton_converges_quadratically_with_a_fresh_jacobian)
{
    /* With J taken at the guess, one iteration is a full Newton step: the
       error after it is O(err^2), measured on z + z^3/2 = 1 from guesses
       0.1, 0.01 and 0.001 away from the root. */
    double p[2] = { 1, 0 }, psi = 1, g = 0.5, root = 0.770917000402;
    struct ode_problem pr = problem(1, cube_rhs, cube_jac, one_cp, one_ri);
    struct stepper_cfg cfg = config(&pr, p, 1e-2, 1e-2);
    int i;

    for (i = 1; i <= 3; i++) {
        struct stepper_stats st = { 0 };
        double d = pow(10.0, -i), y = root + d, f = -y * y * y, z = y;
        newton *nw;

        ck_assert_int_eq(newton_new(&cfg, &st, &nw), 0);
        newton_point(nw, 0, &y, &f);
        newton_tune(nw, 1e9, 1);
        ck_assert_int_eq(newton_solve(nw, 0, g, &psi, &z), 0);
        ck_assert_int_eq(newton_iters(nw), 1);
        /* F = z + z^3/2 - 1: F''/(2F') = 0.61 at the root. */
        ck_assert_double_le(fabs(z - root), 0.7 * d * d + 1e-15);
        newton_free(nw);
    }
}
END_TEST

START_TEST(newton_solves_a_stiff_system_and_reuses_its_factorisation)
{
    double p[2] = { 0, 0 }, y[3] = { 1, 0, 0 }, f[3], psi[3], z[3], z1[3], r[3];
    struct ode_problem pr = problem(3, rober_rhs, rober_jac, rober_cp, rober_ri);
    struct stepper_cfg cfg = config(&pr, p, 1e-8, 1e-12);
    struct stepper_stats st = { 0 };
    /* From (1, 0, 0) with J there, gamma = 1e-3 diverges (the 3e7 y2^2
       term); implicit Euler steps of 1e-5 converge. */
    double g = 1e-5;
    newton *nw;
    int k;

    rober_rhs(NULL, 0, y, p, f);
    ck_assert_int_eq(newton_new(&cfg, &st, &nw), 0);
    newton_point(nw, 0, y, f);
    memcpy(psi, y, sizeof psi);
    memcpy(z, y, sizeof z);
    ck_assert_int_eq(newton_solve(nw, 0, g, psi, z), 0);
    rober_rhs(NULL, 0, z, p, r);
    for (k = 0; k < 3; k++)
        ck_assert_double_le(fabs(z[k] - psi[k] - g * r[k]), NEWTON_KAPPA * (1e-12 + 1e-8 * fabs(z[k])));
    ck_assert_double_eq_tol(z[0] + z[1] + z[2], 1, 1e-15);
    ck_assert_int_eq(st.njev, 1);
    ck_assert_int_eq(st.nlu, 1);

    /* The stage again with the same gamma, and with one within
       NEWTON_GAMMA_RATIO: no new LU.  The guesses extrapolate the first
       solution linearly in gamma, as a stepper's predictor would. */
    memcpy(z1, z, sizeof z1);
    guess(z, y, z1, 1.0);
    ck_assert_int_eq(newton_solve(nw, 0, g, psi, z), 0);
    guess(z, y, z1, 1.2);
    ck_assert_int_eq(newton_solve(nw, 0, 1.2 * g, psi, z), 0);
    ck_assert_int_eq(st.nlu, 1);
    ck_assert_int_eq(st.njev, 1);
    /* A gamma twice as large: a new LU, the same J. */
    guess(z, y, z1, 2.0);
    ck_assert_int_eq(newton_solve(nw, 0, 2 * g, psi, z), 0);
    ck_assert_int_eq(st.nlu, 2);
    ck_assert_int_eq(st.njev, 1);
    /* A new point keeps J; stale asks for a new one (and a new LU). */
    memcpy(y, z, sizeof y);
    rober_rhs(NULL, 0, y, p, f);
    newton_point(nw, 5 * g, y, f);
    ck_assert(!newton_jac_current(nw));
    memcpy(psi, y, sizeof psi);
    ck_assert_int_eq(newton_solve(nw, 5 * g, 2 * g, psi, z), 0);
    ck_assert_int_eq(st.njev, 1);
    newton_jac_stale(nw);
    ck_assert_int_eq(newton_solve(nw, 5 * g, 2 * g, psi, z), 0);
    ck_assert_int_eq(st.njev, 2);
    ck_assert_int_eq(st.nlu, 3);
    ck_assert(newton_jac_current(nw));
    ck_assert_int_eq(st.nnewton_fail, 0);
    ck_assert_int_eq(st.nsolve, st.nnewton);
    ck_assert_str_eq(newton_ls_name(nw), "dense");
    ck_assert(newton_jac_exact(nw));
    newton_free(nw);
}
END_TEST

START_TEST(newton_refreshes_an_old_jacobian_after_a_failure)
{
    /* J taken at y = 0.01 is nearly 0; the stage z + z^3 = 10 (root 2)
       is stiff, so the old J diverges from 2.05, and the retry with J
       there converges. */
    double p[2] = { 1, 0 }, y = 0.01, f = -1e-6, psi, z, g = 1;
    struct ode_problem pr = problem(1, cube_rhs, cube_jac, one_cp, one_ri);
    struct stepper_cfg cfg = config(&pr, p, 1e-4, 1e-4);
    struct stepper_stats st = { 0 };
    newton *nw;

    ck_assert_int_eq(newton_new(&cfg, &st, &nw), 0);
    newton_point(nw, 0, &y, &f);
    psi = z = y;
    ck_assert_int_eq(newton_solve(nw, 0, g, &psi, &z), 0);
    ck_assert_int_eq(st.njev, 1);
    y = 2.05;
    f = -y * y * y;
    newton_point(nw, 1, &y, &f);
    psi = 10;
    z = y;
    ck_assert_int_eq(newton_solve(nw, 1, g, &psi, &z), 0);
    ck_assert_double_eq_tol(z, 2, 1e-5);
    ck_assert_int_eq(st.njev, 2);
    ck_assert_int_eq(st.nnewton_fail, 1);
    newton_free(nw);
}
END_TEST

START_TEST(newton_reports_divergence_and_the_variable)
{
    /* f = -100 y with a J of +100: (I - gamma J) has the wrong sign, the
       iteration grows by |1 - 11/(-9)| = 2.2 per step at gamma = 0.1. */
    double p[2] = { -100, 100 }, y = 1, f = -100, psi = 1, z = 1;
    struct ode_problem pr = problem(1, lin_rhs, lin_jac, one_cp, one_ri);
    struct stepper_cfg cfg = config(&pr, p, 1e-6, 1e-6);
    struct stepper_stats st = { 0 };
    newton *nw;

    ck_assert_int_eq(newton_new(&cfg, &st, &nw), 0);
    newton_point(nw, 0, &y, &f);
    ck_assert_int_eq(newton_solve(nw, 0, 0.1, &psi, &z), STEP_NEWTON);
    ck_assert_int_eq(newton_worst_var(nw), 0);
    ck_assert_double_eq(z, 1);
    ck_assert_int_eq(st.nnewton_fail, 1);
    ck_assert_int_eq(st.njev, 1);
    ck_assert_ptr_nonnull(strstr(newton_why(nw), "Newton"));
    newton_free(nw);
}
END_TEST

START_TEST(newton_reports_a_singular_matrix)
{
    /* J = 10, gamma = 0.1: (1/gamma) I - J = 0. */
    double p[2] = { 10, 10 }, y = 1, f = 10, psi = 1, z = 1;
    struct ode_problem pr = problem(1, lin_rhs, lin_jac, one_cp, one_ri);
    struct stepper_cfg cfg = config(&pr, p, 1e-6, 1e-6);
    struct stepper_stats st = { 0 };
    newton *nw;

    ck_assert_int_eq(newton_new(&cfg, &st, &nw), 0);
    newton_point(nw, 0, &y, &f);
    ck_assert_int_eq(newton_solve(nw, 0, 0.1, &psi, &z), STEP_SINGULAR);
    ck_assert_int_eq(newton_worst_var(nw), 0);
    ck_assert_ptr_nonnull(strstr(newton_why(nw), "singular"));
    ck_assert_double_eq(z, 1);
    /* A smaller gamma cures it. */
    ck_assert_int_eq(newton_solve(nw, 0, 0.05, &psi, &z), 0);
    ck_assert_double_eq_tol(z, 1 / (1 - 0.5), 1e-5);
    newton_free(nw);
}
END_TEST

START_TEST(newton_works_with_finite_differences)
{
    double p[2] = { 0, 0 }, y[3] = { 1, 0, 0 }, psi[3], z[3], r[3];
    struct ode_problem pr = problem(3, rober_rhs, NULL, rober_cp, rober_ri);
    struct stepper_cfg cfg = config(&pr, p, 1e-8, 1e-12);
    struct stepper_stats st = { 0 };
    newton *nw;
    int k;

    cfg.jacobian = JAC_FD;
    ck_assert_int_eq(newton_new(&cfg, &st, &nw), 0);
    ck_assert(!newton_jac_exact(nw));
    /* Without f at the point the differences evaluate it themselves. */
    newton_point(nw, 0, y, NULL);
    memcpy(psi, y, sizeof psi);
    memcpy(z, y, sizeof z);
    ck_assert_int_eq(newton_solve(nw, 0, 1e-5, psi, z), 0);
    rober_rhs(NULL, 0, z, p, r);
    for (k = 0; k < 3; k++)
        ck_assert_double_le(fabs(z[k] - psi[k] - 1e-5 * r[k]), NEWTON_KAPPA * (1e-12 + 1e-8 * fabs(z[k])));
    /* The iterations, f at the point, and at least one difference. */
    ck_assert_int_ge(st.nfev, st.nnewton + 2);
    ck_assert_int_eq(st.njev, 1);
    newton_free(nw);
}
END_TEST

static Suite *newton_suite(void)
{
    Suite *s = suite_create("newton");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, newton_solves_a_nonlinear_scalar_stage_quickly);
    tcase_add_test(tc, newton_converges_quadratically_with_a_fresh_jacobian);
    tcase_add_test(tc, newton_solves_a_stiff_system_and_reuses_its_factorisation);
    tcase_add_test(tc, newton_refreshes_an_old_jacobian_after_a_failure);
    tcase_add_test(tc, newton_reports_divergence_and_the_variable);
    tcase_add_test(tc, newton_reports_a_singular_matrix);
    tcase_add_test(tc, newton_works_with_finite_differences);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(newton_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
