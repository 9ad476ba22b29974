/* check_jit_cc.c - the system C compiler backend (--jit cc): the same bits
 * as the interpreter on every expression kind, built-in, random trees, deep
 * nesting, hostile names and the models users run; messages for a missing
 * or failing compiler; no library behind the object; no file left behind.
 *
 * The tests that need a compiler return early when `cc` does not run. */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtins.h"
#include "check.h"
#include "codegen.h"
#include "interp.h"
#include "jit.h"
#include "testmodel.h"

/* Same bits, or both NaN: C compilers keep neither NaN signs nor payloads,
   so those are not part of the backends' contract (see interp.h). */
static bool same(double a, double b)
{
    uint64_t x, y;
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    memcpy(&x, &a, sizeof x);
    memcpy(&y, &b, sizeof y);
    return x == y;
}

static bool have_cc(void)
{
    static int known = -1;
    if (known < 0)
        known = system("cc --version >/dev/null 2>&1") == 0;
    return known;
}

/* The variables a test changes, put back at its end so that the tests
   also run one after the other in one process (CK_FORK=no, valgrind). */
static const char *const env_names[] = { "ODESOLVE_CC", "TMPDIR", "PATH",
                                          "ODESOLVE_CACHE_DIR" };
enum { N_ENV = sizeof env_names / sizeof env_names[0] };
static char *env_saved[N_ENV];

static void env_save(void)
{
    for (int i = 0; i < N_ENV; i++) {
        const char *v = getenv(env_names[i]);
        env_saved[i] = v ? strdup(v) : NULL;
    }
}

static void env_restore(void)
{
    for (int i = 0; i < N_ENV; i++) {
        if (env_saved[i])
            setenv(env_names[i], env_saved[i], 1);
        else
            unsetenv(env_names[i]);
        free(env_saved[i]);
        env_saved[i] = NULL;
    }
}

/* A model built by the interpreter and by the system compiler. */
struct pair {
    interp *ip;
    jit *j;
    struct ode_problem pi, pc;
    char err[2048];
};

static void pair_new(const struct model *m, struct pair *b)
{
    memset(b, 0, sizeof *b);
    ck_assert_int_eq(interp_new(m, &b->ip, &b->pi), 0);
    int rc = jit_compile_cc(m, &b->j, &b->pc, b->err, sizeof b->err);
    ck_assert_msg(rc == 0, "jit_compile_cc failed (%d): %s", rc, b->err);
    ck_assert(b->pc.ctx == NULL);
    ck_assert_uint_eq(b->pc.n_states, b->pi.n_states);
    ck_assert_uint_eq(b->pc.n_aux, b->pi.n_aux);
    ck_assert((b->pc.aux == NULL) == (b->pi.aux == NULL));
    ck_assert((b->pc.derive == NULL) == (b->pi.derive == NULL));
}

static void pair_free(struct pair *b)
{
    jit_free(b->j);
    interp_free(b->ip);
}

/* rhs, and aux when there is one, of both backends at (t, y, p): same bits
   on every output. */
static void agree_at(struct pair *b, double t, const double *y, const double *p,
                     const char *what)
{
    size_t n = b->pi.n_states, na = b->pi.n_aux;
    double *di = calloc(n + na + 1, sizeof *di), *dc = calloc(n + na + 1, sizeof *dc);
    ck_assert_int_eq(b->pi.rhs(b->pi.ctx, t, y, p, di), 0);
    ck_assert_int_eq(b->pc.rhs(b->pc.ctx, t, y, p, dc), 0);
    if (na > 0) {
        ck_assert_int_eq(b->pi.aux(b->pi.ctx, t, y, p, di + n), 0);
        ck_assert_int_eq(b->pc.aux(b->pc.ctx, t, y, p, dc + n), 0);
    }
    for (size_t i = 0; i < n + na; i++)
        ck_assert_msg(same(di[i], dc[i]), "%s: %s %zu at t=%a: interp %a, cc %a", what,
                      i < n ? "dydt" : "aux", i < n ? i : i - n, t, di[i], dc[i]);
    free(di);
    free(dc);
}

/* Inputs that exercise signs, zeros, subnormals, overflow and NaN. */
static const double grid[] = {
    0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 0.1, 1e300, -1e-300, 5e-324,
    INFINITY, -INFINITY, NAN, 2.0, 1e-8,
};
enum { NGRID = sizeof grid / sizeof grid[0] };

START_TEST(jit_cc_lorenz_matches_plain_c)
{
    if (!have_cc())
        return;
    struct model *m = tm_lorenz();
    struct ode_problem p;
    jit *j;
    char err[512];
    ck_assert_int_eq(jit_compile_cc(m, &j, &p, err, sizeof err), 0);
    ck_assert_str_eq(err, "");
    model_free(m);   /* the compiled problem does not need the model */
    ck_assert(p.ctx == NULL && p.aux == NULL && p.derive == NULL);
    ck_assert_uint_eq(p.n_states, 3);
    ck_assert_uint_eq(p.n_params, 3);
    ck_assert_str_eq(p.state_names[2], "z");
    ck_assert_int_eq(p.state_lines[1], 5);
    double par[3] = { 10, 28, 8.0 / 3.0 };
    for (int k = 0; k < 50; k++) {
        double y[3] = { sin(k), cos(3.0 * k) * 20, k * 0.7 }, d[3];
        ck_assert_int_eq(p.rhs(p.ctx, 0, y, par, d), 0);
        ck_assert(same(d[0], par[0] * (y[1] - y[0])));
        ck_assert(same(d[1], y[0] * (par[1] - y[2]) - y[1]));
        ck_assert(same(d[2], y[0] * y[1] - par[2] * y[2]));
    }
    /* Parameters are read at each call. */
    double y[3] = { 1, 2, 3 }, d[3];
    par[0] = -4;
    ck_assert_int_eq(p.rhs(p.ctx, 0, y, par, d), 0);
    ck_assert(d[0] == -4);
    jit_free(j);
}
END_TEST

static double r_not(double a, double b) { (void)b; return a == 0.0 ? 1.0 : 0.0; }
static double r_sq(double a, double b) { (void)b; return a * a; }
static double r_lt(double a, double b) { return a < b ? 1.0 : 0.0; }
static double r_eq(double a, double b) { return a == b ? 1.0 : 0.0; }
static double r_and(double a, double b) { return a != 0.0 && b != 0.0 ? 1.0 : 0.0; }
static double r_or(double a, double b) { return a != 0.0 || b != 0.0 ? 1.0 : 0.0; }
static double r_if(double a, double b) { return a != 0.0 ? b : -b; }
static double r_subn(double a, double b) { (void)b; return a * 1e-310; }

/* Every kind as an aux output, then every built-in: against the
   interpreter everywhere on the grid, and against plain C where the
   reference is exact, which also ties each symbol to its function. */
START_TEST(jit_cc_every_kind_and_builtin_agree_with_interp)
{
    if (!have_cc())
        return;
    static const struct {
        const char *sx;
        double (*ref)(double a, double b);
    } kinds[] = {
        { "t", NULL }, { "p0", NULL }, { "(neg y0)", NULL }, { "(not y0)", r_not },
        { "(+ y0 y1)", NULL }, { "(- y0 y1)", NULL }, { "(* y0 y1)", NULL },
        { "(/ y0 y1)", NULL }, { "(^ y0 2)", r_sq }, { "(^ y0 y1)", NULL },
        { "(^ y0 3)", NULL }, { "(^ (+ y0 y1) 2)", NULL }, { "(^ y0 0.5)", NULL },
        { "(< y0 y1)", r_lt }, { "(<= y0 y1)", NULL }, { "(> y0 y1)", NULL },
        { "(>= y0 y1)", NULL }, { "(== y0 y1)", r_eq }, { "(!= y0 y1)", NULL },
        { "(& y0 y1)", r_and }, { "(| y0 y1)", r_or }, { "(if y0 y1 (neg y1))", r_if },
        { "(+ y0 -1.5)", NULL }, { "(* y0 1e-310)", r_subn },
        { "(* (- y0 t) (+ p0 y1))", NULL }, { "(+ (neg y0) (* y1 y1))", NULL },
        { "(- (* y0 y1) (* y0 y1))", NULL }, { "(+ (* y0 0) (- 0 y1))", NULL },
        { "(+ y0 -0.0)", NULL }, { "(* y0 -1)", NULL }, { "(/ 0 0)", NULL },
        { "nan", NULL }, { "inf", NULL }, { "-inf", NULL },
    };
    enum { NK = sizeof kinds / sizeof kinds[0] };
    int nb = builtin_count();
    struct model *m = tm_new("kinds.ode", NULL, NK + (size_t)nb);
    struct pair b;
    char sx[64];
    tm_param(m, "q", -3.5);
    tm_state(m, "u", 0, "0", 1);
    tm_state(m, "w", 0, "(* y0 y1)", 2);
    for (int k = 0; k < NK; k++)
        tm_aux(m, "k", kinds[k].sx, k + 3);
    for (int i = 0; i < nb; i++) {
        const struct builtin *f = builtin_at(i);
        snprintf(sx, sizeof sx, f->arity == 1 ? "(%s y0)" : "(%s y0 y1)", f->name);
        tm_aux(m, f->name, sx, NK + i + 3);
    }
    pair_new(m, &b);
    double out[2 + NK + 64], p[1] = { -3.5 };
    ck_assert_int_le(nb, 64);
    for (int i = 0; i < NGRID; i++)
        for (int j = 0; j < NGRID; j++) {
            double y[2] = { grid[i], grid[j] };
            agree_at(&b, 0.25, y, p, "kinds");
            ck_assert_int_eq(b.pc.aux(b.pc.ctx, 0.25, y, p, out), 0);
            for (int k = 0; k < NK; k++)
                if (kinds[k].ref)
                    ck_assert_msg(same(out[k], kinds[k].ref(y[0], y[1])), "%s at (%a, %a)",
                                  kinds[k].sx, y[0], y[1]);
            for (int k = 0; k < nb; k++) {
                const struct builtin *f = builtin_at(k);
                double want = f->arity == 1 ? f->fn.f1(y[0]) : f->fn.f2(y[0], y[1]);
                ck_assert_msg(same(out[NK + k], want), "%s(%a, %a): got %a, want %a",
                              f->name, y[0], y[1], out[NK + k], want);
            }
        }
    double y[2] = { 100.0, 3.0 };
    ck_assert_int_eq(b.pc.aux(b.pc.ctx, 0, y, p, out), 0);
    ck_assert(out[NK + builtin_index(builtin_find("log10"))] == 2.0);
    ck_assert(out[NK + builtin_index(builtin_find("mod"))] == 1.0);
    ck_assert(out[NK + builtin_index(builtin_find("min"))] == 3.0);
    pair_free(&b);
    model_free(m);
}
END_TEST

/* Random expression trees over every kind. */
static unsigned long long rng = 0x243f6a8885a308d3ULL;

static unsigned rnd(unsigned n)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((rng >> 33) % n);
}

struct gen {
    char s[1 << 16];
    size_t len;
    int nargs;            /* > 0 inside a user function: leaves a<i> */
    int ufuncs, inters;
};

static void gput(struct gen *g, const char *s)
{
    size_t n = strlen(s);
    ck_assert(g->len + n < sizeof g->s);
    memcpy(g->s + g->len, s, n + 1);
    g->len += n;
}

static void gen_tree(struct gen *g, int depth)
{
    static const char *consts[] = { "0", "-0.0", "2", "0.5", "-1.25", "1e300", "nan",
                                    "inf", "3", "1e-310", "7" };
    static const char *ops[] = { "+", "-", "*", "/", "^", "<", "<=", ">", ">=", "==",
                                 "!=", "&", "|" };
    char tmp[32];
    if (depth == 0 || rnd(4) == 0) {
        unsigned k = rnd(5);
        if (k == 0)
            snprintf(tmp, sizeof tmp, "%s", consts[rnd(sizeof consts / sizeof consts[0])]);
        else if (k == 1)
            snprintf(tmp, sizeof tmp, "%s", rnd(2) ? "t" : rnd(2) ? "p0" : "p1");
        else if (g->nargs > 0)
            snprintf(tmp, sizeof tmp, "a%u", rnd((unsigned)g->nargs));
        else if (k == 2 && g->inters > 0)
            snprintf(tmp, sizeof tmp, "v%u", rnd((unsigned)g->inters));
        else
            snprintf(tmp, sizeof tmp, "y%u", rnd(3));
        gput(g, tmp);
        return;
    }
    unsigned k = rnd(10), n = 0;
    gput(g, "(");
    if (k < 5) {
        gput(g, ops[rnd(sizeof ops / sizeof ops[0])]);
        n = 2;
    } else if (k == 5) {
        gput(g, rnd(2) ? "neg" : "not");
        n = 1;
    } else if (k == 6) {
        gput(g, "if");
        n = 3;
    } else if (k == 7 && g->ufuncs > 0) {
        unsigned u = rnd((unsigned)g->ufuncs);
        snprintf(tmp, sizeof tmp, "u%u", u);
        gput(g, tmp);
        n = u == 0 ? 2 : 1;
    } else {
        const struct builtin *b = builtin_at((int)rnd((unsigned)builtin_count()));
        gput(g, b->name);
        n = (unsigned)b->arity;
    }
    for (unsigned i = 0; i < n; i++) {
        gput(g, " ");
        gen_tree(g, depth - 1);
    }
    gput(g, ")");
}

static const char *gen_expr(struct gen *g, int depth)
{
    g->len = 0;
    g->s[0] = '\0';
    gen_tree(g, depth);
    return g->s;
}

static double rand_value(void)
{
    if (rnd(3) == 0)
        return grid[rnd(NGRID)];
    return ((double)rnd(2000001) - 1000000.0) / (double)(1u << rnd(24));
}

START_TEST(jit_cc_random_trees_agree_with_interp)
{
    if (!have_cc())
        return;
    enum { NAUX = 300, NPTS = 60 };
    static struct gen g;
    struct model *m = tm_new("random.ode", NULL, NAUX);
    struct pair b;
    tm_param(m, "a", 0.3);
    tm_param(m, "b", -2);
    g.nargs = 2;
    tm_func(m, "f", 2, gen_expr(&g, 4), 0);
    g.nargs = 1;
    g.ufuncs = 1;
    tm_func(m, "h", 1, gen_expr(&g, 4), 0);
    g.nargs = 0;
    g.ufuncs = 2;
    tm_inter(m, "r0", gen_expr(&g, 5), 1);
    g.inters = 1;
    tm_inter(m, "r1", gen_expr(&g, 5), 2);
    g.inters = 2;
    for (int i = 0; i < 3; i++)
        tm_state(m, "x", 0, gen_expr(&g, 6), 3 + i);
    for (int i = 0; i < NAUX; i++)
        tm_aux(m, "o", gen_expr(&g, 1 + i % 8), 10 + i);
    char *text;
    ck_assert_int_eq(codegen_c_link(m, CODEGEN_LINK_POINTERS, &text, NULL), 0);
    ck_assert(strstr(text, "cg_aux_c1(t, y, p, v, out);") != NULL);   /* cut */
    free(text);
    pair_new(m, &b);
    for (int k = 0; k < NPTS; k++) {
        double y[3] = { rand_value(), rand_value(), rand_value() };
        double p[2] = { rand_value(), rand_value() };
        agree_at(&b, rand_value(), y, p, "random trees");
    }
    pair_free(&b);
    model_free(m);
}
END_TEST

/* Nesting as deep as the checker allows and beyond. */
START_TEST(jit_cc_deep_nesting_agrees_with_interp)
{
    if (!have_cc())
        return;
    static const char *open[] = { "(+ y0 ", "(if (> y1 0) ", "(atan2 y1 ", "(u0 y0 ", "(- " };
    static const char *close[] = { ")", " y1)", ")", ")", " 0.5)" };
    const int depth = 2000;
    size_t cap = (size_t)depth * 16 + 16, n = 0;
    char *s = malloc(cap);
    for (int i = 0; i < depth; i++)
        n += (size_t)snprintf(s + n, cap - n, "%s", open[i % 5]);
    n += (size_t)snprintf(s + n, cap - n, "y0");
    for (int i = depth - 1; i >= 0; i--)
        n += (size_t)snprintf(s + n, cap - n, "%s", close[i % 5]);
    struct model *m = tm_new("deep.ode", NULL, 2);
    struct pair b;
    tm_func(m, "f", 2, "(- (* a0 0.5) a1)", 0);
    tm_state(m, "x", 0, s, 1);
    tm_state(m, "y", 0, "0", 2);
    pair_new(m, &b);
    for (int i = 0; i < NGRID; i++) {
        double y[2] = { grid[i], 0.3 };
        agree_at(&b, 1, y, NULL, "deep");
    }
    pair_free(&b);
    model_free(m);
    free(s);
}
END_TEST

START_TEST(jit_cc_hostile_names_agree_with_interp)
{
    if (!have_cc())
        return;
    static const char *states[] = {
        "system", "main", "__asm__", "int", "return", "x*/ evil(); /*", "a\"b",
        "#define", "back\\slash", "dydt", "cg_rhs", "os_sin", "cg_p_sin", "cg_bind",
    };
    enum { NS = sizeof states / sizeof states[0] };
    struct model *m = tm_new("../dir/ev\"il\n#x y.ode", NULL, NS);
    struct pair b;
    char sx[64];
    tm_param(m, "exit", 2);
    tm_param(m, "printf", 3);
    tm_derived(m, "getenv", "(* p0 p1)", 0);
    tm_func(m, "malloc", 1, "(+ a0 p0)", 0);
    tm_func(m, "__builtin_trap", 0, "(* t p2)", 0);
    tm_inter(m, "abort", "(+ y0 (u1))", 3);
    tm_inter(m, "goto", "(* v0 (sin y1))", 4);
    for (int i = 0; i < NS; i++) {
        snprintf(sx, sizeof sx, "(- (u0 v1) y%d)", i);
        tm_state(m, states[i], i, sx, 10 + i);
    }
    tm_aux(m, "free", "v0", 30);
    pair_new(m, &b);
    model_free(m);
    double y[NS], p[3] = { 2, 3, 0 }, q[3] = { 2, 3, 0 };
    for (int i = 0; i < NS; i++)
        y[i] = 0.25 * i - 1;
    ck_assert_int_eq(b.pi.derive(b.pi.ctx, p), 0);
    ck_assert_int_eq(b.pc.derive(b.pc.ctx, q), 0);
    ck_assert(p[2] == 6 && q[2] == 6);
    agree_at(&b, 0.5, y, p, "hostile");
    ck_assert_str_eq(b.pc.state_names[5], "x*/ evil(); /*");
    ck_assert_str_eq(b.pc.aux_names[0], "free");
    pair_free(&b);
}
END_TEST

/* Models written in the language, through the checker: texts that use
   every construct, the repository's samples and the peer benchmark
   problems (pleiades, the 2000-equation Brusselators) when ../shared is
   there. */
static const char *const texts[] = {
    "par k=2, c=-0.5, e=3\n"
    "!k2 = k*k + c\n"
    "!k3 = k2/e\n"
    "init x=0.3, y=-1.2, z=4\n"
    "f(u, w) = if(u > w) then(u - w) else(mod(w, 1.5) ** 2)\n"
    "g(u) = f(u, k3) + t*c\n"
    "h(a1,a2,a3,a4,a5,a6,a7,a8,a9) = a1 - a2*a3 + a4/a5 + max(a6, a7)*min(a8, a9)\n"
    "r = sqrt(x^2 + y^2)\n"
    "s = (r >= 1 & x < y) | not(z == 4)\n"
    "x' = -x*k3 + g(y) + s\n"
    "y' = atan2(y, x) - exp(-r)*sign(x) + flr(z) - ceil(c)\n"
    "z' = h(x, y, z, r, 1 + z^2, t, -t, ln(1 + r), log10(2 + r)) + pow(abs(y), 0.5)\n"
    "aux rr = r\n"
    "aux ss = s != 0\n"
    "done\n",

    "par a=0.7, b=0.8, eps=0.08\n"
    "init v=-1, w=1\n"
    "v' = v - v^3/3 - w + I(t)\n"
    "w' = eps*(v + a - b*w)\n"
    "I(t) = 0.5*heav(t-10) + sin(t)*cos(t)/cosh(t) - tanh(t)*sinh(t/9)\n"
    "aux e = v^2 + w^2 + tan(v) + asin(w/9) + acos(v/9) + atan(w)\n"
    "done\n",
};

static void agree_on_model(struct model *m, const char *what)
{
    struct pair b;
    size_t n = m->n_states, np = m->n_params + m->n_derived;
    /* With room for the Volterra slots (problem.h), 0 here. */
    size_t nv = m->n_kernels + 1;
    double *y = calloc(n + 1, sizeof *y), *p = calloc(np + nv, sizeof *p);
    double *q = calloc(np + nv, sizeof *q);
    pair_new(m, &b);
    for (size_t i = 0; i < m->n_params; i++)
        p[i] = q[i] = m->params[i].value;
    if (m->n_derived > 0) {
        ck_assert_int_eq(b.pi.derive(b.pi.ctx, p), 0);
        ck_assert_int_eq(b.pc.derive(b.pc.ctx, q), 0);
        for (size_t i = 0; i < np; i++)
            ck_assert_msg(same(p[i], q[i]), "%s: derived p[%zu]", what, i);
    }
    for (int k = 0; k < 8; k++) {
        for (size_t i = 0; i < n; i++)
            y[i] = m->states[i].init * (1 + 0.125 * k) + (k > 4 ? sin((double)(i + k)) : 0);
        agree_at(&b, k == 0 ? 0.0 : 3.7 * k - 11, y, p, what);
    }
    pair_free(&b);
    free(y);
    free(p);
    free(q);
}

static int load_and_agree(const char *path)
{
    struct model *m;
    if (access(path, R_OK) != 0)
        return 0;
    ck_assert_msg(tm_load_model(path, &m) == 0, "%s does not load", path);
    agree_on_model(m, path);
    model_free(m);
    return 1;
}

START_TEST(jit_cc_parsed_models_agree_with_interp)
{
    if (!have_cc())
        return;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct model *m;
        char *src = strdup(texts[i]);
        ck_assert_int_eq(check_load_text("text.ode", src, strlen(src), stderr, &m), 0);
        agree_on_model(m, texts[i]);
        model_free(m);
    }
    int files = tm_for_model_files(load_and_agree);
    fprintf(stderr, "jit_cc_parsed_models_agree_with_interp: %d model files\n", files);
}
END_TEST

/* More intermediates than fit on the stack (static storage) and a body
   long enough to be cut into several functions. */
START_TEST(jit_cc_big_model_is_cut_and_agrees)
{
    if (!have_cc())
        return;
    enum { N = 1500, NI = 8400 };
    struct model *m = tm_new("big.ode", NULL, NI);
    struct pair b;
    char sx[96];
    tm_param(m, "c", 0.5);
    for (int i = 0; i < N; i++) {
        snprintf(sx, sizeof sx, "(+ (neg y%d) (* (* p0 y%d) (sin y%d)))", i,
                 (i + N - 1) % N, (i + 1) % N);
        tm_state(m, "x", 0, sx, i + 2);
    }
    for (int i = 0; i < NI; i++) {
        if (i == 0)
            snprintf(sx, sizeof sx, "(* y0 2)");
        else
            snprintf(sx, sizeof sx, "(+ v%d (* 0.5 y%d))", i - 1, i % N);
        tm_inter(m, "r", sx, 1);
    }
    m->states[0].rhs = tm_x(m, "(- v8399 y0)");
    char *text;
    ck_assert_int_eq(codegen_c_link(m, CODEGEN_LINK_POINTERS, &text, NULL), 0);
    ck_assert(strstr(text, "static double v[8400];") != NULL);
    ck_assert(strstr(text, "cg_rhs_c3(t, y, p, v, dydt);") != NULL);
    free(text);
    pair_new(m, &b);
    double *y = malloc(N * sizeof *y), p[1] = { 0.5 };
    for (int i = 0; i < N; i++)
        y[i] = cos(0.1 * i);
    agree_at(&b, 0, y, p, "big");
    double v = y[0] * 2, d[N];
    for (int i = 1; i < NI; i++)
        v = v + 0.5 * y[i % N];
    ck_assert_int_eq(b.pc.rhs(b.pc.ctx, 0, y, p, d), 0);
    ck_assert(same(d[0], v - y[0]));
    free(y);
    pair_free(&b);
    model_free(m);
}
END_TEST

/* Objects loaded side by side keep their own built-in pointers, and one
   outlives the other. */
START_TEST(jit_cc_objects_are_independent)
{
    if (!have_cc())
        return;
    struct model *ma = tm_new("a.ode", NULL, 1), *mb = tm_new("b.ode", NULL, 1);
    tm_state(ma, "x", 0, "(sin y0)", 1);
    tm_state(mb, "x", 0, "(cos y0)", 1);
    struct ode_problem pa, pb, pa2;
    jit *ja, *jb, *ja2;
    ck_assert_int_eq(jit_compile_cc(ma, &ja, &pa, NULL, 0), 0);
    ck_assert_int_eq(jit_compile_cc(mb, &jb, &pb, NULL, 0), 0);
    ck_assert_int_eq(jit_compile_cc(ma, &ja2, &pa2, NULL, 0), 0);
    ck_assert(pa.rhs != pa2.rhs);   /* a second object, not the first again */
    double y = 0.7, da, db;
    ck_assert_int_eq(pa.rhs(NULL, 0, &y, NULL, &da), 0);
    ck_assert_int_eq(pb.rhs(NULL, 0, &y, NULL, &db), 0);
    ck_assert(same(da, sin(0.7)) && same(db, cos(0.7)));
    jit_free(ja);
    ck_assert_int_eq(pb.rhs(NULL, 0, &y, NULL, &db), 0);
    ck_assert_int_eq(pa2.rhs(NULL, 0, &y, NULL, &da), 0);
    ck_assert(same(da, sin(0.7)) && same(db, cos(0.7)));
    jit_free(jb);
    jit_free(ja2);
    model_free(ma);
    model_free(mb);
}
END_TEST

static char *replace(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    ck_assert_msg(at != NULL, "'%s' not in the text", from);
    size_t n = strlen(text) - strlen(from) + strlen(to), k = (size_t)(at - text);
    char *out = malloc(n + 1);
    memcpy(out, text, k);
    strcpy(out + k, to);
    strcat(out, at + strlen(from));
    return out;
}

/* The pointer text declares no external function: built-ins are static
   pointers behind static stubs, set by cg_bind; a text edited the same
   way through jit_compile_cc_text is the same program. */
START_TEST(jit_cc_text_has_no_external_builtin)
{
    if (!have_cc())
        return;
    struct model *m = tm_lorenz();
    tm_aux(m, "e", "(+ (sin y0) (atan2 y1 y2))", 7);
    char *text, *sym;
    ck_assert_int_eq(codegen_c_link(m, CODEGEN_LINK_POINTERS, &text, NULL), 0);
    ck_assert_int_eq(codegen_c_link(m, CODEGEN_LINK_SYMBOLS, &sym, NULL), 0);
    ck_assert(strstr(sym, "\ndouble os_sin(double);") != NULL);
    ck_assert(strstr(text, "\ndouble os_") == NULL);
    ck_assert(strstr(text, "\nstatic double (*cg_p_sin)(double);") != NULL);
    ck_assert(strstr(text, "cg_p_atan2 = f2[") != NULL);
    ck_assert(strstr(text, "#include") == NULL);
    struct ode_problem p;
    jit *j;
    char err[512];
    ck_assert_int_eq(jit_compile_cc_text(m, text, &j, &p, err, sizeof err), 0);
    double y[3] = { 0.5, -2, 3 }, par[3] = { 10, 28, 8.0 / 3.0 }, e;
    ck_assert_int_eq(p.aux(p.ctx, 0, y, par, &e), 0);
    ck_assert(same(e, sin(0.5) + atan2(-2, 3)));
    jit_free(j);
    /* It is clean C: no warning with every warning an error. */
    env_save();
    setenv("ODESOLVE_CC", "cc -Wall -Wextra -pedantic -Werror", 1);
    ck_assert_msg(jit_compile_cc_text(m, text, &j, &p, err, sizeof err) == 0, "%s", err);
    env_restore();
    jit_free(j);
    free(sym);
    free(text);
    model_free(m);
}
END_TEST

START_TEST(jit_cc_compile_errors_name_the_model_line)
{
    if (!have_cc())
        return;
    struct model *m = tm_lorenz();
    char *text, err[512];
    struct ode_problem p;
    jit *j = (jit *)1;
    ck_assert_int_eq(codegen_c_link(m, CODEGEN_LINK_POINTERS, &text, NULL), 0);
    char *bad = replace(text, "dydt[1] = ", "dydt[1] = ) ");
    ck_assert_int_eq(jit_compile_cc_text(m, bad, &j, &p, err, sizeof err), ODE_EJIT);
    ck_assert(j == NULL);
    ck_assert_msg(strncmp(err, "lorenz.ode:5:", 13) == 0, "message: %s", err);
    ck_assert(strstr(err, "error") != NULL);
    char small[8];
    ck_assert_int_eq(jit_compile_cc_text(m, bad, &j, &p, small, sizeof small), ODE_EJIT);
    ck_assert_uint_eq(strlen(small), sizeof small - 1);
    free(bad);
    /* An object without cg_bind is refused. */
    bad = replace(text, "void cg_bind(", "void cg_bond(");
    ck_assert_int_eq(jit_compile_cc_text(m, bad, &j, &p, err, sizeof err), ODE_EJIT);
    ck_assert_msg(strstr(err, "--jit cc: the compiled text lacks an entry point") == err,
                  "message: %s", err);
    free(bad);
    free(text);
    model_free(m);
}
END_TEST

/* -nostdlib -z defs: the object can reach nothing outside itself, not even
   the libc and libm already in the process. */
START_TEST(jit_cc_generated_code_cannot_reach_libc)
{
    if (!have_cc())
        return;
    struct model *m = tm_lorenz();
    char *text, err[1024];
    struct ode_problem p;
    jit *j;
    ck_assert_int_eq(codegen_c_link(m, CODEGEN_LINK_POINTERS, &text, NULL), 0);
    char *bad = replace(text, "int cg_rhs(", "double sin(double);\nint puts(const char *);\n"
                        "int cg_rhs(");
    char *bad2 = replace(bad, "dydt[0] = ", "puts(\"hi\"); dydt[0] = sin(t) + ");
    ck_assert_int_eq(jit_compile_cc_text(m, bad2, &j, &p, err, sizeof err), ODE_EJIT);
    ck_assert_msg(strstr(err, "undefined reference") != NULL, "message: %s", err);
    ck_assert_msg(strstr(err, "puts") != NULL || strstr(err, "sin") != NULL, "message: %s", err);
    free(bad2);
    free(bad);
    free(text);
    model_free(m);
}
END_TEST

START_TEST(jit_cc_missing_compiler_is_named)
{
    struct model *m = tm_lorenz();
    struct ode_problem p;
    jit *j = (jit *)1;
    char err[256], dir[] = "/tmp/odesolve-test-XXXXXX";
    env_save();
    setenv("ODESOLVE_CC", "/nonexistent", 1);
    ck_assert_int_eq(jit_compile_cc(m, &j, &p, err, sizeof err), ODE_EJIT);
    ck_assert(j == NULL);
    ck_assert_str_eq(err, "--jit cc: cannot run '/nonexistent': No such file or directory");
    /* No ODESOLVE_CC (or only blanks) means cc, looked up in PATH. */
    ck_assert(mkdtemp(dir) != NULL);
    setenv("PATH", dir, 1);
    setenv("ODESOLVE_CC", " \t", 1);
    ck_assert_int_eq(jit_compile_cc(m, &j, &p, err, sizeof err), ODE_EJIT);
    ck_assert_str_eq(err, "--jit cc: cannot run 'cc': No such file or directory");
    unsetenv("ODESOLVE_CC");
    ck_assert_int_eq(jit_compile_cc(m, &j, &p, err, sizeof err), ODE_EJIT);
    ck_assert_str_eq(err, "--jit cc: cannot run 'cc': No such file or directory");
    ck_assert_int_eq(jit_compile_cc(m, &j, &p, NULL, 0), ODE_EJIT);
    env_restore();
    rmdir(dir);
    model_free(m);
}
END_TEST

/* With a cache directory, the second build of a model is the object kept
   by the first: it loads with no compiler at all and computes the same
   bits; another model or another compiler command is another entry. */
START_TEST(jit_cc_cache_serves_the_second_build)
{
    if (!have_cc())
        return;
    struct model *m = tm_new("a.ode", NULL, 1), *m2 = tm_new("b.ode", NULL, 1);
    tm_state(m, "x", 0, "(* (sin y0) (sqrt (abs y0)))", 1);
    tm_state(m2, "x", 0, "(cos y0)", 1);
    struct ode_problem p1, p2, p3;
    jit *j1, *j2, *j3;
    char err[512], cache[] = "/tmp/odesolve-cache-XXXXXX", empty[] = "/tmp/odesolve-path-XXXXXX";
    ck_assert(mkdtemp(cache) != NULL && mkdtemp(empty) != NULL);
    env_save();
    setenv("ODESOLVE_CACHE_DIR", cache, 1);
    ck_assert_int_eq(jit_compile_cc(m, &j1, &p1, err, sizeof err), 0);
    /* No compiler to be found: only the cache can serve. */
    setenv("PATH", empty, 1);
    ck_assert_int_eq(jit_compile_cc(m, &j2, &p2, err, sizeof err), 0);
    double y = -2.25, d1, d2;
    ck_assert_int_eq(p1.rhs(NULL, 0, &y, NULL, &d1), 0);
    ck_assert_int_eq(p2.rhs(NULL, 0, &y, NULL, &d2), 0);
    ck_assert(same(d1, sin(-2.25) * sqrt(2.25)) && same(d1, d2));
    jit_free(j1);
    ck_assert_int_eq(p2.rhs(NULL, 0, &y, NULL, &d2), 0);
    ck_assert(same(d1, d2));
    jit_free(j2);
    /* Another model, another compiler command: not in the cache. */
    ck_assert_int_eq(jit_compile_cc(m2, &j3, &p3, err, sizeof err), ODE_EJIT);
    ck_assert_str_eq(err, "--jit cc: cannot run 'cc': No such file or directory");
    setenv("ODESOLVE_CC", "cc -g0", 1);
    ck_assert_int_eq(jit_compile_cc(m, &j3, &p3, err, sizeof err), ODE_EJIT);
    /* Turned off: compiled again. */
    unsetenv("ODESOLVE_CC");
    setenv("ODESOLVE_CACHE_DIR", "", 1);
    ck_assert_int_eq(jit_compile_cc(m, &j3, &p3, err, sizeof err), ODE_EJIT);
    env_restore();
    char name[256], path[1024];
    DIR *d = opendir(cache);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            snprintf(name, sizeof name, "%s", e->d_name);
            n++;
        }
    closedir(d);
    ck_assert_int_eq(n, 1);
    snprintf(path, sizeof path, "%s/%s", cache, name);
    unlink(path);
    rmdir(cache);
    rmdir(empty);
    model_free(m2);
    model_free(m);
}
END_TEST

static bool dir_is_empty(const char *path)
{
    DIR *d = opendir(path);
    ck_assert(d != NULL);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            fprintf(stderr, "left behind: %s/%s\n", path, e->d_name);
            n++;
        }
    closedir(d);
    return n == 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert(f != NULL);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s", path);
    char *s = calloc(1, 4096);
    size_t n = fread(s, 1, 4095, f);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* Whatever happens, TMPDIR holds nothing afterwards: after a build, a
   compile error, a compiler that fails silently, is killed, writes no
   object or leaves its own temporary file; the compiler works in a private
   directory under TMPDIR, with the numeric flags, and no shell (the fake
   compilers are run as `/bin/sh script`, split at blanks). */
START_TEST(jit_cc_leaves_no_files_whatever_happens)
{
    char tmp[] = "/tmp/odesolve-tmp-XXXXXX", side[] = "/tmp/odesolve-side-XXXXXX";
    char path[256], cmd[300], err[512];
    struct model *m = tm_lorenz();
    struct ode_problem p;
    jit *j;
    ck_assert(mkdtemp(tmp) != NULL && mkdtemp(side) != NULL);
    env_save();
    setenv("TMPDIR", tmp, 1);

    if (have_cc()) {
        ck_assert_int_eq(jit_compile_cc(m, &j, &p, err, sizeof err), 0);
        ck_assert(dir_is_empty(tmp));
        double y[3] = { 1, 2, 3 }, par[3] = { 10, 28, 1 }, d[3];
        ck_assert_int_eq(p.rhs(NULL, 0, y, par, d), 0);   /* the file is gone, the code stays */
        ck_assert(d[0] == 10 && d[2] == -1);
        jit_free(j);
        char *text, *bad;
        ck_assert_int_eq(codegen_c_link(m, CODEGEN_LINK_POINTERS, &text, NULL), 0);
        bad = replace(text, "dydt[1] = ", "dydt[1] = ) ");
        ck_assert_int_eq(jit_compile_cc_text(m, bad, &j, &p, err, sizeof err), ODE_EJIT);
        ck_assert(dir_is_empty(tmp));
        free(bad);
        free(text);
    }

    static const struct {
        const char *script;
        const char *err;      /* expected message, "" for the object test */
    } fakes[] = {
        { "echo \"$TMPDIR\" > SIDE/tmpdir; echo \"$@\" > SIDE/args; exit 3\n",
          "--jit cc: '/bin/sh' failed with exit status 3" },
        { "printf 'x.ode: In function f:\\nx.ode:3:1: error: bad\\nmore\\n' >&2; exit 1\n",
          "x.ode:3:1: error: bad\nmore" },
        { "echo junk > \"$TMPDIR/cc123.o\"; kill -9 $$\n",
          "--jit cc: '/bin/sh' was killed by signal 9" },
        { "exit 0\n", "--jit cc: cannot load the compiled model: " },
    };
    for (size_t i = 0; i < sizeof fakes / sizeof fakes[0]; i++) {
        char script[512], *s = script;
        for (const char *c = fakes[i].script; *c; c++) {
            if (strncmp(c, "SIDE", 4) == 0) {
                s += sprintf(s, "%s", side);
                c += 3;
            } else {
                *s++ = *c;
            }
        }
        *s = '\0';
        snprintf(path, sizeof path, "%s/fake.sh", side);
        write_file(path, script);
        snprintf(cmd, sizeof cmd, "/bin/sh %s", path);
        setenv("ODESOLVE_CC", cmd, 1);
        j = (jit *)1;
        ck_assert_int_eq(jit_compile_cc(m, &j, &p, err, sizeof err), ODE_EJIT);
        ck_assert(j == NULL);
        ck_assert_msg(strncmp(err, fakes[i].err, strlen(fakes[i].err)) == 0,
                      "fake %zu: %s", i, err);
        ck_assert(dir_is_empty(tmp));
        remove(path);
    }
    snprintf(path, sizeof path, "%s/tmpdir", side);
    char *tmpdir = read_file(path);
    remove(path);
    snprintf(path, sizeof path, "%s/odesolve-cc-", tmp);
    ck_assert_msg(strncmp(tmpdir, path, strlen(path)) == 0, "TMPDIR=%s", tmpdir);
    snprintf(path, sizeof path, "%s/args", side);
    char *args = read_file(path);
    remove(path);
    static const char *flags[] = { "-O2", "-ffp-contract=off", "-fno-fast-math",
                                   "-fno-builtin", "-nostdlib", "-Wl,-z,defs", "-shared" };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        ck_assert_msg(strstr(args, flags[i]) != NULL, "%s not in %s", flags[i], args);
    free(args);
    free(tmpdir);

    /* A TMPDIR that cannot hold a directory is named. */
    snprintf(path, sizeof path, "%s/none", tmp);
    setenv("TMPDIR", path, 1);
    ck_assert_int_eq(jit_compile_cc(m, &j, &p, err, sizeof err), ODE_EJIT);
    ck_assert_msg(strstr(err, "--jit cc: cannot create a directory in") == err, "%s", err);
    env_restore();
    ck_assert_int_eq(rmdir(tmp), 0);
    ck_assert_int_eq(rmdir(side), 0);
    model_free(m);
}
END_TEST

START_TEST(jit_cc_malformed_model_is_refused)
{
    struct model *m = tm_new("bad.ode", NULL, 1);
    tm_state(m, "x", 0, "y7", 1);
    struct ode_problem p;
    jit *j = (jit *)1;
    char err[256];
    ck_assert_int_eq(jit_compile_cc(m, &j, &p, err, sizeof err), ODE_EINVAL);
    ck_assert(j == NULL);
    ck_assert(strstr(err, "malformed model") != NULL);
    char *text;
    ck_assert_int_eq(codegen_c_link(m, (enum codegen_link)7, &text, NULL), ODE_EINVAL);
    ck_assert(text == NULL);
    model_free(m);
}
END_TEST

static Suite *jit_cc_suite(void)
{
    Suite *s = suite_create("jit_cc");
    TCase *tc = tcase_create("cc");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, jit_cc_lorenz_matches_plain_c);
    tcase_add_test(tc, jit_cc_every_kind_and_builtin_agree_with_interp);
    tcase_add_test(tc, jit_cc_random_trees_agree_with_interp);
    tcase_add_test(tc, jit_cc_deep_nesting_agrees_with_interp);
    tcase_add_test(tc, jit_cc_hostile_names_agree_with_interp);
    tcase_add_test(tc, jit_cc_parsed_models_agree_with_interp);
    tcase_add_test(tc, jit_cc_big_model_is_cut_and_agrees);
    tcase_add_test(tc, jit_cc_objects_are_independent);
    tcase_add_test(tc, jit_cc_text_has_no_external_builtin);
    tcase_add_test(tc, jit_cc_compile_errors_name_the_model_line);
    tcase_add_test(tc, jit_cc_generated_code_cannot_reach_libc);
    tcase_add_test(tc, jit_cc_missing_compiler_is_named);
    tcase_add_test(tc, jit_cc_cache_serves_the_second_build);
    tcase_add_test(tc, jit_cc_leaves_no_files_whatever_happens);
    tcase_add_test(tc, jit_cc_malformed_model_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    /* The tests build models again and again: no cache, unless a test
       asks for one, and nothing in the user's own. */
    setenv("ODESOLVE_CACHE_DIR", "", 1);
    SRunner *sr = srunner_create(jit_cc_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
