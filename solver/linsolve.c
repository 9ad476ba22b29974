/* linsolve.c - A = alpha I - J (and its complex counterpart) factored by
 * LAPACK (dense and banded LU with partial pivoting) or SuiteSparse KLU.
 *
 * All three keep J's pattern with the diagonal merged in (`pat`): a band
 * solver reads its bandwidths from it, KLU analyses it once, and every
 * factorisation scatters -J there through `jmap` and adds the shift on
 * the diagonal through `dpos`. */
#include "linsolve.h"

#include <klu.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* LAPACK's Fortran entry points (reference LAPACK 3.x calling convention:
   everything by reference, column-major, 1-based pivots; complex values
   as (re, im) pairs of doubles). */
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv,
             int *info);
void dgetrs_(const char *trans, const int *n, const int *nrhs, const double *a,
             const int *lda, const int *ipiv, double *b, const int *ldb, int *info);
void zgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv,
             int *info);
void zgetrs_(const char *trans, const int *n, const int *nrhs, const double *a,
             const int *lda, const int *ipiv, double *b, const int *ldb, int *info);
void dgbtrf_(const int *m, const int *n, const int *kl, const int *ku, double *ab,
             const int *ldab, int *ipiv, int *info);
void dgbtrs_(const char *trans, const int *n, const int *kl, const int *ku,
             const int *nrhs, const double *ab, const int *ldab, const int *ipiv,
             double *b, const int *ldb, int *info);
void zgbtrf_(const int *m, const int *n, const int *kl, const int *ku, double *ab,
             const int *ldab, int *ipiv, int *info);
void zgbtrs_(const char *trans, const int *n, const int *kl, const int *ku,
             const int *nrhs, const double *ab, const int *ldab, const int *ipiv,
             double *b, const int *ldb, int *info);

/* Choice thresholds of ls_choose; see the measurements there. */
#define LS_DENSE_MAX_N 8         /* n at or below: dense */
#define LS_DENSE_MIN_FILL 0.3    /* nnz / n^2 at or above: dense */
#define LS_BAND_MIN_FILL 0.3     /* nnz / (n (ml + mu + 1)) at or above: band */

/* klu_refactor keeps the pivot order of the last klu_factor.  When the
   values drift far from those it was chosen for, the pivots can become
   tiny: a refactorisation whose crude reciprocal condition number
   (klu_rcond, min |U_kk| / max |U_kk|) falls below this fraction of the
   one the last pivoting factorisation had is redone with pivoting. */
#define LS_RCOND_DROP 1e-3

struct klu_part {
    klu_symbolic *sym;
    klu_numeric *num;      /* real factors */
    klu_numeric *znum;     /* complex factors */
    double rcond0;         /* klu_rcond right after the last klu_factor */
    double zrcond0;        /* the same, complex */
    int *ap, *ai;          /* pat in KLU's int form */
    double *ax;            /* n_pat values (real) */
    double *zx;            /* 2 n_pat values (complex, interleaved) */
    klu_common common;
};

struct linsolve {
    size_t n;
    enum ls_kind kind;
    bool complex_too;
    /* J's pattern as given: colptr NULL when dense (then jval holds n^2
       values column by column). */
    bool dense_in;
    size_t nnz_in;
    /* The merged pattern (J's plus the diagonal) for band and sparse;
       jmap[k] is where J's k-th value goes in it, dpos[j] where A_jj is. */
    size_t nnz;
    size_t *colptr, *rowind, *jmap, *dpos;
    size_t ml, mu;         /* band: sub- and superdiagonals */
    /* LAPACK (dense: lda = n; band: ldab = 2 ml + mu + 1) */
    int ld;
    double *a, *za;
    int *ipiv, *zipiv;
    double *zb;            /* interleaved complex right-hand side */
    double *val;           /* alpha I - J in the merged pattern (LAPACK
                              kinds with a pattern given) */
    struct klu_part *klu;
    bool factored, zfactored;
    size_t bytes;          /* our own allocations, for ls_memory */
};

const char *ls_kind_name(enum ls_kind kind)
{
    switch (kind) {
    case LS_DENSE:
        return "dense";
    case LS_BAND:
        return "band";
    case LS_SPARSE:
        return "sparse";
    case LS_AUTO:
        break;
    }
    return "auto";
}

/* A pattern is well formed: colptr[0] = 0, nondecreasing to nnz, rows
   below n and strictly ascending in each column. */
static bool pattern_ok(size_t n, const struct ode_pattern *pat)
{
    if (pat->colptr[0] != 0 || pat->colptr[n] != pat->nnz)
        return false;
    for (size_t j = 0; j < n; j++) {
        if (pat->colptr[j + 1] < pat->colptr[j] || pat->colptr[j + 1] > pat->nnz)
            return false;
        for (size_t k = pat->colptr[j]; k < pat->colptr[j + 1]; k++)
            if (pat->rowind[k] >= n || (k > pat->colptr[j] && pat->rowind[k] <= pat->rowind[k - 1]))
                return false;
    }
    return true;
}

/* Lower and upper bandwidths of a pattern, the diagonal included. */
static void pattern_band(size_t n, const struct ode_pattern *pat, size_t *ml, size_t *mu)
{
    *ml = *mu = 0;
    if (!pat || !pat->colptr) {
        *ml = *mu = n ? n - 1 : 0;
        return;
    }
    for (size_t j = 0; j < n; j++)
        for (size_t k = pat->colptr[j]; k < pat->colptr[j + 1]; k++) {
            size_t i = pat->rowind[k];
            if (i > j && i - j > *ml)
                *ml = i - j;
            if (j > i && j - i > *mu)
                *mu = j - i;
        }
}

/* Measured on this machine (x86_64, 2 shared cores; gcc -O2, Debian's
   reference LAPACK and BLAS 3.x, KLU of SuiteSparse 5) by bench/ls_bench.sh:
   microseconds of thread CPU time for one ls_factor plus one ls_solve of
   A = alpha I - J in the steady state (KLU refactoring), fastest of 5
   batches; real (complex in brackets).  The shared machine adds some
   +-30% of noise.

     pattern               n     dense          band           sparse
     1-D 3-point           8     1.6 (2.2)      1.1 (1.3)      1.0 (1.3)
                          32     8.9 (17)       2.3 (3.0)      2.0 (4.9)
                         256    2200 (5400)      16 (27)        11 (21)
                       10000       -            770 (760)      580 (820)
     1-D, band 17 full  2000       -            290 (480)      370 (750)
     2-D 5-point          16     3.5 (8.3)      1.8 (2.4)      1.6 (2.8)
                          64      60 (98)       8.1 (13)       6.4 (12)
                         256    2300 (5500)      75 (110)       35 (61)
                        1024  171000 (409000)   590 (1330)     280 (474)
                        8100       -          44500 (109000) 10100 (20100)
     random, fill 0.1     50      26 (54)        15 (30)       9.7 (16)
             fill 0.3     50      30 (60)        23 (46)        30 (43)
             fill 0.1    200    1340 (2930)    1440 (3000)    1280 (2230)
             fill 0.3    200    1520 (3070)    1590 (3150)    1910 (3530)

   So: KLU wins or ties on every sparse pattern from n = 10 up, by 2-5x
   on 2-D grids (the band there is mostly zeros: 2 k + 1 wide, 5 entries a
   row); a band that is mostly full (1-D stencils, 3 to 17 wide) is as
   fast or faster by LAPACK's band LU, with less memory (tridiagonal,
   complex factors included: 208 bytes per unknown against KLU's 476) and
   partial pivoting at every factorisation; dense LU wins from a fill of
   about 0.3 on (n = 50 and 200).  Below n = 8 every kind takes 1-2.5 us,
   and dense is kept there for its pivoting.  (Reference dgetrf is slow for
   small n: dgbtrf with the full width beat it 1.4x at n = 20-50 on dense
   patterns; an optimised BLAS would move these crossovers.) */
enum ls_kind ls_choose(size_t n, const struct ode_pattern *pat)
{
    size_t ml, mu;

    if (n <= LS_DENSE_MAX_N || !pat || !pat->colptr)
        return LS_DENSE;
    if ((double)pat->nnz >= LS_DENSE_MIN_FILL * (double)n * (double)n)
        return LS_DENSE;
    pattern_band(n, pat, &ml, &mu);
    if ((double)pat->nnz >= LS_BAND_MIN_FILL * (double)n * (double)(ml + mu + 1))
        return LS_BAND;
    return LS_SPARSE;
}

static void *ls_alloc(linsolve *ls, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = calloc(count ? count : 1, size);
    if (p)
        ls->bytes += count * size;
    return p;
}

/* The merged pattern: J's plus the diagonal, and where J's values and the
   diagonal land in it.  A dense input (NULL colptr) becomes the full
   pattern. */
static int merge_pattern(linsolve *ls, const struct ode_pattern *pat)
{
    size_t n = ls->n, nz = 0;

    if (ls->dense_in) {
        ls->nnz = n * n;
    } else {
        nz = pat->nnz;
        for (size_t j = 0; j < n; j++) {
            bool diag = false;
            for (size_t k = pat->colptr[j]; k < pat->colptr[j + 1]; k++)
                diag |= pat->rowind[k] == j;
            nz += !diag;
        }
        ls->nnz = nz;
    }
    ls->colptr = ls_alloc(ls, n + 1, sizeof *ls->colptr);
    ls->rowind = ls_alloc(ls, ls->nnz, sizeof *ls->rowind);
    ls->jmap = ls_alloc(ls, ls->nnz_in, sizeof *ls->jmap);
    ls->dpos = ls_alloc(ls, n, sizeof *ls->dpos);
    if (!ls->colptr || !ls->rowind || !ls->jmap || !ls->dpos)
        return ODE_ENOMEM;

    size_t at = 0;
    for (size_t j = 0; j < n; j++) {
        ls->colptr[j] = at;
        if (ls->dense_in) {
            for (size_t i = 0; i < n; i++) {
                ls->jmap[j * n + i] = at;
                ls->rowind[at++] = i;
            }
            ls->dpos[j] = ls->colptr[j] + j;
            continue;
        }
        bool placed = false;
        for (size_t k = pat->colptr[j]; k < pat->colptr[j + 1]; k++) {
            size_t i = pat->rowind[k];
            if (!placed && i >= j) {
                ls->dpos[j] = at;
                if (i > j)
                    ls->rowind[at++] = j;
                placed = true;
            }
            ls->jmap[k] = at;
            ls->rowind[at++] = i;
        }
        if (!placed) {
            ls->dpos[j] = at;
            ls->rowind[at++] = j;
        }
    }
    ls->colptr[n] = at;
    return 0;
}

static int klu_setup(linsolve *ls)
{
    size_t n = ls->n;
    struct klu_part *k;

    if (n > INT_MAX || ls->nnz > INT_MAX)
        return ODE_ENOMEM;
    k = ls->klu = ls_alloc(ls, 1, sizeof *ls->klu);
    if (!k)
        return ODE_ENOMEM;
    klu_defaults(&k->common);
    k->ap = ls_alloc(ls, n + 1, sizeof *k->ap);
    k->ai = ls_alloc(ls, ls->nnz, sizeof *k->ai);
    k->ax = ls_alloc(ls, ls->nnz, sizeof *k->ax);
    if (ls->complex_too)
        k->zx = ls_alloc(ls, 2 * ls->nnz, sizeof *k->zx);
    if (!k->ap || !k->ai || !k->ax || (ls->complex_too && !k->zx))
        return ODE_ENOMEM;
    for (size_t j = 0; j <= n; j++)
        k->ap[j] = (int)ls->colptr[j];
    for (size_t q = 0; q < ls->nnz; q++)
        k->ai[q] = (int)ls->rowind[q];
    k->sym = klu_analyze((int)n, k->ap, k->ai, &k->common);
    /* The pattern was checked and has its diagonal: only memory fails. */
    return k->sym ? 0 : ODE_ENOMEM;
}

int ls_new(size_t n, const struct ode_pattern *pat, enum ls_kind kind,
           bool complex_too, linsolve **out)
{
    linsolve *ls;
    int rc = ODE_ENOMEM;

    *out = NULL;
    if (n == 0 || n > INT_MAX)
        return ODE_EINVAL;
    if (pat && pat->colptr && ((!pat->rowind && pat->nnz) || !pattern_ok(n, pat)))
        return ODE_EINVAL;
    ls = calloc(1, sizeof *ls);
    if (!ls)
        return ODE_ENOMEM;
    ls->bytes = sizeof *ls;
    ls->n = n;
    ls->complex_too = complex_too;
    ls->dense_in = !pat || !pat->colptr;
    if (ls->dense_in && n > SIZE_MAX / n)
        goto fail;
    ls->nnz_in = ls->dense_in ? n * n : pat->nnz;
    ls->kind = kind == LS_AUTO ? ls_choose(n, pat) : kind;

    switch (ls->kind) {
    case LS_DENSE:
        if (n > INT_MAX / n / 2)
            goto fail;
        ls->ld = (int)n;
        ls->a = ls_alloc(ls, n * n, sizeof *ls->a);
        ls->ipiv = ls_alloc(ls, n, sizeof *ls->ipiv);
        if (!ls->a || !ls->ipiv)
            goto fail;
        if (!ls->dense_in) {
            rc = merge_pattern(ls, pat);
            if (rc)
                goto fail;
            rc = ODE_ENOMEM;
            ls->val = ls_alloc(ls, ls->nnz, sizeof *ls->val);
            if (!ls->val)
                goto fail;
        }
        if (complex_too) {
            ls->za = ls_alloc(ls, 2 * n * n, sizeof *ls->za);
            ls->zipiv = ls_alloc(ls, n, sizeof *ls->zipiv);
            ls->zb = ls_alloc(ls, 2 * n, sizeof *ls->zb);
            if (!ls->za || !ls->zipiv || !ls->zb)
                goto fail;
        }
        break;
    case LS_BAND:
        rc = merge_pattern(ls, pat);
        if (rc)
            goto fail;
        rc = ODE_ENOMEM;
        pattern_band(n, ls->dense_in ? NULL : pat, &ls->ml, &ls->mu);
        /* dgbtrf's storage: ml rows for the fill-in of the row swaps
           above the mu superdiagonals, the diagonal and ml subdiagonals
           (LAPACK's dgbtrf documentation). */
        if (2 * ls->ml + ls->mu + 1 > (size_t)INT_MAX / 2 / n)
            goto fail;
        ls->ld = (int)(2 * ls->ml + ls->mu + 1);
        ls->a = ls_alloc(ls, (size_t)ls->ld * n, sizeof *ls->a);
        ls->ipiv = ls_alloc(ls, n, sizeof *ls->ipiv);
        ls->val = ls_alloc(ls, ls->nnz, sizeof *ls->val);
        if (!ls->a || !ls->ipiv || !ls->val)
            goto fail;
        if (complex_too) {
            ls->za = ls_alloc(ls, 2 * (size_t)ls->ld * n, sizeof *ls->za);
            ls->zipiv = ls_alloc(ls, n, sizeof *ls->zipiv);
            ls->zb = ls_alloc(ls, 2 * n, sizeof *ls->zb);
            if (!ls->za || !ls->zipiv || !ls->zb)
                goto fail;
        }
        break;
    case LS_SPARSE:
        rc = merge_pattern(ls, pat);
        if (!rc)
            rc = klu_setup(ls);
        if (rc)
            goto fail;
        if (complex_too) {
            ls->zb = ls_alloc(ls, 2 * n, sizeof *ls->zb);
            if (!ls->zb) {
                rc = ODE_ENOMEM;
                goto fail;
            }
        }
        break;
    default:
        rc = ODE_EINVAL;
        goto fail;
    }
    *out = ls;
    return 0;
fail:
    ls_free(ls);
    return rc;
}

void ls_free(linsolve *ls)
{
    if (!ls)
        return;
    if (ls->klu) {
        struct klu_part *k = ls->klu;
        klu_free_numeric(&k->znum, &k->common);
        klu_free_numeric(&k->num, &k->common);
        klu_free_symbolic(&k->sym, &k->common);
        free(k->zx);
        free(k->ax);
        free(k->ai);
        free(k->ap);
        free(k);
    }
    free(ls->val);
    free(ls->zb);
    free(ls->zipiv);
    free(ls->za);
    free(ls->ipiv);
    free(ls->a);
    free(ls->dpos);
    free(ls->jmap);
    free(ls->rowind);
    free(ls->colptr);
    free(ls);
}

enum ls_kind ls_kind_of(const linsolve *ls)
{
    return ls->kind;
}

void ls_bandwidth(const linsolve *ls, size_t *ml, size_t *mu)
{
    *ml = ls->kind == LS_BAND ? ls->ml : 0;
    *mu = ls->kind == LS_BAND ? ls->mu : 0;
}

size_t ls_nnz(const linsolve *ls)
{
    switch (ls->kind) {
    case LS_DENSE:
        return ls->n * ls->n;
    case LS_BAND:
        return (size_t)ls->ld * ls->n;
    case LS_SPARSE: {
        const klu_numeric *num = ls->klu->num ? ls->klu->num : ls->klu->znum;
        if (num)
            return (size_t)num->lnz + (size_t)num->unz + (size_t)num->nzoff;
        return ls->nnz;
    }
    default:
        return 0;
    }
}

size_t ls_memory(const linsolve *ls)
{
    return ls->bytes + (ls->klu ? ls->klu->common.memusage : 0);
}

/* The 1-based column of J's first non-finite value (0 when all are
   finite).  LAPACK does not look: a NaN would spread through the factors
   and every solution without a word. */
static size_t first_nonfinite(const linsolve *ls, const double *jval)
{
    for (size_t k = 0; k < ls->nnz_in; k++)
        if (!isfinite(jval[k])) {
            if (ls->dense_in)
                return k / ls->n + 1;
            for (size_t j = 0; j < ls->n; j++)
                if (ls->jmap[k] < ls->colptr[j + 1])
                    return j + 1;
        }
    return 0;
}

/* v = alpha I - J in the merged pattern. */
static void merged_values(const linsolve *ls, double alpha, const double *jval, double *v)
{
    memset(v, 0, ls->nnz * sizeof *v);
    for (size_t k = 0; k < ls->nnz_in; k++)
        v[ls->jmap[k]] = -jval[k];
    for (size_t j = 0; j < ls->n; j++)
        v[ls->dpos[j]] += alpha;
}

/* Where A_ij lives in the LAPACK array: column-major n x n, or the band
   storage AB(ml + mu + i - j, j) of dgbtrf (rows 0 .. ml-1 of AB are the
   room for the fill-in that row interchanges bring). */
static size_t lapack_at(const linsolve *ls, size_t i, size_t j)
{
    if (ls->kind == LS_DENSE)
        return i + j * ls->n;
    return ls->ml + ls->mu + i - j + j * (size_t)ls->ld;
}

/* The 1-based column of the first non-finite pivot U_jj after a LAPACK
   factorisation (0 when none): finite values can still overflow during
   the elimination. */
static size_t lapack_bad_pivot(const linsolve *ls, const double *a, int stride)
{
    for (size_t j = 0; j < ls->n; j++) {
        size_t q = lapack_at(ls, j, j) * (size_t)stride;
        if (!isfinite(a[q]) || (stride == 2 && !isfinite(a[q + 1])))
            return j + 1;
    }
    return 0;
}

static int factor_lapack(linsolve *ls, double alpha, const double *jval)
{
    int n = (int)ls->n, ml = (int)ls->ml, mu = (int)ls->mu, info = 0;
    size_t nn = ls->n;

    memset(ls->a, 0, (size_t)ls->ld * nn * sizeof *ls->a);
    if (ls->dense_in && ls->kind == LS_DENSE) {
        for (size_t q = 0; q < nn * nn; q++)
            ls->a[q] = -jval[q];
        for (size_t j = 0; j < nn; j++)
            ls->a[j + j * nn] += alpha;
    } else {
        merged_values(ls, alpha, jval, ls->val);
        for (size_t j = 0; j < nn; j++)
            for (size_t q = ls->colptr[j]; q < ls->colptr[j + 1]; q++)
                ls->a[lapack_at(ls, ls->rowind[q], j)] = ls->val[q];
    }
    if (ls->kind == LS_DENSE)
        dgetrf_(&n, &n, ls->a, &ls->ld, ls->ipiv, &info);
    else
        dgbtrf_(&n, &n, &ml, &mu, ls->a, &ls->ld, ls->ipiv, &info);
    /* info > 0: U(info, info) is exactly zero (1-based); info < 0 would
       be a bad argument of ours. */
    if (info > 0)
        return info;
    if (info < 0)
        return ODE_EINVAL;
    return (int)lapack_bad_pivot(ls, ls->a, 1);
}

static int factor_lapack_complex(linsolve *ls, double alpha, double beta,
                                 const double *jval)
{
    int n = (int)ls->n, ml = (int)ls->ml, mu = (int)ls->mu, info = 0;
    size_t nn = ls->n;
    double *za = ls->za;

    memset(za, 0, 2 * (size_t)ls->ld * nn * sizeof *za);
    if (ls->dense_in && ls->kind == LS_DENSE) {
        for (size_t q = 0; q < nn * nn; q++)
            za[2 * q] = -jval[q];
    } else {
        merged_values(ls, 0.0, jval, ls->val);
        for (size_t j = 0; j < nn; j++)
            for (size_t q = ls->colptr[j]; q < ls->colptr[j + 1]; q++)
                za[2 * lapack_at(ls, ls->rowind[q], j)] = ls->val[q];
    }
    for (size_t j = 0; j < nn; j++) {
        za[2 * lapack_at(ls, j, j)] += alpha;
        za[2 * lapack_at(ls, j, j) + 1] = beta;
    }
    if (ls->kind == LS_DENSE)
        zgetrf_(&n, &n, za, &ls->ld, ls->zipiv, &info);
    else
        zgbtrf_(&n, &n, &ml, &mu, za, &ls->ld, ls->zipiv, &info);
    if (info > 0)
        return info;
    if (info < 0)
        return ODE_EINVAL;
    return (int)lapack_bad_pivot(ls, za, 2);
}

/* After klu_factor or klu_refactor: 0, the 1-based singular column, or
   ODE_ENOMEM. */
static int klu_status(const struct klu_part *k, size_t n)
{
    if (k->common.status == KLU_SINGULAR) {
        int c = k->common.singular_col;
        return c >= 0 && (size_t)c < n ? c + 1 : 1;
    }
    if (k->common.status == KLU_OUT_OF_MEMORY || k->common.status == KLU_TOO_LARGE)
        return ODE_ENOMEM;
    return k->common.status == KLU_OK ? 0 : ODE_EINVAL;
}

/* klu_factor (pivoting) the first time and whenever klu_refactor (same
   pivots, new values) fails or loses too much of the condition the
   pivoting gave (LS_RCOND_DROP).  `x` holds the values (interleaved when
   `cplx`); *num and *rcond0 are the factors and their reference rcond. */
static int factor_klu(linsolve *ls, bool cplx, double *x, klu_numeric **num,
                      double *rcond0)
{
    struct klu_part *k = ls->klu;
    int rc;

    if (*num) {
        int ok = cplx ? klu_z_refactor(k->ap, k->ai, x, k->sym, *num, &k->common)
                      : klu_refactor(k->ap, k->ai, x, k->sym, *num, &k->common);
        if (ok) {
            if (cplx)
                klu_z_rcond(k->sym, *num, &k->common);
            else
                klu_rcond(k->sym, *num, &k->common);
            /* NaN fails the comparison: factored again below. */
            if (k->common.rcond >= LS_RCOND_DROP * *rcond0)
                return 0;
        }
        klu_free_numeric(num, &k->common);
    }
    *num = cplx ? klu_z_factor(k->ap, k->ai, x, k->sym, &k->common)
                : klu_factor(k->ap, k->ai, x, k->sym, &k->common);
    rc = klu_status(k, ls->n);
    if (!*num)
        return rc ? rc : ODE_ENOMEM;
    if (rc) {
        klu_free_numeric(num, &k->common);
        return rc;
    }
    if (cplx)
        klu_z_rcond(k->sym, *num, &k->common);
    else
        klu_rcond(k->sym, *num, &k->common);
    if (!(k->common.rcond > 0)) {
        /* A zero or non-finite pivot KLU let through. */
        klu_free_numeric(num, &k->common);
        return 1;
    }
    *rcond0 = k->common.rcond;
    return 0;
}

int ls_factor(linsolve *ls, double alpha, const double *jval)
{
    size_t bad;
    int rc;

    ls->factored = false;
    if (!isfinite(alpha))
        return 1;
    bad = first_nonfinite(ls, jval);
    if (bad)
        return (int)(bad > INT_MAX ? INT_MAX : bad);
    if (ls->kind == LS_SPARSE) {
        merged_values(ls, alpha, jval, ls->klu->ax);
        rc = factor_klu(ls, false, ls->klu->ax, &ls->klu->num, &ls->klu->rcond0);
    } else {
        rc = factor_lapack(ls, alpha, jval);
    }
    ls->factored = rc == 0;
    return rc;
}

int ls_factor_complex(linsolve *ls, double alpha, double beta, const double *jval)
{
    size_t bad;
    int rc;

    if (!ls->complex_too)
        return ODE_EINVAL;
    ls->zfactored = false;
    if (!isfinite(alpha) || !isfinite(beta))
        return 1;
    bad = first_nonfinite(ls, jval);
    if (bad)
        return (int)(bad > INT_MAX ? INT_MAX : bad);
    if (ls->kind == LS_SPARSE) {
        struct klu_part *k = ls->klu;
        double *v = k->ax;
        merged_values(ls, alpha, jval, v);
        memset(k->zx, 0, 2 * ls->nnz * sizeof *k->zx);
        for (size_t q = 0; q < ls->nnz; q++)
            k->zx[2 * q] = v[q];
        for (size_t j = 0; j < ls->n; j++)
            k->zx[2 * ls->dpos[j] + 1] = beta;
        rc = factor_klu(ls, true, k->zx, &k->znum, &k->zrcond0);
    } else {
        rc = factor_lapack_complex(ls, alpha, beta, jval);
    }
    ls->zfactored = rc == 0;
    return rc;
}

int ls_solve(linsolve *ls, double *b)
{
    int n = (int)ls->n, ml = (int)ls->ml, mu = (int)ls->mu, one = 1, info = 0;

    if (!ls->factored)
        return ODE_EINVAL;
    switch (ls->kind) {
    case LS_DENSE:
        dgetrs_("N", &n, &one, ls->a, &ls->ld, ls->ipiv, b, &n, &info);
        break;
    case LS_BAND:
        dgbtrs_("N", &n, &ml, &mu, &one, ls->a, &ls->ld, ls->ipiv, b, &n, &info);
        break;
    case LS_SPARSE:
        if (!klu_solve(ls->klu->sym, ls->klu->num, n, 1, b, &ls->klu->common))
            return ODE_EINVAL;
        break;
    default:
        return ODE_EINVAL;
    }
    return info ? ODE_EINVAL : 0;
}

int ls_solve_complex(linsolve *ls, double *re, double *im)
{
    int n = (int)ls->n, ml = (int)ls->ml, mu = (int)ls->mu, one = 1, info = 0;
    double *zb = ls->zb;

    if (!ls->zfactored)
        return ODE_EINVAL;
    for (size_t i = 0; i < ls->n; i++) {
        zb[2 * i] = re[i];
        zb[2 * i + 1] = im[i];
    }
    switch (ls->kind) {
    case LS_DENSE:
        zgetrs_("N", &n, &one, ls->za, &ls->ld, ls->zipiv, zb, &n, &info);
        break;
    case LS_BAND:
        zgbtrs_("N", &n, &ml, &mu, &one, ls->za, &ls->ld, ls->zipiv, zb, &n, &info);
        break;
    case LS_SPARSE:
        if (!klu_z_solve(ls->klu->sym, ls->klu->znum, n, 1, zb, &ls->klu->common))
            return ODE_EINVAL;
        break;
    default:
        return ODE_EINVAL;
    }
    if (info)
        return ODE_EINVAL;
    for (size_t i = 0; i < ls->n; i++) {
        re[i] = zb[2 * i];
        im[i] = zb[2 * i + 1];
    }
    return 0;
}
