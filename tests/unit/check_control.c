/* check_control.c - the step-size filter against its formula: gains to
 * filter coefficients, step-ratio feedback, limits, rejections, history,
 * and the presets against Soderlind's tables. */
#include "control.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "problem.h"

static struct ctl_filter filt(double b1, double b2, double b3, double a2, double a3)
{
    struct ctl_filter f = { { b1, b2, b3 }, { a2, a3 } };
    return f;
}

static struct ctl_filter gains(double ki, double kp, double kd)
{
    struct ctl_filter f = filt(0, 0, 0, 0, 0);
    ctl_set_gains(&f, ki, kp, kd);
    return f;
}

/* The factor the filter must give on an accepted step, from control.h:
   (th/e0)^(b1/k) (th/e1)^(b2/k) (th/e2)^(b3/k) rho1^-a2 rho2^-a3. */
static double filter(double th, const struct ctl_filter *f, int k, double e0, double e1,
                     double e2, double rho1, double rho2)
{
    return pow(th / e0, f->b[0] / k) * pow(th / e1, f->b[1] / k) * pow(th / e2, f->b[2] / k) *
           pow(rho1, -f->a[0]) * pow(rho2, -f->a[1]);
}

/* The target theta given to ctl_init (0: the default), recovered from
   the I controller: e = theta gives 1. */
static double target_of(double theta)
{
    struct ctl_filter f = filt(1, 0, 0, 0, 0);
    struct ctl c;
    double lo = 0.01, hi = 0.99;

    for (int i = 0; i < 60; i++) {
        double mid = 0.5 * (lo + hi);
        ck_assert_int_eq(ctl_init(&c, &f, 5, theta), 0);
        if (ctl_factor(&c, mid) > 1.0)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

static double target(void)
{
    return target_of(0);
}

START_TEST(ctl_target_is_the_given_one)
{
    struct ctl c;

    ck_assert_double_eq_tol(target(), CTL_TARGET, 1e-12);
    ck_assert_double_eq_tol(target_of(0.2), 0.2, 1e-12);
    ck_assert_double_eq_tol(target_of(0.7), 0.7, 1e-12);
    ck_assert_int_eq(ctl_init(&c, &ctl_find("i")->f, 5, 1.0), ODE_EINVAL);
    ck_assert_int_eq(ctl_init(&c, &ctl_find("i")->f, 5, -0.1), ODE_EINVAL);
    ck_assert_int_eq(ctl_init(&c, &ctl_find("i")->f, 5, NAN), ODE_EINVAL);
    /* A rejected step aims at the given target too. */
    ck_assert_int_eq(ctl_init(&c, &ctl_find("pid")->f, 8, 0.2), 0);
    ck_assert_double_eq_tol(ctl_factor(&c, 3.0), pow(0.2 / 3.0, 1.0 / 8), 1e-12);
}
END_TEST

START_TEST(ctl_i_controller_is_elementary)
{
    struct ctl c;
    double th = target();

    ck_assert(th > 0.2 && th < 0.95);
    ck_assert_int_eq(ctl_init(&c, &ctl_find("i")->f, 5, 0), 0);
    ck_assert_double_eq_tol(ctl_factor(&c, 0.3), pow(th / 0.3, 0.2), 1e-12);
    /* The history does not matter with kP = kD = 0. */
    ck_assert_double_eq_tol(ctl_factor(&c, 0.01), pow(th / 0.01, 0.2), 1e-12);
    ck_assert_double_eq_tol(ctl_factor(&c, 0.9), pow(th / 0.9, 0.2), 1e-12);
}
END_TEST

START_TEST(ctl_pid_gains_map_to_filter_coefficients)
{
    const double ki = 0.5, kp = 0.3, kd = 0.1, e[4] = { 0.2, 0.7, 0.05, 0.4 };
    struct ctl_filter f = gains(ki, kp, kd);
    double th = target(), got;
    struct ctl c;

    ck_assert_double_eq_tol(f.b[0], ki + kp + kd, 1e-15);
    ck_assert_double_eq_tol(f.b[1], -(kp + 2 * kd), 1e-15);
    ck_assert(f.b[2] == kd && f.a[0] == 0 && f.a[1] == 0);
    ck_assert_int_eq(ctl_init(&c, &f, 4, 0), 0);
    /* Before any history the previous errors count as on target. */
    got = ctl_factor(&c, e[0]);
    ck_assert_double_eq_tol(got, filter(th, &f, 4, e[0], th, th, 1, 1), 1e-12);
    got = ctl_factor(&c, e[1]);
    ck_assert_double_eq_tol(got, filter(th, &f, 4, e[1], e[0], th, 1, 1), 1e-12);
    got = ctl_factor(&c, e[2]);
    ck_assert_double_eq_tol(got, fmin(5.0, filter(th, &f, 4, e[2], e[1], e[0], 1, 1)), 1e-12);
    got = ctl_factor(&c, e[3]);
    ck_assert_double_eq_tol(got, filter(th, &f, 4, e[3], e[2], e[1], 1, 1), 1e-12);
}
END_TEST

START_TEST(ctl_alpha_feeds_back_the_filters_own_step_ratios)
{
    const struct ctl_filter f = filt(0.3, 0.2, 0.1, 0.4, -0.25);
    const double e[5] = { 0.3, 0.5, 0.2, 0.6, 0.4 };
    double th = target(), rho[7] = { 1, 1 }, got;
    struct ctl c;

    ck_assert_int_eq(ctl_init(&c, &f, 3, 0), 0);
    for (int n = 0; n < 5; n++) {
        double e1 = n >= 1 ? e[n - 1] : th, e2 = n >= 2 ? e[n - 2] : th;
        double want = filter(th, &f, 3, e[n], e1, e2, rho[n + 1], rho[n]);
        ck_assert(want > 0.2 && want < 5.0);
        got = ctl_factor(&c, e[n]);
        ck_assert_double_eq_tol(got, want, 1e-12);
        rho[n + 2] = got;
    }
    /* A rejection is not a ratio of the filter's: the history stays. */
    ck_assert_double_eq_tol(ctl_factor(&c, 3.0), pow(th / 3.0, 1.0 / 3), 1e-12);
    got = ctl_factor(&c, 0.4);
    ck_assert_double_eq_tol(got, fmin(1.0, filter(th, &f, 3, 0.4, e[4], e[3], rho[6], rho[5])),
                            1e-12);
}
END_TEST

START_TEST(ctl_limits_growth_and_shrink)
{
    struct ctl_filter f = filt(1, 0, 0, 0, 0), d = gains(0, 0, 3);
    struct ctl c;

    ck_assert_int_eq(ctl_init(&c, &f, 5, 0), 0);
    ck_assert(ctl_factor(&c, 0.0) == 5.0);
    ck_assert(ctl_factor(&c, 1e-30) == 5.0);
    /* A strong derivative term can ask for a tiny step on acceptance. */
    ck_assert_int_eq(ctl_init(&c, &d, 2, 0), 0);
    ck_assert(ctl_factor(&c, 1e-3) == 5.0);
    ck_assert(ctl_factor(&c, 0.9) == 0.2);
}
END_TEST

START_TEST(ctl_rejection_aims_at_target_without_history)
{
    struct ctl c;
    double th = target();

    ck_assert_int_eq(ctl_init(&c, &ctl_find("pid")->f, 5, 0), 0);
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

    ck_assert_int_eq(ctl_init(&c, &ctl_find("pid")->f, 5, 0), 0);
    ck_assert(ctl_factor(&c, NAN) == 0.25);
    ck_assert(ctl_factor(&c, INFINITY) == 0.25);
    ck_assert(ctl_factor(&c, 1e-6) <= 1.0);
}
END_TEST

START_TEST(ctl_default_gain_sets)
{
    double ki, kp, kd;
    struct ctl c;
    struct ctl_filter f;

    ctl_gains(&ctl_preset(CTL_I)->f, &ki, &kp, &kd);
    ck_assert(ki == 1.0 && kp == 0.0 && kd == 0.0);
    ctl_gains(&ctl_preset(CTL_PI)->f, &ki, &kp, &kd);
    ck_assert(ki > 0 && kp > 0 && kd == 0.0);
    /* DOPRI5's PI: exponents 0.17 and -0.04 for k = 5. */
    ck_assert_double_eq_tol(ctl_preset(CTL_PI)->f.b[0] / 5, 0.17, 1e-12);
    ck_assert_double_eq_tol(ctl_preset(CTL_PI)->f.b[1] / 5, -0.04, 1e-12);
    ctl_gains(&ctl_preset(CTL_PID)->f, &ki, &kp, &kd);
    ck_assert_double_eq_tol(ki, 0.55, 1e-15);
    ck_assert_double_eq_tol(kp, 0.25, 1e-15);
    ck_assert_double_eq_tol(kd, 0.1, 1e-15);
    f = ctl_preset(CTL_PID)->f;
    ck_assert_int_eq(ctl_init(&c, &f, 5, 0), 0);
    f.b[0] = NAN;
    ck_assert_int_eq(ctl_init(&c, &f, 5, 0), ODE_EINVAL);
    f = ctl_preset(CTL_PID)->f;
    f.a[1] = INFINITY;
    ck_assert_int_eq(ctl_init(&c, &f, 5, 0), ODE_EINVAL);
    ck_assert_int_eq(ctl_init(&c, &ctl_preset(CTL_PID)->f, 0, 0), ODE_EINVAL);
}
END_TEST

/* k beta1..3 and alpha2, alpha3 of Soderlind (2003) and Soderlind & Wang
   (2006), H211b with b = 4 and H312b with b = 8. */
START_TEST(ctl_soderlind_presets_are_exact)
{
    static const struct {
        const char *name;
        double b[3], a[2];
    } want[] = {
        { "h0211", { 1.0 / 2, 1.0 / 2, 0 }, { 1.0 / 2, 0 } },
        { "h211b", { 1.0 / 4, 1.0 / 4, 0 }, { 1.0 / 4, 0 } },
        { "h211pi", { 1.0 / 6, 1.0 / 6, 0 }, { 0, 0 } },
        { "h0312", { 1.0 / 4, 1.0 / 2, 1.0 / 4 }, { 3.0 / 4, 1.0 / 4 } },
        { "h312b", { 1.0 / 8, 1.0 / 4, 1.0 / 8 }, { 3.0 / 8, 1.0 / 8 } },
        { "h312pid", { 1.0 / 18, 1.0 / 9, 1.0 / 18 }, { 0, 0 } },
        { "h0321", { 5.0 / 4, 1.0 / 2, -3.0 / 4 }, { -1.0 / 4, -3.0 / 4 } },
        { "h321", { 1.0 / 3, 1.0 / 18, -5.0 / 18 }, { -5.0 / 6, -1.0 / 6 } },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct ctl_preset *p = ctl_find(want[i].name);
        ck_assert_msg(p != NULL, "%s missing", want[i].name);
        for (int j = 0; j < 3; j++)
            ck_assert_msg(p->f.b[j] == want[i].b[j], "%s b%d = %.17g", p->name, j + 1, p->f.b[j]);
        for (int j = 0; j < 2; j++)
            ck_assert_msg(p->f.a[j] == want[i].a[j], "%s a%d = %.17g", p->name, j + 2, p->f.a[j]);
    }
}
END_TEST

START_TEST(ctl_every_preset_is_found_by_name_and_kind)
{
    const char *names[] = { "constant", "i", "pi", "pid", "h211b", "h211pi", "h312pid",
                            "h312b", "h321" };

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        ck_assert_msg(ctl_find(names[i]) != NULL, "%s", names[i]);
    ck_assert_ptr_eq(ctl_find("H312PID"), ctl_find("h312pid"));
    ck_assert_ptr_null(ctl_find("h312"));
    ck_assert_ptr_null(ctl_find(NULL));
    ck_assert_ptr_null(ctl_preset(CTL_DEFAULT));
    ck_assert_uint_ge(ctl_count(), 12);
    for (size_t i = 0; i < ctl_count(); i++) {
        const struct ctl_preset *p = ctl_at(i);
        ck_assert_ptr_eq(ctl_find(p->name), p);
        ck_assert_ptr_eq(ctl_preset(p->kind), p);
    }
    ck_assert_ptr_null(ctl_at(ctl_count()));
}
END_TEST

/* On target with constant steps, every filter keeps the step: its
   coefficients are consistent (they act on deviations only). */
START_TEST(ctl_every_preset_holds_the_step_on_target)
{
    double th = target();

    for (size_t i = 0; i < ctl_count(); i++) {
        const struct ctl_preset *p = ctl_at(i);
        struct ctl c;
        if (p->kind == CTL_CONSTANT)
            continue;
        ck_assert_int_eq(ctl_init(&c, &p->f, 5, 0), 0);
        for (int n = 0; n < 4; n++)
            ck_assert_msg(fabs(ctl_factor(&c, th) - 1.0) < 1e-9, "%s", p->name);
    }
}
END_TEST

START_TEST(ctl_gain_overrides_keep_alpha_and_the_rest)
{
    const struct ctl_filter h312pid = ctl_find("h312pid")->f;
    struct ctl_filter f = h312pid;
    double ki, kp, kd;

    /* H312PID as gains: kI = 2/9, kP = -2/9, kD = 1/18. */
    ctl_gains(&f, &ki, &kp, &kd);
    ck_assert_double_eq_tol(ki, 2.0 / 9, 1e-15);
    ck_assert_double_eq_tol(kp, -2.0 / 9, 1e-15);
    ck_assert_double_eq_tol(kd, 1.0 / 18, 1e-15);
    ctl_set_gains(&f, NAN, NAN, NAN);
    ck_assert(memcmp(&f, &h312pid, sizeof f) == 0);
    ctl_set_gains(&f, NAN, 0.0, NAN);
    ctl_gains(&f, &ki, &kp, &kd);
    ck_assert_double_eq_tol(ki, 2.0 / 9, 1e-15);
    ck_assert(kp == 0.0);
    ck_assert_double_eq_tol(kd, 1.0 / 18, 1e-15);
    f = ctl_find("h211b")->f;
    ctl_set_gains(&f, 0.3, NAN, NAN);
    ck_assert(f.a[0] == 0.25 && f.a[1] == 0.0);
    ctl_gains(&f, &ki, &kp, &kd);
    ck_assert_double_eq_tol(ki, 0.3, 1e-15);
}
END_TEST

/* On the asymptotic model e = C h^k the closed loop of a filter has the
   characteristic polynomial (q - 1)(q^2 + a2 q + a3) + b1 q^2 + b2 q + b3
   (Soderlind 2003).  The deadbeat filters put every root at 0, so the
   error is on target after as many steps as their dynamics' order; the
   others converge geometrically.  This checks the signs of a against b. */
START_TEST(ctl_filters_settle_on_the_asymptotic_model)
{
    static const struct {
        const char *name;
        int settle;           /* steps to the target; 0: geometric */
    } cases[] = {
        { "h0211", 2 }, { "h0312", 3 }, { "h0321", 3 }, { "h211b", 0 }, { "h211pi", 0 },
        { "h312b", 0 }, { "h312pid", 0 }, { "h321", 0 }, { "pid", 0 }, { "i", 1 },
    };
    const int k = 5;
    const double C = 0.2;     /* e = 0.2 at h = 1 */
    double th = target();

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ctl c;
        double h = 1.0, dev = 0.0;
        ck_assert_int_eq(ctl_init(&c, &ctl_find(cases[i].name)->f, k, 0), 0);
        for (int n = 0; n < 60; n++) {
            double e = C * pow(h, k);
            dev = fabs(log(e / th));
            if (cases[i].settle && n >= cases[i].settle)
                ck_assert_msg(dev < 1e-12, "%s: step %d off target by %g", cases[i].name, n,
                              dev);
            h *= ctl_factor(&c, e);
        }
        ck_assert_msg(dev < 1e-6, "%s: still off target by %g", cases[i].name, dev);
    }
}
END_TEST

static Suite *control_suite(void)
{
    Suite *s = suite_create("control");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, ctl_i_controller_is_elementary);
    tcase_add_test(tc, ctl_target_is_the_given_one);
    tcase_add_test(tc, ctl_pid_gains_map_to_filter_coefficients);
    tcase_add_test(tc, ctl_alpha_feeds_back_the_filters_own_step_ratios);
    tcase_add_test(tc, ctl_limits_growth_and_shrink);
    tcase_add_test(tc, ctl_rejection_aims_at_target_without_history);
    tcase_add_test(tc, ctl_non_finite_error_quarters_the_step);
    tcase_add_test(tc, ctl_default_gain_sets);
    tcase_add_test(tc, ctl_soderlind_presets_are_exact);
    tcase_add_test(tc, ctl_every_preset_is_found_by_name_and_kind);
    tcase_add_test(tc, ctl_every_preset_holds_the_step_on_target);
    tcase_add_test(tc, ctl_gain_overrides_keep_alpha_and_the_rest);
    tcase_add_test(tc, ctl_filters_settle_on_the_asymptotic_model);
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
