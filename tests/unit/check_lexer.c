/* check_lexer.c - the scanner: tokens, their spans and columns, lexical
   errors. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "diag.h"
#include "model.h"
#include "parser.h"

enum { MAX_TOKS = 64 };

struct lexed {
    int tok[MAX_TOKS];
    struct span sp[MAX_TOKS];
    double num[MAX_TOKS];
    int n;
    char errs[4096];
    struct model *m;
};

/* Scans `text` (len bytes) to the end; diagnostics go to out->errs. */
static void lex_n(const char *text, size_t len, struct lexed *out)
{
    memset(out, 0, sizeof *out);
    char *src = malloc(len + 1);
    ck_assert_ptr_nonnull(src);
    memcpy(src, text, len);
    out->m = model_new("t.ode", src, len);
    ck_assert_ptr_nonnull(out->m);
    struct diag *d = diag_new(out->m->file, out->m->src, out->m->src_len);
    struct ast_file ast = { 0 };
    struct parse_ctx c;
    ck_assert_int_eq(parse_begin(&c, out->m, d, &ast), 0);
    for (;;) {
        YYSTYPE v;
        YYLTYPE l;
        int t = parse_next_token(&v, &l, &c);
        ck_assert_int_lt(out->n, MAX_TOKS);
        out->tok[out->n] = t;
        out->sp[out->n] = l;
        out->num[out->n] = t == NUMBER ? v.num : 0;
        out->n++;
        if (t == YYEOF)
            break;
    }
    parse_end(&c);
    FILE *f = fmemopen(out->errs, sizeof out->errs - 1, "w");
    diag_flush(d, f);
    fclose(f);
    diag_free(d);
}

static void lex(const char *text, struct lexed *out)
{
    lex_n(text, strlen(text), out);
}

static void done(struct lexed *l)
{
    model_free(l->m);
}

static void expect_tokens(const struct lexed *l, const int *want, int n)
{
    ck_assert_int_eq(l->n, n);
    for (int i = 0; i < n; i++)
        ck_assert_msg(l->tok[i] == want[i], "token %d is %d, expected %d", i,
                      l->tok[i], want[i]);
}

static void expect_col(const struct lexed *l, int i, int line, int col)
{
    int ln, cl;
    diag_line_col(l->m, l->sp[i].begin, &ln, &cl);
    ck_assert_int_eq(ln, line);
    ck_assert_int_eq(cl, col);
}

START_TEST(lex_tokens_and_columns_of_an_equation)
{
    struct lexed l;
    lex("omega' = -theta^2 ** 3 / l", &l);
    const int want[] = { NAME, PRIME, ASSIGN, MINUS, NAME, CARET, NUMBER,
                         POW, NUMBER, SLASH, NAME, NL, YYEOF };
    expect_tokens(&l, want, 13);
    expect_col(&l, 0, 1, 1);
    expect_col(&l, 1, 1, 6);
    expect_col(&l, 4, 1, 11);
    ck_assert_uint_eq(l.sp[4].end - l.sp[4].begin, 5);
    expect_col(&l, 7, 1, 19);
    ck_assert_uint_eq(l.sp[7].end - l.sp[7].begin, 2);
    expect_col(&l, 10, 1, 26);
    ck_assert_str_eq(l.errs, "");
    done(&l);
}
END_TEST

START_TEST(lex_comparison_and_logic_operators)
{
    struct lexed l;
    lex("a' = a<b | a<=b & a>b | a>=b | a==b | a!=b", &l);
    const int want[] = { NAME, PRIME, ASSIGN, NAME, LT, NAME, OR, NAME, LE,
                         NAME, AND, NAME, GT, NAME, OR, NAME, GE, NAME, OR,
                         NAME, EQ, NAME, OR, NAME, NE, NAME, NL, YYEOF };
    expect_tokens(&l, want, 28);
    done(&l);
}
END_TEST

START_TEST(lex_number_forms_and_values)
{
    struct lexed l;
    lex("x' = 123 1.5 .5 1e-3 2.E5 3e+2 7.", &l);
    const double want[] = { 123, 1.5, .5, 1e-3, 2.E5, 3e+2, 7. };
    for (int i = 0; i < 7; i++) {
        ck_assert_int_eq(l.tok[3 + i], NUMBER);
        ck_assert_double_eq(l.num[3 + i], want[i]);
    }
    expect_col(&l, 7, 1, 22);
    done(&l);
}
END_TEST

START_TEST(lex_overflowing_number_is_an_error_at_its_column)
{
    struct lexed l;
    lex("x' = 1 + 1e400 + 1e-400", &l);
    ck_assert_int_eq(l.tok[5], LEXERROR);
    ck_assert_ptr_nonnull(strstr(l.errs, "t.ode:1:10: error: number out of "
                                         "range\n"));
    ck_assert_ptr_nonnull(strstr(l.errs, "^~~~~\n"));
    done(&l);
}
END_TEST

START_TEST(lex_underflow_is_accepted)
{
    struct lexed l;
    lex("x' = 1e-400", &l);
    ck_assert_int_eq(l.tok[3], NUMBER);
    ck_assert_double_eq(l.num[3], 0);
    ck_assert_str_eq(l.errs, "");
    done(&l);
}
END_TEST

START_TEST(lex_number_glued_to_letters_is_an_error)
{
    struct lexed l;
    lex("x' = 2x + 1", &l);
    ck_assert_int_eq(l.tok[3], LEXERROR);
    ck_assert_ptr_nonnull(strstr(l.errs, "t.ode:1:6: error: invalid number "
                                         "'2x'"));
    done(&l);
}
END_TEST

START_TEST(lex_reports_column_of_bad_char)
{
    struct lexed l;
    lex("x' = 1 $ 2", &l);
    ck_assert_int_eq(l.tok[4], LEXERROR);
    ck_assert_str_eq(l.errs,
                     "t.ode:1:8: error: unexpected character '$'\n"
                     "    1 | x' = 1 $ 2\n"
                     "      |        ^\n");
    done(&l);
}
END_TEST

START_TEST(lex_tabs_expand_to_multiples_of_8)
{
    struct lexed l;
    lex("\tx' =\t$", &l);
    expect_col(&l, 0, 1, 9);
    ck_assert_str_eq(l.errs,
                     "t.ode:1:17: error: unexpected character '$'\n"
                     "    1 |         x' =    $\n"
                     "      |                 ^\n");
    done(&l);
}
END_TEST

START_TEST(lex_utf8_character_and_invalid_byte)
{
    struct lexed l;
    lex("x' = \xc3\xa9\ny' = 1 + \xff\nz' = 1 # \xff\xfe in a comment\n", &l);
    ck_assert_str_eq(l.errs,
                     "t.ode:1:6: error: unexpected character '\xc3\xa9'\n"
                     "    1 | x' = \xc3\xa9\n"
                     "      |      ^\n"
                     "t.ode:2:10: error: invalid byte 0xFF (not UTF-8)\n"
                     "    2 | y' = 1 + ?\n"
                     "      |          ^\n");
    done(&l);
}
END_TEST

START_TEST(lex_nul_byte_is_not_text)
{
    struct lexed l;
    lex_n("x' = \0", 6, &l);
    ck_assert_ptr_nonnull(strstr(l.errs, "t.ode:1:6: error: file is not text"));
    ck_assert_ptr_nonnull(strstr(l.errs, "    1 | x' = ?\n"));
    done(&l);
}
END_TEST

START_TEST(lex_keywords_only_at_line_start)
{
    struct lexed l;
    lex("par a=1\n  init x=2\nx' = par + init", &l);
    const int want[] = { KW_PAR, NAME, ASSIGN, NUMBER, NL,
                         KW_INIT, NAME, ASSIGN, NUMBER, NL,
                         NAME, PRIME, ASSIGN, NAME, PLUS, NAME, NL, YYEOF };
    expect_tokens(&l, want, 18);
    expect_col(&l, 5, 2, 3);
    done(&l);
}
END_TEST

START_TEST(lex_keywords_ignore_case)
{
    struct lexed l;
    lex("PaRaM a=1\nNUMBER k=2\nAux e = IF(a)THEN(1)ELSE(NOT 2)", &l);
    const int want[] = { KW_PAR, NAME, ASSIGN, NUMBER, NL,
                         KW_NUMBER, NAME, ASSIGN, NUMBER, NL,
                         KW_AUX, NAME, ASSIGN, IF, LP, NAME, RP, THEN, LP,
                         NUMBER, RP, ELSE, LP, NOT, NUMBER, RP, NL, YYEOF };
    expect_tokens(&l, want, 28);
    done(&l);
}
END_TEST

START_TEST(lex_short_keywords_p_and_i_need_a_declaration)
{
    struct lexed l;
    lex("p a=1\np' = -i\ni x=1\nI(t) = t\np=2", &l);
    const int want[] = { KW_PAR, NAME, ASSIGN, NUMBER, NL,
                         NAME, PRIME, ASSIGN, MINUS, NAME, NL,
                         KW_INIT, NAME, ASSIGN, NUMBER, NL,
                         NAME, LP, NAME, RP, ASSIGN, NAME, NL,
                         NAME, ASSIGN, NUMBER, NL, YYEOF };
    expect_tokens(&l, want, 28);
    done(&l);
}
END_TEST

START_TEST(lex_continuation_joins_lines)
{
    struct lexed l;
    lex("x' = a + \\\n   b\ny' = 1", &l);
    const int want[] = { NAME, PRIME, ASSIGN, NAME, PLUS, NAME, NL,
                         NAME, PRIME, ASSIGN, NUMBER, NL, YYEOF };
    expect_tokens(&l, want, 13);
    expect_col(&l, 5, 2, 4);
    expect_col(&l, 7, 3, 1);
    done(&l);
}
END_TEST

START_TEST(lex_crlf_and_missing_final_newline)
{
    struct lexed l;
    lex("x'=1\r\ny'=2 \\\r\n+ 3\r\nz'=3", &l);
    const int want[] = { NAME, PRIME, ASSIGN, NUMBER, NL,
                         NAME, PRIME, ASSIGN, NUMBER, PLUS, NUMBER, NL,
                         NAME, PRIME, ASSIGN, NUMBER, NL, YYEOF };
    expect_tokens(&l, want, 18);
    expect_col(&l, 12, 4, 1);
    ck_assert_str_eq(l.errs, "");
    done(&l);
}
END_TEST

START_TEST(lex_comments_are_skipped)
{
    struct lexed l;
    lex("# a comment $ \xff\n\" XPPAUT comment\nx' = 1 # trailing $\n", &l);
    const int want[] = { NL, NL, NAME, PRIME, ASSIGN, NUMBER, NL, YYEOF };
    expect_tokens(&l, want, 8);
    ck_assert_str_eq(l.errs, "");
    done(&l);
}
END_TEST

START_TEST(lex_settings_values_may_be_words)
{
    struct lexed l;
    lex("@ meth=5dp, total=1e3 t0=-2 meth=rk4 yp=log(CFU),but=Fit:wf", &l);
    const int want[] = { AT, NAME, ASSIGN, WORD, COMMA, NAME, ASSIGN, NUMBER,
                         NAME, ASSIGN, NUMBER, NAME, ASSIGN, WORD, NAME,
                         ASSIGN, WORD, COMMA, NAME, ASSIGN, WORD, NL, YYEOF };
    expect_tokens(&l, want, 23);
    ck_assert_double_eq(l.num[7], 1e3);
    ck_assert_double_eq(l.num[10], -2);
    done(&l);
}
END_TEST

START_TEST(lex_done_ends_the_text)
{
    struct lexed l;
    lex("x' = 1\ndone\n$$$ \xff not read", &l);
    const int want[] = { NAME, PRIME, ASSIGN, NUMBER, NL, YYEOF };
    expect_tokens(&l, want, 6);
    ck_assert_str_eq(l.errs, "");
    done(&l);
}
END_TEST

START_TEST(lex_name_longer_than_255_is_an_error)
{
    char text[600] = "x' = ";
    memset(text + 5, 'a', 256);
    struct lexed l;
    lex(text, &l);
    ck_assert_int_eq(l.tok[3], NAME);
    ck_assert_ptr_nonnull(strstr(l.errs, "t.ode:1:6: error: name too long"));
    done(&l);
    memset(text + 5, 'b', 255);
    text[5 + 255] = '\0';
    lex(text, &l);
    ck_assert_str_eq(l.errs, "");
    done(&l);
}
END_TEST

START_TEST(lex_unsupported_xpp_statement_is_named)
{
    struct lexed l;
    lex("markov z 2\ntable = 3", &l);
    ck_assert_int_eq(l.tok[0], LEXERROR);
    ck_assert_ptr_nonnull(strstr(l.errs, "t.ode:1:1: error: 'markov' "
                                         "statements are not supported"));
    /* `table = 3` is not a table statement (a name, refused later). */
    ck_assert_ptr_null(strstr(l.errs, "'table'"));
    done(&l);
}
END_TEST

/* XPPAUT reads a statement by the first letters of its first word (as
   xppaut 6.11 does: `pfoo a=2` declares a parameter). */
START_TEST(lex_statement_words_by_first_letters)
{
    static const struct { const char *text; int tok; } cases[] = {
        { "p a=1", KW_PAR }, { "par a=1", KW_PAR }, { "PARAM a=1", KW_PAR },
        { "params a=1", KW_PAR }, { "Parameters a=1", KW_PAR },
        { "i x=1", KW_INIT }, { "INIT x=1", KW_INIT },
        { "n k=1", KW_NUMBER }, { "num k=1", KW_NUMBER },
        { "number k=1", KW_NUMBER }, { "au e=x", KW_AUX },
        { "AUX e=x", KW_AUX }, { "d", YYEOF }, { "DONE", YYEOF },
        { "p = 1", NAME }, { "p' = -p", NAME }, { "dp /dt = 1", NAME },
        { "i(x) = x", NAME }, { "a e=x", NAME }, { "azz e=x", NAME },
        { "se hopf {a=1}", KW_SET }, { "SET hopf {a=1}", KW_SET },
        { "on x,y", KW_ONLY }, { "only x y", KW_ONLY },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct lexed l;
        lex(cases[i].text, &l);
        ck_assert_msg(l.tok[0] == cases[i].tok, "%s: token %d, want %d",
                      cases[i].text, l.tok[0], cases[i].tok);
        done(&l);
    }
}
END_TEST

START_TEST(lex_set_block_tokens)
{
    /* The brace ends the block even when it touches a value. */
    static const int want[] = { KW_SET, NAME, LBRACE, NAME, ASSIGN, NUMBER,
                                COMMA, NAME, ASSIGN, WORD, COMMA, NAME,
                                ASSIGN, NUMBER, RBRACE, NL };
    struct lexed l;
    lex("set fast {a=1, meth=rk4, dt=-0.5}", &l);
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_msg(l.tok[i] == want[i], "token %zu: %d, want %d", i,
                      l.tok[i], want[i]);
    done(&l);
    lex("x' = {", &l);
    ck_assert_msg(strstr(l.errs, "unexpected character '{'"), "%s", l.errs);
    done(&l);
}
END_TEST

START_TEST(lex_unsupported_statements_by_first_letters)
{
    static const struct { const char *text, *name; } cases[] = {
        { "b u'-v", "bdry" }, { "bndry u", "bdry" }, { "w w1", "wiener" },
        { "WIENER w", "wiener" },
        { "ta h f.tab", "table" },
        { "so y=1", "solve" }, { "sp k=conv(1)", "special" },
        { "ma z 2", "markov" }, { "ex {x} {y}", "export" },
        { "o file", "options" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct lexed l;
        char want[80];
        lex(cases[i].text, &l);
        snprintf(want, sizeof want, "t.ode:1:1: error: '%s' statements are "
                 "not supported", cases[i].name);
        ck_assert_msg(l.tok[0] == LEXERROR && strstr(l.errs, want),
                      "%s: %s", cases[i].text, l.errs);
        done(&l);
    }
}
END_TEST

START_TEST(lex_names_have_dots_and_start_with_a_letter)
{
    struct lexed l;
    lex("P.E. = g_na.x", &l);
    const int want[] = { NAME, ASSIGN, NAME, NL, YYEOF };
    expect_tokens(&l, want, 5);
    ck_assert_str_eq(l.errs, "");
    done(&l);
    lex("x = _y", &l);
    ck_assert_ptr_nonnull(strstr(l.errs, "t.ode:1:5: error: '_y': a name "
                                         "must start with a letter"));
    done(&l);
}
END_TEST

START_TEST(lex_span_of_error_at_end_of_file)
{
    struct lexed l;
    lex("x' = 1", &l);
    /* The NL made up for the missing final newline sits at the end. */
    ck_assert_int_eq(l.tok[4], NL);
    ck_assert_uint_eq(l.sp[4].begin, 6);
    ck_assert_uint_eq(l.sp[4].end, 6);
    done(&l);
}
END_TEST

START_TEST(lex_byte_order_mark_is_skipped_at_the_start_only)
{
    struct lexed l;
    lex("\xEF\xBB\xBFx' = $\n\xEF\xBB\xBFy' = 1\n", &l);
    ck_assert_int_eq(l.tok[0], NAME);
    expect_col(&l, 0, 1, 1);
    ck_assert_str_eq(l.errs,
                     "t.ode:1:6: error: unexpected character '$'\n"
                     "    1 | x' = $\n"
                     "      |      ^\n"
                     "t.ode:2:1: error: unexpected character '\xEF\xBB\xBF'\n"
                     "    2 | \xEF\xBB\xBFy' = 1\n"
                     "      | ^\n");
    done(&l);
}
END_TEST

static Suite *lexer_suite(void)
{
    Suite *s = suite_create("lexer");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, lex_tokens_and_columns_of_an_equation);
    tcase_add_test(tc, lex_comparison_and_logic_operators);
    tcase_add_test(tc, lex_number_forms_and_values);
    tcase_add_test(tc, lex_overflowing_number_is_an_error_at_its_column);
    tcase_add_test(tc, lex_underflow_is_accepted);
    tcase_add_test(tc, lex_number_glued_to_letters_is_an_error);
    tcase_add_test(tc, lex_reports_column_of_bad_char);
    tcase_add_test(tc, lex_tabs_expand_to_multiples_of_8);
    tcase_add_test(tc, lex_utf8_character_and_invalid_byte);
    tcase_add_test(tc, lex_nul_byte_is_not_text);
    tcase_add_test(tc, lex_keywords_only_at_line_start);
    tcase_add_test(tc, lex_keywords_ignore_case);
    tcase_add_test(tc, lex_short_keywords_p_and_i_need_a_declaration);
    tcase_add_test(tc, lex_continuation_joins_lines);
    tcase_add_test(tc, lex_crlf_and_missing_final_newline);
    tcase_add_test(tc, lex_comments_are_skipped);
    tcase_add_test(tc, lex_settings_values_may_be_words);
    tcase_add_test(tc, lex_done_ends_the_text);
    tcase_add_test(tc, lex_name_longer_than_255_is_an_error);
    tcase_add_test(tc, lex_unsupported_xpp_statement_is_named);
    tcase_add_test(tc, lex_statement_words_by_first_letters);
    tcase_add_test(tc, lex_unsupported_statements_by_first_letters);
    tcase_add_test(tc, lex_set_block_tokens);
    tcase_add_test(tc, lex_names_have_dots_and_start_with_a_letter);
    tcase_add_test(tc, lex_span_of_error_at_end_of_file);
    tcase_add_test(tc, lex_byte_order_mark_is_skipped_at_the_start_only);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(lexer_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
