/* switches.c - the switching functions of the model's equations, with
   user functions inlined (their arguments substituted by the call's),
   kept when they depend on t and on nothing of the state. */
#include "switches.h"

#include <stdlib.h>
#include <string.h>

#include "builtins.h"
#include "problem.h"

/* Deeper call chains than this are not inlined (the checker bounds them
   at CHECK_MAX_CALL_DEPTH anyway). */
#define SW_MAX_INLINE 64
/* More switching functions than this are not collected. */
#define SW_MAX 4096

struct sw {
    struct model *m;
    unsigned char *inter_deps;   /* deps() of each intermediate's value */
    struct expr **out;
    size_t n, cap;
    bool oom;
};

/* Argument bindings of the user function being walked. */
struct env {
    struct expr *const *arg;
    int nargs;
};

/* A copy of e with each EX_ARG bound by env and each user call inlined:
   a tree over t, y, p and intermediates only.  NULL when out of memory or
   too deep. */
static struct expr *flat(struct sw *w, const struct expr *e, const struct env *env, int depth)
{
    struct expr *c;
    if (!e || depth > SW_MAX_INLINE * 64)
        return NULL;
    if (e->kind == EX_ARG)
        return env && e->index >= 0 && e->index < env->nargs ? env->arg[e->index] : NULL;
    if (e->kind == EX_UCALL) {
        struct expr *args[9];
        const struct model_func *f;
        if (e->index < 0 || (size_t)e->index >= w->m->n_funcs || e->nargs > 9)
            return NULL;
        f = &w->m->funcs[e->index];
        for (int i = 0; i < e->nargs; i++)
            if (!(args[i] = flat(w, e->args[i], env, depth + 1)))
                return NULL;
        struct env inner = { args, e->nargs };
        return flat(w, f->body, &inner, depth + 64);
    }
    c = expr_new(w->m, e->kind, e->nargs, e->span);
    if (!c) {
        w->oom = true;
        return NULL;
    }
    c->index = e->index;
    c->num = e->num;
    for (int i = 0; i < e->nargs; i++)
        if (!(c->args[i] = flat(w, e->args[i], env, depth + 1)))
            return NULL;
    return c;
}

/* Bit 1: reads t; bit 2: reads the state.  An intermediate counts as
   what its value reads (`tt = t - ton` is a function of t alone): the
   switching functions are evaluated after the intermediates, as the
   right-hand side is. */
static unsigned deps_in(const struct sw *w, const struct expr *e)
{
    unsigned d = 0;
    if (!e)
        return 0;
    if (e->kind == EX_TIME)
        return 1;
    /* shift() of the state, and the counter of a sum: i' has a value
       only inside its sum, so no switching function is kept with it. */
    if (e->kind == EX_STATE || e->kind == EX_ISTATE || e->kind == EX_IINTER ||
        e->kind == EX_SUMI)
        return 2;
    if (e->kind == EX_INTER)
        return w->inter_deps && e->index >= 0 && (size_t)e->index < w->m->n_inters
                   ? w->inter_deps[e->index] : 2;
    /* A user function reads t itself or through its arguments. */
    if (e->kind == EX_UCALL && e->index >= 0 && (size_t)e->index < w->m->n_funcs)
        d = deps_in(w, w->m->funcs[e->index].body) & 1;
    for (int i = 0; i < e->nargs; i++)
        d |= deps_in(w, e->args[i]);
    return d;
}

static void keep(struct sw *w, struct expr *g)
{
    if (!g || deps_in(w, g) != 1 || w->n >= SW_MAX)
        return;
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 16;
        struct expr **p = model_alloc(w->m, cap * sizeof *p);
        if (!p) {
            w->oom = true;
            return;
        }
        if (w->n)
            memcpy(p, w->out, w->n * sizeof *p);
        w->out = p;
        w->cap = cap;
    }
    w->out[w->n++] = g;
}

static struct expr *bin(struct sw *w, enum expr_kind k, struct expr *a, struct expr *b)
{
    struct expr *e = a && b ? expr_binary(w->m, k, a, b, a->span) : NULL;
    if (a && b && !e)
        w->oom = true;
    return e;
}

static bool is_call(const struct expr *e, const char *name)
{
    const struct builtin *b = e->kind == EX_CALL ? builtin_at(e->index) : NULL;
    return b && strcmp(b->name, name) == 0;
}

/* The switching function of node e (flattened operands a, b), if any:
   a jump of flr(a) at integers is a sign change of a - flr(a) - 1/2 (and
   a harmless one between them), mod(a, b)'s of mod(a, b) - b/2. */
static void node(struct sw *w, const struct expr *e, struct expr *a, struct expr *b)
{
    switch (e->kind) {
    case EX_LT: case EX_LE: case EX_GT: case EX_GE: case EX_EQ: case EX_NE:
        keep(w, bin(w, EX_SUB, a, b));
        return;
    case EX_IF:
        if (e->args[0]->kind < EX_LT || e->args[0]->kind > EX_OR)
            keep(w, a);
        return;
    case EX_CALL:
        if (is_call(e, "heav") || is_call(e, "sign") || is_call(e, "abs"))
            keep(w, a);
        else if (is_call(e, "min") || is_call(e, "max"))
            keep(w, bin(w, EX_SUB, a, b));
        else if (is_call(e, "flr") && a) {
            struct expr *f = expr_new(w->m, EX_CALL, 1, e->span);
            if (!f) {
                w->oom = true;
                return;
            }
            f->index = e->index;
            f->args[0] = a;
            keep(w, bin(w, EX_SUB, bin(w, EX_SUB, a, f), expr_num(w->m, 0.5, e->span)));
        } else if (is_call(e, "mod") && a && b) {
            struct expr *f = expr_new(w->m, EX_CALL, 2, e->span);
            if (!f) {
                w->oom = true;
                return;
            }
            f->index = e->index;
            f->args[0] = a;
            f->args[1] = b;
            keep(w, bin(w, EX_SUB, f,
                        bin(w, EX_MUL, b, expr_num(w->m, 0.5, e->span))));
        }
        return;
    default:
        return;
    }
}

/* Walks e (in the function bound by env) for switching nodes. */
static void walk(struct sw *w, const struct expr *e, const struct env *env, int depth)
{
    if (!e || w->oom || depth > SW_MAX_INLINE * 64)
        return;
    if (e->kind == EX_UCALL) {
        struct expr *args[9];
        if (e->index < 0 || (size_t)e->index >= w->m->n_funcs || e->nargs > 9)
            return;
        for (int i = 0; i < e->nargs; i++) {
            walk(w, e->args[i], env, depth + 1);
            if (!(args[i] = flat(w, e->args[i], env, depth + 1)))
                return;
        }
        struct env inner = { args, e->nargs };
        walk(w, w->m->funcs[e->index].body, &inner, depth + 64);
        return;
    }
    for (int i = 0; i < e->nargs; i++)
        walk(w, e->args[i], env, depth + 1);
    if (e->kind >= EX_LT && e->kind <= EX_NE ? 1 : e->kind == EX_IF || e->kind == EX_CALL) {
        /* Only the time-only ones are kept: flatten only then. */
        unsigned d = 0;
        for (int i = 0; i < e->nargs && i < 2; i++)
            d |= deps_in(w, e->args[i]);
        if (!(d & 1) && !env)
            return;
        struct expr *a = e->nargs > 0 ? flat(w, e->args[0], env, depth + 1) : NULL;
        struct expr *b = e->nargs > 1 && e->kind != EX_IF ? flat(w, e->args[1], env, depth + 1)
                                                          : NULL;
        node(w, e, a, b);
    }
}

int switches_find(struct model *m)
{
    struct sw w = { .m = m };
    /* In dependency order, so each reads only earlier ones' flags. */
    w.inter_deps = m->n_inters ? calloc(m->n_inters, 1) : NULL;
    if (m->n_inters && !w.inter_deps)
        return ODE_ENOMEM;
    for (size_t i = 0; i < m->n_inters; i++)
        w.inter_deps[i] = (unsigned char)deps_in(&w, m->inters[i].value);
    for (size_t i = 0; i < m->n_inters && !w.oom; i++)
        walk(&w, m->inters[i].value, NULL, 0);
    for (size_t i = 0; i < m->n_states && !w.oom; i++)
        walk(&w, m->states[i].rhs, NULL, 0);
    free(w.inter_deps);
    if (w.oom)
        return ODE_ENOMEM;
    m->tswitch = w.out;
    m->n_tswitch = w.n;
    return 0;
}
