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

#include <math.h>
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
    /* The ensemble layout (out_hdf5_ens_header): the datasets of dset
       gain a leading member dimension, and these hold one entry per
       member, gathered for a block of consecutive members. */
    bool ens;
    size_t members, n_lead;
    hsize_t times;            /* extent of the times dimension */
    hid_t eset[4];            /* params, status, t_end, rows */
    size_t block, first, nblock;   /* block size, its first member, members in it */
    double *b_lead, *b_tend;
    long long *b_rows;
    char **b_status;
};

enum { ES_PARAMS, ES_STATUS, ES_TEND, ES_ROWS, ES_COUNT };
static const char *const es_name[ES_COUNT] = { "params", "status", "t_end", "rows" };

/* Members whose per-member values are gathered before one write. */
#define OUT_HDF5_ENS_BLOCK 4096

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
    for (int i = 0; i < ES_COUNT; i++)
        h->eset[i] = H5I_INVALID_HID;
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

/* ---- the ensemble layout ---- */

/* Creates the dataset `name` of rank dimensions dims (maxdims: the same,
   the times dimension unlimited when `grow`), chunked as `chunk`, type
   `type`, NaN-filled when numeric. */
static hid_t ens_dataset(out_hdf5 *h, const char *name, int rank, const hsize_t *dims,
                         const hsize_t *chunk, bool grow, hid_t type, bool nan_fill)
{
    hsize_t maxdims[3];
    hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, d = H5I_INVALID_HID;
    double nan = NAN;

    for (int i = 0; i < rank; i++)
        maxdims[i] = grow && i == 1 ? H5S_UNLIMITED : dims[i];
    if ((space = H5Screate_simple(rank, dims, maxdims)) < 0 ||
        (dcpl = H5Pcreate(H5P_DATASET_CREATE)) < 0 ||
        H5Pset_chunk(dcpl, rank, chunk) < 0 ||
        (nan_fill && H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nan) < 0) ||
        (d = H5Dcreate2(h->file, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT)) < 0)
        h5_fail(h, "cannot create the HDF5 datasets");
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return d;
}

int out_hdf5_ens_header(out_hdf5 *h, size_t members, size_t rows_hint,
                        const char *const *names, size_t n_states, size_t n_aux,
                        const char *const *lead, size_t n_lead)
{
    size_t widest = n_states > n_aux ? n_states : n_aux;
    hsize_t tc = rows_hint < 1 ? 1 : rows_hint > OUT_HDF5_MAX_CHUNK_ROWS
                                         ? OUT_HDF5_MAX_CHUNK_ROWS : rows_hint;
    hid_t st = H5I_INVALID_HID;

    if (h->have_header || members == 0)
        return ODE_EINVAL;
    h->have_header = true;
    h->ens = true;
    h->members = members;
    h->n_lead = n_lead;
    h->cols[DS_T] = 1;
    h->cols[DS_Y] = n_states;
    h->cols[DS_AUX] = n_aux;
    if (widest < 1)
        widest = 1;
    while (tc > 1 && tc * widest * sizeof(double) > OUT_HDF5_CHUNK_BYTES)
        tc /= 2;
    hsize_t mc = OUT_HDF5_CHUNK_BYTES / sizeof(double) / (tc * widest);
    if (mc < 1)
        mc = 1;
    if (mc > members)
        mc = members;
    h->block = members < OUT_HDF5_ENS_BLOCK ? members : OUT_HDF5_ENS_BLOCK;
    h->b_lead = malloc(h->block * (n_lead ? n_lead : 1) * sizeof *h->b_lead);
    h->b_tend = malloc(h->block * sizeof *h->b_tend);
    h->b_rows = malloc(h->block * sizeof *h->b_rows);
    h->b_status = calloc(h->block, sizeof *h->b_status);
    if (!h->b_lead || !h->b_tend || !h->b_rows || !h->b_status) {
        h->failed = true;
        snprintf(h->errmsg, sizeof h->errmsg, "out of memory");
        return ODE_ENOMEM;
    }
    for (int i = 0; i < DS_COUNT; i++) {
        if (h->cols[i] == 0)
            continue;
        hsize_t dims[3] = { members, 0, h->cols[i] };
        hsize_t chunk[3] = { mc, tc, h->cols[i] };
        h->dset[i] = ens_dataset(h, ds_name[i], i == DS_T ? 2 : 3, dims, chunk, true,
                                 H5T_IEEE_F64LE, true);
        if (h->dset[i] < 0)
            return ODE_EOUTPUT;
    }
    if (names && ((n_states && write_names(h, h->dset[DS_Y], names, n_states)) ||
                  (n_aux && write_names(h, h->dset[DS_AUX], names + n_states, n_aux))))
        return ODE_EOUTPUT;
    hsize_t bc = h->block;
    if (n_lead > 0) {
        hsize_t dims[2] = { members, n_lead }, chunk[2] = { bc, n_lead };
        h->eset[ES_PARAMS] = ens_dataset(h, es_name[ES_PARAMS], 2, dims, chunk, false,
                                         H5T_IEEE_F64LE, true);
        if (h->eset[ES_PARAMS] < 0 ||
            (lead && write_names(h, h->eset[ES_PARAMS], lead, n_lead)))
            return ODE_EOUTPUT;
    }
    hsize_t dims1[1] = { members }, chunk1[1] = { bc };
    if ((st = string_type()) < 0)
        return h5_fail(h, "cannot create the HDF5 datasets");
    h->eset[ES_STATUS] = ens_dataset(h, es_name[ES_STATUS], 1, dims1, chunk1, false, st, false);
    H5Tclose(st);
    h->eset[ES_TEND] = ens_dataset(h, es_name[ES_TEND], 1, dims1, chunk1, false,
                                   H5T_IEEE_F64LE, true);
    h->eset[ES_ROWS] = ens_dataset(h, es_name[ES_ROWS], 1, dims1, chunk1, false,
                                   H5T_STD_I64LE, false);
    if (h->eset[ES_STATUS] < 0 || h->eset[ES_TEND] < 0 || h->eset[ES_ROWS] < 0)
        return ODE_EOUTPUT;
    return 0;
}

/* Writes count x cols values of buf into rows first.. of the rank-1 or
   rank-2 dataset d. */
static int ens_write_rows(out_hdf5 *h, hid_t d, hid_t mtype, size_t first, size_t count,
                          size_t cols, const void *buf)
{
    int rank = cols ? 2 : 1;
    hsize_t start[2] = { first, 0 }, n[2] = { count, cols };
    hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
    int rc = 0;

    if ((fspace = H5Dget_space(d)) < 0 ||
        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, n, NULL) < 0 ||
        (mspace = H5Screate_simple(rank, n, NULL)) < 0 ||
        H5Dwrite(d, mtype, mspace, fspace, H5P_DEFAULT, buf) < 0)
        rc = h5_fail(h, "cannot write the HDF5 data");
    if (mspace >= 0)
        H5Sclose(mspace);
    if (fspace >= 0)
        H5Sclose(fspace);
    return rc;
}

/* The per-member values gathered so far go to the file. */
static int ens_write_block(out_hdf5 *h)
{
    int rc = 0;
    hid_t st = H5I_INVALID_HID;

    if (h->nblock == 0)
        return 0;
    if (h->n_lead > 0)
        rc = ens_write_rows(h, h->eset[ES_PARAMS], H5T_NATIVE_DOUBLE, h->first, h->nblock,
                            h->n_lead, h->b_lead);
    if (rc == 0 && (st = string_type()) < 0)
        rc = h5_fail(h, "cannot write the HDF5 data");
    if (rc == 0)
        rc = ens_write_rows(h, h->eset[ES_STATUS], st, h->first, h->nblock, 0, h->b_status);
    if (st >= 0)
        H5Tclose(st);
    if (rc == 0)
        rc = ens_write_rows(h, h->eset[ES_TEND], H5T_NATIVE_DOUBLE, h->first, h->nblock, 0,
                            h->b_tend);
    if (rc == 0)
        rc = ens_write_rows(h, h->eset[ES_ROWS], H5T_NATIVE_LLONG, h->first, h->nblock, 0,
                            h->b_rows);
    for (size_t i = 0; i < h->nblock; i++) {
        free(h->b_status[i]);
        h->b_status[i] = NULL;
    }
    h->first += h->nblock;
    h->nblock = 0;
    return rc;
}

int out_hdf5_ens_member(out_hdf5 *h, size_t member, const double *rows, size_t n_rows,
                        const double *lead, const char *status, double t_end)
{
    size_t ncol = h->cols[DS_Y] + h->cols[DS_AUX];

    if (!h->ens || member != h->first + h->nblock || member >= h->members)
        return ODE_EINVAL;
    if (n_rows > h->times) {
        for (int i = 0; i < DS_COUNT; i++) {
            hsize_t dims[3] = { h->members, n_rows, h->cols[i] };
            if (h->dset[i] >= 0 && H5Dset_extent(h->dset[i], dims) < 0)
                return h5_fail(h, "cannot write the HDF5 data");
        }
        h->times = n_rows;
    }
    for (int i = 0; i < DS_COUNT && n_rows > 0; i++) {
        if (h->dset[i] < 0)
            continue;
        size_t c = h->cols[i], off = i == DS_T ? 0 : i == DS_Y ? 1 : 1 + h->cols[DS_Y];
        hsize_t fstart[3] = { member, 0, 0 }, fcount[3] = { 1, n_rows, c };
        hsize_t mdims[2] = { n_rows, 1 + ncol }, mstart[2] = { 0, off }, mcount[2] = { n_rows, c };
        hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
        int rc = 0;
        if ((fspace = H5Dget_space(h->dset[i])) < 0 ||
            H5Sselect_hyperslab(fspace, H5S_SELECT_SET, fstart, NULL, fcount, NULL) < 0 ||
            (mspace = H5Screate_simple(2, mdims, NULL)) < 0 ||
            H5Sselect_hyperslab(mspace, H5S_SELECT_SET, mstart, NULL, mcount, NULL) < 0 ||
            H5Dwrite(h->dset[i], H5T_NATIVE_DOUBLE, mspace, fspace, H5P_DEFAULT, rows) < 0)
            rc = h5_fail(h, "cannot write the HDF5 data");
        if (mspace >= 0)
            H5Sclose(mspace);
        if (fspace >= 0)
            H5Sclose(fspace);
        if (rc)
            return rc;
    }
    size_t b = h->nblock;
    if (h->n_lead)
        memcpy(h->b_lead + b * h->n_lead, lead, h->n_lead * sizeof *lead);
    h->b_tend[b] = t_end;
    h->b_rows[b] = (long long)n_rows;
    h->b_status[b] = strdup(status);
    if (!h->b_status[b]) {
        h->failed = true;
        snprintf(h->errmsg, sizeof h->errmsg, "out of memory");
        return ODE_ENOMEM;
    }
    h->nblock++;
    if (h->nblock == h->block)
        return ens_write_block(h);
    return 0;
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
        h->ens ? ens_write_block(h) : write_rows(h);
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
        for (int i = ES_COUNT - 1; i >= 0; i--)
            if (h->eset[i] >= 0 && H5Dclose(h->eset[i]) < 0)
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
    if (h->b_status)
        for (size_t i = 0; i < h->nblock; i++)
            free(h->b_status[i]);
    free(h->b_status);
    free(h->b_rows);
    free(h->b_tend);
    free(h->b_lead);
    free(h);
    return rc;
}

#else

/* ISO C wants at least one declaration in a translation unit. */
typedef int out_hdf5_not_built;

#endif
