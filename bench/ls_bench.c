/* ls_bench.c - where dense, band and sparse LU (solver/linsolve.c) cross
 * over: one ls_factor plus one ls_solve of A = alpha I - J, the steady
 * state of an implicit method (KLU refactors with its first pivot order),
 * on the patterns of diffusion problems at several n.
 *
 *   ls_bench [complex]
 *
 * Patterns:
 *   1d   : 3-point stencil (tridiagonal), n unknowns
 *   1d2  : 5-point 1-D stencil (ml = mu = 2), n unknowns
 *   1dwW : 1-D stencil of half-width W (band width 2 W + 1), n = 2000
 *   2d   : 5-point stencil on a k x k grid, n = k^2 (bandwidth k)
 *   rand : random pattern of a given fill (nnz / n^2) at n = 10 ... 200
 * Each figure is the fastest of 5 batches of repetitions lasting >= 20 ms
 * of thread CPU time (the machine is shared: CPU time and the minimum are
 * the least disturbed), in
 * microseconds per factorisation + solve. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "linsolve.h"

struct pat {
    size_t n, nnz;
    size_t *cp, *ri;
    double *v;
};

static unsigned long seed = 42;

static double rnd(void)
{
    seed = seed * 6364136223846793005UL + 1442695040888963407UL;
    return (double)(seed >> 11) / 9007199254740992.0;
}

static void add(struct pat *p, size_t *cap, size_t i, double v)
{
    if (p->nnz == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        p->ri = realloc(p->ri, *cap * sizeof *p->ri);
        p->v = realloc(p->v, *cap * sizeof *p->v);
        if (!p->ri || !p->v)
            abort();
    }
    p->ri[p->nnz] = i;
    p->v[p->nnz++] = v;
}

/* 1-D diffusion with half-width w (w = 1: tridiagonal). */
static struct pat diff1d(size_t n, size_t w)
{
    struct pat p = { .n = n };
    size_t cap = 0;
    p.cp = malloc((n + 1) * sizeof *p.cp);
    for (size_t j = 0; j < n; j++) {
        p.cp[j] = p.nnz;
        for (size_t i = j >= w ? j - w : 0; i <= j + w && i < n; i++)
            add(&p, &cap, i, i == j ? -2.0 * (double)w : 1.0 + 0.01 * rnd());
    }
    p.cp[n] = p.nnz;
    return p;
}

/* 2-D 5-point diffusion on a k x k grid, natural (row by row) order. */
static struct pat diff2d(size_t k)
{
    size_t n = k * k, cap = 0;
    struct pat p = { .n = n };
    p.cp = malloc((n + 1) * sizeof *p.cp);
    for (size_t j = 0; j < n; j++) {
        size_t r = j / k, c = j % k;
        p.cp[j] = p.nnz;
        if (r > 0)
            add(&p, &cap, j - k, 1.0 + 0.01 * rnd());
        if (c > 0)
            add(&p, &cap, j - 1, 1.0 + 0.01 * rnd());
        add(&p, &cap, j, -4.0);
        if (c + 1 < k)
            add(&p, &cap, j + 1, 1.0 + 0.01 * rnd());
        if (r + 1 < k)
            add(&p, &cap, j + k, 1.0 + 0.01 * rnd());
    }
    p.cp[n] = p.nnz;
    return p;
}

/* Random pattern of the given fill, the diagonal dominant. */
static struct pat random_pat(size_t n, double fill)
{
    struct pat p = { .n = n };
    size_t cap = 0;
    p.cp = malloc((n + 1) * sizeof *p.cp);
    for (size_t j = 0; j < n; j++) {
        p.cp[j] = p.nnz;
        for (size_t i = 0; i < n; i++)
            if (i == j)
                add(&p, &cap, i, -(double)n * fill - 1);
            else if (rnd() < fill)
                add(&p, &cap, i, rnd() - 0.5);
    }
    p.cp[n] = p.nnz;
    return p;
}

static void pat_free(struct pat *p)
{
    free(p->cp);
    free(p->ri);
    free(p->v);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Microseconds per factor + solve, or -1 when the kind cannot be built. */
static double time_kind(const struct pat *p, enum ls_kind kind, int cplx)
{
    struct ode_pattern op = { p->nnz, p->cp, p->ri };
    linsolve *ls;
    double *b = malloc(p->n * sizeof *b), *bi = malloc(p->n * sizeof *bi);
    double best = 1e30, alpha = 1.0;

    if (ls_new(p->n, &op, kind, cplx, &ls))
        return -1;
    /* The first factorisation (KLU's pivoting one) is not the steady state. */
    if (cplx ? ls_factor_complex(ls, alpha, 0.5, p->v) : ls_factor(ls, alpha, p->v))
        abort();
    for (int batch = 0; batch < 5; batch++) {
        long reps = 0;
        double t0 = now(), t;
        do {
            alpha = 1.0 + 1e-3 * (double)(reps % 7);
            for (size_t i = 0; i < p->n; i++)
                b[i] = bi[i] = 1.0;
            if (cplx) {
                if (ls_factor_complex(ls, alpha, 0.5, p->v) || ls_solve_complex(ls, b, bi))
                    abort();
            } else if (ls_factor(ls, alpha, p->v) || ls_solve(ls, b)) {
                abort();
            }
            reps++;
            t = now() - t0;
        } while (t < 0.02);
        if (t / (double)reps < best)
            best = t / (double)reps;
    }
    ls_free(ls);
    free(bi);
    free(b);
    return best * 1e6;
}

static void row(const char *name, const struct pat *p, size_t dense_max, int cplx)
{
    const enum ls_kind kinds[] = { LS_DENSE, LS_BAND, LS_SPARSE };
    struct ode_pattern op = { p->nnz, p->cp, p->ri };
    double us[3];

    for (int q = 0; q < 3; q++)
        us[q] = q == 0 && p->n > dense_max ? -1 : time_kind(p, kinds[q], cplx);
    printf("%-5s %7zu %9zu", name, p->n, p->nnz);
    for (int q = 0; q < 3; q++)
        if (us[q] < 0)
            printf(" %11s", "-");
        else
            printf(" %11.2f", us[q]);
    printf("  %-6s\n", ls_kind_name(ls_choose(p->n, &op)));
    fflush(stdout);
}

int main(int argc, char **argv)
{
    int cplx = argc > 1 && strcmp(argv[1], "complex") == 0;
    static const size_t n1[] = { 4, 8, 16, 32, 64, 128, 256, 1024, 10000 };
    static const size_t k2[] = { 3, 4, 6, 8, 11, 16, 23, 32, 45, 64, 90 };
    static const double fills[] = { 0.02, 0.05, 0.1, 0.2, 0.3, 0.5 };
    static const size_t nr[] = { 10, 20, 50, 200 };

    printf("%s arithmetic; us per factorisation + solve (fastest of 5 batches)\n",
           cplx ? "complex" : "real");
    printf("%-5s %7s %9s %11s %11s %11s  %s\n", "pat", "n", "nnz", "dense", "band", "sparse",
           "ls_choose");
    for (size_t q = 0; q < sizeof n1 / sizeof *n1; q++) {
        struct pat p = diff1d(n1[q], 1);
        row("1d", &p, 1024, cplx);
        pat_free(&p);
    }
    for (size_t q = 0; q < sizeof n1 / sizeof *n1; q++) {
        struct pat p = diff1d(n1[q], 2);
        row("1d2", &p, 1024, cplx);
        pat_free(&p);
    }
    for (size_t w = 1; w <= 8; w++) {
        struct pat p = diff1d(2000, w);
        row(w == 1 ? "1dw1" : w == 2 ? "1dw2" : w == 3 ? "1dw3" : w == 4 ? "1dw4" :
            w == 5 ? "1dw5" : w == 6 ? "1dw6" : w == 7 ? "1dw7" : "1dw8", &p, 0, cplx);
        pat_free(&p);
    }
    for (size_t q = 0; q < sizeof k2 / sizeof *k2; q++) {
        struct pat p = diff2d(k2[q]);
        row("2d", &p, 1100, cplx);
        pat_free(&p);
    }
    for (size_t m = 0; m < sizeof nr / sizeof *nr; m++)
        for (size_t q = 0; q < sizeof fills / sizeof *fills; q++) {
            struct pat p = random_pat(nr[m], fills[q]);
            row("rand", &p, 1024, cplx);
            pat_free(&p);
        }
    return 0;
}
