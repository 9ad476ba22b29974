/* main.c - odesolve: read a model, compile it, integrate it, write rows.
 *
 * The only place that prints to the user about failures and exits.  Exit
 * status: 0 done, 1 the solve failed, 2 usage, model or output error,
 * 128+signal when interrupted. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "codegen.h"
#include "control.h"
#include "diag.h"
#include "diff.h"
#include "ensemble_run.h"
#include "fmt.h"
#include "interp.h"
#include "jit.h"
#include "model.h"
#include "options.h"
#include "out.h"
#include "problem.h"
#include "progress.h"
#include "sha256.h"
#include "solve.h"
#include "stepper.h"
#include "xpp.h"

#ifndef ODESOLVE_VERSION
#define ODESOLVE_VERSION "unknown"
#endif

enum { EXIT_DONE = 0, EXIT_SOLVE = 1, EXIT_USAGE = 2 };

/* XPPAUT's default span when the file gives no total. */
#define DEFAULT_TOTAL 20.0
#define DEFAULT_RTOL 1e-6
#define DEFAULT_ATOL 1e-9
#define DEFAULT_MAX_STEPS 10000000L
#define DEFAULT_SAVE_POINTS 1000
/* The smallest relative tolerance a double-precision solve can meet:
   below it rounding errors of the step itself dominate.  MATLAB's ode
   suite raises RelTol to the same 100 eps (odeset's RelTol). */
#define MIN_RTOL (100 * DBL_EPSILON)

static volatile sig_atomic_t stop_signal;
static volatile int stop_flag;

/* The output being written, for a second signal's clean-up. */
static struct out *volatile signal_writer;

/* The first SIGINT, SIGTERM or SIGHUP asks the solver to stop at its next
   step, so the rows so far are kept.  A second one, when the run is stuck
   in a slow right-hand side, ends the process at once: the temporary file
   is removed and the signal's default action runs. */
static void on_signal(int sig)
{
    if (stop_flag) {
        if (signal_writer)
            out_abort_signal_safe(signal_writer);
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    stop_signal = sig;
    stop_flag = 1;
}

static void say(const char *fmt, ...)
{
    va_list ap;
    fputs("odesolve: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void list_solvers(void)
{
    printf("%-10s %-6s %-9s %-12s %s\n", "name", "order", "step", "family", "description");
    for (size_t i = 0; i < stepper_count(); i++) {
        struct stepper_method sm;
        char order[16];
        stepper_at(i, &sm);
        if (stepper_adaptive(&sm))
            snprintf(order, sizeof order, "%d(%d)", sm.order, sm.order_emb);
        else
            snprintf(order, sizeof order, "%d", sm.order);
        printf("%-10s %-6s %-9s %-12s %s\n", sm.name, order,
               stepper_adaptive(&sm) ? "adaptive" : "fixed",
               stepper_family_name(sm.family), sm.desc);
    }
}

static bool named(const char *name, const char *in_model)
{
    return strcasecmp(name, in_model) == 0;
}

/* Says what `name` is in m when option `opt` (-p, -i or --atol) cannot set
   it, and how to do what was meant; false when m has no such name. */
static bool say_what_it_is(const struct model *m, const char *opt, const struct cli_assign *a,
                           const char *name)
{
    const char *lead = "odesolve: ";
    long i;
    if (strcmp(opt, "-p") == 0 && (i = model_find_state(m, name)) >= 0) {
        fprintf(stderr, "%s-p %s: '%s' is a state variable of %s: set its initial value "
                "with -i %s=%.17g\n", lead, a->arg, name, m->file, m->states[i].name, a->value);
        return true;
    }
    if (strcmp(opt, "-p") != 0 && (i = model_find_param(m, name)) >= 0) {
        fprintf(stderr, "%s%s %s: '%s' is a parameter of %s, not a state", lead, opt, a->arg,
                name, m->file);
        if (strcmp(opt, "-i") == 0)
            fprintf(stderr, ": use -p %s=%.17g", m->params[i].name, a->value);
        fputc('\n', stderr);
        return true;
    }
    for (size_t k = 0; k < m->n_numbers; k++)
        if (named(name, m->numbers[k].name)) {
            fprintf(stderr, "%s%s %s: '%s' is a constant of %s (number %s=%g): it is set in "
                    "the file; declare it with par instead to set it from the command line\n",
                    lead, opt, a->arg, name, m->file, m->numbers[k].name,
                    m->numbers[k].value);
            return true;
        }
    for (size_t k = 0; k < m->n_derived; k++)
        if (named(name, m->derived[k].name)) {
            fprintf(stderr, "%s%s %s: '%s' is a derived parameter of %s (!%s = ...): it is "
                    "computed in the file from the parameters; set those\n", lead, opt, a->arg,
                    name, m->file, m->derived[k].name);
            return true;
        }
    const char *kind = NULL;
    if (model_find_aux(m, name) >= 0)
        kind = "an aux output";
    for (size_t k = 0; !kind && k < m->n_inters; k++)
        if (named(name, m->inters[k].name))
            kind = "an intermediate quantity";
    for (size_t k = 0; !kind && k < m->n_funcs; k++)
        if (named(name, m->funcs[k].name))
            kind = "a function";
    if (!kind)
        return false;
    fprintf(stderr, "%s%s %s: '%s' is %s of %s: it is computed in the file, not set\n",
            lead, opt, a->arg, name, kind, m->file);
    return true;
}

/* The index of the state an assignment names, or -1 after saying why,
   with the model's states, for option `opt`. */
static long find_state(const struct model *m, const char *opt, const struct cli_assign *a)
{
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)a->name_len, a->name);
    long i = model_find_state(m, name);
    if (i < 0 && !say_what_it_is(m, opt, a, name)) {
        fprintf(stderr, "odesolve: %s %s: '%s' is not a state of %s; states are: ",
                opt, a->arg, name, m->file);
        for (size_t j = 0; j < m->n_states; j++)
            fprintf(stderr, "%s%s", j ? ", " : "", m->states[j].name);
        fputc('\n', stderr);
    }
    return i;
}

/* Applies -p and -i.  Returns 0 or prints why and returns ODE_EINVAL. */
static int apply_overrides(const struct model *m, const struct cli_options *o,
                           double *p, double *y0)
{
    for (size_t k = 0; k < o->n_params; k++) {
        const struct cli_assign *a = &o->params[k];
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)a->name_len, a->name);
        long i = model_find_param(m, name);
        if (i < 0 && say_what_it_is(m, "-p", a, name))
            return ODE_EINVAL;
        if (i < 0) {
            fprintf(stderr, "odesolve: -p %s: '%s' is not a parameter of %s; "
                    "parameters are: ", a->arg, name, m->file);
            for (size_t j = 0; j < m->n_params; j++)
                fprintf(stderr, "%s%s", j ? ", " : "", m->params[j].name);
            if (m->n_params == 0)
                fputs("(none)", stderr);
            fputc('\n', stderr);
            return ODE_EINVAL;
        }
        p[i] = a->value;
    }
    for (size_t k = 0; k < o->n_inits; k++) {
        long i = find_state(m, "-i", &o->inits[k]);
        if (i < 0)
            return ODE_EINVAL;
        y0[i] = o->inits[k].value;
    }
    return 0;
}

/* The per-state absolute tolerances of --atol NAME=X into *vec (n values,
   the others `atol`), or NULL when none was named.  Returns 0, or
   ODE_EINVAL after saying why, or ODE_ENOMEM. */
static int state_atols(const struct model *m, const struct cli_options *o, size_t n,
                       double atol, double **vec)
{
    *vec = NULL;
    if (o->n_atols == 0)
        return 0;
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return ODE_ENOMEM;
    for (size_t i = 0; i < n; i++)
        v[i] = atol;
    for (size_t k = 0; k < o->n_atols; k++) {
        long i = find_state(m, "--atol", &o->atols[k]);
        if (i < 0) {
            free(v);
            return ODE_EINVAL;
        }
        v[i] = o->atols[k].value;
    }
    *vec = v;
    return 0;
}

/* Picks the solver into *sm: --solver, else the file's meth (XPPAUT names
   mapped), else dopri5.  Prints why and returns false when there is none. */
static bool pick_solver(const struct model *m, const struct cli_options *o,
                        struct stepper_method *sm)
{
    const char *closest = NULL;
    /* Difference equations are iterated, whatever meth= says (XPPAUT
       switches to its discrete method for them too). */
    if (m->maps) {
        if (o->solver && !(stepper_find(o->solver, sm) && !strcmp(sm->name, "discrete"))) {
            diag_at(stderr, m, m->map_span, "error",
                    "difference equations are iterated by the discrete method; "
                    "--solver %s cannot run them", o->solver);
            return false;
        }
        /* (--xpp's default meth has no span.) */
        if (!o->solver && (m->settings.set & SET_METH) &&
            m->settings.meth_span.end > m->settings.meth_span.begin &&
            strcmp(stepper_from_xpp(m->settings.meth, NULL) ? stepper_from_xpp(
                       m->settings.meth, NULL) : "", "discrete"))
            diag_at(stderr, m, m->settings.meth_span, "warning",
                    "method '%s' is not used: difference equations are iterated "
                    "(meth=discrete)", m->settings.meth);
        return stepper_find("discrete", sm);
    }
    if (o->solver) {
        if (stepper_find(o->solver, sm))
            return true;
        struct stepper_method near;
        closest = stepper_suggest(o->solver);
        if (stepper_find(closest, &near))
            say("--solver: unknown solver '%s'; the closest of its kind is '%s' (%s %s, "
                "order %d); see --list-solvers", o->solver, near.name,
                stepper_adaptive(&near) ? "adaptive" : "fixed-step",
                stepper_family_name(near.family), near.order);
        else
            say("--solver: unknown solver '%s'; see --list-solvers", o->solver);
        return false;
    }
    /* Volterra equations have one method, whatever the file asks (as
       XPPAUT runs them). */
    if (codegen_volterra(m))
        return stepper_find("volterra", sm);
    if (m->settings.set & SET_METH) {
        /* --xpp replays XPPAUT's own algorithm where it is registered. */
        const char *replay = o->xpp ? stepper_xpp_replay(m->settings.meth) : NULL;
        if (replay)
            return stepper_find(replay, sm);
        const char *name = stepper_from_xpp(m->settings.meth, &closest);
        if (name)
            return stepper_find(name, sm);
        /* An XPPAUT method we do not have: the file still runs. */
        const char *instead = stepper_xpp_instead(m->settings.meth);
        if (instead && stepper_find(instead, sm)) {
            diag_at(stderr, m, m->settings.meth_span, "warning",
                    "method '%s' is not available; using '%s' instead (--solver chooses "
                    "another)", m->settings.meth, instead);
            return true;
        }
        diag_at(stderr, m, m->settings.meth_span, "error",
                "method '%s' is not available; the closest solver is '%s' "
                "(use meth=%s or --solver)", m->settings.meth,
                closest ? closest : "dopri5", closest ? closest : "dopri5");
        return false;
    }
    return stepper_find("dopri5", sm);
}

static long xpp_nout(const struct model_settings *s)
{
    return (s->set & SET_NOUT) && s->nout > 0 ? s->nout : 1;
}

static double first_set(double a, double b, double fallback)
{
    return !isnan(a) ? a : !isnan(b) ? b : fallback;
}

/* Merges command line, `@` settings and defaults into solver options. */
static int build_solve_opts(const struct model *m, const struct cli_options *o,
                            const struct stepper_method *sm, struct solve_opts *so)
{
    const struct model_settings *s = &m->settings;
    solve_opts_default(so);
    so->method = sm->name;
    so->volterra_window = (s->set & SET_VMAXPTS) ? s->vmaxpts : 0;
    so->volterra_declared_t0 = o->xpp;
    so->linsolve = o->linsolve;
    so->jacobian = o->jacobian;
    so->controller = o->controller;
    so->norm = o->norm;
    double file_t0 = (s->set & SET_T0) ? s->t0 : NAN;
    double file_total = (s->set & SET_TOTAL) ? s->total : NAN;
    so->t0 = first_set(o->t0, file_t0, 0.0);
    /* XPPAUT integrates backwards over `total` when dt < 0. */
    bool backwards = (s->set & SET_DT) && s->dt < 0 && isnan(o->t1);
    double total = first_set(o->total, file_total, DEFAULT_TOTAL);
    if (!isnan(o->t1))
        so->t1 = o->t1;
    else
        so->t1 = so->t0 + (backwards ? -total : total);
    if (!(backwards ? so->t1 < so->t0 : so->t1 > so->t0)) {
        say("the end time t1 = %g is not after the start time t0 = %g",
            so->t1, so->t0);
        return ODE_EINVAL;
    }
    so->rtol = first_set(o->rtol, (s->set & SET_TOL) ? s->tol : NAN, DEFAULT_RTOL);
    so->atol = first_set(o->atol, (s->set & SET_ATOL) ? s->atol : NAN, DEFAULT_ATOL);
    so->dtmin = first_set(o->dtmin, (s->set & SET_DTMIN) ? s->dtmin : NAN, 0.0);
    so->dtmax = first_set(o->dtmax, (s->set & SET_DTMAX) ? s->dtmax : NAN, 0.0);
    so->bound = first_set(o->bound, (s->set & SET_BOUND) ? s->bound : NAN, 0.0);
    so->max_steps = o->max_steps > 0 ? o->max_steps : DEFAULT_MAX_STEPS;
    double file_dt = (s->set & SET_DT) ? fabs(s->dt) : NAN;
    bool fixed = so->controller == CTL_CONSTANT ||
                 (so->controller == CTL_DEFAULT && !stepper_adaptive(sm));
    if (!fixed && so->rtol > 0 && so->rtol < MIN_RTOL) {
        say("warning: %s %g is below what double precision can deliver; using %.3g "
            "(100 times the machine epsilon)", isnan(o->rtol) ? "the file's tol" : "--rtol",
            so->rtol, MIN_RTOL);
        so->rtol = MIN_RTOL;
    }
    /* A map takes one iterate per unit of t, XPPAUT's discrete method
       whatever the file's dt, over the whole iterates in total (its
       integrate() truncates total). */
    bool map = !strcmp(sm->name, "discrete");
    if (map) {
        file_dt = 1.0;
        if (isnan(o->t1))
            so->t1 = so->t0 + (so->t1 > so->t0 ? 1 : -1) *
                     cli_xpp_span(floor(total), 1.0, o->xpp ? xpp_nout(s) : 1);
    }
    if (fixed)
        so->dt = first_set(map ? NAN : o->dt, file_dt,
                           fabs(so->t1 - so->t0) / DEFAULT_SAVE_POINTS);
    else
        so->dt = first_set(o->dt, NAN, 0.0);
    if (o->xpp) {
        /* XPPAUT's rows: the bound is checked on them (cli/xpp.c), and a
           fixed-step run takes whole steps over about `total`. */
        so->bound = 0;
        if (fixed && isnan(o->t1))
            so->t1 = so->t0 + (so->t1 > so->t0 ? 1 : -1) *
                     cli_xpp_span(map ? floor(total) : total, so->dt, xpp_nout(s));
        /* XPPAUT's adaptive methods integrate from one row to the next
           (tout = t0 + k dt in its integrate()), so no step is longer
           than dt: on its qualrk examples at tol 1e-3 that bound takes
           the error from 0.08 to 6.5e-7 (ielaspen.ode) and from 110 to
           0.04 (transient.ode) against a 1e-12 reference. */
        bool replay = !o->solver && (s->set & SET_METH) &&
                      stepper_xpp_replay(s->meth) && !strcmp(sm->name, stepper_xpp_replay(s->meth));
        if (!fixed && replay && !isnan(file_dt) && file_dt > 0) {
            /* qualrk as XPPAUT runs it (stiff.c, gadaptive): each output
               interval integrated on its own, the first step dt, the
               steps cut to end on each output time, no other bound. */
            so->land_saves = true;
            if (isnan(o->dt))
                so->dt = file_dt;
        } else if (!fixed && isnan(o->dtmax) && !isnan(file_dt) && file_dt > 0 &&
                   (so->dtmax == 0 || file_dt < so->dtmax))
            so->dtmax = file_dt;
    }
    if (!isnan(o->pcoeff)) so->pcoeff = o->pcoeff;
    if (!isnan(o->icoeff)) so->icoeff = o->icoeff;
    if (!isnan(o->dcoeff)) so->dcoeff = o->dcoeff;
    so->no_event_rows = o->no_event_rows;
    /* XPPAUT's adaptive runs write the output times only, none at an
       event. */
    if (o->xpp && !fixed)
        so->no_event_rows = true;
    so->no_switches = o->no_switches;
    so->xpp = o->xpp;
    so->stop_after_events = o->stop_after_events;
    so->tstops = o->tstops;
    so->n_tstops = o->n_tstops;
    if (o->save_steps) {
        so->save = SAVE_STEPS;
    } else if (o->save_final) {
        so->save = SAVE_FINAL;
    } else if (o->save_at) {
        so->save = SAVE_AT;
        so->save_at = o->save_at;
        so->n_save_at = o->n_save_at;
    } else if ((o->xpp && fixed) || map) {
        /* Every nout-th step is kept by the row filter (cli/xpp.c); a
           map's rows are its iterates. */
        so->save = SAVE_STEPS;
    } else {
        so->save = SAVE_GRID;
        /* XPPAUT's adaptive methods write a row every dt whatever nout
           (xppaut -silent, meth=qualrk or cvode, dt=0.1, total=1,
           nout=2: 11 rows). */
        double nout = o->xpp ? 1.0 : (double)xpp_nout(s);
        double file_every = isnan(file_dt) || file_dt == 0 ? NAN : file_dt * nout;
        so->save_every = first_set(o->save_every, file_every,
                                   fabs(so->t1 - so->t0) / DEFAULT_SAVE_POINTS);
    }
    return 0;
}

struct row_sink {
    struct out *writer;
    const struct ode_problem *prob;
    const double *p;
    double *row;             /* states then aux */
    double *sel;             /* the columns written (`only`) */
    const size_t *cols;      /* their indices into row */
    size_t ncols;
    struct xpp_rows rows;    /* which points become rows */
    bool rows_stopped;       /* rows ended the solve (maxstor, bound) */
    progress *pg;            /* NULL: no progress line */
    bool aux_failed;         /* the aux function asked to stop ... */
    double aux_t;            /* ... at this t */
};

static int write_row(void *ctx, double t, const double *y)
{
    struct row_sink *rs = ctx;
    size_t n = rs->prob->n_states;
    memcpy(rs->row, y, n * sizeof *y);
    if (rs->prob->n_aux > 0 &&
        rs->prob->aux(rs->prob->ctx, t, y, rs->p, rs->row + n) < 0) {
        rs->aux_failed = true;
        rs->aux_t = t;
        return -1;
    }
    switch (xpp_rows_next(&rs->rows, t, rs->row, n + rs->prob->n_aux)) {
    case XPP_SKIP:
        return 0;
    case XPP_STOP:
        rs->rows_stopped = true;
        return -1;
    case XPP_WRITE:
        break;
    }
    for (size_t i = 0; i < rs->ncols; i++)
        rs->sel[i] = rs->row[rs->cols[i]];
    int rc = out_row(rs->writer, t, rs->sel, rs->ncols);
    if (rc == 0 && rs->rows.full) {
        rs->rows_stopped = true;
        return -1;
    }
    return rc;
}

/* The rows of --repeat's extra solves go nowhere. */
static int discard_row(void *ctx, double t, const double *y)
{
    (void)ctx, (void)t, (void)y;
    return 0;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* --repeat N: solves N-1 more times from the same start, rows discarded,
   and replaces *t_solve (the first solve's time) with the median of all
   the solves done, the warm figure that in-process benchmarks report.
   Returns how many solves were done: n, or fewer when a signal stopped
   one (that one is not counted), or -1 when out of memory. */
static long repeat_solves(const struct ode_problem *prob, const double *p, const double *y0,
                          const struct solve_opts *so, long n, double *t_solve)
{
    double *times = malloc((size_t)n * sizeof *times);
    if (!times)
        return -1;
    times[0] = *t_solve;
    struct solve_sink sink = { .row = discard_row };
    long done = 1;
    while (done < n) {
        struct solve_stats st = { 0 };
        struct solve_failure fail;
        double t = now_seconds();
        int rc = solve_run(prob, p, y0, so, &sink, &stop_flag, &st, &fail);
        if (rc)
            break;
        times[done++] = now_seconds() - t;
    }
    qsort(times, (size_t)done, sizeof *times, compare_doubles);
    *t_solve = done % 2 ? times[done / 2] : 0.5 * (times[done / 2 - 1] + times[done / 2]);
    free(times);
    return done;
}

static void show_progress(void *ctx, double t, long steps, double dt)
{
    struct row_sink *rs = ctx;
    progress_update(rs->pg, t, steps, dt);
}

/* A progress line goes to standard error when it is a terminal that the
   rows themselves do not scroll: they go elsewhere, or there is only the
   last one, written after the line is wiped. */
static bool want_progress(const struct cli_options *o)
{
    if (o->quiet || !isatty(STDERR_FILENO))
        return false;
    return o->output || o->save_final || !isatty(STDOUT_FILENO);
}

/* Why the model could not be turned into code or bytecode. */
static void say_prepare_failed(const struct model *m, int rc)
{
    if (rc == ODE_ENOMEM)
        say("out of memory");
    else
        say("%s: the model cannot be evaluated: an expression is nested more than %d "
            "deep or a call is malformed", m->file, (int)CODEGEN_MAX_DEPTH);
}

static void report_failure(const struct model *m, const struct ode_problem *prob,
                           int rc, const struct solve_failure *f)
{
    if (rc == ODE_EINTR) {
        say("interrupted at t = %.17g; the rows computed so far are kept", f->t);
        return;
    }
    if (f->var >= 0 && (size_t)f->var < prob->n_states) {
        int line = prob->state_lines ? prob->state_lines[f->var] : 0;
        if (line > 0)
            fprintf(stderr, "%s:%d: error: ", m->file, line);
        else
            fputs("odesolve: error: ", stderr);
        fprintf(stderr, "solve failed at t = %.17g in '%s': %s\n",
                f->t, prob->state_names[f->var], f->why);
    } else {
        say("solve failed at t = %.17g (dt = %g): %s", f->t, f->dt, f->why);
    }
}

static int emit_c(const struct model *m)
{
    char *text = NULL;
    int rc = codegen_c(m, &text);
    if (rc) {
        say_prepare_failed(m, rc);
        return EXIT_USAGE;
    }
    fputs(text, stdout);
    free(text);
    return fflush(stdout) == 0 ? EXIT_DONE : EXIT_USAGE;
}

static void print_stats(const struct solve_stats *st, long rows,
                        double compile_s, double solve_s, double first_s, long repeats,
                        const struct stepper_method *sm, const char *backend)
{
    fprintf(stderr,
            "solver: %s\n"
            "family: %s\n"
            "backend: %s\n"
            "steps: %ld\n"
            "rejected: %ld\n"
            "rejected_error: %ld\n"
            "rejected_nonfinite: %ld\n",
            sm->name, stepper_family_name(sm->family), backend, st->steps, st->rejected,
            st->rejected_error, st->rejected_nonfinite);
    if (sm->needs_jac)
        fprintf(stderr,
                "rejected_newton: %ld\n"
                "jacobian: %s\n"
                "linsolve: %s\n"
                "njev: %ld\n"
                "nlu: %ld\n"
                "nsolve: %ld\n"
                "nnewton: %ld\n"
                "nnewton_fail: %ld\n",
                st->rejected_newton, st->jac_exact ? "exact" : "finite differences",
                st->linsolve ? st->linsolve : "none", st->njev, st->nlu, st->nsolve,
                st->nnewton, st->nnewton_fail);
    if (!isnan(st->stiff_t))
        fprintf(stderr, "stiff_from_t: %.9g\n", st->stiff_t);
    if (st->events > 0)
        fprintf(stderr, "events: %ld\n", st->events);
    if (st->switches > 0)
        fprintf(stderr, "time_switches: %ld\n", st->switches);
    if (st->nswitch > 0 || st->notes[0])
        fprintf(stderr, "switches: %ld\n" "switch_notes: %s\n", st->nswitch, st->notes);
    fprintf(stderr,
            "nfev: %ld\n"
            "dt_last: %g\n"
            "rows: %ld\n"
            "compile_time_s: %.9f\n"
            "solve_time_s: %.9f\n"
            "solve_time_first_s: %.9f\n"
            "repeats: %ld\n",
            st->nfev, st->dt_last, rows, compile_s, solve_s, first_s, repeats);
}

/* The run's settings and statistics as HDF5 root attributes (nothing for
   CSV); a failure shows up at out_close(). */
static void write_run_attrs(struct out *w, const struct cli_options *o,
                            const struct stepper_method *sm, const struct solve_opts *so,
                            const struct solve_stats *st, const char *backend, int rc)
{
    enum solve_controller kind = so->controller;
    if (kind == CTL_DEFAULT)
        kind = stepper_adaptive(sm) ? CTL_PID : CTL_CONSTANT;
    const struct ctl_preset *cp = ctl_preset(kind);
    out_attr_string(w, "model", o->model_path);
    out_attr_string(w, "odesolve_version", ODESOLVE_VERSION);
    out_attr_string(w, "solver", so->method);
    out_attr_string(w, "controller", cp ? cp->name : "default");
    out_attr_string(w, "backend", backend);
    out_attr_double(w, "rtol", so->rtol);
    out_attr_double(w, "atol", so->atol);
    out_attr_double(w, "t0", so->t0);
    out_attr_double(w, "t1", so->t1);
    out_attr_long(w, "steps", st->steps);
    out_attr_long(w, "rejected", st->rejected);
    out_attr_long(w, "nfev", st->nfev);
    if (sm->needs_jac) {
        out_attr_long(w, "njev", st->njev);
        out_attr_long(w, "nlu", st->nlu);
        out_attr_string(w, "linsolve", st->linsolve ? st->linsolve : "none");
    }
    out_attr_string(w, "status", rc == 0 ? "done" : rc == ODE_EINTR ? "interrupted" : "failed");
}

/* The model and the values the run used, as HDF5 root attributes, so
   that each file of a sweep says which values made it. */
static void write_model_attrs(struct out *w, const struct model *m, const double *p,
                              const double *y0)
{
    char hex[SHA256_HEX_LEN + 1];
    size_t n = m->n_params > m->n_states ? m->n_params : m->n_states;
    const char **names = malloc((n ? n : 1) * sizeof *names);
    sha256_hex(m->src, m->src_len, hex);
    out_attr_string(w, "model_file", m->file);
    out_attr_string(w, "model_sha256", hex);
    if (!names) {
        out_attr_string(w, "parameter_names", "(out of memory)");
        return;
    }
    for (size_t i = 0; i < m->n_params; i++)
        names[i] = m->params[i].name;
    out_attr_strings(w, "parameter_names", names, m->n_params);
    out_attr_doubles(w, "parameter_values", p, m->n_params);
    for (size_t i = 0; i < m->n_states; i++)
        names[i] = m->states[i].name;
    out_attr_strings(w, "state_names", names, m->n_states);
    out_attr_doubles(w, "initial_values", y0, m->n_states);
    free(names);
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* A closed pipe shows up as EPIPE from write(), handled by out. */
    signal(SIGPIPE, SIG_IGN);
}

static int run(const struct cli_options *o)
{
    struct model *m = NULL;
    jit *jt = NULL;
    interp *ip = NULL;
    struct out *writer = NULL;
    double *p = NULL, *y0 = NULL, *row = NULL, *atol_vec = NULL, *sel = NULL;
    size_t *cols = NULL;
    struct ode_problem prob;
    char err[512];
    int status = EXIT_USAGE;

    if ((o->xpp ? check_load_file_xpp : check_load_file)(o->model_path, stderr, &m))
        goto done;
    if (o->set && cli_apply_set(m, o->set, stderr))
        goto done;
    if (o->xpp)
        cli_xpp_defaults(m);
    if (o->check_only) {
        status = EXIT_DONE;
        goto done;
    }
    /* The Jacobian (its pattern, and its values when they can be formed)
       is built only for --emit-c and for a method that uses it: the
       pattern serves finite differences too (--jacobian fd). */
    int drc = o->emit_c ? diff_model(m, DIFF_JAC, stderr) : 0;
    if (drc) {
        say_prepare_failed(m, drc);
        goto done;
    }
    if (o->emit_c) {
        status = emit_c(m);
        goto done;
    }
    struct stepper_method sm;
    struct solve_opts so;
    if (!pick_solver(m, o, &sm) || build_solve_opts(m, o, &sm, &so))
        goto done;
    if (sm.needs_jac && (drc = diff_model(m, DIFF_JAC, stderr)) != 0) {
        say_prepare_failed(m, drc);
        goto done;
    }

    double t_compile = now_seconds();
    bool use_cc = o->jit && strcmp(o->jit, "cc") == 0;
    const char *backend = o->no_jit ? "interpreter" : use_cc ? "cc" : "tcc";
    if (o->no_jit) {
        int irc = interp_new(m, &ip, &prob);
        if (irc) {
            say_prepare_failed(m, irc);
            goto done;
        }
    } else if ((use_cc ? jit_compile_cc : jit_compile)(m, &jt, &prob, err, sizeof err)) {
        say("%s", err);
        goto done;
    }
    t_compile = now_seconds() - t_compile;

    size_t np = prob.n_params + prob.n_derived + prob.n_volterra;
    p = calloc(np ? np : 1, sizeof *p);
    y0 = calloc(prob.n_states, sizeof *y0);
    row = calloc(prob.n_states + prob.n_aux, sizeof *row);
    if (!p || !y0 || !row) {
        say("out of memory");
        goto done;
    }
    for (size_t i = 0; i < m->n_params; i++)
        p[i] = m->params[i].value;
    for (size_t i = 0; i < m->n_states; i++)
        y0[i] = m->states[i].init;
    if (apply_overrides(m, o, p, y0))
        goto done;
    if (prob.derive && prob.derive(prob.ctx, p) < 0) {
        say("the derived parameters could not be computed");
        goto done;
    }
    int arc = state_atols(m, o, prob.n_states, so.atol, &atol_vec);
    if (arc) {
        if (arc == ODE_ENOMEM)
            say("out of memory");
        goto done;
    }
    so.atol_vec = atol_vec;
    struct solve_failure fail = { .var = -1 };
    if (solve_check(&prob, &so, &fail)) {
        say("%s", fail.why);
        goto done;
    }

    enum out_format fmt;
    if (o->format) {
        out_format_parse(o->format, &fmt);
    } else if (!out_format_known(o->output, &fmt) && !o->format_xpp) {
        say("-o %s: the name does not say the format: end it in .csv, .tsv or .h5, "
            "or give --format csv|tsv|h5|xpp", o->output);
        goto done;
    }
    /* The members' parameter vectors have no room for the integrals. */
    if ((o->ensemble || o->n_sweeps > 0) && prob.n_volterra > 0) {
        say("Volterra equations do not run in ensembles or sweeps");
        goto done;
    }
    install_signals();
    if (o->ensemble || o->n_sweeps > 0) {
        struct cli_ens_env env = { .stop = &stop_flag, .signal_writer = &signal_writer };
        status = cli_ensemble_run(o, m, &prob, ip, o->no_jit || codegen_reentrant(m), p, y0,
                                  &so, backend, t_compile, &env);
        if (status < 0)
            status = 128 + (int)stop_signal;
        goto done;
    }
    if (out_open_as(o->output, fmt, &writer, err, sizeof err)) {
        say("%s", err);
        goto done;
    }
    signal_writer = writer;
    size_t ncol = prob.n_states + prob.n_aux, nsel, nsel_states;
    bool with_t;
    bool h5 = fmt == OUT_HDF5;
    if (o->format_xpp && h5) {
        say("--format xpp writes text; %s is an HDF5 file name", o->output);
        goto done;
    }
    if (xpp_columns(m, h5, &cols, &nsel, &nsel_states, &with_t)) {
        say("out of memory");
        goto done;
    }
    const char **names = malloc((ncol ? ncol : 1) * sizeof *names);
    sel = malloc((ncol ? ncol : 1) * sizeof *sel);
    if (!names || !sel) {
        free(names);
        say("out of memory");
        goto done;
    }
    for (size_t i = 0; i < nsel; i++)
        names[i] = cols[i] < prob.n_states ? prob.state_names[cols[i]]
                                           : prob.aux_names[cols[i] - prob.n_states];
    if (o->format_xpp)
        out_set_xpp(writer, with_t);
    if (o->no_header)
        out_set_no_header(writer);
    int wrc = out_header_aux(writer, names, nsel_states, nsel - nsel_states);
    free(names);

    progress *pg = want_progress(o) ? progress_new(stderr, so.t0, so.t1, NULL) : NULL;
    struct row_sink rs = { .writer = writer, .prob = &prob, .p = p, .row = row, .pg = pg,
                           .sel = sel, .cols = cols, .ncols = nsel };
    xpp_rows_init(&rs.rows, &m->settings, o->xpp, so.save == SAVE_STEPS && o->xpp);
    struct solve_sink sink = { .row = write_row, .ctx = &rs,
                               .progress = pg ? show_progress : NULL };
    struct solve_stats st = { 0 };
    fmt_prepare();
    double t_solve = now_seconds();
    int rc = wrc ? ODE_EOUTPUT
                 : solve_run(&prob, p, y0, &so, &sink, &stop_flag, &st, &fail);
    t_solve = now_seconds() - t_solve;
    progress_free(pg);
    double t_first = t_solve;
    long repeats = 1;
    if (rc == 0 && o->repeat > 1) {
        repeats = repeat_solves(&prob, p, y0, &so, o->repeat, &t_solve);
        if (repeats < 0)
            rc = ODE_ENOMEM;
    }

    if (rc == ODE_EINVAL) {
        say("%s", fail.why);
        signal_writer = NULL;
        out_close(writer, false, err, sizeof err);
        writer = NULL;
        goto done;
    }
    if (rc == 0 || rc == ODE_EOUTPUT)
        out_flush(writer);
    if (out_broken_pipe(writer)) {
        /* `odesolve ... | head`: the reader has what it wanted. */
        signal_writer = NULL;
        out_close(writer, false, err, sizeof err);
        writer = NULL;
        status = EXIT_DONE;
        goto done;
    }
    long rows = (long)out_rows(writer);
    write_run_attrs(writer, o, &sm, &so, &st, backend, rc);
    write_model_attrs(writer, m, p, y0);
    signal_writer = NULL;
    int crc = out_close(writer, true, err, sizeof err);
    writer = NULL;
    if (rc == ODE_EOUTPUT && rs.aux_failed && !crc) {
        say("solve failed at t = %.17g: the aux outputs could not be computed; "
            "the rows before it are kept", rs.aux_t);
        status = EXIT_SOLVE;
        goto done;
    }
    if (rc == ODE_EOUTPUT && rs.rows_stopped && !crc) {
        rc = 0;
        if (rs.rows.bad >= 0) {
            long v = rs.rows.bad;
            say("solve stopped at t = %.17g: %s = %.17g is out of bounds (|value| > bound = "
                "%g, as XPPAUT stops); the rows before it are kept", rs.rows.bad_t,
                (size_t)v < prob.n_states ? prob.state_names[v]
                                          : prob.aux_names[v - (long)prob.n_states],
                rs.rows.bad_value, rs.rows.bound);
            status = EXIT_SOLVE;
            goto done;
        }
        if (!o->quiet)
            say("note: %ld rows, XPPAUT's maxstor: the run stops there as XPPAUT's does "
                "(raise @ maxstor for more)", rs.rows.written);
    }
    if (rc == ODE_EOUTPUT || crc) {
        say("%s", err);
        status = EXIT_USAGE;
        goto done;
    }
    if (o->stats)
        print_stats(&st, rows, t_compile, t_solve, t_first, repeats, &sm, backend);
    /* The default method found the problem stiff: say what would serve. */
    if (!o->solver && !(m->settings.set & SET_METH) && !isnan(st.stiff_t) && !o->quiet)
        say("note: the problem looks stiff from t = %.6g on (%s's stiffness test: |h lambda| "
            "= %.3g); --solver auto, or a stiff solver such as bdf, radau5 or rodas5, takes "
            "far fewer steps", st.stiff_t, sm.name, st.stiff_hlamb);
    if (rc == ODE_ENOMEM) {
        say("out of memory");
        status = EXIT_USAGE;
    } else if (rc) {
        report_failure(m, &prob, rc, &fail);
        status = rc == ODE_EINTR ? 128 + (int)stop_signal : EXIT_SOLVE;
    } else if (repeats < o->repeat) {
        say("interrupted after %ld of the %ld solves of --repeat; the rows are complete",
            repeats, o->repeat);
        status = 128 + (int)stop_signal;
    } else {
        status = EXIT_DONE;
    }
done:
    signal_writer = NULL;
    if (writer)
        out_close(writer, false, err, sizeof err);
    free(atol_vec);
    free(sel);
    free(cols);
    free(row);
    free(y0);
    free(p);
    interp_free(ip);
    jit_free(jt);
    model_free(m);
    return status;
}

int main(int argc, char **argv)
{
    struct cli_options o;
    char err[512];
    int rc = cli_parse(argc, argv, &o, err, sizeof err);
    int status = EXIT_USAGE;
    if (rc == ODE_ENOMEM) {
        say("out of memory");
    } else if (rc) {
        say("%s", err);
        fputs("Try 'odesolve --help'.\n", stderr);
    } else if (o.action == CLI_HELP) {
        cli_usage(stdout);
        status = EXIT_DONE;
    } else if (o.action == CLI_VERSION) {
        printf("odesolve %s\n", ODESOLVE_VERSION);
        status = EXIT_DONE;
    } else if (o.action == CLI_LIST_SOLVERS) {
        list_solvers();
        status = EXIT_DONE;
    } else {
        status = run(&o);
    }
    cli_options_free(&o);
    return status;
}
