/* event.h - state-changing events located on the dense output.
 *
 * After each accepted step the time loop (solve.c) asks whether an event
 * function g_k of the problem (problem.h: events, event_dir) crossed zero
 * in its direction between the step's ends.  The first crossing is
 * located on the stepper's interpolant by the Illinois method, the step
 * is cut there and the event's assignments are applied; the loop then
 * restarts the method from the new state.
 *
 * Crossings: each event remembers the side of zero its function is on
 * (-1, +1, or 0 when it is exactly zero).  Direction +1 fires when the
 * function leaves the side <= 0 for a value > 0, -1 when it leaves the
 * side >= 0 for a value < 0, 0 either way.  A function that starts at
 * exactly zero and rises fires at that very time (an event at t0); one
 * that touches zero and turns back does not fire.  An event that has
 * just fired and is left at exactly zero by its own assignments does
 * not fire again until its function has left zero. */
#ifndef ODESOLVE_EVENT_H
#define ODESOLVE_EVENT_H

#include <stdbool.h>
#include <stddef.h>

#include "problem.h"
#include "stepper.h"

struct event;

/* A tracker for prob's events (prob->n_events > 0), with the parameter
   vector p (borrowed, like prob, for its lifetime).  Returns 0 or
   ODE_ENOMEM. */
int event_new(const struct ode_problem *prob, const double *p, struct event **out);

/* Releases it; accepts NULL. */
void event_free(struct event *ev);

/* Starts tracking at (t0, y0).  Returns 0, or the event functions' code
   (> 0: not finite or not evaluable; < 0: asked to stop). */
int event_start(struct event *ev, double t0, const double *y0);

/* After the step (t, y) -> (t + h, y1) that stepper s has just passed
   (before its accept, so that its dense output covers the step): sets
   *found when an event fires in the step, with the time in *tev and the
   state there (before the assignments) in event_state(ev); when none
   does, the sides move on to t + h.  Returns 0 or the code of a failed
   evaluation (dense output or event functions, as event_start). */
int event_find(struct event *ev, struct stepper *s, double t, double h, double *tev,
               bool *found);

/* The state at the event event_find found (n_states values, owned by ev).
   event_apply changes it into the state after the assignments. */
double *event_state(struct event *ev);

/* Applies the assignments of every event firing at *tev, in the order of
   the model, to event_state(ev), and moves the sides past the event.
   Returns 0 or the reset's or event functions' code. */
int event_apply(struct event *ev, double tev);

/* How many events fired at the last event_apply (usually 1), and the
   index of the first of them. */
size_t event_fired(const struct event *ev, size_t *first);

/* XPPAUT's events in a fixed-step run (--xpp), as XPPAUT 6.11 finds
   them (its flags.c): after the step (t, y) -> (tnew, y1) each condition
   is compared with its value after the previous step (or at event_start):
   direction +1 fires from < 0 to > 0, -1 from > 0 to <= 0, when the
   change exceeds 1e-10; the crossing's fraction s of the step is the
   linear root f0 / (f0 - f1), stretched by 1 + 1e-10, and the earliest
   one wins.  The state there is the straight line y + s (y1 - y), at
   *tev = t + (tnew - t) s; the events at that fraction are applied to
   it in the model's order, and conditions their assignments carry
   across zero fire too (repeatedly).  Sets *found, *tev, *frac (s) and
   event_state(ev) (the state after the assignments); the caller goes on
   from there with a step of (1 - s) times its full step, as XPPAUT
   does.  No events and no crossing: *found false, and the conditions
   move on to tnew.  Returns 0 or the code of a failed evaluation (as
   event_start). */
int event_xpp_step(struct event *ev, const double *y, const double *y1, double t,
                   double tnew, double *tev, double *frac, bool *found);

/* Sets the conditions event_xpp_step compares with to 0, as XPPAUT's are
   before its first look at them. */
void event_xpp_zero(struct event *ev);

/* The zeros of prob's switching functions of t (problem.h tswitch) in
   [t0, t1], in the direction of integration, into *times (malloc'd,
   *n of them; NULL when none).  Each function is looked at in
   EVENT_SWITCH_SAMPLES points spread over the span, and each sign change
   between two of them is bisected to adjacent doubles (the time is the
   first one past the switch, or an exact zero).  An affine function
   (heav(t - ton), a pulse's two edges) is found exactly however short the
   pulse; a periodic one (mod(t, P) < w) as long as its period spans a
   few samples.  Returns 0, ODE_ENOMEM, or the functions' code. */
int event_switch_times(const struct ode_problem *prob, const double *p, const double *y0,
                       double t0, double t1, double **times, size_t *n);
#endif
