/* solve.h - integrate an ode_problem from t0 to t1 and hand saved points to
 * a sink.  One entry point for every method of the stepper registry
 * (stepper.h): explicit, Rosenbrock, implicit RK and multistep; step-size
 * control, dense output and failure reporting live behind it. */
#ifndef ODESOLVE_SOLVE_H
#define ODESOLVE_SOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include "jac.h"
#include "linsolve.h"
#include "problem.h"

/* CTL_DEFAULT: the user chose none; PID for methods with an error
   estimate, CTL_CONSTANT for fixed-step methods.  The others are the
   presets of control.h: CTL_I, CTL_PI, CTL_PID (the default gains) and
   Soderlind's digital filters.  Asking for any but CTL_CONSTANT with a
   fixed-step method is an error (ODE_EINVAL). */
enum solve_controller {
    CTL_DEFAULT, CTL_CONSTANT, CTL_I, CTL_PI, CTL_PID,
    CTL_H0211, CTL_H211B, CTL_H211PI, CTL_H0312, CTL_H312B, CTL_H312PID,
    CTL_H0321, CTL_H321,
};

enum solve_save {
    SAVE_GRID,    /* t0, t0+save_every, ..., and t1, by dense output */
    SAVE_STEPS,   /* t0 and every accepted step */
    SAVE_AT,      /* exactly the times save_at[0 .. n_save_at-1], by dense output */
    SAVE_FINAL,   /* t1 only */
};

/* How the scaled error vector is reduced to one number. */
enum solve_norm {
    NORM_RMS,     /* sqrt(mean(q_i^2)), the default */
    NORM_MAX,     /* max |q_i| */
};

struct solve_opts {
    const char *method;          /* tableau name, e.g. "dopri5", "rk4" */
    enum solve_controller controller;
    double t0, t1;
    double rtol, atol;
    double dt;                   /* initial step (adaptive), the step (constant); 0 = choose */
    double dtmin, dtmax;         /* 0 = no bound */
    long max_steps;              /* accepted + rejected steps; 0 = no limit */
    /* PID gains kP, kI, kD replacing those of the adaptive controller's
       preset (its alpha terms stay); NaN = the preset's own.  control.h
       gives the filter. */
    double pcoeff, icoeff, dcoeff;
    double bound;                /* |y_i| above this fails the solve (ODE_ENONFINITE,
                                    why "exceeds bound ..."); 0 = none */
    enum solve_save save;
    double save_every;           /* spacing of the save grid (SAVE_GRID) */
    /* Adaptive methods: every save point (SAVE_GRID, SAVE_AT) is also a
       point the steps end on, as XPPAUT integrates from one output time to
       the next: a step that would pass it is cut to end there, and the
       step after it is proposed from the cut one.  No stretching or
       halving near the point, no one-sided evaluation (f is taken to be
       continuous there). */
    bool land_saves;
    /* SAVE_AT: the times, strictly monotonic in the direction of
       integration and within [t0, t1]; borrowed for the solve. */
    const double *save_at;
    size_t n_save_at;
    enum solve_norm norm;
    /* Per-state absolute tolerances (n_states values), or NULL to use atol
       for every state.  Borrowed for the solve. */
    const double *atol_vec;
    /* Times the solver must step onto exactly (discontinuities of the
       forcing), strictly monotonic in the direction of integration and
       within [t0, t1]; borrowed.  A step that would cross one is shortened
       to end on it; the step ending there evaluates f on the side it
       comes from and the next one starts with f from the other side (one
       ulp of t either way), so a switch such as heav(t - ts) is seen on
       the right side of ts whatever its value at ts itself. */
    const double *tstops;
    size_t n_tstops;
    /* Implicit methods: the linear solver (LS_AUTO: chosen from the
       Jacobian's pattern) and how J is formed (JAC_AUTO: exact when the
       problem has it). */
    enum ls_kind linsolve;
    enum jac_mode jacobian;
    /* Events (problem.h n_events): each is written as two rows at its
       time, the state before its assignments and after, unless
       no_event_rows; a save point at an event's time then shows the
       state after it (and is that second row when the rows are
       written).  stop_after_events > 0 ends the solve at that event,
       as if t1 were there (0 = no limit). */
    bool no_event_rows;
    long stop_after_events;
    /* The zeros of the problem's switching functions of t (problem.h
       tswitch) are stops like tstops unless no_switches. */
    bool no_switches;
    /* A fixed-step run as XPPAUT 6.11 makes it (--xpp): t advances by
       adding the step to it, euler, heun and rk4 keep XPPAUT's order of
       operations (fixed.h), events are XPPAUT's (event.h,
       event_xpp_step: no rows of their own, the rest of the step taken
       after them) and tstops are not stepped onto.  In an adaptive run
       with land_saves, XPPAUT's events of its adaptive methods: the same
       rule applied once per save interval, between the states at its
       two ends, and the interval integrated again from the event. */
    bool xpp;
    /* Method volterra: the integrals run over the last volterra_window
       points (XPPAUT's vmaxpts); 0 keeps every point, at most
       VOLTERRA_MAX_POINTS (solver/volterra.h). */
    long volterra_window;
    /* The row at t0 shows the integral states' values as given, before
       they are set to their right-hand side's (XPPAUT writes that row
       first). */
    bool volterra_declared_t0;
};

/* Fills `o` with the defaults: dopri5, CTL_DEFAULT (PID for dopri5),
   t0 0, t1 20 (XPPAUT's total), rtol 1e-6, atol 1e-9 for every state,
   NORM_RMS, dt chosen automatically, no dtmin, dtmax, step limit, bound
   or stops, default gains (NaN), SAVE_GRID with save_every = 0 (caller
   must set it). */
void solve_opts_default(struct solve_opts *o);

/* Receives each saved point in the direction of integration (increasing t,
   decreasing when t1 < t0).  `y` is borrowed for the call.
   Returns 0 to go on, non-zero to stop the solve with ODE_EOUTPUT. */
struct solve_sink {
    int (*row)(void *ctx, double t, const double *y);
    void *ctx;
    /* Optional: called every 256 accepted steps with the current time,
       accepted steps and last step size, for a progress line.  NULL when
       not wanted. */
    void (*progress)(void *ctx, double t, long steps, double dt);
};

struct solve_stats {
    long steps;          /* accepted steps */
    long rejected;       /* rejected steps, all causes */
    long rejected_error;     /* ... because the error estimate was too large */
    long rejected_nonfinite; /* ... because a value was NaN or Inf */
    long rejected_newton;    /* ... because the Newton iteration failed */
    long nfev;           /* right-hand side evaluations */
    long njev;           /* Jacobian evaluations */
    long nlu;            /* factorisations of an iteration matrix */
    long nsolve;         /* linear solves */
    long nnewton;        /* Newton iterations */
    long nnewton_fail;   /* Newton convergence failures */
    double dt_last;      /* last accepted step size (negative backwards) */
    const char *linsolve;    /* "dense", "band", "sparse"; NULL for explicit methods */
    /* An explicit method's stiffness test found the problem stiff from
       stiff_t on, with |h lambda| = stiff_hlamb (NaN when it did not, or
       has no such test). */
    double stiff_t, stiff_hlamb;
    long nswitch;            /* --solver auto: switches between its methods */
    long events;             /* events that fired (simultaneous ones each count) */
    long switches;           /* switch times of the model stepped onto */
    char notes[256];         /* --solver auto: when and why it switched */
    bool jac_exact;          /* the Jacobian came from the model */
};

/* Where and why a solve stopped early. */
struct solve_failure {
    double t;            /* time reached (last accepted point) */
    double dt;           /* step size being tried */
    long var;            /* offending state index, -1 when none */
    char why[160];       /* one-line reason, without t or variable */
};

/* Integrates prob from o->t0 to o->t1 (backwards when t1 < t0; t1 == t0
   saves y0 alone) with initial state y0 and parameter vector p (user and
   derived parameters).  Returns 0, ODE_EINVAL (bad options, unknown
   method: `fail->why` says which), ODE_ENOMEM, or a solve failure
   (ODE_ENONFINITE, ODE_EDTMIN, ODE_EMAXSTEPS, ODE_ERHS, ODE_EOUTPUT,
   ODE_EINTR) with `fail` filled in.  Every point saved before a failure has
   been passed to the sink.  `stop` may be NULL; when it points to a non-zero
   value the solve ends with ODE_EINTR at the next step.  `st` and `fail`
   may be NULL when not wanted. */
int solve_run(const struct ode_problem *prob, const double *p,
              const double *y0, const struct solve_opts *o,
              const struct solve_sink *sink, volatile const int *stop,
              struct solve_stats *st, struct solve_failure *fail);

/* Checks o against prob as solve_run does before it starts, without
   integrating: returns 0, or ODE_EINVAL with `fail->why` saying what is
   wrong, so a caller can refuse bad settings before writing any output.
   `fail` may be NULL. */
int solve_check(const struct ode_problem *prob, const struct solve_opts *o,
                struct solve_failure *fail);

#endif
