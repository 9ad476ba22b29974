/* family.c - runs of similar equations as loops (see family.h). */
#include "family.h"

#include <math.h>
#include <string.h>

#include "problem.h"

/* Whether v is an integer that fits an int index. */
static bool small_int(double v)
{
    return v == floor(v) && fabs(v) < 1e9;
}

struct expr *family_unify(struct model *m, const struct expr *a,
                          const struct expr *b, bool *oom)
{
    if (!a || !b || a->kind != b->kind || a->nargs != b->nargs)
        return NULL;
    struct expr *e = expr_new(m, a->kind, a->nargs, a->span);
    if (!e) {
        *oom = true;
        return NULL;
    }
    e->index = a->index;
    e->num = a->num;
    switch (a->kind) {
    case EX_NUM:
        if (a->num == b->num && signbit(a->num) == signbit(b->num))
            return e;
        if (!small_int(a->num) || !small_int(b->num))
            return NULL;
        e->kind = EX_JNUM;
        e->index = (int)a->num;
        e->num = b->num - a->num;
        return e;
    case EX_STATE: case EX_PARAM: case EX_INTER:
        if (a->index == b->index)
            return e;
        e->kind = a->kind == EX_STATE ? EX_JSTATE :
                  a->kind == EX_PARAM ? EX_JPARAM : EX_JINTER;
        e->num = (double)b->index - (double)a->index;
        return e;
    case EX_TIME: case EX_ARG:
        return a->index == b->index ? e : NULL;
    case EX_CALL: case EX_UCALL:
        if (a->index != b->index)
            return NULL;
        break;
    case EX_JNUM: case EX_JSTATE: case EX_JPARAM: case EX_JINTER:
        return NULL;
    case EX_SUMI:
        return e;
    case EX_ISTATE: case EX_IPARAM: case EX_IINTER:
        /* The same elements for every j (a shift whose start moves with
           j is written element by element). */
        return a->index == b->index && a->num == b->num ? e : NULL;
    case EX_SUM:
        if (a->index != b->index || a->num != b->num)
            return NULL;
        break;
    default:
        break;
    }
    for (int i = 0; i < a->nargs; i++)
        if (!(e->args[i] = family_unify(m, a->args[i], b->args[i], oom)))
            return NULL;
    return e;
}

bool family_matches(const struct expr *body, const struct expr *x, long j)
{
    if (!x || x->nargs != body->nargs)
        return false;
    double at = (double)body->index + body->num * (double)j;
    switch (body->kind) {
    case EX_JNUM:
        return x->kind == EX_NUM && x->num == at;
    case EX_JSTATE:
        return x->kind == EX_STATE && (double)x->index == at;
    case EX_JPARAM:
        return x->kind == EX_PARAM && (double)x->index == at;
    case EX_JINTER:
        return x->kind == EX_INTER && (double)x->index == at;
    case EX_NUM:
        return x->kind == EX_NUM && x->num == body->num &&
               signbit(x->num) == signbit(body->num);
    default:
        break;
    }
    if (x->kind != body->kind || x->index != body->index)
        return false;
    if ((x->kind == EX_SUM || x->kind == EX_ISTATE || x->kind == EX_IPARAM ||
         x->kind == EX_IINTER) && x->num != body->num)
        return false;
    for (int i = 0; i < body->nargs; i++)
        if (!family_matches(body->args[i], x->args[i], j))
            return false;
    return true;
}


/* ---- loops over rows of a Jacobian ---- */

/* Rows in J->order: row r's values are order[start[r] .. start[r+1]). */
static size_t row_of(const struct model_jac *J, size_t at)
{
    return J->rowind[J->order[at]];
}

/* Whether row block b (values from position `at`, `per` of them) extends
   the loop: same row count, the same rows relative to the row, positions
   affine, values matching. */
static bool row_matches(const struct model_jac *J, const struct model_jac_loop *L,
                        size_t at, long j)
{
    for (size_t q = 0; q < L->per; q++) {
        size_t k = J->order[at + q];
        if ((double)k != (double)L->k0[q] + (double)L->kstride[q] * (double)j ||
            !family_matches(L->body[q], J->val[k], j))
            return false;
    }
    return true;
}

int family_jac_loops(struct model *m, struct model_jac *J)
{
    J->loops = NULL;
    J->n_loops = 0;
    if (!J->val || !J->order || J->nnz == 0)
        return 0;
    size_t cap = 0;
    bool oom = false;
    size_t at = 0;
    while (at < J->nnz && !oom) {
        size_t row = row_of(J, at), per = 0;
        while (at + per < J->nnz && row_of(J, at + per) == row)
            per++;
        size_t at1 = at + per, per1 = 0;
        while (at1 + per1 < J->nnz && row_of(J, at1 + per1) == row + 1)
            per1++;
        if (per1 != per || at1 + per > J->nnz || row_of(J, at1) != row + 1) {
            at = at1;
            continue;
        }
        struct model_jac_loop L = { .row = row, .at = at, .per = per, .nrows = 2 };
        L.k0 = model_alloc(m, per * sizeof *L.k0);
        L.kstride = model_alloc(m, per * sizeof *L.kstride);
        L.body = model_alloc(m, per * sizeof *L.body);
        if (!L.k0 || !L.kstride || !L.body)
            return ODE_ENOMEM;
        bool ok = true;
        for (size_t q = 0; q < per && ok; q++) {
            size_t ka = J->order[at + q], kb = J->order[at1 + q];
            L.k0[q] = ka;
            L.kstride[q] = (long)kb - (long)ka;
            L.body[q] = family_unify(m, J->val[ka], J->val[kb], &oom);
            ok = L.body[q] != NULL;
        }
        if (!ok) {
            at = at1;
            continue;
        }
        size_t next = at1 + per;
        while (next + per <= J->nnz && row_of(J, next) == row + L.nrows &&
               (next + per == J->nnz || row_of(J, next + per) != row + L.nrows) &&
               (per < 2 || row_of(J, next + per - 1) == row + L.nrows) &&
               row_matches(J, &L, next, (long)L.nrows)) {
            L.nrows++;
            next += per;
        }
        if (J->n_loops == cap) {
            size_t ncap = cap ? 2 * cap : 8;
            struct model_jac_loop *v = model_alloc(m, ncap * sizeof *v);
            if (!v)
                return ODE_ENOMEM;
            if (J->n_loops)
                memcpy(v, J->loops, J->n_loops * sizeof *v);
            J->loops = v;
            cap = ncap;
        }
        J->loops[J->n_loops++] = L;
        at = next;
    }
    return oom ? ODE_ENOMEM : 0;
}
