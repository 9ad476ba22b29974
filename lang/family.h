/* family.h - runs of similar equations as loops.
 *
 * The checker keeps one expression per array element (lang/array.c), so
 * that the derivatives, the interpreter and every check see ordinary
 * equations.  The code generator writes a run of elements as one loop: a
 * body that, with the loop counter j set, is each element's expression
 * node for node (model.h EX_J* nodes).  This module finds such bodies. */
#ifndef ODESOLVE_FAMILY_H
#define ODESOLVE_FAMILY_H

#include <stdbool.h>

#include "model.h"

/* The body shared by a (j = 0) and b (j = 1): the same tree, each leaf
   that differs becoming an EX_J* node affine in j.  NULL when the trees
   differ otherwise, or when memory runs out (then *oom is set).  In m's
   arena. */
struct expr *family_unify(struct model *m, const struct expr *a,
                          const struct expr *b, bool *oom);

/* Whether body with j set is exactly x. */
bool family_matches(const struct expr *body, const struct expr *x, long j);

/* Finds the loops of J's values (model.h struct model_jac_loop): runs of
   rows with the same number of values, the positions of the values affine
   in the row and the values sharing bodies.  Returns 0 or ODE_ENOMEM. */
int family_jac_loops(struct model *m, struct model_jac *J);

#endif
