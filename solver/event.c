/* event.c - zero crossings of the event functions between the ends of an
 * accepted step, located on the dense output, and the resets.
 *
 * The root of g_k(t + theta h) is found by the Illinois variant of the
 * false position method (Dowell & Jarratt, BIT 11 (1971) 168-174): it
 * keeps a bracket [a, b] with the function <= 0 at a and > 0 at b (after
 * the sign of the direction) and halves the value kept at an end that
 * stays twice in a row, which gives superlinear convergence where plain
 * false position would crawl.  It stops at an exact zero or when the
 * bracket is a few ulps of t wide; the event time is then b, the first
 * point found past the crossing, so the state handed to the reset is on
 * the side the crossing leads to (as CVODE's rootfinding returns the
 * point past the root). */
#include "event.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Bracket width at which the root is taken as found, in units of
   DBL_EPSILON * max(|a|, |b|). */
#define EVENT_ULPS 4.0
/* Iterations of the Illinois method at most (it needs about 10 on a
   smooth crossing; bisection alone would need about 60). */
#define EVENT_MAX_ITER 200
/* Points of the interpolant per step at which the event functions are
   looked at (the end included). */
#define EVENT_SAMPLES 4

struct event {
    const struct ode_problem *prob;
    const double *p;
    size_t n, ne;
    double *g0;           /* g at the accepted point, then at the last sample */
    double *g1;           /* g at the next sample */
    double *gm;           /* g at the located time */
    signed char *side;    /* -1, 0, +1: side of zero at the accepted point */
    bool *quiet;          /* at zero after firing: leaving zero does not fire */
    bool *fire;           /* fires at the located time */
    double *y;            /* state at the located time */
    size_t nfired, first;
    /* event_xpp_step: the cycle in which each event fires (0: not in
       this step) and its fraction of the step. */
    int *hit;
    double *tstar;
};

int event_new(const struct ode_problem *prob, const double *p, struct event **out)
{
    struct event *ev = calloc(1, sizeof *ev);
    size_t ne = prob->n_events, n = prob->n_states;

    *out = NULL;
    if (!ev)
        return ODE_ENOMEM;
    ev->prob = prob;
    ev->p = p;
    ev->n = n;
    ev->ne = ne;
    ev->g0 = calloc(3 * ne + 1, sizeof *ev->g0);
    ev->side = calloc(ne + 1, sizeof *ev->side);
    ev->quiet = calloc(ne + 1, sizeof *ev->quiet);
    ev->fire = calloc(ne + 1, sizeof *ev->fire);
    ev->y = calloc(n + 1, sizeof *ev->y);
    ev->hit = calloc(ne + 1, sizeof *ev->hit);
    ev->tstar = calloc(ne + 1, sizeof *ev->tstar);
    if (!ev->g0 || !ev->side || !ev->quiet || !ev->fire || !ev->y || !ev->hit || !ev->tstar) {
        event_free(ev);
        return ODE_ENOMEM;
    }
    ev->g1 = ev->g0 + ne;
    ev->gm = ev->g1 + ne;
    *out = ev;
    return 0;
}

void event_free(struct event *ev)
{
    if (!ev)
        return;
    free(ev->tstar);
    free(ev->hit);
    free(ev->y);
    free(ev->fire);
    free(ev->quiet);
    free(ev->side);
    free(ev->g0);
    free(ev);
}

double *event_state(struct event *ev)
{
    return ev->y;
}

size_t event_fired(const struct event *ev, size_t *first)
{
    if (first)
        *first = ev->first;
    return ev->nfired;
}

static signed char sign_of(double v)
{
    return v > 0 ? 1 : v < 0 ? -1 : 0;
}

/* The event functions at (t, y) into g; > 0 also when one is not a
   number, which no side can be given. */
static int eval(struct event *ev, double t, const double *y, double *g)
{
    int rc = ev->prob->events(ev->prob->ctx, t, y, ev->p, g);

    if (rc)
        return rc;
    for (size_t k = 0; k < ev->ne; k++)
        if (isnan(g[k]))
            return 1;
    return 0;
}

int event_start(struct event *ev, double t0, const double *y0)
{
    int rc = eval(ev, t0, y0, ev->g0);

    if (rc)
        return rc;
    for (size_t k = 0; k < ev->ne; k++) {
        ev->side[k] = sign_of(ev->g0[k]);
        ev->quiet[k] = false;
    }
    return 0;
}

/* The sign that makes event k's crossing from side `side` to value g a
   rise from <= 0 to > 0, or 0 when it does not fire. */
static int crossing(const struct event *ev, size_t k, double g)
{
    int dir = ev->prob->event_dir[k], side = ev->side[k];

    if (side == 0 && ev->quiet[k])
        return 0;
    if (g > 0 && side <= 0 && dir >= 0)
        return 1;
    if (g < 0 && side >= 0 && dir <= 0)
        return -1;
    return 0;
}

/* The state at time tc of the step (t, h) into ev->y, and the event
   functions there into g. */
static int at(struct event *ev, struct stepper *s, double t, double h, double tc, double *g)
{
    int rc;

    if (tc == t + h) {
        memcpy(ev->y, s->y1, ev->n * sizeof *ev->y);
    } else if (tc == t) {
        memcpy(ev->y, s->y, ev->n * sizeof *ev->y);
    } else {
        rc = s->ops->dense(s, t, h, (tc - t) / h, ev->y);
        if (rc)
            return rc;
    }
    return eval(ev, tc, ev->y, g);
}

/* Event k's crossing time in the part [ta, tb] of the step (t, h),
   where fa = sgn g(ta) <= 0 < fb = sgn g(tb).  Writes it to *root. */
static int locate(struct event *ev, struct stepper *s, double t, double h, size_t k,
                  int sgn, double ta, double tb, double fa, double fb, double *root)
{
    int kept = 0, rc;

    if (fa == 0) {
        *root = ta;
        return 0;
    }
    for (int it = 0; it < EVENT_MAX_ITER; it++) {
        double width = fabs(tb - ta), tol = EVENT_ULPS * DBL_EPSILON * fmax(fabs(ta), fabs(tb));
        double tc, fc;
        if (!(width > tol) || width < DBL_MIN)
            break;
        tc = tb - fb * (tb - ta) / (fb - fa);
        /* False position can land on an end (or outside, by rounding):
           bisect then. */
        if (!(h > 0 ? tc > ta && tc < tb : tc < ta && tc > tb))
            tc = ta + 0.5 * (tb - ta);
        if (tc == ta || tc == tb)
            break;
        rc = at(ev, s, t, h, tc, ev->gm);
        if (rc)
            return rc;
        fc = sgn * ev->gm[k];
        if (fc == 0) {
            *root = tc;
            return 0;
        }
        if (fc < 0) {
            ta = tc;
            fa = fc;
            if (kept == -1)
                fb *= 0.5;
            kept = -1;
        } else {
            tb = tc;
            fb = fc;
            if (kept == 1)
                fa *= 0.5;
            kept = 1;
        }
    }
    *root = tb;
    return 0;
}

/* The sides move on to values g. */
static void move_sides(struct event *ev, const double *g)
{
    for (size_t k = 0; k < ev->ne; k++) {
        ev->side[k] = sign_of(g[k]);
        if (ev->side[k])
            ev->quiet[k] = false;
    }
}

int event_find(struct event *ev, struct stepper *s, double t, double h, double *tev,
               bool *found)
{
    double ta = t, best = t + h;
    size_t kbest = ev->ne;
    int rc;

    *found = false;
    /* The ends alone miss a function that crosses zero and comes back
       within one step (a bouncing ball's whole arc in one step of a
       method that integrates the parabola exactly): the interpolant is
       sampled at EVENT_SAMPLES points and the first part with a
       crossing is searched. */
    for (int j = 1; j <= EVENT_SAMPLES && kbest == ev->ne; j++) {
        double tb = j == EVENT_SAMPLES ? t + h : t + h * ((double)j / EVENT_SAMPLES);
        rc = at(ev, s, t, h, tb, ev->g1);
        if (rc)
            return rc;
        for (size_t k = 0; k < ev->ne; k++) {
            int sgn = crossing(ev, k, ev->g1[k]);
            double root;
            if (!sgn)
                continue;
            rc = locate(ev, s, t, h, k, sgn, ta, tb, sgn * ev->g0[k], sgn * ev->g1[k], &root);
            if (rc)
                return rc;
            if (kbest == ev->ne || (h > 0 ? root < best : root > best)) {
                best = root;
                kbest = k;
            }
        }
        if (kbest == ev->ne) {
            move_sides(ev, ev->g1);
            memcpy(ev->g0, ev->g1, ev->ne * sizeof *ev->g0);
            ta = tb;
        }
    }
    if (kbest == ev->ne)
        return 0;
    /* The state at the event, and which other events have crossed by
       then: they fire at the same time. */
    rc = at(ev, s, t, h, best, ev->gm);
    if (rc)
        return rc;
    ev->nfired = 0;
    for (size_t k = 0; k < ev->ne; k++) {
        ev->fire[k] = k == kbest || crossing(ev, k, ev->gm[k]) != 0;
        if (ev->fire[k] && ev->nfired++ == 0)
            ev->first = k;
    }
    *tev = best;
    *found = true;
    return 0;
}

int event_apply(struct event *ev, double tev)
{
    const struct ode_problem *prob = ev->prob;
    int rc;

    for (size_t k = 0; k < ev->ne; k++) {
        if (!ev->fire[k])
            continue;
        rc = prob->reset(prob->ctx, k, tev, ev->y, ev->p);
        if (rc)
            return rc;
    }
    rc = eval(ev, tev, ev->y, ev->g0);
    if (rc)
        return rc;
    for (size_t k = 0; k < ev->ne; k++) {
        signed char sd = sign_of(ev->g0[k]);
        if (ev->fire[k] && sd == 0) {
            ev->quiet[k] = true;
        } else if (sd != 0) {
            ev->quiet[k] = false;
        }
        ev->side[k] = sd;
        ev->fire[k] = false;
    }
    return 0;
}

/* XPPAUT 6.11's constants (flags.c): a change of a condition smaller
   than XPPAUT_TOLMIN is no crossing; the fraction of the step is at
   least XPPAUT_STOL and otherwise stretched by 1 + XPPAUT_STOL, so the
   state handed to the assignments lies past the (linear) root; a
   direction-0 condition fires when its value is within XPPAUT_ZERO of
   zero. */
#define XPPAUT_TOLMIN 1e-10
#define XPPAUT_STOL 1e-10
#define XPPAUT_ZERO 5e-16

void event_xpp_zero(struct event *ev)
{
    memset(ev->g0, 0, ev->ne * sizeof *ev->g0);
}

int event_xpp_step(struct event *ev, const double *y, const double *y1, double t,
                   double tnew, double *tev, double *frac, bool *found)
{
    const struct ode_problem *prob = ev->prob;
    const double dt = tnew - t;
    double smin = 2.0;
    int rc, cycle = 0;
    bool more;

    *found = false;
    rc = eval(ev, tnew, y1, ev->g1);
    if (rc)
        return rc;
    for (size_t k = 0; k < ev->ne; k++) {
        double f0 = ev->g0[k], f1 = ev->g1[k], tol = fabs(f1 - f0);
        int dir = prob->event_dir[k];
        ev->hit[k] = 0;
        ev->tstar[k] = 2.0;
        if ((dir > 0 && f0 < 0 && f1 > 0 && tol > XPPAUT_TOLMIN) ||
            (dir < 0 && f0 > 0 && f1 <= 0 && tol > XPPAUT_TOLMIN)) {
            ev->hit[k] = 1;
            ev->tstar[k] = f0 / (f0 - f1);
        } else if (dir == 0 && fabs(f1) < XPPAUT_ZERO) {
            /* XPPAUT stores the step's start time here, not a fraction
               (so such an event fires in the step only while t < 1). */
            ev->hit[k] = 1;
            ev->tstar[k] = t;
        }
        if (ev->tstar[k] < smin)
            smin = ev->tstar[k];
    }
    memcpy(ev->g0, ev->g1, ev->ne * sizeof *ev->g0);
    smin = smin < XPPAUT_STOL ? XPPAUT_STOL : (1 + XPPAUT_STOL) * smin;
    if (smin > 1.0)
        return 0;
    /* The event's time and state on the straight line between the ends
       of the step, and the conditions there before any assignment. */
    *tev = t + dt * smin;
    for (size_t i = 0; i < ev->n; i++)
        ev->y[i] = y[i] + smin * (y1[i] - y[i]);
    rc = eval(ev, *tev, ev->y, ev->gm);
    if (rc)
        return rc;
    /* Cycles: the events of this cycle are applied (in the model's order,
       each seeing the state the earlier ones left); any other condition
       that the assignments carry across zero (>= and <= now) fires in
       the next cycle. */
    ev->nfired = 0;
    do {
        cycle++;
        for (size_t k = 0; k < ev->ne; k++) {
            if (ev->hit[k] != cycle || !(ev->tstar[k] <= smin))
                continue;
            if (ev->nfired++ == 0)
                ev->first = k;
            rc = prob->reset(prob->ctx, k, *tev, ev->y, ev->p);
            if (rc)
                return rc;
        }
        rc = eval(ev, *tev, ev->y, ev->g0);
        if (rc)
            return rc;
        more = false;
        for (size_t k = 0; k < ev->ne; k++) {
            double f0 = ev->gm[k], f1 = ev->g0[k], tol = fabs(f1 - f0);
            int dir = prob->event_dir[k];
            if (ev->hit[k] > 0 || !(tol > XPPAUT_TOLMIN))
                continue;
            if ((dir > 0 && f0 <= 0 && f1 >= 0) || (dir < 0 && f0 >= 0 && f1 <= 0) ||
                (dir == 0 && f0 * f1 <= 0 && (f0 != 0 || f1 != 0))) {
                ev->hit[k] = cycle + 1;
                ev->tstar[k] = smin;
                more = true;
            }
        }
    } while (more);
    *frac = smin;
    *found = true;
    return 0;
}

/* Samples of each switching function of t over the span. */
#define EVENT_SWITCH_SAMPLES 4096

static int cmp_up(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Bisects switch k between ta (sign sa) and tb to adjacent doubles. */
static int bisect(const struct ode_problem *prob, const double *p, const double *y0, size_t k,
                  double ta, double tb, int sa, double *g, double *root)
{
    for (int it = 0; it < 2200; it++) {
        double tm = ta + 0.5 * (tb - ta);
        int rc;
        if (tm == ta || tm == tb)
            break;
        rc = prob->tswitch(prob->ctx, tm, y0, p, g);
        if (rc)
            return rc;
        if (g[k] == 0) {
            *root = tm;
            return 0;
        }
        if (sign_of(g[k]) == sa)
            ta = tm;
        else
            tb = tm;
    }
    *root = tb;
    return 0;
}

int event_switch_times(const struct ode_problem *prob, const double *p, const double *y0,
                       double t0, double t1, double **times, size_t *n)
{
    size_t ns = prob->n_tswitch, cap = 0, cnt = 0;
    double *g = calloc(2 * ns + 1, sizeof *g), *prev = g + ns, *out = NULL;
    int rc = 0;

    *times = NULL;
    *n = 0;
    if (!g)
        return ODE_ENOMEM;
    for (int j = 0; j <= EVENT_SWITCH_SAMPLES && rc == 0; j++) {
        double tj = j == EVENT_SWITCH_SAMPLES ? t1
                                              : t0 + (t1 - t0) * ((double)j / EVENT_SWITCH_SAMPLES);
        double tprev = t0 + (t1 - t0) * ((double)(j - 1) / EVENT_SWITCH_SAMPLES);
        rc = prob->tswitch(prob->ctx, tj, y0, p, g);
        if (rc)
            break;
        for (size_t k = 0; k < ns && j > 0; k++) {
            int sa = sign_of(prev[k]), sb = sign_of(g[k]);
            double root;
            if (isnan(prev[k]) || isnan(g[k]) || sa == sb || sb == 0)
                continue;
            if (sa == 0) {
                root = tprev;
            } else {
                double *tmp = calloc(ns + 1, sizeof *tmp);
                if (!tmp) {
                    rc = ODE_ENOMEM;
                    break;
                }
                rc = bisect(prob, p, y0, k, tprev, tj, sa, tmp, &root);
                free(tmp);
                if (rc)
                    break;
            }
            if (cnt == cap) {
                size_t nc = cap ? 2 * cap : 16;
                double *o = realloc(out, nc * sizeof *o);
                if (!o) {
                    rc = ODE_ENOMEM;
                    break;
                }
                out = o;
                cap = nc;
            }
            out[cnt++] = root;
        }
        memcpy(prev, g, ns * sizeof *g);
    }
    free(g);
    if (rc) {
        free(out);
        return rc;
    }
    qsort(out, cnt, sizeof *out, cmp_up);
    if (t1 < t0)
        for (size_t i = 0; i < cnt / 2; i++) {
            double x = out[i];
            out[i] = out[cnt - 1 - i];
            out[cnt - 1 - i] = x;
        }
    *times = out;
    *n = cnt;
    return 0;
}
