/* testbackend.h - a model built by both backends, for agreement tests.
 * Header only.  Without libtcc (WITH_TCC=0) only the interpreter is built
 * and the comparisons are against references alone. */
#ifndef ODESOLVE_TESTBACKEND_H
#define ODESOLVE_TESTBACKEND_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "interp.h"
#include "jit.h"
#include "problem.h"

struct tb {
    bool have_jit;
    jit *j;
    interp *ip;
    struct ode_problem pj, pi;
    char err[1024];
};

/* Same bits, or both NaN: C compilers keep neither NaN signs nor payloads
   (gcc turns -0.0 - x into -x, tcc does the opposite), so those are not
   part of the backends' contract. */
static inline bool tm_same(double a, double b)
{
    uint64_t x, y;
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    memcpy(&x, &a, sizeof x);
    memcpy(&y, &b, sizeof y);
    return x == y;
}

/* 0 when every backend built; otherwise the first failure's code. */
static inline int tb_new(const struct model *m, struct tb *b)
{
    memset(b, 0, sizeof *b);
    int rc = interp_new(m, &b->ip, &b->pi);
    if (rc)
        return rc;
#if WITH_TCC
    b->have_jit = true;
    rc = jit_compile(m, &b->j, &b->pj, b->err, sizeof b->err);
#endif
    return rc;
}

/* Inside a Check test: both backends must build. */
#define TB_NEW_OK(m, b) do { \
        int tb_rc_ = tb_new((m), (b)); \
        ck_assert_msg(tb_rc_ == 0, "backend build failed (%d): %s", tb_rc_, (b)->err); \
    } while (0)

static inline void tb_free(struct tb *b)
{
    jit_free(b->j);
    interp_free(b->ip);
    b->j = NULL;
    b->ip = NULL;
}

#endif
