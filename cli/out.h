/* out.h - the trajectory writer: CSV or TSV text, on stdout or into a file
 * that appears under its name only when complete.
 *
 * A file PATH is written as "PATH.tmp.XXXXXX" in the same directory and
 * renamed onto PATH by out_close(), so an interrupted or failed run never
 * leaves a half-written file under the final name.  Numbers are written
 * with fmt_double(): the shortest text that reads back to the same double.
 *
 * Typical use in main:
 *
 *     if (out_open(path, &o, err, sizeof err)) -> print err, exit 2
 *     out_header(o, names, n);
 *     ... out_row(o, t, vals, n) from the solver's sink ...
 *     rc = out_flush(o);
 *     if (rc && out_broken_pipe(o)) -> reader went away: quiet exit
 *     rc = out_close(o, keep, err, sizeof err) -> print "odesolve: %s\n", err
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
    OUT_HDF5,    /* not built yet: out_open() refuses it (see out.c) */
};

typedef struct out out;

/* Format for an output file name: ".csv" CSV, ".tsv" TSV, ".h5" and
   ".hdf5" HDF5 (letter case ignored); anything else, NULL and "-" CSV. */
enum out_format out_format_of(const char *path);

/* Opens the output PATH (NULL or "-": standard output) and hands the
   caller a writer in *o, to be released with out_close().  An existing
   PATH that is not a regular file (/dev/null, a FIFO, /dev/fd/N) is written
   in place.  Returns 0, ODE_EINVAL (HDF5 asked for in a build without it),
   ODE_EOUTPUT (the file cannot be created) or ODE_ENOMEM, with err filled
   (when errlen > 0) on failure. */
int out_open(const char *path, out **o, char *err, size_t errlen);

/* Writes the header line: "t" then the n column names, e.g. "t,x,y,aux1".
   A name holding the separator, a double quote, CR or LF is quoted per
   RFC 4180.  Later rows must have n values.  Returns 0, or ODE_EOUTPUT
   after a write error (see out_error()). */
int out_header(out *o, const char *const *names, size_t n);

/* Writes one row: t then vals[0 .. n-1], separated, ending with "\n".
   Returns 0, ODE_EINVAL when n differs from the header's, or ODE_EOUTPUT
   after a write error; once a write has failed every later call returns
   ODE_EOUTPUT without writing. */
int out_row(out *o, double t, const double *vals, size_t n);

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

/* Finishes and frees o (NULL is accepted).  Buffered rows are written
   first.  For a file: keep=true renames the temporary onto PATH (also after
   a failed solve, so the rows computed so far are kept); keep=false removes
   it.  After a write error the temporary is removed whatever keep says: a
   truncated file never takes the final name.  Standard output and files
   written in place cannot be taken back: keep is ignored for them and the
   buffered rows are written, so the stream ends on a whole line.
   Returns 0 or ODE_EOUTPUT with err filled (the first error: a write that
   failed earlier, or the flush, close or rename here). */
int out_close(out *o, bool keep, char *err, size_t errlen);

/* Removes the temporary file, if any, with async-signal-safe calls only:
   for a signal handler about to end the process.  Should the process go on,
   out_close() then renames nothing. */
void out_abort_signal_safe(out *o);

#endif
