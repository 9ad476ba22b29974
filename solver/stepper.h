/* stepper.h - one interface for every method the time loop drives.
 *
 * solve.c owns the time: stops, t1, save points, bounds, signals, limits
 * and failure reports are written once there.  A stepper owns one method's
 * state: it attempts a step from its accepted point (t, y) to t + h,
 * judges the attempt with an error norm, interpolates inside it, and
 * moves on when the loop accepts it.  Explicit RK (erk.c through
 * stepper_erk.c), Rosenbrock (ros.c), implicit RK (irk.c, dirk.c) and BDF
 * (bdf.c) all sit behind it (the models: Diffrax's AbstractSolver.step and
 * SUNDIALS ARKODE's stepper modules under one time loop).
 *
 * One solve goes:
 *   create -> copy y0 into s->y ->
 *   repeat { begin(t) ; step(t, h) ; error() ; [dense(...) ...] ;
 *            accept() or (reject and step again with another h) }
 * with reset() after the loop stepped onto a stop (the right-hand side
 * may jump there: first stages, multistep history and extrapolated
 * Newton guesses are forgotten; a Jacobian may be kept).
 *
 * Return codes of begin/step/dense: 0 fine; STEP_* > 0 the attempt failed
 * and a smaller step may cure it; < 0 stop the solve (ODE_ERHS: the
 * right-hand side asked to stop). */
#ifndef ODESOLVE_STEPPER_H
#define ODESOLVE_STEPPER_H

#include <stdbool.h>
#include <stddef.h>

#include "linsolve.h"
#include "jac.h"
#include "problem.h"
#include "solve.h"

enum stepper_fail {
    STEP_OK = 0,
    STEP_RHS = 1,        /* f (or J) could not be evaluated or was not finite */
    STEP_NEWTON = 2,     /* the Newton iteration diverged or did not converge */
    STEP_SINGULAR = 3,   /* the iteration matrix is singular */
};

enum stepper_family {
    FAM_EXPLICIT,        /* explicit Runge-Kutta */
    FAM_ROSENBROCK,      /* linearly implicit */
    FAM_IMPLICIT_RK,     /* Radau IIA, ESDIRK, implicit Euler, trapezoid */
    FAM_MULTISTEP,       /* BDF */
    FAM_AUTO,            /* --solver auto: explicit and stiff members */
    FAM_VOLTERRA,        /* Volterra equations (volterra.c): its own Newton
                            matrix by differences, no J from the model */
};

/* Counters a stepper keeps; solve.c copies them into solve_stats. */
struct stepper_stats {
    long nfev;           /* right-hand side calls, finite differences included */
    long njev;           /* Jacobian evaluations (exact or finite differences) */
    long nlu;            /* factorisations of an iteration matrix */
    long nsolve;         /* linear solves with a factorisation */
    long nnewton;        /* Newton iterations */
    long nnewton_fail;   /* Newton convergence failures */
    /* Explicit methods with a stiffness test: when it first found the
       problem stiff, and |h lambda| then (NaN and 0 when it did not). */
    double stiff_t, stiff_hlamb;
    long nswitch;        /* --solver auto: switches between its methods */
};

/* What the loop tells a stepper when it creates it; borrowed for the
   stepper's lifetime. */
struct stepper_cfg {
    const struct ode_problem *prob;
    const double *p;             /* user and derived parameters */
    bool adaptive;               /* errors are estimated and judged */
    double rtol, atol;
    const double *atol_vec;      /* NULL: atol for every state */
    enum solve_norm norm;
    enum ls_kind linsolve;       /* LS_AUTO unless --linsolve */
    enum jac_mode jacobian;      /* JAC_AUTO unless --jacobian fd */
    long volterra_window;        /* volterra: points kept, 0 all (solve.h) */
};

struct stepper;

/* The operations of one method; `s` is the stepper create() filled in. */
struct stepper_ops {
    void (*destroy)(struct stepper *s);
    /* Makes sure what an attempt from the accepted point (t, s->y) needs
       is there (f(t, y) at least; nothing to do when it is already
       known).  After a stop `after_stop` asks for f's limit from the side
       the next step goes into: evaluate at nextafter(t, dir * inf).  A
       failure here cannot be cured by a smaller step: the loop ends the
       solve (a code > 0 names the variable through bad_var). */
    int (*begin)(struct stepper *s, double t, bool after_stop, double dir);
    /* Proposes |h0| for the first step (dir +1 or -1, hmax > 0 the
       largest allowed), after begin(t0).  Writes *h; returns the
       right-hand side code of any trial evaluation (*h still usable). */
    int (*initial_step)(struct stepper *s, double t0, double dir, double hmax, double *h);
    /* Attempts (t, y) -> t + h (h signed), leaving the candidate in s->y1.
       `dense` says the loop will interpolate inside this step (a save
       point lies inside), so a method may compute what its interpolant
       needs now and have a failure there reject the step. */
    int (*step)(struct stepper *s, double t, double h, bool dense);
    /* The scaled error norm of the last successful attempt (<= 1
       acceptable; NaN when a value is not finite).  Only called when
       cfg.adaptive. */
    double (*error)(struct stepper *s);
    /* For reports: the state with the largest scaled error (or Newton
       residual) in the last attempt; -1 when none. */
    long (*worst_var)(struct stepper *s);
    /* For reports: the first non-finite component of the last attempt's
       derivatives (*in_state false) or of y1 (*in_state true); -1 when
       all are finite. */
    long (*bad_var)(struct stepper *s, bool *in_state);
    /* The solution at t + theta h inside the last successful attempt
       (0 <= theta <= 1) into out, before accept().  The first call after
       an attempt may build the interpolant (and call f). */
    int (*dense)(struct stepper *s, double t, double h, double theta, double *out);
    /* Makes the last attempt the new accepted point: y1 becomes y. */
    void (*accept)(struct stepper *s, double t, double h);
    /* The right-hand side may jump at the accepted point: forget
       first stages, history and predictions. */
    void (*reset)(struct stepper *s);
    /* Methods that choose their own step size (and order) set this; the
       loop's controller is then not used.  After an attempt of size h
       with error norm err (NaN after a failed attempt, with its code in
       fail), accepted or not, returns the next |h|. */
    double (*next_step)(struct stepper *s, double h, double err, bool accepted,
                        int fail);
};

struct stepper_method {
    const char *name;            /* --solver NAME, lower case */
    const char *desc;            /* one line for --list-solvers */
    enum stepper_family family;
    int order;                   /* order of the solution */
    int order_emb;               /* order of the error estimate's embedded
                                    solution; 0: fixed step only */
    bool needs_jac;              /* uses df/dy (so the model compiles it) */
    /* The power of h the error estimate behaves like, for the loop's
       controller; 0 means order_emb + 1. */
    int err_order;
    /* Controller target theta (control.h), 0 for CTL_TARGET. */
    double err_target;
    /* Creates the stepper into *s, which stepper_new has zeroed and
       given method, cfg and n: sets s->ops, s->y, s->y1 (n values each,
       owned by the stepper) and s->impl.  Returns 0, ODE_ENOMEM or
       ODE_EINVAL (with a message in s->why); on failure it releases what
       it allocated. */
    int (*create)(struct stepper *s, const struct stepper_method *m,
                  const struct stepper_cfg *cfg);
    const void *data;            /* the method's coefficients (tableau) */
    /* The states come in pairs, each position followed by its velocity
       (symplectic): an odd number is refused before the solve. */
    bool pairs;
};

struct stepper {
    const struct stepper_method *method;
    const struct stepper_ops *ops;
    const struct stepper_cfg *cfg;
    void *impl;                  /* the method's own state */
    size_t n;
    double *y;                   /* accepted state; the loop writes y0 here */
    double *y1;                  /* candidate of the last successful attempt */
    struct stepper_stats st;
    /* Linear solver in use ("dense", "band", "sparse"; NULL for explicit
       methods) and whether J is exact, for --stats. */
    const char *linsolve_name;
    bool jac_exact;
    char why[160];               /* a creation error, or a hint after STEP_* */
    char notes[256];             /* for --stats: what the method decided (auto) */
};

/* Sets up *s for method m (borrowed, like cfg, for the stepper's
   lifetime) and calls m->create.  Returns its code; stepper_free is
   harmless either way. */
int stepper_new(struct stepper *s, const struct stepper_method *m,
                const struct stepper_cfg *cfg);

/* Releases the method's state; accepts a zeroed or freed stepper. */
void stepper_free(struct stepper *s);

/* The method called `name` (ASCII case ignored; explicit RK tableaux and
   the implicit methods), or by another tool's name for the same method
   (ode45, RK45, DP5: dopri5; ode23, RK23, BS3: bosh3; DP8: dop853;
   ode23s: ros23; ode15s: bdf; Radau: radau5), copied into *out.  False
   when there is none. */
bool stepper_find(const char *name, struct stepper_method *out);

/* Number of methods, and the i-th (0 <= i < stepper_count()) into *out,
   explicit ones first, for --list-solvers. */
size_t stepper_count(void);
void stepper_at(size_t i, struct stepper_method *out);

/* The registered name closest to `name` by edit distance (for "did you
   mean").  Never NULL. */
const char *stepper_closest(const char *name);

/* The registered method to suggest for the unknown --solver `name`: the
   counterpart of another tool's method of the same kind (ode113: vern7,
   lsoda: auto), else the closest spelling among the names and their
   aliases (ode45, RK23, Radau, ...), of the kind the name says (stiff
   words such as bdf, radau, ros, implicit, or ode15s-like suffixes, for
   a stiff method; an explicit one otherwise).  Never NULL. */
const char *stepper_suggest(const char *name);

/* Maps an XPPAUT `meth=` value to a registered name.  Accepts our own
   names, XPPAUT's names (euler, modeuler, rungekutta, 5dp, gear, cvode,
   ...), unique prefixes of either ("runge", "dopri") and, like XPPAUT, a
   single key letter ("r").  ASCII case is ignored.  Returns NULL when the
   method is not available here, and then sets *closest (if closest is not
   NULL; never to NULL) to the registered method to suggest: for XPPAUT
   methods we lack the best replacement, for unknown names the nearest
   name by edit distance.  XPPAUT reads any name by its first letter; we
   suggest instead of guessing, so "dopr5" gives NULL and "dopri5" rather
   than XPPAUT's "discrete". */
const char *stepper_from_xpp(const char *meth, const char **closest);

/* For an XPPAUT method name (or key letter) whose own algorithm is
   registered here, for --xpp to replay it: "rkqs" for qualrk.  NULL for
   the others, which run the method stepper_from_xpp names. */
const char *stepper_xpp_replay(const char *meth);

/* For an XPPAUT method name (or key letter) that nothing here runs yet,
   the method to run instead (as stepper_from_xpp suggests); NULL for our
   own names, names that map to a method, and unknown names. */
const char *stepper_xpp_instead(const char *meth);

/* The controller's error order of m (err_order, or order_emb + 1). */
int stepper_err_order(const struct stepper_method *m);

/* "explicit", "Rosenbrock", "implicit RK", "multistep", "auto",
   "Volterra". */
const char *stepper_family_name(enum stepper_family f);

/* True when the method has an error estimate (can run adaptively). */
bool stepper_adaptive(const struct stepper_method *m);

/* Shared by the steppers: the norm of err_i / (atol_i + rtol max(|y_i|,
   |y1_i|)) with cfg's tolerances and norm, as erk_error.  NaN when a value
   is not finite. */
double stepper_err_norm(const struct stepper_cfg *cfg, const double *err,
                        const double *y, const double *y1, size_t n);

/* Shared by the steppers: Hairer, Norsett & Wanner's initial step ("Solving
   ODEs I", 2nd ed., II.4, p. 169) for an error of order `order`, from
   f0 = f(t0, y0); one trial right-hand side call (counted in st->nfev)
   into the scratch vectors w1, w2 (n values each).  Writes |h| to *h;
   returns the trial call's code (*h still usable). */
int stepper_initial_step(const struct stepper_cfg *cfg, struct stepper_stats *st,
                         double t0, const double *y0, const double *f0,
                         double dir, double hmax, int order,
                         double *w1, double *w2, double *h);

#endif
