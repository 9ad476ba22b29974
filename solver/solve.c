/* solve.c - the integration loop: options, step-size selection, landing on
 * stops and t1, save points, failures.  One loop for every method: the
 * method itself sits behind the stepper interface (stepper.h). */
#include "solve.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "event.h"
#include "fixed.h"
#include "stepper.h"
#include "volterra.h"

/* A step is stretched onto the next stop (or t1) when at most this many
   proposed steps remain, instead of leaving a sliver of a step (HNW's
   DOPRI5 uses 1.01 for t1). */
#define SOLVE_STRETCH 1.01
/* The step after a failed Newton iteration, as a fraction of the failed
   one, for methods without their own step selection. */
#define SOLVE_NEWTON_CUT 0.25
/* A step needed below this many ulps of t cannot move t: give up. */
#define SOLVE_ULPS 16.0
/* Steps of the constant controller when dt is 0. */
#define SOLVE_DEFAULT_STEPS 1000.0
/* A fixed step or save grid landing within this fraction of a spacing of
   t1 is taken to end at t1 (rounding, not a real remainder). */
#define SOLVE_GRID_FUZZ 1e-6
/* More steps or save points than this is a mistake in the settings. */
#define SOLVE_MAX_COUNT 1e15
/* Events firing at one and the same time more often than this are a
   model whose assignments keep re-arming each other. */
#define SOLVE_MAX_EVENTS_AT_T 1000
/* An event this many ulps of t from a save point or t1 is taken to be
   there (the root is located to a few ulps, EVENT_ULPS in event.c). */
#define SOLVE_EVENT_SNAP 16.0
/* The progress callback runs when the accepted step count is a multiple
   of this (a power of two, tested with a mask). */
#define SOLVE_PROGRESS_EVERY 256
/* Decimal places tried when reading t0 and a spacing as decimals (17
   digits tell any double; 10^17 is exact in a double). */
#define SOLVE_GRID_PLACES 17
/* Whole numbers up to 2^53 are exact in a double. */
#define SOLVE_EXACT_INT 9007199254740992.0

/* The times t0 + k*step of a grid (save points, fixed steps).  When t0
   and step are the doubles nearest to decimals of at most 17 places, e.g.
   0 and 0.05, time k is the double nearest to the decimal t0 + k*step:
   the whole number (N0 + k*M) over 10^e, one correctly rounded division,
   so that it prints as 0.35 and not as 0.35000000000000003 (which is
   0 + 7*0.05 in doubles).  Otherwise t0 + k*step, also without error
   accumulated over k. */
struct grid {
    double t0, step;
    bool decimal;
    double n0, m, scale;      /* t0 = n0/scale, step = m/scale, scale = 10^e */
};

/* The smallest e <= SOLVE_GRID_PLACES with x == M / 10^e for a whole M
   (into *e, *mant, 10^e into *scale); false when there is none. */
static bool decimal_of(double x, int *e, double *mant, double *scale)
{
    double p = 1.0;
    for (int k = 0; k <= SOLVE_GRID_PLACES; k++, p *= 10.0) {
        double m = nearbyint(x * p);
        if (fabs(m) < SOLVE_EXACT_INT && m / p == x) {
            *e = k;
            *mant = m;
            *scale = p;
            return true;
        }
    }
    return false;
}

static void grid_init(struct grid *g, double t0, double step)
{
    int e0, e1;
    double m0, m1, p0, p1;
    *g = (struct grid){ .t0 = t0, .step = step };
    if (!decimal_of(t0, &e0, &m0, &p0) || !decimal_of(step, &e1, &m1, &p1))
        return;
    /* Both over the larger power of ten; the ratio is exact too. */
    g->scale = e0 > e1 ? p0 : p1;
    g->n0 = m0 * (g->scale / p0);
    g->m = m1 * (g->scale / p1);
    g->decimal = fabs(g->n0) < SOLVE_EXACT_INT && fabs(g->m) < SOLVE_EXACT_INT;
}

/* Time k of the grid. */
static double grid_at(const struct grid *g, long k)
{
    if (g->decimal) {
        double n = g->n0 + (double)k * g->m;
        if (fabs(n) < SOLVE_EXACT_INT)
            return n / g->scale;
    }
    return g->t0 + (double)k * g->step;
}

struct run {
    const struct solve_opts *o;
    const struct solve_sink *sink;
    volatile const int *stop;
    struct solve_stats *st;
    struct solve_failure *fail;
    struct stepper_method method;
    struct stepper_cfg cfg;
    struct stepper s;
    struct ctl ctl;
    double *yout;
    bool adaptive;
    double dir;               /* +1 forwards, -1 backwards */
    struct grid save_grid;    /* SAVE_GRID: t0 + k * the signed spacing */
    long grid_n;              /* SAVE_GRID: grid points strictly before t1 */
    long save_k;              /* next save point, index for save_time() */
    long save_n;              /* save points in all; 0 with SAVE_STEPS */
    double save_next;         /* its time; beyond t1 (dir * inf) when none is left */
    size_t stop_k;            /* next of o->tstops to land on */
    struct event *ev;         /* NULL without events */
    /* The stops: o->tstops merged with the model's switch times. */
    const double *tstops;
    size_t n_tstops;
    double *tstops_own;       /* malloc'd when merged */
    bool *stop_sw;            /* stop k is a switch time (NULL: none is) */
    double ev_t;              /* time of the last event */
    long ev_same;             /* events in a row at ev_t */
    /* XPPAUT's events in an adaptive run (xpp_rows): the time and state
       the current row interval started from. */
    double trow;
    double *yrow;
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

/* Index of the first NaN or infinite value in v[0 .. n-1], or -1. */
static long first_nonfinite(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
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

    if (!stepper_find(o->method ? o->method : "dopri5", &r->method))
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "unknown solver '%s' (did you mean '%s'?)",
                      o->method, stepper_closest(o->method));
    if (!prob->rhs)
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "the problem has no right-hand side");
    if (r->method.pairs && prob->n_states % 2 != 0)
        return failed(r, ODE_EINVAL, o->t0, 0, -1,
                      "%s needs its states in pairs, each position followed by its "
                      "velocity (x' = v, v' = ...); the model has %zu", r->method.name,
                      prob->n_states);
    if (!isfinite(o->t0) || !isfinite(o->t1))
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "t0 and t1 must be finite");
    r->dir = o->t1 >= o->t0 ? 1.0 : -1.0;
    if (kind != CTL_DEFAULT && !ctl_preset(kind))
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "unknown controller");
    if (kind == CTL_DEFAULT)
        kind = stepper_adaptive(&r->method) ? CTL_PID : CTL_CONSTANT;
    if (kind != CTL_CONSTANT && !stepper_adaptive(&r->method))
        return failed(r, ODE_EINVAL, o->t0, 0, -1,
                      "%s has no error estimate; use --controller constant or an "
                      "adaptive solver such as dopri5", r->method.name);
    r->adaptive = kind != CTL_CONSTANT;
    if (o->xpp && !r->adaptive && fixed_xpp_variant(r->method.name))
        r->method = *fixed_xpp_variant(r->method.name);
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
        grid_init(&r->save_grid, o->t0, r->dir * o->save_every);
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
    bool volt = strcmp(r->method.name, "volterra") == 0;
    if (prob->n_volterra > 0 && !volt)
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "the model has Volterra equations; "
                      "they are solved by --solver volterra, not %s", r->method.name);
    if (volt) {
        /* Equal steps from t0: no stops, switches or events in between. */
        if (!(o->dt > 0))
            return failed(r, ODE_EINVAL, o->t0, 0, -1, "Volterra equations need a step "
                          "(--dt or dt=)");
        if (o->n_tstops > 0 || prob->n_events > 0)
            return failed(r, ODE_EINVAL, o->t0, 0, -1, "Volterra equations take equal "
                          "steps: no tstops or events");
        double steps = span / o->dt;
        if (fabs(steps - round(steps)) > 1e-9 * fmax(1.0, steps))
            return failed(r, ODE_EINVAL, o->t0, 0, -1, "Volterra equations take equal "
                          "steps: the time span %g is not a multiple of dt %g", span, o->dt);
        if (o->volterra_window <= 0 && span / o->dt > VOLTERRA_MAX_POINTS)
            return failed(r, ODE_EINVAL, o->t0, 0, -1, "Volterra equations keep every "
                          "step: %.0f steps are more than %d; set vmaxpts=N to integrate "
                          "over the last N points", ceil(span / o->dt), VOLTERRA_MAX_POINTS);
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
    rc = check_atol_vec(r, prob);
    if (rc)
        return rc;
    if (o->norm != NORM_RMS && o->norm != NORM_MAX)
        return failed(r, ODE_EINVAL, o->t0, 0, -1, "unknown error norm");
    filter = ctl_preset(kind)->f;
    ctl_set_gains(&filter, o->icoeff, o->pcoeff, o->dcoeff);
    if (ctl_init(&r->ctl, &filter, stepper_err_order(&r->method), r->method.err_target))
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
        return grid_at(&r->save_grid, k);
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

/* Emits the save points of the accepted step t -> t + h up to tend
   (included or not), the state at tend being yend, before the stepper's
   accept moves y1 into y. */
static int save_until(struct run *r, double t, double h, double tend, const double *yend,
                      bool inclusive)
{
    struct stepper *s = &r->s;
    int rc;

    while (inclusive ? r->dir * (r->save_next - tend) <= 0
                     : r->dir * (r->save_next - tend) < 0) {
        double ts = r->save_next;
        if (ts == tend) {
            rc = emit(r, ts, yend);
        } else {
            rc = s->ops->dense(s, t, h, (ts - t) / h, r->yout);
            if (rc)
                return failed(r, rc < 0 ? ODE_ERHS : ODE_ENONFINITE, t, h, -1,
                              "the right-hand side failed in the dense output");
            rc = emit(r, ts, r->yout);
        }
        if (rc)
            return rc;
        save_goto(r, r->save_k + 1);
    }
    return 0;
}

/* Emits the save points of the accepted step t -> tnew (of size h). */
static int save_step(struct run *r, double t, double h, double tnew)
{
    if (r->o->save == SAVE_STEPS)
        return emit(r, tnew, r->s.y1);
    return save_until(r, t, h, tnew, r->s.y1, true);
}

/* The step t -> t + h has been accepted and an event fires in it at tev:
   the save points before tev, the row before the assignments, the
   assignments, the row after them (or a save point at tev), and the
   method restarted from the new state at tev.  *post tells whether a row
   with the new state was written. */
static int on_event(struct run *r, double t, double h, double *tevp, bool *post)
{
    double tev = *tevp;
    const struct solve_opts *o = r->o;
    struct stepper *s = &r->s;
    double *y = event_state(r->ev);
    size_t first, fired;
    long bad;
    int rc;

    *post = false;
    /* A save point (or t1) within the location's own tolerance of the
       event is its time: x' = 1 reaching 1 is found 3 ulps past 1.0 on
       dopri5's interpolant, and the row saved at 1.0 would show the state
       before an event that happens there. */
    if (fabs(r->save_next - tev) <= SOLVE_EVENT_SNAP * DBL_EPSILON * fabs(tev) &&
        r->dir * (r->save_next - t) > 0 && r->dir * (t + h - r->save_next) >= 0)
        tev = r->save_next;
    else if (fabs(o->t1 - tev) <= SOLVE_EVENT_SNAP * DBL_EPSILON * fabs(tev) &&
             r->dir * (t + h - o->t1) >= 0)
        tev = o->t1;
    *tevp = tev;
    if (tev == r->ev_t) {
        if (++r->ev_same > SOLVE_MAX_EVENTS_AT_T)
            return failed(r, ODE_ERHS, tev, h, -1, "more than %d events at the same time: "
                          "their assignments keep setting each other off",
                          SOLVE_MAX_EVENTS_AT_T);
    } else {
        r->ev_t = tev;
        r->ev_same = 0;
    }
    if (o->save != SAVE_STEPS && (rc = save_until(r, t, h, tev, y, false)))
        return rc;
    if (!o->no_event_rows && (rc = emit(r, tev, y)))
        return rc;
    rc = event_apply(r->ev, tev);
    fired = event_fired(r->ev, &first);
    if (rc)
        return failed(r, rc < 0 ? ODE_ERHS : ODE_ENONFINITE, tev, h, -1,
                      rc < 0 ? "an event's assignments asked to stop"
                             : "an event (line %d) could not be evaluated",
                      r->s.cfg->prob->event_lines ? r->s.cfg->prob->event_lines[first] : 0);
    bad = first_nonfinite(y, s->n);
    if (bad >= 0)
        return failed(r, ODE_ENONFINITE, tev, h, bad, "non-finite state after an event");
    r->st->events += (long)fired;
    if (!o->no_event_rows) {
        if ((rc = emit(r, tev, y)))
            return rc;
        *post = true;
    } else if (o->save == SAVE_STEPS) {
        if ((rc = emit(r, tev, y)))
            return rc;
        *post = true;
    }
    while (o->save != SAVE_STEPS && r->save_next == tev) {
        if (o->no_event_rows) {
            if ((rc = emit(r, tev, y)))
                return rc;
            *post = true;
        }
        save_goto(r, r->save_k + 1);
    }
    s->ops->accept(s, t, h);
    memcpy(s->y, y, s->n * sizeof *y);
    s->ops->reset(s);
    return 0;
}

/* An event XPPAUT's way (event_xpp_step found and applied it) in the
   step t -> t + h: the method goes on from the state after it at tev,
   without a row. */
static int on_xpp_event(struct run *r, double t, double h, double tev)
{
    struct stepper *s = &r->s;
    const double *y = event_state(r->ev);
    size_t first, fired = event_fired(r->ev, &first);
    long bad = first_nonfinite(y, s->n);

    (void)first;
    if (bad >= 0)
        return failed(r, ODE_ENONFINITE, tev, h, bad, "non-finite state after an event");
    r->st->events += (long)fired;
    s->ops->accept(s, t, h);
    memcpy(s->y, y, s->n * sizeof *y);
    s->ops->reset(s);
    return 0;
}

/* XPPAUT's events in a step of length 0 at t0 (solve_run); returns the
   failure, or 0. */
static int xpp_start_events(struct run *r)
{
    const double t0 = r->o->t0;
    struct stepper *s = &r->s;
    double tev, frac;
    bool found;
    int rc = event_xpp_step(r->ev, s->y, s->y, t0, t0, &tev, &frac, &found);
    if (rc)
        return failed(r, rc < 0 ? ODE_ERHS : ODE_ENONFINITE, t0, 0, -1,
                      rc < 0 ? "an event condition asked to stop"
                             : "an event condition could not be evaluated");
    if (!found)
        return 0;
    const double *y = event_state(r->ev);
    long bad = first_nonfinite(y, s->n);
    if (bad >= 0)
        return failed(r, ODE_ENONFINITE, t0, 0, bad, "non-finite state after an event");
    r->st->events += (long)event_fired(r->ev, NULL);
    memcpy(s->y, y, s->n * sizeof *y);
    return 0;
}

/* Fails with the cause of non-finite values found in the last attempt. */
static int nonfinite(struct run *r, double t, double h, int rhs_rc)
{
    bool in_state;
    long var = r->s.ops->bad_var(&r->s, &in_state);

    if (var >= 0)
        return failed(r, ODE_ENONFINITE, t, h, var,
                      in_state ? "non-finite state" : "non-finite derivative");
    return failed(r, ODE_ENONFINITE, t, h, -1,
                  rhs_rc > 0 ? "the right-hand side could not be evaluated"
                             : "non-finite value");
}

/* Has the stepper evaluate what a step from the accepted point t needs
   (f(t, y) at least); at a stop (`after_stop`) f's limit from the side
   the next step goes into, one ulp of t further.  It does not depend on
   the step size, so a failure here cannot be cured by a smaller step. */
static int first_stage(struct run *r, double t, double h, bool after_stop)
{
    struct stepper *s = &r->s;
    int rc = s->ops->begin(s, t, after_stop, r->dir);
    bool in_state;
    long var;

    if (rc == 0)
        return 0;
    if (rc < 0)
        return failed(r, ODE_ERHS, t, h, -1, "the right-hand side asked to stop");
    var = s->ops->bad_var(s, &in_state);
    return failed(r, ODE_ENONFINITE, t, h, var,
                  var >= 0 ? "non-finite derivative"
                           : "the right-hand side could not be evaluated");
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

/* Fails after the step size fell below dtmin or underflowed, naming the
   cause of the last rejections. */
static int step_too_small(struct run *r, double t, double h, double hnew, int last_fail,
                          const char *fmt)
{
    struct stepper *s = &r->s;
    char what[96];
    int code = ODE_EDTMIN;
    long var;

    snprintf(what, sizeof what, fmt, hnew, r->o->dtmin);
    if (last_fail == STEP_RHS)
        return nonfinite(r, t, h, 1);
    var = s->ops->worst_var(s);
    if (last_fail == STEP_NEWTON || last_fail == STEP_SINGULAR) {
        code = last_fail == STEP_NEWTON ? ODE_ENEWTON : ODE_ESINGULAR;
        return failed(r, code, t, h, var, "%s: %s%s%s",
                      last_fail == STEP_NEWTON ? "the Newton iteration did not converge"
                                               : "the iteration matrix is singular",
                      what, s->why[0] ? "; " : "", s->why);
    }
    return failed(r, code, t, h, var, "%s", what);
}

static int integrate(struct run *r)
{
    const struct solve_opts *o = r->o;
    struct stepper *s = &r->s;
    const struct stepper_ops *ops = s->ops;
    struct solve_stats *st = r->st;
    const double t0 = o->t0, t1 = o->t1, span = fabs(t1 - t0);
    const size_t n = s->n;
    double t = t0, h = 0.0, hmax = span, fac = 1.0;
    long nconst = 0, kconst = 0;
    struct grid steps_grid;
    int rc, last_fail = 0;
    bool after_stop = false;
    /* XPPAUT's fixed step: the fraction of the step left after its
       events in it, and how many it has had. */
    const bool xpp = o->xpp && !r->adaptive;
    double xpp_rest = 1.0;
    size_t xpp_hits = 0;
    /* XPPAUT's adaptive run (--xpp, steps landing on the rows): events
       are looked for once per row interval, between the states at its
       two ends, as its flags.c does after each call of the integrator
       from one output time to the next. */
    const bool xpp_rows = o->xpp && r->adaptive && o->land_saves && r->yrow;

    /* A stop at t0 only says that f starts from its right there. */
    if (r->n_tstops > 0 && r->tstops[0] == t0) {
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
            rc = ops->initial_step(s, t0, r->dir, hmax, &h);
            if (rc < 0)
                return failed(r, ODE_ERHS, t, h, -1, "the right-hand side asked to stop");
        }
        if (h < o->dtmin)
            h = o->dtmin;
    } else {
        double steps;
        h = o->dt > 0 ? o->dt : span / SOLVE_DEFAULT_STEPS;
        grid_init(&steps_grid, t0, r->dir * h);
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
        /* A stop on t1 makes the last step one-sided too (a switch at
           t1 must not leak into it). */
        if (r->stop_k < r->n_tstops) {
            stop = r->tstops[r->stop_k];
            at_tstop = true;
        }
        if (r->adaptive && o->land_saves) {
            /* XPPAUT's rule (its gadaptive): a step that would pass the
               next save point or stop is cut to end on it. */
            if (r->dir * (r->save_next - stop) < 0) {
                stop = r->save_next;
                at_tstop = false;
            }
            land = fabs(stop - t) <= h;
            at_tstop = at_tstop && land;
            hstep = r->dir * h;
        } else if (r->adaptive) {
            /* Land on the stop when it is at most a stretched step away;
               when it is less than two steps away, halve the distance
               instead of leaving a sliver of a step before it. */
            double dist = fabs(stop - t);
            land = dist <= SOLVE_STRETCH * h;
            at_tstop = at_tstop && land;
            hstep = r->dir * (dist < 2.0 * h ? 0.5 * dist : h);
        } else if (xpp) {
            /* t + h as XPPAUT adds it (not t0 + k h), the rest of the
               step after an event as (1 - s) h. */
            land = false;
            at_tstop = false;
            hstep = xpp_rest * (r->dir * h);
            grid = true;
        } else {
            double tg = kconst + 1 >= nconst ? t1 : grid_at(&steps_grid, kconst + 1);
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
        last = xpp ? kconst + 1 >= nconst : land && stop == t1;

        /* Nothing to do when the method already has what it needs. */
        rc = first_stage(r, t, hstep, after_stop);
        if (rc)
            return rc;
        rc = ops->step(s, t, hstep, save_inside(r, tnew));
        if (rc < 0)
            return failed(r, ODE_ERHS, t, hstep, -1, "the right-hand side asked to stop");

        if (r->adaptive) {
            bool accepted;
            err = rc ? NAN : ops->error(s);
            accepted = err <= 1.0;
            if (ops->next_step) {
                fac = ops->next_step(s, fabs(hstep), err, accepted, rc) / fabs(hstep);
            } else if (rc == STEP_NEWTON || rc == STEP_SINGULAR) {
                /* Hairer & Wanner's codes and CVODE cut the step by a
                   fixed factor after a failed Newton iteration. */
                fac = SOLVE_NEWTON_CUT;
            } else {
                fac = ctl_factor(&r->ctl, err);
            }
            if (!accepted) {
                double hnew = fabs(hstep) * fac;
                st->rejected++;
                /* An infinite norm from finite values (a huge error) is an
                   ordinary rejection. */
                if (rc == 0 && !isfinite(err)) {
                    bool in_state;
                    last_fail = ops->bad_var(s, &in_state) >= 0 ? STEP_RHS : 0;
                } else {
                    last_fail = rc;
                }
                if (last_fail == STEP_RHS)
                    st->rejected_nonfinite++;
                else if (last_fail)
                    st->rejected_newton++;
                else
                    st->rejected_error++;
                if (o->dtmin > 0 && hnew < o->dtmin) {
                    if (h <= o->dtmin)
                        return step_too_small(r, t, hstep, hnew, last_fail,
                                              "step size %.3g fell below dtmin %g");
                    hnew = o->dtmin;
                }
                if (hnew <= SOLVE_ULPS * DBL_EPSILON * fabs(t) || hnew < DBL_MIN)
                    return step_too_small(r, t, hstep, hnew, last_fail,
                                          "step size %.3g underflows at this t");
                h = hnew;
                continue;
            }
        } else if (rc) {
            /* A constant step cannot be retried smaller. */
            if (rc == STEP_NEWTON || rc == STEP_SINGULAR)
                return step_too_small(r, t, hstep, fabs(hstep), rc,
                                      "with the fixed step %.3g");
            return nonfinite(r, t, hstep, rc);
        }

        if (o->bound > 0) {
            size_t i;
            for (i = 0; i < n; i++)
                if (!(fabs(s->y1[i]) <= o->bound))
                    return failed(r, ODE_ENONFINITE, t, hstep, (long)i, "exceeds bound %g",
                                  o->bound);
        }
        if (xpp_rows) {
            if (land && r->save_k < r->save_n && tnew == r->save_next) {
                double tev, frac;
                bool found;
                rc = event_xpp_step(r->ev, r->yrow, s->y1, r->trow, tnew, &tev, &frac, &found);
                if (rc)
                    return failed(r, rc < 0 ? ODE_ERHS : ODE_ENONFINITE, t, hstep, -1,
                                  rc < 0 ? "an event condition asked to stop"
                                         : "an event condition could not be evaluated");
                if (found) {
                    /* The row interval is integrated again from the
                       event, with the step the last one proposed. */
                    rc = on_xpp_event(r, t, hstep, tev);
                    if (rc)
                        return rc;
                    st->steps++;
                    st->dt_last = hstep;
                    t = tev;
                    r->trow = tev;
                    memcpy(r->yrow, s->y, n * sizeof *s->y);
                    if (o->stop_after_events > 0 && st->events >= o->stop_after_events)
                        return emit(r, t, s->y);
                    goto next;
                }
                r->trow = tnew;
                memcpy(r->yrow, s->y1, n * sizeof *s->y1);
            }
        } else if (r->ev && xpp) {
            double tev, frac;
            bool found;
            rc = event_xpp_step(r->ev, s->y, s->y1, t, tnew, &tev, &frac, &found);
            if (rc)
                return failed(r, rc < 0 ? ODE_ERHS : ODE_ENONFINITE, t, hstep, -1,
                              rc < 0 ? "an event condition asked to stop"
                                     : "an event condition could not be evaluated");
            if (found) {
                rc = on_xpp_event(r, t, hstep, tev);
                if (rc)
                    return rc;
                st->steps++;
                st->dt_last = tev - t;
                t = tev;
                if (o->stop_after_events > 0 && st->events >= o->stop_after_events)
                    return emit(r, t, s->y);
                /* XPPAUT ends the step at its event after NFlags + 2
                   of them in one step. */
                if (++xpp_hits <= r->s.cfg->prob->n_events + 2) {
                    xpp_rest = 1.0 - frac;
                    grid = false;
                    goto next;
                }
                xpp_rest = 1.0;
                xpp_hits = 0;
                if (o->save == SAVE_STEPS && (rc = emit(r, t, s->y)))
                    return rc;
                if (last)
                    return 0;
                goto next;
            }
            xpp_rest = 1.0;
            xpp_hits = 0;
        } else if (r->ev) {
            double tev;
            bool found, post;
            rc = event_find(r->ev, s, t, hstep, &tev, &found);
            if (rc)
                return failed(r, rc < 0 ? ODE_ERHS : ODE_ENONFINITE, t, hstep, -1,
                              rc < 0 ? "an event condition asked to stop"
                                     : "an event condition could not be evaluated");
            if (found) {
                bool whole;
                rc = on_event(r, t, hstep, &tev, &post);
                if (rc)
                    return rc;
                whole = tev == tnew;
                st->steps++;
                st->dt_last = tev - t;
                t = tev;
                if (o->stop_after_events > 0 && st->events >= o->stop_after_events)
                    return post ? 0 : emit(r, t, s->y);
                if (whole && last)
                    return 0;
                /* The assignments already restarted the method. */
                after_stop = whole && at_tstop;
                if (after_stop) {
                    if (r->stop_sw && r->stop_sw[r->stop_k])
                        st->switches++;
                    r->stop_k++;
                }
                else if (!whole)
                    grid = false;
                goto next;
            }
        }
        rc = save_step(r, t, hstep, tnew);
        if (rc)
            return rc;
        ops->accept(s, t, hstep);
        st->steps++;
        st->dt_last = hstep;
        t = tnew;
        if (last)
            return 0;
        /* f jumps at a stop: what the method knows of f from behind (its
           last stage, its history) cannot serve the next step. */
        after_stop = at_tstop;
        if (at_tstop) {
            if (r->stop_sw && r->stop_sw[r->stop_k])
                st->switches++;
            r->stop_k++;
            ops->reset(s);
        }
    next:
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

/* The model's switch times merged with o->tstops (both in the direction
   of integration), a time in both kept once. */
static int merge_switches(struct run *r, const struct ode_problem *prob, const double *p)
{
    const struct solve_opts *o = r->o;
    double *sw;
    size_t nsw, i = 0, j = 0, k = 0;
    int rc = event_switch_times(prob, p, r->s.y, o->t0, o->t1, &sw, &nsw);

    if (rc == ODE_ENOMEM)
        return rc;
    if (rc)
        return failed(r, rc < 0 ? ODE_ERHS : ODE_ENONFINITE, o->t0, 0, -1,
                      "a switching function of t could not be evaluated");
    if (nsw == 0)
        return 0;
    r->tstops_own = malloc((nsw + o->n_tstops) * sizeof *r->tstops_own);
    r->stop_sw = calloc(nsw + o->n_tstops, sizeof *r->stop_sw);
    if (!r->tstops_own || !r->stop_sw) {
        free(sw);
        return ODE_ENOMEM;
    }
    while (i < nsw || j < o->n_tstops) {
        bool take_sw = j == o->n_tstops || (i < nsw && r->dir * (sw[i] - o->tstops[j]) <= 0);
        double v = take_sw ? sw[i++] : o->tstops[j++];
        if (!(r->dir * (v - o->t0) >= 0 && r->dir * (o->t1 - v) >= 0))
            continue;
        if (k > 0 && r->tstops_own[k - 1] == v) {
            r->stop_sw[k - 1] |= take_sw;
            continue;
        }
        r->stop_sw[k] = take_sw;
        r->tstops_own[k++] = v;
    }
    free(sw);
    r->tstops = r->tstops_own;
    r->n_tstops = k;
    return 0;
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

    r.cfg = (struct stepper_cfg){
        .prob = prob, .p = p, .adaptive = r.adaptive,
        .volterra_window = o->volterra_window,
        .rtol = o->rtol, .atol = o->atol, .atol_vec = o->atol_vec, .norm = o->norm,
        .linsolve = o->linsolve, .jacobian = o->jacobian,
    };
    rc = stepper_new(&r.s, &r.method, &r.cfg);
    if (rc) {
        if (rc == ODE_EINVAL)
            failed(&r, rc, o->t0, 0, -1, "%s", r.s.why[0] ? r.s.why : "the solver cannot run");
        goto done;
    }
    r.yout = malloc((n + 1) * sizeof *r.yout);
    if (!r.yout) {
        rc = ODE_ENOMEM;
        goto done;
    }
    if (n)
        memcpy(r.s.y, y0, n * sizeof *y0);
    /* Integral equations start at their right-hand side's value (after
       the row at t0 with volterra_declared_t0). */
    bool late = prob->n_volterra > 0 && o->volterra_declared_t0;
    if (prob->n_volterra > 0 && !late && (rc = volterra_initial(prob, p, o->t0, r.s.y))) {
        rc = failed(&r, rc == ODE_ENOMEM ? rc : ODE_ERHS, o->t0, 0, -1,
                    "the Volterra equations' initial values could not be computed");
        goto done;
    }
    bad = first_nonfinite(r.s.y, n);
    if (bad >= 0) {
        rc = failed(&r, ODE_ENONFINITE, o->t0, 0, bad, "non-finite initial value");
        goto done;
    }
    if (prob->n_events > 0 && prob->events && prob->reset) {
        rc = event_new(prob, p, &r.ev);
        if (rc)
            goto done;
        rc = event_start(r.ev, o->t0, r.s.y);
        if (rc) {
            rc = failed(&r, rc < 0 ? ODE_ERHS : ODE_ENONFINITE, o->t0, 0, -1,
                        rc < 0 ? "an event condition asked to stop"
                               : "an event condition could not be evaluated");
            goto done;
        }
        /* XPPAUT looks at its events in a step of length 0 at t0 before
           its first row and once more after it (do_start_flags, then
           integrate()), from conditions it keeps at 0 until then: only
           a direction-0 condition at zero fires there, once each time. */
        if (o->xpp && !r.adaptive) {
            event_xpp_zero(r.ev);
            if ((rc = xpp_start_events(&r)))
                goto done;
        }
        r.ev_t = NAN;
        if (o->xpp && o->land_saves) {
            r.yrow = malloc((n + 1) * sizeof *r.yrow);
            if (!r.yrow) {
                rc = ODE_ENOMEM;
                goto done;
            }
            memcpy(r.yrow, r.s.y, n * sizeof *r.yrow);
            r.trow = o->t0;
        }
    }
    if (o->save == SAVE_STEPS)
        rc = emit(&r, o->t0, r.s.y);
    save_goto(&r, 0);
    while (rc == 0 && r.save_next == o->t0) {
        rc = emit(&r, o->t0, r.s.y);
        save_goto(&r, r.save_k + 1);
    }
    if (rc == 0 && r.ev && o->xpp && !r.adaptive)
        rc = xpp_start_events(&r);
    if (rc)
        goto done;
    if (late && (rc = volterra_initial(prob, p, o->t0, r.s.y))) {
        rc = failed(&r, rc == ODE_ENOMEM ? rc : ODE_ERHS, o->t0, 0, -1,
                    "the Volterra equations' initial values could not be computed");
        goto done;
    }
    r.tstops = o->tstops;
    r.n_tstops = o->n_tstops;
    /* A fixed step is honoured exactly, as XPPAUT takes it: only adaptive
       methods step onto the switch times. */
    if (prob->n_tswitch > 0 && prob->tswitch && !o->no_switches && r.adaptive &&
        o->t1 != o->t0) {
        rc = merge_switches(&r, prob, p);
        if (rc)
            goto done;
    }
    if (o->t1 != o->t0)
        rc = integrate(&r);
done:
    st->nfev = r.s.st.nfev;
    st->njev = r.s.st.njev;
    st->nlu = r.s.st.nlu;
    st->nsolve = r.s.st.nsolve;
    st->nnewton = r.s.st.nnewton;
    st->nnewton_fail = r.s.st.nnewton_fail;
    st->linsolve = r.s.linsolve_name;
    st->stiff_t = r.s.ops ? r.s.st.stiff_t : NAN;
    st->stiff_hlamb = r.s.st.stiff_hlamb;
    st->nswitch = r.s.st.nswitch;
    snprintf(st->notes, sizeof st->notes, "%s", r.s.notes);
    st->jac_exact = r.s.jac_exact;
    if (rc == ODE_ENOMEM)
        snprintf(fail->why, sizeof fail->why, "out of memory");
    free(r.yout);
    free(r.yrow);
    free(r.tstops_own);
    free(r.stop_sw);
    event_free(r.ev);
    stepper_free(&r.s);
    return rc;
}
