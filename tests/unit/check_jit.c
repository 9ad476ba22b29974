/* check_jit.c - libtcc in memory: results, problem fields, error messages
 * that name the model line, no libc behind the generated code, and big
 * models. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"
#include "interp.h"
#include "jit.h"
#include "testbackend.h"
#include "testmodel.h"

#if WITH_TCC

START_TEST(jit_lorenz_matches_plain_c)
{
    struct model *m = tm_lorenz();
    struct ode_problem p;
    jit *j;
    char err[512];
    ck_assert_int_eq(jit_compile(m, &j, &p, err, sizeof err), 0);
    model_free(m);   /* the compiled problem does not need the model */
    ck_assert(p.ctx == NULL && p.aux == NULL && p.derive == NULL);
    ck_assert_uint_eq(p.n_states, 3);
    ck_assert_uint_eq(p.n_params, 3);
    ck_assert_str_eq(p.state_names[0], "x");
    ck_assert_int_eq(p.state_lines[2], 6);
    const double par[3] = { 10, 28, 8.0 / 3.0 };
    for (int k = 0; k < 50; k++) {
        double y[3] = { sin(k), cos(3.0 * k) * 20, k * 0.7 }, d[3];
        ck_assert_int_eq(p.rhs(p.ctx, 0, y, par, d), 0);
        ck_assert(tm_same(d[0], par[0] * (y[1] - y[0])));
        ck_assert(tm_same(d[1], y[0] * (par[1] - y[2]) - y[1]));
        ck_assert(tm_same(d[2], y[0] * y[1] - par[2] * y[2]));
    }
    jit_free(j);
    jit_free(NULL);
}
END_TEST

/* A parameter is read from p at each call: a new value needs no compile. */
START_TEST(jit_parameters_are_run_time_values)
{
    struct model *m = tm_lorenz();
    struct ode_problem p;
    jit *j;
    ck_assert_int_eq(jit_compile(m, &j, &p, NULL, 0), 0);
    double y[3] = { 1, 2, 3 }, d[3], par[3] = { 10, 28, 8.0 / 3.0 };
    ck_assert_int_eq(p.rhs(p.ctx, 0, y, par, d), 0);
    ck_assert(d[0] == 10);
    par[0] = -4;
    par[1] = 0;
    ck_assert_int_eq(p.rhs(p.ctx, 0, y, par, d), 0);
    ck_assert(d[0] == -4 && d[1] == 1 * (0 - 3) - 2);
    jit_free(j);
    model_free(m);
}
END_TEST

static char *replace(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    ck_assert(at != NULL);
    size_t n = strlen(text) - strlen(from) + strlen(to);
    char *out = malloc(n + 1);
    size_t k = (size_t)(at - text);
    memcpy(out, text, k);
    strcpy(out + k, to);
    strcat(out, at + strlen(from));
    return out;
}

/* No model found makes tcc fail (codegen refuses malformed models and
   hoists deep nesting), so the error path is driven with edited text. */
START_TEST(jit_compile_errors_name_the_model_line)
{
    struct model *m = tm_lorenz();
    char *text, err[512];
    struct ode_problem p;
    jit *j = (jit *)1;
    ck_assert_int_eq(codegen_c(m, &text), 0);
    char *bad = replace(text, "dydt[1] = ", "dydt[1] = ) ");
    ck_assert_int_eq(jit_compile_text(m, bad, &j, &p, err, sizeof err), ODE_EJIT);
    ck_assert(j == NULL);
    ck_assert_msg(strncmp(err, "lorenz.ode:5:", 13) == 0, "message: %s", err);
    ck_assert(strstr(err, "error") != NULL);

    /* A tiny buffer gets a cut, terminated message. */
    char small[8];
    ck_assert_int_eq(jit_compile_text(m, bad, &j, &p, small, sizeof small), ODE_EJIT);
    ck_assert_uint_eq(strlen(small), sizeof small - 1);
    free(bad);
    free(text);
    model_free(m);
}
END_TEST

/* -nostdlib: the code can reach the built-ins it declares and nothing
   else, not even libm under its own name. */
START_TEST(jit_generated_code_cannot_reach_libc)
{
    struct model *m = tm_lorenz();
    char *text, err[512];
    struct ode_problem p;
    jit *j;
    ck_assert_int_eq(codegen_c(m, &text), 0);
    char *bad = replace(text, "int cg_rhs(", "double sin(double);\nint puts(const char *);\n"
                        "int cg_rhs(");
    char *bad2 = replace(bad, "dydt[0] = ", "puts(\"hi\"); dydt[0] = sin(t) + ");
    ck_assert_int_eq(jit_compile_text(m, bad2, &j, &p, err, sizeof err), ODE_EJIT);
    ck_assert_msg(strstr(err, "undefined symbol") != NULL, "message: %s", err);
    free(bad2);
    free(bad);
    free(text);
    model_free(m);
}
END_TEST

/* codegen_c text given back to jit_compile_text is the same program. */
START_TEST(jit_text_round_trip_gives_the_same_program)
{
    struct model *m = tm_new("rt.ode", NULL, 4);
    tm_param(m, "k", 1.5);
    tm_derived(m, "k2", "(log10 p0)", 0);
    tm_func(m, "f", 2, "(max a0 (mod a1 p1))", 0);
    tm_inter(m, "r", "(u0 y0 y1)", 1);
    tm_state(m, "x", 1, "(- v0 (exp y1))", 2);
    tm_state(m, "y", 1, "(* p1 (atan2 y0 v0))", 3);
    tm_aux(m, "o", "(tanh v0)", 4);
    char *text;
    ck_assert_int_eq(codegen_c(m, &text), 0);
    struct ode_problem a, b;
    jit *ja, *jb;
    ck_assert_int_eq(jit_compile(m, &ja, &a, NULL, 0), 0);
    ck_assert_int_eq(jit_compile_text(m, text, &jb, &b, NULL, 0), 0);
    double pa[2] = { 1.5, 0 }, pb[2] = { 1.5, 0 };
    ck_assert_int_eq(a.derive(a.ctx, pa), 0);
    ck_assert_int_eq(b.derive(b.ctx, pb), 0);
    ck_assert(tm_same(pa[1], log10(1.5)) && tm_same(pa[1], pb[1]));
    for (int k = 0; k < 20; k++) {
        double y[2] = { k - 10.5, 0.3 * k }, da[2], db[2], oa, ob;
        ck_assert_int_eq(a.rhs(a.ctx, k, y, pa, da), 0);
        ck_assert_int_eq(b.rhs(b.ctx, k, y, pb, db), 0);
        ck_assert(tm_same(da[0], db[0]) && tm_same(da[1], db[1]));
        ck_assert_int_eq(a.aux(a.ctx, k, y, pa, &oa), 0);
        ck_assert_int_eq(b.aux(b.ctx, k, y, pb, &ob), 0);
        ck_assert(tm_same(oa, ob));
    }
    jit_free(ja);
    jit_free(jb);
    free(text);
    model_free(m);
}
END_TEST

/* A model with more intermediates than fit on the stack keeps them in
   static storage; a big chain compiles in one function. */
START_TEST(jit_big_models_compile_and_agree)
{
    enum { N = 10000, NI = 9000 };
    struct model *m = tm_chain(N);
    struct tb b;
    char sx[96];
    for (int i = 0; i < NI; i++) {
        if (i == 0)
            snprintf(sx, sizeof sx, "(* y0 2)");
        else
            snprintf(sx, sizeof sx, "(+ v%d (* 0.5 y%d))", i - 1, i);
        tm_inter(m, "r", sx, 1);
    }
    m->states[0].rhs = tm_x(m, "(- v8999 y0)");
    char *text;
    ck_assert_int_eq(codegen_c(m, &text), 0);
    ck_assert(strstr(text, "static double v[9000];") != NULL);
    free(text);
    TB_NEW_OK(m, &b);
    double *y = malloc(N * sizeof *y), *di = malloc(N * sizeof *di);
    double *dj = malloc(N * sizeof *dj), p[1] = { 0.5 };
    for (int i = 0; i < N; i++)
        y[i] = cos(0.1 * i);
    ck_assert_int_eq(b.pi.rhs(b.pi.ctx, 0, y, p, di), 0);
    ck_assert_int_eq(b.pj.rhs(b.pj.ctx, 0, y, p, dj), 0);
    ck_assert(memcmp(di, dj, N * sizeof *di) == 0);
    double v = y[0] * 2;
    for (int i = 1; i < NI; i++)
        v = v + 0.5 * y[i];
    ck_assert(tm_same(di[0], v - y[0]));
    free(y);
    free(di);
    free(dj);
    tb_free(&b);
    model_free(m);
}
END_TEST

#else /* !WITH_TCC */

START_TEST(jit_without_libtcc_says_so)
{
    struct model *m = tm_lorenz();
    struct ode_problem p;
    jit *j = (jit *)1;
    char err[128];
    ck_assert_int_eq(jit_compile(m, &j, &p, err, sizeof err), ODE_EJIT);
    ck_assert(j == NULL);
    ck_assert_str_eq(err, "built without libtcc; use --no-jit");
    jit_free(NULL);
    model_free(m);
}
END_TEST

#endif

static Suite *jit_suite(void)
{
    Suite *s = suite_create("jit");
    TCase *tc = tcase_create("tcc");
    tcase_set_timeout(tc, 60);
#if WITH_TCC
    tcase_add_test(tc, jit_lorenz_matches_plain_c);
    tcase_add_test(tc, jit_parameters_are_run_time_values);
    tcase_add_test(tc, jit_compile_errors_name_the_model_line);
    tcase_add_test(tc, jit_generated_code_cannot_reach_libc);
    tcase_add_test(tc, jit_text_round_trip_gives_the_same_program);
    tcase_add_test(tc, jit_big_models_compile_and_agree);
#else
    tcase_add_test(tc, jit_without_libtcc_says_so);
#endif
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(jit_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
