/* out.h - the trajectory writer: CSV or TSV text, on stdout or into a file
 * that appears under its name only when complete, or an HDF5 file.
 *
 * A file PATH is written as "PATH.tmp.XXXXXX" in the same directory and
 * renamed onto PATH (a symbolic link's target) by out_close(), so an interrupted or failed run never
 * leaves a half-written file under the final name.  Numbers are written
 * with fmt_double(): the shortest text that reads back to the same double.
 * HDF5 files (".h5", ".hdf5"; builds with WITH_HDF5=1) hold the same
 * doubles bit for bit in datasets /t (n), /y (n x states) and /aux
 * (n x aux outputs, absent without any), each with an attribute "names",
 * and the run's settings and statistics as attributes of the root group
 * (out_attr_*); see cli/out_hdf5.h for the layout.
 *
 * Typical use in main:
 *
 *     if (out_open(path, &o, err, sizeof err)) -> print err, exit 2
 *     out_header_aux(o, names, n_states, n_aux);
 *     ... out_row(o, t, vals, n_states + n_aux) from the solver's sink ...
 *     out_attr_string(o, "solver", "dopri5"); ... (statistics after the solve)
 *     if (out_flush(o) && out_broken_pipe(o)) -> the reader went away:
 *         out_close(o, false, err, sizeof err) and exit without a message
 *     if (out_close(o, keep, err, sizeof err)) -> print "odesolve: %s\n", err
 *
 * Error texts name the output, e.g. "run.csv: No space left on device" or
 * "standard output: Broken pipe"; they carry no "odesolve: " prefix. */
#ifndef ODESOLVE_OUT_H
#define ODESOLVE_OUT_H

#include <stdbool.h>
#include <stddef.h>

enum out_format {
    OUT_CSV,     /* comma-separated, header quoted per RFC 4180 */
    OUT_TSV,     /* tab-separated, same quoting */
    OUT_HDF5,    /* HDF5; out_open() refuses it in a build without HDF5 */
};

typedef struct out out;

/* Format for an output file name: ".csv" CSV, ".tsv" TSV, ".h5" and
   ".hdf5" HDF5 (letter case ignored); anything else, NULL and "-" CSV. */
enum out_format out_format_of(const char *path);

/* True when path tells its format (into *fmt): NULL, "-", a name ending
   in ".csv", ".tsv", ".h5" or ".hdf5", or anything but a regular file or
   a name not taken yet (a device, FIFO or descriptor such as /dev/stdout:
   CSV; a directory, for out_open() to refuse).  Otherwise (".xlsx", no
   extension) false: the caller names the format. */
bool out_format_known(const char *path, enum out_format *fmt);

/* Parses a format's name ("csv", "tsv", "h5" or "hdf5", any case) into
   *fmt; false for another. */
bool out_format_parse(const char *name, enum out_format *fmt);

/* Opens the output PATH (NULL or "-": standard output) and hands the
   caller a writer in *o, to be released with out_close().  A symbolic
   link is followed to the end of its chain: the file there is replaced
   (or made), the links stay.  An existing PATH that is not a regular file
   (a character device such as /dev/null, a FIFO, a listening Unix socket,
   a descriptor such as /dev/stdout or /dev/fd/N) is written in place,
   except by HDF5, which needs a regular file; a block device is refused.
   Returns 0,
   ODE_EINVAL (HDF5 asked for in a build without it), ODE_EOUTPUT (the file
   cannot be created) or ODE_ENOMEM, with err filled (when errlen > 0) on
   failure. */
int out_open(const char *path, out **o, char *err, size_t errlen);

/* The same as out_open() in the format fmt, whatever the name says. */
int out_open_as(const char *path, enum out_format fmt, out **o, char *err,
                size_t errlen);

/* No header line in CSV and TSV (--no-header); HDF5 keeps its names.
   Before out_header(). */
void out_set_no_header(out *o);

/* Writes the header line: "t" then the n column names, e.g. "t,x,y,aux1".
   A name holding the separator, a double quote, CR or LF is quoted per
   RFC 4180.  Later rows must have n values.  Once only, before the rows.
   Returns 0, ODE_EINVAL (a header was already written), or ODE_EOUTPUT
   after a write error (see out_error()).  For HDF5 all n columns are
   states (/y); out_header_aux() tells states from aux outputs. */
int out_header(out *o, const char *const *names, size_t n);

/* The same as out_header(o, names, n_states + n_aux), and tells HDF5 that
   the first n_states columns are states (/y) and the last n_aux aux
   outputs (/aux).  CSV and TSV get the same header line either way. */
int out_header_aux(out *o, const char *const *names, size_t n_states,
                   size_t n_aux);

/* XPPAUT's output.dat layout instead of CSV or TSV: no header line, each
   value followed by one blank, t first only when with_t.  Before the
   header; text outputs only (ODE_EINVAL for HDF5 or after the header). */
int out_set_xpp(out *o, bool with_t);

/* Writes one row: t then vals[0 .. n-1], separated, ending with "\n".
   Returns 0, ODE_EINVAL when n differs from the header's, or ODE_EOUTPUT
   after a write error; once a write has failed every later call returns
   ODE_EOUTPUT without writing. */
int out_row(out *o, double t, const double *vals, size_t n);

/* Appends n bytes of text already formatted by the caller (whole lines of
   a CSV or TSV layout of its own: an ensemble's rows) instead of
   out_header/out_row.  Text outputs only: ODE_EINVAL for HDF5.  Returns 0
   or ODE_EOUTPUT after a write error. */
int out_text(out *o, const char *s, size_t n);

/* HDF5 only (ODE_EINVAL for text): the ensemble layout of
   cli/out_hdf5.h, instead of out_header_aux() and out_row(). */
int out_ens_header(out *o, size_t members, size_t rows_hint, const char *const *names,
                   size_t n_states, size_t n_aux, const char *const *lead, size_t n_lead);
int out_ens_member(out *o, size_t member, const double *rows, size_t n_rows,
                   const double *lead, const char *status, double t_end);

/* Writes what is buffered now.  Returns 0 or ODE_EOUTPUT. */
int out_flush(out *o);

/* True when a write failed because the reader of a pipe went away (EPIPE,
   with SIGPIPE ignored): `odesolve m.ode | head` should then exit quietly. */
bool out_broken_pipe(const out *o);

/* The message of the first write error ("PATH: strerror"), or NULL.
   Valid until out_close(). */
const char *out_error(const out *o);

/* Rows written by out_row() so far (for --stats). */
long out_rows(const out *o);

/* Attributes of the run, for HDF5 the root group's, replacing one of the
   same name: a 64-bit float, a 64-bit integer or a UTF-8 string.  CSV and
   TSV have no place for them: there these do nothing and return 0.  They
   may come before, between or after the rows, up to out_close().  Returns
   0, or ODE_EOUTPUT after a write error (the writer then fails like after
   a failed row).  The names main writes:
     model             string  the model file as given on the command line
     odesolve_version  string  ODESOLVE_VERSION
     solver            string  tableau name, e.g. "dopri5"
     controller        string  "constant", "i", "pi" or "pid"
     backend           string  "tcc", "cc" or "interpreter"
     rtol, atol        double
     t0, t1            double  the requested span
     steps, rejected, nfev   long  solver statistics
     status            string  "done", "failed" or "interrupted"
     message           string  why the solve failed (only then)
     model_file        string  the model file's name ("<stdin>" for -)
     model_sha256      string  SHA-256 of its text, as sha256sum prints it
     parameter_names, parameter_values    strings, doubles: the values
                       the run used (after -p), absent without parameters
     state_names, initial_values          strings, doubles (after -i) */
int out_attr_double(out *o, const char *name, double v);
int out_attr_long(out *o, const char *name, long v);
int out_attr_string(out *o, const char *name, const char *v);

/* The same for arrays of n values (nothing when n is 0). */
int out_attr_doubles(out *o, const char *name, const double *v, size_t n);
int out_attr_strings(out *o, const char *name, const char *const *v, size_t n);

/* Finishes and frees o (NULL is accepted).  Buffered rows are written
   first.  For a file: keep=true renames the temporary onto PATH (also after
   a failed solve, so the rows computed so far are kept); keep=false removes
   it.  After a write error the temporary is removed whatever keep says: a
   truncated file never takes the final name.  Standard output and files
   written in place cannot be taken back: keep is ignored for them and the
   buffered rows are written, so the stream ends on a whole line.
   An HDF5 file kept after a failed solve is a whole, valid file with the
   rows written so far.  Returns 0 or ODE_EOUTPUT with err filled (the first
   error: a write that failed earlier, or the flush, close or rename here). */
int out_close(out *o, bool keep, char *err, size_t errlen);

/* Removes the temporary file, if any, with async-signal-safe calls only:
   for a signal handler about to end the process.  Should the process go on,
   out_close() then renames nothing.  The handler must no longer reach o once
   out_close() has begun (block the signal or clear the handler's pointer
   first): out_close() frees it. */
void out_abort_signal_safe(out *o);

#endif
