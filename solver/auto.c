/* auto.c - --solver auto: an explicit pair while the problem is not
 * stiff, a stiff method while it is.
 *
 * Explicit phase: the explicit member runs Hairer's stiffness test at
 * every step (erk.c: |h lambda| from its last two stages against where
 * its stability domain meets the real axis, stiff after 15 positive tests
 * in a row), the approach of his codes DOPRI5 and DOP853 and of LSODA's
 * switching (Petzold, SIAM J. Sci. Stat. Comput. 4 (1983) 136-148).
 * Stiff phase: every AUTO_CHECK_EVERY steps the spectral radius rho of
 * df/dy at the new point is estimated by a few power iterations with
 * difference quotients of f; when the stiff method's next step would be
 * stable for the explicit one with a wide margin (|h| rho below
 * AUTO_BACK_FRACTION of its bound) twice in a row, it switches back, with
 * the step cut to what the explicit method can take.  Each switch happens
 * at an accepted point: the new member starts there afresh (its first
 * stage, history and Jacobian), as after a stop.  The members are chosen
 * from the tolerance and the size, as the measurements in bench/results.md
 * say.  The stiff member is made at the first switch to it: a problem that
 * never turns stiff pays nothing for its iteration matrix and linear
 * solver (a fifth of a small nonstiff solve's instructions when it was
 * made at the start). */
#include "auto.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "erk.h"
#include "tableau.h"

/* The explicit member counts a step as stiff from this fraction of its
   stability bound on: at tight tolerances its steps hover below the bound
   (an error-controlled step that stability keeps small), and Hairer's 15
   positive tests in a row at the bound itself came only after 91,000 vern9
   steps on Robertson at rtol 1e-10 (radau5: 1324; with 0.8: 25,800, with
   0.5: 1,816 in all).  At 0.5 no problem of the nonstiff bench (lorenz,
   arenstorf, pleiades, bruss1d at rtol 1e-4..1e-10) switches. */
#define AUTO_STIFF_FRACTION 0.5
/* Accepted stiff steps before the first check for a way back, and the
   spacing of the checks. */
#define AUTO_MIN_STIFF 16
#define AUTO_CHECK_EVERY 4
/* Back to explicit when |h| rho < this fraction of its stability bound,
   at this many checks in a row. */
#define AUTO_BACK_FRACTION 0.5
#define AUTO_BACK_CHECKS 2
/* Power iterations per estimate of rho. */
#define AUTO_POWER_ITERS 4
/* The step cut after a failed Newton iteration, without the member's own
   step selection (as solve.c does). */
#define AUTO_NEWTON_CUT 0.25
/* The explicit member: tsit5 from AUTO_LOOSE_RTOL up, vern7 down to
   AUTO_TIGHT_RTOL, vern9 below.  At equal error (not equal rtol: vern9's
   error is far below its rtol) vern9 was the cheapest of the nonstiff
   problems of the shared bench at rtol 1e-8 on all four (lorenz,
   arenstorf, pleiades, bruss1d: 0.82-0.95 of vern7's time with an
   error no larger), tsit5 within 1.2 of the best at 1e-4 and 1e-6. */
#define AUTO_LOOSE_RTOL 1e-6
#define AUTO_TIGHT_RTOL 1e-7
/* Below this rtol the stiff member of a small system is radau5, else
   rodas5 (bench/results.md: rodas5's steps grow fast below it). */
#define AUTO_STIFF_TIGHT_RTOL 1e-7
/* From this many states the stiff member is bdf. */
#define AUTO_LARGE_N 100

struct auto_state {
    struct stepper_method mex, mim;
    struct stepper ex, im;
    bool have_im;            /* a stiff method is registered (mim) */
    bool made_im;            /* ... and im is made */
    struct stepper *cur;
    struct ctl ctl_ex, ctl_im;
    double t, dir;           /* the accepted point of the current attempt */
    long since;              /* accepted steps since the last switch */
    int back;                /* checks in a row that allowed a way back */
    bool switch_next;        /* accept() switches members */
    double rho;              /* last estimate of the spectral radius */
    double hlamb;            /* |h lambda| at the last switch to stiff */
    double *v, *w, *f0;      /* power iteration */
    size_t used;             /* bytes of notes in use */
};

static struct auto_state *as_of(struct stepper *s)
{
    return s->impl;
}

/* The counters of both members, and the stiff member's linear solver. */
static void as_sync(struct stepper *s)
{
    struct auto_state *a = as_of(s);
    const struct stepper_stats *x = &a->ex.st, *y = &a->im.st;

    s->st.nfev = x->nfev + y->nfev;
    s->st.njev = x->njev + y->njev;
    s->st.nlu = x->nlu + y->nlu;
    s->st.nsolve = x->nsolve + y->nsolve;
    s->st.nnewton = x->nnewton + y->nnewton;
    s->st.nnewton_fail = x->nnewton_fail + y->nnewton_fail;
    s->y = a->cur->y;
    s->y1 = a->cur->y1;
    if (a->made_im) {
        s->linsolve_name = a->im.linsolve_name;
        s->jac_exact = a->im.jac_exact;
    }
}

/* Appends a switch to s->notes for --stats, as long as there is room
   (the first switches tell the story). */
static void note(struct stepper *s, const char *msg)
{
    struct auto_state *a = as_of(s);
    size_t cap = sizeof s->notes;
    int k;

    if (a->used + 1 >= cap)
        return;
    k = snprintf(s->notes + a->used, cap - a->used, "; %s", msg);
    if (k > 0)
        a->used = a->used + (size_t)k < cap ? a->used + (size_t)k : cap - 1;
}

static void as_destroy(struct stepper *s)
{
    struct auto_state *a = as_of(s);
    if (!a)
        return;
    stepper_free(&a->ex);
    stepper_free(&a->im);
    free(a->v);
    free(a->w);
    free(a->f0);
    free(a);
    s->impl = NULL;
}

static int as_begin(struct stepper *s, double t, bool after_stop, double dir)
{
    struct auto_state *a = as_of(s);
    int rc = a->cur->ops->begin(a->cur, t, after_stop, dir);
    a->t = t;
    a->dir = dir;
    as_sync(s);
    return rc;
}

static int as_initial_step(struct stepper *s, double t0, double dir, double hmax, double *h)
{
    struct auto_state *a = as_of(s);
    int rc = a->cur->ops->initial_step(a->cur, t0, dir, hmax, h);
    as_sync(s);
    return rc;
}

static int as_step(struct stepper *s, double t, double h, bool dense)
{
    struct auto_state *a = as_of(s);
    int rc = a->cur->ops->step(a->cur, t, h, dense);
    as_sync(s);
    return rc;
}

static double as_error(struct stepper *s)
{
    struct auto_state *a = as_of(s);
    return a->cur->ops->error(a->cur);
}

static long as_worst_var(struct stepper *s)
{
    struct auto_state *a = as_of(s);
    return a->cur->ops->worst_var(a->cur);
}

static long as_bad_var(struct stepper *s, bool *in_state)
{
    struct auto_state *a = as_of(s);
    return a->cur->ops->bad_var(a->cur, in_state);
}

static int as_dense(struct stepper *s, double t, double h, double theta, double *out)
{
    struct auto_state *a = as_of(s);
    int rc = a->cur->ops->dense(a->cur, t, h, theta, out);
    as_sync(s);
    return rc;
}

/* The RMS norm of v. */
static double norm2(const double *v, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += v[i] * v[i];
    return sqrt(sum);
}

/* rho(df/dy) at (t, y) by power iterations on difference quotients
   (f(y + d v) - f(y)) / d, started from v (the last step's direction,
   which carries the stiff components the step damped).  Counts its
   right-hand side calls in the stiff member's nfev.  NaN when f fails. */
static double spectral_radius(struct stepper *s, double t, const double *y, const double *y_prev)
{
    struct auto_state *a = as_of(s);
    const struct ode_problem *prob = s->cfg->prob;
    const size_t n = s->n;
    double ny = norm2(y, n), nv, d, rho = 0.0;
    size_t i;
    int k;

    if (prob->rhs(prob->ctx, t, y, s->cfg->p, a->f0))
        return NAN;
    a->im.st.nfev++;
    for (i = 0; i < n; i++)
        a->v[i] = y[i] - y_prev[i];
    nv = norm2(a->v, n);
    if (!(nv > 0)) {
        for (i = 0; i < n; i++)
            a->v[i] = 1.0;
        nv = norm2(a->v, n);
    }
    for (k = 0; k < AUTO_POWER_ITERS && nv > 0; k++) {
        /* A perturbation of relative size sqrt(eps) of y. */
        d = 1.5e-8 * (ny > 0 ? ny : 1.0) / nv;
        for (i = 0; i < n; i++)
            a->w[i] = y[i] + d * a->v[i];
        if (prob->rhs(prob->ctx, t, a->w, s->cfg->p, a->v))
            return NAN;
        a->im.st.nfev++;
        for (i = 0; i < n; i++)
            a->v[i] = (a->v[i] - a->f0[i]) / d;
        rho = norm2(a->v, n) / nv;
        nv = norm2(a->v, n);
        if (!isfinite(rho))
            return NAN;
    }
    return rho;
}

static double member_next(struct stepper *m, struct ctl *c, double h, double err,
                          bool accepted, int fail)
{
    if (m->ops->next_step)
        return m->ops->next_step(m, h, err, accepted, fail);
    if (fail == STEP_NEWTON || fail == STEP_SINGULAR)
        return AUTO_NEWTON_CUT * h;
    return h * ctl_factor(c, err);
}

/* Makes the stiff member on the first switch to it.  When it cannot be
   made (no memory, a linear solver that refuses the problem), auto says
   why in its notes and stays explicit: the explicit member still solves
   the problem, slowly. */
static bool make_im(struct stepper *s)
{
    struct auto_state *a = as_of(s);
    char msg[sizeof a->im.why + 64];

    if (a->made_im)
        return true;
    if (stepper_new(&a->im, &a->mim, s->cfg) == 0) {
        a->made_im = true;
        return true;
    }
    snprintf(msg, sizeof msg, "%s not started: %s", a->mim.name, a->im.why);
    note(s, msg);
    stepper_free(&a->im);
    a->have_im = false;
    return false;
}

static double as_next_step(struct stepper *s, double h, double err, bool accepted, int fail)
{
    struct auto_state *a = as_of(s);
    const struct rk_tableau *tab = a->mex.data;
    double hn, hlamb;
    char msg[128];

    if (a->cur == &a->ex) {
        hn = member_next(&a->ex, &a->ctl_ex, h, err, accepted, fail);
        if (accepted && a->have_im && erk_stepper_stiff_after(&a->ex, &hlamb) && make_im(s)) {
            a->switch_next = true;
            a->hlamb = hlamb;
            snprintf(msg, sizeof msg, "%s -> %s at t = %.6g (|h lambda| %.3g > %.3g)",
                     a->mex.name, a->mim.name, a->t + a->dir * h, hlamb,
                     AUTO_STIFF_FRACTION * tab->stiff_bound);
            note(s, msg);
        }
        return hn;
    }
    hn = member_next(&a->im, &a->ctl_im, h, err, accepted, fail);
    if (!accepted)
        return hn;
    a->since++;
    if (a->since >= AUTO_MIN_STIFF && a->since % AUTO_CHECK_EVERY == 0) {
        a->rho = spectral_radius(s, a->t + a->dir * h, a->im.y1, a->im.y);
        if (isfinite(a->rho) && hn * a->rho < AUTO_BACK_FRACTION * tab->stiff_bound)
            a->back++;
        else
            a->back = 0;
        if (a->back >= AUTO_BACK_CHECKS) {
            a->switch_next = true;
            a->back = 0;
            snprintf(msg, sizeof msg, "%s -> %s at t = %.6g (|h| rho %.3g < %.3g)",
                     a->mim.name, a->mex.name, a->t + a->dir * h, hn * a->rho,
                     AUTO_BACK_FRACTION * tab->stiff_bound);
            note(s, msg);
            /* The explicit method's first step must be stable. */
            hn = fmin(hn, AUTO_BACK_FRACTION * tab->stiff_bound / a->rho);
        }
    }
    return hn;
}

static void as_accept(struct stepper *s, double t, double h)
{
    struct auto_state *a = as_of(s);
    struct stepper *from = a->cur, *to;

    from->ops->accept(from, t, h);
    if (a->switch_next) {
        a->switch_next = false;
        to = from == &a->ex ? &a->im : &a->ex;
        memcpy(to->y, from->y, s->n * sizeof *to->y);
        to->ops->reset(to);
        a->cur = to;
        a->since = 0;
        s->st.nswitch++;
        if (to == &a->im && isnan(s->st.stiff_t)) {
            s->st.stiff_t = t + h;
            s->st.stiff_hlamb = a->hlamb;
        }
    }
    as_sync(s);
}

static void as_reset(struct stepper *s)
{
    struct auto_state *a = as_of(s);
    a->cur->ops->reset(a->cur);
}

static const struct stepper_ops auto_ops = {
    .destroy = as_destroy,
    .begin = as_begin,
    .initial_step = as_initial_step,
    .step = as_step,
    .error = as_error,
    .worst_var = as_worst_var,
    .bad_var = as_bad_var,
    .dense = as_dense,
    .accept = as_accept,
    .reset = as_reset,
    .next_step = as_next_step,
};

/* The first of the names that is registered, into *m. */
static bool first_found(const char *const *names, struct stepper_method *m)
{
    for (; *names; names++)
        if (stepper_find(*names, m))
            return true;
    return false;
}

static int auto_create(struct stepper *s, const struct stepper_method *m,
                       const struct stepper_cfg *cfg)
{
    static const char *const small_loose[] = { "rodas5", "radau5", "bdf", "kvaerno5", NULL };
    static const char *const small_tight[] = { "radau5", "rodas5", "bdf", "kvaerno5", NULL };
    static const char *const large[] = { "bdf", "radau5", "rodas5", "kvaerno5", NULL };
    const struct ctl_preset *pid = ctl_preset(CTL_PID);
    struct auto_state *a = calloc(1, sizeof *a);
    size_t n = s->n;
    int rc;

    (void)m;
    if (!a)
        return ODE_ENOMEM;
    s->impl = a;
    s->ops = &auto_ops;
    if (!stepper_find(cfg->rtol >= AUTO_LOOSE_RTOL ? "tsit5"
                      : cfg->rtol >= AUTO_TIGHT_RTOL ? "vern7" : "vern9", &a->mex)) {
        snprintf(s->why, sizeof s->why, "auto: no explicit method");
        rc = ODE_EINVAL;
        goto fail;
    }
    a->have_im = first_found(n >= AUTO_LARGE_N ? large
                             : cfg->rtol < AUTO_STIFF_TIGHT_RTOL ? small_tight : small_loose,
                             &a->mim);
    a->v = calloc(n + 1, sizeof *a->v);
    a->w = calloc(n + 1, sizeof *a->w);
    a->f0 = calloc(n + 1, sizeof *a->f0);
    if (!a->v || !a->w || !a->f0) {
        rc = ODE_ENOMEM;
        goto fail;
    }
    rc = stepper_new(&a->ex, &a->mex, cfg);
    if (rc)
        goto fail;
    if (ctl_init(&a->ctl_ex, &pid->f, stepper_err_order(&a->mex), a->mex.err_target) ||
        ctl_init(&a->ctl_im, &pid->f, a->have_im ? stepper_err_order(&a->mim) : 1,
                 a->have_im ? a->mim.err_target : 0.0)) {
        rc = ODE_EINVAL;
        goto fail;
    }
    erk_stepper_stiff_every(&a->ex, 1, AUTO_STIFF_FRACTION);
    a->cur = &a->ex;
    snprintf(s->notes, sizeof s->notes, "%s and %s", a->mex.name,
             a->have_im ? a->mim.name : "no stiff method");
    a->used = strlen(s->notes);
    as_sync(s);
    return 0;
fail:
    as_destroy(s);
    return rc;
}

const struct stepper_method auto_method = {
    .name = "auto",
    .desc = "tsit5, vern7 or vern9, switching to a stiff method (rodas5, radau5 or bdf) "
            "where the problem is stiff, and back",
    .family = FAM_AUTO,
    .order = 5,
    .order_emb = 4,
    .needs_jac = true,
    .create = auto_create,
};
