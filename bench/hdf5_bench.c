/* hdf5_bench.c - how fast trajectories reach an HDF5 file through the
 * out_* API (cli/out.c + cli/out_hdf5.c), against CSV through the same API
 * and against the plainest use of the HDF5 library (one H5Dwrite of the
 * whole array, which needs every row in memory).
 *
 *   hdf5_bench DIR [REPS]
 *
 * Workloads, each timed REPS times (default 5), median reported:
 *   lorenz : 10^6 rows of t and the three Lorenz states (RK4, dt = 0.01)
 *   wide   : 1000 rows of t and 2000 states (values of many magnitudes)
 * Times include opening, writing and closing (renaming) the file.  The bar
 * of issue 3: 10^6 rows to HDF5 in under 1 s. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <hdf5.h>

#include "out.h"

struct data {
    size_t rows, cols;        /* cols values per row after t */
    double *t;                /* rows */
    double *v;                /* rows * cols, row-major */
    const char **names;       /* cols */
    char (*nbuf)[16];
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *x, int n)
{
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

static int alloc_data(struct data *d, size_t rows, size_t cols)
{
    d->rows = rows;
    d->cols = cols;
    d->t = malloc(rows * sizeof *d->t);
    d->v = malloc(rows * cols * sizeof *d->v);
    d->names = malloc(cols * sizeof *d->names);
    d->nbuf = malloc(cols * sizeof *d->nbuf);
    if (!d->t || !d->v || !d->names || !d->nbuf)
        return -1;
    for (size_t j = 0; j < cols; j++) {
        snprintf(d->nbuf[j], sizeof d->nbuf[j], "y%zu", j);
        d->names[j] = d->nbuf[j];
    }
    return 0;
}

static void free_data(struct data *d)
{
    free(d->nbuf);
    free(d->names);
    free(d->v);
    free(d->t);
}

static void lorenz_rhs(const double *y, double *f)
{
    f[0] = 10.0 * (y[1] - y[0]);
    f[1] = y[0] * (28.0 - y[2]) - y[1];
    f[2] = y[0] * y[1] - 8.0 / 3.0 * y[2];
}

/* Lorenz (1963) with sigma = 10, rho = 28, beta = 8/3 by classical RK4. */
static int make_lorenz(struct data *d, size_t rows)
{
    double y[3] = { 1.0, 1.0, 1.0 }, k[4][3], tmp[3];
    const double h = 0.01;

    if (alloc_data(d, rows, 3))
        return -1;
    d->names[0] = "x";
    d->names[1] = "y";
    d->names[2] = "z";
    for (size_t i = 0; i < rows; i++) {
        d->t[i] = (double)i * h;
        memcpy(d->v + 3 * i, y, sizeof y);
        lorenz_rhs(y, k[0]);
        for (int j = 0; j < 3; j++)
            tmp[j] = y[j] + 0.5 * h * k[0][j];
        lorenz_rhs(tmp, k[1]);
        for (int j = 0; j < 3; j++)
            tmp[j] = y[j] + 0.5 * h * k[1][j];
        lorenz_rhs(tmp, k[2]);
        for (int j = 0; j < 3; j++)
            tmp[j] = y[j] + h * k[2][j];
        lorenz_rhs(tmp, k[3]);
        for (int j = 0; j < 3; j++)
            y[j] += h / 6.0 * (k[0][j] + 2.0 * k[1][j] + 2.0 * k[2][j] + k[3][j]);
    }
    return 0;
}

/* A coupled logistic-map lattice (Kaneko 1984), each column scaled by its
   own power of ten. */
static int make_wide(struct data *d, size_t rows, size_t cols)
{
    double *x = malloc(cols * sizeof *x), *f = malloc(cols * sizeof *f);
    int rc = -1;

    if (!x || !f || alloc_data(d, rows, cols))
        goto done;
    for (size_t j = 0; j < cols; j++)
        x[j] = 0.1 + 0.8 * (double)j / (double)cols;
    for (size_t i = 0; i < rows; i++) {
        d->t[i] = 0.05 * (double)i;
        for (size_t j = 0; j < cols; j++)
            f[j] = 3.9 * x[j] * (1.0 - x[j]);
        for (size_t j = 0; j < cols; j++) {
            x[j] = 0.8 * f[j] + 0.1 * (f[(j + cols - 1) % cols] + f[(j + 1) % cols]);
            d->v[i * cols + j] = (x[j] - 0.5) * pow(10.0, (double)(j % 11) - 6.0);
        }
    }
    rc = 0;
done:
    free(f);
    free(x);
    return rc;
}

/* Through out.h, to CSV or HDF5 by the file name, with a few root
   attributes as main writes them. */
static int write_out(const struct data *d, const char *path)
{
    char err[512];
    out *o;

    if (out_open(path, &o, err, sizeof err)) {
        fprintf(stderr, "hdf5_bench: %s\n", err);
        return -1;
    }
    out_header_aux(o, d->names, d->cols, 0);
    for (size_t i = 0; i < d->rows; i++)
        out_row(o, d->t[i], d->v + i * d->cols, d->cols);
    out_attr_string(o, "solver", "rk4");
    out_attr_double(o, "rtol", 1e-6);
    out_attr_long(o, "steps", (long)d->rows);
    if (out_close(o, true, err, sizeof err)) {
        fprintf(stderr, "hdf5_bench: %s\n", err);
        return -1;
    }
    return 0;
}

/* The whole arrays in one H5Dwrite each, contiguous layout: the floor for
   writing these bytes with HDF5, at the price of holding every row. */
static int write_whole(const struct data *d, const char *path)
{
    hsize_t dims[2] = { d->rows, d->cols };
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t s1 = H5Screate_simple(1, dims, NULL), s2 = H5Screate_simple(2, dims, NULL);
    hid_t dt = H5Dcreate2(f, "t", H5T_IEEE_F64LE, s1, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t dy = H5Dcreate2(f, "y", H5T_IEEE_F64LE, s2, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = f < 0 || dt < 0 || dy < 0 ||
             H5Dwrite(dt, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, d->t) < 0 ||
             H5Dwrite(dy, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, d->v) < 0;
    H5Dclose(dy);
    H5Dclose(dt);
    H5Sclose(s2);
    H5Sclose(s1);
    if (H5Fclose(f) < 0)
        rc = 1;
    return rc ? -1 : 0;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Median seconds of `reps` runs of fn, or -1.  The previous file is
   removed first, outside the timing. */
static double run(const struct data *d,
                  int (*fn)(const struct data *, const char *),
                  const char *path, int reps)
{
    double t[64];

    for (int r = 0; r < reps; r++) {
        remove(path);
        double t0 = now();
        if (fn(d, path))
            return -1;
        t[r] = now() - t0;
    }
    return median(t, reps);
}

static int report(const char *label, const char *how, const struct data *d,
                  int (*fn)(const struct data *, const char *), const char *path,
                  int reps)
{
    double sec = run(d, fn, path, reps);

    if (sec < 0)
        return -1;
    printf("%-8s %-26s %8.3f s %8.1f %8.1f %10.2f\n", label, how, sec,
           1e9 * sec / (double)(d->rows * (d->cols + 1)),
           (double)file_size(path) / 1e6, (double)d->rows / sec / 1e6);
    remove(path);
    return 0;
}

static int workload(const char *label, const struct data *d, const char *dir, int reps)
{
    char h5[4096], csv[4096], whole[4096];

    snprintf(h5, sizeof h5, "%s/out.h5", dir);
    snprintf(csv, sizeof csv, "%s/out.csv", dir);
    snprintf(whole, sizeof whole, "%s/whole.h5", dir);
    return report(label, "out_row -> .h5 (chunked)", d, write_out, h5, reps) ||
           report(label, "out_row -> .csv", d, write_out, csv, reps) ||
           report(label, "H5Dwrite whole arrays", d, write_whole, whole, reps);
}

int main(int argc, char **argv)
{
    struct data lor = { 0 }, wide = { 0 };
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    int rc = 1;

    if (argc < 2 || reps < 1 || reps > 64) {
        fprintf(stderr, "usage: hdf5_bench DIR [REPS <= 64]\n");
        return 2;
    }
    if (make_lorenz(&lor, 1000000) || make_wide(&wide, 1000, 2000)) {
        fprintf(stderr, "hdf5_bench: out of memory\n");
        goto done;
    }
    printf("%-8s %-26s %10s %8s %8s %10s\n", "workload", "writer", "median",
           "ns/value", "file MB", "Mrows/s");
    if (workload("lorenz", &lor, argv[1], reps) ||
        workload("wide", &wide, argv[1], reps))
        goto done;
    rc = 0;
done:
    free_data(&wide);
    free_data(&lor);
    return rc;
}
