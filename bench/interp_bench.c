/* interp_bench.c - the two backends side by side: cost of a right-hand side
 * call (JIT vs interpreter) and cost of getting a model ready (codegen, tcc
 * compile and relocate; interpreter bytecode).  Models are built in memory
 * (tests/unit/testmodel.h), so no parser is needed.  Times are medians.
 *
 *   interp_bench [calls]      default 10^7 Lorenz calls per backend */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codegen.h"
#include "interp.h"
#include "jit.h"
#include "testmodel.h"

enum { CHAIN_N = 10000, REPS = 5 };

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

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* ns per call of prob->rhs, median of REPS runs of `calls` calls.  The
   inputs change a little each call and the outputs are summed, so no call
   can be skipped. */
static double time_rhs(const struct ode_problem *prob, long calls, const double *p,
                       double *sink)
{
    size_t n = prob->n_states;
    double *y = malloc(n * sizeof *y), *dy = malloc(n * sizeof *dy);
    double runs[REPS], acc = 0;
    for (size_t i = 0; i < n; i++)
        y[i] = 1.0 + 0.01 * (double)i;
    for (int r = 0; r < REPS; r++) {
        double t0 = now();
        for (long k = 0; k < calls; k++) {
            y[0] += 1e-12;
            prob->rhs(prob->ctx, 0.0, y, p, dy);
            acc += dy[n - 1];
        }
        runs[r] = (now() - t0) / (double)calls * 1e9;
    }
    *sink += acc;
    free(dy);
    free(y);
    return median(runs, REPS);
}

/* Median ms of `reps` jit_compile (which includes codegen) or interp_new. */
static double time_build(const struct model *m, bool use_jit, int reps)
{
    double *runs = malloc((size_t)reps * sizeof *runs);
    char err[512];
    for (int r = 0; r < reps; r++) {
        struct ode_problem prob;
        jit *j = NULL;
        interp *ip = NULL;
        double t0 = now();
        int rc = use_jit ? jit_compile(m, &j, &prob, err, sizeof err)
                         : interp_new(m, &ip, &prob);
        runs[r] = (now() - t0) * 1e3;
        if (rc) {
            fprintf(stderr, "build failed (%d): %s\n", rc, use_jit ? err : "");
            exit(1);
        }
        jit_free(j);
        interp_free(ip);
    }
    double med = median(runs, reps);
    free(runs);
    return med;
}

static double time_codegen(const struct model *m, int reps)
{
    double *runs = malloc((size_t)reps * sizeof *runs);
    for (int r = 0; r < reps; r++) {
        char *text;
        double t0 = now();
        if (codegen_c(m, &text)) {
            fprintf(stderr, "codegen failed\n");
            exit(1);
        }
        runs[r] = (now() - t0) * 1e3;
        free(text);
    }
    double med = median(runs, reps);
    free(runs);
    return med;
}

int main(int argc, char **argv)
{
    long calls = argc > 1 ? atol(argv[1]) : 10000000L;
    double sink = 0;
    char err[512];
    struct ode_problem pj, pi;
    jit *j;
    interp *ip;

    struct model *lor = tm_lorenz();
    double lp[3] = { 10, 28, 8.0 / 3.0 };
    if (jit_compile(lor, &j, &pj, err, sizeof err) || interp_new(lor, &ip, &pi)) {
        fprintf(stderr, "lorenz: %s\n", err);
        return 1;
    }
    double tj = time_rhs(&pj, calls, lp, &sink);
    double ti = time_rhs(&pi, calls, lp, &sink);
    printf("Lorenz RHS, %ld calls x %d runs (median):\n", calls, REPS);
    printf("  jit     %7.2f ns/call\n  interp  %7.2f ns/call\n", tj, ti);
    printf("  interp/jit = %.2f  (bar: <= 5)\n", ti / tj);
    jit_free(j);
    interp_free(ip);

    printf("Lorenz build (median of 51):\n");
    printf("  codegen             %8.3f ms\n", time_codegen(lor, 51));
    printf("  jit_compile (all)   %8.3f ms  (bar: < 5)\n", time_build(lor, true, 51));
    printf("  interp_new          %8.3f ms\n", time_build(lor, false, 51));
    model_free(lor);

    struct model *ch = tm_chain(CHAIN_N);
    printf("%d-equation chain build (median of 9):\n", CHAIN_N);
    printf("  codegen             %8.3f ms\n", time_codegen(ch, 9));
    printf("  jit_compile (all)   %8.3f ms  (bar: < 100)\n", time_build(ch, true, 9));
    printf("  interp_new          %8.3f ms\n", time_build(ch, false, 9));
    double cp[1] = { 0.5 };
    if (jit_compile(ch, &j, &pj, err, sizeof err) || interp_new(ch, &ip, &pi)) {
        fprintf(stderr, "chain: %s\n", err);
        return 1;
    }
    long ccalls = calls / CHAIN_N * 10 + 1;
    double cj = time_rhs(&pj, ccalls, cp, &sink);
    double ci = time_rhs(&pi, ccalls, cp, &sink);
    printf("%d-equation chain RHS, %ld calls (median):\n", CHAIN_N, ccalls);
    printf("  jit     %9.1f us/call\n  interp  %9.1f us/call\n  interp/jit = %.2f\n",
           cj / 1e3, ci / 1e3, ci / cj);
    jit_free(j);
    interp_free(ip);
    model_free(ch);
    return sink == 42.0;   /* keeps the sums alive */
}
