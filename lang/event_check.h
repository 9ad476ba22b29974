/* event_check.h - the checks of `global` statements (events), between
 * check.c and the model: for check.c only, like resolve.h. */
#ifndef ODESOLVE_EVENT_CHECK_H
#define ODESOLVE_EVENT_CHECK_H

#include "resolve.h"

/* Turns every ST_GLOBAL statement of ck->ast into ck->m->events, in
   source order, reporting a bad sign, an assignment to anything but a
   state and every problem of the expressions.  Runs after the model's
   symbols have their final indices (after resolve_all). */
void check_events(struct checker *ck);

#endif
