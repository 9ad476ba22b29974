/* check_linsolve.c - every kind of linear solver, real and complex, against
 * known solutions: A = alpha I - J (or (alpha + i beta) I - J) built from
 * a pattern and values, x chosen, b = A x, and ls_solve must give x back.
 * Also singular matrices, NaN, refactorisation with new values, the
 * automatic choice and the memory of the sparse path. */
#include "linsolve.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "problem.h"

/* J in CSC form, owning its arrays. */
struct tmat {
    size_t n, nnz;
    size_t *colptr, *rowind;
    double *val;
};

static unsigned long lcg_state = 12345;

/* Deterministic values in [-1, 1). */
static double rnd(void)
{
    lcg_state = lcg_state * 6364136223846793005UL + 1442695040888963407UL;
    return (double)(lcg_state >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

typedef bool (*tm_pred)(size_t i, size_t j, size_t n);

/* The pattern {(i, j) : in(i, j)} with values in [-1, 1). */
static struct tmat mat_new(size_t n, tm_pred in)
{
    struct tmat m = { .n = n };
    size_t cap = 16, at = 0;

    m.colptr = calloc(n + 1, sizeof *m.colptr);
    m.rowind = malloc(cap * sizeof *m.rowind);
    ck_assert_ptr_nonnull(m.colptr);
    for (size_t j = 0; j < n; j++) {
        m.colptr[j] = at;
        for (size_t i = 0; i < n; i++) {
            if (!in(i, j, n))
                continue;
            if (at == cap) {
                cap *= 2;
                m.rowind = realloc(m.rowind, cap * sizeof *m.rowind);
            }
            ck_assert_ptr_nonnull(m.rowind);
            m.rowind[at++] = i;
        }
    }
    m.colptr[n] = m.nnz = at;
    m.val = malloc((at ? at : 1) * sizeof *m.val);
    ck_assert_ptr_nonnull(m.val);
    for (size_t k = 0; k < at; k++)
        m.val[k] = rnd();
    return m;
}

static void mat_free(struct tmat *m)
{
    free(m->colptr);
    free(m->rowind);
    free(m->val);
}

static struct ode_pattern pat_of(const struct tmat *m)
{
    struct ode_pattern p = { m->nnz, m->colptr, m->rowind };
    return p;
}

/* J's values n x n column by column (for a solver given no pattern). */
static double *dense_of(const struct tmat *m)
{
    double *d = calloc(m->n * m->n, sizeof *d);
    ck_assert_ptr_nonnull(d);
    for (size_t j = 0; j < m->n; j++)
        for (size_t k = m->colptr[j]; k < m->colptr[j + 1]; k++)
            d[m->rowind[k] + j * m->n] = m->val[k];
    return d;
}

/* y = J x (y zeroed first). */
static void jmul(const struct tmat *m, const double *x, double *y)
{
    memset(y, 0, m->n * sizeof *y);
    for (size_t j = 0; j < m->n; j++)
        for (size_t k = m->colptr[j]; k < m->colptr[j + 1]; k++)
            y[m->rowind[k]] += m->val[k] * x[j];
}

static bool p_full(size_t i, size_t j, size_t n)
{
    (void)i, (void)j, (void)n;
    return true;
}

static bool p_tridiag(size_t i, size_t j, size_t n)
{
    (void)n;
    return i + 1 >= j && j + 1 >= i;
}

/* Two below, one above: ml = 2, mu = 1. */
static bool p_band21(size_t i, size_t j, size_t n)
{
    (void)n;
    return i <= j + 2 && j <= i + 1;
}

/* The off-diagonal of a shift, wrapping round: no diagonal at all. */
static bool p_cycle(size_t i, size_t j, size_t n)
{
    return i == (j + 1) % n;
}

/* About 30% of the entries, the diagonal left out. */
static bool p_scatter_nodiag(size_t i, size_t j, size_t n)
{
    (void)n;
    return i != j && (i * 7 + j * 13) % 10 < 3;
}

/* About 30% of the entries and the diagonal. */
static bool p_scatter(size_t i, size_t j, size_t n)
{
    return i == j || p_scatter_nodiag(i, j, n);
}

/* 5-point Laplacian on a k x k grid, n = k^2. */
static bool p_grid(size_t i, size_t j, size_t n)
{
    size_t k = (size_t)(sqrt((double)n) + 0.5);
    size_t ri = i / k, ci = i % k, rj = j / k, cj = j % k;
    return (ri == rj && (ci + 1 == cj || cj + 1 == ci || ci == cj)) ||
           (ci == cj && (ri + 1 == rj || rj + 1 == ri));
}

static bool p_empty(size_t i, size_t j, size_t n)
{
    (void)i, (void)j, (void)n;
    return false;
}

static double max_err(const double *a, const double *b, size_t n)
{
    double e = 0;
    for (size_t i = 0; i < n; i++)
        e = fmax(e, fabs(a[i] - b[i]));
    return e;
}

/* Solves (alpha I - J) x = b for a chosen x with a solver of `kind` (given
   the pattern, or none when `dense_in`) and returns the largest error. */
static double real_roundtrip(const struct tmat *m, enum ls_kind kind, bool dense_in,
                             double alpha)
{
    size_t n = m->n;
    struct ode_pattern p = pat_of(m);
    double *x = calloc(n, sizeof *x), *b = calloc(n, sizeof *b);
    double *jv = dense_in ? dense_of(m) : m->val;
    linsolve *ls;
    double e;

    ck_assert(x && b);

    ck_assert_int_eq(ls_new(n, dense_in ? NULL : &p, kind, false, &ls), 0);
    if (kind != LS_AUTO)
        ck_assert_int_eq(ls_kind_of(ls), kind);
    for (size_t i = 0; i < n; i++)
        x[i] = rnd();
    jmul(m, x, b);
    for (size_t i = 0; i < n; i++)
        b[i] = alpha * x[i] - b[i];
    ck_assert_int_eq(ls_factor(ls, alpha, jv), 0);
    ck_assert_int_eq(ls_solve(ls, b), 0);
    e = max_err(b, x, n);
    ls_free(ls);
    if (dense_in)
        free(jv);
    free(b);
    free(x);
    return e;
}

/* The same with ((alpha + i beta) I - J) (xr + i xi) = br + i bi. */
static double complex_roundtrip(const struct tmat *m, enum ls_kind kind, bool dense_in,
                                double alpha, double beta)
{
    size_t n = m->n;
    struct ode_pattern p = pat_of(m);
    double *xr = calloc(n, sizeof *xr), *xi = calloc(n, sizeof *xi);
    double *br = calloc(n, sizeof *br), *bi = calloc(n, sizeof *bi);
    double *jv = dense_in ? dense_of(m) : m->val;
    linsolve *ls;
    double e;

    ck_assert(xr && xi && br && bi);
    ck_assert_int_eq(ls_new(n, dense_in ? NULL : &p, kind, true, &ls), 0);
    for (size_t i = 0; i < n; i++) {
        xr[i] = rnd();
        xi[i] = rnd();
    }
    jmul(m, xr, br);
    jmul(m, xi, bi);
    for (size_t i = 0; i < n; i++) {
        br[i] = alpha * xr[i] - beta * xi[i] - br[i];
        bi[i] = alpha * xi[i] + beta * xr[i] - bi[i];
    }
    ck_assert_int_eq(ls_factor_complex(ls, alpha, beta, jv), 0);
    ck_assert_int_eq(ls_solve_complex(ls, br, bi), 0);
    e = fmax(max_err(br, xr, n), max_err(bi, xi, n));
    /* The real factorisation of the same solver is independent of it. */
    ck_assert_int_eq(ls_factor(ls, alpha, jv), 0);
    ls_free(ls);
    if (dense_in)
        free(jv);
    free(bi);
    free(br);
    free(xi);
    free(xr);
    return e;
}

static const enum ls_kind kinds[] = { LS_DENSE, LS_BAND, LS_SPARSE };

/* Every kind on one pattern, real and complex, with and without a given
   pattern: all give x back to rounding. */
static void every_kind(size_t n, tm_pred in, double alpha, double beta, double tol)
{
    struct tmat m = mat_new(n, in);
    for (size_t q = 0; q < 3; q++) {
        for (int dense_in = 0; dense_in <= 1; dense_in++) {
            double er = real_roundtrip(&m, kinds[q], dense_in, alpha);
            double ez = complex_roundtrip(&m, kinds[q], dense_in, alpha, beta);
            ck_assert_msg(er < tol && ez < tol, "%s n=%zu dense_in=%d: errors %g %g",
                          ls_kind_name(kinds[q]), n, dense_in, er, ez);
        }
    }
    ck_assert_double_lt(real_roundtrip(&m, LS_AUTO, false, alpha), tol);
    mat_free(&m);
}

START_TEST(ls_dense_pattern_every_kind_solves)
{
    every_kind(9, p_full, 0.5, 1.5, 1e-11);
}
END_TEST

START_TEST(ls_band_patterns_every_kind_solves)
{
    every_kind(60, p_tridiag, 2.0, 0.7, 1e-11);
    every_kind(57, p_band21, 0.3, 2.0, 1e-10);
}
END_TEST

START_TEST(ls_patterns_without_diagonal_solve)
{
    every_kind(31, p_cycle, 1.7, -0.4, 1e-11);
    every_kind(40, p_scatter_nodiag, 3.0, 1.0, 1e-10);
    every_kind(12, p_empty, 2.5, 0.5, 1e-15);
}
END_TEST

START_TEST(ls_grid_pattern_every_kind_solves)
{
    every_kind(64, p_grid, 4.0, 1.0, 1e-11);
}
END_TEST

START_TEST(ls_one_by_one)
{
    size_t cp[] = { 0, 1 }, ri[] = { 0 }, cp0[] = { 0, 0 };
    struct ode_pattern one = { 1, cp, ri }, none = { 0, cp0, NULL };
    double j = 3.0, b, re, im;

    for (size_t q = 0; q < 3; q++) {
        linsolve *ls;
        ck_assert_int_eq(ls_new(1, &one, kinds[q], true, &ls), 0);
        ck_assert_int_eq(ls_factor(ls, 5.0, &j), 0);
        b = 4.0;
        ck_assert_int_eq(ls_solve(ls, &b), 0);
        ck_assert_double_eq_tol(b, 2.0, 1e-15);
        /* (2 + 2i) x = 4: x = 1 - i. */
        ck_assert_int_eq(ls_factor_complex(ls, 5.0, 2.0, &j), 0);
        re = 4.0, im = 0.0;
        ck_assert_int_eq(ls_solve_complex(ls, &re, &im), 0);
        ck_assert_double_eq_tol(re, 1.0, 1e-15);
        ck_assert_double_eq_tol(im, -1.0, 1e-15);
        ls_free(ls);

        ck_assert_int_eq(ls_new(1, &none, kinds[q], false, &ls), 0);
        ck_assert_int_eq(ls_factor(ls, 4.0, NULL), 0);
        b = 2.0;
        ck_assert_int_eq(ls_solve(ls, &b), 0);
        ck_assert_double_eq_tol(b, 0.5, 1e-15);
        ls_free(ls);
    }
}
END_TEST

/* A = diag(alpha - J_ii) with A_33 = 0: every kind names column 3, in
   real and in complex arithmetic, and refuses to solve. */
START_TEST(ls_singular_names_the_column)
{
    size_t n = 6;
    struct tmat m = mat_new(n, p_tridiag);
    struct ode_pattern p = pat_of(&m);
    double b[6] = { 1, 1, 1, 1, 1, 1 }, bi[6] = { 0 };

    for (size_t j = 0; j < n; j++)
        for (size_t k = m.colptr[j]; k < m.colptr[j + 1]; k++)
            m.val[k] = m.rowind[k] == j ? (j == 2 ? 2.0 : 1.0) : 0.0;
    for (size_t q = 0; q < 3; q++) {
        linsolve *ls;
        ck_assert_int_eq(ls_new(n, &p, kinds[q], true, &ls), 0);
        ck_assert_int_eq(ls_factor(ls, 2.0, m.val), 3);
        ck_assert_int_eq(ls_solve(ls, b), ODE_EINVAL);
        ck_assert_int_eq(ls_factor_complex(ls, 2.0, 0.0, m.val), 3);
        ck_assert_int_eq(ls_solve_complex(ls, b, bi), ODE_EINVAL);
        /* With beta != 0 the complex matrix is regular. */
        ck_assert_int_eq(ls_factor_complex(ls, 2.0, 1.0, m.val), 0);
        /* And a shift makes the real one regular again. */
        ck_assert_int_eq(ls_factor(ls, 3.0, m.val), 0);
        ck_assert_int_eq(ls_solve(ls, b), 0);
        ck_assert_double_eq_tol(b[2], 1.0, 1e-15);
        ck_assert_double_eq_tol(b[0], 0.5, 1e-15);
        for (size_t i = 0; i < n; i++)
            b[i] = 1;
        ls_free(ls);
    }
    /* All of A zero: LAPACK stops at the first column; KLU at the first
       of its fill-reducing order, some column. */
    for (size_t q = 0; q < 3; q++) {
        linsolve *ls;
        int rc;
        memset(m.val, 0, m.nnz * sizeof *m.val);
        ck_assert_int_eq(ls_new(n, &p, kinds[q], false, &ls), 0);
        rc = ls_factor(ls, 0.0, m.val);
        if (kinds[q] == LS_SPARSE)
            ck_assert(rc >= 1 && rc <= (int)n);
        else
            ck_assert_int_eq(rc, 1);
        ls_free(ls);
    }
    mat_free(&m);
}
END_TEST

/* LAPACK would carry a NaN through the factors silently: it is refused
   with its column, and the next good matrix factors. */
START_TEST(ls_nonfinite_values_are_refused)
{
    size_t n = 8;
    struct tmat m = mat_new(n, p_band21);
    struct ode_pattern p = pat_of(&m);
    double b[8];

    for (size_t q = 0; q < 3; q++) {
        for (int dense_in = 0; dense_in <= 1; dense_in++) {
            linsolve *ls;
            double *jv = dense_in ? dense_of(&m) : m.val, keep;
            size_t at = dense_in ? 4 + 5 * n : m.colptr[5] + 1;   /* column 6 */
            ck_assert_int_eq(ls_new(n, dense_in ? NULL : &p, kinds[q], true, &ls), 0);
            keep = jv[at];
            jv[at] = NAN;
            ck_assert_int_eq(ls_factor(ls, 3.0, jv), 6);
            ck_assert_int_eq(ls_solve(ls, b), ODE_EINVAL);
            ck_assert_int_eq(ls_factor_complex(ls, 3.0, 1.0, jv), 6);
            jv[at] = -INFINITY;
            ck_assert_int_eq(ls_factor(ls, 3.0, jv), 6);
            jv[at] = keep;
            ck_assert_int_eq(ls_factor(ls, NAN, jv), 1);
            ck_assert_int_eq(ls_factor_complex(ls, 3.0, INFINITY, jv), 1);
            ck_assert_int_eq(ls_factor(ls, 3.0, jv), 0);
            ls_free(ls);
            if (dense_in)
                free(jv);
        }
    }
    mat_free(&m);
}
END_TEST

/* KLU factors once, then refactors with the same pivots; values that make
   those pivots useless (a diagonal that vanishes) must still solve, by a
   fresh factorisation.  Each new set of values is checked against its
   own x. */
START_TEST(ls_refactor_with_new_values)
{
    size_t n = 49;
    struct tmat m = mat_new(n, p_scatter);
    struct ode_pattern p = pat_of(&m);
    linsolve *ls;
    double x[49], b[49], xi[49], bi[49], tmp[49];

    for (size_t q = 0; q < 3; q++) {
        ck_assert_int_eq(ls_new(n, &p, kinds[q], true, &ls), 0);
        for (int round = 0; round < 8; round++) {
            /* Round 3: A's diagonal 1e-13 (alpha 0), so the pivots of
               the first rounds are tiny (klu_refactor succeeds, having lost
               the condition); round 6: the diagonal 0 again after a
               dominant one (klu_refactor fails).  Both factor afresh. */
            bool tiny = round == 3, zero = round == 6;
            double alpha = tiny || zero ? 0.0 : 4.0 + round;
            for (size_t k = 0; k < m.nnz; k++)
                m.val[k] = rnd();
            if (tiny || zero)
                for (size_t j = 0; j < n; j++)
                    for (size_t k = m.colptr[j]; k < m.colptr[j + 1]; k++)
                        if (m.rowind[k] == j)
                            m.val[k] = tiny ? -1e-13 : 0.0;
            for (size_t i = 0; i < n; i++) {
                x[i] = rnd();
                xi[i] = rnd();
            }
            jmul(&m, x, b);
            for (size_t i = 0; i < n; i++)
                b[i] = alpha * x[i] - b[i];
            ck_assert_int_eq(ls_factor(ls, alpha, m.val), 0);
            ck_assert_int_eq(ls_solve(ls, b), 0);
            ck_assert_double_lt(max_err(b, x, n), 1e-9);
            /* complex with beta = 1 */
            jmul(&m, x, b);
            jmul(&m, xi, bi);
            for (size_t i = 0; i < n; i++) {
                tmp[i] = alpha * x[i] - xi[i] - b[i];
                bi[i] = alpha * xi[i] + x[i] - bi[i];
            }
            ck_assert_int_eq(ls_factor_complex(ls, alpha, 1.0, m.val), 0);
            ck_assert_int_eq(ls_solve_complex(ls, tmp, bi), 0);
            ck_assert_double_lt(max_err(tmp, x, n), 1e-9);
            ck_assert_double_lt(max_err(bi, xi, n), 1e-9);
        }
        ls_free(ls);
    }
    mat_free(&m);
}
END_TEST

/* A solve with the factors can be repeated: the factors are not spent. */
START_TEST(ls_factors_serve_many_solves)
{
    struct tmat m = mat_new(30, p_tridiag);
    struct ode_pattern p = pat_of(&m);
    double x[30], b[30];

    for (size_t q = 0; q < 3; q++) {
        linsolve *ls;
        ck_assert_int_eq(ls_new(30, &p, kinds[q], false, &ls), 0);
        ck_assert_int_eq(ls_factor(ls, 3.0, m.val), 0);
        for (int r = 0; r < 3; r++) {
            for (size_t i = 0; i < 30; i++)
                x[i] = rnd();
            jmul(&m, x, b);
            for (size_t i = 0; i < 30; i++)
                b[i] = 3.0 * x[i] - b[i];
            ck_assert_int_eq(ls_solve(ls, b), 0);
            ck_assert_double_lt(max_err(b, x, 30), 1e-12);
        }
        ls_free(ls);
    }
    mat_free(&m);
}
END_TEST

START_TEST(ls_band_finds_its_bandwidths)
{
    struct tmat m = mat_new(20, p_band21), c = mat_new(20, p_cycle);
    struct ode_pattern p = pat_of(&m), pc = pat_of(&c);
    linsolve *ls;
    size_t ml, mu;

    ck_assert_int_eq(ls_new(20, &p, LS_BAND, false, &ls), 0);
    ls_bandwidth(ls, &ml, &mu);
    ck_assert_uint_eq(ml, 2);
    ck_assert_uint_eq(mu, 1);
    ck_assert_uint_eq(ls_nnz(ls), 20 * (2 * 2 + 1 + 1));
    ls_free(ls);
    /* The wrap-around entry (0, 19) makes mu = 19. */
    ck_assert_int_eq(ls_new(20, &pc, LS_BAND, false, &ls), 0);
    ls_bandwidth(ls, &ml, &mu);
    ck_assert_uint_eq(ml, 1);
    ck_assert_uint_eq(mu, 19);
    ls_free(ls);
    /* Other kinds report no bandwidth. */
    ck_assert_int_eq(ls_new(20, &p, LS_SPARSE, false, &ls), 0);
    ls_bandwidth(ls, &ml, &mu);
    ck_assert_uint_eq(ml + mu, 0);
    ls_free(ls);
    mat_free(&c);
    mat_free(&m);
}
END_TEST

/* The thresholds of linsolve.c: dense up to n = 8, from a fill of 0.3
   or without a pattern; band when the band is at least 0.3 full; sparse
   otherwise. */
START_TEST(ls_choose_by_size_density_and_band)
{
    struct tmat t8 = mat_new(8, p_tridiag), t10 = mat_new(10, p_tridiag);
    struct tmat tri = mat_new(2000, p_tridiag), b21 = mat_new(500, p_band21);
    struct tmat grid = mat_new(10000, p_grid), g64 = mat_new(64, p_grid);
    struct tmat full = mat_new(100, p_full), cyc = mat_new(2000, p_cycle);
    struct tmat sc = mat_new(40, p_scatter), scn = mat_new(40, p_scatter_nodiag);
    struct ode_pattern p;

    p = pat_of(&t8);
    ck_assert_int_eq(ls_choose(8, &p), LS_DENSE);
    p = pat_of(&t10);
    ck_assert_int_eq(ls_choose(10, &p), LS_BAND);
    ck_assert_int_eq(ls_choose(2000, NULL), LS_DENSE);
    p = pat_of(&full);
    ck_assert_int_eq(ls_choose(100, &p), LS_DENSE);
    /* About 0.3 full (plus the diagonal): dense; without it below 0.3. */
    p = pat_of(&sc);
    ck_assert_int_eq(ls_choose(40, &p), LS_DENSE);
    p = pat_of(&scn);
    ck_assert_int_eq(ls_choose(40, &p), LS_SPARSE);
    p = pat_of(&tri);
    ck_assert_int_eq(ls_choose(2000, &p), LS_BAND);
    p = pat_of(&b21);
    ck_assert_int_eq(ls_choose(500, &p), LS_BAND);
    /* 2-D grids: 5 entries in a band 2 k + 1 wide. */
    p = pat_of(&grid);
    ck_assert_int_eq(ls_choose(10000, &p), LS_SPARSE);
    p = pat_of(&g64);
    ck_assert_int_eq(ls_choose(64, &p), LS_SPARSE);
    /* A periodic wrap makes the band as wide as the matrix. */
    p = pat_of(&cyc);
    ck_assert_int_eq(ls_choose(2000, &p), LS_SPARSE);
    ck_assert_str_eq(ls_kind_name(LS_DENSE), "dense");
    ck_assert_str_eq(ls_kind_name(LS_BAND), "band");
    ck_assert_str_eq(ls_kind_name(LS_SPARSE), "sparse");
    mat_free(&scn);
    mat_free(&sc);
    mat_free(&cyc);
    mat_free(&full);
    mat_free(&g64);
    mat_free(&grid);
    mat_free(&b21);
    mat_free(&tri);
    mat_free(&t10);
    mat_free(&t8);
}
END_TEST

/* A 1-D diffusion (tridiagonal) with n unknowns solved by `kind`, real
   and complex factors both held; returns the bytes held. */
static size_t tridiagonal_bytes(size_t n, enum ls_kind kind)
{
    size_t nnz = 3 * n - 2, at = 0, bytes;
    size_t *cp = malloc((n + 1) * sizeof *cp), *ri = malloc(nnz * sizeof *ri);
    double *v = malloc(nnz * sizeof *v), *x = malloc(n * sizeof *x), *b = malloc(n * sizeof *b);
    struct ode_pattern p;
    linsolve *ls;

    ck_assert(cp && ri && v && x && b);
    for (size_t j = 0; j < n; j++) {
        cp[j] = at;
        for (size_t i = j ? j - 1 : 0; i <= j + 1 && i < n; i++) {
            ri[at] = i;
            v[at++] = i == j ? -2.0 : 1.0;
        }
    }
    cp[n] = at;
    p = (struct ode_pattern){ at, cp, ri };
    ck_assert_int_eq(ls_choose(n, &p), LS_BAND);
    for (size_t i = 0; i < n; i++)
        x[i] = sin(0.001 * (double)i);
    /* b = (0.1 I - J) x */
    for (size_t i = 0; i < n; i++)
        b[i] = 2.1 * x[i] - (i ? x[i - 1] : 0) - (i + 1 < n ? x[i + 1] : 0);
    ck_assert_int_eq(ls_new(n, &p, kind, true, &ls), 0);
    ck_assert_int_eq(ls_factor(ls, 0.1, v), 0);
    ck_assert_int_eq(ls_factor_complex(ls, 0.1, 0.5, v), 0);
    ck_assert_int_eq(ls_solve(ls, b), 0);
    ck_assert_double_lt(max_err(b, x, n), 1e-10);
    ck_assert_uint_lt(ls_nnz(ls), 10 * n);
    bytes = ls_memory(ls);
    ls_free(ls);
    free(b);
    free(x);
    free(v);
    free(ri);
    free(cp);
    return bytes;
}

/* 100,000 unknowns (n^2 doubles would be 80 GB): the sparse and the band
   path solve, with memory linear in n (the same bytes per unknown as at
   10,000) and a few hundred bytes per unknown, complex factors included
   (measured: sparse 476, band 312). */
START_TEST(ls_large_tridiagonal_in_linear_memory)
{
    const enum ls_kind two[] = { LS_SPARSE, LS_BAND };

    for (size_t q = 0; q < 2; q++) {
        size_t small = tridiagonal_bytes(10000, two[q]);
        size_t large = tridiagonal_bytes(100000, two[q]);
        ck_assert_msg(large < 1000 * 100000, "%s: %zu bytes", ls_kind_name(two[q]), large);
        ck_assert_msg(large < 10.5 * small, "%s: %zu then %zu bytes", ls_kind_name(two[q]),
                      small, large);
    }
}
END_TEST

/* Bytes per unknown of the sparse path, real and complex factors held,
   for the 5-point stencil on a k x k grid. */
static double grid_bytes_per_unknown(size_t k)
{
    size_t n = k * k, at = 0;
    size_t *cp = malloc((n + 1) * sizeof *cp), *ri = malloc(5 * n * sizeof *ri);
    double *v = malloc(5 * n * sizeof *v), bytes;
    struct ode_pattern p;
    linsolve *ls;

    ck_assert(cp && ri && v);
    for (size_t j = 0; j < n; j++) {
        size_t r = j / k, c = j % k;
        cp[j] = at;
        if (r > 0)
            ri[at] = j - k, v[at++] = 1;
        if (c > 0)
            ri[at] = j - 1, v[at++] = 1;
        ri[at] = j, v[at++] = -4;
        if (c + 1 < k)
            ri[at] = j + 1, v[at++] = 1;
        if (r + 1 < k)
            ri[at] = j + k, v[at++] = 1;
    }
    cp[n] = at;
    p = (struct ode_pattern){ at, cp, ri };
    ck_assert_int_eq(ls_new(n, &p, LS_AUTO, true, &ls), 0);
    ck_assert_int_eq(ls_kind_of(ls), LS_SPARSE);
    ck_assert_int_eq(ls_factor(ls, 1.0, v), 0);
    ck_assert_int_eq(ls_factor_complex(ls, 1.0, 1.0, v), 0);
    bytes = (double)ls_memory(ls) / (double)n;
    ls_free(ls);
    free(v);
    free(ri);
    free(cp);
    return bytes;
}

/* 2-D grids of 32^2, 64^2 and 128^2 unknowns: the fill of KLU's factors
   grows like n log n (measured 1150, 1460, 1900 bytes per unknown), not
   like the band's n k (4x per step here). */
START_TEST(ls_grid_memory_grows_with_the_fill)
{
    double b32 = grid_bytes_per_unknown(32), b64 = grid_bytes_per_unknown(64);
    double b128 = grid_bytes_per_unknown(128);

    ck_assert_msg(b64 < 1.5 * b32 && b128 < 1.5 * b64 && b128 < 4000,
                  "bytes per unknown %.0f %.0f %.0f", b32, b64, b128);
}
END_TEST

START_TEST(ls_bad_use_is_refused)
{
    size_t cp[] = { 0, 2, 3 }, ri_dup[] = { 1, 1, 0 }, ri_big[] = { 0, 2, 1 };
    size_t cp_bad[] = { 0, 2, 1 }, ri[] = { 0, 1, 1 };
    struct ode_pattern dup = { 3, cp, ri_dup }, big = { 3, cp, ri_big };
    struct ode_pattern down = { 3, cp_bad, ri }, short_nnz = { 2, cp, ri };
    struct ode_pattern ok = { 3, cp, ri };
    double j[3] = { 1, 2, 3 }, b[2] = { 1, 1 }, bi[2] = { 0, 0 };
    linsolve *ls = (linsolve *)&ok;

    ck_assert_int_eq(ls_new(2, &dup, LS_SPARSE, false, &ls), ODE_EINVAL);
    ck_assert_ptr_null(ls);
    ck_assert_int_eq(ls_new(2, &big, LS_DENSE, false, &ls), ODE_EINVAL);
    ck_assert_int_eq(ls_new(2, &down, LS_BAND, false, &ls), ODE_EINVAL);
    ck_assert_int_eq(ls_new(2, &short_nnz, LS_BAND, false, &ls), ODE_EINVAL);
    ck_assert_int_eq(ls_new(0, NULL, LS_DENSE, false, &ls), ODE_EINVAL);
    for (size_t q = 0; q < 3; q++) {
        ck_assert_int_eq(ls_new(2, &ok, kinds[q], false, &ls), 0);
        ck_assert_int_eq(ls_solve(ls, b), ODE_EINVAL);
        /* No room for complex factors was asked for. */
        ck_assert_int_eq(ls_factor_complex(ls, 1.0, 1.0, j), ODE_EINVAL);
        ck_assert_int_eq(ls_solve_complex(ls, b, bi), ODE_EINVAL);
        ck_assert_int_eq(ls_factor(ls, 5.0, j), 0);
        ck_assert_int_eq(ls_solve(ls, b), 0);
        ls_free(ls);
    }
    ls_free(NULL);
}
END_TEST

static Suite *linsolve_suite(void)
{
    Suite *s = suite_create("linsolve");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, ls_dense_pattern_every_kind_solves);
    tcase_add_test(tc, ls_band_patterns_every_kind_solves);
    tcase_add_test(tc, ls_patterns_without_diagonal_solve);
    tcase_add_test(tc, ls_grid_pattern_every_kind_solves);
    tcase_add_test(tc, ls_one_by_one);
    tcase_add_test(tc, ls_singular_names_the_column);
    tcase_add_test(tc, ls_nonfinite_values_are_refused);
    tcase_add_test(tc, ls_refactor_with_new_values);
    tcase_add_test(tc, ls_factors_serve_many_solves);
    tcase_add_test(tc, ls_band_finds_its_bandwidths);
    tcase_add_test(tc, ls_choose_by_size_density_and_band);
    tcase_add_test(tc, ls_large_tridiagonal_in_linear_memory);
    tcase_add_test(tc, ls_grid_memory_grows_with_the_fill);
    tcase_add_test(tc, ls_bad_use_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(linsolve_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
