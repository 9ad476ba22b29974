/* check_out_hdf5.c - the HDF5 writer behind out.h: rows read back with the
 * HDF5 library bit for bit over several chunks, names and root attributes,
 * files that appear only when complete, and write errors.  In a build
 * without HDF5 only the refusal is checked. */
#include "out.h"

#include <check.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#if WITH_HDF5
#include <hdf5.h>
#endif

#include "problem.h"
#include "testdir.h"

#if WITH_HDF5

static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);

/* Any bit pattern, NaNs with payloads and subnormals included: HDF5 must
   store doubles without conversion. */
static double random_bits(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    uint64_t b = rng_state * UINT64_C(2685821657736338717);
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* Opens a finished file for reading; the library prints nothing. */
static hid_t open_h5(const char *path)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_msg(f >= 0, "%s is not a readable HDF5 file", path);
    return f;
}

/* Reads the whole dataset `name` of doubles, checking its rank and dims
   (cols 0: rank 1) and that it can grow without bound in rows. */
static double *read_dataset(hid_t f, const char *name, hsize_t rows, hsize_t cols)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    ck_assert_msg(d >= 0, "no dataset %s", name);
    hid_t space = H5Dget_space(d);
    hsize_t dims[2] = { 0, 0 }, maxdims[2] = { 0, 0 };
    int rank = H5Sget_simple_extent_dims(space, dims, maxdims);
    ck_assert_int_eq(rank, cols ? 2 : 1);
    ck_assert_uint_eq(dims[0], rows);
    ck_assert(maxdims[0] == H5S_UNLIMITED);
    if (cols) {
        ck_assert_uint_eq(dims[1], cols);
        ck_assert_uint_eq(maxdims[1], cols);
    }
    hid_t type = H5Dget_type(d);
    ck_assert(H5Tequal(type, H5T_IEEE_F64LE) > 0);
    hid_t dcpl = H5Dget_create_plist(d);
    ck_assert_int_eq(H5Pget_layout(dcpl), H5D_CHUNKED);
    double *v = malloc((size_t)(rows * (cols ? cols : 1)) * sizeof *v + 1);
    ck_assert_ptr_nonnull(v);
    if (rows > 0)
        ck_assert_int_ge(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0);
    H5Pclose(dcpl);
    H5Tclose(type);
    H5Sclose(space);
    H5Dclose(d);
    return v;
}

/* The chunk's rows of dataset `name`. */
static hsize_t chunk_rows(hid_t f, const char *name)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    hid_t dcpl = H5Dget_create_plist(d);
    hsize_t chunk[2] = { 0, 0 };
    ck_assert_int_ge(H5Pget_chunk(dcpl, 2, chunk), 1);
    H5Pclose(dcpl);
    H5Dclose(d);
    return chunk[0];
}

/* Checks that attribute "names" of dataset `obj` holds want[0 .. n-1]. */
static void check_names(hid_t f, const char *obj, const char *const *want, size_t n)
{
    hid_t a = H5Aopen_by_name(f, obj, "names", H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_msg(a >= 0, "%s has no names", obj);
    hid_t space = H5Aget_space(a);
    ck_assert_int_eq(H5Sget_simple_extent_ndims(space), 1);
    ck_assert_uint_eq((size_t)H5Sget_simple_extent_npoints(space), n);
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    char **got = calloc(n, sizeof *got);
    ck_assert_ptr_nonnull(got);
    ck_assert_int_ge(H5Aread(a, type, got), 0);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(got[i], want[i]);
    ck_assert_int_ge(H5Dvlen_reclaim(type, space, H5P_DEFAULT, got), 0);
    free(got);
    H5Tclose(type);
    H5Sclose(space);
    H5Aclose(a);
}

static bool same_bits(const double *a, const double *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

static bool has_link(hid_t f, const char *name)
{
    return H5Lexists(f, name, H5P_DEFAULT) > 0;
}

/* Writes `rows` rows of ns states and na aux outputs (random bits) to
   run.h5, calling out_flush() every `flush_every` rows (0: never), and
   checks t, y and aux read back bit for bit with their names. */
static void round_trip(size_t rows, size_t ns, size_t na, size_t flush_every)
{
    size_t nc = ns + na;
    double *t = malloc(rows * sizeof *t + 1);
    double *v = malloc(rows * nc * sizeof *v + 1);
    double *y = malloc(rows * ns * sizeof *y + 1);
    double *aux = malloc(rows * na * sizeof *aux + 1);
    const char **names = malloc(nc * sizeof *names + 1);
    char (*nbuf)[32] = malloc(nc * sizeof *nbuf + 1);
    char path[512], err[512];
    out *o;

    ck_assert(t && v && y && aux && names && nbuf);
    td_make("check_out_hdf5");
    td_path(path, sizeof path, "run.h5");
    for (size_t j = 0; j < nc; j++) {
        snprintf(nbuf[j], sizeof nbuf[j], j < ns ? "y%zu" : "aux%zu", j);
        names[j] = nbuf[j];
    }
    for (size_t i = 0; i < rows; i++) {
        t[i] = random_bits();
        for (size_t j = 0; j < nc; j++) {
            double x = random_bits();
            v[i * nc + j] = x;
            if (j < ns)
                y[i * ns + j] = x;
            else
                aux[i * na + j - ns] = x;
        }
    }
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    ck_assert_int_eq(out_header_aux(o, names, ns, na), 0);
    for (size_t i = 0; i < rows; i++) {
        ck_assert_int_eq(out_row(o, t[i], v + i * nc, nc), 0);
        if (flush_every && (i + 1) % flush_every == 0)
            ck_assert_int_eq(out_flush(o), 0);
    }
    ck_assert_int_eq(out_rows(o), (long)rows);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), 0);

    hid_t f = open_h5(path);
    double *got = read_dataset(f, "t", rows, 0);
    ck_assert_msg(same_bits(got, t, rows), "t differs");
    free(got);
    static const char *const t_name[] = { "t" };
    check_names(f, "t", t_name, 1);
    if (ns) {
        got = read_dataset(f, "y", rows, ns);
        ck_assert_msg(same_bits(got, y, rows * ns), "y differs");
        free(got);
        check_names(f, "y", names, ns);
    } else {
        ck_assert(!has_link(f, "y"));
    }
    if (na) {
        got = read_dataset(f, "aux", rows, na);
        ck_assert_msg(same_bits(got, aux, rows * na), "aux differs");
        free(got);
        check_names(f, "aux", names + ns, na);
    } else {
        ck_assert(!has_link(f, "aux"));
    }
    H5Fclose(f);
    free(nbuf);
    free(names);
    free(aux);
    free(y);
    free(v);
    free(t);
    td_remove();
}

/* 10000 rows of 3 states: chunks of 4096 rows (96 KiB of /y), so the file
   grows over two full chunks and a part. */
START_TEST(out_hdf5_round_trips_bit_for_bit_over_several_chunks)
{
    round_trip(10000, 3, 2, 0);
}
END_TEST

START_TEST(out_hdf5_flushes_between_chunks_keep_rows_in_order)
{
    round_trip(5000, 2, 1, 777);
}
END_TEST

START_TEST(out_hdf5_without_aux_has_no_aux_dataset)
{
    round_trip(3, 4, 0, 0);
}
END_TEST

START_TEST(out_hdf5_empty_run_has_empty_datasets)
{
    round_trip(0, 2, 1, 0);
}
END_TEST

/* 20000 states: 160 KB a row, so a chunk is one row, and the names (more
   than the 64 KiB an attribute may take in compact storage) still fit. */
START_TEST(out_hdf5_wide_model_round_trips)
{
    round_trip(5, 20000, 3, 0);
}
END_TEST

START_TEST(out_hdf5_chunks_are_about_128_kib)
{
    const char *names[] = { "x", "y", "z", "e" };
    const double v[] = { 1, 2, 3, 4 };
    char path[512], err[512];
    out *o;

    td_make("check_out_hdf5");
    td_path(path, sizeof path, "c.h5");
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    ck_assert_int_eq(out_header_aux(o, names, 3, 1), 0);
    ck_assert_int_eq(out_row(o, 0.0, v, 4), 0);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), 0);
    hid_t f = open_h5(path);
    ck_assert_uint_eq(chunk_rows(f, "y"), 4096);
    ck_assert_uint_eq(chunk_rows(f, "aux"), 4096);
    H5Fclose(f);
    td_remove();
}
END_TEST

/* out_header() without the split: every column is a state. */
START_TEST(out_hdf5_plain_header_puts_all_columns_in_y)
{
    const char *names[] = { "x", "v" };
    const double v[] = { 0.5, -0.25 };
    char path[512], err[512];
    out *o;

    td_make("check_out_hdf5");
    td_path(path, sizeof path, "plain.hdf5");
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    ck_assert_int_eq(out_header(o, names, 2), 0);
    ck_assert_int_eq(out_row(o, 1.5, v, 2), 0);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), 0);
    hid_t f = open_h5(path);
    double *y = read_dataset(f, "y", 1, 2);
    ck_assert(y[0] == 0.5 && y[1] == -0.25);
    free(y);
    check_names(f, "y", names, 2);
    ck_assert(!has_link(f, "aux"));
    H5Fclose(f);
    td_remove();
}
END_TEST

START_TEST(out_hdf5_rows_without_header_have_no_names)
{
    const double v[] = { 7.0 };
    char path[512], err[512];
    out *o;

    td_make("check_out_hdf5");
    td_path(path, sizeof path, "nohead.h5");
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    ck_assert_int_eq(out_row(o, 0.0, v, 1), 0);
    ck_assert_int_eq(out_row(o, 1.0, v, 1), 0);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), 0);
    hid_t f = open_h5(path);
    double *y = read_dataset(f, "y", 2, 1);
    ck_assert(y[0] == 7.0 && y[1] == 7.0);
    free(y);
    ck_assert_int_eq(H5Aexists_by_name(f, "y", "names", H5P_DEFAULT), 0);
    H5Fclose(f);
    td_remove();
}
END_TEST

START_TEST(out_hdf5_row_width_must_match_header)
{
    const char *names[] = { "x", "y", "a" };
    const double v[] = { 1.0, 2.0, 3.0, 4.0 };
    char path[512], err[512];
    out *o;

    td_make("check_out_hdf5");
    td_path(path, sizeof path, "w.h5");
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    ck_assert_int_eq(out_header_aux(o, names, 2, 1), 0);
    ck_assert_int_eq(out_header_aux(o, names, 2, 1), ODE_EINVAL);
    ck_assert_int_eq(out_row(o, 0.0, v, 4), ODE_EINVAL);
    ck_assert_int_eq(out_row(o, 0.0, v, 2), ODE_EINVAL);
    ck_assert_ptr_null(out_error(o));
    ck_assert_int_eq(out_row(o, 0.0, v, 3), 0);
    ck_assert_int_eq(out_rows(o), 1);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), 0);
    hid_t f = open_h5(path);
    double *a = read_dataset(f, "aux", 1, 1);
    ck_assert(a[0] == 3.0);
    free(a);
    H5Fclose(f);
    td_remove();
}
END_TEST

static double read_double_attr(hid_t f, const char *name)
{
    double v = NAN;
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    ck_assert_msg(a >= 0, "no attribute %s", name);
    hid_t type = H5Aget_type(a);
    ck_assert(H5Tequal(type, H5T_IEEE_F64LE) > 0);
    ck_assert_int_ge(H5Aread(a, H5T_NATIVE_DOUBLE, &v), 0);
    H5Tclose(type);
    H5Aclose(a);
    return v;
}

static long read_long_attr(hid_t f, const char *name)
{
    long v = 0;
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    ck_assert_msg(a >= 0, "no attribute %s", name);
    hid_t type = H5Aget_type(a);
    ck_assert(H5Tequal(type, H5T_STD_I64LE) > 0);
    ck_assert_int_ge(H5Aread(a, H5T_NATIVE_LONG, &v), 0);
    H5Tclose(type);
    H5Aclose(a);
    return v;
}

/* Checks the scalar string attribute `name` of the root group. */
static void check_string_attr(hid_t f, const char *name, const char *want)
{
    char *got = NULL;
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    ck_assert_msg(a >= 0, "no attribute %s", name);
    hid_t space = H5Aget_space(a);
    ck_assert_int_eq(H5Sget_simple_extent_type(space), H5S_SCALAR);
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    ck_assert_int_ge(H5Aread(a, type, &got), 0);
    ck_assert_str_eq(got, want);
    H5Dvlen_reclaim(type, space, H5P_DEFAULT, &got);
    H5Tclose(type);
    H5Sclose(space);
    H5Aclose(a);
}

START_TEST(out_hdf5_root_attributes_round_trip)
{
    const char *names[] = { "x" };
    const double v[] = { 1.0 };
    char path[512], err[512];
    out *o;

    td_make("check_out_hdf5");
    td_path(path, sizeof path, "attrs.h5");
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    ck_assert_int_eq(out_attr_string(o, "model", "samples/lorenz.ode"), 0);
    ck_assert_int_eq(out_attr_double(o, "rtol", 1e-6), 0);
    ck_assert_int_eq(out_header_aux(o, names, 1, 0), 0);
    for (int i = 0; i < 5000; i++)
        ck_assert_int_eq(out_row(o, i, v, 1), 0);
    /* After the rows, as main writes the statistics; a name set twice
       keeps the last value. */
    ck_assert_int_eq(out_attr_double(o, "atol", 0.1 + 0.2), 0);
    ck_assert_int_eq(out_attr_double(o, "t1", INFINITY), 0);
    ck_assert_int_eq(out_attr_long(o, "steps", 1234567890123L), 0);
    ck_assert_int_eq(out_attr_long(o, "rejected", -1), 0);
    ck_assert_int_eq(out_attr_long(o, "rejected", 17), 0);
    ck_assert_int_eq(out_attr_string(o, "status", "running"), 0);
    ck_assert_int_eq(out_attr_string(o, "status", "done"), 0);
    ck_assert_int_eq(out_attr_string(o, "message", ""), 0);
    ck_assert_int_eq(out_attr_string(o, "solver", "dopri5 \xc3\xa9"), 0);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), 0);

    hid_t f = open_h5(path);
    check_string_attr(f, "model", "samples/lorenz.ode");
    ck_assert(read_double_attr(f, "rtol") == 1e-6);
    ck_assert(read_double_attr(f, "atol") == 0.1 + 0.2);
    ck_assert(read_double_attr(f, "t1") == INFINITY);
    ck_assert_int_eq(read_long_attr(f, "steps"), 1234567890123L);
    ck_assert_int_eq(read_long_attr(f, "rejected"), 17);
    check_string_attr(f, "status", "done");
    check_string_attr(f, "message", "");
    check_string_attr(f, "solver", "dopri5 \xc3\xa9");
    H5O_info_t info;
    ck_assert_int_ge(H5Oget_info(f, &info), 0);
    ck_assert_uint_eq(info.num_attrs, 9);
    double *t = read_dataset(f, "t", 5000, 0);
    ck_assert(t[4999] == 4999.0);
    free(t);
    H5Fclose(f);
    td_remove();
}
END_TEST

/* A name HDF5 refuses fails the writer like a failed row: the error names
   the file and nothing is left behind. */
START_TEST(out_hdf5_refused_attribute_fails_the_writer)
{
    const double v[] = { 1.0 };
    char path[512], err[512] = "";
    out *o;

    td_make("check_out_hdf5");
    td_path(path, sizeof path, "bad.h5");
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    ck_assert_int_eq(out_attr_long(o, "", 1), ODE_EOUTPUT);
    ck_assert_ptr_nonnull(out_error(o));
    ck_assert_ptr_nonnull(strstr(out_error(o), "bad.h5"));
    ck_assert_ptr_nonnull(strstr(out_error(o), "attribute"));
    ck_assert_int_eq(out_row(o, 0.0, v, 1), ODE_EOUTPUT);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), ODE_EOUTPUT);
    ck_assert_ptr_nonnull(strstr(err, "bad.h5"));
    ck_assert_int_eq(td_count(NULL, 0), 0);
    td_remove();
}
END_TEST

START_TEST(out_hdf5_file_appears_under_its_name_only_at_close)
{
    const char *names[] = { "x", "v" };
    const double v[] = { 1.0, 2.0 };
    char path[512], err[512], first[256];
    struct stat st;
    out *o;

    td_make("check_out_hdf5");
    td_path(path, sizeof path, "run.h5");
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    ck_assert_int_eq(out_header(o, names, 2), 0);
    for (int i = 0; i < 100000; i++)
        ck_assert_int_eq(out_row(o, i, v, 2), 0);
    ck_assert_int_eq(out_flush(o), 0);
    ck_assert_int_eq(stat(path, &st), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(td_count(first, sizeof first), 1);
    ck_assert_int_eq(strncmp(first, "run.h5.tmp.", strlen("run.h5.tmp.")), 0);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), 0);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(td_count(NULL, 0), 1);
    mode_t mask = umask(0);
    umask(mask);
    ck_assert_int_eq(st.st_mode & 0777, 0666 & ~mask);
    td_remove();
}
END_TEST

START_TEST(out_hdf5_replaces_an_existing_file_keeping_its_mode)
{
    const double v[] = { 3.0 };
    char path[512], err[512];
    struct stat st;
    out *o;

    td_make("check_out_hdf5");
    td_path(path, sizeof path, "old.h5");
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("not HDF5 at all\n", f);
    fclose(f);
    ck_assert_int_eq(chmod(path, 0640), 0);
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    ck_assert_int_eq(out_row(o, 1.0, v, 1), 0);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), 0);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0640);
    hid_t h = open_h5(path);
    double *t = read_dataset(h, "t", 1, 0);
    ck_assert(t[0] == 1.0);
    free(t);
    H5Fclose(h);
    td_remove();
}
END_TEST

START_TEST(out_hdf5_close_without_keep_leaves_nothing)
{
    const double v[] = { 1.0 };
    char path[512], err[512];
    out *o;

    td_make("check_out_hdf5");
    td_path(path, sizeof path, "gone.h5");
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    for (int i = 0; i < 50000; i++)
        ck_assert_int_eq(out_row(o, i, v, 1), 0);
    ck_assert_int_eq(out_attr_long(o, "steps", 3), 0);
    ck_assert_int_eq(out_close(o, false, err, sizeof err), 0);
    ck_assert_int_eq(td_count(NULL, 0), 0);
    td_remove();
}
END_TEST

START_TEST(out_hdf5_abort_removes_the_temporary)
{
    const double v[] = { 1.0 };
    char path[512], err[512];
    out *o;

    td_make("check_out_hdf5");
    td_path(path, sizeof path, "sig.h5");
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    ck_assert_int_eq(out_row(o, 0.5, v, 1), 0);
    ck_assert_int_eq(td_count(NULL, 0), 1);
    out_abort_signal_safe(o);
    ck_assert_int_eq(td_count(NULL, 0), 0);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), ODE_EOUTPUT);
    ck_assert_ptr_nonnull(strstr(err, "sig.h5"));
    ck_assert_ptr_nonnull(strstr(err, "interrupted"));
    ck_assert_int_eq(td_count(NULL, 0), 0);
    td_remove();
}
END_TEST

/* The file size limit (EFBIG) stops the writes half way: the error says
   why and names the file, and neither file is left. */
START_TEST(out_hdf5_failed_write_keeps_no_partial_file)
{
    const double v[] = { 1.0 / 3, 2.0 / 3 };
    char path[512], err[512] = "";
    struct rlimit old, lim;
    out *o;
    int rc = 0, i;

    td_make("check_out_hdf5");
    td_path(path, sizeof path, "big.h5");
    void (*oldsig)(int) = signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 200000;
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    for (i = 0; i < 100000 && rc == 0; i++)
        rc = out_row(o, i, v, 2);
    ck_assert_int_eq(rc, ODE_EOUTPUT);
    ck_assert_int_lt(i, 100000);
    ck_assert_msg(strstr(out_error(o), strerror(EFBIG)), "%s", out_error(o));
    ck_assert_int_eq(out_row(o, 0.0, v, 2), ODE_EOUTPUT);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), ODE_EOUTPUT);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, oldsig);
    ck_assert_ptr_nonnull(strstr(err, "big.h5"));
    ck_assert_ptr_nonnull(strstr(err, strerror(EFBIG)));
    ck_assert_int_eq(td_count(NULL, 0), 0);
    td_remove();
}
END_TEST

START_TEST(out_hdf5_refuses_a_fifo)
{
    char path[512], err[512] = "";
    out *o = (out *)&o;

    td_make("check_out_hdf5");
    td_path(path, sizeof path, "pipe.h5");
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), ODE_EOUTPUT);
    ck_assert_ptr_null(o);
    ck_assert_ptr_nonnull(strstr(err, "pipe.h5"));
    ck_assert_ptr_nonnull(strstr(err, "regular file"));
    ck_assert_int_eq(td_count(NULL, 0), 1);
    td_remove();
}
END_TEST

START_TEST(out_hdf5_open_reports_missing_directory)
{
    char err[512] = "";
    out *o = (out *)&o;

    ck_assert_int_eq(out_open("/nonexistent/x.h5", &o, err, sizeof err), ODE_EOUTPUT);
    ck_assert_ptr_null(o);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x.h5"));
    ck_assert_ptr_nonnull(strstr(err, strerror(ENOENT)));
}
END_TEST

#else

START_TEST(out_hdf5_needs_a_build_with_hdf5)
{
    char path[512], err[512] = "";
    out *o;

    td_make("check_out_hdf5");
    td_path(path, sizeof path, "run.h5");
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), ODE_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "HDF5 output needs a build with HDF5"));
    ck_assert_int_eq(td_count(NULL, 0), 0);
    td_remove();
}
END_TEST

#endif

/* CSV has no place for attributes and the split of columns changes
   nothing in its header: same bytes as without them. */
START_TEST(out_attributes_and_aux_split_leave_csv_unchanged)
{
    const char *names[] = { "x", "e" };
    const double v[] = { 0.5, 2.0 };
    char path[512], err[512], text[64];
    out *o;

    td_make("check_out_hdf5");
    td_path(path, sizeof path, "run.csv");
    ck_assert_int_eq(out_open(path, &o, err, sizeof err), 0);
    ck_assert_int_eq(out_attr_string(o, "solver", "rk4"), 0);
    ck_assert_int_eq(out_header_aux(o, names, 1, 1), 0);
    ck_assert_int_eq(out_row(o, 1.0, v, 2), 0);
    ck_assert_int_eq(out_attr_double(o, "rtol", 1e-6), 0);
    ck_assert_int_eq(out_attr_long(o, "steps", 10), 0);
    ck_assert_int_eq(out_close(o, true, err, sizeof err), 0);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    ck_assert_str_eq(text, "t,x,e\n1,0.5,2\n");
    td_remove();
}
END_TEST

static Suite *out_hdf5_suite(void)
{
    Suite *s = suite_create("out_hdf5");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
#if WITH_HDF5
    tcase_add_test(tc, out_hdf5_round_trips_bit_for_bit_over_several_chunks);
    tcase_add_test(tc, out_hdf5_flushes_between_chunks_keep_rows_in_order);
    tcase_add_test(tc, out_hdf5_without_aux_has_no_aux_dataset);
    tcase_add_test(tc, out_hdf5_empty_run_has_empty_datasets);
    tcase_add_test(tc, out_hdf5_wide_model_round_trips);
    tcase_add_test(tc, out_hdf5_chunks_are_about_128_kib);
    tcase_add_test(tc, out_hdf5_plain_header_puts_all_columns_in_y);
    tcase_add_test(tc, out_hdf5_rows_without_header_have_no_names);
    tcase_add_test(tc, out_hdf5_row_width_must_match_header);
    tcase_add_test(tc, out_hdf5_root_attributes_round_trip);
    tcase_add_test(tc, out_hdf5_refused_attribute_fails_the_writer);
    tcase_add_test(tc, out_hdf5_file_appears_under_its_name_only_at_close);
    tcase_add_test(tc, out_hdf5_replaces_an_existing_file_keeping_its_mode);
    tcase_add_test(tc, out_hdf5_close_without_keep_leaves_nothing);
    tcase_add_test(tc, out_hdf5_abort_removes_the_temporary);
    tcase_add_test(tc, out_hdf5_failed_write_keeps_no_partial_file);
    tcase_add_test(tc, out_hdf5_refuses_a_fifo);
    tcase_add_test(tc, out_hdf5_open_reports_missing_directory);
#else
    tcase_add_test(tc, out_hdf5_needs_a_build_with_hdf5);
#endif
    tcase_add_test(tc, out_attributes_and_aux_split_leave_csv_unchanged);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(out_hdf5_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
