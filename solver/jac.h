/* jac.h - the Jacobian df/dy for implicit methods: the model's exact one
 * (problem.h jac) or finite differences over its sparsity pattern.
 *
 * Finite differences perturb groups of columns that share no row at once
 * (Curtis, Powell & Reid, "On the estimation of sparse Jacobian matrices",
 * J. Inst. Maths Applics 13 (1974) 117-119), so a banded or sparse model
 * costs a few right-hand side calls per Jacobian, not n.  The increment of
 * column j is RADAU5's sqrt(eps max(1e-5, |y_j|)) for |y_j| <= 1 and
 * CVODE's sqrt(eps) |y_j| above (jac.c); an atol below 1e-9 lowers the
 * floor 1e-5 in proportion. */
#ifndef ODESOLVE_JAC_H
#define ODESOLVE_JAC_H

#include <stdbool.h>
#include <stddef.h>

#include "problem.h"

typedef struct jac jac;

/* How the Jacobian is formed: exact when the problem has one (else finite
   differences), or finite differences always (--jacobian fd). */
enum jac_mode { JAC_AUTO, JAC_FD };

/* A Jacobian evaluator for prob (borrowed for its lifetime) with
   parameters p (borrowed).  The pattern used is prob's (dense when
   unknown); jac_pattern() returns it, so the linear solver and the values
   agree.  Returns 0, ODE_ENOMEM, or ODE_EINVAL (a malformed pattern). */
int jac_new(const struct ode_problem *prob, const double *p,
            enum jac_mode mode, jac **out);

/* Releases it.  Accepts NULL. */
void jac_free(jac *jc);

/* The pattern of the values jac_eval writes (valid while jc lives). */
const struct ode_pattern *jac_pattern(const jac *jc);

/* True when the values come from the model's exact Jacobian. */
bool jac_is_exact(const jac *jc);

/* The right-hand side calls one finite-difference Jacobian costs: the
   number of column groups (n for a dense pattern; 0 when exact). */
size_t jac_groups(const jac *jc);

/* Writes df/dy at (t, y) into val (jac_pattern(jc)->nnz values).  f0 must
   be f(t, y) (finite differences need it; exact Jacobians ignore it).
   `atol` (and atol_vec when not NULL) below 1e-9 lower the increments'
   floor (see jac.c).
   Returns the right-hand side's code (0 fine, > 0 could not evaluate or
   a non-finite value, < 0 stop).  Counts its right-hand side calls in
   *nfev when nfev is not NULL. */
int jac_eval(jac *jc, double t, const double *y, const double *f0,
             double atol, const double *atol_vec, double *val, long *nfev);

#endif
