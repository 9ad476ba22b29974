/* ensemble.h - a batch of solves of one problem that differ only in
 * parameters and initial values, run on a pool of threads.
 *
 * The batch is data: a list of axes, each a table of points (rows) whose
 * columns set parameters or initial values.  The members are the points of
 * the axes' Cartesian product, the first axis outermost and the last one
 * varying fastest: --sweep a=..  --sweep b=.. is the loop nest "for a, for
 * b".  A file of members is one axis with one column per name it sets.
 *
 * ens_run() hands members to worker threads one at a time (an atomic
 * counter: members differ in cost), and gives the finished ones to the
 * calling thread in member order, so the output does not depend on the
 * number of threads or on the order members finish in.  At most `window`
 * members are in flight (being solved or finished but not yet handed
 * over), which bounds the memory the caller keeps per member.  With one
 * thread the calling thread solves the members itself, one after the
 * other, with slot 0. */
#ifndef ODESOLVE_ENSEMBLE_H
#define ODESOLVE_ENSEMBLE_H

#include <stdbool.h>
#include <stddef.h>

#include "problem.h"
#include "solve.h"

/* More members than this is a mistake in the settings (2^40). */
#define ENS_MAX_MEMBERS ((size_t)1 << 40)

/* What a column of the batch sets: parameter `index` (into p) or the
   initial value of state `index`. */
enum ens_kind { ENS_PARAM, ENS_INIT };

struct ens_target {
    enum ens_kind kind;
    size_t index;
};

typedef struct ens_batch ens_batch;

/* An empty batch (no axis: one member, the base values), or NULL when out
   of memory.  Release with ens_batch_free(). */
ens_batch *ens_batch_new(void);

void ens_batch_free(ens_batch *b);

/* Appends an axis of n_points points, each setting the n_cols targets to
   values[point * n_cols + col].  The arrays are copied.  Returns 0,
   ODE_ENOMEM, or ODE_EINVAL when n_points or n_cols is 0, a target is
   already set by an earlier axis, or the batch would have more than
   ENS_MAX_MEMBERS members. */
int ens_batch_add_axis(ens_batch *b, size_t n_points, size_t n_cols,
                       const struct ens_target *targets, const double *values);

/* Members of the batch: the product of the axes' point counts. */
size_t ens_batch_members(const ens_batch *b);

/* Columns of the batch (all axes, in order) and what column j sets. */
size_t ens_batch_cols(const ens_batch *b);
struct ens_target ens_batch_target(const ens_batch *b, size_t j);

/* The values member k (< ens_batch_members) gives its columns, into
   vals[0 .. ens_batch_cols-1]. */
void ens_batch_values(const ens_batch *b, size_t k, double *vals);

/* Sets member k's values into p (parameters) and y0 (initial values). */
void ens_batch_apply(const ens_batch *b, size_t k, double *p, double *y0);

/* The caller's side of ens_run().  begin and end run on worker threads,
   any number at once, each for its own slot; emit and tick run on the
   thread that called ens_run() (which is the worker, too, with one
   thread). */
struct ens_hooks {
    void *ctx;
    /* Member `member` is about to be solved; its rows go to the sink
       filled in here (ctx may be the caller's per-slot state), on worker
       thread `worker`, which calls through probs[worker].  `slot` <
       window is the member's place, not shared with any other member in
       flight.  `p` is the member's parameter vector (user and derived)
       for the solve.  Returns 0, or non-zero to skip the solve (the member
       then fails with that code). */
    int (*begin)(void *ctx, unsigned worker, size_t slot, size_t member,
                 const double *p, struct solve_sink *sink);
    /* The member's solve returned rc (0 or a failure code) with `f`
       filled on failure and `st` its statistics; the sink is not called
       again. */
    void (*end)(void *ctx, size_t slot, size_t member, int rc,
                const struct solve_failure *f, const struct solve_stats *st);
    /* In member order, after end: the member in `slot` can be written.
       rc is the member's code (ODE_EINTR when a stop interrupted it or
       came before it started).  Returns 0, or non-zero to stop the batch
       (an output error): members not yet started are not solved. */
    int (*emit)(void *ctx, size_t slot, size_t member, int rc);
    /* Optional: about ten times a second and after each emit, with the
       members emitted so far. */
    void (*tick)(void *ctx, size_t emitted);
};

struct ens_opts {
    unsigned threads;       /* worker threads, >= 1 */
    size_t window;          /* members in flight at most, >= 1 */
};

/* The outcome of a batch. */
struct ens_result {
    size_t emitted;         /* members handed to emit (every state) */
    size_t done;            /* ... of which solved to the end */
    size_t failed;          /* ... of which failed (not interrupted) */
    size_t interrupted;     /* ... of which interrupted or never started */
    int emit_rc;            /* the non-zero return of emit that stopped it, or 0 */
};

/* Solves every member of b with options o from the base values p0
   (parameters, n_params + n_derived values: the derived ones are computed
   again for each member through probs[w].derive) and y0 (n_states
   values).  Worker w (0 .. threads-1) calls through probs[w], a copy of
   the same problem whose ctx that worker alone uses (the interpreter's
   registers), so probs has `threads` entries.  `stop` (may be NULL) stops
   the batch when it becomes non-zero: solves under way end with
   ODE_EINTR, members not started are emitted with ODE_EINTR.  Returns 0
   with *res filled, ODE_ENOMEM, or ODE_EINVAL (bad opts); a thread that
   cannot be started leaves the others to do its share (at least one must
   start). */
int ens_run(const ens_batch *b, const struct ode_problem *probs, const double *p0,
            const double *y0, const struct solve_opts *o, const struct ens_opts *eo,
            const struct ens_hooks *h, volatile const int *stop, struct ens_result *res);

/* Threads available to this process: its CPU affinity mask's count, else
   the online processors, at least 1. */
unsigned ens_threads_available(void);

#endif
