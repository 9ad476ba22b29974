/* erk.h - one step of an explicit Runge-Kutta method, driven by a tableau.
 *
 * The engine keeps the current state y, the candidate y1 and the stage
 * derivatives k_0 .. k_{s-1}.  A solve goes: erk_init, copy y0 into e->y,
 * then repeatedly erk_step (attempt t -> t+h), judge it (erk_error,
 * erk_finite), and erk_accept or simply step again with another h.  The
 * first stage f(t, y) is evaluated once per accepted point: it survives
 * rejected attempts, and for first-same-as-last tableaux (or when the dense
 * output needed it) it is the previous step's f(t+h, y1).  Nothing is
 * allocated after erk_init. */
#ifndef ODESOLVE_ERK_H
#define ODESOLVE_ERK_H

#include <stdbool.h>
#include <stddef.h>

#include "problem.h"
#include "solve.h"
#include "stepper.h"
#include "tableau.h"

/* Where an operation of the step writes: the stage argument, the
   candidate y1 or the error estimates. */
enum { ERK_YT, ERK_Y1, ERK_EV, ERK_EV2 };

/* One linear combination of a step, compiled from the tableau:
   out = (base ? y : 0) + h sum_j a_j K_j over its m nonzero terms (in
   increasing j, so the tableau's zeros cost nothing), then, when
   stage >= 0, k[stage] = f(t + c h, out).  Laid out for erk.c's loops:
   the stage vectors' addresses themselves, for either order of k[0] and
   the vector erk_accept swaps it with (erk.par), and each coefficient
   twice, for the two components of a pair. */
struct erk_op {
    int m;
    int out;
    bool base;
    int stage;
    double c;
    /* For the continuous extension (erk.c: comb_dense): the sum of the
       coefficients, the terms being those of K_1 .. only. */
    double sum;
    const double *kv[2][TAB_MAX_STAGES];
    double a[TAB_MAX_STAGES][2];
};

struct erk {
    const struct rk_tableau *tab;
    ode_rhs_fn rhs;
    void *ctx;
    const double *p;
    size_t n;
    size_t len;             /* length of each vector below: n rounded up to even */
    bool pairs;             /* combine in pairs of components (erk.c) */
    int stages;
    bool fsal;
    /* k[0 .. stages-1]: stage derivatives.  k[stages]: f(t+h, y1) for
       tableaux without FSAL, when the dense output asks for it.  Then the
       extra stages of the continuous extension (tableau.h numbering). */
    double *k[TAB_MAX_STAGES + 1];
    double *y;              /* current state (the caller writes y0 here) */
    double *y1;             /* candidate of the last attempt */
    double *yt;             /* stage argument */
    double *ev;             /* error estimate of the last attempt */
    double *ev2;            /* second error estimate (bemb2), or NULL */
    bool f0_ok;             /* k[0] = f(t, y) is up to date */
    bool f1_ok;             /* f(t+h, y1) of the last attempt is known */
    bool xk_ok;             /* the extra stages of the last attempt are known */
    int nk;                 /* stage vectors filled by the last attempt */
    long nfev;              /* right-hand side calls so far */
    int par;                /* erk_op.kv[par] holds the current k[] */
    /* The compiled operations live in one allocation (ops), so that the
       struct stays small: a solve of a small problem takes microseconds,
       and zeroing ~20 KiB of unused operations per solve showed. */
    int nop;
    struct erk_op *op;      /* the step, compiled */
    int nxop;
    struct erk_op *xop;     /* the extra stages, compiled */
    int deg;                /* degree of the continuous extension */
    struct erk_op *dop;     /* its theta^m weights (tab_dense_poly) */
    struct erk_op *ops;
    double *mem;
};

/* Sets up the engine for tableau tab on prob with parameters p (borrowed,
   like tab and prob, for the engine's lifetime).  With `estimate` (and an
   embedded pair) each step also computes its error estimate.  Returns 0 or
   ODE_ENOMEM; erk_free is harmless either way. */
int erk_init(struct erk *e, const struct rk_tableau *tab,
             const struct ode_problem *prob, const double *p, bool estimate);

/* Releases e's memory; accepts a zeroed or already freed e. */
void erk_free(struct erk *e);

/* Makes sure k[0] = f(t, y).  Returns the right-hand side's code (0 fine,
   > 0 retry smaller, < 0 stop). */
int erk_f0(struct erk *e, double t);

/* Attempts the step from (t, y) to t + h, leaving the candidate in e->y1,
   for FSAL tableaux f(t+h, y1) in the last stage, and with `estimate` the
   error estimate in e->ev.  Returns 0, or the first non-zero right-hand
   side code (the attempt is then void). */
int erk_step(struct erk *e, double t, double h);

/* Norm (`norm`: RMS or max) of the error estimate of the last
   (successful) attempt, each component scaled by
   atol_i + rtol max(|y_i|, |y1_i|), atol_i = atol_vec[i] or, with atol_vec
   NULL, atol.  With two estimates (DOP853) the norms e and e2 of both
   combine as e^2 / sqrt(e^2 + 0.01 e2^2) (Hairer, Norsett & Wanner,
   "Solving ODEs I", 2nd ed., II.10 and their code DOP853).  NaN when an
   estimate or y1 is not finite.  Needs `estimate` at erk_init. */
double erk_error(const struct erk *e, double rtol, double atol,
                 const double *atol_vec, enum solve_norm norm);

/* For a failure report: the component with the largest scaled error in
   the last attempt (the variable that forces the step down), or -1 when
   n == 0.  Tolerances as in erk_error. */
long erk_worst_var(const struct erk *e, double rtol, double atol,
                   const double *atol_vec);

/* True when every component of e->y1 is finite. */
bool erk_finite(const struct erk *e);

/* Makes sure f(t1, y1) of the last attempt is known (free with FSAL) and
   returns its code as erk_f0 does; erk_f1_vec() then points at it. */
int erk_f1(struct erk *e, double t1);
const double *erk_f1_vec(const struct erk *e);

/* Accepts the last attempt: y1 becomes y, and f(t+h, y1), when known,
   becomes the next step's first stage.  Swaps pointers only. */
void erk_accept(struct erk *e);

/* Index of the first NaN or infinite value in v[0 .. n-1], or -1. */
long erk_first_nonfinite(const double *v, size_t n);

/* For a failure report: the first non-finite component among the stage
   derivatives of the last attempt (*in_state = false), else in y1
   (*in_state = true).  Returns its index, or -1 when all are finite. */
long erk_bad_var(const struct erk *e, bool *in_state);

/* Computes what the continuous extension of the last attempt (from
   (t, y) with step h) needs beyond the step: f(t+h, y1) without FSAL and
   the tableau's extra stages, each at most once per attempt (right-hand
   side calls counted in nfev).  Then writes the extension's coefficient
   vectors r_m = h sum_j w_m,j K_j (m = 1 .. e->deg, tab_dense_poly;
   computed as h (sum_j w_m,j) K_0 + h sum_j w_m,j (K_j - K_0)) to
   r, e->len each (the components past n are 0), so that
   y(t + theta h) = y + sum_m theta^m r_m.  Call after a successful
   erk_step and before erk_accept.  Returns 0 or the first non-zero
   right-hand side code (r is then not written). */
int erk_dense(struct erk *e, double t, double h, double *r);

/* The create() of every explicit tableau's stepper_method (stepper.h):
   this engine and its dense output behind the stepper interface, with
   m->data the tableau.  Returns 0 or ODE_ENOMEM. */
int erk_stepper_create(struct stepper *s, const struct stepper_method *m,
                       const struct stepper_cfg *cfg);

/* XPPAUT's qualrk: the Cash-Karp pair with the error scale and step rule
   of Press et al.'s rkqs (erk.c); rtol is its tolerance, atol is not
   used.  Registered in stepper.c as "rkqs". */
extern const struct stepper_method erk_rkqs;

/* An ERK stepper of a tableau with a stiff_bound runs Hairer's stiffness
   test every 1000 accepted steps (at every step once one was positive)
   and records in s->st.stiff_t the time of the first 15 positive tests
   in a row.  This sets the spacing (1: every step, 0: never) and the
   fraction of the tableau's stiff_bound that counts as positive (1 by
   default); nothing for a tableau without the test. */
void erk_stepper_stiff_every(struct stepper *s, int every, double fraction);

/* True when accepting the last attempt makes 15 or more positive tests
   in a row; *hlamb gets its |h lambda| (NaN when it was not tested).
   reset() starts the count again. */
bool erk_stepper_stiff_after(const struct stepper *s, double *hlamb);

#endif
