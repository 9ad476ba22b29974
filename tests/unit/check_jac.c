/* check_jac.c - the Jacobian evaluator: finite differences against
 * analytic Jacobians (dense and sparse patterns), one right-hand side call
 * per column group, groups that share no row, the exact Jacobian passed
 * through, and non-finite values reported. */
#include "jac.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "problem.h"

/* The right-hand sides' shared state: calls counted, a NaN on request. */
struct ctx {
    long calls;
    int fail;        /* returned by f when not 0 */
    bool nan_out;    /* f writes a NaN */
};

/* Robertson's chemistry (Hairer & Wanner II, IV.1 (1.4)), p = (k1, k2, k3)
   = (0.04, 3e7, 1e4). */
static int rober(void *c, double t, const double *y, const double *p, double *f)
{
    struct ctx *cx = c;
    (void)t;
    cx->calls++;
    f[0] = -p[0] * y[0] + p[2] * y[1] * y[2];
    f[1] = p[0] * y[0] - p[2] * y[1] * y[2] - p[1] * y[1] * y[1];
    f[2] = p[1] * y[1] * y[1];
    if (cx->nan_out)
        f[1] = NAN;
    return cx->fail;
}

/* Its Jacobian, dense, column by column. */
static int rober_jac(void *c, double t, const double *y, const double *p, double *v)
{
    (void)c, (void)t;
    v[0] = -p[0];
    v[1] = p[0];
    v[2] = 0;
    v[3] = p[2] * y[2];
    v[4] = -p[2] * y[2] - 2 * p[1] * y[1];
    v[5] = 2 * p[1] * y[1];
    v[6] = p[2] * y[1];
    v[7] = -p[2] * y[1];
    v[8] = 0;
    return 0;
}

/* A nonlinear 1-D reaction-diffusion: f_i = y_{i-1} - 2 y_i + y_{i+1}
   + sin(y_i) y_{i+1}, zero outside; p unused. */
#define NCHAIN 20
static int chain(void *c, double t, const double *y, const double *p, double *f)
{
    struct ctx *cx = c;
    (void)t, (void)p;
    cx->calls++;
    for (size_t i = 0; i < NCHAIN; i++) {
        double l = i ? y[i - 1] : 0, r = i + 1 < NCHAIN ? y[i + 1] : 0;
        f[i] = l - 2 * y[i] + r + sin(y[i]) * r;
    }
    return cx->fail;
}

/* d f_i / d y_j for the chain. */
static double chain_d(const double *y, size_t i, size_t j)
{
    double r = i + 1 < NCHAIN ? y[i + 1] : 0;
    if (j + 1 == i)
        return 1;
    if (j == i)
        return -2 + cos(y[i]) * r;
    if (j == i + 1)
        return 1 + sin(y[i]);
    return 0;
}

static size_t tri_cp[NCHAIN + 1], tri_ri[3 * NCHAIN];

static struct ode_pattern tridiagonal(void)
{
    size_t at = 0;
    for (size_t j = 0; j < NCHAIN; j++) {
        tri_cp[j] = at;
        for (size_t i = j ? j - 1 : 0; i <= j + 1 && i < NCHAIN; i++)
            tri_ri[at++] = i;
    }
    tri_cp[NCHAIN] = at;
    return (struct ode_pattern){ at, tri_cp, tri_ri };
}

static const double rober_p[] = { 0.04, 3e7, 1e4 };

static struct ode_problem rober_problem(struct ctx *cx)
{
    struct ode_problem pr = { .n_states = 3, .n_params = 3, .rhs = rober, .ctx = cx };
    return pr;
}

START_TEST(jac_fd_dense_matches_analytic)
{
    struct ctx cx = { 0 };
    struct ode_problem pr = rober_problem(&cx);
    /* A point of the solution near t = 40 and one with y2 = 0 (t = 0),
       where the increment floor matters. */
    const double pts[2][3] = { { 0.7158, 9.185e-6, 0.2842 }, { 1, 0, 0 } };
    double f0[3], v[9], ex[9];
    long nfev = 0;
    jac *jc;

    ck_assert_int_eq(jac_new(&pr, rober_p, JAC_AUTO, &jc), 0);
    ck_assert(!jac_is_exact(jc));
    ck_assert_ptr_null(jac_pattern(jc)->colptr);
    ck_assert_uint_eq(jac_pattern(jc)->nnz, 9);
    ck_assert_uint_eq(jac_groups(jc), 3);
    for (int k = 0; k < 2; k++) {
        const double *y = pts[k];
        rober(&cx, 0, y, rober_p, f0);
        rober_jac(NULL, 0, y, rober_p, ex);
        cx.calls = 0;
        ck_assert_int_eq(jac_eval(jc, 0, y, f0, 1e-9, NULL, v, &nfev), 0);
        ck_assert_int_eq(cx.calls, 3);
        for (int q = 0; q < 9; q++)
            ck_assert_msg(fabs(v[q] - ex[q]) <= 1e-6 * fmax(1, fabs(ex[q])),
                          "point %d entry %d: %g, exact %g", k, q, v[q], ex[q]);
    }
    ck_assert_int_eq(nfev, 6);
    jac_free(jc);
}
END_TEST

/* Tridiagonal: three groups, so three right-hand side calls per Jacobian
   however long the chain, and the values of every column. */
START_TEST(jac_fd_tridiagonal_takes_three_calls)
{
    struct ctx cx = { 0 };
    struct ode_problem pr = { .n_states = NCHAIN, .rhs = chain, .ctx = &cx };
    double y[NCHAIN], f0[NCHAIN], v[3 * NCHAIN];
    long nfev = 0;
    jac *jc;

    pr.jac_pattern = tridiagonal();
    for (size_t i = 0; i < NCHAIN; i++)
        y[i] = sin(0.3 * (double)i + 0.1) * 2;
    chain(&cx, 0, y, NULL, f0);
    cx.calls = 0;
    ck_assert_int_eq(jac_new(&pr, NULL, JAC_FD, &jc), 0);
    ck_assert_uint_eq(jac_groups(jc), 3);
    ck_assert_ptr_eq(jac_pattern(jc)->colptr, tri_cp);
    ck_assert_int_eq(jac_eval(jc, 0, y, f0, 1e-9, NULL, v, &nfev), 0);
    ck_assert_int_eq(nfev, 3);
    ck_assert_int_eq(cx.calls, 3);
    for (size_t j = 0; j < NCHAIN; j++)
        for (size_t k = tri_cp[j]; k < tri_cp[j + 1]; k++) {
            double e = chain_d(y, tri_ri[k], j);
            ck_assert_msg(fabs(v[k] - e) < 1e-7, "(%zu, %zu): %g, exact %g", tri_ri[k], j,
                          v[k], e);
        }
    jac_free(jc);
}
END_TEST

/* 5-point pattern on a k x k grid (columns in natural order); f_i a
   nonlinear function of its neighbours. */
#define GK 6
#define GN (GK * GK)
static size_t g_cp[GN + 1], g_ri[5 * GN];

static bool grid_nb(size_t i, size_t j)
{
    size_t ri = i / GK, ci = i % GK, rj = j / GK, cj = j % GK;
    return (ri == rj && (ci + 1 == cj || cj + 1 == ci || ci == cj)) ||
           (ci == cj && (ri + 1 == rj || rj + 1 == ri));
}

static int grid(void *c, double t, const double *y, const double *p, double *f)
{
    struct ctx *cx = c;
    (void)t, (void)p;
    cx->calls++;
    for (size_t i = 0; i < GN; i++) {
        f[i] = 0;
        for (size_t j = 0; j < GN; j++)
            if (grid_nb(i, j))
                f[i] += (j == i ? -4.0 : 1.0 + 0.1 * (double)j) * y[j] * y[j];
    }
    return 0;
}

START_TEST(jac_fd_grid_groups_share_no_row)
{
    struct ctx cx = { 0 };
    struct ode_problem pr = { .n_states = GN, .rhs = grid, .ctx = &cx };
    double y[GN], f0[GN], v[5 * GN];
    size_t at = 0;
    jac *jc;

    for (size_t j = 0; j < GN; j++) {
        g_cp[j] = at;
        for (size_t i = 0; i < GN; i++)
            if (grid_nb(i, j))
                g_ri[at++] = i;
    }
    g_cp[GN] = at;
    pr.jac_pattern = (struct ode_pattern){ at, g_cp, g_ri };
    for (size_t i = 0; i < GN; i++)
        y[i] = 1 + 0.5 * cos((double)i);
    grid(&cx, 0, y, NULL, f0);
    ck_assert_int_eq(jac_new(&pr, NULL, JAC_AUTO, &jc), 0);
    /* Greedy colouring of the 5-point stencil: between 5 (the stencil's
       size, a lower bound) and a few more, far below n. */
    ck_assert_uint_ge(jac_groups(jc), 5);
    ck_assert_uint_le(jac_groups(jc), 8);
    cx.calls = 0;
    ck_assert_int_eq(jac_eval(jc, 0, y, f0, 0.0, NULL, v, NULL), 0);
    ck_assert_int_eq(cx.calls, (long)jac_groups(jc));
    /* Right values in every entry prove that no two columns of a group
       share a row (their differences would add up there). */
    for (size_t j = 0; j < GN; j++)
        for (size_t k = g_cp[j]; k < g_cp[j + 1]; k++) {
            size_t i = g_ri[k];
            double e = 2 * (i == j ? -4.0 : 1.0 + 0.1 * (double)j) * y[j];
            ck_assert_msg(fabs(v[k] - e) < 1e-6 * fmax(1, fabs(e)), "(%zu, %zu): %g, exact %g",
                          i, j, v[k], e);
        }
    jac_free(jc);
}
END_TEST

/* The increment is sqrt(eps) max(|y_j|, atol_j), atol_vec's entry when
   given.  Robertson at y = (1, 0, 0) measures it: df3/dy2 = 2 k2 y2 is 0
   there, and the forward difference of k2 y2^2 is k2 inc. */
START_TEST(jac_fd_increment_follows_atol)
{
    struct ctx cx = { 0 };
    struct ode_problem pr = rober_problem(&cx);
    const double y[3] = { 1, 0, 0 }, atolv[3] = { 1e-6, 0.5, 1e-6 };
    const double sq = sqrt(2.220446049250313e-16);
    double f0[3], v[9];
    jac *jc;

    rober(&cx, 0, y, rober_p, f0);
    ck_assert_int_eq(jac_new(&pr, rober_p, JAC_AUTO, &jc), 0);
    ck_assert_int_eq(jac_eval(jc, 0, y, f0, 1e-9, NULL, v, NULL), 0);
    ck_assert_double_eq_tol(v[5] / 3e7, sq * 1e-9, 1e-12 * sq * 1e-9);
    ck_assert_int_eq(jac_eval(jc, 0, y, f0, 1.0, atolv, v, NULL), 0);
    ck_assert_double_eq_tol(v[5] / 3e7, sq * 0.5, 1e-12 * sq);
    /* atol 0: the floor is 1e-5. */
    ck_assert_int_eq(jac_eval(jc, 0, y, f0, 0.0, NULL, v, NULL), 0);
    ck_assert_double_eq_tol(v[5] / 3e7, sq * 1e-5, 1e-12 * sq * 1e-5);
    /* Column 1 (y1 = 1): inc = sqrt(eps), the linear entries exact. */
    ck_assert_double_eq_tol(v[0], -0.04, 1e-9);
    ck_assert_double_eq_tol(v[1], 0.04, 1e-9);
    jac_free(jc);
}
END_TEST

/* The model's exact Jacobian: used as it is (bit for bit, no right-hand
   side call) in JAC_AUTO, and finite differences in JAC_FD agree with it. */
START_TEST(jac_exact_passes_through)
{
    struct ctx cx = { 0 };
    struct ode_problem pr = rober_problem(&cx);
    const double y[3] = { 0.5, 2e-5, 0.5 };
    double f0[3], v[9], ex[9];
    long nfev = 0;
    jac *jc;

    pr.jac = rober_jac;
    rober(&cx, 0, y, rober_p, f0);
    rober_jac(NULL, 0, y, rober_p, ex);
    cx.calls = 0;
    ck_assert_int_eq(jac_new(&pr, rober_p, JAC_AUTO, &jc), 0);
    ck_assert(jac_is_exact(jc));
    ck_assert_uint_eq(jac_groups(jc), 0);
    ck_assert_int_eq(jac_eval(jc, 0, y, f0, 1e-9, NULL, v, &nfev), 0);
    ck_assert_int_eq(memcmp(v, ex, sizeof v), 0);
    ck_assert_int_eq(nfev, 0);
    ck_assert_int_eq(cx.calls, 0);
    jac_free(jc);

    ck_assert_int_eq(jac_new(&pr, rober_p, JAC_FD, &jc), 0);
    ck_assert(!jac_is_exact(jc));
    ck_assert_int_eq(jac_eval(jc, 0, y, f0, 1e-9, NULL, v, &nfev), 0);
    ck_assert_int_eq(nfev, 3);
    for (int q = 0; q < 9; q++)
        ck_assert_double_le(fabs(v[q] - ex[q]), 1e-6 * fmax(1, fabs(ex[q])));
    jac_free(jc);
}
END_TEST

static int nan_jac(void *c, double t, const double *y, const double *p, double *v)
{
    rober_jac(c, t, y, p, v);
    v[4] = INFINITY;
    return 0;
}

/* Non-finite f (or an exact J with an Inf) is > 0, f's own codes pass
   through. */
START_TEST(jac_nonfinite_and_failures_are_reported)
{
    struct ctx cx = { 0 };
    struct ode_problem pr = rober_problem(&cx);
    const double y[3] = { 0.5, 2e-5, 0.5 };
    double f0[3], v[9];
    jac *jc;

    rober(&cx, 0, y, rober_p, f0);
    ck_assert_int_eq(jac_new(&pr, rober_p, JAC_AUTO, &jc), 0);
    cx.nan_out = true;
    ck_assert_int_gt(jac_eval(jc, 0, y, f0, 1e-9, NULL, v, NULL), 0);
    cx.nan_out = false;
    cx.fail = 2;
    ck_assert_int_eq(jac_eval(jc, 0, y, f0, 1e-9, NULL, v, NULL), 2);
    cx.fail = -1;
    ck_assert_int_eq(jac_eval(jc, 0, y, f0, 1e-9, NULL, v, NULL), -1);
    cx.fail = 0;
    f0[2] = NAN;
    ck_assert_int_gt(jac_eval(jc, 0, y, f0, 1e-9, NULL, v, NULL), 0);
    jac_free(jc);

    pr.jac = nan_jac;
    ck_assert_int_eq(jac_new(&pr, rober_p, JAC_AUTO, &jc), 0);
    ck_assert_int_gt(jac_eval(jc, 0, y, f0, 1e-9, NULL, v, NULL), 0);
    jac_free(jc);
    jac_free(NULL);
}
END_TEST

static Suite *jac_suite(void)
{
    Suite *s = suite_create("jac");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, jac_fd_dense_matches_analytic);
    tcase_add_test(tc, jac_fd_tridiagonal_takes_three_calls);
    tcase_add_test(tc, jac_fd_grid_groups_share_no_row);
    tcase_add_test(tc, jac_fd_increment_follows_atol);
    tcase_add_test(tc, jac_exact_passes_through);
    tcase_add_test(tc, jac_nonfinite_and_failures_are_reported);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(jac_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
