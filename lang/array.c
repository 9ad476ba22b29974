/* array.c - XPPAUT arrays in the checker (see array.h).
 *
 * XPPAUT expands `x[1..3]' = -x[j]` into x1' = -x1, x2' = -x2, x3' = -x3
 * before reading the file: an element is the name followed by the
 * decimal index, and `[expr]` is evaluated at that time.  The checker
 * follows the same rules, so `b[0..99]' = f[j+1]` may read an element f100
 * declared on its own line, and a name such as x0 may be used as written.
 * The expansion lives only in the symbol table and the checked model's
 * per-element expressions; the code generator turns runs of elements back
 * into loops (lang/codegen.c). */
#include "array.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "family.h"

/* Index values beyond this are refused before any arithmetic can
   overflow; no array can have an element there. */
#define ARRAY_MAX_INDEX 1e15

static int len(struct span sp)
{
    return (int)(sp.end - sp.begin);
}

static const char *text(const struct checker *ck, struct span sp)
{
    return ck->m->src + sp.begin;
}

/* One bound: a number, or a `number` constant; an integer >= 0. */
static bool bound(struct checker *ck, struct span sp, bool is_name, double num,
                  long *out)
{
    double v = num;
    if (is_name) {
        const struct sym *sym = check_lookup(ck, sp);
        /* A constant declared further down is still a constant. */
        const struct ast_stmt *later = NULL;
        for (const struct ast_stmt *s = ck->ast->first; !sym && s && !later;
             s = s->next)
            if (s->kind == ST_NUMBER && len(s->name) == len(sp) &&
                strncasecmp(text(ck, s->name), text(ck, sp),
                            (size_t)len(sp)) == 0)
                later = s;
        if (later) {
            v = later->num;
        } else if (!sym || sym->kind != SYM_NUMBER) {
            if (sym && sym->kind == SYM_TAINTED)
                return false;
            diag_error(ck->d, sp, "array bound '%.*s' is not a number "
                       "constant", len(sp), text(ck, sp));
            if (sym)
                diag_note(ck->d, sym->decl, "'%s' is %s, defined here; "
                          "bounds are numbers or 'number' constants",
                          sym->name, resolve_kind_noun(sym->kind));
            return false;
        } else {
            v = sym->stmt->num;
        }
    }
    if (v != floor(v) || !(fabs(v) <= ARRAY_MAX_INDEX)) {
        diag_error(ck->d, sp, "array bound %.17g is not an integer", v);
        return false;
    }
    if (v < 0) {
        diag_error(ck->d, sp, "array bound %.17g is negative", v);
        return false;
    }
    *out = (long)v;
    return true;
}

static bool bounds(struct checker *ck, const struct ast_stmt *s, long *lo,
                   long *hi)
{
    bool ok = bound(ck, s->lo, s->lo_name, s->lo_num, lo);
    ok = bound(ck, s->hi, s->hi_name, s->hi_num, hi) && ok;
    if (!ok)
        return false;
    if (*lo > *hi) {
        diag_error(ck->d, (struct span){ s->lo.begin, s->hi.end },
                   "array bounds are reversed: %ld > %ld", *lo, *hi);
        return false;
    }
    return true;
}

/* name<j> in buf; false when it does not fit a name. */
static bool element_name(const char *prefix, int n, long j, char *buf,
                         size_t size, int *out)
{
    int k = snprintf(buf, size, "%.*s%ld", n, prefix, j);
    if (k < 0 || (size_t)k >= size || k > AST_MAX_NAME)
        return false;
    *out = k;
    return true;
}

static void array_declare_range(struct checker *ck, const struct ast_stmt *s,
                                enum sym_kind kind, long lo, long hi);

void array_declare(struct checker *ck, const struct ast_stmt *s,
                   enum sym_kind kind)
{
    long lo, hi;
    if (!bounds(ck, s, &lo, &hi))
        return;
    array_declare_range(ck, s, kind, lo, hi);
}

void array_declare_block(struct checker *ck, const struct ast_stmt *first,
                         const enum sym_kind *kind_of)
{
    long lo, hi;
    if (!bounds(ck, first, &lo, &hi))
        return;
    /* XPPAUT repeats the block's lines for each j: x1, y1, x2, y2, ... */
    for (long j = lo; j <= hi && !ck->oom; j++)
        for (const struct ast_stmt *s = first; s && s->block == first->block;
             s = s->next)
            if (s->kind != ST_INIT && s->kind != ST_SET)
                array_declare_range(ck, s, kind_of[s->kind], j, j);
}

static void array_declare_range(struct checker *ck, const struct ast_stmt *s,
                                enum sym_kind kind, long lo, long hi)
{
    /* hi - lo + 1 cannot overflow: both are at most ARRAY_MAX_INDEX. */
    size_t count = (size_t)(hi - lo) + 1;
    /* In a %[lo..hi] block the bounds are on an earlier line. */
    struct span whole = s->hi.end > s->name.begin ?
        (struct span){ s->name.begin, s->hi.end + 1 } : s->name;
    if (count > ARRAY_MAX_ELEMENTS - ck->n_elements) {
        diag_error(ck->d, whole, "array of %zu elements: the model would "
                   "have more than %d array elements", count,
                   ARRAY_MAX_ELEMENTS);
        return;
    }
    /* Every kind is held to the limit on equations, so that a hostile
       bound fails here and not by exhausting memory. */
    if (count > (size_t)CHECK_MAX_STATES - ck->kind[kind].n) {
        diag_error(ck->d, whole, "array of %zu elements: too many %s (more "
                   "than %d)", count, kind == SYM_STATE ?
                   "differential equations" : kind == SYM_PARAM ?
                   "parameters" : kind == SYM_AUX ? "aux quantities" :
                   "intermediate quantities", CHECK_MAX_STATES);
        return;
    }
    ck->n_elements += count;
    char buf[AST_MAX_NAME + 32];
    for (long j = lo; j <= hi && !ck->oom; j++) {
        int n;
        if (!element_name(text(ck, s->name), len(s->name), j, buf,
                          sizeof buf, &n)) {
            diag_error(ck->d, s->name, "element names of '%.*s' are too "
                       "long (more than %d characters)", len(s->name),
                       text(ck, s->name), AST_MAX_NAME);
            return;
        }
        const struct sym *old = check_lookup_text(ck, buf, (size_t)n);
        if (old) {
            diag_error(ck->d, whole, "redefinition of '%s' (element %ld of "
                       "'%.*s')", old->name, j, len(s->name),
                       text(ck, s->name));
            if (old->decl.begin != s->name.begin)
                diag_note(ck->d, old->decl, "'%s' was first defined here as "
                          "%s", old->name, resolve_kind_noun(old->kind));
            return;
        }
        struct sym *sym = check_define(ck, kind, s, s->name, buf, (size_t)n);
        if (!sym)
            return;
        sym->elem = true;
        sym->j = j;
    }
}

void array_init(struct checker *ck, const struct ast_stmt *s)
{
    long lo, hi;
    if (!bounds(ck, s, &lo, &hi))
        return;
    char buf[AST_MAX_NAME + 32];
    for (long j = lo; j <= hi && !ck->oom; j++) {
        int n;
        if (!element_name(text(ck, s->name), len(s->name), j, buf,
                          sizeof buf, &n)) {
            diag_error(ck->d, s->name, "element names of '%.*s' are too "
                       "long", len(s->name), text(ck, s->name));
            return;
        }
        struct sym *sym = check_lookup_text(ck, buf, (size_t)n);
        if (!sym || sym->kind != SYM_STATE || sym->init) {
            /* One report for the statement, not one per element. */
            check_init(ck, s, sym, buf, n);
            return;
        }
        check_init(ck, s, sym, buf, n);
    }
}

/* Integer arithmetic of an index; false (reported when `report`) when it
   is not integer arithmetic on j and numbers. */
static bool eval(const struct checker *ck, const struct ast_expr *a,
                 bool report, double *out)
{
    double x, y;
    switch (a->kind) {
    case AST_NUM:
        *out = a->num;
        return true;
    case AST_NAME:
        if (len(a->name) == 1 && (text(ck, a->name)[0] | 0x20) == 'j') {
            if (!ck->in_array) {
                if (report)
                    diag_error(ck->d, a->span, "index 'j' outside an array "
                               "statement");
                return false;
            }
            *out = (double)ck->j;
            return true;
        }
        {
            const struct sym *sym = check_lookup(ck, a->name);
            if (sym && sym->kind == SYM_NUMBER) {
                *out = sym->stmt->num;
                return true;
            }
        }
        break;
    case AST_OP:
        if (a->op == EX_SUMI) {
            if (!ck->i_known) {
                if (report)
                    diag_error(ck->d, a->span, ck->in_sum ?
                               "an index cannot use i'; shift(x, i') reads "
                               "the element i' after x" :
                               "i' outside a sum(lo,hi)of(...)");
                return false;
            }
            *out = (double)ck->i;
            return true;
        }
        if (a->op == EX_NEG && a->nargs == 1) {
            if (!eval(ck, a->args[0], report, &x))
                return false;
            *out = -x;
            return true;
        }
        if (a->nargs != 2 || (a->op != EX_ADD && a->op != EX_SUB &&
                              a->op != EX_MUL && a->op != EX_DIV))
            break;
        if (!eval(ck, a->args[0], report, &x) ||
            !eval(ck, a->args[1], report, &y))
            return false;
        *out = a->op == EX_ADD ? x + y : a->op == EX_SUB ? x - y :
               a->op == EX_MUL ? x * y : x / y;
        return true;
    default:
        break;
    }
    if (report)
        diag_error(ck->d, a->span, "an index is integer arithmetic on j, "
                   "numbers and 'number' constants");
    return false;
}

bool array_index_value(const struct checker *ck, const struct ast_expr *a,
                       bool report, long *out)
{
    double v;
    if (a->nargs != 1 || !eval(ck, a->args[0], report, &v))
        return false;
    if (v != floor(v) || !(fabs(v) <= ARRAY_MAX_INDEX)) {
        if (report) {
            if (ck->in_array)
                diag_error(ck->d, a->span, "index %.17g (for j=%ld) is not "
                           "an integer", v, ck->j);
            else
                diag_error(ck->d, a->span, "index %.17g is not an integer",
                           v);
        }
        return false;
    }
    *out = (long)v;
    return true;
}

struct sym *array_element(const struct checker *ck, const struct ast_expr *a,
                          bool report, long *idx, bool *bad)
{
    *bad = true;
    if (!array_index_value(ck, a, report, idx))
        return NULL;
    char buf[AST_MAX_NAME + 32];
    int n = 0;
    struct sym *sym = NULL;
    if (*idx >= 0 && element_name(text(ck, a->name), len(a->name), *idx, buf,
                                  sizeof buf, &n))
        sym = check_lookup_text(ck, buf, (size_t)n);
    if (sym && sym->kind == SYM_TAINTED)
        return NULL;
    if (!sym) {
        if (report && ck->in_array)
            diag_error(ck->d, a->span, "'%.*s' is element %ld of '%.*s' for "
                       "j=%ld, which is not defined", len(a->span),
                       text(ck, a->span), *idx, len(a->name),
                       text(ck, a->name), ck->j);
        else if (report)
            diag_error(ck->d, a->span, "'%.*s' is element %ld of '%.*s', "
                       "which is not defined", len(a->span),
                       text(ck, a->span), *idx, len(a->name),
                       text(ck, a->name));
        return NULL;
    }
    *bad = false;
    return sym;
}

/* ---- sums and shift() ---- */

/* An integer of eval's arithmetic that fits the sums' limits. */
static bool small_value(const struct checker *ck, const struct ast_expr *a,
                        bool report, long *out)
{
    double v;
    if (!eval(ck, a, report, &v))
        return false;
    if (v != floor(v) || !(fabs(v) <= ARRAY_MAX_SUM_INDEX)) {
        if (report)
            diag_error(ck->d, a->span, "%.17g is not an integer of at most "
                       "%d digits", v, ARRAY_MAX_SUM_DIGITS);
        return false;
    }
    *out = (long)v;
    return true;
}

bool array_sum_bounds(const struct checker *ck, const struct ast_expr *a,
                      bool report, long *lo, long *hi)
{
    if (a->nargs != 3)
        return false;
    for (int b = 0; b < 2; b++)
        if (!small_value(ck, a->args[b], false, b ? hi : lo)) {
            if (report)
                diag_error(ck->d, a->args[b]->span, "the bounds of a sum are "
                           "integers known when the model is read: "
                           "arithmetic on j, numbers and 'number' "
                           "constants, of at most %d digits",
                           ARRAY_MAX_SUM_DIGITS);
            return false;
        }
    if (*hi >= *lo && *hi - *lo >= ARRAY_MAX_SUM_TERMS) {
        if (report)
            diag_error(ck->d, a->name, "a sum of %ld terms (more than %d)",
                       *hi - *lo + 1, ARRAY_MAX_SUM_TERMS);
        return false;
    }
    return true;
}

/* The symbol of base's kind declared k places after base, or NULL. */
static struct sym *shift_target(const struct checker *ck,
                                const struct sym *base, long k)
{
    const struct symvec *v = &ck->kind[base->kind];
    struct sym **decl = base->kind == SYM_INTER && ck->inter_decl ?
                        ck->inter_decl : v->v;
    long at = (long)base->pos + k;
    return at >= 0 && (size_t)at < v->n ? decl[at] : NULL;
}

bool array_shift(struct checker *ck, const struct ast_expr *a, bool report,
                 struct array_shift *out)
{
    memset(out, 0, sizeof *out);
    if (a->nargs != 2) {
        if (report)
            diag_error(ck->d, a->span, "'shift' takes 2 arguments, got %d",
                       a->nargs);
        return false;
    }
    const struct ast_expr *x = a->args[0];
    struct sym *base = NULL;
    long idx;
    bool bad = false;
    if (x->kind == AST_NAME)
        base = check_lookup(ck, x->name);
    else if (x->kind == AST_INDEX && x->name.begin != x->name.end)
        base = array_element(ck, x, report, &idx, &bad);
    if (base && base->kind == SYM_TAINTED)
        return false;
    if (!base || (base->kind != SYM_STATE && base->kind != SYM_PARAM &&
                  base->kind != SYM_INTER)) {
        if (report && !bad)
            diag_error(ck->d, x->span, "shift() counts from a variable, a "
                       "parameter or an intermediate quantity");
        return false;
    }
    out->base = base;
    /* Outside a sum, or a sum whose counter the offset does not use: one
       element, known now. */
    long k0, k1 = 0;
    bool was = ck->i_known;
    ck->i_known = ck->in_sum;
    ck->i = ck->sum_lo;
    long n = ck->in_sum && ck->sum_hi >= ck->sum_lo ?
             ck->sum_hi - ck->sum_lo + 1 : 1;
    bool ok = small_value(ck, a->args[1], false, &k0);
    if (ok && n > 1) {
        ck->i = ck->sum_lo + 1;
        ok = small_value(ck, a->args[1], false, &k1);
    }
    if (!ok && report)
        diag_error(ck->d, a->args[1]->span, "the offset of shift() is an "
                   "integer known when the model is read: arithmetic on j, "
                   "i', numbers and 'number' constants");
    long stride = n > 1 ? k1 - k0 : 0;
    /* Every value of i' is visited: the offset must be affine in it, and
       every element it reaches must exist and be stored in that order. */
    struct sym *t0 = NULL;
    long s0 = 0, sstride = 0;
    for (long q = 0; ok && q < n; q++) {
        long k = k0 + stride * q;
        if (q > 1) {
            if (++ck->shift_work > ARRAY_MAX_SHIFT_WORK) {
                if (report)
                    diag_error(ck->d, a->span, "the model reads too many "
                               "elements through shift() (more than %d)",
                               ARRAY_MAX_SHIFT_WORK);
                ok = false;
                break;
            }
            ck->i = ck->sum_lo + q;
            long kq;
            if (!(ok = small_value(ck, a->args[1], false, &kq))) {
                if (report)
                    diag_error(ck->d, a->args[1]->span, "the offset of "
                               "shift() is not an integer for i'=%ld",
                               ck->i);
                break;
            }
            if (kq != k) {
                if (report)
                    diag_error(ck->d, a->args[1]->span, "the offset of "
                               "shift() does not change by a constant step "
                               "with i' (%ld, %ld, then %ld)", k0, k1, kq);
                ok = false;
                break;
            }
        }
        struct sym *t = shift_target(ck, base, k);
        if (!t) {
            if (report) {
                char when[48] = "";
                if (ck->in_sum)
                    snprintf(when, sizeof when, " for i'=%ld", ck->sum_lo + q);
                diag_error(ck->d, a->span, "shift(%s, %ld)%s: no %s is "
                           "declared %ld places %s '%s'", base->name, k, when,
                           base->kind == SYM_STATE ? "variable" :
                           base->kind == SYM_PARAM ? "parameter" :
                           "intermediate quantity", k < 0 ? -k : k,
                           k < 0 ? "before" : "after", base->name);
            }
            ok = false;
            break;
        }
        if (q == 0) {
            t0 = t;
            s0 = t->index;
        } else if (q == 1) {
            sstride = (long)t->index - s0;
        } else if ((long)t->index != s0 + sstride * q) {
            if (report)
                diag_error(ck->d, a->span, "the elements shift() reaches "
                           "from '%s' are not computed in the order they "
                           "are declared", base->name);
            ok = false;
            break;
        }
        out->last = t;
    }
    ck->i_known = was;
    if (!ok)
        return false;
    out->first = t0;
    out->lo = ck->in_sum ? ck->sum_lo : 0;
    out->count = ck->in_sum && n > 1 && stride != 0 ? n : 1;
    out->index0 = s0 - sstride * out->lo;
    out->stride = out->count > 1 ? sstride : 0;
    return true;
}

/* ---- families: runs of elements as loops ---- */

static bool push_family(struct model *m, size_t *cap,
                        struct model_family f)
{
    if (m->n_families == *cap) {
        size_t ncap = *cap ? 2 * *cap : 8;
        struct model_family *v = model_alloc(m, ncap * sizeof *v);
        if (!v)
            return false;
        if (m->n_families)
            memcpy(v, m->families, m->n_families * sizeof *v);
        m->families = v;
        *cap = ncap;
    }
    m->families[m->n_families++] = f;
    return true;
}

static const struct expr *expr_at(struct expr *const *e, size_t stride,
                                  size_t i)
{
    return *(struct expr *const *)((const char *)e + i * stride);
}

/* The body shared by elements i and i + 1 of v, or NULL. */
static struct expr *pair_body(struct checker *ck, const struct symvec *v,
                              struct expr *const *e, size_t stride, size_t i)
{
    if (i + 1 >= v->n)
        return NULL;
    const struct sym *a = v->v[i], *b = v->v[i + 1];
    if (!a->elem || !b->elem || a->stmt != b->stmt || b->j != a->j + 1)
        return NULL;
    return family_unify(ck->m, expr_at(e, stride, i), expr_at(e, stride, i + 1),
                 &ck->oom);
}

/* How many elements from i on `body` (formed with j = 0 at i) covers. */
static size_t run_length(const struct symvec *v, struct expr *const *e,
                         size_t stride, size_t i, const struct expr *body)
{
    const struct sym *a = v->v[i];
    size_t n = 2;
    while (i + n < v->n) {
        const struct sym *c = v->v[i + n];
        if (!c->elem || c->stmt != a->stmt || c->j != a->j + (long)n ||
            !family_matches(body, expr_at(e, stride, i + n), (long)n))
            break;
        n++;
    }
    return n;
}

/* Families over the equations of one kind: v[i] their symbols, e[i] their
   expressions (`stride` bytes apart).  Greedy from the first element, but
   an element that only pairs with its neighbour through an accident of
   its boundary (x1 reading a scalar x0 declared elsewhere) is left alone
   when the run from the next element is longer. */
static void families_of(struct checker *ck, enum model_family_kind kind,
                        const struct symvec *v, struct expr *const *e,
                        size_t stride, size_t *cap)
{
    struct model *m = ck->m;
    size_t i = 0;
    struct expr *next = NULL;
    while (i + 1 < v->n && !ck->oom) {
        struct expr *body = next ? next : pair_body(ck, v, e, stride, i);
        next = NULL;
        if (!body) {
            i++;
            continue;
        }
        size_t n = run_length(v, e, stride, i, body);
        struct expr *alt = pair_body(ck, v, e, stride, i + 1);
        if (alt && run_length(v, e, stride, i + 1, alt) > n - 1) {
            next = alt;
            i++;
            continue;
        }
        if (!push_family(m, cap, (struct model_family){ kind, i, n, body }))
            ck->oom = true;
        i += n;
    }
}

void array_families(struct checker *ck)
{
    struct model *m = ck->m;
    size_t cap = 0;
    if (ck->n_elements == 0)
        return;
    if (m->n_inters)
        families_of(ck, FAM_INTER, &ck->kind[SYM_INTER], &m->inters[0].value,
                    sizeof *m->inters, &cap);
    if (m->n_states)
        families_of(ck, FAM_STATE, &ck->kind[SYM_STATE], &m->states[0].rhs,
                    sizeof *m->states, &cap);
    if (m->n_aux)
        families_of(ck, FAM_AUX, &ck->kind[SYM_AUX], &m->aux[0].value,
                    sizeof *m->aux, &cap);
}
