/* fuzz_backend.c - libFuzzer harness for what runs after the checks: code
 * generation, the interpreter's compilation and evaluation, and (unless
 * ODESOLVE_FUZZ_JIT=0 is in the environment) libtcc compiling the generated
 * C, on every input that checks successfully.
 *
 * Both backends evaluate the right-hand side, aux outputs and derived
 * parameters at the model's initial point and at a second point; they must
 * agree bit for bit (NaNs of either sign count as equal, DESIGN.md
 * "Numbers").  The exact Jacobians df/dy and df/dp (lang/diff.c) are
 * formed for every model and checked the same way, bit for bit between
 * the backends, and against central differences where the model is
 * smooth enough there for them to mean something.  A difference, a JIT
 * compile error on a checked model, a crash or a sanitizer report is a
 * finding. */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "codegen.h"
#include "diff.h"
#include "interp.h"
#include "jit.h"
#include "model.h"
#include "problem.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;
static int use_jit = WITH_TCC;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *e = getenv("ODESOLVE_FUZZ_JIT");
    if (e && strcmp(e, "0") == 0)
        use_jit = 0;
    devnull = fopen("/dev/null", "w");
    if (!devnull)
        abort();
    return 0;
}

static void same_or_die(const char *what, size_t i, double a, double b)
{
    if ((isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0)
        return;
    fprintf(stderr, "backends differ: %s[%zu]: interpreter %.17g, jit %.17g\n",
            what, i, a, b);
    abort();
}

/* Evaluates prob at (t, y) into rhs[0..n_states) and aux[0..n_aux).
   Returns the first non-zero status of the calls. */
static int eval(const struct ode_problem *prob, double t, const double *y,
                const double *p, double *rhs, double *aux)
{
    int rc = prob->rhs(prob->ctx, t, y, p, rhs);
    if (prob->aux) {
        int arc = prob->aux(prob->ctx, t, y, p, aux);
        if (!rc)
            rc = arc;
    }
    return rc;
}

/* Everything the two backends produce from one model. */
struct result {
    double *p, *rhs, *aux, *jac, *jacp;
    int derive_rc, rc[2], jrc[2];
};

static int run_backend(const struct model *m, const struct ode_problem *prob,
                       const double *y0, const double *y1, struct result *r)
{
    size_t np = prob->n_params + prob->n_derived;
    /* With room for the Volterra slots (problem.h), 0 here. */
    r->p = calloc(np + prob->n_volterra + 1, sizeof *r->p);
    r->rhs = calloc(2 * prob->n_states + 1, sizeof *r->rhs);
    r->aux = calloc(2 * prob->n_aux + 1, sizeof *r->aux);
    if (!r->p || !r->rhs || !r->aux)
        return -1;
    for (size_t i = 0; i < m->n_params; i++)
        r->p[i] = m->params[i].value;
    r->derive_rc = prob->derive ? prob->derive(prob->ctx, r->p) : 0;
    r->rc[0] = eval(prob, 0.0, y0, r->p, r->rhs, r->aux);
    r->rc[1] = eval(prob, 1.5, y1, r->p, r->rhs + prob->n_states,
                    r->aux + prob->n_aux);
    size_t nj = prob->jac_pattern.nnz, np2 = prob->jacp_pattern.nnz;
    r->jac = calloc(2 * nj + 1, sizeof *r->jac);
    r->jacp = calloc(2 * np2 + 1, sizeof *r->jacp);
    if (!r->jac || !r->jacp)
        return -1;
    for (int k = 0; k < 2; k++) {
        double t = k ? 1.5 : 0.0;
        const double *y = k ? y1 : y0;
        r->jrc[k] = prob->jac ? prob->jac(prob->ctx, t, y, r->p, r->jac + k * nj) : 0;
        if (prob->jacp)
            r->jrc[k] |= prob->jacp(prob->ctx, t, y, r->p, r->jacp + k * np2);
    }
    return 0;
}

/* Exact df/dy at (t, y) against central differences of the interpreter's
   rhs, where f is smooth at this scale: the differences with steps h and
   h/2 agree with each other, and so do the one-sided ones (no kink: min,
   abs, if at a tie), the values are finite and moderate.  Models may be
   anything, so a disagreement of the differences themselves (a jump, a
   kink, a pole nearby) skips the entry rather than failing. */
static void jac_vs_fd(const struct ode_problem *prob, double t, const double *y,
                      const double *p, const double *f0, const double *val)
{
    size_t n = prob->n_states;
    const struct ode_pattern *pat = &prob->jac_pattern;
    double *yy = malloc((n + 1) * sizeof *yy), *f = malloc((4 * n + 1) * sizeof *f);
    if (!yy || !f || !pat->colptr)
        goto done;
    memcpy(yy, y, n * sizeof *yy);
    for (size_t c = 0; c < n && c < 16; c++) {
        double h = 1e-4 * fmax(1.0, fabs(y[c]));
        static const double step[4] = { 1, -1, 0.5, -0.5 };
        int bad = !isfinite(y[c]);
        for (int s = 0; s < 4 && !bad; s++) {
            yy[c] = y[c] + step[s] * h;
            bad = prob->rhs(prob->ctx, t, yy, p, f + (size_t)s * n) != 0;
        }
        yy[c] = y[c];
        if (bad)
            continue;
        size_t k = pat->colptr[c];
        for (size_t i = 0; i < n; i++) {
            bool in = k < pat->colptr[c + 1] && pat->rowind[k] == i;
            double e = in ? val[k++] : 0.0;
            double a = f[i], b = f[n + i], a2 = f[2 * n + i], b2 = f[3 * n + i];
            if (!in) {
                /* Outside the pattern f_i does not depend on y_c at all. */
                if (!(a == b && a2 == b2) && !(isnan(a) || isnan(b) || isnan(a2) || isnan(b2))) {
                    fprintf(stderr, "df%zu/dy%zu outside the pattern is not 0\n", i, c);
                    abort();
                }
                continue;
            }
            double d1 = (a - b) / (2 * h), d2 = (a2 - b2) / h;
            double fw = (a - f0[i]) / h, bw = (f0[i] - b) / h;
            double scale = fabs(d1) + fabs(d2) + fabs(e);
            if (!isfinite(d1) || !isfinite(d2) || !isfinite(e) || !isfinite(fw) ||
                !isfinite(bw) || scale > 1e8 ||
                fabs(d1 - d2) > 1e-3 * scale + 1e-8 * (1 + fabs(a)) ||
                fabs(fw - bw) > 1e-2 * scale + 1e-8 * (1 + fabs(a)))
                continue;
            double d = (4 * d2 - d1) / 3;
            if (fabs(e - d) > 1e-3 * scale + 1e-12 * fabs(a) / h + 1e-9) {
                fprintf(stderr, "df%zu/dy%zu = %.17g, differences %.17g\n", i, c, e, d);
                abort();
            }
        }
    }
done:
    free(f);
    free(yy);
}

static void result_free(struct result *r)
{
    free(r->jacp);
    free(r->jac);
    free(r->aux);
    free(r->rhs);
    free(r->p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = malloc(size ? size : 1);
    if (!src)
        return 0;
    if (size)
        memcpy(src, data, size);
    struct model *m = NULL;
    interp *ip = NULL;
    jit *jt = NULL;
    char *text = NULL;
    double *y0 = NULL, *y1 = NULL;
    struct result ri = { 0 }, rj = { 0 };
    struct ode_problem pi, pj;
    char err[1024];

    if (check_load_text("fuzz.ode", src, size, devnull, &m))
        goto done;
    /* Odd sizes evaluate every power by pow(), as --xpp does. */
    m->pow_calls = size % 2 != 0;
    if (diff_model(m, DIFF_JAC | DIFF_JACP, devnull) == ODE_EINVAL)
        abort();     /* a checked model is never malformed */
    if (codegen_c(m, &text))
        abort();     /* a checked model must always give C text */
    if (interp_new(m, &ip, &pi))
        abort();
    y0 = calloc(m->n_states, sizeof *y0);
    y1 = calloc(m->n_states, sizeof *y1);
    if (!y0 || !y1)
        goto done;
    for (size_t i = 0; i < m->n_states; i++) {
        y0[i] = m->states[i].init;
        y1[i] = 0.25 * (double)i - 1.0;
    }
    if (run_backend(m, &pi, y0, y1, &ri))
        goto done;
    if (pi.jac && ri.derive_rc == 0 && ri.jrc[1] == 0)
        jac_vs_fd(&pi, 1.5, y1, ri.p, ri.rhs + pi.n_states, ri.jac + pi.jac_pattern.nnz);
    if (!use_jit)
        goto done;
    if (jit_compile(m, &jt, &pj, err, sizeof err)) {
        fprintf(stderr, "jit_compile failed on a checked model: %s\n", err);
        abort();
    }
    if (pj.n_states != pi.n_states || pj.n_aux != pi.n_aux ||
        pj.n_params != pi.n_params || pj.n_derived != pi.n_derived)
        abort();
    if (run_backend(m, &pj, y0, y1, &rj))
        goto done;
    if (ri.derive_rc != rj.derive_rc || ri.rc[0] != rj.rc[0] ||
        ri.rc[1] != rj.rc[1])
        abort();
    for (size_t i = 0; i < pi.n_params + pi.n_derived; i++)
        same_or_die("p", i, ri.p[i], rj.p[i]);
    for (size_t i = 0; i < 2 * pi.n_states; i++)
        same_or_die("rhs", i, ri.rhs[i], rj.rhs[i]);
    for (size_t i = 0; i < 2 * pi.n_aux; i++)
        same_or_die("aux", i, ri.aux[i], rj.aux[i]);
    if (!pi.jac != !pj.jac || !pi.jacp != !pj.jacp ||
        pi.jac_pattern.nnz != pj.jac_pattern.nnz ||
        pi.jacp_pattern.nnz != pj.jacp_pattern.nnz || ri.jrc[0] != rj.jrc[0] ||
        ri.jrc[1] != rj.jrc[1])
        abort();
    for (size_t i = 0; i < 2 * pi.jac_pattern.nnz; i++)
        same_or_die("jac", i, ri.jac[i], rj.jac[i]);
    for (size_t i = 0; i < 2 * pi.jacp_pattern.nnz; i++)
        same_or_die("jacp", i, ri.jacp[i], rj.jacp[i]);
done:
    result_free(&rj);
    result_free(&ri);
    free(y1);
    free(y0);
    jit_free(jt);
    interp_free(ip);
    free(text);
    model_free(m);
    return 0;
}
