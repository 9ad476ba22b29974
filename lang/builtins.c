/* builtins.c - the model language's function library (XPPAUT semantics). */
#include "builtins.h"

#include <math.h>
#include <stddef.h>
#include <strings.h>

/* XPPAUT's heav(x) is 1 for x >= 0 and 0 below; NaN stays NaN so that a bad
   value is caught by the solver instead of being silently switched. */
static double os_heav(double x)
{
    if (isnan(x))
        return x;
    return x < 0 ? 0.0 : 1.0;
}

static double os_sign(double x)
{
    if (isnan(x))
        return x;
    return x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0;
}

/* XPPAUT's mod is the non-negative remainder for a positive divisor:
   mod(-1, 3) = 2, unlike C's fmod. */
static double os_mod(double a, double b)
{
    return a - b * floor(a / b);
}

/* sqrt and fabs in our own code: the compiler makes each the instruction
   (sqrtsd; andpd), where the C library's sqrt is a wrapper around
   another call.  Same bits: IEEE 754 rounds sqrt exactly. */
static double os_sqrt(double x)
{
    return sqrt(x);
}

static double os_abs(double x)
{
    return fabs(x);
}

/* fmin/fmax drop a NaN operand; the model language propagates it. */
static double os_min(double a, double b)
{
    if (isnan(a) || isnan(b))
        return NAN;
    return a < b ? a : b;
}

static double os_max(double a, double b)
{
    if (isnan(a) || isnan(b))
        return NAN;
    return a > b ? a : b;
}

#define F1(n, s, f) { n, s, 1, { .f1 = f }, NULL }
#define F2(n, s, f) { n, s, 2, { .f2 = f }, NULL }
/* IEEE 754 makes sqrt exactly rounded and fabs exact, so the compiler's
   instruction and the C library give the same bits. */
#define F1_INLINE(n, s, f, c) { n, s, 1, { .f1 = f }, c }

static const struct builtin table[] = {
    F1("sin", "os_sin", sin),       F1("cos", "os_cos", cos),
    F1("tan", "os_tan", tan),       F1("asin", "os_asin", asin),
    F1("acos", "os_acos", acos),    F1("atan", "os_atan", atan),
    F2("atan2", "os_atan2", atan2), F1("sinh", "os_sinh", sinh),
    F1("cosh", "os_cosh", cosh),    F1("tanh", "os_tanh", tanh),
    F1("exp", "os_exp", exp),       F1("ln", "os_ln", log),
    F1("log", "os_log", log),       F1("log10", "os_log10", log10),
    F1_INLINE("sqrt", "os_sqrt", os_sqrt, "__builtin_sqrt(a)"),
    F1_INLINE("abs", "os_abs", os_abs, "__builtin_fabs(a)"),
    F1("heav", "os_heav", os_heav), F1("sign", "os_sign", os_sign),
    F1("flr", "os_flr", floor),     F1("ceil", "os_ceil", ceil),
    F2("mod", "os_mod", os_mod),    F2("min", "os_min", os_min),
    F2("max", "os_max", os_max),    F2("pow", "os_pow", pow),
};

enum { N_BUILTINS = sizeof table / sizeof table[0] };

const struct builtin *builtin_find(const char *name)
{
    for (int i = 0; i < N_BUILTINS; i++)
        if (strcasecmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

const struct builtin *builtin_at(int i)
{
    return i >= 0 && i < N_BUILTINS ? &table[i] : NULL;
}

int builtin_count(void)
{
    return N_BUILTINS;
}

int builtin_index(const struct builtin *b)
{
    return (int)(b - table);
}
