/* switches.h - the switching functions of a checked model.
 *
 * Every place where the right-hand side can jump or kink — the argument
 * of heav, sign and abs, both sides of a comparison, min and max, the
 * jumps of flr and mod, a plain `if` condition — gives a function whose
 * zero crossings are the switch times.  Those that depend on t and
 * parameters only (heav(t - ton), t > toff, mod(t, period) < width) are
 * collected, with user functions inlined, so that the solver can find
 * their times before the solve and step onto them. */
#ifndef ODESOLVE_SWITCHES_H
#define ODESOLVE_SWITCHES_H

#include "model.h"

/* Fills m->tswitch / m->n_tswitch from the equations and intermediates
   (new trees in m's arena; no EX_ARG or EX_UCALL is left in them).
   Returns 0 or ODE_ENOMEM. */
int switches_find(struct model *m);

#endif
