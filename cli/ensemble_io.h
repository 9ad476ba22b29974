/* ensemble_io.h - what a batch is made of on the command line: the members
 * file of --ensemble (CSV) and the --sweep specifications, and the names
 * they use resolved against the model.
 *
 * The members file: a header line naming parameters and/or states (a
 * state's name, or NAME(0), sets its initial value), then one row of
 * numbers per member, comma-separated (tab-separated when the header has
 * tabs and no comma).  Blank lines and lines starting with '#' are
 * skipped; a UTF-8 byte order mark and CRLF line ends are accepted.
 * Every error names the file, its line and (for a cell) the row and the
 * column. */
#ifndef ODESOLVE_ENSEMBLE_IO_H
#define ODESOLVE_ENSEMBLE_IO_H

#include <stdbool.h>
#include <stddef.h>

#include "ensemble.h"
#include "model.h"

/* A sweep has at most this many points (--sweep a=0:1:N). */
#define CLI_SWEEP_MAX_POINTS 100000000L

/* One --sweep NAME=START:STOP:COUNT or NAME=V1,V2,...: the name (malloc'd)
   and its points. */
struct cli_sweep {
    char *name;
    double *values;
    size_t n;
    const char *arg;          /* the argument as given, borrowed */
};

/* Parses one --sweep argument into *sw.  START:STOP:COUNT gives COUNT
   evenly spaced values from START to STOP, both included (START alone
   when COUNT is 1); a list gives its values in order.  Returns 0,
   ODE_ENOMEM, or ODE_EINVAL with a message in err (without the program
   name).  *sw is left empty on failure; release with cli_sweep_free(). */
int cli_sweep_parse(const char *arg, struct cli_sweep *sw, char *err, size_t errlen);

void cli_sweep_free(struct cli_sweep *sw);

/* A members file: n_cols names and n_rows x n_cols values, row-major. */
struct cli_table {
    char **names;
    size_t n_cols;
    double *values;
    size_t n_rows;
};

/* Parses the text (len bytes, NUL bytes refused) of the members file
   called `file` (for messages).  A header of more than max_cols columns
   is refused before anything else is read (the model cannot have that
   many names).  Returns 0, ODE_ENOMEM, or ODE_EINVAL with the message in
   err, e.g. "runs.csv:4: row 3, column 'r': 'abc' is not a number".
   Release with cli_table_free() in every case. */
int cli_table_parse(const char *file, const char *text, size_t len, size_t max_cols,
                    struct cli_table *t, char *err, size_t errlen);

/* Reads the file at path and parses it as above. */
int cli_table_read(const char *path, size_t max_cols, struct cli_table *t,
                   char *err, size_t errlen);

void cli_table_free(struct cli_table *t);

/* What `name` sets in m: a parameter, or the initial value of a state
   (its name or NAME(0)).  Returns false when it is neither. */
bool cli_ens_target(const struct model *m, const char *name, struct ens_target *t);

/* Writes "parameters are: a, b; states are: x, y" for m into buf. */
void cli_ens_names(const struct model *m, char *buf, size_t len);

/* The column name of a target in the output: the parameter's name, or
   NAME(0) for an initial value, into buf. */
void cli_ens_column_name(const struct model *m, struct ens_target t, char *buf, size_t len);

/* The batch of the members file (if any) and the sweeps, in that order of
   axes.  Returns 0 with *out the batch, ODE_ENOMEM, or ODE_EINVAL with the
   message in err (an unknown name, a name set twice). */
int cli_ens_batch(const struct model *m, const char *file, const struct cli_table *t,
                  const struct cli_sweep *sweeps, size_t n_sweeps, ens_batch **out,
                  char *err, size_t errlen);

#endif
