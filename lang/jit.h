/* jit.h - the model compiled in memory by libtcc.
 *
 * The C text of codegen.h is compiled with -nostdlib: no libc, no libtcc1,
 * and the only external symbols are the built-ins the text declares, bound
 * to the very function pointers of builtins.c that the interpreter calls. */
#ifndef ODESOLVE_JIT_H
#define ODESOLVE_JIT_H

#include <stddef.h>

#include "model.h"
#include "problem.h"

typedef struct jit jit;

/* Compiles m and fills prob: dimensions, names, state lines, rhs, aux (NULL
   without aux outputs), derive (NULL without derived parameters), ctx =
   NULL.  prob's function pointers and name arrays stay valid while *out
   lives (free the integrator first, then the jit); they do not depend on m
   afterwards.  Parameters stay run-time values in p: changing one never
   needs a new compile.  Models with more than 8192 intermediates keep them
   in static storage, so their functions must not run concurrently.
   Returns 0; ODE_ENOMEM; ODE_EINVAL for a malformed model (see
   codegen_c); ODE_EJIT when libtcc fails, with its messages in err (lines
   name the model file and line through #line), or when built with
   WITH_TCC=0.  err may be NULL when errlen is 0.  Safe to call from several
   threads: compilations are serialised. */
int jit_compile(const struct model *m, jit **out, struct ode_problem *prob,
                char *err, size_t errlen);

/* Like jit_compile, but compiles `c_text` (codegen_c output for m, perhaps
   edited) instead of generating it.  m gives the dimensions and names; the
   text must define the entry points codegen.h lists for m.  The built-ins
   whose symbol occurs in the text are made available. */
int jit_compile_text(const struct model *m, const char *c_text, jit **out,
                     struct ode_problem *prob, char *err, size_t errlen);

/* Releases the compiled code and the names.  Accepts NULL. */
void jit_free(jit *j);

#endif
