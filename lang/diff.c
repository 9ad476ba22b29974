/* diff.c - symbolic df/dy and df/dp of the checked model (diff.h).
 *
 * One walk serves two modes.  Building, it makes expression nodes in the
 * model's arena.  Counting (pattern only, after the budget ran out), every
 * nonzero is the same marker node and nothing is allocated but the maps,
 * so the pattern is known even when the values are not.  A NULL
 * expression is a structural zero throughout. */
#include "diff.h"

#include "family.h"
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "builtins.h"
#include "codegen.h"
#include "diag.h"
#include "problem.h"

/* Nodes the build may make (and, counting, partial entries it may add):
   this many plus DIFF_PER_NODE per node of the model.  The values are
   printed as trees, so the same bound holds for their total size. */
enum { DIFF_BASE = 1 << 20, DIFF_PER_NODE = 16 };

/* Values deeper than this are given up (the backends refuse deeper trees
   than CODEGEN_MAX_DEPTH). */
enum { DIFF_MAX_DEPTH = CODEGEN_MAX_DEPTH - 64 };

/* Reasons to stop, besides the ODE_E* codes (positive, internal). */
enum { D_TOO_BIG = 1, D_UNSUPPORTED = 2 };

/* ln(10) to double precision, for log10' = 1/(x ln 10). */
#define DIFF_LN10 2.302585092994045684017991454684364208

/* Size (as a tree) and depth of every node that values may contain,
   found through the node's scratch field: metas[e->scratch] belongs to e
   when its e is e (a stale index from an earlier pass fails the test). */
struct meta {
    const struct expr *e;
    size_t size;
    int depth;
    unsigned mark;
};

struct ptab {
    struct meta *slot;
    size_t cap, n;
};

/* Partials: integer key -> expression, in insertion order.  fn is the
   derivative function made for an entry of a user function's map (-1). */
struct pmap {
    size_t n, cap, hcap;
    int *key;
    struct expr **val;
    int *fn;
    int *h;                   /* positions + 1; open addressing */
};

/* A gradient: column -> value (a leaf, a number or an extra intermediate). */
struct grad {
    size_t n;
    int *col;
    struct expr **e;
};

struct trip {
    size_t col, row;
    struct expr *e;
};

enum rule {
    R_NONE, R_ZERO, R_SIN, R_COS, R_TAN, R_ASIN, R_ACOS, R_ATAN, R_ATAN2,
    R_SINH, R_COSH, R_TANH, R_EXP, R_LN, R_LOG10, R_SQRT, R_ABS, R_MOD,
    R_MIN, R_MAX, R_POW,
};

struct dx {
    struct model *m;
    bool build;
    int rc;                   /* sticky: 0, D_* or ODE_E* */
    struct span where;        /* what was being differentiated at a stop */
    size_t made, budget;      /* nodes (entries when counting) so far */
    size_t tree;              /* total tree size of the values */
    struct ptab meta;
    unsigned gen;
    size_t ns, np, nd, ni;
    int kp, ki, ka, kend;     /* first keys of params, inters, args; end */
    bool params_wanted;       /* partials by parameters are kept */
    bool in_func;             /* differentiating a user function body */
    int nargs;                /* its arguments */
    size_t nf0, nf_limit;     /* the model's functions; callable below */
    struct model_func *funcs0;
    size_t funcs_cap;
    struct pmap *fd;          /* nf0 maps: partials of each body */
    enum rule *rule;          /* by built-in index */
    int b_cos, b_sin, b_tan, b_sqrt, b_cosh, b_sinh, b_sign, b_ln, b_flr;
    struct expr *one;
    /* The value being differentiated is intermediate `root_leaf` of the
       model: derivatives that repeat the value itself (exp' = exp) read it. */
    const struct expr *root;
    struct expr *root_leaf;
    /* In the operand of a sum over i' = slo .. shi: partials through
       shift() go to sum_out, at each element with i' in place. */
    bool in_sum;
    long slo, shi;
    struct pmap *sum_out;
    /* Where shared adjoints go (NULL in user function bodies). */
    struct prog *prog;
    const char *of;
    int line;
};

struct prog;
static bool trivial(const struct expr *e);
static struct expr *hoist(struct dx *x, struct prog *P, struct expr *e, const char *of,
                          const char *by, int line);

/* Stands for every nonzero while counting. */
static struct expr marker = { .kind = EX_NUM, .num = 1.0 };

static void stop(struct dx *x, int rc)
{
    if (!x->rc)
        x->rc = rc;
}

/* ---- node metadata ---- */

static struct meta *ptab_find(struct ptab *t, struct expr *e, bool insert)
{
    if (e->scratch < t->n && t->slot[e->scratch].e == e)
        return &t->slot[e->scratch];
    if (!insert)
        return NULL;
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 1024;
        struct meta *s = realloc(t->slot, cap * sizeof *s);
        if (!s || cap > UINT_MAX)
            return NULL;
        t->slot = s;
        t->cap = cap;
    }
    e->scratch = (unsigned)t->n;
    t->slot[t->n] = (struct meta){ .e = e };
    return &t->slot[t->n++];
}

static size_t sat_add(size_t a, size_t b)
{
    return a > SIZE_MAX / 4 || b > SIZE_MAX / 4 ? SIZE_MAX / 2 : a + b;
}

/* Metadata of e, computed (for the model's own trees) on first use. */
static struct meta *meta_of(struct dx *x, struct expr *e, int depth)
{
    struct meta *mt = ptab_find(&x->meta, e, false);
    if (mt)
        return mt;
    if (depth > CODEGEN_MAX_DEPTH) {
        stop(x, ODE_EINVAL);
        return NULL;
    }
    size_t size = 1;
    int d = 0;
    for (int i = 0; i < e->nargs; i++) {
        if (!e->args || !e->args[i]) {
            stop(x, ODE_EINVAL);
            return NULL;
        }
        struct meta *a = meta_of(x, e->args[i], depth + 1);
        if (!a)
            return NULL;
        size = sat_add(size, a->size);
        if (a->depth > d)
            d = a->depth;
    }
    mt = ptab_find(&x->meta, e, true);
    if (!mt) {
        stop(x, ODE_ENOMEM);
        return NULL;
    }
    mt->size = size;
    mt->depth = d + 1;
    return mt;
}

/* ---- constructors: simplify, then make a node ---- */

/* A node on n operands (all given), with its metadata. */
static struct expr *node_v(struct dx *x, enum expr_kind k, int index, int n,
                           struct expr *const *ops)
{
    if (x->rc)
        return NULL;
    if (++x->made > x->budget) {
        stop(x, D_TOO_BIG);
        return NULL;
    }
    struct expr *e = expr_new(x->m, k, n, (struct span){ 0, 0 });
    if (!e) {
        stop(x, ODE_ENOMEM);
        return NULL;
    }
    e->index = index;
    for (int i = 0; i < n; i++)
        e->args[i] = ops[i];
    return meta_of(x, e, 0) ? e : NULL;
}

static struct expr *node(struct dx *x, enum expr_kind k, int index, int n,
                         struct expr *a, struct expr *b, struct expr *c)
{
    struct expr *ops[3] = { a, b, c };
    return node_v(x, k, index, n, ops);
}

static struct expr *num(struct dx *x, double v)
{
    if (!x->build)
        return &marker;
    struct expr *e = node(x, EX_NUM, 0, 0, NULL, NULL, NULL);
    if (e)
        e->num = v;
    return e;
}

static bool is_num(const struct expr *e)
{
    return e && e != &marker && e->kind == EX_NUM;
}

static bool is_val(const struct expr *e, double v)
{
    return is_num(e) && e->num == v;
}

static struct expr *neg(struct dx *x, struct expr *a)
{
    if (!a || !x->build)
        return a ? &marker : NULL;
    if (is_num(a))
        return num(x, -a->num);
    if (a->kind == EX_NEG && expr_arity_ok(a, 1))
        return a->args[0];
    return node(x, EX_NEG, 0, 1, a, NULL, NULL);
}

static struct expr *mul(struct dx *x, struct expr *a, struct expr *b)
{
    if (!a || !b)
        return NULL;
    if (!x->build)
        return &marker;
    if (is_val(a, 1.0))
        return b;
    if (is_val(b, 1.0))
        return a;
    if (is_num(a) && is_num(b))
        return num(x, a->num * b->num);
    /* -1 * x is -x exactly; x*0 stays (NaN for an infinite x). */
    if (is_val(a, -1.0))
        return neg(x, b);
    if (is_val(b, -1.0))
        return neg(x, a);
    return node(x, EX_MUL, 0, 2, a, b, NULL);
}

static struct expr *add(struct dx *x, struct expr *a, struct expr *b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    if (!x->build)
        return &marker;
    if (is_num(a) && is_num(b))
        return num(x, a->num + b->num);
    if (is_val(a, 0.0))
        return b;
    if (is_val(b, 0.0))
        return a;
    if (b->kind == EX_NEG && expr_arity_ok(b, 1))
        return node(x, EX_SUB, 0, 2, a, b->args[0], NULL);
    if (a->kind == EX_NEG && expr_arity_ok(a, 1))
        return node(x, EX_SUB, 0, 2, b, a->args[0], NULL);
    return node(x, EX_ADD, 0, 2, a, b, NULL);
}

static struct expr *sub(struct dx *x, struct expr *a, struct expr *b)
{
    return add(x, a, neg(x, b));
}

static struct expr *dvd(struct dx *x, struct expr *a, struct expr *b)
{
    if (!a || !b)
        return NULL;
    if (!x->build)
        return &marker;
    if (is_val(b, 1.0))
        return a;
    if (is_num(a) && is_num(b))
        return num(x, a->num / b->num);
    return node(x, EX_DIV, 0, 2, a, b, NULL);
}

static struct expr *call1(struct dx *x, int b, struct expr *a)
{
    if (!a || !x->build)
        return a ? &marker : NULL;
    if (b < 0) {
        stop(x, D_UNSUPPORTED);
        return NULL;
    }
    return node(x, EX_CALL, b, 1, a, NULL, NULL);
}

static struct expr *pw(struct dx *x, struct expr *a, struct expr *k)
{
    if (!a || !k || !x->build)
        return a && k ? &marker : NULL;
    if (is_val(k, 1.0))
        return a;
    return node(x, EX_POW, 0, 2, a, k, NULL);
}

static struct expr *iff(struct dx *x, struct expr *c, struct expr *a, struct expr *b)
{
    if (!a && !b)
        return NULL;
    if (!x->build)
        return &marker;
    if (!a)
        a = num(x, 0.0);
    if (!b)
        b = num(x, 0.0);
    return node(x, EX_IF, 0, 3, c, a, b);
}

/* ---- partial maps ---- */

static size_t int_hash(int k)
{
    return (size_t)((uint32_t)k * 2654435761u);
}

static int pmap_find(const struct pmap *p, int key)
{
    if (!p->hcap) {
        for (size_t i = 0; i < p->n; i++)
            if (p->key[i] == key)
                return (int)i;
        return -1;
    }
    size_t mask = p->hcap - 1, j = int_hash(key) & mask;
    while (p->h[j]) {
        if (p->key[p->h[j] - 1] == key)
            return p->h[j] - 1;
        j = (j + 1) & mask;
    }
    return -1;
}

static void pmap_index(struct pmap *p, size_t i)
{
    size_t mask = p->hcap - 1, j = int_hash(p->key[i]) & mask;
    while (p->h[j])
        j = (j + 1) & mask;
    p->h[j] = (int)i + 1;
}

static int pmap_put(struct pmap *p, int key, struct expr *v)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 4;
        int *k = realloc(p->key, cap * sizeof *k);
        if (k)
            p->key = k;
        struct expr **e = k ? realloc(p->val, cap * sizeof *e) : NULL;
        if (e)
            p->val = e;
        int *f = e ? realloc(p->fn, cap * sizeof *f) : NULL;
        if (!f)
            return ODE_ENOMEM;
        p->fn = f;
        p->cap = cap;
    }
    p->key[p->n] = key;
    p->val[p->n] = v;
    p->fn[p->n] = -1;
    p->n++;
    if (p->n <= 8)
        return 0;
    if (p->hcap < 2 * p->n) {
        size_t hcap = 64;
        while (hcap < 4 * p->n)
            hcap *= 2;
        int *h = calloc(hcap, sizeof *h);
        if (!h)
            return ODE_ENOMEM;
        free(p->h);
        p->h = h;
        p->hcap = hcap;
        for (size_t i = 0; i < p->n; i++)
            pmap_index(p, i);
    } else {
        pmap_index(p, p->n - 1);
    }
    return 0;
}

static void pmap_free(struct pmap *p)
{
    free(p->h);
    free(p->fn);
    free(p->val);
    free(p->key);
    memset(p, 0, sizeof *p);
}

/* p[key] += v */
static void pmap_add(struct dx *x, struct pmap *p, int key, struct expr *v)
{
    if (!v || x->rc)
        return;
    if (!x->build && ++x->made > x->budget) {
        stop(x, D_TOO_BIG);
        return;
    }
    int i = pmap_find(p, key);
    if (i >= 0) {
        struct expr *s = add(x, p->val[i], v);
        if (s)
            p->val[i] = s;
        return;
    }
    if (pmap_put(p, key, v))
        stop(x, ODE_ENOMEM);
}

/* ---- derivative functions of the user functions ---- */

/* The value is final: it counts against the budget and must stay within
   the backends' depth. */
static bool final(struct dx *x, struct expr *e)
{
    if (!x->build || !e || x->rc)
        return !x->rc;
    struct meta *mt = meta_of(x, e, 0);
    if (!mt)
        return false;
    x->tree = sat_add(x->tree, mt->size);
    if (x->tree > x->budget || mt->depth > DIFF_MAX_DEPTH) {
        stop(x, D_TOO_BIG);
        return false;
    }
    return true;
}

static const char *key_name(const struct dx *x, int key)
{
    const struct model *m = x->m;
    if (key < x->kp)
        return m->states[key].name;
    if (key < x->ki) {
        size_t i = (size_t)(key - x->kp);
        return i < x->np ? m->params[i].name : m->derived[i - x->np].name;
    }
    if (key < x->ka)
        return m->inters[key - x->ki].name;
    return "a";
}

static const char *deriv_name(struct dx *x, const char *of, const char *by)
{
    char buf[160];
    snprintf(buf, sizeof buf, "d%.60s_d%.60s", of ? of : "", by ? by : "");
    char *s = model_strndup(x->m, buf, strlen(buf));
    if (!s)
        stop(x, ODE_ENOMEM);
    return s;
}

/* Appends a user function with k's arguments and body `body`. */
static int new_func(struct dx *x, size_t k, int key, struct expr *body)
{
    struct model *m = x->m;
    if (!final(x, body))
        return -1;
    if (m->n_funcs >= INT_MAX / 2) {
        stop(x, D_TOO_BIG);
        return -1;
    }
    if (m->n_funcs == x->funcs_cap || m->funcs == x->funcs0) {
        size_t cap = x->funcs_cap > m->n_funcs ? x->funcs_cap : 2 * m->n_funcs + 16;
        struct model_func *f = model_alloc(m, cap * sizeof *f);
        if (!f) {
            stop(x, ODE_ENOMEM);
            return -1;
        }
        if (m->n_funcs)
            memcpy(f, m->funcs, m->n_funcs * sizeof *f);
        m->funcs = f;
        x->funcs_cap = cap;
    }
    const struct model_func *of = &x->funcs0[k];
    struct model_func *nf = &m->funcs[m->n_funcs];
    *nf = *of;
    nf->body = body;
    nf->name = deriv_name(x, of->name,
                          key >= x->ka ? of->argnames[key - x->ka] : key_name(x, key));
    return (int)m->n_funcs++;
}

/* The partial of user function k by `key` at the call `call`: a number, a
   call of its derivative function (made on first use), or NULL. */
static struct expr *call_deriv(struct dx *x, size_t k, int pos, struct expr *call)
{
    struct pmap *fd = &x->fd[k];
    struct expr *d = fd->val[pos];
    if (!x->build || !d)
        return d ? &marker : NULL;
    if (is_num(d))
        return d;
    if (fd->fn[pos] < 0 && (fd->fn[pos] = new_func(x, k, fd->key[pos], d)) < 0)
        return NULL;
    return node_v(x, EX_UCALL, fd->fn[pos], call->nargs, call->args);
}

/* ---- reverse mode over one expression ---- */

/* e, or the intermediate that holds its value. */
static struct expr *self(struct dx *x, struct expr *e)
{
    return x->build && e == x->root && x->root_leaf ? x->root_leaf : e;
}

static void descend(struct dx *x, struct expr *e, struct expr *adj, struct pmap *out,
                    int depth);

/* d if(c, a, b): both branches under the same condition. */
static void branches(struct dx *x, struct expr *c, struct expr *a, struct expr *b,
                     struct expr *adj, struct pmap *out, int depth)
{
    struct pmap t = { 0 }, f = { 0 };
    struct expr *one = x->build ? x->one : &marker;
    descend(x, a, one, &t, depth + 1);
    descend(x, b, one, &f, depth + 1);
    for (size_t i = 0; i < t.n && !x->rc; i++) {
        int j = pmap_find(&f, t.key[i]);
        pmap_add(x, out, t.key[i], mul(x, adj, iff(x, c, t.val[i], j >= 0 ? f.val[j] : NULL)));
    }
    for (size_t i = 0; i < f.n && !x->rc; i++)
        if (pmap_find(&t, f.key[i]) < 0)
            pmap_add(x, out, f.key[i], mul(x, adj, iff(x, c, NULL, f.val[i])));
    pmap_free(&f);
    pmap_free(&t);
}

static bool literal(const struct expr *k, double *v)
{
    if (k->kind == EX_NUM) {
        *v = k->num;
        return true;
    }
    if (k->kind == EX_NEG && expr_arity_ok(k, 1) && k->args[0]->kind == EX_NUM) {
        *v = -k->args[0]->num;
        return true;
    }
    return false;
}

static bool constant(const struct expr *e)
{
    return e->kind == EX_NUM || e->kind == EX_TIME;
}

/* a^b for any b: b a^(b-1) da + a^b ln(a) db. */
static void d_pow(struct dx *x, struct expr *e, struct expr *a, struct expr *b,
                  struct expr *adj, struct pmap *out, int depth)
{
    double k;
    if (e->kind == EX_POW && literal(b, &k)) {
        if (k == 0.0)
            return;
        struct expr *f = k == 1.0 ? x->one : mul(x, num(x, k), pw(x, a, num(x, k - 1.0)));
        descend(x, a, mul(x, adj, x->build ? f : &marker), out, depth + 1);
        return;
    }
    descend(x, a, mul(x, adj, mul(x, b, pw(x, a, sub(x, b, x->build ? x->one : &marker)))),
            out, depth + 1);
    if (!constant(b))
        descend(x, b, mul(x, adj, mul(x, self(x, e), call1(x, x->b_ln, a))), out, depth + 1);
}

static void d_call(struct dx *x, struct expr *e, struct expr *adj, struct pmap *out,
                   int depth)
{
    const struct builtin *bi = builtin_at(e->index);
    if (!bi || !expr_arity_ok(e, bi->arity)) {
        stop(x, ODE_EINVAL);
        return;
    }
    struct expr *a = e->args[0], *b = bi->arity == 2 ? e->args[1] : NULL, *d = NULL;
    struct expr *one = x->build ? x->one : &marker;
    switch (x->rule[e->index]) {
    case R_NONE:
        stop(x, D_UNSUPPORTED);
        x->where = e->span;
        return;
    case R_ZERO:
        return;
    case R_SIN: d = mul(x, adj, call1(x, x->b_cos, a)); break;
    case R_COS: d = neg(x, mul(x, adj, call1(x, x->b_sin, a))); break;
    case R_TAN: d = mul(x, adj, add(x, one, mul(x, self(x, e), self(x, e)))); break;
    case R_ASIN:
        d = dvd(x, adj, call1(x, x->b_sqrt, sub(x, one, mul(x, a, a))));
        break;
    case R_ACOS:
        d = neg(x, dvd(x, adj, call1(x, x->b_sqrt, sub(x, one, mul(x, a, a)))));
        break;
    case R_ATAN: d = dvd(x, adj, add(x, one, mul(x, a, a))); break;
    case R_ATAN2: {
        struct expr *r = add(x, mul(x, a, a), mul(x, b, b));
        descend(x, a, mul(x, adj, dvd(x, b, r)), out, depth + 1);
        descend(x, b, neg(x, mul(x, adj, dvd(x, a, r))), out, depth + 1);
        return;
    }
    case R_SINH: d = mul(x, adj, call1(x, x->b_cosh, a)); break;
    case R_COSH: d = mul(x, adj, call1(x, x->b_sinh, a)); break;
    case R_TANH: d = mul(x, adj, sub(x, one, mul(x, self(x, e), self(x, e)))); break;
    case R_EXP: d = mul(x, adj, self(x, e)); break;
    case R_LN: d = dvd(x, adj, a); break;
    case R_LOG10: d = dvd(x, adj, mul(x, a, num(x, DIFF_LN10))); break;
    case R_SQRT: d = dvd(x, adj, mul(x, num(x, 2.0), self(x, e))); break;
    case R_ABS: d = mul(x, adj, call1(x, x->b_sign, a)); break;
    case R_MOD:
        /* mod(a, b) = a - b*flr(a/b) (builtins.c); flr' = 0. */
        descend(x, a, adj, out, depth + 1);
        if (!constant(b))
            descend(x, b, neg(x, mul(x, adj, call1(x, x->b_flr, dvd(x, a, b)))), out,
                    depth + 1);
        return;
    case R_MIN: case R_MAX: {
        /* os_min is a < b ? a : b, os_max a > b ? a : b. */
        struct expr *c = x->build ? node(x, x->rule[e->index] == R_MIN ? EX_LT : EX_GT,
                                         0, 2, a, b, NULL) : &marker;
        if (c)
            branches(x, c, a, b, adj, out, depth);
        return;
    }
    case R_POW:
        d_pow(x, e, a, b, adj, out, depth);
        return;
    }
    descend(x, a, d, out, depth + 1);
}

static void d_ucall(struct dx *x, struct expr *e, struct expr *adj, struct pmap *out,
                    int depth)
{
    if (e->index < 0 || (size_t)e->index >= x->nf_limit ||
        !expr_arity_ok(e, x->funcs0[e->index].nargs)) {
        stop(x, ODE_EINVAL);
        return;
    }
    size_t k = (size_t)e->index;
    struct pmap *fd = &x->fd[k];
    for (size_t i = 0; i < fd->n && !x->rc; i++) {
        int key = fd->key[i];
        if (key >= x->ka) {
            struct expr *d = call_deriv(x, k, (int)i, e);
            if (d)
                descend(x, e->args[key - x->ka], mul(x, adj, d), out, depth + 1);
        } else if (x->params_wanted) {
            pmap_add(x, out, key, mul(x, adj, call_deriv(x, k, (int)i, e)));
        }
    }
}

/* Whether e passes its adjoint to more than one operand that is not a
   number or t. */
static bool fans_out(const struct expr *e)
{
    int first = e->kind == EX_IF ? 1 : 0, n = 0;
    switch (e->kind) {
    case EX_ADD: case EX_SUB: case EX_MUL: case EX_DIV: case EX_POW: case EX_IF:
    case EX_CALL: case EX_UCALL:
        break;
    default:
        return false;
    }
    for (int i = first; i < e->nargs && e->args; i++)
        n += e->args[i] && e->args[i]->kind != EX_NUM && e->args[i]->kind != EX_TIME;
    return n > 1;
}

/* e with the counter of its sum set to si: i' a number, each shift() the
   element it reads then.  Shares what does not change. */
static struct expr *subst(struct dx *x, struct expr *e, long si, int depth)
{
    if (x->rc || !e || e == &marker)
        return e;
    if (depth > CODEGEN_MAX_DEPTH || ++x->made > x->budget) {
        stop(x, depth > CODEGEN_MAX_DEPTH ? ODE_EINVAL : D_TOO_BIG);
        return NULL;
    }
    switch (e->kind) {
    case EX_SUMI:
        return num(x, (double)si);
    case EX_ISTATE: case EX_IPARAM: case EX_IINTER:
        return node(x, e->kind == EX_ISTATE ? EX_STATE : e->kind == EX_IPARAM ?
                    EX_PARAM : EX_INTER, e->index + (int)((long)e->num * si), 0,
                    NULL, NULL, NULL);
    case EX_SUM:
        stop(x, ODE_EINVAL);
        return NULL;
    default:
        break;
    }
    struct expr *ops[9], **a = e->nargs <= 9 ? ops : NULL;
    if (!a) {
        stop(x, D_UNSUPPORTED);
        return NULL;
    }
    bool same = true;
    for (int i = 0; i < e->nargs; i++) {
        if (!(a[i] = subst(x, e->args[i], si, depth + 1)))
            return NULL;
        same = same && a[i] == e->args[i];
    }
    if (same)
        return e;
    struct expr *c = node_v(x, e->kind, e->index, e->nargs, a);
    if (c)
        c->num = e->num;
    return c;
}

/* d sum(lo,hi)of(a) = sum(lo,hi)of(da): the partials of a by what it
   reads directly are summed in a loop over i'; those through shift()
   are added at the element each i' reads (descend). */
static void d_sum(struct dx *x, struct expr *e, struct expr *adj, struct pmap *out,
                  int depth)
{
    if (x->in_sum || !expr_arity_ok(e, 1) || e->num != floor(e->num) ||
        fabs(e->num) > 1e9) {
        stop(x, ODE_EINVAL);
        return;
    }
    if (x->in_func) {
        stop(x, D_UNSUPPORTED);
        x->where = e->span;
        return;
    }
    struct pmap inner = { 0 };
    x->in_sum = true;
    x->slo = e->index;
    x->shi = (long)e->num;
    x->sum_out = out;
    descend(x, e->args[0], adj, &inner, depth + 1);
    x->in_sum = false;
    x->sum_out = NULL;
    for (size_t i = 0; i < inner.n && !x->rc; i++) {
        struct expr *v = inner.val[i];
        if (x->build && v) {
            struct expr *s = node(x, EX_SUM, e->index, 1, v, NULL, NULL);
            if (s)
                s->num = e->num;
            v = s;
        }
        pmap_add(x, out, inner.key[i], v);
    }
    pmap_free(&inner);
}

/* A shift() leaf of kind k (EX_I*) in a sum: adj, with i' in place, is
   the partial by each element it reads. */
static void d_shift(struct dx *x, struct expr *e, struct expr *adj)
{
    size_t limit = e->kind == EX_ISTATE ? x->ns : e->kind == EX_IPARAM ?
                   x->np + x->nd : x->ni;
    int first = e->kind == EX_ISTATE ? 0 : e->kind == EX_IPARAM ? x->kp : x->ki;
    if (!x->in_sum || !x->sum_out || e->num != floor(e->num) || fabs(e->num) > 1e9) {
        stop(x, ODE_EINVAL);
        return;
    }
    if (e->kind == EX_IPARAM && !x->params_wanted)
        return;
    for (long si = x->slo; si <= x->shi && !x->rc; si++) {
        double at = e->index + e->num * (double)si;
        if (at < 0 || at >= (double)limit) {
            stop(x, ODE_EINVAL);
            return;
        }
        struct expr *v = x->build ? subst(x, adj, si, 0) : adj;
        pmap_add(x, x->sum_out, first + (int)at, v);
    }
}

/* Adds adj * (the partials of e) to out, by key. */
static void descend(struct dx *x, struct expr *e, struct expr *adj, struct pmap *out,
                    int depth)
{
    if (x->rc || !adj)
        return;
    if (!e || depth > CODEGEN_MAX_DEPTH) {
        stop(x, ODE_EINVAL);
        return;
    }
    /* An adjoint that reaches several leaves is computed once: each
       partial below is a product with it. */
    if (x->build && x->prog && !x->in_sum && !trivial(adj) && fans_out(e)) {
        struct meta *mt = meta_of(x, adj, 0);
        if (mt && mt->size >= 3 && !(adj = hoist(x, x->prog, adj, x->of, "part", x->line)))
            return;
    }
    struct expr **a = e->args;
    int key = -1;
    switch (e->kind) {
    case EX_NUM: case EX_TIME: case EX_SUMI:
        return;
    case EX_KERNEL: case EX_TPRIME:
        /* Kept by the Volterra solver, which forms its own iteration
           matrix: constants here. */
        return;
    case EX_SUM:
        d_sum(x, e, adj, out, depth);
        return;
    case EX_ISTATE: case EX_IPARAM: case EX_IINTER:
        if (x->in_func && e->kind != EX_IPARAM) {
            stop(x, D_UNSUPPORTED);
            return;
        }
        d_shift(x, e, adj);
        return;
    case EX_JNUM: case EX_JSTATE: case EX_JPARAM: case EX_JINTER:
        /* Only in a family's body; the derivatives are formed from each
           element's own expression. */
        stop(x, ODE_EINVAL);
        return;
    case EX_STATE:
        if (e->index < 0 || (size_t)e->index >= x->ns) {
            stop(x, ODE_EINVAL);
            return;
        }
        key = e->index;
        break;
    case EX_PARAM:
        if (e->index < 0 || (size_t)e->index >= x->np + x->nd) {
            stop(x, ODE_EINVAL);
            return;
        }
        if (!x->params_wanted)
            return;
        key = x->kp + e->index;
        break;
    case EX_INTER:
        if (e->index < 0 || (size_t)e->index >= x->ni) {
            stop(x, ODE_EINVAL);
            return;
        }
        key = x->ki + e->index;
        break;
    case EX_ARG:
        if (!x->in_func || e->index < 0 || e->index >= x->nargs) {
            stop(x, ODE_EINVAL);
            return;
        }
        key = x->ka + e->index;
        break;
    case EX_NEG:
        if (!expr_arity_ok(e, 1))
            break;
        descend(x, a[0], neg(x, adj), out, depth + 1);
        return;
    case EX_NOT: case EX_LT: case EX_LE: case EX_GT: case EX_GE: case EX_EQ:
    case EX_NE: case EX_AND: case EX_OR:
        return;
    case EX_ADD: case EX_SUB:
        if (!expr_arity_ok(e, 2))
            break;
        descend(x, a[0], adj, out, depth + 1);
        descend(x, a[1], e->kind == EX_ADD ? adj : neg(x, adj), out, depth + 1);
        return;
    case EX_MUL:
        if (!expr_arity_ok(e, 2))
            break;
        if (!constant(a[0]))
            descend(x, a[0], mul(x, adj, a[1]), out, depth + 1);
        if (!constant(a[1]))
            descend(x, a[1], mul(x, adj, a[0]), out, depth + 1);
        return;
    case EX_DIV:
        /* d(a/b) = da/b - (a/b) db/b, with a/b the node itself. */
        if (!expr_arity_ok(e, 2))
            break;
        if (!constant(a[0]))
            descend(x, a[0], dvd(x, adj, a[1]), out, depth + 1);
        if (!constant(a[1]))
            descend(x, a[1], neg(x, dvd(x, mul(x, adj, self(x, e)), a[1])), out, depth + 1);
        return;
    case EX_POW:
        if (!expr_arity_ok(e, 2))
            break;
        d_pow(x, e, a[0], a[1], adj, out, depth);
        return;
    case EX_IF:
        if (!expr_arity_ok(e, 3))
            break;
        branches(x, a[0], a[1], a[2], adj, out, depth);
        return;
    case EX_CALL:
        d_call(x, e, adj, out, depth);
        return;
    case EX_UCALL:
        d_ucall(x, e, adj, out, depth);
        return;
    }
    if (key < 0) {
        stop(x, ODE_EINVAL);
        return;
    }
    if (x->in_func && (e->kind == EX_STATE || e->kind == EX_INTER)) {
        stop(x, D_UNSUPPORTED);
        return;
    }
    pmap_add(x, out, key, adj);
}

/* ---- setup ---- */

static const struct { const char *name; enum rule rule; } rules[] = {
    { "sin", R_SIN }, { "cos", R_COS }, { "tan", R_TAN }, { "asin", R_ASIN },
    { "acos", R_ACOS }, { "atan", R_ATAN }, { "atan2", R_ATAN2 },
    { "sinh", R_SINH }, { "cosh", R_COSH }, { "tanh", R_TANH }, { "exp", R_EXP },
    { "ln", R_LN }, { "log", R_LN }, { "log10", R_LOG10 }, { "sqrt", R_SQRT },
    { "abs", R_ABS }, { "heav", R_ZERO }, { "sign", R_ZERO }, { "flr", R_ZERO },
    { "ceil", R_ZERO }, { "mod", R_MOD }, { "min", R_MIN }, { "max", R_MAX },
    { "pow", R_POW },
};

static int builtin_idx(const char *name, int arity)
{
    const struct builtin *b = builtin_find(name);
    return b && b->arity == arity ? builtin_index(b) : -1;
}

static int dx_init(struct dx *x, struct model *m, bool build)
{
    memset(x, 0, sizeof *x);
    x->m = m;
    x->build = build;
    x->ns = m->n_states;
    x->np = m->n_params;
    x->nd = m->n_derived;
    x->ni = m->n_inters;
    x->nf0 = x->nf_limit = m->n_funcs;
    x->funcs0 = m->funcs;
    size_t keys = x->ns + x->np + x->nd + x->ni + 9;
    if (keys > INT_MAX / 2 || (x->ns && !m->states) || (x->ni && !m->inters) ||
        (x->nd && !m->derived) || (x->nf0 && !m->funcs))
        return ODE_EINVAL;
    x->kp = (int)x->ns;
    x->ki = x->kp + (int)(x->np + x->nd);
    x->ka = x->ki + (int)x->ni;
    x->kend = x->ka + 9;
    int nb = builtin_count();
    x->rule = calloc((size_t)nb + 1, sizeof *x->rule);
    x->fd = calloc(x->nf0 + 1, sizeof *x->fd);
    if (!x->rule || !x->fd)
        return ODE_ENOMEM;
    for (int i = 0; i < nb; i++)
        for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++)
            if (strcmp(builtin_at(i)->name, rules[r].name) == 0)
                x->rule[i] = rules[r].rule;
    x->b_cos = builtin_idx("cos", 1);
    x->b_sin = builtin_idx("sin", 1);
    x->b_tan = builtin_idx("tan", 1);
    x->b_sqrt = builtin_idx("sqrt", 1);
    x->b_cosh = builtin_idx("cosh", 1);
    x->b_sinh = builtin_idx("sinh", 1);
    x->b_sign = builtin_idx("sign", 1);
    x->b_ln = builtin_idx("ln", 1);
    x->b_flr = builtin_idx("flr", 1);

    /* The budget grows with the model's size (as trees). */
    size_t size = 0;
    x->budget = SIZE_MAX / 2;
    struct expr *roots[4] = { 0 };
    for (size_t i = 0; i < x->ns + x->ni + x->nd + x->nf0 && !x->rc; i++) {
        roots[0] = i < x->ns ? m->states[i].rhs
                 : i < x->ns + x->ni ? m->inters[i - x->ns].value
                 : i < x->ns + x->ni + x->nd ? m->derived[i - x->ns - x->ni].value
                 : m->funcs[i - x->ns - x->ni - x->nd].body;
        if (!roots[0])
            return ODE_EINVAL;
        struct meta *mt = meta_of(x, roots[0], 0);
        if (mt)
            size = sat_add(size, mt->size);
    }
    if (x->rc)
        return x->rc;
    x->budget = sat_add(DIFF_BASE, size > SIZE_MAX / 64 ? SIZE_MAX / 4 : DIFF_PER_NODE * size);
    x->one = num(x, 1.0);
    return x->rc;
}

static void dx_free(struct dx *x)
{
    for (size_t k = 0; x->fd && k < x->nf0; k++)
        pmap_free(&x->fd[k]);
    free(x->fd);
    free(x->rule);
    free(x->meta.slot);
}

/* Partials of every user function body by its arguments (and parameters
   when df/dp is wanted), in order: a body calls only earlier functions. */
static void diff_funcs(struct dx *x, bool params)
{
    x->in_func = true;
    x->params_wanted = params;
    for (size_t k = 0; k < x->nf0 && !x->rc; k++) {
        const struct model_func *f = &x->funcs0[k];
        if (f->nargs < 0 || f->nargs > 9) {
            stop(x, ODE_EINVAL);
            break;
        }
        x->nargs = f->nargs;
        x->nf_limit = k;
        x->where = f->span;
        descend(x, f->body, x->build ? x->one : &marker, &x->fd[k], 0);
        /* Exact zeros (d(x - x) folded) are no partials. */
        struct pmap *p = &x->fd[k];
        for (size_t i = 0; i < p->n; i++)
            if (is_val(p->val[i], 0.0))
                p->val[i] = NULL;
    }
    x->in_func = false;
    x->nf_limit = x->nf0;
}

/* ---- one matrix ---- */

struct prog {
    bool jacp;
    size_t ncols;
    struct grad *gi, *gd;     /* by intermediate; by derived parameter */
    struct model_inter *extra;
    size_t n_extra, cap_extra;
    struct trip *trip;
    size_t n_trip, cap_trip;
};

static void prog_free(struct prog *P, const struct dx *x)
{
    for (size_t i = 0; P->gi && i < x->ni; i++) {
        free(P->gi[i].col);
        free(P->gi[i].e);
    }
    for (size_t i = 0; P->gd && i < x->nd; i++) {
        free(P->gd[i].col);
        free(P->gd[i].e);
    }
    free(P->gi);
    free(P->gd);
    free(P->extra);
    free(P->trip);
}

/* A leaf, a number, or minus one of them: cheaper to repeat than to
   share. */
static bool trivial(const struct expr *e)
{
    if (e->kind == EX_NEG && expr_arity_ok(e, 1))
        e = e->args[0];
    switch (e->kind) {
    case EX_NUM: case EX_TIME: case EX_STATE: case EX_PARAM: case EX_INTER:
        return true;
    default:
        return false;
    }
}

static const char *col_name(const struct dx *x, const struct prog *P, int c)
{
    return P->jacp ? x->m->params[c].name : x->m->states[c].name;
}

/* e as a new extra intermediate `d<of>_d<by>`; its leaf, or NULL. */
static struct expr *hoist(struct dx *x, struct prog *P, struct expr *e, const char *of,
                          const char *by, int line)
{
    if (!final(x, e))
        return NULL;
    if (P->n_extra == P->cap_extra) {
        size_t cap = P->cap_extra ? 2 * P->cap_extra : 64;
        struct model_inter *v = realloc(P->extra, cap * sizeof *v);
        if (!v) {
            stop(x, ODE_ENOMEM);
            return NULL;
        }
        P->extra = v;
        P->cap_extra = cap;
    }
    if (x->ni + P->n_extra >= INT_MAX / 2) {
        stop(x, D_TOO_BIG);
        return NULL;
    }
    struct model_inter *v = &P->extra[P->n_extra];
    v->name = deriv_name(x, of, by);
    v->value = e;
    v->span = (struct span){ 0, 0 };
    v->line = line;
    return node(x, EX_INTER, (int)(x->ni + P->n_extra++), 0, NULL, NULL, NULL);
}

/* acc += e * g.  A partial used for several columns is shared first. */
static void chain(struct dx *x, struct prog *P, struct pmap *acc, const struct grad *g,
                  struct expr *e, const char *of, const char *by, int line)
{
    if (g && g->n > 1 && x->build && !trivial(e) && !(e = hoist(x, P, e, of, by, line)))
        return;
    for (size_t i = 0; g && i < g->n && !x->rc; i++)
        pmap_add(x, acc, g->col[i], mul(x, e, g->e[i]));
}

/* Partials by key -> values by column: states (df/dy) or user parameters
   (df/dp) directly, intermediates and derived parameters through their
   gradients. */
static void resolve(struct dx *x, struct prog *P, const struct pmap *part,
                    struct pmap *acc, const char *of, int line)
{
    for (size_t i = 0; i < part->n && !x->rc; i++) {
        int key = part->key[i];
        struct expr *e = part->val[i];
        if (key < x->kp) {
            if (!P->jacp)
                pmap_add(x, acc, key, e);
        } else if (key < x->ki) {
            size_t j = (size_t)(key - x->kp);
            if (!P->jacp)
                continue;
            if (j < x->np)
                pmap_add(x, acc, (int)j, e);
            else
                chain(x, P, acc, &P->gd[j - x->np], e, of, key_name(x, key), line);
        } else if (key < x->ka) {
            chain(x, P, acc, &P->gi[key - x->ki], e, of, key_name(x, key), line);
        } else {
            stop(x, ODE_EINVAL);
        }
    }
}

/* The gradient of a quantity from its values by column: nontrivial values
   become extra intermediates, so every use shares them. */
static int make_grad(struct dx *x, struct prog *P, struct pmap *acc, struct grad *g,
                     const char *of, int line)
{
    g->col = malloc((acc->n + 1) * sizeof *g->col);
    g->e = malloc((acc->n + 1) * sizeof *g->e);
    if (!g->col || !g->e)
        return ODE_ENOMEM;
    for (size_t i = 0; i < acc->n && !x->rc; i++) {
        struct expr *e = acc->val[i];
        if (x->build && is_val(e, 0.0))
            continue;
        if (x->build && !trivial(e) && !(e = hoist(x, P, e, of, col_name(x, P, acc->key[i]),
                                                  line)))
            break;
        g->col[g->n] = acc->key[i];
        g->e[g->n++] = e;
    }
    return 0;
}

/* Which intermediates the right-hand sides read, directly or not. */
static int reach_inters(const struct model *m, bool *reach)
{
    struct expr **stack = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (size_t s = 0; s < m->n_states + m->n_inters && rc == 0; s++) {
        struct expr *root;
        if (s < m->n_states) {
            root = m->states[s].rhs;
        } else {
            size_t k = m->n_inters - 1 - (s - m->n_states);
            if (!reach[k])
                continue;
            root = m->inters[k].value;
        }
        if (!root)
            continue;
        n = 0;
        for (struct expr *e = root;;) {
            if (e->kind == EX_INTER && e->index >= 0 && (size_t)e->index < m->n_inters)
                reach[e->index] = true;
            /* shift() of the intermediates: any of them, as far as this
               walk knows (it does not follow the sums' bounds). */
            if (e->kind == EX_IINTER)
                for (size_t k = 0; k < m->n_inters; k++)
                    reach[k] = true;
            for (int i = 0; i < e->nargs && e->args; i++) {
                if (!e->args[i])
                    continue;
                if (n == cap) {
                    size_t c2 = cap ? 2 * cap : 256;
                    struct expr **st = realloc(stack, c2 * sizeof *st);
                    if (!st) {
                        rc = ODE_ENOMEM;
                        break;
                    }
                    stack = st;
                    cap = c2;
                }
                stack[n++] = e->args[i];
            }
            if (rc || n == 0)
                break;
            e = stack[--n];
        }
    }
    free(stack);
    return rc;
}

/* Marks the model intermediates a value reads (values are DAGs: each node
   is visited once). */
static void mark_inters(struct dx *x, struct expr *e, bool *need)
{
    struct meta *mt = meta_of(x, e, 0);
    if (!mt || mt->mark == x->gen)
        return;
    mt->mark = x->gen;
    if (e->kind == EX_INTER && e->index >= 0 && (size_t)e->index < x->ni)
        need[e->index] = true;
    if (e->kind == EX_IINTER)
        for (size_t k = 0; k < x->ni; k++)
            need[k] = true;
    for (int i = 0; i < e->nargs; i++)
        mark_inters(x, e->args[i], need);
}

/* The matrix into *out (arena). */
static int run_prog(struct dx *x, bool jacp, struct model_jac **out)
{
    struct model *m = x->m;
    struct prog P = { .jacp = jacp, .ncols = jacp ? x->np : x->ns };
    struct pmap part = { 0 }, acc = { 0 };
    bool *reach = calloc(x->ni + 1, sizeof *reach);
    size_t *count = NULL;
    int rc = ODE_ENOMEM;

    *out = NULL;
    P.gi = calloc(x->ni + 1, sizeof *P.gi);
    P.gd = calloc(x->nd + 1, sizeof *P.gd);
    if (!reach || !P.gi || !P.gd || (rc = reach_inters(m, reach)) != 0)
        goto done;
    x->params_wanted = jacp;
    for (size_t q = 0; q < (jacp ? x->nd : 0) + x->ni + x->ns && !x->rc; q++) {
        struct expr *e;
        struct grad *g = NULL;
        const char *of;
        int line = 0;
        size_t row = 0;
        if (jacp && q < x->nd) {
            e = m->derived[q].value;
            g = &P.gd[q];
            of = m->derived[q].name;
            x->where = m->derived[q].span;
        } else if (q < (jacp ? x->nd : 0) + x->ni) {
            size_t k = q - (jacp ? x->nd : 0);
            if (!reach[k])
                continue;
            e = m->inters[k].value;
            g = &P.gi[k];
            of = m->inters[k].name;
            line = m->inters[k].line;
            x->where = m->inters[k].span;
        } else {
            row = q - (jacp ? x->nd : 0) - x->ni;
            e = m->states[row].rhs;
            of = m->states[row].name;
            x->where = m->states[row].span;
        }
        pmap_free(&part);
        pmap_free(&acc);
        x->root = e;
        x->root_leaf = NULL;
        if (g && x->build && q >= (jacp ? x->nd : 0))
            x->root_leaf = node(x, EX_INTER, (int)(q - (jacp ? x->nd : 0)), 0, NULL, NULL, NULL);
        x->prog = &P;
        x->of = of;
        x->line = g ? line : m->states[row].line;
        descend(x, e, x->build ? x->one : &marker, &part, 0);
        x->root = NULL;
        x->prog = NULL;
        resolve(x, &P, &part, &acc, of, g ? line : m->states[row].line);
        if (x->rc)
            break;
        if (g) {
            if ((rc = make_grad(x, &P, &acc, g, of, line)) != 0)
                goto done;
            continue;
        }
        for (size_t i = 0; i < acc.n && !x->rc; i++) {
            if (x->build && is_val(acc.val[i], 0.0))
                continue;
            if (!final(x, acc.val[i]))
                break;
            if (P.n_trip == P.cap_trip) {
                size_t cap = P.cap_trip ? 2 * P.cap_trip : 256;
                struct trip *t = realloc(P.trip, cap * sizeof *t);
                if (!t) {
                    rc = ODE_ENOMEM;
                    goto done;
                }
                P.trip = t;
                P.cap_trip = cap;
            }
            P.trip[P.n_trip++] = (struct trip){ (size_t)acc.key[i], row, acc.val[i] };
        }
    }
    if (x->rc) {
        rc = x->rc;
        goto done;
    }

    /* Column by column; rows come in ascending order already. */
    struct model_jac *J = model_alloc(m, sizeof *J);
    count = calloc(P.ncols + 1, sizeof *count);
    rc = ODE_ENOMEM;
    if (!J || !count)
        goto done;
    J->ncols = P.ncols;
    J->nnz = P.n_trip;
    J->colptr = model_alloc(m, (P.ncols + 1) * sizeof *J->colptr);
    J->rowind = model_alloc(m, (P.n_trip + 1) * sizeof *J->rowind);
    if (x->build) {
        J->val = model_alloc(m, (P.n_trip + 1) * sizeof *J->val);
        J->extra = model_alloc(m, (P.n_extra + 1) * sizeof *J->extra);
        J->need_inter = model_alloc(m, (x->ni + 1) * sizeof *J->need_inter);
    }
    if (!J->colptr || !J->rowind || (x->build && (!J->val || !J->extra || !J->need_inter)))
        goto done;
    for (size_t i = 0; i < P.n_trip; i++)
        J->colptr[P.trip[i].col + 1]++;
    for (size_t c = 0; c < P.ncols; c++)
        J->colptr[c + 1] += J->colptr[c];
    for (size_t i = 0; i < P.n_trip; i++) {
        size_t at = J->colptr[P.trip[i].col] + count[P.trip[i].col]++;
        J->rowind[at] = P.trip[i].row;
        if (J->val)
            J->val[at] = P.trip[i].e;
    }
    if (x->build) {
        /* The values equation by equation, for the backends. */
        J->order = model_alloc(m, (P.n_trip + 1) * sizeof *J->order);
        size_t *rowstart = calloc(x->ns + 1, sizeof *rowstart);
        if (!J->order || !rowstart) {
            free(rowstart);
            goto done;
        }
        for (size_t k = 0; k < P.n_trip; k++)
            rowstart[J->rowind[k] + 1]++;
        for (size_t r = 0; r < x->ns; r++)
            rowstart[r + 1] += rowstart[r];
        for (size_t k = 0; k < P.n_trip; k++)
            J->order[rowstart[J->rowind[k]]++] = k;
        free(rowstart);
        if (P.n_extra)
            memcpy(J->extra, P.extra, P.n_extra * sizeof *J->extra);
        J->n_extra = P.n_extra;
        x->gen++;
        for (size_t i = 0; i < P.n_trip; i++)
            mark_inters(x, J->val[i], J->need_inter);
        for (size_t i = 0; i < P.n_extra; i++)
            mark_inters(x, J->extra[i].value, J->need_inter);
        for (size_t k = x->ni; k-- > 0;)
            if (J->need_inter[k])
                mark_inters(x, m->inters[k].value, J->need_inter);
        if (x->rc) {
            rc = x->rc;
            goto done;
        }
    }
    *out = J;
    rc = 0;
done:
    free(count);
    pmap_free(&acc);
    pmap_free(&part);
    prog_free(&P, x);
    free(reach);
    return rc;
}

/* Whether e reads t, itself or through a user function (ft: whether each
   earlier function does).  A derived parameter is computed at t = 0, its
   derivative in df/dp at the caller's t, so those must not depend on it. */
static bool reads_t(const struct expr *e, const bool *ft, size_t nft, int depth)
{
    if (!e || depth > CODEGEN_MAX_DEPTH || e->kind == EX_TIME)
        return true;
    if (e->kind == EX_UCALL && (e->index < 0 || (size_t)e->index >= nft || ft[e->index]))
        return true;
    for (int i = 0; i < e->nargs; i++)
        if (reads_t(e->args[i], ft, nft, depth + 1))
            return true;
    return false;
}

/* Whether some derived parameter reads t; -1 when out of memory. */
static int derived_reads_t(const struct model *m, struct span *where)
{
    bool *ft = calloc(m->n_funcs + 1, sizeof *ft);
    int found = 0;
    if (!ft)
        return -1;
    for (size_t k = 0; k < m->n_funcs; k++)
        ft[k] = reads_t(m->funcs[k].body, ft, k, 0);
    for (size_t i = 0; i < m->n_derived && !found; i++)
        if (reads_t(m->derived[i].value, ft, m->n_funcs, 0)) {
            *where = m->derived[i].span;
            found = 1;
        }
    free(ft);
    return found;
}

/* Both matrices in one mode; on a stop the caller decides. */
static int attempt(struct model *m, bool build, unsigned what, struct model_jac **jac,
                   struct model_jac **jacp, struct span *where)
{
    struct dx x;
    int rc = dx_init(&x, m, build);
    if (rc == 0) {
        diff_funcs(&x, (what & DIFF_JACP) != 0);
        rc = x.rc;
    }
    if (rc == 0 && (what & DIFF_JAC))
        rc = run_prog(&x, false, jac);
    if (rc == 0 && (what & DIFF_JACP))
        rc = run_prog(&x, true, jacp);
    *where = x.where;
    dx_free(&x);
    return rc;
}

static void note(FILE *notes, const struct model *m, struct span where, const char *what,
                 int why)
{
    if (!notes)
        return;
    if (why == D_TOO_BIG)
        diag_at(notes, m, where, "note", "%s would be too large to form symbolically; "
                "using finite differences", what);
    else
        diag_at(notes, m, where, "note", "%s cannot be formed symbolically here; "
                "using finite differences", what);
}

int diff_model(struct model *m, unsigned what, FILE *notes)
{
    struct model_func *funcs0 = m->funcs;
    size_t nf0 = m->n_funcs;
    struct model_jac *jac = NULL, *jacp = NULL;
    struct span where = { 0, 0 };
    unsigned sym = what & (DIFF_JAC | DIFF_JACP);
    int rc;

    m->jac = m->jacp = NULL;
    if (sym & DIFF_JACP) {
        int r = derived_reads_t(m, &where);
        if (r < 0)
            return ODE_ENOMEM;
        if (r) {
            note(notes, m, where, "df/dp", D_UNSUPPORTED);
            sym &= ~DIFF_JACP;
        }
    }
    rc = attempt(m, true, sym, &jac, &jacp, &where);
    if (rc == D_TOO_BIG || rc == D_UNSUPPORTED) {
        note(notes, m, where, "the Jacobian", rc);
        m->funcs = funcs0;
        m->n_funcs = nf0;
        jac = jacp = NULL;
        sym = 0;
        rc = 0;
    }
    if (rc)
        goto fail;
    /* The rest as patterns only; a pattern that cannot be found either is
       left unknown (dense). */
    unsigned rest = what & ~sym & (DIFF_JAC | DIFF_JACP);
    if (rest) {
        struct model_jac *pj = NULL, *pp = NULL;
        struct span w2;
        int prc = attempt(m, false, rest, &pj, &pp, &w2);
        if (prc < 0) {
            rc = prc;
            goto fail;
        }
        if (prc == 0) {
            if (rest & DIFF_JAC)
                jac = pj;
            if (rest & DIFF_JACP)
                jacp = pp;
        }
    }
    if (jac && jac->val && m->n_families && (rc = family_jac_loops(m, jac)))
        goto fail;
    m->jac = jac;
    m->jacp = jacp;
    return 0;
fail:
    m->funcs = funcs0;
    m->n_funcs = nf0;
    return rc;
}
