/* check_interp.c - the interpreter against plain C references and against
 * the JIT, bit for bit, on every expression kind, every built-in, derived
 * parameters, intermediates, user functions and random expression trees. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtins.h"
#include "check.h"
#include "codegen.h"
#include "interp.h"
#include "jit.h"
#include "testbackend.h"
#include "testmodel.h"

/* Inputs that exercise signs, zeros, subnormals, overflow and NaN. */
static const double grid[] = {
    0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 0.1, 1e300, -1e-300, 5e-324,
    INFINITY, -INFINITY, NAN, 2.0, 1e-8,
};
enum { NGRID = sizeof grid / sizeof grid[0] };

/* Both backends' aux outputs at (t, y, p); checks that they agree. */
static void eval_aux(struct tb *b, double t, const double *y, const double *p,
                     double *out_i, double *out_j, size_t n)
{
    ck_assert_int_eq(b->pi.aux(b->pi.ctx, t, y, p, out_i), 0);
    if (!b->have_jit) {
        memcpy(out_j, out_i, n * sizeof *out_j);
        return;
    }
    ck_assert_int_eq(b->pj.aux(b->pj.ctx, t, y, p, out_j), 0);
    for (size_t k = 0; k < n; k++)
        ck_assert_msg(tm_same(out_i[k], out_j[k]),
                      "output %zu: interp %a, jit %a", k, out_i[k], out_j[k]);
}

static double r_y0(double a, double b, double t, double p) { (void)b; (void)t; (void)p; return a; }
static double r_t(double a, double b, double t, double p) { (void)a; (void)b; (void)p; return t; }
static double r_p0(double a, double b, double t, double p) { (void)a; (void)b; (void)t; return p; }
static double r_neg(double a, double b, double t, double p) { (void)b; (void)t; (void)p; return -a; }
static double r_not(double a, double b, double t, double p) { (void)b; (void)t; (void)p; return a == 0.0 ? 1.0 : 0.0; }
static double r_add(double a, double b, double t, double p) { (void)t; (void)p; return a + b; }
static double r_sub(double a, double b, double t, double p) { (void)t; (void)p; return a - b; }
static double r_mul(double a, double b, double t, double p) { (void)t; (void)p; return a * b; }
static double r_div(double a, double b, double t, double p) { (void)t; (void)p; return a / b; }
static double r_sq(double a, double b, double t, double p) { (void)b; (void)t; (void)p; return a * a; }
static double r_pow(double a, double b, double t, double p) { (void)t; (void)p; return pow(a, b); }
/* Literal exponents follow codegen_pow_plan, not pow. */
static double r_pow3(double a, double b, double t, double p) { (void)b; (void)t; (void)p; return a * a * a; }
static double r_powh(double a, double b, double t, double p) { (void)b; (void)t; (void)p; return sqrt(a); }
static double r_lt(double a, double b, double t, double p) { (void)t; (void)p; return a < b ? 1.0 : 0.0; }
static double r_le(double a, double b, double t, double p) { (void)t; (void)p; return a <= b ? 1.0 : 0.0; }
static double r_gt(double a, double b, double t, double p) { (void)t; (void)p; return a > b ? 1.0 : 0.0; }
static double r_ge(double a, double b, double t, double p) { (void)t; (void)p; return a >= b ? 1.0 : 0.0; }
static double r_eq(double a, double b, double t, double p) { (void)t; (void)p; return a == b ? 1.0 : 0.0; }
static double r_ne(double a, double b, double t, double p) { (void)t; (void)p; return a != b ? 1.0 : 0.0; }
static double r_and(double a, double b, double t, double p) { (void)t; (void)p; return a != 0.0 && b != 0.0 ? 1.0 : 0.0; }
static double r_or(double a, double b, double t, double p) { (void)t; (void)p; return a != 0.0 || b != 0.0 ? 1.0 : 0.0; }
static double r_if(double a, double b, double t, double p) { (void)t; (void)p; return a != 0.0 ? b : -b; }
static double r_negk(double a, double b, double t, double p) { (void)b; (void)t; (void)p; return a + -1.5; }
static double r_subn(double a, double b, double t, double p) { (void)b; (void)t; (void)p; return a * 1e-310; }
static double r_mix(double a, double b, double t, double p) { return (a - t) * (p + b); }

static const struct {
    const char *sx;
    double (*ref)(double a, double b, double t, double p);
} kinds[] = {
    { "y0", r_y0 }, { "t", r_t }, { "p0", r_p0 },
    { "(neg y0)", r_neg }, { "(not y0)", r_not },
    { "(+ y0 y1)", r_add }, { "(- y0 y1)", r_sub }, { "(* y0 y1)", r_mul },
    { "(/ y0 y1)", r_div }, { "(^ y0 2)", r_sq }, { "(^ y0 y1)", r_pow },
    { "(^ y0 3)", r_pow3 }, { "(^ y0 0.5)", r_powh },
    { "(< y0 y1)", r_lt }, { "(<= y0 y1)", r_le }, { "(> y0 y1)", r_gt },
    { "(>= y0 y1)", r_ge }, { "(== y0 y1)", r_eq }, { "(!= y0 y1)", r_ne },
    { "(& y0 y1)", r_and }, { "(| y0 y1)", r_or },
    { "(if y0 y1 (neg y1))", r_if }, { "(+ y0 -1.5)", r_negk },
    { "(* y0 1e-310)", r_subn }, { "(* (- y0 t) (+ p0 y1))", r_mix },
};
enum { NKINDS = sizeof kinds / sizeof kinds[0] };

START_TEST(interp_every_kind_matches_c_reference_and_jit)
{
    struct model *m = tm_new("kinds.ode", NULL, NKINDS);
    struct tb b;
    tm_param(m, "q", -3.5);
    tm_state(m, "u", 0, "0", 1);
    tm_state(m, "w", 0, "0", 2);
    for (int k = 0; k < NKINDS; k++)
        tm_aux(m, "k", kinds[k].sx, k + 3);
    TB_NEW_OK(m, &b);
    double oi[NKINDS], oj[NKINDS], p[1] = { -3.5 }, t = 0.25;
    for (int i = 0; i < NGRID; i++)
        for (int j = 0; j < NGRID; j++) {
            double y[2] = { grid[i], grid[j] };
            eval_aux(&b, t, y, p, oi, oj, NKINDS);
            for (int k = 0; k < NKINDS; k++) {
                double want = kinds[k].ref(y[0], y[1], t, p[0]);
                ck_assert_msg(tm_same(oi[k], want), "%s at (%a, %a): got %a, want %a",
                              kinds[k].sx, y[0], y[1], oi[k], want);
            }
        }
    tb_free(&b);
    model_free(m);
}
END_TEST

START_TEST(interp_builtins_match_direct_calls_and_jit)
{
    int nb = builtin_count();
    struct model *m = tm_new("builtins.ode", NULL, (size_t)nb + 2);
    struct tb b;
    char sx[64];
    tm_state(m, "u", 0, "0", 1);
    tm_state(m, "w", 0, "0", 2);
    for (int i = 0; i < nb; i++) {
        const struct builtin *f = builtin_at(i);
        snprintf(sx, sizeof sx, f->arity == 1 ? "(%s y0)" : "(%s y0 y1)", f->name);
        tm_aux(m, f->name, sx, i + 3);
    }
    TB_NEW_OK(m, &b);
    double *oi = calloc((size_t)nb, sizeof *oi), *oj = calloc((size_t)nb, sizeof *oj);
    for (int i = 0; i < NGRID; i++)
        for (int j = 0; j < NGRID; j++) {
            double y[2] = { grid[i], grid[j] };
            eval_aux(&b, 0, y, NULL, oi, oj, (size_t)nb);
            for (int k = 0; k < nb; k++) {
                const struct builtin *f = builtin_at(k);
                double want = f->arity == 1 ? f->fn.f1(y[0]) : f->fn.f2(y[0], y[1]);
                ck_assert_msg(tm_same(oi[k], want), "%s(%a, %a): got %a, want %a",
                              f->name, y[0], y[1], oi[k], want);
            }
        }
    /* Spot values tie each symbol to the right function. */
    double y[2] = { 100.0, 3.0 };
    eval_aux(&b, 0, y, NULL, oi, oj, (size_t)nb);
    ck_assert(tm_same(oj[builtin_index(builtin_find("log10"))], 2.0));
    ck_assert(tm_same(oj[builtin_index(builtin_find("mod"))], 1.0));
    ck_assert(tm_same(oj[builtin_index(builtin_find("max"))], 100.0));
    ck_assert(tm_same(oj[builtin_index(builtin_find("sqrt"))], 10.0));
    free(oi);
    free(oj);
    tb_free(&b);
    model_free(m);
}
END_TEST

/* par a, b, c; !d0 = a*b; !d1 = d0 + sq(c); !d2 = k() where k() = a + t. */
START_TEST(interp_derived_parameters_follow_declaration_order)
{
    struct model *m = tm_new("derived.ode", "par a=2, b=3, c=0.5\n!d0=a*b\n!d1=d0+sq(c)\n!d2=k()\n", 4);
    struct tb b;
    tm_param(m, "a", 2);
    tm_param(m, "b", 3);
    tm_param(m, "c", 0.5);
    tm_func(m, "sq", 1, "(* a0 a0)", 0);
    tm_func(m, "k", 0, "(+ p0 t)", 0);
    tm_derived(m, "d0", "(* p0 p1)", 20);
    tm_derived(m, "d1", "(+ p3 (u0 p2))", 30);
    tm_derived(m, "d2", "(u1)", 45);
    tm_state(m, "x", 1, "(* (neg p4) y0)", 5);
    tm_aux(m, "d2", "p5", 6);
    TB_NEW_OK(m, &b);
    ck_assert(b.pi.derive != NULL);
    ck_assert_uint_eq(b.pi.n_derived, 3);

    double pi[6] = { 2, 3, 0.5, -1, -1, -1 }, pj[6];
    memcpy(pj, pi, sizeof pi);
    ck_assert_int_eq(b.pi.derive(b.pi.ctx, pi), 0);
    ck_assert(tm_same(pi[3], 6.0));
    ck_assert(tm_same(pi[4], 6.25));
    ck_assert(tm_same(pi[5], 2.0));   /* t is 0 while deriving */
    ck_assert(pi[0] == 2 && pi[1] == 3 && pi[2] == 0.5);
    if (b.have_jit) {
        ck_assert_int_eq(b.pj.derive(b.pj.ctx, pj), 0);
        for (int i = 0; i < 6; i++)
            ck_assert(tm_same(pi[i], pj[i]));
    }

    /* A new parameter value needs only a new derive, no recompile. */
    pi[0] = 4;
    ck_assert_int_eq(b.pi.derive(b.pi.ctx, pi), 0);
    ck_assert(tm_same(pi[3], 12.0) && tm_same(pi[4], 12.25) && tm_same(pi[5], 4.0));
    double y = 2, di, dj;
    ck_assert_int_eq(b.pi.rhs(b.pi.ctx, 0, &y, pi, &di), 0);
    ck_assert(tm_same(di, -24.5));
    if (b.have_jit) {
        ck_assert_int_eq(b.pj.rhs(b.pj.ctx, 0, &y, pi, &dj), 0);
        ck_assert(tm_same(di, dj));
    }
    tb_free(&b);
    model_free(m);
}
END_TEST

START_TEST(interp_intermediates_are_computed_in_order)
{
    struct model *m = tm_new("inter.ode", NULL, 4);
    struct tb b;
    tm_param(m, "k", 0.75);
    tm_inter(m, "r", "(* y0 y1)", 2);
    tm_inter(m, "s", "(+ v0 (sin v0))", 3);
    tm_inter(m, "a", "(if (> v1 0) v1 (neg v1))", 4);
    tm_state(m, "x", 1, "(- v2 y0)", 5);
    tm_state(m, "y", 1, "(* v0 p0)", 6);
    tm_aux(m, "s", "v1", 7);
    tm_aux(m, "r2", "(^ v0 2)", 8);
    TB_NEW_OK(m, &b);
    for (int i = 0; i < NGRID; i++)
        for (int j = 0; j < NGRID; j++) {
            double y[2] = { grid[i], grid[j] }, p[1] = { 0.75 };
            double r = y[0] * y[1], s = r + sin(r), a = s > 0 ? s : -s;
            double di[2], dj[2], oi[2], oj[2];
            ck_assert_int_eq(b.pi.rhs(b.pi.ctx, 0, y, p, di), 0);
            ck_assert(tm_same(di[0], a - y[0]));
            ck_assert(tm_same(di[1], r * 0.75));
            if (b.have_jit) {
                ck_assert_int_eq(b.pj.rhs(b.pj.ctx, 0, y, p, dj), 0);
                ck_assert(tm_same(di[0], dj[0]) && tm_same(di[1], dj[1]));
            }
            eval_aux(&b, 0, y, p, oi, oj, 2);
            ck_assert(tm_same(oi[0], s));
            ck_assert(tm_same(oi[1], r * r));
        }
    tb_free(&b);
    model_free(m);
}
END_TEST

/* u0() = p0 + t; u1(x) = sin(x); u2 has nine arguments, reads t and p0 and
   calls both earlier functions. */
static double f0(double t, const double *p) { return p[0] + t; }
static double f1(double x) { return sin(x); }
static double f2(double t, const double *p, const double *a)
{
    return ((((a[0] - (a[1] * a[2])) + (a[3] / a[4])) * ((a[5] - a[6]) + (a[7] * f1(a[8]))))
            + (f0(t, p) * t)) - p[0];
}

START_TEST(interp_user_functions_with_0_1_and_9_arguments)
{
    struct model *m = tm_new("funcs.ode", NULL, 8);
    struct tb b;
    tm_param(m, "q", 1.25);
    tm_func(m, "f0", 0, "(+ p0 t)", 0);
    tm_func(m, "f1", 1, "(sin a0)", 0);
    tm_func(m, "f2", 9, "(- (+ (* (+ (- a0 (* a1 a2)) (/ a3 a4)) (+ (- a5 a6) (* a7 (u1 a8)))) "
                        "(* (u0) t)) p0)", 0);
    tm_state(m, "x", 0, "(u1 y0)", 1);
    tm_state(m, "w", 0, "0", 1);
    tm_aux(m, "c0", "(u0)", 2);
    tm_aux(m, "c1", "(u1 (u1 y0))", 3);
    tm_aux(m, "c9", "(u2 y0 y1 1 2 3 4 5 6 7)", 4);
    /* The inner call's arguments would overwrite the outer call's if they
       were not kept apart. */
    tm_aux(m, "nest", "(u2 y0 (u2 y1 y0 2 3 4 5 6 7 8) 1 (u2 1 2 3 4 5 6 7 8 y1) 3 4 5 6 7)", 5);
    TB_NEW_OK(m, &b);
    double oi[4], oj[4], p[1] = { 1.25 };
    for (int i = 0; i < NGRID; i++)
        for (int j = 0; j < NGRID; j++) {
            double y[2] = { grid[i], grid[j] }, t = 0.5 * grid[j];
            eval_aux(&b, t, y, p, oi, oj, 4);
            double a9[9] = { y[0], y[1], 1, 2, 3, 4, 5, 6, 7 };
            double in1[9] = { y[1], y[0], 2, 3, 4, 5, 6, 7, 8 };
            double in2[9] = { 1, 2, 3, 4, 5, 6, 7, 8, y[1] };
            double nest[9] = { y[0], f2(t, p, in1), 1, f2(t, p, in2), 3, 4, 5, 6, 7 };
            ck_assert(tm_same(oi[0], f0(t, p)));
            ck_assert(tm_same(oi[1], f1(f1(y[0]))));
            ck_assert_msg(tm_same(oi[2], f2(t, p, a9)), "%a vs %a", oi[2], f2(t, p, a9));
            ck_assert(tm_same(oi[3], f2(t, p, nest)));
        }
    tb_free(&b);
    model_free(m);
}
END_TEST

START_TEST(interp_if_runs_the_branch_c_would)
{
    struct model *m = tm_new("if.ode", NULL, 4);
    struct tb b;
    tm_state(m, "x", 0, "0", 1);
    tm_aux(m, "a", "(if y0 1 2)", 2);
    tm_aux(m, "b", "(if (if y0 0 1) (+ 10 y0) (if (< y0 0) -1 (neg 0)))", 3);
    TB_NEW_OK(m, &b);
    double oi[2], oj[2];
    const double in[] = { 0.0, -0.0, NAN, -4.0, 4.0 };
    const double want_a[] = { 2, 2, 1, 1, 1 };
    const double want_b[] = { 10.0, 10.0, -0.0, -1.0, -0.0 };
    for (int i = 0; i < 5; i++) {
        eval_aux(&b, 0, &in[i], NULL, oi, oj, 2);
        ck_assert_msg(tm_same(oi[0], want_a[i]), "if(%g) gave %g", in[i], oi[0]);
        ck_assert_msg(tm_same(oi[1], want_b[i]), "nested if(%g) gave %g", in[i], oi[1]);
    }
    tb_free(&b);
    model_free(m);
}
END_TEST

/* Random trees over every kind, evaluated at random points: the two
   backends must agree on every output. */
static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(unsigned n)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((rng >> 33) % n);
}

struct gen {
    char *s;
    size_t len, cap;
    bool in_func;         /* leaves a0/a1 instead of y/v */
    int nargs, ufuncs, inters;
};

static void gput(struct gen *g, const char *s)
{
    size_t n = strlen(s);
    ck_assert(g->len + n < g->cap);
    memcpy(g->s + g->len, s, n + 1);
    g->len += n;
}

static void gen_tree(struct gen *g, int depth)
{
    static const char *consts[] = { "0", "-0.0", "2", "0.5", "-1.25", "1e300", "nan",
                                    "inf", "3", "1e-310", "7" };
    static const char *bin[] = { "+", "-", "*", "/", "^", "<", "<=", ">", ">=",
                                 "==", "!=", "&", "|" };
    char tmp[32];
    if (depth == 0 || rnd(4) == 0) {
        unsigned k = rnd(6);
        if (k == 0) {
            gput(g, consts[rnd(sizeof consts / sizeof consts[0])]);
        } else if (k == 1) {
            gput(g, rnd(2) ? "t" : rnd(2) ? "p0" : "p1");
        } else if (g->in_func) {
            snprintf(tmp, sizeof tmp, "a%u", rnd((unsigned)g->nargs));
            gput(g, g->nargs > 0 ? tmp : "t");
        } else if (k == 2 && g->inters > 0) {
            snprintf(tmp, sizeof tmp, "v%u", rnd((unsigned)g->inters));
            gput(g, tmp);
        } else {
            snprintf(tmp, sizeof tmp, "y%u", rnd(3));
            gput(g, tmp);
        }
        return;
    }
    unsigned k = rnd(10);
    gput(g, "(");
    if (k < 5) {
        gput(g, bin[rnd(sizeof bin / sizeof bin[0])]);
        gput(g, " ");
        gen_tree(g, depth - 1);
        gput(g, " ");
        gen_tree(g, depth - 1);
    } else if (k == 5) {
        gput(g, rnd(2) ? "neg " : "not ");
        gen_tree(g, depth - 1);
    } else if (k == 6) {
        gput(g, "if ");
        gen_tree(g, depth - 1);
        gput(g, " ");
        gen_tree(g, depth - 1);
        gput(g, " ");
        gen_tree(g, depth - 1);
    } else if (k == 7 && g->ufuncs > 0) {
        unsigned u = rnd((unsigned)g->ufuncs);
        snprintf(tmp, sizeof tmp, "u%u", u);
        gput(g, tmp);
        for (unsigned i = 0; i < (u == 0 ? 2u : 1u); i++) {
            gput(g, " ");
            gen_tree(g, depth - 1);
        }
    } else {
        const struct builtin *b = builtin_at((int)rnd((unsigned)builtin_count()));
        gput(g, b->name);
        for (int i = 0; i < b->arity; i++) {
            gput(g, " ");
            gen_tree(g, depth - 1);
        }
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

START_TEST(interp_random_trees_agree_with_jit)
{
    enum { NAUX = 300, NPTS = 40 };
    struct gen g = { .s = malloc(1 << 20), .cap = 1 << 20 };
    struct model *m = tm_new("random.ode", NULL, NAUX);
    struct tb b;
    tm_param(m, "a", 0.3);
    tm_param(m, "b", -2);
    g.in_func = true;
    g.nargs = 2;
    tm_func(m, "f", 2, gen_expr(&g, 4), 0);
    g.nargs = 1;
    g.ufuncs = 1;
    tm_func(m, "h", 1, gen_expr(&g, 4), 0);
    g.in_func = false;
    g.ufuncs = 2;
    tm_inter(m, "v0", gen_expr(&g, 5), 1);
    g.inters = 1;
    tm_inter(m, "v1", gen_expr(&g, 5), 2);
    g.inters = 2;
    for (int i = 0; i < 3; i++)
        tm_state(m, "x", 0, gen_expr(&g, 6), 3 + i);
    for (int i = 0; i < NAUX; i++)
        tm_aux(m, "o", gen_expr(&g, 1 + i % 8), 10 + i);
    TB_NEW_OK(m, &b);
    double oi[NAUX], oj[NAUX];
    for (int k = 0; k < NPTS; k++) {
        double y[3] = { rand_value(), rand_value(), rand_value() };
        double p[2] = { rand_value(), rand_value() }, t = rand_value();
        double di[3], dj[3];
        eval_aux(&b, t, y, p, oi, oj, NAUX);
        ck_assert_int_eq(b.pi.rhs(b.pi.ctx, t, y, p, di), 0);
        if (b.have_jit) {
            ck_assert_int_eq(b.pj.rhs(b.pj.ctx, t, y, p, dj), 0);
            for (int i = 0; i < 3; i++)
                ck_assert(tm_same(di[i], dj[i]));
        }
    }
    tb_free(&b);
    model_free(m);
    free(g.s);
}
END_TEST

/* Nesting as deep as the checker allows (1000) and beyond: tcc's value
   stack needs the code generator's hoisting, the interpreter none. */
START_TEST(interp_deep_nesting_agrees_with_jit)
{
    static const char *open[] = { "(+ y0 ", "(if (> y1 0) ", "(atan2 y1 ", "(u0 y0 ", "(- " };
    static const char *close[] = { ")", " y1)", ")", ")", " 0.5)" };
    const int depth = 1000 + _i * 700;
    size_t cap = (size_t)depth * 16 + 16;
    char *s = malloc(cap);
    size_t n = 0;
    for (int i = 0; i < depth; i++)
        n += (size_t)snprintf(s + n, cap - n, "%s", open[i % 5]);
    n += (size_t)snprintf(s + n, cap - n, "y0");
    for (int i = depth - 1; i >= 0; i--)
        n += (size_t)snprintf(s + n, cap - n, "%s", close[i % 5]);
    struct model *m = tm_new("deep.ode", NULL, 2);
    struct tb b;
    tm_func(m, "f", 2, "(- (* a0 0.5) a1)", 0);
    tm_state(m, "x", 0, s, 1);
    tm_state(m, "y", 0, "0", 2);
    TB_NEW_OK(m, &b);
    for (int i = 0; i < NGRID; i++) {
        double y[2] = { grid[i], 0.3 }, di[2], dj[2];
        ck_assert_int_eq(b.pi.rhs(b.pi.ctx, 1, y, NULL, di), 0);
        if (b.have_jit) {
            ck_assert_int_eq(b.pj.rhs(b.pj.ctx, 1, y, NULL, dj), 0);
            ck_assert_msg(tm_same(di[0], dj[0]), "%a vs %a", di[0], dj[0]);
        }
    }
    tb_free(&b);
    model_free(m);
    free(s);
}
END_TEST

START_TEST(interp_names_and_lines_outlive_the_model)
{
    struct model *m = tm_lorenz();
    tm_aux(m, "energy", "(+ (^ y0 2) (^ y1 2))", 7);
    interp *ip;
    struct ode_problem p;
    ck_assert_int_eq(interp_new(m, &ip, &p), 0);
    model_free(m);
    ck_assert_uint_eq(p.n_states, 3);
    ck_assert_uint_eq(p.n_params, 3);
    ck_assert_uint_eq(p.n_derived, 0);
    ck_assert_uint_eq(p.n_aux, 1);
    ck_assert_str_eq(p.state_names[0], "x");
    ck_assert_str_eq(p.state_names[2], "z");
    ck_assert_str_eq(p.aux_names[0], "energy");
    ck_assert_int_eq(p.state_lines[1], 5);
    ck_assert(p.derive == NULL);
    ck_assert_ptr_eq(p.ctx, ip);
    double y[3] = { 1, 2, 3 }, par[3] = { 10, 28, 8.0 / 3.0 }, d[3], e;
    ck_assert_int_eq(p.rhs(p.ctx, 0, y, par, d), 0);
    ck_assert(d[0] == 10 && d[1] == 23 && d[2] == 2 - 8.0);
    ck_assert_int_eq(p.aux(p.ctx, 0, y, par, &e), 0);
    ck_assert(e == 5);
    interp_free(ip);
    interp_free(NULL);
}
END_TEST

START_TEST(interp_chain_model_agrees_with_jit)
{
    enum { N = 3000 };
    struct model *m = tm_chain(N);
    struct tb b;
    TB_NEW_OK(m, &b);
    double *y = malloc(N * sizeof *y), *di = malloc(N * sizeof *di);
    double *dj = malloc(N * sizeof *dj), p[1] = { 0.5 };
    for (int i = 0; i < N; i++)
        y[i] = sin(0.37 * i);
    ck_assert_int_eq(b.pi.rhs(b.pi.ctx, 0, y, p, di), 0);
    for (int i = 0; i < N; i++) {
        double want = -y[i] + 0.5 * y[(i + N - 1) % N] * sin(y[(i + 1) % N]);
        ck_assert(tm_same(di[i], want));
    }
    if (b.have_jit) {
        ck_assert_int_eq(b.pj.rhs(b.pj.ctx, 0, y, p, dj), 0);
        ck_assert(memcmp(di, dj, N * sizeof *di) == 0);
    }
    free(y);
    free(di);
    free(dj);
    tb_free(&b);
    model_free(m);
}
END_TEST

/* Models written in the language, through the checker: the repository's
   samples, the peer benchmark problems when ../shared is there, and a few
   texts that use every construct. */
static const char *const texts[] = {
    "# FitzHugh-Nagumo as in DESIGN.md\n"
    "par a=0.7, b=0.8, eps=0.08\n"
    "init v=-1, w=1\n"
    "v' = v - v^3/3 - w + I(t)\n"
    "w' = eps*(v + a - b*w)\n"
    "I(t) = 0.5*heav(t-10)\n"
    "aux energy = v^2 + w^2\n"
    "done\n",

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

    "# powers with literal exponents, negative ones as the parser reads them\n"
    "par a=0.5\n"
    "init x=1.2, y=0.8\n"
    "r = (x^2 + y^2)^1.5\n"
    "x' = -x/r + x^-1 + (x+a)^-1.5 + y^0.5 + (y+1)^-0.5 + x**3 - (x*y)^4\n"
    "y' = -y/r + (x+y)^1.5 + x^1 + (x-y)^0.5 + (x+y)^-2 + x^-3 + y^-4 + y^2.5\n"
    "done\n",
    /* Events: conditions read intermediates; assignments run in order,
       each seeing the earlier ones (XPPAUT's rule). */
    "par a=0.7, vth=1.5\n"
    "r = sqrt(x^2 + y^2)\n"
    "x' = y\n"
    "y' = -x + a*heav(x)\n"
    "init x=0.3, y=1.2\n"
    "global 1 r - vth {x = x/r; y = y*x + a}\n"
    "g -1 {x - 0.1} {y=-y;}\n"
    "global 0 sin(t) + y^3 {x = if(x>0)then(r^1.5)else(exp(-x))}\n"
    "done\n",
};

/* Both backends' event functions and resets agree bit for bit. */
static void agree_events(struct tb *b, const struct model *m, double t, const double *y,
                         const double *p, const char *what)
{
    size_t n = m->n_states, ne = m->n_events;
    double *gi = calloc(ne + 1, sizeof *gi), *gj = calloc(ne + 1, sizeof *gj);
    double *yi = calloc(n + 1, sizeof *yi), *yj = calloc(n + 1, sizeof *yj);
    ck_assert_uint_eq(b->pi.n_events, ne);
    ck_assert_int_eq(b->pi.events(b->pi.ctx, t, y, p, gi), 0);
    if (b->have_jit) {
        ck_assert_uint_eq(b->pj.n_events, ne);
        ck_assert_int_eq(b->pj.events(b->pj.ctx, t, y, p, gj), 0);
        for (size_t k = 0; k < ne; k++)
            ck_assert_msg(tm_same(gi[k], gj[k]), "%s: g[%zu]: %a vs %a", what, k, gi[k], gj[k]);
    }
    for (size_t k = 0; k < ne; k++) {
        ck_assert_int_eq(b->pi.event_dir[k], m->events[k].dir);
        memcpy(yi, y, n * sizeof *y);
        memcpy(yj, y, n * sizeof *y);
        ck_assert_int_eq(b->pi.reset(b->pi.ctx, k, t, yi, p), 0);
        if (!b->have_jit)
            continue;
        ck_assert_int_eq(b->pj.reset(b->pj.ctx, k, t, yj, p), 0);
        for (size_t i = 0; i < n; i++)
            ck_assert_msg(tm_same(yi[i], yj[i]), "%s: reset %zu y[%zu]: %a vs %a", what, k, i,
                          yi[i], yj[i]);
    }
    free(gi);
    free(gj);
    free(yi);
    free(yj);
}

static void agree_on_model(struct model *m, const char *what)
{
    struct tb b;
    size_t n = m->n_states, np = m->n_params + m->n_derived, na = m->n_aux;
    /* With room for the Volterra slots (problem.h), 0 here. */
    size_t nv = m->n_kernels + 1;
    double *y = calloc(n + 1, sizeof *y), *p = calloc(np + nv, sizeof *p);
    double *pj = calloc(np + nv, sizeof *pj);
    double *di = calloc(n + 1, sizeof *di), *dj = calloc(n + 1, sizeof *dj);
    double *oi = calloc(na + 1, sizeof *oi), *oj = calloc(na + 1, sizeof *oj);
    int rc = tb_new(m, &b);
    ck_assert_msg(rc == 0, "%s: backends failed (%d): %s", what, rc, b.err);
    for (size_t i = 0; i < m->n_params; i++)
        p[i] = pj[i] = m->params[i].value;
    if (m->n_derived > 0) {
        ck_assert_int_eq(b.pi.derive(b.pi.ctx, p), 0);
        if (b.have_jit) {
            ck_assert_int_eq(b.pj.derive(b.pj.ctx, pj), 0);
            for (size_t i = 0; i < np; i++)
                ck_assert_msg(tm_same(p[i], pj[i]), "%s: derived p[%zu]", what, i);
        }
    }
    for (int k = 0; k < 8; k++) {
        double t = k == 0 ? 0.0 : 3.7 * k - 11;
        for (size_t i = 0; i < n; i++)
            y[i] = m->states[i].init * (1 + 0.125 * k) + (k > 4 ? sin((double)(i + k)) : 0);
        ck_assert_int_eq(b.pi.rhs(b.pi.ctx, t, y, p, di), 0);
        if (m->n_events > 0)
            agree_events(&b, m, t, y, p, what);
        if (na > 0)
            ck_assert_int_eq(b.pi.aux(b.pi.ctx, t, y, p, oi), 0);
        if (!b.have_jit)
            continue;
        ck_assert_int_eq(b.pj.rhs(b.pj.ctx, t, y, p, dj), 0);
        for (size_t i = 0; i < n; i++)
            ck_assert_msg(tm_same(di[i], dj[i]), "%s: dy[%zu] at k=%d: %a vs %a",
                          what, i, k, di[i], dj[i]);
        if (na > 0) {
            ck_assert_int_eq(b.pj.aux(b.pj.ctx, t, y, p, oj), 0);
            for (size_t i = 0; i < na; i++)
                ck_assert_msg(tm_same(oi[i], oj[i]), "%s: aux[%zu]", what, i);
        }
    }
    tb_free(&b);
    free(y);
    free(p);
    free(pj);
    free(di);
    free(dj);
    free(oi);
    free(oj);
}

static int load_and_agree(const char *path)
{
    struct model *m;
    if (access(path, R_OK) != 0)
        return 0;
    int rc = tm_load_model(path, &m);
    ck_assert_msg(rc == 0, "%s does not load (%d)", path, rc);
    agree_on_model(m, path);
    model_free(m);
    return 1;
}

/* XPPAUT runs a global's assignments in order, each seeing the values
   stored before it (checked against xppaut 8: `{x=0; y=x}` leaves y at
   0, `{y=x; x=0}` sets y to the old x). */
START_TEST(interp_event_assignments_run_in_order)
{
    static const char *src = "x' = 1\nz' = 0\nw' = 0\ninit x=2\n"
                             "global 1 x-1 {x=0; z=x; w=z+5}\ng 1 x {z=x; x=0}\ndone\n";
    struct model *m;
    struct tb b;
    char *copy = strdup(src);
    ck_assert_int_eq(check_load_text("ev.ode", copy, strlen(copy), stderr, &m), 0);
    TB_NEW_OK(m, &b);
    for (int be = 0; be < (b.have_jit ? 2 : 1); be++) {
        const struct ode_problem *pr = be ? &b.pj : &b.pi;
        double y[3] = { 2, 7, 7 }, g[2];
        ck_assert_int_eq(pr->events(pr->ctx, 0.5, y, NULL, g), 0);
        ck_assert(g[0] == 1 && g[1] == 2);
        ck_assert_int_eq(pr->event_dir[0], 1);
        ck_assert_int_eq(pr->reset(pr->ctx, 0, 0.5, y, NULL), 0);
        ck_assert(y[0] == 0 && y[1] == 0 && y[2] == 5);
        y[0] = 2;
        ck_assert_int_eq(pr->reset(pr->ctx, 1, 0.5, y, NULL), 0);
        ck_assert(y[0] == 0 && y[1] == 2 && y[2] == 5);
    }
    tb_free(&b);
    model_free(m);
}
END_TEST

START_TEST(interp_parsed_models_agree_with_jit)
{
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct model *m;
        char *src = strdup(texts[i]);
        int rc = check_load_text("text.ode", src, strlen(src), stderr, &m);
        ck_assert_msg(rc == 0, "text %zu does not load (%d)", i, rc);
        agree_on_model(m, texts[i]);
        model_free(m);
    }
    int files = tm_for_model_files(load_and_agree);
    fprintf(stderr, "interp_parsed_models_agree_with_jit: %d model files\n", files);
}
END_TEST

/* The operations codegen_pow_plan prescribes, written out in C. */
static double plan_ref(double x, double k)
{
    double a = fabs(k), v;
    if (a == 0.5)
        v = sqrt(x);
    else if (a == 1.5)
        v = x * sqrt(x);
    else if (a == 4.0)
        v = (x * x) * (x * x);
    else if (a == 3.0)
        v = x * x * x;
    else if (a == 2.0)
        v = x * x;
    else
        v = x;
    return k < 0 ? 1.0 / v : v;
}

/* Distance in units in the last place between two finite doubles. */
static double ulps(double a, double b)
{
    if (a == b)
        return 0;
    double scale = nextafter(fabs(b), INFINITY) - fabs(b);
    return fabs(a - b) / scale;
}

static const double pow_lits[] = { 1, -1, 2, -2, 3, -3, 4, -4, 0.5, -0.5, 1.5, -1.5 };
enum { NLITS = sizeof pow_lits / sizeof pow_lits[0] };

/* Each literal exponent on a leaf base (y0), a compound base (y0 + y1)
   and a base calling a user function, written both as a number and as a
   negated number (the parser's form of x^-1.5): interpreter and JIT give
   the same bits, those of the plan's operations in C, and within 4 ulps
   of pow wherever |x|^|k| stays well inside the double range. */
START_TEST(interp_literal_powers_follow_the_plan_and_stay_near_pow)
{
    enum { NB = 3, NOUT = NLITS * NB * 2 };
    static const char *bases[NB] = { "y0", "(+ y0 y1)", "(u0 y0 y1)" };
    struct model *m = tm_new("powers.ode", NULL, NOUT + 2);
    struct tb b;
    char sx[96], lit[40];
    tm_state(m, "u", 0, "0", 1);
    tm_state(m, "w", 0, "0", 2);
    tm_func(m, "f", 2, "(+ a0 a1)", 0);
    for (int form = 0; form < 2; form++)
        for (int k = 0; k < NLITS; k++)
            for (int j = 0; j < NB; j++) {
                if (form == 1 && pow_lits[k] < 0)
                    snprintf(lit, sizeof lit, "(neg %.17g)", -pow_lits[k]);
                else
                    snprintf(lit, sizeof lit, "%.17g", pow_lits[k]);
                snprintf(sx, sizeof sx, "(^ %s %s)", bases[j], lit);
                tm_aux(m, "k", sx, 3);
            }
    TB_NEW_OK(m, &b);
    double oi[NOUT], oj[NOUT], worst = 0;
    unsigned seed = 12345;
    for (int it = 0; it < 400 + NGRID * NGRID; it++) {
        double y[2];
        if (it < NGRID * NGRID) {
            y[0] = grid[it / NGRID];
            y[1] = grid[it % NGRID];
        } else {
            /* Both signs, magnitudes 1e-60 .. 1e60; y1 = 0 leaves the
               compound bases equal to y0. */
            seed = seed * 1103515245u + 12345u;
            double mag = pow(10.0, (double)((seed >> 7) & 0xffffffu) / (1u << 24) * 120.0 - 60.0);
            y[0] = (seed >> 31) ? -mag : mag;
            y[1] = 0.0;
        }
        eval_aux(&b, 0.0, y, NULL, oi, oj, NOUT);
        double base = y[0] + y[1];
        for (int form = 0; form < 2; form++)
            for (int k = 0; k < NLITS; k++)
                for (int j = 0; j < NB; j++) {
                    double x = j == 0 ? y[0] : base, got = oi[(form * NLITS + k) * NB + j];
                    double want = plan_ref(x, pow_lits[k]);
                    ck_assert_msg(tm_same(got, want), "x=%a ^ %g (base %s): got %a, want %a",
                                  x, pow_lits[k], bases[j], got, want);
                    double p = pow(x, pow_lits[k]);
                    if (it >= NGRID * NGRID && isfinite(p) && p != 0 && !isnan(want)) {
                        double d = ulps(got, p);
                        worst = d > worst ? d : worst;
                        ck_assert_msg(d <= 4, "x=%a ^ %g: %a is %g ulps from pow's %a",
                                      x, pow_lits[k], got, d, p);
                    }
                }
    }
    fprintf(stderr, "literal powers: at most %g ulps from pow\n", worst);
    tb_free(&b);
    model_free(m);
}
END_TEST

static Suite *interp_suite(void)
{
    Suite *s = suite_create("interp");
    TCase *tc = tcase_create("agreement");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, interp_every_kind_matches_c_reference_and_jit);
    tcase_add_test(tc, interp_builtins_match_direct_calls_and_jit);
    tcase_add_test(tc, interp_derived_parameters_follow_declaration_order);
    tcase_add_test(tc, interp_intermediates_are_computed_in_order);
    tcase_add_test(tc, interp_user_functions_with_0_1_and_9_arguments);
    tcase_add_test(tc, interp_if_runs_the_branch_c_would);
    tcase_add_test(tc, interp_random_trees_agree_with_jit);
    tcase_add_loop_test(tc, interp_deep_nesting_agrees_with_jit, 0, 2);
    tcase_add_test(tc, interp_names_and_lines_outlive_the_model);
    tcase_add_test(tc, interp_chain_model_agrees_with_jit);
    tcase_add_test(tc, interp_event_assignments_run_in_order);
    tcase_add_test(tc, interp_parsed_models_agree_with_jit);
    tcase_add_test(tc, interp_literal_powers_follow_the_plan_and_stay_near_pow);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(interp_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
