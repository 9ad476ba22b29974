/* check_dense.c - continuous extensions: each method's interpolant has the
 * order it claims (local error at points inside one step against the exact
 * solution, halving h), the legacy Hermite/Shampine builder, evaluation at
 * the ends of the step. */
#include "dense.h"

#include <check.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* x' = x (1 - x^2 - y^2) - y, y' = y (1 - x^2 - y^2) + x: the radius obeys
   r' = r (1 - r^2) and the angle turns at rate 1, so from (r0, 0) at t = 0
   the solution is r(t) (cos t, sin t), r(t) = 1/sqrt(1 + (1/r0^2 - 1)
   exp(-2t)).  Nonlinear and two-dimensional, so all elementary
   differentials differ. */
#define R0 0.5

static int cycle(void *ctx, double t, const double *y, const double *p, double *f)
{
    double q = 1.0 - y[0] * y[0] - y[1] * y[1];

    (void)ctx;
    (void)t;
    (void)p;
    f[0] = y[0] * q - y[1];
    f[1] = y[1] * q + y[0];
    return 0;
}

static void cycle_exact(double t, double *y)
{
    double r = 1.0 / sqrt(1.0 + (1.0 / (R0 * R0) - 1.0) * exp(-2.0 * t));

    y[0] = r * cos(t);
    y[1] = r * sin(t);
}

/* y' = -2 t y^2, y = 1/(1 + t^2): non-autonomous. */
static int rational(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx;
    (void)p;
    f[0] = -2.0 * t * y[0] * y[0];
    return 0;
}

static void rational_exact(double t, double *y)
{
    y[0] = 1.0 / (1.0 + t * t);
}

struct dcase {
    size_t n;
    ode_rhs_fn rhs;
    void (*exact)(double t, double *y);
    double t0;
};

static const struct dcase cases[] = {
    { 2, cycle, cycle_exact, 0.2 },
    { 1, rational, rational_exact, 0.3 },
};

/* Largest error of the interpolant of one step of size h from the exact
   y(t0), over points inside the step. */
static double dense_error(const struct rk_tableau *tab, const struct dcase *dc, double h)
{
    static const double thetas[] = { 0.2, 0.45, 0.5, 0.7, 0.9 };
    struct ode_problem prob;
    struct dense d;
    struct erk e;
    double out[2], ex[2], err = 0.0;

    memset(&prob, 0, sizeof prob);
    prob.n_states = dc->n;
    prob.rhs = dc->rhs;
    ck_assert_int_eq(erk_init(&e, tab, &prob, NULL, false), 0);
    ck_assert_int_eq(dense_init(&d, dc->n), 0);
    dc->exact(dc->t0, e.y);
    ck_assert_int_eq(erk_step(&e, dc->t0, h), 0);
    ck_assert_int_eq(dense_build_erk(&d, &e, dc->t0, h), 0);
    for (size_t m = 0; m < sizeof thetas / sizeof thetas[0]; m++) {
        dense_eval(&d, thetas[m], out);
        dc->exact(dc->t0 + thetas[m] * h, ex);
        for (size_t i = 0; i < dc->n; i++)
            err = fmax(err, fabs(out[i] - ex[i]));
    }
    dense_free(&d);
    erk_free(&e);
    return err;
}

/* An extension of order q has local error C h^(q+1) inside the step (the
   step's own error, h^(p+1) with p >= q, included). */
START_TEST(dense_each_method_has_its_claimed_order)
{
    for (size_t i = 0; i < tab_count(); i++) {
        const struct rk_tableau *t = tab_at(i);
        int q = tab_dense_order(t);
        /* Steps where the error is far above rounding and already in its
           asymptotic regime (Hermite's h^4 and h^5 terms cancel near
           h = 0.06 on the rational case). */
        double h = q >= 9 ? 0.8 : q >= 7 ? 0.2 : q >= 4 ? 0.1 : 0.00625;
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            double e1 = dense_error(t, &cases[c], h);
            double e2 = dense_error(t, &cases[c], h / 2);
            double order = log2(e1 / e2);
            /* The 8th-order local errors (q = 7) reach rounding (1e-14 on
               coefficients up to 1200) before the neighbouring powers of
               h have faded: from h = 0.2 to 0.1 they show 7.6 .. 8.6.  A
               7th-order error (one order short) would show 7.0.  Verner
               9's extension (q = 9) has a small h^10 term beside its h^11
               term, and coefficients up to 1e4 put its rounding near
               1e-12, reached at h = 0.2: from h = 0.8 to 0.4 it shows
               11.0 and 11.7.  So only an order below q + 1 - 0.6 fails
               there; check_tableau.c shows order 10 is not met. */
            double slack = q >= 7 ? 0.6 : 0.2;
            double above = q >= 9 ? 2.0 : slack;
            ck_assert_msg(order > q + 1 - slack && order < q + 1 + above,
                          "%s case %zu: local dense order %g (errors %g, %g), want %d",
                          t->name, c, order, e1, e2, q + 1);
        }
    }
}
END_TEST

/* The high-order extensions are much better than Hermite's cubic on the
   same step (what they are for). */
START_TEST(dense_own_extensions_beat_hermite)
{
    const char *names[] = { "dopri5", "tsit5", "vern7", "dop853", "vern9" };

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const struct rk_tableau *t = tab_find(names[i]);
        struct ode_problem prob;
        struct dense d, dh;
        struct erk e;
        double out[2], outh[2], ex[2], th = 0.5, h = 0.1, t0 = 0.2;

        memset(&prob, 0, sizeof prob);
        prob.n_states = 2;
        prob.rhs = cycle;
        ck_assert_int_eq(erk_init(&e, t, &prob, NULL, false), 0);
        ck_assert_int_eq(dense_init(&d, 2), 0);
        ck_assert_int_eq(dense_init(&dh, 2), 0);
        cycle_exact(t0, e.y);
        ck_assert_int_eq(erk_step(&e, t0, h), 0);
        ck_assert_int_eq(erk_f1(&e, t0 + h), 0);
        dense_build(&dh, h, e.y, e.y1, e.k[0], erk_f1_vec(&e), 0, NULL, NULL);
        ck_assert_int_eq(dense_build_erk(&d, &e, t0, h), 0);
        dense_eval(&d, th, out);
        dense_eval(&dh, th, outh);
        cycle_exact(t0 + th * h, ex);
        ck_assert_msg(fabs(out[0] - ex[0]) < 0.1 * fabs(outh[0] - ex[0]), "%s: %g vs hermite %g",
                      names[i], fabs(out[0] - ex[0]), fabs(outh[0] - ex[0]));
        dense_free(&dh);
        dense_free(&d);
        erk_free(&e);
    }
}
END_TEST

/* y = t^3 solves y' = 3 t^2; the cubic Hermite interpolant reproduces it
   exactly, and Shampine's correction with zero weights changes nothing. */
START_TEST(dense_legacy_hermite_is_exact_on_cubics)
{
    struct dense d;
    double y0 = 1.0, y1 = 8.0, f0 = 3.0, f1 = 12.0, out;
    const double zero[2] = { 0, 0 };
    const double k0[1] = { 5.0 }, k1[1] = { 7.0 };
    const double *k[2] = { k0, k1 };

    ck_assert_int_eq(dense_init(&d, 1), 0);
    dense_build(&d, 1.0, &y0, &y1, &f0, &f1, 0, NULL, NULL);
    for (double th = 0.0; th <= 1.0; th += 0.125) {
        dense_eval(&d, th, &out);
        ck_assert_double_eq_tol(out, pow(1.0 + th, 3), 1e-14);
    }
    dense_build(&d, 1.0, &y0, &y1, &f0, &f1, 2, zero, k);
    dense_eval(&d, 0.3, &out);
    ck_assert_double_eq_tol(out, pow(1.3, 3), 1e-14);
    /* The quartic term h sum d_j k_j theta^2 (1-theta)^2. */
    const double dco[2] = { 1.0, 2.0 };
    dense_build(&d, 0.5, &y0, &y1, &f0, &f1, 2, dco, k);
    dense_eval(&d, 0.5, &out);
    {
        double q1 = y1 - y0, q2 = 0.5 * f0 - q1, q3 = q1 - 0.5 * f1 - q2, q4 = 0.5 * 19.0;
        double want = y0 + 0.5 * (q1 + 0.5 * (q2 + 0.5 * (q3 + 0.5 * q4)));
        ck_assert_double_eq_tol(out, want, 1e-14);
    }
    dense_free(&d);
    dense_free(&d);
}
END_TEST

/* Sum of the magnitudes |w_mj| of t's polynomial weights (tab_dense_poly):
   the coefficient vectors r_m = h sum_j w_mj K_j cancel terms of that
   total size (times |h f|) to give the interpolant. */
static double weight_mass(const struct rk_tableau *t)
{
    double w[TAB_MAX_DEG][TAB_MAX_STAGES], mass = 0.0;
    int deg = tab_dense_poly(t, w), ns = tab_dense_stages(t);

    for (int m = 0; m < deg; m++)
        for (int j = 0; j < ns; j++)
            mass += fabs(w[m][j]);
    return mass;
}

/* At theta = 0 the interpolant is y0 exactly; at 1, y1 to rounding: the
   cancellation above leaves errors that grow with the weights' mass, here
   (|f| < 1) bounded by eps |h| mass / 4.  Measured: 9.4e-13 for Verner 9
   (mass 2.3e5, bound 3.8e-12), 3.4e-14 for Verner 7 (mass 1.8e4, bound
   2.9e-13), 1.1e-14 for DOP853, 1.6e-15 and less for the others. */
START_TEST(dense_ends_of_the_step)
{
    for (size_t i = 0; i < tab_count(); i++) {
        const struct rk_tableau *t = tab_at(i);
        struct ode_problem prob;
        struct dense d;
        struct erk e;
        double out[2], tol = fmax(1e-13, DBL_EPSILON * 0.3 * weight_mass(t) / 4);

        memset(&prob, 0, sizeof prob);
        prob.n_states = 2;
        prob.rhs = cycle;
        ck_assert_int_eq(erk_init(&e, t, &prob, NULL, true), 0);
        ck_assert_int_eq(dense_init(&d, 2), 0);
        cycle_exact(0.0, e.y);
        ck_assert_int_eq(erk_step(&e, 0.0, -0.3), 0);
        ck_assert_int_eq(dense_build_erk(&d, &e, 0.0, -0.3), 0);
        dense_eval(&d, 0.0, out);
        ck_assert(out[0] == e.y[0] && out[1] == e.y[1]);
        dense_eval(&d, 1.0, out);
        ck_assert_msg(fabs(out[0] - e.y1[0]) < tol && fabs(out[1] - e.y1[1]) < tol,
                      "%s: %.17g vs %.17g", t->name, out[0], e.y1[0]);
        dense_free(&d);
        erk_free(&e);
    }
}
END_TEST

/* Nine copies of y' = -2 t y^2, side by side; p[0] says how many. */
static int rational_n(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx;
    for (int i = 0; i < (int)p[0]; i++)
        f[i] = -2.0 * t * y[i] * y[i];
    return 0;
}

/* The coefficient vectors of an odd number of states lie in padded
   slots: each state's interpolant, over two accepted steps, is exactly
   what the same equation alone gives (3 states combine one component at
   a time, 9 in pairs). */
START_TEST(dense_keeps_odd_state_counts_apart)
{
    static const double thetas[] = { 0.0, 0.3, 0.77, 1.0 };
    static const int ns[] = { 3, 9 };

    for (size_t c = 0; c < sizeof ns / sizeof ns[0]; c++) {
        int n = ns[c];
        double p[1] = { (double)n };
        for (size_t ti = 0; ti < tab_count(); ti++) {
            const struct rk_tableau *t = tab_at(ti);
            struct ode_problem probn, prob1;
            struct dense dn, d1;
            struct erk en, e1;
            double outn[9], out1;

            memset(&probn, 0, sizeof probn);
            probn.n_states = (size_t)n;
            probn.rhs = rational_n;
            prob1 = probn;
            prob1.n_states = 1;
            prob1.rhs = rational;
            ck_assert_int_eq(erk_init(&en, t, &probn, p, false), 0);
            ck_assert_int_eq(dense_init(&dn, (size_t)n), 0);
            for (int i = 0; i < n; i++)
                en.y[i] = 0.5 + 0.25 * i;
            for (int step = 0; step < 2; step++) {
                double t0 = 0.1 + 0.2 * step;
                ck_assert_int_eq(erk_step(&en, t0, 0.2), 0);
                ck_assert_int_eq(dense_build_erk(&dn, &en, t0, 0.2), 0);
                for (int i = 0; i < n; i++) {
                    ck_assert_int_eq(erk_init(&e1, t, &prob1, NULL, false), 0);
                    ck_assert_int_eq(dense_init(&d1, 1), 0);
                    e1.y[0] = en.y[i];
                    ck_assert_int_eq(erk_step(&e1, t0, 0.2), 0);
                    ck_assert_int_eq(dense_build_erk(&d1, &e1, t0, 0.2), 0);
                    for (size_t m = 0; m < sizeof thetas / sizeof thetas[0]; m++) {
                        dense_eval(&dn, thetas[m], outn);
                        dense_eval(&d1, thetas[m], &out1);
                        ck_assert_msg(outn[i] == out1,
                                      "%s n=%d step %d state %d theta %g: %.17g vs %.17g",
                                      t->name, n, step, i, thetas[m], outn[i], out1);
                    }
                    dense_free(&d1);
                    erk_free(&e1);
                }
                erk_accept(&en);
            }
            dense_free(&dn);
            erk_free(&en);
        }
    }
}
END_TEST

/* A right-hand side that fails in an extra stage fails the build. */
static int fails_late(void *ctx, double t, const double *y, const double *p, double *f)
{
    (void)ctx;
    (void)p;
    f[0] = -y[0];
    return t > 0.066 && t < 0.074 ? 1 : 0;
}

START_TEST(dense_build_reports_a_failing_extra_stage)
{
    struct ode_problem prob;
    struct dense d;
    struct erk e;

    memset(&prob, 0, sizeof prob);
    prob.n_states = 1;
    prob.rhs = fails_late;
    /* With h = 0.7 no stage of dop853's step falls in (0.066, 0.074), its
       first extra stage (c = 0.1) does. */
    ck_assert_int_eq(erk_init(&e, tab_find("dop853"), &prob, NULL, true), 0);
    ck_assert_int_eq(dense_init(&d, 1), 0);
    e.y[0] = 1.0;
    ck_assert_int_eq(erk_step(&e, 0.0, 0.7), 0);
    ck_assert_int_eq(dense_build_erk(&d, &e, 0.0, 0.7), 1);
    dense_free(&d);
    erk_free(&e);
}
END_TEST

static Suite *dense_suite(void)
{
    Suite *s = suite_create("dense");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, dense_each_method_has_its_claimed_order);
    tcase_add_test(tc, dense_own_extensions_beat_hermite);
    tcase_add_test(tc, dense_legacy_hermite_is_exact_on_cubics);
    tcase_add_test(tc, dense_ends_of_the_step);
    tcase_add_test(tc, dense_build_reports_a_failing_extra_stage);
    tcase_add_test(tc, dense_keeps_odd_state_counts_apart);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(dense_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
