/* check_auto.c - Hairer's stiffness test in the ERK stepper and --solver
 * auto: explicit on a nonstiff problem, a stiff member where the problem
 * is stiff, back to explicit where it no longer is, accurate throughout
 * (problems with known solutions). */
#include "auto.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "solve.h"

/* x'' = -x as x' = v, v' = -x: never stiff. */
static int oscillator(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx, (void)t, (void)p;
    f[0] = y[1];
    f[1] = -y[0];
    return 0;
}

/* Prothero and Robinson's problem y' = -lambda(t) (y - cos t) - sin t,
   y(0) = 1, solution y = cos t whatever lambda; p[0] is the stiffness,
   which lives only on 1 < t < 3 when p[1] is 1 (a smooth bump) and
   everywhere when p[1] is 0.  A second, slow component z' = -z keeps
   the system from being scalar. */
static double lambda_of(double t, const double *p)
{
    if (p[1] == 0.0)
        return p[0];
    double u = (t - 2.0) / 1.0;
    return 1.0 + p[0] * exp(-pow(u, 8.0));
}

static int prothero(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx;
    f[0] = -lambda_of(t, p) * (y[0] - cos(t)) - sin(t);
    f[1] = -y[1];
    return 0;
}

/* Its Jacobian, diagonal, in CSC order. */
static int prothero_jac(void *ctx, double t, const double *y, const double *p, double *val)
{
    (void)ctx, (void)y;
    val[0] = -lambda_of(t, p);
    val[1] = -1.0;
    return 0;
}

static const size_t diag_colptr[3] = { 0, 1, 2 }, diag_rowind[2] = { 0, 1 };

static struct ode_problem problem(ode_rhs_fn rhs, ode_jac_fn jacobian)
{
    struct ode_problem prob = { .n_states = 2, .n_params = 2, .rhs = rhs, .jac = jacobian };
    if (jacobian)
        prob.jac_pattern = (struct ode_pattern){ 2, diag_colptr, diag_rowind };
    return prob;
}

static int keep_last(void *ctx, double t, const double *y)
{
    double *last = ctx;
    last[0] = t;
    last[1] = y[0];
    last[2] = y[1];
    return 0;
}

static int run(const struct ode_problem *prob, const double *p, const double *y0,
               const char *method, double t1, double rtol, struct solve_stats *st,
               double *last)
{
    struct solve_opts o;
    struct solve_sink sink = { .row = keep_last, .ctx = last };
    struct solve_failure fail;
    solve_opts_default(&o);
    o.method = method;
    o.t1 = t1;
    o.rtol = rtol;
    o.atol = rtol;
    o.save = SAVE_FINAL;
    return solve_run(prob, p, y0, &o, &sink, NULL, st, &fail);
}

START_TEST(stiffness_test_flags_a_stiff_problem_only)
{
    struct ode_problem osc = problem(oscillator, NULL), pr = problem(prothero, NULL);
    double p[2] = { 1e4, 0.0 }, y0[2] = { 1.0, 0.0 }, last[3];
    struct solve_stats st;

    ck_assert_int_eq(run(&osc, p, y0, "dopri5", 50.0, 1e-6, &st, last), 0);
    ck_assert(isnan(st.stiff_t));
    ck_assert_int_eq(run(&pr, p, y0, "dopri5", 2.0, 1e-6, &st, last), 0);
    /* Tested at step 0 (not stiff yet: the transient is resolved) and
       again at step 1000, t = 0.33, then at every step. */
    ck_assert_msg(isfinite(st.stiff_t) && st.stiff_t < 0.5, "stiff_t = %g", st.stiff_t);
    /* dopri5's real stability bound, 3.3 (HNW II.10): |h lambda| near it. */
    ck_assert_double_gt(st.stiff_hlamb, 3.25);
    ck_assert_double_lt(st.stiff_hlamb, 4.0);
    /* Without FSAL the test rebuilds stage s-2's argument: vern7 finds
       it too, with |h lambda| near its bound 4.64. */
    ck_assert_int_eq(run(&pr, p, y0, "vern7", 2.0, 1e-6, &st, last), 0);
    ck_assert_msg(isfinite(st.stiff_t) && st.stiff_t < 1.0, "vern7: stiff_t = %g", st.stiff_t);
    ck_assert_double_gt(st.stiff_hlamb, 4.55);
    ck_assert_double_lt(st.stiff_hlamb, 5.5);
    /* Methods without the test report nothing. */
    ck_assert_int_eq(run(&pr, p, y0, "bosh3", 0.5, 1e-6, &st, last), 0);
    ck_assert(isnan(st.stiff_t));
}
END_TEST

START_TEST(auto_stays_explicit_where_nothing_is_stiff)
{
    struct ode_problem osc = problem(oscillator, NULL);
    double p[2] = { 0, 0 }, y0[2] = { 1.0, 0.0 }, last[3];
    struct solve_stats st, ref;

    ck_assert_int_eq(run(&osc, p, y0, "auto", 20.0, 1e-8, &st, last), 0);
    ck_assert_int_eq(st.nswitch, 0);
    ck_assert_double_lt(fabs(last[1] - cos(20.0)), 1e-6);
    /* Step for step the explicit member: vern7 at 1e-7, tsit5
       at looser ones, vern9 at tighter. */
    static const struct { double rtol; const char *name; } member[] = {
        { 1e-7, "vern7" }, { 1e-5, "tsit5" }, { 1e-8, "vern9" }, { 1e-11, "vern9" },
    };
    for (size_t i = 0; i < sizeof member / sizeof member[0]; i++) {
        ck_assert_int_eq(run(&osc, p, y0, "auto", 20.0, member[i].rtol, &st, last), 0);
        ck_assert_int_eq(run(&osc, p, y0, member[i].name, 20.0, member[i].rtol, &ref, last), 0);
        ck_assert_msg(st.steps == ref.steps, "%s: %ld, auto %ld", member[i].name, ref.steps,
                      st.steps);
        ck_assert_int_eq(st.nswitch, 0);
    }
}
END_TEST

START_TEST(auto_hands_over_to_a_stiff_method)
{
    struct ode_problem pr = problem(prothero, prothero_jac);
    double p[2] = { 1e6, 0.0 }, y0[2] = { 1.0, 1.0 }, last[3];
    struct solve_stats st, ex;

    ck_assert_int_eq(run(&pr, p, y0, "auto", 10.0, 1e-6, &st, last), 0);
    ck_assert_msg(strstr(st.notes, "no stiff method") == NULL, "%s", st.notes);
    ck_assert_int_eq(st.nswitch, 1);
    ck_assert_double_lt(fabs(last[1] - cos(10.0)), 1e-5);
    ck_assert_double_lt(fabs(last[2] - exp(-10.0)), 1e-5);
    /* dopri5 alone is held to |h| < 3.3e-6 by stability. */
    ck_assert_int_eq(run(&pr, p, y0, "dopri5", 0.1, 1e-6, &ex, last), 0);
    ck_assert_int_gt(ex.steps, 10000);
    ck_assert_int_lt(st.steps, 1000);
}
END_TEST

START_TEST(auto_comes_back_where_the_stiffness_ends)
{
    struct ode_problem pr = problem(prothero, prothero_jac);
    double p[2] = { 1e5, 1.0 }, y0[2] = { 1.0, 1.0 }, last[3];
    struct solve_stats st;

    ck_assert_int_eq(run(&pr, p, y0, "auto", 6.0, 1e-6, &st, last), 0);
    /* In where lambda grows near t = 1.3, out where it is gone near 2.7. */
    ck_assert_msg(st.nswitch >= 2, "%ld switches: %s", st.nswitch, st.notes);
    ck_assert_double_lt(fabs(last[1] - cos(6.0)), 1e-5);
    ck_assert_double_lt(fabs(last[2] - exp(-6.0)), 1e-5);
}
END_TEST

static Suite *auto_suite(void)
{
    Suite *s = suite_create("auto");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, stiffness_test_flags_a_stiff_problem_only);
    tcase_add_test(tc, auto_stays_explicit_where_nothing_is_stiff);
    tcase_add_test(tc, auto_hands_over_to_a_stiff_method);
    tcase_add_test(tc, auto_comes_back_where_the_stiffness_ends);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(auto_suite());
    int failed;
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
