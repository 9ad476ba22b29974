/* interp.c - register bytecode for --no-jit.
 *
 * Every value lives in one register file r[]:
 *
 *   r[0]            t
 *   r[1 ..]         y (copied in at each call)
 *   then            p: parameters and derived parameters (copied in)
 *   then            intermediates v[], then the extra intermediates of
 *                   df/dy or df/dp (lang/diff.c; the larger count)
 *   then            constants (set once by interp_new)
 *   then            temporaries of rhs/aux/derive
 *   then            one frame per user function: arguments, temporaries
 *
 * An instruction reads registers and writes one.  Temporaries are handed
 * out like a stack while an expression is compiled, so an expression needs
 * as many as its depth.  User functions cannot recurse (a body calls only
 * earlier functions), so each has a fixed frame and the run-time call
 * stack is at most n_funcs deep.  The code is compiled twice: the first
 * pass only counts constants and temporaries so that the second knows
 * where every region starts.
 *
 * Every operation matches the C text of codegen.c: a power with a literal
 * exponent follows codegen_pow_plan (x^3 is (x*x)*x, x^-1.5 is
 * 1.0/(x*sqrt(x)), ...), other powers call the built-in pow, comparisons
 * give 1.0 or 0.0, `if` runs one branch,
 * `&` and `|` evaluate both sides. */
#include "interp.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "builtins.h"
#include "codegen.h"

enum op {
    OP_HALT,              /* return 0 */
    OP_MOV,               /* r[d] = r[a] */
    OP_NEG, OP_NOT,
    OP_SQ,                /* r[d] = r[a] * r[a] */
    OP_CUBE,              /* r[d] = r[a] * r[a] * r[a] */
    OP_POW4,              /* s = r[a] * r[a]; r[d] = s * s */
    OP_XSQRT,             /* r[d] = r[a] * f1[b](r[a]), b the built-in sqrt */
    OP_RECIP,             /* r[d] = 1.0 / r[a] */
    OP_ADD, OP_SUB, OP_MUL, OP_DIV,
    OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE, OP_AND, OP_OR,
    OP_CALL1,             /* r[d] = f1[b](r[a]) */
    OP_CALL2,             /* r[d] = f2[c](r[a], r[b]) */
    OP_JZ,                /* if r[a] == 0 goto b (NaN counts as true) */
    OP_JMP,               /* goto b */
    OP_UCALL,             /* user function b on the registers a.., into r[d] */
    OP_RET,               /* the function's value is r[a] */
    OP_OUT,               /* out[b] = r[a] */
    /* A statement's last + - * / writes its output directly, saving one
       dispatch per equation: out[d] = r[a] op r[b]. */
    OP_ADD_OUT, OP_SUB_OUT, OP_MUL_OUT, OP_DIV_OUT,
    OP_LOADX,             /* r[d] = r[a + (long)r[b]]: an element shift()
                             reads through the counter of a sum */
};

/* 16 bytes; c is only the built-in of OP_CALL2 (the table is small). */
struct insn {
    unsigned short op, c;
    int d, a, b;
};

struct ufunc {
    int entry;            /* first instruction */
    int arg0;             /* register of argument 0 */
    int nargs;
};

struct ret {
    int pc, d;
};

struct interp {
    struct insn *code;
    double *r;
    struct ufunc *funcs;
    struct ret *stack;    /* n_funcs + 1 entries */
    double (**f1)(double);
    double (**f2)(double, double);
    int rhs_entry, aux_entry, derive_entry;
    int jac_entry, jacp_entry;   /* -1 without them */
    int events_entry, tswitch_entry;
    int kint_entry, klag_entry;  /* Volterra kernels */
    int *reset_entry;      /* n_events entries */
    size_t n_events;
    size_t n_states, n_p;  /* n_p: parameters, derived, Volterra slots */
    size_t n_r, n_frames;  /* registers; entries of stack */
    void *meta;            /* names and lines (codegen_meta) */
    /* An interp_clone(): code, tables and names are the parent's; only
       r and stack are its own. */
    bool clone;
};

enum scope { SC_EQ, SC_DERIVED, SC_FUNC };

struct comp {
    const struct model *m;
    struct interp *ip;
    bool emit;            /* second pass: store code and constants */
    size_t ncode, cap;

    int r_y, r_p, r_v, r_k, r_tmp, r_frames;
    int nk;               /* constants handed out so far */
    int top, max_top;     /* next free temporary; high-water mark */
    int *frame_base;      /* per user function: first register */
    int *frame_size;      /* per user function: arguments + temporaries */

    enum scope scope;
    size_t param_limit, inter_limit, func_limit;
    int nargs, arg0;
    bool in_sum;          /* in a sum's operand: its counter is r[r_si] */
    int r_si;
    long slo, shi;        /* the counter's range */
};

/* Counted in both passes so that jump targets agree; stored in the second. */
static int emit(struct comp *c, int op, int d, int a, int b, int fn)
{
    if (op == OP_CALL1 || op == OP_UCALL) {
        b = fn;
        fn = 0;
    }
    if (fn < 0 || fn > USHRT_MAX)
        return ODE_EINVAL;
    if (c->emit) {
        if (c->ncode == c->cap) {
            size_t cap = c->cap ? 2 * c->cap : 256;
            struct insn *code = realloc(c->ip->code, cap * sizeof *code);
            if (!code)
                return ODE_ENOMEM;
            c->ip->code = code;
            c->cap = cap;
        }
        c->ip->code[c->ncode] = (struct insn){ (unsigned short)op,
                                               (unsigned short)fn, d, a, b };
    }
    if (c->ncode >= INT_MAX)
        return ODE_EINVAL;
    c->ncode++;
    return 0;
}

static int new_temp(struct comp *c)
{
    int r = c->top++;
    if (c->top > c->max_top)
        c->max_top = c->top;
    return r;
}

/* The value in register `slot`, moved to dst when the caller asked for it. */
static int place(struct comp *c, int slot, int dst)
{
    if (dst < 0 || dst == slot)
        return slot;
    int rc = emit(c, OP_MOV, dst, slot, 0, 0);
    return rc ? rc : dst;
}

static int op_of(enum expr_kind k)
{
    switch (k) {
    case EX_NEG: return OP_NEG;
    case EX_NOT: return OP_NOT;
    case EX_ADD: return OP_ADD;
    case EX_SUB: return OP_SUB;
    case EX_MUL: return OP_MUL;
    case EX_DIV: return OP_DIV;
    case EX_LT: return OP_LT;
    case EX_LE: return OP_LE;
    case EX_GT: return OP_GT;
    case EX_GE: return OP_GE;
    case EX_EQ: return OP_EQ;
    case EX_NE: return OP_NE;
    case EX_AND: return OP_AND;
    case EX_OR: return OP_OR;
    default: return -1;
    }
}

static int cx(struct comp *c, const struct expr *e, int dst, int depth);

/* A register holding the constant v. */
static int konst(struct comp *c, double v)
{
    int k = c->r_k + c->nk++;
    if (c->emit)
        c->ip->r[k] = v;
    return k;
}

/* sum(lo,hi)of(a), as codegen.c's loop: acc = 0.0; for i' = lo .. hi:
   acc = acc + a.  The sum collects in a temporary of its own, not in
   dst, which the operand may read (a reset's state register). */
static int cx_sum(struct comp *c, const struct expr *e, int dst, int depth)
{
    if (c->in_sum || !expr_arity_ok(e, 1) || e->num != (double)(long)e->num ||
        fabs(e->num) > 1e9 || e->index < -1000000000 || e->index > 1000000000)
        return ODE_EINVAL;
    int mark = c->top, rc;
    int acc = new_temp(c), ri = new_temp(c), cond = new_temp(c);
    int k0 = konst(c, 0.0), klo = konst(c, e->index), khi = konst(c, e->num);
    int k1 = konst(c, 1.0);
    if ((rc = emit(c, OP_MOV, acc, k0, 0, 0)) || (rc = emit(c, OP_MOV, ri, klo, 0, 0)))
        return rc;
    size_t loop = c->ncode;
    if ((rc = emit(c, OP_LE, cond, ri, khi, 0)))
        return rc;
    size_t jz = c->ncode;
    if ((rc = emit(c, OP_JZ, 0, cond, 0, 0)))
        return rc;
    c->in_sum = true;
    c->r_si = ri;
    c->slo = e->index;
    c->shi = (long)e->num;
    int s = cx(c, e->args[0], -1, depth + 1);
    c->in_sum = false;
    if (s < 0)
        return s;
    if ((rc = emit(c, OP_ADD, acc, acc, s, 0)) || (rc = emit(c, OP_ADD, ri, ri, k1, 0)) ||
        (rc = emit(c, OP_JMP, 0, 0, (int)loop, 0)))
        return rc;
    if (c->emit)
        c->ip->code[jz].b = (int)c->ncode;
    c->top = mark;
    if (dst < 0) {
        new_temp(c);
        return acc;
    }
    return place(c, acc, dst);
}

/* An element index + stride*i' of the registers from `base` (y, p or the
   intermediates, `limit` of them), in range for every i' of the sum. */
static int cx_shift(struct comp *c, const struct expr *e, int base, size_t limit,
                    int dst)
{
    if (!c->in_sum || c->shi < c->slo || e->num != (double)(long)e->num ||
        fabs(e->num) > 1e9)
        return ODE_EINVAL;
    double i0 = e->index + e->num * (double)c->slo;
    double i1 = e->index + e->num * (double)c->shi;
    if (i0 < 0 || i1 < 0 || i0 >= (double)limit || i1 >= (double)limit)
        return ODE_EINVAL;
    int mark = c->top, rc;
    int off = new_temp(c);
    if ((rc = emit(c, OP_MUL, off, c->r_si, konst(c, e->num), 0)))
        return rc;
    c->top = mark;
    int d = dst >= 0 ? dst : new_temp(c);
    rc = emit(c, OP_LOADX, d, base + e->index, off, 0);
    return rc ? rc : d;
}

/* Operands (one or two) into registers, then `op` into dst or a new
   temporary.  The result may reuse an operand's temporary: an instruction
   reads its operands before it writes. */
static int cx_op(struct comp *c, const struct expr *e, int n, int op, int fn,
                 int dst, int depth)
{
    int mark = c->top, s[2] = { 0, 0 };
    for (int i = 0; i < n; i++) {
        s[i] = cx(c, e->args[i], -1, depth + 1);
        if (s[i] < 0)
            return s[i];
    }
    c->top = mark;
    int d = dst >= 0 ? dst : new_temp(c);
    int rc = emit(c, op, d, s[0], s[1], fn);
    return rc ? rc : d;
}

static int cx_if(struct comp *c, const struct expr *e, int dst, int depth)
{
    int d = dst >= 0 ? dst : new_temp(c);
    int keep = c->top, rc;
    int sc = cx(c, e->args[0], -1, depth + 1);
    if (sc < 0)
        return sc;
    c->top = keep;
    size_t jz = c->ncode;
    if ((rc = emit(c, OP_JZ, 0, sc, 0, 0)))
        return rc;
    if ((rc = cx(c, e->args[1], d, depth + 1)) < 0)
        return rc;
    c->top = keep;
    size_t jmp = c->ncode;
    if ((rc = emit(c, OP_JMP, 0, 0, 0, 0)))
        return rc;
    if (c->emit)
        c->ip->code[jz].b = (int)c->ncode;
    if ((rc = cx(c, e->args[2], d, depth + 1)) < 0)
        return rc;
    c->top = keep;
    if (c->emit)
        c->ip->code[jmp].b = (int)c->ncode;
    return d;
}

/* Arguments land in consecutive temporaries; OP_UCALL copies them into
   the callee's frame, so a nested call of the same function cannot
   overwrite arguments already computed. */
static int cx_ucall(struct comp *c, const struct expr *e, int dst, int depth)
{
    const struct model *m = c->m;
    if (e->index < 0 || (size_t)e->index >= c->func_limit ||
        !expr_arity_ok(e, m->funcs[e->index].nargs))
        return ODE_EINVAL;
    int mark = c->top, base = c->top, rc;
    for (int i = 0; i < e->nargs; i++)
        new_temp(c);
    for (int i = 0; i < e->nargs; i++) {
        if ((rc = cx(c, e->args[i], base + i, depth + 1)) < 0)
            return rc;
        c->top = base + e->nargs;
    }
    c->top = mark;
    int d = dst >= 0 ? dst : new_temp(c);
    rc = emit(c, OP_UCALL, d, base, 0, e->index);
    return rc ? rc : d;
}

/* A power with a literal exponent, operation for operation as emit_pow in
   codegen.c: the base once into a register, one instruction for x^n or
   x*sqrt(x) (none for x^1), then OP_RECIP for a negative exponent.  The
   exponent is never loaded. */
static int cx_pow(struct comp *c, const struct expr *e, const struct codegen_pow *pl,
                  int dst, int depth)
{
    static const int int_op[5] = { -1, -1, OP_SQ, OP_CUBE, OP_POW4 };
    if (pl->n == 1 && !pl->root && !pl->recip)
        return cx(c, e->args[0], dst, depth + 1);
    int op = -1, fn = 0, rc;
    if (pl->root) {
        const struct builtin *sq = builtin_find("sqrt");
        if (!sq || sq->arity != 1 || pl->n > 1)
            return ODE_EINVAL;
        op = pl->n == 0 ? OP_CALL1 : OP_XSQRT;
        fn = builtin_index(sq);
    } else if (pl->n >= 2 && pl->n <= 4) {
        op = int_op[pl->n];
    } else if (pl->n != 1) {
        return ODE_EINVAL;
    }
    int mark = c->top;
    int s = cx(c, e->args[0], -1, depth + 1);
    if (s < 0)
        return s;
    c->top = mark;
    int d = dst >= 0 ? dst : new_temp(c);
    if (op >= 0) {
        if ((rc = op == OP_XSQRT ? emit(c, op, d, s, fn, 0) : emit(c, op, d, s, 0, fn)))
            return rc;
        s = d;
    }
    if (pl->recip && (rc = emit(c, OP_RECIP, d, s, 0, 0)))
        return rc;
    return d;
}

/* Compiles e; returns the register holding its value (dst when dst >= 0),
   or a negative ODE_E* code. */
static int cx(struct comp *c, const struct expr *e, int dst, int depth)
{
    const struct model *m = c->m;
    if (!e || depth > CODEGEN_MAX_DEPTH)
        return ODE_EINVAL;
    switch (e->kind) {
    case EX_NUM: {
        int k = c->r_k + c->nk++;
        if (c->emit)
            c->ip->r[k] = e->num;
        return place(c, k, dst);
    }
    case EX_TIME:
        return place(c, 0, dst);
    case EX_JNUM: case EX_JSTATE: case EX_JPARAM: case EX_JINTER:
        /* Only in a family's body: the interpreter runs each element's own
           expression, the same operations in the same order. */
        return ODE_EINVAL;
    case EX_STATE:
        if (c->scope != SC_EQ || e->index < 0 || (size_t)e->index >= m->n_states)
            return ODE_EINVAL;
        return place(c, c->r_y + e->index, dst);
    case EX_PARAM:
        if (e->index < 0 || (size_t)e->index >= c->param_limit)
            return ODE_EINVAL;
        return place(c, c->r_p + e->index, dst);
    case EX_INTER:
        if (c->scope != SC_EQ || e->index < 0 || (size_t)e->index >= c->inter_limit)
            return ODE_EINVAL;
        return place(c, c->r_v + e->index, dst);
    case EX_ARG:
        if (c->scope != SC_FUNC || e->index < 0 || e->index >= c->nargs)
            return ODE_EINVAL;
        return place(c, c->arg0 + e->index, dst);
    case EX_KERNEL: case EX_TPRIME:
        if (c->scope != SC_EQ || e->index < 0 ||
            (e->kind == EX_KERNEL && (size_t)e->index >= m->n_kernels))
            return ODE_EINVAL;
        return place(c, c->r_p + (int)(m->n_params + m->n_derived) +
                     (e->kind == EX_KERNEL ? e->index : (int)m->n_kernels), dst);
    case EX_SUM:
        return cx_sum(c, e, dst, depth);
    case EX_SUMI:
        if (!c->in_sum)
            return ODE_EINVAL;
        return place(c, c->r_si, dst);
    case EX_ISTATE:
        if (c->scope != SC_EQ)
            return ODE_EINVAL;
        return cx_shift(c, e, c->r_y, m->n_states, dst);
    case EX_IPARAM:
        return cx_shift(c, e, c->r_p, c->param_limit, dst);
    case EX_IINTER:
        if (c->scope != SC_EQ)
            return ODE_EINVAL;
        return cx_shift(c, e, c->r_v, c->inter_limit, dst);
    case EX_NEG: case EX_NOT:
        if (!expr_arity_ok(e, 1))
            return ODE_EINVAL;
        return cx_op(c, e, 1, op_of(e->kind), 0, dst, depth);
    case EX_ADD: case EX_SUB: case EX_MUL: case EX_DIV:
    case EX_LT: case EX_LE: case EX_GT: case EX_GE: case EX_EQ: case EX_NE:
    case EX_AND: case EX_OR:
        if (!expr_arity_ok(e, 2))
            return ODE_EINVAL;
        return cx_op(c, e, 2, op_of(e->kind), 0, dst, depth);
    case EX_POW: {
        if (!expr_arity_ok(e, 2))
            return ODE_EINVAL;
        struct codegen_pow pl;
        if (!c->m->pow_calls && codegen_pow_plan(e->args[1], &pl))
            return cx_pow(c, e, &pl, dst, depth);
        const struct builtin *pw = builtin_find("pow");
        if (!pw || pw->arity != 2)
            return ODE_EINVAL;
        return cx_op(c, e, 2, OP_CALL2, builtin_index(pw), dst, depth);
    }
    case EX_IF:
        if (!expr_arity_ok(e, 3))
            return ODE_EINVAL;
        return cx_if(c, e, dst, depth);
    case EX_CALL: {
        const struct builtin *b = builtin_at(e->index);
        if (!b || !expr_arity_ok(e, b->arity))
            return ODE_EINVAL;
        return cx_op(c, e, b->arity, b->arity == 1 ? OP_CALL1 : OP_CALL2,
                     e->index, dst, depth);
    }
    case EX_UCALL:
        return cx_ucall(c, e, dst, depth);
    }
    return ODE_EINVAL;
}

/* One statement: e into register dst (or anywhere when dst < 0), then,
   when out >= 0, the value to out[out]. */
static int stmt(struct comp *c, const struct expr *e, int dst, long out)
{
    c->top = c->r_tmp;
    int s = cx(c, e, dst, 0);
    if (s < 0 || out < 0)
        return s < 0 ? s : 0;
    /* The root's own instruction came last (jumps inside its operands
       land before it), so it can store the output itself. */
    int fused = e->kind == EX_ADD ? OP_ADD_OUT : e->kind == EX_SUB ? OP_SUB_OUT
              : e->kind == EX_MUL ? OP_MUL_OUT : e->kind == EX_DIV ? OP_DIV_OUT : -1;
    if (dst < 0 && fused >= 0) {
        if (c->emit) {
            struct insn *in = &c->ip->code[c->ncode - 1];
            in->op = (unsigned short)fused;
            in->d = (int)out;
        }
        return 0;
    }
    return emit(c, OP_OUT, 0, s, (int)out, 0);
}

static int compile_funcs(struct comp *c)
{
    const struct model *m = c->m;
    int rc;
    c->scope = SC_FUNC;
    c->param_limit = m->n_params + m->n_derived;
    for (size_t k = 0; k < m->n_funcs; k++) {
        const struct model_func *f = &m->funcs[k];
        if (f->nargs < 0 || f->nargs > 9)
            return ODE_EINVAL;
        c->func_limit = k;
        c->nargs = f->nargs;
        c->arg0 = c->frame_base[k];
        c->top = c->arg0 + f->nargs;
        c->max_top = c->top;
        if (c->emit)
            c->ip->funcs[k] = (struct ufunc){ (int)c->ncode, c->arg0, f->nargs };
        int s = cx(c, f->body, -1, 0);
        if (s < 0)
            return s;
        if ((rc = emit(c, OP_RET, 0, s, 0, 0)))
            return rc;
        c->frame_size[k] = c->max_top - c->arg0;
    }
    return 0;
}

enum eq_kind { EQ_AUX, EQ_RHS, EQ_EVENTS, EQ_TSWITCH, EQ_KINT, EQ_KLAG };

/* The lag of a kernel that is not a convolution, as in codegen.c. */
static const struct expr ip_one = { .kind = EX_NUM, .num = 1.0 };

/* rhs, aux and the event conditions: every intermediate, then the
   outputs. */
static int compile_eq(struct comp *c, enum eq_kind kind)
{
    const struct model *m = c->m;
    int rc;
    c->scope = SC_EQ;
    c->func_limit = m->n_funcs;
    c->param_limit = m->n_params + m->n_derived;
    for (size_t i = 0; i < m->n_inters; i++) {
        c->inter_limit = i;
        if ((rc = stmt(c, m->inters[i].value, c->r_v + (int)i, -1)))
            return rc;
    }
    c->inter_limit = m->n_inters;
    size_t n = kind == EQ_RHS ? m->n_states : kind == EQ_AUX ? m->n_aux
             : kind == EQ_EVENTS ? m->n_events : kind == EQ_TSWITCH ? m->n_tswitch
             : m->n_kernels;
    for (size_t i = 0; i < n; i++)
        if ((rc = stmt(c, kind == EQ_RHS ? m->states[i].rhs
                          : kind == EQ_AUX ? m->aux[i].value
                          : kind == EQ_EVENTS ? m->events[i].cond
                          : kind == EQ_TSWITCH ? m->tswitch[i]
                          : kind == EQ_KINT ? m->kernels[i].integrand
                          : m->kernels[i].lag ? m->kernels[i].lag : &ip_one,
                       -1, (long)i)))
            return rc;
    return emit(c, OP_HALT, 0, 0, 0, 0);
}

/* Event k's reset, as cg_reset in codegen.c: the intermediates, then each
   assignment into the state's register (which later ones read) and into
   the caller's y. */
static int compile_reset(struct comp *c, size_t k)
{
    const struct model *m = c->m;
    const struct model_event *ev = &m->events[k];
    int rc;
    c->scope = SC_EQ;
    c->func_limit = m->n_funcs;
    c->param_limit = m->n_params + m->n_derived;
    for (size_t i = 0; i < m->n_inters; i++) {
        c->inter_limit = i;
        if ((rc = stmt(c, m->inters[i].value, c->r_v + (int)i, -1)))
            return rc;
    }
    c->inter_limit = m->n_inters;
    for (size_t j = 0; j < ev->n_assign; j++) {
        int st = ev->assign[j].state;
        if (st < 0 || (size_t)st >= m->n_states)
            return ODE_EINVAL;
        if ((rc = stmt(c, ev->assign[j].value, c->r_y + st, st)))
            return rc;
    }
    return emit(c, OP_HALT, 0, 0, 0, 0);
}

/* Each derived parameter goes to its register (later ones read it) and to
   the caller's p. */
static int compile_derive(struct comp *c)
{
    const struct model *m = c->m;
    int rc;
    c->scope = SC_DERIVED;
    c->func_limit = m->n_funcs;
    for (size_t i = 0; i < m->n_derived; i++) {
        size_t j = m->n_params + i;
        c->param_limit = j;
        if ((rc = stmt(c, m->derived[i].value, c->r_p + (int)j, (long)j)))
            return rc;
    }
    return emit(c, OP_HALT, 0, 0, 0, 0);
}

/* df/dy or df/dp (model.h struct model_jac): the model intermediates its
   values read, its extra intermediates into the registers after them, then
   the values equation by equation, as emit_jac_func in codegen.c. */
static int compile_jac(struct comp *c, const struct model_jac *J, bool jacp)
{
    const struct model *m = c->m;
    size_t ni = m->n_inters, nv = ni + J->n_extra;
    int rc;
    c->scope = SC_EQ;
    c->func_limit = m->n_funcs;
    c->param_limit = m->n_params + m->n_derived;
    if (J->ncols != (jacp ? m->n_params : m->n_states) || !J->need_inter ||
        J->nnz > INT_MAX / 2 || nv > INT_MAX / 4)
        return ODE_EINVAL;
    for (size_t i = 0; i < nv; i++) {
        c->inter_limit = i;
        if (i < ni && !J->need_inter[i])
            continue;
        if ((rc = stmt(c, i < ni ? m->inters[i].value : J->extra[i - ni].value,
                       c->r_v + (int)i, -1)))
            return rc;
    }
    c->inter_limit = nv;
    if (!J->order)
        return ODE_EINVAL;
    for (size_t i = 0; i < J->nnz; i++)
        if ((rc = stmt(c, J->val[J->order[i]], -1, (long)J->order[i])))
            return rc;
    return emit(c, OP_HALT, 0, 0, 0, 0);
}

static int compile_all(struct comp *c)
{
    struct interp *ip = c->ip;
    int rc;
    c->ncode = 0;
    c->nk = 0;
    c->max_top = 0;
    if ((rc = compile_funcs(c)))
        return rc;
    c->max_top = c->r_tmp;
    ip->derive_entry = (int)c->ncode;
    if ((rc = compile_derive(c)))
        return rc;
    ip->rhs_entry = (int)c->ncode;
    if ((rc = compile_eq(c, EQ_RHS)))
        return rc;
    ip->aux_entry = (int)c->ncode;
    if ((rc = compile_eq(c, EQ_AUX)))
        return rc;
    ip->events_entry = (int)c->ncode;
    if ((rc = compile_eq(c, EQ_EVENTS)))
        return rc;
    ip->tswitch_entry = (int)c->ncode;
    if ((rc = compile_eq(c, EQ_TSWITCH)))
        return rc;
    ip->kint_entry = (int)c->ncode;
    if ((rc = compile_eq(c, EQ_KINT)))
        return rc;
    ip->klag_entry = (int)c->ncode;
    if ((rc = compile_eq(c, EQ_KLAG)))
        return rc;
    for (size_t k = 0; k < c->m->n_events; k++) {
        ip->reset_entry[k] = (int)c->ncode;
        if ((rc = compile_reset(c, k)))
            return rc;
    }
    ip->jac_entry = ip->jacp_entry = -1;
    if (codegen_has_jac(c->m)) {
        ip->jac_entry = (int)c->ncode;
        if ((rc = compile_jac(c, c->m->jac, false)))
            return rc;
    }
    if (codegen_has_jacp(c->m)) {
        ip->jacp_entry = (int)c->ncode;
        if ((rc = compile_jac(c, c->m->jacp, true)))
            return rc;
    }
    return 0;
}

static int run(struct interp *ip, int pc, double *out)
{
    const struct insn *code = ip->code;
    double *r = ip->r;
    struct ret *sp = ip->stack;
    for (;;) {
        const struct insn *in = &code[pc++];
        switch ((enum op)in->op) {
        case OP_HALT:
            return 0;
        case OP_MOV: r[in->d] = r[in->a]; break;
        case OP_NEG: r[in->d] = -r[in->a]; break;
        case OP_NOT: r[in->d] = r[in->a] == 0.0 ? 1.0 : 0.0; break;
        case OP_SQ: r[in->d] = r[in->a] * r[in->a]; break;
        case OP_CUBE: r[in->d] = r[in->a] * r[in->a] * r[in->a]; break;
        case OP_POW4: {
            double s = r[in->a] * r[in->a];
            r[in->d] = s * s;
            break;
        }
        case OP_XSQRT: r[in->d] = r[in->a] * ip->f1[in->b](r[in->a]); break;
        case OP_RECIP: r[in->d] = 1.0 / r[in->a]; break;
        case OP_ADD: r[in->d] = r[in->a] + r[in->b]; break;
        case OP_SUB: r[in->d] = r[in->a] - r[in->b]; break;
        case OP_MUL: r[in->d] = r[in->a] * r[in->b]; break;
        case OP_DIV: r[in->d] = r[in->a] / r[in->b]; break;
        case OP_LT: r[in->d] = r[in->a] < r[in->b] ? 1.0 : 0.0; break;
        case OP_LE: r[in->d] = r[in->a] <= r[in->b] ? 1.0 : 0.0; break;
        case OP_GT: r[in->d] = r[in->a] > r[in->b] ? 1.0 : 0.0; break;
        case OP_GE: r[in->d] = r[in->a] >= r[in->b] ? 1.0 : 0.0; break;
        case OP_EQ: r[in->d] = r[in->a] == r[in->b] ? 1.0 : 0.0; break;
        case OP_NE: r[in->d] = r[in->a] != r[in->b] ? 1.0 : 0.0; break;
        case OP_AND:
            r[in->d] = ((r[in->a] != 0.0) & (r[in->b] != 0.0)) ? 1.0 : 0.0;
            break;
        case OP_OR:
            r[in->d] = ((r[in->a] != 0.0) | (r[in->b] != 0.0)) ? 1.0 : 0.0;
            break;
        case OP_CALL1: r[in->d] = ip->f1[in->b](r[in->a]); break;
        case OP_CALL2: r[in->d] = ip->f2[in->c](r[in->a], r[in->b]); break;
        case OP_JZ:
            if (r[in->a] == 0.0)
                pc = in->b;
            break;
        case OP_JMP: pc = in->b; break;
        case OP_UCALL: {
            const struct ufunc *f = &ip->funcs[in->b];
            for (int i = 0; i < f->nargs; i++)
                r[f->arg0 + i] = r[in->a + i];
            sp->pc = pc;
            sp->d = in->d;
            sp++;
            pc = f->entry;
            break;
        }
        case OP_RET:
            sp--;
            r[sp->d] = r[in->a];
            pc = sp->pc;
            break;
        case OP_OUT: out[in->b] = r[in->a]; break;
        case OP_ADD_OUT: out[in->d] = r[in->a] + r[in->b]; break;
        case OP_SUB_OUT: out[in->d] = r[in->a] - r[in->b]; break;
        case OP_MUL_OUT: out[in->d] = r[in->a] * r[in->b]; break;
        case OP_DIV_OUT: out[in->d] = r[in->a] / r[in->b]; break;
        case OP_LOADX: r[in->d] = r[in->a + (long)r[in->b]]; break;
        }
    }
}

static void load(struct interp *ip, double t, const double *y, const double *p)
{
    double *r = ip->r;
    r[0] = t;
    if (y)
        for (size_t i = 0; i < ip->n_states; i++)
            r[1 + i] = y[i];
    double *rp = r + 1 + ip->n_states;
    for (size_t i = 0; i < ip->n_p; i++)
        rp[i] = p[i];
}

static int interp_rhs(void *ctx, double t, const double *y, const double *p,
                      double *dydt)
{
    struct interp *ip = ctx;
    load(ip, t, y, p);
    return run(ip, ip->rhs_entry, dydt);
}

static int interp_aux(void *ctx, double t, const double *y, const double *p,
                      double *out)
{
    struct interp *ip = ctx;
    load(ip, t, y, p);
    return run(ip, ip->aux_entry, out);
}

static int interp_jac(void *ctx, double t, const double *y, const double *p,
                      double *val)
{
    struct interp *ip = ctx;
    load(ip, t, y, p);
    return run(ip, ip->jac_entry, val);
}

static int interp_jacp(void *ctx, double t, const double *y, const double *p,
                       double *val)
{
    struct interp *ip = ctx;
    load(ip, t, y, p);
    return run(ip, ip->jacp_entry, val);
}

static int interp_events(void *ctx, double t, const double *y, const double *p,
                         double *g)
{
    struct interp *ip = ctx;
    load(ip, t, y, p);
    return run(ip, ip->events_entry, g);
}

static int interp_tswitch(void *ctx, double t, const double *y, const double *p,
                          double *g)
{
    struct interp *ip = ctx;
    load(ip, t, y, p);
    return run(ip, ip->tswitch_entry, g);
}

static int interp_kint(void *ctx, double t, const double *y, const double *p,
                       double *out)
{
    struct interp *ip = ctx;
    load(ip, t, y, p);
    return run(ip, ip->kint_entry, out);
}

static int interp_klag(void *ctx, double t, const double *y, const double *p,
                       double *out)
{
    struct interp *ip = ctx;
    load(ip, t, y, p);
    return run(ip, ip->klag_entry, out);
}

static int interp_reset(void *ctx, size_t k, double t, double *y, const double *p)
{
    struct interp *ip = ctx;
    if (k >= ip->n_events)
        return -1;
    load(ip, t, y, p);
    return run(ip, ip->reset_entry[k], y);
}

/* All of p is loaded, derived values included, so a user function that
   reads a derived parameter not yet recomputed sees what the compiled code
   sees: the caller's current value.  t is 0 as in codegen.c. */
static int interp_derive(void *ctx, double *p)
{
    struct interp *ip = ctx;
    load(ip, 0.0, NULL, p);
    return run(ip, ip->derive_entry, p);
}

/* Fixed regions first; constants and temporaries are sized by pass one. */
static int layout(struct comp *c, const struct model *m)
{
    size_t extra = 0;
    if (codegen_has_jac(m))
        extra = m->jac->n_extra;
    if (codegen_has_jacp(m) && m->jacp->n_extra > extra)
        extra = m->jacp->n_extra;
    if (extra > INT_MAX / 4)
        return ODE_EINVAL;
    size_t nvolt = codegen_volterra(m) ? m->n_kernels + 1 : 0;
    size_t fixed = 1 + m->n_states + m->n_params + m->n_derived + nvolt + m->n_inters + extra;
    if (fixed > INT_MAX / 4 || m->n_funcs > INT_MAX / 4)
        return ODE_EINVAL;
    c->r_y = 1;
    c->r_p = c->r_y + (int)m->n_states;
    c->r_v = c->r_p + (int)(m->n_params + m->n_derived + nvolt);
    c->r_k = c->r_v + (int)(m->n_inters + extra);
    c->r_tmp = c->r_k + c->nk;
    return 0;
}

int interp_new(const struct model *m, interp **out, struct ode_problem *prob)
{
    struct ode_problem p = { 0 };
    struct comp c = { .m = m };
    struct interp *ip = calloc(1, sizeof *ip);
    int nb = builtin_count(), rc = ODE_ENOMEM;

    *out = NULL;
    if (!ip)
        goto fail;
    c.ip = ip;
    c.frame_base = calloc(m->n_funcs + 1, sizeof *c.frame_base);
    c.frame_size = calloc(m->n_funcs + 1, sizeof *c.frame_size);
    ip->funcs = calloc(m->n_funcs + 1, sizeof *ip->funcs);
    ip->stack = calloc(m->n_funcs + 1, sizeof *ip->stack);
    ip->f1 = calloc((size_t)nb, sizeof *ip->f1);
    ip->f2 = calloc((size_t)nb, sizeof *ip->f2);
    ip->reset_entry = calloc(m->n_events + 1, sizeof *ip->reset_entry);
    if (!c.frame_base || !c.frame_size || !ip->funcs || !ip->stack ||
        !ip->f1 || !ip->f2 || !ip->reset_entry)
        goto fail;
    if ((m->n_states > 0 && !m->states) || (rc = layout(&c, m)))
        goto fail_inval;

    /* Pass one: frames are relative to 0; only the counts matter. */
    if ((rc = compile_all(&c)))
        goto fail;
    int main_temps = c.max_top - c.r_tmp;
    long total = (long)c.r_k + c.nk + main_temps;
    for (size_t k = 0; k < m->n_funcs; k++) {
        c.frame_base[k] = (int)total;
        total += c.frame_size[k];
        if (total > INT_MAX / 2)
            goto fail_inval;
    }
    rc = ODE_ENOMEM;
    ip->r = calloc((size_t)total + 1, sizeof *ip->r);
    if (!ip->r)
        goto fail;
    ip->n_r = (size_t)total + 1;
    ip->n_frames = m->n_funcs + 1;

    /* Pass two: the same walk with final registers, storing code. */
    c.r_tmp = c.r_k + c.nk;
    c.emit = true;
    if ((rc = compile_all(&c)))
        goto fail;
    for (int i = 0; i < nb; i++) {
        const struct builtin *b = builtin_at(i);
        if (b->arity == 1)
            ip->f1[i] = b->fn.f1;
        else
            ip->f2[i] = b->fn.f2;
    }
    ip->n_states = m->n_states;
    ip->n_p = m->n_params + m->n_derived + (codegen_volterra(m) ? m->n_kernels + 1 : 0);
    ip->n_events = m->n_events;
    if ((rc = codegen_meta(m, &p, &ip->meta)))
        goto fail;
    p.rhs = interp_rhs;
    p.aux = m->n_aux > 0 ? interp_aux : NULL;
    p.derive = m->n_derived > 0 ? interp_derive : NULL;
    p.jac = ip->jac_entry >= 0 ? interp_jac : NULL;
    p.jacp = ip->jacp_entry >= 0 ? interp_jacp : NULL;
    p.events = m->n_events > 0 ? interp_events : NULL;
    p.reset = m->n_events > 0 ? interp_reset : NULL;
    p.tswitch = m->n_tswitch > 0 ? interp_tswitch : NULL;
    p.kernel_integrand = m->n_kernels > 0 ? interp_kint : NULL;
    p.kernel_lag = m->n_kernels > 0 ? interp_klag : NULL;
    p.ctx = ip;
    free(c.frame_size);
    free(c.frame_base);
    *prob = p;
    *out = ip;
    return 0;
fail_inval:
    rc = ODE_EINVAL;
fail:
    free(c.frame_size);
    free(c.frame_base);
    interp_free(ip);
    return rc;
}

int interp_clone(const interp *ip, interp **out)
{
    struct interp *c = malloc(sizeof *c);
    *out = NULL;
    if (!c)
        return ODE_ENOMEM;
    *c = *ip;
    c->clone = true;
    /* The registers hold the constants too: copy them all. */
    c->r = malloc(ip->n_r * sizeof *c->r);
    c->stack = calloc(ip->n_frames, sizeof *c->stack);
    if (!c->r || !c->stack) {
        free(c->r);
        free(c->stack);
        free(c);
        return ODE_ENOMEM;
    }
    memcpy(c->r, ip->r, ip->n_r * sizeof *c->r);
    *out = c;
    return 0;
}

void interp_free(interp *ip)
{
    if (!ip)
        return;
    if (ip->clone) {
        free(ip->stack);
        free(ip->r);
        free(ip);
        return;
    }
    free(ip->meta);
    free(ip->reset_entry);
    free(ip->f2);
    free(ip->f1);
    free(ip->stack);
    free(ip->funcs);
    free(ip->r);
    free(ip->code);
    free(ip);
}
