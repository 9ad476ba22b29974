/* check_control.c - the step-size filter against its formula: gains to
 * filter coefficients, limits, rejections, history. */
#include "control.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "problem.h"

/* The factor the filter must give on an accepted step, from control.h:
   (th/e0)^(b1/k) (th/e1)^(b2/k) (th/e2)^(b3/k), b from the gains. */
static double filter(double th, double ki, double kp, double kd, int k, double e0,
                     double e1, double e2)
{
    double b1 = ki + kp + kd, b2 = -(kp + 2 * kd), b3 = kd;
    return pow(th / e0, b1 / k) * pow(th / e1, b2 / k) * pow(th / e2, b3 / k);
}

/* The target theta, recovered from the I controller: e = theta gives 1. */
static double target(void)
{
    struct ctl c;
    double lo = 0.01, hi = 0.99;

    for (int i = 0; i < 60; i++) {
        double mid = 0.5 * (lo + hi);
        ck_assert_int_eq(ctl_init(&c, 1, 0, 0, 5), 0);
        if (ctl_factor(&c, mid) > 1.0)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

START_TEST(ctl_i_controller_is_elementary)
{
    struct ctl c;
    double th = target();

    ck_assert(th > 0.2 && th < 0.95);
    ck_assert_int_eq(ctl_init(&c, 1, 0, 0, 5), 0);
    ck_assert_double_eq_tol(ctl_factor(&c, 0.3), pow(th / 0.3, 0.2), 1e-12);
    /* The history does not matter with kP = kD = 0. */
    ck_assert_double_eq_tol(ctl_factor(&c, 0.01), pow(th / 0.01, 0.2), 1e-12);
    ck_assert_double_eq_tol(ctl_factor(&c, 0.9), pow(th / 0.9, 0.2), 1e-12);
}
END_TEST

START_TEST(ctl_pid_gains_map_to_filter_coefficients)
{
    const double ki = 0.5, kp = 0.3, kd = 0.1, e[4] = { 0.2, 0.7, 0.05, 0.4 };
    double th = target(), got;
    struct ctl c;

    ck_assert_int_eq(ctl_init(&c, ki, kp, kd, 4), 0);
    /* Before any history the previous errors count as on target. */
    got = ctl_factor(&c, e[0]);
    ck_assert_double_eq_tol(got, filter(th, ki, kp, kd, 4, e[0], th, th), 1e-12);
    got = ctl_factor(&c, e[1]);
    ck_assert_double_eq_tol(got, filter(th, ki, kp, kd, 4, e[1], e[0], th), 1e-12);
    got = ctl_factor(&c, e[2]);
    ck_assert_double_eq_tol(got, fmin(5.0, filter(th, ki, kp, kd, 4, e[2], e[1], e[0])), 1e-12);
    got = ctl_factor(&c, e[3]);
    ck_assert_double_eq_tol(got, filter(th, ki, kp, kd, 4, e[3], e[2], e[1]), 1e-12);
}
END_TEST

START_TEST(ctl_limits_growth_and_shrink)
{
    struct ctl c;

    ck_assert_int_eq(ctl_init(&c, 1, 0, 0, 5), 0);
    ck_assert(ctl_factor(&c, 0.0) == 5.0);
    ck_assert(ctl_factor(&c, 1e-30) == 5.0);
    /* A strong derivative term can ask for a tiny step on acceptance. */
    ck_assert_int_eq(ctl_init(&c, 0, 0, 3, 2), 0);
    ck_assert(ctl_factor(&c, 1e-3) == 5.0);
    ck_assert(ctl_factor(&c, 0.9) == 0.2);
}
END_TEST

START_TEST(ctl_rejection_aims_at_target_without_history)
{
    struct ctl c;
    double th = target();

    ck_assert_int_eq(ctl_init(&c, 0.55, 0.25, 0.1, 5), 0);
    ck_assert(ctl_factor(&c, 0.3) > 1.0);
    ck_assert_double_eq_tol(ctl_factor(&c, 2.0), pow(th / 2.0, 0.2), 1e-12);
    ck_assert(ctl_factor(&c, 1e9) == 0.2);
    /* After a rejection an accepted step does not grow the next one. */
    ck_assert(ctl_factor(&c, 1e-6) == 1.0);
    ck_assert(ctl_factor(&c, 1e-6) > 1.0);
}
END_TEST

START_TEST(ctl_non_finite_error_quarters_the_step)
{
    struct ctl c;

    ck_assert_int_eq(ctl_init(&c, 0.55, 0.25, 0.1, 5), 0);
    ck_assert(ctl_factor(&c, NAN) == 0.25);
    ck_assert(ctl_factor(&c, INFINITY) == 0.25);
    ck_assert(ctl_factor(&c, 1e-6) <= 1.0);
}
END_TEST

START_TEST(ctl_named_gain_sets)
{
    double ki, kp, kd;
    struct ctl c;

    ctl_gains(CTL_I, &ki, &kp, &kd);
    ck_assert(ki == 1.0 && kp == 0.0 && kd == 0.0);
    ctl_gains(CTL_PI, &ki, &kp, &kd);
    ck_assert(ki > 0 && kp > 0 && kd == 0.0);
    /* DOPRI5's PI: exponents 0.17 and -0.04 for k = 5. */
    ck_assert_double_eq_tol((ki + kp) / 5, 0.17, 1e-12);
    ck_assert_double_eq_tol(-kp / 5, -0.04, 1e-12);
    ctl_gains(CTL_PID, &ki, &kp, &kd);
    ck_assert(ki > 0 && kd != 0.0);
    ck_assert_int_eq(ctl_init(&c, ki, kp, kd, 5), 0);
    ck_assert_int_eq(ctl_init(&c, NAN, kp, kd, 5), ODE_EINVAL);
    ck_assert_int_eq(ctl_init(&c, ki, INFINITY, kd, 5), ODE_EINVAL);
    ck_assert_int_eq(ctl_init(&c, ki, kp, kd, 0), ODE_EINVAL);
}
END_TEST

static Suite *control_suite(void)
{
    Suite *s = suite_create("control");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, ctl_i_controller_is_elementary);
    tcase_add_test(tc, ctl_pid_gains_map_to_filter_coefficients);
    tcase_add_test(tc, ctl_limits_growth_and_shrink);
    tcase_add_test(tc, ctl_rejection_aims_at_target_without_history);
    tcase_add_test(tc, ctl_non_finite_error_quarters_the_step);
    tcase_add_test(tc, ctl_named_gain_sets);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(control_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
