/* testmodel.h - hand-built checked models for the backend tests and bench.
 *
 * Header only (static inline), so each test binary takes what it uses.
 * Expressions are written as S-expressions and turned into struct expr with
 * the constructors of model.h:
 *
 *   1.5  -2  inf  -inf  nan          EX_NUM
 *   t  y3  p0  v2  a1                time, state, param, intermediate, arg
 *   (neg x) (not x)                  unary
 *   (+ a b) (- a b) (* a b) (/ a b) (^ a b)
 *   (< a b) (<= a b) (> a b) (>= a b) (== a b) (!= a b) (& a b) (| a b)
 *   (if c a b)
 *   (sin x) (atan2 a b) ...          any built-in by its model name
 *   (u3 a b ...)                     user function 3
 *
 * A malformed S-expression is a bug in the test: it aborts. */
#ifndef ODESOLVE_TESTMODEL_H
#define ODESOLVE_TESTMODEL_H

#include <dirent.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtins.h"
#include "check.h"
#include "model.h"

static inline void tm_die(const char *what, const char *at)
{
    fprintf(stderr, "testmodel: %s at \"%.40s\"\n", what, at);
    abort();
}

static inline void *tm_check(void *p)
{
    if (!p)
        tm_die("out of memory", "");
    return p;
}

/* A model for `file` whose arrays each have room for `cap` entries; src
   (may be NULL) becomes the model's source text, for span-based lines. */
static inline struct model *tm_new(const char *file, const char *src, size_t cap)
{
    size_t len = src ? strlen(src) : 0;
    char *copy = tm_check(malloc(len + 1));
    memcpy(copy, src ? src : "", len + 1);
    struct model *m = tm_check(model_new(file, copy, len));
    m->states = tm_check(model_alloc(m, cap * sizeof *m->states));
    m->params = tm_check(model_alloc(m, cap * sizeof *m->params));
    m->derived = tm_check(model_alloc(m, cap * sizeof *m->derived));
    m->inters = tm_check(model_alloc(m, cap * sizeof *m->inters));
    m->aux = tm_check(model_alloc(m, cap * sizeof *m->aux));
    m->funcs = tm_check(model_alloc(m, cap * sizeof *m->funcs));
    return m;
}

static inline void tm_skip(const char **s)
{
    while (**s == ' ' || **s == '\t' || **s == '\n')
        (*s)++;
}

static inline size_t tm_token(const char **s, char *buf, size_t cap)
{
    size_t n = 0;
    tm_skip(s);
    while (**s && **s != ' ' && **s != '\t' && **s != '\n' && **s != '(' &&
           **s != ')') {
        if (n + 1 < cap)
            buf[n++] = **s;
        (*s)++;
    }
    buf[n] = '\0';
    return n;
}

static inline struct expr *tm_parse(struct model *m, const char **s)
{
    static const struct { const char *name; enum expr_kind kind; int n; } ops[] = {
        { "neg", EX_NEG, 1 }, { "not", EX_NOT, 1 }, { "+", EX_ADD, 2 },
        { "-", EX_SUB, 2 }, { "*", EX_MUL, 2 }, { "/", EX_DIV, 2 },
        { "^", EX_POW, 2 }, { "<", EX_LT, 2 }, { "<=", EX_LE, 2 },
        { ">", EX_GT, 2 }, { ">=", EX_GE, 2 }, { "==", EX_EQ, 2 },
        { "!=", EX_NE, 2 }, { "&", EX_AND, 2 }, { "|", EX_OR, 2 },
        { "if", EX_IF, 3 },
    };
    struct span sp = { 0, 0 };
    char tok[64];
    tm_skip(s);
    if (**s == '(') {
        (*s)++;
        if (!tm_token(s, tok, sizeof tok))
            tm_die("missing operator", *s);
        struct expr *args[9];
        int n = 0;
        for (;;) {
            tm_skip(s);
            if (**s == ')') {
                (*s)++;
                break;
            }
            if (!**s || n == 9)
                tm_die("bad argument list", *s);
            args[n++] = tm_parse(m, s);
        }
        enum expr_kind kind = EX_CALL;
        int index = 0, want = n;
        const struct builtin *b = NULL;
        size_t i;
        for (i = 0; i < sizeof ops / sizeof ops[0]; i++)
            if (strcmp(ops[i].name, tok) == 0)
                break;
        if (i < sizeof ops / sizeof ops[0]) {
            kind = ops[i].kind;
            want = ops[i].n;
        } else if (tok[0] == 'u' && tok[1] >= '0' && tok[1] <= '9') {
            kind = EX_UCALL;
            index = atoi(tok + 1);
        } else if ((b = builtin_find(tok)) != NULL) {
            index = builtin_index(b);
            want = b->arity;
        } else {
            tm_die("unknown operator", tok);
        }
        if (n != want)
            tm_die("wrong number of operands", tok);
        struct expr *e = tm_check(expr_new(m, kind, n, sp));
        e->index = index;
        for (int k = 0; k < n; k++)
            e->args[k] = args[k];
        return e;
    }
    if (!tm_token(s, tok, sizeof tok))
        tm_die("missing operand", *s);
    char *end;
    if (strcmp(tok, "inf") == 0)
        return tm_check(expr_num(m, INFINITY, sp));
    if (strcmp(tok, "-inf") == 0)
        return tm_check(expr_num(m, -INFINITY, sp));
    if (strcmp(tok, "nan") == 0)
        return tm_check(expr_num(m, NAN, sp));
    if (strcmp(tok, "t") == 0)
        return tm_check(expr_leaf(m, EX_TIME, 0, sp));
    if (strchr("ypva", tok[0]) && tok[1] >= '0' && tok[1] <= '9') {
        enum expr_kind k = tok[0] == 'y' ? EX_STATE : tok[0] == 'p' ? EX_PARAM
                         : tok[0] == 'v' ? EX_INTER : EX_ARG;
        return tm_check(expr_leaf(m, k, atoi(tok + 1), sp));
    }
    double v = strtod(tok, &end);
    if (*end)
        tm_die("bad number", tok);
    return tm_check(expr_num(m, v, sp));
}

static inline struct expr *tm_x(struct model *m, const char *text)
{
    const char *s = text;
    struct expr *e = tm_parse(m, &s);
    tm_skip(&s);
    if (*s)
        tm_die("trailing text", s);
    return e;
}

static inline const char *tm_str(struct model *m, const char *s)
{
    return tm_check(model_strndup(m, s, strlen(s)));
}

static inline void tm_state(struct model *m, const char *name, double init,
                            const char *rhs, int line)
{
    struct model_state *st = &m->states[m->n_states++];
    st->name = tm_str(m, name);
    st->init = init;
    st->rhs = tm_x(m, rhs);
    st->line = line;
}

static inline void tm_param(struct model *m, const char *name, double value)
{
    struct model_param *p = &m->params[m->n_params++];
    p->name = tm_str(m, name);
    p->value = value;
}

/* `at` is the byte offset of the definition in the model's source. */
static inline void tm_derived(struct model *m, const char *name, const char *value,
                              unsigned at)
{
    struct model_derived *d = &m->derived[m->n_derived++];
    d->name = tm_str(m, name);
    d->value = tm_x(m, value);
    d->span = (struct span){ at, at + 1 };
}

static inline void tm_inter(struct model *m, const char *name, const char *value,
                            int line)
{
    struct model_inter *v = &m->inters[m->n_inters++];
    v->name = tm_str(m, name);
    v->value = tm_x(m, value);
    v->line = line;
}

static inline void tm_aux(struct model *m, const char *name, const char *value,
                          int line)
{
    struct model_aux *a = &m->aux[m->n_aux++];
    a->name = tm_str(m, name);
    a->value = tm_x(m, value);
    a->line = line;
}

static inline void tm_func(struct model *m, const char *name, int nargs,
                           const char *body, unsigned at)
{
    struct model_func *f = &m->funcs[m->n_funcs++];
    f->name = tm_str(m, name);
    f->nargs = nargs;
    f->body = tm_x(m, body);
    f->span = (struct span){ at, at + 1 };
}

/* Lorenz (1963) with sigma, rho, beta as p0..p2. */
static inline struct model *tm_lorenz(void)
{
    struct model *m = tm_new("lorenz.ode", NULL, 3);
    tm_param(m, "s", 10);
    tm_param(m, "r", 28);
    tm_param(m, "b", 8.0 / 3.0);
    tm_state(m, "x", 1, "(* p0 (- y1 y0))", 4);
    tm_state(m, "y", 1, "(- (* y0 (- p1 y2)) y1)", 5);
    tm_state(m, "z", 1, "(- (* y0 y1) (* p2 y2))", 6);
    return m;
}

/* A chain of n states: x_i' = -x_i + 0.5*x_{i-1}*sin(x_{i+1}), with the
   ends wrapping around, and one parameter (0.5). */
static inline struct model *tm_chain(size_t n)
{
    struct model *m = tm_new("chain.ode", NULL, n);
    char name[32], rhs[128];
    tm_param(m, "c", 0.5);
    for (size_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "x%zu", i);
        snprintf(rhs, sizeof rhs, "(+ (neg y%zu) (* (* p0 y%zu) (sin y%zu)))",
                 i, (i + n - 1) % n, (i + 1) % n);
        tm_state(m, name, 0.1 * (double)(i % 7), rhs, (int)i + 2);
    }
    return m;
}

/* Calls visit(path) on every .ode file in samples/ and tests/xpp/ (the
   XPPAUT-style models) and on the shared benchmark problems
   (../shared/bench, skipped where absent; visit returns 0 for a file it
   could not open).  Returns the sum of what visit returned. */
/* Loads one of the files tm_for_model_files visits: those of tests/xpp
   as --xpp reads and runs them (bdry skipped, powers by pow()). */
static inline int tm_load_model(const char *path, struct model **m)
{
    bool xpp = strncmp(path, "tests/xpp/", 10) == 0;
    int rc = (xpp ? check_load_file_xpp : check_load_file)(path, stderr, m);
    if (rc == 0)
        (*m)->pow_calls = xpp;
    return rc;
}

static inline int tm_for_model_files(int (*visit)(const char *path))
{
    static const char *peers[] = { "lorenz", "arenstorf", "pleiades", "bruss1d", "bruss2d",
                                   "rober", "vdp", "hires", "orego" };
    static const char *dirs[] = { "samples", "tests/xpp" };
    char path[512];
    int files = 0;
    for (size_t k = 0; k < sizeof dirs / sizeof dirs[0]; k++) {
        DIR *d = opendir(dirs[k]);
        for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
            size_t n = strlen(e->d_name);
            if (n > 4 && strcmp(e->d_name + n - 4, ".ode") == 0) {
                snprintf(path, sizeof path, "%s/%s", dirs[k], e->d_name);
                files += visit(path);
            }
        }
        if (d)
            closedir(d);
    }
    for (size_t i = 0; i < sizeof peers / sizeof peers[0]; i++) {
        snprintf(path, sizeof path, "../shared/bench/problems/%s/%s.ode", peers[i], peers[i]);
        files += visit(path);
    }
    return files;
}

#endif
