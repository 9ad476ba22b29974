/* options.h - the command line, parsed with getopt_long.
 *
 * Parsing only records what the user said; main.c merges it with the
 * model's `@` settings (the command line wins) and the defaults.  Names
 * of the model (parameters, states) are checked by main.c, which has the
 * model; everything else is checked here. */
#ifndef ODESOLVE_OPTIONS_H
#define ODESOLVE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ensemble_io.h"
#include "solve.h"

/* `-p NAME=VALUE`, `-i NAME=VALUE` or an item NAME=VALUE of --atol; name
   points into argv. */
struct cli_assign {
    const char *name;
    size_t name_len;
    double value;
    const char *arg;         /* the whole argument, for messages */
};

enum cli_action { CLI_RUN, CLI_HELP, CLI_VERSION, CLI_LIST_SOLVERS };

/* Every double is NaN and every count -1 when not given (repeat: 1). */
struct cli_options {
    enum cli_action action;
    const char *model_path;
    const char *solver;
    enum solve_controller controller;   /* CTL_DEFAULT when not given */
    enum solve_norm norm;               /* NORM_RMS unless --norm max */
    double rtol, atol, dt, dtmin, dtmax, bound;   /* atol: the one for every state */
    double pcoeff, icoeff, dcoeff;
    double t0, t1, total, save_every;
    long max_steps;
    long repeat;             /* --repeat: solves for the timing; 1 when not given */
    bool save_steps, save_final, stats, check_only, emit_c, no_jit, quiet;
    bool no_event_rows;      /* --no-event-rows */
    bool no_switches;        /* --no-switches */
    long stop_after_events;  /* --stop-after-events N; 0 when not given */
    const char *jit;         /* "tcc" or "cc"; NULL: tcc */
    enum ls_kind linsolve;   /* --linsolve; LS_AUTO when not given */
    enum jac_mode jacobian;  /* --jacobian fd: JAC_FD; JAC_AUTO when not given */
    const char *output;      /* -o FILE; NULL for stdout */
    const char *set;         /* --set NAME: the model's block to apply */
    bool xpp;                /* --xpp: XPPAUT's defaults and rows */
    bool format_xpp;         /* --format xpp: output.dat's layout */
    const char *format;      /* --format csv|tsv|h5|hdf5; NULL: -o's name says */
    bool no_header;          /* --no-header */
    const char *ensemble;    /* --ensemble FILE */
    struct cli_sweep *sweeps; size_t n_sweeps;   /* --sweep, in order */
    long jobs;               /* -j N; 0 when not given */
    struct cli_assign *params;  size_t n_params;
    struct cli_assign *inits;   size_t n_inits;
    struct cli_assign *atols;   size_t n_atols;   /* --atol NAME=X, per state */
    double *save_at;  size_t n_save_at;   /* --save-at times, as given */
    double *tstops;   size_t n_tstops;    /* --tstops times, as given */
};

/* Parses argv into o; reads the file named by --save-at, if it is one.
   Returns 0, or ODE_EINVAL with a one-line message in err (without the
   program name), or ODE_ENOMEM.  Release with cli_options_free() in every
   case. */
int cli_parse(int argc, char **argv, struct cli_options *o,
              char *err, size_t errlen);

void cli_options_free(struct cli_options *o);

/* The --help text. */
void cli_usage(FILE *out);

#endif
