/* model.h - the checked model.
 *
 * check.c builds it from the AST; codegen.c, interp.c and cli/ read it.  All
 * nodes, arrays and strings live in the model's arena: model_free() drops
 * them at once and no node is freed alone.  Everything here is resolved:
 * names are indices, user functions are known, intermediate quantities are
 * ordered so that each depends only on earlier ones. */
#ifndef ODESOLVE_MODEL_H
#define ODESOLVE_MODEL_H

#include <stdbool.h>
#include <stddef.h>

/* Byte offsets [begin, end) into the model source. */
struct span {
    unsigned begin, end;
};

enum expr_kind {
    EX_NUM,          /* num */
    EX_TIME,         /* the independent variable t */
    EX_STATE,        /* y[index] */
    EX_PARAM,        /* p[index]; derived parameters follow the user ones */
    EX_INTER,        /* intermediate quantity `index` (model.inters) */
    EX_ARG,          /* argument `index` of the enclosing user function */
    EX_NEG,          /* -a */
    EX_NOT,          /* not a: 1 if a == 0 else 0 */
    EX_ADD, EX_SUB, EX_MUL, EX_DIV,
    EX_POW,          /* a ^ b, through pow() */
    EX_LT, EX_LE, EX_GT, EX_GE, EX_EQ, EX_NE,   /* 1 or 0 */
    EX_AND, EX_OR,   /* 1 or 0; both operands are evaluated */
    EX_IF,           /* if (a != 0) then b else c; only one branch runs */
    EX_CALL,         /* built-in function `index` (builtins.h) on args */
    EX_UCALL,        /* user function `index` (model.funcs) on args */
    /* Only in the body of a struct model_family, whose loop counter j runs
       over 0 .. count-1: the element index is index + (long)num * j. */
    EX_JNUM,         /* that index as a double */
    EX_JSTATE,       /* y[index + num*j] */
    EX_JPARAM,       /* p[index + num*j] */
    EX_JINTER,       /* intermediate index + num*j */
    /* XPPAUT's sum(lo,hi)of(a): a summed with its counter i' running
       from index to num (both integers known when the model is checked,
       lo > hi gives 0), in that order, from 0.0: s = s + a. */
    EX_SUM,
    /* Only inside an EX_SUM's operand: its counter i' as a double. */
    EX_SUMI,
    /* Only inside an EX_SUM's operand, XPPAUT's shift(x, k) with k
       affine in i': element index + (long)num * i' of y, p or the
       intermediates (checked in range for every i' of the sum). */
    EX_ISTATE, EX_IPARAM, EX_IINTER,
    /* Volterra integral `index` (model.kernels) at the current time: in
       the parameter vector after the derived parameters (solver/
       volterra.c keeps it). */
    EX_KERNEL,
    /* t', the time of integration inside a kernel's integrand. */
    EX_TPRIME,
};

struct expr {
    enum expr_kind kind;
    int index;               /* see expr_kind */
    int nargs;               /* operands in args: 1 unary, 2 binary, 3 if */
    unsigned scratch;        /* for one pass over the trees (lang/diff.c);
                                meaningless outside it */
    double num;              /* EX_NUM */
    struct expr **args;
    struct span span;        /* source text this node came from */
};

struct model_state {
    const char *name;        /* as first declared */
    double init;             /* initial value (0 when not given) */
    struct expr *rhs;        /* dy/dt; for `integral`, the value itself */
    /* A Volterra equation `volt u = ...` or `u(t) = ... int{...} ...`:
       u is rhs at every time, not its integral (solver/volterra.c). */
    bool integral;
    struct span span;        /* the equation's left-hand side */
    int line;                /* 1-based line of the equation */
};

struct model_param {
    const char *name;
    double value;            /* default value from the file */
    struct span span;
};

/* `!k = a*b`: evaluated once per parameter set, in order; may use
   parameters and earlier derived parameters.  Stored in p after the user
   parameters: derived[i] is p[n_params + i]. */
struct model_derived {
    const char *name;
    struct expr *value;
    struct span span;
};

/* `r = sqrt(x^2+y^2)`: evaluated in order at every right-hand side call;
   may use t, states, parameters and earlier intermediates. */
struct model_inter {
    const char *name;
    struct expr *value;
    struct span span;
    int line;
};

struct model_aux {
    const char *name;
    struct expr *value;
    struct span span;
    int line;
};

struct model_func {
    const char *name;
    int nargs;               /* 0..9 */
    const char *argnames[9];
    /* Uses its arguments (EX_ARG), parameters, t, numbers and earlier user
       functions; never states or intermediates. */
    struct expr *body;
    struct span span;
    /* The function reads states or intermediates that are not its
       arguments, as XPPAUT allows.  The checker then expands its body at
       each call (with the arguments in place), so nothing calls it, and
       body is the number 0. */
    bool inlined;
};

/* `global sign condition {x=...; y=...}`: fires where `cond` crosses zero
   in direction `dir` (+1 upwards, -1 downwards, 0 either); then each
   assignment stores its value in its state, in order, each seeing the
   states the earlier ones stored.  cond and values may use t, states,
   parameters and intermediates (computed from the state before the
   assignments). */
struct model_assign {
    int state;               /* index of the state assigned */
    struct expr *value;
    struct span span;        /* the name assigned */
};

struct model_event {
    int dir;
    struct expr *cond;
    struct model_assign *assign;
    size_t n_assign;
    struct span span;        /* the `global` keyword */
    int line;
};

/* A run of equations from one array statement, `x[1..n]' = ... [j] ...`,
   that the code generator writes as one loop.  Element j of the run
   (0 <= j < count) is equation first + j of its kind; its expression in
   the model (states[first + j].rhs, ...) is `body` with j set, node for
   node: the same operations on the same operands, so that a loop over the
   body and the per-element expressions give the same bits (array.c checks
   it when it forms the family). */
enum model_family_kind { FAM_STATE, FAM_INTER, FAM_AUX };

struct model_family {
    enum model_family_kind kind;
    size_t first, count;
    struct expr *body;       /* may hold EX_J* nodes */
};

/* A derivative matrix of the right-hand side (lang/diff.h): n_states rows
   and ncols columns, its structural nonzeros in compressed sparse column
   form (solver/problem.h struct ode_pattern), and, when they could be
   formed, their values as expressions over t, y, p and intermediates.
   The values may read intermediates beyond the model's: extra[k] is
   intermediate n_inters + k, computed after the model's intermediates
   (those with need_inter set) and reading them and earlier extras. */
/* Rows row .. row + nrows - 1 of a derivative matrix written as one loop
   (lang/family.c): each has `per` values, the values of row row + j
   starting at position at + per*j of `order`; value q of it is
   val[k0[q] + kstride[q]*j], which is body[q] with j set. */
struct model_jac_loop {
    size_t row, nrows, per, at;
    size_t *k0;
    long *kstride;
    struct expr **body;
};

struct model_jac {
    size_t ncols, nnz;
    size_t *colptr;                 /* ncols + 1 entries */
    size_t *rowind;                 /* nnz entries, ascending in a column */
    struct expr **val;              /* nnz values, or NULL: pattern only */
    size_t *order;                  /* with val: the k of val[k] equation by
                                       equation, columns ascending */
    struct model_inter *extra;      size_t n_extra;
    bool *need_inter;               /* n_inters flags (with val) */
    struct model_jac_loop *loops;   /* in order of `at`; may be none */
    size_t n_loops;
};

/* A Volterra integral (XPPAUT's int{...}) at time t over t' in [t0, t]:
   int{F} is F(t, t', y(t')) integrated over t'; int{K#u} is K(t - t')
   times u(t') (a convolution, K tabulated once on the step grid);
   int[mu]{...} weighs the integrand by (t - t')^-mu, 0 < mu < 1 (a
   singular kernel, integrated exactly by product integration).  The
   integrand reads t, t' (EX_TPRIME), the state and intermediates at t';
   lag reads t (the lag t - t') and parameters. */
struct model_kernel {
    double mu;
    struct expr *lag;        /* K of int{K#u}; NULL for int{F} */
    struct expr *integrand;  /* u, or F */
    struct span span;
};

/* `@` settings.  A field is meaningful only when its bit is in `set`. */
enum {
    SET_TOTAL = 1u << 0, SET_T0 = 1u << 1, SET_DT = 1u << 2,
    SET_METH = 1u << 3, SET_TOL = 1u << 4, SET_ATOL = 1u << 5,
    SET_DTMIN = 1u << 6, SET_DTMAX = 1u << 7, SET_BOUND = 1u << 8,
    SET_MAXSTOR = 1u << 9, SET_NOUT = 1u << 10, SET_TRANS = 1u << 11,
    SET_VMAXPTS = 1u << 12,
};

struct model_settings {
    unsigned set;
    double total, t0, dt, tol, atol, dtmin, dtmax, bound, trans;
    long maxstor, nout;
    long vmaxpts;            /* Volterra: integrate over the last N points */
    const char *meth;        /* as written, lower case */
    struct span meth_span;
};

/* `set NAME {a=1, x=2, total=50}`: values applied together on request
   (--set NAME).  Entries naming a parameter or a state set that value
   or initial value; the others are settings, in `settings` (bits in
   settings.set), checked as `@` settings are. */
struct model_set_value {
    bool state;              /* an initial value; else a parameter */
    size_t index;            /* into m->states or m->params */
    double value;
};

struct model_set {
    const char *name;        /* as written */
    struct span span;
    struct model_set_value *values;  size_t n_values;
    struct model_settings settings;
};

/* A column chosen by `only`: t, a state or an aux quantity. */
enum model_column_kind { MC_TIME, MC_STATE, MC_AUX };
struct model_column {
    enum model_column_kind kind;
    size_t index;            /* into m->states or m->aux */
};

struct model {
    const char *file;        /* for diagnostics */
    const char *src;         /* the whole source text (owned) */
    size_t src_len;

    struct model_state *states;     size_t n_states;
    struct model_param *params;     size_t n_params;
    /* `number g=9.8`: constants, folded into the expressions; kept by
       name for messages. */
    struct model_param *numbers;    size_t n_numbers;
    struct model_derived *derived;  size_t n_derived;
    struct model_inter *inters;     size_t n_inters;
    struct model_aux *aux;          size_t n_aux;
    struct model_func *funcs;       size_t n_funcs;
    struct model_event *events;     size_t n_events;
    /* Switching functions of t and parameters only (lang/switches.h),
       or NULL until switches_find runs. */
    struct expr **tswitch;          size_t n_tswitch;
    struct model_settings settings;
    /* The model has difference equations (`x(t+1) = ...`, the first
       at map_span): it is a map, iterated by the discrete method. */
    bool maps;
    struct span map_span;
    /* Read as `xppaut -silent` reads (--xpp): bdry statements are
       skipped with one warning, as it integrates the initial value
       problem and ignores them. */
    bool xpp_reading;
    /* Every power x^k calls pow(), literal exponents too, as XPPAUT
       evaluates ^ (--xpp: its rows to the last bit); otherwise small
       literal exponents are products (codegen_pow_plan). */
    bool pow_calls;
    struct model_set *sets;         size_t n_sets;
    /* `only` (all such lines, in order); n_only 0 writes every column. */
    struct model_column *only;      size_t n_only;
    /* Loops over array elements (lang/array.c), in order of `first` within
       each kind; elements outside every family are written one by one. */
    struct model_family *families;  size_t n_families;
    /* Volterra integrals, EX_KERNEL index k (solver/volterra.c).  With
       any, or any integral state, the parameter vector holds after the
       derived parameters the n_kernels values, then t'. */
    struct model_kernel *kernels;   size_t n_kernels;

    /* Exact derivatives, NULL until lang/diff.c attaches them. */
    struct model_jac *jac;          /* df/dy */
    struct model_jac *jacp;         /* df/dp over the user parameters */

    struct arena *arena;
};

/* A new empty model for `file`; takes ownership of `src` (malloc'd, len
   bytes, need not be NUL-terminated but may be).  NULL when out of memory. */
struct model *model_new(const char *file, char *src, size_t len);

/* Releases the model, its arena and its source.  Accepts NULL. */
void model_free(struct model *m);

/* Zeroed memory from the model's arena, aligned for any type; NULL when out
   of memory.  Lives until model_free(). */
void *model_alloc(struct model *m, size_t size);

/* Copy of s[0..len) with a terminating NUL, in the arena. */
char *model_strndup(struct model *m, const char *s, size_t len);

/* Expression constructors (arena-allocated; NULL when out of memory).
   expr_new makes a node with room for nargs operands, all NULL. */
struct expr *expr_new(struct model *m, enum expr_kind kind, int nargs,
                      struct span span);
struct expr *expr_num(struct model *m, double v, struct span span);
struct expr *expr_leaf(struct model *m, enum expr_kind kind, int index,
                       struct span span);
struct expr *expr_unary(struct model *m, enum expr_kind kind,
                        struct expr *a, struct span span);
struct expr *expr_binary(struct model *m, enum expr_kind kind,
                         struct expr *a, struct expr *b, struct span span);

/* True when e has exactly n operands, none NULL: the backends refuse a
   malformed tree instead of following a bad pointer. */
bool expr_arity_ok(const struct expr *e, int n);

/* Index of the state, parameter, ... named `name` (case-insensitive), or -1. */
long model_find_state(const struct model *m, const char *name);
long model_find_param(const struct model *m, const char *name);
long model_find_aux(const struct model *m, const char *name);
long model_find_set(const struct model *m, const char *name);

/* Copies into dst every setting whose bit is in src->set. */
void model_settings_merge(struct model_settings *dst,
                          const struct model_settings *src);

#endif
