/* resolve.c - names inside expressions: conversion of the parsed tree to
   struct expr, dependencies between definitions, reserved names and
   "did you mean" suggestions. */
#include "resolve.h"

#include <limits.h>
#include <string.h>
#include <strings.h>

#include "array.h"
#include "builtins.h"
#include "check.h"

/* pi to more digits than a double holds; the compiler rounds it. */
#define RESOLVE_PI 3.14159265358979323846264338327950288

static const char *text(const struct checker *ck, struct span sp)
{
    return ck->m->src + sp.begin;
}

static int len(struct span sp)
{
    return (int)(sp.end - sp.begin);
}

static bool same(const struct checker *ck, struct span a, struct span b)
{
    return len(a) == len(b) &&
           strncasecmp(text(ck, a), text(ck, b), (size_t)len(a)) == 0;
}

/* The built-in function named by the text at sp, or NULL. */
static const struct builtin *builtin_at_span(const struct checker *ck,
                                             struct span sp)
{
    char buf[AST_MAX_NAME + 1];
    if (len(sp) > AST_MAX_NAME)
        return NULL;
    memcpy(buf, text(ck, sp), (size_t)len(sp));
    buf[len(sp)] = '\0';
    return builtin_find(buf);
}

bool resolve_check_name(struct checker *ck, struct span sp, bool allow_t)
{
    const char *s = text(ck, sp);
    int n = len(sp);
    if (ast_is(ck->m, sp, "t")) {
        if (allow_t)
            return true;
        diag_error(ck->d, sp, "'%.*s' is the time and cannot be redefined",
                   n, s);
    } else if (ast_is(ck->m, sp, "pi")) {
        diag_error(ck->d, sp, "'%.*s' is a constant and cannot be redefined",
                   n, s);
    } else if (ast_is_keyword(s, (size_t)n)) {
        diag_error(ck->d, sp, "'%.*s' is a keyword and cannot be used as "
                   "a name", n, s);
    } else if (builtin_at_span(ck, sp)) {
        diag_error(ck->d, sp, "'%.*s' is a built-in function and cannot be "
                   "redefined", n, s);
    } else {
        return true;
    }
    return false;
}

int resolve_distance(const char *a, size_t na, const char *b, size_t nb,
                     int limit)
{
    int row[AST_MAX_NAME + 2];
    if (nb > AST_MAX_NAME || na > AST_MAX_NAME)
        return limit + 1;
    if ((na > nb ? na - nb : nb - na) > (size_t)limit)
        return limit + 1;
    for (size_t j = 0; j <= nb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= na; i++) {
        int diag = row[0], best = (int)i;
        row[0] = (int)i;
        for (size_t j = 1; j <= nb; j++) {
            int ca = a[i - 1] | 0x20, cb = b[j - 1] | 0x20;
            int v = diag + (ca != cb);
            if (row[j] + 1 < v)
                v = row[j] + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            diag = row[j];
            row[j] = v;
            if (v < best)
                best = v;
        }
        if (best > limit)
            return limit + 1;
    }
    return row[nb] <= limit ? row[nb] : limit + 1;
}

bool resolve_closer(const char *name, size_t n, const char *cand, size_t nc,
                    int *best)
{
    int limit = n <= 3 ? 1 : 2;
    if (*best - 1 < limit)
        limit = *best - 1;
    if (limit < 0)
        return false;
    int dist = resolve_distance(name, n, cand, nc, limit);
    if (dist > limit || (size_t)dist >= n)
        return false;
    *best = dist;
    return true;
}

/* ---- conversion ---- */

struct conv {
    struct checker *ck;
    enum resolve_where where;
    const struct sym *owner;
    const struct ast_stmt *fn;      /* RW_FUNC: the function's statement */
    bool *dynamic;                  /* RW_FUNC: set on a state or
                                       intermediate read */
};

struct suggestion {
    const char *s;
    int n;
    struct span at;
    bool located;                   /* `at` is where it is declared */
};

static int find_arg(const struct checker *ck, const struct ast_stmt *fn,
                    struct span name)
{
    if (!fn)
        return -1;
    int n = fn->nargs < AST_MAX_ARGS ? fn->nargs : AST_MAX_ARGS;
    for (int i = 0; i < n; i++)
        if (same(ck, fn->args[i], name))
            return i;
    return -1;
}

static void consider(struct suggestion *sg, int *best, struct span name,
                     const struct checker *ck, const char *s, size_t n,
                     struct span at, bool located)
{
    if (resolve_closer(text(ck, name), (size_t)len(name), s, n, best))
        *sg = (struct suggestion){ s, (int)n, at, located };
}

/* The closest known name to the unknown one at `name`: among variables,
   or among functions when `function`. */
static bool suggest(const struct conv *cv, struct span name, bool function,
                    struct suggestion *sg)
{
    const struct checker *ck = cv->ck;
    int best = 3;
    sg->s = NULL;
    if (!diag_wants(ck->d, name.begin))
        return false;
    unsigned vars = SYM_BIT(SYM_STATE) | SYM_BIT(SYM_PARAM) |
                    SYM_BIT(SYM_NUMBER) | SYM_BIT(SYM_DERIVED) |
                    SYM_BIT(SYM_INTER);
    unsigned kinds = function ? SYM_BIT(SYM_FUNC) : vars;
    if (!function && cv->fn) {
        int n = cv->fn->nargs < AST_MAX_ARGS ? cv->fn->nargs : AST_MAX_ARGS;
        for (int i = 0; i < n; i++) {
            struct span a = cv->fn->args[i];
            consider(sg, &best, name, ck, text(ck, a), (size_t)len(a), a,
                     true);
        }
    }
    for (size_t i = 0; i < ck->all.n; i++) {
        const struct sym *s = ck->all.v[i];
        if (kinds & SYM_BIT(s->kind))
            consider(sg, &best, name, ck, s->name, s->len, s->decl, true);
    }
    if (function) {
        for (int i = 0; i < builtin_count(); i++) {
            const char *b = builtin_at(i)->name;
            consider(sg, &best, name, ck, b, strlen(b), name, false);
        }
    } else {
        consider(sg, &best, name, ck, "t", 1, name, false);
        consider(sg, &best, name, ck, "pi", 2, name, false);
    }
    return sg->s != NULL;
}

/* XPPAUT's functions that this version does not provide, and under which
   construct the summary of diag_unsupported lists them. */
static const struct {
    const char *name, *what, *why;
} xpp_functions[] = {
    { "delay", "delay", "delays" },
    { "del_shft", "delay", "delays" },
    { "ran", "noise", "random numbers" },
    { "normal", "noise", "random numbers" },
    { "hom_bcs", "bdry", "boundary conditions" },
    { "besselj", "bessel", "Bessel functions" },
    { "bessely", "bessel", "Bessel functions" },
    { "besseli", "bessel", "Bessel functions" },
    { "erf", "erf", "the error function" },
    { "erfc", "erf", "the error function" },
};

/* Reports a call of one of xpp_functions and returns true. */
static bool xpp_function(const struct conv *cv, struct span name)
{
    for (size_t i = 0; i < sizeof xpp_functions / sizeof *xpp_functions; i++)
        if (ast_is(cv->ck->m, name, xpp_functions[i].name)) {
            diag_error(cv->ck->d, name, "XPPAUT's '%s' (%s) is not "
                       "supported", xpp_functions[i].name,
                       xpp_functions[i].why);
            diag_unsupported(cv->ck->d, name, xpp_functions[i].what);
            return true;
        }
    return false;
}

bool resolve_tainted_element(const struct checker *ck, struct span name)
{
    struct span base = name;
    while (base.end > base.begin + 1 && ck->m->src[base.end - 1] >= '0' &&
           ck->m->src[base.end - 1] <= '9')
        base.end--;
    if (base.end == name.end)
        return false;
    const struct sym *sym = check_lookup(ck, base);
    return sym && sym->kind == SYM_TAINTED;
}

static void unknown(const struct conv *cv, struct span name, bool function)
{
    struct diag *d = cv->ck->d;
    const char *what = function ? "function" : "variable";
    const char *s = text(cv->ck, name);
    struct suggestion sg;
    if (!suggest(cv, name, function, &sg)) {
        diag_error(d, name, "unknown %s '%.*s'", what, len(name), s);
    } else if (!sg.located) {
        diag_error(d, name, "unknown %s '%.*s'; did you mean '%.*s'?", what,
                   len(name), s, sg.n, sg.s);
    } else {
        diag_error(d, name, "unknown %s '%.*s'", what, len(name), s);
        diag_note(d, sg.at, "did you mean '%.*s'?", sg.n, sg.s);
    }
}

const char *resolve_kind_noun(enum sym_kind k)
{
    switch (k) {
    case SYM_STATE: return "a state variable";
    case SYM_PARAM: return "a parameter";
    case SYM_NUMBER: return "a number";
    case SYM_DERIVED: return "a derived parameter";
    case SYM_INTER: return "an intermediate quantity";
    case SYM_AUX: return "an aux quantity";
    case SYM_FUNC: return "a function";
    default: return "a name";
    }
}

static const char *kind_words(enum sym_kind k)
{
    switch (k) {
    case SYM_STATE: return "the state variable";
    case SYM_PARAM: return "the parameter";
    case SYM_NUMBER: return "the number";
    case SYM_DERIVED: return "the derived parameter";
    case SYM_INTER: return "the intermediate quantity";
    case SYM_AUX: return "the aux quantity";
    case SYM_FUNC: return "the function";
    default: return "the name";
    }
}

/* A name the context forbids: t or a state or intermediate in a derived
   parameter, a state or intermediate in a function. */
static void forbidden(const struct conv *cv, struct span name,
                      const char *what)
{
    const char *s = text(cv->ck, name);
    if (cv->where == RW_DERIVED)
        diag_error(cv->ck->d, name, "derived parameter '%s' cannot depend "
                   "on %s '%.*s'", cv->owner->name, what, len(name), s);
    else
        diag_error(cv->ck->d, name, "function '%s' cannot use %s '%.*s'; "
                   "pass it as an argument", cv->owner->name, what,
                   len(name), s);
}

static struct expr *bad(const struct conv *cv, struct span sp)
{
    return expr_num(cv->ck->m, 0, sp);
}

static struct expr *conv_sym(const struct conv *cv, const struct sym *sym,
                             struct span name, const struct ast_expr *a);

static struct expr *conv_name(const struct conv *cv, const struct ast_expr *a)
{
    struct model *m = cv->ck->m;
    struct span name = a->name;
    const char *s = text(cv->ck, name);
    int arg = find_arg(cv->ck, cv->fn, name);
    if (arg >= 0)
        return expr_leaf(m, EX_ARG, arg, a->span);
    if (ast_is(m, name, "t")) {
        if (cv->where == RW_DERIVED) {
            forbidden(cv, name, "the time");
            return bad(cv, a->span);
        }
        return expr_leaf(m, EX_TIME, 0, a->span);
    }
    if (ast_is(m, name, "pi"))
        return expr_num(m, RESOLVE_PI, a->span);
    const struct sym *sym = check_lookup(cv->ck, name);
    if (!sym) {
        if (builtin_at_span(cv->ck, name))
            diag_error(cv->ck->d, name, "function '%.*s' used without "
                       "arguments", len(name), s);
        else if (!resolve_tainted_element(cv->ck, name))
            unknown(cv, name, false);
        return bad(cv, a->span);
    }
    return conv_sym(cv, sym, name, a);
}

/* `name[i]`: the element; `[i]` alone: the index as a number. */
static struct expr *conv_index(const struct conv *cv, const struct ast_expr *a)
{
    struct model *m = cv->ck->m;
    long idx;
    bool badidx = false;
    if (a->name.begin == a->name.end) {
        if (!array_index_value(cv->ck, a, true, &idx))
            return bad(cv, a->span);
        return expr_num(m, (double)idx, a->span);
    }
    const struct sym *sym = array_element(cv->ck, a, true, &idx, &badidx);
    if (!sym)
        return bad(cv, a->span);
    return conv_sym(cv, sym, a->span, a);
}

static struct expr *conv_sym(const struct conv *cv, const struct sym *sym,
                             struct span name, const struct ast_expr *a)
{
    struct model *m = cv->ck->m;
    const char *s = text(cv->ck, name);
    switch (sym->kind) {
    case SYM_STATE:
    case SYM_INTER:
        if (cv->where == RW_DERIVED) {
            forbidden(cv, name, kind_words(sym->kind));
            return bad(cv, a->span);
        }
        if (cv->where == RW_FUNC)
            *cv->dynamic = true;
        return expr_leaf(m, sym->kind == SYM_STATE ? EX_STATE : EX_INTER,
                         sym->index, a->span);
    case SYM_PARAM:
        return expr_leaf(m, EX_PARAM, sym->index, a->span);
    case SYM_DERIVED:
        return expr_leaf(m, EX_PARAM, (int)m->n_params + sym->index,
                         a->span);
    case SYM_NUMBER:
        return expr_num(m, sym->stmt->num, a->span);
    case SYM_AUX:
        diag_error(cv->ck->d, name, "aux quantity '%.*s' cannot be used in "
                   "an expression", len(name), s);
        diag_note(cv->ck->d, sym->decl, "define '%s' as an intermediate "
                  "quantity (without 'aux') to use it", sym->name);
        return bad(cv, a->span);
    case SYM_FUNC:
        diag_error(cv->ck->d, name, "function '%.*s' used without "
                   "arguments", len(name), s);
        return bad(cv, a->span);
    default:
        return bad(cv, a->span);
    }
}

static struct expr *conv(const struct conv *cv, const struct ast_expr *a);

/* A copy of e in which argument i of the enclosing function is args[i]
   (copied too), or a plain copy when args is NULL; *depth receives its
   depth.  Each node counts towards CHECK_MAX_EXPANDED: past it, copies
   stop (a number stands in) and too_large is set.  NULL when out of
   memory.  The recursion follows trees at most CHECK_MAX_EXPANDED_DEPTH
   deep: bodies are checked against it before they are expanded. */
static struct expr *copy_expr(struct checker *ck, const struct expr *e,
                              struct expr *const *args, int nargs,
                              int *depth)
{
    *depth = 1;
    if (e->kind == EX_ARG && args) {
        if (e->index < 0 || e->index >= nargs)
            return expr_num(ck->m, 0, e->span);
        return copy_expr(ck, args[e->index], NULL, 0, depth);
    }
    if (++ck->expanded > CHECK_MAX_EXPANDED) {
        ck->too_large = true;
        return expr_num(ck->m, 0, e->span);
    }
    struct expr *c = expr_new(ck->m, e->kind, e->nargs, e->span);
    if (!c)
        return NULL;
    c->index = e->index;
    c->num = e->num;
    for (int i = 0; i < e->nargs; i++) {
        int d;
        if (!(c->args[i] = copy_expr(ck, e->args[i], args, nargs, &d)))
            return NULL;
        if (d + 1 > *depth)
            *depth = d + 1;
    }
    return c;
}

/* The call `e` (arguments converted) of the dynamic function sym: its
   body with the arguments in place.  XPPAUT evaluates such a function in
   the caller's context, reading the states and intermediates of the
   moment; the expanded body is that, and every backend compiles it like
   any other expression. */
static struct expr *expand_call(const struct conv *cv, const struct sym *sym,
                                const struct ast_expr *a, struct expr *e)
{
    struct checker *ck = cv->ck;
    if (cv->where == RW_DERIVED) {
        diag_error(ck->d, a->name, "derived parameter '%s' cannot call "
                   "'%s', which reads states or intermediate quantities",
                   cv->owner->name, sym->name);
        diag_note(ck->d, sym->decl, "'%s' is defined here", sym->name);
        return bad(cv, a->span);
    }
    if (!sym->body)
        return bad(cv, a->span);
    if (cv->where == RW_FUNC)
        *cv->dynamic = true;
    int depth;
    struct expr *x = copy_expr(ck, sym->body, e->args, e->nargs, &depth);
    if (!x)
        return NULL;
    if (ck->too_large || depth > CHECK_MAX_EXPANDED_DEPTH) {
        if (!ck->too_large || !ck->too_large_said) {
            ck->too_large_said = true;
            diag_error(ck->d, a->name, "expanding '%s' here makes the model "
                       "too large (more than %d nodes, or deeper than %d "
                       "levels)", sym->name, CHECK_MAX_EXPANDED,
                       CHECK_MAX_EXPANDED_DEPTH);
        }
        ck->too_large = true;
        return bad(cv, a->span);
    }
    x->span = a->span;
    return x;
}

static void arity(const struct conv *cv, const struct ast_expr *a, int want)
{
    diag_error(cv->ck->d, a->span, "'%.*s' takes %d argument%s, got %d",
               len(a->name), text(cv->ck, a->name), want,
               want == 1 ? "" : "s", a->nargs);
}

/* shift(x, k): the element k places after x; inside a sum, with k
   changing with i', an element the code reads through i'. */
static struct expr *conv_shift(const struct conv *cv, const struct ast_expr *a)
{
    struct checker *ck = cv->ck;
    struct array_shift sh;
    if (!array_shift(ck, a, true, &sh))
        return bad(cv, a->span);
    if (sh.count == 1)
        return conv_sym(cv, sh.first, a->span, a);
    enum sym_kind k = sh.base->kind;
    if (k != SYM_PARAM && cv->where == RW_DERIVED) {
        forbidden(cv, a->args[0]->span, kind_words(k));
        return bad(cv, a->span);
    }
    if (k != SYM_PARAM && cv->where == RW_FUNC)
        *cv->dynamic = true;
    if (sh.index0 < INT_MIN || sh.index0 > INT_MAX) {
        diag_error(ck->d, a->span, "the offset of shift() is too large "
                   "for this sum's bounds");
        return bad(cv, a->span);
    }
    struct expr *e = expr_leaf(ck->m, k == SYM_STATE ? EX_ISTATE :
                               k == SYM_PARAM ? EX_IPARAM : EX_IINTER,
                               (int)sh.index0, a->span);
    if (e)
        e->num = (double)sh.stride;
    return e;
}

/* Whether e reads the state (directly or through intermediates), t' or
   another integral: what the lag K of int{K#u} may not. */
static bool reads_state(const struct expr *e)
{
    if (e->kind == EX_STATE || e->kind == EX_INTER || e->kind == EX_ISTATE ||
        e->kind == EX_IINTER || e->kind == EX_TPRIME || e->kind == EX_KERNEL)
        return true;
    for (int i = 0; i < e->nargs; i++)
        if (reads_state(e->args[i]))
            return true;
    return false;
}

/* int{F}, int{K#u}, int[mu]{...}: a new kernel of the model, and the
   leaf that reads its value. */
static struct expr *conv_integral(const struct conv *cv, const struct ast_expr *a)
{
    struct checker *ck = cv->ck;
    struct model *m = ck->m;
    const char *why = cv->where == RW_FUNC ? "a function" :
                      cv->where == RW_DERIVED ? "a derived parameter" :
                      ck->in_aux ? "an aux quantity" :
                      ck->in_array ? "an array statement" :
                      ck->in_sum ? "a sum" : NULL;
    if (why) {
        diag_error(ck->d, a->name, "a Volterra integral cannot be used in %s",
                   why);
        return bad(cv, a->span);
    }
    struct expr *lag = NULL;
    if (a->nargs == 2) {
        ck->in_lag = true;
        lag = conv(cv, a->args[0]);
        ck->in_lag = false;
        if (!lag)
            return NULL;
        if (reads_state(lag)) {
            diag_error(ck->d, a->args[0]->span, "the kernel K of int{K#u} is "
                       "a function of t (the lag t - t') and parameters");
            return bad(cv, a->span);
        }
    }
    ck->in_integrand = true;
    struct expr *u = conv(cv, a->args[a->nargs - 1]);
    ck->in_integrand = false;
    if (!u)
        return NULL;
    if (m->n_kernels == ck->kernels_cap) {
        size_t cap = ck->kernels_cap ? 2 * ck->kernels_cap : 8;
        struct model_kernel *v = model_alloc(m, cap * sizeof *v);
        if (!v)
            return NULL;
        if (m->n_kernels)
            memcpy(v, m->kernels, m->n_kernels * sizeof *v);
        m->kernels = v;
        ck->kernels_cap = cap;
    }
    m->kernels[m->n_kernels] = (struct model_kernel){ a->num, lag, u, a->span };
    return expr_leaf(m, EX_KERNEL, (int)m->n_kernels++, a->span);
}

/* sum(lo,hi)of(a): a with its counter i' running over the bounds. */
static struct expr *conv_sum(const struct conv *cv, const struct ast_expr *a)
{
    struct checker *ck = cv->ck;
    long lo, hi;
    if (ck->in_sum) {
        diag_error(ck->d, a->name, "sums do not nest: i' is the only "
                   "counter");
        return bad(cv, a->span);
    }
    if (!array_sum_bounds(ck, a, true, &lo, &hi))
        return bad(cv, a->span);
    ck->in_sum = true;
    ck->sum_lo = lo;
    ck->sum_hi = hi;
    struct expr *x = conv(cv, a->args[2]);
    ck->in_sum = false;
    if (!x)
        return NULL;
    struct expr *e = expr_new(ck->m, EX_SUM, 1, a->span);
    if (!e)
        return NULL;
    e->index = (int)lo;
    e->num = (double)hi;
    e->args[0] = x;
    return e;
}

static struct expr *conv_call(const struct conv *cv, const struct ast_expr *a)
{
    struct model *m = cv->ck->m;
    struct span name = a->name;
    const char *s = text(cv->ck, name);
    if (ast_is(m, name, "shift") && find_arg(cv->ck, cv->fn, name) < 0 &&
        !check_lookup(cv->ck, name))
        return conv_shift(cv, a);
    struct expr *e = expr_new(m, EX_CALL, a->nargs, a->span);
    if (!e)
        return NULL;
    for (int i = 0; i < a->nargs; i++)
        if (!(e->args[i] = conv(cv, a->args[i])))
            return NULL;
    if (find_arg(cv->ck, cv->fn, name) >= 0 || ast_is(m, name, "t") ||
        ast_is(m, name, "pi")) {
        diag_error(cv->ck->d, name, "'%.*s' is not a function", len(name), s);
        return bad(cv, a->span);
    }
    const struct sym *sym = check_lookup(cv->ck, name);
    if (sym && sym->kind == SYM_FUNC) {
        if (a->nargs != sym->stmt->nargs) {
            arity(cv, a, sym->stmt->nargs);
            return bad(cv, a->span);
        }
        if (sym->dynamic)
            return expand_call(cv, sym, a, e);
        e->kind = EX_UCALL;
        e->index = sym->index;
        return e;
    }
    if (sym && sym->kind == SYM_TAINTED)
        return bad(cv, a->span);
    if (sym) {
        diag_error(cv->ck->d, name, "'%.*s' is not a function", len(name), s);
        diag_note(cv->ck->d, sym->decl, "'%s' is %s, defined here",
                  sym->name, resolve_kind_noun(sym->kind));
        return bad(cv, a->span);
    }
    const struct builtin *b = builtin_at_span(cv->ck, name);
    if (!b) {
        if (!xpp_function(cv, name))
            unknown(cv, name, true);
        return bad(cv, a->span);
    }
    if (a->nargs != b->arity) {
        arity(cv, a, b->arity);
        return bad(cv, a->span);
    }
    e->index = builtin_index(b);
    return e;
}

/* Recursion over the tree is bounded by AST_MAX_DEPTH (parser.y). */
static struct expr *conv(const struct conv *cv, const struct ast_expr *a)
{
    switch (a->kind) {
    case AST_NUM:
        return expr_num(cv->ck->m, a->num, a->span);
    case AST_NAME:
        return conv_name(cv, a);
    case AST_CALL:
        return conv_call(cv, a);
    case AST_INDEX:
        return conv_index(cv, a);
    case AST_OP:
        if (a->op == EX_SUM)
            return conv_sum(cv, a);
        if (a->op == EX_KERNEL)
            return conv_integral(cv, a);
        if (a->op == EX_TPRIME) {
            if (!cv->ck->in_integrand) {
                diag_error(cv->ck->d, a->span, "t' outside the integrand of "
                           "an int{...}");
                return bad(cv, a->span);
            }
            return expr_leaf(cv->ck->m, EX_TPRIME, 0, a->span);
        }
        if (a->op == EX_SUMI) {
            if (!cv->ck->in_sum) {
                diag_error(cv->ck->d, a->span, "i' outside a "
                           "sum(lo,hi)of(...)");
                return bad(cv, a->span);
            }
            return expr_leaf(cv->ck->m, EX_SUMI, 0, a->span);
        }
        break;
    }
    struct expr *e = expr_new(cv->ck->m, a->op, a->nargs, a->span);
    if (!e)
        return NULL;
    for (int i = 0; i < a->nargs; i++)
        if (!(e->args[i] = conv(cv, a->args[i])))
            return NULL;
    return e;
}

struct expr *resolve_expr(struct checker *ck, enum resolve_where where,
                          struct sym *owner, const struct ast_expr *a)
{
    bool dynamic = false;
    struct conv cv = { ck, where, owner,
                       where == RW_FUNC ? owner->stmt : NULL, &dynamic };
    struct expr *e = conv(&cv, a);
    if (!e)
        ck->oom = true;
    if (where == RW_FUNC)
        owner->dynamic = dynamic;
    return e;
}

/* resolve_deps for one walk; `via` is the call through which a function
   body is walked (uses are reported there), or NULL. */
static void deps_walk(struct checker *ck, const struct ast_expr *a,
                      const struct ast_stmt *fn, unsigned kinds,
                      resolve_dep_fn f, void *arg, const struct span *via)
{
    struct sym *sym;
    switch (a->kind) {
    case AST_NUM:
        return;
    case AST_NAME:
        if (find_arg(ck, fn, a->name) >= 0)
            return;
        sym = check_lookup(ck, a->name);
        if (sym && sym->kind != SYM_FUNC && (kinds & SYM_BIT(sym->kind)))
            f(arg, sym, via ? *via : a->name);
        return;
    case AST_CALL:
        if (find_arg(ck, fn, a->name) < 0 && ast_is(ck->m, a->name, "shift") &&
            !check_lookup(ck, a->name)) {
            /* Every element the shift reads, for every i'. */
            struct array_shift sh;
            if (!array_shift(ck, a, false, &sh) ||
                !(kinds & SYM_BIT(sh.base->kind)))
                return;
            const struct symvec *v = &ck->kind[sh.base->kind];
            for (long q = 0; q < sh.count; q++) {
                long at = sh.index0 + sh.stride * (sh.lo + q);
                sym = sh.count == 1 ? sh.first : at >= 0 &&
                      (size_t)at < v->n ? v->v[at] : NULL;
                if (sym)
                    f(arg, sym, via ? *via : a->span);
            }
            return;
        }
        if (find_arg(ck, fn, a->name) < 0) {
            sym = check_lookup(ck, a->name);
            if (sym && sym->kind == SYM_FUNC && (kinds & SYM_BIT(SYM_FUNC)))
                f(arg, sym, via ? *via : a->name);
            if (sym && sym->kind == SYM_FUNC && (kinds & SYM_BIT(SYM_INTER)) &&
                !sym->cyclic && sym->walk != ck->walks) {
                sym->walk = ck->walks;
                deps_walk(ck, sym->stmt->expr, sym->stmt, kinds, f, arg,
                          via ? via : &a->name);
            }
        }
        break;
    case AST_INDEX: {
        long idx;
        bool badidx = false;
        if (a->name.begin == a->name.end)
            return;
        sym = array_element(ck, a, false, &idx, &badidx);
        if (sym && sym->kind != SYM_FUNC && (kinds & SYM_BIT(sym->kind)))
            f(arg, sym, a->span);
        return;
    }
    case AST_OP:
        if (a->op == EX_SUM && !ck->in_sum) {
            long lo, hi;
            if (!array_sum_bounds(ck, a, false, &lo, &hi))
                return;
            ck->in_sum = true;
            ck->sum_lo = lo;
            ck->sum_hi = hi;
            deps_walk(ck, a->args[2], fn, kinds, f, arg, via);
            ck->in_sum = false;
            return;
        }
        break;
    }
    for (int i = 0; i < a->nargs; i++)
        deps_walk(ck, a->args[i], fn, kinds, f, arg, via);
}

void resolve_deps(struct checker *ck, const struct ast_expr *a,
                  const struct ast_stmt *fn, unsigned kinds,
                  resolve_dep_fn f, void *arg)
{
    ck->walks++;
    deps_walk(ck, a, fn, kinds, f, arg, NULL);
}
