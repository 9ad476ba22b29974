/* jac_bench.c - what the exact Jacobian (lang/diff.c) costs: time to
 * differentiate, time for libtcc to compile f alone and f with J, the size
 * of their C text, and one J call against one f call, on Lorenz, a
 * generated 10,000-equation chain (also as a model file, with arrays and
 * written out: array10000, long10000) and the peer problems
 * (../shared/bench/problems).  Also checks that libtcc and the interpreter
 * give J the same bits.  Times are medians of the thread's CPU time.
 *
 *   jac_bench [PROBLEMS_DIR [ONLY]] */
#define _DEFAULT_SOURCE   /* getloadavg */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "codegen.h"
#include "diff.h"
#include "interp.h"
#include "jit.h"
#include "testmodel.h"

enum { REPS = 9 };

/* CPU time of this thread: the machine is shared, and a compile that
   loses its core for a while would otherwise count the wait. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
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

/* Median ms of jit_compile (codegen included). */
static double time_tcc(const struct model *m)
{
    double runs[REPS];
    char err[1024];
    for (int r = 0; r < REPS; r++) {
        jit *j;
        struct ode_problem p;
        double t0 = now();
        if (jit_compile(m, &j, &p, err, sizeof err)) {
            fprintf(stderr, "jit_compile failed: %s\n", err);
            exit(1);
        }
        runs[r] = (now() - t0) * 1e3;
        jit_free(j);
    }
    return median(runs, REPS);
}

static size_t text_len(const struct model *m)
{
    char *text = NULL;
    if (codegen_c(m, &text))
        exit(1);
    size_t n = strlen(text);
    free(text);
    return n;
}

/* ns per call of fn (rhs or jac), median of REPS runs. */
static double time_call(ode_jac_fn fn, const struct ode_problem *p, const double *y0,
                        const double *par, double *out, long calls, double *sink)
{
    size_t n = p->n_states;
    double *y = malloc(n * sizeof *y), runs[REPS];
    memcpy(y, y0, n * sizeof *y);
    for (int r = 0; r < REPS; r++) {
        double t0 = now();
        for (long k = 0; k < calls; k++) {
            y[0] += 1e-12;
            fn(p->ctx, 0.0, y, par, out);
            *sink += out[0];
        }
        runs[r] = (now() - t0) / (double)calls * 1e9;
    }
    free(y);
    return median(runs, REPS);
}

static void bench(const char *name, struct model *(*make)(const char *, const char *),
                  const char *dir, double *sink)
{
    struct model *m0 = make(dir, name), *m1 = make(dir, name);
    if (!m0 || !m1)
        exit(1);
    double runs[REPS];
    for (int r = 0; r < REPS; r++) {
        double t0 = now();
        if (diff_model(m1, DIFF_JAC, stderr))
            exit(1);
        runs[r] = (now() - t0) * 1e3;
    }
    double t_diff = median(runs, REPS);
    double t_f = time_tcc(m0), t_fj = time_tcc(m1);
    size_t len_f = text_len(m0), len_fj = text_len(m1);

    jit *j;
    interp *ip;
    struct ode_problem pj, pi;
    char err[1024];
    if (jit_compile(m1, &j, &pj, err, sizeof err) || interp_new(m1, &ip, &pi) || !pj.jac) {
        fprintf(stderr, "%s: no Jacobian: %s\n", name, err);
        exit(1);
    }
    size_t n = m1->n_states, nnz = pj.jac_pattern.nnz;
    double *y = calloc(n, sizeof *y), *p = calloc(m1->n_params + m1->n_derived + 1, sizeof *p);
    double *f = calloc(n, sizeof *f), *vj = calloc(nnz + 1, sizeof *vj);
    double *vi = calloc(nnz + 1, sizeof *vi);
    for (size_t i = 0; i < n; i++)
        y[i] = m1->states[i].init + 1e-3 * (double)(i % 5);
    for (size_t i = 0; i < m1->n_params; i++)
        p[i] = m1->params[i].value;
    if (pj.derive)
        pj.derive(pj.ctx, p);
    pj.jac(pj.ctx, 0.5, y, p, vj);
    pi.jac(pi.ctx, 0.5, y, p, vi);
    bool same = memcmp(vj, vi, nnz * sizeof *vj) == 0;
    long calls = (long)(2e7 / (double)(nnz + n)) + 1;
    double ns_f = time_call(pj.rhs, &pj, y, p, f, calls, sink);
    double ns_j = time_call(pj.jac, &pj, y, p, vj, calls, sink);
    printf("%-10s %5zu states %6zu nnz  diff %6.2f ms  tcc: f %6.2f ms, f+J %6.2f ms"
           " (J %6.2f ms = %4.2f f)  text: f %7zu, J %7zu bytes  call: f %7.0f ns, J %7.0f ns"
           " (%4.2f f)  tcc/interp %s\n",
           name, n, nnz, t_diff, t_f, t_fj, t_fj - t_f, (t_fj - t_f) / t_f, len_f,
           len_fj - len_f, ns_f, ns_j, ns_j / ns_f, same ? "bit-identical" : "DIFFER");
    free(vi);
    free(vj);
    free(f);
    free(p);
    free(y);
    interp_free(ip);
    jit_free(j);
    model_free(m1);
    model_free(m0);
}

static struct model *make_lorenz(const char *dir, const char *name)
{
    (void)dir;
    (void)name;
    return tm_lorenz();
}

static struct model *make_chain(const char *dir, const char *name)
{
    (void)dir;
    (void)name;
    return tm_chain(10000);
}

/* The 10,000-cell diffusion chain as a model file: with arrays
   (lang/array.c: one loop) or written out cell by cell. */
static struct model *make_text_chain(const char *dir, const char *name)
{
    enum { N = 10000 };
    (void)dir;
    size_t cap = 64 * (size_t)N + 256, len = 0;
    char *src = malloc(cap);
    struct model *m;
    if (!src)
        return NULL;
    if (!strcmp(name, "array10000")) {
        len = (size_t)snprintf(src, cap, "par d=1\nu0' = d*(u1 - u0)\n"
                               "u[1..%d]' = d*(u[j-1] - 2*u[j] + u[j+1])\n"
                               "u%d' = d*(u%d - u%d)\n", N - 1, N, N - 1, N);
    } else {
        len = (size_t)snprintf(src, cap, "par d=1\nu0' = d*(u1 - u0)\n");
        for (int j = 1; j < N; j++)
            len += (size_t)snprintf(src + len, cap - len,
                                    "u%d' = d*(u%d - 2*u%d + u%d)\n", j, j - 1, j, j + 1);
        len += (size_t)snprintf(src + len, cap - len, "u%d' = d*(u%d - u%d)\n", N, N - 1, N);
    }
    if (check_load_text(name, src, len, stderr, &m))
        return NULL;
    return m;
}

static struct model *make_peer(const char *dir, const char *name)
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
    double la[3];
    if (getloadavg(la, 3) == 3)
        printf("load average before the run: %.2f %.2f %.2f; CPU times, medians of %d\n", la[0],
               la[1], la[2], REPS);
    const char *dir = argc > 1 ? argv[1] : "../shared/bench/problems";
    const char *only = argc > 2 ? argv[2] : NULL;
    double sink = 0;
    if (!only || !strcmp(only, "lorenz"))
        bench("lorenz", make_lorenz, dir, &sink);
    if (!only || !strcmp(only, "chain10000"))
        bench("chain10000", make_chain, dir, &sink);
    if (!only || !strcmp(only, "array10000"))
        bench("array10000", make_text_chain, dir, &sink);
    if (!only || !strcmp(only, "long10000"))
        bench("long10000", make_text_chain, dir, &sink);
    static const char *const peers[] = { "rober", "vdp", "hires", "orego", "pleiades",
                                         "bruss1d", "bruss2d" };
    for (size_t i = 0; i < sizeof peers / sizeof peers[0]; i++)
        if (!only || !strcmp(only, peers[i]))
            bench(peers[i], make_peer, dir, &sink);
    return sink == 42.0;   /* keeps the sums alive */
}
