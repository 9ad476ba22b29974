/* out_hdf5.c - HDF5 back end of the trajectory writer (see out_hdf5.h).
 *
 * Rows are copied into one buffer per dataset (t, y, aux) holding a chunk's
 * worth of rows; a full buffer grows the datasets with H5Dset_extent() and
 * is written as one hyperslab, which lands on exactly one chunk of each
 * dataset.  So memory stays at a chunk per dataset whatever the length of
 * the run, and HDF5 is called once per few thousand rows, not per row.
 *
 * Every API call clears the library's error stack, so a failure is turned
 * into our message (h5_fail) right after the call that failed, before any
 * cleanup call. */
#include "out_hdf5.h"

#if WITH_HDF5

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "problem.h"

/* Target size of one chunk: 128 KiB sits in the middle of the 64 KiB -
   1 MiB range the HDF5 guide recommends, and under the default 1 MiB chunk
   cache of each dataset, so a chunk completed over several out_flush()
   calls is not read back from the disk. */
#define OUT_HDF5_CHUNK_BYTES (128 * 1024)

/* Rows per chunk for narrow models: 16384 rows of t alone fill 128 KiB. */
#define OUT_HDF5_MAX_CHUNK_ROWS 16384

/* The oldest file format written: 1.8 keeps many or large attributes (the
   names of a wide model) in dense storage, where the 1.6 format fails past
   64 KiB.  Readers since HDF5 1.8 (2008) read it. */
#if H5_VERSION_GE(1, 10, 2)
#define OUT_HDF5_LIBVER_LOW H5F_LIBVER_V18
#else
#define OUT_HDF5_LIBVER_LOW H5F_LIBVER_LATEST
#endif

enum { DS_T, DS_Y, DS_AUX, DS_COUNT };

static const char *const ds_name[DS_COUNT] = { "t", "y", "aux" };

struct out_hdf5 {
    hid_t file;
    hid_t dset[DS_COUNT];     /* H5I_INVALID_HID when absent */
    size_t cols[DS_COUNT];    /* 1, states, aux outputs */
    double *buf[DS_COUNT];    /* chunk_rows * cols[i] values, row-major */
    bool have_header;
    size_t chunk_rows;
    size_t len;               /* rows in buf, not yet in the file */
    hsize_t written;          /* rows in the datasets */
    bool failed;              /* an HDF5 call failed: errmsg says which */
    char errmsg[256];
};

/* Up to 1.12, HDF5 frees a file whose close failed (a write at close time:
   disk full, file size limit) but keeps its identifier; the exit handler
   that H5open() registers then closes it again and crashes (HDF5 issue
   #2257, CVE-2020-10812, fixed in 1.14.0).  So the library's own handler
   is switched off, a file that failed is given up without closing it, and
   our handler shuts the library down only when no file was given up. */
static bool lib_started;
static bool lib_tainted;      /* a file was given up or failed to close */

static void shut_library(void)
{
    if (!lib_tainted)
        H5close();
}

static void start_library(void)
{
    if (lib_started)
        return;
    lib_started = true;
    /* Fails when the library is already up (a caller used it first):
       its own handler then stays. */
    if (H5dont_atexit() >= 0)
        atexit(shut_library);
}

/* What the HDF5 error stack says about the failure at its bottom. */
struct h5_cause {
    int errnum;               /* errno of a failed system call, or 0 */
    char desc[128];           /* the innermost description, or "" */
};

/* H5Ewalk2() callback, innermost entry first.  The file drivers put the
   errno of a failed open/write/truncate into the text as "errno = N",
   which says more to a user than the HDF5 function names do. */
static herr_t take_cause(unsigned n, const H5E_error2_t *e, void *ctx)
{
    struct h5_cause *c = ctx;
    const char *s = e->desc ? strstr(e->desc, "errno = ") : NULL;

    if (s && c->errnum == 0)
        c->errnum = atoi(s + strlen("errno = "));
    if (n == 0 && e->desc)
        snprintf(c->desc, sizeof c->desc, "%s", e->desc);
    return 0;
}

/* Records "what: cause" as the error (the first one only) and empties the
   HDF5 error stack.  Returns ODE_EOUTPUT. */
static int h5_fail(out_hdf5 *h, const char *what)
{
    struct h5_cause c = { 0, "" };

    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, take_cause, &c);
    H5Eclear2(H5E_DEFAULT);
    if (h->failed)
        return ODE_EOUTPUT;
    h->failed = true;
    if (c.errnum > 0)
        snprintf(h->errmsg, sizeof h->errmsg, "%s: %s", what, strerror(c.errnum));
    else if (c.desc[0])
        snprintf(h->errmsg, sizeof h->errmsg, "%s: %s", what, c.desc);
    else
        snprintf(h->errmsg, sizeof h->errmsg, "%s", what);
    return ODE_EOUTPUT;
}

static void copy_msg(char *msg, size_t msglen, const char *text)
{
    if (msglen > 0)
        snprintf(msg, msglen, "%s", text);
}

/* Disables HDF5's advisory file locking where the library has the switch:
   nobody else knows the temporary file, and flock() fails on some network
   and FUSE file systems, which would refuse the output for nothing. */
static herr_t no_file_locking(hid_t fapl)
{
#if H5_VERSION_GE(1, 12, 1) || (H5_VERSION_GE(1, 10, 7) && !H5_VERSION_GE(1, 11, 0))
    return H5Pset_file_locking(fapl, false, true);
#else
    (void)fapl;
    return 0;
#endif
}

int out_hdf5_open(const char *path, out_hdf5 **res, char *msg, size_t msglen)
{
    hid_t fapl = H5I_INVALID_HID;
    out_hdf5 *h;

    *res = NULL;
    h = calloc(1, sizeof *h);
    if (!h) {
        copy_msg(msg, msglen, "out of memory");
        return ODE_ENOMEM;
    }
    h->file = H5I_INVALID_HID;
    for (int i = 0; i < DS_COUNT; i++)
        h->dset[i] = H5I_INVALID_HID;
    start_library();
    /* Failures become our messages; the library must not print its stack. */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    fapl = H5Pcreate(H5P_FILE_ACCESS);
    /* CLOSE_STRONG: H5Fclose() really closes the file even if an object
       was left open, so the rename that follows sees a finished file. */
    if (fapl < 0 || H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0 ||
        H5Pset_libver_bounds(fapl, OUT_HDF5_LIBVER_LOW, H5F_LIBVER_LATEST) < 0 ||
        no_file_locking(fapl) < 0 ||
        (h->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)) < 0)
        goto fail;
    H5Pclose(fapl);
    *res = h;
    return 0;
fail:
    h5_fail(h, "cannot create the HDF5 file");
    copy_msg(msg, msglen, h->errmsg);
    if (fapl >= 0)
        H5Pclose(fapl);
    free(h);
    return ODE_EOUTPUT;
}

/* A variable-length UTF-8 string type, to be closed by the caller. */
static hid_t string_type(void)
{
    hid_t type = H5Tcopy(H5T_C_S1);

    if (type >= 0 && (H5Tset_size(type, H5T_VARIABLE) < 0 ||
                      H5Tset_cset(type, H5T_CSET_UTF8) < 0)) {
        H5Tclose(type);
        return H5I_INVALID_HID;
    }
    return type;
}

/* The attribute "names" of obj: n strings.  Returns 0 or ODE_EOUTPUT. */
static int write_names(out_hdf5 *h, hid_t obj, const char *const *names, size_t n)
{
    static const char what[] = "cannot write the column names";
    hsize_t dims[1] = { n };
    hid_t type = H5I_INVALID_HID, space = H5I_INVALID_HID;
    hid_t attr = H5I_INVALID_HID;
    int rc = 0;

    if ((type = string_type()) < 0 ||
        (space = H5Screate_simple(1, dims, NULL)) < 0 ||
        (attr = H5Acreate2(obj, "names", type, space, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        H5Awrite(attr, type, names) < 0)
        rc = h5_fail(h, what);
    if (attr >= 0 && H5Aclose(attr) < 0)
        rc = h5_fail(h, what);
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    return rc;
}

/* Creates h->dset[ds], empty and extendible in rows: rank 1 for t, rank 2
   (rows x cols) otherwise, chunked by h->chunk_rows rows.  Returns 0 or
   ODE_EOUTPUT. */
static int create_dataset(out_hdf5 *h, int ds)
{
    int rank = ds == DS_T ? 1 : 2;
    hsize_t dims[2] = { 0, h->cols[ds] };
    hsize_t maxdims[2] = { H5S_UNLIMITED, h->cols[ds] };
    hsize_t chunk[2] = { h->chunk_rows, h->cols[ds] };
    hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID;
    int rc = 0;

    /* FILL_TIME_NEVER: every row is written once, so filling new chunks
       first would only double the writes. */
    if ((space = H5Screate_simple(rank, dims, maxdims)) < 0 ||
        (dcpl = H5Pcreate(H5P_DATASET_CREATE)) < 0 ||
        H5Pset_chunk(dcpl, rank, chunk) < 0 ||
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) < 0 ||
        (h->dset[ds] = H5Dcreate2(h->file, ds_name[ds], H5T_IEEE_F64LE, space,
                                  H5P_DEFAULT, dcpl, H5P_DEFAULT)) < 0)
        rc = h5_fail(h, "cannot create the HDF5 datasets");
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

int out_hdf5_header(out_hdf5 *h, const char *const *names, size_t n_states,
                    size_t n_aux)
{
    static const char *const t_names[] = { "t" };
    const char *const *col_names[DS_COUNT] = {
        t_names, names, names ? names + n_states : NULL
    };
    size_t widest = 1, rows = OUT_HDF5_MAX_CHUNK_ROWS;

    if (h->have_header)
        return ODE_EINVAL;
    h->have_header = true;
    h->cols[DS_T] = 1;
    h->cols[DS_Y] = n_states;
    h->cols[DS_AUX] = n_aux;
    for (int i = 0; i < DS_COUNT; i++)
        if (h->cols[i] > widest)
            widest = h->cols[i];
    while (rows > 1 && rows > OUT_HDF5_CHUNK_BYTES / sizeof(double) / widest)
        rows /= 2;
    h->chunk_rows = rows;
    for (int i = 0; i < DS_COUNT; i++) {
        if (h->cols[i] == 0)
            continue;
        h->buf[i] = malloc(rows * h->cols[i] * sizeof *h->buf[i]);
        if (!h->buf[i]) {
            h->failed = true;
            snprintf(h->errmsg, sizeof h->errmsg, "out of memory");
            return ODE_ENOMEM;
        }
        if (create_dataset(h, i) ||
            (col_names[i] && write_names(h, h->dset[i], col_names[i], h->cols[i])))
            return ODE_EOUTPUT;
    }
    return 0;
}

/* Appends the buffered rows to every dataset. */
static int write_rows(out_hdf5 *h)
{
    hsize_t n = h->written + h->len;

    if (h->len == 0)
        return 0;
    for (int i = 0; i < DS_COUNT; i++) {
        hsize_t dims[2] = { n, h->cols[i] };
        hsize_t start[2] = { h->written, 0 };
        hsize_t count[2] = { h->len, h->cols[i] };
        hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
        int rc = 0;

        if (h->dset[i] < 0)
            continue;
        if (H5Dset_extent(h->dset[i], dims) < 0 ||
            (fspace = H5Dget_space(h->dset[i])) < 0 ||
            H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
            (mspace = H5Screate_simple(i == DS_T ? 1 : 2, count, NULL)) < 0 ||
            H5Dwrite(h->dset[i], H5T_NATIVE_DOUBLE, mspace, fspace,
                     H5P_DEFAULT, h->buf[i]) < 0)
            rc = h5_fail(h, "cannot write the HDF5 data");
        if (mspace >= 0)
            H5Sclose(mspace);
        if (fspace >= 0)
            H5Sclose(fspace);
        if (rc)
            return rc;
    }
    h->written = n;
    h->len = 0;
    return 0;
}

int out_hdf5_row(out_hdf5 *h, double t, const double *vals, size_t n)
{
    size_t ny = h->cols[DS_Y], na = h->cols[DS_AUX];

    if (!h->have_header) {
        int rc = out_hdf5_header(h, NULL, n, 0);
        if (rc)
            return rc;
        ny = n;
    }
    if (n != ny + na)
        return ODE_EINVAL;
    h->buf[DS_T][h->len] = t;
    if (ny)
        memcpy(h->buf[DS_Y] + h->len * ny, vals, ny * sizeof *vals);
    if (na)
        memcpy(h->buf[DS_AUX] + h->len * na, vals + ny, na * sizeof *vals);
    if (++h->len == h->chunk_rows)
        return write_rows(h);
    return 0;
}

int out_hdf5_flush(out_hdf5 *h)
{
    return write_rows(h);
}

static int attr_fail(out_hdf5 *h, const char *name)
{
    char what[160];

    snprintf(what, sizeof what, "cannot write the attribute '%s'", name);
    return h5_fail(h, what);
}

/* Sets the root attribute `name` to v, replacing an old one: a scalar
   when n is 0, else an array of n values. */
static int set_attr_n(out_hdf5 *h, const char *name, hid_t ftype, hid_t mtype,
                      const void *v, size_t n)
{
    hid_t space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
    hsize_t dims[1] = { n };
    htri_t exists = 0;
    int rc = 0;

    if ((space = n ? H5Screate_simple(1, dims, NULL) : H5Screate(H5S_SCALAR)) < 0 ||
        (exists = H5Aexists(h->file, name)) < 0 ||
        (exists > 0 && H5Adelete(h->file, name) < 0) ||
        (attr = H5Acreate2(h->file, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        H5Awrite(attr, mtype, v) < 0)
        rc = attr_fail(h, name);
    if (attr >= 0 && H5Aclose(attr) < 0)
        rc = attr_fail(h, name);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

static int set_attr(out_hdf5 *h, const char *name, hid_t ftype, hid_t mtype,
                    const void *v)
{
    return set_attr_n(h, name, ftype, mtype, v, 0);
}

int out_hdf5_attr_doubles(out_hdf5 *h, const char *name, const double *v, size_t n)
{
    return n ? set_attr_n(h, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, v, n) : 0;
}

int out_hdf5_attr_strings(out_hdf5 *h, const char *name, const char *const *v, size_t n)
{
    hid_t type;
    int rc;

    if (n == 0)
        return 0;
    if ((type = string_type()) < 0)
        return attr_fail(h, name);
    rc = set_attr_n(h, name, type, type, v, n);
    H5Tclose(type);
    return rc;
}

int out_hdf5_attr_double(out_hdf5 *h, const char *name, double v)
{
    return set_attr(h, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
}

int out_hdf5_attr_long(out_hdf5 *h, const char *name, long v)
{
    return set_attr(h, name, H5T_STD_I64LE, H5T_NATIVE_LONG, &v);
}

int out_hdf5_attr_string(out_hdf5 *h, const char *name, const char *v)
{
    hid_t type = string_type();
    int rc;

    if (type < 0)
        return attr_fail(h, name);
    rc = set_attr(h, name, type, type, &v);
    H5Tclose(type);
    return rc;
}

const char *out_hdf5_error(const out_hdf5 *h)
{
    return h->errmsg;
}

int out_hdf5_close(out_hdf5 *h, bool write_rows_first, char *msg, size_t msglen)
{
    if (!h)
        return 0;
    if (!h->failed && write_rows_first)
        write_rows(h);
    /* The chunk cache and the metadata are written here, so that a full
       disk shows up before the close, which must not fail (see
       start_library()). */
    if (!h->failed && H5Fflush(h->file, H5F_SCOPE_LOCAL) < 0)
        h5_fail(h, "cannot write the HDF5 file");
    if (h->failed) {
        /* Given up: its identifiers stay open until the process ends, the
           file is removed by the caller. */
        lib_tainted = true;
    } else {
        for (int i = DS_COUNT - 1; i >= 0; i--)
            if (h->dset[i] >= 0 && H5Dclose(h->dset[i]) < 0)
                h5_fail(h, "cannot close the HDF5 datasets");
        if (H5Fclose(h->file) < 0)
            h5_fail(h, "cannot finish the HDF5 file");
        if (h->failed)
            lib_tainted = true;
    }
    int rc = h->failed ? ODE_EOUTPUT : 0;
    if (rc)
        copy_msg(msg, msglen, h->errmsg);
    for (int i = DS_COUNT - 1; i >= 0; i--)
        free(h->buf[i]);
    free(h);
    return rc;
}

#else

/* ISO C wants at least one declaration in a translation unit. */
typedef int out_hdf5_not_built;

#endif
