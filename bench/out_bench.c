/* out_bench.c - how fast trajectories reach a file: cli/out.c (shortest
 * round-trip digits by fmt_double, own buffer, write(2)) against stdio
 * fprintf("%.17g") on the same numbers.
 *
 *   out_bench DIR [REPS]
 *
 * Workloads, each timed REPS times (default 5), median reported:
 *   lorenz : 10^6 rows of t and the three Lorenz states (a trajectory
 *            integrated with RK4, dt = 0.01: varied magnitudes and signs)
 *   wide   : 1000 rows of t and 2000 states (a 2000-state model; values
 *            from a chaotic logistic-map lattice scaled over 1e-6 .. 1e4)
 *   format : the lorenz states formatted into memory only (fmt_double
 *            against snprintf %.17g), to separate formatting from I/O.
 * File times include opening, writing and closing (renaming) the file. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fmt.h"
#include "out.h"

struct data {
    size_t rows, cols;        /* cols values per row after t */
    double *t;                /* rows */
    double *v;                /* rows * cols, row-major */
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

    d->rows = rows;
    d->cols = 3;
    d->t = malloc(rows * sizeof *d->t);
    d->v = malloc(rows * 3 * sizeof *d->v);
    if (!d->t || !d->v)
        return -1;
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
   own power of ten so the file holds numbers of many magnitudes. */
static int make_wide(struct data *d, size_t rows, size_t cols)
{
    double *x = malloc(cols * sizeof *x), *f = malloc(cols * sizeof *f);
    int rc = -1;

    d->rows = rows;
    d->cols = cols;
    d->t = malloc(rows * sizeof *d->t);
    d->v = malloc(rows * cols * sizeof *d->v);
    if (!x || !f || !d->t || !d->v)
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

static int write_out(const struct data *d, const char *path)
{
    char err[512];
    out *o;

    if (out_open(path, &o, err, sizeof err)) {
        fprintf(stderr, "out_bench: %s\n", err);
        return -1;
    }
    for (size_t i = 0; i < d->rows; i++)
        out_row(o, d->t[i], d->v + i * d->cols, d->cols);
    if (out_close(o, true, err, sizeof err)) {
        fprintf(stderr, "out_bench: %s\n", err);
        return -1;
    }
    return 0;
}

static int write_printf(const struct data *d, const char *path)
{
    FILE *f = fopen(path, "w");

    if (!f) {
        perror(path);
        return -1;
    }
    for (size_t i = 0; i < d->rows; i++) {
        fprintf(f, "%.17g", d->t[i]);
        for (size_t j = 0; j < d->cols; j++)
            fprintf(f, ",%.17g", d->v[i * d->cols + j]);
        fputc('\n', f);
    }
    return fclose(f) == 0 ? 0 : -1;
}

static volatile size_t sink;

static int format_fmt(const struct data *d, const char *path)
{
    char buf[FMT_DOUBLE_MAX];
    size_t n = 0;

    (void)path;
    for (size_t i = 0; i < d->rows * d->cols; i++)
        n += fmt_double(buf, d->v[i]);
    sink = n;
    return 0;
}

static int format_snprintf(const struct data *d, const char *path)
{
    char buf[FMT_DOUBLE_MAX];
    size_t n = 0;

    (void)path;
    for (size_t i = 0; i < d->rows * d->cols; i++)
        n += (size_t)snprintf(buf, sizeof buf, "%.17g", d->v[i]);
    sink = n;
    return 0;
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    long n = -1;

    if (f && fseek(f, 0, SEEK_END) == 0)
        n = ftell(f);
    if (f)
        fclose(f);
    return n;
}

/* Median seconds of `reps` runs of fn, or -1.  The file of the previous
   run is removed first, outside the timing: replacing it would add the
   kernel's cost of freeing its pages to whichever writer ran second. */
static double run(const struct data *d,
                  int (*fn)(const struct data *, const char *),
                  const char *path, int reps)
{
    double t[64];

    for (int r = 0; r < reps; r++) {
        if (path)
            remove(path);
        double t0 = now();
        if (fn(d, path))
            return -1;
        t[r] = now() - t0;
    }
    return median(t, reps);
}

static void report(const char *label, const char *how, const struct data *d,
                   const char *path, double sec, double base)
{
    size_t values = d->rows * (d->cols + (path ? 1 : 0));

    printf("%-8s %-22s %8.3f s %8.1f", label, how, sec, 1e9 * sec / (double)values);
    if (path)
        printf(" %8.1f", (double)file_size(path) / 1e6);
    else
        printf(" %8s", "-");
    if (base > 0)
        printf(" %8.1fx", base / sec);
    printf("\n");
}

/* One workload: cli/out.c against fprintf into files p1 and p2, or
   fmt_double against snprintf when p1 is NULL.  Returns -1 on failure. */
static int compare(const char *label, const struct data *d, const char *p1,
                   const char *p2, int reps)
{
    double fast, slow;

    if (p1) {
        fast = run(d, write_out, p1, reps);
        slow = run(d, write_printf, p2, reps);
    } else {
        fast = run(d, format_fmt, NULL, reps);
        slow = run(d, format_snprintf, NULL, reps);
    }
    if (fast < 0 || slow < 0)
        return -1;
    report(label, p1 ? "fprintf %.17g" : "snprintf %.17g", d, p2, slow, 0);
    report(label, p1 ? "out_row (fmt_double)" : "fmt_double", d, p1, fast, slow);
    return 0;
}

int main(int argc, char **argv)
{
    struct data lor = { 0 }, wide = { 0 };
    char p1[4096], p2[4096];
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    int rc = 1;

    if (argc < 2 || reps < 1 || reps > 64) {
        fprintf(stderr, "usage: out_bench DIR [REPS <= 64]\n");
        return 2;
    }
    snprintf(p1, sizeof p1, "%s/out.csv", argv[1]);
    snprintf(p2, sizeof p2, "%s/printf.csv", argv[1]);
    if (make_lorenz(&lor, 1000000) || make_wide(&wide, 1000, 2000)) {
        fprintf(stderr, "out_bench: out of memory\n");
        goto done;
    }
    printf("%-8s %-22s %10s %8s %8s %9s\n", "workload", "writer", "median",
           "ns/value", "file MB", "speedup");
    if (compare("lorenz", &lor, p1, p2, reps) ||
        compare("wide", &wide, p1, p2, reps) ||
        compare("format", &lor, NULL, NULL, reps))
        goto done;
    rc = 0;
done:
    remove(p1);
    remove(p2);
    free(lor.t);
    free(lor.v);
    free(wide.t);
    free(wide.v);
    return rc;
}
