/* fixed.c - hand-written fixed-step methods behind stepper.h (fixed.h). */
#include "fixed.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum fixed_kind { FX_DISCRETE, FX_SYMPLECTIC, FX_EULER, FX_HEUN, FX_RK4 };

/* Ruth (1983), third order: x moves by c_i h v, then v by d_i h F(x),
   for i = 1, 2, 3. */
static const double ruth_c[3] = { 7.0 / 24, 3.0 / 4, -1.0 / 24 };
static const double ruth_d[3] = { 2.0 / 3, -2.0 / 3, 1.0 };

struct fixed {
    enum fixed_kind kind;
    double *mem;
    double *k;              /* the last derivatives evaluated */
    double *acc;            /* rk4: the running sum */
    double *arg;            /* a stage's argument */
};

static struct fixed *fx_of(struct stepper *s)
{
    return s->impl;
}

static void fx_destroy(struct stepper *s)
{
    struct fixed *fx = fx_of(s);
    if (!fx)
        return;
    free(fx->mem);
    free(fx);
    s->impl = NULL;
}

/* Every evaluation happens in step(): nothing is carried from one step
   to the next. */
static int fx_begin(struct stepper *s, double t, bool after_stop, double dir)
{
    (void)s, (void)t, (void)after_stop, (void)dir;
    return 0;
}

static int fx_initial_step(struct stepper *s, double t0, double dir, double hmax, double *h)
{
    (void)s, (void)t0, (void)dir;
    *h = hmax;
    return 0;
}

/* f(t, y) into fx->k, counted; the stepper's return code. */
static int fx_rhs(struct stepper *s, double t, const double *y)
{
    const struct ode_problem *prob = s->cfg->prob;
    int rc = prob->rhs(prob->ctx, t, y, s->cfg->p, fx_of(s)->k);

    s->st.nfev++;
    return rc < 0 ? ODE_ERHS : rc > 0 ? STEP_RHS : 0;
}

static long first_nonfinite(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return (long)i;
    return -1;
}

/* XPPAUT's sums (odesol2.c), term by term in its order; the C operators
   are evaluated left to right as written there: h*k/6 is (h*k)/6. */
static int fx_rk4(struct stepper *s, double t, double h)
{
    struct fixed *fx = fx_of(s);
    const size_t n = s->n;
    const double *y = s->y;
    double *k = fx->k, *acc = fx->acc, *arg = fx->arg;
    double th = t + 0.5 * h;
    int rc;

    if ((rc = fx_rhs(s, t, y)))
        return rc;
    for (size_t i = 0; i < n; i++) {
        acc[i] = y[i] + h * k[i] / 6.0;
        arg[i] = y[i] + h * k[i] * 0.5;
    }
    if ((rc = fx_rhs(s, th, arg)))
        return rc;
    for (size_t i = 0; i < n; i++) {
        acc[i] = acc[i] + h * k[i] / 3.0;
        arg[i] = y[i] + 0.5 * h * k[i];
    }
    if ((rc = fx_rhs(s, th, arg)))
        return rc;
    for (size_t i = 0; i < n; i++) {
        acc[i] = acc[i] + h * k[i] / 3.0;
        arg[i] = y[i] + h * k[i];
    }
    if ((rc = fx_rhs(s, t + h, arg)))
        return rc;
    for (size_t i = 0; i < n; i++)
        s->y1[i] = acc[i] + h * k[i] / 6.0;
    return 0;
}

static int fx_heun(struct stepper *s, double t, double h)
{
    struct fixed *fx = fx_of(s);
    const size_t n = s->n;
    int rc;

    if ((rc = fx_rhs(s, t, s->y)))
        return rc;
    for (size_t i = 0; i < n; i++)
        fx->arg[i] = h * fx->k[i] + s->y[i];
    if ((rc = fx_rhs(s, t + h, fx->arg)))
        return rc;
    for (size_t i = 0; i < n; i++)
        s->y1[i] = 0.5 * (s->y[i] + fx->arg[i] + h * fx->k[i]);
    return 0;
}

/* XPPAUT evaluates F at the step's start time in all three stages. */
static int fx_symplectic(struct stepper *s, double t, double h)
{
    struct fixed *fx = fx_of(s);
    const size_t n = s->n;
    double *y = s->y1;
    int rc;

    memcpy(y, s->y, n * sizeof *y);
    for (int st = 0; st < 3; st++) {
        for (size_t j = 0; j < n; j += 2)
            y[j] += h * ruth_c[st] * y[j + 1];
        if ((rc = fx_rhs(s, t, y)))
            return rc;
        for (size_t j = 0; j < n; j += 2)
            y[j + 1] += h * ruth_d[st] * fx->k[j + 1];
    }
    return 0;
}

static int fx_step(struct stepper *s, double t, double h, bool dense)
{
    struct fixed *fx = fx_of(s);
    int rc = 0;

    (void)dense;
    switch (fx->kind) {
    case FX_DISCRETE:
        rc = fx_rhs(s, t, s->y);
        if (rc == 0)
            memcpy(s->y1, fx->k, s->n * sizeof *s->y1);
        break;
    case FX_EULER:
        rc = fx_rhs(s, t, s->y);
        for (size_t i = 0; rc == 0 && i < s->n; i++)
            s->y1[i] = s->y[i] + h * fx->k[i];
        break;
    case FX_HEUN:
        rc = fx_heun(s, t, h);
        break;
    case FX_RK4:
        rc = fx_rk4(s, t, h);
        break;
    case FX_SYMPLECTIC:
        rc = fx_symplectic(s, t, h);
        break;
    }
    if (rc)
        return rc;
    return first_nonfinite(fx->k, s->n) >= 0 || first_nonfinite(s->y1, s->n) >= 0
               ? STEP_RHS : 0;
}

static double fx_error(struct stepper *s)
{
    (void)s;
    return 0.0;
}

static long fx_worst_var(struct stepper *s)
{
    (void)s;
    return -1;
}

static long fx_bad_var(struct stepper *s, bool *in_state)
{
    long i = first_nonfinite(fx_of(s)->k, s->n);

    *in_state = i < 0;
    return i >= 0 ? i : first_nonfinite(s->y1, s->n);
}

static int fx_dense(struct stepper *s, double t, double h, double theta, double *out)
{
    (void)t, (void)h;
    for (size_t i = 0; i < s->n; i++)
        out[i] = s->y[i] + theta * (s->y1[i] - s->y[i]);
    return 0;
}

static void fx_accept(struct stepper *s, double t, double h)
{
    double *y = s->y;

    (void)t, (void)h;
    s->y = s->y1;
    s->y1 = y;
}

static void fx_reset(struct stepper *s)
{
    (void)s;
}

static const struct stepper_ops fixed_ops = {
    .destroy = fx_destroy,
    .begin = fx_begin,
    .initial_step = fx_initial_step,
    .step = fx_step,
    .error = fx_error,
    .worst_var = fx_worst_var,
    .bad_var = fx_bad_var,
    .dense = fx_dense,
    .accept = fx_accept,
    .reset = fx_reset,
    .next_step = NULL,
};

static int fixed_create(struct stepper *s, const struct stepper_method *m,
                        const struct stepper_cfg *cfg)
{
    struct fixed *fx;
    size_t n = s->n;
    (void)cfg;

    if (m->pairs && n % 2 != 0) {
        snprintf(s->why, sizeof s->why, "%s needs its states in pairs", m->name);
        return ODE_EINVAL;
    }
    fx = calloc(1, sizeof *fx);
    if (!fx)
        return ODE_ENOMEM;
    /* y, y1, k, acc, arg; +1 keeps calloc(0) away. */
    fx->mem = calloc(5 * n + 1, sizeof *fx->mem);
    if (!fx->mem) {
        free(fx);
        return ODE_ENOMEM;
    }
    fx->kind = *(const enum fixed_kind *)m->data;
    s->y = fx->mem;
    s->y1 = fx->mem + n;
    fx->k = fx->mem + 2 * n;
    fx->acc = fx->mem + 3 * n;
    fx->arg = fx->mem + 4 * n;
    s->impl = fx;
    s->ops = &fixed_ops;
    return 0;
}

static const enum fixed_kind kinds[] = { FX_DISCRETE, FX_SYMPLECTIC, FX_EULER, FX_HEUN, FX_RK4 };

const struct stepper_method fixed_discrete = {
    .name = "discrete",
    .desc = "difference equations y(t+1) = f(t, y), one iterate per step (XPPAUT discrete)",
    .family = FAM_EXPLICIT, .order = 1, .order_emb = 0,
    .create = fixed_create, .data = &kinds[0],
};

const struct stepper_method fixed_symplectic = {
    .name = "symplectic",
    .desc = "Ruth's third-order symplectic method for pairs x' = v, v' = F (XPPAUT ymp)",
    .family = FAM_EXPLICIT, .order = 3, .order_emb = 0,
    .create = fixed_create, .data = &kinds[1], .pairs = true,
};

static const struct stepper_method xpp_variants[] = {
    { .name = "euler", .desc = "forward Euler, XPPAUT's arithmetic",
      .family = FAM_EXPLICIT, .order = 1, .create = fixed_create, .data = &kinds[2] },
    { .name = "heun", .desc = "Heun's method, XPPAUT's arithmetic",
      .family = FAM_EXPLICIT, .order = 2, .create = fixed_create, .data = &kinds[3] },
    { .name = "rk4", .desc = "classical Runge-Kutta, XPPAUT's arithmetic",
      .family = FAM_EXPLICIT, .order = 4, .create = fixed_create, .data = &kinds[4] },
};

const struct stepper_method *fixed_xpp_variant(const char *name)
{
    for (size_t i = 0; name && i < sizeof xpp_variants / sizeof *xpp_variants; i++)
        if (strcmp(name, xpp_variants[i].name) == 0)
            return &xpp_variants[i];
    return NULL;
}
