/* check_diff.c - exact derivatives (lang/diff.c): every built-in's
 * derivative against central differences, the piecewise rules, the
 * simplifications, patterns against the structural nonzeros, df/dy and
 * df/dp of every sample and benchmark model against finite differences,
 * and libtcc, the interpreter and the system compiler agreeing bit for
 * bit on them. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtins.h"
#include "check.h"
#include "codegen.h"
#include "diff.h"
#include "interp.h"
#include "jit.h"
#include "testbackend.h"
#include "testmodel.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* Uniform in [lo, hi) (xorshift64*). */
static double urand(double lo, double hi)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    uint64_t v = rng_state * 0x2545f4914f6cdd1dULL;
    return lo + (hi - lo) * ((double)(v >> 11) / 9007199254740992.0);
}

static struct model *load(const char *text)
{
    size_t n = strlen(text);
    char *src = malloc(n + 1);
    ck_assert_ptr_nonnull(src);
    memcpy(src, text, n + 1);
    struct model *m = NULL;
    int rc = check_load_text("t.ode", src, n, stderr, &m);
    ck_assert_msg(rc == 0, "model does not check (%d):\n%s", rc, text);
    return m;
}

/* J (n_states x ncols, row-major) from the pattern and values. */
static void dense(const struct ode_pattern *pat, size_t ncols, const double *val,
                  size_t n, double *J)
{
    memset(J, 0, n * ncols * sizeof *J);
    for (size_t c = 0; c < ncols; c++)
        for (size_t k = pat->colptr[c]; k < pat->colptr[c + 1]; k++)
            J[pat->rowind[k] * ncols + c] = val[k];
}

/* Central differences of rhs by column `c` of y (or of the user parameter
   c, recomputing the derived ones, when by_param), with one Richardson
   step (steps h and h/2): error O(h^4), so poles nearby (arenstorf's
   moon at 0.006) stay far beyond the step.  Exactly 0 when f_i does not
   change at all. */
static void fd_column(const struct ode_problem *pb, double t, const double *y,
                      const double *p, size_t c, bool by_param, double *col)
{
    size_t n = pb->n_states, np = pb->n_params + pb->n_derived;
    double *yy = malloc((n + 1) * sizeof *yy);
    double *pp = calloc(np + pb->n_volterra + 1, sizeof *pp);
    double *f = malloc((4 * n + 1) * sizeof *f);
    ck_assert(yy && pp && f);
    memcpy(yy, y, n * sizeof *yy);
    if (np > 0)
        memcpy(pp, p, np * sizeof *pp);
    double x0 = by_param ? p[c] : y[c];
    /* A parameter keeps its sign (vdp's eps = 1e-6 divides). */
    double h = 1e-4 * (by_param && x0 != 0 ? fabs(x0) : fmax(1e-2, fabs(x0)));
    static const double step[4] = { 1, -1, 0.5, -0.5 };
    for (int s = 0; s < 4; s++) {
        double xv = x0 + step[s] * h;
        if (by_param) {
            pp[c] = xv;
            if (pb->derive)
                ck_assert_int_eq(pb->derive(pb->ctx, pp), 0);
        } else {
            yy[c] = xv;
        }
        ck_assert_int_eq(pb->rhs(pb->ctx, t, yy, pp, f + (size_t)s * n), 0);
    }
    for (size_t i = 0; i < n; i++) {
        double a = f[i], b = f[n + i], a2 = f[2 * n + i], b2 = f[3 * n + i];
        double d1 = (a - b) / (2 * h), d2 = (a2 - b2) / h;
        col[i] = a == b && a2 == b2 ? 0.0 : (4 * d2 - d1) / 3;
    }
    free(f);
    free(pp);
    free(yy);
}

/* Exact against central differences at (t, y, p) on the columns `cols`
   (all when NULL): close inside the pattern, exactly 0 outside it. */
static void against_fd(const char *what, const struct ode_problem *pb, bool by_param,
                       double t, const double *y, const double *p, const size_t *cols,
                       size_t ncheck)
{
    const struct ode_pattern *pat = by_param ? &pb->jacp_pattern : &pb->jac_pattern;
    ode_jac_fn fn = by_param ? pb->jacp : pb->jac;
    size_t n = pb->n_states, ncols = by_param ? pb->n_params : n;
    double *val = calloc(pat->nnz + 1, sizeof *val), *J = calloc(n * ncols + 1, sizeof *J);
    double *col = calloc(n + 1, sizeof *col), *f = calloc(n + 1, sizeof *f);
    ck_assert(val && J && col && f);
    ck_assert_int_eq(fn(pb->ctx, t, y, p, val), 0);
    ck_assert_int_eq(pb->rhs(pb->ctx, t, y, p, f), 0);
    dense(pat, ncols, val, n, J);
    for (size_t q = 0; q < (cols ? ncheck : ncols); q++) {
        size_t c = cols ? cols[q] : q;
        fd_column(pb, t, y, p, c, by_param, col);
        for (size_t i = 0; i < n; i++) {
            double e = J[i * ncols + c], d = col[i];
            bool in = false;
            for (size_t k = pat->colptr[c]; k < pat->colptr[c + 1]; k++)
                in |= pat->rowind[k] == i;
            if (!in) {
                ck_assert_msg(d == 0.0, "%s: (%zu, %zu) outside the pattern, fd %g",
                              what, i, c, d);
                continue;
            }
            double x0 = by_param ? p[c] : y[c];
            double tol = 1e-6 * (fabs(e) + fabs(d)) +
                         1e-9 * (1 + fabs(f[i])) / fmax(1e-3, fabs(x0)) + 1e-12;
            ck_assert_msg(fabs(e - d) <= tol, "%s: d f%zu / d %s%zu = %.17g, fd %.17g",
                          what, i, by_param ? "p" : "y", c, e, d);
        }
    }
    free(f);
    free(col);
    free(J);
    free(val);
}

/* The interpreter's and libtcc's values agree bit for bit. */
static void backends_agree(const char *what, struct tb *b, bool by_param, double t,
                           const double *y, const double *p)
{
    if (!b->have_jit)
        return;
    const struct ode_pattern *pat = by_param ? &b->pi.jacp_pattern : &b->pi.jac_pattern;
    ode_jac_fn fi = by_param ? b->pi.jacp : b->pi.jac;
    ode_jac_fn fj = by_param ? b->pj.jacp : b->pj.jac;
    ck_assert_msg(fi && fj, "%s: a backend lacks the Jacobian", what);
    double *vi = calloc(pat->nnz + 1, sizeof *vi), *vj = calloc(pat->nnz + 1, sizeof *vj);
    ck_assert(vi && vj);
    ck_assert_int_eq(fi(b->pi.ctx, t, y, p, vi), 0);
    ck_assert_int_eq(fj(b->pj.ctx, t, y, p, vj), 0);
    for (size_t k = 0; k < pat->nnz; k++)
        ck_assert_msg(tm_same(vi[k], vj[k]), "%s: value %zu: interp %a, tcc %a", what, k,
                      vi[k], vj[k]);
    free(vj);
    free(vi);
}

static double *params_of(const struct model *m, const struct ode_problem *pb)
{
    /* With room for the Volterra slots (problem.h), 0 here. */
    double *p = calloc(m->n_params + m->n_derived + pb->n_volterra + 1, sizeof *p);
    ck_assert_ptr_nonnull(p);
    for (size_t i = 0; i < m->n_params; i++)
        p[i] = m->params[i].value;
    if (pb->derive)
        ck_assert_int_eq(pb->derive(pb->ctx, p), 0);
    return p;
}

/* Where each built-in is smooth and FD is meaningful: arguments in [lo, hi). */
static void domain(const char *name, double *lo, double *hi)
{
    *lo = -2.0;
    *hi = 2.0;
    if (!strcmp(name, "asin") || !strcmp(name, "acos")) {
        *lo = -0.9;
        *hi = 0.9;
    } else if (!strcmp(name, "ln") || !strcmp(name, "log") || !strcmp(name, "log10") ||
               !strcmp(name, "sqrt") || !strcmp(name, "pow")) {
        *lo = 0.2;
        *hi = 3.0;
    } else if (!strcmp(name, "tan")) {
        *lo = -1.2;
        *hi = 1.2;
    }
}

/* Away from kinks and jumps by more than the difference step. */
static bool smooth_at(const char *name, double a, double b)
{
    if (fabs(a) < 1e-2)
        return false;
    if (!strcmp(name, "mod") || !strcmp(name, "flr") || !strcmp(name, "ceil")) {
        double q = !strcmp(name, "mod") ? a / b : a;
        return fabs(q - nearbyint(q)) > 1e-2 && fabs(b) > 0.1;
    }
    if (!strcmp(name, "min") || !strcmp(name, "max"))
        return fabs(a - b) > 1e-2;
    return true;
}

START_TEST(diff_each_builtin_matches_central_differences)
{
    char text[256];
    for (int i = 0; i < builtin_count(); i++) {
        const struct builtin *bi = builtin_at(i);
        if (bi->arity == 1)
            snprintf(text, sizeof text, "x' = %s(x)\ny' = 0\n", bi->name);
        else
            snprintf(text, sizeof text, "x' = %s(x, y)\ny' = %s(y, x)\n", bi->name, bi->name);
        struct model *m = load(text);
        ck_assert_int_eq(diff_model(m, DIFF_JAC, stderr), 0);
        ck_assert_ptr_nonnull(m->jac);
        ck_assert_ptr_nonnull(m->jac->val);
        struct tb b;
        TB_NEW_OK(m, &b);
        double lo, hi;
        domain(bi->name, &lo, &hi);
        for (int k = 0; k < 40; k++) {
            double y[2] = { urand(lo, hi), urand(lo, hi) };
            if (!smooth_at(bi->name, y[0], y[1]) || !smooth_at(bi->name, y[1], y[0]))
                continue;
            against_fd(bi->name, &b.pi, false, 0.0, y, NULL, NULL, 0);
            backends_agree(bi->name, &b, false, 0.0, y, NULL);
        }
        tb_free(&b);
        model_free(m);
    }
}
END_TEST

/* The values at y of the 1-row Jacobian of `rhs` over x, y (zeros where the
   pattern has none), via the interpreter; also checks tcc agrees. */
static void row_at(const char *rhs, double x, double y, double out[2])
{
    char text[256];
    snprintf(text, sizeof text, "x' = %s\ny' = 0\n", rhs);
    struct model *m = load(text);
    ck_assert_int_eq(diff_model(m, DIFF_JAC, stderr), 0);
    struct tb b;
    TB_NEW_OK(m, &b);
    double yy[2] = { x, y }, val[8] = { 0 }, J[4];
    ck_assert_uint_le(b.pi.jac_pattern.nnz, 8);
    ck_assert_int_eq(b.pi.jac(b.pi.ctx, 0.0, yy, NULL, val), 0);
    backends_agree(rhs, &b, false, 0.0, yy, NULL);
    dense(&b.pi.jac_pattern, 2, val, 2, J);
    out[0] = J[0];
    out[1] = J[1];
    tb_free(&b);
    model_free(m);
}

START_TEST(diff_piecewise_rules)
{
    double d[2];
    row_at("heav(x - 1)", 2.0, 0.0, d);
    ck_assert(d[0] == 0.0 && d[1] == 0.0);
    row_at("abs(x)", -2.0, 0.0, d);
    ck_assert(d[0] == -1.0);
    row_at("abs(x)", 3.0, 0.0, d);
    ck_assert(d[0] == 1.0);
    row_at("sign(x) + flr(x) + ceil(x) + (x > y) + not(x)", 1.5, 0.2, d);
    ck_assert(d[0] == 0.0 && d[1] == 0.0);
    row_at("min(x, y)", 1.0, 2.0, d);
    ck_assert(d[0] == 1.0 && d[1] == 0.0);
    row_at("min(x, y)", 3.0, 2.0, d);
    ck_assert(d[0] == 0.0 && d[1] == 1.0);
    row_at("max(2*x, y)", 1.0, 3.0, d);
    ck_assert(d[0] == 0.0 && d[1] == 1.0);
    row_at("max(2*x, y)", 4.0, 3.0, d);
    ck_assert(d[0] == 2.0 && d[1] == 0.0);
    row_at("if(x > 0) then(x*x) else(3*y)", 2.0, 1.0, d);
    ck_assert(d[0] == 4.0 && d[1] == 0.0);
    row_at("if(x > 0) then(x*x) else(3*y)", -1.0, 1.0, d);
    ck_assert(d[0] == 0.0 && d[1] == 3.0);
    /* The branch not taken is not evaluated: no NaN from sqrt(-1). */
    row_at("if(x > 0) then(sqrt(x)) else(0)", -1.0, 0.0, d);
    ck_assert(d[0] == 0.0);
    row_at("mod(x, y)", 7.5, 2.0, d);
    ck_assert(d[0] == 1.0 && d[1] == -3.0);
}
END_TEST

START_TEST(diff_simplifies_without_folding_nan)
{
    double d[2];
    /* x*0 is not 0 when x is infinite. */
    row_at("x*(y*0)", 1.0, INFINITY, d);
    ck_assert(isnan(d[0]));
    row_at("x*(y*0)", INFINITY, 1.0, d);
    ck_assert(isnan(d[1]));
    row_at("x*(y*0)", 2.0, 3.0, d);
    ck_assert(d[0] == 0.0 && d[1] == 0.0);

    struct model *m = load("x' = x - x + 0*2 + y*1 + 0\ny' = (x + 0)*1 + 6*y\n");
    ck_assert_int_eq(diff_model(m, DIFF_JAC, stderr), 0);
    /* Structural zeros are dropped: d(x - x)/dx folds to 0. */
    const struct model_jac *J = m->jac;
    ck_assert_uint_eq(J->nnz, 3);
    ck_assert_uint_eq(J->colptr[1], 1);           /* column x: row y only */
    ck_assert_uint_eq(J->rowind[0], 1);
    char *text = NULL;
    ck_assert_int_eq(codegen_c(m, &text), 0);
    ck_assert_ptr_nonnull(strstr(text, "val[0] = 1.0;"));
    ck_assert_ptr_nonnull(strstr(text, "val[1] = 1.0;"));
    ck_assert_ptr_nonnull(strstr(text, "val[2] = 6.0;"));
    free(text);
    model_free(m);
}
END_TEST

START_TEST(diff_chain_pattern_is_the_structural_nonzeros)
{
    size_t n = 50;
    struct model *m = tm_chain(n);
    ck_assert_int_eq(diff_model(m, DIFF_JAC | DIFF_JACP, stderr), 0);
    const struct model_jac *J = m->jac;
    ck_assert_uint_eq(J->nnz, 3 * n);
    for (size_t c = 0; c < n; c++) {
        size_t want[3] = { (c + n - 1) % n, c, (c + 1) % n };
        for (int a = 0; a < 3; a++)
            for (int b2 = a + 1; b2 < 3; b2++)
                if (want[b2] < want[a]) {
                    size_t tmp = want[a];
                    want[a] = want[b2];
                    want[b2] = tmp;
                }
        ck_assert_uint_eq(J->colptr[c + 1] - J->colptr[c], 3);
        for (int k = 0; k < 3; k++)
            ck_assert_uint_eq(J->rowind[J->colptr[c] + k], want[k]);
    }
    ck_assert_uint_eq(m->jacp->nnz, n);
    struct tb b;
    TB_NEW_OK(m, &b);
    double *y = calloc(n, sizeof *y), *p = params_of(m, &b.pi);
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < n; i++)
            y[i] = urand(-2, 2);
        against_fd("chain", &b.pi, false, 0.0, y, p, NULL, 0);
        against_fd("chain p", &b.pi, true, 0.0, y, p, NULL, 0);
        backends_agree("chain", &b, false, 0.0, y, p);
        backends_agree("chain p", &b, true, 0.0, y, p);
    }
    free(p);
    free(y);
    tb_free(&b);
    model_free(m);
}
END_TEST

/* Every construct of the language at once, intermediates and derived
   parameters included. */
static const char *const texts[] = {
    "par k=2, c=-0.5, e=3\n"
    "!k2 = k*k + c\n"
    "!k3 = k2/e\n"
    "init x=0.3, y=-1.2, z=4\n"
    "f(u, w) = if(u > w) then(u - w) else(mod(w, 1.5) ** 2)\n"
    "g(u) = f(u, k3) + t*c + k*u^3\n"
    "h(a1,a2,a3,a4,a5,a6,a7,a8,a9) = a1 - a2*a3 + a4/a5 + max(a6, a7)*min(a8, a9)\n"
    "r = sqrt(x^2 + y^2)\n"
    "s = (r >= 1 & x < y) | not(z == 4)\n"
    "q = r*exp(-r) + k2*x\n"
    "x' = -x*k3 + g(y) + s + q^2\n"
    "y' = atan2(y, x) - exp(-r)*sign(x) + flr(z) - ceil(c) + q/r\n"
    "z' = h(x, y, z, r, 1 + z^2, t, -t, ln(1 + r), log10(2 + r)) + pow(abs(y), 0.5)"
    " + x^k + k^z\n"
    "aux rr = r\n"
    "done\n",

    "par a=0.5\n"
    "init x=1.2, y=0.8\n"
    "r = (x^2 + y^2)^1.5\n"
    "x' = -x/r + x^-1 + (x+a)^-1.5 + y^0.5 + (y+1)^-0.5 + x**3 - (x*y)^4\n"
    "y' = -y/r + (x+y)^1.5 + x^1 + (x-y)^0.5 + (x+y)^-2 + x^-3 + y^-4 + y^2.5 + a^2*y\n"
    "done\n",

    /* Sums over the elements of arrays through shift(), of states,
       intermediates and parameters, with i' elsewhere in the operand and
       states read directly inside the sum. */
    "par a=0.3, beta=0.7, w[0..3]=0.5\n"
    "init u[0..3]=0.4, z=0.2\n"
    "g[0..3] = u[j]^2 + z\n"
    "s = sum(0,3)of(shift(g0,i')*sin(z - i'/2))\n"
    "u[0..3]' = -u[j] + tanh(a*sum(0,3)of(cos(beta*([j]-i'))*shift(u0,i')))\n"
    "z' = s - z*sum(1,3)of(shift(w0,i')*shift(u0,i'-1)*i') + sum(0,2)of(z*i')\n"
    "done\n",

    /* Functions calling functions: derivatives stay linear in size. */
    "par w=1.1\n"
    "f0(u) = sin(w*u) + u\n"
    "f1(u) = f0(u)*f0(u) + w\n"
    "f2(u) = f1(f1(u)/4)\n"
    "f3(u) = f2(u) + f2(u)*0.5\n"
    "f4(u) = f3(u)/(1 + f3(u)^2)\n"
    "init x=0.4, y=0.2\n"
    "x' = f4(x) - y\n"
    "y' = f4(y + f4(x))\n"
    "done\n",
};

static void model_against_fd(const char *what, struct model *m, bool with_cc)
{
    ck_assert_int_eq(diff_model(m, DIFF_JAC | DIFF_JACP, stderr), 0);
    ck_assert_msg(m->jac && m->jac->val, "%s: no symbolic Jacobian", what);
    struct tb b;
    TB_NEW_OK(m, &b);
    size_t n = m->n_states, ncheck = n < 24 ? n : 24;
    double *y = calloc(n + 1, sizeof *y), *p = params_of(m, &b.pi);
    size_t *cols = calloc(ncheck + 1, sizeof *cols);
    ck_assert(y && cols);
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < n; i++) {
            double y0 = m->states[i].init;
            /* Within 1% of the initial state: arenstorf's 10% could land
               next to the moon, where central differences lose digits. */
            y[i] = y0 * (1 + urand(-0.01, 0.01)) + urand(-0.005, 0.005) * (y0 == 0 ? 1e-3 : 1);
        }
        for (size_t q = 0; q < ncheck; q++)
            cols[q] = n == ncheck ? q : (size_t)urand(0, (double)n);
        double t = urand(0, 1);
        against_fd(what, &b.pi, false, t, y, p, cols, ncheck);
        backends_agree(what, &b, false, t, y, p);
        if (m->jacp && m->jacp->val && m->n_params > 0) {
            against_fd(what, &b.pi, true, t, y, p, NULL, 0);
            backends_agree(what, &b, true, t, y, p);
        }
        if (!with_cc || k > 0)
            continue;
        jit *jc = NULL;
        struct ode_problem pc;
        char err[512];
        ck_assert_msg(jit_compile_cc(m, &jc, &pc, err, sizeof err) == 0, "%s: %s", what, err);
        ck_assert(pc.jac != NULL);
        double *vi = calloc(b.pi.jac_pattern.nnz + 1, sizeof *vi);
        double *vc = calloc(b.pi.jac_pattern.nnz + 1, sizeof *vc);
        ck_assert_int_eq(b.pi.jac(b.pi.ctx, t, y, p, vi), 0);
        ck_assert_int_eq(pc.jac(pc.ctx, t, y, p, vc), 0);
        ck_assert_uint_eq(pc.jac_pattern.nnz, b.pi.jac_pattern.nnz);
        for (size_t q = 0; q < b.pi.jac_pattern.nnz; q++)
            ck_assert_msg(tm_same(vi[q], vc[q]), "%s: value %zu: interp %a, cc %a", what, q,
                          vi[q], vc[q]);
        free(vc);
        free(vi);
        jit_free(jc);
    }
    free(cols);
    free(p);
    free(y);
    tb_free(&b);
}

START_TEST(diff_texts_match_finite_differences_on_every_backend)
{
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct model *m = load(texts[i]);
        char what[32];
        snprintf(what, sizeof what, "text %zu", i);
        model_against_fd(what, m, true);
        ck_assert_msg(m->jacp && m->jacp->val, "%s: no symbolic df/dp", what);
        model_free(m);
    }
}
END_TEST

static int visit_file(const char *path)
{
    struct model *m = NULL;
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    fclose(f);
    ck_assert_int_eq(tm_load_model(path, &m), 0);
    model_against_fd(path, m, m->n_states <= 64);
    model_free(m);
    return 1;
}

START_TEST(diff_sample_and_bench_models_match_finite_differences)
{
    ck_assert_int_ge(tm_for_model_files(visit_file), 8);
}
END_TEST

START_TEST(diff_derived_parameters_by_the_chain_rule)
{
    struct model *m = load("par a=2, b=3\n!k = a*b\n!k2 = k^2 + a\ninit x=1.5\n"
                           "x' = k2*x + b\ndone\n");
    ck_assert_int_eq(diff_model(m, DIFF_JACP, stderr), 0);
    ck_assert_ptr_null(m->jac);
    struct tb b;
    TB_NEW_OK(m, &b);
    double *p = params_of(m, &b.pi), y = 1.5, val[2];
    ck_assert_uint_eq(b.pi.jacp_pattern.nnz, 2);
    ck_assert_int_eq(b.pi.jacp(b.pi.ctx, 0.0, &y, p, val), 0);
    /* d/da (a^2 b^2 + a) x = (2 a b^2 + 1) x; d/db = 2 a^2 b x + 1. */
    ck_assert_double_eq_tol(val[0], (2 * 2 * 9 + 1) * 1.5, 1e-12);
    ck_assert_double_eq_tol(val[1], 2 * 4 * 3 * 1.5 + 1, 1e-12);
    backends_agree("derived", &b, true, 0.0, &y, p);
    free(p);
    tb_free(&b);
    model_free(m);
}
END_TEST

/* A derived parameter is computed at t = 0; one that reads t through a
   function keeps df/dp to finite differences, df/dy stays exact. */
START_TEST(diff_derived_parameter_reading_t_keeps_only_the_pattern)
{
    struct model *m = load("par a=2\nf(u) = u + t\n!k = f(a)\nx' = k*x*a\n");
    char *notes = NULL;
    size_t len = 0;
    FILE *nf = open_memstream(&notes, &len);
    ck_assert_ptr_nonnull(nf);
    ck_assert_int_eq(diff_model(m, DIFF_JAC | DIFF_JACP, nf), 0);
    fclose(nf);
    ck_assert_ptr_nonnull(strstr(notes, "note: df/dp cannot be formed symbolically"));
    free(notes);
    ck_assert_ptr_nonnull(m->jac->val);
    ck_assert_ptr_null(m->jacp->val);
    ck_assert_uint_eq(m->jacp->nnz, 1);
    model_free(m);
}
END_TEST

START_TEST(diff_enormous_derivative_gets_a_note_and_a_pattern)
{
    /* 20 equations of sin nested 900 deep: each derivative is a product of
       900 cosines of ever shorter nests, about 400,000 nodes as a tree. */
    size_t ns = 20, depth = 900, cap = ns * (depth * 5 + 32) + 1;
    char *text = malloc(cap), *at = text;
    ck_assert_ptr_nonnull(text);
    for (size_t i = 0; i < ns; i++) {
        at += sprintf(at, "x%zu' = ", i);
        for (size_t k = 0; k < depth; k++)
            at += sprintf(at, "sin(");
        at += sprintf(at, "x%zu", (i + 1) % ns);
        for (size_t k = 0; k < depth; k++)
            *at++ = ')';
        *at++ = '\n';
    }
    *at = '\0';
    struct model *m = load(text);
    free(text);
    char *notes = NULL;
    size_t len = 0;
    FILE *nf = open_memstream(&notes, &len);
    ck_assert_ptr_nonnull(nf);
    size_t nf0 = m->n_funcs;
    ck_assert_int_eq(diff_model(m, DIFF_JAC, nf), 0);
    fclose(nf);
    ck_assert_ptr_nonnull(strstr(notes, "note: the Jacobian would be too large"));
    free(notes);
    ck_assert_ptr_nonnull(m->jac);
    ck_assert_ptr_null(m->jac->val);
    ck_assert_uint_eq(m->n_funcs, nf0);
    ck_assert_uint_eq(m->jac->nnz, ns);
    for (size_t c = 0; c < ns; c++)
        ck_assert_uint_eq(m->jac->rowind[c], (c + ns - 1) % ns);
    /* The backends build f and the pattern, no values. */
    interp *ip = NULL;
    struct ode_problem pb;
    ck_assert_int_eq(interp_new(m, &ip, &pb), 0);
    ck_assert(pb.jac == NULL);
    ck_assert_uint_eq(pb.jac_pattern.nnz, ns);
    interp_free(ip);
    model_free(m);
}
END_TEST

START_TEST(diff_patterns_outlive_the_model)
{
    struct model *m = tm_lorenz();
    ck_assert_int_eq(diff_model(m, DIFF_JAC, NULL), 0);
    struct tb b;
    TB_NEW_OK(m, &b);
    model_free(m);
    double y[3] = { 1, 2, 3 }, p[3] = { 10, 28, 8.0 / 3 }, val[8];
    ck_assert_uint_eq(b.pi.jac_pattern.nnz, 8);
    ck_assert_int_eq(b.pi.jac(b.pi.ctx, 0.0, y, p, val), 0);
    /* Column x: -s, r - z, y; column y: s, -1, x; column z: -x, -b. */
    double want[8] = { -10, 25, 2, 10, -1, 1, -1, -8.0 / 3 };
    for (int k = 0; k < 8; k++)
        ck_assert_double_eq(val[k], want[k]);
    if (b.have_jit) {
        ck_assert_uint_eq(b.pj.jac_pattern.nnz, 8);
        ck_assert_uint_eq(b.pj.jac_pattern.rowind[6], 1);
        backends_agree("lorenz", &b, false, 0.0, y, p);
    }
    tb_free(&b);
}
END_TEST

static Suite *diff_suite(void)
{
    Suite *s = suite_create("diff");
    TCase *tc = tcase_create("diff");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, diff_each_builtin_matches_central_differences);
    tcase_add_test(tc, diff_piecewise_rules);
    tcase_add_test(tc, diff_simplifies_without_folding_nan);
    tcase_add_test(tc, diff_chain_pattern_is_the_structural_nonzeros);
    tcase_add_test(tc, diff_texts_match_finite_differences_on_every_backend);
    tcase_add_test(tc, diff_sample_and_bench_models_match_finite_differences);
    tcase_add_test(tc, diff_derived_parameters_by_the_chain_rule);
    tcase_add_test(tc, diff_derived_parameter_reading_t_keeps_only_the_pattern);
    tcase_add_test(tc, diff_enormous_derivative_gets_a_note_and_a_pattern);
    tcase_add_test(tc, diff_patterns_outlive_the_model);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(diff_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
