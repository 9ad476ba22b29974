/* solve.c - the integration loop: options, step-size selection, hitting t1,
 * save points, failures. */
#include "solve.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "dense.h"
#include "erk.h"
#include "tableau.h"

/* The last step is stretched to t1 when at most this many proposed steps
   remain, instead of leaving a sliver of a step (HNW's DOPRI5 uses 1.01). */
#define SOLVE_STRETCH 1.01
/* A step needed below this many ulps of t cannot move t: give up. */
#define SOLVE_ULPS 16.0
/* Steps of the constant controller when dt is 0. */
#define SOLVE_DEFAULT_STEPS 1000.0
/* A fixed step or save grid landing within this fraction of a spacing of
   t1 is taken to end at t1 (rounding, not a real remainder). */
#define SOLVE_GRID_FUZZ 1e-6
/* More steps or save points than this is a mistake in the settings. */
#define SOLVE_MAX_COUNT 1e15

struct run {
    const struct solve_opts *o;
    const struct solve_sink *sink;
    volatile const int *stop;
    struct solve_stats *st;
    struct solve_failure *fail;
    const struct rk_tableau *tab;
    struct erk e;
    struct dense d;
    struct ctl ctl;
    double *yout;
    bool adaptive;
    double dir;               /* +1 forwards, -1 backwards */
    double save_step;         /* signed grid spacing */
    long save_k;              /* next grid index; save_n means t1 */
    long save_n;              /* grid points strictly before t1 */
};

void solve_opts_default(struct solve_opts *o)
{
    memset(o, 0, sizeof *o);
    o->method = "dopri5";
    o->controller = CTL_DEFAULT;
    o->t0 = 0.0;
    o->t1 = 20.0;
    o->rtol = 1e-6;
    o->atol = 1e-9;
    o->pcoeff = NAN;
    o->icoeff = NAN;
    o->dcoeff = NAN;
    o->save = SAVE_GRID;
}

static int failed(struct run *r, int code, double t, double h, long var,
                  const char *fmt, ...)
{
    va_list ap;

    r->fail->t = t;
    r->fail->dt = h;
    r->fail->var = var;
    va_start(ap, fmt);
    vsnprintf(r->fail->why, sizeof r->fail->why, fmt, ap);
    va_end(ap);
    return code;
}

static long first_bad(const double *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return (long)i;
    return -1;
}

static int emit(struct run *r, double t, const double *y)
{
    if (r->sink->row(r->sink->ctx, t, y))
        return failed(r, ODE_EOUTPUT, t, 0.0, -1, "the output sink failed");
    return 0;
}

/* Checks the options and resolves the method and controller. */
static int setup(struct run *r, const struct ode_problem *prob)
{
    const struct solve_opts *o = r->o;
    enum solve_controller kind = o->controller;
    double span = fabs(o->t1 - o->t0);
    double ki, kp, kd;

    r->tab = tab_find(o->method ? o->method : "dopri5");
    if (!r->tab)
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "unknown solver '%s' (did you mean '%s'?)",
                      o->method, tab_closest(o->method));
    if (!prob->rhs)
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "the problem has no right-hand side");
    if (!isfinite(o->t0) || !isfinite(o->t1))
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "t0 and t1 must be finite");
    if ((int)kind < CTL_DEFAULT || kind > CTL_PID)
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "unknown controller");
    if (kind == CTL_DEFAULT)
        kind = tab_adaptive(r->tab) ? CTL_PID : CTL_CONSTANT;
    if (kind != CTL_CONSTANT && !tab_adaptive(r->tab))
        return failed(r, ODE_EINVAL, o->t0, 0, -1,
                      "%s has no error estimate; use --controller constant or an "
                      "adaptive solver such as dopri5", r->tab->name);
    r->adaptive = kind != CTL_CONSTANT;
    if (!(o->dt >= 0) || !isfinite(o->dt))
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "dt must be >= 0");
    if (!(o->dtmin >= 0) || !(o->dtmax >= 0) || !isfinite(o->dtmin) || !isfinite(o->dtmax))
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "dtmin and dtmax must be >= 0");
    if (o->dtmax > 0 && o->dtmin > o->dtmax)
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "dtmin %g exceeds dtmax %g",
                      o->dtmin, o->dtmax);
    if (o->max_steps < 0)
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "max_steps must be >= 0");
    if (!(o->bound >= 0))
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "bound must be >= 0");
    if (o->save != SAVE_GRID && o->save != SAVE_STEPS)
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "unknown save mode");
    if (o->save == SAVE_GRID) {
        if (!(o->save_every > 0) || !isfinite(o->save_every))
            return failed(r, ODE_EINVAL, o->t0, 0, -1, "save_every must be > 0");
        if (!(span / o->save_every < SOLVE_MAX_COUNT))
            return failed(r, ODE_EINVAL, o->t0, 0, -1, "save_every %g gives too many save points",
                          o->save_every);
    }
    if (!r->adaptive) {
        if (o->dt > 0 && !(span / o->dt < SOLVE_MAX_COUNT))
            return failed(r, ODE_EINVAL, o->t0, 0, -1, "dt %g gives too many steps", o->dt);
        return 0;
    }
    if (!(o->rtol >= 0) || !isfinite(o->rtol))
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "rtol must be >= 0");
    if (!(o->atol > 0) || !isfinite(o->atol))
        return failed(r, ODE_EINVAL, o->t0, 0, -1,
                      "atol must be > 0 (a purely relative tolerance breaks down where a value is 0)");
    ctl_gains(kind, &ki, &kp, &kd);
    if (kind == CTL_PID) {
        if (!isnan(o->icoeff))
            ki = o->icoeff;
        if (!isnan(o->pcoeff))
            kp = o->pcoeff;
        if (!isnan(o->dcoeff))
            kd = o->dcoeff;
    }
    if (ctl_init(&r->ctl, ki, kp, kd, r->tab->order_emb + 1))
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "controller gains must be finite");
    return 0;
}

/* The next save point on the grid (t1 once the grid is used up). */
static double grid_time(const struct run *r)
{
    if (r->save_k < r->save_n)
        return r->o->t0 + (double)r->save_k * r->save_step;
    return r->o->t1;
}

/* True when a grid point lies strictly inside the step t -> tnew, so the
   step needs its continuous extension. */
static bool grid_inside(const struct run *r, double tnew)
{
    return r->o->save == SAVE_GRID && r->save_k <= r->save_n &&
           r->dir * (grid_time(r) - tnew) < 0;
}

/* Emits the save points of the accepted step t -> tnew (of size h) before
   erk_accept moves y1 into y. */
static int save_step(struct run *r, double t, double h, double tnew)
{
    struct erk *e = &r->e;
    bool built = false;
    int rc;

    if (r->o->save == SAVE_STEPS)
        return emit(r, tnew, e->y1);
    while (r->save_k <= r->save_n) {
        double ts = grid_time(r);
        if (r->dir * (ts - tnew) > 0)
            break;
        if (ts == tnew) {
            rc = emit(r, ts, e->y1);
        } else {
            if (!built) {
                dense_build(&r->d, h, e->y, e->y1, e->k[0], erk_f1_vec(e), e->stages,
                            r->tab->dense_order ? r->tab->dense : NULL,
                            (const double *const *)e->k);
                built = true;
            }
            dense_eval(&r->d, (ts - t) / h, r->yout);
            rc = emit(r, ts, r->yout);
        }
        if (rc)
            return rc;
        r->save_k++;
    }
    return 0;
}

/* Fails with the cause of non-finite values found in the last attempt. */
static int nonfinite(struct run *r, double t, double h, int rhs_rc)
{
    bool in_state;
    long var = erk_bad_var(&r->e, &in_state);

    if (var >= 0)
        return failed(r, ODE_ENONFINITE, t, h, var,
                      in_state ? "non-finite state" : "non-finite derivative");
    return failed(r, ODE_ENONFINITE, t, h, -1,
                  rhs_rc > 0 ? "the right-hand side could not be evaluated"
                             : "non-finite value");
}

/* Evaluates f(t, y) at an accepted point.  It does not depend on the step
   size, so a failure here cannot be cured by a smaller step. */
static int first_stage(struct run *r, double t, double h)
{
    struct erk *e = &r->e;
    int rc = erk_f0(e, t);
    long var;

    if (rc < 0)
        return failed(r, ODE_ERHS, t, h, -1, "the right-hand side asked to stop");
    var = first_bad(e->k[0], e->n);
    if (rc > 0 || var >= 0)
        return failed(r, ODE_ENONFINITE, t, h, var,
                      var >= 0 ? "non-finite derivative"
                               : "the right-hand side could not be evaluated");
    return 0;
}

static int integrate(struct run *r)
{
    const struct solve_opts *o = r->o;
    struct erk *e = &r->e;
    struct solve_stats *st = r->st;
    const double t0 = o->t0, t1 = o->t1, span = fabs(t1 - t0);
    const size_t n = e->n;
    double t = t0, h = 0.0, hmax = span, fac = 1.0;
    long nconst = 0, kconst = 0;
    int rc, last_rc = 0;
    bool last_nonfinite = false;

    rc = first_stage(r, t, 0.0);
    if (rc)
        return rc;
    if (r->adaptive) {
        if (o->dtmax > 0 && o->dtmax < hmax)
            hmax = o->dtmax;
        if (o->dt > 0) {
            h = fmin(o->dt, hmax);
        } else {
            rc = erk_initial_step(e, t0, r->dir, hmax, o->rtol, o->atol, &h);
            if (rc < 0)
                return failed(r, ODE_ERHS, t, h, -1, "the right-hand side asked to stop");
        }
        if (h < o->dtmin)
            h = o->dtmin;
    } else {
        double steps;
        h = o->dt > 0 ? o->dt : span / SOLVE_DEFAULT_STEPS;
        steps = span / h;
        nconst = (long)ceil(steps - SOLVE_GRID_FUZZ);
        if (nconst < 1)
            nconst = 1;
    }

    for (;;) {
        double hstep, tnew, err = 0.0;
        bool last;

        if (r->stop && *r->stop)
            return failed(r, ODE_EINTR, t, h, -1, "interrupted");
        if (o->max_steps > 0 && st->steps + st->rejected >= o->max_steps)
            return failed(r, ODE_EMAXSTEPS, t, h, -1, "reached the limit of %ld steps",
                          o->max_steps);
        if (r->adaptive) {
            last = fabs(t1 - t) <= SOLVE_STRETCH * h;
            hstep = last ? t1 - t : r->dir * h;
        } else {
            last = kconst + 1 >= nconst;
            hstep = (last ? t1 : t0 + (double)(kconst + 1) * r->dir * h) - t;
        }
        tnew = last ? t1 : t + hstep;

        if (!e->f0_ok) {
            rc = first_stage(r, t, hstep);
            if (rc)
                return rc;
        }
        rc = erk_step(e, t, hstep);
        if (rc == 0 && !e->fsal && grid_inside(r, tnew)) {
            rc = erk_f1(e, tnew);
            if (rc == 0 && first_bad(erk_f1_vec(e), n) >= 0)
                rc = 1;
        }
        if (rc < 0)
            return failed(r, ODE_ERHS, t, hstep, -1, "the right-hand side asked to stop");

        if (r->adaptive) {
            err = rc ? NAN : erk_error(e, o->rtol, o->atol);
            fac = ctl_factor(&r->ctl, err);
            if (!(err <= 1.0)) {
                double hnew = fabs(hstep) * fac;
                st->rejected++;
                last_rc = rc;
                /* An infinite norm from finite values (a huge error) is an
                   ordinary rejection. */
                if (!isfinite(err)) {
                    bool in_state;
                    last_nonfinite = rc > 0 || erk_bad_var(e, &in_state) >= 0;
                } else {
                    last_nonfinite = false;
                }
                if (o->dtmin > 0 && hnew < o->dtmin) {
                    if (h <= o->dtmin) {
                        if (last_nonfinite)
                            return nonfinite(r, t, hstep, last_rc);
                        return failed(r, ODE_EDTMIN, t, hstep,
                                      erk_worst_var(e, o->rtol, o->atol),
                                      "step size %.3g fell below dtmin %g", hnew, o->dtmin);
                    }
                    hnew = o->dtmin;
                }
                if (hnew <= SOLVE_ULPS * DBL_EPSILON * fabs(t) || hnew < DBL_MIN) {
                    if (last_nonfinite)
                        return nonfinite(r, t, hstep, last_rc);
                    return failed(r, ODE_EDTMIN, t, hstep,
                                  erk_worst_var(e, o->rtol, o->atol),
                                  "step size %.3g underflows at this t", hnew);
                }
                h = hnew;
                continue;
            }
        } else if (rc || !erk_finite(e) ||
                   (e->fsal && first_bad(erk_f1_vec(e), n) >= 0)) {
            /* A constant step cannot be retried smaller. */
            return nonfinite(r, t, hstep, rc);
        }

        if (o->bound > 0) {
            size_t i;
            for (i = 0; i < n; i++)
                if (!(fabs(e->y1[i]) <= o->bound))
                    return failed(r, ODE_ENONFINITE, t, hstep, (long)i, "exceeds bound %g",
                                  o->bound);
        }
        rc = save_step(r, t, hstep, tnew);
        if (rc)
            return rc;
        erk_accept(e);
        st->steps++;
        st->dt_last = hstep;
        t = tnew;
        if (last)
            return 0;
        if (r->adaptive) {
            h = fabs(hstep) * fac;
            if (h > hmax)
                h = hmax;
            if (h < o->dtmin)
                h = o->dtmin;
        } else {
            kconst++;
        }
    }
}

int solve_run(const struct ode_problem *prob, const double *p,
              const double *y0, const struct solve_opts *o,
              const struct solve_sink *sink, volatile const int *stop,
              struct solve_stats *st, struct solve_failure *fail)
{
    struct solve_stats st_local;
    struct solve_failure fail_local;
    struct run r;
    size_t n;
    long bad;
    int rc;

    if (!st)
        st = &st_local;
    if (!fail)
        fail = &fail_local;
    memset(st, 0, sizeof *st);
    memset(fail, 0, sizeof *fail);
    fail->var = -1;
    memset(&r, 0, sizeof r);
    r.o = o;
    r.sink = sink;
    r.stop = stop;
    r.st = st;
    r.fail = fail;
    if (!prob || !o || !sink || !sink->row || (!y0 && prob->n_states > 0)) {
        snprintf(fail->why, sizeof fail->why, "missing problem, options, state or sink");
        return ODE_EINVAL;
    }
    fail->t = o->t0;
    rc = setup(&r, prob);
    if (rc)
        return rc;
    n = prob->n_states;
    r.dir = o->t1 >= o->t0 ? 1.0 : -1.0;
    r.save_step = r.dir * o->save_every;
    if (o->save == SAVE_GRID) {
        double ratio = fabs(o->t1 - o->t0) / o->save_every;
        r.save_n = (long)ceil(ratio - SOLVE_GRID_FUZZ);
        if (r.save_n < 1)
            r.save_n = 1;
    }

    rc = erk_init(&r.e, r.tab, prob, p, r.adaptive);
    if (rc)
        goto done;
    rc = dense_init(&r.d, n);
    if (rc)
        goto done;
    r.yout = malloc((n + 1) * sizeof *r.yout);
    if (!r.yout) {
        rc = ODE_ENOMEM;
        goto done;
    }
    if (n)
        memcpy(r.e.y, y0, n * sizeof *y0);
    bad = first_bad(r.e.y, n);
    if (bad >= 0) {
        rc = failed(&r, ODE_ENONFINITE, o->t0, 0, bad, "non-finite initial value");
        goto done;
    }
    rc = emit(&r, o->t0, r.e.y);
    if (rc)
        goto done;
    r.save_k = 1;
    if (o->t1 != o->t0)
        rc = integrate(&r);
done:
    st->nfev = r.e.nfev;
    if (rc == ODE_ENOMEM)
        snprintf(fail->why, sizeof fail->why, "out of memory");
    free(r.yout);
    dense_free(&r.d);
    erk_free(&r.e);
    return rc;
}
