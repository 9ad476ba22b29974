/* builtins.h - the functions a model may call.
 *
 * One table serves the checks (name, arity), the code generator (the symbol
 * the JIT links to) and the interpreter (the same function pointer), so the
 * compiled and interpreted backends call the very same code and agree bit
 * for bit. */
#ifndef ODESOLVE_BUILTINS_H
#define ODESOLVE_BUILTINS_H

struct builtin {
    const char *name;        /* model name, lower case */
    const char *symbol;      /* name given to the JIT; never a libc name */
    int arity;               /* 1 or 2 */
    union {
        double (*f1)(double);
        double (*f2)(double, double);
    } fn;
    /* For the system compiler (--jit cc): a GNU C expression of the
       argument `a` that is fn bit for bit (an exactly rounded or exact
       operation), inlined instead of a call through a pointer; or NULL. */
    const char *inline_c;
};

/* The built-in named `name` (case-insensitive), or NULL. */
const struct builtin *builtin_find(const char *name);

/* Built-in number `i` (0 <= i < builtin_count()). */
const struct builtin *builtin_at(int i);
int builtin_count(void);

/* Index of b in the table (for EX_CALL.index). */
int builtin_index(const struct builtin *b);

#endif
