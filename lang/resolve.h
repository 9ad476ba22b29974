/* resolve.h - the checker's shared state, between check.c (declarations,
 * ordering, assembling the model) and resolve.c (names inside
 * expressions).  Not for other modules: they use check.h. */
#ifndef ODESOLVE_RESOLVE_H
#define ODESOLVE_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>

#include "ast.h"
#include "diag.h"
#include "model.h"

enum sym_kind {
    SYM_STATE, SYM_PARAM, SYM_NUMBER, SYM_DERIVED, SYM_INTER, SYM_AUX,
    SYM_FUNC,
    SYM_TAINTED,        /* named on a line that failed to parse */
    SYM_NKINDS
};

#define SYM_BIT(k) (1u << (k))

/* A declared name. */
struct sym {
    enum sym_kind kind;
    /* Position in the model's array for its kind.  Until the checker has
       ordered intermediates, derived parameters and functions, their
       position in declaration order. */
    int index;
    unsigned len;
    const char *name;               /* spelling of the first declaration */
    struct span decl;               /* the name in that declaration */
    const struct ast_stmt *stmt;    /* the definition; NULL when tainted */
    const struct ast_stmt *init;    /* SYM_STATE: its initial value */
    bool cyclic;                    /* part of a reported dependency cycle */
    /* SYM_FUNC: calls of user functions one call of it makes, itself
       included, saturated just past CHECK_MAX_CALLS (check.c). */
    unsigned long long calls;
    /* SYM_FUNC: reads states or intermediates (directly or through the
       functions it calls); `body` is its resolved body, expanded at each
       call (resolve.c). */
    bool dynamic;
    const struct expr *body;
    unsigned long walk;             /* resolve_deps: last walk through it */
    bool elem;                      /* an element of an array statement */
    long j;                         /* elem: its index */
    /* Position among the symbols of its kind in declaration order (the
       order XPPAUT's shift() counts in), whatever the index becomes. */
    int pos;
};

struct symvec {
    struct sym **v;
    size_t n, cap;
};

struct checker {
    struct model *m;
    struct diag *d;
    const struct ast_file *ast;
    struct sym **slots;             /* hash table on the lower-case name */
    size_t n_slots, n_used;
    struct symvec all;              /* every symbol, in declaration order */
    struct symvec kind[SYM_NKINDS];
    const struct ast_stmt *maxstor; /* the last `@ maxstor=` */
    unsigned long walks;            /* resolve_deps walks so far */
    size_t expanded;                /* nodes added by expanding functions */
    bool too_large;                 /* an expansion went past the limits */
    bool too_large_said;            /* ... and was reported */
    bool oom;
    /* While an element of an array statement is resolved: its index j. */
    bool in_array;
    long j;
    size_t n_elements;              /* array elements declared so far */
    /* While the operand of a sum(lo,hi)of(...) is resolved: its bounds;
       with i_known, its counter i' is i (array.c walks the values). */
    bool in_sum, i_known;
    long sum_lo, sum_hi, i;
    size_t shift_work;              /* shift() targets visited so far */
    /* Volterra integrals: resolving an aux quantity; the integrand of
       an int{...} (t' has a value); its lag K (a function of t). */
    bool in_aux, in_integrand, in_lag;
    size_t kernels_cap;
    /* The intermediates in declaration order (before they are ordered by
       their dependencies), for shift(); NULL until then. */
    struct sym **inter_decl;
};

/* The symbol named by the source text at `name` (any case), or NULL.
   Defined in check.c. */
struct sym *check_lookup(const struct checker *ck, struct span name);

/* The symbol named s[0..n) (any case), or NULL.  Defined in check.c. */
struct sym *check_lookup_text(const struct checker *ck, const char *s,
                              size_t n);

/* Adds a symbol named name[0..n) declared at `decl` by `stmt`; the name
   must not be declared yet.  NULL when out of memory.  Defined in
   check.c. */
struct sym *check_define(struct checker *ck, enum sym_kind kind,
                         const struct ast_stmt *stmt, struct span decl,
                         const char *name, size_t n);

/* Gives the state `sym` (or whatever the name at s->name is) the initial
   value of s, reporting duplicates and non-states.  Defined in check.c. */
void check_init(struct checker *ck, const struct ast_stmt *s,
                struct sym *sym, const char *name, int n);

/* Where an expression is evaluated, which decides the names it may use. */
enum resolve_where {
    RW_DYNAMIC,         /* equations, aux and intermediates: anything */
    RW_DERIVED,         /* derived parameters: no t, states, intermediates */
    RW_FUNC,            /* function bodies: anything; states and
                           intermediates make the function dynamic */
};

/* Converts the parsed expression `a` to a struct expr in the model arena,
   reporting every unknown or misused name (a bad name becomes the number
   0 so that the rest is still checked).  `owner` is the derived parameter
   or function being defined (RW_DERIVED, RW_FUNC).  Sym indices must be
   final, and functions must be converted before their callers: a call of
   a dynamic function is replaced by its body with the arguments in place,
   and converting a function's body sets owner->dynamic.  NULL only when
   out of memory. */
struct expr *resolve_expr(struct checker *ck, enum resolve_where where,
                          struct sym *owner, const struct ast_expr *a);

/* Calls f(arg, sym, where) for each use in `a` of a symbol whose kind is
   in `kinds` (SYM_BIT mask): names for variables, calls for functions.
   `fn` is the enclosing function (its arguments hide other names) or
   NULL.  When kinds has SYM_INTER, the uses inside the user functions
   that `a` calls count too, at the call (an intermediate read by a
   function is needed before the call); each function is walked once, and
   none that is part of a cycle. */
typedef void (*resolve_dep_fn)(void *arg, const struct sym *to,
                               struct span at);
void resolve_deps(struct checker *ck, const struct ast_expr *a,
                  const struct ast_stmt *fn, unsigned kinds,
                  resolve_dep_fn f, void *arg);

/* Reports an error when the name at `sp` cannot be declared (t, pi, a
   keyword or a built-in function) and returns false.  Function arguments
   may be called t (`I(t) = ...`): pass allow_t. */
bool resolve_check_name(struct checker *ck, struct span sp, bool allow_t);

/* Whether the name at `name` is `x2` where `x` was named on a line that
   failed to parse: most likely an element of an array `x[1..n]` that was
   reported there, so not reported again as unknown. */
bool resolve_tainted_element(const struct checker *ck, struct span name);

/* "a parameter", "an intermediate quantity", ... for messages. */
const char *resolve_kind_noun(enum sym_kind k);

/* Levenshtein distance between a and b ignoring case, or limit + 1 when it
   is larger than limit. */
int resolve_distance(const char *a, size_t na, const char *b, size_t nb,
                     int limit);

/* Whether `cand` is close enough to the unknown `name` to be suggested
   and better than *best (updated).  Close: distance at most 2, at most 1
   for names of up to 3 characters, and less than the name's length. */
bool resolve_closer(const char *name, size_t n, const char *cand,
                    size_t nc, int *best);

#endif
