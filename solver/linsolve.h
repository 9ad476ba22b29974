/* linsolve.h - the linear systems of implicit methods, by LAPACK (dense
 * and banded LU) and SuiteSparse KLU (sparse LU).
 *
 * Every implicit method solves with an iteration matrix
 *
 *   A = alpha I - J          (real), or
 *   A = (alpha + i beta) I - J   (complex, Radau IIA's complex pair),
 *
 * J the Jacobian df/dy in the CSC pattern of solver/problem.h.  The solver
 * is built once per solve from the pattern (the diagonal is added to it
 * when missing; a band solver finds its bandwidths from it; KLU does its
 * symbolic analysis once), then factors a new A whenever the method asks
 * and solves with the factors as often as it likes.  Memory grows with the
 * nonzeros on the sparse path, with n (ml + mu) on the band path and with
 * n^2 only on the dense path. */
#ifndef ODESOLVE_LINSOLVE_H
#define ODESOLVE_LINSOLVE_H

#include <stdbool.h>
#include <stddef.h>

#include "problem.h"

/* The kinds of solver.  LS_AUTO chooses from the pattern (ls_choose). */
enum ls_kind { LS_AUTO, LS_DENSE, LS_BAND, LS_SPARSE };

typedef struct linsolve linsolve;

/* The kind LS_AUTO resolves to for an n x n pattern (NULL colptr: dense):
   dense for small or dense matrices, band when the bandwidth is small
   against n, sparse otherwise.  Documented thresholds in linsolve.c. */
enum ls_kind ls_choose(size_t n, const struct ode_pattern *pat);

/* "dense", "band", "sparse" (for --stats and --linsolve). */
const char *ls_kind_name(enum ls_kind kind);

/* A solver of kind `kind` (LS_AUTO: ls_choose) for n x n matrices with
   pattern pat (borrowed for the call only; NULL colptr: dense), with room
   for a complex factorisation too when `complex_too`.  Returns 0,
   ODE_ENOMEM, or ODE_EINVAL (a bad pattern). */
int ls_new(size_t n, const struct ode_pattern *pat, enum ls_kind kind,
           bool complex_too, linsolve **out);

/* Releases everything.  Accepts NULL. */
void ls_free(linsolve *ls);

/* The kind in use, its bandwidths (0 unless band) and the stored nonzeros
   of the factors' matrix (dense n^2, band n (2 ml + mu + 1), sparse the
   entries of KLU's L and U and off-diagonal blocks, once factored), for
   --stats. */
enum ls_kind ls_kind_of(const linsolve *ls);
void ls_bandwidth(const linsolve *ls, size_t *ml, size_t *mu);
size_t ls_nnz(const linsolve *ls);

/* Bytes held now: this module's arrays plus KLU's own (its memusage). */
size_t ls_memory(const linsolve *ls);

/* Forms A = alpha I - J from jval (the values in the pattern given to
   ls_new) and factors it.  Returns 0, > 0 when A cannot be factored (the
   1-based column of the first zero pivot; of the first non-finite value
   of J, or 1 when alpha is not finite, as LAPACK would pass NaN on
   silently; of a pivot that overflowed), or ODE_ENOMEM.  A failed
   factorisation leaves nothing to solve with. */
int ls_factor(linsolve *ls, double alpha, const double *jval);

/* Solves A x = b in place (b becomes x) with the last ls_factor, as often
   as wanted.  Returns 0 or ODE_EINVAL when nothing is factored (or the
   last ls_factor failed). */
int ls_solve(linsolve *ls, double *b);

/* The complex counterpart: A = (alpha + i beta) I - J, factored in complex
   arithmetic (LAPACK zgetrf/zgbtrf, KLU's complex routines).  Needs
   complex_too at ls_new (ODE_EINVAL without).  Same returns as
   ls_factor; the real factors stay as they were. */
int ls_factor_complex(linsolve *ls, double alpha, double beta,
                      const double *jval);

/* Solves the complex system in place: (re, im) are the real and imaginary
   parts of b, n values each, and become those of x. */
int ls_solve_complex(linsolve *ls, double *re, double *im);

#endif
