/* model.c - the checked model's storage: an arena and node constructors. */
#include "model.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Blocks are chained; a request larger than a block gets a block of its own. */
struct arena_block {
    struct arena_block *next;
    size_t used, size;
    alignas(max_align_t) unsigned char data[];
};

struct arena {
    struct arena_block *head;
};

enum { ARENA_BLOCK = 64 * 1024 };

struct model *model_new(const char *file, char *src, size_t len)
{
    struct model *m = calloc(1, sizeof *m);
    struct arena *a = calloc(1, sizeof *a);
    if (!m || !a)
        goto fail;
    m->arena = a;
    m->src = src;
    m->src_len = len;
    m->file = model_strndup(m, file, strlen(file));
    if (!m->file)
        goto fail;
    return m;
fail:
    if (m && m->arena) {
        m->src = NULL;  /* ownership of src stays with the caller on failure */
        model_free(m);
        return NULL;
    }
    free(a);
    free(m);
    return NULL;
}

void model_free(struct model *m)
{
    if (!m)
        return;
    if (m->arena) {
        struct arena_block *b = m->arena->head;
        while (b) {
            struct arena_block *next = b->next;
            free(b);
            b = next;
        }
        free(m->arena);
    }
    free((char *)m->src);
    free(m);
}

void *model_alloc(struct model *m, size_t size)
{
    const size_t align = alignof(max_align_t);
    struct arena_block *b = m->arena->head;
    size = (size + align - 1) / align * align;
    if (size == 0)
        size = align;
    if (!b || b->size - b->used < size) {
        size_t cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;
        b = calloc(1, sizeof *b + cap);
        if (!b)
            return NULL;
        b->size = cap;
        b->next = m->arena->head;
        m->arena->head = b;
    }
    void *p = b->data + b->used;
    b->used += size;
    return p;
}

char *model_strndup(struct model *m, const char *s, size_t len)
{
    char *d = model_alloc(m, len + 1);
    if (d)
        memcpy(d, s, len);
    return d;
}

struct expr *expr_new(struct model *m, enum expr_kind kind, int nargs,
                      struct span span)
{
    struct expr *e = model_alloc(m, sizeof *e);
    if (!e)
        return NULL;
    e->kind = kind;
    e->nargs = nargs;
    e->span = span;
    if (nargs > 0) {
        e->args = model_alloc(m, (size_t)nargs * sizeof *e->args);
        if (!e->args)
            return NULL;
    }
    return e;
}

struct expr *expr_num(struct model *m, double v, struct span span)
{
    struct expr *e = expr_new(m, EX_NUM, 0, span);
    if (e)
        e->num = v;
    return e;
}

struct expr *expr_leaf(struct model *m, enum expr_kind kind, int index,
                       struct span span)
{
    struct expr *e = expr_new(m, kind, 0, span);
    if (e)
        e->index = index;
    return e;
}

struct expr *expr_unary(struct model *m, enum expr_kind kind,
                        struct expr *a, struct span span)
{
    struct expr *e = expr_new(m, kind, 1, span);
    if (e)
        e->args[0] = a;
    return e;
}

struct expr *expr_binary(struct model *m, enum expr_kind kind,
                         struct expr *a, struct expr *b, struct span span)
{
    struct expr *e = expr_new(m, kind, 2, span);
    if (e) {
        e->args[0] = a;
        e->args[1] = b;
    }
    return e;
}

bool expr_arity_ok(const struct expr *e, int n)
{
    if (e->nargs != n || (n > 0 && !e->args))
        return false;
    for (int i = 0; i < n; i++)
        if (!e->args[i])
            return false;
    return true;
}

long model_find_state(const struct model *m, const char *name)
{
    for (size_t i = 0; i < m->n_states; i++)
        if (strcasecmp(m->states[i].name, name) == 0)
            return (long)i;
    return -1;
}

long model_find_param(const struct model *m, const char *name)
{
    for (size_t i = 0; i < m->n_params; i++)
        if (strcasecmp(m->params[i].name, name) == 0)
            return (long)i;
    return -1;
}

long model_find_aux(const struct model *m, const char *name)
{
    for (size_t i = 0; i < m->n_aux; i++)
        if (strcasecmp(m->aux[i].name, name) == 0)
            return (long)i;
    return -1;
}

long model_find_set(const struct model *m, const char *name)
{
    for (size_t i = 0; i < m->n_sets; i++)
        if (strcasecmp(m->sets[i].name, name) == 0)
            return (long)i;
    return -1;
}

void model_settings_merge(struct model_settings *dst,
                          const struct model_settings *src)
{
#define TAKE(bit, f) if (src->set & (bit)) dst->f = src->f
    TAKE(SET_TOTAL, total);
    TAKE(SET_T0, t0);
    TAKE(SET_DT, dt);
    TAKE(SET_TOL, tol);
    TAKE(SET_ATOL, atol);
    TAKE(SET_DTMIN, dtmin);
    TAKE(SET_DTMAX, dtmax);
    TAKE(SET_BOUND, bound);
    TAKE(SET_MAXSTOR, maxstor);
    TAKE(SET_NOUT, nout);
    TAKE(SET_TRANS, trans);
    TAKE(SET_VMAXPTS, vmaxpts);
#undef TAKE
    if (src->set & SET_METH) {
        dst->meth = src->meth;
        dst->meth_span = src->meth_span;
    }
    dst->set |= src->set;
}
