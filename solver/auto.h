/* auto.h - --solver auto: an explicit method that hands over to a stiff
 * one where the problem turns stiff, and takes over again where it no
 * longer is (auto.c says how it decides). */
#ifndef ODESOLVE_AUTO_H
#define ODESOLVE_AUTO_H

#include "stepper.h"

/* The "auto" method of the registry.  Its members are chosen when it is
   created, from rtol and the number of states, among the registered
   methods; without any stiff method it is the explicit one alone. */
extern const struct stepper_method auto_method;

#endif
