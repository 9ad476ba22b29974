/* solve.c - the integration loop: options, step-size selection, landing on
 * stops and t1, save points, failures. */
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

/* A step is stretched onto the next stop (or t1) when at most this many
   proposed steps remain, instead of leaving a sliver of a step (HNW's
   DOPRI5 uses 1.01 for t1). */
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
/* The progress callback runs when the accepted step count is a multiple
   of this (a power of two, tested with a mask). */
#define SOLVE_PROGRESS_EVERY 256

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
    double save_step;         /* signed grid spacing (SAVE_GRID) */
    long grid_n;              /* SAVE_GRID: grid points strictly before t1 */
    long save_k;              /* next save point, index for save_time() */
    long save_n;              /* save points in all; 0 with SAVE_STEPS */
    double save_next;         /* its time; beyond t1 (dir * inf) when none is left */
    size_t stop_k;            /* next of o->tstops to land on */
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

static int emit(struct run *r, double t, const double *y)
{
    if (r->sink->row(r->sink->ctx, t, y))
        return failed(r, ODE_EOUTPUT, t, 0.0, -1, "the output sink failed");
    return 0;
}

/* Checks that the n times v lie within [t0, t1] and strictly advance in
   the direction of integration.  `what` names them in the message. */
static int check_times(struct run *r, const char *what, const double *v, size_t n)
{
    const struct solve_opts *o = r->o;
    size_t i;

    if (n > 0 && !v)
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "%s: missing times", what);
    for (i = 0; i < n; i++) {
        if (!(r->dir * (v[i] - o->t0) >= 0 && r->dir * (o->t1 - v[i]) >= 0))
            return failed(r, ODE_EINVAL, o->t0, 0, -1,
                          "%s time %.15g lies outside the span from %.15g to %.15g", what,
                          v[i], o->t0, o->t1);
        if (i > 0 && !(r->dir * (v[i] - v[i - 1]) > 0))
            return failed(r, ODE_EINVAL, o->t0, 0, -1, "%s times must %s: %.15g follows %.15g",
                          what, r->dir > 0 ? "increase" : "decrease", v[i], v[i - 1]);
    }
    return 0;
}

/* Checks the per-state absolute tolerances. */
static int check_atol_vec(struct run *r, const struct ode_problem *prob)
{
    const double *a = r->o->atol_vec;
    size_t i;

    for (i = 0; a && i < prob->n_states; i++)
        if (!(a[i] > 0) || !isfinite(a[i])) {
            if (prob->state_names)
                return failed(r, ODE_EINVAL, r->o->t0, 0, (long)i,
                              "atol of '%s' must be > 0", prob->state_names[i]);
            return failed(r, ODE_EINVAL, r->o->t0, 0, (long)i,
                          "atol of state %zu must be > 0", i);
        }
    return 0;
}

/* Checks the options and resolves the method, controller and save
   points. */
static int setup(struct run *r, const struct ode_problem *prob)
{
    const struct solve_opts *o = r->o;
    enum solve_controller kind = o->controller;
    double span = fabs(o->t1 - o->t0);
    struct ctl_filter filter;
    int rc;

    r->tab = tab_find(o->method ? o->method : "dopri5");
    if (!r->tab)
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "unknown solver '%s' (did you mean '%s'?)",
                      o->method, tab_closest(o->method));
    if (!prob->rhs)
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "the problem has no right-hand side");
    if (!isfinite(o->t0) || !isfinite(o->t1))
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "t0 and t1 must be finite");
    r->dir = o->t1 >= o->t0 ? 1.0 : -1.0;
    if (kind != CTL_DEFAULT && !ctl_preset(kind))
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
    switch (o->save) {
    case SAVE_GRID:
        if (!(o->save_every > 0) || !isfinite(o->save_every))
            return failed(r, ODE_EINVAL, o->t0, 0, -1, "save_every must be > 0");
        if (!(span / o->save_every < SOLVE_MAX_COUNT))
            return failed(r, ODE_EINVAL, o->t0, 0, -1, "save_every %g gives too many save points",
                          o->save_every);
        r->save_step = r->dir * o->save_every;
        r->grid_n = span > 0 ? (long)ceil(span / o->save_every - SOLVE_GRID_FUZZ) : 0;
        if (span > 0 && r->grid_n < 1)
            r->grid_n = 1;
        r->save_n = r->grid_n + 1;
        break;
    case SAVE_STEPS:
        r->save_n = 0;
        break;
    case SAVE_AT:
        if (o->n_save_at == 0)
            return failed(r, ODE_EINVAL, o->t0, 0, -1, "save-at needs at least one time");
        rc = check_times(r, "save-at", o->save_at, o->n_save_at);
        if (rc)
            return rc;
        r->save_n = (long)o->n_save_at;
        break;
    case SAVE_FINAL:
        r->save_n = 1;
        break;
    default:
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "unknown save mode");
    }
    rc = check_times(r, "tstops", o->tstops, o->n_tstops);
    if (rc)
        return rc;
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
    rc = check_atol_vec(r, prob);
    if (rc)
        return rc;
    if (o->norm != NORM_RMS && o->norm != NORM_MAX)
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "unknown error norm");
    filter = ctl_preset(kind)->f;
    ctl_set_gains(&filter, o->icoeff, o->pcoeff, o->dcoeff);
    if (ctl_init(&r->ctl, &filter, tab_err_order(r->tab), r->tab->err_target))
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "controller gains must be finite");
    return 0;
}

/* Save point k (0 <= k < save_n): the grid t0 + k*save_every then t1,
   the listed times, or t1 alone. */
static double save_time(const struct run *r, long k)
{
    if (r->o->save == SAVE_AT)
        return r->o->save_at[k];
    if (k < r->grid_n)
        return r->o->t0 + (double)k * r->save_step;
    return r->o->t1;
}

/* Moves on to save point k. */
static void save_goto(struct run *r, long k)
{
    r->save_k = k;
    r->save_next = k < r->save_n ? save_time(r, k) : r->dir * INFINITY;
}

/* True when a save point lies strictly inside the step t -> tnew, so the
   step needs its continuous extension. */
static bool save_inside(const struct run *r, double tnew)
{
    return r->dir * (r->save_next - tnew) < 0;
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
    while (r->dir * (r->save_next - tnew) <= 0) {
        double ts = r->save_next;
        if (ts == tnew) {
            rc = emit(r, ts, e->y1);
        } else {
            if (!built) {
                rc = dense_build_erk(&r->d, e, t, h);
                if (rc)
                    return failed(r, rc < 0 ? ODE_ERHS : ODE_ENONFINITE, t, h, -1,
                                  "the right-hand side failed in the dense output");
                built = true;
            }
            dense_eval(&r->d, (ts - t) / h, r->yout);
            rc = emit(r, ts, r->yout);
        }
        if (rc)
            return rc;
        save_goto(r, r->save_k + 1);
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

/* Evaluates f(t, y) at an accepted point; at a stop (`after_stop`) f's
   limit from the side the next step goes into, one ulp of t further.  It
   does not depend on the step size, so a failure here cannot be cured by
   a smaller step. */
static int first_stage(struct run *r, double t, double h, bool after_stop)
{
    struct erk *e = &r->e;
    int rc = erk_f0(e, after_stop ? nextafter(t, r->dir * INFINITY) : t);
    long var;

    if (rc < 0)
        return failed(r, ODE_ERHS, t, h, -1, "the right-hand side asked to stop");
    var = erk_first_nonfinite(e->k[0], e->n);
    if (rc > 0 || var >= 0)
        return failed(r, ODE_ENONFINITE, t, h, var,
                      var >= 0 ? "non-finite derivative"
                               : "the right-hand side could not be evaluated");
    return 0;
}

/* The step from t towards the stop ts that ends one ulp short of it, so
   its stages see f on t's side of ts; the state it reaches is taken as
   the state at ts (an error of one ulp of t times f).  The engine puts its
   last stage at t + 1.0*h, so h shrinks until that sum stays short of
   ts.  Measured on y' = -y + heav(t - 1.234) over [0, 3] with dopri5:
   landing on ts itself, where heav is already 1, costs 10 rejected steps
   and a 6x larger error than this one-sided landing, which rejects
   none. */
static double step_before(double t, double ts)
{
    double end = nextafter(ts, t), h = end - t;

    while (h != 0 && (h > 0 ? t + h > end : t + h < end))
        h = nextafter(h, 0.0);
    return h != 0 ? h : ts - t;
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
    bool last_nonfinite = false, after_stop = false;

    /* A stop at t0 only says that f starts from its right there. */
    if (o->n_tstops > 0 && o->tstops[0] == t0) {
        r->stop_k = 1;
        after_stop = true;
    }
    rc = first_stage(r, t, 0.0, after_stop);
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
        double hstep, tnew, stop = t1, err = 0.0;
        bool land = true, at_tstop = false, grid = false, last;

        if (r->stop && *r->stop)
            return failed(r, ODE_EINTR, t, h, -1, "interrupted");
        if (o->max_steps > 0 && st->steps + st->rejected >= o->max_steps)
            return failed(r, ODE_EMAXSTEPS, t, h, -1, "reached the limit of %ld steps",
                          o->max_steps);
        if (r->stop_k < o->n_tstops && o->tstops[r->stop_k] != t1) {
            stop = o->tstops[r->stop_k];
            at_tstop = true;
        }
        if (r->adaptive) {
            /* Land on the stop when it is at most a stretched step away;
               when it is less than two steps away, halve the distance
               instead of leaving a sliver of a step before it. */
            double dist = fabs(stop - t);
            land = dist <= SOLVE_STRETCH * h;
            at_tstop = at_tstop && land;
            hstep = r->dir * (dist < 2.0 * h ? 0.5 * dist : h);
        } else {
            double tg = kconst + 1 >= nconst ? t1 : t0 + (double)(kconst + 1) * r->dir * h;
            if (!at_tstop || r->dir * (stop - tg) >= 0) {
                at_tstop = at_tstop && stop == tg;
                stop = tg;
                grid = true;
            }
        }
        if (land) {
            tnew = stop;
            hstep = at_tstop ? step_before(t, stop) : stop - t;
        } else {
            tnew = t + hstep;
        }
        last = land && !at_tstop && stop == t1;

        if (!e->f0_ok) {
            rc = first_stage(r, t, hstep, after_stop);
            if (rc)
                return rc;
        }
        rc = erk_step(e, t, hstep);
        if (rc == 0 && !e->fsal && save_inside(r, tnew)) {
            rc = erk_f1(e, t + hstep);
            if (rc == 0 && erk_first_nonfinite(erk_f1_vec(e), n) >= 0)
                rc = 1;
        }
        if (rc < 0)
            return failed(r, ODE_ERHS, t, hstep, -1, "the right-hand side asked to stop");

        if (r->adaptive) {
            err = rc ? NAN : erk_error(e, o->rtol, o->atol, o->atol_vec, o->norm);
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
                if (last_nonfinite)
                    st->rejected_nonfinite++;
                else
                    st->rejected_error++;
                if (o->dtmin > 0 && hnew < o->dtmin) {
                    if (h <= o->dtmin) {
                        if (last_nonfinite)
                            return nonfinite(r, t, hstep, last_rc);
                        return failed(r, ODE_EDTMIN, t, hstep,
                                      erk_worst_var(e, o->rtol, o->atol, o->atol_vec),
                                      "step size %.3g fell below dtmin %g", hnew, o->dtmin);
                    }
                    hnew = o->dtmin;
                }
                if (hnew <= SOLVE_ULPS * DBL_EPSILON * fabs(t) || hnew < DBL_MIN) {
                    if (last_nonfinite)
                        return nonfinite(r, t, hstep, last_rc);
                    return failed(r, ODE_EDTMIN, t, hstep,
                                  erk_worst_var(e, o->rtol, o->atol, o->atol_vec),
                                  "step size %.3g underflows at this t", hnew);
                }
                h = hnew;
                continue;
            }
        } else if (rc || !erk_finite(e) ||
                   (e->fsal && erk_first_nonfinite(erk_f1_vec(e), n) >= 0)) {
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
        /* f jumps at a stop: the last stage, f's limit from behind, cannot
           serve as the next first stage. */
        after_stop = at_tstop;
        if (at_tstop) {
            r->stop_k++;
            e->f0_ok = false;
        }
        if ((st->steps & (SOLVE_PROGRESS_EVERY - 1)) == 0 && r->sink->progress)
            r->sink->progress(r->sink->ctx, t, st->steps, hstep);
        if (r->adaptive) {
            h = fabs(hstep) * fac;
            if (h > hmax)
                h = hmax;
            if (h < o->dtmin)
                h = o->dtmin;
        } else if (grid) {
            kconst++;
        }
    }
}

/* Fills r for a solve with o, checking o against prob. */
static int prepare(struct run *r, const struct ode_problem *prob, const struct solve_opts *o,
                   struct solve_failure *fail)
{
    memset(fail, 0, sizeof *fail);
    fail->var = -1;
    memset(r, 0, sizeof *r);
    r->o = o;
    r->fail = fail;
    if (!prob || !o) {
        snprintf(fail->why, sizeof fail->why, "missing problem or options");
        return ODE_EINVAL;
    }
    fail->t = o->t0;
    return setup(r, prob);
}

int solve_check(const struct ode_problem *prob, const struct solve_opts *o,
                struct solve_failure *fail)
{
    struct solve_failure fail_local;
    struct run r;

    return prepare(&r, prob, o, fail ? fail : &fail_local);
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
    rc = prepare(&r, prob, o, fail);
    if (rc)
        return rc;
    if (!sink || !sink->row || (!y0 && prob->n_states > 0)) {
        snprintf(fail->why, sizeof fail->why, "missing state or sink");
        return ODE_EINVAL;
    }
    r.sink = sink;
    r.stop = stop;
    r.st = st;
    n = prob->n_states;

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
    bad = erk_first_nonfinite(r.e.y, n);
    if (bad >= 0) {
        rc = failed(&r, ODE_ENONFINITE, o->t0, 0, bad, "non-finite initial value");
        goto done;
    }
    if (o->save == SAVE_STEPS)
        rc = emit(&r, o->t0, r.e.y);
    save_goto(&r, 0);
    while (rc == 0 && r.save_next == o->t0) {
        rc = emit(&r, o->t0, r.e.y);
        save_goto(&r, r.save_k + 1);
    }
    if (rc)
        goto done;
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
