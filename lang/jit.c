/* jit.c - compiles codegen.c's text in memory with libtcc. */
#include "jit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtins.h"
#include "codegen.h"

#if WITH_TCC
#include <libtcc.h>
#include <pthread.h>
#endif

struct jit {
#if WITH_TCC
    TCCState *tcc;
#endif
    void *meta;               /* names and lines (codegen_meta) */
    void *handle;             /* another backend's code (jit_adopt) */
    void (*release)(void *handle);
};

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen > 0)
        snprintf(err, errlen, "%s", msg);
}

jit *jit_adopt(void *meta, void *handle, void (*release)(void *handle))
{
    struct jit *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->meta = meta;
    j->handle = handle;
    j->release = release;
    return j;
}

#if WITH_TCC

/* libtcc keeps global state while it compiles. */
static pthread_mutex_t tcc_lock = PTHREAD_MUTEX_INITIALIZER;

/* tcc's messages ("model.ode:4: error: ..."), one per line, cut at the
   caller's buffer size. */
struct errbuf {
    char *s;
    size_t cap, len;
};

static void on_tcc_error(void *opaque, const char *msg)
{
    struct errbuf *e = opaque;
    if (!e->s || e->cap == 0 || e->len + 1 >= e->cap)
        return;
    int n = snprintf(e->s + e->len, e->cap - e->len, "%s%s",
                     e->len > 0 ? "\n" : "", msg);
    if (n > 0)
        e->len += (size_t)n < e->cap - e->len ? (size_t)n : e->cap - e->len - 1;
}

/* ISO C has no conversion between function and object pointers; the
   platform's dlsym-style ABI makes them the same size, checked here. */
_Static_assert(sizeof(void *) == sizeof(double (*)(double)),
               "function pointers must fit in void *");

static void *builtin_addr(const struct builtin *b)
{
    void *v;
    if (b->arity == 1)
        memcpy(&v, &b->fn.f1, sizeof v);
    else
        memcpy(&v, &b->fn.f2, sizeof v);
    return v;
}

/* cg_jac and cg_jacp, when the model carries their values (diff.h). */
static int bind_jac(const struct model *m, TCCState *s, struct ode_problem *prob,
                    struct errbuf *eb)
{
    void *jac = codegen_has_jac(m) ? tcc_get_symbol(s, CODEGEN_JAC) : NULL;
    void *jacp = codegen_has_jacp(m) ? tcc_get_symbol(s, CODEGEN_JACP) : NULL;
    if ((codegen_has_jac(m) && !jac) || (codegen_has_jacp(m) && !jacp)) {
        on_tcc_error(eb, "the compiled text lacks an entry point ("
                     CODEGEN_JAC " or " CODEGEN_JACP ")");
        return ODE_EJIT;
    }
    memcpy(&prob->jac, &jac, sizeof jac);
    memcpy(&prob->jacp, &jacp, sizeof jacp);
    return 0;
}

static int compile_locked(struct jit *j, const struct model *m, const char *text,
                          const bool *used, struct ode_problem *prob,
                          struct errbuf *eb)
{
    TCCState *s = tcc_new();
    if (!s)
        return ODE_ENOMEM;
    j->tcc = s;
    tcc_set_error_func(s, eb, on_tcc_error);
    tcc_set_options(s, "-nostdlib");
    tcc_set_output_type(s, TCC_OUTPUT_MEMORY);
    if (tcc_compile_string(s, text) < 0)
        return ODE_EJIT;
    for (int i = 0; i < builtin_count(); i++) {
        const struct builtin *b = builtin_at(i);
        if (used[i] && tcc_add_symbol(s, b->symbol, builtin_addr(b)) < 0)
            return ODE_EJIT;
    }
    if (tcc_relocate(s, TCC_RELOCATE_AUTO) < 0)
        return ODE_EJIT;

    void *rhs = tcc_get_symbol(s, CODEGEN_RHS);
    void *aux = m->n_aux > 0 ? tcc_get_symbol(s, CODEGEN_AUX) : NULL;
    void *derive = m->n_derived > 0 ? tcc_get_symbol(s, CODEGEN_DERIVE) : NULL;
    if (!rhs || (m->n_aux > 0 && !aux) || (m->n_derived > 0 && !derive)) {
        on_tcc_error(eb, "the compiled text lacks an entry point ("
                     CODEGEN_RHS ", " CODEGEN_AUX " or " CODEGEN_DERIVE ")");
        return ODE_EJIT;
    }
    memcpy(&prob->rhs, &rhs, sizeof rhs);
    memcpy(&prob->aux, &aux, sizeof aux);
    memcpy(&prob->derive, &derive, sizeof derive);
    void *events = m->n_events > 0 ? tcc_get_symbol(s, CODEGEN_EVENTS) : NULL;
    void *reset = m->n_events > 0 ? tcc_get_symbol(s, CODEGEN_RESET) : NULL;
    if (m->n_events > 0 && (!events || !reset)) {
        on_tcc_error(eb, "the compiled text lacks an entry point ("
            CODEGEN_EVENTS " or " CODEGEN_RESET ")");
        return ODE_EJIT;
    }
    memcpy(&prob->events, &events, sizeof events);
    memcpy(&prob->reset, &reset, sizeof reset);
    void *tsw = m->n_tswitch > 0 ? tcc_get_symbol(s, CODEGEN_TSWITCH) : NULL;
    if (m->n_tswitch > 0 && !tsw) {
        on_tcc_error(eb, "the compiled text lacks " CODEGEN_TSWITCH);
        return ODE_EJIT;
    }
    memcpy(&prob->tswitch, &tsw, sizeof tsw);
    void *kint = m->n_kernels > 0 ? tcc_get_symbol(s, CODEGEN_KINT) : NULL;
    void *klag = m->n_kernels > 0 ? tcc_get_symbol(s, CODEGEN_KLAG) : NULL;
    if (m->n_kernels > 0 && (!kint || !klag)) {
        on_tcc_error(eb, "the compiled text lacks " CODEGEN_KINT " or " CODEGEN_KLAG);
        return ODE_EJIT;
    }
    memcpy(&prob->kernel_integrand, &kint, sizeof kint);
    memcpy(&prob->kernel_lag, &klag, sizeof klag);
    return bind_jac(m, s, prob, eb);
}

static int compile(const struct model *m, const char *text, const bool *used,
                   jit **out, struct ode_problem *prob, char *err, size_t errlen)
{
    struct ode_problem p = { 0 };
    struct errbuf eb = { .s = err, .cap = err ? errlen : 0 };
    struct jit *j = calloc(1, sizeof *j);
    int rc = ODE_ENOMEM;

    if (err && errlen > 0)
        err[0] = '\0';
    if (!j || (rc = codegen_meta(m, &p, &j->meta)) != 0)
        goto fail;
    pthread_mutex_lock(&tcc_lock);
    rc = compile_locked(j, m, text, used, &p, &eb);
    pthread_mutex_unlock(&tcc_lock);
    if (rc)
        goto fail;
    p.ctx = NULL;
    *prob = p;
    *out = j;
    return 0;
fail:
    if (rc == ODE_ENOMEM)
        set_err(err, errlen, "out of memory");
    else if (rc == ODE_EJIT && eb.len == 0)
        set_err(err, errlen, "libtcc failed without a message");
    jit_free(j);
    return rc;
}

int jit_compile(const struct model *m, jit **out, struct ode_problem *prob,
                char *err, size_t errlen)
{
    char *text = NULL;
    bool *used = calloc((size_t)builtin_count() + 1, sizeof *used);
    int rc = ODE_ENOMEM;

    *out = NULL;
    if (!used)
        goto fail;
    rc = codegen_c_used(m, &text, used);
    if (rc == ODE_EINVAL && err && errlen > 0)
        snprintf(err, errlen, "cannot generate code: malformed model (an index or "
                 "arity out of range, or nesting deeper than %d)", CODEGEN_MAX_DEPTH);
    if (rc)
        goto fail;
    rc = compile(m, text, used, out, prob, err, errlen);
fail:
    if (rc == ODE_ENOMEM)
        set_err(err, errlen, "out of memory");
    free(text);
    free(used);
    return rc;
}

int jit_compile_text(const struct model *m, const char *c_text, jit **out,
                     struct ode_problem *prob, char *err, size_t errlen)
{
    bool *used = calloc((size_t)builtin_count() + 1, sizeof *used);
    int rc = ODE_ENOMEM;

    *out = NULL;
    if (!used) {
        set_err(err, errlen, "out of memory");
        return rc;
    }
    /* An extra symbol (os_log for os_log10) is harmless: tcc only binds
       what the text declares. */
    for (int i = 0; i < builtin_count(); i++)
        used[i] = strstr(c_text, builtin_at(i)->symbol) != NULL;
    rc = compile(m, c_text, used, out, prob, err, errlen);
    free(used);
    return rc;
}

void jit_free(jit *j)
{
    if (!j)
        return;
    if (j->tcc) {
        pthread_mutex_lock(&tcc_lock);
        tcc_delete(j->tcc);
        pthread_mutex_unlock(&tcc_lock);
    }
    if (j->release)
        j->release(j->handle);
    free(j->meta);
    free(j);
}

#else /* !WITH_TCC */

static const char no_tcc[] = "built without libtcc; use --no-jit";

int jit_compile(const struct model *m, jit **out, struct ode_problem *prob,
                char *err, size_t errlen)
{
    (void)m;
    (void)prob;
    *out = NULL;
    set_err(err, errlen, no_tcc);
    return ODE_EJIT;
}

int jit_compile_text(const struct model *m, const char *c_text, jit **out,
                     struct ode_problem *prob, char *err, size_t errlen)
{
    (void)m;
    (void)c_text;
    (void)prob;
    *out = NULL;
    set_err(err, errlen, no_tcc);
    return ODE_EJIT;
}

void jit_free(jit *j)
{
    if (!j)
        return;
    if (j->release)
        j->release(j->handle);
    free(j->meta);
    free(j);
}

#endif
