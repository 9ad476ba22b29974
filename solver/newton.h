/* newton.h - the simplified Newton iteration of implicit stages.
 *
 * Every implicit stage of the one-step and multistep methods (ESDIRK
 * stages, implicit Euler, the trapezoidal rule, the BDF corrector) has the
 * form
 *
 *   z = psi + gamma f(t, z),        gamma = h * (the method's coefficient),
 *
 * psi a known vector.  newton_solve() solves it by the simplified Newton
 * iteration (Hairer & Wanner, "Solving ODEs II", 2nd ed., IV.8)
 *
 *   (I - gamma_lu J) dz_k = psi + gamma f(t, z_k) - z_k,
 *   z_{k+1} = z_k + c dz_k,      c = 2 gamma_lu / (gamma_lu + gamma),
 *
 * with J a Jacobian df/dy taken at some earlier point and gamma_lu the
 * gamma of the last factorisation.  The matrix is factored as
 * (1/gamma_lu) I - J (linsolve.h's alpha I - J, alpha = 1/gamma_lu) and the
 * right-hand side scaled by alpha to match.  c corrects for an old
 * gamma_lu: it halves the worst contraction factor |1 - gamma/gamma_lu| of
 * the stiff and the non-stiff components (CVODE's 2/(1 + gamrat), Hindmarsh
 * et al., "SUNDIALS", ACM TOMS 31 (2005) 363-396, sec. 2.1); c = 1 when
 * gamma == gamma_lu.
 *
 * Reuse (the economy of Hairer's RADAU5 and of CVODE):
 *  - J is kept across stages and steps.  It is evaluated again only
 *    (a) at the first solve, (b) after newton_jac_stale(), and (c) when an
 *    iteration fails (diverges, converges too slowly, or meets a singular
 *    matrix) with a J not evaluated at the current point: then J is
 *    evaluated at the point newton_point() gave, refactored, and the solve
 *    goes on once more, from its last iterate when it was converging
 *    (too slowly), else from the caller's guess.  A failure with a current J is
 *    returned to the caller (who shortens the step).
 *  - The factorisation is kept while gamma stays within a factor
 *    NEWTON_GAMMA_RATIO of gamma_lu (either way); a new J, or a gamma
 *    outside that band, refactors.
 *
 * Convergence test (Hairer & Wanner II, IV.8, (8.10)-(8.11)): with
 * ||.|| the weighted RMS or max norm (cfg->norm) of dz_i / (atol_i +
 * rtol |y_i|), y the point given to newton_point(), and the rate
 * Theta_k = ||dz_k|| / ||dz_{k-1}||,
 *
 *   converged  when  eta_k ||dz_k|| <= kappa,  eta_k = Theta_k / (1 - Theta_k),
 *   failed     when  Theta_k >= 1 (divergence), or
 *                    Theta_k^(kmax - k) / (1 - Theta_k) ||dz_k|| > kappa
 *                    (it would not converge within kmax iterations),
 *                    or after kmax iterations.
 * The first iteration has no rate yet: it uses eta_0 = max(eta_old^0.8,
 * NEWTON_ETA_MIN), eta_old the last solve's final eta (Hairer's RADAU5
 * without the floor), so a well-predicted stage may stop after one
 * iteration -- except the first solve after newton_point() with a J from
 * an earlier point, which always takes a second iteration: a J far larger
 * than the current one (taken inside a fast transient) makes every
 * correction tiny, and only the rate shows that the iteration stands
 * still (measured on Van der Pol, mu = 1e3: its stiff component stayed
 * fixed for a whole slow phase).  Each iteration is one f call, one
 * linear solve and one norm.
 *
 * Counters go to the caller's struct stepper_stats: njev, nlu, nsolve,
 * nnewton (iterations), nnewton_fail (failed iterations, the internal retry
 * included) and nfev (f calls, those of finite-difference Jacobians
 * included).  Nothing is allocated after newton_new(). */
#ifndef ODESOLVE_NEWTON_H
#define ODESOLVE_NEWTON_H

#include <stdbool.h>
#include <stddef.h>

#include "stepper.h"

/* The factorisation is reused while 1/NEWTON_GAMMA_RATIO <= gamma /
   gamma_lu <= NEWTON_GAMMA_RATIO.  CVODE refactors when |gamma/gamma_lu -
   1| > 0.3 (DGMAX); with the correction c above, the contraction factor
   at a ratio r is at most |1 - r| / (1 + r), 0.13 at r = 1.3. */
#define NEWTON_GAMMA_RATIO 1.3
/* Defaults of newton_tune(): kappa of the convergence test, and the most
   iterations of one solve (Hairer & Wanner's RADAU5: NIT = 7; kappa
   between 0.01 and 0.1, their IV.8). */
#define NEWTON_KAPPA 0.05
/* The first iteration's eta_0 is at least this, so a stage stops after
   one iteration only when its correction is within kappa / NEWTON_ETA_MIN
   of the tolerance: a tiny rate from an earlier, nearly linear stage
   would otherwise accept any first correction. */
#define NEWTON_ETA_MIN 0.1
#define NEWTON_MAX_ITER 7

typedef struct newton newton;

/* A Newton solver for cfg->prob with cfg's parameters, tolerances (they
   weigh the convergence test), norm, linear solver kind and Jacobian mode;
   counters go to *st.  cfg and st are borrowed for the solver's lifetime.
   It owns a jac.h evaluator and a linsolve.h solver of the Jacobian's
   pattern.  Returns 0, ODE_ENOMEM or ODE_EINVAL (from ls_new: a bad
   pattern). */
int newton_new(const struct stepper_cfg *cfg, struct stepper_stats *st,
               newton **out);

/* Releases it.  Accepts NULL. */
void newton_free(newton *nw);

/* Sets kappa (> 0) of the convergence test and the most iterations
   (>= 1) per solve; 0 keeps the current value. */
void newton_tune(newton *nw, double kappa, int max_iter);

/* The point where J is evaluated when one is needed, and whose |y| weigh
   the convergence test: normally the accepted point (t, y) of the step
   being attempted, with f = f(t, y) as finite differences need it, or
   NULL: finite differences then evaluate f(t, y) themselves (one call
   per J).  Pass NULL when f is only known to the Newton tolerance (a
   stage derivative (z - psi) / gamma): its error, divided by the
   increments, would spoil the differences.  y and f are borrowed and
   must stay unchanged until the next newton_point().  Call it whenever
   the accepted point moves; a J from an earlier point then counts as not
   current (it is kept, and re-evaluated only after a failure). */
void newton_point(newton *nw, double t, const double *y, const double *f);

/* Asks for a new J at the point before the next iteration (the right-hand
   side jumped, or the caller's own heuristic says J is old). */
void newton_jac_stale(newton *nw);

/* Solves z = psi + gamma f(t, z) (gamma != 0, any sign): z holds the
   initial guess on entry (a predictor) and the solution on return.  psi
   (n values) is borrowed for the call.  Returns 0; STEP_NEWTON when the
   iteration diverged or did not converge even with a current J;
   STEP_SINGULAR when (1/gamma) I - J is singular with a current J;
   STEP_RHS when f could not be evaluated or gave a non-finite value; the
   right-hand side's code < 0 (stop), or ODE_ENOMEM.  After a failure z
   holds the guess again. */
int newton_solve(newton *nw, double t, double gamma, const double *psi,
                 double *z);

/* For reports after a failure: the state with the largest weighted Newton
   correction (STEP_NEWTON), the column of the zero pivot
   (STEP_SINGULAR), or the first non-finite derivative (STEP_RHS); -1 when
   none. */
long newton_worst_var(const newton *nw);

/* A one-line reason for the last failure (for stepper.why): "the Newton
   iteration diverged ...", "the iteration matrix is singular ...".  Empty
   before any failure.  Valid while nw lives. */
const char *newton_why(const newton *nw);

/* The last solve's iterations and its last contraction rate Theta (0 when
   it stopped after one iteration): callers use them for their step size
   and to call J stale (Hairer's RADAU5 re-evaluates J when Theta >
   0.001). */
int newton_iters(const newton *nw);
double newton_rate(const newton *nw);

/* True when J was evaluated at the current newton_point(). */
bool newton_jac_current(const newton *nw);

/* For --stats: the linear solver's name ("dense", "band", "sparse") and
   whether J is the model's exact one. */
const char *newton_ls_name(const newton *nw);
bool newton_jac_exact(const newton *nw);

#endif
