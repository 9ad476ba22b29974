/* codegen.c - the checked model as straight-line C for the JIT and --emit-c.
 *
 * Every expression becomes one fully parenthesised C expression, so the
 * compiler evaluates exactly the tree's operations; interp.c mirrors each
 * choice made here (powers with a literal exponent as codegen_pow_plan
 * says, -a, comparisons as 1.0/0.0) so that both backends produce the same
 * bits. */
#include "codegen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtins.h"

/* Intermediates live in a local array up to this many (64 KiB of stack);
   beyond it the array is static, which makes that model's functions
   non-reentrant but keeps a huge model from overflowing the stack. */
enum { CG_MAX_STACK_INTERS = 8192 };

/* Text of statements per function for the system compiler; see
   emit_eq_func. */
enum { CG_CHUNK_BYTES = 16384 };

/* At most this many parameters are copied into locals (emit_eq_func). */
enum { CG_MAX_PARAM_LOCALS = 1024 };

/* tcc keeps every operand still waiting for its operator on a value stack
   of 256 entries and fails with "memory full (vstack)" beyond it; a level
   of nesting can hold up to 11 (a user function call's t, p and 9
   arguments).  So every CG_HOIST_DEPTH levels a subtree is computed first
   into a local `double w<k>` and only its name is nested.  emit_pow
   hoists the base of a power the same way, at any depth, so hoists can
   nest as deep as the expression: one level each. */
enum {
    CG_HOIST_DEPTH = 16,
    CG_LEVELS = CODEGEN_MAX_DEPTH + 2,
};

/* Growable text buffer with geometric growth; `oom` sticks once set so
   callers check it once at the end. */
struct sbuf {
    char *s;
    size_t len, cap;
    bool oom;
};

static bool sb_reserve(struct sbuf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->cap - b->len > extra)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len <= extra)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = true;
        return false;
    }
    b->s = s;
    b->cap = cap;
    return true;
}

static void sb_putn(struct sbuf *b, const char *s, size_t n)
{
    if (!sb_reserve(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

/* Non-negative integers are the bulk of the text (indices, line numbers);
   formatting them by hand keeps big models far from printf's cost. */
static void sb_uint(struct sbuf *b, size_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[sizeof tmp - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sb_putn(b, tmp + sizeof tmp - n, (size_t)n);
}

/* The shortest of %.15g, %.16g, %.17g that reads back as exactly v, made a
   double literal (a '.' or an exponent) and parenthesised when negative.
   Infinities and NaN have no literal: they are built from constants. */
static void sb_num(struct sbuf *b, double v)
{
    char tmp[48];
    if (isnan(v)) {
        sb_puts(b, "(0.0 / 0.0)");
        return;
    }
    if (isinf(v)) {
        sb_puts(b, v > 0 ? "(1e300 * 1e300)" : "(-1e300 * 1e300)");
        return;
    }
    /* Small whole numbers (most literals, and the derivatives' factors)
       without printf: the digits are exact. */
    if (v == floor(v) && fabs(v) < 1e15 && !(v == 0 && signbit(v))) {
        if (v < 0)
            sb_puts(b, "(-");
        sb_uint(b, (size_t)fabs(v));
        sb_puts(b, v < 0 ? ".0)" : ".0");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v && signbit(strtod(tmp, NULL)) == signbit(v))
            break;
    }
    /* A locale with a decimal comma would break the literal; the program
       runs in the "C" locale, but a stray separator is mapped back. */
    bool is_float = false;
    for (char *c = tmp; *c; c++) {
        if (*c == ',')
            *c = '.';
        if (*c == '.' || *c == 'e')
            is_float = true;
    }
    if (!is_float)
        strcat(tmp, ".0");
    if (tmp[0] == '-') {
        sb_puts(b, "(");
        sb_puts(b, tmp);
        sb_puts(b, ")");
    } else {
        sb_puts(b, tmp);
    }
}

/* A model name as a C comment: only [A-Za-z0-9_] survive, so the comment
   cannot end early and nothing else of the name reaches the text. */
static void sb_name_comment(struct sbuf *b, const char *name)
{
    char tmp[68];
    size_t n = 0;
    for (const char *c = name ? name : ""; *c && n < 64; c++) {
        unsigned char u = (unsigned char)*c;
        if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
            (u >= '0' && u <= '9') || u == '_')
            tmp[n++] = (char)u;
    }
    if (n == 0)
        return;
    tmp[n] = '\0';
    sb_puts(b, " /* ");
    sb_puts(b, tmp);
    sb_puts(b, " */");
}

/* Where an expression sits decides what it may name. */
enum scope {
    SC_EQ,        /* intermediates, right-hand sides, aux: t, y, p, v */
    SC_DERIVED,   /* derived parameters: t (0), p before their own */
    SC_FUNC,      /* user function bodies: t, p, arguments, earlier funcs */
};

struct cg {
    const struct model *m;
    struct sbuf *text;        /* the functions being written */
    struct sbuf *out;         /* where the current expression goes */
    struct sbuf pre;          /* hoisted `double w<k> = ...; ` of a statement */
    struct sbuf levels[CG_LEVELS];  /* [0] the statement, [i] hoist level i */
    int level;                /* index into levels of `out` */
    int base;                 /* depth at which the current level started */
    size_t nw;                /* hoisted temporaries so far */
    bool *used;               /* builtin_count() flags */
    enum codegen_link link;
    enum scope scope;
    size_t param_limit;       /* p[i] allowed for i < param_limit */
    bool *param_used;         /* non-NULL: parameter k is written q<k> and marked */
    size_t inter_limit;       /* v[i] allowed for i < inter_limit */
    size_t func_limit;        /* cg_u<k> callable for k < func_limit */
    size_t jcount;            /* in a family's loop: its count, else 0 */
    size_t jinter;            /* in an intermediate family: 1 (element j may
                                 read intermediates < inter_limit + j) */
    bool in_sum;              /* in a sum's operand: its counter si runs */
    long slo, shi;            /* over slo .. shi */
    int nargs;                /* a<i> allowed for i < nargs */
    char fname[64];           /* #line file name, sanitised */
    unsigned *line_starts;    /* byte offsets where source lines begin */
    size_t n_lines;
};

static bool is_leaf(const struct expr *e)
{
    switch (e->kind) {
    case EX_NUM: case EX_TIME: case EX_STATE: case EX_PARAM: case EX_INTER:
    case EX_ARG: case EX_JNUM: case EX_JSTATE: case EX_JPARAM: case EX_JINTER:
    case EX_SUMI: case EX_ISTATE: case EX_IPARAM: case EX_IINTER:
    case EX_KERNEL: case EX_TPRIME:
        return true;
    default:
        return false;
    }
}

static const char *binop_text(enum expr_kind k)
{
    switch (k) {
    case EX_ADD: return " + ";
    case EX_SUB: return " - ";
    case EX_MUL: return " * ";
    case EX_DIV: return " / ";
    case EX_LT: return " < ";
    case EX_LE: return " <= ";
    case EX_GT: return " > ";
    case EX_GE: return " >= ";
    case EX_EQ: return " == ";
    case EX_NE: return " != ";
    default: return NULL;
    }
}

/* Symbols come from our own table, but the text must stay sound even if
   someone adds a bad entry: a C identifier in the os_ namespace only. */
static bool symbol_ok(const char *s)
{
    if (!s || strncmp(s, "os_", 3) != 0)
        return false;
    for (const char *c = s; *c; c++) {
        unsigned char u = (unsigned char)*c;
        if (!((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
              (u >= '0' && u <= '9') || u == '_'))
            return false;
    }
    return true;
}

static int emit(struct cg *g, const struct expr *e, int depth);
static int emit_hoisted(struct cg *g, const struct expr *e, int depth);

static int emit_args(struct cg *g, const struct expr *e, int depth)
{
    for (int i = 0; i < e->nargs; i++) {
        if (i > 0)
            sb_puts(g->out, ", ");
        int rc = emit(g, e->args[i], depth + 1);
        if (rc)
            return rc;
    }
    return 0;
}

bool codegen_pow_plan(const struct expr *exponent, struct codegen_pow *plan)
{
    const struct expr *k = exponent;
    bool neg = false;
    if (k && k->kind == EX_NEG && k->nargs == 1 && k->args && k->args[0]) {
        k = k->args[0];
        neg = true;
    }
    if (!k || k->kind != EX_NUM)
        return false;
    double v = neg ? -k->num : k->num, a = fabs(v);
    if (a == 1.0 || a == 2.0 || a == 3.0 || a == 4.0)
        *plan = (struct codegen_pow){ (int)a, false, v < 0 };
    else if (a == 0.5 || a == 1.5)
        *plan = (struct codegen_pow){ (int)a, true, v < 0 };
    else
        return false;
    return true;
}

/* pat with each '@' the base: a itself, or the text `leaf` when given
   (a hoisted temporary), and each '$' the sqrt symbol. */
static int emit_pattern(struct cg *g, const char *pat, const struct expr *a,
                        const char *leaf, const char *root, int depth)
{
    for (const char *c = pat; *c; c++) {
        int rc;
        if (*c == '@' && leaf) {
            sb_puts(g->out, leaf);
        } else if (*c == '@') {
            if ((rc = emit(g, a, depth + 1)))
                return rc;
        } else if (*c == '$') {
            sb_puts(g->out, root);
        } else {
            sb_putn(g->out, c, 1);
        }
    }
    return 0;
}

/* A literal exponent follows codegen_pow_plan (interp.c does the same
   operations); any other calls the built-in pow. */
static int emit_pow(struct cg *g, const struct expr *e, int depth)
{
    const struct expr *a = e->args[0];
    struct codegen_pow pl;
    int rc;
    if (!g->m->pow_calls && codegen_pow_plan(e->args[1], &pl)) {
        const char *root = "";
        if (pl.root) {
            const struct builtin *sq = builtin_find("sqrt");
            if (!sq || sq->arity != 1 || !symbol_ok(sq->symbol))
                return ODE_EINVAL;
            g->used[builtin_index(sq)] = true;
            root = sq->symbol;
        }
        static const char *const shape[2][5] = {
            { "@", "@", "(@ * @)", "(@ * @ * @)", "((@ * @) * (@ * @))" },
            { "$(@)", "(@ * $(@))", NULL, NULL, NULL },
        };
        const char *pat = shape[pl.root][pl.n];
        if (!pat)
            return ODE_EINVAL;
        /* A base that is not a leaf and is used more than once becomes a
           temporary of the statement, computed once: tcc shares no
           subexpression and inlines no function. */
        struct sbuf leaf = { 0 };
        if (!is_leaf(a) && strchr(pat, '@') != strrchr(pat, '@')) {
            struct sbuf *saved = g->out;
            g->out = &leaf;
            rc = emit_hoisted(g, a, depth + 1);
            g->out = saved;
            if (!rc && leaf.oom)
                rc = ODE_ENOMEM;
            if (rc) {
                free(leaf.s);
                return rc;
            }
        }
        if (pl.recip)
            sb_puts(g->out, "(1.0 / ");
        rc = emit_pattern(g, pat, a, leaf.s, root, depth);
        free(leaf.s);
        if (rc)
            return rc;
        if (pl.recip)
            sb_puts(g->out, ")");
        return 0;
    }
    const struct builtin *pw = builtin_find("pow");
    if (!pw || pw->arity != 2 || !symbol_ok(pw->symbol))
        return ODE_EINVAL;
    g->used[builtin_index(pw)] = true;
    sb_puts(g->out, pw->symbol);
    sb_puts(g->out, "(");
    if ((rc = emit_args(g, e, depth)))
        return rc;
    sb_puts(g->out, ")");
    return 0;
}

/* e (not a leaf) is written as `double w<k> = e; ` into the statement's
   prefix and only w<k> into the expression.  Nested hoists finish first,
   so the prefix defines every w before its use. */
static int emit_hoisted(struct cg *g, const struct expr *e, int depth)
{
    struct sbuf *saved = g->out;
    int saved_base = g->base, level = g->level + 1;
    if (level >= CG_LEVELS)
        return ODE_EINVAL;
    struct sbuf *b = &g->levels[level];
    b->len = 0;
    g->out = b;
    g->level = level;
    g->base = depth;
    int rc = emit(g, e, depth);
    g->out = saved;
    g->level = level - 1;
    g->base = saved_base;
    if (rc)
        return rc;
    size_t id = g->nw++;
    sb_puts(&g->pre, "double w");
    sb_uint(&g->pre, id);
    sb_puts(&g->pre, " = ");
    if (b->len > 0)
        sb_putn(&g->pre, b->s, b->len);
    sb_puts(&g->pre, "; ");
    sb_puts(saved, "w");
    sb_uint(saved, id);
    return 0;
}

/* index + stride*j of an EX_J* node, for every j of the loop: its value
   at both ends lies in [0, limit + jlimit*j), so it does at every j in
   between (both sides are affine in j). */
static bool jindex_ok(const struct cg *g, const struct expr *e, size_t limit,
                      size_t jlimit)
{
    if (g->jcount == 0 || e->num != floor(e->num) || fabs(e->num) > 1e9)
        return false;
    double last = (double)(g->jcount - 1);
    double i0 = e->index, i1 = e->index + e->num * last;
    return i0 >= 0 && i1 >= 0 && i0 < (double)limit &&
           i1 < (double)limit + (double)jlimit * last;
}

/* `<index> + <stride> * j`, in long arithmetic. */
static void emit_jindex(struct sbuf *o, const struct expr *e)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%d + %ld * j", e->index, (long)e->num);
    sb_puts(o, buf);
}

/* index + stride*si of an EX_I* node lies in [0, limit) for every si of
   the sum (affine in si: both ends suffice). */
static bool sindex_ok(const struct cg *g, const struct expr *e, size_t limit)
{
    if (!g->in_sum || g->shi < g->slo || e->num != floor(e->num) ||
        fabs(e->num) > 1e9)
        return false;
    double i0 = e->index + e->num * (double)g->slo;
    double i1 = e->index + e->num * (double)g->shi;
    return i0 >= 0 && i1 >= 0 && i0 < (double)limit && i1 < (double)limit;
}

static int emit_sindex(struct sbuf *o, const char *array, const struct expr *e)
{
    char buf[96];
    snprintf(buf, sizeof buf, "%s[%d + %ld * si]", array, e->index, (long)e->num);
    sb_puts(o, buf);
    return 0;
}

/* sum(lo,hi)of(a) as a loop in the statement's prefix: `double w<k> =
   0.0; for (long si = lo; si <= hi; si++) { a's own temporaries;
   w<k> = w<k> + a; }`, and w<k> in the expression.  interp.c adds in
   the same order. */
static int emit_sum(struct cg *g, const struct expr *e, int depth)
{
    if (g->in_sum || !expr_arity_ok(e, 1) || e->num != floor(e->num) ||
        fabs(e->num) > 1e9 || abs(e->index) > 1000000000)
        return ODE_EINVAL;
    struct sbuf body = { 0 }, outer = g->pre;
    struct sbuf *saved = g->out;
    int saved_base = g->base;
    g->pre = (struct sbuf){ 0 };
    g->out = &body;
    g->base = depth;
    g->in_sum = true;
    g->slo = e->index;
    g->shi = (long)e->num;
    int rc = emit(g, e->args[0], depth + 1);
    g->in_sum = false;
    g->out = saved;
    g->base = saved_base;
    struct sbuf inner = g->pre;
    g->pre = outer;
    if (!rc && (body.oom || inner.oom))
        rc = ODE_ENOMEM;
    if (!rc) {
        char buf[96];
        size_t id = g->nw++;
        snprintf(buf, sizeof buf, "double w%zu = 0.0; for (long si = %d; "
                 "si <= %ld; si++) { ", id, e->index, (long)e->num);
        sb_puts(&g->pre, buf);
        if (inner.len)
            sb_putn(&g->pre, inner.s, inner.len);
        snprintf(buf, sizeof buf, "w%zu = w%zu + ", id, id);
        sb_puts(&g->pre, buf);
        sb_putn(&g->pre, body.s ? body.s : "0.0", body.s ? body.len : 3);
        sb_puts(&g->pre, "; } ");
        sb_puts(g->out, "w");
        sb_uint(g->out, id);
    }
    free(inner.s);
    free(body.s);
    return rc;
}

static int emit(struct cg *g, const struct expr *e, int depth)
{
    struct sbuf *o = g->out;
    const struct model *m = g->m;
    int rc;

    if (!e || depth > CODEGEN_MAX_DEPTH)
        return ODE_EINVAL;
    if (depth - g->base >= CG_HOIST_DEPTH && !is_leaf(e))
        return emit_hoisted(g, e, depth);
    switch (e->kind) {
    case EX_NUM:
        sb_num(o, e->num);
        return 0;
    case EX_TIME:
        sb_puts(o, "t");
        return 0;
    case EX_STATE:
        if (g->scope != SC_EQ || e->index < 0 || (size_t)e->index >= m->n_states)
            return ODE_EINVAL;
        sb_puts(o, "y[");
        sb_uint(o, (size_t)e->index);
        sb_puts(o, "]");
        return 0;
    case EX_PARAM:
        if (e->index < 0 || (size_t)e->index >= g->param_limit)
            return ODE_EINVAL;
        if (g->param_used) {
            g->param_used[e->index] = true;
            sb_puts(o, "q");
            sb_uint(o, (size_t)e->index);
            return 0;
        }
        sb_puts(o, "p[");
        sb_uint(o, (size_t)e->index);
        sb_puts(o, "]");
        return 0;
    case EX_INTER:
        if (g->scope != SC_EQ || e->index < 0 || (size_t)e->index >= g->inter_limit)
            return ODE_EINVAL;
        sb_puts(o, "v[");
        sb_uint(o, (size_t)e->index);
        sb_puts(o, "]");
        return 0;
    case EX_ARG:
        if (g->scope != SC_FUNC || e->index < 0 || e->index >= g->nargs)
            return ODE_EINVAL;
        sb_puts(o, "a");
        sb_uint(o, (size_t)e->index);
        return 0;
    case EX_JNUM:
        /* An exact integer, so the same double as the element's number. */
        if (g->jcount == 0 || e->num != floor(e->num) || fabs(e->num) > 1e9)
            return ODE_EINVAL;
        sb_puts(o, "((double)(");
        emit_jindex(o, e);
        sb_puts(o, "))");
        return 0;
    case EX_JSTATE:
        if (g->scope != SC_EQ || !jindex_ok(g, e, m->n_states, 0))
            return ODE_EINVAL;
        sb_puts(o, "y[");
        emit_jindex(o, e);
        sb_puts(o, "]");
        return 0;
    case EX_JPARAM:
        if (!jindex_ok(g, e, g->param_limit, 0))
            return ODE_EINVAL;
        sb_puts(o, "p[");
        emit_jindex(o, e);
        sb_puts(o, "]");
        return 0;
    case EX_JINTER:
        if (g->scope != SC_EQ || !jindex_ok(g, e, g->inter_limit, g->jinter))
            return ODE_EINVAL;
        sb_puts(o, "v[");
        emit_jindex(o, e);
        sb_puts(o, "]");
        return 0;
    case EX_KERNEL: case EX_TPRIME: {
        /* The Volterra slots after the derived parameters. */
        size_t at = m->n_params + m->n_derived +
                    (e->kind == EX_KERNEL ? (size_t)e->index : m->n_kernels);
        if (g->scope != SC_EQ || e->index < 0 ||
            (e->kind == EX_KERNEL && (size_t)e->index >= m->n_kernels))
            return ODE_EINVAL;
        sb_puts(o, "p[");
        sb_uint(o, at);
        sb_puts(o, "]");
        return 0;
    }
    case EX_SUM:
        return emit_sum(g, e, depth);
    case EX_SUMI:
        if (!g->in_sum)
            return ODE_EINVAL;
        sb_puts(o, "((double)si)");
        return 0;
    case EX_ISTATE:
        if (g->scope != SC_EQ || !sindex_ok(g, e, m->n_states))
            return ODE_EINVAL;
        return emit_sindex(o, "y", e);
    case EX_IPARAM:
        /* Read from p even where the parameters used are copied into
           locals q<k>: p is in scope in every function. */
        if (!sindex_ok(g, e, g->param_limit))
            return ODE_EINVAL;
        return emit_sindex(o, "p", e);
    case EX_IINTER:
        if (g->scope != SC_EQ || !sindex_ok(g, e, g->inter_limit))
            return ODE_EINVAL;
        return emit_sindex(o, "v", e);
    case EX_NEG:
        if (!expr_arity_ok(e, 1))
            return ODE_EINVAL;
        sb_puts(o, "(-");
        if ((rc = emit(g, e->args[0], depth + 1)))
            return rc;
        sb_puts(o, ")");
        return 0;
    case EX_NOT:
        if (!expr_arity_ok(e, 1))
            return ODE_EINVAL;
        sb_puts(o, "(");
        if ((rc = emit(g, e->args[0], depth + 1)))
            return rc;
        sb_puts(o, " == 0.0 ? 1.0 : 0.0)");
        return 0;
    case EX_ADD: case EX_SUB: case EX_MUL: case EX_DIV:
    case EX_LT: case EX_LE: case EX_GT: case EX_GE: case EX_EQ: case EX_NE:
        if (!expr_arity_ok(e, 2))
            return ODE_EINVAL;
        sb_puts(o, "(");
        if ((rc = emit(g, e->args[0], depth + 1)))
            return rc;
        sb_puts(o, binop_text(e->kind));
        if ((rc = emit(g, e->args[1], depth + 1)))
            return rc;
        sb_puts(o, e->kind == EX_ADD || e->kind == EX_SUB || e->kind == EX_MUL ||
                   e->kind == EX_DIV ? ")" : " ? 1.0 : 0.0)");
        return 0;
    case EX_POW:
        if (!expr_arity_ok(e, 2))
            return ODE_EINVAL;
        return emit_pow(g, e, depth);
    case EX_AND: case EX_OR:
        /* & and | on the two truth values: both operands are evaluated,
           as the language says, and no branch is taken. */
        if (!expr_arity_ok(e, 2))
            return ODE_EINVAL;
        sb_puts(o, "((");
        if ((rc = emit(g, e->args[0], depth + 1)))
            return rc;
        sb_puts(o, e->kind == EX_AND ? " != 0.0) & (" : " != 0.0) | (");
        if ((rc = emit(g, e->args[1], depth + 1)))
            return rc;
        sb_puts(o, " != 0.0) ? 1.0 : 0.0)");
        return 0;
    case EX_IF:
        if (!expr_arity_ok(e, 3))
            return ODE_EINVAL;
        sb_puts(o, "(");
        if ((rc = emit(g, e->args[0], depth + 1)))
            return rc;
        sb_puts(o, " != 0.0 ? ");
        if ((rc = emit(g, e->args[1], depth + 1)))
            return rc;
        sb_puts(o, " : ");
        if ((rc = emit(g, e->args[2], depth + 1)))
            return rc;
        sb_puts(o, ")");
        return 0;
    case EX_CALL: {
        const struct builtin *b = builtin_at(e->index);
        if (!b || !expr_arity_ok(e, b->arity) || !symbol_ok(b->symbol))
            return ODE_EINVAL;
        g->used[e->index] = true;
        sb_puts(o, b->symbol);
        sb_puts(o, "(");
        if ((rc = emit_args(g, e, depth)))
            return rc;
        sb_puts(o, ")");
        return 0;
    }
    case EX_UCALL:
        if (e->index < 0 || (size_t)e->index >= g->func_limit ||
            !expr_arity_ok(e, m->funcs[e->index].nargs))
            return ODE_EINVAL;
        sb_puts(o, "cg_u");
        sb_uint(o, (size_t)e->index);
        sb_puts(o, "(t, p");
        if (e->nargs > 0)
            sb_puts(o, ", ");
        if ((rc = emit_args(g, e, depth)))
            return rc;
        sb_puts(o, ")");
        return 0;
    }
    return ODE_EINVAL;
}

static void emit_line(struct cg *g, int line)
{
    if (line <= 0)
        return;
    sb_puts(g->text, "#line ");
    sb_uint(g->text, (size_t)line);
    sb_puts(g->text, " \"");
    sb_puts(g->text, g->fname);
    sb_puts(g->text, "\"\n");
}

/* Hoisted temporaries, then `<lhs>[<i>] = <expr>;` (`return <expr>;` when
   lhs is NULL), on the current line. */
static int emit_assign(struct cg *g, const char *lhs, size_t i, const struct expr *e)
{
    struct sbuf *t = g->text, *st = &g->levels[0];
    g->pre.len = 0;
    st->len = 0;
    g->out = st;
    g->level = 0;
    g->base = 0;
    int rc = emit(g, e, 0);
    if (rc)
        return rc;
    if (g->pre.len > 0)
        sb_putn(t, g->pre.s, g->pre.len);
    if (lhs) {
        sb_puts(t, lhs);
        sb_puts(t, "[");
        sb_uint(t, i);
        sb_puts(t, "] = ");
    } else {
        sb_puts(t, "return ");
    }
    if (st->len > 0)
        sb_putn(t, st->s, st->len);
    sb_puts(t, ";");
    return 0;
}

/* One equation on one line after its #line, with the name as a comment. */
static int emit_stmt(struct cg *g, const char *lhs, size_t i, const struct expr *e,
                     int line, const char *name)
{
    emit_line(g, line);
    sb_puts(g->text, "    ");
    int rc = emit_assign(g, lhs, i, e);
    if (rc)
        return rc;
    sb_name_comment(g->text, name);
    sb_puts(g->text, "\n");
    return 0;
}

/* A family as one loop: `for (long j = 0; j < count; j++) { hoisted
   temporaries; <lhs>[first + j] = <body>; }`. */
static int emit_loop(struct cg *g, const char *lhs, const struct model_family *f,
                     int line, const char *name)
{
    struct sbuf *t = g->text, *st = &g->levels[0];
    g->pre.len = 0;
    st->len = 0;
    g->out = st;
    g->level = 0;
    g->base = 0;
    g->jcount = f->count;
    int rc = emit(g, f->body, 0);
    g->jcount = 0;
    if (rc)
        return rc;
    emit_line(g, line);
    sb_puts(t, "    for (long j = 0; j < ");
    sb_uint(t, f->count);
    sb_puts(t, "; j++) {");
    sb_name_comment(t, name);
    sb_puts(t, "\n        ");
    if (g->pre.len > 0)
        sb_putn(t, g->pre.s, g->pre.len);
    sb_puts(t, lhs);
    sb_puts(t, "[");
    sb_uint(t, f->first);
    sb_puts(t, " + j] = ");
    if (st->len > 0)
        sb_putn(t, st->s, st->len);
    sb_puts(t, ";\n    }\n");
    return 0;
}

/* The family of `kind` that starts at element i, or NULL.  The families
   of one kind are contiguous and ordered by `first` (model.h), and i only
   grows between calls with the same cursor *cur, so a model's families
   are looked at once in all. */
static const struct model_family *family_at(const struct model *m,
                                            enum model_family_kind kind, size_t i,
                                            size_t *cur)
{
    while (*cur < m->n_families &&
           (m->families[*cur].kind != kind || m->families[*cur].first < i))
        (*cur)++;
    if (*cur < m->n_families && m->families[*cur].kind == kind &&
        m->families[*cur].first == i)
        return &m->families[*cur];
    return NULL;
}

static void build_line_table(struct cg *g)
{
    const struct model *m = g->m;
    if (!m->src)
        return;
    size_t n = 1;
    for (size_t i = 0; i < m->src_len; i++)
        n += m->src[i] == '\n';
    g->line_starts = malloc(n * sizeof *g->line_starts);
    if (!g->line_starts)
        return;   /* lines are a nicety: without the table they are 0 */
    g->line_starts[0] = 0;
    g->n_lines = 1;
    for (size_t i = 0; i < m->src_len; i++)
        if (m->src[i] == '\n')
            g->line_starts[g->n_lines++] = (unsigned)(i + 1);
}

static int line_of(const struct cg *g, unsigned at)
{
    if (!g->line_starts || at > g->m->src_len)
        return 0;
    size_t lo = 0, hi = g->n_lines;   /* count of starts <= at */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->line_starts[mid] <= at)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (int)lo;
}

/* The basename of the model's file, reduced to [A-Za-z0-9_.-], so that it
   can sit between quotes in #line (and in a comment) whatever its bytes. */
static void set_fname(struct cg *g)
{
    const char *file = g->m->file ? g->m->file : "";
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    size_t n = 0;
    for (const char *c = base; *c && n < sizeof g->fname - 1; c++) {
        unsigned char u = (unsigned char)*c;
        bool ok = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
                  (u >= '0' && u <= '9') || u == '_' || u == '.' || u == '-';
        g->fname[n++] = ok ? (char)u : '_';
    }
    if (n == 0) {
        strcpy(g->fname, "model");
        return;
    }
    g->fname[n] = '\0';
}

static int emit_funcs(struct cg *g)
{
    const struct model *m = g->m;
    struct sbuf *o = g->text;
    int rc;
    for (size_t k = 0; k < m->n_funcs; k++) {
        const struct model_func *f = &m->funcs[k];
        if (f->nargs < 0 || f->nargs > 9)
            return ODE_EINVAL;
        g->scope = SC_FUNC;
        g->nargs = f->nargs;
        g->func_limit = k;
        g->param_limit = m->n_params + m->n_derived;
        sb_puts(o, "\nstatic double cg_u");
        sb_uint(o, k);
        sb_puts(o, "(double t, const double *p");
        for (int i = 0; i < f->nargs; i++) {
            sb_puts(o, ", double a");
            sb_uint(o, (size_t)i);
        }
        sb_puts(o, ")");
        sb_name_comment(o, f->name);
        sb_puts(o, "\n{\n    (void)t;\n    (void)p;\n");
        if ((rc = emit_stmt(g, NULL, 0, f->body, line_of(g, f->span.begin), NULL)))
            return rc;
        sb_puts(o, "}\n");
    }
    return 0;
}

static int emit_derive(struct cg *g)
{
    const struct model *m = g->m;
    struct sbuf *o = g->text;
    int rc;
    if (m->n_derived == 0)
        return 0;
    g->scope = SC_DERIVED;
    g->func_limit = m->n_funcs;
    /* t has no value before a solve; a user function reached from a
       derived parameter sees 0, and the interpreter does the same. */
    sb_puts(o, "\nint " CODEGEN_DERIVE "(void *ctx, double *p)\n{\n"
               "    const double t = 0.0;\n    (void)ctx;\n    (void)t;\n");
    for (size_t i = 0; i < m->n_derived; i++) {
        g->param_limit = m->n_params + i;
        if ((rc = emit_stmt(g, "p", m->n_params + i, m->derived[i].value,
                            line_of(g, m->derived[i].span.begin),
                            m->derived[i].name)))
            return rc;
    }
    sb_puts(o, "    return 0;\n}\n");
    return 0;
}

/* A stretch of statements of cg_rhs or cg_aux as its own function
   <fn>_c<k>, which the entry point calls in order. */
static void emit_chunk(struct sbuf *o, const char *fn, const char *outname, size_t k,
                       const struct sbuf *body)
{
    sb_puts(o, "\n__attribute__((noinline)) static void ");
    sb_puts(o, fn);
    sb_puts(o, "_c");
    sb_uint(o, k);
    sb_puts(o, "(double t, const double *y, const double *p, double *v, double *");
    sb_puts(o, outname);
    sb_puts(o, ")\n{\n    (void)t;\n    (void)y;\n    (void)p;\n    (void)v;\n");
    if (body->len > 0)
        sb_putn(o, body->s, body->len);
    sb_puts(o, "}\n");
}

/* The entry point <fn> of an equation function: the intermediates array
   v[nv], the parameter locals, then the body or the calls of its chunks. */
static void emit_entry(struct cg *g, const char *fn, const char *outname, size_t nv,
                       size_t nchunks, const struct sbuf *body)
{
    struct sbuf *o = g->text;
    sb_puts(o, "\nint ");
    sb_puts(o, fn);
    sb_puts(o, "(void *ctx, double t, const double *y, const double *p, double *");
    sb_puts(o, outname);
    sb_puts(o, ")\n{\n");
    if (nv > 0) {
        sb_puts(o, nv > CG_MAX_STACK_INTERS ? "    static double v[" : "    double v[");
        sb_uint(o, nv);
        sb_puts(o, "];\n");
    }
    sb_puts(o, "    (void)ctx;\n    (void)t;\n    (void)y;\n    (void)p;\n");
    for (size_t k = 0; g->param_used && k < g->param_limit; k++)
        if (g->param_used[k]) {
            sb_puts(o, "    const double q");
            sb_uint(o, k);
            sb_puts(o, " = p[");
            sb_uint(o, k);
            sb_puts(o, "];\n");
        }
    if (body->len > 0)
        sb_putn(o, body->s, body->len);
    for (size_t k = 0; k < nchunks; k++) {
        sb_puts(o, "    ");
        sb_puts(o, fn);
        sb_puts(o, "_c");
        sb_uint(o, k);
        sb_puts(o, nv > 0 ? "(t, y, p, v, " : "(t, y, p, 0, ");
        sb_puts(o, outname);
        sb_puts(o, ");\n");
    }
    sb_puts(o, "    return 0;\n}\n");
}

/* The body shared by cg_rhs and cg_aux: every intermediate in order, then
   one statement per output.  For the system compiler (CODEGEN_LINK_POINTERS)
   a long body is cut into functions of about CG_CHUNK_BYTES of text: gcc's
   time on one function grows faster than its length (alias walks over all
   earlier stores), and the cut halves its time on thousands of
   equations. */
enum eq_kind { EQ_AUX, EQ_RHS, EQ_EVENTS, EQ_TSWITCH, EQ_KINT, EQ_KLAG };

/* The lag of a kernel that is not a convolution. */
static const struct expr cg_one = { .kind = EX_NUM, .num = 1.0 };

/* Output k of an equation function: its expression, line and name. */
static const struct expr *eq_out(const struct model *m, enum eq_kind kind, size_t k,
                                 int *line, const char **name)
{
    switch (kind) {
    case EQ_RHS:
        *line = m->states[k].line;
        *name = m->states[k].name;
        return m->states[k].rhs;
    case EQ_AUX:
        *line = m->aux[k].line;
        *name = m->aux[k].name;
        return m->aux[k].value;
    case EQ_EVENTS:
        *line = m->events[k].line;
        *name = "event";
        return m->events[k].cond;
    case EQ_TSWITCH:
        *line = 0;
        *name = "switch";
        return m->tswitch[k];
    case EQ_KINT: case EQ_KLAG:
        *line = 0;
        *name = "integral";
        return kind == EQ_KINT ? m->kernels[k].integrand
             : m->kernels[k].lag ? m->kernels[k].lag : &cg_one;
    }
    return NULL;
}

static int emit_eq_func(struct cg *g, const char *fn, const char *outname,
                        enum eq_kind kind)
{
    const struct model *m = g->m;
    struct sbuf *o = g->text, body = { 0 };
    size_t n = kind == EQ_RHS ? m->n_states : kind == EQ_AUX ? m->n_aux
             : kind == EQ_EVENTS ? m->n_events : kind == EQ_TSWITCH ? m->n_tswitch
             : m->n_kernels;
    size_t nchunks = 0;
    int rc = 0;
    g->scope = SC_EQ;
    g->func_limit = m->n_funcs;
    g->param_limit = m->n_params + m->n_derived;
    /* For tcc, the parameters a body uses are read once into locals q<k>:
       tcc keeps no pointer in a register, so p[k] costs two loads at every
       use (bruss1d's right-hand side: 8.3 -> 7.0 us).  Not for the system
       compiler, whose body is cut into functions (emit_chunk), nor for
       more parameters than CG_MAX_PARAM_LOCALS, which would make a large
       stack frame. */
    if (g->link == CODEGEN_LINK_SYMBOLS && g->param_limit <= CG_MAX_PARAM_LOCALS) {
        g->param_used = calloc(g->param_limit + 1, sizeof *g->param_used);
        if (!g->param_used)
            return ODE_ENOMEM;
    }
    g->text = &body;
    size_t cur_inter = 0, cur_out = 0;
    for (size_t i = 0; i < m->n_inters + n && rc == 0; i++) {
        const struct model_family *f;
        if (i < m->n_inters) {
            g->inter_limit = i;
            if ((f = family_at(m, FAM_INTER, i, &cur_inter)) && f->count <= m->n_inters - i) {
                g->jinter = 1;
                rc = emit_loop(g, "v", f, m->inters[i].line, m->inters[i].name);
                g->jinter = 0;
                i += f->count - 1;
            } else {
                rc = emit_stmt(g, "v", i, m->inters[i].value, m->inters[i].line,
                               m->inters[i].name);
            }
        } else {
            size_t k = i - m->n_inters;
            g->inter_limit = m->n_inters;
            int line;
            const char *name;
            const struct expr *e = eq_out(m, kind, k, &line, &name);
            if ((kind == EQ_RHS || kind == EQ_AUX) &&
                (f = family_at(m, kind == EQ_RHS ? FAM_STATE : FAM_AUX, k, &cur_out)) &&
                f->count <= n - k) {
                rc = emit_loop(g, outname, f, line, name);
                i += f->count - 1;
            } else {
                rc = emit_stmt(g, outname, k, e, line, name);
            }
        }
        if (rc == 0 && g->link == CODEGEN_LINK_POINTERS && body.len >= CG_CHUNK_BYTES) {
            emit_chunk(o, fn, outname, nchunks++, &body);
            body.len = 0;
        }
    }
    g->text = o;
    if (rc)
        goto done;
    if (nchunks > 0 && body.len > 0) {
        emit_chunk(o, fn, outname, nchunks++, &body);
        body.len = 0;
    }
    emit_entry(g, fn, outname, m->n_inters, nchunks, &body);
done:
    if (body.oom)
        o->oom = true;
    free(body.s);
    free(g->param_used);
    g->param_used = NULL;
    return rc;
}

/* cg_events (the conditions, as an equation function) and cg_reset:
   the intermediates from the state before the event, then event k's
   assignments in order, each a store into y that the later ones read. */
static int emit_events(struct cg *g)
{
    const struct model *m = g->m;
    struct sbuf *o = g->text;
    int rc = emit_eq_func(g, CODEGEN_EVENTS, "g", EQ_EVENTS);
    if (rc)
        return rc;
    g->scope = SC_EQ;
    g->func_limit = m->n_funcs;
    g->param_limit = m->n_params + m->n_derived;
    sb_puts(o, "\nint " CODEGEN_RESET "(void *ctx, unsigned long k, double t, double *y, "
               "const double *p)\n{\n");
    if (m->n_inters > 0) {
        sb_puts(o, m->n_inters > CG_MAX_STACK_INTERS ? "    static double v[" : "    double v[");
        sb_uint(o, m->n_inters);
        sb_puts(o, "];\n");
    }
    sb_puts(o, "    (void)ctx;\n    (void)t;\n    (void)y;\n    (void)p;\n");
    for (size_t i = 0; i < m->n_inters; i++) {
        g->inter_limit = i;
        if ((rc = emit_stmt(g, "v", i, m->inters[i].value, m->inters[i].line,
                            m->inters[i].name)))
            return rc;
    }
    g->inter_limit = m->n_inters;
    for (size_t k = 0; k < m->n_events; k++) {
        const struct model_event *ev = &m->events[k];
        sb_puts(o, k == 0 ? "    if (k == " : "    else if (k == ");
        sb_uint(o, k);
        sb_puts(o, "ul) {\n");
        for (size_t j = 0; j < ev->n_assign; j++) {
            int st = ev->assign[j].state;
            if (st < 0 || (size_t)st >= m->n_states)
                return ODE_EINVAL;
            if ((rc = emit_stmt(g, "y", (size_t)st, ev->assign[j].value, ev->line,
                                m->states[st].name)))
                return rc;
        }
        sb_puts(o, "    }\n");
    }
    sb_puts(o, "    return 0;\n}\n");
    return 0;
}

/* A derivative matrix of lang/diff.c as <fn>(ctx, t, y, p, val): the
   model intermediates its values read, its extra intermediates, then
   val[k] for each structural nonzero, equation by equation (J->order),
   those of one equation on its line.  Otherwise as
   emit_eq_func (parameter locals for tcc, chunks for the system
   compiler), so every backend runs the same operations. */
/* Rows of a derivative matrix as one loop: per row, each value of it
   `val[k0 + kstride*j] = body;` (lang/family.c). */
static int emit_jac_loop(struct cg *g, const struct model_jac *J,
                         const struct model_jac_loop *L, int line, const char *name)
{
    struct sbuf *t = g->text, *st = &g->levels[0];
    char buf[96];
    if (L->nrows < 2 || L->per == 0 || L->at + L->per * L->nrows > J->nnz)
        return ODE_EINVAL;
    emit_line(g, line);
    sb_puts(t, "    for (long j = 0; j < ");
    sb_uint(t, L->nrows);
    sb_puts(t, "; j++) {");
    sb_name_comment(t, name);
    sb_puts(t, "\n");
    for (size_t q = 0; q < L->per; q++) {
        double last = (double)L->k0[q] + (double)L->kstride[q] * (double)(L->nrows - 1);
        if (last < 0 || last >= (double)J->nnz)
            return ODE_EINVAL;
        g->pre.len = 0;
        st->len = 0;
        g->out = st;
        g->level = 0;
        g->base = 0;
        g->jcount = L->nrows;
        int rc = emit(g, L->body[q], 0);
        g->jcount = 0;
        if (rc)
            return rc;
        sb_puts(t, "        ");
        if (g->pre.len > 0)
            sb_putn(t, g->pre.s, g->pre.len);
        snprintf(buf, sizeof buf, "val[%zu + %ld * j] = ", L->k0[q], L->kstride[q]);
        sb_puts(t, buf);
        if (st->len > 0)
            sb_putn(t, st->s, st->len);
        sb_puts(t, ";\n");
    }
    sb_puts(t, "    }\n");
    return 0;
}

static int emit_jac_func(struct cg *g, const char *fn, const struct model_jac *J,
                         bool jacp)
{
    const struct model *m = g->m;
    struct sbuf *o = g->text, body = { 0 };
    size_t ni = m->n_inters, nv = ni + J->n_extra, nchunks = 0;
    int rc = 0;
    g->scope = SC_EQ;
    g->func_limit = m->n_funcs;
    g->param_limit = m->n_params + m->n_derived;
    if (J->ncols != (jacp ? m->n_params : m->n_states) || !J->need_inter || !J->order)
        return ODE_EINVAL;
    if (g->link == CODEGEN_LINK_SYMBOLS && g->param_limit <= CG_MAX_PARAM_LOCALS) {
        g->param_used = calloc(g->param_limit + 1, sizeof *g->param_used);
        if (!g->param_used)
            return ODE_ENOMEM;
    }
    g->text = &body;
    /* The values of one equation share its line, in row order. */
    size_t li = 0;
    for (size_t i = 0, at = 0; (i < nv || at < J->nnz) && rc == 0; i++) {
        if (i < ni) {
            if (!J->need_inter[i])
                continue;
            g->inter_limit = i;
            rc = emit_stmt(g, "v", i, m->inters[i].value, m->inters[i].line,
                           m->inters[i].name);
        } else if (i < nv) {
            g->inter_limit = i;
            rc = emit_stmt(g, "v", i, J->extra[i - ni].value, J->extra[i - ni].line,
                           J->extra[i - ni].name);
        } else {
            size_t row = J->rowind[J->order[at]];
            if (row >= m->n_states)
                rc = ODE_EINVAL;
            if (rc)
                break;
            g->inter_limit = nv;
            while (li < J->n_loops && J->loops[li].at < at)
                li++;
            if (li < J->n_loops && J->loops[li].at == at) {
                const struct model_jac_loop *L = &J->loops[li];
                rc = emit_jac_loop(g, J, L, m->states[row].line, m->states[row].name);
                at += L->per * L->nrows;
                continue;
            }
            emit_line(g, m->states[row].line);
            sb_puts(g->text, "   ");
            for (; at < J->nnz && J->rowind[J->order[at]] == row && rc == 0; at++) {
                sb_puts(g->text, " ");
                rc = emit_assign(g, "val", J->order[at], J->val[J->order[at]]);
            }
            sb_name_comment(g->text, m->states[row].name);
            sb_puts(g->text, "\n");
        }
        if (rc == 0 && g->link == CODEGEN_LINK_POINTERS && body.len >= CG_CHUNK_BYTES) {
            emit_chunk(o, fn, "val", nchunks++, &body);
            body.len = 0;
        }
    }
    g->text = o;
    if (rc)
        goto done;
    if (nchunks > 0 && body.len > 0) {
        emit_chunk(o, fn, "val", nchunks++, &body);
        body.len = 0;
    }
    emit_entry(g, fn, "val", nv, nchunks, &body);
done:
    if (body.oom)
        o->oom = true;
    free(body.s);
    free(g->param_used);
    g->param_used = NULL;
    return rc;
}

/* Declarations go first but are known last, so they are written to their
   own buffer and the body is appended. */
static int emit_head(struct cg *g, struct sbuf *h)
{
    const struct model *m = g->m;
    sb_puts(h, "/* Generated by odesolve from ");
    sb_puts(h, g->fname);
    sb_puts(h, ": ");
    sb_uint(h, m->n_states);
    sb_puts(h, " states, ");
    sb_uint(h, m->n_params);
    sb_puts(h, " parameters, ");
    sb_uint(h, m->n_derived);
    sb_puts(h, " derived, ");
    sb_uint(h, m->n_inters);
    sb_puts(h, " intermediates, ");
    sb_uint(h, m->n_aux);
    sb_puts(h, " aux, ");
    sb_uint(h, m->n_funcs);
    sb_puts(h, " functions.\n   Self-contained: no headers; the os_ functions are"
               " odesolve's built-ins. */\n");
    for (int i = 0; i < builtin_count(); i++) {
        if (!g->used[i])
            continue;
        const struct builtin *b = builtin_at(i);
        const char *args = b->arity == 1 ? "(double)" : "(double, double)";
        if (g->link == CODEGEN_LINK_SYMBOLS) {
            sb_puts(h, "double ");
            sb_puts(h, b->symbol);
            sb_puts(h, args);
            sb_puts(h, ";\n");
            continue;
        }
        if (b->inline_c) {
            sb_puts(h, "static double ");
            sb_puts(h, b->symbol);
            sb_puts(h, "(double a) { return ");
            sb_puts(h, b->inline_c);
            sb_puts(h, "; }\n");
            continue;
        }
        /* The pointer is static, so nothing but cg_bind sets it and the
           object exports no name for the loader to bind.  Calls go to a
           stub that jumps through it: one indirect jump, always to the
           same place, instead of an indirect call at every call site,
           which a model with thousands of sites would mispredict. */
        sb_puts(h, "static double (*cg_p_");
        sb_puts(h, b->symbol + 3);
        sb_puts(h, ")");
        sb_puts(h, args);
        sb_puts(h, ";\n__attribute__((noinline)) static double ");
        sb_puts(h, b->symbol);
        sb_puts(h, b->arity == 1 ? "(double a) { return cg_p_"
                                 : "(double a, double b) { return cg_p_");
        sb_puts(h, b->symbol + 3);
        sb_puts(h, b->arity == 1 ? "(a); }\n" : "(a, b); }\n");
    }
    if (g->link == CODEGEN_LINK_POINTERS) {
        sb_puts(h, "void " CODEGEN_BIND "(double (*const *f1)(double), "
                   "double (*const *f2)(double, double))\n{\n"
                   "    (void)f1;\n    (void)f2;\n");
        for (int i = 0; i < builtin_count(); i++) {
            if (!g->used[i] || builtin_at(i)->inline_c)
                continue;
            const struct builtin *b = builtin_at(i);
            sb_puts(h, "    cg_p_");
            sb_puts(h, b->symbol + 3);
            sb_puts(h, b->arity == 1 ? " = f1[" : " = f2[");
            sb_uint(h, (size_t)i);
            sb_puts(h, "];\n");
        }
        sb_puts(h, "}\n");
    }
    return 0;
}

int codegen_c_link(const struct model *m, enum codegen_link link, char **text,
                   bool *used)
{
    struct sbuf body = { 0 }, head = { 0 };
    struct cg g = { .m = m, .text = &body, .link = link };
    int nb = builtin_count();
    int rc = ODE_ENOMEM;

    *text = NULL;
    if (link != CODEGEN_LINK_SYMBOLS && link != CODEGEN_LINK_POINTERS)
        return ODE_EINVAL;
    g.used = calloc((size_t)nb + 1, sizeof *g.used);
    if (!g.used)
        goto fail;
    set_fname(&g);
    if (m->n_derived > 0 || m->n_funcs > 0)
        build_line_table(&g);
    if (m->n_states > 0 && !m->states)
        rc = ODE_EINVAL;
    else if ((rc = emit_funcs(&g)) == 0 && (rc = emit_derive(&g)) == 0 &&
             (rc = emit_eq_func(&g, CODEGEN_RHS, "dydt", EQ_RHS)) == 0 &&
             (m->n_aux == 0 || (rc = emit_eq_func(&g, CODEGEN_AUX, "out", EQ_AUX)) == 0) &&
             (m->n_events == 0 || (rc = emit_events(&g)) == 0) &&
             (m->n_tswitch == 0 ||
              (rc = emit_eq_func(&g, CODEGEN_TSWITCH, "g", EQ_TSWITCH)) == 0) &&
             (m->n_kernels == 0 ||
              ((rc = emit_eq_func(&g, CODEGEN_KINT, "out", EQ_KINT)) == 0 &&
               (rc = emit_eq_func(&g, CODEGEN_KLAG, "out", EQ_KLAG)) == 0)) &&
             (!codegen_has_jac(m) || (rc = emit_jac_func(&g, CODEGEN_JAC, m->jac, false)) == 0) &&
             codegen_has_jacp(m))
        rc = emit_jac_func(&g, CODEGEN_JACP, m->jacp, true);
    if (rc)
        goto fail;
    emit_head(&g, &head);
    sb_putn(&head, body.s, body.len);
    rc = ODE_ENOMEM;
    if (head.oom || body.oom || g.pre.oom)
        goto fail;
    for (int i = 0; i < CG_LEVELS; i++)
        if (g.levels[i].oom)
            goto fail;
    if (used)
        memcpy(used, g.used, (size_t)nb * sizeof *used);
    *text = head.s;
    head.s = NULL;
    rc = 0;
fail:
    for (int i = 0; i < CG_LEVELS; i++)
        free(g.levels[i].s);
    free(g.pre.s);
    free(head.s);
    free(body.s);
    free(g.line_starts);
    free(g.used);
    return rc;
}

bool codegen_reentrant(const struct model *m)
{
    size_t most = m->n_inters;
    if (codegen_has_jac(m) && m->n_inters + m->jac->n_extra > most)
        most = m->n_inters + m->jac->n_extra;
    if (codegen_has_jacp(m) && m->n_inters + m->jacp->n_extra > most)
        most = m->n_inters + m->jacp->n_extra;
    return most <= CG_MAX_STACK_INTERS;
}

bool codegen_volterra(const struct model *m)
{
    if (m->n_kernels > 0)
        return true;
    for (size_t i = 0; i < m->n_states; i++)
        if (m->states[i].integral)
            return true;
    return false;
}

bool codegen_has_jac(const struct model *m)
{
    return m->jac && m->jac->val;
}

bool codegen_has_jacp(const struct model *m)
{
    return m->jacp && m->jacp->val;
}

int codegen_c_used(const struct model *m, char **text, bool *used)
{
    return codegen_c_link(m, CODEGEN_LINK_SYMBOLS, text, used);
}

int codegen_c(const struct model *m, char **text)
{
    return codegen_c_used(m, text, NULL);
}

/* The pattern of J copied to *at (colptr, then rowind), or an unknown
   pattern without J. */
static struct ode_pattern copy_pattern(const struct model_jac *J, size_t **at)
{
    struct ode_pattern pat = { 0, NULL, NULL };
    if (!J || !J->colptr)
        return pat;
    size_t *c = *at, *r = c + J->ncols + 1;
    memcpy(c, J->colptr, (J->ncols + 1) * sizeof *c);
    if (J->nnz)
        memcpy(r, J->rowind, J->nnz * sizeof *r);
    *at = r + J->nnz;
    pat.nnz = J->nnz;
    pat.colptr = c;
    pat.rowind = r;
    return pat;
}

static size_t pattern_words(const struct model_jac *J)
{
    return J && J->colptr ? J->ncols + 1 + J->nnz : 0;
}

_Static_assert(_Alignof(const char *) <= sizeof(size_t) && _Alignof(int) <= sizeof(char *),
               "codegen_meta's block parts must stay aligned");

int codegen_meta(const struct model *m, struct ode_problem *prob, void **block)
{
    size_t nptr = m->n_states + m->n_aux;
    size_t nwords = pattern_words(m->jac) + pattern_words(m->jacp);
    size_t nints = m->n_states + 2 * m->n_events;
    bool volt = codegen_volterra(m);
    size_t nflags = volt ? m->n_states + m->n_kernels : 0;
    size_t nmu = volt ? m->n_kernels : 0;
    size_t bytes = nwords * sizeof(size_t) + nmu * sizeof(double) + nptr * sizeof(char *) +
                   nints * sizeof(int) + nflags;
    for (size_t i = 0; i < m->n_states; i++)
        bytes += strlen(m->states[i].name ? m->states[i].name : "") + 1;
    for (size_t i = 0; i < m->n_aux; i++)
        bytes += strlen(m->aux[i].name ? m->aux[i].name : "") + 1;

    /* Patterns first, then doubles, pointers, ints, flags and
       characters: each part is aligned. */
    char *blk = malloc(bytes ? bytes : 1);
    if (!blk)
        return ODE_ENOMEM;
    size_t *words = (size_t *)(void *)blk;
    double *mu = (double *)(void *)(blk + nwords * sizeof(size_t));
    const char **names = (const char **)(void *)(mu + nmu);
    int *lines = (int *)(void *)(names + nptr);
    unsigned char *flags = (unsigned char *)(lines + nints);
    char *chars = (char *)(flags + nflags);
    for (size_t i = 0; volt && i < m->n_states; i++)
        flags[i] = m->states[i].integral;
    for (size_t k = 0; k < nmu; k++) {
        mu[k] = m->kernels[k].mu;
        flags[m->n_states + k] = m->kernels[k].lag != NULL;
    }
    for (size_t i = 0; i < nptr; i++) {
        const char *s = i < m->n_states ? m->states[i].name : m->aux[i - m->n_states].name;
        size_t len = strlen(s ? s : "");
        memcpy(chars, s ? s : "", len + 1);
        names[i] = chars;
        chars += len + 1;
    }
    for (size_t i = 0; i < m->n_states; i++)
        lines[i] = m->states[i].line;
    for (size_t k = 0; k < m->n_events; k++) {
        lines[m->n_states + k] = m->events[k].dir;
        lines[m->n_states + m->n_events + k] = m->events[k].line;
    }

    prob->n_states = m->n_states;
    prob->n_params = m->n_params;
    prob->n_derived = m->n_derived;
    prob->n_aux = m->n_aux;
    prob->state_names = names;
    prob->aux_names = names + m->n_states;
    prob->state_lines = lines;
    prob->n_events = m->n_events;
    prob->event_dir = m->n_events ? lines + m->n_states : NULL;
    prob->event_lines = m->n_events ? lines + m->n_states + m->n_events : NULL;
    prob->n_tswitch = m->n_tswitch;
    prob->n_volterra = volt ? m->n_kernels + 1 : 0;
    prob->n_kernels = volt ? m->n_kernels : 0;
    prob->kernel_mu = nmu ? mu : NULL;
    prob->kernel_conv = nmu ? flags + m->n_states : NULL;
    prob->integral = volt ? flags : NULL;
    prob->jac_pattern = copy_pattern(m->jac, &words);
    prob->jacp_pattern = copy_pattern(m->jacp, &words);
    *block = blk;
    return 0;
}
