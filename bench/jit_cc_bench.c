/* jit_cc_bench.c - the system C compiler backend (--jit cc) against libtcc
 * and the interpreter: time to get a model ready and cost of one
 * right-hand-side call, on Lorenz, the peer problems pleiades and bruss1d
 * (../shared/bench/problems) and a generated 10,000-equation chain.  Also
 * checks that the three backends give the same bits.  Times are medians.
 *
 *   jit_cc_bench [PROBLEMS_DIR [CALL_SCALE [ONLY]]]
 *
 * PROBLEMS_DIR defaults to ../shared/bench/problems; CALL_SCALE (default 1)
 * multiplies the number of calls timed; ONLY names the one problem to run
 * (lorenz, pleiades, bruss1d, chain10000). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "codegen.h"
#include "interp.h"
#include "jit.h"
#include "testmodel.h"

enum { REPS = 7 };

enum backend { BK_INTERP, BK_TCC, BK_CC, N_BK };
static const char *const bk_name[N_BK] = { "interp", "tcc", "cc" };

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

struct built {
    struct ode_problem prob;
    jit *j;
    interp *ip;
};

static int build(const struct model *m, enum backend bk, struct built *b, char *err,
                 size_t errlen)
{
    memset(b, 0, sizeof *b);
    switch (bk) {
    case BK_INTERP: return interp_new(m, &b->ip, &b->prob);
    case BK_TCC: return jit_compile(m, &b->j, &b->prob, err, errlen);
    default: return jit_compile_cc(m, &b->j, &b->prob, err, errlen);
    }
}

static void unbuild(struct built *b)
{
    jit_free(b->j);
    interp_free(b->ip);
}

/* Median ms to build (codegen included for the compiled backends). */
static double time_build(const struct model *m, enum backend bk)
{
    /* gcc takes seconds on thousands of equations. */
    int builds = m->n_states > 1000 ? 3 : 9;
    double runs[9];
    char err[1024];
    for (int r = 0; r < builds; r++) {
        struct built b;
        double t0 = now();
        int rc = build(m, bk, &b, err, sizeof err);
        runs[r] = (now() - t0) * 1e3;
        if (rc) {
            fprintf(stderr, "%s build failed (%d): %s\n", bk_name[bk], rc, err);
            exit(1);
        }
        unbuild(&b);
    }
    return median(runs, builds);
}

/* ns per call, median of REPS runs; inputs change a little each call and
   the outputs are summed, so no call can be skipped. */
static double time_rhs(const struct ode_problem *prob, const double *y0,
                       const double *p, long calls, double *sink)
{
    size_t n = prob->n_states;
    double *y = malloc(n * sizeof *y), *dy = malloc(n * sizeof *dy);
    double runs[REPS], acc = 0;
    memcpy(y, y0, n * sizeof *y);
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

static void bench_model(const char *name, const struct model *m, long calls, double *sink)
{
    size_t n = m->n_states, np = m->n_params + m->n_derived;
    double *y = calloc(n, sizeof *y), *p = calloc(np + 1, sizeof *p);
    double *d[N_BK];
    struct built b[N_BK];
    char err[1024];
    for (size_t i = 0; i < n; i++)
        y[i] = m->states[i].init + 1e-3 * (double)(i % 5);
    for (size_t i = 0; i < m->n_params; i++)
        p[i] = m->params[i].value;
    printf("%s: %zu states, %zu intermediates, %ld calls x %d runs\n", name, n,
           m->n_inters, calls, REPS);
    double ns[N_BK], ms[N_BK];
    for (int k = 0; k < N_BK; k++) {
        ms[k] = time_build(m, (enum backend)k);
        if (build(m, (enum backend)k, &b[k], err, sizeof err)) {
            fprintf(stderr, "%s: %s\n", bk_name[k], err);
            exit(1);
        }
        if (b[k].prob.derive)
            b[k].prob.derive(b[k].prob.ctx, p);
        d[k] = calloc(n, sizeof *d[k]);
        b[k].prob.rhs(b[k].prob.ctx, 0.5, y, p, d[k]);
        ns[k] = time_rhs(&b[k].prob, y, p, calls, sink);
        printf("  %-6s build %8.2f ms   rhs %10.1f ns/call\n", bk_name[k], ms[k], ns[k]);
    }
    bool same = memcmp(d[BK_INTERP], d[BK_TCC], n * sizeof *y) == 0 &&
                memcmp(d[BK_INTERP], d[BK_CC], n * sizeof *y) == 0;
    printf("  rhs tcc/cc = %.2f   interp/cc = %.2f   results %s\n", ns[BK_TCC] / ns[BK_CC],
           ns[BK_INTERP] / ns[BK_CC], same ? "bit-identical" : "DIFFER");
    /* Calls after which cc's longer build has paid for itself. */
    double extra = ms[BK_CC] - ms[BK_TCC];
    if (ns[BK_TCC] > ns[BK_CC])
        printf("  cc pays off after %.0f calls\n", extra * 1e6 / (ns[BK_TCC] - ns[BK_CC]));
    for (int k = 0; k < N_BK; k++) {
        unbuild(&b[k]);
        free(d[k]);
    }
    free(y);
    free(p);
}

static struct model *load(const char *dir, const char *name)
{
    char path[1024];
    struct model *m;
    snprintf(path, sizeof path, "%s/%s/%s.ode", dir, name, name);
    if (check_load_file(path, stderr, &m)) {
        fprintf(stderr, "cannot load %s\n", path);
        return NULL;
    }
    return m;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "../shared/bench/problems";
    double scale = argc > 2 ? atof(argv[2]) : 1.0, sink = 0;
    const char *only = argc > 3 ? argv[3] : NULL;
    struct model *m;
    if (!only || strcmp(only, "lorenz") == 0) {
        m = tm_lorenz();
        bench_model("lorenz", m, (long)(1e7 * scale), &sink);
        model_free(m);
    }
    static const struct { const char *name; double calls; } peers[] = {
        { "pleiades", 2e6 }, { "bruss1d", 2e4 },
    };
    for (size_t i = 0; i < sizeof peers / sizeof peers[0]; i++) {
        if (only && strcmp(only, peers[i].name) != 0)
            continue;
        if (!(m = load(dir, peers[i].name)))
            return 1;
        bench_model(peers[i].name, m, (long)(peers[i].calls * scale) + 1, &sink);
        model_free(m);
    }
    if (!only || strcmp(only, "chain10000") == 0) {
        m = tm_chain(10000);
        bench_model("chain10000", m, (long)(2e3 * scale) + 1, &sink);
        model_free(m);
    }
    return sink == 42.0;   /* keeps the sums alive */
}
