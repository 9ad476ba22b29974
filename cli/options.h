/* options.h - the command line, parsed with getopt_long.
 *
 * Parsing only records what the user said; main.c merges it with the
 * model's `@` settings (the command line wins) and the defaults. */
#ifndef ODESOLVE_OPTIONS_H
#define ODESOLVE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* `-p NAME=VALUE` or `-i NAME=VALUE`; name points into argv. */
struct cli_assign {
    const char *name;
    size_t name_len;
    double value;
    const char *arg;         /* the whole argument, for messages */
};

enum cli_action { CLI_RUN, CLI_HELP, CLI_VERSION, CLI_LIST_SOLVERS };

/* Every double is NaN and every count -1 when not given. */
struct cli_options {
    enum cli_action action;
    const char *model_path;
    const char *solver;
    const char *controller;  /* name as given; validated by main */
    double rtol, atol, dt, dtmin, dtmax, bound;
    double pcoeff, icoeff, dcoeff;
    double t0, t1, total, save_every;
    long max_steps;
    bool save_steps, stats, check_only, emit_c, no_jit;
    const char *jit;         /* "tcc" */
    const char *output;      /* -o FILE; NULL for stdout */
    struct cli_assign *params;  size_t n_params;
    struct cli_assign *inits;   size_t n_inits;
};

/* Parses argv into o.  Returns 0, or ODE_EINVAL with a one-line message
   in err (without the program name), or ODE_ENOMEM.  Release with
   cli_options_free() in every case. */
int cli_parse(int argc, char **argv, struct cli_options *o,
              char *err, size_t errlen);

void cli_options_free(struct cli_options *o);

/* The --help text. */
void cli_usage(FILE *out);

#endif
