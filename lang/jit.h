/* jit.h - the model compiled in memory by libtcc, or by the system C
 * compiler into a shared object (jit_compile_cc, lang/jit_cc.c).
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
   without aux outputs), derive (NULL without derived parameters), the
   Jacobian patterns and jac, jacp (NULL unless lang/diff.c attached their
   values: diff.h), ctx = NULL.  prob's function pointers and name arrays stay valid while *out
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

/* Like jit_compile, but the text (codegen_c_link with
   CODEGEN_LINK_POINTERS) is built by the system C compiler into a shared
   object and loaded with dlopen: slower to build (50-100 ms for tens of
   equations, seconds for thousands) but code 1.5-5x faster than libtcc's,
   with the same results bit for bit.
   The compiler is `cc`, or the program named by the environment variable
   ODESOLVE_CC (blank-separated words: a program and its own options; no
   shell is involved).  It runs with ISO semantics and no FMA contraction,
   and the object must have no undefined symbol: the built-ins are our
   function pointers, passed in after loading.  Files live in a private
   directory under $TMPDIR (or /tmp; it must allow executable mappings),
   removed before returning, whether the build worked or not.  Returns 0;
   ODE_ENOMEM; ODE_EINVAL for a malformed model; ODE_EJIT when the
   compiler cannot run or fails (err starts with its first error line,
   which names the model file and line through #line), or the object does
   not load.  Safe to call from several threads. */
int jit_compile_cc(const struct model *m, jit **out, struct ode_problem *prob,
                   char *err, size_t errlen);

/* Like jit_compile_cc, but compiles `c_text` (codegen_c_link output for m
   with CODEGEN_LINK_POINTERS, perhaps edited) instead of generating it. */
int jit_compile_cc_text(const struct model *m, const char *c_text, jit **out,
                        struct ode_problem *prob, char *err, size_t errlen);

/* For the compiled backends of lang/ only: a jit that takes ownership of
   `meta` (codegen_meta's block, released with free()) and of `handle`,
   released by release(handle) in jit_free.  NULL when out of memory; the
   caller then still owns both. */
jit *jit_adopt(void *meta, void *handle, void (*release)(void *handle));

/* Releases the compiled code and the names.  Accepts NULL. */
void jit_free(jit *j);

#endif
