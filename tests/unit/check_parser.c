/* check_parser.c - the grammar: statement forms, precedence and
   associativity, syntax errors and recovery, nesting limits. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "model.h"

struct parsed {
    struct model *m;
    struct ast_file ast;
    char *errs;                 /* diagnostics, malloc'd */
    size_t errs_len;
};

static void parse_n(const char *text, size_t len, struct parsed *p)
{
    memset(p, 0, sizeof *p);
    char *src = malloc(len + 1);
    ck_assert_ptr_nonnull(src);
    memcpy(src, text, len);
    p->m = model_new("p.ode", src, len);
    ck_assert_ptr_nonnull(p->m);
    struct diag *d = diag_new(p->m->file, p->m->src, p->m->src_len);
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(parse_model(p->m, d, &p->ast), 0);
    FILE *f = open_memstream(&p->errs, &p->errs_len);
    diag_flush(d, f);
    fclose(f);
    diag_free(d);
}

static void parse(const char *text, struct parsed *p)
{
    parse_n(text, strlen(text), p);
}

static void done(struct parsed *p)
{
    free(p->errs);
    model_free(p->m);
}

static const struct ast_stmt *stmt_at(const struct parsed *p, size_t i)
{
    const struct ast_stmt *s = p->ast.first;
    while (s && i--)
        s = s->next;
    ck_assert_ptr_nonnull(s);
    return s;
}

static bool name_is(const struct parsed *p, struct span sp, const char *w)
{
    return sp.end - sp.begin == strlen(w) &&
           memcmp(p->m->src + sp.begin, w, strlen(w)) == 0;
}

/* The S-expression of the first statement's expression. */
static void expr_of(const char *text, char *out, size_t size)
{
    struct parsed p;
    parse(text, &p);
    ck_assert_msg(p.errs_len == 0, "unexpected errors: %s", p.errs);
    FILE *f = fmemopen(out, size, "w");
    ast_print(f, p.m, stmt_at(&p, 0)->expr);
    fclose(f);
    done(&p);
}

#define EXPECT_TREE(text, tree)                                        \
    do {                                                               \
        char buf_[512];                                                \
        expr_of(text, buf_, sizeof buf_);                              \
        ck_assert_str_eq(buf_, tree);                                  \
    } while (0)

START_TEST(parse_accepts_every_statement_form)
{
    struct parsed p;
    parse("# a model\n"
          "par a=1, b=-2.5e-1 c=+3\n"
          "param d=1\n"
          "p e=2\n"
          "init x=1, y=2\n"
          "i z=3\n"
          "number k=3.5\n"
          "x' = a*x\n"
          "dy/dt = -y\n"
          "z(0)=-4\n"
          "z' = f(x, y)\n"
          "f(u,v) = u*v\n"
          "g() = 2\n"
          "r = x + y\n"
          "!q = a*b\n"
          "aux tot = x+y+z\n"
          "@ total=100, dt=0.05 meth=rk4\n"
          "\n"
          "done\n"
          "garbage after done $$$\n", &p);
    ck_assert_str_eq(p.errs ? p.errs : "", "");
    static const enum ast_stmt_kind kinds[] = {
        ST_PARAM, ST_PARAM, ST_PARAM, ST_PARAM, ST_PARAM, ST_INIT, ST_INIT,
        ST_INIT, ST_NUMBER, ST_ODE, ST_ODE, ST_INIT, ST_ODE, ST_FUNC,
        ST_FUNC, ST_INTER, ST_DERIVED, ST_AUX, ST_SET, ST_SET, ST_SET,
    };
    static const char *const names[] = {
        "a", "b", "c", "d", "e", "x", "y", "z", "k", "x", "y", "z", "z",
        "f", "g", "r", "q", "tot", "total", "dt", "meth",
    };
    ck_assert_uint_eq(p.ast.n_stmts, 21);
    for (size_t i = 0; i < 21; i++) {
        const struct ast_stmt *s = stmt_at(&p, i);
        ck_assert_int_eq(s->kind, kinds[i]);
        ck_assert_msg(name_is(&p, s->name, names[i]), "statement %zu", i);
    }
    ck_assert_double_eq(stmt_at(&p, 1)->num, -0.25);
    ck_assert_double_eq(stmt_at(&p, 2)->num, 3);
    ck_assert_double_eq(stmt_at(&p, 11)->num, -4);
    ck_assert(name_is(&p, stmt_at(&p, 10)->lhs, "dy/dt"));
    ck_assert(name_is(&p, stmt_at(&p, 9)->lhs, "x'"));
    ck_assert_int_eq(stmt_at(&p, 13)->nargs, 2);
    ck_assert(name_is(&p, stmt_at(&p, 13)->args[1], "v"));
    ck_assert_int_eq(stmt_at(&p, 14)->nargs, 0);
    ck_assert(stmt_at(&p, 20)->word);
    ck_assert(!stmt_at(&p, 19)->word);
    done(&p);
}
END_TEST

START_TEST(parse_keywords_and_names_ignore_case)
{
    struct parsed p;
    parse("PAR A=1\nINIT X=2\nDX/DT = -A*X\nAUX E = X\nDONE\n", &p);
    ck_assert_uint_eq(p.ast.n_stmts, 4);
    ck_assert_int_eq(stmt_at(&p, 2)->kind, ST_ODE);
    ck_assert(name_is(&p, stmt_at(&p, 2)->name, "X"));
    ck_assert_int_eq(stmt_at(&p, 3)->kind, ST_AUX);
    done(&p);
}
END_TEST

START_TEST(parse_continuation_crlf_and_missing_final_newline)
{
    struct parsed p;
    parse("par a=1, \\\r\n  b=2\r\nx' = a + \\\r\n b\r\ny' = x", &p);
    ck_assert_uint_eq(p.errs_len, 0);
    ck_assert_uint_eq(p.ast.n_stmts, 4);
    ck_assert(name_is(&p, stmt_at(&p, 1)->name, "b"));
    ck_assert_int_eq(stmt_at(&p, 2)->expr->op, EX_ADD);
    ck_assert_int_eq(stmt_at(&p, 3)->kind, ST_ODE);
    done(&p);
}
END_TEST

START_TEST(parse_unary_minus_binds_looser_than_power)
{
    EXPECT_TREE("y' = -x^2", "(- (^ x 2))");
    EXPECT_TREE("y' = -x**2", "(- (^ x 2))");
    EXPECT_TREE("y' = 2^-x", "(^ 2 (- x))");
    EXPECT_TREE("y' = -2*x", "(* (- 2) x)");
    EXPECT_TREE("y' = +x", "x");
}
END_TEST

START_TEST(parse_subtraction_is_left_associative)
{
    EXPECT_TREE("y' = a-b-c", "(- (- a b) c)");
    EXPECT_TREE("y' = a/b/c", "(/ (/ a b) c)");
    EXPECT_TREE("y' = a-b+c", "(+ (- a b) c)");
}
END_TEST

START_TEST(parse_power_is_right_associative)
{
    EXPECT_TREE("y' = 2^3^2", "(^ 2 (^ 3 2))");
    EXPECT_TREE("y' = 2**3^2", "(^ 2 (^ 3 2))");
}
END_TEST

START_TEST(parse_precedence_of_all_levels)
{
    EXPECT_TREE("y' = a+b*c", "(+ a (* b c))");
    EXPECT_TREE("y' = a*b^c", "(* a (^ b c))");
    EXPECT_TREE("y' = a+b<c*d", "(< (+ a b) (* c d))");
    EXPECT_TREE("y' = a<b & c>=d | e!=f", "(| (& (< a b) (>= c d)) (!= e f))");
    EXPECT_TREE("y' = a | b & c", "(| a (& b c))");
    EXPECT_TREE("y' = not a < b", "(< (not a) b)");
    EXPECT_TREE("y' = not(a < b)", "(not (< a b))");
    EXPECT_TREE("y' = (a+b)*c", "(* (+ a b) c)");
}
END_TEST

START_TEST(parse_tree_is_kept_as_written)
{
    /* No folding or reassociation: the backends must agree bit for bit. */
    EXPECT_TREE("y' = 2*3 + 0*x", "(+ (* 2 3) (* 0 x))");
    EXPECT_TREE("y' = x + 1 + 2", "(+ (+ x 1) 2)");
}
END_TEST

START_TEST(parse_calls_and_if)
{
    EXPECT_TREE("y' = atan2(x, 1) + f() + sin(cos(x))",
                "(+ (+ (atan2 x 1) (f)) (sin (cos x)))");
    EXPECT_TREE("y' = if(x>0)then(1)else(-1)*2",
                "(* (if (> x 0) 1 (- 1)) 2)");
    EXPECT_TREE("y' = IF (x) THEN (a) ELSE (b)", "(if x a b)");
}
END_TEST

START_TEST(parse_comparisons_do_not_chain)
{
    struct parsed p;
    parse("y' = a < b < c\n", &p);
    ck_assert_uint_eq(p.ast.n_stmts, 0);
    ck_assert_ptr_nonnull(strstr(p.errs, "p.ode:1:12: error: expected an "
                                         "operator or end of line before "
                                         "'<'"));
    done(&p);
}
END_TEST

START_TEST(parse_error_expected_expression_after_operator)
{
    struct parsed p;
    parse("x' = 3 +\n", &p);
    ck_assert_str_eq(p.errs, "p.ode:1:9: error: expected an expression "
                             "after '+'\n"
                             "    1 | x' = 3 +\n"
                             "      |         ^\n");
    ck_assert(p.ast.syntax_errors);
    done(&p);
}
END_TEST

START_TEST(parse_error_messages_name_what_was_expected)
{
    struct parsed p;
    parse("x 3\n"
          "par\n"
          "par a=\n"
          "y' = (a b\n"
          "z' = f(a b)\n"
          "w' = if(a) (b)\n"
          "3 = x\n"
          "v' = a )\n", &p);
    const char *want[] = {
        "p.ode:1:3: error: expected '=' or \"'\" before '3'",
        "p.ode:2:4: error: expected a name after 'par'",
        "p.ode:3:7: error: expected a number after '='",
        "p.ode:4:9: error: expected an operator or ')' before 'b'",
        "p.ode:5:10: error: expected an operator, ',' or ')' before 'b'",
        "p.ode:6:12: error: expected 'then' before '('",
        "p.ode:7:1: error: expected a name, '!', '@' or a keyword before '3'",
        "p.ode:8:8: error: expected an operator or end of line before ')'",
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_msg(strstr(p.errs, want[i]), "missing: %s\nin:\n%s",
                      want[i], p.errs);
    done(&p);
}
END_TEST

START_TEST(parse_resynchronises_at_next_line)
{
    struct parsed p;
    parse("par a=1\n"
          "x' = * 2\n"
          "y' = a\n"
          "z' = (\n"
          "par b=2 c=*\n"
          "w' = b\n", &p);
    /* Each bad line reported once; the good ones kept. */
    ck_assert_ptr_nonnull(strstr(p.errs, "p.ode:2:6: error:"));
    ck_assert_ptr_nonnull(strstr(p.errs, "p.ode:4:7: error:"));
    ck_assert_ptr_nonnull(strstr(p.errs, "p.ode:5:11: error:"));
    size_t n = 0;
    for (const char *s = p.errs; (s = strstr(s, "error:")); s++)
        n++;
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(p.ast.n_stmts, 3);
    ck_assert(name_is(&p, stmt_at(&p, 1)->name, "y"));
    ck_assert(name_is(&p, stmt_at(&p, 2)->name, "w"));
    /* Names on failed lines are remembered. */
    ck_assert_uint_ge(p.ast.n_tainted, 4);
    done(&p);
}
END_TEST

START_TEST(parse_ddt_needs_d_and_dt)
{
    struct parsed p;
    parse("a/b = 1\nx/dt = 2\ndx/dx = 3\n", &p);
    ck_assert_uint_eq(p.ast.n_stmts, 0);
    ck_assert_ptr_nonnull(strstr(p.errs, "p.ode:1:1: error: the left side of "
                                         "an equation must be x' or dx/dt"));
    ck_assert_ptr_nonnull(strstr(p.errs, "p.ode:2:1: error:"));
    ck_assert_ptr_nonnull(strstr(p.errs, "p.ode:3:1: error:"));
    done(&p);
}
END_TEST

START_TEST(parse_initial_value_needs_zero)
{
    struct parsed p;
    parse("x(1)=2\n", &p);
    ck_assert_ptr_nonnull(strstr(p.errs, "p.ode:1:3: error: an initial value "
                                         "is written NAME(0)=VALUE"));
    done(&p);
}
END_TEST

static char *repeat(const char *head, const char *unit, size_t n,
                    const char *mid, const char *unit2, size_t n2,
                    const char *tail)
{
    size_t len = strlen(head) + n * strlen(unit) + strlen(mid) +
                 n2 * strlen(unit2) + strlen(tail);
    char *s = malloc(len + 1), *q = s;
    ck_assert_ptr_nonnull(s);
    q = stpcpy(q, head);
    for (size_t i = 0; i < n; i++)
        q = stpcpy(q, unit);
    q = stpcpy(q, mid);
    for (size_t i = 0; i < n2; i++)
        q = stpcpy(q, unit2);
    strcpy(q, tail);
    return s;
}

START_TEST(parse_100000_nested_parentheses_is_an_error)
{
    char *text = repeat("x' = ", "(", 100000, "x", ")", 100000, "\ny' = 1\n");
    struct parsed p;
    parse(text, &p);
    ck_assert_ptr_nonnull(strstr(p.errs, "p.ode:1:1006: error: expression "
                                         "nested too deeply"));
    ck_assert_uint_eq(p.ast.n_stmts, 1);
    done(&p);
    free(text);
}
END_TEST

START_TEST(parse_1000_nested_parentheses_are_fine)
{
    char *text = repeat("x' = ", "(", 1000, "x", ")", 1000, "\n");
    struct parsed p;
    parse(text, &p);
    ck_assert_uint_eq(p.errs_len, 0);
    ck_assert_uint_eq(p.ast.n_stmts, 1);
    done(&p);
    free(text);
}
END_TEST

START_TEST(parse_tree_depth_limit_is_1000)
{
    char *ok = repeat("x' = ", "-", 999, "x", "", 0, "\n");
    char *deep = repeat("x' = ", "-", 1000, "x", "", 0, "\n");
    struct parsed p;
    parse(ok, &p);
    ck_assert_uint_eq(p.errs_len, 0);
    ck_assert_int_eq(stmt_at(&p, 0)->expr->depth, 1000);
    done(&p);
    parse(deep, &p);
    ck_assert_ptr_nonnull(strstr(p.errs, "p.ode:1:6: error: expression "
                                         "nested too deeply"));
    ck_assert_uint_eq(p.ast.n_stmts, 0);
    done(&p);
    free(ok);
    free(deep);
}
END_TEST

START_TEST(parse_long_operator_chains_do_not_overflow)
{
    /* Unary minus and powers stack up in the parser before any tree is
       built; both stop with a diagnostic, and parsing goes on. */
    char *neg = repeat("x' = ", "-", 500000, "x", "", 0, "\ny' = 1\nz' = (\n");
    char *pw = repeat("x' = x", "^x", 300000, "", "", 0, "\ny' = 1\n");
    char *sum = repeat("x' = x", "+x", 200000, "", "", 0, "\ny' = 1\n");
    char *texts[] = { neg, pw, sum };
    for (int i = 0; i < 3; i++) {
        struct parsed p;
        parse(texts[i], &p);
        ck_assert_ptr_nonnull(strstr(p.errs, "expression nested too deeply"));
        ck_assert_uint_eq(p.ast.n_stmts, 1);
        ck_assert(name_is(&p, stmt_at(&p, 0)->name, "y"));
        if (i == 0)
            ck_assert_ptr_nonnull(strstr(p.errs, "p.ode:3:7: error:"));
        done(&p);
        free(texts[i]);
    }
}
END_TEST

START_TEST(parse_empty_text_has_no_statements)
{
    struct parsed p;
    parse("", &p);
    ck_assert_uint_eq(p.ast.n_stmts, 0);
    ck_assert_uint_eq(p.errs_len, 0);
    done(&p);
    parse_n("\n\n  \n# c\n", 8, &p);
    ck_assert_uint_eq(p.ast.n_stmts, 0);
    done(&p);
}
END_TEST

static Suite *parser_suite(void)
{
    Suite *s = suite_create("parser");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, parse_accepts_every_statement_form);
    tcase_add_test(tc, parse_keywords_and_names_ignore_case);
    tcase_add_test(tc, parse_continuation_crlf_and_missing_final_newline);
    tcase_add_test(tc, parse_unary_minus_binds_looser_than_power);
    tcase_add_test(tc, parse_subtraction_is_left_associative);
    tcase_add_test(tc, parse_power_is_right_associative);
    tcase_add_test(tc, parse_precedence_of_all_levels);
    tcase_add_test(tc, parse_tree_is_kept_as_written);
    tcase_add_test(tc, parse_calls_and_if);
    tcase_add_test(tc, parse_comparisons_do_not_chain);
    tcase_add_test(tc, parse_error_expected_expression_after_operator);
    tcase_add_test(tc, parse_error_messages_name_what_was_expected);
    tcase_add_test(tc, parse_resynchronises_at_next_line);
    tcase_add_test(tc, parse_ddt_needs_d_and_dt);
    tcase_add_test(tc, parse_initial_value_needs_zero);
    tcase_add_test(tc, parse_100000_nested_parentheses_is_an_error);
    tcase_add_test(tc, parse_1000_nested_parentheses_are_fine);
    tcase_add_test(tc, parse_tree_depth_limit_is_1000);
    tcase_add_test(tc, parse_long_operator_chains_do_not_overflow);
    tcase_add_test(tc, parse_empty_text_has_no_statements);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(parser_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
