/* out_hdf5.h - the HDF5 back end of the trajectory writer (cli/out.c).
 *
 * Only cli/out.c calls these; everyone else goes through out.h, which
 * chooses this back end for ".h5" and ".hdf5" and owns the temporary name,
 * the rename and the error texts naming the file.  Built only with
 * WITH_HDF5=1; this header needs no HDF5 header of its own.
 *
 * Layout of the file, n rows of k states and m aux outputs:
 *
 *     /t    float64 (n)       attribute names = {"t"}
 *     /y    float64 (n x k)   attribute names = the k state names
 *     /aux  float64 (n x m)   attribute names = the m aux names; absent
 *                             when m = 0 (and /y absent when k = 0)
 *     /     attributes: run settings and statistics (out_hdf5_attr_*)
 *
 * Datasets are chunked (see OUT_HDF5_CHUNK_BYTES in the .c) and extendible
 * in the row dimension: rows are gathered in memory a chunk at a time and
 * appended, so a long run never holds more than one chunk of each dataset.
 * Names are variable-length UTF-8 strings.  The HDF5 library's own error
 * printing is switched off; failures come back as a short message from
 * out_hdf5_error().
 *
 * After a failure the file is given up, not closed: HDF5 before 1.14
 * crashes at exit after a close that failed (see out_hdf5.c), so its
 * identifiers and descriptor stay open until the process ends.  The first
 * out_hdf5_open() replaces the library's exit handler by one that skips
 * the shutdown when a file was given up; a program that used HDF5 before
 * keeps the library's handler. */
#ifndef ODESOLVE_OUT_HDF5_H
#define ODESOLVE_OUT_HDF5_H

#include <stdbool.h>
#include <stddef.h>

typedef struct out_hdf5 out_hdf5;

/* Creates (or truncates) the HDF5 file PATH and hands the caller a writer
   in *h, to be released with out_hdf5_close().  Returns 0, ODE_ENOMEM, or
   ODE_EOUTPUT with msg filled (when msglen > 0; no file name in it). */
int out_hdf5_open(const char *path, out_hdf5 **h, char *msg, size_t msglen);

/* Creates the datasets: names[0 .. n_states-1] name the columns of /y,
   names[n_states .. n_states+n_aux-1] those of /aux.  names may be NULL
   (no names attributes).  Once only, before the first row.  Returns 0,
   ODE_EINVAL (called twice), ODE_ENOMEM or ODE_EOUTPUT. */
int out_hdf5_header(out_hdf5 *h, const char *const *names, size_t n_states,
                    size_t n_aux);

/* The ensemble layout instead of out_hdf5_header(), for `members`
   members of up to a few rows_hint rows each (it sizes the chunks):

     /t       float64 (members x times)            NaN where a member has
     /y       float64 (members x times x k)        fewer rows than the
     /aux     float64 (members x times x m)        longest (absent, m = 0)
     /params  float64 (members x n_lead)   names = the batch's columns
     /status  string  (members)            "ok", or why the member failed
     /t_end   float64 (members)            the t each member reached
     /rows    int64   (members)            its rows in /t, /y, /aux

   The times dimension grows to the longest member.  Once only, before
   out_hdf5_ens_member().  Returns 0, ODE_EINVAL, ODE_ENOMEM or
   ODE_EOUTPUT. */
int out_hdf5_ens_header(out_hdf5 *h, size_t members, size_t rows_hint,
                        const char *const *names, size_t n_states, size_t n_aux,
                        const char *const *lead, size_t n_lead);

/* Writes member `member` (the members come in order: 0, 1, 2, ...):
   n_rows rows of 1 + n_states + n_aux values (t first), its n_lead batch
   values, its status text and the t it reached.  Returns 0, ODE_EINVAL
   (out of order), ODE_ENOMEM or ODE_EOUTPUT. */
int out_hdf5_ens_member(out_hdf5 *h, size_t member, const double *rows, size_t n_rows,
                        const double *lead, const char *status, double t_end);

/* Appends one row: t, then n_states + n_aux values (states first).  A row
   before any header creates the datasets with n_states = n and no names.
   Returns 0, ODE_EINVAL (n differs from the header's) or ODE_EOUTPUT. */
int out_hdf5_row(out_hdf5 *h, double t, const double *vals, size_t n);

/* Appends the rows gathered in memory to the datasets.  Returns 0 or
   ODE_EOUTPUT. */
int out_hdf5_flush(out_hdf5 *h);

/* Sets an attribute of the root group, replacing one of the same name:
   a 64-bit float, a 64-bit integer, or a variable-length UTF-8 string.
   Returns 0 or ODE_EOUTPUT. */
int out_hdf5_attr_double(out_hdf5 *h, const char *name, double v);
int out_hdf5_attr_long(out_hdf5 *h, const char *name, long v);
int out_hdf5_attr_string(out_hdf5 *h, const char *name, const char *v);

/* The same for an array of n 64-bit floats or n strings (nothing when n
   is 0). */
int out_hdf5_attr_doubles(out_hdf5 *h, const char *name, const double *v, size_t n);
int out_hdf5_attr_strings(out_hdf5 *h, const char *name, const char *const *v, size_t n);

/* Why the last call that returned ODE_EOUTPUT failed, e.g. "cannot write
   the HDF5 data: File too large".  Valid until out_hdf5_close(). */
const char *out_hdf5_error(const out_hdf5 *h);

/* Closes the file and frees h (NULL is accepted).  write_rows: the rows
   still in memory are appended first; false drops them (the file is about
   to be removed).  Returns 0, or ODE_EOUTPUT with msg filled. */
int out_hdf5_close(out_hdf5 *h, bool write_rows, char *msg, size_t msglen);

#endif
