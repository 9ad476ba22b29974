/* check_check.c - the checker: the struct model it builds, every kind of
   diagnostic with its line and column, ordering, limits, and the
   benchmark models. */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "builtins.h"
#include "check.h"
#include "diag.h"
#include "model.h"
#include "problem.h"

struct loaded {
    struct model *m;
    int rc;
    char *errs;
    size_t errs_len;
};

static void load_n(const char *text, size_t len, struct loaded *l)
{
    memset(l, 0, sizeof *l);
    char *src = malloc(len + 1);
    ck_assert_ptr_nonnull(src);
    memcpy(src, text, len);
    FILE *f = open_memstream(&l->errs, &l->errs_len);
    l->rc = check_load_text("m.ode", src, len, f, &l->m);
    fclose(f);
}

static void load(const char *text, struct loaded *l)
{
    load_n(text, strlen(text), l);
}

/* Loads a model that must be free of errors. */
static struct model *load_ok(const char *text)
{
    struct loaded l;
    load(text, &l);
    ck_assert_msg(l.rc == 0, "errors:\n%s", l.errs);
    ck_assert_uint_eq(l.errs_len, 0);
    free(l.errs);
    return l.m;
}

static void done(struct loaded *l)
{
    free(l->errs);
    model_free(l->m);
}

/* Loads a model with errors; its diagnostics must contain each `want`. */
static void expect_errors(const char *text, const char *const *want,
                          size_t n)
{
    struct loaded l;
    load(text, &l);
    ck_assert_int_eq(l.rc, ODE_EMODEL);
    ck_assert_ptr_null(l.m);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(strstr(l.errs, want[i]), "missing: %s\nin:\n%s",
                      want[i], l.errs);
    done(&l);
}

#define EXPECT_ERRORS(text, ...)                                       \
    do {                                                               \
        const char *const w_[] = { __VA_ARGS__ };                      \
        expect_errors(text, w_, sizeof w_ / sizeof *w_);               \
    } while (0)

static void print_expr(FILE *f, const struct model *m, const struct expr *e)
{
    static const char *const ops[] = {
        [EX_NEG] = "neg", [EX_NOT] = "not", [EX_ADD] = "+", [EX_SUB] = "-",
        [EX_MUL] = "*", [EX_DIV] = "/", [EX_POW] = "^", [EX_LT] = "<",
        [EX_LE] = "<=", [EX_GT] = ">", [EX_GE] = ">=", [EX_EQ] = "==",
        [EX_NE] = "!=", [EX_AND] = "&", [EX_OR] = "|", [EX_IF] = "if",
    };
    switch (e->kind) {
    case EX_NUM: fprintf(f, "%.17g", e->num); return;
    case EX_TIME: fputs("t", f); return;
    case EX_STATE: fprintf(f, "y%d", e->index); return;
    case EX_PARAM: fprintf(f, "p%d", e->index); return;
    case EX_INTER: fprintf(f, "i%d", e->index); return;
    case EX_ARG: fprintf(f, "a%d", e->index); return;
    case EX_CALL: fprintf(f, "(%s", builtin_at(e->index)->name); break;
    case EX_UCALL: fprintf(f, "(@%s", m->funcs[e->index].name); break;
    default: fprintf(f, "(%s", ops[e->kind]); break;
    }
    for (int i = 0; i < e->nargs; i++) {
        fputc(' ', f);
        print_expr(f, m, e->args[i]);
    }
    fputc(')', f);
}

static const char *tree(const struct model *m, const struct expr *e)
{
    static char buf[1024];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    print_expr(f, m, e);
    fclose(f);
    return buf;
}

/* ---- the model built ---- */

START_TEST(check_builds_states_params_and_settings)
{
    struct model *m = load_ok(
        "# pendulum\n"
        "par g=9.81, l=1\n"
        "init theta=1, omega=0\n"
        "theta' = omega\n"
        "omega' = -g/l*sin(theta)\n"
        "aux energy = omega^2/2 - g/l*cos(theta)\n"
        "@ total=10, dt=0.01, meth=RK4, tol=1e-8, atol=1e-9, nout=5\n"
        "@ t0=-1 maxstor=1000 bandlo=3\n"
        "done\n");
    ck_assert_str_eq(m->file, "m.ode");
    ck_assert_uint_eq(m->n_states, 2);
    ck_assert_str_eq(m->states[0].name, "theta");
    ck_assert_double_eq(m->states[0].init, 1);
    ck_assert_int_eq(m->states[0].line, 4);
    ck_assert_uint_eq(m->states[0].span.begin,
                      (unsigned)(strstr(m->src, "theta'") - m->src));
    ck_assert_uint_eq(m->states[0].span.end - m->states[0].span.begin, 6);
    ck_assert_str_eq(m->states[1].name, "omega");
    ck_assert_int_eq(m->states[1].line, 5);
    ck_assert_str_eq(tree(m, m->states[0].rhs), "y1");
    ck_assert_str_eq(tree(m, m->states[1].rhs),
                     "(* (/ (neg p0) p1) (sin y0))");
    ck_assert_uint_eq(m->n_params, 2);
    ck_assert_str_eq(m->params[0].name, "g");
    ck_assert_double_eq(m->params[0].value, 9.81);
    ck_assert_uint_eq(m->n_aux, 1);
    ck_assert_str_eq(m->aux[0].name, "energy");
    ck_assert_int_eq(m->aux[0].line, 6);
    const struct model_settings *s = &m->settings;
    ck_assert_uint_eq(s->set, SET_TOTAL | SET_DT | SET_METH | SET_TOL |
                                  SET_ATOL | SET_NOUT | SET_T0 | SET_MAXSTOR);
    ck_assert_double_eq(s->total, 10);
    ck_assert_double_eq(s->dt, 0.01);
    ck_assert_double_eq(s->tol, 1e-8);
    ck_assert_double_eq(s->atol, 1e-9);
    ck_assert_double_eq(s->t0, -1);
    ck_assert_int_eq(s->nout, 5);
    ck_assert_int_eq(s->maxstor, 1000);
    ck_assert_str_eq(s->meth, "rk4");
    ck_assert_uint_eq(s->meth_span.end - s->meth_span.begin, 3);
    ck_assert(memcmp(m->src + s->meth_span.begin, "RK4", 3) == 0);
    model_free(m);
}
END_TEST

START_TEST(check_numbers_and_pi_fold_into_constants)
{
    struct model *m = load_ok("number k=3.5\nx' = k*x + pi - t\n");
    ck_assert_str_eq(tree(m, m->states[0].rhs),
                     "(- (+ (* 3.5 y0) 3.1415926535897931) t)");
    ck_assert_uint_eq(m->n_params, 0);
    model_free(m);
}
END_TEST

START_TEST(check_tree_is_not_folded)
{
    struct model *m = load_ok("x' = 2*3 - -x + 0*x\n");
    ck_assert_str_eq(tree(m, m->states[0].rhs),
                     "(+ (- (* 2 3) (neg y0)) (* 0 y0))");
    model_free(m);
}
END_TEST

START_TEST(check_derived_parameters_follow_user_parameters)
{
    struct model *m = load_ok("!k2 = k1*2\npar a=2\n!k1 = a*b\npar b=3\n"
                              "x' = k2 + k1 + a\n");
    ck_assert_uint_eq(m->n_params, 2);
    ck_assert_uint_eq(m->n_derived, 2);
    /* Ordered by dependency: k1 before k2, whatever the file order. */
    ck_assert_str_eq(m->derived[0].name, "k1");
    ck_assert_str_eq(m->derived[1].name, "k2");
    ck_assert_str_eq(tree(m, m->derived[0].value), "(* p0 p1)");
    ck_assert_str_eq(tree(m, m->derived[1].value), "(* p2 2)");
    ck_assert_str_eq(tree(m, m->states[0].rhs), "(+ (+ p3 p2) p0)");
    model_free(m);
}
END_TEST

START_TEST(check_intermediates_are_sorted_by_dependency)
{
    struct model *m = load_ok("c = b + 1\nx' = c + a\nb = a*2\na = x + t\n");
    ck_assert_uint_eq(m->n_inters, 3);
    ck_assert_str_eq(m->inters[0].name, "a");
    ck_assert_str_eq(m->inters[1].name, "b");
    ck_assert_str_eq(m->inters[2].name, "c");
    ck_assert_int_eq(m->inters[0].line, 4);
    ck_assert_str_eq(tree(m, m->inters[0].value), "(+ y0 t)");
    ck_assert_str_eq(tree(m, m->inters[1].value), "(* i0 2)");
    ck_assert_str_eq(tree(m, m->inters[2].value), "(+ i1 1)");
    ck_assert_str_eq(tree(m, m->states[0].rhs), "(+ i2 i0)");
    model_free(m);
}
END_TEST

START_TEST(check_sorted_input_keeps_its_order)
{
    struct model *m = load_ok("a = x\nb = a\nz = 1\nc = b + z\nx' = c\n");
    ck_assert_str_eq(m->inters[0].name, "a");
    ck_assert_str_eq(m->inters[1].name, "b");
    ck_assert_str_eq(m->inters[2].name, "z");
    ck_assert_str_eq(m->inters[3].name, "c");
    model_free(m);
}
END_TEST

START_TEST(check_user_functions_args_and_order)
{
    struct model *m = load_ok(
        "v' = v - v^3/3 - w + I(t)\n"
        "w' = eps*(v + a - b*w)\n"
        "I(t) = 0.5*heav(t-10) + g(t, a)\n"
        "g(x, y) = x*y + k + time0()\n"
        "time0() = t\n"
        "par a=0.7, b=0.8, eps=0.08\n"
        "!k = a*b\n");
    ck_assert_uint_eq(m->n_funcs, 3);
    /* Callees first. */
    ck_assert_str_eq(m->funcs[0].name, "time0");
    ck_assert_str_eq(m->funcs[1].name, "g");
    ck_assert_str_eq(m->funcs[2].name, "I");
    ck_assert_int_eq(m->funcs[0].nargs, 0);
    ck_assert_int_eq(m->funcs[1].nargs, 2);
    ck_assert_str_eq(m->funcs[1].argnames[0], "x");
    ck_assert_str_eq(m->funcs[1].argnames[1], "y");
    ck_assert_str_eq(tree(m, m->funcs[0].body), "t");
    ck_assert_str_eq(tree(m, m->funcs[1].body), "(+ (+ (* a0 a1) p3) (@time0))");
    ck_assert_str_eq(tree(m, m->funcs[2].body),
                     "(+ (* 0.5 (heav (- a0 10))) (@g a0 p0))");
    ck_assert_str_eq(tree(m, m->states[0].rhs),
                     "(+ (- (- y0 (/ (^ y0 3) 3)) y1) (@I t))");
    model_free(m);
}
END_TEST

START_TEST(check_all_statement_forms_and_cases)
{
    struct model *m = load_ok(
        "PAR a=1 b=-2.5e-1, C=+3\r\n"
        "P d=1\r\n"
        "i X=2\r\n"
        "Number k=3.5\r\n"
        "dX/DT = a*x + \\\r\n"
        "  k*Y\r\n"
        "Y(0)=4\r\n"
        "y'=-y + c + D + B\r\n"
        "@ METH=Stiff\r\n"
        "DONE\r\n"
        "$$$");
    ck_assert_uint_eq(m->n_states, 2);
    /* A name keeps the spelling of its first declaration. */
    ck_assert_str_eq(m->states[0].name, "X");
    ck_assert_double_eq(m->states[0].init, 2);
    ck_assert_int_eq(m->states[0].line, 5);
    ck_assert_str_eq(m->states[1].name, "Y");
    ck_assert_double_eq(m->states[1].init, 4);
    ck_assert_str_eq(tree(m, m->states[0].rhs), "(+ (* p0 y0) (* 3.5 y1))");
    ck_assert_str_eq(tree(m, m->states[1].rhs),
                     "(+ (+ (+ (neg y1) p2) p3) p1)");
    ck_assert_str_eq(m->params[2].name, "C");
    ck_assert_double_eq(m->params[1].value, -0.25);
    ck_assert_str_eq(m->settings.meth, "stiff");
    model_free(m);
}
END_TEST

START_TEST(check_missing_initial_value_is_zero)
{
    struct model *m = load_ok("x' = 1\n");
    ck_assert_double_eq(m->states[0].init, 0);
    ck_assert_uint_eq(m->settings.set, 0);
    model_free(m);
}
END_TEST

/* ---- diagnostics ---- */

START_TEST(check_unknown_variable_suggests_the_declaration)
{
    struct loaded l;
    load("par g=9.81, l=1\n"
         "init theta=1, omega=0\n"
         "theta' = omega\n"
         "omega' = -thetaa * g / l\n", &l);
    ck_assert_int_eq(l.rc, ODE_EMODEL);
    ck_assert_str_eq(l.errs,
                     "m.ode:4:11: error: unknown variable 'thetaa'\n"
                     "    4 | omega' = -thetaa * g / l\n"
                     "      |           ^~~~~~\n"
                     "m.ode:2:6: note: did you mean 'theta'?\n"
                     "    2 | init theta=1, omega=0\n"
                     "      |      ^~~~~\n");
    done(&l);
}
END_TEST

START_TEST(check_unknown_names_without_close_match)
{
    EXPECT_ERRORS("par alpha=1\nx' = beta + foo(x)\n",
                  "m.ode:2:6: error: unknown variable 'beta'\n",
                  "m.ode:2:13: error: unknown function 'foo'\n");
}
END_TEST

START_TEST(check_short_names_need_distance_one)
{
    /* 'ab' is 2 edits from 'xy' and only 3 long: no suggestion. */
    struct loaded l;
    load("par xy=1, abc=2\nx' = ab + xyz\n", &l);
    ck_assert_ptr_nonnull(strstr(l.errs, "unknown variable 'ab'\n"));
    ck_assert_ptr_nonnull(strstr(l.errs, "m.ode:1:5: note: did you mean "
                                         "'xy'?"));
    done(&l);
}
END_TEST

START_TEST(check_unknown_function_suggests_builtin)
{
    EXPECT_ERRORS("x' = sinn(x) + atn2(x, 1)\n",
                  "m.ode:1:6: error: unknown function 'sinn'; did you mean "
                  "'sin'?\n",
                  "m.ode:1:16: error: unknown function 'atn2'; did you mean "
                  "'atan2'?\n");
}
END_TEST

START_TEST(check_unknown_function_suggests_user_function)
{
    EXPECT_ERRORS("force(u) = -u\nx' = forc(x)\n",
                  "m.ode:2:6: error: unknown function 'forc'\n",
                  "m.ode:1:1: note: did you mean 'force'?\n");
}
END_TEST

START_TEST(check_wrong_argument_counts)
{
    EXPECT_ERRORS("f(a, b) = a + b\nx' = atan2(x) + sin(x, 1) + f(1)\n",
                  "m.ode:2:6: error: 'atan2' takes 2 arguments, got 1\n"
                  "    2 | x' = atan2(x) + sin(x, 1) + f(1)\n"
                  "      |      ^~~~~~~~\n",
                  "m.ode:2:17: error: 'sin' takes 1 argument, got 2\n",
                  "m.ode:2:29: error: 'f' takes 2 arguments, got 1\n");
}
END_TEST

START_TEST(check_duplicate_definitions_point_at_the_first)
{
    EXPECT_ERRORS("par a=1\nx' = a\npar a=2\nx' = 2\na' = 1\nr = 1\n"
                  "number r=2\n",
                  "m.ode:3:5: error: redefinition of 'a'\n",
                  "m.ode:1:5: note: 'a' was first defined here as a "
                  "parameter\n",
                  "m.ode:4:1: error: duplicate equation for 'x'\n"
                  "    4 | x' = 2\n"
                  "      | ^~\n"
                  "m.ode:2:1: note: first equation for 'x' is here\n",
                  "m.ode:5:1: error: redefinition of 'a'\n",
                  "m.ode:7:8: error: redefinition of 'r'\n",
                  "m.ode:6:1: note: 'r' was first defined here as an "
                  "intermediate quantity\n");
}
END_TEST

START_TEST(check_duplicate_initial_value)
{
    EXPECT_ERRORS("init x=1\nx(0)=2\nx' = 1\n",
                  "m.ode:2:1: error: duplicate initial value for 'x'\n",
                  "m.ode:1:6: note: first initial value for 'x' is here\n");
}
END_TEST

START_TEST(check_initial_value_without_equation)
{
    EXPECT_ERRORS("par a=1\ninit z=1, a=2, xx=3\nx' = a\n",
                  "m.ode:2:6: error: initial value for 'z', which has no "
                  "equation\n",
                  "m.ode:2:11: error: initial value for 'a', which has no "
                  "equation\n",
                  "m.ode:1:5: note: 'a' is a parameter, defined here\n",
                  "m.ode:2:16: error: initial value for 'xx', which has no "
                  "equation\n",
                  "m.ode:3:1: note: did you mean 'x'?\n");
}
END_TEST

START_TEST(check_no_equations_is_an_error_at_end)
{
    struct loaded l;
    load("par a=1\ninit x=2\n", &l);
    ck_assert_ptr_nonnull(strstr(l.errs, "m.ode:2:9: error: no differential "
                                         "equations in the model\n"));
    done(&l);
    load("", &l);
    ck_assert_str_eq(l.errs, "m.ode:1:1: error: no differential equations "
                             "in the model\n"
                             "    1 | \n"
                             "      | ^\n");
    done(&l);
}
END_TEST

START_TEST(check_intermediate_cycle_shows_the_chain)
{
    struct loaded l;
    load("x' = r\nr = s + 1\ns = 2*r\n", &l);
    ck_assert_str_eq(l.errs,
                     "m.ode:2:1: error: intermediate 'r' depends on itself\n"
                     "    2 | r = s + 1\n"
                     "      | ^\n"
                     "m.ode:2:5: note: 'r' uses 's' here\n"
                     "    2 | r = s + 1\n"
                     "      |     ^\n"
                     "m.ode:3:7: note: 's' uses 'r' here\n"
                     "    3 | s = 2*r\n"
                     "      |       ^\n");
    done(&l);
}
END_TEST

START_TEST(check_intermediate_using_itself)
{
    EXPECT_ERRORS("x' = r\nr = x + r\n",
                  "m.ode:2:1: error: intermediate 'r' depends on itself\n",
                  "m.ode:2:9: note: 'r' is used here in its own definition\n");
}
END_TEST

START_TEST(check_long_cycle_is_reported_once_from_its_first_member)
{
    struct loaded l;
    load("x' = a\nc = a\nb = c\na = b\nd = a\n", &l);
    ck_assert_ptr_nonnull(strstr(l.errs, "m.ode:2:1: error: intermediate 'c' "
                                         "depends on itself\n"));
    ck_assert_ptr_nonnull(strstr(l.errs, "note: 'c' uses 'a' here"));
    ck_assert_ptr_nonnull(strstr(l.errs, "note: 'a' uses 'b' here"));
    ck_assert_ptr_nonnull(strstr(l.errs, "note: 'b' uses 'c' here"));
    size_t n = 0;
    for (const char *s = l.errs; (s = strstr(s, "error:")); s++)
        n++;
    ck_assert_uint_eq(n, 1);
    done(&l);
}
END_TEST

START_TEST(check_recursive_functions_are_errors)
{
    EXPECT_ERRORS("f(x) = g(x)\ng(x) = f(x) + 1\nh(x) = h(x-1)\ny' = f(y)\n",
                  "m.ode:1:1: error: function 'f' depends on itself "
                  "(recursion is not allowed)\n",
                  "m.ode:1:8: note: 'f' calls 'g' here\n",
                  "m.ode:2:8: note: 'g' calls 'f' here\n",
                  "m.ode:3:1: error: function 'h' depends on itself");
}
END_TEST

START_TEST(check_derived_and_function_cycle)
{
    EXPECT_ERRORS("!k = f(1)\nf(x) = x*k\ny' = k\n",
                  "m.ode:1:2: error: derived parameter 'k' depends on itself\n",
                  "m.ode:1:6: note: 'k' calls 'f' here\n",
                  "m.ode:2:10: note: 'f' uses 'k' here\n");
}
END_TEST

START_TEST(check_derived_parameter_cannot_use_states_or_time)
{
    EXPECT_ERRORS("par a=1\nr = x\n!k = a*x + t + r\nx' = k\n",
                  "m.ode:3:8: error: derived parameter 'k' cannot depend on "
                  "the state variable 'x'\n",
                  "m.ode:3:12: error: derived parameter 'k' cannot depend on "
                  "the time 't'\n",
                  "m.ode:3:16: error: derived parameter 'k' cannot depend on "
                  "the intermediate quantity 'r'\n");
}
END_TEST

/* As in XPPAUT, a function may read states and intermediates that are not
   its arguments; such a function is expanded at each call, with the
   arguments in place, in every caller (also other functions). */
START_TEST(check_function_reading_states_is_expanded)
{
    struct model *m = load_ok("x' = g(x) + h(2)\n"
                              "s = f(3)\n"
                              "r = 2*x\n"
                              "f(u) = u*x + r\n"
                              "g(w) = f(w)/w\n"
                              "h(v) = v*a\n"
                              "par a=1\n");
    ck_assert_uint_eq(m->n_funcs, 3);
    ck_assert(m->funcs[0].inlined);             /* f */
    ck_assert_str_eq(m->funcs[0].name, "f");
    ck_assert_str_eq(tree(m, m->funcs[0].body), "0");
    ck_assert_str_eq(m->funcs[1].name, "g");
    ck_assert(m->funcs[1].inlined);             /* through f */
    ck_assert_str_eq(m->funcs[2].name, "h");
    ck_assert(!m->funcs[2].inlined);
    ck_assert_str_eq(tree(m, m->states[0].rhs),
                     "(+ (/ (+ (* y0 y0) i0) y0) (@h 2))");
    /* s reads r through f: r comes first, although written later. */
    ck_assert_str_eq(m->inters[0].name, "r");
    ck_assert_str_eq(m->inters[1].name, "s");
    ck_assert_str_eq(tree(m, m->inters[1].value), "(+ (* 3 y0) i0)");
    model_free(m);
}
END_TEST

START_TEST(check_function_reading_states_outside_the_dynamics)
{
    EXPECT_ERRORS("x' = 1\nf(u) = u*x\n!k = f(2)\n",
                  "m.ode:3:6: error: derived parameter 'k' cannot call 'f', "
                  "which reads states or intermediate quantities\n",
                  "m.ode:2:1: note: 'f' is defined here\n");
    /* An intermediate read by a function it calls is a cycle. */
    EXPECT_ERRORS("x' = r\nr = f(1)\nf(u) = u + r\n",
                  "m.ode:2:1: error: intermediate 'r' depends on itself\n",
                  "m.ode:2:5: note: 'r' is used here in its own "
                  "definition\n");
}
END_TEST

START_TEST(check_function_arguments_are_checked)
{
    EXPECT_ERRORS("f(a,b,c,d,e,f1,g,h,i,j) = 1\ng(x, X) = x\nh(sin) = 1\n"
                  "x' = 1\n",
                  "m.ode:1:22: error: a function takes at most 9 arguments\n",
                  "m.ode:2:6: error: duplicate argument 'X'\n",
                  "m.ode:3:3: error: 'sin' is a built-in function and cannot "
                  "be redefined\n");
}
END_TEST

START_TEST(check_reserved_names_cannot_be_defined)
{
    EXPECT_ERRORS("par sin=1, pi=3\nt = 2\nx' = 1\n!if = 2\nnumber par=2\n",
                  "m.ode:1:5: error: 'sin' is a built-in function and cannot "
                  "be redefined\n",
                  "m.ode:1:12: error: 'pi' is a constant and cannot be "
                  "redefined\n",
                  "m.ode:2:1: error: 't' is the time and cannot be "
                  "redefined\n",
                  "m.ode:5:8: error: 'par' is a keyword and cannot be used as "
                  "a name\n");
}
END_TEST

START_TEST(check_misused_names)
{
    EXPECT_ERRORS("aux e = 2*x\nf(u) = u\npar a=1\n"
                  "x' = e + f + sin + a(2) + t(1)\n",
                  "m.ode:4:6: error: aux quantity 'e' cannot be used in an "
                  "expression\n",
                  "m.ode:1:5: note: define 'e' as an intermediate quantity",
                  "m.ode:4:10: error: function 'f' used without arguments\n",
                  "m.ode:4:14: error: function 'sin' used without arguments\n",
                  "m.ode:4:20: error: 'a' is not a function\n",
                  "m.ode:3:5: note: 'a' is a parameter, defined here\n",
                  "m.ode:4:27: error: 't' is not a function\n");
}
END_TEST

START_TEST(check_settings_errors)
{
    EXPECT_ERRORS("x' = 1\n@ totl=10, meth=2, dt=rk4, nout=2.5, zzz=1\n",
                  "m.ode:2:3: warning: unknown setting 'totl' ignored; did "
                  "you mean 'total'?\n",
                  "m.ode:2:23: error: setting 'dt' needs a number\n",
                  "m.ode:2:33: error: setting 'nout' needs a whole number\n",
                  "m.ode:2:38: warning: unknown setting 'zzz' ignored\n");
    EXPECT_ERRORS("x' = 1\n@ dt=0, total=-5, nout=0, maxstor=-1, tol=-1\n",
                  "m.ode:2:6: error: setting 'dt' must not be 0\n",
                  "m.ode:2:15: error: setting 'total' must be positive\n",
                  "m.ode:2:24: error: setting 'nout' must be at least 1\n",
                  "m.ode:2:35: error: setting 'maxstor' must be at least 1\n",
                  "m.ode:2:43: error: setting 'tol' must be positive\n");
}
END_TEST

START_TEST(check_names_on_failed_lines_are_not_unknown)
{
    /* x's equation failed to parse: using x elsewhere is not an error, and
       neither is its initial value. */
    struct loaded l;
    load("init x=1\nx' = 3 +\ny' = x\n", &l);
    ck_assert_str_eq(l.errs, "m.ode:2:9: error: expected an expression after "
                             "'+'\n"
                             "    2 | x' = 3 +\n"
                             "      |         ^\n");
    done(&l);
}
END_TEST

START_TEST(check_errors_come_in_source_order)
{
    struct loaded l;
    load("x' = a\nr = r2\ny' = (\nr2 = r\nz' = b\n", &l);
    const char *p1 = strstr(l.errs, "m.ode:1:6:");
    const char *p2 = strstr(l.errs, "m.ode:2:1:");
    const char *p3 = strstr(l.errs, "m.ode:3:7:");
    const char *p5 = strstr(l.errs, "m.ode:5:6:");
    ck_assert(p1 && p2 && p3 && p5);
    ck_assert(p1 < p2 && p2 < p3 && p3 < p5);
    done(&l);
}
END_TEST

START_TEST(check_stops_after_20_errors)
{
    char text[4096] = "";
    for (int i = 0; i < 30; i++)
        sprintf(text + strlen(text), "x%d' = bad%d\n", i, i);
    struct loaded l;
    load(text, &l);
    size_t n = 0;
    for (const char *s = l.errs; (s = strstr(s, ": error:")); s++)
        n++;
    ck_assert_uint_eq(n, 20);
    ck_assert_ptr_nonnull(strstr(l.errs, "m.ode:20:8: error: unknown "
                                         "variable 'bad19'"));
    ck_assert_ptr_null(strstr(l.errs, "bad20"));
    const char *tail = "m.ode: note: too many errors; stopping\n";
    ck_assert_str_eq(l.errs + l.errs_len - strlen(tail), tail);
    done(&l);
}
END_TEST

START_TEST(check_many_syntax_errors_keep_the_first_20)
{
    size_t n = 200000;
    char *text = malloc(n * 8 + 1), *q = text;
    for (size_t i = 0; i < n; i++)
        q = stpcpy(q, "x' = +\n");
    struct loaded l;
    load_n(text, (size_t)(q - text), &l);
    ck_assert_ptr_nonnull(strstr(l.errs, "m.ode:20:7: error:"));
    ck_assert_ptr_null(strstr(l.errs, "m.ode:21:"));
    ck_assert_ptr_nonnull(strstr(l.errs, "too many errors; stopping\n"));
    done(&l);
    free(text);
}
END_TEST

/* ---- limits and hostile input ---- */

START_TEST(check_100000_nested_parentheses)
{
    size_t n = 100000;
    char *text = malloc(2 * n + 16), *q = text;
    q = stpcpy(q, "x' = ");
    memset(q, '(', n);
    q += n;
    *q++ = 'x';
    memset(q, ')', n);
    q += n;
    strcpy(q, "\n");
    struct loaded l;
    load(text, &l);
    ck_assert_int_eq(l.rc, ODE_EMODEL);
    ck_assert_ptr_nonnull(strstr(l.errs, "m.ode:1:1006: error: expression "
                                         "nested too deeply"));
    done(&l);
    free(text);
}
END_TEST

START_TEST(check_number_overflow_at_its_column)
{
    EXPECT_ERRORS("x' = 2 * 1e400\n",
                  "m.ode:1:10: error: number out of range\n"
                  "    1 | x' = 2 * 1e400\n"
                  "      |          ^~~~~\n");
}
END_TEST

START_TEST(check_binary_file_is_not_text)
{
    struct loaded l;
    load_n("x' = 1\n\x7f" "ELF\0\0\x01", 14, &l);
    ck_assert_int_eq(l.rc, ODE_EMODEL);
    ck_assert_ptr_nonnull(strstr(l.errs, "m.ode:2:5: error: file is not text "
                                         "(NUL byte)\n"
                                         "    2 | ?ELF???\n"));
    done(&l);
}
END_TEST

START_TEST(check_line_longer_than_1_mib)
{
    size_t n = CHECK_MAX_LINE + 10;
    char *text = malloc(n + 1);
    memcpy(text, "x' = 1\ny' = ", 12);
    memset(text + 12, '1', n - 12);
    text[n] = '\0';
    struct loaded l;
    load_n(text, n, &l);
    ck_assert_int_eq(l.rc, ODE_EMODEL);
    ck_assert_ptr_nonnull(strstr(l.errs, "m.ode:2:1: error: line too long"));
    /* The echo of a huge line is cut. */
    ck_assert_uint_lt(l.errs_len, 1000);
    done(&l);
    free(text);
}
END_TEST

START_TEST(check_file_larger_than_limit_is_refused)
{
    char *big = malloc((size_t)CHECK_MAX_FILE + 1);
    ck_assert_ptr_nonnull(big);
    char *errs = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&errs, &len);
    struct model *m = NULL;
    int rc = check_load_text("big.ode", big, (size_t)CHECK_MAX_FILE + 1, f,
                             &m);
    fclose(f);
    ck_assert_int_eq(rc, ODE_EINVAL);
    ck_assert_ptr_null(m);
    ck_assert_str_eq(errs, "odesolve: big.ode: file too large (more than 64 "
                           "MiB)\n");
    free(errs);
}
END_TEST

START_TEST(check_unreadable_file)
{
    char *errs = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&errs, &len);
    struct model *m = NULL;
    int rc = check_load_file("/nonexistent/x.ode", f, &m);
    fclose(f);
    ck_assert_int_eq(rc, ODE_EINVAL);
    ck_assert_str_eq(errs, "odesolve: /nonexistent/x.ode: No such file or "
                           "directory\n");
    free(errs);
    f = open_memstream(&errs, &len);
    rc = check_load_file("/", f, &m);
    fclose(f);
    ck_assert_int_eq(rc, ODE_EINVAL);
    ck_assert_str_eq(errs, "odesolve: /: Is a directory\n");
    free(errs);
}
END_TEST

START_TEST(check_file_round_trip)
{
    char path[] = "/tmp/check_check_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    fputs("x' = -x\ninit x=2\n", f);
    fclose(f);
    struct model *m = NULL;
    int rc = check_load_file(path, stderr, &m);
    remove(path);
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(m->file, path);
    ck_assert_double_eq(m->states[0].init, 2);
    model_free(m);
}
END_TEST

/* ---- diag for other modules ---- */

START_TEST(check_diag_at_prints_for_other_modules)
{
    struct model *m = load_ok("par a=1\nx'\t= a/x\n");
    char buf[512];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    const struct expr *e = m->states[0].rhs;
    diag_at(f, m, e->span, "error", "division by %s", "zero");
    diag_at(f, m, m->params[0].span, "note", "'%s' is here",
            m->params[0].name);
    fclose(f);
    ck_assert_str_eq(buf, "m.ode:2:11: error: division by zero\n"
                          "    2 | x'      = a/x\n"
                          "      |           ^~~\n"
                          "m.ode:1:5: note: 'a' is here\n"
                          "    1 | par a=1\n"
                          "      |     ^\n");
    int line, col;
    diag_line_col(m, e->args[1]->span.begin, &line, &col);
    ck_assert_int_eq(line, 2);
    ck_assert_int_eq(col, 13);
    model_free(m);
}
END_TEST

/* ---- the benchmark models and speed ---- */

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len == cap) {
            cap = cap ? 2 * cap : 65536;
            buf = realloc(buf, cap);
        }
        size_t n = fread(buf + *len, 1, cap - *len, f);
        if (n == 0)
            break;
        *len += n;
    }
    fclose(f);
    return buf;
}

static const char *const bench_dir = "../shared/bench/problems";

START_TEST(check_bench_models_load)
{
    static const struct {
        const char *name;
        size_t states, params, inters;
    } probs[] = {
        { "lorenz", 3, 3, 0 },     { "vdp", 2, 1, 0 },
        { "rober", 3, 3, 0 },      { "hires", 8, 0, 0 },
        { "orego", 3, 0, 0 },      { "arenstorf", 4, 2, 2 },
        { "pleiades", 28, 0, 21 }, { "bruss1d", 2000, 3, 0 },
        { "bruss2d", 2048, 3, 0 },
    };
    char path[256];
    snprintf(path, sizeof path, "%s/lorenz/lorenz.ode", bench_dir);
    FILE *probe = fopen(path, "r");
    if (!probe)
        return;     /* no ../shared here: nothing to check */
    fclose(probe);
    for (size_t i = 0; i < sizeof probs / sizeof *probs; i++) {
        snprintf(path, sizeof path, "%s/%s/%s.ode", bench_dir, probs[i].name,
                 probs[i].name);
        struct model *m = NULL;
        char *errs = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&errs, &len);
        int rc = check_load_file(path, f, &m);
        fclose(f);
        ck_assert_msg(rc == 0, "%s:\n%s", path, errs);
        free(errs);
        ck_assert_uint_eq(m->n_states, probs[i].states);
        ck_assert_uint_eq(m->n_params, probs[i].params);
        ck_assert_uint_eq(m->n_inters, probs[i].inters);
        ck_assert(m->settings.set & SET_TOTAL);
        model_free(m);
    }
}
END_TEST

static Suite *check_suite(void)
{
    Suite *s = suite_create("check");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, check_builds_states_params_and_settings);
    tcase_add_test(tc, check_numbers_and_pi_fold_into_constants);
    tcase_add_test(tc, check_tree_is_not_folded);
    tcase_add_test(tc, check_derived_parameters_follow_user_parameters);
    tcase_add_test(tc, check_intermediates_are_sorted_by_dependency);
    tcase_add_test(tc, check_sorted_input_keeps_its_order);
    tcase_add_test(tc, check_user_functions_args_and_order);
    tcase_add_test(tc, check_all_statement_forms_and_cases);
    tcase_add_test(tc, check_missing_initial_value_is_zero);
    tcase_add_test(tc, check_unknown_variable_suggests_the_declaration);
    tcase_add_test(tc, check_unknown_names_without_close_match);
    tcase_add_test(tc, check_short_names_need_distance_one);
    tcase_add_test(tc, check_unknown_function_suggests_builtin);
    tcase_add_test(tc, check_unknown_function_suggests_user_function);
    tcase_add_test(tc, check_wrong_argument_counts);
    tcase_add_test(tc, check_duplicate_definitions_point_at_the_first);
    tcase_add_test(tc, check_duplicate_initial_value);
    tcase_add_test(tc, check_initial_value_without_equation);
    tcase_add_test(tc, check_no_equations_is_an_error_at_end);
    tcase_add_test(tc, check_intermediate_cycle_shows_the_chain);
    tcase_add_test(tc, check_intermediate_using_itself);
    tcase_add_test(tc, check_long_cycle_is_reported_once_from_its_first_member);
    tcase_add_test(tc, check_recursive_functions_are_errors);
    tcase_add_test(tc, check_derived_and_function_cycle);
    tcase_add_test(tc, check_derived_parameter_cannot_use_states_or_time);
    tcase_add_test(tc, check_function_reading_states_is_expanded);
    tcase_add_test(tc, check_function_reading_states_outside_the_dynamics);
    tcase_add_test(tc, check_function_arguments_are_checked);
    tcase_add_test(tc, check_reserved_names_cannot_be_defined);
    tcase_add_test(tc, check_misused_names);
    tcase_add_test(tc, check_settings_errors);
    tcase_add_test(tc, check_names_on_failed_lines_are_not_unknown);
    tcase_add_test(tc, check_errors_come_in_source_order);
    tcase_add_test(tc, check_stops_after_20_errors);
    tcase_add_test(tc, check_many_syntax_errors_keep_the_first_20);
    tcase_add_test(tc, check_100000_nested_parentheses);
    tcase_add_test(tc, check_number_overflow_at_its_column);
    tcase_add_test(tc, check_binary_file_is_not_text);
    tcase_add_test(tc, check_line_longer_than_1_mib);
    tcase_add_test(tc, check_file_larger_than_limit_is_refused);
    tcase_add_test(tc, check_unreadable_file);
    tcase_add_test(tc, check_file_round_trip);
    tcase_add_test(tc, check_diag_at_prints_for_other_modules);
    tcase_add_test(tc, check_bench_models_load);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(check_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
