/* check_jac.c - the Jacobian evaluator: finite differences against
 * analytic Jacobians (dense and sparse patterns), one right-hand side call
 * per column group, groups that share no row, the exact Jacobian passed
 * through, and non-finite values reported. */
#include "jac.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "diff.h"
#include "interp.h"
#include "problem.h"
#include "testmodel.h"

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

/* Forward differences are good to about sqrt(eps) of the matrix's scale
   (its largest entry here), not of each entry: the increment of a small
   state is floored, and k2 y2^2's truncation, k2 inc, shows in the
   entries of that column. */
static void assert_close_in_scale(const double *v, const double *ex, int nv, double tol,
                                  const char *what)
{
    double scale = 1;
    for (int q = 0; q < nv; q++)
        scale = fmax(scale, fabs(ex[q]));
    for (int q = 0; q < nv; q++)
        ck_assert_msg(fabs(v[q] - ex[q]) <= tol * scale, "%s, entry %d: %.10g, exact %.10g",
                      what, q, v[q], ex[q]);
}

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
        /* At y2 = 0 the increment is the floor's, sqrt(eps 1e-5), and
           k2 y2^2's truncation k2 inc = 1.4e-3 shows. */
        assert_close_in_scale(v, ex, 9, k ? 2e-3 : 1e-6, k ? "at (1, 0, 0)" : "near t = 40");
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

/* f = y, remembering the y it was called with. */
static double probe_seen;
static int probe(void *c, double t, const double *y, const double *p, double *f)
{
    (void)c, (void)t, (void)p;
    probe_seen = y[0];
    f[0] = y[0];
    return 0;
}

/* The increment jac_eval takes at y (seen through the right-hand side). */
static double probe_inc(double y, double atol, const double *atolv)
{
    struct ode_problem pr = { .n_states = 1, .rhs = probe };
    double f0 = y, v;
    jac *jc;

    ck_assert_int_eq(jac_new(&pr, NULL, JAC_AUTO, &jc), 0);
    ck_assert_int_eq(jac_eval(jc, 0, &y, &f0, atol, atolv, &v, NULL), 0);
    ck_assert_double_eq_tol(v, 1.0, 1e-6);
    jac_free(jc);
    return probe_seen - y;
}

/* The increment is sqrt(eps max(|y_j|, floor)) for |y_j| <= 1 and
   sqrt(eps) |y_j| above, floor = min(1e-5, 1e4 atol_j). */
START_TEST(jac_fd_increment_follows_radau5_and_cvode)
{
    const double eps = 2.220446049250313e-16, sq = sqrt(eps);
    const double atolv[1] = { 1e-12 };

    /* At 0: the floor, RADAU5's 1e-5 for atol 1e-9 or 0 ... */
    ck_assert_double_eq_tol(probe_inc(0, 1e-9, NULL), sqrt(eps * 1e-5), 1e-12 * sq);
    ck_assert_double_eq_tol(probe_inc(0, 0.0, NULL), sqrt(eps * 1e-5), 1e-12 * sq);
    ck_assert_double_eq_tol(probe_inc(0, 1.0, NULL), sqrt(eps * 1e-5), 1e-12 * sq);
    /* ... lowered by a smaller atol of that state. */
    ck_assert_double_eq_tol(probe_inc(0, 1.0, atolv), sqrt(eps * 1e-8), 1e-12 * sq);
    /* Below 1: sqrt(eps |y|) (either sign); above: sqrt(eps) |y|, to the
       rounding of y + inc. */
    ck_assert_double_eq_tol(probe_inc(0.01, 1e-9, NULL), sqrt(eps * 0.01), 1e-8 * sq);
    ck_assert_double_eq_tol(probe_inc(-0.01, 1e-9, NULL), sqrt(eps * 0.01), 1e-8 * sq);
    ck_assert_double_eq_tol(probe_inc(1.0, 1e-9, NULL), sq, 1e-6 * sq);
    ck_assert_double_eq_tol(probe_inc(400.0, 1e-9, NULL), 400 * sq, 1e-6 * 400 * sq);
    ck_assert_double_eq_tol(probe_inc(-3e8, 1e-9, NULL), 3e8 * sq, 1e-6 * 3e8 * sq);
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
    assert_close_in_scale(v, ex, 9, 1e-6, "fd of an exact model");
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

    /* A row outside the matrix, a column pointer going down. */
    {
        size_t cp[] = { 0, 1, 2, 3 }, ri[] = { 0, 3, 2 }, cpd[] = { 0, 2, 1, 3 };
        size_t ri_ok[] = { 0, 1, 2 };
        jac *bad = (jac *)&cx;
        pr.jac_pattern = (struct ode_pattern){ 3, cp, ri };
        ck_assert_int_eq(jac_new(&pr, rober_p, JAC_AUTO, &bad), ODE_EINVAL);
        ck_assert_ptr_null(bad);
        pr.jac_pattern = (struct ode_pattern){ 3, cpd, ri_ok };
        ck_assert_int_eq(jac_new(&pr, rober_p, JAC_AUTO, &bad), ODE_EINVAL);
        pr.jac_pattern = (struct ode_pattern){ 0 };
    }

    pr.jac = nan_jac;
    ck_assert_int_eq(jac_new(&pr, rober_p, JAC_AUTO, &jc), 0);
    ck_assert_int_gt(jac_eval(jc, 0, y, f0, 1e-9, NULL, v, NULL), 0);
    jac_free(jc);
    jac_free(NULL);
}
END_TEST

/* Grouped finite differences against the model's exact Jacobian
   (lang/diff.c, run by the interpreter) on every sample and benchmark
   model, at the initial state and two points near it: one call per
   group, fewer groups than states on the sparse ones, and every entry
   within 1e-5 of the largest in its row and column (the measurements in
   jac.c).  At the initial state, where states are exactly 0, within
   2e-3: the increment there is the floor's and the truncation error of
   a steep term is larger (Robertson: 1.4e-3). */
static int model_fd_vs_exact(const char *path)
{
    struct model *m = NULL;
    interp *ip = NULL;
    struct ode_problem pr;
    FILE *f = fopen(path, "r");

    if (!f)
        return 0;
    fclose(f);
    ck_assert_int_eq(tm_load_model(path, &m), 0);
    ck_assert_int_eq(diff_model(m, DIFF_JAC, stderr), 0);
    ck_assert_int_eq(interp_new(m, &ip, &pr), 0);
    ck_assert_msg(pr.jac && pr.jac_pattern.colptr, "%s: no exact Jacobian", path);

    size_t n = pr.n_states, nnz = pr.jac_pattern.nnz;
    const size_t *cp = pr.jac_pattern.colptr, *ri = pr.jac_pattern.rowind;
    double *p = calloc(m->n_params + m->n_derived + pr.n_volterra + 1, sizeof *p);
    double *y = calloc(n, sizeof *y), *f0 = calloc(n, sizeof *f0);
    double *ex = calloc(nnz + 1, sizeof *ex), *fd = calloc(nnz + 1, sizeof *fd);
    double *rowmax = calloc(n, sizeof *rowmax);
    jac *je, *jf;

    ck_assert(p && y && f0 && ex && fd && rowmax);
    for (size_t i = 0; i < m->n_params; i++)
        p[i] = m->params[i].value;
    if (pr.derive)
        ck_assert_int_eq(pr.derive(pr.ctx, p), 0);
    ck_assert_int_eq(jac_new(&pr, p, JAC_AUTO, &je), 0);
    ck_assert_int_eq(jac_new(&pr, p, JAC_FD, &jf), 0);
    ck_assert(jac_is_exact(je) && !jac_is_exact(jf));
    ck_assert_uint_le(jac_groups(jf), n);
    if (n >= 100)
        ck_assert_msg(jac_groups(jf) < n / 10, "%s: %zu groups for %zu states", path,
                      jac_groups(jf), n);
    double ymax = 0;
    for (size_t i = 0; i < n; i++)
        ymax = fmax(ymax, fabs(m->states[i].init));
    for (int k = 0; k < 3; k++) {
        long nfev = 0;
        double tol = k ? 1e-5 : 2e-3;
        for (size_t i = 0; i < n; i++)
            y[i] = m->states[i].init * (1.0 + 0.05 * k * sin((double)i + 1)) +
                   (k ? 1e-2 * fmax(ymax, 1e-3) * cos((double)(i + k)) : 0.0);
        ck_assert_int_eq(pr.rhs(pr.ctx, 0.5, y, p, f0), 0);
        ck_assert_int_eq(jac_eval(je, 0.5, y, f0, 1e-9, NULL, ex, &nfev), 0);
        ck_assert_int_eq(nfev, 0);
        ck_assert_int_eq(jac_eval(jf, 0.5, y, f0, 1e-9, NULL, fd, &nfev), 0);
        ck_assert_int_eq(nfev, (long)jac_groups(jf));
        memset(rowmax, 0, n * sizeof *rowmax);
        for (size_t q = 0; q < nnz; q++)
            rowmax[ri[q]] = fmax(rowmax[ri[q]], fabs(ex[q]));
        for (size_t j = 0; j < n; j++) {
            double colmax = 0;
            for (size_t q = cp[j]; q < cp[j + 1]; q++)
                colmax = fmax(colmax, fabs(ex[q]));
            for (size_t q = cp[j]; q < cp[j + 1]; q++) {
                double scale = fmax(fmax(colmax, rowmax[ri[q]]), 1.0);
                ck_assert_msg(fabs(fd[q] - ex[q]) <= tol * scale,
                              "%s, point %d: d f%zu / d y%zu exact %.10g, fd %.10g", path, k,
                              ri[q], j, ex[q], fd[q]);
            }
        }
    }
    jac_free(jf);
    jac_free(je);
    free(rowmax);
    free(fd);
    free(ex);
    free(f0);
    free(y);
    free(p);
    interp_free(ip);
    model_free(m);
    return 1;
}

START_TEST(jac_fd_matches_exact_on_every_model)
{
    ck_assert_int_ge(tm_for_model_files(model_fd_vs_exact), 1);
}
END_TEST

static Suite *jac_suite(void)
{
    Suite *s = suite_create("jac");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);

    tcase_add_test(tc, jac_fd_dense_matches_analytic);
    tcase_add_test(tc, jac_fd_tridiagonal_takes_three_calls);
    tcase_add_test(tc, jac_fd_grid_groups_share_no_row);
    tcase_add_test(tc, jac_fd_increment_follows_radau5_and_cvode);
    tcase_add_test(tc, jac_exact_passes_through);
    tcase_add_test(tc, jac_nonfinite_and_failures_are_reported);
    tcase_add_test(tc, jac_fd_matches_exact_on_every_model);
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
